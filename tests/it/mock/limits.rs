//! Section 7: Limits: body size (413, without a dropped connection), body read time (408) and JSON
//! nesting depth (400).

use super::*;

#[test]
fn bodies_over_the_size_limit_get_413() {
    let server = serve_validation_with(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    });
    let client = client();
    let base = server.url();
    // A JSON array of exactly `bytes` bytes.
    let array = |bytes: usize| format!("[{}]", " ".repeat(bytes - 2));
    Call::post("/v1/deep")
        .body("application/json", array(1024))
        .expect(&client, &base, 200);
    for size in [1025, 4096, 16 * 1024] {
        let reply = Call::post("/v1/deep")
            .body("application/json", array(size))
            .send(&client, &base);
        let problem = assert_problem(&reply, 413);
        assert!(
            problem["detail"].as_str().unwrap().contains("1024"),
            "{size} bytes: {problem}"
        );
    }
    // The mock still answers afterwards.
    Call::post("/v1/deep")
        .body("application/json", "[]")
        .expect(&client, &base, 200);
}

#[test]
fn large_bodies_over_the_limit_get_413_not_a_dropped_connection() {
    // A client that sends its whole body before it reads (reqwest, like most) must get the 413
    // too: the mock may not close the connection on a body it has not read (RFC 9112 §9.6).
    let server = serve_validation_with(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    });
    let client = client();
    // 16 MiB: far more than socket buffers hold, so the client is still writing when the 413
    // comes.
    let mut body = b"[1".to_vec();
    body.extend(b",1".repeat(8 * 1024 * 1024));
    body.push(b']');
    let call = Call::post("/v1/deep").body("application/json", body);
    let rounds = 8;
    let mut dropped = Vec::new();
    for _ in 0..rounds {
        match call.try_send(&client, &server.url()) {
            Ok(reply) => {
                assert_problem(&reply, 413);
            }
            Err(e) => dropped.push(e),
        }
    }
    assert!(
        dropped.is_empty(),
        "{} of {rounds} 16 MiB bodies got no 413, the connection was dropped: {}",
        dropped.len(),
        dropped[0]
    );
}

#[test]
fn a_body_slower_than_the_limit_gets_408() {
    use std::io::Write;
    let server = serve_validation_with(Limits {
        body_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    });
    // Ten bytes announced, two sent: only a raw socket can do that.
    let mut socket = std::net::TcpStream::connect(server.address()).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
        .write_all(
            b"POST /v1/deep HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n[1",
        )
        .unwrap();
    // The socket's read timeout bounds the wait; the mock must answer well before it.
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("}") {
        match socket.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e) => panic!("no answer to a slow body: {e}"),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}

#[test]
fn bodies_nested_deeper_than_the_limit_get_400() {
    let server = serve_validation_with(Limits {
        max_json_depth: 8,
        ..Limits::default()
    });
    let client = client();
    let base = server.url();
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    Call::post("/v1/deep")
        .body("application/json", nested(4))
        .expect(&client, &base, 200);
    let reply = Call::post("/v1/deep")
        .body("application/json", nested(20))
        .send(&client, &base);
    let problem = assert_problem(&reply, 400);
    assert_violation(&problem, "body", "", "syntax");
    assert!(
        reply.violations().contains("deeper than 8"),
        "{}",
        reply.show()
    );
    // Objects count like arrays.
    let objects = format!("{}1{}", r#"{"a":"#.repeat(20), "}".repeat(20));
    let problem = assert_problem(
        &Call::post("/v1/deep")
            .body("application/json", format!("[{objects}]"))
            .send(&client, &base),
        400,
    );
    assert_violation(&problem, "body", "", "syntax");

    // With the default limit, far deeper than serde_json allows: still a 400, and fast.
    let server = serve(vec![mock_spec("validation.yaml")]);
    for depth in [200, 100_000] {
        let reply = Call::post("/v1/deep")
            .body("application/json", nested(depth))
            .send(&client, &server.url());
        assert_problem(&reply, 400);
    }
}

#[test]
fn json_depth_counts_containers_like_serde_json() {
    // `max_json_depth` is "the deepest JSON nesting accepted" and serde_json's limit, which it
    // mirrors, counts arrays and objects: eight nested arrays nest eight deep whether the
    // innermost one is empty or holds a number.
    let server = serve_validation_with(Limits {
        max_json_depth: 8,
        ..Limits::default()
    });
    let client = client();
    let base = server.url();
    let nested = |n: usize, inner: &str| format!("{}{inner}{}", "[".repeat(n), "]".repeat(n));
    Call::post("/v1/deep")
        .body("application/json", nested(8, ""))
        .expect(&client, &base, 200);
    assert_problem(
        &Call::post("/v1/deep")
            .body("application/json", nested(9, ""))
            .send(&client, &base),
        400,
    );
    Call::post("/v1/deep")
        .body("application/json", nested(8, "1"))
        .expect(&client, &base, 200);
}
