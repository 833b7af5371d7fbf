//! Raw parameter text as a client sends it: every style's decoder returns a value or a
//! `DecodeError`, never panics.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use stipula::params;
use stipula::spec::{LoadOptions, ParamIn, Spec};

/// One parameter of each style and shape.
const SPEC: &str = r#"
openapi: 3.1.0
info: {title: params, version: '1'}
paths:
  /a/{simple}/{label}/{matrix}:
    get:
      parameters:
        - {name: simple, in: path, required: true, schema: {type: array, items: {type: integer}}}
        - {name: label, in: path, required: true, style: label, explode: true, schema: {type: object, properties: {r: {type: integer}}}}
        - {name: matrix, in: path, required: true, style: matrix, schema: {type: array, items: {type: string}}}
        - {name: form, in: query, schema: {type: array, items: {type: number}}}
        - {name: deep, in: query, style: deepObject, explode: true, schema: {type: object, additionalProperties: {type: object}}}
        - {name: pipe, in: query, style: pipeDelimited, explode: false, schema: {type: array, items: {type: boolean}}}
        - {name: space, in: query, style: spaceDelimited, explode: false, schema: {type: array, items: {type: string}}}
        - {name: json, in: query, content: {application/json: {schema: {type: object}}}}
        - {name: X-Head, in: header, schema: {type: object, properties: {a: {type: integer}}}}
        - {name: c, in: cookie, schema: {type: array, items: {type: integer}}}
      responses: {'200': {description: ok}}
"#;

static LOADED: LazyLock<Spec> =
    LazyLock::new(|| Spec::from_str("params.yaml", SPEC, LoadOptions::default()).unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let spec = &*LOADED;
    let schemas = &spec.schemas;
    let op = &spec.operations[0];
    let pairs = params::query_pairs(text);
    let cookies = params::cookie_pairs(text);
    for p in &op.parameters {
        let _ = match p.location {
            ParamIn::Path => params::decode_path(p, schemas, text).map(Some),
            ParamIn::Query => params::decode_query(p, schemas, &pairs),
            ParamIn::Header => params::decode_header(p, schemas, &[text]),
            ParamIn::Cookie => params::decode_cookie(p, schemas, &cookies),
        };
    }
    let _ = params::percent_decode(text, true);
    let _ = params::decode_content(text, "application/json");
    let _ = params::decode_content(text, "application/x-www-form-urlencoded");
});
