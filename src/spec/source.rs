//! The files a spec is made of: reading, parsing, and finding positions.
//!
//! Every file is parsed once into a `serde_json::Value` (serde_json for JSON, serde-saphyr for
//! YAML), because everything downstream (refs, normalization, validation) works on JSON values.
//! Positions are not kept in the value: keeping a line and column for every node of GitHub's
//! 13 MB spec would cost more than parsing it. Instead the text is kept, and when a diagnostic
//! needs the line and column of a JSON pointer, [`SourceFile::position`] streams the file once
//! more through saphyr-parser (YAML 1.2 reads JSON too) until it reaches that node.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use saphyr_parser::{Event, Parser};
use serde_json::Value;

use super::diagnostic::{Diagnostic, Position};
use super::pointer;

/// Index of a file in a [`SourceSet`]; the root document is always `FileId(0)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// How a file was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

/// Limits on what a single spec file may contain. Documented in README.md ("Limits").
pub mod limits {
    /// Largest spec file read, in bytes (GitHub's spec is 13 MB).
    pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
    /// Deepest nesting of objects and arrays in a YAML file.
    pub const MAX_YAML_DEPTH: usize = 256;
    /// Most YAML nodes in one file (Stripe's 4 MB YAML spec has about 600k).
    pub const MAX_YAML_NODES: usize = 20_000_000;
    /// Most files one spec may reference (DigitalOcean's tree has about 2,900).
    pub const MAX_FILES: usize = 50_000;
}

/// One parsed file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user (or the referencing file) named it, for messages.
    pub display: String,
    /// Canonical absolute path, used to recognise the same file reached by two routes; for
    /// specs loaded from a string, a made-up path under the working directory.
    pub path: PathBuf,
    pub format: Format,
    pub text: String,
    pub value: Value,
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// Parses `text`; a syntax error becomes a diagnostic with the error's line and column.
    pub fn parse(display: String, path: PathBuf, text: String) -> Result<Self, Diagnostic> {
        let format = detect_format(&path, &text);
        let value = match format {
            Format::Json => parse_json(&text),
            Format::Yaml => parse_yaml(&text),
        };
        match value {
            Ok(value) => Ok(SourceFile {
                display,
                path,
                format,
                text,
                value,
                line_starts: OnceLock::new(),
            }),
            Err((message, position)) => {
                let mut d = Diagnostic::error(display, "", message);
                d.position = position;
                Err(d)
            }
        }
    }

    /// Line and column (both 1-based) of the node at `pointer`, or of the nearest ancestor that
    /// exists. Costs one streaming pass over the file: batch with [`Self::positions`].
    pub fn position(&self, pointer: &str) -> Position {
        self.positions(&[pointer])[0]
    }

    /// [`Self::position`] for many pointers, in one pass over the file.
    pub fn positions(&self, pointers: &[&str]) -> Vec<Position> {
        let chars = locate(&self.text, pointers);
        // saphyr-parser counts characters: turn them into byte offsets in one walk.
        let mut order: Vec<usize> = (0..chars.len()).collect();
        order.sort_by_key(|&i| chars[i]);
        let mut bytes = vec![self.text.len(); chars.len()];
        let mut walk = self.text.char_indices().enumerate();
        let mut last: Option<(usize, usize)> = None; // (char index, byte offset)
        for i in order {
            if let Some((_, b)) = last.filter(|&(c, _)| c == chars[i]) {
                bytes[i] = b;
                continue;
            }
            if let Some((_, (b, _))) = walk.by_ref().find(|&(n, _)| n == chars[i]) {
                bytes[i] = b;
                last = Some((chars[i], b));
            }
        }
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        bytes
            .into_iter()
            .map(|byte| {
                let line = starts.partition_point(|&s| s <= byte);
                let column = self.text[starts[line - 1]..byte].chars().count() + 1;
                Position { line, column }
            })
            .collect()
    }
}

fn detect_format(path: &Path, text: &str) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
        Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => Format::Yaml,
        _ if text.trim_start().starts_with('{') => Format::Json,
        _ => Format::Yaml,
    }
}

type ParseError = (String, Option<Position>);

fn parse_json(text: &str) -> Result<Value, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        // serde_json appends " at line L column C"; we report the position separately.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        let position = (e.line() > 0).then(|| Position {
            line: e.line(),
            column: e.column(),
        });
        (format!("invalid JSON: {message}"), position)
    })
}

fn parse_yaml(text: &str) -> Result<Value, ParseError> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = limits::MAX_YAML_DEPTH;
    budget.max_nodes = limits::MAX_YAML_NODES;
    budget.max_events = limits::MAX_YAML_NODES * 2;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    match serde_saphyr::from_str_with_options::<Value>(text, options) {
        Ok(v) => Ok(v),
        Err(e) => {
            let position = e.location().and_then(|l| {
                (l.line() > 0).then(|| Position {
                    line: l.line() as usize,
                    column: l.column() as usize,
                })
            });
            let message = e.to_string();
            let mut first = message.lines().next().unwrap_or("").trim();
            // serde-saphyr prefixes `error: line L column C: `; the position is reported apart.
            first = first.strip_prefix("error: ").unwrap_or(first);
            if first.starts_with("line ") {
                first = first.split_once(": ").map_or(first, |(_, rest)| rest);
            }
            let text = match first.strip_prefix("budget breached: ") {
                Some(limit) => format!(
                    "the YAML exceeds a parser safety limit (alias bombs, huge or deeply nested documents): {limit}"
                ),
                None => first.to_string(),
            };
            Err((format!("invalid YAML: {text}"), position))
        }
    }
}

/// Streams the events of `text` once and returns, for each target pointer, the character index
/// where that node starts (for a mapping entry, where its key starts), or where its deepest
/// existing ancestor starts. Only nodes on the way to a target cost more than the parse itself.
fn locate(text: &str, targets: &[&str]) -> Vec<usize> {
    use std::collections::{HashMap, HashSet};
    // Every prefix of every target: the only pointers worth building while streaming.
    let mut prefixes: HashSet<String> = HashSet::new();
    for t in targets {
        let mut p = String::new();
        prefixes.insert(p.clone());
        for seg in pointer::segments(t) {
            p = pointer::push(&p, &seg);
            prefixes.insert(p.clone());
        }
    }
    let mut found: HashMap<String, usize> = HashMap::new();
    found.insert(String::new(), 0);
    let mut stack: Vec<Frame> = Vec::new();
    // A key read in the current mapping, with where it starts.
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next() {
        let start = span.start.index();
        match event {
            Event::Scalar(..)
            | Event::MappingStart(..)
            | Event::SequenceStart(..)
            | Event::Alias(_) => {
                let child = match stack.last_mut() {
                    Some(f) if f.is_map && f.key.is_none() => {
                        // This node is a key: the value that follows sits under it.
                        let Event::Scalar(key, ..) = &event else {
                            break; // complex keys are not OpenAPI
                        };
                        f.key = Some(key.to_string());
                        if let Some(p) = &f.pointer {
                            let child = pointer::push(p, key);
                            if prefixes.contains(&child) {
                                found.entry(child).or_insert(start);
                            }
                        }
                        continue;
                    }
                    Some(f) => {
                        let seg = if f.is_map {
                            f.key.take().unwrap_or_default()
                        } else {
                            f.index += 1;
                            (f.index - 1).to_string()
                        };
                        f.pointer
                            .as_ref()
                            .map(|p| pointer::push(p, &seg))
                            .filter(|c| prefixes.contains(c))
                    }
                    None => Some(String::new()),
                };
                if let Some(c) = &child {
                    found.entry(c.clone()).or_insert(start);
                }
                if matches!(event, Event::MappingStart(..) | Event::SequenceStart(..)) {
                    stack.push(Frame {
                        pointer: child,
                        is_map: matches!(event, Event::MappingStart(..)),
                        key: None,
                        index: 0,
                    });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::StreamEnd => break,
            _ => {}
        }
    }
    targets
        .iter()
        .map(|t| {
            let mut p = t.to_string();
            loop {
                if let Some(&i) = found.get(&p) {
                    return i;
                }
                match p.rfind('/') {
                    Some(i) => p.truncate(i),
                    None => return 0,
                }
            }
        })
        .collect()
}

/// An open mapping or sequence while streaming events.
struct Frame {
    /// Its pointer, when it lies on the way to a target.
    pointer: Option<String>,
    is_map: bool,
    /// In a mapping: the key whose value comes next.
    key: Option<String>,
    /// In a sequence: the index of the next item.
    index: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(text: &str, ext: &str, pointer: &str) -> (usize, usize) {
        let f = SourceFile::parse(
            "t".into(),
            PathBuf::from(format!("t.{ext}")),
            text.to_string(),
        )
        .unwrap();
        let p = f.position(pointer);
        (p.line, p.column)
    }

    #[test]
    fn positions_in_yaml_point_at_the_key_or_item() {
        let y = "a:\n  b:\n    - x\n    - y: 1\n      z: 2\n";
        assert_eq!(pos(y, "yaml", "/a/b"), (2, 3));
        assert_eq!(pos(y, "yaml", "/a/b/1/z"), (5, 7));
        assert_eq!(pos(y, "yaml", "/a/b/0"), (3, 7));
        // A missing node reports its deepest existing ancestor.
        assert_eq!(pos(y, "yaml", "/a/b/1/nope"), (4, 7));
    }

    #[test]
    fn positions_in_json_point_at_the_key() {
        let j = "{\n  \"a\": {\n    \"b~c\": [1, {\"d\": true}]\n  }\n}";
        assert_eq!(pos(j, "json", "/a/b~0c/1/d"), (3, 17));
        assert_eq!(pos(j, "json", "/a"), (2, 3));
    }

    #[test]
    fn yaml_integer_keys_become_strings() {
        let f = SourceFile::parse(
            "t".into(),
            "t.yaml".into(),
            "responses:\n  200:\n    description: ok\n".into(),
        )
        .unwrap();
        assert!(f.value["responses"]["200"].is_object(), "{:?}", f.value);
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let e = SourceFile::parse("t.json".into(), "t.json".into(), "{\n  \"a\": ,\n}".into())
            .unwrap_err();
        assert_eq!(e.position.map(|p| p.line), Some(2));
        let e = SourceFile::parse("t.yaml".into(), "t.yaml".into(), "a: [1, 2\nb: 3\n".into())
            .unwrap_err();
        assert!(e.position.is_some(), "{e:?}");
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
    }
}
