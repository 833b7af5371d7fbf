//! One request sent and judged ([`Exchange`]), and its failures reported once: a failure is
//! keyed by operation, check and violation shape; the first occurrence becomes a finding, later
//! ones only count.

use super::cases::Case;
use super::checks::{Expect, Verdict};
use super::event::{Check, Event, Finding, Outcome, Phase, RequestRecord, Severity};
use super::request::{self, Credentials, Draft, Prepared, Received};
use super::{Msg, Worker, probe};
use crate::spec::Operation;

/// One request sent and judged.
pub(super) struct Exchange {
    pub(super) prepared: Prepared,
    pub(super) received: Result<Received, String>,
    pub(super) verdicts: Vec<Verdict>,
}

impl Exchange {
    pub(super) fn status(&self) -> Option<u16> {
        self.received.as_ref().ok().map(|r| r.status)
    }

    /// The verdicts that did not pass (failures and warnings).
    pub(super) fn failures(&self) -> impl Iterator<Item = &Verdict> {
        self.verdicts
            .iter()
            .filter(|v| v.outcome != Outcome::Passed)
    }
}

impl Worker<'_> {
    /// Sends one draft and judges the answer, emitting its `Case` event.
    pub(super) fn exchange(
        &self,
        op: &Operation,
        draft: &Draft,
        expect: &Expect,
        phase: Phase,
    ) -> Exchange {
        let mut auth = self.shared.auth.clone();
        if draft.credentials == Credentials::Wrong {
            auth.wrong = probe::wrong_credentials(self.shared.spec, op).unwrap_or_default();
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
    pub(super) fn claim(&self, op: &Operation, verdict: &Verdict) -> Option<String> {
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

    /// Sends a finding claimed under `key` to the calling thread.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn report(
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
    pub(super) fn report_all(
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

    /// Sends planned cases one by one, reporting their failures as they are.
    pub(super) fn run_cases(&self, op: &Operation, phase: Phase, cases: &[Case]) {
        for case in cases {
            let ex = self.exchange(op, &case.draft, &case.expect, phase);
            self.report_all(op, phase, &ex, &[]);
        }
    }
}
