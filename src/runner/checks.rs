//! Judging one response: which checks pass, fail or only warn.
//!
//! The rule that shapes every check here is "no false alarms": a failure must be something the
//! spec decides. So:
//! - An undocumented 2xx or 3xx is a failure; an undocumented 4xx only a warning, because
//!   OpenAPI says the responses object "is not expected to cover all possible HTTP response
//!   codes" (errors a server adds, such as 401, 405 or 415, are normal).
//! - A valid request answered with a 4xx is a warning (`valid-request-accepted`): specs cannot
//!   express every rule (an id that must exist, a business constraint).
//! - Bodies are judged only where the spec gives a schema for the status and the received media
//!   type, and only for JSON media types; headers only where documented.
//! - A 5xx other than 500 the operation documents by its code (Jupyter's `501 Session not
//!   available`) is a documented answer, not a `server-error` (a documented 500 or `5XX` only
//!   admits that crashes happen); so is one the request asked for by naming it
//!   (`/status/503`, `?code=503`): a warning. A status outside 200–599 is reported as what it
//!   is (`status-documented`), never as "no response", and a timeout is a `response-time`
//!   verdict that says the timeout (a warning unless `--max-response-time` or `--strict`).
//! - An invalid request that was accepted fails only where the spec decides it must be
//!   refused; the cases OpenAPI leaves to the server (an undocumented media type, a `format`
//!   the server does not check, a missing body read as `{}`) carry a reason
//!   (`Expect::Invalid::lenient`) and warn unless `--strict`. The table is docs/test-checks.md.
//! - Without a credential, a redirect to another path (a login page) enforces authentication.

use std::time::Duration;

use serde_json::Value;

use crate::schema::Direction;
use crate::spec::{Operation, Spec, StatusKey};

use super::event::{
    Check, Finding, Outcome, Phase, RequestRecord, ResponseRecord, Severity, ViolationRecord,
};
use super::request::{NoResponse, NoResponseKind, Received};

/// What the case expects from the server, besides conforming to the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// A request the spec allows.
    Valid,
    /// A request that breaks one rule (`what`): a 4xx is due, reported under `check`
    /// (`invalid-request-rejected` or `missing-header-rejected`). `lenient`: why OpenAPI lets
    /// a server accept it anyway (acceptance is then a warning unless `--strict`).
    Invalid {
        check: Check,
        what: String,
        lenient: Option<&'static str>,
    },
    /// A secured operation without credentials, or with a wrong one (`what` says which).
    Unauthorized { what: String },
    /// A method the path does not document.
    MethodNotAllowed,
    /// Nothing beyond conformance (a documented example that is itself invalid).
    Nothing,
}

/// The verdict of one check on one response.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub check: Check,
    pub outcome: Outcome,
    pub message: String,
    pub violations: Vec<ViolationRecord>,
}

impl Verdict {
    /// The finding this verdict makes on `op`: seen once, not shrunk, no steps before it. The
    /// caller masks it, then fingerprints it (`baseline::fingerprint`).
    pub fn finding(
        &self,
        op: &Operation,
        phase: Phase,
        request: RequestRecord,
        response: Option<ResponseRecord>,
    ) -> Finding {
        Finding {
            operation: op.label(),
            method: op.method.as_str().to_string(),
            path: op.path.clone(),
            check: self.check,
            severity: if self.outcome == Outcome::Failed {
                Severity::Failure
            } else {
                Severity::Warning
            },
            phase,
            message: self.message.clone(),
            violations: self.violations.clone(),
            steps: Vec::new(),
            request,
            response,
            shrunk: false,
            occurrences: 1,
            fingerprint: String::new(),
            baselined: false,
        }
    }

    fn pass(check: Check) -> Verdict {
        Verdict {
            check,
            outcome: Outcome::Passed,
            message: String::new(),
            violations: Vec::new(),
        }
    }

    fn fail(check: Check, message: impl Into<String>) -> Verdict {
        Verdict {
            check,
            outcome: Outcome::Failed,
            message: message.into(),
            violations: Vec::new(),
        }
    }

    fn warn(check: Check, message: impl Into<String>) -> Verdict {
        Verdict {
            check,
            outcome: Outcome::Warned,
            message: message.into(),
            violations: Vec::new(),
        }
    }

    /// What makes two findings the same problem: check, outcome and message, with array
    /// indices in violation paths erased (`/items/3/id` and `/items/7/id` are one problem).
    pub fn signature(&self) -> String {
        let mut s = format!("{}|{:?}|{}", self.check, self.outcome, self.message);
        for v in &self.violations {
            let path: String = v
                .instance_path
                .split('/')
                .map(|seg| {
                    if seg.bytes().all(|b| b.is_ascii_digit()) && !seg.is_empty() {
                        "*"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            s.push_str(&format!("|{path} {}", v.keyword));
        }
        s
    }
}

/// What the checks need besides the exchange.
pub struct Judge<'a> {
    pub spec: &'a Spec,
    pub enabled: &'a [Check],
    pub max_response_time: Option<Duration>,
    /// The client's timeout (said in timeout verdicts).
    pub timeout: Duration,
    /// `--strict`: lenient acceptances and timeouts are failures.
    pub strict: bool,
}

impl Judge<'_> {
    fn on(&self, check: Check) -> bool {
        self.enabled.contains(&check)
    }

    /// Every enabled check that applies to this response.
    pub fn judge(&self, op: &Operation, expect: &Expect, got: &Received) -> Vec<Verdict> {
        let mut out = Vec::new();
        let status = got.status;
        if !(200..=599).contains(&status) {
            if self.on(Check::StatusDocumented) {
                out.push(self.odd_status(op, got));
            }
            return out;
        }
        if self.on(Check::ServerError) {
            out.push(self.server_error(op, got));
        }
        if let Some(limit) = self.max_response_time
            && self.on(Check::ResponseTime)
        {
            out.push(if got.elapsed > limit {
                Verdict::fail(
                    Check::ResponseTime,
                    format!(
                        "the response took {} ms (limit {} ms)",
                        got.elapsed.as_millis(),
                        limit.as_millis()
                    ),
                )
            } else {
                Verdict::pass(Check::ResponseTime)
            });
        }
        if *expect == Expect::MethodNotAllowed {
            if self.on(Check::MethodNotAllowed) {
                out.push(method_not_allowed(got));
            }
            return out;
        }
        // Without a credential, a redirect elsewhere (a login page) is how browser-facing
        // servers enforce authentication: a pass, and not a status to document.
        if let Expect::Unauthorized { what } = expect
            && (300..400).contains(&status)
        {
            if self.on(Check::AuthEnforced) {
                out.push(match redirect_target(got) {
                    Some(to) if to != got.path => Verdict::pass(Check::AuthEnforced),
                    _ => Verdict::fail(
                        Check::AuthEnforced,
                        format!("a request {what} was answered {status}"),
                    ),
                });
            }
            return out;
        }
        if status < 500 {
            self.conformance(op, got, &mut out);
        }
        match expect {
            Expect::Valid if self.on(Check::ValidRequestAccepted) && status < 500 => {
                out.push(if status == 404 && names_a_resource(op) && documents(op, 404) {
                    // The path names something the server does not have (an example's id
                    // another operation deleted, a generated id): the answer the spec
                    // documents for that. Schemathesis' positive-data check accepts 404 too.
                    Verdict::pass(Check::ValidRequestAccepted)
                } else if status >= 400 {
                    Verdict::warn(
                        Check::ValidRequestAccepted,
                        format!(
                            "a request the spec allows was answered {status}: the server enforces a rule the spec does not express, or the generated data was not acceptable to it"
                        ),
                    )
                } else {
                    Verdict::pass(Check::ValidRequestAccepted)
                });
            }
            Expect::Invalid {
                check,
                what,
                lenient,
            } if self.on(*check) && status < 500 => {
                out.push(match lenient {
                    _ if status >= 400 => Verdict::pass(*check),
                    Some(why) if !self.strict => Verdict::warn(
                        *check,
                        format!(
                            "a request that breaks the spec ({what}) was answered {status}; only a warning: {why} (--strict fails it)"
                        ),
                    ),
                    _ => Verdict::fail(
                        *check,
                        format!("a request that breaks the spec ({what}) was answered {status}"),
                    ),
                });
            }
            Expect::Unauthorized { what } if self.on(Check::AuthEnforced) && status < 500 => {
                out.push(match status {
                    401 | 403 => Verdict::pass(Check::AuthEnforced),
                    400..=499 => Verdict::warn(
                        Check::AuthEnforced,
                        format!("a request {what} was refused with {status}, not 401 or 403"),
                    ),
                    _ => Verdict::fail(
                        Check::AuthEnforced,
                        format!("a request {what} was answered {status}"),
                    ),
                });
            }
            _ => {}
        }
        out
    }

    /// `server-error` on a 2xx–5xx answer: a 5xx fails unless the operation documents that
    /// very code as a deliberate answer (a `501 Not implemented`, a `503`; a documented `500`
    /// or `5XX` is the spec admitting crashes happen, not a contract for them) or the request
    /// asked for it.
    fn server_error(&self, op: &Operation, got: &Received) -> Verdict {
        let status = got.status;
        if status < 500 {
            return Verdict::pass(Check::ServerError);
        }
        if status != 500 && op.response(StatusKey::Code(status)).is_some() {
            return Verdict::pass(Check::ServerError);
        }
        if got.asked_status {
            return Verdict::warn(
                Check::ServerError,
                format!("the server answered {status}, the status the request asked for"),
            );
        }
        Verdict::fail(Check::ServerError, format!("the server answered {status}"))
    }

    /// A status outside 200–599: an informational (1xx) status as the final answer, or a
    /// number that is no HTTP status (RFC 9110: three digits, 100–599).
    fn odd_status(&self, op: &Operation, got: &Received) -> Verdict {
        let status = got.status;
        if documents(op, status) {
            return Verdict::pass(Check::StatusDocumented);
        }
        let shown = got.raw_status.clone().unwrap_or_else(|| status.to_string());
        let what = if (100..200).contains(&status) {
            format!(
                "the server answered {shown}, an informational (1xx) status, as its final response"
            )
        } else {
            format!("the server answered `{shown}`, which is not an HTTP status (100–599)")
        };
        if got.asked_status {
            Verdict::warn(
                Check::StatusDocumented,
                format!("{what}; the request asked for it"),
            )
        } else {
            Verdict::fail(Check::StatusDocumented, what)
        }
    }

    /// The verdict on an exchange that got no response: a timeout is a `response-time`
    /// verdict that says the timeout (a failure only when the run sets a response-time
    /// limit or is strict: an API may be asked to be slow, as httpbin's `/delay`); anything
    /// else (refused, reset, cut short) is a `server-error`.
    pub fn no_response(&self, error: &NoResponse) -> Vec<Verdict> {
        match error.kind {
            NoResponseKind::Timeout => {
                if !self.on(Check::ResponseTime) {
                    return Vec::new();
                }
                let message = format!(
                    "no response within the {} s timeout (--timeout)",
                    self.timeout.as_secs_f64()
                );
                vec![if self.strict || self.max_response_time.is_some() {
                    Verdict::fail(Check::ResponseTime, message)
                } else {
                    Verdict::warn(Check::ResponseTime, message)
                }]
            }
            NoResponseKind::NotSent => Vec::new(),
            NoResponseKind::Connect | NoResponseKind::Broken => {
                if !self.on(Check::ServerError) {
                    return Vec::new();
                }
                vec![Verdict::fail(
                    Check::ServerError,
                    format!("no response: {}", error.message),
                )]
            }
        }
    }

    /// Status, content type, body and headers against what the operation documents.
    fn conformance(&self, op: &Operation, got: &Received, out: &mut Vec<Verdict>) {
        let status = got.status;
        let documented = op.response_for(status);
        if self.on(Check::StatusDocumented) {
            out.push(match documented {
                Some(_) => Verdict::pass(Check::StatusDocumented),
                None if got.asked_status => Verdict::warn(
                    Check::StatusDocumented,
                    format!("status {status} is not documented, but the request asked for it"),
                ),
                None if status >= 400 => Verdict::warn(
                    Check::StatusDocumented,
                    format!(
                        "status {status} is not documented (the spec need not list every error)"
                    ),
                ),
                None => Verdict::fail(
                    Check::StatusDocumented,
                    format!(
                        "status {status} is not documented; documented: {}",
                        op.responses
                            .iter()
                            .map(|r| r.status.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            });
        }
        let Some(response) = documented else {
            return;
        };
        let content_type = got.header("content-type");
        let media = content_type.and_then(|ct| {
            response
                .content
                .iter()
                .find(|m| crate::media::matches(&m.media_type, ct))
        });
        let has_body = !got.body.is_empty() && status != 204 && status != 304;
        if self.on(Check::ContentTypeDocumented) && has_body {
            let documented_types = || {
                response
                    .content
                    .iter()
                    .map(|m| m.media_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(match content_type {
                _ if response.content.is_empty() => Verdict::warn(
                    Check::ContentTypeDocumented,
                    format!("the {status} response has a body, but the spec documents none for it"),
                ),
                None => Verdict::fail(
                    Check::ContentTypeDocumented,
                    format!(
                        "the {status} response has a body but no Content-Type; documented: {}",
                        documented_types()
                    ),
                ),
                Some(ct) if !well_formed_media_type(ct) => Verdict::fail(
                    Check::ContentTypeDocumented,
                    format!("the Content-Type `{ct}` is not a media type"),
                ),
                Some(_) if media.is_some() => Verdict::pass(Check::ContentTypeDocumented),
                Some(ct) => Verdict::fail(
                    Check::ContentTypeDocumented,
                    format!(
                        "the {status} response is `{}`; documented: {}",
                        crate::media::essence(ct),
                        documented_types()
                    ),
                ),
            });
        }
        if self.on(Check::BodySchema) {
            if let Some(m) = media
                && let Some(schema) = m.schema
                && crate::media::is_json(&m.media_type)
            {
                out.push(self.body(schema, got, status));
            } else if !has_body
                && let Some(m) = response.content.first()
                && m.schema.is_some()
                && status != 204
                && status != 304
                && crate::media::is_json(&m.media_type)
                && response.content.len() == 1
            {
                // An empty body where JSON is documented: fine only if the schema takes
                // nothing, which JSON cannot say; the spec documents content for this status.
                out.push(Verdict::warn(
                    Check::BodySchema,
                    format!("the {status} response has no body; the spec documents one"),
                ));
            }
        }
        if self.on(Check::ResponseHeaders) {
            out.push(self.headers(response, got));
        }
    }

    fn body(&self, schema: crate::spec::SchemaId, got: &Received, status: u16) -> Verdict {
        if got.truncated {
            // Half a document is never valid JSON: judging it would be a false alarm.
            return Verdict::warn(
                Check::BodySchema,
                format!(
                    "the {status} body is larger than {} bytes (--max-response-bytes); it was cut there and its schema not checked",
                    got.body.len()
                ),
            );
        }
        let value: Value = match serde_json::from_slice(&got.body) {
            Ok(v) => v,
            Err(e) => {
                let mut v =
                    Verdict::fail(Check::BodySchema, format!("the {status} body is not JSON"));
                v.violations.push(ViolationRecord {
                    instance_path: String::new(),
                    keyword: "json".into(),
                    schema_location: String::new(),
                    message: e.to_string(),
                });
                return v;
            }
        };
        let violations = self
            .spec
            .schemas
            .validate(schema, Direction::Response, &value);
        if violations.is_empty() {
            return Verdict::pass(Check::BodySchema);
        }
        let mut v = Verdict::fail(
            Check::BodySchema,
            format!("the {status} body does not match its schema"),
        );
        v.violations = violations
            .into_iter()
            .map(|x| ViolationRecord {
                instance_path: x.instance_path,
                keyword: x.keyword,
                schema_location: x.schema_location,
                message: x.message,
            })
            .collect();
        v
    }

    fn headers(&self, response: &crate::spec::Response, got: &Received) -> Verdict {
        let mut violations = Vec::new();
        for h in &response.headers {
            let name = h.name.to_ascii_lowercase();
            if name == "content-type" {
                continue;
            }
            let at = self.spec.describe(&h.at);
            match got.header(&name) {
                None if h.required => violations.push(ViolationRecord {
                    instance_path: format!("header:{}", h.name),
                    keyword: "required".into(),
                    schema_location: at,
                    message: format!("the required header `{}` is missing", h.name),
                }),
                None => {}
                Some(text) => {
                    let Some(schema) = h.schema else { continue };
                    let schemas = &self.spec.schemas;
                    if crate::params::shape_of(schemas, schemas.get(schema))
                        != crate::params::Shape::Primitive
                    {
                        continue;
                    }
                    let value = crate::params::coerce(schemas, schemas.get(schema), text.trim());
                    for x in schemas.validate(schema, Direction::Response, &value) {
                        violations.push(ViolationRecord {
                            instance_path: format!("header:{}", h.name),
                            keyword: x.keyword,
                            schema_location: x.schema_location,
                            message: format!("`{text}`: {}", x.message),
                        });
                    }
                }
            }
        }
        if violations.is_empty() {
            return Verdict::pass(Check::ResponseHeaders);
        }
        let mut v = Verdict::fail(
            Check::ResponseHeaders,
            format!("the {} response's headers break the spec", response.status),
        );
        v.violations = violations;
        v
    }
}

/// Whether the operation's path has parameters: it names one resource among others.
fn names_a_resource(op: &Operation) -> bool {
    op.parameters
        .iter()
        .any(|p| p.location == crate::spec::ParamIn::Path)
}

/// Whether the operation documents this status by its code or its range (`5XX`), which
/// `default` does not count as.
fn documents(op: &Operation, status: u16) -> bool {
    op.response(StatusKey::Code(status)).is_some()
        || u8::try_from(status / 100).is_ok_and(|r| op.response(StatusKey::Range(r)).is_some())
}

/// The path a redirect points to (its `Location`, resolved against nothing: an absolute URL's
/// path, or the reference's path part).
fn redirect_target(got: &Received) -> Option<String> {
    let location = got.header("location")?.trim();
    let without_scheme = match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => location,
    };
    let path = without_scheme.split(['?', '#']).next().unwrap_or("");
    Some(path.to_string())
}

fn method_not_allowed(got: &Received) -> Verdict {
    match got.status {
        405 if got.header("allow").is_some() => Verdict::pass(Check::MethodNotAllowed),
        405 => Verdict::warn(
            Check::MethodNotAllowed,
            "405 without an Allow header (RFC 9110 requires one)",
        ),
        401 | 403 => Verdict::warn(
            Check::MethodNotAllowed,
            format!(
                "answered {} (authentication ran before routing; cannot tell)",
                got.status
            ),
        ),
        s if s >= 500 => Verdict::pass(Check::MethodNotAllowed), // server-error reports it
        s => Verdict::fail(
            Check::MethodNotAllowed,
            format!("an undocumented method was answered {s}, not 405"),
        ),
    }
}

/// `type/subtype` with token characters, optionally followed by parameters.
fn well_formed_media_type(ct: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let essence = ct.split(';').next().unwrap_or("").trim();
    matches!(essence.split_once('/'), Some((t, s)) if token(t) && token(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_ranges() {
        assert!(crate::media::matches(
            "application/json",
            "Application/JSON; charset=utf-8"
        ));
        assert!(crate::media::matches("application/*", "application/xml"));
        assert!(crate::media::matches("*/*", "text/csv"));
        assert!(!crate::media::matches(
            "application/json",
            "application/problem+json"
        ));
        assert!(well_formed_media_type("application/json; charset=utf-8"));
        assert!(!well_formed_media_type("json"));
        assert!(!well_formed_media_type("text/"));
    }
}
