//! Sequences: a create followed by a read of what it created, and a removal followed by a read
//! that must miss.
//!
//! A [`Flow`] ties a creating operation to the GET that reads one item and, when the path
//! documents one, the DELETE that removes it. Flows come from OpenAPI links first (a response
//! link to the GET naming how its parameter is filled), else from paths: `POST /things` (or
//! `POST`/`PUT /things/{id}`, where the client picks the id) with `GET /things/{id}`. The id is
//! taken from the link's runtime expression, else the `Location` header, else the response body
//! (a property named like the parameter, `id` inside an object named like it, or a top-level
//! `id`).
//!
//! Only what the spec promises is asserted, in the shortest sequence that shows it: the item
//! is readable right after its creation, and gone after a DELETE that is documented as removal.
//! A DELETE marked `x-stipula-delete-semantics` with anything but `remove` (a revoke, an archive)
//! is never followed by the gone check, nor is one answered 202 (accepted, maybe not yet done).
//!
//! Flows and ids are found in `crate::resources` (pure functions over the spec and the answers,
//! shared with the mock's `--state`); this file runs a flow on a worker, one step per method:
//! create, read the created item (and call the operations that take its id), remove it and
//! read it again.

use serde_json::{Map, Value};

use super::Worker;
use super::cases::{self, Planner};
use super::checks::{Expect, Verdict};
use super::event::{Check, Event, Outcome, Phase, RequestRecord};
use super::exchange::Exchange;
use super::request::{self, Draft};
use crate::spec::{Operation, ParamIn, Spec};

pub use crate::resources::{Answer, Flow, IdSource, created_id, flows};

/// Sets every property named `name` (at any depth up to `depth`) to `id`; whether one was.
pub fn set_named(value: &mut Value, name: &str, id: &Value, depth: u32) -> bool {
    let Some(m) = value.as_object_mut() else {
        return false;
    };
    let mut set = false;
    for (k, v) in m.iter_mut() {
        if k == name && !v.is_object() && !v.is_array() {
            *v = id.clone();
            set = true;
        } else if depth > 0 {
            set |= set_named(v, name, id, depth - 1);
        }
    }
    set
}

/// The object in a response that holds the item whose id is `id` (the response itself, or an
/// object inside it: `{"consent": {"id": ...}}`).
pub fn item_object<'a>(body: &'a Value, id: &Value) -> Option<&'a Map<String, Value>> {
    fn search<'a>(v: &'a Value, id: &Value, depth: u32) -> Option<&'a Map<String, Value>> {
        let m = v.as_object()?;
        if m.values().any(|x| x == id) {
            return Some(m);
        }
        if depth == 0 {
            return None;
        }
        m.values().find_map(|x| search(x, id, depth - 1))
    }
    search(body, id, 3)
}

/// Variants of a draft whose body takes, one property at a time, the value the created item
/// has under the same name, beside the property that carries its id (`param`). An array
/// is also tried with only its first item. The caller keeps the ones that stay valid.
pub fn borrowings(
    draft: &super::request::Draft,
    param: &str,
    item: &Map<String, Value>,
) -> Vec<super::request::Draft> {
    use super::request::BodyDraft;
    let Some(BodyDraft::Value { media_type, value }) = &draft.body else {
        return Vec::new();
    };
    let Some(pointer) = pointer_to_holder(value, param, 4, String::new()) else {
        return Vec::new();
    };
    let Some(holder) = value.pointer(&pointer).and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut current = value.clone();
    for key in holder.keys() {
        let Some(theirs) = item.get(key) else {
            continue;
        };
        if key == param || key == "id" {
            continue;
        }
        let mut options = vec![theirs.clone()];
        if let Value::Array(items) = theirs
            && items.len() > 1
        {
            options.push(Value::Array(items[..1].to_vec()));
        }
        for option in options {
            let mut v = current.clone();
            if let Some(slot) = v.pointer_mut(&format!("{pointer}/{}", escape(key))) {
                *slot = option;
            }
            out.push(super::request::Draft {
                body: Some(BodyDraft::Value {
                    media_type: media_type.clone(),
                    value: v.clone(),
                }),
                ..draft.clone()
            });
        }
        if let Some(last) = out.last()
            && let Some(BodyDraft::Value { value, .. }) = &last.body
        {
            current = value.clone();
        }
    }
    out
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The JSON pointer of the object that has a property named `name`.
fn pointer_to_holder(v: &Value, name: &str, depth: u32, at: String) -> Option<String> {
    let m = v.as_object()?;
    if m.contains_key(name) {
        return Some(at);
    }
    if depth == 0 {
        return None;
    }
    m.iter()
        .find_map(|(k, x)| pointer_to_holder(x, name, depth - 1, format!("{at}/{}", escape(k))))
}

/// What the create step of a flow made.
struct Created {
    record: RequestRecord,
    /// The request that created it (its path parameters carry over to the next steps).
    draft: Draft,
    id: Value,
}

/// What the read step of a flow read.
struct Read {
    record: RequestRecord,
    draft: Draft,
    /// The item as read, when the body is JSON.
    item: Option<Value>,
}

impl Worker<'_> {
    /// A stateful flow: create, read (and call the operations that take the item's id); then
    /// delete, read, when removal is documented.
    pub(super) fn flow(&self, flow: &Flow, salt: u64) {
        let Some(created) = self.create(flow, salt) else {
            return;
        };
        let mut steps = vec![created.record.clone()];
        let Some(read) = self.read_created(flow, &created, &steps, salt) else {
            return;
        };
        self.dependents(flow, &created.id, read.item.as_ref(), &steps, salt);
        steps.push(read.record.clone());
        self.remove_and_miss(flow, &created, &read, steps, salt);
    }

    /// The create step: a fresh item, and the id its answer gives it. `None` when the create
    /// fails (reported) or the id cannot be found (a notice).
    fn create(&self, flow: &Flow, salt: u64) -> Option<Created> {
        let creator = self.op(flow.creator);
        let planner = self.planner(flow.creator, salt);
        let base = planner.base().ok()?;
        // Generated values, deterministic per seed (so `--seed` replays the flow): not the
        // documented example, which earlier phases have already created.
        let draft = planner.fresh(&base);
        let created = self.exchange(creator, &draft, &Expect::Valid, Phase::Stateful);
        self.report_all(creator, Phase::Stateful, &created, &[]);
        let answer = created.received.as_ref().ok()?;
        if !(200..300).contains(&answer.status) {
            return None;
        }
        let sent = id_slot(creator, &flow.param).and_then(|i| draft.params[i].as_ref());
        let answer = Answer {
            headers: &answer.headers,
            body: &answer.body,
        };
        let Some(id) = created_id(flow, &answer, sent) else {
            self.notice(
                creator,
                format!(
                    "stateful: could not find the created item's id for `{}` in the response",
                    self.op(flow.reader).label()
                ),
            );
            return None;
        };
        Some(Created {
            record: created.prepared.record(),
            draft,
            id,
        })
    }

    /// The read step: the created item must be readable. `None` when it is not (reported) or
    /// the read cannot be built.
    fn read_created(
        &self,
        flow: &Flow,
        created: &Created,
        steps: &[RequestRecord],
        salt: u64,
    ) -> Option<Read> {
        let spec = self.shared.spec;
        let creator = self.op(flow.creator);
        let reader = self.op(flow.reader);
        let mut draft = self.planner(flow.reader, salt ^ 1).base().ok()?;
        let slot = id_slot(reader, &flow.param)?;
        align_path_params(creator, &created.draft, reader, &mut draft);
        draft.params[slot] = Some(id_for(&reader.parameters[slot], &created.id, spec));
        let got = self.exchange(reader, &draft, &Expect::Valid, Phase::Stateful);
        self.report_all(reader, Phase::Stateful, &got, steps);
        self.existence(
            reader,
            &got,
            steps,
            Check::CreatedReadable,
            true,
            &format!(
                "the item created by {} (id {})",
                creator.label(),
                created.id
            ),
        );
        if !matches!(got.status(), Some(200..=299)) {
            return None;
        }
        let item = got
            .received
            .as_ref()
            .ok()
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok());
        Some(Read {
            record: got.prepared.record(),
            draft,
            item,
        })
    }

    /// The removal step, when the flow has a DELETE documented as removal: it succeeds, then
    /// the item must be gone.
    fn remove_and_miss(
        &self,
        flow: &Flow,
        created: &Created,
        read: &Read,
        mut steps: Vec<RequestRecord>,
        salt: u64,
    ) {
        let Some(d) = flow.deleter else { return };
        let spec = self.shared.spec;
        let reader = self.op(flow.reader);
        let deleter = self.op(d);
        let Ok(mut draft) = self.planner(d, salt ^ 2).base() else {
            return;
        };
        align_path_params(reader, &read.draft, deleter, &mut draft);
        if let Some(slot) = id_slot(deleter, &flow.param) {
            draft.params[slot] = Some(id_for(&deleter.parameters[slot], &created.id, spec));
        }
        let removed = self.exchange(deleter, &draft, &Expect::Valid, Phase::Stateful);
        self.report_all(deleter, Phase::Stateful, &removed, &steps);
        match removed.status() {
            Some(200 | 201 | 204) => {}
            _ => return, // 202: accepted, maybe not yet done; errors: reported above.
        }
        steps.push(removed.prepared.record());
        let again = self.exchange(reader, &read.draft, &Expect::Nothing, Phase::Stateful);
        self.existence(
            reader,
            &again,
            &steps,
            Check::RemovedGone,
            false,
            &format!(
                "the item removed by {} (id {})",
                deleter.label(),
                created.id
            ),
        );
    }

    /// Operations that take the created item's id in their body or query (a user consent that
    /// names its consent: `consentId`), sent with it: their answers are only reachable with an
    /// item that exists. Properties beside the id that the item also has (the consent's
    /// `values`) are taken from the item when that keeps the request valid, since APIs check
    /// them against it.
    fn dependents(
        &self,
        flow: &Flow,
        id: &Value,
        item: Option<&Value>,
        steps: &[RequestRecord],
        salt: u64,
    ) {
        let spec = self.shared.spec;
        let reader_path = &spec.operations[flow.reader].path;
        for (i, op) in spec.operations.iter().enumerate() {
            if i == flow.creator || Some(i) == flow.deleter || &op.path == reader_path {
                continue;
            }
            let planner = self.planner(i, salt ^ 3);
            let Ok(base) = planner.base() else { continue };
            // Generated values first, then the documented ones: stop at the first the API
            // accepts (a 4xx here is a business rule the data broke, already a warning).
            for start in [planner.fresh(&base), base.clone()] {
                let Some(draft) = self.dependent_draft(&planner, start, flow, id, item) else {
                    break;
                };
                let ex = self.exchange(op, &draft, &Expect::Valid, Phase::Stateful);
                self.report_all(op, Phase::Stateful, &ex, steps);
                if !matches!(ex.status(), Some(400..=499)) {
                    break;
                }
            }
        }
    }

    /// `draft` with the created item's id (and what it can borrow from the item), if the
    /// operation takes the id at all and the result is valid.
    fn dependent_draft(
        &self,
        planner: &Planner,
        mut draft: Draft,
        flow: &Flow,
        id: &Value,
        item: Option<&Value>,
    ) -> Option<Draft> {
        let spec = self.shared.spec;
        let mut used = false;
        for (p, v) in planner.op.parameters.iter().zip(draft.params.iter_mut()) {
            if p.location == ParamIn::Query && p.name == flow.param {
                *v = Some(id_for(p, id, spec));
                used = true;
            }
        }
        if let Some(request::BodyDraft::Value { value, .. }) = &mut draft.body {
            used |= set_named(value, &flow.param, id, 4);
        }
        if !used || planner.classify(&draft) != Expect::Valid {
            return None;
        }
        if let Some(item) = item.and_then(|v| item_object(v, id)) {
            for candidate in borrowings(&draft, &flow.param, item) {
                if planner.classify(&candidate) == Expect::Valid {
                    draft = candidate;
                }
            }
        }
        Some(draft)
    }

    /// The created-readable / removed-gone verdict on a read of the item.
    fn existence(
        &self,
        op: &Operation,
        ex: &Exchange,
        steps: &[RequestRecord],
        check: Check,
        should_exist: bool,
        what: &str,
    ) {
        if !self.shared.config.checks.contains(&check) {
            return;
        }
        let Some(status) = ex.status() else { return };
        let verdict = match (should_exist, status) {
            (true, 200..=299) | (false, 404 | 410) => None,
            (true, 404 | 410) => {
                Some((Outcome::Failed, format!("{what} is not readable: {status}")))
            }
            (false, 200..=299) => Some((
                Outcome::Failed,
                format!("{what} is still readable: {status}"),
            )),
            (_, 500..=599) => return,
            (true, s) => Some((Outcome::Warned, format!("reading {what} was answered {s}"))),
            (false, s) => Some((
                Outcome::Warned,
                format!("reading {what} was answered {s}, not 404 or 410"),
            )),
        };
        let outcome = verdict.as_ref().map_or(Outcome::Passed, |(o, _)| *o);
        let mut verdicts = vec![Verdict {
            check,
            outcome,
            message: verdict.map(|(_, m)| m).unwrap_or_default(),
            violations: Vec::new(),
        }];
        super::policy::apply(self.shared.config, op, &mut verdicts);
        self.emit(Event::Case {
            operation: op.label(),
            phase: Phase::Stateful,
            outcomes: verdicts.iter().map(|v| (v.check, v.outcome)).collect(),
            // The read's own `Case` already counted what it exercised.
            exercised: Default::default(),
        });
        if let Some(v) = verdicts.pop().filter(|v| v.outcome != Outcome::Passed) {
            let outcome = v.outcome;
            // One finding per operation and check, whatever the ids.
            let key_verdict = Verdict {
                message: format!("{check} {:?}", outcome),
                ..v.clone()
            };
            if let Some(key) = self.claim(op, &key_verdict) {
                self.report(key, op, Phase::Stateful, &v, ex, steps.to_vec(), false);
            }
        }
    }
}

/// The id as the parameter wants it: numbers for numeric schemas, text otherwise.
fn id_for(p: &crate::spec::Parameter, id: &Value, spec: &Spec) -> Value {
    let Some(schema) = cases::param_schema(p) else {
        return id.clone();
    };
    let text = match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::params::coerce(&spec.schemas, spec.schemas.get(schema), &text)
}

/// The position of the path parameter that takes the id, among the operation's parameters.
fn id_slot(op: &Operation, param: &str) -> Option<usize> {
    op.parameters
        .iter()
        .position(|p| p.location == ParamIn::Path && p.name == param)
}

/// Gives `to` the path parameter values `from` used under the same names (`/things/{kind}/{id}`:
/// the same `kind` all along a flow).
fn align_path_params(from_op: &Operation, from: &Draft, to_op: &Operation, to: &mut Draft) {
    for (p, slot) in to_op.parameters.iter().zip(to.params.iter_mut()) {
        if p.location != ParamIn::Path {
            continue;
        }
        if let Some((_, Some(v))) = from_op
            .parameters
            .iter()
            .zip(&from.params)
            .find(|(q, _)| q.location == ParamIn::Path && q.name == p.name)
        {
            *slot = Some(v.clone());
        }
    }
}
