//! Section 11: latency and faults (`--delay`, `--fault`, `Prefer: delay=`/`fault=`, per-operation
//! plans) over real HTTP. Delays are asserted as lower bounds only; faults as what a client sees:
//! an error instead of a response (reset), a body shorter than its `Content-Length` (truncate),
//! and only error statuses the operation documents. A seeded run replays its faults.

use std::sync::Arc;

use stipula::mock::chaos::{Chaos, Delay, FaultRate, Plan};

use super::*;

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Chaos, version: "1"}
paths:
  /flaky:
    get:
      operationId: getFlaky
      responses:
        "200": {description: ok, content: {application/json: {example: {ok: true, padding: "0123456789"}}}}
        "503": {description: down, content: {application/json: {example: {down: true}}}}
  /steady:
    get:
      operationId: getSteady
      responses:
        "200": {description: ok, content: {application/json: {example: {ok: true}}}}
  /slow:
    get:
      operationId: getSlow
      x-stipula-delay: 150ms
      responses:
        "200": {description: ok, content: {application/json: {example: {ok: true}}}}
"#;

fn chaos_server(chaos: Chaos) -> MockServer {
    let spec = inline_ok(SPEC);
    serve_with(
        vec![Mount::at_base_path(spec)],
        MockConfig {
            chaos: Some(Arc::new(chaos)),
            ..MockConfig::default()
        },
    )
}

fn plan(delay: Option<&str>, faults: &[&str]) -> Plan {
    Plan {
        delay: delay.map(|d| Delay::parse(d).unwrap()),
        faults: faults
            .iter()
            .map(|f| FaultRate::parse(f).unwrap())
            .collect(),
    }
}

fn get(
    server: &MockServer,
    path: &str,
    prefer: Option<&str>,
) -> reqwest::Result<reqwest::blocking::Response> {
    let mut r = client().get(format!("{}{path}", server.url()));
    if let Some(p) = prefer {
        r = r.header("prefer", p);
    }
    r.send()
}

#[test]
fn delays_are_lower_bounds_global_per_operation_and_preferred() {
    let server = chaos_server(Chaos::new(0, plan(Some("uniform:100ms..120ms"), &[])));
    let started = Instant::now();
    assert_eq!(get(&server, "/steady", None).unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(100));

    // No chaos configured: an operation's own x-stipula-delay needs the wrapper, but Prefer
    // works on any mock.
    let plain = serve(vec![inline_ok(SPEC)]);
    let started = Instant::now();
    assert_eq!(
        get(&plain, "/steady", Some("delay=120")).unwrap().status(),
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(120));

    let ext = chaos_server(Chaos::new(0, Plan::default()));
    let started = Instant::now();
    assert_eq!(get(&ext, "/slow", None).unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[test]
fn a_reset_is_a_connection_error() {
    let server = chaos_server(Chaos::new(0, plan(None, &["reset:1"])));
    let err = get(&server, "/steady", None).expect_err("a reset gives no response");
    assert!(!err.is_status(), "{err}");
    // The mock itself keeps serving.
    let plain = serve(vec![inline_ok(SPEC)]);
    assert!(get(&plain, "/steady", Some("fault=reset")).is_err());
    assert_eq!(get(&plain, "/steady", None).unwrap().status(), 200);
}

#[test]
fn a_truncated_body_is_shorter_than_its_content_length() {
    let server = chaos_server(Chaos::new(0, plan(None, &["truncate:1"])));
    let response = get(&server, "/flaky", None).unwrap();
    assert_eq!(response.status(), 200);
    let declared: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(declared, r#"{"ok":true,"padding":"0123456789"}"#.len());
    assert!(response.bytes().is_err(), "the body must end early");

    let plain = serve(vec![inline_ok(SPEC)]);
    let response = get(&plain, "/flaky", Some("fault=truncate")).unwrap();
    assert!(response.bytes().is_err());
}

fn statuses(seed: u64, path: &str, n: usize) -> Vec<u16> {
    let server = chaos_server(Chaos::new(seed, plan(None, &["503:0.5"])));
    (0..n)
        .map(|_| get(&server, path, None).unwrap().status().as_u16())
        .collect()
}

#[test]
fn a_seeded_run_replays_its_faults() {
    let first = statuses(7, "/flaky", 40);
    assert_eq!(first, statuses(7, "/flaky", 40));
    assert!(first.contains(&200) && first.contains(&503), "{first:?}");
    assert_ne!(first, statuses(8, "/flaky", 40));
}

#[test]
fn only_documented_error_statuses_are_answered() {
    let server = chaos_server(Chaos::new(0, plan(None, &["503:1"])));
    let response = get(&server, "/flaky", None).unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = serde_json::from_str(&response.text().unwrap()).unwrap();
    assert_eq!(body, json!({"down": true}));
    for _ in 0..5 {
        assert_eq!(get(&server, "/steady", None).unwrap().status(), 200);
    }
    let spec = inline_ok(SPEC);
    let notes = Chaos::new(0, plan(None, &["503:1"]))
        .startup_notes(&[&spec])
        .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("503") && n.contains("getSteady") && !n.contains("getFlaky")),
        "{notes:?}"
    );
}

#[test]
fn mock_config_plans_override_the_global_one() {
    let chaos = Chaos::new(0, plan(None, &["503:1"]))
        .with_config_text("operations:\n  getFlaky:\n    faults: [\"reset:0\"]\n  getNothing: {}\n")
        .unwrap();
    let spec = inline_ok(SPEC);
    let notes = chaos.startup_notes(&[&spec]).unwrap();
    assert!(notes.iter().any(|n| n.contains("getNothing")), "{notes:?}");
    let server = chaos_server(chaos);
    assert_eq!(get(&server, "/flaky", None).unwrap().status(), 200);
}
