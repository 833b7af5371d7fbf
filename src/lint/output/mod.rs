//! The lint report formats. Each is an independent consumer of the same [`SpecReport`]s, so a
//! format never decides what is found, only how it is written.

mod github;
mod human;
mod json;
mod junit;
mod sarif;

use super::SpecReport;
use crate::spec::Severity;

/// How findings are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// One line per finding (`file:line:column (#pointer): error[rule]: message`), the source
    /// line with a caret, and a summary line per spec.
    #[default]
    Human,
    /// One JSON document: specs, findings, totals.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...,line=...::message`).
    Github,
    /// JUnit XML: a test suite per spec, a test case per finding.
    Junit,
}

/// The whole report in one format.
pub fn render(format: Format, reports: &[SpecReport]) -> String {
    match format {
        Format::Human => human::render(reports),
        Format::Json => json::render(reports),
        Format::Sarif => sarif::render(reports),
        Format::Github => github::render(reports),
        Format::Junit => junit::render(reports),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}
