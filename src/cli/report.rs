//! `stipula report merge`: 0 no failure in the merged report, 1 failures, 2 bad input or an
//! output that cannot be written.

use std::path::PathBuf;

use clap::Subcommand;

use super::{CliError, Exit};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge the `--json` reports of `--shard K/N` runs into one and print it.
    ///
    /// Exits 1 if the merged report holds failures, 0 if not, 2 if a file cannot be read or
    /// merged (not a stipula report, another format version, the same shard twice).
    Merge(MergeArgs),
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The reports to merge (files written by `stipula test --json`).
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Write the merged report as JSON to this file.
    #[arg(long, value_name = "OUT")]
    pub json: Option<PathBuf>,
    /// Write the merged report as JUnit XML to this file.
    #[arg(long, value_name = "OUT")]
    pub junit: Option<PathBuf>,
    /// Print warnings in full, with their request and response.
    #[arg(long, short)]
    pub verbose: bool,
}

pub(super) fn merge(args: &MergeArgs) -> Result<Exit, CliError> {
    use crate::runner::report::{human, json, junit, merge_reports};
    let report = merge_reports(&args.reports).map_err(CliError::Merge)?;
    let text = human::render_report(&report, human::HumanOptions::for_stdout(args.verbose));
    print!("{text}");
    // Both files are attempted even when the first cannot be written; the first error is kept.
    let mut written = Ok(());
    if let Some(path) = &args.json {
        written = written.and(json::write_json(&report, path));
    }
    if let Some(path) = &args.junit {
        written = written.and(junit::write_junit(&report, path));
    }
    written.map_err(CliError::Output)?;
    Ok(Exit::findings_if(report.failures() > 0))
}
