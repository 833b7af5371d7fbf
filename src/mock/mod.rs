//! `stipula mock`: a strict mock server for any number of specs at once.
//!
//! [`App`] is the immutable state every request reads: the mounted specs and one [`Router`]
//! over all their operations. A request goes `handle` → route (404/405) → `security` (401) →
//! `request` validation (415, documented 400/422, or problem+json) → `respond` (Prefer,
//! content negotiation, example choice). `server` is only the hyper accept loop.
//!
//! [`MockServer`] runs the same app on its own thread and runtime, so a Rust test (sync or
//! async) can start a mock on port 0 and get its URL, like wiremock's `MockServer::start`.
//!
//! The server reads the app through an `ArcSwap` (`serve_shared`), one lock-free load per
//! request, so that `watch` can replace it when the spec files change (`--watch`).
//!
//! With `--state` (`MockConfig::state`), [`state`] keeps what clients create and answers the
//! operations on collections and items from it; without it `App::state` is `None` and the
//! mock is stateless apart from [`Removed`].

mod answer;
pub mod chaos;
mod handle;
mod problem;
mod request;
mod respond;
pub(crate) mod router;
mod security;
mod server;
pub mod state;
pub mod watch;
mod xml;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

pub use answer::{Inspection, inspect};
pub use problem::{problem, set_violations_header};
pub use request::RequestViolation;
pub use router::Router;
pub use server::{serve, serve_shared};
pub use state::{State, StateConfig};
pub use watch::{MountPlan, Reloader};

use crate::spec::{LoadError, Spec};

/// Stack of the mock's worker threads: validating a body nested `max_json_depth` deep
/// recurses through jsonschema once per level.
pub const WORKER_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Limits on what a client may send. Documented in docs/limits.md.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body read, in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Time a client has to send its request headers (HTTP/1).
    pub header_read_timeout: Duration,
    /// Time a client has to send its whole body; slower bodies get 408.
    pub body_read_timeout: Duration,
    /// Deepest JSON nesting accepted in a request body (serde_json's own limit is 128).
    pub max_json_depth: usize,
    /// Time a connection may stay open with no request in flight, once it has sent one
    /// (before its first request, `header_read_timeout` applies).
    pub idle_timeout: Duration,
    /// Most connections open at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 10 * 1024 * 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_json_depth: 128,
            idle_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

/// How the mock behaves.
#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    /// Seed for generated data: the same seed gives the same bodies.
    pub seed: u64,
    /// When set, every secured operation requires exactly this credential (bearer token,
    /// API key value, or basic `user:password`).
    pub token: Option<String>,
    pub limits: Limits,
    /// Origins whose browser calls may carry credentials (`--cors-origin`): named back in
    /// `Access-Control-Allow-Origin` with `Allow-Credentials`. Empty: any origin, without
    /// credentials (`*`); `*` in the list keeps that for the origins not listed.
    pub cors_origins: Vec<String>,
    /// `--state`: remember what clients create (see `state`); `None` answers statelessly.
    pub state: Option<StateConfig>,
    /// Latency and faults (`--delay`, `--fault`, `--mock-config`); `None` costs nothing per
    /// request.
    pub chaos: Option<Arc<chaos::Chaos>>,
}

/// A spec and the path prefix it is served under.
#[derive(Debug)]
pub struct Mount {
    pub spec: Spec,
    /// `""` or `/something` without a trailing slash.
    pub prefix: String,
}

impl Mount {
    /// Mounts a spec at its first server's path (`/consent-management`).
    pub fn at_base_path(spec: Spec) -> Mount {
        let prefix = spec.base_path();
        Mount { spec, prefix }
    }
}

/// Most operation schemas whose validators are compiled before serving (GitHub's spec, the
/// largest real one we know, has about 3,000).
pub const EAGER_VALIDATORS: usize = 5_000;

/// Most prefixes one mount is served under (server variables with enums multiply them).
const MAX_PREFIXES: usize = 32;

impl Mount {
    /// Every prefix the mount answers under: its own, and, when it is the spec's base path, the
    /// same path with each allowed value of the first server's variables (`/api/{version}` with
    /// `enum: [v1, v2]` serves both).
    pub fn prefixes(&self) -> Vec<String> {
        let mut out = vec![self.prefix.clone()];
        let Some(server) = self.spec.servers.first() else {
            return out;
        };
        if self.prefix != server.base_path() {
            return out; // overridden with --mount
        }
        let mut variants = vec![server.clone()];
        for (i, var) in server.variables.iter().enumerate() {
            if var.allowed.is_empty() {
                continue;
            }
            variants = variants
                .iter()
                .flat_map(|s| {
                    var.allowed.iter().map(move |value| {
                        let mut s = s.clone();
                        s.variables[i].default = value.clone();
                        s
                    })
                })
                .take(MAX_PREFIXES)
                .collect();
        }
        for s in variants {
            let p = s.base_path();
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// Why a mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    #[error(
        "{method} {second} (in {second_spec}) clashes with {method} {first} (in {first_spec}): both would answer the same requests; mount one elsewhere with --mount SPEC=PREFIX"
    )]
    RouteClash {
        method: String,
        first: String,
        first_spec: String,
        second: String,
        second_spec: String,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// A spec named in a [`MountPlan`] did not load.
    #[error("{0}")]
    Load(LoadError),
    #[error("cannot watch the spec files: {0}")]
    Watch(String),
}

/// The mock's state: mounted specs and the router over them, immutable once built, the paths
/// of items removed since it started, and with `--state` the stored items.
#[derive(Debug)]
pub struct App {
    pub mounts: Vec<Mount>,
    pub router: Router,
    pub config: MockConfig,
    pub removed: Removed,
    /// The stored items, with `--state`.
    pub state: Option<State>,
}

/// Concrete paths (`/api/consent/42`) that a DELETE documented as removal answered with a 2xx.
/// Bounded: past [`Removed::CAPACITY`] paths the oldest are forgotten.
#[derive(Debug, Default)]
pub struct Removed {
    /// Whether any path was ever removed: the request path skips the lock until then.
    any: std::sync::atomic::AtomicBool,
    paths: std::sync::Mutex<std::collections::VecDeque<String>>,
}

impl Removed {
    pub const CAPACITY: usize = 10_000;

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::VecDeque<String>> {
        self.paths.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_removed(&self, path: &str) -> bool {
        self.any.load(std::sync::atomic::Ordering::Relaxed) && self.lock().iter().any(|p| p == path)
    }

    pub fn remove(&self, path: &str) {
        self.any.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut paths = self.lock();
        if !paths.iter().any(|p| p == path) {
            if paths.len() == Self::CAPACITY {
                paths.pop_front();
            }
            paths.push_back(path.to_string());
        }
    }

    /// The removed paths, oldest first (`GET /__stipula/state`).
    pub fn paths(&self) -> Vec<String> {
        if !self.any.load(std::sync::atomic::Ordering::Relaxed) {
            return Vec::new();
        }
        self.lock().iter().cloned().collect()
    }

    /// Forgets every removed path (`POST /__stipula/reset`).
    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn restore(&self, path: &str) {
        self.lock().retain(|p| p != path);
    }

    /// Restores every removed path one segment below `collection` (`/things/1` under `/things`).
    pub fn restore_under(&self, collection: &str) {
        if !self.any.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let prefix = format!("{}/", collection.trim_end_matches('/'));
        self.lock().retain(|p| {
            !p.strip_prefix(&prefix)
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
        });
    }
}

impl App {
    /// Builds the router over every operation of every mount; clashing routes are an error
    /// naming both specs. Validators are compiled here, before the first request.
    pub fn new(mounts: Vec<Mount>, config: MockConfig) -> Result<App, MockError> {
        let app = Self::routed(mounts, config)?;
        app.compile_validators();
        Ok(app)
    }

    /// Compiles the validators the operations use (they compile lazily otherwise, on the
    /// first request that needs them), the first [`EAGER_VALIDATORS`] of them: each validator
    /// holds its own compiled copy of every schema it reaches, so compiling all of a 50,000
    /// operation spec up front cost a gigabyte before the first request. Past the budget,
    /// memory grows with the operations clients actually call.
    pub fn compile_validators(&self) {
        let mut budget = EAGER_VALIDATORS;
        for mount in &self.mounts {
            for (id, direction) in mount.spec.operation_schemas().into_iter().take(budget) {
                mount.spec.schemas.compile([id], direction);
                budget -= 1;
            }
        }
    }

    /// The app without compiling validators: a reload serves as soon as the routes are built
    /// and warms the validators afterwards.
    pub(crate) fn routed(mounts: Vec<Mount>, config: MockConfig) -> Result<App, MockError> {
        let mut router = Router::default();
        for (m, mount) in mounts.iter().enumerate() {
            for prefix in mount.prefixes() {
                for (o, op) in mount.spec.operations.iter().enumerate() {
                    let target = router::Target {
                        method: op.method,
                        mount: m,
                        operation: o,
                        names: Vec::new(),
                    };
                    match router.add(&prefix, &op.path, target) {
                        Ok(()) => {}
                        // Within one spec the loader warned (`PathClash`): the first operation
                        // in document order keeps the route.
                        Err(c) if c.first_mount == c.second_mount => {}
                        Err(c) => {
                            return Err(MockError::RouteClash {
                                method: c.method.to_string(),
                                first: c.first,
                                first_spec: mounts[c.first_mount].spec.name().to_string(),
                                second: c.second,
                                second_spec: mounts[c.second_mount].spec.name().to_string(),
                            });
                        }
                    }
                }
            }
        }
        let state = config
            .state
            .clone()
            .map(|c| State::new(&mounts, c, config.seed));
        Ok(App {
            mounts,
            router,
            config,
            removed: Removed::default(),
            state,
        })
    }
}

/// A mock running in the background on 127.0.0.1, stopped when dropped.
///
/// ```
/// use stipula::mock::MockServer;
/// use stipula::spec::Spec;
///
/// let spec = Spec::from_str("pets.yaml", r#"
/// openapi: 3.0.3
/// info: {title: Pets, version: "1"}
/// servers: [{url: "https://pets.example/v1"}]
/// paths:
///   /pets/{id}:
///     get:
///       parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
///       responses:
///         "200":
///           description: a pet
///           content:
///             application/json:
///               example: {id: 7, name: Rex}
/// "#, Default::default()).unwrap();
/// let server = MockServer::start(vec![spec]).unwrap();
/// let body = reqwest::blocking::get(format!("{}/v1/pets/7", server.url())).unwrap().text().unwrap();
/// assert_eq!(body, r#"{"id":7,"name":"Rex"}"#);
/// let bad = reqwest::blocking::get(format!("{}/v1/pets/seven", server.url())).unwrap();
/// assert_eq!(bad.status(), 400);
/// ```
pub struct MockServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The app the server started with.
    app: Arc<App>,
    /// The app being served (replaced on reload when watching).
    shared: Arc<ArcSwap<App>>,
    watch: Option<watch::Watch>,
}

impl MockServer {
    /// Serves the specs, each at its first server's path, on a free port of 127.0.0.1.
    pub fn start(specs: Vec<Spec>) -> Result<MockServer, MockError> {
        let mounts = specs.into_iter().map(Mount::at_base_path).collect();
        Self::start_with(mounts, MockConfig::default(), "127.0.0.1:0")
    }

    /// Serves the mounts with a configuration, on `addr` (port 0 picks a free port).
    pub fn start_with(
        mounts: Vec<Mount>,
        config: MockConfig,
        addr: &str,
    ) -> Result<MockServer, MockError> {
        Self::serve_app(Arc::new(App::new(mounts, config)?), addr)
    }

    /// Serves the specs of `reloader` on `addr` and reloads them when their files change (see
    /// [`watch`]): a reload that fails leaves the last good version serving.
    pub fn start_watching(reloader: Reloader, addr: &str) -> Result<MockServer, MockError> {
        let app = Arc::new(reloader.load()?);
        let mut server = Self::serve_app(app, addr)?;
        server.watch = Some(watch::watch(server.shared.clone(), reloader)?);
        Ok(server)
    }

    fn serve_app(app: Arc<App>, addr: &str) -> Result<MockServer, MockError> {
        let listener = std::net::TcpListener::bind(addr).map_err(|source| MockError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let bound = listener.local_addr().map_err(|source| MockError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        listener
            .set_nonblocking(true)
            .map_err(|source| MockError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_stack_size(WORKER_STACK_BYTES)
            .enable_all()
            .build()
            .map_err(MockError::Runtime)?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let shared = Arc::new(ArcSwap::new(app.clone()));
        let served = shared.clone();
        let thread = std::thread::Builder::new()
            .name("stipula-mock".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            serve_shared(listener, served, async { drop(rx.await) }).await
                        }
                        Err(e) => tracing::error!("cannot serve: {e}"),
                    }
                });
            })
            .map_err(MockError::Runtime)?;
        Ok(MockServer {
            addr: bound,
            shutdown: Some(tx),
            thread: Some(thread),
            app,
            shared,
            watch: None,
        })
    }

    /// `http://127.0.0.1:PORT`: add a mount's prefix and an operation's path.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The mounted specs with their prefixes, as the server started (see [`MockServer::app`]
    /// for the ones served now).
    pub fn mounts(&self) -> &[Mount] {
        &self.app.mounts
    }

    /// What the watcher has done, when the server watches its files.
    pub fn reload_status(&self) -> Option<watch::ReloadStatus> {
        self.watch.as_ref().map(watch::Watch::status)
    }

    /// The app served now: the one it started with, or the last good reload when watching.
    pub fn app(&self) -> Arc<App> {
        self.shared.load_full()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        drop(self.watch.take());
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
