//! `component-unused`: components (2.0: definitions, parameters, responses) no `$ref` reaches.
//!
//! Reads the raw files, not the model: the model only keeps what operations use. Every `$ref`
//! string in every file of the spec (and every discriminator `mapping` value) that lands in the
//! root document marks the node it points at, and everything above it, as used. A reference
//! inside an unused component still counts (as in Spectral's rule): finding what is reachable
//! from the paths alone would report whole unused families at once, for little gain.
//! References this module cannot read (a remote URL, a `#anchor`) make it report nothing at
//! all, since they might reach any component: no false alarms.

use std::collections::HashSet;
use std::path::Path;

use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::spec::{Dialect, FileId, Location, Spec};

use super::Hit;

pub(super) fn check(spec: &Spec, out: &mut Vec<Hit>) {
    let root = spec.source(FileId(0));
    let mut used: HashSet<String> = HashSet::new();
    let mut understood = true;
    for (_, file) in spec.sources() {
        let mut refs = Vec::new();
        collect_refs(&file.value, &mut refs);
        for reference in refs {
            match root_fragment(reference, &file.path, &root.path) {
                Target::Root(fragment) => {
                    // The node and its ancestors: a `$ref` into a component uses it.
                    let mut at = fragment.as_str();
                    while !at.is_empty() && used.insert(at.to_string()) {
                        at = at.rsplit_once('/').map_or("", |(parent, _)| parent);
                    }
                }
                Target::Elsewhere => {}
                Target::Unknown => understood = false,
            }
        }
    }
    if !understood {
        return;
    }
    let groups: &[&str] = if spec.dialect == Dialect::Swagger2 {
        &["/definitions", "/parameters", "/responses"]
    } else {
        &[
            "/components/schemas",
            "/components/responses",
            "/components/parameters",
            "/components/examples",
            "/components/requestBodies",
            "/components/headers",
            "/components/links",
            "/components/callbacks",
            "/components/pathItems",
        ]
    };
    for group in groups {
        let Some(Value::Object(members)) = root.value.pointer(group) else {
            continue;
        };
        for name in members.keys() {
            let pointer = format!("{group}/{}", crate::spec::pointer::escape(name));
            if !used.contains(&pointer) {
                out.push(Hit::new(
                    "component-unused",
                    Location::new(FileId(0), pointer.clone()),
                    format!("`#{pointer}` is never referenced"),
                ));
            }
        }
    }
}

/// Every `$ref` string, and every discriminator mapping value, in a raw document.
fn collect_refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                out.push(r);
            }
            if let Some(Value::Object(mapping)) =
                o.get("discriminator").and_then(|d| d.get("mapping"))
            {
                out.extend(mapping.values().filter_map(Value::as_str));
            }
            for child in o.values() {
                collect_refs(child, out);
            }
        }
        Value::Array(a) => {
            for child in a {
                collect_refs(child, out);
            }
        }
        _ => {}
    }
}

enum Target {
    /// A JSON pointer into the root document.
    Root(String),
    /// Another file.
    Elsewhere,
    /// Not a reference this module can follow.
    Unknown,
}

fn root_fragment(reference: &str, from: &Path, root: &Path) -> Target {
    // A discriminator mapping may give a bare schema name.
    if !reference.contains('#') && !reference.contains('/') && !reference.contains('.') {
        return Target::Root(format!("/components/schemas/{reference}"));
    }
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    if file.contains("://") {
        return Target::Unknown;
    }
    let Ok(fragment) = percent_decode_str(fragment).decode_utf8() else {
        return Target::Unknown;
    };
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Target::Unknown;
    }
    let target = if file.is_empty() {
        from.to_path_buf()
    } else {
        let relative = percent_decode_str(file).decode_utf8_lossy().into_owned();
        crate::spec::refs::lexical_normalize(&from.parent().unwrap_or(Path::new("")).join(relative))
    };
    if target == root {
        Target::Root(fragment.into_owned())
    } else {
        Target::Elsewhere
    }
}
