//! What a person reads: progress while the run works, each finding as it arrives, a summary at
//! the end.
//!
//! Two shapes of progress, one for each kind of reader. On a terminal, an indicatif bar over
//! the run's (operation, phase) units with cases, cases/s and failures so far; findings are
//! printed above it (`suspend`). Anywhere else (a CI log), plain lines: one per unit done and a
//! heartbeat every [`HEARTBEAT_CASES`] cases, nothing that depends on the clock except the final
//! time, and no control characters at all, so logs diff and grep cleanly.
//!
//! Everything is written to any `impl Write`, so tests capture it. Text that came from the
//! server (bodies, headers, messages quoting them) has its control characters escaped before it
//! is printed: a response must not be able to drive the reader's terminal. Colours only when
//! asked for ([`HumanOptions::for_stderr`] asks on a terminal unless `NO_COLOR` is set).
//!
//! The end-of-run text is rendered from the `Report` in `Finished` by the same function that
//! renders a merged report for `stipula report merge` ([`render_report`] calls it), so a run's
//! summary and a merge's cannot differ.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use super::Reporter;
use crate::runner::event::{
    Check, CheckTally, CoverageKind, CoverageSummary, Event, Finding, Phase, Ratio, Report,
    RequestRecord, ResponseRecord, RunInfo, Severity, format_percent,
};

/// In plain mode, a progress line after this many cases without one.
pub const HEARTBEAT_CASES: u64 = 2000;
/// Bodies are cut after this many characters...
const BODY_CHARS: usize = 2000;
/// ...or this many lines.
const BODY_LINES: usize = 40;
/// Above this many operations the summary lists only those with failures or warnings.
const OPERATION_ROWS: usize = 30;
/// The bar's message is refreshed every this many cases (and on every finding).
const BAR_REFRESH_CASES: u64 = 64;

/// How the display looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// An indicatif bar on stderr instead of plain progress lines.
    pub progress_bar: bool,
    /// Warnings in full (with their request and response) instead of one line each.
    pub verbose: bool,
}

impl HumanOptions {
    /// For a display on stderr: a bar and colours when stderr is a terminal; `NO_COLOR` (any
    /// non-empty value) or `CLICOLOR=0` turn colours off.
    pub fn for_stderr(verbose: bool) -> HumanOptions {
        let terminal = std::io::stderr().is_terminal();
        HumanOptions {
            color: terminal && colors_allowed() && term_allows_color(),
            progress_bar: terminal,
            verbose,
        }
    }

    /// For a report printed on stdout (`stipula report merge`): colours on a terminal, no bar.
    pub fn for_stdout(verbose: bool) -> HumanOptions {
        let terminal = std::io::stdout().is_terminal();
        HumanOptions {
            color: terminal && colors_allowed() && term_allows_color(),
            progress_bar: false,
            verbose,
        }
    }
}

fn colors_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `CLICOLOR=0` or `TERM=dumb` turn colours off (the conventions `console` follows; checked
/// here so that a library build without the `cli` feature colours the same way).
fn term_allows_color() -> bool {
    std::env::var("CLICOLOR").map_or(true, |v| v != "0")
        && std::env::var("TERM").map_or(true, |v| v != "dumb")
}

/// The progress bar: indicatif with the `cli` feature. A library build without it has no bar
/// (the same methods, doing nothing), so `progress_bar` falls back to plain lines.
#[cfg(feature = "cli")]
mod bar {
    pub use indicatif::ProgressBar as Bar;
    use indicatif::{ProgressDrawTarget, ProgressStyle};

    pub fn new(units: usize) -> Option<Bar> {
        let style = ProgressStyle::with_template(
            "{spinner} {elapsed:>4} {bar:20} {pos}/{len} units, {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        Some(
            Bar::with_draw_target(Some(units as u64), ProgressDrawTarget::stderr())
                .with_style(style),
        )
    }
}

#[cfg(not(feature = "cli"))]
mod bar {
    pub struct Bar;

    impl Bar {
        pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
            f()
        }
        pub fn set_message(&self, _: String) {}
        pub fn inc(&self, _: u64) {}
        pub fn finish_and_clear(&self) {}
    }

    pub fn new(_units: usize) -> Option<Bar> {
        None
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct UnitCounts {
    cases: u64,
    failures: u64,
    warnings: u64,
}

/// The terminal (or log) display of a run.
pub struct HumanReporter<W: Write + Send> {
    out: W,
    options: HumanOptions,
    bar: Option<bar::Bar>,
    started: Instant,
    units: usize,
    units_done: usize,
    cases: u64,
    failures: u64,
    warnings: u64,
    cases_since_line: u64,
    /// operation → per phase (indexed by `Phase as usize`): cases, failures, warnings, for the
    /// plain unit lines. Keyed by operation alone so a case costs no allocation.
    per_unit: HashMap<String, [UnitCounts; Phase::ALL.len()]>,
}

impl HumanReporter<std::io::Stderr> {
    /// The usual display: on stderr, shaped by [`HumanOptions::for_stderr`].
    pub fn stderr(verbose: bool) -> HumanReporter<std::io::Stderr> {
        HumanReporter::new(std::io::stderr(), HumanOptions::for_stderr(verbose))
    }
}

impl<W: Write + Send> HumanReporter<W> {
    /// With `options.progress_bar`, the bar draws on stderr while `out` gets the text.
    pub fn new(out: W, options: HumanOptions) -> HumanReporter<W> {
        HumanReporter {
            out,
            options,
            bar: None,
            started: Instant::now(),
            units: 0,
            units_done: 0,
            cases: 0,
            failures: 0,
            warnings: 0,
            cases_since_line: 0,
            per_unit: HashMap::new(),
        }
    }

    /// The writer back (tests read what was written).
    pub fn into_inner(self) -> W {
        self.out
    }

    fn paint(&self) -> Paint {
        Paint {
            color: self.options.color,
        }
    }

    fn emit(&mut self, text: &str) -> std::io::Result<()> {
        let out = &mut self.out;
        match &self.bar {
            Some(bar) => bar.suspend(|| out.write_all(text.as_bytes())),
            None => out.write_all(text.as_bytes()),
        }
    }

    fn refresh_bar(&self) {
        if let Some(bar) = &self.bar {
            let secs = self.started.elapsed().as_secs_f64();
            let rate = if secs > 0.0 {
                self.cases as f64 / secs
            } else {
                0.0
            };
            let mut message = format!(
                "{} cases, {rate:.0}/s, {}",
                self.cases,
                count(self.failures, "failure")
            );
            if self.warnings > 0 {
                let _ = write!(message, ", {}", count(self.warnings, "warning"));
            }
            bar.set_message(message);
        }
    }

    fn started(&mut self, info: &RunInfo, units: usize) -> std::io::Result<()> {
        self.started = Instant::now();
        self.units = units;
        let text = format!("{}\n", render_header(info, units));
        self.emit(&text)?;
        if self.options.progress_bar {
            self.bar = bar::new(units);
            self.refresh_bar();
        }
        Ok(())
    }

    fn case(&mut self, operation: &str, phase: Phase) -> std::io::Result<()> {
        self.cases += 1;
        self.cases_since_line += 1;
        match self.per_unit.get_mut(operation) {
            Some(units) => units[phase as usize].cases += 1,
            None => {
                let mut units = [UnitCounts::default(); Phase::ALL.len()];
                units[phase as usize].cases = 1;
                self.per_unit.insert(operation.to_string(), units);
            }
        }
        if self.bar.is_some() {
            if self.cases.is_multiple_of(BAR_REFRESH_CASES) {
                self.refresh_bar();
            }
        } else if self.cases_since_line >= HEARTBEAT_CASES {
            self.cases_since_line = 0;
            let text = format!(
                "  ... {} cases sent, {} so far\n",
                self.cases,
                count(self.failures, "failure")
            );
            self.emit(&text)?;
        }
        Ok(())
    }

    fn found(&mut self, finding: &Finding) -> std::io::Result<()> {
        let unit = &mut self.per_unit.entry(finding.operation.clone()).or_default()
            [finding.phase as usize];
        match finding.severity {
            Severity::Failure => {
                self.failures += 1;
                unit.failures += 1;
            }
            Severity::Warning => {
                self.warnings += 1;
                unit.warnings += 1;
            }
        }
        let full = finding.severity == Severity::Failure || self.options.verbose;
        let text = if full {
            format!("\n{}\n\n", render_finding(finding, self.paint()))
        } else {
            format!("{}\n", render_warning_line(finding, self.paint()))
        };
        self.emit(&text)?;
        self.refresh_bar();
        Ok(())
    }

    fn unit_done(&mut self, operation: &str, phase: Phase) -> std::io::Result<()> {
        self.units_done += 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
            self.refresh_bar();
            return Ok(());
        }
        self.cases_since_line = 0;
        let UnitCounts {
            cases,
            failures,
            warnings,
        } = self
            .per_unit
            .get_mut(operation)
            .map(|units| std::mem::take(&mut units[phase as usize]))
            .unwrap_or_default();
        let width = self.units.to_string().len();
        let mut line = format!(
            "[{:>width$}/{}] {phase} {}: {}",
            self.units_done,
            self.units,
            clean_line(operation),
            count(cases, "case"),
        );
        if failures > 0 {
            let _ = write!(line, ", {}", self.paint().fail(&count(failures, "failure")));
        }
        if warnings > 0 {
            let _ = write!(line, ", {}", self.paint().warn(&count(warnings, "warning")));
        }
        line.push('\n');
        self.emit(&line)
    }

    fn notice(&mut self, operation: &str, message: &str) -> std::io::Result<()> {
        let text = format!(
            "{} {}: {}\n",
            self.paint().note("note:"),
            clean_line(operation),
            clean_line(message)
        );
        self.emit(&text)
    }

    fn finished(&mut self, report: &Report) -> std::io::Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let text = format!("\n{}", render_summary(report, self.paint()));
        self.out.write_all(text.as_bytes())?;
        self.out.flush()
    }
}

impl<W: Write + Send> Reporter for HumanReporter<W> {
    fn event(&mut self, event: &Event) -> std::io::Result<()> {
        match event {
            Event::Started { info, units, .. } => self.started(info, *units),
            Event::Case {
                operation, phase, ..
            } => self.case(operation, *phase),
            Event::Found(finding) => self.found(finding),
            Event::UnitDone { operation, phase } => self.unit_done(operation, *phase),
            Event::Notice { operation, message } => self.notice(operation, message),
            Event::Finished { report } => self.finished(report),
        }
    }
}

/// Colours, or none.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paint {
    pub color: bool,
}

impl Paint {
    pub const PLAIN: Paint = Paint { color: false };

    /// `text` in the SGR attributes `sgr` (e.g. `1;31`, bold red), reset after.
    fn style(self, sgr: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn fail(self, text: &str) -> String {
        self.style("1;31", text)
    }
    fn warn(self, text: &str) -> String {
        self.style("33", text)
    }
    fn pass(self, text: &str) -> String {
        self.style("1;32", text)
    }
    fn bold(self, text: &str) -> String {
        self.style("1", text)
    }
    fn note(self, text: &str) -> String {
        self.style("36", text)
    }
    fn dim(self, text: &str) -> String {
        self.style("2", text)
    }
}

/// The first line of a run.
fn render_header(info: &RunInfo, units: usize) -> String {
    let phases: Vec<&str> = info.phases.iter().map(|p| p.id()).collect();
    let mut line = format!(
        "stipula test {} against {}: {}, phases {} ({}), {}, seed {}",
        clean_line(&info.spec),
        clean_line(&info.base_url),
        count(info.operations.len() as u64, "operation"),
        phases.join(", "),
        count(units as u64, "unit"),
        count(info.checks.len() as u64, "check"),
        info.seed
    );
    if let Some((k, n)) = info.shard {
        let _ = write!(line, ", shard {k}/{n}");
    }
    line
}

/// A finding in full: what is wrong, where, the request and response, and how to replay it.
pub(crate) fn render_finding(f: &Finding, paint: Paint) -> String {
    let mut s = String::new();
    let tag = match f.severity {
        Severity::Failure => paint.fail("FAIL"),
        Severity::Warning => paint.warn("WARN"),
    };
    let _ = writeln!(
        s,
        "{tag} {} {} ({} {})",
        paint.bold(f.check.id()),
        clean_line(&f.operation),
        clean_line(&f.method),
        clean_line(&f.path)
    );
    let _ = writeln!(s, "  {}", clean_line(&f.message));
    let mut facts = vec![format!("{} phase", f.phase)];
    if f.shrunk {
        facts.push("shrunk to a minimal request".to_string());
    }
    if f.occurrences > 1 {
        facts.push(format!("seen in {} cases", f.occurrences));
    }
    if f.baselined {
        facts.push("accepted by the baseline: does not fail the run".to_string());
    }
    let _ = writeln!(s, "  {}", paint.dim(&facts.join(", ")));
    if !f.violations.is_empty() {
        let _ = writeln!(s, "  violations:");
        for v in &f.violations {
            let at = if v.instance_path.is_empty() {
                "(whole body)"
            } else {
                &v.instance_path
            };
            let mut line = format!("    {}: {}", clean_line(at), clean_line(&v.keyword));
            if !v.schema_location.is_empty() {
                let _ = write!(line, " at {}", clean_line(&v.schema_location));
            }
            let _ = writeln!(s, "{line}");
            let _ = writeln!(s, "      {}", clean_line(&v.message));
        }
    }
    if !f.steps.is_empty() {
        let _ = writeln!(s, "  steps (sent first, in order, to set up the state):");
        for (i, step) in f.steps.iter().enumerate() {
            let _ = writeln!(
                s,
                "    {}. {} {}",
                i + 1,
                clean_line(&step.method),
                clean_line(&step.url)
            );
        }
    }
    let _ = writeln!(s, "  request:");
    render_request(&mut s, &f.request);
    match &f.response {
        Some(response) => {
            let named: Vec<&str> = f
                .violations
                .iter()
                .filter_map(|v| v.instance_path.strip_prefix("header:"))
                .collect();
            render_response(&mut s, response, &named);
        }
        None => {
            let _ = writeln!(s, "  response: none");
        }
    }
    if f.steps.is_empty() {
        let _ = writeln!(s, "  reproduce:");
    } else {
        let _ = writeln!(s, "  reproduce (run in order):");
        for step in &f.steps {
            let _ = writeln!(s, "    {}", clean(&step.curl));
        }
    }
    let _ = write!(s, "    {}", clean(&f.request.curl));
    s
}

fn render_request(s: &mut String, request: &RequestRecord) {
    let _ = writeln!(
        s,
        "    {} {}",
        clean_line(&request.method),
        clean_line(&request.url)
    );
    for (name, value) in &request.headers {
        let _ = writeln!(s, "    {}: {}", clean_line(name), clean_line(value));
    }
    if let Some(body) = &request.body {
        render_body(s, body);
    }
}

/// Response headers worth reading when a check fails; others are in the JSON report.
const KEY_RESPONSE_HEADERS: [&str; 5] = [
    "content-type",
    "location",
    "allow",
    "www-authenticate",
    "retry-after",
];

fn render_response(s: &mut String, response: &ResponseRecord, named: &[&str]) {
    let reason = http_reason(response.status);
    let _ = writeln!(
        s,
        "  response: {}{}{} in {:.1} ms",
        response.status,
        if reason.is_empty() { "" } else { " " },
        reason,
        response.elapsed_ms
    );
    for (name, value) in &response.headers {
        let key = KEY_RESPONSE_HEADERS
            .iter()
            .any(|k| k.eq_ignore_ascii_case(name))
            || named.iter().any(|n| n.eq_ignore_ascii_case(name));
        if key {
            let _ = writeln!(s, "    {}: {}", clean_line(name), clean_line(value));
        }
    }
    if response.body.is_empty() {
        let _ = writeln!(s, "    (empty body)");
    } else {
        render_body(s, &response.body);
    }
}

/// A body, cut after [`BODY_LINES`] lines or [`BODY_CHARS`] characters, saying how much was
/// left out.
fn render_body(s: &mut String, body: &str) {
    let mut end = body.len();
    let mut lines = 0;
    for (shown, (i, c)) in body.char_indices().enumerate() {
        if shown >= BODY_CHARS || lines >= BODY_LINES {
            end = i;
            break;
        }
        if c == '\n' {
            lines += 1;
        }
    }
    for line in body[..end].trim_end_matches('\n').split('\n') {
        let _ = writeln!(s, "    {}", clean_line(line));
    }
    if end < body.len() {
        let _ = writeln!(s, "    ... ({} more bytes not shown)", body.len() - end);
    }
}

/// One line for a warning (verbose mode prints it in full instead).
fn render_warning_line(f: &Finding, paint: Paint) -> String {
    let mut line = format!(
        "{} {} {}: {}",
        paint.warn("warn"),
        f.check.id(),
        clean_line(&f.operation),
        clean_line(&f.message)
    );
    let _ = write!(
        line,
        " ({} {}",
        clean_line(&f.request.method),
        clean_line(&f.request.url)
    );
    if let Some(r) = &f.response {
        let _ = write!(line, " -> {}", r.status);
    }
    line.push(')');
    if f.occurrences > 1 {
        let _ = write!(line, ", seen in {} cases", f.occurrences);
    }
    line
}

/// A whole report for reading after the fact (`stipula report merge`): failures in full,
/// warnings one line each (in full when verbose), notices, then the summary.
pub fn render_report(report: &Report, options: HumanOptions) -> String {
    let paint = Paint {
        color: options.color,
    };
    let mut s = String::new();
    for f in &report.findings {
        if f.severity == Severity::Failure || options.verbose {
            let _ = writeln!(s, "{}\n", render_finding(f, paint));
        }
    }
    if !options.verbose {
        for f in report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
        {
            let _ = writeln!(s, "{}", render_warning_line(f, paint));
        }
    }
    for notice in &report.notices {
        let _ = writeln!(s, "{} {}", paint.note("note:"), clean_line(notice));
    }
    if !s.is_empty() {
        s.push('\n');
    }
    s.push_str(&render_summary(report, paint));
    s
}

/// The end of a run: tallies by check and by operation, cases per phase, time, failures, the
/// seed to replay, and the verdict.
pub(crate) fn render_summary(report: &Report, paint: Paint) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} (each count is one check's verdict on one case)",
        paint.bold("Summary")
    );

    // By check.
    let mut by_check: Vec<(Check, CheckTally)> = Vec::new();
    for checks in report.tally.values() {
        for (check, t) in checks {
            match by_check.iter_mut().find(|(c, _)| c == check) {
                Some((_, total)) => total.add(*t),
                None => by_check.push((*check, *t)),
            }
        }
    }
    by_check.sort_by_key(|(c, _)| *c);
    let check_width = by_check
        .iter()
        .map(|(c, _)| c.id().len())
        .chain(["check".len()])
        .max()
        .unwrap_or(5);
    let _ = writeln!(
        s,
        "  {:<check_width$}  {:>8}  {:>8}  {:>8}",
        "check", "passed", "failed", "warned"
    );
    for (check, t) in &by_check {
        let _ = writeln!(s, "  {}", tally_row(check.id(), check_width, *t, paint));
    }

    // By operation.
    let mut operations: Vec<(&str, CheckTally, Vec<String>)> = Vec::new();
    for (op, checks) in &report.tally {
        let mut total = CheckTally::default();
        let mut problems = Vec::new();
        for (check, t) in checks {
            total.add(*t);
            if t.failed > 0 {
                problems.push(format!("{} {} failed", check.id(), t.failed));
            }
            if t.warned > 0 {
                problems.push(format!("{} {} warned", check.id(), t.warned));
            }
        }
        operations.push((op, total, problems));
    }
    let op_width = operations
        .iter()
        .map(|(op, _, _)| op.chars().count())
        .chain(["operation".len()])
        .max()
        .unwrap_or(9)
        .min(48);
    let listed: Vec<&(&str, CheckTally, Vec<String>)> = if operations.len() > OPERATION_ROWS {
        operations
            .iter()
            .filter(|(_, t, _)| t.failed > 0 || t.warned > 0)
            .collect()
    } else {
        operations.iter().collect()
    };
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "  {:<op_width$}  {:>8}  {:>8}  {:>8}  problems",
        "operation", "passed", "failed", "warned"
    );
    for (op, t, problems) in &listed {
        let _ = writeln!(
            s,
            "  {}  {}",
            tally_row(&clean_line(op), op_width, *t, paint),
            if problems.is_empty() {
                "-".to_string()
            } else {
                problems.join(", ")
            }
        );
    }
    let hidden = operations.len() - listed.len();
    if hidden > 0 {
        let _ = writeln!(
            s,
            "  ... and {} with no failure or warning",
            count(hidden as u64, "more operation")
        );
    }
    let tested: std::collections::BTreeSet<&str> =
        report.tally.keys().map(String::as_str).collect();
    let untested: Vec<&str> = report
        .runs
        .iter()
        .flat_map(|r| r.operations.iter().map(String::as_str))
        .filter(|op| !tested.contains(op))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !untested.is_empty() {
        let _ = writeln!(
            s,
            "  not tested (see the notes): {}",
            clean_line(&untested.join(", "))
        );
    }

    render_coverage(&mut s, report);

    // Cases, time.
    let _ = writeln!(s);
    let phases: Vec<String> = report
        .cases_by_phase
        .iter()
        .map(|(phase, n)| format!("{phase} {n}"))
        .collect();
    let cases = report.cases();
    let _ = writeln!(
        s,
        "Cases:    {} ({})",
        cases,
        if phases.is_empty() {
            "none sent".to_string()
        } else {
            phases.join(", ")
        }
    );
    let rate = if report.elapsed_seconds > 0.0 {
        format!(", {:.0} cases/s", cases as f64 / report.elapsed_seconds)
    } else {
        String::new()
    };
    let _ = writeln!(s, "Time:     {:.2} s{rate}", report.elapsed_seconds);

    // Findings.
    let failures = report.failures();
    let warnings = report.warnings();
    let baselined = report.baselined();
    let _ = writeln!(
        s,
        "Found:    {}, {}, {}{}",
        count(failures as u64, "failure"),
        count(warnings as u64, "warning"),
        count(report.notices.len() as u64, "notice"),
        if baselined > 0 {
            format!(" ({baselined} more accepted by the baseline)")
        } else {
            String::new()
        }
    );
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Failure)
    {
        let _ = writeln!(
            s,
            "  {} {} {}: {}",
            if f.baselined {
                paint.dim("BASELINE")
            } else {
                paint.fail("FAIL")
            },
            f.check.id(),
            clean_line(&f.operation),
            clean_line(&f.message)
        );
    }

    // Seed.
    let _ = writeln!(s, "{}", render_seed(&report.runs));

    // Verdict.
    let verdict = if failures > 0 {
        paint.fail(&format!(
            "FAILED: {} of the contract",
            count(failures as u64, "violation")
        ))
    } else if warnings > 0 {
        paint.pass(&format!(
            "PASSED with {} (warnings never fail a run)",
            count(warnings as u64, "warning")
        ))
    } else {
        paint.pass("PASSED")
    };
    let _ = writeln!(s, "{verdict}");
    s
}

/// Coverage (`docs/coverage.md`): the overall figure and each kind, then one row per
/// operation not fully covered (at most [`OPERATION_ROWS`], the least covered first). Nothing
/// when the report has no coverage (a report written before coverage existed).
fn render_coverage(s: &mut String, report: &Report) {
    if report.coverage.is_empty() {
        return;
    }
    let total = report.coverage_summary();
    let _ = writeln!(s);
    let kinds: Vec<String> = CoverageKind::ALL
        .iter()
        .map(|k| format!("{} {}", k.label(), total.get(*k)))
        .collect();
    let _ = writeln!(s, "Coverage: {} overall", total.overall());
    let _ = writeln!(s, "  {}", kinds.join(", "));
    let mut rows: Vec<(&str, CoverageSummary)> = report
        .coverage
        .iter()
        .map(|(op, c)| (op.as_str(), c.summary()))
        .filter(|(_, c)| c.overall().covered < c.overall().documented)
        .collect();
    if rows.is_empty() {
        return;
    }
    rows.sort_by(|a, b| {
        a.1.overall()
            .percent()
            .total_cmp(&b.1.overall().percent())
            .then(a.0.cmp(b.0))
    });
    let hidden = rows.len().saturating_sub(OPERATION_ROWS);
    rows.truncate(OPERATION_ROWS);
    let width = rows
        .iter()
        .map(|(op, _)| op.chars().count())
        .chain(["operation".len()])
        .max()
        .unwrap_or(9)
        .min(48);
    let _ = writeln!(
        s,
        "  {:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}",
        "operation", "status", "params", "enums", "bounds", "phases", "overall"
    );
    let cell = |r: Ratio| {
        if r.documented == 0 {
            "-".to_string()
        } else {
            format!("{}/{}", r.covered, r.documented)
        }
    };
    for (op, c) in &rows {
        let _ = writeln!(
            s,
            "  {:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>7}%",
            clean_line(op),
            cell(c.status),
            cell(c.parameters),
            cell(c.enum_values),
            cell(c.boundaries),
            cell(c.phases),
            format_percent(c.overall().percent())
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            s,
            "  ... and {} not fully covered (see --html or --json)",
            count(hidden as u64, "more operation")
        );
    }
}

fn tally_row(label: &str, width: usize, t: CheckTally, paint: Paint) -> String {
    let failed = format!("{:>8}", t.failed);
    let warned = format!("{:>8}", t.warned);
    format!(
        "{label:<width$}  {:>8}  {}  {}",
        t.passed,
        if t.failed > 0 {
            paint.fail(&failed)
        } else {
            failed
        },
        if t.warned > 0 {
            paint.warn(&warned)
        } else {
            warned
        }
    )
}

/// How to replay: the seed flag (and the shard flag) for the same command.
fn render_seed(runs: &[RunInfo]) -> String {
    let seeds: std::collections::BTreeSet<u64> = runs.iter().map(|r| r.seed).collect();
    match (runs, seeds.len()) {
        ([], _) => "Seed:     unknown (no run recorded)".to_string(),
        ([run], _) => {
            let shard = run
                .shard
                .map(|(k, n)| format!(" --shard {k}/{n}"))
                .unwrap_or_default();
            format!(
                "Seed:     {} (replay exactly: the same command with --seed {}{shard})",
                run.seed, run.seed
            )
        }
        (_, 1) => {
            let seed = runs[0].seed;
            let shards = runs.iter().filter_map(|r| r.shard).count();
            if shards == runs.len() {
                let n = runs[0].shard.map_or(0, |(_, n)| n);
                format!(
                    "Seed:     {seed} for all {} runs (replay one: the same command with --seed {seed} --shard K/{n})",
                    runs.len()
                )
            } else {
                format!(
                    "Seed:     {seed} for all {} runs (replay: the same command with --seed {seed})",
                    runs.len()
                )
            }
        }
        _ => {
            let mut s = "Seeds (replay a run: the same command with its flags):".to_string();
            for run in runs {
                let shard = run
                    .shard
                    .map(|(k, n)| format!(" --shard {k}/{n}"))
                    .unwrap_or_default();
                let _ = write!(
                    s,
                    "\n  {}: --seed {}{shard}",
                    clean_line(&run.spec),
                    run.seed
                );
            }
            s
        }
    }
}

/// `n thing` / `n things`.
fn count(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Text with every control character but newline and tab escaped (`\u{1b}`), so that nothing
/// a server sends can move the cursor, clear the screen or hide text.
fn clean(text: &str) -> Cow<'_, str> {
    escape_controls(text, |c| c != '\n' && c != '\t')
}

/// [`clean`], and newlines and tabs escaped too: for text that must stay on one line.
fn clean_line(text: &str) -> Cow<'_, str> {
    escape_controls(text, |_| true)
}

fn escape_controls(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    let is_bad = |c: char| (c.is_control() || is_bidi_control(c)) && escape(c);
    if !text.chars().any(is_bad) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_bad(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                _ => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Unicode bidirectional controls reorder what a terminal shows (the "Trojan Source" trick).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// The reason phrase of a status code ("" for unknown ones).
fn http_reason(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}
