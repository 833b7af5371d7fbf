use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = match stipula::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's usage errors exit 2, like every other "could not run" of ours.
            return std::process::ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    stipula::cli::run(cli)
}
