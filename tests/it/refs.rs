//! `$ref`s across files and hosts: relative references from sub-folders, each file loaded once,
//! references leaving the spec's folder, and remote references served by a local HTTP server.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use stipula::schema::Direction::{Request, Response};
use stipula::spec::{LoadOptions, RefPolicy, SchemaId, Spec, StatusKey};

use crate::support::*;

fn multi() -> Spec {
    load("multi/root.yaml")
}

/// The entry a normalized schema that is only a `$ref` points at.
fn ref_target(spec: &Spec, id: SchemaId) -> String {
    spec.schemas.get(id)["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("not a $ref: {}", spec.schemas.get(id)))
        .to_string()
}

#[test]
fn multi_file_spec_loads_each_file_once() {
    let spec = multi();
    // root.yaml, schemas/pet.yaml, common.yaml, paths/owner.yaml: common.yaml is reached from
    // three files by three spellings, root.yaml is referenced back from two.
    assert_eq!(spec.file_count(), 4);
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);

    let list = op(&spec, "listPets");
    let get_owner = op(&spec, "getOwner");
    assert!(
        spec.describe(&get_owner.at)
            .ends_with("multi/paths/owner.yaml#/get"),
        "{}",
        spec.describe(&get_owner.at)
    );
    // The Owner schema, reached through pet.yaml and through owner.yaml, is one entry.
    let owner_response = response_schema(get_owner, StatusKey::Code(200), "application/json");
    let pets = response_schema(list, StatusKey::Code(200), "application/json");
    let pet = spec
        .schemas
        .resolve(&spec.schemas.get(pets)["items"])
        .clone();
    let owner_in_pet = pet["properties"]["owner"]["$ref"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(ref_target(&spec, owner_response), owner_in_pet);
}

#[test]
fn multi_file_schemas_validate_across_files() {
    let spec = multi();
    let list = op(&spec, "listPets");
    let pets = response_schema(list, StatusKey::Code(200), "application/json");
    check_schema(
        &spec,
        pets,
        Response,
        &[
            json!([{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom", "owner": {"email": "a@example.com"}}]),
        ],
        &[
            json!([{"id": 0, "name": "Rex"}]),
            json!([{"id": 1, "name": "Rex", "owner": {}}]),
            json!([{"id": 1, "name": "Rex", "owner": {"email": "nope"}}]),
        ],
    );
    let error = response_schema(list, StatusKey::Default, "application/json");
    check_schema(
        &spec,
        error,
        Response,
        &[json!({"detail": "x"})],
        &[json!({})],
    );
    let owner_id = param(op(&spec, "getOwner"), "ownerId");
    check_schema(
        &spec,
        owner_id.schema.unwrap(),
        Request,
        &[json!(1)],
        &[json!(0)],
    );
    assert_eq!(stipula::lint::check_examples(&spec).0.len(), 0);
}

#[test]
fn referenced_files_are_named_relative_to_the_root_as_given() {
    let spec = multi();
    let error = response(op(&spec, "listPets"), StatusKey::Default);
    assert_eq!(
        spec.describe(&error.at),
        format!("{}#/responses/Error", fixture_name("multi/common.yaml"))
    );
    let place = spec.place(&error.at);
    assert_eq!(
        (place.file, place.position.map(|p| (p.line, p.column))),
        (fixture_name("multi/common.yaml"), Some((9, 3)))
    );
}

#[test]
fn refs_leaving_the_folder_are_refused_by_default() {
    assert_fixture_error(
        "outside/spec.yaml",
        14,
        17,
        "/paths/~1errors/get/responses/200/content/application~1json/schema/$ref",
        &[
            "`../shared/error.yaml#/Error` leaves the spec's folder",
            "--allow-outside-refs",
        ],
    );
}

#[test]
fn refs_leaving_the_folder_load_when_allowed() {
    let options = LoadOptions {
        refs: RefPolicy {
            allow_outside_root: true,
            ..RefPolicy::default()
        },
    };
    let spec = load_with("outside/spec.yaml", options);
    assert_eq!(spec.file_count(), 2);
    let schema = spec.operations[0].responses[0].content[0].schema.unwrap();
    check_schema(
        &spec,
        schema,
        Response,
        &[json!({"code": 1})],
        &[json!({"code": "1"})],
    );
}

#[test]
fn remote_refs_are_refused_by_default() {
    assert_fixture_error(
        "remote/refused.yaml",
        14,
        17,
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        &[
            "`http://127.0.0.1:9/schemas.yaml#/Pet` is a remote reference",
            "--allow-remote-refs",
        ],
    );
}

/// A tiny HTTP server on 127.0.0.1: answers `GET <path>` with the document registered for the
/// path (404 otherwise); counts requests. Runs until the test process ends.
struct Server {
    base: String,
    requests: Arc<AtomicUsize>,
}

fn serve(documents: &[(&str, &str)]) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let documents: Vec<(String, String)> = documents
        .iter()
        .map(|(p, d)| (p.to_string(), d.to_string()))
        .collect();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Skip the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                line.clear();
            }
            counter.fetch_add(1, Ordering::SeqCst);
            let path = request_line.split_whitespace().nth(1).unwrap_or("");
            let (status, body) = match documents.iter().find(|(p, _)| p == path) {
                Some((_, d)) => ("200 OK", d.as_str()),
                None => ("404 Not Found", "not found"),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/yaml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Server { base, requests }
}

const REMOTE_SCHEMAS: &str = "Pet:\n  type: object\n  required: [name]\n  properties:\n    name: {type: string}\n    tag: {$ref: '#/Tag'}\nTag:\n  type: string\n  maxLength: 3\n";

fn remote_spec(schema_refs: &[String]) -> String {
    let mut paths = String::new();
    for (i, r) in schema_refs.iter().enumerate() {
        paths += &format!(
            "  /p{i}:\n    get:\n      operationId: op{i}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '{r}'}}\n"
        );
    }
    format!("openapi: 3.0.3\ninfo: {{title: remote, version: '1'}}\npaths:\n{paths}")
}

fn allow_remote() -> LoadOptions {
    LoadOptions {
        refs: RefPolicy {
            allow_remote: true,
            ..RefPolicy::default()
        },
    }
}

#[test]
fn remote_refs_load_when_allowed_and_are_fetched_once() {
    let server = serve(&[("/schemas.yaml", REMOTE_SCHEMAS)]);
    let url = format!("{}/schemas.yaml", server.base);
    let text = remote_spec(&[format!("{url}#/Pet"), format!("{url}#/Tag")]);
    let spec =
        Spec::from_str("remote.yaml", &text, allow_remote()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.file_count(), 2);
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        1,
        "one fetch per remote document"
    );
    let pet = op(&spec, "op0").responses[0].content[0].schema.unwrap();
    check_schema(
        &spec,
        pet,
        Response,
        &[json!({"name": "Rex", "tag": "dog"})],
        &[
            json!({"tag": "dog"}),
            json!({"name": "Rex", "tag": "puppy"}),
        ],
    );
    let tag = op(&spec, "op1").responses[0].content[0].schema.unwrap();
    let target = ref_target(&spec, tag);
    let location = spec.schema_location(stipula::schema::vocab::parse_def_ref(&target).unwrap());
    assert_eq!(spec.describe(location), format!("{url}#/Tag"));
}

#[test]
fn remote_json_documents_load() {
    let doc: Value = json!({"Id": {"type": "integer", "minimum": 1}});
    let doc = doc.to_string();
    let server = serve(&[("/id.json", &doc)]);
    let text = remote_spec(&[format!("{}/id.json#/Id", server.base)]);
    let spec =
        Spec::from_str("remote.yaml", &text, allow_remote()).unwrap_or_else(|e| panic!("{e}"));
    let id = spec.operations[0].responses[0].content[0].schema.unwrap();
    check_schema(&spec, id, Response, &[json!(1)], &[json!(0)]);
}

#[test]
fn a_missing_remote_document_is_a_clean_error() {
    let server = serve(&[]);
    let url = format!("{}/missing.yaml#/Pet", server.base);
    let e = Spec::from_str(
        "remote.yaml",
        &remote_spec(std::slice::from_ref(&url)),
        allow_remote(),
    )
    .unwrap_err();
    let d = only_error(&e);
    assert_diagnostic(
        d,
        Expect {
            file: "remote.yaml",
            line: 12,
            column: 24,
            pointer: "/paths/~1p0/get/responses/200/content/application~1json/schema/$ref",
            message: &[&format!("`{url}`"), "404"],
        },
    );
}

#[test]
fn relative_refs_inside_a_remote_document_are_refused() {
    let server = serve(&[("/a.yaml", "A:\n  $ref: 'b.yaml#/B'\n")]);
    let url = format!("{}/a.yaml#/A", server.base);
    let e = Spec::from_str("remote.yaml", &remote_spec(&[url]), allow_remote()).unwrap_err();
    let d = only_error(&e);
    assert_eq!(d.file, format!("{}/a.yaml", server.base));
    assert_eq!(d.pointer, "/A/$ref");
    assert!(
        d.message
            .contains("relative references inside a remote document are not followed"),
        "{d}"
    );
}

#[test]
fn an_example_written_as_a_ref_to_another_file_is_resolved() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.yaml"),
        r#"openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /things:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [n], properties: {n: {type: integer}}}
              example: {$ref: 'examples.yaml#/things'}
              examples:
                other: {value: {$ref: 'examples.yaml#/other'}}
                broken: {value: {$ref: 'examples.yaml#/missing'}}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("examples.yaml"),
        "things: {n: 1}\nother: {n: 2}\n",
    )
    .unwrap();
    let spec = stipula::spec::Spec::load(dir.path().join("api.yaml"), Default::default()).unwrap();
    let media = &spec.operations[0].responses[0].content[0];
    let values: Vec<_> = media
        .examples
        .iter()
        .map(|e| e.value.clone().unwrap())
        .collect();
    assert_eq!(values[0], serde_json::json!({"n": 1}));
    assert_eq!(values[1], serde_json::json!({"n": 2}));
    // An unresolvable one stays as written (lint reports it as an invalid example).
    assert_eq!(
        values[2],
        serde_json::json!({"$ref": "examples.yaml#/missing"})
    );
    assert!(
        spec.describe(&media.examples[0].location)
            .contains("examples.yaml")
    );
}
