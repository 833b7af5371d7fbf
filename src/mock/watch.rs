//! `stipula mock --watch`: reload the specs when their files change, without a restart.
//!
//! The served [`App`] sits behind an [`ArcSwap`]: every request takes the current one with a
//! lock-free load, so a reload never blocks or slows a request, and a request that started on
//! the old version finishes on it. A watcher thread (the `notify` crate) watches the folder of
//! every file the mounted specs are made of (folders, not files, because editors often save by
//! writing a new file and renaming it over the old one), waits until no change has arrived for
//! [`DEBOUNCE`] (an editor's save is several events), then rebuilds the whole app from the
//! [`MountPlan`]s: every spec is loaded again and the app is swapped only if all load and their
//! routes do not clash. The new app serves as soon as its routes are built; its validators are
//! compiled right after, on the watcher thread (a request that comes first compiles the ones it
//! needs itself), so a big spec's reload is not delayed by compiling every validator. A broken edit is logged with its file, line and column, and the last
//! good version keeps serving. After each successful reload the set of watched files is
//! refreshed, so a `$ref` to a new file is watched from then on.

use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use arc_swap::ArcSwap;

// The watcher itself needs the `watch` feature (notify); the recipe ([`Reloader`]) does not.
#[cfg(feature = "watch")]
use notify::{EventKind, RecursiveMode, Watcher as _};
#[cfg(feature = "watch")]
use std::collections::BTreeSet;
#[cfg(feature = "watch")]
use std::path::Path;
#[cfg(feature = "watch")]
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};

use super::{App, MockConfig, MockError, Mount};
use crate::spec::{LoadOptions, Spec};

/// How long the files must stay quiet before a reload: an editor's save is several events.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

/// One spec to serve and where: the recipe a reload follows again.
#[derive(Debug, Clone)]
pub struct MountPlan {
    pub path: PathBuf,
    /// `None`: the spec's own base path (its first server's path), read again on each reload.
    pub prefix: Option<String>,
}

/// Builds an [`App`] from files: at start and on every reload.
#[derive(Debug, Clone)]
pub struct Reloader {
    pub plans: Vec<MountPlan>,
    pub options: LoadOptions,
    pub config: MockConfig,
}

impl Reloader {
    /// Loads every spec and builds the app with its validators compiled; the first spec that
    /// does not load, or a route clash, is the error (with file, line and column).
    pub fn load(&self) -> Result<App, MockError> {
        let app = self.load_routed()?;
        app.compile_validators();
        Ok(app)
    }

    /// [`Reloader::load`] without compiling validators (they compile on first use).
    fn load_routed(&self) -> Result<App, MockError> {
        let mut mounts = Vec::with_capacity(self.plans.len());
        for plan in &self.plans {
            let spec = Spec::load(&plan.path, self.options).map_err(MockError::Load)?;
            mounts.push(match &plan.prefix {
                Some(prefix) => Mount {
                    spec,
                    prefix: prefix.clone(),
                },
                None => Mount::at_base_path(spec),
            });
        }
        App::routed(mounts, self.config.clone())
    }
}

/// What the watcher has done so far (read by tests and tools; never touched by requests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadStatus {
    /// Reloads that replaced the app.
    pub reloads: u64,
    /// Reloads refused because a spec did not load (the last good version kept serving).
    pub failures: u64,
    /// The last refusal's diagnostics (file:line:column), cleared by a successful reload.
    pub last_error: Option<String>,
}

enum Message {
    #[cfg(feature = "watch")]
    Changed(notify::Result<notify::Event>),
    Stop,
}

/// The watcher thread; stopped and joined when dropped.
pub struct Watch {
    stop: Sender<Message>,
    status: Arc<Mutex<ReloadStatus>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watch")
    }
}

impl Watch {
    pub fn status(&self) -> ReloadStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.stop.send(Message::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Without the `watch` feature (a library build with `default-features = false`) there is no
/// file watcher: asking for one is an error, never a silent no-op.
#[cfg(not(feature = "watch"))]
pub fn watch(_shared: Arc<ArcSwap<App>>, _reloader: Reloader) -> Result<Watch, MockError> {
    Err(MockError::Watch(
        "stipula was built without the `watch` feature".into(),
    ))
}

/// Starts watching the files of `shared`'s current app; reloads swap `shared`.
#[cfg(feature = "watch")]
pub fn watch(shared: Arc<ArcSwap<App>>, reloader: Reloader) -> Result<Watch, MockError> {
    let (tx, rx) = channel();
    let events = tx.clone();
    let watcher = notify::recommended_watcher(move |event| {
        let _ = events.send(Message::Changed(event));
    })
    .map_err(|e| MockError::Watch(e.to_string()))?;
    let status = Arc::new(Mutex::new(ReloadStatus::default()));
    let mut state = State {
        watcher,
        status: status.clone(),
        watched_dirs: BTreeSet::new(),
        files: BTreeSet::new(),
        shared,
        reloader,
    };
    state.refresh_watches()?;
    let thread = std::thread::Builder::new()
        .name("stipula-watch".into())
        .spawn(move || state.run(rx))
        .map_err(|e| MockError::Watch(e.to_string()))?;
    Ok(Watch {
        stop: tx,
        status,
        thread: Some(thread),
    })
}

#[cfg(feature = "watch")]
struct State {
    watcher: notify::RecommendedWatcher,
    watched_dirs: BTreeSet<PathBuf>,
    /// Every file the served specs are made of, and the spec files named in the plans.
    files: BTreeSet<PathBuf>,
    shared: Arc<ArcSwap<App>>,
    reloader: Reloader,
    status: Arc<Mutex<ReloadStatus>>,
}

#[cfg(feature = "watch")]
impl State {
    fn run(mut self, rx: Receiver<Message>) {
        // A message that arrived while validators were being warmed.
        let mut early: Option<Message> = None;
        loop {
            let next = match early.take() {
                Some(m) => Ok(m),
                None => rx.recv(),
            };
            match next {
                Ok(Message::Changed(Ok(event))) if self.relevant(&event) => {}
                Ok(Message::Changed(Err(e))) => {
                    tracing::warn!("watching spec files: {e}");
                    continue;
                }
                Ok(Message::Changed(Ok(_))) => continue,
                Ok(Message::Stop) | Err(_) => return,
            }
            // Wait for the edit to settle.
            loop {
                match rx.recv_timeout(DEBOUNCE) {
                    Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                    Ok(Message::Changed(_)) => continue,
                    Err(RecvTimeoutError::Timeout) => break,
                }
            }
            if let Some(app) = self.reload() {
                early = warm(&app, &rx);
            }
        }
    }

    /// Reloads; returns the new app when it is being served.
    fn reload(&mut self) -> Option<Arc<App>> {
        match self.reloader.load_routed() {
            Ok(app) => {
                let summary: Vec<String> = app
                    .mounts
                    .iter()
                    .map(|m| {
                        let n = m.spec.operations.len();
                        let s = if n == 1 { "" } else { "s" };
                        format!("{} ({n} operation{s})", m.spec.name())
                    })
                    .collect();
                let app = Arc::new(app);
                self.shared.store(app.clone());
                tracing::info!("reloaded {}", summary.join(", "));
                if let Ok(mut s) = self.status.lock() {
                    s.reloads += 1;
                    s.last_error = None;
                }
                if let Err(e) = self.refresh_watches() {
                    tracing::warn!("{e}");
                }
                Some(app)
            }
            Err(e) => {
                tracing::error!("reload failed; still serving the last good version:\n{e}");
                if let Ok(mut s) = self.status.lock() {
                    s.failures += 1;
                    s.last_error = Some(e.to_string());
                }
                None
            }
        }
    }

    fn relevant(&self, event: &notify::Event) -> bool {
        !matches!(event.kind, EventKind::Access(_))
            && event.paths.iter().any(|p| self.files.contains(p))
    }

    /// Watches the folder of every file the current app's specs are made of.
    fn refresh_watches(&mut self) -> Result<(), MockError> {
        let app = self.shared.load();
        let mut files: BTreeSet<PathBuf> = app
            .mounts
            .iter()
            .flat_map(|m| m.spec.file_paths())
            .filter(|p| p.is_absolute())
            .collect();
        for plan in &self.reloader.plans {
            files.insert(absolute(&plan.path));
        }
        let dirs: BTreeSet<PathBuf> = files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        for gone in self.watched_dirs.difference(&dirs) {
            let _ = self.watcher.unwatch(gone);
        }
        for dir in dirs.difference(&self.watched_dirs) {
            self.watcher
                .watch(dir, RecursiveMode::NonRecursive)
                .map_err(|e| MockError::Watch(format!("cannot watch {}: {e}", dir.display())))?;
        }
        self.watched_dirs = dirs;
        self.files = files;
        Ok(())
    }
}

#[cfg(feature = "watch")]
/// Compiles the validators of an app that is already serving, one schema at a time, so that
/// requests do not compile them; stops early, handing the message back, when the files change
/// again (the next reload matters more than warming a version about to be replaced).
fn warm(app: &App, rx: &Receiver<Message>) -> Option<Message> {
    for mount in &app.mounts {
        for (id, direction) in mount.spec.operation_schemas() {
            if let Ok(message) = rx.try_recv() {
                return Some(message);
            }
            mount.spec.schemas.compile([id], direction);
        }
    }
    None
}

#[cfg(feature = "watch")]
/// The path as the file system names it (canonical when it exists).
fn absolute(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}
