//! The files a spec is made of: reading, parsing, and finding positions.
//!
//! Every file is parsed once into a `serde_json::Value` (serde_json for JSON, serde-saphyr for
//! YAML), because everything downstream (refs, normalization, validation) works on JSON values.
//! Positions are not kept in the value: keeping a line and column for every node of GitHub's
//! 13 MB spec would cost more than parsing it. Instead the text is kept, and when a diagnostic
//! needs the line and column of a JSON pointer, [`SourceFile::position`] streams the file once
//! more through saphyr-parser (YAML 1.2 reads JSON too) until it reaches that node. JSON files
//! take a faster route first (`json_offsets`: a byte scanner that skips every subtree no pointer
//! goes into) and fall back to the saphyr stream when it is unsure.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use saphyr_parser::{Event, Parser};
use serde_json::Value;

use super::diagnostic::{Diagnostic, DiagnosticKind, Position};
use super::{json_offsets, pointer};

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

/// Reads one spec file as UTF-8 text, refusing what is not a regular file (a device such as
/// `/dev/zero` would read without end, a FIFO would block forever) and stopping after
/// [`limits::MAX_FILE_BYTES`]: the size is enforced while reading, not taken from metadata,
/// which a growing file or a special file can contradict. The message says what is wrong,
/// without the path (the caller names the file).
pub fn read_text(path: &Path) -> Result<String, String> {
    use std::io::Read;
    // Checked before opening: opening a FIFO for reading blocks until a writer appears.
    let before = std::fs::metadata(path).map_err(|e| format!("cannot open: {e}"))?;
    if before.is_dir() {
        return Err("is a folder, not a spec file".into());
    }
    if !before.is_file() {
        return Err("is not a regular file (a device, FIFO or socket); refused".into());
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    // And again on the opened file, in case the path was swapped in between.
    let opened = file.metadata().map_err(|e| format!("cannot open: {e}"))?;
    if !opened.is_file() {
        return Err("is not a regular file (a device, FIFO or socket); refused".into());
    }
    let mut bytes = Vec::new();
    file.take(limits::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(format!(
            "larger than the {} byte limit",
            limits::MAX_FILE_BYTES
        ));
    }
    String::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))
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
                let mut d =
                    Diagnostic::error(display, "", message).with_kind(DiagnosticKind::Syntax);
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
        let bytes = match self.format {
            Format::Json => json_offsets::offsets(&self.text, pointers),
            Format::Yaml => None,
        }
        .unwrap_or_else(|| self.streamed_offsets(pointers));
        self.line_columns(&bytes)
    }

    /// Byte offset of each pointer, found by streaming the file through saphyr-parser: the
    /// path for YAML, and for JSON whenever the fast scanner is not sure.
    fn streamed_offsets(&self, pointers: &[&str]) -> Vec<usize> {
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
        bytes
    }

    /// Byte offset where each line starts (computed once).
    pub(crate) fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }

    /// Line and column (1-based, columns in characters) of each byte offset. Offsets are taken
    /// in order and columns counted from the previous offset on the same line, so a minified
    /// one-line file costs one walk over the text, not one per offset.
    fn line_columns(&self, bytes: &[usize]) -> Vec<Position> {
        let starts = self.line_starts();
        let mut order: Vec<usize> = (0..bytes.len()).collect();
        order.sort_by_key(|&i| bytes[i]);
        let mut positions = vec![Position { line: 1, column: 1 }; bytes.len()];
        let mut previous: Option<(usize, Position)> = None; // (byte offset, its position)
        for i in order {
            let byte = bytes[i].min(self.text.len());
            let line = starts.partition_point(|&s| s <= byte);
            let (from, column) = match previous {
                Some((b, p)) if p.line == line => (b, p.column),
                _ => (starts[line - 1], 1),
            };
            // Offsets sit on character boundaries; count bytes that start a character anyway.
            let between = &self.text.as_bytes()[from..byte];
            let column = column + between.iter().filter(|&&b| (b as i8) >= -0x40).count();
            let position = Position { line, column };
            previous = Some((byte, position));
            positions[i] = position;
        }
        positions
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

/// Byte offset where each line of `text` starts.
pub(crate) fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
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

    fn json_file(text: &str) -> SourceFile {
        SourceFile::parse("t.json".into(), "t.json".into(), text.to_string()).unwrap()
    }

    /// The fast JSON scanner's offsets, asserting it did not give up.
    fn scanned(f: &SourceFile, pointers: &[&str]) -> Vec<usize> {
        json_offsets::offsets(&f.text, pointers).expect("the scanner gave up")
    }

    #[test]
    fn json_keys_with_escapes_match_their_pointers() {
        let j = r#"{"x": {"a\"b": 1, "caf\u00e9": [10, {"s~/t": 2}], "p": "}]\"{["}}"#;
        let f = json_file(j);
        let pointers = [
            "/x/a\"b",
            "/x/café/1/s~0~1t",
            "/x/café/1",
            "/x/p",
            "/x/nope",
            "",
        ];
        let offsets = scanned(&f, &pointers);
        assert_eq!(offsets, f.streamed_offsets(&pointers));
        assert_eq!(&j[offsets[0]..offsets[0] + 5], r#""a\"b"#);
        assert_eq!(&j[offsets[1]..offsets[1] + 7], r#""s~/t":"#);
        assert_eq!(&j[offsets[2]..offsets[2] + 1], "{");
        // A missing member is placed at its parent's key.
        assert_eq!(&j[offsets[4]..offsets[4] + 3], r#""x""#);
        assert_eq!(offsets[5], 0);
    }

    #[test]
    fn json_repeated_keys_keep_the_first_place_and_are_searched_again() {
        let f = json_file(r#"{"a": {"b": 1}, "a": {"c": 2}}"#);
        let pointers = ["/a", "/a/b", "/a/c"];
        assert_eq!(scanned(&f, &pointers), [1, 7, 22]);
        assert_eq!(f.streamed_offsets(&pointers), [1, 7, 22]);
    }

    #[test]
    fn json_pointers_not_in_canonical_form_take_the_streaming_path() {
        let f = json_file(r#"{"a~2": {"b": 1}}"#);
        assert_eq!(json_offsets::offsets(&f.text, &["/a~2/b"]), None);
        assert_eq!(json_offsets::offsets(&f.text, &["a/b"]), None);
        // Both paths agree on what such a pointer gets: the root.
        assert_eq!(f.position("/a~2/b"), Position { line: 1, column: 1 });
    }

    #[test]
    fn the_json_scanner_gives_up_on_text_it_does_not_expect() {
        for text in [
            r#"{"a": "x\"#,
            r#"{"a": [1, "#,
            r#"{"a" 1}"#,
            "{'a': 1}",
            "",
        ] {
            assert_eq!(json_offsets::offsets(text, &["/a/0"]), None, "{text}");
        }
    }

    #[test]
    fn columns_on_one_long_line_count_characters() {
        let j = r#"{"é": [1, 2], "z": {"ü": true}}"#;
        let f = json_file(j);
        let got = f.positions(&["/z/ü", "/é/1", "/z"]);
        let columns: Vec<usize> = got.iter().map(|p| p.column).collect();
        assert_eq!(columns, [21, 11, 15]);
        assert!(got.iter().all(|p| p.line == 1));
    }

    /// Random JSON values: every kind of scalar, and keys made of characters that need escaping
    /// in JSON, in pointers or in YAML.
    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        const CHARS: &[char] = &[
            'a', 'b', '0', '1', '~', '/', '"', '\\', 'é', '€', '😀', ' ', '\t', '\n', '{', '}',
            '[', ']', ':', ',', '#', '&', '*', '!', '|', '>', '\'', '%', '@', '`', '-', '?',
        ];
        let text =
            prop::collection::vec(prop::sample::select(CHARS), 0..6).prop_map(String::from_iter);
        let scalar = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            text.clone().prop_map(Value::from),
        ];
        scalar.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((text.clone(), inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// A pointer into `value` chosen by `choices`, possibly ending one token past what exists.
    fn pointer_into(value: &Value, choices: &[proptest::sample::Index], overshoot: bool) -> String {
        let mut pointer = String::new();
        let mut node = value;
        for choice in choices {
            let next = match node {
                Value::Object(map) if !map.is_empty() => map.iter().nth(choice.index(map.len())),
                Value::Array(items) if !items.is_empty() => {
                    let i = choice.index(items.len());
                    pointer = pointer::push(&pointer, &i.to_string());
                    node = &items[i];
                    continue;
                }
                _ => None,
            };
            let Some((key, child)) = next else { break };
            pointer = pointer::push(&pointer, key);
            node = child;
        }
        if overshoot {
            let missing = match node {
                Value::Array(items) => items.len().to_string(),
                _ => "missing~/".to_string(),
            };
            pointer = pointer::push(&pointer, &missing);
        }
        pointer
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(400))]

        /// The JSON scanner and the saphyr stream place every pointer at the same byte, in
        /// compact, pretty and CRLF-pretty JSON.
        #[test]
        fn json_scanner_agrees_with_streaming(
            value in json_value(),
            picks in proptest::collection::vec(
                (proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 0..7),
                 proptest::prelude::any::<bool>()),
                1..8,
            ),
        ) {
            let pointers: Vec<String> =
                picks.iter().map(|(c, o)| pointer_into(&value, c, *o)).collect();
            let pointers: Vec<&str> = pointers.iter().map(String::as_str).collect();
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            for text in [serde_json::to_string(&value).unwrap(), pretty.replace('\n', "\r\n"), pretty] {
                let f = SourceFile::parse("t.json".into(), "t.json".into(), text).unwrap();
                proptest::prop_assert_eq!(
                    scanned(&f, &pointers),
                    f.streamed_offsets(&pointers),
                    "{}", f.text
                );
            }
        }
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
