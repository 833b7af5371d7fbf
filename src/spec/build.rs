//! Builds the model from the parsed files: one pass over the root document, following `$ref`s.
//!
//! Two front ends share this file: OpenAPI 3.x documents are read as written, Swagger 2.0 ones
//! are converted on the way (body and formData parameters become a request body, `produces` /
//! `consumes` become media types, `host` + `basePath` + `schemes` become servers,
//! `collectionFormat` becomes style/explode). Nothing in the document is rewritten: every model
//! item keeps the location where it is written, so diagnostics point into the user's file.
//!
//! Problems are collected, not thrown: the builder goes on after an error so that one run
//! reports every broken reference, duplicate operationId and clashing path at once.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::diagnostic::{Diagnostic, Severity};
use super::model::*;
use super::normalize::Normalizer;
use super::refs::{Location, SourceSet};
use super::source::FileId;

/// What the builder hands to `Spec`.
pub struct Built {
    pub dialect: Dialect,
    pub version: String,
    pub info: Info,
    pub servers: Vec<Server>,
    pub security: Vec<SecurityRequirement>,
    pub security_schemes: Vec<(String, SecurityScheme)>,
    pub operations: Vec<Operation>,
    pub webhooks: Vec<Webhook>,
    pub component_schemas: Vec<(String, SchemaId)>,
    pub extensions: Map<String, Value>,
}

pub struct Builder<'a> {
    sources: &'a mut SourceSet,
    pub normalizer: Normalizer,
    pub diagnostics: Vec<Diagnostic>,
    dialect: Dialect,
    /// Reading a callback's path items: their keys are runtime expressions, not paths, and
    /// callbacks of callbacks are not read.
    in_callback: bool,
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn bool_of(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

fn extensions_of(v: &Value) -> Map<String, Value> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| k.starts_with("x-"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads the root document's dialect and version string.
pub fn dialect_of(sources: &SourceSet) -> Result<(Dialect, String), Diagnostic> {
    let root = sources.root();
    let at = Location::new(FileId(0), "");
    if !root.is_object() {
        return Err(sources.error(
            &at,
            "not an OpenAPI document: the top level must be an object",
        ));
    }
    if let Some(v) = root.get("openapi") {
        let version = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        let dialect = if version.starts_with("3.0") {
            Dialect::OpenApi30
        } else if version.starts_with("3.1") {
            Dialect::OpenApi31
        } else {
            return Err(sources.error(
                &at.child("openapi"),
                format!("unsupported OpenAPI version `{version}` (supported: 2.0, 3.0.x, 3.1.x)"),
            ));
        };
        return Ok((dialect, version));
    }
    if let Some(v) = root.get("swagger") {
        let version = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        if version != "2.0" {
            return Err(sources.error(
                &at.child("swagger"),
                format!("unsupported Swagger version `{version}` (supported: 2.0)"),
            ));
        }
        return Ok((Dialect::Swagger2, version));
    }
    Err(sources.error(
        &at,
        "not an OpenAPI document: it has neither an `openapi` nor a `swagger` field",
    ))
}

impl<'a> Builder<'a> {
    pub fn new(sources: &'a mut SourceSet, dialect: Dialect) -> Self {
        Builder {
            sources,
            normalizer: Normalizer::new(dialect),
            diagnostics: Vec::new(),
            dialect,
            in_callback: false,
        }
    }

    fn error(&mut self, at: &Location, message: impl Into<String>) {
        let d = self.sources.error(at, message);
        self.diagnostics.push(d);
    }

    fn warn(&mut self, at: &Location, message: impl Into<String>) {
        let d = self.sources.warning(at, message);
        self.diagnostics.push(d);
    }

    /// Follows `$ref`s from `at`; a broken chain is reported and yields `None`.
    fn follow(&mut self, at: &Location) -> Option<(Location, Value)> {
        match self.sources.follow(at) {
            Ok(l) => {
                let v = self.sources.get(&l).cloned()?;
                Some((l, v))
            }
            Err(d) => {
                self.diagnostics.push(d);
                None
            }
        }
    }

    /// Like `follow`, but the copy leaves out the (possibly large) members named in `skip`,
    /// which the builder reads by location instead; a left-out member reads as `true`.
    fn follow_shallow(&mut self, at: &Location, skip: &[&str]) -> Option<(Location, Value)> {
        let l = match self.sources.follow(at) {
            Ok(l) => l,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        let v = match self.sources.get(&l)? {
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            if skip.contains(&k.as_str()) {
                                Value::Bool(true)
                            } else {
                                v.clone()
                            },
                        )
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        Some((l, v))
    }

    /// The keys of the object at `at` (after following refs), with their locations.
    fn entries(&mut self, at: &Location) -> Vec<(String, Location)> {
        match self.sources.get(at) {
            Some(Value::Object(o)) => o.keys().map(|k| (k.clone(), at.child(k))).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(_) => {
                self.error(at, "expected an object");
                Vec::new()
            }
        }
    }

    fn items(&mut self, at: &Location) -> Vec<Location> {
        match self.sources.get(at) {
            Some(Value::Array(a)) => (0..a.len()).map(|i| at.child(&i.to_string())).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(_) => {
                self.error(at, "expected an array");
                Vec::new()
            }
        }
    }

    pub fn build(mut self, version: String) -> (Option<Built>, Normalizer, Vec<Diagnostic>) {
        let root_at = Location::new(FileId(0), "");
        let root = self.sources.root().clone_shallow();
        let info = Info {
            title: str_of(&root, "title")
                .or_else(|| root.get("info").and_then(|i| str_of(i, "title")))
                .unwrap_or_default(),
            version: root
                .get("info")
                .and_then(|i| str_of(i, "version"))
                .unwrap_or_default(),
            description: root.get("info").and_then(|i| str_of(i, "description")),
        };
        if root.get("info").is_none() {
            self.warn(&root_at, "the document has no `info` object");
        }
        let servers = if self.dialect == Dialect::Swagger2 {
            swagger_servers(&root)
        } else {
            self.servers(&root_at.child("servers"))
        };
        let security = self
            .security(&root_at.child("security"))
            .unwrap_or_default();
        let security_schemes = self.security_schemes(&root_at);
        let component_schemas = self.component_schemas(&root_at);

        let mut operations = Vec::new();
        let paths_at = root_at.child("paths");
        for (path, item_at) in self.entries(&paths_at) {
            if path.starts_with("x-") {
                continue;
            }
            if !path.starts_with('/') {
                self.warn(&item_at, format!("path `{path}` does not start with `/`"));
            }
            operations.extend(self.path_item(&path, &item_at, &root));
        }
        let mut webhooks = Vec::new();
        for (name, item_at) in self.entries(&root_at.child("webhooks")) {
            for operation in self.path_item(&name, &item_at, &root) {
                webhooks.push(Webhook {
                    name: name.clone(),
                    operation,
                });
            }
        }
        self.check_unique_operation_ids(&operations);
        self.check_path_conflicts(&operations);

        let built = Built {
            dialect: self.dialect,
            version,
            info,
            servers,
            security,
            security_schemes,
            operations,
            webhooks,
            component_schemas,
            extensions: extensions_of(&root),
        };
        (Some(built), self.normalizer, self.diagnostics)
    }

    fn servers(&mut self, at: &Location) -> Vec<Server> {
        let mut out = Vec::new();
        for s_at in self.items(at) {
            let Some(s) = self.sources.get(&s_at).cloned() else {
                continue;
            };
            let Some(url) = str_of(&s, "url") else {
                self.error(&s_at, "a server needs a `url`");
                continue;
            };
            let mut variables = Vec::new();
            if let Some(Value::Object(vars)) = s.get("variables") {
                for (name, v) in vars {
                    let default = v.get("default").map(|d| {
                        d.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| d.to_string())
                    });
                    let Some(default) = default else {
                        self.error(
                            &s_at.child("variables").child(name),
                            format!("server variable `{name}` has no `default`"),
                        );
                        continue;
                    };
                    let allowed = v
                        .get("enum")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    variables.push(ServerVariable {
                        name: name.clone(),
                        default,
                        allowed,
                    });
                }
            }
            for var in template_variables(&url) {
                if !variables.iter().any(|v| v.name == var) {
                    self.warn(
                        &s_at.child("url"),
                        format!("server URL uses `{{{var}}}` but no such variable is defined"),
                    );
                }
            }
            out.push(Server {
                url,
                description: str_of(&s, "description"),
                variables,
            });
        }
        out
    }

    fn security(&mut self, at: &Location) -> Option<Vec<SecurityRequirement>> {
        match self.sources.get(at) {
            None | Some(Value::Null) => return None,
            Some(Value::Array(_)) => {}
            Some(_) => {
                self.error(at, "`security` must be an array of requirement objects");
                return None;
            }
        }
        let mut out = Vec::new();
        for r_at in self.items(at) {
            let mut schemes = Vec::new();
            if let Some(Value::Object(o)) = self.sources.get(&r_at) {
                for (name, scopes) in o {
                    let scopes = scopes
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| s.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    schemes.push((name.clone(), scopes));
                }
            }
            out.push(SecurityRequirement { schemes });
        }
        Some(out)
    }

    fn security_schemes(&mut self, root_at: &Location) -> Vec<(String, SecurityScheme)> {
        let container = if self.dialect == Dialect::Swagger2 {
            root_at.child("securityDefinitions")
        } else {
            root_at.child("components").child("securitySchemes")
        };
        let mut out = Vec::new();
        for (name, at) in self.entries(&container) {
            let Some((at, s)) = self.follow(&at) else {
                continue;
            };
            let kind = str_of(&s, "type").unwrap_or_default();
            let scheme = match kind.as_str() {
                "apiKey" => {
                    let location = match str_of(&s, "in").as_deref() {
                        Some("header") => ParamIn::Header,
                        Some("query") => ParamIn::Query,
                        Some("cookie") => ParamIn::Cookie,
                        other => {
                            self.error(&at, format!("apiKey scheme `{name}`: `in` must be header, query or cookie, not {other:?}"));
                            continue;
                        }
                    };
                    SecurityScheme::ApiKey { name: str_of(&s, "name").unwrap_or_default(), location }
                }
                "http" => SecurityScheme::Http {
                    scheme: str_of(&s, "scheme").unwrap_or_default().to_ascii_lowercase(),
                    bearer_format: str_of(&s, "bearerFormat"),
                },
                "basic" => SecurityScheme::Http { scheme: "basic".into(), bearer_format: None },
                "oauth2" => SecurityScheme::OAuth2 {
                    flows: s.get("flows").cloned().unwrap_or_else(|| {
                        json!({ "flow": s.get("flow"), "authorizationUrl": s.get("authorizationUrl"), "tokenUrl": s.get("tokenUrl"), "scopes": s.get("scopes") })
                    }),
                },
                "openIdConnect" => SecurityScheme::OpenIdConnect { url: str_of(&s, "openIdConnectUrl").unwrap_or_default() },
                "mutualTLS" => SecurityScheme::MutualTls,
                other => {
                    self.error(&at, format!("security scheme `{name}` has an unknown type `{other}`"));
                    continue;
                }
            };
            out.push((name, scheme));
        }
        out
    }

    fn component_schemas(&mut self, root_at: &Location) -> Vec<(String, SchemaId)> {
        let container = if self.dialect == Dialect::Swagger2 {
            root_at.child("definitions")
        } else {
            root_at.child("components").child("schemas")
        };
        let mut out = Vec::new();
        for (name, at) in self.entries(&container) {
            let id = self.normalizer.schema_at(&at);
            out.push((name, id));
        }
        out
    }

    /// The operations of one path item (`$ref`s followed).
    fn path_item(&mut self, path: &str, at: &Location, root: &Value) -> Vec<Operation> {
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

    fn check_path_parameters(&mut self, op: &Operation) {
        let vars = template_variables(&op.path);
        for p in op.parameters.iter().filter(|p| p.location == ParamIn::Path) {
            if !vars.contains(&p.name) {
                self.warn(
                    &p.at,
                    format!(
                        "path parameter `{}` does not appear in the path `{}`",
                        p.name, op.path
                    ),
                );
            }
        }
        for var in vars {
            if !op
                .parameters
                .iter()
                .any(|p| p.location == ParamIn::Path && p.name == var)
            {
                self.warn(
                    &op.at,
                    format!(
                        "`{{{var}}}` in `{}` has no path parameter declared for it",
                        op.path
                    ),
                );
            }
        }
    }

    fn parameters(&mut self, at: &Location) -> Vec<Param> {
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
                    let schema = swagger_param_schema(&p);
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
                let schema = self.normalizer.synthetic(&p_at, swagger_param_schema(&p));
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
    fn example_value(&mut self, at: &Location, v: &Value) -> (Value, Location) {
        let is_ref = v
            .as_object()
            .is_some_and(|o| o.len() == 1 && o.get("$ref").is_some_and(Value::is_string));
        if is_ref
            && let Ok(target) = self.sources.follow(at)
            && let Some(value) = self.sources.get(&target).cloned()
        {
            return (value, target);
        }
        (v.clone(), at.clone())
    }

    fn examples(&mut self, at: &Location, owner: &Value) -> Vec<Example> {
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
            let Some((e_at, e)) = self.follow(&e_at) else {
                continue;
            };
            if !e.is_object() {
                self.error(&e_at, format!("example `{name}` must be an Example object"));
                continue;
            }
            let (value, location) = match e.get("value") {
                Some(v) => {
                    let (v, l) = self.example_value(&e_at.child("value"), v);
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

    fn content(&mut self, at: &Location) -> Vec<MediaType> {
        let mut out = Vec::new();
        for (media_type, m_at) in self.entries(at) {
            let Some((m_at, m)) = self.follow(&m_at) else {
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

    fn request_body(&mut self, at: &Location) -> Option<RequestBody> {
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

    fn headers(&mut self, at: &Location) -> Vec<Header> {
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

    fn responses(&mut self, at: &Location, op: &Value, root: &Value) -> Vec<Response> {
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

    fn links(&mut self, at: &Location) -> Vec<Link> {
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

    /// 2.0: a response's `schema` under each media type the operation produces.
    fn swagger_response_content(
        &mut self,
        at: &Location,
        r: &Value,
        op: &Value,
        root: &Value,
    ) -> Vec<MediaType> {
        let Some(_) = r.get("schema") else {
            return Vec::new();
        };
        let schema = self.normalizer.schema_at(&at.child("schema"));
        let examples = r
            .get("examples")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        media_types(op, root, "produces")
            .into_iter()
            .map(|media_type| {
                let examples = examples
                    .get(&media_type)
                    .map(|v| Example {
                        name: None,
                        summary: None,
                        value: Some(v.clone()),
                        external_value: None,
                        location: at.child("examples").child(&media_type),
                    })
                    .into_iter()
                    .collect();
                MediaType {
                    media_type,
                    schema: Some(schema),
                    examples,
                    encoding: Vec::new(),
                    at: at.clone(),
                }
            })
            .collect()
    }

    /// 2.0: the body or formData parameters as a request body.
    fn swagger_body(
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

    fn check_unique_operation_ids(&mut self, operations: &[Operation]) {
        let mut seen: HashMap<&str, &Operation> = HashMap::new();
        for op in operations {
            let Some(id) = op.operation_id.as_deref() else {
                continue;
            };
            if let Some(first) = seen.get(id) {
                let mut d = self.sources.error(
                    &op.at.child("operationId"),
                    format!(
                        "duplicate operationId `{id}` ({} {} and {} {})",
                        first.method, first.path, op.method, op.path
                    ),
                );
                d.related = Some(Box::new(
                    self.sources
                        .error(&first.at.child("operationId"), "")
                        .place(),
                ));
                self.diagnostics.push(d);
            } else {
                seen.insert(id, op);
            }
        }
    }

    /// Two templates that differ only in parameter names (`/a/{id}` and `/a/{name}`) cannot be
    /// told apart by a router. The OpenAPI spec forbids them outright, but real specs (GitHub's
    /// among them) use them with different methods, which a router can still serve: that is a
    /// warning; the same method under both is an error, as no request could choose.
    fn check_path_conflicts(&mut self, operations: &[Operation]) {
        let mut first_by_shape: HashMap<String, &Operation> = HashMap::new();
        let mut by_route: HashMap<(String, Method), &Operation> = HashMap::new();
        let mut reported: Vec<(String, String)> = Vec::new();
        let item_at = |o: &Operation| {
            Location::new(
                o.at.file,
                o.at.pointer
                    .rsplit_once('/')
                    .map(|(p, _)| p.to_string())
                    .unwrap_or_default(),
            )
        };
        for op in operations {
            let shape = template_shape(&op.path);
            if let Some(first) = by_route.get(&(shape.clone(), op.method)) {
                let mut d = self.sources.error(&op.at, format!("{} `{}` conflicts with {} `{}`: the paths differ only in parameter names, so no request can choose between them", op.method, op.path, first.method, first.path));
                d.related = Some(Box::new(self.sources.error(&first.at, "").place()));
                self.diagnostics.push(d);
                continue;
            }
            by_route.insert((shape.clone(), op.method), op);
            match first_by_shape.get(&shape) {
                Some(first) if first.path != op.path => {
                    let pair = (first.path.clone(), op.path.clone());
                    if !reported.contains(&pair) {
                        let mut d = self.sources.warning(&item_at(op), format!("path `{}` and `{}` differ only in parameter names (OpenAPI forbids this; their methods differ, so requests can still be routed)", op.path, first.path));
                        d.related = Some(Box::new(self.sources.error(&item_at(first), "").place()));
                        self.diagnostics.push(d);
                        reported.push(pair);
                    }
                }
                Some(_) => {}
                None => {
                    first_by_shape.insert(shape, op);
                }
            }
        }
    }
}

/// A parameter as read, before 2.0's body and form parameters are gathered into a body.
#[derive(Clone)]
enum Param {
    Plain(Parameter),
    Body(SwaggerBody),
    Form(FormField),
}

#[derive(Clone)]
enum SwaggerBody {
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
struct FormField {
    name: String,
    required: bool,
    is_file: bool,
    schema: Value,
    collection_format: Option<String>,
}

/// `/a/{id}/b` → `/a/{}/b`: the shape a router sees (a trailing slash is kept: `/a/` is not `/a`).
pub fn template_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push('{');
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push('}');
                }
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The `{names}` in a template, in order.
pub fn template_variables(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

/// 2.0: the media types an operation consumes or produces (operation, else document, else JSON).
fn media_types(op: &Value, root: &Value, key: &str) -> Vec<String> {
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
fn collection_format_style(format: Option<&str>, location: ParamIn) -> (Style, bool) {
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
fn swagger_param_schema(p: &Value) -> Value {
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

/// 2.0: `host`, `basePath` and `schemes` as servers.
fn swagger_servers(root: &Value) -> Vec<Server> {
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

/// A cheap copy of the root's top-level scalars and small objects (not `paths` or
/// `components`, which the builder walks by location).
trait CloneShallow {
    fn clone_shallow(&self) -> Value;
}

impl CloneShallow for Value {
    fn clone_shallow(&self) -> Value {
        match self {
            Value::Object(o) => Value::Object(
                o.iter()
                    .filter(|(k, _)| {
                        !matches!(
                            k.as_str(),
                            "paths" | "components" | "definitions" | "webhooks"
                        )
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}
