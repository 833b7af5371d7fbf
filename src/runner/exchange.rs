//! One request sent and judged ([`Exchange`]), and its failures reported once: a failure is
//! keyed by operation, check and violation shape; the first occurrence becomes a finding, later
//! ones only count.

use super::cases::Case;
use super::checks::{Expect, Verdict};
use super::event::{Event, Outcome, Phase, RequestRecord, Severity};
use super::request::{self, Credentials, Draft, NoResponse, Prepared, Received};
use super::{Msg, Worker, baseline, policy, probe};
use crate::spec::Operation;

/// One request sent and judged.
pub(super) struct Exchange {
    pub(super) prepared: Prepared,
    pub(super) received: Result<Received, NoResponse>,
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
        let mut auth = self.auth(op);
        if draft.credentials == Credentials::Wrong {
            auth.wrong = probe::wrong_credentials(self.shared.spec, op).unwrap_or_default();
        }
        let prepared = request::prepare(op, draft, &self.shared.config.base_url, &auth);
        let label = op.label();
        if let Some(held) = self.shared.health.hold_back(&label) {
            return Exchange {
                prepared,
                received: Err(held),
                verdicts: Vec::new(),
            };
        }
        if let Some(limiter) = &self.shared.limiter {
            limiter.wait();
        }
        let received = request::send(
            &self.client,
            &prepared,
            self.shared.config.max_response_bytes,
            self.shared.config.timeout,
        );
        // The given credential went to an operation that wants one: a secured operation, or
        // any operation when the spec declares no security and `Authorization` is given
        // anyway (Kinto's spec declares none; its accounts need basic auth).
        let credential = draft.credentials == Credentials::Given
            && (probe::wrong_credentials(self.shared.spec, op).is_some()
                || (self.shared.auth.credential_headers.is_empty()
                    && self
                        .shared
                        .given_headers
                        .iter()
                        .any(|h| h == "authorization")));
        for (operation, message) in
            self.shared
                .health
                .observe(&label, draft.method.is_none(), credential, &received)
        {
            self.emit(Event::Notice { operation, message });
        }
        let mut verdicts = match &received {
            Ok(r) => self.shared.judge.judge(op, expect, r),
            Err(e) => self.shared.judge.no_response(e),
        };
        policy::apply(self.shared.config, op, &mut verdicts);
        let exercised = self
            .shared
            .surfaces
            .get(&label)
            .map(|s| s.exercised(draft, received.as_ref().ok().map(|r| r.status), phase))
            .unwrap_or_default();
        self.emit(Event::Case {
            operation: label,
            phase,
            outcomes: verdicts.iter().map(|v| (v.check, v.outcome)).collect(),
            exercised,
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
        let mut finding = verdict.finding(
            op,
            phase,
            exchange.prepared.record(),
            exchange.received.as_ref().ok().map(Received::record),
        );
        finding.steps = steps;
        finding.shrunk = shrunk;
        // Masked before it becomes an event: no report can show a credential.
        self.shared.masker.finding(&mut finding);
        finding.fingerprint = baseline::fingerprint(&finding);
        finding.baselined = finding.severity == Severity::Failure
            && self
                .shared
                .config
                .baseline
                .as_ref()
                .is_some_and(|b| b.accepts(&finding.fingerprint));
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
