//! Section 12: specs the loader tolerates with a warning: same-method paths that differ only in
//! parameter names (the first in document order answers the route) and duplicate operationIds
//! (later ones get `#2`, `#3`).

use super::*;

#[test]
fn the_first_of_two_clashing_paths_answers() {
    let spec = load("broken/path-clash.yaml");
    let server = serve(vec![spec]);
    // `/pets/{id}` (integer) is first: a number passes, a name breaks its schema.
    let ok = client()
        .get(format!("{}/pets/7", server.url()))
        .send()
        .unwrap();
    assert_eq!(ok.status(), 200);
    let bad = client()
        .get(format!("{}/pets/rex", server.url()))
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(
        bad.headers()["x-stipula-violations"]
            .to_str()
            .unwrap()
            .contains("path id"),
        "{:?}",
        bad.headers()
    );
}

#[test]
fn a_duplicate_operation_id_is_served_under_its_suffix() {
    let spec = load("broken/duplicate-operation-id.yaml");
    let ids: Vec<_> = spec
        .operations
        .iter()
        .filter_map(|o| o.operation_id.clone())
        .collect();
    assert_eq!(ids, ["getPets", "getPets#2"]);
    let server = serve(vec![spec]);
    for path in ["/pets", "/animals"] {
        let r = client()
            .get(format!("{}{path}", server.url()))
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
}
