//! Credentials: the ones a config file gives per security scheme, put on the requests of the
//! operations that need them, and masking, so that no credential reaches a report.
//!
//! Masking happens once, where a finding is made (`Worker::report`), before it becomes an
//! event: every report (human, JSON, JUnit, HTML, a merged report, a baseline) consumes
//! findings, so none of them can leak what the runner did not let through, and none needs
//! its own masking. A masked request is still a complete curl command, with `***` where a
//! credential was (`--show-secrets` keeps them).
//!
//! What is masked: the values of `Authorization`, `Proxy-Authorization`, `Cookie` and
//! `Set-Cookie` headers, of the headers and query parameters the spec's API-key schemes name,
//! of every `--header` and config header; then every literal credential value (tokens,
//! passwords, API keys, the values of credential headers) wherever it appears (URLs, bodies,
//! messages), since a server may echo one back.

use std::collections::BTreeMap;

use base64::Engine;

use crate::spec::{Operation, ParamIn, SecurityScheme, Spec};

use super::event::{Finding, RequestRecord, ResponseRecord};
use super::request::{Auth, curl_command};

/// What stands for a masked value.
pub const MASK: &str = "***";
/// The wrong credential the auth probe sends (`probe::wrong_credentials`). It is no secret and
/// Headers whose values are credentials whatever the spec says (lower case).
pub const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// stays visible, so an `auth-enforced` finding shows what was accepted.
pub const WRONG_CREDENTIAL: &str = "stipula-wrong-credential";
/// `stipula:wrong` in base64, the probe's wrong HTTP basic credential.
pub const WRONG_BASIC: &str = "c3RpcHVsYTp3cm9uZw==";

/// The credential a config file gives for one security scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `{token: ...}`: a bearer token (HTTP bearer, OAuth2, OpenID Connect) or an API key.
    Token(String),
    /// `{username: ..., password: ...}`: HTTP basic.
    Basic { username: String, password: String },
    /// `{value: ...}`: an API key (or any scheme's raw value).
    Value(String),
}

impl Credential {
    fn secret_values(&self) -> Vec<String> {
        match self {
            Credential::Token(t) | Credential::Value(t) => vec![t.clone()],
            Credential::Basic { username, password } => vec![
                password.clone(),
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}")),
            ],
        }
    }
}

/// Checks that every credential names a scheme of the spec, of a kind it fits.
pub fn check_credentials(
    spec: &Spec,
    credentials: &BTreeMap<String, Credential>,
) -> Result<(), String> {
    for (name, credential) in credentials {
        let Some(scheme) = spec.security_scheme(name) else {
            let known: Vec<&str> = spec
                .security_schemes
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            return Err(format!(
                "auth.{name}: the spec has no security scheme `{name}` (it has: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        };
        let fits = match (scheme, credential) {
            (SecurityScheme::Http { scheme, .. }, Credential::Basic { .. }) => {
                scheme.eq_ignore_ascii_case("basic")
            }
            (SecurityScheme::Http { scheme, .. }, _) => !scheme.eq_ignore_ascii_case("basic"),
            (SecurityScheme::ApiKey { .. }, c) => !matches!(c, Credential::Basic { .. }),
            (SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIdConnect { .. }, c) => {
                !matches!(c, Credential::Basic { .. })
            }
            (SecurityScheme::MutualTls, _) => false,
        };
        if !fits {
            let want = match scheme {
                SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
                    "{username, password}"
                }
                SecurityScheme::ApiKey { .. } => "{value}",
                SecurityScheme::MutualTls => "nothing (mutual TLS is not a header)",
                _ => "{token}",
            };
            return Err(format!(
                "auth.{name}: this kind of credential does not fit the scheme; it takes {want}"
            ));
        }
    }
    Ok(())
}

/// Adds the config's credentials for `op` to `auth`: those of the first security alternative
/// of the operation whose schemes all have one (none when no alternative is complete). A
/// header already given (`--header`, which overrides the config) is left as it is.
pub fn apply(
    spec: &Spec,
    op: &Operation,
    credentials: &BTreeMap<String, Credential>,
    auth: &mut Auth,
) {
    if credentials.is_empty() {
        return;
    }
    let requirements = op.effective_security(&spec.security);
    let Some(alternative) = requirements
        .iter()
        .filter(|r| !r.schemes.is_empty())
        .find(|r| r.schemes.iter().all(|(n, _)| credentials.contains_key(n)))
    else {
        return;
    };
    for (name, _) in &alternative.schemes {
        let (Some(scheme), Some(credential)) = (spec.security_scheme(name), credentials.get(name))
        else {
            continue;
        };
        let raw = match credential {
            Credential::Token(t) | Credential::Value(t) => t.clone(),
            Credential::Basic { username, password } => format!("{username}:{password}"),
        };
        let (header, value) = match scheme {
            SecurityScheme::ApiKey { name, location } => match location {
                ParamIn::Header => (name.clone(), raw),
                ParamIn::Query => {
                    auth.query.push((name.clone(), raw));
                    continue;
                }
                ParamIn::Cookie => {
                    auth.cookies.push(format!("{name}={raw}"));
                    continue;
                }
                ParamIn::Path => continue,
            },
            SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => (
                "Authorization".to_string(),
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ),
            ),
            SecurityScheme::Http { scheme, .. } if !scheme.eq_ignore_ascii_case("bearer") => {
                ("Authorization".to_string(), format!("{scheme} {raw}"))
            }
            SecurityScheme::Http { .. }
            | SecurityScheme::OAuth2 { .. }
            | SecurityScheme::OpenIdConnect { .. } => {
                ("Authorization".to_string(), format!("Bearer {raw}"))
            }
            SecurityScheme::MutualTls => continue,
        };
        if !auth
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(&header))
        {
            auth.headers.push((header, value));
        }
    }
}

/// Hides credentials in findings (see the module note). `Masker::off()` changes nothing.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    on: bool,
    /// Lower-case header names whose values are hidden.
    headers: Vec<String>,
    /// Query parameter names whose values are hidden.
    query: Vec<String>,
    /// Literal values hidden wherever they appear, longest first.
    literals: Vec<String>,
}

impl Masker {
    /// Hides the values of the headers that carry credentials in any API
    /// ([`CREDENTIAL_HEADERS`]); what a spec adds (API-key headers and query parameters) needs
    /// [`Masker::new`].
    pub fn standard() -> Masker {
        Masker {
            on: true,
            headers: CREDENTIAL_HEADERS.map(String::from).to_vec(),
            ..Masker::default()
        }
    }

    pub fn off() -> Masker {
        Masker::default()
    }

    /// The masker of a run: `headers` are the run's own headers (`--header` and the config's).
    pub fn new(
        spec: &Spec,
        headers: &[(String, String)],
        credentials: &BTreeMap<String, Credential>,
    ) -> Masker {
        let mut m = Masker {
            on: true,
            ..Masker::standard()
        };
        for (_, scheme) in spec.security_schemes.iter() {
            if let SecurityScheme::ApiKey { name, location } = scheme {
                match location {
                    ParamIn::Header => m.headers.push(name.to_ascii_lowercase()),
                    ParamIn::Query => m.query.push(name.clone()),
                    _ => {}
                }
            }
        }
        for (name, value) in headers {
            let lower = name.to_ascii_lowercase();
            // Every run header's value is hidden in its own header; only credentials are also
            // hunted for elsewhere (`Accept: application/json` must not mask every body).
            let credential = m.headers.contains(&lower)
                || [
                    "auth",
                    "token",
                    "key",
                    "secret",
                    "session",
                    "password",
                    "signature",
                ]
                .iter()
                .any(|w| lower.contains(w));
            m.headers.push(lower);
            if !credential {
                continue;
            }
            m.literals.push(value.clone());
            // `Bearer abc`: the token alone may show up elsewhere.
            if let Some((_, token)) = value.split_once(' ') {
                m.literals.push(token.trim().to_string());
            }
        }
        for credential in credentials.values() {
            m.literals.extend(credential.secret_values());
        }
        // Too short a value would mask innocent text everywhere (a `1` in every body).
        m.literals.retain(|v| v.chars().count() >= 4);
        m.literals.sort_by_key(|v| std::cmp::Reverse(v.len()));
        m.literals.dedup();
        m
    }

    pub fn finding(&self, f: &mut Finding) {
        if !self.on {
            return;
        }
        f.request = self.request(&f.request);
        for step in &mut f.steps {
            *step = self.request(step);
        }
        if let Some(r) = &mut f.response {
            self.response(r);
        }
        f.message = self.text(&f.message);
        for v in &mut f.violations {
            v.message = self.text(&v.message);
        }
    }

    /// A request with its credentials hidden, and a curl command to match.
    pub fn request(&self, r: &RequestRecord) -> RequestRecord {
        if !self.on {
            return r.clone();
        }
        let headers: Vec<(String, String)> = r
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), self.header(n, v)))
            .collect();
        let url = self.text(&self.url(&r.url));
        let body = r.body.as_ref().map(|b| self.text(b));
        RequestRecord {
            method: r.method.clone(),
            curl: curl_command(&r.method, &url, &headers, body.as_deref()),
            url,
            headers,
            body,
        }
    }

    fn response(&self, r: &mut ResponseRecord) {
        for (n, v) in &mut r.headers {
            *v = self.header(n, v);
        }
        r.body = self.text(&r.body);
    }

    fn header(&self, name: &str, value: &str) -> String {
        let probe = value.ends_with(WRONG_CREDENTIAL) || value.ends_with(WRONG_BASIC);
        if !self.headers.contains(&name.to_ascii_lowercase()) || probe {
            return self.text(value);
        }
        // Keep the scheme word of `Authorization: Bearer ...` (it says which kind was sent).
        match value.split_once(' ') {
            Some((scheme, _))
                if name.eq_ignore_ascii_case("authorization")
                    && scheme.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                format!("{scheme} {MASK}")
            }
            _ => MASK.to_string(),
        }
    }

    fn url(&self, url: &str) -> String {
        if self.query.is_empty() {
            return url.to_string();
        }
        let Some((base, query)) = url.split_once('?') else {
            return url.to_string();
        };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _))
                    if self.query.iter().any(|q| {
                        percent_encoding::percent_decode_str(k).decode_utf8_lossy() == *q
                    }) =>
                {
                    format!("{k}={MASK}")
                }
                _ => pair.to_string(),
            })
            .collect();
        format!("{base}?{}", pairs.join("&"))
    }

    fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.literals {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
            let encoded =
                percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            if encoded != *secret && out.contains(&encoded) {
                out = out.replace(&encoded, MASK);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masker() -> Masker {
        let spec = crate::spec::Spec::from_str(
            "t.yaml",
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  securitySchemes:\n    k: {type: apiKey, in: header, name: X-Api-Key}\n",
            Default::default(),
        )
        .unwrap();
        Masker::new(
            &spec,
            &[
                ("Accept".into(), "application/json".into()),
                ("X-Api-Key".into(), "k-123456".into()),
                ("X-Session-Id".into(), "sess-99999".into()),
            ],
            &BTreeMap::new(),
        )
    }

    #[test]
    fn run_headers_are_hidden_but_only_credentials_are_hunted_elsewhere() {
        let m = masker();
        let r = m.request(&RequestRecord {
            method: "POST".into(),
            url: "http://h/x?q=k-123456".into(),
            headers: vec![
                ("Accept".into(), "application/json".into()),
                ("Content-Type".into(), "application/json".into()),
                ("X-Api-Key".into(), "k-123456".into()),
                ("Cookie".into(), "sid=abc".into()),
            ],
            body: Some("{\"s\":\"sess-99999\",\"t\":\"application/json\"}".into()),
            curl: String::new(),
        });
        let h: Vec<&str> = r.headers.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(h, ["***", "application/json", "***", "***"]);
        assert_eq!(r.url, "http://h/x?q=***");
        assert_eq!(
            r.body.as_deref(),
            Some("{\"s\":\"***\",\"t\":\"application/json\"}")
        );
        assert!(!r.curl.contains("k-123456") && r.curl.contains("'X-Api-Key: ***'"));
    }
}
