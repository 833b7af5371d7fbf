//! Stage 1: the documented operation a request reaches. No route is a 404 naming where the
//! specs are mounted; a documented path with an undocumented method is a 405 with `Allow`, or for
//! `OPTIONS` (a CORS preflight above all) a 204 that allows the documented methods. A HEAD
//! reaches the path's GET when only GET is documented.

use std::borrow::Cow;

use bytes::Bytes;
use http_body_util::Full;
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};

use super::{Answered, Stage};
use crate::mock::App;
use crate::mock::handle::insert;
use crate::mock::problem::{Body, problem};
use crate::mock::router::{Route, Target};
use crate::spec::Method;

/// Where a request was routed.
pub(super) struct Routed<'a> {
    pub(super) target: &'a Target,
    /// Raw path parameter values, in template order.
    pub(super) values: Vec<String>,
    /// A HEAD answered as the documented GET.
    pub(super) head: bool,
}

pub(super) fn route<'a>(app: &'a App, parts: &Parts, path: &str) -> Stage<Routed<'a>> {
    let Some(matched) = app.router.at(path) else {
        return Err(Answered::unrouted(no_route(app, path)).into());
    };
    // Method names are case-sensitive (RFC 9110 §9.1): `get` is not `GET`.
    let method = Method::ALL
        .into_iter()
        .find(|m| m.as_str() == parts.method.as_str());
    let is_preflight = parts.method == hyper::Method::OPTIONS
        && parts.headers.contains_key("access-control-request-method");
    let route = matched.route;
    let target = method
        .and_then(|m| route.target(m))
        .filter(|_| !is_preflight);
    // HEAD is answered as GET without a body when only GET is documented.
    let (target, head) = match (target, method) {
        (None, Some(Method::Head)) => (route.target(Method::Get), true),
        (t, _) => (t, false),
    };
    let Some(target) = target else {
        return Err(Answered::unrouted(undocumented_method(parts, route)).into());
    };
    Ok(Routed {
        target,
        values: matched.values,
        head,
    })
}

/// The 404 for a path no spec documents.
fn no_route(app: &App, path: &str) -> Response<Body> {
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
    problem(
        404,
        "no-route",
        "Not Found",
        format!(
            "no documented path matches {path} (specs are mounted at {})",
            mounted.join(", ")
        ),
        &[],
    )
}

/// The answer to a method the path does not document: the preflight's 204 for `OPTIONS`,
/// else 405; both say which methods are allowed.
fn undocumented_method(parts: &Parts, route: &Route) -> Response<Body> {
    let mut allow: Vec<&str> = route.methods().iter().map(|m| m.as_str()).collect();
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
        return r;
    }
    let mut r = problem(
        405,
        "method-not-allowed",
        "Method Not Allowed",
        format!(
            "{} is not documented for {} (documented: {allow})",
            parts.method, route.template
        ),
        &[],
    );
    insert(&mut r, "allow", &allow);
    r
}

/// RFC 3986 §6.2.2.2: percent-encoded unreserved characters (`%65` for `e`) mean the character
/// itself, so `/users/m%65` routes like `/users/me`. Other escapes stay as they are.
pub(super) fn normalize_path(path: &str) -> Cow<'_, str> {
    if !path.contains('%') {
        return Cow::Borrowed(path);
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
    Cow::Owned(out)
}
