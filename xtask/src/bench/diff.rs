//! `cargo xtask bench diff`: `stipula diff` against oasdiff (`oasdiff breaking`) on the corpus's
//! biggest specs, each against an identical copy and against copies the bench edits itself.
//!
//! The edited specs are generated, not stored: GitHub's 13 MB JSON and Stripe's 4 MB YAML are
//! read into `serde_json` values, edited there (a property's type, a path or an operation
//! removed), and OLD and NEW are both written as JSON into a temporary folder, so that both sides
//! of every diff, and every tool, read the same format. Stripe's YAML is therefore measured as
//! JSON (its YAML parse is not in these figures; the report says so). A self-diff compares two
//! byte-identical copies, not one path twice, so that no tool can take a shortcut.
//!
//! Each run is a child under `/usr/bin/time` (wall time, user + system CPU, peak RSS of the
//! child), the tools taking turns in every round so that machine noise hits them alike; the
//! report gives medians (and the largest peak RSS) and ratios to stipula. Every stipula run is
//! checked, because a fast diff that found nothing proves nothing: the number of changes it
//! reports (from `--format json`, or the human report's last line) must be 0 for a self-diff and
//! more than 0 for an edit, and its exit code must follow `--fail-on breaking` (1 exactly when
//! a breaking change is reported). oasdiff is found at `$STIPULA_BENCH_OASDIFF` or on PATH; a
//! missing oasdiff is reported, not fatal, and stipula is measured all the same.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use serde_json::Value;

use super::common::{Sample, TempDir, median, on_path, progress, summary, timed, version};

pub(super) const USAGE: &str =
    "usage: cargo xtask bench diff [--runs N] [--corpus DIR] [--stipula PATH] [--only stipula]";

/// Where oasdiff comes from, for the report when it is missing.
const OASDIFF_HINT: &str = "brew install oasdiff, go install github.com/oasdiff/oasdiff@latest, or a release binary from https://github.com/oasdiff/oasdiff/releases; put it on PATH or set STIPULA_BENCH_OASDIFF to it";

/// CPU seconds that a diff of Stripe's spec against an edited copy should stay under (issue 13).
const STRIPE_GOAL_SECS: f64 = 1.0;

struct Settings {
    runs: usize,
    corpus: PathBuf,
    stipula: Option<PathBuf>,
    only_stipula: bool,
}

/// One diff to measure.
struct Case {
    label: &'static str,
    spec: &'static str,
    old: PathBuf,
    new: PathBuf,
    /// An edited copy (changes expected) rather than an identical one (none expected).
    edited: bool,
    /// Also measured with `--format json`.
    json_too: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tool {
    Stipula,
    StipulaJson,
    Oasdiff,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Stipula => "stipula",
            Tool::StipulaJson => "stipula --format json",
            Tool::Oasdiff => "oasdiff breaking",
        }
    }
}

/// A case's figures for one tool.
struct Row {
    tool: Tool,
    samples: Vec<Sample>,
    /// Changes the tool reported (stipula only), and how many of them are breaking.
    changes: Option<(u64, u64)>,
}

pub(super) fn run(args: &[String]) -> ExitCode {
    super::common::entry(args, USAGE, parse, |s| bench(s).map(|()| true))
}

fn parse(args: &[String]) -> Result<Settings, String> {
    let mut s = Settings {
        runs: 5,
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
            "--corpus" => s.corpus = PathBuf::from(value()?),
            "--stipula" => s.stipula = Some(PathBuf::from(value()?)),
            "--only" => match value()?.as_str() {
                "stipula" => s.only_stipula = true,
                other => return Err(format!("--only takes `stipula`, not {other:?}")),
            },
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if s.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(s)
}

/// The goal for Stripe's edits is reported, not enforced: CPU time still moves with the load of
/// a shared machine, and a bench that fails on noise would be ignored.
fn bench(s: &Settings) -> Result<(), String> {
    let root = Path::new(super::common::ROOT);
    super::common::require_usr_bin_time()?;
    let github = s.corpus.join("famous/github/api.github.com.json");
    let stripe = s.corpus.join("famous/stripe/spec3.yaml");
    for path in [&github, &stripe] {
        if !path.is_file() {
            return Err(format!("{} is missing (pass --corpus DIR)", path.display()));
        }
    }
    let stipula = match &s.stipula {
        Some(p) => p.clone(),
        None => super::common::build_stipula(root)?,
    };
    let oasdiff = if s.only_stipula {
        None
    } else {
        find_oasdiff()?
    };
    let work = TempDir::new()?;
    let cases = write_cases(&github, &stripe, &work.0)?;

    println!("stipula: {} ({})", stipula.display(), version(&stipula));
    match &oasdiff {
        Some(o) => println!("oasdiff: {} ({})", o.display(), version(o)),
        None if s.only_stipula => println!("oasdiff: left out (--only stipula)"),
        None => println!("oasdiff: not installed ({OASDIFF_HINT})"),
    }
    let heading = format!(
        "{}; {} CPUs; load average at start {}; median of {} runs",
        utc_now(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        super::common::loadavg().unwrap_or_else(|| "?".into()),
        s.runs
    );
    println!("{heading}");
    println!(
        "OLD and NEW are written as JSON by the bench (Stripe's YAML converted first), so both \
         sides of every diff read the same format; median of {} runs, tools taking turns.",
        s.runs
    );

    let mut results: Vec<(&Case, Vec<Row>)> = Vec::new();
    for case in &cases {
        let mut tools = vec![Tool::Stipula];
        if case.json_too {
            tools.push(Tool::StipulaJson);
        }
        if oasdiff.is_some() {
            tools.push(Tool::Oasdiff);
        }
        let mut rows: Vec<Row> = tools
            .iter()
            .map(|&tool| Row {
                tool,
                samples: Vec::new(),
                changes: None,
            })
            .collect();
        for round in 0..s.runs {
            for row in &mut rows {
                let program = match row.tool {
                    Tool::Oasdiff => oasdiff.as_deref().unwrap_or(Path::new("oasdiff")),
                    _ => &stipula,
                };
                let mut cmd = Command::new(program);
                match row.tool {
                    Tool::Stipula => {
                        cmd.arg("diff").arg(&case.old).arg(&case.new);
                    }
                    Tool::StipulaJson => {
                        cmd.arg("diff")
                            .arg(&case.old)
                            .arg(&case.new)
                            .args(["--format", "json"]);
                    }
                    Tool::Oasdiff => {
                        cmd.arg("breaking").arg(&case.old).arg(&case.new);
                    }
                }
                let out = work.0.join("out.txt");
                let (sample, code) = measure(&cmd, &work.0, &out)?;
                let what = format!("{}: {}", case.label, row.tool.name());
                let changes =
                    check(row.tool, case, code, &out).map_err(|e| format!("{what}: {e}"))?;
                if row.changes.is_some_and(|c| Some(c) != changes) {
                    return Err(format!(
                        "{what}: reported {changes:?} changes, {:?} in an earlier round",
                        row.changes
                    ));
                }
                row.changes = changes;
                progress(&format!(
                    "{what}, round {}: {:.2} s wall, {:.2} s CPU, {:.0} MiB",
                    round + 1,
                    sample.wall,
                    sample.cpu,
                    sample.rss_kib / 1024.0
                ));
                row.samples.push(sample);
            }
        }
        // The JSON report and the human one count the same changes.
        if let [first, second, ..] = &rows[..]
            && second.tool == Tool::StipulaJson
            && first.changes != second.changes
        {
            return Err(format!(
                "{}: {:?} changes in the human report, {:?} in the JSON one",
                case.label, first.changes, second.changes
            ));
        }
        print_case(case, &rows);
        results.push((case, rows));
    }
    println!(
        "\nload average at end: {}",
        super::common::loadavg().unwrap_or_else(|| "?".into())
    );
    print_markdown(&heading, &results, oasdiff.is_some());

    for (case, rows) in &results {
        if case.spec != "Stripe" || !case.edited {
            continue;
        }
        for row in rows.iter().filter(|r| r.tool != Tool::Oasdiff) {
            let cpu = median(&row.samples.iter().map(|s| s.cpu).collect::<Vec<_>>());
            let verdict = if cpu < STRIPE_GOAL_SECS {
                "within"
            } else {
                "OVER"
            };
            println!(
                "goal: {} ({}): {cpu:.2} s CPU, {verdict} the {STRIPE_GOAL_SECS} s goal",
                case.label,
                row.tool.name()
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The cases

/// Reads both specs, writes every OLD and NEW as JSON under `dir`, and returns the cases.
fn write_cases(github: &Path, stripe: &Path, dir: &Path) -> Result<Vec<Case>, String> {
    progress("writing the cases");
    let text = std::fs::read_to_string(github).map_err(|e| format!("{}: {e}", github.display()))?;
    let gh: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", github.display()))?;
    drop(text);
    let gh_old = write(dir, "github.json", &gh)?;
    let gh_copy = copy(&gh_old, dir, "github-copy.json")?;
    let gh_edited = edit(&gh, |doc| {
        set_type(
            doc,
            "/components/schemas/simple-user/properties/id",
            "integer",
            "string",
        )?;
        remove(doc, "/paths", "/zen")
    })?;
    let gh_new = write(dir, "github-edited.json", &gh_edited)?;
    drop((gh, gh_edited));

    let st = read_yaml(stripe)?;
    let st_old = write(dir, "stripe.json", &st)?;
    let st_copy = copy(&st_old, dir, "stripe-copy.json")?;
    let st_no_op = edit(&st, |doc| {
        remove(doc, "/paths/~1v1~1customers~1{customer}", "delete")
    })?;
    let st_no_op = write(dir, "stripe-operation-removed.json", &st_no_op)?;
    let st_code = edit(&st, |doc| {
        set_type(
            doc,
            "/components/schemas/api_errors/properties/code",
            "string",
            "integer",
        )
    })?;
    let st_code = write(dir, "stripe-code-integer.json", &st_code)?;

    let case = |label, spec, old: &PathBuf, new: &PathBuf, edited, json_too| Case {
        label,
        spec,
        old: old.clone(),
        new: new.clone(),
        edited,
        json_too,
    };
    Ok(vec![
        case(
            "GitHub, no changes",
            "GitHub",
            &gh_old,
            &gh_copy,
            false,
            false,
        ),
        case(
            "GitHub, simple-user's id integer -> string and /zen removed",
            "GitHub",
            &gh_old,
            &gh_new,
            true,
            false,
        ),
        case(
            "Stripe, no changes",
            "Stripe",
            &st_old,
            &st_copy,
            false,
            false,
        ),
        case(
            "Stripe, DELETE /v1/customers/{customer} removed",
            "Stripe",
            &st_old,
            &st_no_op,
            true,
            false,
        ),
        case(
            "Stripe, api_errors.code string -> integer",
            "Stripe",
            &st_old,
            &st_code,
            true,
            true,
        ),
    ])
}

/// A copy of `doc` with `change` applied.
fn edit(
    doc: &Value,
    change: impl FnOnce(&mut Value) -> Result<(), String>,
) -> Result<Value, String> {
    let mut copy = doc.clone();
    change(&mut copy)?;
    Ok(copy)
}

/// Sets the `type` of the schema at `pointer` from `from` to `to`; an error when the corpus no
/// longer has `from` there (the case would measure something else).
fn set_type(doc: &mut Value, pointer: &str, from: &str, to: &str) -> Result<(), String> {
    let schema = doc
        .pointer_mut(pointer)
        .ok_or(format!("the spec has nothing at {pointer}"))?;
    if schema.get("type").and_then(Value::as_str) != Some(from) {
        return Err(format!("{pointer} is not of type {from} in this corpus"));
    }
    schema["type"] = Value::from(to);
    Ok(())
}

/// Removes the member `key` of the object at `pointer`; an error when it is not there.
fn remove(doc: &mut Value, pointer: &str, key: &str) -> Result<(), String> {
    doc.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .and_then(|o| o.shift_remove(key))
        .map(drop)
        .ok_or(format!("the spec has no {key} under {pointer}"))
}

/// Stripe's YAML as a JSON value, with the limits the main crate reads it with (the parser's
/// defaults stop at 250,000 nodes; this spec has about 600,000).
fn read_yaml(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 256;
    budget.max_nodes = 20_000_000;
    budget.max_events = 40_000_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options(&text, options)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn write(dir: &Path, name: &str, doc: &Value) -> Result<PathBuf, String> {
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

fn copy(from: &Path, dir: &Path, name: &str) -> Result<PathBuf, String> {
    let path = dir.join(name);
    std::fs::copy(from, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

// ---------------------------------------------------------------------------------------------
// Running and checking

/// Runs one command under `/usr/bin/time`, its stdout into `out`; the figures and exit code.
fn measure(command: &Command, work: &Path, out: &Path) -> Result<(Sample, i32), String> {
    let stdout = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let (sample, code, _) = timed(command, work, Stdio::from(stdout))?;
    Ok((sample, code))
}

/// Checks one run's exit code and output; for stipula, the changes it reported and how many
/// are breaking.
fn check(tool: Tool, case: &Case, code: i32, out: &Path) -> Result<Option<(u64, u64)>, String> {
    let text = std::fs::read_to_string(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let (changes, breaking) = match tool {
        Tool::Oasdiff => {
            // Without --fail-on, oasdiff exits 0 whatever it finds.
            return match code {
                0 => Ok(None),
                _ => Err(format!("exited with {code}: {}", excerpt(&text))),
            };
        }
        Tool::Stipula => human_counts(&text).ok_or(format!(
            "exited with {code}, no summary line: {}",
            excerpt(&text)
        ))?,
        Tool::StipulaJson => {
            let report: Value = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "exited with {code}, not a JSON report ({e}): {}",
                    excerpt(&text)
                )
            })?;
            let changes = report["changes"]
                .as_array()
                .ok_or("the JSON report has no changes array")?
                .len() as u64;
            let breaking = report["summary"]["breaking"]
                .as_u64()
                .ok_or("the JSON report has no summary.breaking")?;
            (changes, breaking)
        }
    };
    if case.edited && changes == 0 {
        return Err("reported no changes for an edited spec".into());
    }
    if !case.edited && changes > 0 {
        return Err(format!(
            "reported {changes} changes between identical specs"
        ));
    }
    let expected = i32::from(breaking > 0);
    if code != expected {
        return Err(format!(
            "exited with {code} for {changes} changes of which {breaking} breaking (expected {expected})"
        ));
    }
    Ok(Some((changes, breaking)))
}

/// The human report's last line: `no changes`, or `N changes: B breaking, ...`.
fn human_counts(text: &str) -> Option<(u64, u64)> {
    let last = text.lines().rev().find(|l| !l.trim().is_empty())?.trim();
    if last == "no changes" {
        return Some((0, 0));
    }
    let (n, rest) = last.split_once(" changes: ")?;
    let (b, _) = rest.split_once(" breaking")?;
    Some((n.parse().ok()?, b.parse().ok()?))
}

fn excerpt(text: &str) -> String {
    text.chars().take(500).collect()
}

// ---------------------------------------------------------------------------------------------
// The report

fn print_case(case: &Case, rows: &[Row]) {
    let size = |p: &Path| std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1e6);
    println!(
        "\n{} ({:.1} MB against {:.1} MB):",
        case.label,
        size(&case.old),
        size(&case.new)
    );
    println!(
        "  {:<22} {:>9} {:>9} {:>11} {:>14} {:>11} {:>10}",
        "tool", "wall", "CPU", "peak RSS", "changes", "wall ratio", "CPU ratio"
    );
    let base = summary(&rows[0].samples);
    for row in rows {
        let m = summary(&row.samples);
        println!(
            "  {:<22} {:>7.2} s {:>7.2} s {:>7.0} MiB {:>14} {:>10.1}x {:>9.1}x",
            row.tool.name(),
            m.wall,
            m.cpu,
            m.rss_kib / 1024.0,
            changes(row),
            m.wall / base.wall,
            m.cpu / base.cpu
        );
    }
}

fn changes(row: &Row) -> String {
    match row.changes {
        Some((n, b)) => format!("{n} ({b} br.)"),
        None => "-".into(),
    }
}

/// The figures as a Markdown table, for docs/benchmarks.md.
fn print_markdown(heading: &str, results: &[(&Case, Vec<Row>)], with_oasdiff: bool) {
    println!("\nMarkdown (docs/benchmarks.md):\n\n{heading}:\n");
    let mut head = "| case | stipula changes | CPU | wall | peak RSS |".to_string();
    let mut rule = "| --- | --- | --- | --- | --- |".to_string();
    if with_oasdiff {
        head.push_str(" oasdiff CPU (ratio) | oasdiff wall | oasdiff peak RSS |");
        rule.push_str(" --- | --- | --- |");
    }
    println!("{head}\n{rule}");
    for (case, rows) in results {
        let oasdiff = rows.iter().find(|r| r.tool == Tool::Oasdiff);
        let base = summary(&rows[0].samples);
        for row in rows.iter().filter(|r| r.tool != Tool::Oasdiff) {
            let m = summary(&row.samples);
            let label = match row.tool {
                Tool::StipulaJson => format!("{} (`--format json`)", case.label),
                _ => case.label.to_string(),
            };
            let (n, b) = row.changes.unwrap_or_default();
            let mut line = format!(
                "| {label} | {n} ({b} breaking) | {:.2} s | {:.2} s | {:.0} MiB |",
                m.cpu,
                m.wall,
                m.rss_kib / 1024.0
            );
            if with_oasdiff {
                match (oasdiff, row.tool) {
                    (Some(o), Tool::Stipula) => {
                        let o = summary(&o.samples);
                        line.push_str(&format!(
                            " {:.2} s ({:.1}x) | {:.2} s | {:.0} MiB |",
                            o.cpu,
                            o.cpu / base.cpu,
                            o.wall,
                            o.rss_kib / 1024.0
                        ));
                    }
                    _ => line.push_str(" | | |"),
                }
            }
            println!("{line}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tools

/// oasdiff at `$STIPULA_BENCH_OASDIFF` (an error when that is not a file), else on PATH.
fn find_oasdiff() -> Result<Option<PathBuf>, String> {
    if let Some(p) = std::env::var_os("STIPULA_BENCH_OASDIFF") {
        let p = PathBuf::from(p);
        return match p.is_file() {
            true => Ok(Some(p)),
            false => Err(format!(
                "STIPULA_BENCH_OASDIFF is {}, which is not a file",
                p.display()
            )),
        };
    }
    Ok(on_path(None, "oasdiff"))
}

/// The time now, from `date -u` (the report is pasted into docs/benchmarks.md with its date).
fn utc_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "date unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn flags_parse_and_bad_ones_say_what_is_wrong() {
        let s = parse(&args(&[
            "--runs",
            "3",
            "--stipula",
            "/x/stipula",
            "--only",
            "stipula",
        ]))
        .unwrap();
        assert_eq!((s.runs, s.only_stipula), (3, true));
        assert_eq!(s.stipula, Some(PathBuf::from("/x/stipula")));
        assert_eq!(parse(&[]).unwrap().runs, 5);
        let err = |a: &[&str]| parse(&args(a)).err().unwrap();
        assert!(err(&["--runs", "0"]).contains("at least 1"));
        assert!(err(&["--runs", "x"]).contains("--runs needs a number"));
        assert!(err(&["--corpus"]).contains("--corpus needs a value"));
        assert!(err(&["--only", "oasdiff"]).contains("--only takes `stipula`"));
        assert!(err(&["--wat"]).contains("unknown argument --wat"));
    }

    #[test]
    fn the_human_summary_line_is_counted() {
        assert_eq!(human_counts("a → b\nno changes\n"), Some((0, 0)));
        let report = "x\n617 changes: 300 breaking, 10 potentially breaking, 307 safe\n\n";
        assert_eq!(human_counts(report), Some((617, 300)));
        assert_eq!(human_counts("error: cannot open\n"), None);
        assert_eq!(human_counts(""), None);
    }

    #[test]
    fn edits_refuse_a_corpus_that_no_longer_matches() {
        let doc = json!({"paths": {"/a": {}, "/b": {}}, "s": {"type": "string"}});
        let edited = edit(&doc, |d| {
            set_type(d, "/s", "string", "integer")?;
            remove(d, "/paths", "/a")
        })
        .unwrap();
        assert_eq!(
            edited,
            json!({"paths": {"/b": {}}, "s": {"type": "integer"}})
        );
        let mut d = doc.clone();
        assert!(
            set_type(&mut d, "/s", "integer", "string")
                .unwrap_err()
                .contains("not of type")
        );
        assert!(
            set_type(&mut d, "/t", "string", "x")
                .unwrap_err()
                .contains("nothing at /t")
        );
        assert!(
            remove(&mut d, "/paths", "/c")
                .unwrap_err()
                .contains("no /c under /paths")
        );
        assert_eq!(d, doc);
    }

    #[test]
    fn a_run_that_found_the_wrong_changes_or_exited_wrongly_fails() {
        let dir = TempDir::new().unwrap();
        let out = dir.0.join("check.txt");
        let case = |edited| Case {
            label: "t",
            spec: "T",
            old: PathBuf::new(),
            new: PathBuf::new(),
            edited,
            json_too: false,
        };
        let run = |tool, edited, code, text: &str| {
            std::fs::write(&out, text).unwrap();
            check(tool, &case(edited), code, &out)
        };
        let human = "2 changes: 1 breaking, 0 potentially breaking, 1 safe\n";
        assert_eq!(run(Tool::Stipula, true, 1, human), Ok(Some((2, 1))));
        assert!(
            run(Tool::Stipula, true, 0, human)
                .unwrap_err()
                .contains("expected 1")
        );
        assert!(
            run(Tool::Stipula, false, 1, human)
                .unwrap_err()
                .contains("identical")
        );
        assert!(
            run(Tool::Stipula, true, 0, "no changes\n")
                .unwrap_err()
                .contains("no changes")
        );
        assert_eq!(
            run(Tool::Stipula, false, 0, "no changes\n"),
            Ok(Some((0, 0)))
        );
        assert!(
            run(Tool::Stipula, false, 2, "")
                .unwrap_err()
                .contains("exited with 2")
        );
        let report = json!({"summary": {"breaking": 0}, "changes": [{}, {}, {}]}).to_string();
        assert_eq!(run(Tool::StipulaJson, true, 0, &report), Ok(Some((3, 0))));
        assert!(
            run(Tool::StipulaJson, true, 0, "{")
                .unwrap_err()
                .contains("not a JSON report")
        );
        assert_eq!(run(Tool::Oasdiff, true, 0, "anything"), Ok(None));
        assert!(
            run(Tool::Oasdiff, true, 1, "boom")
                .unwrap_err()
                .contains("boom")
        );
    }
}
