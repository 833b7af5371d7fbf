//! The consumers of a run's [`Event`]s: the terminal display, JUnit XML, JSON, HTML and the
//! baseline file `--write-baseline` writes.
//!
//! The runner emits events and never formats output; each format is an independent
//! [`Reporter`] (nextest's shape), and [`Reporters`] fans one event out to all of them so the
//! runner calls one thing. Every end-of-run output is rendered from the [`Report`] carried by
//! `Finished`, never from a reporter's own counters, so the terminal summary, the JUnit file and
//! the JSON file cannot disagree (a Schemathesis complaint: a failure in the progress line
//! missing from the summary). `stipula report merge` renders a merged [`Report`] with the same
//! functions.
//!
//! [`Report`]: crate::runner::event::Report

pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod merge;

use std::path::PathBuf;

use crate::runner::event::Event;

pub use html::HtmlReporter;
pub use human::{HumanOptions, HumanReporter};
pub use json::JsonReporter;
pub use junit::JunitReporter;
pub use merge::merge_reports;

/// Something that consumes a run's events. Events arrive in order from one thread:
/// `Started`, any mix of `Case`/`Found`/`UnitDone`/`Notice`, then `Finished`.
pub trait Reporter: Send {
    /// An `Err` is the reporter's own failure (a file that cannot be written), never a finding.
    fn event(&mut self, event: &Event) -> std::io::Result<()>;
}

/// Every reporter of a run, called in the order they were added.
#[derive(Default)]
pub struct Reporters {
    reporters: Vec<Box<dyn Reporter>>,
}

impl Reporters {
    pub fn new() -> Reporters {
        Reporters::default()
    }

    pub fn push(&mut self, reporter: impl Reporter + 'static) -> &mut Reporters {
        self.reporters.push(Box::new(reporter));
        self
    }

    pub fn len(&self) -> usize {
        self.reporters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reporters.is_empty()
    }

    /// Gives the event to every reporter even when one fails (a JSON file that cannot be
    /// written must not hide the terminal summary), then returns the first error.
    pub fn event(&mut self, event: &Event) -> std::io::Result<()> {
        let mut first_error = None;
        for reporter in &mut self.reporters {
            if let Err(e) = reporter.event(event) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl Reporter for Reporters {
    fn event(&mut self, event: &Event) -> std::io::Result<()> {
        Reporters::event(self, event)
    }
}

/// The reporters of `stipula test`: the display on stderr, then `--junit` and `--json` when
/// given. The files are created here, so a path that cannot be written is an error (exit 2)
/// before the first request.
pub fn for_test_run(junit: Option<PathBuf>, json: Option<PathBuf>) -> std::io::Result<Reporters> {
    for_outputs(Outputs {
        junit,
        json,
        ..Outputs::default()
    })
}

/// The files `stipula test` writes besides the display.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub html: Option<PathBuf>,
    /// `--write-baseline`: the run's failures as a baseline file.
    pub baseline: Option<PathBuf>,
}

/// The display on stderr, then one reporter per file in `outputs`, each file created now.
pub fn for_outputs(outputs: Outputs) -> std::io::Result<Reporters> {
    let mut reporters = Reporters::new();
    reporters.push(HumanReporter::stderr(false));
    if let Some(path) = outputs.junit {
        reporters.push(JunitReporter::create(path)?);
    }
    if let Some(path) = outputs.json {
        reporters.push(JsonReporter::create(path)?);
    }
    if let Some(path) = outputs.html {
        reporters.push(HtmlReporter::create(path)?);
    }
    if let Some(path) = outputs.baseline {
        reporters.push(BaselineReporter::create(path)?);
    }
    Ok(reporters)
}

/// `--write-baseline FILE`: the failures of the `Report` in `Finished` as a baseline
/// (`runner::baseline`), keeping the entries of other tools the file holds.
pub struct BaselineReporter {
    path: PathBuf,
    kept: Vec<crate::baseline::Accepted>,
}

impl BaselineReporter {
    /// Reads what to keep and checks the file can be written now, before the run (an existing
    /// file that is not a baseline is an error, and is left as it is).
    pub fn create(path: PathBuf) -> std::io::Result<BaselineReporter> {
        let kept = crate::baseline::Baseline::kept_from(&path, crate::baseline::TEST)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| with_path(&path, e))?;
        Ok(BaselineReporter { path, kept })
    }
}

impl Reporter for BaselineReporter {
    fn event(&mut self, event: &Event) -> std::io::Result<()> {
        if let Event::Finished { report } = event {
            // Read again: `lint` or `diff` may have written their entries during a long run.
            // Should the file have become something else meanwhile, keep what was there at
            // the start.
            let kept = crate::baseline::Baseline::kept_from(&self.path, crate::baseline::TEST)
                .unwrap_or_else(|_| std::mem::take(&mut self.kept));
            crate::runner::baseline::from_report(report)
                .with_kept(kept)
                .write(&self.path)
                .map_err(|e| with_path(&self.path, e))?;
        }
        Ok(())
    }
}

/// Adds a file name to an I/O error, so that "No such file or directory" says which file.
pub(crate) fn with_path(path: &std::path::Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
