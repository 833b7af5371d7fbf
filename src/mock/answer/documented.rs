//! The operation's own answers to refused requests: its documented 401, 404, 415, 400 or 422
//! (exact code, then range, then `default`), rendered with the named example the client's
//! `Prefer: example=` names, else the one that reads most like what was wrong. The stages fall back to a problem when there is none.

use hyper::{HeaderMap, Response};

use super::Reached;
use crate::mock::problem::Body;
use crate::mock::request::RequestViolation;
use crate::mock::respond::{self, Preferences};
use crate::spec::{Operation, Spec, StatusKey};

impl Reached<'_> {
    /// [`documented_error`] for this request, with the example its `Prefer: example=` names.
    pub(super) fn documented_error(
        &self,
        codes: &[u16],
        violations: &[RequestViolation],
    ) -> Option<Response<Body>> {
        let preferred = respond::preferences(&self.parts.headers)
            .ok()
            .and_then(|p| p.example);
        documented_error(
            self.spec,
            self.op,
            codes,
            &self.parts.headers,
            self.app.config.seed,
            violations,
            preferred.as_deref(),
        )
    }
}

/// The operation's documented response for the first of `codes` it documents (exactly, then
/// by range such as `4XX`, then its `default` response with the first code; those two only
/// when they document a body), rendered with the example the client named in `Prefer` when
/// that response documents it (under the negotiated media type), else the example that reads
/// like the violations. `None` when it documents none of them: the caller answers with a
/// problem.
pub(super) fn documented_error(
    spec: &Spec,
    op: &Operation,
    codes: &[u16],
    headers: &HeaderMap,
    seed: u64,
    violations: &[RequestViolation],
    preferred: Option<&str>,
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
    let render = |example: Option<String>| {
        let prefs = Preferences {
            example,
            ..Preferences::default()
        };
        respond::render(spec, op, documented, code, headers, &prefs, seed).ok()
    };
    preferred
        .and_then(|name| render(Some(name.to_string())))
        .or_else(|| render(fitting_example(documented, violations)))
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
