//! Section 4: Security: bearer, API keys, basic and alternatives as documented, and `--token` as
//! the only credential accepted when given.

use super::*;

#[test]
fn bearer_security_refuses_missing_and_malformed_credentials() {
    let server = serve(vec![bundled_spec("lytx-consent-management.json")]);
    let client = client();
    let base = server.url();
    let spec = &server.mounts()[0].spec;
    let status = || Call::get("/consent-management/userconsent/status");

    // No credential: the documented 401 (no body), with a Bearer challenge.
    let reply = status().expect(&client, &base, 401);
    assert!(reply.body.is_empty(), "{}", reply.show());
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert!(
        reply.violations().contains("Authorization"),
        "{}",
        reply.show()
    );
    // The update operation documents a 401 body.
    let reply = Call::post("/consent-management/userconsent/update")
        .json(&json!([]))
        .send(&client, &base);
    assert_documented_error(&reply, op(spec, "Consent_UpdateUserConsent"), 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));

    for malformed in [
        "Bearer",
        "Basic eHl6",
        "Basic xyz",
        "Token abc",
        "Bearer a b",
        "Bearer {}",
    ] {
        let reply = status()
            .header("authorization", malformed)
            .send(&client, &base);
        assert_eq!(
            reply.status,
            401,
            "Authorization: {malformed}: {}",
            reply.show()
        );
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer"),
            "{malformed}"
        );
    }
    status()
        .bearer("abc.DEF-123_~+/==")
        .expect(&client, &base, 200);
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    status()
        .header("authorization", "bearer abc")
        .expect(&client, &base, 200);
    // Security comes before validation: an invalid request without credentials is a 401.
    status()
        .query("userId", "not-a-uuid")
        .expect(&client, &base, 401);
}

#[test]
fn a_configured_token_is_the_only_credential_accepted() {
    let mounts = vec![
        Mount::at_base_path(bundled_spec("lytx-consent-management.json")),
        Mount::at_base_path(bundled_spec("fusionauth-consent.yaml")),
        Mount::at_base_path(mock_spec("auth.yaml")),
    ];
    let server = serve_with(mounts, with_token("s3cret"));
    let client = client();
    let base = server.url();
    let status = || Call::get("/consent-management/userconsent/status");
    status().bearer("s3cret").expect(&client, &base, 200);
    status().bearer("other").expect(&client, &base, 401);
    status().bearer("s3cret2").expect(&client, &base, 401);
    status().expect(&client, &base, 401);

    // FusionAuth: the API key is the whole Authorization header.
    let consents = || Call::get("/api/consent");
    consents()
        .header("authorization", "s3cret")
        .expect(&client, &base, 200);
    consents()
        .header("authorization", "other-key")
        .expect(&client, &base, 401);
    // API keys in the query and in a cookie.
    Call::get("/v1/query-key")
        .query("api_key", "s3cret")
        .expect(&client, &base, 200);
    Call::get("/v1/query-key")
        .query("api_key", "nope")
        .expect(&client, &base, 401);
    Call::get("/v1/cookie-key")
        .cookie("sid=s3cret")
        .expect(&client, &base, 200);
    Call::get("/v1/cookie-key")
        .cookie("sid=nope")
        .expect(&client, &base, 401);
    // Open operations stay open.
    Call::get("/v1/public").expect(&client, &base, 200);

    // Basic: the token is `user:password`.
    let server = serve_with(
        vec![Mount::at_base_path(mock_spec("auth.yaml"))],
        with_token("ann:s3cret"),
    );
    let base = server.url();
    Call::get("/v1/basic")
        .header("authorization", &basic("ann:s3cret"))
        .expect(&client, &base, 200);
    Call::get("/v1/basic")
        .header("authorization", &basic("ann:other"))
        .expect(&client, &base, 401);
}

#[test]
fn api_keys_basic_and_alternatives_as_documented() {
    let server = serve(vec![
        bundled_spec("fusionauth-consent.yaml"),
        mock_spec("auth.yaml"),
    ]);
    let client = client();
    let base = server.url();

    // FusionAuth: an apiKey scheme `in: header, name: Authorization`: any non-empty value.
    let consents = || Call::get("/api/consent");
    let reply = consents().expect(&client, &base, 401);
    assert!(reply.body.is_empty(), "documented empty: {}", reply.show());
    consents()
        .header("authorization", "bf69486b-4733-4470-a592-f1bfce7af580")
        .expect(&client, &base, 200);

    // A document-level bearer requirement is inherited; `security: []` needs nothing.
    let reply = Call::get("/v1/default").send(&client, &base);
    assert_problem(&reply, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    Call::get("/v1/default")
        .bearer("t")
        .expect(&client, &base, 200);
    Call::get("/v1/public").expect(&client, &base, 200);
    Call::get("/v1/public")
        .bearer("ignored")
        .expect(&client, &base, 200);

    // API key in the query.
    assert_problem(&Call::get("/v1/query-key").send(&client, &base), 401);
    assert_problem(
        &Call::get("/v1/query-key")
            .query("api_key", "")
            .send(&client, &base),
        401,
    );
    assert_problem(
        &Call::get("/v1/query-key")
            .query("apikey", "k")
            .send(&client, &base),
        401,
    );
    Call::get("/v1/query-key")
        .query("api_key", "k")
        .expect(&client, &base, 200);

    // API key in a cookie.
    assert_problem(&Call::get("/v1/cookie-key").send(&client, &base), 401);
    Call::get("/v1/cookie-key")
        .cookie("theme=dark")
        .cookie("sid=abc")
        .expect(&client, &base, 200);

    // Basic: base64 of `user:password`.
    Call::get("/v1/basic")
        .header("authorization", &basic("user:pass"))
        .expect(&client, &base, 200);
    for bad in [
        "Basic !!!".to_string(),
        basic("no-colon"),
        "Bearer abc".to_string(),
        "Basic".to_string(),
    ] {
        let reply = Call::get("/v1/basic")
            .header("authorization", &bad)
            .send(&client, &base);
        assert_problem(&reply, 401);
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Basic realm=\"stipula\""),
            "{bad}"
        );
    }

    // Alternatives (OR): either one; none gets both challenges that apply.
    Call::get("/v1/either")
        .query("api_key", "k")
        .expect(&client, &base, 200);
    Call::get("/v1/either")
        .header("authorization", &basic("u:p"))
        .expect(&client, &base, 200);
    let reply = Call::get("/v1/either").send(&client, &base);
    assert_problem(&reply, 401);
    assert!(
        reply
            .header("www-authenticate")
            .unwrap_or("")
            .contains("Basic"),
        "{}",
        reply.show()
    );

    // A combination (AND): both.
    Call::get("/v1/both")
        .query("api_key", "k")
        .cookie("sid=s")
        .expect(&client, &base, 200);
    Call::get("/v1/both")
        .query("api_key", "k")
        .expect(&client, &base, 401);
    Call::get("/v1/both")
        .cookie("sid=s")
        .expect(&client, &base, 401);
}
