//! Compiled validators over a spec's normalized schemas, shared by every consumer.
//!
//! All normalized entries of a spec live in one registry resource (`stipula:///schemas`); the
//! validator for entry N is `{"$ref": "stipula:///schemas#/$defs/N"}` compiled against that
//! registry, with formats asserted. Compiling is lazy and happens at most once per entry and
//! direction ([`Direction`]), behind a `OnceLock`, so loading GitHub's 1,223 operations does
//! not pay for validators nobody uses, while the mock's hot path never compiles anything twice.
//! [`Schemas::compile`] compiles chosen schemas up front (see `Spec::compile_validators`).
//!
//! A schema that jsonschema cannot compile (a regex it does not support, say) never fails a
//! validation: it validates nothing and reports itself through [`Schemas::compile_problems`],
//! because "no false alarms" outranks completeness.

use std::sync::{Arc, OnceLock};

use jsonschema::{Keyword, Registry, ValidationError, Validator};
use serde_json::Value;

use super::vocab::{self, DEFS, Direction, SchemaId};

const BASE_URI: &str = "stipula:///schemas";

/// Most violations reported for one value; past it the list ends with one
/// [`Violation::TRUNCATED`] entry.
pub const MAX_VIOLATIONS: usize = 100;

/// Largest value (in JSON nodes) whose violations are all collected. jsonschema's
/// `iter_errors` collects every error before yielding the first, so a 10 MiB array of a
/// million wrong items cost 20 s and gigabytes for one mock request (and a 48 MB answer);
/// past this size only the first violation is looked for (`validate` stops at it), followed
/// by the [`Violation::TRUNCATED`] entry.
pub const FULL_REPORT_NODES: usize = 10_000;

/// One rule a value breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the validated value (`""` for the value itself).
    pub instance_path: String,
    /// The JSON Schema keyword that failed (`required`, `type`, `format`...).
    pub keyword: String,
    /// Where in the spec the failing keyword's schema is: `file#/pointer`, when known.
    pub schema_location: String,
    pub message: String,
}

impl Violation {
    /// The keyword of the entry that ends a list cut at [`MAX_VIOLATIONS`].
    pub const TRUNCATED: &'static str = "x-stipula-truncated";

    fn truncated(message: String) -> Violation {
        Violation {
            instance_path: String::new(),
            keyword: Violation::TRUNCATED.to_string(),
            schema_location: String::new(),
            message,
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.instance_path.is_empty() {
            "/"
        } else {
            &self.instance_path
        };
        write!(f, "{at}: {} ({})", self.message, self.keyword)
    }
}

type Compiled = Result<Validator, String>;

/// The normalized schemas of one spec and their validators.
pub struct Schemas {
    document: Arc<Value>,
    registry: Registry<'static>,
    /// Where each entry is written (`file#/pointer`), for messages.
    describe: Vec<String>,
    compiled: Vec<[OnceLock<Compiled>; 2]>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas")
            .field("count", &self.describe.len())
            .finish()
    }
}

impl Schemas {
    /// `document` is `{"$defs": {...}}` as the normalizer made it; `describe[i]` names where
    /// entry i is written, for messages (the spec keeps the locations themselves).
    pub fn new(document: Value, describe: Vec<String>) -> Result<Self, String> {
        let document = Arc::new(document);
        let registry = Registry::new()
            // Shared, not copied: the registry reads the same document `get` does.
            .add(BASE_URI, Arc::clone(&document))
            .and_then(|r| r.prepare())
            .map_err(|e| format!("cannot prepare the schema registry: {e}"))?;
        let compiled = (0..describe.len())
            .map(|_| [OnceLock::new(), OnceLock::new()])
            .collect();
        Ok(Schemas {
            document,
            registry,
            describe,
            compiled,
        })
    }

    pub fn len(&self) -> usize {
        self.describe.len()
    }

    /// Where a schema is written, as `file#/pointer`, for messages.
    pub fn describe(&self, id: SchemaId) -> &str {
        self.describe.get(id.0 as usize).map_or("", String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.describe.is_empty()
    }

    /// The normalized (JSON Schema 2020-12) form of a schema. `$ref`s in it read
    /// `#/$defs/<id>`; resolve them with [`Schemas::get`].
    pub fn get(&self, id: SchemaId) -> &Value {
        &self.document[DEFS][id.0.to_string()]
    }

    /// Follows `$ref`s of the form `#/$defs/<id>` from a normalized schema.
    pub fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut current = schema;
        for _ in 0..64 {
            match vocab::ref_target(current) {
                Some(id) => current = self.get(id),
                None => break,
            }
        }
        current
    }

    fn validator(&self, id: SchemaId, direction: Direction) -> &Compiled {
        let slot = &self.compiled[id.0 as usize][direction as usize];
        slot.get_or_init(|| self.build(id, direction))
    }

    fn build(&self, id: SchemaId, direction: Direction) -> Compiled {
        self.build_at(&vocab::def_pointer(id), direction)
    }

    /// A validator for the subschema at `pointer` inside the normalized document (not cached:
    /// for one-off checks such as an example written on a nested property).
    fn build_at(&self, pointer: &str, direction: Direction) -> Compiled {
        let root = serde_json::json!({ "$ref": ref_to(pointer) });
        options(direction)
            .with_registry(&self.registry)
            .build(&root)
            .map_err(|e| e.to_string())
    }

    /// The subschema at `pointer` compiled on its own when it references nothing (most
    /// property-level schemas): no registry lookup, a fraction of the cost of [`Self::build_at`].
    fn build_nested(&self, pointer: &str, direction: Direction) -> Compiled {
        match self.document.pointer(pointer) {
            Some(schema) if !has_reference(schema) => {
                options(direction).build(schema).map_err(|e| e.to_string())
            }
            _ => self.build_at(pointer, direction),
        }
    }

    /// Validators for the subschema at `pointer` inside entry `id` (`""` for the entry itself),
    /// in both directions, compiled once for any number of values (lint's schema-level
    /// examples, defaults and enum values).
    pub fn nested(&self, id: SchemaId, pointer: &str) -> NestedValidator<'_> {
        let at = format!("{}{pointer}", vocab::def_pointer(id));
        NestedValidator {
            schemas: self,
            response: self.build_nested(&at, Direction::Response).ok(),
            request: std::cell::OnceCell::new(),
            at,
        }
    }

    /// One validator for many subschemas of the document (`pointers`, e.g. `/$defs/7` or
    /// `/$defs/7/properties/id`), for one direction: see [`Batch`]. `None` when jsonschema
    /// cannot compile one of them; check those one by one then.
    pub fn batch(&self, direction: Direction, pointers: &[String]) -> Option<Batch<'_>> {
        let properties: serde_json::Map<String, Value> = pointers
            .iter()
            .enumerate()
            .map(|(i, pointer)| {
                (
                    i.to_string(),
                    serde_json::json!({ "$ref": ref_to(pointer) }),
                )
            })
            .collect();
        let root = serde_json::json!({ "properties": properties });
        let validator = options(direction)
            .with_registry(&self.registry)
            .build(&root)
            .ok()?;
        Some(Batch {
            schemas: self,
            validator,
        })
    }

    /// Compiles the given schemas for one direction now, instead of on first use; returns how
    /// many could not be compiled.
    pub fn compile(&self, ids: impl IntoIterator<Item = SchemaId>, direction: Direction) -> usize {
        ids.into_iter()
            .filter(|&id| self.validator(id, direction).is_err())
            .count()
    }

    /// Schemas that could not be compiled so far, with the reason: (where, message).
    pub fn compile_problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, slots) in self.compiled.iter().enumerate() {
            if let Some(Err(e)) = slots.iter().find_map(|s| s.get().filter(|c| c.is_err())) {
                out.push((self.describe[i].clone(), e.clone()));
            }
        }
        out
    }

    /// Every rule `value` breaks against the subschema at `pointer` inside entry `id`'s
    /// normalized form (`""` for the entry itself), checked in both directions: empty when the
    /// value is valid in either. Compiles on every call: for many values, use [`Self::nested`].
    pub fn validate_nested(&self, id: SchemaId, pointer: &str, value: &Value) -> Vec<Violation> {
        self.nested(id, pointer).validate(value)
    }

    pub fn is_valid(&self, id: SchemaId, direction: Direction, value: &Value) -> bool {
        match self.validator(id, direction) {
            Ok(v) => v.is_valid(value),
            Err(_) => true,
        }
    }

    /// Every rule `value` breaks (empty when valid).
    pub fn validate(&self, id: SchemaId, direction: Direction, value: &Value) -> Vec<Violation> {
        match self.validator(id, direction) {
            Ok(validator) => self.violations(validator, value),
            Err(_) => Vec::new(),
        }
    }

    /// At most [`MAX_VIOLATIONS`], then the truncation entry; for a value larger than
    /// [`FULL_REPORT_NODES`], the first violation and the truncation entry.
    fn violations(&self, validator: &Validator, value: &Value) -> Vec<Violation> {
        self.violations_under(validator, value, value, "")
    }

    /// [`Self::violations`] of `value`, checked as `instance` (which holds `value` at
    /// `prefix`, a [`Batch`]'s wrapper); instance paths are said relative to `value`.
    fn violations_under(
        &self,
        validator: &Validator,
        instance: &Value,
        value: &Value,
        prefix: &str,
    ) -> Vec<Violation> {
        let violation = |e: &ValidationError<'_>| {
            let mut v = self.violation(e);
            if let Some(rest) = v.instance_path.strip_prefix(prefix) {
                v.instance_path = rest.to_string();
            }
            v
        };
        if !fewer_nodes_than(value, FULL_REPORT_NODES) {
            return match validator.validate(instance) {
                Ok(()) => Vec::new(),
                Err(e) => vec![
                    violation(&e),
                    Violation::truncated(format!(
                        "the value has more than {FULL_REPORT_NODES} nodes: only its first violation is listed"
                    )),
                ],
            };
        }
        let mut out: Vec<Violation> = validator
            .iter_errors(instance)
            .take(MAX_VIOLATIONS + 1)
            .map(|e| violation(&e))
            .collect();
        if out.len() > MAX_VIOLATIONS {
            out.truncate(MAX_VIOLATIONS);
            out.push(Violation::truncated(format!(
                "more than {MAX_VIOLATIONS} violations; the first {MAX_VIOLATIONS} are listed"
            )));
        }
        out
    }

    fn violation(&self, e: &ValidationError<'_>) -> Violation {
        let keyword_path = e.schema_path().to_string();
        let keyword = keyword_path
            .rsplit('/')
            .find(|s| !s.is_empty() && s.parse::<usize>().is_err())
            .unwrap_or("")
            .to_string();
        Violation {
            instance_path: e.instance_path().to_string(),
            keyword,
            schema_location: self.source_of(e.absolute_keyword_location().map(|u| u.to_string())),
            message: e.masked().to_string(),
        }
    }

    /// Maps `stipula:///schemas#/$defs/N/rest` back to `file#/pointer/rest`.
    fn source_of(&self, absolute: Option<String>) -> String {
        let Some(abs) = absolute else {
            return String::new();
        };
        let Some((i, tail)) = vocab::split_def_pointer(&abs) else {
            return abs;
        };
        match self.describe.get(i) {
            Some(d) if tail.is_empty() => d.clone(),
            Some(d) => format!("{d}/{tail}"),
            None => abs,
        }
    }
}

/// Characters a URI fragment cannot hold as they are (RFC 3986: controls, space,
/// `"#%<>[\]^`{|}`; non-ASCII is encoded as UTF-8 bytes anyway).
const NOT_IN_FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A `$ref` to the subschema at `pointer` in the normalized document. The pointer holds
/// property names and `patternProperties` regexes as written: percent-encoded here, because
/// the registry reads the reference as a URI and percent-decodes its fragment (a property
/// named `%41` would otherwise be looked up as `A`, and a space or `^` would not parse).
fn ref_to(pointer: &str) -> String {
    format!(
        "{BASE_URI}#{}",
        percent_encoding::utf8_percent_encode(pointer, NOT_IN_FRAGMENT)
    )
}

/// Whether `value` has fewer than `limit` nodes (counted without recursion, stopping at the
/// limit).
fn fewer_nodes_than(value: &Value, limit: usize) -> bool {
    let mut seen = 0usize;
    let mut todo = vec![value];
    while let Some(v) = todo.pop() {
        seen += 1;
        if seen >= limit {
            return false;
        }
        match v {
            Value::Array(a) => todo.extend(a),
            Value::Object(o) => todo.extend(o.values()),
            _ => {}
        }
    }
    true
}

/// The options every validator is built with: 2020-12, formats asserted (`byte` added), and
/// `required` split by direction.
fn options<'r>(direction: Direction) -> jsonschema::ValidationOptions<'r> {
    let (enforced, ignored) = (
        direction.required_keyword(),
        direction.ignored_required_keyword(),
    );
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .with_format("byte", is_base64)
        .with_keyword(enforced, |_, value: &Value, _| {
            let names = value
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Box::new(DirectionalRequired { names }) as Box<dyn for<'i> Keyword<'i>>)
        })
        .with_keyword(ignored, |_, _, _| {
            Ok(Box::new(Ignored) as Box<dyn for<'i> Keyword<'i>>)
        })
}

/// Whether a normalized schema refers to another (`$ref` anywhere inside it).
fn has_reference(schema: &Value) -> bool {
    match schema {
        Value::Object(o) => {
            o.contains_key("$ref") || o.contains_key("$dynamicRef") || o.values().any(has_reference)
        }
        Value::Array(a) => a.iter().any(has_reference),
        _ => false,
    }
}

/// A subschema's validators in both directions (see [`Schemas::nested`]). The request one is
/// compiled only when a value fails the response one: most values pass, and compiling is
/// most of the cost.
pub struct NestedValidator<'a> {
    schemas: &'a Schemas,
    /// `None` when jsonschema cannot compile it (validates nothing).
    response: Option<Validator>,
    request: std::cell::OnceCell<Option<Validator>>,
    /// The subschema's pointer in the normalized document.
    at: String,
}

impl NestedValidator<'_> {
    /// Every rule `value` breaks, or nothing when it is valid in either direction.
    pub fn validate(&self, value: &Value) -> Vec<Violation> {
        let Some(response) = &self.response else {
            return Vec::new();
        };
        if response.is_valid(value) {
            return Vec::new();
        }
        let request = self
            .request
            .get_or_init(|| self.schemas.build_nested(&self.at, Direction::Request).ok());
        match request {
            Some(request) if !request.is_valid(value) => self.schemas.violations(response, value),
            _ => Vec::new(),
        }
    }
}

/// One compiled validator for many subschemas (see [`Schemas::batch`]).
///
/// jsonschema compiles every `$ref` target into each validator that reaches it, once per
/// validator: checking GitHub's examples with a validator per schema compiled `repository`,
/// `simple-user` and their like over and over (38% of lint's time). A batch is one
/// validator whose root is `{"properties": {"0": {"$ref": …}, "1": …}}`, so each target is
/// compiled once for all of them; value `v` for subschema `i` is checked as the instance
/// `{"i": v}` (the other properties are absent, so unchecked), and the `/i` prefix is taken off
/// the instance paths. Violations are the ones the schema's own validator reports.
pub struct Batch<'a> {
    schemas: &'a Schemas,
    validator: Validator,
}

impl Batch<'_> {
    fn wrap(index: usize, value: &Value) -> Value {
        let mut wrapper = serde_json::Map::with_capacity(1);
        wrapper.insert(index.to_string(), value.clone());
        Value::Object(wrapper)
    }

    /// Whether `value` is valid against subschema `index` (its place in the pointer list).
    pub fn is_valid(&self, index: usize, value: &Value) -> bool {
        self.validator.is_valid(&Batch::wrap(index, value))
    }

    /// Every rule `value` breaks against subschema `index` (empty when valid), capped like
    /// [`Schemas::validate`].
    pub fn validate(&self, index: usize, value: &Value) -> Vec<Violation> {
        let instance = Batch::wrap(index, value);
        if self.validator.is_valid(&instance) {
            return Vec::new();
        }
        self.schemas
            .violations_under(&self.validator, &instance, value, &format!("/{index}"))
    }
}

/// `required` that applies in one direction only.
struct DirectionalRequired {
    names: Vec<String>,
}

impl<'i> Keyword<'i> for DirectionalRequired {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if let Value::Object(o) = instance
            && let Some(missing) = self.names.iter().find(|n| !o.contains_key(n.as_str()))
        {
            return Err(ValidationError::custom(format!(
                "\"{missing}\" is a required property"
            )));
        }
        Ok(())
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        match instance {
            Value::Object(o) => self.names.iter().all(|n| o.contains_key(n.as_str())),
            _ => true,
        }
    }
}

/// The other direction's `required`: checks nothing.
struct Ignored;

impl<'i> Keyword<'i> for Ignored {
    fn validate(&self, _: &'i Value) -> Result<(), ValidationError<'i>> {
        Ok(())
    }

    fn is_valid(&self, _: &'i Value) -> bool {
        true
    }
}

/// OpenAPI's `format: byte`: base64 (RFC 4648, standard alphabet, padded).
fn is_base64(s: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas(entries: Value) -> Schemas {
        let n = entries.as_object().map_or(0, |o| o.len());
        Schemas::new(json!({ "$defs": entries }), vec![String::new(); n]).unwrap()
    }

    /// Twelve entries, so that slot `1` and slot `11` are both in play (the instance-path
    /// prefix is `/1` for one and `/11` for the other).
    fn twelve() -> Schemas {
        let mut entries = serde_json::Map::new();
        entries.insert(
            "0".into(),
            json!({"type": "object", "required": ["id"],
                   "properties": {"id": {"type": "integer"}, "owner": {"$ref": "#/$defs/1"},
                                  "tags": {"type": "array", "items": {"$ref": "#/$defs/2"}}}}),
        );
        entries.insert(
            "1".into(),
            json!({"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}}}),
        );
        entries.insert("2".into(), json!({"type": "string", "enum": ["a", "b"]}));
        for i in 3..12 {
            entries.insert(i.to_string(), json!({"type": "integer", "minimum": i}));
        }
        schemas(Value::Object(entries))
    }

    #[test]
    fn a_batch_reports_what_each_schemas_own_validator_reports() {
        let s = twelve();
        let pointers: Vec<String> = (0..12)
            .map(|i| vocab::def_pointer(SchemaId(i)))
            .chain(["/$defs/0/properties/owner".to_string()])
            .collect();
        for direction in [Direction::Response, Direction::Request] {
            let batch = s.batch(direction, &pointers).expect("compiles");
            let values = [
                json!({"id": 1, "owner": {"name": "ann"}, "tags": ["a"]}),
                json!({"id": "x", "owner": {"name": "toolong"}, "tags": ["a", "z", 3]}),
                json!({"owner": 5}),
                json!(7),
                json!(2),
                json!([]),
                json!(null),
            ];
            for (slot, pointer) in pointers.iter().enumerate() {
                for value in &values {
                    let own = match vocab::split_def_pointer(&format!("#{pointer}")) {
                        Some((id, "")) => s.validate(SchemaId(id as u32), direction, value),
                        _ => s.validate_nested(SchemaId(0), "/properties/owner", value),
                    };
                    let batched = batch.validate(slot, value);
                    if pointer.contains("properties") && direction == Direction::Request {
                        // `validate_nested` answers for either direction; compare emptiness.
                        assert_eq!(own.is_empty(), batched.is_empty(), "{pointer} {value}");
                        continue;
                    }
                    assert_eq!(own, batched, "{pointer} {value} {direction:?}");
                    assert_eq!(batch.is_valid(slot, value), own.is_empty());
                }
            }
        }
    }

    #[test]
    fn subschemas_whose_pointer_needs_escaping_are_the_ones_checked() {
        // Property names are written into the `$ref`'s fragment: `%41` must stay `%41` (not
        // become `A`), and a space, `é` or `^` must not stop the batch from compiling.
        let s = schemas(json!({
            "0": {"type": "object", "properties": {
                "%41": {"type": "string"},
                "A": {"type": "integer"},
                "a b": {"type": "boolean"},
                "é": {"type": "null"},
                "x{y}": {"type": "array"}
            }, "patternProperties": {"^[a-z]+$": {"type": "number"}}}
        }));
        let names = ["%41", "A", "a b", "é", "x{y}"];
        let mut pointers: Vec<String> = names
            .iter()
            .map(|n| format!("/$defs/0/properties/{n}"))
            .collect();
        pointers.push("/$defs/0/patternProperties/^[a-z]+$".into());
        let batch = s.batch(Direction::Response, &pointers).expect("compiles");
        let fits = [
            json!("s"),
            json!(1),
            json!(true),
            json!(null),
            json!([]),
            json!(1.5),
        ];
        for slot in 0..fits.len() {
            for (other, v) in fits.iter().enumerate() {
                // 1 fits both `integer` and `number`.
                let expected = slot == other || (slot == 5 && other == 1);
                assert_eq!(batch.is_valid(slot, v), expected, "slot {slot} value {v}");
            }
        }
        for (i, name) in names.iter().enumerate() {
            let nested = s.validate_nested(SchemaId(0), &format!("/properties/{name}"), &fits[i]);
            assert!(nested.is_empty(), "{name}: {nested:?}");
            let other = &fits[(i + 1) % names.len()];
            assert!(
                !s.validate_nested(SchemaId(0), &format!("/properties/{name}"), other)
                    .is_empty(),
                "{name} accepted {other}"
            );
        }
    }

    #[test]
    fn a_batch_with_a_schema_jsonschema_cannot_compile_is_refused_and_the_schema_reported() {
        let s = schemas(json!({
            "0": {"type": "object", "properties": {"code": {"$ref": "#/$defs/1"}, "n": {"type": "integer"}}},
            "1": {"type": "string", "pattern": "(?<=a)b("}
        }));
        assert!(
            s.batch(Direction::Response, &["/$defs/0".to_string()])
                .is_none()
        );
        // The caller's fallback, a validator per schema, validates nothing and says why.
        assert!(
            s.validate(SchemaId(0), Direction::Response, &json!({"n": "no"}))
                .is_empty()
        );
        assert_eq!(s.compile_problems().len(), 1);
    }
}
