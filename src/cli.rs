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
    /// Send property-generated requests to an implementation and check every response
    /// against the spec.
    Test(Box<crate::test_command::TestArgs>),
    /// Work with the `--json` reports of `stipula test` runs.
    Report(ReportArgs),
    /// Compare two versions of a spec: every change, classified as breaking, potentially
    /// breaking or safe for existing clients.
    Diff(DiffArgs),
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
pub struct DiffArgs {
    /// The old version (a spec file; any of Swagger 2.0, OpenAPI 3.0, 3.1).
    pub old: PathBuf,
    /// The new version.
    pub new: PathBuf,
    /// Output: human (default), markdown (a pull-request comment) or json.
    #[arg(long, value_enum, default_value = "human")]
    pub format: crate::diff::Format,
    /// Exit 1 when a change at this level or above is found.
    #[arg(long, value_enum, default_value = "breaking")]
    pub fail_on: crate::diff::Level,
    #[command(flatten)]
    pub load: LoadArgs,
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
    /// Seconds a new connection has to send its first request headers.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a connection may stay open with no request in flight.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub idle_timeout: u64,
    /// Most connections open at once; more are closed when accepted.
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub max_connections: usize,
    /// Reload the specs when their files change; a broken edit keeps the last good version
    /// serving and is logged with its file, line and column.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = crate::lint::rules::help_text())]
pub struct LintArgs {
    /// Spec files or folders of specs (default: the bundled specs).
    pub specs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::lint::output::Format::Human)]
    pub format: crate::lint::output::Format,
    /// Config file switching rules off or changing their severity (default:
    /// `stipula-lint.yaml` in the working directory, when there is one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
        Command::Test(args) => crate::test_command::run(&args),
        Command::Report(ReportArgs {
            command: ReportCommand::Merge(args),
        }) => report_merge(&args),
        Command::Diff(args) => diff(&args),
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

/// `stipula diff`: 0 nothing at or above `--fail-on`, 1 something is, 2 a spec did not load.
fn diff(args: &DiffArgs) -> ExitCode {
    let load = |path: &Path| match Spec::load(path, args.load.options()) {
        Ok(spec) => Some(spec),
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            None
        }
    };
    let (Some(old), Some(new)) = (load(&args.old), load(&args.new)) else {
        return ExitCode::from(2);
    };
    let changes = crate::diff::diff(&old, &new);
    print!("{}", crate::diff::render(args.format, &old, &new, &changes));
    match crate::diff::worst(&changes) {
        Some(level) if level >= args.fail_on => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
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
    let mut plans = Vec::new();
    for (path, spec) in specs {
        let prefix = overrides
            .iter()
            .find(|(p, _)| p == &path || p.canonicalize().ok() == path.canonicalize().ok())
            .map(|(_, prefix)| prefix.clone());
        plans.push(crate::mock::MountPlan {
            path: path.clone(),
            prefix: prefix.clone(),
        });
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
            header_read_timeout: std::time::Duration::from_secs(
                args.header_timeout.clamp(1, 86_400),
            ),
            idle_timeout: std::time::Duration::from_secs(args.idle_timeout.clamp(1, 86_400)),
            max_connections: args.max_connections.max(1),
            ..Limits::default()
        },
    };
    let reloader = crate::mock::Reloader {
        plans,
        options: args.load.options(),
        config: config.clone(),
    };
    let app = match crate::mock::App::new(mounts, config) {
        Ok(app) => std::sync::Arc::new(app),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let shared = std::sync::Arc::new(arc_swap::ArcSwap::new(app.clone()));
    let _watch = if args.watch {
        match crate::mock::watch::watch(shared.clone(), reloader) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
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
        if args.watch {
            println!("watching the spec files; edits are served within a second");
        }
        println!("stipula mock listening on http://{local} (Ctrl-C to stop)");
        crate::mock::serve_shared(listener, shared, shutdown_signal()).await;
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

/// Exit codes: 2 when a spec cannot be loaded (or the arguments or config are wrong), else 1
/// when any finding is an error, else 0. Findings are on stdout in the chosen format, load
/// errors included; stderr only carries notes (schemas jsonschema cannot compile).
fn lint(args: &LintArgs) -> ExitCode {
    use crate::lint::{Config, config::DEFAULT_FILE, lint_load_error, lint_loaded, output};
    let config = match &args.config {
        Some(path) => Config::load(path),
        None if Path::new(DEFAULT_FILE).is_file() => Config::load(Path::new(DEFAULT_FILE)),
        None => Ok(Config::default()),
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let paths = match spec_paths(&args.specs) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut reports = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let shown = PathBuf::from(display(path));
        match Spec::load(path, args.load.options()) {
            Ok(spec) => {
                let mut report = lint_loaded(path, &spec, &config);
                report.path = shown;
                reports.push(report);
                // The process ends after the last spec: freeing a big model piece by piece
                // costs more than the rest of lint (0.3 s for GitHub's), and the OS does it
                // at once. Earlier specs are freed, so a folder of specs does not pile up.
                if i + 1 == paths.len() {
                    std::mem::forget(spec);
                }
            }
            Err(e) => {
                let mut report = lint_load_error(path, &e, &config);
                report.path = shown;
                reports.push(report);
            }
        }
    }
    for report in &reports {
        for (at, problem) in report.summary.iter().flat_map(|s| &s.uncompilable) {
            eprintln!(
                "{at}: note: schema cannot be compiled, values are not checked against it: {problem}"
            );
        }
    }
    print!("{}", output::render(args.format, &reports));
    if reports.iter().any(|r| r.summary.is_none()) {
        ExitCode::from(2)
    } else if reports.iter().any(|r| r.errors() > 0) {
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
