//! `stipula proxy` over real HTTP: a tiny upstream (correct, or faulty on purpose) on port 0,
//! the proxy in-process on port 0, reqwest through it. Asserts what a user sees: the answer
//! passed through, `x-stipula-violations`, the reports written at the end, recorded examples,
//! and the proxy's own 502 when the upstream is gone.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use stipula::mock::Mount;
use stipula::proxy::{ProxyConfig, ProxyServer};

use crate::support::*;

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties: {id: {type: integer}, name: {type: string}}
        "404": {description: no such pet}
"#;

/// What an upstream answers for a path: status and JSON body.
type Handler = fn(&str) -> (u16, &'static str);

/// A hyper server on 127.0.0.1 port 0 answering with `handler`, stopped when dropped.
struct Upstream {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn upstream(handler: Handler) -> Upstream {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let service = service_fn(move |req: Request<hyper::body::Incoming>| async move {
                            let (status, body) = handler(req.uri().path());
                            let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
                            *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                            r.headers_mut().insert("content-type", "application/json".parse().unwrap());
                            Ok::<_, Infallible>(r)
                        });
                        tokio::spawn(async move {
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                    _ = &mut rx => break,
                }
            }
        });
    });
    Upstream {
        url,
        stop: Some(tx),
        thread: Some(thread),
    }
}

fn correct(path: &str) -> (u16, &'static str) {
    match path {
        "/pets/1" => (200, r#"{"id":1,"name":"Rex"}"#),
        "/pets/abc" => (400, r#"{"error":"id must be a number"}"#),
        _ => (404, ""),
    }
}

/// Answers every pet with a string id, and accepts ids that are not numbers.
fn faulty(_: &str) -> (u16, &'static str) {
    (200, r#"{"id":"one","name":"Rex"}"#)
}

fn proxy(upstream: &str, config: impl FnOnce(&mut ProxyConfig)) -> ProxyServer {
    let mut c = ProxyConfig::new(upstream);
    config(&mut c);
    ProxyServer::start(vec![Mount::at_base_path(inline_ok(SPEC))], c, "127.0.0.1:0")
        .unwrap_or_else(|e| panic!("the proxy should start: {e}"))
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn violations(r: &reqwest::blocking::Response) -> String {
    r.headers()
        .get("x-stipula-violations")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[test]
fn a_correct_upstream_passes_through_unflagged() {
    let up = upstream(correct);
    let server = proxy(&up.url, |_| {});
    let r = client()
        .get(format!("{}/pets/1", server.url()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(violations(&r), "");
    assert_eq!(r.text().unwrap(), r#"{"id":1,"name":"Rex"}"#);
    // An invalid request is forwarded anyway, and flagged; the upstream's 400 is what the
    // client gets.
    let r = client()
        .get(format!("{}/pets/abc", server.url()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(violations(&r).contains("path id"), "{}", violations(&r));
    let report = server.finish().unwrap();
    assert_eq!(report.failures(), 0, "{:#?}", report.findings);
    assert_eq!(report.cases(), 2);
}

#[test]
fn a_faulty_upstream_is_flagged_and_reported() {
    let up = upstream(faulty);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("proxy.json");
    let junit = dir.path().join("proxy.xml");
    let server = proxy(&up.url, |c| {
        c.json = Some(json.clone());
        c.junit = Some(junit.clone());
    });
    for _ in 0..3 {
        let r = client()
            .get(format!("{}/pets/1", server.url()))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        let v = violations(&r);
        assert!(v.contains("response body-schema /id"), "{v}");
    }
    let r = client()
        .get(format!("{}/pets/abc", server.url()))
        .send()
        .unwrap();
    let v = violations(&r);
    assert!(
        v.contains("path id") && v.contains("invalid-request-rejected"),
        "{v}"
    );

    let report = server.finish().unwrap();
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let findings = written["findings"].as_array().unwrap();
    let schema = findings
        .iter()
        .find(|f| f["check"] == "body-schema")
        .expect("a body-schema finding");
    assert_eq!(schema["occurrences"], 4, "{schema:#}");
    assert_eq!(schema["phase"], "observed");
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "invalid-request-rejected" && f["severity"] == "failure"),
        "{findings:#?}"
    );
    assert_eq!(report.failures(), 2);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("body-schema") && xml.contains("<failure"),
        "{xml}"
    );
}

#[test]
fn an_unreachable_upstream_is_a_502_saying_so() {
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let server = proxy(&gone, |_| {});
    let r = client()
        .get(format!("{}/pets/abc", server.url()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // The client's own mistake is still named, next to the 502.
    assert!(violations(&r).contains("path id"), "{}", violations(&r));
    let problem: Value = serde_json::from_str(&r.text().unwrap()).unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{problem:#}"
    );
}

#[test]
fn exchanges_are_recorded_per_operation_and_status_up_to_a_bound() {
    let up = upstream(correct);
    let dir = tempfile::tempdir().unwrap();
    let server = proxy(&up.url, |c| {
        c.record = Some(dir.path().to_path_buf());
        c.record_limit = 2;
    });
    for _ in 0..3 {
        client()
            .get(format!("{}/pets/1", server.url()))
            .header("authorization", "Bearer secret")
            .send()
            .unwrap();
    }
    client()
        .get(format!("{}/pets/7", server.url()))
        .send()
        .unwrap();
    drop(server);
    let ok: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("getPet-200.json")).unwrap())
            .unwrap();
    let ok = ok.as_array().unwrap();
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0]["response"]["body"]["name"], "Rex");
    assert_eq!(ok[0]["request"]["headers"]["authorization"], "<redacted>");
    assert!(dir.path().join("getPet-404.json").exists());
}

#[test]
fn bodies_over_the_limit_are_refused_both_ways() {
    let up = upstream(correct);
    let server = proxy(&up.url, |c| c.limits.max_body_bytes = 10);
    let r = client()
        .get(format!("{}/pets/1", server.url()))
        .body("x".repeat(100))
        .send()
        .unwrap();
    assert_eq!(r.status(), 413);
    // The upstream's 21-byte body is over the limit too.
    let r = client()
        .get(format!("{}/pets/1", server.url()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 502);
}

/// Starts `stipula ARGS`, waits for the line starting with `ready`, returns the child and
/// the URL at the end of that line's `http://...`.
fn spawn(args: &[&str], ready: &str) -> (std::process::Child, String, Vec<String>) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    loop {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no `{ready}` line; printed {printed:?}");
        };
        printed.push(line.clone());
        if line.starts_with(ready) {
            let url = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .unwrap()
                .trim_end_matches(',')
                .to_string();
            std::thread::spawn(move || while rx.recv().is_ok() {});
            return (child, url, printed);
        }
    }
}

fn sigterm(child: &mut std::process::Child) -> std::process::ExitStatus {
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("did not exit on SIGTERM");
}

#[test]
fn the_binary_writes_its_report_on_sigterm_and_exits_1_on_failures() {
    let up = upstream(faulty);
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("pets.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let json = dir.path().join("report.json");
    let (mut child, url, _) = spawn(
        &[
            "proxy",
            spec.to_str().unwrap(),
            "--upstream",
            &up.url,
            "--port",
            "0",
            "--json",
            json.to_str().unwrap(),
        ],
        "stipula proxy listening on",
    );
    let r = client().get(format!("{url}/pets/1")).send().unwrap();
    assert!(violations(&r).contains("body-schema"));
    let status = sigterm(&mut child);
    assert_eq!(status.code(), Some(1));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(written["findings"][0]["check"], "body-schema");
}

#[test]
fn the_mock_binary_takes_chaos_flags_and_names_undocumented_fault_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("pets.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let (mut child, url, printed) = spawn(
        &[
            "mock",
            spec.to_str().unwrap(),
            "--port",
            "0",
            "--seed",
            "3",
            "--delay",
            "uniform:60ms..80ms",
            "--fault-rate",
            "1",
            "--fault-status",
            "503",
        ],
        "stipula mock listening on",
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains("fault status 503 is not documented") && l.contains("getPet")),
        "{printed:?}"
    );
    let started = std::time::Instant::now();
    let r = client().get(format!("{url}/pets/1")).send().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(60));
    // 503 is not documented by getPet: it answers as usual.
    assert_eq!(r.status(), 200);
    assert_eq!(sigterm(&mut child).code(), Some(0));

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args(["mock", spec.to_str().unwrap(), "--delay", "soon"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--delay soon"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn reports_hide_the_clients_credentials() {
    let up = upstream(faulty);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("proxy.json");
    let server = proxy(&up.url, |c| c.json = Some(json.clone()));
    let r = client()
        .get(format!("{}/pets/1", server.url()))
        .header("authorization", "Bearer s3cret-proxy-token")
        .header("cookie", "session=c00kie-value")
        .send()
        .unwrap();
    assert!(violations(&r).contains("body-schema"));
    server.finish().unwrap();
    let written = std::fs::read_to_string(&json).unwrap();
    assert!(written.contains("body-schema"), "{written}");
    assert!(
        !written.contains("s3cret-proxy-token") && !written.contains("c00kie-value"),
        "{written}"
    );
}
