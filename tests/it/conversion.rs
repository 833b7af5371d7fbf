//! The schema conversion rules of `src/spec/normalize.rs`, each with values that must pass and
//! values that must fail once converted to JSON Schema 2020-12.

use serde_json::json;
use stipula::schema::Direction::{Request, Response};
use stipula::spec::Spec;

use crate::support::*;

fn v30() -> Spec {
    load("conversion/v30.yaml")
}

fn v31() -> Spec {
    load("conversion/v31.yaml")
}

#[test]
fn nullable_with_type_adds_null() {
    check_component(
        &v30(),
        "NullableString",
        &[json!(null), json!("x")],
        &[json!(1), json!(false)],
    );
}

#[test]
fn nullable_with_enum_adds_null_to_the_enum() {
    let spec = v30();
    check_component(
        &spec,
        "NullableEnum",
        &[json!(null), json!("red")],
        &[json!("blue"), json!(1)],
    );
    let normalized = spec.schemas.get(component(&spec, "NullableEnum"));
    assert_eq!(normalized["enum"], json!(["red", "green", null]));
}

#[test]
fn nullable_without_type_on_all_of_a_ref() {
    check_component(
        &v30(),
        "NullableAllOf",
        &[json!(null), json!({"name": "Rex"})],
        &[json!({"nom": "Rex"}), json!({"name": 1}), json!("Rex")],
    );
}

#[test]
fn boolean_exclusive_bounds_exclude_the_boundary() {
    check_component(
        &v30(),
        "ExclusiveBounds",
        &[json!(0.001), json!(5), json!(9.999)],
        &[json!(0), json!(10), json!(-1), json!(11)],
    );
}

#[test]
fn false_exclusive_bounds_are_inclusive() {
    check_component(
        &v30(),
        "InclusiveBounds",
        &[json!(0), json!(10), json!(5)],
        &[json!(-0.5), json!(10.5)],
    );
}

#[test]
fn ref_siblings_are_ignored_in_30() {
    // `required: [age]` beside the `$ref` means nothing in 3.0.
    check_component(
        &v30(),
        "RefWithSiblings",
        &[json!({"name": "Rex"})],
        &[json!({"age": 3})],
    );
}

#[test]
fn ref_siblings_are_honoured_in_31() {
    check_component(
        &v31(),
        "RefWithSiblings",
        &[json!({"name": "Rex", "age": 3})],
        &[json!({"name": "Rex"}), json!({"age": 3})],
    );
}

#[test]
fn example_becomes_examples() {
    for spec in [v30(), v31()] {
        let normalized = spec.schemas.get(component(&spec, "WithExample"));
        assert_eq!(
            normalized.get("examples"),
            Some(&json!(["hello"])),
            "{normalized}"
        );
        assert_eq!(normalized.get("example"), None, "{normalized}");
    }
}

#[test]
fn int32_range_is_enforced() {
    for spec in [v30(), v31()] {
        check_component(
            &spec,
            "Int32",
            &[json!(2147483647), json!(-2147483648), json!(0)],
            &[json!(2147483648u64), json!(-2147483649i64), json!(1.5)],
        );
    }
}

#[test]
fn int32_keeps_a_tighter_maximum() {
    check_component(
        &v30(),
        "Int32Tight",
        &[json!(100), json!(-2147483648)],
        &[json!(101), json!(-2147483649i64)],
    );
}

#[test]
fn int64_range_is_enforced() {
    check_component(
        &v30(),
        "Int64",
        &[json!(i64::MAX), json!(i64::MIN)],
        &[json!(9223372036854775808u64), json!(u64::MAX), json!("1")],
    );
}

#[test]
fn date_time_format_is_asserted() {
    check_component(
        &v30(),
        "DateTime",
        &[
            json!("2024-01-02T03:04:05Z"),
            json!("2024-01-02T03:04:05.123+02:00"),
        ],
        &[
            json!("2024-13-02T03:04:05Z"),
            json!("2024-01-02"),
            json!("yesterday"),
        ],
    );
}

#[test]
fn uuid_format_is_asserted() {
    check_component(
        &v30(),
        "Uuid",
        &[json!("550e8400-e29b-41d4-a716-446655440000")],
        &[json!("550e8400"), json!("not-a-uuid")],
    );
}

#[test]
fn email_format_is_asserted() {
    check_component(
        &v30(),
        "Email",
        &[json!("rex@example.com")],
        &[json!("rex"), json!("rex@")],
    );
}

#[test]
fn byte_format_is_base64() {
    check_component(
        &v30(),
        "Byte",
        &[json!("aGVsbG8="), json!("aGk="), json!("")],
        &[json!("aGVsbG8"), json!("a*=="), json!("====")],
    );
}

#[test]
fn read_only_and_write_only_required_properties_by_direction() {
    let spec = v30();
    let account = component(&spec, "Account");
    // A request need not carry readOnly `id` or `owner` (a readOnly schema behind a `$ref`),
    // but must carry writeOnly `password`.
    check_schema(
        &spec,
        account,
        Request,
        &[
            json!({"password": "s", "name": "n"}),
            json!({"id": "1", "password": "s", "name": "n", "owner": "o"}),
        ],
        &[
            json!({"id": "1", "name": "n", "owner": "o"}),
            json!({"password": "s"}),
        ],
    );
    // A response is the reverse.
    check_schema(
        &spec,
        account,
        Response,
        &[json!({"id": "1", "name": "n", "owner": "o"})],
        &[
            json!({"password": "s", "name": "n"}),
            json!({"id": "1", "name": "n"}),
            json!({"owner": "o", "name": "n"}),
        ],
    );
}

/// The rule is about required properties that are readOnly, wherever the `required` is written:
/// here `allOf` adds `required: [id, name]` to a base schema whose `id` is readOnly.
#[test]
fn read_only_property_required_through_all_of() {
    let spec = v30();
    let schema = component(&spec, "BaseRequiredThroughAllOf");
    check_schema(
        &spec,
        schema,
        Response,
        &[json!({"id": "1", "name": "n"})],
        &[json!({"name": "n"})],
    );
    check_schema(
        &spec,
        schema,
        Request,
        &[json!({"name": "n"}), json!({"id": "1", "name": "n"})],
        &[json!({"id": "1"})],
    );
}

#[test]
fn read_only_and_write_only_in_31() {
    let spec = v31();
    let account = component(&spec, "Account");
    check_schema(
        &spec,
        account,
        Request,
        &[json!({"password": "s"})],
        &[json!({"id": "1"})],
    );
    check_schema(
        &spec,
        account,
        Response,
        &[json!({"id": "1"})],
        &[json!({"password": "s"})],
    );
}

#[test]
fn nullable_in_31_is_ignored_with_a_warning() {
    let spec = v31();
    check_component(&spec, "NullableIgnored", &[json!("x")], &[json!(null)]);
    let warnings = warnings_containing(&spec, "`nullable` has no meaning in OpenAPI 3.1");
    assert_eq!(warnings.len(), 1, "{:?}", spec.warnings);
    assert_eq!(
        warnings[0].pointer,
        "/components/schemas/NullableIgnored/nullable"
    );
    assert_eq!(warnings[0].file, fixture_name("conversion/v31.yaml"));
    let located = spec.located_warnings();
    let position = located
        .iter()
        .find(|w| w.message.contains("nullable"))
        .and_then(|w| w.position);
    assert_eq!(position.map(|p| (p.line, p.column)), Some((19, 7)));
}

#[test]
fn type_arrays_in_31() {
    check_component(
        &v31(),
        "TypeArray",
        &[json!(null), json!(1)],
        &[json!("1"), json!(1.5)],
    );
}

#[test]
fn const_in_31() {
    check_component(
        &v31(),
        "Const",
        &[json!("fixed")],
        &[json!("other"), json!(null)],
    );
}

#[test]
fn numeric_exclusive_minimum_in_31_is_kept() {
    check_component(
        &v31(),
        "NumericExclusive",
        &[json!(0.1)],
        &[json!(0), json!(-1)],
    );
}

#[test]
fn no_warnings_for_a_clean_30_document() {
    let spec = v30();
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    assert_eq!(spec.compile_validators(), 0);
    for (name, id) in &spec.component_schemas {
        let normalized = spec.schemas.get(*id).to_string();
        assert!(!normalized.contains("\"nullable\""), "{name}: {normalized}");
        assert!(!normalized.contains("\"example\""), "{name}: {normalized}");
    }
}

#[test]
fn a_properties_map_behind_a_ref_is_read_where_it_points() {
    let spec = load("conversion/props-ref.yaml");
    check_component(
        &spec,
        "Droplet",
        &[json!({"id": 1, "name": "web"})],
        &[
            json!({"id": "one"}),
            json!({"id": 1, "name": "too long"}),
            json!({"name": "web"}),
        ],
    );
    assert_eq!(
        spec.schemas.compile_problems(),
        Vec::<(String, String)>::new()
    );
}

#[test]
fn boolean_exclusive_minimum_in_a_31_document_means_what_it_meant_in_30() {
    let spec = load("conversion/v31-boolean-exclusive.yaml");
    check_component(
        &spec,
        "LearningRate",
        &[json!("auto"), json!(0.1)],
        &[json!(0), json!(-1), json!("fast")],
    );
    assert_eq!(
        spec.schemas.compile_problems(),
        Vec::<(String, String)>::new()
    );
    check_component(
        &load("conversion/props-ref.yaml"),
        "Rate",
        &[json!(0.5)],
        &[json!(0)],
    );
}

#[test]
fn duplicate_required_names_count_once() {
    let spec = inline_ok(
        r#"
openapi: 3.1.0
info: {title: Duplicates, version: "1"}
paths: {}
components:
  schemas:
    Container:
      type: object
      required: [id, name, id]
      properties:
        id: {type: string}
        name: {type: string}
"#,
    );
    check_component(
        &spec,
        "Container",
        &[json!({"id": "a", "name": "b"})],
        &[json!({"name": "b"})],
    );
}
