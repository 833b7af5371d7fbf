//! `stipula diff`: one test per rule (the smallest pair of specs that shows it, checked for its
//! level, its locations in both versions, and that nothing else is reported), the fixture
//! pairs in `tests/fixtures/diff/` (FusionAuth edited, Swagger 2.0 against 3.1, one file against
//! many), the three output formats, `--fail-on` and exit codes, and self-diffs that must be empty.

use std::path::Path;

use serde_json::Value;
use stipula::diff::{self, Change, Format, Level, Rule};
use stipula::spec::{LoadOptions, Spec};

use crate::support::*;

fn load_text(name: &str, text: &str) -> Spec {
    Spec::from_str(name, text, LoadOptions::default())
        .unwrap_or_else(|e| panic!("{name} should load:\n{e}\n---\n{text}"))
}

fn show(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| {
            format!(
                "{} {} {}: {}",
                c.level(),
                c.rule,
                c.operation.as_deref().unwrap_or("-"),
                c.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An OpenAPI 3.0 document with these `paths` (block YAML indented by two) and components.
fn doc(paths: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: Pets, version: '1'}}\nservers: [{{url: 'https://pets.example/v1'}}]\npaths:\n{paths}components:\n  schemas:\n    Cat: {{type: object, properties: {{meow: {{type: boolean}}}}}}\n    Dog: {{type: object, properties: {{bark: {{type: boolean}}}}}}\n  securitySchemes:\n    key: {{type: apiKey, in: header, name: X-Key}}\n    bearer: {{type: http, scheme: bearer}}\n"
    )
}

/// `POST /pets` whose required JSON body has this schema (flow YAML).
fn request(schema: &str) -> String {
    doc(&format!(
        "  /pets:\n    post:\n      requestBody: {{required: true, content: {{application/json: {{schema: {schema}}}}}}}\n      responses: {{'204': {{description: done}}}}\n"
    ))
}

/// `GET /pets` whose 200 JSON body has this schema (flow YAML).
fn response(schema: &str) -> String {
    doc(&format!(
        "  /pets:\n    get:\n      responses: {{'200': {{description: ok, content: {{application/json: {{schema: {schema}}}}}}}}}\n"
    ))
}

/// `GET /pets` with these parameters (flow YAML list).
fn params(list: &str) -> String {
    doc(&format!(
        "  /pets:\n    get:\n      parameters: {list}\n      responses: {{'200': {{description: ok}}}}\n"
    ))
}

/// `GET /pets` with these responses (flow YAML map).
fn responses(map: &str) -> String {
    doc(&format!("  /pets:\n    get:\n      responses: {map}\n"))
}

/// `POST /pets` with this request body (flow YAML, or nothing).
fn body(body: Option<&str>) -> String {
    let body = body
        .map(|b| format!("      requestBody: {b}\n"))
        .unwrap_or_default();
    doc(&format!(
        "  /pets:\n    post:\n{body}      responses: {{'204': {{description: done}}}}\n"
    ))
}

/// `GET /pets` with this operation-level security (flow YAML, or none).
fn secured(security: Option<&str>) -> String {
    let security = security
        .map(|s| format!("      security: {s}\n"))
        .unwrap_or_default();
    doc(&format!(
        "  /pets:\n    get:\n{security}      responses: {{'200': {{description: ok}}}}\n"
    ))
}

const PETS: &str = "  /pets:\n    get: {responses: {'200': {description: ok}}}\n    delete: {responses: {'204': {description: gone}}}\n";

/// The smallest pair of versions showing a rule, and a fragment of the change's message.
struct Case {
    old: String,
    new: String,
    message: &'static str,
    /// Other rules the same edit rightly reports too.
    also: Vec<Rule>,
}

fn case(old: String, new: String, message: &'static str) -> Case {
    Case {
        old,
        new,
        message,
        also: Vec::new(),
    }
}

impl Case {
    fn with(mut self, also: &[Rule]) -> Case {
        self.also = also.to_vec();
        self
    }
}

/// The same document as OpenAPI 3.1 (for 2020-12 keywords and webhooks).
fn v31(doc: String) -> String {
    doc.replace("openapi: 3.0.3", "openapi: 3.1.0")
}

/// A 3.1 document with `PETS` and these webhooks (block YAML indented by two).
fn with_webhooks(hooks: &str) -> String {
    format!("{}webhooks:\n{hooks}", v31(doc(PETS)))
}

const NEW_PET: &str = "  newPet:\n    post: {requestBody: {content: {application/json: {schema: {type: object, required: [name], properties: {name: {type: string}}}}}}, responses: {'200': {description: ok}}}\n";

/// `POST /subs` with these callbacks (block YAML line, or nothing).
fn subscriptions(callbacks: &str) -> String {
    doc(&format!(
        "  /subs:\n    post:\n{callbacks}      responses: {{'201': {{description: made}}}}\n"
    ))
}

const ON_EVENT: &str = "      callbacks: {onEvent: {'{$request.body#/url}': {post: {requestBody: {content: {application/json: {schema: {type: object, required: [id], properties: {id: {type: string}}}}}}, responses: {'200': {description: ok}}}}}}\n";

/// `GET /pets` secured by an OAuth2 scheme `oauth` with these flows (flow YAML).
fn oauth(flows: &str) -> String {
    secured(Some("[{oauth: [read]}]")).replace(
        "  securitySchemes:\n",
        &format!("  securitySchemes:\n    oauth: {{type: oauth2, flows: {flows}}}\n"),
    )
}

const TWO_FLOWS: &str = "{implicit: {authorizationUrl: 'https://a.example/auth', scopes: {read: r}}, clientCredentials: {tokenUrl: 'https://a.example/token', scopes: {read: r, admin: a}}}";
const ONE_FLOW: &str =
    "{clientCredentials: {tokenUrl: 'https://a.example/token', scopes: {read: r, admin: a}}}";

/// `oneOf` of two objects told apart by `kind` (the second's values given).
fn kinds(second: &str) -> String {
    format!(
        "{{oneOf: [{{type: object, required: [kind], properties: {{kind: {{type: string, enum: [cat]}}}}}}, {{type: object, required: [kind], properties: {{kind: {{type: string, enum: {second}}}}}}}]}}"
    )
}

/// `oneOf: [Cat, Dog]` with a discriminator (flow YAML of the discriminator).
fn discriminated(discriminator: &str) -> String {
    format!(
        "{{oneOf: [{{$ref: '#/components/schemas/Cat'}}, {{$ref: '#/components/schemas/Dog'}}], discriminator: {discriminator}}}"
    )
}

const MAPPED: &str = "{propertyName: kind, mapping: {cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog'}}";
const CAT_ONLY: &str = "{propertyName: kind, mapping: {cat: '#/components/schemas/Cat'}}";
const CONTAINS: &str =
    "{type: array, items: {type: string}, contains: {type: string, enum: [admin]}}";
const IF_A: &str = "{type: object, if: {properties: {kind: {enum: [a]}}}, then: {required: [x]}}";
const IF_B: &str = "{type: object, if: {properties: {kind: {enum: [b]}}}, then: {required: [x]}}";

/// Every rule's case. The match is exhaustive: a new rule does not compile without one.
fn case_for(rule: Rule) -> Case {
    use Rule::*;
    let str_prop =
        |extra: &str| format!("{{type: object, properties: {{name: {{type: string{extra}}}}}}}");
    let num =
        |extra: &str| format!("{{type: object, properties: {{age: {{type: number{extra}}}}}}}");
    match rule {
        OperationRemovedBeforeSunset => case(
            doc(&PETS.replace(
                "delete: {",
                "delete: {deprecated: true, x-sunset: '2999-01-01', ",
            )),
            doc("  /pets:\n    get: {responses: {'200': {description: ok}}}\n"),
            "operation `DELETE /pets` removed before its sunset date 2999-01-01",
        ),
        DeprecatedOperationRemoved => case(
            doc(&PETS.replace(
                "delete: {",
                "delete: {deprecated: true, x-sunset: '2001-01-01', ",
            )),
            doc("  /pets:\n    get: {responses: {'200': {description: ok}}}\n"),
            "deprecated operation `DELETE /pets` removed",
        ),
        OperationSunsetTooSoon => case(
            doc(PETS),
            doc(&PETS.replace("get: {", "get: {deprecated: true, x-sunset: '2001-01-01', ")),
            "deprecated with sunset 2001-01-01",
        )
        .with(&[OperationDeprecated]),
        OperationSunsetMovedEarlier => case(
            doc(&PETS.replace("get: {", "get: {deprecated: true, x-sunset: '2999-06-01', ")),
            doc(&PETS.replace("get: {", "get: {deprecated: true, x-sunset: '2999-01-01', ")),
            "sunset 2999-06-01 → 2999-01-01",
        ),
        OperationStabilityDecreased => case(
            doc(&PETS.replace("get: {", "get: {x-stability-level: stable, ")),
            doc(&PETS.replace("get: {", "get: {x-stability-level: beta, ")),
            "stability `stable` → `beta`",
        ),
        WebhookRemoved => case(
            with_webhooks(NEW_PET),
            v31(doc(PETS)),
            "webhook `newPet` POST removed",
        ),
        WebhookAdded => case(
            v31(doc(PETS)),
            with_webhooks(NEW_PET),
            "new webhook `newPet` POST",
        ),
        CallbackRemoved => case(
            subscriptions(ON_EVENT),
            subscriptions(""),
            "callback `onEvent` POST {$request.body#/url} removed",
        ),
        CallbackAdded => case(
            subscriptions(""),
            subscriptions(ON_EVENT),
            "new callback `onEvent` POST",
        ),
        RequestParameterWireCompatible => case(
            params("[{name: id, in: query, schema: {type: string}}]"),
            params("[{name: id, in: query, schema: {type: array, items: {type: string}}}]"),
            "query parameter `id`: one value → an array",
        ),
        RequestPatternTightened => case(
            request(&str_prop("")),
            request(&str_prop(", pattern: '^[A-Z]+$'")),
            "`name`: pattern `^[A-Z]+$` added",
        ),
        RequestPatternLoosened => case(
            request(&str_prop(", pattern: '^(ab|cd)$'")),
            request(&str_prop(", pattern: '^(ab|cd|ef)$'")),
            "`name`: pattern `^(ab|cd)$` → `^(ab|cd|ef)$` (wider)",
        ),
        ResponsePatternTightened => case(
            response(&str_prop(", pattern: '^(ab|cd)$'")),
            response(&str_prop(", pattern: '^ab$'")),
            "`name`: pattern `^(ab|cd)$` → `^ab$` (narrower)",
        ),
        RequestConstraintTightened => case(
            v31(request("{type: array, items: {type: string}}")),
            v31(request(CONTAINS)),
            "`[contains]`: `contains` added",
        ),
        RequestConstraintLoosened => case(
            v31(request(CONTAINS)),
            v31(request("{type: array, items: {type: string}}")),
            "`[contains]`: `contains` removed",
        ),
        RequestConstraintChanged => case(v31(request(IF_A)), v31(request(IF_B)), "`if` changed"),
        ResponseConstraintTightened => case(
            v31(response("{type: array, items: {type: string}}")),
            v31(response(CONTAINS)),
            "`contains` added",
        ),
        ResponseConstraintLoosened => case(
            v31(response(CONTAINS)),
            v31(response("{type: array, items: {type: string}}")),
            "`contains` removed",
        ),
        ResponseConstraintChanged => case(v31(response(IF_A)), v31(response(IF_B)), "`if` changed"),
        RequestDefaultChanged => case(
            params("[{name: limit, in: query, schema: {type: integer, default: 10}}]"),
            params("[{name: limit, in: query, schema: {type: integer, default: 20}}]"),
            "query parameter `limit`: default 10 → 20",
        ),
        ResponseDefaultChanged => case(
            response(&str_prop(", default: active")),
            response(&str_prop(", default: pending")),
            "`name`: default \"active\" → \"pending\"",
        ),
        RequestDiscriminatorChanged => case(
            request(&discriminated(MAPPED)),
            request(&discriminated(CAT_ONLY)),
            "discriminator value `dog` removed",
        ),
        RequestDiscriminatorMappingAdded => case(
            request(&discriminated(CAT_ONLY)),
            request(&discriminated(MAPPED)),
            "discriminator value `dog` added",
        ),
        ResponseDiscriminatorChanged => case(
            response(&discriminated(MAPPED)),
            response(&discriminated(&MAPPED.replace("kind", "type"))),
            "discriminator property `kind` → `type`",
        ),
        ResponseDiscriminatorMappingAdded => case(
            response(&discriminated(CAT_ONLY)),
            response(&discriminated(MAPPED)),
            "discriminator value `dog` added",
        ),
        ResponseDiscriminatorMappingRemoved => case(
            response(&discriminated(MAPPED)),
            response(&discriminated(CAT_ONLY)),
            "discriminator value `dog` removed",
        ),
        RequestOneOfOverlapping => case(
            request(&kinds("[dog]")),
            request(&kinds("[dog, cat]")),
            "`oneOf` alternatives #0 and #1 may now both match one value",
        )
        .with(&[RequestEnumValueAdded]),
        ResponseOneOfOverlapping => case(
            response(&kinds("[dog]")),
            response(&kinds("[dog, cat]")),
            "`oneOf` alternatives #0 and #1 may now both match one value",
        )
        .with(&[ResponseEnumValueAdded]),
        RequestOneOfBecameAnyOf => case(
            request(&discriminated(MAPPED)),
            request(&discriminated(MAPPED).replace("oneOf", "anyOf")),
            "`oneOf` → `anyOf`",
        ),
        ResponseOneOfBecameAnyOf => case(
            response(&discriminated(MAPPED)),
            response(&discriminated(MAPPED).replace("oneOf", "anyOf")),
            "`oneOf` → `anyOf`",
        ),
        ResponseExtensibleEnumValueAdded => case(
            response(&str_prop(", x-extensible-enum: [a, b]")),
            response(&str_prop(", x-extensible-enum: [a, b, c]")),
            "`name`: x-extensible-enum values added: \"c\"",
        ),
        SecurityScopeAdded => case(
            secured(Some("[{bearer: [read]}]")),
            secured(Some("[{bearer: [read, write]}]")),
            "security bearer [read] → bearer [read, write]",
        ),
        SecurityScopeRemoved => case(
            secured(Some("[{bearer: [read, write]}]")),
            secured(Some("[{bearer: [read]}]")),
            "security bearer [read, write] → bearer [read]",
        ),
        SecurityOAuthFlowRemoved => case(
            oauth(TWO_FLOWS),
            oauth(ONE_FLOW),
            "security scheme `oauth`: flow `implicit` removed",
        ),
        SecurityOAuthFlowAdded => case(
            oauth(ONE_FLOW),
            oauth(TWO_FLOWS),
            "security scheme `oauth`: flow `implicit` added",
        ),
        SecurityOAuthUrlChanged => case(
            oauth(ONE_FLOW),
            oauth(&ONE_FLOW.replace("a.example/token", "b.example/token")),
            "flow `clientCredentials` tokenUrl `https://a.example/token` → `https://b.example/token`",
        ),
        SecurityOAuthScopeRemoved => case(
            oauth(ONE_FLOW),
            oauth(&ONE_FLOW.replace(", admin: a", "")),
            "flow `clientCredentials` no longer defines scope `admin`",
        ),
        PathRemoved => case(
            doc(&format!(
                "{PETS}  /owners:\n    get: {{responses: {{'200': {{description: ok}}}}}}\n"
            )),
            doc(PETS),
            "path `/owners` removed (GET)",
        ),
        OperationRemoved => case(
            doc(PETS),
            doc("  /pets:\n    get: {responses: {'200': {description: ok}}}\n"),
            "operation `DELETE /pets` removed",
        ),
        BasePathChanged => case(
            doc(PETS),
            doc(PETS).replace("pets.example/v1", "pets.example/v2"),
            "base path `/v1` → `/v2`",
        ),
        PathAdded => case(
            doc(PETS),
            doc(&format!(
                "{PETS}  /owners:\n    get: {{responses: {{'200': {{description: ok}}}}}}\n"
            )),
            "new path `/owners` (GET)",
        ),
        OperationAdded => case(
            doc("  /pets:\n    get: {responses: {'200': {description: ok}}}\n"),
            doc(PETS),
            "new operation `DELETE /pets`",
        ),
        OperationDeprecated => case(
            doc(PETS),
            doc(PETS).replace("get: {responses", "get: {deprecated: true, responses"),
            "operation deprecated",
        ),
        PathParameterRenamed => case(
            doc(
                "  /pets/{id}:\n    get: {parameters: [{name: id, in: path, required: true, schema: {type: integer}}], responses: {'200': {description: ok}}}\n",
            ),
            doc(
                "  /pets/{petId}:\n    get: {parameters: [{name: petId, in: path, required: true, schema: {type: integer}}], responses: {'200': {description: ok}}}\n",
            ),
            "path parameter `id` renamed `petId`",
        ),
        RequestParameterRequiredAdded => case(
            params("[]"),
            params("[{name: tenant, in: query, required: true, schema: {type: string}}]"),
            "new required query parameter `tenant`",
        ),
        RequestParameterBecameRequired => case(
            params("[{name: limit, in: query, schema: {type: integer}}]"),
            params("[{name: limit, in: query, required: true, schema: {type: integer}}]"),
            "query parameter `limit` became required",
        ),
        RequestParameterMoved => case(
            params("[{name: api_key, in: query, schema: {type: string}}]"),
            params("[{name: api_key, in: header, schema: {type: string}}]"),
            "parameter `api_key` moved from query to header",
        ),
        RequestParameterRenamed => case(
            params("[{name: q, in: query, schema: {type: string, maxLength: 50}}]"),
            params("[{name: query, in: query, schema: {type: string, maxLength: 50}}]"),
            "query parameter `q` renamed `query`",
        ),
        RequestParameterStyleChanged => case(
            params("[{name: tags, in: query, schema: {type: array, items: {type: string}}}]"),
            params(
                "[{name: tags, in: query, explode: false, schema: {type: array, items: {type: string}}}]",
            ),
            "query parameter `tags`: style Form exploded → Form",
        ),
        RequestParameterRemoved => case(
            params("[{name: sort, in: query, schema: {type: string}}]"),
            params("[]"),
            "query parameter `sort` removed",
        ),
        RequestParameterAdded => case(
            params("[]"),
            params("[{name: page, in: query, schema: {type: integer}}]"),
            "new optional query parameter `page`",
        ),
        RequestParameterBecameOptional => case(
            params("[{name: X-Tenant, in: header, required: true, schema: {type: string}}]"),
            params("[{name: X-Tenant, in: header, schema: {type: string}}]"),
            "header parameter `X-Tenant` became optional",
        ),
        RequestBodyRequiredAdded => case(
            body(None),
            body(Some(
                "{required: true, content: {application/json: {schema: {type: object}}}}",
            )),
            "a request body is now required",
        ),
        RequestBodyBecameRequired => case(
            body(Some(
                "{content: {application/json: {schema: {type: object}}}}",
            )),
            body(Some(
                "{required: true, content: {application/json: {schema: {type: object}}}}",
            )),
            "request body became required",
        ),
        RequestMediaTypeRemoved => case(
            body(Some(
                "{content: {application/json: {schema: {type: object}}, application/xml: {schema: {type: object}}}}",
            )),
            body(Some(
                "{content: {application/json: {schema: {type: object}}}}",
            )),
            "request body no longer accepts `application/xml`",
        ),
        RequestBodyRemoved => case(
            body(Some(
                "{content: {application/json: {schema: {type: object}}}}",
            )),
            body(None),
            "request body removed",
        ),
        RequestBodyAdded => case(
            body(None),
            body(Some(
                "{content: {application/json: {schema: {type: object}}}}",
            )),
            "new optional request body",
        ),
        RequestBodyBecameOptional => case(
            body(Some(
                "{required: true, content: {application/json: {schema: {type: object}}}}",
            )),
            body(Some(
                "{content: {application/json: {schema: {type: object}}}}",
            )),
            "request body became optional",
        ),
        RequestMediaTypeAdded => case(
            body(Some(
                "{content: {application/json: {schema: {type: object}}}}",
            )),
            body(Some(
                "{content: {application/json: {schema: {type: object}}, application/x-www-form-urlencoded: {schema: {type: object}}}}",
            )),
            "request body also accepts `application/x-www-form-urlencoded`",
        ),
        RequestTypeNarrowed => case(
            request(&num("")),
            request(&num("").replace("number", "integer")),
            "`age`: type number → integer",
        ),
        RequestNullableRemoved => case(
            request(&str_prop(", nullable: true")),
            request(&str_prop("")),
            "`name`: may no longer be null",
        ),
        RequestFormatChanged => case(
            request(&str_prop(", format: date-time")),
            request(&str_prop(", format: date")),
            "`name`: format `date-time` → `date`",
        ),
        RequestEnumValueRemoved => case(
            request(&str_prop(", enum: [open, closed, held]")),
            request(&str_prop(", enum: [open, closed]")),
            "`name`: enum values removed: \"held\"",
        ),
        RequestLimitTightened => case(
            request(&str_prop(", maxLength: 50")),
            request(&str_prop(", maxLength: 20")),
            "`name`: maxLength 50 → 20",
        ),
        RequestPatternChanged => case(
            request(&str_prop(", pattern: '^[A-Z]+$'")),
            request(&str_prop(", pattern: '^[A-Z0-9]{3}$'")),
            "`name`: pattern `^[A-Z]+$` → `^[A-Z0-9]{3}$`",
        ),
        RequestPropertyRequiredAdded => case(
            request(&str_prop("")),
            request(
                "{type: object, required: [owner], properties: {name: {type: string}, owner: {type: string}}}",
            ),
            "`owner`: new required property",
        ),
        RequestPropertyBecameRequired => case(
            request(&str_prop("")),
            request("{type: object, required: [name], properties: {name: {type: string}}}"),
            "`name`: became required",
        ),
        RequestAdditionalPropertiesClosed => case(
            request(&str_prop("")),
            request(
                "{type: object, additionalProperties: false, properties: {name: {type: string}}}",
            ),
            "properties not listed are now refused",
        ),
        RequestAlternativeRemoved => case(
            request(
                "{oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]}",
            ),
            request("{oneOf: [{$ref: '#/components/schemas/Cat'}]}"),
            "`oneOf` alternative `Dog` removed",
        ),
        RequestPropertyRemoved => case(
            request("{type: object, properties: {name: {type: string}, legacyId: {type: string}}}"),
            request(&str_prop("")),
            "`legacyId`: property removed",
        ),
        RequestTypeWidened => case(
            request(&num("").replace("number", "integer")),
            request(&num("")),
            "`age`: type integer → number",
        ),
        RequestNullableAdded => case(
            request(&str_prop("")),
            request(&str_prop(", nullable: true")),
            "`name`: may now be null",
        ),
        RequestFormatRemoved => case(
            request(&str_prop(", format: date")),
            request(&str_prop("")),
            "`name`: format `date` removed",
        ),
        RequestEnumValueAdded => case(
            request(&str_prop(", enum: [open, closed]")),
            request(&str_prop(", enum: [open, closed, held]")),
            "`name`: enum values added: \"held\"",
        ),
        RequestLimitLoosened => case(
            request(&num(", minimum: 18")),
            request(&num(", minimum: 16")),
            "`age`: lower bound >= 18 → >= 16",
        ),
        RequestPatternRemoved => case(
            request(&str_prop(", pattern: '^[A-Z]+$'")),
            request(&str_prop("")),
            "`name`: pattern `^[A-Z]+$` removed",
        ),
        RequestPropertyAdded => case(
            request(&str_prop("")),
            request("{type: object, properties: {name: {type: string}, nickname: {type: string}}}"),
            "`nickname`: new optional property",
        ),
        RequestPropertyBecameOptional => case(
            request("{type: object, required: [name], properties: {name: {type: string}}}"),
            request(&str_prop("")),
            "`name`: became optional",
        ),
        RequestAlternativeAdded => case(
            request("{oneOf: [{$ref: '#/components/schemas/Cat'}]}"),
            request(
                "{oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]}",
            ),
            "`oneOf` alternative `Dog` added",
        ),
        ResponseSuccessStatusRemoved => case(
            responses("{'200': {description: ok}, '201': {description: created}}"),
            responses("{'201': {description: created}}"),
            "response `200` removed",
        ),
        ResponseMediaTypeRemoved => case(
            responses(
                "{'200': {description: ok, content: {application/json: {schema: {type: object}}, application/xml: {schema: {type: object}}}}}",
            ),
            responses(
                "{'200': {description: ok, content: {application/json: {schema: {type: object}}}}}",
            ),
            "response 200 no longer offers `application/xml`",
        ),
        ResponseRequiredHeaderRemoved => case(
            responses(
                "{'200': {description: ok, headers: {X-Rate-Limit: {required: true, schema: {type: integer}}}}}",
            ),
            responses("{'200': {description: ok}}"),
            "response 200 header `X-Rate-Limit` removed",
        ),
        ResponseHeaderBecameOptional => case(
            responses(
                "{'200': {description: ok, headers: {ETag: {required: true, schema: {type: string}}}}}",
            ),
            responses("{'200': {description: ok, headers: {ETag: {schema: {type: string}}}}}"),
            "response 200 header `ETag` no longer required",
        ),
        ResponseStatusRemoved => case(
            responses("{'200': {description: ok}, '404': {description: missing}}"),
            responses("{'200': {description: ok}}"),
            "response `404` removed",
        ),
        ResponseHeaderRemoved => case(
            responses("{'200': {description: ok, headers: {X-Trace: {schema: {type: string}}}}}"),
            responses("{'200': {description: ok}}"),
            "response 200 header `X-Trace` removed",
        ),
        ResponseStatusAdded => case(
            responses("{'200': {description: ok}}"),
            responses("{'200': {description: ok}, '429': {description: slow down}}"),
            "new response `429`",
        ),
        ResponseMediaTypeAdded => case(
            responses(
                "{'200': {description: ok, content: {application/json: {schema: {type: object}}}}}",
            ),
            responses(
                "{'200': {description: ok, content: {application/json: {schema: {type: object}}, text/csv: {schema: {type: string}}}}}",
            ),
            "response 200 also offers `text/csv`",
        ),
        ResponseHeaderAdded => case(
            responses("{'200': {description: ok}}"),
            responses(
                "{'200': {description: ok, headers: {X-Request-Id: {schema: {type: string}}}}}",
            ),
            "response 200 has a new header `X-Request-Id`",
        ),
        ResponseTypeWidened => case(
            response(&num("").replace("number", "integer")),
            response(&num("")),
            "`age`: type integer → number",
        ),
        ResponseNullableAdded => case(
            response(&str_prop("")),
            response(&str_prop(", nullable: true")),
            "`name`: may now be null",
        ),
        ResponseEnumValueAdded => case(
            response(&str_prop(", enum: [open, closed]")),
            response(&str_prop(", enum: [open, closed, archived]")),
            "`name`: enum values added: \"archived\"",
        ),
        ResponseRequiredPropertyRemoved => case(
            response(
                "{type: object, required: [name], properties: {name: {type: string}, id: {type: integer}}}",
            ),
            response("{type: object, properties: {id: {type: integer}}}"),
            "`name`: required property removed",
        ),
        ResponsePropertyBecameOptional => case(
            response("{type: object, required: [name], properties: {name: {type: string}}}"),
            response(&str_prop("")),
            "`name`: no longer required",
        ),
        ResponseFormatChanged => case(
            response(&str_prop(", format: date-time")),
            response(&str_prop(", format: date")),
            "`name`: format `date-time` → `date`",
        ),
        ResponseLimitLoosened => case(
            response(&str_prop(", maxLength: 20")),
            response(&str_prop(", maxLength: 50")),
            "`name`: maxLength 20 → 50",
        ),
        ResponsePatternChanged => case(
            response(&str_prop(", pattern: '^[A-Z]+$'")),
            response(&str_prop(", pattern: '^[a-z]+$'")),
            "`name`: pattern `^[A-Z]+$` → `^[a-z]+$`",
        ),
        ResponsePropertyRemoved => case(
            response(
                "{type: object, properties: {name: {type: string}, nickname: {type: string}}}",
            ),
            response(&str_prop("")),
            "`nickname`: optional property removed",
        ),
        ResponseAlternativeAdded => case(
            response("{anyOf: [{$ref: '#/components/schemas/Cat'}]}"),
            response(
                "{anyOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]}",
            ),
            "`anyOf` alternative `Dog` added",
        ),
        ResponseTypeNarrowed => case(
            response(&num("")),
            response(&num("").replace("number", "integer")),
            "`age`: type number → integer",
        ),
        ResponseNullableRemoved => case(
            response(&str_prop(", nullable: true")),
            response(&str_prop("")),
            "`name`: may no longer be null",
        ),
        ResponseFormatAdded => case(
            response(&str_prop("")),
            response(&str_prop(", format: date-time")),
            "`name`: format `date-time` added",
        ),
        ResponseEnumValueRemoved => case(
            response(&str_prop(", enum: [open, closed, held]")),
            response(&str_prop(", enum: [open, closed]")),
            "`name`: enum values removed: \"held\"",
        ),
        ResponseLimitTightened => case(
            response(&num(", maximum: 120")),
            response(&num(", exclusiveMaximum: 120")),
            "`age`: upper bound <= 120 → < 120",
        ),
        ResponsePatternAdded => case(
            response(&str_prop("")),
            response(&str_prop(", pattern: '^[A-Z]+$'")),
            "`name`: pattern `^[A-Z]+$` added",
        ),
        ResponsePropertyAdded => case(
            response(&str_prop("")),
            response(
                "{type: object, properties: {name: {type: string}, nickname: {type: string}}}",
            ),
            "`nickname`: new property",
        ),
        ResponsePropertyBecameRequired => case(
            response(&str_prop("")),
            response("{type: object, required: [name], properties: {name: {type: string}}}"),
            "`name`: became required",
        ),
        ResponseAlternativeRemoved => case(
            response(
                "{anyOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]}",
            ),
            response("{anyOf: [{$ref: '#/components/schemas/Cat'}]}"),
            "`anyOf` alternative `Dog` removed",
        ),
        SecurityRequirementAdded => case(
            secured(None),
            secured(Some("[{bearer: []}]")),
            "security none → bearer",
        ),
        SecuritySchemeChanged => case(
            secured(Some("[{key: []}]")),
            secured(Some("[{key: []}]")).replace("in: header, name: X-Key", "in: query, name: key"),
            "security scheme `key`: API key header `X-Key` → query `key`",
        ),
        SecurityRequirementRemoved => case(
            secured(Some("[{bearer: []}]")),
            secured(Some("[{bearer: []}, {key: []}]")),
            "security bearer → bearer or key",
        ),
        SchemaTooDeep => {
            // 70 nested objects; only the innermost type changes.
            let nested = |leaf: &str| {
                let mut s = format!("{{type: {leaf}}}");
                for _ in 0..70 {
                    s = format!("{{type: object, properties: {{a: {s}}}}}");
                }
                s
            };
            case(
                response(&nested("integer")),
                response(&nested("string")),
                "nested deeper than 64 levels",
            )
        }
    }
}

/// Diffs the rule's case and checks the change: its level, its message, that it points into
/// both versions with a line and column, and that nothing unexpected comes with it.
fn check_rule(rule: Rule) {
    let case = case_for(rule);
    let old = load_text("old.yaml", &case.old);
    let new = load_text("new.yaml", &case.new);
    let changes = diff::diff(&old, &new);
    let found: Vec<&Change> = changes.iter().filter(|c| c.rule == rule).collect();
    assert_eq!(
        found.len(),
        1,
        "one {rule} expected, got:\n{}",
        show(&changes)
    );
    let change = found[0];
    assert_eq!(change.level(), rule.level());
    assert!(
        change.message.contains(case.message),
        "{rule}: the message {:?} should contain {:?}",
        change.message,
        case.message
    );
    for (place, file) in [(&change.old, "old.yaml"), (&change.new, "new.yaml")] {
        let place = place
            .as_ref()
            .unwrap_or_else(|| panic!("{rule}: no place in {file}"));
        assert_eq!(place.file, file, "{rule}");
        let at = place.position.expect("a line and column");
        assert!(at.line >= 1 && at.column >= 1, "{rule}: {place}");
    }
    let unexpected: Vec<&Change> = changes
        .iter()
        .filter(|c| c.rule != rule && !case.also.contains(&c.rule))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{rule}: only it was expected, also got:\n{}",
        show(&changes)
    );
    // The reverse edit is a different change (or none), never the same one.
    let back = diff::diff(&new, &old);
    assert!(
        !back.iter().any(|c| c.rule == rule)
            || matches!(
                rule,
                Rule::RequestParameterMoved
                    | Rule::RequestParameterRenamed
                    | Rule::PathParameterRenamed
                    | Rule::BasePathChanged
                    | Rule::SecuritySchemeChanged
                    | Rule::RequestFormatChanged
                    | Rule::ResponseFormatChanged
                    | Rule::RequestPatternChanged
                    | Rule::ResponsePatternChanged
                    | Rule::RequestParameterStyleChanged
                    | Rule::RequestConstraintChanged
                    | Rule::ResponseConstraintChanged
                    | Rule::RequestDefaultChanged
                    | Rule::ResponseDefaultChanged
                    | Rule::ResponseDiscriminatorChanged
                    | Rule::SecurityOAuthUrlChanged
                    | Rule::SchemaTooDeep
            ),
        "{rule} reported both ways:\n{}",
        show(&back)
    );
}

macro_rules! rule_tests {
    ($($name:ident: $rule:ident,)*) => {
        $(
            #[test]
            fn $name() {
                check_rule(Rule::$rule);
            }
        )*

        #[test]
        fn every_rule_has_its_own_test() {
            let tested = [$(Rule::$rule),*];
            for rule in Rule::ALL {
                assert!(tested.contains(rule), "no test for {rule}");
            }
        }
    };
}

rule_tests! {
    path_removed: PathRemoved,
    operation_removed: OperationRemoved,
    base_path_changed: BasePathChanged,
    path_added: PathAdded,
    operation_added: OperationAdded,
    operation_deprecated: OperationDeprecated,
    path_parameter_renamed: PathParameterRenamed,
    request_parameter_required_added: RequestParameterRequiredAdded,
    request_parameter_became_required: RequestParameterBecameRequired,
    request_parameter_moved: RequestParameterMoved,
    request_parameter_renamed: RequestParameterRenamed,
    request_parameter_style_changed: RequestParameterStyleChanged,
    request_parameter_removed: RequestParameterRemoved,
    request_parameter_added: RequestParameterAdded,
    request_parameter_became_optional: RequestParameterBecameOptional,
    request_body_required_added: RequestBodyRequiredAdded,
    request_body_became_required: RequestBodyBecameRequired,
    request_media_type_removed: RequestMediaTypeRemoved,
    request_body_removed: RequestBodyRemoved,
    request_body_added: RequestBodyAdded,
    request_body_became_optional: RequestBodyBecameOptional,
    request_media_type_added: RequestMediaTypeAdded,
    request_type_narrowed: RequestTypeNarrowed,
    request_nullable_removed: RequestNullableRemoved,
    request_format_changed: RequestFormatChanged,
    request_enum_value_removed: RequestEnumValueRemoved,
    request_limit_tightened: RequestLimitTightened,
    request_pattern_changed: RequestPatternChanged,
    request_property_required_added: RequestPropertyRequiredAdded,
    request_property_became_required: RequestPropertyBecameRequired,
    request_additional_properties_closed: RequestAdditionalPropertiesClosed,
    request_alternative_removed: RequestAlternativeRemoved,
    request_property_removed: RequestPropertyRemoved,
    request_type_widened: RequestTypeWidened,
    request_nullable_added: RequestNullableAdded,
    request_format_removed: RequestFormatRemoved,
    request_enum_value_added: RequestEnumValueAdded,
    request_limit_loosened: RequestLimitLoosened,
    request_pattern_removed: RequestPatternRemoved,
    request_property_added: RequestPropertyAdded,
    request_property_became_optional: RequestPropertyBecameOptional,
    request_alternative_added: RequestAlternativeAdded,
    response_success_status_removed: ResponseSuccessStatusRemoved,
    response_media_type_removed: ResponseMediaTypeRemoved,
    response_required_header_removed: ResponseRequiredHeaderRemoved,
    response_header_became_optional: ResponseHeaderBecameOptional,
    response_status_removed: ResponseStatusRemoved,
    response_header_removed: ResponseHeaderRemoved,
    response_status_added: ResponseStatusAdded,
    response_media_type_added: ResponseMediaTypeAdded,
    response_header_added: ResponseHeaderAdded,
    response_type_widened: ResponseTypeWidened,
    response_nullable_added: ResponseNullableAdded,
    response_enum_value_added: ResponseEnumValueAdded,
    response_required_property_removed: ResponseRequiredPropertyRemoved,
    response_property_became_optional: ResponsePropertyBecameOptional,
    response_format_changed: ResponseFormatChanged,
    response_limit_loosened: ResponseLimitLoosened,
    response_pattern_changed: ResponsePatternChanged,
    response_property_removed: ResponsePropertyRemoved,
    response_alternative_added: ResponseAlternativeAdded,
    response_type_narrowed: ResponseTypeNarrowed,
    response_nullable_removed: ResponseNullableRemoved,
    response_format_added: ResponseFormatAdded,
    response_enum_value_removed: ResponseEnumValueRemoved,
    response_limit_tightened: ResponseLimitTightened,
    response_pattern_added: ResponsePatternAdded,
    response_property_added: ResponsePropertyAdded,
    response_property_became_required: ResponsePropertyBecameRequired,
    response_alternative_removed: ResponseAlternativeRemoved,
    security_requirement_added: SecurityRequirementAdded,
    security_scheme_changed: SecuritySchemeChanged,
    security_requirement_removed: SecurityRequirementRemoved,
    operation_removed_before_sunset: OperationRemovedBeforeSunset,
    deprecated_operation_removed: DeprecatedOperationRemoved,
    operation_sunset_too_soon: OperationSunsetTooSoon,
    operation_sunset_moved_earlier: OperationSunsetMovedEarlier,
    operation_stability_decreased: OperationStabilityDecreased,
    webhook_removed: WebhookRemoved,
    webhook_added: WebhookAdded,
    callback_removed: CallbackRemoved,
    callback_added: CallbackAdded,
    request_parameter_wire_compatible: RequestParameterWireCompatible,
    request_pattern_tightened: RequestPatternTightened,
    request_pattern_loosened: RequestPatternLoosened,
    response_pattern_tightened: ResponsePatternTightened,
    request_constraint_tightened: RequestConstraintTightened,
    request_constraint_loosened: RequestConstraintLoosened,
    request_constraint_changed: RequestConstraintChanged,
    response_constraint_tightened: ResponseConstraintTightened,
    response_constraint_loosened: ResponseConstraintLoosened,
    response_constraint_changed: ResponseConstraintChanged,
    request_default_changed: RequestDefaultChanged,
    response_default_changed: ResponseDefaultChanged,
    request_discriminator_changed: RequestDiscriminatorChanged,
    request_discriminator_mapping_added: RequestDiscriminatorMappingAdded,
    response_discriminator_changed: ResponseDiscriminatorChanged,
    response_discriminator_mapping_added: ResponseDiscriminatorMappingAdded,
    response_discriminator_mapping_removed: ResponseDiscriminatorMappingRemoved,
    request_one_of_overlapping: RequestOneOfOverlapping,
    response_one_of_overlapping: ResponseOneOfOverlapping,
    request_one_of_became_any_of: RequestOneOfBecameAnyOf,
    response_one_of_became_any_of: ResponseOneOfBecameAnyOf,
    response_extensible_enum_value_added: ResponseExtensibleEnumValueAdded,
    security_scope_added: SecurityScopeAdded,
    security_scope_removed: SecurityScopeRemoved,
    security_oauth_flow_removed: SecurityOAuthFlowRemoved,
    security_oauth_flow_added: SecurityOAuthFlowAdded,
    security_oauth_url_changed: SecurityOAuthUrlChanged,
    security_oauth_scope_removed: SecurityOAuthScopeRemoved,
    schema_too_deep: SchemaTooDeep,
}

#[test]
fn every_rule_is_documented_in_the_readme_with_its_level() {
    let readme = std::fs::read_to_string(repo().join("docs/commands.md")).unwrap();
    for rule in Rule::ALL {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", rule.id())))
            .unwrap_or_else(|| panic!("docs/commands.md has no row for {rule}"));
        assert!(
            row.contains(&format!("| {} |", rule.level().id())),
            "docs/commands.md gives {rule} another level: {row}"
        );
    }
}

// ---- Schemas that change shape without changing meaning are no change.

#[test]
fn a_nullable_written_three_ways_is_the_same() {
    let v30 = request("{type: object, properties: {name: {type: string, nullable: true}}}");
    let v31 = request("{type: object, properties: {name: {type: [string, 'null']}}}")
        .replace("openapi: 3.0.3", "openapi: 3.1.0");
    let old = load_text("old.yaml", &v30);
    let new = load_text("new.yaml", &v31);
    let changes = diff::diff(&old, &new);
    assert!(changes.is_empty(), "{}", show(&changes));
}

#[test]
fn an_object_refactored_into_all_of_is_the_same() {
    let flat = response(
        "{type: object, required: [meow], properties: {meow: {type: boolean}, name: {type: string}}}",
    );
    let composed = response(
        "{allOf: [{$ref: '#/components/schemas/Cat'}, {type: object, required: [meow], properties: {name: {type: string}}}]}",
    );
    let changes = diff::diff(
        &load_text("old.yaml", &flat),
        &load_text("new.yaml", &composed),
    );
    assert!(changes.is_empty(), "{}", show(&changes));
}

#[test]
fn recursive_schemas_end() {
    let tree = |extra: &str| {
        doc("  /trees:\n    get:\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Tree'}}}}}\n")
            .replace("  schemas:\n", &format!("  schemas:\n    Tree: {{type: object, properties: {{name: {{type: string{extra}}}, children: {{type: array, items: {{$ref: '#/components/schemas/Tree'}}}}}}}}\n"))
    };
    let changes = diff::diff(
        &load_text("old.yaml", &tree("")),
        &load_text("new.yaml", &tree(", maxLength: 9")),
    );
    let rules: Vec<Rule> = changes.iter().map(|c| c.rule).collect();
    assert_eq!(rules, [Rule::ResponseLimitTightened], "{}", show(&changes));
    assert_eq!(
        changes[0].message,
        "response 200 (application/json) `name`: maxLength 9 added"
    );
}

#[test]
fn read_only_properties_do_not_count_in_requests() {
    let old = request(
        "{type: object, properties: {id: {type: string, readOnly: true}, name: {type: string}}}",
    );
    let new = request(
        "{type: object, properties: {id: {type: string, readOnly: true, maxLength: 5}, name: {type: string}}}",
    );
    let changes = diff::diff(&load_text("old.yaml", &old), &load_text("new.yaml", &new));
    assert!(changes.is_empty(), "{}", show(&changes));
}

#[test]
fn int32_to_int64_is_a_loosened_range_not_a_format_change() {
    let changes = diff::diff(
        &load_text("old.yaml", &request("{type: integer, format: int32}")),
        &load_text("new.yaml", &request("{type: integer, format: int64}")),
    );
    let rules: Vec<Rule> = changes.iter().map(|c| c.rule).collect();
    assert_eq!(
        rules,
        [Rule::RequestLimitLoosened, Rule::RequestLimitLoosened],
        "{}",
        show(&changes)
    );
}

// ---- Fixture pairs: locations in both files.

fn fixture_diff(old: &str, new: &str) -> (Spec, Spec, Vec<Change>) {
    let (old, new) = (load(old), load(new));
    let changes = diff::diff(&old, &new);
    (old, new, changes)
}

fn find<'a>(changes: &'a [Change], rule: Rule, operation: &str) -> &'a Change {
    changes
        .iter()
        .find(|c| c.rule == rule && c.operation.as_deref() == Some(operation))
        .unwrap_or_else(|| panic!("no {rule} on {operation}:\n{}", show(changes)))
}

fn assert_place(
    place: &Option<stipula::spec::Place>,
    file: &str,
    line: usize,
    column: usize,
    pointer: &str,
) {
    let place = place.as_ref().expect("a place");
    assert_eq!(place.file, fixture_name(file));
    assert_eq!(place.pointer, pointer);
    let at = place.position.expect("a position");
    assert_eq!((at.line, at.column), (line, column), "{place}");
}

#[test]
fn fusionauth_edited_every_change_with_both_locations() {
    let (_, _, changes) = fixture_diff("diff/fusionauth-old.yaml", "diff/fusionauth-new.yaml");
    let removed = find(&changes, Rule::OperationRemoved, "GET /api/consent");
    assert_place(
        &removed.old,
        "diff/fusionauth-old.yaml",
        63,
        5,
        "/paths/~1api~1consent/get",
    );
    assert_place(
        &removed.new,
        "diff/fusionauth-new.yaml",
        41,
        3,
        "/paths/~1api~1consent",
    );
    let max = find(&changes, Rule::RequestLimitTightened, "POST /api/consent");
    assert_eq!(
        max.message,
        "request body (application/json) `consent.name`: maxLength 100 added"
    );
    assert_place(
        &max.old,
        "diff/fusionauth-old.yaml",
        575,
        9,
        "/components/schemas/Consent/properties/name",
    );
    assert_place(
        &max.new,
        "diff/fusionauth-new.yaml",
        541,
        9,
        "/components/schemas/Consent/properties/name",
    );
    let required = find(
        &changes,
        Rule::RequestPropertyBecameRequired,
        "PUT /api/consent/{id}",
    );
    assert_place(
        &required.new,
        "diff/fusionauth-new.yaml",
        545,
        9,
        "/components/schemas/Consent/properties/values",
    );
    let renamed = find(
        &changes,
        Rule::PathParameterRenamed,
        "DELETE /api/consent/{id}",
    );
    assert_place(
        &renamed.old,
        "diff/fusionauth-old.yaml",
        253,
        11,
        "/paths/~1api~1consent~1{consentId}/delete/parameters/0",
    );
    let gone = find(
        &changes,
        Rule::ResponsePropertyRemoved,
        "GET /api/consent/{id}",
    );
    assert_eq!(gone.level(), Level::PotentiallyBreaking);
    assert_place(
        &gone.old,
        "diff/fusionauth-old.yaml",
        568,
        9,
        "/components/schemas/Consent/properties/multipleValuesAllowed",
    );
    // The same schema in a response is the safe direction.
    assert_eq!(
        find(
            &changes,
            Rule::ResponseLimitTightened,
            "GET /api/consent/{id}"
        )
        .level(),
        Level::Safe
    );
    // PATCH bodies use ConsentPatch, which did not change.
    assert!(
        !changes.iter().any(
            |c| c.operation.as_deref() == Some("PATCH /api/consent/{id}")
                && c.message.starts_with("request")
        ),
        "{}",
        show(&changes)
    );
    let [(_, breaking), (_, potentially), (_, safe)] = diff::counts(&changes);
    assert_eq!(
        (breaking, potentially, safe),
        (7, 12, 23),
        "{}",
        show(&changes)
    );
}

#[test]
fn swagger2_against_its_openapi_31_translation() {
    // The 3.1 file says what the 2.0 file says, plus three edits.
    let (_, _, changes) = fixture_diff("diff/pets-v20.yaml", "diff/pets-v31.yaml");
    let rules: Vec<(Rule, &str)> = changes
        .iter()
        .map(|c| (c.rule, c.operation.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        rules,
        [
            (Rule::RequestParameterRequiredAdded, "GET /pets"),
            (Rule::ResponseNullableAdded, "GET /pets"),
            (Rule::RequestEnumValueRemoved, "POST /pets"),
        ],
        "{}",
        show(&changes)
    );
    let nullable = &changes[1];
    assert_place(
        &nullable.old,
        "diff/pets-v20.yaml",
        48,
        7,
        "/definitions/Pet/properties/tag",
    );
    assert_place(
        &nullable.new,
        "diff/pets-v31.yaml",
        54,
        9,
        "/components/schemas/Pet/properties/tag",
    );
}

#[test]
fn one_file_against_many_compares_the_model() {
    let (_, _, changes) = fixture_diff("diff/multi-old/api.yaml", "diff/multi-new/api.yaml");
    assert_eq!(changes.len(), 1, "{}", show(&changes));
    let c = &changes[0];
    assert_eq!(c.rule, Rule::ResponseEnumValueAdded);
    assert_place(
        &c.old,
        "diff/multi-old/api.yaml",
        27,
        9,
        "/components/schemas/Pet/properties/status",
    );
    assert_place(
        &c.new,
        "diff/multi-new/schemas/pet.yaml",
        6,
        3,
        "/properties/status",
    );
}

// ---- Outputs, exit codes, --fail-on.

const FA_OLD: &str = "tests/fixtures/diff/fusionauth-old.yaml";
const FA_NEW: &str = "tests/fixtures/diff/fusionauth-new.yaml";

#[test]
fn json_output_is_parsed_and_agrees_with_the_rules_table() {
    let run = stipula(&["diff", FA_OLD, FA_NEW, "--format", "json"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["old"]["version"], "1.12.0");
    assert_eq!(report["new"]["version"], "1.13.0");
    assert_eq!(report["new"]["file"], FA_NEW);
    let changes = report["changes"].as_array().unwrap();
    for level in ["breaking", "potentially-breaking", "safe"] {
        let n = changes.iter().filter(|c| c["level"] == level).count();
        assert_eq!(report["summary"][level], n, "{level}");
    }
    assert_eq!(changes.len(), 42);
    for c in changes {
        let rule = Rule::from_id(c["rule"].as_str().unwrap()).expect("a known rule");
        assert_eq!(c["level"], rule.level().id());
        for side in ["old", "new"] {
            assert!(c[side]["line"].as_u64().unwrap() >= 1, "{c}");
            assert!(c[side]["pointer"].is_string(), "{c}");
        }
    }
    let first = &changes[0];
    assert_eq!(first["rule"], "operation-removed");
    assert_eq!(first["operation"], "GET /api/consent");
    assert_eq!(first["old"]["file"], FA_OLD);
    assert_eq!(
        (
            first["old"]["line"].as_u64(),
            first["old"]["column"].as_u64()
        ),
        (Some(63), Some(5))
    );
    assert_eq!(first["old"]["pointer"], "/paths/~1api~1consent/get");
}

#[test]
fn markdown_output_is_a_pull_request_comment() {
    let run = stipula(&["diff", FA_OLD, FA_NEW, "--format", "markdown"]);
    assert_eq!(run.code, Some(1));
    let md = run.stdout;
    assert!(
        md.starts_with("## API changes: FusionAuth Consent APIs 1.12.0 → 1.13.0\n"),
        "{md}"
    );
    assert!(
        md.contains("| Breaking | 7 |\n| Potentially breaking | 12 |\n| Safe | 23 |\n"),
        "{md}"
    );
    assert!(
        md.contains("### Breaking (7)\n\n| Rule | Operation | Change | Old | New |"),
        "{md}"
    );
    assert!(md.contains(&format!("| `operation-removed` | GET /api/consent | operation `GET /api/consent` removed | {FA_OLD}:63:5 | {FA_NEW}:41:3 |")), "{md}");
    assert!(md.contains("### Safe (23)"), "{md}");
    // Sections come in order of severity.
    let (b, p, s) = (
        md.find("### Breaking").unwrap(),
        md.find("### Potentially").unwrap(),
        md.find("### Safe").unwrap(),
    );
    assert!(b < p && p < s);
}

#[test]
fn human_output_names_both_places() {
    let run = stipula(&["diff", FA_OLD, FA_NEW]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains(&format!("breaking: operation-removed GET /api/consent: operation `GET /api/consent` removed\n    old: {FA_OLD}:63:5 (#/paths/~1api~1consent/get)\n    new: {FA_NEW}:41:3 (#/paths/~1api~1consent)\n")), "{}", run.stdout);
    assert!(
        run.stdout
            .ends_with("42 changes: 7 breaking, 12 potentially breaking, 23 safe\n"),
        "{}",
        run.stdout
    );
}

/// Writes a case's two versions to files and runs `stipula diff` on them.
fn run_case(rule: Rule, extra: &[&str]) -> Run {
    let case = case_for(rule);
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
    std::fs::write(&old, &case.old).unwrap();
    std::fs::write(&new, &case.new).unwrap();
    let mut args = vec!["diff", old.to_str().unwrap(), new.to_str().unwrap()];
    args.extend_from_slice(extra);
    stipula(&args)
}

#[test]
fn fail_on_sets_the_level_that_exits_1() {
    // A safe change: exit 0 unless asked to fail on safe changes.
    assert_eq!(run_case(Rule::RequestParameterAdded, &[]).code, Some(0));
    assert_eq!(
        run_case(
            Rule::RequestParameterAdded,
            &["--fail-on", "potentially-breaking"]
        )
        .code,
        Some(0)
    );
    assert_eq!(
        run_case(Rule::RequestParameterAdded, &["--fail-on", "safe"]).code,
        Some(1)
    );
    // A potentially breaking change.
    assert_eq!(run_case(Rule::RequestParameterRemoved, &[]).code, Some(0));
    assert_eq!(
        run_case(
            Rule::RequestParameterRemoved,
            &["--fail-on", "potentially-breaking"]
        )
        .code,
        Some(1)
    );
    // A breaking one fails at every level.
    for level in ["breaking", "potentially-breaking", "safe"] {
        assert_eq!(
            run_case(Rule::OperationRemoved, &["--fail-on", level]).code,
            Some(1),
            "{level}"
        );
    }
    // No change at all never fails.
    let run = stipula(&["diff", FA_OLD, FA_OLD, "--fail-on", "safe"]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.ends_with("no changes\n"), "{}", run.stdout);
}

#[test]
fn a_spec_that_cannot_be_loaded_or_bad_arguments_exit_2() {
    let run = stipula(&[
        "diff",
        FA_OLD,
        "tests/fixtures/broken/missing-component.yaml",
    ]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("tests/fixtures/broken/missing-component.yaml:14:17"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    let run = stipula(&["diff", "no/such/old.yaml", FA_NEW]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("no/such/old.yaml"), "{}", run.stderr);
    assert_eq!(
        stipula(&["diff", FA_OLD, FA_NEW, "--format", "xml"]).code,
        Some(2)
    );
    assert_eq!(
        stipula(&["diff", FA_OLD, FA_NEW, "--fail-on", "sometimes"]).code,
        Some(2)
    );
    assert_eq!(stipula(&["diff", FA_OLD]).code, Some(2));
}

// ---- Baselines ----

/// `GET /pets` with `limit` and `sort` (whose enum is `sort_enum`), and `tenant` first when
/// `tenant` is set.
fn listing(tenant: bool, sort_enum: &str) -> String {
    let tenant = if tenant {
        "{name: tenant, in: query, required: true, schema: {type: string}}, "
    } else {
        ""
    };
    params(&format!(
        "[{tenant}{{name: limit, in: query, schema: {{type: integer}}}}, {{name: sort, in: query, schema: {{type: string, enum: [{sort_enum}]}}}}]"
    ))
}

/// `stipula diff old.yaml new.yaml` in `dir`, checked for its exit code.
fn diff_at(dir: &Path, extra: &[&str], expected_code: i32) -> Run {
    let mut args = vec!["diff", "old.yaml", "new.yaml"];
    args.extend_from_slice(extra);
    let run = stipula_at(dir, &args);
    assert_eq!(
        run.code,
        Some(expected_code),
        "stipula {args:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run
}

#[test]
fn a_baseline_accepts_known_breaking_changes_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let old = listing(false, "name, age, id");
    let new = listing(true, "name, age, id");
    std::fs::write(dir.path().join("old.yaml"), &old).unwrap();
    std::fs::write(dir.path().join("new.yaml"), &new).unwrap();
    diff_at(dir.path(), &["--write-baseline", "b.json"], 1);
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(baseline["tool"], "stipula diff");
    let accepted = baseline["accepted"].as_array().unwrap();
    assert_eq!(accepted.len(), 1, "{baseline:#}");
    assert_eq!(accepted[0]["rule"], "request-parameter-required-added");
    assert_eq!(accepted[0]["place"], "GET /pets");

    let run = diff_at(dir.path(), &["--baseline", "b.json"], 0);
    assert!(
        run.stdout.contains(
            "breaking: request-parameter-required-added GET /pets: new required query parameter `tenant` (accepted by the baseline)\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "1 changes: 1 breaking, 0 potentially breaking, 0 safe (1 accepted by the baseline)\n"
        ),
        "{}",
        run.stdout
    );
    // Lines shifted and the parameter moved to the end: the same change, still accepted.
    let moved = new.replace(
        "{name: tenant, in: query, required: true, schema: {type: string}}, ",
        "",
    );
    let moved = moved.replace(
        "schema: {type: string, enum: [name, age, id]}}]",
        "schema: {type: string, enum: [name, age, id]}}, {name: tenant, in: query, required: true, schema: {type: string}}]",
    );
    assert_ne!(moved, new);
    std::fs::write(dir.path().join("new.yaml"), format!("# v2\n\n{moved}")).unwrap();
    diff_at(dir.path(), &["--baseline", "b.json"], 0);

    // A new breaking change fails, and only it.
    std::fs::write(
        dir.path().join("new.yaml"),
        format!(
            "# v2\n\n{}",
            moved.replace("[name, age, id]", "[name, age]")
        ),
    )
    .unwrap();
    let run = diff_at(dir.path(), &["--baseline", "b.json", "--format", "json"], 1);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let open: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["baselined"] != true)
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert_eq!(open, ["request-enum-value-removed"], "{report:#}");
    assert_eq!(report["baselined"], 1);
    let run = diff_at(
        dir.path(),
        &["--baseline", "b.json", "--format", "junit"],
        1,
    );
    assert_eq!(run.stdout.matches("<failure").count(), 1, "{}", run.stdout);
    let run = diff_at(
        dir.path(),
        &["--baseline", "b.json", "--format", "github"],
        1,
    );
    assert!(
        run.stdout.contains("::notice ") && run.stdout.contains("::error "),
        "{}",
        run.stdout
    );
    // `--fail-on` still applies to what is not accepted.
    std::fs::write(dir.path().join("new.yaml"), &new).unwrap();
    diff_at(
        dir.path(),
        &["--baseline", "b.json", "--fail-on", "safe"],
        0,
    );

    // A wrong file is exit 2.
    std::fs::write(dir.path().join("bad.yaml"), "format: one\n").unwrap();
    let run = diff_at(dir.path(), &["--baseline", "bad.yaml"], 2);
    assert!(
        run.stderr
            .contains("--baseline bad.yaml: not a stipula baseline file"),
        "{}",
        run.stderr
    );
}

#[test]
fn lint_and_diff_share_one_baseline_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("lint/values.yaml"), dir.path().join("api.yaml")).unwrap();
    std::fs::write(dir.path().join("old.yaml"), listing(false, "name")).unwrap();
    std::fs::write(dir.path().join("new.yaml"), listing(true, "name")).unwrap();
    let lint = |args: &[&str]| {
        let mut all = vec!["lint", "api.yaml"];
        all.extend_from_slice(args);
        stipula_at(dir.path(), &all)
    };
    assert_eq!(lint(&["--write-baseline", "b.json"]).code, Some(1));
    diff_at(dir.path(), &["--write-baseline", "b.json"], 1);
    // Each tool wrote its own entries and kept the other's.
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    let mut tools: Vec<&str> = baseline["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["tool"].as_str().unwrap())
        .collect();
    tools.dedup();
    assert_eq!(tools, ["stipula diff", "stipula lint"], "{baseline:#}");
    assert_eq!(lint(&["--baseline", "b.json"]).code, Some(0));
    diff_at(dir.path(), &["--baseline", "b.json"], 0);

    // Another tool's file accepts nothing here, and a note says so.
    diff_at(dir.path(), &["--write-baseline", "diff-only.json"], 1);
    let run = lint(&["--baseline", "diff-only.json"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains(
            "note: the baseline diff-only.json holds no entries of `stipula lint` (written by `stipula diff`)"
        ),
        "{}",
        run.stderr
    );
}

// ---- Self-diffs: a spec against itself has no changes.

fn assert_no_self_changes(path: &Path) {
    let a = Spec::load(path, LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let b = Spec::load(path, LoadOptions::default()).unwrap();
    let changes = diff::diff(&a, &b);
    assert!(
        changes.is_empty(),
        "{}:\n{}",
        path.display(),
        show(&changes)
    );
}

#[test]
fn every_bundled_and_fixture_spec_against_itself_has_no_changes() {
    let mut count = 0;
    for dir in [
        "specs",
        "tests/fixtures/swagger2",
        "tests/fixtures/features30",
        "tests/fixtures/formats",
        "tests/fixtures/conversion",
        "tests/fixtures/cycles",
        "tests/fixtures/mock",
        "tests/fixtures/diff",
        "tests/fixtures/multi",
    ] {
        for path in stipula::spec::discover(&repo().join(dir)).unwrap() {
            if Spec::load(&path, LoadOptions::default()).is_ok() {
                assert_no_self_changes(&path);
                count += 1;
            }
        }
    }
    assert!(count >= 20, "only {count} specs compared");
}

#[test]
fn corpus_specs_against_themselves_have_no_changes() {
    let corpus = repo().join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!(
            "note: {} not found; corpus self-diffs skipped",
            corpus.display()
        );
        return;
    }
    for rel in [
        "famous/oai-examples/examples/v3.0/petstore-expanded.yaml",
        "famous/oai-examples/examples/v3.0/uspto.json",
        "famous/oai-examples/examples/v3.1/non-oauth-scopes.yaml",
        "seed/fusionauth/openapi.yaml",
        "famous/openai/openapi.yaml",
        "directory/apis-guru-2017-swagger2/bitbucket.org/2.0.json",
        "directory/apis-guru-2017-swagger2/box.com/content/2.0.json",
    ] {
        let path = corpus.join(rel);
        assert!(
            path.is_file(),
            "{} is missing from the corpus",
            path.display()
        );
        assert_no_self_changes(&path);
    }
}

#[test]
fn rendering_no_changes() {
    let spec = bundled_spec("lytx-users.json");
    let json = diff::json_report(&spec, &spec, &[]);
    assert_eq!(
        json["summary"],
        serde_json::json!({"breaking": 0, "potentially-breaking": 0, "safe": 0})
    );
    assert_eq!(json["changes"], serde_json::json!([]));
    assert!(diff::render(Format::Markdown, &spec, &spec, &[]).ends_with("No changes.\n"));
}

#[test]
fn a_media_type_replaced_by_a_range_covering_it_is_not_removed() {
    // StackExchange's spec went from `produces: [application/json]` to `*/*`.
    let changes = diff::diff(
        &load_text(
            "old.yaml",
            &responses(
                "{'200': {description: ok, content: {application/json: {schema: {type: object}}}}}",
            ),
        ),
        &load_text(
            "new.yaml",
            &responses("{'200': {description: ok, content: {'*/*': {schema: {type: object}}}}}"),
        ),
    );
    let rules: Vec<Rule> = changes.iter().map(|c| c.rule).collect();
    assert_eq!(rules, [Rule::ResponseMediaTypeAdded], "{}", show(&changes));
}

// ---- Families: each shows its rule and level on the smallest pair of versions.

fn rules_between(old: &str, new: &str) -> Vec<Change> {
    diff::diff(&load_text("old.yaml", old), &load_text("new.yaml", new))
}

fn assert_reports(changes: &[Change], rule: Rule, level: Level) {
    assert_eq!(rule.level(), level, "{rule}");
    assert!(
        changes.iter().any(|c| c.rule == rule),
        "{rule} expected, got:\n{}",
        show(changes)
    );
}

#[test]
fn json_schema_2020_12_keywords_compare_both_ways() {
    use Rule::*;
    let obj = "{type: object, properties: {a: {type: string}, b: {type: string}}";
    let cases: &[(String, String, Rule, Rule)] = &[
        (
            format!("{obj}}}"),
            format!("{obj}, dependentRequired: {{a: [b]}}}}"),
            RequestConstraintTightened,
            ResponseConstraintTightened,
        ),
        (
            format!("{obj}, dependentRequired: {{a: [b]}}}}"),
            format!("{obj}}}"),
            RequestConstraintLoosened,
            ResponseConstraintLoosened,
        ),
        (
            format!("{obj}}}"),
            format!("{obj}, dependentSchemas: {{a: {{required: [b]}}}}}}"),
            RequestConstraintTightened,
            ResponseConstraintTightened,
        ),
        (
            "{type: array, prefixItems: [{type: string}]}".into(),
            "{type: array, prefixItems: [{type: string, maxLength: 3}]}".into(),
            RequestLimitTightened,
            ResponseLimitTightened,
        ),
        (
            "{type: array, prefixItems: [{type: string}]}".into(),
            "{type: array, prefixItems: [{type: string}], unevaluatedItems: false}".into(),
            RequestConstraintTightened,
            ResponseConstraintTightened,
        ),
        (
            "{type: object, patternProperties: {'^x-': {type: string}}}".into(),
            "{type: object, patternProperties: {'^x-': {type: integer}}}".into(),
            RequestTypeNarrowed,
            ResponseTypeWidened,
        ),
        (
            "{type: object, propertyNames: {maxLength: 8}}".into(),
            "{type: object, propertyNames: {maxLength: 4}}".into(),
            RequestLimitTightened,
            ResponseLimitTightened,
        ),
        (
            "{type: object}".into(),
            "{type: object, propertyNames: {pattern: '^[a-z]+$'}}".into(),
            RequestConstraintTightened,
            ResponseConstraintTightened,
        ),
        (
            "{type: string, not: {enum: [a]}}".into(),
            "{type: string, not: {enum: [a, b]}}".into(),
            RequestConstraintTightened,
            ResponseConstraintTightened,
        ),
        (
            "{type: string, not: {enum: [a, b]}}".into(),
            "{type: string, not: {enum: [a]}}".into(),
            RequestConstraintLoosened,
            ResponseConstraintLoosened,
        ),
        (
            "{type: string, contentEncoding: base64}".into(),
            "{type: string, contentEncoding: base64url}".into(),
            RequestFormatChanged,
            ResponseFormatChanged,
        ),
        (
            "{type: string, contentMediaType: application/json, contentSchema: {type: object, required: [a]}}".into(),
            "{type: string, contentMediaType: application/json, contentSchema: {type: object, required: [a, b]}}".into(),
            RequestPropertyRequiredAdded,
            ResponsePropertyAdded,
        ),
        (
            "{type: array, contains: {type: string, maxLength: 10}}".into(),
            "{type: array, contains: {type: string, maxLength: 5}}".into(),
            RequestLimitTightened,
            ResponseLimitTightened,
        ),
        (
            "{type: array, contains: {type: string}, maxContains: 3}".into(),
            "{type: array, contains: {type: string}, maxContains: 2}".into(),
            RequestLimitTightened,
            ResponseLimitTightened,
        ),
        (
            "{type: array, contains: {type: string}, minContains: 1}".into(),
            "{type: array, contains: {type: string}, minContains: 2}".into(),
            RequestLimitTightened,
            ResponseLimitTightened,
        ),
        (
            "{type: object, if: {required: [a]}, then: {required: [b]}}".into(),
            "{type: object, if: {required: [a]}, then: {required: [b], properties: {b: {maxLength: 2}}}}".into(),
            RequestLimitTightened,
            ResponseLimitTightened,
        ),
        (
            "{type: object}".into(),
            "{type: object, if: {required: [a]}, then: {required: [b]}}".into(),
            RequestConstraintTightened,
            ResponseConstraintTightened,
        ),
    ];
    for (old, new, in_request, in_response) in cases {
        let changes = rules_between(&v31(request(old)), &v31(request(new)));
        assert!(
            changes.iter().any(|c| c.rule == *in_request),
            "{old} → {new}: {in_request} expected in requests, got:\n{}",
            show(&changes)
        );
        let changes = rules_between(&v31(response(old)), &v31(response(new)));
        assert!(
            changes.iter().any(|c| c.rule == *in_response),
            "{old} → {new}: {in_response} expected in responses, got:\n{}",
            show(&changes)
        );
        // Nothing of the kind when the schema does not change.
        assert!(rules_between(&v31(request(old)), &v31(request(old))).is_empty());
    }
}

#[test]
fn a_nullable_one_of_wrapper_does_not_hide_an_enum_removal() {
    let old = v31(request(
        "{type: object, properties: {status: {type: string, enum: [a, b, c]}}}",
    ));
    let new = v31(request(
        "{type: object, properties: {status: {oneOf: [{type: 'null'}, {type: string, enum: [a, b]}]}}}",
    ));
    let changes = rules_between(&old, &new);
    assert_reports(&changes, Rule::RequestEnumValueRemoved, Level::Breaking);
    assert_reports(&changes, Rule::RequestNullableAdded, Level::Safe);
    // A one-branch `allOf` around a `$ref` (the 3.0 way to describe a reference) is the schema.
    let old = request("{type: object, properties: {pet: {$ref: '#/components/schemas/Cat'}}}");
    let new = request(
        "{type: object, properties: {pet: {description: the pet, allOf: [{$ref: '#/components/schemas/Cat'}]}}}",
    );
    assert!(rules_between(&old, &new).is_empty());
}

#[test]
fn a_widened_one_of_branch_is_never_only_a_safe_widening() {
    let changes = rules_between(&request(&kinds("[dog]")), &request(&kinds("[dog, cat]")));
    assert_eq!(
        diff::worst(&changes),
        Some(Level::Breaking),
        "{}",
        show(&changes)
    );
    // Branches still told apart by their types: no overlap.
    let typed = |second: &str| {
        request(&format!(
            "{{oneOf: [{{type: string}}, {{type: object, properties: {{n: {{type: integer{second}}}}}}}]}}"
        ))
    };
    let changes = rules_between(&typed(", maximum: 5"), &typed(""));
    assert!(
        !changes
            .iter()
            .any(|c| c.rule == Rule::RequestOneOfOverlapping),
        "{}",
        show(&changes)
    );
}

#[test]
fn parameters_compare_on_the_wire() {
    // A deepObject number that becomes a string: `filter[age]=5` is still valid.
    let deep = |t: &str| {
        params(&format!(
            "[{{name: filter, in: query, style: deepObject, explode: true, schema: {{type: object, properties: {{age: {{type: {t}}}}}}}}}]"
        ))
    };
    let changes = rules_between(&deep("number"), &deep("string"));
    assert_eq!(
        changes.iter().map(|c| c.rule).collect::<Vec<_>>(),
        [Rule::RequestParameterWireCompatible],
        "{}",
        show(&changes)
    );
    // A digits-only string header that becomes an integer.
    let changes = rules_between(
        &params("[{name: X-Count, in: header, schema: {type: string, pattern: '^[0-9]+$'}}]"),
        &params("[{name: X-Count, in: header, schema: {type: integer}}]"),
    );
    assert_eq!(
        changes.iter().map(|c| c.rule).collect::<Vec<_>>(),
        [Rule::RequestParameterWireCompatible],
        "{}",
        show(&changes)
    );
    // A free string header that becomes an integer narrows; a body is not on the wire.
    let changes = rules_between(
        &params("[{name: X-Count, in: header, schema: {type: string}}]"),
        &params("[{name: X-Count, in: header, schema: {type: integer}}]"),
    );
    assert_reports(&changes, Rule::RequestTypeNarrowed, Level::Breaking);
    let changes = rules_between(
        &request("{type: object, properties: {age: {type: number}}}"),
        &request("{type: object, properties: {age: {type: string}}}"),
    );
    assert_reports(&changes, Rule::RequestTypeNarrowed, Level::Breaking);
}

/// Each pattern change the structural walk decides, in both directions: (old, new, the
/// request's rule, the response's rule); `None` is no change reported.
#[test]
fn pattern_inclusion_is_decided_in_both_directions() {
    use Rule::*;
    let cases: &[(&str, &str, Option<Rule>, Option<Rule>)] = &[
        // The same after normalization: `\d` is ECMA-262's `[0-9]`, groups and order do not matter.
        ("^\\d+$", "^[0-9]+$", None, None),
        ("^(?:ab|cd)$", "^(cd|ab)$", None, None),
        ("^ab$|^cd$", "^(ab|cd)$", None, None),
        (".*abc", "abc", None, None),
        // Unicode digits are more than `\d`.
        (
            "^\\d+$",
            "^\\p{Nd}+$",
            Some(RequestPatternLoosened),
            Some(ResponsePatternChanged),
        ),
        // `.*` matches everything, `^.*$` does not (line breaks).
        (
            "^[a-z]+$",
            ".*",
            Some(RequestPatternLoosened),
            Some(ResponsePatternChanged),
        ),
        // Anchors.
        (
            "abc",
            "^abc$",
            Some(RequestPatternTightened),
            Some(ResponsePatternTightened),
        ),
        (
            "^abc$",
            "abc",
            Some(RequestPatternLoosened),
            Some(ResponsePatternChanged),
        ),
        (
            "^abc",
            "^ab",
            Some(RequestPatternLoosened),
            Some(ResponsePatternChanged),
        ),
        // Alternatives added and removed.
        (
            "^(ab|cd)$",
            "^(ab|cd|ef)$",
            Some(RequestPatternLoosened),
            Some(ResponsePatternChanged),
        ),
        (
            "^(ab|cd|ef)$",
            "^(ab|cd)$",
            Some(RequestPatternTightened),
            Some(ResponsePatternTightened),
        ),
        // A class widened or narrowed.
        (
            "^[a-z]+$",
            "^[a-z0-9]+$",
            Some(RequestPatternLoosened),
            Some(ResponsePatternChanged),
        ),
        (
            "^[a-z0-9]+$",
            "^[a-z]+$",
            Some(RequestPatternTightened),
            Some(ResponsePatternTightened),
        ),
        // A bounded repetition widened or narrowed, in a sequence otherwise the same.
        (
            "^x-[0-9]{1,5}$",
            "^x-[0-9]{1,10}$",
            Some(RequestPatternLoosened),
            Some(ResponsePatternChanged),
        ),
        (
            "^x-[0-9]{1,10}$",
            "^x-[0-9]{1,5}$",
            Some(RequestPatternTightened),
            Some(ResponsePatternTightened),
        ),
        // Literal characters taken up by a repetition.
        (
            "^aab$",
            "^a+b$",
            Some(RequestPatternLoosened),
            Some(ResponsePatternChanged),
        ),
        // Not decided: potentially breaking both ways.
        (
            "^[A-Z]+$",
            "^[A-Z0-9]{3}$",
            Some(RequestPatternChanged),
            Some(ResponsePatternChanged),
        ),
        (
            "^(a|b)+$",
            "^(ab)+$",
            Some(RequestPatternChanged),
            Some(ResponsePatternChanged),
        ),
        (
            "^\\bx",
            "^x",
            Some(RequestPatternChanged),
            Some(ResponsePatternChanged),
        ),
        // Not a pattern regex-syntax reads: never a panic, potentially breaking.
        (
            "^(a",
            "^a",
            Some(RequestPatternChanged),
            Some(ResponsePatternChanged),
        ),
    ];
    for (old, new, on_request, on_response) in cases {
        for (wrap, expected) in [
            (request as fn(&str) -> String, on_request),
            (response, on_response),
        ] {
            let with = |p: &str| wrap(&format!("{{type: string, pattern: '{p}'}}"));
            let changes = rules_between(&with(old), &with(new));
            let found: Vec<Rule> = changes.iter().map(|c| c.rule).collect();
            assert_eq!(
                found,
                expected.iter().copied().collect::<Vec<_>>(),
                "{old} → {new}:\n{}",
                show(&changes)
            );
            if let Some(rule) = expected {
                assert_eq!(changes[0].level(), rule.level());
            }
        }
    }
    // The levels the table relies on.
    assert_eq!(RequestPatternTightened.level(), Level::Breaking);
    assert_eq!(RequestPatternChanged.level(), Level::PotentiallyBreaking);
    assert_eq!(ResponsePatternChanged.level(), Level::PotentiallyBreaking);
    assert_eq!(RequestPatternLoosened.level(), Level::Safe);
    assert_eq!(ResponsePatternTightened.level(), Level::Safe);
}

/// A pattern added: `.*` says nothing; `^.*$` refuses line breaks, so it breaks requests.
#[test]
fn pattern_added_is_decided_against_every_string() {
    let with = |p: &str| request(&format!("{{type: string, pattern: '{p}'}}"));
    let plain = request("{type: string}");
    for everything in [".*", "a?", "^[\\s\\S]*$"] {
        let changes = rules_between(&plain, &with(everything));
        assert!(changes.is_empty(), "{everything}: {}", show(&changes));
    }
    let changes = rules_between(&plain, &with("^.*$"));
    assert_reports(&changes, Rule::RequestPatternTightened, Level::Breaking);
    let changes = rules_between(&with("^.*$"), &plain);
    assert_reports(&changes, Rule::RequestPatternRemoved, Level::Safe);
}

#[test]
fn patterns_are_decided_where_they_can_be() {
    let with = |pattern: &str| request(&format!("{{type: string, pattern: '{pattern}'}}"));
    let rules = |old: &str, new: &str| -> Vec<Rule> {
        rules_between(&with(old), &with(new))
            .iter()
            .map(|c| c.rule)
            .collect()
    };
    assert_eq!(rules("^\\d+$", "^[0-9]+$"), []);
    assert_eq!(rules("^(?:ab|cd)$", "^(ab|cd)$"), []);
    assert_eq!(rules("^[a-z]+$", ".*"), [Rule::RequestPatternLoosened]);
    assert_eq!(rules("abc", "^abc$"), [Rule::RequestPatternTightened]);
    assert_eq!(rules("^abc$", "abc"), [Rule::RequestPatternLoosened]);
    assert_eq!(rules("^ab$|^cd$", "^ab$"), [Rule::RequestPatternTightened]);
    assert_eq!(
        rules("^[a-z]+$", "^[a-z0-9]+$"),
        [Rule::RequestPatternLoosened]
    );
    assert_eq!(
        rules("^[a-z]+$", "^[a-z0-9]{3}$"),
        [Rule::RequestPatternChanged]
    );
    assert_eq!(
        Rule::RequestPatternChanged.level(),
        Level::PotentiallyBreaking
    );
    // `.*` added says nothing.
    let changes = rules_between(&request("{type: string}"), &with(".*"));
    assert!(changes.is_empty(), "{}", show(&changes));
}

#[test]
fn property_defaults_are_potentially_breaking() {
    let changes = rules_between(
        &request("{type: object, properties: {size: {type: integer}}}"),
        &request("{type: object, properties: {size: {type: integer, default: 5}}}"),
    );
    assert_reports(
        &changes,
        Rule::RequestDefaultChanged,
        Level::PotentiallyBreaking,
    );
    assert!(
        changes[0].message.contains("`size`: default 5 added"),
        "{}",
        show(&changes)
    );
}

#[test]
fn webhooks_and_callbacks_compare_from_the_subscriber() {
    // A webhook's body is what subscribers receive: a required field dropped breaks them.
    let optional = NEW_PET.replace("required: [name], ", "");
    let changes = rules_between(&with_webhooks(NEW_PET), &with_webhooks(&optional));
    assert_reports(
        &changes,
        Rule::ResponsePropertyBecameOptional,
        Level::Breaking,
    );
    assert_eq!(
        changes[0].operation.as_deref(),
        Some("webhook `newPet` POST")
    );
    // Before webhooks were compared, this printed "no changes".
    assert!(!changes.is_empty());
    // A callback's body likewise.
    let optional = ON_EVENT.replace("required: [id], ", "");
    let changes = rules_between(&subscriptions(ON_EVENT), &subscriptions(&optional));
    assert_reports(
        &changes,
        Rule::ResponsePropertyBecameOptional,
        Level::Breaking,
    );
    assert!(
        changes[0]
            .operation
            .as_deref()
            .is_some_and(|o| o.starts_with("POST /subs → callback `onEvent` POST")),
        "{}",
        show(&changes)
    );
}

#[test]
fn a_path_parameter_missing_from_its_template_still_shows_its_changes() {
    let spec = |t: &str| {
        doc(&format!(
            "  /pets:\n    get: {{parameters: [{{name: id, in: path, required: true, schema: {{type: {t}}}}}], responses: {{'200': {{description: ok}}}}}}\n"
        ))
    };
    let changes = rules_between(&spec("string"), &spec("integer"));
    assert_reports(&changes, Rule::RequestTypeNarrowed, Level::Breaking);
    // The command line says why on stderr.
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
    std::fs::write(&old, spec("string")).unwrap();
    std::fs::write(&new, spec("integer")).unwrap();
    let run = stipula(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("path parameter `id` does not appear in the path `/pets`"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("no changes"), "{}", run.stdout);
}

#[test]
fn deprecation_policy_follows_dates_and_stability_levels() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let old = write("old.yaml", doc(PETS));
    let soon = write(
        "soon.yaml",
        doc(&PETS.replace("get: {", "get: {deprecated: true, x-sunset: '2030-03-01', ")),
    );
    // 59 days of notice: too few for a stable operation (180), enough when 30 are asked.
    let run = stipula(&["diff", &old, &soon, "--today", "2030-01-01"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains("operation-sunset-too-soon"),
        "{}",
        run.stdout
    );
    let run = stipula(&[
        "diff",
        &old,
        &soon,
        "--today",
        "2030-01-01",
        "--deprecation-days-stable",
        "30",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("operation-deprecated"),
        "{}",
        run.stdout
    );
    // A beta operation needs 31 days by default.
    let beta = write(
        "beta.yaml",
        doc(&PETS.replace(
            "get: {",
            "get: {x-stability-level: beta, deprecated: true, x-sunset: '2030-03-01', ",
        )),
    );
    let run = stipula(&["diff", &old, &beta, "--today", "2030-01-01"]);
    assert!(
        !run.stdout.contains("operation-sunset-too-soon"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("operation-stability-decreased"),
        "{}",
        run.stdout
    );
    // Removal after the sunset date is safe, before it breaking.
    let gone = write(
        "gone.yaml",
        doc("  /pets:\n    delete: {responses: {'204': {description: gone}}}\n"),
    );
    let run = stipula(&["diff", &soon, &gone, "--today", "2030-06-01"]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("deprecated-operation-removed"),
        "{}",
        run.stdout
    );
    let run = stipula(&["diff", &soon, &gone, "--today", "2030-02-01"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains("operation-removed-before-sunset"),
        "{}",
        run.stdout
    );
    // Draft operations promise nothing.
    let draft = write(
        "draft.yaml",
        doc(&PETS.replace("get: {", "get: {x-stability-level: draft, ")),
    );
    let run = stipula(&["diff", &draft, &gone]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stdout.ends_with("no changes\n"), "{}", run.stdout);
    assert_eq!(
        stipula(&["diff", &old, &soon, "--today", "someday"]).code,
        Some(2)
    );
}

#[test]
fn changelog_groups_changes_by_operation() {
    let run = stipula(&["diff", FA_OLD, FA_NEW, "--format", "changelog"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.starts_with("# "), "{}", run.stdout);
    assert!(run.stdout.contains("\n## `GET /api/consent`\n\n- **Breaking** `operation-removed`: operation `GET /api/consent` removed\n"), "{}", run.stdout);
    // One section per operation.
    let sections: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("## "))
        .collect();
    let mut unique = sections.clone();
    unique.dedup();
    assert_eq!(sections.len(), unique.len());
}

#[test]
fn github_annotations_point_at_the_new_place() {
    let run = run_case(Rule::RequestPropertyBecameRequired, &["--format", "github"]);
    assert_eq!(run.code, Some(1));
    let line = run.stdout.lines().next().unwrap();
    assert!(line.starts_with("::error file="), "{line}");
    assert!(line.contains("new.yaml,line="), "{line}");
    assert!(
        line.contains(",title=request-property-became-required::POST /pets: "),
        "{line}"
    );
    let run = run_case(Rule::RequestParameterAdded, &["--format", "github"]);
    assert!(run.stdout.starts_with("::notice "), "{}", run.stdout);
}

#[test]
fn junit_fails_the_changes_at_or_above_fail_on() {
    let run = run_case(Rule::RequestParameterRemoved, &["--format", "junit"]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.starts_with("<?xml"), "{}", run.stdout);
    assert!(!run.stdout.contains("<failure"), "{}", run.stdout);
    assert!(
        run.stdout.contains("request-parameter-removed"),
        "{}",
        run.stdout
    );
    let run = run_case(
        Rule::RequestParameterRemoved,
        &["--format", "junit", "--fail-on", "potentially-breaking"],
    );
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("<failure"), "{}", run.stdout);
    assert!(
        run.stdout.contains("type=\"request-parameter-removed\""),
        "{}",
        run.stdout
    );
}

#[test]
fn a_change_in_a_shared_schema_is_reported_for_every_operation_that_reaches_it() {
    // `Error` is every operation's default response and `Pet` reaches it too; `Owner` changes
    // on its own. Each operation reports each change once, however many routes reach it.
    let spec = |code: &str, age: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: Pets, version: '1'}}\npaths:\n  /a:\n    get: {{responses: {{'200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Pet'}}}}}}}}, default: {{description: e, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Error'}}}}}}}}}}}}\n  /b:\n    get: {{responses: {{default: {{description: e, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Error'}}}}}}}}}}}}\n  /c:\n    get: {{responses: {{'200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Owner'}}}}}}}}}}}}\ncomponents:\n  schemas:\n    Error: {{type: object, properties: {{code: {{type: {code}}}}}}}\n    Pet: {{type: object, properties: {{last_error: {{$ref: '#/components/schemas/Error'}}, owner: {{$ref: '#/components/schemas/Owner'}}, again: {{$ref: '#/components/schemas/Pet'}}}}}}\n    Owner: {{type: object, properties: {{age: {{type: {age}}}, pet: {{$ref: '#/components/schemas/Pet'}}}}}}\n"
        )
    };
    let changes = rules_between(&spec("string", "integer"), &spec("integer", "number"));
    let mut seen: Vec<(String, String)> = changes
        .iter()
        .map(|c| {
            (
                c.operation.clone().unwrap_or_default(),
                c.message.split(": ").next().unwrap_or("").to_string(),
            )
        })
        .collect();
    seen.sort();
    let expected = [
        (
            "GET /a",
            "response 200 (application/json) `last_error.code`",
        ),
        ("GET /a", "response 200 (application/json) `owner.age`"),
        ("GET /a", "response default (application/json) `code`"),
        ("GET /b", "response default (application/json) `code`"),
        ("GET /c", "response 200 (application/json) `age`"),
        (
            "GET /c",
            "response 200 (application/json) `pet.last_error.code`",
        ),
    ];
    assert_eq!(
        seen,
        expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>(),
        "{}",
        show(&changes)
    );
}
