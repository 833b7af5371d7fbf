//! Section 5: Routing (404 vs 405, literal paths before templates, case-sensitive methods), CORS
//! preflights, HEAD, and content negotiation.

use super::*;

#[test]
fn routing_404_405_and_literal_paths_before_templates() {
    let server = serve(vec![mock_spec("routing.yaml")]);
    let client = client();
    let base = server.url();

    let problem = assert_problem(&Call::get("/v1/nowhere").send(&client, &base), 404);
    assert!(
        problem["detail"].as_str().unwrap().contains("/v1"),
        "the detail names the mounts: {problem}"
    );
    assert_problem(&Call::get("/users/7").send(&client, &base), 404);
    assert_problem(&Call::get("/v1/users/7/extra").send(&client, &base), 404);

    let reply = Call::new("PUT", "/v1/users/7").send(&client, &base);
    assert_problem(&reply, 405);
    let allow: BTreeSet<&str> = reply
        .header("allow")
        .unwrap_or_else(|| panic!("no Allow: {}", reply.show()))
        .split(',')
        .map(str::trim)
        .collect();
    assert_eq!(
        allow,
        BTreeSet::from(["DELETE", "GET", "HEAD", "OPTIONS"]),
        "{}",
        reply.show()
    );
    let reply = Call::post("/v1/users/me").send(&client, &base);
    assert_problem(&reply, 405);
    assert!(
        !reply.header("allow").unwrap_or("").contains("DELETE"),
        "{}",
        reply.show()
    );

    // The literal /users/me beats /users/{id} (whose id must be an integer).
    let reply = Call::get("/v1/users/me").expect(&client, &base, 200);
    assert_eq!(reply.text(), r#"{"id":0,"name":"me"}"#);
    let reply = Call::get("/v1/users/7").expect(&client, &base, 200);
    assert_eq!(reply.text(), r#"{"id":7,"name":"Rex"}"#);
    assert_eq!(reply.header("x-rate-limit"), Some("100"));
    let reply = Call::new("DELETE", "/v1/users/7").expect(&client, &base, 204);
    assert!(reply.body.is_empty());
}

#[test]
fn http_methods_are_case_sensitive() {
    // RFC 9110 §9.1: "The method token is case-sensitive". `get` is not GET: a strict mock
    // must not serve it as GET, or a client bug goes unnoticed.
    let server = serve(vec![mock_spec("routing.yaml")]);
    let client = client();
    let reply = Call::new("get", "/v1/users/7").send(&client, &server.url());
    assert_problem(&reply, 405);
    assert!(reply.header("allow").is_some_and(|a| a.contains("GET")));
}

#[test]
fn cors_preflight_and_allow_origin() {
    let server = serve(vec![mock_spec("routing.yaml"), mock_spec("auth.yaml")]);
    let client = client();
    let base = server.url();
    let origin = "http://app.example:3000";

    let reply = Call::new("OPTIONS", "/v1/users/7")
        .header("origin", origin)
        .header("access-control-request-method", "DELETE")
        .header("access-control-request-headers", "authorization, prefer")
        .expect(&client, &base, 204);
    assert!(reply.body.is_empty());
    let methods = reply
        .header("access-control-allow-methods")
        .unwrap_or_else(|| panic!("{}", reply.show()));
    for m in ["GET", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let allowed_headers = reply
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        allowed_headers.contains("authorization") && allowed_headers.contains("prefer"),
        "{}",
        reply.show()
    );

    // A browser sends no credentials with a preflight: a secured path answers it all the same.
    let reply = Call::new("OPTIONS", "/v1/default")
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .expect(&client, &base, 204);
    assert!(
        reply
            .header("access-control-allow-methods")
            .is_some_and(|m| m.contains("GET")),
        "{}",
        reply.show()
    );
    let reply = Call::get("/v1/default")
        .header("origin", origin)
        .expect(&client, &base, 401);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    // OPTIONS without a preflight's headers: 204 with Allow.
    let reply = Call::new("OPTIONS", "/v1/users/7").expect(&client, &base, 204);
    assert!(reply.header("allow").is_some_and(|a| a.contains("DELETE")));

    // Normal answers: `*` without credentials (no `--cors-origin` list; see mock_prism for one).
    let reply = Call::get("/v1/users/7")
        .header("origin", origin)
        .expect(&client, &base, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert_eq!(reply.header("access-control-allow-credentials"), None);
    let reply = Call::get("/v1/users/7").expect(&client, &base, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    // Errors carry CORS too, or a browser could not read them.
    let reply = Call::get("/v1/nowhere")
        .header("origin", origin)
        .expect(&client, &base, 404);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let reply = Call::get("/v1/users/abc")
        .header("origin", origin)
        .expect(&client, &base, 400);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn head_accept_and_content_type_negotiation() {
    let server = serve(vec![mock_spec("routing.yaml")]);
    let client = client();
    let base = server.url();

    // HEAD on a GET operation: the GET's headers, no body.
    let get = Call::get("/v1/users/7").expect(&client, &base, 200);
    let head = Call::new("HEAD", "/v1/users/7").expect(&client, &base, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.content_type(), Some("application/json"));
    assert_eq!(head.header("x-rate-limit"), Some("100"));
    if let Some(length) = head.header("content-length") {
        assert_eq!(
            length,
            get.body.len().to_string(),
            "a HEAD's Content-Length must be the GET's (RFC 9110 §8.6)"
        );
    }
    let reply = Call::new("HEAD", "/v1/nowhere").expect(&client, &base, 404);
    assert!(reply.body.is_empty());

    // Accept: the documented media type the client prefers (JSON first on a tie).
    let reply = Call::get("/v1/users/7")
        .header("accept", "application/xml")
        .send(&client, &base);
    let problem = assert_problem(&reply, 406);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("application/json") && detail.contains("text/plain"),
        "{problem}"
    );
    let json = r#"{"id":7,"name":"Rex"}"#;
    for (accept, media_type, body) in [
        ("application/json", "application/json", json),
        ("application/*", "application/json", json),
        ("*/*", "application/json", json),
        ("text/plain, application/json", "application/json", json),
        (
            "application/xml, application/json;q=0.5",
            "application/json",
            json,
        ),
        ("text/plain", "text/plain", "Rex (7)"),
        ("text/*", "text/plain", "Rex (7)"),
        (
            "application/json;q=0.5, text/plain",
            "text/plain",
            "Rex (7)",
        ),
        ("application/json;q=0, */*", "text/plain", "Rex (7)"),
    ] {
        let reply = Call::get("/v1/users/7")
            .header("accept", accept)
            .expect(&client, &base, 200);
        assert_eq!(reply.content_type(), Some(media_type), "Accept: {accept}");
        assert_eq!(reply.text(), body, "Accept: {accept}");
    }
    assert_problem(
        &Call::get("/v1/users/7")
            .header("accept", "application/json;q=0, text/plain;q=0")
            .send(&client, &base),
        406,
    );
    // An operation without a body ignores Accept.
    Call::new("DELETE", "/v1/users/7")
        .header("accept", "application/xml")
        .expect(&client, &base, 204);

    // Content-Type.
    let reply = Call::post("/v1/things")
        .body("text/csv", "name\nchair\n")
        .send(&client, &base);
    let problem = assert_problem(&reply, 415);
    assert_violation(&problem, "header", "Content-Type", "mediaType");
    assert!(
        reply.violations().contains("Content-Type"),
        "{}",
        reply.show()
    );
    let reply = Call::post("/v1/things")
        .body("application/json; charset=utf-8", r#"{"name":"chair"}"#)
        .expect(&client, &base, 201);
    assert_eq!(reply.text(), r#"{"id":1,"name":"chair"}"#);
    Call::post("/v1/things")
        .body("Application/JSON", r#"{"name":"chair"}"#)
        .expect(&client, &base, 201);
}
