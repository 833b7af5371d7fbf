//! The opt-in `owasp` rules: API-security checks after the OWASP API Security Top 10, picked
//! from Spectral's OWASP ruleset for what a spec can show without false alarms.
//!
//! - Transport and credentials (`owasp-server-http`, `owasp-api-key-in-url`,
//!   `owasp-credentials-in-url`, `owasp-http-basic`): read the raw servers and security schemes
//!   and the model's parameters. Loopback servers (`http://localhost`) are development
//!   servers, not findings. Credential parameters are recognised by whole name (`password`,
//!   `access_token`, `apiKey`...), not by substring, so `pageToken` or `next_token` is not one.
//! - Resource limits (`owasp-rate-limit-retry-after`, `owasp-string-max-length`,
//!   `owasp-array-max-items`, `owasp-integer-limits`, `owasp-additional-properties`): the
//!   schema rules look only at what clients *send* (parameters and request bodies, following
//!   `$ref`s through the normalized entries, each subschema once), since limits protect the
//!   server from its input; response schemas describe what the server chose to send.
//!   `readOnly` subschemas are skipped (clients do not send them). Normalized entries are
//!   read, so `format: int32` already carries its bounds and 3.0's `nullable` is a type.
//!
//! Nothing here runs unless the config can report one of these rules (they cost a walk over
//! every request schema).

use std::collections::HashSet;

use serde_json::Value;

use crate::schema::vocab::ref_target;
use crate::spec::{Dialect, FileId, Location, ParamIn, SchemaId, SecurityScheme, Spec, StatusKey};

use super::Hit;
use super::config::Config;

/// Every rule of the set, so the caller can tell whether any may report.
pub(super) const RULES: &[&str] = &[
    "owasp-server-http",
    "owasp-api-key-in-url",
    "owasp-credentials-in-url",
    "owasp-http-basic",
    "owasp-rate-limit-retry-after",
    "owasp-string-max-length",
    "owasp-array-max-items",
    "owasp-integer-limits",
    "owasp-additional-properties",
];

pub(super) fn check(spec: &Spec, config: &Config, out: &mut Vec<Hit>) {
    if !RULES.iter().any(|r| config.may_report(r)) {
        return;
    }
    servers(spec, out);
    schemes(spec, out);
    credentials(spec, out);
    retry_after(spec, out);
    request_schemas(spec, out);
}

/// `http://` (or `ws://`) servers that are not loopback; 2.0: an `http` scheme.
fn servers(spec: &Spec, out: &mut Vec<Hit>) {
    let root = spec.root_document();
    let at = Location::new(FileId(0), "");
    if spec.dialect == Dialect::Swagger2 {
        let host = root.get("host").and_then(Value::as_str).unwrap_or("");
        if let Some(Value::Array(schemes)) = root.get("schemes") {
            for (i, s) in schemes.iter().enumerate() {
                if matches!(s.as_str(), Some("http" | "ws")) && !loopback(host) {
                    out.push(Hit::new(
                        "owasp-server-http",
                        at.child("schemes").child(&i.to_string()),
                        format!(
                            "scheme `{}` is not encrypted; use https",
                            s.as_str().unwrap_or("")
                        ),
                    ));
                }
            }
        }
        return;
    }
    let mut lists = vec![at.child("servers")];
    if let Some(Value::Object(paths)) = root.get("paths") {
        for (path, item) in paths {
            let item_at = at.child("paths").child(path);
            lists.push(item_at.child("servers"));
            if let Value::Object(item) = item {
                for key in item.keys() {
                    if crate::spec::Method::from_key(key).is_some() {
                        lists.push(item_at.child(key).child("servers"));
                    }
                }
            }
        }
    }
    for list in lists {
        let Some(Value::Array(servers)) = spec.raw(&list) else {
            continue;
        };
        for (i, server) in servers.iter().enumerate() {
            let Some(url) = server.get("url").and_then(Value::as_str) else {
                continue;
            };
            let lower = url.to_ascii_lowercase();
            let Some(rest) = lower
                .strip_prefix("http://")
                .or_else(|| lower.strip_prefix("ws://"))
            else {
                continue;
            };
            if loopback(rest) {
                continue;
            }
            out.push(Hit::new(
                "owasp-server-http",
                list.child(&i.to_string()).child("url"),
                format!("server `{url}` is not encrypted; use https"),
            ));
        }
    }
}

/// Whether a host (possibly followed by a port and path) is the local machine.
fn loopback(host_and_more: &str) -> bool {
    let host = if let Some(v6) = host_and_more.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_and_more
            .split([':', '/', '?', '#'])
            .next()
            .unwrap_or("")
    };
    host == "localhost" || host.ends_with(".localhost") || host.starts_with("127.") || host == "::1"
}

/// Where a security scheme is written in the root document.
fn scheme_at(spec: &Spec, name: &str) -> Location {
    let container = if spec.dialect == Dialect::Swagger2 {
        Location::new(FileId(0), "/securityDefinitions")
    } else {
        Location::new(FileId(0), "/components/securitySchemes")
    };
    container.child(name)
}

fn schemes(spec: &Spec, out: &mut Vec<Hit>) {
    for (name, scheme) in &spec.security_schemes {
        let at = scheme_at(spec, name);
        let keyword = |k: &str| {
            let child = at.child(k);
            if spec.raw(&child).is_some() {
                child
            } else {
                at.clone()
            }
        };
        match scheme {
            SecurityScheme::ApiKey {
                location: ParamIn::Query,
                name: key,
            } => out.push(Hit::new(
                "owasp-api-key-in-url",
                keyword("in"),
                format!(
                    "security scheme `{name}` sends its API key in the query (`{key}`), where server logs, proxies and browser history keep it; send it in a header"
                ),
            )),
            SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
                let k = if spec.dialect == Dialect::Swagger2 {
                    "type"
                } else {
                    "scheme"
                };
                out.push(Hit::new(
                    "owasp-http-basic",
                    keyword(k),
                    format!(
                        "security scheme `{name}` is HTTP Basic: the password travels with every request; prefer tokens"
                    ),
                ));
            }
            _ => {}
        }
    }
}

/// Parameter names that are credentials, compared without case, `_`, `-` and `.`.
const CREDENTIALS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "clientsecret",
    "apikey",
    "apisecret",
    "apitoken",
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "authtoken",
    "bearertoken",
    "sessiontoken",
    "privatekey",
];

fn credentials(spec: &Spec, out: &mut Vec<Hit>) {
    let mut seen = HashSet::new();
    for op in &spec.operations {
        for p in &op.parameters {
            if !matches!(p.location, ParamIn::Query | ParamIn::Path) {
                continue;
            }
            let plain: String = p
                .name
                .chars()
                .filter(|c| !matches!(c, '_' | '-' | '.'))
                .flat_map(char::to_lowercase)
                .collect();
            if !CREDENTIALS.contains(&plain.as_str()) || !seen.insert(p.at.clone()) {
                continue;
            }
            out.push(Hit::new(
                "owasp-credentials-in-url",
                p.at.child("name"),
                format!(
                    "{} parameter `{}` carries a credential in the URL, where logs keep it; send it in a header or the body",
                    p.location.as_str(),
                    p.name
                ),
            ));
        }
    }
}

/// Headers that tell a client when to retry.
const RETRY_HEADERS: &[&str] = &[
    "retry-after",
    "ratelimit",
    "ratelimit-reset",
    "x-ratelimit-reset",
    "x-rate-limit-reset",
];

fn retry_after(spec: &Spec, out: &mut Vec<Hit>) {
    let mut seen = HashSet::new();
    for op in &spec.operations {
        let Some(r) = op.response(StatusKey::Code(429)) else {
            continue;
        };
        let told = r
            .headers
            .iter()
            .any(|h| RETRY_HEADERS.contains(&h.name.to_ascii_lowercase().as_str()));
        if told || !seen.insert(r.at.clone()) {
            continue;
        }
        out.push(Hit::new(
            "owasp-rate-limit-retry-after",
            r.at.clone(),
            format!(
                "{}: the 429 response documents no `Retry-After` header, so clients cannot tell when to try again",
                op.label()
            ),
        ));
    }
}

/// The schemas of every parameter and request body, walked through their `$ref`s.
fn request_schemas(spec: &Spec, out: &mut Vec<Hit>) {
    let mut roots: Vec<SchemaId> = Vec::new();
    for op in &spec.operations {
        for p in &op.parameters {
            roots.extend(p.schema);
            roots.extend(p.content.iter().filter_map(|m| m.schema));
        }
        if let Some(body) = &op.request_body {
            roots.extend(body.content.iter().filter_map(|m| m.schema));
        }
    }
    let mut visited: HashSet<SchemaId> = HashSet::new();
    let mut queue = roots;
    while let Some(id) = queue.pop() {
        if !visited.insert(id) {
            continue;
        }
        let base = spec.schema_location(id);
        walk(spec.schemas.get(id), String::new(), &mut |pointer, node| {
            if let Some(target) = ref_target(node) {
                queue.push(target);
            }
            limits(
                spec,
                &Location::new(base.file, format!("{}{pointer}", base.pointer)),
                node,
                out,
            );
        });
    }
}

/// Calls `visit` on every subschema (with its pointer inside the entry), skipping `readOnly`
/// ones.
fn walk(schema: &Value, pointer: String, visit: &mut dyn FnMut(&str, &Value)) {
    let Value::Object(o) = schema else { return };
    if o.get("readOnly") == Some(&Value::Bool(true)) {
        return;
    }
    visit(&pointer, schema);
    crate::schema::walk::children(schema, |step, child| {
        walk(child, format!("{pointer}{step}"), visit);
    });
}

/// String formats whose values have a bounded length.
const BOUNDED_FORMATS: &[&str] = &[
    "date",
    "date-time",
    "time",
    "uuid",
    "ipv4",
    "ipv6",
    "duration",
];

fn limits(spec: &Spec, at: &Location, schema: &Value, out: &mut Vec<Hit>) {
    let Value::Object(o) = schema else { return };
    if o.contains_key("enum") || o.contains_key("const") {
        return;
    }
    let types: Vec<&str> = match o.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let has = |k: &str| o.contains_key(k);
    let format = o.get("format").and_then(Value::as_str).unwrap_or("");
    let point = |keyword: &str| {
        let child = at.child(keyword);
        if spec.raw(&child).is_some() {
            child
        } else {
            at.clone()
        }
    };
    if types.contains(&"string")
        && !has("maxLength")
        && !BOUNDED_FORMATS.contains(&format)
        && format != "binary"
        && !has("contentMediaType")
    {
        out.push(Hit::new(
            "owasp-string-max-length",
            point("type"),
            "a string clients send has no `maxLength`: the server accepts strings of any size",
        ));
    }
    if types.contains(&"array") && !has("maxItems") {
        out.push(Hit::new(
            "owasp-array-max-items",
            point("type"),
            "an array clients send has no `maxItems`: the server accepts arrays of any size",
        ));
    }
    if types.contains(&"integer") {
        let low = has("minimum") || has("exclusiveMinimum");
        let high = has("maximum") || has("exclusiveMaximum");
        let missing = match (low, high) {
            (true, true) => None,
            (false, true) => Some("lower bound (`minimum`)"),
            (true, false) => Some("upper bound (`maximum`)"),
            (false, false) => Some("bounds (`minimum` and `maximum`, or `format: int32`)"),
        };
        if let Some(missing) = missing {
            out.push(Hit::new(
                "owasp-integer-limits",
                point("type"),
                format!("an integer clients send has no {missing}"),
            ));
        }
    }
    let open = match o.get("additionalProperties") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Object(_)) => true,
        _ => false,
    };
    if open && !has("maxProperties") {
        out.push(Hit::new(
            "owasp-additional-properties",
            point("additionalProperties"),
            "an object clients send accepts any number of extra properties (`additionalProperties` without `maxProperties`): mass assignment and unbounded input",
        ));
    }
}
