//! `application/x-www-form-urlencoded` bodies, both ways: the runner encodes an object into
//! fields, the mock decodes fields back into the object the body's schema describes. One file,
//! so the two sides agree on arrays (repeated keys) and on the percent-encoding (the same set
//! as parameter values, `+` read as a space).

use serde_json::Value;

use super::encode::COMPONENT;
use crate::schema::{SchemaView, Schemas};

/// An object as `application/x-www-form-urlencoded`: arrays as repeated keys, nested objects
/// as JSON text.
pub fn encode(value: &Value) -> String {
    use percent_encoding::utf8_percent_encode;
    let enc = |s: &str| utf8_percent_encode(s, COMPONENT).to_string();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut pairs = Vec::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            match v {
                Value::Array(items) => {
                    pairs.extend(
                        items
                            .iter()
                            .map(|i| format!("{}={}", enc(k), enc(&text(i)))),
                    );
                }
                other => pairs.push(format!("{}={}", enc(k), enc(&text(other)))),
            }
        }
    }
    pairs.join("&")
}

/// An urlencoded form as the object its schema describes: each field typed by its property's
/// schema (seen through `$ref`s and `allOf`); repeated fields become arrays.
pub fn decode(schemas: &Schemas, schema: &Value, text: &str) -> Result<Value, String> {
    let root = SchemaView::of(schemas, schema);
    let mut object = serde_json::Map::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_form(k)?;
        let raw = decode_form(v)?;
        let property = root.property(&key).map(|s| schemas.resolve(s));
        let view = property.map(|p| SchemaView::of(schemas, p));
        let is_array = view.as_ref().is_some_and(|v| v.declares("array"));
        let item_schema = if is_array {
            view.and_then(|v| v.items).map(|s| schemas.resolve(s))
        } else {
            property
        };
        let value = match item_schema {
            Some(s) => super::coerce(schemas, s, &raw),
            None => Value::String(raw),
        };
        match object.get_mut(&key) {
            Some(Value::Array(items)) if is_array => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None if is_array => {
                object.insert(key, Value::Array(vec![value]));
            }
            None => {
                object.insert(key, value);
            }
        }
    }
    Ok(Value::Object(object))
}

fn decode_form(s: &str) -> Result<String, String> {
    super::percent_decode(s, true).map_err(|e| format!("the form body has {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_repeat_array_keys() {
        let v = serde_json::json!({"a b": "x&y", "n": [1, 2], "o": {"k": true}});
        assert_eq!(encode(&v), "a%20b=x%26y&n=1&n=2&o=%7B%22k%22%3Atrue%7D");
    }
}
