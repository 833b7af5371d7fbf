//! `--json FILE`: the [`Report`] as pretty JSON, the document `stipula report merge` reads.
//!
//! The file is created with the reporter ([`JsonReporter::create`]), so a path that cannot be
//! written fails the run before the first request rather than after the last; the report is
//! written at `Finished`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{Reporter, with_path};
use crate::runner::event::{Event, Report};

pub struct JsonReporter {
    path: PathBuf,
    file: Option<File>,
}

impl JsonReporter {
    /// Creates (truncates) the file now, so that a path that cannot be written fails before
    /// the run rather than after it; the report is written at `Finished`.
    pub fn create(path: impl Into<PathBuf>) -> std::io::Result<JsonReporter> {
        let path = path.into();
        let file = File::create(&path).map_err(|e| with_path(&path, e))?;
        Ok(JsonReporter {
            path,
            file: Some(file),
        })
    }
}

impl Reporter for JsonReporter {
    fn event(&mut self, event: &Event) -> std::io::Result<()> {
        if let Event::Finished { report } = event {
            let file = match self.file.take() {
                Some(f) => f,
                // A second `Finished` (a reused reporter) rewrites the file.
                None => File::create(&self.path).map_err(|e| with_path(&self.path, e))?,
            };
            write_report(report, file).map_err(|e| with_path(&self.path, e))?;
        }
        Ok(())
    }
}

/// Writes `report` as pretty JSON to `path` (what `stipula report merge --json` uses).
pub fn write_json(report: &Report, path: &Path) -> std::io::Result<()> {
    let file = File::create(path).map_err(|e| with_path(path, e))?;
    write_report(report, file).map_err(|e| with_path(path, e))
}

fn write_report(report: &Report, file: File) -> std::io::Result<()> {
    let mut out = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}
