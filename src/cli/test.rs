//! The `stipula test` subcommand: its flags (ripgrep's habit: flags first, then the prepared
//! [`runner::Config`](crate::runner::Config)), the reporters it feeds, and its exit code
//! (0 no violation, 1 violations or coverage below `--min-coverage`, 2 the run could not
//! happen). Warnings never change the exit code. The config file (`runner::config_file`) fills
//! in what the flags leave open (`TestArgs::settings`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{CliError, Exit, LoadArgs};
use crate::runner::config_file::{ConfigFile, Given};
use crate::runner::event::{Check, MinCoverage, Phase};
use crate::runner::{self, Config};
use crate::spec::Spec;

/// `--help` text listing the checks and phases.
pub fn checks_help() -> String {
    let mut s = String::from("Checks (--checks, --exclude-checks):\n");
    for c in Check::ALL {
        s.push_str(&format!("  {:<26} {}\n", c.id(), c.description()));
    }
    s.push_str("\nPhases (--phases): ");
    s.push_str(
        &Phase::ALL
            .iter()
            .map(|p| p.id())
            .collect::<Vec<_>>()
            .join(", "),
    );
    s.push_str(
        "\n\nCoverage (--min-coverage KIND=PERCENT): status, parameters, enums, boundaries, phases, \
         overall; see docs/coverage.md.\n\nExit codes: 0 no violation, 1 violations found or \
         coverage below --min-coverage, 2 the run could not happen.\n",
    );
    s
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = checks_help())]
pub struct TestArgs {
    /// The spec the implementation must conform to.
    pub spec: PathBuf,
    /// The implementation's base URL, base path included (the spec's server paths are not
    /// added). Required unless the config file gives `base-url`.
    #[arg(long)]
    pub url: Option<String>,
    /// The config file (default: `stipula.yaml` in the working directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A header sent with every request (`Name: value`), e.g. credentials.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Only this operation (operationId, or `METHOD /path`); repeatable.
    #[arg(long = "operation", value_name = "ID")]
    pub operations: Vec<String>,
    /// Only operations with this tag; repeatable.
    #[arg(long = "tag", value_name = "T")]
    pub tags: Vec<String>,
    /// Only paths matching this glob (`*`, `?`); repeatable.
    #[arg(long = "path", value_name = "GLOB")]
    pub paths: Vec<String>,
    /// Only this HTTP method; repeatable.
    #[arg(long = "method", value_name = "M")]
    pub methods: Vec<String>,
    /// Random valid requests per operation in the fuzz phase.
    #[arg(long, default_value_t = 100)]
    pub cases: usize,
    /// Seed of every random choice (default: a random seed, printed so the run can be replayed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Most requests per second, e.g. `50/s` (or `50`).
    #[arg(long, value_name = "N/s")]
    pub rate_limit: Option<String>,
    /// Seconds to wait for a response (a timeout is a `response-time` warning, a failure with
    /// --max-response-time or --strict; an operation's requests stop after two timeouts).
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Most bytes of a response body read; a larger body is cut, reported as truncated, and
    /// its schema not checked (a warning).
    #[arg(long, value_name = "BYTES", default_value_t = crate::runner::DEFAULT_MAX_RESPONSE_BYTES)]
    pub max_response_bytes: u64,
    /// The whole run's time budget in seconds: no request starts after it, and the reports
    /// list what was not tested.
    #[arg(long, value_name = "SECONDS")]
    pub max_duration: Option<f64>,
    /// Fail what OpenAPI lets a server accept (an undocumented media type, an unchecked
    /// `format`, a missing body read as `{}`) and timeouts, which are warnings by default
    /// (see docs/test-checks.md).
    #[arg(long)]
    pub strict: bool,
    /// Run only these checks (comma-separated ids; see below).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub checks: Vec<String>,
    /// Skip these checks.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub exclude_checks: Vec<String>,
    /// Run only these phases (examples, boundary, fuzz, stateful).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub phases: Vec<String>,
    /// Fail any response slower than this many milliseconds (enables `response-time`).
    #[arg(long, value_name = "MS")]
    pub max_response_time: Option<u64>,
    /// Run shard K of N (1-based): a deterministic share of the operations.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the JSON report here (`stipula report merge` reads these).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report here (coverage per operation, failures with curl).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Fail the run (exit 1) when coverage is below PERCENT: overall, or one kind with
    /// `KIND=PERCENT` (status, parameters, enums, boundaries, phases); repeatable.
    #[arg(long, value_name = "[KIND=]PERCENT")]
    pub min_coverage: Vec<String>,
    /// Findings listed in this baseline file are reported but do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the run's failures as a baseline file (for `--baseline`); entries of `stipula
    /// lint` and `stipula diff` already in the file are kept.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Show credentials in reports and curl commands (masked by default).
    #[arg(long)]
    pub show_secrets: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

impl TestArgs {
    /// The runner's configuration, or what is wrong with the flags.
    pub fn config(&self) -> Result<Config, CliError> {
        let mut config = Config::new(self.url.as_deref().unwrap_or("").trim_end_matches('/'));
        for h in &self.headers {
            let (name, value) = h
                .split_once(':')
                .ok_or_else(|| flag("--header", h, "expected `Name: value`"))?;
            let name = name.trim();
            let value = value.trim();
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
                || reqwest::header::HeaderValue::from_str(value).is_err()
            {
                return Err(flag("--header", h, "not a valid header"));
            }
            config.headers.push((name.to_string(), value.to_string()));
        }
        config.operations = self.operations.clone();
        config.tags = self.tags.clone();
        config.paths = self.paths.clone();
        config.methods = self.methods.clone();
        config.cases = self.cases;
        config.seed = self.seed.unwrap_or_else(random_seed);
        if self.workers == 0 {
            return Err(CliError::Range {
                flag: "--workers",
                expected: "must be at least 1",
            });
        }
        config.workers = self.workers;
        if let Some(rate) = &self.rate_limit {
            let n: f64 = rate
                .trim_end_matches("/s")
                .parse()
                .ok()
                .filter(|n: &f64| *n > 0.0 && n.is_finite())
                .ok_or_else(|| flag("--rate-limit", rate, "expected N/s with N > 0"))?;
            config.rate_limit = Some(n);
        }
        const MAX_TIMEOUT_SECS: f64 = 86_400.0;
        if !(self.timeout > 0.0 && self.timeout <= MAX_TIMEOUT_SECS) {
            return Err(CliError::Range {
                flag: "--timeout",
                expected: "must be a positive number of seconds, at most 86400 (a day)",
            });
        }
        config.timeout = Duration::from_secs_f64(self.timeout);
        if self.max_response_bytes == 0 {
            return Err(CliError::Range {
                flag: "--max-response-bytes",
                expected: "must be at least 1",
            });
        }
        config.max_response_bytes = self.max_response_bytes;
        let parse_checks = |list: &[String], name: &'static str| -> Result<Vec<Check>, CliError> {
            list.iter()
                .map(|id| {
                    Check::from_id(id.trim())
                        .ok_or_else(|| flag(name, id, "no such check (see `stipula test --help`)"))
                })
                .collect()
        };
        let mut checks = if self.checks.is_empty() || self.checks == ["all"] {
            Check::ALL.to_vec()
        } else {
            parse_checks(&self.checks, "--checks")?
        };
        let excluded = parse_checks(&self.exclude_checks, "--exclude-checks")?;
        checks.retain(|c| !excluded.contains(c));
        config.checks = checks;
        if !self.phases.is_empty() {
            config.phases = self
                .phases
                .iter()
                .map(|p| {
                    Phase::from_id(p.trim()).ok_or_else(|| {
                        flag(
                            "--phases",
                            p,
                            "expected examples, boundary, fuzz or stateful",
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        config.max_response_time = self.max_response_time.map(Duration::from_millis);
        if let Some(seconds) = self.max_duration {
            if !(seconds > 0.0 && seconds.is_finite()) {
                return Err(CliError::Range {
                    flag: "--max-duration",
                    expected: "must be a positive number of seconds",
                });
            }
            config.max_duration = Some(Duration::from_secs_f64(seconds));
        }
        config.strict = self.strict;
        if let Some(shard) = &self.shard {
            let parsed = shard
                .split_once('/')
                .and_then(|(k, n)| Some((k.parse::<u32>().ok()?, n.parse::<u32>().ok()?)))
                .filter(|(k, n)| *n >= 1 && (1..=*n).contains(k));
            config.shard = Some(
                parsed.ok_or_else(|| flag("--shard", shard, "expected K/N with 1 <= K <= N"))?,
            );
        }
        config.show_secrets = self.show_secrets;
        if let Some(path) = &self.baseline {
            let baseline = runner::baseline::Baseline::load(path).map_err(CliError::TestConfig)?;
            if let Some(note) = baseline.note_for(crate::baseline::TEST, path) {
                eprintln!("{note}");
            }
            config.baseline = Some(baseline);
        }
        Ok(config)
    }

    /// The config with the config file applied under the flags, and the coverage thresholds
    /// (flags first, then the file's).
    pub fn settings(&self) -> Result<(Config, Vec<MinCoverage>), CliError> {
        let mut config = self.config()?;
        let mut thresholds = self
            .min_coverage
            .iter()
            .map(|t| MinCoverage::parse(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CliError::TestConfig)?;
        let file = ConfigFile::discover(self.config.as_deref(), Path::new("."))
            .map_err(CliError::TestConfig)?;
        if let Some(file) = file {
            eprintln!("using the config file {}", file.path.display());
            let given = Given {
                checks: !self.checks.is_empty(),
                baseline: self.baseline.is_some(),
            };
            file.apply(&mut config, given)
                .map_err(CliError::TestConfig)?;
            if thresholds.is_empty() {
                thresholds = file.min_coverage().map_err(CliError::TestConfig)?;
            }
        }
        if config.base_url.is_empty() {
            return Err(CliError::TestConfig(format!(
                "no base URL: give --url, or `base-url` in the config file ({})",
                runner::config_file::DEFAULT_NAME
            )));
        }
        check_url(&config.base_url)?;
        Ok((config, thresholds))
    }
}

/// `--url` must be an absolute http(s) URL; a missing scheme gets the fix.
fn check_url(url: &str) -> Result<(), CliError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        Ok(u) if u.host_str().is_some() => Err(flag(
            "--url",
            url,
            &format!("the scheme must be http or https, not {}", u.scheme()),
        )),
        // `127.0.0.1:8080/v1` parses with the scheme `127.0.0.1`, `localhost:8080` likewise.
        _ => Err(flag(
            "--url",
            url,
            &format!("not an absolute URL: add the scheme, e.g. --url http://{url}"),
        )),
    }
}

/// A stop flag set by the first SIGINT or SIGTERM (the run ends early and still writes its
/// reports); a second signal ends the process at once.
fn stop_on_signal() -> Option<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .ok()?;
    std::thread::Builder::new()
        .name("stipula-signals".into())
        .spawn(move || {
            runtime.block_on(async move {
                #[cfg(unix)]
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                loop {
                    #[cfg(unix)]
                    let terminated = async {
                        match term.as_mut() {
                            Some(t) => t.recv().await,
                            None => std::future::pending().await,
                        }
                    };
                    #[cfg(not(unix))]
                    let terminated = std::future::pending::<Option<()>>();
                    tokio::select! {
                        r = tokio::signal::ctrl_c() => if r.is_err() { return },
                        _ = terminated => {}
                    }
                    if flag.swap(true, Ordering::SeqCst) {
                        std::process::exit(130);
                    }
                    eprintln!(
                        "stopping: no new requests; the reports are written when the requests in flight end (signal again to quit at once)"
                    );
                }
            });
        })
        .ok()?;
    Some(stop)
}

fn flag(flag: &'static str, value: &str, expected: &str) -> CliError {
    CliError::Flag {
        flag,
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() >> 11 // fits a JSON number exactly
}

/// Runs `stipula test`.
pub(super) fn run(args: &TestArgs) -> Result<Exit, CliError> {
    let (mut config, thresholds) = args.settings()?;
    config.stop = stop_on_signal();
    let spec = Spec::load(&args.spec, args.load.options())?;
    for w in &spec.located_warnings() {
        eprintln!("{w}");
    }
    runner::secrets::check_credentials(&spec, &config.credentials).map_err(CliError::TestConfig)?;
    let outputs = crate::runner::report::Outputs {
        junit: args.junit.clone(),
        json: args.json.clone(),
        html: args.html.clone(),
        baseline: args.write_baseline.clone(),
    };
    let mut reporters = crate::runner::report::for_outputs(outputs).map_err(CliError::Output)?;
    let mut io_error = None;
    let report = runner::run(&spec, &config, &mut |event| {
        if let Err(e) = reporters.event(event)
            && io_error.is_none()
        {
            io_error = Some(e);
        }
    })?;
    if let Some(e) = io_error {
        return Err(CliError::Report(e));
    }
    let summary = report.coverage_summary();
    let below: Vec<String> = thresholds
        .iter()
        .filter_map(|t| t.check(&summary))
        .collect();
    for line in &below {
        eprintln!("{line}");
    }
    Ok(Exit::findings_if(
        report.failures() > 0 || !below.is_empty(),
    ))
}
