//! SlashID GDPR consent (`specs/slashid-gdpr-consent.yaml`, base `/slashid`):
//! `POST /persons/{person_id}/consent/gdpr`, API key in the `SlashID-API-Key` header, the
//! organization in the required `SlashID-OrgID` header.
//!
//! State: each person's consent levels per organization. A store overwrites the person's
//! levels (as documented) and answers 201 with them; a level the person already had keeps its
//! first `created_at` ("Time when this consent was first created for this person"). A level
//! listed twice is stored once. The spec documents no 401, so a missing or wrong API key gets a
//! 401 problem+json; everything else wrong with a request is the documented 400 with
//! `APIResponseBase` errors.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Value, json};

use super::strict::{self, BodyError, Need, Problems, Rule};
use super::{Reply, Req, Service};

pub const ORG_HEADER_UNCHECKED: &str = "slashid-org-header-not-checked";
pub const NO_CONTENT_TYPE: &str = "slashid-201-without-content-type";
pub const WRONG_METHOD_404: &str = "slashid-wrong-method-answers-404";
pub const UNKNOWN_LEVEL_500: &str = "slashid-unknown-level-crashes";

pub const LEVELS: [&str; 6] = [
    "none",
    "necessary",
    "analytics",
    "marketing",
    "retargeting",
    "tracking",
];
pub const ORG_HEADER: &str = "SlashID-OrgID";

/// (organization id, person id).
type Person = (String, String);
/// Consent levels with the `created_at` each was first stored at.
type Levels = Vec<(String, String)>;

pub struct SlashId {
    bug: Option<&'static str>,
    consents: Mutex<HashMap<Person, Levels>>,
}

impl SlashId {
    pub fn new(bug: Option<&'static str>) -> SlashId {
        SlashId {
            bug,
            consents: Mutex::new(HashMap::new()),
        }
    }

    fn bug(&self, name: &str) -> bool {
        self.bug == Some(name)
    }

    fn store(&self, req: &Req, person_id: &str) -> Reply {
        let (key_header, key) = super::Api::SlashId.credential();
        if req.header(key_header).map(str::trim) != Some(key) {
            return Reply::problem(
                401,
                "Unauthorized",
                "A valid SlashID-API-Key header is required.",
            );
        }
        let org = match req.headers.get(ORG_HEADER) {
            Some(v) => String::from_utf8_lossy(v.as_bytes()).trim().to_string(),
            None if self.bug(ORG_HEADER_UNCHECKED) => "default".to_string(),
            None => return bad_request("missing required header SlashID-OrgID"),
        };
        let body = match strict::json_body(req) {
            Ok(v) => v,
            Err(BodyError::Absent) => return bad_request("a request body is required"),
            Err(BodyError::NotJson) => {
                return bad_request("the request body must be application/json");
            }
            Err(BodyError::Malformed) => return bad_request("the request body is not valid JSON"),
        };
        let mut p = Problems::default();
        let levels = parse(&body, &mut p);
        if let Some(problem) = p.first() {
            if problem.rule == Rule::Enum && self.bug(UNKNOWN_LEVEL_500) {
                return Reply::empty(500);
            }
            return bad_request(&problem.message);
        }
        let levels = levels.unwrap_or_default();
        let now = strict::rfc3339(strict::now_millis());
        let mut consents = self.consents.lock().unwrap();
        let previous = consents
            .remove(&(org.clone(), person_id.to_string()))
            .unwrap_or_default();
        let mut stored: Vec<(String, String)> = Vec::new();
        for level in levels {
            if stored.iter().any(|(l, _)| *l == level) {
                continue;
            }
            let created = previous
                .iter()
                .find(|(l, _)| *l == level)
                .map(|(_, c)| c.clone())
                .unwrap_or_else(|| now.clone());
            stored.push((level, created));
        }
        let body = json!({"result": {"consents": stored
            .iter()
            .map(|(level, created)| json!({"consent_level": level, "created_at": created}))
            .collect::<Vec<_>>()}});
        consents.insert((org, person_id.to_string()), stored);
        let reply = Reply::json(201, &body);
        if self.bug(NO_CONTENT_TYPE) {
            reply.without_header("Content-Type")
        } else {
            reply
        }
    }
}

/// `GDPRConsentRequest`: the levels.
fn parse(body: &Value, p: &mut Problems) -> Option<Vec<String>> {
    let root = strict::object(body, "", p)?;
    let items = root.array("consent_levels", Need::Required, p)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let level = strict::one_of(item, &strict::index("consent_levels", i), &LEVELS, p)?;
        out.push(level.to_string());
    }
    Some(out)
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"errors": [{"httpcode": status, "message": message}]}),
    )
}

fn bad_request(message: &str) -> Reply {
    error(400, message)
}

impl Service for SlashId {
    fn call(&self, req: &Req) -> Reply {
        let Some(segments) = strict::segments(&req.path) else {
            return error(404, "Not Found");
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (segments.as_slice(), req.method.as_str()) {
            (["persons", person, "consent", "gdpr"], "POST") => self.store(req, person),
            (["persons", _, "consent", "gdpr"], _) => {
                if self.bug(WRONG_METHOD_404) {
                    error(404, "Not Found")
                } else {
                    Reply::method_not_allowed(&["POST"])
                }
            }
            _ => error(404, "Not Found"),
        }
    }
}
