//! Project chores: `cargo xtask corpus` (load, and with `--lint` lint, every real-world spec in
//! ../shared/corpus), `cargo xtask bench mock` (the mock under wrk, against a bare hyper
//! baseline), `cargo xtask bench lint` (stipula lint against Redocly and Spectral) and `cargo
//! xtask bench test` (the conformance runner's cases per second, against Schemathesis), `cargo
//! xtask fuzz` (the cargo-fuzz targets of `fuzz/`, bounded in time, when nightly is there) and
//! `cargo xtask soak` (mixed valid and hostile load against the mock: no 5xx, bounded memory).
//!
//! One binary with subcommands, run through the `.cargo/config.toml` alias in release mode.

use std::process::ExitCode;

mod bench;
mod bench_lint;
mod bench_test;
mod corpus;
mod fuzz;
mod soak;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("corpus") => corpus::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("soak") => soak::run(&args[1..]),
        // Hidden: the baseline that `bench mock` starts as a child process.
        Some("bench-baseline-server") => bench::baseline_server(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask corpus [--corpus DIR] [--filter TEXT] [--verbose] [--lint]\n       cargo xtask bench lint [--runs N] [--corpus DIR] [--stipula PATH] [--only stipula]\n       cargo xtask bench mock [--duration SECS] [--connections N] [--threads N] [--runs N] [--warmup SECS] [--stipula PATH]\n       cargo xtask bench test [--runs N] [--cases N] [--spec NAME] [--stipula PATH] [--emulator-bin PATH] [--st-runs N] [--st-max-examples N]\n       cargo xtask fuzz [--seconds N] [--target NAME]\n       cargo xtask soak [--seconds N] [--connections N] [--max-growth-mib N]"
            );
            ExitCode::from(2)
        }
    }
}
