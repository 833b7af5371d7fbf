//! Parameter serialization (OpenAPI "Style Values"): decoding what a client sent in a path
//! segment, query, header or cookie into the JSON value the validator judges, and encoding a
//! JSON value the way a client would send it.
//!
//! Why it is shaped like this:
//! - The raw text alone cannot say what it is (`1,2` is a string, an array, or half an object):
//!   the parameter's schema decides the [`Shape`] that picks the split, and [`coerce`] types each
//!   piece. Decoding never judges the value: a piece that does not convert stays a string, so the
//!   validator reports the mismatch with its usual message. Only malformed transport (bad
//!   percent-encoding, invalid UTF-8, a missing `;name=` prefix, an odd `key,value` list) is a
//!   [`DecodeError`], which the mock answers with 400.
//! - Decoders take raw (still percent-encoded) text because the structural delimiters must be
//!   split before decoding: `;` in matrix style, `.` in label style, `&` and `=` between query
//!   pairs. List delimiters (`,`, space, `|`, tab) and `=` inside an exploded object are split
//!   *after* decoding, as common clients percent-encode them (`URLSearchParams`, Python's
//!   `urlencode`). The price, which RFC 6570 pays too: an item, key or value that contains its
//!   style's list delimiter cannot be told from two items, whatever the encoding.
//! - Encoders are the exact inverse for every value that is not ambiguous in that sense (a
//!   property test checks `decode(encode(v)) == v`). They percent-encode everything but RFC 3986's
//!   unreserved characters (label style also `.`; `allowReserved` query values keep the reserved
//!   characters but `&`, `#` and `+`), and write delimiters literally.
//! - Header values are neither percent-encoded nor decoded; surrounding whitespace is dropped.
//!
//! Decisions where the OpenAPI styles are ambiguous or silent:
//! - Label style without explode follows RFC 6570 and OpenAPI 3.1.1: `.blue,black,brown`. The
//!   3.0.x/3.1.0 table's `.blue.black.brown` is read as one item.
//! - `[""]` and `[]` share one encoding; it decodes to `[]`. An empty exploded object sends
//!   nothing in a query or cookie, so it decodes as absent.
//! - An empty value for a schema that allows `null` but not strings decodes to `null` (so does
//!   the text `null`); `null` encodes as the empty value.
//! - A repeated primitive query parameter or cookie: the first wins. Repeated non-exploded
//!   arrays are concatenated.
//! - Form-exploded objects take the query pairs named like the schema's properties (through
//!   `allOf`/`anyOf`/`oneOf`); other pairs belong to other parameters.
//! - deepObject accepts nested brackets (`a[b][c]=1`) and arrays as repeated keys or `a[b][]`.
//!   Keys containing `[` or `]` are not representable.
//! - `spaceDelimited`/`pipeDelimited`/tab with `explode: true` behave as exploded form; styles not
//!   allowed in a location (form in a path...) fall back to that location's default style.
//! - A nested array or object where only a primitive fits (an array item that is an object)
//!   travels as compact JSON text, and [`coerce`] parses it back when the schema wants one.
//! - `content` parameters: JSON media types (`application/json`, `*+json`) are parsed as JSON;
//!   any other media type keeps the text as a string.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::spec::{Parameter, Style};
use crate::validate::Schemas;

/// What shape the schema wants: decides how a raw string is split and typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A string, number, boolean or null: the raw text is one value.
    Primitive,
    /// A list: split on the style's delimiter, or one item per repetition when exploded.
    Array,
    /// Key/value pairs: `k,v,k,v`, or `k=v` items when exploded.
    Object,
}

/// Why raw parameter text could not be decoded (the mock answers 400 with the message).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    /// Names the parameter and what is wrong, e.g. "query parameter `id`: malformed
    /// percent-encoding".
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Label style: `.` is its delimiter, so values encode it too.
const LABEL: &AsciiSet = &COMPONENT.add(b'.');
/// `allowReserved` query values: RFC 3986's reserved characters pass unencoded, except `&` and
/// `#` (they would end the pair or the query) and `+` (it reads as a space).
const QUERY_RESERVED: &AsciiSet = &COMPONENT
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';')
    .remove(b'=');

/// How deep `$ref`s and `allOf`/`anyOf`/`oneOf` are followed when looking through a schema.
const MAX_DEPTH: usize = 16;

/// The schema that allows anything (for parameters without one, and unknown properties).
static ANY: Value = Value::Bool(true);

/// The shape a (normalized) schema wants: its `type` (the first that is not `"null"` when it is
/// a list), else `properties`/`additionalProperties`/`patternProperties` (object) or
/// `items`/`prefixItems` (array), else the first `allOf`/`anyOf`/`oneOf` branch that says.
/// [`Shape::Primitive`] when nothing says.
pub fn shape_of(schemas: &Schemas, schema: &Value) -> Shape {
    shape_says(schemas, schema, 0).unwrap_or(Shape::Primitive)
}

fn shape_says(schemas: &Schemas, schema: &Value, depth: usize) -> Option<Shape> {
    if depth > MAX_DEPTH {
        return None;
    }
    let s = schemas.resolve(schema);
    let s = s.as_object()?;
    let named = |t: &str| match t {
        "array" => Some(Shape::Array),
        "object" => Some(Shape::Object),
        "null" => None,
        _ => Some(Shape::Primitive),
    };
    match s.get("type") {
        Some(Value::String(t)) => return named(t),
        Some(Value::Array(ts)) => return ts.iter().filter_map(Value::as_str).find_map(named),
        _ => {}
    }
    if ["properties", "additionalProperties", "patternProperties"]
        .iter()
        .any(|k| s.contains_key(*k))
    {
        return Some(Shape::Object);
    }
    if s.contains_key("items") || s.contains_key("prefixItems") {
        return Some(Shape::Array);
    }
    ["allOf", "anyOf", "oneOf"]
        .iter()
        .filter_map(|k| s.get(*k).and_then(Value::as_array))
        .flatten()
        .find_map(|b| shape_says(schemas, b, depth + 1))
}

// JSON types as bits, for what a schema allows.
const T_NULL: u8 = 1;
const T_BOOLEAN: u8 = 2;
const T_INTEGER: u8 = 4;
const T_NUMBER: u8 = 8;
const T_STRING: u8 = 16;
const T_ARRAY: u8 = 32;
const T_OBJECT: u8 = 64;

fn type_bit(name: &str) -> u8 {
    match name {
        "null" => T_NULL,
        "boolean" => T_BOOLEAN,
        "integer" => T_INTEGER,
        "number" => T_NUMBER,
        "string" => T_STRING,
        "array" => T_ARRAY,
        "object" => T_OBJECT,
        _ => 0,
    }
}

fn value_bit(v: &Value) -> u8 {
    match v {
        Value::Null => T_NULL,
        Value::Bool(_) => T_BOOLEAN,
        Value::Number(n) if n.is_i64() || n.is_u64() => T_INTEGER,
        Value::Number(_) => T_NUMBER,
        Value::String(_) => T_STRING,
        Value::Array(_) => T_ARRAY,
        Value::Object(_) => T_OBJECT,
    }
}

/// The JSON types a schema allows, `None` when unconstrained: `type`, else the types of
/// `const`/`enum`, narrowed by every `allOf` branch and by the union of `anyOf`/`oneOf`.
fn types_of(schemas: &Schemas, schema: &Value, depth: usize) -> Option<u8> {
    if depth > MAX_DEPTH {
        return None;
    }
    let s = schemas.resolve(schema).as_object()?;
    let mut allowed = match s.get("type") {
        Some(Value::String(t)) => Some(type_bit(t)),
        Some(Value::Array(ts)) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(type_bit)
                .fold(0, |a, b| a | b),
        ),
        _ => match (s.get("const"), s.get("enum").and_then(Value::as_array)) {
            (Some(c), _) => Some(value_bit(c)),
            (None, Some(values)) => Some(values.iter().map(value_bit).fold(0, |a, b| a | b)),
            (None, None) => None,
        },
    };
    let narrow = |allowed: Option<u8>, by: Option<u8>| match (allowed, by) {
        (Some(a), Some(b)) => Some(a & b),
        (a, b) => a.or(b),
    };
    for branch in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        allowed = narrow(allowed, types_of(schemas, branch, depth + 1));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = s.get(key).and_then(Value::as_array) {
            let union = branches
                .iter()
                .map(|b| types_of(schemas, b, depth + 1))
                .try_fold(0, |acc, t| t.map(|t| acc | t));
            allowed = narrow(allowed, union);
        }
    }
    allowed
}

/// A JSON number written exactly as JSON writes it (no `+`, no surrounding spaces, no `NaN`).
fn json_number(raw: &str) -> Option<serde_json::Number> {
    let b = raw.as_bytes();
    let first_ok = matches!(b.first(), Some(c) if *c == b'-' || c.is_ascii_digit());
    let last_ok = matches!(b.last(), Some(c) if c.is_ascii_digit());
    if !first_ok || !last_ok {
        return None;
    }
    serde_json::from_str(raw).ok()
}

/// Typed conversion of one decoded string to what the schema wants.
///
/// - A JSON number (`42`, `-1.5e3`) becomes a number when the schema allows `integer` (integer
///   syntax only) or `number`.
/// - `true`/`false` become booleans when the schema allows `boolean`.
/// - The empty string or `null` becomes `null` when the schema allows `null` but not `string`
///   (a nullable integer sent as `?n=`).
/// - Else a string, when the schema allows strings or says nothing about types.
/// - When only arrays or objects fit (a nested value), JSON text is parsed.
///
/// When the schema allows several types (a `type` list, `anyOf`...), they are tried in the order
/// integer, number, boolean, null, string. Text that converts to nothing allowed stays a string,
/// so that the validator reports the type error; this never fails.
pub fn coerce(schemas: &Schemas, schema: &Value, raw: &str) -> Value {
    let Some(types) = types_of(schemas, schema, 0) else {
        return Value::String(raw.to_string());
    };
    if types & (T_INTEGER | T_NUMBER) != 0
        && let Some(n) = json_number(raw)
    {
        let integral = n.is_i64() || n.is_u64() || !raw.contains(['.', 'e', 'E']);
        if types & T_NUMBER != 0 || integral {
            return Value::Number(n);
        }
    }
    if types & T_BOOLEAN != 0 && (raw == "true" || raw == "false") {
        return Value::Bool(raw == "true");
    }
    if types & T_NULL != 0 && types & T_STRING == 0 && (raw.is_empty() || raw == "null") {
        return Value::Null;
    }
    if types & T_STRING == 0
        && types & (T_ARRAY | T_OBJECT) != 0
        && let Ok(v) = serde_json::from_str::<Value>(raw)
        && value_bit(&v) & types != 0
    {
        return v;
    }
    Value::String(raw.to_string())
}

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

/// The (resolved) schema of a property, looking through `allOf`/`anyOf`/`oneOf`, else the
/// `additionalProperties` schema, else [`ANY`].
fn property_schema<'a>(schemas: &'a Schemas, schema: &'a Value, key: &str) -> &'a Value {
    fn find<'a>(
        schemas: &'a Schemas,
        schema: &'a Value,
        key: &str,
        depth: usize,
    ) -> Option<&'a Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let s = schemas.resolve(schema);
        if let Some(p) = s.get("properties").and_then(|p| p.get(key)) {
            return Some(p);
        }
        let branch = ["allOf", "anyOf", "oneOf"]
            .iter()
            .filter_map(|k| s.get(*k).and_then(Value::as_array))
            .flatten()
            .find_map(|b| find(schemas, b, key, depth + 1));
        branch.or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
    }
    find(schemas, schema, key, 0).unwrap_or(&ANY)
}

/// The schema of the array item at `index`: `prefixItems[index]`, else `items`, looking through
/// `allOf`/`anyOf`/`oneOf`; else [`ANY`].
fn item_schema<'a>(schemas: &'a Schemas, schema: &'a Value, index: usize) -> &'a Value {
    fn find<'a>(
        schemas: &'a Schemas,
        schema: &'a Value,
        index: usize,
        depth: usize,
    ) -> Option<&'a Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let s = schemas.resolve(schema);
        if let Some(p) = s
            .get("prefixItems")
            .and_then(Value::as_array)
            .and_then(|a| a.get(index))
        {
            return Some(p);
        }
        if let Some(items) = s.get("items").filter(|i| i.is_object() || i.is_boolean()) {
            return Some(items);
        }
        ["allOf", "anyOf", "oneOf"]
            .iter()
            .filter_map(|k| s.get(*k).and_then(Value::as_array))
            .flatten()
            .find_map(|b| find(schemas, b, index, depth + 1))
    }
    find(schemas, schema, index, 0).unwrap_or(&ANY)
}

/// The property names a schema declares, looking through `allOf`/`anyOf`/`oneOf`.
fn property_names(schemas: &Schemas, schema: &Value, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    let s = schemas.resolve(schema);
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for key in props.keys() {
            if !out.contains(key) {
                out.push(key.clone());
            }
        }
    }
    for branch in ["allOf", "anyOf", "oneOf"]
        .iter()
        .filter_map(|k| s.get(*k).and_then(Value::as_array))
        .flatten()
    {
        property_names(schemas, branch, depth + 1, out);
    }
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

fn encode(text: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(text, set).to_string()
}

/// One value as text: strings as they are, `null` as empty, nested arrays and objects as JSON.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The text of a `content` parameter, if it has one.
fn content_text(param: &Parameter, value: &Value) -> Option<String> {
    let media = param.content.first()?;
    Some(match value {
        Value::String(s) if !crate::media::is_json(&media.media_type) => s.clone(),
        other => other.to_string(),
    })
}

/// Items of an array, each encoded.
fn items(values: &[Value], enc: &dyn Fn(&str) -> String) -> Vec<String> {
    values.iter().map(|v| enc(&scalar_text(v))).collect()
}

/// An object as alternating keys and values (`R,100,G,200`), each encoded.
fn flat(map: &Map<String, Value>, enc: &dyn Fn(&str) -> String) -> Vec<String> {
    map.iter()
        .flat_map(|(k, v)| [enc(k), enc(&scalar_text(v))])
        .collect()
}

/// An object as `k=v` items, each side encoded.
fn assoc(map: &Map<String, Value>, enc: &dyn Fn(&str) -> String) -> Vec<String> {
    map.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(&scalar_text(v))))
        .collect()
}

/// Simple style with an encoder (identity for headers).
fn simple_text(explode: bool, value: &Value, enc: &dyn Fn(&str) -> String) -> String {
    match value {
        Value::Array(values) => items(values, enc).join(","),
        Value::Object(map) if explode => assoc(map, enc).join(","),
        Value::Object(map) => flat(map, enc).join(","),
        other => enc(&scalar_text(other)),
    }
}

/// Encode a path parameter's value as its path segment (percent-encoded), the inverse of
/// [`decode_path`].
pub fn encode_path(param: &Parameter, value: &Value) -> String {
    let component = |s: &str| encode(s, COMPONENT);
    if let Some(text) = content_text(param, value) {
        return component(&text);
    }
    match param.style {
        Style::Label => {
            let enc = |s: &str| encode(s, LABEL);
            let sep = if param.explode { "." } else { "," };
            let body = match value {
                Value::Array(values) => items(values, &enc).join(sep),
                Value::Object(map) if param.explode => assoc(map, &enc).join("."),
                Value::Object(map) => flat(map, &enc).join(","),
                other => enc(&scalar_text(other)),
            };
            format!(".{body}")
        }
        Style::Matrix => {
            let name = component(&param.name);
            let segment = |n: &str, v: String| {
                if v.is_empty() {
                    format!(";{n}")
                } else {
                    format!(";{n}={v}")
                }
            };
            match value {
                Value::Array(values) if param.explode && !values.is_empty() => values
                    .iter()
                    .map(|v| segment(&name, component(&scalar_text(v))))
                    .collect(),
                Value::Array(values) => segment(&name, items(values, &component).join(",")),
                Value::Object(map) if param.explode => map
                    .iter()
                    .map(|(k, v)| segment(&component(k), component(&scalar_text(v))))
                    .collect(),
                Value::Object(map) => segment(&name, flat(map, &component).join(",")),
                other => segment(&name, component(&scalar_text(other))),
            }
        }
        _ => simple_text(param.explode, value, &component),
    }
}

/// Encode a query parameter's value as query pairs (name and value percent-encoded, ready to
/// join with `=` and `&`), the inverse of [`decode_query`]. An empty exploded object gives no
/// pairs; an empty exploded array gives `name=`.
pub fn encode_query(param: &Parameter, value: &Value) -> Vec<(String, String)> {
    let set = if param.allow_reserved {
        QUERY_RESERVED
    } else {
        COMPONENT
    };
    let enc = |s: &str| encode(s, set);
    let name = encode(&param.name, COMPONENT);
    if let Some(text) = content_text(param, value) {
        return vec![(name, enc(&text))];
    }
    let delimiter = match param.style {
        Style::SpaceDelimited => "%20",
        Style::PipeDelimited => "|",
        Style::TabDelimited => "%09",
        _ => ",",
    };
    match value {
        Value::Object(map) if param.style == Style::DeepObject => {
            let mut out = Vec::new();
            deep_pairs(&name, map, &enc, &mut out);
            out
        }
        Value::Object(map) if param.explode => map
            .iter()
            .map(|(k, v)| (encode(k, COMPONENT), enc(&scalar_text(v))))
            .collect(),
        Value::Object(map) => vec![(name, flat(map, &enc).join(delimiter))],
        Value::Array(values) if param.explode && !values.is_empty() => values
            .iter()
            .map(|v| (name.clone(), enc(&scalar_text(v))))
            .collect(),
        Value::Array(values) => vec![(name, items(values, &enc).join(delimiter))],
        other => vec![(name, enc(&scalar_text(other)))],
    }
}

/// deepObject pairs: `prefix[k]=v`, nested objects as more brackets, arrays as repeated keys.
fn deep_pairs(
    prefix: &str,
    map: &Map<String, Value>,
    enc: &dyn Fn(&str) -> String,
    out: &mut Vec<(String, String)>,
) {
    for (k, v) in map {
        let name = format!("{prefix}[{}]", encode(k, COMPONENT));
        match v {
            Value::Object(inner) => deep_pairs(&name, inner, enc, out),
            Value::Array(values) => {
                out.extend(values.iter().map(|i| (name.clone(), enc(&scalar_text(i)))));
            }
            other => out.push((name, enc(&scalar_text(other)))),
        }
    }
}

/// Encode a header parameter's value (simple style, not percent-encoded), the inverse of
/// [`decode_header`]. The caller must make sure the text is a valid header value (visible
/// ASCII) before sending it.
pub fn encode_header(param: &Parameter, value: &Value) -> String {
    if let Some(text) = content_text(param, value) {
        return text;
    }
    simple_text(param.explode, value, &|s: &str| s.to_string())
}

/// Encode a cookie parameter's value (form style) as the `Cookie` header fragment that carries
/// it: `name=value`, or several pairs joined with `; ` when exploded (`id=1; id=2`,
/// `R=100; G=200`). The inverse of [`decode_cookie`] over [`cookie_pairs`].
pub fn encode_cookie(param: &Parameter, value: &Value) -> String {
    let enc = |s: &str| encode(s, COMPONENT);
    let name = enc(&param.name);
    if let Some(text) = content_text(param, value) {
        return format!("{name}={}", enc(&text));
    }
    match value {
        Value::Array(values) if param.explode && !values.is_empty() => values
            .iter()
            .map(|v| format!("{name}={}", enc(&scalar_text(v))))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Array(values) => format!("{name}={}", items(values, &enc).join(",")),
        Value::Object(map) if param.explode => assoc(map, &enc).join("; "),
        Value::Object(map) => format!("{name}={}", flat(map, &enc).join(",")),
        other => format!("{name}={}", enc(&scalar_text(other))),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::spec::{ParamIn, Spec};

    const SPEC: &str = r##"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /t:
    get:
      parameters:
        - {name: string, in: query, schema: {type: string}}
        - {name: strings, in: query, explode: false, schema: {type: array, items: {type: string}}}
        - {name: ints, in: query, explode: false, schema: {type: array, items: {type: integer}}}
        - {name: rgb, in: query, explode: false, schema: {$ref: '#/components/schemas/RGB'}}
        - {name: texts, in: query, schema: {type: object, properties: {R: {type: string}, G: {type: string}, B: {type: string}}}}
        - {name: integer, in: query, schema: {type: integer}}
        - {name: number, in: query, schema: {type: number}}
        - {name: boolean, in: query, schema: {type: boolean}}
        - {name: nullable, in: query, schema: {type: [integer, 'null']}}
        - {name: nullable_string, in: query, schema: {type: [string, 'null']}}
        - {name: nullable_array, in: query, schema: {type: ['null', array], items: {type: integer}}}
        - {name: several, in: query, schema: {type: [boolean, string, integer]}}
        - {name: one_of, in: query, schema: {oneOf: [{type: 'null'}, {$ref: '#/components/schemas/Count'}]}}
        - {name: any_of_array, in: query, schema: {anyOf: [{type: 'null'}, {items: {type: integer}}]}}
        - {name: enumerated, in: query, schema: {enum: [1, 2, three]}}
        - {name: untyped, in: query, schema: {}}
        - {name: tuple, in: query, explode: false, schema: {type: array, prefixItems: [{type: integer}, {type: boolean}], items: {type: string}}}
        - {name: composed, in: query, style: form, explode: true, schema: {allOf: [{$ref: '#/components/schemas/RGB'}, {properties: {A: {type: number}}}]}}
        - {name: free, in: query, explode: false, schema: {type: object, additionalProperties: {type: integer}}}
        - {name: nested, in: query, style: deepObject, explode: true, schema: {type: object, properties: {size: {type: object, properties: {w: {type: integer}}}, tags: {type: array, items: {type: string}}, name: {type: string}}}}
        - {name: objects, in: query, schema: {type: array, items: {type: object}}}
        - {name: json, in: query, content: {application/json: {schema: {type: object}}}}
        - {name: text, in: query, content: {text/plain: {schema: {type: string}}}}
        - {name: schemaless, in: query}
      responses: {'200': {description: ok}}
components:
  schemas:
    Count: {type: integer}
    RGB: {type: object, properties: {R: {type: integer}, G: {type: integer}, B: {type: integer}}}
"##;

    /// OpenAPI 3.0's `nullable`, which the normalizer turns into a type list or an `anyOf`.
    const SPEC_30: &str = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /t:
    get:
      parameters:
        - {name: maybe, in: query, schema: {type: integer, nullable: true}}
        - {name: wrapped, in: query, schema: {nullable: true, allOf: [{$ref: '#/components/schemas/Count'}]}}
      responses: {'200': {description: ok}}
components:
  schemas:
    Count: {type: integer}
"##;

    fn load(text: &'static str, cell: &'static OnceLock<Spec>) -> &'static Spec {
        cell.get_or_init(|| Spec::from_str("t.yaml", text, Default::default()).unwrap())
    }

    fn spec() -> &'static Spec {
        static SPEC_CELL: OnceLock<Spec> = OnceLock::new();
        load(SPEC, &SPEC_CELL)
    }

    fn spec_30() -> &'static Spec {
        static SPEC_CELL: OnceLock<Spec> = OnceLock::new();
        load(SPEC_30, &SPEC_CELL)
    }

    fn schemas() -> &'static Schemas {
        &spec().schemas
    }

    fn find(spec: &Spec, name: &str) -> Parameter {
        let found = spec.operations[0]
            .parameters
            .iter()
            .find(|p| p.name == name);
        found
            .unwrap_or_else(|| panic!("no parameter {name}"))
            .clone()
    }

    fn param(name: &str) -> Parameter {
        find(spec(), name)
    }

    /// Parameter `name`'s schema, renamed `color` and moved to a location and style.
    fn styled(name: &str, location: ParamIn, style: Style, explode: bool) -> Parameter {
        let mut p = param(name);
        p.name = "color".into();
        p.location = location;
        p.style = style;
        p.explode = explode;
        p
    }

    fn schema_of(p: &Parameter) -> &'static Value {
        schemas().get(p.schema.unwrap())
    }

    /// The value as it travels: a path segment, a query string, a header value, or a `Cookie`
    /// header.
    fn send(p: &Parameter, value: &Value) -> String {
        match p.location {
            ParamIn::Path => encode_path(p, value),
            ParamIn::Query => encode_query(p, value)
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
            ParamIn::Header => encode_header(p, value),
            ParamIn::Cookie => encode_cookie(p, value),
        }
    }

    fn receive_with(
        p: &Parameter,
        schemas: &Schemas,
        wire: &str,
    ) -> Result<Option<Value>, DecodeError> {
        match p.location {
            ParamIn::Path => decode_path(p, schemas, wire).map(Some),
            ParamIn::Query => decode_query(p, schemas, &query_pairs(wire)),
            ParamIn::Header => decode_header(p, schemas, &[wire]),
            ParamIn::Cookie => decode_cookie(p, schemas, &cookie_pairs(wire)),
        }
    }

    fn receive(p: &Parameter, wire: &str) -> Result<Option<Value>, DecodeError> {
        receive_with(p, schemas(), wire)
    }

    /// Decodes one query parameter of the main spec from a query string.
    fn query(name: &str, wire: &str) -> Option<Value> {
        decode_query(&param(name), schemas(), &query_pairs(wire)).unwrap()
    }

    fn query_err(name: &str, wire: &str) -> String {
        decode_query(&param(name), schemas(), &query_pairs(wire))
            .unwrap_err()
            .message
    }

    /// One row of the OpenAPI "Style Examples" table (3.1.1, which follows RFC 6570 for label
    /// style): the wire forms of `""`, `"blue"`, `["blue","black","brown"]` and
    /// `{"R":100,"G":200,"B":150}`, where the style can carry them.
    struct Row {
        location: ParamIn,
        style: Style,
        explode: bool,
        empty: Option<&'static str>,
        string: Option<&'static str>,
        array: Option<&'static str>,
        object: Option<&'static str>,
    }

    const fn row(
        location: ParamIn,
        style: Style,
        explode: bool,
        [empty, string, array, object]: [Option<&'static str>; 4],
    ) -> Row {
        Row {
            location,
            style,
            explode,
            empty,
            string,
            array,
            object,
        }
    }

    const TABLE: &[Row] = {
        use ParamIn::*;
        use Style::*;
        &[
            row(
                Path,
                Matrix,
                false,
                [
                    Some(";color"),
                    Some(";color=blue"),
                    Some(";color=blue,black,brown"),
                    Some(";color=R,100,G,200,B,150"),
                ],
            ),
            row(
                Path,
                Matrix,
                true,
                [
                    Some(";color"),
                    Some(";color=blue"),
                    Some(";color=blue;color=black;color=brown"),
                    Some(";R=100;G=200;B=150"),
                ],
            ),
            row(
                Path,
                Label,
                false,
                [
                    Some("."),
                    Some(".blue"),
                    Some(".blue,black,brown"),
                    Some(".R,100,G,200,B,150"),
                ],
            ),
            row(
                Path,
                Label,
                true,
                [
                    Some("."),
                    Some(".blue"),
                    Some(".blue.black.brown"),
                    Some(".R=100.G=200.B=150"),
                ],
            ),
            row(
                Path,
                Simple,
                false,
                [
                    None,
                    Some("blue"),
                    Some("blue,black,brown"),
                    Some("R,100,G,200,B,150"),
                ],
            ),
            row(
                Path,
                Simple,
                true,
                [
                    None,
                    Some("blue"),
                    Some("blue,black,brown"),
                    Some("R=100,G=200,B=150"),
                ],
            ),
            row(
                Query,
                Form,
                false,
                [
                    Some("color="),
                    Some("color=blue"),
                    Some("color=blue,black,brown"),
                    Some("color=R,100,G,200,B,150"),
                ],
            ),
            row(
                Query,
                Form,
                true,
                [
                    Some("color="),
                    Some("color=blue"),
                    Some("color=blue&color=black&color=brown"),
                    Some("R=100&G=200&B=150"),
                ],
            ),
            row(
                Query,
                SpaceDelimited,
                false,
                [
                    None,
                    None,
                    Some("color=blue%20black%20brown"),
                    Some("color=R%20100%20G%20200%20B%20150"),
                ],
            ),
            row(
                Query,
                PipeDelimited,
                false,
                [
                    None,
                    None,
                    Some("color=blue|black|brown"),
                    Some("color=R|100|G|200|B|150"),
                ],
            ),
            row(
                Query,
                TabDelimited,
                false,
                [
                    None,
                    None,
                    Some("color=blue%09black%09brown"),
                    Some("color=R%09100%09G%09200%09B%09150"),
                ],
            ),
            row(
                Query,
                DeepObject,
                true,
                [
                    None,
                    None,
                    None,
                    Some("color[R]=100&color[G]=200&color[B]=150"),
                ],
            ),
            row(
                Header,
                Simple,
                false,
                [
                    None,
                    Some("blue"),
                    Some("blue,black,brown"),
                    Some("R,100,G,200,B,150"),
                ],
            ),
            row(
                Header,
                Simple,
                true,
                [
                    None,
                    Some("blue"),
                    Some("blue,black,brown"),
                    Some("R=100,G=200,B=150"),
                ],
            ),
            row(
                Cookie,
                Form,
                false,
                [
                    Some("color="),
                    Some("color=blue"),
                    Some("color=blue,black,brown"),
                    Some("color=R,100,G,200,B,150"),
                ],
            ),
            row(
                Cookie,
                Form,
                true,
                [
                    Some("color="),
                    Some("color=blue"),
                    Some("color=blue; color=black; color=brown"),
                    Some("R=100; G=200; B=150"),
                ],
            ),
        ]
    };

    #[test]
    fn style_examples_table_decodes_and_encodes() {
        let values = [
            ("string", json!("")),
            ("string", json!("blue")),
            ("strings", json!(["blue", "black", "brown"])),
            ("rgb", json!({"R": 100, "G": 200, "B": 150})),
        ];
        for r in TABLE {
            let wires = [r.empty, r.string, r.array, r.object];
            for ((schema, value), wire) in values.iter().zip(wires) {
                let Some(wire) = wire else { continue };
                let p = styled(schema, r.location, r.style, r.explode);
                let at = format!(
                    "{:?} {:?} explode={} `{wire}`",
                    r.location, r.style, r.explode
                );
                assert_eq!(receive(&p, wire), Ok(Some(value.clone())), "decoding {at}");
                assert_eq!(send(&p, value), wire, "encoding {at}");
            }
        }
    }

    #[test]
    fn label_without_explode_reads_the_3_0_table_form_as_one_item() {
        let p = styled("strings", ParamIn::Path, Style::Label, false);
        assert_eq!(receive(&p, ".blue.black"), Ok(Some(json!(["blue.black"]))));
        // Label style encodes `.` inside values, so they survive.
        let p = styled("strings", ParamIn::Path, Style::Label, true);
        assert_eq!(send(&p, &json!(["1.5", "x"])), ".1%2E5.x");
        assert_eq!(receive(&p, ".1%2E5.x"), Ok(Some(json!(["1.5", "x"]))));
    }

    #[test]
    fn shapes_look_through_refs_type_lists_and_compositions() {
        let shape = |name: &str| shape_of(schemas(), schema_of(&param(name)));
        assert_eq!(shape("string"), Shape::Primitive);
        assert_eq!(shape("strings"), Shape::Array);
        assert_eq!(shape("rgb"), Shape::Object);
        assert_eq!(shape("composed"), Shape::Object);
        assert_eq!(shape("free"), Shape::Object);
        assert_eq!(shape("nullable_array"), Shape::Array);
        assert_eq!(shape("any_of_array"), Shape::Array);
        assert_eq!(shape("one_of"), Shape::Primitive);
        assert_eq!(shape("untyped"), Shape::Primitive);
        assert_eq!(
            shape_of(schemas(), &json!({"type": ["string", "array"]})),
            Shape::Primitive
        );
    }

    #[test]
    fn coerces_to_the_types_the_schema_allows() {
        let coerced = |name: &str, raw: &str| coerce(schemas(), schema_of(&param(name)), raw);
        assert_eq!(coerced("integer", "42"), json!(42));
        assert_eq!(coerced("integer", "-7"), json!(-7));
        assert_eq!(coerced("integer", "18446744073709551615"), json!(u64::MAX));
        // Not an integer, or not JSON's way of writing one: kept for the validator to judge.
        for raw in ["4.5", "x", "007", "+1", " 1", "", "1_000"] {
            assert_eq!(coerced("integer", raw), json!(raw), "{raw:?}");
        }
        assert_eq!(coerced("number", "4.5"), json!(4.5));
        assert_eq!(coerced("number", "-1e3"), json!(-1000.0));
        assert_eq!(coerced("number", "3"), json!(3));
        for raw in ["NaN", "inf", "1e999", ".5", "1."] {
            assert_eq!(coerced("number", raw), json!(raw), "{raw:?}");
        }
        assert_eq!(coerced("boolean", "true"), json!(true));
        assert_eq!(coerced("boolean", "false"), json!(false));
        assert_eq!(coerced("boolean", "True"), json!("True"));
        assert_eq!(coerced("boolean", "1"), json!("1"));
        assert_eq!(coerced("string", "42"), json!("42"));
        assert_eq!(coerced("string", "true"), json!("true"));
        // Nullable: the empty value (or `null`) is null unless strings are allowed too.
        assert_eq!(coerced("nullable", ""), json!(null));
        assert_eq!(coerced("nullable", "null"), json!(null));
        assert_eq!(coerced("nullable", "5"), json!(5));
        assert_eq!(coerced("nullable_string", ""), json!(""));
        assert_eq!(coerced("nullable_string", "null"), json!("null"));
        assert_eq!(coerced("one_of", ""), json!(null));
        assert_eq!(coerced("one_of", "3"), json!(3));
        let p30 = |name: &str, raw: &str| {
            let s = spec_30();
            coerce(
                &s.schemas,
                s.schemas.get(find(s, name).schema.unwrap()),
                raw,
            )
        };
        assert_eq!(p30("maybe", ""), json!(null));
        assert_eq!(p30("maybe", "12"), json!(12));
        assert_eq!(p30("wrapped", ""), json!(null));
        assert_eq!(p30("wrapped", "12"), json!(12));
        // Several types: integer, number, boolean, then string.
        assert_eq!(coerced("several", "1"), json!(1));
        assert_eq!(coerced("several", "true"), json!(true));
        assert_eq!(coerced("several", "1.5"), json!("1.5"));
        assert_eq!(coerced("several", "x"), json!("x"));
        assert_eq!(coerced("enumerated", "2"), json!(2));
        assert_eq!(coerced("enumerated", "three"), json!("three"));
        assert_eq!(coerced("untyped", "42"), json!("42"));
        // Only an object fits: JSON text is parsed, anything else stays text.
        let object = json!({"type": "object"});
        assert_eq!(coerce(schemas(), &object, r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(coerce(schemas(), &object, "[1]"), json!("[1]"));
    }

    #[test]
    fn coerces_items_and_properties_by_their_own_schemas() {
        assert_eq!(
            query("tuple", "tuple=1,true,x,2"),
            Some(json!([1, true, "x", "2"]))
        );
        assert_eq!(query("ints", "ints=1,x"), Some(json!([1, "x"])));
        assert_eq!(
            query("composed", "R=1&A=2.5&other=x&G=y"),
            Some(json!({"R": 1, "A": 2.5, "G": "y"}))
        );
        assert_eq!(
            query("free", "free=a,1,b,two"),
            Some(json!({"a": 1, "b": "two"}))
        );
        let objects = param("objects");
        let value = json!([{"a": 1}, {"b": [true]}]);
        let wire = send(&objects, &value);
        assert_eq!(
            wire,
            "objects=%7B%22a%22%3A1%7D&objects=%7B%22b%22%3A%5Btrue%5D%7D"
        );
        assert_eq!(receive(&objects, &wire), Ok(Some(value)));
    }

    #[test]
    fn percent_decoding_and_plus() {
        assert_eq!(query("string", "string=a%20b+c%2B"), Some(json!("a b c+")));
        assert_eq!(query("string", "string=caf%C3%A9"), Some(json!("café")));
        assert_eq!(query("string", "str%69ng=x"), Some(json!("x")));
        assert_eq!(query("string", "string"), Some(json!("")));
        assert_eq!(
            query("strings", "strings=a+b%2Cc"),
            Some(json!(["a b", "c"]))
        );
        let space = styled("strings", ParamIn::Query, Style::SpaceDelimited, false);
        assert_eq!(
            receive(&space, "color=a+b%20c"),
            Ok(Some(json!(["a", "b", "c"])))
        );
        assert_eq!(receive(&space, "color=a%2Bb"), Ok(Some(json!(["a+b"]))));
        let pipe = styled("strings", ParamIn::Query, Style::PipeDelimited, false);
        assert_eq!(receive(&pipe, "color=a%7Cb"), Ok(Some(json!(["a", "b"]))));
        let path = styled("string", ParamIn::Path, Style::Simple, false);
        assert_eq!(receive(&path, "a+b%2Fc"), Ok(Some(json!("a+b/c"))));
        let cookie = styled("string", ParamIn::Cookie, Style::Form, false);
        assert_eq!(receive(&cookie, "color=a+b%3B"), Ok(Some(json!("a+b;"))));
        assert_eq!(
            receive(&cookie, "x=1; color=\"quoted\""),
            Ok(Some(json!("quoted")))
        );
        // Header values are taken as sent.
        let header = styled("string", ParamIn::Header, Style::Simple, false);
        assert_eq!(receive(&header, " a%20b "), Ok(Some(json!("a%20b"))));
        let headers = styled("ints", ParamIn::Header, Style::Simple, false);
        assert_eq!(
            decode_header(&headers, schemas(), &["1, 2", " 3"]),
            Ok(Some(json!([1, 2, 3])))
        );
    }

    #[test]
    fn encoders_escape_what_would_break_the_transport() {
        let value = json!("a b/c?d&e=f#g+h%é");
        let query = styled("string", ParamIn::Query, Style::Form, false);
        assert_eq!(
            send(&query, &value),
            "color=a%20b%2Fc%3Fd%26e%3Df%23g%2Bh%25%C3%A9"
        );
        let mut reserved = query.clone();
        reserved.allow_reserved = true;
        let wire = send(&reserved, &value);
        assert_eq!(wire, "color=a%20b/c?d%26e=f%23g%2Bh%25%C3%A9");
        assert_eq!(receive(&reserved, &wire), Ok(Some(value.clone())));
        let path = styled("string", ParamIn::Path, Style::Simple, false);
        assert_eq!(
            send(&path, &value),
            "a%20b%2Fc%3Fd%26e%3Df%23g%2Bh%25%C3%A9"
        );
        let header = styled("string", ParamIn::Header, Style::Simple, false);
        assert_eq!(send(&header, &value), "a b/c?d&e=f#g+h%é");
        let cookie = styled("string", ParamIn::Cookie, Style::Form, false);
        assert_eq!(send(&cookie, &json!("a;b c")), "color=a%3Bb%20c");
        // null is the empty value.
        let nullable = styled("nullable", ParamIn::Query, Style::Form, true);
        assert_eq!(send(&nullable, &json!(null)), "color=");
        assert_eq!(receive(&nullable, "color="), Ok(Some(json!(null))));
    }

    #[test]
    fn deep_objects_nest_and_repeat() {
        let wire = "nested[size][w]=3&nested[tags]=a&nested[tags]=b&nested[name]=x";
        let value = json!({"size": {"w": 3}, "tags": ["a", "b"], "name": "x"});
        assert_eq!(query("nested", wire), Some(value.clone()));
        assert_eq!(send(&param("nested"), &value), wire);
        assert_eq!(
            query(
                "nested",
                "nested%5Btags%5D%5B%5D=a&nested[name]=x&nested[name]=y"
            ),
            Some(json!({"tags": ["a"], "name": "x"}))
        );
        assert_eq!(query("nested", "nestedx[a]=1&other=2"), None);
    }

    #[test]
    fn content_parameters_carry_json_or_text() {
        let value = json!({"a": [1, "b c"]});
        let json_param = param("json");
        let wire = send(&json_param, &value);
        assert_eq!(wire, "json=%7B%22a%22%3A%5B1%2C%22b%20c%22%5D%7D");
        assert_eq!(receive(&json_param, &wire), Ok(Some(value)));
        assert!(query_err("json", "json=%7Bnot").contains("not valid JSON for `application/json`"));
        assert_eq!(query("text", "text=%7Bnot"), Some(json!("{not")));
        assert_eq!(send(&param("text"), &json!("{not")), "text=%7Bnot");
        assert_eq!(
            decode_content("[1]", "application/problem+json; charset=utf-8"),
            Ok(json!([1]))
        );
        assert_eq!(decode_content("[1]", "text/csv"), Ok(json!("[1]")));
        let mut header = param("json");
        header.location = ParamIn::Header;
        assert_eq!(receive(&header, r#" {"a": 1} "#), Ok(Some(json!({"a": 1}))));
        assert!(receive(&header, "{").is_err());
    }

    #[test]
    fn malformed_input_is_a_decode_error() {
        let err = query_err("string", "string=%ZZ");
        assert_eq!(err, "query parameter `string`: malformed percent-encoding");
        assert!(query_err("string", "string=%4").contains("malformed percent-encoding"));
        assert!(query_err("string", "string=%+4").contains("malformed percent-encoding"));
        assert!(query_err("string", "string=%E9").contains("invalid UTF-8 after percent-decoding"));
        assert!(query_err("rgb", "rgb=R,100,G").contains("expected alternating keys and values"));
        assert!(query_err("nested", "nested=1").contains("deepObject needs `nested[key]=value`"));
        assert!(query_err("nested", "nested[size=1").contains("deepObject needs"));
        assert!(query_err("nested", "nested[a]b=1").contains("deepObject needs"));
        assert!(query_err("nested", "nested[name]=1&nested[name][x]=2").contains("conflicts"));
        // A malformed pair that belongs to no parameter of interest is not this one's problem.
        assert_eq!(
            query("string", "other=%ZZ&%ZZ=1&string=ok"),
            Some(json!("ok"))
        );
        let path = |name: &str, style: Style, explode: bool, raw: &str| {
            let p = styled(name, ParamIn::Path, style, explode);
            decode_path(&p, schemas(), raw).unwrap_err().message
        };
        assert_eq!(
            path("string", Style::Matrix, false, "blue"),
            "path parameter `color`: expected the `;color=` prefix of matrix style"
        );
        assert!(path("string", Style::Matrix, false, ";other=1").contains("expected `;color=`"));
        assert!(path("string", Style::Matrix, false, ";color=a;color=b").contains("a single"));
        assert!(path("string", Style::Label, false, "blue").contains("`.` prefix"));
        assert!(path("rgb", Style::Simple, true, "R=1,G").contains("`key=value`"));
        assert!(path("rgb", Style::Label, true, ".R=1.G").contains("`key=value`"));
        assert!(path("string", Style::Simple, false, "%C3%28").contains("invalid UTF-8"));
        let header = styled("rgb", ParamIn::Header, Style::Simple, false);
        assert!(receive(&header, "R,1,G").is_err());
        let cookie = styled("string", ParamIn::Cookie, Style::Form, false);
        assert!(receive(&cookie, "color=100%").is_err());
    }

    #[test]
    fn absent_parameters_are_none() {
        assert_eq!(query("string", ""), None);
        assert_eq!(query("string", "strings=1&other=2"), None);
        assert_eq!(query("strings", "other=1"), None);
        assert_eq!(query("composed", "other=1&color=2"), None);
        assert_eq!(query("nested", "other=1"), None);
        assert_eq!(query("json", "other=1"), None);
        let header = styled("string", ParamIn::Header, Style::Simple, false);
        assert_eq!(decode_header(&header, schemas(), &[]), Ok(None));
        let cookie = styled("strings", ParamIn::Cookie, Style::Form, true);
        assert_eq!(receive(&cookie, "other=1"), Ok(None));
        assert_eq!(receive(&cookie, ""), Ok(None));
        // No schema at all: any text is accepted as a string.
        assert_eq!(query("schemaless", "schemaless=42"), Some(json!("42")));
    }

    #[test]
    fn repetitions_and_empty_values() {
        assert_eq!(query("string", "string=a&string=b"), Some(json!("a")));
        assert_eq!(
            query("strings", "strings=a,b&strings=c"),
            Some(json!(["a", "b", "c"]))
        );
        assert_eq!(query("strings", "strings="), Some(json!([])));
        assert_eq!(query("strings", "strings=,"), Some(json!(["", ""])));
        assert_eq!(query("rgb", "rgb="), Some(json!({})));
        let exploded = styled("strings", ParamIn::Query, Style::Form, true);
        assert_eq!(
            receive(&exploded, "color=a,b&color="),
            Ok(Some(json!(["a,b", ""])))
        );
        assert_eq!(send(&exploded, &json!([])), "color=");
        let path = styled("ints", ParamIn::Path, Style::Simple, false);
        assert_eq!(receive(&path, ""), Ok(Some(json!([]))));
        let matrix = styled("strings", ParamIn::Path, Style::Matrix, true);
        assert_eq!(
            receive(&matrix, ";color;color=a"),
            Ok(Some(json!(["", "a"])))
        );
        assert_eq!(send(&matrix, &json!(["", "a"])), ";color;color=a");
    }

    // ---- decode(encode(v)) == v ----

    /// Characters for generated strings: plain ones, every delimiter of every style, characters
    /// that need percent-encoding, and non-ASCII.
    const ALPHABET: &[char] = &[
        'a', 'Z', '7', '-', '~', '_', ' ', '/', '?', '&', '=', ',', 'é', '😀', '+', '%', '.', ';',
        '|', '#', '[', ']', '"', '\t', ':', '@',
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(ALPHABET), 0..6)
            .prop_map(|chars| chars.into_iter().collect())
    }

    /// A generated value with the parameter whose schema describes it.
    fn sample() -> impl Strategy<Value = (&'static str, Value)> {
        prop_oneof![
            text().prop_map(|s| ("string", json!(s))),
            prop::collection::vec(text(), 0..4).prop_map(|v| ("strings", json!(v))),
            prop::collection::vec(any::<i64>(), 0..4).prop_map(|v| ("ints", json!(v))),
            (
                prop::option::of(text()),
                prop::option::of(text()),
                prop::option::of(text())
            )
                .prop_map(|(r, g, b)| {
                    let mut map = Map::new();
                    for (k, v) in [("R", r), ("G", g), ("B", b)] {
                        if let Some(v) = v {
                            map.insert(k.to_string(), json!(v));
                        }
                    }
                    ("texts", Value::Object(map))
                }),
        ]
    }

    /// Every location, style and explode a parameter can have (deepObject and the delimited
    /// styles with arrays or primitives are not in the table, but are accepted and round-trip).
    const COMBINATIONS: &[(ParamIn, Style, bool)] = {
        use ParamIn::*;
        use Style::*;
        &[
            (Path, Simple, false),
            (Path, Simple, true),
            (Path, Label, false),
            (Path, Label, true),
            (Path, Matrix, false),
            (Path, Matrix, true),
            (Query, Form, false),
            (Query, Form, true),
            (Query, SpaceDelimited, false),
            (Query, PipeDelimited, false),
            (Query, TabDelimited, false),
            (Query, DeepObject, true),
            (Header, Simple, false),
            (Header, Simple, true),
            (Cookie, Form, false),
            (Cookie, Form, true),
        ]
    };

    /// Why a value cannot travel in a combination, if it cannot: the ambiguities the styles
    /// have by design.
    fn ambiguous(
        location: ParamIn,
        style: Style,
        explode: bool,
        value: &Value,
    ) -> Option<&'static str> {
        let texts: Vec<String> = match value {
            Value::Array(items) => items.iter().map(scalar_text).collect(),
            Value::Object(map) => map.values().map(scalar_text).collect(),
            other => vec![scalar_text(other)],
        };
        if value.as_array().is_some_and(|a| a == &[json!("")]) {
            return Some("[\"\"] and [] are both the empty list");
        }
        let form_like = matches!(location, ParamIn::Query | ParamIn::Cookie);
        if value.as_object().is_some_and(Map::is_empty)
            && form_like
            && (explode || style == Style::DeepObject)
        {
            return Some("an empty exploded object sends no pair at all: absent");
        }
        if location == ParamIn::Header && texts.iter().any(|t| t.trim_matches([' ', '\t']) != t) {
            return Some("header values lose surrounding whitespace");
        }
        // The list delimiter a compound value is split on after percent-decoding.
        let delimiter = match (value, location, style, explode) {
            (Value::String(_), ..) => None,
            (_, ParamIn::Query, Style::DeepObject, _) if value.is_object() => None,
            (_, ParamIn::Query, Style::SpaceDelimited, false) => Some(' '),
            (_, ParamIn::Query, Style::PipeDelimited, false) => Some('|'),
            (_, ParamIn::Query, Style::TabDelimited, false) => Some('\t'),
            (_, ParamIn::Path | ParamIn::Header, Style::Simple, _) => Some(','),
            (_, _, _, false) => Some(','),
            _ => None,
        };
        if let Some(d) = delimiter
            && texts.iter().any(|t| t.contains(d))
        {
            return Some("an item containing the list delimiter reads as two items");
        }
        None
    }

    fn check_wire(location: ParamIn, p: &Parameter, value: &Value) {
        match location {
            ParamIn::Path => {
                let segment = encode_path(p, value);
                assert!(
                    !segment.contains(['/', '?', '#', ' ']) && segment.is_ascii(),
                    "not one clean path segment: {segment:?}"
                );
            }
            ParamIn::Query => {
                for (n, v) in encode_query(p, value) {
                    let bad = |s: &str| s.contains(['&', '#', '+', ' ']) || !s.is_ascii();
                    assert!(
                        !bad(&n) && !n.contains('=') && !bad(&v),
                        "unsafe pair {n:?}={v:?}"
                    );
                }
            }
            ParamIn::Cookie => {
                let cookie = encode_cookie(p, value);
                for (n, v) in cookie_pairs(&cookie) {
                    let bad = |s: &str| s.contains(['"', '\\', ' ', ';']) || !s.is_ascii();
                    assert!(!bad(n) && !bad(v), "unsafe cookie {cookie:?}");
                }
            }
            ParamIn::Header => {}
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn decode_inverts_encode((name, value) in sample()) {
            for &(location, style, explode) in COMBINATIONS {
                if ambiguous(location, style, explode, &value).is_some() {
                    continue;
                }
                let p = styled(name, location, style, explode);
                check_wire(location, &p, &value);
                let wire = send(&p, &value);
                prop_assert_eq!(
                    receive(&p, &wire),
                    Ok(Some(value.clone())),
                    "{:?} {:?} explode={} wire {:?}", location, style, explode, wire
                );
            }
        }
    }
}
