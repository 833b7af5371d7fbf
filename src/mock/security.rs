//! Security as the spec documents it: a request must satisfy one of the operation's security
//! requirements (all schemes of it), else it gets 401.
//!
//! A credential is checked for presence and form only (a bearer token is a token68, a basic
//! credential is base64 of `user:password`), unless `--token` names the one credential to accept.
//! OAuth2 and OpenID Connect are checked as bearer tokens; mutual TLS cannot be seen over plain
//! HTTP and is taken as satisfied.

use hyper::HeaderMap;

use crate::spec::{ParamIn, SecurityScheme, Spec};

/// Why a request is not authorized, for the 401's detail and `WWW-Authenticate`.
pub struct Refusal {
    pub detail: String,
    /// The schemes that were not satisfied.
    pub schemes: Vec<String>,
    /// Challenges for `WWW-Authenticate` (`Bearer`, `Basic realm="stipula"`).
    pub challenges: Vec<String>,
}

/// Checks the request against the operation's effective security.
pub fn check(
    spec: &Spec,
    requirements: &[crate::spec::SecurityRequirement],
    headers: &HeaderMap,
    query: &[(&str, &str)],
    cookies: &[(&str, &str)],
    token: Option<&str>,
) -> Result<(), Refusal> {
    if requirements.is_empty() || requirements.iter().any(|r| r.schemes.is_empty()) {
        return Ok(());
    }
    let mut problems = Vec::new();
    let mut challenges = Vec::new();
    let mut schemes: Vec<String> = Vec::new();
    for requirement in requirements {
        let mut unmet = Vec::new();
        for (name, _scopes) in &requirement.schemes {
            let Some(scheme) = spec.security_scheme(name) else {
                // An undefined scheme cannot be satisfied by anything the client sends.
                unmet.push(format!(
                    "security scheme `{name}` is not defined in the spec"
                ));
                continue;
            };
            if let Err(e) = satisfied(scheme, headers, query, cookies, token) {
                unmet.push(format!("{name}: {e}"));
                if !schemes.contains(name) {
                    schemes.push(name.clone());
                }
                let challenge = match scheme {
                    SecurityScheme::Http { scheme, .. } if scheme == "basic" => {
                        "Basic realm=\"stipula\"".to_string()
                    }
                    SecurityScheme::Http { scheme, .. } if scheme != "bearer" => capitalize(scheme),
                    // No registered challenge exists for API keys; RFC 9110 still wants one on
                    // a 401, so name where the key goes.
                    SecurityScheme::ApiKey { name, location } => {
                        format!("APIKey name=\"{name}\", in=\"{}\"", location.as_str())
                    }
                    SecurityScheme::MutualTls => continue,
                    _ => "Bearer".to_string(),
                };
                if !challenges.contains(&challenge) {
                    challenges.push(challenge);
                }
            }
        }
        if unmet.is_empty() {
            return Ok(());
        }
        problems.push(unmet.join(" and "));
    }
    Err(Refusal {
        detail: problems.join("; or "),
        schemes,
        challenges,
    })
}

fn satisfied(
    scheme: &SecurityScheme,
    headers: &HeaderMap,
    query: &[(&str, &str)],
    cookies: &[(&str, &str)],
    token: Option<&str>,
) -> Result<(), String> {
    let matches_token = |credential: &str| match token {
        Some(t) if !same_secret(t, credential) => {
            Err("the credential is not the one this mock accepts (--token)".to_string())
        }
        _ => Ok(()),
    };
    match scheme {
        SecurityScheme::ApiKey { name, location } => {
            let value = match location {
                ParamIn::Header => headers
                    .get(name.as_str())
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                ParamIn::Query => query
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string()),
                ParamIn::Cookie => cookies
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string()),
                ParamIn::Path => None,
            };
            match value {
                Some(v) if !v.trim().is_empty() => matches_token(v.trim()),
                Some(_) => Err(format!("API key `{name}` is empty")),
                None => Err(format!("API key `{name}` missing ({})", location.as_str())),
            }
        }
        SecurityScheme::Http { scheme, .. } if scheme == "basic" => {
            let credential = authorization(headers, "Basic")?;
            let decoded = decode_base64(credential).ok_or("the Basic credential is not base64")?;
            let text =
                String::from_utf8(decoded).map_err(|_| "the Basic credential is not UTF-8 text")?;
            if !text.contains(':') {
                return Err("the Basic credential is not `user:password`".into());
            }
            matches_token(&text)
        }
        SecurityScheme::Http { scheme, .. } if scheme != "bearer" => {
            authorization(headers, scheme).and_then(matches_token)
        }
        SecurityScheme::Http { .. }
        | SecurityScheme::OAuth2 { .. }
        | SecurityScheme::OpenIdConnect { .. } => {
            let credential = authorization(headers, "Bearer")?;
            if !is_token68(credential) {
                return Err("the Bearer token is not well formed (RFC 6750 token68)".into());
            }
            matches_token(credential)
        }
        SecurityScheme::MutualTls => Ok(()),
    }
}

/// The credential after `Authorization: <scheme> `.
fn authorization<'h>(headers: &'h HeaderMap, scheme: &str) -> Result<&'h str, String> {
    let value = headers
        .get(hyper::header::AUTHORIZATION)
        .ok_or_else(|| {
            format!(
                "no Authorization header (expected `{}`)",
                capitalize(scheme)
            )
        })?
        .to_str()
        .map_err(|_| "the Authorization header is not visible ASCII".to_string())?;
    let (given, credential) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !given.eq_ignore_ascii_case(scheme) {
        return Err(format!(
            "Authorization uses `{given}`, expected `{}`",
            capitalize(scheme)
        ));
    }
    let credential = credential.trim();
    if credential.is_empty() {
        return Err(format!("the {} credential is empty", capitalize(scheme)));
    }
    Ok(credential)
}

/// Whether two credentials are equal, in time that does not depend on where they differ (a
/// client timing the answers must not learn the `--token` byte by byte). The length may leak.
fn same_secret(expected: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(decode_base64("dXNlcjpwYXNz").unwrap(), b"user:pass");
        assert_eq!(decode_base64("YQ==").unwrap(), b"a");
        assert!(decode_base64("***").is_none());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cret", "s3creT"));
        assert!(!same_secret("s3cret", "s3cre"));
        assert!(!same_secret("", "x"));
    }

    #[test]
    fn token68_shape() {
        assert!(is_token68("abc.DEF-123_~+/=="));
        assert!(!is_token68("has space"));
        assert!(!is_token68("=="));
    }
}
