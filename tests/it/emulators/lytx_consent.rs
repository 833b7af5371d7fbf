//! Lytx Consent Management (`specs/lytx-consent-management.json`, base `/consent-management`):
//! `GET /userconsent/status` and `POST /userconsent/update`, HTTP bearer authentication.
//!
//! State: the Facial ID consent of each user of one company. The company's user directory is
//! fixed: the users of the spec's examples (`EMP-9876`, `Test4kUsers546`), a driver without
//! consent records (`j.smith`), a non-driver (`ADM-0001`), and the drivers `Test4kUsers1` to
//! `Test4kUsers4000` (the example's naming; their userIds count up from the example's
//! `0000ffff-0000-1600-e03a-ed46b0d60000` for number 546), so a 2000-row batch can succeed
//! row by row. Unknown users are documented answers: 404 on status, a `Failed` row on update.
//!
//! Judgement calls (see specs/README.md): the product name is compared case-insensitively
//! with `facialId` (the docs spell it three ways); a row that resolves to no user has no
//! `userId` at all (the schema does not allow `null` there); an empty batch gets the documented
//! 400 though the schema has no `minItems`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::strict::{self, BodyError, Need, Problems};
use super::{Reply, Req, Service};

pub const NON_ASCII_ROW_500: &str = "lytx-consent-500-on-non-ascii-row";
pub const NO_BATCH_LIMIT: &str = "lytx-consent-2001-items-accepted";
pub const FAILED_ROW_NULL_USER_ID: &str = "lytx-consent-failed-row-null-user-id";
pub const ANY_BEARER: &str = "lytx-consent-auth-not-enforced";
pub const SLOW_STATUS: &str = "lytx-consent-slow-status";

/// The documented batch limit.
pub const MAX_BATCH: usize = 2000;
pub const PRODUCT: &str = "facialId";
const STATUSES: [&str; 2] = ["Obtained", "NotRequired"];

/// Documented messages.
pub const MSG_EITHER_ID: &str = "Either UserId or EmployeeId must be provided.";
pub const MSG_CONFLICT: &str = "The provided UserId and EmployeeId refer to different users.";
pub const MSG_NO_EMPLOYEE: &str = "No active user found for the provided Employee ID.";
pub const MSG_NO_USER: &str = "No active user found for the provided User ID.";
pub const MSG_NO_CONSENT: &str = "No consent records found for the specified user.";
pub const MSG_NON_DRIVER: &str = "Cannot update consent for non-driver users.";
pub const MSG_PRODUCT: &str = "Only 'FacialId' is allowed for ProductName.";
pub const MSG_EMPTY: &str = "At least one consent status update request is required.";
pub const MSG_TOO_MANY: &str =
    "A maximum of 2000 consent status update requests can be processed in a single call.";

/// One user of the company's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryUser {
    pub user_id: String,
    pub employee_id: String,
    pub driver: bool,
}

/// The named users: (userId, employeeId, driver).
/// (`Test4kUsers546`, the update example's user, is one of the generated drivers.)
const NAMED: [(&str, &str, bool); 3] = [
    ("550e8400-e29b-41d4-a716-446655440000", "EMP-9876", true),
    ("4af860ae-2e53-4d8b-a48e-606b862effed", "j.smith", true),
    ("7c9e6679-7425-40de-944b-e07fc1f90ae7", "ADM-0001", false),
];

/// How many `Test4kUsersN` drivers the directory has.
pub const TEST_USERS: u64 = 4000;
const TEST_USER_PREFIX: &str = "Test4kUsers";
const TEST_USER_ID_PREFIX: &str = "0000ffff-0000-1600-e03a-";
const TEST_USER_546: u64 = 0xed46_b0d6_0000;

/// `Test4kUsersN` (1..=4000) and its userId.
pub fn test_user(n: u64) -> DirectoryUser {
    DirectoryUser {
        user_id: format!("{TEST_USER_ID_PREFIX}{:012x}", TEST_USER_546 + n - 546),
        employee_id: format!("{TEST_USER_PREFIX}{n}"),
        driver: true,
    }
}

fn by_employee_id(employee_id: &str) -> Option<DirectoryUser> {
    if let Some(&(u, e, d)) = NAMED.iter().find(|(_, e, _)| *e == employee_id) {
        return Some(DirectoryUser {
            user_id: u.into(),
            employee_id: e.into(),
            driver: d,
        });
    }
    let n: u64 = employee_id.strip_prefix(TEST_USER_PREFIX)?.parse().ok()?;
    let canonical = format!("{TEST_USER_PREFIX}{n}");
    ((1..=TEST_USERS).contains(&n) && canonical == employee_id).then(|| test_user(n))
}

fn by_user_id(user_id: &str) -> Option<DirectoryUser> {
    let user_id = user_id.to_ascii_lowercase();
    if let Some(&(u, e, d)) = NAMED.iter().find(|(u, _, _)| *u == user_id) {
        return Some(DirectoryUser {
            user_id: u.into(),
            employee_id: e.into(),
            driver: d,
        });
    }
    let suffix = u64::from_str_radix(user_id.strip_prefix(TEST_USER_ID_PREFIX)?, 16).ok()?;
    let n = (suffix + 546).checked_sub(TEST_USER_546)?;
    ((1..=TEST_USERS).contains(&n)).then(|| test_user(n))
}

/// A user's Facial ID consent.
#[derive(Clone, Debug)]
struct Consent {
    status: String,
    date: String,
}

pub struct LytxConsent {
    bug: Option<&'static str>,
    /// Facial ID consent by userId.
    consents: Mutex<HashMap<String, Consent>>,
}

impl LytxConsent {
    pub fn new(bug: Option<&'static str>) -> LytxConsent {
        let mut consents = HashMap::new();
        consents.insert(
            "550e8400-e29b-41d4-a716-446655440000".to_string(),
            Consent {
                status: "Obtained".into(),
                date: "2026-03-15T10:30:00.000Z".into(),
            },
        );
        consents.insert(
            "0000ffff-0000-1600-e03a-ed46b0d60000".to_string(),
            Consent {
                status: "Obtained".into(),
                date: "2026-02-01T08:00:00.000Z".into(),
            },
        );
        LytxConsent {
            bug,
            consents: Mutex::new(consents),
        }
    }

    fn bug(&self, name: &str) -> bool {
        self.bug == Some(name)
    }

    fn authorized(&self, req: &Req) -> bool {
        if self.bug(ANY_BEARER) {
            return true;
        }
        strict::has_bearer(req, super::Api::LytxConsent.credential().1)
    }

    fn status(&self, req: &Req) -> Reply {
        if !self.authorized(req) {
            // The GET's 401 is documented without content.
            return Reply::empty(401).with_header("WWW-Authenticate", "Bearer");
        }
        let reply = self.status_authorized(req);
        if self.bug(SLOW_STATUS) {
            reply.delayed(Duration::from_millis(300))
        } else {
            reply
        }
    }

    fn status_authorized(&self, req: &Req) -> Reply {
        let pairs = match strict::query_pairs(req) {
            Ok(p) => p,
            Err(message) => return bad_request(&message),
        };
        let user_id = strict::query_value(&pairs, "userId");
        let employee_id = strict::query_value(&pairs, "employeeId");
        if let Some(u) = user_id
            && !strict::is_uuid(u)
        {
            return bad_request(&format!("The value '{u}' is not valid for UserId."));
        }
        let user = match (user_id, employee_id) {
            (None, None) => return bad_request(MSG_EITHER_ID),
            (Some(u), None) => by_user_id(u).ok_or(MSG_NO_USER),
            (None, Some(e)) => by_employee_id(e).ok_or(MSG_NO_EMPLOYEE),
            (Some(u), Some(e)) => match (by_user_id(u), by_employee_id(e)) {
                (None, _) => Err(MSG_NO_USER),
                (_, None) => Err(MSG_NO_EMPLOYEE),
                (Some(a), Some(b)) if a != b => return bad_request(MSG_CONFLICT),
                (Some(a), Some(_)) => Ok(a),
            },
        };
        let user = match user {
            Ok(user) => user,
            Err(message) => return error(404, "Not Found", message),
        };
        let consents = self.consents.lock().unwrap();
        let Some(consent) = consents.get(&user.user_id) else {
            return error(404, "Not Found", MSG_NO_CONSENT);
        };
        Reply::json(
            200,
            &json!({"data": [{
                "userId": user.user_id,
                "employeeId": user.employee_id,
                "productName": PRODUCT,
                "consentStatus": consent.status,
                "consentDate": consent.date,
            }]}),
        )
    }

    fn update(&self, req: &Req) -> Reply {
        if !self.authorized(req) {
            return error(401, "Unauthorized", "Access denied")
                .with_header("WWW-Authenticate", "Bearer");
        }
        let body = match strict::json_body(req) {
            Ok(v) => v,
            Err(BodyError::Absent) => return bad_request(MSG_EMPTY),
            Err(BodyError::NotJson) => {
                return bad_request("The request body must be sent as application/json.");
            }
            Err(BodyError::Malformed) => return bad_request("The request body is not valid JSON."),
        };
        let rows = match &body {
            Value::Null => return bad_request(MSG_EMPTY),
            Value::Array(rows) => rows,
            _ => {
                return bad_request(
                    "The request body must be an array of consent status update requests.",
                );
            }
        };
        if rows.is_empty() {
            return bad_request(MSG_EMPTY);
        }
        if rows.len() > MAX_BATCH && !self.bug(NO_BATCH_LIMIT) {
            return bad_request(MSG_TOO_MANY);
        }
        let mut problems = Problems::default();
        let mut parsed = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if let Some(row) = Row::parse(row, &strict::index("", i), &mut problems) {
                parsed.push(row);
            }
            if let Some(p) = problems.first() {
                return bad_request(&p.message);
            }
        }
        if self.bug(NON_ASCII_ROW_500) && parsed.iter().any(Row::has_non_ascii) {
            return error(
                500,
                "Internal Server Error",
                "An unexpected error occurred.",
            );
        }
        let mut consents = self.consents.lock().unwrap();
        let results: Vec<Value> = parsed
            .iter()
            .map(|row| self.apply(row, &mut consents))
            .collect();
        Reply::json(200, &Value::Array(results))
    }

    /// One row: its per-row result.
    fn apply(&self, row: &Row, consents: &mut HashMap<String, Consent>) -> Value {
        let failed = |user: Option<&DirectoryUser>, message: &str| {
            let mut out = Map::new();
            match user {
                Some(u) => {
                    out.insert("userId".into(), json!(u.user_id));
                    out.insert("employeeId".into(), json!(u.employee_id));
                }
                None => {
                    if self.bug(FAILED_ROW_NULL_USER_ID) {
                        out.insert("userId".into(), Value::Null);
                    }
                    out.insert("employeeId".into(), json!(row.employee_id));
                }
            }
            out.insert("status".into(), json!("Failed"));
            out.insert("errorMessage".into(), json!(message));
            Value::Object(out)
        };
        let user = match (&row.user_id, &row.employee_id) {
            (None, None) => return failed(None, MSG_EITHER_ID),
            (Some(u), None) => by_user_id(u).ok_or(MSG_NO_USER),
            (None, Some(e)) => by_employee_id(e).ok_or(MSG_NO_EMPLOYEE),
            (Some(u), Some(e)) => match (by_user_id(u), by_employee_id(e)) {
                (None, _) => Err(MSG_NO_USER),
                (_, None) => Err(MSG_NO_EMPLOYEE),
                (Some(a), Some(b)) if a != b => Err(MSG_CONFLICT),
                (Some(a), Some(_)) => Ok(a),
            },
        };
        let user = match user {
            Ok(u) => u,
            Err(message) => return failed(None, message),
        };
        if !user.driver {
            return failed(Some(&user), MSG_NON_DRIVER);
        }
        if !row.product_name.eq_ignore_ascii_case(PRODUCT) {
            return failed(Some(&user), MSG_PRODUCT);
        }
        let status = match consents.get(&user.user_id) {
            Some(c) if c.status == row.consent_status => "AlreadyUpdated",
            _ => {
                consents.insert(
                    user.user_id.clone(),
                    Consent {
                        status: row.consent_status.clone(),
                        date: strict::rfc3339(strict::now_millis()),
                    },
                );
                "UpdatedSuccessfully"
            }
        };
        json!({
            "userId": user.user_id,
            "employeeId": user.employee_id,
            "status": status,
            "errorMessage": null,
        })
    }
}

/// One validated row of an update batch.
struct Row {
    user_id: Option<String>,
    employee_id: Option<String>,
    product_name: String,
    consent_status: String,
    source: Option<String>,
}

impl Row {
    /// Text a legacy code page cannot hold (the NON_ASCII_ROW_500 bug).
    fn has_non_ascii(&self) -> bool {
        [
            &self.employee_id,
            &Some(self.product_name.clone()),
            &self.source,
        ]
        .into_iter()
        .flatten()
        .any(|s| !s.is_ascii())
    }

    fn parse(v: &Value, path: &str, p: &mut Problems) -> Option<Row> {
        let o = strict::object(v, path, p)?;
        let user_id = o.uuid("userId", Need::Nullable, p).map(str::to_string);
        let employee_id = o
            .string("employeeId", Need::Nullable, p)
            .map(str::to_string);
        let product_name = o.string("productName", Need::Required, p);
        let consent_status = o.one_of("consentStatus", Need::Required, &STATUSES, p);
        let source = o.string("source", Need::Nullable, p).map(str::to_string);
        if !p.is_empty() {
            return None;
        }
        Some(Row {
            user_id,
            employee_id,
            product_name: product_name?.to_string(),
            consent_status: consent_status?.to_string(),
            source,
        })
    }
}

/// The documented `ErrorResponse`.
fn error(status: u16, error: &str, message: &str) -> Reply {
    Reply::json(status, &json!({"error": error, "message": message}))
}

fn bad_request(message: &str) -> Reply {
    error(400, "Bad Request", message)
}

impl Service for LytxConsent {
    fn call(&self, req: &Req) -> Reply {
        let Some(segments) = strict::segments(&req.path) else {
            return Reply::empty(404);
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (segments.as_slice(), req.method.as_str()) {
            (["userconsent", "status"], "GET") => self.status(req),
            (["userconsent", "status"], _) => Reply::method_not_allowed(&["GET"]),
            (["userconsent", "update"], "POST") => self.update(req),
            (["userconsent", "update"], _) => Reply::method_not_allowed(&["POST"]),
            _ => Reply::empty(404),
        }
    }
}
