//! Collections and items as the spec shows them, shared by the runner's stateful phase and the
//! mock's state (`stipula mock --state`), so both read the same resources from the same spec.
//!
//! A [`Flow`] ties a creating operation to the GET that reads one item and, when the path
//! documents one, the DELETE that removes it. Flows come from OpenAPI links first (a response
//! link to the GET naming how its parameter is filled), else from paths: `POST /things` (or
//! `POST`/`PUT /things/{id}`, where the client picks the id) with `GET /things/{id}`. The id is
//! taken from the link's runtime expression, else the `Location` header, else the response body
//! (a property named like the parameter, `id` inside an object named like it, or a top-level
//! `id`).
//!
//! A [`Resource`] is the mock's view of the same inference: one item path (`/things/{id}`, read
//! by a GET) with every operation on it and on its collection (`/things`), matched by path
//! shape so that operations naming their parameters differently still meet.
//!
//! Pure functions over the spec and the answers: no I/O, nothing of the runner or the mock.

use serde_json::Value;

use crate::spec::{DeleteSemantics, Method, ParamIn, Spec};

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
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
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
        let deleter = ops.iter().position(|o| {
            o.method == Method::Delete
                && o.path == reader.path
                && o.delete_semantics == Some(DeleteSemantics::Remove)
        });
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

pub fn last_segment(url: &str) -> Value {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let seg = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    Value::String(crate::params::percent_decode(seg, false).unwrap_or_else(|_| seg.to_string()))
}

/// Looks for the id in a creation response: a property named like the parameter (at any
/// depth up to 3), else `id` inside an object named like the parameter without its `Id`
/// suffix (`consentId` → `consent.id`), else a top-level `id`.
pub fn find_id(body: &Value, param: &str) -> Option<Value> {
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

/// What an operation does to a [`Resource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `GET /things`
    List,
    /// `POST /things`: the server picks the id.
    Create,
    /// `POST /things/{id}`: the client picks the id.
    CreateAt,
    /// `GET /things/{id}`
    Read,
    /// `PUT /things/{id}`: replaces, or creates with the client's id.
    Replace,
    /// `PATCH /things/{id}`
    Patch,
    /// `DELETE /things/{id}` documented as removal.
    Delete,
}

/// One collection of items: the operations on `/things` and `/things/{id}` (indices into
/// `spec.operations`).
#[derive(Debug, Clone)]
pub struct Resource {
    /// The collection's shape (`/things`).
    pub collection_shape: String,
    /// The read operation's name for the id parameter.
    pub param: String,
    pub read: usize,
    /// Where a create's answer holds the id, when a link says so (`$response.body#/data/id`):
    /// the pointer's tokens.
    pub id_pointer: Option<Vec<String>>,
    /// Every operation of the resource with its role (the read included).
    pub operations: Vec<(usize, Role)>,
}

impl Resource {
    pub fn operation(&self, role: Role) -> Option<usize> {
        self.operations
            .iter()
            .find(|(_, r)| *r == role)
            .map(|(i, _)| *i)
    }
}

/// Every resource of the spec: one per `GET` whose path ends in a parameter (`/things/{id}`),
/// with the operations on the same item shape and on the collection shape above it. A
/// collection read as an item of another (`/things/{id}` under `/things/{id}/parts`) is fine:
/// each item path is its own resource.
pub fn resources(spec: &Spec) -> Vec<Resource> {
    let ops = &spec.operations;
    let all: Vec<usize> = (0..ops.len()).collect();
    let flows = flows(spec, &all);
    let mut out = Vec::new();
    for (r, reader) in ops.iter().enumerate() {
        if reader.method != Method::Get {
            continue;
        }
        let Some((collection_shape, last)) = reader.shape.rsplit_once('/') else {
            continue;
        };
        if last != "{}" {
            continue;
        }
        let Some(param) = path_params(&reader.path).last().map(|p| p.to_string()) else {
            continue;
        };
        let collection_shape = collection_shape.to_string();
        let id_pointer = flows.iter().find_map(|f| match &f.source {
            IdSource::Link(expr) if f.reader == r => {
                expr.strip_prefix("$response.body#/").map(|p| {
                    p.split('/')
                        .map(|t| t.replace("~1", "/").replace("~0", "~"))
                        .collect()
                })
            }
            _ => None,
        });
        let mut operations = vec![(r, Role::Read)];
        for (i, op) in ops.iter().enumerate() {
            let role = if op.shape == reader.shape {
                match op.method {
                    Method::Post => Role::CreateAt,
                    Method::Put => Role::Replace,
                    Method::Patch => Role::Patch,
                    Method::Delete if op.delete_semantics == Some(DeleteSemantics::Remove) => {
                        Role::Delete
                    }
                    _ => continue,
                }
            } else if op.shape == collection_shape {
                match op.method {
                    Method::Get => Role::List,
                    Method::Post => Role::Create,
                    _ => continue,
                }
            } else {
                continue;
            };
            operations.push((i, role));
        }
        out.push(Resource {
            collection_shape,
            param,
            read: r,
            id_pointer,
            operations,
        });
    }
    out
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

    #[test]
    fn resources_by_path_shape_with_their_roles() {
        let spec = Spec::from_str(
            "r.yaml",
            r#"
openapi: 3.0.3
info: {title: r, version: "1"}
paths:
  /things:
    get: {responses: {"200": {description: ok}}}
    post:
      responses:
        "201":
          description: ok
          links:
            read: {operationId: getThing, parameters: {thingId: "$response.body#/data/id"}}
  /things/{thingId}:
    parameters: [{name: thingId, in: path, required: true, schema: {type: string}}]
    get: {operationId: getThing, responses: {"200": {description: ok}}}
    patch: {responses: {"200": {description: ok}}}
  /things/{id}/archive:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    post: {responses: {"200": {description: ok}}}
  /other/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    put: {responses: {"200": {description: ok}}}
    delete:
      x-stipula-delete-semantics: revoke
      responses: {"204": {description: ok}}
    get: {responses: {"200": {description: ok}}}
"#,
            Default::default(),
        )
        .unwrap();
        let found = resources(&spec);
        let describe = |r: &Resource| -> Vec<String> {
            let mut v: Vec<String> = r
                .operations
                .iter()
                .map(|(i, role)| {
                    format!(
                        "{} {} {role:?}",
                        spec.operations[*i].method, spec.operations[*i].path
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(found.len(), 2);
        let things = found
            .iter()
            .find(|r| r.collection_shape == "/things")
            .unwrap();
        assert_eq!(things.param, "thingId");
        assert_eq!(
            things.id_pointer,
            Some(vec!["data".to_string(), "id".to_string()])
        );
        assert_eq!(
            describe(things),
            [
                "GET /things List",
                "GET /things/{thingId} Read",
                "PATCH /things/{thingId} Patch",
                "POST /things Create",
            ]
        );
        // A revoke is not a removal; the archive action is on another shape.
        let other = found
            .iter()
            .find(|r| r.collection_shape == "/other")
            .unwrap();
        assert_eq!(
            describe(other),
            ["GET /other/{id} Read", "PUT /other/{id} Replace"]
        );
        assert_eq!(other.id_pointer, None);
    }
}
