//! SARIF 2.1.0, written by hand with serde_json (the handful of fields GitHub code scanning
//! reads: tool.driver with its rules, and per result ruleId, level, message and a physical
//! location with a region). The `serde-sarif` crate would cost more to build than this file.
//! Each result carries its baseline fingerprint in `partialFingerprints` (`stipula/v1`), and an
//! error the baseline accepts an external `suppressions` entry, which code scanning shows as
//! suppressed rather than open.

use serde_json::{Value, json};

use super::super::baseline::fingerprint;
use super::super::{SpecReport, rules::RULES};
use crate::spec::Severity;

pub(super) fn render(reports: &[SpecReport]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.description },
                "defaultConfiguration": {
                    "level": super::level(r.severity),
                    "enabled": r.set == super::super::rules::RuleSet::Recommended,
                },
            })
        })
        .collect();
    let results: Vec<Value> = reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| {
            let mut region = json!({});
            if let Some(p) = f.place.position {
                region = json!({ "startLine": p.line, "startColumn": p.column });
            }
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": RULES.iter().position(|r| r.id == f.rule).unwrap_or(0),
                "level": match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "message": { "text": format!("{} (#{})", f.message, f.place.pointer) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.place.file) },
                        "region": region,
                    },
                    "logicalLocations": [{ "fullyQualifiedName": format!("#{}", f.place.pointer) }],
                }],
                "partialFingerprints": { "stipula/v1": fingerprint(f) },
            });
            if f.baselined {
                result["suppressions"] =
                    json!([{ "kind": "external", "justification": "accepted by the baseline" }]);
            }
            result
        })
        .collect();
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "stipula",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// A relative URI reference for a file path: forward slashes, spaces and `%` escaped.
fn uri(path: &str) -> String {
    path.replace('\\', "/")
        .replace('%', "%25")
        .replace(' ', "%20")
}
