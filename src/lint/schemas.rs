//! `schema-unsatisfiable`: subschemas no value can satisfy (the mock can only answer `null` for
//! them, and every request fails them).
//!
//! Checked on the normalized entries, so 3.0's boolean exclusive bounds and 2.0's forms are
//! already plain 2020-12. A bound only constrains values of its type, so a contradiction is
//! reported only when the schema's `type` admits nothing else (`type: string` with
//! `minLength: 5, maxLength: 3`; not an untyped schema, which numbers would still satisfy).

use serde_json::{Map, Value};

use crate::schema::vocab::ALL_REQUIRED;
use crate::spec::{Location, SchemaId, Spec};

use super::Hit;

pub(super) fn check(spec: &Spec, out: &mut Vec<Hit>) {
    for i in 0..spec.schemas.len() {
        let id = SchemaId(i as u32);
        let at = spec.schema_location(id);
        walk(
            spec.schemas.get(id),
            String::new(),
            &mut |pointer, problem, keyword| {
                let schema_at = Location::new(at.file, format!("{}{pointer}", at.pointer));
                let keyword_at = schema_at.child(keyword);
                let place = if spec.raw(&keyword_at).is_some() {
                    keyword_at
                } else {
                    schema_at
                };
                out.push(Hit::new(
                    "schema-unsatisfiable",
                    place,
                    format!("no value satisfies this schema: {problem}"),
                ));
            },
        );
    }
}

fn walk(schema: &Value, pointer: String, report: &mut dyn FnMut(&str, String, &str)) {
    let Value::Object(o) = schema else { return };
    if let Some((problem, keyword)) = contradiction(o) {
        report(&pointer, problem, keyword);
    }
    crate::schema::walk::children(schema, |step, child| {
        walk(child, format!("{pointer}{step}"), report);
    });
}

/// Why no value of any type the schema admits can satisfy it, and the keyword to point at.
fn contradiction(o: &Map<String, Value>) -> Option<(String, &'static str)> {
    let types: Vec<&str> = match o.get("type")? {
        Value::String(t) => vec![t.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    if types.is_empty() {
        return None;
    }
    let mut reasons = Vec::new();
    for t in &types {
        let reason = match *t {
            "string" => bounds(o, "minLength", "maxLength", "strings"),
            "array" => bounds(o, "minItems", "maxItems", "arrays"),
            "number" | "integer" => numeric(o),
            "object" => bounds(o, "minProperties", "maxProperties", "objects")
                .or_else(|| closed_required(o)),
            _ => None,
        };
        reasons.push(reason?);
    }
    reasons.into_iter().next()
}

fn number(o: &Map<String, Value>, key: &str) -> Option<f64> {
    o.get(key).and_then(Value::as_f64)
}

fn bounds(
    o: &Map<String, Value>,
    min: &'static str,
    max: &'static str,
    what: &str,
) -> Option<(String, &'static str)> {
    let (lo, hi) = (number(o, min)?, number(o, max)?);
    (lo > hi).then(|| (format!("no {what} have {min} {lo} > {max} {hi}"), max))
}

fn numeric(o: &Map<String, Value>) -> Option<(String, &'static str)> {
    let lo = number(o, "minimum").map(|v| (v, false, "minimum"));
    let xlo = number(o, "exclusiveMinimum").map(|v| (v, true, "exclusiveMinimum"));
    let hi = number(o, "maximum").map(|v| (v, false, "maximum"));
    let xhi = number(o, "exclusiveMaximum").map(|v| (v, true, "exclusiveMaximum"));
    for (l, l_exclusive, l_name) in [lo, xlo].into_iter().flatten() {
        for (h, h_exclusive, h_name) in [hi, xhi].into_iter().flatten() {
            let empty = if l_exclusive || h_exclusive {
                l >= h
            } else {
                l > h
            };
            if empty {
                return Some((
                    format!("no number has {l_name} {l} and {h_name} {h}"),
                    h_name,
                ));
            }
        }
    }
    None
}

/// A required property that `additionalProperties: false` forbids (not among `properties`, no
/// `patternProperties`).
fn closed_required(o: &Map<String, Value>) -> Option<(String, &'static str)> {
    if o.get("additionalProperties") != Some(&Value::Bool(false))
        || o.contains_key("patternProperties")
    {
        return None;
    }
    let properties = o.get("properties").and_then(Value::as_object);
    for key in ALL_REQUIRED {
        let Some(Value::Array(names)) = o.get(key) else {
            continue;
        };
        for name in names.iter().filter_map(Value::as_str) {
            if !properties.is_some_and(|p| p.contains_key(name)) {
                return Some((
                    format!(
                        "property `{name}` is required, but `additionalProperties: false` and `properties` does not list it"
                    ),
                    "required",
                ));
            }
        }
    }
    None
}
