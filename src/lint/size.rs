//! `schema-too-large`: schemas every value of which is larger than the generation budget
//! (`schema::generate::MAX_GENERATED_SIZE`), so the mock cannot answer from them without an
//! example (it answers a 500 naming the schema instead).
//!
//! The measure is a *lower* bound on a value's size (JSON nodes plus string characters), taken
//! over the `$ref` graph of normalized entries with a memo: `minItems` times the smallest
//! item, the required properties and `minProperties`, `minLength`, the shortest match of a
//! pattern, the smallest `anyOf`/`oneOf` branch, the largest `allOf` member. A lower bound
//! over the budget is certain, so the rule never fires on a schema the mock could answer
//! (lint reports only what the spec decides); a cycle counts nothing on its way back.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::schema::Direction;
use crate::schema::generate::MAX_GENERATED_SIZE;
use crate::schema::vocab;
use crate::spec::{Location, SchemaId, Spec};

use super::Hit;

pub(super) fn check(spec: &Spec, out: &mut Vec<Hit>) {
    let mut smallest = Smallest {
        spec,
        memo: HashMap::new(),
    };
    for i in 0..spec.schemas.len() {
        let id = SchemaId(i as u32);
        let size = smallest.entry(id);
        if size > MAX_GENERATED_SIZE {
            out.push(Hit::new(
                "schema-too-large",
                Location::clone(spec.schema_location(id)),
                format!(
                    "every value of this schema weighs at least {size} nodes and characters, more than the mock generates ({MAX_GENERATED_SIZE}): document an example"
                ),
            ));
        }
    }
}

struct Smallest<'a> {
    spec: &'a Spec,
    /// `None` while an entry is being measured (a cycle back to it counts nothing).
    memo: HashMap<u32, Option<u64>>,
}

impl Smallest<'_> {
    fn entry(&mut self, id: SchemaId) -> u64 {
        match self.memo.get(&id.0) {
            Some(Some(n)) => return *n,
            Some(None) => return 0,
            None => {}
        }
        if id.0 as usize >= self.spec.schemas.len() {
            return 0;
        }
        self.memo.insert(id.0, None);
        let n = self.schema(self.spec.schemas.get(id));
        self.memo.insert(id.0, Some(n));
        n
    }

    fn schema(&mut self, schema: &Value) -> u64 {
        let Value::Object(m) = schema else {
            return 1;
        };
        let mut n = self.own(m);
        if let Some(target) = m
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(vocab::parse_def_ref)
        {
            n = n.max(self.entry(target));
        }
        if let Some(Value::Array(all)) = m.get("allOf") {
            for s in all {
                n = n.max(self.schema(s));
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = m.get(key) {
                let least = branches.iter().map(|b| self.schema(b)).min().unwrap_or(1);
                n = n.max(least);
            }
        }
        n
    }

    /// The keywords of the node itself; only when `type` admits nothing smaller.
    fn own(&mut self, m: &Map<String, Value>) -> u64 {
        let count = |k: &str| m.get(k).and_then(Value::as_u64).unwrap_or(0);
        let types: Vec<&str> = match m.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => return 1,
        };
        let mut least = u64::MAX;
        for t in types {
            let n = match t {
                "string" => {
                    let pattern = m
                        .get("pattern")
                        .and_then(Value::as_str)
                        .and_then(pattern_min_len)
                        .unwrap_or(0);
                    1 + count("minLength").max(pattern)
                }
                "array" => {
                    let item = match m.get("items") {
                        Some(items) => self.schema(items),
                        None => 1,
                    };
                    1u64.saturating_add(count("minItems").saturating_mul(item))
                }
                "object" => {
                    let props = m.get("properties").and_then(Value::as_object);
                    let mut n = 1u64;
                    let mut named = 0u64;
                    let mut seen: Vec<&str> = Vec::new();
                    // What the mock generates: response bodies.
                    for name in vocab::required_names(m, Direction::Response) {
                        if seen.contains(&name) {
                            continue;
                        }
                        seen.push(name);
                        named += 1;
                        let value = props
                            .and_then(|p| p.get(name))
                            .map_or(1, |s| self.schema(s));
                        n = n.saturating_add(value).saturating_add(name.len() as u64);
                    }
                    // Properties beyond the required ones: a key and a value each.
                    n.saturating_add(
                        count("minProperties")
                            .saturating_sub(named)
                            .saturating_mul(2),
                    )
                }
                _ => 1,
            };
            least = least.min(n);
        }
        if least == u64::MAX { 1 } else { least }
    }
}

/// The shortest string a pattern matches (searched: its shortest match anywhere), in
/// characters; `None` when the regex parser does not read it.
fn pattern_min_len(pattern: &str) -> Option<u64> {
    let hir = regex_syntax::parse(pattern).ok()?;
    hir.properties().minimum_len().map(|n| n as u64)
}
