//! Lint findings in a baseline file (`crate::baseline`): `--write-baseline` lists a run's
//! errors, `--baseline` marks the errors it lists as `baselined` (reported, not failing).
//!
//! A finding's fingerprint hashes the tool (`stipula lint`), the rule id, the file as shown
//! (relative to the working directory, `/`-separated, without `.` segments), the JSON pointer, and the message with digit runs of four or more erased. Never the line or
//! column: an edit elsewhere in the file (a comment or a path added above) moves those but not
//! the pointer. Severity is left out too, so a config that changes it keeps the fingerprint.

use std::collections::HashSet;

use super::{Finding, SpecReport};
use crate::baseline::{Accepted, Baseline, LINT, erase_long_numbers, hash};
use crate::spec::Severity;

/// The fingerprint of a finding (see the module note): 16 hex digits.
pub fn fingerprint(f: &Finding) -> String {
    let file = same_file(&f.place.file);
    let message = erase_long_numbers(&f.message);
    hash([LINT, f.rule, &file, &f.place.pointer, &message])
}

/// The file as shown, in one spelling: `/` separators, no `.` segments (`./specs/a.yaml` and
/// `specs/a.yaml` are one file).
fn same_file(file: &str) -> String {
    file.replace('\\', "/")
        .split('/')
        .filter(|s| *s != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The errors of the reports, as a baseline (warnings never fail a run, so they need none).
pub fn to_baseline(reports: &[SpecReport]) -> Baseline {
    Baseline::new(
        LINT,
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.severity == Severity::Error)
            .map(|f| Accepted {
                fingerprint: fingerprint(f),
                tool: String::new(),
                rule: f.rule.to_string(),
                place: format!("{} (#{})", f.place.file, f.place.pointer),
                message: f.message.clone(),
            }),
    )
}

/// Marks the errors `baseline` lists as `baselined`.
pub fn apply(baseline: &Baseline, reports: &mut [SpecReport]) {
    let accepted: HashSet<&str> = baseline.fingerprints();
    for f in reports.iter_mut().flat_map(|r| &mut r.findings) {
        if f.severity == Severity::Error && accepted.contains(fingerprint(f).as_str()) {
            f.baselined = true;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_file_has_one_spelling() {
        assert_eq!(super::same_file("./specs/./a.yaml"), "specs/a.yaml");
        assert_eq!(super::same_file("specs\\a.yaml"), "specs/a.yaml");
        assert_eq!(super::same_file("/abs/a.yaml"), "/abs/a.yaml");
    }
}
