//! The compiler: one normalized schema node to a proptest strategy, tracking exactness.
//!
//! `Compiler` expands `$ref`s eagerly, memoized per (entry, nesting level), and falls back to
//! the shortest shape past the depth and recursion limits (see the parent module's note). The
//! strategies that need no schema (`false`, any JSON value) sit at the end.

use super::*;

/// A compiled node: its strategy, whether every value of it is valid for the node, and how
/// large its values can get.
#[derive(Clone)]
pub(super) struct Gen {
    pub(super) s: BoxedStrategy<Value>,
    pub(super) exact: bool,
    /// An upper bound on a value's size, in JSON nodes plus string characters (saturating):
    /// what [`MAX_GENERATED_SIZE`] is checked against. A bound per level (`minItems` at most
    /// [`MAX_DEMANDED_SIZE`]) does not bound the product of nested levels.
    pub(super) size: u64,
}

impl Gen {
    pub(super) fn exact(s: BoxedStrategy<Value>) -> Self {
        Gen {
            s,
            exact: true,
            size: 1,
        }
    }

    pub(super) fn inexact(s: BoxedStrategy<Value>, size: u64) -> Self {
        Gen {
            s,
            exact: false,
            size,
        }
    }

    pub(super) fn sized(mut self, size: u64) -> Self {
        self.size = size;
        self
    }
}

/// The most a generated value may weigh (JSON nodes plus string characters; about its size in
/// bytes): a schema whose values must be larger (`minItems: 1000` three levels deep, a pattern
/// `((a{1000}){1000}){1000}`) gets no value, and the mock says so, instead of allocating
/// gigabytes. A few MiB of JSON is more than any example needs.
pub const MAX_GENERATED_SIZE: u64 = 4_000_000;

/// Size of [`any_value`]'s values, at most.
const ANY_VALUE_SIZE: u64 = 64;

/// Where in the expansion a node is.
#[derive(Clone, Copy)]
pub(super) struct Ctx {
    /// `$ref` hops from the root.
    pub(super) depth: u32,
    /// Generate the shortest shape.
    pub(super) minimal: bool,
    /// In-place expansions (`anyOf` branches, `allOf` merges) since the last `$ref` hop: a
    /// guard against in-place cycles, which loading already reports as errors.
    pub(super) in_place: u32,
}

impl Ctx {
    pub(super) const ROOT: Ctx = Ctx {
        depth: 0,
        minimal: false,
        in_place: 0,
    };

    pub(super) fn in_place(self) -> Ctx {
        Ctx {
            in_place: self.in_place + 1,
            ..self
        }
    }
}

pub(super) const MAX_IN_PLACE: u32 = 24;
/// How deep `flatten` follows `$ref` and `allOf`.
pub(super) const MAX_FLATTEN: u32 = 16;
/// Integer values (or multiples) generated in a wide range: a window of this width.
pub(super) const INT_WINDOW: i128 = 1_000;
/// Hundredths generated for unconstrained numbers: a window of this width (0.00..=1000.00).
pub(super) const HUNDREDTHS_WINDOW: i128 = 100_000;

pub(super) struct Compiler<'a> {
    pub(super) schemas: &'a Schemas,
    pub(super) direction: Direction,
    pub(super) options: &'a Options,
    pub(super) checker: Option<Arc<Checker>>,
    pub(super) memo: HashMap<(u32, u32), Gen>,
    pub(super) in_progress: HashSet<(u32, u32)>,
    /// Entries being expanded, outermost first.
    pub(super) stack: Vec<u32>,
}

impl<'a> Compiler<'a> {
    /// Entry `id` reached by a `$ref` (or as the root).
    pub(super) fn entry(&mut self, id: u32, ctx: Ctx) -> Gen {
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
            return Gen::inexact(Just(Value::Null).boxed(), 1);
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
    pub(super) fn compile(&mut self, schema: &Value, ctx: Ctx) -> Gen {
        let g = match schema {
            Value::Bool(false) => return never(),
            Value::Object(m) => {
                if ctx.in_place > MAX_IN_PLACE {
                    Gen::inexact(any_value(), ANY_VALUE_SIZE)
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
    pub(super) fn checked(&self, g: Gen, schema: &Value) -> Gen {
        match &self.checker {
            Some(checker) if !g.exact => {
                let key = checker.register(schema);
                let check = Check::new(Arc::clone(checker), key);
                Gen::exact(
                    g.s.prop_filter("valid for a subschema", move |v| check.ok(v))
                        .boxed(),
                )
                .sized(g.size)
            }
            _ => g,
        }
    }

    /// `m` with its `$ref` target and `allOf` branches merged in (recursively); false when the
    /// merge lost a constraint (the caller's node then needs its filter).
    pub(super) fn flatten(&self, m: &Map<String, Value>, depth: u32) -> (Map<String, Value>, bool) {
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
    pub(super) fn compile_flat(&mut self, m: &Map<String, Value>, ctx: Ctx) -> Gen {
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
    pub(super) fn alternatives(
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
        let mut size = 0u64;
        let mut too_large = 0u64;
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
            if g.size > MAX_GENERATED_SIZE {
                // A branch no value of which fits: the others may.
                too_large = too_large.max(g.size);
                continue;
            }
            size = size.max(g.size);
            exact &= g.exact;
            let weight = if is_null_only(self.schemas, branch) {
                1
            } else {
                3
            };
            options.push((weight, g.s));
        }
        if options.is_empty() {
            return if too_large > 0 {
                never().sized(too_large)
            } else {
                never()
            };
        }
        Gen {
            s: Union::new_weighted(options).boxed(),
            exact,
            size,
        }
    }

    /// The branch with the shortest values, roughly: `null`, else the fewest `$ref`s, avoiding
    /// entries being expanded.
    pub(super) fn cheapest(&self, branches: &[Value]) -> Option<usize> {
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
    pub(super) fn typed(&mut self, m: &Map<String, Value>, ctx: Ctx) -> Gen {
        if let Some(c) = m.get("const") {
            return Gen {
                s: Just(c.clone()).boxed(),
                exact: quick_ok(m, c) && !deep_keywords(m),
                size: weight(c),
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
            let size = pool.iter().map(weight).max().unwrap_or(1);
            return Gen {
                s: proptest::sample::select(pool).boxed(),
                exact,
                size,
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
        let mut size = 1u64;
        let mut too_large = 0u64;
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
            if g.size > MAX_GENERATED_SIZE {
                too_large = too_large.max(g.size);
                continue;
            }
            size = size.max(g.size);
            exact &= g.exact;
            options.push((if t == "null" { 1 } else { 3 }, g.s));
        }
        match options.len() {
            0 if too_large > 0 => never().sized(too_large),
            0 => never(),
            1 => Gen {
                s: options.pop().map(|(_, s)| s).unwrap_or_else(|| never().s),
                exact,
                size,
            },
            _ => Gen {
                s: Union::new_weighted(options).boxed(),
                exact,
                size,
            },
        }
    }

    pub(super) fn string(&self, m: &Map<String, Value>) -> Gen {
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
        let cap = lo <= self.options.max_string_length;
        // Characters a value can have: the pattern's longest match (plus padding to `lo`), or
        // `hi`; a pattern whose longest match cannot be told is taken at its word.
        let mut size = hi.max(lo) as u64 + 1;
        let pattern = m.get("pattern").and_then(Value::as_str).map(|p| {
            match pattern_max_len(p, cap) {
                Some(n) => size = size.max((n as u64).saturating_add(lo as u64)),
                None => size = u64::MAX,
            }
            pattern_strategy(p, lo, cap).unwrap_or_else(|| (plain_string(lo, hi), false))
        });
        if size > MAX_GENERATED_SIZE {
            return never().sized(size);
        }
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
        Gen { s, exact, size }
    }

    pub(super) fn object(&mut self, m: &Map<String, Value>, ctx: Ctx) -> Gen {
        let empty = Map::new();
        let props = m
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut required: Vec<String> = Vec::new();
        for n in vocab::required_names(m, self.direction) {
            if !required.iter().any(|r| r == n) {
                required.push(n.to_string());
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
        let mut size = 1u64;
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
            size = size
                .saturating_add(g.size)
                .saturating_add(name.len() as u64);
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
            size = size
                .saturating_add(g.size)
                .saturating_add(name.len() as u64);
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
                // Keys are short: `propertyNames` strings, or 10 characters.
                size = size.saturating_add((extra_max as u64).saturating_mul(value.size + 32));
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
                    size = size.saturating_add(g.size).saturating_add(32);
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

        if size > MAX_GENERATED_SIZE {
            return never().sized(size);
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
        Gen { s, exact, size }
    }

    /// Names for extra properties: from `propertyNames` when given.
    pub(super) fn key_strategy(&mut self, names: Option<&Value>) -> BoxedStrategy<String> {
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

    pub(super) fn array(&mut self, m: &Map<String, Value>, ctx: Ctx) -> Gen {
        let mut exact = true;
        let mut size = 1u64;
        let prefix: Vec<BoxedStrategy<Value>> = match m.get("prefixItems") {
            Some(Value::Array(list)) => list
                .iter()
                .map(|p| {
                    let g = self.compile(p, ctx);
                    exact &= g.exact;
                    size = size.saturating_add(g.size);
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
        if let Some(g) = &items {
            size = size.saturating_add((rest_len as u64).saturating_mul(g.size));
        }
        if size > MAX_GENERATED_SIZE {
            return never().sized(size);
        }
        let prefix: Vec<_> = prefix.into_iter().take(hi).collect();
        let rest = match items {
            Some(g) => vec(g.s, rest_len..=rest_len).boxed(),
            None => Just(Vec::new()).boxed(),
        };
        let unique = m.get("uniqueItems") == Some(&Value::Bool(true));
        let contains: BoxedStrategy<Option<Value>> = match m.get("contains") {
            Some(c) => {
                exact = false;
                let g = self.compile(c, ctx);
                size = size.saturating_add(g.size);
                g.s.prop_map(Some).boxed()
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
        Gen { s, exact, size }
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies without a schema

/// Largest `minLength` / `minItems` / `minProperties` honoured: a spec demanding more (a
/// billion items) gets no value rather than a mock that allocates until it dies.
pub const MAX_DEMANDED_SIZE: usize = 10_000;

/// The schema `false`: no value. Every draw is rejected.
pub(super) fn never() -> Gen {
    Gen::exact(
        Just(Value::Null)
            .prop_filter("no value satisfies this schema", |_| false)
            .boxed(),
    )
}

/// A value's weight for [`Gen::size`]: its nodes and string characters.
pub(super) fn weight(v: &Value) -> u64 {
    let mut total = 0u64;
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        total = total.saturating_add(1);
        match v {
            Value::String(s) => total = total.saturating_add(s.len() as u64),
            Value::Array(a) => todo.extend(a),
            Value::Object(o) => {
                for (k, x) in o {
                    total = total.saturating_add(k.len() as u64);
                    todo.push(x);
                }
            }
            _ => {}
        }
    }
    total
}

pub(super) fn any_gen() -> Gen {
    Gen::exact(any_value()).sized(ANY_VALUE_SIZE)
}

/// Any small JSON value: scalars mostly, sometimes a short array or object of scalars.
pub(super) fn any_value() -> BoxedStrategy<Value> {
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
