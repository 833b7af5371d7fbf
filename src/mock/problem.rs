//! What the mock says when it answers for itself rather than from the spec: RFC 9457
//! `application/problem+json` bodies, and the `x-stipula-violations` header that lets a client's
//! test see why its request was refused even when the documented error body says little.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use serde_json::json;

use super::request::RequestViolation;

/// The header that lists what was wrong with a request.
pub const VIOLATIONS_HEADER: &str = "x-stipula-violations";

/// Longest `x-stipula-violations` value sent (headers are not meant for essays).
const MAX_HEADER_CHARS: usize = 4096;

pub type Body = Full<Bytes>;

/// A problem+json response: `kind` becomes the problem `type` URI.
pub fn problem(
    status: u16,
    kind: &str,
    title: &str,
    detail: String,
    violations: &[RequestViolation],
) -> Response<Body> {
    let mut body = json!({
        "type": format!("https://stipula.dev/problems/{kind}"),
        "title": title,
        "status": status,
        "detail": detail,
    });
    if !violations.is_empty() {
        body["violations"] = violations.iter().map(RequestViolation::to_json).collect();
    }
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if !violations.is_empty() {
        set_violations_header(&mut response, violations);
    }
    response
}

/// Adds the `x-stipula-violations` header: `in name: message; ...`, ASCII, bounded.
pub fn set_violations_header(response: &mut Response<Body>, violations: &[RequestViolation]) {
    let text: String = violations
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let mut clean: String = text
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .take(MAX_HEADER_CHARS)
        .collect();
    if text.chars().count() > MAX_HEADER_CHARS {
        clean.push_str("...");
    }
    if let Ok(v) = HeaderValue::from_str(&clean) {
        response.headers_mut().insert(VIOLATIONS_HEADER, v);
    }
}
