//! Matching operations between two versions and comparing what clients send and receive.
//!
//! Operations match by method and path *shape* (the template with parameter names erased, as
//! the mock's router sees it), so `/users/{id}` → `/users/{userId}` is a renamed parameter and
//! not a removed path. The URL prefix (the first server's path) takes part in the match: when
//! the prefixes differ and more operations match without them than with them, the change is one
//! `base-path-changed`, and operations are matched by their paths under the prefix. Parameters
//! match by location and name (header names ignore case; path parameters by position);
//! responses by status key; media types by essence. Schemas go to `schema::compare` with the
//! direction their values travel.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use super::schema::{self, Context, Identical};
use super::{Found, Rule, existing};
use crate::media::essence;
use crate::schema::Direction;
use crate::spec::{
    FileId, Location, MediaType, Method, Operation, ParamIn, Parameter, SecurityRequirement,
    SecurityScheme, Spec, StatusKey, template_shape, template_variables,
};

/// Compares two loaded specs, pushing every change found.
pub(super) fn compare(old: &Spec, new: &Spec, out: &mut Vec<Found>) {
    let (old_base, new_base) = (old.base_path(), new.base_path());
    let full = |base: &str, op: &Operation| template_shape(&format!("{base}{}", op.path));
    let relative = |_: &str, op: &Operation| op.shape.clone();
    let count = |key: &dyn Fn(&str, &Operation) -> String| {
        let new_keys: HashSet<(Method, String)> = new
            .operations
            .iter()
            .map(|op| (op.method, key(&new_base, op)))
            .collect();
        old.operations
            .iter()
            .filter(|op| new_keys.contains(&(op.method, key(&old_base, op))))
            .count()
    };
    let by_relative = old_base != new_base && count(&relative) > count(&full);
    if by_relative {
        out.push(Found {
            rule: Rule::BasePathChanged,
            operation: None,
            message: format!(
                "base path `{}` → `{}`: every operation moves",
                show_base(&old_base),
                show_base(&new_base)
            ),
            old: Some(base_location(old)),
            new: Some(base_location(new)),
        });
    }
    let key = |base: &str, op: &Operation| {
        if by_relative {
            relative(base, op)
        } else {
            full(base, op)
        }
    };
    let new_by_key: HashMap<(Method, String), &Operation> = new
        .operations
        .iter()
        .map(|op| ((op.method, key(&new_base, op)), op))
        .collect();
    let old_by_key: HashMap<(Method, String), &Operation> = old
        .operations
        .iter()
        .map(|op| ((op.method, key(&old_base, op)), op))
        .collect();
    let new_paths: HashSet<String> = new_by_key.keys().map(|(_, k)| k.clone()).collect();
    let old_paths: HashSet<String> = old_by_key.keys().map(|(_, k)| k.clone()).collect();
    let mut reported_paths = HashSet::new();
    let identical = RefCell::new(Identical::default());
    schemes(old, new, out);
    for op in &old.operations {
        let k = key(&old_base, op);
        match new_by_key.get(&(op.method, k.clone())) {
            Some(n) => Pair {
                old,
                new,
                o: op,
                n,
                identical: &identical,
            }
            .compare(out),
            None if !new_paths.contains(&k) => {
                if reported_paths.insert(k.clone()) {
                    let methods: Vec<&str> = old
                        .operations
                        .iter()
                        .filter(|o| key(&old_base, o) == k)
                        .map(|o| o.method.as_str())
                        .collect();
                    out.push(Found {
                        rule: Rule::PathRemoved,
                        operation: Some(format!("{} {}", methods.join(", "), op.path)),
                        message: format!("path `{}` removed ({})", op.path, methods.join(", ")),
                        old: Some(parent(&op.at)),
                        new: Some(paths_location(new)),
                    });
                }
            }
            None => out.push(Found {
                rule: Rule::OperationRemoved,
                operation: Some(label(op)),
                message: format!("operation `{}` removed", label(op)),
                old: Some(op.at.clone()),
                new: new
                    .operations
                    .iter()
                    .find(|n| key(&new_base, n) == k)
                    .map(|n| parent(&n.at)),
            }),
        }
    }
    let mut added_paths = HashSet::new();
    for op in &new.operations {
        let k = key(&new_base, op);
        if old_by_key.contains_key(&(op.method, k.clone())) {
            continue;
        }
        if !old_paths.contains(&k) {
            if added_paths.insert(k.clone()) {
                let methods: Vec<&str> = new
                    .operations
                    .iter()
                    .filter(|o| key(&new_base, o) == k)
                    .map(|o| o.method.as_str())
                    .collect();
                out.push(Found {
                    rule: Rule::PathAdded,
                    operation: Some(format!("{} {}", methods.join(", "), op.path)),
                    message: format!("new path `{}` ({})", op.path, methods.join(", ")),
                    old: Some(paths_location(old)),
                    new: Some(parent(&op.at)),
                });
            }
        } else {
            out.push(Found {
                rule: Rule::OperationAdded,
                operation: Some(label(op)),
                message: format!("new operation `{}`", label(op)),
                old: old
                    .operations
                    .iter()
                    .find(|o| key(&old_base, o) == k)
                    .map(|o| parent(&o.at)),
                new: Some(op.at.clone()),
            });
        }
    }
}

fn label(op: &Operation) -> String {
    format!("{} {}", op.method, op.path)
}

fn show_base(base: &str) -> &str {
    if base.is_empty() { "/" } else { base }
}

/// The location holding a location (a path item for an operation).
fn parent(at: &Location) -> Location {
    let pointer = at.pointer.rfind('/').map_or("", |i| &at.pointer[..i]);
    Location::new(at.file, pointer)
}

fn paths_location(spec: &Spec) -> Location {
    existing(spec, &Location::new(FileId(0), "/paths"))
}

/// Where the base path is written: 3.x's first server URL, 2.0's `basePath`.
fn base_location(spec: &Spec) -> Location {
    spec.locations
        .base_path
        .clone()
        .unwrap_or_else(|| Location::new(FileId(0), ""))
}

/// Security schemes defined in both versions whose definition changed in a way clients see.
fn schemes(old: &Spec, new: &Spec, out: &mut Vec<Found>) {
    for (name, o) in &old.security_schemes {
        let Some(n) = new.security_scheme(name) else {
            continue;
        };
        let what = match (o, n) {
            (
                SecurityScheme::ApiKey {
                    name: a,
                    location: l,
                },
                SecurityScheme::ApiKey {
                    name: b,
                    location: m,
                },
            ) if a != b || l != m => format!("API key {} `{a}` → {} `{b}`", l.as_str(), m.as_str()),
            (SecurityScheme::Http { scheme: a, .. }, SecurityScheme::Http { scheme: b, .. })
                if !a.eq_ignore_ascii_case(b) =>
            {
                format!("HTTP scheme `{a}` → `{b}`")
            }
            (SecurityScheme::ApiKey { .. }, SecurityScheme::ApiKey { .. })
            | (SecurityScheme::Http { .. }, SecurityScheme::Http { .. })
            | (SecurityScheme::OAuth2 { .. }, SecurityScheme::OAuth2 { .. })
            | (SecurityScheme::OpenIdConnect { .. }, SecurityScheme::OpenIdConnect { .. })
            | (SecurityScheme::MutualTls, SecurityScheme::MutualTls) => continue,
            _ => format!("type {} → {}", scheme_kind(o), scheme_kind(n)),
        };
        out.push(Found {
            rule: Rule::SecuritySchemeChanged,
            operation: None,
            message: format!("security scheme `{name}`: {what}"),
            old: Some(scheme_location(old, name)),
            new: Some(scheme_location(new, name)),
        });
    }
}

fn scheme_kind(s: &SecurityScheme) -> &'static str {
    match s {
        SecurityScheme::ApiKey { .. } => "apiKey",
        SecurityScheme::Http { .. } => "http",
        SecurityScheme::OAuth2 { .. } => "oauth2",
        SecurityScheme::OpenIdConnect { .. } => "openIdConnect",
        SecurityScheme::MutualTls => "mutualTLS",
    }
}

fn scheme_location(spec: &Spec, name: &str) -> Location {
    let escaped = crate::spec::pointer::escape(name);
    for base in ["/components/securitySchemes", "/securityDefinitions"] {
        let at = Location::new(FileId(0), format!("{base}/{escaped}"));
        if spec.raw(&at).is_some() {
            return at;
        }
    }
    Location::new(FileId(0), "")
}

/// A matched operation: the old and the new version of it.
struct Pair<'a> {
    old: &'a Spec,
    new: &'a Spec,
    o: &'a Operation,
    n: &'a Operation,
    identical: &'a RefCell<Identical>,
}

impl Pair<'_> {
    fn push(
        &self,
        out: &mut Vec<Found>,
        rule: Rule,
        message: String,
        old: &Location,
        new: &Location,
    ) {
        out.push(Found {
            rule,
            operation: Some(label(self.n)),
            message,
            old: Some(existing(self.old, old)),
            new: Some(existing(self.new, new)),
        });
    }

    fn schemas(
        &self,
        out: &mut Vec<Found>,
        direction: Direction,
        subject: String,
        old: Option<crate::spec::SchemaId>,
        new: Option<crate::spec::SchemaId>,
    ) {
        if let (Some(o), Some(n)) = (old, new) {
            let operation = label(self.n);
            let context = Context {
                old: self.old,
                new: self.new,
                direction,
                operation: &operation,
                subject,
            };
            schema::compare(&context, &mut self.identical.borrow_mut(), o, n, out);
        }
    }

    fn compare(&self, out: &mut Vec<Found>) {
        let (o, n) = (self.o, self.n);
        if !o.deprecated && n.deprecated {
            self.push(
                out,
                Rule::OperationDeprecated,
                "operation deprecated".into(),
                &o.at,
                &n.at,
            );
        }
        self.path_parameters(out);
        self.parameters(out);
        self.request_body(out);
        self.responses(out);
        self.security(out);
    }

    fn path_parameters(&self, out: &mut Vec<Found>) {
        let (o, n) = (self.o, self.n);
        let names = template_variables(&o.path)
            .into_iter()
            .zip(template_variables(&n.path));
        for (a, b) in names {
            let op = find(&o.parameters, ParamIn::Path, &a);
            let np = find(&n.parameters, ParamIn::Path, &b);
            if a != b {
                self.push(
                    out,
                    Rule::PathParameterRenamed,
                    format!(
                        "path parameter `{a}` renamed `{b}` (`{}` → `{}`)",
                        o.path, n.path
                    ),
                    op.map_or(&o.at, |p| &p.at),
                    np.map_or(&n.at, |p| &p.at),
                );
            }
            if let (Some(op), Some(np)) = (op, np) {
                self.parameter(out, op, np);
            }
        }
    }

    fn parameters(&self, out: &mut Vec<Found>) {
        let (o, n) = (self.o, self.n);
        let not_path = |p: &&Parameter| p.location != ParamIn::Path;
        let mut old_only: Vec<&Parameter> = Vec::new();
        for op in o.parameters.iter().filter(not_path) {
            match find(&n.parameters, op.location, &op.name) {
                Some(np) => self.parameter(out, op, np),
                None => old_only.push(op),
            }
        }
        let mut new_only: Vec<&Parameter> = n
            .parameters
            .iter()
            .filter(not_path)
            .filter(|np| find(&o.parameters, np.location, &np.name).is_none())
            .collect();
        // Moved: the same name in another location.
        old_only.retain(|op| {
            let Some(i) = new_only.iter().position(|np| {
                np.name == op.name
                    || ((np.location == ParamIn::Header || op.location == ParamIn::Header)
                        && np.name.eq_ignore_ascii_case(&op.name))
            }) else {
                return true;
            };
            let np = new_only.remove(i);
            self.push(
                out,
                Rule::RequestParameterMoved,
                format!(
                    "parameter `{}` moved from {} to {} `{}`",
                    op.name,
                    op.location.as_str(),
                    np.location.as_str(),
                    np.name
                ),
                &op.at,
                &np.at,
            );
            false
        });
        // Renamed: one parameter gone and one new in the same location, with the same schema.
        for location in [ParamIn::Query, ParamIn::Header, ParamIn::Cookie] {
            let gone: Vec<usize> = (0..old_only.len())
                .filter(|&i| old_only[i].location == location)
                .collect();
            let came: Vec<usize> = (0..new_only.len())
                .filter(|&i| new_only[i].location == location)
                .collect();
            if let ([g], [c]) = (gone.as_slice(), came.as_slice()) {
                let (op, np) = (old_only[*g], new_only[*c]);
                if let (Some(a), Some(b)) = (op.schema, np.schema)
                    && schema::same(self.old, self.new, a, b)
                {
                    self.push(
                        out,
                        Rule::RequestParameterRenamed,
                        format!(
                            "{} parameter `{}` renamed `{}`",
                            location.as_str(),
                            op.name,
                            np.name
                        ),
                        &op.at,
                        &np.at,
                    );
                    old_only.remove(*g);
                    new_only.remove(*c);
                }
            }
        }
        for op in old_only {
            self.push(
                out,
                Rule::RequestParameterRemoved,
                format!("{} parameter `{}` removed", op.location.as_str(), op.name),
                &op.at,
                &n.at,
            );
        }
        for np in new_only {
            let (rule, what) = if np.required {
                (Rule::RequestParameterRequiredAdded, "new required")
            } else {
                (Rule::RequestParameterAdded, "new optional")
            };
            self.push(
                out,
                rule,
                format!("{what} {} parameter `{}`", np.location.as_str(), np.name),
                &o.at,
                &np.at,
            );
        }
    }

    fn parameter(&self, out: &mut Vec<Found>, op: &Parameter, np: &Parameter) {
        let subject = format!("{} parameter `{}`", np.location.as_str(), np.name);
        if !op.required && np.required {
            self.push(
                out,
                Rule::RequestParameterBecameRequired,
                format!("{subject} became required"),
                &op.at,
                &np.at,
            );
        }
        if op.required && !np.required {
            self.push(
                out,
                Rule::RequestParameterBecameOptional,
                format!("{subject} became optional"),
                &op.at,
                &np.at,
            );
        }
        if (op.style != np.style || op.explode != np.explode) && self.structured(np) {
            self.push(
                out,
                Rule::RequestParameterStyleChanged,
                format!(
                    "{subject}: style {:?}{} → {:?}{}",
                    op.style,
                    if op.explode { " exploded" } else { "" },
                    np.style,
                    if np.explode { " exploded" } else { "" }
                ),
                &op.at,
                &np.at,
            );
        }
        self.schemas(
            out,
            Direction::Request,
            subject.clone(),
            op.schema,
            np.schema,
        );
        let first = |c: &[MediaType]| c.first().and_then(|m| m.schema);
        self.schemas(
            out,
            Direction::Request,
            subject,
            first(&op.content),
            first(&np.content),
        );
    }

    /// Whether a parameter's value is an array or object (style and explode change how those
    /// are written; a scalar is written the same way in every style of its location).
    fn structured(&self, p: &Parameter) -> bool {
        let Some(id) = p.schema else {
            return false;
        };
        let schema = self.new.schemas.resolve(self.new.schemas.get(id));
        match schema.get("type") {
            Some(serde_json::Value::String(t)) => t == "array" || t == "object",
            Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "array" || t == "object"),
            _ => true,
        }
    }

    fn request_body(&self, out: &mut Vec<Found>) {
        let (o, n) = (self.o, self.n);
        match (&o.request_body, &n.request_body) {
            (None, Some(nb)) => {
                let (rule, what) = if nb.required {
                    (
                        Rule::RequestBodyRequiredAdded,
                        "a request body is now required",
                    )
                } else {
                    (Rule::RequestBodyAdded, "new optional request body")
                };
                self.push(out, rule, what.into(), &o.at, &nb.at);
            }
            (Some(ob), None) => {
                self.push(
                    out,
                    Rule::RequestBodyRemoved,
                    "request body removed".into(),
                    &ob.at,
                    &n.at,
                );
            }
            (Some(ob), Some(nb)) => {
                if !ob.required && nb.required {
                    self.push(
                        out,
                        Rule::RequestBodyBecameRequired,
                        "request body became required".into(),
                        &ob.at,
                        &nb.at,
                    );
                }
                if ob.required && !nb.required {
                    self.push(
                        out,
                        Rule::RequestBodyBecameOptional,
                        "request body became optional".into(),
                        &ob.at,
                        &nb.at,
                    );
                }
                for om in &ob.content {
                    match find_media(&nb.content, &om.media_type) {
                        Some(nm) => self.schemas(
                            out,
                            Direction::Request,
                            format!("request body ({})", essence(&nm.media_type)),
                            om.schema,
                            nm.schema,
                        ),
                        None => self.push(
                            out,
                            Rule::RequestMediaTypeRemoved,
                            format!("request body no longer accepts `{}`", om.media_type),
                            &om.at,
                            &nb.at,
                        ),
                    }
                }
                for nm in &nb.content {
                    if find_media(&ob.content, &nm.media_type).is_none() {
                        self.push(
                            out,
                            Rule::RequestMediaTypeAdded,
                            format!("request body also accepts `{}`", nm.media_type),
                            &ob.at,
                            &nm.at,
                        );
                    }
                }
            }
            (None, None) => {}
        }
    }

    fn responses(&self, out: &mut Vec<Found>) {
        let (o, n) = (self.o, self.n);
        for or in &o.responses {
            let Some(nr) = n.response(or.status) else {
                let success = match or.status {
                    StatusKey::Code(c) => (200..300).contains(&c),
                    StatusKey::Range(r) => r == 2,
                    StatusKey::Default => false,
                };
                let rule = if success {
                    Rule::ResponseSuccessStatusRemoved
                } else {
                    Rule::ResponseStatusRemoved
                };
                self.push(
                    out,
                    rule,
                    format!("response `{}` removed", or.status),
                    &or.at,
                    &n.at,
                );
                continue;
            };
            let status = or.status;
            for om in &or.content {
                match find_media(&nr.content, &om.media_type) {
                    Some(nm) => self.schemas(
                        out,
                        Direction::Response,
                        format!("response {status} ({})", essence(&nm.media_type)),
                        om.schema,
                        nm.schema,
                    ),
                    None => self.push(
                        out,
                        Rule::ResponseMediaTypeRemoved,
                        format!("response {status} no longer offers `{}`", om.media_type),
                        &om.at,
                        &nr.at,
                    ),
                }
            }
            for nm in &nr.content {
                if find_media(&or.content, &nm.media_type).is_none() {
                    self.push(
                        out,
                        Rule::ResponseMediaTypeAdded,
                        format!("response {status} also offers `{}`", nm.media_type),
                        &or.at,
                        &nm.at,
                    );
                }
            }
            for oh in &or.headers {
                let nh = nr
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case(&oh.name));
                let subject = format!("response {status} header `{}`", oh.name);
                match nh {
                    None => {
                        let rule = if oh.required {
                            Rule::ResponseRequiredHeaderRemoved
                        } else {
                            Rule::ResponseHeaderRemoved
                        };
                        self.push(out, rule, format!("{subject} removed"), &oh.at, &nr.at);
                    }
                    Some(nh) => {
                        if oh.required && !nh.required {
                            self.push(
                                out,
                                Rule::ResponseHeaderBecameOptional,
                                format!("{subject} no longer required"),
                                &oh.at,
                                &nh.at,
                            );
                        }
                        self.schemas(out, Direction::Response, subject, oh.schema, nh.schema);
                    }
                }
            }
            for nh in &nr.headers {
                if !or
                    .headers
                    .iter()
                    .any(|h| h.name.eq_ignore_ascii_case(&nh.name))
                {
                    self.push(
                        out,
                        Rule::ResponseHeaderAdded,
                        format!("response {status} has a new header `{}`", nh.name),
                        &or.at,
                        &nh.at,
                    );
                }
            }
        }
        for nr in &n.responses {
            if o.response(nr.status).is_none() {
                self.push(
                    out,
                    Rule::ResponseStatusAdded,
                    format!("new response `{}`", nr.status),
                    &o.at,
                    &nr.at,
                );
            }
        }
    }

    fn security(&self, out: &mut Vec<Found>) {
        let old = self.o.effective_security(&self.old.security);
        let new = self.n.effective_security(&self.new.security);
        let satisfies = |client: &SecurityRequirement, wanted: &SecurityRequirement| {
            wanted.schemes.iter().all(|(name, scopes)| {
                client
                    .schemes
                    .iter()
                    .any(|(n, s)| n == name && scopes.iter().all(|x| s.contains(x)))
            })
        };
        let none = SecurityRequirement {
            schemes: Vec::new(),
        };
        let old_list: Vec<&SecurityRequirement> = if old.is_empty() {
            vec![&none]
        } else {
            old.iter().collect()
        };
        let new_list: Vec<&SecurityRequirement> = if new.is_empty() {
            vec![&none]
        } else {
            new.iter().collect()
        };
        let at = |spec: &Spec, op: &Operation| {
            let own = op.at.child("security");
            if spec.raw(&own).is_some() {
                own
            } else if let Some(document) = &spec.locations.security {
                document.clone()
            } else {
                op.at.clone()
            }
        };
        // A client that met an old alternative must meet some new one.
        let stranded: Vec<&&SecurityRequirement> = old_list
            .iter()
            .filter(|c| !new_list.iter().any(|w| satisfies(c, w)))
            .collect();
        let show = |list: &[&SecurityRequirement]| {
            list.iter()
                .map(|r| {
                    if r.schemes.is_empty() {
                        "none".to_string()
                    } else {
                        r.schemes
                            .iter()
                            .map(|(n, s)| {
                                if s.is_empty() {
                                    n.clone()
                                } else {
                                    format!("{n} [{}]", s.join(", "))
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(" + ")
                    }
                })
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let what = format!("security {} → {}", show(&old_list), show(&new_list));
        if !stranded.is_empty() {
            self.push(
                out,
                Rule::SecurityRequirementAdded,
                what,
                &at(self.old, self.o),
                &at(self.new, self.n),
            );
        } else if new_list
            .iter()
            .any(|w| !old_list.iter().any(|c| satisfies(c, w) && satisfies(w, c)))
        {
            self.push(
                out,
                Rule::SecurityRequirementRemoved,
                what,
                &at(self.old, self.o),
                &at(self.new, self.n),
            );
        }
    }
}

fn same_name(p: &Parameter, location: ParamIn, name: &str) -> bool {
    p.location == location
        && if location == ParamIn::Header {
            p.name.eq_ignore_ascii_case(name)
        } else {
            p.name == name
        }
}

fn find<'a>(params: &'a [Parameter], location: ParamIn, name: &str) -> Option<&'a Parameter> {
    params.iter().find(|p| same_name(p, location, name))
}

/// The media type of `content` that serves `media_type`: the same essence, else a range
/// covering it (`application/*`, `*/*`), so `application/json` → `*/*` is no removal.
fn find_media<'a>(content: &'a [MediaType], media_type: &str) -> Option<&'a MediaType> {
    let wanted = essence(media_type);
    content
        .iter()
        .find(|m| essence(&m.media_type) == wanted)
        .or_else(|| {
            let kind = wanted.split('/').next().unwrap_or("");
            content.iter().find(|m| {
                let range = essence(&m.media_type);
                range == "*/*" || range.strip_suffix("/*") == Some(kind)
            })
        })
}
