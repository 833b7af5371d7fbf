//! Which operations a run tests: the `--operation`, `--tag`, `--path` and `--method` filters,
//! then `--shard`. Selection is by position in `spec.operations`, so every shard of a run sees
//! the same list and the shards partition it.

use super::Config;
use crate::spec::Spec;

/// The operations the filters and the shard select, as indices into `spec.operations`.
pub fn select(spec: &Spec, config: &Config) -> Vec<usize> {
    let globs: Vec<regex::Regex> = config.paths.iter().filter_map(|g| glob(g)).collect();
    let picked: Vec<usize> = spec
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| {
            (config.operations.is_empty()
                || config
                    .operations
                    .iter()
                    .any(|id| op.operation_id.as_deref() == Some(id) || names(id, op)))
                && (config.tags.is_empty() || op.tags.iter().any(|t| config.tags.contains(t)))
                && (globs.is_empty() || globs.iter().any(|g| g.is_match(&op.path)))
                && (config.methods.is_empty()
                    || config
                        .methods
                        .iter()
                        .any(|m| m.eq_ignore_ascii_case(op.method.as_str())))
                && !config
                    .exclude_operations
                    .iter()
                    .any(|id| op.operation_id.as_deref() == Some(id) || &op.label() == id)
        })
        .map(|(i, _)| i)
        .collect();
    match config.shard {
        Some((k, n)) if n > 0 => picked
            .into_iter()
            .enumerate()
            .filter(|(pos, _)| *pos as u32 % n == k.saturating_sub(1))
            .map(|(_, i)| i)
            .collect(),
        _ => picked,
    }
}

/// `*` any run of characters, `?` one character, everything else literal; whole path.
fn glob(pattern: &str) -> Option<regex::Regex> {
    let mut re = String::from("^");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            other => re.push_str(&regex::escape(&other.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).ok()
}

/// `selected` split into the operations that can be tested and those that cannot: a path
/// template with a query string (`/items?id={id}`) is not an OpenAPI path, and what it means on
/// the wire is anyone's guess.
pub(super) fn split_untestable(spec: &Spec, selected: Vec<usize>) -> (Vec<usize>, Vec<usize>) {
    selected
        .into_iter()
        .partition(|&i| !spec.operations[i].path.contains(['?', '#']))
}

/// Whether `id` names the operation as `METHOD /path` (any case of the method), which works
/// for operations with an operationId too.
fn names(id: &str, op: &crate::spec::Operation) -> bool {
    id == op.label()
        || id
            .trim()
            .split_once(' ')
            .is_some_and(|(m, p)| m.eq_ignore_ascii_case(op.method.as_str()) && p.trim() == op.path)
}
