//! `example-invalid`, `default-invalid`, `enum-invalid`: every value a spec documents validates
//! against its schema, with the validators the mock and the runner use.
//!
//! Two sources. Examples of parameters, headers and media types are checked against their
//! schema in the direction they travel. Values written inside schemas (`example`/`examples`,
//! `default`, `enum`, on every subschema of every normalized entry) are checked against the
//! subschema they sit on, valid in either direction.
//!
//! Everything is collected first, then checked with one [`Batch`] validator per direction:
//! jsonschema compiles each `$ref` target once per validator, so a validator per schema
//! compiled GitHub's shared components thousands of times over. The response-direction batch
//! holds the response examples' schemas and every subschema with written values; the request
//! batch the request examples' schemas; a second request batch, compiled only for the written
//! values that fail in the response direction, decides "valid in either". A batch that cannot
//! be compiled (a regex jsonschema rejects) falls back to a validator per schema. Compiling
//! and checking are spread over the machine's cores with scoped threads.

use std::collections::HashMap;

use serde_json::Value;

use crate::schema::{Batch, Direction, Violation, vocab};
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
    let mut stats = ExampleStats::default();
    let mut examples = Vec::new();
    for op in spec
        .operations
        .iter()
        .chain(spec.webhooks.iter().map(|w| &w.operation))
    {
        operation_examples(op, &mut examples, &mut stats);
    }
    let mut written = Vec::new();
    for i in 0..spec.schemas.len() {
        let id = SchemaId(i as u32);
        let mut found = Vec::new();
        written_values(spec.schemas.get(id), &mut String::new(), &mut found);
        for w in found {
            stats.checked += w
                .values
                .iter()
                .filter(|(k, _)| matches!(k, Kind::Example(_)))
                .count();
            written.push((id, w));
        }
    }

    // The subschemas each direction's batch holds.
    let mut response = BatchSlots::default();
    let mut request = BatchSlots::default();
    let example_slots: Vec<usize> = examples
        .iter()
        .map(|e| match e.direction {
            Direction::Response => response.slot(vocab::def_pointer(e.schema)),
            Direction::Request => request.slot(vocab::def_pointer(e.schema)),
        })
        .collect();
    let written_slots: Vec<usize> = written
        .iter()
        .map(|(id, w)| response.slot(w.subschema(*id)))
        .collect();
    let [response_batch, request_batch] = compile_both(spec, [&response, &request]);

    let mut out = example_hits(
        spec,
        &examples,
        &example_slots,
        [response_batch.as_ref(), request_batch.as_ref()],
    );
    out.extend(written_hits(
        spec,
        &written,
        &written_slots,
        response_batch.as_ref(),
    ));
    (out, stats)
}

/// The operation examples that break their schema: one verdict each, from the batch of their
/// direction (`[response, request]`) or, without one, their schema's own validator.
fn example_hits(
    spec: &Spec,
    examples: &[OperationExample<'_>],
    slots: &[usize],
    batches: [Option<&Batch<'_>>; 2],
) -> Vec<Hit> {
    let violations = in_parallel(examples.len(), |i| {
        let e = &examples[i];
        let batch = match e.direction {
            Direction::Response => batches[0],
            Direction::Request => batches[1],
        };
        match batch {
            Some(b) => b.validate(slots[i], e.value),
            None => spec.schemas.validate(e.schema, e.direction, e.value),
        }
    });
    examples
        .iter()
        .zip(violations)
        .filter(|(_, v)| !v.is_empty())
        .map(|(e, v)| e.hit(&v))
        .collect()
}

/// The values written in schemas that break their subschema in both directions: first the
/// response direction (`response`'s batch, or the subschema's own validators, which answer
/// for both directions at once), then, for those that fail it, a request batch compiled for
/// them alone.
fn written_hits(
    spec: &Spec,
    written: &[(SchemaId, Written<'_>)],
    slots: &[usize],
    response: Option<&Batch<'_>>,
) -> Vec<Hit> {
    // Per written subschema: (value index, violations) of the values that fail.
    let failing: Vec<Vec<(usize, Vec<Violation>)>> = in_parallel(written.len(), |i| {
        let (id, w) = &written[i];
        let fails = |validate: &dyn Fn(&Value) -> Vec<Violation>| -> Vec<(usize, Vec<Violation>)> {
            w.values
                .iter()
                .enumerate()
                .filter_map(|(n, (_, value))| {
                    let v = validate(value);
                    (!v.is_empty()).then_some((n, v))
                })
                .collect()
        };
        match response {
            Some(b) => fails(&|value| b.validate(slots[i], value)),
            None => {
                let own = spec.schemas.nested(*id, &w.pointer);
                fails(&|value| own.validate(value))
            }
        }
    });
    // `None`: nothing to recheck, or `nested` already checked both directions.
    let mut request = BatchSlots::default();
    let recheck_slots: Vec<Option<usize>> = written
        .iter()
        .zip(&failing)
        .map(|((id, w), fails)| {
            (!fails.is_empty() && response.is_some()).then(|| request.slot(w.subschema(*id)))
        })
        .collect();
    let recheck = if request.pointers.is_empty() {
        None
    } else {
        compiled(spec, Direction::Request, &request)
    };
    let mut out = Vec::new();
    for (((id, w), fails), slot) in written.iter().zip(failing).zip(recheck_slots) {
        // Built once per subschema when the recheck batch could not be compiled.
        let mut own = None;
        for (n, violations) in fails {
            let value = w.values[n].1;
            let valid_as_request = match (slot, &recheck) {
                (None, _) => false,
                (Some(slot), Some(b)) => b.is_valid(slot, value),
                (Some(_), None) => own
                    .get_or_insert_with(|| spec.schemas.nested(*id, &w.pointer))
                    .validate(value)
                    .is_empty(),
            };
            if !valid_as_request {
                out.push(written_hit(spec, *id, w, n, &violations));
            }
        }
    }
    out
}

/// The subschemas one batch holds, each once, in the order first asked for.
#[derive(Default)]
struct BatchSlots {
    pointers: Vec<String>,
    slots: HashMap<String, usize>,
}

impl BatchSlots {
    fn slot(&mut self, pointer: String) -> usize {
        if let Some(&i) = self.slots.get(&pointer) {
            return i;
        }
        let i = self.pointers.len();
        self.slots.insert(pointer.clone(), i);
        self.pointers.push(pointer);
        i
    }
}

/// One batch for `slots`, or `None` (with a note in the debug log) when jsonschema cannot
/// compile one of its subschemas: the caller then checks with a validator per schema.
fn compiled<'s>(spec: &'s Spec, direction: Direction, slots: &BatchSlots) -> Option<Batch<'s>> {
    let batch = spec.schemas.batch(direction, &slots.pointers);
    if batch.is_none() {
        tracing::debug!(
            "lint: one of {} subschemas cannot be compiled ({direction:?}); checking their values one schema at a time",
            slots.pointers.len()
        );
    }
    batch
}

/// Both directions' batches, compiled side by side.
fn compile_both<'s>(spec: &'s Spec, targets: [&BatchSlots; 2]) -> [Option<Batch<'s>>; 2] {
    let directions = [Direction::Response, Direction::Request];
    let mut batches = in_parallel(2, |i| {
        if targets[i].pointers.is_empty() {
            None
        } else {
            compiled(spec, directions[i], targets[i])
        }
    })
    .into_iter();
    [batches.next().flatten(), batches.next().flatten()]
}

/// One example of a parameter, body or header, with what it is said to be in messages.
struct OperationExample<'a> {
    schema: SchemaId,
    direction: Direction,
    value: &'a Value,
    example: &'a Example,
    what: String,
}

impl OperationExample<'_> {
    fn hit(&self, violations: &[Violation]) -> Hit {
        let name = self
            .example
            .name
            .as_deref()
            .map(|n| format!(" `{n}`"))
            .unwrap_or_default();
        let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
        Hit::new(
            "example-invalid",
            self.example.location.clone(),
            format!(
                "example{name} of {} does not match its schema: {}",
                self.what,
                list.join("; ")
            ),
        )
    }
}

/// The examples of one operation's parameters, bodies and headers.
fn operation_examples<'a>(
    op: &'a crate::spec::Operation,
    out: &mut Vec<OperationExample<'a>>,
    stats: &mut ExampleStats,
) {
    let mut collector = ExampleCollector { out, stats };
    let label = op.label();
    for p in &op.parameters {
        let what = format!("{label} parameter `{}`", p.name);
        collector.add(&p.examples, p.schema, Direction::Request, None, &what);
        collector.add_content(&p.content, Direction::Request, &what);
    }
    if let Some(body) = &op.request_body {
        collector.add_content(
            &body.content,
            Direction::Request,
            &format!("{label} request body"),
        );
    }
    for r in &op.responses {
        let what = format!("{label} response {}", r.status);
        collector.add_content(&r.content, Direction::Response, &what);
        for h in &r.headers {
            collector.add(
                &h.examples,
                h.schema,
                Direction::Response,
                None,
                &format!("{what} header `{}`", h.name),
            );
        }
    }
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

struct ExampleCollector<'a, 'o> {
    out: &'o mut Vec<OperationExample<'a>>,
    stats: &'o mut ExampleStats,
}

impl<'a> ExampleCollector<'a, '_> {
    fn add(
        &mut self,
        examples: &'a [Example],
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
            self.out.push(OperationExample {
                schema,
                direction,
                value,
                example,
                what: what.to_string(),
            });
        }
    }

    fn add_content(&mut self, content: &'a [MediaType], direction: Direction, what: &str) {
        for m in content {
            self.add(
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

impl Written<'_> {
    /// The subschema's pointer in the normalized document (entry `id`'s `$defs` slot, then
    /// the pointer inside it).
    fn subschema(&self, id: SchemaId) -> String {
        format!("{}{}", vocab::def_pointer(id), self.pointer)
    }
}

/// The finding for value `n` written on `written` (inside entry `id`).
fn written_hit(
    spec: &Spec,
    id: SchemaId,
    written: &Written<'_>,
    n: usize,
    violations: &[Violation],
) -> Hit {
    let at = spec.schema_location(id);
    let schema_at = format!("{}{}", at.pointer, written.pointer);
    let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
    let (rule, key, what) = match written.values[n].0 {
        Kind::Example(i) => {
            // 3.0's `example` was normalized into `examples`: point at the key as written.
            let raw = spec.raw(&Location::new(at.file, schema_at.clone()));
            if raw.is_some_and(|r| r.get("example").is_some()) {
                ("example-invalid", "example".to_string(), "schema example")
            } else {
                ("example-invalid", format!("examples/{i}"), "schema example")
            }
        }
        Kind::Default => ("default-invalid", "default".to_string(), "default"),
        Kind::Enum(i) => ("enum-invalid", format!("enum/{i}"), "enum value"),
    };
    Hit::new(
        rule,
        Location::new(at.file, format!("{schema_at}/{key}")),
        format!("{what} does not match its schema: {}", list.join("; ")),
    )
}

/// Collects the values written on a normalized schema and its inline subschemas (not through
/// `$ref`s: each target is an entry of its own).
fn written_values<'a>(schema: &'a Value, pointer: &mut String, out: &mut Vec<Written<'a>>) {
    let Value::Object(o) = schema else { return };
    // One pass over the keys (most subschemas have none of the three): no hashing.
    let (mut examples, mut default, mut members) = (None, None, None);
    for (key, value) in o {
        match (key.as_str(), value) {
            ("examples", Value::Array(list)) => examples = Some(list),
            ("default", value) => default = Some(value),
            ("enum", Value::Array(list)) => members = Some(list),
            _ => {}
        }
    }
    let mut values = Vec::new();
    if let Some(examples) = examples {
        values.extend(
            examples
                .iter()
                .enumerate()
                .map(|(n, v)| (Kind::Example(n), v)),
        );
    }
    if let Some(default) = default {
        values.push((Kind::Default, default));
    }
    if let Some(members) = members {
        values.extend(members.iter().enumerate().map(|(n, v)| (Kind::Enum(n), v)));
    }
    if !values.is_empty() {
        out.push(Written {
            pointer: pointer.clone(),
            values,
        });
    }
    crate::schema::walk::children(schema, |step, child| {
        use std::fmt::Write;
        let len = pointer.len();
        let _ = write!(pointer, "{step}");
        written_values(child, pointer, out);
        pointer.truncate(len);
    });
}
