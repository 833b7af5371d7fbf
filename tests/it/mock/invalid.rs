//! Section 3: Invalid requests, one class each: what the spec documents for them (its 400 or 422
//! and the fitting named example), else a problem naming the violation.

use super::*;

#[test]
fn invalid_requests_to_the_lytx_consent_api_get_its_documented_400() {
    let spec = bundled_spec("lytx-consent-management.json");
    let server = serve(vec![spec]);
    let client = client();
    let base = server.url();
    let spec = &server.mounts()[0].spec;
    let status_op = op(spec, "Consent_GetUserConsentStatus");
    let update_op = op(spec, "Consent_UpdateUserConsent");
    let status = || Call::get("/consent-management/userconsent/status").bearer("t0ken");
    let update = || Call::post("/consent-management/userconsent/update").bearer("t0ken");

    // Valid first, so that every refusal below is for its one reason.
    status()
        .query("userId", "550e8400-e29b-41d4-a716-446655440000")
        .expect(&client, &base, 200);
    let item =
        json!({"employeeId": "EMP-9876", "productName": "facialId", "consentStatus": "Obtained"});
    update().json(&json!([item])).expect(&client, &base, 200);

    // A query parameter of the wrong format.
    let reply = status().query("userId", "not-a-uuid").send(&client, &base);
    assert_documented_error(&reply, status_op, 400);
    assert!(
        reply.violations().contains("query userId"),
        "{}",
        reply.show()
    );

    // No body where one is required.
    let reply = update().send(&client, &base);
    assert_documented_error(&reply, update_op, 400);
    assert!(
        reply.violations().starts_with("body /:"),
        "{}",
        reply.show()
    );
    assert!(reply.violations().contains("required"), "{}", reply.show());
    let reply = update()
        .body("application/json", Vec::new())
        .send(&client, &base);
    assert_documented_error(&reply, update_op, 400);

    // Malformed JSON (truncated).
    let reply = update()
        .body(
            "application/json",
            r#"[{"employeeId": "EMP-9876", "productName": "faci"#,
        )
        .send(&client, &base);
    assert_documented_error(&reply, update_op, 400);
    assert!(
        reply.violations().starts_with("body /:"),
        "{}",
        reply.show()
    );
    assert!(reply.violations().contains("JSON"), "{}", reply.show());

    // A body that is not UTF-8.
    let mut bytes = br#"[{"employeeId": ""#.to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, 0xfd]);
    bytes.extend_from_slice(br#"", "productName": "facialId", "consentStatus": "Obtained"}]"#);
    let reply = update()
        .body("application/json", bytes)
        .send(&client, &base);
    assert_documented_error(&reply, update_op, 400);
    assert!(reply.violations().contains("UTF-8"), "{}", reply.show());

    // 2001 items against maxItems 2000.
    let reply = update()
        .json(&Value::Array(vec![item.clone(); 2001]))
        .send(&client, &base);
    assert_named_documented_error(&reply, update_op, 400, Some("maxItemsExceeded"));
    assert!(
        reply.violations().starts_with("body /:"),
        "{}",
        reply.show()
    );
    update()
        .json(&Value::Array(vec![item.clone(); 2000]))
        .expect(&client, &base, 200);

    // An item whose consentStatus is outside the enum, another without a required property.
    let bad = json!([
        item,
        {"employeeId": "EMP-1", "productName": "facialId", "consentStatus": "Maybe"},
        {"employeeId": "EMP-2", "consentStatus": "Obtained"},
    ]);
    let reply = update().json(&bad).send(&client, &base);
    assert_documented_error(&reply, update_op, 400);
    assert!(
        reply.violations().contains("body /1/consentStatus"),
        "{}",
        reply.show()
    );
    assert!(reply.violations().contains("body /2"), "{}", reply.show());

    // A Content-Type the operation does not document: no 415 is documented, so its 400.
    let reply = update()
        .body("text/plain", "EMP-9876,facialId,Obtained")
        .send(&client, &base);
    assert_documented_error(&reply, update_op, 400);
    assert!(
        reply.violations().contains("Content-Type"),
        "{}",
        reply.show()
    );
    // A body without any Content-Type.
    let reply = update()
        .json(&json!([item]))
        .without_header("content-type")
        .send(&client, &base);
    assert_documented_error(&reply, update_op, 400);
    assert!(
        reply.violations().contains("header Content-Type"),
        "{}",
        reply.show()
    );
}

#[test]
fn a_missing_required_header_gets_the_slashid_documented_400() {
    let spec = bundled_spec("slashid-gdpr-consent.yaml");
    let server = serve(vec![spec]);
    let client = client();
    let mount = &server.mounts()[0];
    let op = &mount.spec.operations[0];
    let valid = valid_call(&mount.spec, &mount.prefix, op, None);
    valid.expect(&client, &server.url(), 201);

    let reply = valid
        .clone()
        .without_header("SlashID-OrgID")
        .send(&client, &server.url());
    assert_documented_error(&reply, op, 400);
    assert!(
        reply.violations().contains("header SlashID-OrgID"),
        "{}",
        reply.show()
    );

    // A consent level outside the enum.
    let reply = valid
        .clone()
        .json(&json!({"consent_levels": ["necessary", "everything"]}))
        .send(&client, &server.url());
    assert_documented_error(&reply, op, 400);
    assert!(
        reply.violations().contains("body /consent_levels/1"),
        "{}",
        reply.show()
    );
}

#[test]
fn fusionauth_documents_what_malformed_json_gets() {
    let server = serve(vec![bundled_spec("fusionauth-consent.yaml")]);
    let client = client();
    let spec = &server.mounts()[0].spec;
    let create = op(spec, "createConsent");
    let call = valid_call(spec, "", create, None);
    call.expect(&client, &server.url(), 200);
    let reply = call
        .clone()
        .body("application/json", r#"{"consent": {"name": "#)
        .send(&client, &server.url());
    // Its first documented 400 example is FusionAuth's own "Your JSON was invalid".
    assert_documented_error(&reply, create, 400);
    assert!(
        reply.text().contains("Your JSON was invalid"),
        "{}",
        reply.show()
    );
    // A missing required property deep in the body is named by its pointer.
    let reply = call
        .clone()
        .json(&json!({"consent": {"name": "Patient Consent"}}))
        .send(&client, &server.url());
    assert_eq!(reply.status, 400, "{}", reply.show());
    assert!(
        reply.violations().contains("body /consent"),
        "{}",
        reply.show()
    );
    // A path parameter that is not a uuid.
    let retrieve = op(spec, "retrieveConsent");
    let mut call = valid_call(spec, "", retrieve, None);
    call.path = "/api/consent/42".to_string();
    let reply = call.send(&client, &server.url());
    assert_documented_error(&reply, retrieve, 400);
    assert!(
        reply.violations().contains("path consentId"),
        "{}",
        reply.show()
    );
}

#[test]
fn invalid_path_form_and_cookie_values_get_a_problem_naming_them() {
    let server = serve(vec![mock_spec("validation.yaml")]);
    let client = client();
    let base = server.url();

    // Path parameter: wrong type, then below its minimum.
    Call::get("/v1/items/5").expect(&client, &base, 200);
    let reply = Call::get("/v1/items/abc").send(&client, &base);
    let problem = assert_problem(&reply, 400);
    assert_violation(&problem, "path", "id", "type");
    assert!(reply.violations().contains("path id"), "{}", reply.show());
    let problem = assert_problem(&Call::get("/v1/items/0").send(&client, &base), 400);
    assert_violation(&problem, "path", "id", "minimum");

    // A form body: typed by its schema, checked field by field.
    let form = "application/x-www-form-urlencoded";
    Call::post("/v1/forms")
        .body(form, "name=Ann+Lee&age=3&tags=a&tags=b")
        .expect(&client, &base, 200);
    let reply = Call::post("/v1/forms")
        .body(form, "name=Ann&age=abc")
        .send(&client, &base);
    let problem = assert_problem(&reply, 400);
    assert_violation(&problem, "body", "/age", "type");
    assert!(reply.violations().contains("body /age"), "{}", reply.show());
    let problem = assert_problem(
        &Call::post("/v1/forms")
            .body(form, "age=3")
            .send(&client, &base),
        400,
    );
    assert_violation(&problem, "body", "", "required");
    let problem = assert_problem(
        &Call::post("/v1/forms")
            .body(form, "name=%FF")
            .send(&client, &base),
        400,
    );
    assert_violation(&problem, "body", "", "syntax");

    // Cookie parameters: missing, wrong format, outside the enum.
    let session = "session=2f1d4b8e-3c1a-4f6e-9b7d-0a1b2c3d4e5f";
    Call::get("/v1/session")
        .cookie(session)
        .cookie("theme=dark")
        .expect(&client, &base, 200);
    let reply = Call::get("/v1/session").send(&client, &base);
    let problem = assert_problem(&reply, 400);
    assert_violation(&problem, "cookie", "session", "required");
    assert!(
        reply.violations().contains("cookie session"),
        "{}",
        reply.show()
    );
    let problem = assert_problem(
        &Call::get("/v1/session")
            .cookie("session=not-a-uuid")
            .send(&client, &base),
        400,
    );
    assert_violation(&problem, "cookie", "session", "format");
    let problem = assert_problem(
        &Call::get("/v1/session")
            .cookie(session)
            .cookie("theme=blue")
            .send(&client, &base),
        400,
    );
    assert_violation(&problem, "cookie", "theme", "enum");
    // Every violation at once, in one round trip.
    let problem = assert_problem(
        &Call::get("/v1/session")
            .cookie("session=x")
            .cookie("theme=blue")
            .send(&client, &base),
        400,
    );
    assert_eq!(problem_violations(&problem).len(), 2, "{problem}");
}

#[test]
fn a_documented_422_answers_schema_violations_and_400_malformed_requests() {
    let spec = mock_spec("validation.yaml");
    let server = serve(vec![spec]);
    let client = client();
    let base = server.url();
    let op = op(&server.mounts()[0].spec, "postStrict");
    let strict = || Call::post("/v1/strict");
    strict()
        .json(&json!({"name": "a", "count": 10}))
        .expect(&client, &base, 201);

    // Well-formed JSON that breaks the schema: 422.
    let reply = strict()
        .json(&json!({"name": "a", "count": 11}))
        .send(&client, &base);
    assert_documented_error(&reply, op, 422);
    assert!(
        reply.violations().contains("body /count"),
        "{}",
        reply.show()
    );
    // Malformed JSON, or no body at all: 400.
    let reply = strict()
        .body("application/json", "{\"name\":")
        .send(&client, &base);
    assert_documented_error(&reply, op, 400);
    assert_documented_error(&strict().send(&client, &base), op, 400);
    // A well-formed body missing a required property breaks its schema like any other rule.
    let reply = strict().json(&json!({"count": 1})).send(&client, &base);
    assert_documented_error(&reply, op, 422);
}
