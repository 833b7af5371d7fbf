//! Merging `allOf` (and `anyOf`/`oneOf` branches with their siblings) into one schema object.
//!
//! A merge that cannot be exact gives up (`None`) and the compiler falls back to a filter.

use super::*;

/// Keywords that never constrain a value.
pub(super) const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "discriminator",
    "xml",
    "externalDocs",
    "$defs",
    "definitions",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "$anchor",
    "$dynamicAnchor",
];

pub(super) fn is_annotation(key: &str) -> bool {
    ANNOTATIONS.contains(&key) || (key.starts_with("x-") && !key.starts_with("x-stipula-required"))
}

pub(super) fn has_validation(m: &Map<String, Value>) -> bool {
    m.keys().any(|k| !is_annotation(k))
}

/// `{"$ref": "#/$defs/N"}` with nothing else that constrains: N.
pub(super) fn sole_ref(m: &Map<String, Value>) -> Option<u32> {
    let id = vocab::parse_def_ref(m.get("$ref")?.as_str()?)?.0;
    m.keys()
        .all(|k| k == "$ref" || is_annotation(k))
        .then_some(id)
}

/// `{"allOf": [one]}` with nothing else that constrains: one.
pub(super) fn sole_all_of(m: &Map<String, Value>) -> Option<&Value> {
    match m.get("allOf") {
        Some(Value::Array(all)) if all.len() == 1 => m
            .keys()
            .all(|k| k == "allOf" || is_annotation(k))
            .then(|| &all[0]),
        _ => None,
    }
}

pub(super) fn ref_target<'s>(schemas: &'s Schemas, m: &Map<String, Value>) -> Option<&'s Value> {
    let id = vocab::parse_def_ref(m.get("$ref")?.as_str()?)?;
    ((id.0 as usize) < schemas.len()).then(|| schemas.get(id))
}

/// Merges `other` into `out` (both without `$ref`/`allOf`); false when a constraint was lost.
pub(super) fn merge_into(out: &mut Map<String, Value>, other: Map<String, Value>) -> bool {
    let mut exact = true;
    // additionalProperties judges keys by its own schema's properties: merging moves them.
    let names_of = |m: &Map<String, Value>| -> Vec<String> {
        ["properties", "patternProperties"]
            .iter()
            .filter_map(|k| m.get(*k).and_then(Value::as_object))
            .flat_map(|o| o.keys().cloned())
            .collect()
    };
    let open = |m: &Map<String, Value>| {
        matches!(
            m.get("additionalProperties"),
            None | Some(Value::Bool(true))
        ) && !m.contains_key("unevaluatedProperties")
    };
    let (a, b) = (names_of(out), names_of(&other));
    let subset = |x: &[String], y: &[String]| x.iter().all(|n| y.contains(n));
    if (!open(out) && !subset(&b, &a)) || (!open(&other) && !subset(&a, &b)) {
        exact = false;
    }
    for (k, v) in other {
        let Some(cur) = out.get_mut(&k) else {
            out.insert(k, v);
            continue;
        };
        if *cur == v || is_annotation(&k) {
            continue;
        }
        match k.as_str() {
            "type" => {
                let both = intersect_types(cur, &v);
                if both.is_empty() {
                    exact = false;
                } else {
                    *cur = json!(both);
                }
            }
            "enum" => {
                let (Value::Array(a), Value::Array(b)) = (&*cur, &v) else {
                    exact = false;
                    continue;
                };
                let both: Vec<Value> = a.iter().filter(|x| b.contains(x)).cloned().collect();
                if both.is_empty() {
                    exact = false;
                } else {
                    *cur = Value::Array(both);
                }
            }
            "properties" | "patternProperties" | "dependentSchemas" => {
                let (Value::Object(a), Value::Object(b)) = (cur, v) else {
                    exact = false;
                    continue;
                };
                for (name, sub) in b {
                    match a.get_mut(&name) {
                        Some(existing) if *existing != sub => {
                            *existing = json!({ "allOf": [existing.clone(), sub] });
                        }
                        Some(_) => {}
                        None => {
                            a.insert(name, sub);
                        }
                    }
                }
            }
            "required" | REQUIRED_IN_REQUESTS | REQUIRED_IN_RESPONSES => {
                if let (Value::Array(a), Value::Array(b)) = (cur, v) {
                    for n in b {
                        if !a.contains(&n) {
                            a.push(n);
                        }
                    }
                }
            }
            "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties"
            | "minContains" => {
                if v.as_f64() > cur.as_f64() {
                    *cur = v;
                }
            }
            "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties"
            | "maxContains" => {
                if v.as_f64() < cur.as_f64() {
                    *cur = v;
                }
            }
            "uniqueItems" => {
                if v == Value::Bool(true) {
                    *cur = v;
                }
            }
            "items"
            | "additionalProperties"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties" => {
                *cur = json!({ "allOf": [cur.clone(), v] });
            }
            "not" => {
                // not A and not B = not (A or B)
                *cur = json!({ "anyOf": [cur.clone(), v] });
            }
            "multipleOf" => {
                let (a, b) = (cur.as_f64().unwrap_or(1.0), v.as_f64().unwrap_or(1.0));
                let (big, small) = if a >= b { (a, b) } else { (b, a) };
                if small > 0.0 && (big / small).fract() == 0.0 {
                    *cur = json!(big);
                } else {
                    exact = false;
                }
            }
            _ => exact = false,
        }
    }
    exact
}

pub(super) fn type_list(v: &Value) -> Vec<&str> {
    match v {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn intersect_types(a: &Value, b: &Value) -> Vec<String> {
    let (a, b) = (type_list(a), type_list(b));
    let mut out = Vec::new();
    for t in &a {
        let keep = if b.contains(t) {
            Some(*t)
        } else if *t == "integer" && b.contains(&"number")
            || *t == "number" && b.contains(&"integer")
        {
            Some("integer")
        } else {
            None
        };
        if let Some(k) = keep
            && !out.iter().any(|o: &String| o == k)
        {
            out.push(k.to_string());
        }
    }
    out
}

/// `not: {type: ...}` removes types from `rest`; true when that was all `not` said.
pub(super) fn subtract_types(rest: &mut Map<String, Value>, not: &Map<String, Value>) -> bool {
    let Some(excluded) = not.get("type") else {
        return false;
    };
    let only_type = not.keys().all(|k| k == "type" || is_annotation(k));
    if !only_type || rest.contains_key("enum") || rest.contains_key("const") {
        return false;
    }
    let excluded: Vec<&str> = type_list(excluded);
    let current: Vec<String> = match rest.get("type") {
        Some(t) => type_list(t).into_iter().map(str::to_string).collect(),
        None => ALL_TYPES.iter().map(|t| t.to_string()).collect(),
    };
    let left: Vec<&String> = current
        .iter()
        .filter(|t| !excluded.contains(&t.as_str()))
        .collect();
    // `integer` values are numbers: excluding `number` excludes them too; excluding `integer`
    // from `number` leaves fractions, which the generator can't promise.
    if current.iter().any(|t| t == "number") && excluded.contains(&"integer") {
        return false;
    }
    let left: Vec<&String> = left
        .into_iter()
        .filter(|t| !(t.as_str() == "integer" && excluded.contains(&"number")))
        .collect();
    rest.insert("type".into(), json!(left));
    true
}

pub(super) const ALL_TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// Types a schema without `type` constrains, from its keywords; empty when none.
pub(super) fn inferred_types(m: &Map<String, Value>) -> Vec<&'static str> {
    let any = |keys: &[&str]| keys.iter().any(|k| m.contains_key(*k));
    let mut out = Vec::new();
    if any(&[
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
        "propertyNames",
        REQUIRED_IN_REQUESTS,
        REQUIRED_IN_RESPONSES,
    ]) {
        out.push("object");
    }
    if any(&[
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
    ]) {
        out.push("array");
    }
    if any(&["minLength", "maxLength", "pattern"])
        || m.get("format")
            .and_then(Value::as_str)
            .is_some_and(|f| STRING_FORMATS.contains(&f))
    {
        out.push("string");
    }
    if any(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        out.push("number");
    }
    out
}

/// Object or array keywords beyond what [`quick_ok`] checks.
pub(super) fn deep_keywords(m: &Map<String, Value>) -> bool {
    [
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "items",
        "prefixItems",
        "contains",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "minItems",
        "maxItems",
        "uniqueItems",
        "multipleOf",
        REQUIRED_IN_REQUESTS,
        REQUIRED_IN_RESPONSES,
    ]
    .iter()
    .any(|k| m.contains_key(*k))
}

/// Cheap checks of a candidate `enum`/`const` value: type, numeric bounds, string length.
pub(super) fn quick_ok(m: &Map<String, Value>, v: &Value) -> bool {
    if let Some(t) = m.get("type")
        && !type_list(t).iter().any(|t| type_matches(t, v))
    {
        return false;
    }
    if let Some(x) = v.as_f64() {
        let bound = |k: &str, ok: fn(f64, f64) -> bool| f64_kw(m, k).is_none_or(|b| ok(x, b));
        if !(bound("minimum", |x, b| x >= b)
            && bound("maximum", |x, b| x <= b)
            && bound("exclusiveMinimum", |x, b| x > b)
            && bound("exclusiveMaximum", |x, b| x < b))
        {
            return false;
        }
    }
    if let Some(s) = v.as_str() {
        let n = s.chars().count();
        if usize_kw(m, "minLength").is_some_and(|lo| n < lo)
            || usize_kw(m, "maxLength").is_some_and(|hi| n > hi)
        {
            return false;
        }
    }
    m.get("const").is_none_or(|c| c == v)
}

pub(super) fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

/// `{type: null}` (or `{const: null}`, `{enum: [null]}`), through a `$ref`.
pub(super) fn is_null_only(schemas: &Schemas, v: &Value) -> bool {
    let v = schemas.resolve(v);
    v.get("type") == Some(&json!("null"))
        || v.get("const") == Some(&Value::Null)
        || v.get("enum") == Some(&json!([null]))
}

/// Whether the direction leaves this property out: `readOnly` in requests, `writeOnly` in
/// responses (read on the property and on its `$ref` target).
pub(super) fn skip_for_direction(schemas: &Schemas, direction: Direction, sub: &Value) -> bool {
    let flag = |v: &Value, k: &str| v.get(k) == Some(&Value::Bool(true));
    let target = schemas.resolve(sub);
    let read_only = flag(sub, "readOnly") || flag(target, "readOnly");
    let write_only = flag(sub, "writeOnly") || flag(target, "writeOnly");
    match direction {
        Direction::Request => read_only && !write_only,
        Direction::Response => write_only && !read_only,
    }
}

pub(super) fn usize_kw(m: &Map<String, Value>, k: &str) -> Option<usize> {
    let v = m.get(k)?;
    v.as_u64()
        .map(|n| n.min(usize::MAX as u64) as usize)
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f.ceil() as usize))
}

pub(super) fn f64_kw(m: &Map<String, Value>, k: &str) -> Option<f64> {
    m.get(k)?.as_f64()
}

/// Entry ids named by `$ref`s anywhere in `v`.
pub(super) fn collect_refs(v: &Value, out: &mut Vec<u32>) {
    match v {
        Value::Object(m) => {
            if let Some(id) = m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(vocab::parse_def_ref)
            {
                out.push(id.0);
            }
            m.values().for_each(|c| collect_refs(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}
