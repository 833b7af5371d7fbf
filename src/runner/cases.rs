//! The requests each phase sends for one operation, as [`Draft`]s with what they expect.
//!
//! Every case is classified by the spec's own validators, never by the heuristics that made
//! it: a boundary value or a mutation is *tried* on a copy, and the copy is sent as a valid
//! request only if it validates, as an invalid one only if the validator (after the same
//! encode/decode round trip the server will do for parameters) says it breaks the spec. So a
//! heuristic that guesses wrong costs a case, never a false alarm.
//!
//! - examples: the documented examples, each parameter and body example in turn on top of a
//!   base request (first examples everywhere, generated values where none is documented).
//! - boundary: for every constrained place in the base request (a parameter, a body property
//!   at any depth), the edges of its constraints: lengths, ranges, item counts (a 2000-item
//!   batch where `maxItems` is 2000, then 2001), empty and long strings, non-ASCII text, every
//!   enum value, format edge cases. Valid ones expect acceptance, the ones past an edge a 4xx.
//! - fuzz: random valid requests drawn from proptest strategies ([`FuzzStrategy`], shrinkable),
//!   and mutations that each break one rule: a missing required parameter or property, a wrong
//!   type, a value out of range or outside the enum, a bad format, too many items, a malformed
//!   body, an undocumented content type.

use proptest::prelude::Strategy;
use proptest::strategy::BoxedStrategy;
use serde_json::{Map, Value, json};

use crate::params;
use crate::schema::generate::{Generator, documented_example};
use crate::schema::{Direction, SchemaView, Schemas};
use crate::spec::{Operation, ParamIn, Parameter, SchemaId, Spec};

use super::checks::Expect;
use super::event::Check;
use super::request::{BodyDraft, Draft, can_encode, is_header_text};

/// One request to send and what it expects.
#[derive(Debug, Clone)]
pub struct Case {
    pub draft: Draft,
    pub expect: Expect,
}

/// The schema of a parameter: its own, or that of its `content` media type.
pub fn param_schema(p: &Parameter) -> Option<SchemaId> {
    p.schema
        .or_else(|| p.content.first().and_then(|m| m.schema))
}

/// The request body media type the runner writes: the first it can encode that has a schema.
pub fn body_media(op: &Operation) -> Option<(&str, SchemaId)> {
    let body = op.request_body.as_ref()?;
    body.content
        .iter()
        .filter(|m| can_encode(&m.media_type) && !m.media_type.contains('*'))
        .find_map(|m| Some((m.media_type.as_str(), m.schema?)))
}

/// Whether a parameter value survives the trip to the wire and back as a valid value, which
/// is what the server will judge. `None`: it cannot be sent at all (a header value that is not
/// visible ASCII, a path segment that is empty or a dot segment).
pub fn wire_verdict(schemas: &Schemas, p: &Parameter, value: &Value) -> Option<bool> {
    wire_rule(schemas, p, value).map(|broken| broken.is_none())
}

/// The rule a parameter value breaks once it has made the trip to the wire and back: `None`
/// outside when it cannot be sent, `Some(None)` when the server receives a valid value.
pub fn wire_rule(schemas: &Schemas, p: &Parameter, value: &Value) -> Option<Option<Broken>> {
    let Some(schema) = param_schema(p) else {
        return Some(None);
    };
    let decoded = match p.location {
        ParamIn::Path => {
            let raw = params::encode_path(p, value);
            let decoded_text = params::percent_decode(&raw, false).ok()?;
            if raw.is_empty() || decoded_text == "." || decoded_text == ".." {
                return None;
            }
            params::decode_path(p, schemas, &raw).map(Some)
        }
        ParamIn::Query => {
            let pairs = params::encode_query(p, value);
            let borrowed: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            params::decode_query(p, schemas, &borrowed)
        }
        ParamIn::Header => {
            let text = params::encode_header(p, value);
            if !is_header_text(&text) || text.is_empty() {
                return None;
            }
            params::decode_header(p, schemas, &[text.as_str()])
        }
        ParamIn::Cookie => {
            let text = params::encode_cookie(p, value);
            if !is_header_text(&text) {
                return None;
            }
            params::decode_cookie(p, schemas, &params::cookie_pairs(&text))
        }
    };
    Some(match decoded {
        Ok(Some(v)) => Broken::first(&schemas.validate(schema, Direction::Request, &v)),
        // An exploded empty object sends nothing: the parameter is absent.
        Ok(None) if !p.required || has_default(schemas, schema) => None,
        Ok(None) => Some(Broken {
            rule: "it sends nothing, and the parameter is required".into(),
            lenient: None,
        }),
        Err(e) => Some(Broken {
            rule: format!("it does not read back as the parameter's style: {e}"),
            lenient: None,
        }),
    })
}

/// The rule an invalid value breaks, and why a server may accept it anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The validator's message and keyword (`… is greater than the maximum of … (maximum)`).
    pub rule: String,
    pub lenient: Option<&'static str>,
}

impl Broken {
    /// The first violation, lenient when every violation is one a server may let pass.
    fn first(violations: &[crate::schema::Violation]) -> Option<Broken> {
        let first = violations.first()?;
        let rule = if first.instance_path.is_empty() {
            format!("{} ({})", first.message, first.keyword)
        } else {
            first.to_string()
        };
        let lenient = violations
            .iter()
            .all(|v| v.keyword == "format")
            .then_some(LENIENT_FORMAT);
        Some(Broken { rule, lenient })
    }
}

/// Why accepting a value that only breaks a `format` is not a failure by default.
pub const LENIENT_FORMAT: &str = "`format` is an annotation that OpenAPI and JSON Schema 2020-12 do not require servers to assert";
/// Why accepting a body of an undocumented media type is not a failure by default.
pub const LENIENT_MEDIA_TYPE: &str =
    "OpenAPI does not require a server to refuse media types it does not document";
/// Why accepting a request without its required body is not a failure by default when the
/// body's schema takes `{}`.
pub const LENIENT_NO_BODY: &str =
    "the body's schema accepts `{}`, and a server may read a missing body as that";

/// Why accepting an empty value for an optional query parameter is not a failure by default.
pub const LENIENT_EMPTY_OPTIONAL: &str = "the parameter is optional, and a server may read an empty value as the parameter left out (OpenAPI's `allowEmptyValue` says as much)";

/// Whether a schema states a `default` (a server fills it in when the value is missing).
fn has_default(schemas: &Schemas, schema: SchemaId) -> bool {
    SchemaView::of(schemas, schemas.get(schema))
        .default
        .is_some()
}

/// `value` with the `default` of every missing property filled in, at every depth the schema
/// describes: what a server that applies the spec's defaults works with.
fn with_defaults(schemas: &Schemas, schema: &Value, value: &Value, depth: u32) -> Value {
    let Value::Object(map) = value else {
        return value.clone();
    };
    if depth > 8 {
        return value.clone();
    }
    let view = SchemaView::of(schemas, schema);
    let mut out = map.clone();
    for (name, sub) in view.properties() {
        match map.get(name) {
            Some(v) => {
                out.insert(name.to_string(), with_defaults(schemas, sub, v, depth + 1));
            }
            None => {
                if let Some(d) = SchemaView::of(schemas, sub).default {
                    out.insert(name.to_string(), d.clone());
                }
            }
        }
    }
    Value::Object(out)
}

/// Builds the cases of one operation.
pub struct Planner<'a> {
    pub spec: &'a Spec,
    pub op: &'a Operation,
    pub seed: u64,
    /// Lower-case names of the headers the run sends itself (`--header`): they replace header
    /// parameters of the same name (a Swagger 2.0 `Authorization` parameter), which are
    /// therefore neither varied nor left out.
    pub given_headers: &'a [String],
}

impl<'a> Planner<'a> {
    fn schemas(&self) -> &'a Schemas {
        &self.spec.schemas
    }

    /// Whether the run's own headers replace this parameter, or it is one OpenAPI says to
    /// ignore (`Accept`, `Content-Type`, `Authorization`: the client's machinery sets them; a
    /// Swagger 2.0 spec may still declare them).
    fn overridden(&self, p: &Parameter) -> bool {
        p.location == ParamIn::Header
            && (super::request::is_reserved_header(&p.name)
                || self
                    .given_headers
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(&p.name)))
    }

    /// A valid value for a parameter: its first example, the schema's, else a generated one.
    fn param_value(&self, p: &Parameter, salt: u64) -> Option<Value> {
        let schema = param_schema(p)?;
        let schemas = self.schemas();
        let documented = p
            .examples
            .iter()
            .filter_map(|e| e.value.clone())
            .chain(documented_example(schemas, schema, Direction::Request));
        for v in documented {
            if wire_verdict(schemas, p, &v) == Some(true) {
                return Some(v);
            }
        }
        let generator = Generator::new(schemas, Direction::Request);
        (0..8u64)
            .map(|i| generator.sample(schema, self.seed ^ salt.wrapping_add(i << 32)))
            .find(|v| wire_verdict(schemas, p, v) == Some(true))
    }

    /// A valid body value: the media type's first valid example, the schema's, else generated.
    fn body_value(&self, media: &str, schema: SchemaId) -> Option<Value> {
        let schemas = self.schemas();
        let op_media = self
            .op
            .request_body
            .as_ref()?
            .content
            .iter()
            .find(|m| m.media_type == media)?;
        let documented = op_media
            .examples
            .iter()
            .filter_map(|e| e.value.clone())
            .chain(documented_example(schemas, schema, Direction::Request));
        for v in documented {
            if schemas.is_valid(schema, Direction::Request, &v) {
                return Some(v);
            }
        }
        let v = Generator::new(schemas, Direction::Request).sample(schema, self.seed);
        schemas
            .is_valid(schema, Direction::Request, &v)
            .then_some(v)
    }

    /// The base request: required parameters and a body with documented or generated values,
    /// optional parameters with their documented examples. `Err` names what has no valid value.
    pub fn base(&self) -> Result<Draft, String> {
        let mut values = Vec::new();
        for (i, p) in self.op.parameters.iter().enumerate() {
            let value = if p.required || !p.examples.is_empty() {
                self.param_value(p, i as u64)
            } else {
                None
            };
            if p.required && value.is_none() {
                return Err(format!(
                    "no valid value could be found for the required {} parameter `{}`",
                    p.location.as_str(),
                    p.name
                ));
            }
            values.push(value);
        }
        let body = match (body_media(self.op), &self.op.request_body) {
            (Some((media, schema)), _) => match self.body_value(media, schema) {
                Some(value) => Some(BodyDraft::Value {
                    media_type: media.to_string(),
                    value,
                }),
                None => return Err(format!("no valid `{media}` request body could be found")),
            },
            (None, Some(body)) if body.required => {
                return Err(format!(
                    "the request body's media types ({}) are not ones the runner can write",
                    body.content
                        .iter()
                        .map(|m| m.media_type.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            (None, _) => None,
        };
        Ok(Draft::new(values, body))
    }

    /// A request with generated values instead of documented ones, for creating items: APIs
    /// refuse a second item with the documented example's name, and earlier phases have
    /// already sent it. Falls back to the base request where nothing valid is generated.
    pub fn fresh(&self, base: &Draft) -> Draft {
        let schemas = self.schemas();
        let generator = Generator::new(schemas, Direction::Request);
        let mut draft = base.clone();
        for (i, p) in self.op.parameters.iter().enumerate() {
            if let (Some(schema), Some(_)) = (param_schema(p), &base.params[i]) {
                let v = generator.sample(schema, self.seed ^ (i as u64 + 1));
                if wire_verdict(schemas, p, &v) == Some(true) {
                    draft.params[i] = Some(v);
                }
            }
        }
        if let Some(BodyDraft::Value { media_type, .. }) = &base.body
            && let Some((_, schema)) = body_media(self.op)
        {
            let v = generator.sample(schema, self.seed);
            if schemas.is_valid(schema, Direction::Request, &v) {
                draft.body = Some(BodyDraft::Value {
                    media_type: media_type.clone(),
                    value: v,
                });
            }
        }
        draft
    }

    /// Classifies a draft: valid, invalid (and why), or neither.
    pub fn classify(&self, draft: &Draft) -> Expect {
        let schemas = self.schemas();
        for (p, v) in self.op.parameters.iter().zip(&draft.params) {
            match v {
                _ if self.overridden(p) => {}
                // A stated default is what the server uses for a missing value.
                None if p.required && !param_schema(p).is_some_and(|s| has_default(schemas, s)) => {
                    return Expect::Invalid {
                        check: missing_check(p),
                        what: format!(
                            "the required {} parameter `{}` is missing",
                            p.location.as_str(),
                            p.name
                        ),
                        lenient: None,
                    };
                }
                None => {}
                Some(v) => match wire_rule(schemas, p, v) {
                    Some(None) => {}
                    Some(Some(broken)) => {
                        // `?id=` for an optional parameter: many servers read it as `id` left
                        // out, which is a valid request.
                        let empty_optional = !p.required
                            && p.location == crate::spec::ParamIn::Query
                            && v.as_str() == Some("");
                        return Expect::Invalid {
                            check: Check::InvalidRequestRejected,
                            what: format!(
                                "{} parameter `{}` = {}: {}",
                                p.location.as_str(),
                                p.name,
                                short(v),
                                broken.rule
                            ),
                            lenient: broken
                                .lenient
                                .or(empty_optional.then_some(LENIENT_EMPTY_OPTIONAL)),
                        };
                    }
                    None => return Expect::Nothing,
                },
            }
        }
        match (&draft.body, &self.op.request_body) {
            (None, Some(b)) if b.required => Expect::Invalid {
                check: Check::InvalidRequestRejected,
                what: "the required request body is missing".into(),
                lenient: self.empty_object_accepted().then_some(LENIENT_NO_BODY),
            },
            // An empty body cannot be told from no body (Content-Length: 0).
            (Some(BodyDraft::Value { media_type, value }), Some(b))
                if super::request::body_bytes(media_type, value).is_empty() =>
            {
                if b.required {
                    Expect::Invalid {
                        check: Check::InvalidRequestRejected,
                        what: "the required request body is empty".into(),
                        lenient: self.empty_object_accepted().then_some(LENIENT_NO_BODY),
                    }
                } else {
                    Expect::Valid
                }
            }
            (Some(BodyDraft::Value { media_type, value }), Some(b)) => {
                let Some(m) = b.content.iter().find(|m| &m.media_type == media_type) else {
                    return Expect::Nothing;
                };
                let Some(schema) = m.schema else {
                    return Expect::Valid;
                };
                // Defaults the schema states are what the server fills in.
                let filled = with_defaults(schemas, schemas.get(schema), value, 0);
                let violations = schemas.validate(schema, Direction::Request, &filled);
                match Broken::first(&violations) {
                    None => Expect::Valid,
                    Some(broken) => Expect::Invalid {
                        check: Check::InvalidRequestRejected,
                        what: format!("request body {}", broken.rule),
                        lenient: broken.lenient,
                    },
                }
            }
            (Some(BodyDraft::Raw { .. }), _) => Expect::Nothing,
            _ => Expect::Valid,
        }
    }

    /// Whether the body's (first writable) schema accepts `{}`, so that a server may read a
    /// missing JSON body as an empty object.
    fn empty_object_accepted(&self) -> bool {
        match body_media(self.op) {
            Some((media, schema)) => {
                crate::media::is_json(media)
                    && self
                        .schemas()
                        .is_valid(schema, Direction::Request, &json!({}))
            }
            None => false,
        }
    }

    /// The examples phase.
    pub fn examples(&self, base: &Draft) -> Vec<Case> {
        let mut drafts = vec![base.clone()];
        for (i, p) in self.op.parameters.iter().enumerate() {
            for e in p.examples.iter().filter_map(|e| e.value.as_ref()) {
                if base.params[i].as_ref() != Some(e) {
                    let mut d = base.clone();
                    d.params[i] = Some(e.clone());
                    drafts.push(d);
                }
            }
        }
        if let Some(body) = &self.op.request_body {
            for m in body.content.iter().filter(|m| can_encode(&m.media_type)) {
                for e in m.examples.iter().filter_map(|e| e.value.as_ref()) {
                    let d = Draft {
                        body: Some(BodyDraft::Value {
                            media_type: m.media_type.clone(),
                            value: e.clone(),
                        }),
                        ..base.clone()
                    };
                    if !drafts.contains(&d) {
                        drafts.push(d);
                    }
                }
            }
        }
        drafts
            .into_iter()
            .map(|draft| {
                // A documented example the spec itself rejects decides nothing (lint reports it).
                let expect = match self.classify(&draft) {
                    Expect::Valid => Expect::Valid,
                    _ => Expect::Nothing,
                };
                Case { draft, expect }
            })
            .collect()
    }

    /// The base request with one place of one parameter replaced, for every place (the value
    /// and, inside it, every property and first item) and every value `vary` proposes for it.
    fn param_variations(&self, base: &Draft, vary: &Vary) -> Vec<Draft> {
        let schemas = self.schemas();
        let mut out = Vec::new();
        for (i, p) in self.op.parameters.iter().enumerate() {
            let Some(schema) = param_schema(p).filter(|_| !self.overridden(p)) else {
                continue;
            };
            let current = base.params[i]
                .clone()
                .unwrap_or_else(|| placeholder(schemas, schemas.get(schema)));
            // Parameters go through the wire round trip in `classify`: types are visible.
            for site in sites(schemas, schemas.get(schema), &current, String::new(), 0) {
                for candidate in vary(schemas, site.schema, site.value, true) {
                    let mut v = current.clone();
                    replace(&mut v, &site.pointer, candidate);
                    let mut d = base.clone();
                    d.params[i] = Some(v);
                    out.push(d);
                }
            }
        }
        out
    }

    /// The same for the body. Text bodies (forms, multipart, plain text) carry no JSON types:
    /// `vary` is told so (a number where a string belongs reads as a valid string there).
    fn body_variations(&self, base: &Draft, vary: &Vary) -> Vec<Draft> {
        let schemas = self.schemas();
        let mut out = Vec::new();
        if let Some(BodyDraft::Value { media_type, value }) = &base.body
            && let Some((_, schema)) = body_media(self.op)
        {
            let typed = crate::media::is_json(media_type);
            for site in sites(schemas, schemas.get(schema), value, String::new(), 0) {
                for candidate in vary(schemas, site.schema, site.value, typed) {
                    let mut v = value.clone();
                    replace(&mut v, &site.pointer, candidate);
                    out.push(Draft {
                        body: Some(BodyDraft::Value {
                            media_type: media_type.clone(),
                            value: v,
                        }),
                        ..base.clone()
                    });
                }
            }
        }
        out
    }

    /// The boundary phase: edges of every constraint in the base request.
    pub fn boundary(&self, base: &Draft, limit: usize) -> Vec<Case> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        let mut push = |out: &mut Vec<Case>, draft: Draft, planner: &Planner| {
            if seen.contains(&draft) || out.len() >= limit {
                return;
            }
            let expect = planner.classify(&draft);
            if expect != Expect::Nothing {
                seen.push(draft.clone());
                out.push(Case { draft, expect });
            }
        };
        for d in self.param_variations(base, &|s, schema, value, _| edges(s, schema, value)) {
            push(&mut out, d, self);
        }
        for d in self.body_variations(base, &|s, schema, value, _| edges(s, schema, value)) {
            push(&mut out, d, self);
        }
        out
    }

    /// Invalid requests that each break one rule, confirmed invalid by the validator.
    pub fn negatives(&self, base: &Draft, limit: usize) -> Vec<Case> {
        let mut out: Vec<Case> = Vec::new();
        let push = |out: &mut Vec<Case>, draft: Draft, planner: &Planner| {
            if out.len() >= limit || out.iter().any(|c| c.draft == draft) {
                return;
            }
            if let e @ Expect::Invalid { .. } = planner.classify(&draft) {
                out.push(Case { draft, expect: e });
            }
        };
        for (i, p) in self.op.parameters.iter().enumerate() {
            if p.required && p.location != ParamIn::Path && !self.overridden(p) {
                let mut d = base.clone();
                d.params[i] = None;
                push(&mut out, d, self);
            }
        }
        for d in self.param_variations(base, &breakers) {
            push(&mut out, d, self);
        }
        if let Some(body) = &self.op.request_body {
            if body.required {
                push(
                    &mut out,
                    Draft {
                        body: None,
                        ..base.clone()
                    },
                    self,
                );
            }
            if let Some(BodyDraft::Value { media_type, value }) = &base.body
                && body_media(self.op).is_some()
            {
                for d in self.body_variations(base, &breakers) {
                    push(&mut out, d, self);
                }
                // A body that is not JSON at all, and one in an undocumented media type.
                if crate::media::is_json(media_type) && out.len() < limit {
                    out.push(Case {
                        draft: Draft {
                            body: Some(BodyDraft::Raw {
                                media_type: media_type.clone(),
                                bytes: b"{\"stipula\": ".to_vec(),
                            }),
                            ..base.clone()
                        },
                        expect: Expect::Invalid {
                            check: Check::InvalidRequestRejected,
                            what: "the JSON body is malformed".into(),
                            lenient: None,
                        },
                    });
                }
                let wildcard = body.content.iter().any(|m| m.media_type.contains('*'));
                if !wildcard && out.len() < limit {
                    out.push(Case {
                        draft: Draft {
                            body: Some(BodyDraft::Raw {
                                media_type: "application/x-stipula-undocumented".into(),
                                bytes: serde_json::to_vec(value).unwrap_or_default(),
                            }),
                            ..base.clone()
                        },
                        expect: Expect::Invalid {
                            check: Check::InvalidRequestRejected,
                            what: "the body's media type is not documented".into(),
                            lenient: Some(LENIENT_MEDIA_TYPE),
                        },
                    });
                }
            }
        }
        out
    }

    /// The proptest strategy for random requests whose values are valid for their schemas
    /// (callers still [`Planner::classify`] each draw: a value can be valid yet unsendable, as
    /// a header that is not ASCII).
    pub fn fuzz_strategy(&self) -> FuzzStrategy {
        let schemas = self.schemas();
        let generator = Generator::new(schemas, Direction::Request);
        let mut parts: Vec<BoxedStrategy<Option<Value>>> = Vec::new();
        for p in &self.op.parameters {
            let Some(schema) = param_schema(p) else {
                parts.push(proptest::strategy::Just(None).boxed());
                continue;
            };
            // Sendability and the wire round trip are checked per draw by the caller
            // (`Planner::classify`): a 'static strategy cannot borrow the spec's validators.
            let values = generator.strategy(schema);
            parts.push(if p.required {
                values.prop_map(Some).boxed()
            } else {
                proptest::option::weighted(0.5, values).boxed()
            });
        }
        let body: BoxedStrategy<Option<BodyDraft>> =
            match (body_media(self.op), &self.op.request_body) {
                (Some((media, schema)), Some(b)) => {
                    let media = media.to_string();
                    let values =
                        generator
                            .strategy(schema)
                            .prop_map(move |value| BodyDraft::Value {
                                media_type: media.clone(),
                                value,
                            });
                    if b.required {
                        values.prop_map(Some).boxed()
                    } else {
                        proptest::option::weighted(0.8, values).boxed()
                    }
                }
                _ => proptest::strategy::Just(None).boxed(),
            };
        (parts, body)
            .prop_map(|(params, body)| Draft::new(params, body))
            .boxed()
    }
}

/// Random valid requests of one operation.
pub type FuzzStrategy = BoxedStrategy<Draft>;

/// Proposes values for one place: (schemas, the place's schema, its current value, whether the
/// value travels typed as JSON).
type Vary = dyn Fn(&Schemas, &Value, &Value, bool) -> Vec<Value>;

fn missing_check(p: &Parameter) -> Check {
    if p.location == ParamIn::Header {
        Check::MissingHeaderRejected
    } else {
        Check::InvalidRequestRejected
    }
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// A value to start from when an optional parameter has none: `{}` for objects, `[]` for
/// arrays, `""` otherwise (edges and breakers replace it).
fn placeholder(schemas: &Schemas, schema: &Value) -> Value {
    let view = SchemaView::of(schemas, schema).infer_types();
    if view.declares("object") {
        json!({})
    } else if view.declares("array") {
        json!([])
    } else if view.declares("integer") || view.declares("number") {
        json!(0)
    } else {
        json!("")
    }
}

// ---------------------------------------------------------------------------------------------
// Schema views and sites

/// A place in a value and the schema that governs it.
struct Site<'s, 'v> {
    pointer: String,
    schema: &'s Value,
    value: &'v Value,
}

/// Places to vary: the value itself, each property present (and, for absent optional ones,
/// nothing: edges need a value to start from), the first item of each array.
fn sites<'s, 'v>(
    schemas: &'s Schemas,
    schema: &'s Value,
    value: &'v Value,
    pointer: String,
    depth: u32,
) -> Vec<Site<'s, 'v>> {
    let mut out = vec![Site {
        pointer: pointer.clone(),
        schema,
        value,
    }];
    if depth > 6 {
        return out;
    }
    let view = SchemaView::of(schemas, schema).infer_types();
    match value {
        Value::Object(map) => {
            for (name, sub) in view.properties() {
                if let Some(v) = map.get(name) {
                    let p = format!("{pointer}/{}", name.replace('~', "~0").replace('/', "~1"));
                    out.extend(sites(schemas, sub, v, p, depth + 1));
                }
            }
        }
        Value::Array(items) => {
            if let (Some(first), Some(item_schema)) = (items.first(), view.items) {
                out.extend(sites(
                    schemas,
                    item_schema,
                    first,
                    format!("{pointer}/0"),
                    depth + 1,
                ));
            }
        }
        _ => {}
    }
    out
}

/// Sets the value at a JSON pointer (which exists in `root`).
fn replace(root: &mut Value, pointer: &str, new: Value) {
    if let Some(slot) = root.pointer_mut(pointer) {
        *slot = new;
    }
}

/// Longest string an edge case builds (beyond it, `maxLength`'s edge is skipped).
const LONGEST_EDGE: u64 = 10_000;
/// Longest array an edge case builds.
const MOST_ITEMS: u64 = 10_000;
const NON_ASCII: &str = "Zoë Ångström 東京 😀";

/// Edge values for the place governed by `schema` (some valid, some just past an edge).
fn edges(schemas: &Schemas, schema: &Value, current: &Value) -> Vec<Value> {
    let view = SchemaView::of(schemas, schema).infer_types();
    let mut out = Vec::new();
    if let Some(values) = view.enumeration {
        out.extend(values.iter().cloned());
        return out;
    }
    if view.allows("string") && (current.is_string() || view.declares("string")) {
        let min = view.min_length.unwrap_or(0);
        out.push(json!(""));
        out.push(json!("a".repeat(min as usize)));
        if min > 0 {
            out.push(json!("a".repeat(min as usize - 1)));
        }
        match view.max_length {
            Some(max) if max <= LONGEST_EDGE => {
                out.push(json!("a".repeat(max as usize)));
                out.push(json!("a".repeat(max as usize + 1)));
            }
            Some(_) => {}
            None => out.push(json!("a".repeat(4096))),
        }
        out.push(json!(NON_ASCII));
        if let Some(format) = view.format {
            out.extend(format_edges(format).into_iter().map(|s| json!(s)));
        }
    }
    if view.allows("integer") && (current.is_number() || !view.types.is_empty()) {
        let integer = view.declares("integer");
        // Bounds as exact integers where they are integral: `maximum: 9223372036854775808`
        // plus one is 9223372036854775809, which no f64 can hold.
        let mut at = |bound: Bound, delta: i8| {
            if let Some(v) = bound.offset(delta, integer) {
                out.push(v);
            }
        };
        let bound =
            |key: &str, approx: Option<f64>| approx.map(|a| Bound::of(schemas, schema, key, a));
        if let Some(min) = bound("minimum", view.minimum) {
            at(min, 0);
            at(min, -1);
        }
        if let Some(max) = bound("maximum", view.maximum) {
            at(max, 0);
            at(max, 1);
        }
        if let Some(min) = bound("exclusiveMinimum", view.exclusive_minimum) {
            at(min, 0);
            at(min, 1);
        }
        if let Some(max) = bound("exclusiveMaximum", view.exclusive_maximum) {
            at(max, 0);
            at(max, -1);
        }
        at(Bound::Int(0), 0);
        at(Bound::Int(-1), 0);
        if view.maximum.is_none() && view.exclusive_maximum.is_none() {
            at(Bound::Int(9_007_199_254_740_991), 0);
        }
    }
    if let Some(pattern) = raw_keyword(schemas, schema, "pattern").and_then(Value::as_str) {
        // An alternative that is not anchored at both ends matches any text around a match
        // (`^"[0-9]+"$|\*` takes `*junk`): servers that assume anchoring break there. Each
        // literal alternative, and the current text, with text around it.
        let alternatives: Vec<&str> = pattern.split('|').collect();
        if alternatives
            .iter()
            .any(|alt| !(alt.starts_with('^') && alt.ends_with('$')))
        {
            let mut seeds: Vec<String> = alternatives.iter().filter_map(|a| literal(a)).collect();
            if let Value::String(text) = current
                && !text.is_empty()
            {
                seeds.push(text.clone());
            }
            for seed in seeds {
                out.push(json!(seed));
                out.push(json!(format!("{seed}junk")));
                out.push(json!(format!("junk{seed}")));
            }
        }
    }
    if view.allows("boolean") && view.declares("boolean") {
        out.push(json!(true));
        out.push(json!(false));
    }
    if let Value::Array(items) = current {
        let filler = items
            .first()
            .cloned()
            .or_else(|| view.items.map(|s| placeholder(schemas, s)));
        out.push(json!([]));
        if let Some(filler) = filler {
            let min = view.min_items.unwrap_or(0);
            let mut counts = vec![min, min.saturating_sub(1)];
            if let Some(max) = view.max_items.filter(|m| *m <= MOST_ITEMS) {
                counts.push(max);
                counts.push(max + 1);
            }
            for n in counts {
                out.push(Value::Array(vec![filler.clone(); n as usize]));
            }
        }
    }
    if let Value::Object(map) = current {
        out.push(json!({}));
        // Only the required properties.
        let required = view.required(Direction::Request);
        let minimal: Map<String, Value> = map
            .iter()
            .filter(|(k, _)| required.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.push(Value::Object(minimal));
    }
    out
}

/// Values that break the place's schema in one way each (the validator confirms). `typed`:
/// the value travels as JSON, so a value of another type is visible to the server.
fn breakers(schemas: &Schemas, schema: &Value, current: &Value, typed: bool) -> Vec<Value> {
    let view = SchemaView::of(schemas, schema).infer_types();
    let mut out = Vec::new();
    // A value of another type.
    match current {
        _ if !typed => {}
        Value::String(_) => out.push(json!(12345)),
        Value::Number(_) => out.push(json!("not-a-number")),
        Value::Bool(_) => out.push(json!("not-a-boolean")),
        Value::Array(_) => out.push(json!({"stipula": 1})),
        Value::Object(_) => out.push(json!([1, 2])),
        Value::Null => out.push(json!({"stipula": 1})),
    }
    if view.enumeration.is_some() {
        out.push(json!("stipula-not-in-enum"));
    }
    if let Some(format) = view.format {
        out.push(json!(match format {
            "date-time" => "2024-13-45T25:61:00Z",
            "date" => "2024-02-30",
            "uuid" => "not-a-uuid",
            "email" => "not-an-email",
            "uri" => "not a uri",
            "ipv4" => "999.1.1.1",
            _ => "\u{1}not valid",
        }));
    }
    if let Some(max) = view.max_length.filter(|m| *m < LONGEST_EDGE) {
        out.push(json!("x".repeat(max as usize + 1)));
    }
    if let Some(min) = view.min_length.filter(|m| *m > 0) {
        out.push(json!("x".repeat(min as usize - 1)));
    }
    let integer = view.declares("integer");
    if let Some(max) = view.maximum {
        out.extend(Bound::of(schemas, schema, "maximum", max).offset(1, integer));
    }
    if let Some(min) = view.minimum {
        out.extend(Bound::of(schemas, schema, "minimum", min).offset(-1, integer));
    }
    if let Value::Array(items) = current
        && let (Some(max), Some(first)) =
            (view.max_items.filter(|m| *m < MOST_ITEMS), items.first())
    {
        out.push(Value::Array(vec![first.clone(); max as usize + 1]));
    }
    if let Value::Object(map) = current {
        for name in &view.required(Direction::Request) {
            if map.contains_key(*name) {
                let mut m = map.clone();
                m.remove(*name);
                out.push(Value::Object(m));
            }
        }
        if view.closed {
            let mut m = map.clone();
            m.insert("stipulaUnexpected".into(), json!(1));
            out.push(Value::Object(m));
        }
    }
    out
}

/// A numeric bound: an exact integer where the schema writes an integral one, else a float.
#[derive(Debug, Clone, Copy)]
enum Bound {
    Int(i128),
    Float(f64),
}

impl Bound {
    /// The bound `key` of `schema`, read exactly from the schema node when it writes it
    /// (`approx` is what the view saw, through `$ref`s and `allOf`).
    fn of(schemas: &Schemas, schema: &Value, key: &str, approx: f64) -> Bound {
        if let Some(n) = raw_keyword(schemas, schema, key).and_then(Value::as_number)
            && let Some(i) = n.as_i64().map(i128::from).or(n.as_u64().map(i128::from))
        {
            return Bound::Int(i);
        }
        if approx.fract() == 0.0 && approx.abs() < 1e30 {
            Bound::Int(approx as i128)
        } else {
            Bound::Float(approx)
        }
    }

    /// The bound moved by `delta` steps (1 for integers; 0.5 for numbers, except beyond
    /// 2^53, where only whole steps exist), as a JSON number written exactly; `None` when it
    /// cannot be (a fractional bound of an integer schema, an integer beyond 64 bits).
    fn offset(self, delta: i8, integer: bool) -> Option<Value> {
        match self {
            Bound::Int(i) if integer || i.unsigned_abs() >= 1 << 53 => {
                let x = i.checked_add(i128::from(delta))?;
                i64::try_from(x)
                    .map(Value::from)
                    .or_else(|_| u64::try_from(x).map(Value::from))
                    .ok()
            }
            Bound::Int(i) => {
                serde_json::Number::from_f64(i as f64 + f64::from(delta) * 0.5).map(Value::Number)
            }
            Bound::Float(_) if integer => None,
            Bound::Float(x) => {
                serde_json::Number::from_f64(x + f64::from(delta) * 0.5).map(Value::Number)
            }
        }
    }
}

/// The text a pattern alternative matches when it is a literal (escapes allowed, anchors
/// dropped): `\\*` → `*`. `None` when it holds any other regex syntax.
fn literal(alternative: &str) -> Option<String> {
    let body = alternative.strip_prefix('^').unwrap_or(alternative);
    let body = body.strip_suffix('$').unwrap_or(body);
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next()?;
                if next.is_ascii_alphanumeric() {
                    return None; // \d, \w...: a class, not a character
                }
                out.push(next);
            }
            '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '^' | '$' => return None,
            c => out.push(c),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A keyword of the schema node itself or of the schema its `$ref` names.
fn raw_keyword<'s>(schemas: &'s Schemas, schema: &'s Value, key: &str) -> Option<&'s Value> {
    schema.get(key).or_else(|| schemas.resolve(schema).get(key))
}

/// Edge cases of a format (valid ones; the validator drops any it disagrees with).
fn format_edges(format: &str) -> Vec<&'static str> {
    match format {
        "date-time" => vec![
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59.999999+14:00",
            "2000-01-01T00:00:00-12:00",
        ],
        "date" => vec!["2024-02-29", "0001-01-01", "9999-12-31"],
        "time" => vec!["00:00:00Z", "23:59:59.5+01:00"],
        "email" => vec!["a@b.co", "first.last+tag@example.com"],
        "uuid" => vec![
            "00000000-0000-0000-0000-000000000000",
            "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF",
        ],
        "uri" => vec!["https://example.com/a?b=c#d", "urn:isbn:0451450523"],
        "ipv4" => vec!["0.0.0.0", "255.255.255.255"],
        "ipv6" => vec!["::1", "2001:db8::8a2e:370:7334"],
        "hostname" => vec!["a", "xn--bcher-kva.example"],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_alternatives_of_patterns() {
        assert_eq!(literal("\\*").as_deref(), Some("*"));
        assert_eq!(literal("^abc$").as_deref(), Some("abc"));
        assert_eq!(literal("^\"([0-9]+?)\"$"), None);
        assert_eq!(literal("\\d"), None);
    }

    #[test]
    fn integer_bounds_move_by_one_exactly_beyond_f64() {
        let max = Bound::Int(9_223_372_036_854_775_808);
        assert_eq!(
            max.offset(1, true).map(|v| v.to_string()).as_deref(),
            Some("9223372036854775809")
        );
        assert_eq!(Bound::Int(5).offset(-1, true), Some(json!(4)));
        assert_eq!(Bound::Int(5).offset(1, false), Some(json!(5.5)));
        assert_eq!(Bound::Float(1.5).offset(1, true), None);
        assert_eq!(Bound::Int(i128::from(u64::MAX)).offset(1, true), None);
    }

    #[test]
    fn pointers_replace_in_place() {
        let mut v = json!({"a": [{"b": 1}]});
        replace(&mut v, "/a/0/b", json!(2));
        assert_eq!(v, json!({"a": [{"b": 2}]}));
    }
}
