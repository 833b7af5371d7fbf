//! A JSON request body: validation against real request schemas returns violations (or none),
//! never panics, whatever the body's shape, depth or size.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stipula::schema::Direction;
use stipula::spec::{LoadOptions, Spec};

static LOADED: LazyLock<Spec> = LazyLock::new(|| {
    Spec::from_str(
        "fusionauth-consent.yaml",
        include_str!("../../specs/fusionauth-consent.yaml"),
        LoadOptions::default(),
    )
    .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let spec = &*LOADED;
    for op in &spec.operations {
        let Some(request) = &op.request_body else {
            continue;
        };
        for media in &request.content {
            if let Some(id) = media.schema {
                let _ = spec.schemas.validate(id, Direction::Request, &body);
            }
        }
    }
});
