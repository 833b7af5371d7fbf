//! `cargo xtask realworld`: `stipula test` against real servers with their own published
//! specs, the check that the runner's findings can be trusted (issue 10).
//!
//! It creates a Python venv in a temporary folder (or reuses `--venv DIR`), pip-installs Kinto,
//! Jupyter Server and httpbin (+ flasgger, which serves httpbin's spec) from PyPI, starts each
//! on a free 127.0.0.1 port, fetches or locates its spec, runs `stipula test` against it
//! (bounded by `--max-duration`), prints the failures per check and per finding, and stops the
//! servers (also on error: each child is killed when its guard drops). The human output and
//! the `--json` report of each run are kept in `--out DIR` (default `target/realworld/`) for
//! the triage in docs/realworld.md.
//!
//! The stipula binary is the debug build (`cargo build --bin stipula`) unless `--stipula PATH`
//! says otherwise: the task measures findings, not speed.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// One server under test.
struct Target {
    name: &'static str,
    /// The stipula arguments besides the spec and the URL.
    headers: Vec<String>,
}

struct Options {
    venv: Option<PathBuf>,
    stipula: Option<PathBuf>,
    out: PathBuf,
    seed: u64,
    max_duration: u64,
    only: Vec<String>,
    extra: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        venv: None,
        stipula: None,
        out: PathBuf::from("target/realworld"),
        seed: 1,
        max_duration: 150,
        only: Vec::new(),
        extra: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--venv" => o.venv = Some(PathBuf::from(value()?)),
            "--stipula" => o.stipula = Some(PathBuf::from(value()?)),
            "--out" => o.out = PathBuf::from(value()?),
            "--seed" => o.seed = value()?.parse().map_err(|_| "--seed: a number")?,
            "--max-duration" => {
                o.max_duration = value()?.parse().map_err(|_| "--max-duration: seconds")?
            }
            "--only" => o.only.push(value()?),
            "--" => {
                o.extra = it.by_ref().cloned().collect();
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// A child process killed (and reaped) when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(args: &[String]) -> ExitCode {
    match run_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("realworld: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_inner(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root")?
        .to_path_buf();
    let stipula = match &o.stipula {
        Some(p) => p.clone(),
        None => {
            let status = Command::new(env!("CARGO"))
                .args(["build", "--bin", "stipula"])
                .current_dir(&root)
                .status()
                .map_err(|e| format!("cargo build: {e}"))?;
            if !status.success() {
                return Err("cargo build --bin stipula failed".into());
            }
            root.join("target/debug/stipula")
        }
    };
    let out = root.join(&o.out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let temp = std::env::temp_dir().join(format!("stipula-realworld-{}", std::process::id()));
    std::fs::create_dir_all(&temp).map_err(|e| format!("{}: {e}", temp.display()))?;
    let venv = match &o.venv {
        Some(v) => v.clone(),
        None => temp.join("venv"),
    };
    let python = venv.join("bin/python");
    if !python.exists() {
        step(
            "creating the venv",
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
        )?;
    }
    if !venv.join("bin/kinto").exists() || !venv.join("bin/jupyter-server").exists() {
        step(
            "pip install kinto jupyter_server httpbin flasgger",
            Command::new(venv.join("bin/pip")).args([
                "install",
                "--quiet",
                "kinto",
                "jupyter_server",
                "httpbin",
                "flasgger",
            ]),
        )?;
    }
    let wanted = |name: &str| o.only.is_empty() || o.only.iter().any(|n| n == name);
    let mut summary = Vec::new();
    for target in targets() {
        if !wanted(target.name) {
            continue;
        }
        let port = free_port()?;
        let work = temp.join(target.name);
        std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
        let (guard, url, spec) = match start(target.name, &venv, &work, port) {
            Ok(started) => started,
            Err(e) => {
                println!("\n== {}: {e}", target.name);
                summary.push(format!("{:<10} did not start: {e}", target.name));
                continue;
            }
        };
        println!("\n== {} ({url})", target.name);
        let json = out.join(format!("{}.json", target.name));
        let text = out.join(format!("{}.txt", target.name));
        let mut cmd = Command::new(&stipula);
        cmd.arg("test")
            .arg(&spec)
            .arg("--url")
            .arg(&url)
            .arg("--seed")
            .arg(o.seed.to_string())
            .arg("--max-duration")
            .arg(o.max_duration.to_string())
            .arg("--timeout")
            .arg("5")
            .arg("--json")
            .arg(&json);
        for h in &target.headers {
            cmd.arg("-H").arg(h);
        }
        cmd.args(&o.extra);
        let started = Instant::now();
        let output = cmd
            .output()
            .map_err(|e| format!("{}: {e}", stipula.display()))?;
        drop(guard);
        let mut all = output.stdout.clone();
        all.extend_from_slice(&output.stderr);
        std::fs::write(&text, &all).map_err(|e| e.to_string())?;
        let code = output.status.code();
        let line = match read_failures(&json) {
            Ok((failures, warnings, by_check, lines)) => {
                println!(
                    "exit {code:?} in {:.0} s: {failures} failures, {warnings} warnings",
                    started.elapsed().as_secs_f64()
                );
                for (check, n) in &by_check {
                    println!("  {check:<26} {n}");
                }
                for l in &lines {
                    println!("    {l}");
                }
                format!(
                    "{:<10} {failures:>3} failures {warnings:>4} warnings",
                    target.name
                )
            }
            Err(e) => {
                println!(
                    "exit {code:?}: no report ({e}); output in {}",
                    text.display()
                );
                format!("{:<10} no report ({e})", target.name)
            }
        };
        summary.push(line);
    }
    println!("\n== summary (outputs in {})", out.display());
    for l in summary {
        println!("{l}");
    }
    let _ = std::fs::remove_dir_all(&temp);
    Ok(())
}

fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "kinto",
            // The account created at start (stipula:secret).
            headers: vec!["Authorization: Basic c3RpcHVsYTpzZWNyZXQ=".into()],
        },
        Target {
            name: "jupyter",
            headers: vec!["Authorization: token stipula-token".into()],
        },
        Target {
            name: "httpbin",
            headers: Vec::new(),
        },
    ]
}

fn step(what: &str, cmd: &mut Command) -> Result<(), String> {
    println!("realworld: {what}");
    let status = cmd.status().map_err(|e| format!("{what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: {status}"))
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Starts one server; returns its guard, the base URL for `--url`, and the spec file.
fn start(
    name: &str,
    venv: &Path,
    work: &Path,
    port: u16,
) -> Result<(Guard, String, PathBuf), String> {
    let log = std::fs::File::create(work.join("server.log")).map_err(|e| e.to_string())?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    let bin = |b: &str| venv.join("bin").join(b);
    let (mut cmd, root, spec_url) = match name {
        "kinto" => {
            let ini = work.join("kinto.ini");
            let mut init = Command::new(bin("kinto"));
            init.arg("init")
                .arg("--ini")
                .arg(&ini)
                .args(["--backend", "memory", "--cache-backend", "memory"])
                .stdin(Stdio::null())
                .stdout(Stdio::null());
            step("kinto init", &mut init)?;
            let mut c = Command::new(bin("kinto"));
            c.arg("start")
                .arg("--ini")
                .arg(&ini)
                .arg("--port")
                .arg(port.to_string());
            let root = format!("http://127.0.0.1:{port}/v1");
            let spec = format!("{root}/__api__");
            (c, root, Some(spec))
        }
        "jupyter" => {
            let notebooks = work.join("notebooks");
            std::fs::create_dir_all(&notebooks).map_err(|e| e.to_string())?;
            let mut c = Command::new(bin("jupyter"));
            c.arg("server")
                .arg("--allow-root")
                .arg(format!("--port={port}"))
                .arg("--ip=127.0.0.1")
                .arg("--IdentityProvider.token=stipula-token")
                .arg("--ServerApp.open_browser=False")
                .arg(format!("--ServerApp.root_dir={}", notebooks.display()))
                .env("JUPYTER_CONFIG_DIR", work.join("config"))
                .env("JUPYTER_DATA_DIR", work.join("data"))
                .env("JUPYTER_RUNTIME_DIR", work.join("runtime"));
            (c, format!("http://127.0.0.1:{port}"), None)
        }
        "httpbin" => {
            let mut c = Command::new(bin("python"));
            c.arg("-c").arg(format!(
                "from httpbin import app; app.run(host='127.0.0.1', port={port})"
            ));
            let root = format!("http://127.0.0.1:{port}");
            let spec = format!("{root}/spec.json");
            (c, root, Some(spec))
        }
        other => return Err(format!("no server named {other}")),
    };
    let child = cmd
        .stdout(log)
        .stderr(err)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting {name}: {e}"))?;
    let guard = Guard(child);
    let ready = spec_url
        .clone()
        .unwrap_or_else(|| format!("{root}/api/status"));
    wait_ready(&ready, Duration::from_secs(60)).map_err(|e| {
        format!(
            "{name} did not start ({e}); see {}",
            work.join("server.log").display()
        )
    })?;
    if name == "kinto" {
        // The default configuration authenticates accounts only: create the one the run uses
        // (stipula:secret). A test request may delete it later; the run says so once.
        exchange(
            "PUT",
            &format!("{root}/accounts/stipula"),
            Some(r#"{"data": {"password": "secret"}}"#),
            201,
        )
        .map_err(|e| format!("creating the Kinto account: {e}"))?;
    }
    let spec = match spec_url {
        Some(url) => {
            let text = get(&url)?;
            let path = work.join(format!("{name}-spec.json"));
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
            path
        }
        None => {
            let found = Command::new(bin("python"))
                .arg("-c")
                .arg("import jupyter_server, os; print(os.path.join(os.path.dirname(jupyter_server.__file__), 'services', 'api', 'api.yaml'))")
                .output()
                .map_err(|e| e.to_string())?;
            PathBuf::from(String::from_utf8_lossy(&found.stdout).trim())
        }
    };
    Ok((guard, root, spec))
}

/// A GET's body (200 only) over a raw HTTP/1.0 connection (no client library needed).
fn get(url: &str) -> Result<String, String> {
    exchange("GET", url, None, 200)
}

/// One request with an optional JSON body; the answer's body when its status is `expect`
/// (any status: 0).
fn exchange(method: &str, url: &str, json: Option<&str>, expect: u16) -> Result<String, String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").ok_or("http only")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut s = std::net::TcpStream::connect(host).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    let body = json.unwrap_or("");
    let typed = if json.is_some() {
        "Content-Type: application/json\r\n"
    } else {
        ""
    };
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\n{typed}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut all = Vec::new();
    s.read_to_end(&mut all).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&all).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP answer")?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if expect != 0 && status != expect.to_string() {
        return Err(head.lines().next().unwrap_or("").to_string());
    }
    Ok(body.to_string())
}

fn wait_ready(url: &str, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < limit {
        match exchange("GET", url, None, 0) {
            Ok(_) => return Ok(()),
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    Err(last)
}

type Tally = (usize, usize, Vec<(String, usize)>, Vec<String>);

/// Failures and warnings of a `--json` report, failures by check, and one line per failure.
fn read_failures(json: &Path) -> Result<Tally, String> {
    let text = std::fs::read_to_string(json).map_err(|e| e.to_string())?;
    let report: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let mut by_check: Vec<(String, usize)> = Vec::new();
    let mut lines = Vec::new();
    let (mut failures, mut warnings) = (0, 0);
    for f in &findings {
        if f["severity"] == "failure" {
            failures += 1;
            let check = f["check"].as_str().unwrap_or("?").to_string();
            match by_check.iter_mut().find(|(c, _)| *c == check) {
                Some((_, n)) => *n += 1,
                None => by_check.push((check.clone(), 1)),
            }
            lines.push(format!(
                "{check} {} {}: {} ({} {})",
                f["method"].as_str().unwrap_or(""),
                f["path"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or(""),
                f["request"]["method"].as_str().unwrap_or(""),
                short(f["request"]["url"].as_str().unwrap_or("")),
            ));
        } else {
            warnings += 1;
        }
    }
    by_check.sort();
    lines.sort();
    Ok((failures, warnings, by_check, lines))
}

/// At most 120 characters (generated URLs can hold 4096-character names).
fn short(text: &str) -> String {
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text.to_string()
    }
}
