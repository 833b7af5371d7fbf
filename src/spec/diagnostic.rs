//! What the loader says about a spec: errors that stop it and warnings that do not.
//!
//! A diagnostic names the file, the JSON pointer of the node, and (filled in lazily, only for
//! diagnostics that are shown) the line and column, so that a user can jump to the spot.

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
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
            ..Diagnostic::error(file, pointer, message)
        }
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
