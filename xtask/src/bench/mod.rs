//! `cargo xtask bench mock|lint|diff|test`: one file per bench, and what they share in `common`
//! (children killed on drop, a temporary folder, building the release `stipula`, the flag-parsing
//! entry with its exit codes, /proc readings, figures).

mod common;
mod diff;
mod lint;
mod mock;
mod test;

use std::process::ExitCode;

pub(crate) use common::CORPUS;
pub use mock::baseline_server;

/// `cargo xtask bench BENCH ARGS`: exit 2 on an unknown bench or bad flags.
pub fn run(args: &[String]) -> ExitCode {
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("mock") => mock::run(rest),
        Some("lint") => lint::run(rest),
        Some("diff") => diff::run(rest),
        Some("test") => test::run(rest),
        _ => {
            eprintln!(
                "{}\n{}\n{}\n{}",
                mock::USAGE,
                lint::USAGE,
                diff::USAGE,
                test::USAGE
            );
            ExitCode::from(2)
        }
    }
}
