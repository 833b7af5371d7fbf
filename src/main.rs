fn main() -> std::process::ExitCode {
    let cli = match stipula::cli::parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's usage errors exit 2, like every other "could not run" of ours; `--help`
            // and `--version` exit 0.
            use stipula::cli::Exit;
            return if e.use_stderr() {
                Exit::Error
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    stipula::cli::run(cli)
}
