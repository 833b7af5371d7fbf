//! The consumers of a run's [`Event`]s: the terminal display, JUnit XML and JSON.
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

pub mod human;
pub mod json;
pub mod junit;
pub mod merge;

use std::path::PathBuf;

use crate::runner::event::Event;

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
    let mut reporters = Reporters::new();
    reporters.push(HumanReporter::stderr(false));
    if let Some(path) = junit {
        reporters.push(JunitReporter::create(path)?);
    }
    if let Some(path) = json {
        reporters.push(JsonReporter::create(path)?);
    }
    Ok(reporters)
}

/// Adds a file name to an I/O error, so that "No such file or directory" says which file.
pub(crate) fn with_path(path: &std::path::Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
