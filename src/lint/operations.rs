//! Rules over operations: `operation-success-response`, `operation-id-missing`,
//! `operation-id-url-safe`, `operation-description`, `operation-security-responses`,
//! `operation-tag-undefined`, `security-scheme-undefined`, and the document-wide
//! `servers-missing`. They read the model, and the raw `security` and `tags` arrays for exact
//! locations (the model keeps requirements and tags without their positions).
//!
//! `operation-security-responses` counts 401, 403 and `4XX` (a `default` response does not say
//! how a refused credential is answered); an operation whose security has an empty alternative
//! (`{}`: anonymous calls allowed) is not secured. `operation-tag-undefined` reports each
//! undefined tag once, at its first use, with the number of operations using it: a spec
//! without a top-level `tags` list would otherwise get one finding per operation and tag.

use serde_json::Value;

use crate::spec::{Location, Operation, Spec, StatusKey};

use super::Hit;

pub(super) fn check(spec: &Spec, out: &mut Vec<Hit>) {
    let root = Location::new(crate::spec::FileId(0), "");
    security_names(spec, &root.child("security"), out);
    for op in &spec.operations {
        success_response(op, spec, out);
        match &op.operation_id {
            None => out.push(Hit::new(
                "operation-id-missing",
                op.at.clone(),
                format!("{} has no operationId", op.label()),
            )),
            Some(id) => url_safe(op, id, out),
        }
        let said = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !said(&op.summary) && !said(&op.description) {
            out.push(Hit::new(
                "operation-description",
                op.at.clone(),
                format!("{} has neither a summary nor a description", op.label()),
            ));
        }
        security_responses(op, spec, out);
        security_names(spec, &op.at.child("security"), out);
    }
    undefined_tags(spec, out);
    servers(spec, out);
    for hook in &spec.webhooks {
        security_names(spec, &hook.operation.at.child("security"), out);
    }
}

fn success_response(op: &Operation, spec: &Spec, out: &mut Vec<Hit>) {
    let success = op.responses.iter().any(|r| match r.status {
        StatusKey::Code(c) => (200..400).contains(&c),
        StatusKey::Range(r) => r == 2 || r == 3,
        StatusKey::Default => false,
    });
    if success {
        return;
    }
    let at = responses_place(op, spec);
    out.push(Hit::new(
        "operation-success-response",
        at,
        format!("{} documents no 2xx or 3xx response", op.label()),
    ));
}

/// Every scheme a `security` array names must be defined.
fn security_names(spec: &Spec, at: &Location, out: &mut Vec<Hit>) {
    let Some(Value::Array(requirements)) = spec.raw(at) else {
        return;
    };
    let defined = |name: &str| spec.security_schemes.iter().any(|(n, _)| n == name);
    let container = if spec.dialect == crate::spec::Dialect::Swagger2 {
        "securityDefinitions"
    } else {
        "components/securitySchemes"
    };
    for (i, requirement) in requirements.iter().enumerate() {
        let Value::Object(names) = requirement else {
            continue;
        };
        for name in names.keys().filter(|n| !defined(n)) {
            out.push(Hit::new(
                "security-scheme-undefined",
                at.child(&i.to_string()).child(name),
                format!("security requirement names `{name}`, which {container} does not define"),
            ));
        }
    }
}

/// Characters an operationId may hold to be usable in a URL as is (RFC 3986's unreserved and
/// reserved characters, as Spectral's `operation-operationId-valid-in-url` allows).
fn url_safe(op: &Operation, id: &str, out: &mut Vec<Hit>) {
    let bad: Vec<char> = id
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(*c)))
        .collect();
    if bad.is_empty() {
        return;
    }
    let mut shown: Vec<String> = bad.iter().map(|c| format!("{c:?}")).collect();
    shown.dedup();
    out.push(Hit::new(
        "operation-id-url-safe",
        op.at.child("operationId"),
        format!(
            "operationId `{id}` has characters that cannot appear in a URL unescaped: {}",
            shown.join(", ")
        ),
    ));
}

/// A secured operation should say how a missing or refused credential is answered.
fn security_responses(op: &Operation, spec: &Spec, out: &mut Vec<Hit>) {
    let security = op.effective_security(&spec.security);
    if security.is_empty() || security.iter().any(|r| r.schemes.is_empty()) {
        return;
    }
    let documented = op.responses.iter().any(|r| {
        matches!(
            r.status,
            StatusKey::Code(401) | StatusKey::Code(403) | StatusKey::Range(4)
        )
    });
    if documented {
        return;
    }
    let at = responses_place(op, spec);
    out.push(Hit::new(
        "operation-security-responses",
        at,
        format!(
            "{} requires credentials but documents no 401 or 403 response",
            op.label()
        ),
    ));
}

/// Tags operations use that the top-level `tags` list does not define, once per tag.
fn undefined_tags(spec: &Spec, out: &mut Vec<Hit>) {
    let defined: std::collections::HashSet<&str> = match spec.root_document().get("tags") {
        Some(Value::Array(tags)) => tags
            .iter()
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .collect(),
        _ => Default::default(),
    };
    let mut uses: Vec<(&str, usize, Location)> = Vec::new();
    for op in &spec.operations {
        for (i, tag) in op.tags.iter().enumerate() {
            if defined.contains(tag.as_str()) {
                continue;
            }
            match uses.iter_mut().find(|(t, _, _)| t == tag) {
                Some((_, n, _)) => *n += 1,
                None => uses.push((tag, 1, op.at.child("tags").child(&i.to_string()))),
            }
        }
    }
    for (tag, n, at) in uses {
        let others = match n {
            1 => String::new(),
            n => format!(" (used by {n} operations)"),
        };
        out.push(Hit::new(
            "operation-tag-undefined",
            at,
            format!("tag `{tag}` is not defined in the top-level `tags` list{others}"),
        ));
    }
}

/// The document says where the API lives: 3.x `servers` (or servers on every operation),
/// 2.0 `host`. Not asked of a document without operations.
fn servers(spec: &Spec, out: &mut Vec<Hit>) {
    // A document of webhooks only (or of components) describes no API to call.
    if spec.operations.is_empty() {
        return;
    }
    let root = spec.root_document();
    let (defined, what, key) = if spec.dialect == crate::spec::Dialect::Swagger2 {
        (root.get("host").is_some(), "no `host`", "/swagger")
    } else {
        let listed = matches!(root.get("servers"), Some(Value::Array(s)) if !s.is_empty());
        let everywhere = spec.operations.iter().all(|op| !op.servers.is_empty());
        (listed || everywhere, "no `servers`", "/openapi")
    };
    if !defined {
        out.push(Hit::new(
            "servers-missing",
            Location::new(crate::spec::FileId(0), key),
            format!("the document has {what}: clients do not know where the API is served"),
        ));
    }
}

/// Where a finding about an operation's responses points: its `responses` object when written,
/// else the operation.
fn responses_place(op: &Operation, spec: &Spec) -> Location {
    let responses = op.at.child("responses");
    if spec.raw(&responses).is_some() {
        responses
    } else {
        op.at.clone()
    }
}
