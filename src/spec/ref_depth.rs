//! A bound on how deep schema `$ref`s nest, checked once after normalization.
//!
//! Nothing in the loader recurses through a `$ref`, but the consumers do: the generator and
//! jsonschema descend one stack frame (or several) per reference they follow. A chain of
//! 30,000 references (`S0 → S1 → …`, or `S0.items → S1.items → …`) loads in a second and then
//! overflows the mock's stack on the first request. So the loader measures the longest chain of
//! references between normalized entries (iteratively: the measure must not overflow either)
//! and refuses a spec deeper than [`MAX_REF_DEPTH`], with the entry where the chain starts.
//!
//! Cycles are fine (they are what recursive schemas are made of, and the consumers stop at
//! them): an edge back to an entry on the current path counts nothing. The measure is therefore
//! the longest path of the depth-first tree, which is exact for acyclic graphs and a lower
//! bound otherwise.

use serde_json::Value;

use super::normalize::NormalizedSchemas;

/// Deepest chain of schema references accepted. Real specs stay below 50; the mock's and the
/// runner's 16 MiB stacks take about 3,000 in a debug build.
pub const MAX_REF_DEPTH: usize = 1_000;

/// The entry (index) that starts the deepest chain, and its depth, when it exceeds the limit.
pub fn too_deep(normalized: &NormalizedSchemas) -> Option<(usize, usize)> {
    let Some(Value::Object(defs)) = normalized.document.get("$defs") else {
        return None;
    };
    let count = normalized.locations.len();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (key, schema) in defs {
        if let Ok(i) = key.parse::<usize>()
            && i < count
        {
            edges[i] = references(schema, count);
        }
    }
    // Iterative depth-first search: 0 = unvisited, 1 = on the path, 2 = done.
    let mut state = vec![0u8; count];
    let mut depth = vec![0usize; count];
    let mut worst: Option<(usize, usize)> = None;
    for start in 0..count {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&child) = edges[node].get(*next) {
                *next += 1;
                if state[child] == 0 {
                    state[child] = 1;
                    stack.push((child, 0));
                }
                continue;
            }
            let longest = edges[node]
                .iter()
                .filter(|&&c| state[c] == 2)
                .map(|&c| depth[c] + 1)
                .max()
                .unwrap_or(0);
            depth[node] = longest;
            state[node] = 2;
            stack.pop();
            if longest > MAX_REF_DEPTH && worst.is_none_or(|(_, d)| longest > d) {
                worst = Some((node, longest));
            }
        }
    }
    worst
}

/// The entries a schema references (`#/$defs/<id>`), found without recursion.
fn references(schema: &Value, count: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut todo = vec![schema];
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    if k == "$ref"
                        && let Some(id) = x
                            .as_str()
                            .and_then(|r| r.strip_prefix("#/$defs/"))
                            .and_then(|n| n.parse::<usize>().ok())
                            .filter(|&id| id < count)
                    {
                        out.push(id);
                    } else {
                        todo.push(x);
                    }
                }
            }
            Value::Array(a) => todo.extend(a),
            _ => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{FileId, Location};
    use serde_json::json;

    fn chain(n: usize, back_to_start: bool) -> NormalizedSchemas {
        let mut defs = serde_json::Map::new();
        for i in 0..n {
            let next = if i + 1 < n {
                format!("#/$defs/{}", i + 1)
            } else if back_to_start {
                "#/$defs/0".to_string()
            } else {
                defs.insert(i.to_string(), json!({"type": "string"}));
                continue;
            };
            defs.insert(i.to_string(), json!({"items": {"$ref": next}}));
        }
        NormalizedSchemas {
            document: json!({ "$defs": defs }),
            locations: vec![Location::new(FileId(0), ""); n],
        }
    }

    #[test]
    fn a_long_chain_is_too_deep_from_its_start() {
        assert_eq!(
            too_deep(&chain(MAX_REF_DEPTH + 2, false)),
            Some((0, MAX_REF_DEPTH + 1))
        );
        assert_eq!(too_deep(&chain(MAX_REF_DEPTH + 1, false)), None);
    }

    #[test]
    fn a_cycle_counts_once_around() {
        assert_eq!(too_deep(&chain(50, true)), None);
        assert!(too_deep(&chain(MAX_REF_DEPTH + 5, true)).is_some());
    }
}
