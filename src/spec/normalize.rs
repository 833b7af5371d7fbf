//! Schemas of every dialect, normalized once to JSON Schema 2020-12.
//!
//! Each schema the model uses, and each target of a schema `$ref`, becomes an *entry* with a
//! [`SchemaId`]. An entry is a converted copy of the schema at its location in which every
//! `$ref` is rewritten to `#/$defs/<id of the target entry>`. All entries of a spec live in one
//! JSON document, `{"$defs": {"0": ..., "1": ...}}`, that the validator registry holds (see
//! `crate::schema::validate`). Because references point at entries and never into a converted copy,
//! conversions are free to restructure a schema (wrapping a `nullable` one in `anyOf`), and
//! recursive schemas stay references, so normalization never recurses through a cycle.
//!
//! Conversion rules (each has passing and failing values in the tests):
//! - 3.0 and 2.0: `nullable: true` / `x-nullable: true` adds `"null"` to `type` (and to `enum`),
//!   or, without a `type`, wraps the schema as `anyOf: [{type: null}, schema]`.
//! - all: boolean `exclusiveMinimum`/`exclusiveMaximum` (3.0's form, also found in 3.1
//!   documents converted by hand) become 2020-12's numeric form.
//! - all: `properties: {$ref: ...}` (a reference standing for a whole map, as DigitalOcean's
//!   multi-file spec writes it) reads the map where it points.
//! - 3.0 and 2.0: `$ref` siblings are ignored, as those versions say.
//! - 2.0: `type: file` accepts any value; an array `items` becomes `prefixItems`.
//! - all: duplicate names in `required` are kept once.
//! - all: `example` becomes `examples: [example]`; `format: int32`/`int64` add their ranges to
//!   integers; `$id` and `$schema` are dropped (entries are addressed by id, not by URI).
//! - all: a required property that is `readOnly` is required only in responses, one that is
//!   `writeOnly` only in requests: they move from `required` to `x-stipula-required-in-responses`
//!   / `x-stipula-required-in-requests`, which the validator enforces by direction.
//!
//! A cycle of references that never descends into the instance (`A: {allOf: [$ref: A]}`) would
//! make validation recurse forever; it is reported as an error with the chain.
//!
//! This is the only writer of the normalized form; the keywords it writes (and which of them hold
//! subschemas) are `crate::schema::vocab`'s, shared with every reader.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::diagnostic::{Diagnostic, DiagnosticKind};
use super::model::{Dialect, SchemaId};
use super::refs::{Location, SourceSet};
use crate::schema::vocab::{
    self, IN_PLACE, LISTS, MAPS, REQUIRED_IN_REQUESTS, REQUIRED_IN_RESPONSES, SINGLE,
};

/// Builds the entries of one spec.
pub struct Normalizer {
    dialect: Dialect,
    entries: Vec<Entry>,
    by_location: HashMap<Location, SchemaId>,
    pending: Vec<SchemaId>,
    /// `$ref`s reached without descending into the instance: (from, to, where).
    in_place_refs: Vec<(SchemaId, SchemaId, Location)>,
    /// `nullable` seen in a 3.1 document, where it means nothing.
    nullable_in_31: Vec<Location>,
}

struct Entry {
    location: Location,
    /// For schemas made up by the loader (2.0 parameters), the raw value; else read from file.
    synthetic: Option<Value>,
    normalized: Option<Value>,
}

/// The normalized entries: one document for the validator registry, and where each came from.
pub struct NormalizedSchemas {
    /// `{"$defs": {"<id>": schema}}`.
    pub document: Value,
    pub locations: Vec<Location>,
}

impl Normalizer {
    pub fn new(dialect: Dialect) -> Self {
        Normalizer {
            dialect,
            entries: Vec::new(),
            by_location: HashMap::new(),
            pending: Vec::new(),
            in_place_refs: Vec::new(),
            nullable_in_31: Vec::new(),
        }
    }

    /// The entry for the schema at `at` (created on first request, converted in `finish`).
    pub fn schema_at(&mut self, at: &Location) -> SchemaId {
        if let Some(&id) = self.by_location.get(at) {
            return id;
        }
        let id = SchemaId(self.entries.len() as u32);
        self.entries.push(Entry {
            location: at.clone(),
            synthetic: None,
            normalized: None,
        });
        self.by_location.insert(at.clone(), id);
        self.pending.push(id);
        id
    }

    /// An entry for a schema the loader made up (a 2.0 parameter's type, a form body), reported
    /// at `at`. `$ref`s inside it resolve relative to `at`'s file.
    pub fn synthetic(&mut self, at: &Location, raw: Value) -> SchemaId {
        let id = SchemaId(self.entries.len() as u32);
        self.entries.push(Entry {
            location: at.clone(),
            synthetic: Some(raw),
            normalized: None,
        });
        self.pending.push(id);
        id
    }

    /// Converts every pending entry (and every entry their references reach).
    pub fn finish(
        mut self,
        sources: &mut SourceSet,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> NormalizedSchemas {
        while let Some(id) = self.pending.pop() {
            let entry = &self.entries[id.0 as usize];
            let at = entry.location.clone();
            let raw = match &entry.synthetic {
                Some(v) => v.clone(),
                None => sources.get(&at).cloned().unwrap_or(Value::Bool(true)),
            };
            let converted = if raw.is_object() || raw.is_boolean() {
                self.convert(raw, &at, id, true, sources, diagnostics)
            } else {
                diagnostics
                    .push(sources.error(&at, "a schema must be an object (or, in 3.1, a boolean)"));
                Value::Bool(true)
            };
            self.entries[id.0 as usize].normalized = Some(converted);
        }
        self.report_in_place_cycles(sources, diagnostics);
        if let Some(first) = self.nullable_in_31.first() {
            diagnostics.push(sources.warning(
                first,
                format!(
                    "`nullable` has no meaning in OpenAPI 3.1 (use `type: [..., \"null\"]`); ignored here and in {} other place(s)",
                    self.nullable_in_31.len() - 1
                ),
            ));
        }
        let mut defs = Map::with_capacity(self.entries.len());
        let mut locations = Vec::with_capacity(self.entries.len());
        for (i, e) in self.entries.into_iter().enumerate() {
            defs.insert(i.to_string(), e.normalized.unwrap_or(Value::Bool(true)));
            locations.push(e.location);
        }
        NormalizedSchemas {
            // Moved in, not `json!`: the macro serializes its argument, a deep copy of every
            // entry.
            document: Value::Object(Map::from_iter([(
                vocab::DEFS.to_string(),
                Value::Object(defs),
            )])),
            locations,
        }
    }

    /// Converts one schema node. `in_place` is true while no keyword on the way from the entry's
    /// root descended into the instance.
    fn convert(
        &mut self,
        value: Value,
        at: &Location,
        entry: SchemaId,
        in_place: bool,
        sources: &mut SourceSet,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Value {
        let Value::Object(mut schema) = value else {
            return value;
        };
        let legacy = self.dialect != Dialect::OpenApi31;

        if let Some(reference) = schema.get("$ref") {
            let Some(reference) = reference.as_str().map(str::to_string) else {
                diagnostics.push(
                    sources
                        .error(&at.child("$ref"), "`$ref` must be a string")
                        .with_kind(DiagnosticKind::RefUnresolved),
                );
                return Value::Bool(true);
            };
            let target = match sources.resolve(at, &reference) {
                Ok(t) => t,
                Err(d) => {
                    diagnostics.push(d);
                    return Value::Bool(true);
                }
            };
            let target_id = self.schema_at(&target);
            if in_place {
                self.in_place_refs
                    .push((entry, target_id, at.child("$ref")));
            }
            let rewritten = Value::String(vocab::def_ref(target_id));
            if legacy {
                // 3.0 and 2.0: "properties adjacent to $ref are ignored".
                let mut only = Map::new();
                only.insert("$ref".into(), rewritten);
                return Value::Object(only);
            }
            schema.insert("$ref".into(), rewritten);
        }

        let present = Present::of(&schema);
        // Subschemas first, so that wrapping below moves converted children. Lists go before
        // `items`, whose 2.0 tuple form becomes `prefixItems` already converted.
        for &key in LISTS {
            if !present.has(key) {
                continue;
            }
            if let Some(Value::Array(children)) = schema.remove(key) {
                let child_in_place = in_place && IN_PLACE.contains(&key);
                let list = self.convert_list(
                    children,
                    &at.child(key),
                    entry,
                    child_in_place,
                    sources,
                    diagnostics,
                );
                schema.insert(key.into(), Value::Array(list));
            }
        }
        for &key in SINGLE {
            if !present.has(key) {
                continue;
            }
            if let Some(child) = schema.remove(key) {
                let child_in_place = in_place && IN_PLACE.contains(&key);
                let converted = match (key, child) {
                    // 2.0/3.0 tuple form.
                    ("items", Value::Array(items)) => {
                        let list = self.convert_list(
                            items,
                            &at.child("items"),
                            entry,
                            false,
                            sources,
                            diagnostics,
                        );
                        schema.insert("prefixItems".into(), Value::Array(list));
                        continue;
                    }
                    (
                        "additionalProperties"
                        | "additionalItems"
                        | "unevaluatedItems"
                        | "unevaluatedProperties",
                        v @ Value::Bool(_),
                    ) => v,
                    (_, child) => self.convert(
                        child,
                        &at.child(key),
                        entry,
                        child_in_place,
                        sources,
                        diagnostics,
                    ),
                };
                schema.insert(key.into(), converted);
            }
        }
        for &key in MAPS {
            if !present.has(key) {
                continue;
            }
            if let Some(Value::Object(mut children)) = schema.remove(key) {
                let child_in_place = in_place && IN_PLACE.contains(&key);
                let mut base = at.child(key);
                // `properties: {$ref: other.yml#/props}`: a reference standing for the whole
                // map. Not OpenAPI, but multi-file specs (DigitalOcean) use it and bundlers
                // follow it, so the map is read from where it points.
                if let (1, Some(Value::String(reference))) = (children.len(), children.get("$ref"))
                {
                    let reference = reference.clone();
                    match sources.resolve(&base, &reference) {
                        Ok(target) => match sources.get(&target) {
                            Some(Value::Object(map)) => {
                                children = map.clone();
                                base = target;
                            }
                            _ => diagnostics.push(sources.error(
                                &base.child("$ref"),
                                format!("`{reference}` should point at a map of schemas"),
                            )),
                        },
                        Err(d) => diagnostics.push(d),
                    }
                }
                let mut out = Map::with_capacity(children.len());
                for (name, child) in children {
                    let converted = self.convert(
                        child,
                        &base.child(&name),
                        entry,
                        child_in_place,
                        sources,
                        diagnostics,
                    );
                    out.insert(name, converted);
                }
                schema.insert(key.into(), Value::Object(out));
            }
        }
        // draft-07 `dependencies`: split into its 2020-12 halves.
        if present.has("dependencies")
            && let Some(Value::Object(deps)) = schema.remove("dependencies")
        {
            let mut required = Map::new();
            let mut schemas = Map::new();
            for (name, dep) in deps {
                if dep.is_array() {
                    required.insert(name, dep);
                } else {
                    let c = self.convert(
                        dep,
                        &at.child("dependencies").child(&name),
                        entry,
                        in_place,
                        sources,
                        diagnostics,
                    );
                    schemas.insert(name, c);
                }
            }
            if !required.is_empty() {
                schema.insert("dependentRequired".into(), Value::Object(required));
            }
            if !schemas.is_empty() {
                schema.insert("dependentSchemas".into(), Value::Object(schemas));
            }
        }

        for key in ["$id", "$schema"] {
            if present.has(key) {
                schema.remove(key);
            }
        }
        if present.has("example")
            && let Some(example) = schema.remove("example")
        {
            schema
                .entry("examples")
                .or_insert_with(|| Value::Array(vec![example]));
        }
        // Boolean exclusive bounds are 3.0's; some 3.1 documents keep them, where they can only
        // mean what they meant in 3.0.
        convert_exclusive_bounds(&mut schema);
        if legacy && schema.get("type").and_then(Value::as_str) == Some("file") {
            schema.remove("type");
        }
        add_integer_format_bounds(&mut schema);
        // Duplicate names in `required` (OpenAI's spec has them) make jsonschema report present
        // properties as missing; a name once is the same rule.
        if let Some(Value::Array(required)) = schema.get_mut("required") {
            let mut seen = std::collections::HashSet::new();
            required.retain(|n| seen.insert(n.to_string()));
        }
        self.split_required_by_direction(&mut schema, at, sources);
        if let Some(Value::Array(branches)) = schema.get_mut("allOf") {
            for branch in branches.iter_mut() {
                if let Value::Object(b) = branch
                    && !b.contains_key("$ref")
                {
                    self.split_required_by_direction(b, at, sources);
                }
            }
        }

        let nullable = if legacy {
            let n = present
                .has("nullable")
                .then(|| schema.remove("nullable"))
                .flatten();
            let x = present
                .has("x-nullable")
                .then(|| schema.remove("x-nullable"))
                .flatten();
            n.or(x).and_then(|v| v.as_bool()).unwrap_or(false)
        } else {
            if schema.contains_key("nullable") {
                self.nullable_in_31.push(at.child("nullable"));
            }
            false
        };
        if nullable {
            return make_nullable(schema);
        }
        Value::Object(schema)
    }

    fn convert_list(
        &mut self,
        items: Vec<Value>,
        at: &Location,
        entry: SchemaId,
        in_place: bool,
        sources: &mut SourceSet,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<Value> {
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                self.convert(
                    v,
                    &at.child(&i.to_string()),
                    entry,
                    in_place,
                    sources,
                    diagnostics,
                )
            })
            .collect()
    }

    /// Moves readOnly / writeOnly properties out of `required` into the direction keywords.
    /// Properties are looked up from `lookup`: the schema itself, or, for an `allOf` branch,
    /// the schema owning the `allOf` (a branch may require what a sibling defines).
    fn split_required_by_direction(
        &self,
        schema: &mut Map<String, Value>,
        lookup: &Location,
        sources: &mut SourceSet,
    ) {
        let Some(Value::Array(required)) = schema.get("required") else {
            return;
        };
        let mut plain = Vec::new();
        let mut moved: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
        // The schema is found once for all its required names (a `follow` walks the pointer
        // from the file's root: per name, it was half of normalizing GitHub's spec).
        let names = required.clone();
        let flags = match sources.follow(lookup) {
            Ok(owner) => properties_flags(sources, &owner, &names),
            Err(_) => vec![None; names.len()],
        };
        for (name, flags) in names.into_iter().zip(flags) {
            match flags {
                Some((true, false)) => moved[0].push(name),
                Some((false, true)) => moved[1].push(name),
                _ => plain.push(name),
            }
        }
        if moved.iter().all(Vec::is_empty) {
            return;
        }
        schema.insert("required".into(), Value::Array(plain));
        for (keyword, names) in [REQUIRED_IN_RESPONSES, REQUIRED_IN_REQUESTS]
            .into_iter()
            .zip(moved)
        {
            if names.is_empty() {
                continue;
            }
            match schema.get_mut(keyword) {
                Some(Value::Array(existing)) => existing.extend(names),
                _ => {
                    schema.insert(keyword.into(), Value::Array(names));
                }
            }
        }
    }

    /// Finds cycles among in-place references and reports each once, with its chain.
    fn report_in_place_cycles(&self, sources: &SourceSet, diagnostics: &mut Vec<Diagnostic>) {
        let n = self.entries.len();
        let mut out: Vec<Vec<(usize, &Location)>> = vec![Vec::new(); n];
        for (from, to, at) in &self.in_place_refs {
            out[from.0 as usize].push((to.0 as usize, at));
        }
        // Iterative DFS with colours: 0 new, 1 on the stack, 2 done.
        let mut colour = vec![0u8; n];
        for start in 0..n {
            if colour[start] != 0 || out[start].is_empty() {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            colour[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&(to, at)) = out[node].get(*next) {
                    *next += 1;
                    match colour[to] {
                        0 => {
                            colour[to] = 1;
                            stack.push((to, 0));
                        }
                        1 => {
                            let from = stack.iter().position(|&(s, _)| s == to).unwrap_or(0);
                            let chain: Vec<String> = stack[from..]
                                .iter()
                                .map(|&(s, _)| sources.describe(&self.entries[s].location))
                                .chain(std::iter::once(
                                    sources.describe(&self.entries[to].location),
                                ))
                                .collect();
                            diagnostics.push(sources.error(
                                at,
                                format!(
                                    "schema reference cycle that never descends into the value (validation would never end): {}",
                                    chain.join(" → ")
                                ),
                            ).with_kind(DiagnosticKind::SchemaCycle));
                        }
                        _ => {}
                    }
                } else {
                    colour[node] = 2;
                    stack.pop();
                }
            }
        }
    }
}

/// `(readOnly, writeOnly)` of property `name` as the schema at `at` sees it: its own
/// `properties`, else those of its `allOf` branches, following `$ref`s (bounded depth).
fn property_flags(
    sources: &mut SourceSet,
    at: &Location,
    name: &str,
    depth: usize,
) -> Option<(bool, bool)> {
    if depth > 8 {
        return None;
    }
    let at = sources.follow(at).ok()?;
    let schema = sources.get(&at)?;
    if schema.get("properties").and_then(|p| p.get(name)).is_some() {
        let property = sources.follow(&at.child("properties").child(name)).ok()?;
        return Some(read_write_flags(sources.get(&property)?));
    }
    let branches = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    (0..branches).find_map(|i| {
        property_flags(
            sources,
            &at.child("allOf").child(&i.to_string()),
            name,
            depth + 1,
        )
    })
}

/// [`property_flags`] of each of `names` (each `None` unless a string) in the schema at
/// `owner`, already followed to its end: the schema is looked up once for all of them.
fn properties_flags(
    sources: &mut SourceSet,
    owner: &Location,
    names: &[Value],
) -> Vec<Option<(bool, bool)>> {
    enum Found {
        Flags((bool, bool)),
        Reference,
        Absent,
        NotAName,
    }
    let (found, branches): (Vec<Found>, usize) = {
        let Some(schema) = sources.get(owner) else {
            return vec![None; names.len()];
        };
        let properties = schema.get("properties");
        let found = names
            .iter()
            .map(|n| match n.as_str() {
                None => Found::NotAName,
                Some(n) => match properties.and_then(|p| p.get(n)) {
                    // Not a reference: `follow` would stop right here.
                    Some(v) if !v.as_object().is_some_and(|o| o.contains_key("$ref")) => {
                        Found::Flags(read_write_flags(v))
                    }
                    Some(_) => Found::Reference,
                    None => Found::Absent,
                },
            })
            .collect();
        let branches = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        (found, branches)
    };
    names
        .iter()
        .zip(found)
        .map(|(n, found)| {
            let n = n.as_str()?;
            match found {
                Found::NotAName => None,
                Found::Flags(f) => Some(f),
                Found::Reference => {
                    let property = sources.follow(&owner.child("properties").child(n)).ok()?;
                    Some(read_write_flags(sources.get(&property)?))
                }
                Found::Absent => (0..branches).find_map(|i| {
                    property_flags(sources, &owner.child("allOf").child(&i.to_string()), n, 1)
                }),
            }
        })
        .collect()
}

/// `(readOnly, writeOnly)` of a property schema.
fn read_write_flags(v: &Value) -> (bool, bool) {
    let flag = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    (flag("readOnly"), flag("writeOnly"))
}

/// The keywords `convert` takes out of a schema (and maybe puts back converted); what
/// `Present::index` matches, checked by a test.
#[cfg(test)]
const REWRITTEN: &[&str] = &[
    "allOf",
    "anyOf",
    "oneOf",
    "prefixItems",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
    "contentSchema",
    "items",
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
    "$id",
    "$schema",
    "example",
    "nullable",
    "x-nullable",
];

/// Which of the keywords `convert` rewrites (`REWRITTEN`) a schema has, found in one pass over its keys. `Map::remove`
/// hashes its key (SipHash) even when the key is absent, and a schema has three or four of
/// these thirty keywords: asking the map for each was 8% of loading GitHub's spec.
struct Present(u64);

impl Present {
    fn of(schema: &Map<String, Value>) -> Present {
        let mut bits = 0u64;
        for key in schema.keys() {
            if let Some(i) = Present::index(key) {
                bits |= 1 << i;
            }
        }
        Present(bits)
    }

    /// Whether the schema had `key` when [`Present::of`] looked (`key` is one of the
    /// rewritten keywords).
    fn has(&self, key: &str) -> bool {
        Present::index(key).is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// `key`'s place in `REWRITTEN` (a `match`: compiled to length and byte compares).
    fn index(key: &str) -> Option<u32> {
        Some(match key {
            "allOf" => 0,
            "anyOf" => 1,
            "oneOf" => 2,
            "prefixItems" => 3,
            "additionalProperties" => 4,
            "not" => 5,
            "if" => 6,
            "then" => 7,
            "else" => 8,
            "contains" => 9,
            "propertyNames" => 10,
            "unevaluatedItems" => 11,
            "unevaluatedProperties" => 12,
            "additionalItems" => 13,
            "contentSchema" => 14,
            "items" => 15,
            "properties" => 16,
            "patternProperties" => 17,
            "$defs" => 18,
            "definitions" => 19,
            "dependentSchemas" => 20,
            "dependencies" => 21,
            "$id" => 22,
            "$schema" => 23,
            "example" => 24,
            "nullable" => 25,
            "x-nullable" => 26,
            _ => return None,
        })
    }
}

fn convert_exclusive_bounds(schema: &mut Map<String, Value>) {
    for (exclusive, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match schema.get(exclusive) {
            Some(Value::Bool(true)) => {
                schema.remove(exclusive);
                if let Some(bound) = schema.remove(inclusive) {
                    schema.insert(exclusive.into(), bound);
                }
            }
            Some(Value::Bool(false)) => {
                schema.remove(exclusive);
            }
            _ => {}
        }
    }
}

/// `format: int32` / `int64` on an integer: the range the format promises, unless the schema
/// already says something tighter.
fn add_integer_format_bounds(schema: &mut Map<String, Value>) {
    let is_integer = match schema.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
        _ => false,
    };
    if !is_integer {
        return;
    }
    let (min, max): (i64, i64) = match schema.get("format").and_then(Value::as_str) {
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        Some("int64") => (i64::MIN, i64::MAX),
        _ => return,
    };
    if !schema.contains_key("minimum") && !schema.contains_key("exclusiveMinimum") {
        schema.insert("minimum".into(), min.into());
    }
    if !schema.contains_key("maximum") && !schema.contains_key("exclusiveMaximum") {
        schema.insert("maximum".into(), max.into());
    }
}

fn make_nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            if t != "null" {
                schema.insert("type".into(), json!([t, "null"]));
            }
            Value::Object(schema)
        }
        Some(Value::Array(types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            Value::Object(schema)
        }
        _ => {
            // No type: only the composition (allOf, $ref...) constrains it; allow null beside.
            let constrains = schema.keys().any(|k| {
                !matches!(
                    k.as_str(),
                    "description"
                        | "title"
                        | "examples"
                        | "default"
                        | "deprecated"
                        | "readOnly"
                        | "writeOnly"
                ) && !k.starts_with("x-")
            });
            if !constrains {
                return Value::Object(schema);
            }
            let mut annotations = Map::new();
            for k in [
                "description",
                "title",
                "examples",
                "default",
                "readOnly",
                "writeOnly",
            ] {
                if let Some(v) = schema.get(k) {
                    annotations.insert(k.into(), v.clone());
                }
            }
            annotations.insert(
                "anyOf".into(),
                json!([{ "type": "null" }, Value::Object(schema)]),
            );
            Value::Object(annotations)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_convert_visits_is_looked_for() {
        // A keyword missing from REWRITTEN would be skipped silently by `Present::has`.
        for key in LISTS.iter().chain(SINGLE).chain(MAPS) {
            assert!(REWRITTEN.contains(key), "{key} is not in REWRITTEN");
        }
        let schema: Map<String, Value> =
            serde_json::from_str(r#"{"type": "object", "items": {}, "x-nullable": true}"#).unwrap();
        for (i, key) in REWRITTEN.iter().enumerate() {
            assert_eq!(Present::index(key), Some(i as u32), "{key}");
        }
        let present = Present::of(&schema);
        assert!(present.has("items") && present.has("x-nullable"));
        assert!(!present.has("properties") && !present.has("type"));
    }
}
