//! `stipula lint`, run as the built binary: exit codes 0 (clean), 1 (findings), 2 (could not
//! run), and what it prints.

use std::path::Path;
use std::process::{Command, ExitCode};

use clap::Parser;
use stipula::cli::Cli;

use crate::support::*;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn stipula(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the stipula binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn lint(args: &[&str], expected_code: i32) -> Run {
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

#[test]
fn lint_of_the_bundled_specs_exits_0() {
    let run = lint(&[], 0);
    for name in [
        "fusionauth-consent.yaml",
        "lytx-consent-management.json",
        "lytx-users.json",
        "slashid-gdpr-consent.yaml",
    ] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{}", run.stdout));
        assert!(line.ends_with(", 0 invalid"), "{line}");
    }
    assert!(run.stdout.contains("lytx-consent-management.json: OpenAPI 3.0 3.0.1, 2 operations, base path /consent-management"), "{}", run.stdout);
    // The same, naming the folder.
    lint(&["specs"], 0);
}

#[test]
fn lint_of_a_broken_spec_exits_2_naming_file_line_and_column() {
    let run = lint(&["tests/fixtures/broken/missing-component.yaml"], 2);
    assert!(
        run.stderr.contains("tests/fixtures/broken/missing-component.yaml:14:17 (#/paths/~1pets/get/responses/200/content/application~1json/schema/$ref): error: `#/components/schemas/Pet` points at nothing"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn lint_of_a_yaml_syntax_error_exits_2() {
    let run = lint(&["tests/fixtures/broken/invalid.yaml"], 2);
    assert!(
        run.stderr
            .contains("tests/fixtures/broken/invalid.yaml:3:14 (#): error: invalid YAML"),
        "{}",
        run.stderr
    );
}

#[test]
fn lint_of_an_invalid_example_exits_1_naming_the_example() {
    let run = lint(&["tests/fixtures/lint/bad-example.yaml"], 1);
    let findings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("error[example-invalid]"))
        .collect();
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    let finding = findings[0];
    assert!(
        finding.starts_with("tests/fixtures/lint/bad-example.yaml:22:17 "),
        "{finding}"
    );
    assert!(
        finding.contains("example `wrongType` of POST /pets request body (application/json)"),
        "{finding}"
    );
    assert!(!finding.contains("`good`"), "{finding}");
    assert!(
        run.stdout
            .contains("2 examples checked (0 skipped), 1 invalid"),
        "{}",
        run.stdout
    );
}

/// A broken spec among good ones: every spec is still linted, and the exit code says "could not
/// run" (2) rather than "findings" (1).
#[test]
fn lint_of_a_broken_and_a_failing_spec_exits_2_and_reports_both() {
    let run = lint(
        &[
            "tests/fixtures/lint/bad-example.yaml",
            "tests/fixtures/broken/unknown-security-type.yaml",
        ],
        2,
    );
    assert!(run.stdout.contains("example `wrongType`"), "{}", run.stdout);
    assert!(
        run.stderr.contains("unknown-security-type.yaml:8:5"),
        "{}",
        run.stderr
    );
}

#[test]
fn lint_honours_the_ref_policy_flags() {
    let spec = "tests/fixtures/outside/spec.yaml";
    let refused = lint(&[spec], 2);
    assert!(
        refused.stderr.contains("--allow-outside-refs"),
        "{}",
        refused.stderr
    );
    lint(&["--allow-outside-refs", spec], 0);
}

#[test]
fn lint_of_a_folder_without_specs_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.yaml"), "just: notes\n").unwrap();
    let run = lint(&[dir.path().to_str().unwrap()], 2);
    assert!(
        run.stderr.contains("no OpenAPI documents in this folder"),
        "{}",
        run.stderr
    );
}

#[test]
fn lint_of_a_multi_file_spec() {
    let run = lint(&["tests/fixtures/multi/root.yaml"], 0);
    assert!(
        run.stdout.contains("OpenAPI 3.0 3.0.3, 2 operations"),
        "{}",
        run.stdout
    );
}

#[test]
fn unknown_subcommand_exits_2_and_help_exits_0() {
    let run = stipula(&["frobnicate"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("frobnicate"), "{}", run.stderr);
    let help = stipula(&["--help"]);
    assert_eq!(help.code, Some(0));
    assert!(help.stdout.contains("lint"), "{}", help.stdout);
}

/// In-process: the library entry point gives the same exit codes as the binary.
#[test]
fn run_in_process_returns_the_exit_code() {
    let code = |args: &[&str]| {
        let cli = Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{e}"));
        let code: ExitCode = stipula::cli::run(cli);
        format!("{code:?}")
    };
    let bad = fixture_name("lint/bad-example.yaml");
    let broken = fixture_name("broken/param-cycle-does-not-exist.yaml");
    assert!(!Path::new(&broken).exists());
    assert_eq!(
        code(&["stipula", "lint", &bad]),
        format!("{:?}", ExitCode::from(1))
    );
    assert_eq!(
        code(&["stipula", "lint", &broken]),
        format!("{:?}", ExitCode::from(2))
    );
    assert_eq!(
        code(&["stipula", "lint", &fixture_name("formats")]),
        format!("{:?}", ExitCode::SUCCESS)
    );
    assert!(Cli::try_parse_from(["stipula", "lint", "--no-such-flag"]).is_err());
}

/// The lint rule promises to check schema examples; a property's `example` is one.
#[test]
fn lint_checks_examples_of_nested_properties() {
    let spec = load("lint/nested-example.yaml");
    let (findings, _) = stipula::lint::check_examples(&spec);
    assert_eq!(
        findings.len(),
        1,
        "the `example: -3` of a property with `minimum: 0` should be found: {findings:?}"
    );
    assert!(findings[0].place.contains(":14:"), "{}", findings[0].place);
}
