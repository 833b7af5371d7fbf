//! The correct emulators agree with stipula's reading of their specs on generated requests:
//! what the runner will do, in miniature, so that a runner failure against a correct emulator
//! points at the runner and not at the emulator.
//!
//! For every operation and many seeds: parameters and body drawn by `stipula::schema::generate` and
//! serialized by `stipula::params` (valid by construction) must get a documented, schema-valid
//! answer and never a 5xx; then single mutations of that body (a property removed, `null`, a
//! value of another type, an unknown property, a bad string, one item too many) are judged by
//! `Schemas::is_valid`: the invalid ones must get a documented 4xx, the valid ones a documented
//! answer like any valid request. A required query or header parameter dropped must get a 4xx.
//! The same run against each faulty variant must report the fault under the check the fault
//! table names (for the faults generated traffic can reach).

use rand_like::SplitMix;
use serde_json::{Value, json};
use stipula::params;
use stipula::schema::Direction;
use stipula::schema::generate::{Generator, Options};
use stipula::spec::{LoadOptions, Operation, ParamIn, Spec};

use super::*;

/// Seeds per operation.
const SEEDS: u64 = 24;
/// Mutations tried per generated body.
const MUTATIONS: usize = 8;

/// A tiny deterministic RNG for choosing mutations (no new dependency).
mod rand_like {
    pub struct SplitMix(pub u64);

    impl SplitMix {
        pub fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        pub fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }
}

/// A request ready to send: method, path with query, headers, JSON body.
#[derive(Clone, Debug)]
struct Generated {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
}

fn generate(spec: &Spec, op: &Operation, seed: u64, skip: Option<&str>) -> Generated {
    let generator = Generator::new(&spec.schemas, Direction::Request).with_options(Options {
        max_string_length: 48,
        ..Options::default()
    });
    let mut path = op.path.clone();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for (i, p) in op.parameters.iter().enumerate() {
        let Some(schema) = p.schema else { continue };
        if Some(p.name.as_str()) == skip {
            continue;
        }
        let mut rng = SplitMix(seed ^ (i as u64) << 32);
        // Optional parameters are sent half the time.
        if !p.required && rng.below(2) == 0 {
            continue;
        }
        let value = generator.sample(schema, seed.wrapping_mul(31).wrapping_add(i as u64));
        match p.location {
            ParamIn::Path => {
                path = path.replace(&format!("{{{}}}", p.name), &params::encode_path(p, &value));
            }
            ParamIn::Query => query.extend(
                params::encode_query(p, &value)
                    .into_iter()
                    .map(|(k, v)| format!("{k}={v}")),
            ),
            ParamIn::Header => {
                let text = params::encode_header(p, &value);
                // Only what a header can carry.
                let text = if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    text
                } else {
                    format!("org-{seed}")
                };
                headers.push((p.name.clone(), text));
            }
            ParamIn::Cookie => unreachable!("no cookie parameters in these specs"),
        }
    }
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let body = op
        .request_body
        .as_ref()
        .and_then(|b| b.content.first())
        .and_then(|m| m.schema)
        .map(|schema| generator.sample(schema, seed));
    Generated {
        method: op.method.as_str().to_string(),
        path,
        headers,
        body,
    }
}

fn send(emu: &Emulator, g: &Generated, body: Option<&Value>) -> tests::Answer {
    let mut c = tests::call(&g.method, &g.path);
    for (n, v) in &g.headers {
        c = c.header(n, v);
    }
    if let Some(b) = body {
        c = c.json(b);
    }
    c.send(emu)
}

/// A value of another JSON type.
fn other_type(v: &Value) -> Value {
    match v {
        Value::String(_) => json!(12),
        Value::Number(_) => json!("12"),
        Value::Bool(_) => json!("true"),
        Value::Array(_) => json!({}),
        Value::Object(_) => json!([]),
        Value::Null => json!(0),
    }
}

/// Every single mutation of `v` (pointer-addressed), bounded.
fn mutations(v: &Value, out: &mut Vec<Value>, root: &Value, pointer: &str) {
    let mut set = |replacement: Value| {
        let mut copy = root.clone();
        if pointer.is_empty() {
            copy = replacement;
        } else {
            *copy.pointer_mut(pointer).unwrap() = replacement;
        }
        out.push(copy);
    };
    set(other_type(v));
    set(Value::Null);
    match v {
        Value::String(_) => {
            set(json!("not-valid ✓ ünïcødé"));
            set(json!(""));
        }
        Value::Number(_) => {
            set(json!(2_147_483_648_i64));
            set(json!(1.5));
        }
        Value::Object(map) => {
            for k in map.keys() {
                let mut smaller = map.clone();
                smaller.remove(k);
                set(Value::Object(smaller));
            }
            let mut bigger = map.clone();
            bigger.insert("zzUnknown".into(), json!(1));
            set(Value::Object(bigger));
            for (k, child) in map {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                mutations(child, out, root, &format!("{pointer}/{escaped}"));
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                let mut more = items.clone();
                more.push(first.clone());
                set(Value::Array(more));
                if pointer.is_empty() {
                    // One past the largest batch any of these specs allows.
                    set(Value::Array(vec![first.clone(); 2001]));
                }
            } else {
                set(json!([1]));
                set(json!([{}]));
            }
            for (i, child) in items.iter().enumerate().take(2) {
                mutations(child, out, root, &format!("{pointer}/{i}"));
            }
        }
        _ => {}
    }
}

/// The miniature run: what was sent, what was 2xx, and every finding with its check id.
struct Run {
    sent: usize,
    ok: usize,
    findings: Vec<(&'static str, String)>,
}

/// Generated traffic against `api`'s emulator (correct, or with `fault`).
fn run(api: Api, fault: Option<&Fault>) -> Run {
    let spec = Spec::load(api.spec_path(), LoadOptions::default()).unwrap();
    let emu = match fault {
        Some(f) => Emulator::start_faulty(f),
        None => Emulator::start(api),
    };
    let mut run = Run {
        sent: 0,
        ok: 0,
        findings: Vec::new(),
    };
    // `refused_by`: the check that wants this request refused (None for a valid request).
    let mut judge =
        |op: &str, answer: &tests::Answer, refused_by: Option<&'static str>, what: &str| {
            run.sent += 1;
            run.ok += usize::from(answer.status < 300);
            let context = format!("{op} ({what}) -> {}", answer.show());
            if answer.status >= 500 {
                run.findings.push(("server-error", context.clone()));
            }
            if let Some(check) = refused_by
                && !(400..500).contains(&answer.status)
            {
                run.findings.push((check, context.clone()));
            }
            for (check, message) in tests::findings(&spec, op, answer) {
                run.findings.push((check, format!("{message}: {context}")));
            }
        };
    for op in &spec.operations {
        let id = op.operation_id.clone().unwrap();
        let body_schema = op
            .request_body
            .as_ref()
            .and_then(|b| b.content.first())
            .and_then(|m| m.schema);
        for seed in 0..SEEDS {
            let g = generate(&spec, op, seed, None);
            let answer = send(&emu, &g, g.body.as_ref());
            judge(&id, &answer, None, &format!("{g:?}"));
            if let (Some(body), Some(schema)) = (&g.body, body_schema) {
                let mut candidates = Vec::new();
                mutations(body, &mut candidates, body, "");
                // Every mutation of the first body, a random few of the others.
                let tries = if seed == 0 {
                    candidates.len()
                } else {
                    MUTATIONS.min(candidates.len())
                };
                let mut rng = SplitMix(seed);
                for _ in 0..tries {
                    let mutant = candidates.swap_remove(rng.below(candidates.len()));
                    let valid = spec.schemas.is_valid(schema, Direction::Request, &mutant);
                    let answer = send(&emu, &g, Some(&mutant));
                    let shown: String = mutant.to_string().chars().take(300).collect();
                    let refused_by = (!valid).then_some("invalid-request-rejected");
                    judge(&id, &answer, refused_by, &shown);
                }
            }
        }
        for p in op
            .parameters
            .iter()
            .filter(|p| p.required && p.location != ParamIn::Path)
        {
            let g = generate(&spec, op, 7, Some(&p.name));
            let answer = send(&emu, &g, g.body.as_ref());
            let check = if p.location == ParamIn::Header {
                "missing-header-rejected"
            } else {
                "invalid-request-rejected"
            };
            judge(&id, &answer, Some(check), &format!("without {}", p.name));
        }
    }
    run
}

/// The correct emulator: no finding at all, some successes, some refusals.
fn agree(api: Api) {
    let run = run(api, None);
    assert!(
        run.findings.is_empty(),
        "{}: {} findings against the correct emulator, first: {:?}",
        api.name(),
        run.findings.len(),
        run.findings.first()
    );
    assert!(
        run.ok > 0 && run.sent > run.ok,
        "{} of {}",
        run.ok,
        run.sent
    );
}

#[test]
fn lytx_consent_agrees_with_the_validator() {
    agree(Api::LytxConsent);
}

#[test]
fn lytx_users_agrees_with_the_validator() {
    agree(Api::LytxUsers);
}

#[test]
fn fusionauth_agrees_with_the_validator() {
    agree(Api::FusionAuth);
}

#[test]
fn slashid_agrees_with_the_validator() {
    agree(Api::SlashId);
}

#[test]
fn consent_exports_agrees_with_the_validator() {
    agree(Api::ConsentExports);
}

/// Checks this miniature run can make (auth, 405, stateful and timing faults have targeted
/// tests in `tests.rs`).
const GENERATED_CHECKS: [&str; 7] = [
    "server-error",
    "status-documented",
    "content-type-documented",
    "body-schema",
    "response-headers",
    "invalid-request-rejected",
    "missing-header-rejected",
];

/// Faults of those checks that only show on an item that exists (random ids find none); the
/// runner reaches them through examples and stateful sequences.
const NEED_AN_EXISTING_ITEM: [&str; 1] = [fusionauth::DELETE_204];

#[test]
fn generated_traffic_exposes_each_fault_under_its_own_check() {
    for fault in FAULTS
        .iter()
        .filter(|f| GENERATED_CHECKS.contains(&f.caught_by))
        .filter(|f| !NEED_AN_EXISTING_ITEM.contains(&f.name))
    {
        let run = run(fault.api, Some(fault));
        assert!(
            run.findings
                .iter()
                .any(|(check, _)| *check == fault.caught_by),
            "{} is not caught by {} (found: {:?})",
            fault.name,
            fault.caught_by,
            run.findings
                .iter()
                .map(|(c, _)| *c)
                .collect::<std::collections::BTreeSet<_>>()
        );
    }
}
