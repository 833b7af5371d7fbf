//! The runner's trust on real servers (issue 10): lenient but correct servers pass, faults are
//! still caught, and a misconfigured run (a base URL without its base path, a time budget, an
//! operation named `METHOD /path`) says so instead of reporting contract violations.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use stipula::runner::event::{Check, Phase, Report, Severity};
use stipula::runner::{self, Config, RunError};
use stipula::spec::Spec;

use crate::emulators::lenient::{IGNORES_CONTENT_TYPE, LENIENT};
use crate::emulators::{Api, Emulator};

fn config(api: Api, url: String, seed: u64) -> Config {
    let mut config = Config::new(url);
    config.headers = api.auth_headers();
    config.seed = seed;
    config.cases = 30;
    config
}

fn run(spec: &Spec, config: &Config) -> Report {
    runner::run(spec, config, &mut |_| {}).expect("the run happens")
}

fn failures(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Failure)
        .map(|f| {
            format!(
                "{} [{}] {}\n  {}",
                f.operation, f.check, f.message, f.request.curl
            )
        })
        .collect()
}

#[test]
fn lenient_but_correct_variants_pass_at_several_seeds() {
    for variant in LENIENT {
        let spec = Spec::load(variant.api.spec_path(), Default::default()).unwrap();
        let emulator = Emulator::start_lenient(variant);
        for seed in [1, 2, 3] {
            let report = run(&spec, &config(variant.api, emulator.url(), seed));
            assert!(
                report.failures() == 0,
                "{:?} {} ({}; seed {seed}): a lenient but correct server failed:\n{}",
                variant.api,
                variant.name,
                variant.what,
                failures(&report).join("\n")
            );
            assert!(report.cases() > 50, "only {} cases", report.cases());
        }
    }
}

#[test]
fn ignoring_the_content_type_is_a_warning_and_strict_fails_it() {
    let variant = LENIENT
        .iter()
        .find(|v| v.api == Api::LytxUsers && v.name == IGNORES_CONTENT_TYPE)
        .unwrap();
    let spec = Spec::load(variant.api.spec_path(), Default::default()).unwrap();
    let emulator = Emulator::start_lenient(variant);
    let mut config = config(variant.api, emulator.url(), 4);
    config.phases = vec![Phase::Fuzz];
    // Room for every negative, the undocumented media type last among them.
    config.cases = 300;
    let undocumented = |r: &Report, severity: Severity| {
        r.findings.iter().any(|f| {
            f.check == Check::InvalidRequestRejected
                && f.severity == severity
                && f.message.contains("media type is not documented")
        })
    };
    let lenient = run(&spec, &config);
    assert!(undocumented(&lenient, Severity::Warning));
    assert_eq!(lenient.failures(), 0, "{}", failures(&lenient).join("\n"));
    config.strict = true;
    let strict = run(&spec, &config);
    assert!(
        undocumented(&strict, Severity::Failure),
        "{}",
        failures(&strict).join("\n")
    );
}

#[test]
fn basic_auth_for_anyone_defaults_big_bounds_and_a_documented_501_pass() {
    let spec = Spec::load(Api::Notes.spec_path(), Default::default()).unwrap();
    let emulator = Emulator::start(Api::Notes);
    for seed in [1, 2, 3, 4] {
        let report = run(&spec, &config(Api::Notes, emulator.url(), seed));
        assert!(
            report.failures() == 0,
            "seed {seed}:\n{}",
            failures(&report).join("\n")
        );
        // The missing credential was still probed, and refused.
        let auth = report.tally["createNote"][&Check::AuthEnforced];
        assert!(auth.passed > 0, "{auth:?}");
        // 2^63 + 1 was sent exactly, and refused.
        let refused = report.tally["listNotes"]
            .get(&Check::InvalidRequestRejected)
            .copied()
            .unwrap_or_default();
        assert!(refused.passed > 0, "listNotes: {refused:?}");
        // The documented 501 is not a server error.
        let sessions = report.tally["createSession"][&Check::ServerError];
        assert!(sessions.passed > 0 && sessions.failed == 0, "{sessions:?}");
    }
}

#[test]
fn a_base_url_without_its_base_path_is_a_run_error_that_names_it() {
    let spec = Spec::load(Api::LytxConsent.spec_path(), Default::default()).unwrap();
    let emulator = Emulator::start(Api::LytxConsent);
    let url = emulator.url();
    let root = url
        .trim_end_matches(Api::LytxConsent.base_path())
        .to_string();
    let mut config = config(Api::LytxConsent, root, 1);
    config.phases = vec![Phase::Examples];
    let mut finished = false;
    let result = runner::run(&spec, &config, &mut |e| {
        finished |= matches!(e, runner::event::Event::Finished { .. });
    });
    match result {
        Err(RunError::NothingTested(why)) => assert!(why.contains("/consent-management"), "{why}"),
        other => panic!(
            "expected NothingTested, got {:?}",
            other.map(|r| r.failures())
        ),
    }
    assert!(finished, "the reports still get the Finished event");
}

#[test]
fn an_operation_named_by_method_and_path_is_selected_despite_its_operation_id() {
    let spec = Spec::load(Api::LytxUsers.spec_path(), Default::default()).unwrap();
    let op = spec
        .operations
        .iter()
        .find(|o| o.operation_id.is_some())
        .unwrap();
    let mut config = Config::new("http://127.0.0.1:1");
    config.operations = vec![format!("{} {}", op.method.as_str().to_lowercase(), op.path)];
    let picked = runner::select(&spec, &config);
    assert_eq!(picked.len(), 1);
    assert_eq!(spec.operations[picked[0]].path, op.path);
}

/// A server that answers every request after `delay` with `status`.
fn slow_server(delay: Duration, status: u16) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            seen.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                std::thread::sleep(delay);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            });
        }
    });
    (url, count)
}

const PING: &str = r#"
openapi: 3.0.3
info: {title: ping, version: "1"}
paths:
  /ping:
    get:
      parameters:
        - name: count
          in: query
          schema:
            type: integer
            minimum: 0
            maximum: 5
      responses:
        '204': {description: pong}
"#;

#[test]
fn a_timeout_is_a_response_time_warning_and_the_operation_stops_after_two() {
    let spec = crate::support::inline_ok(PING);
    let (url, count) = slow_server(Duration::from_millis(600), 204);
    let mut config = Config::new(url);
    config.timeout = Duration::from_millis(150);
    config.phases = vec![Phase::Boundary, Phase::Fuzz];
    config.cases = 20;
    config.workers = 1;
    // Nothing got an answer: the run cannot pass (exit 2), and its report still says why.
    let mut finished = None;
    let result = runner::run(&spec, &config, &mut |e| {
        if let runner::event::Event::Finished { report } = e {
            finished = Some(report.clone());
        }
    });
    assert!(
        matches!(result, Err(RunError::NothingTested(_))),
        "{:?}",
        result.map(|r| r.notices)
    );
    let report = finished.expect("the Finished event");
    assert_eq!(report.failures(), 0, "{}", failures(&report).join("\n"));
    let timeout = report
        .findings
        .iter()
        .find(|f| f.check == Check::ResponseTime)
        .expect("a response-time finding");
    assert_eq!(timeout.severity, Severity::Warning);
    assert!(
        timeout.message.contains("0.15 s timeout"),
        "{}",
        timeout.message
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.check == Check::ServerError)
    );
    // The reachability and no-route probes, then two timeouts; nothing after.
    assert!(
        count.load(Ordering::SeqCst) <= 4,
        "{} requests",
        count.load(Ordering::SeqCst)
    );
    assert!(
        report.notices.iter().any(|n| n.contains("timed out")),
        "{:?}",
        report.notices
    );
}

#[test]
fn a_run_out_of_time_still_reports_and_lists_what_it_did_not_test() {
    let spec = crate::support::inline_ok(PING);
    let (url, _) = slow_server(Duration::from_millis(0), 204);
    let mut config = Config::new(url);
    config.max_duration = Some(Duration::ZERO);
    let report = run(&spec, &config);
    assert_eq!(report.cases(), 0);
    assert!(
        report.notices.iter().any(|n| n.contains("--max-duration")),
        "{:?}",
        report.notices
    );
    assert!(
        report
            .notices
            .iter()
            .any(|n| n.contains("untested: 1 of 1")),
        "{:?}",
        report.notices
    );
}

#[test]
fn a_url_without_scheme_or_https_against_plain_http_is_exit_2_with_the_fix() {
    let spec = Api::LytxUsers.spec_path();
    let spec = spec.to_str().unwrap();
    let bare = crate::support::stipula(&["test", spec, "--url", "127.0.0.1:9/users"]);
    assert_eq!(bare.code, Some(2), "{}", bare.stderr);
    assert!(
        bare.stderr.contains("--url http://127.0.0.1:9/users"),
        "{}",
        bare.stderr
    );
    let emulator = Emulator::start(Api::LytxUsers);
    let https = emulator.url().replacen("http://", "https://", 1);
    let tls = crate::support::stipula(&["test", spec, "--url", &https]);
    assert_eq!(tls.code, Some(2), "{}", tls.stderr);
    assert!(
        tls.stderr.contains("plain HTTP") && tls.stderr.contains(&emulator.url()),
        "{}",
        tls.stderr
    );
}

#[test]
fn a_sigterm_ends_the_run_and_the_json_report_is_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join("ping.yaml");
    std::fs::write(&spec_path, PING).unwrap();
    let json = dir.path().join("report.json");
    // Every answer takes 300 ms: the run is still going when the signal comes.
    let (url, _) = slow_server(Duration::from_millis(300), 204);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args([
            "test",
            spec_path.to_str().unwrap(),
            "--url",
            &url,
            "--workers",
            "1",
        ])
        .arg("--json")
        .arg(&json)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        status.code().is_some(),
        "ended by the signal itself: {status:?}"
    );
    let text = std::fs::read_to_string(&json).unwrap();
    let report: Value = serde_json::from_str(&text).expect("a whole JSON report");
    let notices = report["notices"].to_string();
    assert!(notices.contains("stopped before its end"), "{notices}");
}

const SECURED: &str = r#"
openapi: 3.0.3
info: {title: secured, version: "1"}
security:
  - bearer: []
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /ping:
    get:
      responses:
        '204': {description: pong}
        '401': {description: no credential}
"#;

#[test]
fn a_credential_that_stops_working_is_one_notice() {
    let spec = crate::support::inline_ok(SECURED);
    // Accepted for the first connections (the TCP probe, the no-route probe, a few cases),
    // refused from then on: an account a test request deleted.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let status = if n < 6 { 204 } else { 401 };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    let mut config = Config::new(url);
    config.headers = vec![("Authorization".into(), "Bearer secret".into())];
    config.phases = vec![Phase::Fuzz];
    config.workers = 1;
    config.cases = 20;
    let report = run(&spec, &config);
    let said: Vec<&String> = report
        .notices
        .iter()
        .filter(|n| n.contains("stopped working mid-run"))
        .collect();
    assert_eq!(said.len(), 1, "{:?}", report.notices);
}

#[test]
fn a_run_that_tests_nothing_cannot_pass() {
    let spec = crate::support::inline_ok(
        r#"
openapi: 3.0.3
info: {title: impossible, version: "1"}
paths:
  /items/{id}:
    get:
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: integer
            minimum: 5
            maximum: 1
      responses:
        '200': {description: ok}
"#,
    );
    let (url, _) = slow_server(Duration::from_millis(0), 200);
    let result = runner::run(&spec, &Config::new(url), &mut |_| {});
    match result {
        Err(RunError::NothingTested(why)) => assert!(why.contains("nothing was tested"), "{why}"),
        other => panic!("expected NothingTested, got {:?}", other.map(|r| r.notices)),
    }
}
