//! `stipula test`: the property-based conformance runner.
//!
//! A run selects operations (filters, then `--shard`), cuts the work into *units* (one
//! operation × one phase, or one stateful flow), and lets `--workers` threads take units from
//! a queue. Each unit draws its cases from an RNG seeded by (run seed, unit), so a unit sends
//! the same requests whatever the number of workers or the order they run in; `--seed`
//! replays a run. Workers send events to the calling thread, which folds them into the
//! [`Report`](event::Report) and hands each to the caller's reporters; the runner itself never
//! formats output.
//!
//! This file holds the run itself: [`Config`], [`run`], the units and the queue the workers
//! take them from. The rooms around it:
//!
//! - [`select`] picks the operations; [`cases`] turns one into requests (examples, boundary,
//!   negatives); `shrink` sends the fuzz phase's random ones and shrinks a failing one
//!   (proptest's value tree is simplified while the same failure still reproduces).
//! - `probe` checks the target is reachable and sends what the spec forbids (no or wrong
//!   credentials, undocumented methods); [`stateful`] finds and runs create/read/delete flows.
//! - [`request`] puts requests on the wire and reads the answer; [`checks`] judges each
//!   answer; `exchange` does both for one request and reports its failures, deduplicated (same
//!   operation, check and violation shape).

pub mod baseline;
pub mod cases;
pub mod checks;
pub mod config_file;
pub mod coverage;
pub mod event;
mod exchange;
mod health;
pub mod policy;
mod probe;
pub mod report;
pub mod request;
pub mod secrets;
mod select;
mod shrink;
pub mod stateful;

pub use select::select;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::spec::{Operation, Spec};

use cases::Planner;
use checks::Judge;
use event::{Check, Event, Finding, Phase, Report, RunInfo, Severity};
use request::Auth;

/// Everything a run needs besides the spec (the `stipula test` flags).
#[derive(Debug, Clone)]
pub struct Config {
    /// The implementation's URL, base path included.
    pub base_url: String,
    /// Sent with every request (credentials among them).
    pub headers: Vec<(String, String)>,
    /// Only operations with these operationIds (or labels).
    pub operations: Vec<String>,
    pub tags: Vec<String>,
    /// Only paths matching one of these globs (`*` any characters, `?` one).
    pub paths: Vec<String>,
    pub methods: Vec<String>,
    /// Random valid requests per operation in the fuzz phase (invalid ones: as many again at
    /// most).
    pub cases: usize,
    pub seed: u64,
    pub workers: usize,
    /// Requests per second, across workers.
    pub rate_limit: Option<f64>,
    pub timeout: Duration,
    pub checks: Vec<Check>,
    pub phases: Vec<Phase>,
    pub max_response_time: Option<Duration>,
    /// `(k, n)`, 1-based.
    pub shard: Option<(u32, u32)>,
    /// Most bytes of a response body read (`--max-response-bytes`); the rest is not read and
    /// the body is reported as truncated.
    pub max_response_bytes: u64,
    /// Operations left out (operationIds or labels), after the filters above.
    pub exclude_operations: Vec<String>,
    /// Checks whose verdicts change severity (config `checks: {id: warning|failure}`).
    pub severities: BTreeMap<Check, Severity>,
    /// operationId or label → checks whose verdicts are dropped for that operation.
    pub excluded_checks: BTreeMap<String, Vec<Check>>,
    /// Security scheme name → credential, sent to the operations that need the scheme.
    pub credentials: BTreeMap<String, secrets::Credential>,
    /// Findings accepted in advance: reported, but they do not fail the run.
    pub baseline: Option<baseline::Baseline>,
    /// Leave credentials in findings (`--show-secrets`); masked otherwise.
    pub show_secrets: bool,
    /// `--strict`: accepting an invalid request that OpenAPI leaves to the server (an
    /// undocumented media type, an unchecked `format`...) and timeouts are failures.
    pub strict: bool,
    /// The whole run's time budget: no new request starts after it; the report says what
    /// was not tested.
    pub max_duration: Option<Duration>,
    /// Set from outside (a signal handler) to end the run early, with its report.
    pub stop: Option<Arc<AtomicBool>>,
}

/// Default of [`Config::max_response_bytes`]: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

impl Config {
    /// Defaults for everything but the URL.
    pub fn new(base_url: impl Into<String>) -> Config {
        Config {
            base_url: base_url.into(),
            headers: Vec::new(),
            operations: Vec::new(),
            tags: Vec::new(),
            paths: Vec::new(),
            methods: Vec::new(),
            cases: 100,
            seed: 0,
            workers: 4,
            rate_limit: None,
            timeout: Duration::from_secs(10),
            checks: Check::ALL.to_vec(),
            phases: Phase::ALL.to_vec(),
            max_response_time: None,
            shard: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            exclude_operations: Vec::new(),
            severities: BTreeMap::new(),
            excluded_checks: BTreeMap::new(),
            credentials: BTreeMap::new(),
            baseline: None,
            show_secrets: false,
            strict: false,
            max_duration: None,
            stop: None,
        }
    }
}

/// Why a run could not happen (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no operation of the spec matches the filters")]
    NothingSelected,
    #[error("the spec documents no operation to test (webhooks are called by the API, not on it)")]
    NoOperations,
    #[error("the target {url} is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{0}")]
    Setup(String),
    /// Nothing the run sent reached a route (a base URL without its base path), or no
    /// operation got an answer at all: a misconfigured run, not a contract violation. The
    /// run's events (and `Finished`) went out before this error.
    #[error("{0}")]
    NothingTested(String),
}

/// Boundary cases per operation, at most.
const BOUNDARY_CASES: usize = 200;

/// Runs the conformance tests of `spec` against `config.base_url`, handing every event to
/// `on_event` on the calling thread. Returns the report (also in the `Finished` event).
pub fn run(
    spec: &Spec,
    config: &Config,
    on_event: &mut dyn FnMut(&Event),
) -> Result<Report, RunError> {
    let started = Instant::now();
    if spec.operations.is_empty() {
        return Err(RunError::NoOperations);
    }
    let selected = select(spec, config);
    if selected.is_empty() {
        return Err(RunError::NothingSelected);
    }
    probe::probe_reachable(&config.base_url)?;
    let (selected, untestable) = select::split_untestable(spec, selected);
    let auth = probe::auth(spec, config);
    let units = plan_units(spec, config, &selected);
    let info = run_info(spec, config, &selected);
    let mut report = Report::new(info.clone());
    let surfaces = surfaces(spec, config, &selected, &units);
    let started_event = Event::Started {
        info,
        units: units.len(),
        coverage: surfaces
            .iter()
            .map(|(label, s)| (label.clone(), s.coverage()))
            .collect(),
    };
    report.record(&started_event);
    on_event(&started_event);
    for e in opening_notices(spec, config, &untestable, &auth) {
        report.record(&e);
        on_event(&e);
    }
    let health = health::Health::new(
        config.max_duration,
        config.stop.clone(),
        probe::no_route(config),
    );
    let mut shared = Shared::new(spec, config, auth, units, health);
    shared.surfaces = surfaces;
    run_workers(&shared, &mut report, on_event)?;
    let (notices, nothing_tested) = shared.health.finish(
        &report.runs[0].operations,
        &config.base_url,
        &spec.base_path(),
    );
    for message in notices {
        let e = Event::Notice {
            operation: "*".into(),
            message,
        };
        report.record(&e);
        on_event(&e);
    }
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    on_event(&Event::Finished {
        report: Box::new(report.clone()),
    });
    match nothing_tested {
        // The reports are written (`Finished` went out); the run still could not happen.
        Some(why) => Err(RunError::NothingTested(why)),
        None => Ok(report),
    }
}

fn run_info(spec: &Spec, config: &Config, selected: &[usize]) -> RunInfo {
    RunInfo {
        spec: spec.name().to_string(),
        base_url: config.base_url.clone(),
        seed: config.seed,
        shard: config.shard,
        operations: selected
            .iter()
            .map(|&i| spec.operations[i].label())
            .collect(),
        checks: config.checks.clone(),
        phases: config.phases.clone(),
    }
}

/// The notices a run opens with: operations it cannot test, and credentials the spec wants
/// but `--header` does not give.
fn opening_notices(spec: &Spec, config: &Config, untestable: &[usize], auth: &Auth) -> Vec<Event> {
    let mut notices: Vec<Event> = untestable
        .iter()
        .map(|&i| Event::Notice {
            operation: spec.operations[i].label(),
            message: format!(
                "not tested: the path template `{}` holds a query string, which OpenAPI paths cannot",
                spec.operations[i].path
            ),
        })
        .collect();
    let given = !config.credentials.is_empty()
        || config
            .headers
            .iter()
            .any(|(n, _)| auth.credential_headers.contains(&n.to_ascii_lowercase()));
    if !auth.credential_headers.is_empty() && !given {
        notices.push(Event::Notice {
            operation: "*".into(),
            message: format!(
                "the spec declares security but no credential header ({}) was given with --header: secured operations will likely answer 401",
                auth.credential_headers.join(", ")
            ),
        });
    }
    notices
}

/// Starts the workers on the queue and folds what they send into `report`, handing each event
/// to `on_event`, until every worker is done.
fn run_workers(
    shared: &Shared,
    report: &mut Report,
    on_event: &mut dyn FnMut(&Event),
) -> Result<(), RunError> {
    let config = shared.config;
    let (tx, rx) = mpsc::channel::<Msg>();
    let workers = config.workers.clamp(1, 64).min(shared.units.len().max(1));
    let mut index: HashMap<String, usize> = HashMap::new();
    std::thread::scope(|scope| -> Result<(), RunError> {
        for _ in 0..workers {
            let tx = tx.clone();
            let plain_http = config.base_url.starts_with("http://");
            let client = request::client(config.timeout, plain_http).map_err(RunError::Setup)?;
            std::thread::Builder::new()
                .stack_size(16 * 1024 * 1024)
                .spawn_scoped(scope, move || {
                    let worker = Worker { shared, client, tx };
                    worker.work();
                })
                .map_err(|e| RunError::Setup(format!("cannot start a worker: {e}")))?;
        }
        drop(tx);
        for msg in rx {
            match msg {
                Msg::Event(e) => {
                    report.record(&e);
                    on_event(&e);
                }
                Msg::Found(key, finding) => {
                    index.insert(key, report.findings.len());
                    let e = Event::Found(finding);
                    report.record(&e);
                    on_event(&e);
                }
                Msg::Again(key) => {
                    if let Some(&i) = index.get(&key) {
                        report.findings[i].occurrences += 1;
                    }
                }
            }
        }
        Ok(())
    })
}

enum Msg {
    Event(Event),
    /// A new finding and its deduplication key.
    Found(String, Box<Finding>),
    /// Another occurrence of an already reported finding (by key).
    Again(String),
}

/// One unit of work.
#[derive(Debug, Clone)]
enum Unit {
    Phase { op: usize, phase: Phase },
    Flow(stateful::Flow),
}

struct Shared<'a> {
    spec: &'a Spec,
    config: &'a Config,
    auth: Auth,
    units: Vec<Unit>,
    next: AtomicUsize,
    /// Keys of findings already reported.
    reported: Mutex<HashSet<String>>,
    limiter: Option<Limiter>,
    judge: Judge<'a>,
    /// Lower-case names of the `--header`s.
    given_headers: Vec<String>,
    /// Operation label → its coverage surface.
    surfaces: HashMap<String, coverage::Surface>,
    masker: secrets::Masker,
    health: health::Health,
}

impl<'a> Shared<'a> {
    fn new(
        spec: &'a Spec,
        config: &'a Config,
        auth: Auth,
        units: Vec<Unit>,
        health: health::Health,
    ) -> Shared<'a> {
        Shared {
            health,
            spec,
            config,
            auth,
            units,
            next: AtomicUsize::new(0),
            reported: Mutex::new(HashSet::new()),
            limiter: config.rate_limit.map(Limiter::new),
            given_headers: config
                .headers
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .collect(),
            judge: Judge {
                spec,
                enabled: &config.checks,
                max_response_time: config.max_response_time,
                timeout: config.timeout,
                strict: config.strict,
            },
            surfaces: HashMap::new(),
            masker: if config.show_secrets {
                secrets::Masker::off()
            } else {
                secrets::Masker::new(spec, &config.headers, &config.credentials)
            },
        }
    }
}

/// Spaces requests evenly at the configured rate across workers.
struct Limiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Limiter {
    fn new(per_second: f64) -> Limiter {
        Limiter {
            interval: Duration::from_secs_f64(1.0 / per_second.max(0.001)),
            next: Mutex::new(Instant::now()),
        }
    }

    fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

/// The coverage surface of each selected operation (`runner::coverage`).
fn surfaces(
    spec: &Spec,
    config: &Config,
    selected: &[usize],
    units: &[Unit],
) -> HashMap<String, coverage::Surface> {
    let mut in_flow = HashSet::new();
    for unit in units {
        if let Unit::Flow(f) = unit {
            in_flow.extend(
                [Some(f.creator), Some(f.reader), f.deleter]
                    .into_iter()
                    .flatten(),
            );
        }
    }
    selected
        .iter()
        .map(|&i| {
            let op = &spec.operations[i];
            let phases = coverage::applicable_phases(op, &config.phases, in_flow.contains(&i));
            (
                op.label(),
                coverage::Surface::of(&spec.schemas, op, &phases),
            )
        })
        .collect()
}

/// The units in queue order: each phase in turn, and within a phase the API's DELETE
/// operations after its others, so that a documented example's id is not deleted before the
/// requests that read, update or refer to it (FusionAuth's examples all name one consent:
/// 14 warnings fell to 4, all real uniqueness rules). Stateful flows create what they delete.
fn plan_units(spec: &Spec, config: &Config, selected: &[usize]) -> Vec<Unit> {
    let mut ordered = selected.to_vec();
    ordered.sort_by_key(|&op| spec.operations[op].method == crate::spec::Method::Delete);
    let mut units = Vec::new();
    for phase in &config.phases {
        if *phase == Phase::Stateful {
            units.extend(stateful::flows(spec, selected).into_iter().map(Unit::Flow));
        } else {
            units.extend(ordered.iter().map(|&op| Unit::Phase { op, phase: *phase }));
        }
    }
    units
}

/// One worker thread: takes units from the queue until it is empty. Its steps live beside the
/// rooms they belong to (`exchange`, `shrink`, `probe`, `stateful`); this file keeps the loop.
struct Worker<'a> {
    shared: &'a Shared<'a>,
    client: reqwest::blocking::Client,
    tx: mpsc::Sender<Msg>,
}

impl Worker<'_> {
    /// Runs units until the queue is empty, each followed by its `UnitDone` event.
    fn work(&self) {
        loop {
            let i = self.shared.next.fetch_add(1, Ordering::Relaxed);
            let Some(unit) = self.shared.units.get(i) else {
                return;
            };
            if self.shared.health.ended().is_some() {
                return;
            }
            let (op, phase) = match unit {
                Unit::Phase { op, phase } => {
                    self.phase(*op, *phase, i as u64);
                    (*op, *phase)
                }
                Unit::Flow(flow) => {
                    self.flow(flow, i as u64);
                    (flow.creator, Phase::Stateful)
                }
            };
            self.emit(Event::UnitDone {
                operation: self.shared.spec.operations[op].label(),
                phase,
            });
        }
    }

    /// Sends an event to the calling thread (which may be gone after an error: ignored).
    fn emit(&self, e: Event) {
        let _ = self.tx.send(Msg::Event(e));
    }

    fn notice(&self, op: &Operation, message: String) {
        self.emit(Event::Notice {
            operation: op.label(),
            message,
        });
    }

    fn op(&self, i: usize) -> &Operation {
        &self.shared.spec.operations[i]
    }

    /// The run's credentials plus the config's for the schemes `op` needs.
    fn auth(&self, op: &Operation) -> Auth {
        let mut auth = self.shared.auth.clone();
        secrets::apply(
            self.shared.spec,
            op,
            &self.shared.config.credentials,
            &mut auth,
        );
        auth
    }

    /// The operation's planner, seeded by (run seed, `salt`): the unit's index, so a unit
    /// plans the same cases whichever worker runs it.
    fn planner(&self, op: usize, salt: u64) -> Planner<'_> {
        Planner {
            spec: self.shared.spec,
            op: self.op(op),
            seed: self.shared.config.seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            given_headers: &self.shared.given_headers,
        }
    }

    /// One operation × phase unit. The fuzz phase sends random valid requests, then
    /// negatives, then the probes.
    fn phase(&self, op_index: usize, phase: Phase, salt: u64) {
        let op = self.op(op_index);
        let planner = self.planner(op_index, salt);
        let base = match planner.base() {
            Ok(b) => b,
            Err(why) => {
                self.notice(op, format!("{phase} phase skipped: {why}"));
                return;
            }
        };
        match phase {
            Phase::Examples => self.run_cases(op, phase, &planner.examples(&base)),
            Phase::Boundary => self.run_cases(op, phase, &planner.boundary(&base, BOUNDARY_CASES)),
            Phase::Fuzz => {
                self.fuzz(op, &planner, salt);
                let cases = self.shared.config.cases.max(1);
                self.run_cases(op, phase, &planner.negatives(&base, cases));
                self.probes(op_index, &base);
            }
            Phase::Stateful | Phase::Observed => {}
        }
    }
}
