//! Integration tests of the spec model: loading every dialect and format, `$ref`s across files
//! and hosts, cycles, schema normalization to JSON Schema 2020-12, Swagger 2.0 conversion,
//! broken specs and their diagnostics, the bundled specs, the `stipula` command line, every
//! lint rule and report format (`lint`), and the mock server over real HTTP (`mock`).
//!
//! Fixtures live in `tests/fixtures/` (see its README.md); helpers shared by every area are in
//! `support`.

mod broken;
mod bundled;
mod cli;
mod conversion;
mod cycles;
mod lint;
mod mock;
mod refs;
mod spec_load;
mod support;
mod swagger2;
