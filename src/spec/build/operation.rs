//! One path item and its operations: parameters (path-level merged with operation-level),
//! request bodies, responses with their headers, examples and links, as OpenAPI 3.x writes
//! them. Where 2.0 differs (body/formData parameters, `produces`) the pieces go through
//! `swagger2.rs`, so this file reads like the 3.x specification.

use serde_json::Value;

use super::*;
use crate::spec::model::*;
use crate::spec::refs::Location;

impl Builder<'_> {
    /// The operations of one path item (`$ref`s followed).
    pub(super) fn path_item(&mut self, path: &str, at: &Location, root: &Value) -> Vec<Operation> {
        const BIG: &[&str] = &[
            "get",
            "put",
            "post",
            "delete",
            "options",
            "head",
            "patch",
            "trace",
            "parameters",
        ];
        let Some((item_at, item)) = self.follow_shallow(at, BIG) else {
            return Vec::new();
        };
        if !item.is_object() {
            self.error(&item_at, "a path item must be an object");
            return Vec::new();
        }
        let shared_params = self.parameters(&item_at.child("parameters"));
        let item_servers = self.servers(&item_at.child("servers"));
        let mut out = Vec::new();
        for method in Method::ALL {
            if item.get(method.key()).is_none() {
                continue;
            }
            // Operation objects may not be `$ref`s by the letter of the spec, but multi-file
            // specs (DigitalOcean) use them and every bundler follows them.
            const BIG_OP: &[&str] = &["parameters", "requestBody", "responses", "callbacks"];
            let Some((op_at, op)) = self.follow_shallow(&item_at.child(method.key()), BIG_OP)
            else {
                continue;
            };
            if !op.is_object() {
                self.error(&op_at, "an operation must be an object");
                continue;
            }
            let own = self.parameters(&op_at.child("parameters"));
            let mut parameters: Vec<Parameter> = Vec::new();
            let mut body = None;
            for p in shared_params.iter().chain(own.iter()).cloned() {
                match p {
                    Param::Plain(p) => {
                        if let Some(i) = parameters
                            .iter()
                            .position(|q| q.name == p.name && q.location == p.location)
                        {
                            parameters[i] = p;
                        } else {
                            parameters.push(p);
                        }
                    }
                    Param::Body(b) => body = Some(b),
                    Param::Form(f) => match &mut body {
                        Some(SwaggerBody::Form(fields)) => {
                            fields.retain(|g: &FormField| g.name != f.name);
                            fields.push(f);
                        }
                        _ => body = Some(SwaggerBody::Form(vec![f])),
                    },
                }
            }
            let request_body = if self.dialect == Dialect::Swagger2 {
                body.map(|b| self.swagger_body(b, &op, &op_at, root))
            } else {
                self.request_body(&op_at.child("requestBody"))
            };
            let responses = self.responses(&op_at.child("responses"), &op, root);
            if responses.is_empty() && op.get("responses").is_none() {
                self.warn(
                    &op_at,
                    format!("{} {path} documents no responses", method.as_str()),
                );
            }
            let operation_servers = self.servers(&op_at.child("servers"));
            let tags = op
                .get("tags")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let operation = Operation {
                method,
                path: path.to_string(),
                shape: template_shape(path),
                operation_id: str_of(&op, "operationId"),
                summary: str_of(&op, "summary"),
                description: str_of(&op, "description"),
                tags,
                deprecated: bool_of(&op, "deprecated").unwrap_or(false),
                parameters,
                request_body,
                responses,
                security: self.security(&op_at.child("security")),
                servers: if operation_servers.is_empty() {
                    item_servers.clone()
                } else {
                    operation_servers
                },
                callbacks: self.callbacks(&op_at.child("callbacks"), root),
                extensions: extensions_of(&op),
                delete_semantics: (method == Method::Delete)
                    .then(|| DeleteSemantics::of_extension(op.get("x-stipula-delete-semantics"))),
                at: op_at,
            };
            if !self.in_callback {
                self.check_path_parameters(&operation);
            }
            out.push(operation);
        }
        out
    }

    /// An operation's `callbacks`: name → runtime expression → path item.
    fn callbacks(&mut self, at: &Location, root: &Value) -> Vec<Callback> {
        if self.in_callback {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (name, callback_at) in self.entries(at) {
            if name.starts_with("x-") {
                continue;
            }
            let Some((callback_at, _)) = self.follow(&callback_at) else {
                continue;
            };
            for (expression, item_at) in self.entries(&callback_at) {
                if expression.starts_with("x-") {
                    continue;
                }
                self.in_callback = true;
                let operations = self.path_item(&expression, &item_at, root);
                self.in_callback = false;
                out.extend(operations.into_iter().map(|operation| Callback {
                    name: name.clone(),
                    expression: expression.clone(),
                    operation,
                }));
            }
        }
        out
    }

    pub(super) fn parameters(&mut self, at: &Location) -> Vec<Param> {
        let mut out = Vec::new();
        for p_at in self.items(at) {
            let Some((p_at, p)) = self.follow(&p_at) else {
                continue;
            };
            let (Some(name), Some(location)) = (str_of(&p, "name"), str_of(&p, "in")) else {
                self.error(&p_at, "a parameter needs `name` and `in`");
                continue;
            };
            let param_in = match location.as_str() {
                "path" => ParamIn::Path,
                "query" => ParamIn::Query,
                "header"
                    if self.dialect != Dialect::Swagger2
                        && ["accept", "content-type", "authorization"]
                            .contains(&name.to_ascii_lowercase().as_str()) =>
                {
                    // OpenAPI 3: "the parameter definition SHALL be ignored" (media types and
                    // security describe these headers).
                    self.warn(&p_at, format!("header parameter `{name}` is ignored: OpenAPI 3 describes it through media types or security schemes"));
                    continue;
                }
                "header" => ParamIn::Header,
                "cookie" if self.dialect != Dialect::Swagger2 => ParamIn::Cookie,
                "body" if self.dialect == Dialect::Swagger2 => {
                    let schema = match p.get("schema") {
                        Some(_) => Some(self.normalizer.schema_at(&p_at.child("schema"))),
                        None => {
                            self.error(&p_at, "a body parameter needs a `schema`");
                            None
                        }
                    };
                    out.push(Param::Body(SwaggerBody::Json {
                        schema,
                        required: bool_of(&p, "required").unwrap_or(false),
                        description: str_of(&p, "description"),
                        at: p_at.clone(),
                        examples: p.get("x-examples").cloned(),
                    }));
                    continue;
                }
                "formData" if self.dialect == Dialect::Swagger2 => {
                    let schema = refuse_empty_values(&p, swagger_param_schema(&p));
                    out.push(Param::Form(FormField {
                        name,
                        required: bool_of(&p, "required").unwrap_or(false),
                        is_file: p.get("type").and_then(Value::as_str) == Some("file"),
                        schema,
                        collection_format: str_of(&p, "collectionFormat"),
                    }));
                    continue;
                }
                other => {
                    self.error(
                        &p_at.child("in"),
                        format!("parameter `{name}`: unknown location `{other}`"),
                    );
                    continue;
                }
            };
            let required = if param_in == ParamIn::Path {
                if bool_of(&p, "required") != Some(true) {
                    self.warn(&p_at, format!("path parameter `{name}` must be marked `required: true`; treated as required"));
                }
                true
            } else {
                bool_of(&p, "required").unwrap_or(false)
            };
            let (style, explode, schema) = if self.dialect == Dialect::Swagger2 {
                let (style, explode) =
                    collection_format_style(str_of(&p, "collectionFormat").as_deref(), param_in);
                let mut schema = swagger_param_schema(&p);
                if param_in == ParamIn::Query {
                    schema = refuse_empty_values(&p, schema);
                }
                let schema = self.normalizer.synthetic(&p_at, schema);
                (style, explode, Some(schema))
            } else {
                let style = match str_of(&p, "style") {
                    Some(s) => match Style::from_name(&s) {
                        Some(style) => style,
                        None => {
                            self.error(
                                &p_at.child("style"),
                                format!("parameter `{name}`: unknown style `{s}`"),
                            );
                            Style::default_for(param_in)
                        }
                    },
                    None => Style::default_for(param_in),
                };
                let explode = bool_of(&p, "explode").unwrap_or(style == Style::Form);
                let schema = p
                    .get("schema")
                    .map(|_| self.normalizer.schema_at(&p_at.child("schema")));
                (style, explode, schema)
            };
            let content = self.content(&p_at.child("content"));
            if schema.is_none() && content.is_empty() {
                self.warn(&p_at, format!("parameter `{name}` has neither `schema` nor `content`; any value is accepted"));
            }
            let mut examples = self.examples(&p_at, &p);
            if self.dialect == Dialect::Swagger2
                && let Some(v) = p.get("x-example")
            {
                examples.push(Example {
                    name: None,
                    summary: None,
                    value: Some(v.clone()),
                    external_value: None,
                    location: p_at.child("x-example"),
                });
            }
            out.push(Param::Plain(Parameter {
                name,
                location: param_in,
                required,
                deprecated: bool_of(&p, "deprecated").unwrap_or(false),
                style,
                explode,
                allow_reserved: bool_of(&p, "allowReserved").unwrap_or(false),
                allow_empty_value: bool_of(&p, "allowEmptyValue").unwrap_or(false),
                schema,
                content,
                examples,
                description: str_of(&p, "description"),
                at: p_at,
            }));
        }
        out
    }

    /// `example` and `examples` of a parameter, media type or header (3.x).
    /// An example value as written, or, when it is exactly `{"$ref": "..."}` and the reference
    /// resolves, the value it points at (multi-file specs such as DigitalOcean's keep examples
    /// in their own files; OpenAPI reads `example` literally, every bundler resolves it). An
    /// unresolvable reference keeps the literal value, which lint then reports as invalid.
    pub(super) fn example_value(&mut self, at: &Location, v: &Value) -> (Value, Location) {
        if is_example_ref(v) {
            return self.example_value_owned(at, v.clone());
        }
        (v.clone(), at.clone())
    }

    /// [`Self::example_value`] of a value already copied out of the document.
    fn example_value_owned(&mut self, at: &Location, v: Value) -> (Value, Location) {
        if is_example_ref(&v)
            && let Ok(target) = self.sources.follow(at)
            && let Some(value) = self.sources.get(&target).cloned()
        {
            return (value, target);
        }
        (v, at.clone())
    }

    pub(super) fn examples(&mut self, at: &Location, owner: &Value) -> Vec<Example> {
        let mut out = Vec::new();
        if let Some(v) = owner.get("example") {
            let (value, location) = self.example_value(&at.child("example"), v);
            out.push(Example {
                name: None,
                summary: None,
                value: Some(value),
                external_value: None,
                location,
            });
        }
        if self.dialect == Dialect::Swagger2 {
            return out;
        }
        for (name, e_at) in self.entries(&at.child("examples")) {
            // `value` is copied once, below, not with the Example object.
            let Some((e_at, e)) = self.follow_shallow(&e_at, &["value"]) else {
                continue;
            };
            if !e.is_object() {
                self.error(&e_at, format!("example `{name}` must be an Example object"));
                continue;
            }
            let value_at = e_at.child("value");
            let written = match e.get("value") {
                Some(_) => self.sources.get(&value_at).cloned(),
                None => None,
            };
            let (value, location) = match written {
                Some(v) => {
                    let (v, l) = self.example_value_owned(&value_at, v);
                    (Some(v), l)
                }
                None => (None, e_at),
            };
            out.push(Example {
                name: Some(name),
                summary: str_of(&e, "summary"),
                value,
                external_value: str_of(&e, "externalValue"),
                location,
            });
        }
        out
    }

    pub(super) fn content(&mut self, at: &Location) -> Vec<MediaType> {
        let mut out = Vec::new();
        for (media_type, m_at) in self.entries(at) {
            if !is_media_type_key(&media_type) {
                self.warn(
                    &m_at,
                    format!("`{media_type}` under `content` is not a media type (`type/subtype`); ignored"),
                );
                continue;
            }
            // The members read by location are left out of the copy (inline schemas are big).
            let Some((m_at, m)) = self.follow_shallow(&m_at, &["schema", "examples", "encoding"])
            else {
                continue;
            };
            let schema = m
                .get("schema")
                .map(|_| self.normalizer.schema_at(&m_at.child("schema")));
            let examples = self.examples(&m_at, &m);
            let mut encoding = Vec::new();
            for (property, e_at) in self.entries(&m_at.child("encoding")) {
                let Some(e) = self.sources.get(&e_at).cloned() else {
                    continue;
                };
                let headers = self.headers(&e_at.child("headers"));
                encoding.push(Encoding {
                    property,
                    content_type: str_of(&e, "contentType"),
                    style: str_of(&e, "style").and_then(|s| Style::from_name(&s)),
                    explode: bool_of(&e, "explode"),
                    allow_reserved: bool_of(&e, "allowReserved").unwrap_or(false),
                    headers,
                });
            }
            out.push(MediaType {
                media_type,
                schema,
                examples,
                encoding,
                at: m_at,
            });
        }
        out
    }

    pub(super) fn request_body(&mut self, at: &Location) -> Option<RequestBody> {
        self.sources.get(at)?;
        let (at, body) = self.follow_shallow(at, &["content"])?;
        let content = self.content(&at.child("content"));
        if content.is_empty() {
            self.warn(&at, "request body documents no media type");
        }
        Some(RequestBody {
            required: bool_of(&body, "required").unwrap_or(false),
            description: str_of(&body, "description"),
            content,
            at,
        })
    }

    pub(super) fn headers(&mut self, at: &Location) -> Vec<Header> {
        let mut out = Vec::new();
        for (name, h_at) in self.entries(at) {
            let Some((h_at, h)) = self.follow(&h_at) else {
                continue;
            };
            let schema = if self.dialect == Dialect::Swagger2 {
                Some(self.normalizer.synthetic(&h_at, swagger_param_schema(&h)))
            } else {
                h.get("schema")
                    .map(|_| self.normalizer.schema_at(&h_at.child("schema")))
            };
            let content = if self.dialect == Dialect::Swagger2 {
                Vec::new()
            } else {
                self.content(&h_at.child("content"))
            };
            let examples = self.examples(&h_at, &h);
            out.push(Header {
                name,
                required: bool_of(&h, "required").unwrap_or(false),
                deprecated: bool_of(&h, "deprecated").unwrap_or(false),
                schema,
                content,
                examples,
                description: str_of(&h, "description"),
                at: h_at,
            });
        }
        out
    }

    pub(super) fn responses(&mut self, at: &Location, op: &Value, root: &Value) -> Vec<Response> {
        let mut out = Vec::new();
        for (key, r_at) in self.entries(at) {
            if key.starts_with("x-") {
                continue;
            }
            let Some(status) = StatusKey::parse(&key) else {
                self.error(
                    &r_at,
                    format!("`{key}` is not a status code, a range like `4XX`, or `default`"),
                );
                continue;
            };
            let Some((r_at, r)) = self.follow_shallow(&r_at, &["content", "headers", "links"])
            else {
                continue;
            };
            let content = if self.dialect == Dialect::Swagger2 {
                self.swagger_response_content(&r_at, &r, op, root)
            } else {
                self.content(&r_at.child("content"))
            };
            let headers = self.headers(&r_at.child("headers"));
            let links = self.links(&r_at.child("links"));
            out.push(Response {
                status,
                description: str_of(&r, "description").unwrap_or_default(),
                content,
                headers,
                links,
                at: r_at,
            });
        }
        out
    }

    pub(super) fn links(&mut self, at: &Location) -> Vec<Link> {
        let mut out = Vec::new();
        for (name, l_at) in self.entries(at) {
            let Some((l_at, l)) = self.follow(&l_at) else {
                continue;
            };
            out.push(Link {
                name,
                operation_id: str_of(&l, "operationId"),
                operation_ref: str_of(&l, "operationRef"),
                parameters: l
                    .get("parameters")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                request_body: l.get("requestBody").cloned(),
                at: l_at,
            });
        }
        out
    }
}

/// A `content` key that can be a media type or range: `type/subtype` (`*` allowed), parameters
/// after a `;`.
fn is_media_type_key(key: &str) -> bool {
    let essence = key.split(';').next().unwrap_or("").trim();
    essence.split_once('/').is_some_and(|(t, s)| {
        let token = |x: &str| {
            !x.is_empty()
                && x.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-*".contains(&b))
        };
        token(t) && token(s)
    })
}

/// `{"$ref": "..."}` and nothing else: an example written as a reference.
fn is_example_ref(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.len() == 1 && o.get("$ref").is_some_and(Value::is_string))
}
