//! Integration tests of the spec model: loading every dialect and format, `$ref`s across files
//! and hosts, cycles, schema normalization to JSON Schema 2020-12, Swagger 2.0 conversion,
//! broken specs and their diagnostics, the bundled specs, the `stipula` command line, the
//! faulty variants, the targets of the conformance runner (`emulators`).
//! mock server over real HTTP (`mock`), and emulated implementations of the seed APIs with
//! mock server over real HTTP (`mock`), and the conformance runner's reporters (`report`).
//!
//! Fixtures live in `tests/fixtures/` (see its README.md); helpers shared by every area are in
//! `support`.

mod broken;
mod bundled;
mod cli;
mod conversion;
mod cycles;
mod emulators;
mod mock;
mod refs;
mod report;
mod runner;
mod spec_load;
mod support;
mod swagger2;
