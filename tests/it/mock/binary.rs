//! Section 9: The `stipula mock` binary: serving until SIGTERM, mounts, `--seed` and `--token`, and
//! exit 2 for broken specs, clashes and bad mounts.

use super::*;

/// A `stipula mock` process, killed when dropped.
struct Running {
    child: Child,
    url: String,
    /// What it printed on stdout up to the line that gives the URL.
    printed: Vec<String>,
    /// Later stdout lines (kept open so that the process never writes to a closed pipe).
    stdout: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `stipula mock ARGS` in the repository and waits for "stipula mock listening on URL".
fn spawn_mock(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stipula"))
        .arg("mock")
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the stipula binary runs");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut running = Running {
        child,
        url: String::new(),
        printed: Vec::new(),
        stdout: rx,
        stderr: Some(stderr),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while running.url.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        match running.stdout.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("stipula mock listening on ") {
                    running.url = rest.split_whitespace().next().unwrap().to_string();
                }
                running.printed.push(line);
            }
            Err(_) => panic!(
                "stipula mock {args:?} did not say where it listens:\n{}",
                running.printed.join("\n")
            ),
        }
    }
    running
}

impl Running {
    /// SIGTERM, then the exit status (within a few seconds) and everything logged on stderr.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let sent = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "stipula mock did not exit on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let log = self.stderr.take().unwrap().join().unwrap();
        (status, log)
    }
}

/// Runs `stipula mock ARGS` that must fail to start: its exit code and stderr.
fn mock_refused(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stipula"))
        .arg("mock")
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stipula mock {args:?} kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code(), stderr)
}

#[cfg(unix)]
#[test]
fn the_binary_serves_until_sigterm_then_exits_cleanly() {
    let running = spawn_mock(&["--port", "0", "specs/lytx-consent-management.json"]);
    assert!(
        running.url.starts_with("http://127.0.0.1:"),
        "{}",
        running.url
    );
    let printed = running.printed.join("\n");
    assert!(
        printed.contains("lytx-consent-management.json")
            && printed.contains(&format!("{}/consent-management", running.url)),
        "{printed}"
    );
    let client = client();
    let reply = Call::get("/consent-management/userconsent/status")
        .bearer("t")
        .expect(&client, &running.url, 200);
    let spec = bundled_spec("lytx-consent-management.json");
    let status = op(&spec, "Consent_GetUserConsentStatus");
    assert_conforms(
        &spec,
        status,
        &status.responses[0],
        &reply,
        first_example(&status.responses[0].content[0]),
    );
    let (exit, log) = running.terminate();
    assert!(
        exit.success(),
        "graceful shutdown exits 0, got {exit}\n{log}"
    );
    assert!(
        log.contains("Consent_GetUserConsentStatus") && log.contains("200"),
        "one log line per request:\n{log}"
    );
    assert!(!log.contains('\u{1b}'), "no colours off a terminal:\n{log}");
}

#[cfg(unix)]
#[test]
fn the_binary_mounts_with_seed_and_token() {
    let running = spawn_mock(&[
        "--port",
        "0",
        "--seed",
        "7",
        "--token",
        "s3cret",
        "--mount",
        "specs/lytx-consent-management.json=/other",
        "specs/lytx-consent-management.json",
        "tests/fixtures/mock/generated.yaml",
    ]);
    let client = client();
    let status = || Call::get("/other/userconsent/status");
    status().bearer("s3cret").expect(&client, &running.url, 200);
    status().bearer("t").expect(&client, &running.url, 401);
    Call::get("/consent-management/userconsent/status")
        .bearer("s3cret")
        .expect(&client, &running.url, 404);
    // `--seed 7` generates what `MockConfig { seed: 7 }` does.
    let generated = Call::get("/v1/report").expect(&client, &running.url, 200);
    let library = serve_with(
        vec![Mount::at_base_path(mock_spec("generated.yaml"))],
        MockConfig {
            seed: 7,
            ..MockConfig::default()
        },
    );
    let expected = Call::get("/v1/report").expect(&client, &library.url(), 200);
    assert_eq!(generated.text(), expected.text());
    let (exit, _) = running.terminate();
    assert!(exit.success(), "{exit}");
}

#[test]
fn the_binary_refuses_broken_specs_clashes_and_bad_mounts_with_exit_2() {
    let (code, stderr) = mock_refused(&["--port", "0", "tests/fixtures/broken/invalid.yaml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("invalid.yaml"), "{stderr}");

    let (code, stderr) = mock_refused(&[
        "--port",
        "0",
        "tests/fixtures/mock/clash-a.yaml",
        "tests/fixtures/mock/clash-b.yaml",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("clash-a.yaml") && stderr.contains("clash-b.yaml"),
        "{stderr}"
    );

    let (code, stderr) = mock_refused(&[
        "--port",
        "0",
        "--mount",
        "specs/lytx-users.json=/x",
        "specs/lytx-consent-management.json",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("lytx-users.json"), "{stderr}");
}
