//! One request, start to finish: read the body within limits, answer it (the stages are in
//! [`super::answer`]: route, check security, validate, choose and render the response), add
//! CORS, and log one line. Every failure of the client's making is a 4xx that says what is
//! wrong; nothing here panics or drops the connection on bad input.

use std::time::Instant;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use hyper::header::{HeaderValue, ORIGIN};
use hyper::{HeaderMap, Request, Response};

use super::App;
use super::answer::{Answered, answer};
use super::problem::{Body, problem};

pub async fn handle(app: &App, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let limits = &app.config.limits;
    let body = match tokio::time::timeout(
        limits.body_read_timeout,
        read_body(body, limits.max_body_bytes),
    )
    .await
    {
        Ok(Ok(ReadBody::Complete(bytes))) => Ok(bytes),
        Ok(Ok(ReadBody::TooLarge)) => Err(problem(
            413,
            "body-too-large",
            "Content Too Large",
            format!(
                "the request body is larger than the mock's limit of {} bytes",
                limits.max_body_bytes
            ),
            &[],
        )),
        Ok(Err(e)) => Err(problem(
            400,
            "bad-body",
            "Bad Request",
            format!("the request body could not be read: {e}"),
            &[],
        )),
        Err(_) => Err(problem(
            408,
            "body-timeout",
            "Request Timeout",
            format!(
                "the request body did not arrive within {} s",
                limits.body_read_timeout.as_secs()
            ),
            &[],
        )),
    };
    let Answered {
        mut response,
        label,
        violations,
    } = match body {
        Ok(body) => answer(app, &parts, &body),
        Err(r) => Answered::unrouted(r),
    };
    add_cors(&app.config.cors_origins, &parts.headers, &mut response);
    tracing::info!(
        method = %parts.method,
        path = parts.uri.path(),
        operation = label.as_str(),
        status = response.status().as_u16(),
        violations,
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

enum ReadBody {
    Complete(Bytes),
    /// Over the limit; the rest was read and dropped (up to a cap) so that the client, still
    /// writing, reads our 413 instead of a broken pipe (RFC 9112 §9.6's lingering close).
    TooLarge,
}

/// Most bytes read and dropped after a body passes the limit, before the connection is left
/// to close.
const DRAIN_CAP_BYTES: usize = 64 * 1024 * 1024;

async fn read_body(mut body: Incoming, limit: usize) -> Result<ReadBody, hyper::Error> {
    let declared = body
        .size_hint()
        .exact()
        .and_then(|n| usize::try_from(n).ok());
    let mut buffer = bytes::BytesMut::new();
    let mut seen = 0usize;
    let mut too_large = declared.is_some_and(|n| n > limit);
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen > limit {
            too_large = true;
            buffer.clear();
        }
        if too_large {
            if seen > DRAIN_CAP_BYTES {
                break;
            }
            continue;
        }
        buffer.extend_from_slice(&data);
    }
    Ok(if too_large {
        ReadBody::TooLarge
    } else {
        ReadBody::Complete(buffer.freeze())
    })
}

pub(super) fn insert(r: &mut Response<Body>, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// CORS on every answer. An origin listed with `--cors-origin` is named back with
/// credentials allowed; without a list (or with `*` in it) any other origin reads answers
/// without credentials (`*`); an origin not listed gets no CORS grant. `Origin: null` (sandboxed
/// frames, `file:` pages: any site can send it) never gets credentials.
fn add_cors(allowed: &[String], request: &HeaderMap, r: &mut Response<Body>) {
    let origin = request.get(ORIGIN).and_then(|v| v.to_str().ok());
    let listed = origin.filter(|o| {
        *o != "null"
            && allowed
                .iter()
                .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(o))
    });
    if origin.is_some() && !allowed.is_empty() {
        r.headers_mut()
            .append(hyper::header::VARY, HeaderValue::from_static("Origin"));
    }
    if let Some(o) = listed {
        insert(r, "access-control-allow-origin", o);
        insert(r, "access-control-allow-credentials", "true");
        // With credentials `*` is a header name, not a wildcard (Fetch §3.2.3): name them.
        let names: Vec<&str> = r.headers().keys().map(|k| k.as_str()).collect();
        let names = names.join(", ");
        insert(r, "access-control-expose-headers", &names);
        return;
    }
    if allowed.is_empty() || allowed.iter().any(|a| a == "*") {
        insert(r, "access-control-allow-origin", "*");
        insert(r, "access-control-expose-headers", "*");
    }
}
