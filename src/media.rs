//! What a media-type string means, in one place: its essence (`type/subtype`, lower case, no
//! parameters) and whether it is JSON. Shared by parameter decoding, the mock and lint.

/// `Application/JSON; charset=utf-8` → `application/json`.
pub fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type is JSON: `application/json`, `text/json`, `application/problem+json`...
/// (parameters and case ignored).
pub fn is_json(media_type: &str) -> bool {
    let e = essence(media_type);
    e.ends_with("/json") || e.ends_with("+json")
}

/// Whether a received Content-Type falls under a documented media range.
pub fn matches(documented: &str, received: &str) -> bool {
    let d = essence(documented);
    let r = essence(received);
    if d == r || d == "*/*" {
        return true;
    }
    match d.split_once('/') {
        Some((t, "*")) => r.split_once('/').is_some_and(|(rt, _)| rt == t),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_media_types() {
        assert!(super::is_json("Application/JSON; charset=utf-8"));
        assert!(super::is_json("application/problem+json"));
        assert!(!super::is_json("application/x-ndjson"));
        assert_eq!(super::essence(" Text/Plain ;q=1"), "text/plain");
    }
}
