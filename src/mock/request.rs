//! Request validation: every parameter (decoded by its style) and the body, against the spec.
//!
//! The result lists every violation, each with where it is (parameter name or JSON pointer)
//! and the rule broken, so that one round trip tells a client everything that is wrong, up to
//! `schema::validate::MAX_VIOLATIONS` per schema, and only the first for a body over
//! `FULL_REPORT_NODES` (then one `x-stipula-truncated` entry: a body of a million wrong items
//! must not cost a million messages). An undocumented
//! Content-Type is not a violation but its own outcome (415).

use std::fmt;

use hyper::HeaderMap;
use serde_json::{Value, json};

use crate::media::{essence, is_json};
use crate::params;
use crate::schema::Direction;
use crate::spec::{MediaType, Operation, ParamIn, Spec};

/// One thing wrong with a request.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestViolation {
    /// `path`, `query`, `header`, `cookie` or `body`.
    pub location: &'static str,
    /// The parameter's name, or for the body a JSON pointer (`""` for the whole body).
    pub name: String,
    /// The rule broken: a JSON Schema keyword, or `required`, `format`, `syntax`...
    pub rule: String,
    pub message: String,
}

impl RequestViolation {
    fn new(
        location: &'static str,
        name: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        RequestViolation {
            location,
            name: name.into(),
            rule: rule.into(),
            message: message.into(),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({ "in": self.location, "rule": self.rule, "message": self.message });
        if self.location == "body" {
            v["pointer"] = json!(self.name);
        } else {
            v["name"] = json!(self.name);
        }
        v
    }
}

impl fmt::Display for RequestViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.location == "body" && self.name.is_empty() {
            "/"
        } else {
            &self.name
        };
        write!(f, "{} {name}: {}", self.location, self.message)
    }
}

/// What validation concluded.
pub enum Checked {
    Valid,
    /// The body's media type is not documented (415), with what is documented.
    UnsupportedMediaType(String),
    Invalid(Vec<RequestViolation>),
}

/// The parts of a request validation reads.
pub struct Incoming<'a> {
    pub headers: &'a HeaderMap,
    /// Raw path parameter values in template order, with the operation's names for them.
    pub path_values: &'a [String],
    pub path_names: &'a [String],
    pub query: &'a [(&'a str, &'a str)],
    pub cookies: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// Headers whose parameter definitions OpenAPI says to ignore (they are described elsewhere).
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

pub fn check(
    spec: &Spec,
    op: &Operation,
    request: &Incoming<'_>,
    max_json_depth: usize,
) -> Checked {
    let mut violations = Vec::new();
    for p in &op.parameters {
        let decoded = match p.location {
            ParamIn::Path => match request.path_names.iter().position(|n| n == &p.name) {
                Some(i) => params::decode_path(p, &spec.schemas, &request.path_values[i]).map(Some),
                None => Ok(None),
            },
            ParamIn::Query => params::decode_query(p, &spec.schemas, request.query),
            ParamIn::Header => {
                if IGNORED_HEADERS.contains(&p.name.to_ascii_lowercase().as_str()) {
                    continue;
                }
                // Non-ASCII bytes are legal in header values (obs-text): read them as UTF-8,
                // lossily, and let the schema judge.
                let owned: Vec<std::borrow::Cow<'_, str>> = request
                    .headers
                    .get_all(p.name.as_str())
                    .iter()
                    .map(|v| String::from_utf8_lossy(v.as_bytes()))
                    .collect();
                let values: Vec<&str> = owned.iter().map(|v| v.as_ref()).collect();
                params::decode_header(p, &spec.schemas, &values)
            }
            ParamIn::Cookie => params::decode_cookie(p, &spec.schemas, request.cookies),
        };
        let location = p.location.as_str();
        match decoded {
            Err(e) => violations.push(RequestViolation::new(
                location, &p.name, "syntax", e.message,
            )),
            Ok(None) if p.required => violations.push(RequestViolation::new(
                location,
                &p.name,
                "required",
                format!("required {location} parameter `{}` is missing", p.name),
            )),
            Ok(None) => {}
            Ok(Some(value)) => {
                let value = match (&p.content.first(), &value) {
                    (Some(m), Value::String(s)) => match params::decode_content(s, &m.media_type) {
                        Ok(v) => v,
                        Err(e) => {
                            violations.push(RequestViolation::new(
                                location, &p.name, "syntax", e.message,
                            ));
                            continue;
                        }
                    },
                    _ => value,
                };
                let schema = p
                    .schema
                    .or_else(|| p.content.first().and_then(|m| m.schema));
                let before = violations.len();
                if let Some(schema) = schema {
                    for v in spec.schemas.validate(schema, Direction::Request, &value) {
                        let at = if v.instance_path.is_empty() {
                            String::new()
                        } else {
                            format!(" at {}", v.instance_path)
                        };
                        violations.push(RequestViolation::new(
                            location,
                            &p.name,
                            v.keyword,
                            format!("`{}`{at}: {}", p.name, v.message),
                        ));
                    }
                }
                let empty = p.location == ParamIn::Query
                    && request
                        .query
                        .iter()
                        .any(|(k, v)| *k == p.name && v.is_empty());
                if empty && violations.len() > before && refuses_empty(spec, p.allow_empty_value) {
                    violations.truncate(before);
                    violations.push(empty_value(location, p.name.clone(), &p.name));
                }
            }
        }
    }
    match check_body(spec, op, request, max_json_depth, &mut violations) {
        Some(unsupported) => Checked::UnsupportedMediaType(unsupported),
        None if violations.is_empty() => Checked::Valid,
        None => Checked::Invalid(violations),
    }
}

/// Validates the body; returns `Some(documented types)` when its media type is not documented.
fn check_body(
    spec: &Spec,
    op: &Operation,
    request: &Incoming<'_>,
    max_json_depth: usize,
    violations: &mut Vec<RequestViolation>,
) -> Option<String> {
    let Some(body_doc) = &op.request_body else {
        return None;
    };
    if request.body.is_empty() {
        if body_doc.required {
            violations.push(RequestViolation::new(
                "body",
                "",
                "presence",
                "a request body is required",
            ));
        }
        return None;
    }
    let content_type = request
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let documented = || {
        body_doc
            .content
            .iter()
            .map(|m| m.media_type.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let media = match content_type {
        Some(ct) => match best_media_type(&body_doc.content, ct) {
            Some(m) => m,
            None => return Some(documented()),
        },
        None => match body_doc.content.iter().find(|m| m.media_type == "*/*") {
            Some(m) => m,
            None if body_doc.content.is_empty() => return None,
            None => {
                violations.push(RequestViolation::new(
                    "header",
                    "Content-Type",
                    "required",
                    format!(
                        "the request has a body but no Content-Type (documented: {})",
                        documented()
                    ),
                ));
                return None;
            }
        },
    };
    let schema = media.schema?;
    let essence = essence(content_type.unwrap_or(&media.media_type));
    let value = if is_json(&essence) {
        match parse_json(request.body, max_json_depth) {
            Ok(v) => v,
            Err(message) => {
                violations.push(RequestViolation::new("body", "", "syntax", message));
                return None;
            }
        }
    } else if essence == "application/x-www-form-urlencoded" {
        let Ok(text) = std::str::from_utf8(request.body) else {
            violations.push(RequestViolation::new(
                "body",
                "",
                "syntax",
                "the form body is not UTF-8",
            ));
            return None;
        };
        match params::form::decode(&spec.schemas, spec.schemas.get(schema), text) {
            Ok(v) => v,
            Err(message) => {
                violations.push(RequestViolation::new("body", "", "syntax", message));
                return None;
            }
        }
    } else if essence == "text/plain" {
        // A plain-text body is one scalar: typed like a parameter (`42` for an integer schema).
        match std::str::from_utf8(request.body) {
            Ok(text) => params::coerce(&spec.schemas, spec.schemas.get(schema), text),
            Err(_) => {
                violations.push(RequestViolation::new(
                    "body",
                    "",
                    "syntax",
                    "the text body is not UTF-8",
                ));
                return None;
            }
        }
    } else if essence == "multipart/form-data" {
        match multipart_value(
            spec,
            media,
            schema,
            content_type.unwrap_or(""),
            request.body,
        ) {
            Ok((value, mut problems)) => {
                violations.append(&mut problems);
                value
            }
            Err(message) => {
                violations.push(RequestViolation::new("body", "", "syntax", message));
                return None;
            }
        }
    } else {
        // Binary, XML, CSV and other bodies: their schema describes bytes or a structure that
        // JSON Schema cannot check here.
        return None;
    };
    let form = essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data";
    let mut empty_fields: Vec<String> = Vec::new();
    for v in spec.schemas.validate(schema, Direction::Request, &value) {
        // A 2.0 form field sent empty: one violation that says why, whatever rules it breaks.
        let field = v
            .instance_path
            .strip_prefix('/')
            .filter(|f| !f.contains('/'));
        if form
            && let Some(field) = field
            && refuses_empty(spec, false)
            && value.get(unescape_pointer(field)) == Some(&Value::String(String::new()))
        {
            if !empty_fields.iter().any(|f| f == field) {
                empty_fields.push(field.to_string());
                violations.push(empty_value(
                    "body",
                    v.instance_path.clone(),
                    &unescape_pointer(field),
                ));
            }
            continue;
        }
        violations.push(RequestViolation::new(
            "body",
            v.instance_path,
            v.keyword,
            v.message,
        ));
    }
    None
}

/// Whether an empty value is refused for its own sake: Swagger 2.0's `allowEmptyValue`
/// defaults to false (its conversion gives such strings `minLength: 1`).
fn refuses_empty(spec: &Spec, allow_empty_value: bool) -> bool {
    spec.dialect == crate::spec::Dialect::Swagger2 && !allow_empty_value
}

fn empty_value(location: &'static str, at: String, name: &str) -> RequestViolation {
    RequestViolation::new(
        location,
        at,
        "allowEmptyValue",
        format!(
            "`{name}` is empty: Swagger 2.0 refuses empty values unless the parameter says `allowEmptyValue: true`"
        ),
    )
}

fn unescape_pointer(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The documented media type that best matches a Content-Type: exact, then `type/*`, then `*/*`.
fn best_media_type<'m>(content: &'m [MediaType], content_type: &str) -> Option<&'m MediaType> {
    let actual = essence(content_type);
    let (kind, _) = actual.split_once('/').unwrap_or((&actual, ""));
    content
        .iter()
        .find(|m| essence(&m.media_type) == actual)
        .or_else(|| {
            content
                .iter()
                .find(|m| essence(&m.media_type) == format!("{kind}/*"))
        })
        .or_else(|| content.iter().find(|m| m.media_type == "*/*"))
}

/// Most JSON values (scalars, arrays, objects) in a request body. Parsed, a tiny object costs
/// a few hundred bytes: 10 MiB of `{"x":1}` items was 1.3 million of them and 0.7 GB before
/// validation began. Counted on the bytes, before parsing.
pub const MAX_JSON_VALUES: usize = 250_000;

fn parse_json(body: &[u8], max_depth: usize) -> Result<Value, String> {
    if !fewer_values_than(body, MAX_JSON_VALUES) {
        return Err(format!(
            "the body has more than {MAX_JSON_VALUES} JSON values, more than this mock parses"
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|e| format!("the body is not UTF-8 (byte {})", e.valid_up_to()))?;
    // RFC 8259 §8.1: a parser may ignore a byte order mark rather than treat it as an error.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("the body is not valid JSON: {e}"))?;
    if depth(&value) > max_depth {
        return Err(format!("the body nests deeper than {max_depth} levels"));
    }
    Ok(value)
}

/// Whether the JSON text has fewer than `limit` values: an upper bound counted on the bytes
/// (every `[`, `{` and `,` outside strings starts at most one more value), so a body that is
/// not JSON at all is let through to the parser's own message.
fn fewer_values_than(body: &[u8], limit: usize) -> bool {
    let mut values = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' | b',' => {
                values += 1;
                if values >= limit {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// Nesting depth counted in arrays and objects, as serde_json counts it (`[[1]]` is 2).
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((v, d)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(a) => Box::new(a.iter()),
            Value::Object(o) => Box::new(o.values()),
            _ => continue,
        };
        deepest = deepest.max(d + 1);
        stack.extend(children.map(|c| (c, d + 1)));
    }
    deepest
}

/// A multipart body as the object its schema describes, and the parts whose Content-Type the
/// media type's `encoding` does not allow. `Err` is a body that cannot be split or read.
fn multipart_value(
    spec: &Spec,
    media: &MediaType,
    schema: crate::spec::SchemaId,
    content_type: &str,
    body: &[u8],
) -> Result<(Value, Vec<RequestViolation>), String> {
    use crate::params::multipart;
    let boundary = multipart::boundary(content_type).ok_or_else(|| {
        format!(
            "the Content-Type `{content_type}` has no boundary parameter, so the body cannot be split into parts"
        )
    })?;
    let parts = multipart::decode_parts(body, &boundary)?;
    let mut problems = Vec::new();
    for part in &parts {
        let Some(allowed) = media
            .encoding
            .iter()
            .find(|e| e.property == part.name)
            .and_then(|e| e.content_type.as_deref())
        else {
            continue;
        };
        // RFC 7578 §4.4: a part without a Content-Type is text/plain.
        let actual = part.content_type.as_deref().unwrap_or("text/plain");
        if !allowed
            .split(',')
            .any(|a| crate::media::matches(a.trim(), actual))
        {
            problems.push(RequestViolation::new(
                "body",
                format!("/{}", part.name.replace('~', "~0").replace('/', "~1")),
                "contentType",
                format!(
                    "part `{}` is `{actual}`; its encoding allows `{allowed}`",
                    part.name
                ),
            ));
        }
    }
    let value = multipart::decode_object(&spec.schemas, spec.schemas.get(schema), &parts)?;
    Ok((value, problems))
}
