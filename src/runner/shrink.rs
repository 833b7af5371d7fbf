//! The fuzz phase's random valid requests, and the shrinking of a failing one: proptest's value
//! tree is simplified while the same failure (same check and violation shape) still
//! reproduces, within [`SHRINK_BUDGET`] requests. Shrinking requests are judged but not counted
//! as cases.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};

use super::Worker;
use super::cases::Planner;
use super::checks::{Expect, Verdict};
use super::event::{Outcome, Phase};
use super::exchange::Exchange;
use super::request::{self, Draft};
use crate::spec::Operation;

/// Requests one shrink may send.
const SHRINK_BUDGET: u32 = 64;

impl Worker<'_> {
    /// Random valid requests; the first occurrence of each failure is shrunk.
    pub(super) fn fuzz(&self, op: &Operation, planner: &Planner, salt: u64) {
        let strategy = planner.fuzz_strategy();
        let mut runner = fuzz_runner(planner, salt);
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
            self.report_fuzzed(op, planner, &mut tree, &ex);
        }
    }

    /// Reports the new failures of a random request, each failure shrunk first (warnings are
    /// reported as they are).
    fn report_fuzzed<T: ValueTree<Value = Draft>>(
        &self,
        op: &Operation,
        planner: &Planner,
        tree: &mut T,
        ex: &Exchange,
    ) {
        for v in ex.failures() {
            let Some(key) = self.claim(op, v) else {
                continue;
            };
            if v.outcome == Outcome::Failed {
                let (shrunk, changed) = self.shrink(op, planner, tree, v, ex);
                let verdict = shrunk
                    .verdicts
                    .iter()
                    .find(|x| x.signature() == v.signature())
                    .unwrap_or(v);
                self.report(key, op, Phase::Fuzz, verdict, &shrunk, Vec::new(), changed);
            } else {
                self.report(key, op, Phase::Fuzz, v, ex, Vec::new(), false);
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
        let prepared = request::prepare(op, draft, &self.shared.config.base_url, &self.auth(op));
        if let Some(limiter) = &self.shared.limiter {
            limiter.wait();
        }
        let received = request::send(
            &self.client,
            &prepared,
            self.shared.config.max_response_bytes,
            self.shared.config.timeout,
        );
        let mut verdicts = match &received {
            Ok(r) => self.shared.judge.judge(op, &Expect::Valid, r),
            Err(_) => Vec::new(),
        };
        super::policy::apply(self.shared.config, op, &mut verdicts);
        Exchange {
            prepared,
            received,
            verdicts,
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

/// The proptest runner of an operation's fuzz phase, seeded by (run seed, unit).
fn fuzz_runner(planner: &Planner, salt: u64) -> TestRunner {
    let rng = TestRng::from_seed(
        RngAlgorithm::ChaCha,
        &crate::schema::generate::seed_bytes(planner.seed, salt),
    );
    TestRunner::new_with_rng(
        ProptestConfig {
            max_local_rejects: 2_000,
            failure_persistence: None,
            ..ProptestConfig::default()
        },
        rng,
    )
}
