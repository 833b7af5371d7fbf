//! The JSON format: one document with every spec, every finding and the totals. Every finding
//! carries its baseline `fingerprint`; `"baselined": true` marks an error the baseline accepts,
//! which `errors` does not count (the `baselined` totals do).

use serde_json::{Value, json};

use super::super::baseline::fingerprint;
use super::super::{Finding, SpecReport};
use crate::spec::Place;

pub(super) fn render(reports: &[SpecReport]) -> String {
    let specs: Vec<Value> = reports
        .iter()
        .map(|r| {
            let mut spec = json!({
                "path": r.path.display().to_string(),
                "loaded": r.summary.is_some(),
                "errors": r.errors(),
                "warnings": r.warnings(),
                "baselined": r.baselined(),
            });
            if let Some(s) = &r.summary {
                spec["version"] = json!(s.version);
                spec["operations"] = json!(s.operations);
                spec["schemas"] = json!(s.schemas);
                spec["examples_checked"] = json!(s.examples.checked);
                spec["examples_skipped"] = json!(s.examples.skipped);
            }
            spec
        })
        .collect();
    let findings: Vec<Value> = reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(finding)
        .collect();
    let document = json!({
        "specs": specs,
        "findings": findings,
        "errors": reports.iter().map(SpecReport::errors).sum::<usize>(),
        "warnings": reports.iter().map(SpecReport::warnings).sum::<usize>(),
        "baselined": reports.iter().map(SpecReport::baselined).sum::<usize>(),
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn finding(f: &Finding) -> Value {
    let mut v = json!({
        "rule": f.rule,
        "severity": super::level(f.severity),
        "message": f.message,
        "fingerprint": fingerprint(f),
    });
    if f.baselined {
        v["baselined"] = json!(true);
    }
    place(&mut v, &f.place);
    if let Some(r) = &f.related {
        let mut related = json!({});
        place(&mut related, r);
        v["related"] = related;
    }
    v
}

fn place(v: &mut Value, p: &Place) {
    v["file"] = json!(p.file);
    v["pointer"] = json!(p.pointer);
    if let Some(pos) = p.position {
        v["line"] = json!(pos.line);
        v["column"] = json!(pos.column);
    }
}
