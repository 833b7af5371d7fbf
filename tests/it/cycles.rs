//! Recursion and cycles: recursive schemas validate at depth; cycles that never descend into the
//! value are errors naming the chain; deep nesting never crashes the loader.

use serde_json::{Value, json};
use stipula::schema::Direction::{Request, Response};
use stipula::spec::Spec;

use crate::support::*;

/// A chain of `depth` tree nodes (each with a leaf sibling); the deepest has `leaf` as value.
fn tree(depth: usize, leaf: Value) -> Value {
    let mut node = json!({ "value": leaf });
    for i in 1..depth {
        node = json!({ "value": i, "children": [node, { "value": 0 }] });
    }
    node
}

/// `depth` nested objects alternating A (`{name, b}`) and B (`{size, a}`), the outermost an A;
/// the innermost, a B since `depth` is even, is `last`.
fn a_to_b(depth: usize, last: Value) -> Value {
    assert!(depth.is_multiple_of(2));
    let mut value = last;
    for level in (0..depth - 1).rev() {
        value = if level % 2 == 0 {
            json!({ "name": "a", "b": value })
        } else {
            json!({ "size": 1, "a": value })
        };
    }
    value
}

#[test]
fn recursive_tree_validates_at_depth_50() {
    let spec = load("cycles/recursive.yaml");
    check_component(
        &spec,
        "Node",
        &[tree(50, json!(7))],
        &[tree(50, json!("seven")), tree(50, json!(null))],
    );
}

#[test]
fn mutually_recursive_schemas_validate_at_depth_50() {
    let spec = load("cycles/recursive.yaml");
    let valid = a_to_b(50, json!({ "size": 2 }));
    let wrong_type = a_to_b(50, json!({ "size": "two" }));
    let unknown_key = a_to_b(50, json!({ "name": "b" }));
    check_component(&spec, "A", &[valid], &[wrong_type, unknown_key]);
}

#[test]
fn pure_ref_cycle_is_an_error_naming_the_chain() {
    let file = fixture_name("cycles/ref-cycle.yaml");
    let d = assert_fixture_error(
        "cycles/ref-cycle.yaml",
        12,
        7,
        "/components/schemas/B/$ref",
        &["cycle"],
    );
    let chain = format!(
        "{file}#/components/schemas/A → {file}#/components/schemas/B → {file}#/components/schemas/A"
    );
    assert!(
        d.message.contains(&chain),
        "{} should contain {chain}",
        d.message
    );
}

#[test]
fn in_place_all_of_cycle_is_an_error_naming_the_chain() {
    let file = fixture_name("cycles/allof-cycle.yaml");
    let d = assert_fixture_error(
        "cycles/allof-cycle.yaml",
        11,
        11,
        "/components/schemas/A/allOf/0/$ref",
        &["never"],
    );
    let chain = format!("{file}#/components/schemas/A → {file}#/components/schemas/A");
    assert!(
        d.message.contains(&chain),
        "{} should contain {chain}",
        d.message
    );
}

#[test]
fn parameter_ref_cycle_is_an_error_naming_the_chain() {
    let d = assert_fixture_error(
        "cycles/parameter-cycle.yaml",
        10,
        11,
        "/paths/~1pets/get/parameters/0",
        &[
            "cycle",
            "#/components/parameters/P1 → ",
            "#/components/parameters/P2",
        ],
    );
    assert!(!d.message.contains("schema"), "{}", d.message);
}

#[test]
fn response_ref_cycle_is_an_error() {
    let e = inline_error(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/A'}\ncomponents:\n  responses:\n    A: {$ref: '#/components/responses/B'}\n    B: {$ref: '#/components/responses/A'}\n",
    );
    let d = only_error(&e);
    assert_eq!(d.pointer, "/paths/~1x/get/responses/200");
    assert!(d.message.contains("cycle"), "{d}");
}

/// `levels` nested `properties` under one component schema, as JSON on one line or as YAML.
fn deep_schema(levels: usize, yaml: bool) -> String {
    let mut schema = json!({ "type": "integer" });
    for _ in 0..levels {
        schema = json!({ "type": "object", "properties": { "p": schema } });
    }
    let doc = json!({
        "openapi": "3.0.3",
        "info": { "title": "deep", "version": "1" },
        "paths": {},
        "components": { "schemas": { "Deep": schema } }
    });
    if !yaml {
        return doc.to_string();
    }
    // Block-style YAML: one key per line, indented two spaces per level.
    fn write(v: &Value, indent: usize, out: &mut String) {
        match v {
            Value::Object(o) => {
                for (k, child) in o {
                    out.push_str(&" ".repeat(indent));
                    out.push_str(k);
                    out.push(':');
                    if child.is_object() {
                        out.push('\n');
                        write(child, indent + 2, out);
                    } else {
                        out.push(' ');
                        out.push_str(&child.to_string());
                        out.push('\n');
                    }
                }
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(&doc, 0, &mut out);
    out
}

fn deep_value(levels: usize, leaf: Value) -> Value {
    let mut value = leaf;
    for _ in 0..levels {
        value = json!({ "p": value });
    }
    value
}

fn load_timed(name: &str, text: &str) -> Result<Spec, stipula::spec::LoadError> {
    // A hang fails the run by the harness's own timeout; no wall-clock assertion here.
    Spec::from_str(name, text, Default::default())
}

#[test]
fn nested_json_within_the_parser_limit_loads_and_validates() {
    in_own_process(
        "cycles::nested_json_within_the_parser_limit_loads_and_validates",
        || check_deep_spec("deep.json", 60, false),
    );
}

/// 100 levels of `properties` are 204 levels of YAML nesting, within the loader's documented
/// limit of 256 (`limits::MAX_YAML_DEPTH`).
#[test]
fn nested_yaml_within_the_parser_limit_loads_and_validates() {
    in_own_process(
        "cycles::nested_yaml_within_the_parser_limit_loads_and_validates",
        || check_deep_spec("deep.yaml", 100, true),
    );
}

fn check_deep_spec(name: &str, levels: usize, yaml: bool) {
    let spec =
        load_timed(name, &deep_schema(levels, yaml)).unwrap_or_else(|e| panic!("{name}: {e}"));
    check_schema(
        &spec,
        component(&spec, "Deep"),
        Request,
        &[deep_value(levels, json!(1)), json!({})],
        &[
            deep_value(levels, json!("1")),
            deep_value(levels / 2, json!(1)),
        ],
    );
}

#[test]
fn json_nested_200_levels_is_a_clean_error() {
    in_own_process("cycles::json_nested_200_levels_is_a_clean_error", || {
        let e = load_timed("deep.json", &deep_schema(200, false)).unwrap_err();
        let d = only_error(&e);
        assert_eq!(d.file, "deep.json");
        assert!(
            d.message
                .starts_with("invalid JSON: recursion limit exceeded"),
            "{d}"
        );
        assert_eq!(d.position.map(|p| p.line), Some(1), "{d}");
    });
}

#[test]
fn yaml_nested_200_levels_is_a_clean_error() {
    in_own_process("cycles::yaml_nested_200_levels_is_a_clean_error", || {
        let e = load_timed("deep.yaml", &deep_schema(200, true)).unwrap_err();
        let d = only_error(&e);
        assert_eq!(d.file, "deep.yaml");
        assert!(d.message.starts_with("invalid YAML"), "{d}");
        assert!(d.message.contains("Depth"), "{d}");
        assert!(d.position.is_some(), "{d}");
    });
}

#[test]
fn recursive_schemas_compile_once_and_answer_both_directions() {
    let spec = load("cycles/recursive.yaml");
    let node = component(&spec, "Node");
    assert_eq!(spec.schemas.compile([node], Response), 0);
    assert_eq!(spec.schemas.compile([node], Request), 0);
    assert!(spec.schemas.compile_problems().is_empty());
}
