//! One visitor over the subschemas of a normalized schema.
//!
//! Which keywords hold subschemas (one, a list, a map of them) is `vocab`'s knowledge; this
//! module turns it into "each direct subschema, and the step that reaches it", so code that
//! walks schemas (lint's rules, the generator's checker) does not enumerate keywords itself.
//! The visitor does not follow `$ref`s: every target is an entry of its own, visited on its own.
//! Callers recurse (each needs its own pointer, state or stopping rule).

use std::fmt;

use serde_json::Value;

use super::vocab::{LISTS, MAPS, SINGLE};

/// How a subschema is reached from its parent schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// A keyword whose value is the subschema (`items`, `not`...).
    Keyword(&'a str),
    /// A member of a keyword's map (`properties` → `name`).
    Member(&'a str, &'a str),
    /// An item of a keyword's list (`allOf` → 0).
    Item(&'a str, usize),
}

impl Step<'_> {
    /// The keyword the step goes through.
    pub fn keyword(&self) -> &str {
        match self {
            Step::Keyword(k) | Step::Member(k, _) | Step::Item(k, _) => k,
        }
    }
}

/// The JSON-pointer suffix of the step (`/items`, `/properties/a~1b`, `/allOf/0`).
impl fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Keyword(k) => write!(f, "/{k}"),
            Step::Member(k, name) if name.contains(['~', '/']) => {
                write!(f, "/{k}/{}", name.replace('~', "~0").replace('/', "~1"))
            }
            Step::Member(k, name) => write!(f, "/{k}/{name}"),
            Step::Item(k, n) => write!(f, "/{k}/{n}"),
        }
    }
}

/// Calls `visit` with each direct subschema of `schema` (in the schema's key order), and the
/// step that reaches it.
pub fn children<'a>(schema: &'a Value, mut visit: impl FnMut(Step<'a>, &'a Value)) {
    let Value::Object(o) = schema else { return };
    for (key, child) in o {
        let key = key.as_str();
        if SINGLE.contains(&key) {
            visit(Step::Keyword(key), child);
        } else if MAPS.contains(&key)
            && let Value::Object(members) = child
        {
            for (name, c) in members {
                visit(Step::Member(key, name), c);
            }
        } else if LISTS.contains(&key)
            && let Value::Array(items) = child
        {
            for (n, c) in items.iter().enumerate() {
                visit(Step::Item(key, n), c);
            }
        }
    }
}

/// [`children`], mutably (without the steps).
pub fn children_mut(schema: &mut Value, mut visit: impl FnMut(&mut Value)) {
    let Value::Object(o) = schema else { return };
    for (key, child) in o.iter_mut() {
        let key = key.as_str();
        if SINGLE.contains(&key) {
            visit(child);
        } else if MAPS.contains(&key) {
            if let Value::Object(members) = child {
                members.values_mut().for_each(&mut visit);
            }
        } else if LISTS.contains(&key)
            && let Value::Array(items) = child
        {
            items.iter_mut().for_each(&mut visit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visits_every_subschema_keyword_with_its_pointer() {
        let schema = json!({
            "type": "object",
            "properties": {"a/b": {"type": "string"}},
            "allOf": [{"minProperties": 1}],
            "items": {"type": "integer"},
            "enum": [{"not": "a schema"}],
        });
        let mut seen = Vec::new();
        children(&schema, |step, _| seen.push(step.to_string()));
        assert_eq!(seen, ["/properties/a~1b", "/allOf/0", "/items"]);
        let mut count = 0;
        let mut schema = schema;
        children_mut(&mut schema, |_| count += 1);
        assert_eq!(count, 3);
    }
}
