//! The spec model: every OpenAPI document, whatever its version or shape, loaded into one model.
//!
//! `load` reads the root document, follows `$ref`s into other files on demand (`refs`),
//! builds operations (`build`), normalizes every schema to JSON Schema 2020-12 (`normalize`)
//! and prepares validators over them (`crate::schema`). Data flows one way: files → model →
//! consumers (mock, runner, lint, diff); the model does no I/O after `load` returns.

// The public surface is the re-exports below; the modules stay crate-internal.
mod build;
pub(crate) mod diagnostic;
mod json_offsets;
mod model;
pub(crate) mod normalize;
pub(crate) mod pointer;
mod ref_depth;
pub(crate) mod refs;
mod remote;
pub(crate) mod source;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

pub use build::{template_shape, template_variables};
pub use diagnostic::{Diagnostic, DiagnosticKind, LoadError, Place, Position, Severity};
pub use model::*;
pub use refs::{Location, RefPolicy};
pub use source::{FileId, Format};

use crate::schema::{Direction, Schemas};
use refs::SourceSet;
use source::SourceFile;

/// A loaded spec: the model, its normalized schemas with their validators, and its files.
#[derive(Debug)]
pub struct Spec {
    pub dialect: Dialect,
    /// The `openapi` or `swagger` version string as written.
    pub version: String,
    pub info: Info,
    /// The document's servers (3.x `servers`; 2.0 `host` + `basePath`). 3.x's default, when
    /// none are given, is one server `/`.
    pub servers: Vec<Server>,
    /// The document-wide security requirements.
    pub security: Vec<SecurityRequirement>,
    pub security_schemes: Vec<(String, SecurityScheme)>,
    pub operations: Vec<Operation>,
    pub webhooks: Vec<Webhook>,
    /// `components/schemas` (2.0: `definitions`) by name.
    pub component_schemas: Vec<(String, SchemaId)>,
    /// Vendor extensions of the root document.
    pub extensions: Map<String, Value>,
    /// Where the root document writes its base path and security requirements.
    pub locations: DocumentLocations,
    pub schemas: Schemas,
    /// Where each normalized schema is written, by [`SchemaId`] (see [`Spec::schema_location`]).
    schema_locations: Vec<Location>,
    /// Warnings found while loading (the spec loaded anyway). Their line and column are not
    /// filled in (finding them costs a pass over each file): [`Spec::located_warnings`] does.
    pub warnings: Vec<Diagnostic>,
    sources: SourceSet,
}

/// Stack of the thread that loads a spec (reserved address space; pages are used on demand).
const LOAD_STACK_BYTES: usize = 256 * 1024 * 1024;

/// How to load.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    pub refs: RefPolicy,
}

impl Spec {
    /// Loads a spec from a file (JSON or YAML, by extension or content).
    pub fn load(path: impl AsRef<Path>, options: LoadOptions) -> Result<Spec, LoadError> {
        let path = path.as_ref();
        let display = path.to_string_lossy().into_owned();
        let fail = |message: String| LoadError {
            diagnostics: vec![
                Diagnostic::error(display.clone(), "", message)
                    .with_kind(DiagnosticKind::Unreadable),
            ],
        };
        let canonical = path
            .canonicalize()
            .map_err(|e| fail(format!("cannot open: {e}")))?;
        let text = source::read_text(&canonical).map_err(fail)?;
        Self::from_text(display, canonical, text, options)
    }

    /// Loads a spec from a string. `name` tells JSON from YAML by its extension (`spec.yaml`)
    /// and names the document in messages; relative `$ref`s resolve from the working directory.
    pub fn from_str(name: &str, text: &str, options: LoadOptions) -> Result<Spec, LoadError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let path = refs::lexical_normalize(&cwd.join(name));
        Self::from_text(name.to_string(), path, text.to_string(), options)
    }

    /// Parses and builds on a thread of its own with a large stack: parsers and converters
    /// recurse once per nesting level, and a deeply nested (but legal) spec must not overflow
    /// the caller's stack, whatever thread that is (test threads and tokio workers have 2 MiB).
    fn from_text(
        display: String,
        path: PathBuf,
        text: String,
        options: LoadOptions,
    ) -> Result<Spec, LoadError> {
        let work = move || Self::from_file(SourceFile::parse(display, path, text), options);
        let thread = std::thread::Builder::new()
            .name("stipula-load".into())
            .stack_size(LOAD_STACK_BYTES);
        match thread.spawn(work) {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(e) => Err(LoadError {
                diagnostics: vec![Diagnostic::error(
                    "",
                    "",
                    format!("cannot start the loader thread: {e}"),
                )],
            }),
        }
    }

    fn from_file(
        root: Result<SourceFile, Diagnostic>,
        options: LoadOptions,
    ) -> Result<Spec, LoadError> {
        let root = root.map_err(|d| LoadError {
            diagnostics: vec![d],
        })?;
        let mut sources = SourceSet::new(root, options.refs);
        let fail = |sources: &SourceSet, mut diagnostics: Vec<Diagnostic>| {
            sources.locate(&mut diagnostics);
            diagnostics.sort_by_key(|d| std::cmp::Reverse(d.severity));
            LoadError { diagnostics }
        };
        let (dialect, version) = match build::dialect_of(&sources) {
            Ok(v) => v,
            Err(d) => return Err(fail(&sources, vec![d])),
        };
        let builder = build::Builder::new(&mut sources, dialect);
        let (built, normalizer, mut diagnostics) = builder.build(version);
        let normalized = normalizer.finish(&mut sources, &mut diagnostics);
        if let Some((entry, depth)) = ref_depth::too_deep(&normalized) {
            diagnostics.push(sources.error(
                &normalized.locations[entry],
                format!(
                    "`$ref`s nest {depth} deep from this schema, more than the limit of {}: generating or validating it would overflow the stack",
                    ref_depth::MAX_REF_DEPTH
                ),
            ).with_kind(DiagnosticKind::RefLimit));
        }
        let Some(built) = built.filter(|_| !build::has_errors(&diagnostics)) else {
            return Err(fail(&sources, diagnostics));
        };
        let describe = normalized
            .locations
            .iter()
            .map(|l| sources.describe(l))
            .collect();
        let schemas = Schemas::new(normalized.document, describe).map_err(|e| {
            fail(
                &sources,
                vec![
                    Diagnostic::error(sources.file(FileId(0)).display.clone(), "", e)
                        .with_kind(DiagnosticKind::SchemaUncompilable),
                ],
            )
        })?;
        let mut servers = built.servers;
        if servers.is_empty() {
            servers.push(Server {
                url: "/".into(),
                description: None,
                variables: Vec::new(),
            });
        }
        Ok(Spec {
            dialect: built.dialect,
            version: built.version,
            info: built.info,
            servers,
            security: built.security,
            security_schemes: built.security_schemes,
            operations: built.operations,
            webhooks: built.webhooks,
            component_schemas: built.component_schemas,
            extensions: built.extensions,
            locations: built.locations,
            schemas,
            schema_locations: normalized.locations,
            warnings: diagnostics,
            sources,
        })
    }

    /// The warnings with their lines and columns.
    pub fn located_warnings(&self) -> Vec<Diagnostic> {
        let mut w = self.warnings.clone();
        self.sources.locate(&mut w);
        w
    }

    /// The root document's name as given.
    pub fn name(&self) -> &str {
        &self.sources.file(FileId(0)).display
    }

    /// The raw JSON of the root document.
    pub fn root_document(&self) -> &Value {
        self.sources.root()
    }

    /// How many files the spec is made of.
    pub fn file_count(&self) -> usize {
        self.sources.files().count()
    }

    /// `file#/pointer` of a location, for messages.
    pub fn describe(&self, at: &Location) -> String {
        self.sources.describe(at)
    }

    /// The file, line and column of a location.
    pub fn place(&self, at: &Location) -> Place {
        let file = self.sources.file(at.file);
        Place {
            file: file.display.clone(),
            pointer: at.pointer.clone(),
            position: Some(file.position(&at.pointer)),
        }
    }

    /// [`Spec::place`] for many locations, in one pass over each file involved (a pass over
    /// GitHub's 13 MB spec costs about as much as parsing it).
    pub fn places(&self, at: &[Location]) -> Vec<Place> {
        let mut by_file: std::collections::HashMap<FileId, Vec<usize>> = Default::default();
        for (i, l) in at.iter().enumerate() {
            by_file.entry(l.file).or_default().push(i);
        }
        let mut out: Vec<Place> = at
            .iter()
            .map(|l| Place {
                file: self.sources.file(l.file).display.clone(),
                pointer: l.pointer.clone(),
                position: None,
            })
            .collect();
        for (file, indexes) in by_file {
            let pointers: Vec<&str> = indexes.iter().map(|&i| at[i].pointer.as_str()).collect();
            let positions = self.sources.file(file).positions(&pointers);
            for (i, p) in indexes.into_iter().zip(positions) {
                out[i].position = Some(p);
            }
        }
        out
    }

    /// One of the spec's files as read (text and raw JSON); the root is `FileId(0)`.
    pub fn source(&self, id: FileId) -> &SourceFile {
        self.sources.file(id)
    }

    /// Every file of the spec, the root first.
    pub fn sources(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.sources.files()
    }

    /// The files the spec is made of, root first, as read from disk (what a watcher watches).
    pub fn file_paths(&self) -> Vec<PathBuf> {
        self.sources.files().map(|(_, f)| f.path.clone()).collect()
    }

    /// The raw value at a location in one of the spec's files.
    pub fn raw(&self, at: &Location) -> Option<&Value> {
        self.sources.get(at)
    }

    /// The path prefix clients put before every path: the first server's path.
    pub fn base_path(&self) -> String {
        self.servers
            .first()
            .map(Server::base_path)
            .unwrap_or_default()
    }

    /// Where the normalized schema `id` is written (the schema layer only knows its name).
    pub fn schema_location(&self, id: SchemaId) -> &Location {
        &self.schema_locations[id.0 as usize]
    }

    pub fn operation(&self, operation_id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.operation_id.as_deref() == Some(operation_id))
    }

    /// The schemas operations validate against directly, each with the direction it serves:
    /// parameters and request bodies are requests; responses and their headers are responses.
    pub fn operation_schemas(&self) -> Vec<(SchemaId, Direction)> {
        use Direction::{Request, Response};
        let mut out = Vec::new();
        for op in self
            .operations
            .iter()
            .chain(self.webhooks.iter().map(|w| &w.operation))
        {
            for p in &op.parameters {
                out.extend(p.schema.map(|s| (s, Request)));
                out.extend(
                    p.content
                        .iter()
                        .filter_map(|m| m.schema)
                        .map(|s| (s, Request)),
                );
            }
            if let Some(body) = &op.request_body {
                out.extend(
                    body.content
                        .iter()
                        .filter_map(|m| m.schema)
                        .map(|s| (s, Request)),
                );
            }
            for r in &op.responses {
                out.extend(
                    r.content
                        .iter()
                        .filter_map(|m| m.schema)
                        .map(|s| (s, Response)),
                );
                out.extend(
                    r.headers
                        .iter()
                        .filter_map(|h| h.schema)
                        .map(|s| (s, Response)),
                );
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Compiles every validator the operations use, now rather than on first use; returns how
    /// many schemas could not be compiled (they accept every value; see
    /// `Schemas::compile_problems`).
    pub fn compile_validators(&self) -> usize {
        self.operation_schemas()
            .into_iter()
            .map(|(id, direction)| self.schemas.compile([id], direction))
            .sum()
    }

    pub fn security_scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.security_schemes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
    }
}

/// Whether a file declares `openapi` or `swagger` as a top-level key (a fragment of a
/// multi-file spec may mention either word, in a `$ref` say, without being a document).
fn is_root_document(path: &Path, ext: &str) -> std::io::Result<bool> {
    // Through the spec reader: a FIFO or a device in a folder of specs must not hang discovery.
    let text = source::read_text(path).unwrap_or_default();
    if ext == "json" {
        #[derive(serde::Deserialize)]
        struct Top {
            openapi: Option<serde::de::IgnoredAny>,
            swagger: Option<serde::de::IgnoredAny>,
        }
        return Ok(serde_json::from_str::<Top>(&text)
            .is_ok_and(|t| t.openapi.is_some() || t.swagger.is_some()));
    }
    // YAML: a key at column 0, possibly quoted.
    Ok(text.lines().any(|l| {
        let l = l.trim_start_matches(['"', '\'']);
        (l.starts_with("openapi") || l.starts_with("swagger"))
            && l.trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .trim_start_matches(['"', '\''])
                .trim_start()
                .starts_with(':')
    }))
}

/// Finds the spec files in a folder: `*.json`, `*.yaml` and `*.yml` directly inside it that
/// declare `openapi` or `swagger` at the top level (fragments of multi-file specs are skipped),
/// sorted by name.
pub fn discover(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !path.is_file() || !matches!(ext.as_str(), "json" | "yaml" | "yml") {
            continue;
        }
        if is_root_document(&path, &ext)? {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
