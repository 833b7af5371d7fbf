//! One request, start to finish: read the body within limits, route, check security, validate,
//! answer, and log one line. Every failure of the client's making is a 4xx that says what is
//! wrong; nothing here panics or drops the connection on bad input.

use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Incoming};
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
    let normalized = normalize_path(parts.uri.path());
    let path = normalized.as_ref();
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
    // Method names are case-sensitive (RFC 9110 §9.1): `get` is not `GET`.
    let method = Method::ALL
        .into_iter()
        .find(|m| m.as_str() == parts.method.as_str());
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
        let mut r = documented_error(spec, op, &[401], &parts.headers, app.config.seed, &[])
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
            location: "security",
            name: refusal.schemes.join(", "),
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
            let r = documented_error(spec, op, &[415], &parts.headers, app.config.seed, &[])
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
                .all(|v| v.location == "body" && v.rule != "syntax" && v.rule != "presence");
            let order: &[u16] = if semantic { &[422, 400] } else { &[400, 422] };
            let mut r = documented_error(
                spec,
                op,
                order,
                &parts.headers,
                app.config.seed,
                &violations,
            )
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
    // Items removed by a DELETE documented as removal stay gone until created again (POST
    // to the same path); without a Prefer header, reads and updates of them get a 404.
    if prefs.code.is_none() && prefs.example.is_none() && !op.path.ends_with('/') {
        match (op.method, app.removed.is_removed(path)) {
            (Method::Post, true) => app.removed.restore(path),
            (Method::Get | Method::Head | Method::Put | Method::Patch | Method::Delete, true) => {
                let r =
                    documented_error(spec, op, &[404, 410], &parts.headers, app.config.seed, &[])
                        .unwrap_or_else(|| {
                            problem(
                                404,
                                "removed",
                                "Not Found",
                                format!("{path} was removed by a DELETE"),
                                &[],
                            )
                        });
                return (strip_if_head(r, head), label, 0);
            }
            _ => {}
        }
    }
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
        Ok(r) => r,
        Err(r) => *r,
    };
    if op.method == Method::Delete
        && r.status().is_success()
        && op.path.ends_with('}')
        && op.delete_semantics == Some(crate::spec::DeleteSemantics::Remove)
    {
        app.removed.remove(path);
    }
    // A create answers with the documented item, whatever it was before: the items under the
    // collection it posted to exist again (the mock's answers name no other items).
    if op.method == Method::Post && r.status().is_success() {
        app.removed.restore_under(path);
    }
    (strip_if_head(r, head), label, 0)
}

/// The operation's documented response for the first of `codes` it documents (exactly, then
/// by range such as `4XX`, then its `default` response with the first code; those two only
/// when they document a body), rendered with its example. `None` when it documents none of them: the caller answers with a problem.
fn documented_error(
    spec: &Spec,
    op: &Operation,
    codes: &[u16],
    headers: &HeaderMap,
    seed: u64,
    violations: &[RequestViolation],
) -> Option<Response<Body>> {
    let (documented, code) = codes
        .iter()
        .find_map(|&c| op.response(StatusKey::Code(c)).map(|r| (r, c)))
        // A range or `default` response stands in only when it documents a body: without
        // one, the problem body (which says what is wrong) serves the client better.
        .or_else(|| {
            codes.iter().find_map(|&c| {
                op.response(StatusKey::Range((c / 100) as u8))
                    .filter(|r| !r.content.is_empty())
                    .map(|r| (r, c))
            })
        })
        .or_else(|| {
            let r = op.response(StatusKey::Default)?;
            (!r.content.is_empty()).then_some((r, *codes.first()?))
        })?;
    let prefs = Preferences {
        example: fitting_example(documented, violations),
        ..Preferences::default()
    };
    respond::render(spec, op, documented, code, headers, &prefs, seed).ok()
}

/// The named example of an error response that reads like these violations: its name or
/// summary mentions the broken rule (`maxItemsExceeded` for `maxItems`) or the parameter.
/// `None` (the first example) when nothing fits.
fn fitting_example(
    documented: &crate::spec::Response,
    violations: &[RequestViolation],
) -> Option<String> {
    let squash = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let mut words: Vec<String> = Vec::new();
    for v in violations {
        let hints: &[&str] = match v.rule.as_str() {
            "maxItems" => &["maxitems", "toomany", "exceed", "maximum"],
            "minItems" => &["minitems", "empty", "atleast"],
            "presence" => &["empty", "missing", "nobody", "required"],
            "required" => &["missing", "required"],
            "syntax" => &["invalidjson", "malformed", "syntax", "invalid"],
            "maxLength" => &["toolong", "maxlength"],
            "minLength" => &["tooshort", "minlength", "empty"],
            "enum" => &["enum", "notallowed", "invalid"],
            _ => &["invalid"],
        };
        words.extend(hints.iter().map(|h| h.to_string()));
        if !v.name.is_empty() && v.location != "body" {
            words.push(squash(&v.name));
        }
    }
    let examples = documented.content.iter().flat_map(|m| &m.examples);
    // Earlier words are the more specific hints: try them in order.
    words.iter().find_map(|w| {
        examples.clone().find_map(|e| {
            let name = e.name.as_deref()?;
            let text = squash(&format!("{name} {}", e.summary.as_deref().unwrap_or("")));
            text.contains(w.as_str()).then(|| name.to_string())
        })
    })
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

/// RFC 3986 §6.2.2.2: percent-encoded unreserved characters (`%65` for `e`) mean the character
/// itself, so `/users/m%65` routes like `/users/me`. Other escapes stay as they are.
fn normalize_path(path: &str) -> std::borrow::Cow<'_, str> {
    if !path.contains('%') {
        return std::borrow::Cow::Borrowed(path);
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = path.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
            && (b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        {
            out.push(b as char);
            i += 3;
            continue;
        }
        // Copy one whole character (paths are UTF-8 strings).
        let ch = path[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    std::borrow::Cow::Owned(out)
}

fn hash(s: &str) -> u64 {
    // FNV-1a: a stable per-operation seed offset (std's hasher is randomized per process).
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
