//! With `--state`: the answers of operations on collections and items come from the store
//! (`mock::state`), and the admin endpoints under `/__stipula/` reset and dump it.
//!
//! Runs after validation (only valid requests change the state) and after `Prefer`: a request
//! asking for a code or a named example gets the documented answer, untouched by the state.
//! Each answer is the documented response rendered as usual (status, headers, media type) with
//! its body replaced by the stored item or the page of items, when that body validates against
//! the documented schema; when it does not (a create answered with a summary, a list of
//! another shape), the documented body stays. A request the state cannot interpret (a body
//! neither JSON nor a form, a JSON Patch) falls through to the stateless answer.
//!
//! Missing items are the operation's documented 404 (else a problem), a patch that would make
//! an invalid item is its documented 422/400 (else a problem), and a full store is 507.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::http::request::Parts;
use serde_json::Value;

use super::{Answered, Reached, Stage};
use crate::mock::App;
use crate::mock::handle::insert;
use crate::mock::problem::{Body, problem};
use crate::mock::respond::{self, Preferences};
use crate::mock::state::item::{Paging, list_body};
use crate::mock::state::{Edit, Full as StoreFull, Item, Key, SEGMENT, State};
use crate::resources::Role;
use crate::schema::Direction;

/// The reserved prefix of the admin endpoints.
pub(crate) const ADMIN: &str = "/__stipula/";

/// `POST /__stipula/reset` and `GET /__stipula/state`; other paths pass.
pub(super) fn admin(app: &App, state: &State, parts: &Parts, path: &str) -> Stage<()> {
    let Some(name) = path.strip_prefix(ADMIN) else {
        return Ok(());
    };
    let response = match (name, &parts.method) {
        ("reset", &hyper::Method::POST) => {
            // With a scope header, only the caller's scope; without, everything (and the
            // paths removed by DELETEs the state does not answer).
            let scope = parts_scope(state, parts);
            state.reset(scope);
            if scope.is_none() {
                app.removed.clear();
            }
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = hyper::StatusCode::NO_CONTENT;
            r
        }
        ("state", &hyper::Method::GET) => {
            let mut dump = state.dump();
            // The paths removed by DELETEs the state does not answer (a revoke is not one).
            dump["removed"] = app.removed.paths().into();
            let mut r = Response::new(Full::new(Bytes::from(dump.to_string())));
            insert(&mut r, "content-type", "application/json");
            r
        }
        ("reset" | "state", _) => {
            let allow = if name == "reset" { "POST" } else { "GET" };
            let mut r = problem(
                405,
                "method-not-allowed",
                "Method Not Allowed",
                format!("{ADMIN}{name} answers {allow} only"),
                &[],
            );
            insert(&mut r, "allow", allow);
            r
        }
        _ => problem(
            404,
            "no-route",
            "Not Found",
            format!(
                "{ADMIN} is reserved for the mock's own endpoints: POST {ADMIN}reset, GET {ADMIN}state"
            ),
            &[],
        ),
    };
    // A fixed label: the rest of the path is the client's text, and the label is logged.
    let label = match name {
        "reset" => "__stipula reset",
        "state" => "__stipula state",
        _ => "__stipula",
    };
    Err(Box::new(Answered {
        response,
        label: label.to_string(),
        violations: 0,
    }))
}

/// The value of the scope header, when the mock is scoped and the request sends it.
fn parts_scope<'p>(state: &State, parts: &'p Parts) -> Option<&'p str> {
    let header = state.config.scope_header.as_ref()?;
    parts.headers.get(header.as_str())?.to_str().ok()
}

/// The scope of a request: its scope header's value, else the shared one (`""`).
fn scope_of<'p>(state: &State, parts: &'p Parts) -> &'p str {
    parts_scope(state, parts).unwrap_or("")
}

/// The stateful answer, as an `Err` that ends the request; `Ok` when the state does not
/// answer this request.
pub(super) fn answer(req: &Reached, state: &State, prefs: &Preferences, body: &Bytes) -> Stage<()> {
    if prefs.code.is_some() || prefs.example.is_some() {
        return Ok(());
    }
    let Some((r, role)) = state.role(req.mount, req.operation) else {
        return Ok(());
    };
    let mut values: Vec<String> = req
        .path_values
        .iter()
        .map(|v| crate::params::percent_decode(v, false).unwrap_or_else(|_| v.clone()))
        .collect();
    let id = match role {
        Role::List | Role::Create => None,
        _ => values.pop(),
    };
    let key = Key {
        mount: req.mount,
        resource: r,
        parents: values,
    };
    let Some(request) = sent_value(req, body) else {
        return Ok(()); // a body the state cannot read: the stateless answer
    };
    let spec = req.spec;
    let Some(prepared) = state.prepared(spec, req.mount, r) else {
        return Ok(()); // the read documents no JSON item
    };
    let (shape, seeds) = (&prepared.shape, prepared.seeds.as_slice());
    let scope = scope_of(state, req.parts);
    let outcome = match (role, id) {
        (Role::List, _) => {
            let paging = Paging::of(spec, req.op, &query(req.parts));
            state.read(scope, &key, seeds, |c| {
                let (page, next) = paging.page(&c.items);
                Outcome::List {
                    page,
                    total: c.items.len(),
                    next,
                    cursors: paging.cursors,
                }
            })
        }
        (Role::Create, _) => {
            if request.as_ref().is_some_and(|v| !v.is_object()) {
                return Ok(());
            }
            state.change(scope, &key, seeds, |c| {
                match shape.create(spec, c, request.as_ref()) {
                    Some(item) => {
                        let out = Outcome::Created {
                            id: item.id.clone(),
                            body: item.body.clone(),
                            fresh: true,
                        };
                        (Edit::Put(item), out)
                    }
                    None => (Edit::Nothing, Outcome::Stateless),
                }
            })
        }
        (Role::Read, Some(id)) => state.read(scope, &key, seeds, |c| match c.get(&id) {
            Some(item) => Outcome::Item(item.body.clone()),
            None => Outcome::Missing(id.clone()),
        }),
        (Role::CreateAt | Role::Replace, Some(id)) => {
            if request.as_ref().is_some_and(|v| !v.is_object()) {
                return Ok(());
            }
            let typed = shape.typed_id(spec, &id);
            state.change(scope, &key, seeds, |c| {
                let built = match c.get(&id) {
                    Some(old) => shape.replaced(spec, &old.body, request.as_ref(), &typed),
                    None => shape.build(spec, request.as_ref(), &typed),
                };
                let fresh = c.get(&id).is_none();
                match built {
                    Some(body) => (
                        Edit::Put(Item::new(id.clone(), body.clone())),
                        Outcome::Created { id, body, fresh },
                    ),
                    None => (Edit::Nothing, Outcome::Stateless),
                }
            })
        }
        (Role::Patch, Some(id)) => {
            let Some(patch) = request.as_ref().filter(|v| v.is_object()) else {
                return Ok(()); // a JSON Patch array, or no body: the stateless answer
            };
            state.change(scope, &key, seeds, |c| {
                let Some(stored) = c.get(&id) else {
                    return (Edit::Nothing, Outcome::Missing(id));
                };
                match shape.patched(spec, stored, patch) {
                    Some(body) => (Edit::Put(Item::new(id, body.clone())), Outcome::Item(body)),
                    None => (Edit::Nothing, Outcome::Unpatchable(id)),
                }
            })
        }
        (Role::Delete, Some(id)) => state.change(scope, &key, seeds, |c| match c.position(&id) {
            Some(at) => {
                let body = c.items[at].body.clone();
                (Edit::Remove(at), Outcome::Item(body))
            }
            None => (Edit::Nothing, Outcome::Missing(id)),
        }),
        _ => return Ok(()),
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(full) => return Err(full_answer(req, &full).into()),
    };
    // Where the item lives, as the client wrote it: the path without the id, or the path.
    let collection = || {
        let p = req.path.trim_end_matches('/');
        match (id_slot(role), p.rsplit_once('/')) {
            (true, Some((c, _))) => c.to_string(),
            _ => p.to_string(),
        }
    };
    let answered = match outcome {
        Outcome::Stateless => return Ok(()),
        Outcome::Item(body) => reply(req, prefs, &[], Reply::Value(body), None),
        Outcome::Created { id, body, fresh } => {
            let location = format!(
                "{}/{}",
                collection(),
                percent_encoding::utf8_percent_encode(&id, SEGMENT)
            );
            let preferred: &[u16] = if fresh { &[201] } else { &[] };
            reply(req, prefs, preferred, Reply::Value(body), Some(location))
        }
        Outcome::List {
            page,
            total,
            next,
            cursors,
        } => reply(
            req,
            prefs,
            &[],
            Reply::List {
                page,
                total,
                next,
                cursors,
            },
            None,
        ),
        Outcome::Missing(id) => {
            let r = req.documented_error(&[404, 410], &[]).unwrap_or_else(|| {
                problem(
                    404,
                    "not-found",
                    "Not Found",
                    format!("no item {id} in {}", collection()),
                    &[],
                )
            });
            req.answered(r, 0)
        }
        Outcome::Unpatchable(id) => {
            let r = req.documented_error(&[422, 400], &[]).unwrap_or_else(|| {
                problem(
                    422,
                    "unpatchable",
                    "Unprocessable Content",
                    format!(
                        "the patch would make item {id} break the schema of {}'s response",
                        spec.operations[state.mounts[req.mount].resources[r].read].label()
                    ),
                    &[],
                )
            });
            req.answered(r, 0)
        }
    };
    Err(answered.into())
}

/// The client's body as a value: JSON, or a form decoded by its schema (Stripe's creates);
/// `Some(None)` without a body, `None` for a body of another kind.
fn sent_value(req: &Reached, body: &Bytes) -> Option<Option<Value>> {
    if body.is_empty() {
        return Some(None);
    }
    let sent = req
        .parts
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(crate::media::essence)?;
    if crate::media::is_json(&sent) {
        return serde_json::from_slice(body).ok().map(Some);
    }
    if sent == "application/x-www-form-urlencoded" {
        let schema = req
            .op
            .request_body
            .as_ref()?
            .content
            .iter()
            .find(|m| crate::media::essence(&m.media_type) == sent)?
            .schema?;
        let text = std::str::from_utf8(body).ok()?;
        let schemas = &req.spec.schemas;
        return crate::params::form::decode(schemas, schemas.get(schema), text)
            .ok()
            .map(Some);
    }
    None
}

/// Whether the request path ends with the item's id (the collection is the path without it).
fn id_slot(role: Role) -> bool {
    !matches!(role, Role::List | Role::Create)
}

enum Outcome {
    /// Not for the state to answer after all.
    Stateless,
    Item(Value),
    Created {
        id: String,
        body: Value,
        /// A new item (201 when documented), not a replaced one.
        fresh: bool,
    },
    List {
        page: Vec<Value>,
        total: usize,
        next: Option<String>,
        cursors: bool,
    },
    Missing(String),
    Unpatchable(String),
}

enum Reply {
    Value(Value),
    List {
        page: Vec<Value>,
        total: usize,
        next: Option<String>,
        cursors: bool,
    },
}

/// The documented response (the first of `preferred` the operation documents exactly, else its
/// default one) rendered, its JSON body replaced by `body` when that validates.
fn reply(
    req: &Reached,
    prefs: &Preferences,
    preferred: &[u16],
    body: Reply,
    location: Option<String>,
) -> Answered {
    let op = req.op;
    let chosen = preferred
        .iter()
        .find_map(|&c| op.response(crate::spec::StatusKey::Code(c)).map(|r| (r, c)))
        .or_else(|| respond::default_response(op));
    let Some((documented, status)) = chosen else {
        return req.answered(Response::new(Full::new(Bytes::new())), 0);
    };
    let mut response = match super::choose::render_as(req, op, documented, status, prefs) {
        Ok(r) => r,
        Err(r) => return req.answered(*r, 0),
    };
    if let Some(location) = location {
        let absolute = match req
            .parts
            .headers
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
        {
            Some(host) => format!("http://{host}{location}"),
            None => location,
        };
        insert(&mut response, "location", &absolute);
    }
    let accept = req
        .parts
        .headers
        .get(hyper::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let schema = respond::negotiate(&documented.content, accept)
        .filter(|m| crate::media::is_json(&crate::media::essence(&m.media_type)))
        .and_then(|m| m.schema);
    if let Some(schema) = schema
        && !matches!(status, 204 | 304)
    {
        let value = match body {
            Reply::Value(v) => {
                Some(v).filter(|v| req.spec.schemas.is_valid(schema, Direction::Response, v))
            }
            Reply::List {
                page,
                total,
                next,
                cursors,
            } => {
                let base: Value =
                    serde_json::from_slice(&body_bytes(&response)).unwrap_or(Value::Null);
                list_body(req.spec, schema, &base, page, total, next, cursors)
            }
        };
        if let Some(v) = value
            && let Ok(bytes) = serde_json::to_vec(&v)
        {
            *response.body_mut() = Full::new(Bytes::from(bytes));
        }
    }
    req.answered(response, 0)
}

/// The bytes of a rendered body (a `Full` holds them in one chunk).
fn body_bytes(r: &Response<Body>) -> Bytes {
    use http_body_util::BodyExt;
    use std::future::Future;
    let mut body = r.body().clone();
    // A `Full` yields its one frame immediately: poll it without a runtime.
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    match std::pin::Pin::new(&mut body.frame()).poll(&mut cx) {
        std::task::Poll::Ready(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    }
}

/// The 507 for a store that is full: the operation's documented 507 when it has one.
fn full_answer(req: &Reached, full: &StoreFull) -> Answered {
    let r = req.documented_error(&[507], &[]).unwrap_or_else(|| {
        problem(
            507,
            "state-full",
            "Insufficient Storage",
            full.to_string(),
            &[],
        )
    });
    req.answered(r, 0)
}

/// The query pairs, decoded.
fn query(parts: &Parts) -> Vec<(String, String)> {
    crate::params::query_pairs(parts.uri.query().unwrap_or(""))
        .into_iter()
        .map(|(k, v)| {
            let d =
                |s: &str| crate::params::percent_decode(s, true).unwrap_or_else(|_| s.to_string());
            (d(k), d(v))
        })
        .collect()
}
