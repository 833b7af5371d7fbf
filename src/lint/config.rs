//! The lint config file: switch rules off and change their severity.
//!
//! YAML (or JSON, which is YAML) because every spec author already writes it:
//!
//! ```yaml
//! rules:
//!   component-unused: off
//!   operation-success-response: error
//! ```
//!
//! Unknown rule ids and unknown severities are errors with the file's name, so a typo never
//! silently keeps a rule on. Rules that stop loading (`ref-unresolved`...) cannot be changed:
//! nothing past them can be checked.

use std::collections::HashMap;
use std::path::Path;

use crate::spec::Severity;

use super::rules::{self, Rule};

/// What the config says about each rule; rules it does not name keep their defaults.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// rule id → its severity, or `None` when switched off.
    overrides: HashMap<&'static str, Option<Severity>>,
}

/// The name looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "stipula-lint.yaml";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// `rule id: severity` (`off`, `warning`, `error`).
    #[serde(default)]
    rules: std::collections::BTreeMap<String, serde_json::Value>,
}

impl Config {
    /// Reads a config file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses a config file's text.
    pub fn parse(text: &str) -> Result<Config, String> {
        let file: File = if text.trim().is_empty() {
            File {
                rules: Default::default(),
            }
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?
        };
        let mut overrides = HashMap::new();
        for (id, level) in file.rules {
            let Some(rule) = rules::find(&id) else {
                let known: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
                return Err(format!("unknown rule `{id}` (rules: {})", known.join(", ")));
            };
            if rule.fatal {
                return Err(format!(
                    "rule `{id}` stops the spec from loading; it cannot be switched off or changed"
                ));
            }
            let level = match level {
                serde_json::Value::String(s) => s.to_ascii_lowercase(),
                serde_json::Value::Bool(false) => "off".into(),
                other => other.to_string(),
            };
            let severity = match level.as_str() {
                "off" | "false" => None,
                "warning" | "warn" => Some(Severity::Warning),
                "error" => Some(Severity::Error),
                other => {
                    return Err(format!(
                        "rule `{id}`: unknown severity `{other}` (off, warning or error)"
                    ));
                }
            };
            overrides.insert(rule.id, severity);
        }
        Ok(Config { overrides })
    }

    /// The severity a rule reports with, or `None` when it is switched off.
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        match self.overrides.get(rule.id) {
            Some(over) => *over,
            None => Some(rule.severity),
        }
    }
}
