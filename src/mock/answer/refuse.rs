//! Stage 2: requests the spec refuses. Security first (401, with `WWW-Authenticate` when the
//! schemes have challenges), then the request against the operation: 415 for an undocumented
//! media type (the documented 400 when the spec documents no 415, `4XX` or `default` but a 400); for other violations 400, or 422 first when every violation is in a well-formed
//! body (when the spec documents 422). Every refusal lists its violations in a header too.

use bytes::Bytes;
use hyper::Response;

use super::{Inputs, Reached, Stage};
use crate::mock::handle::insert;
use crate::mock::problem::{Body, problem, set_violations_header};
use crate::mock::request::{self, Checked, RequestViolation};

/// 401 unless the request meets the operation's security.
pub(super) fn security(req: &Reached, inputs: &Inputs) -> Stage<()> {
    let requirements = req.op.effective_security(&req.spec.security);
    let Err(refusal) = crate::mock::security::check(
        req.spec,
        requirements,
        &req.parts.headers,
        &inputs.query,
        &inputs.cookies,
        req.app.config.token.as_deref(),
    ) else {
        return Ok(());
    };
    let mut r = req.documented_error(&[401], &[]).unwrap_or_else(|| {
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
    Err(req.answered(r, 1).into())
}

/// 415, 400 or 422 unless the request matches the operation.
pub(super) fn validate(req: &Reached, inputs: &Inputs, body: &Bytes) -> Stage<()> {
    let incoming = request::Incoming {
        headers: &req.parts.headers,
        path_values: req.path_values,
        path_names: req.path_names,
        query: &inputs.query,
        cookies: &inputs.cookies,
        body,
    };
    let max_depth = req.app.config.limits.max_json_depth;
    match request::check(req.spec, req.op, &incoming, max_depth) {
        Checked::Valid => Ok(()),
        Checked::UnsupportedMediaType(documented) => Err(req
            .answered(unsupported_media_type(req, &documented), 1)
            .into()),
        Checked::Invalid(violations) => Err(req
            .answered(invalid(req, &violations), violations.len())
            .into()),
    }
}

fn unsupported_media_type(req: &Reached, documented: &str) -> Response<Body> {
    let given = req
        .parts
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
    let mut r = req
        .documented_error(&[415], &[])
        // A spec that documents no 415 (nor a 4XX or default) but a 400 gets its 400: an
        // answer the spec lets the API give, so `stipula test` sees no stray code.
        .or_else(|| {
            req.op
                .response_for(415)
                .is_none()
                .then(|| req.documented_error(&[400], &[]))?
        })
        .unwrap_or_else(|| {
            problem(
                415,
                "unsupported-media-type",
                "Unsupported Media Type",
                v.message.clone(),
                std::slice::from_ref(&v),
            )
        });
    set_violations_header(&mut r, std::slice::from_ref(&v));
    r
}

fn invalid(req: &Reached, violations: &[RequestViolation]) -> Response<Body> {
    // 422 for a well-formed body that breaks its schema, when the spec says so.
    let semantic = violations
        .iter()
        .all(|v| v.location == "body" && v.rule != "syntax" && v.rule != "presence");
    let order: &[u16] = if semantic { &[422, 400] } else { &[400, 422] };
    let mut r = req.documented_error(order, violations).unwrap_or_else(|| {
        problem(
            400,
            "invalid-request",
            "Bad Request",
            format!(
                "the request does not match the spec for {} ({} violation(s))",
                req.label,
                violations.len()
            ),
            violations,
        )
    });
    set_violations_header(&mut r, violations);
    r
}
