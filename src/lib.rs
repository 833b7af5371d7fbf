//! Stipula: OpenAPI contract testing and mocking from one spec model.
//!
//! The library surface, re-exported here: [`Spec`] loads any OpenAPI 2.0/3.0/3.1 document
//! (with [`LoadOptions`]) into the model every subcommand shares; [`MockServer`] serves it;
//! [`run_tests`] checks an implementation against it ([`TestConfig`] in, [`TestReport`] out);
//! [`lint_file`] and [`lint_spec`] lint it; [`diff()`] compares two versions. The modules they
//! come from are public for their types; modules marked as not API are public only for the
//! integration tests and the xtask.
//!
//! Without the default `cli` feature (`default-features = false`) the library builds without
//! clap, indicatif, tracing-subscriber or notify (`mock --watch` needs the `watch` feature).
//! [`schema`] holds the validators compiled from a spec; [`baseline`] the file of accepted
//! findings `test`, `lint` and `diff` share.
//!
//! ```
//! let spec = stipula::spec::Spec::from_str(
//!     "pets.yaml",
//!     "openapi: 3.0.3\ninfo: {title: Pets, version: '1'}\npaths:\n  /pets/{id}:\n    get:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: integer, nullable: true}}\n      responses:\n        '200': {description: ok}\n",
//!     Default::default(),
//! )
//! .unwrap();
//! let op = &spec.operations[0];
//! assert_eq!(op.path, "/pets/{id}");
//! let id = op.parameters[0].schema.unwrap();
//! use stipula::schema::Direction::Request;
//! assert!(spec.schemas.is_valid(id, Request, &serde_json::json!(null)));
//! assert!(!spec.schemas.is_valid(id, Request, &serde_json::json!("seven")));
//! ```

// The baseline file `test`, `lint` and `diff` share.
pub mod baseline;
// Not API: the binary's arguments and subcommands, public so that tests/it runs them in-process.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
pub mod diff;
pub mod lint;
mod media;
pub mod mock;
// Not API: parameter serialization internals, public for tests/it.
#[doc(hidden)]
pub mod params;
// Collections and items in a spec: shared by the runner and the mock.
pub mod proxy;
pub(crate) mod resources;
pub mod runner;
pub mod schema;
pub mod spec;

pub use diff::{Change, Level, diff};
pub use lint::{lint_file, lint_spec};
pub use mock::{Limits, MockConfig, MockServer, Mount, StateConfig};
pub use runner::event::Report as TestReport;
pub use runner::{Config as TestConfig, RunError, run as run_tests};
pub use spec::{LoadError, LoadOptions, RefPolicy, Spec};
