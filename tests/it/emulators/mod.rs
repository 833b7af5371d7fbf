//! Emulated implementations of the four seed APIs (and one fixture API), the targets `stipula
//! test` is proven against: each correct emulator must pass the runner at any seed, and each
//! faulty variant (one realistic bug switched on) must be caught by the check its [`Fault`]
//! names.
//!
//! Why they are shaped like this:
//! - **Hand-written, never derived from the spec.** Each API module checks requests with
//!   explicit Rust (`strict`'s small helpers over `serde_json::Value`) and builds responses
//!   from its own in-memory state, the way a real server would. Nothing here calls stipula's
//!   validator, generator or mock: the proof would be circular if the runner were checked
//!   against stipula's own reading of the spec. Only the *tests* of the emulators
//!   (`tests.rs`) use `Spec::load` + `Schemas::validate`, to show the emulators keep the
//!   contract.
//! - **Strict like the spec, no stricter where it matters.** A request that breaks one schema
//!   rule (missing, wrong type, bad uuid, out of the int32 range, outside an enum, too many
//!   items, malformed JSON, wrong Content-Type, missing header) gets the documented 4xx with
//!   the documented error shape; anything the schema allows (empty strings, boundary values,
//!   non-ASCII text, 2000 items, integers written `18.0`) is processed. Business rules the
//!   spec only states in prose (unknown users, duplicate names, a consent's allowed values)
//!   answer documented 4xx statuses, which the runner treats as warnings.
//! - **Real servers.** hyper on 127.0.0.1 port 0, one thread and current-thread runtime per
//!   emulator, stopped on drop (like `stipula::mock::MockServer`), served under the spec's base
//!   path so that [`Emulator::url`] is exactly what `stipula test --url` takes. Routing knows
//!   404 from 405 (with `Allow`); authentication comes before validation.
//! - **Faults are data.** [`FAULTS`] is the one table (API, name, check that must catch it,
//!   what the bug is); an API module reads the name it was started with. Every check id of the
//!   runner appears at least once, every seed API has at least two faults, and `tests.rs`
//!   shows each fault changes behaviour against the correct emulator.

mod agreement;
mod consent_exports;
mod fusionauth;
pub mod lenient;
mod lytx_consent;
mod lytx_users;
mod slashid;
mod standalone;
mod strict;
mod tests;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use serde_json::Value;

/// One emulated API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    LytxConsent,
    LytxUsers,
    FusionAuth,
    SlashId,
    /// `tests/fixtures/runner/consent-exports.yaml`: no bundled spec documents a required
    /// response header, so this small API carries the `response-headers` faults.
    ConsentExports,
    /// `tests/fixtures/runner/notes-lenient.yaml`: a lenient but correct API (see
    /// `lenient.rs`); not in [`Api::EVERY`], whose members refuse every wrong credential.
    Notes,
}

impl Api {
    /// The four seed APIs (bundled specs).
    pub const ALL: [Api; 4] = [
        Api::LytxConsent,
        Api::LytxUsers,
        Api::FusionAuth,
        Api::SlashId,
    ];
    /// APIs that exist only as test fixtures (`tests/fixtures/runner/`).
    pub const FIXTURES: [Api; 1] = [Api::ConsentExports];
    /// Every emulated API.
    pub const EVERY: [Api; 5] = [
        Api::LytxConsent,
        Api::LytxUsers,
        Api::FusionAuth,
        Api::SlashId,
        Api::ConsentExports,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Api::LytxConsent => "lytx-consent",
            Api::LytxUsers => "lytx-users",
            Api::FusionAuth => "fusionauth",
            Api::SlashId => "slashid",
            Api::ConsentExports => "consent-exports",
            Api::Notes => "notes",
        }
    }

    /// Absolute path to the spec the emulator implements.
    pub fn spec_path(self) -> PathBuf {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        match self {
            Api::LytxConsent => root.join("specs/lytx-consent-management.json"),
            Api::LytxUsers => root.join("specs/lytx-users.json"),
            Api::FusionAuth => root.join("specs/fusionauth-consent.yaml"),
            Api::SlashId => root.join("specs/slashid-gdpr-consent.yaml"),
            Api::ConsentExports => root.join("tests/fixtures/runner/consent-exports.yaml"),
            Api::Notes => root.join("tests/fixtures/runner/notes-lenient.yaml"),
        }
    }

    /// The path of the spec's first server URL, which the emulator is served under (`""` for
    /// FusionAuth, whose paths start at `/api/`).
    pub fn base_path(self) -> &'static str {
        match self {
            Api::LytxConsent => "/consent-management",
            Api::LytxUsers => "/lytx-users",
            Api::FusionAuth => "",
            Api::SlashId => "/slashid",
            Api::ConsentExports => "/consent-exports",
            Api::Notes => "/notes-api",
        }
    }

    /// The valid credential, as the headers the runner must send (`--header 'Name: value'`).
    pub fn auth_headers(self) -> Vec<(String, String)> {
        let (name, value) = self.credential();
        vec![(name.to_string(), value.to_string())]
    }

    /// The credential header and its only accepted value.
    pub fn credential(self) -> (&'static str, &'static str) {
        match self {
            Api::LytxConsent => ("Authorization", "Bearer lytx-consent-emulator-token"),
            Api::LytxUsers => ("Authorization", "Bearer lytx-users-emulator-token"),
            Api::FusionAuth => ("Authorization", "fusionauth-emulator-api-key"),
            Api::SlashId => ("SlashID-API-Key", "slashid-emulator-api-key"),
            Api::ConsentExports => ("Authorization", "Bearer consent-exports-emulator-token"),
            // anyone:anything (any user:pass is accepted)
            Api::Notes => ("Authorization", "Basic YW55b25lOmFueXRoaW5n"),
        }
    }

    /// This API's faults.
    pub fn faults(self) -> impl Iterator<Item = &'static Fault> {
        FAULTS.iter().filter(move |f| f.api == self)
    }
}

/// One realistic bug in one emulator, and the runner check (stable id) that must catch it.
#[derive(Clone, Copy, Debug)]
pub struct Fault {
    pub api: Api,
    pub name: &'static str,
    /// A failure check's id (`stipula::runner::event::Check::id`).
    pub caught_by: &'static str,
    pub what: &'static str,
}

impl Fault {
    /// Runner arguments this fault needs to be observable: `--max-response-time 100` for a
    /// slow operation (the correct emulators answer in a few milliseconds).
    pub fn runner_args(&self) -> Vec<String> {
        if self.caught_by == "response-time" {
            vec!["--max-response-time".into(), "100".into()]
        } else {
            Vec::new()
        }
    }

    /// The fault named `name`.
    pub fn named(name: &str) -> &'static Fault {
        FAULTS
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no fault named {name}"))
    }
}

/// Every fault. The `name`s are the constants the API modules match on.
pub const FAULTS: &[Fault] = &[
    // Lytx consent management
    Fault {
        api: Api::LytxConsent,
        name: lytx_consent::NON_ASCII_ROW_500,
        caught_by: "server-error",
        what: "POST /userconsent/update answers 500 when a row's employeeId, productName or source is not ASCII (a legacy code page conversion)",
    },
    Fault {
        api: Api::LytxConsent,
        name: lytx_consent::NO_BATCH_LIMIT,
        caught_by: "invalid-request-rejected",
        what: "POST /userconsent/update accepts 2001 or more rows instead of the documented 400 (maxItems 2000 not enforced)",
    },
    Fault {
        api: Api::LytxConsent,
        name: lytx_consent::FAILED_ROW_NULL_USER_ID,
        caught_by: "body-schema",
        what: "a Failed per-row result carries \"userId\": null, which UpdateConsentResponseViewModel does not allow (userId is a non-nullable uuid)",
    },
    Fault {
        api: Api::LytxConsent,
        name: lytx_consent::ANY_BEARER,
        caught_by: "auth-enforced",
        what: "no bearer token checked: requests without Authorization, or with a wrong token, are served",
    },
    Fault {
        api: Api::LytxConsent,
        name: lytx_consent::SLOW_STATUS,
        caught_by: "response-time",
        what: "GET /userconsent/status sleeps 300 ms per call (an unindexed lookup); run with --max-response-time 100",
    },
    // Lytx users
    Fault {
        api: Api::LytxUsers,
        name: lytx_users::NON_ASCII_NAME_500,
        caught_by: "server-error",
        what: "PUT /users/{userId} answers 500 when firstName or lastName is not ASCII",
    },
    Fault {
        api: Api::LytxUsers,
        name: lytx_users::CREATED_201,
        caught_by: "status-documented",
        what: "PUT /users/{userId} answers 201 when it creates the user (only 200 is documented)",
    },
    Fault {
        api: Api::LytxUsers,
        name: lytx_users::TEXT_PLAIN,
        caught_by: "content-type-documented",
        what: "PUT /users/{userId} sends its JSON 200 body as Content-Type: text/plain",
    },
    Fault {
        api: Api::LytxUsers,
        name: lytx_users::USERNAME_OPTIONAL,
        caught_by: "invalid-request-rejected",
        what: "a body without the required `username` is accepted (a username is generated, as the prose says, though the schema requires it)",
    },
    Fault {
        api: Api::LytxUsers,
        name: lytx_users::UNDOCUMENTED_GET,
        caught_by: "method-not-allowed",
        what: "GET /users/{userId} (undocumented) answers 200 with the user instead of 405",
    },
    // FusionAuth consent
    Fault {
        api: Api::FusionAuth,
        name: fusionauth::CREATE_NOT_INDEXED,
        caught_by: "created-readable",
        what: "creating a Consent forgets the by-id index: the create answers 200 with the id, but GET /api/consent/{id} answers 404 (the list still shows it)",
    },
    Fault {
        api: Api::FusionAuth,
        name: fusionauth::SOFT_DELETE,
        caught_by: "removed-gone",
        what: "DELETE /api/consent/{id} answers 200 but only marks the Consent deleted: GET /api/consent/{id} still answers 200",
    },
    Fault {
        api: Api::FusionAuth,
        name: fusionauth::DELETE_204,
        caught_by: "status-documented",
        what: "DELETE /api/consent/{id} answers 204 (only 200 is documented)",
    },
    Fault {
        api: Api::FusionAuth,
        name: fusionauth::AGE_AS_TEXT,
        caught_by: "body-schema",
        what: "Consent responses give defaultMinimumAgeForSelfConsent as text (\"18\"), not the documented int32 (the age is stored in a text column)",
    },
    Fault {
        api: Api::FusionAuth,
        name: fusionauth::ANY_API_KEY,
        caught_by: "auth-enforced",
        what: "only the presence of the Authorization header is checked: any API key is accepted",
    },
    // SlashID GDPR consent
    Fault {
        api: Api::SlashId,
        name: slashid::ORG_HEADER_UNCHECKED,
        caught_by: "missing-header-rejected",
        what: "a request without the required SlashID-OrgID header is stored under a default organization instead of 400",
    },
    Fault {
        api: Api::SlashId,
        name: slashid::NO_CONTENT_TYPE,
        caught_by: "content-type-documented",
        what: "the 201 answer has a JSON body but no Content-Type header",
    },
    Fault {
        api: Api::SlashId,
        name: slashid::WRONG_METHOD_404,
        caught_by: "method-not-allowed",
        what: "an undocumented method on /persons/{person_id}/consent/gdpr answers 404 (routes match method and path together) instead of 405",
    },
    Fault {
        api: Api::SlashId,
        name: slashid::UNKNOWN_LEVEL_500,
        caught_by: "server-error",
        what: "a consent level outside the enum crashes the handler with 500 instead of the documented 400",
    },
    // Consent exports (fixture API: the only one with required response headers)
    Fault {
        api: Api::ConsentExports,
        name: consent_exports::NO_LOCATION,
        caught_by: "response-headers",
        what: "POST /exports answers 201 without the required Location header",
    },
    Fault {
        api: Api::ConsentExports,
        name: consent_exports::REQUEST_ID_NOT_UUID,
        caught_by: "response-headers",
        what: "X-Request-Id is a sequence number (`req-42`), not the documented uuid",
    },
];

// ---------------------------------------------------------------------------------------------
// The server

/// A request as an emulator sees it: the path below the base path, still percent-encoded.
pub struct Req {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    /// A header as text (`None` when absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An answer; `delay` holds it back (the slow faults).
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Option<Duration>,
}

impl Reply {
    /// No body.
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: None,
        }
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply::typed(
            status,
            "application/json",
            serde_json::to_vec(body).unwrap(),
        )
    }

    pub fn typed(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
            delay: None,
        }
    }

    /// RFC 9457 problem details, for statuses a spec does not document (a SlashID 401).
    pub fn problem(status: u16, title: &str, detail: &str) -> Reply {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
        });
        Reply::typed(
            status,
            "application/problem+json",
            serde_json::to_vec(&body).unwrap(),
        )
    }

    /// `405` with the methods the path documents.
    pub fn method_not_allowed(allowed: &[&str]) -> Reply {
        Reply::empty(405).with_header("Allow", &allowed.join(", "))
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn without_header(mut self, name: &str) -> Reply {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    pub fn delayed(mut self, by: Duration) -> Reply {
        self.delay = Some(by);
        self
    }
}

/// What every API module implements: one request in, one answer out, state behind its own
/// `Mutex`.
pub trait Service: Send + Sync + 'static {
    fn call(&self, req: &Req) -> Reply;
}

fn service_for(api: Api, fault: Option<&'static str>) -> Arc<dyn Service> {
    match api {
        Api::LytxConsent => Arc::new(lytx_consent::LytxConsent::new(fault)),
        Api::LytxUsers => Arc::new(lytx_users::LytxUsers::new(fault)),
        Api::FusionAuth => Arc::new(fusionauth::FusionAuth::new(fault)),
        Api::SlashId => Arc::new(slashid::SlashId::new(fault)),
        Api::ConsentExports => Arc::new(consent_exports::ConsentExports::new(fault)),
        Api::Notes => Arc::new(lenient::Notes::new()),
    }
}

/// An emulated API served on 127.0.0.1, stopped when dropped.
pub struct Emulator {
    api: Api,
    fault: Option<&'static Fault>,
    addr: SocketAddr,
    seen: Arc<AtomicUsize>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Emulator {
    /// The correct implementation.
    pub fn start(api: Api) -> Emulator {
        Self::launch(api, None)
    }

    /// The same implementation with that one bug.
    pub fn start_faulty(fault: &Fault) -> Emulator {
        let fault = Fault::named(fault.name);
        Self::launch(fault.api, Some(fault))
    }

    /// The correct implementation with one lenient behaviour (`lenient::LENIENT`).
    pub fn start_lenient(variant: &lenient::Variant) -> Emulator {
        let service: Arc<dyn Service> = Arc::new(lenient::Lenient {
            inner: service_for(variant.api, None),
            variant: variant.name,
            api: variant.api,
        });
        Self::serve_service(variant.api, None, service)
    }

    fn launch(api: Api, fault: Option<&'static Fault>) -> Emulator {
        let service = service_for(api, fault.map(|f| f.name));
        Self::serve_service(api, fault, service)
    }

    fn serve_service(
        api: Api,
        fault: Option<&'static Fault>,
        service: Arc<dyn Service>,
    ) -> Emulator {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let base = api.base_path();
        let thread = std::thread::Builder::new()
            .name(format!("emulator-{}", api.name()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                runtime.block_on(serve(listener, base, service, counter, rx));
            })
            .expect("an emulator thread");
        Emulator {
            api,
            fault,
            addr,
            seen,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/<base path>`: what `stipula test --url` takes.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.api.base_path())
    }

    /// Requests answered so far (any status).
    pub fn requests_seen(&self) -> usize {
        self.seen.load(Ordering::SeqCst)
    }

    pub fn api(&self) -> Api {
        self.api
    }

    pub fn fault(&self) -> Option<&'static Fault> {
        self.fault
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The accept loop: HTTP/1.1 and HTTP/2 on one port until `shutdown`; open connections are
/// dropped with the runtime.
async fn serve(
    listener: std::net::TcpListener,
    base: &'static str,
    service: Arc<dyn Service>,
    seen: Arc<AtomicUsize>,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
    let builder = Builder::new(TokioExecutor::new());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let service = service.clone();
                let seen = seen.clone();
                let handler = service_fn(move |req: Request<Incoming>| {
                    let service = service.clone();
                    let seen = seen.clone();
                    async move {
                        seen.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, Infallible>(answer(base, service.as_ref(), req).await)
                    }
                });
                let conn = builder.serve_connection(TokioIo::new(stream), handler).into_owned();
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
}

async fn answer(
    base: &str,
    service: &dyn Service,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let reply = match body.collect().await {
        Err(_) => Reply::empty(400),
        Ok(collected) => match parts.uri.path().strip_prefix(base) {
            Some(path) if path.starts_with('/') => service.call(&Req {
                method: parts.method,
                path: path.to_string(),
                query: parts.uri.query().map(str::to_string),
                headers: parts.headers,
                body: collected.to_bytes(),
            }),
            _ => Reply::empty(404),
        },
    };
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
