//! Section 1: Every operation of every bundled spec answers its documented example, byte for byte,
//! conforming to its documented response.

use super::*;

#[test]
fn every_bundled_operation_answers_its_documented_example() {
    let server = serve(all_bundled());
    let client = client();
    let mut checked = 0;
    for mount in server.mounts() {
        let spec = &mount.spec;
        // DELETEs last: a removed item answers 404 afterwards (see `removed_items_stay_gone`).
        let mut ops: Vec<_> = spec.operations.iter().collect();
        ops.sort_by_key(|op| op.method == stipula::spec::Method::Delete);
        for op in ops {
            let call = valid_call(spec, &mount.prefix, op, None);
            let status = default_status(op);
            let reply = call.expect(&client, &server.url(), status);
            let documented = op.response_for(status).unwrap();
            let example = documented.content.first().and_then(|media| {
                first_example(media).cloned().or_else(|| {
                    media
                        .schema
                        .and_then(|s| documented_example(&spec.schemas, s, Direction::Response))
                })
            });
            if let Some(media) = documented.content.first() {
                assert!(
                    example.is_some(),
                    "{}: every bundled 2xx body is documented by an example ({})",
                    op.label(),
                    media.media_type
                );
            }
            assert_conforms(spec, op, documented, &reply, example.as_ref());
            // The same request again gives the same bytes.
            assert_eq!(call.send(&client, &server.url()).body, reply.body);
            checked += 1;
        }
    }
    assert_eq!(checked, 16, "every operation of the four bundled specs");
}
