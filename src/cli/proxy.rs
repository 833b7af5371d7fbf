//! `stipula proxy`: forwards to `--upstream` until Ctrl-C or SIGTERM, then writes the reports;
//! exit 1 when a failure was observed, 2 when it could not start.

use std::path::{Path, PathBuf};

use super::mock::{bind, init_logging, load_specs, server_runtime, shutdown_signal};
use super::{CliError, Exit, LoadArgs, count, display};
use crate::mock::Mount;
use crate::proxy::{Proxy, ProxyConfig};

#[derive(Debug, clap::Args)]
pub struct ProxyArgs {
    /// Spec files or folders of specs (default: `./specs` when there is one, else the bundled
    /// specs).
    pub specs: Vec<PathBuf>,
    /// The real server every request is forwarded to (`http://localhost:8080`).
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 4011)]
    pub port: u16,
    /// Write the findings as a JSON report (the format of `stipula test --json`) on shutdown.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the findings as JUnit XML on shutdown.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Keep observed exchanges as examples: one JSON file per operation and status.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Most exchanges recorded per operation and status.
    #[arg(long, default_value_t = 5)]
    pub record_limit: usize,
    /// Largest body accepted, in bytes, both ways (413 for a request, 502 for a response).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Seconds the upstream has to answer (504 past it).
    #[arg(long, default_value_t = 30)]
    pub upstream_timeout: u64,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub(super) fn run(args: &ProxyArgs) -> Result<Exit, CliError> {
    let specs = load_specs(&args.specs, &args.load)?;
    let mounts: Vec<Mount> = specs
        .into_iter()
        .map(|(_, spec)| Mount::at_base_path(spec))
        .collect();
    let mut config = ProxyConfig::new(args.upstream.clone());
    config.limits.max_body_bytes = args.max_body_bytes;
    config.upstream_timeout = std::time::Duration::from_secs(args.upstream_timeout);
    config.record = args.record.clone();
    config.record_limit = args.record_limit;
    config.json = args.json.clone();
    config.junit = args.junit.clone();
    let proxy = std::sync::Arc::new(Proxy::new(mounts, config)?);
    init_logging();
    let runtime = server_runtime()?;
    let addr = format!("{}:{}", args.host, args.port);
    let served = proxy.clone();
    runtime.block_on(async move {
        let (listener, local) = bind(addr).await?;
        for m in served.mounts() {
            println!(
                "checking {} ({}): {}",
                display(Path::new(m.spec.name())),
                m.spec.dialect.with_version(&m.spec.version),
                count(m.spec.operations.len(), "operation")
            );
        }
        println!(
            "stipula proxy listening on http://{local}, forwarding to {} (Ctrl-C to stop)",
            args.upstream
        );
        crate::proxy::serve(listener, served, shutdown_signal()).await;
        Ok::<(), CliError>(())
    })?;
    let report = proxy.write_reports().map_err(CliError::Report)?;
    println!(
        "proxy stopped: {} observed, {} failure(s), {} warning(s)",
        count(report.cases() as usize, "exchange"),
        report.failures(),
        report.warnings()
    );
    Ok(Exit::findings_if(report.failures() > 0))
}
