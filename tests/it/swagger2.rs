//! Swagger 2.0 documents converted to the 3.x model: bodies, forms, media types, servers,
//! collection formats, parameter schemas, security definitions, examples and 2.0-only schema
//! keywords.

use serde_json::json;
use stipula::schema::Direction::{Request, Response};
use stipula::spec::{Dialect, Operation, ParamIn, SecurityScheme, Spec, StatusKey, Style};

use crate::support::*;

fn petstore() -> Spec {
    load("swagger2/petstore.yaml")
}

fn param_shape(op: &Operation, name: &str) -> (ParamIn, Style, bool, bool) {
    let p = param(op, name);
    (p.location, p.style, p.explode, p.required)
}

#[test]
fn host_base_path_and_schemes_become_servers() {
    let spec = petstore();
    assert_eq!(spec.dialect, Dialect::Swagger2);
    let urls: Vec<&str> = spec.servers.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(
        urls,
        ["https://api.example.com/v2", "http://api.example.com/v2"]
    );
    assert_eq!(spec.base_path(), "/v2");
}

#[test]
fn servers_without_host_or_schemes() {
    let no_host =
        inline_ok("swagger: '2.0'\ninfo: {title: t, version: '1'}\nbasePath: /api/\npaths: {}\n");
    assert_eq!(no_host.servers[0].url, "/api/");
    assert_eq!(no_host.base_path(), "/api");
    let no_schemes = inline_ok(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\nhost: h.example.com\npaths: {}\n",
    );
    assert_eq!(no_schemes.servers[0].url, "https://h.example.com");
    assert_eq!(no_schemes.base_path(), "");
    let nothing = inline_ok("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n");
    assert_eq!(nothing.servers[0].url, "/");
    assert_eq!(nothing.base_path(), "");
}

#[test]
fn security_definitions_become_security_schemes() {
    let spec = petstore();
    assert_eq!(
        spec.security_scheme("key"),
        Some(&SecurityScheme::ApiKey {
            name: "api_key".into(),
            location: ParamIn::Header
        })
    );
    assert_eq!(
        spec.security_scheme("basicAuth"),
        Some(&SecurityScheme::Http {
            scheme: "basic".into(),
            bearer_format: None
        })
    );
    match spec.security_scheme("oauth") {
        Some(SecurityScheme::OAuth2 { flows }) => {
            assert_eq!(flows["flow"], "implicit");
            assert_eq!(
                flows["authorizationUrl"],
                "https://auth.example.com/authorize"
            );
        }
        other => panic!("oauth: {other:?}"),
    }
    assert_eq!(spec.security.len(), 1);
    assert_eq!(spec.security[0].schemes, [("key".to_string(), vec![])]);
    assert_eq!(op(&spec, "findPets").security, Some(vec![]));
    assert_eq!(op(&spec, "addPet").security, None);
}

#[test]
fn body_parameter_becomes_a_request_body_per_consumed_media_type() {
    let spec = petstore();
    let add = op(&spec, "addPet");
    assert!(
        add.parameters.is_empty(),
        "the body parameter is not a parameter: {:?}",
        add.parameters
    );
    let body = add.request_body.as_ref().unwrap();
    assert!(body.required);
    // The document's `consumes`.
    assert_eq!(
        media_types(&body.content),
        ["application/json", "application/xml"]
    );
    for m in &body.content {
        check_schema(
            &spec,
            m.schema.unwrap(),
            Request,
            &[
                json!({"name": "Rex"}),
                json!({"name": "Rex", "category": {"name": null}}),
            ],
            &[
                json!({"id": 1}),
                json!({"name": "Rex", "category": {"name": 1}}),
            ],
        );
    }
    // `x-examples` per media type.
    let json_body = media(&body.content, "application/json");
    assert_eq!(json_body.examples.len(), 1);
    assert_eq!(json_body.examples[0].value, Some(json!({"name": "Rex"})));
    assert!(media(&body.content, "application/xml").examples.is_empty());

    // The operation's `consumes` wins over the document's.
    let replace = op(&spec, "replacePet").request_body.as_ref().unwrap();
    assert!(!replace.required);
    assert_eq!(
        media_types(&replace.content),
        ["application/merge-patch+json"]
    );
}

#[test]
fn body_media_type_defaults_to_json() {
    let spec = inline_ok(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      operationId: post\n      parameters:\n        - {in: body, name: b, schema: {type: string}}\n      responses:\n        '200': {description: ok, schema: {type: string}}\n",
    );
    let post = op(&spec, "post");
    assert_eq!(
        media_types(&post.request_body.as_ref().unwrap().content),
        ["application/json"]
    );
    assert_eq!(
        media_types(&response(post, StatusKey::Code(200)).content),
        ["application/json"]
    );
}

#[test]
fn form_data_with_a_file_becomes_a_multipart_body() {
    let spec = petstore();
    let upload = op(&spec, "uploadPhoto");
    // The path item's `petId` stays a parameter; the form fields do not.
    let names: Vec<&str> = upload.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["petId"]);
    let body = upload.request_body.as_ref().unwrap();
    assert!(
        body.required,
        "a required form field makes the body required"
    );
    assert_eq!(media_types(&body.content), ["multipart/form-data"]);
    check_schema(
        &spec,
        body_schema(upload, "multipart/form-data"),
        Request,
        &[
            json!({"file": "bytes"}),
            json!({"file": "bytes", "caption": "short"}),
            json!({"file": 7}),
        ],
        &[
            json!({"caption": "short"}),
            json!({"file": "bytes", "caption": "far too long"}),
        ],
    );
}

#[test]
fn form_data_without_a_file_becomes_a_urlencoded_body() {
    let spec = petstore();
    let rename = op(&spec, "renamePet");
    let body = rename.request_body.as_ref().unwrap();
    assert_eq!(
        media_types(&body.content),
        ["application/x-www-form-urlencoded"]
    );
    let form = &body.content[0];
    check_schema(
        &spec,
        form.schema.unwrap(),
        Request,
        &[
            json!({"name": "Rex"}),
            json!({"name": "Rex", "nicknames": ["R"]}),
        ],
        &[json!({"nicknames": ["R"]}), json!({"name": 1})],
    );
    assert_eq!(form.encoding.len(), 1);
    let nicknames = &form.encoding[0];
    assert_eq!(
        (
            nicknames.property.as_str(),
            nicknames.style,
            nicknames.explode
        ),
        ("nicknames", Some(Style::PipeDelimited), Some(false))
    );
}

#[test]
fn produces_become_response_media_types() {
    let spec = petstore();
    let created = response(op(&spec, "addPet"), StatusKey::Code(201));
    assert_eq!(media_types(&created.content), ["application/json"]);
    let replace = op(&spec, "replacePet");
    let replaced = response(replace, StatusKey::Code(200));
    assert_eq!(
        media_types(&replaced.content),
        ["application/xml", "application/json"]
    );
    // A `$ref` to the document's `responses`, with the operation's `produces`.
    let not_found = response(replace, StatusKey::Code(404));
    assert_eq!(not_found.description, "no such pet");
    assert_eq!(
        media_types(&not_found.content),
        ["application/xml", "application/json"]
    );
    check_schema(
        &spec,
        response_schema(replace, StatusKey::Code(404), "application/json"),
        Response,
        &[json!({"message": "gone"})],
        &[json!({})],
    );
}

#[test]
fn response_examples_per_mime_type() {
    let spec = petstore();
    let created = response(op(&spec, "addPet"), StatusKey::Code(201));
    let json_response = media(&created.content, "application/json");
    assert_eq!(json_response.examples.len(), 1);
    assert_eq!(
        json_response.examples[0].value,
        Some(json!({"id": 1, "name": "Rex"}))
    );
    assert_eq!(
        json_response.examples[0].location.pointer,
        "/paths/~1pets/post/responses/201/examples/application~1json"
    );
    assert!(created.content.iter().all(|m| m.media_type != "text/plain"));
}

#[test]
fn response_headers_have_schemas() {
    let spec = petstore();
    let created = response(op(&spec, "addPet"), StatusKey::Code(201));
    assert_eq!(created.headers.len(), 1);
    assert_eq!(created.headers[0].name, "X-Rate");
    check_schema(
        &spec,
        created.headers[0].schema.unwrap(),
        Response,
        &[json!(0), json!(3)],
        &[json!(-1), json!("3")],
    );
}

#[test]
fn collection_formats_become_style_and_explode() {
    let spec = petstore();
    let find = op(&spec, "findPets");
    assert_eq!(
        param_shape(find, "tags"),
        (ParamIn::Query, Style::Form, false, false)
    );
    assert_eq!(
        param_shape(find, "sizes"),
        (ParamIn::Query, Style::SpaceDelimited, false, false)
    );
    assert_eq!(
        param_shape(find, "colours"),
        (ParamIn::Query, Style::PipeDelimited, false, false)
    );
    assert_eq!(
        param_shape(find, "ids"),
        (ParamIn::Query, Style::Form, true, false)
    );
    assert_eq!(
        param_shape(find, "X-Flags"),
        (ParamIn::Header, Style::Simple, false, false)
    );
    assert_eq!(
        param_shape(find, "X-Request-Id"),
        (ParamIn::Header, Style::Simple, false, true)
    );
    let pet_id = op(&spec, "uploadPhoto");
    assert_eq!(
        param_shape(pet_id, "petId"),
        (ParamIn::Path, Style::Simple, false, true)
    );
}

#[test]
fn non_body_parameter_schemas_come_from_their_own_fields() {
    let spec = petstore();
    let find = op(&spec, "findPets");
    let schema_of = |name: &str| param(find, name).schema.unwrap();
    check_schema(
        &spec,
        schema_of("limit"),
        Request,
        &[json!(1), json!(100)],
        &[json!(0), json!(101), json!("50"), json!(1.5)],
    );
    check_schema(
        &spec,
        schema_of("colours"),
        Request,
        &[json!(["red", "green"]), json!([])],
        &[json!(["blue"]), json!("red")],
    );
    check_schema(
        &spec,
        schema_of("ids"),
        Request,
        &[json!([1, 2])],
        &[json!(["a"])],
    );
    check_schema(
        &spec,
        schema_of("X-Request-Id"),
        Request,
        &[json!("550e8400-e29b-41d4-a716-446655440000")],
        &[json!("nope")],
    );
    // A parameter `$ref` to the document's `parameters`.
    let page_size = param(find, "pageSize");
    assert_eq!(page_size.at.pointer, "/parameters/PageSize");
    assert_eq!(
        spec.schemas.get(page_size.schema.unwrap())["default"],
        json!(20)
    );
    check_schema(
        &spec,
        page_size.schema.unwrap(),
        Request,
        &[json!(5)],
        &[json!("5")],
    );
}

#[test]
fn x_example_on_parameters() {
    let spec = petstore();
    let limit = param(op(&spec, "findPets"), "limit");
    assert_eq!(limit.examples.len(), 1);
    assert_eq!(limit.examples[0].value, Some(json!(20)));
    assert_eq!(
        limit.examples[0].location.pointer,
        "/paths/~1pets/get/parameters/5/x-example"
    );
    let (findings, stats) = stipula::lint::check_examples(&spec);
    assert!(findings.is_empty(), "{findings:?}");
    assert!(stats.checked >= 3, "{stats:?}");
}

#[test]
fn definitions_are_component_schemas() {
    let spec = petstore();
    let names: Vec<&str> = spec
        .component_schemas
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Pet",
            "Category",
            "Error",
            "XNullable",
            "FileType",
            "Tuple",
            "ExclusiveMax"
        ]
    );
    check_component(
        &spec,
        "Pet",
        &[json!({"name": "Rex", "category": {}})],
        &[json!({"name": "Rex", "category": []})],
    );
}

#[test]
fn x_nullable() {
    let spec = petstore();
    check_component(&spec, "XNullable", &[json!(null), json!(3)], &[json!("3")]);
    check_component(
        &spec,
        "Category",
        &[json!({"name": null}), json!({"name": "dogs"})],
        &[json!({"name": 3})],
    );
}

#[test]
fn file_type_accepts_anything() {
    check_component(
        &petstore(),
        "FileType",
        &[json!("bytes"), json!(1), json!({}), json!([1]), json!(null)],
        &[],
    );
}

#[test]
fn tuple_items_become_prefix_items() {
    let spec = petstore();
    check_component(
        &spec,
        "Tuple",
        &[json!([1, "a"]), json!([1])],
        &[json!(["a", 1]), json!([1, 2])],
    );
    let normalized = spec.schemas.get(component(&spec, "Tuple"));
    assert!(normalized.get("prefixItems").is_some(), "{normalized}");
}

#[test]
fn boolean_exclusive_maximum_in_20() {
    check_component(
        &petstore(),
        "ExclusiveMax",
        &[json!(4)],
        &[json!(5), json!(6)],
    );
}
