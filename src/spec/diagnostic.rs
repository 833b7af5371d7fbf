//! What the loader says about a spec: errors that stop it and warnings that do not.
//!
//! A diagnostic names the file, the JSON pointer of the node, and (filled in lazily, only for
//! diagnostics that are shown) the line and column, so that a user can jump to the spot.
//!
//! It also carries a [`DiagnosticKind`]: what went wrong, as data. Consumers that sort
//! diagnostics (lint maps each to a rule) match on the kind, never on the message, so the
//! wording stays free to change.

use std::fmt;

/// 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// A place in a spec file, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file as the user or the referencing file named it.
    pub file: String,
    /// JSON pointer of the node (`""` for the whole file).
    pub pointer: String,
    pub position: Option<Position>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(p) = self.position {
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        write!(f, " (#{})", self.pointer)
    }
}

/// What a diagnostic is about. The constructors default to [`DiagnosticKind::InvalidStructure`]
/// (errors) and [`DiagnosticKind::Tolerated`] (warnings); every other kind is set where the
/// loader finds the problem ([`Diagnostic::with_kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The root file cannot be opened or read (missing, a folder, too large, not UTF-8).
    Unreadable,
    /// Not JSON or YAML, or past the parser's budgets (nesting depth, aliases).
    Syntax,
    /// Not an OpenAPI document, or a version the loader does not read.
    NotOpenApi,
    /// A `$ref` that leads nowhere: no node at the pointer, not a string, or a file (local or
    /// remote) that cannot be read.
    RefUnresolved,
    /// A `$ref` leaving the root document's folder, refused by the ref policy.
    RefOutsideRoot,
    /// A remote (`http(s)://`) `$ref`, refused by the ref policy.
    RefRemote,
    /// A `$ref` form the loader does not follow: another scheme, an anchor, a fragment that is
    /// not UTF-8, a relative reference inside a remote document.
    RefUnsupported,
    /// Past the loader's limits on referenced files (how many, how large) or on how deep
    /// schema `$ref`s nest.
    RefLimit,
    /// A `$ref` chain that comes back to where it started without reaching content.
    RefCycle,
    /// A schema cycle that never descends into the value (validation would never end).
    SchemaCycle,
    /// The normalized schemas could not be assembled for the validator.
    SchemaUncompilable,
    /// Two operations share an operationId.
    DuplicateOperationId,
    /// Two paths differ only in parameter names and share a method: no request can choose.
    PathClash,
    /// Two paths differ only in parameter names, on different methods (a warning).
    PathAmbiguous,
    /// A path parameter that the path template does not use.
    PathParamUnused,
    /// A `{variable}` in a path template without a path parameter declared for it.
    PathParamUndeclared,
    /// A `{variable}` in a server URL that the server does not define.
    ServerVariableUndefined,
    /// Any other error: the document is not shaped as OpenAPI requires here.
    InvalidStructure,
    /// Any other warning: something the loader works around (ignores, assumes).
    Tolerated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub kind: DiagnosticKind,
    pub file: String,
    pub pointer: String,
    pub position: Option<Position>,
    pub message: String,
    /// A second place the message is about (the other duplicate, the other clashing path).
    pub related: Option<Box<Place>>,
}

impl Diagnostic {
    pub fn error(
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            kind: DiagnosticKind::InvalidStructure,
            file: file.into(),
            pointer: pointer.into(),
            position: None,
            message: message.into(),
            related: None,
        }
    }

    pub fn warning(
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            kind: DiagnosticKind::Tolerated,
            ..Diagnostic::error(file, pointer, message)
        }
    }

    /// The same diagnostic, saying what kind of problem it is.
    #[must_use]
    pub fn with_kind(mut self, kind: DiagnosticKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn place(&self) -> Place {
        Place {
            file: self.file.clone(),
            pointer: self.pointer.clone(),
            position: self.position,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {level}: {}", self.place(), self.message)?;
        if let Some(r) = &self.related {
            write!(f, " (see also {r})")?;
        }
        Ok(())
    }
}

/// Why a spec could not be loaded: one or more error diagnostics (and any warnings seen first).
#[derive(Debug, Clone)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for d in self.errors() {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}
