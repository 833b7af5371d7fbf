//! `stipula lint`: exit 2 when a spec cannot be loaded (or the arguments, config or baseline
//! are wrong), else 1 when any finding is an error the `--baseline` does not accept, else 0. Findings are on stdout in the chosen format,
//! load errors included; stderr only carries notes (the config file applied, schemas
//! jsonschema cannot compile).

use std::path::{Path, PathBuf};

use super::{CliError, Exit, LoadArgs, display, spec_paths};
use crate::spec::Spec;

#[derive(Debug, clap::Args)]
#[command(after_long_help = crate::lint::rules::help_text())]
pub struct LintArgs {
    /// Spec files or folders of specs (default: `./specs` when there is one, else the bundled
    /// specs).
    pub specs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::lint::output::Format::Human)]
    pub format: crate::lint::output::Format,
    /// Config file switching rules off or changing their severity (default:
    /// `stipula-lint.yaml` in the working directory, when there is one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also run an opt-in rule set (`owasp`), as the config's `extends` does.
    #[arg(long, value_name = "SET")]
    pub ruleset: Vec<String>,
    /// Errors listed in this baseline file are reported but do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the run's errors as a baseline file (for `--baseline`); entries of `stipula test`
    /// and `stipula diff` already in the file are kept.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub(super) fn run(args: &LintArgs) -> Result<Exit, CliError> {
    use crate::lint::{Config, config::DEFAULT_FILE, lint_load_error, lint_loaded, output};
    let config = match &args.config {
        Some(path) => Config::load(path),
        None if Path::new(DEFAULT_FILE).is_file() => {
            // Applied without being named: say so, or a rule switched off there is a mystery.
            eprintln!("note: using the lint config {DEFAULT_FILE} from the working directory");
            Config::load(Path::new(DEFAULT_FILE))
        }
        None => Ok(Config::default()),
    };
    let config = config
        .and_then(|mut c| {
            for set in &args.ruleset {
                c.enable(set)?;
            }
            Ok(c)
        })
        .map_err(CliError::LintConfig)?;
    let baseline = super::baseline_files(
        crate::baseline::LINT,
        args.baseline.as_deref(),
        args.write_baseline.as_deref(),
    )?;
    let paths = spec_paths(&args.specs)?;
    let mut reports = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let shown = PathBuf::from(display(path));
        match Spec::load(path, args.load.options()) {
            Ok(spec) => {
                let mut report = lint_loaded(path, &spec, &config);
                report.path = shown;
                reports.push(report);
                // The process ends after the last spec: freeing a big model piece by piece
                // costs more than the rest of lint (0.3 s for GitHub's), and the OS does it
                // at once. Earlier specs are freed, so a folder of specs does not pile up.
                if i + 1 == paths.len() {
                    std::mem::forget(spec);
                }
            }
            Err(e) => {
                let mut report = lint_load_error(path, &e, &config);
                report.path = shown;
                reports.push(report);
            }
        }
    }
    for report in &reports {
        for (at, problem) in report.summary.iter().flat_map(|s| &s.uncompilable) {
            eprintln!(
                "{at}: note: schema cannot be compiled, values are not checked against it: {problem}"
            );
        }
    }
    if let Some(baseline) = &baseline {
        crate::lint::baseline::apply(baseline, &mut reports);
    }
    print!("{}", output::render(args.format, &reports));
    if let Some(path) = &args.write_baseline {
        crate::lint::baseline::to_baseline(&reports)
            .write_keeping_others(path)
            .map_err(CliError::Baseline)?;
    }
    if reports.iter().any(|r| r.summary.is_none()) {
        // The load errors are findings on stdout already.
        Err(CliError::Reported)
    } else {
        Ok(Exit::findings_if(reports.iter().any(|r| r.errors() > 0)))
    }
}
