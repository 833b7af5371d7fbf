//! `cargo xtask soak [--seconds N] [--connections N] [--max-growth-mib N]`: a mixed load of
//! valid and hostile requests against the mock for a while, asserting that no answer is a 5xx,
//! that no connection is dropped mid-request, and that the resident memory grows by less than
//! a bound once warmed up.
//!
//! The mock runs in this process (`MockServer` over the four bundled specs) and the load comes
//! from in-process hyper HTTP/1.1 clients, one task per connection, keep-alive: no wrk needed,
//! and every answer's status is seen. The memory figure is this process's VmRSS from /proc,
//! which includes the clients; their state is a fixed set of requests and counters, so growth
//! is the mock's. Sampled every second; the baseline is taken after the warm-up (a tenth of the
//! run, at least 3 s), when every operation's validators have compiled.
//!
//! The mix, per operation of every spec: the documented method on its path with placeholder
//! parameters (and a credential), `{}` and a malformed, a deeply nested, a wrongly typed and a
//! violation-heavy JSON body, invalid UTF-8, a wrong content type, an undocumented method;
//! plus unknown paths, bad percent-encoding and an 8 KiB query. Exit 0 when the run kept the
//! bounds, 1 when it did not, 2 on bad arguments.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use stipula::mock::MockServer;
use stipula::spec::{LoadOptions, Spec};

const USAGE: &str =
    "usage: cargo xtask soak [--seconds N (60)] [--connections N (16)] [--max-growth-mib N (64)]";

const SPECS: [&str; 4] = [
    "specs/fusionauth-consent.yaml",
    "specs/lytx-consent-management.json",
    "specs/lytx-users.json",
    "specs/slashid-gdpr-consent.yaml",
];

struct Settings {
    seconds: u64,
    connections: usize,
    max_growth_mib: f64,
}

fn parse(args: &[String]) -> Result<Settings, String> {
    let mut s = Settings {
        seconds: 60,
        connections: 16,
        max_growth_mib: 64.0,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--seconds" => s.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--connections" => {
                s.connections = value()?
                    .parse()
                    .map_err(|e| format!("--connections: {e}"))?
            }
            "--max-growth-mib" => {
                s.max_growth_mib = value()?
                    .parse()
                    .map_err(|e| format!("--max-growth-mib: {e}"))?
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if s.seconds == 0 || s.connections == 0 {
        return Err(format!(
            "--seconds and --connections must be at least 1\n{USAGE}"
        ));
    }
    Ok(s)
}

/// One request of the mix.
#[derive(Clone)]
struct Shot {
    kind: &'static str,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

fn shot(kind: &'static str, method: &'static str, path: &str) -> Shot {
    Shot {
        kind,
        method,
        path: path.to_string(),
        headers: vec![("authorization", "Bearer soak-token".to_string())],
        body: Bytes::new(),
    }
}

fn with_body(mut s: Shot, content_type: &str, body: impl Into<Bytes>) -> Shot {
    s.headers.push(("content-type", content_type.to_string()));
    s.body = body.into();
    s
}

/// Every request of the mix, built once from the specs.
fn mix(specs: &[Spec]) -> Vec<Shot> {
    let nested = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let wrong_items = format!("[{}]", vec!["{\"x\":[true]}"; 20_000].join(","));
    let mut out = Vec::new();
    for spec in specs {
        let base = spec.base_path();
        let base = base.trim_end_matches('/');
        for op in &spec.operations {
            let path: String = op
                .path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "1" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let path = format!("{base}{path}");
            let method = op.method.as_str();
            let method: &'static str = match method {
                "GET" => "GET",
                "POST" => "POST",
                "PUT" => "PUT",
                "PATCH" => "PATCH",
                "DELETE" => "DELETE",
                "HEAD" => "HEAD",
                "OPTIONS" => "OPTIONS",
                _ => "GET",
            };
            out.push(shot("documented", method, &path));
            out.push(shot("head", "HEAD", &path));
            out.push(shot("undocumented-method", "TRACE", &path));
            let json = "application/json";
            out.push(with_body(shot("empty-object", method, &path), json, "{}"));
            out.push(with_body(
                shot("malformed-json", method, &path),
                json,
                "{\"a\":",
            ));
            out.push(with_body(
                shot("nested-json", method, &path),
                json,
                nested.clone(),
            ));
            out.push(with_body(
                shot("wrong-type", method, &path),
                json,
                "[1,\"two\",null]",
            ));
            out.push(with_body(
                shot("violation-heavy", method, &path),
                json,
                wrong_items.clone(),
            ));
            out.push(with_body(
                shot("invalid-utf8", method, &path),
                json,
                Bytes::from_static(b"{\"a\":\"\xff\xfe\"}"),
            ));
            out.push(with_body(
                shot("wrong-content-type", method, &path),
                "text/x-nothing",
                "hello",
            ));
            let mut no_credential = shot("no-credential", method, &path);
            no_credential.headers.clear();
            out.push(no_credential);
        }
        out.push(shot(
            "unknown-path",
            "GET",
            &format!("{base}/no/such/thing"),
        ));
        out.push(shot("bad-percent", "GET", &format!("{base}/%zz/%C0%AF")));
        out.push(shot(
            "long-query",
            "GET",
            &format!("{base}/?q={}", "a".repeat(8 * 1024)),
        ));
    }
    out
}

#[derive(Default)]
struct Tally {
    by_status: BTreeMap<u16, u64>,
    /// (kind, method, path, status, start of the body) of the first few 5xx.
    server_errors: Vec<String>,
    /// Requests that got no answer (the connection failed), and the first few of them.
    transport_count: u64,
    transport_errors: Vec<String>,
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub fn run(args: &[String]) -> ExitCode {
    let settings = match parse(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut specs = Vec::new();
    for s in SPECS {
        match Spec::load(root.join(s), LoadOptions::default()) {
            Ok(spec) => specs.push(spec),
            Err(e) => {
                eprintln!("{s} does not load:\n{e}");
                return ExitCode::from(1);
            }
        }
    }
    let shots = Arc::new(mix(&specs));
    let server = match MockServer::start(specs) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the mock: {e}");
            return ExitCode::from(1);
        }
    };
    let address = server.address();
    println!(
        "soak: {} requests in the mix, {} connections, {} s against the mock on {address}",
        shots.len(),
        settings.connections,
        settings.seconds
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the client runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let total = Duration::from_secs(settings.seconds);
    let warmup = (total / 10).max(Duration::from_secs(3)).min(total);
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let tally = Arc::new(std::sync::Mutex::new(Tally::default()));
    let rss = runtime.block_on(async {
        let mut clients = Vec::new();
        for c in 0..settings.connections {
            let (shots, stop, sent, tally) =
                (shots.clone(), stop.clone(), sent.clone(), tally.clone());
            clients.push(tokio::spawn(async move {
                client(c, address, &shots, &stop, &sent, &tally).await
            }));
        }
        let mut samples: Vec<(Duration, u64)> = Vec::new();
        while started.elapsed() < total {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if let Some(kib) = rss_kib() {
                samples.push((started.elapsed(), kib));
            }
        }
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            let _ = c.await;
        }
        samples
    });
    drop(server);
    let elapsed = started.elapsed();
    let tally = tally.lock().unwrap();
    let requests = sent.load(Ordering::Relaxed);
    let baseline = rss.iter().find(|(t, _)| *t >= warmup).map(|&(_, k)| k);
    let last = rss.last().map(|&(_, k)| k);
    let peak = rss.iter().map(|&(_, k)| k).max();
    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "requests: {requests} in {:.1} s ({:.0}/s)",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64()
    );
    let statuses: Vec<String> = tally
        .by_status
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    println!("statuses: {}", statuses.join(", "));
    let five = tally
        .by_status
        .iter()
        .filter(|(s, _)| **s >= 500)
        .map(|(_, n)| n)
        .sum::<u64>();
    let mut ok = true;
    println!("5xx answers: {five} (bound: 0)");
    for e in tally.server_errors.iter().take(5) {
        println!("  {e}");
    }
    ok &= five == 0;
    println!("transport errors: {} (bound: 0)", tally.transport_count);
    for e in tally.transport_errors.iter().take(5) {
        println!("  {e}");
    }
    ok &= tally.transport_count == 0;
    match (baseline, last, peak) {
        (Some(b), Some(l), Some(p)) => {
            let growth = mib(l) - mib(b);
            println!(
                "RSS: {:.1} MiB after the {:.0} s warm-up, {:.1} MiB at the end, {:.1} MiB peak; growth {growth:.1} MiB (bound: {:.0} MiB)",
                mib(b),
                warmup.as_secs_f64(),
                mib(l),
                mib(p),
                settings.max_growth_mib
            );
            ok &= growth < settings.max_growth_mib;
        }
        _ => println!("RSS: not measured (no /proc/self/status)"),
    }
    println!("{}", if ok { "soak: OK" } else { "soak: FAILED" });
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// One keep-alive connection sending the mix round-robin (each connection starting elsewhere
/// in it) until told to stop; reconnects when the server closes.
async fn client(
    index: usize,
    address: std::net::SocketAddr,
    shots: &[Shot],
    stop: &AtomicBool,
    sent: &AtomicU64,
    tally: &std::sync::Mutex<Tally>,
) {
    let mut next = index * 7919 % shots.len().max(1);
    while !stop.load(Ordering::Relaxed) {
        let stream = match tokio::net::TcpStream::connect(address).await {
            Ok(s) => s,
            Err(e) => {
                {
                    let mut t = tally.lock().unwrap();
                    t.transport_count += 1;
                    if t.transport_errors.len() < 20 {
                        t.transport_errors.push(format!("connect: {e}"));
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok((mut sender, conn)) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
        else {
            continue;
        };
        tokio::spawn(conn);
        while !stop.load(Ordering::Relaxed) {
            let s = &shots[next];
            next = (next + 1) % shots.len();
            let mut request = hyper::Request::builder()
                .method(s.method)
                .uri(&s.path)
                .header("host", "soak");
            for (n, v) in &s.headers {
                request = request.header(*n, v);
            }
            let Ok(request) = request.body(Full::new(s.body.clone())) else {
                continue;
            };
            if sender.ready().await.is_err() {
                break; // closed by the server between requests: reconnect
            }
            let answer = sender.send_request(request).await;
            sent.fetch_add(1, Ordering::Relaxed);
            match answer {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response.into_body().collect().await.map(|b| b.to_bytes());
                    let mut t = tally.lock().unwrap();
                    *t.by_status.entry(status).or_default() += 1;
                    if status >= 500 && t.server_errors.len() < 20 {
                        let text = body
                            .map(|b| String::from_utf8_lossy(&b[..b.len().min(200)]).into_owned())
                            .unwrap_or_default();
                        t.server_errors.push(format!(
                            "{} {} {} -> {status}: {text}",
                            s.kind, s.method, s.path
                        ));
                    }
                }
                Err(e) => {
                    let mut t = tally.lock().unwrap();
                    t.transport_count += 1;
                    if t.transport_errors.len() < 20 {
                        t.transport_errors
                            .push(format!("{} {} {}: {e}", s.kind, s.method, s.path));
                    }
                    break;
                }
            }
        }
    }
}
