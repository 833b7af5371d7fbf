//! The `stipula` binary's arguments (clap) and subcommands, one file each.
//!
//! Not API: public only so that tests parse real argument lists and run them in-process, and
//! compiled only with the `cli` feature. Every subcommand returns `Result<Exit, CliError>`;
//! [`run`] is the one place that prints an error and turns it into [`Exit::Error`], so the exit
//! codes are decided in one enum instead of at each early return.

mod diff;
mod lint;
mod mock;
mod proxy;
mod report;
pub mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::spec::{LoadError, LoadOptions, RefPolicy};

pub use diff::DiffArgs;
pub use lint::LintArgs;
pub use mock::MockArgs;
pub use proxy::ProxyArgs;
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
    /// A `--baseline` file that cannot be read, or a `--write-baseline` one that cannot be
    /// written (lint and diff; `test` reports these as `TestConfig`).
    #[error("{0}")]
    Baseline(String),
    /// `stipula test`'s config file, baseline, `--min-coverage` or credentials are wrong.
    #[error("{0}")]
    TestConfig(String),
    #[error("writing a report failed: {0}")]
    Report(std::io::Error),
    /// An output file that cannot be written (its path is in the message).
    #[error("{0}")]
    Output(std::io::Error),
    #[error(transparent)]
    Run(#[from] crate::runner::RunError),
    #[error(transparent)]
    Mock(#[from] crate::mock::MockError),
    #[error(transparent)]
    Proxy(#[from] crate::proxy::ProxyError),
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
    /// Forward requests to a real server and check both directions against the spec.
    Proxy(ProxyArgs),
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
    first_folder(&[Path::new("specs"), Path::new(BUNDLED_SPECS)])
}

/// The first of `candidates` that is a folder.
fn first_folder(candidates: &[&Path]) -> Result<PathBuf, CliError> {
    candidates
        .iter()
        .find(|p| p.is_dir())
        .map(|p| p.to_path_buf())
        .ok_or(CliError::NoDefaultSpecs)
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

/// Parses the command line, with one repair to clap's errors: an unknown flag one swap, edit,
/// insertion or deletion away from a real one gets "a similar argument exists". clap scores
/// candidates with Jaro similarity, whose matching window is 0 for a 3-letter name, so `--ulr`
/// scores 0.56 against `--url` (its cut-off is 0.7) and clap only says to pass it after `--`.
pub fn parse_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, error::ContextKind, error::ContextValue, error::ErrorKind};
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    let mut error = match Cli::try_parse_from(&args) {
        Ok(cli) => return Ok(cli),
        Err(e) => e,
    };
    if error.kind() != ErrorKind::UnknownArgument || error.get(ContextKind::SuggestedArg).is_some()
    {
        return Err(error);
    }
    let Some(ContextValue::String(unknown)) = error.get(ContextKind::InvalidArg).cloned() else {
        return Err(error);
    };
    let Some(name) = unknown.strip_prefix("--") else {
        return Err(error);
    };
    let name = name.split('=').next().unwrap_or(name);
    // The innermost subcommand named on the command line holds the flags to compare with.
    let mut command = Cli::command();
    for arg in args.iter().skip(1) {
        if let Some(sub) = command.find_subcommand(arg) {
            command = sub.clone();
        }
    }
    let close = command
        .get_arguments()
        .filter_map(|a| a.get_long())
        .find(|long| one_edit_apart(name, long));
    if let Some(long) = close {
        error.remove(ContextKind::Suggested);
        error.insert(
            ContextKind::SuggestedArg,
            ContextValue::String(format!("--{long}")),
        );
    }
    Err(error)
}

/// Whether `a` becomes `b` by one substitution, insertion, deletion or swap of neighbours.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    if a.len() == b.len() {
        a[1..] == b[1..] || (a.len() >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
    } else if a.len() + 1 == b.len() {
        a == &b[1..]
    } else if b.len() + 1 == a.len() {
        &a[1..] == b
    } else {
        false
    }
}

/// Runs a parsed command line; an error is printed here, on stderr, and exits 2.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Lint(args) => lint::run(&args),
        Command::Mock(args) => mock::run(&args),
        Command::Proxy(args) => proxy::run(&args),
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
/// `--baseline` and `--write-baseline` as `lint` and `diff` take them, read before any work:
/// the baseline to apply (with a note on stderr when it holds only other tools' entries), after
/// checking that the file to write, if it exists, is a baseline (it is not overwritten
/// otherwise).
fn baseline_files(
    tool: &str,
    baseline: Option<&Path>,
    write: Option<&Path>,
) -> Result<Option<crate::baseline::Baseline>, CliError> {
    use crate::baseline::Baseline;
    let accepted = match baseline {
        Some(path) => {
            let baseline = Baseline::load(path).map_err(CliError::Baseline)?;
            if let Some(note) = baseline.note_for(tool, path) {
                eprintln!("{note}");
            }
            Some(baseline)
        }
        None => None,
    };
    if let Some(path) = write {
        Baseline::kept_from(path, tool).map_err(CliError::Baseline)?;
    }
    Ok(accepted)
}

fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{CliError, first_folder, one_edit_apart};

    /// An installed binary run where there is no `specs` folder, after its checkout is gone:
    /// a clear error naming what to do, not an empty run.
    #[test]
    fn without_a_specs_folder_the_default_is_a_clear_error() {
        let dir = std::env::temp_dir();
        let missing = dir.join("stipula-no-such-folder-for-this-test");
        let found = first_folder(&[&missing, &dir]).unwrap();
        assert_eq!(found, dir);
        let err = first_folder(&[&missing, Path::new("/no/such/checkout/specs")]).unwrap_err();
        assert!(matches!(err, CliError::NoDefaultSpecs));
        assert!(
            err.to_string().contains("name a spec file or folder"),
            "{err}"
        );
    }

    #[test]
    fn near_misses_are_one_edit_apart() {
        assert!(one_edit_apart("ulr", "url"));
        assert!(one_edit_apart("seeed", "seed"));
        assert!(one_edit_apart("sed", "seed"));
        assert!(one_edit_apart("tokn", "token"));
        assert!(one_edit_apart("prot", "port"));
        assert!(!one_edit_apart("url", "url"));
        assert!(!one_edit_apart("host", "seed"));
        assert!(!one_edit_apart("", "url"));
    }
}
