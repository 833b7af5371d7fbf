//! `--json FILE`: the [`Report`] as pretty JSON, the document `stipula report merge` reads.
//!
//! The file is created with the reporter ([`JsonReporter::create`]), so a path that cannot be
//! written fails the run before the first request rather than after the last; the report is
//! written at `Finished`.
//!
//! Beside the `Report`'s own fields the file has `coverage_summary`: the percentages of
//! `docs/coverage.md`, overall and by kind, for the run and per operation. It is derived from
//! `coverage` (and ignored when the file is read back), so a dashboard need not recompute it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{Reporter, with_path};
use serde_json::{Map, Value, json};

use crate::runner::event::{CoverageKind, CoverageSummary, Event, Ratio, Report};

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
    let mut value = serde_json::to_value(report)?;
    if let Some(map) = value.as_object_mut()
        && !report.coverage.is_empty()
    {
        map.insert("coverage_summary".into(), coverage_summary(report));
    }
    serde_json::to_writer_pretty(&mut out, &value)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// `{"overall": {...}, "status": {...}, ..., "operations": {"op": {...}}}`, each ratio as
/// `{"covered", "documented", "percent"}`.
fn coverage_summary(report: &Report) -> Value {
    fn ratios(s: &CoverageSummary) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("overall".into(), ratio(s.overall()));
        for kind in CoverageKind::ALL {
            m.insert(kind.id().into(), ratio(s.get(kind)));
        }
        m
    }
    fn ratio(r: Ratio) -> Value {
        json!({"covered": r.covered, "documented": r.documented, "percent": r.percent()})
    }
    let mut top = ratios(&report.coverage_summary());
    let operations: Map<String, Value> = report
        .coverage
        .iter()
        .map(|(op, c)| (op.clone(), Value::Object(ratios(&c.summary()))))
        .collect();
    top.insert("operations".into(), Value::Object(operations));
    Value::Object(top)
}
