//! The Swagger 2.0 front end: converts on the way instead of rewriting the document.
//! body/formData parameters become a request body, `produces`/`consumes` become media types,
//! `host` + `basePath` + `schemes` become servers, `collectionFormat` becomes style/explode.
//! Every converted item keeps the location where the user wrote it.
//!
//! Two readings beyond the letter of 2.0: a response's `examples` are served even without a
//! `schema` (every 2.0 user means them to be), and a query or formData string without
//! `allowEmptyValue: true` gets `minLength: 1` (2.0's default refuses empty values, so the mock
//! refuses `?id=` and the runner never sends it).

use serde_json::{Map, Value, json};

use super::*;
use crate::spec::model::*;
use crate::spec::refs::Location;

impl Builder<'_> {
    /// 2.0: a response's `schema` under each media type the operation produces.
    pub(super) fn swagger_response_content(
        &mut self,
        at: &Location,
        r: &Value,
        op: &Value,
        root: &Value,
    ) -> Vec<MediaType> {
        let schema = r
            .get("schema")
            .map(|_| self.normalizer.schema_at(&at.child("schema")));
        let examples = r
            .get("examples")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let same = |a: &str, b: &str| crate::media::essence(a) == crate::media::essence(b);
        let mut types = media_types(op, root, "produces");
        if schema.is_none() {
            // `examples` without a `schema`: only the media types with an example say
            // anything; an example under a type the operation does not produce is served as
            // well (its author wrote it for that type).
            types.retain(|t| examples.keys().any(|k| same(k, t)));
            for k in examples.keys() {
                if !types.iter().any(|t| same(k, t)) {
                    types.push(k.clone());
                }
            }
        }
        types
            .into_iter()
            .map(|media_type| {
                let key = examples
                    .keys()
                    .find(|k| *k == &media_type || same(k, &media_type));
                let examples = key
                    .map(|k| Example {
                        name: None,
                        summary: None,
                        value: Some(examples[k].clone()),
                        external_value: None,
                        location: at.child("examples").child(k),
                    })
                    .into_iter()
                    .collect();
                MediaType {
                    media_type,
                    schema,
                    examples,
                    encoding: Vec::new(),
                    at: at.clone(),
                }
            })
            .collect()
    }

    /// 2.0: the body or formData parameters as a request body.
    pub(super) fn swagger_body(
        &mut self,
        body: SwaggerBody,
        op: &Value,
        op_at: &Location,
        root: &Value,
    ) -> RequestBody {
        match body {
            SwaggerBody::Json {
                schema,
                required,
                description,
                at,
                examples,
            } => {
                let content = media_types(op, root, "consumes")
                    .into_iter()
                    .map(|media_type| {
                        let examples = examples
                            .as_ref()
                            .and_then(|e| e.get(&media_type))
                            .map(|v| Example {
                                name: None,
                                summary: None,
                                value: Some(v.clone()),
                                external_value: None,
                                location: at.child("x-examples").child(&media_type),
                            })
                            .into_iter()
                            .collect();
                        MediaType {
                            media_type,
                            schema,
                            examples,
                            encoding: Vec::new(),
                            at: at.clone(),
                        }
                    })
                    .collect();
                RequestBody {
                    required,
                    description,
                    content,
                    at,
                }
            }
            SwaggerBody::Form(fields) => {
                let mut properties = Map::new();
                let mut required = Vec::new();
                let mut encoding = Vec::new();
                for f in &fields {
                    properties.insert(f.name.clone(), f.schema.clone());
                    if f.required {
                        required.push(Value::String(f.name.clone()));
                    }
                    if let Some(cf) = &f.collection_format {
                        let (style, explode) = collection_format_style(Some(cf), ParamIn::Query);
                        encoding.push(Encoding {
                            property: f.name.clone(),
                            content_type: None,
                            style: Some(style),
                            explode: Some(explode),
                            allow_reserved: false,
                            headers: Vec::new(),
                        });
                    }
                }
                let any_required = !required.is_empty();
                let schema = self.normalizer.synthetic(
                    op_at,
                    json!({ "type": "object", "properties": properties, "required": required }),
                );
                let declared = media_types(op, root, "consumes");
                let has_file = fields.iter().any(|f| f.is_file);
                let mut content_types: Vec<String> = declared
                    .into_iter()
                    .filter(|m| {
                        m.starts_with("multipart/form-data")
                            || m.starts_with("application/x-www-form-urlencoded")
                    })
                    .collect();
                if content_types.is_empty() {
                    content_types.push(
                        if has_file {
                            "multipart/form-data"
                        } else {
                            "application/x-www-form-urlencoded"
                        }
                        .into(),
                    );
                }
                let content = content_types
                    .into_iter()
                    .map(|media_type| MediaType {
                        media_type,
                        schema: Some(schema),
                        examples: Vec::new(),
                        encoding: encoding.clone(),
                        at: op_at.child("parameters"),
                    })
                    .collect();
                RequestBody {
                    required: any_required,
                    description: None,
                    content,
                    at: op_at.child("parameters"),
                }
            }
        }
    }
}

#[derive(Clone)]
pub(super) enum SwaggerBody {
    Json {
        schema: Option<SchemaId>,
        required: bool,
        description: Option<String>,
        at: Location,
        examples: Option<Value>,
    },
    Form(Vec<FormField>),
}

#[derive(Clone)]
pub(super) struct FormField {
    pub(super) name: String,
    pub(super) required: bool,
    pub(super) is_file: bool,
    pub(super) schema: Value,
    pub(super) collection_format: Option<String>,
}

/// 2.0: the media types an operation consumes or produces (operation, else document, else JSON).
pub(super) fn media_types(op: &Value, root: &Value, key: &str) -> Vec<String> {
    let list = |v: &Value| {
        v.get(key).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
    };
    list(op)
        .or_else(|| list(root))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| vec!["application/json".to_string()])
}

/// 2.0: `collectionFormat` as an OpenAPI 3 style and explode.
pub(super) fn collection_format_style(format: Option<&str>, location: ParamIn) -> (Style, bool) {
    match format {
        Some("ssv") => (Style::SpaceDelimited, false),
        Some("pipes") => (Style::PipeDelimited, false),
        Some("tsv") => (Style::TabDelimited, false),
        Some("multi") => (Style::Form, true),
        _ => (
            if matches!(location, ParamIn::Query) {
                Style::Form
            } else {
                Style::Simple
            },
            false,
        ),
    }
}

/// 2.0: the schema a non-body parameter or header describes with its own fields.
pub(super) fn swagger_param_schema(p: &Value) -> Value {
    const KEYS: &[&str] = &[
        "type",
        "format",
        "items",
        "default",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "enum",
        "multipleOf",
        "x-nullable",
    ];
    let mut schema = Map::new();
    if let Some(o) = p.as_object() {
        for &k in KEYS {
            if let Some(v) = o.get(k) {
                schema.insert(k.into(), v.clone());
            }
        }
    }
    if let Some(Value::Object(items)) = schema.get("items").cloned() {
        schema.insert("items".into(), swagger_param_schema(&Value::Object(items)));
    }
    Value::Object(schema)
}

/// 2.0: a query or formData parameter refuses empty values unless it says
/// `allowEmptyValue: true` (the default is false): a string gets `minLength: 1` (when it sets
/// no minimum of its own). Other types refuse the empty text already.
pub(super) fn refuse_empty_values(p: &Value, mut schema: Value) -> Value {
    let allowed = bool_of(p, "allowEmptyValue") == Some(true);
    let is_string = p.get("type").and_then(Value::as_str) == Some("string");
    if !allowed
        && is_string
        && let Some(o) = schema.as_object_mut()
        && o.get("minLength").and_then(Value::as_u64).unwrap_or(0) == 0
    {
        o.insert("minLength".into(), json!(1));
    }
    schema
}

/// 2.0: `host`, `basePath` and `schemes` as servers.
pub(super) fn swagger_servers(root: &Value) -> Vec<Server> {
    let base_path = str_of(root, "basePath").unwrap_or_default();
    let host = str_of(root, "host");
    let schemes: Vec<String> = root
        .get("schemes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let urls: Vec<String> = match host {
        Some(h) if schemes.is_empty() => vec![format!("https://{h}{base_path}")],
        Some(h) => schemes
            .iter()
            .map(|s| format!("{s}://{h}{base_path}"))
            .collect(),
        None => vec![if base_path.is_empty() {
            "/".into()
        } else {
            base_path
        }],
    };
    urls.into_iter()
        .map(|url| Server {
            url,
            description: None,
            variables: Vec::new(),
        })
        .collect()
}
