//! Request routing: from a raw request path to the operations documented for it.
//!
//! Every operation of every mounted spec is a route `prefix + template`. Templates are keyed by
//! their *shape* (`/users/{}`), so `GET /users/{id}` and `DELETE /users/{name}` share one route
//! and each operation keeps its own parameter names. matchit does the matching (static segments
//! beat parameters, as OpenAPI says); templates it cannot express (two parameters in one
//! segment, like `/es/{state}{ext}`) fall back to a regex tried after matchit. Knowing every
//! method of a path is what tells 404 (no route) from 405 (route, other method).

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
        let shape = template_shape(&full);
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
