//! `stipula report merge`: the `--json` reports of `--shard K/N` jobs added into one.
//!
//! Adding is [`Report::merge`]'s job; this module reads the files and refuses what would make
//! the sum wrong: a file that is not a stipula report or has another format version, and the
//! same shard of the same run twice (its cases would count double). A shard that is missing is
//! not an error (a CI job may have been cancelled) but becomes a notice in the merged report,
//! so its summary never claims a complete run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::runner::event::Report;

/// Reads every report and merges them in the order given. Errors name the file and say what
/// is wrong (with line and column for JSON syntax).
pub fn merge_reports(paths: &[PathBuf]) -> Result<Report, String> {
    if paths.is_empty() {
        return Err("no reports to merge".to_string());
    }
    let mut merged: Option<Report> = None;
    // Exactly the same run's shard (same spec, seed, URL and shard; 0/0 for an unsharded run):
    // refused.
    let mut seen: BTreeMap<(String, u64, String, u32, u32), PathBuf> = BTreeMap::new();
    // Which shards of each spec are present, by the spec's file name: CI jobs may check the
    // spec out at different paths, start the target on different ports and (by default) draw
    // different seeds, and none of that makes them different runs.
    let mut shards: BTreeMap<String, (u32, BTreeSet<u32>)> = BTreeMap::new();
    for path in paths {
        let report = read_report(path)?;
        for run in &report.runs {
            let Some((k, n)) = run.shard else {
                // An unsharded run is its own whole: the same one twice counts twice.
                let key = (run.spec.clone(), run.seed, run.base_url.clone(), 0, 0);
                if let Some(first) = seen.get(&key) {
                    return Err(format!(
                        "{}: the run of {} (seed {}) is already in {}; merging it twice would count its cases twice",
                        path.display(),
                        run.spec,
                        run.seed,
                        first.display()
                    ));
                }
                seen.insert(key, path.clone());
                continue;
            };
            if k == 0 || k > n {
                return Err(format!(
                    "{}: shard {k}/{n} is not a valid shard (K must be between 1 and N)",
                    path.display()
                ));
            }
            let key = (run.spec.clone(), run.seed, run.base_url.clone(), k, n);
            if let Some(first) = seen.get(&key) {
                return Err(format!(
                    "{}: shard {k}/{n} of {} (seed {}) is already in {}; merging it twice would count its cases twice",
                    path.display(),
                    run.spec,
                    run.seed,
                    first.display()
                ));
            }
            seen.insert(key, path.clone());
            let (of, present) = shards
                .entry(spec_name(&run.spec))
                .or_insert((n, BTreeSet::new()));
            if *of != n {
                return Err(format!(
                    "{}: shard {k}/{n} of {} does not belong with the shards of {} merged before it (they are out of {of})",
                    path.display(),
                    run.spec,
                    spec_name(&run.spec)
                ));
            }
            present.insert(k);
        }
        match &mut merged {
            None => merged = Some(report),
            Some(m) => m.merge(report),
        }
    }
    let mut merged = merged.expect("at least one path");
    for (spec, (n, present)) in shards {
        let missing: Vec<String> = (1..=n)
            .filter(|k| !present.contains(k))
            .map(|k| format!("{k}/{n}"))
            .collect();
        if !missing.is_empty() {
            merged.notices.push(format!(
                "merge: {spec}: shard{} {} missing; this report covers part of the run",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ));
        }
    }
    Ok(merged)
}

/// The file name of a spec path (the part CI jobs agree on).
fn spec_name(spec: &str) -> String {
    std::path::Path::new(spec)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| spec.to_string())
}

/// Reads one `--json` report, checking its format version before its shape so that a report
/// from another version gets a version message rather than a missing-field one.
pub fn read_report(path: &std::path::Path) -> Result<Report, String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    if text.trim().is_empty() {
        // `--json` creates its file before the run and fills it at the end.
        return Err(format!(
            "{name}: empty: the run that should have written it did not finish"
        ));
    }
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{name}:{}:{}: not valid JSON: {e}", e.line(), e.column()))?;
    match value.get("format") {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(Report::FORMAT)) => {}
        Some(serde_json::Value::Number(n)) => {
            return Err(format!(
                "{name}: report format version {n}; this stipula reads version {} (re-run the shards with the same stipula version)",
                Report::FORMAT
            ));
        }
        _ => {
            return Err(format!(
                "{name}: not a stipula report (no numeric `format` field at the top level; expected the file written by `stipula test --json`)"
            ));
        }
    }
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{name}:{}:{}: not a stipula report: {e}",
            e.line(),
            e.column()
        )
    })
}
