//! `example-invalid`, `default-invalid`, `enum-invalid`: every value a spec documents validates
//! against its schema, with the validators the mock and the runner use.
//!
//! Two sources. Examples of parameters, headers and media types are checked with their
//! operation's validator for the direction they travel. Values written inside schemas
//! (`example`/`examples`, `default`, `enum`, on every subschema of every normalized entry) are
//! checked against the subschema they sit on, valid in either direction; each such subschema is
//! compiled once for all its values ([`Schemas::nested`]), and those referencing nothing are
//! compiled on their own, which keeps GitHub's spec (thousands of property examples) well under
//! a second. Entries are spread over the machine's cores with scoped threads.

use serde_json::Value;

use crate::spec::{Example, Location, MediaType, SchemaId, Spec};
use crate::validate::Direction;

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
    let (hits, checked) = schema_values(spec);
    out.extend(hits);
    stats.checked += checked;
    (out, stats)
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

/// What one thread found: (entry index, its hits) for its entries, and the examples checked.
type ThreadResult = (Vec<(usize, Vec<Hit>)>, usize);

/// Checks the examples, defaults and enum values on every subschema of every entry; returns
/// the hits and how many examples were checked. Entries are split between threads.
fn schema_values(spec: &Spec) -> (Vec<Hit>, usize) {
    let count = spec.schemas.len();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(count.max(1));
    // (entry, its hits) for the entries start, start + step...; and the examples checked.
    let check_range = |start: usize, step: usize| {
        let mut hits = Vec::new();
        let mut checked = 0;
        for i in (start..count).step_by(step) {
            let id = SchemaId(i as u32);
            let mut found = Vec::new();
            written_values(spec.schemas.get(id), String::new(), &mut found);
            let mut entry_hits = Vec::new();
            for written in found {
                checked += written
                    .values
                    .iter()
                    .filter(|(k, _)| matches!(k, Kind::Example(_)))
                    .count();
                check_written(spec, id, &written, &mut entry_hits);
            }
            if !entry_hits.is_empty() {
                hits.push((i, entry_hits));
            }
        }
        (hits, checked)
    };
    let parts: Vec<ThreadResult> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let check_range = &check_range;
                std::thread::Builder::new()
                    .stack_size(64 * 1024 * 1024)
                    .spawn_scoped(scope, move || check_range(t, threads))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                Err(_) => (Vec::new(), 0),
            })
            .collect()
    });
    let mut by_entry = Vec::new();
    let mut checked = 0;
    for (h, c) in parts {
        by_entry.extend(h);
        checked += c;
    }
    // Threads interleave entries: restore the entries' order for stable output.
    by_entry.sort_by_key(|(i, _)| *i);
    (by_entry.into_iter().flat_map(|(_, h)| h).collect(), checked)
}

fn check_written(spec: &Spec, id: SchemaId, written: &Written<'_>, hits: &mut Vec<Hit>) {
    let validator = spec.schemas.nested(id, &written.pointer);
    let at = spec.schemas.location(id);
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
    use crate::spec::normalize::{LISTS, MAPS, SINGLE};
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
    for (key, child) in o {
        let key = key.as_str();
        if SINGLE.contains(&key) {
            written_values(child, format!("{pointer}/{key}"), out);
        } else if MAPS.contains(&key)
            && let Value::Object(children) = child
        {
            for (name, c) in children {
                written_values(
                    c,
                    format!("{pointer}/{key}/{}", crate::spec::pointer::escape(name)),
                    out,
                );
            }
        } else if LISTS.contains(&key)
            && let Value::Array(children) = child
        {
            for (n, c) in children.iter().enumerate() {
                written_values(c, format!("{pointer}/{key}/{n}"), out);
            }
        }
    }
}
