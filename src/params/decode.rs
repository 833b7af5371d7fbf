//! Decoding: what a client sent in a path segment, query, header or cookie, still
//! percent-encoded, into the JSON value the validator judges (the mock's direction). The
//! choices where the styles are ambiguous are listed in `params/mod.rs`.

use std::fmt;

use serde_json::{Map, Value};

use super::{
    ANY, DecodeError, Shape, coerce, item_schema, property_names, property_schema, shape_of,
};
use crate::schema::Schemas;
use crate::spec::{Parameter, Style};

/// Decodes a `content` parameter's text (already percent-decoded) by its media type: JSON media
/// types (`application/json`, `application/*+json`, parameters ignored) are parsed as JSON and
/// fail when the text is not JSON; any other media type keeps the text as a string.
pub fn decode_content(raw: &str, media_type: &str) -> Result<Value, DecodeError> {
    if !crate::media::is_json(media_type) {
        return Ok(Value::String(raw.to_string()));
    }
    serde_json::from_str(raw).map_err(|e| DecodeError {
        message: format!("not valid JSON for `{media_type}`: {e}"),
    })
}

/// Strict percent-decoding: `%` must start two hex digits, and the bytes must be UTF-8.
/// `plus_as_space` for application/x-www-form-urlencoded text (query strings, form bodies).
pub fn percent_decode(raw: &str, plus_as_space: bool) -> Result<String, &'static str> {
    if !(raw.contains('%') || plus_as_space && raw.contains('+')) {
        return Ok(raw.to_string());
    }
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let high = bytes.get(i + 1).copied().and_then(hex);
                let low = bytes.get(i + 2).copied().and_then(hex);
                let (Some(h), Some(l)) = (high, low) else {
                    return Err("malformed percent-encoding");
                };
                out.push(h << 4 | l);
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "invalid UTF-8 after percent-decoding")
}

/// One parameter being decoded: its schema and the shape that schema wants.
struct Decoder<'a> {
    param: &'a Parameter,
    schemas: &'a Schemas,
    schema: &'a Value,
    shape: Shape,
}

impl<'a> Decoder<'a> {
    fn new(param: &'a Parameter, schemas: &'a Schemas) -> Self {
        let schema = match param.schema {
            Some(id) => schemas.resolve(schemas.get(id)),
            None => &ANY,
        };
        Decoder {
            param,
            schemas,
            schema,
            shape: shape_of(schemas, schema),
        }
    }

    fn err(&self, message: impl fmt::Display) -> DecodeError {
        DecodeError {
            message: format!(
                "{} parameter `{}`: {message}",
                self.param.location.as_str(),
                self.param.name
            ),
        }
    }

    fn decode(&self, raw: &str, plus_as_space: bool) -> Result<String, DecodeError> {
        percent_decode(raw, plus_as_space).map_err(|m| self.err(m))
    }

    /// Decodes `text` (already percent-decoded) with the `content` media type, if there is one.
    fn content(&self, text: &str) -> Option<Result<Value, DecodeError>> {
        let media = self.param.content.first()?;
        Some(decode_content(text, &media.media_type).map_err(|e| self.err(e.message)))
    }

    fn primitive(&self, text: &str) -> Value {
        coerce(self.schemas, self.schema, text)
    }

    /// The empty value of the shape (`;color`, `.`, `color=`).
    fn empty(&self) -> Value {
        match self.shape {
            Shape::Primitive => self.primitive(""),
            Shape::Array => Value::Array(Vec::new()),
            Shape::Object => Value::Object(Map::new()),
        }
    }

    fn array(&self, items: Vec<String>) -> Value {
        if items.len() == 1 && items[0].is_empty() {
            return Value::Array(Vec::new());
        }
        let items = items
            .iter()
            .enumerate()
            .map(|(i, s)| coerce(self.schemas, item_schema(self.schemas, self.schema, i), s))
            .collect();
        Value::Array(items)
    }

    fn object(&self, pairs: impl IntoIterator<Item = (String, String)>) -> Value {
        let mut out = Map::new();
        for (k, v) in pairs {
            if !out.contains_key(&k) {
                let value = coerce(
                    self.schemas,
                    property_schema(self.schemas, self.schema, &k),
                    &v,
                );
                out.insert(k, value);
            }
        }
        Value::Object(out)
    }

    /// `R,100,G,200` split into items: alternating keys and values.
    fn flat_object(&self, items: Vec<String>) -> Result<Value, DecodeError> {
        if items.len() == 1 && items[0].is_empty() {
            return Ok(Value::Object(Map::new()));
        }
        if !items.len().is_multiple_of(2) {
            return Err(self.err(format!(
                "expected alternating keys and values (`R,100,G,200`), got {} items",
                items.len()
            )));
        }
        let mut it = items.into_iter();
        let mut pairs = Vec::new();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            pairs.push((k, v));
        }
        Ok(self.object(pairs))
    }

    /// `k=v` items of an exploded object.
    fn exploded_object<'t>(
        &self,
        items: impl IntoIterator<Item = &'t str>,
    ) -> Result<Value, DecodeError> {
        let mut pairs = Vec::new();
        for item in items {
            let Some((k, v)) = item.split_once('=') else {
                return Err(self.err(format!(
                    "expected `key=value` items for an exploded object, got `{item}`"
                )));
            };
            pairs.push((k.to_string(), v.to_string()));
        }
        Ok(self.object(pairs))
    }

    /// Simple style over decoded text (paths after percent-decoding; headers as sent, with
    /// whitespace around items dropped).
    fn simple(&self, text: &str, trim: bool) -> Result<Value, DecodeError> {
        let item = |s: &str| {
            if trim {
                s.trim_matches([' ', '\t']).to_string()
            } else {
                s.to_string()
            }
        };
        match self.shape {
            Shape::Primitive => Ok(self.primitive(text)),
            Shape::Array => Ok(self.array(text.split(',').map(item).collect())),
            Shape::Object if text.is_empty() => Ok(Value::Object(Map::new())),
            Shape::Object if self.param.explode => {
                let items: Vec<String> = text.split(',').map(item).collect();
                self.exploded_object(items.iter().map(String::as_str))
            }
            Shape::Object => self.flat_object(text.split(',').map(item).collect()),
        }
    }

    fn label(&self, raw: &str) -> Result<Value, DecodeError> {
        let Some(body) = raw.strip_prefix('.') else {
            if raw.is_empty() {
                return Ok(self.empty());
            }
            return Err(self.err("expected the `.` prefix of label style"));
        };
        if body.is_empty() {
            return Ok(self.empty());
        }
        match (self.shape, self.param.explode) {
            (Shape::Primitive, _) => Ok(self.primitive(&self.decode(body, false)?)),
            (Shape::Array, true) => {
                let items = body
                    .split('.')
                    .map(|s| self.decode(s, false))
                    .collect::<Result<_, _>>()?;
                Ok(self.array(items))
            }
            (Shape::Object, true) => {
                let items: Vec<String> = body
                    .split('.')
                    .map(|s| self.decode(s, false))
                    .collect::<Result<_, _>>()?;
                self.exploded_object(items.iter().map(String::as_str))
            }
            (_, false) => self.simple(&self.decode(body, false)?, false),
        }
    }

    fn matrix(&self, raw: &str) -> Result<Value, DecodeError> {
        if raw.is_empty() {
            return Ok(self.empty());
        }
        let name = &self.param.name;
        let Some(body) = raw.strip_prefix(';') else {
            return Err(self.err(format!("expected the `;{name}=` prefix of matrix style")));
        };
        let mut segments = Vec::new();
        for segment in body.split(';') {
            let text = self.decode(segment, false)?;
            segments.push(match text.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (text, String::new()),
            });
        }
        if self.shape == Shape::Object && self.param.explode {
            return Ok(self.object(segments));
        }
        if let Some((k, _)) = segments.iter().find(|(k, _)| k != name) {
            return Err(self.err(format!("expected `;{name}=` in matrix style, found `;{k}`")));
        }
        let values: Vec<String> = segments.into_iter().map(|(_, v)| v).collect();
        match self.shape {
            Shape::Array if self.param.explode => Ok(self.array(values)),
            Shape::Array => Ok(self.array(
                values
                    .iter()
                    .flat_map(|v| v.split(','))
                    .map(str::to_string)
                    .collect(),
            )),
            _ if values.len() != 1 => Err(self.err(format!(
                "expected a single `;{name}=value` in matrix style, got {}",
                values.len()
            ))),
            _ => self.simple(&values[0], false),
        }
    }

    /// Form style (and the delimited styles) over name/value pairs: the query's, or a cookie's.
    /// `plus_as_space` for queries (application/x-www-form-urlencoded); `unquote` for cookies.
    fn form(
        &self,
        pairs: &[(&str, &str)],
        style: Style,
        plus_as_space: bool,
        unquote: bool,
    ) -> Result<Option<Value>, DecodeError> {
        let name = &self.param.name;
        let value_of = |raw: &str| {
            let raw = if unquote && raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
                &raw[1..raw.len() - 1]
            } else {
                raw
            };
            self.decode(raw, plus_as_space)
        };
        let decoded_names: Vec<Option<String>> = pairs
            .iter()
            .map(|(n, _)| percent_decode(n, plus_as_space).ok())
            .collect();
        let values: Vec<&str> = pairs
            .iter()
            .zip(&decoded_names)
            .filter(|(_, n)| n.as_deref() == Some(name.as_str()))
            .map(|((_, v), _)| *v)
            .collect();
        if !self.param.content.is_empty() {
            return match values.first() {
                Some(raw) => self.content(&value_of(raw)?).transpose(),
                None => Ok(None),
            };
        }
        if style == Style::DeepObject && self.shape == Shape::Object {
            return self.deep_object(pairs, &decoded_names, plus_as_space);
        }
        if self.shape == Shape::Object && self.param.explode {
            let mut properties = Vec::new();
            property_names(self.schemas, self.schema, 0, &mut properties);
            let mut found = Vec::new();
            for ((_, v), n) in pairs.iter().zip(&decoded_names) {
                if let Some(n) = n
                    && properties.contains(n)
                {
                    found.push((n.clone(), value_of(v)?));
                }
            }
            return Ok((!found.is_empty()).then(|| self.object(found)));
        }
        let Some(first) = values.first() else {
            return Ok(None);
        };
        let delimiter = match style {
            Style::SpaceDelimited => ' ',
            Style::PipeDelimited => '|',
            Style::TabDelimited => '\t',
            _ => ',',
        };
        let value = match self.shape {
            Shape::Primitive => self.primitive(&value_of(first)?),
            Shape::Array => {
                let mut items = Vec::new();
                for v in &values {
                    let text = value_of(v)?;
                    if self.param.explode {
                        items.push(text);
                    } else {
                        items.extend(text.split(delimiter).map(str::to_string));
                    }
                }
                self.array(items)
            }
            Shape::Object => {
                let text = value_of(first)?;
                self.flat_object(text.split(delimiter).map(str::to_string).collect())?
            }
        };
        Ok(Some(value))
    }

    fn deep_object(
        &self,
        pairs: &[(&str, &str)],
        decoded_names: &[Option<String>],
        plus_as_space: bool,
    ) -> Result<Option<Value>, DecodeError> {
        let name = &self.param.name;
        let malformed = |got: &str| {
            self.err(format!(
                "deepObject needs `{name}[key]=value` pairs, got `{got}`"
            ))
        };
        let mut out = Map::new();
        let mut found = false;
        for ((_, raw), decoded) in pairs.iter().zip(decoded_names) {
            let Some(n) = decoded else { continue };
            if n == name {
                return Err(malformed(n));
            }
            let Some(rest) = n.strip_prefix(name.as_str()).filter(|r| r.starts_with('[')) else {
                continue;
            };
            let keys = brackets(rest).ok_or_else(|| malformed(n))?;
            if keys.len() > MAX_DEEP_OBJECT_DEPTH {
                return Err(DecodeError {
                    message: format!(
                        "query parameter `{name}`: deepObject nests deeper than {MAX_DEEP_OBJECT_DEPTH} levels"
                    ),
                });
            }
            found = true;
            let text = self.decode(raw, plus_as_space)?;
            self.insert_deep(&mut out, self.schema, &keys, text, n)?;
        }
        Ok(found.then_some(Value::Object(out)))
    }

    /// Puts one `name[k1][k2]=text` into `map` (at `k1`), typed by the schema of each level.
    fn insert_deep(
        &self,
        map: &mut Map<String, Value>,
        schema: &Value,
        keys: &[&str],
        text: String,
        whole: &str,
    ) -> Result<(), DecodeError> {
        let Some((key, rest)) = keys.split_first() else {
            return Ok(());
        };
        let property = property_schema(self.schemas, schema, key);
        let conflict = || self.err(format!("`{whole}` conflicts with another deepObject key"));
        let append =
            rest == [""] || (rest.is_empty() && shape_of(self.schemas, property) == Shape::Array);
        if append {
            let slot = map
                .entry(key.to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(items) = slot else {
                return Err(conflict());
            };
            let item = coerce(
                self.schemas,
                item_schema(self.schemas, property, items.len()),
                &text,
            );
            items.push(item);
        } else if rest.is_empty() {
            match map.get_mut(*key) {
                None => {
                    map.insert(key.to_string(), coerce(self.schemas, property, &text));
                }
                Some(Value::Array(items)) => {
                    let item = coerce(
                        self.schemas,
                        item_schema(self.schemas, property, items.len()),
                        &text,
                    );
                    items.push(item);
                }
                Some(Value::Object(_)) => return Err(conflict()),
                Some(_) => {} // a repeated key: the first wins
            }
        } else {
            let slot = map
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(inner) = slot else {
                return Err(conflict());
            };
            self.insert_deep(inner, property, rest, text, whole)?;
        }
        Ok(())
    }
}

/// Deepest `name[a][b]...` accepted: decoding recurses once per level, and a request must not
/// be able to exhaust the stack (a URL has room for thousands of brackets).
pub const MAX_DEEP_OBJECT_DEPTH: usize = 32;

/// `[a][b]` → `["a", "b"]`; `None` unless the whole text is bracket groups (`[]` only last).
fn brackets(mut rest: &str) -> Option<Vec<&str>> {
    let mut keys = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        keys.push(&inner[..end]);
        rest = &inner[end + 1..];
    }
    let empty_inside = keys.iter().rev().skip(1).any(|k| k.is_empty());
    (!keys.is_empty() && !empty_inside).then_some(keys)
}

/// Decode a path parameter from its raw (still percent-encoded) path segment.
///
/// Styles: simple (`1,2,3`; objects `R=100,G=200` exploded, `R,100,G,200` not), label
/// (`.1.2.3` exploded, `.1,2,3` not), matrix (`;id=1;id=2` / `;id=1,2`; objects `;R=100;G=200`
/// / `;color=R,100,G,200`). Other styles read as simple.
pub fn decode_path(param: &Parameter, schemas: &Schemas, raw: &str) -> Result<Value, DecodeError> {
    let d = Decoder::new(param, schemas);
    if !param.content.is_empty() {
        let text = d.decode(raw, false)?;
        return d.content(&text).unwrap_or_else(|| Ok(Value::String(text)));
    }
    match param.style {
        Style::Label => d.label(raw),
        Style::Matrix => d.matrix(raw),
        _ => d.simple(&d.decode(raw, false)?, false),
    }
}

/// Decode a query parameter from all the query's pairs (raw, still percent-encoded, in order;
/// see [`query_pairs`]); `Ok(None)` when absent. `+` reads as a space in names and values.
///
/// Styles: form (arrays `id=1&id=2` exploded, `id=1,2` not; exploded objects are the pairs
/// named like the schema's properties, `color=R,100,G,200` not exploded), spaceDelimited
/// (`id=1%202`), pipeDelimited (`id=1|2`), tab-delimited (`id=1%092`), deepObject
/// (`color[R]=100`, nested brackets allowed). Other styles read as form.
pub fn decode_query(
    param: &Parameter,
    schemas: &Schemas,
    pairs: &[(&str, &str)],
) -> Result<Option<Value>, DecodeError> {
    let style = match param.style {
        s @ (Style::SpaceDelimited
        | Style::PipeDelimited
        | Style::TabDelimited
        | Style::DeepObject) => s,
        _ => Style::Form,
    };
    Decoder::new(param, schemas).form(pairs, style, true, false)
}

/// Decode a header parameter from its values (header values are not percent-decoded; repeated
/// headers join with `,`; whitespace around the value and around items is dropped); `Ok(None)`
/// when absent. Simple style only.
pub fn decode_header(
    param: &Parameter,
    schemas: &Schemas,
    values: &[&str],
) -> Result<Option<Value>, DecodeError> {
    if values.is_empty() {
        return Ok(None);
    }
    let d = Decoder::new(param, schemas);
    let joined = values.join(",");
    let text = joined.trim_matches([' ', '\t']);
    if let Some(content) = d.content(text) {
        return content.map(Some);
    }
    d.simple(text, true).map(Some)
}

/// Decode a cookie parameter from the Cookie header's pairs (see [`cookie_pairs`]); `Ok(None)`
/// when absent. Form style: values are percent-decoded (`+` stays a plus) and may be quoted.
pub fn decode_cookie(
    param: &Parameter,
    schemas: &Schemas,
    pairs: &[(&str, &str)],
) -> Result<Option<Value>, DecodeError> {
    Decoder::new(param, schemas).form(pairs, Style::Form, false, true)
}

/// Splits a raw query string (without `?`) into raw name/value pairs; a pair without `=` has
/// an empty value, empty pairs are skipped.
pub fn query_pairs(query: &str) -> Vec<(&str, &str)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect()
}

/// Splits a `Cookie` header (`a=1; b=2`) into raw name/value pairs.
pub fn cookie_pairs(header: &str) -> Vec<(&str, &str)> {
    header
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (n.trim(), v.trim()),
            None => (p, ""),
        })
        .collect()
}
