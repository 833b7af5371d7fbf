//! The mock against the behaviours Prism's own test harness checks, where Stipula's mock used to
//! differ (issue 11): XML bodies shaped by the XML Object, operations documenting only error
//! ranges, templates with characters a URI cannot carry raw, `Prefer: example=` on a refusal,
//! CORS with an origin list, multipart bodies validated part by part, Swagger 2.0's examples
//! without a schema and `allowEmptyValue`, a non-media-type key under `content`, and which
//! status an undocumented Content-Type gets. Each case is a small fixture in
//! `tests/fixtures/mock/prism/`, served by an in-process `MockServer` on port 0 and called over
//! real HTTP.

use reqwest::blocking::Client;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use stipula::mock::{MockConfig, MockServer, Mount};

use crate::support::*;

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

fn serve(file: &str) -> MockServer {
    serve_with(file, MockConfig::default())
}

fn serve_with(file: &str, config: MockConfig) -> MockServer {
    let spec = load(&format!("mock/prism/{file}"));
    MockServer::start_with(vec![Mount::at_base_path(spec)], config, "127.0.0.1:0")
        .unwrap_or_else(|e| panic!("the mock should start: {e}"))
}

/// One request; `path` is sent as written (already percent-encoded).
fn call(
    server: &MockServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Reply {
    let client = Client::builder().build().unwrap();
    let url = format!("{}{path}", server.url());
    let mut request = client.request(method.parse().unwrap(), &url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    let response = request
        .send()
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().unwrap_or_default();
    Reply {
        status,
        headers,
        body,
    }
}

fn get(server: &MockServer, path: &str, headers: &[(&str, &str)]) -> Reply {
    call(server, "GET", path, headers, None)
}

/// (element, attribute name, value).
type Attribute = (String, String, String);

/// Parses an XML body with quick-xml (end names checked) into (element path, text) pairs and
/// (element, attribute, value) triples, or panics with the body.
fn xml_parts(body: &str) -> (Vec<(String, String)>, Vec<Attribute>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(body);
    reader.config_mut().check_end_names = true;
    let mut path: Vec<String> = Vec::new();
    let (mut texts, mut attributes) = (Vec::new(), Vec::new());
    let mut text = String::new();
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed XML ({e}): {body}"));
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                text.clear();
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                for a in e.attributes() {
                    let a = a.unwrap();
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .unwrap()
                        .into_owned();
                    let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    attributes.push((name.clone(), key, value));
                }
                if matches!(event, Event::Start(_)) {
                    path.push(name);
                }
            }
            Event::Text(t) => text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => text.push(match r.decode().unwrap().as_ref() {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                _ => '?',
            }),
            Event::End(_) => {
                if !text.is_empty() {
                    texts.push((path.join("/"), std::mem::take(&mut text)));
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (texts, attributes)
}

#[test]
fn xml_media_types_get_xml_shaped_by_the_xml_object() {
    let server = serve("xml.yaml");

    // An object example, asked for as XML: the component's name is the root, `id` an
    // attribute, the wrapped array of `tag` items, text escaped.
    let reply = get(&server, "/pets/1", &[("accept", "application/xml")]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type(), "application/xml");
    let (texts, attributes) = xml_parts(&reply.body);
    assert_eq!(
        texts,
        [
            ("Pet/name".to_string(), "Rex & Co".to_string()),
            ("Pet/status".into(), "available".into()),
            ("Pet/tags/tag".into(), "old".into()),
            ("Pet/tags/tag".into(), "<loud>".into()),
        ]
    );
    assert_eq!(attributes, [("Pet".into(), "id".into(), "1".into())]);
    // The same operation still answers JSON in JSON.
    let reply = get(&server, "/pets/1", &[("accept", "application/json")]);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(
        reply.json(),
        json!({"id": 1, "name": "Rex & Co", "status": "available"})
    );

    // Generated data: a wrapped root array, a namespace with its prefix declared where used.
    let reply = get(&server, "/pets", &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type(), "application/xml");
    let (texts, attributes) = xml_parts(&reply.body);
    assert!(
        reply
            .body
            .contains("<pets><p:pet xmlns:p=\"https://example.com/pets\""),
        "{}",
        reply.body
    );
    assert!(
        attributes.contains(&("p:pet".into(), "code".into(), "A1".into())),
        "{attributes:?}"
    );
    assert!(
        texts
            .iter()
            .all(|(path, text)| path == "pets/p:pet/p:name" && text == "Tom"),
        "{texts:?}"
    );

    // An example written as XML text is sent as written.
    let reply = get(&server, "/raw", &[]);
    assert_eq!(reply.content_type(), "text/xml");
    assert_eq!(reply.body, "<note>as written</note>");

    // A `+xml` type without a schema: the root is `xml` (as Prism names it).
    let reply = get(&server, "/atom", &[]);
    assert_eq!(reply.content_type(), "application/atom+xml");
    let (texts, _) = xml_parts(&reply.body);
    assert_eq!(texts, [("xml/title".to_string(), "hello".to_string())]);
}

#[test]
fn an_operation_documenting_only_error_ranges_answers_the_lowest_range() {
    let server = serve("ranges.yaml");
    let reply = get(&server, "/broken", &[]);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(reply.json(), json!({"error": "yours"}));
    // `Prefer: code=` still picks within a documented range.
    let reply = get(&server, "/broken", &[("prefer", "code=503")]);
    assert_eq!(reply.status, 503);
    assert_eq!(reply.json(), json!({"error": "down"}));
    let reply = get(&server, "/failing", &[]);
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, "");
}

#[test]
fn templates_with_characters_that_must_be_encoded_are_matched_decoded() {
    let server = serve("encoded-paths.yaml");
    for (path, body) in [
        ("/a%20b", "space"),
        ("/x%7Cy/a%20b", "pipe"),
        ("/x%7cy/a%20b", "pipe"),
        ("/100%25", "percent"),
        ("/caf%C3%A9", "accent"),
    ] {
        let reply = get(&server, path, &[]);
        assert_eq!((reply.status, reply.body.as_str()), (200, body), "{path}");
    }
    // The parameter is still decoded once, and checked.
    let reply = get(&server, "/x%7Cy/a%2520b", &[]);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(get(&server, "/a+b", &[]).status, 404);
    assert_eq!(get(&server, "/100", &[]).status, 404);
}

#[test]
fn prefer_example_picks_among_the_refusals_examples() {
    let server = serve("prefer-refusal.yaml");
    let invalid = || Some(("application/json", br#"{"quantity": 0}"#.to_vec()));
    let reply = call(
        &server,
        "POST",
        "/orders",
        &[("prefer", "example=outOfStock")],
        invalid(),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.json(), json!({"code": "out_of_stock"}));
    assert!(
        reply
            .header("x-stipula-violations")
            .is_some_and(|v| v.contains("minimum")),
        "{:?}",
        reply.headers
    );
    // Without the header, or naming an example the refusal lacks: its first example.
    let reply = call(&server, "POST", "/orders", &[], invalid());
    assert_eq!(reply.json(), json!({"code": "invalid"}));
    let reply = call(
        &server,
        "POST",
        "/orders",
        &[("prefer", "example=created")],
        invalid(),
    );
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json(), json!({"code": "invalid"}));
    // A valid request naming the success's example gets it.
    let valid = Some(("application/json", br#"{"quantity": 2}"#.to_vec()));
    let reply = call(
        &server,
        "POST",
        "/orders",
        &[("prefer", "example=created")],
        valid,
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json(), json!({"id": 1}));
}

#[test]
fn cors_names_back_only_listed_origins_and_never_credits_null() {
    let listed = "https://app.example:3000";
    let server = serve_with(
        "ranges.yaml",
        MockConfig {
            cors_origins: vec![listed.to_string()],
            ..MockConfig::default()
        },
    );
    let reply = get(&server, "/broken", &[("origin", listed)]);
    assert_eq!(reply.header("access-control-allow-origin"), Some(listed));
    assert_eq!(
        reply.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(reply.header("vary"), Some("Origin"));
    let exposed = reply.header("access-control-expose-headers").unwrap_or("");
    assert!(exposed.contains("content-type"), "{exposed}");
    // Preflights too.
    let reply = call(
        &server,
        "OPTIONS",
        "/broken",
        &[("origin", listed), ("access-control-request-method", "GET")],
        None,
    );
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some(listed));
    for origin in ["https://evil.example", "null"] {
        let reply = get(&server, "/broken", &[("origin", origin)]);
        assert_eq!(
            reply.header("access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(
            reply.header("access-control-allow-credentials"),
            None,
            "{origin}"
        );
    }

    // `*` in the list: others read without credentials; `null` is never credited even listed.
    let server = serve_with(
        "ranges.yaml",
        MockConfig {
            cors_origins: vec!["*".into(), listed.into(), "null".into()],
            ..MockConfig::default()
        },
    );
    for origin in ["https://other.example", "null"] {
        let reply = get(&server, "/broken", &[("origin", origin)]);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        assert_eq!(reply.header("access-control-allow-credentials"), None);
    }
    let reply = get(&server, "/broken", &[("origin", listed)]);
    assert_eq!(
        reply.header("access-control-allow-credentials"),
        Some("true")
    );
}

#[test]
fn the_cors_origin_flag_takes_origins_only() {
    let run = stipula(&[
        "mock",
        "--port",
        "0",
        "--cors-origin",
        "app.example",
        &fixture("mock/prism/ranges.yaml").to_string_lossy(),
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("--cors-origin app.example"),
        "{}",
        run.stderr
    );
}

/// A multipart body: (name, Content-Type, bytes) per part.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "xYzZY";
    let mut body = Vec::new();
    for (name, content_type, bytes) in parts {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if *name == "file" {
            body.extend_from_slice(b"; filename=\"a.png\"");
        }
        if let Some(ct) = content_type {
            body.extend_from_slice(format!("\r\nContent-Type: {ct}").as_bytes());
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// The `pointer rule` pairs of a problem+json answer's violations.
fn broken_rules(reply: &Reply) -> Vec<String> {
    reply.json()["violations"]
        .as_array()
        .unwrap_or_else(|| panic!("no violations: {}", reply.body))
        .iter()
        .map(|v| {
            format!(
                "{} {}",
                v["pointer"].as_str().or(v["name"].as_str()).unwrap_or(""),
                v["rule"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn multipart_bodies_are_validated_part_by_part() {
    let server = serve("multipart.yaml");
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\xff\x00";
    let post = |parts: &[(&str, Option<&str>, &[u8])]| {
        let (ct, body) = multipart(parts);
        call(&server, "POST", "/uploads", &[], Some((&ct, body)))
    };

    let reply = post(&[
        ("id", None, b"101"),
        ("status", Some("text/plain; charset=utf-8"), b"open"),
        ("token", None, b"aGVsbG8="),
        ("meta", Some("application/json"), br#"{"k": "v"}"#),
        ("tags", None, b"a"),
        ("tags", None, b"b"),
        ("file", Some("image/png"), png),
    ]);
    assert_eq!((reply.status, reply.body.as_str()), (200, "stored"));

    // Types, required parts, formats and nested JSON parts, all in one answer.
    let reply = post(&[
        ("id", None, b"100"),
        ("token", None, b"%"),
        ("meta", Some("application/json"), br#"{}"#),
        ("file", Some("image/png"), png),
    ]);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.content_type(), "application/problem+json");
    let mut rules = broken_rules(&reply);
    rules.sort();
    assert_eq!(
        rules,
        [
            " required",
            "/id exclusiveMinimum",
            "/meta required",
            "/token format"
        ]
    );

    // The encoding's content types.
    let reply = post(&[
        ("id", None, b"101"),
        ("status", None, b"open"),
        ("file", Some("image/gif"), b"GIF89a"),
    ]);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(broken_rules(&reply), ["/file contentType"]);
    assert!(
        reply.body.contains("image/png, image/jpeg"),
        "{}",
        reply.body
    );

    // Bodies that cannot be read: a syntax violation saying why.
    let (_, body) = multipart(&[("id", None, b"101")]);
    for (content_type, body, says) in [
        ("multipart/form-data", body.clone(), "no boundary"),
        (
            "multipart/form-data; boundary=other",
            body.clone(),
            "no `--other` delimiter",
        ),
        (
            "multipart/form-data; boundary=xYzZY",
            body[..body.len() - 10].to_vec(),
            "does not end",
        ),
    ] {
        let reply = call(&server, "POST", "/uploads", &[], Some((content_type, body)));
        assert_eq!(reply.status, 400, "{content_type}: {}", reply.body);
        assert_eq!(broken_rules(&reply), [" syntax"], "{content_type}");
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    let reply = post(&[
        ("id", None, b"101"),
        ("status", None, b"open"),
        ("meta", Some("application/json"), b"{oops"),
        ("file", Some("image/png"), png),
    ]);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("part `meta` is not valid JSON"),
        "{}",
        reply.body
    );
}

#[test]
fn a_key_under_content_that_is_not_a_media_type_is_skipped_with_a_warning() {
    let spec = load("mock/prism/content-keys.yaml");
    let warnings = warnings_containing(&spec, "not a media type");
    assert_eq!(warnings.len(), 1, "{:?}", spec.warnings);
    assert!(
        warnings[0].pointer.ends_with("/content/description"),
        "{:?}",
        warnings[0]
    );
    let server = serve("content-keys.yaml");
    let reply = get(&server, "/status", &[]);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(reply.json(), json!({"up": true}));
}

#[test]
fn swagger2_examples_without_a_schema_are_served() {
    let server = serve("swagger2.yaml");
    let reply = get(&server, "/pets", &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(reply.json(), json!({"id": 1, "name": "Rex"}));
    let reply = get(&server, "/pets", &[("accept", "text/plain")]);
    assert_eq!(reply.content_type(), "text/plain");
    assert_eq!(reply.body, "Rex");
}

#[test]
fn swagger2_refuses_empty_values_unless_allowed() {
    let server = serve("swagger2.yaml");
    let reply = get(&server, "/search?q=", &[]);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(broken_rules(&reply), ["q allowEmptyValue"]);
    assert!(reply.body.contains("allowEmptyValue"), "{}", reply.body);
    for path in ["/search?q=x", "/search?tolerant=", "/search"] {
        assert_eq!(get(&server, path, &[]).status, 200, "{path}");
    }

    let form = |body: &str| {
        call(
            &server,
            "POST",
            "/forms",
            &[],
            Some((
                "application/x-www-form-urlencoded",
                body.as_bytes().to_vec(),
            )),
        )
    };
    for body in ["id=", "id", "id=&note=x"] {
        let reply = form(body);
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(broken_rules(&reply), ["/id allowEmptyValue"], "{body}");
    }
    assert_eq!(form("id=7&note=").status, 200);

    let (ct, body) = multipart(&[("id", None, b""), ("file", None, b"\xff")]);
    let reply = call(&server, "POST", "/uploads", &[], Some((&ct, body)));
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(broken_rules(&reply), ["/id allowEmptyValue"]);
    let (ct, body) = multipart(&[("id", None, b"7"), ("file", None, b"\xff")]);
    let reply = call(&server, "POST", "/uploads", &[], Some((&ct, body)));
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[test]
fn an_undocumented_content_type_gets_a_status_the_spec_documents() {
    let server = serve("unsupported-media.yaml");
    let xml = || Some(("application/xml", b"<a/>".to_vec()));
    // Only 400 documented: the documented 400, the reason in x-stipula-violations.
    let reply = call(&server, "POST", "/documents-400", &[], xml());
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json(), json!({"error": "bad"}));
    assert!(
        reply
            .header("x-stipula-violations")
            .is_some_and(|v| v.contains("application/xml")),
        "{:?}",
        reply.headers
    );
    // A `4XX` range covers 415.
    let reply = call(&server, "POST", "/documents-range", &[], xml());
    assert_eq!(reply.status, 415, "{}", reply.body);
    assert_eq!(reply.json(), json!({"error": "client"}));
    // Nothing documented: 415 problem+json (no documented status would say it better).
    let reply = call(&server, "POST", "/documents-none", &[], xml());
    assert_eq!(reply.status, 415, "{}", reply.body);
    assert_eq!(reply.content_type(), "application/problem+json");
}
