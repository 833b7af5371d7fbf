//! The lint config file: enable opt-in rule sets, switch rules off, change their severity, and
//! do so only for some files, paths or operations.
//!
//! YAML (or JSON, which is YAML) because every spec author already writes it; the shape follows
//! Spectral's (`extends`, `rules`, `overrides`), so a team moving over recognises it:
//!
//! ```yaml
//! extends: [owasp]                   # opt-in sets (`--ruleset owasp` does the same)
//! rules:
//!   component-unused: off
//!   operation-success-response: error
//! overrides:
//!   - files: ["legacy/*.yaml", "openapi.yaml#/components/schemas/Old"]
//!     paths: ["/internal/**"]
//!     operations: [getPet, "GET /pets"]
//!     rules:
//!       operation-description: off
//! ```
//!
//! An override applies to a finding when every selector it gives matches (any entry of a
//! selector may): `files` are globs (`*`, `**`, `?`) over the file's path, tried against every
//! trailing part of it, with an optional `#/pointer` prefix; `paths` are globs over the path
//! template; `operations` are operationIds or `METHOD /path`. `paths` and `operations` are read
//! from where the finding is (`#/paths/<path>/<method>/...` of the root document): a finding
//! in a shared component belongs to no operation. Later overrides win over earlier ones and
//! over `rules`.
//!
//! Unknown rule ids, sets and severities are errors with the file's name, so a typo never
//! silently keeps a rule on. Rules that stop loading (`ref-unresolved`...) cannot be changed:
//! nothing past them can be checked.

use std::collections::HashMap;
use std::path::Path;

use crate::spec::Severity;

use super::rules::{self, Rule, RuleSet};

/// What the config says about each rule; rules it does not name keep their defaults.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// rule id → its severity, or `None` when switched off.
    levels: Levels,
    /// Opt-in sets enabled (`extends`, `--ruleset`).
    sets: Vec<RuleSet>,
    /// `overrides`, in file order.
    scoped: Vec<Scoped>,
}

type Levels = HashMap<&'static str, Option<Severity>>;

/// One entry of `overrides`.
#[derive(Debug, Clone, Default)]
struct Scoped {
    /// (file glob, JSON pointer prefix).
    files: Vec<(String, Option<String>)>,
    paths: Vec<String>,
    operations: Vec<String>,
    levels: Levels,
}

/// Where a finding is, as the `overrides` selectors see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// The file's path as shown.
    pub file: &'a str,
    pub pointer: &'a str,
    /// The path template, for findings under `#/paths/<path>` of the root document.
    pub path: Option<&'a str>,
    /// `GET`, and the operationId if any, for findings inside an operation.
    pub method: Option<&'a str>,
    pub operation_id: Option<&'a str>,
}

/// The name looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "stipula-lint.yaml";

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    /// Opt-in sets: a name or a list of names.
    #[serde(default)]
    extends: Option<serde_json::Value>,
    /// `rule id: severity` (`off`, `warning`, `error`).
    #[serde(default)]
    rules: std::collections::BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    overrides: Vec<OverrideEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideEntry {
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    operations: Vec<String>,
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
            File::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?
        };
        let mut config = Config {
            levels: levels(file.rules)?,
            ..Config::default()
        };
        let names = match file.extends {
            None => Vec::new(),
            Some(serde_json::Value::String(one)) => vec![one],
            Some(serde_json::Value::Array(many)) => many
                .into_iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => Ok(s),
                    other => Err(format!("`extends`: `{other}` is not a rule set name")),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(format!("`extends`: `{other}` is not a rule set name")),
        };
        for name in names {
            config.enable(&name)?;
        }
        for (i, entry) in file.overrides.into_iter().enumerate() {
            let n = i + 1;
            if entry.files.is_empty() && entry.paths.is_empty() && entry.operations.is_empty() {
                return Err(format!(
                    "override {n}: give at least one of `files`, `paths`, `operations`"
                ));
            }
            if entry.rules.is_empty() {
                return Err(format!("override {n}: `rules` is empty"));
            }
            let files = entry
                .files
                .into_iter()
                .map(|f| match f.split_once('#') {
                    Some((glob, pointer)) => (glob.to_string(), Some(pointer.to_string())),
                    None => (f, None),
                })
                .collect();
            config.scoped.push(Scoped {
                files,
                paths: entry.paths,
                operations: entry.operations,
                levels: levels(entry.rules).map_err(|e| format!("override {n}: {e}"))?,
            });
        }
        Ok(config)
    }

    /// Enables an opt-in rule set by name (`owasp`), as `extends` and `--ruleset` do.
    pub fn enable(&mut self, name: &str) -> Result<(), String> {
        let Some(set) = RuleSet::named(name) else {
            let known: Vec<&str> = RuleSet::ALL.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "unknown rule set `{name}` (sets: {})",
                known.join(", ")
            ));
        };
        if !self.sets.contains(&set) {
            self.sets.push(set);
        }
        Ok(())
    }

    /// The severity a rule reports with, or `None` when it is switched off (everywhere the
    /// `overrides` do not say otherwise).
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        match self.levels.get(rule.id) {
            Some(level) => *level,
            None if rule.set == RuleSet::Recommended || self.sets.contains(&rule.set) => {
                Some(rule.severity)
            }
            None => None,
        }
    }

    /// The severity of a rule at one place, `overrides` applied.
    pub(crate) fn severity_at(&self, rule: &Rule, scope: &Scope<'_>) -> Option<Severity> {
        let mut level = self.severity(rule);
        for scoped in &self.scoped {
            if let Some(over) = scoped.levels.get(rule.id)
                && scoped.matches(scope)
            {
                level = *over;
            }
        }
        level
    }

    /// Whether a rule can report anywhere (so a costly rule that cannot is not run).
    pub(crate) fn may_report(&self, rule_id: &str) -> bool {
        let Some(rule) = rules::find(rule_id) else {
            return false;
        };
        self.severity(rule).is_some()
            || self
                .scoped
                .iter()
                .any(|s| s.levels.get(rule.id).is_some_and(Option::is_some))
    }

    /// Whether any `overrides` entry needs the operation a finding is in.
    pub(crate) fn has_overrides(&self) -> bool {
        !self.scoped.is_empty()
    }
}

impl Scoped {
    fn matches(&self, scope: &Scope<'_>) -> bool {
        let files = self.files.is_empty()
            || self.files.iter().any(|(glob, pointer)| {
                file_matches(glob, scope.file)
                    && pointer.as_deref().is_none_or(|p| under(scope.pointer, p))
            });
        let paths = self.paths.is_empty()
            || scope
                .path
                .is_some_and(|path| self.paths.iter().any(|g| glob(g, path)));
        let operations = self.operations.is_empty()
            || scope.method.is_some_and(|method| {
                let path = scope.path.unwrap_or_default();
                self.operations.iter().any(|o| {
                    Some(o.as_str()) == scope.operation_id
                        || o.split_once(' ').is_some_and(|(m, p)| {
                            m.eq_ignore_ascii_case(method) && p.trim() == path
                        })
                })
            });
        files && paths && operations
    }
}

fn levels(rules: std::collections::BTreeMap<String, serde_json::Value>) -> Result<Levels, String> {
    let mut out = HashMap::new();
    for (id, level) in rules {
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
        out.insert(rule.id, severity);
    }
    Ok(out)
}

/// Whether `pointer` is `prefix` or inside it.
fn under(pointer: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    pointer == prefix
        || pointer
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// A file glob against a path, or against any trailing part of it (`openapi.yaml` matches
/// `specs/openapi.yaml`; `./` prefixes are ignored).
fn file_matches(pattern: &str, path: &str) -> bool {
    let path = path.replace('\\', "/");
    let pattern = pattern.trim_start_matches("./");
    let path = path.trim_start_matches("./");
    std::iter::once(0)
        .chain(path.match_indices('/').map(|(i, _)| i + 1))
        .any(|start| glob(pattern, &path[start..]))
}

/// `*` matches within one `/`-separated segment, `**` across segments, `?` one character;
/// everything else is literal (`{id}` included).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p {
            [] => t.is_empty(),
            ['*', '*', rest @ ..] => {
                // `**/` also matches no folder at all.
                let rest_no_slash = rest.strip_prefix(&['/']).unwrap_or(rest);
                (0..=t.len()).any(|i| go(rest, &t[i..]))
                    || (rest_no_slash.len() != rest.len() && go(rest_no_slash, t))
            }
            ['*', rest @ ..] => {
                for i in 0..=t.len() {
                    if go(rest, &t[i..]) {
                        return true;
                    }
                    if t.get(i) == Some(&'/') {
                        break;
                    }
                }
                false
            }
            ['?', rest @ ..] => t.first().is_some_and(|c| *c != '/') && go(rest, &t[1..]),
            [c, rest @ ..] => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("/pets/*", "/pets/{id}"));
        assert!(!glob("/pets/*", "/pets/{id}/toys"));
        assert!(glob("/pets/**", "/pets/{id}/toys"));
        assert!(glob("**/a.yaml", "a.yaml"));
        assert!(glob("**/a.yaml", "x/y/a.yaml"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "a/c"));
        assert!(file_matches("openapi.yaml", "/tmp/specs/openapi.yaml"));
        assert!(file_matches("specs/*.yaml", "./specs/x.yaml"));
        assert!(!file_matches("specs/*.yaml", "specs/sub/x.yaml"));
        assert!(under(
            "/components/schemas/Old/properties",
            "/components/schemas/Old"
        ));
        assert!(!under(
            "/components/schemas/Older",
            "/components/schemas/Old"
        ));
    }
}
