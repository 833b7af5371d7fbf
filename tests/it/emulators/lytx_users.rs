//! Lytx Users (`specs/lytx-users.json`, base `/lytx-users`): `PUT /users/{userId}`, HTTP
//! bearer authentication.
//!
//! State: users by userId, starting with the documented response sample's user
//! (`4af860ae-…`, `j.smith`). A PUT replaces the user's fields with the request's (an upsert:
//! no 404 is documented, so an unknown userId creates the user) and answers 200 with the
//! stored user. A PUT without a body (the spec does not require one) changes nothing.
//! Usernames are unique across users: a clash is the documented 409. Error responses are
//! documented without bodies, so they have none.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use super::strict::{self, BodyError, Need, Problems};
use super::{Reply, Req, Service};

pub const NON_ASCII_NAME_500: &str = "lytx-users-500-on-non-ascii-name";
pub const CREATED_201: &str = "lytx-users-201-on-create";
pub const TEXT_PLAIN: &str = "lytx-users-json-sent-as-text-plain";
pub const USERNAME_OPTIONAL: &str = "lytx-users-username-not-required";
pub const UNDOCUMENTED_GET: &str = "lytx-users-undocumented-get-answered";

/// The documented response sample's user.
pub const SAMPLE_USER_ID: &str = "4af860ae-2e53-4d8b-a48e-606b862effed";

/// Request fields copied into the stored user (`password` is never stored or returned).
const COPIED: [&str; 12] = [
    "allowVideoSearchDownload",
    "cellPhoneCountry",
    "cellPhoneNumber",
    "email",
    "employeeId",
    "firstName",
    "groupRoles",
    "lastName",
    "loginEnabled",
    "primaryGroupId",
    "status",
    "username",
];

pub struct LytxUsers {
    bug: Option<&'static str>,
    users: Mutex<HashMap<String, Map<String, Value>>>,
}

impl LytxUsers {
    pub fn new(bug: Option<&'static str>) -> LytxUsers {
        let sample = json!({
            "userId": SAMPLE_USER_ID,
            "allowSafetyEventDownload": false,
            "allowVideoSearchDownload": false,
            "cellPhoneCountry": "US",
            "cellPhoneNumber": "+1234567890",
            "createdDate": "2025-06-20T11:25:07.874569-07:00",
            "email": "email@email.com",
            "employeeId": "j.smith",
            "firstName": "John",
            "groupRoles": [{"groupId": "28a6d1a3-92c8-4eca-b8b3-d5d0e2d308d0", "roleId": 1}],
            "lastLoginDate": "2025-06-24T11:25:07.874571-07:00",
            "lastName": "Smith",
            "loginEnabled": true,
            "primaryGroupId": "28a6d1a3-92c8-4eca-b8b3-d5d0e2d308d0",
            "status": "Active",
            "updatedDate": "2025-06-27T11:25:07.874572-07:00",
            "username": "j.smith",
        });
        let mut users = HashMap::new();
        let Value::Object(sample) = sample else {
            unreachable!()
        };
        users.insert(SAMPLE_USER_ID.to_string(), sample);
        LytxUsers {
            bug,
            users: Mutex::new(users),
        }
    }

    fn bug(&self, name: &str) -> bool {
        self.bug == Some(name)
    }

    fn authorized(&self, req: &Req) -> bool {
        strict::has_bearer(req, super::Api::LytxUsers.credential().1)
    }

    fn user_reply(&self, status: u16, user: &Map<String, Value>) -> Reply {
        let body = serde_json::to_vec(user).unwrap();
        if self.bug(TEXT_PLAIN) {
            Reply::typed(status, "text/plain; charset=utf-8", body)
        } else {
            Reply::typed(status, "application/json", body)
        }
    }

    fn put(&self, req: &Req, user_id: &str) -> Reply {
        if !self.authorized(req) {
            return Reply::empty(401).with_header("WWW-Authenticate", "Bearer");
        }
        if !strict::is_uuid(user_id) {
            return Reply::empty(400);
        }
        let key = user_id.to_ascii_lowercase();
        let body = match strict::json_body(req) {
            Ok(v) => Some(v),
            Err(BodyError::Absent) => None,
            Err(BodyError::NotJson | BodyError::Malformed) => return Reply::empty(400),
        };
        let now = strict::rfc3339(strict::now_millis());
        let mut users = self.users.lock().unwrap();
        let existed = users.contains_key(&key);
        let Some(body) = body else {
            // No body: nothing to change.
            let user = users.entry(key.clone()).or_insert_with(|| {
                let mut fresh = Map::new();
                fresh.insert("userId".into(), json!(key));
                fresh.insert("allowSafetyEventDownload".into(), json!(false));
                fresh.insert("loginEnabled".into(), json!(false));
                fresh.insert("createdDate".into(), json!(now));
                fresh.insert("updatedDate".into(), json!(now));
                fresh
            });
            return self.user_reply(self.created_status(existed), user);
        };
        let mut problems = Problems::default();
        let Some(mut fields) = self.parse(&body, &mut problems) else {
            return Reply::empty(400);
        };
        if self.bug(NON_ASCII_NAME_500) {
            let non_ascii = |name: &str| {
                fields
                    .get(name)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_ascii())
            };
            if non_ascii("firstName") || non_ascii("lastName") {
                return Reply::empty(500);
            }
        }
        if !fields.contains_key("username") {
            // Only reachable with USERNAME_OPTIONAL: the prose's generated username.
            let part = |name: &str| {
                fields
                    .get(name)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let generated = format!(
                "{}{}{}",
                part("firstName"),
                part("lastName"),
                part("employeeId")
            );
            fields.insert("username".into(), json!(generated));
        }
        let username = fields["username"].clone();
        if users
            .iter()
            .any(|(id, u)| *id != key && u.get("username") == Some(&username))
        {
            return Reply::empty(409);
        }
        let user = users.entry(key.clone()).or_insert_with(|| {
            let mut fresh = Map::new();
            fresh.insert("userId".into(), json!(key));
            fresh.insert("allowSafetyEventDownload".into(), json!(false));
            fresh.insert("createdDate".into(), json!(now));
            fresh
        });
        for (name, value) in fields {
            user.insert(name, value);
        }
        user.insert("updatedDate".into(), json!(now));
        self.user_reply(self.created_status(existed), user)
    }

    fn created_status(&self, existed: bool) -> u16 {
        if !existed && self.bug(CREATED_201) {
            201
        } else {
            200
        }
    }

    /// `UpdateUserRequest`, checked field by field: the fields to store.
    fn parse(&self, body: &Value, p: &mut Problems) -> Option<Map<String, Value>> {
        let o = strict::object(body, "", p)?;
        o.boolean("allowVideoSearchDownload", Need::Required, p);
        for name in [
            "cellPhoneCountry",
            "cellPhoneNumber",
            "email",
            "employeeId",
            "firstName",
            "lastName",
            "status",
        ] {
            o.string(name, Need::Required, p);
        }
        let username_need = if self.bug(USERNAME_OPTIONAL) {
            Need::Optional
        } else {
            Need::Required
        };
        o.string("username", username_need, p);
        o.boolean("loginEnabled", Need::Required, p);
        o.string("password", Need::Nullable, p);
        o.uuid("primaryGroupId", Need::Required, p);
        if let Some(roles) = o.array("groupRoles", Need::Required, p) {
            for (i, role) in roles.iter().enumerate() {
                if let Some(r) = strict::object(role, &strict::index("groupRoles", i), p) {
                    r.uuid("groupId", Need::Optional, p);
                    r.integer("roleId", Need::Optional, strict::INT32, p);
                }
            }
        }
        if !p.is_empty() {
            return None;
        }
        Some(
            COPIED
                .iter()
                .filter_map(|&name| Some((name.to_string(), o.map.get(name)?.clone())))
                .collect(),
        )
    }

    fn get(&self, req: &Req, user_id: &str) -> Reply {
        if !self.authorized(req) {
            return Reply::empty(401).with_header("WWW-Authenticate", "Bearer");
        }
        let users = self.users.lock().unwrap();
        match users.get(&user_id.to_ascii_lowercase()) {
            Some(user) => self.user_reply(200, user),
            None => Reply::empty(404),
        }
    }
}

impl Service for LytxUsers {
    fn call(&self, req: &Req) -> Reply {
        let Some(segments) = strict::segments(&req.path) else {
            return Reply::empty(404);
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (segments.as_slice(), req.method.as_str()) {
            (["users", id], "PUT") => self.put(req, id),
            (["users", id], "GET") if self.bug(UNDOCUMENTED_GET) => self.get(req, id),
            (["users", _], _) => Reply::method_not_allowed(&["PUT"]),
            _ => Reply::empty(404),
        }
    }
}
