//! Requests no case plans: the TCP probe of the target before anything else, and the fuzz
//! phase's probes of what the spec forbids (requests without or with wrong credentials on a
//! secured operation; undocumented methods on a path, which must get 405).
//!
//! Credentials live here too: which headers carry them (so a run can warn when none was given)
//! and the wrong ones to send.

use std::time::Duration;

use super::checks::Expect;
use super::event::{Check, Phase};
use super::request::{Auth, Credentials, Draft};
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
        wrong: Vec::new(),
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
                ParamIn::Header => wrong.push((name.clone(), "stipula-wrong-credential".into())),
                ParamIn::Cookie => {
                    wrong.push(("Cookie".into(), format!("{name}=stipula-wrong-credential")))
                }
                _ => return None,
            },
            SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
                // stipula:wrong
                wrong.push(("Authorization".into(), "Basic c3RpcHVsYTp3cm9uZw==".into()));
            }
            SecurityScheme::Http { .. }
            | SecurityScheme::OAuth2 { .. }
            | SecurityScheme::OpenIdConnect { .. } => {
                wrong.push((
                    "Authorization".into(),
                    "Bearer stipula-wrong-credential".into(),
                ));
            }
            SecurityScheme::MutualTls => return None,
        }
    }
    Some(wrong)
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
        for (credentials, what) in [
            (Credentials::Omitted, "without credentials"),
            (Credentials::Wrong, "with a wrong credential"),
        ] {
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
            let ex = self.exchange(op, &draft, &Expect::MethodNotAllowed, Phase::Fuzz);
            self.report_all(op, Phase::Fuzz, &ex, &[]);
        }
    }
}
