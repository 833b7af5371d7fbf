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

use std::time::Duration;

use serde_json::Value;

use crate::schema::Direction;
use crate::spec::{Operation, Spec};

use super::event::{Check, Outcome, ViolationRecord};
use super::request::Received;

/// What the case expects from the server, besides conforming to the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// A request the spec allows.
    Valid,
    /// A request that breaks one rule (`what`): a 4xx is due, reported under `check`
    /// (`invalid-request-rejected` or `missing-header-rejected`).
    Invalid { check: Check, what: String },
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
}

impl Judge<'_> {
    fn on(&self, check: Check) -> bool {
        self.enabled.contains(&check)
    }

    /// Every enabled check that applies to this response.
    pub fn judge(&self, op: &Operation, expect: &Expect, got: &Received) -> Vec<Verdict> {
        let mut out = Vec::new();
        let status = got.status;
        if self.on(Check::ServerError) {
            out.push(if status >= 500 {
                Verdict::fail(Check::ServerError, format!("the server answered {status}"))
            } else {
                Verdict::pass(Check::ServerError)
            });
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
        if status < 500 {
            self.conformance(op, got, &mut out);
        }
        match expect {
            Expect::Valid if self.on(Check::ValidRequestAccepted) && status < 500 => {
                out.push(if status >= 400 {
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
            Expect::Invalid { check, what } if self.on(*check) && status < 500 => {
                out.push(if status >= 400 {
                    Verdict::pass(*check)
                } else {
                    Verdict::fail(
                        *check,
                        format!("a request that breaks the spec ({what}) was answered {status}"),
                    )
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

    /// Status, content type, body and headers against what the operation documents.
    fn conformance(&self, op: &Operation, got: &Received, out: &mut Vec<Verdict>) {
        let status = got.status;
        let documented = op.response_for(status);
        if self.on(Check::StatusDocumented) {
            out.push(match documented {
                Some(_) => Verdict::pass(Check::StatusDocumented),
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
                .find(|m| media_matches(&m.media_type, ct))
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

/// Whether a received Content-Type falls under a documented media range.
pub fn media_matches(documented: &str, received: &str) -> bool {
    let d = crate::media::essence(documented);
    let r = crate::media::essence(received);
    if d == r || d == "*/*" {
        return true;
    }
    match d.split_once('/') {
        Some((t, "*")) => r.split_once('/').is_some_and(|(rt, _)| rt == t),
        _ => false,
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
        assert!(media_matches(
            "application/json",
            "Application/JSON; charset=utf-8"
        ));
        assert!(media_matches("application/*", "application/xml"));
        assert!(media_matches("*/*", "text/csv"));
        assert!(!media_matches(
            "application/json",
            "application/problem+json"
        ));
        assert!(well_formed_media_type("application/json; charset=utf-8"));
        assert!(!well_formed_media_type("json"));
        assert!(!well_formed_media_type("text/"));
    }
}
