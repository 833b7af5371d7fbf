//! `stipula diff OLD NEW`: exit 0 nothing at or above `--fail-on` (changes the `--baseline`
//! accepts aside), 1 something is, 2 a spec or the baseline did not load.

use std::path::PathBuf;

use super::{CliError, Exit, LoadArgs};
use crate::spec::Spec;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old version (a spec file; any of Swagger 2.0, OpenAPI 3.0, 3.1).
    pub old: PathBuf,
    /// The new version.
    pub new: PathBuf,
    /// Output: human (default), markdown (a pull-request comment), json, changelog (Markdown
    /// by operation), github (Actions annotations) or junit (XML).
    #[arg(long, value_enum, default_value = "human")]
    pub format: crate::diff::Format,
    /// Exit 1 when a change at this level or above is found.
    #[arg(long, value_enum, default_value = "breaking")]
    pub fail_on: crate::diff::Level,
    /// Days between deprecating a `x-stability-level: beta` operation and its `x-sunset`.
    #[arg(long, default_value_t = 31, value_name = "DAYS")]
    pub deprecation_days_beta: u32,
    /// Days between deprecating a stable operation and its `x-sunset`.
    #[arg(long, default_value_t = 180, value_name = "DAYS")]
    pub deprecation_days_stable: u32,
    /// Judge sunset dates as of this day (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub today: Option<i64>,
    /// Changes listed in this baseline file are reported but do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the changes at or above `--fail-on` as a baseline file (for `--baseline`); entries
    /// of `stipula test` and `stipula lint` already in the file are kept.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub(super) fn run(args: &DiffArgs) -> Result<Exit, CliError> {
    let baseline = super::baseline_files(
        crate::baseline::DIFF,
        args.baseline.as_deref(),
        args.write_baseline.as_deref(),
    )?;
    // Both specs are loaded before either error is reported, so that one run shows both.
    let old = Spec::load(&args.old, args.load.options());
    let new = Spec::load(&args.new, args.load.options());
    let (old, new) = match (old, new) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => return Err(e.into()),
        (Err(a), Err(b)) => {
            for d in a.diagnostics.iter().chain(&b.diagnostics) {
                eprintln!("{d}");
            }
            return Err(CliError::Reported);
        }
    };
    // Warnings (a path parameter missing from its template...) may hide changes: say so.
    for spec in [&old, &new] {
        for w in spec.located_warnings() {
            eprintln!("{w}");
        }
    }
    let mut options = crate::diff::Options {
        deprecation_days_beta: args.deprecation_days_beta,
        deprecation_days_stable: args.deprecation_days_stable,
        ..Default::default()
    };
    if let Some(today) = args.today {
        options.today = today;
    }
    let mut changes = crate::diff::diff_with(&old, &new, &options);
    if let Some(baseline) = &baseline {
        crate::diff::baseline::apply(baseline, &mut changes);
    }
    let report = crate::diff::render_failing_on(args.format, &old, &new, &changes, args.fail_on);
    print!("{report}");
    if let Some(path) = &args.write_baseline {
        crate::diff::baseline::to_baseline(&changes, args.fail_on)
            .write_keeping_others(path)
            .map_err(CliError::Baseline)?;
    }
    // The process ends here: freeing two big specs node by node would cost a tenth of the run.
    std::mem::forget((old, new));
    Ok(Exit::findings_if(
        crate::diff::baseline::worst_open(&changes).is_some_and(|level| level >= args.fail_on),
    ))
}

fn parse_day(text: &str) -> Result<i64, String> {
    crate::diff::parse_date(text).ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD)"))
}
