//! `multipart/form-data` bodies, the runner's direction only: the mock does not validate
//! multipart bodies (their schema describes parts, which JSON Schema cannot check here), so
//! there is no decoder to keep in step.

use serde_json::Value;

/// The boundary of multipart bodies: fixed, so that requests replay byte for byte, and long
/// and odd enough not to occur in generated text.
pub const BOUNDARY: &str = "stipula-7d3c2a91e5b84f06-boundary";

/// An object as `multipart/form-data`: one part per property (arrays: one part per item);
/// strings as they are, other values as JSON text.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    let mut part = |name: &str, v: &Value| {
        let (text, media) = match v {
            Value::String(s) => (s.clone(), "text/plain; charset=utf-8"),
            other => (other.to_string(), "application/json"),
        };
        let name = name.replace('"', "%22").replace(['\r', '\n'], " ");
        out.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\nContent-Type: {media}\r\n\r\n{text}\r\n"
        ));
    };
    if let Value::Object(map) = value {
        for (k, v) in map {
            match v {
                Value::Array(items) => items.iter().for_each(|i| part(k, i)),
                other => part(k, other),
            }
        }
    }
    out.push_str(&format!("--{BOUNDARY}--\r\n"));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_have_one_part_per_property() {
        let body = String::from_utf8(encode(&serde_json::json!({"a": "x", "n": [1, 2]}))).unwrap();
        assert_eq!(
            body.matches("Content-Disposition: form-data; name=\"n\"")
                .count(),
            2
        );
        assert!(
            body.contains("name=\"a\"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx\r\n")
        );
        assert!(body.ends_with(&format!("--{BOUNDARY}--\r\n")));
    }
}
