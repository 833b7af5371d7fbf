//! `cargo xtask newcomer`: the README's path, run the way a newcomer runs it, so that CI notices
//! when the README stops working. It installs stipula with `cargo install --locked --path .`
//! into a temporary folder (`--debug` and this checkout's target folder, so that after `cargo
//! test` it reuses the build instead of compiling for minutes: the path is the README's, the
//! profile is not), then, with that installed binary: starts the mock on a free port (once with
//! `--token`, once without, which must say it accepts any credential and fail `test` on
//! `auth-enforced`), sends it the README's
//! request with a tiny HTTP client, runs `test`, `lint` and `diff` on the bundled specs, and
//! checks every exit code, then stops the mock with SIGTERM (exit 0).
//!
//! Each step prints one line; the first that fails ends the run with exit 1 (2 when the install
//! itself fails).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const REQUEST_PATH: &str = "/consent-management/userconsent/status?employeeId=EMP-9876";

pub fn run(args: &[String]) -> ExitCode {
    if !args.is_empty() {
        eprintln!("usage: cargo xtask newcomer");
        return ExitCode::from(2);
    }
    let started = Instant::now();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the repository")
        .to_path_buf();
    let root = std::env::temp_dir().join(format!("stipula-newcomer-{}", std::process::id()));
    let _cleanup = Cleanup(root.clone());
    println!(
        "== cargo install --locked --path . --root {}",
        root.display()
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        // --offline: `cargo test` has fetched every crate already.
        .args(["install", "--locked", "--offline", "--debug", "--path"])
        .arg(&repo)
        .arg("--root")
        .arg(&root)
        .arg("--target-dir")
        .arg(repo.join("target"))
        .status();
    let bin = root.join("bin").join("stipula");
    match status {
        Ok(s) if s.success() && bin.is_file() => {}
        other => {
            eprintln!("newcomer: cargo install failed: {other:?}");
            return ExitCode::from(2);
        }
    }
    let install_time = started.elapsed();
    let steps_started = Instant::now();
    match steps(&bin, &repo, &root) {
        Ok(()) => {
            println!(
                "newcomer: every step passed (install {:.1} s, the steps {:.1} s)",
                install_time.as_secs_f64(),
                steps_started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("newcomer: FAILED: {e}");
            ExitCode::from(1)
        }
    }
}

/// Removes the install folder, also when a step fails.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn steps(bin: &Path, repo: &Path, root: &Path) -> Result<(), String> {
    // The README's mock, on a free port instead of 4010.
    let mut mock = Mock::start(bin, repo, &["--port", "0", "--token", "secret"])?;
    if mock
        .printed
        .iter()
        .any(|l| l.contains("any well-formed credential"))
    {
        return Err("the mock started with --token says it accepts any credential".into());
    }
    step("curl with the README's bearer token answers 200", || {
        expect_status(&mock.addr, Some("Bearer secret"), 200)
    })?;
    step("curl without a credential answers 401", || {
        expect_status(&mock.addr, None, 401)
    })?;
    let url = format!("http://{}", mock.addr);
    step("stipula test against the mock exits 0", || {
        expect_exit(
            bin,
            repo,
            &[
                "test",
                "specs/fusionauth-consent.yaml",
                "--url",
                &url,
                "-H",
                "Authorization: secret",
                "--cases",
                "20",
            ],
            0,
        )
    })?;
    step("SIGTERM stops the mock with exit 0", || mock.stop())?;

    let open = Mock::start(bin, repo, &["--port", "0"])?;
    step(
        "a mock without --token says it accepts any credential",
        || {
            if open
                .printed
                .iter()
                .any(|l| l.contains("any well-formed credential"))
            {
                expect_status(&open.addr, Some("Bearer anything"), 200)
            } else {
                Err(format!("no notice in:\n{}", open.printed.join("\n")))
            }
        },
    )?;
    let open_url = format!("http://{}", open.addr);
    step(
        "stipula test against it exits 1 with auth-enforced failures",
        || {
            let args = [
                "test",
                "specs/fusionauth-consent.yaml",
                "--url",
                &open_url,
                "-H",
                "Authorization: secret",
                "--cases",
                "5",
            ];
            let (code, stdout, stderr) = output(bin, repo, &args)?;
            if code == Some(1)
                && (stdout.contains("auth-enforced") || stderr.contains("auth-enforced"))
            {
                Ok(())
            } else {
                Err(format!("exit {code:?}, stderr:\n{stderr}"))
            }
        },
    )?;
    drop(open);

    step("stipula lint (the bundled specs) exits 0", || {
        expect_exit(bin, repo, &["lint"], 0)
    })?;
    step(
        "stipula lint outside the clone falls back to the bundled specs",
        || expect_exit(bin, root, &["lint"], 0),
    )?;
    let consent = "specs/lytx-consent-management.json";
    step("stipula diff of a spec against itself exits 0", || {
        expect_exit(bin, repo, &["diff", consent, consent], 0)
    })?;
    step(
        "stipula diff to a spec without those operations exits 1",
        || expect_exit(bin, repo, &["diff", consent, "specs/lytx-users.json"], 1),
    )?;
    step("a misspelt flag exits 2 and suggests the right one", || {
        let out = output(bin, repo, &["test", consent, "--ulr", &url])?;
        if out.0 == Some(2) && out.2.contains("'--url'") {
            Ok(())
        } else {
            Err(format!("exit {:?}, stderr:\n{}", out.0, out.2))
        }
    })?;
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let t = Instant::now();
    f().map_err(|e| format!("{name}: {e}"))?;
    println!("ok   {name} ({:.1} s)", t.elapsed().as_secs_f64());
    Ok(())
}

/// Exit code, stdout, stderr.
fn output(bin: &Path, dir: &Path, args: &[&str]) -> Result<(Option<i32>, String, String), String> {
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    Ok((
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn expect_exit(bin: &Path, dir: &Path, args: &[&str], code: i32) -> Result<(), String> {
    let (got, stdout, stderr) = output(bin, dir, args)?;
    if got == Some(code) {
        Ok(())
    } else {
        let tail = |s: &str| s.lines().rev().take(15).collect::<Vec<_>>().join("\n");
        Err(format!(
            "stipula {} exited {got:?}, expected {code}\nstdout (last lines, reversed):\n{}\nstderr (last lines, reversed):\n{}",
            args.join(" "),
            tail(&stdout),
            tail(&stderr)
        ))
    }
}

/// One GET of the README's request, HTTP/1.1 by hand: the status code must be `want`.
fn expect_status(addr: &str, authorization: Option<&str>, want: u16) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {REQUEST_PATH} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok());
    if status == Some(want) {
        Ok(())
    } else {
        Err(format!(
            "expected {want}, got:\n{}",
            response.chars().take(600).collect::<String>()
        ))
    }
}

/// A running `stipula mock`, killed when dropped.
struct Mock {
    child: Option<Child>,
    addr: String,
    printed: Vec<String>,
}

impl Mock {
    fn start(bin: &Path, dir: &Path, args: &[&str]) -> Result<Mock, String> {
        let mut child = Command::new(bin)
            .arg("mock")
            .args(args)
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the mock: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut mock = Mock {
            child: Some(child),
            addr: String::new(),
            printed: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while mock.addr.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).map_err(|_| {
                format!(
                    "the mock did not say where it listens:\n{}",
                    mock.printed.join("\n")
                )
            })?;
            if let Some(rest) = line.strip_prefix("stipula mock listening on http://") {
                mock.addr = rest.split_whitespace().next().unwrap_or("").to_string();
            }
            mock.printed.push(line);
        }
        println!(
            "ok   stipula mock {} listens on {}",
            args.join(" "),
            mock.addr
        );
        Ok(mock)
    }

    /// SIGTERM, then the exit status within 10 s: it must be 0.
    fn stop(&mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else {
            return Err("the mock is not running".into());
        };
        let pid = child.id() as libc::pid_t;
        // SAFETY: kill(2) on our own child, not yet waited for, with a valid signal number.
        if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
            let _ = child.kill();
            let _ = child.wait();
            return Err("kill(SIGTERM) failed".into());
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("the mock exited with {status}")),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err("the mock did not exit within 10 s of SIGTERM".into());
                }
            }
        }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
