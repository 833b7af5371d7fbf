//! `$ref` resolution across the files of one spec.
//!
//! A [`SourceSet`] starts with the root document and loads every other file the first time a
//! `$ref` reaches it, so a multi-file spec (DigitalOcean's ~2,900 files) is read once per file.
//! A reference resolves to a [`Location`]: a file and a JSON pointer into it. Nothing is inlined
//! here: recursive structures stay graphs, and each consumer decides how to walk them
//! (`follow` for non-schema objects, the normalizer for schemas), so a cycle can never make the
//! loader recurse without end.
//!
//! Policy: a reference may not leave the root document's folder, nor name a remote (http) URL,
//! unless [`RefPolicy`] allows it; either is refused with the reference's location.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::diagnostic::{Diagnostic, DiagnosticKind};
use super::pointer;
use super::source::{FileId, SourceFile, limits};

/// What references may reach beyond the root document's folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefPolicy {
    /// Follow `http://` and `https://` references (fetched once each, 30 s timeout).
    pub allow_remote: bool,
    /// Follow relative-file references that leave the root document's folder.
    pub allow_outside_root: bool,
}

/// A node in one of the spec's files.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: FileId,
    /// JSON pointer into that file (`""` is the whole file).
    pub pointer: String,
}

impl Location {
    pub fn new(file: FileId, pointer: impl Into<String>) -> Self {
        Location {
            file,
            pointer: pointer.into(),
        }
    }

    /// The location of a child node.
    pub fn child(&self, token: &str) -> Location {
        Location {
            file: self.file,
            pointer: pointer::push(&self.pointer, token),
        }
    }
}

/// The files of one spec, loaded on demand.
#[derive(Debug)]
pub struct SourceSet {
    files: Vec<SourceFile>,
    by_key: HashMap<String, FileId>,
    /// The root document's folder, canonical (what references are checked against).
    root_dir: PathBuf,
    /// The same folder as the root document's path names it (for messages and the lexical
    /// check of references to files that do not exist).
    named_root_dir: PathBuf,
    policy: RefPolicy,
}

impl SourceSet {
    /// Starts a set with its root document.
    pub fn new(root: SourceFile, policy: RefPolicy) -> Self {
        let root_dir = root
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        // The folder as the file system sees it (a spec loaded from a string names a made-up
        // path under the working directory, which may itself sit behind a symbolic link).
        let named_root_dir = root_dir.clone();
        let root_dir = root_dir.canonicalize().unwrap_or(root_dir);
        let mut by_key = HashMap::new();
        by_key.insert(root.path.to_string_lossy().into_owned(), FileId(0));
        SourceSet {
            files: vec![root],
            by_key,
            root_dir,
            named_root_dir,
            policy,
        }
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn root(&self) -> &Value {
        &self.files[0].value
    }

    /// The node at a location (None when the pointer leads nowhere).
    pub fn get(&self, at: &Location) -> Option<&Value> {
        pointer::get(&self.file(at.file).value, &at.pointer)
    }

    /// A diagnostic about a location (position filled in later, in one pass per file).
    pub fn error(&self, at: &Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(
            self.file(at.file).display.clone(),
            at.pointer.clone(),
            message,
        )
    }

    pub fn warning(&self, at: &Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(
            self.file(at.file).display.clone(),
            at.pointer.clone(),
            message,
        )
    }

    /// Fills in line and column for every diagnostic (and its related place), reading each file
    /// at most once.
    pub fn locate(&self, diagnostics: &mut [Diagnostic]) {
        // (diagnostic index, whether it is the related place) per file.
        let mut by_file: HashMap<&str, Vec<(usize, bool)>> = HashMap::new();
        for (i, d) in diagnostics.iter().enumerate() {
            if d.position.is_none() {
                by_file.entry(d.file.as_str()).or_default().push((i, false));
            }
            if let Some(r) = d.related.as_ref().filter(|r| r.position.is_none()) {
                by_file.entry(r.file.as_str()).or_default().push((i, true));
            }
        }
        let mut found = Vec::new();
        for file in &self.files {
            let Some(wanted) = by_file.get(file.display.as_str()) else {
                continue;
            };
            let pointers: Vec<&str> = wanted
                .iter()
                .map(|&(i, related)| match (related, &diagnostics[i].related) {
                    (true, Some(r)) => r.pointer.as_str(),
                    _ => diagnostics[i].pointer.as_str(),
                })
                .collect();
            found.extend(wanted.iter().copied().zip(file.positions(&pointers)));
        }
        for ((i, related), p) in found {
            match (related, diagnostics[i].related.as_mut()) {
                (true, Some(r)) => r.position = Some(p),
                _ => diagnostics[i].position = Some(p),
            }
        }
    }

    /// Resolves the `$ref` string found at `from` (the location of the object holding it).
    pub fn resolve(&mut self, from: &Location, reference: &str) -> Result<Location, Diagnostic> {
        let at = from.child("$ref");
        let (target, fragment) = match reference.split_once('#') {
            Some((t, f)) => (t, f),
            None => (reference, ""),
        };
        let fragment = percent_decode_str(fragment)
            .decode_utf8()
            .map_err(|_| {
                self.error(
                    &at,
                    format!("`{reference}`: the fragment is not valid UTF-8"),
                )
                .with_kind(DiagnosticKind::RefUnsupported)
            })?
            .into_owned();
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Err(self.error(
                &at,
                format!(
                    "`{reference}`: only JSON-pointer fragments (`#/...`) are supported, not anchors"
                ),
            ).with_kind(DiagnosticKind::RefUnsupported));
        }
        let file = if target.is_empty() {
            from.file
        } else {
            self.load_referenced(from, &at, reference, target)?
        };
        let location = Location::new(file, fragment);
        if self.get(&location).is_none() {
            return Err(self
                .error(
                    &at,
                    format!(
                        "`{reference}` points at nothing: {} has no node at #{}",
                        self.file(file).display,
                        location.pointer
                    ),
                )
                .with_kind(DiagnosticKind::RefUnresolved));
        }
        Ok(location)
    }

    /// Follows a chain of `$ref`s from `at` to the first node that is not a reference.
    pub fn follow(&mut self, at: &Location) -> Result<Location, Diagnostic> {
        let mut current = at.clone();
        let mut seen = vec![current.clone()];
        loop {
            let reference = match self.get(&current) {
                Some(Value::Object(o)) => match o.get("$ref") {
                    Some(Value::String(r)) => r.clone(),
                    Some(_) => {
                        return Err(self
                            .error(&current.child("$ref"), "`$ref` must be a string")
                            .with_kind(DiagnosticKind::RefUnresolved));
                    }
                    None => return Ok(current),
                },
                Some(_) => return Ok(current),
                None => {
                    return Err(self
                        .error(&current, "nothing here")
                        .with_kind(DiagnosticKind::RefUnresolved));
                }
            };
            let next = self.resolve(&current, &reference)?;
            if seen.contains(&next) {
                let chain: Vec<String> = seen
                    .iter()
                    .chain(std::iter::once(&next))
                    .map(|l| self.describe(l))
                    .collect();
                return Err(self
                    .error(
                        at,
                        format!("`$ref` cycle with no content: {}", chain.join(" → ")),
                    )
                    .with_kind(DiagnosticKind::RefCycle));
            }
            seen.push(next.clone());
            current = next;
        }
    }

    /// `file#/pointer`, for messages.
    pub fn describe(&self, at: &Location) -> String {
        format!("{}#{}", self.file(at.file).display, at.pointer)
    }

    fn load_referenced(
        &mut self,
        from: &Location,
        at: &Location,
        reference: &str,
        target: &str,
    ) -> Result<FileId, Diagnostic> {
        let lower = target.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            if !self.policy.allow_remote {
                return Err(self.error(
                    at,
                    format!("`{reference}` is a remote reference; remote references are refused unless allowed (--allow-remote-refs)"),
                ).with_kind(DiagnosticKind::RefRemote));
            }
            if let Some(&id) = self.by_key.get(target) {
                return Ok(id);
            }
            let text = super::remote::fetch(target).map_err(|e| {
                self.error(at, format!("`{reference}`: {e}"))
                    .with_kind(DiagnosticKind::RefUnresolved)
            })?;
            return self.add(
                target.to_string(),
                target.to_string(),
                PathBuf::from(target),
                text,
                at,
            );
        }
        if lower.contains("://") || lower.starts_with("urn:") {
            return Err(self
                .error(at, format!("`{reference}`: unsupported reference scheme"))
                .with_kind(DiagnosticKind::RefUnsupported));
        }
        let relative = percent_decode_str(target).decode_utf8_lossy().into_owned();
        let from_file = self.file(from.file);
        if from_file.path.to_string_lossy().contains("://") {
            return Err(self.error(
                at,
                format!(
                    "`{reference}`: relative references inside a remote document are not followed"
                ),
            ).with_kind(DiagnosticKind::RefUnsupported));
        }
        let base = from_file.path.parent().unwrap_or(Path::new(""));
        let joined = lexical_normalize(&base.join(&relative));
        if !self.policy.allow_outside_root
            && !joined.starts_with(&self.named_root_dir)
            && !joined.starts_with(&self.root_dir)
        {
            return Err(self.error(
                at,
                format!(
                    "`{reference}` leaves the spec's folder ({}); such references are refused unless allowed (--allow-outside-refs)",
                    self.root_dir.display()
                ),
            ).with_kind(DiagnosticKind::RefOutsideRoot));
        }
        // The lexical check above is not enough: a symbolic link inside the folder
        // (`etc -> /etc`) leads out of it. Files are named by their canonical path, which is
        // checked again.
        let canonical = joined.canonicalize().map_err(|e| {
            self.error(
                at,
                format!("`{reference}`: cannot read {}: {e}", joined.display()),
            )
            .with_kind(DiagnosticKind::RefUnresolved)
        })?;
        if !self.policy.allow_outside_root && !canonical.starts_with(&self.root_dir) {
            return Err(self.error(
                at,
                format!(
                    "`{reference}` leaves the spec's folder ({}) through a symbolic link (it is {}); such references are refused unless allowed (--allow-outside-refs)",
                    self.root_dir.display(),
                    canonical.display()
                ),
            ).with_kind(DiagnosticKind::RefOutsideRoot));
        }
        let key = canonical.to_string_lossy().into_owned();
        if let Some(&id) = self.by_key.get(&key) {
            return Ok(id);
        }
        let display = display_path(&self.file(FileId(0)).display, &self.named_root_dir, &joined);
        let text = super::source::read_text(&canonical).map_err(|e| {
            let kind = if e.starts_with("larger than") {
                DiagnosticKind::RefLimit
            } else {
                DiagnosticKind::RefUnresolved
            };
            self.error(at, format!("`{reference}`: {}: {e}", joined.display()))
                .with_kind(kind)
        })?;
        self.add(key, display, canonical, text, at)
    }

    fn add(
        &mut self,
        key: String,
        display: String,
        path: PathBuf,
        text: String,
        at: &Location,
    ) -> Result<FileId, Diagnostic> {
        if self.files.len() >= limits::MAX_FILES {
            return Err(self
                .error(
                    at,
                    format!("more than {} files referenced", limits::MAX_FILES),
                )
                .with_kind(DiagnosticKind::RefLimit));
        }
        let file = SourceFile::parse(display, path, text)?;
        let id = FileId(self.files.len() as u32);
        self.files.push(file);
        self.by_key.insert(key, id);
        Ok(id)
    }
}

/// Removes `.` and `..` without touching the file system, so that a reference to a file that
/// does not exist still gets a message naming the path it meant.
pub fn lexical_normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// How to name a referenced file in messages: relative to the root document's folder, prefixed
/// by that folder as the user named it.
fn display_path(root_display: &str, root_dir: &Path, file: &Path) -> String {
    let user_dir = Path::new(root_display).parent().unwrap_or(Path::new(""));
    match file.strip_prefix(root_dir) {
        Ok(rel) => user_dir.join(rel).to_string_lossy().into_owned(),
        Err(_) => file.to_string_lossy().into_owned(),
    }
}
