//! `oas-structure`: the root document against the official OpenAPI meta-schema of its version.
//!
//! Runs on the raw document as written (before any conversion), so pointers are the user's.
//! The meta-schemas (vendored in `meta-schemas/`, see its README) are compiled once per process.
//! They are written with `oneOf` between a Reference and the real object almost everywhere, so a
//! single mistake makes jsonschema report "not valid under any of the schemas" high up the tree;
//! [`most_specific`] walks into the alternatives, picks the one the author meant (a parameter
//! whose `in` says `path` is a path parameter, whatever else is wrong with it), and keeps its
//! error that is deepest in the document, which is the one a human wants to see. Errors whose
//! jsonschema text names meta-schema internals (`{"required":[...]} is not allowed`) are said in
//! words ([`in_words`]). Formats are not asserted (a meta-schema's
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
/// the author meant, and its deepest error; elsewhere the error itself, said in words where
/// jsonschema's wording would puzzle (see [`in_words`]). An unexpected property points at
/// that property.
///
/// Which alternative was meant: one whose *discriminating* property matches. The meta-schemas
/// tell parameter kinds (and 2.0's body from other parameters) apart by an `enum`/`const` on
/// `in` (security schemes by `type`), so an alternative failing with an `enum`/`const` error
/// there is one the author did not mean: a path parameter without `required: true` is about
/// `required`, not about `"path" is not one of "query"`. Among the rest: the error deepest in
/// the document, then one not about `$ref`, then the alternative with fewer errors.
fn most_specific(error: &jsonschema::ValidationError<'_>) -> (String, String) {
    let context = match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            Some(context)
        }
        _ => None,
    };
    if let Some(branches) = context.filter(|c| !c.is_empty()) {
        let here = error.instance_path().to_string();
        let mut best: Option<(Score, (String, String))> = None;
        for branch in branches {
            let Some(deepest) = branch
                .iter()
                .map(most_specific)
                .max_by_key(|(p, _)| depth(p))
            else {
                continue;
            };
            let meant = !branch.iter().any(|e| discriminates(e, &here));
            let not_reference = !deepest.1.contains("$ref");
            let score = (
                meant,
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
    let message = in_words(error, &pointer).unwrap_or_else(|| {
        let full = error.to_string();
        if full.len() <= 200 {
            full
        } else {
            error.masked().to_string()
        }
    });
    (pointer, message)
}

/// Whether an error of one alternative says the node is of another kind: an `enum`/`const`
/// mismatch on `in` or `type` of the node at `here` (what the meta-schemas tell parameter and
/// security scheme kinds apart by).
fn discriminates(error: &jsonschema::ValidationError<'_>, here: &str) -> bool {
    matches!(
        error.kind(),
        ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. }
    ) && error
        .instance_path()
        .to_string()
        .strip_prefix(here)
        .is_some_and(|rest| rest == "/in" || rest == "/type")
}

/// A message in words for errors whose jsonschema text names schema internals: a path
/// parameter without `required: true`, two mutually exclusive fields (`not: {required: [a,
/// b]}`), and an entry of `content` whose key is not a media type.
fn in_words(error: &jsonschema::ValidationError<'_>, pointer: &str) -> Option<String> {
    let instance = error.instance();
    let specific = match error.kind() {
        ValidationErrorKind::Required { property }
            if property == "required"
                && instance.get("in").and_then(Value::as_str) == Some("path") =>
        {
            Some("a path parameter must have `required: true`".to_string())
        }
        ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. }
            if pointer.ends_with("/required") && instance.as_ref() == &Value::Bool(false) =>
        {
            Some("a path parameter must have `required: true`".to_string())
        }
        ValidationErrorKind::Not { schema } => schema
            .get("required")
            .and_then(Value::as_array)
            .filter(|names| names.len() >= 2 && schema.as_object().is_some_and(|o| o.len() == 1))
            .map(|names| {
                let names: Vec<String> = names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|n| format!("`{n}`"))
                    .collect();
                format!(
                    "{} are mutually exclusive: give only one of them",
                    names.join(" and ")
                )
            }),
        _ => None,
    };
    // `.../content/<key>`, where `<key>` is no media type: the likely mistake.
    let mut tokens: Vec<String> = crate::spec::pointer::segments(pointer).collect();
    let key = tokens.pop();
    let in_content = tokens.last().is_some_and(|t| t == "content");
    match key.filter(|k| in_content && !k.contains('/')) {
        Some(key) => {
            let hint = format!(
                "`content` maps media types (`application/json`) to Media Type Objects; `{key}` is not a media type"
            );
            Some(match specific {
                Some(s) => format!("{hint} ({s})"),
                None => hint,
            })
        }
        None => specific,
    }
}

/// How specific an alternative's error is: whether its alternative was meant, depth in the
/// document, not about `$ref`, fewer errors.
type Score = (bool, usize, bool, std::cmp::Reverse<usize>);

fn depth(pointer: &str) -> usize {
    pointer.matches('/').count()
}
