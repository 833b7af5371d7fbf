//! Baselines: findings a team has accepted, so that a known issue does not fail CI again.
//!
//! A finding's *fingerprint* hashes what identifies the problem and nothing that changes from
//! run to run: the operation, the check, and the violation shape (each violation's instance
//! path with array indices starred, and its keyword), or, for a finding without violations,
//! its message with long digit runs (ids, timings) erased. Severity is left out, so a config
//! that turns a check into a warning keeps the same fingerprints; so are the seed, the values
//! sent and the response body.
//!
//! The file (`stipula test --write-baseline FILE`, read back with `--baseline FILE`) is the
//! format lint and diff share (`crate::baseline`, documented in `docs/baselines.md`): entries
//! keyed by `fingerprint`, with a `rule` (here a check id), a `place` (here an operation) and the
//! `message` for the reader. These fingerprints hash no tool name, unlike lint's and diff's:
//! they are the ones files written before the format was shared hold.

pub use crate::baseline::{Accepted, Baseline};
use crate::baseline::{TEST, erase_long_numbers, fnv1a};

use super::event::{Check, Finding, Report, Severity};

/// The failures of a report, as a baseline (warnings never fail a run, so they need none).
pub fn from_report(report: &Report) -> Baseline {
    Baseline::new(
        TEST,
        report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Failure)
            .map(|f| Accepted {
                fingerprint: f.fingerprint.clone(),
                tool: String::new(),
                rule: f.check.id().to_string(),
                place: f.operation.clone(),
                message: f.message.clone(),
            }),
    )
}

/// The fingerprint of a finding (see the module note): 16 hex digits.
pub fn fingerprint(f: &Finding) -> String {
    let mut text = format!("{}\u{0}{}", f.operation, f.check.id());
    let by_check_only = matches!(
        f.check,
        Check::CreatedReadable | Check::RemovedGone | Check::ResponseTime
    );
    if by_check_only {
        // Their messages hold ids and timings; one problem per operation and check.
    } else if f.violations.is_empty() {
        text.push('\u{0}');
        text.push_str(&erase_long_numbers(&f.message));
    } else {
        for v in &f.violations {
            let path: Vec<&str> = v
                .instance_path
                .split('/')
                .map(|seg| {
                    if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                        "*"
                    } else {
                        seg
                    }
                })
                .collect();
            text.push('\u{0}');
            text.push_str(&path.join("/"));
            text.push(' ');
            text.push_str(&v.keyword);
        }
    }
    format!("{:016x}", fnv1a(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use crate::baseline::{Baseline, LINT, TEST};
    use crate::runner::event::{Event, Report};
    use crate::runner::report::{BaselineReporter, Reporter};

    #[test]
    fn write_baseline_keeps_the_entries_of_lint_and_diff() {
        let dir =
            std::env::temp_dir().join(format!("stipula-test-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.json");
        std::fs::write(
            &path,
            r#"{"format": 1, "tool": "stipula lint", "accepted": [{"fingerprint": "l1", "rule": "enum-invalid"}, {"fingerprint": "t0", "tool": "stipula test"}]}"#,
        )
        .unwrap();
        let mut reporter = BaselineReporter::create(path.clone()).unwrap();
        // Nothing is truncated before the run ends.
        assert!(std::fs::read_to_string(&path).unwrap().contains("l1"));
        let report: Report = serde_json::from_str(
            r#"{"format": 1, "runs": [], "tally": {}, "cases_by_phase": {}, "findings": [], "notices": [], "elapsed_seconds": 0.0}"#,
        )
        .unwrap();
        reporter
            .event(&Event::Finished {
                report: Box::new(report),
            })
            .unwrap();
        let b = Baseline::load(&path).unwrap();
        assert_eq!(b.tool, TEST);
        let kept: Vec<(&str, &str)> = b
            .accepted
            .iter()
            .map(|a| (a.tool.as_str(), a.fingerprint.as_str()))
            .collect();
        assert_eq!(kept, [(LINT, "l1")], "the old test entry is replaced");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
