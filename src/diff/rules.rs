//! The rules table: every kind of change `stipula diff` reports, with its fixed level and a
//! one-line example. One table, so that the README, the renderers and the tests read the same
//! ids and levels; a rule never changes level with context (two situations that deserve two
//! levels are two rules, like `response-required-property-removed` and
//! `response-property-removed`).

use std::fmt;

/// How a change affects existing clients. Ordered: `Safe < PotentiallyBreaking < Breaking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Level {
    /// No existing client can notice (something was added or loosened where clients send, or
    /// tightened where they receive).
    Safe,
    /// Some clients may notice, depending on what they rely on.
    PotentiallyBreaking,
    /// A request that worked may now fail, or a response may no longer parse.
    Breaking,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Breaking, Level::PotentiallyBreaking, Level::Safe];

    /// `breaking`, `potentially-breaking`, `safe` (the JSON and `--fail-on` spelling).
    pub fn id(self) -> &'static str {
        match self {
            Level::Breaking => "breaking",
            Level::PotentiallyBreaking => "potentially-breaking",
            Level::Safe => "safe",
        }
    }

    /// `Breaking`, `Potentially breaking`, `Safe`.
    pub fn title(self) -> &'static str {
        match self {
            Level::Breaking => "Breaking",
            Level::PotentiallyBreaking => "Potentially breaking",
            Level::Safe => "Safe",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

macro_rules! rules {
    ($($variant:ident = $id:literal, $level:ident, $example:literal;)*) => {
        /// One kind of change. `id()` is the stable kebab-case name used in every output.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            /// Every rule, in the order of docs/commands.md's table.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            pub fn id(self) -> &'static str {
                match self {
                    $(Rule::$variant => $id,)*
                }
            }

            pub fn level(self) -> Level {
                match self {
                    $(Rule::$variant => Level::$level,)*
                }
            }

            /// A short example of a change the rule reports.
            pub fn example(self) -> &'static str {
                match self {
                    $(Rule::$variant => $example,)*
                }
            }

            pub fn from_id(id: &str) -> Option<Rule> {
                Rule::ALL.iter().copied().find(|r| r.id() == id)
            }
        }
    };
}

rules! {
    // Paths and operations.
    PathRemoved = "path-removed", Breaking, "`/pets/{id}` and all its operations are gone";
    OperationRemoved = "operation-removed", Breaking, "`DELETE /pets/{id}` is gone, `GET /pets/{id}` stays";
    OperationRemovedBeforeSunset = "operation-removed-before-sunset", Breaking, "`DELETE /pets/{id}` was deprecated with `x-sunset: 2031-01-01` and is gone before that date";
    OperationSunsetTooSoon = "operation-sunset-too-soon", Breaking, "`GET /pets` deprecated with a sunset date closer than `--deprecation-days-stable` (180 days)";
    OperationSunsetMovedEarlier = "operation-sunset-moved-earlier", Breaking, "`x-sunset: 2031-01-01` → `2030-01-01`";
    OperationStabilityDecreased = "operation-stability-decreased", Breaking, "`x-stability-level: stable` → `beta`";
    WebhookRemoved = "webhook-removed", Breaking, "webhook `newPet` (POST) is gone: subscribers stop receiving it";
    CallbackRemoved = "callback-removed", Breaking, "`POST /subscriptions` no longer calls back `onEvent`";
    BasePathChanged = "base-path-changed", Breaking, "server `https://api.example.com/v1` → `/v2`: every URL moves";
    DeprecatedOperationRemoved = "deprecated-operation-removed", Safe, "`GET /v1/pets` was deprecated (and its `x-sunset` date, if any, has passed) and is gone";
    PathAdded = "path-added", Safe, "new path `/pets/{id}/photos`";
    OperationAdded = "operation-added", Safe, "new `PATCH /pets/{id}`";
    OperationDeprecated = "operation-deprecated", Safe, "`GET /pets` gets `deprecated: true`";
    WebhookAdded = "webhook-added", Safe, "new webhook `petAdopted`";
    CallbackAdded = "callback-added", Safe, "`POST /subscriptions` gains callback `onCancel`";
    PathParameterRenamed = "path-parameter-renamed", Safe, "`/pets/{id}` → `/pets/{petId}` (same URLs)";
    // Parameters.
    RequestParameterRequiredAdded = "request-parameter-required-added", Breaking, "new required query parameter `tenant`";
    RequestParameterBecameRequired = "request-parameter-became-required", Breaking, "query `limit`: `required: false` → `true`";
    RequestParameterMoved = "request-parameter-moved", Breaking, "`api_key` moves from query to header";
    RequestParameterRenamed = "request-parameter-renamed", Breaking, "query `q` → `query`, same schema";
    RequestParameterStyleChanged = "request-parameter-style-changed", Breaking, "array query `tags`: `explode: true` → `false` (`tags=a&tags=b` → `tags=a,b`)";
    RequestParameterRemoved = "request-parameter-removed", PotentiallyBreaking, "query `sort` is no longer documented: clients still send it";
    RequestParameterAdded = "request-parameter-added", Safe, "new optional query parameter `page`";
    RequestParameterBecameOptional = "request-parameter-became-optional", Safe, "header `X-Tenant`: `required: true` → `false`";
    RequestParameterWireCompatible = "request-parameter-wire-compatible", Safe, "query `id`: `string` → exploded form array of `string` (`id=a` still valid); header `X-Count`: digits-only `string` → `integer`";
    // Request bodies.
    RequestBodyRequiredAdded = "request-body-required-added", Breaking, "`POST /pets/{id}/feed` now needs a body";
    RequestBodyBecameRequired = "request-body-became-required", Breaking, "request body `required: false` → `true`";
    RequestMediaTypeRemoved = "request-media-type-removed", Breaking, "request body no longer accepts `application/xml`";
    RequestBodyRemoved = "request-body-removed", PotentiallyBreaking, "the request body is no longer documented: clients still send it";
    RequestBodyAdded = "request-body-added", Safe, "new optional request body";
    RequestBodyBecameOptional = "request-body-became-optional", Safe, "request body `required: true` → `false`";
    RequestMediaTypeAdded = "request-media-type-added", Safe, "request body also accepts `application/x-www-form-urlencoded`";
    // Request schemas (parameters and bodies): narrowing breaks clients.
    RequestTypeNarrowed = "request-type-narrowed", Breaking, "`age`: `type: number` → `integer`, or `string` → `integer`";
    RequestNullableRemoved = "request-nullable-removed", Breaking, "`nickname`: `nullable: true` removed";
    RequestFormatChanged = "request-format-changed", Breaking, "`start`: format added or changed, `date-time` → `date`";
    RequestEnumValueRemoved = "request-enum-value-removed", Breaking, "`status`: enum `[open, closed, held]` → `[open, closed]`, or an enum added";
    RequestLimitTightened = "request-limit-tightened", Breaking, "`name`: `maxLength: 50` → `20`; `minimum` raised; `uniqueItems` set";
        RequestPatternTightened = "request-pattern-tightened", Breaking, "`code`: pattern added, an alternative removed, anchored, or a class or repetition narrowed: `^(a|b)$` → `^a$`, `[a-z0-9]` → `[a-z]`";
    RequestConstraintTightened = "request-constraint-tightened", Breaking, "`tags`: `contains`, `dependentRequired`, `propertyNames`, `patternProperties`, `prefixItems`, `not` or `if`/`then` added or narrowed";
    RequestDiscriminatorChanged = "request-discriminator-changed", Breaking, "`discriminator`: mapping key `cat` removed, or `propertyName` `kind` → `type`";
    RequestOneOfOverlapping = "request-one-of-overlapping", Breaking, "body `oneOf: [Cat, Dog]`: `Dog` no longer requires `bark`, so a `Cat` matches both (refused); or `anyOf` → `oneOf`";
    RequestPropertyRequiredAdded = "request-property-required-added", Breaking, "body: new required property `owner`";
    RequestPropertyBecameRequired = "request-property-became-required", Breaking, "body property `email` becomes required";
    RequestAdditionalPropertiesClosed = "request-additional-properties-closed", Breaking, "body: `additionalProperties: false` added";
    RequestAlternativeRemoved = "request-alternative-removed", Breaking, "body `oneOf: [Cat, Dog]` → `oneOf: [Cat]`";
    RequestPropertyRemoved = "request-property-removed", PotentiallyBreaking, "body property `legacyId` is no longer documented";
    RequestPatternChanged = "request-pattern-changed", PotentiallyBreaking, "`code`: pattern `^[A-Z]+$` → `^[A-Z0-9]{3}$` (inclusion not decidable)";
    RequestConstraintChanged = "request-constraint-changed", PotentiallyBreaking, "`if` condition changed, or `not` changed both ways";
    RequestDefaultChanged = "request-default-changed", PotentiallyBreaking, "query `limit`: `default: 10` → `20`, added or removed (clients that omit it get other behaviour)";
    RequestOneOfBecameAnyOf = "request-one-of-became-any-of", PotentiallyBreaking, "body `oneOf: [Cat, Dog]` → `anyOf: [Cat, Dog]`: values matching both now accepted";
    RequestTypeWidened = "request-type-widened", Safe, "`age`: `type: integer` → `number`";
    RequestNullableAdded = "request-nullable-added", Safe, "`nickname`: `nullable: true` added";
    RequestFormatRemoved = "request-format-removed", Safe, "`start`: `format: date` removed";
    RequestEnumValueAdded = "request-enum-value-added", Safe, "`status`: enum value `held` added";
    RequestLimitLoosened = "request-limit-loosened", Safe, "`name`: `maxLength: 20` → `50`";
    RequestPatternRemoved = "request-pattern-removed", Safe, "`code`: pattern removed";
    RequestPatternLoosened = "request-pattern-loosened", Safe, "`code`: `^a$` → `^(a|b)$`, or → `.*`, anchors removed, or a class or repetition widened: `{1,5}` → `{1,10}`";
    RequestConstraintLoosened = "request-constraint-loosened", Safe, "`tags`: `contains` or `dependentRequired` removed";
    RequestDiscriminatorMappingAdded = "request-discriminator-mapping-added", Safe, "`discriminator`: mapping key `bird` added";
    RequestPropertyAdded = "request-property-added", Safe, "body: new optional property `nickname`";
    RequestPropertyBecameOptional = "request-property-became-optional", Safe, "body property `email` becomes optional";
    RequestAlternativeAdded = "request-alternative-added", Safe, "body `oneOf: [Cat]` → `oneOf: [Cat, Dog]`";
    // Responses.
    ResponseSuccessStatusRemoved = "response-success-status-removed", Breaking, "`GET /pets` no longer documents `200`";
    ResponseMediaTypeRemoved = "response-media-type-removed", Breaking, "`200` no longer offers `application/xml`";
    ResponseRequiredHeaderRemoved = "response-required-header-removed", Breaking, "required response header `X-Rate-Limit` removed";
    ResponseHeaderBecameOptional = "response-header-became-optional", Breaking, "response header `ETag`: `required: true` → `false`";
    ResponseStatusRemoved = "response-status-removed", PotentiallyBreaking, "`GET /pets` no longer documents `404`";
    ResponseHeaderRemoved = "response-header-removed", PotentiallyBreaking, "optional response header `X-Trace` removed";
    ResponseStatusAdded = "response-status-added", Safe, "`GET /pets` documents a new `429`";
    ResponseMediaTypeAdded = "response-media-type-added", Safe, "`200` also offers `text/csv`";
    ResponseHeaderAdded = "response-header-added", Safe, "new response header `X-Request-Id`";
    // Response schemas (bodies and headers): widening breaks clients.
    ResponseTypeWidened = "response-type-widened", Breaking, "`id`: `type: integer` → `number`, or `integer` → `string`";
    ResponseNullableAdded = "response-nullable-added", Breaking, "`owner`: may now be `null`";
    ResponseEnumValueAdded = "response-enum-value-added", Breaking, "`status`: enum value `archived` added (exhaustive client switches fail)";
    ResponseRequiredPropertyRemoved = "response-required-property-removed", Breaking, "`200` body: required property `name` removed";
    ResponseDiscriminatorChanged = "response-discriminator-changed", Breaking, "`discriminator`: `propertyName` `kind` → `type`, or key `cat` mapped to another schema";
    ResponseOneOfBecameAnyOf = "response-one-of-became-any-of", Breaking, "`200` body `oneOf: [Cat, Dog]` → `anyOf: [Cat, Dog]`: a value may now match both";
    ResponsePropertyBecameOptional = "response-property-became-optional", Breaking, "`200` body: `name` no longer required";
    ResponseFormatChanged = "response-format-changed", PotentiallyBreaking, "`created`: format `date-time` → `date`, or removed";
    ResponseLimitLoosened = "response-limit-loosened", PotentiallyBreaking, "`name`: `maxLength: 20` → `50`: longer values than clients expect";
    ResponsePatternChanged = "response-pattern-changed", PotentiallyBreaking, "`code`: pattern changed or removed";
    ResponsePropertyRemoved = "response-property-removed", PotentiallyBreaking, "`200` body: optional property `nickname` removed";
    ResponseAlternativeAdded = "response-alternative-added", PotentiallyBreaking, "`200` body `oneOf: [Cat]` → `oneOf: [Cat, Dog]`";
    ResponseConstraintLoosened = "response-constraint-loosened", PotentiallyBreaking, "`tags`: `contains` or `dependentRequired` removed: values clients never saw";
    ResponseConstraintChanged = "response-constraint-changed", PotentiallyBreaking, "`if` condition changed";
    ResponseDefaultChanged = "response-default-changed", PotentiallyBreaking, "`status`: `default: active` → `pending`";
    ResponseDiscriminatorMappingAdded = "response-discriminator-mapping-added", PotentiallyBreaking, "`discriminator`: mapping key `bird` added (a type clients do not know)";
    ResponseOneOfOverlapping = "response-one-of-overlapping", PotentiallyBreaking, "`200` body `oneOf: [Cat, Dog]`: a value may now match both branches";
    ResponseTypeNarrowed = "response-type-narrowed", Safe, "`id`: `type: number` → `integer`";
    ResponseNullableRemoved = "response-nullable-removed", Safe, "`owner`: never `null` any more";
    ResponseFormatAdded = "response-format-added", Safe, "`created`: `format: date-time` added";
    ResponseEnumValueRemoved = "response-enum-value-removed", Safe, "`status`: enum value `held` removed";
    ResponseLimitTightened = "response-limit-tightened", Safe, "`name`: `maxLength: 50` → `20`";
    ResponsePatternAdded = "response-pattern-added", Safe, "`code`: pattern added";
    ResponsePatternTightened = "response-pattern-tightened", Safe, "`code`: `^(a|b)$` → `^a$`";
    ResponseConstraintTightened = "response-constraint-tightened", Safe, "`tags`: `contains` added";
    ResponseExtensibleEnumValueAdded = "response-extensible-enum-value-added", Safe, "`status`: `x-extensible-enum` value `archived` added (clients must accept unknown values)";
    ResponseDiscriminatorMappingRemoved = "response-discriminator-mapping-removed", Safe, "`discriminator`: mapping key `cat` removed";
    ResponsePropertyAdded = "response-property-added", Safe, "`200` body: new property `nickname`";
    ResponsePropertyBecameRequired = "response-property-became-required", Safe, "`200` body: `nickname` becomes required";
    ResponseAlternativeRemoved = "response-alternative-removed", Safe, "`200` body `oneOf: [Cat, Dog]` → `oneOf: [Cat]`";
    // Security.
    SecurityRequirementAdded = "security-requirement-added", Breaking, "`GET /pets` now requires `bearerAuth` (before: none, or `apiKey`)";
    SecuritySchemeChanged = "security-scheme-changed", Breaking, "`apiKey` moves from header `X-Key` to query `key`";
    SecurityScopeAdded = "security-scope-added", Breaking, "`GET /pets` requires scope `pets:write` besides `pets:read`";
    SecurityOAuthFlowRemoved = "security-oauth-flow-removed", Breaking, "`oauth` no longer offers the `implicit` flow";
    SecurityOAuthUrlChanged = "security-oauth-url-changed", PotentiallyBreaking, "`oauth` `clientCredentials` `tokenUrl` changed";
    SecurityOAuthScopeRemoved = "security-oauth-scope-removed", PotentiallyBreaking, "`oauth` no longer defines scope `admin`";
    SecurityRequirementRemoved = "security-requirement-removed", Safe, "`GET /pets` no longer requires credentials, or accepts another scheme too";
    SecurityScopeRemoved = "security-scope-removed", Safe, "`GET /pets` no longer requires scope `pets:write`";
    SecurityOAuthFlowAdded = "security-oauth-flow-added", Safe, "`oauth` also offers `clientCredentials`";
    // What was not compared.
    SchemaTooDeep = "schema-too-deep", PotentiallyBreaking, "a schema nested deeper than 64 levels: the levels below were not compared";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
