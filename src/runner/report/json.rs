//! `--json FILE`: the [`Report`] as pretty JSON, the document `stipula report merge` reads.
//!
//! The file is created when the run starts, so a path that cannot be written fails the run
//! before the first request rather than after the last; the report is written at `Finished`.

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
    pub fn new(path: impl Into<PathBuf>) -> JsonReporter {
        JsonReporter {
            path: path.into(),
            file: None,
        }
    }
}

impl Reporter for JsonReporter {
    fn event(&mut self, event: &Event) -> std::io::Result<()> {
        match event {
            Event::Started { .. } => {
                self.file = Some(File::create(&self.path).map_err(|e| with_path(&self.path, e))?);
            }
            Event::Finished { report } => {
                let file = match self.file.take() {
                    Some(f) => f,
                    None => File::create(&self.path).map_err(|e| with_path(&self.path, e))?,
                };
                write_report(report, file).map_err(|e| with_path(&self.path, e))?;
            }
            _ => {}
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
