//! `oas-structure`: the root document against the official OpenAPI meta-schema of its version.
//!
//! Runs on the raw document as written (before any conversion), so pointers are the user's.
//! The meta-schemas (vendored in `meta-schemas/`, see its README) are compiled once per process.
//! They are written with `oneOf` between a Reference and the real object almost everywhere, so a
//! single mistake makes jsonschema report "not valid under any of the schemas" high up the tree;
//! [`most_specific`] walks into the alternatives and keeps the error that is deepest in the
//! document, which is the one a human wants to see. Formats are not asserted (a meta-schema's
//! `format: email` or `uri-reference` would raise false alarms over regex dialects). Only the
//! root file is checked: other files of a multi-file spec are fragments with no meta-schema.

use std::sync::OnceLock;

use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// `(JSON pointer, message)` for every meta-schema violation in a root document; nothing when
/// the document declares no version we know (the loader reports that).
pub(super) fn check(document: &Value) -> Vec<(String, String)> {
    let Some(validator) = validator_for(document) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for error in validator.iter_errors(document) {
        let (pointer, message) = most_specific(&error);
        if !out.iter().any(|(p, m)| p == &pointer && m == &message) {
            out.push((pointer, message));
        }
    }
    out
}

fn validator_for(document: &Value) -> Option<&'static Validator> {
    static V2: OnceLock<Option<Validator>> = OnceLock::new();
    static V30: OnceLock<Option<Validator>> = OnceLock::new();
    static V31: OnceLock<Option<Validator>> = OnceLock::new();
    let (slot, text) = if document.get("swagger").and_then(Value::as_str) == Some("2.0") {
        (&V2, include_str!("meta-schemas/oas-2.0.json"))
    } else {
        match document.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.0") => (&V30, include_str!("meta-schemas/oas-3.0.json")),
            Some(v) if v.starts_with("3.1") => (&V31, include_str!("meta-schemas/oas-3.1.json")),
            _ => return None,
        }
    };
    slot.get_or_init(|| {
        let schema: Value = serde_json::from_str(text).ok()?;
        jsonschema::options()
            .should_validate_formats(false)
            .build(&schema)
            .ok()
    })
    .as_ref()
}

/// The error to show for one top-level violation: inside `oneOf`/`anyOf`, the alternative
/// whose errors reach deepest into the document (ties go to an alternative that is not the
/// Reference one, then to the one with fewer errors); elsewhere the error itself. An unexpected
/// property points at that property.
fn most_specific(error: &jsonschema::ValidationError<'_>) -> (String, String) {
    let context = match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            Some(context)
        }
        _ => None,
    };
    if let Some(branches) = context.filter(|c| !c.is_empty()) {
        let mut best: Option<(Score, (String, String))> = None;
        for branch in branches {
            let Some(deepest) = branch
                .iter()
                .map(most_specific)
                .max_by_key(|(p, _)| depth(p))
            else {
                continue;
            };
            let not_reference = !deepest.1.contains("$ref");
            let score = (
                depth(&deepest.0),
                not_reference,
                std::cmp::Reverse(branch.len()),
            );
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, deepest));
            }
        }
        if let Some((_, found)) = best {
            return found;
        }
    }
    let mut pointer = error.instance_path().to_string();
    if let ValidationErrorKind::AdditionalProperties { unexpected } = error.kind()
        && let [one] = unexpected.as_slice()
    {
        pointer = format!("{pointer}/{}", crate::spec::pointer::escape(one));
    }
    let full = error.to_string();
    let message = if full.len() <= 200 {
        full
    } else {
        error.masked().to_string()
    };
    (pointer, message)
}

/// How specific an alternative's error is: depth in the document, not about `$ref`, fewer errors.
type Score = (usize, bool, std::cmp::Reverse<usize>);

fn depth(pointer: &str) -> usize {
    pointer.matches('/').count()
}
