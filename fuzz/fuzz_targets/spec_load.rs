//! A whole document, YAML or JSON: the loader returns a spec or diagnostics, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stipula::spec::{LoadOptions, Spec};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = if first % 2 == 0 { "fuzz.yaml" } else { "fuzz.json" };
    let _ = Spec::from_str(name, text, LoadOptions::default());
});
