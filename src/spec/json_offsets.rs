//! Where JSON pointers start in a JSON file's text: the fast path of [`super::source`]'s
//! positions.
//!
//! Streaming GitHub's 13 MB spec through saphyr-parser to place a few hundred findings costs
//! about 0.45 s, nearly all of it spent building events for nodes no pointer goes into. This
//! scanner reads the bytes once and only parses the objects and arrays on the way to a wanted
//! pointer; every other value is skipped with memchr (strings) and a bracket count. It reports
//! exactly what the saphyr path reports (the property test in `source.rs` checks this): for an
//! object member the offset of its key's opening quote, for an array item where the item starts,
//! for a missing node its deepest existing ancestor, `0` for the root. The text is already known
//! to be valid JSON (serde_json parsed it); anything the scanner does not expect, or a pointer
//! not in canonical form, returns `None` and the caller takes the saphyr path.

use std::collections::HashMap;

use super::pointer;

/// Byte offset of each of `pointers` in `text` (a JSON document), or `None` when the scanner is
/// not sure (the caller then falls back to the saphyr path).
pub(super) fn offsets(text: &str, pointers: &[&str]) -> Option<Vec<usize>> {
    let mut trie = Trie::new();
    let ends: Vec<Vec<usize>> = pointers
        .iter()
        .map(|p| trie.insert(p))
        .collect::<Option<_>>()?;
    let bytes = text.as_bytes();
    let mut scanner = Scanner {
        bytes,
        at: if bytes.starts_with("\u{feff}".as_bytes()) {
            3
        } else {
            0
        },
        trie: &mut trie,
    };
    scanner.whitespace();
    scanner.value(ROOT, 0)?;
    Some(
        ends.iter()
            .map(|path| {
                // The deepest node on the pointer's path that was found (found nodes are
                // prefix-closed: a member is only entered after its key was recorded).
                path.iter()
                    .map_while(|&n| trie.nodes[n].offset)
                    .last()
                    .unwrap_or(0)
            })
            .collect(),
    )
}

const ROOT: usize = 0;

/// Deepest nesting the scanner follows; serde_json refuses deeper documents anyway.
const MAX_DEPTH: usize = 1024;

/// The wanted pointers as a tree of unescaped reference tokens.
struct Trie {
    nodes: Vec<Node>,
}

struct Node {
    children: HashMap<String, usize>,
    /// Where this node was first seen (the root is always at 0).
    offset: Option<usize>,
}

impl Trie {
    fn new() -> Self {
        Trie {
            nodes: vec![Node {
                children: HashMap::new(),
                offset: Some(0),
            }],
        }
    }

    /// Adds `pointer` and returns the nodes on its path, root first; `None` for a pointer that
    /// is not in canonical form (the saphyr path looks those up as written, which this does not
    /// imitate).
    fn insert(&mut self, pointer: &str) -> Option<Vec<usize>> {
        let mut path = vec![ROOT];
        let mut canonical = String::with_capacity(pointer.len());
        for token in pointer::segments(pointer) {
            canonical = pointer::push(&canonical, &token);
            let node = *path.last()?;
            let next = self.nodes.len();
            let child = *self.nodes[node].children.entry(token).or_insert(next);
            if child == next {
                self.nodes.push(Node {
                    children: HashMap::new(),
                    offset: None,
                });
            }
            path.push(child);
        }
        (canonical == pointer).then_some(path)
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    /// The next byte to read.
    at: usize,
    trie: &'a mut Trie,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.whitespace();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Reads the value starting at `self.at`, which belongs to trie node `node`: entered when
    /// some wanted pointer goes below it, skipped otherwise.
    fn value(&mut self, node: usize, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        if self.trie.nodes[node].children.is_empty() {
            return self.skip_value();
        }
        match self.peek()? {
            b'{' => self.object(node, depth),
            b'[' => self.array(node, depth),
            _ => self.skip_value(),
        }
    }

    fn object(&mut self, node: usize, depth: usize) -> Option<()> {
        self.at += 1; // `{`
        self.whitespace();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            self.whitespace();
            let key_start = self.at;
            if self.peek()? != b'"' {
                return None;
            }
            self.skip_string()?;
            let raw = &self.bytes[key_start + 1..self.at - 1];
            let child = if raw.contains(&b'\\') {
                let key: String = serde_json::from_slice(&self.bytes[key_start..self.at]).ok()?;
                self.trie.nodes[node].children.get(&key).copied()
            } else {
                let key = std::str::from_utf8(raw).ok()?;
                self.trie.nodes[node].children.get(key).copied()
            };
            self.expect(b':')?;
            self.whitespace();
            match child {
                Some(child) => {
                    // A member is placed at its key; a repeated key keeps its first place but
                    // is entered again (as the saphyr path does).
                    self.trie.nodes[child].offset.get_or_insert(key_start);
                    self.value(child, depth + 1)?;
                }
                None => self.skip_value()?,
            }
            self.whitespace();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, node: usize, depth: usize) -> Option<()> {
        self.at += 1; // `[`
        self.whitespace();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        let mut index = 0usize;
        loop {
            self.whitespace();
            let child = self.trie.nodes[node]
                .children
                .get(index.to_string().as_str())
                .copied();
            match child {
                Some(child) => {
                    self.trie.nodes[child].offset.get_or_insert(self.at);
                    self.value(child, depth + 1)?;
                }
                None => self.skip_value()?,
            }
            index += 1;
            self.whitespace();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'{' | b'[' => self.skip_container(),
            b'"' => self.skip_string(),
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                // A number or a literal: ends at the next delimiter or whitespace.
                let len = self.bytes[self.at..]
                    .iter()
                    .position(
                        |b| !matches!(b, b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'E'),
                    )
                    .unwrap_or(self.bytes.len() - self.at);
                self.at += len;
                Some(())
            }
            _ => None,
        }
    }

    /// Skips the string whose opening quote is at `self.at`.
    fn skip_string(&mut self) -> Option<()> {
        let mut at = self.at + 1;
        loop {
            at += memchr::memchr2(b'"', b'\\', self.bytes.get(at..)?)?;
            if self.bytes[at] == b'\\' {
                at += 2; // the escaped byte is never a quote that ends the string
            } else {
                self.at = at + 1;
                return Some(());
            }
        }
    }

    /// Skips the object or array whose opening bracket is at `self.at`.
    fn skip_container(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            let step = self.bytes[self.at..]
                .iter()
                .position(|b| matches!(b, b'"' | b'{' | b'[' | b'}' | b']'))?;
            self.at += step;
            match self.bytes[self.at] {
                b'"' => {
                    self.skip_string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                _ => depth -= 1,
            }
            self.at += 1;
            if depth == 0 {
                return Some(());
            }
        }
    }
}
