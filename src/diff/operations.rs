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
//!
//! Webhooks (by name and method) and callbacks (by name and method, inside their operation)
//! compare like operations with the directions reversed: the API sends their requests.
//! Parameter schemas are compared on the wire (`Context::wire`): a change that writes every old
//! value the same way is `request-parameter-wire-compatible`, not a type change. Removals
//! follow the deprecation policy (`policy`).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use super::policy::{self, Options, Stability};
use super::schema::{self, Context, Identical};
use super::{Found, Rule, existing};
use crate::media::essence;
use crate::schema::Direction;
use crate::spec::{
    FileId, Location, MediaType, Method, Operation, ParamIn, Parameter, SecurityRequirement,
    SecurityScheme, Spec, StatusKey, Style, template_shape, template_variables,
};

/// Compares two loaded specs, pushing every change found.
pub(super) fn compare(old: &Spec, new: &Spec, options: &Options, out: &mut Vec<Found>) {
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
    let identical = RefCell::new(Identical::new(old, new));
    schemes(old, new, out);
    for op in &old.operations {
        let k = key(&old_base, op);
        if let Some(n) = new_by_key.get(&(op.method, k.clone())) {
            Pair {
                old,
                new,
                o: op,
                n,
                identical: &identical,
                options,
                flip: false,
                label: label(n),
            }
            .compare(out);
            continue;
        }
        // Removed: draft and alpha operations promise nothing; deprecated ones follow the
        // policy; the rest break their clients.
        if !policy::stability(op).promises() {
            continue;
        }
        let same_path = || {
            new.operations
                .iter()
                .find(|n| key(&new_base, n) == k)
                .map(|n| parent(&n.at))
        };
        if op.deprecated {
            let (rule, message) = match policy::sunset(op) {
                Some((day, text)) if day > options.today => (
                    Rule::OperationRemovedBeforeSunset,
                    format!(
                        "operation `{}` removed before its sunset date {text}",
                        label(op)
                    ),
                ),
                _ => (
                    Rule::DeprecatedOperationRemoved,
                    format!("deprecated operation `{}` removed", label(op)),
                ),
            };
            out.push(Found {
                rule,
                operation: Some(label(op)),
                message,
                old: Some(op.at.clone()),
                new: Some(same_path().unwrap_or_else(|| paths_location(new))),
            });
            continue;
        }
        if new_paths.contains(&k) {
            out.push(Found {
                rule: Rule::OperationRemoved,
                operation: Some(label(op)),
                message: format!("operation `{}` removed", label(op)),
                old: Some(op.at.clone()),
                new: same_path(),
            });
        } else if reported_paths.insert(k.clone()) {
            let methods: Vec<&str> = old
                .operations
                .iter()
                .filter(|o| {
                    key(&old_base, o) == k && !o.deprecated && policy::stability(o).promises()
                })
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
    webhooks(old, new, options, &identical, out);
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

/// Webhooks match by name and method; a matched pair compares like an operation, seen from
/// the subscriber (who receives the request and sends the response).
fn webhooks(
    old: &Spec,
    new: &Spec,
    options: &Options,
    identical: &RefCell<Identical>,
    out: &mut Vec<Found>,
) {
    let show = |name: &str, op: &Operation| format!("webhook `{name}` {}", op.method);
    for ow in &old.webhooks {
        let found = new
            .webhooks
            .iter()
            .find(|w| w.name == ow.name && w.operation.method == ow.operation.method);
        match found {
            Some(nw) => Pair {
                old,
                new,
                o: &ow.operation,
                n: &nw.operation,
                identical,
                options,
                flip: true,
                label: show(&nw.name, &nw.operation),
            }
            .compare(out),
            None => out.push(Found {
                rule: Rule::WebhookRemoved,
                operation: Some(show(&ow.name, &ow.operation)),
                message: format!("{} removed", show(&ow.name, &ow.operation)),
                old: Some(ow.operation.at.clone()),
                new: Some(existing(new, &Location::new(FileId(0), "/webhooks"))),
            }),
        }
    }
    for nw in &new.webhooks {
        if !old
            .webhooks
            .iter()
            .any(|w| w.name == nw.name && w.operation.method == nw.operation.method)
        {
            out.push(Found {
                rule: Rule::WebhookAdded,
                operation: Some(show(&nw.name, &nw.operation)),
                message: format!("new {}", show(&nw.name, &nw.operation)),
                old: Some(existing(old, &Location::new(FileId(0), "/webhooks"))),
                new: Some(nw.operation.at.clone()),
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
        if let (SecurityScheme::OAuth2 { flows: a }, SecurityScheme::OAuth2 { flows: b }) = (o, n) {
            oauth_flows(old, new, name, a, b, out);
            continue;
        }
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

/// An OAuth2 scheme's flows by their 3.x names (2.0's single `flow` is mapped to them).
fn flows_of(flows: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    if let Some(flow) = flows.get("flow").and_then(serde_json::Value::as_str) {
        let name = match flow {
            "application" => "clientCredentials",
            "accessCode" => "authorizationCode",
            other => other,
        };
        return vec![(name.to_string(), flows.clone())];
    }
    flows
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// OAuth2 flows of one scheme in both versions: removed flows break the clients using them,
/// changed URLs and removed scopes may.
fn oauth_flows(
    old: &Spec,
    new: &Spec,
    name: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
    out: &mut Vec<Found>,
) {
    let (of, nf) = (flows_of(a), flows_of(b));
    let mut push = |rule: Rule, message: String| {
        out.push(Found {
            rule,
            operation: None,
            message: format!("security scheme `{name}`: {message}"),
            old: Some(scheme_location(old, name)),
            new: Some(scheme_location(new, name)),
        })
    };
    for (flow, o) in &of {
        let Some((_, n)) = nf.iter().find(|(f, _)| f == flow) else {
            push(
                Rule::SecurityOAuthFlowRemoved,
                format!("flow `{flow}` removed"),
            );
            continue;
        };
        for url in ["authorizationUrl", "tokenUrl", "refreshUrl"] {
            if o.get(url) != n.get(url) {
                let show = |v: &serde_json::Value| {
                    v.get(url)
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("none")
                        .to_string()
                };
                push(
                    Rule::SecurityOAuthUrlChanged,
                    format!("flow `{flow}` {url} `{}` → `{}`", show(o), show(n)),
                );
            }
        }
        let scopes = |v: &serde_json::Value| -> Vec<String> {
            v.get("scopes")
                .and_then(serde_json::Value::as_object)
                .map(|s| s.keys().cloned().collect())
                .unwrap_or_default()
        };
        let kept = scopes(n);
        let gone: Vec<String> = scopes(o)
            .into_iter()
            .filter(|s| !kept.contains(s))
            .map(|s| format!("`{s}`"))
            .collect();
        if !gone.is_empty() {
            push(
                Rule::SecurityOAuthScopeRemoved,
                format!("flow `{flow}` no longer defines scope {}", gone.join(", ")),
            );
        }
    }
    for (flow, _) in &nf {
        if !of.iter().any(|(f, _)| f == flow) {
            push(Rule::SecurityOAuthFlowAdded, format!("flow `{flow}` added"));
        }
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
    options: &'a Options,
    /// A webhook or callback: the API sends the request and the client answers, so request
    /// schemas are compared as responses (widening breaks) and response schemas as requests.
    flip: bool,
    /// How changes name the operation (`GET /pets`, `webhook `newPet` POST`).
    label: String,
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
            operation: Some(self.label.clone()),
            message,
            old: Some(existing(self.old, old)),
            new: Some(existing(self.new, new)),
        });
    }

    fn context(&self, direction: Direction, subject: String, wire: bool) -> Context<'_> {
        let direction = match (self.flip, direction) {
            (false, d) => d,
            (true, Direction::Request) => Direction::Response,
            (true, Direction::Response) => Direction::Request,
        };
        Context {
            old: self.old,
            new: self.new,
            direction,
            operation: &self.label,
            subject,
            wire,
        }
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
            let context = self.context(direction, subject, false);
            schema::compare(&context, &mut self.identical.borrow_mut(), o, n, out);
        }
    }

    fn compare(&self, out: &mut Vec<Found>) {
        let (o, n) = (self.o, self.n);
        let (was, is) = (policy::stability(o), policy::stability(n));
        let stability_at = |op: &Operation| op.at.child("x-stability-level");
        if is < was {
            self.push(
                out,
                Rule::OperationStabilityDecreased,
                format!("stability `{}` → `{}`", was.name(), is.name()),
                &stability_at(o),
                &stability_at(n),
            );
        }
        if !was.promises() {
            return; // draft and alpha operations may change in any way
        }
        self.deprecation(out);
        self.path_parameters(out);
        self.parameters(out);
        self.request_body(out);
        self.responses(out);
        self.security(out);
        self.callbacks(out);
    }

    /// `deprecated` added (safe), and the sunset date it announces: far enough ahead for the
    /// operation's stability level, and never moved earlier.
    fn deprecation(&self, out: &mut Vec<Found>) {
        let (o, n) = (self.o, self.n);
        let sunset_at = |op: &Operation| op.at.child("x-sunset");
        if !o.deprecated && n.deprecated {
            self.push(
                out,
                Rule::OperationDeprecated,
                "operation deprecated".into(),
                &o.at,
                &n.at,
            );
        }
        if !n.deprecated {
            return;
        }
        let Some((day, text)) = policy::sunset(n) else {
            return;
        };
        let level = policy::stability(n);
        let notice = self.options.notice(level);
        let old_sunset = policy::sunset(o).filter(|_| o.deprecated);
        if old_sunset.is_none() && day < self.options.today + notice {
            let level: Stability = level;
            self.push(
                out,
                Rule::OperationSunsetTooSoon,
                format!(
                    "deprecated with sunset {text}, {} days away; {} operations need {notice}",
                    day - self.options.today,
                    level.name()
                ),
                &o.at,
                &sunset_at(n),
            );
        }
        if let Some((before, before_text)) = old_sunset
            && day < before
        {
            self.push(
                out,
                Rule::OperationSunsetMovedEarlier,
                format!("sunset {before_text} → {text}"),
                &sunset_at(o),
                &sunset_at(n),
            );
        }
    }

    /// Callbacks match by name and method; a matched pair compares like an operation seen
    /// from the client, which now receives the request.
    fn callbacks(&self, out: &mut Vec<Found>) {
        let (o, n) = (self.o, self.n);
        let show = |c: &crate::spec::Callback| {
            format!(
                "callback `{}` {} {}",
                c.name, c.operation.method, c.expression
            )
        };
        for oc in &o.callbacks {
            let found = n
                .callbacks
                .iter()
                .find(|c| c.name == oc.name && c.operation.method == oc.operation.method);
            match found {
                Some(nc) => Pair {
                    old: self.old,
                    new: self.new,
                    o: &oc.operation,
                    n: &nc.operation,
                    identical: self.identical,
                    options: self.options,
                    flip: !self.flip,
                    label: format!("{} → {}", self.label, show(nc)),
                }
                .compare(out),
                None => self.push(
                    out,
                    Rule::CallbackRemoved,
                    format!("{} removed", show(oc)),
                    &oc.operation.at,
                    &n.at,
                ),
            }
        }
        for nc in &n.callbacks {
            if !o
                .callbacks
                .iter()
                .any(|c| c.name == nc.name && c.operation.method == nc.operation.method)
            {
                self.push(
                    out,
                    Rule::CallbackAdded,
                    format!("new {}", show(nc)),
                    &o.at,
                    &nc.operation.at,
                );
            }
        }
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
        // Path parameters are matched by their place in the template; one that is not in its
        // template (the loader warns) is matched by name like the others, so its changes
        // still show.
        let (old_vars, new_vars) = (template_variables(&o.path), template_variables(&n.path));
        let old_loose = |p: &&Parameter| p.location != ParamIn::Path || !old_vars.contains(&p.name);
        let new_loose = |p: &&Parameter| p.location != ParamIn::Path || !new_vars.contains(&p.name);
        let mut old_only: Vec<&Parameter> = Vec::new();
        for op in o.parameters.iter().filter(old_loose) {
            match find(&n.parameters, op.location, &op.name) {
                Some(np) => self.parameter(out, op, np),
                None => old_only.push(op),
            }
        }
        let mut new_only: Vec<&Parameter> = n
            .parameters
            .iter()
            .filter(new_loose)
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
        if let (Some(a), Some(b)) = (op.schema, np.schema) {
            let context = self.context(Direction::Request, subject.clone(), !self.flip);
            if !self.flip && self.became_array(np, a, b) {
                // `x=a` is read as the one-item array `[a]`: old values still mean the same.
                self.push(
                    out,
                    Rule::RequestParameterWireCompatible,
                    format!("{subject}: one value → an array of them (every old value is still a valid one-item array)"),
                    &op.at,
                    &np.at,
                );
                schema::compare_with_child(
                    &context,
                    &mut self.identical.borrow_mut(),
                    a,
                    (b, "items"),
                    out,
                );
            } else {
                schema::compare(&context, &mut self.identical.borrow_mut(), a, b, out);
            }
        }
        let first = |c: &[MediaType]| c.first().and_then(|m| m.schema);
        self.schemas(
            out,
            Direction::Request,
            subject,
            first(&op.content),
            first(&np.content),
        );
    }

    /// Whether a scalar parameter became an array written so that one value reads as a
    /// one-item array (`form` in queries and cookies, `simple` in headers and paths).
    fn became_array(
        &self,
        np: &Parameter,
        old: crate::spec::SchemaId,
        new: crate::spec::SchemaId,
    ) -> bool {
        let top = |spec: &'_ Spec, id| {
            spec.schemas
                .resolve(spec.schemas.get(id))
                .get("type")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        };
        let scalar = matches!(
            top(self.old, old).as_deref(),
            Some("string" | "integer" | "number" | "boolean")
        );
        scalar
            && top(self.new, new).as_deref() == Some("array")
            && matches!(np.style, Style::Form | Style::Simple)
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
        // The same schemes, other scopes.
        let names_within = |c: &SecurityRequirement, w: &SecurityRequirement| {
            w.schemes
                .iter()
                .all(|(name, _)| c.schemes.iter().any(|(n, _)| n == name))
        };
        let same_names = |c: &SecurityRequirement, w: &SecurityRequirement| {
            names_within(c, w) && names_within(w, c)
        };
        if !stranded.is_empty() {
            let scopes_only = stranded
                .iter()
                .all(|c| new_list.iter().any(|w| same_names(c, w)));
            self.push(
                out,
                if scopes_only {
                    Rule::SecurityScopeAdded
                } else {
                    Rule::SecurityRequirementAdded
                },
                what,
                &at(self.old, self.o),
                &at(self.new, self.n),
            );
        } else if new_list
            .iter()
            .any(|w| !old_list.iter().any(|c| satisfies(c, w) && satisfies(w, c)))
        {
            let scopes_only = new_list.len() == old_list.len()
                && new_list
                    .iter()
                    .all(|w| old_list.iter().any(|c| same_names(c, w)));
            self.push(
                out,
                if scopes_only {
                    Rule::SecurityScopeRemoved
                } else {
                    Rule::SecurityRequirementRemoved
                },
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
