//! FusionAuth Consent APIs (`specs/fusionauth-consent.yaml`, served at `/`): Consent CRUD
//! (create with or without an id, retrieve one or all, PUT replace, PATCH merge, DELETE) and
//! User Consent grant (with or without an id), update (PUT, PATCH) and revoke. The API key
//! travels as the whole `Authorization` header value.
//!
//! State: Consents and User Consents in memory, starting with the documented samples (the
//! "Patient Consent" `d512b9b8-…` and its User Consent `674b5cd8-…`), so the spec's own
//! examples reach their success responses. What the docs say, done as they say it:
//! - DELETE of a Consent removes it, and every User Consent granted from it.
//! - DELETE of a User Consent is a *revoke* (`x-stipula-delete-semantics: revoke`): the User
//!   Consent stays, readable through its update APIs, with status `Revoked`.
//! - PUT replaces, PATCH merges (objects recursively; arrays and scalars replaced), and the
//!   merged Consent must still be a valid Consent.
//! - Names and ids are unique; granted values must be values of the Consent, at most one when
//!   `multipleValuesAllowed` is false; a grant's status is `Active`.
//!
//! Errors are FusionAuth's `Errors` object: a schema violation is listed under `fieldErrors`
//! by field name (`consent.name`), in FusionAuth's `[missing]field` / `[invalid]field` codes;
//! unreadable JSON is the documented `[invalid]` "Your JSON was invalid". 401 and 404 have no
//! body, as documented.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use super::strict::{self, BodyError, Need, Obj, Problems, Rule};
use super::{Reply, Req, Service};

pub const CREATE_NOT_INDEXED: &str = "fusionauth-created-consent-not-readable";
pub const SOFT_DELETE: &str = "fusionauth-deleted-consent-still-readable";
pub const DELETE_204: &str = "fusionauth-delete-answers-204";
pub const AGE_AS_TEXT: &str = "fusionauth-age-as-text";
pub const ANY_API_KEY: &str = "fusionauth-any-api-key";

pub const SAMPLE_CONSENT_ID: &str = "d512b9b8-876f-4b5e-81f0-3e180b6ea485";
pub const SAMPLE_USER_CONSENT_ID: &str = "674b5cd8-482a-43c9-986e-f9764bbee01d";
const STATUSES: [&str; 2] = ["Active", "Revoked"];
/// Consent properties FusionAuth knows (others are ignored, never stored).
const CONSENT_FIELDS: [&str; 7] = [
    "consentEmailTemplateId",
    "countryMinimumAgeForSelfConsent",
    "defaultMinimumAgeForSelfConsent",
    "emailPlus",
    "multipleValuesAllowed",
    "name",
    "values",
];

struct StoredConsent {
    seq: u64,
    /// The Consent as returned (with `id`).
    body: Map<String, Value>,
    /// Reachable by id (false only with CREATE_NOT_INDEXED).
    indexed: bool,
    /// Deleted, but kept (only with SOFT_DELETE).
    deleted: bool,
}

struct StoredUserConsent {
    consent_id: String,
    giver_user_id: String,
    user_id: String,
    values: Vec<String>,
    status: String,
    insert_instant: i64,
    last_update_instant: i64,
}

#[derive(Default)]
struct State {
    seq: u64,
    consents: HashMap<String, StoredConsent>,
    user_consents: HashMap<String, StoredUserConsent>,
}

impl State {
    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A live Consent reachable by id. `soft_deleted_visible` is the SOFT_DELETE bug.
    fn consent(&self, id: &str, soft_deleted_visible: bool) -> Option<&StoredConsent> {
        self.consents
            .get(id)
            .filter(|c| c.indexed && (!c.deleted || soft_deleted_visible))
    }

    fn name_taken(&self, name: &str, except: Option<&str>) -> bool {
        self.consents.iter().any(|(id, c)| {
            !c.deleted && Some(id.as_str()) != except && c.body.get("name") == Some(&json!(name))
        })
    }
}

pub struct FusionAuth {
    bug: Option<&'static str>,
    state: Mutex<State>,
}

impl FusionAuth {
    pub fn new(bug: Option<&'static str>) -> FusionAuth {
        let mut state = State::default();
        let sample = json!({
            "consentEmailTemplateId": "61cba163-2d53-4d2d-ad7f-801c27f0c277",
            "countryMinimumAgeForSelfConsent": {"de": 21},
            "defaultMinimumAgeForSelfConsent": 18,
            "emailPlus": {
                "enabled": true,
                "emailTemplateId": "9cd65fca-5aa0-4861-899b-8712d8ec963f",
                "maximumTimeToSendEmailInHours": 48,
                "minimumTimeToSendEmailInHours": 24
            },
            "id": SAMPLE_CONSENT_ID,
            "multipleValuesAllowed": false,
            "name": "Patient Consent",
            "values": ["Written", "Verbal"]
        });
        let seq = state.next();
        state.consents.insert(
            SAMPLE_CONSENT_ID.into(),
            StoredConsent {
                seq,
                body: sample.as_object().unwrap().clone(),
                indexed: true,
                deleted: false,
            },
        );
        state.user_consents.insert(
            SAMPLE_USER_CONSENT_ID.into(),
            StoredUserConsent {
                consent_id: SAMPLE_CONSENT_ID.into(),
                giver_user_id: "605e88b7-a2fb-40b8-9c94-0123c0f6a70c".into(),
                user_id: "841d8b33-bf4d-488d-9f2f-2f50d769c3d2".into(),
                values: vec!["Written".into()],
                status: "Active".into(),
                insert_instant: 1_562_180_786_558,
                last_update_instant: 1_562_180_786_558,
            },
        );
        FusionAuth {
            bug,
            state: Mutex::new(state),
        }
    }

    fn bug(&self, name: &str) -> bool {
        self.bug == Some(name)
    }

    fn authorized(&self, req: &Req) -> bool {
        let given = req.header("authorization").map(str::trim);
        if self.bug(ANY_API_KEY) {
            return given.is_some_and(|k| !k.is_empty());
        }
        given == Some(super::Api::FusionAuth.credential().1)
    }

    // -----------------------------------------------------------------------------------------
    // Consents

    fn create_consent(&self, req: &Req, id: Option<&str>) -> Reply {
        if let Some(id) = id
            && !strict::is_uuid(id)
        {
            return field_error(
                "consentId",
                "[invalid]consentId",
                "The consentId must be a UUID.",
            );
        }
        let body = match read_body(req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        let mut p = Problems::default();
        let Some(consent) = parse_consent_request(&body, &mut p) else {
            return problems_reply(&p);
        };
        let mut state = self.state.lock().unwrap();
        let id = match id {
            Some(id) => {
                let id = id.to_ascii_lowercase();
                if state.consents.get(&id).is_some_and(|c| !c.deleted) {
                    return field_error(
                        "consentId",
                        "[duplicate]consentId",
                        &format!("A Consent with Id = [{id}] already exists."),
                    );
                }
                id
            }
            None => strict::new_uuid(),
        };
        let name = consent["name"].as_str().unwrap_or_default().to_string();
        if state.name_taken(&name, None) {
            return duplicate_name(&name);
        }
        let mut body = consent;
        body.insert("id".into(), json!(id));
        let seq = state.next();
        state.consents.insert(
            id,
            StoredConsent {
                seq,
                body: body.clone(),
                indexed: !self.bug(CREATE_NOT_INDEXED),
                deleted: false,
            },
        );
        Reply::json(200, &json!({ "consent": self.consent_out(&body) }))
    }

    /// A stored Consent as answered.
    fn consent_out(&self, body: &Map<String, Value>) -> Value {
        let mut out = body.clone();
        if self.bug(AGE_AS_TEXT)
            && let Some(age) = out.get_mut("defaultMinimumAgeForSelfConsent")
        {
            *age = json!(age.to_string());
        }
        Value::Object(out)
    }

    fn retrieve_consents(&self) -> Reply {
        let state = self.state.lock().unwrap();
        let mut live: Vec<&StoredConsent> =
            state.consents.values().filter(|c| !c.deleted).collect();
        live.sort_by_key(|c| c.seq);
        let consents: Vec<Value> = live.iter().map(|c| self.consent_out(&c.body)).collect();
        Reply::json(200, &json!({ "consents": consents }))
    }

    fn retrieve_consent(&self, id: &str) -> Reply {
        if !strict::is_uuid(id) {
            return malformed();
        }
        let state = self.state.lock().unwrap();
        match state.consent(&id.to_ascii_lowercase(), self.bug(SOFT_DELETE)) {
            Some(c) => Reply::json(200, &json!({ "consent": self.consent_out(&c.body) })),
            None => Reply::empty(404),
        }
    }

    fn update_consent(&self, req: &Req, id: &str, merge: bool) -> Reply {
        if !strict::is_uuid(id) {
            return malformed();
        }
        let id = id.to_ascii_lowercase();
        let body = match read_body(req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        let mut p = Problems::default();
        let given = if merge {
            parse_consent_patch_request(&body, &mut p)
        } else {
            parse_consent_request(&body, &mut p)
        };
        let Some(given) = given else {
            return problems_reply(&p);
        };
        let mut state = self.state.lock().unwrap();
        let Some(current) = state.consent(&id, false) else {
            return Reply::empty(404);
        };
        let mut updated = if merge {
            let mut merged = Value::Object(current.body.clone());
            merge_into(&mut merged, &Value::Object(given));
            // The merged Consent must still be a Consent.
            let mut p = Problems::default();
            let checked = json!({ "consent": merged });
            let Some(valid) = parse_consent_request(&checked, &mut p) else {
                return problems_reply(&p);
            };
            valid
        } else {
            given
        };
        updated.insert("id".into(), json!(id));
        let name = updated["name"].as_str().unwrap_or_default().to_string();
        if state.name_taken(&name, Some(&id)) {
            return duplicate_name(&name);
        }
        let stored = state.consents.get_mut(&id).unwrap();
        stored.body = updated.clone();
        Reply::json(200, &json!({ "consent": self.consent_out(&updated) }))
    }

    fn delete_consent(&self, id: &str) -> Reply {
        if !strict::is_uuid(id) {
            return malformed();
        }
        let id = id.to_ascii_lowercase();
        let mut state = self.state.lock().unwrap();
        if state.consent(&id, false).is_none() {
            return Reply::empty(404);
        }
        if self.bug(SOFT_DELETE) {
            state.consents.get_mut(&id).unwrap().deleted = true;
        } else {
            state.consents.remove(&id);
            state.user_consents.retain(|_, uc| uc.consent_id != id);
        }
        Reply::empty(if self.bug(DELETE_204) { 204 } else { 200 })
    }

    // -----------------------------------------------------------------------------------------
    // User Consents

    fn user_consent_reply(&self, state: &State, id: &str) -> Reply {
        let uc = &state.user_consents[id];
        let consent = state
            .consents
            .get(&uc.consent_id)
            .map(|c| self.consent_out(&c.body))
            .unwrap_or(Value::Null);
        let mut body = Map::new();
        if !consent.is_null() {
            body.insert("consent".into(), consent);
        }
        body.insert("consentId".into(), json!(uc.consent_id));
        body.insert("giverUserId".into(), json!(uc.giver_user_id));
        body.insert("id".into(), json!(id));
        body.insert("insertInstant".into(), json!(uc.insert_instant));
        body.insert("lastUpdateInstant".into(), json!(uc.last_update_instant));
        body.insert("status".into(), json!(uc.status));
        body.insert("userId".into(), json!(uc.user_id));
        body.insert("values".into(), json!(uc.values));
        Reply::json(200, &json!({ "userConsent": body }))
    }

    /// The granted values must be the Consent's, at most one unless it allows several.
    fn check_values(consent: &StoredConsent, values: &[String]) -> Result<(), Reply> {
        let allowed: Vec<&str> = consent
            .body
            .get("values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !allowed.is_empty() {
            let invalid: Vec<&str> = values
                .iter()
                .map(String::as_str)
                .filter(|v| !allowed.contains(v))
                .collect();
            if !invalid.is_empty() {
                return Err(field_error(
                    "userConsent.values",
                    "[invalid]userConsent.values",
                    &format!(
                        "The values [{}] are not valid values for this consent. Valid values are [{}].",
                        invalid.join(", "),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        let multiple = consent
            .body
            .get("multipleValuesAllowed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !multiple && values.len() > 1 {
            return Err(field_error(
                "userConsent.values",
                "[invalid]userConsent.values",
                "This consent does not allow multiple values. A maximum of one value may be assigned.",
            ));
        }
        Ok(())
    }

    fn grant(&self, req: &Req, id: Option<&str>) -> Reply {
        if let Some(id) = id
            && !strict::is_uuid(id)
        {
            return field_error(
                "userConsentId",
                "[invalid]userConsentId",
                "The userConsentId must be a UUID.",
            );
        }
        let body = match read_body(req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        let mut p = Problems::default();
        let Some(grant) = parse_grant(&body, &mut p) else {
            return problems_reply(&p);
        };
        let mut state = self.state.lock().unwrap();
        let id = match id {
            Some(id) => {
                let id = id.to_ascii_lowercase();
                if state.user_consents.contains_key(&id) {
                    return field_error(
                        "userConsentId",
                        "[duplicate]userConsentId",
                        &format!("A User Consent with Id = [{id}] already exists."),
                    );
                }
                id
            }
            None => strict::new_uuid(),
        };
        let consent_id = grant.consent_id.to_ascii_lowercase();
        let Some(consent) = state.consent(&consent_id, false) else {
            return field_error(
                "userConsent.consentId",
                "[invalid]userConsent.consentId",
                &format!("No Consent exists with Id = [{consent_id}]."),
            );
        };
        if let Err(reply) = Self::check_values(consent, &grant.values) {
            return reply;
        }
        let now = strict::now_millis();
        state.user_consents.insert(
            id.clone(),
            StoredUserConsent {
                consent_id,
                giver_user_id: grant.giver_user_id.to_ascii_lowercase(),
                user_id: grant.user_id.to_ascii_lowercase(),
                values: grant.values,
                status: "Active".into(),
                insert_instant: now,
                last_update_instant: now,
            },
        );
        self.user_consent_reply(&state, &id)
    }

    fn update_user_consent(&self, req: &Req, id: &str, merge: bool) -> Reply {
        if !strict::is_uuid(id) {
            return malformed();
        }
        let id = id.to_ascii_lowercase();
        let body = match read_body(req) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        let mut p = Problems::default();
        let Some((status, values)) = parse_user_consent_update(&body, merge, &mut p) else {
            return problems_reply(&p);
        };
        let mut state = self.state.lock().unwrap();
        let Some(uc) = state.user_consents.get(&id) else {
            return Reply::empty(404);
        };
        // PUT replaces the values (absent means none); PATCH keeps what it does not name.
        let values = match values {
            Some(v) => v,
            None if merge => uc.values.clone(),
            None => Vec::new(),
        };
        if let Some(consent) = state.consents.get(&uc.consent_id)
            && let Err(reply) = Self::check_values(consent, &values)
        {
            return reply;
        }
        let uc = state.user_consents.get_mut(&id).unwrap();
        if let Some(status) = status {
            uc.status = status;
        }
        uc.values = values;
        uc.last_update_instant = strict::now_millis().max(uc.insert_instant);
        self.user_consent_reply(&state, &id)
    }

    fn revoke(&self, id: &str) -> Reply {
        if !strict::is_uuid(id) {
            return malformed();
        }
        let mut state = self.state.lock().unwrap();
        let Some(uc) = state.user_consents.get_mut(&id.to_ascii_lowercase()) else {
            return Reply::empty(404);
        };
        uc.status = "Revoked".into();
        uc.last_update_instant = strict::now_millis().max(uc.insert_instant);
        Reply::empty(200)
    }
}

impl Service for FusionAuth {
    fn call(&self, req: &Req) -> Reply {
        let Some(segments) = strict::segments(&req.path) else {
            return Reply::empty(404);
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let method = req.method.as_str();
        let allowed: &[&str] = match segments.as_slice() {
            ["api", "consent"] => &["GET", "POST"],
            ["api", "consent", _] => &["DELETE", "GET", "PATCH", "POST", "PUT"],
            ["api", "user", "consent"] => &["POST"],
            ["api", "user", "consent", _] => &["DELETE", "PATCH", "POST", "PUT"],
            _ => return Reply::empty(404),
        };
        if !allowed.contains(&method) {
            return Reply::method_not_allowed(allowed);
        }
        if !self.authorized(req) {
            return Reply::empty(401);
        }
        match (segments.as_slice(), method) {
            (["api", "consent"], "POST") => self.create_consent(req, None),
            (["api", "consent"], _) => self.retrieve_consents(),
            (["api", "consent", id], "POST") => self.create_consent(req, Some(id)),
            (["api", "consent", id], "GET") => self.retrieve_consent(id),
            (["api", "consent", id], "PUT") => self.update_consent(req, id, false),
            (["api", "consent", id], "PATCH") => self.update_consent(req, id, true),
            (["api", "consent", id], _) => self.delete_consent(id),
            (["api", "user", "consent"], _) => self.grant(req, None),
            (["api", "user", "consent", id], "POST") => self.grant(req, Some(id)),
            (["api", "user", "consent", id], "PUT") => self.update_user_consent(req, id, false),
            (["api", "user", "consent", id], "PATCH") => self.update_user_consent(req, id, true),
            (["api", "user", "consent", id], _) => self.revoke(id),
            _ => Reply::empty(404),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request bodies

/// The JSON body, or the documented 400.
fn read_body(req: &Req) -> Result<Value, Reply> {
    strict::json_body(req).map_err(|e| match e {
        BodyError::Absent => general_error("[invalid]", "A request body is required."),
        BodyError::NotJson => general_error(
            "[invalid]",
            "The request body must be sent with Content-Type: application/json.",
        ),
        BodyError::Malformed => general_error("[invalid]", "Your JSON was invalid"),
    })
}

/// `ConsentRequest`: the Consent's known properties, checked.
fn parse_consent_request(body: &Value, p: &mut Problems) -> Option<Map<String, Value>> {
    let root = strict::object(body, "", p)?;
    let consent = root.object("consent", Need::Required, p)?;
    check_consent(&consent, false, p);
    p.is_empty().then(|| known_fields(&consent))
}

/// `ConsentPatchRequest`: the same properties, all optional, no conditional.
fn parse_consent_patch_request(body: &Value, p: &mut Problems) -> Option<Map<String, Value>> {
    let root = strict::object(body, "", p)?;
    let consent = root.object("consent", Need::Required, p)?;
    check_consent(&consent, true, p);
    p.is_empty().then(|| known_fields(&consent))
}

fn known_fields(consent: &Obj) -> Map<String, Value> {
    CONSENT_FIELDS
        .iter()
        .filter_map(|&name| Some((name.to_string(), consent.map.get(name)?.clone())))
        .collect()
}

/// `Consent` (or `ConsentPatch` when `patch`: nothing required, no Email Plus conditional).
fn check_consent(c: &Obj, patch: bool, p: &mut Problems) {
    let required = if patch {
        Need::Optional
    } else {
        Need::Required
    };
    c.uuid("consentEmailTemplateId", Need::Optional, p);
    if let Some(ages) = c.object("countryMinimumAgeForSelfConsent", Need::Optional, p) {
        for (locale, age) in ages.map {
            strict::integer(age, &ages.path_of(locale), strict::INT32, p);
        }
    }
    c.integer(
        "defaultMinimumAgeForSelfConsent",
        required,
        strict::INT32,
        p,
    );
    if let Some(plus) = c.object("emailPlus", Need::Optional, p) {
        let enabled = plus.boolean("enabled", Need::Optional, p);
        let template_need = if enabled == Some(true) && !patch {
            Need::Required
        } else {
            Need::Optional
        };
        plus.uuid("emailTemplateId", template_need, p);
        plus.integer(
            "maximumTimeToSendEmailInHours",
            Need::Optional,
            strict::INT32,
            p,
        );
        plus.integer(
            "minimumTimeToSendEmailInHours",
            Need::Optional,
            strict::INT32,
            p,
        );
    }
    c.uuid("id", Need::Optional, p);
    c.boolean("multipleValuesAllowed", Need::Optional, p);
    c.string("name", required, p);
    c.strings("values", Need::Optional, p);
}

struct Grant {
    consent_id: String,
    giver_user_id: String,
    user_id: String,
    values: Vec<String>,
}

/// `UserConsentRequest`. The read-only properties may be sent; they are checked and ignored.
fn parse_grant(body: &Value, p: &mut Problems) -> Option<Grant> {
    let root = strict::object(body, "", p)?;
    let uc = root.object("userConsent", Need::Required, p)?;
    if let Some(consent) = uc.object("consent", Need::Optional, p) {
        check_consent(&consent, false, p);
    }
    let consent_id = uc.uuid("consentId", Need::Required, p);
    let giver_user_id = uc.uuid("giverUserId", Need::Required, p);
    uc.uuid("id", Need::Optional, p);
    uc.integer("insertInstant", Need::Optional, strict::INT64, p);
    uc.integer("lastUpdateInstant", Need::Optional, strict::INT64, p);
    uc.one_of("status", Need::Optional, &STATUSES, p);
    let user_id = uc.uuid("userId", Need::Required, p);
    let values = uc.strings("values", Need::Optional, p);
    if !p.is_empty() {
        return None;
    }
    Some(Grant {
        consent_id: consent_id?.to_string(),
        giver_user_id: giver_user_id?.to_string(),
        user_id: user_id?.to_string(),
        values: values
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect(),
    })
}

type StatusAndValues = (Option<String>, Option<Vec<String>>);

/// `UserConsentUpdateRequest` (status required) or `UserConsentPatchRequest` (nothing
/// required).
fn parse_user_consent_update(
    body: &Value,
    patch: bool,
    p: &mut Problems,
) -> Option<StatusAndValues> {
    let root = strict::object(body, "", p)?;
    let uc = root.object("userConsent", Need::Required, p)?;
    let need = if patch {
        Need::Optional
    } else {
        Need::Required
    };
    let status = uc.one_of("status", need, &STATUSES, p);
    let values = uc.strings("values", Need::Optional, p);
    if !p.is_empty() {
        return None;
    }
    Some((
        status.map(str::to_string),
        values.map(|v| v.into_iter().map(str::to_string).collect()),
    ))
}

/// RFC 7386-style merge: objects merge recursively, everything else replaces.
fn merge_into(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                match t.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        merge_into(existing, v)
                    }
                    Some(existing) => *existing = v.clone(),
                    None => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Errors (FusionAuth's Errors object)

fn general_error(code: &str, message: &str) -> Reply {
    Reply::json(
        400,
        &json!({"generalErrors": [{"code": code, "message": message}]}),
    )
}

fn field_error(field: &str, code: &str, message: &str) -> Reply {
    Reply::json(
        400,
        &json!({"fieldErrors": {field: [{"code": code, "message": message}]}}),
    )
}

fn malformed() -> Reply {
    general_error("[invalid]", "The request was invalid and/or malformed.")
}

fn duplicate_name(name: &str) -> Reply {
    field_error(
        "consent.name",
        "[duplicate]consent.name",
        &format!("A Consent with name = [{name}] already exists."),
    )
}

/// Schema violations as `fieldErrors` (a body that is not an object: `generalErrors`).
fn problems_reply(p: &Problems) -> Reply {
    let mut fields: Map<String, Value> = Map::new();
    for problem in &p.0 {
        if problem.field.is_empty() {
            return general_error("[invalid]", "Your JSON was invalid");
        }
        let f = &problem.field;
        let (code, message) = match problem.rule {
            Rule::Missing if f == "consent.name" => (
                format!("[blank]{f}"),
                format!("You must specify the [{f}] property."),
            ),
            Rule::Missing => (
                format!("[missing]{f}"),
                format!("You must specify the [{f}] property."),
            ),
            _ => (format!("[invalid]{f}"), problem.message.clone()),
        };
        let list = fields.entry(f.clone()).or_insert_with(|| json!([]));
        list.as_array_mut()
            .unwrap()
            .push(json!({"code": code, "message": message}));
    }
    Reply::json(400, &json!({ "fieldErrors": fields }))
}
