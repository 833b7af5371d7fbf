//! Section 6: Several specs at once: each under its base path (or a mount's override), HTTP/2 on
//! the same port, and clashing routes refused naming both specs.

use super::*;

#[test]
fn the_four_bundled_specs_are_served_together_each_under_its_base_path() {
    let server = serve(all_bundled());
    let client = client();
    let base = server.url();
    let prefixes: Vec<(&str, &str)> = server
        .mounts()
        .iter()
        .map(|m| (m.spec.name(), m.prefix.as_str()))
        .collect();
    assert_eq!(prefixes.len(), 4);
    for (file, prefix) in [
        ("fusionauth-consent.yaml", ""),
        ("lytx-consent-management.json", "/consent-management"),
        ("lytx-users.json", "/lytx-users"),
        ("slashid-gdpr-consent.yaml", "/slashid"),
    ] {
        let m = mount(&server, file);
        assert_eq!(m.prefix, prefix, "{file}");
        // DELETEs last: a removed item answers 404 afterwards.
        let mut ops: Vec<_> = m.spec.operations.iter().collect();
        ops.sort_by_key(|op| op.method == stipula::spec::Method::Delete);
        for op in ops {
            let call = valid_call(&m.spec, &m.prefix, op, None);
            assert!(call.path.starts_with(prefix));
            call.expect(&client, &base, default_status(op));
            // Without the prefix the path is not found (FusionAuth has none).
            if !prefix.is_empty() {
                let mut unprefixed = call.clone();
                unprefixed.path = call.path[prefix.len()..].to_string();
                unprefixed.expect(&client, &base, 404);
            }
        }
    }
}

#[test]
fn http2_with_prior_knowledge_is_served_on_the_same_port() {
    let server = serve(vec![bundled_spec("lytx-consent-management.json")]);
    let h2 = Client::builder().http2_prior_knowledge().build().unwrap();
    let url = format!(
        "{}/consent-management/userconsent/status?employeeId=EMP-9876",
        server.url()
    );
    let reply = h2.get(&url).bearer_auth("t0ken").send().unwrap();
    assert_eq!(reply.version(), reqwest::Version::HTTP_2);
    assert_eq!(reply.status(), 200);
    let body: Value = serde_json::from_str(&reply.text().unwrap()).unwrap();
    assert_eq!(body["data"][0]["employeeId"], "EMP-9876");
    // HTTP/1.1 still works on the same port.
    let h1 = client().get(&url).bearer_auth("t0ken").send().unwrap();
    assert_eq!(h1.version(), reqwest::Version::HTTP_11);
}

#[test]
fn a_mount_can_override_the_base_path() {
    let mounts = vec![
        Mount {
            spec: bundled_spec("lytx-consent-management.json"),
            prefix: "/other".to_string(),
        },
        Mount::at_base_path(bundled_spec("lytx-users.json")),
    ];
    let server = serve_with(mounts, MockConfig::default());
    let client = client();
    let base = server.url();
    Call::get("/other/userconsent/status")
        .bearer("t")
        .expect(&client, &base, 200);
    let problem = assert_problem(
        &Call::get("/consent-management/userconsent/status")
            .bearer("t")
            .send(&client, &base),
        404,
    );
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("/other") && detail.contains("/lytx-users"),
        "{detail}"
    );
    let users = mount(&server, "lytx-users.json");
    valid_call(&users.spec, &users.prefix, &users.spec.operations[0], None)
        .expect(&client, &base, 200);
}

#[test]
fn clashing_routes_are_refused_naming_both_specs() {
    let a = fixture_name("mock/clash-a.yaml");
    let b = fixture_name("mock/clash-b.yaml");
    let clash = |result: Result<MockServer, MockError>| match result {
        Ok(_) => panic!("the clash should be refused"),
        Err(e) => e,
    };
    let e = clash(MockServer::start(vec![
        mock_spec("clash-a.yaml"),
        mock_spec("clash-b.yaml"),
    ]));
    match &e {
        MockError::RouteClash {
            method,
            first,
            first_spec,
            second,
            second_spec,
        } => {
            assert_eq!(method, "GET");
            assert_eq!(
                (first.as_str(), second.as_str()),
                ("/api/things/{id}", "/api/things/{name}")
            );
            assert_eq!((first_spec, second_spec), (&a, &b));
        }
        other => panic!("expected a route clash, got {other}"),
    }
    let message = e.to_string();
    assert!(
        message.contains(&a) && message.contains(&b) && message.contains("--mount"),
        "{message}"
    );

    // App::new says the same, without a socket.
    let mounts = vec![
        Mount::at_base_path(mock_spec("clash-a.yaml")),
        Mount::at_base_path(mock_spec("clash-b.yaml")),
    ];
    assert!(matches!(
        App::new(mounts, MockConfig::default()),
        Err(MockError::RouteClash { .. })
    ));
    // The same spec twice clashes with itself.
    let twice = MockServer::start(vec![
        bundled_spec("lytx-users.json"),
        bundled_spec("lytx-users.json"),
    ]);
    assert!(matches!(clash(twice), MockError::RouteClash { .. }));

    // Mounted apart, both are served.
    let server = serve_with(
        vec![
            Mount::at_base_path(mock_spec("clash-a.yaml")),
            Mount {
                spec: mock_spec("clash-b.yaml"),
                prefix: "/b".to_string(),
            },
        ],
        MockConfig::default(),
    );
    let client = client();
    let reply = Call::get("/api/things/1").expect(&client, &server.url(), 200);
    assert_eq!(reply.text(), r#"{"from":"clash-a"}"#);
    let reply = Call::get("/b/things/1").expect(&client, &server.url(), 200);
    assert_eq!(reply.text(), r#"{"from":"clash-b"}"#);
}
