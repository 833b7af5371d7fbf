//! Project chores: `cargo xtask corpus` (load, and with `--lint` lint, every real-world spec in
//! ../shared/corpus), `cargo xtask bench mock` (the mock under wrk, against a bare hyper
//! baseline), `cargo xtask bench lint` (stipula lint against Redocly and Spectral), `cargo xtask
//! bench diff` (stipula diff against oasdiff) and `cargo xtask bench test` (the conformance
//! runner's cases per second, against Schemathesis),
//! `cargo xtask newcomer` (the README's path on a fresh install, run by CI), `cargo xtask fuzz`
//! (the cargo-fuzz targets of `fuzz/`, bounded in time, when nightly is there) and `cargo xtask
//! soak` (mixed valid and hostile load against the mock: no 5xx, bounded memory).
//!
//! One binary with subcommands, run through the `.cargo/config.toml` alias in release mode.

use std::process::ExitCode;

mod bench;
mod corpus;
mod fuzz;
mod newcomer;
mod realworld;
mod soak;

/// Every task, with one line saying what it does (`cargo xtask --help`).
const TASKS: &[(&str, &str)] = &[
    (
        "corpus [--corpus DIR] [--filter TEXT] [--verbose] [--lint] [--allow-outside-refs]",
        "load (and lint) every real-world spec in ../shared/corpus",
    ),
    (
        "bench lint [--runs N] [--corpus DIR] [--stipula PATH] [--only stipula]",
        "stipula lint against Redocly and Spectral",
    ),
    (
        "bench diff [--runs N] [--corpus DIR] [--stipula PATH] [--only stipula]",
        "stipula diff against oasdiff on GitHub's and Stripe's specs, unchanged and edited",
    ),
    (
        "bench mock [--duration SECS] [--connections N] [--threads N] [--runs N] [--warmup SECS] [--stipula PATH]",
        "the mock under wrk, against a bare hyper server",
    ),
    (
        "bench test [--runs N] [--cases N] [--spec NAME] [--stipula PATH] [--emulator-bin PATH] [--st-runs N] [--st-max-examples N]",
        "the conformance runner's cases per second, against Schemathesis",
    ),
    (
        "fuzz [--seconds N] [--target NAME]",
        "every cargo-fuzz target of fuzz/ for N s (needs nightly and cargo-fuzz; says so when absent)",
    ),
    (
        "soak [--seconds N] [--connections N] [--max-growth-mib N]",
        "mixed valid and hostile load against the mock: no 5xx, RSS growth under a bound",
    ),
    (
        "realworld [--venv DIR] [--stipula PATH] [--out DIR] [--seed N] [--max-duration SECS] [--only kinto|jupyter|httpbin] [-- STIPULA-ARGS]",
        "stipula test against Kinto, Jupyter Server and httpbin (pip-installed in a venv) with their own specs",
    ),
    (
        "newcomer",
        "the README's path on a fresh install: install, mock, curl, test, lint, diff",
    ),
];

fn usage() -> String {
    let mut s = String::from("usage: cargo xtask TASK [OPTIONS]\n\ntasks:\n");
    for (task, what) in TASKS {
        s.push_str(&format!("  {task}\n      {what}\n"));
    }
    s
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("corpus") => corpus::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("newcomer") => newcomer::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("soak") => soak::run(&args[1..]),
        Some("realworld") => realworld::run(&args[1..]),
        // Hidden: the baseline that `bench mock` starts as a child process.
        Some("bench-baseline-server") => bench::baseline_server(&args[1..]),
        Some("--help" | "-h" | "help") => {
            print!("{}", usage());
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{}", usage());
            ExitCode::from(2)
        }
    }
}
