//! The `stipula` command line as a whole: unknown subcommands, `--help`, and the in-process
//! entry point's exit codes. Each subcommand's own behaviour is tested in its module (`lint`).

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use stipula::cli::Cli;

use crate::support::*;

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

/// A misspelt flag gets "a similar argument exists" even where clap's own scoring misses it
/// (`--ulr` is a swap away from `--url`, but Jaro scores it below clap's cut-off).
#[test]
fn a_misspelt_flag_gets_a_suggestion() {
    let run = stipula(&[
        "test",
        "specs/fusionauth.json",
        "--ulr",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("a similar argument exists: '--url'"),
        "{}",
        run.stderr
    );
    let run = stipula(&["mock", "--prot", "0"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("'--port'"), "{}", run.stderr);
    let run = stipula(&["lint", "--zzz"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(!run.stderr.contains("similar argument"), "{}", run.stderr);
}

/// Runs the binary in `dir` (not the repository).
fn stipula_in(dir: &Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stipula"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the stipula binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Without a spec named, `./specs` in the working directory is used when there is one (an
/// installed binary run in a project); a `stipula-lint.yaml` found there is named on stderr.
#[test]
fn the_working_directorys_specs_and_lint_config_are_used_and_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    std::fs::copy(
        fixture("lint/bad-example.yaml"),
        dir.path().join("specs/pets.yaml"),
    )
    .unwrap();
    let run = stipula_in(dir.path(), &["lint"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("specs/pets.yaml"), "{}", run.stdout);
    assert!(!run.stderr.contains("stipula-lint.yaml"), "{}", run.stderr);
    std::fs::write(
        dir.path().join("stipula-lint.yaml"),
        "rules:\n  example-invalid: off\n  operation-id-missing: off\n",
    )
    .unwrap();
    let run = stipula_in(dir.path(), &["lint"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("note: using the lint config stipula-lint.yaml from the working directory"),
        "{}",
        run.stderr
    );
}
