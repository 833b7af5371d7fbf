//! `stipula test`: the runner against the mock, against small hand-written servers with one
//! behaviour each, and its planning (boundary cases, shards, replay).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use stipula::mock::{MockConfig, MockServer, Mount, StateConfig};
use stipula::runner::cases::Planner;
use stipula::runner::checks::Expect;
use stipula::runner::event::{Check, Phase, Report, Severity};
use stipula::runner::request::BodyDraft;
use stipula::runner::{self, Config};
use stipula::spec::Spec;

use crate::support::{bundled_spec, inline_ok};

/// Bundled spec file, base path, and the credential header its security wants.
const BUNDLED: [(&str, &str, &str); 4] = [
    (
        "lytx-consent-management.json",
        "/consent-management",
        "Authorization: Bearer secret",
    ),
    (
        "lytx-users.json",
        "/lytx-users",
        "Authorization: Bearer secret",
    ),
    ("fusionauth-consent.yaml", "", "Authorization: secret"),
    (
        "slashid-gdpr-consent.yaml",
        "/slashid",
        "SlashID-API-Key: secret",
    ),
];

fn run_quiet(spec: &Spec, config: &Config) -> Report {
    runner::run(spec, config, &mut |_| {}).expect("the run happens")
}

fn header(h: &str) -> (String, String) {
    let (n, v) = h.split_once(':').unwrap();
    (n.trim().to_string(), v.trim().to_string())
}

fn failures(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Failure)
        .map(|f| {
            format!(
                "{} [{}] {} {:?}\n  {}",
                f.operation, f.check, f.message, f.violations, f.request.curl
            )
        })
        .collect()
}

#[test]
fn the_mock_passes_the_runner_on_every_bundled_spec() {
    for (file, base, credential) in BUNDLED {
        let spec = bundled_spec(file);
        let mock = MockServer::start_with(
            vec![Mount::at_base_path(bundled_spec(file))],
            MockConfig {
                token: Some("secret".into()),
                ..MockConfig::default()
            },
            "127.0.0.1:0",
        )
        .unwrap();
        for seed in [1, 2, 3] {
            let mut config = Config::new(format!("{}{base}", mock.url().trim_end_matches('/')));
            config.headers.push(header(credential));
            config.seed = seed;
            config.cases = 40;
            let report = run_quiet(&spec, &config);
            assert!(
                report.failures() == 0,
                "{file} seed {seed}: the mock failed the runner:\n{}",
                failures(&report).join("\n")
            );
            for phase in [Phase::Examples, Phase::Boundary, Phase::Fuzz] {
                assert!(
                    report.cases_by_phase.get(&phase).copied().unwrap_or(0) > 0,
                    "{file}: no {phase} case sent"
                );
            }
            let rejected: u64 = report
                .tally
                .values()
                .filter_map(|c| c.get(&Check::InvalidRequestRejected))
                .map(|t| t.passed)
                .sum();
            assert!(rejected > 0, "{file}: no invalid request was sent");
            let auth: u64 = report
                .tally
                .values()
                .filter_map(|c| c.get(&Check::AuthEnforced))
                .map(|t| t.passed)
                .sum();
            assert!(auth > 0, "{file}: authentication was not probed");
        }
    }
}

#[test]
fn the_mock_with_state_passes_the_runner_and_its_stateful_phase() {
    // With `--state`, created items are stored: the stateful phase reads what it created and
    // sees a removed item gone, and nothing else the runner checks fails.
    let mut readable = 0;
    let mut stored_total = 0;
    for (file, base, credential) in BUNDLED {
        let spec = bundled_spec(file);
        let mock = MockServer::start_with(
            vec![Mount::at_base_path(bundled_spec(file))],
            MockConfig {
                token: Some("secret".into()),
                state: Some(StateConfig::default()),
                ..MockConfig::default()
            },
            "127.0.0.1:0",
        )
        .unwrap();
        for seed in [1, 2] {
            let mut config = Config::new(format!("{}{base}", mock.url().trim_end_matches('/')));
            config.headers.push(header(credential));
            config.seed = seed;
            config.cases = 40;
            let report = run_quiet(&spec, &config);
            assert!(
                report.failures() == 0,
                "{file} seed {seed}: the mock with --state failed the runner:\n{}",
                failures(&report).join("\n")
            );
            let passed = |check: Check| -> u64 {
                report
                    .tally
                    .values()
                    .filter_map(|c| c.get(&check))
                    .map(|t| t.passed)
                    .sum()
            };
            readable += passed(Check::CreatedReadable);
        }
        // What the runner created is in the store.
        let dump: Value = serde_json::from_str(
            &reqwest::blocking::get(format!("{}/__stipula/state", mock.url()))
                .unwrap()
                .text()
                .unwrap(),
        )
        .unwrap();
        let stored: usize = dump["scopes"][""]["items"].as_u64().unwrap_or(0) as usize;
        eprintln!(
            "{file}: {stored} items stored; {}",
            dump["scopes"][""]["collections"]
                .as_array()
                .map_or(0, Vec::len)
        );
        stored_total += stored;
    }
    assert!(readable > 0, "no created item was read back");
    assert!(stored_total > 0, "the runner stored nothing");
}

#[test]
fn a_mock_that_accepts_any_credential_fails_auth_enforced() {
    let (file, base, credential) = BUNDLED[1];
    let spec = bundled_spec(file);
    let mock = MockServer::start(vec![bundled_spec(file)]).unwrap();
    let mut config = Config::new(format!("{}{base}", mock.url().trim_end_matches('/')));
    config.headers.push(header(credential));
    config.cases = 5;
    let report = run_quiet(&spec, &config);
    let auth: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.check == Check::AuthEnforced && f.severity == Severity::Failure)
        .collect();
    assert_eq!(auth.len(), 1, "{:#?}", report.findings);
    assert!(
        auth[0].message.contains("wrong credential"),
        "{}",
        auth[0].message
    );
    assert!(auth[0].request.curl.contains("stipula-wrong-credential"));
}

#[test]
fn the_boundary_phase_sends_2000_items_then_2001() {
    let spec = bundled_spec("lytx-consent-management.json");
    let op = spec
        .operations
        .iter()
        .find(|o| o.operation_id.as_deref() == Some("Consent_UpdateUserConsent"))
        .unwrap();
    let planner = Planner {
        spec: &spec,
        op,
        seed: 7,
        given_headers: &[],
    };
    let base = planner.base().unwrap();
    let cases = planner.boundary(&base, 500);
    let batch = |len: usize| {
        cases.iter().find(|c| match &c.draft.body {
            Some(BodyDraft::Value { value, .. }) => {
                value.as_array().is_some_and(|a| a.len() == len)
                    || value.as_object().is_some_and(|o| {
                        o.values()
                            .any(|v| v.as_array().is_some_and(|a| a.len() == len))
                    })
            }
            _ => false,
        })
    };
    let full = batch(2000).expect("a 2000-item batch");
    assert_eq!(full.expect, Expect::Valid);
    let past = batch(2001).expect("a 2001-item batch");
    assert!(
        matches!(past.expect, Expect::Invalid { .. }),
        "{:?}",
        past.expect
    );
}

#[test]
fn shards_split_the_operations_without_overlap() {
    let spec = bundled_spec("fusionauth-consent.yaml");
    let all = runner::select(&spec, &Config::new("http://127.0.0.1:1"));
    assert_eq!(all.len(), spec.operations.len());
    let mut seen = Vec::new();
    for k in 1..=3 {
        let mut c = Config::new("http://127.0.0.1:1");
        c.shard = Some((k, 3));
        let part = runner::select(&spec, &c);
        assert!(!part.is_empty());
        for i in part {
            assert!(!seen.contains(&i), "operation {i} in two shards");
            seen.push(i);
        }
    }
    seen.sort();
    assert_eq!(seen, all);
}

#[test]
fn filters_select_by_operation_tag_path_and_method() {
    let spec = bundled_spec("fusionauth-consent.yaml");
    let labels = |c: &Config| {
        runner::select(&spec, c)
            .into_iter()
            .map(|i| spec.operations[i].label())
            .collect::<Vec<_>>()
    };
    let mut c = Config::new("http://127.0.0.1:1");
    c.operations = vec!["retrieveConsent".into()];
    assert_eq!(labels(&c), ["retrieveConsent"]);
    let mut c = Config::new("http://127.0.0.1:1");
    c.paths = vec!["/api/user/*".into()];
    c.methods = vec!["delete".into()];
    assert_eq!(labels(&c), ["revokeUserConsent"]);
}

#[test]
fn the_same_seed_replays_the_same_requests() {
    let (file, base, credential) = BUNDLED[2];
    let spec = bundled_spec(file);
    let requests = || {
        let server = Recorder::start(|_| (200, "{}".into()));
        let mut config = Config::new(format!("{}{base}", server.url()));
        config.headers.push(header(credential));
        config.seed = 42;
        config.cases = 10;
        config.workers = 3;
        run_quiet(&spec, &config);
        let mut seen = server.requests();
        seen.sort();
        seen
    };
    let first = requests();
    assert!(first.len() > 50);
    assert_eq!(first, requests());
}

#[test]
fn an_unreachable_target_is_a_run_error() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let spec = bundled_spec("lytx-users.json");
    let err = runner::run(
        &spec,
        &Config::new(format!("http://127.0.0.1:{port}")),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("unreachable"), "{err}");
}

const NAMES: &str = r#"
openapi: 3.0.3
info: {title: Names, version: '1'}
paths:
  /names:
    post:
      operationId: addName
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, maxLength: 40}
                note: {type: string}
      responses:
        '201':
          description: added
          content:
            application/json:
              schema:
                type: object
                required: [name, length]
                properties:
                  name: {type: string}
                  length: {type: integer}
        '400': {description: bad}
"#;

/// A server that answers per request, and records what it received.
struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
    _count: Arc<AtomicUsize>,
}

impl Recorder {
    fn start(respond: impl Fn(&Received) -> (u16, String) + Send + Sync + 'static) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let respond = Arc::new(respond);
        let (seen2, count2) = (Arc::clone(&seen), Arc::clone(&count));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let respond = Arc::clone(&respond);
                let seen = Arc::clone(&seen2);
                count2.fetch_add(1, Ordering::Relaxed);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() || line.is_empty() {
                        return;
                    }
                    let mut length = 0;
                    let mut content_type = String::new();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                            break;
                        }
                        if let Some((n, v)) = h.split_once(':')
                            && n.eq_ignore_ascii_case("content-length")
                        {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        if let Some((n, v)) = h.split_once(':')
                            && n.eq_ignore_ascii_case("content-type")
                        {
                            content_type = v.trim().to_string();
                        }
                    }
                    let mut body = vec![0; length];
                    let _ = reader.read_exact(&mut body);
                    let received = Received {
                        line: line.trim().to_string(),
                        content_type,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    };
                    seen.lock()
                        .unwrap()
                        .push(format!("{} {}", received.line, received.body));
                    let (status, body) = respond(&received);
                    let typed = if body.is_empty() {
                        String::new()
                    } else {
                        "content-type: application/json\r\n".to_string()
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\n{typed}allow: POST\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Recorder {
            url,
            seen,
            _count: count,
        }
    }

    fn url(&self) -> &str {
        &self.url
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

struct Received {
    line: String,
    content_type: String,
    body: String,
}

impl Received {
    /// What a correct server of [`NAMES`] says before looking at the body: 405 for other
    /// methods, 415 for other media types.
    fn refused(&self) -> Option<(u16, String)> {
        if !self.line.starts_with("POST ") {
            return Some((405, String::new()));
        }
        if !self.content_type.starts_with("application/json") {
            return Some((415, String::new()));
        }
        None
    }
}

/// A server with a bug: names longer than 9 characters crash it. Otherwise it validates like
/// the spec says and answers 201 with the documented body.
fn names_server(received: &Received) -> (u16, String) {
    if let Some(refused) = received.refused() {
        return refused;
    }
    let Ok(v) = serde_json::from_str::<Value>(&received.body) else {
        return (400, String::new());
    };
    let Some(name) = v.get("name").and_then(Value::as_str) else {
        return (400, String::new());
    };
    let note_ok = v.get("note").is_none_or(Value::is_string);
    if !v.is_object() || name.chars().count() > 40 || !note_ok {
        return (400, String::new());
    }
    if v.as_object().unwrap().len() > 2 {
        return (400, String::new());
    }
    if name.chars().count() > 9 {
        return (500, "{}".into());
    }
    (
        201,
        json!({"name": name, "length": name.chars().count()}).to_string(),
    )
}

#[test]
fn a_failing_random_request_is_shrunk_to_a_minimal_one() {
    let spec = inline_ok(NAMES);
    let server = Recorder::start(names_server);
    let mut config = Config::new(server.url());
    config.phases = vec![Phase::Fuzz];
    config.cases = 200;
    config.seed = 5;
    let report = run_quiet(&spec, &config);
    let crash = report
        .findings
        .iter()
        .find(|f| f.check == Check::ServerError)
        .unwrap_or_else(|| {
            panic!(
                "the crash was not found: {:?} {:?} {:#?}",
                report.cases_by_phase, report.notices, report.tally
            )
        });
    assert!(crash.shrunk, "{crash:#?}");
    let body: Value = serde_json::from_str(crash.request.body.as_deref().unwrap()).unwrap();
    // Minimal: the shortest name that still crashes, and no optional property.
    assert_eq!(body["name"].as_str().unwrap().chars().count(), 10, "{body}");
    assert!(body.get("note").is_none(), "{body}");
    assert!(crash.request.curl.starts_with("curl -X POST"));
    assert!(crash.occurrences >= 1);
    // Nothing else is reported: the server is otherwise correct.
    let others: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Failure && f.check != Check::ServerError)
        .collect();
    assert!(others.is_empty(), "{others:#?}");
}

#[test]
fn a_server_that_accepts_invalid_bodies_fails_invalid_request_rejected() {
    let spec = inline_ok(NAMES);
    // Accepts anything, answers a valid body.
    let server = Recorder::start(|_| (201, json!({"name": "a", "length": 1}).to_string()));
    let mut config = Config::new(server.url());
    config.cases = 10;
    let report = run_quiet(&spec, &config);
    let f = report
        .findings
        .iter()
        .find(|f| f.check == Check::InvalidRequestRejected)
        .expect("accepting invalid bodies is caught");
    assert_eq!(f.severity, Severity::Failure);
    assert_eq!(f.response.as_ref().unwrap().status, 201);
}

#[test]
fn a_body_breaking_its_schema_names_the_pointer_and_keyword() {
    let spec = inline_ok(NAMES);
    let server = Recorder::start(|r| {
        if let Some(refused) = r.refused() {
            return refused;
        }
        if r.body.contains("\"name\"") && !r.body.contains("stipula") {
            (201, json!({"name": "a", "length": "one"}).to_string())
        } else {
            (400, String::new())
        }
    });
    let mut config = Config::new(server.url());
    config.phases = vec![Phase::Examples];
    let report = run_quiet(&spec, &config);
    let f = report
        .findings
        .iter()
        .find(|f| f.check == Check::BodySchema)
        .expect("the bad body is caught");
    assert_eq!(f.violations[0].instance_path, "/length");
    assert_eq!(f.violations[0].keyword, "type");
}

#[test]
fn a_valid_request_answered_with_a_documented_4xx_is_only_a_warning() {
    let spec = inline_ok(NAMES);
    let server = Recorder::start(|r| r.refused().unwrap_or((400, String::new())));
    let mut config = Config::new(server.url());
    config.cases = 10;
    let report = run_quiet(&spec, &config);
    assert_eq!(report.failures(), 0, "{:#?}", report.findings);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check == Check::ValidRequestAccepted && f.severity == Severity::Warning)
    );
}

#[test]
fn a_documented_404_for_a_path_that_names_a_resource_is_not_a_warning() {
    // `GET /things/{id}` answered 404: no thing has that id (another operation deleted the
    // example's, or the id was generated), which is what the spec documents. A 404 for a path
    // naming no resource, or one the spec does not document, still warns.
    let spec = inline_ok(
        r#"
openapi: 3.0.3
info: {title: Things, version: '1'}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200': {description: the thing}
        '404': {description: no such thing}
  /others/{id}:
    get:
      operationId: getOther
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200': {description: the other}
  /things:
    get:
      operationId: listThings
      responses:
        '200': {description: the things}
        '404': {description: no things}
"#,
    );
    let server = Recorder::start(|r| {
        if r.line.contains("/stipula-no-such-route") {
            // The server's own "no route" answer differs from its "no such thing".
            (404, r#"{"error": "no route"}"#.to_string())
        } else if r.line.starts_with("GET ") {
            (404, String::new())
        } else {
            (405, String::new())
        }
    });
    let mut config = Config::new(server.url());
    config.cases = 5;
    let report = run_quiet(&spec, &config);
    assert_eq!(report.failures(), 0, "{:#?}", report.findings);
    let warned: std::collections::BTreeSet<&str> = report
        .findings
        .iter()
        .filter(|f| f.check == Check::ValidRequestAccepted)
        .map(|f| f.operation.as_str())
        .collect();
    assert!(warned.iter().all(|o| !o.contains("getThing")), "{warned:?}");
    assert!(warned.iter().any(|o| o.contains("getOther")), "{warned:?}");
    assert!(
        warned.iter().any(|o| o.contains("listThings")),
        "{warned:?}"
    );
}

#[test]
fn a_phase_deletes_after_its_other_requests() {
    // The DELETE is written first, on a path of its own; in each phase the GET and PUT of the
    // same thing are sent before it, while the example's id still exists.
    let spec = inline_ok(
        r#"
openapi: 3.0.3
info: {title: Things, version: '1'}
paths:
  /things/{id}:
    delete:
      operationId: deleteThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}, example: 7}
      responses:
        '204': {description: gone}
  /things/{id}/label:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}, example: 7}
    get:
      operationId: getLabel
      responses:
        '200': {description: the label}
    put:
      operationId: putLabel
      responses:
        '204': {description: replaced}
"#,
    );
    let server = Recorder::start(|r| {
        if r.line.starts_with("GET ") {
            (200, String::new())
        } else {
            (204, String::new())
        }
    });
    let mut config = Config::new(server.url());
    config.phases = vec![Phase::Examples];
    config.workers = 1;
    run_quiet(&spec, &config);
    let methods: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.contains("/things/"))
        .map(|r| r.split(' ').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        methods.last().map(String::as_str),
        Some("DELETE"),
        "{methods:?}"
    );
    assert_eq!(
        methods.iter().filter(|m| *m == "DELETE").count(),
        1,
        "{methods:?}"
    );
}

#[test]
fn an_empty_value_for_an_optional_query_parameter_accepted_is_only_a_warning() {
    // `?id=` may be read as `id` left out (a valid request); `?q=` for a required `q` may not.
    let spec = inline_ok(
        r#"
openapi: 3.0.3
info: {title: Search, version: '1'}
paths:
  /search:
    get:
      operationId: search
      parameters:
        - {name: q, in: query, required: true, schema: {type: string, minLength: 1}}
        - {name: id, in: query, schema: {type: string, minLength: 1}}
      responses:
        '200': {description: results}
"#,
    );
    let server = Recorder::start(|_| (200, String::new()));
    let mut config = Config::new(server.url());
    config.cases = 20;
    let report = run_quiet(&spec, &config);
    let rejected: Vec<(&str, Severity)> = report
        .findings
        .iter()
        .filter(|f| f.check == Check::InvalidRequestRejected)
        .map(|f| (f.message.as_str(), f.severity))
        .collect();
    assert!(
        rejected
            .iter()
            .any(|(m, s)| m.contains("`id` = \"\"") && *s == Severity::Warning),
        "{rejected:#?}"
    );
    assert!(
        rejected
            .iter()
            .all(|(m, s)| !m.contains("`id` = \"\"") || *s == Severity::Warning),
        "{rejected:#?}"
    );
    assert!(
        rejected
            .iter()
            .any(|(m, s)| m.contains("`q` = \"\"") && *s == Severity::Failure),
        "{rejected:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The proof: correct emulators pass at many seeds, every fault is caught by its check.

use crate::emulators::{Api, Emulator, FAULTS};

fn emulator_config(api: Api, url: String, seed: u64) -> Config {
    let mut config = Config::new(url);
    config.headers = api.auth_headers();
    config.seed = seed;
    config.cases = 30;
    config
}

#[test]
fn every_correct_emulator_passes_at_many_seeds() {
    for api in Api::EVERY {
        let spec = Spec::load(api.spec_path(), Default::default()).unwrap();
        let emulator = Emulator::start(api);
        for seed in 1..=6 {
            let report = run_quiet(&spec, &emulator_config(api, emulator.url(), seed));
            assert!(
                report.failures() == 0,
                "{api:?} seed {seed}: a correct implementation failed:\n{}",
                failures(&report).join("\n")
            );
            assert!(
                report.cases() > 50,
                "{api:?}: only {} cases",
                report.cases()
            );
        }
        assert!(emulator.requests_seen() > 0);
    }
}

#[test]
fn every_fault_is_caught_by_its_check() {
    let mut covered = Vec::new();
    for fault in FAULTS {
        let spec = Spec::load(fault.api.spec_path(), Default::default()).unwrap();
        let emulator = Emulator::start_faulty(fault);
        for seed in [11, 12, 13] {
            let mut config = emulator_config(fault.api, emulator.url(), seed);
            if fault.caught_by == "response-time" {
                config.max_response_time = Some(std::time::Duration::from_millis(100));
            }
            let report = run_quiet(&spec, &config);
            let caught = report
                .findings
                .iter()
                .any(|f| f.severity == Severity::Failure && f.check.id() == fault.caught_by);
            assert!(
                caught,
                "seed {seed}: fault {} ({}) not caught by {}; failures:\n{}",
                fault.name,
                fault.what,
                fault.caught_by,
                failures(&report).join("\n")
            );
        }
        covered.push(fault.caught_by);
    }
    for check in Check::ALL {
        if check != Check::ValidRequestAccepted {
            assert!(covered.contains(&check.id()), "no fault covers {check}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The `stipula test` command, as the built binary.

fn stipula_test(args: &[&str]) -> (Option<i32>, String) {
    let run = crate::support::stipula(&[&["test"], args].concat());
    (run.code, run.stderr)
}

#[test]
fn the_command_exits_0_on_a_conforming_target_and_writes_its_reports() {
    let mock = MockServer::start_with(
        vec![Mount::at_base_path(bundled_spec("lytx-users.json"))],
        MockConfig {
            token: Some("secret".into()),
            ..MockConfig::default()
        },
        "127.0.0.1:0",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("report.json");
    let junit_path = dir.path().join("junit.xml");
    let url = format!("{}/lytx-users", mock.url().trim_end_matches('/'));
    let (code, stderr) = stipula_test(&[
        "specs/lytx-users.json",
        "--url",
        &url,
        "-H",
        "Authorization: Bearer secret",
        "--cases",
        "10",
        "--seed",
        "9",
        "--json",
        json_path.to_str().unwrap(),
        "--junit",
        junit_path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("--seed 9"), "{stderr}");
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(report.runs[0].seed, 9);
    assert!(report.cases() > 20);
    let junit = std::fs::read_to_string(&junit_path).unwrap();
    assert!(junit.contains("<testcase"), "{junit}");
}

#[test]
fn the_command_exits_1_on_a_violation_and_2_when_it_cannot_run() {
    let mock = MockServer::start(vec![bundled_spec("lytx-users.json")]).unwrap();
    let url = format!("{}/lytx-users", mock.url().trim_end_matches('/'));
    let spec = "specs/lytx-users.json";
    let (code, stderr) = stipula_test(&[spec, "--url", &url, "-H", "Authorization: Bearer x"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("auth-enforced"), "{stderr}");
    // Only the checks asked for: the same target passes without the auth probe.
    let (code, stderr) = stipula_test(&[
        spec,
        "--url",
        &url,
        "-H",
        "Authorization: Bearer x",
        "--exclude-checks",
        "auth-enforced",
    ]);
    assert_eq!(code, Some(0), "{stderr}");

    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    for (args, says) in [
        (vec![spec, "--url", closed.as_str()], "unreachable"),
        (vec![spec, "--url", &url, "--shard", "3/2"], "--shard"),
        (
            vec![spec, "--url", &url, "--checks", "no-such-check"],
            "no such check",
        ),
        (vec![spec, "--url", &url, "--phases", "warmup"], "--phases"),
        (
            vec![spec, "--url", &url, "--operation", "nope"],
            "no operation",
        ),
        (vec!["specs/missing.yaml", "--url", &url], "missing.yaml"),
    ] {
        let (code, stderr) = stipula_test(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn help_lists_every_check() {
    let help = crate::support::stipula(&["test", "--help"]).stdout;
    for check in Check::ALL {
        assert!(help.contains(check.id()), "--help lacks {check}:\n{help}");
    }
}
