//! `example-invalid`, `default-invalid`, `enum-invalid`: every value a spec documents validates
//! against its schema, with the validators the mock and the runner use.
//!
//! Two sources. Examples of parameters, headers and media types are checked with their
//! operation's validator for the direction they travel. Values written inside schemas
//! (`example`/`examples`, `default`, `enum`, on every subschema of every normalized entry) are
//! checked against the subschema they sit on, valid in either direction; each such subschema is
//! compiled once for all its values ([`Schemas::nested`]), and those referencing nothing are
//! compiled on their own, which keeps GitHub's spec (thousands of property examples) well under
//! a second. Operations, then entries, are spread over the machine's cores with scoped threads.

use serde_json::Value;

use crate::schema::Direction;
use crate::spec::{Example, Location, MediaType, SchemaId, Spec};

use super::Hit;

/// What the value checks looked at.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExampleStats {
    /// Examples validated.
    pub checked: usize,
    /// Examples not checked: external values, or XML/text bodies that JSON Schema cannot judge.
    pub skipped: usize,
}

/// Validates every example, default and enum value in the spec against its schema.
pub(super) fn check(spec: &Spec) -> (Vec<Hit>, ExampleStats) {
    let operations: Vec<&crate::spec::Operation> = spec
        .operations
        .iter()
        .chain(spec.webhooks.iter().map(|w| &w.operation))
        .collect();
    let mut out = Vec::new();
    let mut stats = ExampleStats::default();
    for (hits, s) in in_parallel(operations.len(), |i| {
        operation_examples(spec, operations[i])
    }) {
        out.extend(hits);
        stats.checked += s.checked;
        stats.skipped += s.skipped;
    }
    for (hits, checked) in in_parallel(spec.schemas.len(), |i| {
        entry_values(spec, SchemaId(i as u32))
    }) {
        out.extend(hits);
        stats.checked += checked;
    }
    (out, stats)
}

/// The examples of one operation's parameters, bodies and headers.
fn operation_examples(spec: &Spec, op: &crate::spec::Operation) -> (Vec<Hit>, ExampleStats) {
    let mut checker = ExampleChecker {
        spec,
        out: Vec::new(),
        stats: ExampleStats::default(),
    };
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
    (checker.out, checker.stats)
}

/// `f(0..count)` spread over the machine's cores (scoped threads with room for deep
/// schemas), results in index order so output stays stable.
fn in_parallel<T: Send>(count: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(count.max(1));
    let parts: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                std::thread::Builder::new()
                    .stack_size(64 * 1024 * 1024)
                    .spawn_scoped(scope, move || {
                        (t..count)
                            .step_by(threads)
                            .map(|i| (i, f(i)))
                            .collect::<Vec<_>>()
                    })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                // No thread to be had: do this share here.
                Err(_) => Vec::new(),
            })
            .collect()
    });
    let mut all: Vec<(usize, T)> = parts.into_iter().flatten().collect();
    if all.len() < count {
        // A thread could not be started: do the missing indexes on this one.
        let done: std::collections::HashSet<usize> = all.iter().map(|(i, _)| *i).collect();
        all.extend((0..count).filter(|i| !done.contains(i)).map(|i| (i, f(i))));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

struct ExampleChecker<'a> {
    spec: &'a Spec,
    out: Vec<Hit>,
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
            self.out.push(Hit::new(
                "example-invalid",
                example.location.clone(),
                format!(
                    "example{name} of {what} does not match its schema: {}",
                    list.join("; ")
                ),
            ));
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

/// A value written inside a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `examples/n` (3.0's `example`, normalized into `examples`).
    Example(usize),
    Default,
    /// `enum/n`.
    Enum(usize),
}

/// The values written on one subschema: its pointer inside the entry, and each value.
struct Written<'a> {
    pointer: String,
    values: Vec<(Kind, &'a Value)>,
}

/// The examples, defaults and enum values on every subschema of one entry: the hits and how
/// many examples were checked.
fn entry_values(spec: &Spec, id: SchemaId) -> (Vec<Hit>, usize) {
    let mut found = Vec::new();
    written_values(spec.schemas.get(id), String::new(), &mut found);
    let mut hits = Vec::new();
    let mut checked = 0;
    for written in found {
        checked += written
            .values
            .iter()
            .filter(|(k, _)| matches!(k, Kind::Example(_)))
            .count();
        check_written(spec, id, &written, &mut hits);
    }
    (hits, checked)
}

fn check_written(spec: &Spec, id: SchemaId, written: &Written<'_>, hits: &mut Vec<Hit>) {
    let validator = spec.schemas.nested(id, &written.pointer);
    let at = spec.schema_location(id);
    let schema_at = format!("{}{}", at.pointer, written.pointer);
    // 3.0's `example` was normalized into `examples`: point at the key as written.
    let raw = spec.raw(&Location::new(at.file, schema_at.clone()));
    let single_example = raw.is_some_and(|r| r.get("example").is_some());
    for (kind, value) in &written.values {
        let violations = validator.validate(value);
        if violations.is_empty() {
            continue;
        }
        let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
        let (rule, key, what) = match kind {
            Kind::Example(_) if single_example => {
                ("example-invalid", "example".to_string(), "schema example")
            }
            Kind::Example(i) => ("example-invalid", format!("examples/{i}"), "schema example"),
            Kind::Default => ("default-invalid", "default".to_string(), "default"),
            Kind::Enum(i) => ("enum-invalid", format!("enum/{i}"), "enum value"),
        };
        hits.push(Hit::new(
            rule,
            Location::new(at.file, format!("{schema_at}/{key}")),
            format!("{what} does not match its schema: {}", list.join("; ")),
        ));
    }
}

/// Collects the values written on a normalized schema and its inline subschemas (not through
/// `$ref`s: each target is an entry of its own).
fn written_values<'a>(schema: &'a Value, pointer: String, out: &mut Vec<Written<'a>>) {
    let Value::Object(o) = schema else { return };
    let mut values = Vec::new();
    if let Some(Value::Array(examples)) = o.get("examples") {
        values.extend(
            examples
                .iter()
                .enumerate()
                .map(|(n, v)| (Kind::Example(n), v)),
        );
    }
    if let Some(default) = o.get("default") {
        values.push((Kind::Default, default));
    }
    if let Some(Value::Array(members)) = o.get("enum") {
        values.extend(members.iter().enumerate().map(|(n, v)| (Kind::Enum(n), v)));
    }
    if !values.is_empty() {
        out.push(Written {
            pointer: pointer.clone(),
            values,
        });
    }
    crate::schema::walk::children(schema, |step, child| {
        written_values(child, format!("{pointer}{step}"), out);
    });
}
