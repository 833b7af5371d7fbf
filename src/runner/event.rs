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
    /// Exchanges observed by `stipula proxy` (never run by `stipula test`, not in `ALL`).
    Observed,
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
            Phase::Observed => "observed",
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
            Check::ServerError => {
                "no response is a 5xx (a documented 501/503 or a status the request asks for only warns)"
            }
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
            Check::InvalidRequestRejected => {
                "a request that breaks the spec gets a 4xx (what OpenAPI lets a server accept only warns unless --strict)"
            }
            Check::AuthEnforced => {
                "a secured operation refuses a request without credentials or with a wrong one (401/403, or a redirect to a login page)"
            }
            Check::MissingHeaderRejected => "a request without a required header gets a 4xx",
            Check::MethodNotAllowed => "an undocumented method on a documented path gets 405",
            Check::CreatedReadable => "an item is readable right after the request that created it",
            Check::RemovedGone => "an item removed by a DELETE documented as removal is gone",
            Check::ResponseTime => {
                "every response arrives within --max-response-time; none times out (--timeout: a warning unless --strict)"
            }
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
    /// A stable identity of the problem: (operation, check, violation shape), hashed; what a
    /// baseline file lists (`runner::baseline`).
    #[serde(default)]
    pub fingerprint: String,
    /// The baseline given with `--baseline` accepts this finding: it is reported but does not
    /// fail the run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baselined: bool,
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
        /// Operation label → what the spec documents that a run can exercise (every `hits`
        /// zero). `Case` events point into these lists.
        coverage: BTreeMap<String, OperationCoverage>,
    },
    /// One request was sent and checked.
    Case {
        operation: String,
        phase: Phase,
        outcomes: Vec<(Check, Outcome)>,
        /// What the request exercised of its operation's documented surface.
        exercised: Exercised,
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
    /// Operation label → its documented items and how often each was exercised
    /// (`docs/coverage.md`).
    #[serde(default)]
    pub coverage: BTreeMap<String, OperationCoverage>,
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
            coverage: BTreeMap::new(),
        }
    }

    /// Folds one event into the report (`Started` sets up coverage; `Finished` is a no-op).
    pub fn record(&mut self, event: &Event) {
        match event {
            Event::Started { coverage, .. } => {
                for (op, c) in coverage {
                    self.coverage.entry(op.clone()).or_default().add(c.clone());
                }
            }
            Event::Case {
                operation,
                phase,
                outcomes,
                exercised,
            } => {
                *self.cases_by_phase.entry(*phase).or_default() += 1;
                if let Some(c) = self.coverage.get_mut(operation) {
                    c.exercise(exercised);
                }
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
            Event::UnitDone { .. } | Event::Finished { .. } => {}
        }
    }

    /// Failures that fail the run (those a baseline accepts do not).
    pub fn failures(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Failure && !f.baselined)
            .count()
    }

    /// Failures a baseline accepts.
    pub fn baselined(&self) -> usize {
        self.findings.iter().filter(|f| f.baselined).count()
    }

    /// Coverage over every operation (sums of items, not a mean of percentages).
    pub fn coverage_summary(&self) -> CoverageSummary {
        let mut total = CoverageSummary::default();
        for c in self.coverage.values() {
            total.add(&c.summary());
        }
        total
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
        for (op, c) in other.coverage {
            self.coverage.entry(op).or_default().add(c);
        }
    }
}

/// What a coverage item counts; `docs/coverage.md` defines each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageKind {
    /// A documented response status (`200`, `4XX`; `default` is not counted).
    Status,
    /// A parameter, the request body, or a property of the body.
    Parameter,
    /// One value of an `enum` (of a parameter or a body property).
    EnumValue,
    /// One bound (`minimum`, `maxLength`, `maxItems`...) hit exactly.
    Boundary,
    /// A phase that applies to the operation.
    Phase,
}

impl CoverageKind {
    pub const ALL: [CoverageKind; 5] = [
        CoverageKind::Status,
        CoverageKind::Parameter,
        CoverageKind::EnumValue,
        CoverageKind::Boundary,
        CoverageKind::Phase,
    ];

    /// The id `--min-coverage KIND=PERCENT` takes.
    pub fn id(self) -> &'static str {
        match self {
            CoverageKind::Status => "status",
            CoverageKind::Parameter => "parameters",
            CoverageKind::EnumValue => "enums",
            CoverageKind::Boundary => "boundaries",
            CoverageKind::Phase => "phases",
        }
    }

    /// What reports call it.
    pub fn label(self) -> &'static str {
        match self {
            CoverageKind::Status => "status codes",
            CoverageKind::Parameter => "parameters",
            CoverageKind::EnumValue => "enum values",
            CoverageKind::Boundary => "boundaries",
            CoverageKind::Phase => "phases",
        }
    }

    pub fn from_id(id: &str) -> Option<CoverageKind> {
        CoverageKind::ALL.into_iter().find(|k| k.id() == id)
    }
}

/// One documented thing a run can exercise, and how many cases did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageItem {
    pub kind: CoverageKind,
    /// `200`, `query limit`, `body address.city`, `query status=sold`, `query limit maximum=100`,
    /// `fuzz`.
    pub name: String,
    #[serde(default)]
    pub hits: u64,
}

/// One operation's coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationCoverage {
    /// The documented items, in the order the spec writes them.
    pub items: Vec<CoverageItem>,
    /// Every status the operation answered, documented or not, with its count.
    #[serde(default)]
    pub statuses: BTreeMap<u16, u64>,
}

impl OperationCoverage {
    /// Counts one case's `exercised` (indices out of range are ignored).
    pub fn exercise(&mut self, exercised: &Exercised) {
        if let Some(status) = exercised.status {
            *self.statuses.entry(status).or_default() += 1;
        }
        for &i in &exercised.items {
            if let Some(item) = self.items.get_mut(i as usize) {
                item.hits += 1;
            }
        }
    }

    /// Adds another shard's view of the same operation: items matched by (kind, name).
    pub fn add(&mut self, other: OperationCoverage) {
        for item in other.items {
            match self
                .items
                .iter_mut()
                .find(|i| i.kind == item.kind && i.name == item.name)
            {
                Some(mine) => mine.hits += item.hits,
                None => self.items.push(item),
            }
        }
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
    }

    pub fn summary(&self) -> CoverageSummary {
        let mut s = CoverageSummary::default();
        for item in &self.items {
            let r = s.get_mut(item.kind);
            r.documented += 1;
            if item.hits > 0 {
                r.covered += 1;
            }
        }
        s
    }

    /// Documented items no case exercised.
    pub fn missed(&self) -> impl Iterator<Item = &CoverageItem> {
        self.items.iter().filter(|i| i.hits == 0)
    }
}

/// What one case exercised: indices into its operation's `OperationCoverage::items` as sent in
/// `Started`, and the status it got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exercised {
    pub status: Option<u16>,
    pub items: Vec<u32>,
}

/// Covered items out of documented ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub covered: u64,
    pub documented: u64,
}

impl Ratio {
    /// A percentage; nothing documented counts as fully covered (there is nothing to miss).
    pub fn percent(self) -> f64 {
        if self.documented == 0 {
            100.0
        } else {
            self.covered as f64 * 100.0 / self.documented as f64
        }
    }

    pub fn add(&mut self, other: Ratio) {
        self.covered += other.covered;
        self.documented += other.documented;
    }
}

impl std::fmt::Display for Ratio {
    /// `62.5% (5/8)`, or `- (0/0)` when nothing is documented.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.documented == 0 {
            write!(f, "- (0/0)")
        } else {
            write!(
                f,
                "{}% ({}/{})",
                format_percent(self.percent()),
                self.covered,
                self.documented
            )
        }
    }
}

/// A percentage with one decimal, floored so that 99.96% never shows as 100%.
pub fn format_percent(p: f64) -> String {
    let floored = (p * 10.0).floor() / 10.0;
    if floored.fract() == 0.0 {
        format!("{floored:.0}")
    } else {
        format!("{floored:.1}")
    }
}

/// Coverage by kind; `overall` is every kind's items together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageSummary {
    pub status: Ratio,
    pub parameters: Ratio,
    pub enum_values: Ratio,
    pub boundaries: Ratio,
    pub phases: Ratio,
}

impl CoverageSummary {
    pub fn get(&self, kind: CoverageKind) -> Ratio {
        match kind {
            CoverageKind::Status => self.status,
            CoverageKind::Parameter => self.parameters,
            CoverageKind::EnumValue => self.enum_values,
            CoverageKind::Boundary => self.boundaries,
            CoverageKind::Phase => self.phases,
        }
    }

    fn get_mut(&mut self, kind: CoverageKind) -> &mut Ratio {
        match kind {
            CoverageKind::Status => &mut self.status,
            CoverageKind::Parameter => &mut self.parameters,
            CoverageKind::EnumValue => &mut self.enum_values,
            CoverageKind::Boundary => &mut self.boundaries,
            CoverageKind::Phase => &mut self.phases,
        }
    }

    /// All items of all kinds: covered / documented.
    pub fn overall(&self) -> Ratio {
        let mut r = Ratio::default();
        for kind in CoverageKind::ALL {
            r.add(self.get(kind));
        }
        r
    }

    pub fn add(&mut self, other: &CoverageSummary) {
        for kind in CoverageKind::ALL {
            self.get_mut(kind).add(other.get(kind));
        }
    }
}

/// `--min-coverage [KIND=]PERCENT`: a threshold on one kind, or on the overall figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinCoverage {
    /// `None`: the overall figure.
    pub kind: Option<CoverageKind>,
    pub percent: f64,
}

impl MinCoverage {
    /// `80`, `80%`, `status=90`, `overall=75`.
    pub fn parse(text: &str) -> Result<MinCoverage, String> {
        let (kind, number) = match text.split_once('=') {
            Some((k, n)) => {
                let k = k.trim();
                let kind = if k == "overall" {
                    None
                } else {
                    Some(CoverageKind::from_id(k).ok_or_else(|| {
                        format!(
                            "--min-coverage {text}: no coverage `{k}` (overall, {})",
                            CoverageKind::ALL.map(|k| k.id()).join(", ")
                        )
                    })?)
                };
                (kind, n)
            }
            None => (None, text),
        };
        let percent: f64 = number
            .trim()
            .trim_end_matches('%')
            .parse()
            .ok()
            .filter(|p: &f64| (0.0..=100.0).contains(p))
            .ok_or_else(|| format!("--min-coverage {text}: expected a percentage from 0 to 100"))?;
        Ok(MinCoverage { kind, percent })
    }

    /// The line saying this threshold is not met, if it is not.
    pub fn check(&self, summary: &CoverageSummary) -> Option<String> {
        let (name, ratio) = match self.kind {
            Some(kind) => (kind.label(), summary.get(kind)),
            None => ("overall coverage", summary.overall()),
        };
        (ratio.percent() < self.percent).then(|| {
            format!(
                "coverage below --min-coverage: {name} {ratio} is below {}%",
                format_percent(self.percent)
            )
        })
    }
}
