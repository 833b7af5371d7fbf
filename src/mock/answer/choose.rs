//! Stage 3: the response to give. The `Prefer` header first (`code=`, `example=`,
//! `dynamic=true`); then items removed by a DELETE documented as removal, which stay gone
//! (404) until a POST creates them again, unless `Prefer` asks for something; then the
//! preferred code's documented response, else the operation's default one; rendered with a seed
//! per operation, and the removal bookkeeping updated from what was answered.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;

use super::{Answered, Reached, Stage};
use crate::mock::problem::{Body, problem};
use crate::mock::respond::{self, Preferences};
use crate::spec::{Method, Response as Documented};

/// The `Prefer` header, or a 400 saying why it cannot be read.
pub(super) fn preferences(req: &Reached) -> Stage<Preferences> {
    respond::preferences(&req.parts.headers).map_err(|e| {
        req.answered_with_body(problem(400, "bad-prefer", "Bad Request", e, &[]), 0)
            .into()
    })
}

/// Items removed by a DELETE documented as removal stay gone until created again (POST to the
/// same path); without a Prefer header, reads and updates of them get a 404.
pub(super) fn unless_removed(req: &Reached, prefs: &Preferences) -> Stage<()> {
    if prefs.code.is_some() || prefs.example.is_some() || req.op.path.ends_with('/') {
        return Ok(());
    }
    let removed = &req.app.removed;
    match (req.op.method, removed.is_removed(req.path)) {
        (Method::Post, true) => removed.restore(req.path),
        (Method::Get | Method::Head | Method::Put | Method::Patch | Method::Delete, true) => {
            let r = req.documented_error(&[404, 410], &[]).unwrap_or_else(|| {
                problem(
                    404,
                    "removed",
                    "Not Found",
                    format!("{} was removed by a DELETE", req.path),
                    &[],
                )
            });
            return Err(req.answered(r, 0).into());
        }
        _ => {}
    }
    Ok(())
}

/// The documented response to render and its status: the `Prefer: code=` one (422 when the
/// operation does not document it), else the default choice; an empty answer when the
/// operation documents nothing to choose.
pub(super) fn response<'a>(req: &Reached<'a>, prefs: &Preferences) -> Stage<(&'a Documented, u16)> {
    let op = req.op;
    let chosen = match prefs.code {
        Some(code) => match op.response_for(code) {
            Some(r) => Some((r, code)),
            None => {
                let documented: Vec<String> =
                    op.responses.iter().map(|r| r.status.to_string()).collect();
                let detail = format!(
                    "Prefer: code={code}: {} documents {}",
                    req.label,
                    documented.join(", ")
                );
                return Err(req
                    .answered_with_body(
                        problem(
                            422,
                            "unsatisfiable-preference",
                            "Unsatisfiable Prefer header",
                            detail,
                            &[],
                        ),
                        0,
                    )
                    .into());
            }
        },
        None => respond::default_response(op),
    };
    chosen.ok_or_else(|| {
        req.answered(Response::new(Full::new(Bytes::new())), 0)
            .into()
    })
}

/// The chosen response rendered (a rejection, such as 406, is rendered too), with the removal
/// bookkeeping updated.
pub(super) fn render(
    req: &Reached,
    documented: &Documented,
    status: u16,
    prefs: &Preferences,
) -> Answered {
    let r = render_as(req, req.op, documented, status, prefs).unwrap_or_else(|r| *r);
    remember(req, &r);
    req.answered(r, 0)
}

/// A successful DELETE documented as removal removes the item; a successful create makes the
/// items under the collection it posted to exist again.
fn remember(req: &Reached, r: &Response<Body>) {
    let op = req.op;
    if op.method == Method::Delete
        && r.status().is_success()
        && op.path.ends_with('}')
        && op.delete_semantics == Some(crate::spec::DeleteSemantics::Remove)
    {
        req.app.removed.remove(req.path);
    }
    // A create answers with the documented item, whatever it was before: the items under the
    // collection it posted to exist again (the mock's answers name no other items).
    if op.method == Method::Post && r.status().is_success() {
        req.app.removed.restore_under(req.path);
    }
}

/// `respond::render` for `op` with the request's headers and the seed every answer to this
/// route draws from (`--seed` mixed with the route's label).
pub(super) fn render_as(
    req: &Reached,
    op: &crate::spec::Operation,
    documented: &Documented,
    status: u16,
    prefs: &Preferences,
) -> Result<hyper::Response<crate::mock::problem::Body>, respond::Rejection> {
    let seed = req.app.config.seed ^ hash(&req.label);
    respond::render(
        req.spec,
        op,
        documented,
        status,
        &req.parts.headers,
        prefs,
        seed,
    )
}

fn hash(s: &str) -> u64 {
    // FNV-1a: a stable per-operation seed offset (std's hasher is randomized per process).
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
