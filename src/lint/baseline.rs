//! Lint findings in a baseline file (`crate::baseline`): `--write-baseline` lists a run's
//! errors, `--baseline` marks the errors it lists as `baselined` (reported, not failing).
//!
//! A finding's fingerprint hashes the tool (`stipula lint`), the rule id, the file as shown
//! (relative to the working directory, also when given as an absolute path under it;
//! `/`-separated, without `.` segments), the JSON pointer,
//! and the message with digit runs of four or more erased (not for the value rules,
//! `example-invalid`, `default-invalid` and `enum-invalid`, whose pointer names the value and
//! whose message is jsonschema's wording of each violation). Never the line or
//! column: an edit elsewhere in the file (a comment or a path added above) moves those but not
//! the pointer. Severity is left out too, so a config that changes it keeps the fingerprint.

use std::collections::HashSet;

use super::{Finding, SpecReport};
use crate::baseline::{Accepted, Baseline, LINT, erase_long_numbers, hash};
use crate::spec::Severity;

/// The fingerprint of a finding (see the module note): 16 hex digits.
pub fn fingerprint(f: &Finding) -> String {
    let file = same_file(&f.place.file);
    if VALUE_RULES.contains(&f.rule) {
        // The pointer is the value itself; the message lists jsonschema's wording of every
        // violation, which a jsonschema upgrade or a partial fix would change.
        return hash([LINT, f.rule, &file, &f.place.pointer]);
    }
    let message = erase_long_numbers(&f.message);
    hash([LINT, f.rule, &file, &f.place.pointer, &message])
}

/// Rules about one written value (an example, a default, an enum member): the finding is
/// "this value does not match its schema", whatever the violations are.
const VALUE_RULES: &[&str] = &["example-invalid", "default-invalid", "enum-invalid"];

/// The file as shown, in one spelling: `/` separators, no `.` segments (`./specs/a.yaml` and
/// `specs/a.yaml` are one file), and relative to the working directory when it is under it
/// (`lint /repo/specs/a.yaml` run in `/repo` is `specs/a.yaml`).
fn same_file(file: &str) -> String {
    let path = std::path::Path::new(file);
    let relative = std::env::current_dir()
        .ok()
        .filter(|_| path.is_absolute())
        .and_then(|cwd| {
            path.strip_prefix(cwd)
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        });
    relative
        .as_deref()
        .unwrap_or(file)
        .replace('\\', "/")
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
    use super::*;
    use crate::spec::Place;

    fn finding(rule: &'static str, message: &str) -> Finding {
        Finding {
            rule,
            severity: Severity::Error,
            place: Place {
                file: "specs/a.yaml".into(),
                pointer: "/components/schemas/Pet/example".into(),
                position: None,
            },
            message: message.into(),
            related: None,
            snippet: None,
            baselined: false,
        }
    }

    #[test]
    fn a_value_finding_is_the_value_whatever_jsonschema_says_of_it() {
        let before = "schema example does not match its schema: /id: \"x\" is not of type \"integer\" (type); /name: ...";
        let after = "schema example does not match its schema: /id: value is not an integer (type)";
        assert_eq!(
            fingerprint(&finding("example-invalid", before)),
            fingerprint(&finding("example-invalid", after))
        );
        // Other rules keep their message: two problems at one place stay two.
        assert_ne!(
            fingerprint(&finding("oas-structure", before)),
            fingerprint(&finding("oas-structure", after))
        );
        assert_ne!(
            fingerprint(&finding("example-invalid", before)),
            fingerprint(&finding("default-invalid", before))
        );
    }

    #[test]
    fn one_file_has_one_spelling() {
        assert_eq!(same_file("./specs/./a.yaml"), "specs/a.yaml");
        assert_eq!(same_file("specs\\a.yaml"), "specs/a.yaml");
        assert_eq!(same_file("/abs/a.yaml"), "/abs/a.yaml");
        let here = std::env::current_dir()
            .unwrap()
            .join("specs")
            .join("a.yaml");
        assert_eq!(same_file(&here.to_string_lossy()), "specs/a.yaml");
    }
}
