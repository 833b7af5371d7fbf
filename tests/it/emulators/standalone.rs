//! An emulator as a process of its own, for `cargo xtask bench test` and for trying the runner
//! by hand: the emulators live in this test binary, so the way to run one outside a test is an
//! ignored test that serves until its stdin closes.
//!
//! ```sh
//! STIPULA_EMULATOR=lytx-consent [STIPULA_EMULATOR_FAULT=lytx-consent-slow-status] \
//!   cargo test --test it emulators::standalone::serve -- --ignored --nocapture
//! ```
//!
//! API names: `lytx-consent`, `lytx-users`, `fusionauth`, `slashid`, `consent-exports`; fault
//! names are those of `FAULTS`. Without `STIPULA_EMULATOR` the test returns at once.
//!
//! It prints `EMULATOR_URL=<url>` and one `EMULATOR_HEADER=<Name: value>` line per credential
//! header (what `stipula test --url ... --header ...` takes), then serves until stdin reaches
//! end of file (or the process is killed).

use std::io::{Read, Write};

use super::{Api, Emulator, Fault};

#[test]
#[ignore = "serves an emulator until stdin closes; see the module note"]
fn serve() {
    // Without the variable (`cargo test -- --include-ignored`), do nothing rather than wait.
    let Ok(name) = std::env::var("STIPULA_EMULATOR") else {
        eprintln!("set STIPULA_EMULATOR to an API name to serve it");
        return;
    };
    let api = Api::EVERY
        .into_iter()
        .find(|a| a.name() == name)
        .unwrap_or_else(|| panic!("STIPULA_EMULATOR: no API named {name}"));
    let emulator = match std::env::var("STIPULA_EMULATOR_FAULT") {
        Ok(fault) if !fault.is_empty() => {
            let fault = Fault::named(&fault);
            assert_eq!(
                fault.api,
                api,
                "{} is a fault of {}",
                fault.name,
                fault.api.name()
            );
            Emulator::start_faulty(fault)
        }
        _ => Emulator::start(api),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "EMULATOR_URL={}", emulator.url()).unwrap();
    for (n, v) in api.auth_headers() {
        writeln!(out, "EMULATOR_HEADER={n}: {v}").unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    eprintln!(
        "{} answered {} requests",
        api.name(),
        emulator.requests_seen()
    );
}
