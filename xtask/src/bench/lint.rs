//! `cargo xtask bench lint`: `stipula lint` against Redocly CLI and Spectral on the corpus's
//! biggest specs (GitHub's 13 MB JSON, Stripe's 4 MB YAML), in the same run.
//!
//! Each tool runs as a child under `/usr/bin/time` (wall time, user + system CPU, peak RSS of
//! the child), the tools taking turns in every round so that machine noise hits them alike;
//! the report gives medians over the rounds and ratios to stipula. Redocly (`redocly`) and
//! Spectral (`spectral`) are found in `$STIPULA_BENCH_NODE_BIN` (say
//! `/tmp/lintbench/node_modules/.bin`) or on PATH; a missing one is reported, not fatal.
//! Redocly runs its default `recommended` ruleset, Spectral `spectral:oas`.

use super::common::{Sample, on_path, summary, timed, version};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

pub(super) const USAGE: &str =
    "usage: cargo xtask bench lint [--runs N] [--corpus DIR] [--stipula PATH] [--only stipula]";

struct Settings {
    /// Rounds for stipula.
    runs: usize,
    /// Rounds for Redocly and Spectral (Spectral takes minutes and GiBs on GitHub's spec).
    tool_runs: usize,
    corpus: PathBuf,
    stipula: Option<PathBuf>,
    only_stipula: bool,
}

struct Tool {
    name: &'static str,
    /// The command line for one spec file.
    command: Box<dyn Fn(&Path) -> Command>,
}

pub(super) fn run(args: &[String]) -> ExitCode {
    super::common::entry(args, USAGE, parse, |s| bench(s).map(|()| true))
}

fn parse(args: &[String]) -> Result<Settings, String> {
    let mut s = Settings {
        runs: 5,
        tool_runs: 1,
        corpus: PathBuf::from(super::common::CORPUS),
        stipula: None,
        only_stipula: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--runs" => {
                s.runs = value()?
                    .parse()
                    .map_err(|_| "--runs needs a number".to_string())?
            }
            "--tool-runs" => {
                s.tool_runs = value()?
                    .parse()
                    .map_err(|_| "--tool-runs needs a number".to_string())?
            }
            "--corpus" => s.corpus = PathBuf::from(value()?),
            "--stipula" => s.stipula = Some(PathBuf::from(value()?)),
            "--only" => s.only_stipula = value()? == "stipula",
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if s.runs == 0 || s.tool_runs == 0 {
        return Err("--runs and --tool-runs must be at least 1".into());
    }
    Ok(s)
}

fn bench(s: &Settings) -> Result<(), String> {
    let root = Path::new(super::common::ROOT);
    super::common::require_usr_bin_time()?;
    let stipula = match &s.stipula {
        Some(p) => p.clone(),
        None => super::common::build_stipula(root)?,
    };
    let specs = [
        ("GitHub", s.corpus.join("famous/github/api.github.com.json")),
        ("Stripe", s.corpus.join("famous/stripe/spec3.yaml")),
    ];
    for (name, path) in &specs {
        if !path.is_file() {
            return Err(format!("{name}'s spec is not at {}", path.display()));
        }
    }
    let work = std::env::temp_dir().join(format!("stipula-bench-lint-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let ruleset = work.join(".spectral.yaml");
    std::fs::write(&ruleset, "extends: [\"spectral:oas\"]\n").map_err(|e| e.to_string())?;

    let mut tools = vec![Tool {
        name: "stipula",
        command: Box::new(move |spec| {
            let mut c = Command::new(&stipula);
            c.args(["lint", "--format", "json"]).arg(spec);
            c
        }),
    }];
    let bin_dir = std::env::var_os("STIPULA_BENCH_NODE_BIN").map(PathBuf::from);
    if !s.only_stipula {
        match on_path(bin_dir.as_deref(), "redocly") {
            Some(redocly) => {
                println!("redocly: {} ({})", redocly.display(), version(&redocly));
                tools.push(Tool {
                    name: "redocly",
                    command: Box::new(move |spec| {
                        let mut c = Command::new(&redocly);
                        c.arg("lint").arg(spec).arg("--format=json");
                        c.env("REDOCLY_TELEMETRY", "off");
                        c
                    }),
                });
            }
            None => println!(
                "redocly: not installed (npm i @redocly/cli; set STIPULA_BENCH_NODE_BIN to its node_modules/.bin or put it on PATH)"
            ),
        }
        match on_path(bin_dir.as_deref(), "spectral") {
            Some(spectral) => {
                println!("spectral: {} ({})", spectral.display(), version(&spectral));
                let ruleset = ruleset.clone();
                tools.push(Tool {
                    name: "spectral",
                    command: Box::new(move |spec| {
                        let mut c = Command::new(&spectral);
                        c.arg("lint")
                            .arg(spec)
                            .arg("--ruleset")
                            .arg(&ruleset)
                            .args(["--format", "json", "--quiet"]);
                        c
                    }),
                });
            }
            None => println!(
                "spectral: not installed (npm i @stoplight/spectral-cli; set STIPULA_BENCH_NODE_BIN or put it on PATH)"
            ),
        }
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "load average at start: {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    for (name, spec) in &specs {
        let size = std::fs::metadata(spec).map(|m| m.len()).unwrap_or(0);
        println!(
            "\n{name} ({}, {:.1} MB), median of {} runs for stipula, {} for the others, taking turns:",
            spec.display(),
            size as f64 / 1e6,
            s.runs,
            s.tool_runs
        );
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); tools.len()];
        for round in 0..s.runs.max(s.tool_runs) {
            for (i, tool) in tools.iter().enumerate() {
                let wanted = if i == 0 { s.runs } else { s.tool_runs };
                if round >= wanted {
                    continue;
                }
                let sample = measure(&(tool.command)(spec), &work)?;
                eprintln!(
                    "bench: {name} round {} {}: {:.2} s wall, {:.2} s CPU, {:.0} MiB",
                    round + 1,
                    tool.name,
                    sample.wall,
                    sample.cpu,
                    sample.rss_kib / 1024.0
                );
                samples[i].push(sample);
            }
        }
        let base = summary(&samples[0]);
        println!(
            "  {:<10} {:>10} {:>10} {:>12} {:>14} {:>14}",
            "tool", "wall", "CPU", "peak RSS", "wall ratio", "CPU ratio"
        );
        for (tool, runs) in tools.iter().zip(&samples) {
            let m = summary(runs);
            println!(
                "  {:<10} {:>8.2} s {:>8.2} s {:>8.0} MiB {:>13.1}x {:>13.1}x",
                tool.name,
                m.wall,
                m.cpu,
                m.rss_kib / 1024.0,
                m.wall / base.wall,
                m.cpu / base.cpu
            );
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// Runs one command under `/usr/bin/time`; its own output is discarded (a lint finding is not
/// a failure here, but a crash is).
fn measure(command: &Command, work: &Path) -> Result<Sample, String> {
    let (sample, code, stderr) = timed(command, work, Stdio::null())?;
    // Lint tools exit 1 for findings; anything else is a failure to lint.
    if code > 1 && !command.get_program().to_string_lossy().ends_with("stipula") {
        return Err(format!(
            "{:?} exited with {code}: {stderr}",
            command.get_program()
        ));
    }
    Ok(sample)
}
