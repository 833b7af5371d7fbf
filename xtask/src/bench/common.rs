//! What every bench shares: the flag-parsing entry and its exit codes, children killed on drop,
//! a temporary folder removed on drop, building the release `stipula`, commands run with a time
//! limit or under `/usr/bin/time` ([`timed`], [`Sample`]), finding tools on PATH, /proc
//! readings, and the figures' formatting.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The repository's root.
pub(crate) const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A bench's flags parsed, then the bench run: exit 2 on bad flags (with `usage`), 1 when the
/// bench fails or reports a problem (`Ok(false)`), 0 otherwise.
pub(crate) fn entry<S>(
    args: &[String],
    usage: &str,
    parse: impl Fn(&[String]) -> Result<S, String>,
    bench: impl Fn(&S) -> Result<bool, String>,
) -> ExitCode {
    let settings = match parse(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}\n{usage}");
            return ExitCode::from(2);
        }
    };
    match bench(&settings) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// One line of progress on stderr.
pub(crate) fn progress(message: &str) {
    eprintln!("bench: {message}");
}

// ---------------------------------------------------------------------------------------------
// Children

/// A child process, killed (and reaped) when dropped, whatever happened.
pub(crate) struct Proc {
    pub(crate) name: &'static str,
    pub(crate) child: Child,
    /// Where its stderr goes, shown when it fails.
    pub(crate) log: PathBuf,
    /// Held open so a server that serves until stdin closes (the baseline, an emulator) sees
    /// end-of-file when this process dies.
    pub(crate) _stdin: Option<ChildStdin>,
}

impl Proc {
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        if tail.is_empty() {
            "(nothing on stderr)".into()
        } else {
            tail
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder for the Lua script and the servers' stderr, removed when dropped.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new() -> Result<TempDir, String> {
        let dir = std::env::temp_dir().join(format!("stipula-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `cargo build --release --bin stipula`; the binary sits next to this xtask's own.
pub(crate) fn build_stipula(root: &Path) -> Result<PathBuf, String> {
    progress("cargo build --release --bin stipula");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--bin", "stipula"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --release --bin stipula: {status}"));
    }
    let exe = format!("stipula{}", std::env::consts::EXE_SUFFIX);
    let next_to_xtask = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(&exe)));
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let candidates = next_to_xtask
        .into_iter()
        .chain([target_dir.join("release").join(&exe)]);
    for c in candidates {
        if c.is_file() {
            return Ok(c);
        }
    }
    Err("built stipula, but cannot find target/release/stipula (pass --stipula PATH)".into())
}

/// Runs `cmd` to completion, killing it after `limit`; status, stdout and stderr.
pub(crate) fn run_bounded(
    mut cmd: Command,
    limit: Duration,
    what: &str,
) -> Result<(ExitStatus, String, String), String> {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{what}: {e}"))?;
    let mut p = Proc {
        name: "wrk",
        child,
        log: PathBuf::new(),
        _stdin: None,
    };
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let out = reader(p.child.stdout.take().map(|r| Box::new(r) as _));
    let err = reader(p.child.stderr.take().map(|r| Box::new(r) as _));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = p.exited() {
            break status;
        }
        if started.elapsed() > limit {
            return Err(format!(
                "{what}: still running after {} s, killed",
                limit.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    Ok((status, out, err))
}

// ---------------------------------------------------------------------------------------------
// /proc

/// Clock ticks per second of /proc/PID/stat times (USER_HZ: 100 on every Linux architecture
/// Rust supports; it is part of the ABI, not the kernel's HZ).
pub(crate) const CLOCK_TICKS: f64 = 100.0;

/// User + system time of every thread of a process, in clock ticks (Linux only).
pub(crate) fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After `pid (comm)`: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The 1-minute load average from /proc/loadavg (Linux only).
pub(crate) fn loadavg() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// Figures

pub(crate) fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// `95123.4` as `95,123`.
pub(crate) fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `path` relative to `root` when it is inside.
pub(crate) fn display(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The real-world corpus beside the repository (`--corpus` overrides it; from a git worktree
/// elsewhere it must).
pub(crate) const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");

/// [`timed`] needs GNU time; checked before a bench starts rather than on its first run.
pub(crate) fn require_usr_bin_time() -> Result<(), String> {
    if Path::new("/usr/bin/time").is_file() {
        Ok(())
    } else {
        Err("needs /usr/bin/time (apt-get install time) to measure CPU and peak RSS".into())
    }
}

/// One command's run as `/usr/bin/time` saw it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub wall: f64,
    /// User + system seconds.
    pub cpu: f64,
    pub rss_kib: f64,
}

/// Median wall and CPU, and the largest peak RSS, over the runs.
pub(crate) fn summary(runs: &[Sample]) -> Sample {
    let of = |f: fn(&Sample) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    Sample {
        wall: of(|s| s.wall),
        cpu: of(|s| s.cpu),
        rss_kib: runs.iter().map(|s| s.rss_kib).fold(0.0, f64::max),
    }
}

/// Runs `command` (its program, arguments and environment) under `/usr/bin/time`, its stdout
/// to `stdout`: the figures, the exit code, and what it wrote on stderr. A command killed by
/// a signal is an error.
pub(crate) fn timed(
    command: &Command,
    work: &Path,
    stdout: Stdio,
) -> Result<(Sample, i32, String), String> {
    let report = work.join("time.txt");
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%e %U %S %M %x")
        .arg("-o")
        .arg(&report)
        .arg(command.get_program())
        .args(command.get_args());
    for (k, v) in command.get_envs() {
        if let Some(v) = v {
            timed.env(k, v);
        }
    }
    let done = timed
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
    let text = std::fs::read_to_string(&report).map_err(|e| e.to_string())?;
    let stderr: String = String::from_utf8_lossy(&done.stderr)
        .chars()
        .take(2000)
        .collect();
    let line = text.lines().last().unwrap_or("");
    let f: Vec<f64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let [wall, user, system, rss, code] = f[..] else {
        return Err(format!(
            "{:?}: unexpected /usr/bin/time output {text:?}; stderr: {stderr}",
            command.get_program(),
        ));
    };
    // A signal leaves a note before the figures and no exit code of the command's own.
    if text.contains("terminated by signal") {
        return Err(format!(
            "{:?} {}",
            command.get_program(),
            text.lines().next().unwrap_or("")
        ));
    }
    let sample = Sample {
        wall,
        cpu: user + system,
        rss_kib: rss,
    };
    Ok((sample, code as i32, stderr))
}

/// `name` in `dir` when given, else the first on PATH.
pub(crate) fn on_path(dir: Option<&Path>, name: &str) -> Option<PathBuf> {
    if let Some(d) = dir {
        let p = d.join(name);
        return p.is_file().then_some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// The first line a tool prints for `--version`.
pub(crate) fn version(bin: &Path) -> String {
    Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout);
            text.lines().next().unwrap_or("").trim().to_string()
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "version unknown".into())
}
