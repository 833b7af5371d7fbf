//! What each operation documents that a run can exercise (its *surface*), and which of it one
//! request exercised. The measures are defined in `docs/coverage.md`.
//!
//! The surface is computed once per operation before the first request and sent to reporters
//! in `Event::Started`; each `Event::Case` then carries the indices of the items that request
//! exercised ([`Exercised`]). The `Report` adds them up, so every output (summary, JSON, JUnit,
//! HTML, `--min-coverage`) reads the same numbers, and shards merge by adding hits item by item.
//!
//! Items are judged on the request as the runner built it (model values, before encoding):
//! what was *sent*, whichever phase or heuristic made it, so coverage never credits a case the
//! planner meant to send but could not.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::schema::{SchemaView, Schemas};
use crate::spec::{Operation, ParamIn, StatusKey};

use super::cases::{body_media, param_schema};
use super::event::{CoverageItem, CoverageKind, Exercised, OperationCoverage, Phase};
use super::request::{BodyDraft, Draft};

/// Body properties deeper than this are not items (`a.b.c` is depth 3).
const MAX_BODY_DEPTH: usize = 3;
/// Items of one operation, at most (a huge body schema must not make the report huge).
const MAX_ITEMS: usize = 400;
/// Array items looked at when matching a body value (`tags[]`).
const MAX_ARRAY_ITEMS: usize = 64;

/// One operation's surface and how to match a request against it.
#[derive(Debug, Clone, Default)]
pub struct Surface {
    pub items: Vec<CoverageItem>,
    statuses: Vec<(StatusKey, u32)>,
    params: Vec<(usize, Place)>,
    /// `None` when the operation takes no body.
    body: Option<u32>,
    body_places: Vec<(Vec<Step>, Place)>,
    phases: Vec<(Phase, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Items,
}

/// A parameter or a body property: present, its enum values, its bounds.
#[derive(Debug, Clone, Default)]
struct Place {
    present: u32,
    enums: Vec<(Value, u32)>,
    bounds: Vec<(Bound, u32)>,
}

#[derive(Debug, Clone, Copy)]
enum Bound {
    /// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`: the number itself.
    Number(f64),
    /// `minLength` / `maxLength`: a string of exactly this many characters.
    Length(u64),
    /// `minItems` / `maxItems`: an array of exactly this many items.
    Items(u64),
}

impl Surface {
    /// The surface of `op`; `phases` are the phases that apply to it in this run.
    pub fn of(schemas: &Schemas, op: &Operation, phases: &[Phase]) -> Surface {
        let mut s = Surface::default();
        for r in &op.responses {
            let name = match r.status {
                StatusKey::Code(c) => c.to_string(),
                StatusKey::Range(d) => format!("{d}XX"),
                StatusKey::Default => continue,
            };
            let i = s.push(CoverageKind::Status, name);
            s.statuses.push((r.status, i));
        }
        for (index, p) in op.parameters.iter().enumerate() {
            let name = format!("{} {}", location(p.location), p.name);
            let place = s.place(schemas, param_schema(p).map(|id| schemas.get(id)), &name);
            s.params.push((index, place));
        }
        if op.request_body.is_some() {
            s.body = Some(s.push(CoverageKind::Parameter, "body".into()));
            if let Some((_, id)) = body_media(op) {
                s.body_properties(schemas, schemas.get(id), &mut Vec::new(), "");
            }
        }
        for &phase in phases {
            let i = s.push(CoverageKind::Phase, phase.id().into());
            s.phases.push((phase, i));
        }
        s
    }

    /// The documented items as `Started` carries them.
    pub fn coverage(&self) -> OperationCoverage {
        OperationCoverage {
            items: self.items.clone(),
            statuses: BTreeMap::new(),
        }
    }

    fn push(&mut self, kind: CoverageKind, name: String) -> u32 {
        self.items.push(CoverageItem {
            kind,
            name,
            hits: 0,
        });
        (self.items.len() - 1) as u32
    }

    fn full(&self) -> bool {
        self.items.len() >= MAX_ITEMS
    }

    fn place(&mut self, schemas: &Schemas, schema: Option<&Value>, name: &str) -> Place {
        let mut place = Place {
            present: self.push(CoverageKind::Parameter, name.to_string()),
            ..Place::default()
        };
        let Some(schema) = schema else { return place };
        let view = SchemaView::of(schemas, schema);
        if let Some(values) = view.enumeration {
            for v in values.iter().take(64) {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let i = self.push(CoverageKind::EnumValue, format!("{name}={text}"));
                place.enums.push((v.clone(), i));
            }
        }
        let numbers = [
            ("minimum", view.minimum),
            ("maximum", view.maximum),
            ("exclusiveMinimum", view.exclusive_minimum),
            ("exclusiveMaximum", view.exclusive_maximum),
        ];
        for (keyword, bound) in numbers {
            if let Some(b) = bound {
                let i = self.push(CoverageKind::Boundary, format!("{name} {keyword}={b}"));
                place.bounds.push((Bound::Number(b), i));
            }
        }
        let counts = [
            ("minLength", view.min_length, false),
            ("maxLength", view.max_length, false),
            ("minItems", view.min_items, true),
            ("maxItems", view.max_items, true),
        ];
        for (keyword, bound, items) in counts {
            if let Some(b) = bound {
                let i = self.push(CoverageKind::Boundary, format!("{name} {keyword}={b}"));
                let bound = if items {
                    Bound::Items(b)
                } else {
                    Bound::Length(b)
                };
                place.bounds.push((bound, i));
            }
        }
        place
    }

    /// The properties of a body schema, depth first, as `body a.b` and `body tags[]`.
    fn body_properties(
        &mut self,
        schemas: &Schemas,
        schema: &Value,
        steps: &mut Vec<Step>,
        prefix: &str,
    ) {
        let depth = steps.iter().filter(|s| matches!(s, Step::Key(_))).count();
        if depth >= MAX_BODY_DEPTH || self.full() {
            return;
        }
        let view = SchemaView::of(schemas, schema).infer_types();
        for (name, sub) in view.properties() {
            if self.full() {
                return;
            }
            let path = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            };
            steps.push(Step::Key(name.to_string()));
            let place = self.place(schemas, Some(sub), &format!("body {path}"));
            self.body_places.push((steps.clone(), place));
            let sub_view = SchemaView::of(schemas, sub).infer_types();
            if let Some(items) = sub_view.items.filter(|_| sub_view.declares("array")) {
                steps.push(Step::Items);
                self.body_properties(schemas, items, steps, &format!("{path}[]"));
                steps.pop();
            } else {
                self.body_properties(schemas, sub, steps, &path);
            }
            steps.pop();
        }
    }

    /// What a request exercised: its status, and what it sent (nothing for a request with
    /// another method than the operation's: the 405 probe is not this operation's request).
    pub fn exercised(&self, draft: &Draft, status: Option<u16>, phase: Phase) -> Exercised {
        let mut hits = BTreeSet::new();
        if draft.method.is_some() {
            return Exercised {
                status: None,
                items: Vec::new(),
            };
        }
        if let Some(code) = status {
            let exact = self
                .statuses
                .iter()
                .find(|(k, _)| matches!(k, StatusKey::Code(c) if *c == code));
            let any = exact.or_else(|| self.statuses.iter().find(|(k, _)| k.matches(code)));
            if let Some((_, i)) = any {
                hits.insert(*i);
            }
        }
        for (index, place) in &self.params {
            if let Some(Some(v)) = draft.params.get(*index) {
                place.hit(v, &mut hits);
            }
        }
        if let (Some(body_item), Some(body)) = (self.body, &draft.body) {
            hits.insert(body_item);
            if let BodyDraft::Value { value, .. } = body {
                for (steps, place) in &self.body_places {
                    let mut found = Vec::new();
                    values_at(value, steps, &mut found);
                    for v in found {
                        place.hit(v, &mut hits);
                    }
                }
            }
        }
        if let Some((_, i)) = self.phases.iter().find(|(p, _)| *p == phase) {
            hits.insert(*i);
        }
        Exercised {
            status,
            items: hits.into_iter().collect(),
        }
    }
}

impl Place {
    fn hit(&self, v: &Value, hits: &mut BTreeSet<u32>) {
        hits.insert(self.present);
        for (e, i) in &self.enums {
            if same(e, v) {
                hits.insert(*i);
            }
        }
        for (bound, i) in &self.bounds {
            let on = match (bound, v) {
                (Bound::Number(b), Value::Number(n)) => n.as_f64() == Some(*b),
                (Bound::Length(n), Value::String(s)) => s.chars().count() as u64 == *n,
                (Bound::Items(n), Value::Array(a)) => a.len() as u64 == *n,
                _ => false,
            };
            if on {
                hits.insert(*i);
            }
        }
    }
}

/// JSON equality with numbers compared by value (`1` and `1.0` are one enum value).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn values_at<'v>(value: &'v Value, steps: &[Step], out: &mut Vec<&'v Value>) {
    let Some((first, rest)) = steps.split_first() else {
        out.push(value);
        return;
    };
    match (first, value) {
        (Step::Key(k), Value::Object(map)) => {
            if let Some(v) = map.get(k) {
                values_at(v, rest, out);
            }
        }
        (Step::Items, Value::Array(items)) => {
            for v in items.iter().take(MAX_ARRAY_ITEMS) {
                values_at(v, rest, out);
            }
        }
        _ => {}
    }
}

fn location(l: ParamIn) -> &'static str {
    match l {
        ParamIn::Path => "path",
        ParamIn::Query => "query",
        ParamIn::Header => "header",
        ParamIn::Cookie => "cookie",
    }
}

/// The phases that apply to `op` in a run of `phases`: boundary only when it has something
/// to vary (a parameter or a body), stateful only when a flow uses it.
pub fn applicable_phases(op: &Operation, phases: &[Phase], in_flow: bool) -> Vec<Phase> {
    phases
        .iter()
        .copied()
        .filter(|p| match p {
            Phase::Examples | Phase::Fuzz => true,
            Phase::Boundary => !op.parameters.is_empty() || op.request_body.is_some(),
            Phase::Stateful => in_flow,
            // Observed traffic (the proxy) is no phase of a run.
            Phase::Observed => false,
        })
        .collect()
}
