//! Requests no case plans: the TCP probe of the target before anything else, and the fuzz
//! phase's probes of what the spec forbids (requests without or with wrong credentials on a
//! secured operation; undocumented methods on a path, which must get 405).
//!
//! Credentials live here too: which headers carry them (so a run can warn when none was given)
//! and the wrong ones to send.

use std::time::Duration;

use super::checks::Expect;
use super::event::{Check, Phase};
use super::request::{self, Auth, Credentials, Draft};
use super::secrets::WRONG_CREDENTIAL;
use super::{Config, RunError, Worker};
use crate::spec::{Method, Operation, ParamIn, SecurityScheme, Spec};

/// A TCP connection to the target's host and port, before anything else.
pub(super) fn probe_reachable(base_url: &str) -> Result<(), RunError> {
    let unreachable = |reason: String| RunError::Unreachable {
        url: base_url.to_string(),
        reason,
    };
    let url = reqwest::Url::parse(base_url).map_err(|e| unreachable(format!("bad URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(unreachable(format!(
            "the scheme must be http or https, not {}",
            url.scheme()
        )));
    }
    let addrs = url
        .socket_addrs(|| None)
        .map_err(|e| unreachable(e.to_string()))?;
    let mut last = String::from("no address");
    for addr in addrs {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            Ok(stream) if url.scheme() == "https" && speaks_plain_http(&stream) => {
                let mut fixed = url.clone();
                let _ = fixed.set_scheme("http");
                return Err(unreachable(format!(
                    "it answers plain HTTP, not TLS: use --url {}",
                    fixed.as_str().trim_end_matches('/')
                )));
            }
            Ok(_) => return Ok(()),
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(unreachable(last))
}

/// Which headers carry credentials, and the wrong credentials to try.
pub(super) fn auth(spec: &Spec, config: &Config) -> Auth {
    let mut credential_headers = Vec::new();
    for (_, scheme) in spec.security_schemes.iter() {
        let name = match scheme {
            SecurityScheme::ApiKey { name, location } => match location {
                ParamIn::Header => name.to_ascii_lowercase(),
                ParamIn::Cookie => "cookie".into(),
                _ => continue,
            },
            SecurityScheme::Http { .. }
            | SecurityScheme::OAuth2 { .. }
            | SecurityScheme::OpenIdConnect { .. } => "authorization".into(),
            SecurityScheme::MutualTls => continue,
        };
        if !credential_headers.contains(&name) {
            credential_headers.push(name);
        }
    }
    Auth {
        headers: config.headers.clone(),
        credential_headers,
        ..Auth::default()
    }
}

/// The wrong credentials for an operation (its first security alternative), or `None` when
/// the operation is not secured or its security cannot be taken away by headers.
pub(super) fn wrong_credentials(spec: &Spec, op: &Operation) -> Option<Vec<(String, String)>> {
    let requirements = op.effective_security(&spec.security);
    if requirements.is_empty() || requirements.iter().any(|r| r.schemes.is_empty()) {
        return None;
    }
    let mut wrong = Vec::new();
    for (name, _) in &requirements[0].schemes {
        match spec.security_scheme(name)? {
            SecurityScheme::ApiKey { name, location } => match location {
                ParamIn::Header => wrong.push((name.clone(), WRONG_CREDENTIAL.into())),
                ParamIn::Cookie => {
                    wrong.push(("Cookie".into(), format!("{name}={WRONG_CREDENTIAL}")))
                }
                _ => return None,
            },
            // Under HTTP basic any user:pass may be a valid identity (Kinto creates one per
            // pair): no credential is wrong for certain, so none is sent.
            SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {}
            SecurityScheme::Http { .. }
            | SecurityScheme::OAuth2 { .. }
            | SecurityScheme::OpenIdConnect { .. } => {
                wrong.push(("Authorization".into(), format!("Bearer {WRONG_CREDENTIAL}")));
            }
            SecurityScheme::MutualTls => return None,
        }
    }
    Some(wrong)
}

/// Whether a server reached for `https://` answers a plain HTTP request with an HTTP status
/// line (a TLS server answers with an alert or closes).
fn speaks_plain_http(mut stream: &std::net::TcpStream) -> bool {
    use std::io::{Read, Write};
    let timeout = Some(Duration::from_secs(2));
    if stream.set_read_timeout(timeout).is_err() || stream.set_write_timeout(timeout).is_err() {
        return false;
    }
    if stream
        .write_all(b"HEAD / HTTP/1.1\r\nHost: stipula\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

/// What the server answers for a path that cannot exist (with the run's headers), when it is a
/// 404: requests that get the same answer were not routed.
pub(super) fn no_route(config: &Config) -> Option<super::health::NoRoute> {
    let plain_http = config.base_url.starts_with("http://");
    let timeout = config.timeout.min(Duration::from_secs(5));
    let client = request::client(timeout, plain_http).ok()?;
    let prepared = request::Prepared {
        method: "GET".into(),
        url: format!(
            "{}{}",
            config.base_url.trim_end_matches('/'),
            super::health::NO_ROUTE_PATH
        ),
        headers: config.headers.clone(),
        body: None,
    };
    let got = request::send(&client, &prepared, config.max_response_bytes, timeout).ok()?;
    super::health::NoRoute::from_answer(got.status, &got.body)
}

impl Worker<'_> {
    /// Authentication and undocumented-method probes.
    pub(super) fn probes(&self, op_index: usize, base: &Draft) {
        let checks = &self.shared.config.checks;
        if checks.contains(&Check::AuthEnforced) {
            self.auth_probes(self.op(op_index), base);
        }
        if checks.contains(&Check::MethodNotAllowed) {
            self.method_probes(op_index, base);
        }
    }

    /// A secured operation without credentials, then with wrong ones: both must be refused.
    fn auth_probes(&self, op: &Operation, base: &Draft) {
        if wrong_credentials(self.shared.spec, op).is_none() {
            return;
        }
        let certainly_wrong =
            wrong_credentials(self.shared.spec, op).is_some_and(|w| !w.is_empty());
        for (credentials, what) in [
            (Credentials::Omitted, "without credentials"),
            (Credentials::Wrong, "with a wrong credential"),
        ] {
            if credentials == Credentials::Wrong && !certainly_wrong {
                continue;
            }
            let draft = Draft {
                credentials,
                ..base.clone()
            };
            let expect = Expect::Unauthorized { what: what.into() };
            let ex = self.exchange(op, &draft, &expect, Phase::Fuzz);
            self.report_all(op, Phase::Fuzz, &ex, &[]);
        }
    }

    /// Every common method the path does not document must get 405. Runs once per path: in
    /// the unit of the path's first selected operation.
    fn method_probes(&self, op_index: usize, base: &Draft) {
        let spec = self.shared.spec;
        let op = self.op(op_index);
        // Documented on this path or any path of the same shape (`/a/{x}` and `/a/{y}` are one
        // URL pattern: a server routes both the same).
        let first_on_path = !spec.operations[..op_index]
            .iter()
            .any(|o| o.shape == op.shape);
        if !first_on_path {
            return;
        }
        let documented: Vec<Method> = spec
            .operations
            .iter()
            .filter(|o| o.shape == op.shape)
            .map(|o| o.method)
            .collect();
        for method in [
            Method::Get,
            Method::Put,
            Method::Post,
            Method::Delete,
            Method::Patch,
        ] {
            if documented.contains(&method) {
                continue;
            }
            let draft = Draft {
                method: Some(method),
                ..base.clone()
            };
            // A route of another shape may serve this method on the same URL (`/api/{x}`
            // and `/api/me`, or a path parameter that takes slashes): not a probe then.
            let url =
                request::prepare(op, &draft, &self.shared.config.base_url, &self.shared.auth).url;
            let path = url_path_below(&url, &self.shared.config.base_url);
            if spec
                .operations
                .iter()
                .any(|o| o.method == method && template_matches(&o.path, &path))
            {
                continue;
            }
            let ex = self.exchange(op, &draft, &Expect::MethodNotAllowed, Phase::Fuzz);
            // Filed under the method and path probed, not the operation that lent its
            // request.
            let mut probed = op.clone();
            probed.method = method;
            probed.operation_id = None;
            self.report_all(&probed, Phase::Fuzz, &ex, &[]);
        }
    }
}

/// The path of `url` below the base URL's path, without the query.
fn url_path_below(url: &str, base_url: &str) -> String {
    let path = reqwest::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    let base = reqwest::Url::parse(base_url)
        .map(|u| u.path().trim_end_matches('/').to_string())
        .unwrap_or_default();
    path.strip_prefix(&base).unwrap_or(&path).to_string()
}

/// Whether a concrete (percent-encoded) path could be routed to a path template: each
/// `{param}` taken as one or more characters, slashes included (servers such as Jupyter let
/// a path parameter span segments), so an overlap is never missed.
fn template_matches(template: &str, path: &str) -> bool {
    let mut re = String::from("^");
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        re.push_str(&regex::escape(&rest[..open]));
        re.push_str(".+");
        rest = match rest[open..].find('}') {
            Some(close) => &rest[open + close + 1..],
            None => "",
        };
    }
    re.push_str(&regex::escape(rest));
    re.push_str("/?$");
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_templates() {
        assert!(template_matches("/api/{x}", "/api/me"));
        assert!(template_matches(
            "/api/contents/{path}",
            "/api/contents/a/b/checkpoints"
        ));
        assert!(!template_matches("/api/me", "/api/you"));
        assert_eq!(
            url_path_below("http://h:1/v1/a/b?c=d", "http://h:1/v1"),
            "/a/b"
        );
    }
}
