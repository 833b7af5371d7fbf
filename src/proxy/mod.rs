//! `stipula proxy`: a validating reverse proxy. Every request is forwarded to the real server
//! and both directions are checked against the spec on the way, with no checks of its own:
//!
//! - the request by the mock's checks ([`crate::mock::inspect`]: routing, security, parameters,
//!   body), so the proxy flags exactly what `stipula mock` would refuse;
//! - the response by the runner's [`Judge`] (status, media type, body schema, headers, and
//!   whether an invalid request was refused), so a finding reads as in `stipula test`.
//!
//! It is a proxy first: an invalid request is still forwarded (and flagged), and the proxy only
//! answers for itself when it must: 413 for a request body over the limit, 502 (problem+json)
//! when the upstream cannot be reached or answers with a body over the limit, 504 when it
//! does not answer in time. Every answer carries `x-stipula-violations` when anything was
//! found, in the mock's format. Findings add up in a runner [`Report`] (deduplicated like the
//! runner's, phase `observed`) written as `--json` / `--junit` on shutdown; `--record DIR`
//! keeps a few observed exchanges per operation and status as examples ([`record`]).

pub mod record;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::{Value, json};

use crate::mock::{App, Limits, MockConfig, MockError, Mount, RequestViolation};
use crate::runner::checks::{Expect, Judge};
use crate::runner::event::{Check, Event, Outcome, Phase, Report, RunInfo, ViolationRecord};
use crate::runner::request::{Prepared, Received};
use crate::runner::secrets::{CREDENTIAL_HEADERS, Masker};

/// The checks the proxy applies to each observed response.
pub const CHECKS: [Check; 7] = [
    Check::ServerError,
    Check::StatusDocumented,
    Check::ContentTypeDocumented,
    Check::BodySchema,
    Check::ResponseHeaders,
    Check::InvalidRequestRejected,
    Check::AuthEnforced,
];

/// Most distinct findings kept in the report; later ones only count as occurrences of the
/// same problem or are dropped (a notice says so).
pub const MAX_FINDINGS: usize = 1000;

/// Headers that belong to one connection (RFC 9110 §7.6.1) and are not forwarded, either way.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// How the proxy runs.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The real server: `http://host:port` plus an optional base path, no trailing slash needed.
    pub upstream: String,
    /// `max_body_bytes` bounds the request body (413) and the upstream's response body (502);
    /// the timeouts are the mock's.
    pub limits: Limits,
    /// Time the upstream has to answer completely (504 past it).
    pub upstream_timeout: Duration,
    /// Write observed exchanges here, as examples.
    pub record: Option<PathBuf>,
    /// Most exchanges recorded per operation and status.
    pub record_limit: usize,
    /// Report files written on shutdown.
    pub json: Option<PathBuf>,
    pub junit: Option<PathBuf>,
}

impl ProxyConfig {
    pub fn new(upstream: impl Into<String>) -> ProxyConfig {
        ProxyConfig {
            upstream: upstream.into(),
            limits: Limits::default(),
            upstream_timeout: Duration::from_secs(30),
            record: None,
            record_limit: 5,
            json: None,
            junit: None,
        }
    }
}

/// Why a proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error(transparent)]
    Mock(#[from] MockError),
    #[error("--upstream {0}: expected an http:// or https:// URL")]
    Upstream(String),
    #[error("cannot create the HTTP client: {0}")]
    Client(reqwest::Error),
    #[error("--record {}: {source}", .dir.display())]
    Record {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// The proxy's state: the specs (as a mock app: routes and validators), the client, and what
/// was observed.
pub struct Proxy {
    app: App,
    upstream: String,
    client: reqwest::Client,
    config: ProxyConfig,
    observed: Mutex<Observed>,
    recorder: Option<record::Recorder>,
}

/// The report being built and where each distinct finding is in it.
struct Observed {
    report: Report,
    index: HashMap<String, usize>,
    started: Instant,
    dropped: u64,
}

impl Proxy {
    pub fn new(mounts: Vec<Mount>, config: ProxyConfig) -> Result<Proxy, ProxyError> {
        let upstream = config.upstream.trim_end_matches('/').to_string();
        if !(upstream.starts_with("http://") || upstream.starts_with("https://"))
            || reqwest::Url::parse(&upstream).is_err()
        {
            return Err(ProxyError::Upstream(config.upstream.clone()));
        }
        let app = App::new(
            mounts,
            MockConfig {
                limits: config.limits.clone(),
                ..MockConfig::default()
            },
        )?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.upstream_timeout)
            .build()
            .map_err(ProxyError::Client)?;
        let recorder = match &config.record {
            Some(dir) => Some(
                record::Recorder::new(dir.clone(), config.record_limit).map_err(|source| {
                    ProxyError::Record {
                        dir: dir.clone(),
                        source,
                    }
                })?,
            ),
            None => None,
        };
        let specs: Vec<&str> = app.mounts.iter().map(|m| m.spec.name()).collect();
        let info = RunInfo {
            spec: specs.join(", "),
            base_url: upstream.clone(),
            seed: 0,
            shard: None,
            operations: app
                .mounts
                .iter()
                .flat_map(|m| m.spec.operations.iter().map(|o| o.label()))
                .collect(),
            checks: CHECKS.to_vec(),
            phases: vec![Phase::Observed],
        };
        Ok(Proxy {
            app,
            upstream,
            client,
            config,
            observed: Mutex::new(Observed {
                report: Report::new(info),
                index: HashMap::new(),
                started: Instant::now(),
                dropped: 0,
            }),
            recorder,
        })
    }

    pub fn mounts(&self) -> &[Mount] {
        &self.app.mounts
    }

    fn observed(&self) -> std::sync::MutexGuard<'_, Observed> {
        self.observed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The report so far.
    pub fn report(&self) -> Report {
        let o = self.observed();
        let mut report = o.report.clone();
        report.elapsed_seconds = o.started.elapsed().as_secs_f64();
        if o.dropped > 0 {
            report.notices.push(format!(
                "{} finding(s) past the first {MAX_FINDINGS} distinct ones were dropped",
                o.dropped
            ));
        }
        report
    }

    /// Writes `--json` and `--junit` (those configured) and returns the report.
    pub fn write_reports(&self) -> std::io::Result<Report> {
        let report = self.report();
        if let Some(path) = &self.config.json {
            crate::runner::report::json::write_json(&report, path)?;
        }
        if let Some(path) = &self.config.junit {
            crate::runner::report::junit::write_junit(&report, path)?;
        }
        Ok(report)
    }

    /// One request: read, check, forward, check the answer, pass it back.
    pub async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let started = Instant::now();
        let (parts, body) = req.into_parts();
        let limits = &self.config.limits;
        let read = tokio::time::timeout(
            limits.body_read_timeout,
            Limited::new(body, limits.max_body_bytes).collect(),
        )
        .await;
        let body = match read {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                return own(
                    413,
                    "body-too-large",
                    format!(
                        "the request body is larger than the proxy's limit of {} bytes",
                        limits.max_body_bytes
                    ),
                    &[],
                );
            }
            Ok(Err(e)) => {
                return own(
                    400,
                    "bad-body",
                    format!("the request body could not be read: {e}"),
                    &[],
                );
            }
            Err(_) => {
                return own(
                    408,
                    "body-timeout",
                    format!(
                        "the request body did not arrive within {} s",
                        limits.body_read_timeout.as_secs()
                    ),
                    &[],
                );
            }
        };
        let inspection = crate::mock::inspect(&self.app, &parts, &body);
        let mut flagged: Vec<RequestViolation> = Vec::new();
        if let Some(why) = &inspection.unrouted {
            flagged.push(RequestViolation {
                location: "request",
                name: parts.uri.path().to_string(),
                rule: "documented".into(),
                message: why.clone(),
            });
        }
        flagged.extend(inspection.security.iter().cloned());
        flagged.extend(inspection.violations.iter().cloned());

        let url = format!(
            "{}{}",
            self.upstream,
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        );
        let sent = Prepared {
            method: parts.method.to_string(),
            url: url.clone(),
            headers: forwarded_headers(&parts.headers)
                .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
                .collect(),
            body: (!body.is_empty()).then(|| body.to_vec()),
        };
        let received = match self.forward(&parts, &url, body.clone()).await {
            Ok(r) => r,
            Err(mut refusal) => {
                if !flagged.is_empty() {
                    crate::mock::set_violations_header(&mut refusal, &flagged);
                }
                tracing::warn!(method = %parts.method, url, status = refusal.status().as_u16(), "upstream failed");
                return refusal;
            }
        };

        let op = inspection.operation.map(|(m, o)| {
            (
                &self.app.mounts[m].spec,
                &self.app.mounts[m].spec.operations[o],
            )
        });
        let mut verdicts = Vec::new();
        if let Some((spec, op)) = op {
            let expect = if let Some(s) = &inspection.security {
                Expect::Unauthorized {
                    what: s.message.clone(),
                }
            } else if !inspection.violations.is_empty() {
                // The same leniency as `stipula test`: accepting what OpenAPI leaves to the
                // server (an undocumented media type, a value breaking only `format`) warns.
                let rules = || inspection.violations.iter().map(|v| v.rule.as_str());
                let lenient = if rules().any(|r| r == "mediaType") {
                    Some(crate::runner::cases::LENIENT_MEDIA_TYPE)
                } else if rules().all(|r| r == "format") {
                    Some(crate::runner::cases::LENIENT_FORMAT)
                } else {
                    None
                };
                Expect::Invalid {
                    check: Check::InvalidRequestRejected,
                    lenient,
                    what: inspection
                        .violations
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                }
            } else {
                Expect::Nothing
            };
            let judge = Judge {
                spec,
                enabled: &CHECKS,
                max_response_time: None,
                timeout: self.config.upstream_timeout,
                strict: false,
            };
            verdicts = judge.judge(op, &expect, &received);
        }
        for v in verdicts.iter().filter(|v| v.outcome != Outcome::Passed) {
            if v.violations.is_empty() {
                flagged.push(RequestViolation {
                    location: "response",
                    name: v.check.id().into(),
                    rule: v.check.id().into(),
                    message: v.message.clone(),
                });
            }
            for record in &v.violations {
                flagged.push(RequestViolation {
                    location: "response",
                    name: format!("{} {}", v.check.id(), record.instance_path),
                    rule: record.keyword.clone(),
                    message: record.message.clone(),
                });
            }
        }
        let label = op.map(|(_, o)| o.label());
        tracing::info!(
            method = %parts.method,
            path = parts.uri.path(),
            operation = label.as_deref().unwrap_or(""),
            status = received.status,
            violations = flagged.len(),
            micros = started.elapsed().as_micros() as u64,
            "proxied"
        );
        for v in &flagged {
            tracing::warn!(method = %parts.method, path = parts.uri.path(), "{v}");
        }
        self.observe(
            &parts,
            op.map(|(_, o)| o),
            &inspection,
            &verdicts,
            &sent,
            &received,
        );
        if let (Some(recorder), Some(label)) = (&self.recorder, &label)
            && let Err(e) = recorder.observe(label, &sent, &received)
        {
            tracing::warn!("--record: {e}");
        }

        let mut response = Response::new(Full::new(Bytes::from(received.body)));
        *response.status_mut() =
            hyper::StatusCode::from_u16(received.status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
        for (name, value) in &received.headers {
            if HOP_BY_HOP.contains(&name.as_str()) || name == "content-length" {
                continue;
            }
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().append(n, v);
            }
        }
        if !flagged.is_empty() {
            crate::mock::set_violations_header(&mut response, &flagged);
        }
        response
    }

    /// Sends the request upstream and reads the whole answer (within the body limit), or the
    /// proxy's own 502/504.
    async fn forward(
        &self,
        parts: &hyper::http::request::Parts,
        url: &str,
        body: Bytes,
    ) -> Result<Received, Response<Full<Bytes>>> {
        let started = Instant::now();
        let mut request = self.client.request(parts.method.clone(), url);
        for (name, value) in forwarded_headers(&parts.headers) {
            request = request.header(name.clone(), value.clone());
        }
        if !body.is_empty() {
            request = request.body(body);
        }
        let unreachable = |e: reqwest::Error| {
            let mut detail = format!("the upstream {url} could not be reached: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                detail.push_str(&format!(": {s}"));
                source = s.source();
            }
            if e.is_timeout() {
                own(
                    504,
                    "upstream-timeout",
                    format!(
                        "the upstream {url} did not answer within {} s",
                        self.config.upstream_timeout.as_secs()
                    ),
                    &[],
                )
            } else {
                own(502, "upstream-unreachable", detail, &[])
            }
        };
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let headers = crate::runner::request::header_pairs(response.headers());
        let limit = self.config.limits.max_body_bytes;
        let mut buffer = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if buffer.len() + chunk.len() > limit {
                return Err(own(
                    502,
                    "upstream-body-too-large",
                    format!(
                        "the upstream's {status} body is larger than the proxy's limit of {limit} bytes"
                    ),
                    &[],
                ));
            }
            buffer.extend_from_slice(&chunk);
        }
        Ok(Received {
            status,
            asked_status: false,
            path: parts.uri.path().to_string(),
            raw_status: None,
            // Over the limit the proxy answers 502 itself (above): what it judges is whole.
            truncated: false,
            headers,
            body: buffer.to_vec(),
            elapsed: started.elapsed(),
        })
    }

    /// Adds one exchange to the report: a case with its outcomes, and each failure or warning
    /// as a finding (one per distinct problem, counting occurrences).
    fn observe(
        &self,
        parts: &hyper::http::request::Parts,
        op: Option<&crate::spec::Operation>,
        inspection: &crate::mock::Inspection,
        verdicts: &[crate::runner::checks::Verdict],
        sent: &Prepared,
        received: &Received,
    ) {
        let mut o = self.observed();
        let Some(op) = op else {
            let notice = format!(
                "{} {}: {}",
                parts.method,
                parts.uri.path(),
                inspection.unrouted.as_deref().unwrap_or("not documented")
            );
            if o.report.notices.len() < MAX_FINDINGS && !o.report.notices.contains(&notice) {
                o.report.notices.push(notice);
            }
            return;
        };
        let label = op.label();
        o.report.record(&Event::Case {
            operation: label.clone(),
            phase: Phase::Observed,
            outcomes: verdicts.iter().map(|v| (v.check, v.outcome)).collect(),
            exercised: Default::default(),
        });
        for v in verdicts.iter().filter(|v| v.outcome != Outcome::Passed) {
            let key = format!("{label}|{}", v.signature());
            if let Some(&i) = o.index.get(&key) {
                o.report.findings[i].occurrences += 1;
                continue;
            }
            if o.report.findings.len() >= MAX_FINDINGS {
                o.dropped += 1;
                continue;
            }
            let mut violations = v.violations.clone();
            if v.check == Check::InvalidRequestRejected || v.check == Check::AuthEnforced {
                violations.extend(
                    inspection
                        .security
                        .iter()
                        .chain(&inspection.violations)
                        .map(|r| ViolationRecord {
                            instance_path: format!("request:{} {}", r.location, r.name),
                            keyword: r.rule.clone(),
                            schema_location: String::new(),
                            message: r.message.clone(),
                        }),
                );
            }
            let mut finding =
                v.finding(op, Phase::Observed, sent.record(), Some(received.record()));
            finding.violations = violations;
            // Reports never show the client's credentials (as `stipula test`'s do not).
            Masker::standard().finding(&mut finding);
            finding.fingerprint = crate::runner::baseline::fingerprint(&finding);
            let i = o.report.findings.len();
            o.report.findings.push(finding);
            o.index.insert(key, i);
        }
    }
}

/// The headers sent on: all but hop-by-hop ones, `Host` (the client sets the upstream's) and
/// `Accept-Encoding` (so that bodies come back as they are judged: unencoded).
fn forwarded_headers(
    headers: &hyper::HeaderMap,
) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
    headers.iter().filter(|(n, _)| {
        let n = n.as_str();
        !HOP_BY_HOP.contains(&n) && n != "host" && n != "content-length" && n != "accept-encoding"
    })
}

/// An answer of the proxy's own: problem+json.
fn own(
    status: u16,
    kind: &str,
    detail: String,
    violations: &[RequestViolation],
) -> Response<Full<Bytes>> {
    let title = hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    crate::mock::problem(status, kind, title, detail, violations)
}

/// Serves the proxy on `listener` until `shutdown` completes, then lets open requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    proxy: Arc<Proxy>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(proxy.config.limits.header_read_timeout)
        .keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let proxy = proxy.clone();
                let service = service_fn(move |req| {
                    let proxy = proxy.clone();
                    async move { Ok::<_, std::convert::Infallible>(proxy.handle(req).await) }
                });
                let conn = builder.serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// A proxy running in the background on 127.0.0.1 (for tests and library users), stopped
/// when dropped or [`ProxyServer::finish`]ed.
pub struct ProxyServer {
    addr: SocketAddr,
    proxy: Arc<Proxy>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProxyServer {
    pub fn start(
        mounts: Vec<Mount>,
        config: ProxyConfig,
        addr: &str,
    ) -> Result<ProxyServer, ProxyError> {
        let proxy = Arc::new(Proxy::new(mounts, config)?);
        let bind = |source| MockError::Bind {
            addr: addr.to_string(),
            source,
        };
        let listener = std::net::TcpListener::bind(addr).map_err(bind)?;
        let bound = listener.local_addr().map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_stack_size(crate::mock::WORKER_STACK_BYTES)
            .enable_all()
            .build()
            .map_err(MockError::Runtime)?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = proxy.clone();
        let thread = std::thread::Builder::new()
            .name("stipula-proxy".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => serve(l, served, async { drop(rx.await) }).await,
                        Err(e) => tracing::error!("cannot serve: {e}"),
                    }
                });
            })
            .map_err(MockError::Runtime)?;
        Ok(ProxyServer {
            addr: bound,
            proxy,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn proxy(&self) -> &Proxy {
        &self.proxy
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Stops serving, writes the configured reports and returns the report.
    pub fn finish(mut self) -> std::io::Result<Report> {
        self.stop();
        self.proxy.write_reports()
    }
}

impl Drop for ProxyServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The exchange as a recorded example (also what `--record` writes).
pub(crate) fn exchange_json(label: &str, sent: &Prepared, received: &Received) -> Value {
    let body = |bytes: &[u8]| -> Value {
        if bytes.is_empty() {
            return Value::Null;
        }
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
    };
    let headers = |h: &[(String, String)]| -> Value {
        h.iter()
            .map(|(n, v)| {
                let secret = CREDENTIAL_HEADERS.contains(&n.to_ascii_lowercase().as_str());
                (
                    n.to_ascii_lowercase(),
                    Value::String(if secret {
                        "<redacted>".into()
                    } else {
                        v.clone()
                    }),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    json!({
        "operation": label,
        "request": {
            "method": sent.method,
            "url": sent.url,
            "headers": headers(&sent.headers),
            "body": body(sent.body.as_deref().unwrap_or_default()),
        },
        "response": {
            "status": received.status,
            "headers": headers(&received.headers),
            "body": body(&received.body),
        },
    })
}
