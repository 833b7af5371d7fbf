//! The mock's request checks without the mock's answer, for `stipula proxy`: which operation a
//! request reaches and everything wrong with it, by the same stages the mock refuses with
//! (route, security, validation), so the proxy flags exactly what the mock would refuse.

use bytes::Bytes;
use hyper::http::request::Parts;

use super::{Inputs, Reached, cookie_header, route};
use crate::mock::App;
use crate::mock::request::{self, Checked, RequestViolation};

/// What the checks found about one request.
pub struct Inspection {
    /// The operation reached: (mount, operation) indices into the app's mounts.
    pub operation: Option<(usize, usize)>,
    /// Why no operation was reached (a 404 or a 405 in the mock).
    pub unrouted: Option<String>,
    /// A security requirement the request does not meet (the mock's 401).
    pub security: Option<RequestViolation>,
    /// Everything else wrong (the mock's 415, 400 or 422).
    pub violations: Vec<RequestViolation>,
}

/// Checks one request as the mock would, without answering it.
pub fn inspect(app: &App, parts: &Parts, body: &Bytes) -> Inspection {
    let path = route::normalize_path(parts.uri.path());
    let routed = match route::route(app, parts, &path) {
        Ok(r) => r,
        Err(answered) => {
            let status = answered.response.status().as_u16();
            let why = if status == 405 {
                format!(
                    "{} is not documented for {}",
                    parts.method,
                    parts.uri.path()
                )
            } else {
                format!("no documented path matches {}", parts.uri.path())
            };
            return Inspection {
                operation: None,
                unrouted: Some(why),
                security: None,
                violations: Vec::new(),
            };
        }
    };
    let req = Reached::new(app, parts, &path, &routed);
    let cookie_header = cookie_header(&parts.headers);
    let inputs = Inputs {
        query: crate::params::query_pairs(parts.uri.query().unwrap_or("")),
        cookies: crate::params::cookie_pairs(&cookie_header),
    };
    let security = crate::mock::security::check(
        req.spec,
        req.op.effective_security(&req.spec.security),
        &parts.headers,
        &inputs.query,
        &inputs.cookies,
        app.config.token.as_deref(),
    )
    .err()
    .map(|refusal| RequestViolation {
        location: "security",
        name: refusal.schemes.join(", "),
        rule: "security".into(),
        message: refusal.detail,
    });
    let incoming = request::Incoming {
        headers: &parts.headers,
        path_values: req.path_values,
        path_names: req.path_names,
        query: &inputs.query,
        cookies: &inputs.cookies,
        body,
    };
    let violations = match request::check(
        req.spec,
        req.op,
        &incoming,
        app.config.limits.max_json_depth,
    ) {
        Checked::Valid => Vec::new(),
        Checked::UnsupportedMediaType(documented) => vec![RequestViolation {
            location: "header",
            name: "Content-Type".into(),
            rule: "mediaType".into(),
            message: format!(
                "`{}` is not documented (documented: {documented})",
                parts
                    .headers
                    .get(hyper::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
            ),
        }],
        Checked::Invalid(v) => v,
    };
    Inspection {
        operation: Some((routed.target.mount, routed.target.operation)),
        unrouted: None,
        security,
        violations,
    }
}
