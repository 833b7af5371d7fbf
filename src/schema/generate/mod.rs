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
//!   root (applying the direction's `required`, as `crate::schema::validate` does) and compiles
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

mod checker;
mod compile;
mod merge;
mod pattern;
mod scalar;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Registry, Validator};
use proptest::collection::vec;
use proptest::prelude::{Just, Strategy, any};
use proptest::strategy::{BoxedStrategy, Union, ValueTree};
use proptest::string::string_regex;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use super::view::{MAX_DEPTH, SchemaView};
use super::vocab::{self, REQUIRED_IN_REQUESTS, REQUIRED_IN_RESPONSES};
use super::walk;
use super::{Direction, SchemaId, Schemas};

use checker::*;
use compile::*;
pub use compile::{MAX_DEMANDED_SIZE, MAX_GENERATED_SIZE};
use merge::*;
use pattern::*;
use scalar::*;

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

/// Why [`Generator::try_sample`] has no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// Every value of the schema is larger than [`MAX_GENERATED_SIZE`] (nested `minItems`, a
    /// pattern of nested counted repetitions...): `size` is the bound that was computed.
    #[error(
        "its values would be larger than the generation budget ({size} > {MAX_GENERATED_SIZE} nodes and characters)"
    )]
    TooLarge { size: u64 },
    /// No value could be drawn at all (`false`, contradictory keywords).
    #[error("no value could be generated for it (no value satisfies it)")]
    Nothing,
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
        let mut generated = self.compile_root(id, Some(Arc::clone(&checker)));
        if generated.size > MAX_GENERATED_SIZE {
            generated = never();
        }
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
        self.try_sample(id, seed).unwrap_or(Value::Null)
    }

    /// [`Generator::sample`], saying why there is no value instead of answering `null`: the
    /// schema's values are all too large to generate, or none could be drawn.
    pub fn try_sample(&self, id: SchemaId, seed: u64) -> Result<Value, SampleError> {
        let compiled = self.compile_root(id, None);
        if compiled.size > MAX_GENERATED_SIZE {
            return Err(SampleError::TooLarge {
                size: compiled.size,
            });
        }
        let raw = compiled.s;
        let mut first = None;
        for attempt in 0..SAMPLE_ATTEMPTS {
            if let Some(v) = draw(&raw, seed, attempt) {
                if self.schemas.is_valid(id, self.direction, &v) {
                    return Ok(v);
                }
                first.get_or_insert(v);
            }
        }
        let checked = self.strategy(id);
        for attempt in SAMPLE_ATTEMPTS..SAMPLE_ATTEMPTS + CHECKED_ATTEMPTS {
            if let Some(v) = draw(&checked, seed, attempt)
                && self.schemas.is_valid(id, self.direction, &v)
            {
                return Ok(v);
            }
        }
        first.ok_or(SampleError::Nothing)
    }

    /// Whether values of `id` fit the generation budget (`Err` with the computed size when
    /// not): lint's warning about a schema the mock cannot answer from.
    pub fn fits(&self, id: SchemaId) -> Result<(), u64> {
        let size = self.compile_root(id, None).size;
        if size > MAX_GENERATED_SIZE {
            Err(size)
        } else {
            Ok(())
        }
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

/// How deep [`documented_example`] follows properties and `$ref`s: as deep as a view looks.
const EXAMPLE_DEPTH: u32 = MAX_DEPTH;

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
/// branches, seen through [`SchemaView`]), when every required property got one.
fn assemble_example(
    schemas: &Schemas,
    m: &Map<String, Value>,
    direction: Direction,
    depth: u32,
) -> Option<Value> {
    let view = SchemaView::of_object(schemas, m, depth);
    let required = view.required(direction);
    let mut out = Map::new();
    for &(name, sub) in &view.every_property {
        if out.contains_key(name) || skip_for_direction(schemas, direction, sub) {
            continue;
        }
        if let Some(x) = example_of(schemas, sub, direction, depth + 1) {
            out.insert(name.to_string(), x);
        }
    }
    for example in view.part_examples {
        if let Value::Object(o) = example {
            for (k, v) in o {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    (!out.is_empty() && required.iter().all(|r| out.contains_key(*r))).then_some(Value::Object(out))
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

    /// By hand: `cargo test --release --lib schema::generate::tests::corpus_sample_validity --
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
                            spec.schema_location(id).pointer,
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
