//! Section 8: Generated bodies depend only on the seed.

use super::*;

#[test]
fn generated_bodies_depend_only_on_the_seed() {
    let start = |seed: u64| {
        serve_with(
            vec![Mount::at_base_path(mock_spec("generated.yaml"))],
            MockConfig {
                seed,
                ..MockConfig::default()
            },
        )
    };
    let client = client();
    let report = Call::get("/v1/report");
    let (one, two, other) = (start(7), start(7), start(8));
    let first = report.expect(&client, &one.url(), 200);
    let spec = &one.mounts()[0].spec;
    let get_report = &spec.operations[0];
    assert_conforms(spec, get_report, &get_report.responses[0], &first, None);
    assert_eq!(
        first.body,
        report.send(&client, &one.url()).body,
        "same server"
    );
    assert_eq!(
        first.body,
        report.send(&client, &two.url()).body,
        "same seed"
    );
    let different = report.send(&client, &other.url());
    assert_conforms(spec, get_report, &get_report.responses[0], &different, None);
    assert_ne!(
        first.body, different.body,
        "seed 8 should give another body"
    );

    // Prefer: dynamic=true on a documented example generates, deterministically too.
    let server = serve(vec![bundled_spec("lytx-consent-management.json")]);
    let mount = &server.mounts()[0];
    let status = op(&mount.spec, "Consent_GetUserConsentStatus");
    let call = valid_call(&mount.spec, &mount.prefix, status, None).prefer("dynamic=true");
    let generated = call.expect(&client, &server.url(), 200);
    assert_conforms(&mount.spec, status, &status.responses[0], &generated, None);
    assert_eq!(generated.body, call.send(&client, &server.url()).body);
}
