//! `cargo xtask bench mock`: the `stipula mock` release binary against a bare hyper server,
//! measured in the same run with the same load generator ([wrk](https://github.com/wg/wrk)).
//!
//! - Startup: time from spawning `stipula mock specs/lytx-consent-management.json --port P` to
//!   the first 200 on the GET endpoint (polled every 1 ms), median of 5 launches.
//! - Load: baseline GET, mock GET, mock POST, interleaved round by round so that drift on the
//!   machine hits all three alike; each run after one warm-up per target. Median requests/s and
//!   median p99 latency of the runs, and the mock/baseline ratio.
//! - Memory: the mock's peak RSS (VmHWM from /proc) after the load runs.
//!
//! The baseline is `cargo xtask bench-baseline-server PORT` (hidden): hyper 1 HTTP/1.1,
//! keep-alive, the Lytx GET 200 body for any request, on a tokio runtime with the default number
//! of worker threads, like `stipula mock`. It runs as its own process, as the mock does.
//!
//! wrk is not installed by this task: without it, only startup and RSS are measured, the run
//! says so and exits 0. Exit 1 when something broke (a server did not start, an answer was not
//! 200), 2 on bad arguments. Every child is killed on drop; everything listens on 127.0.0.1;
//! every wait is bounded.

use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use super::common::{
    CLOCK_TICKS, Proc, ROOT, TempDir, build_stipula, cpu_ticks, display, entry, loadavg, median,
    progress, run_bounded, thousands,
};

const SPEC: &str = "specs/lytx-consent-management.json";
const GET_PATH: &str = "/consent-management/userconsent/status?employeeId=EMP-9876";
const POST_PATH: &str = "/consent-management/userconsent/update";
const POST_BODY: &str = r#"[{"userId":null,"employeeId":"EMP-9876","productName":"facialId","consentStatus":"Obtained"}]"#;
const AUTH: (&str, &str) = ("Authorization", "Bearer bench-token");
/// What the baseline answers to everything: the mock's answer to the GET (177 bytes).
const BASELINE_BODY: &str = r#"{"data":[{"userId":"550e8400-e29b-41d4-a716-446655440000","employeeId":"EMP-9876","productName":"facialId","consentStatus":"Obtained","consentDate":"2026-03-15T10:30:00.000Z"}]}"#;

const STARTUP_LAUNCHES: usize = 5;
/// Longest wait for a server's first 200.
const START_LIMIT: Duration = Duration::from_secs(10);
/// How long the baseline server lives at most if nobody stops it.
const BASELINE_MAX_LIFE: Duration = Duration::from_secs(3600);

// The issue's targets, printed next to the figures (they do not change the exit code).
const TARGET_RATIO: f64 = 0.5;
const TARGET_P99_MS: f64 = 5.0;
const TARGET_STARTUP_MS: f64 = 50.0;
const TARGET_RSS_MIB: f64 = 30.0;

pub(super) const USAGE: &str = "usage: cargo xtask bench mock [--duration SECS] [--connections N] [--threads N] [--runs N] [--warmup SECS] [--stipula PATH] [--mock-arg ARG]...";

struct Settings {
    duration: u64,
    connections: u32,
    threads: u32,
    runs: usize,
    warmup: u64,
    /// An already built `stipula` to use instead of building one.
    stipula: Option<PathBuf>,
    /// Extra arguments for `stipula mock` (`--mock-arg --state`), to measure a mode.
    mock_args: Vec<String>,
}

/// `cargo xtask bench mock ARGS`.
pub(super) fn run(args: &[String]) -> ExitCode {
    entry(args, USAGE, parse, |s| bench_mock(s).map(|()| true))
}

fn parse(args: &[String]) -> Result<Settings, String> {
    let mut s = Settings {
        duration: 10,
        connections: 50,
        threads: 2,
        runs: 3,
        warmup: 2,
        stipula: None,
        mock_args: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        fn num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
            v.parse()
                .map_err(|_| format!("{flag} {v}: expected a whole number"))
        }
        match a.as_str() {
            "--duration" => s.duration = num(a, value()?)?,
            "--connections" => s.connections = num(a, value()?)?,
            "--threads" => s.threads = num(a, value()?)?,
            "--runs" => s.runs = num(a, value()?)?,
            "--warmup" => s.warmup = num(a, value()?)?,
            "--stipula" => s.stipula = Some(PathBuf::from(value()?)),
            "--mock-arg" => s.mock_args.push(value()?.clone()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if s.duration == 0 || s.threads == 0 || s.runs == 0 {
        return Err("--duration, --threads and --runs must be at least 1".into());
    }
    if s.connections < s.threads {
        return Err("wrk needs at least as many connections as threads".into());
    }
    Ok(s)
}

/// One row of the load table.
struct Row {
    name: &'static str,
    rps: Vec<f64>,
    p99_us: Vec<f64>,
    /// The server's CPU time (user + system, all threads) per request, in µs.
    cpu_us: Vec<f64>,
}

fn bench_mock(s: &Settings) -> Result<(), String> {
    let root = Path::new(ROOT)
        .canonicalize()
        .map_err(|e| format!("{ROOT}: {e}"))?;
    let tmp = TempDir::new()?;
    let stipula = match &s.stipula {
        Some(p) => p.clone(),
        None => build_stipula(&root)?,
    };
    let wrk_version = wrk_version();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load_before = loadavg();
    let get = Req {
        method: "GET",
        path: GET_PATH,
        body: None,
    };
    let post = Req {
        method: "POST",
        path: POST_PATH,
        body: Some(POST_BODY),
    };

    // Startup, on a quiet machine, before any load.
    let mut startups = Vec::new();
    let mut idle_rss = Vec::new();
    for i in 0..STARTUP_LAUNCHES {
        let port = free_port()?;
        let started = Instant::now();
        let mut mock = spawn_mock(
            &stipula,
            &root,
            port,
            &tmp.0.join(format!("startup-{i}.log")),
            &s.mock_args,
        )?;
        let took = wait_for_200(&mut mock, port, &get, started)?;
        startups.push(took.as_secs_f64() * 1e3);
        if let Some(kib) = proc_status_kib(mock.child.id(), "VmRSS") {
            idle_rss.push(kib);
        }
        progress(&format!(
            "startup {}/{STARTUP_LAUNCHES}: first 200 after {:.1} ms",
            i + 1,
            took.as_secs_f64() * 1e3
        ));
    }

    // The servers under load: both live through all rounds, idle when not measured.
    let mock_port = free_port()?;
    let started = Instant::now();
    let mut mock = spawn_mock(
        &stipula,
        &root,
        mock_port,
        &tmp.0.join("mock.log"),
        &s.mock_args,
    )?;
    wait_for_200(&mut mock, mock_port, &get, started)?;
    check_200(&mut mock, mock_port, &post)?;
    let base_port = free_port()?;
    let started = Instant::now();
    let mut base = spawn_baseline(base_port, &tmp.0.join("baseline.log"))?;
    wait_for_200(&mut base, base_port, &get, started)?;

    let mut rows = Vec::new();
    if wrk_version.is_some() {
        let script = tmp.0.join("post.lua");
        std::fs::write(
            &script,
            format!(
                "wrk.method = \"POST\"\nwrk.body = '{POST_BODY}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
            ),
        )
        .map_err(|e| format!("{}: {e}", script.display()))?;
        let (mock_pid, base_pid) = (mock.child.id(), base.child.id());
        let targets: [(&'static str, u32, u16, &Req, Option<&Path>); 3] = [
            ("baseline GET (bare hyper)", base_pid, base_port, &get, None),
            ("mock GET", mock_pid, mock_port, &get, None),
            ("mock POST", mock_pid, mock_port, &post, Some(&script)),
        ];
        for (name, _, port, req, script) in &targets {
            progress(&format!("warm-up {name}: {} s", s.warmup));
            if s.warmup > 0 {
                wrk(s, s.warmup, *port, req, *script)?;
            }
            rows.push(Row {
                name,
                rps: Vec::new(),
                p99_us: Vec::new(),
                cpu_us: Vec::new(),
            });
        }
        for round in 1..=s.runs {
            for ((name, pid, port, req, script), row) in targets.iter().zip(&mut rows) {
                let cpu_before = cpu_ticks(*pid);
                let r = wrk(s, s.duration, *port, req, *script)?;
                if let (Some(a), Some(b)) = (cpu_before, cpu_ticks(*pid)) {
                    row.cpu_us
                        .push((b - a) as f64 * 1e6 / CLOCK_TICKS / r.requests as f64);
                }
                progress(&format!(
                    "run {round}/{}: {name}: {:.0} requests/s, p99 {}, {}{}",
                    s.runs,
                    r.rps,
                    ms(r.p99_us),
                    row.cpu_us
                        .last()
                        .map_or(String::new(), |c| format!("{c:.1} µs CPU/request")),
                    r.socket_errors
                        .as_deref()
                        .map(|e| format!(" (socket errors: {e})"))
                        .unwrap_or_default()
                ));
                row.rps.push(r.rps);
                row.p99_us.push(r.p99_us);
            }
        }
        // Still answering after the load?
        check_200(&mut mock, mock_port, &get)?;
    }
    let mock_hwm = proc_status_kib(mock.child.id(), "VmHWM");
    let base_hwm = proc_status_kib(base.child.id(), "VmHWM");
    drop(mock);
    drop(base);

    // The report.
    let mut absent = Vec::new();
    println!();
    match &wrk_version {
        Some(v) => println!(
            "stipula mock benchmark: {v}; {} threads, {} connections, {} s per run after a {} s warm-up, median of {} run(s)",
            s.threads, s.connections, s.duration, s.warmup, s.runs
        ),
        None => {
            absent.push("wrk");
            println!("stipula mock benchmark: wrk is not installed, so no throughput or latency");
        }
    }
    println!(
        "mock: {} mock {SPEC} (RUST_LOG=warn); baseline: hyper {} HTTP/1.1 keep-alive, fixed {}-byte JSON body",
        display(&stipula, &root),
        locked_version("hyper"),
        BASELINE_BODY.len()
    );
    println!(
        "machine: {cpus} CPU(s) (nproc); wrk, the mock and the baseline share them, both servers on tokio's default worker count. Numbers are noisy: compare within one run, not across machines."
    );
    if let Some(before) = load_before {
        println!(
            "load average (1 min) just before the bench: {before} (other work on the machine skews every figure)"
        );
    }
    if !rows.is_empty() {
        println!();
        println!(
            "{:<27} {:>12} {:>10} {:>13}   each run (requests/s | p99)",
            "target", "requests/s", "p99", "CPU/request"
        );
        for row in &rows {
            let runs: Vec<String> = row
                .rps
                .iter()
                .zip(&row.p99_us)
                .map(|(r, p)| format!("{} | {}", thousands(*r), ms(*p)))
                .collect();
            let cpu = if row.cpu_us.is_empty() {
                "n/a".to_string()
            } else {
                format!("{:.1} µs", median(&row.cpu_us))
            };
            println!(
                "{:<27} {:>12} {:>10} {:>13}   {}",
                row.name,
                thousands(median(&row.rps)),
                ms(median(&row.p99_us)),
                cpu,
                runs.join(", ")
            );
        }
        println!(
            "(CPU/request: the server process's user + system time during a run over the requests wrk completed; steadier than requests/s when wrk and the server compete for the CPUs)"
        );
    }
    println!();
    let startup = median(&startups);
    let mut sorted = startups.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "startup to first 200 (GET): median {startup:.1} ms of {} launches ({})",
        startups.len(),
        sorted
            .iter()
            .map(|t| format!("{t:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
            + " ms"
    );
    if !idle_rss.is_empty() {
        println!(
            "mock RSS right after startup (VmRSS): median {:.1} MiB",
            median(&idle_rss) / 1024.0
        );
    }
    let load = if rows.is_empty() {
        "after its check requests (no load)"
    } else {
        "after the load runs"
    };
    println!(
        "mock peak RSS (VmHWM) {load}: {}; baseline: {}",
        mib(mock_hwm),
        mib(base_hwm)
    );

    println!();
    println!("targets (from the issue; informative, they do not fail the run):");
    if let [base, mock_get, mock_post] = &rows[..] {
        let b = median(&base.rps);
        let g = median(&mock_get.rps) / b;
        let p = median(&mock_post.rps) / b;
        println!(
            "  throughput >= {TARGET_RATIO} x bare hyper:  GET {g:.2} x {}, POST {p:.2} x {}",
            verdict(g >= TARGET_RATIO),
            verdict(p >= TARGET_RATIO)
        );
        if !base.cpu_us.is_empty() && !mock_get.cpu_us.is_empty() {
            let c = median(&base.cpu_us);
            println!(
                "    same, from CPU per request (what a CPU-bound server would reach):  GET {:.2} x, POST {:.2} x",
                c / median(&mock_get.cpu_us),
                c / median(&mock_post.cpu_us)
            );
        }
        println!(
            "  about 100k requests/s on 2 cores:  GET {}, POST {} (on {cpus} CPU(s) shared with wrk)",
            thousands(median(&mock_get.rps)),
            thousands(median(&mock_post.rps))
        );
        let (pg, pp) = (median(&mock_get.p99_us), median(&mock_post.p99_us));
        println!(
            "  p99 < {TARGET_P99_MS} ms:  GET {} {}, POST {} {}",
            ms(pg),
            verdict(pg / 1e3 < TARGET_P99_MS),
            ms(pp),
            verdict(pp / 1e3 < TARGET_P99_MS)
        );
    } else {
        println!("  throughput and p99: not measured (no wrk)");
    }
    println!(
        "  first response < {TARGET_STARTUP_MS} ms after launch:  {startup:.1} ms {}",
        verdict(startup < TARGET_STARTUP_MS)
    );
    match mock_hwm {
        Some(kib) => println!(
            "  RSS < {TARGET_RSS_MIB} MiB:  {} {}",
            mib(Some(kib)),
            verdict(kib / 1024.0 < TARGET_RSS_MIB)
        ),
        None => println!("  RSS < {TARGET_RSS_MIB} MiB:  not measured (no /proc)"),
    }
    if mock_hwm.is_none() {
        absent.push("/proc (RSS)");
    }
    println!();
    if absent.is_empty() {
        println!("absent tools: none");
    } else {
        println!(
            "absent tools: {} (wrk: `apt-get install wrk` on Debian/Ubuntu, `brew install wrk` on macOS)",
            absent.join(", ")
        );
    }
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok { "(ok)" } else { "(MISSED)" }
}

// ---------------------------------------------------------------------------------------------
// Children

fn spawn_mock(
    stipula: &Path,
    root: &Path,
    port: u16,
    log: &Path,
    extra: &[String],
) -> Result<Proc, String> {
    let stderr = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let child = Command::new(stipula)
        .args(["mock", SPEC, "--host", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .args(extra)
        .current_dir(root)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", stipula.display()))?;
    Ok(Proc {
        name: "stipula mock",
        child,
        log: log.to_path_buf(),
        _stdin: None,
    })
}

fn spawn_baseline(port: u16, log: &Path) -> Result<Proc, String> {
    let stderr = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let me = std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))?;
    let mut child = Command::new(me)
        .args(["bench-baseline-server", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start the baseline server: {e}"))?;
    let stdin = child.stdin.take();
    Ok(Proc {
        name: "baseline server",
        child,
        log: log.to_path_buf(),
        _stdin: stdin,
    })
}

/// A port the OS says is free now (the servers bind it a moment later).
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

/// `key:  1234 kB` from /proc/PID/status, in KiB (Linux only).
fn proc_status_kib(pid: u32, key: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client (one request per connection), for readiness and checks.

struct Req {
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
}

/// Sends `req` with `Connection: close`; the status and the body.
fn http(port: u16, req: &Req, timeout: Duration) -> std::io::Result<(u16, Vec<u8>)> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + timeout;
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut out = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{}: {}\r\n",
        req.method, req.path, AUTH.0, AUTH.1
    );
    if let Some(body) = req.body {
        out += &format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
    } else {
        out += "\r\n";
    }
    s.write_all(out.as_bytes())?;
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if Instant::now() > deadline {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        match s.read(&mut buf)? {
            0 => break,
            n => got.extend_from_slice(&buf[..n]),
        }
    }
    let head_end = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(std::io::ErrorKind::UnexpectedEof)?;
    let status = std::str::from_utf8(&got[..head_end])
        .ok()
        .and_then(|h| h.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    Ok((status, got[head_end + 4..].to_vec()))
}

/// Polls every 1 ms until `req` gets a 200; the time since `started`. Any other status, the
/// process exiting, or [`START_LIMIT`] passing is an error.
fn wait_for_200(p: &mut Proc, port: u16, req: &Req, started: Instant) -> Result<Duration, String> {
    loop {
        match http(port, req, Duration::from_millis(500)) {
            Ok((200, _)) => return Ok(started.elapsed()),
            Ok((status, body)) => return Err(not_200(p, req, status, &body)),
            Err(_) => {}
        }
        if let Some(status) = p.exited() {
            return Err(format!(
                "{} exited ({status}) before answering:\n{}",
                p.name,
                p.log_tail()
            ));
        }
        if started.elapsed() > START_LIMIT {
            return Err(format!(
                "{} did not answer {} {} within {} s:\n{}",
                p.name,
                req.method,
                req.path,
                START_LIMIT.as_secs(),
                p.log_tail()
            ));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn check_200(p: &mut Proc, port: u16, req: &Req) -> Result<(), String> {
    match http(port, req, Duration::from_secs(5)) {
        Ok((200, _)) => Ok(()),
        Ok((status, body)) => Err(not_200(p, req, status, &body)),
        Err(e) => Err(format!(
            "{} {} on {}: {e}\n{}",
            req.method,
            req.path,
            p.name,
            p.log_tail()
        )),
    }
}

fn not_200(p: &Proc, req: &Req, status: u16, body: &[u8]) -> String {
    format!(
        "{} answered {status} to {} {} (a benchmark of anything but 200s is worthless): {}",
        p.name,
        req.method,
        req.path,
        String::from_utf8_lossy(&body[..body.len().min(500)])
    )
}

// ---------------------------------------------------------------------------------------------
// wrk

/// `wrk 4.1.0 [epoll]` (first words of `wrk -v`), or `None` when wrk cannot be run.
fn wrk_version() -> Option<String> {
    let out = Command::new("wrk")
        .arg("-v")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let line = text.lines().next()?.trim();
    let line = line.split(" Copyright").next().unwrap_or(line);
    line.starts_with("wrk").then(|| line.to_string())
}

struct WrkRun {
    rps: f64,
    p99_us: f64,
    requests: u64,
    /// `connect 0, read 0, write 0, timeout 3` when wrk reported any.
    socket_errors: Option<String>,
}

fn wrk(
    s: &Settings,
    secs: u64,
    port: u16,
    req: &Req,
    script: Option<&Path>,
) -> Result<WrkRun, String> {
    let url = format!("http://127.0.0.1:{port}{}", req.path);
    let mut cmd = Command::new("wrk");
    cmd.arg(format!("-t{}", s.threads))
        .arg(format!("-c{}", s.connections))
        .arg(format!("-d{secs}s"))
        .arg("--latency")
        .args(["-H", &format!("{}: {}", AUTH.0, AUTH.1)]);
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    cmd.arg(&url).stdin(Stdio::null());
    let what = format!("wrk {} {url}", req.method);
    let (status, stdout, stderr) = run_bounded(cmd, Duration::from_secs(secs + 30), &what)?;
    if !status.success() {
        return Err(format!("{what}: {status}\n{stdout}{stderr}"));
    }
    let find = |prefix: &str| {
        stdout
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix).map(str::trim))
    };
    if let Some(n) = find("Non-2xx or 3xx responses:") {
        return Err(format!(
            "{what}: {n} answers were not 2xx/3xx: a benchmark of errors is worthless\n{stdout}"
        ));
    }
    let rps = find("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{what}: no Requests/sec in wrk's output:\n{stdout}{stderr}"))?;
    let p99_us = find("99%")
        .and_then(micros)
        .ok_or_else(|| format!("{what}: no 99% latency in wrk's output:\n{stdout}{stderr}"))?;
    let requests = stdout
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("{what}: no request count in wrk's output:\n{stdout}{stderr}"))?;
    if rps <= 0.0 || requests == 0 {
        return Err(format!("{what}: no request completed:\n{stdout}{stderr}"));
    }
    Ok(WrkRun {
        rps,
        p99_us,
        requests,
        socket_errors: find("Socket errors:").map(str::to_string),
    })
}

/// wrk's `401.00us`, `5.98ms`, `1.02s`, `1.50m` in microseconds.
fn micros(text: &str) -> Option<f64> {
    let units = [
        ("us", 1.0),
        ("ms", 1e3),
        ("s", 1e6),
        ("m", 60e6),
        ("h", 3600e6),
    ];
    units.iter().find_map(|(unit, scale)| {
        let number = text.strip_suffix(unit)?;
        number.parse::<f64>().ok().map(|n| n * scale)
    })
}

// ---------------------------------------------------------------------------------------------
// Figures

fn ms(us: f64) -> String {
    if us < 1000.0 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.1} ms", us / 1e3)
    }
}

fn mib(kib: Option<f64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.1} MiB", k / 1024.0))
}

/// A package's version in Cargo.lock (the baseline is built from it).
fn locked_version(name: &str) -> &'static str {
    let lock = include_str!("../../../Cargo.lock");
    let needle = format!("name = \"{name}\"\nversion = \"");
    lock.find(&needle)
        .map(|i| &lock[i + needle.len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("?")
}

// ---------------------------------------------------------------------------------------------
// The baseline server

/// `cargo xtask bench-baseline-server PORT` (hidden): hyper 1, HTTP/1.1 keep-alive, the same
/// 177-byte JSON body for any request, on 127.0.0.1. Stops when its stdin closes (its parent
/// died or let go), on a signal, or after [`BASELINE_MAX_LIFE`].
pub fn baseline_server(args: &[String]) -> ExitCode {
    let Some(port) = args.first().and_then(|p| p.parse::<u16>().ok()) else {
        eprintln!("usage: cargo xtask bench-baseline-server PORT");
        return ExitCode::from(2);
    };
    std::thread::spawn(|| {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        std::process::exit(0);
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
                return ExitCode::from(1);
            }
        };
        let life = tokio::time::sleep(BASELINE_MAX_LIFE);
        tokio::pin!(life);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(|_req| async {
                            let mut r = hyper::Response::new(http_body_util::Full::new(
                                bytes::Bytes::from_static(BASELINE_BODY.as_bytes()),
                            ));
                            r.headers_mut().insert(
                                hyper::header::CONTENT_TYPE,
                                hyper::header::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, Infallible>(r)
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    });
                }
                () = &mut life => break,
            }
        }
        ExitCode::SUCCESS
    })
}
