//! The emulators' own behaviour, over real HTTP with `reqwest::blocking`: every documented
//! request example gets a documented, schema-valid answer; the batch limit; per-row results;
//! strict rejections and generous acceptance; authentication; 405 with `Allow`; revoke vs
//! delete; and, one test per fault, that each bug is observable against the correct emulator.
//!
//! Here, and only here, stipula's own model and validator judge the answers
//! (`Spec::load` + `Schemas::validate`): the emulators never use them.

use std::sync::OnceLock;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::blocking::Client;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use stipula::runner::event::Check;
use stipula::schema::Direction;
use stipula::spec::{LoadOptions, Operation, ParamIn, Parameter, Spec};

use super::strict;
use super::*;

// ---------------------------------------------------------------------------------------------
// Client side

fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        // No pooled connections: emulators come and go, and a port may be reused.
        Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    })
}

/// What came back.
#[derive(Debug)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.show()))
    }

    pub(super) fn show(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.body).into_owned();
        if text.len() > 1500 {
            text.truncate(1500);
            text.push_str("...");
        }
        format!("{} {:?}\n{text}", self.status, self.headers)
    }
}

/// One request to an emulator, with its valid credential unless told otherwise.
pub(super) struct Call {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    auth: bool,
}

pub(super) fn call(method: &str, path: &str) -> Call {
    Call {
        method: method.into(),
        path: path.into(),
        headers: Vec::new(),
        body: None,
        auth: true,
    }
}

impl Call {
    pub(super) fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn body(self, content_type: &str, bytes: impl Into<Vec<u8>>) -> Call {
        let mut call = self.header("Content-Type", content_type);
        call.body = Some(bytes.into());
        call
    }

    pub(super) fn json(self, value: &Value) -> Call {
        self.body("application/json", serde_json::to_vec(value).unwrap())
    }

    fn no_auth(mut self) -> Call {
        self.auth = false;
        self
    }

    pub(super) fn send(&self, emu: &Emulator) -> Answer {
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).unwrap();
        let url = format!("{}{}", emu.url(), self.path);
        let mut request = client().request(method, &url);
        if self.auth {
            for (name, value) in emu.api().auth_headers() {
                request = request.header(name, value);
            }
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        let response = request
            .send()
            .unwrap_or_else(|e| panic!("{} {url}: {e}", self.method));
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.bytes().unwrap().to_vec(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Judging answers against the spec

fn spec(api: Api) -> Spec {
    Spec::load(api.spec_path(), LoadOptions::default())
        .unwrap_or_else(|e| panic!("{} should load: {e}", api.name()))
}

fn operation<'a>(spec: &'a Spec, id: &str) -> &'a Operation {
    spec.operation(id)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

/// What is wrong with an answer, each with the runner check that would report it
/// (`status-documented`, `content-type-documented`, `body-schema`, `response-headers`).
/// Empty when the answer keeps the contract.
pub(super) fn findings(
    spec: &Spec,
    operation_id: &str,
    answer: &Answer,
) -> Vec<(&'static str, String)> {
    let op = operation(spec, operation_id);
    let Some(response) = op.response_for(answer.status) else {
        return vec![(
            "status-documented",
            format!("{operation_id}: status {} is not documented", answer.status),
        )];
    };
    let mut out = Vec::new();
    if response.content.is_empty() {
        if !answer.body.is_empty() {
            out.push((
                "content-type-documented",
                format!(
                    "{operation_id}: {} has a body but documents none",
                    answer.status
                ),
            ));
        }
    } else {
        let essence = answer
            .header("content-type")
            .map(|ct| ct.split(';').next().unwrap().trim().to_ascii_lowercase());
        match response
            .content
            .iter()
            .find(|m| Some(&m.media_type) == essence.as_ref())
        {
            None => out.push((
                "content-type-documented",
                format!(
                    "{operation_id}: Content-Type {essence:?} is not documented for {}",
                    answer.status
                ),
            )),
            Some(media) => {
                if let Some(schema) = media.schema {
                    match serde_json::from_slice::<Value>(&answer.body) {
                        Err(e) => out.push((
                            "body-schema",
                            format!("{operation_id}: the body is not JSON: {e}"),
                        )),
                        Ok(value) => out.extend(
                            spec.schemas
                                .validate(schema, Direction::Response, &value)
                                .iter()
                                .map(|v| ("body-schema", v.to_string())),
                        ),
                    }
                }
            }
        }
    }
    for header in response.headers.iter().filter(|h| h.required) {
        let Some(value) = answer.header(&header.name) else {
            out.push((
                "response-headers",
                format!("{operation_id}: required header {} missing", header.name),
            ));
            continue;
        };
        if let Some(schema) = header.schema {
            out.extend(
                spec.schemas
                    .validate(schema, Direction::Response, &json!(value))
                    .iter()
                    .map(|v| ("response-headers", format!("header {}: {v}", header.name))),
            );
        }
    }
    out
}

/// The findings of that check.
fn caught(found: &[(&'static str, String)], check: &str) -> Vec<String> {
    found
        .iter()
        .filter(|(c, _)| *c == check)
        .map(|(_, m)| m.clone())
        .collect()
}

/// The answer is documented (status, media type, headers) and its body valid.
fn assert_documented(spec: &Spec, operation_id: &str, answer: &Answer) {
    let found = findings(spec, operation_id, answer);
    assert!(found.is_empty(), "{found:?}\n{}", answer.show());
}

/// `assert_documented` and the status.
fn expect(spec: &Spec, operation_id: &str, answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{operation_id}: {}", answer.show());
    assert_documented(spec, operation_id, answer);
}

// ---------------------------------------------------------------------------------------------
// Documented examples

fn example_of(spec: &Spec, p: &Parameter) -> Option<Value> {
    if let Some(v) = p.examples.iter().find_map(|e| e.value.clone()) {
        return Some(v);
    }
    let schema = spec.schemas.get(p.schema?);
    schema.get("examples")?.get(0).cloned()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The requests an operation's documented examples make: parameters from their examples, one
/// request per body example (or one without a body).
fn example_calls(spec: &Spec, op: &Operation) -> Vec<Call> {
    let mut path = op.path.clone();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for p in &op.parameters {
        let Some(value) = example_of(spec, p) else {
            assert!(
                !p.required,
                "{}: required {} has no example",
                op.label(),
                p.name
            );
            continue;
        };
        let value = text(&value);
        match p.location {
            ParamIn::Path => {
                let encoded = utf8_percent_encode(&value, NON_ALPHANUMERIC).to_string();
                path = path.replace(&format!("{{{}}}", p.name), &encoded);
            }
            ParamIn::Query => query.push(format!(
                "{}={}",
                p.name,
                utf8_percent_encode(&value, NON_ALPHANUMERIC)
            )),
            ParamIn::Header => headers.push((p.name.clone(), value)),
            ParamIn::Cookie => unreachable!("no cookie parameters in these specs"),
        }
    }
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let base = || {
        let mut c = call(op.method.as_str(), &path);
        for (n, v) in &headers {
            c = c.header(n, v);
        }
        c
    };
    let bodies: Vec<Value> = op
        .request_body
        .iter()
        .flat_map(|b| &b.content)
        .flat_map(|m| &m.examples)
        .filter_map(|e| e.value.clone())
        .collect();
    if bodies.is_empty() {
        vec![base()]
    } else {
        bodies.iter().map(|b| base().json(b)).collect()
    }
}

#[test]
fn every_documented_example_gets_a_documented_valid_answer() {
    for api in Api::EVERY {
        let spec = spec(api);
        let emu = Emulator::start(api);
        let mut successes = 0;
        let mut sent = 0;
        // Removals last, as a client would order them.
        let mut operations: Vec<&Operation> = spec.operations.iter().collect();
        operations.sort_by_key(|op| op.method.as_str() == "DELETE");
        for op in operations {
            let id = op.operation_id.clone().unwrap();
            for c in example_calls(&spec, op) {
                let answer = c.send(&emu);
                assert_documented(&spec, &id, &answer);
                assert!(answer.status < 500, "{id}: {}", answer.show());
                sent += 1;
                successes += usize::from(answer.status < 300);
            }
        }
        assert_eq!(emu.requests_seen(), sent, "{}", api.name());
        // Most examples succeed; the rest are documented 4xx (a duplicate name, say).
        assert!(
            successes * 2 > sent,
            "{}: only {successes} of {sent} examples succeeded",
            api.name()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Lytx consent

fn rows(range: std::ops::RangeInclusive<u64>, status: &str) -> Value {
    Value::Array(
        range
            .map(|n| {
                json!({
                    "employeeId": lytx_consent::test_user(n).employee_id,
                    "productName": "facialID",
                    "consentStatus": status,
                })
            })
            .collect(),
    )
}

#[test]
fn lytx_update_takes_2000_rows_and_refuses_2001() {
    let spec = spec(Api::LytxConsent);
    let emu = Emulator::start(Api::LytxConsent);
    let update = "Consent_UpdateUserConsent";
    let ok = call("POST", "/userconsent/update")
        .json(&rows(1..=2000, "NotRequired"))
        .send(&emu);
    expect(&spec, update, &ok, 200);
    let results = ok.json();
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 2000);
    assert!(
        results.iter().all(|r| r["status"] == "UpdatedSuccessfully"),
        "{}",
        ok.show()
    );
    assert_eq!(results[1999]["employeeId"], "Test4kUsers2000");

    let too_many = call("POST", "/userconsent/update")
        .json(&rows(1..=2001, "Obtained"))
        .send(&emu);
    expect(&spec, update, &too_many, 400);
    assert_eq!(too_many.json()["message"], lytx_consent::MSG_TOO_MANY);

    // Nothing of the refused batch was applied: the same 2000 again are all AlreadyUpdated.
    let again = call("POST", "/userconsent/update")
        .json(&rows(1..=2000, "NotRequired"))
        .send(&emu);
    expect(&spec, update, &again, 200);
    assert!(
        again
            .json()
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "AlreadyUpdated")
    );

    let empty = call("POST", "/userconsent/update")
        .json(&json!([]))
        .send(&emu);
    expect(&spec, update, &empty, 400);
    assert_eq!(empty.json()["message"], lytx_consent::MSG_EMPTY);
}

#[test]
fn lytx_update_answers_row_by_row_with_the_documented_messages() {
    let spec = spec(Api::LytxConsent);
    let emu = Emulator::start(Api::LytxConsent);
    let batch = json!([
        {"productName": "facialId", "consentStatus": "Obtained"},
        {"employeeId": "nobody", "productName": "facialId", "consentStatus": "Obtained"},
        {"userId": "11111111-2222-4333-8444-555555555555", "productName": "facialId", "consentStatus": "Obtained"},
        {"employeeId": "ADM-0001", "productName": "facialId", "consentStatus": "Obtained"},
        {"employeeId": "j.smith", "productName": "Dashcam", "consentStatus": "Obtained"},
        {"employeeId": "j.smith", "productName": "FACIALID", "consentStatus": "Obtained", "source": null},
        {"userId": "4AF860AE-2E53-4D8B-A48E-606B862EFFED", "employeeId": "j.smith", "productName": "facialId", "consentStatus": "Obtained"},
        {"userId": "550e8400-e29b-41d4-a716-446655440000", "employeeId": "j.smith", "productName": "facialId", "consentStatus": "Obtained"},
    ]);
    let answer = call("POST", "/userconsent/update").json(&batch).send(&emu);
    expect(&spec, "Consent_UpdateUserConsent", &answer, 200);
    let results = answer.json();
    let got: Vec<(&str, &str)> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap(),
                r["errorMessage"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Failed", lytx_consent::MSG_EITHER_ID),
            ("Failed", lytx_consent::MSG_NO_EMPLOYEE),
            ("Failed", lytx_consent::MSG_NO_USER),
            ("Failed", lytx_consent::MSG_NON_DRIVER),
            ("Failed", lytx_consent::MSG_PRODUCT),
            ("UpdatedSuccessfully", ""),
            ("AlreadyUpdated", ""),
            ("Failed", lytx_consent::MSG_CONFLICT),
        ]
    );
    // A row that found no user has no userId (the schema allows no null there).
    assert!(results[1].get("userId").is_none());

    // The update is visible in the status, and an unknown user is a documented 404.
    let status = call("GET", "/userconsent/status?employeeId=j.smith").send(&emu);
    expect(&spec, "Consent_GetUserConsentStatus", &status, 200);
    assert_eq!(status.json()["data"][0]["consentStatus"], "Obtained");
    let nobody = call("GET", "/userconsent/status?employeeId=nobody").send(&emu);
    expect(&spec, "Consent_GetUserConsentStatus", &nobody, 404);
    let neither = call("GET", "/userconsent/status").send(&emu);
    expect(&spec, "Consent_GetUserConsentStatus", &neither, 400);
    assert_eq!(neither.json()["message"], lytx_consent::MSG_EITHER_ID);
    let conflict = call(
        "GET",
        "/userconsent/status?userId=550e8400-e29b-41d4-a716-446655440000&employeeId=j.smith",
    )
    .send(&emu);
    expect(&spec, "Consent_GetUserConsentStatus", &conflict, 400);
    assert_eq!(conflict.json()["message"], lytx_consent::MSG_CONFLICT);
}

// ---------------------------------------------------------------------------------------------
// Strict, and generous

/// (API, operation id, call, expected status): one broken schema rule each, or one edge the
/// schema allows.
fn cases() -> Vec<(Api, &'static str, Call, u16)> {
    let update = |body: Value| call("POST", "/userconsent/update").json(&body);
    let row = |extra: Value| {
        let mut r = json!({"employeeId": "EMP-9876", "productName": "facialId", "consentStatus": "Obtained"});
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        json!([r])
    };
    let user = |change: &dyn Fn(&mut Value)| {
        let mut u = json!({
            "allowVideoSearchDownload": false, "cellPhoneCountry": "US",
            "cellPhoneNumber": "+1234567890", "email": "email@email.com", "employeeId": "e1",
            "firstName": "A", "groupRoles": [], "lastName": "B", "loginEnabled": true,
            "primaryGroupId": "28a6d1a3-92c8-4eca-b8b3-d5d0e2d308d0", "status": "Active",
            "username": "edge-user"
        });
        change(&mut u);
        call("PUT", "/users/0b4e7a0e-5c6f-4f0a-9d3e-2f1c8b7a6d5e").json(&u)
    };
    let consent = |change: &dyn Fn(&mut Value)| {
        let mut c =
            json!({"consent": {"name": "Edge consent", "defaultMinimumAgeForSelfConsent": 16}});
        change(&mut c);
        call("POST", "/api/consent").json(&c)
    };
    let gdpr = |body: Value| {
        call("POST", "/persons/p-1/consent/gdpr")
            .header("SlashID-OrgID", "org-1")
            .json(&body)
    };
    let export = |body: Value| call("POST", "/exports").json(&body);
    use Api::*;
    let lc = "Consent_UpdateUserConsent";
    let lu = "updateUser";
    let fc = "createConsent";
    let sg = "PostPersonsPersonIdConsentGdpr";
    let ce = "createExport";
    vec![
        // Lytx consent: refused
        (LytxConsent, lc, update(row(json!({"consentStatus": "Maybe"}))), 400),
        (LytxConsent, lc, update(row(json!({"userId": "not-a-uuid"}))), 400),
        (LytxConsent, lc, update(row(json!({"productName": null}))), 400),
        (LytxConsent, lc, update(json!([{"employeeId": "EMP-9876", "consentStatus": "Obtained"}])), 400),
        (LytxConsent, lc, update(row(json!({"employeeId": 42}))), 400),
        (LytxConsent, lc, update(json!([5])), 400),
        (LytxConsent, lc, update(json!({"rows": []})), 400),
        (LytxConsent, lc, call("POST", "/userconsent/update").body("application/json", "[{"), 400),
        (LytxConsent, lc, call("POST", "/userconsent/update").body("text/plain", "[]"), 400),
        (LytxConsent, lc, call("POST", "/userconsent/update"), 400),
        (LytxConsent, "Consent_GetUserConsentStatus", call("GET", "/userconsent/status?userId=123"), 400),
        (LytxConsent, "Consent_GetUserConsentStatus", call("GET", "/userconsent/status?userId="), 400),
        // Lytx consent: allowed
        (LytxConsent, lc, update(row(json!({"employeeId": "", "source": "", "userId": null}))), 200),
        (LytxConsent, lc, update(row(json!({"employeeId": "Ünïcødé-員工", "extra": [1]}))), 200),
        // Lytx users: refused
        (LytxUsers, lu, user(&|u| { u.as_object_mut().unwrap().remove("username"); }), 400),
        (LytxUsers, lu, user(&|u| u["loginEnabled"] = json!("true")), 400),
        (LytxUsers, lu, user(&|u| u["primaryGroupId"] = json!("28a6d1a3")), 400),
        (LytxUsers, lu, user(&|u| u["groupRoles"] = json!([{"roleId": 2_147_483_648_i64}])), 400),
        (LytxUsers, lu, user(&|u| u["groupRoles"] = json!([{"roleId": 1.5}])), 400),
        (LytxUsers, lu, user(&|u| u["email"] = json!(null)), 400),
        (LytxUsers, lu, call("PUT", "/users/not-a-uuid").json(&json!({})), 400),
        (LytxUsers, lu, call("PUT", "/users/").json(&json!({})), 400),
        // Lytx users: allowed
        (LytxUsers, lu, user(&|u| { u["firstName"] = json!("Zoë"); u["lastName"] = json!(""); }), 200),
        (LytxUsers, lu, user(&|u| u["groupRoles"] = json!(["x"])), 400),
        (LytxUsers, lu, user(&|u| u["groupRoles"] = json!([{}, {"roleId": 2_147_483_647, "other": true}, {"roleId": 3.0}])), 200),
        (LytxUsers, lu, user(&|u| { u["password"] = json!(null); u["unknown"] = json!({}); }), 200),
        (LytxUsers, lu, call("PUT", "/users/0b4e7a0e-5c6f-4f0a-9d3e-2f1c8b7a6d5e"), 200),
        // FusionAuth: refused
        (FusionAuth, fc, consent(&|c| c["consent"]["defaultMinimumAgeForSelfConsent"] = json!("16")), 400),
        (FusionAuth, fc, consent(&|c| { c["consent"].as_object_mut().unwrap().remove("name"); }), 400),
        (FusionAuth, fc, consent(&|c| c["consent"]["emailPlus"] = json!({"enabled": true})), 400),
        (FusionAuth, fc, consent(&|c| c["consent"]["values"] = json!(["a", 1])), 400),
        (FusionAuth, fc, consent(&|c| c["consent"]["countryMinimumAgeForSelfConsent"] = json!({"de": 3_000_000_000_u64})), 400),
        (FusionAuth, fc, consent(&|c| c["consent"]["consentEmailTemplateId"] = json!("x")), 400),
        (FusionAuth, fc, call("POST", "/api/consent").body("application/json", "{\"consent\":"), 400),
        (FusionAuth, "grantUserConsent", call("POST", "/api/user/consent").json(&json!({"userConsent": {"consentId": fusionauth::SAMPLE_CONSENT_ID, "giverUserId": "605e88b7-a2fb-40b8-9c94-0123c0f6a70c"}})), 400),
        (FusionAuth, "updateUserConsent", call("PUT", &format!("/api/user/consent/{}", fusionauth::SAMPLE_USER_CONSENT_ID)).json(&json!({"userConsent": {"values": []}})), 400),
        (FusionAuth, "patchUserConsent", call("PATCH", &format!("/api/user/consent/{}", fusionauth::SAMPLE_USER_CONSENT_ID)).json(&json!({"userConsent": {"status": "Paused"}})), 400),
        (FusionAuth, "retrieveConsent", call("GET", "/api/consent/nope"), 400),
        (FusionAuth, "retrieveConsent", call("GET", "/api/consent/"), 400),
        (FusionAuth, "revokeUserConsent", call("DELETE", "/api/user/consent/%20"), 400),
        // FusionAuth: allowed
        (FusionAuth, fc, consent(&|c| { c["consent"]["defaultMinimumAgeForSelfConsent"] = json!(-2_147_483_648_i64); c["consent"]["name"] = json!(""); }), 200),
        (FusionAuth, fc, consent(&|c| { c["consent"]["defaultMinimumAgeForSelfConsent"] = json!(18.0); c["consent"]["name"] = json!("Einwilligung für Ärzte"); c["consent"]["emailPlus"] = json!({"enabled": false}); c["consent"]["id"] = json!("0b4e7a0e-5c6f-4f0a-9d3e-2f1c8b7a6d5e"); }), 200),
        (FusionAuth, "patchConsent", call("PATCH", &format!("/api/consent/{}", fusionauth::SAMPLE_CONSENT_ID)).json(&json!({"consent": {}})), 200),
        // SlashID: refused
        (SlashId, sg, gdpr(json!({"consent_levels": ["all"]})), 400),
        (SlashId, sg, gdpr(json!({"consent_levels": "necessary"})), 400),
        (SlashId, sg, gdpr(json!({})), 400),
        (SlashId, sg, call("POST", "/persons/p-1/consent/gdpr").json(&json!({"consent_levels": []})), 400),
        (SlashId, sg, gdpr(json!({"consent_levels": []})).body("application/xml", "<x/>"), 400),
        // SlashID: allowed
        (SlashId, sg, gdpr(json!({"consent_levels": [], "note": "x"})), 201),
        (SlashId, sg, call("POST", "/persons//consent/gdpr").header("SlashID-OrgID", "o").json(&json!({"consent_levels": ["none"]})), 201),
        (SlashId, sg, call("POST", "/persons/%C3%BC%20x/consent/gdpr").header("SlashID-OrgID", "").json(&json!({"consent_levels": ["tracking", "tracking"]})), 201),
        // Consent exports: refused
        (ConsentExports, ce, export(json!({"format": "csv", "extra": 1})), 400),
        (ConsentExports, ce, export(json!({"format": "csv", "since": "2026-02-30T00:00:00Z"})), 400),
        (ConsentExports, ce, export(json!({"format": "csv", "since": "2026-01-01 00:00:00Z"})), 400),
        (ConsentExports, ce, export(json!({"format": "xml"})), 400),
        (ConsentExports, "getExport", call("GET", "/exports/x"), 400),
        // Consent exports: allowed
        (ConsentExports, ce, export(json!({"format": "json", "since": "2024-02-29T23:59:59.123456+05:30"})), 201),
    ]
}

#[test]
fn requests_breaking_one_rule_get_the_documented_4xx_and_allowed_edges_succeed() {
    for api in Api::EVERY {
        let spec = spec(api);
        let emu = Emulator::start(api);
        for (_, op, c, status) in cases().into_iter().filter(|c| c.0 == api) {
            let answer = c.send(&emu);
            assert_eq!(
                answer.status,
                status,
                "{} {} {}: {}",
                c.method,
                c.path,
                String::from_utf8_lossy(c.body.as_deref().unwrap_or_default()),
                answer.show()
            );
            assert_documented(&spec, op, &answer);
        }
    }
}

#[test]
fn the_strict_checks_agree_with_the_json_schema_formats() {
    assert!(strict::is_uuid("550E8400-e29b-41d4-a716-446655440000"));
    assert!(!strict::is_uuid("550e8400e29b41d4a716446655440000"));
    assert!(!strict::is_uuid("550e8400-e29b-41d4-a716-44665544000g"));
    for ok in [
        "2026-03-15T10:30:00.000Z",
        "2024-02-29t23:59:59z",
        "2026-01-01T00:00:00+14:00",
    ] {
        assert!(strict::is_date_time(ok), "{ok}");
    }
    for bad in [
        "2026-03-15",
        "2025-02-29T00:00:00Z",
        "2026-03-15T24:00:00Z",
        "2026-03-15T10:30:00",
        "2026-03-15T10:30:00.Z",
        "2026-03-15T10:30:00+0100",
        "15/03/2026 10:30",
    ] {
        assert!(!strict::is_date_time(bad), "{bad}");
    }
    // What the emulators mint is what the formats accept.
    assert!(strict::is_uuid(&strict::new_uuid()));
    assert_ne!(strict::new_uuid(), strict::new_uuid());
    assert_eq!(
        strict::rfc3339(1_562_180_786_558),
        "2019-07-03T19:06:26.558Z"
    );
    assert_eq!(strict::rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    assert!(strict::is_date_time(&strict::rfc3339(strict::now_millis())));
}

// ---------------------------------------------------------------------------------------------
// Authentication and routing

/// A request each API documents, with its operation id.
fn probe(api: Api) -> (&'static str, Call) {
    match api {
        Api::LytxConsent => (
            "Consent_GetUserConsentStatus",
            call("GET", "/userconsent/status?employeeId=EMP-9876"),
        ),
        Api::LytxUsers => (
            "updateUser",
            call("PUT", &format!("/users/{}", lytx_users::SAMPLE_USER_ID)),
        ),
        Api::FusionAuth => ("retrieveConsents", call("GET", "/api/consent")),
        Api::SlashId => (
            "PostPersonsPersonIdConsentGdpr",
            call("POST", "/persons/p-1/consent/gdpr")
                .header("SlashID-OrgID", "org-1")
                .json(&json!({"consent_levels": ["necessary"]})),
        ),
        Api::ConsentExports => (
            "createExport",
            call("POST", "/exports").json(&json!({"format": "csv"})),
        ),
        Api::Notes => ("listNotes", call("GET", "/notes")),
    }
}

#[test]
fn every_api_enforces_its_credential() {
    for api in Api::EVERY {
        let spec = spec(api);
        let emu = Emulator::start(api);
        let (op, c) = probe(api);
        let ok = c.send(&emu);
        assert!(ok.status < 300, "{}: {}", api.name(), ok.show());
        assert_documented(&spec, op, &ok);
        let (name, value) = api.credential();
        if let Some(token) = value.strip_prefix("Bearer ") {
            // The scheme is case-insensitive.
            let lower = probe(api)
                .1
                .no_auth()
                .header(name, &format!("bearer {token}"))
                .send(&emu);
            assert!(lower.status < 300, "{}: {}", api.name(), lower.show());
        }
        for wrong in [
            probe(api).1.no_auth(),
            probe(api).1.no_auth().header(name, &format!("{value}x")),
            probe(api).1.no_auth().header(name, ""),
            probe(api).1.no_auth().header(
                name,
                &format!("Basic {}", value.trim_start_matches("Bearer ")),
            ),
        ] {
            let refused = wrong.send(&emu);
            assert_eq!(refused.status, 401, "{}: {}", api.name(), refused.show());
            if api == Api::SlashId {
                // SlashID documents no 401: problem+json.
                assert_eq!(
                    refused.header("content-type"),
                    Some("application/problem+json")
                );
            } else {
                assert_documented(&spec, op, &refused);
            }
        }
    }
}

#[test]
fn undocumented_methods_get_405_with_allow() {
    let cases = [
        (Api::LytxConsent, "DELETE", "/userconsent/status", "GET"),
        (Api::LytxConsent, "GET", "/userconsent/update", "POST"),
        (
            Api::LytxUsers,
            "GET",
            "/users/4af860ae-2e53-4d8b-a48e-606b862effed",
            "PUT",
        ),
        (Api::FusionAuth, "DELETE", "/api/consent", "GET, POST"),
        (
            Api::FusionAuth,
            "GET",
            "/api/user/consent/674b5cd8-482a-43c9-986e-f9764bbee01d",
            "DELETE, PATCH, POST, PUT",
        ),
        (Api::SlashId, "GET", "/persons/p-1/consent/gdpr", "POST"),
        (
            Api::ConsentExports,
            "PUT",
            "/exports/0b4e7a0e-5c6f-4f0a-9d3e-2f1c8b7a6d5e",
            "GET",
        ),
    ];
    for (api, method, path, allow) in cases {
        let emu = Emulator::start(api);
        let answer = call(method, path).send(&emu);
        assert_eq!(answer.status, 405, "{method} {path}: {}", answer.show());
        assert_eq!(answer.header("allow"), Some(allow), "{method} {path}");
        // An unknown path is a 404, not a 405.
        assert_eq!(call(method, "/nowhere").send(&emu).status, 404);
    }
}

// ---------------------------------------------------------------------------------------------
// FusionAuth state

#[test]
fn fusionauth_revoke_keeps_the_user_consent_and_delete_removes_the_consent() {
    let spec = spec(Api::FusionAuth);
    let emu = Emulator::start(Api::FusionAuth);
    let created = call("POST", "/api/consent")
        .json(&json!({"consent": {"name": "Marketing", "defaultMinimumAgeForSelfConsent": 16, "values": ["Email", "Phone"], "multipleValuesAllowed": true}}))
        .send(&emu);
    expect(&spec, "createConsent", &created, 200);
    let consent_id = created.json()["consent"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let read = call("GET", &format!("/api/consent/{consent_id}")).send(&emu);
    expect(&spec, "retrieveConsent", &read, 200);
    assert_eq!(read.json()["consent"]["name"], "Marketing");

    let grant = call("POST", "/api/user/consent")
        .json(&json!({"userConsent": {"consentId": consent_id, "giverUserId": "841d8b33-bf4d-488d-9f2f-2f50d769c3d2", "userId": "841d8b33-bf4d-488d-9f2f-2f50d769c3d2", "values": ["Email", "Phone"]}}))
        .send(&emu);
    expect(&spec, "grantUserConsent", &grant, 200);
    let uc_id = grant.json()["userConsent"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(grant.json()["userConsent"]["status"], "Active");
    let bad_value = call("POST", "/api/user/consent")
        .json(&json!({"userConsent": {"consentId": consent_id, "giverUserId": "841d8b33-bf4d-488d-9f2f-2f50d769c3d2", "userId": "841d8b33-bf4d-488d-9f2f-2f50d769c3d2", "values": ["Fax"]}}))
        .send(&emu);
    expect(&spec, "grantUserConsent", &bad_value, 400);

    // Revoke: 200 without a body, and the User Consent is still there, Revoked.
    let revoked = call("DELETE", &format!("/api/user/consent/{uc_id}")).send(&emu);
    expect(&spec, "revokeUserConsent", &revoked, 200);
    let after = call("PATCH", &format!("/api/user/consent/{uc_id}"))
        .json(&json!({"userConsent": {}}))
        .send(&emu);
    expect(&spec, "patchUserConsent", &after, 200);
    assert_eq!(after.json()["userConsent"]["status"], "Revoked");
    assert_eq!(
        after.json()["userConsent"]["values"],
        json!(["Email", "Phone"])
    );
    // ... and can be made active again.
    let active = call("PUT", &format!("/api/user/consent/{uc_id}"))
        .json(&json!({"userConsent": {"status": "Active", "values": ["Phone"]}}))
        .send(&emu);
    expect(&spec, "updateUserConsent", &active, 200);
    assert_eq!(active.json()["userConsent"]["status"], "Active");

    // PATCH merges; PUT replaces.
    let patched = call("PATCH", &format!("/api/consent/{consent_id}"))
        .json(&json!({"consent": {"countryMinimumAgeForSelfConsent": {"de": 18}}}))
        .send(&emu);
    expect(&spec, "patchConsent", &patched, 200);
    assert_eq!(patched.json()["consent"]["name"], "Marketing");
    let replaced = call("PUT", &format!("/api/consent/{consent_id}"))
        .json(&json!({"consent": {"name": "Marketing 2", "defaultMinimumAgeForSelfConsent": 18}}))
        .send(&emu);
    expect(&spec, "updateConsent", &replaced, 200);
    assert!(
        replaced.json()["consent"]
            .get("countryMinimumAgeForSelfConsent")
            .is_none()
    );

    // Delete removes the Consent and the User Consents granted from it.
    let deleted = call("DELETE", &format!("/api/consent/{consent_id}")).send(&emu);
    expect(&spec, "deleteConsent", &deleted, 200);
    let gone = call("GET", &format!("/api/consent/{consent_id}")).send(&emu);
    expect(&spec, "retrieveConsent", &gone, 404);
    let again = call("DELETE", &format!("/api/consent/{consent_id}")).send(&emu);
    expect(&spec, "deleteConsent", &again, 404);
    let cascade = call("PATCH", &format!("/api/user/consent/{uc_id}"))
        .json(&json!({"userConsent": {}}))
        .send(&emu);
    expect(&spec, "patchUserConsent", &cascade, 404);
    let list = call("GET", "/api/consent").send(&emu);
    expect(&spec, "retrieveConsents", &list, 200);
    assert!(
        !list
            .body
            .windows(consent_id.len())
            .any(|w| w == consent_id.as_bytes())
    );

    // Ids and names are unique.
    let dup = call(
        "POST",
        &format!("/api/consent/{}", fusionauth::SAMPLE_CONSENT_ID),
    )
    .json(&json!({"consent": {"name": "Other", "defaultMinimumAgeForSelfConsent": 1}}))
    .send(&emu);
    expect(&spec, "createConsentWithId", &dup, 400);
    let dup = call("POST", "/api/consent")
        .json(
            &json!({"consent": {"name": "Patient Consent", "defaultMinimumAgeForSelfConsent": 1}}),
        )
        .send(&emu);
    expect(&spec, "createConsent", &dup, 400);
}

#[test]
fn slashid_overwrites_levels_and_keeps_their_first_timestamp() {
    let spec = spec(Api::SlashId);
    let emu = Emulator::start(Api::SlashId);
    let store = |levels: Value, org: &str| {
        call("POST", "/persons/903c1ff9/consent/gdpr")
            .header("SlashID-OrgID", org)
            .json(&json!({"consent_levels": levels}))
            .send(&emu)
    };
    let first = store(json!(["necessary", "analytics"]), "org-a");
    expect(&spec, "PostPersonsPersonIdConsentGdpr", &first, 201);
    let second = store(json!(["analytics", "marketing"]), "org-a");
    expect(&spec, "PostPersonsPersonIdConsentGdpr", &second, 201);
    let consents = second.json()["result"]["consents"].clone();
    let levels: Vec<&str> = consents
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["consent_level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["analytics", "marketing"]);
    assert_eq!(
        consents[0]["created_at"],
        first.json()["result"]["consents"][1]["created_at"]
    );
    let missing_org = call("POST", "/persons/903c1ff9/consent/gdpr")
        .json(&json!({"consent_levels": []}))
        .send(&emu);
    expect(&spec, "PostPersonsPersonIdConsentGdpr", &missing_org, 400);
}

// ---------------------------------------------------------------------------------------------
// The fault table

#[test]
fn the_faults_cover_every_check_and_every_seed_api_twice() {
    // Every check that can fail (`valid-request-accepted` only ever warns).
    let failing = Check::ALL
        .into_iter()
        .filter(|c| *c != Check::ValidRequestAccepted)
        .map(Check::id);
    for check in failing {
        assert!(
            FAULTS.iter().any(|f| f.caught_by == check),
            "no fault is caught by {check}"
        );
    }
    for fault in FAULTS {
        assert!(
            Check::from_id(fault.caught_by).is_some(),
            "{}: unknown check",
            fault.name
        );
        assert!(
            !fault.what.is_empty(),
            "{}: say what the bug is",
            fault.name
        );
        assert_eq!(
            FAULTS.iter().filter(|f| f.name == fault.name).count(),
            1,
            "{} twice",
            fault.name
        );
    }
    let every: Vec<Api> = Api::ALL.into_iter().chain(Api::FIXTURES).collect();
    assert_eq!(every, Api::EVERY);
    for api in Api::ALL {
        assert!(
            api.faults().count() >= 2,
            "{} has fewer than two faults",
            api.name()
        );
    }
    assert_eq!(
        Fault::named(lytx_consent::SLOW_STATUS).runner_args(),
        ["--max-response-time", "100"]
    );
}

/// The same probe against the correct emulator and against the one with `fault`.
fn contrast(fault: &str, probe: impl Fn(&Emulator) -> Answer) -> (Answer, Answer) {
    let fault = Fault::named(fault);
    let correct = Emulator::start(fault.api);
    let faulty = Emulator::start_faulty(fault);
    assert_eq!(faulty.fault().map(|f| f.name), Some(fault.name));
    (probe(&correct), probe(&faulty))
}

#[test]
fn fault_lytx_consent_500_on_non_ascii_row() {
    let spec = spec(Api::LytxConsent);
    let (ok, bad) = contrast(lytx_consent::NON_ASCII_ROW_500, |e| {
        call("POST", "/userconsent/update")
            .json(&json!([{"employeeId": "Émile-7", "productName": "facialId", "consentStatus": "Obtained"}]))
            .send(e)
    });
    expect(&spec, "Consent_UpdateUserConsent", &ok, 200);
    assert_eq!(bad.status, 500, "{}", bad.show());
    let (ok, bad) = contrast(lytx_consent::NON_ASCII_ROW_500, |e| {
        call("POST", "/userconsent/update")
            .json(&json!([{"employeeId": "EMP-9876", "productName": "facialId", "consentStatus": "NotRequired", "source": "Portail RH — saisie"}]))
            .send(e)
    });
    expect(&spec, "Consent_UpdateUserConsent", &ok, 200);
    assert_eq!(bad.status, 500, "{}", bad.show());
}

#[test]
fn fault_lytx_consent_2001_items_accepted() {
    let spec = spec(Api::LytxConsent);
    let (ok, bad) = contrast(lytx_consent::NO_BATCH_LIMIT, |e| {
        call("POST", "/userconsent/update")
            .json(&rows(1..=2001, "Obtained"))
            .send(e)
    });
    expect(&spec, "Consent_UpdateUserConsent", &ok, 400);
    assert_eq!(bad.status, 200, "{}", bad.show());
    assert_eq!(bad.json().as_array().unwrap().len(), 2001);
}

#[test]
fn fault_lytx_consent_failed_row_null_user_id() {
    let spec = spec(Api::LytxConsent);
    let (ok, bad) = contrast(lytx_consent::FAILED_ROW_NULL_USER_ID, |e| {
        call("POST", "/userconsent/update")
            .json(&json!([{"employeeId": "nobody", "productName": "facialId", "consentStatus": "Obtained"}]))
            .send(e)
    });
    expect(&spec, "Consent_UpdateUserConsent", &ok, 200);
    assert_eq!(bad.status, 200);
    let broken = caught(
        &findings(&spec, "Consent_UpdateUserConsent", &bad),
        "body-schema",
    );
    assert!(broken.iter().any(|v| v.contains("/0/userId")), "{broken:?}");
}

#[test]
fn fault_lytx_consent_auth_not_enforced() {
    let (ok, bad) = contrast(lytx_consent::ANY_BEARER, |e| {
        call("GET", "/userconsent/status?employeeId=EMP-9876")
            .no_auth()
            .send(e)
    });
    assert_eq!(ok.status, 401);
    assert_eq!(bad.status, 200, "{}", bad.show());
}

#[test]
fn fault_lytx_consent_slow_status() {
    // No wall-clock assertion: the handler's answer itself says how long it is held back.
    let probe = Req {
        method: Method::GET,
        path: "/userconsent/status".into(),
        query: Some("employeeId=EMP-9876".into()),
        headers: {
            let mut h = HeaderMap::new();
            let (name, value) = Api::LytxConsent.credential();
            h.insert(name, value.parse().unwrap());
            h
        },
        body: Bytes::new(),
    };
    let correct = service_for(Api::LytxConsent, None).call(&probe);
    let slow = service_for(Api::LytxConsent, Some(lytx_consent::SLOW_STATUS)).call(&probe);
    assert_eq!((correct.status, slow.status), (200, 200));
    assert_eq!(correct.delay, None);
    assert_eq!(slow.delay, Some(Duration::from_millis(300)));
    // And over HTTP the slow emulator still answers the same thing.
    let (ok, bad) = contrast(lytx_consent::SLOW_STATUS, |e| {
        call("GET", "/userconsent/status?employeeId=EMP-9876").send(e)
    });
    assert_eq!(ok.body, bad.body);
}

#[test]
fn fault_lytx_users_500_on_non_ascii_name() {
    let spec = spec(Api::LytxUsers);
    let (ok, bad) = contrast(lytx_users::NON_ASCII_NAME_500, |e| {
        let mut body = sample_user_request();
        body["firstName"] = json!("Zoë");
        call("PUT", &format!("/users/{}", lytx_users::SAMPLE_USER_ID))
            .json(&body)
            .send(e)
    });
    expect(&spec, "updateUser", &ok, 200);
    assert_eq!(ok.json()["firstName"], "Zoë");
    assert_eq!(bad.status, 500);
}

fn sample_user_request() -> Value {
    json!({
        "allowVideoSearchDownload": false, "cellPhoneCountry": "US",
        "cellPhoneNumber": "+1234567890", "email": "email@email.com", "employeeId": "j.smith",
        "firstName": "John",
        "groupRoles": [{"groupId": "28a6d1a3-92c8-4eca-b8b3-d5d0e2d308d0", "roleId": 1}],
        "lastName": "Smith", "loginEnabled": true,
        "primaryGroupId": "28a6d1a3-92c8-4eca-b8b3-d5d0e2d308d0", "status": "Active",
        "username": "j.smith"
    })
}

#[test]
fn fault_lytx_users_201_on_create() {
    let spec = spec(Api::LytxUsers);
    let (ok, bad) = contrast(lytx_users::CREATED_201, |e| {
        let mut body = sample_user_request();
        body["username"] = json!("new.user");
        call("PUT", "/users/0b4e7a0e-5c6f-4f0a-9d3e-2f1c8b7a6d5e")
            .json(&body)
            .send(e)
    });
    expect(&spec, "updateUser", &ok, 200);
    assert_eq!(bad.status, 201);
    assert!(!caught(&findings(&spec, "updateUser", &bad), "status-documented").is_empty());
}

#[test]
fn fault_lytx_users_json_sent_as_text_plain() {
    let spec = spec(Api::LytxUsers);
    let (ok, bad) = contrast(lytx_users::TEXT_PLAIN, |e| {
        call("PUT", &format!("/users/{}", lytx_users::SAMPLE_USER_ID))
            .json(&sample_user_request())
            .send(e)
    });
    expect(&spec, "updateUser", &ok, 200);
    assert_eq!(bad.status, 200);
    assert!(
        bad.header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(ok.json()["username"], bad.json()["username"]);
}

#[test]
fn fault_lytx_users_username_not_required() {
    let spec = spec(Api::LytxUsers);
    let (ok, bad) = contrast(lytx_users::USERNAME_OPTIONAL, |e| {
        let mut body = sample_user_request();
        body.as_object_mut().unwrap().remove("username");
        call("PUT", "/users/0b4e7a0e-5c6f-4f0a-9d3e-2f1c8b7a6d5e")
            .json(&body)
            .send(e)
    });
    expect(&spec, "updateUser", &ok, 400);
    assert_eq!(bad.status, 200, "{}", bad.show());
    assert_eq!(bad.json()["username"], "JohnSmithj.smith");
}

#[test]
fn fault_lytx_users_undocumented_get_answered() {
    let (ok, bad) = contrast(lytx_users::UNDOCUMENTED_GET, |e| {
        call("GET", &format!("/users/{}", lytx_users::SAMPLE_USER_ID)).send(e)
    });
    assert_eq!(ok.status, 405);
    assert_eq!(bad.status, 200);
    assert_eq!(bad.json()["username"], "j.smith");
}

#[test]
fn fault_fusionauth_created_consent_not_readable() {
    let (ok, bad) = contrast(fusionauth::CREATE_NOT_INDEXED, |e| {
        let created = call("POST", "/api/consent")
            .json(&json!({"consent": {"name": "New", "defaultMinimumAgeForSelfConsent": 13}}))
            .send(e);
        assert_eq!(created.status, 200, "{}", created.show());
        let id = created.json()["consent"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        call("GET", &format!("/api/consent/{id}")).send(e)
    });
    assert_eq!(ok.status, 200);
    assert_eq!(bad.status, 404);
}

#[test]
fn fault_fusionauth_deleted_consent_still_readable() {
    let path = format!("/api/consent/{}", fusionauth::SAMPLE_CONSENT_ID);
    let (ok, bad) = contrast(fusionauth::SOFT_DELETE, |e| {
        assert_eq!(call("DELETE", &path).send(e).status, 200);
        call("GET", &path).send(e)
    });
    assert_eq!(ok.status, 404);
    assert_eq!(bad.status, 200);
}

#[test]
fn fault_fusionauth_delete_answers_204() {
    let spec = spec(Api::FusionAuth);
    let (ok, bad) = contrast(fusionauth::DELETE_204, |e| {
        call(
            "DELETE",
            &format!("/api/consent/{}", fusionauth::SAMPLE_CONSENT_ID),
        )
        .send(e)
    });
    expect(&spec, "deleteConsent", &ok, 200);
    assert_eq!(bad.status, 204);
    assert!(!caught(&findings(&spec, "deleteConsent", &bad), "status-documented").is_empty());
}

#[test]
fn fault_fusionauth_age_as_text() {
    let spec = spec(Api::FusionAuth);
    let (ok, bad) = contrast(fusionauth::AGE_AS_TEXT, |e| {
        call("GET", "/api/consent").send(e)
    });
    expect(&spec, "retrieveConsents", &ok, 200);
    assert_eq!(bad.status, 200);
    assert_eq!(
        bad.json()["consents"][0]["defaultMinimumAgeForSelfConsent"],
        "18"
    );
    let broken = caught(&findings(&spec, "retrieveConsents", &bad), "body-schema");
    assert!(
        broken
            .iter()
            .any(|v| v.contains("/consents/0/defaultMinimumAgeForSelfConsent")),
        "{broken:?}"
    );
}

#[test]
fn fault_fusionauth_any_api_key() {
    let (ok, bad) = contrast(fusionauth::ANY_API_KEY, |e| {
        call("GET", "/api/consent")
            .no_auth()
            .header("Authorization", "not-the-key")
            .send(e)
    });
    assert_eq!(ok.status, 401);
    assert_eq!(bad.status, 200);
}

#[test]
fn fault_slashid_org_header_not_checked() {
    let spec = spec(Api::SlashId);
    let (ok, bad) = contrast(slashid::ORG_HEADER_UNCHECKED, |e| {
        call("POST", "/persons/p-1/consent/gdpr")
            .json(&json!({"consent_levels": ["none"]}))
            .send(e)
    });
    expect(&spec, "PostPersonsPersonIdConsentGdpr", &ok, 400);
    assert_eq!(bad.status, 201);
}

#[test]
fn fault_slashid_201_without_content_type() {
    let spec = spec(Api::SlashId);
    let (ok, bad) = contrast(slashid::NO_CONTENT_TYPE, |e| probe(Api::SlashId).1.send(e));
    expect(&spec, "PostPersonsPersonIdConsentGdpr", &ok, 201);
    assert_eq!(bad.status, 201);
    assert_eq!(bad.header("content-type"), None);
    let found = findings(&spec, "PostPersonsPersonIdConsentGdpr", &bad);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(!caught(&found, "content-type-documented").is_empty());
    assert_eq!(
        bad.json()["result"]["consents"][0]["consent_level"],
        "necessary"
    );
}

#[test]
fn fault_slashid_wrong_method_answers_404() {
    let (ok, bad) = contrast(slashid::WRONG_METHOD_404, |e| {
        call("PUT", "/persons/p-1/consent/gdpr")
            .header("SlashID-OrgID", "org-1")
            .json(&json!({"consent_levels": []}))
            .send(e)
    });
    assert_eq!(ok.status, 405);
    assert_eq!(bad.status, 404);
}

#[test]
fn fault_slashid_unknown_level_crashes() {
    let spec = spec(Api::SlashId);
    let (ok, bad) = contrast(slashid::UNKNOWN_LEVEL_500, |e| {
        call("POST", "/persons/p-1/consent/gdpr")
            .header("SlashID-OrgID", "org-1")
            .json(&json!({"consent_levels": ["necessary", "everything"]}))
            .send(e)
    });
    expect(&spec, "PostPersonsPersonIdConsentGdpr", &ok, 400);
    assert_eq!(bad.status, 500);
}

#[test]
fn fault_consent_exports_201_without_location() {
    let spec = spec(Api::ConsentExports);
    let (ok, bad) = contrast(consent_exports::NO_LOCATION, |e| {
        probe(Api::ConsentExports).1.send(e)
    });
    expect(&spec, "createExport", &ok, 201);
    // The Location is where the export can be read.
    let location = ok.header("location").unwrap().to_string();
    let id = ok.json()["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("/consent-exports/exports/{id}"));
    assert_eq!(bad.status, 201);
    let missing = caught(&findings(&spec, "createExport", &bad), "response-headers");
    assert!(
        missing.iter().any(|m| m.contains("Location")),
        "{missing:?}"
    );
}

#[test]
fn fault_consent_exports_request_id_not_uuid() {
    let spec = spec(Api::ConsentExports);
    let (ok, bad) = contrast(consent_exports::REQUEST_ID_NOT_UUID, |e| {
        probe(Api::ConsentExports).1.send(e)
    });
    expect(&spec, "createExport", &ok, 201);
    assert_eq!(bad.header("x-request-id"), Some("req-1"));
    let broken = caught(&findings(&spec, "createExport", &bad), "response-headers");
    assert!(
        broken.iter().any(|v| v.contains("X-Request-Id")),
        "{broken:?}"
    );
}

#[test]
fn consent_exports_created_export_is_readable() {
    let spec = spec(Api::ConsentExports);
    let emu = Emulator::start(Api::ConsentExports);
    let created = probe(Api::ConsentExports).1.send(&emu);
    expect(&spec, "createExport", &created, 201);
    let location = created.header("location").unwrap();
    let path = location.strip_prefix("/consent-exports").unwrap();
    let read = call("GET", path).send(&emu);
    expect(&spec, "getExport", &read, 200);
    assert_eq!(read.json()["status"], "ready");
    let missing = call("GET", "/exports/0b4e7a0e-5c6f-4f0a-9d3e-2f1c8b7a6d5e").send(&emu);
    expect(&spec, "getExport", &missing, 404);
}
