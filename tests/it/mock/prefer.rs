//! Section 2: `Prefer`: `code=`, `example=` and `dynamic=true` select every documented status,
//! named example and generated body.

use super::*;

#[test]
fn prefer_selects_every_documented_status_example_and_generated_body() {
    let server = serve(all_bundled());
    let client = client();
    let base = server.url();
    let mut named = 0;
    let mut dynamic = 0;
    for mount in server.mounts() {
        let spec = &mount.spec;
        for op in &spec.operations {
            let call = valid_call(spec, &mount.prefix, op, None);
            let mut documented_codes = Vec::new();
            for documented in &op.responses {
                let StatusKey::Code(code) = documented.status else {
                    continue;
                };
                documented_codes.push(code.to_string());
                let what = format!("{} {code}", op.label());
                let reply = call
                    .clone()
                    .prefer(&format!("code={code}"))
                    .expect(&client, &base, code);
                let media = documented.content.first();
                assert_conforms(spec, op, documented, &reply, media.and_then(first_example));
                let Some(media) = media else { continue };
                let mut names = Vec::new();
                for example in &media.examples {
                    let (Some(name), Some(value)) = (&example.name, &example.value) else {
                        continue;
                    };
                    names.push(name.as_str());
                    let reply = call
                        .clone()
                        .prefer(&format!("code={code}, example={name}"))
                        .expect(&client, &base, code);
                    assert_conforms(spec, op, documented, &reply, Some(value));
                    named += 1;
                }
                if media.schema.is_some() {
                    let reply = call
                        .clone()
                        .prefer(&format!("code={code}, dynamic=true"))
                        .send(&client, &base);
                    assert_eq!(reply.status, code, "{what} dynamic: {}", reply.show());
                    assert_conforms(spec, op, documented, &reply, None);
                    dynamic += 1;
                }
                let reply = call
                    .clone()
                    .prefer(&format!("code={code}, example=no-such-example"))
                    .send(&client, &base);
                let problem = assert_problem(&reply, 422);
                let detail = problem["detail"].as_str().unwrap();
                assert!(detail.contains("no-such-example"), "{what}: {detail}");
                if names.is_empty() {
                    assert!(detail.contains("no named examples"), "{what}: {detail}");
                }
                for name in names {
                    assert!(detail.contains(name), "{what}: {name} not in {detail}");
                }
            }
            let undocumented = (400..600)
                .find(|&c| op.response_for(c).is_none())
                .expect("an undocumented status");
            let reply = call
                .clone()
                .prefer(&format!("code={undocumented}"))
                .send(&client, &base);
            let problem = assert_problem(&reply, 422);
            let detail = problem["detail"].as_str().unwrap();
            assert!(
                detail.contains(&undocumented.to_string()),
                "{}: {detail}",
                op.label()
            );
            for code in &documented_codes {
                assert!(
                    detail.contains(code.as_str()),
                    "{}: {code} not in {detail}",
                    op.label()
                );
            }
        }
    }
    assert!(named > 50, "only {named} named examples were asked for");
    assert!(
        dynamic > 30,
        "only {dynamic} generated bodies were asked for"
    );
}

#[test]
fn prefer_example_without_code_picks_from_the_default_status() {
    let spec = bundled_spec("slashid-gdpr-consent.yaml");
    let server = serve(vec![spec]);
    let client = client();
    let mount = &server.mounts()[0];
    let op = &mount.spec.operations[0];
    let call = valid_call(&mount.spec, &mount.prefix, op, None);
    let created = op.response(StatusKey::Code(201)).unwrap();
    let from_schema = created.content[0]
        .examples
        .iter()
        .find(|e| e.name.as_deref() == Some("fromSchema"))
        .unwrap();
    let reply = call
        .clone()
        .prefer("example=\"fromSchema\"")
        .expect(&client, &server.url(), 201);
    assert_conforms(&mount.spec, op, created, &reply, from_schema.value.as_ref());
    // A malformed code is the client's mistake: 400, not a guess.
    let reply = call.prefer("code=abc").send(&client, &server.url());
    assert_problem(&reply, 400);
}
