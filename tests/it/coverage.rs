//! Coverage, the config file, baselines and credential masking of `stipula test`, over real
//! HTTP: the mock, or a small server on port 0 that records every request and answers per
//! path. The HTML report is opened in headless Chromium (`.ci/run` installs it; outside CI a
//! missing Chromium skips that test with a message, in CI it fails).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use stipula::mock::MockServer;
use stipula::runner::event::{CoverageKind, Event, MinCoverage, Report, Severity};
use stipula::runner::report::{HtmlReporter, Reporter};
use stipula::runner::{self, Config};

use crate::support::inline_ok;

const PETS: &str = r#"
openapi: 3.0.3
info: {title: pets, version: '1'}
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [available, sold]}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: object}}
        '400': {description: bad request}
        '404': {description: never answered}
"#;

/// One request as the recording server saw it.
#[derive(Debug, Clone)]
struct Seen {
    /// `GET /path?query`
    line: String,
    /// Lower-case names.
    headers: Vec<(String, String)>,
}

impl Seen {
    fn path(&self) -> &str {
        let target = self.line.split(' ').nth(1).unwrap_or("");
        target.split('?').next().unwrap_or("")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

type Answer = (u16, &'static str, String);

/// A server on 127.0.0.1:0 that records requests and answers with `respond`.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn start(respond: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let respond = Arc::new(respond);
        let seen2 = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let respond = Arc::clone(&respond);
                let seen = Arc::clone(&seen2);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
                        return;
                    }
                    let mut headers = Vec::new();
                    let mut length = 0;
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                            break;
                        }
                        if let Some((n, v)) = h.split_once(':') {
                            let (n, v) = (n.trim().to_ascii_lowercase(), v.trim().to_string());
                            if n == "content-length" {
                                length = v.parse().unwrap_or(0);
                            }
                            headers.push((n, v));
                        }
                    }
                    let mut body = vec![0; length];
                    let _ = reader.read_exact(&mut body);
                    let request = Seen {
                        line: line.trim().to_string(),
                        headers,
                    };
                    let (status, content_type, body) = respond(&request);
                    seen.lock().unwrap().push(request);
                    let typed = if content_type.is_empty() {
                        String::new()
                    } else {
                        format!("content-type: {content_type}\r\n")
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\n{typed}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Server { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the `stipula` binary in `dir` with extra environment variables.
fn stipula_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .expect("the stipula binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn item_hits(report: &Report, op: &str, kind: CoverageKind, name: &str) -> u64 {
    let c = &report.coverage[op];
    c.items
        .iter()
        .find(|i| i.kind == kind && i.name == name)
        .unwrap_or_else(|| panic!("no {kind:?} item {name} in {:#?}", c.items))
        .hits
}

#[test]
fn coverage_counts_statuses_parameters_enums_boundaries_and_phases_from_events() {
    let spec = inline_ok(PETS);
    let mock = MockServer::start(vec![inline_ok(PETS)]).unwrap();
    let mut config = Config::new(mock.url().trim_end_matches('/'));
    config.cases = 20;
    config.seed = 3;
    let mut events = Vec::new();
    let report = runner::run(&spec, &config, &mut |e| events.push(e.clone())).unwrap();

    let c = report.coverage["listPets"].summary();
    // 200 and 400 (the negatives) are answered; the documented 404 never is.
    assert!(item_hits(&report, "listPets", CoverageKind::Status, "200") > 0);
    assert!(item_hits(&report, "listPets", CoverageKind::Status, "400") > 0);
    assert_eq!(
        item_hits(&report, "listPets", CoverageKind::Status, "404"),
        0
    );
    assert_eq!((c.status.covered, c.status.documented), (2, 3));
    assert_eq!((c.parameters.covered, c.parameters.documented), (2, 2));
    // Every enum value and both bounds of `limit` were sent by the boundary phase.
    assert_eq!((c.enum_values.covered, c.enum_values.documented), (2, 2));
    assert!(
        item_hits(
            &report,
            "listPets",
            CoverageKind::EnumValue,
            "query status=sold"
        ) > 0
    );
    assert!(
        item_hits(
            &report,
            "listPets",
            CoverageKind::Boundary,
            "query limit maximum=100"
        ) > 0
    );
    assert_eq!((c.boundaries.covered, c.boundaries.documented), (2, 2));
    // No flow uses the operation: stateful does not apply to it.
    assert_eq!((c.phases.covered, c.phases.documented), (3, 3));
    assert_eq!((c.overall().covered, c.overall().documented), (11, 12));
    assert!(
        report.coverage["listPets"]
            .statuses
            .keys()
            .all(|s| *s != 404)
    );

    // The report's coverage is exactly the fold of the events a reporter receives.
    let Event::Started { info, .. } = &events[0] else {
        panic!("the first event is Started")
    };
    let mut folded = Report::new(info.clone());
    for e in &events {
        folded.record(e);
    }
    assert_eq!(folded.coverage, report.coverage);
    let Some(Event::Finished { report: finished }) = events.last() else {
        panic!("the last event is Finished")
    };
    assert_eq!(finished.coverage, report.coverage);

    // Thresholds: overall 91.6% passes 90 and fails 95; status 66.6% fails 80.
    let summary = report.coverage_summary();
    assert_eq!(MinCoverage::parse("90").unwrap().check(&summary), None);
    assert_eq!(
        MinCoverage::parse("95%").unwrap().check(&summary).unwrap(),
        "coverage below --min-coverage: overall coverage 91.6% (11/12) is below 95%"
    );
    assert_eq!(
        MinCoverage::parse("status=80")
            .unwrap()
            .check(&summary)
            .unwrap(),
        "coverage below --min-coverage: status codes 66.6% (2/3) is below 80%"
    );
    assert!(
        MinCoverage::parse("colour=5")
            .unwrap_err()
            .contains("no coverage `colour`")
    );
    assert!(MinCoverage::parse("101").is_err());
}

#[test]
fn min_coverage_fails_the_command_and_every_output_carries_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "pets.yaml", PETS);
    let mock = MockServer::start(vec![inline_ok(PETS)]).unwrap();
    let url = mock.url().trim_end_matches('/').to_string();
    let spec = spec.to_str().unwrap();
    let common = ["test", spec, "--url", &url, "--cases", "10", "--seed", "1"];

    let mut args = common.to_vec();
    args.extend(["--min-coverage", "status=100", "--min-coverage", "50"]);
    let (code, stderr) = stipula_in(dir.path(), &args, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("coverage below --min-coverage: status codes 66.6% (2/3) is below 100%"),
        "{stderr}"
    );
    assert!(!stderr.contains("overall coverage"), "50% is met: {stderr}");
    assert!(
        stderr.contains("Coverage: 91.6% (11/12) overall"),
        "{stderr}"
    );

    let mut args = common.to_vec();
    args.extend([
        "--min-coverage",
        "90",
        "--json",
        "r.json",
        "--junit",
        "r.xml",
    ]);
    let (code, stderr) = stipula_in(dir.path(), &args, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(json["coverage_summary"]["status"]["documented"], 3);
    assert_eq!(json["coverage_summary"]["overall"]["covered"], 11);
    assert_eq!(
        json["coverage_summary"]["operations"]["listPets"]["enums"]["covered"],
        2
    );
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back.coverage_summary().overall().covered, 11);
    let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert!(
        xml.contains(r#"<property name="coverage.status" value="66.6% (2/3)"/>"#),
        "{xml}"
    );
    assert!(
        xml.contains("not exercised: status codes 404"),
        "the operation's coverage case lists what was missed: {xml}"
    );

    let (code, stderr) = stipula_in(
        dir.path(),
        &["test", spec, "--url", &url, "--min-coverage", "colour=5"],
        &[],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no coverage `colour`"), "{stderr}");
}

const SECURED: &str = r#"
openapi: 3.0.3
info: {title: secured, version: '1'}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    apiKey: {type: apiKey, in: query, name: api_key}
paths:
  /public:
    get:
      operationId: getPublic
      security: []
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
  /private:
    get:
      operationId: getPrivate
      security: [{bearerAuth: []}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        '401': {description: no}
        '500': {description: oops, content: {application/json: {schema: {type: object}}}}
  /keyed:
    get:
      operationId: getKeyed
      security: [{apiKey: []}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        '401': {description: no}
        '500': {description: oops, content: {application/json: {schema: {type: object}}}}
  /skipped:
    get:
      operationId: getSkipped
      responses:
        '200': {description: ok}
"#;

const TOKEN: &str = "tok-abcdef-123";
const KEY: &str = "key-xyz-789";

/// `/public` breaks (500, undocumented); `/private` and `/keyed` answer 500 echoing the
/// credential when it is right (so a finding holds it) and 401 otherwise.
fn secured_server() -> Server {
    Server::start(|r| {
        let authorized = r.header("authorization") == Some(&format!("Bearer {TOKEN}"));
        match r.path() {
            "/public" => (500, "", String::new()),
            "/private" if authorized => (
                500,
                "application/json",
                format!(r#"{{"you":"Bearer {TOKEN}"}}"#),
            ),
            "/keyed" if r.line.contains(&format!("api_key={KEY}")) => {
                (500, "application/json", format!(r#"{{"key":"{KEY}"}}"#))
            }
            "/private" | "/keyed" => (401, "", String::new()),
            _ => (200, "", String::new()),
        }
    })
}

#[test]
fn the_config_file_sets_url_credentials_per_scheme_severities_and_selection() {
    let server = secured_server();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "api.yaml", SECURED);
    write(
        dir.path(),
        "stipula.yaml",
        &format!(
            r#"
base-url: {}
auth:
  bearerAuth: {{token: "${{STIPULA_TEST_TOKEN}}"}}
  apiKey: {{value: "${{STIPULA_TEST_KEY}}"}}
checks:
  server-error: warning
operations:
  getPublic: {{exclude-checks: [status-documented]}}
select:
  exclude: [getSkipped]
"#,
            server.url
        ),
    );
    let env = [("STIPULA_TEST_TOKEN", TOKEN), ("STIPULA_TEST_KEY", KEY)];
    let (code, stderr) = stipula_in(
        dir.path(),
        &["test", "api.yaml", "--cases", "5", "--json", "r.json"],
        &env,
    );
    // server-error is a warning by the config, status-documented is off for getPublic.
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("using the config file ./stipula.yaml"),
        "{stderr}"
    );
    let seen = server.seen();
    assert!(seen.iter().all(|r| r.path() != "/skipped"), "excluded");
    assert!(
        seen.iter()
            .filter(|r| r.path() == "/public")
            .all(|r| r.header("authorization").is_none() && !r.line.contains("api_key")),
        "credentials go only to the operations whose scheme needs them"
    );
    assert!(
        seen.iter().any(|r| r.path() == "/private"
            && r.header("authorization") == Some("Bearer tok-abcdef-123"))
    );
    assert!(
        seen.iter()
            .filter(|r| r.path() == "/private")
            .all(|r| !r.line.contains("api_key"))
    );
    assert!(
        seen.iter()
            .any(|r| r.path() == "/keyed" && r.line.contains("api_key=key-xyz-789"))
    );

    // Masked everywhere: the display and the JSON report.
    let json = std::fs::read_to_string(dir.path().join("r.json")).unwrap();
    for secret in [TOKEN, KEY] {
        assert!(
            !json.contains(secret),
            "{secret} leaked into the JSON report"
        );
        assert!(!stderr.contains(secret), "{secret} leaked into the display");
    }
    let report: Report = serde_json::from_str(&json).unwrap();
    let private = report
        .findings
        .iter()
        .find(|f| f.operation == "getPrivate")
        .expect("the 500 of getPrivate is a finding");
    assert_eq!(private.severity, Severity::Warning);
    assert!(private.request.curl.contains("'Authorization: Bearer ***'"));
    assert!(
        private
            .response
            .as_ref()
            .unwrap()
            .body
            .contains("Bearer ***")
    );
    let keyed = report
        .findings
        .iter()
        .find(|f| f.operation == "getKeyed")
        .unwrap();
    assert!(
        keyed.request.url.ends_with("api_key=***"),
        "{}",
        keyed.request.url
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| !(f.operation == "getPublic" && f.check.id() == "status-documented"))
    );

    // An unset variable and a credential for an unknown scheme are errors (exit 2).
    let (code, stderr) = stipula_in(dir.path(), &["test", "api.yaml"], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the environment variable STIPULA_TEST_TOKEN is not set"),
        "{stderr}"
    );
    write(
        dir.path(),
        "other.yaml",
        &format!("base-url: {}\nauth: {{oauth: {{token: x}}}}\n", server.url),
    );
    let (code, stderr) = stipula_in(
        dir.path(),
        &["test", "api.yaml", "--config", "other.yaml"],
        &[],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the spec has no security scheme `oauth` (it has: apiKey, bearerAuth)")
            || stderr
                .contains("the spec has no security scheme `oauth` (it has: bearerAuth, apiKey)"),
        "{stderr}"
    );
}

#[test]
fn header_credentials_are_masked_in_every_report_unless_show_secrets() {
    let server = secured_server();
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "api.yaml", SECURED);
    let spec = spec.to_str().unwrap();
    let header = format!("Authorization: Bearer {TOKEN}");
    let base = [
        "test",
        spec,
        "--url",
        &server.url,
        "-H",
        &header,
        "--operation",
        "getPrivate",
        "--cases",
        "3",
        "--json",
        "r.json",
        "--junit",
        "r.xml",
        "--html",
        "r.html",
    ];
    let (code, stderr) = stipula_in(dir.path(), &base, &[]);
    assert_eq!(code, Some(1), "a 500 fails: {stderr}");
    for file in ["r.json", "r.xml", "r.html"] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(!text.contains(TOKEN), "the token leaked into {file}");
        assert!(
            text.contains("Bearer ***"),
            "{file} says a credential was sent"
        );
    }
    assert!(!stderr.contains(TOKEN), "{stderr}");

    let mut args = base.to_vec();
    args.push("--show-secrets");
    let (code, _) = stipula_in(dir.path(), &args, &[]);
    assert_eq!(code, Some(1));
    let json = std::fs::read_to_string(dir.path().join("r.json")).unwrap();
    assert!(json.contains(&format!("Authorization: Bearer {TOKEN}")));
}

#[test]
fn a_baseline_accepts_known_failures_and_only_those() {
    let server = secured_server();
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "api.yaml", SECURED);
    let spec = spec.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["test", spec, "--url", &server.url, "--cases", "3"];
        args.extend(extra);
        stipula_in(dir.path(), &args, &[])
    };
    let (code, stderr) = run(&[
        "--operation",
        "getPublic",
        "--write-baseline",
        "b.json",
        "--seed",
        "5",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(baseline["format"], 1);
    let accepted = baseline["accepted"].as_array().unwrap();
    assert!(
        accepted
            .iter()
            .any(|a| a["rule"] == "server-error" && a["place"] == "getPublic"),
        "{baseline:#}"
    );
    assert!(
        accepted
            .iter()
            .all(|a| a["fingerprint"].as_str().unwrap().len() == 16)
    );

    // Another seed: same problems, same fingerprints, nothing fails.
    let (code, stderr) = run(&[
        "--operation",
        "getPublic",
        "--baseline",
        "b.json",
        "--seed",
        "6",
        "--json",
        "r.json",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("accepted by the baseline"), "{stderr}");
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert!(report.findings.iter().any(|f| f.baselined));
    assert_eq!(report.failures(), 0);

    // A failure the baseline does not list still fails the run.
    let (code, stderr) = run(&[
        "--baseline",
        "b.json",
        "-H",
        "Authorization: Bearer tok-abcdef-123",
    ]);
    assert_eq!(code, Some(1), "getPrivate's 500 is new: {stderr}");
}

/// Chromium's binary, or `None` (a failure in CI, a skip elsewhere).
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "chromium is not installed: the HTML report test needs it in CI (.ci/run runs `apt-get install -y --no-install-recommends chromium`)"
        );
    }
    eprintln!(
        "skipped: chromium is not installed (apt-get install -y --no-install-recommends chromium)"
    );
    None
}

/// The DOM Chromium renders for a local file, after its scripts (if any) ran.
fn dump_dom(chromium: &Path, file: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        let _ = stdout.read_to_string(&mut dom);
        dom
    });
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

const XSS: &str =
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">";

#[test]
fn the_html_report_renders_in_chromium_with_server_markup_inert() {
    let spec = inline_ok(
        r#"
openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /boom:
    get:
      operationId: boom
      parameters:
        - {name: kind, in: query, schema: {type: string, enum: [a, b]}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
  /fine:
    get:
      operationId: fine
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
"#,
    );
    let server = Server::start(|r| match r.path() {
        "/boom" => (500, "text/html", XSS.to_string()),
        _ => (200, "application/json", "{}".to_string()),
    });
    let mut config = Config::new(server.url.clone());
    config.cases = 3;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    let mut html = HtmlReporter::create(&file).unwrap();
    let report = runner::run(&spec, &config, &mut |e| html.event(e).unwrap()).unwrap();
    assert!(report.failures() > 0);
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(!page.contains("<script"), "the page holds no script at all");
    assert!(!page.contains("<img"), "server markup is escaped");
    assert!(page.contains("&lt;script&gt;document.title="));

    let Some(chromium) = chromium() else { return };
    let dom = dump_dom(&chromium, &file);
    assert!(
        dom.contains("<title>stipula test report</title>"),
        "a script ran or the page did not render:\n{dom}"
    );
    assert!(!dom.contains("pwned</title>"));
    assert!(!dom.contains("<script"), "no script element in the DOM");
    assert!(!dom.contains("<img"), "no element from the server's body");
    // The per-operation table has one row per operation, and the failure its curl.
    assert_eq!(dom.matches("<tr class=\"operation\">").count(), 2, "{dom}");
    assert!(dom.contains("<td>boom</td>") && dom.contains("<td>fine</td>"));
    assert!(dom.contains("class=\"curl\">curl -X GET"), "{dom}");
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
}

#[test]
fn shards_merge_coverage_item_by_item() {
    let two = format!(
        "{PETS}  /pets/{{id}}:\n    get:\n      operationId: getPet\n      parameters:\n        - {{name: id, in: path, required: true, schema: {{type: integer, minimum: 1}}}}\n      responses:\n        '200': {{description: ok, content: {{application/json: {{schema: {{type: object}}}}}}}}\n        '404': {{description: gone}}\n"
    );
    let spec = inline_ok(&two);
    let mock = MockServer::start(vec![inline_ok(&two)]).unwrap();
    let run = |shard: Option<(u32, u32)>| {
        let mut config = Config::new(mock.url().trim_end_matches('/'));
        config.cases = 5;
        config.seed = 9;
        config.shard = shard;
        runner::run(&spec, &config, &mut |_| {}).unwrap()
    };
    let whole = run(None);
    let mut merged = run(Some((1, 2)));
    let second = run(Some((2, 2)));
    assert_eq!(
        merged.coverage.len(),
        1,
        "a shard reports its own operations"
    );
    merged.merge(second);
    assert_eq!(
        merged.coverage.keys().collect::<Vec<_>>(),
        ["getPet", "listPets"]
    );
    // Together the shards document what the whole run does, and add their hits.
    assert_eq!(
        merged.coverage_summary().overall().documented,
        whole.coverage_summary().overall().documented
    );
    let hits = |r: &Report| -> u64 {
        r.coverage
            .values()
            .flat_map(|c| c.items.iter().map(|i| i.hits))
            .sum()
    };
    assert_eq!(
        hits(&merged),
        hits(&run(Some((1, 2)))) + hits(&run(Some((2, 2))))
    );
    assert!(
        merged.coverage["getPet"]
            .items
            .iter()
            .any(|i| i.name == "path id minimum=1" && i.hits > 0)
    );
}
