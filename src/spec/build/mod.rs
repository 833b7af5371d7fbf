//! Builds the model from the parsed files: one pass over the root document, following `$ref`s.
//!
//! Two front ends share one builder: OpenAPI 3.x documents are read as written, Swagger 2.0 ones
//! are converted on the way (body and formData parameters become a request body, `produces` /
//! `consumes` become media types, `host` + `basePath` + `schemes` become servers,
//! `collectionFormat` becomes style/explode). Nothing in the document is rewritten: every model
//! item keeps the location where it is written, so diagnostics point into the user's file.
//!
//! Problems are collected, not thrown: the builder goes on after an error so that one run
//! reports every broken reference, duplicate operationId and clashing path at once.
//!
//! The files: this one holds the builder's state, its `$ref`-following helpers and the top-level
//! walk (`build`); `document.rs` the document-level parts (dialect, servers, security),
//! `operation.rs` path items and operations as 3.x writes them, `swagger2.rs` the 2.0
//! conversions, `checks.rs` the checks across operations (operationId uniqueness, path clashes).
//! Each diagnostic is made with its `DiagnosticKind` where the problem is found: consumers sort
//! by kind, never by message.

mod checks;
mod document;
mod operation;
mod swagger2;

use serde_json::{Map, Value};

use super::diagnostic::{Diagnostic, DiagnosticKind, Severity};
use super::model::*;
use super::normalize::Normalizer;
use super::refs::{Location, SourceSet};
use super::source::FileId;

pub use checks::{template_shape, template_variables};
pub use document::dialect_of;
use swagger2::{
    FormField, SwaggerBody, collection_format_style, refuse_empty_values, swagger_param_schema,
    swagger_servers,
};

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
    pub locations: DocumentLocations,
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
        self.warn_of(DiagnosticKind::Tolerated, at, message);
    }

    fn warn_of(&mut self, kind: DiagnosticKind, at: &Location, message: impl Into<String>) {
        let d = self.sources.warning(at, message).with_kind(kind);
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
        self.check_unique_operation_ids(&mut operations);
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
            locations: self.document_locations(),
        };
        (Some(built), self.normalizer, self.diagnostics)
    }
}

/// A parameter as read, before 2.0's body and form parameters are gathered into a body.
#[derive(Clone)]
enum Param {
    Plain(Parameter),
    Body(SwaggerBody),
    Form(FormField),
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
