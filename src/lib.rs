//! Stipula: OpenAPI contract testing and mocking from one spec model.
//!
//! The library surface: [`spec::Spec`] loads any OpenAPI 2.0/3.0/3.1 document into the model
//! every subcommand shares; [`schema`] holds the validators compiled from it.
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

pub mod cli;
pub mod diff;
pub mod lint;
pub mod media;
pub mod mock;
pub mod params;
pub mod runner;
pub mod schema;
pub mod spec;
pub mod test_command;
