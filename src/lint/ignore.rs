//! Inline ignores, and where a finding is for the config's `overrides`.
//!
//! Two ways to silence one finding in the spec itself, for the two formats:
//! - YAML: a comment `# stipula-ignore: rule-id[, rule-id...]` at the end of the finding's line,
//!   or alone on the line above it.
//! - any format (JSON has no comments): `x-stipula-ignore: [rule-id, ...]` on the object the
//!   finding points at or on any object enclosing it in the same file (on an operation, it
//!   covers everything inside the operation).
//!
//! Both name rules explicitly: there is no "ignore everything here", so a new rule still speaks.

use std::collections::HashMap;

use serde_json::Value;

use crate::spec::{FileId, Location, Spec};

use super::Lines;
use super::config::Scope;

/// The comment marker.
pub(super) const COMMENT: &str = "stipula-ignore:";

/// The extension key.
pub(super) const EXTENSION: &str = "x-stipula-ignore";

/// Whether an `x-stipula-ignore` on the node at `pointer` or an ancestor names `rule`.
pub(super) fn by_extension(document: &Value, pointer: &str, rule: &str) -> bool {
    let names = |node: &Value| match node.get(EXTENSION) {
        Some(Value::Array(ids)) => ids.iter().any(|id| id.as_str() == Some(rule)),
        Some(Value::String(id)) => id.split(',').any(|id| id.trim() == rule),
        _ => false,
    };
    let mut node = document;
    if names(node) {
        return true;
    }
    for token in crate::spec::pointer::segments(pointer) {
        let next = match node {
            Value::Object(o) => o.get(&token),
            Value::Array(a) => token.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        let Some(next) = next else { return false };
        node = next;
        if names(node) {
            return true;
        }
    }
    false
}

/// The rule ids a `# stipula-ignore:` comment names for `line` (1-based): at its end, or on
/// the line above when that line holds only the comment.
pub(super) fn comment_rules(lines: &Lines<'_>, line: usize) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(text) = lines.line(line) {
        out.extend(ids_in(text));
    }
    if let Some(above) = line.checked_sub(1).and_then(|l| lines.line(l))
        && above.trim_start().starts_with('#')
    {
        out.extend(ids_in(above));
    }
    out
}

/// The ids after `# stipula-ignore:` in one line (comma or space separated).
fn ids_in(text: &str) -> Vec<String> {
    let Some(hash) = text.find('#') else {
        return Vec::new();
    };
    // The first `#` that starts the marker (a `#` inside a quoted value is not a comment, but
    // a value containing `# stipula-ignore:` is rare enough to accept).
    let comment = &text[hash..];
    let Some(at) = comment.find(COMMENT) else {
        return Vec::new();
    };
    if !comment[1..at].trim().is_empty() {
        return Vec::new();
    }
    comment[at + COMMENT.len()..]
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect()
}

/// (method, path) → operationId of the spec's operations, to tell the config's `overrides`
/// which operation a finding is in.
pub(super) struct OperationIds<'a> {
    ids: HashMap<(&'a str, &'a str), &'a str>,
}

impl<'a> OperationIds<'a> {
    pub(super) fn new(spec: &'a Spec) -> Self {
        let ids = spec
            .operations
            .iter()
            .filter_map(|op| {
                let id = op.operation_id.as_deref()?;
                Some(((op.method.key(), op.path.as_str()), id))
            })
            .collect();
        OperationIds { ids }
    }

    /// Where `at` is: its file, and under `#/paths/<path>/<method>` of the root document its
    /// path and operation.
    pub(super) fn scope<'s>(&'s self, file: &'s str, at: &'s Location) -> ScopeOwned<'s> {
        let mut path = None;
        let mut method = None;
        if at.file == FileId(0) {
            let mut tokens = crate::spec::pointer::segments(&at.pointer);
            if tokens.next().as_deref() == Some("paths") {
                path = tokens.next();
                method = tokens
                    .next()
                    .and_then(|m| crate::spec::Method::from_key(&m));
            }
        }
        let operation_id = match (&path, method) {
            (Some(p), Some(m)) => self.ids.get(&(m.key(), p.as_str())).copied(),
            _ => None,
        };
        ScopeOwned {
            file,
            pointer: &at.pointer,
            path,
            method: method.map(|m| m.as_str()),
            operation_id,
        }
    }
}

/// A [`Scope`] that owns its unescaped path.
pub(super) struct ScopeOwned<'a> {
    file: &'a str,
    pointer: &'a str,
    path: Option<String>,
    method: Option<&'static str>,
    operation_id: Option<&'a str>,
}

impl ScopeOwned<'_> {
    pub(super) fn get(&self) -> Scope<'_> {
        Scope {
            file: self.file,
            pointer: self.pointer,
            path: self.path.as_deref(),
            method: self.method,
            operation_id: self.operation_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_ids() {
        assert_eq!(
            ids_in("  get: # stipula-ignore: a, b"),
            vec!["a".to_string(), "b".to_string()]
        );
        assert_eq!(ids_in("# stipula-ignore: a b"), vec!["a", "b"]);
        assert!(ids_in("  get: # see stipula-ignore: a").is_empty());
        assert!(ids_in("  get:").is_empty());
    }

    #[test]
    fn extension_on_an_ancestor() {
        let doc = serde_json::json!({"paths": {"/a": {"get": {"x-stipula-ignore": ["r"], "responses": {}}}}});
        assert!(by_extension(&doc, "/paths/~1a/get/responses", "r"));
        assert!(by_extension(&doc, "/paths/~1a/get", "r"));
        assert!(!by_extension(&doc, "/paths/~1a", "r"));
        assert!(!by_extension(&doc, "/paths/~1a/get/responses", "other"));
    }
}
