//! Lenient but correct servers: behaviour OpenAPI allows that a conformance runner must not
//! call a failure. Two kinds:
//!
//! - [`LENIENT`] variants of the seed APIs, switched on by a wrapper around the correct
//!   emulator ([`Lenient`]), not inside the API modules: they are ways a whole server
//!   differs (it parses JSON whatever the Content-Type says; it redirects an unauthenticated
//!   request to a login page, as browser-facing servers do).
//! - Notes (`tests/fixtures/runner/notes-lenient.yaml`, base `/notes-api`): a small API for
//!   what no seed spec documents: HTTP basic authentication where any user:pass is an
//!   identity (Kinto), a required property with a `default` the server fills in (Jupyter's
//!   `POST /api/kernels {}`), a query bound of 2^63 (Kinto's `_limit`, read as a number, so
//!   `9.223372036854776e+18` is the maximum itself), and an operation whose only documented
//!   answer is 501 (Jupyter's sessions).

use std::collections::HashMap;
use std::sync::Mutex;

use hyper::header::HeaderValue;
use serde_json::{Value, json};

use super::strict;
use super::{Api, Reply, Req, Service};

/// One lenient behaviour of one seed API.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub api: Api,
    pub name: &'static str,
    pub what: &'static str,
}

pub const IGNORES_CONTENT_TYPE: &str = "ignores-content-type";
pub const LOGIN_REDIRECT: &str = "login-redirect";

/// Every lenient variant; each must pass the runner like the correct emulator.
pub const LENIENT: &[Variant] = &[
    Variant {
        api: Api::LytxConsent,
        name: IGNORES_CONTENT_TYPE,
        what: "reads the body as JSON whatever its Content-Type",
    },
    Variant {
        api: Api::LytxUsers,
        name: IGNORES_CONTENT_TYPE,
        what: "reads the body as JSON whatever its Content-Type",
    },
    Variant {
        api: Api::FusionAuth,
        name: IGNORES_CONTENT_TYPE,
        what: "reads the body as JSON whatever its Content-Type",
    },
    Variant {
        api: Api::SlashId,
        name: IGNORES_CONTENT_TYPE,
        what: "reads the body as JSON whatever its Content-Type",
    },
    Variant {
        api: Api::LytxConsent,
        name: LOGIN_REDIRECT,
        what: "answers a request without the credential with 307 to /login",
    },
];

/// A correct emulator seen through one lenient behaviour.
pub struct Lenient {
    pub inner: std::sync::Arc<dyn Service>,
    pub variant: &'static str,
    pub api: Api,
}

impl Service for Lenient {
    fn call(&self, req: &Req) -> Reply {
        match self.variant {
            IGNORES_CONTENT_TYPE
                if !req.body.is_empty() && serde_json::from_slice::<Value>(&req.body).is_ok() =>
            {
                let mut headers = req.headers.clone();
                headers.insert("content-type", HeaderValue::from_static("application/json"));
                self.inner.call(&Req {
                    method: req.method.clone(),
                    path: req.path.clone(),
                    query: req.query.clone(),
                    headers,
                    body: req.body.clone(),
                })
            }
            LOGIN_REDIRECT => {
                let (name, value) = self.api.credential();
                if req.header(name) != Some(value) {
                    Reply::empty(307).with_header("Location", "/login?next=%2F")
                } else {
                    self.inner.call(req)
                }
            }
            _ => self.inner.call(req),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Notes

pub struct Notes {
    notes: Mutex<HashMap<u64, Value>>,
}

impl Notes {
    pub fn new() -> Notes {
        Notes {
            notes: Mutex::new(HashMap::new()),
        }
    }
}

/// The exact maximum of `limit`: 2^63.
const LIMIT_MAX: u128 = 1 << 63;

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, &json!({ "message": message }))
}

/// Any `Basic` credential whose decoded text is `user:pass` with a user: an identity.
fn basic_user(req: &Req) -> bool {
    let Some(token) = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
    else {
        return false;
    };
    decode_base64(token.trim())
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|text| {
            text.split_once(':')
                .is_some_and(|(user, _)| !user.is_empty())
        })
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// `limit` as the server reads it: a number, integral, within 0..=2^63 (an exact integer
/// text is compared exactly; a decimal or exponent text is read as a float, as Python's
/// `float()` would).
fn read_limit(text: &str) -> Result<u128, String> {
    if let Ok(n) = text.parse::<u128>() {
        return (n <= LIMIT_MAX)
            .then_some(n)
            .ok_or_else(|| format!("limit {text} is above the maximum {LIMIT_MAX}"));
    }
    match text.parse::<f64>() {
        Ok(x) if x.fract() == 0.0 && (0.0..=LIMIT_MAX as f64).contains(&x) => Ok(x as u128),
        _ => Err(format!(
            "limit {text} is not an integer within 0..={LIMIT_MAX}"
        )),
    }
}

impl Service for Notes {
    fn call(&self, req: &Req) -> Reply {
        let Some(segments) = strict::segments(&req.path) else {
            return error(404, "no route");
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let allowed: &[&str] = match segments.as_slice() {
            ["notes"] => &["GET", "POST"],
            ["notes", _] => &["GET"],
            ["sessions"] => &["POST"],
            _ => return error(404, "no route"),
        };
        if !allowed.contains(&req.method.as_str()) {
            return Reply::method_not_allowed(allowed);
        }
        if !basic_user(req) {
            return Reply::empty(401).with_header("WWW-Authenticate", "Basic realm=\"notes\"");
        }
        match (req.method.as_str(), segments.as_slice()) {
            ("GET", ["notes"]) => self.list(req),
            ("POST", ["notes"]) => self.create(req),
            ("GET", ["notes", id]) => self.get(id),
            _ => error(501, "sessions are not available on this server"),
        }
    }
}

impl Notes {
    fn list(&self, req: &Req) -> Reply {
        let pairs = match strict::query_pairs(req) {
            Ok(p) => p,
            Err(e) => return error(400, &e),
        };
        let limit = match strict::query_value(&pairs, "limit").map(read_limit) {
            None => LIMIT_MAX,
            Some(Ok(n)) => n,
            Some(Err(e)) => return error(400, &e),
        };
        let notes = self.notes.lock().unwrap();
        let mut ids: Vec<&u64> = notes.keys().collect();
        ids.sort();
        let list: Vec<Value> = ids
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|id| notes[id].clone())
            .collect();
        Reply::json(200, &Value::Array(list))
    }

    fn create(&self, req: &Req) -> Reply {
        // The Content-Type is not looked at: any body that parses as JSON is read.
        let body = match serde_json::from_slice::<Value>(&req.body) {
            Ok(v) => v,
            Err(_) if req.body.is_empty() => return error(400, "a body is required"),
            Err(_) => return error(400, "the body is not JSON"),
        };
        let Some(obj) = body.as_object() else {
            return error(400, "the body must be an object");
        };
        let title = match obj.get("title") {
            Some(Value::String(t)) if (1..=40).contains(&t.chars().count()) => t.clone(),
            Some(_) => return error(400, "title must be a string of 1 to 40 characters"),
            None => return error(400, "title is required"),
        };
        // `kind` is required with a default: a missing one is the default.
        let kind = match obj.get("kind") {
            None => "text".to_string(),
            Some(Value::String(k)) if k == "text" || k == "todo" => k.clone(),
            Some(_) => return error(400, "kind must be text or todo"),
        };
        let mut notes = self.notes.lock().unwrap();
        let id = notes.len() as u64 + 1;
        let note = json!({ "id": id, "title": title, "kind": kind });
        notes.insert(id, note.clone());
        Reply::json(201, &note)
    }

    fn get(&self, id: &str) -> Reply {
        let Ok(id) = id.parse::<u64>() else {
            return error(400, "id must be a positive integer");
        };
        if id == 0 {
            return error(400, "id must be a positive integer");
        }
        match self.notes.lock().unwrap().get(&id) {
            Some(note) => Reply::json(200, note),
            None => error(404, "no such note"),
        }
    }
}

#[test]
fn limits_read_as_numbers() {
    assert_eq!(read_limit("9223372036854775808"), Ok(LIMIT_MAX));
    assert!(read_limit("9223372036854775809").is_err());
    assert_eq!(read_limit("9.223372036854776e+18"), Ok(LIMIT_MAX));
    assert!(read_limit("-1").is_err());
    assert!(basic_user(&Req {
        method: hyper::Method::GET,
        path: "/notes".into(),
        query: None,
        headers: {
            let mut h = hyper::HeaderMap::new();
            // anyone:anything
            h.insert(
                "authorization",
                HeaderValue::from_static("Basic YW55b25lOmFueXRoaW5n"),
            );
            h
        },
        body: Default::default(),
    }));
}
