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
//!
//! The files: this one holds the shared types and the schema look-through ([`shape_of`],
//! [`coerce`]: what a schema says a piece of text is), `decode.rs` the mock's direction (what a
//! client sent into JSON typed by the schema), `encode.rs` the runner's (values onto the wire),
//! and `form.rs` / `multipart.rs` the request bodies that carry fields the same way, so the
//! mock and the runner share one codec and one round trip.

mod decode;
mod encode;
pub mod form;
pub mod multipart;

use std::fmt;

use serde_json::Value;

use crate::schema::Schemas;

pub use decode::{
    MAX_DEEP_OBJECT_DEPTH, cookie_pairs, decode_content, decode_cookie, decode_header, decode_path,
    decode_query, percent_decode, query_pairs,
};
pub use encode::{encode_cookie, encode_header, encode_path, encode_query};

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
/// How deep `$ref`s and `allOf`/`anyOf`/`oneOf` are followed when looking through a schema.
const MAX_DEPTH: usize = crate::schema::view::MAX_DEPTH as usize;

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

/// The (resolved) schema of a property, looking through `allOf`/`anyOf`/`oneOf`, else the
/// `additionalProperties` schema, else [`ANY`].
pub(crate) fn property_schema<'a>(schemas: &'a Schemas, schema: &'a Value, key: &str) -> &'a Value {
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
pub(crate) fn item_schema<'a>(schemas: &'a Schemas, schema: &'a Value, index: usize) -> &'a Value {
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
pub(crate) fn property_names(
    schemas: &Schemas,
    schema: &Value,
    depth: usize,
    out: &mut Vec<String>,
) {
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

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;
    use serde_json::{Map, json};

    use super::encode::scalar_text;
    use super::*;
    use crate::spec::{ParamIn, Parameter, Spec, Style};

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
