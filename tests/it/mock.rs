//! `stipula mock` over real HTTP on 127.0.0.1 (port 0 always), with `reqwest::blocking` as the
//! client: documented examples byte for byte for every bundled operation, `Prefer`, request
//! validation (one class of invalid request each), security, routing and CORS, several specs at
//! once, limits, deterministic generated bodies, and the `stipula mock` binary.
//!
//! Fixtures are in `tests/fixtures/mock/` (see the fixtures README). Each test starts the servers
//! it needs and shares them between its asserts.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::blocking::Client;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use stipula::mock::{App, Limits, MockConfig, MockError, MockServer, Mount};
use stipula::params;
use stipula::schema::Direction;
use stipula::schema::generate::{Generator, documented_example};
use stipula::spec::{
    MediaType, Operation, ParamIn, Parameter, Response, SecurityScheme, Spec, StatusKey,
};

use crate::support::*;

// ---------------------------------------------------------------------------------------------
// Client side: requests, replies, assertions

/// What came back, read whole.
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {}", self.show()))
    }

    /// The `x-stipula-violations` header, or `""`.
    fn violations(&self) -> &str {
        self.header("x-stipula-violations").unwrap_or("")
    }

    /// Status, headers and body, for failure messages.
    fn show(&self) -> String {
        let mut text = self.text();
        if text.len() > 2000 {
            text.truncate(2000);
            text.push_str("...");
        }
        format!("{} {:?}\n{text}", self.status, self.headers)
    }
}

/// One request, built up and sent to a server's base URL.
#[derive(Debug, Clone)]
struct Call {
    method: String,
    path: String,
    /// Pairs already percent-encoded.
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    /// `name=value` fragments of the Cookie header.
    cookies: Vec<String>,
    body: Option<Vec<u8>>,
}

impl Call {
    fn new(method: &str, path: &str) -> Call {
        Call {
            method: method.to_string(),
            path: path.to_string(),
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
        }
    }

    fn get(path: &str) -> Call {
        Call::new("GET", path)
    }

    fn post(path: &str) -> Call {
        Call::new("POST", path)
    }

    fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Replaces every header of that name.
    fn set_header(mut self, name: &str, value: &str) -> Call {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.header(name, value)
    }

    fn without_header(mut self, name: &str) -> Call {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn query(mut self, name: &str, value: &str) -> Call {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    fn cookie(mut self, pair: &str) -> Call {
        self.cookies.push(pair.to_string());
        self
    }

    fn prefer(self, value: &str) -> Call {
        self.set_header("prefer", value)
    }

    fn bearer(self, token: &str) -> Call {
        self.set_header("authorization", &format!("Bearer {token}"))
    }

    fn body(mut self, content_type: &str, bytes: impl Into<Vec<u8>>) -> Call {
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        self.headers
            .push(("content-type".to_string(), content_type.to_string()));
        self.body = Some(bytes.into());
        self
    }

    fn json(self, value: &Value) -> Call {
        self.body("application/json", serde_json::to_vec(value).unwrap())
    }

    fn url(&self, base: &str) -> String {
        let mut url = format!("{base}{}", self.path);
        if !self.query.is_empty() {
            let pairs: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            url.push('?');
            url.push_str(&pairs.join("&"));
        }
        url
    }

    fn send(&self, client: &Client, base: &str) -> Reply {
        self.try_send(client, base)
            .unwrap_or_else(|e| panic!("{} {}: {e}", self.method, self.url(base)))
    }

    /// Sends; `Err` when no complete answer came back (connection refused, reset, closed).
    fn try_send(&self, client: &Client, base: &str) -> Result<Reply, String> {
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).unwrap();
        let url = self.url(base);
        let mut request = client.request(method, &url);
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if !self.cookies.is_empty() {
            request = request.header("cookie", self.cookies.join("; "));
        }
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        let response = request.send().map_err(|e| format!("no answer: {e:?}"))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .map_err(|e| format!("the body could not be read: {e:?}"))?
            .to_vec();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Sends and asserts the status (never a 5xx unless one was asked for).
    fn expect(&self, client: &Client, base: &str, status: u16) -> Reply {
        let reply = self.send(client, base);
        assert_eq!(
            reply.status,
            status,
            "{} {}: {}",
            self.method,
            self.url(base),
            reply.show()
        );
        reply
    }
}

fn client() -> Client {
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Asserts an RFC 9457 problem of the mock's own making; returns its JSON.
fn assert_problem(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.show());
    assert_eq!(
        reply.content_type(),
        Some("application/problem+json"),
        "{}",
        reply.show()
    );
    let body = reply.json();
    assert_eq!(body["status"], json!(status), "{}", reply.show());
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("https://stipula.dev/problems/")),
        "{}",
        reply.show()
    );
    assert!(body["title"].is_string(), "{}", reply.show());
    assert!(body["detail"].is_string(), "{}", reply.show());
    body
}

/// The violations of a problem body, as (in, name or pointer, rule).
fn problem_violations(problem: &Value) -> Vec<(String, String, String)> {
    problem["violations"]
        .as_array()
        .unwrap_or_else(|| panic!("no violations in {problem}"))
        .iter()
        .map(|v| {
            assert!(v["message"].is_string(), "{v}");
            let location = v["in"].as_str().unwrap_or_default().to_string();
            let at = if location == "body" {
                v["pointer"].as_str()
            } else {
                v["name"].as_str()
            };
            (
                location,
                at.unwrap_or_else(|| panic!("no name or pointer in {v}"))
                    .to_string(),
                v["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn assert_violation(problem: &Value, location: &str, at: &str, rule: &str) {
    let all = problem_violations(problem);
    assert!(
        all.iter()
            .any(|(l, a, r)| l == location && a == at && r == rule),
        "expected a violation ({location}, {at:?}, {rule}) among {all:?}"
    );
}

/// Asserts the documented response `code` of `op`, rendered with its first example.
fn assert_documented_error(reply: &Reply, op: &Operation, code: u16) {
    assert_named_documented_error(reply, op, code, None);
}

/// Like `assert_documented_error`, expecting the example called `name` (the one that fits the
/// violation) instead of the first.
fn assert_named_documented_error(reply: &Reply, op: &Operation, code: u16, name: Option<&str>) {
    assert_eq!(reply.status, code, "{}: {}", op.label(), reply.show());
    let documented = op.response(StatusKey::Code(code)).unwrap();
    let media = documented.content.first().expect("a documented body");
    assert_eq!(reply.content_type(), Some(media.media_type.as_str()));
    let example = match name {
        Some(n) => media
            .examples
            .iter()
            .find(|e| e.name.as_deref() == Some(n))
            .and_then(|e| e.value.as_ref()),
        None => first_example(media),
    }
    .expect("a documented example");
    assert_eq!(
        reply.text(),
        String::from_utf8(serde_json::to_vec(example).unwrap()).unwrap(),
        "{}: the documented {code} example",
        op.label()
    );
}

fn first_example(media: &MediaType) -> Option<&Value> {
    media.examples.iter().find_map(|e| e.value.as_ref())
}

/// Asserts that a reply is what `documented` describes: its first media type, a body valid
/// against that media type's schema (exactly `example` when given), its documented headers.
fn assert_conforms(
    spec: &Spec,
    op: &Operation,
    documented: &Response,
    reply: &Reply,
    example: Option<&Value>,
) {
    let what = format!("{} {}", op.label(), documented.status);
    for h in &documented.headers {
        if h.name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        let value = reply
            .header(&h.name)
            .unwrap_or_else(|| panic!("{what}: documented header {} missing", h.name));
        if let Some(schema) = h.schema {
            let typed = params::coerce(&spec.schemas, spec.schemas.get(schema), value);
            let v = spec.schemas.validate(schema, Direction::Response, &typed);
            assert!(v.is_empty(), "{what}: header {}: {value}: {v:?}", h.name);
        }
    }
    let Some(media) = documented.content.first() else {
        assert!(reply.body.is_empty(), "{what}: no body is documented");
        assert_eq!(reply.content_type(), None, "{what}");
        return;
    };
    assert_eq!(
        reply.content_type(),
        Some(media.media_type.as_str()),
        "{what}: {}",
        reply.show()
    );
    if let Some(example) = example {
        assert_eq!(
            reply.body,
            serde_json::to_vec(example).unwrap(),
            "{what}: not the documented example byte for byte:\n{}\nexpected:\n{example}",
            reply.text()
        );
    }
    let body = reply.json();
    if let Some(schema) = media.schema {
        let v = spec.schemas.validate(schema, Direction::Response, &body);
        assert!(v.is_empty(), "{what}: {body} breaks its schema: {v:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Building valid requests from the spec

/// A value for a parameter: its example, else its schema's documented example, else generated.
fn param_value(spec: &Spec, p: &Parameter) -> Value {
    if let Some(v) = p.examples.iter().find_map(|e| e.value.clone()) {
        return v;
    }
    if let Some(v) = p.content.first().and_then(first_example) {
        return v.clone();
    }
    let schema = p
        .schema
        .or_else(|| p.content.first().and_then(|m| m.schema))
        .unwrap_or_else(|| panic!("parameter {} has neither example nor schema", p.name));
    documented_example(&spec.schemas, schema, Direction::Request)
        .unwrap_or_else(|| Generator::new(&spec.schemas, Direction::Request).sample(schema, 0))
}

/// A request the operation accepts: path parameters and required query, header and cookie
/// parameters from their examples, the body's first example, credentials for the first security
/// alternative (`token` when the mock requires one).
fn valid_call(spec: &Spec, prefix: &str, op: &Operation, token: Option<&str>) -> Call {
    let mut path = format!("{prefix}{}", op.path);
    let mut call = Call::new(op.method.as_str(), "");
    for p in &op.parameters {
        if !p.required && p.location != ParamIn::Path {
            continue;
        }
        let value = param_value(spec, p);
        match p.location {
            ParamIn::Path => {
                path = path.replace(&format!("{{{}}}", p.name), &params::encode_path(p, &value))
            }
            ParamIn::Query => call.query.extend(params::encode_query(p, &value)),
            ParamIn::Header => call = call.header(&p.name, &params::encode_header(p, &value)),
            ParamIn::Cookie => call = call.cookie(&params::encode_cookie(p, &value)),
        }
    }
    call.path = path;
    if let Some(media) = op.request_body.as_ref().and_then(|b| b.content.first()) {
        let value = first_example(media).cloned().unwrap_or_else(|| {
            let schema = media.schema.expect("a request body schema");
            documented_example(&spec.schemas, schema, Direction::Request).unwrap_or_else(|| {
                Generator::new(&spec.schemas, Direction::Request).sample(schema, 0)
            })
        });
        let bytes = match &value {
            Value::String(s) if !media.media_type.contains("json") => s.clone().into_bytes(),
            v => serde_json::to_vec(v).unwrap(),
        };
        call = call.body(&media.media_type, bytes);
    }
    with_credentials(spec, op, token, call)
}

fn with_credentials(spec: &Spec, op: &Operation, token: Option<&str>, mut call: Call) -> Call {
    let Some(requirement) = op.effective_security(&spec.security).first() else {
        return call;
    };
    for (name, _) in &requirement.schemes {
        let scheme = spec
            .security_scheme(name)
            .unwrap_or_else(|| panic!("{}: no security scheme {name}", spec.name()));
        call = match scheme {
            SecurityScheme::ApiKey { name, location } => {
                let key = token.unwrap_or("test-api-key");
                match location {
                    ParamIn::Header => call.set_header(name, key),
                    ParamIn::Query => call.query(name, key),
                    ParamIn::Cookie => call.cookie(&format!("{name}={key}")),
                    ParamIn::Path => panic!("an API key in the path"),
                }
            }
            SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
                call.set_header("authorization", &basic(token.unwrap_or("user:pass")))
            }
            SecurityScheme::MutualTls => call,
            _ => call.bearer(token.unwrap_or("test-token")),
        };
    }
    call
}

fn basic(credential: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credential)
    )
}

/// The status a mock answers by default: the lowest documented 2xx, else 200 for `2XX` or
/// `default`, else the lowest documented code.
fn default_status(op: &Operation) -> u16 {
    let codes = |range: std::ops::Range<u16>| {
        op.responses
            .iter()
            .filter_map(|r| match r.status {
                StatusKey::Code(c) if range.contains(&c) => Some(c),
                _ => None,
            })
            .min()
    };
    codes(200..300)
        .or_else(|| {
            (op.response(StatusKey::Range(2)).is_some()
                || op.response(StatusKey::Default).is_some())
            .then_some(200)
        })
        .or_else(|| codes(100..600))
        .unwrap_or_else(|| panic!("{} documents no response", op.label()))
}

// ---------------------------------------------------------------------------------------------
// Servers

fn mock_spec(name: &str) -> Spec {
    load(&format!("mock/{name}"))
}

fn serve(specs: Vec<Spec>) -> MockServer {
    MockServer::start(specs).unwrap_or_else(|e| panic!("the mock should start: {e}"))
}

fn serve_with(mounts: Vec<Mount>, config: MockConfig) -> MockServer {
    MockServer::start_with(mounts, config, "127.0.0.1:0")
        .unwrap_or_else(|e| panic!("the mock should start: {e}"))
}

/// The `validation.yaml` fixture served with other limits.
fn serve_validation_with(limits: Limits) -> MockServer {
    let config = MockConfig {
        limits,
        ..MockConfig::default()
    };
    serve_with(
        vec![Mount::at_base_path(mock_spec("validation.yaml"))],
        config,
    )
}

fn with_token(token: &str) -> MockConfig {
    MockConfig {
        token: Some(token.to_string()),
        ..MockConfig::default()
    }
}

fn all_bundled() -> Vec<Spec> {
    BUNDLED_FILES.iter().map(|n| bundled_spec(n)).collect()
}

/// The mount serving a spec file (by file name).
fn mount<'s>(server: &'s MockServer, file: &str) -> &'s Mount {
    server
        .mounts()
        .iter()
        .find(|m| m.spec.name().ends_with(file))
        .unwrap_or_else(|| panic!("{file} is not mounted"))
}

// ---------------------------------------------------------------------------------------------
// 1. Every bundled operation answers its documented example

#[test]
fn every_bundled_operation_answers_its_documented_example() {
    let server = serve(all_bundled());
    let client = client();
    let mut checked = 0;
    for mount in server.mounts() {
        let spec = &mount.spec;
        // DELETEs last: a removed item answers 404 afterwards (see `removed_items_stay_gone`).
        let mut ops: Vec<_> = spec.operations.iter().collect();
        ops.sort_by_key(|op| op.method == stipula::spec::Method::Delete);
        for op in ops {
            let call = valid_call(spec, &mount.prefix, op, None);
            let status = default_status(op);
            let reply = call.expect(&client, &server.url(), status);
            let documented = op.response_for(status).unwrap();
            let example = documented.content.first().and_then(|media| {
                first_example(media).cloned().or_else(|| {
                    media
                        .schema
                        .and_then(|s| documented_example(&spec.schemas, s, Direction::Response))
                })
            });
            if let Some(media) = documented.content.first() {
                assert!(
                    example.is_some(),
                    "{}: every bundled 2xx body is documented by an example ({})",
                    op.label(),
                    media.media_type
                );
            }
            assert_conforms(spec, op, documented, &reply, example.as_ref());
            // The same request again gives the same bytes.
            assert_eq!(call.send(&client, &server.url()).body, reply.body);
            checked += 1;
        }
    }
    assert_eq!(checked, 16, "every operation of the four bundled specs");
}

// ---------------------------------------------------------------------------------------------
// 2. Prefer: code, example, dynamic

#[test]
fn prefer_selects_every_documented_status_example_and_generated_body() {
    let server = serve(all_bundled());
    let client = client();
    let base = server.url();
    let mut named = 0;
    let mut dynamic = 0;
    for mount in server.mounts() {
        let spec = &mount.spec;
        for op in &spec.operations {
            let call = valid_call(spec, &mount.prefix, op, None);
            let mut documented_codes = Vec::new();
            for documented in &op.responses {
                let StatusKey::Code(code) = documented.status else {
                    continue;
                };
                documented_codes.push(code.to_string());
                let what = format!("{} {code}", op.label());
                let reply = call
                    .clone()
                    .prefer(&format!("code={code}"))
                    .expect(&client, &base, code);
                let media = documented.content.first();
                assert_conforms(spec, op, documented, &reply, media.and_then(first_example));
                let Some(media) = media else { continue };
                let mut names = Vec::new();
                for example in &media.examples {
                    let (Some(name), Some(value)) = (&example.name, &example.value) else {
                        continue;
                    };
                    names.push(name.as_str());
                    let reply = call
                        .clone()
                        .prefer(&format!("code={code}, example={name}"))
                        .expect(&client, &base, code);
                    assert_conforms(spec, op, documented, &reply, Some(value));
                    named += 1;
                }
                if media.schema.is_some() {
                    let reply = call
                        .clone()
                        .prefer(&format!("code={code}, dynamic=true"))
                        .send(&client, &base);
                    assert_eq!(reply.status, code, "{what} dynamic: {}", reply.show());
                    assert_conforms(spec, op, documented, &reply, None);
                    dynamic += 1;
                }
                let reply = call
                    .clone()
                    .prefer(&format!("code={code}, example=no-such-example"))
                    .send(&client, &base);
                let problem = assert_problem(&reply, 422);
                let detail = problem["detail"].as_str().unwrap();
                assert!(detail.contains("no-such-example"), "{what}: {detail}");
                if names.is_empty() {
                    assert!(detail.contains("no named examples"), "{what}: {detail}");
                }
                for name in names {
                    assert!(detail.contains(name), "{what}: {name} not in {detail}");
                }
            }
            let undocumented = (400..600)
                .find(|&c| op.response_for(c).is_none())
                .expect("an undocumented status");
            let reply = call
                .clone()
                .prefer(&format!("code={undocumented}"))
                .send(&client, &base);
            let problem = assert_problem(&reply, 422);
            let detail = problem["detail"].as_str().unwrap();
            assert!(
                detail.contains(&undocumented.to_string()),
                "{}: {detail}",
                op.label()
            );
            for code in &documented_codes {
                assert!(
                    detail.contains(code.as_str()),
                    "{}: {code} not in {detail}",
                    op.label()
                );
            }
        }
    }
    assert!(named > 50, "only {named} named examples were asked for");
    assert!(
        dynamic > 30,
        "only {dynamic} generated bodies were asked for"
    );
}

#[test]
fn prefer_example_without_code_picks_from_the_default_status() {
    let spec = bundled_spec("slashid-gdpr-consent.yaml");
    let server = serve(vec![spec]);
    let client = client();
    let mount = &server.mounts()[0];
    let op = &mount.spec.operations[0];
    let call = valid_call(&mount.spec, &mount.prefix, op, None);
    let created = op.response(StatusKey::Code(201)).unwrap();
    let from_schema = created.content[0]
        .examples
        .iter()
        .find(|e| e.name.as_deref() == Some("fromSchema"))
        .unwrap();
    let reply = call
        .clone()
        .prefer("example=\"fromSchema\"")
        .expect(&client, &server.url(), 201);
    assert_conforms(&mount.spec, op, created, &reply, from_schema.value.as_ref());
    // A malformed code is the client's mistake: 400, not a guess.
    let reply = call.prefer("code=abc").send(&client, &server.url());
    assert_problem(&reply, 400);
}

// ---------------------------------------------------------------------------------------------
// 3. Invalid requests, one class each

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

    // A Content-Type the operation does not document: 415 (none documented: a problem).
    let reply = update()
        .body("text/plain", "EMP-9876,facialId,Obtained")
        .send(&client, &base);
    assert_problem(&reply, 415);
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

// ---------------------------------------------------------------------------------------------
// 4. Security

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

// ---------------------------------------------------------------------------------------------
// 5. Routing, CORS, HEAD, content negotiation

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
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
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
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
    // OPTIONS without a preflight's headers: 204 with Allow.
    let reply = Call::new("OPTIONS", "/v1/users/7").expect(&client, &base, 204);
    assert!(reply.header("allow").is_some_and(|a| a.contains("DELETE")));

    // Normal answers: the origin echoed (credentials allowed), else `*`.
    let reply = Call::get("/v1/users/7")
        .header("origin", origin)
        .expect(&client, &base, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
    assert!(
        reply
            .header("vary")
            .is_some_and(|v| v.to_ascii_lowercase().contains("origin")),
        "{}",
        reply.show()
    );
    let reply = Call::get("/v1/users/7").expect(&client, &base, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    // Errors carry CORS too, or a browser could not read them.
    let reply = Call::get("/v1/nowhere")
        .header("origin", origin)
        .expect(&client, &base, 404);
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
    let reply = Call::get("/v1/users/abc")
        .header("origin", origin)
        .expect(&client, &base, 400);
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
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

// ---------------------------------------------------------------------------------------------
// 6. Several specs at once

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

// ---------------------------------------------------------------------------------------------
// 7. Limits

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

// ---------------------------------------------------------------------------------------------
// 8. Generated bodies are deterministic for a seed

#[test]
fn generated_bodies_depend_only_on_the_seed() {
    let start = |seed: u64| {
        serve_with(
            vec![Mount::at_base_path(mock_spec("generated.yaml"))],
            MockConfig {
                seed,
                ..MockConfig::default()
            },
        )
    };
    let client = client();
    let report = Call::get("/v1/report");
    let (one, two, other) = (start(7), start(7), start(8));
    let first = report.expect(&client, &one.url(), 200);
    let spec = &one.mounts()[0].spec;
    let get_report = &spec.operations[0];
    assert_conforms(spec, get_report, &get_report.responses[0], &first, None);
    assert_eq!(
        first.body,
        report.send(&client, &one.url()).body,
        "same server"
    );
    assert_eq!(
        first.body,
        report.send(&client, &two.url()).body,
        "same seed"
    );
    let different = report.send(&client, &other.url());
    assert_conforms(spec, get_report, &get_report.responses[0], &different, None);
    assert_ne!(
        first.body, different.body,
        "seed 8 should give another body"
    );

    // Prefer: dynamic=true on a documented example generates, deterministically too.
    let server = serve(vec![bundled_spec("lytx-consent-management.json")]);
    let mount = &server.mounts()[0];
    let status = op(&mount.spec, "Consent_GetUserConsentStatus");
    let call = valid_call(&mount.spec, &mount.prefix, status, None).prefer("dynamic=true");
    let generated = call.expect(&client, &server.url(), 200);
    assert_conforms(&mount.spec, status, &status.responses[0], &generated, None);
    assert_eq!(generated.body, call.send(&client, &server.url()).body);
}

// ---------------------------------------------------------------------------------------------
// 9. The stipula binary

/// A `stipula mock` process, killed when dropped.
struct Running {
    child: Child,
    url: String,
    /// What it printed on stdout up to the line that gives the URL.
    printed: Vec<String>,
    /// Later stdout lines (kept open so that the process never writes to a closed pipe).
    stdout: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `stipula mock ARGS` in the repository and waits for "stipula mock listening on URL".
fn spawn_mock(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stipula"))
        .arg("mock")
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the stipula binary runs");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut running = Running {
        child,
        url: String::new(),
        printed: Vec::new(),
        stdout: rx,
        stderr: Some(stderr),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while running.url.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        match running.stdout.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("stipula mock listening on ") {
                    running.url = rest.split_whitespace().next().unwrap().to_string();
                }
                running.printed.push(line);
            }
            Err(_) => panic!(
                "stipula mock {args:?} did not say where it listens:\n{}",
                running.printed.join("\n")
            ),
        }
    }
    running
}

impl Running {
    /// SIGTERM, then the exit status (within a few seconds) and everything logged on stderr.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let sent = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "stipula mock did not exit on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let log = self.stderr.take().unwrap().join().unwrap();
        (status, log)
    }
}

/// Runs `stipula mock ARGS` that must fail to start: its exit code and stderr.
fn mock_refused(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stipula"))
        .arg("mock")
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stipula mock {args:?} kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code(), stderr)
}

#[cfg(unix)]
#[test]
fn the_binary_serves_until_sigterm_then_exits_cleanly() {
    let running = spawn_mock(&["--port", "0", "specs/lytx-consent-management.json"]);
    assert!(
        running.url.starts_with("http://127.0.0.1:"),
        "{}",
        running.url
    );
    let printed = running.printed.join("\n");
    assert!(
        printed.contains("lytx-consent-management.json")
            && printed.contains(&format!("{}/consent-management", running.url)),
        "{printed}"
    );
    let client = client();
    let reply = Call::get("/consent-management/userconsent/status")
        .bearer("t")
        .expect(&client, &running.url, 200);
    let spec = bundled_spec("lytx-consent-management.json");
    let status = op(&spec, "Consent_GetUserConsentStatus");
    assert_conforms(
        &spec,
        status,
        &status.responses[0],
        &reply,
        first_example(&status.responses[0].content[0]),
    );
    let (exit, log) = running.terminate();
    assert!(
        exit.success(),
        "graceful shutdown exits 0, got {exit}\n{log}"
    );
    assert!(
        log.contains("Consent_GetUserConsentStatus") && log.contains("200"),
        "one log line per request:\n{log}"
    );
}

#[cfg(unix)]
#[test]
fn the_binary_mounts_with_seed_and_token() {
    let running = spawn_mock(&[
        "--port",
        "0",
        "--seed",
        "7",
        "--token",
        "s3cret",
        "--mount",
        "specs/lytx-consent-management.json=/other",
        "specs/lytx-consent-management.json",
        "tests/fixtures/mock/generated.yaml",
    ]);
    let client = client();
    let status = || Call::get("/other/userconsent/status");
    status().bearer("s3cret").expect(&client, &running.url, 200);
    status().bearer("t").expect(&client, &running.url, 401);
    Call::get("/consent-management/userconsent/status")
        .bearer("s3cret")
        .expect(&client, &running.url, 404);
    // `--seed 7` generates what `MockConfig { seed: 7 }` does.
    let generated = Call::get("/v1/report").expect(&client, &running.url, 200);
    let library = serve_with(
        vec![Mount::at_base_path(mock_spec("generated.yaml"))],
        MockConfig {
            seed: 7,
            ..MockConfig::default()
        },
    );
    let expected = Call::get("/v1/report").expect(&client, &library.url(), 200);
    assert_eq!(generated.text(), expected.text());
    let (exit, _) = running.terminate();
    assert!(exit.success(), "{exit}");
}

#[test]
fn the_binary_refuses_broken_specs_clashes_and_bad_mounts_with_exit_2() {
    let (code, stderr) = mock_refused(&["--port", "0", "tests/fixtures/broken/invalid.yaml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("invalid.yaml"), "{stderr}");

    let (code, stderr) = mock_refused(&[
        "--port",
        "0",
        "tests/fixtures/mock/clash-a.yaml",
        "tests/fixtures/mock/clash-b.yaml",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("clash-a.yaml") && stderr.contains("clash-b.yaml"),
        "{stderr}"
    );

    let (code, stderr) = mock_refused(&[
        "--port",
        "0",
        "--mount",
        "specs/lytx-users.json=/x",
        "specs/lytx-consent-management.json",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("lytx-users.json"), "{stderr}");
}

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
