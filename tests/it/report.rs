//! The reporters of `stipula test` (`stipula::runner::report`), fed events built by hand the
//! way the runner emits them: the human display (plain lines, pinned by a golden file), JUnit
//! XML (parsed back with quick-xml), JSON (read back into a `Report`), merging shards, and
//! `stipula report merge`'s exit codes.
//!
//! The scenario: FusionAuth's consent API tested in two shards. Shard 1 finds a schema violation
//! (shrunk, seen twice) and a warning (a documented 400 for a valid request); shard 2 finds a
//! removed item still readable after a stateful sequence, and cannot test one operation (a
//! notice says why).
//!
//! The golden file `tests/fixtures/runner/human-plain.txt` is rewritten by running these tests
//! with `STIPULA_BLESS=1`; review the diff before committing it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use quick_xml::events::Event as Xml;
use stipula::cli::Cli;
use stipula::runner::event::*;
use stipula::runner::report::{
    HumanOptions, HumanReporter, JsonReporter, JunitReporter, Reporter, Reporters, merge_reports,
};

use crate::support::*;

const SPEC: &str = "specs/fusionauth-consent.yaml";
const BASE: &str = "http://127.0.0.1:9011";

fn info(shard: Option<(u32, u32)>, operations: &[&str]) -> RunInfo {
    RunInfo {
        spec: SPEC.to_string(),
        base_url: BASE.to_string(),
        seed: 42,
        shard,
        operations: operations.iter().map(|s| s.to_string()).collect(),
        checks: Check::ALL.to_vec(),
        phases: vec![Phase::Examples, Phase::Fuzz, Phase::Stateful],
    }
}

fn case(operation: &str, phase: Phase, outcomes: &[(Check, Outcome)]) -> Event {
    Event::Case {
        operation: operation.to_string(),
        phase,
        outcomes: outcomes.to_vec(),
        exercised: Exercised::default(),
    }
}

fn passes(checks: &[Check]) -> Vec<(Check, Outcome)> {
    checks.iter().map(|c| (*c, Outcome::Passed)).collect()
}

const BASIC: [Check; 3] = [
    Check::ServerError,
    Check::StatusDocumented,
    Check::BodySchema,
];

fn curl(method: &str, url: &str, body: Option<&str>) -> String {
    let mut c = format!("curl -X {method} -H 'Authorization: test-key' '{url}'");
    if let Some(b) = body {
        c.push_str(&format!(" -H 'Content-Type: application/json' -d '{b}'"));
    }
    c
}

fn request(method: &str, path: &str, body: Option<&str>) -> RequestRecord {
    let url = format!("{BASE}{path}");
    let mut headers = vec![("authorization".to_string(), "test-key".to_string())];
    if body.is_some() {
        headers.push(("content-type".to_string(), "application/json".to_string()));
    }
    RequestRecord {
        method: method.to_string(),
        curl: curl(method, &url, body),
        url,
        headers,
        body: body.map(str::to_string),
    }
}

fn response(status: u16, body: &str) -> ResponseRecord {
    ResponseRecord {
        status,
        headers: vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("x-request-id".to_string(), "abc123".to_string()),
        ],
        body: body.to_string(),
        elapsed_ms: 3.25,
    }
}

/// A body-schema failure: `status` outside its enum, and a control sequence in the body that
/// must not reach the reader's terminal.
fn schema_failure() -> Finding {
    Finding {
        operation: "createConsent".to_string(),
        method: "POST".to_string(),
        path: "/api/consent".to_string(),
        check: Check::BodySchema,
        severity: Severity::Failure,
        phase: Phase::Fuzz,
        message: "the 200 application/json body does not match its schema".to_string(),
        violations: vec![ViolationRecord {
            instance_path: "/consent/status".to_string(),
            keyword: "enum".to_string(),
            schema_location:
                "specs/fusionauth-consent.yaml#/components/schemas/Consent/properties/status/enum"
                    .to_string(),
            message: "\"Revoked\" is not one of [\"Active\",\"Disabled\"]".to_string(),
        }],
        steps: vec![],
        request: request("POST", "/api/consent", Some(r#"{"consent":{"name":"a"}}"#)),
        response: Some(response(
            200,
            "{\"consent\":{\"id\":\"7c9\",\"name\":\"a\",\"status\":\"Revoked\"},\"note\":\"\u{1b}[2J\"}",
        )),
        shrunk: true,
        occurrences: 2,
        fingerprint: String::new(),
        baselined: false,
    }
}

/// A documented 400 for a valid request: a warning.
fn documented_400_warning() -> Finding {
    Finding {
        operation: "retrieveConsent".to_string(),
        method: "GET".to_string(),
        path: "/api/consent/{consentId}".to_string(),
        check: Check::ValidRequestAccepted,
        severity: Severity::Warning,
        phase: Phase::Examples,
        message: "a valid request got the documented 400; the spec may not express every rule"
            .to_string(),
        violations: vec![],
        steps: vec![],
        request: request(
            "GET",
            "/api/consent/00000000-0000-0000-0000-000000000000",
            None,
        ),
        response: Some(response(400, r#"{"fieldErrors":{}}"#)),
        shrunk: false,
        occurrences: 1,
        fingerprint: String::new(),
        baselined: false,
    }
}

/// A removed item still readable: a stateful failure with its steps.
fn removed_gone_failure() -> Finding {
    let item = "/api/consent/5b2e";
    Finding {
        operation: "deleteConsent".to_string(),
        method: "DELETE".to_string(),
        path: "/api/consent/{consentId}".to_string(),
        check: Check::RemovedGone,
        severity: Severity::Failure,
        phase: Phase::Stateful,
        message: "GET /api/consent/{consentId} answered 200 after the DELETE that removed it"
            .to_string(),
        violations: vec![ViolationRecord {
            instance_path: String::new(),
            keyword: "status".to_string(),
            schema_location:
                "specs/fusionauth-consent.yaml#/paths/~1api~1consent~1{consentId}/delete"
                    .to_string(),
            message: "expected 404 or 410, got 200".to_string(),
        }],
        steps: vec![
            request("POST", "/api/consent", Some(r#"{"consent":{"name":"b"}}"#)),
            request("DELETE", item, None),
        ],
        request: request("GET", item, None),
        response: Some(response(
            200,
            r#"{"consent":{"id":"5b2e","name":"b","status":"Active"}}"#,
        )),
        shrunk: false,
        occurrences: 1,
        fingerprint: String::new(),
        baselined: false,
    }
}

/// The events of shard 1 of 2.
fn shard1() -> Vec<Event> {
    let ops = ["createConsent", "retrieveConsent"];
    let info = info(Some((1, 2)), &ops);
    let mut events = vec![Event::Started {
        info,
        units: 4,
        coverage: Default::default(),
    }];
    for _ in 0..3 {
        events.push(case("createConsent", Phase::Examples, &passes(&BASIC)));
    }
    events.push(Event::UnitDone {
        operation: "createConsent".into(),
        phase: Phase::Examples,
    });
    for i in 0..5 {
        let mut outcomes = passes(&BASIC);
        if i == 1 || i == 3 {
            outcomes[2].1 = Outcome::Failed;
        }
        outcomes.push((Check::InvalidRequestRejected, Outcome::Passed));
        events.push(case("createConsent", Phase::Fuzz, &outcomes));
        if i == 3 {
            events.push(Event::Found(Box::new(schema_failure())));
        }
    }
    events.push(Event::UnitDone {
        operation: "createConsent".into(),
        phase: Phase::Fuzz,
    });
    events.push(case(
        "retrieveConsent",
        Phase::Examples,
        &[
            (Check::ServerError, Outcome::Passed),
            (Check::StatusDocumented, Outcome::Passed),
            (Check::ValidRequestAccepted, Outcome::Warned),
            (Check::BodySchema, Outcome::Passed),
        ],
    ));
    events.push(Event::Found(Box::new(documented_400_warning())));
    events.push(case("retrieveConsent", Phase::Examples, &passes(&BASIC)));
    events.push(Event::UnitDone {
        operation: "retrieveConsent".into(),
        phase: Phase::Examples,
    });
    for _ in 0..4 {
        events.push(case("retrieveConsent", Phase::Fuzz, &passes(&BASIC)));
    }
    events.push(Event::UnitDone {
        operation: "retrieveConsent".into(),
        phase: Phase::Fuzz,
    });
    finish(events, 1.25)
}

/// The events of shard 2 of 2.
fn shard2() -> Vec<Event> {
    let ops = ["deleteConsent", "revokeUserConsent"];
    let info = info(Some((2, 2)), &ops);
    let mut events = vec![
        Event::Started {
            info,
            units: 1,
            coverage: Default::default(),
        },
        Event::Notice {
            operation: "revokeUserConsent".into(),
            message:
                "skipped: no value could be generated for the required path parameter userConsentId"
                    .into(),
        },
    ];
    events.push(case("deleteConsent", Phase::Stateful, &passes(&BASIC)));
    events.push(case(
        "deleteConsent",
        Phase::Stateful,
        &[
            (Check::ServerError, Outcome::Passed),
            (Check::RemovedGone, Outcome::Failed),
        ],
    ));
    events.push(Event::Found(Box::new(removed_gone_failure())));
    events.push(Event::UnitDone {
        operation: "deleteConsent".into(),
        phase: Phase::Stateful,
    });
    finish(events, 2.5)
}

/// Folds the events into the report the runner would send with `Finished`.
fn finish(mut events: Vec<Event>, elapsed_seconds: f64) -> Vec<Event> {
    let Event::Started { info, .. } = &events[0] else {
        unreachable!()
    };
    let mut report = Report::new(info.clone());
    for e in &events {
        report.record(e);
    }
    report.elapsed_seconds = elapsed_seconds;
    events.push(Event::Finished {
        report: Box::new(report),
    });
    events
}

fn final_report(events: &[Event]) -> Report {
    match events.last() {
        Some(Event::Finished { report }) => (**report).clone(),
        _ => panic!("no Finished event"),
    }
}

fn human(events: &[Event], options: HumanOptions) -> String {
    let mut reporter = HumanReporter::new(Vec::new(), options);
    for e in events {
        reporter.event(e).expect("writing to a Vec cannot fail");
    }
    String::from_utf8(reporter.into_inner()).expect("UTF-8 output")
}

fn run_through(reporter: &mut dyn Reporter, events: &[Event]) {
    for e in events {
        reporter.event(e).expect("the reporter writes its file");
    }
}

fn golden(name: &str, actual: &str) {
    let path = fixture(&format!("runner/{name}"));
    if std::env::var_os("STIPULA_BLESS").is_some() {
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with STIPULA_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs from the output (STIPULA_BLESS=1 rewrites it):\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

// ---------------------------------------------------------------- human

#[test]
fn plain_human_output_matches_the_golden_file() {
    golden(
        "human-plain.txt",
        &human(&shard1(), HumanOptions::default()),
    );
}

#[test]
fn plain_human_output_has_findings_in_full_the_summary_and_no_control_characters() {
    let out = human(&shard1(), HumanOptions::default());
    // No ANSI codes, no control characters but newlines; the server's ESC is shown escaped.
    assert!(
        !out.chars().any(|c| c.is_control() && c != '\n'),
        "control characters in:\n{out}"
    );
    assert!(out.contains(r#"\u{1b}[2J"#), "{out}");
    // The failure in full: check, operation, violation, request, response, curl, shrunk.
    for needle in [
        "FAIL body-schema createConsent (POST /api/consent)",
        "/consent/status: enum at specs/fusionauth-consent.yaml#/components/schemas/Consent/properties/status/enum",
        "\"Revoked\" is not one of",
        "fuzz phase, shrunk to a minimal request, seen in 2 cases",
        "POST http://127.0.0.1:9011/api/consent",
        "response: 200 OK in 3.2 ms",
        "curl -X POST -H 'Authorization: test-key' 'http://127.0.0.1:9011/api/consent' -H 'Content-Type: application/json' -d '{\"consent\":{\"name\":\"a\"}}'",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    // Key headers only, unless a violation names one.
    assert!(out.contains("content-type: application/json"), "{out}");
    assert!(!out.contains("x-request-id"), "{out}");
    // The warning: one line, not in full.
    let warn: Vec<&str> = out.lines().filter(|l| l.starts_with("warn ")).collect();
    assert_eq!(warn.len(), 1, "{out}");
    assert!(
        warn[0].contains("valid-request-accepted retrieveConsent"),
        "{}",
        warn[0]
    );
    assert!(warn[0].ends_with("-> 400)"), "{}", warn[0]);
    assert!(
        !out.contains("fieldErrors"),
        "a warning's body is printed only when verbose"
    );
    // Plain progress: one line per unit, with its case count.
    assert!(
        out.contains("[2/4] fuzz createConsent: 5 cases, 1 failure\n"),
        "{out}"
    );
    assert!(
        out.contains("[3/4] examples retrieveConsent: 2 cases, 1 warning\n"),
        "{out}"
    );
    // The summary.
    for needle in [
        "Cases:    14 (examples 5, fuzz 9)",
        "Time:     1.25 s, 11 cases/s",
        "Found:    1 failure, 1 warning, 0 notices",
        "  FAIL body-schema createConsent: the 200 application/json body does not match its schema",
        "Seed:     42 (replay exactly: the same command with --seed 42 --shard 1/2)",
        "FAILED: 1 violation of the contract",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    let by_check = out
        .lines()
        .find(|l| l.trim_start().starts_with("body-schema "))
        .expect("a body-schema row");
    let numbers: Vec<&str> = by_check.split_whitespace().skip(1).collect();
    assert_eq!(numbers, ["12", "2", "0"], "{by_check}");
    let by_op = out
        .lines()
        .find(|l| l.trim_start().starts_with("createConsent "))
        .expect("a createConsent row");
    assert!(by_op.ends_with("body-schema 2 failed"), "{by_op}");
}

#[test]
fn verbose_prints_warnings_in_full() {
    let out = human(
        &shard1(),
        HumanOptions {
            verbose: true,
            ..HumanOptions::default()
        },
    );
    assert!(
        out.contains("WARN valid-request-accepted retrieveConsent (GET /api/consent/{consentId})"),
        "{out}"
    );
    assert!(out.contains(r#"{"fieldErrors":{}}"#), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("warn ")), "{out}");
}

#[test]
fn colours_only_when_asked() {
    let coloured = human(
        &shard1(),
        HumanOptions {
            color: true,
            ..HumanOptions::default()
        },
    );
    assert!(
        coloured.contains("\u{1b}["),
        "no ANSI codes with color: true"
    );
    // The server's own escape sequence stays escaped even in colour mode.
    assert!(!coloured.contains("\u{1b}[2J"));
    let plain = human(&shard1(), HumanOptions::default());
    assert!(!plain.contains('\u{1b}'));
}

#[test]
fn a_stateful_failure_lists_its_steps_and_all_curl_commands_in_order() {
    let out = human(&shard2(), HumanOptions::default());
    let steps = out
        .find("steps (sent first, in order, to set up the state):")
        .expect("steps listed");
    let post = out[steps..]
        .find("1. POST http://127.0.0.1:9011/api/consent")
        .unwrap();
    let delete = out[steps..]
        .find("2. DELETE http://127.0.0.1:9011/api/consent/5b2e")
        .unwrap();
    assert!(post < delete, "{out}");
    let reproduce = out.find("reproduce (run in order):").expect("{out}");
    let curls: Vec<&str> = out[reproduce..]
        .lines()
        .filter(|l| l.trim_start().starts_with("curl "))
        .collect();
    assert_eq!(curls.len(), 3, "{out}");
    assert!(curls[0].contains("-X POST"), "{}", curls[0]);
    assert!(curls[1].contains("-X DELETE"), "{}", curls[1]);
    assert!(curls[2].contains("-X GET"), "{}", curls[2]);
    assert!(out.contains("(whole body): status at specs/fusionauth-consent.yaml#/paths/~1api~1consent~1{consentId}/delete"), "{out}");
    assert!(
        out.contains("note: revokeUserConsent: skipped: no value could be generated"),
        "{out}"
    );
    assert!(
        out.contains("not tested (see the notes): revokeUserConsent"),
        "{out}"
    );
}

#[test]
fn long_bodies_are_cut_saying_how_much_is_left_out() {
    let mut f = schema_failure();
    let big = format!("[{}]", vec!["{\"id\":12345678}"; 2000].join(","));
    f.response.as_mut().unwrap().body = big.clone();
    let events = finish(
        vec![
            Event::Started {
                info: info(None, &["createConsent"]),
                units: 1,
                coverage: Default::default(),
            },
            case(
                "createConsent",
                Phase::Fuzz,
                &[(Check::BodySchema, Outcome::Failed)],
            ),
            Event::Found(Box::new(f)),
        ],
        0.5,
    );
    let out = human(&events, HumanOptions::default());
    let longest = out.lines().map(str::len).max().unwrap();
    assert!(longest < 2100, "a line of {longest} bytes");
    let cut = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("... ("))
        .expect("a cut note");
    let left: usize = cut.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(left, big.len() - 2000, "{cut}");
}

#[test]
fn bodies_are_cut_on_character_and_line_boundaries() {
    let cases = [
        // 3,000 two-byte characters: cut after 2,000 characters, 2,000 characters left.
        (
            "é".repeat(3000),
            "    ... (2000 more bytes not shown)".to_string(),
            1,
        ),
        // 100 short lines: 40 shown.
        (
            (0..100).map(|i| format!("line {i}\n")).collect::<String>(),
            format!(
                "    ... ({} more bytes not shown)",
                (40..100)
                    .map(|i| format!("line {i}\n").len())
                    .sum::<usize>()
            ),
            40,
        ),
    ];
    for (body, note, lines) in cases {
        let mut f = schema_failure();
        f.response.as_mut().unwrap().body = body.clone();
        let events = finish(
            vec![
                Event::Started {
                    info: info(None, &["createConsent"]),
                    units: 1,
                    coverage: Default::default(),
                },
                Event::Found(Box::new(f)),
            ],
            0.5,
        );
        let out = human(&events, HumanOptions::default());
        let response = &out[out.find("  response: 200").unwrap()..];
        let shown: Vec<&str> = response
            .lines()
            .skip(2) // the status line and content-type
            .take_while(|l| !l.starts_with("    ... ("))
            .collect();
        assert_eq!(shown.len(), lines, "{out}");
        assert!(
            out.contains(&format!("{note}\n")),
            "missing {note:?} in:\n{out}"
        );
    }
}

#[test]
fn plain_progress_prints_a_heartbeat_when_a_unit_runs_long() {
    let mut events = vec![Event::Started {
        info: info(None, &["createConsent"]),
        units: 1,
        coverage: Default::default(),
    }];
    for _ in 0..(2 * stipula::runner::report::human::HEARTBEAT_CASES + 1) {
        events.push(case("createConsent", Phase::Fuzz, &passes(&BASIC)));
    }
    let events = finish(events, 1.0);
    let out = human(&events, HumanOptions::default());
    let beats: Vec<&str> = out.lines().filter(|l| l.starts_with("  ... ")).collect();
    assert_eq!(
        beats,
        [
            "  ... 2000 cases sent, 0 failures so far",
            "  ... 4000 cases sent, 0 failures so far"
        ]
    );
    assert!(out.contains("\nPASSED\n"), "{out}");
}

#[test]
fn the_bar_mode_still_writes_findings_and_summary_to_the_writer() {
    // Off a terminal, indicatif draws nothing; what matters is that the text still arrives.
    let out = human(
        &shard1(),
        HumanOptions {
            progress_bar: true,
            ..HumanOptions::default()
        },
    );
    assert!(out.contains("FAIL body-schema createConsent"), "{out}");
    assert!(out.contains("FAILED: 1 violation of the contract"), "{out}");
    assert!(!out.contains("[1/4]"), "no unit lines under a bar:\n{out}");
}

// ---------------------------------------------------------------- JSON

#[test]
fn json_report_round_trips_into_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    let events = shard1();
    run_through(&mut JsonReporter::create(&path).unwrap(), &events);
    let text = std::fs::read_to_string(&path).unwrap();
    let back: Report = serde_json::from_str(&text).expect("the file is a Report");
    assert_eq!(back, final_report(&events));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["format"], 1);
    assert_eq!(value["tally"]["createConsent"]["body-schema"]["failed"], 2);
    assert_eq!(value["findings"][0]["check"], "body-schema");
}

#[test]
fn an_unwritable_report_path_fails_before_the_run_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("run.json");
    let err = JsonReporter::create(&path).err().expect("no such folder");
    assert!(err.to_string().contains("no-such-dir/run.json"), "{err}");
    let err = JunitReporter::create(&path).err().expect("no such folder");
    assert!(err.to_string().contains("no-such-dir/run.json"), "{err}");
    let err = stipula::runner::report::for_test_run(None, Some(path.clone()))
        .err()
        .expect("no such folder");
    assert!(err.to_string().contains("no-such-dir/run.json"), "{err}");
}

#[test]
fn for_test_run_creates_the_report_files_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (xml, json) = (dir.path().join("junit.xml"), dir.path().join("run.json"));
    let reporters =
        stipula::runner::report::for_test_run(Some(xml.clone()), Some(json.clone())).unwrap();
    assert_eq!(reporters.len(), 3, "the display, JUnit and JSON");
    assert!(xml.exists() && json.exists());
    let display_only = stipula::runner::report::for_test_run(None, None).unwrap();
    assert_eq!(display_only.len(), 1);
}

/// A reporter whose disk is full.
struct Broken;

impl Reporter for Broken {
    fn event(&mut self, _: &Event) -> std::io::Result<()> {
        Err(std::io::Error::other("disk full"))
    }
}

#[test]
fn reporters_fan_out_to_everyone_even_when_one_fails() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    let mut all = Reporters::new();
    all.push(Broken).push(JsonReporter::create(&good).unwrap());
    assert_eq!(all.len(), 2);
    let events = shard1();
    for e in &events {
        let err = all
            .event(e)
            .expect_err("the broken reporter fails every event");
        assert_eq!(err.to_string(), "disk full");
    }
    let back: Report = serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();
    assert_eq!(back, final_report(&events));
}

// ---------------------------------------------------------------- JUnit

/// What a JUnit file holds, read with a plain XML parser.
#[derive(Debug, Default)]
struct Junit {
    suites: Vec<(String, usize, usize)>,
    suite_properties: Vec<(String, String)>,
    /// (classname, name, status, text): status is "ok", "failure" or "skipped".
    cases: Vec<JunitCase>,
}

#[derive(Debug, Default, Clone)]
struct JunitCase {
    classname: String,
    name: String,
    status: String,
    message: String,
    assertions: String,
    failure_text: String,
    system_out: String,
    properties: Vec<(String, String)>,
}

fn parse_junit(xml: &str) -> Junit {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut junit = Junit::default();
    let mut current: Option<JunitCase> = None;
    let mut in_text: Option<&str> = None;
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> String {
        e.try_get_attribute(name)
            .expect("well-formed attributes")
            .map(|a| {
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .expect("escaped value")
                    .into_owned()
            })
            .unwrap_or_default()
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Xml::Eof => break,
            Xml::Start(e) | Xml::Empty(e) if e.name().as_ref() == b"testsuite" => {
                junit.suites.push((
                    attr(&e, "name"),
                    attr(&e, "tests").parse().unwrap(),
                    attr(&e, "failures").parse().unwrap(),
                ));
            }
            Xml::Start(e) if e.name().as_ref() == b"testcase" => {
                current = Some(JunitCase {
                    classname: attr(&e, "classname"),
                    name: attr(&e, "name"),
                    assertions: attr(&e, "assertions"),
                    status: "ok".into(),
                    ..JunitCase::default()
                });
            }
            Xml::Empty(e) if e.name().as_ref() == b"testcase" => {
                junit.cases.push(JunitCase {
                    classname: attr(&e, "classname"),
                    name: attr(&e, "name"),
                    assertions: attr(&e, "assertions"),
                    status: "ok".into(),
                    ..JunitCase::default()
                });
            }
            Xml::Start(e) | Xml::Empty(e)
                if e.name().as_ref() == b"failure" || e.name().as_ref() == b"skipped" =>
            {
                if let Some(c) = current.as_mut() {
                    c.status = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    c.message = attr(&e, "message");
                    in_text = Some("failure");
                }
            }
            Xml::Start(e) if e.name().as_ref() == b"system-out" => {
                in_text = current.as_ref().map(|_| "out");
            }
            Xml::Empty(e) if e.name().as_ref() == b"property" => {
                let property = (attr(&e, "name"), attr(&e, "value"));
                match current.as_mut() {
                    Some(c) => c.properties.push(property),
                    None => junit.suite_properties.push(property),
                }
            }
            Xml::Text(t) => {
                let text = t.xml10_content().expect("text").into_owned();
                if let (Some(c), Some(which)) = (current.as_mut(), in_text) {
                    match which {
                        "failure" => c.failure_text.push_str(&text),
                        _ => c.system_out.push_str(&text),
                    }
                }
            }
            Xml::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let ch = match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                };
                if let (Some(c), Some(which)) = (current.as_mut(), in_text) {
                    match which {
                        "failure" => c.failure_text.push_str(ch),
                        _ => c.system_out.push_str(ch),
                    }
                }
            }
            Xml::End(e) => match e.name().as_ref() {
                b"testcase" => junit.cases.push(current.take().unwrap()),
                b"failure" | b"skipped" | b"system-out" => in_text = None,
                _ => {}
            },
            _ => {}
        }
    }
    junit
}

fn junit_of(events: &[Event]) -> Junit {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junit.xml");
    run_through(&mut JunitReporter::create(&path).unwrap(), events);
    parse_junit(&std::fs::read_to_string(&path).unwrap())
}

fn find<'a>(junit: &'a Junit, classname: &str, name: &str) -> &'a JunitCase {
    junit
        .cases
        .iter()
        .find(|c| c.classname == classname && c.name == name)
        .unwrap_or_else(|| panic!("no test case {classname} {name} in {junit:#?}"))
}

#[test]
fn junit_has_one_test_case_per_operation_and_check_and_failures_with_reproduction() {
    let junit = junit_of(&shard1());
    assert_eq!(junit.suites.len(), 1, "{junit:#?}");
    let (name, tests, failures) = &junit.suites[0];
    assert_eq!(name, SPEC);
    for p in [
        ("seed", "42"),
        ("shard", "1/2"),
        ("cases", "14"),
        ("cases.fuzz", "9"),
    ] {
        assert!(
            junit.suite_properties.contains(&(p.0.into(), p.1.into())),
            "{p:?} not in {:?}",
            junit.suite_properties
        );
    }
    // createConsent: 4 checks; retrieveConsent: 4.
    assert_eq!(*tests, 8);
    assert_eq!(*failures, 1);
    assert_eq!(junit.cases.len(), 8);

    let failed = find(&junit, "createConsent", "body-schema");
    assert_eq!(failed.status, "failure");
    assert_eq!(
        failed.message,
        "the 200 application/json body does not match its schema"
    );
    for needle in [
        "/consent/status: enum",
        "curl -X POST -H 'Authorization: test-key' 'http://127.0.0.1:9011/api/consent'",
        "response: 200 OK",
        "shrunk to a minimal request",
    ] {
        assert!(
            failed.failure_text.contains(needle),
            "missing {needle:?}: {}",
            failed.failure_text
        );
    }
    assert!(
        failed.properties.contains(&("failed".into(), "2".into())),
        "{:?}",
        failed.properties
    );
    assert!(failed.properties.contains(&("passed".into(), "6".into())));
    assert_eq!(failed.assertions, "8");

    // The warning: a passing test case, the warning in full in its system-out.
    let warned = find(&junit, "retrieveConsent", "valid-request-accepted");
    assert_eq!(warned.status, "ok", "{warned:#?}");
    assert!(warned.properties.contains(&("warned".into(), "1".into())));
    assert!(
        warned
            .system_out
            .contains("WARN valid-request-accepted retrieveConsent"),
        "{warned:#?}"
    );
    assert!(warned.system_out.contains("curl -X GET"), "{warned:#?}");

    let passing = find(&junit, "retrieveConsent", "server-error");
    assert_eq!(passing.status, "ok");
    assert_eq!(passing.assertions, "6");
    assert!(
        passing.system_out.is_empty() && passing.properties.is_empty(),
        "passing pairs stay small: {passing:#?}"
    );
}

#[test]
fn junit_marks_an_untested_operation_skipped_with_the_notice() {
    let junit = junit_of(&shard2());
    let skipped = find(&junit, "revokeUserConsent", "not-tested");
    assert_eq!(skipped.status, "skipped");
    assert!(
        skipped.message.contains("no value could be generated"),
        "{skipped:#?}"
    );
    let gone = find(&junit, "deleteConsent", "removed-gone");
    assert_eq!(gone.status, "failure");
    assert!(
        gone.failure_text.contains("steps (sent first, in order"),
        "{gone:#?}"
    );
    assert!(gone.failure_text.contains("-X DELETE"), "{gone:#?}");
}

// ---------------------------------------------------------------- merge

fn write_json_report(dir: &Path, name: &str, events: &[Event]) -> PathBuf {
    let path = dir.join(name);
    run_through(&mut JsonReporter::create(&path).unwrap(), events);
    path
}

#[test]
fn merging_two_shards_sums_tallies_and_keeps_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_json_report(dir.path(), "a.json", &shard1());
    let b = write_json_report(dir.path(), "b.json", &shard2());
    let merged = merge_reports(&[a, b]).expect("merge");
    let (r1, r2) = (final_report(&shard1()), final_report(&shard2()));
    assert_eq!(merged.runs.len(), 2);
    assert_eq!(merged.cases(), r1.cases() + r2.cases());
    assert_eq!(merged.findings.len(), 3);
    assert_eq!(merged.failures(), 2);
    assert_eq!(merged.warnings(), 1);
    assert_eq!(
        merged.tally["createConsent"][&Check::BodySchema],
        CheckTally {
            passed: 6,
            failed: 2,
            warned: 0
        }
    );
    assert_eq!(merged.tally["deleteConsent"][&Check::RemovedGone].failed, 1);
    assert_eq!(merged.elapsed_seconds, 2.5);
    assert_eq!(
        merged.notices.len(),
        1,
        "no missing-shard notice: {:?}",
        merged.notices
    );

    // The merged summary and JUnit cover both shards.
    let text = stipula::runner::report::human::render_report(&merged, HumanOptions::default());
    assert!(
        text.contains("Cases:    16 (examples 5, fuzz 9, stateful 2)"),
        "{text}"
    );
    assert!(
        text.contains(
            "Seed:     42 for all 2 runs (replay one: the same command with --seed 42 --shard K/2)"
        ),
        "{text}"
    );
    assert!(
        text.contains("FAILED: 2 violations of the contract"),
        "{text}"
    );
    let dir2 = tempfile::tempdir().unwrap();
    let xml = dir2.path().join("merged.xml");
    stipula::runner::report::junit::write_junit(&merged, &xml).unwrap();
    let junit = parse_junit(&std::fs::read_to_string(&xml).unwrap());
    assert_eq!(junit.suites.len(), 1);
    assert_eq!(junit.suites[0].2, 2, "two failing test cases");
    for p in [
        ("run.1.shard", "1/2"),
        ("run.2.shard", "2/2"),
        ("cases", "16"),
    ] {
        assert!(
            junit.suite_properties.contains(&(p.0.into(), p.1.into())),
            "{p:?} not in {:?}",
            junit.suite_properties
        );
    }
}

#[test]
fn shards_from_different_machines_and_seeds_still_make_one_complete_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_json_report(dir.path(), "a.json", &shard1());
    let mut events = shard2();
    let moved = |info: &mut RunInfo| {
        info.spec = "/home/runner/work/api/specs/fusionauth-consent.yaml".into();
        info.base_url = "http://127.0.0.1:40123".into();
        info.seed = 7;
    };
    if let Event::Started { info, .. } = &mut events[0] {
        moved(info);
    }
    if let Some(Event::Finished { report }) = events.last_mut() {
        moved(&mut report.runs[0]);
    }
    let b = write_json_report(dir.path(), "b.json", &events);
    let merged = merge_reports(&[a, b]).unwrap();
    assert!(
        !merged.notices.iter().any(|n| n.contains("missing")),
        "{:?}",
        merged.notices
    );
    let text = stipula::runner::report::human::render_report(&merged, HumanOptions::default());
    assert!(
        text.contains("Seeds (replay a run: the same command with its flags):"),
        "{text}"
    );
    assert!(
        text.contains("specs/fusionauth-consent.yaml: --seed 42 --shard 1/2"),
        "{text}"
    );
    assert!(
        text.contains("/home/runner/work/api/specs/fusionauth-consent.yaml: --seed 7 --shard 2/2"),
        "{text}"
    );
}

#[test]
fn the_readme_json_example_is_a_report() {
    let readme = std::fs::read_to_string(repo().join("docs/commands.md")).unwrap();
    let section = &readme[readme.find("## Reports").expect("a Reports section")..];
    let start = section.find("```json\n").expect("a JSON example") + "```json\n".len();
    let end = start + section[start..].find("```").unwrap();
    let report: Report = serde_json::from_str(&section[start..end])
        .unwrap_or_else(|e| panic!("the README's report does not parse: {e}"));
    assert_eq!(report.format, Report::FORMAT);
    assert_eq!(report.failures(), 1);
}

#[test]
fn a_missing_shard_becomes_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_json_report(dir.path(), "a.json", &shard1());
    let merged = merge_reports(&[a]).unwrap();
    assert!(
        merged
            .notices
            .iter()
            .any(|n| n.contains("shard 2/2 missing")),
        "{:?}",
        merged.notices
    );
}

#[test]
fn merge_refuses_the_same_shard_twice_and_bad_files_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_json_report(dir.path(), "a.json", &shard1());
    let a2 = write_json_report(dir.path(), "a-again.json", &shard1());
    let err = merge_reports(&[a.clone(), a2]).unwrap_err();
    assert!(
        err.contains("a-again.json") && err.contains("a.json") && err.contains("shard 1/2"),
        "{err}"
    );

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"format\": 1,\n  \"runs\": [\n").unwrap();
    let err = merge_reports(&[a.clone(), broken]).unwrap_err();
    assert!(
        err.starts_with(&format!("{}:4:", dir.path().join("broken.json").display())),
        "{err}"
    );

    let future = dir.path().join("future.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
    value["format"] = 2.into();
    std::fs::write(&future, value.to_string()).unwrap();
    let err = merge_reports(&[future]).unwrap_err();
    assert!(
        err.contains("future.json") && err.contains("format version 2"),
        "{err}"
    );

    let other = dir.path().join("package.json");
    std::fs::write(&other, r#"{"name": "web", "version": "1.0.0"}"#).unwrap();
    let err = merge_reports(&[other]).unwrap_err();
    assert!(err.contains("package.json: not a stipula report"), "{err}");

    let shape = dir.path().join("shape.json");
    std::fs::write(&shape, r#"{"format": 1, "runs": "none"}"#).unwrap();
    let err = merge_reports(&[shape]).unwrap_err();
    assert!(
        err.contains("shape.json:1:") && err.contains("not a stipula report"),
        "{err}"
    );

    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "").unwrap();
    let err = merge_reports(&[empty]).unwrap_err();
    assert!(
        err.contains("empty.json: empty: the run that should have written it did not finish"),
        "{err}"
    );

    let err = merge_reports(&[dir.path().join("absent.json")]).unwrap_err();
    assert!(err.contains("absent.json: cannot read"), "{err}");
}

fn run_cli(args: &[&str]) -> String {
    let mut all = vec!["stipula"];
    all.extend_from_slice(args);
    let cli = Cli::try_parse_from(&all).expect("arguments parse");
    let code: ExitCode = stipula::cli::run(cli);
    format!("{code:?}")
}

#[test]
fn report_merge_exit_codes_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_json_report(dir.path(), "a.json", &shard1());
    let b = write_json_report(dir.path(), "b.json", &shard2());
    let out_json = dir.path().join("merged.json");
    let out_xml = dir.path().join("merged.xml");
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());

    // Failures: 1, and both outputs written.
    assert_eq!(
        run_cli(&[
            "report",
            "merge",
            a_s,
            b_s,
            "--json",
            out_json.to_str().unwrap(),
            "--junit",
            out_xml.to_str().unwrap(),
        ]),
        format!("{:?}", ExitCode::from(1))
    );
    let merged: Report =
        serde_json::from_str(&std::fs::read_to_string(&out_json).unwrap()).unwrap();
    assert_eq!(merged.findings.len(), 3);
    assert_eq!(
        parse_junit(&std::fs::read_to_string(&out_xml).unwrap()).suites[0].2,
        2
    );

    // Warnings only: 0.
    let mut clean = final_report(&shard1());
    clean.findings.retain(|f| f.severity == Severity::Warning);
    for checks in clean.tally.values_mut() {
        for t in checks.values_mut() {
            t.passed += t.failed;
            t.failed = 0;
        }
    }
    let clean_path = dir.path().join("clean.json");
    std::fs::write(&clean_path, serde_json::to_string(&clean).unwrap()).unwrap();
    assert_eq!(
        run_cli(&["report", "merge", clean_path.to_str().unwrap()]),
        format!("{:?}", ExitCode::SUCCESS)
    );

    // Bad input: 2.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "not json").unwrap();
    assert_eq!(
        run_cli(&["report", "merge", a_s, broken.to_str().unwrap()]),
        format!("{:?}", ExitCode::from(2))
    );
    // An output that cannot be written: 2.
    let nowhere = dir.path().join("missing").join("out.json");
    assert_eq!(
        run_cli(&["report", "merge", a_s, "--json", nowhere.to_str().unwrap()]),
        format!("{:?}", ExitCode::from(2))
    );
    // No file named: a usage error.
    assert!(Cli::try_parse_from(["stipula", "report", "merge"]).is_err());
}

#[test]
fn junit_survives_a_report_with_an_impossible_elapsed_time() {
    let mut report = final_report(&shard1());
    for elapsed in [f64::INFINITY, f64::NAN, -1.0, 1e300] {
        report.elapsed_seconds = elapsed;
        let xml = stipula::runner::report::junit::junit_report(&report)
            .to_string()
            .unwrap();
        assert_eq!(parse_junit(&xml).cases.len(), 8);
        let _ = stipula::runner::report::human::render_report(&report, HumanOptions::default());
    }
}
