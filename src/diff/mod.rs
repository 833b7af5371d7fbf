//! `stipula diff`: every change between two versions of an API, classified for its clients.
//!
//! Compares the *model*, never the files: both versions are loaded with `Spec::load`, so any mix
//! of Swagger 2.0, OpenAPI 3.0 and 3.1, in one file or many, compares the same way, and a
//! `$ref` moved to another file is no change at all. The work is split by concern:
//! `operations` matches operations between versions (by method and path *shape*, so a renamed
//! path parameter is a rename, not a removal and an addition) and compares their parameters,
//! bodies, responses and security; `schema` compares two normalized schemas structurally,
//! knowing which way the value travels (narrowing breaks requests, widening breaks responses);
//! `rules` is the table of change kinds and their levels; `policy` is the deprecation policy
//! (sunset dates, stability levels); `render` turns changes into human, Markdown, JSON,
//! changelog, GitHub annotations or JUnit. A comparison yields [`Change`]s: results, not errors.
//!
//! Locations: each change points into both versions (file, line, column, JSON pointer) where
//! it can; positions are found in one pass per file for all changes (`Spec::places`).

pub mod baseline;
mod operations;
mod pattern;
mod policy;
mod render;
mod rules;
mod schema;

pub use policy::{Options, parse_date};
pub use render::{Format, json_report, render, render_failing_on};
pub use rules::{Level, Rule};

use crate::spec::{Location, Place, Spec};

/// One difference between the old and the new version.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub rule: Rule,
    /// `GET /pets/{id}` (the new version's path), or `None` for document-wide changes.
    pub operation: Option<String>,
    pub message: String,
    /// Where the change is in the old version (for an addition: the place that gained it).
    pub old: Option<Place>,
    /// Where the change is in the new version (for a removal: the place that lost it).
    pub new: Option<Place>,
    /// The `--baseline` file accepts this change: it is reported but does not fail the run
    /// (`baseline::apply`).
    pub baselined: bool,
}

impl Change {
    pub fn level(&self) -> Level {
        self.rule.level()
    }
}

/// Every change from `old` to `new`, in a stable order: document-wide changes first, then
/// operations in the old version's order, then operations only the new version has.
pub fn diff(old: &Spec, new: &Spec) -> Vec<Change> {
    diff_with(old, new, &Options::default())
}

/// [`diff`] with the deprecation policy's options (today's date, days of notice).
pub fn diff_with(old: &Spec, new: &Spec, options: &Options) -> Vec<Change> {
    let mut found = Vec::new();
    operations::compare(old, new, options, &mut found);
    let old_places = old.places(
        &found
            .iter()
            .filter_map(|f| f.old.clone())
            .collect::<Vec<_>>(),
    );
    let new_places = new.places(
        &found
            .iter()
            .filter_map(|f| f.new.clone())
            .collect::<Vec<_>>(),
    );
    let (mut old_places, mut new_places) = (old_places.into_iter(), new_places.into_iter());
    found
        .into_iter()
        .map(|f| Change {
            rule: f.rule,
            operation: f.operation,
            message: f.message,
            old: f.old.and_then(|_| old_places.next()),
            new: f.new.and_then(|_| new_places.next()),
            baselined: false,
        })
        .collect()
}

/// How many changes there are at each level: (breaking, potentially breaking, safe).
pub fn counts(changes: &[Change]) -> [(Level, usize); 3] {
    Level::ALL.map(|level| (level, changes.iter().filter(|c| c.level() == level).count()))
}

/// The most severe level among the changes.
pub fn worst(changes: &[Change]) -> Option<Level> {
    changes.iter().map(Change::level).max()
}

/// A change before its locations are turned into lines and columns.
struct Found {
    rule: Rule,
    operation: Option<String>,
    message: String,
    old: Option<Location>,
    new: Option<Location>,
}

/// The location itself, or its nearest ancestor that exists in the file (a normalized schema
/// may have nodes the user never wrote, such as the branches of a `nullable` wrapper).
fn existing(spec: &Spec, at: &Location) -> Location {
    let mut pointer = at.pointer.as_str();
    while !pointer.is_empty() && spec.raw(&Location::new(at.file, pointer)).is_none() {
        pointer = pointer.rfind('/').map_or("", |i| &pointer[..i]);
    }
    Location::new(at.file, pointer)
}
