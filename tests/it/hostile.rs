//! Hostile input: what a client, a spec or a target sends must not crash stipula, exhaust its
//! memory, hang it, or make it read files it should not (issue 12). One test (or a few) per
//! item of the issue, each over real files and real HTTP, with limits set small enough that the
//! test shows the bound rather than the machine's patience. The limits are listed in
//! docs/limits.md.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use stipula::mock::{Limits, MockConfig, MockServer, Mount};
use stipula::spec::{LoadOptions, RefPolicy, Spec};

use crate::support::stipula;

// ---- Helpers: a raw HTTP/1.1 server whose answers the test writes byte by byte.

/// Serves every connection on its own thread: reads the request head, then calls `answer`
/// with the request line and the stream. Counts requests. Runs until the process ends.
fn raw_server(answer: fn(&str, &mut TcpStream)) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                    line.clear();
                }
                counter.fetch_add(1, Ordering::SeqCst);
                answer(request_line.trim(), &mut stream);
            });
        }
    });
    (base, count)
}

/// Answers 200 with a chunked body that never ends (until the reader goes away).
fn endless_chunked(start: &[u8], content_type: &str, stream: &mut TcpStream) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let chunk = |data: &[u8]| {
        let mut c = format!("{:x}\r\n", data.len()).into_bytes();
        c.extend_from_slice(data);
        c.extend_from_slice(b"\r\n");
        c
    };
    if stream.write_all(head.as_bytes()).is_err() || stream.write_all(&chunk(start)).is_err() {
        return;
    }
    let filler = chunk(&b"0,".repeat(32 * 1024));
    while stream.write_all(&filler).is_ok() {}
}

/// Runs `work` on a thread and waits at most `limit` for it: a hang fails the test instead of
/// the suite.
fn within<T: Send + 'static>(limit: Duration, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}"))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn load_error_text(path: &Path, refs: RefPolicy) -> String {
    match Spec::load(path, LoadOptions { refs }) {
        Ok(_) => panic!("{} should not load", path.display()),
        Err(e) => e.to_string(),
    }
}

/// A spec whose one operation answers an example taken from `example_ref`.
fn spec_with_example_ref(example_ref: &str) -> String {
    format!(
        "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /leak:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            text/plain:\n              schema: {{type: string}}\n              example: {{$ref: '{example_ref}'}}\n"
    )
}

/// A spec whose one operation's response schema is `schema_ref`.
fn spec_with_schema_ref(schema_ref: &str) -> String {
    format!(
        "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /leak:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '{schema_ref}'}}\n"
    )
}

/// The body the mock answers on `GET /leak` for the spec at `path`.
fn served_leak(path: &Path) -> String {
    let spec = Spec::load(path, LoadOptions::default()).unwrap();
    let server = MockServer::start(vec![spec]).unwrap();
    reqwest::blocking::get(format!("{}/leak", server.url()))
        .unwrap()
        .text()
        .unwrap()
}

// ---- Item 2: files the spec names. The folder check is on canonical paths, and only regular
// ---- files are read, up to the size limit.

#[test]
fn a_symlink_out_of_the_spec_folder_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("passwd"), "root:x:0:0:secret\n");
    write(&outside.path().join("schema.yaml"), "type: string\n");
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("etc")).unwrap();
    let spec = root.path().join("spec.yaml");
    write(&spec, &spec_with_schema_ref("etc/schema.yaml"));
    let e = load_error_text(&spec, RefPolicy::default());
    assert!(e.contains("symbolic link"), "{e}");
    assert!(e.contains("--allow-outside-refs"), "{e}");
    // Allowed, it is followed (the check is the policy, not a failure to read).
    let allowed = RefPolicy {
        allow_outside_root: true,
        ..RefPolicy::default()
    };
    Spec::load(&spec, LoadOptions { refs: allowed }).unwrap();
    // The issue's case: an example `$ref` through the link. An unresolvable example is kept
    // as written (lint reports it), so the mock serves the reference, not the file.
    write(&spec, &spec_with_example_ref("etc/passwd"));
    let body = served_leak(&spec);
    assert!(!body.contains("secret"), "{body}");
}

#[test]
fn a_symlink_inside_the_spec_folder_is_followed() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("real")).unwrap();
    write(&root.path().join("real/text.yaml"), "hello-from-inside\n");
    std::os::unix::fs::symlink(root.path().join("real"), root.path().join("alias")).unwrap();
    let spec = root.path().join("spec.yaml");
    write(&spec, &spec_with_example_ref("alias/text.yaml"));
    assert!(served_leak(&spec).contains("hello-from-inside"));
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let root = tempfile::tempdir().unwrap();
    let fifo = root.path().join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let spec = root.path().join("spec.yaml");
    write(&spec, &spec_with_schema_ref("pipe.yaml"));
    let e = within(Duration::from_secs(20), move || {
        load_error_text(&spec, RefPolicy::default())
    });
    assert!(e.contains("not a regular file"), "{e}");
}

#[test]
fn a_device_is_refused_even_where_outside_references_are_allowed() {
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.path().join("zero.yaml")).unwrap();
    let spec = root.path().join("spec.yaml");
    write(&spec, &spec_with_schema_ref("zero.yaml"));
    let allowed = RefPolicy {
        allow_outside_root: true,
        ..RefPolicy::default()
    };
    let e = within(Duration::from_secs(20), move || {
        load_error_text(&spec, allowed)
    });
    assert!(e.contains("not a regular file"), "{e}");
    // And as the root document itself.
    let run = stipula(&["lint", "/dev/zero"]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        (run.stdout.clone() + &run.stderr).contains("not a regular file"),
        "{}{}",
        run.stdout,
        run.stderr
    );
}

// ---- Item 3: the runner reads at most --max-response-bytes of a body.

const ONE_ARRAY_OPERATION: &str = "openapi: 3.1.0\ninfo: {title: big, version: '1'}\npaths:\n  /big:\n    get:\n      operationId: big\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: array}\n";

#[test]
fn an_endless_response_body_is_cut_at_the_limit_and_reported() {
    let (base, _) = raw_server(|_, stream| endless_chunked(b"[", "application/json", stream));
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("big.yaml");
    write(&spec, ONE_ARRAY_OPERATION);
    let json = dir.path().join("report.json");
    let run = stipula(&[
        "test",
        spec.to_str().unwrap(),
        "--url",
        &base,
        "--phases",
        "examples",
        "--max-response-bytes",
        "4096",
        "--timeout",
        "60",
        "--json",
        json.to_str().unwrap(),
    ]);
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(
        report.contains("larger than 4096 bytes"),
        "{}\n{}\n{report}",
        run.stdout,
        run.stderr
    );
    // A cut body is a warning (its schema was not checked), never a contract failure.
    assert!(!report.contains("is not JSON"), "{report}");
    assert!(!report.contains("no response"), "{report}");
}

/// Answers 200 with a chunked body that drips two bytes every 100 ms, for at most 20 s.
fn dripping(_: &str, stream: &mut TcpStream) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    for _ in 0..200 {
        std::thread::sleep(Duration::from_millis(100));
        if stream.write_all(b"2\r\n0,\r\n").is_err() {
            return;
        }
    }
    let _ = stream.write_all(b"1\r\n0\r\n1\r\n]\r\n0\r\n\r\n");
}

#[test]
fn a_body_that_keeps_dripping_ends_at_the_timeout() {
    // Every read gets a byte well within the timeout, so only a deadline on the whole
    // exchange stops it (httpbin's `/drip` kept a run going for minutes).
    let (base, _) = raw_server(dripping);
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("big.yaml");
    write(&spec, ONE_ARRAY_OPERATION);
    let json = dir.path().join("report.json");
    let run = stipula(&[
        "test",
        spec.to_str().unwrap(),
        "--url",
        &base,
        "--phases",
        "examples",
        "--timeout",
        "1",
        "--json",
        json.to_str().unwrap(),
    ]);
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(
        report.contains("no response within the 1 s timeout"),
        "{}\n{}\n{report}",
        run.stdout,
        run.stderr
    );
    assert!(report.contains("\"response-time\""), "{report}");
}

// ---- Item 5: `$ref` chains deeper than the limit are a load error, not a stack overflow.

fn items_chain(n: usize) -> String {
    let mut schemas = String::new();
    for i in 0..n {
        schemas += &format!(
            "    S{i}: {{type: array, maxItems: 1, items: {{$ref: '#/components/schemas/S{}'}}}}\n",
            i + 1
        );
    }
    schemas += &format!("    S{n}: {{type: string, enum: [leaf]}}\n");
    format!(
        "openapi: 3.1.0\ninfo: {{title: deep, version: '1'}}\npaths:\n  /deep:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/S0'}}\ncomponents:\n  schemas:\n{schemas}"
    )
}

fn ref_only_chain(n: usize) -> String {
    let mut schemas = String::new();
    for i in 0..n {
        schemas += &format!("    S{i}: {{$ref: '#/components/schemas/S{}'}}\n", i + 1);
    }
    schemas += &format!("    S{n}: {{type: string}}\n");
    format!(
        "openapi: 3.1.0\ninfo: {{title: chain, version: '1'}}\npaths:\n  /chain:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/S0'}}\ncomponents:\n  schemas:\n{schemas}"
    )
}

#[test]
fn a_ref_chain_of_thirty_thousand_is_a_load_error() {
    let started = Instant::now();
    let e = Spec::from_str(
        "chain.yaml",
        &ref_only_chain(30_000),
        LoadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("nest") && e.contains("limit of 1000"), "{e}");
    // Linear, not quadratic: 30,000 refs load (and are refused) in seconds even unoptimized.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn nested_refs_past_the_limit_are_a_load_error_and_below_it_are_served() {
    let e = Spec::from_str("deep.yaml", &items_chain(1_100), LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("limit of 1000"), "{e}");
    // 400 levels load, and the mock generates through all of them on its worker stack.
    let spec = Spec::from_str("deep.yaml", &items_chain(400), LoadOptions::default()).unwrap();
    let server = MockServer::start(vec![spec]).unwrap();
    let response = reqwest::blocking::get(format!("{}/deep", server.url())).unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = serde_json::from_str(&response.text().unwrap()).unwrap();
    assert!(body.is_array(), "{body}");
}

// ---- Item 6: idle connections are closed; connections are capped.

fn small_limits() -> Limits {
    Limits {
        header_read_timeout: Duration::from_millis(500),
        idle_timeout: Duration::from_millis(800),
        max_connections: 64,
        ..Limits::default()
    }
}

fn mock_with(limits: Limits) -> MockServer {
    let spec = crate::support::bundled_spec("lytx-users.json");
    let config = MockConfig {
        limits,
        ..MockConfig::default()
    };
    MockServer::start_with(vec![Mount::at_base_path(spec)], config, "127.0.0.1:0").unwrap()
}

/// Reads until the server closes the connection; the time that took.
fn time_to_close(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return started.elapsed(),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return started.elapsed();
            }
            Err(e) => panic!(
                "the connection is still open after {:?}: {e}",
                started.elapsed()
            ),
        }
    }
}

#[test]
fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let server = mock_with(small_limits());
    let mut stream = TcpStream::connect(server.address()).unwrap();
    let waited = time_to_close(&mut stream);
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_secs(10), "{waited:?}");
}

#[test]
fn half_an_http2_preface_is_closed_after_the_header_timeout() {
    let server = mock_with(small_limits());
    let mut stream = TcpStream::connect(server.address()).unwrap();
    stream.write_all(b"PRI * HTTP/2.0\r\n").unwrap();
    let waited = time_to_close(&mut stream);
    assert!(waited < Duration::from_secs(10), "{waited:?}");
}

#[test]
fn an_idle_h2c_connection_is_closed() {
    let server = mock_with(small_limits());
    let mut stream = TcpStream::connect(server.address()).unwrap();
    // The client preface and an empty SETTINGS frame; then nothing.
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .unwrap();
    let waited = time_to_close(&mut stream);
    assert!(waited < Duration::from_secs(10), "{waited:?}");
}

#[test]
fn an_http1_connection_idle_after_a_request_is_closed() {
    let server = mock_with(small_limits());
    let mut stream = TcpStream::connect(server.address()).unwrap();
    stream
        .write_all(b"GET /nowhere HTTP/1.1\r\nHost: mock\r\n\r\n")
        .unwrap();
    let waited = time_to_close(&mut stream);
    assert!(waited < Duration::from_secs(10), "{waited:?}");
}

#[test]
fn connections_past_the_cap_are_closed_at_once_and_others_served_after() {
    let server = mock_with(Limits {
        header_read_timeout: Duration::from_secs(30),
        max_connections: 2,
        ..Limits::default()
    });
    let held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(server.address()).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = TcpStream::connect(server.address()).unwrap();
    let waited = time_to_close(&mut third);
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    drop(held);
    // The slots free up once the server sees the clients gone.
    let started = Instant::now();
    loop {
        let client = reqwest::blocking::Client::new();
        if let Ok(r) = client
            .get(format!("{}/lytx-users/nowhere", server.url()))
            .send()
        {
            assert_eq!(r.status(), 404);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never served again"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---- Item 7: remote references: the size cap is on the stream; no redirect to another host.

fn allow_remote() -> LoadOptions {
    LoadOptions {
        refs: RefPolicy {
            allow_remote: true,
            ..RefPolicy::default()
        },
    }
}

fn remote_ref_spec(url: &str) -> String {
    format!(
        "openapi: 3.1.0\ninfo: {{title: remote, version: '1'}}\npaths:\n  /p:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '{url}#/Pet'}}\n"
    )
}

#[test]
fn a_chunked_remote_document_is_cut_at_the_cap() {
    let (base, _) = raw_server(|_, stream| endless_chunked(b"Pet: [", "application/yaml", stream));
    let text = remote_ref_spec(&format!("{base}/big.yaml"));
    let e = within(Duration::from_secs(120), move || {
        Spec::from_str("remote.yaml", &text, allow_remote())
            .unwrap_err()
            .to_string()
    });
    assert!(e.contains("larger than 67108864 bytes"), "{e}");
}

#[test]
fn a_redirect_to_another_host_is_not_followed() {
    let (elsewhere, hits) = raw_server(|_, stream| {
        let body = "Pet: {type: object}\n";
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    static ELSEWHERE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ELSEWHERE.set(elsewhere).unwrap();
    let (base, _) = raw_server(|request_line, stream| {
        let location = if request_line.contains("/local") {
            "/doc.yaml".to_string() // same host: followed
        } else {
            format!("{}/doc.yaml", ELSEWHERE.get().unwrap())
        };
        if request_line.contains("/doc.yaml") {
            let body = "Pet: {type: object}\n";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            return;
        }
        let _ = write!(
            stream,
            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    });
    let e = Spec::from_str(
        "remote.yaml",
        &remote_ref_spec(&format!("{base}/away")),
        allow_remote(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("another host"), "{e}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the other host was asked");
    Spec::from_str(
        "remote.yaml",
        &remote_ref_spec(&format!("{base}/local")),
        allow_remote(),
    )
    .unwrap_or_else(|e| panic!("a same-host redirect should be followed: {e}"));
}

// ---- Item 8: what used to panic (exit 101) is an error or a quiet end.

#[test]
fn a_path_without_a_leading_slash_does_not_panic_the_runner() {
    let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  '{id}':\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n      responses: {'200': {description: ok}}\n  things:\n    post:\n      responses: {'201': {description: ok}}\n";
    let spec = Spec::from_str("slashless.yaml", text, LoadOptions::default()).unwrap();
    let served = Spec::from_str("slashless.yaml", text, LoadOptions::default()).unwrap();
    let server = MockServer::start(vec![served]).unwrap();
    let mut config = stipula::runner::Config::new(server.url());
    config.cases = 2;
    config.workers = 1;
    // It used to panic (a usize underflow in the stateful flows). Slashless paths make no
    // usable URL, so nothing gets an answer: a clean error, not a panic.
    match stipula::runner::run(&spec, &config, &mut |_| {}) {
        Ok(_) | Err(stipula::runner::RunError::NothingTested(_)) => {}
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_huge_timeout_is_a_flag_error() {
    let run = stipula(&[
        "test",
        "specs/lytx-users.json",
        "--url",
        "http://127.0.0.1:9",
        "--timeout",
        "1e300",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--timeout"), "{}", run.stderr);
}

#[test]
fn a_closed_output_pipe_ends_the_run_without_a_panic() {
    let server = mock_with(Limits::default());
    let url = format!("{}/lytx-users", server.url());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args([
            "test",
            "specs/lytx-users.json",
            "--url",
            &url,
            "--cases",
            "5",
        ])
        .current_dir(crate::support::repo())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -0`: the reader is gone before anything is written.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_ne!(status.code(), Some(101), "panicked: {status:?}");
}

// ---- Item 10: merging the same unsharded report twice is refused.

#[test]
fn the_same_unsharded_report_merged_twice_is_refused() {
    let server = mock_with(Limits::default());
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("run.json");
    let url = format!("{}/lytx-users", server.url());
    stipula(&[
        "test",
        "specs/lytx-users.json",
        "--url",
        &url,
        "--cases",
        "2",
        "--seed",
        "7",
        "--json",
        json.to_str().unwrap(),
    ]);
    let copy = dir.path().join("copy.json");
    std::fs::copy(&json, &copy).unwrap();
    let e = stipula::runner::report::merge_reports(&[json.clone(), copy]).unwrap_err();
    assert!(e.contains("twice"), "{e}");
    // One report alone merges.
    stipula::runner::report::merge_reports(&[json]).unwrap();
}

// ---- Item 9: a big one-line spec lints in time proportional to its size.

#[test]
fn a_minified_spec_with_thousands_of_findings_lints_in_linear_time() {
    // 6,000 operations on one line, each with a finding (a path parameter never declared).
    // Each finding's snippet used to walk the line from its start: about 90 s unoptimized.
    let paths: Vec<String> = (0..6_000)
        .map(|i| {
            format!(r#""/r{i}/{{id}}":{{"post":{{"responses":{{"201":{{"description":"ok"}}}}}}}}"#)
        })
        .collect();
    let text = format!(
        r#"{{"openapi":"3.1.0","info":{{"title":"big","version":"1"}},"paths":{{{}}}}}"#,
        paths.join(",")
    );
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("big.json");
    write(&spec, &text);
    let started = Instant::now();
    let run = stipula(&["lint", spec.to_str().unwrap(), "--format", "json"]);
    let took = started.elapsed();
    assert!(
        run.stdout.matches("path-param-undeclared").count() >= 6_000,
        "{}",
        &run.stderr
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
}

// ---- Item 1: one request's violations are capped, and so is the work finding them.

const BULK: &str = "openapi: 3.1.0\ninfo: {title: bulk, version: '1'}\npaths:\n  /bulk:\n    post:\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {type: array, items: {type: object, required: [id], properties: {id: {type: integer}}}}\n      responses: {'204': {description: stored}}\n";

fn post_bulk(server: &MockServer, items: usize) -> (serde_json::Value, usize, Duration) {
    let body = format!("[{}]", vec!["{\"x\":1}"; items].join(","));
    let started = Instant::now();
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/bulk", server.url()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(response.status(), 400);
    let text = response.text().unwrap();
    let took = started.elapsed();
    (serde_json::from_str(&text).unwrap(), text.len(), took)
}

#[test]
fn a_body_of_many_wrong_items_gets_a_short_answer_quickly() {
    let spec = Spec::from_str("bulk.yaml", BULK, LoadOptions::default()).unwrap();
    let server = MockServer::start(vec![spec]).unwrap();
    // About 5 MiB: 700,000 items. Refused before parsing: the values are counted on the bytes.
    let (problem, bytes, took) = post_bulk(&server, 700_000);
    let listed = problem["violations"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{problem:.400}");
    assert!(
        listed[0]["message"]
            .as_str()
            .unwrap()
            .contains("more than 250000 JSON values"),
        "{}",
        listed[0]
    );
    assert!(bytes < 16 * 1024, "{bytes} bytes");
    // 10 MiB of such items used to take 43 s, 2 GB and a 122 MB answer (unoptimized).
    assert!(took < Duration::from_secs(30), "{took:?}");
    // 100,000 items (200,000 values): parsed, and only the first violation is looked for
    // (jsonschema would collect all 200,000 before yielding one).
    let (problem, bytes, _) = post_bulk(&server, 100_000);
    let listed = problem["violations"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{problem:.400}");
    assert_eq!(listed[1]["rule"], "x-stipula-truncated", "{}", listed[1]);
    assert!(bytes < 16 * 1024, "{bytes} bytes");
    // A smaller body gets the first 100 violations, then the truncation entry.
    let (problem, bytes, _) = post_bulk(&server, 3_000);
    let listed = problem["violations"].as_array().unwrap();
    let cap = stipula::schema::validate::MAX_VIOLATIONS;
    assert_eq!(listed.len(), cap + 1, "{problem:.400}");
    assert_eq!(
        listed[cap]["rule"], "x-stipula-truncated",
        "{}",
        listed[cap]
    );
    assert!(bytes < 64 * 1024, "{bytes} bytes");
}

// ---- Item 4: generator bombs get a clear 500 from the mock, quickly, and the mock lives on.

fn bomb_spec(schema: &str) -> String {
    format!(
        "openapi: 3.1.0\ninfo: {{title: bomb, version: '1'}}\npaths:\n  /bomb:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {schema}\n  /fine:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{type: integer, minimum: 3, maximum: 3}}\n"
    )
}

fn assert_bomb_answers_500(schema: &str) {
    let spec = Spec::from_str("bomb.yaml", &bomb_spec(schema), LoadOptions::default()).unwrap();
    let server = MockServer::start(vec![spec]).unwrap();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let started = Instant::now();
    let response = client.get(format!("{}/bomb", server.url())).send().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), 500);
    let text = response.text().unwrap();
    assert!(text.contains("cannot-generate"), "{text}");
    assert!(
        text.contains("bomb.yaml#/paths/~1bomb"),
        "names the schema: {text}"
    );
    assert!(text.contains("generation budget"), "{text}");
    let fine = client.get(format!("{}/fine", server.url())).send().unwrap();
    assert_eq!(fine.text().unwrap(), "3");
}

#[test]
fn nested_min_items_are_a_500_naming_the_schema() {
    assert_bomb_answers_500(
        "{type: array, minItems: 1000, items: {type: array, minItems: 1000, items: {type: array, minItems: 1000, items: {type: integer}}}}",
    );
}

#[test]
fn nested_min_properties_are_a_500_naming_the_schema() {
    assert_bomb_answers_500(
        "{type: object, minProperties: 5000, additionalProperties: {type: object, minProperties: 5000, additionalProperties: {type: string, minLength: 100}}}",
    );
}

#[test]
fn a_pattern_of_nested_counted_repetitions_is_a_500_naming_the_schema() {
    assert_bomb_answers_500("{type: string, pattern: '^((a{1000}){1000}){1000}$'}");
}

#[test]
fn lint_warns_of_a_schema_too_large_to_generate_and_only_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("bomb.yaml");
    write(
        &spec,
        &bomb_spec("{type: array, minItems: 1000, items: {$ref: '#/components/schemas/Row'}}")
            .replace(
                "paths:",
                "components:\n  schemas:\n    Row: {type: array, minItems: 1000, items: {type: string, pattern: '^(ab{1000})+$'}}\npaths:",
            ),
    );
    let run = stipula(&["lint", spec.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        run.stdout.matches("\"schema-too-large\"").count(),
        1,
        "{}",
        run.stdout
    );
    // None on the bundled specs.
    let bundled = stipula(&["lint", "specs", "--format", "json"]);
    assert!(
        !bundled.stdout.contains("schema-too-large"),
        "{}",
        bundled.stdout
    );
}
