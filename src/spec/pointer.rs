//! JSON pointers (RFC 6901) as plain strings: building, splitting, escaping.

use serde_json::Value;

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_string()
    }
}

/// `pointer` with one more token.
pub fn push(pointer: &str, token: &str) -> String {
    let mut p = String::with_capacity(pointer.len() + token.len() + 1);
    p.push_str(pointer);
    p.push('/');
    p.push_str(&escape(token));
    p
}

/// The unescaped tokens of a pointer (`""` has none).
pub fn segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

/// The node at `pointer`, if any.
pub fn get<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    if !pointer.starts_with('/') {
        return None;
    }
    value.pointer(pointer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_splits_round_trip() {
        let p = push(&push("", "paths"), "/users/{id}");
        assert_eq!(p, "/paths/~1users~1{id}");
        assert_eq!(segments(&p).collect::<Vec<_>>(), ["paths", "/users/{id}"]);
        assert_eq!(push("", "a~b"), "/a~0b");
    }
}
