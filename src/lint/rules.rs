//! The rule table: every rule's stable id, default severity, and a one-line description with an
//! example. `--help`, docs/commands.md, SARIF's `rules` array and the config's validation all read it,
//! so a rule exists in exactly one place.
//!
//! Rules belong to a set: `recommended` rules run unless the config switches them off; the
//! `owasp` rules (API-security checks in the spirit of the OWASP API Security Top 10, as in
//! Spectral's OWASP ruleset) are opt-in, enabled by `extends: [owasp]` in the config, by
//! `--ruleset owasp`, or one by one by giving them a severity in the config.

use crate::spec::Severity;

/// One lint rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable kebab-case id, used in output and in the config file.
    pub id: &'static str,
    pub severity: Severity,
    /// What it finds, with an example.
    pub description: &'static str,
    /// Whether the spec still loads when it fires. Rules that stop loading (an unresolved
    /// `$ref`, say) cannot be switched off: nothing else can be checked past them.
    pub fatal: bool,
    /// Which set the rule belongs to; only [`RuleSet::Recommended`] runs by default.
    pub set: RuleSet,
}

/// A named group of rules that a config can enable at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleSet {
    /// On by default.
    Recommended,
    /// API-security rules, off by default.
    Owasp,
}

impl RuleSet {
    /// Every set a config can name, with the name it uses.
    pub const ALL: [(&'static str, RuleSet); 2] = [
        ("recommended", RuleSet::Recommended),
        ("owasp", RuleSet::Owasp),
    ];

    /// The set called `name` (`owasp`).
    pub fn named(name: &str) -> Option<RuleSet> {
        Self::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, s)| *s)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("", |(n, _)| n)
    }
}

const fn rule(id: &'static str, severity: Severity, description: &'static str) -> Rule {
    Rule {
        id,
        severity,
        description,
        fatal: false,
        set: RuleSet::Recommended,
    }
}

const fn owasp(id: &'static str, severity: Severity, description: &'static str) -> Rule {
    Rule {
        id,
        severity,
        description,
        fatal: false,
        set: RuleSet::Owasp,
    }
}

const fn fatal(id: &'static str, description: &'static str) -> Rule {
    Rule {
        id,
        severity: Severity::Error,
        description,
        fatal: true,
        set: RuleSet::Recommended,
    }
}

use Severity::{Error, Warning};

pub const RULES: &[Rule] = &[
    fatal(
        "spec-unreadable",
        "the file cannot be read or parsed as JSON/YAML (`paths: [`: unclosed flow sequence)",
    ),
    rule(
        "oas-structure",
        Error,
        "the document breaks the official OpenAPI 2.0/3.0/3.1 meta-schema (`info` without `title`, `paramters:` typo)",
    ),
    fatal(
        "spec-invalid",
        "the loader cannot build the model (`in: body` without `schema`, an unknown security scheme type)",
    ),
    fatal(
        "ref-unresolved",
        "a `$ref` points at nothing, at an unreadable file, or round in a cycle (`$ref: '#/components/schemas/Usr'`)",
    ),
    fatal(
        "operation-id-unique",
        "two operations share an operationId (`getUser` on GET /users/{id} and GET /me)",
    ),
    fatal(
        "path-conflict",
        "two paths differ only in parameter names under the same method (GET /a/{id} and GET /a/{name})",
    ),
    rule(
        "path-ambiguous",
        Warning,
        "two paths differ only in parameter names, under different methods (GET /a/{id}, PUT /a/{name})",
    ),
    rule(
        "path-param-undeclared",
        Error,
        "a `{name}` in the path template has no `in: path` parameter (/users/{id} without `id`)",
    ),
    rule(
        "path-param-unused",
        Error,
        "an `in: path` parameter does not appear in the path template (`userId` on /users/{id})",
    ),
    rule(
        "server-variable-undefined",
        Error,
        "a server URL uses a `{variable}` that `variables` does not define (https://{region}.api.example.com)",
    ),
    rule(
        "security-scheme-undefined",
        Error,
        "a security requirement names a scheme that is not defined (`security: [{oauth: []}]` with no `oauth` scheme)",
    ),
    rule(
        "operation-success-response",
        Warning,
        "an operation documents no 2xx/3xx response (only `400` and `default`)",
    ),
    rule(
        "operation-id-missing",
        Warning,
        "an operation has no operationId (clients and generators need one)",
    ),
    rule(
        "operation-security-responses",
        Warning,
        "a secured operation documents neither 401 nor 403 (nor 4XX): clients cannot tell how a missing or refused credential is answered",
    ),
    rule(
        "operation-description",
        Warning,
        "an operation has neither `summary` nor `description`",
    ),
    rule(
        "operation-tag-undefined",
        Warning,
        "an operation uses a tag the top-level `tags` list does not define (`tags: [pets]` with no `{name: pets}`); once per tag",
    ),
    rule(
        "operation-id-url-safe",
        Warning,
        "an operationId has characters that are not allowed in a URL (`get pet`, `list{Pets}`)",
    ),
    rule(
        "servers-missing",
        Warning,
        "a document with operations defines no `servers` (2.0: no `host`), so clients do not know where the API lives",
    ),
    rule(
        "component-unused",
        Warning,
        "a component is never referenced (`components/schemas/OldUser` with no `$ref` to it)",
    ),
    rule(
        "schema-unsatisfiable",
        Error,
        "no value can satisfy a schema (`type: string, minLength: 5, maxLength: 3`; `required: [id]` with closed `properties` lacking `id`)",
    ),
    rule(
        "schema-too-large",
        Warning,
        "every value of a schema is larger than the mock generates (`minItems: 1000` three arrays deep): the mock answers 500 unless an example is documented",
    ),
    rule(
        "example-invalid",
        Error,
        "an example does not validate against its schema (`example: abc` on `type: integer`)",
    ),
    rule(
        "default-invalid",
        Error,
        "a `default` does not validate against its schema (`default: 0` with `minimum: 1`)",
    ),
    rule(
        "enum-invalid",
        Error,
        "an `enum` value does not validate against its own schema (`type: integer, enum: [1, \"two\"]`)",
    ),
    rule(
        "spec-warning",
        Warning,
        "anything else the loader warns about (a path not starting with `/`, `nullable` in a 3.1 document)",
    ),
    owasp(
        "owasp-server-http",
        Error,
        "a server URL (2.0: a scheme) is plain `http://` (loopback hosts excepted): credentials and data travel unencrypted",
    ),
    owasp(
        "owasp-api-key-in-url",
        Error,
        "an `apiKey` security scheme sends the key `in: query`, where logs and browser history keep it",
    ),
    owasp(
        "owasp-credentials-in-url",
        Error,
        "a query or path parameter carries a credential (`password`, `token`, `api_key`, `client_secret`...)",
    ),
    owasp(
        "owasp-http-basic",
        Warning,
        "a security scheme is HTTP Basic (the password travels with every request)",
    ),
    owasp(
        "owasp-rate-limit-retry-after",
        Warning,
        "a `429` response documents no `Retry-After` (nor `RateLimit`/`X-RateLimit-Reset`) header: clients cannot back off correctly",
    ),
    owasp(
        "owasp-string-max-length",
        Warning,
        "a string a client sends (parameter or request body, at any depth) has no `maxLength` (`enum`, `const`, a date/time/uuid/ip `format` bound it too; `binary` files are skipped)",
    ),
    owasp(
        "owasp-array-max-items",
        Warning,
        "an array a client sends has no `maxItems`",
    ),
    owasp(
        "owasp-integer-limits",
        Warning,
        "an integer a client sends has no lower or no upper bound (`format: int32`/`int64` counts as bounds; `enum`/`const` too)",
    ),
    owasp(
        "owasp-additional-properties",
        Warning,
        "an object a client sends allows any extra property (`additionalProperties: true` or a schema) without `maxProperties` (mass assignment)",
    ),
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The rule list for `stipula lint --help`.
pub fn help_text() -> String {
    let mut out = String::from("Rules (id, default severity):\n");
    for r in RULES {
        let severity = match (r.fatal, r.severity) {
            (true, _) => "error, stops loading".to_string(),
            (false, level) => {
                let level = if level == Error { "error" } else { "warning" };
                match r.set {
                    RuleSet::Recommended => level.to_string(),
                    set => format!("{level}, opt-in: {}", set.name()),
                }
            }
        };
        out.push_str(&format!(
            "  {} [{severity}]\n      {}\n",
            r.id, r.description
        ));
    }
    out
}
