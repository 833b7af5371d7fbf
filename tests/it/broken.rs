//! Broken specs, one class each: the error names the file, line, column, JSON pointer and says
//! what is wrong.

use stipula::spec::{Diagnostic, Place, Position, Severity};

use crate::support::*;

#[test]
fn invalid_json_syntax() {
    let d = assert_fixture_error("broken/invalid.json", 4, 3, "", &["invalid JSON"]);
    assert_eq!(d.message, "invalid JSON: expected `,` or `}`");
}

#[test]
fn invalid_yaml_syntax() {
    let d = assert_fixture_error(
        "broken/invalid.yaml",
        3,
        14,
        "",
        &["mapping values are not allowed in this context"],
    );
    assert!(d.message.starts_with("invalid YAML: "), "{}", d.message);
}

/// The position is reported separately (and shown as `file:line:column`), so the message should
/// not carry it again, as JSON syntax errors do not.
#[test]
fn yaml_syntax_error_message_does_not_repeat_the_position() {
    let e = load_error("broken/invalid.yaml");
    assert_eq!(
        only_error(&e).message,
        "invalid YAML: mapping values are not allowed in this context"
    );
}

#[test]
fn not_an_openapi_document() {
    assert_fixture_error(
        "broken/not-openapi.yaml",
        1,
        1,
        "",
        &["not an OpenAPI document: it has neither an `openapi` nor a `swagger` field"],
    );
    let e = inline_error("- openapi: 3.0.3\n- paths: {}\n");
    let d = only_error(&e);
    assert_eq!((d.file.as_str(), d.pointer.as_str()), ("inline.yaml", ""));
    assert!(d.message.contains("the top level must be an object"), "{d}");
}

#[test]
fn unsupported_openapi_version() {
    assert_fixture_error(
        "broken/version4.yaml",
        2,
        1,
        "/openapi",
        &["unsupported OpenAPI version `4.0.0` (supported: 2.0, 3.0.x, 3.1.x)"],
    );
    let e = inline_error("info: {title: t, version: '1'}\nswagger: '1.2'\npaths: {}\n");
    assert_diagnostic(
        only_error(&e),
        Expect {
            file: "inline.yaml",
            line: 2,
            column: 1,
            pointer: "/swagger",
            message: &["unsupported Swagger version `1.2`"],
        },
    );
}

#[test]
fn ref_to_a_missing_component() {
    let file = fixture_name("broken/missing-component.yaml");
    assert_fixture_error(
        "broken/missing-component.yaml",
        14,
        17,
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        &[&format!(
            "`#/components/schemas/Pet` points at nothing: {file} has no node at #/components/schemas/Pet"
        )],
    );
}

#[test]
fn ref_to_a_missing_file() {
    let missing = fixture_name("broken/schemas/nope.json");
    assert_fixture_error(
        "broken/missing-file.json",
        10,
        60,
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        &[&format!("`schemas/nope.json#/Pet`: cannot read {missing}")],
    );
}

#[test]
fn ref_with_an_anchor_fragment() {
    assert_fixture_error(
        "broken/anchor-ref.yaml",
        13,
        24,
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        &["`#pet`: only JSON-pointer fragments (`#/...`) are supported, not anchors"],
    );
}

#[test]
fn broken_ref_inside_a_referenced_file_is_located_in_that_file() {
    let e = load_error("broken/bad-fragment/root.yaml");
    let d = only_error(&e);
    let fragment = fixture_name("broken/bad-fragment/fragment.yaml");
    assert_diagnostic(
        d,
        Expect {
            file: &fragment,
            line: 5,
            column: 7,
            pointer: "/Pet/properties/owner/$ref",
            message: &[
                "`#/Owner` points at nothing",
                &format!("{fragment} has no node at #/Owner"),
            ],
        },
    );
}

fn assert_related(
    d: &stipula::spec::Diagnostic,
    file: &str,
    pointer: &str,
    line: usize,
    column: usize,
) {
    assert_eq!(
        d.related,
        Some(Box::new(Place {
            file: file.to_string(),
            pointer: pointer.to_string(),
            position: Some(Position { line, column })
        })),
        "related place of {d}"
    );
}

/// The only warning of `kind` a loaded spec has.
fn only_warning(spec: &stipula::spec::Spec, kind: stipula::spec::DiagnosticKind) -> Diagnostic {
    let found: Vec<Diagnostic> = spec
        .located_warnings()
        .into_iter()
        .filter(|w| w.kind == kind)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

#[test]
fn duplicate_operation_id_loads_with_a_warning_and_a_suffix() {
    let rel = "broken/duplicate-operation-id.yaml";
    let spec = load(rel);
    let d = only_warning(&spec, stipula::spec::DiagnosticKind::DuplicateOperationId);
    assert_diagnostic(
        &d,
        Expect {
            file: &fixture_name(rel),
            line: 14,
            column: 7,
            pointer: "/paths/~1animals/get/operationId",
            message: &[
                "duplicate operationId `getPets` (GET /pets and GET /animals)",
                "`getPets#2`",
            ],
        },
    );
    assert_related(
        &d,
        &fixture_name(rel),
        "/paths/~1pets/get/operationId",
        8,
        7,
    );
    let shown = d.to_string();
    assert!(
        shown.contains(&format!("see also {}:8:7", fixture_name(rel))),
        "{shown}"
    );
    // First in document order keeps the id.
    assert_eq!(op(&spec, "getPets").path, "/pets");
    assert_eq!(op(&spec, "getPets#2").path, "/animals");
}

#[test]
fn paths_differing_only_in_parameter_names_with_the_same_method_load_with_a_warning() {
    let rel = "broken/path-clash.yaml";
    let spec = load(rel);
    assert_eq!(spec.operations.len(), 2);
    let d = only_warning(&spec, stipula::spec::DiagnosticKind::PathClash);
    assert_diagnostic(
        &d,
        Expect {
            file: &fixture_name(rel),
            line: 13,
            column: 5,
            pointer: "/paths/~1pets~1{name}/get",
            message: &[
                "GET `/pets/{name}` conflicts with GET `/pets/{id}`",
                "differ only in parameter names",
                "first, in document order",
            ],
        },
    );
    assert_related(&d, &fixture_name(rel), "/paths/~1pets~1{id}/get", 7, 5);
}

#[test]
fn paths_differing_only_in_parameter_names_with_different_methods_load_with_a_warning() {
    let rel = "broken/path-clash-methods.yaml";
    let spec = load(rel);
    assert_eq!(spec.operations.len(), 2);
    let located = spec.located_warnings();
    let clashes: Vec<_> = located
        .iter()
        .filter(|w| w.message.contains("differ only in parameter names"))
        .collect();
    assert_eq!(clashes.len(), 1, "{located:?}");
    let w = clashes[0];
    assert_eq!(w.severity, Severity::Warning);
    assert_diagnostic(
        w,
        Expect {
            file: &fixture_name(rel),
            line: 12,
            column: 3,
            pointer: "/paths/~1pets~1{name}",
            message: &["`/pets/{name}` and `/pets/{id}`"],
        },
    );
    assert_related(w, &fixture_name(rel), "/paths/~1pets~1{id}", 6, 3);
}

#[test]
fn response_key_that_is_not_a_status_code() {
    assert_fixture_error(
        "broken/bad-status.yaml",
        11,
        9,
        "/paths/~1pets/get/responses/200 OK",
        &["`200 OK` is not a status code, a range like `4XX`, or `default`"],
    );
}

#[test]
fn parameter_without_in() {
    assert_fixture_error(
        "broken/parameter-without-in.yaml",
        9,
        11,
        "/paths/~1pets/get/parameters/0",
        &["a parameter needs `name` and `in`"],
    );
}

#[test]
fn unknown_security_scheme_type() {
    assert_fixture_error(
        "broken/unknown-security-type.yaml",
        8,
        5,
        "/components/securitySchemes/ticket",
        &["security scheme `ticket` has an unknown type `kerberos`"],
    );
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let e = load_error("broken/alias-bomb.yaml");
    let d = only_error(&e);
    assert_eq!(d.file, fixture_name("broken/alias-bomb.yaml"));
    assert!(d.message.starts_with("invalid YAML"), "{d}");
    assert!(d.message.contains("safety limit"), "{d}");
    let line = d.position.map(|p| p.line).unwrap_or(0);
    assert!(
        (4..=12).contains(&line),
        "the position should be among the anchors and aliases: {d}"
    );
}

#[test]
fn every_problem_of_a_spec_is_reported_at_once() {
    let e = inline_error(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: same\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n  /b:\n    get:\n      operationId: same\n      parameters:\n        - $ref: '#/components/parameters/Nope'\n      responses:\n        '200': {description: ok}\n",
    );
    let mut pointers: Vec<&str> = e.errors().map(|d| d.pointer.as_str()).collect();
    pointers.sort();
    assert_eq!(
        pointers,
        [
            "/paths/~1a/get/responses/200/$ref",
            "/paths/~1b/get/parameters/0/$ref"
        ],
        "{e}"
    );
    assert!(e.errors().all(|d| d.position.is_some()), "{e}");
    // The duplicate operationId comes along as a warning.
    assert!(
        e.diagnostics
            .iter()
            .any(|d| d.pointer == "/paths/~1b/get/operationId" && d.severity == Severity::Warning),
        "{e}"
    );
}

#[test]
fn problems_that_are_only_warnings_do_not_stop_loading() {
    let spec = inline_ok(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /pets/{id}:\n    get:\n      parameters:\n        - {name: id, in: path, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n",
    );
    let warnings =
        warnings_containing(&spec, "path parameter `id` must be marked `required: true`");
    assert_eq!(warnings.len(), 1, "{:?}", spec.warnings);
    assert!(spec.operations[0].parameters[0].required);
    let located = spec.located_warnings();
    assert_eq!(
        located[0].position,
        Some(Position {
            line: 7,
            column: 11
        })
    );
}

/// Columns count characters, not bytes, and CRLF line ends are line ends.
#[test]
fn positions_count_characters_and_accept_crlf() {
    let text = "openapi: 3.0.3\ninfo: {title: 'ñandú 🐦', version: '1'}\npaths:\n  /pets:\n    get:\n      responses:\n        '200': {description: 'é', content: {application/json: {schema: {$ref: '#/nope'}}}}\n";
    for text in [text.to_string(), text.replace('\n', "\r\n")] {
        let e = inline_error(&text);
        assert_diagnostic(
            only_error(&e),
            Expect {
                file: "inline.yaml",
                line: 7,
                column: 73,
                pointer: "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
                message: &["`#/nope` points at nothing"],
            },
        );
    }
}

/// Each loader problem carries the kind consumers sort by (lint maps kinds to rules): the
/// kind is the contract, whatever the message says.
#[test]
fn loader_diagnostics_name_their_kind() {
    use stipula::spec::DiagnosticKind::{self, *};
    let head = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n";
    let schema_ref = |target: &str| {
        format!(
            "{head}paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '{target}'}}\n"
        )
    };
    let cases: Vec<(String, DiagnosticKind)> = vec![
        ("openapi: [\n".into(), Syntax),
        (
            "openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n".into(),
            NotOpenApi,
        ),
        (schema_ref("#/components/schemas/Missing"), RefUnresolved),
        (schema_ref("../outside.yaml#/X"), RefOutsideRoot),
        (schema_ref("https://example.com/x.yaml#/X"), RefRemote),
        (schema_ref("urn:example:x"), RefUnsupported),
        (schema_ref("#anchor"), RefUnsupported),
        (
            format!(
                "{head}paths: {{}}\ncomponents:\n  schemas:\n    A: {{allOf: [{{$ref: '#/components/schemas/A'}}]}}\n"
            ),
            SchemaCycle,
        ),
        (format!("{head}paths:\n  /a: []\n"), InvalidStructure),
    ];
    for (text, kind) in cases {
        let e = inline_error(&text);
        let d = e.errors().next().expect("an error");
        assert_eq!(d.kind, kind, "{d}\n---\n{text}");
    }

    let spec = inline_ok(&format!(
        "{head}servers: [{{url: 'https://{{region}}.example.com'}}]\npaths:\n  /a/{{x}}:\n    get: {{responses: {{'200': {{description: ok}}}}}}\n"
    ));
    let kinds: Vec<DiagnosticKind> = spec.warnings.iter().map(|w| w.kind).collect();
    assert!(
        kinds.contains(&ServerVariableUndefined),
        "{:?}",
        spec.warnings
    );
    assert!(kinds.contains(&PathParamUndeclared), "{:?}", spec.warnings);

    // Loaded with a warning (lint still reports them as errors).
    let spec = inline_ok(&format!(
        "{head}paths:\n  /a/{{id}}:\n    get: {{operationId: x, parameters: [{{name: id, in: path, required: true}}], responses: {{'200': {{description: ok}}}}}}\n  /a/{{key}}:\n    get: {{operationId: x, parameters: [{{name: key, in: path, required: true}}], responses: {{'200': {{description: ok}}}}}}\n"
    ));
    let kinds: Vec<DiagnosticKind> = spec.warnings.iter().map(|w| w.kind).collect();
    assert!(kinds.contains(&DuplicateOperationId), "{:?}", spec.warnings);
    assert!(kinds.contains(&PathClash), "{:?}", spec.warnings);
}
