//! Checks over a loaded spec that find problems the loader lets through.
//!
//! For now one rule, `example-invalid`: every documented example (parameters, headers, request
//! and response bodies, schema `examples`) validates against its schema, with the same
//! validators the mock and the runner use. Findings are results, not errors.

use serde_json::Value;

use crate::spec::{Example, MediaType, SchemaId, Spec};
use crate::validate::Direction;

/// One problem found in a spec.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    /// `file:line:column (#/pointer)` of the offending value.
    pub place: String,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: error[{}]: {}", self.place, self.rule, self.message)
    }
}

/// What `check_examples` looked at.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExampleStats {
    pub checked: usize,
    /// Examples not checked: external values, or XML/text bodies that JSON Schema cannot judge.
    pub skipped: usize,
}

/// Validates every example in the spec against its schema.
pub fn check_examples(spec: &Spec) -> (Vec<Finding>, ExampleStats) {
    let mut out = Vec::new();
    let mut stats = ExampleStats::default();
    let mut check = |examples: &[Example], schema: Option<SchemaId>, direction: Direction, media_type: Option<&str>, what: &str| {
        let Some(schema) = schema else { return };
        for example in examples {
            let Some(value) = &example.value else {
                stats.skipped += 1;
                continue;
            };
            if !json_judgeable(media_type, value) {
                stats.skipped += 1;
                continue;
            }
            stats.checked += 1;
            let violations = spec.schemas.validate(schema, direction, value);
            if !violations.is_empty() {
                let name = example.name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default();
                let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
                out.push(Finding {
                    rule: "example-invalid",
                    place: spec.place(&example.location).to_string(),
                    message: format!("example{name} of {what} does not match its schema: {}", list.join("; ")),
                });
            }
        }
    };
    let check_content = |content: &[MediaType], direction: Direction, what: &str, check: &mut dyn FnMut(&[Example], Option<SchemaId>, Direction, Option<&str>, &str)| {
        for m in content {
            check(&m.examples, m.schema, direction, Some(&m.media_type), &format!("{what} ({})", m.media_type));
        }
    };
    for op in spec.operations.iter().chain(spec.webhooks.iter().map(|w| &w.operation)) {
        let label = op.label();
        for p in &op.parameters {
            let what = format!("{label} parameter `{}`", p.name);
            check(&p.examples, p.schema, Direction::Request, None, &what);
            check_content(&p.content, Direction::Request, &what, &mut check);
        }
        if let Some(body) = &op.request_body {
            check_content(&body.content, Direction::Request, &format!("{label} request body"), &mut check);
        }
        for r in &op.responses {
            let what = format!("{label} response {}", r.status);
            check_content(&r.content, Direction::Response, &what, &mut check);
            for h in &r.headers {
                check(&h.examples, h.schema, Direction::Response, None, &format!("{what} header `{}`", h.name));
            }
        }
    }
    // Schema-level `examples` (3.0's `example`, normalized): valid in either direction.
    for i in 0..spec.schemas.len() {
        let id = SchemaId(i as u32);
        let Some(Value::Array(examples)) = spec.schemas.get(id).get("examples") else { continue };
        for (n, value) in examples.iter().enumerate() {
            stats.checked += 1;
            if spec.schemas.is_valid(id, Direction::Response, value) || spec.schemas.is_valid(id, Direction::Request, value) {
                continue;
            }
            let violations = spec.schemas.validate(id, Direction::Response, value);
            let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
            let at = spec.schemas.location(id);
            let raw = spec.raw(at);
            let key = if raw.is_some_and(|r| r.get("example").is_some()) { "example".to_string() } else { format!("examples/{n}") };
            let example_at = crate::spec::Location::new(at.file, format!("{}/{key}", at.pointer));
            out.push(Finding {
                rule: "example-invalid",
                place: spec.place(&example_at).to_string(),
                message: format!("schema example does not match its schema: {}", list.join("; ")),
            });
        }
    }
    (out, stats)
}

/// Whether JSON Schema can judge this example: JSON bodies, parameters and headers always; a
/// string written for an XML or text body is not JSON and is left alone.
fn json_judgeable(media_type: Option<&str>, value: &Value) -> bool {
    match media_type {
        None => true,
        Some(m) => {
            let m = m.to_ascii_lowercase();
            if m.contains("json") || m.contains("x-www-form-urlencoded") || m.contains("form-data") {
                return true;
            }
            !m.contains("xml") && !value.is_string()
        }
    }
}
