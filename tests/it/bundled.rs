//! The specs bundled in `specs/`: each loads, every example validates, routes do not clash, and
//! a few facts the mock relies on hold.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{Value, json};
use stipula::schema::Direction::Request;
use stipula::spec::{LoadOptions, Spec, discover, template_shape};

use crate::support::*;

const BUNDLED: [&str; 4] = [
    "fusionauth-consent.yaml",
    "lytx-consent-management.json",
    "lytx-users.json",
    "slashid-gdpr-consent.yaml",
];

fn bundled_path(name: &str) -> PathBuf {
    repo().join("specs").join(name)
}

fn bundled(name: &str) -> Spec {
    Spec::load(bundled_path(name), LoadOptions::default())
        .unwrap_or_else(|e| panic!("{name} should load:\n{e}"))
}

#[test]
fn the_bundled_folder_holds_the_four_specs() {
    let found = discover(&repo().join("specs")).unwrap();
    let expected: Vec<PathBuf> = BUNDLED.iter().map(|n| bundled_path(n)).collect();
    assert_eq!(found, expected);
}

#[test]
fn every_bundled_spec_loads_and_compiles() {
    for name in BUNDLED {
        let spec = bundled(name);
        assert!(!spec.operations.is_empty(), "{name}");
        assert_eq!(
            spec.compile_validators(),
            0,
            "{name}: {:?}",
            spec.schemas.compile_problems()
        );
        assert!(spec.schemas.compile_problems().is_empty(), "{name}");
    }
}

#[test]
fn every_example_of_every_bundled_spec_validates() {
    for name in BUNDLED {
        let spec = bundled(name);
        let (findings, stats) = stipula::lint::check_examples(&spec);
        let shown: Vec<String> = findings.iter().map(ToString::to_string).collect();
        assert!(findings.is_empty(), "{name}:\n{}", shown.join("\n"));
        assert!(stats.checked > 0, "{name}: no example checked");
    }
}

#[test]
fn bundled_routes_do_not_clash() {
    let mut routes: HashMap<(String, String), String> = HashMap::new();
    for name in BUNDLED {
        let spec = bundled(name);
        let base = spec.base_path();
        for op in &spec.operations {
            let route = (
                op.method.to_string(),
                template_shape(&format!("{base}{}", op.path)),
            );
            if let Some(other) = routes.insert(route.clone(), format!("{name} {}", op.label())) {
                panic!(
                    "{route:?} is served by both {other} and {name} {}",
                    op.label()
                );
            }
        }
    }
    assert!(routes.len() >= 16, "{routes:?}");
}

#[test]
fn lytx_consent_base_path() {
    assert_eq!(
        bundled("lytx-consent-management.json").base_path(),
        "/consent-management"
    );
    assert_eq!(bundled("lytx-users.json").base_path(), "/lytx-users");
    assert_eq!(bundled("slashid-gdpr-consent.yaml").base_path(), "/slashid");
    assert_eq!(bundled("fusionauth-consent.yaml").base_path(), "");
}

#[test]
fn lytx_update_accepts_at_most_2000_items() {
    let spec = bundled("lytx-consent-management.json");
    let update = op(&spec, "Consent_UpdateUserConsent");
    let schema = body_schema(update, "application/json");
    let item =
        json!({"employeeId": "EMP-9876", "productName": "facialId", "consentStatus": "Obtained"});
    let items = |n: usize| Value::Array(vec![item.clone(); n]);
    check_schema(
        &spec,
        schema,
        Request,
        &[items(1), items(2000)],
        &[items(2001), json!([{"productName": "facialId"}])],
    );
    let violations = spec.schemas.validate(schema, Request, &items(2001));
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].keyword, "maxItems");
}

#[test]
fn fusionauth_revoke_is_a_revoke() {
    let spec = bundled("fusionauth-consent.yaml");
    let revoke = op(&spec, "revokeUserConsent");
    assert_eq!(revoke.method, stipula::spec::Method::Delete);
    assert_eq!(revoke.path, "/api/user/consent/{userConsentId}");
    assert_eq!(
        revoke.extensions.get("x-stipula-delete-semantics"),
        Some(&json!("revoke"))
    );
    assert!(
        op(&spec, "deleteConsent")
            .extensions
            .get("x-stipula-delete-semantics")
            .is_none()
    );
}
