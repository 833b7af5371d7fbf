//! Two normalized schemas compared structurally, knowing which way the value travels.
//!
//! Both sides are JSON Schema 2020-12 entries (`Schemas::get`), whatever dialect the files were
//! written in, so one comparison serves every mix of versions. The walk follows `$ref`s
//! (`#/$defs/<id>`) on both sides together and remembers every pair of nodes it reached through
//! a reference, so recursive schemas end. The question asked at each node is "can a value that
//! was valid before be invalid now?" for requests (clients send old values) and "can the server
//! now send a value old clients never saw?" for responses. Only what the schemas decide is
//! reported: keywords that cannot be compared for inclusion (a changed `pattern`) count as a
//! change, and formats that only restate a range (`int32`, `int64`) or are not checked (`float`,
//! `double`) are left to the range keywords.
//!
//! Limits (documented in docs/commands.md): `allOf` members are merged for properties, `required` and
//! `type` only; `anyOf`/`oneOf` branches are matched by the component they reference, else by
//! position when both lists have the same length; `not`, `if`/`then`/`else`, `prefixItems` and
//! `patternProperties` are not compared.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::{Found, Rule, existing};
use crate::schema::Direction;
use crate::schema::vocab;
use crate::spec::{Location, SchemaId, Spec, pointer};

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
}

/// Which pairs of entries (old, new) are identical: the same normalized JSON, with `$ref`s to
/// identical pairs. Shared by every comparison of one diff, so that a schema graph reached from
/// hundreds of operations (Stripe's) is walked once, not once per operation.
#[derive(Default)]
pub(super) struct Identical {
    known: HashMap<(SchemaId, SchemaId), bool>,
}

impl Identical {
    /// Whether two entries are identical. Pairs reached through references are assumed
    /// identical while they are checked (a bisimulation), so cycles end; when the check
    /// succeeds every pair it assumed is identical, when it fails only the pair asked about is
    /// recorded as different.
    fn check(&mut self, old: &Spec, new: &Spec, a: SchemaId, b: SchemaId) -> bool {
        if let Some(&known) = self.known.get(&(a, b)) {
            return known;
        }
        let mut assumed = HashSet::from([(a, b)]);
        let mut pending = vec![(a, b)];
        let mut refs = Vec::new();
        while let Some((x, y)) = pending.pop() {
            refs.clear();
            let same = same_shape(old.schemas.get(x), new.schemas.get(y), &mut refs)
                && refs.iter().all(|pair| match self.known.get(pair) {
                    Some(&known) => known,
                    None => {
                        if assumed.insert(*pair) {
                            pending.push(*pair);
                        }
                        true
                    }
                });
            if !same {
                self.known.insert((a, b), false);
                return false;
            }
        }
        for pair in assumed {
            self.known.insert(pair, true);
        }
        true
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
    let mut walk = Walk {
        context,
        identical,
        visited: HashSet::new(),
        out,
        too_deep: false,
    };
    let old = entry(context.old, old_id);
    let new = entry(context.new, new_id);
    walk.node(old, new, "", 0, false);
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
    out: &'o mut Vec<Found>,
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

impl<'c, 'o> Walk<'c, 'o> {
    fn emit(&mut self, rule: Rule, path: &str, what: String, old: &Node, new: &Node) {
        let subject = match (self.context.subject.as_str(), path) {
            (s, "") => s.to_string(),
            ("", p) => format!("`{p}`"),
            (s, p) => format!("{s} `{p}`"),
        };
        self.out.push(Found {
            rule,
            operation: Some(self.context.operation.to_string()),
            message: format!("{subject}: {what}"),
            old: Some(location(self.context.old, old)),
            new: Some(location(self.context.new, new)),
        });
    }

    fn request(&self) -> bool {
        self.context.direction == Direction::Request
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
        if old.pointer.is_empty()
            && new.pointer.is_empty()
            && self
                .identical
                .check(self.context.old, self.context.new, old.entry, new.entry)
        {
            return;
        }
        let (old_null, old_core) = split_nullable(&old);
        let (new_null, new_core) = split_nullable(&new);
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
            // A `nullable` wrapper on either side: compare what it wraps.
            self.node(old_core, new_core, path, depth + 1, true);
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
        self.limits(old, new, path);
        self.pattern(old, new, path);
        self.object(old, new, path, depth);
        if let (Some(o), Some(n)) = (old.child("items"), new.child("items"))
            && o.value.is_object()
            && n.value.is_object()
        {
            self.node(o, n, &join(path, "[]"), depth + 1, false);
        }
        if let (Some(o), Some(n)) = (
            old.child("additionalProperties"),
            new.child("additionalProperties"),
        ) && o.value.is_object()
            && n.value.is_object()
        {
            self.node(o, n, &join(path, "*"), depth + 1, false);
        }
        for keyword in ["oneOf", "anyOf"] {
            self.alternatives(old, new, keyword, path, depth);
        }
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
        let o = old.text("format").filter(|f| !RANGE_FORMATS.contains(f));
        let n = new.text("format").filter(|f| !RANGE_FORMATS.contains(f));
        let what = match (o, n) {
            (Some(o), Some(n)) if o != n => format!("format `{o}` → `{n}`"),
            (None, Some(n)) => format!("format `{n}` added"),
            (Some(o), None) => format!("format `{o}` removed"),
            _ => return,
        };
        let rule = match (self.request(), n.is_some()) {
            (true, true) => Rule::RequestFormatChanged,
            (true, false) => Rule::RequestFormatRemoved,
            (false, _) if o.is_some() => Rule::ResponseFormatChanged,
            (false, _) => Rule::ResponseFormatAdded,
        };
        self.emit(rule, path, what, old, new);
    }

    fn enumeration(&mut self, old: &Node, new: &Node, path: &str) {
        let (o, n) = (enum_values(old), enum_values(new));
        let (removed, added): (Vec<&Value>, Vec<&Value>) = match (&o, &n) {
            (Some(o), Some(n)) => (
                o.iter().filter(|v| !n.contains(v)).copied().collect(),
                n.iter().filter(|v| !o.contains(v)).copied().collect(),
            ),
            (None, Some(n)) => {
                let rule = if self.request() {
                    Rule::RequestEnumValueRemoved
                } else {
                    Rule::ResponseEnumValueRemoved
                };
                let what = format!("now limited to {}", show_values(n));
                self.emit(rule, path, what, old, new);
                return;
            }
            (Some(o), None) => {
                let rule = if self.request() {
                    Rule::RequestEnumValueAdded
                } else {
                    Rule::ResponseEnumValueAdded
                };
                let what = format!("no longer limited to {}", show_values(o));
                self.emit(rule, path, what, old, new);
                return;
            }
            (None, None) => return,
        };
        if !removed.is_empty() {
            let rule = if self.request() {
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
            let rule = if self.request() {
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

    fn limits(&mut self, old: &Node, new: &Node, path: &str) {
        // (what, tightened, loosened)
        let mut found: Vec<(String, bool, bool)> = Vec::new();
        for keyword in ["maxLength", "maxItems", "maxProperties"] {
            let (o, n) = (old.number(keyword), new.number(keyword));
            found.push((
                show_limit(keyword, o, n),
                matches!((o, n), (None, Some(_))) || matches!((o, n), (Some(o), Some(n)) if n < o),
                matches!((o, n), (Some(_), None)) || matches!((o, n), (Some(o), Some(n)) if n > o),
            ));
        }
        for keyword in ["minLength", "minItems", "minProperties"] {
            // 0 is no limit at all.
            let (o, n) = (
                old.number(keyword).filter(|&v| v > 0.0),
                new.number(keyword).filter(|&v| v > 0.0),
            );
            found.push((
                show_limit(keyword, o, n),
                matches!((o, n), (None, Some(_))) || matches!((o, n), (Some(o), Some(n)) if n > o),
                matches!((o, n), (Some(_), None)) || matches!((o, n), (Some(o), Some(n)) if n < o),
            ));
        }
        // Numeric bounds: `maximum` and `exclusiveMaximum` together make one upper bound.
        let (o, n) = (upper(old), upper(new));
        let key = |(v, exclusive): (f64, bool)| (v, if exclusive { 0 } else { 1 });
        found.push((
            format!(
                "upper bound {} → {}",
                show_bound(o, "<"),
                show_bound(n, "<")
            ),
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
        ));
        let (o, n) = (lower(old), lower(new));
        let key = |(v, exclusive): (f64, bool)| (v, if exclusive { 1 } else { 0 });
        found.push((
            format!(
                "lower bound {} → {}",
                show_bound(o, ">"),
                show_bound(n, ">")
            ),
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
        ));
        let (o, n) = (old.number("multipleOf"), new.number("multipleOf"));
        let divides = |a: f64, b: f64| b != 0.0 && (a / b).fract() == 0.0;
        found.push((
            show_limit("multipleOf", o, n),
            n.is_some_and(|n| o.is_none_or(|o| !divides(o, n))),
            o.is_some_and(|o| n.is_none_or(|n| !divides(n, o))),
        ));
        let (o, n) = (old.flag("uniqueItems"), new.flag("uniqueItems"));
        found.push((format!("uniqueItems {o} → {n}"), !o && n, o && !n));
        for (what, tightened, loosened) in found {
            let rule = match (self.request(), tightened, loosened) {
                (true, true, _) => Rule::RequestLimitTightened,
                (true, false, true) => Rule::RequestLimitLoosened,
                (false, _, true) => Rule::ResponseLimitLoosened,
                (false, true, false) => Rule::ResponseLimitTightened,
                _ => continue,
            };
            self.emit(rule, path, what, old, new);
        }
    }

    fn pattern(&mut self, old: &Node, new: &Node, path: &str) {
        let (o, n) = (old.text("pattern"), new.text("pattern"));
        let what = match (o, n) {
            (Some(o), Some(n)) if o != n => format!("pattern `{o}` → `{n}`"),
            (None, Some(n)) => format!("pattern `{n}` added"),
            (Some(o), None) => format!("pattern `{o}` removed"),
            _ => return,
        };
        let rule = match (self.request(), n.is_some()) {
            (true, true) => Rule::RequestPatternChanged,
            (true, false) => Rule::RequestPatternRemoved,
            (false, _) if o.is_some() => Rule::ResponsePatternChanged,
            (false, _) => Rule::ResponsePatternAdded,
        };
        self.emit(rule, path, what, old, new);
    }

    fn object(&mut self, old: &Node, new: &Node, path: &str, depth: usize) {
        let direction = self.context.direction;
        let o = object_view(self.context.old, old, direction);
        let n = object_view(self.context.new, new, direction);
        if !o.any && !n.any {
            return;
        }
        let request = self.request();
        let mut names: Vec<&String> = o.properties.iter().map(|(name, _)| name).collect();
        for name in o
            .required
            .iter()
            .chain(n.properties.iter().map(|(name, _)| name))
            .chain(&n.required)
        {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        for name in names {
            let op = o.properties.iter().find(|(p, _)| p == name).map(|(_, p)| p);
            let np = n.properties.iter().find(|(p, _)| p == name).map(|(_, p)| p);
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
            if let (Some(op), Some(np)) = (op, np) {
                self.node(op.clone(), np.clone(), &here, depth + 1, false);
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

    fn alternatives(&mut self, old: &Node, new: &Node, keyword: &str, path: &str, depth: usize) {
        let (Some(o), Some(n)) = (old.child(keyword), new.child(keyword)) else {
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
        for (key, b) in &ob {
            match nb.iter().find(|(k, _)| k == key) {
                Some((_, m)) => {
                    if by_position || !key.starts_with('#') {
                        self.node(b.clone(), m.clone(), path, depth + 1, false);
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
                        format!("`{keyword}` alternative {key} removed"),
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
                    format!("`{keyword}` alternative {key} added"),
                    old,
                    b,
                );
            }
        }
    }
}

fn join(path: &str, name: &str) -> String {
    match (path, name) {
        ("", n) => n.to_string(),
        (p, "[]") => format!("{p}[]"),
        (p, n) => format!("{p}.{n}"),
    }
}

/// Whether a property schema (after `$ref`s) sets `keyword` (`readOnly`/`writeOnly`) to true.
fn carries_flag(spec: &Spec, node: &Node, keyword: &str) -> bool {
    node.flag(keyword) || resolve(spec, node.clone()).0.flag(keyword)
}

/// Whether a schema admits `null`: `Some(true)` / `Some(false)` when its type says so, `None`
/// when it has no type. A `nullable` wrapper (`anyOf: [{type: null}, X]`) also gives X, the
/// schema it wraps; otherwise the node itself comes back.
fn split_nullable<'a>(node: &Node<'a>) -> (Option<bool>, Node<'a>) {
    match node.value.get("type") {
        Some(Value::String(t)) => return (Some(t == "null"), node.clone()),
        Some(Value::Array(types)) => {
            return (Some(types.iter().any(|t| t == "null")), node.clone());
        }
        _ => {}
    }
    if let Some(Value::Array(branches)) = node.value.get("anyOf")
        && branches.len() == 2
        && let Some(null) = branches
            .iter()
            .position(|b| b.as_object().is_some_and(|o| o.len() == 1) && b["type"] == "null")
        && let Some(core) = node
            .child("anyOf")
            .and_then(|a| a.child(&(1 - null).to_string()))
    {
        return (Some(true), core);
    }
    (None, node.clone())
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
    let mut stack = vec![node.clone()];
    while let Some(current) = stack.pop() {
        if let Some(props) = current.child("properties")
            && let Some(map) = props.value.as_object()
        {
            view.any = true;
            for name in map.keys() {
                if !view.properties.iter().any(|(n, _)| n == name)
                    && let Some(p) = props.child(name)
                {
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
