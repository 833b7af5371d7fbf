//! The `stipula` binary's arguments (clap) and subcommands, one file each.
//!
//! Not API: public only so that tests parse real argument lists and run them in-process, and
//! compiled only with the `cli` feature. Every subcommand returns `Result<Exit, CliError>`;
//! [`run`] is the one place that prints an error and turns it into [`Exit::Error`], so the exit
//! codes are decided in one enum instead of at each early return.

mod diff;
mod lint;
mod mock;
mod report;
pub mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::spec::{LoadError, LoadOptions, RefPolicy};

pub use diff::DiffArgs;
pub use lint::LintArgs;
pub use mock::MockArgs;
pub use report::{MergeArgs, ReportArgs, ReportCommand};
pub use test::TestArgs;

/// The bundled specs of the checkout stipula was built from (used when no spec is named and
/// the working directory has no `specs` folder).
pub const BUNDLED_SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs");

/// Every exit code of `stipula`. Scripts and CI rely on them; tests pin them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command ran and found nothing at fault (or the mock was stopped).
    Ok = 0,
    /// 1: the command ran and found problems: lint errors, contract violations, a diff change at
    /// or above `--fail-on`, failures in a merged report.
    Findings = 1,
    /// 2: the command could not run: bad arguments, a spec or config that does not load, a file
    /// that cannot be read or written, a port that cannot be bound.
    Error = 2,
}

impl Exit {
    /// `Findings` when `found`, else `Ok`.
    pub fn findings_if(found: bool) -> Exit {
        if found { Exit::Findings } else { Exit::Ok }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Why a subcommand could not run (always [`Exit::Error`]).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A flag's value is wrong: `--shard 3/2: expected K/N with 1 <= K <= N`.
    #[error("{flag} {value}: {expected}")]
    Flag {
        flag: &'static str,
        value: String,
        expected: String,
    },
    /// A flag's value is out of range: `--workers must be at least 1`.
    #[error("{flag} {expected}")]
    Range {
        flag: &'static str,
        expected: &'static str,
    },
    #[error("--mount names {}, which is not one of the specs served", .0.display())]
    MountNotServed(PathBuf),
    #[error("{}: cannot list: {source}", .path.display())]
    List {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: no OpenAPI documents in this folder", .0.display())]
    EmptyFolder(PathBuf),
    #[error(
        "no spec named and no `specs` folder here (the bundled specs were at {BUNDLED_SPECS} when \
         stipula was built): name a spec file or folder"
    )]
    NoDefaultSpecs,
    /// A spec did not load: its diagnostics, one per line, are the message.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Specs did not load and their diagnostics were printed as they were found.
    #[error("")]
    Reported,
    #[error("{0}")]
    LintConfig(String),
    #[error("{0}")]
    Merge(String),
    #[error("writing a report failed: {0}")]
    Report(std::io::Error),
    /// An output file that cannot be written (its path is in the message).
    #[error("{0}")]
    Output(std::io::Error),
    #[error(transparent)]
    Run(#[from] crate::runner::RunError),
    #[error(transparent)]
    Mock(#[from] crate::mock::MockError),
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

#[derive(Debug, Parser)]
#[command(
    name = "stipula",
    version,
    about = "OpenAPI contract testing and mocking from one spec model",
    after_help = "Exit codes: 0 nothing found, 1 problems found, 2 the command could not run."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load specs and check them: structure, $refs, and every example against its schema.
    Lint(LintArgs),
    /// Serve specs as a mock API: documented examples, strict request validation.
    Mock(MockArgs),
    /// Send property-generated requests to an implementation and check every response
    /// against the spec.
    Test(Box<TestArgs>),
    /// Work with the `--json` reports of `stipula test` runs.
    Report(ReportArgs),
    /// Compare two versions of a spec: every change, classified as breaking, potentially
    /// breaking or safe for existing clients.
    Diff(DiffArgs),
}

/// How specs are loaded (shared by every subcommand).
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Follow http(s) `$ref`s (refused by default).
    #[arg(long)]
    pub allow_remote_refs: bool,
    /// Follow `$ref`s to files outside the spec's folder (refused by default).
    #[arg(long)]
    pub allow_outside_refs: bool,
}

impl LoadArgs {
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            refs: RefPolicy {
                allow_remote: self.allow_remote_refs,
                allow_outside_root: self.allow_outside_refs,
            },
        }
    }
}

/// The folder used when no spec is named: `specs` in the working directory when there is one
/// (an installed binary run in a project), else the bundled specs of the checkout stipula was
/// built from, if that checkout is still there.
pub fn default_specs() -> Result<PathBuf, CliError> {
    let local = PathBuf::from("specs");
    if local.is_dir() {
        return Ok(local);
    }
    let bundled = PathBuf::from(BUNDLED_SPECS);
    if bundled.is_dir() {
        return Ok(bundled);
    }
    Err(CliError::NoDefaultSpecs)
}

/// Expands folders into the spec files they hold; no paths means [`default_specs`].
pub fn spec_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let defaults;
    let paths = if paths.is_empty() {
        defaults = [default_specs()?];
        &defaults[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found = crate::spec::discover(p).map_err(|source| CliError::List {
                path: p.clone(),
                source,
            })?;
            if found.is_empty() {
                return Err(CliError::EmptyFolder(p.clone()));
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Runs a parsed command line; an error is printed here, on stderr, and exits 2.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Lint(args) => lint::run(&args),
        Command::Mock(args) => mock::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Report(ReportArgs {
            command: ReportCommand::Merge(args),
        }) => report::merge(&args),
        Command::Diff(args) => diff::run(&args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            match &e {
                // Diagnostics carry their own `file:line:column: error:` prefix.
                CliError::Load(load) => {
                    for d in &load.diagnostics {
                        eprintln!("{d}");
                    }
                }
                CliError::Reported => {}
                _ => eprintln!("error: {e}"),
            }
            Exit::Error.into()
        }
    }
}

/// "1 operation", "3 operations".
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The path relative to the working directory when it is inside it.
fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}
