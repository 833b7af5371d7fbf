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
    let mut checker = ExampleChecker {
        spec,
        out: Vec::new(),
        stats: ExampleStats::default(),
    };
    for op in spec
        .operations
        .iter()
        .chain(spec.webhooks.iter().map(|w| &w.operation))
    {
        let label = op.label();
        for p in &op.parameters {
            let what = format!("{label} parameter `{}`", p.name);
            checker.check(&p.examples, p.schema, Direction::Request, None, &what);
            checker.check_content(&p.content, Direction::Request, &what);
        }
        if let Some(body) = &op.request_body {
            checker.check_content(
                &body.content,
                Direction::Request,
                &format!("{label} request body"),
            );
        }
        for r in &op.responses {
            let what = format!("{label} response {}", r.status);
            checker.check_content(&r.content, Direction::Response, &what);
            for h in &r.headers {
                checker.check(
                    &h.examples,
                    h.schema,
                    Direction::Response,
                    None,
                    &format!("{what} header `{}`", h.name),
                );
            }
        }
    }
    let ExampleChecker {
        mut out, mut stats, ..
    } = checker;
    // Schema-level `examples` (3.0's `example`, normalized), on every subschema of every entry:
    // valid in either direction.
    for i in 0..spec.schemas.len() {
        let id = SchemaId(i as u32);
        let mut found = Vec::new();
        schema_examples(spec.schemas.get(id), String::new(), &mut found);
        for (pointer, n, value) in found {
            stats.checked += 1;
            let violations = spec.schemas.validate_nested(id, &pointer, value);
            if violations.is_empty() {
                continue;
            }
            let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
            let at = spec.schemas.location(id);
            // Point at the example as written: 3.0's `example` or 3.1's `examples/n`.
            let written = format!("{}{pointer}", at.pointer);
            let raw = spec.raw(&crate::spec::Location::new(at.file, written.clone()));
            let key = if raw.is_some_and(|r| r.get("example").is_some()) {
                "example".to_string()
            } else {
                format!("examples/{n}")
            };
            let example_at = crate::spec::Location::new(at.file, format!("{written}/{key}"));
            out.push(Finding {
                rule: "example-invalid",
                place: spec.place(&example_at).to_string(),
                message: format!(
                    "schema example does not match its schema: {}",
                    list.join("; ")
                ),
            });
        }
    }
    (out, stats)
}

struct ExampleChecker<'a> {
    spec: &'a Spec,
    out: Vec<Finding>,
    stats: ExampleStats,
}

impl ExampleChecker<'_> {
    fn check(
        &mut self,
        examples: &[Example],
        schema: Option<SchemaId>,
        direction: Direction,
        media_type: Option<&str>,
        what: &str,
    ) {
        let Some(schema) = schema else { return };
        for example in examples {
            let Some(value) = example
                .value
                .as_ref()
                .filter(|v| json_judgeable(media_type, v))
            else {
                self.stats.skipped += 1;
                continue;
            };
            self.stats.checked += 1;
            let violations = self.spec.schemas.validate(schema, direction, value);
            if violations.is_empty() {
                continue;
            }
            let name = example
                .name
                .as_deref()
                .map(|n| format!(" `{n}`"))
                .unwrap_or_default();
            let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
            self.out.push(Finding {
                rule: "example-invalid",
                place: self.spec.place(&example.location).to_string(),
                message: format!(
                    "example{name} of {what} does not match its schema: {}",
                    list.join("; ")
                ),
            });
        }
    }

    fn check_content(&mut self, content: &[MediaType], direction: Direction, what: &str) {
        for m in content {
            self.check(
                &m.examples,
                m.schema,
                direction,
                Some(&m.media_type),
                &format!("{what} ({})", m.media_type),
            );
        }
    }
}

/// Whether JSON Schema can judge this example: JSON bodies, parameters and headers always; a
/// string written for an XML or text body is not JSON and is left alone.
fn json_judgeable(media_type: Option<&str>, value: &Value) -> bool {
    match media_type {
        None => true,
        Some(m) => {
            let e = crate::media::essence(m);
            if crate::media::is_json(&e)
                || e == "application/x-www-form-urlencoded"
                || e == "multipart/form-data"
            {
                return true;
            }
            !e.contains("xml") && !value.is_string()
        }
    }
}

/// Collects `(pointer, index, value)` for every value under `examples` in a normalized schema
/// and its inline subschemas (not through `$ref`s: each target is an entry of its own).
fn schema_examples<'a>(
    schema: &'a Value,
    pointer: String,
    out: &mut Vec<(String, usize, &'a Value)>,
) {
    use crate::spec::normalize::{LISTS, MAPS, SINGLE};
    let Value::Object(o) = schema else { return };
    if let Some(Value::Array(examples)) = o.get("examples") {
        out.extend(
            examples
                .iter()
                .enumerate()
                .map(|(n, v)| (pointer.clone(), n, v)),
        );
    }
    for (key, child) in o {
        let key = key.as_str();
        if SINGLE.contains(&key) {
            schema_examples(child, format!("{pointer}/{key}"), out);
        } else if MAPS.contains(&key)
            && let Value::Object(children) = child
        {
            {
                for (name, c) in children {
                    schema_examples(
                        c,
                        format!("{pointer}/{key}/{}", crate::spec::pointer::escape(name)),
                        out,
                    );
                }
            }
        } else if LISTS.contains(&key)
            && let Value::Array(children) = child
        {
            {
                for (n, c) in children.iter().enumerate() {
                    schema_examples(c, format!("{pointer}/{key}/{n}"), out);
                }
            }
        }
    }
}
