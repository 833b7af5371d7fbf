//! `proxy --record DIR`: observed exchanges kept as examples, one JSON file per operation and
//! status (`getPet-200.json`, an array), at most `limit` exchanges each, so a long session
//! cannot fill the disk. A file is rewritten whole each time it grows (it holds at most
//! `limit` small entries); credentials (`Authorization`, cookies) are redacted.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::Value;

use crate::runner::request::{Prepared, Received};

pub struct Recorder {
    dir: PathBuf,
    limit: usize,
    kept: Mutex<HashMap<String, Vec<Value>>>,
}

impl Recorder {
    /// Creates `dir` if needed.
    pub fn new(dir: PathBuf, limit: usize) -> std::io::Result<Recorder> {
        std::fs::create_dir_all(&dir)?;
        Ok(Recorder {
            dir,
            limit,
            kept: Mutex::new(HashMap::new()),
        })
    }

    /// The file name for an operation and status: the label with anything but letters,
    /// digits, `-` and `_` made `_`.
    pub fn file_name(label: &str, status: u16) -> String {
        let clean: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(120)
            .collect();
        format!("{clean}-{status}.json")
    }

    /// Keeps the exchange if its operation and status have fewer than `limit`.
    pub fn observe(
        &self,
        label: &str,
        sent: &Prepared,
        received: &Received,
    ) -> std::io::Result<()> {
        let name = Self::file_name(label, received.status);
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let entries = kept.entry(name.clone()).or_default();
        if entries.len() >= self.limit {
            return Ok(());
        }
        entries.push(super::exchange_json(label, sent, received));
        let text = serde_json::to_vec_pretty(&entries).map_err(std::io::Error::other)?;
        let path = self.dir.join(&name);
        std::fs::write(&path, text)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    }
}
