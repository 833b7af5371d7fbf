//! Encoding: JSON values onto the wire the way a client sends them (the runner's
//! direction), the exact inverse of `decode.rs` for every value that is not ambiguous (the
//! round-trip property test in `params/mod.rs` pins it).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::spec::{Parameter, Style};

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
pub(super) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
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

fn encode(text: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(text, set).to_string()
}

/// One value as text: strings as they are, `null` as empty, nested arrays and objects as JSON.
pub(super) fn scalar_text(value: &Value) -> String {
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
/// [`decode_path`](super::decode_path).
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
/// join with `=` and `&`), the inverse of [`decode_query`](super::decode_query). An empty exploded object gives no
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
/// [`decode_header`](super::decode_header). The caller must make sure the text is a valid header value (visible
/// ASCII) before sending it.
pub fn encode_header(param: &Parameter, value: &Value) -> String {
    if let Some(text) = content_text(param, value) {
        return text;
    }
    simple_text(param.explode, value, &|s: &str| s.to_string())
}

/// Encode a cookie parameter's value (form style) as the `Cookie` header fragment that carries
/// it: `name=value`, or several pairs joined with `; ` when exploded (`id=1; id=2`,
/// `R=100; G=200`). The inverse of [`decode_cookie`](super::decode_cookie) over [`cookie_pairs`](super::cookie_pairs).
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
