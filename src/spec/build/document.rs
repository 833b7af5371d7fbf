//! The document level: which dialect the root is, and the parts that belong to the whole
//! document rather than to one operation (servers, security requirements and schemes, the
//! component schemas named for consumers). 2.0's servers come from `swagger2.rs`.

use serde_json::{Value, json};

use super::*;
use crate::spec::diagnostic::{Diagnostic, DiagnosticKind};
use crate::spec::model::*;
use crate::spec::refs::{Location, SourceSet};
use crate::spec::source::FileId;

/// Reads the root document's dialect and version string.
pub fn dialect_of(sources: &SourceSet) -> Result<(Dialect, String), Diagnostic> {
    let root = sources.root();
    let at = Location::new(FileId(0), "");
    if !root.is_object() {
        return Err(sources
            .error(
                &at,
                "not an OpenAPI document: the top level must be an object",
            )
            .with_kind(DiagnosticKind::NotOpenApi));
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
            return Err(sources
                .error(
                    &at.child("openapi"),
                    format!(
                        "unsupported OpenAPI version `{version}` (supported: 2.0, 3.0.x, 3.1.x)"
                    ),
                )
                .with_kind(DiagnosticKind::NotOpenApi));
        };
        return Ok((dialect, version));
    }
    if let Some(v) = root.get("swagger") {
        let version = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        if version != "2.0" {
            return Err(sources
                .error(
                    &at.child("swagger"),
                    format!("unsupported Swagger version `{version}` (supported: 2.0)"),
                )
                .with_kind(DiagnosticKind::NotOpenApi));
        }
        return Ok((Dialect::Swagger2, version));
    }
    Err(sources
        .error(
            &at,
            "not an OpenAPI document: it has neither an `openapi` nor a `swagger` field",
        )
        .with_kind(DiagnosticKind::NotOpenApi))
}

impl Builder<'_> {
    /// Where the document writes its base path and its security requirements (written, not
    /// followed: a `$ref` there is not valid OpenAPI anyway).
    pub(super) fn document_locations(&self) -> DocumentLocations {
        let written = |pointer: &str| {
            let at = Location::new(FileId(0), pointer);
            self.sources.get(&at).is_some().then_some(at)
        };
        DocumentLocations {
            base_path: ["/servers/0/url", "/basePath", "/host"]
                .into_iter()
                .find_map(written),
            security: written("/security"),
        }
    }

    pub(super) fn servers(&mut self, at: &Location) -> Vec<Server> {
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
                    self.warn_of(
                        DiagnosticKind::ServerVariableUndefined,
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

    pub(super) fn security(&mut self, at: &Location) -> Option<Vec<SecurityRequirement>> {
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

    pub(super) fn security_schemes(&mut self, root_at: &Location) -> Vec<(String, SecurityScheme)> {
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

    pub(super) fn component_schemas(&mut self, root_at: &Location) -> Vec<(String, SchemaId)> {
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
}
