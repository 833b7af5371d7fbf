//! A schema as a user writes it, in a 3.0 and a 3.1 document: normalization (and the loader's
//! checks of the `$ref` graph it builds) returns, and a schema that loaded can be used.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stipula::schema::Direction;
use stipula::spec::{LoadOptions, Spec};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // JSON first; YAML otherwise (a flow mapping is both).
    let schema: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => return,
    };
    for version in ["3.0.3", "3.1.0"] {
        let doc = serde_json::json!({
            "openapi": version,
            "info": {"title": "n", "version": "1"},
            "paths": {"/n": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}}}
            }}},
            "components": {"schemas": {"S": schema, "T": {"$ref": "#/components/schemas/S"}}}
        });
        if let Ok(spec) = Spec::from_str("n.json", &doc.to_string(), LoadOptions::default()) {
            if let Some((_, id)) = spec.component_schemas.first() {
                let _ = spec.schemas.validate(*id, Direction::Request, &Value::Null);
                let _ = spec.schemas.validate(*id, Direction::Response, &schema);
            }
        }
    }
});
