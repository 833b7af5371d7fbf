//! Consent Exports (`tests/fixtures/runner/consent-exports.yaml`, base `/consent-exports`): a
//! fixture API, because no bundled spec documents a required response header. `POST /exports`
//! answers 201 with `Location` and `X-Request-Id`; `GET /exports/{exportId}` answers 200 with
//! `X-Request-Id` (a new export is `pending`, and `ready` when read). Errors are problem+json,
//! as documented.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};

use super::strict::{self, BodyError, Need, Problems, Rule};
use super::{Reply, Req, Service};

pub const NO_LOCATION: &str = "consent-exports-201-without-location";
pub const REQUEST_ID_NOT_UUID: &str = "consent-exports-request-id-not-uuid";

const FORMATS: [&str; 2] = ["csv", "json"];

pub struct ConsentExports {
    bug: Option<&'static str>,
    requests: AtomicU64,
    exports: Mutex<HashMap<String, Map<String, Value>>>,
}

impl ConsentExports {
    pub fn new(bug: Option<&'static str>) -> ConsentExports {
        ConsentExports {
            bug,
            requests: AtomicU64::new(0),
            exports: Mutex::new(HashMap::new()),
        }
    }

    fn bug(&self, name: &str) -> bool {
        self.bug == Some(name)
    }

    fn request_id(&self) -> String {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if self.bug(REQUEST_ID_NOT_UUID) {
            format!("req-{n}")
        } else {
            strict::new_uuid()
        }
    }

    fn create(&self, req: &Req) -> Reply {
        let body = match strict::json_body(req) {
            Ok(v) => v,
            Err(BodyError::Absent) => return bad_request("a request body is required"),
            Err(BodyError::NotJson) => return bad_request("the body must be application/json"),
            Err(BodyError::Malformed) => return bad_request("the body is not valid JSON"),
        };
        let mut p = Problems::default();
        let Some((format, since)) = parse(&body, &mut p) else {
            return bad_request(&p.first().map(|p| p.message.clone()).unwrap_or_default());
        };
        let id = strict::new_uuid();
        let mut export = Map::new();
        export.insert("id".into(), json!(id));
        export.insert("format".into(), json!(format));
        export.insert("status".into(), json!("pending"));
        if let Some(since) = since {
            export.insert("since".into(), json!(since));
        }
        export.insert(
            "createdAt".into(),
            json!(strict::rfc3339(strict::now_millis())),
        );
        let reply = Reply::json(201, &Value::Object(export.clone()))
            .with_header("X-Request-Id", &self.request_id());
        self.exports.lock().unwrap().insert(id.clone(), export);
        if self.bug(NO_LOCATION) {
            reply
        } else {
            reply.with_header("Location", &format!("/consent-exports/exports/{id}"))
        }
    }

    fn read(&self, id: &str) -> Reply {
        if !strict::is_uuid(id) {
            return bad_request("exportId must be a uuid");
        }
        let mut exports = self.exports.lock().unwrap();
        match exports.get_mut(&id.to_ascii_lowercase()) {
            Some(export) => {
                export.insert("status".into(), json!("ready"));
                Reply::json(200, &Value::Object(export.clone()))
                    .with_header("X-Request-Id", &self.request_id())
            }
            None => Reply::problem(404, "Not Found", "no export has that id"),
        }
    }
}

/// `ExportRequest` (closed: no other property).
fn parse(body: &Value, p: &mut Problems) -> Option<(String, Option<String>)> {
    let o = strict::object(body, "", p)?;
    for name in o.map.keys() {
        if name != "format" && name != "since" {
            p.add(name, Rule::Malformed, format!("{name}: unknown property"));
        }
    }
    let format = o.one_of("format", Need::Required, &FORMATS, p);
    let since = o.string("since", Need::Optional, p);
    if let Some(s) = since
        && !strict::is_date_time(s)
    {
        p.add(
            "since",
            Rule::Format,
            "since: must be an RFC 3339 date-time",
        );
    }
    if !p.is_empty() {
        return None;
    }
    Some((format?.to_string(), since.map(str::to_string)))
}

fn bad_request(detail: &str) -> Reply {
    Reply::problem(400, "Bad Request", detail)
}

impl Service for ConsentExports {
    fn call(&self, req: &Req) -> Reply {
        let Some(segments) = strict::segments(&req.path) else {
            return Reply::problem(404, "Not Found", "no such path");
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let allowed: &[&str] = match segments.as_slice() {
            ["exports"] => &["POST"],
            ["exports", _] => &["GET"],
            _ => return Reply::problem(404, "Not Found", "no such path"),
        };
        if !allowed.contains(&req.method.as_str()) {
            return Reply::method_not_allowed(allowed);
        }
        if !strict::has_bearer(req, super::Api::ConsentExports.credential().1) {
            return Reply::problem(401, "Unauthorized", "a valid bearer token is required")
                .with_header("WWW-Authenticate", "Bearer");
        }
        match segments.as_slice() {
            ["exports", id] => self.read(id),
            _ => self.create(req),
        }
    }
}
