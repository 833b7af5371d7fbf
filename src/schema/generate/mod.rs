//! Values from schemas: proptest strategies compiled from a spec's normalized schemas.
//!
//! One compiler serves two consumers. The mock draws one deterministic value
//! ([`Generator::sample`]) when a response documents no example ([`documented_example`]); the
//! conformance runner draws many random valid values ([`Generator::strategy`]). Why it is shaped
//! this way:
//!
//! - **Combinators, not an interpreter.** A schema compiles to ordinary proptest combinators
//!   (`prop_map`, `Union`, `collection::vec`, `option::weighted`...), so runner failures shrink:
//!   optional properties disappear, arrays lose items, numbers move toward zero.
//! - **Owned strategies.** A `BoxedStrategy` must be `'static`, so it cannot borrow the spec's
//!   [`Schemas`]. Everything a strategy needs is copied out of the schema while compiling. Where
//!   a node cannot be generated exactly (`oneOf`, `not`, `if`, unmergeable `allOf`, regexes with
//!   look-arounds, ...), the strategy filters by a validator of that node. The filter can't use
//!   `Schemas`' validators (borrowed), so a private *checker* copies the entries reachable from the
//!   root (applying the direction's `required`, as `crate::validate` does) and compiles
//!   validators for the filtered nodes lazily, on first draw. [`Generator::strategy`] also
//!   filters every value by the root entry, so what it yields validates.
//! - **Cheap samples.** [`Generator::sample`] builds the strategy *without* the checker and
//!   validates with `Schemas::is_valid` (compiled once per entry), retrying with other seeds. The
//!   mock pays for the checker only when a schema defeats 16 unfiltered draws.
//! - **Exactness is tracked.** Compiling a node reports whether every value it yields is valid
//!   for that node. Only inexact nodes get a filter, close to where the problem is, so one
//!   `oneOf` deep in a body doesn't make the whole body retry.
//! - **Bounded recursion.** `$ref`s are expanded eagerly and memoized per (entry, nesting
//!   level), so a DAG of references compiles each entry once or twice however many paths lead
//!   to it (a Stripe response body: about 10 ms to compile and draw). After
//!   [`Options::max_depth`] `$ref` hops, or when an entry already nests inside itself
//!   [`Options::max_recursion`] times, values take their *shortest shape*: required properties
//!   only, `minItems` items, `null` when allowed, the `anyOf`/`oneOf` branch with the fewest
//!   `$ref`s. A schema that can't finish (a required property of its own type) yields `null`,
//!   which the filters then reject.
//! - **Small values.** Strings stay within [`Options::max_string_length`] chars and arrays within
//!   [`Options::max_items`] items unless `minLength`/`minItems` demand more; unbounded numbers
//!   stay within 0..=1000; patterns' unbounded repetitions are capped at 8.
//!
//! Patterns are ECMA-262 and searched (unanchored); proptest generates full matches of a
//! Rust-syntax regex without anchors. `translate_pattern` bridges the two: anchors are dropped
//! (a full match of the rest also matches the original), `\d`, `\w`, `.` become ASCII classes
//! (subsets of what ECMA accepts), look-arounds, backreferences and word boundaries are dropped
//! and the node is marked inexact (filtered).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Registry, Validator};
use proptest::collection::vec;
use proptest::prelude::{Just, Strategy, any};
use proptest::strategy::{BoxedStrategy, Union, ValueTree};
use proptest::string::string_regex;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use crate::spec::SchemaId;
use crate::spec::normalize::{LISTS, MAPS, REQUIRED_IN_REQUESTS, REQUIRED_IN_RESPONSES, SINGLE};
use crate::validate::{Direction, Schemas};

/// Limits on the size of generated values.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Longest string generated when `maxLength` allows more (a larger `minLength` wins).
    pub max_string_length: usize,
    /// Most array items generated when `maxItems` allows more (a larger `minItems` wins).
    pub max_items: usize,
    /// Chance, between 0 and 1, that an optional property is present.
    pub optional_probability: f64,
    /// `$ref` hops after which values take their shortest shape. Counted on the first path
    /// that reaches an entry (entries are compiled once): an entry reached again by a deeper
    /// path keeps the shape it got first, so values may nest somewhat deeper than this.
    pub max_depth: u32,
    /// How many times an entry may already be nested inside itself before values take their
    /// shortest shape (2: a tree has at most three levels).
    pub max_recursion: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_string_length: 32,
            max_items: 4,
            optional_probability: 0.5,
            max_depth: 6,
            max_recursion: 2,
        }
    }
}

/// Compiles schemas of one spec into strategies for one direction of an exchange: `readOnly`
/// properties are never generated in requests nor `writeOnly` ones in responses, and
/// `x-stipula-required-in-*` properties are generated only in their direction.
#[derive(Debug, Clone)]
pub struct Generator<'a> {
    schemas: &'a Schemas,
    direction: Direction,
    options: Options,
}

/// Unfiltered draws [`Generator::sample`] tries before it builds a filtered strategy.
const SAMPLE_ATTEMPTS: u32 = 16;
/// Draws from the filtered strategy after that.
const CHECKED_ATTEMPTS: u32 = 3;
/// Rejections one draw may go through in [`Generator::sample`].
const SAMPLE_REJECTS: u32 = 2_000;

impl<'a> Generator<'a> {
    /// A generator with the default [`Options`].
    pub fn new(schemas: &'a Schemas, direction: Direction) -> Self {
        Generator {
            schemas,
            direction,
            options: Options::default(),
        }
    }

    /// The same generator with other size limits.
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// The size limits in use.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// A strategy for valid values of entry `id`: every value it yields passes
    /// `Schemas::is_valid(id, direction, _)` (a final filter makes sure). A schema no value
    /// satisfies (`false`, `minimum` above `maximum`, a required property of its own type...)
    /// gives a strategy whose every draw is rejected: `new_tree` fails with "too many local
    /// rejects" instead of yielding a value. Shrinking works as proptest's combinators do.
    pub fn strategy(&self, id: SchemaId) -> BoxedStrategy<Value> {
        let checker = Arc::new(Checker::new(self.schemas, id, self.direction));
        let generated = self.compile_root(id, Some(Arc::clone(&checker)));
        let check = Check::new(checker, id.0.to_string());
        generated
            .s
            .prop_filter("valid for the schema", move |v| check.ok(v))
            .boxed()
    }

    /// One value, deterministic for (schema, seed, options): the mock's fallback when nothing is
    /// documented. Draws with a ChaCha RNG seeded from `seed`; when the value doesn't validate
    /// (`oneOf` branches that overlap, `not`, patterns with look-arounds...), draws again with
    /// derived seeds, then from the filtered [`Generator::strategy`]. When nothing validates,
    /// returns the first value drawn (best effort; `null` if none could be drawn, as for `false`).
    pub fn sample(&self, id: SchemaId, seed: u64) -> Value {
        let raw = self.compile_root(id, None).s;
        let mut first = None;
        for attempt in 0..SAMPLE_ATTEMPTS {
            if let Some(v) = draw(&raw, seed, attempt) {
                if self.schemas.is_valid(id, self.direction, &v) {
                    return v;
                }
                first.get_or_insert(v);
            }
        }
        let checked = self.strategy(id);
        for attempt in SAMPLE_ATTEMPTS..SAMPLE_ATTEMPTS + CHECKED_ATTEMPTS {
            if let Some(v) = draw(&checked, seed, attempt)
                && self.schemas.is_valid(id, self.direction, &v)
            {
                return v;
            }
        }
        first.unwrap_or(Value::Null)
    }

    /// The compiled entry, filtered by `checker` where inexact (no filters without one).
    fn compile_root(&self, id: SchemaId, checker: Option<Arc<Checker>>) -> Gen {
        let mut compiler = Compiler {
            schemas: self.schemas,
            direction: self.direction,
            options: &self.options,
            checker,
            memo: HashMap::new(),
            in_progress: HashSet::new(),
            stack: Vec::new(),
        };
        compiler.entry(id.0, Ctx::ROOT)
    }
}

/// One draw of `strategy` with the RNG seeded from (seed, attempt).
fn draw(strategy: &BoxedStrategy<Value>, seed: u64, attempt: u32) -> Option<Value> {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed, u64::from(attempt)));
    let config = Config {
        max_local_rejects: SAMPLE_REJECTS,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    strategy
        .new_tree(&mut runner)
        .ok()
        .map(|tree| tree.current())
}

/// 32 RNG seed bytes from (seed, salt), by splitmix64 (also the runner's per-unit seeds).
pub(crate) fn seed_bytes(seed: u64, salt: u64) -> [u8; 32] {
    let mut state = seed ^ salt.wrapping_mul(0xA076_1D64_78BD_642F);
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Documented examples

/// How deep [`documented_example`] follows properties and `$ref`s.
const EXAMPLE_DEPTH: u32 = 8;

/// The documented example of a schema, when it has one: `examples[0]` (the normalizer turns
/// `example` into `examples`), else `default`, else `const` or a single-value `enum`, else the
/// example of its `$ref` target, else the first `anyOf`/`oneOf` branch (other than `null`) that
/// has one, else an object assembled from its properties' examples (through `$ref`s and `allOf`,
/// to a bounded depth) when every property required in `direction` got one, else `[item]` for
/// an array whose `items` has one and `minItems` ≤ 1. Properties the direction excludes
/// (`readOnly` in requests, `writeOnly` in responses) are left out of assembled objects.
/// `None` otherwise. Documented values are returned as written: they are not validated here.
pub fn documented_example(schemas: &Schemas, id: SchemaId, direction: Direction) -> Option<Value> {
    example_of(schemas, schemas.get(id), direction, 0)
}

fn example_of(
    schemas: &Schemas,
    schema: &Value,
    direction: Direction,
    depth: u32,
) -> Option<Value> {
    if depth > EXAMPLE_DEPTH {
        return None;
    }
    let m = schema.as_object()?;
    if let Some(first) = m
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return Some(first.clone());
    }
    if let Some(d) = m.get("default") {
        return Some(d.clone());
    }
    if let Some(c) = m.get("const") {
        return Some(c.clone());
    }
    if let Some(Value::Array(e)) = m.get("enum")
        && e.len() == 1
    {
        return Some(e[0].clone());
    }
    if let Some(target) = ref_target(schemas, m)
        && let Some(x) = example_of(schemas, target, direction, depth + 1)
    {
        return Some(x);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = m.get(key) {
            for b in branches.iter().filter(|b| !is_null_only(schemas, b)) {
                if let Some(x) = example_of(schemas, b, direction, depth + 1) {
                    return Some(x);
                }
            }
        }
    }
    if let Some(object) = assemble_example(schemas, m, direction, depth) {
        return Some(object);
    }
    if let Some(items) = m.get("items")
        && usize_kw(m, "minItems").unwrap_or(0) <= 1
        && let Some(x) = example_of(schemas, items, direction, depth + 1)
    {
        return Some(Value::Array(vec![x]));
    }
    None
}

/// An object from the examples of `m`'s properties (and those of its `$ref` target and `allOf`
/// branches), when every required property got one.
fn assemble_example(
    schemas: &Schemas,
    m: &Map<String, Value>,
    direction: Direction,
    depth: u32,
) -> Option<Value> {
    let mut props = Vec::new();
    let mut required = Vec::new();
    let mut whole = Vec::new();
    collect_shape(
        schemas,
        m,
        direction,
        depth,
        &mut props,
        &mut required,
        &mut whole,
    );
    let mut out = Map::new();
    for (name, sub) in props {
        if out.contains_key(&name) || skip_for_direction(schemas, direction, sub) {
            continue;
        }
        if let Some(x) = example_of(schemas, sub, direction, depth + 1) {
            out.insert(name, x);
        }
    }
    for example in whole {
        if let Value::Object(o) = example {
            for (k, v) in o {
                out.entry(k).or_insert(v);
            }
        }
    }
    (!out.is_empty() && required.iter().all(|r| out.contains_key(r))).then_some(Value::Object(out))
}

/// Properties, required names and whole-object examples of `m` and of the schemas it is
/// combined with by `$ref` and `allOf`.
fn collect_shape<'s>(
    schemas: &'s Schemas,
    m: &'s Map<String, Value>,
    direction: Direction,
    depth: u32,
    props: &mut Vec<(String, &'s Value)>,
    required: &mut Vec<String>,
    whole: &mut Vec<Value>,
) {
    if depth > EXAMPLE_DEPTH {
        return;
    }
    if let Some(Value::Object(p)) = m.get("properties") {
        props.extend(p.iter().map(|(k, v)| (k.clone(), v)));
    }
    required.extend(names(m.get("required")));
    required.extend(names(m.get(required_keyword(direction))));
    let mut parts: Vec<&Value> = ref_target(schemas, m).into_iter().collect();
    if let Some(Value::Array(all)) = m.get("allOf") {
        parts.extend(all);
    }
    for part in parts {
        if let Value::Object(pm) = part {
            if let Some(x) = pm
                .get("examples")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
                .or_else(|| pm.get("default"))
            {
                whole.push(x.clone());
            }
            collect_shape(schemas, pm, direction, depth + 1, props, required, whole);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The compiler

/// A compiled node: its strategy, and whether every value of it is valid for the node.
#[derive(Clone)]
struct Gen {
    s: BoxedStrategy<Value>,
    exact: bool,
}

impl Gen {
    fn exact(s: BoxedStrategy<Value>) -> Self {
        Gen { s, exact: true }
    }
}

/// Where in the expansion a node is.
#[derive(Clone, Copy)]
struct Ctx {
    /// `$ref` hops from the root.
    depth: u32,
    /// Generate the shortest shape.
    minimal: bool,
    /// In-place expansions (`anyOf` branches, `allOf` merges) since the last `$ref` hop: a
    /// guard against in-place cycles, which loading already reports as errors.
    in_place: u32,
}

impl Ctx {
    const ROOT: Ctx = Ctx {
        depth: 0,
        minimal: false,
        in_place: 0,
    };

    fn in_place(self) -> Ctx {
        Ctx {
            in_place: self.in_place + 1,
            ..self
        }
    }
}

const MAX_IN_PLACE: u32 = 24;
/// How deep `flatten` follows `$ref` and `allOf`.
const MAX_FLATTEN: u32 = 16;
/// Integer values (or multiples) generated in a wide range: a window of this width.
const INT_WINDOW: i128 = 1_000;
/// Hundredths generated for unconstrained numbers: a window of this width (0.00..=1000.00).
const HUNDREDTHS_WINDOW: i128 = 100_000;

struct Compiler<'a> {
    schemas: &'a Schemas,
    direction: Direction,
    options: &'a Options,
    checker: Option<Arc<Checker>>,
    memo: HashMap<(u32, u32), Gen>,
    in_progress: HashSet<(u32, u32)>,
    /// Entries being expanded, outermost first.
    stack: Vec<u32>,
}

impl<'a> Compiler<'a> {
    /// Entry `id` reached by a `$ref` (or as the root).
    fn entry(&mut self, id: u32, ctx: Ctx) -> Gen {
        if id as usize >= self.schemas.len() {
            return any_gen();
        }
        let depth = if self.stack.is_empty() {
            0
        } else {
            ctx.depth + 1
        };
        let nested = self.stack.iter().filter(|&&e| e == id).count();
        let minimal =
            ctx.minimal || depth > self.options.max_depth || nested >= self.options.max_recursion;
        // Not keyed by depth: a DAG of references compiles each entry once (twice when
        // recursive), whatever the number of paths to it. The depth limit then holds on the
        // first path that reached an entry; values reached later by a deeper path may nest
        // deeper than `max_depth`, which only affects their size.
        let key = (id, if minimal { u32::MAX } else { nested as u32 });
        if let Some(g) = self.memo.get(&key) {
            return g.clone();
        }
        if !self.in_progress.insert(key) {
            // Even the shortest shape contains itself: no finite value.
            return Gen {
                s: Just(Value::Null).boxed(),
                exact: false,
            };
        }
        self.stack.push(id);
        let schemas = self.schemas;
        let g = self.compile(
            schemas.get(SchemaId(id)),
            Ctx {
                depth,
                minimal,
                in_place: 0,
            },
        );
        self.stack.pop();
        self.in_progress.remove(&key);
        self.memo.insert(key, g.clone());
        g
    }

    /// Any schema as written (or synthesized faithfully, like `allOf: [a, b]`).
    fn compile(&mut self, schema: &Value, ctx: Ctx) -> Gen {
        let g = match schema {
            Value::Bool(false) => return never(),
            Value::Object(m) => {
                if ctx.in_place > MAX_IN_PLACE {
                    Gen {
                        s: any_value(),
                        exact: false,
                    }
                } else if let Some(target) = sole_ref(m) {
                    return self.entry(target, ctx);
                } else if let Some(single) = sole_all_of(m) {
                    self.compile(single, ctx.in_place())
                } else if m.contains_key("$ref") || m.contains_key("allOf") {
                    let (flat, exact) = self.flatten(m, 0);
                    let mut g = self.compile_flat(&flat, ctx.in_place());
                    g.exact &= exact;
                    g
                } else {
                    self.compile_flat(m, ctx)
                }
            }
            _ => return any_gen(),
        };
        self.checked(g, schema)
    }

    /// `g`, filtered by `schema`'s validator if inexact and a checker is at hand.
    fn checked(&self, g: Gen, schema: &Value) -> Gen {
        match &self.checker {
            Some(checker) if !g.exact => {
                let key = checker.register(schema);
                let check = Check::new(Arc::clone(checker), key);
                Gen::exact(
                    g.s.prop_filter("valid for a subschema", move |v| check.ok(v))
                        .boxed(),
                )
            }
            _ => g,
        }
    }

    /// `m` with its `$ref` target and `allOf` branches merged in (recursively); false when the
    /// merge lost a constraint (the caller's node then needs its filter).
    fn flatten(&self, m: &Map<String, Value>, depth: u32) -> (Map<String, Value>, bool) {
        let mut out: Map<String, Value> = m
            .iter()
            .filter(|(k, _)| *k != "$ref" && *k != "allOf")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if depth > MAX_FLATTEN {
            return (out, false);
        }
        let mut exact = true;
        let mut parts: Vec<&Value> = ref_target(self.schemas, m).into_iter().collect();
        if let Some(Value::Array(all)) = m.get("allOf") {
            parts.extend(all);
        }
        for part in parts {
            match part {
                Value::Object(pm) => {
                    let (flat, e) = self.flatten(pm, depth + 1);
                    exact &= e;
                    exact &= merge_into(&mut out, flat);
                }
                Value::Bool(false) => {
                    out.insert("not".into(), json!({}));
                }
                _ => {}
            }
        }
        (out, exact)
    }

    /// A schema without `$ref` and `allOf`.
    fn compile_flat(&mut self, m: &Map<String, Value>, ctx: Ctx) -> Gen {
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = m.get(key) {
                let mut rest = m.clone();
                rest.remove(key);
                return self.alternatives(&rest, branches, key == "oneOf", ctx);
            }
        }
        if let Some(not) = m.get("not") {
            let mut rest = m.clone();
            rest.remove("not");
            let exact = match not {
                Value::Bool(false) => true,
                Value::Bool(true) => return never(),
                Value::Object(n) if !has_validation(n) => return never(),
                Value::Object(n) => subtract_types(&mut rest, n),
                _ => true,
            };
            let mut g = self.compile_flat(&rest, ctx);
            g.exact &= exact;
            return g;
        }
        let mut g = self.typed(m, ctx);
        if [
            "if",
            "then",
            "else",
            "dependentSchemas",
            "dependentRequired",
            "unevaluatedProperties",
            "unevaluatedItems",
        ]
        .iter()
        .any(|k| m.contains_key(*k))
        {
            g.exact = false;
        }
        g
    }

    /// `anyOf` / `oneOf`: a union of the branches, each merged with the siblings `rest`.
    fn alternatives(
        &mut self,
        rest: &Map<String, Value>,
        branches: &[Value],
        one_of: bool,
        ctx: Ctx,
    ) -> Gen {
        let chosen: Vec<usize> = if ctx.minimal {
            self.cheapest(branches).into_iter().collect()
        } else {
            (0..branches.len()).collect()
        };
        let trivial = !has_validation(rest);
        let mut options = Vec::new();
        let mut exact = !one_of;
        for i in chosen {
            let branch = &branches[i];
            let g = if trivial {
                self.compile(branch, ctx.in_place())
            } else {
                let (flat, e) = match branch {
                    Value::Object(bm) => self.flatten(bm, 0),
                    Value::Bool(false) => continue,
                    _ => (Map::new(), true),
                };
                let mut merged = rest.clone();
                let e2 = merge_into(&mut merged, flat);
                let mut g = self.compile_flat(&merged, ctx.in_place());
                g.exact &= e && e2;
                g
            };
            exact &= g.exact;
            let weight = if is_null_only(self.schemas, branch) {
                1
            } else {
                3
            };
            options.push((weight, g.s));
        }
        if options.is_empty() {
            return never();
        }
        Gen {
            s: Union::new_weighted(options).boxed(),
            exact,
        }
    }

    /// The branch with the shortest values, roughly: `null`, else the fewest `$ref`s, avoiding
    /// entries being expanded.
    fn cheapest(&self, branches: &[Value]) -> Option<usize> {
        let cost = |b: &Value| -> usize {
            if is_null_only(self.schemas, b) {
                return 0;
            }
            let mut refs = Vec::new();
            collect_refs(b, &mut refs);
            1 + refs.len() + 100 * refs.iter().filter(|r| self.stack.contains(r)).count()
        };
        (0..branches.len())
            .filter(|&i| branches[i] != Value::Bool(false))
            .min_by_key(|&i| cost(&branches[i]))
    }

    /// By `type` (declared or inferred from the keywords), `enum` and `const`.
    fn typed(&mut self, m: &Map<String, Value>, ctx: Ctx) -> Gen {
        if let Some(c) = m.get("const") {
            return Gen {
                s: Just(c.clone()).boxed(),
                exact: quick_ok(m, c) && !deep_keywords(m),
            };
        }
        if let Some(Value::Array(values)) = m.get("enum") {
            let ok: Vec<Value> = values.iter().filter(|v| quick_ok(m, v)).cloned().collect();
            let exact = !ok.is_empty()
                && !deep_keywords(m)
                && !m.contains_key("pattern")
                && !m.contains_key("format");
            let pool = if ok.is_empty() { values.clone() } else { ok };
            if pool.is_empty() {
                return never();
            }
            return Gen {
                s: proptest::sample::select(pool).boxed(),
                exact,
            };
        }
        let types: Vec<&str> = match m.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => inferred_types(m),
        };
        if types.is_empty() {
            return if m.contains_key("type") {
                never()
            } else {
                any_gen()
            };
        }
        if ctx.minimal && types.contains(&"null") {
            return Gen::exact(Just(Value::Null).boxed());
        }
        let mut options = Vec::new();
        let mut exact = true;
        for t in types {
            let g = match t {
                "string" => self.string(m),
                "integer" => integer(m),
                "number" => number(m),
                "boolean" => Gen::exact(any::<bool>().prop_map(Value::Bool).boxed()),
                "null" => Gen::exact(Just(Value::Null).boxed()),
                "object" => self.object(m, ctx),
                "array" => self.array(m, ctx),
                _ => continue,
            };
            exact &= g.exact;
            options.push((if t == "null" { 1 } else { 3 }, g.s));
        }
        match options.len() {
            0 => never(),
            1 => Gen {
                s: options.pop().map(|(_, s)| s).unwrap_or_else(|| never().s),
                exact,
            },
            _ => Gen {
                s: Union::new_weighted(options).boxed(),
                exact,
            },
        }
    }

    fn string(&self, m: &Map<String, Value>) -> Gen {
        let lo = usize_kw(m, "minLength").unwrap_or(0);
        if lo > MAX_DEMANDED_SIZE {
            return never();
        }
        let max_declared = usize_kw(m, "maxLength");
        let hi = max_declared
            .unwrap_or(usize::MAX)
            .min(lo.max(self.options.max_string_length));
        if lo > hi {
            return never();
        }
        let limit = max_declared.unwrap_or(usize::MAX);
        let format = m.get("format").and_then(Value::as_str);
        let pattern = m.get("pattern").and_then(Value::as_str).map(|p| {
            pattern_strategy(p, lo, lo <= self.options.max_string_length)
                .unwrap_or_else(|| (plain_string(lo, hi), false))
        });
        let (base, exact) = match (pattern, format.and_then(format_strategy)) {
            (Some(p), None) => p,
            (None, Some(f)) => (f, true),
            (None, None) => (plain_string(lo, hi), true),
            // Usually the pattern loosely checks the format, sometimes it narrows it: try both,
            // the filter keeps what satisfies both.
            (Some((p, _)), Some(f)) => (Union::new([f, p]).boxed(), false),
        };
        let s = base
            .prop_filter("minLength/maxLength", move |s| {
                let n = s.chars().count();
                n >= lo && n <= limit
            })
            .prop_map(Value::String)
            .boxed();
        Gen { s, exact }
    }

    fn object(&mut self, m: &Map<String, Value>, ctx: Ctx) -> Gen {
        let empty = Map::new();
        let props = m
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut required: Vec<String> = Vec::new();
        for n in names(m.get("required")).chain(names(m.get(required_keyword(self.direction)))) {
            if !required.contains(&n) {
                required.push(n);
            }
        }
        let additional = m.get("additionalProperties");
        let closed = additional == Some(&Value::Bool(false));
        let min_props = usize_kw(m, "minProperties").unwrap_or(0);
        if min_props > MAX_DEMANDED_SIZE {
            return never();
        }
        let max_props = usize_kw(m, "maxProperties");
        let mut exact = true;
        let mut keep = required.clone();
        let mut parts: Vec<BoxedStrategy<Vec<(String, Value)>>> = Vec::new();

        for (name, sub) in props {
            let is_required = required.contains(name);
            if !is_required
                && (*sub == Value::Bool(false)
                    || skip_for_direction(self.schemas, self.direction, sub))
            {
                continue;
            }
            let promote = !is_required && keep.len() < min_props;
            if !is_required && !promote && ctx.minimal {
                continue;
            }
            let g = self.compile(sub, ctx);
            exact &= g.exact;
            let name = name.clone();
            if is_required || promote {
                if promote {
                    keep.push(name.clone());
                }
                parts.push(g.s.prop_map(move |v| vec![(name.clone(), v)]).boxed());
            } else {
                parts.push(
                    proptest::option::weighted(self.options.optional_probability, g.s)
                        .prop_map(move |v| v.map(|v| vec![(name.clone(), v)]).unwrap_or_default())
                        .boxed(),
                );
            }
        }

        // Required names no property declares: additionalProperties (or patternProperties,
        // which the filter checks) decides their values.
        let extra_value = |this: &mut Self| match additional {
            Some(s @ Value::Object(_)) => this.compile(s, ctx),
            _ => any_gen(),
        };
        for name in required.iter().filter(|n| !props.contains_key(*n)) {
            let g = extra_value(self);
            exact &= g.exact && !closed && !m.contains_key("patternProperties");
            let name = name.clone();
            parts.push(g.s.prop_map(move |v| vec![(name.clone(), v)]).boxed());
        }

        // Extra keys: a map-like schema gets a few, minProperties may demand some.
        let deficit = min_props.saturating_sub(keep.len());
        let extra_max = match additional {
            Some(Value::Object(_)) if !ctx.minimal => deficit.max(2),
            _ => deficit,
        };
        if extra_max > 0 {
            if closed {
                exact = false;
            } else {
                let value = extra_value(self);
                exact &= value.exact;
                let key = self.key_strategy(m.get("propertyNames"));
                let declared: Vec<String> = props.keys().chain(required.iter()).cloned().collect();
                parts.push(
                    vec((key, value.s), deficit..=extra_max)
                        .prop_map(move |kvs| {
                            kvs.into_iter()
                                .filter(|(k, _)| !declared.contains(k))
                                .collect()
                        })
                        .boxed(),
                );
            }
        }

        if let Some(Value::Object(patterns)) = m.get("patternProperties") {
            exact = false;
            if !ctx.minimal {
                for (pattern, sub) in patterns {
                    let Some((keys, _)) = pattern_strategy(pattern, 0, true) else {
                        continue;
                    };
                    let g = self.compile(sub, ctx);
                    let declared: Vec<String> = props.keys().cloned().collect();
                    parts.push(
                        proptest::option::weighted(0.5, (keys, g.s))
                            .prop_map(move |kv| {
                                kv.into_iter()
                                    .filter(|(k, _)| !declared.contains(k))
                                    .collect()
                            })
                            .boxed(),
                    );
                }
            }
        }
        if m.contains_key("propertyNames") {
            exact = false;
        }

        let s = parts.prop_map(move |parts| {
            let mut object = Map::new();
            for (k, v) in parts.into_iter().flatten() {
                object.entry(k).or_insert(v);
            }
            if let Some(max) = max_props
                && object.len() > max
            {
                let mut excess = object.len() - max;
                let mut drop = Vec::new();
                for k in object.keys().rev() {
                    if excess == 0 {
                        break;
                    }
                    if !keep.contains(k) {
                        drop.push(k.clone());
                        excess -= 1;
                    }
                }
                object.retain(|k, _| !drop.contains(k));
            }
            Value::Object(object)
        });
        let s = if min_props > 0 {
            s.prop_filter("minProperties", move |v| {
                v.as_object().is_none_or(|o| o.len() >= min_props)
            })
            .boxed()
        } else {
            s.boxed()
        };
        Gen { s, exact }
    }

    /// Names for extra properties: from `propertyNames` when given.
    fn key_strategy(&mut self, names: Option<&Value>) -> BoxedStrategy<String> {
        if let Some(Value::Object(pn)) = names {
            if let Some(Value::Array(values)) = pn.get("enum") {
                let strings: Vec<String> = values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                if !strings.is_empty() {
                    return proptest::sample::select(strings).boxed();
                }
            }
            let mut pn = pn.clone();
            pn.entry("minLength").or_insert(json!(1));
            return self
                .string(&pn)
                .s
                .prop_map(|v| v.as_str().unwrap_or_default().to_string())
                .boxed();
        }
        regex_strategy("[a-z][a-z0-9_]{2,9}").unwrap_or_else(|| Just("key".to_string()).boxed())
    }

    fn array(&mut self, m: &Map<String, Value>, ctx: Ctx) -> Gen {
        let mut exact = true;
        let prefix: Vec<BoxedStrategy<Value>> = match m.get("prefixItems") {
            Some(Value::Array(list)) => list
                .iter()
                .map(|p| {
                    let g = self.compile(p, ctx);
                    exact &= g.exact;
                    g.s
                })
                .collect(),
            _ => Vec::new(),
        };
        let items = match m.get("items") {
            Some(Value::Bool(false)) => None,
            Some(s) => Some(self.compile(s, ctx)),
            None => Some(any_gen()),
        };
        exact &= items.as_ref().is_none_or(|g| g.exact);
        let lo = usize_kw(m, "minItems").unwrap_or(0);
        if lo > MAX_DEMANDED_SIZE {
            return never();
        }
        let mut declared_max = usize_kw(m, "maxItems");
        if items.is_none() {
            declared_max = Some(declared_max.map_or(prefix.len(), |h| h.min(prefix.len())));
        }
        let mut hi = declared_max
            .unwrap_or(usize::MAX)
            .min(lo.max(self.options.max_items));
        if ctx.minimal {
            hi = hi.min(lo);
        }
        if lo > hi {
            return never();
        }
        let rest_len = hi.saturating_sub(prefix.len());
        let prefix: Vec<_> = prefix.into_iter().take(hi).collect();
        let rest = match items {
            Some(g) => vec(g.s, rest_len..=rest_len).boxed(),
            None => Just(Vec::new()).boxed(),
        };
        let unique = m.get("uniqueItems") == Some(&Value::Bool(true));
        let contains: BoxedStrategy<Option<Value>> = match m.get("contains") {
            Some(c) => {
                exact = false;
                self.compile(c, ctx).s.prop_map(Some).boxed()
            }
            None => Just(None).boxed(),
        };
        let limit = declared_max.unwrap_or(usize::MAX);
        let s = (lo..=hi, prefix, rest, contains)
            .prop_map(move |(len, prefix, rest, contained)| {
                let mut out: Vec<Value> = prefix.into_iter().chain(rest).take(len).collect();
                if let Some(c) = contained {
                    if out.len() < limit {
                        out.push(c);
                    } else if let Some(last) = out.last_mut() {
                        *last = c;
                    }
                }
                if unique {
                    let mut seen: Vec<Value> = Vec::with_capacity(out.len());
                    out.retain(|v| {
                        if seen.contains(v) {
                            false
                        } else {
                            seen.push(v.clone());
                            true
                        }
                    });
                }
                Value::Array(out)
            })
            .prop_filter("minItems", move |v| {
                v.as_array().is_none_or(|a| a.len() >= lo)
            })
            .boxed();
        Gen { s, exact }
    }
}

// ---------------------------------------------------------------------------------------------
// Scalars

fn integer(m: &Map<String, Value>) -> Gen {
    let mut lo = i128::from(i64::MIN);
    let mut hi = i128::from(i64::MAX);
    if let Some(v) = m.get("minimum") {
        lo = lo.max(int_bound(v, f64::ceil));
    }
    if let Some(v) = m.get("exclusiveMinimum").filter(|v| v.is_number()) {
        lo = lo.max(int_bound(v, f64::floor) + 1);
    }
    if let Some(v) = m.get("maximum") {
        hi = hi.min(int_bound(v, f64::floor));
    }
    if let Some(v) = m.get("exclusiveMaximum").filter(|v| v.is_number()) {
        hi = hi.min(int_bound(v, f64::ceil) - 1);
    }
    let (step, exact) = match f64_kw(m, "multipleOf").filter(|x| *x > 0.0 && x.is_finite()) {
        None => (1, true),
        Some(x) if x.fract() == 0.0 => (x.min(1e30) as i128, true),
        Some(x) => match (1..=1000).find(|q| ((x * f64::from(*q)).fract()).abs() < 1e-9) {
            Some(q) => (((x * f64::from(q)).round() as i128).max(1), true),
            None => (1, false),
        },
    };
    let kmin = div_ceil(lo, step);
    let kmax = div_floor(hi, step);
    if kmin > kmax {
        return never();
    }
    let (a, b) = window(kmin, kmax, INT_WINDOW);
    let s = (clamp_i64(a)..=clamp_i64(b))
        .prop_map(move |k| json!(clamp_i64(i128::from(k) * step)))
        .boxed();
    Gen { s, exact }
}

fn number(m: &Map<String, Value>) -> Gen {
    let mut lo = f64::NEG_INFINITY;
    let mut lo_open = false;
    let mut hi = f64::INFINITY;
    let mut hi_open = false;
    if let Some(x) = f64_kw(m, "minimum") {
        lo = x;
    }
    if let Some(x) = f64_kw(m, "exclusiveMinimum")
        && x >= lo
    {
        lo = x;
        lo_open = true;
    }
    if let Some(x) = f64_kw(m, "maximum") {
        hi = x;
    }
    if let Some(x) = f64_kw(m, "exclusiveMaximum")
        && x <= hi
    {
        hi = x;
        hi_open = true;
    }
    let in_bounds = move |v: f64| {
        (if lo_open { v > lo } else { v >= lo }) && (if hi_open { v < hi } else { v <= hi })
    };
    let (step, decimals) = match f64_kw(m, "multipleOf").filter(|x| *x > 0.0 && x.is_finite()) {
        Some(x) => (x, decimals_of(x)),
        None => (0.01, 2),
    };
    let scaled = |v: f64, round: fn(f64) -> f64| -> i128 {
        if v.is_finite() {
            round(v / step).clamp(-1e15, 1e15) as i128
        } else if v > 0.0 {
            i128::MAX / 4
        } else {
            i128::MIN / 4
        }
    };
    let kmin = scaled(lo, f64::ceil);
    let kmax = scaled(hi, f64::floor);
    let width = if step == 0.01 {
        HUNDREDTHS_WINDOW
    } else {
        INT_WINDOW
    };
    let value = move |k: i64| -> f64 { round_to(k as f64 * step, decimals) };
    let candidates = if kmin <= kmax {
        let (a, b) = window(kmin, kmax, width);
        Some((clamp_i64(a), clamp_i64(b)))
    } else {
        None
    };
    let multiple = m.contains_key("multipleOf");
    match candidates {
        Some((a, b)) => {
            let s = (a..=b)
                .prop_map(value)
                .prop_filter("bounds", move |v| in_bounds(*v))
                .prop_map(number_value)
                .boxed();
            Gen::exact(s)
        }
        None if !multiple && lo.is_finite() && hi.is_finite() => {
            // A range narrower than a hundredth.
            let mid = lo + (hi - lo) / 2.0;
            if in_bounds(mid) {
                Gen::exact(Just(number_value(mid)).boxed())
            } else {
                never()
            }
        }
        None => never(),
    }
}

/// A JSON number: an integer when `v` is a small whole number.
fn number_value(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn round_to(v: f64, decimals: i32) -> f64 {
    if decimals <= 0 {
        return v.round();
    }
    let scale = 10f64.powi(decimals);
    let r = (v * scale).round() / scale;
    // Parse the shortest decimal form, so that 0.30000000000000004 reads 0.3.
    format!("{r:.prec$}", prec = decimals as usize)
        .parse()
        .unwrap_or(r)
}

/// Decimal places of `x` as written (capped at 12).
fn decimals_of(x: f64) -> i32 {
    let text = format!("{x}");
    match text.split_once('.') {
        Some((_, frac)) if !text.contains('e') => (frac.len() as i32).min(12),
        _ if text.contains("e-") => 12,
        _ => 0,
    }
}

/// `[a, b]`, narrowed to `width` near zero when wider.
fn window(a: i128, b: i128, width: i128) -> (i128, i128) {
    if b - a <= width {
        return (a, b);
    }
    let anchor = 0i128.clamp(a, b);
    if anchor + width <= b {
        (anchor, anchor + width)
    } else {
        (b - width, b)
    }
}

fn int_bound(v: &Value, round: fn(f64) -> f64) -> i128 {
    if let Some(i) = v.as_i64() {
        return i128::from(i);
    }
    if let Some(u) = v.as_u64() {
        return i128::from(u);
    }
    let f = v.as_f64().unwrap_or(0.0);
    round(f).clamp(-1e30, 1e30) as i128
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

fn div_floor(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn div_ceil(a: i128, b: i128) -> i128 {
    -div_floor(-a, b)
}

/// Strings of `[a-zA-Z0-9]`, `lo..=hi` chars.
fn plain_string(lo: usize, hi: usize) -> BoxedStrategy<String> {
    vec(
        proptest::char::ranges(vec!['a'..='z', 'A'..='Z', '0'..='9'].into()),
        lo..=hi,
    )
    .prop_map(|chars| chars.into_iter().collect())
    .boxed()
}

/// Strings in a format the validator asserts (or that APIs commonly mean), or `None` for
/// formats that are plain strings here (`binary`, `password`, unknown ones).
fn format_strategy(format: &str) -> Option<BoxedStrategy<String>> {
    let re = regex_strategy;
    let date = (2000u32..2031, 1u32..=12, 1u32..=28);
    let time = (0u32..24, 0u32..60, 0u32..60);
    match format {
        "date-time" => Some(
            (date, time)
                .prop_map(|((y, mo, d), (h, mi, s))| {
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
                })
                .boxed(),
        ),
        "date" => Some(
            date.prop_map(|(y, mo, d)| format!("{y:04}-{mo:02}-{d:02}"))
                .boxed(),
        ),
        "time" => Some(
            time.prop_map(|(h, mi, s)| format!("{h:02}:{mi:02}:{s:02}Z"))
                .boxed(),
        ),
        "email" | "idn-email" => re(r"[a-z]{1,10}(\.[a-z]{1,8})?@example\.(com|org|net)"),
        "uuid" => re(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        "uri" | "iri" | "url" => re(r"https://example\.com(/[a-z0-9]{1,8}){0,3}"),
        "uri-reference" | "iri-reference" => re(r"(/[a-z0-9]{1,8}){1,3}"),
        "uri-template" => re(r"https://example\.com/[a-z]{1,8}(/\{[a-z]{1,6}\})?"),
        "hostname" | "idn-hostname" => re(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8}){0,2}"),
        "ipv4" => Some(
            any::<[u8; 4]>()
                .prop_map(|[a, b, c, d]| format!("{a}.{b}.{c}.{d}"))
                .boxed(),
        ),
        "ipv6" => Some(
            any::<[u16; 8]>()
                .prop_map(|g| {
                    g.iter()
                        .map(|x| format!("{x:x}"))
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .boxed(),
        ),
        "byte" => Some(vec(any::<u8>(), 0..=24).prop_map(|b| base64(&b)).boxed()),
        "json-pointer" => re(r"(/[a-z0-9]{1,6}){0,3}"),
        "relative-json-pointer" => re(r"[0-9](/[a-z]{1,5}){0,2}"),
        "duration" => re(r"P([1-9]Y([1-9]M([1-9]D)?)?|[1-9]M([1-9]D)?|[1-9]D|T[1-9]H([1-9]M)?)"),
        "regex" => re(r"[a-z]{1,8}"),
        "int32" | "int64" => re(r"0|-?[1-9][0-9]{0,8}"),
        _ => None,
    }
}

/// Formats [`format_strategy`] generates that only strings have.
const STRING_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "email",
    "idn-email",
    "uuid",
    "uri",
    "iri",
    "url",
    "uri-reference",
    "iri-reference",
    "uri-template",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "byte",
    "json-pointer",
    "relative-json-pointer",
    "duration",
    "regex",
];

/// Most regexes [`regex_strategy`] keeps per thread.
const REGEX_CACHE: usize = 4_096;

thread_local! {
    static REGEXES: std::cell::RefCell<HashMap<String, Option<BoxedStrategy<String>>>> =
        std::cell::RefCell::new(HashMap::new());
}

/// `string_regex(regex)`, parsed once per thread (parsing dominated compiling big specs).
fn regex_strategy(regex: &str) -> Option<BoxedStrategy<String>> {
    REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(s) = cache.get(regex) {
            return s.clone();
        }
        if cache.len() >= REGEX_CACHE {
            cache.clear();
        }
        let s = string_regex(regex).ok().map(Strategy::boxed);
        cache.insert(regex.to_string(), s.clone());
        s
    })
}

/// Standard, padded base64.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// OpenAPI's `format: byte`, as `crate::validate` checks it.
fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    pad <= 2
        && b[..b.len() - pad]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

// ---------------------------------------------------------------------------------------------
// Patterns

/// An ECMA-262 pattern rewritten for proptest's regex generator.
#[derive(Debug, PartialEq)]
struct Translated {
    regex: String,
    /// `$` appears nowhere: a full match stays a match when characters are appended.
    extendable: bool,
    /// Something was dropped (look-arounds, backreferences, word boundaries): generated strings
    /// may not match.
    lossy: bool,
}

/// Strings for `pattern`, at least `lo` chars when the pattern allows appending; whether they
/// all match. `None` when proptest can't generate from it.
fn pattern_strategy(pattern: &str, lo: usize, cap: bool) -> Option<(BoxedStrategy<String>, bool)> {
    let t = translate_pattern(pattern, cap);
    let s = regex_strategy(&t.regex)?;
    let lossless = !t.lossy;
    if lo == 0 || !t.extendable {
        return Some((s.boxed(), lossless));
    }
    let padding = vec(proptest::char::range('a', 'z'), lo..=lo);
    let s = (s, padding)
        .prop_map(move |(mut s, pad)| {
            let n = s.chars().count();
            s.extend(pad.into_iter().take(lo.saturating_sub(n)));
            s
        })
        .boxed();
    Some((s, lossless))
}

/// See [`Translated`]. `cap` bounds unbounded repetitions to 8 and wide ones to 16 more than
/// their minimum (still matches: a repetition count inside the allowed range).
fn translate_pattern(pattern: &str, cap: bool) -> Translated {
    let c: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut lossy = false;
    let mut extendable = true;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        match ch {
            '\\' => {
                i += 1;
                let Some(&e) = c.get(i) else {
                    lossy = true;
                    break;
                };
                match e {
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[a-zA-Z]"),
                    'w' => out.push_str("[A-Za-z0-9_]"),
                    'W' => out.push_str("[ .,]"),
                    's' => out.push_str("[ ]"),
                    'S' => out.push_str("[a-zA-Z0-9]"),
                    'b' | 'B' => lossy = true,
                    '1'..='9' => {
                        while c.get(i + 1).is_some_and(char::is_ascii_digit) {
                            i += 1;
                        }
                        lossy = true;
                    }
                    'k' if c.get(i + 1) == Some(&'<') => {
                        while i < c.len() && c[i] != '>' {
                            i += 1;
                        }
                        lossy = true;
                    }
                    _ => out.push_str(&escape_literal(&c, &mut i)),
                }
            }
            '[' => {
                i += 1;
                let negated = c.get(i) == Some(&'^');
                if negated {
                    i += 1;
                }
                let mut body = String::new();
                let mut simple = true;
                let mut closed = false;
                while i < c.len() {
                    let ch = c[i];
                    if ch == ']' {
                        closed = true;
                        break;
                    }
                    match ch {
                        '\\' => {
                            i += 1;
                            match c.get(i) {
                                Some('d') if !negated => body.push_str("0-9"),
                                Some('D') if !negated => body.push_str("a-zA-Z"),
                                Some('w') if !negated => body.push_str("A-Za-z0-9_"),
                                Some('W') if !negated => body.push_str(" .,"),
                                Some('s') if !negated => body.push(' '),
                                Some('S') if !negated => body.push_str("a-zA-Z0-9"),
                                Some(&e @ ('d' | 's')) => {
                                    body.push('\\');
                                    body.push(e);
                                }
                                Some(&e @ ('D' | 'w' | 'W' | 'S' | 'p' | 'P')) => {
                                    simple = false;
                                    body.push('\\');
                                    body.push(e);
                                    if matches!(e, 'p' | 'P') {
                                        while i + 1 < c.len() && c[i] != '}' {
                                            i += 1;
                                            body.push(c[i]);
                                        }
                                    }
                                }
                                Some('b') => body.push_str("\\x08"),
                                Some(_) => body.push_str(&escape_literal(&c, &mut i)),
                                None => lossy = true,
                            }
                        }
                        '[' | '&' | '~' => {
                            body.push('\\');
                            body.push(ch);
                        }
                        '-' if c.get(i + 1) == Some(&'-') => body.push_str("\\-"),
                        '-' if !body.is_empty() && c.get(i + 1) != Some(&']') => {
                            simple = false;
                            body.push('-');
                        }
                        '-' => body.push_str("\\-"),
                        _ => {
                            if !ch.is_ascii() {
                                simple = false;
                            }
                            body.push(ch);
                        }
                    }
                    i += 1;
                }
                if !closed {
                    lossy = true;
                    break;
                }
                match (body.is_empty(), negated) {
                    // `[^]` matches any character; `[]` none.
                    (true, true) => out.push_str("[ -~]"),
                    (true, false) => {
                        lossy = true;
                        out.push_str("[a]");
                    }
                    (false, true) if simple => {
                        out.push_str("[[ -~]&&[^");
                        out.push_str(&body);
                        out.push_str("]]");
                    }
                    (false, true) => {
                        out.push_str("[^");
                        out.push_str(&body);
                        out.push(']');
                    }
                    (false, false) => {
                        out.push('[');
                        out.push_str(&body);
                        out.push(']');
                    }
                }
            }
            '(' => {
                if c.get(i + 1) == Some(&'?') {
                    match (c.get(i + 2), c.get(i + 3)) {
                        (Some(':'), _) => {
                            out.push_str("(?:");
                            i += 2;
                        }
                        (Some('=' | '!'), _) | (Some('<'), Some('=' | '!')) => {
                            // A look-around: dropped, with a quantifier on it.
                            i = skip_group(&c, i);
                            while c.get(i + 1).is_some_and(|q| matches!(q, '*' | '+' | '?')) {
                                i += 1;
                            }
                            lossy = true;
                        }
                        (Some('<'), _) => {
                            // A named group: only backreferences (dropped) need the name.
                            while i < c.len() && c[i] != '>' {
                                i += 1;
                            }
                            out.push_str("(?:");
                        }
                        _ => {
                            lossy = true;
                            out.push('(');
                        }
                    }
                } else {
                    out.push('(');
                }
            }
            '.' => out.push_str("[ -~]"),
            '^' => {}
            '$' => extendable = false,
            '*' => out.push_str(if cap { "{0,8}" } else { "*" }),
            '+' => out.push_str(if cap { "{1,8}" } else { "+" }),
            '{' => match parse_counted(&c, i) {
                Some((min, max, end)) => {
                    let max = match max {
                        None if cap => Some(min + 8),
                        Some(max) if cap && max > min + 16 => Some(min + 16),
                        other => other,
                    };
                    match max {
                        Some(max) if max == min => out.push_str(&format!("{{{min}}}")),
                        Some(max) => out.push_str(&format!("{{{min},{max}}}")),
                        None => out.push_str(&format!("{{{min},}}")),
                    }
                    i = end;
                }
                None => out.push_str("\\{"),
            },
            '}' => out.push_str("\\}"),
            ']' => out.push_str("\\]"),
            '|' | ')' | '?' => out.push(ch),
            _ => push_literal(&mut out, ch),
        }
        i += 1;
    }
    Translated {
        regex: out,
        extendable,
        lossy,
    }
}

/// `{m}`, `{m,}` or `{m,n}` at `c[i]`: (m, n, index of `}`).
fn parse_counted(c: &[char], i: usize) -> Option<(u32, Option<u32>, usize)> {
    let close = (i + 1..c.len()).find(|&j| c[j] == '}')?;
    let inner: String = c[i + 1..close].iter().collect();
    let (min, max) = match inner.split_once(',') {
        Some((a, "")) => (a.parse().ok()?, None),
        Some((a, b)) => (a.parse().ok()?, Some(b.parse().ok()?)),
        None => {
            let n = inner.parse().ok()?;
            (n, Some(n))
        }
    };
    if max.is_some_and(|m| m < min) || min > 1_000 {
        return None;
    }
    Some((min, max, close))
}

/// The index of the `)` closing the group opened at `c[i]`.
fn skip_group(c: &[char], mut i: usize) -> usize {
    let mut level = 0;
    let mut in_class = false;
    while i < c.len() {
        match c[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => level += 1,
            ')' if !in_class => {
                level -= 1;
                if level == 0 {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    c.len()
}

/// The Rust form of the escape at `c[*i]` (the char after `\`): one literal or property class.
fn escape_literal(c: &[char], i: &mut usize) -> String {
    let e = c[*i];
    let hex = |from: usize, n: usize| -> Option<char> {
        let digits: String = c.get(from..from + n)?.iter().collect();
        char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
    };
    let literal = match e {
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'f' => '\x0C',
        'v' => '\x0B',
        '0' => '\0',
        'x' => match hex(*i + 1, 2) {
            Some(ch) => {
                *i += 2;
                ch
            }
            None => 'x',
        },
        'u' if c.get(*i + 1) == Some(&'{') => {
            let close = (*i + 2..c.len()).find(|&j| c[j] == '}');
            match close.and_then(|j| hex(*i + 2, j - *i - 2).map(|ch| (ch, j))) {
                Some((ch, j)) => {
                    *i = j;
                    ch
                }
                None => 'u',
            }
        }
        'u' => match hex(*i + 1, 4) {
            Some(ch) => {
                *i += 4;
                ch
            }
            None => 'u',
        },
        'c' => match c.get(*i + 1) {
            Some(l) if l.is_ascii_alphabetic() => {
                *i += 1;
                char::from(*l as u8 % 32)
            }
            _ => 'c',
        },
        'p' | 'P' if c.get(*i + 1) == Some(&'{') => {
            let mut class = format!("\\{e}");
            while *i + 1 < c.len() && c[*i] != '}' {
                *i += 1;
                class.push(c[*i]);
            }
            return class;
        }
        other => other,
    };
    let mut s = String::new();
    push_literal(&mut s, literal);
    s
}

/// `ch` as a literal in Rust regex syntax (inside or outside a class).
fn push_literal(out: &mut String, ch: char) {
    if ch.is_ascii_punctuation() && ch != '/' && ch != '_' && ch != '\'' && ch != '"' {
        out.push('\\');
        out.push(ch);
    } else if ch.is_control() || ch == ' ' {
        out.push_str(&format!("\\x{{{:x}}}", ch as u32));
    } else {
        out.push(ch);
    }
}

// ---------------------------------------------------------------------------------------------
// Merging (allOf, and anyOf/oneOf branches with their siblings)

/// Keywords that never constrain a value.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "discriminator",
    "xml",
    "externalDocs",
    "$defs",
    "definitions",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "$anchor",
    "$dynamicAnchor",
];

fn is_annotation(key: &str) -> bool {
    ANNOTATIONS.contains(&key) || (key.starts_with("x-") && !key.starts_with("x-stipula-required"))
}

fn has_validation(m: &Map<String, Value>) -> bool {
    m.keys().any(|k| !is_annotation(k))
}

/// `{"$ref": "#/$defs/N"}` with nothing else that constrains: N.
fn sole_ref(m: &Map<String, Value>) -> Option<u32> {
    let id = m
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/$defs/")?
        .parse()
        .ok()?;
    m.keys()
        .all(|k| k == "$ref" || is_annotation(k))
        .then_some(id)
}

/// `{"allOf": [one]}` with nothing else that constrains: one.
fn sole_all_of(m: &Map<String, Value>) -> Option<&Value> {
    match m.get("allOf") {
        Some(Value::Array(all)) if all.len() == 1 => m
            .keys()
            .all(|k| k == "allOf" || is_annotation(k))
            .then(|| &all[0]),
        _ => None,
    }
}

fn ref_target<'s>(schemas: &'s Schemas, m: &Map<String, Value>) -> Option<&'s Value> {
    let id: u32 = m
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/$defs/")?
        .parse()
        .ok()?;
    ((id as usize) < schemas.len()).then(|| schemas.get(SchemaId(id)))
}

/// Merges `other` into `out` (both without `$ref`/`allOf`); false when a constraint was lost.
fn merge_into(out: &mut Map<String, Value>, other: Map<String, Value>) -> bool {
    let mut exact = true;
    // additionalProperties judges keys by its own schema's properties: merging moves them.
    let names_of = |m: &Map<String, Value>| -> Vec<String> {
        ["properties", "patternProperties"]
            .iter()
            .filter_map(|k| m.get(*k).and_then(Value::as_object))
            .flat_map(|o| o.keys().cloned())
            .collect()
    };
    let open = |m: &Map<String, Value>| {
        matches!(
            m.get("additionalProperties"),
            None | Some(Value::Bool(true))
        ) && !m.contains_key("unevaluatedProperties")
    };
    let (a, b) = (names_of(out), names_of(&other));
    let subset = |x: &[String], y: &[String]| x.iter().all(|n| y.contains(n));
    if (!open(out) && !subset(&b, &a)) || (!open(&other) && !subset(&a, &b)) {
        exact = false;
    }
    for (k, v) in other {
        let Some(cur) = out.get_mut(&k) else {
            out.insert(k, v);
            continue;
        };
        if *cur == v || is_annotation(&k) {
            continue;
        }
        match k.as_str() {
            "type" => {
                let both = intersect_types(cur, &v);
                if both.is_empty() {
                    exact = false;
                } else {
                    *cur = json!(both);
                }
            }
            "enum" => {
                let (Value::Array(a), Value::Array(b)) = (&*cur, &v) else {
                    exact = false;
                    continue;
                };
                let both: Vec<Value> = a.iter().filter(|x| b.contains(x)).cloned().collect();
                if both.is_empty() {
                    exact = false;
                } else {
                    *cur = Value::Array(both);
                }
            }
            "properties" | "patternProperties" | "dependentSchemas" => {
                let (Value::Object(a), Value::Object(b)) = (cur, v) else {
                    exact = false;
                    continue;
                };
                for (name, sub) in b {
                    match a.get_mut(&name) {
                        Some(existing) if *existing != sub => {
                            *existing = json!({ "allOf": [existing.clone(), sub] });
                        }
                        Some(_) => {}
                        None => {
                            a.insert(name, sub);
                        }
                    }
                }
            }
            "required" | REQUIRED_IN_REQUESTS | REQUIRED_IN_RESPONSES => {
                if let (Value::Array(a), Value::Array(b)) = (cur, v) {
                    for n in b {
                        if !a.contains(&n) {
                            a.push(n);
                        }
                    }
                }
            }
            "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties"
            | "minContains" => {
                if v.as_f64() > cur.as_f64() {
                    *cur = v;
                }
            }
            "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties"
            | "maxContains" => {
                if v.as_f64() < cur.as_f64() {
                    *cur = v;
                }
            }
            "uniqueItems" => {
                if v == Value::Bool(true) {
                    *cur = v;
                }
            }
            "items"
            | "additionalProperties"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties" => {
                *cur = json!({ "allOf": [cur.clone(), v] });
            }
            "not" => {
                // not A and not B = not (A or B)
                *cur = json!({ "anyOf": [cur.clone(), v] });
            }
            "multipleOf" => {
                let (a, b) = (cur.as_f64().unwrap_or(1.0), v.as_f64().unwrap_or(1.0));
                let (big, small) = if a >= b { (a, b) } else { (b, a) };
                if small > 0.0 && (big / small).fract() == 0.0 {
                    *cur = json!(big);
                } else {
                    exact = false;
                }
            }
            _ => exact = false,
        }
    }
    exact
}

fn type_list(v: &Value) -> Vec<&str> {
    match v {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn intersect_types(a: &Value, b: &Value) -> Vec<String> {
    let (a, b) = (type_list(a), type_list(b));
    let mut out = Vec::new();
    for t in &a {
        let keep = if b.contains(t) {
            Some(*t)
        } else if *t == "integer" && b.contains(&"number")
            || *t == "number" && b.contains(&"integer")
        {
            Some("integer")
        } else {
            None
        };
        if let Some(k) = keep
            && !out.iter().any(|o: &String| o == k)
        {
            out.push(k.to_string());
        }
    }
    out
}

/// `not: {type: ...}` removes types from `rest`; true when that was all `not` said.
fn subtract_types(rest: &mut Map<String, Value>, not: &Map<String, Value>) -> bool {
    let Some(excluded) = not.get("type") else {
        return false;
    };
    let only_type = not.keys().all(|k| k == "type" || is_annotation(k));
    if !only_type || rest.contains_key("enum") || rest.contains_key("const") {
        return false;
    }
    let excluded: Vec<&str> = type_list(excluded);
    let current: Vec<String> = match rest.get("type") {
        Some(t) => type_list(t).into_iter().map(str::to_string).collect(),
        None => ALL_TYPES.iter().map(|t| t.to_string()).collect(),
    };
    let left: Vec<&String> = current
        .iter()
        .filter(|t| !excluded.contains(&t.as_str()))
        .collect();
    // `integer` values are numbers: excluding `number` excludes them too; excluding `integer`
    // from `number` leaves fractions, which the generator can't promise.
    if current.iter().any(|t| t == "number") && excluded.contains(&"integer") {
        return false;
    }
    let left: Vec<&String> = left
        .into_iter()
        .filter(|t| !(t.as_str() == "integer" && excluded.contains(&"number")))
        .collect();
    rest.insert("type".into(), json!(left));
    true
}

const ALL_TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// Types a schema without `type` constrains, from its keywords; empty when none.
fn inferred_types(m: &Map<String, Value>) -> Vec<&'static str> {
    let any = |keys: &[&str]| keys.iter().any(|k| m.contains_key(*k));
    let mut out = Vec::new();
    if any(&[
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
        "propertyNames",
        REQUIRED_IN_REQUESTS,
        REQUIRED_IN_RESPONSES,
    ]) {
        out.push("object");
    }
    if any(&[
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
    ]) {
        out.push("array");
    }
    if any(&["minLength", "maxLength", "pattern"])
        || m.get("format")
            .and_then(Value::as_str)
            .is_some_and(|f| STRING_FORMATS.contains(&f))
    {
        out.push("string");
    }
    if any(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        out.push("number");
    }
    out
}

/// Object or array keywords beyond what [`quick_ok`] checks.
fn deep_keywords(m: &Map<String, Value>) -> bool {
    [
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "items",
        "prefixItems",
        "contains",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "minItems",
        "maxItems",
        "uniqueItems",
        "multipleOf",
        REQUIRED_IN_REQUESTS,
        REQUIRED_IN_RESPONSES,
    ]
    .iter()
    .any(|k| m.contains_key(*k))
}

/// Cheap checks of a candidate `enum`/`const` value: type, numeric bounds, string length.
fn quick_ok(m: &Map<String, Value>, v: &Value) -> bool {
    if let Some(t) = m.get("type")
        && !type_list(t).iter().any(|t| type_matches(t, v))
    {
        return false;
    }
    if let Some(x) = v.as_f64() {
        let bound = |k: &str, ok: fn(f64, f64) -> bool| f64_kw(m, k).is_none_or(|b| ok(x, b));
        if !(bound("minimum", |x, b| x >= b)
            && bound("maximum", |x, b| x <= b)
            && bound("exclusiveMinimum", |x, b| x > b)
            && bound("exclusiveMaximum", |x, b| x < b))
        {
            return false;
        }
    }
    if let Some(s) = v.as_str() {
        let n = s.chars().count();
        if usize_kw(m, "minLength").is_some_and(|lo| n < lo)
            || usize_kw(m, "maxLength").is_some_and(|hi| n > hi)
        {
            return false;
        }
    }
    m.get("const").is_none_or(|c| c == v)
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

/// `{type: null}` (or `{const: null}`, `{enum: [null]}`), through a `$ref`.
fn is_null_only(schemas: &Schemas, v: &Value) -> bool {
    let v = schemas.resolve(v);
    v.get("type") == Some(&json!("null"))
        || v.get("const") == Some(&Value::Null)
        || v.get("enum") == Some(&json!([null]))
}

/// Whether the direction leaves this property out: `readOnly` in requests, `writeOnly` in
/// responses (read on the property and on its `$ref` target).
fn skip_for_direction(schemas: &Schemas, direction: Direction, sub: &Value) -> bool {
    let flag = |v: &Value, k: &str| v.get(k) == Some(&Value::Bool(true));
    let target = schemas.resolve(sub);
    let read_only = flag(sub, "readOnly") || flag(target, "readOnly");
    let write_only = flag(sub, "writeOnly") || flag(target, "writeOnly");
    match direction {
        Direction::Request => read_only && !write_only,
        Direction::Response => write_only && !read_only,
    }
}

fn required_keyword(direction: Direction) -> &'static str {
    match direction {
        Direction::Request => REQUIRED_IN_REQUESTS,
        Direction::Response => REQUIRED_IN_RESPONSES,
    }
}

fn names(v: Option<&Value>) -> impl Iterator<Item = String> + '_ {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
}

fn usize_kw(m: &Map<String, Value>, k: &str) -> Option<usize> {
    let v = m.get(k)?;
    v.as_u64()
        .map(|n| n.min(usize::MAX as u64) as usize)
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f.ceil() as usize))
}

fn f64_kw(m: &Map<String, Value>, k: &str) -> Option<f64> {
    m.get(k)?.as_f64()
}

/// Entry ids named by `$ref`s anywhere in `v`.
fn collect_refs(v: &Value, out: &mut Vec<u32>) {
    match v {
        Value::Object(m) => {
            if let Some(id) = m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|n| n.parse().ok())
            {
                out.push(id);
            }
            m.values().for_each(|c| collect_refs(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies without a schema

/// The schema `false`: no value. Every draw is rejected.
/// Largest `minLength` / `minItems` / `minProperties` honoured: a spec demanding more (a
/// billion items) gets no value rather than a mock that allocates until it dies.
pub const MAX_DEMANDED_SIZE: usize = 10_000;

fn never() -> Gen {
    Gen::exact(
        Just(Value::Null)
            .prop_filter("no value satisfies this schema", |_| false)
            .boxed(),
    )
}

fn any_gen() -> Gen {
    Gen::exact(any_value())
}

/// Any small JSON value: scalars mostly, sometimes a short array or object of scalars.
fn any_value() -> BoxedStrategy<Value> {
    let scalar = Union::new_weighted(vec![
        (1, Just(Value::Null).boxed()),
        (2, any::<bool>().prop_map(Value::Bool).boxed()),
        (3, (-1000i64..=1000).prop_map(|n| json!(n)).boxed()),
        (4, plain_string(0, 12).prop_map(Value::String).boxed()),
    ])
    .boxed();
    let key = vec(proptest::char::range('a', 'z'), 1..=8).prop_map(|c| c.into_iter().collect());
    Union::new_weighted(vec![
        (6, scalar.clone()),
        (1, vec(scalar.clone(), 0..=3).prop_map(Value::Array).boxed()),
        (
            1,
            vec((key, scalar), 0..=3)
                .prop_map(|kv: Vec<(String, Value)>| Value::Object(kv.into_iter().collect()))
                .boxed(),
        ),
    ])
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// The checker: validators strategies can own

const CHECK_URI: &str = "stipula:///generate";

/// A copy of the entries reachable from one root, plus the nodes registered for filtering,
/// compiled on first use (after the strategy is built).
struct Checker {
    direction: Direction,
    defs: Mutex<Map<String, Value>>,
    registry: OnceLock<Option<Registry<'static>>>,
}

impl Checker {
    fn new(schemas: &Schemas, root: SchemaId, direction: Direction) -> Self {
        let mut defs = Map::new();
        let mut queue = vec![root.0];
        let mut seen = HashSet::new();
        while let Some(id) = queue.pop() {
            if id as usize >= schemas.len() || !seen.insert(id) {
                continue;
            }
            let schema = schemas.get(SchemaId(id));
            collect_refs(schema, &mut queue);
            let mut schema = schema.clone();
            apply_direction(&mut schema, direction);
            defs.insert(id.to_string(), schema);
        }
        Checker {
            direction,
            defs: Mutex::new(defs),
            registry: OnceLock::new(),
        }
    }

    /// Adds `schema` to the document; its key under `$defs`.
    fn register(&self, schema: &Value) -> String {
        let mut schema = schema.clone();
        apply_direction(&mut schema, self.direction);
        let mut defs = self.defs.lock().unwrap_or_else(|e| e.into_inner());
        let key = format!("g{}", defs.len());
        defs.insert(key.clone(), schema);
        key
    }

    fn compile(&self, key: &str) -> Option<Validator> {
        let registry = self
            .registry
            .get_or_init(|| {
                let defs =
                    std::mem::take(&mut *self.defs.lock().unwrap_or_else(|e| e.into_inner()));
                Registry::new()
                    .add(
                        CHECK_URI,
                        jsonschema::Resource::from_contents(json!({ "$defs": defs })),
                    )
                    .and_then(|r| r.prepare())
                    .ok()
            })
            .as_ref()?;
        jsonschema::draft202012::options()
            .with_registry(registry)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .with_format("byte", is_base64)
            .build(&json!({ "$ref": format!("{CHECK_URI}#/$defs/{key}") }))
            .ok()
    }
}

/// One filter: the validator of one registered node (or entry), compiled on first use. A node
/// that can't be compiled accepts everything, as `Schemas::is_valid` does.
struct Check {
    checker: Arc<Checker>,
    key: String,
    validator: OnceLock<Option<Validator>>,
}

impl Check {
    fn new(checker: Arc<Checker>, key: String) -> Self {
        Check {
            checker,
            key,
            validator: OnceLock::new(),
        }
    }

    fn ok(&self, v: &Value) -> bool {
        match self
            .validator
            .get_or_init(|| self.checker.compile(&self.key))
        {
            Some(validator) => validator.is_valid(v),
            None => true,
        }
    }
}

/// The direction's `x-stipula-required-in-*` joins `required`; the other one goes, so that
/// plain jsonschema validates as `crate::validate` does.
fn apply_direction(schema: &mut Value, direction: Direction) {
    let Value::Object(m) = schema else {
        return;
    };
    let (enforced, ignored) = match direction {
        Direction::Request => (REQUIRED_IN_REQUESTS, REQUIRED_IN_RESPONSES),
        Direction::Response => (REQUIRED_IN_RESPONSES, REQUIRED_IN_REQUESTS),
    };
    m.remove(ignored);
    if let Some(Value::Array(extra)) = m.remove(enforced) {
        let required = m
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(r) = required {
            for n in extra {
                if !r.contains(&n) {
                    r.push(n);
                }
            }
        }
    }
    for (k, child) in m.iter_mut() {
        if SINGLE.contains(&k.as_str()) {
            apply_direction(child, direction);
        } else if MAPS.contains(&k.as_str()) {
            if let Value::Object(children) = child {
                children
                    .values_mut()
                    .for_each(|c| apply_direction(c, direction));
            }
        } else if LISTS.contains(&k.as_str())
            && let Value::Array(children) = child
        {
            children
                .iter_mut()
                .for_each(|c| apply_direction(c, direction));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prop_assert;
    use proptest::test_runner::TestCaseError;

    use super::*;
    use crate::spec::{LoadOptions, Spec};

    /// One schema per keyword family (3.1).
    const SPEC_31: &str = r#"
openapi: 3.1.0
info: {title: generate, version: '1'}
paths:
  /x:
    get:
      responses:
        '200': {description: ok}
components:
  schemas:
    Str: {type: string, minLength: 3, maxLength: 5}
    LongStr: {type: string, minLength: 40}
    Pattern: {type: string, pattern: '^[A-Z]{2}-\d{3}$'}
    PatternSearch: {type: string, pattern: 'ab+c', minLength: 10, maxLength: 40}
    PatternLookahead: {type: string, pattern: '^(?=.*[0-9])[a-z0-9]{4,8}$'}
    PatternClasses: {type: string, pattern: '^[^/\s]+/[\w.-]+(\.[a-z]{2,})?$'}
    PatternAlternation: {type: string, pattern: '^(draft|published|archived)$|^v\d+$'}
    PatternEscapes: {type: string, pattern: '^\u0041\x42[\[\]{}]\{2\}\/$'}
    Formats:
      type: object
      additionalProperties: false
      required: [dateTime, date, time, email, uuid, uri, uriRef, hostname, ipv4, ipv6, byte, binary, password, duration, pointer, template]
      properties:
        dateTime: {type: string, format: date-time}
        date: {type: string, format: date}
        time: {type: string, format: time}
        email: {type: string, format: email}
        uuid: {type: string, format: uuid}
        uri: {type: string, format: uri}
        uriRef: {type: string, format: uri-reference}
        hostname: {type: string, format: hostname}
        ipv4: {type: string, format: ipv4}
        ipv6: {type: string, format: ipv6}
        byte: {type: string, format: byte}
        binary: {type: string, format: binary}
        password: {type: string, format: password, minLength: 8}
        duration: {type: string, format: duration}
        pointer: {type: string, format: json-pointer}
        template: {type: string, format: uri-template}
    ShortEmail: {type: string, format: email, maxLength: 20}
    FormatAndPattern: {type: string, format: date, pattern: '^20[0-9]{2}-'}
    Int: {type: integer, minimum: -5, exclusiveMaximum: 10, multipleOf: 3}
    Int32: {type: integer, format: int32}
    Int64: {type: integer, format: int64, minimum: 1}
    BigBounds: {type: integer, minimum: 1000000000000, maximum: 1000000000100}
    Negative: {type: integer, maximum: -1000000}
    Num: {type: number, exclusiveMinimum: 0, maximum: 1}
    NumTiny: {type: number, exclusiveMinimum: 0.001, exclusiveMaximum: 0.002}
    NumMultiple: {type: number, multipleOf: 0.1, minimum: 1, maximum: 3}
    IntFracMultiple: {type: integer, multipleOf: 0.5, maximum: -3}
    Bool: {type: boolean}
    NullType: {type: 'null'}
    Multi: {type: [string, integer, 'null'], maxLength: 2, maximum: 5}
    Untyped: {minLength: 2, minimum: 3, required: [a]}
    Enum: {enum: [a, b, 3, null]}
    TypedEnum: {type: string, enum: [a, b, 3]}
    Const: {const: {x: 1}}
    Arr: {type: array, items: {type: integer, minimum: 0, maximum: 9}, minItems: 2, maxItems: 3, uniqueItems: true}
    BoolSet: {type: array, items: {type: boolean}, uniqueItems: true, minItems: 2}
    Tuple: {type: array, prefixItems: [{type: string}, {type: boolean}], items: false, minItems: 1}
    TupleOpen: {type: array, prefixItems: [{const: head}], items: {type: integer}, minItems: 3}
    Unbounded: {type: array, items: {type: string}}
    ManyItems: {type: array, items: {type: integer}, minItems: 10}
    Contains: {type: array, contains: {const: 7}, items: {type: integer}}
    Obj: {type: object, required: [a], properties: {a: {type: string}, b: {type: integer}}, additionalProperties: false}
    MapOf: {type: object, additionalProperties: {type: integer}, minProperties: 1, maxProperties: 3}
    Sized: {type: object, properties: {a: {type: string}, b: {type: string}, c: {type: string}, d: {type: string}}, minProperties: 2, maxProperties: 3, additionalProperties: false}
    PatternProps: {type: object, patternProperties: {'^x-[a-z]+$': {type: string}}, additionalProperties: false}
    PropertyNames: {type: object, propertyNames: {pattern: '^[a-z]+$', maxLength: 5}, additionalProperties: {type: boolean}, minProperties: 2}
    RequiredUndeclared: {type: object, required: [free], additionalProperties: {type: string, maxLength: 3}}
    Weird: {type: object, required: ['a b/c~d%'], properties: {'a b/c~d%': {type: string, minLength: 2}}}
    Base: {type: object, required: [id], properties: {id: {type: integer, minimum: 1}, name: {type: string}}}
    Derived: {allOf: [{$ref: '#/components/schemas/Base'}, {type: object, required: [extra], properties: {extra: {type: boolean}, id: {maximum: 10}}}]}
    AllOfClosed: {allOf: [{$ref: '#/components/schemas/Obj'}, {properties: {b: {minimum: 0}}}]}
    AllOfConflict: {allOf: [{type: integer, multipleOf: 2, minimum: 0, maximum: 60}, {multipleOf: 3}, {not: {const: 12}}]}
    AllOfPatterns: {allOf: [{type: string, pattern: '^[a-c]+$'}, {pattern: 'b'}]}
    AnyOf: {anyOf: [{type: string, maxLength: 2}, {type: integer, minimum: 100}, {$ref: '#/components/schemas/Base'}]}
    AnyOfSiblings: {type: object, properties: {a: {type: string}, b: {type: string}}, anyOf: [{required: [a]}, {required: [b]}], additionalProperties: false}
    OneOf: {oneOf: [{type: integer, multipleOf: 2}, {type: integer, multipleOf: 3}]}
    Cat: {type: object, required: [kind, meow], properties: {kind: {const: cat}, meow: {type: boolean}}}
    Dog: {type: object, required: [kind, bark], properties: {kind: {const: dog}, bark: {type: boolean}}}
    Pet: {oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}], discriminator: {propertyName: kind}}
    OverlappingOneOf: {oneOf: [{type: object, properties: {a: {type: string}}}, {type: object, properties: {b: {type: string}}, required: [b]}]}
    Not: {type: string, not: {enum: [a, b]}, maxLength: 1}
    NotType: {not: {type: [string, object, array]}}
    IfThen: {type: object, properties: {kind: {enum: [a, b]}, n: {type: integer}}, required: [kind], if: {properties: {kind: {const: a}}}, then: {required: [n]}}
    DependentRequired: {type: object, properties: {a: {type: integer}, b: {type: integer}}, dependentRequired: {a: [b]}}
    Tree: {type: object, required: [value], properties: {value: {type: integer}, children: {type: array, items: {$ref: '#/components/schemas/Tree'}}}}
    LinkedList: {type: object, required: [value, next], properties: {value: {type: string}, next: {anyOf: [{type: 'null'}, {$ref: '#/components/schemas/LinkedList'}]}}}
    Expr: {oneOf: [{type: integer}, {type: object, required: [op, args], properties: {op: {enum: [add, mul]}, args: {type: array, minItems: 2, maxItems: 2, items: {$ref: '#/components/schemas/Expr'}}}, additionalProperties: false}]}
    AnyTrue: true
    Empty: {}
    Never: false
    ReadWrite: {type: object, required: [id, password, name], properties: {id: {type: integer, readOnly: true}, password: {type: string, writeOnly: true}, name: {type: string}, etag: {type: string, readOnly: true}, pin: {type: string, writeOnly: true}}}
"#;

    /// Nullable 3.0 schemas, readOnly/writeOnly, examples.
    const SPEC_30: &str = r#"
openapi: 3.0.3
info: {title: generate, version: '1'}
paths:
  /pets:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
components:
  schemas:
    NullableString: {type: string, nullable: true, maxLength: 3}
    NullableRef: {allOf: [{$ref: '#/components/schemas/Pet'}], nullable: true}
    NullableEnum: {type: string, enum: [x, y], nullable: true}
    NullableObject: {nullable: true, properties: {a: {type: integer}}, required: [a]}
    ExclusiveBool: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true}
    Pet:
      type: object
      required: [id, name, secret]
      properties:
        id: {type: integer, format: int64, readOnly: true, example: 42}
        name: {type: string, example: Rex}
        secret: {type: string, writeOnly: true, example: hunter2}
        tag: {type: string, nullable: true, example: good}
        owner: {$ref: '#/components/schemas/Owner'}
    Owner:
      type: object
      required: [login]
      properties:
        login: {type: string, example: alice}
        since: {type: string, format: date, example: '2020-01-02'}
    Documented: {type: object, properties: {a: {type: integer}}, example: {a: 1}}
    Defaulted: {type: integer, default: 5}
    Listed: {type: array, items: {$ref: '#/components/schemas/Owner'}}
    Extended:
      allOf:
        - $ref: '#/components/schemas/Owner'
        - type: object
          required: [level]
          properties:
            level: {type: integer, example: 3}
    Undocumented: {type: object, required: [a], properties: {a: {type: string}, b: {type: string, example: x}}}
"#;

    const BUNDLED: [&str; 4] = [
        "fusionauth-consent.yaml",
        "lytx-consent-management.json",
        "lytx-users.json",
        "slashid-gdpr-consent.yaml",
    ];

    const BOTH: [Direction; 2] = [Direction::Request, Direction::Response];

    fn load(name: &str, text: &str) -> Spec {
        Spec::from_str(name, text, LoadOptions::default())
            .unwrap_or_else(|e| panic!("{name} should load:\n{e}"))
    }

    fn component(spec: &Spec, name: &str) -> SchemaId {
        spec.component_schemas
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("no component {name}"))
    }

    fn runner(cases: u32) -> TestRunner {
        let config = Config {
            cases,
            failure_persistence: None,
            max_local_rejects: 20_000,
            max_shrink_iters: 64,
            ..Config::default()
        };
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
    }

    fn assert_valid(
        spec: &Spec,
        id: SchemaId,
        direction: Direction,
        v: &Value,
    ) -> Result<(), TestCaseError> {
        let violations = spec.schemas.validate(id, direction, v);
        prop_assert!(
            violations.is_empty(),
            "{v} is invalid: {}",
            violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        );
        Ok(())
    }

    /// Every value of `strategy(id)` validates; so does every value of the unfiltered compile
    /// when it claims to be exact. Returns the share of valid unfiltered values.
    fn check_entry(
        spec: &Spec,
        id: SchemaId,
        direction: Direction,
        cases: u32,
    ) -> Result<f64, String> {
        let generator = Generator::new(&spec.schemas, direction);
        runner(cases)
            .run(&generator.strategy(id), |v| {
                assert_valid(spec, id, direction, &v)
            })
            .map_err(|e| format!("strategy: {e}"))?;
        let raw = generator.compile_root(id, None);
        if raw.exact {
            runner(cases)
                .run(&raw.s, |v| assert_valid(spec, id, direction, &v))
                .map_err(|e| format!("claimed exact: {e}"))?;
            return Ok(1.0);
        }
        let mut r = runner(cases);
        let mut valid = 0;
        let mut drawn = 0;
        for _ in 0..cases {
            if let Ok(tree) = raw.s.new_tree(&mut r) {
                drawn += 1;
                valid += usize::from(spec.schemas.is_valid(id, direction, &tree.current()));
            }
        }
        Ok(valid as f64 / drawn.max(1) as f64)
    }

    #[test]
    fn every_handwritten_schema_yields_valid_values() {
        for (name, text) in [("gen31.yaml", SPEC_31), ("gen30.yaml", SPEC_30)] {
            let spec = load(name, text);
            let mut failures = Vec::new();
            for i in 0..spec.schemas.len() {
                let id = SchemaId(i as u32);
                if *spec.schemas.get(id) == Value::Bool(false) {
                    continue;
                }
                for direction in BOTH {
                    if let Err(e) = check_entry(&spec, id, direction, 48) {
                        let label = spec
                            .component_schemas
                            .iter()
                            .find(|(_, c)| *c == id)
                            .map_or_else(|| format!("entry {i}"), |(n, _)| n.clone());
                        failures.push(format!("{name} {label} {direction:?}: {e}"));
                    }
                }
            }
            assert!(failures.is_empty(), "{}", failures.join("\n"));
        }
    }

    #[test]
    fn unfiltered_values_are_valid_where_the_compiler_claims_it() {
        // Exactness claims decide where filters go: keep them honest, and keep the common
        // keywords exact so that the mock's samples rarely retry.
        let spec = load("gen31.yaml", SPEC_31);
        for name in [
            "Str",
            "LongStr",
            "Pattern",
            "PatternSearch",
            "PatternClasses",
            "PatternAlternation",
            "PatternEscapes",
            "Formats",
            "ShortEmail",
            "Int",
            "Int32",
            "Int64",
            "BigBounds",
            "Negative",
            "Num",
            "NumTiny",
            "NumMultiple",
            "IntFracMultiple",
            "Multi",
            "Untyped",
            "Enum",
            "TypedEnum",
            "Const",
            "Arr",
            "Tuple",
            "TupleOpen",
            "ManyItems",
            "Obj",
            "MapOf",
            "Sized",
            "RequiredUndeclared",
            "Weird",
            "Derived",
            "AnyOf",
            "AnyOfSiblings",
            "NotType",
            "Tree",
            "LinkedList",
            "AnyTrue",
            "Empty",
            "ReadWrite",
        ] {
            let id = component(&spec, name);
            for direction in BOTH {
                let raw = Generator::new(&spec.schemas, direction).compile_root(id, None);
                assert!(raw.exact, "{name} {direction:?} should compile exactly");
            }
        }
    }

    #[test]
    fn the_schema_false_yields_nothing() {
        let spec = load("gen31.yaml", SPEC_31);
        let id = component(&spec, "Never");
        let generator = Generator::new(&spec.schemas, Direction::Response);
        assert!(generator.strategy(id).new_tree(&mut runner(1)).is_err());
        assert_eq!(generator.sample(id, 1), Value::Null);
    }

    #[test]
    fn read_only_and_write_only_properties_follow_the_direction() {
        for (name, text, schema) in [
            ("gen31.yaml", SPEC_31, "ReadWrite"),
            ("gen30.yaml", SPEC_30, "Pet"),
        ] {
            let spec = load(name, text);
            let id = component(&spec, schema);
            let (read_only, write_only) = if schema == "Pet" {
                (vec!["id"], vec!["secret"])
            } else {
                (vec!["id", "etag"], vec!["password", "pin"])
            };
            for direction in BOTH {
                let s = Generator::new(&spec.schemas, direction).strategy(id);
                runner(64)
                    .run(&s, |v| {
                        let o = v.as_object().expect("an object");
                        let (present, absent) = match direction {
                            Direction::Request => (&write_only[..1], &read_only),
                            Direction::Response => (&read_only[..1], &write_only),
                        };
                        prop_assert!(present.iter().all(|k| o.contains_key(*k)), "{v}");
                        prop_assert!(absent.iter().all(|k| !o.contains_key(*k)), "{v}");
                        Ok(())
                    })
                    .unwrap_or_else(|e| panic!("{schema} {direction:?}: {e}"));
            }
        }
    }

    #[test]
    fn recursive_schemas_stay_small() {
        let spec = load("gen31.yaml", SPEC_31);
        fn depth(v: &Value) -> usize {
            match v {
                Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
                Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
                _ => 0,
            }
        }
        for name in ["Tree", "LinkedList", "Expr"] {
            let id = component(&spec, name);
            let s = Generator::new(&spec.schemas, Direction::Response).strategy(id);
            runner(64)
                .run(&s, |v| {
                    prop_assert!(depth(&v) <= 12, "{name}: {v}");
                    Ok(())
                })
                .unwrap();
        }
    }

    #[test]
    fn samples_are_deterministic() {
        let spec = load("gen31.yaml", SPEC_31);
        let spec30 = load("gen30.yaml", SPEC_30);
        for (spec, name) in [
            (&spec, "Formats"),
            (&spec, "Tree"),
            (&spec, "Pet"),
            (&spec, "PatternLookahead"),
            (&spec30, "Pet"),
        ] {
            let id = component(spec, name);
            for direction in BOTH {
                let generator = Generator::new(&spec.schemas, direction);
                let mut distinct = BTreeSet::new();
                for seed in 0..12 {
                    let a = generator.sample(id, seed);
                    let b = Generator::new(&spec.schemas, direction).sample(id, seed);
                    assert_eq!(a, b, "{name} {direction:?} seed {seed}");
                    assert!(spec.schemas.is_valid(id, direction, &a), "{name}: {a}");
                    distinct.insert(a.to_string());
                }
                // Pet has four values in all.
                assert!(distinct.len() >= 4, "{name} {direction:?}: {distinct:?}");
            }
        }
    }

    #[test]
    fn documented_examples_come_from_the_schema_or_its_properties() {
        let spec = load("gen30.yaml", SPEC_30);
        let example = |name: &str, direction| {
            documented_example(&spec.schemas, component(&spec, name), direction)
        };
        assert_eq!(
            example("Documented", Direction::Response),
            Some(json!({"a": 1}))
        );
        assert_eq!(example("Defaulted", Direction::Request), Some(json!(5)));
        assert_eq!(
            example("Pet", Direction::Response),
            Some(
                json!({"id": 42, "name": "Rex", "tag": "good", "owner": {"login": "alice", "since": "2020-01-02"}})
            )
        );
        assert_eq!(
            example("Pet", Direction::Request),
            Some(
                json!({"name": "Rex", "secret": "hunter2", "tag": "good", "owner": {"login": "alice", "since": "2020-01-02"}})
            )
        );
        assert_eq!(
            example("Listed", Direction::Response),
            Some(json!([{"login": "alice", "since": "2020-01-02"}]))
        );
        assert_eq!(
            example("Extended", Direction::Response),
            Some(json!({"level": 3, "login": "alice", "since": "2020-01-02"}))
        );
        assert_eq!(
            example("NullableRef", Direction::Response),
            example("Pet", Direction::Response)
        );
        // A required property without an example: nothing documented.
        assert_eq!(example("Undocumented", Direction::Response), None);
        assert_eq!(example("NullableString", Direction::Response), None);
        for name in [
            "Documented",
            "Defaulted",
            "Pet",
            "Listed",
            "Extended",
            "NullableRef",
        ] {
            for direction in BOTH {
                let id = component(&spec, name);
                let v = documented_example(&spec.schemas, id, direction).unwrap();
                assert!(
                    spec.schemas.is_valid(id, direction, &v),
                    "{name} {direction:?}: {v}"
                );
            }
        }
        let spec31 = load("gen31.yaml", SPEC_31);
        assert_eq!(
            documented_example(
                &spec31.schemas,
                component(&spec31, "Base"),
                Direction::Response
            ),
            None
        );
        assert_eq!(
            documented_example(
                &spec31.schemas,
                component(&spec31, "Const"),
                Direction::Response
            ),
            Some(json!({"x": 1}))
        );
    }

    #[test]
    fn every_schema_of_the_bundled_specs_yields_valid_values() {
        let mut failures = Vec::new();
        for name in BUNDLED {
            let path = format!("{}/specs/{name}", env!("CARGO_MANIFEST_DIR"));
            let spec = Spec::load(&path, LoadOptions::default()).unwrap();
            for i in 0..spec.schemas.len() {
                let id = SchemaId(i as u32);
                for direction in BOTH {
                    if let Err(e) = check_entry(&spec, id, direction, 16) {
                        failures.push(format!("{name} entry {i} {direction:?}: {e}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn patterns_translate_to_generable_regexes() {
        let t = |p: &str| translate_pattern(p, true);
        assert_eq!(t(r"^\d{3}$").regex, "[0-9]{3}");
        assert!(!t(r"^\d{3}$").extendable);
        assert!(t(r"^abc").extendable);
        assert_eq!(t(r"^[^/]+$").regex, "[[ -~]&&[^/]]{1,8}");
        assert_eq!(t(r"a{2,}b*").regex, "a{2,10}b{0,8}");
        assert_eq!(t(r"x{1,100}").regex, "x{1,17}");
        assert!(t(r"^(?=.*\d)\w+$").lossy);
        assert!(t(r"(a)\1").lossy);
        assert!(!t(r"^(?<year>\d{4})-(?:\d\d)$").lossy);
        for p in [
            r"^[a-zA-Z0-9_.-]+$",
            r"^\+?[1-9]\d{1,14}$",
            r"^(\([0-9]{3}\))?[0-9]{3}-[0-9]{4}$",
            r"^[\w\-\.]+@([\w-]+\.)+[\w-]{2,4}$",
            r"^#?([a-f0-9]{6}|[a-f0-9]{3})$",
            r"^[^\s@]+@[^\s@]+$",
            r"^\p{L}+$",
            r"^[A-Z]{3}\/[0-9]+$",
            r"^[-a-z]+$",
            r"^a|b{$",
        ] {
            let tr = t(p);
            assert!(string_regex(&tr.regex).is_ok(), "{p} → {}", tr.regex);
        }
    }

    /// The specs [`corpus_sample_validity`] samples unless `STIPULA_GENERATE_CORPUS` (paths
    /// separated by `:`) names others.
    const CORPUS: [&str; 3] = [
        "/work/shared/corpus/famous/github/api.github.com.json",
        "/work/shared/corpus/famous/stripe/spec3.yaml",
        "/work/shared/corpus/famous/kubernetes/swagger-1.13.json",
    ];

    /// By hand: `cargo test --release --lib generate::tests::corpus_sample_validity --
    /// --ignored --nocapture`. Samples every operation-level schema (parameters, bodies,
    /// response bodies and headers) of large real specs and counts values that fail validation.
    #[test]
    #[ignore = "slow, needs the corpus: run by hand with --ignored --nocapture"]
    fn corpus_sample_validity() {
        let paths: Vec<String> = match std::env::var("STIPULA_GENERATE_CORPUS") {
            Ok(v) => v.split(':').map(str::to_string).collect(),
            Err(_) => CORPUS.iter().map(|s| s.to_string()).collect(),
        };
        for path in paths {
            let started = std::time::Instant::now();
            let spec = match Spec::load(&path, LoadOptions::default()) {
                Ok(s) => s,
                Err(e) => {
                    println!("{path}: does not load: {e}");
                    continue;
                }
            };
            let loaded = started.elapsed();
            let mut targets = BTreeSet::new();
            for op in &spec.operations {
                for p in &op.parameters {
                    targets.extend(p.schema.map(|id| (id, Direction::Request)));
                    targets.extend(
                        p.content
                            .iter()
                            .filter_map(|m| m.schema)
                            .map(|id| (id, Direction::Request)),
                    );
                }
                if let Some(body) = &op.request_body {
                    targets.extend(
                        body.content
                            .iter()
                            .filter_map(|m| m.schema)
                            .map(|id| (id, Direction::Request)),
                    );
                }
                for r in &op.responses {
                    targets.extend(
                        r.content
                            .iter()
                            .filter_map(|m| m.schema)
                            .map(|id| (id, Direction::Response)),
                    );
                    targets.extend(
                        r.headers
                            .iter()
                            .filter_map(|h| h.schema)
                            .map(|id| (id, Direction::Response)),
                    );
                }
            }
            let started = std::time::Instant::now();
            let mut invalid = 0;
            let mut documented = 0;
            let mut documented_invalid = 0;
            let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
            let mut shown = Vec::new();
            let mut slowest = (std::time::Duration::ZERO, None);
            for &(id, direction) in &targets {
                if let Some(x) = documented_example(&spec.schemas, id, direction) {
                    documented += 1;
                    documented_invalid += usize::from(!spec.schemas.is_valid(id, direction, &x));
                }
                let one = std::time::Instant::now();
                let v = Generator::new(&spec.schemas, direction).sample(id, 0);
                if one.elapsed() > slowest.0 {
                    slowest = (one.elapsed(), Some(id));
                }
                let violations = spec.schemas.validate(id, direction, &v);
                if let Some(first) = violations.first() {
                    invalid += 1;
                    *kinds.entry(first.keyword.clone()).or_default() += 1;
                    if shown.len() < 8 {
                        let mut text = v.to_string();
                        text.truncate(160);
                        shown.push(format!(
                            "  {} {direction:?}: {first} [{}] value {text}",
                            spec.schemas.location(id).pointer,
                            first.schema_location
                        ));
                    }
                }
            }
            println!(
                "{path}: loaded in {loaded:?}; {} schemas sampled in {:?} (slowest {:?}, entry {:?}); {invalid} invalid ({:.2}%); kinds {kinds:?}; documented examples {documented} ({documented_invalid} invalid)",
                targets.len(),
                started.elapsed(),
                slowest.0,
                slowest.1,
                100.0 * invalid as f64 / targets.len().max(1) as f64,
            );
            for s in shown {
                println!("{s}");
            }
        }
    }
}
