//! One request, start to finish: read the body within limits, route, check security, validate,
//! answer, and log one line. Every failure of the client's making is a 4xx that says what is
//! wrong; nothing here panics or drops the connection on bad input.

use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ORIGIN};
use hyper::{HeaderMap, Request, Response, StatusCode};

use super::App;
use super::problem::{Body, problem, set_violations_header};
use super::request::{self, Checked, RequestViolation};
use super::respond::{self, Preferences};
use crate::spec::{Method, Operation, Spec, StatusKey};

pub async fn handle(app: &App, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let limits = &app.config.limits;
    let body = match tokio::time::timeout(
        limits.body_read_timeout,
        Limited::new(body, limits.max_body_bytes).collect(),
    )
    .await
    {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e))
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(problem(
                413,
                "body-too-large",
                "Content Too Large",
                format!(
                    "the request body is larger than the mock's limit of {} bytes",
                    limits.max_body_bytes
                ),
                &[],
            ))
        }
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
    let (mut response, label, violations) = match body {
        Ok(body) => answer(app, &parts, &body),
        Err(r) => (r, String::new(), 0),
    };
    add_cors(&parts.headers, &mut response);
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

/// The answer, the operation's label for the log, and the number of violations found.
fn answer(
    app: &App,
    parts: &hyper::http::request::Parts,
    body: &Bytes,
) -> (Response<Body>, String, usize) {
    let path = parts.uri.path();
    let Some(matched) = app.router.at(path) else {
        let mounted: Vec<String> = app
            .mounts
            .iter()
            .map(|m| {
                if m.prefix.is_empty() {
                    "/".to_string()
                } else {
                    m.prefix.clone()
                }
            })
            .collect();
        return (
            problem(
                404,
                "no-route",
                "Not Found",
                format!(
                    "no documented path matches {path} (specs are mounted at {})",
                    mounted.join(", ")
                ),
                &[],
            ),
            String::new(),
            0,
        );
    };
    let method = Method::from_key(&parts.method.as_str().to_ascii_lowercase());
    let is_preflight = parts.method == hyper::Method::OPTIONS
        && parts.headers.contains_key("access-control-request-method");
    let target = method
        .and_then(|m| matched.route.target(m))
        .filter(|_| !is_preflight);
    // HEAD is answered as GET without a body when only GET is documented.
    let (target, head) = match (target, method) {
        (None, Some(Method::Head)) => (matched.route.target(Method::Get), true),
        (t, _) => (t, false),
    };
    let Some(target) = target else {
        let mut allow: Vec<&str> = matched.route.methods().iter().map(|m| m.as_str()).collect();
        if allow.contains(&"GET") && !allow.contains(&"HEAD") {
            allow.push("HEAD");
        }
        if !allow.contains(&"OPTIONS") {
            allow.push("OPTIONS");
        }
        let allow = allow.join(", ");
        if parts.method == hyper::Method::OPTIONS {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::NO_CONTENT;
            insert(&mut r, "allow", &allow);
            insert(&mut r, "access-control-allow-methods", &allow);
            let requested = parts
                .headers
                .get("access-control-request-headers")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("*");
            insert(&mut r, "access-control-allow-headers", requested);
            insert(&mut r, "access-control-max-age", "600");
            return (r, String::new(), 0);
        }
        let mut r = problem(
            405,
            "method-not-allowed",
            "Method Not Allowed",
            format!(
                "{} is not documented for {} (documented: {allow})",
                parts.method, matched.route.template
            ),
            &[],
        );
        insert(&mut r, "allow", &allow);
        return (r, String::new(), 0);
    };
    let mount = &app.mounts[target.mount];
    let spec = &mount.spec;
    let op = &spec.operations[target.operation];
    let label = op.label();
    let query = crate::params::query_pairs(parts.uri.query().unwrap_or(""));
    let cookie_header: Vec<&str> = parts
        .headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let cookie_header = cookie_header.join("; ");
    let cookies = crate::params::cookie_pairs(&cookie_header);

    let requirements = op.effective_security(&spec.security);
    if let Err(refusal) = super::security::check(
        spec,
        requirements,
        &parts.headers,
        &query,
        &cookies,
        app.config.token.as_deref(),
    ) {
        let mut r = documented_error(spec, op, &[401], &parts.headers, app.config.seed)
            .unwrap_or_else(|| {
                problem(
                    401,
                    "unauthorized",
                    "Unauthorized",
                    refusal.detail.clone(),
                    &[],
                )
            });
        if !refusal.challenges.is_empty() {
            insert(&mut r, "www-authenticate", &refusal.challenges.join(", "));
        }
        let v = RequestViolation {
            location: "header",
            name: "Authorization".into(),
            rule: "security".into(),
            message: refusal.detail,
        };
        set_violations_header(&mut r, std::slice::from_ref(&v));
        return (strip_if_head(r, head), label, 1);
    }

    let incoming = request::Incoming {
        headers: &parts.headers,
        path_values: &matched.values,
        path_names: &target.names,
        query: &query,
        cookies: &cookies,
        body,
    };
    match request::check(spec, op, &incoming, app.config.limits.max_json_depth) {
        Checked::Valid => {}
        Checked::UnsupportedMediaType(documented) => {
            let given = parts
                .headers
                .get(hyper::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let v = RequestViolation {
                location: "header",
                name: "Content-Type".into(),
                rule: "mediaType".into(),
                message: format!("`{given}` is not documented (documented: {documented})"),
            };
            let r = documented_error(spec, op, &[415], &parts.headers, app.config.seed)
                .unwrap_or_else(|| {
                    problem(
                        415,
                        "unsupported-media-type",
                        "Unsupported Media Type",
                        v.message.clone(),
                        std::slice::from_ref(&v),
                    )
                });
            let mut r = r;
            set_violations_header(&mut r, std::slice::from_ref(&v));
            return (strip_if_head(r, head), label, 1);
        }
        Checked::Invalid(violations) => {
            // 422 for a well-formed body that breaks its schema, when the spec says so.
            let semantic = violations
                .iter()
                .all(|v| v.location == "body" && v.rule != "syntax" && v.rule != "required");
            let order: &[u16] = if semantic { &[422, 400] } else { &[400, 422] };
            let mut r = documented_error(spec, op, order, &parts.headers, app.config.seed)
                .unwrap_or_else(|| {
                    problem(
                        400,
                        "invalid-request",
                        "Bad Request",
                        format!(
                            "the request does not match the spec for {label} ({} violation(s))",
                            violations.len()
                        ),
                        &violations,
                    )
                });
            set_violations_header(&mut r, &violations);
            return (strip_if_head(r, head), label, violations.len());
        }
    }

    let prefs = match respond::preferences(&parts.headers) {
        Ok(p) => p,
        Err(e) => return (problem(400, "bad-prefer", "Bad Request", e, &[]), label, 0),
    };
    let chosen = match prefs.code {
        Some(code) => match op.response_for(code) {
            Some(r) => Some((r, code)),
            None => {
                let documented: Vec<String> =
                    op.responses.iter().map(|r| r.status.to_string()).collect();
                let detail = format!(
                    "Prefer: code={code}: {label} documents {}",
                    documented.join(", ")
                );
                return (
                    problem(
                        422,
                        "unsatisfiable-preference",
                        "Unsatisfiable Prefer header",
                        detail,
                        &[],
                    ),
                    label,
                    0,
                );
            }
        },
        None => respond::default_response(op),
    };
    let Some((documented, status)) = chosen else {
        return (
            strip_if_head(Response::new(Full::new(Bytes::new())), head),
            label,
            0,
        );
    };
    let seed = app.config.seed ^ hash(&label);
    let r = match respond::render(spec, op, documented, status, &parts.headers, &prefs, seed) {
        Ok(r) | Err(r) => r,
    };
    (strip_if_head(r, head), label, 0)
}

/// The operation's documented response for the first of `codes` it documents, rendered with
/// its example (`None` when it documents none of them).
fn documented_error(
    spec: &Spec,
    op: &Operation,
    codes: &[u16],
    headers: &HeaderMap,
    seed: u64,
) -> Option<Response<Body>> {
    let (documented, code) = codes
        .iter()
        .find_map(|&c| op.response(StatusKey::Code(c)).map(|r| (r, c)))?;
    respond::render(
        spec,
        op,
        documented,
        code,
        headers,
        &Preferences::default(),
        seed,
    )
    .ok()
}

fn strip_if_head(mut r: Response<Body>, head: bool) -> Response<Body> {
    if head {
        *r.body_mut() = Full::new(Bytes::new());
    }
    r
}

fn insert(r: &mut Response<Body>, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// CORS on every answer: browsers may call the mock from any origin.
fn add_cors(request: &HeaderMap, r: &mut Response<Body>) {
    let origin = request.get(ORIGIN).and_then(|v| v.to_str().ok());
    match origin {
        Some(o) => {
            insert(r, "access-control-allow-origin", o);
            insert(r, "access-control-allow-credentials", "true");
            insert(r, "vary", "Origin");
        }
        None => insert(r, "access-control-allow-origin", "*"),
    }
    insert(r, "access-control-expose-headers", "*");
}

fn hash(s: &str) -> u64 {
    // FNV-1a: a stable per-operation seed offset (std's hasher is randomized per process).
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
