//! Project chores: `cargo xtask corpus` (load every real-world spec in ../shared/corpus).
//!
//! One binary with subcommands, run through the `.cargo/config.toml` alias in release mode.

use std::process::ExitCode;

mod corpus;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("corpus") => corpus::run(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask corpus [--corpus DIR] [--filter TEXT] [--verbose]");
            ExitCode::from(2)
        }
    }
}
