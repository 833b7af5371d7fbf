//! `cargo xtask fuzz [--seconds N]`: runs every cargo-fuzz target of `fuzz/` for a bounded
//! time each (default 60 s), when cargo-fuzz and a nightly toolchain are installed; otherwise
//! says what is missing and exits 0 (nothing was run, nothing failed).
//!
//! The targets live in their own crate (`fuzz/`, not a workspace member: libFuzzer needs
//! nightly and sanitizer flags, and the default build must stay stable-only). A crash leaves
//! its input in `fuzz/artifacts/<target>/`, as cargo-fuzz does; the run then exits 1.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

const USAGE: &str = "usage: cargo xtask fuzz [--seconds N (60)] [--target NAME]";

/// The targets, in `fuzz/fuzz_targets/`.
pub const TARGETS: [&str; 4] = [
    "spec_load",
    "params_decode",
    "normalize",
    "request_validate",
];

pub fn run(args: &[String]) -> ExitCode {
    let mut seconds: u64 = 60;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match (flag.as_str(), it.next()) {
            ("--seconds", Some(v)) => match v.parse() {
                Ok(n) if n > 0 => seconds = n,
                _ => {
                    eprintln!("--seconds {v}: expected a positive number\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            ("--target", Some(v)) if TARGETS.contains(&v.as_str()) => only = Some(v.clone()),
            _ => {
                eprintln!("{USAGE}\ntargets: {}", TARGETS.join(", "));
                return ExitCode::from(2);
            }
        }
    }
    let fuzz_dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("fuzz");
    let works = |args: &[&str]| {
        Command::new("cargo")
            .args(args)
            .current_dir(&fuzz_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !works(&["+nightly", "--version"]) {
        println!(
            "fuzz: no nightly toolchain (`rustup toolchain install nightly`); nothing was run"
        );
        return ExitCode::SUCCESS;
    }
    if !works(&["fuzz", "--version"]) {
        println!("fuzz: cargo-fuzz is not installed (`cargo install cargo-fuzz`); nothing was run");
        return ExitCode::SUCCESS;
    }
    let mut failed = Vec::new();
    for target in TARGETS
        .iter()
        .filter(|t| only.as_deref().is_none_or(|o| o == **t))
    {
        println!("fuzz: {target} for {seconds} s");
        let status = Command::new("cargo")
            .args(["+nightly", "fuzz", "run", target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            // Inputs are specs and requests: a few KiB say everything a megabyte would.
            .arg("-max_len=65536")
            .current_dir(&fuzz_dir)
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => failed.push(format!("{target} ({s}); input in fuzz/artifacts/{target}/")),
            Err(e) => failed.push(format!("{target}: cannot run cargo fuzz: {e}")),
        }
    }
    if failed.is_empty() {
        println!("fuzz: every target ran {seconds} s without a crash");
        ExitCode::SUCCESS
    } else {
        for f in &failed {
            println!("fuzz: FAILED {f}");
        }
        ExitCode::from(1)
    }
}
