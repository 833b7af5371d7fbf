//! Baselines: findings a team has accepted, so that a known issue does not fail CI again.
//!
//! A finding's *fingerprint* hashes what identifies the problem and nothing that changes from
//! run to run: the operation, the check, and the violation shape (each violation's instance
//! path with array indices starred, and its keyword), or, for a finding without violations,
//! its message with long digit runs (ids, timings) erased. Severity is left out, so a config
//! that turns a check into a warning keeps the same fingerprints; so are the seed, the values
//! sent and the response body.
//!
//! The file (`stipula test --write-baseline FILE`, read back with `--baseline FILE`) is small
//! JSON (YAML reads too), shaped so that lint and diff can share it later: a `format`, the
//! `tool` that wrote it, and `accepted` entries keyed by `fingerprint`, with a `rule` (here a
//! check id), a `place` (here an operation) and the `message` for the reader. Only the
//! fingerprint is matched. The format is documented in `docs/coverage.md`.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::event::{Check, Finding, Report, Severity};

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub format: u32,
    /// What wrote it (`stipula test`).
    #[serde(default)]
    pub tool: String,
    #[serde(default)]
    pub accepted: Vec<Accepted>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub fingerprint: String,
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub message: String,
}

impl Baseline {
    pub const FORMAT: u32 = 1;

    /// The failures of a report (warnings never fail a run, so they need no baseline).
    pub fn from_report(report: &Report) -> Baseline {
        let mut seen = BTreeSet::new();
        let accepted = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Failure)
            .filter(|f| seen.insert(f.fingerprint.clone()))
            .map(|f| Accepted {
                fingerprint: f.fingerprint.clone(),
                rule: f.check.id().to_string(),
                place: f.operation.clone(),
                message: f.message.clone(),
            })
            .collect();
        Baseline {
            format: Baseline::FORMAT,
            tool: "stipula test".into(),
            accepted,
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--baseline {}: {e}", path.display()))?;
        let parsed: Result<Baseline, String> = if text.trim_start().starts_with('{') {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        } else {
            serde_saphyr::from_str(&text).map_err(|e| e.to_string())
        };
        let baseline =
            parsed.map_err(|e| format!("--baseline {}: not a baseline: {e}", path.display()))?;
        if baseline.format != Baseline::FORMAT {
            return Err(format!(
                "--baseline {}: format {} is not supported (this stipula reads format {})",
                path.display(),
                baseline.format,
                Baseline::FORMAT
            ));
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(path, text)
    }

    pub fn accepts(&self, fingerprint: &str) -> bool {
        self.accepted.iter().any(|a| a.fingerprint == fingerprint)
    }
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

/// Digit runs of four or more (ids, milliseconds) become `#`; status codes stay.
fn erase_long_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('\u{0}')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() >= 4 {
            out.push('#');
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        if c != '\u{0}' {
            out.push(c);
        }
    }
    out
}

/// FNV-1a, 64 bits: stable across versions and platforms, unlike `std`'s hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_numbers_are_erased_status_codes_kept() {
        assert_eq!(
            erase_long_numbers("item 123456 answered 404 in 1500 ms"),
            "item # answered 404 in # ms"
        );
    }

    #[test]
    fn fnv_is_stable() {
        // The published FNV-1a 64 test vector for "a".
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
