//! `--junit FILE`: the report as JUnit XML (quick-junit), for CI dashboards.
//!
//! The mapping, chosen so a dashboard shows what a reviewer needs:
//! - one `<testsuite>` per spec run (merged shards of one spec are one suite), named after the
//!   spec, with the seed, base URL and shard (`run.N.seed`... for merged shards), cases per
//!   phase and total cases as properties;
//! - one `<testcase>` per (operation, check): `classname` is the operation, `name` the check id,
//!   `assertions` the number of cases the check judged; when something failed or warned, the
//!   `passed`/`failed`/`warned` counts as properties and in `<system-out>`;
//! - a (operation, check) with failures gets one `<failure>`: the first failure's message
//!   (`type` is the check id) and, as its text, every failure in full with its reproduction
//!   (violations, steps, request, response, curl);
//! - failures a baseline accepts are printed like warnings (they do not fail the run);
//! - warnings are not failures and not skips (a skip would say the check did not run, and hiding
//!   them is what Schemathesis users complain about): they are printed in full in the test case's
//!   `<system-out>`, and counted in its `warned` property;
//! - an operation of the run that no case reached (a notice says why) is one skipped test case
//!   named `not-tested`, so an untested operation is visible rather than absent;
//! - the run's notices go in the suite's `<system-out>`;
//! - coverage (`docs/coverage.md`): `coverage` and `coverage.<kind>` suite properties
//!   (`62.5% (5/8)`), and one passing test case per operation named `coverage`, with the same
//!   properties and the documented items no case exercised in its `<system-out>`.
//!
//! No timestamps: the same report gives the same file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::human::{Paint, render_finding};
use super::{Reporter, with_path};
use crate::runner::event::{Check, CheckTally, CoverageKind, Event, Finding, Report, Severity};

pub struct JunitReporter {
    path: PathBuf,
    file: Option<File>,
}

impl JunitReporter {
    /// Creates (truncates) the file now, so that a path that cannot be written fails before
    /// the run rather than after it; the report is written at `Finished`.
    pub fn create(path: impl Into<PathBuf>) -> std::io::Result<JunitReporter> {
        let path = path.into();
        let file = File::create(&path).map_err(|e| with_path(&path, e))?;
        Ok(JunitReporter {
            path,
            file: Some(file),
        })
    }
}

impl Reporter for JunitReporter {
    fn event(&mut self, event: &Event) -> std::io::Result<()> {
        if let Event::Finished { report } = event {
            let file = match self.file.take() {
                Some(f) => f,
                // A second `Finished` (a reused reporter) rewrites the file.
                None => File::create(&self.path).map_err(|e| with_path(&self.path, e))?,
            };
            write_to(report, file).map_err(|e| with_path(&self.path, e))?;
        }
        Ok(())
    }
}

/// Writes `report` as JUnit XML to `path` (what `stipula report merge --junit` uses).
pub fn write_junit(report: &Report, path: &Path) -> std::io::Result<()> {
    let file = File::create(path).map_err(|e| with_path(path, e))?;
    write_to(report, file).map_err(|e| with_path(path, e))
}

fn write_to(report: &Report, file: File) -> std::io::Result<()> {
    let mut out = BufWriter::new(file);
    junit_report(report)
        .serialize(&mut out)
        .map_err(std::io::Error::other)?;
    out.flush()
}

/// The JUnit document for a report (see the module note for the mapping).
pub fn junit_report(report: &Report) -> quick_junit::Report {
    let mut junit = quick_junit::Report::new("stipula test");
    let elapsed = Duration::try_from_secs_f64(report.elapsed_seconds).unwrap_or_default();
    junit.set_time(elapsed);

    let specs: BTreeSet<&str> = report.runs.iter().map(|r| r.spec.as_str()).collect();
    let name = if specs.is_empty() {
        "stipula test".to_string()
    } else {
        specs.iter().copied().collect::<Vec<_>>().join(", ")
    };
    let mut suite = TestSuite::new(name);
    suite.set_time(elapsed);
    // One run: `seed`, `base-url`, `shard`. Merged shards: `run.1.seed`, `run.2.seed`...
    for (i, run) in report.runs.iter().enumerate() {
        let prefix = if report.runs.len() == 1 {
            String::new()
        } else {
            format!("run.{}.", i + 1)
        };
        suite.add_property((format!("{prefix}base-url").as_str(), run.base_url.as_str()));
        suite.add_property((
            format!("{prefix}seed").as_str(),
            run.seed.to_string().as_str(),
        ));
        if let Some((k, n)) = run.shard {
            suite.add_property((
                format!("{prefix}shard").as_str(),
                format!("{k}/{n}").as_str(),
            ));
        }
    }
    suite.add_property(("cases", report.cases().to_string().as_str()));
    for (phase, n) in &report.cases_by_phase {
        suite.add_property((format!("cases.{phase}").as_str(), n.to_string().as_str()));
    }
    if !report.notices.is_empty() {
        suite.set_system_out(report.notices.join("\n"));
    }
    if !report.coverage.is_empty() {
        let total = report.coverage_summary();
        suite.add_property(("coverage", total.overall().to_string().as_str()));
        for kind in CoverageKind::ALL {
            suite.add_property((
                format!("coverage.{}", kind.id()).as_str(),
                total.get(kind).to_string().as_str(),
            ));
        }
    }

    // (operation, check) → its counts and findings, in operation then check order.
    let mut cases: BTreeMap<(&str, Check), (CheckTally, Vec<&Finding>)> = BTreeMap::new();
    for (op, checks) in &report.tally {
        for (check, t) in checks {
            cases.entry((op.as_str(), *check)).or_default().0.add(*t);
        }
    }
    for f in &report.findings {
        cases
            .entry((f.operation.as_str(), f.check))
            .or_default()
            .1
            .push(f);
    }
    let reached: BTreeSet<&str> = cases.keys().map(|(op, _)| *op).collect();

    for ((op, check), (tally, findings)) in &cases {
        suite.add_test_case(test_case(op, *check, *tally, findings));
    }

    for (op, coverage) in &report.coverage {
        let mut case = TestCase::new("coverage", TestCaseStatus::success());
        case.set_classname(op.as_str());
        let summary = coverage.summary();
        case.add_property(("coverage", summary.overall().to_string().as_str()));
        for kind in CoverageKind::ALL {
            case.add_property((
                format!("coverage.{}", kind.id()).as_str(),
                summary.get(kind).to_string().as_str(),
            ));
        }
        let missed: Vec<String> = coverage
            .missed()
            .map(|i| format!("not exercised: {} {}", i.kind.label(), i.name))
            .collect();
        if !missed.is_empty() {
            case.set_system_out(missed.join("\n"));
        }
        suite.add_test_case(case);
    }

    let untested: BTreeSet<&str> = report
        .runs
        .iter()
        .flat_map(|r| r.operations.iter().map(String::as_str))
        .filter(|op| !reached.contains(op))
        .collect();
    for op in untested {
        let prefix = format!("{op}: ");
        let why: Vec<&str> = report
            .notices
            .iter()
            .filter_map(|n| n.strip_prefix(&prefix))
            .collect();
        let mut status = TestCaseStatus::skipped();
        status.set_message(if why.is_empty() {
            "no case was sent for this operation".to_string()
        } else {
            why.join("; ")
        });
        let mut case = TestCase::new("not-tested", status);
        case.set_classname(op);
        suite.add_test_case(case);
    }

    junit.add_test_suite(suite);
    junit
}

fn test_case(op: &str, check: Check, tally: CheckTally, findings: &[&Finding]) -> TestCase {
    let failures: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| f.severity == Severity::Failure && !f.baselined)
        .collect();
    // Failures a baseline accepts do not fail the run: printed like warnings.
    let warnings: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| f.severity == Severity::Warning || f.baselined)
        .collect();
    let status = if failures.is_empty() {
        TestCaseStatus::success()
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let first = &failures[0].message;
        status.set_message(if failures.len() == 1 {
            first.clone()
        } else {
            format!("{first} (and {} more)", failures.len() - 1)
        });
        status.set_type(check.id());
        let text: Vec<String> = failures
            .iter()
            .map(|f| render_finding(f, Paint::PLAIN))
            .collect();
        status.set_description(text.join("\n\n"));
        status
    };
    let mut case = TestCase::new(check.id(), status);
    case.set_classname(op);
    case.set_assertions((tally.passed + tally.failed + tally.warned) as usize);
    if !failures.is_empty() || !warnings.is_empty() || tally.failed > 0 || tally.warned > 0 {
        // A passing pair is one line (`assertions` says how many cases passed): a big API
        // has thousands of them (GitHub's: 1,223 operations × 13 checks).
        case.add_property(("passed", tally.passed.to_string().as_str()));
        case.add_property(("failed", tally.failed.to_string().as_str()));
        case.add_property(("warned", tally.warned.to_string().as_str()));
        let mut out = format!(
            "{check}: {}\npassed {}, failed {}, warned {}\n",
            check.description(),
            tally.passed,
            tally.failed,
            tally.warned
        );
        for w in &warnings {
            out.push('\n');
            out.push_str(&render_finding(w, Paint::PLAIN));
            out.push('\n');
        }
        case.set_system_out(out);
    }
    case
}
