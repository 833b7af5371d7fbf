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
    /// Serve specs as a mock API: documented examples, strict request validation.
    Mock(MockArgs),
    /// Work with the `--json` reports of `stipula test` runs.
    Report(ReportArgs),
}

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

#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// Spec files or folders of specs (default: the bundled specs).
    pub specs: Vec<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 4010)]
    pub port: u16,
    /// Seed for generated data (same seed, same bodies).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Serve a spec under another prefix than its first server's path: `SPEC=PREFIX`.
    #[arg(long = "mount", value_name = "SPEC=PREFIX")]
    pub mounts: Vec<String>,
    /// Require exactly this credential on secured operations (bearer token, API key value, or
    /// basic `user:password`).
    #[arg(long)]
    pub token: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
    #[command(flatten)]
    pub load: LoadArgs,
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
        Command::Mock(args) => mock(&args),
        Command::Report(ReportArgs {
            command: ReportCommand::Merge(args),
        }) => report_merge(&args),
    }
}

/// `stipula report merge`: 0 no failure in the merged report, 1 failures, 2 bad input or an
/// output that cannot be written.
fn report_merge(args: &MergeArgs) -> ExitCode {
    use crate::runner::report::{human, json, junit, merge_reports};
    let report = match merge_reports(&args.reports) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let text = human::render_report(&report, human::HumanOptions::for_stdout(args.verbose));
    print!("{text}");
    let mut written = Ok(());
    if let Some(path) = &args.json {
        written = written.and(json::write_json(&report, path));
    }
    if let Some(path) = &args.junit {
        written = written.and(junit::write_junit(&report, path));
    }
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if report.failures() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Expands folders, loads every spec and prints its warnings or errors. Returns the loaded
/// specs and whether any failed to load; `Err` is exit code 2 when the paths themselves are wrong.
fn load_specs(
    specs: &[PathBuf],
    load: &LoadArgs,
) -> Result<(Vec<(PathBuf, Spec)>, bool), ExitCode> {
    let paths = spec_paths(specs).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let mut out = Vec::new();
    let mut failed = false;
    for path in paths {
        match Spec::load(&path, load.options()) {
            Ok(spec) => {
                for w in &spec.located_warnings() {
                    eprintln!("{w}");
                }
                out.push((path, spec));
            }
            Err(e) => {
                failed = true;
                for d in &e.diagnostics {
                    eprintln!("{d}");
                }
            }
        }
    }
    Ok((out, failed))
}

fn mock(args: &MockArgs) -> ExitCode {
    use crate::mock::{Limits, MockConfig, Mount};
    let specs = match load_specs(&args.specs, &args.load) {
        Ok((specs, false)) => specs,
        Ok((_, true)) => return ExitCode::from(2),
        Err(code) => return code,
    };
    let paths: Vec<PathBuf> = specs.iter().map(|(p, _)| p.clone()).collect();
    let mut overrides = Vec::new();
    for m in &args.mounts {
        let Some((spec, prefix)) = m.rsplit_once('=') else {
            eprintln!("error: --mount {m}: expected SPEC=PREFIX");
            return ExitCode::from(2);
        };
        let prefix = prefix.trim_end_matches('/').to_string();
        if !prefix.is_empty() && !prefix.starts_with('/') {
            eprintln!("error: --mount {m}: the prefix must start with `/`");
            return ExitCode::from(2);
        }
        overrides.push((PathBuf::from(spec), prefix));
    }
    let mut mounts = Vec::new();
    for (path, spec) in specs {
        let prefix = overrides
            .iter()
            .find(|(p, _)| p == &path || p.canonicalize().ok() == path.canonicalize().ok())
            .map(|(_, prefix)| prefix.clone());
        mounts.push(match prefix {
            Some(prefix) => Mount { spec, prefix },
            None => Mount::at_base_path(spec),
        });
    }
    for (p, _) in &overrides {
        if !paths
            .iter()
            .any(|q| q == p || q.canonicalize().ok() == p.canonicalize().ok())
        {
            eprintln!(
                "error: --mount names {}, which is not one of the specs served",
                p.display()
            );
            return ExitCode::from(2);
        }
    }
    init_logging();
    let config = MockConfig {
        seed: args.seed,
        token: args.token.clone(),
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            ..Limits::default()
        },
    };
    let app = match crate::mock::App::new(mounts, config) {
        Ok(app) => std::sync::Arc::new(app),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(crate::mock::WORKER_STACK_BYTES)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = format!("{}:{}", args.host, args.port);
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {addr}: {e}");
                return ExitCode::from(2);
            }
        };
        let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
        for m in &app.mounts {
            let base = if m.prefix.is_empty() { "/" } else { &m.prefix };
            println!(
                "mounted {} ({} {}) at http://{local}{base}: {} operations",
                display(Path::new(m.spec.name())),
                m.spec.dialect.name(),
                m.spec.version,
                m.spec.operations.len()
            );
        }
        println!("stipula mock listening on http://{local} (Ctrl-C to stop)");
        crate::mock::serve(listener, app, shutdown_signal()).await;
        ExitCode::SUCCESS
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Log lines to stderr; `RUST_LOG` overrides the default (`info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn lint(args: &LintArgs) -> ExitCode {
    let (specs, broken) = match load_specs(&args.specs, &args.load) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let mut findings = 0;
    for (path, spec) in &specs {
        spec.compile_validators();
        for (at, problem) in spec.schemas.compile_problems() {
            eprintln!(
                "{at}: warning: schema cannot be compiled, values are not checked against it: {problem}"
            );
        }
        let (found, stats) = crate::lint::check_examples(spec);
        for f in &found {
            println!("{f}");
        }
        findings += found.len();
        let base = spec.base_path();
        println!(
            "{}: {} {}, {} operations, base path {}, {} schemas, {} examples checked ({} skipped), {} invalid",
            display(path),
            spec.dialect.name(),
            spec.version,
            spec.operations.len(),
            if base.is_empty() { "/" } else { &base },
            spec.schemas.len(),
            stats.checked,
            stats.skipped,
            found.len()
        );
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
