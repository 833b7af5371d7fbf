//! Helpers shared by the test modules: finding fixtures, loading them, looking things up in the
//! model, and checking values against schemas and diagnostics against expectations.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use stipula::schema::Direction;
use stipula::spec::{
    Diagnostic, LoadError, LoadOptions, MediaType, Operation, Parameter, Position, Response,
    SchemaId, Severity, Spec, StatusKey,
};

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    repo().join("tests/fixtures").join(rel)
}

/// A fixture's path as a string, the way the loader names it in diagnostics.
pub fn fixture_name(rel: &str) -> String {
    fixture(rel).to_string_lossy().into_owned()
}

/// Loads a fixture with the default options; panics with the diagnostics when it does not load.
pub fn load(rel: &str) -> Spec {
    load_with(rel, LoadOptions::default())
}

pub fn load_with(rel: &str, options: LoadOptions) -> Spec {
    Spec::load(fixture(rel), options).unwrap_or_else(|e| panic!("{rel} should load, but:\n{e}"))
}

/// Loads a fixture that must not load.
pub fn load_error(rel: &str) -> LoadError {
    load_error_with(rel, LoadOptions::default())
}

pub fn load_error_with(rel: &str, options: LoadOptions) -> LoadError {
    match Spec::load(fixture(rel), options) {
        Ok(_) => panic!("{rel} should not load"),
        Err(e) => e,
    }
}

/// Loads a spec written inline (named `inline.yaml`, or `inline.json` when it starts with `{`).
pub fn inline(text: &str) -> Result<Spec, LoadError> {
    let name = if text.trim_start().starts_with('{') {
        "inline.json"
    } else {
        "inline.yaml"
    };
    Spec::from_str(name, text, LoadOptions::default())
}

pub fn inline_ok(text: &str) -> Spec {
    inline(text).unwrap_or_else(|e| panic!("the inline spec should load, but:\n{e}\n---\n{text}"))
}

pub fn inline_error(text: &str) -> LoadError {
    match inline(text) {
        Ok(_) => panic!("the inline spec should not load:\n{text}"),
        Err(e) => e,
    }
}

/// The only error of a failed load (warnings may come along).
pub fn only_error(e: &LoadError) -> &Diagnostic {
    let errors: Vec<&Diagnostic> = e.errors().collect();
    assert_eq!(errors.len(), 1, "expected exactly one error, got:\n{e}");
    errors[0]
}

/// What a diagnostic is expected to say: where (file, line, column, pointer) and what.
pub struct Expect<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub pointer: &'a str,
    /// Every one of these must appear in the message.
    pub message: &'a [&'a str],
}

pub fn assert_diagnostic(d: &Diagnostic, expect: Expect) {
    assert_eq!(d.file, expect.file, "file of {d}");
    assert_eq!(d.pointer, expect.pointer, "pointer of {d}");
    assert_eq!(
        d.position,
        Some(Position {
            line: expect.line,
            column: expect.column
        }),
        "position of {d}"
    );
    for part in expect.message {
        assert!(
            d.message.contains(part),
            "the message of {d} should contain {part:?}"
        );
    }
}

/// Loads a broken fixture and checks its only error.
pub fn assert_fixture_error(
    rel: &str,
    line: usize,
    column: usize,
    pointer: &str,
    message: &[&str],
) -> Diagnostic {
    let e = load_error(rel);
    let d = only_error(&e).clone();
    let file = fixture_name(rel);
    assert_diagnostic(
        &d,
        Expect {
            file: &file,
            line,
            column,
            pointer,
            message,
        },
    );
    d
}

pub fn warnings_containing<'a>(spec: &'a Spec, text: &str) -> Vec<&'a Diagnostic> {
    spec.warnings
        .iter()
        .filter(|w| w.severity == Severity::Warning && w.message.contains(text))
        .collect()
}

pub fn component(spec: &Spec, name: &str) -> SchemaId {
    spec.component_schemas
        .iter()
        .find(|(n, _)| n == name)
        .map(|&(_, id)| id)
        .unwrap_or_else(|| panic!("no component schema `{name}`"))
}

pub fn op<'a>(spec: &'a Spec, operation_id: &str) -> &'a Operation {
    spec.operation(operation_id)
        .unwrap_or_else(|| panic!("no operation `{operation_id}`"))
}

pub fn param<'a>(op: &'a Operation, name: &str) -> &'a Parameter {
    op.parameters
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{} has no parameter `{name}`", op.label()))
}

pub fn response(op: &Operation, status: StatusKey) -> &Response {
    op.response(status)
        .unwrap_or_else(|| panic!("{} has no response {status}", op.label()))
}

pub fn media<'a>(content: &'a [MediaType], media_type: &str) -> &'a MediaType {
    content
        .iter()
        .find(|m| m.media_type == media_type)
        .unwrap_or_else(|| {
            panic!(
                "no media type {media_type} among {:?}",
                media_types(content)
            )
        })
}

pub fn media_types(content: &[MediaType]) -> Vec<&str> {
    content.iter().map(|m| m.media_type.as_str()).collect()
}

/// The schema of the request body under a media type.
pub fn body_schema(op: &Operation, media_type: &str) -> SchemaId {
    let body = op
        .request_body
        .as_ref()
        .unwrap_or_else(|| panic!("{} has no request body", op.label()));
    media(&body.content, media_type).schema.expect("a schema")
}

/// The schema of a response under a media type.
pub fn response_schema(op: &Operation, status: StatusKey, media_type: &str) -> SchemaId {
    media(&response(op, status).content, media_type)
        .schema
        .expect("a schema")
}

/// Checks that every value of `pass` is valid and every value of `fail` is not, in `direction`.
pub fn check_schema(
    spec: &Spec,
    id: SchemaId,
    direction: Direction,
    pass: &[Value],
    fail: &[Value],
) {
    let normalized = spec.schemas.get(id);
    for v in pass {
        assert!(
            spec.schemas.is_valid(id, direction, v),
            "{v} should be valid ({direction:?}) against {normalized}: {:?}",
            spec.schemas.validate(id, direction, v)
        );
        assert!(
            spec.schemas.validate(id, direction, v).is_empty(),
            "validate() disagrees with is_valid() on {v}"
        );
    }
    for v in fail {
        assert!(
            !spec.schemas.is_valid(id, direction, v),
            "{v} should be invalid ({direction:?}) against {normalized}"
        );
        assert!(
            !spec.schemas.validate(id, direction, v).is_empty(),
            "validate() disagrees with is_valid() on {v}"
        );
    }
}

/// `check_schema` on a component schema, in both directions.
pub fn check_component(spec: &Spec, name: &str, pass: &[Value], fail: &[Value]) {
    let id = component(spec, name);
    for direction in [Direction::Request, Direction::Response] {
        check_schema(spec, id, direction, pass, fail);
    }
}

/// Runs `body` in a child process (this test binary, running only the test named `test`), on a
/// thread with Rust's default 2 MiB stack: a stack overflow then fails this one test instead of
/// aborting the whole run.
pub fn in_own_process(test: &str, body: fn()) {
    const CHILD: &str = "STIPULA_IT_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let worker = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(body)
            .unwrap();
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{test} failed in its own process ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("1 passed"),
        "{test} did not run in its own process:\n{stdout}\n{stderr}"
    );
}

/// The specs bundled in `specs/`, by file name, in the order `discover` finds them.
pub const BUNDLED_FILES: [&str; 4] = [
    "fusionauth-consent.yaml",
    "lytx-consent-management.json",
    "lytx-users.json",
    "slashid-gdpr-consent.yaml",
];

/// Loads a bundled spec by file name (`lytx-users.json`).
pub fn bundled_spec(name: &str) -> Spec {
    Spec::load(repo().join("specs").join(name), LoadOptions::default())
        .unwrap_or_else(|e| panic!("{name} should load:\n{e}"))
}

/// What a run of the `stipula` binary printed and returned.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built binary in the repository's root.
pub fn stipula(args: &[&str]) -> Run {
    stipula_at(repo(), args)
}

/// Runs the built binary in `dir` (relative paths in its output are relative to `dir`).
pub fn stipula_at(dir: &Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the stipula binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
