//! Command-line arguments (clap) and the subcommands' entry points.
//!
//! Public so that tests parse real argument lists and run them in-process. Exit codes: 0 all
//! good, 1 problems found (lint findings, later: contract violations), 2 the run could not
//! happen (a spec that cannot be loaded, bad arguments).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::spec::{LoadOptions, RefPolicy, Spec};

/// The folder of bundled specs, used when no spec is named.
pub const BUNDLED_SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs");

#[derive(Debug, Parser)]
#[command(
    name = "stipula",
    version,
    about = "OpenAPI contract testing and mocking from one spec model"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load specs and check them: structure, $refs, and every example against its schema.
    Lint(LintArgs),
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Spec files or folders of specs (default: the bundled specs).
    pub specs: Vec<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
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

/// Expands folders into the spec files they hold; no paths means the bundled specs.
pub fn spec_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let defaults = [PathBuf::from(BUNDLED_SPECS)];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let found = crate::spec::discover(p)
                .map_err(|e| format!("{}: cannot list: {e}", p.display()))?;
            if found.is_empty() {
                return Err(format!(
                    "{}: no OpenAPI documents in this folder",
                    p.display()
                ));
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Lint(args) => lint(&args),
    }
}

fn lint(args: &LintArgs) -> ExitCode {
    let paths = match spec_paths(&args.specs) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut broken = false;
    let mut findings = 0;
    for path in &paths {
        match Spec::load(path, args.load.options()) {
            Err(e) => {
                broken = true;
                for d in &e.diagnostics {
                    eprintln!("{d}");
                }
            }
            Ok(spec) => {
                for w in &spec.located_warnings() {
                    eprintln!("{w}");
                }
                spec.compile_validators();
                for (at, problem) in spec.schemas.compile_problems() {
                    eprintln!(
                        "{at}: warning: schema cannot be compiled, values are not checked against it: {problem}"
                    );
                }
                let (found, stats) = crate::lint::check_examples(&spec);
                for f in &found {
                    println!("{f}");
                }
                findings += found.len();
                println!(
                    "{}: {} {}, {} operations, base path {}, {} schemas, {} examples checked ({} skipped), {} invalid",
                    display(path),
                    spec.dialect.name(),
                    spec.version,
                    spec.operations.len(),
                    if spec.base_path().is_empty() {
                        "/".to_string()
                    } else {
                        spec.base_path()
                    },
                    spec.schemas.len(),
                    stats.checked,
                    stats.skipped,
                    found.len()
                );
            }
        }
    }
    if broken {
        ExitCode::from(2)
    } else if findings > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}
