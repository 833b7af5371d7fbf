//! Sequences: a create followed by a read of what it created, and a removal followed by a read
//! that must miss.
//!
//! A [`Flow`] ties a creating operation to the GET that reads one item and, when the path
//! documents one, the DELETE that removes it. Flows come from OpenAPI links first (a response
//! link to the GET naming how its parameter is filled), else from paths: `POST /things` (or
//! `POST`/`PUT /things/{id}`, where the client picks the id) with `GET /things/{id}`. The id is
//! taken from the link's runtime expression, else the `Location` header, else the response body
//! (a property named like the parameter, `id` inside an object named like it, or a top-level
//! `id`).
//!
//! Only what the spec promises is asserted, in the shortest sequence that shows it: the item
//! is readable right after its creation, and gone after a DELETE that is documented as removal.
//! A DELETE marked `x-stipula-delete-semantics` with anything but `remove` (a revoke, an archive)
//! is never followed by the gone check, nor is one answered 202 (accepted, maybe not yet done).

use serde_json::{Map, Value};

use crate::spec::{Method, Operation, ParamIn, Spec};

/// How the created item's id is found.
#[derive(Debug, Clone, PartialEq)]
pub enum IdSource {
    /// A link's runtime expression (`$response.body#/id`, `$response.header.Location`...).
    Link(String),
    /// The creator's own path carries the id (`POST /things/{id}`): the one sent.
    SentInPath,
    /// Location header, else the body.
    Inferred,
}

/// One create → read (→ delete → read) sequence.
#[derive(Debug, Clone)]
pub struct Flow {
    pub creator: usize,
    pub reader: usize,
    /// The reader's path parameter that takes the id.
    pub param: String,
    pub deleter: Option<usize>,
    pub source: IdSource,
}

/// The path parameter names of a template, in order.
fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// Whether a DELETE removes what it names (the default), per `x-stipula-delete-semantics`.
pub fn is_removal(op: &Operation) -> bool {
    match op
        .extensions
        .get("x-stipula-delete-semantics")
        .and_then(Value::as_str)
    {
        None => true,
        Some(s) => s == "remove",
    }
}

/// Every flow the spec allows, among the selected operations (indices into `spec.operations`).
pub fn flows(spec: &Spec, selected: &[usize]) -> Vec<Flow> {
    let ops = &spec.operations;
    let mut out = Vec::new();
    for &r in selected {
        let reader = &ops[r];
        if reader.method != Method::Get {
            continue;
        }
        // A path without a leading `/` (the loader warns) has no collection: no flow.
        let Some((collection, last)) = reader.path.rsplit_once('/') else {
            continue;
        };
        let Some(param) = last.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            continue;
        };
        let deleter = ops
            .iter()
            .position(|o| o.method == Method::Delete && o.path == reader.path && is_removal(o));
        let mut found = Vec::new();
        // Links from any selected operation's responses to this reader.
        for &c in selected {
            for resp in &ops[c].responses {
                for link in &resp.links {
                    let targets =
                        link.operation_id.is_some() && link.operation_id == reader.operation_id;
                    if let (true, Some(Value::String(expr))) = (targets, link.parameters.get(param))
                        && !found.iter().any(|(i, _)| *i == c)
                    {
                        found.push((c, IdSource::Link(expr.clone())));
                    }
                }
            }
        }
        for &c in selected {
            let op = &ops[c];
            if found.iter().any(|(i, _)| *i == c) {
                continue;
            }
            if op.method == Method::Post && op.path == collection {
                found.push((c, IdSource::Inferred));
            } else if matches!(op.method, Method::Post | Method::Put)
                && op.path == reader.path
                && path_params(&op.path).last() == Some(&param)
                && op
                    .parameters
                    .iter()
                    .any(|p| p.location == ParamIn::Path && p.name == param)
            {
                found.push((c, IdSource::SentInPath));
            }
        }
        for (creator, source) in found {
            out.push(Flow {
                creator,
                reader: r,
                param: param.to_string(),
                deleter,
                source,
            });
        }
    }
    out
}

/// What a response lets the id be read from.
pub struct Answer<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The created item's id, by the flow's source. `sent` is the value the creator sent for the
/// path parameter, if any.
pub fn created_id(flow: &Flow, answer: &Answer, sent: Option<&Value>) -> Option<Value> {
    let body = || serde_json::from_slice::<Value>(answer.body).ok();
    let header = |name: &str| {
        answer
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    match &flow.source {
        IdSource::SentInPath => sent.cloned(),
        IdSource::Link(expr) => {
            if let Some(pointer) = expr.strip_prefix("$response.body#") {
                body()?.pointer(pointer).cloned()
            } else if let Some(name) = expr.strip_prefix("$response.header.") {
                header(name).map(|v| last_segment(&v))
            } else if expr.starts_with("$request.path.") {
                sent.cloned()
            } else {
                None
            }
        }
        IdSource::Inferred => {
            if let Some(location) = header("location") {
                return Some(last_segment(&location));
            }
            find_id(&body()?, &flow.param)
        }
    }
}

fn last_segment(url: &str) -> Value {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let seg = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    Value::String(crate::params::percent_decode(seg, false).unwrap_or_else(|_| seg.to_string()))
}

/// Sets every property named `name` (at any depth up to `depth`) to `id`; whether one was.
pub fn set_named(value: &mut Value, name: &str, id: &Value, depth: u32) -> bool {
    let Some(m) = value.as_object_mut() else {
        return false;
    };
    let mut set = false;
    for (k, v) in m.iter_mut() {
        if k == name && !v.is_object() && !v.is_array() {
            *v = id.clone();
            set = true;
        } else if depth > 0 {
            set |= set_named(v, name, id, depth - 1);
        }
    }
    set
}

/// The object in a response that holds the item whose id is `id` (the response itself, or an
/// object inside it: `{"consent": {"id": ...}}`).
pub fn item_object<'a>(body: &'a Value, id: &Value) -> Option<&'a Map<String, Value>> {
    fn search<'a>(v: &'a Value, id: &Value, depth: u32) -> Option<&'a Map<String, Value>> {
        let m = v.as_object()?;
        if m.values().any(|x| x == id) {
            return Some(m);
        }
        if depth == 0 {
            return None;
        }
        m.values().find_map(|x| search(x, id, depth - 1))
    }
    search(body, id, 3)
}

/// Variants of a draft whose body takes, one property at a time, the value the created item
/// has under the same name, beside the property that carries its id (`param`). An array
/// is also tried with only its first item. The caller keeps the ones that stay valid.
pub fn borrowings(
    draft: &super::request::Draft,
    param: &str,
    item: &Map<String, Value>,
) -> Vec<super::request::Draft> {
    use super::request::BodyDraft;
    let Some(BodyDraft::Value { media_type, value }) = &draft.body else {
        return Vec::new();
    };
    let Some(pointer) = pointer_to_holder(value, param, 4, String::new()) else {
        return Vec::new();
    };
    let Some(holder) = value.pointer(&pointer).and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut current = value.clone();
    for key in holder.keys() {
        let Some(theirs) = item.get(key) else {
            continue;
        };
        if key == param || key == "id" {
            continue;
        }
        let mut options = vec![theirs.clone()];
        if let Value::Array(items) = theirs
            && items.len() > 1
        {
            options.push(Value::Array(items[..1].to_vec()));
        }
        for option in options {
            let mut v = current.clone();
            if let Some(slot) = v.pointer_mut(&format!("{pointer}/{}", escape(key))) {
                *slot = option;
            }
            out.push(super::request::Draft {
                body: Some(BodyDraft::Value {
                    media_type: media_type.clone(),
                    value: v.clone(),
                }),
                ..draft.clone()
            });
        }
        if let Some(last) = out.last()
            && let Some(BodyDraft::Value { value, .. }) = &last.body
        {
            current = value.clone();
        }
    }
    out
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The JSON pointer of the object that has a property named `name`.
fn pointer_to_holder(v: &Value, name: &str, depth: u32, at: String) -> Option<String> {
    let m = v.as_object()?;
    if m.contains_key(name) {
        return Some(at);
    }
    if depth == 0 {
        return None;
    }
    m.iter()
        .find_map(|(k, x)| pointer_to_holder(x, name, depth - 1, format!("{at}/{}", escape(k))))
}

/// Looks for the id in a creation response: a property named like the parameter (at any
/// depth up to 3), else `id` inside an object named like the parameter without its `Id`
/// suffix (`consentId` → `consent.id`), else a top-level `id`.
fn find_id(body: &Value, param: &str) -> Option<Value> {
    fn by_name(v: &Value, name: &str, depth: u32) -> Option<Value> {
        let m = v.as_object()?;
        if let Some((_, found)) = m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            return scalar(found);
        }
        if depth == 0 {
            return None;
        }
        m.values().find_map(|inner| by_name(inner, name, depth - 1))
    }
    fn scalar(v: &Value) -> Option<Value> {
        matches!(v, Value::String(_) | Value::Number(_)).then(|| v.clone())
    }
    if let Some(v) = by_name(body, param, 3) {
        return Some(v);
    }
    let stem = param
        .strip_suffix("Id")
        .or_else(|| param.strip_suffix("_id"))
        .or_else(|| param.strip_suffix("ID"));
    if let Some(stem) = stem
        && let Some(obj) = body
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(stem)))
            .map(|(_, v)| v)
        && let Some(id) = obj.get("id").and_then(scalar)
    {
        return Some(id);
    }
    body.get("id").and_then(scalar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_from_bodies() {
        assert_eq!(
            find_id(&json!({"consent": {"id": "c-1", "name": "x"}}), "consentId"),
            Some(json!("c-1"))
        );
        assert_eq!(
            find_id(&json!({"data": {"userId": 7}}), "userId"),
            Some(json!(7))
        );
        assert_eq!(find_id(&json!({"id": "a"}), "thing"), Some(json!("a")));
        assert_eq!(find_id(&json!({"name": "a"}), "thing"), None);
        assert_eq!(last_segment("/api/things/a%20b?x=1"), json!("a b"));
    }
}
