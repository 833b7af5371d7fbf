//! Items from the spec's schemas: what a create stores, the id it gets, what a merge patch makes,
//! and the page a list returns.
//!
//! The spec decides every shape, through validation: an item is the body the read operation
//! (`GET /things/{id}`) documents, checked against that response schema before it is stored, so
//! a read always returns a valid body. A create starts from the read response's own example
//! (else one generated from its schema), lays the client's properties over it (those that
//! keep it valid: a request-only property the response schema refuses is left out), and sets
//! the id. A new id is the first candidate that is free, valid in the item *and* accepted by the
//! read operation's path parameter: the next number, a UUID, the number as text, then ids
//! generated from the schema.
//!
//! Lists: the documented list body (its example or generated) with its array of items replaced
//! by the page, and its total (`total`, `totalCount`...) and next cursor set when it has them;
//! the result is validated too, and the documented body is sent when it does not validate.

use serde_json::{Map, Value};

use super::{Collection, Item};
use crate::media::{essence, is_json};
use crate::mock::respond::default_response;
use crate::resources::{Resource, find_id};
use crate::schema::Direction;
use crate::schema::generate::{Generator, documented_example};
use crate::schema::view::SchemaView;
use crate::spec::{Operation, ParamIn, SchemaId, Spec};

/// How the items of one resource are built and checked.
#[derive(Debug)]
pub(crate) struct ItemShape {
    /// The read operation's JSON response schema.
    pub(crate) schema: SchemaId,
    /// The read operation's name for the id parameter.
    param: String,
    /// Where the item holds its id, as the runner looks for it: where a link from the create
    /// says (`$response.body#/data/id`), else a top-level property named like the parameter, else `id` in a property named like the parameter without its `Id`
    /// (`consentId`: `consent.id`), else a top-level `id`. Empty when the schema has none (the
    /// id is then only in the path).
    id_path: Vec<String>,
    /// The read operation's id parameter schema: a new id must pass it.
    id_param: Option<SchemaId>,
    /// A valid item to build on.
    base: Value,
    seed: u64,
}

/// The JSON schema of an operation's default response, if it has one.
pub(crate) fn json_schema(op: &Operation) -> Option<SchemaId> {
    let (documented, _) = default_response(op)?;
    documented
        .content
        .iter()
        .find(|m| is_json(&essence(&m.media_type)))
        .and_then(|m| m.schema)
}

impl ItemShape {
    /// `None` when the read operation documents no JSON item, or no valid item can be made.
    pub(crate) fn new(spec: &Spec, r: &Resource, seed: u64) -> Option<ItemShape> {
        let read = &spec.operations[r.read];
        let schema = json_schema(read)?;
        let id_path = r
            .id_pointer
            .clone()
            .filter(|p| pointed(spec, schema, p))
            .unwrap_or_else(|| id_path(spec, schema, &r.param));
        let id_param = read
            .parameters
            .iter()
            .find(|p| p.location == ParamIn::Path && p.name == r.param)
            .and_then(|p| p.schema);
        let valid = |v: &Value| spec.schemas.is_valid(schema, Direction::Response, v);
        let generator = &Generator::new(&spec.schemas, Direction::Response);
        // A freshly created item first (the create's own answer, when it is a valid item: a
        // read documented as "a customer or a deleted one" then starts from a customer), else
        // the read's example or samples.
        let created = r
            .operation(crate::resources::Role::Create)
            .and_then(|c| json_schema(&spec.operations[c]));
        let mut candidates: Vec<Box<dyn Fn() -> Option<Value> + '_>> = Vec::new();
        if let Some(c) = created {
            candidates.push(Box::new(move || {
                documented_example(&spec.schemas, c, Direction::Response)
            }));
            for i in 0..2 {
                candidates.push(Box::new(move || {
                    Some(generator.sample(c, seed.wrapping_add(i)))
                }));
            }
        }
        candidates.push(Box::new(|| {
            documented_example(&spec.schemas, schema, Direction::Response)
        }));
        for i in 0..4 {
            candidates.push(Box::new(move || {
                Some(generator.sample(schema, seed.wrapping_add(i)))
            }));
        }
        let base = candidates
            .iter()
            .filter_map(|make| make())
            .find(|v| valid(v))?;
        // Without a declared place, a top-level member of the base named like the parameter
        // or `id` (a read documented with `anyOf` declares no properties of its own).
        let id_path = if id_path.is_empty() {
            base.as_object()
                .and_then(|m| {
                    m.keys()
                        .find(|k| k.eq_ignore_ascii_case(&r.param))
                        .or_else(|| m.keys().find(|k| *k == "id"))
                })
                .map(|k| vec![k.clone()])
                .unwrap_or_default()
        } else {
            id_path
        };
        Some(ItemShape {
            schema,
            param: r.param.clone(),
            id_path,
            id_param,
            base,
            seed,
        })
    }

    fn valid(&self, spec: &Spec, v: &Value) -> bool {
        spec.schemas.is_valid(self.schema, Direction::Response, v)
    }

    /// Whether the read operation's path parameter accepts this id.
    fn routable(&self, spec: &Spec, text: &str) -> bool {
        if text.is_empty() || text.contains('/') {
            return false;
        }
        match self.id_param {
            Some(p) => {
                let typed = crate::params::coerce(&spec.schemas, spec.schemas.get(p), text);
                spec.schemas.is_valid(p, Direction::Request, &typed)
            }
            None => true,
        }
    }

    /// The id as the item's id property types it (a number for an integer id).
    pub(crate) fn typed_id(&self, spec: &Spec, text: &str) -> Value {
        let mut schema = (!self.id_path.is_empty()).then(|| spec.schemas.get(self.schema));
        for name in &self.id_path {
            schema = schema.and_then(|s| SchemaView::of(&spec.schemas, s).property(name));
        }
        match schema {
            Some(s) => crate::params::coerce(&spec.schemas, s, text),
            None => Value::String(text.to_string()),
        }
    }

    fn set_id(&self, item: &mut Value, id: &Value) {
        let Some((last, parents)) = self.id_path.split_last() else {
            return;
        };
        let mut at = item;
        for p in parents {
            match at.get_mut(p) {
                Some(inner) => at = inner,
                None => return,
            }
        }
        if let Some(m) = at.as_object_mut() {
            m.insert(last.clone(), id.clone());
        }
    }

    /// The id the item holds, if any.
    fn held_id<'v>(&self, item: &'v Value) -> Option<&'v Value> {
        if self.id_path.is_empty() {
            return None;
        }
        self.id_path.iter().try_fold(item, |v, k| v.get(k))
    }

    /// The item a client's body makes with this id: its properties over the base (all of them
    /// when that is valid, else each one that keeps the item valid), `None` when no valid item
    /// carries the id.
    pub(crate) fn build(&self, spec: &Spec, request: Option<&Value>, id: &Value) -> Option<Value> {
        self.build_on(spec, self.base.clone(), request, id)
    }

    /// [`Self::build`] for a PUT over a stored item: the server's own properties (`readOnly`,
    /// such as `createdAt`) keep their stored values; the rest is the client's.
    pub(crate) fn replaced(
        &self,
        spec: &Spec,
        stored: &Value,
        request: Option<&Value>,
        id: &Value,
    ) -> Option<Value> {
        let mut base = self.base.clone();
        if let (Some(b), Some(old)) = (base.as_object_mut(), stored.as_object()) {
            for (name, schema) in SchemaView::of_entry(&spec.schemas, self.schema).properties() {
                let read_only = spec.schemas.resolve(schema).get("readOnly")
                    == Some(&Value::Bool(true))
                    || schema.get("readOnly") == Some(&Value::Bool(true));
                if let (true, Some(v)) = (read_only, old.get(name)) {
                    b.insert(name.to_string(), v.clone());
                }
            }
        }
        self.build_on(spec, base, request, id)
    }

    fn build_on(
        &self,
        spec: &Spec,
        mut item: Value,
        request: Option<&Value>,
        id: &Value,
    ) -> Option<Value> {
        self.set_id(&mut item, id);
        let Some(fields) = request.and_then(Value::as_object) else {
            return self.valid(spec, &item).then_some(item);
        };
        let mut all = item.clone();
        overlay(&mut all, request.unwrap_or(&Value::Null));
        self.set_id(&mut all, id);
        if self.valid(spec, &all) {
            return Some(all);
        }
        if !self.valid(spec, &item) {
            return None;
        }
        for (k, v) in fields {
            if self.id_path.len() == 1 && k == &self.id_path[0] {
                continue;
            }
            let mut next = item.clone();
            if let Some(m) = next.as_object_mut() {
                overlay(m.entry(k.clone()).or_insert(Value::Null), v);
            }
            self.set_id(&mut next, id);
            if self.valid(spec, &next) {
                item = next;
            }
        }
        Some(item)
    }

    /// A new item in `c` with a fresh id, from the client's body; `None` when no candidate id
    /// makes a valid item.
    pub(crate) fn create(
        &self,
        spec: &Spec,
        c: &mut Collection,
        request: Option<&Value>,
    ) -> Option<Item> {
        // Kinds of id in order; a kind is tried on successive numbers while its ids are taken,
        // and left at the first free one that the item or the path refuses.
        type Kind<'k> = Box<dyn Fn(u64) -> Option<Value> + 'k>;
        let generator = Generator::new(&spec.schemas, Direction::Response);
        let seed = self.seed;
        let kinds: [Kind; 4] = [
            Box::new(|n| Some(Value::from(n))),
            Box::new(move |n| Some(Value::String(uuid(seed, n)))),
            Box::new(|n| Some(Value::String(n.to_string()))),
            Box::new(|n| {
                let sample = generator.sample(self.schema, seed ^ n.rotate_left(17));
                self.held_id(&sample).cloned()
            }),
        ];
        for kind in &kinds {
            let mut n = c.issued;
            for _ in 0..64 {
                n += 1;
                let Some(id) = kind(n) else { break };
                let text = id_text(&id);
                if c.get(&text).is_some() {
                    continue;
                }
                if !self.routable(spec, &text) {
                    break;
                }
                match self.build(spec, request, &id) {
                    Some(body) => {
                        c.issued = n;
                        return Some(Item::new(text, body));
                    }
                    None => break,
                }
            }
        }
        None
    }

    /// The stored item with a JSON merge patch (RFC 7396) applied and its id kept; `None` when
    /// the result is not a valid item.
    pub(crate) fn patched(&self, spec: &Spec, stored: &Item, patch: &Value) -> Option<Value> {
        let mut item = stored.body.clone();
        merge_patch(&mut item, patch);
        if let Some(id) = self.held_id(&stored.body) {
            self.set_id(&mut item, id);
        }
        self.valid(spec, &item).then_some(item)
    }

    /// The id of an item body (a documented example), as text.
    fn id_of(&self, body: &Value) -> Option<String> {
        let id = match self.held_id(body) {
            Some(id) => id.clone(),
            None => find_id(body, &self.param)?,
        };
        matches!(id, Value::String(_) | Value::Number(_)).then(|| id_text(&id))
    }
}

/// Whether the schema has properties along `path` (a link's pointer into the body).
fn pointed(spec: &Spec, schema: SchemaId, path: &[String]) -> bool {
    let mut at = spec.schemas.get(schema);
    for name in path {
        match SchemaView::of(&spec.schemas, at).property(name) {
            Some(inner) => at = inner,
            None => return false,
        }
    }
    !path.is_empty()
}

/// Where an item of `schema` holds its id (see [`ItemShape::id_path`]).
fn id_path(spec: &Spec, schema: SchemaId, param: &str) -> Vec<String> {
    let view = SchemaView::of_entry(&spec.schemas, schema);
    let names = view.properties();
    if let Some((n, _)) = names.iter().find(|(n, _)| n.eq_ignore_ascii_case(param)) {
        return vec![n.to_string()];
    }
    let stem = param
        .strip_suffix("Id")
        .or_else(|| param.strip_suffix("_id"))
        .or_else(|| param.strip_suffix("ID"));
    if let Some(stem) = stem
        && let Some((n, inner)) = names.iter().find(|(n, _)| n.eq_ignore_ascii_case(stem))
        && SchemaView::of(&spec.schemas, inner)
            .property("id")
            .is_some()
    {
        return vec![n.to_string(), "id".to_string()];
    }
    if names.iter().any(|(n, _)| *n == "id") {
        return vec!["id".to_string()];
    }
    Vec::new()
}

/// The text form of an id (what a path carries).
pub(crate) fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A version-4-shaped UUID made from the seed and a counter (deterministic per seed).
fn uuid(seed: u64, n: u64) -> String {
    let a = splitmix(seed ^ n);
    let b = splitmix(a ^ n.rotate_left(32));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The client's value over the base: objects merge member by member (so a wrapper the client
/// sends keeps the base's read-only members inside it), anything else replaces.
fn overlay(base: &mut Value, sent: &Value) {
    match (base, sent) {
        (Value::Object(b), Value::Object(s)) => {
            for (k, v) in s {
                overlay(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, s) => *b = s.clone(),
    }
}

/// RFC 7396: objects merge member by member, `null` removes, anything else replaces.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// The initial items of a resource: every documented example of its read response, and every
/// item of its list response's examples, that is a valid item with an id (first one per id).
pub(crate) fn seeds(spec: &Spec, r: &Resource, shape: &ItemShape, max: usize) -> Vec<Item> {
    fn examples_of(op: &Operation) -> Vec<Value> {
        let Some((documented, _)) = default_response(op) else {
            return Vec::new();
        };
        documented
            .content
            .iter()
            .filter(|m| is_json(&essence(&m.media_type)))
            .flat_map(|m| m.examples.iter().filter_map(|e| e.value.clone()))
            .collect()
    }
    let mut bodies = examples_of(&spec.operations[r.read]);
    let lists = r
        .operation(crate::resources::Role::List)
        .map(|list| examples_of(&spec.operations[list]))
        .unwrap_or_default();
    let mut listed = Vec::new();
    for body in lists {
        match body {
            Value::Array(items) => listed.extend(items),
            Value::Object(m) => {
                if let Some((_, Value::Array(items))) = array_member(&m) {
                    listed.extend(items.clone());
                }
            }
            _ => {}
        }
    }
    bodies.extend(listed);
    let mut out: Vec<Item> = Vec::new();
    for body in bodies {
        if out.len() >= max {
            break;
        }
        let Some(id) = shape.id_of(&body) else {
            continue;
        };
        if shape.routable(spec, &id) && shape.valid(spec, &body) && !out.iter().any(|i| i.id == id)
        {
            out.push(Item::new(id, body));
        }
    }
    out
}

/// Names a list body's array of items goes by, most telling first.
const ARRAY_NAMES: [&str; 9] = [
    "data", "items", "results", "content", "records", "values", "entries", "elements", "list",
];

/// The member holding the items of a list body: a well-known name, else the only array.
fn array_member(m: &Map<String, Value>) -> Option<(&String, &Value)> {
    for name in ARRAY_NAMES {
        if let Some((k, v)) = m
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(name) && v.is_array())
        {
            return Some((k, v));
        }
    }
    let mut arrays = m.iter().filter(|(_, v)| v.is_array());
    match (arrays.next(), arrays.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The pagination a list operation documents, as far as it is recognisable, and what the
/// request asked for.
#[derive(Debug, Default)]
pub(crate) struct Paging {
    offset: usize,
    limit: Option<usize>,
    /// Start after the item with this id (`cursor`, `after`, `starting_after`...).
    after: Option<String>,
    /// Whether the operation takes a cursor (so the body's next cursor is filled).
    pub(crate) cursors: bool,
}

impl Paging {
    pub(crate) fn of(spec: &Spec, op: &Operation, query: &[(String, String)]) -> Paging {
        let mut p = Paging::default();
        let mut page: Option<(usize, usize)> = None; // (number asked, first number)
        for param in op
            .parameters
            .iter()
            .filter(|p| p.location == ParamIn::Query)
        {
            let name = squash(&param.name);
            let asked = query
                .iter()
                .find(|(k, _)| *k == param.name)
                .map(|(_, v)| v.as_str());
            let view = param
                .schema
                .map(|s| SchemaView::of_entry(&spec.schemas, s))
                .unwrap_or_default();
            let number = asked.and_then(|v| v.parse::<usize>().ok()).or_else(|| {
                view.default
                    .and_then(Value::as_u64)
                    .and_then(|n| usize::try_from(n).ok())
            });
            match name.as_str() {
                "offset" | "skip" | "start" | "startindex" => {
                    p.offset = asked.and_then(|v| v.parse().ok()).unwrap_or(0)
                }
                "limit" | "perpage" | "pagesize" | "size" | "maxresults" | "top" | "pagelimit" => {
                    p.limit = number.or(p.limit)
                }
                "page" | "pagenumber" | "pageno" | "pageindex" => {
                    let first = if view.minimum == Some(0.0) { 0 } else { 1 };
                    if let Some(n) = asked.and_then(|v| v.parse::<usize>().ok()) {
                        page = Some((n, first));
                    }
                }
                "cursor" | "after" | "startingafter" | "pagetoken" | "nexttoken"
                | "continuationtoken" | "marker" => {
                    p.cursors = true;
                    p.after = asked.filter(|v| !v.is_empty()).map(str::to_string);
                }
                _ => {}
            }
        }
        if let (Some((n, first)), Some(limit)) = (page, p.limit) {
            p.offset = n.saturating_sub(first).saturating_mul(limit);
        }
        p
    }

    /// The page of `items`, and the cursor of the next page when there is one.
    pub(crate) fn page(&self, items: &[Item]) -> (Vec<Value>, Option<String>) {
        let start = match &self.after {
            Some(id) => match items.iter().position(|i| &i.id == id) {
                Some(at) => at + 1,
                None => items.len(),
            },
            None => self.offset.min(items.len()),
        };
        let end = self
            .limit
            .map_or(items.len(), |l| start.saturating_add(l).min(items.len()));
        let page: Vec<Value> = items[start..end].iter().map(|i| i.body.clone()).collect();
        let next =
            (self.cursors && end < items.len() && end > start).then(|| items[end - 1].id.clone());
        (page, next)
    }
}

const TOTAL_NAMES: [&str; 6] = [
    "total",
    "totalcount",
    "totalitems",
    "totalelements",
    "totalresults",
    "totalsize",
];
const NEXT_NAMES: [&str; 6] = [
    "nextcursor",
    "nextpagetoken",
    "nexttoken",
    "continuationtoken",
    "nextmarker",
    "cursor",
];

/// The list body: `base` (the documented one) with its items replaced by the page, its total
/// and next cursor set when it has members for them; `None` when the base has no place for
/// items or the result is not valid against `schema`.
pub(crate) fn list_body(
    spec: &Spec,
    schema: SchemaId,
    base: &Value,
    page: Vec<Value>,
    total: usize,
    next: Option<String>,
    cursors: bool,
) -> Option<Value> {
    let valid = |v: &Value| spec.schemas.is_valid(schema, Direction::Response, v);
    let body = match base {
        Value::Array(_) => Value::Array(page),
        Value::Object(m) => {
            let key = match array_member(m) {
                Some((k, _)) => k.clone(),
                None => {
                    // The documented body leaves its items out: the schema names the member.
                    let view = SchemaView::of_entry(&spec.schemas, schema);
                    let props = view.properties();
                    let arrays: Vec<&str> = props
                        .iter()
                        .filter(|(_, s)| SchemaView::of(&spec.schemas, s).declares("array"))
                        .map(|(n, _)| *n)
                        .collect();
                    ARRAY_NAMES
                        .iter()
                        .find_map(|w| arrays.iter().find(|n| n.eq_ignore_ascii_case(w)))
                        .or(if arrays.len() == 1 {
                            arrays.first()
                        } else {
                            None
                        })?
                        .to_string()
                }
            };
            let mut m = m.clone();
            m.insert(key, Value::Array(page));
            let mut with_counts = m.clone();
            // The members for the total and the next cursor: in the body, else in the schema.
            let view = SchemaView::of_entry(&spec.schemas, schema);
            let mut names: Vec<String> = m.keys().cloned().collect();
            for (n, _) in view.properties() {
                if !names.iter().any(|k| k == n) {
                    names.push(n.to_string());
                }
            }
            for k in names {
                let name = squash(&k);
                if TOTAL_NAMES.contains(&name.as_str()) {
                    with_counts.insert(k, Value::from(total));
                } else if cursors && NEXT_NAMES.contains(&name.as_str()) {
                    with_counts.insert(k, next.clone().map_or(Value::Null, Value::String));
                }
            }
            let with_counts = Value::Object(with_counts);
            if valid(&with_counts) {
                return Some(with_counts);
            }
            Value::Object(m)
        }
        _ => return None,
    };
    valid(&body).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        // The examples of RFC 7396 appendix A, a few of them.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (json!(["a", "b"]), json!({"a": "b"}), json!({"a": "b"})),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
        ];
        for (mut target, patch, want) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, want, "patch {patch}");
        }
    }

    #[test]
    fn uuids_look_like_uuids_and_differ() {
        let a = uuid(0, 1);
        let b = uuid(0, 2);
        assert_ne!(a, b);
        let re = regex::Regex::new(
            r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        )
        .unwrap();
        assert!(re.is_match(&a) && re.is_match(&b), "{a} {b}");
    }

    #[test]
    fn pages_by_offset_and_cursor() {
        let items: Vec<Item> = (1..=5)
            .map(|i| Item::new(i.to_string(), json!({ "id": i })))
            .collect();
        let p = Paging {
            offset: 1,
            limit: Some(2),
            ..Paging::default()
        };
        assert_eq!(p.page(&items).0, vec![json!({"id": 2}), json!({"id": 3})]);
        let p = Paging {
            limit: Some(2),
            after: Some("4".into()),
            cursors: true,
            ..Paging::default()
        };
        assert_eq!(p.page(&items), (vec![json!({"id": 5})], None));
        let p = Paging {
            limit: Some(2),
            cursors: true,
            ..Paging::default()
        };
        assert_eq!(p.page(&items).1, Some("2".to_string()));
    }
}
