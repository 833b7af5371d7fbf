//! The answer to one request whose body has been read, in stages that read top to bottom in
//! [`answer`]:
//!
//! 1. [`route`]: the documented operation the method and path reach (else 404, 405, or the CORS
//!    preflight's 204; a HEAD reaches the documented GET).
//! 2. [`refuse`]: security (401), then the request against the operation (415; 400, or 422 for
//!    a well-formed body that breaks its schema).
//! 3. [`choose`]: the `Prefer` header, items removed by an earlier DELETE, the documented
//!    response to give; then its rendering, which also keeps the removal bookkeeping. With
//!    `--state`, [`stateful`] answers the operations on collections and items first (and the
//!    admin endpoints under `/__stipula/`, before routing).
//!
//! A stage returns `Result<_, Box<Answered>>`: `Err` is an answer that ends the request there,
//! so the pipeline is a list of `?`s. Refusals are the operation's documented errors when it
//! documents them ([`documented`]), else problem details.

mod choose;
mod documented;
mod inspect;
mod refuse;
mod route;
mod stateful;

use bytes::Bytes;
use http_body_util::Full;
use hyper::HeaderMap;
use hyper::Response;
use hyper::http::request::Parts;

pub use inspect::{Inspection, inspect};

use super::App;
use super::problem::Body;
use crate::spec::{Operation, Spec};

/// An answer, the operation's label for the log (empty before routing), and the number of
/// violations found.
pub(super) struct Answered {
    pub(super) response: Response<Body>,
    pub(super) label: String,
    pub(super) violations: usize,
}

impl Answered {
    /// An answer given before any operation was reached.
    pub(super) fn unrouted(response: Response<Body>) -> Answered {
        Answered {
            response,
            label: String::new(),
            violations: 0,
        }
    }
}

/// What the next stage needs, or the answer that ends the request (boxed: the `Ok` path stays
/// small).
type Stage<T> = Result<T, Box<Answered>>;

/// Answers one request.
pub(super) fn answer(app: &App, parts: &Parts, body: &Bytes) -> Answered {
    match stages(app, parts, body) {
        Ok(answered) => answered,
        Err(early) => *early,
    }
}

fn stages(app: &App, parts: &Parts, body: &Bytes) -> Stage<Answered> {
    let path = route::normalize_path(parts.uri.path());
    if let Some(state) = &app.state {
        stateful::admin(app, state, parts, &path)?;
    }
    let routed = route::route(app, parts, &path)?;
    let req = Reached::new(app, parts, &path, &routed);
    let cookie_header = cookie_header(&parts.headers);
    let inputs = Inputs {
        query: crate::params::query_pairs(parts.uri.query().unwrap_or("")),
        cookies: crate::params::cookie_pairs(&cookie_header),
    };
    refuse::security(&req, &inputs)?;
    refuse::validate(&req, &inputs, body)?;
    let prefs = choose::preferences(&req)?;
    if let Some(state) = &app.state {
        stateful::answer(&req, state, &prefs, body)?;
    }
    choose::unless_removed(&req, &prefs)?;
    let (documented, status) = choose::response(&req, &prefs)?;
    Ok(choose::render(&req, documented, status, &prefs))
}

/// A routed request and the operation it reached: what every stage after routing reads.
struct Reached<'a> {
    app: &'a App,
    parts: &'a Parts,
    /// The normalized request path.
    path: &'a str,
    spec: &'a Spec,
    op: &'a Operation,
    /// Which mount and operation (indices into `app.mounts` and its spec's operations).
    mount: usize,
    operation: usize,
    label: String,
    /// Raw path parameter values in template order, and the operation's names for them.
    path_values: &'a [String],
    path_names: &'a [String],
    /// A HEAD answered as the documented GET: every answer loses its body.
    head: bool,
}

impl<'a> Reached<'a> {
    fn new(app: &'a App, parts: &'a Parts, path: &'a str, routed: &'a route::Routed) -> Self {
        let spec = &app.mounts[routed.target.mount].spec;
        let op = &spec.operations[routed.target.operation];
        Reached {
            app,
            parts,
            path,
            spec,
            op,
            mount: routed.target.mount,
            operation: routed.target.operation,
            label: op.label(),
            path_values: &routed.values,
            path_names: &routed.target.names,
            head: routed.head,
        }
    }

    /// The answer to this request (without its body for a HEAD).
    fn answered(&self, mut response: Response<Body>, violations: usize) -> Answered {
        if self.head {
            *response.body_mut() = Full::new(Bytes::new());
        }
        self.answered_with_body(response, violations)
    }

    /// The answer as it is, even for a HEAD (the answers to a bad `Prefer` header).
    fn answered_with_body(&self, response: Response<Body>, violations: usize) -> Answered {
        Answered {
            response,
            label: self.label.clone(),
            violations,
        }
    }
}

/// The query and cookie pairs, parsed once for the security and validation stages.
struct Inputs<'a> {
    query: Vec<(&'a str, &'a str)>,
    cookies: Vec<(&'a str, &'a str)>,
}

/// Every `Cookie` header, joined as one.
fn cookie_header(headers: &HeaderMap) -> String {
    let values: Vec<&str> = headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    values.join("; ")
}
