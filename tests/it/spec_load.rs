//! Every dialect and format loads into the same model; every part of an operation is read, with
//! `$ref`s to components and to other files followed.

use serde_json::json;
use stipula::schema::Direction::{Request, Response};
use stipula::spec::{
    Dialect, FileId, LoadOptions, Method, ParamIn, SecurityRequirement, SecurityScheme, Spec,
    StatusKey, Style, discover,
};

use crate::support::*;

/// The same tiny API (`formats/*`) in every dialect and format: what must come out the same.
fn assert_pets_api(rel: &str, dialect: Dialect, version: &str) -> Spec {
    let spec = load(rel);
    assert_eq!(spec.dialect, dialect, "{rel}");
    assert_eq!(spec.version, version, "{rel}");
    assert_eq!(spec.info.title, "Pets");
    assert_eq!(spec.info.version, "1.0.0");
    assert_eq!(spec.servers.len(), 1, "{:?}", spec.servers);
    assert_eq!(spec.servers[0].url, "https://pets.example.com/v1");
    assert_eq!(spec.base_path(), "/v1");
    assert!(spec.warnings.is_empty(), "{rel}: {:?}", spec.warnings);

    assert_eq!(spec.operations.len(), 1);
    let get = op(&spec, "getPet");
    assert_eq!(
        (get.method, get.path.as_str()),
        (Method::Get, "/pets/{petId}")
    );
    assert_eq!(get.tags, ["pets"]);
    assert!(get.request_body.is_none());

    let pet_id = param(get, "petId");
    assert_eq!(
        (
            pet_id.location,
            pet_id.required,
            pet_id.style,
            pet_id.explode
        ),
        (ParamIn::Path, true, Style::Simple, false)
    );
    check_schema(
        &spec,
        pet_id.schema.unwrap(),
        Request,
        &[json!(7)],
        &[json!("7"), json!(1.5)],
    );
    let fields = param(get, "fields");
    assert_eq!(
        (fields.location, fields.required, fields.style),
        (ParamIn::Query, false, Style::Form)
    );
    check_schema(
        &spec,
        fields.schema.unwrap(),
        Request,
        &[json!(["name"]), json!([])],
        &[json!([1]), json!("name")],
    );

    let statuses: Vec<StatusKey> = get.responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [StatusKey::Code(200), StatusKey::Code(404)]);
    assert_eq!(response(get, StatusKey::Code(200)).description, "the pet");
    let pet = response_schema(get, StatusKey::Code(200), "application/json");
    check_schema(
        &spec,
        pet,
        Response,
        &[json!({"id": 1, "name": "Rex"})],
        &[
            json!({"id": 1}),
            json!({"id": "1", "name": "Rex"}),
            json!([]),
        ],
    );
    assert!(response(get, StatusKey::Code(404)).content.is_empty());
    check_component(
        &spec,
        "Pet",
        &[json!({"id": 1, "name": "Rex"})],
        &[json!({"name": "Rex"})],
    );
    spec
}

#[test]
fn openapi_30_yaml_loads() {
    let spec = assert_pets_api("formats/v30.yaml", Dialect::OpenApi30, "3.0.3");
    // 3.x: a query parameter is `form` and exploded unless it says otherwise.
    assert!(param(op(&spec, "getPet"), "fields").explode);
}

#[test]
fn openapi_30_json_loads() {
    let spec = assert_pets_api("formats/v30.json", Dialect::OpenApi30, "3.0.3");
    assert!(param(op(&spec, "getPet"), "fields").explode);
}

#[test]
fn openapi_31_yaml_loads() {
    let spec = assert_pets_api("formats/v31.yaml", Dialect::OpenApi31, "3.1.0");
    assert!(param(op(&spec, "getPet"), "fields").explode);
}

#[test]
fn openapi_31_json_loads() {
    let spec = assert_pets_api("formats/v31.json", Dialect::OpenApi31, "3.1.0");
    assert!(param(op(&spec, "getPet"), "fields").explode);
}

#[test]
fn swagger_20_yaml_loads() {
    let spec = assert_pets_api("formats/v20.yaml", Dialect::Swagger2, "2.0");
    // 2.0: no collectionFormat means csv, which is not exploded.
    assert!(!param(op(&spec, "getPet"), "fields").explode);
}

#[test]
fn swagger_20_json_loads() {
    let spec = assert_pets_api("formats/v20.json", Dialect::Swagger2, "2.0");
    assert!(!param(op(&spec, "getPet"), "fields").explode);
}

#[test]
fn format_is_told_by_content_when_the_name_has_no_extension() {
    let yaml = std::fs::read_to_string(fixture("formats/v30.yaml")).unwrap();
    let json = std::fs::read_to_string(fixture("formats/v30.json")).unwrap();
    for text in [yaml, json] {
        let spec =
            Spec::from_str("spec", &text, LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.operations.len(), 1);
        assert_eq!(spec.name(), "spec");
    }
}

fn features30() -> Spec {
    load("features30/openapi.yaml")
}

#[test]
fn document_level_fields_of_a_30_spec() {
    let spec = features30();
    assert_eq!(spec.dialect, Dialect::OpenApi30);
    assert_eq!(spec.info.title, "Features 3.0");
    assert_eq!(spec.info.version, "2");
    assert!(
        spec.info
            .description
            .as_deref()
            .unwrap()
            .starts_with("every part")
    );
    assert_eq!(
        spec.extensions.get("x-root-extension"),
        Some(&json!({"team": "pets"}))
    );
    assert_eq!(
        spec.extensions.len(),
        1,
        "only `x-` members are extensions: {:?}",
        spec.extensions
    );

    assert_eq!(spec.servers.len(), 2);
    let regional = &spec.servers[0];
    assert_eq!(regional.description.as_deref(), Some("regional"));
    let vars: Vec<(&str, &str, Vec<String>)> = regional
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v.default.as_str(), v.allowed.clone()))
        .collect();
    assert_eq!(
        vars,
        [
            ("region", "eu", vec!["eu".to_string(), "us".to_string()]),
            ("base", "api/v2", vec![])
        ]
    );
    assert_eq!(regional.default_url(), "https://eu.example.com/api/v2");
    assert_eq!(spec.base_path(), "/api/v2");
    assert_eq!(spec.servers[1].base_path(), "/fallback");

    let names: Vec<&str> = spec
        .security_schemes
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names, ["apiKey", "oauth", "bearer", "oidc"]);
    assert_eq!(
        spec.security_scheme("apiKey"),
        Some(&SecurityScheme::ApiKey {
            name: "X-API-Key".into(),
            location: ParamIn::Header
        })
    );
    assert_eq!(
        spec.security_scheme("bearer"),
        Some(&SecurityScheme::Http {
            scheme: "bearer".into(),
            bearer_format: Some("JWT".into())
        })
    );
    match spec.security_scheme("oauth") {
        Some(SecurityScheme::OAuth2 { flows }) => {
            assert_eq!(
                flows["clientCredentials"]["tokenUrl"],
                "https://auth.example.com/token"
            )
        }
        other => panic!("oauth: {other:?}"),
    }
    assert_eq!(
        spec.security_scheme("oidc"),
        Some(&SecurityScheme::OpenIdConnect {
            url: "https://auth.example.com/.well-known/openid-configuration".into()
        })
    );
}

#[test]
fn operations_in_document_order_with_tags_and_extensions() {
    let spec = features30();
    let found: Vec<(Method, &str, &str)> = spec
        .operations
        .iter()
        .map(|o| {
            (
                o.method,
                o.path.as_str(),
                o.operation_id.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (Method::Get, "/pets", "listPets"),
            (Method::Post, "/pets", "createPet"),
            (Method::Get, "/pets/{petId}", "getPet"),
            (Method::Delete, "/pets/{petId}", "deletePet"),
            (Method::Put, "/pets/{petId}/photo", "uploadPhoto"),
        ]
    );
    let list = op(&spec, "listPets");
    assert_eq!(list.tags, ["pets", "read"]);
    assert_eq!(list.summary.as_deref(), Some("List pets"));
    assert_eq!(list.extensions.get("x-rate-limit"), Some(&json!(100)));
    assert!(!list.deprecated);
    assert!(op(&spec, "deletePet").deprecated);
    assert_eq!(op(&spec, "uploadPhoto").tags, ["photos"]);
}

#[test]
fn parameters_style_explode_defaults_and_overrides() {
    let spec = features30();
    let list = op(&spec, "listPets");
    let seen: Vec<(&str, ParamIn, Style, bool, bool)> = list
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.style, p.explode, p.required))
        .collect();
    assert_eq!(
        seen,
        [
            // The operation's `limit` replaces the path item's, in its place.
            ("limit", ParamIn::Query, Style::Form, true, true),
            ("X-Trace", ParamIn::Header, Style::Simple, false, false),
            ("filter", ParamIn::Query, Style::DeepObject, true, false),
            ("ids", ParamIn::Query, Style::PipeDelimited, false, false),
            ("session", ParamIn::Cookie, Style::Form, true, false),
            ("since", ParamIn::Query, Style::Form, true, false),
        ]
    );
    check_schema(
        &spec,
        param(list, "limit").schema.unwrap(),
        Request,
        &[json!(10)],
        &[json!(11)],
    );
    // An unknown format is not an error and does not reject anything.
    check_schema(
        &spec,
        param(list, "since").schema.unwrap(),
        Request,
        &[json!("whenever")],
        &[json!(3)],
    );

    // `createPet` inherits the path item's parameters: `limit` from a `$ref`, unbounded.
    let create = op(&spec, "createPet");
    let names: Vec<&str> = create.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["limit", "X-Trace"]);
    let limit = param(create, "limit");
    assert!(!limit.required);
    assert_eq!(
        spec.describe(&limit.at),
        format!(
            "{}#/components/parameters/Limit",
            fixture_name("features30/openapi.yaml")
        )
    );
    check_schema(
        &spec,
        limit.schema.unwrap(),
        Request,
        &[json!(11)],
        &[json!("11")],
    );
}

#[test]
fn request_bodies_per_media_type() {
    let spec = features30();
    let create = op(&spec, "createPet");
    let body = create.request_body.as_ref().unwrap();
    assert!(body.required);
    assert_eq!(body.description.as_deref(), Some("the pet to add"));
    assert_eq!(body.at.pointer, "/components/requestBodies/NewPet");
    assert_eq!(
        media_types(&body.content),
        ["application/json", "application/x-www-form-urlencoded"]
    );
    let json_body = media(&body.content, "application/json");
    assert_eq!(json_body.examples.len(), 1);
    assert_eq!(json_body.examples[0].value, Some(json!({"name": "Rex"})));
    for m in &body.content {
        check_schema(
            &spec,
            m.schema.unwrap(),
            Request,
            &[json!({"name": "Rex"})],
            &[json!({"id": 1})],
        );
    }

    let upload = op(&spec, "uploadPhoto").request_body.as_ref().unwrap();
    assert!(upload.required);
    assert_eq!(
        media_types(&upload.content),
        ["multipart/form-data", "image/png"]
    );
    let form = media(&upload.content, "multipart/form-data");
    assert_eq!(form.encoding.len(), 1);
    assert_eq!(form.encoding[0].property, "meta");
    assert_eq!(
        form.encoding[0].content_type.as_deref(),
        Some("application/json")
    );
    assert!(op(&spec, "listPets").request_body.is_none());
}

#[test]
fn responses_by_status_code_range_and_default() {
    let spec = features30();
    let list = op(&spec, "listPets");
    let statuses: Vec<StatusKey> = list.responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            StatusKey::Code(200),
            StatusKey::Range(4),
            StatusKey::Default
        ]
    );
    assert_eq!(list.response_for(200).unwrap().status, StatusKey::Code(200));
    assert_eq!(list.response_for(404).unwrap().status, StatusKey::Range(4));
    assert_eq!(list.response_for(503).unwrap().status, StatusKey::Default);
    assert_eq!(StatusKey::Range(4).to_string(), "4XX");

    // 200 is a `$ref` to components/responses.
    let ok = response(list, StatusKey::Code(200));
    assert_eq!(ok.description, "pets");
    assert_eq!(ok.at.pointer, "/components/responses/PetList");
    assert_eq!(ok.headers.len(), 1);
    assert_eq!(ok.headers[0].name, "X-Total");
    let pets = response_schema(list, StatusKey::Code(200), "application/json");
    check_schema(
        &spec,
        pets,
        Response,
        &[json!([{"id": 1, "name": "Rex"}])],
        &[json!([{"id": 1}]), json!({})],
    );
    let problem = response_schema(list, StatusKey::Range(4), "application/problem+json");
    check_schema(
        &spec,
        problem,
        Response,
        &[json!({"title": "no"})],
        &[json!({"title": 1})],
    );
    assert!(response(list, StatusKey::Default).content.is_empty());
}

#[test]
fn response_headers_and_links() {
    let spec = features30();
    let created = response(op(&spec, "createPet"), StatusKey::Code(201));
    let headers: Vec<(&str, bool)> = created
        .headers
        .iter()
        .map(|h| (h.name.as_str(), h.required))
        .collect();
    assert_eq!(headers, [("Location", true), ("X-Rate-Remaining", false)]);
    let rate = &created.headers[1];
    assert_eq!(rate.description.as_deref(), Some("calls left"));
    assert_eq!(rate.at.pointer, "/components/headers/RateRemaining");
    check_schema(
        &spec,
        rate.schema.unwrap(),
        Response,
        &[json!(0)],
        &[json!(-1)],
    );

    assert_eq!(created.links.len(), 1);
    let link = &created.links[0];
    assert_eq!(link.name, "GetCreated");
    assert_eq!(link.operation_id.as_deref(), Some("getPet"));
    assert_eq!(
        link.parameters.get("petId"),
        Some(&json!("$response.body#/id"))
    );
}

#[test]
fn security_document_default_operation_override_and_none() {
    let spec = features30();
    let requirement = |schemes: &[(&str, &[&str])]| SecurityRequirement {
        schemes: schemes
            .iter()
            .map(|(n, s)| (n.to_string(), s.iter().map(|x| x.to_string()).collect()))
            .collect(),
    };
    let document = vec![
        requirement(&[("apiKey", &[])]),
        requirement(&[("oauth", &["read", "write"])]),
    ];
    assert_eq!(spec.security, document);

    let list = op(&spec, "listPets");
    assert_eq!(list.security, None);
    assert_eq!(list.effective_security(&spec.security), &document[..]);

    let create = op(&spec, "createPet");
    assert_eq!(
        create.security,
        Some(vec![]),
        "`security: []` is explicitly none"
    );
    assert!(create.effective_security(&spec.security).is_empty());

    let get = op(&spec, "getPet");
    assert_eq!(
        get.security,
        Some(vec![requirement(&[("oauth", &["read"])])])
    );
}

#[test]
fn path_items_and_operations_reached_through_refs_to_other_files() {
    let spec = features30();
    // Root, pet-item.yaml and operations.yaml; pet-item.yaml's refs back to the root do not
    // load it a second time.
    assert_eq!(spec.file_count(), 3);

    let get = op(&spec, "getPet");
    assert_ne!(get.at.file, FileId(0));
    assert!(
        spec.describe(&get.at)
            .ends_with("features30/pet-item.yaml#/get"),
        "{}",
        spec.describe(&get.at)
    );
    let pet_id = param(get, "petId");
    assert_eq!((pet_id.location, pet_id.required), (ParamIn::Path, true));
    let ok = media(
        &response(get, StatusKey::Code(200)).content,
        "application/json",
    );
    check_schema(
        &spec,
        ok.schema.unwrap(),
        Response,
        &[json!({"id": 1, "name": "Rex"})],
        &[json!({"id": 1})],
    );
    // An example `$ref` into the root document.
    assert_eq!(ok.examples.len(), 1);
    let rex = &ok.examples[0];
    assert_eq!(rex.name.as_deref(), Some("rex"));
    assert_eq!(rex.summary.as_deref(), Some("a dog"));
    assert_eq!(rex.value, Some(json!({"id": 1, "name": "Rex"})));
    assert_eq!(
        rex.location,
        stipula::spec::Location::new(FileId(0), "/components/examples/Rex/value")
    );
    // The shared parameter of the referenced path item applies to each of its operations.
    assert_eq!(
        param(op(&spec, "deletePet"), "petId").location,
        ParamIn::Path
    );

    let upload = op(&spec, "uploadPhoto");
    assert!(
        spec.describe(&upload.at)
            .ends_with("features30/operations.yaml#/uploadPhoto")
    );
    assert_eq!(response(upload, StatusKey::Code(204)).description, "stored");
}

#[test]
fn every_example_of_the_30_features_spec_is_valid() {
    let spec = features30();
    let (findings, stats) = stipula::lint::check_examples(&spec);
    assert!(findings.is_empty(), "{findings:?}");
    assert!(stats.checked >= 2, "{stats:?}");
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
}

#[test]
fn webhooks_path_item_components_and_mutual_tls_in_31() {
    let spec = load("features31.yaml");
    assert_eq!(spec.dialect, Dialect::OpenApi31);
    assert_eq!(
        spec.base_path(),
        "/api",
        "the trailing slash of `/api/` is not part of the base path"
    );

    assert_eq!(spec.operations.len(), 1);
    let list = op(&spec, "listThings");
    assert_eq!((list.method, list.path.as_str()), (Method::Get, "/things"));
    assert_eq!(list.at.pointer, "/components/pathItems/Things/get");
    assert_eq!(
        spec.security_scheme("mtls"),
        Some(&SecurityScheme::MutualTls)
    );
    assert_eq!(
        list.security.as_ref().unwrap()[0].schemes,
        [("mtls".to_string(), vec![])]
    );

    assert_eq!(spec.webhooks.len(), 1);
    let hook = &spec.webhooks[0];
    assert_eq!(hook.name, "thingCreated");
    assert_eq!(hook.operation.method, Method::Post);
    assert_eq!(
        hook.operation.operation_id.as_deref(),
        Some("onThingCreated")
    );
    assert_eq!(
        hook.operation.extensions.get("x-delivery"),
        Some(&json!("at-least-once"))
    );
    assert!(
        spec.operation("onThingCreated").is_none(),
        "webhooks are not operations of the API"
    );
    check_schema(
        &spec,
        body_schema(&hook.operation, "application/json"),
        Request,
        &[
            json!({"kind": "thing"}),
            json!({"kind": "thing", "label": null}),
            json!({"kind": "thing", "label": "x"}),
        ],
        &[
            json!({"kind": "other"}),
            json!({"label": "x"}),
            json!({"kind": "thing", "label": 1}),
        ],
    );
    // Webhook schemas are among those validators are compiled for.
    assert!(
        spec.operation_schemas()
            .iter()
            .any(|&(id, _)| id == body_schema(&hook.operation, "application/json"))
    );
    assert_eq!(spec.compile_validators(), 0);
}

#[test]
fn parameter_with_content_instead_of_schema() {
    let spec = features30();
    let reason = param(op(&spec, "deletePet"), "X-Reason");
    assert_eq!(
        (reason.location, reason.required, reason.schema),
        (ParamIn::Header, true, None)
    );
    assert_eq!(media_types(&reason.content), ["application/json"]);
    let schema = reason.content[0].schema.unwrap();
    check_schema(
        &spec,
        schema,
        Request,
        &[json!({"code": 1})],
        &[json!({}), json!({"code": "1"})],
    );
    assert!(spec.operation_schemas().contains(&(schema, Request)));
}

#[test]
fn a_31_document_may_have_only_webhooks() {
    let spec = inline_ok(
        "openapi: 3.1.0\ninfo: {title: hooks, version: '1'}\nwebhooks:\n  ping:\n    post:\n      responses:\n        2xx: {description: ok}\n",
    );
    assert!(spec.operations.is_empty());
    assert_eq!(spec.webhooks.len(), 1);
    assert_eq!(spec.webhooks[0].operation.path, "ping");
    assert_eq!(
        spec.webhooks[0].operation.responses[0].status,
        StatusKey::Range(2),
        "`2xx` is a range too"
    );
    assert_eq!(spec.base_path(), "", "no servers means one server `/`");
    assert_eq!(spec.servers[0].url, "/");
}

/// OpenAPI 3: a header parameter named `Accept`, `Content-Type` or `Authorization` "SHALL be
/// ignored" (content negotiation and security schemes describe those headers).
#[test]
fn reserved_header_parameters_are_ignored_in_3x() {
    let spec = inline_ok(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: get\n      parameters:\n        - {name: Accept, in: header, required: true, schema: {type: string, enum: [text/csv]}}\n        - {name: Content-Type, in: header, schema: {type: string}}\n        - {name: Authorization, in: header, required: true, schema: {type: string}}\n        - {name: X-Kept, in: header, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n",
    );
    let names: Vec<&str> = op(&spec, "get")
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["X-Kept"]);
}

#[test]
fn undefined_server_variable_is_a_warning() {
    let spec = inline_ok(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers:\n  - url: https://{tenant}.example.com/v1\npaths: {}\n",
    );
    let warnings = warnings_containing(
        &spec,
        "server URL uses `{tenant}` but no such variable is defined",
    );
    assert_eq!(warnings.len(), 1, "{:?}", spec.warnings);
    assert_eq!(warnings[0].pointer, "/servers/0/url");
    assert_eq!(spec.base_path(), "/v1");
}

#[test]
fn a_document_without_info_loads_with_a_warning() {
    let spec = inline_ok("openapi: 3.0.3\npaths: {}\n");
    let warnings = warnings_containing(&spec, "no `info` object");
    assert_eq!(warnings.len(), 1, "{:?}", spec.warnings);
    assert_eq!(spec.info.title, "");
}

#[test]
fn loading_a_folder_or_a_missing_file_is_a_clean_error() {
    let e = Spec::load(fixture("formats"), LoadOptions::default()).unwrap_err();
    assert!(only_error(&e).message.contains("is a folder"), "{e}");
    let e = Spec::load(fixture("formats/nope.yaml"), LoadOptions::default()).unwrap_err();
    assert!(only_error(&e).message.contains("cannot open"), "{e}");
}

#[test]
fn discover_finds_the_roots_of_a_folder() {
    let found = discover(&fixture("formats")).unwrap();
    let names: Vec<String> = found
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "v20.json", "v20.yaml", "v30.json", "v30.yaml", "v31.json", "v31.yaml"
        ]
    );
}

/// `discover` promises to skip the fragments of multi-file specs; a fragment that merely names
/// the root file (`$ref: openapi.yaml#/...`) is still a fragment.
#[test]
fn discover_skips_fragments_that_mention_openapi() {
    let found = discover(&fixture("discover")).unwrap();
    let names: Vec<String> = found
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["openapi.yaml", "swagger.json"]);
}

/// The model says what consumers used to read from the raw document: a DELETE's semantics
/// (`remove` unless marked), each operation's path shape, where document-level settings are.
#[test]
fn model_carries_delete_semantics_shapes_and_document_locations() {
    use stipula::spec::DeleteSemantics;
    let spec = inline_ok(
        r#"
openapi: 3.1.0
info: {title: t, version: '1'}
servers: [{url: /v1}]
security: [{key: []}]
paths:
  /things/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {operationId: read, responses: {'200': {description: ok}}}
    delete: {operationId: remove, responses: {'204': {description: gone}}}
  /grants/{grantId}:
    parameters: [{name: grantId, in: path, required: true, schema: {type: string}}]
    delete: {operationId: revoke, x-stipula-delete-semantics: revoke, responses: {'204': {description: revoked}}}
  /files/{fileId}:
    parameters: [{name: fileId, in: path, required: true, schema: {type: string}}]
    delete: {operationId: archive, x-stipula-delete-semantics: archive, responses: {'204': {description: archived}}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
"#,
    );
    let semantics = |id| op(&spec, id).delete_semantics.clone();
    assert_eq!(semantics("read"), None);
    assert_eq!(semantics("remove"), Some(DeleteSemantics::Remove));
    assert_eq!(semantics("revoke"), Some(DeleteSemantics::Revoke));
    assert_eq!(
        semantics("archive"),
        Some(DeleteSemantics::Other("archive".into()))
    );
    assert_eq!(op(&spec, "read").shape, "/things/{}");
    assert_eq!(op(&spec, "revoke").shape, "/grants/{}");
    let pointer = |l: &Option<stipula::spec::Location>| l.as_ref().map(|l| l.pointer.clone());
    assert_eq!(
        pointer(&spec.locations.base_path).as_deref(),
        Some("/servers/0/url")
    );
    assert_eq!(
        pointer(&spec.locations.security).as_deref(),
        Some("/security")
    );

    let swagger =
        inline_ok("swagger: '2.0'\ninfo: {title: t, version: '1'}\nbasePath: /v2\npaths: {}\n");
    assert_eq!(
        pointer(&swagger.locations.base_path).as_deref(),
        Some("/basePath")
    );
    assert_eq!(swagger.locations.security, None);
}
