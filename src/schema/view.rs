//! [`SchemaView`]: one normalized schema seen through its `$ref`s and `allOf` members.
//!
//! Boundary cases, form decoding and documented examples all ask the same questions of a
//! schema (its types, properties, required names, items, bounds) and all must look through
//! `$ref` and `allOf` to answer them. This is the one place that does, with one depth limit
//! ([`MAX_DEPTH`]), so the consumers cannot disagree on how far they look.
//!
//! The walk is depth-first, in document order: the schema's own keywords, then its `$ref`
//! target, then its `allOf` members. For single-valued keywords (`type`, `items`, bounds,
//! `enum`, `format`...) the first schema that has one wins; properties and `required` names
//! are collected from every schema reached, in walk order. It is a *view*, not a merge: it
//! never says a value is valid (the validators decide that), it only tells callers where to
//! look for edges and examples.

use serde_json::{Map, Value};

use super::validate::Schemas;
use super::vocab::{self, Direction, REQUIRED_IN_REQUESTS, REQUIRED_IN_RESPONSES};

/// How many `$ref` hops and `allOf` levels a view looks through.
pub const MAX_DEPTH: u32 = 8;

/// The keywords of a schema and of everything it is combined with by `$ref` and `allOf`.
#[derive(Debug, Default)]
pub struct SchemaView<'s> {
    /// `type` as declared (a single type or a list), by the first schema that declares one.
    pub types: Vec<&'s str>,
    /// Every `properties` member reached, in walk order, repeats included (see
    /// [`SchemaView::properties`]).
    pub every_property: Vec<(&'s str, &'s Value)>,
    /// Required names in walk order, each with the direction it applies to (`None`: both).
    required: Vec<(&'s str, Option<Direction>)>,
    /// `additionalProperties: false` or `unevaluatedProperties: false` somewhere.
    pub closed: bool,
    pub items: Option<&'s Value>,
    pub enumeration: Option<&'s Vec<Value>>,
    pub format: Option<&'s str>,
    pub default: Option<&'s Value>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    /// The whole-value example (`examples[0]`, else `default`) of each schema reached through
    /// a `$ref` or `allOf` (not the viewed schema's own), in walk order.
    pub part_examples: Vec<&'s Value>,
}

impl<'s> SchemaView<'s> {
    /// The view of `schema` (a normalized schema or a node inside one).
    pub fn of(schemas: &'s Schemas, schema: &'s Value) -> SchemaView<'s> {
        Self::within(schemas, schema, 0)
    }

    /// The view of `schema` for a caller that already descended `spent` levels (of
    /// [`MAX_DEPTH`]) to reach it: it looks only as deep as the rest allows.
    pub fn within(schemas: &'s Schemas, schema: &'s Value, spent: u32) -> SchemaView<'s> {
        match schema.as_object() {
            Some(m) => Self::of_object(schemas, m, spent),
            None => SchemaView::default(),
        }
    }

    /// [`SchemaView::within`] for a schema already known to be an object.
    pub fn of_object(
        schemas: &'s Schemas,
        schema: &'s Map<String, Value>,
        spent: u32,
    ) -> SchemaView<'s> {
        let mut view = SchemaView::default();
        view.gather(schemas, schema, spent);
        view
    }

    /// The view of entry `id`.
    pub fn of_entry(schemas: &'s Schemas, id: vocab::SchemaId) -> SchemaView<'s> {
        Self::of(schemas, schemas.get(id))
    }

    /// Fills `types`, when none is declared, from the keywords present as validators apply
    /// them: `properties` make an object, `items` an array.
    pub fn infer_types(mut self) -> Self {
        if self.types.is_empty() {
            if !self.every_property.is_empty() {
                self.types.push("object");
            } else if self.items.is_some() {
                self.types.push("array");
            }
        }
        self
    }

    fn gather(&mut self, schemas: &'s Schemas, m: &'s Map<String, Value>, depth: u32) {
        if depth > MAX_DEPTH {
            return;
        }
        if self.types.is_empty() {
            match m.get("type") {
                Some(Value::String(t)) => self.types.push(t),
                Some(Value::Array(ts)) => self.types.extend(ts.iter().filter_map(Value::as_str)),
                _ => {}
            }
        }
        if let Some(Value::Object(props)) = m.get("properties") {
            self.every_property
                .extend(props.iter().map(|(k, v)| (k.as_str(), v)));
        }
        for (key, direction) in [
            ("required", None),
            (REQUIRED_IN_REQUESTS, Some(Direction::Request)),
            (REQUIRED_IN_RESPONSES, Some(Direction::Response)),
        ] {
            if let Some(Value::Array(names)) = m.get(key) {
                self.required.extend(
                    names
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|n| (n, direction)),
                );
            }
        }
        if matches!(m.get("additionalProperties"), Some(Value::Bool(false)))
            || matches!(m.get("unevaluatedProperties"), Some(Value::Bool(false)))
        {
            self.closed = true;
        }
        let num = |k: &str| m.get(k).and_then(Value::as_f64);
        let int = |k: &str| m.get(k).and_then(Value::as_u64);
        self.items = self.items.or(m.get("items"));
        self.enumeration = self.enumeration.or(m.get("enum").and_then(Value::as_array));
        self.format = self.format.or(m.get("format").and_then(Value::as_str));
        self.default = self.default.or(m.get("default"));
        self.min_length = self.min_length.or(int("minLength"));
        self.max_length = self.max_length.or(int("maxLength"));
        self.minimum = self.minimum.or(num("minimum"));
        self.maximum = self.maximum.or(num("maximum"));
        self.exclusive_minimum = self.exclusive_minimum.or(num("exclusiveMinimum"));
        self.exclusive_maximum = self.exclusive_maximum.or(num("exclusiveMaximum"));
        self.min_items = self.min_items.or(int("minItems"));
        self.max_items = self.max_items.or(int("maxItems"));
        if let Some(id) = m
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(vocab::parse_def_ref)
            .filter(|id| (id.0 as usize) < schemas.len())
            && let Some(target) = schemas.get(id).as_object()
        {
            self.enter(schemas, target, depth + 1);
        }
        if let Some(Value::Array(all)) = m.get("allOf") {
            for part in all.iter().filter_map(Value::as_object) {
                self.enter(schemas, part, depth + 1);
            }
        }
    }

    /// Gathers a part reached through `$ref` or `allOf`; its whole-value example counts even
    /// when the part lies just past the depth limit.
    fn enter(&mut self, schemas: &'s Schemas, part: &'s Map<String, Value>, depth: u32) {
        if let Some(x) = part
            .get("examples")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
            .or_else(|| part.get("default"))
        {
            self.part_examples.push(x);
        }
        self.gather(schemas, part, depth);
    }

    /// The properties, each name once (the first schema that declares it wins).
    pub fn properties(&self) -> Vec<(&'s str, &'s Value)> {
        let mut out: Vec<(&'s str, &'s Value)> = Vec::with_capacity(self.every_property.len());
        for &(name, schema) in &self.every_property {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, schema));
            }
        }
        out
    }

    /// The schema of property `name` (the first declaration), unresolved.
    pub fn property(&self, name: &str) -> Option<&'s Value> {
        self.every_property
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, s)| s)
    }

    /// The names required in `direction`, in walk order (repeats possible).
    pub fn required(&self, direction: Direction) -> Vec<&'s str> {
        self.required
            .iter()
            .filter(|(_, d)| d.is_none_or(|d| d == direction))
            .map(|&(n, _)| n)
            .collect()
    }

    /// Whether a value of JSON type `t` may pass the declared types (no `type`: any; an
    /// integer passes `number`).
    pub fn allows(&self, t: &str) -> bool {
        self.types.is_empty()
            || self
                .types
                .iter()
                .any(|&x| x == t || (t == "integer" && x == "number"))
    }

    /// Whether `t` is among the declared types.
    pub fn declares(&self, t: &str) -> bool {
        self.types.contains(&t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas(entries: Value) -> Schemas {
        let n = entries.as_object().map_or(0, Map::len);
        Schemas::new(json!({ "$defs": entries }), vec![String::new(); n]).unwrap()
    }

    #[test]
    fn looks_through_refs_and_all_of_first_writer_wins() {
        let s = schemas(json!({
            "0": {"allOf": [{"$ref": "#/$defs/1"}, {"properties": {"b": {"type": "integer"}}, "maxLength": 9}]},
            "1": {"type": "object", "properties": {"a": {}}, "required": ["a"], "maxLength": 3,
                  "x-stipula-required-in-responses": ["r"], "examples": [{"a": 1}]},
        }));
        let v = SchemaView::of(&s, s.get(vocab::SchemaId(0)));
        assert_eq!(v.types, ["object"]);
        assert_eq!(
            v.properties().iter().map(|p| p.0).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(v.max_length, Some(3));
        assert_eq!(v.required(Direction::Request), ["a"]);
        assert_eq!(v.required(Direction::Response), ["a", "r"]);
        assert_eq!(v.part_examples, [&json!({"a": 1})]);
    }

    #[test]
    fn stops_at_the_depth_limit() {
        // Entry i refers to i + 1; only entry 20 declares a type.
        let mut entries = Map::new();
        for i in 0..20 {
            entries.insert(i.to_string(), json!({"$ref": format!("#/$defs/{}", i + 1)}));
        }
        entries.insert("20".into(), json!({"type": "string"}));
        let s = schemas(Value::Object(entries));
        let far = SchemaView::of(&s, s.get(vocab::SchemaId(0)));
        assert!(far.types.is_empty());
        let near = SchemaView::of(&s, s.get(vocab::SchemaId(20 - MAX_DEPTH)));
        assert_eq!(near.types, ["string"]);
        let spent = SchemaView::within(&s, s.get(vocab::SchemaId(20 - MAX_DEPTH)), 1);
        assert!(spent.types.is_empty());
        // A cycle ends too.
        let cyclic = schemas(json!({"0": {"allOf": [{"$ref": "#/$defs/0"}]}}));
        assert!(
            SchemaView::of(&cyclic, cyclic.get(vocab::SchemaId(0)))
                .types
                .is_empty()
        );
    }

    #[test]
    fn infers_types_from_keywords() {
        let s = schemas(json!({"0": {"items": {}}}));
        let v = SchemaView::of(&s, s.get(vocab::SchemaId(0))).infer_types();
        assert_eq!(v.types, ["array"]);
        assert!(v.allows("array") && !v.allows("string"));
    }
}
