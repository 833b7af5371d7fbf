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
//! - [`cases`] turns an operation into requests (examples, boundary, fuzz, negatives).
//! - [`request`] puts them on the wire and reads the answer.
//! - [`checks`] judges each answer; [`stateful`] finds and runs create/read/delete flows.
//! - Failures are deduplicated (same operation, check and violation shape) before they are
//!   reported, and a random request that fails is shrunk first: proptest's value tree is
//!   simplified while the same failure still reproduces.

pub mod cases;
pub mod checks;
pub mod event;
pub mod report;
pub mod request;
pub mod stateful;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

use crate::spec::{Method, Operation, ParamIn, SecurityScheme, Spec};

use cases::{Case, Planner};
use checks::{Expect, Judge, Verdict};
use event::{Check, Event, Finding, Outcome, Phase, Report, RequestRecord, RunInfo, Severity};
use request::{Auth, Credentials, Draft, Prepared, Received};

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
}

/// Boundary cases per operation, at most.
const BOUNDARY_CASES: usize = 200;
/// Requests one shrink may send.
const SHRINK_BUDGET: u32 = 64;

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
    probe_reachable(&config.base_url)?;
    // A path template with a query string (`/items?id={id}`) is not an OpenAPI path: what
    // it means on the wire is anyone's guess, so it is not tested.
    let (selected, odd): (Vec<usize>, Vec<usize>) = selected
        .into_iter()
        .partition(|&i| !spec.operations[i].path.contains(['?', '#']));
    let auth = auth(spec, config);
    let units = plan_units(spec, config, &selected);
    let info = RunInfo {
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
    };
    let mut report = Report::new(info.clone());
    let started_event = Event::Started {
        info,
        units: units.len(),
    };
    on_event(&started_event);
    for &i in &odd {
        let e = Event::Notice {
            operation: spec.operations[i].label(),
            message: format!(
                "not tested: the path template `{}` holds a query string, which OpenAPI paths cannot",
                spec.operations[i].path
            ),
        };
        report.record(&e);
        on_event(&e);
    }
    if !auth.credential_headers.is_empty() {
        let given = config
            .headers
            .iter()
            .any(|(n, _)| auth.credential_headers.contains(&n.to_ascii_lowercase()));
        if !given {
            let e = Event::Notice {
                operation: "*".into(),
                message: format!(
                    "the spec declares security but no credential header ({}) was given with --header: secured operations will likely answer 401",
                    auth.credential_headers.join(", ")
                ),
            };
            report.record(&e);
            on_event(&e);
        }
    }

    let shared = Shared {
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
        },
    };
    let (tx, rx) = mpsc::channel::<Msg>();
    let workers = config.workers.clamp(1, 64).min(shared.units.len().max(1));
    let mut index: HashMap<String, usize> = HashMap::new();
    std::thread::scope(|scope| -> Result<(), RunError> {
        for _ in 0..workers {
            let tx = tx.clone();
            let plain_http = config.base_url.starts_with("http://");
            let client = request::client(config.timeout, plain_http).map_err(RunError::Setup)?;
            let shared = &shared;
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
    })?;
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    on_event(&Event::Finished {
        report: Box::new(report.clone()),
    });
    Ok(report)
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

/// The operations the filters and the shard select, as indices into `spec.operations`.
pub fn select(spec: &Spec, config: &Config) -> Vec<usize> {
    let globs: Vec<regex::Regex> = config.paths.iter().filter_map(|g| glob(g)).collect();
    let picked: Vec<usize> = spec
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| {
            (config.operations.is_empty()
                || config
                    .operations
                    .iter()
                    .any(|id| op.operation_id.as_deref() == Some(id) || &op.label() == id))
                && (config.tags.is_empty() || op.tags.iter().any(|t| config.tags.contains(t)))
                && (globs.is_empty() || globs.iter().any(|g| g.is_match(&op.path)))
                && (config.methods.is_empty()
                    || config
                        .methods
                        .iter()
                        .any(|m| m.eq_ignore_ascii_case(op.method.as_str())))
        })
        .map(|(i, _)| i)
        .collect();
    match config.shard {
        Some((k, n)) if n > 0 => picked
            .into_iter()
            .enumerate()
            .filter(|(pos, _)| *pos as u32 % n == k.saturating_sub(1))
            .map(|(_, i)| i)
            .collect(),
        _ => picked,
    }
}

/// `*` any run of characters, `?` one character, everything else literal; whole path.
fn glob(pattern: &str) -> Option<regex::Regex> {
    let mut re = String::from("^");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            other => re.push_str(&regex::escape(&other.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).ok()
}

fn plan_units(spec: &Spec, config: &Config, selected: &[usize]) -> Vec<Unit> {
    let mut units = Vec::new();
    for phase in &config.phases {
        if *phase == Phase::Stateful {
            units.extend(stateful::flows(spec, selected).into_iter().map(Unit::Flow));
        } else {
            units.extend(selected.iter().map(|&op| Unit::Phase { op, phase: *phase }));
        }
    }
    units
}

/// A TCP connection to the target's host and port, before anything else.
fn probe_reachable(base_url: &str) -> Result<(), RunError> {
    let unreachable = |reason: String| RunError::Unreachable {
        url: base_url.to_string(),
        reason,
    };
    let url = reqwest::Url::parse(base_url).map_err(|e| unreachable(format!("bad URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(unreachable(format!(
            "the scheme must be http or https, not {}",
            url.scheme()
        )));
    }
    let addrs = url
        .socket_addrs(|| None)
        .map_err(|e| unreachable(e.to_string()))?;
    let mut last = String::from("no address");
    for addr in addrs {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            Ok(_) => return Ok(()),
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(unreachable(last))
}

/// Which headers carry credentials, and the wrong credentials to try.
fn auth(spec: &Spec, config: &Config) -> Auth {
    let mut credential_headers = Vec::new();
    for (_, scheme) in spec.security_schemes.iter() {
        let name = match scheme {
            SecurityScheme::ApiKey { name, location } => match location {
                ParamIn::Header => name.to_ascii_lowercase(),
                ParamIn::Cookie => "cookie".into(),
                _ => continue,
            },
            SecurityScheme::Http { .. }
            | SecurityScheme::OAuth2 { .. }
            | SecurityScheme::OpenIdConnect { .. } => "authorization".into(),
            SecurityScheme::MutualTls => continue,
        };
        if !credential_headers.contains(&name) {
            credential_headers.push(name);
        }
    }
    Auth {
        headers: config.headers.clone(),
        credential_headers,
        wrong: Vec::new(),
    }
}

/// The wrong credentials for an operation (its first security alternative), or `None` when
/// the operation is not secured or its security cannot be taken away by headers.
fn wrong_credentials(spec: &Spec, op: &Operation) -> Option<Vec<(String, String)>> {
    let requirements = op.effective_security(&spec.security);
    if requirements.is_empty() || requirements.iter().any(|r| r.schemes.is_empty()) {
        return None;
    }
    let mut wrong = Vec::new();
    for (name, _) in &requirements[0].schemes {
        match spec.security_scheme(name)? {
            SecurityScheme::ApiKey { name, location } => match location {
                ParamIn::Header => wrong.push((name.clone(), "stipula-wrong-credential".into())),
                ParamIn::Cookie => {
                    wrong.push(("Cookie".into(), format!("{name}=stipula-wrong-credential")))
                }
                _ => return None,
            },
            SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
                // stipula:wrong
                wrong.push(("Authorization".into(), "Basic c3RpcHVsYTp3cm9uZw==".into()));
            }
            SecurityScheme::Http { .. }
            | SecurityScheme::OAuth2 { .. }
            | SecurityScheme::OpenIdConnect { .. } => {
                wrong.push((
                    "Authorization".into(),
                    "Bearer stipula-wrong-credential".into(),
                ));
            }
            SecurityScheme::MutualTls => return None,
        }
    }
    Some(wrong)
}

struct Worker<'a> {
    shared: &'a Shared<'a>,
    client: reqwest::blocking::Client,
    tx: mpsc::Sender<Msg>,
}

/// One request sent and judged.
struct Exchange {
    prepared: Prepared,
    received: Result<Received, String>,
    verdicts: Vec<Verdict>,
}

impl Exchange {
    fn status(&self) -> Option<u16> {
        self.received.as_ref().ok().map(|r| r.status)
    }

    fn failures(&self) -> impl Iterator<Item = &Verdict> {
        self.verdicts
            .iter()
            .filter(|v| v.outcome != Outcome::Passed)
    }
}

impl Worker<'_> {
    fn work(&self) {
        loop {
            let i = self.shared.next.fetch_add(1, Ordering::Relaxed);
            let Some(unit) = self.shared.units.get(i) else {
                return;
            };
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

    fn planner(&self, op: usize, salt: u64) -> Planner<'_> {
        Planner {
            spec: self.shared.spec,
            op: self.op(op),
            seed: self.shared.config.seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            given_headers: &self.shared.given_headers,
        }
    }

    /// Sends one draft and judges the answer, emitting its `Case` event.
    fn exchange(&self, op: &Operation, draft: &Draft, expect: &Expect, phase: Phase) -> Exchange {
        let mut auth = self.shared.auth.clone();
        if draft.credentials == Credentials::Wrong {
            auth.wrong = wrong_credentials(self.shared.spec, op).unwrap_or_default();
        }
        let prepared = request::prepare(op, draft, &self.shared.config.base_url, &auth);
        if let Some(limiter) = &self.shared.limiter {
            limiter.wait();
        }
        let received = request::send(
            &self.client,
            &prepared,
            self.shared.config.max_response_bytes,
        );
        let verdicts = match &received {
            Ok(r) => self.shared.judge.judge(op, expect, r),
            Err(e) => vec![Verdict {
                check: Check::ServerError,
                outcome: Outcome::Failed,
                message: format!("no response: {e}"),
                violations: Vec::new(),
            }],
        };
        self.emit(Event::Case {
            operation: op.label(),
            phase,
            outcomes: verdicts.iter().map(|v| (v.check, v.outcome)).collect(),
        });
        Exchange {
            prepared,
            received,
            verdicts,
        }
    }

    /// The finding's key if it is new (and claims it); otherwise counts another occurrence.
    fn claim(&self, op: &Operation, verdict: &Verdict) -> Option<String> {
        let key = format!("{}|{}", op.label(), verdict.signature());
        let new = self
            .shared
            .reported
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone());
        if new {
            Some(key)
        } else {
            let _ = self.tx.send(Msg::Again(key));
            None
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        key: String,
        op: &Operation,
        phase: Phase,
        verdict: &Verdict,
        exchange: &Exchange,
        steps: Vec<RequestRecord>,
        shrunk: bool,
    ) {
        let finding = Finding {
            operation: op.label(),
            method: op.method.as_str().to_string(),
            path: op.path.clone(),
            check: verdict.check,
            severity: if verdict.outcome == Outcome::Failed {
                Severity::Failure
            } else {
                Severity::Warning
            },
            phase,
            message: verdict.message.clone(),
            violations: verdict.violations.clone(),
            steps,
            request: exchange.prepared.record(),
            response: exchange.received.as_ref().ok().map(Received::record),
            shrunk,
            occurrences: 1,
        };
        let _ = self.tx.send(Msg::Found(key, Box::new(finding)));
    }

    /// Reports every new non-passing verdict of an exchange as it is.
    fn report_all(
        &self,
        op: &Operation,
        phase: Phase,
        exchange: &Exchange,
        steps: &[RequestRecord],
    ) {
        for v in exchange.failures() {
            if let Some(key) = self.claim(op, v) {
                self.report(key, op, phase, v, exchange, steps.to_vec(), false);
            }
        }
    }

    fn run_cases(&self, op: &Operation, phase: Phase, cases: &[Case]) {
        for case in cases {
            let ex = self.exchange(op, &case.draft, &case.expect, phase);
            self.report_all(op, phase, &ex, &[]);
        }
    }

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
            Phase::Stateful => {}
        }
    }

    /// Random valid requests; the first occurrence of each failure is shrunk.
    fn fuzz(&self, op: &Operation, planner: &Planner, salt: u64) {
        let strategy = planner.fuzz_strategy();
        let rng = TestRng::from_seed(
            RngAlgorithm::ChaCha,
            &crate::generate::seed_bytes(planner.seed, salt),
        );
        let mut runner = TestRunner::new_with_rng(
            ProptestConfig {
                max_local_rejects: 2_000,
                failure_persistence: None,
                ..ProptestConfig::default()
            },
            rng,
        );
        let wanted = self.shared.config.cases;
        let (mut sent, mut attempts) = (0, 0);
        while sent < wanted && attempts < wanted * 5 {
            attempts += 1;
            let mut tree = match strategy.new_tree(&mut runner) {
                Ok(t) => t,
                Err(e) => {
                    self.notice(op, format!("fuzz phase stopped: no valid value: {e}"));
                    return;
                }
            };
            let draft = tree.current();
            if planner.classify(&draft) != Expect::Valid {
                continue;
            }
            sent += 1;
            let ex = self.exchange(op, &draft, &Expect::Valid, Phase::Fuzz);
            for v in ex.failures() {
                let Some(key) = self.claim(op, v) else {
                    continue;
                };
                if v.outcome == Outcome::Failed {
                    let (shrunk, changed) = self.shrink(op, planner, &mut tree, v, &ex);
                    let verdict = shrunk
                        .verdicts
                        .iter()
                        .find(|x| x.signature() == v.signature())
                        .unwrap_or(v);
                    self.report(key, op, Phase::Fuzz, verdict, &shrunk, Vec::new(), changed);
                } else {
                    self.report(key, op, Phase::Fuzz, v, &ex, Vec::new(), false);
                }
            }
        }
    }

    /// Simplifies `tree` while the same failure reproduces; returns the smallest failing
    /// exchange and whether it differs from the original.
    fn shrink<T: ValueTree<Value = Draft>>(
        &self,
        op: &Operation,
        planner: &Planner,
        tree: &mut T,
        target: &Verdict,
        original: &Exchange,
    ) -> (Exchange, bool) {
        let signature = target.signature();
        let mut best: Option<Exchange> = None;
        let mut budget = SHRINK_BUDGET;
        if !tree.simplify() {
            return (clone_exchange(original), false);
        }
        loop {
            if budget == 0 {
                break;
            }
            let draft = tree.current();
            let reproduces = planner.classify(&draft) == Expect::Valid && {
                budget -= 1;
                let ex = self.quiet_exchange(op, &draft);
                let hit = ex.verdicts.iter().any(|x| x.signature() == signature);
                if hit {
                    best = Some(ex);
                }
                hit
            };
            let more = if reproduces {
                tree.simplify()
            } else {
                tree.complicate()
            };
            if !more {
                break;
            }
        }
        match best {
            Some(ex) => (ex, true),
            None => (clone_exchange(original), false),
        }
    }

    /// An exchange for shrinking: judged, not counted as a case.
    fn quiet_exchange(&self, op: &Operation, draft: &Draft) -> Exchange {
        let prepared = request::prepare(op, draft, &self.shared.config.base_url, &self.shared.auth);
        if let Some(limiter) = &self.shared.limiter {
            limiter.wait();
        }
        let received = request::send(
            &self.client,
            &prepared,
            self.shared.config.max_response_bytes,
        );
        let verdicts = match &received {
            Ok(r) => self.shared.judge.judge(op, &Expect::Valid, r),
            Err(_) => Vec::new(),
        };
        Exchange {
            prepared,
            received,
            verdicts,
        }
    }

    /// Authentication and undocumented-method probes.
    fn probes(&self, op_index: usize, base: &Draft) {
        let spec = self.shared.spec;
        let op = self.op(op_index);
        let checks = &self.shared.config.checks;
        if checks.contains(&Check::AuthEnforced) && wrong_credentials(spec, op).is_some() {
            for (credentials, what) in [
                (Credentials::Omitted, "without credentials"),
                (Credentials::Wrong, "with a wrong credential"),
            ] {
                let draft = Draft {
                    credentials,
                    ..base.clone()
                };
                let expect = Expect::Unauthorized { what: what.into() };
                let ex = self.exchange(op, &draft, &expect, Phase::Fuzz);
                self.report_all(op, Phase::Fuzz, &ex, &[]);
            }
        }
        // The 405 probe runs once per path: in the unit of the path's first selected
        // operation.
        let first_on_path = !spec.operations[..op_index]
            .iter()
            .any(|o| path_shape(&o.path) == path_shape(&op.path));
        if checks.contains(&Check::MethodNotAllowed) && first_on_path {
            // Documented on this path or any path of the same shape (`/a/{x}` and `/a/{y}`
            // are one URL pattern: a server routes both the same).
            let shape = path_shape(&op.path);
            let documented: Vec<Method> = spec
                .operations
                .iter()
                .filter(|o| path_shape(&o.path) == shape)
                .map(|o| o.method)
                .collect();
            for method in [
                Method::Get,
                Method::Put,
                Method::Post,
                Method::Delete,
                Method::Patch,
            ] {
                if documented.contains(&method) {
                    continue;
                }
                let draft = Draft {
                    method: Some(method),
                    ..base.clone()
                };
                let ex = self.exchange(op, &draft, &Expect::MethodNotAllowed, Phase::Fuzz);
                self.report_all(op, Phase::Fuzz, &ex, &[]);
            }
        }
    }

    /// A stateful flow: create, read; then delete, read, when removal is documented.
    fn flow(&self, flow: &stateful::Flow, salt: u64) {
        let creator = self.op(flow.creator);
        let reader = self.op(flow.reader);
        let planner = self.planner(flow.creator, salt);
        let Ok(base) = planner.base() else {
            return;
        };
        // Generated values, deterministic per seed (so `--seed` replays the flow): not the
        // documented example, which earlier phases have already created.
        let base = planner.fresh(&base);
        let sent_id = creator
            .parameters
            .iter()
            .position(|p| p.location == ParamIn::Path && p.name == flow.param);
        let created = self.exchange(creator, &base, &Expect::Valid, Phase::Stateful);
        self.report_all(creator, Phase::Stateful, &created, &[]);
        let Ok(answer) = &created.received else {
            return;
        };
        if !(200..300).contains(&answer.status) {
            return;
        }
        let sent = sent_id.and_then(|i| base.params[i].as_ref());
        let Some(id) = stateful::created_id(
            flow,
            &stateful::Answer {
                headers: &answer.headers,
                body: &answer.body,
            },
            sent,
        ) else {
            self.notice(
                creator,
                format!(
                    "stateful: could not find the created item's id for `{}` in the response",
                    reader.label()
                ),
            );
            return;
        };
        let reader_planner = self.planner(flow.reader, salt ^ 1);
        let Ok(mut read) = reader_planner.base() else {
            return;
        };
        let Some(slot) = reader
            .parameters
            .iter()
            .position(|p| p.location == ParamIn::Path && p.name == flow.param)
        else {
            return;
        };
        align_path_params(creator, &base, reader, &mut read);
        read.params[slot] = Some(id_for(&reader.parameters[slot], &id, self.shared.spec));
        let mut steps = vec![created.prepared.record()];
        let got = self.exchange(reader, &read, &Expect::Valid, Phase::Stateful);
        self.report_all(reader, Phase::Stateful, &got, &steps);
        self.existence(
            reader,
            &got,
            &steps,
            Check::CreatedReadable,
            true,
            &format!("the item created by {} (id {id})", creator.label()),
        );
        if !matches!(got.status(), Some(200..=299)) {
            return;
        }
        let item = got
            .received
            .as_ref()
            .ok()
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok());
        self.dependents(flow, &id, item.as_ref(), &steps, salt);
        steps.push(got.prepared.record());
        let Some(d) = flow.deleter else { return };
        let deleter = self.op(d);
        let Ok(mut del) = self.planner(d, salt ^ 2).base() else {
            return;
        };
        align_path_params(reader, &read, deleter, &mut del);
        if let Some(slot) = deleter
            .parameters
            .iter()
            .position(|p| p.location == ParamIn::Path && p.name == flow.param)
        {
            del.params[slot] = Some(id_for(&deleter.parameters[slot], &id, self.shared.spec));
        }
        let removed = self.exchange(deleter, &del, &Expect::Valid, Phase::Stateful);
        self.report_all(deleter, Phase::Stateful, &removed, &steps);
        match removed.status() {
            Some(200 | 201 | 204) => {}
            _ => return, // 202: accepted, maybe not yet done; errors: reported above.
        }
        steps.push(removed.prepared.record());
        let again = self.exchange(reader, &read, &Expect::Nothing, Phase::Stateful);
        self.existence(
            reader,
            &again,
            &steps,
            Check::RemovedGone,
            false,
            &format!("the item removed by {} (id {id})", deleter.label()),
        );
    }

    /// Operations that take the created item's id in their body or query (a user consent that
    /// names its consent: `consentId`), sent with it: their answers are only reachable with an
    /// item that exists. Properties beside the id that the item also has (the consent's
    /// `values`) are taken from the item when that keeps the request valid, since APIs check
    /// them against it.
    fn dependents(
        &self,
        flow: &stateful::Flow,
        id: &Value,
        item: Option<&Value>,
        steps: &[RequestRecord],
        salt: u64,
    ) {
        let spec = self.shared.spec;
        let reader_path = &spec.operations[flow.reader].path;
        for (i, op) in spec.operations.iter().enumerate() {
            if i == flow.creator || Some(i) == flow.deleter || &op.path == reader_path {
                continue;
            }
            let planner = self.planner(i, salt ^ 3);
            let Ok(base) = planner.base() else { continue };
            // Generated values first, then the documented ones: stop at the first the API
            // accepts (a 4xx here is a business rule the data broke, already a warning).
            for start in [planner.fresh(&base), base.clone()] {
                let Some(draft) = self.dependent_draft(&planner, start, flow, id, item) else {
                    break;
                };
                let ex = self.exchange(op, &draft, &Expect::Valid, Phase::Stateful);
                self.report_all(op, Phase::Stateful, &ex, steps);
                if !matches!(ex.status(), Some(400..=499)) {
                    break;
                }
            }
        }
    }

    /// `draft` with the created item's id (and what it can borrow from the item), if the
    /// operation takes the id at all and the result is valid.
    fn dependent_draft(
        &self,
        planner: &Planner,
        mut draft: Draft,
        flow: &stateful::Flow,
        id: &Value,
        item: Option<&Value>,
    ) -> Option<Draft> {
        let spec = self.shared.spec;
        let mut used = false;
        for (p, v) in planner.op.parameters.iter().zip(draft.params.iter_mut()) {
            if p.location == ParamIn::Query && p.name == flow.param {
                *v = Some(id_for(p, id, spec));
                used = true;
            }
        }
        if let Some(request::BodyDraft::Value { value, .. }) = &mut draft.body {
            used |= stateful::set_named(value, &flow.param, id, 4);
        }
        if !used || planner.classify(&draft) != Expect::Valid {
            return None;
        }
        if let Some(item) = item.and_then(|v| stateful::item_object(v, id)) {
            for candidate in stateful::borrowings(&draft, &flow.param, item) {
                if planner.classify(&candidate) == Expect::Valid {
                    draft = candidate;
                }
            }
        }
        Some(draft)
    }

    /// The created-readable / removed-gone verdict on a read of the item.
    fn existence(
        &self,
        op: &Operation,
        ex: &Exchange,
        steps: &[RequestRecord],
        check: Check,
        should_exist: bool,
        what: &str,
    ) {
        if !self.shared.config.checks.contains(&check) {
            return;
        }
        let Some(status) = ex.status() else { return };
        let verdict = match (should_exist, status) {
            (true, 200..=299) | (false, 404 | 410) => None,
            (true, 404 | 410) => {
                Some((Outcome::Failed, format!("{what} is not readable: {status}")))
            }
            (false, 200..=299) => Some((
                Outcome::Failed,
                format!("{what} is still readable: {status}"),
            )),
            (_, 500..=599) => return,
            (true, s) => Some((Outcome::Warned, format!("reading {what} was answered {s}"))),
            (false, s) => Some((
                Outcome::Warned,
                format!("reading {what} was answered {s}, not 404 or 410"),
            )),
        };
        let outcome = verdict.as_ref().map_or(Outcome::Passed, |(o, _)| *o);
        self.emit(Event::Case {
            operation: op.label(),
            phase: Phase::Stateful,
            outcomes: vec![(check, outcome)],
        });
        if let Some((outcome, message)) = verdict {
            let v = Verdict {
                check,
                outcome,
                message,
                violations: Vec::new(),
            };
            // One finding per operation and check, whatever the ids.
            let key_verdict = Verdict {
                message: format!("{check} {:?}", outcome),
                ..v.clone()
            };
            if let Some(key) = self.claim(op, &key_verdict) {
                self.report(key, op, Phase::Stateful, &v, ex, steps.to_vec(), false);
            }
        }
    }
}

/// The id as the parameter wants it: numbers for numeric schemas, text otherwise.
fn id_for(p: &crate::spec::Parameter, id: &Value, spec: &Spec) -> Value {
    let Some(schema) = cases::param_schema(p) else {
        return id.clone();
    };
    let text = match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::params::coerce(&spec.schemas, spec.schemas.get(schema), &text)
}

/// A path template with parameter names erased: `/a/{id}/b` → `/a/{}/b`.
fn path_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            c => out.push(c),
        }
    }
    out
}

/// Gives `to` the path parameter values `from` used under the same names (`/things/{kind}/{id}`:
/// the same `kind` all along a flow).
fn align_path_params(from_op: &Operation, from: &Draft, to_op: &Operation, to: &mut Draft) {
    for (p, slot) in to_op.parameters.iter().zip(to.params.iter_mut()) {
        if p.location != ParamIn::Path {
            continue;
        }
        if let Some((_, Some(v))) = from_op
            .parameters
            .iter()
            .zip(&from.params)
            .find(|(q, _)| q.location == ParamIn::Path && q.name == p.name)
        {
            *slot = Some(v.clone());
        }
    }
}

fn clone_exchange(ex: &Exchange) -> Exchange {
    Exchange {
        prepared: ex.prepared.clone(),
        received: ex.received.clone(),
        verdicts: ex.verdicts.clone(),
    }
}
