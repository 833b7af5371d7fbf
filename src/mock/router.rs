//! Request routing: from a raw request path to the operations documented for it.
//!
//! Every operation of every mounted spec is a route `prefix + template`. Templates are keyed by
//! their *shape* (`/users/{}`), so `GET /users/{id}` and `DELETE /users/{name}` share one route
//! and each operation keeps its own parameter names. matchit does the matching (static segments
//! beat parameters, as OpenAPI says); templates it cannot express (two parameters in one
//! segment, like `/es/{state}{ext}`) fall back to a regex tried after matchit. Knowing every
//! method of a path is what tells 404 (no route) from 405 (route, other method).
//!
//! Templates and request paths are compared in one canonical encoding (RFC 3986 §6.2.2):
//! escapes of unreserved characters decoded, hex digits upper case, and every character a URI
//! cannot carry raw (space, `|`, a lone `%`, non-ASCII) percent-encoded. A template written
//! with such characters (`/a b`, `/x|y`, `/100%`) is matched by the request that encodes them
//! (`/a%20b`, `/x%7Cy` or `/x|y`, `/100%25`). Reserved characters keep their escapes, so the
//! captured parameter values are still the client's encoding (`a%2Fb` stays one segment).

use regex::Regex;

use crate::spec::{Method, template_shape, template_variables};

/// An operation behind a route: which mounted spec, which operation, and the operation's own
/// names for the template's parameters, in template order.
#[derive(Debug, Clone)]
pub struct Target {
    pub method: Method,
    pub mount: usize,
    pub operation: usize,
    pub names: Vec<String>,
}

/// All operations on one path shape.
#[derive(Debug)]
pub struct Route {
    /// The template as the first operation wrote it, with its mount prefix (for messages).
    pub template: String,
    pub targets: Vec<Target>,
}

impl Route {
    pub fn target(&self, method: Method) -> Option<&Target> {
        self.targets.iter().find(|t| t.method == method)
    }

    /// The methods documented on this path, for `Allow`.
    pub fn methods(&self) -> Vec<Method> {
        let mut m: Vec<Method> = self.targets.iter().map(|t| t.method).collect();
        m.sort();
        m.dedup();
        m
    }
}

/// A matched route and the raw (still percent-encoded) values of its parameters, in order.
pub struct Matched<'r> {
    pub route: &'r Route,
    pub values: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Router {
    fast: matchit::Router<usize>,
    slow: Vec<(Regex, usize)>,
    routes: Vec<Route>,
    by_shape: std::collections::HashMap<String, usize>,
}

/// Two operations that claim the same method and path shape.
#[derive(Debug, Clone)]
pub struct Clash {
    pub method: Method,
    pub first: String,
    pub second: String,
    pub first_mount: usize,
    pub second_mount: usize,
}

impl Router {
    /// Adds an operation at `prefix + template`; a second operation with the same method on
    /// the same shape is a clash.
    pub fn add(&mut self, prefix: &str, template: &str, target: Target) -> Result<(), Clash> {
        let full = format!("{prefix}{template}");
        let shape = canonical(&template_shape(&full), true);
        let target = Target {
            names: template_variables(&full),
            ..target
        };
        if let Some(&i) = self.by_shape.get(&shape) {
            let route = &mut self.routes[i];
            if let Some(existing) = route.target(target.method) {
                return Err(Clash {
                    method: target.method,
                    first: route.template.clone(),
                    second: full,
                    first_mount: existing.mount,
                    second_mount: target.mount,
                });
            }
            route.targets.push(target);
            return Ok(());
        }
        let index = self.routes.len();
        self.routes.push(Route {
            template: full.clone(),
            targets: vec![target],
        });
        self.by_shape.insert(shape.clone(), index);
        if self.fast.insert(positional(&shape), index).is_err() {
            self.slow.push((template_regex(&shape), index));
        }
        Ok(())
    }

    /// The route for a raw request path (without query string).
    pub fn at(&self, path: &str) -> Option<Matched<'_>> {
        let path = canonical(path, false);
        let path = path.as_str();
        if let Ok(m) = self.fast.at(path) {
            let route = &self.routes[*m.value];
            let values = m.params.iter().map(|(_, v)| v.to_string()).collect();
            return Some(Matched { route, values });
        }
        for (regex, index) in &self.slow {
            if let Some(c) = regex.captures(path) {
                let values = c
                    .iter()
                    .skip(1)
                    .map(|g| g.map_or(String::new(), |g| g.as_str().to_string()))
                    .collect();
                return Some(Matched {
                    route: &self.routes[*index],
                    values,
                });
            }
        }
        None
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}

/// The canonical encoding of a path, or of a template's shape (`template`: its `{}` markers
/// stay as they are). See the module note.
fn canonical(path: &str, template: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    let allowed_raw = |b: u8| unreserved(b) || b"!$&'()*+,;=:@/".contains(&b);
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len() + 8);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if template && b == b'{' && bytes.get(i + 1) == Some(&b'}') {
            out.push_str("{}");
            i += 2;
            continue;
        }
        if b == b'%'
            && let Some(hex) = path.get(i + 1..i + 3)
            && let Ok(decoded) = u8::from_str_radix(hex, 16)
            && hex.bytes().all(|h| h.is_ascii_hexdigit())
        {
            if unreserved(decoded) {
                out.push(decoded as char);
            } else {
                out.push('%');
                out.push(HEX[usize::from(decoded >> 4)] as char);
                out.push(HEX[usize::from(decoded & 15)] as char);
            }
            i += 3;
            continue;
        }
        if allowed_raw(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
        i += 1;
    }
    out
}

/// `/a/{}/b/{}` → `/a/{p0}/b/{p1}` for matchit; literal braces elsewhere are escaped.
fn positional(shape: &str) -> String {
    let mut out = String::with_capacity(shape.len() + 8);
    let mut n = 0;
    let mut chars = shape.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && chars.peek() == Some(&'}') {
            chars.next();
            out.push_str(&format!("{{p{n}}}"));
            n += 1;
        } else if c == '{' || c == '}' {
            out.push(c);
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

/// A regex for shapes matchit rejects: each `{}` matches within one segment, lazily, so
/// `{}{}` splits as evenly as a regex can (the spec cannot say better).
fn template_regex(shape: &str) -> Regex {
    let mut pattern = String::from("^");
    for (i, piece) in shape.split("{}").enumerate() {
        if i > 0 {
            pattern.push_str("([^/]+?)");
        }
        pattern.push_str(&regex::escape(piece));
    }
    pattern.push('$');
    Regex::new(&pattern)
        .unwrap_or_else(|_| Regex::new("^\\b$").expect("a regex that never matches"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(method: Method, operation: usize) -> Target {
        Target {
            method,
            mount: 0,
            operation,
            names: Vec::new(),
        }
    }

    #[test]
    fn literal_segments_beat_parameters_and_methods_share_a_shape() {
        let mut r = Router::default();
        r.add("/v1", "/users/{id}", target(Method::Get, 0)).unwrap();
        r.add("/v1", "/users/me", target(Method::Get, 1)).unwrap();
        r.add("/v1", "/users/{name}", target(Method::Delete, 2))
            .unwrap();
        let m = r.at("/v1/users/me").unwrap();
        assert_eq!(m.route.target(Method::Get).unwrap().operation, 1);
        let m = r.at("/v1/users/42").unwrap();
        assert_eq!(m.values, ["42"]);
        assert_eq!(m.route.target(Method::Delete).unwrap().names, ["name"]);
        assert_eq!(m.route.methods(), [Method::Get, Method::Delete]);
        assert!(r.at("/users/42").is_none());
    }

    #[test]
    fn two_parameters_in_one_segment_use_the_fallback() {
        let mut r = Router::default();
        r.add("", "/es/{state}{ext}", target(Method::Get, 0))
            .unwrap();
        r.add("", "/files/{name}.{ext}", target(Method::Get, 1))
            .unwrap();
        let m = r.at("/files/report.pdf").unwrap();
        assert_eq!(m.values, ["report", "pdf"]);
        let m = r.at("/es/ab").unwrap();
        assert_eq!(m.values.len(), 2);
    }

    #[test]
    fn templates_with_characters_a_uri_cannot_carry_match_their_encoding() {
        let mut r = Router::default();
        r.add("", "/a b/{id}", target(Method::Get, 0)).unwrap();
        r.add("", "/x|y", target(Method::Get, 1)).unwrap();
        r.add("", "/100%", target(Method::Get, 2)).unwrap();
        r.add("", "/caf\u{e9}", target(Method::Get, 3)).unwrap();
        r.add("", "/pre%2dencoded", target(Method::Get, 4)).unwrap();
        let op = |p: &str| r.at(p).map(|m| m.route.targets[0].operation);
        let m = r.at("/a%20b/x%2Fy").unwrap();
        assert_eq!(m.values, ["x%2Fy"], "reserved escapes stay in values");
        assert_eq!(op("/x%7Cy"), Some(1));
        assert_eq!(op("/x%7cy"), Some(1));
        assert_eq!(op("/x|y"), Some(1));
        assert_eq!(op("/100%25"), Some(2));
        assert_eq!(op("/100%"), Some(2));
        assert_eq!(op("/caf%C3%A9"), Some(3));
        assert_eq!(op("/pre-encoded"), Some(4));
        assert_eq!(op("/pre%2Dencoded"), Some(4));
        assert_eq!(op("/a+b/1"), None);
        assert_eq!(op("/xy"), None);
        assert_eq!(op("/100"), None);
    }

    #[test]
    fn same_method_on_the_same_shape_clashes() {
        let mut r = Router::default();
        r.add("", "/a/{x}", target(Method::Get, 0)).unwrap();
        let clash = r.add("", "/a/{y}", target(Method::Get, 1)).unwrap_err();
        assert_eq!(
            (clash.first.as_str(), clash.second.as_str()),
            ("/a/{x}", "/a/{y}")
        );
    }
}
