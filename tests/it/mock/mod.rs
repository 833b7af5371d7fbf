//! `stipula mock` over real HTTP on 127.0.0.1 (port 0 always), with `reqwest::blocking` as the
//! client: documented examples byte for byte for every bundled operation, `Prefer`, request
//! validation (one class of invalid request each), security, routing and CORS, several specs at
//! once, limits, deterministic generated bodies, and the `stipula mock` binary.
//!
//! Fixtures are in `tests/fixtures/mock/` (see the fixtures README). Each test starts the servers
//! it needs and shares them between its asserts.
//!
//! One file per numbered section; this file keeps what every section shares: the client side
//! (`Call`, `Reply`, the assertions), valid requests built from a spec, and the servers.

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

mod binary;
mod chaos;
mod clashes;
mod examples;
mod generated;
mod hostile;
mod invalid;
mod limits;
mod prefer;
mod routing;
mod security;
mod several_specs;
mod state;

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
