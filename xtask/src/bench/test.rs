//! `cargo xtask bench test`: how fast `stipula test` runs a conformance run, against the mock
//! and against an emulator of the same API, and against Schemathesis on the same spec and
//! targets in the same run when Schemathesis is installed.
//!
//! - Targets: `stipula mock SPEC --port 0 --token T` and the emulator of the same API, run as a
//!   process from the release integration-test binary (`emulators::standalone::serve`, an
//!   ignored test that serves until its stdin closes). Both live through the whole bench.
//! - Rounds: each round runs `stipula test SPEC --seed 1 --json FILE` once against each target
//!   and, in the first `--st-runs` rounds, `st run` against each target, interleaved so that
//!   drift on a noisy machine hits every tool alike. Every run uses the same seed, so the runs of
//!   one tool send the same cases and differ only by the machine's noise.
//! - Figures per (tool, target): cases per run (stipula: its JSON report's `cases_by_phase`;
//!   Schemathesis: `test_cases.generated` of its JSON report, and the requests the mock logged as
//!   a cross-check), median cases/s over the process's wall time (startup and spec loading
//!   included, for both tools), median CPU time per case of the tool's process (user + system
//!   from `getrusage(RUSAGE_CHILDREN)` around the wait: the run's own process only, the servers
//!   are reaped at the end), the target's CPU time during the run per case (/proc, so the cost
//!   of the server shows apart from the tool's), and failures. The ratios stipula /
//!   Schemathesis follow.
//! - A stipula failure against these targets is a bug (both are correct implementations): it is
//!   printed loudly and the bench exits 1 after its report. Schemathesis's failures are printed
//!   as it counts them; they are not ours to judge.
//! - Schemathesis runs in a folder of the temporary one, on a copy of the spec, so its
//!   `.schemathesis/` cache and Hypothesis files never land in the repository (a
//!   `.schemathesis/` that appears there anyway fails the bench).
//!
//! Exit 2 on bad arguments, 1 when something broke or stipula reported a failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use stipula::runner::event::{Report, Severity};

use super::common::{
    CLOCK_TICKS, Proc, ROOT, TempDir, build_stipula, cpu_ticks, display, loadavg, median, progress,
    run_bounded,
};

pub(super) const USAGE: &str = "usage: cargo xtask bench test [--runs N] [--cases N] [--spec NAME] [--stipula PATH] [--emulator-bin PATH] [--st-runs N] [--st-max-examples N]";

/// The seed of every run of both tools.
const SEED: u64 = 1;
/// The credential the mock accepts (`--token`).
const MOCK_TOKEN: &str = "bench-token";
/// Longest wait for a server to say where it listens.
const START_LIMIT: Duration = Duration::from_secs(30);
/// Longest a single run of either tool may take.
const RUN_LIMIT: Duration = Duration::from_secs(1800);
/// The target: stipula at least this many times Schemathesis's cases per second.
const TARGET_RATIO: f64 = 20.0;

/// A bundled spec and what it takes to test it.
struct Api {
    /// `--spec NAME`, also the emulator's name (`STIPULA_EMULATOR`).
    name: &'static str,
    spec: &'static str,
    /// Where the mock mounts it (its first server URL's path).
    base_path: &'static str,
    /// The mock's credential header for `--token`.
    mock_header: (&'static str, &'static str),
}

const APIS: [Api; 4] = [
    Api {
        name: "fusionauth",
        spec: "specs/fusionauth-consent.yaml",
        base_path: "",
        mock_header: ("Authorization", MOCK_TOKEN),
    },
    Api {
        name: "lytx-consent",
        spec: "specs/lytx-consent-management.json",
        base_path: "/consent-management",
        mock_header: ("Authorization", "Bearer bench-token"),
    },
    Api {
        name: "lytx-users",
        spec: "specs/lytx-users.json",
        base_path: "/lytx-users",
        mock_header: ("Authorization", "Bearer bench-token"),
    },
    Api {
        name: "slashid",
        spec: "specs/slashid-gdpr-consent.yaml",
        base_path: "/slashid",
        mock_header: ("SlashID-API-Key", MOCK_TOKEN),
    },
];

struct Settings {
    runs: usize,
    cases: usize,
    api: &'static Api,
    stipula: Option<PathBuf>,
    emulator_bin: Option<PathBuf>,
    st_runs: usize,
    st_max_examples: usize,
}

pub(super) fn run(args: &[String]) -> ExitCode {
    super::common::entry(args, USAGE, parse, bench_test)
}

fn parse(args: &[String]) -> Result<Settings, String> {
    let mut s = Settings {
        runs: 5,
        cases: 100,
        api: &APIS[0],
        stipula: None,
        emulator_bin: None,
        st_runs: 3,
        st_max_examples: 20,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        fn num(flag: &str, v: &str) -> Result<usize, String> {
            v.parse()
                .map_err(|_| format!("{flag} {v}: expected a whole number"))
        }
        match a.as_str() {
            "--runs" => s.runs = num(a, value()?)?,
            "--cases" => s.cases = num(a, value()?)?,
            "--spec" => {
                let name = value()?;
                s.api = APIS.iter().find(|api| api.name == name).ok_or_else(|| {
                    let names: Vec<&str> = APIS.iter().map(|api| api.name).collect();
                    format!("--spec {name}: expected one of {}", names.join(", "))
                })?;
            }
            "--stipula" => s.stipula = Some(PathBuf::from(value()?)),
            "--emulator-bin" => s.emulator_bin = Some(PathBuf::from(value()?)),
            "--st-runs" => s.st_runs = num(a, value()?)?,
            "--st-max-examples" => s.st_max_examples = num(a, value()?)?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if s.runs == 0 || s.cases == 0 || s.st_max_examples == 0 {
        return Err("--runs, --cases and --st-max-examples must be at least 1".into());
    }
    Ok(s)
}

/// A server under test: where it listens and the headers that authenticate.
struct Target {
    name: &'static str,
    proc: Proc,
    url: String,
    headers: Vec<String>,
}

/// The figures of one (tool, target) pair, one entry per run.
#[derive(Default)]
struct Series {
    cases: Vec<u64>,
    wall_s: Vec<f64>,
    cpu_s: Vec<f64>,
    failures: Vec<u64>,
    warnings: Vec<u64>,
    /// The target's CPU seconds during the run (all its threads, from /proc; Linux only).
    target_cpu_s: Vec<f64>,
    /// Requests the mock logged during the run (mock only).
    requests: Vec<u64>,
    /// What the failures were, from the first run that had any.
    failure_kinds: Option<String>,
}

impl Series {
    fn cases_per_s(&self) -> Vec<f64> {
        self.cases
            .iter()
            .zip(&self.wall_s)
            .map(|(c, w)| *c as f64 / w)
            .collect()
    }

    fn cpu_ms_per_case(&self) -> Vec<f64> {
        self.cases
            .iter()
            .zip(&self.cpu_s)
            .map(|(c, t)| t * 1e3 / (*c).max(1) as f64)
            .collect()
    }

    fn target_cpu_ms_per_case(&self) -> Vec<f64> {
        self.cases
            .iter()
            .zip(&self.target_cpu_s)
            .map(|(c, t)| t * 1e3 / (*c).max(1) as f64)
            .collect()
    }
}

/// One finished run of either tool.
struct RunFigures {
    cases: u64,
    wall_s: f64,
    cpu_s: f64,
    failures: u64,
    warnings: u64,
    failure_kinds: String,
}

fn bench_test(s: &Settings) -> Result<bool, String> {
    let root = Path::new(ROOT)
        .canonicalize()
        .map_err(|e| format!("{ROOT}: {e}"))?;
    let tmp = TempDir::new()?;
    let spec = root.join(s.api.spec);
    let stipula = match &s.stipula {
        Some(p) => p.clone(),
        None => build_stipula(&root)?,
    };
    let emulator_bin = match &s.emulator_bin {
        Some(p) => p.clone(),
        None => build_test_binary(&root)?,
    };
    let st = schemathesis();
    // Schemathesis keeps a `.schemathesis/` cache where it runs: it runs in a folder of its own
    // under the temporary one, on a copy of the spec, so none of it lands in the repository.
    let st_cache_in_repo = root.join(".schemathesis");
    let st_cache_was_there = st_cache_in_repo.exists();
    let st_dir = tmp.0.join("schemathesis");
    let st_spec = st_dir.join(spec.file_name().unwrap_or(spec.as_os_str()));
    if st.is_some() {
        std::fs::create_dir_all(&st_dir).map_err(|e| format!("{}: {e}", st_dir.display()))?;
        std::fs::copy(&spec, &st_spec)
            .map_err(|e| format!("{} -> {}: {e}", spec.display(), st_spec.display()))?;
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load_before = loadavg();

    let mock_log = tmp.0.join("mock.log");
    let mut targets = [
        start_mock(&stipula, &root, s.api, &mock_log)?,
        start_emulator(&emulator_bin, &root, s.api, &tmp.0.join("emulator.log"))?,
    ];
    // [target][0 = stipula, 1 = Schemathesis]
    let mut series: [[Series; 2]; 2] = Default::default();
    for round in 1..=s.runs {
        for (t, target) in targets.iter_mut().enumerate() {
            let logged = count_requests(&mock_log);
            let target_before = cpu_ticks(target.proc.child.id());
            let r = run_stipula(s, &stipula, &spec, target, &tmp.0)?;
            let row = &mut series[t][0];
            if t == 0 {
                row.requests.push(count_requests(&mock_log) - logged);
            }
            push_target_cpu(row, target, target_before);
            progress(&format!(
                "run {round}/{}: stipula test vs {}: {} cases in {:.2} s ({:.0} cases/s), {:.3} ms CPU/case, {} failures, {} warnings",
                s.runs,
                target.name,
                r.cases,
                r.wall_s,
                r.cases as f64 / r.wall_s,
                r.cpu_s * 1e3 / r.cases.max(1) as f64,
                r.failures,
                r.warnings
            ));
            push(row, r);
            if let Some(st) = st.as_ref().filter(|_| round <= s.st_runs) {
                let logged = count_requests(&mock_log);
                let target_before = cpu_ticks(target.proc.child.id());
                let r = run_schemathesis(s, st, &st_spec, target, &st_dir, round)?;
                let row = &mut series[t][1];
                if t == 0 {
                    row.requests.push(count_requests(&mock_log) - logged);
                }
                push_target_cpu(row, target, target_before);
                progress(&format!(
                    "run {round}/{}: Schemathesis vs {}: {} cases in {:.1} s ({:.1} cases/s), {:.1} ms CPU/case, {} failing cases",
                    s.st_runs.min(s.runs),
                    target.name,
                    r.cases,
                    r.wall_s,
                    r.cases as f64 / r.wall_s,
                    r.cpu_s * 1e3 / r.cases.max(1) as f64,
                    r.failures
                ));
                push(row, r);
            }
            if let Some(status) = target.proc.exited() {
                return Err(format!(
                    "{} exited ({status}) during the bench:\n{}",
                    target.name,
                    target.proc.log_tail()
                ));
            }
        }
    }
    let load_after = loadavg();
    let [mock, emulator] = targets;
    drop(mock);
    drop(emulator);

    // The report.
    println!();
    println!(
        "stipula test benchmark: {} ({} operations), stipula test --cases {} --seed {SEED} (4 workers, its default), median of {} run(s) per target",
        s.api.spec,
        operation_count(&spec),
        s.cases,
        s.runs
    );
    println!(
        "stipula: {}; emulator: {} emulators::standalone::serve (STIPULA_EMULATOR={})",
        display(&stipula, &root),
        display(&emulator_bin, &root),
        s.api.name
    );
    match &st {
        Some(st) => println!(
            "Schemathesis: {} ({}), st run --max-examples {} --seed {SEED} --generation-database none (its defaults otherwise: every phase, 1 worker), {} run(s) per target",
            st.version,
            st.command.join(" "),
            s.st_max_examples,
            s.st_runs.min(s.runs)
        ),
        None => {
            println!("Schemathesis not installed (pip install schemathesis); ratio not measured")
        }
    }
    println!(
        "machine: {cpus} CPU(s) (nproc), shared by the tool under test and its target; load average (1 min) before {}, after {} (other work on the machine skews wall-clock figures; CPU per case is steadier)",
        load_before.as_deref().unwrap_or("n/a"),
        load_after.as_deref().unwrap_or("n/a")
    );
    println!();
    println!(
        "{:<14} {:<9} {:>14} {:>10} {:>9} {:>13} {:>13} {:>9}   each run (cases/s)",
        "tool", "target", "cases/run", "cases/s", "wall", "CPU/case", "target CPU", "failures"
    );
    let tools = ["stipula", "Schemathesis"];
    let target_names = ["mock", "emulator"];
    for (tool, name) in tools.iter().enumerate() {
        for (t, target) in target_names.iter().enumerate() {
            let row = &series[t][tool];
            if row.cases.is_empty() {
                continue;
            }
            let rates = row.cases_per_s();
            let cases = {
                let mut c = row.cases.clone();
                c.sort_unstable();
                c.dedup();
                c.iter().map(u64::to_string).collect::<Vec<_>>().join("/")
            };
            println!(
                "{:<14} {:<9} {:>14} {:>10.1} {:>8.2}s {:>10.3} ms {:>13} {:>9}   {}",
                name,
                target,
                cases,
                median(&rates),
                median(&row.wall_s),
                median(&row.cpu_ms_per_case()),
                if row.target_cpu_s.is_empty() {
                    "n/a".to_string()
                } else {
                    format!("{:.3} ms", median(&row.target_cpu_ms_per_case()))
                },
                row.failures.iter().max().copied().unwrap_or(0),
                rates
                    .iter()
                    .map(|r| format!("{r:.1}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    println!(
        "(cases/s: cases over the process's wall time, startup included; CPU/case: the tool's process's user + system time over its cases; target CPU: the server's CPU time during the run over the same cases, 10 ms resolution; failures: the most in one run)"
    );
    for (tool, name) in tools.iter().enumerate() {
        let row = &series[0][tool];
        if !row.requests.is_empty() {
            println!(
                "requests the mock logged per {name} run: {} (cases counted by the tool: {})",
                row.requests
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                row.cases
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    for (t, target) in target_names.iter().enumerate() {
        if let Some(kinds) = &series[t][1].failure_kinds {
            println!("Schemathesis's failures vs the {target}: {kinds}");
        }
    }

    println!();
    let default_run = median(&series[0][0].wall_s);
    println!(
        "a run on a bundled spec (stipula test {} against the mock{}): median {default_run:.2} s wall",
        s.api.spec,
        if s.cases == 100 {
            ", default flags".to_string()
        } else {
            format!(", --cases {}", s.cases)
        }
    );
    if st.is_some() {
        println!(
            "stipula / Schemathesis (target: >= {TARGET_RATIO} x Schemathesis's cases/s; informative, it does not fail the run):"
        );
        for (t, target) in target_names.iter().enumerate() {
            let [ours, theirs] = &series[t];
            if theirs.cases.is_empty() {
                continue;
            }
            let rate = median(&ours.cases_per_s()) / median(&theirs.cases_per_s());
            let cpu = median(&theirs.cpu_ms_per_case()) / median(&ours.cpu_ms_per_case());
            println!(
                "  vs the {target:<8}: cases/s {rate:.1} x {}, CPU per case {cpu:.1} x less",
                if rate >= TARGET_RATIO {
                    "(ok)"
                } else {
                    "(MISSED)"
                }
            );
        }
    }

    let mut clean = true;
    for (t, target) in target_names.iter().enumerate() {
        let worst = series[t][0].failures.iter().max().copied().unwrap_or(0);
        if worst > 0 {
            clean = false;
            println!();
            println!(
                "!!! stipula test reported {worst} failure(s) against the {target}, a correct implementation: a false alarm or a broken target. !!!"
            );
            if let Some(kinds) = &series[t][0].failure_kinds {
                println!("!!! {kinds}");
            }
            println!(
                "!!! Replay: stipula test {} --url URL --seed {SEED} --cases {}",
                s.api.spec, s.cases
            );
        }
    }
    if st.is_some() && !st_cache_was_there && st_cache_in_repo.exists() {
        clean = false;
        println!();
        println!(
            "!!! Schemathesis wrote {} although it ran in {}: remove it. !!!",
            st_cache_in_repo.display(),
            st_dir.display()
        );
    }
    Ok(clean)
}

/// The target's CPU time since `before` (clock ticks), when /proc could tell.
fn push_target_cpu(row: &mut Series, target: &Target, before: Option<u64>) {
    if let (Some(a), Some(b)) = (before, cpu_ticks(target.proc.child.id())) {
        row.target_cpu_s.push((b - a) as f64 / CLOCK_TICKS);
    }
}

fn push(row: &mut Series, r: RunFigures) {
    row.cases.push(r.cases);
    row.wall_s.push(r.wall_s);
    row.cpu_s.push(r.cpu_s);
    row.failures.push(r.failures);
    row.warnings.push(r.warnings);
    if r.failures > 0 && row.failure_kinds.is_none() {
        row.failure_kinds = Some(r.failure_kinds);
    }
}

// ---------------------------------------------------------------------------------------------
// The tools

/// `stipula test` once; its figures from its JSON report.
fn run_stipula(
    s: &Settings,
    stipula: &Path,
    spec: &Path,
    target: &Target,
    tmp: &Path,
) -> Result<RunFigures, String> {
    let report_path = tmp.join("stipula-report.json");
    let mut cmd = Command::new(stipula);
    cmd.arg("test")
        .arg(spec)
        .args(["--url", &target.url])
        .args(["--cases", &s.cases.to_string()])
        .args(["--seed", &SEED.to_string()])
        .arg("--json")
        .arg(&report_path);
    for h in &target.headers {
        cmd.args(["-H", h]);
    }
    cmd.stdin(Stdio::null());
    let what = format!("stipula test vs {}", target.name);
    let (status, _stdout, stderr, wall_s, cpu_s) = timed(cmd, &what)?;
    if !matches!(status.code(), Some(0 | 1)) {
        return Err(format!("{what}: {status}\n{}", tail(&stderr)));
    }
    let text = std::fs::read_to_string(&report_path)
        .map_err(|e| format!("{what}: {}: {e}", report_path.display()))?;
    let report: Report = serde_json::from_str(&text)
        .map_err(|e| format!("{what}: {}: {e}", report_path.display()))?;
    let failures: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Failure)
        .map(|f| format!("{} {}: {}", f.check.id(), f.operation, f.message))
        .collect();
    Ok(RunFigures {
        cases: report.cases_by_phase.values().sum(),
        wall_s,
        cpu_s,
        failures: failures.len() as u64,
        warnings: report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count() as u64,
        failure_kinds: failures.join("; "),
    })
}

/// How to run Schemathesis here.
struct Schemathesis {
    command: Vec<String>,
    version: String,
}

/// `st` or `schemathesis` on PATH (Schemathesis 4.x has no `python -m schemathesis`).
fn schemathesis() -> Option<Schemathesis> {
    ["st", "schemathesis"].into_iter().find_map(|exe| {
        let out = Command::new(exe)
            .arg("--version")
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        // `st, version 4.32.5`
        let version = text.trim().rsplit(' ').next()?.to_string();
        (out.status.success() && !version.is_empty()).then(|| Schemathesis {
            command: vec![exe.to_string()],
            version: format!("Schemathesis {version}"),
        })
    })
}

/// `st run` once, in `dir` (a temporary folder: its Hypothesis files and `.schemathesis/` cache
/// land there); its figures from its JSON report.
fn run_schemathesis(
    s: &Settings,
    st: &Schemathesis,
    spec: &Path,
    target: &Target,
    dir: &Path,
    round: usize,
) -> Result<RunFigures, String> {
    let report_path = dir.join(format!("st-{}-{round}.json", target.name));
    let mut cmd = Command::new(&st.command[0]);
    cmd.args(&st.command[1..])
        .arg("run")
        .arg(spec)
        .args(["--url", &target.url])
        .args(["--max-examples", &s.st_max_examples.to_string()])
        .args(["--seed", &SEED.to_string()])
        .args(["--generation-database", "none", "--no-color"])
        .args(["--report", "json", "--report-json-path"])
        .arg(&report_path);
    for h in &target.headers {
        cmd.args(["-H", h]);
    }
    cmd.current_dir(dir).stdin(Stdio::null());
    let what = format!("st run vs {}", target.name);
    let (status, stdout, stderr, wall_s, cpu_s) = timed(cmd, &what)?;
    let text = std::fs::read_to_string(&report_path).map_err(|e| {
        format!(
            "{what} ({status}) wrote no report {}: {e}\n{}{}",
            report_path.display(),
            tail(&stdout),
            tail(&stderr)
        )
    })?;
    let report: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{what}: {}: {e}", report_path.display()))?;
    let count = |key: &str| report["test_cases"][key].as_u64();
    let cases = count("generated").ok_or_else(|| {
        format!(
            "{what}: no test_cases.generated in {}",
            report_path.display()
        )
    })?;
    let kinds: Vec<String> = report["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{} {} ({})",
                f["code"].as_str().unwrap_or("?"),
                f["title"].as_str().unwrap_or("?"),
                f["count"].as_u64().unwrap_or(0)
            )
        })
        .collect();
    Ok(RunFigures {
        cases,
        wall_s,
        cpu_s,
        failures: count("with_failures").unwrap_or(0),
        warnings: 0,
        failure_kinds: kinds.join(", "),
    })
}

/// Runs `cmd` to completion: status, stdout, stderr, wall seconds and the CPU seconds (user +
/// system) of the process, from the change in `RUSAGE_CHILDREN` around its wait.
fn timed(
    cmd: Command,
    what: &str,
) -> Result<(std::process::ExitStatus, String, String, f64, f64), String> {
    let before = children_cpu_s();
    let started = Instant::now();
    let (status, stdout, stderr) = run_bounded(cmd, RUN_LIMIT, what)?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = children_cpu_s() - before;
    Ok((status, stdout, stderr, wall, cpu))
}

/// User + system CPU seconds of every child this process has waited for.
fn children_cpu_s() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return f64::NAN;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

// ---------------------------------------------------------------------------------------------
// The targets

/// `stipula mock SPEC --port 0 --token T`; the URL from its `listening on` line.
fn start_mock(stipula: &Path, root: &Path, api: &Api, log: &Path) -> Result<Target, String> {
    let stderr = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut child = Command::new(stipula)
        .args(["mock", api.spec, "--port", "0", "--token", MOCK_TOKEN])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", stipula.display()))?;
    let lines = line_channel(child.stdout.take());
    let mut proc = Proc {
        name: "stipula mock",
        child,
        log: log.to_path_buf(),
        _stdin: None,
    };
    let url = wait_for_line(&mut proc, &lines, "stipula mock listening on ")?;
    let url = url
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let (name, value) = api.mock_header;
    Ok(Target {
        name: "mock",
        proc,
        url: format!("{url}{}", api.base_path),
        headers: vec![format!("{name}: {value}")],
    })
}

/// The emulator of `api` from the integration-test binary; its URL and credential headers from
/// its `EMULATOR_URL=` and `EMULATOR_HEADER=` lines.
fn start_emulator(bin: &Path, root: &Path, api: &Api, log: &Path) -> Result<Target, String> {
    let stderr = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut child = Command::new(bin)
        .args([
            "emulators::standalone::serve",
            "--ignored",
            "--nocapture",
            "--exact",
        ])
        .env("STIPULA_EMULATOR", api.name)
        .env_remove("STIPULA_EMULATOR_FAULT")
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdin = child.stdin.take();
    let lines = line_channel(child.stdout.take());
    let mut proc = Proc {
        name: "emulator",
        child,
        log: log.to_path_buf(),
        _stdin: stdin,
    };
    let url = wait_for_line(&mut proc, &lines, "EMULATOR_URL=")?;
    // The header lines are printed right after the URL, in one flush.
    let mut headers = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) {
        match line.strip_prefix("EMULATOR_HEADER=") {
            Some(h) => headers.push(h.to_string()),
            None => break,
        }
    }
    Ok(Target {
        name: "emulator",
        proc,
        url,
        headers,
    })
}

/// The lines of a child's stdout, read on a thread of their own.
fn line_channel(pipe: Option<std::process::ChildStdout>) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    if let Some(pipe) = pipe {
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
    }
    receive
}

/// Waits up to [`START_LIMIT`] for a line starting with `prefix`; the rest of it.
fn wait_for_line(
    p: &mut Proc,
    lines: &mpsc::Receiver<String>,
    prefix: &str,
) -> Result<String, String> {
    let deadline = Instant::now() + START_LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left.max(Duration::from_millis(1))) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix(prefix) {
                    return Ok(rest.trim().to_string());
                }
            }
            Err(_) => {
                let why = match p.exited() {
                    Some(status) => format!("exited ({status})"),
                    None => format!("said nothing within {} s", START_LIMIT.as_secs()),
                };
                return Err(format!(
                    "{} {why} before printing `{prefix}`:\n{}",
                    p.name,
                    p.log_tail()
                ));
            }
        }
    }
}

/// The requests the mock has logged so far (one `request` line each on stderr).
fn count_requests(log: &Path) -> u64 {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(" request ") && l.contains("status"))
        .count() as u64
}

/// `cargo test --release --test it --no-run`; the test binary it reports.
fn build_test_binary(root: &Path) -> Result<PathBuf, String> {
    progress("cargo test --release --test it --no-run (the emulators)");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["test", "--release", "--test", "it", "--no-run"])
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "cargo test --release --test it --no-run: {}\n{}",
            out.status,
            tail(&stderr)
        ));
    }
    // `  Executable tests/it/main.rs (target/release/deps/it-0123abcd)`
    stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Executable "))
        .filter_map(|l| l.rsplit_once('(')?.1.strip_suffix(')'))
        .map(|p| root.join(p))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "cannot find the test binary in cargo's output (pass --emulator-bin PATH):\n{}",
                tail(&stderr)
            )
        })
}

/// The spec's operation count, for the header line.
fn operation_count(spec: &Path) -> String {
    match stipula::spec::Spec::load(spec, Default::default()) {
        Ok(spec) => spec.operations.len().to_string(),
        Err(_) => "?".into(),
    }
}

/// The last lines of a tool's output, for an error message.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let s = parse(&[]).unwrap();
        assert_eq!((s.runs, s.cases, s.api.name), (5, 100, "fusionauth"));
        assert_eq!((s.st_runs, s.st_max_examples), (3, 20));
    }

    #[test]
    fn every_bundled_spec_can_be_chosen_and_exists() {
        for api in &APIS {
            let s = parse(&args(&["--spec", api.name])).unwrap();
            assert_eq!(s.api.spec, api.spec);
            assert!(Path::new(ROOT).join(api.spec).is_file(), "{}", api.spec);
        }
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let err = |a: &[&str]| parse(&args(a)).err().unwrap();
        assert!(err(&["--spec", "github"]).contains("expected one of fusionauth, lytx-consent"));
        assert!(err(&["--runs", "0"]).contains("at least 1"));
        assert!(err(&["--cases", "many"]).contains("--cases many: expected a whole number"));
        assert!(err(&["--runs"]).contains("--runs needs a value"));
        assert!(err(&["--wat"]).contains("unknown argument --wat"));
    }

    #[test]
    fn children_cpu_time_grows_with_a_busy_child() {
        let before = children_cpu_s();
        // A child that burns some CPU: `sh` counting in a loop.
        let status = Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(children_cpu_s() > before);
    }
}
