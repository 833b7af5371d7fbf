//! `stipula mock`: serves until Ctrl-C or SIGTERM (exit 0); exit 2 when a spec does not load,
//! a `--mount` is wrong or the address cannot be bound.

use std::path::{Path, PathBuf};

use super::{CliError, Exit, LoadArgs, count, display, spec_paths};
use crate::spec::Spec;

#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// Spec files or folders of specs (default: `./specs` when there is one, else the bundled
    /// specs).
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
    /// basic `user:password`). Without it, any well-formed credential is accepted.
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
    /// Let browser pages from this origin (`https://app.example:3000`) call the mock with
    /// credentials; repeatable. Without it any origin may call, without credentials (`*`).
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Remember what clients create: POST stores, GET reads, PUT replaces, PATCH merges, DELETE
    /// removes; admin endpoints under `/__stipula/` (see docs/mock-state.md).
    #[arg(long)]
    pub state: bool,
    /// With --state: requests with different values of this header see separate states.
    #[arg(long, value_name = "HEADER", requires = "state")]
    pub state_scope_header: Option<String>,
    /// With --state: most items stored per scope; past it a create gets 507.
    #[arg(long, value_name = "N", requires = "state", default_value_t = crate::mock::StateConfig::default().max_items)]
    pub state_max_items: usize,
    /// With --state: most bytes of item JSON stored per scope; past it a change gets 507.
    #[arg(long, value_name = "BYTES", requires = "state", default_value_t = crate::mock::StateConfig::default().max_bytes)]
    pub state_max_bytes: usize,
    /// With --state: most scopes kept (see --state-scope-header); past it a new scope gets 507.
    #[arg(long, value_name = "N", requires = "state", default_value_t = crate::mock::StateConfig::default().max_scopes)]
    pub state_max_scopes: usize,
    #[command(flatten)]
    pub chaos: ChaosArgs,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Latency and faults (docs/mock-chaos-proxy.md).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ChaosArgs {
    /// Delay every answer: `100ms`, `uniform:50ms..200ms`, `lognormal:median=80ms,p99=400ms`.
    #[arg(long, value_name = "DELAY")]
    pub delay: Option<String>,
    /// A fault and the share of requests that get it: `reset:0.01`, `truncate:0.01`,
    /// `503:0.05` (an error status only where the operation documents it). Repeatable.
    #[arg(long = "fault", value_name = "KIND:RATE")]
    pub faults: Vec<String>,
    /// Share of requests answered with `--fault-status` (where the operation documents it).
    #[arg(long, value_name = "RATE")]
    pub fault_rate: Option<f64>,
    /// The documented error status `--fault-rate` answers with.
    #[arg(long, default_value_t = 503, value_name = "STATUS")]
    pub fault_status: u16,
    /// YAML with per-operation latency and faults: `operations: {opId: {delay: 100ms, faults:
    /// ["503:0.1"]}}`.
    #[arg(long, value_name = "FILE")]
    pub mock_config: Option<PathBuf>,
}

impl ChaosArgs {
    /// The configured latency and faults (maybe none: see `Chaos::needed`).
    pub fn chaos(&self, seed: u64) -> Result<crate::mock::chaos::Chaos, CliError> {
        use crate::mock::chaos::{Chaos, Delay, FaultRate, Plan};
        let mut plan = Plan::default();
        if let Some(d) = &self.delay {
            plan.delay = Some(Delay::parse(d).map_err(|expected| CliError::Flag {
                flag: "--delay",
                value: d.clone(),
                expected,
            })?);
        }
        for f in &self.faults {
            plan.faults
                .push(FaultRate::parse(f).map_err(|expected| CliError::Flag {
                    flag: "--fault",
                    value: f.clone(),
                    expected,
                })?);
        }
        if let Some(rate) = self.fault_rate {
            let text = format!("{}:{rate}", self.fault_status);
            plan.faults
                .push(FaultRate::parse(&text).map_err(|expected| CliError::Flag {
                    flag: "--fault-rate/--fault-status",
                    value: text.clone(),
                    expected,
                })?);
        }
        let mut chaos = Chaos::new(seed, plan);
        if let Some(path) = &self.mock_config {
            let text = std::fs::read_to_string(path).map_err(|e| CliError::Flag {
                flag: "--mock-config",
                value: path.display().to_string(),
                expected: format!("cannot read: {e}"),
            })?;
            chaos = chaos
                .with_config_text(&text)
                .map_err(|expected| CliError::Flag {
                    flag: "--mock-config",
                    value: path.display().to_string(),
                    expected,
                })?;
        }
        Ok(chaos)
    }
}

/// Expands folders, loads every spec and prints its warnings or errors; every spec is tried
/// before failing, so one run shows every broken spec.
pub(super) fn load_specs(
    specs: &[PathBuf],
    load: &LoadArgs,
) -> Result<Vec<(PathBuf, Spec)>, CliError> {
    let mut out = Vec::new();
    let mut failed = false;
    for path in spec_paths(specs)? {
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
    if failed {
        return Err(CliError::Reported);
    }
    Ok(out)
}

/// `--mount SPEC=PREFIX` parsed: the spec's path and its prefix without a trailing `/`.
fn parse_mount(m: &str) -> Result<(PathBuf, String), CliError> {
    let Some((spec, prefix)) = m.rsplit_once('=') else {
        return Err(CliError::Flag {
            flag: "--mount",
            value: m.to_string(),
            expected: "expected SPEC=PREFIX".into(),
        });
    };
    let prefix = prefix.trim_end_matches('/').to_string();
    if !prefix.is_empty() && !prefix.starts_with('/') {
        return Err(CliError::Flag {
            flag: "--mount",
            value: m.to_string(),
            expected: "the prefix must start with `/`".into(),
        });
    }
    Ok((PathBuf::from(spec), prefix))
}

/// `*`, or `scheme://host[:port]` with nothing after (what browsers send in `Origin`).
fn check_origin(o: &str) -> Result<(), CliError> {
    let origin = o == "*"
        || o.split_once("://").is_some_and(|(scheme, rest)| {
            let rest = rest.trim_end_matches('/');
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !rest.is_empty()
                && !rest.contains(['/', '?', '#', ' '])
        });
    if origin {
        return Ok(());
    }
    Err(CliError::Flag {
        flag: "--cors-origin",
        value: o.to_string(),
        expected: "expected `*` or an origin such as https://app.example:3000 (scheme, host, optional port)".into(),
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || a.canonicalize().ok() == b.canonicalize().ok()
}

pub(super) fn run(args: &MockArgs) -> Result<Exit, CliError> {
    use crate::mock::{Limits, MockConfig, Mount};
    let specs = load_specs(&args.specs, &args.load)?;
    let overrides = args
        .mounts
        .iter()
        .map(|m| parse_mount(m))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some((p, _)) = overrides
        .iter()
        .find(|(p, _)| !specs.iter().any(|(q, _)| same_file(p, q)))
    {
        return Err(CliError::MountNotServed(p.clone()));
    }
    for o in &args.cors_origins {
        check_origin(o)?;
    }
    let mut mounts = Vec::new();
    let mut plans = Vec::new();
    for (path, spec) in specs {
        let prefix = overrides
            .iter()
            .find(|(p, _)| same_file(p, &path))
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
    let specs: Vec<&Spec> = mounts.iter().map(|m| &m.spec).collect();
    let chaos = Some(args.chaos.chaos(args.seed)?).filter(|c| c.needed(&specs));
    if let Some(chaos) = &chaos {
        let notes = chaos
            .startup_notes(&specs)
            .map_err(|expected| CliError::Flag {
                flag: "--delay/--fault",
                value: "x-stipula-delay/x-stipula-faults".into(),
                expected,
            })?;
        for note in notes {
            println!("note: {note}");
        }
    }
    init_logging();
    let config = MockConfig {
        seed: args.seed,
        token: args.token.clone(),
        cors_origins: args.cors_origins.clone(),
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            header_read_timeout: std::time::Duration::from_secs(
                args.header_timeout.clamp(1, 86_400),
            ),
            idle_timeout: std::time::Duration::from_secs(args.idle_timeout.clamp(1, 86_400)),
            max_connections: args.max_connections.max(1),
            ..Limits::default()
        },
        state: args.state.then(|| crate::mock::StateConfig {
            scope_header: args.state_scope_header.clone(),
            max_items: args.state_max_items,
            max_bytes: args.state_max_bytes,
            max_scopes: args.state_max_scopes,
        }),
        chaos: chaos.map(std::sync::Arc::new),
    };
    let reloader = crate::mock::Reloader {
        plans,
        options: args.load.options(),
        config: config.clone(),
    };
    // Routes only: the validators are warmed on a thread of their own once the listener is
    // bound, so the first request is answered without waiting for every operation's schemas
    // (a request that needs one not warmed yet compiles it, once, as it would anyway).
    let app = std::sync::Arc::new(crate::mock::App::routed(mounts, config)?);
    let shared = std::sync::Arc::new(arc_swap::ArcSwap::new(app.clone()));
    let _watch = if args.watch {
        Some(crate::mock::watch::watch(shared.clone(), reloader)?)
    } else {
        None
    };
    let runtime = server_runtime()?;
    let addr = format!("{}:{}", args.host, args.port);
    runtime.block_on(async move {
        let (listener, local) = bind(addr).await?;
        let warmed = app.clone();
        // No thread to be had: validators compile on first use instead.
        let _ = std::thread::Builder::new()
            .name("stipula-warm".into())
            .stack_size(crate::mock::WORKER_STACK_BYTES)
            .spawn(move || warmed.compile_validators());
        for m in &app.mounts {
            let base = if m.prefix.is_empty() { "/" } else { &m.prefix };
            println!(
                "mounted {} ({}) at http://{local}{base}: {}",
                display(Path::new(m.spec.name())),
                m.spec.dialect.with_version(&m.spec.version),
                count(m.spec.operations.len(), "operation")
            );
        }
        if args.token.is_none() {
            println!(
                "no --token: secured operations accept any well-formed credential (pass --token to require one)"
            );
        }
        if args.watch {
            println!("watching the spec files; edits are served within a second");
        }
        println!("stipula mock listening on http://{local} (Ctrl-C to stop)");
        crate::mock::serve_shared(listener, shared, shutdown_signal()).await;
        Ok(Exit::Ok)
    })
}

/// The runtime `mock` and `proxy` serve on: worker threads with the mock's stack size.
pub(super) fn server_runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(crate::mock::WORKER_STACK_BYTES)
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// Binds `addr`; the listener and the address it really got (`--port 0` picks one).
pub(super) async fn bind(addr: String) -> Result<(tokio::net::TcpListener, String), CliError> {
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|source| CliError::Listen {
            addr: addr.clone(),
            source,
        })?;
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    Ok((listener, local))
}

/// Ctrl-C or SIGTERM.
pub(super) async fn shutdown_signal() {
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

/// Log lines to stderr; `RUST_LOG` overrides the default (`info`). Colours only on a terminal.
pub(super) fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
