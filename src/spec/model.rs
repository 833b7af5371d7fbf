//! The spec model: what every subcommand reads. Pure data, built once by `build`.
//!
//! One model serves Swagger 2.0, OpenAPI 3.0 and 3.1: version differences are settled while
//! building (2.0's body and formData parameters become request bodies, `produces` becomes
//! response media types) and while normalizing schemas (everything becomes JSON Schema
//! 2020-12). Schemas are referenced by [`SchemaId`] into the spec's schema store; every other
//! `$ref` (parameters, responses, path items...) is already followed here.

use serde_json::{Map, Value};

use super::refs::Location;

/// Which OpenAPI dialect the root document declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Swagger2,
    OpenApi30,
    OpenApi31,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Swagger2 => "Swagger 2.0",
            Dialect::OpenApi30 => "OpenAPI 3.0",
            Dialect::OpenApi31 => "OpenAPI 3.1",
        }
    }

    /// The dialect with the document's version string, saying the number once: `OpenAPI
    /// 3.1.0` (not `OpenAPI 3.1 3.1.0`), `Swagger 2.0`; a version that does not start with the
    /// dialect's number gets both, so nothing written is hidden.
    pub fn with_version(self, version: &str) -> String {
        let name = self.name();
        let (family, number) = name.rsplit_once(' ').unwrap_or((name, ""));
        if version.starts_with(number) {
            format!("{family} {version}")
        } else {
            format!("{name} {version}")
        }
    }
}

pub use crate::schema::SchemaId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The lower-case key used in a path item.
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    pub fn from_key(key: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The HTTP method name (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Info {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// The URL template as written (`https://{region}.example.com/v1`).
    pub url: String,
    pub description: Option<String>,
    /// Variables with their default and allowed values.
    pub variables: Vec<ServerVariable>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerVariable {
    pub name: String,
    pub default: String,
    pub allowed: Vec<String>,
}

impl Server {
    /// The URL with every variable replaced by its default.
    pub fn default_url(&self) -> String {
        let mut url = self.url.clone();
        for v in &self.variables {
            url = url.replace(&format!("{{{}}}", v.name), &v.default);
        }
        url
    }

    /// The path part of the default URL, without a trailing slash (`""` for the root): where
    /// the mock mounts the spec and what clients prefix to every path.
    pub fn base_path(&self) -> String {
        let url = self.default_url();
        let after_scheme = match url.find("://") {
            Some(i) => &url[i + 3..],
            None => url.as_str(),
        };
        let path = if url.contains("://") {
            after_scheme.find('/').map_or("", |i| &after_scheme[i..])
        } else {
            after_scheme
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        path.trim_end_matches('/').to_string()
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParamIn {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamIn {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
            ParamIn::Cookie => "cookie",
        }
    }
}

/// Serialization style of a parameter (OpenAPI 3 names; 2.0's collectionFormat maps onto them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Matrix,
    Label,
    Form,
    Simple,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    /// 2.0's `collectionFormat: tsv`.
    TabDelimited,
}

impl Style {
    pub fn from_name(name: &str) -> Option<Style> {
        Some(match name {
            "matrix" => Style::Matrix,
            "label" => Style::Label,
            "form" => Style::Form,
            "simple" => Style::Simple,
            "spaceDelimited" => Style::SpaceDelimited,
            "pipeDelimited" => Style::PipeDelimited,
            "deepObject" => Style::DeepObject,
            _ => return None,
        })
    }

    /// The default style for a location (OpenAPI 3).
    pub fn default_for(location: ParamIn) -> Style {
        match location {
            ParamIn::Query | ParamIn::Cookie => Style::Form,
            ParamIn::Path | ParamIn::Header => Style::Simple,
        }
    }
}

/// A documented example: from `example`, an entry of `examples`, or a schema's examples.
#[derive(Debug, Clone)]
pub struct Example {
    /// The key under `examples`, if it came from there.
    pub name: Option<String>,
    pub summary: Option<String>,
    /// The value, unless the example only names an `externalValue`.
    pub value: Option<Value>,
    pub external_value: Option<String>,
    /// Where the value is written (for diagnostics).
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub location: ParamIn,
    pub required: bool,
    pub deprecated: bool,
    pub style: Style,
    pub explode: bool,
    pub allow_reserved: bool,
    pub allow_empty_value: bool,
    pub schema: Option<SchemaId>,
    /// `content` instead of `schema` (a parameter carried as, say, a JSON string).
    pub content: Vec<MediaType>,
    pub examples: Vec<Example>,
    pub description: Option<String>,
    pub at: Location,
}

#[derive(Debug, Clone)]
pub struct Encoding {
    pub property: String,
    pub content_type: Option<String>,
    pub style: Option<Style>,
    pub explode: Option<bool>,
    pub allow_reserved: bool,
    pub headers: Vec<Header>,
}

/// One media type of a request or response body.
#[derive(Debug, Clone)]
pub struct MediaType {
    /// As written (`application/json`, `application/*`, `text/plain; charset=utf-8`).
    pub media_type: String,
    pub schema: Option<SchemaId>,
    pub examples: Vec<Example>,
    pub encoding: Vec<Encoding>,
    pub at: Location,
}

#[derive(Debug, Clone)]
pub struct RequestBody {
    pub required: bool,
    pub description: Option<String>,
    pub content: Vec<MediaType>,
    pub at: Location,
}

#[derive(Debug, Clone)]
pub struct Header {
    pub name: String,
    pub required: bool,
    pub deprecated: bool,
    pub schema: Option<SchemaId>,
    pub content: Vec<MediaType>,
    pub examples: Vec<Example>,
    pub description: Option<String>,
    pub at: Location,
}

/// The key of a response: a status code, a range (`4XX`), or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusKey {
    Code(u16),
    /// `1XX`..`5XX`: the hundreds digit.
    Range(u8),
    Default,
}

impl StatusKey {
    pub fn parse(key: &str) -> Option<StatusKey> {
        if key == "default" {
            return Some(StatusKey::Default);
        }
        let b = key.as_bytes();
        if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].eq_ignore_ascii_case(b"XX") {
            return Some(StatusKey::Range(b[0] - b'0'));
        }
        match key.parse::<u16>() {
            Ok(c) if (100..=599).contains(&c) => Some(StatusKey::Code(c)),
            _ => None,
        }
    }

    /// Whether a concrete status code falls under this key.
    pub fn matches(self, code: u16) -> bool {
        match self {
            StatusKey::Code(c) => c == code,
            StatusKey::Range(r) => code / 100 == u16::from(r),
            StatusKey::Default => true,
        }
    }
}

impl std::fmt::Display for StatusKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusKey::Code(c) => write!(f, "{c}"),
            StatusKey::Range(r) => write!(f, "{r}XX"),
            StatusKey::Default => f.write_str("default"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Link {
    pub name: String,
    pub operation_id: Option<String>,
    pub operation_ref: Option<String>,
    /// Parameter name → runtime expression or constant.
    pub parameters: Map<String, Value>,
    pub request_body: Option<Value>,
    pub at: Location,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusKey,
    pub description: String,
    pub content: Vec<MediaType>,
    pub headers: Vec<Header>,
    pub links: Vec<Link>,
    pub at: Location,
}

/// One alternative of a security requirement: every scheme named must be satisfied.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityRequirement {
    /// (scheme name, scopes)
    pub schemes: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SecurityScheme {
    ApiKey {
        name: String,
        location: ParamIn,
    },
    Http {
        scheme: String,
        bearer_format: Option<String>,
    },
    OAuth2 {
        flows: Value,
    },
    OpenIdConnect {
        url: String,
    },
    MutualTls,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The path template as written under `paths` (`/users/{userId}`).
    pub path: String,
    /// The path with parameter names erased (`/users/{}`): what a router can tell apart.
    pub shape: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// Path-item and operation parameters merged (operation ones win).
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// In the order written.
    pub responses: Vec<Response>,
    /// `None`: the document's default applies; `Some(vec![])`: explicitly none.
    pub security: Option<Vec<SecurityRequirement>>,
    /// Operation or path-item servers; empty when the document's servers apply.
    pub servers: Vec<Server>,
    /// `callbacks`, one per (name, expression, method); empty inside a callback.
    pub callbacks: Vec<Callback>,
    /// Vendor extensions (`x-...`) of the operation object, kept as written.
    pub extensions: Map<String, Value>,
    /// What a DELETE does to what it names (`x-stipula-delete-semantics`); `None` for every
    /// other method.
    pub delete_semantics: Option<DeleteSemantics>,
    pub at: Location,
}

/// An operation the API calls on a client in reply to another operation (`callbacks`).
#[derive(Debug, Clone)]
pub struct Callback {
    pub name: String,
    /// The runtime expression giving the URL (`{$request.body#/callbackUrl}`).
    pub expression: String,
    pub operation: Operation,
}

/// What a DELETE does, from `x-stipula-delete-semantics`: the item is gone afterwards
/// (`remove`, the default), or it stays readable in another state (`revoke`, anything else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteSemantics {
    Remove,
    Revoke,
    /// Another value as written (an archive, a soft delete...): not a removal.
    Other(String),
}

impl DeleteSemantics {
    /// A DELETE's semantics from its extension's value; a missing or non-string value is the
    /// default, `remove`.
    pub fn of_extension(value: Option<&Value>) -> DeleteSemantics {
        match value.and_then(Value::as_str) {
            None | Some("remove") => DeleteSemantics::Remove,
            Some("revoke") => DeleteSemantics::Revoke,
            Some(other) => DeleteSemantics::Other(other.to_string()),
        }
    }
}

/// Where document-level settings are written in the root file, for consumers that point at
/// them (diff); `None` when the document does not write them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentLocations {
    /// The base path: 3.x's first server `url`, else 2.0's `basePath`, else its `host`.
    pub base_path: Option<Location>,
    /// The document-level `security` requirements.
    pub security: Option<Location>,
}

impl Operation {
    /// `GET /users/{id}`, or the operationId when there is one.
    pub fn label(&self) -> String {
        match &self.operation_id {
            Some(id) => id.clone(),
            None => format!("{} {}", self.method, self.path),
        }
    }

    /// The effective security: the operation's, else the document's.
    pub fn effective_security<'a>(
        &'a self,
        document_default: &'a [SecurityRequirement],
    ) -> &'a [SecurityRequirement] {
        self.security.as_deref().unwrap_or(document_default)
    }

    pub fn response(&self, status: StatusKey) -> Option<&Response> {
        self.responses.iter().find(|r| r.status == status)
    }

    /// The response documented for a concrete status: exact code, then range, then default.
    pub fn response_for(&self, code: u16) -> Option<&Response> {
        self.response(StatusKey::Code(code))
            .or_else(|| {
                u8::try_from(code / 100)
                    .ok()
                    .and_then(|r| self.response(StatusKey::Range(r)))
            })
            .or_else(|| self.response(StatusKey::Default))
    }
}

/// A webhook (3.1): an operation the API calls on the client.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub name: String,
    pub operation: Operation,
}

#[cfg(test)]
mod dialect_tests {
    use super::Dialect;

    #[test]
    fn the_version_number_is_said_once() {
        assert_eq!(Dialect::OpenApi31.with_version("3.1.0"), "OpenAPI 3.1.0");
        assert_eq!(Dialect::OpenApi30.with_version("3.0.3"), "OpenAPI 3.0.3");
        assert_eq!(Dialect::Swagger2.with_version("2.0"), "Swagger 2.0");
        assert_eq!(Dialect::OpenApi30.with_version("2.9"), "OpenAPI 3.0 2.9");
    }
}
