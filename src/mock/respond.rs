//! Choosing and rendering the answer: which documented response, which media type, which
//! example.
//!
//! Status: the `Prefer: code=N` one, else the lowest documented 2xx (a `2XX` range or `default`
//! answers 200), else the lowest documented code, else the first code of the lowest documented
//! range (an operation documenting only `4XX` answers 400 with that response's body). Media type: negotiated on `Accept` (q-values,
//! `type/*`, `*/*`), 406 when nothing fits. Body: `Prefer: example=name`, else the media type's
//! first example, else the schema's own (or assembled) example, else data generated from the
//! schema, deterministic for the seed; `Prefer: dynamic=true` always generates. Headers: every
//! documented response header, from its example or its schema.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use super::problem::{Body, problem};
use crate::media::{essence, is_json};
use crate::schema::Direction;
use crate::schema::generate::{Generator, documented_example};
use crate::spec::{
    Example, MediaType, Operation, Response as Documented, SchemaId, Spec, StatusKey,
};

/// A ready problem response explaining why the documented one cannot be sent.
pub type Rejection = Box<hyper::Response<Body>>;

/// What the client asked for with `Prefer` (Prism's vocabulary).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Preferences {
    pub code: Option<u16>,
    pub example: Option<String>,
    pub dynamic: bool,
}

/// Reads every `Prefer` header: `code=404, example="not found", dynamic=true`.
pub fn preferences(headers: &HeaderMap) -> Result<Preferences, String> {
    let mut p = Preferences::default();
    for value in headers.get_all("prefer") {
        let text = value
            .to_str()
            .map_err(|_| "the Prefer header is not visible ASCII".to_string())?;
        for token in text.split([',', ';']) {
            let Some((key, v)) = token.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "code" => {
                    let code: u16 = v
                        .parse()
                        .map_err(|_| format!("Prefer: code={v} is not a status code"))?;
                    // 1xx are interim responses, not answers; 600+ are not HTTP.
                    if !(200..=599).contains(&code) {
                        return Err(format!(
                            "Prefer: code={code}: only final status codes (200-599) can be mocked"
                        ));
                    }
                    p.code = Some(code);
                }
                "example" => p.example = Some(v.to_string()),
                "dynamic" => p.dynamic = v.eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
    }
    Ok(p)
}

/// The response a mock sends by default: the lowest 2xx, else the lowest documented code, else
/// the lowest documented range (`4XX` answers 400).
pub fn default_response(op: &Operation) -> Option<(&Documented, u16)> {
    let lowest = |range: std::ops::Range<u16>| {
        op.responses
            .iter()
            .filter_map(|r| match r.status {
                StatusKey::Code(c) if range.contains(&c) => Some((r, c)),
                _ => None,
            })
            .min_by_key(|&(_, c)| c)
    };
    lowest(200..300)
        .or_else(|| op.response(StatusKey::Range(2)).map(|r| (r, 200)))
        .or_else(|| op.response(StatusKey::Default).map(|r| (r, 200)))
        .or_else(|| lowest(100..600))
        // Only ranges (`4XX`, `5XX`): the range's first code. 1XX are interim
        // responses, never an answer.
        .or_else(|| {
            op.responses
                .iter()
                .filter_map(|r| match r.status {
                    StatusKey::Range(n @ 2..=5) => Some((r, u16::from(n) * 100)),
                    _ => None,
                })
                .min_by_key(|&(_, c)| c)
        })
}

/// Renders a documented response: negotiates the media type, picks the example, adds headers.
/// `Err` is a ready problem response (406, or 422 for an unknown example name).
pub fn render(
    spec: &Spec,
    op: &Operation,
    documented: &Documented,
    status: u16,
    request_headers: &HeaderMap,
    prefs: &Preferences,
    seed: u64,
) -> Result<hyper::Response<Body>, Rejection> {
    let accept = request_headers
        .get(hyper::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let media = if documented.content.is_empty() {
        None
    } else {
        match negotiate(&documented.content, accept) {
            Some(m) => Some(m),
            None => {
                let offered: Vec<&str> = documented
                    .content
                    .iter()
                    .map(|m| m.media_type.as_str())
                    .collect();
                return Err(Box::new(problem(
                    406,
                    "not-acceptable",
                    "Not Acceptable",
                    format!(
                        "Accept: {} matches none of the media types documented for {} {status}: {}",
                        accept.unwrap_or(""),
                        op.label(),
                        offered.join(", ")
                    ),
                    &[],
                )));
            }
        }
    };
    let mut response = hyper::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    // 204 and 304 carry no body (RFC 9110 §15.3.5, §15.4.5).
    let media = media.filter(|_| !matches!(status, 204 | 304));
    if let Some(media) = media {
        let value = match body_value(spec, op, media, prefs, seed.wrapping_add(u64::from(status)))?
        {
            Some(v) => v,
            None => Value::Null,
        };
        let (content_type, bytes) = serialize(spec, media, accept, &value);
        if let Ok(v) = HeaderValue::from_str(&content_type) {
            response.headers_mut().insert(CONTENT_TYPE, v);
        }
        *response.body_mut() = Full::new(Bytes::from(bytes));
    }
    for header in &documented.headers {
        // Content-Type comes from the chosen media type; the framing headers are hyper's to
        // write (a documented Content-Length would contradict the real body).
        if [
            "content-type",
            "content-length",
            "transfer-encoding",
            "connection",
        ]
        .iter()
        .any(|h| header.name.eq_ignore_ascii_case(h))
        {
            continue;
        }
        let value = first_value(&header.examples)
            .cloned()
            .or_else(|| header.schema.and_then(|s| example_or_sample(spec, s, seed)));
        let (Some(value), Ok(name)) = (value, HeaderName::from_bytes(header.name.as_bytes()))
        else {
            continue;
        };
        // Non-ASCII text is legal in header values as UTF-8 bytes (obs-text).
        if let Ok(v) = HeaderValue::from_bytes(header_text(&value).as_bytes()) {
            response.headers_mut().insert(name, v);
        }
    }
    Ok(response)
}

/// The body value for one media type, per the preferences. `Err` is a 422 for an example name
/// that is not documented.
fn body_value(
    spec: &Spec,
    op: &Operation,
    media: &MediaType,
    prefs: &Preferences,
    seed: u64,
) -> Result<Option<Value>, Rejection> {
    if let Some(name) = &prefs.example {
        return match media
            .examples
            .iter()
            .find(|e| e.name.as_deref() == Some(name.as_str()))
        {
            Some(e) => Ok(e.value.clone()),
            None => {
                let names: Vec<&str> = media
                    .examples
                    .iter()
                    .filter_map(|e| e.name.as_deref())
                    .collect();
                Err(Box::new(problem(
                    422,
                    "unsatisfiable-preference",
                    "Unsatisfiable Prefer header",
                    format!(
                        "Prefer: example={name}: {} ({}) documents {}",
                        op.label(),
                        media.media_type,
                        if names.is_empty() {
                            "no named examples".to_string()
                        } else {
                            format!("the examples {}", names.join(", "))
                        }
                    ),
                    &[],
                )))
            }
        };
    }
    if prefs.dynamic {
        return media
            .schema
            .map(|s| generated(spec, op, s, seed))
            .transpose();
    }
    if let Some(v) = first_value(&media.examples) {
        return Ok(Some(v.clone()));
    }
    media
        .schema
        .map(
            |s| match documented_example(&spec.schemas, s, Direction::Response) {
                Some(v) => Ok(v),
                None => generated(spec, op, s, seed),
            },
        )
        .transpose()
}

/// A generated body, or a 500 saying why there is none: the spec's fault (a schema no value
/// of which fits the generation budget, or that no value satisfies), never the client's.
fn generated(spec: &Spec, op: &Operation, schema: SchemaId, seed: u64) -> Result<Value, Rejection> {
    Generator::new(&spec.schemas, Direction::Response)
        .try_sample(schema, seed)
        .map_err(|e| {
            Box::new(problem(
                500,
                "cannot-generate",
                "The mock cannot generate this response",
                format!(
                    "{}: the response schema at {} documents no example, and {e}; add an example to the spec",
                    op.label(),
                    spec.schemas.describe(schema)
                ),
                &[],
            ))
        })
}

fn first_value(examples: &[Example]) -> Option<&Value> {
    examples.iter().find_map(|e| e.value.as_ref())
}

/// A header's value: its example, or a generated one (none when it cannot be generated: the
/// header is left out).
fn example_or_sample(spec: &Spec, schema: SchemaId, seed: u64) -> Option<Value> {
    documented_example(&spec.schemas, schema, Direction::Response).or_else(|| {
        Generator::new(&spec.schemas, Direction::Response)
            .try_sample(schema, seed)
            .ok()
    })
}

/// The Content-Type sent and the bytes: JSON media types get compact JSON; XML media types
/// get XML shaped by the schema's XML Objects (`xml.rs`); a string for any other media type
/// (or for XML: an example written as XML text) is sent as it is; wildcard media types become
/// concrete ones.
fn serialize(
    spec: &Spec,
    media: &MediaType,
    accept: Option<&str>,
    value: &Value,
) -> (String, Vec<u8>) {
    let e = essence(&media.media_type);
    let concrete = if e.contains('*') {
        concrete_type(&e, accept, value)
    } else {
        media.media_type.clone()
    };
    let concrete_essence = essence(&concrete);
    match value {
        Value::String(s) if !is_json(&concrete_essence) => (concrete, s.clone().into_bytes()),
        _ if super::xml::is_xml(&concrete_essence) => {
            let xml = super::xml::to_xml(spec, media.schema, value);
            (concrete, xml.into_bytes())
        }
        _ => (concrete, serde_json::to_vec(value).unwrap_or_default()),
    }
}

/// A concrete type within a documented wildcard (`image/*`, `*/*`): the first one the client
/// named that fits it, else JSON or plain text where the wildcard allows them, else the
/// wildcard's own type with `octet-stream`.
fn concrete_type(wildcard: &str, accept: Option<&str>, value: &Value) -> String {
    let (kind, _) = wildcard.split_once('/').unwrap_or(("*", "*"));
    let fits = |t: &str| kind == "*" || t.split_once('/').is_some_and(|(k, _)| k == kind);
    let named = accept
        .into_iter()
        .flat_map(|a| a.split(','))
        .map(essence)
        .find(|t| !t.contains('*') && fits(t));
    if let Some(t) = named {
        return t;
    }
    let preferred = if value.is_string() {
        "text/plain"
    } else {
        "application/json"
    };
    if fits(preferred) {
        preferred.to_string()
    } else if kind == "text" {
        "text/plain".to_string()
    } else {
        format!("{kind}/octet-stream")
    }
}

/// A header value in simple style: arrays joined by `,`, objects as `k,v,k,v`.
fn header_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(header_text).collect::<Vec<_>>().join(","),
        Value::Object(o) => o
            .iter()
            .flat_map(|(k, v)| [k.clone(), header_text(v)])
            .collect::<Vec<_>>()
            .join(","),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Picks the documented media type the client accepts most (ties: document order).
pub fn negotiate<'m>(content: &'m [MediaType], accept: Option<&str>) -> Option<&'m MediaType> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return content.first();
    };
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .map(|part| {
            let mut pieces = part.split(';');
            let range = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (range, q)
        })
        .collect();
    let quality = |media: &str| -> f32 {
        let m = essence(media);
        let (kind, _) = m.split_once('/').unwrap_or((&m, ""));
        // The most specific matching range decides (RFC 9110 §12.5.1).
        let mut best: Option<(u8, f32)> = None;
        for (range, q) in &ranges {
            let specificity = if *range == m {
                3
            } else if m.contains('*') && (range == "*/*" || range.starts_with(&format!("{kind}/")))
            {
                // A wildcard in the spec (`application/*`) serves what the client names.
                2
            } else if range.strip_suffix("/*") == Some(kind) {
                2
            } else if range == "*/*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, *q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    };
    let mut chosen: Option<(&MediaType, f32)> = None;
    for m in content {
        let q = quality(&m.media_type);
        if q > 0.0 && chosen.is_none_or(|(_, best)| q > best) {
            chosen = Some((m, q));
        }
    }
    chosen.map(|(m, _)| m)
}
