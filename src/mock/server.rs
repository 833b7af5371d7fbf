//! The hyper accept loop: HTTP/1.1 and HTTP/2 (prior knowledge) on one port, graceful shutdown.
//!
//! Kept apart from the request logic (`handle`) so that the loop is the only place that knows
//! about sockets, connection builders and timers.
//!
//! A connection costs a file descriptor and a task whatever it sends, so the loop bounds both:
//! at most `max_connections` at once (more are closed on accept), and every connection must
//! start a request within `header_read_timeout` of opening and may then sit with no request in
//! flight for at most `idle_timeout`. hyper's own HTTP/1 header timeout does not cover the
//! auto builder's version sniffing (a client that sends nothing, or half an HTTP/2 preface) nor
//! HTTP/2 at all, hence the watchdog per connection ([`Activity`]). A closing connection is
//! shut down gracefully (HTTP/1: closed between requests; HTTP/2: GOAWAY) and dropped after
//! [`DRAIN`] if it does not finish.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use super::{App, Limits};

/// How long open connections get to finish after shutdown is asked for (or after their idle
/// time ran out).
const DRAIN: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `shutdown` completes, then lets open requests finish.
pub async fn serve(listener: TcpListener, app: Arc<App>, shutdown: impl Future<Output = ()>) {
    serve_shared(listener, Arc::new(ArcSwap::new(app)), shutdown).await;
}

/// [`serve`] for an app that may be replaced while serving: each request answers from the app
/// current when it arrives (one lock-free load).
pub async fn serve_shared(
    listener: TcpListener,
    shared: Arc<ArcSwap<App>>,
    shutdown: impl Future<Output = ()>,
) {
    let limits = shared.load().config.limits.clone();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        // A peer that stops answering pings is gone; the idle watchdog handles live ones.
        .keep_alive_interval(Some(limits.idle_timeout.max(Duration::from_secs(1))))
        .keep_alive_timeout(limits.header_read_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let warned_full = AtomicBool::new(false);
    // Every connection holds a receiver; the sender learns when the last one is gone.
    let (stop, stopped) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, do not spin.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    if !warned_full.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            "{} connections open (--max-connections): closing new ones until some finish",
                            limits.max_connections
                        );
                    }
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let activity = Arc::new(Activity::new());
                let shared = shared.clone();
                let seen = activity.clone();
                let service = service_fn(move |req| {
                    let app = shared.load_full();
                    let busy = seen.begin();
                    async move {
                        let response = super::chaos::serve(&app, req).await;
                        drop(busy);
                        response
                    }
                });
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .into_owned();
                let mut stopping = stopped.clone();
                let limits = limits.clone();
                tokio::spawn(async move {
                    let _slot = slot;
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => return,
                        () = activity.expired(&limits) => {}
                        _ = stopping.changed() => {}
                    }
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(DRAIN, conn).await;
                    drop(stopping);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    drop(stopped);
    let _ = stop.send(true);
    let _ = tokio::time::timeout(DRAIN, stop.closed()).await;
}

/// What one connection is doing, for its watchdog: requests in flight, whether any has
/// started, and when the count last changed (milliseconds since the connection opened).
struct Activity {
    opened: Instant,
    in_flight: AtomicUsize,
    started: AtomicBool,
    changed_ms: AtomicU64,
}

/// Held while a request is in flight.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            started: AtomicBool::new(false),
            changed_ms: AtomicU64::new(0),
        }
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.started.store(true, Ordering::Release);
        self.touch();
        Busy(self.clone())
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.changed_ms.store(ms, Ordering::Release);
    }

    /// Completes once the connection has been idle too long: no request started within
    /// `header_read_timeout` of opening, or none in flight for `idle_timeout` since.
    async fn expired(&self, limits: &Limits) {
        loop {
            let allowed = if self.started.load(Ordering::Acquire) {
                limits.idle_timeout
            } else {
                limits.header_read_timeout
            };
            let since = Duration::from_millis(self.changed_ms.load(Ordering::Acquire));
            let deadline = self.opened + since + allowed;
            if self.in_flight.load(Ordering::Acquire) > 0 {
                // Busy (the body timeout bounds a request): looked at again a period later.
                tokio::time::sleep(allowed.max(Duration::from_millis(10))).await;
            } else if Instant::now() >= deadline {
                return;
            } else {
                tokio::time::sleep_until(deadline).await;
            }
        }
    }
}
