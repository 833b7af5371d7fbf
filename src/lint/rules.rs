//! The rule table: every rule's stable id, default severity, and a one-line description with an
//! example. `--help`, docs/commands.md, SARIF's `rules` array and the config's validation all read it,
//! so a rule exists in exactly one place.

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
}

const fn rule(id: &'static str, severity: Severity, description: &'static str) -> Rule {
    Rule {
        id,
        severity,
        description,
        fatal: false,
    }
}

const fn fatal(id: &'static str, description: &'static str) -> Rule {
    Rule {
        id,
        severity: Severity::Error,
        description,
        fatal: true,
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
            (true, _) => "error, stops loading",
            (false, Error) => "error",
            (false, Warning) => "warning",
        };
        out.push_str(&format!(
            "  {} [{severity}]\n      {}\n",
            r.id, r.description
        ));
    }
    out
}
