//! Diff changes in a baseline file (`crate::baseline`): `--write-baseline` lists the changes at
//! or above `--fail-on`, `--baseline` marks the changes it lists as `baselined` (reported, not
//! failing), so a breaking change a team has accepted against a released version fails CI once.
//!
//! A change's fingerprint hashes the tool (`stipula diff`), the rule id, the operation
//! (`GET /pets/{id}`, empty for API-wide changes) and the message. The message is where the
//! change is within the operation, in the API's terms (the parameter, the response status and
//! media type, the property path: "response 200 (application/json) `[].tag`"), and what
//! changed. It is used rather than a file location: file, line and column move with unrelated
//! edits, and a JSON pointer changes when parameters are reordered or a schema moves into
//! `components` or another file, none of which is a change. What changed is part of it, so
//! another removal at the same place (one more enum value gone) fails again. The one message
//! that changes by itself, `operation-sunset-too-soon`'s count of days until the sunset, is left
//! out: that rule is fingerprinted by its operation alone; so is the `(wider)`/`(narrower)` qualifier
//! of a pattern change, which says how much the pattern search could show.

use std::collections::HashSet;

use super::{Change, Level, Rule};
use crate::baseline::{Accepted, Baseline, DIFF, hash};

/// The fingerprint of a change (see the module note): 16 hex digits.
pub fn fingerprint(c: &Change) -> String {
    let operation = c.operation.as_deref().unwrap_or("");
    match c.rule {
        Rule::OperationSunsetTooSoon => hash([DIFF, c.rule.id(), operation]),
        _ => hash([DIFF, c.rule.id(), operation, stable_message(&c.message)]),
    }
}

/// The message without the qualifier a pattern change ends with (`(wider)`, `(not narrower)`,
/// ...): which one is said depends on whether a string showing the difference was found, and a
/// better search must not turn an accepted change into a new one.
fn stable_message(message: &str) -> &str {
    [" (wider)", " (not narrower)", " (narrower)", " (not wider)"]
        .iter()
        .find_map(|q| message.strip_suffix(q))
        .unwrap_or(message)
}

/// The changes at or above `fail_on` (those that fail the run), as a baseline.
pub fn to_baseline(changes: &[Change], fail_on: Level) -> Baseline {
    Baseline::new(
        DIFF,
        changes
            .iter()
            .filter(|c| c.level() >= fail_on)
            .map(|c| Accepted {
                fingerprint: fingerprint(c),
                tool: String::new(),
                rule: c.rule.id().to_string(),
                place: c.operation.clone().unwrap_or_else(|| "API-wide".into()),
                message: c.message.clone(),
            }),
    )
}

/// Marks the changes `baseline` lists as `baselined`.
pub fn apply(baseline: &Baseline, changes: &mut [Change]) {
    let accepted: HashSet<&str> = baseline.fingerprints();
    for c in changes {
        c.baselined = accepted.contains(fingerprint(c).as_str());
    }
}

/// The most severe level among the changes the baseline does not accept (what `--fail-on`
/// compares).
pub fn worst_open(changes: &[Change]) -> Option<Level> {
    changes
        .iter()
        .filter(|c| !c.baselined)
        .map(Change::level)
        .max()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pattern_changes_qualifier_is_not_part_of_its_identity() {
        let plain = "request body `code`: pattern `^a$` → `^[ab]$`";
        for q in [" (wider)", " (not narrower)", " (narrower)", " (not wider)"] {
            assert_eq!(super::stable_message(&format!("{plain}{q}")), plain);
        }
        assert_eq!(super::stable_message(plain), plain);
    }
}
