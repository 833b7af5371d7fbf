//! `--state`: items created over HTTP are stored, read, listed (with the spec's pagination),
//! patched (RFC 7396), replaced and deleted; seeds from examples; the admin endpoints; scopes
//! per client header; the bounds (507). Fixture: `tests/fixtures/mock/state.yaml` (pets with
//! integer ids, owners with UUIDs and their toys, a nested collection).

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use stipula::mock::StateConfig;

use super::*;

fn spec() -> Spec {
    load("mock/state.yaml")
}

fn server(state: Option<StateConfig>) -> MockServer {
    MockServer::start_with(
        vec![Mount::at_base_path(spec())],
        MockConfig {
            state,
            ..MockConfig::default()
        },
        "127.0.0.1:0",
    )
    .unwrap()
}

fn stateful() -> MockServer {
    server(Some(StateConfig::default()))
}

/// Asserts the reply's JSON body is valid against `operationId`'s documented response for its
/// status; returns the body.
fn valid_body(spec: &Spec, operation_id: &str, reply: &Reply) -> Value {
    let op = op(spec, operation_id);
    let documented = op
        .response_for(reply.status)
        .unwrap_or_else(|| panic!("{operation_id}: {} is not documented", reply.status));
    let schema = documented.content[0].schema.expect("a schema");
    let body = reply.json();
    let v = spec.schemas.validate(schema, Direction::Response, &body);
    assert!(
        v.is_empty(),
        "{operation_id}: {body} breaks its schema: {v:?}"
    );
    body
}

fn merge_patch(value: &Value) -> Call {
    Call::new("PATCH", "").body(
        "application/merge-patch+json",
        serde_json::to_vec(value).unwrap(),
    )
}

fn at(mut call: Call, path: &str) -> Call {
    call.path = path.to_string();
    call
}

/// The path of a `Location` header (the mock writes absolute URLs).
fn location_path(reply: &Reply, base: &str) -> String {
    let location = reply.header("location").expect("a Location header");
    location
        .strip_prefix(base)
        .unwrap_or_else(|| panic!("Location {location} is not under {base}"))
        .to_string()
}

#[test]
fn create_read_list_patch_put_delete_then_404() {
    let spec = spec();
    let mock = stateful();
    let (c, base) = (client(), mock.url());

    // Create: a server-assigned integer id, readOnly fields filled, a request-only field left
    // out (the response schema does not allow it), Location to the item.
    let created = Call::post("/v1/pets")
        .json(&json!({"name": "Fido", "tag": "dog", "password": "hunter2"}))
        .expect(&c, &base, 201);
    let item = valid_body(&spec, "createPet", &created);
    let id = item["id"].as_u64().expect("an integer id");
    assert_eq!(item["name"], "Fido");
    assert_eq!(item["tag"], "dog");
    assert!(item["createdAt"].is_string(), "{item}");
    assert!(item.get("password").is_none(), "{item}");
    let path = location_path(&created, &base);
    assert_eq!(path, format!("/v1/pets/{id}"));
    // Seeds hold ids 1 (the read example) and 2 (the list example): the new id is past them.
    assert!(id > 2, "{item}");

    // Read: what was stored.
    let read = Call::get(&path).expect(&c, &base, 200);
    assert_eq!(valid_body(&spec, "getPet", &read), item);

    // List: the seeds and the new item, with the total.
    let list = Call::get("/v1/pets").expect(&c, &base, 200);
    let page = valid_body(&spec, "listPets", &list);
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Rex", "Tom", "Fido"], "{page}");
    assert_eq!(page["total"], 3);

    // Patch (RFC 7396): null removes, a value replaces, the id stays.
    let patched = at(merge_patch(&json!({"tag": null, "name": "Fido II"})), &path);
    let reply = patched.expect(&c, &base, 200);
    let after = valid_body(&spec, "patchPet", &reply);
    assert_eq!(after["name"], "Fido II");
    assert!(after.get("tag").is_none(), "{after}");
    assert_eq!(after["id"], json!(id));
    assert_eq!(Call::get(&path).expect(&c, &base, 200).json(), after);

    // A patch that would make an invalid item (name is required): the documented 422, and
    // the item unchanged.
    let bad = at(merge_patch(&json!({"name": null})), &path).expect(&c, &base, 422);
    assert_eq!(bad.json()["code"], "invalid");
    assert_eq!(Call::get(&path).expect(&c, &base, 200).json(), after);

    // Put replaces the whole item (the tag it sends, not the old name).
    let put = at(
        Call::new("PUT", "").json(&json!({"name": "Bruno", "tag": "big"})),
        &path,
    )
    .expect(&c, &base, 200);
    let replaced = valid_body(&spec, "replacePet", &put);
    // The server's own (readOnly) createdAt stays as stored.
    assert_eq!(replaced["createdAt"], item["createdAt"]);
    assert_eq!(replaced["name"], "Bruno");
    assert_eq!(replaced["tag"], "big");
    assert_eq!(replaced["id"], json!(id));
    assert_eq!(Call::get(&path).expect(&c, &base, 200).json(), replaced);

    // Delete, then it is gone: the documented 404 body, for reads, patches and deletes.
    let deleted = Call::new("DELETE", &path).expect(&c, &base, 204);
    assert!(deleted.body.is_empty());
    let missing = Call::get(&path).expect(&c, &base, 404);
    assert_eq!(
        missing.json(),
        json!({"code": "not_found", "message": "no such pet"})
    );
    at(merge_patch(&json!({"tag": "x"})), &path).expect(&c, &base, 404);
    Call::new("DELETE", &path).expect(&c, &base, 404);
    let list = Call::get("/v1/pets").expect(&c, &base, 200).json();
    assert_eq!(list["total"], 2, "{list}");

    // A PUT over a seed keeps its readOnly createdAt, whatever the base item has.
    let tom = Call::new("PUT", "/v1/pets/2")
        .json(&json!({"name": "Tom II"}))
        .expect(&c, &base, 200)
        .json();
    assert_eq!(
        tom,
        json!({"id": 2, "name": "Tom II", "createdAt": "2024-01-02T00:00:00Z"})
    );

    // A PUT to a free id creates the item with the client's id: 201, as documented.
    let put = Call::new("PUT", "/v1/pets/77")
        .json(&json!({"name": "Zed"}))
        .expect(&c, &base, 201);
    assert_eq!(valid_body(&spec, "replacePet", &put)["id"], 77);
    assert_eq!(location_path(&put, &base), "/v1/pets/77");
    assert_eq!(
        Call::get("/v1/pets/77").expect(&c, &base, 200).json()["name"],
        "Zed"
    );
    // A HEAD of a stored item: the GET's status, no body.
    let head = Call::new("HEAD", "/v1/pets/77").expect(&c, &base, 200);
    assert!(head.body.is_empty());
    Call::new("HEAD", "/v1/pets/78").expect(&c, &base, 404);
}

#[test]
fn ids_follow_the_schema_and_nested_collections_are_apart() {
    let spec = spec();
    let mock = stateful();
    let (c, base) = (client(), mock.url());
    let uuid = regex::Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        .unwrap();
    // Owners have UUID ids (format: uuid), and the Location is an absolute URI (its header is
    // documented with format: uri).
    let mut owners = Vec::new();
    for name in ["Ann", "Bob"] {
        let reply = Call::post("/v1/owners")
            .json(&json!({ "name": name }))
            .expect(&c, &base, 201);
        let owner = valid_body(&spec, "createOwner", &reply);
        let id = owner["ownerId"].as_str().unwrap().to_string();
        assert!(uuid.is_match(&id), "{owner}");
        assert!(
            reply
                .header("location")
                .unwrap()
                .starts_with("http://127.0.0.1:")
        );
        assert_eq!(location_path(&reply, &base), format!("/v1/owners/{id}"));
        owners.push(id);
    }
    assert_ne!(owners[0], owners[1]);
    // A form-encoded create is decoded by its schema and stored like JSON.
    let form = Call::post("/v1/owners")
        .body("application/x-www-form-urlencoded", "name=Cy%20D")
        .expect(&c, &base, 201);
    let read = Call::get(&location_path(&form, &base)).expect(&c, &base, 200);
    assert_eq!(read.json()["name"], "Cy D");
    Call::get(&format!("/v1/owners/{}", owners[1])).expect(&c, &base, 200);
    // Toys: string ids with a pattern; each owner's toys are a collection of their own.
    let toys = format!("/v1/owners/{}/toys", owners[0]);
    let reply = Call::post(&toys)
        .json(&json!({"label": "ball"}))
        .expect(&c, &base, 201);
    let toy = valid_body(&spec, "createToy", &reply);
    let toy_id = toy["id"].as_str().unwrap();
    assert!(
        regex::Regex::new("^[a-z0-9-]+$").unwrap().is_match(toy_id),
        "{toy}"
    );
    let path = location_path(&reply, &base);
    assert_eq!(path, format!("{toys}/{toy_id}"));
    assert_eq!(Call::get(&path).expect(&c, &base, 200).json(), toy);
    let other = format!("/v1/owners/{}/toys", owners[1]);
    Call::get(&format!("{other}/{toy_id}")).expect(&c, &base, 404);
    assert_eq!(
        Call::get(&other).expect(&c, &base, 200).json()["items"],
        json!([])
    );
}

#[test]
fn lists_honour_limit_offset_page_and_cursor() {
    let spec = spec();
    let mock = stateful();
    let (c, base) = (client(), mock.url());
    for name in ["a", "b", "c"] {
        Call::post("/v1/pets")
            .json(&json!({ "name": name }))
            .expect(&c, &base, 201);
    }
    // limit/offset over Rex, Tom, a, b, c.
    let names = |reply: &Reply, member: &str| -> Vec<String> {
        let body = reply.json();
        let items = if member.is_empty() {
            &body
        } else {
            &body[member]
        };
        items
            .as_array()
            .unwrap_or_else(|| panic!("no items in {body}"))
            .iter()
            .map(|p| {
                p.get("name")
                    .or_else(|| p.get("label"))
                    .and_then(Value::as_str)
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let page = Call::get("/v1/pets")
        .query("limit", "2")
        .query("offset", "1")
        .expect(&c, &base, 200);
    valid_body(&spec, "listPets", &page);
    assert_eq!(names(&page, "data"), ["Tom", "a"]);
    assert_eq!(page.json()["total"], 5);
    let last = Call::get("/v1/pets")
        .query("limit", "2")
        .query("offset", "4")
        .expect(&c, &base, 200);
    assert_eq!(names(&last, "data"), ["c"]);
    let past = Call::get("/v1/pets")
        .query("offset", "9")
        .expect(&c, &base, 200);
    assert_eq!(names(&past, "data"), Vec::<String>::new());

    // page/per_page (per_page defaults to 2 in the spec), on a top-level array.
    for name in ["o1", "o2", "o3"] {
        Call::post("/v1/owners")
            .json(&json!({ "name": name }))
            .expect(&c, &base, 201);
    }
    let p2 = Call::get("/v1/owners")
        .query("page", "2")
        .expect(&c, &base, 200);
    valid_body(&spec, "listOwners", &p2);
    assert_eq!(names(&p2, ""), ["o3"]);
    let p1 = Call::get("/v1/owners")
        .query("page", "1")
        .query("per_page", "3")
        .expect(&c, &base, 200);
    assert_eq!(names(&p1, ""), ["o1", "o2", "o3"]);

    // cursor: the next cursor is given while there are more items, then null.
    let owner = p1.json()[0]["ownerId"].as_str().unwrap().to_string();
    let toys = format!("/v1/owners/{owner}/toys");
    for label in ["t1", "t2", "t3"] {
        Call::post(&toys)
            .json(&json!({ "label": label }))
            .expect(&c, &base, 201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let mut call = Call::get(&toys).query("limit", "2");
        if let Some(cur) = &cursor {
            call = call.query("cursor", cur);
        }
        let reply = call.expect(&c, &base, 200);
        valid_body(&spec, "listToys", &reply);
        seen.extend(names(&reply, "items"));
        match reply.json()["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => {
                assert_eq!(reply.json()["next_cursor"], Value::Null);
                break;
            }
        }
    }
    assert_eq!(seen, ["t1", "t2", "t3"]);
}

#[test]
fn reset_and_the_state_dump() {
    let mock = stateful();
    let (c, base) = (client(), mock.url());
    let created = Call::post("/v1/pets")
        .json(&json!({"name": "Fido"}))
        .expect(&c, &base, 201);
    let path = location_path(&created, &base);
    Call::new("DELETE", "/v1/pets/1").expect(&c, &base, 204);
    let dump = Call::get("/__stipula/state").expect(&c, &base, 200);
    assert_eq!(dump.content_type(), Some("application/json"));
    let dump = dump.json();
    let pets = &dump["scopes"][""]["collections"][0];
    assert_eq!(pets["path"], "/v1/pets", "{dump}");
    let ids: Vec<&str> = pets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{dump}");
    assert_eq!(ids[0], "2");
    assert_eq!(dump["scopes"][""]["items"], 2);
    assert_eq!(dump["limits"]["max_items"], 10_000);
    // The DELETE was the state's: nothing in the stateless removed set.
    assert_eq!(dump["removed"], json!([]));

    // Reset: back to the seeds (the deleted seed is back, the created item gone).
    let reset = Call::post("/__stipula/reset").expect(&c, &base, 204);
    assert!(reset.body.is_empty());
    Call::get(&path).expect(&c, &base, 404);
    Call::get("/v1/pets/1").expect(&c, &base, 200);
    assert_eq!(
        Call::get("/v1/pets").expect(&c, &base, 200).json()["total"],
        2
    );
    // Reads and misses store nothing: made-up parents cost no memory.
    for i in 0..3 {
        let toys = format!("/v1/owners/00000000-0000-4000-8000-00000000000{i}/toys");
        Call::get(&toys).expect(&c, &base, 200);
        Call::new("DELETE", "/v1/pets/999").expect(&c, &base, 404);
    }
    let dump = Call::get("/__stipula/state").expect(&c, &base, 200).json();
    assert_eq!(dump["scopes"], json!({}), "{dump}");

    // The reserved prefix answers only its two endpoints.
    let wrong = Call::get("/__stipula/reset").expect(&c, &base, 405);
    assert_eq!(wrong.header("allow"), Some("POST"));
    assert_problem(&Call::get("/__stipula/other").send(&c, &base), 404);

    // Without --state there is no admin endpoint (nothing is reserved).
    let plain = server(None);
    let reply = Call::post("/__stipula/reset").send(&c, &plain.url());
    assert_eq!(
        assert_problem(&reply, 404)["type"],
        "https://stipula.dev/problems/no-route"
    );
}

#[test]
fn a_scope_header_gives_each_client_its_own_state() {
    let mock = server(Some(StateConfig {
        scope_header: Some("X-Client-Id".into()),
        ..StateConfig::default()
    }));
    let (c, base) = (client(), mock.url());
    let created = Call::post("/v1/pets")
        .header("x-client-id", "alice")
        .json(&json!({"name": "Alice's"}))
        .expect(&c, &base, 201);
    let path = location_path(&created, &base);
    Call::get(&path)
        .header("x-client-id", "alice")
        .expect(&c, &base, 200);
    Call::get(&path)
        .header("x-client-id", "bob")
        .expect(&c, &base, 404);
    Call::get(&path).expect(&c, &base, 404); // no header: the shared scope
    // Both see the seeds; deleting one for bob leaves alice's.
    Call::new("DELETE", "/v1/pets/1")
        .header("x-client-id", "bob")
        .expect(&c, &base, 204);
    Call::get("/v1/pets/1")
        .header("x-client-id", "alice")
        .expect(&c, &base, 200);
    // A reset with the header resets that scope only.
    Call::post("/__stipula/reset")
        .header("x-client-id", "bob")
        .expect(&c, &base, 204);
    Call::get("/v1/pets/1")
        .header("x-client-id", "bob")
        .expect(&c, &base, 200);
    Call::get(&path)
        .header("x-client-id", "alice")
        .expect(&c, &base, 200);
    let dump = Call::get("/__stipula/state").expect(&c, &base, 200).json();
    assert_eq!(dump["scope_header"], "X-Client-Id");
    assert!(dump["scopes"]["alice"].is_object(), "{dump}");
}

#[test]
fn past_its_bounds_the_store_answers_507() {
    let mock = server(Some(StateConfig {
        max_items: 3,
        max_scopes: 2,
        scope_header: Some("x-client-id".into()),
        ..StateConfig::default()
    }));
    let (c, base) = (client(), mock.url());
    // Two seeds, so one create fits; the next is refused with the documented 507.
    Call::post("/v1/pets")
        .json(&json!({"name": "one"}))
        .expect(&c, &base, 201);
    let full = Call::post("/v1/pets")
        .json(&json!({"name": "two"}))
        .expect(&c, &base, 507);
    assert_eq!(full.json()["code"], "full");
    assert_eq!(
        Call::get("/v1/pets").expect(&c, &base, 200).json()["total"],
        3
    );
    // Replacing an item fits (same count); a delete makes room again.
    Call::new("PUT", "/v1/pets/1")
        .json(&json!({"name": "Rex II"}))
        .expect(&c, &base, 200);
    Call::new("DELETE", "/v1/pets/2").expect(&c, &base, 204);
    Call::post("/v1/pets")
        .json(&json!({"name": "two"}))
        .expect(&c, &base, 201);
    // An operation that documents no 507: a problem naming the flag.
    let owners = Call::post("/v1/owners")
        .json(&json!({"name": "Ann"}))
        .send(&c, &base);
    let problem = assert_problem(&owners, 507);
    assert_eq!(problem["type"], "https://stipula.dev/problems/state-full");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("--state-max-items"),
        "{problem}"
    );
    // Scopes are bounded too: the shared one and "a" fit, "b" does not (reads store nothing,
    // so a reader makes no scope).
    Call::get("/v1/pets/1")
        .header("x-client-id", "b")
        .expect(&c, &base, 200);
    Call::new("DELETE", "/v1/pets/1")
        .header("x-client-id", "a")
        .expect(&c, &base, 204);
    let refused = Call::post("/v1/owners")
        .header("x-client-id", "b")
        .json(&json!({"name": "Bo"}))
        .send(&c, &base);
    assert!(
        assert_problem(&refused, 507)["detail"]
            .as_str()
            .unwrap()
            .contains("--state-max-scopes")
    );

    // Bytes: a store of 300 bytes takes the seeds and little else.
    let small = server(Some(StateConfig {
        max_bytes: 150,
        ..StateConfig::default()
    }));
    let mut statuses = Vec::new();
    for i in 0..4 {
        statuses.push(
            Call::post("/v1/pets")
                .json(&json!({ "name": format!("pet number {i}") }))
                .send(&c, &small.url())
                .status,
        );
    }
    assert!(statuses.contains(&507), "{statuses:?}");
}

#[test]
fn without_state_the_mock_answers_as_before() {
    let mock = server(None);
    let (c, base) = (client(), mock.url());
    let created = Call::post("/v1/pets")
        .json(&json!({"name": "Fido"}))
        .expect(&c, &base, 201);
    assert!(created.header("location").is_none());
    // Any id reads the documented example.
    let read = Call::get("/v1/pets/12345").expect(&c, &base, 200);
    assert_eq!(
        read.json(),
        json!({"id": 1, "name": "Rex", "tag": "dog", "createdAt": "2024-01-01T00:00:00Z"})
    );
}

#[test]
fn prefer_asks_for_the_documented_answer_past_the_state() {
    let mock = stateful();
    let (c, base) = (client(), mock.url());
    Call::get("/v1/pets/12345").expect(&c, &base, 404);
    let read = Call::get("/v1/pets/12345")
        .prefer("code=200")
        .expect(&c, &base, 200);
    assert_eq!(
        read.json(),
        json!({"id": 1, "name": "Rex", "tag": "dog", "createdAt": "2024-01-01T00:00:00Z"})
    );
}

#[test]
fn every_valid_create_reads_back_valid_and_as_sent() {
    // Property: for random valid create bodies, the created item reads back valid against the
    // read response's schema, with the fields the client sent that the item schema has.
    let spec = spec();
    let mock = stateful();
    let (c, base) = (client(), mock.url());
    let create = op(&spec, "createPet");
    let schema = create.request_body.as_ref().unwrap().content[0]
        .schema
        .unwrap();
    let strategy = Generator::new(&spec.schemas, Direction::Request).strategy(schema);
    let mut runner = TestRunner::deterministic();
    for _ in 0..48 {
        let sent = strategy.new_tree(&mut runner).unwrap().current();
        let created = Call::post("/v1/pets").json(&sent).expect(&c, &base, 201);
        let item = valid_body(&spec, "createPet", &created);
        let path = location_path(&created, &base);
        let read = Call::get(&path).expect(&c, &base, 200);
        let got = valid_body(&spec, "getPet", &read);
        assert_eq!(got, item);
        for key in ["name", "tag"] {
            assert_eq!(
                got.get(key),
                sent.get(key).or(got.get(key)),
                "{sent} -> {got}"
            );
        }
        if let Some(name) = sent.get("name") {
            assert_eq!(&got["name"], name);
        }
    }
}

#[test]
fn a_wrapped_item_keeps_its_id_inside_the_wrapper() {
    // FusionAuth answers `{"consent": {"id": ...}}`: the id goes where the runner looks for
    // it (`consentId` → `consent.id`), and the read returns the consent created.
    let spec = bundled_spec("fusionauth-consent.yaml");
    let mock = MockServer::start_with(
        vec![Mount::at_base_path(bundled_spec("fusionauth-consent.yaml"))],
        MockConfig {
            state: Some(StateConfig::default()),
            ..MockConfig::default()
        },
        "127.0.0.1:0",
    )
    .unwrap();
    let (c, base) = (client(), mock.url());
    let create = spec
        .operations
        .iter()
        .find(|o| o.method == stipula::spec::Method::Post && o.path == "/api/consent")
        .unwrap();
    let call = valid_call(&spec, "", create, None);
    let created = call.send(&c, &base);
    assert!(matches!(created.status, 200 | 201), "{}", created.show());
    let path = location_path(&created, &base);
    let id = path.rsplit('/').next().unwrap().to_string();
    assert_eq!(
        created.json()["consent"]["id"],
        json!(id),
        "{}",
        created.show()
    );
    let read = with_credentials(&spec, create, None, Call::get(&path)).expect(&c, &base, 200);
    assert_eq!(read.json(), created.json());
    let sent: Value = serde_json::from_slice(call.body.as_ref().unwrap()).unwrap();
    if let Some(name) = sent["consent"].get("name") {
        assert_eq!(&read.json()["consent"]["name"], name);
    }
}

#[test]
fn the_binary_takes_the_state_flags() {
    // `--state-*` without `--state` is a usage error.
    let refused = Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args([
            "mock",
            "--state-max-items",
            "3",
            "tests/fixtures/mock/state.yaml",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--state"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args([
            "mock",
            "--port",
            "0",
            "--state",
            "--state-max-items",
            "3",
            "--state-scope-header",
            "X-Client-Id",
            "tests/fixtures/mock/state.yaml",
        ])
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("stipula mock listening on ") {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(20));
    let result = std::panic::catch_unwind(|| {
        let url = url.expect("the mock says where it listens");
        let c = client();
        Call::post("/v1/pets")
            .json(&json!({"name": "one"}))
            .expect(&c, &url, 201);
        Call::post("/v1/pets")
            .json(&json!({"name": "two"}))
            .expect(&c, &url, 507);
        // Another client has its own three.
        Call::post("/v1/pets")
            .header("x-client-id", "b")
            .json(&json!({"name": "one"}))
            .expect(&c, &url, 201);
        let dump = Call::get("/__stipula/state").expect(&c, &url, 200).json();
        assert_eq!(dump["limits"]["max_items"], 3);
        assert_eq!(dump["scope_header"], "X-Client-Id");
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn a_link_says_where_the_id_goes() {
    let spec = inline_ok(
        r##"
openapi: 3.0.3
info: {title: widgets, version: "1"}
paths:
  /widgets:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Envelope"}
          links:
            read: {operationId: getWidget, parameters: {wid: "$response.body#/data/key"}}
  /widgets/{wid}:
    get:
      operationId: getWidget
      parameters: [{name: wid, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a widget
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Envelope"}
components:
  schemas:
    Envelope:
      type: object
      required: [data]
      properties:
        data:
          type: object
          required: [key]
          properties:
            key: {type: integer}
            name: {type: string}
"##,
    );
    let mock = MockServer::start_with(
        vec![Mount::at_base_path(spec)],
        MockConfig {
            state: Some(StateConfig::default()),
            ..MockConfig::default()
        },
        "127.0.0.1:0",
    )
    .unwrap();
    let (c, base) = (client(), mock.url());
    let created = Call::post("/widgets")
        .json(&json!({"data": {"name": "w"}}))
        .expect(&c, &base, 201);
    let key = created.json()["data"]["key"].clone();
    assert!(key.is_u64(), "{}", created.show());
    assert_eq!(location_path(&created, &base), format!("/widgets/{key}"));
    let read = Call::get(&format!("/widgets/{key}")).expect(&c, &base, 200);
    assert_eq!(read.json(), json!({"data": {"key": key, "name": "w"}}));
}

#[test]
fn every_valid_create_of_a_wrapped_item_reads_back_valid() {
    // The same property on FusionAuth's consents (`{"consent": {...}}` in and out).
    let spec = bundled_spec("fusionauth-consent.yaml");
    let mock = MockServer::start_with(
        vec![Mount::at_base_path(bundled_spec("fusionauth-consent.yaml"))],
        MockConfig {
            state: Some(StateConfig::default()),
            ..MockConfig::default()
        },
        "127.0.0.1:0",
    )
    .unwrap();
    let (c, base) = (client(), mock.url());
    let find = |method: stipula::spec::Method, path: &str| {
        spec.operations
            .iter()
            .find(|o| o.method == method && o.path == path)
            .unwrap()
    };
    let create = find(stipula::spec::Method::Post, "/api/consent");
    let read = find(stipula::spec::Method::Get, "/api/consent/{consentId}");
    let media = &create.request_body.as_ref().unwrap().content[0];
    let strategy =
        Generator::new(&spec.schemas, Direction::Request).strategy(media.schema.unwrap());
    let read_schema = read.response_for(200).unwrap().content[0].schema.unwrap();
    let mut runner = TestRunner::deterministic();
    let mut stored = 0;
    for _ in 0..32 {
        let sent = strategy.new_tree(&mut runner).unwrap().current();
        let call = with_credentials(
            &spec,
            create,
            None,
            Call::post("/api/consent").body(&media.media_type, serde_json::to_vec(&sent).unwrap()),
        );
        let created = call.send(&c, &base);
        assert!(
            matches!(created.status, 200 | 201),
            "{sent}: {}",
            created.show()
        );
        let Some(_) = created.header("location") else {
            continue; // a body the state could not store as an item: answered statelessly
        };
        stored += 1;
        let path = location_path(&created, &base);
        let got = with_credentials(&spec, read, None, Call::get(&path)).expect(&c, &base, 200);
        let body = got.json();
        let v = spec
            .schemas
            .validate(read_schema, Direction::Response, &body);
        assert!(v.is_empty(), "{sent} -> {body}: {v:?}");
        assert_eq!(body, created.json());
    }
    assert!(stored > 16, "only {stored} of 32 creates were stored");
}
