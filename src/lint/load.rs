//! The loader's diagnostics as lint findings.
//!
//! The loader checks what it must to build the model (refs resolve, operationIds are unique,
//! routes are distinguishable) and warns about what it can work around (undeclared path
//! parameters, undefined server variables). Rather than checking those twice, lint maps each
//! diagnostic to its rule. The diagnostic's `DiagnosticKind` is the contract here: `rule_of`
//! matches kinds, never wording, and the tests in `tests/it/lint.rs` pin every mapping with a
//! fixture, so a new kind or a changed mapping fails a test instead of silently changing rule.

use std::path::Path;

use crate::spec::{Diagnostic, DiagnosticKind, LoadError, Location, Place, Severity, Spec};

use super::{Config, Finding, Hit, Lines, Snippet, rules};

/// Which rule a loader diagnostic belongs to, by its kind.
fn rule_of(d: &Diagnostic) -> &'static str {
    use DiagnosticKind::*;
    match d.kind {
        DuplicateOperationId => "operation-id-unique",
        PathClash => "path-conflict",
        RefUnresolved | RefOutsideRoot | RefRemote | RefUnsupported | RefLimit | RefCycle => {
            "ref-unresolved"
        }
        PathParamUnused => "path-param-unused",
        PathParamUndeclared => "path-param-undeclared",
        ServerVariableUndefined => "server-variable-undefined",
        PathAmbiguous => "path-ambiguous",
        Unreadable | Syntax | NotOpenApi | SchemaCycle | SchemaUncompilable | InvalidStructure
        | Tolerated => match d.severity {
            Severity::Error => "spec-invalid",
            Severity::Warning => "spec-warning",
        },
    }
}

/// A loaded spec's warnings, as hits: placed with the other findings, in the same pass over
/// each file.
pub(super) fn warnings(spec: &Spec) -> Vec<Hit> {
    let location = |file: &str, pointer: &str| {
        let (id, _) = spec.sources().find(|(_, f)| f.display == file)?;
        Some(Location::new(id, pointer))
    };
    spec.warnings
        .iter()
        .filter_map(|d| {
            let mut hit = Hit::new(
                rule_of(d),
                location(&d.file, &d.pointer)?,
                d.message.clone(),
            );
            hit.related = d
                .related
                .as_ref()
                .and_then(|r| location(&r.file, &r.pointer));
            Some(hit)
        })
        .collect()
}

/// The findings of a spec that could not be loaded: its diagnostics, and (when the root file
/// parses) the meta-schema check of the root.
pub(super) fn failed(path: &Path, error: &LoadError, config: &Config) -> Vec<Finding> {
    let Some(root) = super::parse_root(path) else {
        // Unreadable or not JSON/YAML: nothing else can be said.
        return error
            .diagnostics
            .iter()
            .filter_map(|d| {
                let text = crate::spec::source::read_text(Path::new(&d.file)).ok();
                finding(d, "spec-unreadable", config, text.as_deref())
            })
            .collect();
    };
    let mut out: Vec<Finding> = error
        .diagnostics
        .iter()
        .filter_map(|d| {
            let own = (d.file == root.display).then_some(root.text.as_str());
            let read = if own.is_none() {
                crate::spec::source::read_text(Path::new(&d.file)).ok()
            } else {
                None
            };
            finding(d, rule_of(d), config, own.or(read.as_deref()))
        })
        .collect();
    if let Some(severity) = rules::find("oas-structure").and_then(|r| config.severity(r)) {
        let problems = super::structure::check(&root.value);
        let pointers: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        let positions = root.positions(&pointers);
        let lines = Lines::of(&root);
        for ((pointer, message), position) in problems.iter().zip(positions) {
            out.push(Finding {
                rule: "oas-structure",
                severity,
                place: Place {
                    file: root.display.clone(),
                    pointer: pointer.clone(),
                    position: Some(position),
                },
                message: message.clone(),
                related: None,
                snippet: lines.snippet(position),
                baselined: false,
            });
        }
    }
    out
}

fn finding(
    d: &Diagnostic,
    rule: &'static str,
    config: &Config,
    text: Option<&str>,
) -> Option<Finding> {
    let rule = rules::find(rule)?;
    let severity = if rule.fatal {
        Severity::Error
    } else {
        config.severity(rule)?
    };
    let snippet: Option<Snippet> = d
        .position
        .and_then(|p| text.and_then(|t| Lines::new(t).snippet(p)));
    Some(Finding {
        rule: rule.id,
        severity,
        place: d.place(),
        message: d.message.clone(),
        related: d.related.as_deref().cloned(),
        snippet,
        baselined: false,
    })
}
