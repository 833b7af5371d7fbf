//! Integration tests, one binary: the spec model (loading every dialect and format, `$ref`s
//! across files and hosts, cycles, normalization to JSON Schema 2020-12, Swagger 2.0
//! conversion, broken specs and their diagnostics, the bundled specs), the `stipula` command
//! line, every lint rule and report format (`lint`), the mock over real HTTP (`mock`, `watch`,
//! `mock_prism` for the behaviours of Prism's test harness), `stipula diff` (`diff`), the
//! validating proxy (`proxy`), the conformance runner (`runner`) and its reporters (`report`), and
//! the emulated seed APIs with their faulty variants that the runner is proven against
//! (`emulators`).
//!
//! Fixtures live in `tests/fixtures/` (see its README.md); helpers shared by every area are in
//! `support`.

mod broken;
mod bundled;
mod cli;
mod conversion;
mod coverage;
mod cycles;
mod diff;
mod emulators;
mod hostile;
mod lint;
mod mock;
mod mock_prism;
mod proxy;
mod refs;
mod report;
mod runner;
mod spec_load;
mod support;
mod swagger2;
mod trust;
mod watch;
