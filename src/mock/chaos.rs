//! Latency and faults (`mock --delay`, `--fault`, `--mock-config`, `Prefer: delay=`/`fault=`):
//! a mock that is slow or breaks on purpose, so a client's timeouts, retries and error paths can
//! be tested against the same contract.
//!
//! Shaped as a wrapper *around* [`super::handle::handle`], not as an answer stage, because two of
//! the faults are not answers at all: a reset closes the connection instead of answering, and a
//! truncated body needs a body type whose length is unknown to hyper (a `Full` body with a
//! larger `Content-Length` trips hyper's own length check). So [`serve`] is the service the
//! accept loop calls; with no chaos configured and no `Prefer` header it calls `handle` at once
//! (one `Option` test and one header lookup, nothing else).
//!
//! Every random choice comes from a per-request generator seeded from `--seed`, the request's
//! number since start and the operation, so a seeded run that sends the same requests in the
//! same order sees the same delays and the same faults (the replay property the tests pin).
//! An error status is only ever one the operation documents: it is rendered as `Prefer: code=N`
//! would render it, and operations that do not document it are listed at startup and never
//! get it.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Either;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_LENGTH, HeaderValue};
use hyper::{Request, Response};
use serde_json::Value;

use super::App;
use super::problem::Body;
use crate::spec::{Method, Operation, Spec};

/// Longest delay ever slept, whatever a distribution or a `Prefer` header asks for.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// The body the accept loop sends: the mock's answer, or that answer cut short.
pub type ServedBody = Either<Body, Truncated>;

/// Why a request got no answer: the connection is dropped (a "reset" fault).
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a reset fault")
    }
}

impl std::error::Error for Dropped {}

/// How long to wait before answering.
#[derive(Debug, Clone, PartialEq)]
pub enum Delay {
    Fixed(Duration),
    /// Uniform between the two bounds (inclusive of the lower one).
    Uniform(Duration, Duration),
    /// Log-normal: `ln(delay)` is normal with mean `mu` and deviation `sigma` (seconds).
    LogNormal {
        mu: f64,
        sigma: f64,
    },
}

/// The 99th percentile of the standard normal distribution.
const Z99: f64 = 2.326_347_874_040_841;

impl Delay {
    /// `100ms`, `2s`, `150` (milliseconds), `uniform:50ms..200ms`,
    /// `lognormal:median=80ms,p99=400ms`.
    pub fn parse(text: &str) -> Result<Delay, String> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("uniform:") {
            let (lo, hi) = rest
                .split_once("..")
                .ok_or_else(|| format!("`{text}`: expected uniform:LOW..HIGH"))?;
            let (lo, hi) = (duration(lo)?, duration(hi)?);
            if hi < lo {
                return Err(format!("`{text}`: the upper bound is below the lower one"));
            }
            return Ok(Delay::Uniform(lo, hi));
        }
        if let Some(rest) = text.strip_prefix("lognormal:") {
            let (mut median, mut p99) = (None, None);
            for part in rest.split(',') {
                match part.split_once('=') {
                    Some(("median", v)) => median = Some(duration(v)?),
                    Some(("p99", v)) => p99 = Some(duration(v)?),
                    _ => {
                        return Err(format!(
                            "`{text}`: expected lognormal:median=DURATION,p99=DURATION"
                        ));
                    }
                }
            }
            let (Some(median), Some(p99)) = (median, p99) else {
                return Err(format!("`{text}`: both median= and p99= are needed"));
            };
            if median.is_zero() || p99 <= median {
                return Err(format!(
                    "`{text}`: the median must be above 0 and the p99 above the median"
                ));
            }
            let mu = median.as_secs_f64().ln();
            let sigma = (p99.as_secs_f64().ln() - mu) / Z99;
            return Ok(Delay::LogNormal { mu, sigma });
        }
        Ok(Delay::Fixed(duration(text)?))
    }

    fn sample(&self, rng: &mut Rng) -> Duration {
        let d = match *self {
            Delay::Fixed(d) => d,
            Delay::Uniform(lo, hi) => lo + (hi - lo).mul_f64(rng.unit()),
            Delay::LogNormal { mu, sigma } => {
                let secs = (mu + sigma * rng.normal()).exp();
                Duration::try_from_secs_f64(secs).unwrap_or(MAX_DELAY)
            }
        };
        d.min(MAX_DELAY)
    }
}

/// `100ms`, `2s`, `1.5s`, `250us`, or a bare number of milliseconds.
fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = t.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t, 1e-3)
    };
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (100ms, 2s, or milliseconds)"))?;
    if n.is_nan() || n < 0.0 {
        return Err(format!("`{text}`: a duration cannot be negative"));
    }
    Ok(Duration::try_from_secs_f64(n * scale)
        .unwrap_or(MAX_DELAY)
        .min(MAX_DELAY))
}

/// What a fault does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The operation's documented response for this status.
    Status(u16),
    /// The connection closes without an answer.
    Reset,
    /// The headers promise more body than is sent, then the connection closes.
    Truncate,
}

impl Fault {
    fn parse(kind: &str) -> Result<Fault, String> {
        match kind.trim() {
            "reset" => Ok(Fault::Reset),
            "truncate" => Ok(Fault::Truncate),
            code => match code.parse::<u16>() {
                Ok(c) if (400..=599).contains(&c) => Ok(Fault::Status(c)),
                _ => Err(format!(
                    "`{kind}`: a fault is reset, truncate, or an error status (400-599)"
                )),
            },
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Status(c) => write!(f, "{c}"),
            Fault::Reset => f.write_str("reset"),
            Fault::Truncate => f.write_str("truncate"),
        }
    }
}

/// A fault and the share of requests that get it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultRate {
    pub fault: Fault,
    pub rate: f64,
}

impl FaultRate {
    /// `reset:0.01`, `truncate:0.01`, `503:0.05`.
    pub fn parse(text: &str) -> Result<FaultRate, String> {
        let (kind, rate) = text
            .rsplit_once(':')
            .ok_or_else(|| format!("`{text}`: expected KIND:RATE (reset:0.01, 503:0.05)"))?;
        let fault = Fault::parse(kind)?;
        let rate: f64 = rate
            .trim()
            .parse()
            .map_err(|_| format!("`{text}`: the rate is not a number"))?;
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("`{text}`: the rate must be between 0 and 1"));
        }
        Ok(FaultRate { fault, rate })
    }
}

/// Delay and faults for all operations, or for one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub delay: Option<Delay>,
    /// Tried in order; their rates add up (a request gets at most one fault).
    pub faults: Vec<FaultRate>,
}

impl Plan {
    fn is_empty(&self) -> bool {
        self.delay.is_none() && self.faults.iter().all(|f| f.rate == 0.0)
    }

    /// From an operation's `x-stipula-delay` / `x-stipula-faults` extensions, or the same keys
    /// (`delay`, `faults`) of a `--mock-config` entry.
    fn from_values(delay: Option<&Value>, faults: Option<&Value>) -> Result<Plan, String> {
        let delay = match delay {
            None => None,
            Some(Value::String(s)) => Some(Delay::parse(s)?),
            Some(Value::Number(n)) => Some(Delay::parse(&n.to_string())?),
            Some(other) => return Err(format!("delay {other}: expected a string like 100ms")),
        };
        let faults = match faults {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => FaultRate::parse(s),
                    other => Err(format!("fault {other}: expected a string like reset:0.01")),
                })
                .collect::<Result<_, _>>()?,
            Some(Value::String(s)) => vec![FaultRate::parse(s)?],
            Some(other) => {
                return Err(format!(
                    "faults {other}: expected a list of strings like [\"503:0.05\", \"reset:0.01\"]"
                ));
            }
        };
        Ok(Plan { delay, faults })
    }

    /// This plan, with what it leaves unset taken from `base`.
    fn over(&self, base: &Plan) -> Plan {
        Plan {
            delay: self.delay.clone().or_else(|| base.delay.clone()),
            faults: if self.faults.is_empty() {
                base.faults.clone()
            } else {
                self.faults.clone()
            },
        }
    }
}

/// Latency and faults of a running mock: the global plan and per-operation plans (by
/// operationId), and the request counter that seeds each request's choices.
#[derive(Debug, Default)]
pub struct Chaos {
    pub seed: u64,
    pub global: Plan,
    /// operationId → plan, from `--mock-config`; the operation's own extensions come next.
    pub operations: HashMap<String, Plan>,
    counter: AtomicU64,
}

/// The `--mock-config` file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    delay: Option<Value>,
    faults: Option<Value>,
    #[serde(default)]
    operations: HashMap<String, OperationConfig>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OperationConfig {
    delay: Option<Value>,
    faults: Option<Value>,
}

impl Chaos {
    pub fn new(seed: u64, global: Plan) -> Chaos {
        Chaos {
            seed,
            global,
            ..Chaos::default()
        }
    }

    /// Reads a `--mock-config` YAML file: optional top-level `delay`/`faults` (added to the
    /// global plan where the flags left them unset) and `operations: {opId: {delay, faults}}`.
    pub fn with_config_text(mut self, text: &str) -> Result<Chaos, String> {
        let file: ConfigFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        let top = Plan::from_values(file.delay.as_ref(), file.faults.as_ref())?;
        self.global = self.global.over(&top);
        for (id, c) in file.operations {
            let plan = Plan::from_values(c.delay.as_ref(), c.faults.as_ref())
                .map_err(|e| format!("operations.{id}: {e}"))?;
            self.operations.insert(id, plan);
        }
        Ok(self)
    }

    /// Whether nothing is configured (then the mock runs without the wrapper's work).
    pub fn is_empty(&self) -> bool {
        self.global.is_empty() && self.operations.values().all(Plan::is_empty)
    }

    /// Whether the mock needs the wrapper: something is configured, or an operation of `specs`
    /// has its own `x-stipula-delay` / `x-stipula-faults`.
    pub fn needed(&self, specs: &[&Spec]) -> bool {
        !self.is_empty()
            || specs.iter().flat_map(|s| &s.operations).any(|o| {
                o.extensions.contains_key("x-stipula-delay")
                    || o.extensions.contains_key("x-stipula-faults")
            })
    }

    /// What to tell at startup: operationIds in the config that no spec has, and operations
    /// that would get an error status they do not document (they never get it). `Err` for a
    /// malformed extension.
    pub fn startup_notes(&self, specs: &[&Spec]) -> Result<Vec<String>, String> {
        let mut notes = Vec::new();
        for id in self.operations.keys() {
            let known = specs
                .iter()
                .flat_map(|s| &s.operations)
                .any(|o| o.operation_id.as_deref() == Some(id.as_str()));
            if !known {
                notes.push(format!(
                    "--mock-config: no operation has the operationId `{id}`"
                ));
            }
        }
        let mut missing: HashMap<u16, Vec<String>> = HashMap::new();
        for op in specs.iter().flat_map(|s| &s.operations) {
            let plan = self.plan_for(op)?;
            for f in &plan.faults {
                if let Fault::Status(code) = f.fault
                    && f.rate > 0.0
                    && op.response_for(code).is_none()
                {
                    missing.entry(code).or_default().push(op.label());
                }
            }
        }
        let mut codes: Vec<_> = missing.into_iter().collect();
        codes.sort();
        for (code, ops) in codes {
            notes.push(format!(
                "fault status {code} is not documented by {} operation(s) ({}{}): they never get it",
                ops.len(),
                ops.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                if ops.len() > 5 { ", ..." } else { "" }
            ));
        }
        Ok(notes)
    }

    /// The plan for one operation: `--mock-config`, then its extensions, then the global one.
    fn plan_for(&self, op: &Operation) -> Result<Plan, String> {
        let from_extensions = Plan::from_values(
            op.extensions.get("x-stipula-delay"),
            op.extensions.get("x-stipula-faults"),
        )
        .map_err(|e| format!("{}: x-stipula-delay/x-stipula-faults: {e}", op.label()))?;
        let own = op
            .operation_id
            .as_deref()
            .and_then(|id| self.operations.get(id));
        Ok(match own {
            Some(own) => own.over(&from_extensions).over(&self.global),
            None => from_extensions.over(&self.global),
        })
    }

    /// The delay and fault for the next request to `op` (`None`: no operation was reached).
    fn choose(&self, op: Option<&Operation>, prefer: &Prefer) -> (Option<Duration>, Option<Fault>) {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let label = op.map(Operation::label).unwrap_or_default();
        let mut rng = Rng::new(self.seed ^ fnv(&label) ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let plan = match op {
            Some(op) => self.plan_for(op).unwrap_or_else(|_| self.global.clone()),
            None => self.global.clone(),
        };
        let delay = prefer
            .delay
            .or_else(|| plan.delay.as_ref().map(|d| d.sample(&mut rng)));
        let roll = rng.unit();
        let fault = prefer.fault.or_else(|| {
            let mut acc = 0.0;
            plan.faults.iter().find_map(|f| {
                acc += f.rate;
                (roll < acc).then_some(f.fault)
            })
        });
        // Only documented statuses: an operation that does not document it answers as usual.
        let fault = fault.filter(|f| match (f, op) {
            (Fault::Status(code), Some(op)) => op.response_for(*code).is_some(),
            (Fault::Status(_), None) => false,
            _ => true,
        });
        (delay, fault)
    }
}

/// `Prefer: delay=200` (milliseconds or a duration) and `Prefer: fault=reset|truncate`.
#[derive(Debug, Default)]
struct Prefer {
    delay: Option<Duration>,
    fault: Option<Fault>,
}

fn prefer(headers: &hyper::HeaderMap) -> Prefer {
    let mut p = Prefer::default();
    for value in headers.get_all("prefer") {
        let Ok(text) = value.to_str() else { continue };
        for token in text.split([',', ';']) {
            let Some((key, v)) = token.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "delay" => p.delay = duration(v).ok(),
                "fault" => {
                    p.fault = match v {
                        "reset" => Some(Fault::Reset),
                        "truncate" => Some(Fault::Truncate),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
    }
    p
}

/// The service the accept loop runs: the mock's answer, delayed or broken as configured.
pub async fn serve(app: &App, req: Request<Incoming>) -> Result<Response<ServedBody>, Dropped> {
    let chaos = app.config.chaos.as_deref();
    if chaos.is_none() && !req.headers().contains_key("prefer") {
        return Ok(super::handle::handle(app, req).await.map(Either::Left));
    }
    let prefer = prefer(req.headers());
    let op = operation(app, &req);
    let (delay, fault) = match chaos {
        Some(chaos) => chaos.choose(op, &prefer),
        None => (prefer.delay.map(|d| d.min(MAX_DELAY)), prefer.fault),
    };
    if let Some(d) = delay {
        tokio::time::sleep(d.min(MAX_DELAY)).await;
    }
    match fault {
        None => Ok(super::handle::handle(app, req).await.map(Either::Left)),
        Some(Fault::Reset) => {
            tracing::info!(
                method = %req.method(),
                path = req.uri().path(),
                "request answered with a connection reset (fault)"
            );
            Err(Dropped)
        }
        Some(Fault::Status(code)) => {
            let mut req = req;
            if let Ok(v) = HeaderValue::from_str(&format!("code={code}")) {
                req.headers_mut().append("prefer", v);
            }
            Ok(super::handle::handle(app, req).await.map(Either::Left))
        }
        Some(Fault::Truncate) => {
            let response = super::handle::handle(app, req).await;
            Ok(truncate(response).await)
        }
    }
}

/// The operation a request reaches, if any (for its plan and its documented statuses).
fn operation<'a>(app: &'a App, req: &Request<Incoming>) -> Option<&'a Operation> {
    let matched = app.router.at(req.uri().path())?;
    let method = Method::ALL
        .into_iter()
        .find(|m| m.as_str() == req.method().as_str())?;
    let target = matched.route.target(method)?;
    Some(&app.mounts[target.mount].spec.operations[target.operation])
}

/// The response with a `Content-Length` of its whole body but only the first half sent (an
/// empty body promises one byte); the connection then closes.
async fn truncate(response: Response<Body>) -> Response<ServedBody> {
    use http_body_util::BodyExt;
    let (mut parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let declared = bytes.len().max(1);
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(declared as u64));
    let sent = bytes.slice(..bytes.len() / 2);
    Response::from_parts(
        parts,
        Either::Right(Truncated {
            sent: Some(sent),
            pause: None,
        }),
    )
}

/// How long a truncated body waits after its bytes before failing: hyper flushes what it has
/// while the body is pending, so the client does get the headers and the partial body (failing
/// at once would drop them unsent).
const TRUNCATE_PAUSE: Duration = Duration::from_millis(20);

/// A body that sends its bytes, pauses, then fails: hyper closes the connection short of the
/// promised length.
#[derive(Debug)]
pub struct Truncated {
    sent: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl HttpBody for Truncated {
    type Data = Bytes;
    type Error = Dropped;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Dropped>>> {
        if let Some(b) = self.sent.take().filter(|b| !b.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(b))));
        }
        let pause = self
            .pause
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(TRUNCATE_PAUSE)));
        match pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(Dropped))),
        }
    }

    fn size_hint(&self) -> SizeHint {
        // Unknown on purpose: hyper then trusts the Content-Length header.
        SizeHint::default()
    }
}

/// splitmix64: small, fast and the same on every platform (the replay needs that, not
/// cryptographic quality).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_parse() {
        assert_eq!(
            Delay::parse("100ms"),
            Ok(Delay::Fixed(Duration::from_millis(100)))
        );
        assert_eq!(
            Delay::parse("150"),
            Ok(Delay::Fixed(Duration::from_millis(150)))
        );
        assert_eq!(Delay::parse("2s"), Ok(Delay::Fixed(Duration::from_secs(2))));
        assert_eq!(
            Delay::parse("uniform:50ms..200ms"),
            Ok(Delay::Uniform(
                Duration::from_millis(50),
                Duration::from_millis(200)
            ))
        );
        assert!(Delay::parse("uniform:200ms..50ms").is_err());
        assert!(Delay::parse("lognormal:median=80ms").is_err());
        assert!(Delay::parse("lognormal:median=80ms,p99=40ms").is_err());
        assert!(Delay::parse("soon").is_err());
        assert!(Delay::parse("-5ms").is_err());
    }

    #[test]
    fn lognormal_has_its_median_and_p99() {
        let d = Delay::parse("lognormal:median=80ms,p99=400ms").unwrap();
        let mut rng = Rng::new(7);
        let mut samples: Vec<Duration> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
        samples.sort();
        let median = samples[samples.len() / 2].as_secs_f64();
        let p99 = samples[samples.len() * 99 / 100].as_secs_f64();
        assert!((median - 0.080).abs() < 0.008, "median {median}");
        assert!((p99 - 0.400).abs() < 0.06, "p99 {p99}");
    }

    #[test]
    fn uniform_stays_in_bounds() {
        let d = Delay::parse("uniform:50ms..60ms").unwrap();
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            let s = d.sample(&mut rng);
            assert!(s >= Duration::from_millis(50) && s <= Duration::from_millis(60));
        }
    }

    #[test]
    fn faults_parse() {
        assert_eq!(
            FaultRate::parse("reset:0.01"),
            Ok(FaultRate {
                fault: Fault::Reset,
                rate: 0.01
            })
        );
        assert_eq!(FaultRate::parse("503:1").unwrap().fault, Fault::Status(503));
        assert!(FaultRate::parse("200:0.5").is_err());
        assert!(FaultRate::parse("reset:2").is_err());
        assert!(FaultRate::parse("reset").is_err());
    }

    #[test]
    fn config_file_sets_operations() {
        let chaos = Chaos::new(0, Plan::default())
            .with_config_text(
                "delay: 10ms\noperations:\n  getPet:\n    delay: uniform:1ms..2ms\n    faults: [\"reset:0.5\"]\n",
            )
            .unwrap();
        assert_eq!(
            chaos.global.delay,
            Some(Delay::Fixed(Duration::from_millis(10)))
        );
        assert_eq!(chaos.operations["getPet"].faults[0].fault, Fault::Reset);
        assert!(
            Chaos::new(0, Plan::default())
                .with_config_text("operation: {}")
                .is_err()
        );
    }
}
