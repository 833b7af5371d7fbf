//! The vocabulary of the normalized form: what its keywords are and how its references read.
//!
//! Everything that knows the *shape* of a normalized schema beyond plain JSON Schema 2020-12
//! is here, so a change to the form touches this file and `spec::normalize` (its only writer):
//! which keywords hold subschemas, how an entry is referenced (`#/$defs/<id>`, [`SchemaId`]),
//! and the direction-specific `required` keywords ([`Direction`], [`required_names`]).

use serde_json::{Map, Value};

/// Index of a normalized schema (an *entry*) in the spec's schema store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaId(pub u32);

/// Which side of an exchange a value travels on: `readOnly` properties are required only in
/// responses, `writeOnly` ones only in requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    Request,
    Response,
}

/// Keyword under which readOnly-required properties are kept (enforced on responses only).
pub const REQUIRED_IN_RESPONSES: &str = "x-stipula-required-in-responses";
/// Keyword under which writeOnly-required properties are kept (enforced on requests only).
pub const REQUIRED_IN_REQUESTS: &str = "x-stipula-required-in-requests";
/// Every keyword that lists required property names, in either direction.
pub const ALL_REQUIRED: [&str; 3] = ["required", REQUIRED_IN_REQUESTS, REQUIRED_IN_RESPONSES];

/// Keywords whose value is one subschema.
pub const SINGLE: &[&str] = &[
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
];
/// Keywords whose value maps names to subschemas.
pub const MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// Keywords whose value is a list of subschemas.
pub const LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords that apply a subschema to the same instance (a `$ref` reached only through these
/// does not descend into the instance).
pub const IN_PLACE: &[&str] = &[
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
];

impl Direction {
    /// The `required` keyword that applies in this direction only.
    pub fn required_keyword(self) -> &'static str {
        match self {
            Direction::Request => REQUIRED_IN_REQUESTS,
            Direction::Response => REQUIRED_IN_RESPONSES,
        }
    }

    /// The `required` keyword of the other direction (checks nothing in this one).
    pub fn ignored_required_keyword(self) -> &'static str {
        match self {
            Direction::Request => REQUIRED_IN_RESPONSES,
            Direction::Response => REQUIRED_IN_REQUESTS,
        }
    }
}

/// The property names a schema object requires in `direction`: `required`, then the
/// direction's own keyword (repeats are possible; callers that need a set make one).
pub fn required_names(
    schema: &Map<String, Value>,
    direction: Direction,
) -> impl Iterator<Item = &str> {
    ["required", direction.required_keyword()]
        .into_iter()
        .filter_map(|k| schema.get(k).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
}

/// The member of the normalized document that holds the entries.
pub const DEFS: &str = "$defs";

/// `#/$defs/<id>`: how a normalized schema references entry `id`.
pub fn def_ref(id: SchemaId) -> String {
    format!("#/$defs/{}", id.0)
}

/// `/$defs/<id>`: entry `id`'s JSON pointer in the normalized document.
pub fn def_pointer(id: SchemaId) -> String {
    format!("/$defs/{}", id.0)
}

/// The entry a reference string names, when it has the form `#/$defs/<id>`.
pub fn parse_def_ref(reference: &str) -> Option<SchemaId> {
    reference
        .strip_prefix("#/$defs/")?
        .parse()
        .ok()
        .map(SchemaId)
}

/// The entry a schema's `$ref` names, when it has one of the form `#/$defs/<id>`.
pub fn ref_target(schema: &Value) -> Option<SchemaId> {
    parse_def_ref(schema.get("$ref")?.as_str()?)
}

/// Splits a URI or pointer at its `#/$defs/<id>` part: (entry, the rest after the id, without
/// its leading `/`). `None` when it names no entry.
pub fn split_def_pointer(uri: &str) -> Option<(usize, &str)> {
    let rest = uri.split_once("#/$defs/")?.1;
    let (n, tail) = rest.split_once('/').unwrap_or((rest, ""));
    Some((n.parse().ok()?, tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_round_trip() {
        let id = SchemaId(42);
        assert_eq!(parse_def_ref(&def_ref(id)), Some(id));
        assert_eq!(ref_target(&json!({"$ref": "#/$defs/7"})), Some(SchemaId(7)));
        assert_eq!(ref_target(&json!({"$ref": "other.yaml#/x"})), None);
        assert_eq!(parse_def_ref("#/$defs/x"), None);
        assert_eq!(
            split_def_pointer("stipula:///schemas#/$defs/3/properties/a"),
            Some((3, "properties/a"))
        );
        assert_eq!(
            split_def_pointer("stipula:///schemas#/$defs/3"),
            Some((3, ""))
        );
        assert_eq!(split_def_pointer("stipula:///schemas#/other"), None);
    }

    #[test]
    fn required_names_follow_the_direction() {
        let m = json!({
            "required": ["a"],
            REQUIRED_IN_REQUESTS: ["w"],
            REQUIRED_IN_RESPONSES: ["r"],
        });
        let m = m.as_object().unwrap();
        let names = |d| required_names(m, d).collect::<Vec<_>>();
        assert_eq!(names(Direction::Request), ["a", "w"]);
        assert_eq!(names(Direction::Response), ["a", "r"]);
    }
}
