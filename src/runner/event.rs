//! What a conformance run produces, as data: the events the runner emits while it works and the
//! [`Report`] they add up to.
//!
//! The runner knows nothing about terminals, JUnit or JSON; every output format is an
//! independent consumer of the same [`Event`] stream (the nextest habit). A [`Report`] is also
//! what `--json` writes and what `stipula report merge` reads back, so shards of one run merge
//! by adding their tallies and concatenating their findings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The phases of a run, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Every documented request example and parameter example.
    Examples,
    /// Edges of every constraint: lengths, ranges, item counts, enums, formats.
    Boundary,
    /// Random valid requests, and invalid ones that each break one rule.
    Fuzz,
    /// Sequences: create then read, delete then read.
    Stateful,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::Examples,
        Phase::Boundary,
        Phase::Fuzz,
        Phase::Stateful,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Phase::Examples => "examples",
            Phase::Boundary => "boundary",
            Phase::Fuzz => "fuzz",
            Phase::Stateful => "stateful",
        }
    }

    pub fn from_id(id: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.id() == id)
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The checks a run applies; each has a stable id that `--checks` and reports use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    ServerError,
    StatusDocumented,
    ContentTypeDocumented,
    BodySchema,
    ResponseHeaders,
    ValidRequestAccepted,
    InvalidRequestRejected,
    AuthEnforced,
    MissingHeaderRejected,
    MethodNotAllowed,
    CreatedReadable,
    RemovedGone,
    ResponseTime,
}

impl Check {
    pub const ALL: [Check; 13] = [
        Check::ServerError,
        Check::StatusDocumented,
        Check::ContentTypeDocumented,
        Check::BodySchema,
        Check::ResponseHeaders,
        Check::ValidRequestAccepted,
        Check::InvalidRequestRejected,
        Check::AuthEnforced,
        Check::MissingHeaderRejected,
        Check::MethodNotAllowed,
        Check::CreatedReadable,
        Check::RemovedGone,
        Check::ResponseTime,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Check::ServerError => "server-error",
            Check::StatusDocumented => "status-documented",
            Check::ContentTypeDocumented => "content-type-documented",
            Check::BodySchema => "body-schema",
            Check::ResponseHeaders => "response-headers",
            Check::ValidRequestAccepted => "valid-request-accepted",
            Check::InvalidRequestRejected => "invalid-request-rejected",
            Check::AuthEnforced => "auth-enforced",
            Check::MissingHeaderRejected => "missing-header-rejected",
            Check::MethodNotAllowed => "method-not-allowed",
            Check::CreatedReadable => "created-readable",
            Check::RemovedGone => "removed-gone",
            Check::ResponseTime => "response-time",
        }
    }

    /// One line for `--help` and reports.
    pub fn description(self) -> &'static str {
        match self {
            Check::ServerError => "no response is a 5xx",
            Check::StatusDocumented => "every status code is documented for its operation",
            Check::ContentTypeDocumented => {
                "the Content-Type is well formed and documented for that status"
            }
            Check::BodySchema => {
                "the body validates against the schema for that status and media type"
            }
            Check::ResponseHeaders => "documented required response headers are present and valid",
            Check::ValidRequestAccepted => {
                "a request the spec allows is not refused (warnings only: specs cannot express every rule)"
            }
            Check::InvalidRequestRejected => "a request that breaks the spec gets a 4xx",
            Check::AuthEnforced => {
                "a secured operation refuses a request without credentials or with a wrong one (401/403)"
            }
            Check::MissingHeaderRejected => "a request without a required header gets a 4xx",
            Check::MethodNotAllowed => "an undocumented method on a documented path gets 405",
            Check::CreatedReadable => "an item is readable right after the request that created it",
            Check::RemovedGone => "an item removed by a DELETE documented as removal is gone",
            Check::ResponseTime => "every response arrives within --max-response-time",
        }
    }

    pub fn from_id(id: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.id() == id)
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// A failure is a contract violation; a warning is something the spec cannot decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Failure,
    Warning,
}

/// A request as sent, enough to replay it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8 for binary bodies), if any.
    pub body: Option<String>,
    /// A shell command that sends the same request.
    pub curl: String,
}

/// A response as received (body truncated to [`ResponseRecord::BODY_LIMIT`] bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Milliseconds from sending the request to having read the whole body.
    pub elapsed_ms: f64,
}

impl ResponseRecord {
    pub const BODY_LIMIT: usize = 16 * 1024;
}

/// One rule of the spec a response (or a sequence) breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    /// JSON pointer into the response body (or `header:Name`), `""` for the whole value.
    pub instance_path: String,
    /// The JSON Schema keyword, or a short rule name (`status`, `content-type`...).
    pub keyword: String,
    /// Where the rule is written in the spec (`file#/pointer`), when known.
    pub schema_location: String,
    pub message: String,
}

/// One failure or warning, with its reproduction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The operation's label (operationId, else `METHOD /path`).
    pub operation: String,
    pub method: String,
    pub path: String,
    pub check: Check,
    pub severity: Severity,
    pub phase: Phase,
    /// One line saying what is wrong.
    pub message: String,
    pub violations: Vec<ViolationRecord>,
    /// Requests sent before `request` that set up the state it needs (stateful phase).
    pub steps: Vec<RequestRecord>,
    pub request: RequestRecord,
    pub response: Option<ResponseRecord>,
    /// Whether the request was shrunk to a minimal one that still fails.
    pub shrunk: bool,
    /// How many cases ran into the same problem (same operation, check and message).
    pub occurrences: u64,
}

/// Counts for one (operation, check).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckTally {
    pub passed: u64,
    pub failed: u64,
    pub warned: u64,
}

impl CheckTally {
    pub fn add(&mut self, other: CheckTally) {
        // Saturating: counts read from a report file may be anything.
        self.passed = self.passed.saturating_add(other.passed);
        self.failed = self.failed.saturating_add(other.failed);
        self.warned = self.warned.saturating_add(other.warned);
    }
}

/// What the run is about, known before the first request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub spec: String,
    pub base_url: String,
    pub seed: u64,
    /// `(k, n)`: this run is shard k of n (1-based).
    pub shard: Option<(u32, u32)>,
    /// Labels of the operations this run (or shard) tests.
    pub operations: Vec<String>,
    pub checks: Vec<Check>,
    pub phases: Vec<Phase>,
}

/// What reporters receive, in order: `Started`, then any mix of `Case` and `Found`, then
/// `Finished`. Events come from one thread at a time.
#[derive(Debug, Clone)]
pub enum Event {
    /// `units` is the number of (operation, phase) units that will report `UnitDone`.
    Started {
        info: RunInfo,
        units: usize,
    },
    /// One request was sent and checked.
    Case {
        operation: String,
        phase: Phase,
        outcomes: Vec<(Check, Outcome)>,
    },
    /// A failure or warning (already deduplicated and shrunk).
    Found(Box<Finding>),
    /// One (operation, phase) unit finished.
    UnitDone {
        operation: String,
        phase: Phase,
    },
    /// A non-fatal problem with the run itself (an operation skipped: no value could be
    /// generated for a required parameter, say).
    Notice {
        operation: String,
        message: String,
    },
    Finished {
        report: Box<Report>,
    },
}

/// The result of one check on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Passed,
    Failed,
    Warned,
}

/// The whole result of a run: what `--json` writes and `stipula report merge` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Format version of this document.
    pub format: u32,
    /// One per merged shard (one for a plain run).
    pub runs: Vec<RunInfo>,
    /// operation label → check id → counts.
    pub tally: BTreeMap<String, BTreeMap<Check, CheckTally>>,
    /// Requests sent, by phase.
    pub cases_by_phase: BTreeMap<Phase, u64>,
    pub findings: Vec<Finding>,
    pub notices: Vec<String>,
    pub elapsed_seconds: f64,
}

impl Report {
    pub const FORMAT: u32 = 1;

    pub fn new(info: RunInfo) -> Report {
        Report {
            format: Report::FORMAT,
            runs: vec![info],
            tally: BTreeMap::new(),
            cases_by_phase: BTreeMap::new(),
            findings: Vec::new(),
            notices: Vec::new(),
            elapsed_seconds: 0.0,
        }
    }

    /// Folds one event into the report (`Started` and `Finished` are no-ops).
    pub fn record(&mut self, event: &Event) {
        match event {
            Event::Case {
                operation,
                phase,
                outcomes,
            } => {
                *self.cases_by_phase.entry(*phase).or_default() += 1;
                if !self.tally.contains_key(operation) {
                    self.tally.insert(operation.clone(), BTreeMap::new());
                }
                let Some(checks) = self.tally.get_mut(operation) else {
                    return;
                };
                for (check, outcome) in outcomes {
                    let t = checks.entry(*check).or_default();
                    match outcome {
                        Outcome::Passed => t.passed += 1,
                        Outcome::Failed => t.failed += 1,
                        Outcome::Warned => t.warned += 1,
                    }
                }
            }
            Event::Found(f) => self.findings.push((**f).clone()),
            Event::Notice { operation, message } => {
                self.notices.push(format!("{operation}: {message}"));
            }
            Event::Started { .. } | Event::UnitDone { .. } | Event::Finished { .. } => {}
        }
    }

    pub fn failures(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Failure)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }

    /// Total requests sent.
    pub fn cases(&self) -> u64 {
        self.cases_by_phase.values().sum()
    }

    /// Adds another report (another shard of the same run) into this one.
    pub fn merge(&mut self, other: Report) {
        self.runs.extend(other.runs);
        for (op, checks) in other.tally {
            let mine = self.tally.entry(op).or_default();
            for (check, t) in checks {
                mine.entry(check).or_default().add(t);
            }
        }
        for (phase, n) in other.cases_by_phase {
            let count = self.cases_by_phase.entry(phase).or_default();
            *count = count.saturating_add(n);
        }
        self.findings.extend(other.findings);
        self.notices.extend(other.notices);
        self.elapsed_seconds = self.elapsed_seconds.max(other.elapsed_seconds);
    }
}
