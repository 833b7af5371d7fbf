//! The schema layer: everything that knows the normalized form of a spec's schemas.
//!
//! `spec::normalize` writes the form (JSON Schema 2020-12 entries, `#/$defs/<id>` references,
//! direction-specific `required`); this layer is the only code that reads it: its vocabulary
//! (`vocab`), a walk over subschemas (`walk`), a look through `$ref`/`allOf` (`view`), the
//! validators (`validate`) and the value generator (`generate`).
//!
//! Invariant: nothing here imports from `spec`, `mock`, `runner`, `lint`, `diff` or `params`
//! (`grep -rn 'crate::\(spec\|mock\|runner\|lint\|diff\|params\)' src/schema` finds only the
//! generator's tests, which load real specs): the consumers depend on the schema layer, never
//! the other way round, so `spec` hands its normalized document and the names of its entries'
//! locations to [`Schemas`] without an import cycle (`Spec::schema_location` keeps the
//! locations themselves).

pub mod generate;
pub mod validate;
pub mod view;
pub mod vocab;
pub mod walk;

pub use validate::{Batch, NestedValidator, Schemas, Violation};
pub use view::SchemaView;

pub use vocab::{Direction, SchemaId};
