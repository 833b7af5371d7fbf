//! Baseline files: findings a team has accepted, so that a known problem does not fail CI
//! twice. One format for `stipula test`, `stipula lint` and `stipula diff`
//! (`--write-baseline FILE` writes one, `--baseline FILE` reads it back); documented in
//! `docs/baselines.md`.
//!
//! This module is the file and nothing else: it knows no finding type. Each tool computes its
//! own *fingerprints* (`runner::baseline::fingerprint`, `lint::baseline::fingerprint`,
//! `diff::baseline::fingerprint`) with [`hash`] and [`erase_long_numbers`], from what identifies
//! a problem and nothing that moves when unrelated text is edited (never a line or column).
//!
//! One file may serve all three tools. Matching is by fingerprint only, and fingerprints cannot
//! collide across tools in practice: lint's and diff's hash their tool's name first, and every
//! fingerprint hashes a rule or check id of its own tool (64-bit FNV-1a). Each entry records the
//! tool that accepted it, and writing replaces only the writer's entries, keeping the others, so
//! `test`, `lint` and `diff` can take turns on one `stipula-baseline.json`. Reading a file that
//! holds entries but none of the reader's is no error (a shared file may simply have nothing for
//! it yet); the CLI prints a note ([`Baseline::note_for`]), because it is most often the wrong
//! file. A file that is not a baseline, or of another `format`, is an error (exit 2).

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The tool names entries and files carry.
pub const TEST: &str = "stipula test";
pub const LINT: &str = "stipula lint";
pub const DIFF: &str = "stipula diff";

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub format: u32,
    /// What wrote it last (`stipula test`, `stipula lint`, `stipula diff`).
    #[serde(default)]
    pub tool: String,
    #[serde(default)]
    pub accepted: Vec<Accepted>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    /// The only field matched: 16 hex digits.
    pub fingerprint: String,
    /// The tool that accepted it; absent in files written before lint and diff shared the
    /// format (then the file's `tool` counts) and in hand-written entries (matched by any tool).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tool: String,
    /// A check, lint rule or diff rule id, for the reader.
    #[serde(default)]
    pub rule: String,
    /// An operation, or a file location, for the reader.
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub message: String,
}

impl Baseline {
    pub const FORMAT: u32 = 1;

    /// A baseline of `tool`'s entries, each tagged with it, the first of each fingerprint kept.
    pub fn new(tool: &str, accepted: impl IntoIterator<Item = Accepted>) -> Baseline {
        let mut seen = HashSet::new();
        let accepted = accepted
            .into_iter()
            .filter(|a| seen.insert(a.fingerprint.clone()))
            .map(|a| Accepted {
                tool: tool.to_string(),
                ..a
            })
            .collect();
        Baseline {
            format: Baseline::FORMAT,
            tool: tool.to_string(),
            accepted,
        }
    }

    /// Reads a baseline (JSON, or YAML). Errors name the file and say what is wrong.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--baseline {}: {e}", path.display()))?;
        Baseline::parse(&text).map_err(|e| format!("--baseline {}: {e}", path.display()))
    }

    fn parse(text: &str) -> Result<Baseline, String> {
        let parsed: Result<Baseline, String> = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| e.to_string())
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())
        };
        let baseline = parsed.map_err(|e| format!("not a stipula baseline file: {e}"))?;
        if baseline.format != Baseline::FORMAT {
            return Err(format!(
                "format {} is not supported (this stipula reads format {})",
                baseline.format,
                Baseline::FORMAT
            ));
        }
        Ok(baseline)
    }

    /// Writes the file as it is (pretty JSON).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(path, text)
    }

    /// The entries of other tools that the file at `path` holds, to keep when this baseline is
    /// written there; none when there is no file (or an empty one). An existing file that is
    /// not a baseline is an error: it is not overwritten.
    pub fn kept_from(path: &Path, tool: &str) -> Result<Vec<Accepted>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("--write-baseline {}: {e}", path.display())),
        };
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let old = Baseline::parse(&text).map_err(|e| {
            format!(
                "--write-baseline {}: the file exists and is not overwritten: {e}",
                path.display()
            )
        })?;
        Ok(old
            .accepted
            .iter()
            .filter(|a| old.entry_tool(a) != tool)
            .map(|a| Accepted {
                tool: old.entry_tool(a).to_string(),
                ..a.clone()
            })
            .collect())
    }

    /// This baseline with `kept` (other tools' entries) added, grouped by tool (each tool's
    /// entries in their own order), so that tools taking turns on one file keep it stable.
    pub fn with_kept(mut self, kept: Vec<Accepted>) -> Baseline {
        self.accepted.extend(kept);
        self.accepted.sort_by(|a, b| a.tool.cmp(&b.tool));
        self
    }

    /// [`kept_from`](Self::kept_from), [`with_kept`](Self::with_kept) and [`write`](Self::write):
    /// what `--write-baseline` does.
    pub fn write_keeping_others(self, path: &Path) -> Result<(), String> {
        let kept = Baseline::kept_from(path, &self.tool)?;
        self.with_kept(kept)
            .write(path)
            .map_err(|e| format!("--write-baseline {}: {e}", path.display()))
    }

    /// The tool an entry belongs to: its own, else the file's (empty: any tool's).
    pub fn entry_tool<'a>(&'a self, entry: &'a Accepted) -> &'a str {
        if entry.tool.is_empty() {
            &self.tool
        } else {
            &entry.tool
        }
    }

    pub fn accepts(&self, fingerprint: &str) -> bool {
        self.accepted.iter().any(|a| a.fingerprint == fingerprint)
    }

    /// Every fingerprint, for matching many findings at once.
    pub fn fingerprints(&self) -> HashSet<&str> {
        self.accepted
            .iter()
            .map(|a| a.fingerprint.as_str())
            .collect()
    }

    /// A note for a file with entries but none that `tool` (or any tool) accepted: probably
    /// another tool's baseline given by mistake.
    pub fn note_for(&self, tool: &str, path: &Path) -> Option<String> {
        let own = self.accepted.iter().any(|a| {
            let t = self.entry_tool(a);
            t.is_empty() || t == tool
        });
        (!self.accepted.is_empty() && !own).then(|| {
            format!(
                "note: the baseline {} holds no entries of `{tool}` (written by `{}`): it accepts nothing here",
                path.display(),
                self.tool
            )
        })
    }
}

/// The fingerprint of `parts` (joined with NUL): 16 hex digits of [`fnv1a`].
pub fn hash<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = String::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            text.push('\u{0}');
        }
        text.push_str(part);
    }
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// Digit runs of four or more (ids, milliseconds, sizes) become `#`; status codes stay.
pub fn erase_long_numbers(text: &str) -> String {
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
pub fn fnv1a(bytes: &[u8]) -> u64 {
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

    fn entry(fingerprint: &str, tool: &str) -> Accepted {
        Accepted {
            fingerprint: fingerprint.into(),
            tool: tool.into(),
            rule: "r".into(),
            place: String::new(),
            message: String::new(),
        }
    }

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
        assert_eq!(hash(["a"]), "af63dc4c8601ec8c");
    }

    #[test]
    fn writing_keeps_other_tools_entries_and_replaces_its_own() {
        let dir = std::env::temp_dir().join(format!("stipula-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.json");
        // A file from before entries carried their tool: the file's tool counts.
        std::fs::write(
            &path,
            r#"{"format": 1, "tool": "stipula test", "accepted": [{"fingerprint": "t1"}]}"#,
        )
        .unwrap();
        Baseline::new(LINT, [entry("l1", ""), entry("l1", ""), entry("l2", "")])
            .write_keeping_others(&path)
            .unwrap();
        Baseline::new(LINT, [entry("l3", "")])
            .write_keeping_others(&path)
            .unwrap();
        let b = Baseline::load(&path).unwrap();
        let got: Vec<(&str, &str)> = b
            .accepted
            .iter()
            .map(|a| (a.tool.as_str(), a.fingerprint.as_str()))
            .collect();
        assert_eq!(got, [(LINT, "l3"), (TEST, "t1")]);
        assert!(b.note_for(DIFF, &path).is_some());
        assert_eq!(b.note_for(LINT, &path), None);

        std::fs::write(&path, "[1, 2]").unwrap();
        let e = Baseline::new(LINT, [])
            .write_keeping_others(&path)
            .unwrap_err();
        assert!(e.contains("not overwritten"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[1, 2]");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn other_formats_are_refused() {
        let e = Baseline::parse(r#"{"format": 2, "accepted": []}"#).unwrap_err();
        assert!(e.contains("format 2 is not supported"), "{e}");
        let e = Baseline::parse("accepted: 3\n").unwrap_err();
        assert!(e.contains("not a stipula baseline"), "{e}");
    }
}
