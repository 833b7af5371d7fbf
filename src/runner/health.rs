//! What a run learns about itself while it works, as opposed to what it learns about the
//! server's contract: its time budget (`--max-duration`, or a stop asked from outside, such as
//! a signal), operations whose requests keep timing out, requests that only ever reach the
//! server's "no route" 404 (a base URL without its base path), and a credential that stops
//! working mid-run (a test DELETE removed the account).
//!
//! None of these is a contract violation, so none becomes a finding: they are notices (said
//! once), untested operations, or, when nothing routed at all, a run error (exit 2). Workers
//! report every exchange here (`observe`); the state is a few counters behind one mutex, far
//! cheaper than the request that produced them.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::request::{NoResponse, NoResponseKind, Received};

/// Timeouts after which an operation's remaining requests are not sent (each costs the
/// whole `--timeout`; httpbin's `/drip?duration=52` would hold a run for hours).
pub const TIMEOUTS_PER_OPERATION: u32 = 2;
/// Consecutive 401s with the given credential, after it had worked, that say it stopped
/// working.
const REFUSALS_TO_NOTICE: u32 = 5;
/// The path asked for to learn what the server's "no route" answer looks like.
pub const NO_ROUTE_PATH: &str = "/stipula-no-such-route-5d1c";

/// The server's answer to a path that cannot exist, when it is a 404: its body with the asked
/// path taken out (servers echo it).
#[derive(Debug, Clone)]
pub struct NoRoute {
    body: String,
}

impl NoRoute {
    /// From the answer to [`NO_ROUTE_PATH`] (`None` unless it is a 404).
    pub fn from_answer(status: u16, body: &[u8]) -> Option<NoRoute> {
        (status == 404).then(|| NoRoute {
            body: normalize(body, NO_ROUTE_PATH),
        })
    }

    fn matches(&self, got: &Received) -> bool {
        got.status == 404 && normalize(&got.body, &got.path) == self.body
    }
}

/// A body with every occurrence of the path (and of its last segment) removed.
fn normalize(body: &[u8], path: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let last = path.rsplit('/').next().unwrap_or("");
    let mut out = text.replace(path, "");
    if !last.is_empty() {
        out = out.replace(last, "");
    }
    out
}

#[derive(Debug, Default, Clone, Copy)]
struct OpState {
    /// Requests of the operation's own method that got an answer.
    answered: u64,
    /// Of those, answered with the server's "no route".
    not_routed: u64,
    timeouts: u32,
    /// Requests not sent (time budget, too many timeouts).
    skipped: u64,
}

#[derive(Debug, Default)]
struct State {
    ops: HashMap<String, OpState>,
    /// The given credential got a non-401 answer on a secured operation.
    credential_worked: bool,
    refusals_in_a_row: u32,
    credential_noticed: bool,
}

/// The run's own health, shared by the workers.
pub struct Health {
    deadline: Option<Instant>,
    budget: Option<Duration>,
    stop: Option<Arc<AtomicBool>>,
    no_route: Option<NoRoute>,
    state: Mutex<State>,
}

/// Why the run ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    OutOfTime,
    Stopped,
}

impl Health {
    pub fn new(
        budget: Option<Duration>,
        stop: Option<Arc<AtomicBool>>,
        no_route: Option<NoRoute>,
    ) -> Health {
        Health {
            deadline: budget.map(|b| Instant::now() + b),
            budget,
            stop,
            no_route,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the run must end now, and why.
    pub fn ended(&self) -> Option<Ended> {
        if self
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            return Some(Ended::Stopped);
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Some(Ended::OutOfTime);
        }
        None
    }

    /// Why a request of `operation` is not to be sent, if it is not.
    pub fn hold_back(&self, operation: &str) -> Option<NoResponse> {
        let message = match self.ended() {
            Some(Ended::OutOfTime) => "not sent: the run's --max-duration was spent".to_string(),
            Some(Ended::Stopped) => "not sent: the run was stopped".to_string(),
            None => {
                let st = self.state();
                let timeouts = st.ops.get(operation).map_or(0, |o| o.timeouts);
                if timeouts < TIMEOUTS_PER_OPERATION {
                    return None;
                }
                format!("not sent: {timeouts} requests of this operation timed out")
            }
        };
        let mut st = self.state();
        st.ops.entry(operation.to_string()).or_default().skipped += 1;
        Some(NoResponse {
            kind: NoResponseKind::NotSent,
            message,
        })
    }

    /// Takes one exchange into account; returns a notice to give (each is given once).
    /// `own_method`: the request used the operation's method (not a 405 probe); `credential`:
    /// it carried the given credential to an operation that requires one.
    pub fn observe(
        &self,
        operation: &str,
        own_method: bool,
        credential: bool,
        received: &Result<Received, NoResponse>,
    ) -> Vec<(String, String)> {
        let mut notices = Vec::new();
        let mut st = self.state();
        match received {
            Ok(got) => {
                if own_method {
                    let op = st.ops.entry(operation.to_string()).or_default();
                    op.answered += 1;
                    if self.no_route.as_ref().is_some_and(|n| n.matches(got)) {
                        op.not_routed += 1;
                    }
                }
                if credential {
                    if got.status == 401 {
                        st.refusals_in_a_row += 1;
                        if st.credential_worked
                            && st.refusals_in_a_row >= REFUSALS_TO_NOTICE
                            && !st.credential_noticed
                        {
                            st.credential_noticed = true;
                            notices.push((
                                "*".to_string(),
                                format!(
                                    "the credential given with --header stopped working mid-run ({} requests in a row answered 401, the last to {operation}; earlier ones were accepted): a test request probably removed or changed the account; later results of secured operations say little",
                                    st.refusals_in_a_row
                                ),
                            ));
                        }
                    } else {
                        st.credential_worked = true;
                        st.refusals_in_a_row = 0;
                    }
                }
            }
            Err(e) if e.kind == NoResponseKind::Timeout => {
                let op = st.ops.entry(operation.to_string()).or_default();
                op.timeouts += 1;
                if op.timeouts == TIMEOUTS_PER_OPERATION {
                    notices.push((
                        operation.to_string(),
                        format!(
                            "{TIMEOUTS_PER_OPERATION} requests timed out: the operation's remaining requests are not sent"
                        ),
                    ));
                }
            }
            Err(_) => {}
        }
        notices
    }

    /// The end-of-run summary of the run's health: notices, and an error when nothing the
    /// run sent was routed (the base URL is wrong: exit 2). `operations`: the labels the run
    /// selected; `base_path`: the spec's (first server's) path.
    pub fn finish(
        &self,
        operations: &[String],
        base_url: &str,
        base_path: &str,
    ) -> (Vec<String>, Option<String>) {
        let st = self.state();
        let mut notices = Vec::new();
        match self.ended() {
            Some(Ended::OutOfTime) => notices.push(format!(
                "the run stopped at its --max-duration of {} s; operations not fully tested are listed below",
                self.budget.map_or(0.0, |b| b.as_secs_f64())
            )),
            Some(Ended::Stopped) => notices.push(
                "the run was stopped before its end; operations not fully tested are listed below"
                    .to_string(),
            ),
            None => {}
        }
        let none = OpState::default();
        let by_op: BTreeMap<&str, &OpState> = operations
            .iter()
            .map(|o| (o.as_str(), st.ops.get(o).unwrap_or(&none)))
            .collect();
        let untested: Vec<&str> = by_op
            .iter()
            .filter(|(_, s)| s.answered == 0)
            .map(|(o, _)| *o)
            .collect();
        let cut: Vec<&str> = by_op
            .iter()
            .filter(|(_, s)| s.answered > 0 && s.skipped > 0)
            .map(|(o, _)| *o)
            .collect();
        if !untested.is_empty() {
            notices.push(format!(
                "untested: {} of {} operations got no answer to any request (skipped, see the notices above, or out of time): {}",
                untested.len(),
                operations.len(),
                untested.join(", ")
            ));
        }
        if !cut.is_empty() {
            notices.push(format!(
                "partly tested: {} operations had requests not sent (timeouts or the time budget): {}",
                cut.len(),
                cut.join(", ")
            ));
        }
        let routed: Vec<&str> = by_op
            .iter()
            .filter(|(_, s)| s.answered > s.not_routed)
            .map(|(o, _)| *o)
            .collect();
        let not_routed: Vec<&str> = by_op
            .iter()
            .filter(|(_, s)| s.answered > 0 && s.answered == s.not_routed)
            .map(|(o, _)| *o)
            .collect();
        let hint = if !base_path.is_empty()
            && !reqwest::Url::parse(base_url).is_ok_and(|u| {
                u.path()
                    .trim_end_matches('/')
                    .ends_with(base_path.trim_end_matches('/'))
            }) {
            format!(
                ": the base URL is probably missing the spec's base path `{base_path}` (try --url {}{base_path})",
                base_url.trim_end_matches('/')
            )
        } else {
            ": the base URL (--url) is probably missing a base path".to_string()
        };
        if self.ended().is_none() && !operations.is_empty() && untested.len() == operations.len() {
            return (
                notices,
                Some(format!(
                    "nothing was tested: none of the {} operations got an answer to any request (see the notices above)",
                    operations.len()
                )),
            );
        }
        if routed.is_empty() && !not_routed.is_empty() {
            return (
                notices,
                Some(format!(
                    "every request was answered with the server's \"no route\" 404 (the same answer as for {NO_ROUTE_PATH}){hint}"
                )),
            );
        }
        if !not_routed.is_empty() {
            notices.push(format!(
                "{} operations got only the server's \"no route\" 404, the answer to {NO_ROUTE_PATH}: the server does not seem to serve them ({})",
                not_routed.len(),
                not_routed.join(", ")
            ));
        }
        (notices, None)
    }
}
