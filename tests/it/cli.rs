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
