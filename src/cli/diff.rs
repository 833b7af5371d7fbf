//! `stipula diff OLD NEW`: exit 0 nothing at or above `--fail-on`, 1 something is, 2 a spec
//! did not load.

use std::path::PathBuf;

use super::{CliError, Exit, LoadArgs};
use crate::spec::Spec;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old version (a spec file; any of Swagger 2.0, OpenAPI 3.0, 3.1).
    pub old: PathBuf,
    /// The new version.
    pub new: PathBuf,
    /// Output: human (default), markdown (a pull-request comment) or json.
    #[arg(long, value_enum, default_value = "human")]
    pub format: crate::diff::Format,
    /// Exit 1 when a change at this level or above is found.
    #[arg(long, value_enum, default_value = "breaking")]
    pub fail_on: crate::diff::Level,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub(super) fn run(args: &DiffArgs) -> Result<Exit, CliError> {
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
    let changes = crate::diff::diff(&old, &new);
    print!("{}", crate::diff::render(args.format, &old, &new, &changes));
    Ok(Exit::findings_if(
        crate::diff::worst(&changes).is_some_and(|level| level >= args.fail_on),
    ))
}
