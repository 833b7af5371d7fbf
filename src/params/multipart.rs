//! `multipart/form-data` bodies (RFC 7578), both ways: the runner encodes an object into one
//! part per property ([`encode_with`], labelled as the `encoding` says); the mock splits a body into its parts ([`decode_parts`]) and
//! types them by the body's schema into the object it describes ([`decode_object`]), so that
//! the validator that judges JSON bodies judges the parts too (required parts, types, formats
//! such as `byte`). Per-part `encoding` content types are checked by the mock
//! (`mock/request.rs`), which knows the media type's encoding map.

use serde_json::Value;

use crate::media::is_json;
use crate::schema::{SchemaView, Schemas};

/// The boundary of multipart bodies: fixed, so that requests replay byte for byte, and long
/// and odd enough not to occur in generated text.
pub const BOUNDARY: &str = "stipula-7d3c2a91e5b84f06-boundary";

/// An object as `multipart/form-data`: one part per property (arrays: one part per item);
/// strings as they are, other values as JSON text.
pub fn encode(value: &Value) -> Vec<u8> {
    encode_with(value, &[])
}

/// [`encode`], labelling each part as the media type's `encoding` says (its first content
/// type; a wildcard made concrete), so that a server checking the encoding accepts it. A JSON
/// content type carries the value as JSON text.
pub fn encode_with(value: &Value, encoding: &[crate::spec::Encoding]) -> Vec<u8> {
    let mut out = String::new();
    let mut part = |name: &str, v: &Value| {
        let declared = encoding
            .iter()
            .find(|e| e.property == name)
            .and_then(|e| e.content_type.as_deref())
            .and_then(|list| list.split(',').map(str::trim).find(|t| !t.is_empty()))
            .map(concrete);
        let media = declared.unwrap_or_else(|| {
            match v {
                Value::String(_) => "text/plain; charset=utf-8",
                _ => "application/json",
            }
            .to_string()
        });
        let text = match v {
            Value::String(s) if !is_json(&media) => s.clone(),
            other => other.to_string(),
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

/// A media range as a type to label a part with: `image/*` → `image/octet-stream`,
/// `*/*` → `application/octet-stream`.
fn concrete(range: &str) -> String {
    match range.split_once('/') {
        Some(("*", _)) => "application/octet-stream".into(),
        Some((kind, "*")) => format!("{kind}/octet-stream"),
        _ => range.to_string(),
    }
}

/// One part of a `multipart/form-data` body (RFC 7578), borrowed from the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Part<'b> {
    /// The `name` of its `Content-Disposition: form-data`.
    pub name: String,
    pub filename: Option<String>,
    /// Its `Content-Type`, when it has one (RFC 7578 §4.4: `text/plain` otherwise).
    pub content_type: Option<String>,
    pub body: &'b [u8],
}

/// The `boundary` parameter of a multipart Content-Type, unquoted.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        // RFC 2046 §5.1.1: 1 to 70 characters.
        (!v.is_empty() && v.len() <= 70).then(|| v.to_string())
    })
}

/// Splits a `multipart/form-data` body into its parts. `Err` says what is malformed: no
/// opening delimiter, no closing one, a part without headers or without a
/// `Content-Disposition: form-data; name=...`.
pub fn decode_parts<'b>(body: &'b [u8], boundary: &str) -> Result<Vec<Part<'b>>, String> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // The first delimiter may open the body or follow a preamble and CRLF.
    let start = if body.starts_with(delimiter) {
        0
    } else {
        find(body, &[b"\r\n", delimiter].concat())
            .map(|i| i + 2)
            .ok_or_else(|| {
                format!("the multipart body has no `--{boundary}` delimiter (the boundary of its Content-Type)")
            })?
    };
    let mut rest = &body[start + delimiter.len()..];
    let next = [b"\r\n", delimiter].concat();
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding, then the CRLF that ends the delimiter line.
        let line_end = find(rest, b"\r\n").ok_or("a multipart delimiter line does not end")?;
        if rest[..line_end].iter().any(|b| !matches!(b, b' ' | b'\t')) {
            return Err("text after a multipart delimiter on its line".into());
        }
        rest = &rest[line_end + 2..];
        let end = find(rest, &next)
            .ok_or_else(|| format!("the multipart body does not end with `--{boundary}--`"))?;
        parts.push(part(&rest[..end])?);
        rest = &rest[end + next.len()..];
    }
}

/// One part: headers, an empty line, the content.
fn part(raw: &[u8]) -> Result<Part<'_>, String> {
    let (head, body) = if raw.starts_with(b"\r\n") {
        (&raw[..0], &raw[2..])
    } else {
        let split =
            find(raw, b"\r\n\r\n").ok_or("a multipart part has no empty line after its headers")?;
        (&raw[..split], &raw[split + 4..])
    };
    let head = std::str::from_utf8(head).map_err(|_| "a multipart part's headers are not UTF-8")?;
    let (mut disposition, mut content_type) = (None, None);
    for line in head.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("a multipart part header without a colon: `{line}`"));
        };
        if name.trim().eq_ignore_ascii_case("content-disposition") {
            disposition = Some(value.trim());
        } else if name.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_string());
        }
    }
    let disposition = disposition.ok_or("a multipart part has no Content-Disposition header")?;
    let mut params = disposition.split(';');
    if !params
        .next()
        .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("form-data"))
    {
        return Err(format!(
            "a multipart part's Content-Disposition is `{disposition}`, not `form-data`"
        ));
    }
    let (mut name, mut filename) = (None, None);
    for p in params {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v)
            .to_string();
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v),
            "filename" => filename = Some(v),
            _ => {}
        }
    }
    let name = name.ok_or_else(|| {
        format!("a multipart part's Content-Disposition has no name: `{disposition}`")
    })?;
    Ok(Part {
        name,
        filename,
        content_type,
        body,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// The parts as the object the body's schema describes: each part typed by its property's
/// schema (as a form field is), a JSON part (by its Content-Type, or an object property without
/// one, as OpenAPI's encoding defaults say) parsed, a binary property (`format: binary`,
/// `contentMediaType`, 2.0's `file`) kept as lossy text; repeated names become arrays. `Err`
/// is a part that cannot be read: JSON that does not parse, or bytes that are not UTF-8 where
/// the schema wants text.
pub fn decode_object(
    schemas: &Schemas,
    schema: &Value,
    parts: &[Part<'_>],
) -> Result<Value, String> {
    let root = SchemaView::of(schemas, schema);
    let mut object = serde_json::Map::new();
    for part in parts {
        let property = root.property(&part.name).map(|s| schemas.resolve(s));
        let view = property.map(|p| SchemaView::of(schemas, p));
        let is_array = view.as_ref().is_some_and(|v| v.declares("array"));
        let item = if is_array {
            view.and_then(|v| v.items).map(|s| schemas.resolve(s))
        } else {
            property
        };
        let declared_json = part.content_type.as_deref().is_some_and(is_json);
        let wants_object = item.is_some_and(|s| {
            let v = SchemaView::of(schemas, s);
            v.declares("object") || v.declares("array")
        });
        let value = if declared_json || (part.content_type.is_none() && wants_object) {
            let parsed = std::str::from_utf8(part.body)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(t).ok());
            match parsed {
                Some(v) => v,
                None if declared_json => {
                    return Err(format!("part `{}` is not valid JSON", part.name));
                }
                None => Value::String(String::from_utf8_lossy(part.body).into_owned()),
            }
        } else if item.is_some_and(|s| is_binary(schemas, s)) {
            Value::String(String::from_utf8_lossy(part.body).into_owned())
        } else {
            let text = std::str::from_utf8(part.body).map_err(|_| {
                format!(
                    "part `{}` is not UTF-8 text (binary content needs `format: binary` in its schema)",
                    part.name
                )
            })?;
            match item {
                Some(s) => super::coerce(schemas, s, text),
                None => Value::String(text.to_string()),
            }
        };
        match object.get_mut(&part.name) {
            Some(Value::Array(items)) if is_array => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None if is_array => {
                object.insert(part.name.clone(), Value::Array(vec![value]));
            }
            None => {
                object.insert(part.name.clone(), value);
            }
        }
    }
    Ok(Value::Object(object))
}

/// A schema for bytes rather than text: `format: binary`, `contentMediaType` or
/// `contentEncoding`, or no constraint at all (2.0's `type: file`).
fn is_binary(schemas: &Schemas, schema: &Value) -> bool {
    SchemaView::of(schemas, schema).format == Some("binary")
        || schema.get("contentMediaType").is_some()
        || schema.get("contentEncoding").is_some()
        || schema.as_object().is_some_and(|o| o.is_empty())
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

    #[test]
    fn boundaries_are_read_quoted_or_not() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("multipart/form-data;charset=x; Boundary=\"a b:c\"").as_deref(),
            Some("a b:c")
        );
        assert_eq!(boundary("multipart/form-data"), None);
        assert_eq!(boundary("multipart/form-data; boundary=\"\""), None);
    }

    #[test]
    fn parts_are_split_after_a_preamble_and_before_an_epilogue() {
        let body = b"preamble\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n\
--b  \r\ncontent-disposition: Form-Data; name=f; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\xff\r\n--b\r\n\r\n";
        // A part must have a Content-Disposition.
        assert!(
            decode_parts(body, "b")
                .unwrap_err()
                .contains("does not end")
        );
        let body = [&body[..body.len() - 4], b"--b--\r\nepilogue"].concat();
        let parts = decode_parts(&body, "b").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].body), ("a", &b"one"[..]));
        assert_eq!(parts[1].filename.as_deref(), Some("x.bin"));
        assert_eq!(
            parts[1].content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(parts[1].body, b"\xff");
    }

    #[test]
    fn malformed_parts_say_what_is_wrong() {
        for (body, says) in [
            (
                &b"--b\r\nX: y\r\n\r\nv\r\n--b--"[..],
                "no Content-Disposition",
            ),
            (
                b"--b\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--b--",
                "not `form-data`",
            ),
            (
                b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--",
                "has no name",
            ),
            (b"--b\r\nnonsense\r\n\r\nv\r\n--b--", "without a colon"),
            (b"--b junk\r\n", "text after"),
            (b"nothing here", "no `--b` delimiter"),
        ] {
            let e = decode_parts(body, "b").unwrap_err();
            assert!(e.contains(says), "{says}: {e}");
        }
    }

    #[test]
    fn decoding_what_the_runner_encodes_gives_the_object_back() {
        let value = serde_json::json!({"a": "x y", "n": [1, 2], "o": {"k": true}});
        let body = encode(&value);
        let parts = decode_parts(&body, BOUNDARY).unwrap();
        assert_eq!(parts.len(), 4);
        let spec = crate::spec::Spec::from_str(
            "t.yaml",
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
            crate::spec::LoadOptions::default(),
        )
        .unwrap();
        let object = decode_object(&spec.schemas, &serde_json::json!({}), &parts).unwrap();
        assert_eq!(object, value);
    }

    #[test]
    fn parts_are_labelled_as_their_encoding_says() {
        let encoding = |property: &str, content_type: &str| crate::spec::Encoding {
            property: property.into(),
            content_type: Some(content_type.into()),
            style: None,
            explode: None,
            allow_reserved: false,
            headers: Vec::new(),
        };
        let value = serde_json::json!({"file": "bytes", "meta": "m", "doc": {"a": 1}});
        let body = encode_with(
            &value,
            &[
                encoding("file", "image/*, image/png"),
                encoding("meta", "application/json"),
            ],
        );
        let parts = decode_parts(&body, BOUNDARY).unwrap();
        let types: Vec<_> = parts.iter().map(|p| p.content_type.as_deref()).collect();
        assert_eq!(
            types,
            [
                Some("image/octet-stream"),
                Some("application/json"),
                Some("application/json")
            ]
        );
        assert_eq!(parts[1].body, br#""m""#);
    }
}
