//! Section 10: Regressions found by review: hostile or unusual requests that once crashed the mock,
//! dropped the connection, sent a 5xx or refused a valid request.

use super::*;

/// Found by review: each of these once crashed the mock, dropped the connection, sent a 5xx or
/// refused a valid request.
#[test]
fn hostile_or_unusual_requests_get_clean_answers() {
    let spec = inline_ok(
        r#"
openapi: 3.0.3
info: {title: Review regressions, version: "1"}
paths:
  /deep:
    get:
      parameters:
        - {name: f, in: query, style: deepObject, explode: true, schema: {type: object}}
      responses:
        "200":
          description: ok
          headers:
            Content-Length: {schema: {type: integer}, example: 999}
            X-Note: {schema: {type: string}, example: "café"}
          content:
            application/json: {example: {ok: true}}
        default: {description: anything else}
  /count:
    post:
      requestBody:
        required: true
        content:
          text/plain: {schema: {type: integer}}
          application/json: {schema: {type: object}}
      responses:
        "204": {description: stored, content: {application/json: {schema: {type: object}}}}
"#,
    );
    let server = serve(vec![spec]);
    let client = client();
    let base = server.url();

    // A deepObject nested thousands of levels deep: a 400 naming the limit, not a crash.
    let deep = format!("{base}/deep?f{}=1", "[a]".repeat(5000));
    let reply = client.get(&deep).send().unwrap();
    assert_eq!(reply.status(), 400);
    assert!(reply.text().unwrap().contains("deepObject nests deeper"));
    // The mock is still alive, and a documented Content-Length header does not override the
    // real framing; a non-ASCII header example is sent as UTF-8.
    let reply = client.get(format!("{base}/deep?f[a]=1")).send().unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["x-note"].as_bytes(), "café".as_bytes());
    assert_eq!(reply.text().unwrap(), r#"{"ok":true}"#);

    // Prefer codes outside 200-599 are refused, even where `default` would cover them.
    for code in ["100", "101", "999", "0"] {
        let reply = client
            .get(format!("{base}/deep"))
            .header("Prefer", format!("code={code}"))
            .send()
            .unwrap();
        assert_eq!(reply.status(), 400, "Prefer: code={code}");
    }
    // 204 carries no body and no Content-Type, whatever the spec documents.
    let reply = client
        .post(format!("{base}/count"))
        .header("Content-Type", "text/plain")
        .body("42")
        .send()
        .unwrap();
    assert_eq!(reply.status(), 204);
    assert!(reply.headers().get("content-type").is_none());
    // A text/plain body is typed by its schema: `42` is an integer, `forty-two` is not.
    let reply = client
        .post(format!("{base}/count"))
        .header("Content-Type", "text/plain")
        .body("forty-two")
        .send()
        .unwrap();
    assert_eq!(reply.status(), 400);
    // A JSON body with a byte order mark is accepted.
    let reply = client
        .post(format!("{base}/count"))
        .header("Content-Type", "application/json")
        .body("\u{feff}{}")
        .send()
        .unwrap();
    assert_eq!(reply.status(), 204);
}

#[test]
fn every_allowed_value_of_a_server_variable_is_mounted() {
    let spec = inline_ok(
        r#"
openapi: 3.0.3
info: {title: Versions, version: "1"}
servers:
  - url: "https://x.example/api/{version}"
    variables:
      version: {default: v1, enum: [v1, v2]}
paths:
  /items:
    get:
      responses:
        "200": {description: ok, content: {application/json: {example: [1]}}}
"#,
    );
    let server = serve(vec![spec]);
    let client = client();
    for version in ["v1", "v2"] {
        let reply = client
            .get(format!("{}/api/{version}/items", server.url()))
            .send()
            .unwrap();
        assert_eq!(reply.status(), 200, "{version}");
    }
    let reply = client
        .get(format!("{}/api/v3/items", server.url()))
        .send()
        .unwrap();
    assert_eq!(reply.status(), 404);
}

#[test]
fn a_schema_demanding_a_billion_items_does_not_hang_the_mock() {
    let spec = inline_ok(
        r#"
openapi: 3.0.3
info: {title: Huge, version: "1"}
paths:
  /huge:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, minItems: 1000000000, items: {type: string, minLength: 100000000}}
  /fine:
    get:
      responses:
        "200": {description: ok, content: {application/json: {example: {ok: true}}}}
"#,
    );
    let server = serve(vec![spec]);
    let client = client();
    let reply = client.get(format!("{}/huge", server.url())).send().unwrap();
    assert!(reply.status().as_u16() < 600);
    let reply = client.get(format!("{}/fine", server.url())).send().unwrap();
    assert_eq!(reply.status(), 200);
}

#[test]
fn removed_items_stay_gone_until_created_again() {
    let server = serve(vec![bundled_spec("fusionauth-consent.yaml")]);
    let client = client();
    let item = format!(
        "{}/api/consent/8c2e4a7e-0000-4000-8000-000000000001",
        server.url()
    );
    let auth = ("Authorization", "any-key");
    let get = |c: &Client| c.get(&item).header(auth.0, auth.1).send().unwrap().status();
    assert_eq!(get(&client), 200);
    let deleted = client.delete(&item).header(auth.0, auth.1).send().unwrap();
    assert_eq!(deleted.status(), 200);
    // Read, update and delete again: the documented 404.
    assert_eq!(get(&client), 404);
    let again = client.delete(&item).header(auth.0, auth.1).send().unwrap();
    assert_eq!(again.status(), 404);
    // Another item is untouched.
    let other = item.replace("0001", "0002");
    assert_eq!(
        client
            .get(&other)
            .header(auth.0, auth.1)
            .send()
            .unwrap()
            .status(),
        200
    );
    // Created again (POST with its id): readable again.
    let body = r#"{"consent": {"name": "Again", "defaultMinimumAgeForSelfConsent": 18}}"#;
    let created = client
        .post(&item)
        .header(auth.0, auth.1)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    assert_eq!(get(&client), 200);
    // Removed again, then a create in the collection: the mock's create answers with the
    // documented item, so the items under it exist again.
    assert_eq!(
        client
            .delete(&item)
            .header(auth.0, auth.1)
            .send()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(get(&client), 404);
    let collection = format!("{}/api/consent", server.url());
    let created = client
        .post(&collection)
        .header(auth.0, auth.1)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    assert_eq!(get(&client), 200);
}
