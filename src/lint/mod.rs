//! `stipula lint`: rules over a spec, each finding with a rule id, a severity, file, line,
//! column, JSON pointer, a message and the source line it is about.
//!
//! Shape: every rule module returns [`Hit`]s (rule + `Location` + message); [`lint_file`] then
//! applies the config (switched-off rules, changed severities) and turns hits into
//! [`Finding`]s with one positions pass per file (a pass over GitHub's 13 MB spec costs about
//! as much as parsing it, so one per finding would not do). The output formats in `output/`
//! are independent consumers of the same `SpecReport`s.
//!
//! The loader already refuses some specs (an unresolved `$ref`, duplicate operationIds, two
//! routes no request can tell apart) and warns about others (undeclared path parameters):
//! `load` turns its diagnostics into findings of the matching rules, so every format reports
//! them with locations. A spec that does not load is still checked against its meta-schema.

pub mod baseline;
mod components;
pub mod config;
mod ignore;
mod load;
mod operations;
pub mod output;
mod owasp;
pub mod rules;
mod schemas;
mod size;
mod structure;
mod values;

use std::path::{Path, PathBuf};

use crate::spec::{
    FileId, LoadError, LoadOptions, Location, Place, Severity, Spec, source::SourceFile,
};

pub use config::Config;
pub use values::ExampleStats;

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule's id (see [`rules::RULES`]).
    pub rule: &'static str,
    pub severity: Severity,
    /// File, JSON pointer, and line and column (1-based) of the offending node.
    pub place: Place,
    pub message: String,
    /// A second place the finding is about (the other duplicate, say).
    pub related: Option<Place>,
    /// The source line at `place`, for humans.
    pub snippet: Option<Snippet>,
    /// An error the `--baseline` file accepts: reported, but it does not fail the run
    /// (`baseline::apply`).
    pub baselined: bool,
}

/// One source line (cut around the column when very long) and where the finding is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// 1-based line number.
    pub line: usize,
    pub text: String,
    /// 1-based character column within `text`.
    pub column: usize,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}: {level}[{}]: {}",
            self.place, self.rule, self.message
        )?;
        if let Some(r) = &self.related {
            write!(f, " (see also {r})")?;
        }
        Ok(())
    }
}

/// What a rule found, before the config and positions are applied.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    rule: &'static str,
    at: Location,
    message: String,
    related: Option<Location>,
}

impl Hit {
    fn new(rule: &'static str, at: Location, message: impl Into<String>) -> Self {
        Hit {
            rule,
            at,
            message: message.into(),
            related: None,
        }
    }
}

/// The lint of one spec file.
#[derive(Debug, Clone)]
pub struct SpecReport {
    /// The spec's file as named.
    pub path: PathBuf,
    /// `None` when the spec could not be loaded (exit code 2).
    pub summary: Option<Summary>,
    pub findings: Vec<Finding>,
}

/// What a loaded spec holds and what was checked.
#[derive(Debug, Clone)]
pub struct Summary {
    /// `OpenAPI 3.0.1` (the dialect and version, the number said once).
    pub version: String,
    pub operations: usize,
    pub base_path: String,
    pub schemas: usize,
    pub examples: ExampleStats,
    /// Schemas jsonschema cannot compile (they validate nothing): (where, why).
    pub uncompilable: Vec<(String, String)>,
}

impl SpecReport {
    /// Errors that fail the run (those a baseline accepts do not).
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error && !f.baselined)
            .count()
    }

    /// Errors the baseline accepts.
    pub fn baselined(&self) -> usize {
        self.findings.iter().filter(|f| f.baselined).count()
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Loads and lints one spec file.
pub fn lint_file(path: &Path, options: LoadOptions, config: &Config) -> SpecReport {
    match Spec::load(path, options) {
        Ok(spec) => lint_loaded(path, &spec, config),
        Err(e) => lint_load_error(path, &e, config),
    }
}

/// The report of a spec that loaded; `path` names it.
pub fn lint_loaded(path: &Path, spec: &Spec, config: &Config) -> SpecReport {
    let (findings, summary) = lint_spec(spec, config);
    SpecReport {
        path: path.to_path_buf(),
        summary: Some(summary),
        findings,
    }
}

/// The report of a spec that could not be loaded: its load errors as findings, and the
/// meta-schema check of its root when that parses.
pub fn lint_load_error(path: &Path, error: &LoadError, config: &Config) -> SpecReport {
    SpecReport {
        path: path.to_path_buf(),
        summary: None,
        findings: load::failed(path, error, config),
    }
}

/// Lints a loaded spec: every rule, with the config applied, in a stable order.
pub fn lint_spec(spec: &Spec, config: &Config) -> (Vec<Finding>, Summary) {
    // The value checks (compiling validators: the biggest part) run beside the other rules.
    std::thread::scope(|scope| {
        let values = std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024) // deep schemas are walked recursively
            .spawn_scoped(scope, || values::check(spec));
        let mut hits = other_rules(spec, config);
        let (value_hits, examples) = match values {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: check them here.
            Err(_) => values::check(spec),
        };
        hits.extend(value_hits);
        finish(spec, config, hits, examples)
    })
}

/// Every rule but the value checks, in a stable order.
fn other_rules(spec: &Spec, config: &Config) -> Vec<Hit> {
    let mut hits = Vec::new();
    let root = spec.source(FileId(0));
    for (pointer, message) in structure::check(&root.value) {
        hits.push(Hit::new(
            "oas-structure",
            Location::new(FileId(0), pointer),
            message,
        ));
    }
    hits.extend(load::warnings(spec));
    operations::check(spec, &mut hits);
    components::check(spec, &mut hits);
    schemas::check(spec, &mut hits);
    size::check(spec, &mut hits);
    owasp::check(spec, config, &mut hits);
    hits
}

/// Hits placed, sorted and summed up.
fn finish(
    spec: &Spec,
    config: &Config,
    hits: Vec<Hit>,
    examples: ExampleStats,
) -> (Vec<Finding>, Summary) {
    let mut findings = place(spec, hits, config);
    findings.sort_by(|a, b| {
        (&a.place.file, a.place.position.map(|p| (p.line, p.column)))
            .cmp(&(&b.place.file, b.place.position.map(|p| (p.line, p.column))))
    });
    // A 2.0 parameter used by several operations is converted once per use: one finding.
    findings.dedup_by(|a, b| a.rule == b.rule && a.place == b.place && a.message == b.message);
    let base = spec.base_path();
    let summary = Summary {
        version: spec.dialect.with_version(&spec.version),
        operations: spec.operations.len(),
        base_path: if base.is_empty() { "/".into() } else { base },
        schemas: spec.schemas.len(),
        examples,
        uncompilable: spec.schemas.compile_problems(),
    };
    (findings, summary)
}

/// `example-invalid`, `default-invalid` and `enum-invalid` alone, with default severities.
pub fn check_examples(spec: &Spec) -> (Vec<Finding>, ExampleStats) {
    let (hits, stats) = values::check(spec);
    (place(spec, hits, &Config::default()), stats)
}

/// Hits → findings: the config decides severity (or drops the hit, everywhere or where an
/// `overrides` entry says so), inline ignores drop more, and positions and snippets are found
/// with one pass per file.
fn place(spec: &Spec, hits: Vec<Hit>, config: &Config) -> Vec<Finding> {
    let operations = config
        .has_overrides()
        .then(|| ignore::OperationIds::new(spec));
    let hits: Vec<(Hit, Severity)> = hits
        .into_iter()
        .filter_map(|h| {
            let rule = rules::find(h.rule)?;
            let source = spec.source(h.at.file);
            let severity = match &operations {
                None => config.severity(rule)?,
                Some(ids) => config.severity_at(rule, &ids.scope(&source.display, &h.at).get())?,
            };
            if ignore::by_extension(&source.value, &h.at.pointer, rule.id) {
                return None;
            }
            Some((h, severity))
        })
        .collect();
    // Every location to place, the hits' and their related ones, grouped by file.
    let wanted: Vec<&Location> = hits
        .iter()
        .flat_map(|(h, _)| std::iter::once(&h.at).chain(h.related.as_ref()))
        .collect();
    let mut by_file: std::collections::BTreeMap<FileId, Vec<usize>> = Default::default();
    for (i, at) in wanted.iter().enumerate() {
        by_file.entry(at.file).or_default().push(i);
    }
    // Each place with its snippet and the rules a `# stipula-ignore:` comment names there.
    let mut placed: Vec<Option<Placed>> = vec![None; wanted.len()];
    for (file, indexes) in by_file {
        let source = spec.source(file);
        let lines = Lines::of(source);
        let pointers: Vec<&str> = indexes
            .iter()
            .map(|&i| wanted[i].pointer.as_str())
            .collect();
        let comments =
            memchr::memmem::find(source.text.as_bytes(), ignore::COMMENT.as_bytes()).is_some();
        for (&i, position) in indexes.iter().zip(source.positions(&pointers)) {
            let place = Place {
                file: source.display.clone(),
                pointer: wanted[i].pointer.clone(),
                position: Some(position),
            };
            let ignored = if comments {
                ignore::comment_rules(&lines, position.line)
            } else {
                Vec::new()
            };
            placed[i] = Some((place, lines.snippet(position), ignored));
        }
    }
    let mut placed = placed.into_iter();
    let mut out = Vec::with_capacity(hits.len());
    for (h, severity) in hits {
        let at = placed.next().flatten();
        let related = match h.related {
            Some(_) => placed.next().flatten().map(|(p, _, _)| p),
            None => None,
        };
        let Some((place, snippet, ignored)) = at else {
            continue;
        };
        if ignored.iter().any(|id| id == h.rule) {
            continue;
        }
        out.push(Finding {
            rule: h.rule,
            severity,
            place,
            message: h.message,
            related,
            snippet,
            baselined: false,
        });
    }
    out
}

/// A hit's place, its snippet, and the rules a `# stipula-ignore:` comment names there.
type Placed = (Place, Option<Snippet>, Vec<String>);

/// A file's text split into lines once, for snippets.
pub(crate) struct Lines<'a> {
    text: &'a str,
    /// Byte offset where each line starts.
    starts: std::borrow::Cow<'a, [usize]>,
    /// Characters are bytes: a snippet of a long line is a slice, not a walk from the line's
    /// start (a minified spec is one line; a walk per finding was quadratic in the file).
    ascii: bool,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Lines {
            text,
            starts: crate::spec::source::line_starts(text).into(),
            ascii: text.is_ascii(),
        }
    }

    /// A loaded file's lines, sharing the line index the loader keeps for positions.
    pub(crate) fn of(source: &'a SourceFile) -> Self {
        Lines {
            text: &source.text,
            starts: source.line_starts().into(),
            ascii: source.text.is_ascii(),
        }
    }

    /// Line `line` (1-based) without its line break.
    pub(crate) fn line(&self, line: usize) -> Option<&'a str> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).copied().unwrap_or(self.text.len());
        Some(self.text.get(start..end)?.trim_end_matches(['\n', '\r']))
    }

    /// The line at `position`; lines longer than 160 characters (minified JSON) are cut to 160
    /// around the column.
    pub(crate) fn snippet(&self, position: crate::spec::Position) -> Option<Snippet> {
        const WIDTH: usize = 160;
        let start = *self.starts.get(position.line.checked_sub(1)?)?;
        let end = self
            .starts
            .get(position.line)
            .copied()
            .unwrap_or(self.text.len());
        let line = self.text.get(start..end)?.trim_end_matches(['\n', '\r']);
        let column = position.column.max(1);
        if self.ascii {
            let first = if line.len() <= WIDTH {
                0
            } else {
                column.saturating_sub(WIDTH / 2).min(line.len() - WIDTH)
            };
            return Some(Snippet {
                line: position.line,
                text: line[first..(first + WIDTH).min(line.len())].to_string(),
                column: column - first,
            });
        }
        let count = line.chars().count();
        let first = if count <= WIDTH {
            0
        } else {
            column.saturating_sub(WIDTH / 2).min(count - WIDTH)
        };
        Some(Snippet {
            line: position.line,
            text: line.chars().skip(first).take(WIDTH).collect(),
            column: column - first,
        })
    }
}

/// Parses a spec's root file on its own (for the meta-schema check of a spec that does not
/// load); `None` when it cannot be read or parsed (the load error says why).
fn parse_root(path: &Path) -> Option<SourceFile> {
    let text = crate::spec::source::read_text(path).ok()?;
    let canonical = path.canonicalize().ok()?;
    SourceFile::parse(path.to_string_lossy().into_owned(), canonical, text).ok()
}
