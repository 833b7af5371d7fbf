//! Two normalized schemas compared structurally, knowing which way the value travels.
//!
//! Both sides are JSON Schema 2020-12 entries (`Schemas::get`), whatever dialect the files were
//! written in, so one comparison serves every mix of versions. The walk follows `$ref`s
//! (`#/$defs/<id>`) on both sides together and remembers every pair of nodes it reached through
//! a reference, so recursive schemas end. The question asked at each node is "can a value that
//! was valid before be invalid now?" for requests (clients send old values) and "can the server
//! now send a value old clients never saw?" for responses. Only what the schemas decide is
//! reported: keywords that cannot be compared for inclusion (an `if` changed, a `pattern`
//! change `pattern.rs` cannot prove either way) are potentially breaking, and formats that
//! only restate a range (`int32`, `int64`) or are not checked (`float`, `double`) are left to
//! the range keywords.
//!
//! Every 2020-12 applicator is walked: subschemas that constrain part of the value the same
//! way (`items`, `prefixItems`, `contains`, `patternProperties`, `propertyNames`,
//! `dependentSchemas`, `then`/`else`, `unevaluated*`, `contentSchema`) are compared like
//! properties, so limits nested in them are found; one added narrows, one removed widens
//! (`Moved`). `not` is compared the other way round in a scratch walk whose verdict becomes one
//! change. `oneOf` branches are also checked for overlap (`disjoint`: cheap evidence that no
//! value matches two branches, lost in the new version).
//!
//! Cost: `Identical` answers "are these two entries the same?" for the whole diff (a linear
//! fixpoint over the pairs reached), and the changes under a pair of entries are walked once
//! per (direction, wire) and replayed for every operation that starts there, so a change in a
//! schema every operation shares costs one walk, not one per operation.
//!
//! Limits (documented in docs/commands.md): `allOf` members are merged for properties, `required` and
//! `type` only; `anyOf`/`oneOf` branches are matched by the component they reference, else by
//! position when both lists have the same length.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::pattern::{self, Relation};
use super::{Found, Level, Rule, existing};
use crate::schema::Direction;
use crate::schema::vocab;
use crate::spec::{Location, SchemaId, Spec, pointer};

/// The schema that accepts everything (a property named in `required` but not described).
static ANY: Value = Value::Bool(true);

/// Deepest nesting compared (a safety net; cycles end through the visited set).
const MAX_DEPTH: usize = 64;

/// Formats that only restate a numeric range (normalization adds the range) or are not checked.
const RANGE_FORMATS: &[&str] = &["int32", "int64", "float", "double"];

/// A node of a normalized schema: its value and where it is (entry, pointer inside the entry).
#[derive(Clone)]
struct Node<'a> {
    value: &'a Value,
    entry: SchemaId,
    pointer: String,
}

impl<'a> Node<'a> {
    fn child(&self, token: &str) -> Option<Node<'a>> {
        let value = match self.value {
            Value::Object(o) => o.get(token)?,
            Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
        Some(Node {
            value,
            entry: self.entry,
            pointer: pointer::push(&self.pointer, token),
        })
    }

    fn flag(&self, keyword: &str) -> bool {
        self.value.get(keyword).and_then(Value::as_bool) == Some(true)
    }

    fn number(&self, keyword: &str) -> Option<f64> {
        self.value.get(keyword).and_then(Value::as_f64)
    }

    fn text(&self, keyword: &str) -> Option<&'a str> {
        self.value.get(keyword).and_then(Value::as_str)
    }
}

/// What one top-level comparison is about: the operation and the part of it (`request body
/// (application/json)`), for messages.
pub(super) struct Context<'a> {
    pub old: &'a Spec,
    pub new: &'a Spec,
    pub direction: Direction,
    pub operation: &'a str,
    pub subject: String,
    /// A parameter's schema: values travel as text, so a change of type that writes every
    /// old value the same way (`5` as a number or as a string) is no change on the wire.
    pub wire: bool,
}

/// Which pairs of entries (old, new) are identical: the same normalized JSON, with `$ref`s to
/// identical pairs. Shared by every comparison of one diff, so that a schema graph reached from
/// hundreds of operations (Stripe's) is walked once, not once per operation.
#[derive(Default)]
pub(super) struct Identical {
    known: HashMap<(SchemaId, SchemaId), bool>,
    /// The changes found under a pair of entries, by (old, new, direction, wire), relative to
    /// the pair: Stripe's `error` schema is every operation's default response, so a change in
    /// it is walked once and replayed for each operation (the cost of a change no longer grows
    /// with the operations that share it).
    walks: HashMap<(SchemaId, SchemaId, Direction, bool), Vec<Raw>>,
    /// Where changes can be (see [`Dirty`]); `None` compares without skipping.
    dirty: Option<Dirty>,
}

/// Entries whose own JSON differs from the entry at the same place in the other version (or
/// that have none there), and for each old entry the dirty ones it reaches. Every change a
/// walk finds lies at or below a dirty entry, so a walk may skip a pair of entries at the same
/// place once it has visited the pairs of every dirty entry that pair reaches: Stripe's error
/// schema is reachable from nearly every schema, and without this every operation walked all
/// of them to find the one change again.
struct Dirty {
    /// The new entry at the same place as each old one.
    counterpart: Vec<Option<SchemaId>>,
    /// For each old entry, the dirty old entries it reaches (itself included).
    reaches: Vec<Vec<SchemaId>>,
}

/// More dirty entries than this: compare without skipping (the sets would cost more than
/// they save).
const MAX_DIRTY: usize = 256;

impl Dirty {
    fn new(old: &Spec, new: &Spec) -> Option<Dirty> {
        let by_place: HashMap<&Location, SchemaId> = (0..new.schemas.len() as u32)
            .map(|i| (new.schema_location(SchemaId(i)), SchemaId(i)))
            .collect();
        let count = old.schemas.len();
        let counterpart: Vec<Option<SchemaId>> = (0..count as u32)
            .map(|i| by_place.get(old.schema_location(SchemaId(i))).copied())
            .collect();
        let mut refs = Vec::new();
        let mut dirty = Vec::new();
        for (i, c) in counterpart.iter().enumerate() {
            let clean = c.is_some_and(|n| {
                refs.clear();
                same_shape(
                    old.schemas.get(SchemaId(i as u32)),
                    new.schemas.get(n),
                    &mut refs,
                ) && refs
                    .iter()
                    .all(|(a, b)| counterpart.get(a.0 as usize) == Some(&Some(*b)))
            });
            if !clean {
                dirty.push(SchemaId(i as u32));
                if dirty.len() > MAX_DIRTY {
                    return None;
                }
            }
        }
        // Who references whom, reversed, to spread each dirty entry to the entries reaching it.
        let mut referrers: Vec<Vec<u32>> = vec![Vec::new(); count];
        for i in 0..count {
            let mut targets = Vec::new();
            collect_refs(old.schemas.get(SchemaId(i as u32)), &mut targets);
            for t in targets {
                if let Some(r) = referrers.get_mut(t.0 as usize) {
                    r.push(i as u32);
                }
            }
        }
        let mut reaches: Vec<Vec<SchemaId>> = vec![Vec::new(); count];
        let mut mark = vec![usize::MAX; count];
        for (k, d) in dirty.iter().enumerate() {
            let mut stack = vec![d.0];
            mark[d.0 as usize] = k;
            while let Some(e) = stack.pop() {
                reaches[e as usize].push(*d);
                for &r in &referrers[e as usize] {
                    if mark[r as usize] != k {
                        mark[r as usize] = k;
                        stack.push(r);
                    }
                }
            }
        }
        Some(Dirty {
            counterpart,
            reaches,
        })
    }
}

/// Every entry a normalized value references.
fn collect_refs(value: &Value, out: &mut Vec<SchemaId>) {
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                match (k.as_str(), entry_id(v)) {
                    ("$ref", Some(id)) => out.push(id),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// A change found by the walk, before the operation and subject are put into its message.
#[derive(Clone)]
struct Raw {
    rule: Rule,
    path: String,
    what: String,
    old: Location,
    new: Location,
}

impl Identical {
    /// The cache for one diff of `old` against `new`.
    pub(super) fn new(old: &Spec, new: &Spec) -> Identical {
        Identical {
            dirty: Dirty::new(old, new),
            ..Identical::default()
        }
    }

    /// Whether two entries are identical. Pairs reached through references are assumed
    /// identical while they are checked (a bisimulation), so cycles end; when the check
    /// succeeds every pair it assumed is identical, when it fails only the pair asked about is
    /// recorded as different.
    fn check(&mut self, old: &Spec, new: &Spec, a: SchemaId, b: SchemaId) -> bool {
        if let Some(&known) = self.known.get(&(a, b)) {
            return known;
        }
        // Every pair not yet known that (a, b) reaches through references, each compared once;
        // a pair is different when its own JSON differs or when a pair it references is
        // different (propagated backwards), identical otherwise (the greatest fixpoint, so
        // cycles of identical pairs are identical). Every pair explored gets its answer, so
        // the cost over a whole diff is linear in the pairs reached, however often asked.
        let mut index: HashMap<(SchemaId, SchemaId), usize> = HashMap::from([((a, b), 0)]);
        let mut pairs = vec![(a, b)];
        let mut referrers: Vec<Vec<usize>> = vec![Vec::new()];
        let mut different: Vec<bool> = Vec::new();
        let mut refs = Vec::new();
        let mut i = 0;
        while i < pairs.len() {
            let (x, y) = pairs[i];
            refs.clear();
            let mut differs = !same_shape(old.schemas.get(x), new.schemas.get(y), &mut refs);
            if !differs {
                for pair in refs.drain(..) {
                    match self.known.get(&pair) {
                        Some(true) => {}
                        Some(false) => differs = true,
                        None => {
                            let j = match index.get(&pair) {
                                Some(&j) => j,
                                None => {
                                    index.insert(pair, pairs.len());
                                    pairs.push(pair);
                                    referrers.push(Vec::new());
                                    pairs.len() - 1
                                }
                            };
                            referrers[j].push(i);
                        }
                    }
                }
            }
            different.push(differs);
            i += 1;
        }
        let mut work: Vec<usize> = (0..pairs.len()).filter(|&i| different[i]).collect();
        while let Some(j) = work.pop() {
            for &r in &referrers[j] {
                if !different[r] {
                    different[r] = true;
                    work.push(r);
                }
            }
        }
        for (k, pair) in pairs.into_iter().enumerate() {
            self.known.insert(pair, !different[k]);
        }
        !different[0]
    }
}

/// Whether two normalized values are equal except for the entry ids their `$ref`s name; the
/// pairs of referenced entries go to `refs`.
fn same_shape(x: &Value, y: &Value, refs: &mut Vec<(SchemaId, SchemaId)>) -> bool {
    match (x, y) {
        (Value::Object(p), Value::Object(q)) => {
            p.len() == q.len()
                && p.iter().all(|(k, v)| match (k.as_str(), q.get(k)) {
                    ("$ref", Some(w)) => match (entry_id(v), entry_id(w)) {
                        (Some(a), Some(b)) => {
                            refs.push((a, b));
                            true
                        }
                        _ => v == w,
                    },
                    (_, Some(w)) => same_shape(v, w, refs),
                    (_, None) => false,
                })
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| same_shape(v, w, refs))
        }
        _ => x == y,
    }
}

fn entry_id(reference: &Value) -> Option<SchemaId> {
    vocab::parse_def_ref(reference.as_str()?)
}

/// Compares the schemas `old_id` (in `context.old`) and `new_id` (in `context.new`).
pub(super) fn compare(
    context: &Context,
    identical: &mut Identical,
    old_id: SchemaId,
    new_id: SchemaId,
    out: &mut Vec<Found>,
) {
    // The walk starts at the entries the references lead to, so every operation whose schema
    // is a `$ref` to the same pair shares one walk.
    let (old, _) = resolve(context.old, entry(context.old, old_id));
    let (new, _) = resolve(context.new, entry(context.new, new_id));
    let key = (old.entry, new.entry, context.direction, context.wire);
    let raw = match identical.walks.get(&key) {
        Some(raw) => raw.clone(),
        None => {
            let mut raw = Vec::new();
            let mut walk = Walk {
                context,
                identical,
                visited: HashSet::new(),
                out: &mut raw,
                too_deep: false,
            };
            // As if reached through its reference: a cycle back to the start ends there.
            walk.visited
                .insert((old.entry, String::new(), new.entry, String::new()));
            walk.node(old, new, "", 0, false);
            identical.walks.insert(key, raw.clone());
            raw
        }
    };
    out.extend(raw.into_iter().map(|r| found(context, r)));
}

/// A walk's change with the operation and subject in its message.
fn found(context: &Context, raw: Raw) -> Found {
    let subject = match (context.subject.as_str(), raw.path.as_str()) {
        (s, "") => s.to_string(),
        ("", p) => format!("`{p}`"),
        (s, p) => format!("{s} `{p}`"),
    };
    Found {
        rule: raw.rule,
        operation: Some(context.operation.to_string()),
        message: format!("{subject}: {}", raw.what),
        old: Some(raw.old),
        new: Some(raw.new),
    }
}

/// Compares the schema `old_id` with the subschema of `new_id` at `keyword` (a parameter
/// that became an array: its old values against the new items).
pub(super) fn compare_with_child(
    context: &Context,
    identical: &mut Identical,
    old_id: SchemaId,
    (new_id, keyword): (SchemaId, &str),
    out: &mut Vec<Found>,
) {
    let new = entry(context.new, new_id);
    let (new, _) = resolve(context.new, new);
    let Some(items) = new.child(keyword) else {
        return;
    };
    let mut raw = Vec::new();
    let mut walk = Walk {
        context,
        identical,
        visited: HashSet::new(),
        out: &mut raw,
        too_deep: false,
    };
    walk.node(entry(context.old, old_id), items, "", 0, false);
    out.extend(raw.into_iter().map(|r| found(context, r)));
}

/// Whether two schemas accept exactly the same values as far as this comparison can tell (no
/// change found in either direction). Used to recognise a renamed parameter.
pub(super) fn same(old: &Spec, new: &Spec, old_id: SchemaId, new_id: SchemaId) -> bool {
    let mut out = Vec::new();
    for direction in [Direction::Request, Direction::Response] {
        let context = Context {
            old,
            new,
            direction,
            operation: "",
            subject: String::new(),
            wire: false,
        };
        compare(
            &context,
            &mut Identical::default(),
            old_id,
            new_id,
            &mut out,
        );
    }
    out.is_empty()
}

fn entry(spec: &Spec, id: SchemaId) -> Node<'_> {
    Node {
        value: spec.schemas.get(id),
        entry: id,
        pointer: String::new(),
    }
}

/// Follows `$ref`s to entries; says whether any was followed.
fn resolve<'a>(spec: &'a Spec, mut node: Node<'a>) -> (Node<'a>, bool) {
    let mut followed = false;
    for _ in 0..64 {
        let Some(id) = vocab::ref_target(node.value) else {
            break;
        };
        node = entry(spec, id);
        followed = true;
    }
    (node, followed)
}

/// The location in the user's file of a node (its nearest written ancestor).
fn location(spec: &Spec, node: &Node) -> Location {
    let base = spec.schema_location(node.entry);
    existing(
        spec,
        &Location::new(base.file, format!("{}{}", base.pointer, node.pointer)),
    )
}

struct Walk<'c, 'o> {
    context: &'c Context<'c>,
    identical: &'o mut Identical,
    /// Pairs of nodes already compared (entry and pointer on each side).
    visited: HashSet<(SchemaId, String, SchemaId, String)>,
    out: &'o mut Vec<Raw>,
    /// `MAX_DEPTH` was reached (reported once per schema pair, not once per deep node).
    too_deep: bool,
}

/// An object schema with its `allOf` members merged: properties in order, `required` for the
/// walk's direction, whether extra properties are refused.
struct ObjectView<'a> {
    properties: Vec<(String, Node<'a>)>,
    required: BTreeSet<String>,
    closed: bool,
    any: bool,
}

/// Which way a keyword's change moved the set of valid values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Moved {
    /// Fewer values are valid than before.
    Narrowed,
    /// More values are valid than before.
    Widened,
    /// Some of each, or it cannot be told.
    Changed,
}

impl<'c, 'o> Walk<'c, 'o> {
    fn emit(&mut self, rule: Rule, path: &str, what: String, old: &Node, new: &Node) {
        self.out.push(Raw {
            rule,
            path: path.to_string(),
            what,
            old: location(self.context.old, old),
            new: location(self.context.new, new),
        });
    }

    fn request(&self) -> bool {
        self.context.direction == Direction::Request
    }

    /// Reports a keyword that constrains values (`contains`, `dependentRequired`, `not`...)
    /// by which way it moved the set of valid values.
    fn constraint(&mut self, moved: Moved, path: &str, what: String, old: &Node, new: &Node) {
        let rule = match (self.request(), moved) {
            (true, Moved::Narrowed) => Rule::RequestConstraintTightened,
            (true, Moved::Widened) => Rule::RequestConstraintLoosened,
            (true, Moved::Changed) => Rule::RequestConstraintChanged,
            (false, Moved::Narrowed) => Rule::ResponseConstraintTightened,
            (false, Moved::Widened) => Rule::ResponseConstraintLoosened,
            (false, Moved::Changed) => Rule::ResponseConstraintChanged,
        };
        self.emit(rule, path, what, old, new);
    }

    /// Whether a pair of entries at the same place reaches only dirty entries whose pairs this
    /// walk has already visited: everything under it is then reported already (or is being
    /// walked by a caller).
    fn reported_below(&self, old: &Node, new: &Node) -> bool {
        let Some(dirty) = &self.identical.dirty else {
            return false;
        };
        if !old.pointer.is_empty()
            || !new.pointer.is_empty()
            || dirty.counterpart.get(old.entry.0 as usize) != Some(&Some(new.entry))
        {
            return false;
        }
        dirty.reaches[old.entry.0 as usize].iter().all(|d| {
            dirty.counterpart[d.0 as usize].is_some_and(|c| {
                self.visited
                    .contains(&(*d, String::new(), c, String::new()))
            })
        })
    }

    /// Whether two nodes are the same JSON, with `$ref`s to identical entries: nothing under
    /// them can differ, so the walk stops there.
    fn same_node(&mut self, old: &Node, new: &Node) -> bool {
        let mut refs = Vec::new();
        same_shape(old.value, new.value, &mut refs)
            && refs.into_iter().all(|(a, b)| {
                self.identical
                    .check(self.context.old, self.context.new, a, b)
            })
    }

    fn node(&mut self, old: Node, new: Node, path: &str, depth: usize, nullable_done: bool) {
        if depth > MAX_DEPTH {
            // Silence here would read as "no changes" below this level.
            if !self.too_deep {
                self.too_deep = true;
                let what = format!(
                    "nested deeper than {MAX_DEPTH} levels; changes below this level were not compared"
                );
                self.emit(Rule::SchemaTooDeep, path, what, &old, &new);
            }
            return;
        }
        let (old, old_followed) = resolve(self.context.old, old);
        let (new, new_followed) = resolve(self.context.new, new);
        if (old_followed || new_followed) && self.reported_below(&old, &new) {
            return;
        }
        if (old_followed || new_followed)
            && !self.visited.insert((
                old.entry,
                old.pointer.clone(),
                new.entry,
                new.pointer.clone(),
            ))
        {
            return;
        }
        if self.same_node(&old, &new) {
            return;
        }
        // A one-branch wrapper is read as its branch unless the other side has branches too
        // (then the branches are compared as such).
        let lists = |n: &Node| {
            ["allOf", "anyOf", "oneOf"]
                .iter()
                .any(|k| n.value.get(*k).is_some())
        };
        let (old_null, old_core) = split_nullable(&old, !lists(&new));
        let (new_null, new_core) = split_nullable(&new, !lists(&old));
        if !nullable_done
            && let (Some(o), Some(n)) = (old_null, new_null)
            && o != n
        {
            let rule = match (self.request(), n) {
                (true, false) => Rule::RequestNullableRemoved,
                (true, true) => Rule::RequestNullableAdded,
                (false, true) => Rule::ResponseNullableAdded,
                (false, false) => Rule::ResponseNullableRemoved,
            };
            let what = if n {
                "may now be null".to_string()
            } else {
                "may no longer be null".to_string()
            };
            self.emit(rule, path, what, &old, &new);
        }
        if old_core.pointer != old.pointer
            || old_core.entry != old.entry
            || new_core.pointer != new.pointer
            || new_core.entry != new.entry
        {
            // A `nullable` (or one-branch) wrapper on either side: compare what it wraps.
            let decided = nullable_done || (old_null.is_some() && new_null.is_some());
            self.node(old_core, new_core, path, depth + 1, decided);
            return;
        }
        self.body(&old, &new, path, depth);
    }

    fn body(&mut self, old: &Node, new: &Node, path: &str, depth: usize) {
        if !self.types(old, new, path) {
            return; // incompatible types: the rest would only repeat it
        }
        self.format(old, new, path);
        self.enumeration(old, new, path);
        self.default(old, new, path);
        self.limits(old, new, path);
        self.pattern(old, new, path);
        self.object(old, new, path, depth);
        self.discriminator(old, new, path);
        self.dependent_required(old, new, path);
        // Subschemas that constrain parts of the value the same way the schema does.
        for (keyword, label) in [
            ("items", "[]"),
            ("additionalProperties", "*"),
            ("unevaluatedItems", "[]"),
            ("unevaluatedProperties", "*"),
            ("contains", "[contains]"),
            ("propertyNames", "(propertyNames)"),
            ("contentSchema", "(contentSchema)"),
        ] {
            self.subschema(old, new, keyword, &join(path, label), depth);
        }
        for keyword in ["prefixItems", "patternProperties", "dependentSchemas"] {
            self.keyed(old, new, keyword, path, depth);
        }
        self.conditional(old, new, path, depth);
        self.negation(old, new, path, depth);
        self.alternatives(old, new, path, depth);
    }

    /// A keyword holding one subschema. Absent and `true` accept everything; `false` nothing.
    fn subschema<'a>(
        &mut self,
        old: &Node<'a>,
        new: &Node<'a>,
        keyword: &str,
        path: &str,
        depth: usize,
    ) {
        let present = |node: &Node<'a>| {
            node.child(keyword)
                .filter(|c| c.value != &Value::Bool(true))
        };
        let (o, n) = (present(old), present(new));
        // `additionalProperties: false` and `unevaluatedProperties: false` are the object
        // comparison's (`request-additional-properties-closed`).
        let closing = matches!(keyword, "additionalProperties" | "unevaluatedProperties");
        let is_false =
            |c: &Option<Node>| c.as_ref().is_some_and(|c| c.value == &Value::Bool(false));
        if closing && (is_false(&o) || is_false(&n)) {
            return;
        }
        match (o, n) {
            (None, None) => {}
            (None, Some(_)) => self.constraint(
                Moved::Narrowed,
                path,
                format!("`{keyword}` added"),
                old,
                new,
            ),
            (Some(_), None) => self.constraint(
                Moved::Widened,
                path,
                format!("`{keyword}` removed"),
                old,
                new,
            ),
            (Some(o), Some(n)) => {
                if o.value.is_object() && n.value.is_object() {
                    self.node(o, n, path, depth + 1, false);
                } else if o.value != n.value {
                    let moved = if n.value == &Value::Bool(false) {
                        Moved::Narrowed
                    } else {
                        Moved::Widened
                    };
                    let what = format!("`{keyword}` {} → {}", o.value, short_json(n.value));
                    self.constraint(moved, path, what, &o, &n);
                }
            }
        }
    }

    /// Keywords holding subschemas by position or name (`prefixItems`, `patternProperties`,
    /// `dependentSchemas`): matched by key, an added one narrows, a removed one widens.
    fn keyed<'a>(
        &mut self,
        old: &Node<'a>,
        new: &Node<'a>,
        keyword: &str,
        path: &str,
        depth: usize,
    ) {
        let keys = |node: &Node| -> Vec<String> {
            match node.value.get(keyword) {
                Some(Value::Array(a)) => (0..a.len()).map(|i| i.to_string()).collect(),
                Some(Value::Object(o)) => o.keys().cloned().collect(),
                _ => Vec::new(),
            }
        };
        let (ok, nk) = (keys(old), keys(new));
        if ok.is_empty() && nk.is_empty() {
            return;
        }
        let label = |key: &str| match keyword {
            "prefixItems" => format!("[{key}]"),
            "patternProperties" => format!("/{key}/"),
            _ => format!("(if {key})"),
        };
        let (o, n) = (old.child(keyword), new.child(keyword));
        let at = |list: &Option<Node<'a>>, key: &str| list.as_ref().and_then(|l| l.child(key));
        for key in &ok {
            let here = join(path, &label(key));
            match (at(&o, key), at(&n, key)) {
                (Some(a), Some(b)) if a.value.is_object() && b.value.is_object() => {
                    self.node(a, b, &here, depth + 1, false)
                }
                (Some(a), Some(b)) if a.value != b.value => self.constraint(
                    Moved::Changed,
                    &here,
                    format!("`{keyword}` entry changed"),
                    &a,
                    &b,
                ),
                (Some(a), None) => self.constraint(
                    Moved::Widened,
                    &here,
                    format!("`{keyword}` entry removed"),
                    &a,
                    new,
                ),
                _ => {}
            }
        }
        for key in nk.iter().filter(|k| !ok.contains(k)) {
            if let Some(b) = at(&n, key) {
                let here = join(path, &label(key));
                self.constraint(
                    Moved::Narrowed,
                    &here,
                    format!("`{keyword}` entry added"),
                    old,
                    &b,
                );
            }
        }
    }

    /// `if`/`then`/`else`: `then` and `else` compare like any subschema; a changed `if`
    /// cannot be classified.
    fn conditional(&mut self, old: &Node, new: &Node, path: &str, depth: usize) {
        match (old.child("if"), new.child("if")) {
            (None, None) => {}
            (None, Some(_)) => self.constraint(
                Moved::Narrowed,
                path,
                "conditional (`if`/`then`/`else`) added".into(),
                old,
                new,
            ),
            (Some(_), None) => self.constraint(
                Moved::Widened,
                path,
                "conditional (`if`/`then`/`else`) removed".into(),
                old,
                new,
            ),
            (Some(o), Some(n)) => {
                if !self.same_node(&o, &n) {
                    self.constraint(Moved::Changed, path, "`if` changed".into(), &o, &n);
                }
                for (keyword, label) in [("then", "(then)"), ("else", "(else)")] {
                    self.subschema(old, new, keyword, &join(path, label), depth);
                }
            }
        }
    }

    /// `not`: the value must *fail* the subschema, so the subschema is compared the other way
    /// round (a wider `not` is a narrower schema), in a scratch list whose verdict is reported
    /// as one change here.
    fn negation(&mut self, old: &Node, new: &Node, path: &str, depth: usize) {
        let (o, n) = (old.child("not"), new.child("not"));
        let (o, n) = match (o, n) {
            (None, None) => return,
            (None, Some(_)) => {
                return self.constraint(Moved::Narrowed, path, "`not` added".into(), old, new);
            }
            (Some(_), None) => {
                return self.constraint(Moved::Widened, path, "`not` removed".into(), old, new);
            }
            (Some(o), Some(n)) => (o, n),
        };
        let flipped = Context {
            old: self.context.old,
            new: self.context.new,
            direction: if self.request() {
                Direction::Response
            } else {
                Direction::Request
            },
            operation: self.context.operation,
            subject: String::new(),
            wire: false,
        };
        let mut scratch = Vec::new();
        let mut inner = Walk {
            context: &flipped,
            identical: self.identical,
            visited: HashSet::new(),
            out: &mut scratch,
            too_deep: false,
        };
        inner.node(o.clone(), n.clone(), "", depth + 1, false);
        if scratch.is_empty() {
            return;
        }
        let breaking = scratch.iter().any(|f| f.rule.level() == Level::Breaking);
        let safe_only = scratch.iter().all(|f| f.rule.level() == Level::Safe);
        // What breaks the flipped direction is what breaks this one (a request's narrowing
        // is the inner schema's widening, which breaks "responses").
        let moved = match (breaking, safe_only, self.request()) {
            (true, _, true) | (false, true, false) => Moved::Narrowed,
            (true, _, false) | (false, true, true) => Moved::Widened,
            _ => Moved::Changed,
        };
        let detail = scratch
            .first()
            .map(|f| match f.path.as_str() {
                "" => f.what.clone(),
                p => format!("`{p}`: {}", f.what),
            })
            .unwrap_or_default();
        self.constraint(moved, path, format!("`not` changed ({detail})"), &o, &n);
    }

    /// Compares types; false when they changed so much that nothing else is worth comparing.
    fn types(&mut self, old: &Node, new: &Node, path: &str) -> bool {
        let o = types(self.context.old, old, 0);
        let n = types(self.context.new, new, 0);
        let lost = match (&o, &n) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(o), Some(n)) => o.iter().any(|t| !covers(n, t)),
        };
        let gained = match (&o, &n) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(o), Some(n)) => n.iter().any(|t| !covers(o, t)),
        };
        if !lost && !gained {
            return true;
        }
        let what = format!("type {} → {}", show_types(&o), show_types(&n));
        if lost
            && self.context.wire
            && self.request()
            && let (Some(o), Some(n)) = (&o, &n)
            && o.iter()
                .all(|t| covers(n, t) || wire_covers(old, new, n, t))
        {
            self.emit(
                Rule::RequestParameterWireCompatible,
                path,
                format!("{what}: every old value is written the same way"),
                old,
                new,
            );
            return false;
        }
        let rule = match (self.request(), lost) {
            (true, true) => Rule::RequestTypeNarrowed,
            (true, false) => Rule::RequestTypeWidened,
            (false, _) if gained => Rule::ResponseTypeWidened,
            (false, _) => Rule::ResponseTypeNarrowed,
        };
        self.emit(rule, path, what, old, new);
        !(lost && gained)
    }

    fn format(&mut self, old: &Node, new: &Node, path: &str) {
        for keyword in ["format", "contentEncoding", "contentMediaType"] {
            let o = old.text(keyword).filter(|f| !RANGE_FORMATS.contains(f));
            let n = new.text(keyword).filter(|f| !RANGE_FORMATS.contains(f));
            let what = match (o, n) {
                (Some(o), Some(n)) if o != n => format!("{keyword} `{o}` → `{n}`"),
                (None, Some(n)) => format!("{keyword} `{n}` added"),
                (Some(o), None) => format!("{keyword} `{o}` removed"),
                _ => continue,
            };
            let rule = match (self.request(), n.is_some()) {
                (true, true) => Rule::RequestFormatChanged,
                (true, false) => Rule::RequestFormatRemoved,
                (false, _) if o.is_some() => Rule::ResponseFormatChanged,
                (false, _) => Rule::ResponseFormatAdded,
            };
            self.emit(rule, path, what, old, new);
        }
    }

    fn default(&mut self, old: &Node, new: &Node, path: &str) {
        let (o, n) = (old.value.get("default"), new.value.get("default"));
        let what = match (o, n) {
            (Some(o), Some(n)) if o != n => {
                format!("default {} → {}", short_json(o), short_json(n))
            }
            (None, Some(n)) => format!("default {} added", short_json(n)),
            (Some(o), None) => format!("default {} removed", short_json(o)),
            _ => return,
        };
        let rule = if self.request() {
            Rule::RequestDefaultChanged
        } else {
            Rule::ResponseDefaultChanged
        };
        self.emit(rule, path, what, old, new);
    }

    fn enumeration<'a>(&mut self, old: &Node<'a>, new: &Node<'a>, path: &str) {
        let request = self.request();
        let (o, n) = (enum_values(old), enum_values(new));
        let (removed, added): (Vec<&Value>, Vec<&Value>) = match (&o, &n) {
            (Some(o), Some(n)) => (
                o.iter().filter(|v| !n.contains(v)).copied().collect(),
                n.iter().filter(|v| !o.contains(v)).copied().collect(),
            ),
            (None, Some(n)) => {
                let rule = if request {
                    Rule::RequestEnumValueRemoved
                } else {
                    Rule::ResponseEnumValueRemoved
                };
                let what = format!("now limited to {}", show_values(n));
                self.emit(rule, path, what, old, new);
                return;
            }
            (Some(o), None) => {
                let rule = if request {
                    Rule::RequestEnumValueAdded
                } else {
                    Rule::ResponseEnumValueAdded
                };
                let what = format!("no longer limited to {}", show_values(o));
                self.emit(rule, path, what, old, new);
                return;
            }
            (None, None) => {
                // `x-extensible-enum`: the values known today; clients must accept others, so
                // an added value never breaks a response, a removed one still breaks requests.
                let list = |node: &Node<'a>| match node.value.get("x-extensible-enum") {
                    Some(Value::Array(values)) => Some(values.iter().collect::<Vec<&Value>>()),
                    _ => None,
                };
                let (Some(o), Some(n)) = (list(old), list(new)) else {
                    return;
                };
                let removed: Vec<&Value> = o.iter().filter(|v| !n.contains(v)).copied().collect();
                let added: Vec<&Value> = n.iter().filter(|v| !o.contains(v)).copied().collect();
                if !removed.is_empty() {
                    let rule = if request {
                        Rule::RequestEnumValueRemoved
                    } else {
                        Rule::ResponseEnumValueRemoved
                    };
                    let what = format!(
                        "x-extensible-enum values removed: {}",
                        show_values(&removed)
                    );
                    self.emit(rule, path, what, old, new);
                }
                if !added.is_empty() {
                    let rule = if request {
                        Rule::RequestEnumValueAdded
                    } else {
                        Rule::ResponseExtensibleEnumValueAdded
                    };
                    let what = format!("x-extensible-enum values added: {}", show_values(&added));
                    self.emit(rule, path, what, old, new);
                }
                return;
            }
        };
        if !removed.is_empty() {
            let rule = if request {
                Rule::RequestEnumValueRemoved
            } else {
                Rule::ResponseEnumValueRemoved
            };
            self.emit(
                rule,
                path,
                format!("enum values removed: {}", show_values(&removed)),
                old,
                new,
            );
        }
        if !added.is_empty() {
            let rule = if request {
                Rule::RequestEnumValueAdded
            } else {
                Rule::ResponseEnumValueAdded
            };
            self.emit(
                rule,
                path,
                format!("enum values added: {}", show_values(&added)),
                old,
                new,
            );
        }
    }

    /// One limit: reported only when it moved (the message is built only then).
    fn limit(
        &mut self,
        (old, new, path): (&Node, &Node, &str),
        tightened: bool,
        loosened: bool,
        what: impl FnOnce() -> String,
    ) {
        let rule = match (self.request(), tightened, loosened) {
            (true, true, _) => Rule::RequestLimitTightened,
            (true, false, true) => Rule::RequestLimitLoosened,
            (false, _, true) => Rule::ResponseLimitLoosened,
            (false, true, false) => Rule::ResponseLimitTightened,
            _ => return,
        };
        self.emit(rule, path, what(), old, new);
    }

    fn limits(&mut self, old: &Node, new: &Node, path: &str) {
        let at = (old, new, path);
        for keyword in ["maxLength", "maxItems", "maxProperties", "maxContains"] {
            let (o, n) = (old.number(keyword), new.number(keyword));
            self.limit(
                at,
                matches!((o, n), (None, Some(_))) || matches!((o, n), (Some(o), Some(n)) if n < o),
                matches!((o, n), (Some(_), None)) || matches!((o, n), (Some(o), Some(n)) if n > o),
                || show_limit(keyword, o, n),
            );
        }
        for keyword in ["minLength", "minItems", "minProperties", "minContains"] {
            // 0 is no limit at all.
            let (o, n) = (
                old.number(keyword).filter(|&v| v > 0.0),
                new.number(keyword).filter(|&v| v > 0.0),
            );
            self.limit(
                at,
                matches!((o, n), (None, Some(_))) || matches!((o, n), (Some(o), Some(n)) if n > o),
                matches!((o, n), (Some(_), None)) || matches!((o, n), (Some(o), Some(n)) if n < o),
                || show_limit(keyword, o, n),
            );
        }
        // Numeric bounds: `maximum` and `exclusiveMaximum` together make one upper bound.
        let (o, n) = (upper(old), upper(new));
        let key = |(v, exclusive): (f64, bool)| (v, if exclusive { 0 } else { 1 });
        self.limit(
            at,
            match (o, n) {
                (None, Some(_)) => true,
                (Some(o), Some(n)) => key(n) < key(o),
                _ => false,
            },
            match (o, n) {
                (Some(_), None) => true,
                (Some(o), Some(n)) => key(n) > key(o),
                _ => false,
            },
            || {
                format!(
                    "upper bound {} → {}",
                    show_bound(o, "<"),
                    show_bound(n, "<")
                )
            },
        );
        let (o, n) = (lower(old), lower(new));
        let key = |(v, exclusive): (f64, bool)| (v, if exclusive { 1 } else { 0 });
        self.limit(
            at,
            match (o, n) {
                (None, Some(_)) => true,
                (Some(o), Some(n)) => key(n) > key(o),
                _ => false,
            },
            match (o, n) {
                (Some(_), None) => true,
                (Some(o), Some(n)) => key(n) < key(o),
                _ => false,
            },
            || {
                format!(
                    "lower bound {} → {}",
                    show_bound(o, ">"),
                    show_bound(n, ">")
                )
            },
        );
        let (o, n) = (old.number("multipleOf"), new.number("multipleOf"));
        let divides = |a: f64, b: f64| b != 0.0 && (a / b).fract() == 0.0;
        self.limit(
            at,
            n.is_some_and(|n| o.is_none_or(|o| !divides(o, n))),
            o.is_some_and(|o| n.is_none_or(|n| !divides(n, o))),
            || show_limit("multipleOf", o, n),
        );
        let (o, n) = (old.flag("uniqueItems"), new.flag("uniqueItems"));
        self.limit(at, !o && n, o && !n, || format!("uniqueItems {o} → {n}"));
    }

    /// Patterns: only a tightening breaks requests. Inclusion is decided where a structural
    /// walk can prove it (`pattern::relation`); otherwise the change is only potentially
    /// breaking. A narrowing proven without a lost string to show is safe for responses and
    /// potentially breaking for requests.
    fn pattern(&mut self, old: &Node, new: &Node, path: &str) {
        let (o, n) = (old.text("pattern"), new.text("pattern"));
        if o == n {
            return;
        }
        let what = match (o, n) {
            (Some(o), Some(n)) => format!("pattern `{o}` → `{n}`"),
            (None, Some(n)) => format!("pattern `{n}` added"),
            (Some(o), None) => format!("pattern `{o}` removed"),
            (None, None) => return,
        };
        let both = o.is_some() && n.is_some();
        let (moved, what) = match pattern::relation(o, n) {
            Relation::Same => return,
            Relation::Wider if both => (Moved::Widened, format!("{what} (wider)")),
            Relation::NotNarrower if both => (Moved::Widened, format!("{what} (not narrower)")),
            Relation::Wider | Relation::NotNarrower => (Moved::Widened, what),
            Relation::NotWider if self.request() => (Moved::Changed, what),
            Relation::Narrower if both => (Moved::Narrowed, format!("{what} (narrower)")),
            Relation::NotWider if both => (Moved::Narrowed, format!("{what} (not wider)")),
            Relation::Narrower | Relation::NotWider => (Moved::Narrowed, what),
            Relation::Unknown => (Moved::Changed, what),
        };
        let rule = match (self.request(), moved) {
            (true, Moved::Narrowed) => Rule::RequestPatternTightened,
            (true, Moved::Changed) => Rule::RequestPatternChanged,
            (true, Moved::Widened) if n.is_none() => Rule::RequestPatternRemoved,
            (true, Moved::Widened) => Rule::RequestPatternLoosened,
            (false, Moved::Narrowed) if o.is_none() => Rule::ResponsePatternAdded,
            (false, Moved::Narrowed) => Rule::ResponsePatternTightened,
            (false, _) => Rule::ResponsePatternChanged,
        };
        self.emit(rule, path, what, old, new);
    }

    /// `discriminator`: the property that names the branch and the names it maps.
    fn discriminator<'a>(&mut self, old: &Node<'a>, new: &Node<'a>, path: &str) {
        let (Some(o), Some(n)) = (
            old.value.get("discriminator"),
            new.value.get("discriminator"),
        ) else {
            return;
        };
        let request = self.request();
        let changed = if request {
            Rule::RequestDiscriminatorChanged
        } else {
            Rule::ResponseDiscriminatorChanged
        };
        let (op, np) = (o.get("propertyName"), n.get("propertyName"));
        if op != np {
            let show = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
            let what = format!("discriminator property `{}` → `{}`", show(op), show(np));
            self.emit(changed, path, what, old, new);
        }
        let empty = serde_json::Map::new();
        let mapping = |d: &'a Value| d.get("mapping").and_then(Value::as_object);
        let (om, nm) = (mapping(o).unwrap_or(&empty), mapping(n).unwrap_or(&empty));
        // A mapping names a schema by reference: compare the names, not the files.
        let target = |v: &Value| {
            v.as_str()
                .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
                .unwrap_or_default()
        };
        for (key, value) in om {
            match nm.get(key) {
                None => {
                    let rule = if request {
                        Rule::RequestDiscriminatorChanged
                    } else {
                        Rule::ResponseDiscriminatorMappingRemoved
                    };
                    self.emit(
                        rule,
                        path,
                        format!("discriminator value `{key}` removed"),
                        old,
                        new,
                    );
                }
                Some(v) if target(v) != target(value) => {
                    let what = format!(
                        "discriminator value `{key}` maps `{}` → `{}`",
                        target(value),
                        target(v)
                    );
                    self.emit(changed, path, what, old, new);
                }
                Some(_) => {}
            }
        }
        for key in nm.keys().filter(|k| !om.contains_key(*k)) {
            let rule = if request {
                Rule::RequestDiscriminatorMappingAdded
            } else {
                Rule::ResponseDiscriminatorMappingAdded
            };
            self.emit(
                rule,
                path,
                format!("discriminator value `{key}` added"),
                old,
                new,
            );
        }
    }

    /// `dependentRequired`: names required when another is present.
    fn dependent_required<'a>(&mut self, old: &Node<'a>, new: &Node<'a>, path: &str) {
        let map = |node: &Node<'a>| -> Vec<(String, BTreeSet<String>)> {
            node.value
                .get("dependentRequired")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            let names = v
                                .as_array()
                                .map(|a| {
                                    a.iter()
                                        .filter_map(|n| n.as_str().map(String::from))
                                        .collect()
                                })
                                .unwrap_or_default();
                            (k.clone(), names)
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let (o, n) = (map(old), map(new));
        if o.is_empty() && n.is_empty() {
            return;
        }
        let none = BTreeSet::new();
        let get = |list: &'_ [(String, BTreeSet<String>)], key: &str| {
            list.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| none.clone())
        };
        let mut keys: Vec<&String> = o.iter().map(|(k, _)| k).collect();
        keys.extend(
            n.iter()
                .map(|(k, _)| k)
                .filter(|k| !o.iter().any(|(x, _)| x == *k)),
        );
        for key in keys {
            let (before, after) = (get(&o, key), get(&n, key));
            let added: Vec<&String> = after.difference(&before).collect();
            let removed: Vec<&String> = before.difference(&after).collect();
            let list = |names: &[&String]| {
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !added.is_empty() {
                let what = format!(
                    "when `{key}` is present, {} now required (`dependentRequired`)",
                    list(&added)
                );
                self.constraint(Moved::Narrowed, path, what, old, new);
            }
            if !removed.is_empty() {
                let what = format!(
                    "when `{key}` is present, {} no longer required (`dependentRequired`)",
                    list(&removed)
                );
                self.constraint(Moved::Widened, path, what, old, new);
            }
        }
    }

    fn object<'a>(&mut self, old: &Node<'a>, new: &Node<'a>, path: &str, depth: usize) {
        let direction = self.context.direction;
        let o = object_view(self.context.old, old, direction);
        let n = object_view(self.context.new, new, direction);
        if !o.any && !n.any {
            return;
        }
        let request = self.request();
        // Objects may have hundreds of properties: look names up, never scan for them.
        let (o_props, n_props) = (by_name(&o), by_name(&n));
        let mut seen: HashSet<&String> = HashSet::new();
        let names: Vec<&String> = o
            .properties
            .iter()
            .map(|(name, _)| name)
            .chain(&o.required)
            .chain(n.properties.iter().map(|(name, _)| name))
            .chain(&n.required)
            .filter(|name| seen.insert(*name))
            .collect();
        for name in names {
            let op = o_props.get(name);
            let np = n_props.get(name);
            let in_old = op.is_some() || o.required.contains(name);
            let in_new = np.is_some() || n.required.contains(name);
            let (or, nr) = (o.required.contains(name), n.required.contains(name));
            let here = join(path, name);
            let old_at = op.unwrap_or(old);
            let new_at = np.unwrap_or(new);
            // A property the walk's direction never carries (readOnly in requests, writeOnly in
            // responses) is not compared; the newest description of it decides.
            let keyword = if request { "readOnly" } else { "writeOnly" };
            let skip = match (op, np) {
                (_, Some(np)) => carries_flag(self.context.new, np, keyword),
                (Some(op), None) => carries_flag(self.context.old, op, keyword),
                (None, None) => false,
            };
            if skip {
                continue;
            }
            let (rule, what) = match (in_old, in_new, request) {
                (false, true, true) if nr => (
                    Some(Rule::RequestPropertyRequiredAdded),
                    "new required property".to_string(),
                ),
                (false, true, true) => (
                    Some(Rule::RequestPropertyAdded),
                    "new optional property".to_string(),
                ),
                (true, false, true) => (
                    Some(Rule::RequestPropertyRemoved),
                    "property removed".to_string(),
                ),
                (false, true, false) => (
                    Some(Rule::ResponsePropertyAdded),
                    "new property".to_string(),
                ),
                (true, false, false) if or => (
                    Some(Rule::ResponseRequiredPropertyRemoved),
                    "required property removed".to_string(),
                ),
                (true, false, false) => (
                    Some(Rule::ResponsePropertyRemoved),
                    "optional property removed".to_string(),
                ),
                (true, true, true) if !or && nr => (
                    Some(Rule::RequestPropertyBecameRequired),
                    "became required".to_string(),
                ),
                (true, true, true) if or && !nr => (
                    Some(Rule::RequestPropertyBecameOptional),
                    "became optional".to_string(),
                ),
                (true, true, false) if or && !nr => (
                    Some(Rule::ResponsePropertyBecameOptional),
                    "no longer required".to_string(),
                ),
                (true, true, false) if !or && nr => (
                    Some(Rule::ResponsePropertyBecameRequired),
                    "became required".to_string(),
                ),
                _ => (None, String::new()),
            };
            if let Some(rule) = rule {
                self.emit(rule, &here, what, old_at, new_at);
            }
            // A property only named in `required` on one side accepts anything there.
            let any = |parent: &Node<'a>| Node {
                value: &ANY,
                entry: parent.entry,
                pointer: parent.pointer.clone(),
            };
            match (op, np) {
                (Some(op), Some(np)) => self.node(op.clone(), np.clone(), &here, depth + 1, false),
                (None, Some(np)) if in_old => {
                    self.node(any(old), np.clone(), &here, depth + 1, false)
                }
                (Some(op), None) if in_new => {
                    self.node(op.clone(), any(new), &here, depth + 1, false)
                }
                _ => {}
            }
        }
        if request && !o.closed && n.closed {
            self.emit(
                Rule::RequestAdditionalPropertiesClosed,
                path,
                "properties not listed are now refused (`additionalProperties: false`)".into(),
                old,
                new,
            );
        }
    }

    fn alternatives(&mut self, old: &Node, new: &Node, path: &str, depth: usize) {
        let has = |node: &Node, keyword: &str| node.value.get(keyword).is_some_and(Value::is_array);
        for keyword in ["oneOf", "anyOf"] {
            if has(old, keyword) && has(new, keyword) {
                self.branches(old, new, (keyword, keyword), path, depth);
            }
        }
        let (old_one, new_one) = (has(old, "oneOf"), has(new, "oneOf"));
        let (old_any, new_any) = (has(old, "anyOf"), has(new, "anyOf"));
        if old_one && !new_one && new_any && !old_any {
            let rule = if self.request() {
                Rule::RequestOneOfBecameAnyOf
            } else {
                Rule::ResponseOneOfBecameAnyOf
            };
            let what = "`oneOf` → `anyOf`: a value may now match several branches".to_string();
            self.emit(rule, path, what, old, new);
            self.branches(old, new, ("oneOf", "anyOf"), path, depth);
        } else if old_any && !new_any && new_one && !old_one {
            let what = "`anyOf` → `oneOf`: a value matching several branches is now refused";
            if self.request() {
                self.emit(Rule::RequestOneOfOverlapping, path, what.into(), old, new);
            } else {
                self.constraint(Moved::Narrowed, path, what.into(), old, new);
            }
            self.branches(old, new, ("anyOf", "oneOf"), path, depth);
        }
    }

    /// Matches the branches of two alternative lists (by the component they reference, else
    /// by position), compares matched ones, reports added and removed ones, and, for `oneOf`,
    /// two branches that could not both match before and now may (a value that matched one
    /// now matches two, and `oneOf` refuses it).
    fn branches(
        &mut self,
        old: &Node,
        new: &Node,
        (old_keyword, new_keyword): (&str, &str),
        path: &str,
        depth: usize,
    ) {
        let (Some(o), Some(n)) = (old.child(old_keyword), new.child(new_keyword)) else {
            return;
        };
        let (Some(ol), Some(nl)) = (o.value.as_array(), n.value.as_array()) else {
            return;
        };
        let ob: Vec<(String, Node)> = (0..ol.len())
            .filter_map(|i| {
                o.child(&i.to_string())
                    .map(|b| (branch_key(self.context.old, &b, i), b))
            })
            .collect();
        let nb: Vec<(String, Node)> = (0..nl.len())
            .filter_map(|i| {
                n.child(&i.to_string())
                    .map(|b| (branch_key(self.context.new, &b, i), b))
            })
            .collect();
        let by_position = ol.len() == nl.len();
        let mut matched: Vec<(usize, usize)> = Vec::new();
        for (i, (key, b)) in ob.iter().enumerate() {
            match nb.iter().position(|(k, _)| k == key) {
                Some(j) => {
                    if by_position || !key.starts_with('#') {
                        matched.push((i, j));
                        self.node(b.clone(), nb[j].1.clone(), path, depth + 1, false);
                    }
                }
                None => {
                    let rule = if self.request() {
                        Rule::RequestAlternativeRemoved
                    } else {
                        Rule::ResponseAlternativeRemoved
                    };
                    self.emit(
                        rule,
                        path,
                        format!("`{new_keyword}` alternative {key} removed"),
                        b,
                        new,
                    );
                }
            }
        }
        for (key, b) in &nb {
            if !ob.iter().any(|(k, _)| k == key) {
                let rule = if self.request() {
                    Rule::RequestAlternativeAdded
                } else {
                    Rule::ResponseAlternativeAdded
                };
                self.emit(
                    rule,
                    path,
                    format!("`{new_keyword}` alternative {key} added"),
                    old,
                    b,
                );
            }
        }
        if old_keyword != "oneOf" || new_keyword != "oneOf" || matched.len() > 32 {
            return;
        }
        let direction = self.context.direction;
        for (x, &(i1, j1)) in matched.iter().enumerate() {
            for &(i2, j2) in &matched[x + 1..] {
                if disjoint(self.context.old, &ob[i1].1, &ob[i2].1, direction)
                    && !disjoint(self.context.new, &nb[j1].1, &nb[j2].1, direction)
                {
                    let rule = if self.request() {
                        Rule::RequestOneOfOverlapping
                    } else {
                        Rule::ResponseOneOfOverlapping
                    };
                    let what = format!(
                        "`oneOf` alternatives {} and {} may now both match one value",
                        nb[j1].0, nb[j2].0
                    );
                    self.emit(rule, path, what, new, new);
                }
            }
        }
    }
}

/// Whether no value can match both schemas, as far as cheap evidence shows: disjoint types,
/// disjoint `enum`/`const` values, a property required by both with disjoint values, or a
/// property one requires and the other (closed) does not allow.
fn disjoint(spec: &Spec, a: &Node, b: &Node, direction: Direction) -> bool {
    let (a, _) = resolve(spec, a.clone());
    let (b, _) = resolve(spec, b.clone());
    if let (Some(ta), Some(tb)) = (types(spec, &a, 0), types(spec, &b, 0))
        && !ta
            .iter()
            .any(|t| covers(&tb, t) || (t == "number" && tb.contains("integer")))
    {
        return true;
    }
    let values_apart = |x: &Node, y: &Node| match (enum_values(x), enum_values(y)) {
        (Some(p), Some(q)) => !p.iter().any(|v| q.contains(v)),
        _ => false,
    };
    if values_apart(&a, &b) {
        return true;
    }
    let (va, vb) = (
        object_view(spec, &a, direction),
        object_view(spec, &b, direction),
    );
    for (name, pa) in &va.properties {
        if let Some((_, pb)) = vb.properties.iter().find(|(n, _)| n == name)
            && va.required.contains(name)
            && vb.required.contains(name)
        {
            let (pa, _) = resolve(spec, pa.clone());
            let (pb, _) = resolve(spec, pb.clone());
            if values_apart(&pa, &pb) {
                return true;
            }
        }
    }
    let refused = |required: &BTreeSet<String>, other: &ObjectView| {
        other.closed
            && required
                .iter()
                .any(|r| !other.properties.iter().any(|(n, _)| n == r))
    };
    refused(&va.required, &vb) || refused(&vb.required, &va)
}

/// Whether a parameter value of type `t` that was valid before is written, as text, in a way
/// the new type accepts: any number or boolean is a valid string (when the string has no
/// pattern, format, enum or length limit), and a string limited to digits is a valid integer.
fn wire_covers(old: &Node, new: &Node, new_types: &BTreeSet<String>, t: &str) -> bool {
    let free_string = new_types.contains("string")
        && [
            "pattern",
            "format",
            "enum",
            "const",
            "maxLength",
            "minLength",
        ]
        .iter()
        .all(|k| new.value.get(*k).is_none());
    match t {
        "integer" | "number" | "boolean" => free_string,
        "string" => {
            let digits = old.text("pattern").is_some_and(|p| {
                matches!(
                    p,
                    "^[0-9]+$" | "^\\d+$" | "^[0-9]*$" | "^\\d*$" | "^-?[0-9]+$" | "^-?\\d+$"
                )
            }) || enum_values(old).is_some_and(|values| {
                !values.is_empty()
                    && values
                        .iter()
                        .all(|v| v.as_str().is_some_and(|s| s.parse::<i64>().is_ok()))
            });
            digits && (new_types.contains("integer") || new_types.contains("number"))
        }
        _ => false,
    }
}

/// A JSON value for a message, cut short when long.
fn short_json(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

fn join(path: &str, name: &str) -> String {
    match (path, name) {
        ("", n) => n.to_string(),
        (p, n) if n.starts_with('[') || n.starts_with('(') => format!("{p}{n}"),
        (p, n) => format!("{p}.{n}"),
    }
}

/// Whether a property schema (after `$ref`s) sets `keyword` (`readOnly`/`writeOnly`) to true.
fn carries_flag(spec: &Spec, node: &Node, keyword: &str) -> bool {
    node.flag(keyword) || resolve(spec, node.clone()).0.flag(keyword)
}

/// Whether a schema admits `null`: `Some(true)` / `Some(false)` when its type says so, `None`
/// when it has no type. A `nullable` wrapper (`anyOf` or `oneOf` of `{type: null}` and X) also
/// gives X, the schema it wraps, and so does a one-branch `allOf`/`anyOf`/`oneOf` of X with only
/// annotations beside it (when `one_branch`); otherwise the node itself comes back.
fn split_nullable<'a>(node: &Node<'a>, one_branch: bool) -> (Option<bool>, Node<'a>) {
    match node.value.get("type") {
        Some(Value::String(t)) => return (Some(t == "null"), node.clone()),
        Some(Value::Array(types)) => {
            return (Some(types.iter().any(|t| t == "null")), node.clone());
        }
        _ => {}
    }
    // Only annotations beside the wrapping keyword: the wrapper adds no constraint of its own.
    let wrapper_only = |keyword: &str| {
        node.value.as_object().is_some_and(|o| {
            o.keys().all(|k| {
                k == keyword
                    || k.starts_with("x-")
                    || matches!(
                        k.as_str(),
                        "description" | "title" | "examples" | "deprecated" | "$comment"
                    )
            })
        })
    };
    for keyword in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = node.value.get(keyword)
            && branches.len() == 2
            && let Some(null) = branches.iter().position(is_null_schema)
            && let Some(core) = node
                .child(keyword)
                .and_then(|a| a.child(&(1 - null).to_string()))
        {
            return (Some(true), core);
        }
    }
    // `allOf: [X]` or `oneOf: [X]` (a `$ref` with siblings, written the 3.0 way) is X.
    for keyword in ["allOf", "anyOf", "oneOf"] {
        if one_branch
            && let Some(Value::Array(branches)) = node.value.get(keyword)
            && branches.len() == 1
            && wrapper_only(keyword)
            && let Some(core) = node.child(keyword).and_then(|a| a.child("0"))
        {
            return (None, core);
        }
    }
    (None, node.clone())
}

/// `{type: null}`, `{enum: [null]}` or `{const: null}`: the branch that makes a wrapper
/// nullable.
fn is_null_schema(branch: &Value) -> bool {
    let Some(o) = branch.as_object() else {
        return false;
    };
    o.len() == 1
        && (o.get("type").is_some_and(|t| t == "null")
            || o.get("const").is_some_and(Value::is_null)
            || o.get("enum") == Some(&Value::Array(vec![Value::Null])))
}

/// The types a schema admits besides `null` (`None`: any), with `allOf` members intersected and
/// the type implied by object or array keywords when none is written.
fn types(spec: &Spec, node: &Node, depth: usize) -> Option<BTreeSet<String>> {
    let mut own: Option<BTreeSet<String>> = match node.value.get("type") {
        Some(Value::String(t)) => Some(BTreeSet::from([t.clone()])),
        Some(Value::Array(a)) => Some(
            a.iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect(),
        ),
        _ => {
            let has = |keys: &[&str]| keys.iter().any(|k| node.value.get(*k).is_some());
            if has(&[
                "properties",
                "required",
                "additionalProperties",
                "minProperties",
                "maxProperties",
            ]) {
                Some(BTreeSet::from(["object".to_string()]))
            } else if has(&["items", "prefixItems", "minItems", "maxItems"]) {
                Some(BTreeSet::from(["array".to_string()]))
            } else {
                None
            }
        }
    };
    if let Some(t) = own.as_mut() {
        t.remove("null");
    }
    if depth < 8
        && let Some(members) = node.child("allOf")
        && let Some(list) = members.value.as_array()
    {
        for i in 0..list.len() {
            let Some(member) = members.child(&i.to_string()) else {
                continue;
            };
            let (member, _) = resolve(spec, member);
            if let Some(m) = types(spec, &member, depth + 1) {
                own = Some(match own {
                    None => m,
                    Some(o) => o
                        .iter()
                        .filter(|t| covers(&m, t))
                        .chain(m.iter().filter(|t| covers(&o, t)))
                        .cloned()
                        .collect(),
                });
            }
        }
    }
    own
}

/// Whether the set of types admits every value of type `t` (`number` admits integers).
fn covers(set: &BTreeSet<String>, t: &str) -> bool {
    set.contains(t) || (t == "integer" && set.contains("number"))
}

fn show_types(types: &Option<BTreeSet<String>>) -> String {
    match types {
        None => "any".into(),
        Some(t) if t.is_empty() => "null".into(),
        Some(t) => t.iter().map(String::as_str).collect::<Vec<_>>().join(" | "),
    }
}

/// `enum` values (or `const` as one value), `null` left out (nullability is its own rule).
fn enum_values<'a>(node: &Node<'a>) -> Option<Vec<&'a Value>> {
    if let Some(Value::Array(values)) = node.value.get("enum") {
        return Some(values.iter().filter(|v| !v.is_null()).collect());
    }
    node.value
        .get("const")
        .filter(|v| !v.is_null())
        .map(|v| vec![v])
}

fn show_values(values: &[&Value]) -> String {
    let shown: Vec<String> = values.iter().take(10).map(|v| v.to_string()).collect();
    let more = values.len().saturating_sub(10);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn show_limit(keyword: &str, old: Option<f64>, new: Option<f64>) -> String {
    match (old, new) {
        (Some(o), Some(n)) => format!("{keyword} {o} → {n}"),
        (None, Some(n)) => format!("{keyword} {n} added"),
        (Some(o), None) => format!("{keyword} {o} removed"),
        (None, None) => String::new(),
    }
}

/// The tighter of `maximum` and `exclusiveMaximum`: (value, exclusive).
fn upper(node: &Node) -> Option<(f64, bool)> {
    let inclusive = node.number("maximum").map(|v| (v, false));
    let exclusive = node.number("exclusiveMaximum").map(|v| (v, true));
    match (inclusive, exclusive) {
        (Some(i), Some(e)) => Some(if e.0 <= i.0 { e } else { i }),
        (i, e) => i.or(e),
    }
}

/// The tighter of `minimum` and `exclusiveMinimum`: (value, exclusive).
fn lower(node: &Node) -> Option<(f64, bool)> {
    let inclusive = node.number("minimum").map(|v| (v, false));
    let exclusive = node.number("exclusiveMinimum").map(|v| (v, true));
    match (inclusive, exclusive) {
        (Some(i), Some(e)) => Some(if e.0 >= i.0 { e } else { i }),
        (i, e) => i.or(e),
    }
}

/// `< 5`, `≤ 5` (or `> 5`, `≥ 5`), or `none`.
fn show_bound(bound: Option<(f64, bool)>, strict: &str) -> String {
    match bound {
        None => "none".into(),
        Some((v, true)) => format!("{strict} {v}"),
        Some((v, false)) => format!("{strict}= {v}"),
    }
}

/// The object keywords of a schema and its `allOf` members (followed through `$ref`s).
fn object_view<'a>(spec: &'a Spec, node: &Node<'a>, direction: Direction) -> ObjectView<'a> {
    let mut view = ObjectView {
        properties: Vec::new(),
        required: BTreeSet::new(),
        closed: node.value.get("additionalProperties") == Some(&Value::Bool(false))
            || node.value.get("unevaluatedProperties") == Some(&Value::Bool(false)),
        any: false,
    };
    let directional = direction.required_keyword();
    let mut seen: HashSet<SchemaId> = HashSet::new();
    let mut named: HashSet<&str> = HashSet::new();
    let mut stack = vec![node.clone()];
    while let Some(current) = stack.pop() {
        if let Some(props) = current.child("properties")
            && let Some(map) = props.value.as_object()
        {
            view.any = true;
            for name in map.keys() {
                if !named.contains(name.as_str())
                    && let Some(p) = props.child(name)
                {
                    named.insert(name.as_str());
                    view.properties.push((name.clone(), p));
                }
            }
        }
        for keyword in ["required", directional] {
            if let Some(Value::Array(names)) = current.value.get(keyword) {
                view.any = true;
                view.required
                    .extend(names.iter().filter_map(|n| n.as_str().map(String::from)));
            }
        }
        if let Some(members) = current.child("allOf")
            && let Some(list) = members.value.as_array()
        {
            for i in (0..list.len()).rev() {
                if let Some(member) = members.child(&i.to_string()) {
                    let (member, followed) = resolve(spec, member);
                    if !followed || seen.insert(member.entry) {
                        stack.push(member);
                    }
                }
            }
        }
        if seen.len() > 256 {
            break;
        }
    }
    view
}

fn by_name<'x>(view: &ObjectView<'x>) -> HashMap<String, Node<'x>> {
    view.properties.iter().cloned().collect()
}

/// How to match a `oneOf`/`anyOf` branch across versions: by the component it references
/// (its name), else by position (`#0`).
fn branch_key(spec: &Spec, branch: &Node, index: usize) -> String {
    let (target, followed) = resolve(spec, branch.clone());
    if followed {
        let at = spec.schema_location(target.entry);
        if let Some(name) = pointer::segments(&at.pointer).last() {
            return format!("`{name}`");
        }
    }
    format!("#{index}")
}
