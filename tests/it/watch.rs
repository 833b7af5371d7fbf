//! `stipula mock --watch`: a mock on a temporary copy of a spec, the copy edited while it
//! serves. Each test polls for the new answer under a generous deadline (a hang fails, a slow
//! machine does not), then makes a broken edit, waits until the watcher has refused it, and
//! checks the last good version still answers.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use stipula::mock::{MockConfig, MockServer, MountPlan, Reloader};
use stipula::spec::LoadOptions;

/// Far longer than a reload takes: only a watcher that never reloads reaches it.
const DEADLINE: Duration = Duration::from_secs(30);

fn spec(word: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: Words, version: '1'}}\nservers: [{{url: /api}}]\npaths:\n  /word:\n    get:\n      responses:\n        '200':\n          description: a word\n          content:\n            application/json:\n              schema: {{$ref: 'schemas.yaml#/Word'}}\n              example: {{word: {word}}}\n"
    )
}

const SCHEMAS: &str = "Word:\n  type: object\n  properties:\n    word: {type: string}\n";

/// Polls `check` until it gives a value or the deadline passes.
fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn get(url: &str) -> (u16, String) {
    let r = reqwest::blocking::get(url).expect("the mock answers");
    (r.status().as_u16(), r.text().unwrap())
}

/// Writes a file the way editors do: a new file renamed over the old one.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn start(dir: &Path) -> MockServer {
    let reloader = Reloader {
        plans: vec![MountPlan {
            path: dir.join("api.yaml"),
            prefix: None,
        }],
        options: LoadOptions::default(),
        config: MockConfig::default(),
    };
    MockServer::start_watching(reloader, "127.0.0.1:0").expect("the mock starts")
}

#[test]
fn an_edit_is_served_and_a_broken_edit_keeps_the_last_good_version() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api.yaml");
    std::fs::write(&api, spec("one")).unwrap();
    std::fs::write(dir.path().join("schemas.yaml"), SCHEMAS).unwrap();
    let server = start(dir.path());
    let url = format!("{}/api/word", server.url());
    assert_eq!(get(&url), (200, r#"{"word":"one"}"#.to_string()));

    // Written in place.
    std::fs::write(&api, spec("two")).unwrap();
    eventually("the edit", || {
        (get(&url).1 == r#"{"word":"two"}"#).then_some(())
    });
    // Saved through a rename, as editors do.
    save(&api, &spec("three"));
    eventually("the renamed-over edit", || {
        (get(&url).1 == r#"{"word":"three"}"#).then_some(())
    });
    let good = server.reload_status().unwrap();
    assert_eq!(good.failures, 0);
    assert!(good.reloads >= 2);

    // A YAML syntax error: refused with its line and column, the last good version serves.
    save(&api, &spec("four").replace("paths:", "paths: ["));
    let error = eventually("the refusal", || server.reload_status().unwrap().last_error);
    let name = api.to_string_lossy();
    assert!(error.contains(&format!("{name}:6:8 ")), "{error}");
    assert!(error.contains("invalid YAML"), "{error}");
    assert_eq!(get(&url), (200, r#"{"word":"three"}"#.to_string()));

    // Fixed again: served.
    save(&api, &spec("five"));
    eventually("the fixed edit", || {
        (get(&url).1 == r#"{"word":"five"}"#).then_some(())
    });
    assert_eq!(server.reload_status().unwrap().last_error, None);
}

#[test]
fn an_edit_of_a_referenced_file_reloads_and_a_dangling_ref_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api.yaml");
    let schemas = dir.path().join("schemas.yaml");
    std::fs::write(&api, spec("one")).unwrap();
    std::fs::write(&schemas, SCHEMAS).unwrap();
    let server = start(dir.path());
    let url = format!("{}/api/word", server.url());
    assert_eq!(get(&url), (200, r#"{"word":"one"}"#.to_string()));
    // The referenced file renames its component: api.yaml's `$ref` now dangles.
    std::fs::write(&schemas, SCHEMAS.replace("Word:", "Term:")).unwrap();
    let error = eventually("the refusal of the dangling $ref", || {
        server.reload_status().unwrap().last_error
    });
    let name = api.to_string_lossy();
    assert!(error.contains(&format!("{name}:12:")), "{error}");
    assert!(error.contains("points at nothing"), "{error}");
    assert_eq!(get(&url), (200, r#"{"word":"one"}"#.to_string()));
    // api.yaml catches up: served.
    save(&api, &spec("two").replace("#/Word", "#/Term"));
    eventually("the fixed pair", || {
        (get(&url).1 == r#"{"word":"two"}"#).then_some(())
    });
}

/// Reads a child's stream into a shared string, on a thread of its own.
fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    text
}

#[test]
fn the_command_line_watches_and_logs_a_broken_edit_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api.yaml");
    std::fs::write(&api, spec("one")).unwrap();
    std::fs::write(dir.path().join("schemas.yaml"), SCHEMAS).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args(["mock", "--watch", "--port", "0"])
        .arg(&api)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = collect(child.stdout.take().unwrap());
    let stderr = collect(child.stderr.take().unwrap());
    let base = eventually("the listening line", || {
        let out = stdout.lock().unwrap();
        out.lines()
            .find_map(|l| l.strip_prefix("stipula mock listening on "))
            .map(|l| l.split(' ').next().unwrap().to_string())
    });
    assert!(stdout.lock().unwrap().contains("watching the spec files"));
    let url = format!("{base}/api/word");
    assert_eq!(get(&url).1, r#"{"word":"one"}"#);
    save(&api, &spec("two"));
    eventually("the edit", || {
        (get(&url).1 == r#"{"word":"two"}"#).then_some(())
    });
    save(&api, &spec("three").replace("paths:", "paths: ["));
    let name = api.to_string_lossy().into_owned();
    eventually("the logged refusal", || {
        let err = stderr.lock().unwrap();
        (err.contains("reload failed; still serving the last good version")
            && err.contains(&format!("{name}:6:8 ")))
        .then_some(())
    });
    assert_eq!(get(&url).1, r#"{"word":"two"}"#);
    child.kill().unwrap();
    child.wait().unwrap();
}
