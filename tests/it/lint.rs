//! `stipula lint`: every rule fires on a fixture written for it (`tests/fixtures/lint/`) and stays
//! silent on a clean one; every output format; the config file; exit codes (0 clean or warnings
//! only, 1 error findings, 2 a spec that cannot be loaded or bad arguments).

use std::path::Path;

use stipula::lint::output::Format;
use stipula::lint::{Config, Finding, SpecReport, lint_file};
use stipula::spec::Severity;

use crate::support::*;
use crate::support::{Run, stipula};

fn lint_report(rel: &str) -> SpecReport {
    lint_file(&fixture(rel), Default::default(), &Config::default())
}

fn with_config(rel: &str, config: &str) -> SpecReport {
    let config = Config::parse(config).unwrap_or_else(|e| panic!("{e}"));
    lint_file(&fixture(rel), Default::default(), &config)
}

/// `(pointer, line)` of the findings of one rule.
fn fired(report: &SpecReport, rule: &str) -> Vec<(String, usize)> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.place.pointer.clone(), f.place.position.unwrap().line))
        .collect()
}

/// Rules about how completely a spec documents itself. The small fixtures written for other
/// rules leave out servers, summaries and 401s; [`only`] looks past these there (each has its
/// own test below).
const COMPLETENESS: &[&str] = &[
    "servers-missing",
    "operation-description",
    "operation-security-responses",
];

/// The report without the completeness rules' findings.
fn focused(mut report: SpecReport) -> SpecReport {
    report.findings.retain(|f| !COMPLETENESS.contains(&f.rule));
    report
}

/// The findings of `rule`, asserting there are no others (completeness rules aside).
fn only(report: &SpecReport, rule: &str) -> Vec<(String, usize)> {
    let others: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.rule != rule && !COMPLETENESS.contains(&f.rule))
        .collect();
    assert!(others.is_empty(), "unexpected findings: {others:#?}");
    fired(report, rule)
}

fn run_lint(args: &[&str], expected_code: i32) -> Run {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    let run = stipula(&all);
    assert_eq!(
        run.code,
        Some(expected_code),
        "stipula {all:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run
}

fn pair(pointer: &str, line: usize) -> (String, usize) {
    (pointer.to_string(), line)
}

// ---- silence ----

#[test]
fn a_clean_spec_has_no_findings() {
    let report = lint_report("lint/clean.yaml");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let summary = report.summary.expect("loaded");
    // Parameter, header, media type and property examples were all checked.
    assert_eq!(summary.examples.checked, 5, "{summary:?}");
}

/// The bundled specs have no findings but two known warnings, which are kept rather than
/// fixed: the Lytx consent spec is the vendor's, byte for byte, and it uses a `Consent` tag it
/// does not define; SlashID's documentation (which its spec is written from) documents no 401
/// or 403, and inventing one would make the mock answer with a body the vendor never showed.
#[test]
fn the_bundled_specs_have_no_findings_but_two_known_warnings() {
    let mut found = Vec::new();
    for path in stipula::cli::spec_paths(&[]).unwrap() {
        let report = lint_file(&path, Default::default(), &Config::default());
        assert!(report.summary.is_some());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        found.extend(report.findings.iter().map(|f| (name.clone(), f.rule)));
    }
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "lytx-consent-management.json".to_string(),
                "operation-tag-undefined"
            ),
            (
                "slashid-gdpr-consent.yaml".to_string(),
                "operation-security-responses"
            ),
        ]
    );
}

// ---- one test per rule ----

#[test]
fn oas_structure_reports_the_most_specific_meta_schema_error() {
    let report = focused(lint_report("lint/structure.yaml"));
    let found = only(&report, "oas-structure");
    assert_eq!(
        found,
        vec![pair("/info", 2), pair("/paths/~1pets/get/paramters", 8)]
    );
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(
        messages[0].contains("\"title\" is a required property"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("'paramters' was unexpected"),
        "{messages:?}"
    );
    // No wall of `oneOf` text.
    assert!(
        messages.iter().all(|m| !m.contains("oneOf")),
        "{messages:?}"
    );
}

#[test]
fn oas_structure_uses_the_3_1_meta_schema_for_3_1_documents() {
    let report = focused(lint_report("lint/structure31.yaml"));
    assert_eq!(only(&report, "oas-structure"), vec![pair("/info", 2)]);
    assert!(report.findings[0].message.contains("'licence'"));
}

#[test]
fn spec_unreadable_is_a_parse_error_with_its_position() {
    let report = lint_report("broken/invalid.yaml");
    assert!(report.summary.is_none());
    let f = &report.findings[0];
    assert_eq!(f.rule, "spec-unreadable");
    assert_eq!(f.severity, Severity::Error);
    let p = f.place.position.unwrap();
    assert_eq!((p.line, p.column), (3, 14));
}

#[test]
fn spec_invalid_is_a_load_error_that_no_other_rule_names() {
    let report = lint_report("broken/unknown-security-type.yaml");
    assert!(report.summary.is_none());
    assert_eq!(
        fired(&report, "spec-invalid").len(),
        1,
        "{:#?}",
        report.findings
    );
    assert_eq!(report.findings[0].place.position.unwrap().line, 8);
}

#[test]
fn ref_unresolved_points_at_the_ref() {
    let report = lint_report("broken/missing-component.yaml");
    assert!(report.summary.is_none());
    assert_eq!(
        fired(&report, "ref-unresolved"),
        vec![pair(
            "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
            14
        )]
    );
    assert_eq!(report.findings[0].place.position.unwrap().column, 17);
}

#[test]
fn operation_id_unique_names_both_operations() {
    let report = lint_report("broken/duplicate-operation-id.yaml");
    let found: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.rule == "operation-id-unique")
        .collect();
    assert_eq!(found.len(), 1, "{:#?}", report.findings);
    assert!(found[0].related.is_some(), "{:#?}", found[0]);
}

#[test]
fn path_conflict_is_the_same_method_on_two_indistinguishable_paths() {
    let report = lint_report("broken/path-clash.yaml");
    // The spec loads (the mock serves the first path), but lint still calls it an error.
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "path-conflict" && f.severity == Severity::Error)
    );
    assert_eq!(
        fired(&report, "path-conflict").len(),
        1,
        "{:#?}",
        report.findings
    );
}

#[test]
fn path_ambiguous_is_a_warning_for_different_methods() {
    let report = focused(lint_report("lint/path-ambiguous.yaml"));
    assert_eq!(
        only(&report, "path-ambiguous"),
        vec![pair("/paths/~1pets~1{name}", 13)]
    );
    let f = &report.findings[0];
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.related.as_ref().unwrap().pointer, "/paths/~1pets~1{id}");
    assert_eq!(f.related.as_ref().unwrap().position.unwrap().line, 6);
}

#[test]
fn path_param_undeclared_and_unused() {
    let report = focused(lint_report("lint/path-params.yaml"));
    assert_eq!(
        fired(&report, "path-param-undeclared"),
        vec![pair("/paths/~1pets~1{petId}/get", 7)]
    );
    assert_eq!(
        fired(&report, "path-param-unused"),
        vec![pair("/paths/~1owners~1{ownerId}/get/parameters/1", 20)]
    );
    assert_eq!(report.findings.len(), 2, "{:#?}", report.findings);
}

#[test]
fn server_variable_undefined() {
    let report = lint_report("lint/server-variable.yaml");
    assert_eq!(
        only(&report, "server-variable-undefined"),
        vec![pair("/servers/0/url", 6)]
    );
}

#[test]
fn security_scheme_undefined_in_3_0_and_2_0() {
    let report = lint_report("lint/security.yaml");
    // `apiKey` is defined, at the root and on the operation; `oauth` is not.
    assert_eq!(
        only(&report, "security-scheme-undefined"),
        vec![pair("/paths/~1ping/get/security/0/oauth", 12)]
    );
    let report = lint_report("lint/swagger2.yaml");
    assert_eq!(
        fired(&report, "security-scheme-undefined"),
        vec![pair("/paths/~1pets/get/security/0/petstore_auth", 10)]
    );
}

#[test]
fn operation_success_response_and_operation_id_missing() {
    let report = lint_report("lint/operations.yaml");
    assert_eq!(
        fired(&report, "operation-success-response"),
        vec![pair("/paths/~1ping/get/responses", 9)]
    );
    assert_eq!(
        fired(&report, "operation-id-missing"),
        vec![pair("/paths/~1ping/post", 13)]
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity == Severity::Warning)
    );
    assert_eq!(report.findings.len(), 2);
}

#[test]
fn component_unused_counts_refs_into_a_component_and_skips_security_schemes() {
    let report = lint_report("lint/unused.yaml");
    assert_eq!(
        only(&report, "component-unused"),
        vec![
            pair("/components/parameters/Offset", 22),
            pair("/components/schemas/OldPet", 28)
        ]
    );
    let report = lint_report("lint/swagger2.yaml");
    assert_eq!(
        fired(&report, "component-unused"),
        vec![pair("/definitions/Unused", 20)]
    );
}

#[test]
fn component_unused_follows_refs_across_files() {
    // Every component of the multi-file fixture is reached from another file or the root.
    let report = lint_report("multi/root.yaml");
    assert!(
        fired(&report, "component-unused").is_empty(),
        "{:#?}",
        report.findings
    );
}

#[test]
fn schema_unsatisfiable_only_when_the_type_admits_nothing_else() {
    let report = lint_report("lint/unsatisfiable.yaml");
    let base = "/components/schemas/Thing/properties";
    assert_eq!(
        only(&report, "schema-unsatisfiable"),
        vec![
            pair(&format!("{base}/code/maxLength"), 20),
            pair(&format!("{base}/size/maximum"), 21),
            pair(&format!("{base}/ratio/exclusiveMaximum"), 22),
            pair(&format!("{base}/tags/maxItems"), 23),
            pair(&format!("{base}/closed/required"), 27),
        ],
        "untyped and nullable schemas are satisfiable (by numbers, by null)"
    );
}

#[test]
fn example_invalid_on_media_types_and_schemas() {
    let report = lint_report("lint/bad-example.yaml");
    let found = fired(&report, "example-invalid");
    assert_eq!(
        found,
        vec![pair(
            "/paths/~1pets/post/requestBody/content/application~1json/examples/wrongType/value",
            22
        )]
    );
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "example-invalid")
        .unwrap();
    assert_eq!(f.place.position.unwrap().column, 17);
    assert!(
        f.message
            .contains("example `wrongType` of POST /pets request body (application/json)")
    );
    let report = lint_report("lint/nested-example.yaml");
    assert_eq!(
        fired(&report, "example-invalid"),
        vec![pair("/components/schemas/Pet/properties/age/example", 14)]
    );
    let report = lint_report("lint/swagger2.yaml");
    assert_eq!(
        fired(&report, "example-invalid"),
        vec![pair("/definitions/Pet/properties/name/example", 19)]
    );
}

#[test]
fn default_invalid_and_enum_invalid() {
    let report = lint_report("lint/values.yaml");
    assert_eq!(
        fired(&report, "default-invalid"),
        vec![pair("/paths/~1pets/get/parameters/0/schema/default", 12)]
    );
    assert_eq!(
        fired(&report, "enum-invalid"),
        vec![pair("/paths/~1pets/get/parameters/1/schema/enum/1", 15)]
    );
    assert_eq!(
        fired(&report, "example-invalid"),
        vec![pair(
            "/paths/~1pets/get/responses/200/content/application~1json/schema/properties/count/example",
            24
        )]
    );
}

#[test]
fn values_are_still_checked_when_one_schema_cannot_be_compiled() {
    // lint checks values with one validator per direction for the whole spec; a schema
    // jsonschema rejects (a lookbehind in an unbalanced regex) makes that one fail to
    // compile, and the values fall back to a validator per schema.
    let report = lint_report("lint/values-uncompilable.yaml");
    assert_eq!(
        fired(&report, "default-invalid"),
        vec![pair("/paths/~1pets/get/parameters/0/schema/default", 16)]
    );
    assert_eq!(
        fired(&report, "example-invalid"),
        vec![pair(
            "/paths/~1pets/get/responses/200/content/application~1json/schema/properties/count/example",
            25
        )]
    );
    let summary = report.summary.as_ref().unwrap();
    assert_eq!(summary.uncompilable.len(), 1, "{:?}", summary.uncompilable);
    assert!(summary.uncompilable[0].1.contains("regex"));
}

#[test]
fn spec_warning_carries_the_loaders_other_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nullable31.yaml");
    std::fs::write(
        &path,
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: string, nullable: true}\n",
    )
    .unwrap();
    let report = lint_file(&path, Default::default(), &Config::default());
    let found = fired(&report, "spec-warning");
    assert_eq!(found.len(), 1, "{:#?}", report.findings);
    assert_eq!(found[0].1, 12);
}

/// Every rule in the table is exercised above, and the README lists them all.
#[test]
fn every_rule_is_documented_in_the_readme_and_help() {
    let readme = std::fs::read_to_string(repo().join("docs/commands.md")).unwrap();
    let help = run_lint(&["--help"], 0);
    for rule in stipula::lint::rules::RULES {
        assert!(
            readme.contains(&format!("`{}`", rule.id)),
            "docs/commands.md lacks {}",
            rule.id
        );
        assert!(help.stdout.contains(rule.id), "--help lacks {}", rule.id);
    }
}

#[test]
fn oas_structure_picks_the_parameter_kind_meant_and_says_it_in_words() {
    let report = lint_report("lint/structure-swagger2.yaml");
    let found: Vec<(String, usize, String)> = report
        .findings
        .iter()
        .filter(|f| f.rule == "oas-structure")
        .map(|f| {
            (
                f.place.pointer.clone(),
                f.place.position.unwrap().line,
                f.message.clone(),
            )
        })
        .collect();
    let required = "a path parameter must have `required: true`".to_string();
    assert_eq!(
        found[0],
        (
            "/paths/~1pets~1{petId}/get/parameters/0".to_string(),
            12,
            required.clone()
        )
    );
    // An invalid `collectionFormat` on a query parameter is still about the query kind.
    assert_eq!(
        found[1].0,
        "/paths/~1pets~1{petId}/get/parameters/1/collectionFormat"
    );
    assert_eq!(
        found[2],
        (
            "/paths/~1owners~1{ownerId}/get/parameters/0/required".to_string(),
            27,
            required
        )
    );
    assert_eq!(found.len(), 3, "{found:#?}");
    // The same in 3.0, and an entry of `content` that is no media type.
    let report = lint_report("lint/structure-branches.yaml");
    let messages: Vec<(&str, &str)> = report
        .findings
        .iter()
        .filter(|f| f.rule == "oas-structure")
        .map(|f| (f.place.pointer.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        messages[0],
        (
            "/paths/~1pets~1{petId}/get/parameters/0",
            "a path parameter must have `required: true`"
        )
    );
    assert_eq!(
        messages[2],
        (
            "/paths/~1pets~1{petId}/get/responses/404/content/ok",
            "`content` maps media types (`application/json`) to Media Type Objects; `ok` is not a media type (`example` and `examples` are mutually exclusive: give only one of them)"
        )
    );
    assert!(
        messages
            .iter()
            .all(|(_, m)| !m.contains("is not one of") && !m.contains("is not allowed for")),
        "{messages:#?}"
    );
}

#[test]
fn operation_documentation_rules_fire_and_stay_silent() {
    let report = lint_report("lint/docs.yaml");
    let all: Vec<(&str, String, usize)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule,
                f.place.pointer.clone(),
                f.place.position.unwrap().line,
            )
        })
        .collect();
    assert_eq!(
        all,
        vec![
            ("servers-missing", "/openapi".to_string(), 1),
            (
                "operation-id-url-safe",
                "/paths/~1pets/get/operationId".to_string(),
                12
            ),
            (
                "operation-tag-undefined",
                "/paths/~1pets/get/tags/1".to_string(),
                14
            ),
            (
                "operation-security-responses",
                "/paths/~1pets/post/responses".to_string(),
                22
            ),
            (
                "operation-description",
                "/paths/~1health/get".to_string(),
                25
            ),
        ]
    );
    let tag = &report.findings[2].message;
    assert!(
        tag.contains("`animals`") && tag.contains("2 operations"),
        "{tag}"
    );
    assert!(report.findings[1].message.contains("' '"));
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity == Severity::Warning)
    );
    // Silent: clean.yaml has servers, a summary, a 401 for its bearer scheme; swagger2.yaml
    // without `host` is missing its servers too.
    assert_eq!(
        fired(&lint_report("lint/swagger2.yaml"), "servers-missing"),
        vec![pair("/swagger", 1)]
    );
    assert!(fired(&lint_report("lint/server-variable.yaml"), "servers-missing").is_empty());
    // A document without operations (structure31.yaml has none) is not asked for servers.
    assert!(fired(&lint_report("lint/structure31.yaml"), "servers-missing").is_empty());
}

#[test]
fn owasp_rules_are_opt_in() {
    let report = lint_report("lint/owasp.yaml");
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.rule.starts_with("owasp-")),
        "{:#?}",
        report.findings
    );
    // A single rule given a severity runs alone.
    let report = with_config("lint/owasp.yaml", "rules:\n  owasp-http-basic: error\n");
    let owasp: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.rule)
        .filter(|r| r.starts_with("owasp-"))
        .collect();
    assert_eq!(owasp, vec!["owasp-http-basic"]);
    assert_eq!(report.errors(), 1);
    let e = Config::parse("extends: [owsap]\n").unwrap_err();
    assert!(e.contains("unknown rule set `owsap`"), "{e}");
    // `--ruleset owasp` and `extends: owasp` alike.
    run_lint(&["tests/fixtures/lint/owasp.yaml"], 0);
    let run = run_lint(&["--ruleset", "owasp", "tests/fixtures/lint/owasp.yaml"], 1);
    assert!(
        run.stdout.contains("error[owasp-server-http]"),
        "{}",
        run.stdout
    );
    run_lint(&["--ruleset", "nope", "tests/fixtures/lint/owasp.yaml"], 2);
    let help = run_lint(&["--help"], 0);
    assert!(
        help.stdout
            .contains("owasp-server-http [error, opt-in: owasp]"),
        "{}",
        help.stdout
    );
}

#[test]
fn owasp_rules_fire_and_stay_silent() {
    let owasp = "extends: owasp\n";
    let report = with_config("lint/owasp.yaml", owasp);
    let all: Vec<(&str, String, usize)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule,
                f.place.pointer.clone(),
                f.place.position.unwrap().line,
            )
        })
        .collect();
    let expected = vec![
        ("owasp-server-http", "/servers/0/url", 6),
        (
            "owasp-credentials-in-url",
            "/paths/~1login/post/parameters/0/name",
            18,
        ),
        (
            "owasp-integer-limits",
            "/paths/~1login/post/parameters/2/schema/type",
            20,
        ),
        (
            "owasp-rate-limit-retry-after",
            "/paths/~1login/post/responses/429",
            33,
        ),
        (
            "owasp-additional-properties",
            "/components/schemas/Login/additionalProperties",
            38,
        ),
        (
            "owasp-string-max-length",
            "/components/schemas/Login/properties/name/type",
            40,
        ),
        (
            "owasp-array-max-items",
            "/components/schemas/Login/properties/tags/type",
            45,
        ),
        (
            "owasp-api-key-in-url",
            "/components/securitySchemes/key/in",
            52,
        ),
        (
            "owasp-http-basic",
            "/components/securitySchemes/basic/scheme",
            53,
        ),
    ];
    let expected: Vec<(&str, String, usize)> = expected
        .into_iter()
        .map(|(r, p, l)| (r, p.to_string(), l))
        .collect();
    assert_eq!(all, expected);
    // Every owasp rule is exercised above.
    for rule in stipula::lint::rules::RULES
        .iter()
        .filter(|r| r.set == stipula::lint::rules::RuleSet::Owasp)
    {
        assert!(all.iter().any(|(r, _, _)| *r == rule.id), "{}", rule.id);
    }
    let report = with_config("lint/owasp-clean.yaml", owasp);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

// ---- config ----

#[test]
fn config_switches_a_rule_off_and_changes_a_severity() {
    let text = std::fs::read_to_string(fixture("lint/config-off.yaml")).unwrap();
    let report = focused(with_config("lint/unused.yaml", &text));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let report = with_config("lint/operations.yaml", &text);
    let success: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.rule == "operation-success-response")
        .collect();
    assert_eq!(success.len(), 1);
    assert_eq!(success[0].severity, Severity::Error);
    // Through the CLI: warnings only exit 0; the raised severity makes it 1.
    run_lint(&["tests/fixtures/lint/operations.yaml"], 0);
    run_lint(
        &[
            "--config",
            "tests/fixtures/lint/config-off.yaml",
            "tests/fixtures/lint/operations.yaml",
        ],
        1,
    );
}

#[test]
fn config_refuses_unknown_rules_and_fatal_rules() {
    let e = Config::parse("rules:\n  no-such-rule: warning\n").unwrap_err();
    assert!(e.contains("unknown rule `no-such-rule`"), "{e}");
    let e = Config::parse("rules:\n  ref-unresolved: off\n").unwrap_err();
    assert!(e.contains("cannot be switched off"), "{e}");
    let e = Config::parse("rules:\n  component-unused: loud\n").unwrap_err();
    assert!(e.contains("unknown severity"), "{e}");
    let run = run_lint(
        &[
            "--config",
            "tests/fixtures/lint/config-unknown.yaml",
            "tests/fixtures/lint/clean.yaml",
        ],
        2,
    );
    assert!(run.stderr.contains("config-unknown.yaml"), "{}", run.stderr);
}

#[test]
fn config_overrides_switch_rules_per_file_path_and_operation() {
    let base = |config: &str| {
        let report = with_config("lint/docs.yaml", config);
        let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
        rules.sort();
        rules
    };
    let all = base("");
    assert_eq!(all.len(), 5);
    // By path template (glob), by operation (`METHOD /path` or operationId), by file with a
    // pointer prefix.
    let rules = base(
        "overrides:\n\
         \x20 - paths: ['/heal*']\n\
         \x20   rules: {operation-description: off}\n\
         \x20 - operations: ['POST /pets']\n\
         \x20   rules: {operation-security-responses: error}\n\
         \x20 - operations: [createPet]\n\
         \x20   rules: {operation-security-responses: off}\n\
         \x20 - files: ['lint/docs.yaml#/paths/~1pets/get']\n\
         \x20   rules: {operation-id-url-safe: off, operation-tag-undefined: off}\n",
    );
    assert_eq!(rules, vec!["servers-missing"]);
    // Selectors that match nothing change nothing; every selector given must match.
    let rules = base(
        "overrides:\n\
         \x20 - files: ['other.yaml']\n\
         \x20   rules: {servers-missing: off}\n\
         \x20 - files: ['**/docs.yaml']\n\
         \x20   paths: ['/pets']\n\
         \x20   rules: {operation-description: off}\n",
    );
    assert_eq!(rules, all);
    // An override can raise a severity where it applies only.
    let report = with_config(
        "lint/docs.yaml",
        "overrides:\n  - operations: ['GET /pets']\n    rules: {operation-id-url-safe: error}\n",
    );
    assert_eq!(report.errors(), 1);
    assert_eq!(report.findings[1].severity, Severity::Error);
    // An opt-in rule enabled for one path only.
    let report = with_config(
        "lint/owasp.yaml",
        "overrides:\n  - files: ['owasp.yaml#/components/securitySchemes']\n    rules: {owasp-http-basic: warning, owasp-api-key-in-url: error}\n",
    );
    let owasp: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.rule)
        .filter(|r| r.starts_with("owasp-"))
        .collect();
    assert_eq!(owasp, vec!["owasp-api-key-in-url", "owasp-http-basic"]);
    // Mistakes are errors.
    let e = Config::parse("overrides:\n  - rules: {servers-missing: off}\n").unwrap_err();
    assert!(e.contains("override 1: give at least one of"), "{e}");
    let e = Config::parse("overrides:\n  - paths: ['/a']\n    rules: {nope: off}\n").unwrap_err();
    assert!(e.contains("override 1: unknown rule `nope`"), "{e}");
}

#[test]
fn yaml_comments_and_x_stipula_ignore_silence_named_rules() {
    // `# stipula-ignore:` on the line, on the line above, naming two rules; an extension on
    // the operation. A comment naming another rule silences nothing.
    let report = lint_report("lint/ignore.yaml");
    let all: Vec<(&str, usize)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.place.position.unwrap().line))
        .collect();
    assert_eq!(all, vec![("operation-description", 25)]);
    // JSON: the extension on the root and on an operation, as a list or a string.
    let report = lint_report("lint/ignore.json");
    let all: Vec<(&str, String)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.place.pointer.clone()))
        .collect();
    assert_eq!(
        all,
        vec![("operation-description", "/paths/~1b/get".to_string())]
    );
    // Without the ignores, the same specs report more.
    let plain = std::fs::read_to_string(fixture("lint/ignore.yaml"))
        .unwrap()
        .replace("stipula-ignore", "note");
    let spec = stipula::spec::Spec::from_str("ignore.yaml", &plain, Default::default()).unwrap();
    let (findings, _) = stipula::lint::lint_spec(&spec, &Config::default());
    assert_eq!(findings.len(), 5, "{findings:#?}");
}

// ---- exit codes and the human format ----

#[test]
fn exit_codes_0_1_2() {
    let clean = run_lint(&["tests/fixtures/lint/clean.yaml"], 0);
    assert!(
        clean.stdout.contains("0 errors, 0 warnings"),
        "{}",
        clean.stdout
    );
    run_lint(&[], 0);
    run_lint(&["specs"], 0);
    run_lint(&["tests/fixtures/lint/bad-example.yaml"], 1);
    run_lint(&["tests/fixtures/broken/missing-component.yaml"], 2);
    run_lint(&["tests/fixtures/broken/invalid.yaml"], 2);
    // A broken spec among failing ones: everything is still reported, and 2 wins.
    let run = run_lint(
        &[
            "tests/fixtures/lint/bad-example.yaml",
            "tests/fixtures/broken/unknown-security-type.yaml",
        ],
        2,
    );
    assert!(run.stdout.contains("example `wrongType`"), "{}", run.stdout);
    assert!(
        run.stdout.contains("unknown-security-type.yaml:8:5"),
        "{}",
        run.stdout
    );
}

// ---- baselines ----

/// `stipula lint` run in `dir`, checked for its exit code.
fn lint_at(dir: &Path, args: &[&str], expected_code: i32) -> Run {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    let run = stipula_at(dir, &all);
    assert_eq!(
        run.code,
        Some(expected_code),
        "stipula {all:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// The findings of a `--format json` run: (rule, pointer, baselined).
fn json_findings(run: &Run) -> Vec<(String, String, bool)> {
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["pointer"].as_str().unwrap().to_string(),
                f["baselined"] == true,
            )
        })
        .collect()
}

#[test]
fn a_baseline_accepts_known_errors_across_line_shifts_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let values = std::fs::read_to_string(fixture("lint/values.yaml")).unwrap();
    let spec = dir.path().join("api.yaml");
    std::fs::write(&spec, &values).unwrap();

    let run = lint_at(dir.path(), &["api.yaml", "--write-baseline", "b.json"], 1);
    assert!(run.stdout.contains("3 errors"), "{}", run.stdout);
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(baseline["format"], 1);
    assert_eq!(baseline["tool"], "stipula lint");
    let mut rules: Vec<&str> = baseline["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["fingerprint"].as_str().unwrap().len(), 16, "{a}");
            a["rule"].as_str().unwrap()
        })
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        ["default-invalid", "enum-invalid", "example-invalid"]
    );

    // A comment and a blank line on top move every line: the fingerprints stay.
    std::fs::write(&spec, format!("# reviewed\n\n{values}")).unwrap();
    let run = lint_at(dir.path(), &["api.yaml", "--baseline", "b.json"], 0);
    assert!(
        run.stdout
            .contains("0 errors, 0 warnings (3 more accepted by the baseline)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "api.yaml:14:47 (#/paths/~1pets/get/parameters/0/schema/default): error[default-invalid]: default does not match its schema: /: value is less than the minimum of 1 (minimum) (accepted by the baseline)\n"
        ),
        "{}",
        run.stdout
    );

    // A new error fails the run, and it is the only one not accepted.
    std::fs::write(
        &spec,
        format!("# reviewed\n\n{values}").replace("enum: [name, 2, age]", "enum: [name, 2, 3]"),
    )
    .unwrap();
    let args = ["api.yaml", "--baseline", "b.json"];
    let run = lint_at(dir.path(), &args, 1);
    assert!(
        run.stdout
            .contains("1 error, 0 warnings (3 more accepted by the baseline)"),
        "{}",
        run.stdout
    );
    let json = lint_at(dir.path(), &[&args[..], &["--format", "json"]].concat(), 1);
    let open: Vec<(String, String, bool)> =
        json_findings(&json).into_iter().filter(|f| !f.2).collect();
    assert_eq!(
        open,
        [(
            "enum-invalid".to_string(),
            "/paths/~1pets/get/parameters/1/schema/enum/2".to_string(),
            false
        )]
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        (v["errors"].as_u64(), v["baselined"].as_u64()),
        (Some(1), Some(3))
    );

    // Every format tells accepted errors apart.
    let sarif = lint_at(dir.path(), &[&args[..], &["--format", "sarif"]].concat(), 1);
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let suppressed = results
        .iter()
        .filter(|r| r["suppressions"][0]["kind"] == "external")
        .count();
    assert_eq!((results.len(), suppressed), (4, 3), "{v:#}");
    assert!(
        results
            .iter()
            .all(|r| r["partialFingerprints"]["stipula/v1"].is_string())
    );
    let github = lint_at(
        dir.path(),
        &[&args[..], &["--format", "github"]].concat(),
        1,
    );
    assert_eq!(
        github.stdout.matches("::notice ").count(),
        3,
        "{}",
        github.stdout
    );
    assert_eq!(
        github.stdout.matches("::error ").count(),
        1,
        "{}",
        github.stdout
    );
    let junit = lint_at(dir.path(), &[&args[..], &["--format", "junit"]].concat(), 1);
    assert_eq!(
        junit.stdout.matches("<failure").count(),
        1,
        "{}",
        junit.stdout
    );
    assert_eq!(
        junit.stdout.matches("accepted by the baseline: ").count(),
        3,
        "{}",
        junit.stdout
    );

    // Writing again replaces lint's entries with the four of this run.
    lint_at(
        dir.path(),
        &[
            "api.yaml",
            "--baseline",
            "b.json",
            "--write-baseline",
            "b.json",
        ],
        1,
    );
    lint_at(dir.path(), &["api.yaml", "--baseline", "b.json"], 0);
}

#[test]
fn a_file_that_is_not_a_baseline_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("lint/values.yaml"), dir.path().join("api.yaml")).unwrap();
    std::fs::write(
        dir.path().join("v2.json"),
        r#"{"format": 2, "accepted": []}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("report.json"), r#"{"findings": []}"#).unwrap();
    let run = lint_at(dir.path(), &["api.yaml", "--baseline", "v2.json"], 2);
    assert!(
        run.stderr.contains(
            "--baseline v2.json: format 2 is not supported (this stipula reads format 1)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing is linted: {}", run.stdout);
    let run = lint_at(dir.path(), &["api.yaml", "--baseline", "report.json"], 2);
    assert!(
        run.stderr.contains(
            "--baseline report.json: not a stipula baseline file: missing field `format`"
        ),
        "{}",
        run.stderr
    );
    let run = lint_at(dir.path(), &["api.yaml", "--baseline", "nothing.json"], 2);
    assert!(
        run.stderr.contains("--baseline nothing.json: "),
        "{}",
        run.stderr
    );
    // Not a baseline: not overwritten either.
    let run = lint_at(
        dir.path(),
        &["api.yaml", "--write-baseline", "report.json"],
        2,
    );
    assert!(run.stderr.contains("not overwritten"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("report.json")).unwrap(),
        r#"{"findings": []}"#
    );
}

#[test]
fn human_format_shows_place_rule_message_and_the_source_line() {
    let run = run_lint(&["tests/fixtures/lint/bad-example.yaml"], 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.contains("error[example-invalid]"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        lines[i].starts_with("tests/fixtures/lint/bad-example.yaml:22:17 (#/paths/~1pets/post/requestBody/content/application~1json/examples/wrongType/value): error[example-invalid]: "),
        "{}",
        lines[i]
    );
    assert_eq!(lines[i + 2], "22 |                 value:");
    assert_eq!(lines[i + 3], "   |                 ^");
    assert!(
        run.stdout.contains(
            "tests/fixtures/lint/bad-example.yaml: OpenAPI 3.0.3, 1 operation, base path /, 1 schema, 2 examples checked (0 skipped): 1 error, 1 warning"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn load_errors_are_findings_in_every_format() {
    let run = run_lint(&["tests/fixtures/broken/missing-component.yaml"], 2);
    assert!(
        run.stdout.contains("tests/fixtures/broken/missing-component.yaml:14:17 (#/paths/~1pets/get/responses/200/content/application~1json/schema/$ref): error[ref-unresolved]: `#/components/schemas/Pet` points at nothing"),
        "{}",
        run.stdout
    );
    let run = run_lint(
        &[
            "--format",
            "json",
            "tests/fixtures/broken/missing-component.yaml",
        ],
        2,
    );
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["findings"][0]["rule"], "ref-unresolved");
    assert_eq!(doc["findings"][0]["line"], 14);
    assert_eq!(doc["specs"][0]["loaded"], false);
    let run = run_lint(
        &["--format", "github", "tests/fixtures/broken/invalid.yaml"],
        2,
    );
    assert!(
        run.stdout.starts_with(
            "::error file=tests/fixtures/broken/invalid.yaml,line=3,col=14,title=spec-unreadable::"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn ref_policy_flags_are_honoured() {
    let spec = "tests/fixtures/outside/spec.yaml";
    let refused = run_lint(&[spec], 2);
    assert!(
        refused.stdout.contains("--allow-outside-refs"),
        "{}",
        refused.stdout
    );
    assert!(
        refused.stdout.contains("error[ref-unresolved]"),
        "{}",
        refused.stdout
    );
    run_lint(&["--allow-outside-refs", spec], 0);
}

#[test]
fn a_folder_without_specs_and_a_bad_flag_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.yaml"), "just: notes\n").unwrap();
    let run = run_lint(&[dir.path().to_str().unwrap()], 2);
    assert!(
        run.stderr.contains("no OpenAPI documents in this folder"),
        "{}",
        run.stderr
    );
    run_lint(&["--format", "xml", "tests/fixtures/lint/clean.yaml"], 2);
}

#[test]
fn a_multi_file_spec_lints_clean() {
    let run = run_lint(&["tests/fixtures/multi/root.yaml"], 0);
    assert!(
        run.stdout.contains("OpenAPI 3.0.3, 2 operations"),
        "{}",
        run.stdout
    );
}

// ---- machine formats ----

fn render(format: Format, rels: &[&str]) -> String {
    let reports: Vec<SpecReport> = rels.iter().map(|r| lint_report(r)).collect();
    stipula::lint::output::render(format, &reports)
}

#[test]
fn json_format_lists_specs_findings_and_totals() {
    let text = render(Format::Json, &["lint/values.yaml", "lint/clean.yaml"]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["errors"], 3);
    assert_eq!(doc["warnings"], 0);
    assert_eq!(doc["specs"].as_array().unwrap().len(), 2);
    assert_eq!(doc["specs"][0]["errors"], 3);
    assert_eq!(doc["specs"][1]["loaded"], true);
    let f = &doc["findings"][0];
    assert_eq!(f["rule"], "default-invalid");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["line"], 12);
    assert_eq!(f["column"], 47);
    assert_eq!(
        f["pointer"],
        "/paths/~1pets/get/parameters/0/schema/default"
    );
    assert!(
        f["file"]
            .as_str()
            .unwrap()
            .ends_with("tests/fixtures/lint/values.yaml")
    );
    assert!(f["message"].as_str().unwrap().contains("minimum of 1"));
}

#[test]
fn sarif_format_has_what_github_code_scanning_reads() {
    let text = render(Format::Sarif, &["lint/values.yaml", "lint/operations.yaml"]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "stipula");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), stipula::lint::rules::RULES.len());
    // Opt-in rules are listed, disabled by default.
    let enabled = |id: &str| {
        rules.iter().find(|r| r["id"] == id).unwrap()["defaultConfiguration"]["enabled"].clone()
    };
    assert_eq!(enabled("owasp-http-basic"), false);
    assert_eq!(enabled("example-invalid"), true);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(["error", "warning"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let physical = &r["locations"][0]["physicalLocation"];
        assert!(
            physical["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with(".yaml")
        );
        assert!(physical["region"]["startLine"].as_u64().unwrap() > 0);
        assert!(physical["region"]["startColumn"].as_u64().unwrap() > 0);
    }
    assert_eq!(results[0]["ruleId"], "default-invalid");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        12
    );
}

#[test]
fn github_format_is_one_escaped_workflow_command_per_finding() {
    let text = render(
        Format::Github,
        &["lint/operations.yaml", "lint/values.yaml"],
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].starts_with("::warning file="), "{}", lines[0]);
    assert!(
        lines[0].contains(
            "tests/fixtures/lint/operations.yaml,line=9,col=7,title=operation-success-response::"
        ),
        "{}",
        lines[0]
    );
    assert!(lines.iter().filter(|l| l.starts_with("::error ")).count() == 3);
    // `:` and `,` only escaped in properties; messages keep them.
    assert!(lines[2].contains("%3A") || !lines[2].contains("file=C:"));
}

#[test]
fn junit_format_parses_with_a_failure_per_error() {
    let text = render(
        Format::Junit,
        &[
            "lint/values.yaml",
            "lint/operations.yaml",
            "lint/clean.yaml",
        ],
    );
    let report =
        quick_junit::Report::deserialize_from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(report.test_suites.len(), 3);
    let failures = |i: usize| {
        report.test_suites[i]
            .test_cases
            .iter()
            .filter(|c| !matches!(c.status, quick_junit::TestCaseStatus::Success { .. }))
            .count()
    };
    assert_eq!(failures(0), 3);
    assert_eq!(failures(1), 0, "warnings do not fail");
    assert_eq!(
        report.test_suites[1].test_cases.len(),
        3,
        "two warnings and the `lint` case"
    );
    assert_eq!(failures(2), 0);
    assert_eq!(report.test_suites[2].test_cases.len(), 1);
}

/// The in-process library entry gives the same result as a path on disk.
#[test]
fn lint_spec_on_a_loaded_spec() {
    let spec = load("lint/values.yaml");
    let (findings, summary) = stipula::lint::lint_spec(&spec, &Config::default());
    assert_eq!(findings.len(), 3);
    assert_eq!(summary.operations, 1);
    assert!(Path::new(&findings[0].place.file).ends_with("values.yaml"));
}
