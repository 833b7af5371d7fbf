//! `stipula.yaml`: the settings of `stipula test` that belong with a project rather than on a
//! command line (the base URL, credentials per security scheme, which operations, how strict
//! each check is, the baseline). Read from `--config FILE`, else from `stipula.yaml` in the
//! working directory; flags override it.
//!
//! ```yaml
//! base-url: http://127.0.0.1:8080/v1
//! headers: {X-Tenant: acme}
//! auth:                                  # by security scheme name; only operations that
//!   bearerAuth: {token: "${API_TOKEN}"}  # need the scheme get its credential
//!   basicAuth: {username: ci, password: "${CI_PASSWORD}"}
//!   apiKey: {value: "${API_KEY}"}
//! select: {operations: [], tags: [], paths: ["/pets*"], methods: [], exclude: [deletePet]}
//! checks: {response-time: off, valid-request-accepted: failure, body-schema: warning}
//! operations:
//!   createPet: {exclude-checks: [status-documented]}
//! baseline: stipula-baseline.json        # relative to this file
//! min-coverage: [80, status=90]
//! ```
//!
//! Every string may hold `${VAR}` (an environment variable; an unset one is an error, so a
//! secret never silently becomes empty); `$$` is a literal `$`. Interpolation runs on parsed
//! values, so a secret holding `:` or quotes cannot change the document's structure. Unknown
//! keys are errors (a typo must not silently do nothing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::Config;
use super::baseline::Baseline;
use super::event::{Check, MinCoverage, Severity};
use super::secrets::Credential;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_NAME: &str = "stipula.yaml";

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    pub base_url: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub auth: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    pub select: Selection,
    /// check id → `off`, `warning` or `failure`.
    #[serde(default)]
    pub checks: BTreeMap<String, String>,
    /// operationId (or `METHOD /path`) → settings for that operation.
    #[serde(default)]
    pub operations: BTreeMap<String, OperationSettings>,
    pub baseline: Option<PathBuf>,
    #[serde(default)]
    pub min_coverage: Vec<Value>,
    /// Where the file is (relative paths in it are resolved from its folder).
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthEntry {
    pub token: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    #[serde(default)]
    pub operations: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OperationSettings {
    #[serde(default)]
    pub exclude_checks: Vec<String>,
    /// Leave the operation out of the run.
    #[serde(default)]
    pub skip: bool,
}

/// What the command line already decided, so the file fills in only the rest.
#[derive(Debug, Clone, Copy, Default)]
pub struct Given {
    /// `--checks` listed checks explicitly: the file's `off` does not remove them.
    pub checks: bool,
    pub baseline: bool,
}

impl ConfigFile {
    /// `--config FILE`, or `stipula.yaml` in `dir` if there is one; `Ok(None)` when neither.
    pub fn discover(explicit: Option<&Path>, dir: &Path) -> Result<Option<ConfigFile>, String> {
        match explicit {
            Some(path) => ConfigFile::load(path).map(Some),
            None => {
                let path = dir.join(DEFAULT_NAME);
                if path.is_file() {
                    ConfigFile::load(&path).map(Some)
                } else {
                    Ok(None)
                }
            }
        }
    }

    pub fn load(path: &Path) -> Result<ConfigFile, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut file = ConfigFile::parse(&text, &|name| std::env::var(name).ok())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        file.path = path.to_path_buf();
        Ok(file)
    }

    /// Parses the text, `env` giving the variables `${VAR}` names.
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<ConfigFile, String> {
        let mut value: Value = if text.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?
        };
        if value.is_null() {
            value = Value::Object(Default::default());
        }
        interpolate(&mut value, env, "")?;
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    /// The credentials by scheme name.
    pub fn credentials(&self) -> Result<BTreeMap<String, Credential>, String> {
        let mut out = BTreeMap::new();
        for (scheme, e) in &self.auth {
            let credential = match (&e.token, &e.username, &e.password, &e.value) {
                (Some(t), None, None, None) => Credential::Token(t.clone()),
                (None, None, None, Some(v)) => Credential::Value(v.clone()),
                (None, Some(u), Some(p), None) => Credential::Basic {
                    username: u.clone(),
                    password: p.clone(),
                },
                _ => {
                    return Err(format!(
                        "auth.{scheme}: give one of {{token}}, {{value}} or {{username, password}}"
                    ));
                }
            };
            out.insert(scheme.clone(), credential);
        }
        Ok(out)
    }

    /// The `min-coverage` thresholds.
    pub fn min_coverage(&self) -> Result<Vec<MinCoverage>, String> {
        self.min_coverage
            .iter()
            .map(|v| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                MinCoverage::parse(&text).map_err(|e| format!("min-coverage: {e}"))
            })
            .collect()
    }

    /// Fills in `config` where the command line left it open (flags override the file).
    pub fn apply(&self, config: &mut Config, given: Given) -> Result<(), String> {
        let where_ = self.path.display();
        if config.base_url.is_empty()
            && let Some(url) = &self.base_url
        {
            config.base_url = url.trim_end_matches('/').to_string();
        }
        for (name, value) in &self.headers {
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
                || reqwest::header::HeaderValue::from_str(value).is_err()
            {
                return Err(format!("{where_}: headers.{name}: not a valid header"));
            }
            if !config
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                config.headers.push((name.clone(), value.clone()));
            }
        }
        for (scheme, credential) in self.credentials().map_err(|e| format!("{where_}: {e}"))? {
            config.credentials.entry(scheme).or_insert(credential);
        }
        let s = &self.select;
        for (mine, theirs) in [
            (&mut config.operations, &s.operations),
            (&mut config.tags, &s.tags),
            (&mut config.paths, &s.paths),
            (&mut config.methods, &s.methods),
        ] {
            if mine.is_empty() {
                mine.clone_from(theirs);
            }
        }
        config.exclude_operations.extend(s.exclude.iter().cloned());
        for (id, level) in &self.checks {
            let check = Check::from_id(id)
                .ok_or_else(|| format!("{where_}: checks.{id}: no such check"))?;
            match level.as_str() {
                "off" if !given.checks => config.checks.retain(|c| *c != check),
                "off" => {}
                "warning" => {
                    config.severities.insert(check, Severity::Warning);
                }
                "failure" => {
                    config.severities.insert(check, Severity::Failure);
                }
                other => {
                    return Err(format!(
                        "{where_}: checks.{id}: `{other}`: expected off, warning or failure"
                    ));
                }
            }
        }
        for (op, settings) in &self.operations {
            if settings.skip {
                config.exclude_operations.push(op.clone());
            }
            let checks = settings
                .exclude_checks
                .iter()
                .map(|id| {
                    Check::from_id(id).ok_or_else(|| {
                        format!("{where_}: operations.{op}.exclude-checks: no such check `{id}`")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if !checks.is_empty() {
                config
                    .excluded_checks
                    .entry(op.clone())
                    .or_default()
                    .extend(checks);
            }
        }
        if !given.baseline
            && let Some(path) = &self.baseline
        {
            let path = self.resolve(path);
            config.baseline = Some(Baseline::load(&path)?);
        }
        Ok(())
    }

    /// A path written in the file, relative to the file's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            return path.to_path_buf();
        }
        match self.path.parent() {
            Some(dir) => dir.join(path),
            None => path.to_path_buf(),
        }
    }
}

/// Replaces `${VAR}` in every string of `value` (keys are left alone).
fn interpolate(
    value: &mut Value,
    env: &dyn Fn(&str) -> Option<String>,
    at: &str,
) -> Result<(), String> {
    match value {
        Value::String(s) => *s = substitute(s, env).map_err(|e| format!("{at}: {e}"))?,
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                interpolate(v, env, &format!("{at}[{i}]"))?;
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let here = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                interpolate(v, env, &here)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn substitute(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(more) = after.strip_prefix('$') {
            out.push('$');
            rest = more;
        } else if let Some(inner) = after.strip_prefix('{') {
            let end = inner
                .find('}')
                .ok_or_else(|| "`${` without its closing `}`".to_string())?;
            let name = &inner[..end];
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!("`${{{name}}}` is not a variable name"));
            }
            let value =
                env(name).ok_or_else(|| format!("the environment variable {name} is not set"))?;
            out.push_str(&value);
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cr3t: \"x\"".into()),
            _ => None,
        }
    }

    #[test]
    fn variables_are_substituted_after_parsing() {
        let f = ConfigFile::parse(
            "auth:\n  bearerAuth: {token: \"${TOKEN}\"}\nbase-url: http://h/$$x\n",
            &env,
        )
        .unwrap();
        assert_eq!(f.auth["bearerAuth"].token.as_deref(), Some("s3cr3t: \"x\""));
        assert_eq!(f.base_url.as_deref(), Some("http://h/$x"));
    }

    #[test]
    fn an_unset_variable_is_an_error_naming_it() {
        let e = ConfigFile::parse("headers: {X-Key: \"${NOPE}\"}\n", &env).unwrap_err();
        assert!(
            e.contains("NOPE is not set") && e.contains("headers.X-Key"),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = ConfigFile::parse("base_url: http://x\n", &env).unwrap_err();
        assert!(e.contains("base_url"), "{e}");
    }
}
