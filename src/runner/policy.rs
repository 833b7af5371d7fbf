//! What a config file says about checks, applied to verdicts as they are made: a check's
//! severity changed (`checks: {id: warning|failure}`) and checks excluded for one operation
//! (`operations: {id: {exclude-checks: [...]}}`). Applied where verdicts are made, before the
//! `Case` event, so tallies, findings and every report agree; `off` never gets here (the check
//! is simply not run).

use super::Config;
use super::checks::Verdict;
use super::event::{Outcome, Severity};
use crate::spec::Operation;

/// Drops the verdicts of checks excluded for `op` and sets the configured severities.
pub fn apply(config: &Config, op: &Operation, verdicts: &mut Vec<Verdict>) {
    if config.severities.is_empty() && config.excluded_checks.is_empty() {
        return;
    }
    let excluded = [op.operation_id.clone(), Some(op.label())]
        .into_iter()
        .flatten()
        .filter_map(|key| config.excluded_checks.get(&key))
        .flatten()
        .collect::<Vec<_>>();
    verdicts.retain(|v| !excluded.contains(&&v.check));
    for v in verdicts {
        match (config.severities.get(&v.check), v.outcome) {
            (Some(Severity::Warning), Outcome::Failed) => v.outcome = Outcome::Warned,
            (Some(Severity::Failure), Outcome::Warned) => v.outcome = Outcome::Failed,
            _ => {}
        }
    }
}
