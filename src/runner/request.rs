//! From model values to bytes on the wire and back: a [`Draft`] (parameter values and a body,
//! as JSON values) is serialized exactly as the spec's styles and media types say into a
//! [`Prepared`] request, sent with a blocking reqwest client, and the answer read into a
//! [`Received`]. Also renders a sent request as a runnable curl command.
//!
//! Drafts stay in model terms so that generation, mutation and shrinking work on values, and
//! only this module knows about URLs, header syntax and body encodings.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::params;
use crate::spec::{Method, Operation, ParamIn};

use super::event::{RequestRecord, ResponseRecord};

/// A request body before encoding.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyDraft {
    /// A value to encode as `media_type` says (JSON, form, text).
    Value { media_type: String, value: Value },
    /// Bytes sent as they are (a malformed body, a wrong content type).
    Raw { media_type: String, bytes: Vec<u8> },
}

/// How a draft carries credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// The headers the user gave (`--header`).
    Given,
    /// None at all: the user's credential headers are dropped.
    Omitted,
    /// The user's credential headers replaced by a wrong credential of the scheme's kind.
    Wrong,
}

/// One request in model terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// One value per `Operation::parameters` entry; `None` leaves the parameter out.
    pub params: Vec<Option<Value>>,
    pub body: Option<BodyDraft>,
    /// Another method than the operation's (the 405 probe).
    pub method: Option<Method>,
    pub credentials: Credentials,
}

impl Draft {
    pub fn new(params: Vec<Option<Value>>, body: Option<BodyDraft>) -> Draft {
        Draft {
            params,
            body,
            method: None,
            credentials: Credentials::Given,
        }
    }
}

/// What the run knows about credentials: the user's headers and which of them the spec's
/// security schemes name.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    /// Every `--header` given, in order.
    pub headers: Vec<(String, String)>,
    /// Lower-case names of headers that carry credentials (`authorization`, API-key headers).
    pub credential_headers: Vec<String>,
    /// Wrong credentials to send instead: (header name, value).
    pub wrong: Vec<(String, String)>,
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// The answer, or why there is none.
#[derive(Debug, Clone)]
pub struct Received {
    pub status: u16,
    /// Names lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// At most the run's `--max-response-bytes`; see `truncated`.
    pub body: Vec<u8>,
    /// The server sent more than the limit: `body` is its first part, the rest was not read.
    pub truncated: bool,
    pub elapsed: Duration,
}

impl Received {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn record(&self) -> ResponseRecord {
        let limit = ResponseRecord::BODY_LIMIT.min(self.body.len());
        let mut body = String::from_utf8_lossy(&self.body[..limit]).into_owned();
        if self.truncated {
            body.push_str(&format!(
                "… (more than {} bytes; the rest was not read)",
                self.body.len()
            ));
        } else if self.body.len() > limit {
            body.push_str(&format!("… ({} bytes in all)", self.body.len()));
        }
        ResponseRecord {
            status: self.status,
            headers: self.headers.clone(),
            body,
            elapsed_ms: self.elapsed.as_secs_f64() * 1000.0,
        }
    }
}

/// Serializes a draft for `op` against `base_url` (which includes any base path).
pub fn prepare(op: &Operation, draft: &Draft, base_url: &str, auth: &Auth) -> Prepared {
    let mut path = String::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        path.push_str(&rest[..open]);
        let name = &rest[open + 1..open + close];
        let value = op
            .parameters
            .iter()
            .zip(&draft.params)
            .find(|(p, _)| p.location == ParamIn::Path && p.name == name);
        match value {
            Some((p, Some(v))) => path.push_str(&params::encode_path(p, v)),
            // A missing path parameter: keep the template text so the URL stays well formed.
            _ => path.push_str(&rest[open..open + close + 1]),
        }
        rest = &rest[open + close + 1..];
    }
    path.push_str(rest);

    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut cookies = Vec::new();
    for (p, v) in op.parameters.iter().zip(&draft.params) {
        let Some(v) = v else { continue };
        match p.location {
            ParamIn::Query => query.extend(params::encode_query(p, v)),
            // The run's own headers (`--header`) replace parameters of the same name; the body
            // decides Content-Type, and a generated Accept would only provoke 406s.
            ParamIn::Header
                if auth
                    .headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(&p.name))
                    || p.name.eq_ignore_ascii_case("content-type")
                    || p.name.eq_ignore_ascii_case("accept") => {}
            ParamIn::Header => headers.push((p.name.clone(), params::encode_header(p, v))),
            ParamIn::Cookie => cookies.push(params::encode_cookie(p, v)),
            ParamIn::Path => {}
        }
    }
    let mut url = format!("{}{}", base_url.trim_end_matches('/'), path);
    if !query.is_empty() {
        url.push('?');
        let pairs: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        url.push_str(&pairs.join("&"));
    }

    for (name, value) in &auth.headers {
        let credential = auth.credential_headers.contains(&name.to_ascii_lowercase());
        if credential && draft.credentials != Credentials::Given {
            continue;
        }
        headers.push((name.clone(), value.clone()));
    }
    if draft.credentials == Credentials::Wrong {
        headers.extend(auth.wrong.iter().cloned());
    }
    if !cookies.is_empty() {
        headers.push(("Cookie".into(), cookies.join("; ")));
    }

    let body = draft.body.as_ref().map(|b| match b {
        BodyDraft::Value { media_type, value } => {
            let content_type = if crate::media::essence(media_type) == "multipart/form-data" {
                format!(
                    "multipart/form-data; boundary={}",
                    params::multipart::BOUNDARY
                )
            } else {
                media_type.clone()
            };
            headers.push(("Content-Type".into(), content_type));
            body_bytes(media_type, value)
        }
        BodyDraft::Raw { media_type, bytes } => {
            headers.push(("Content-Type".into(), media_type.clone()));
            bytes.clone()
        }
    });
    Prepared {
        method: draft.method.unwrap_or(op.method).as_str().to_string(),
        url,
        headers,
        body,
    }
}

/// Whether the runner can write a body of this media type from a value.
pub fn can_encode(media_type: &str) -> bool {
    let e = crate::media::essence(media_type);
    crate::media::is_json(media_type)
        || e == "application/x-www-form-urlencoded"
        || e == "multipart/form-data"
        || e == "text/plain"
}

/// A body value as the bytes sent for `media_type` (JSON, form, multipart, plain text).
pub fn body_bytes(media_type: &str, value: &Value) -> Vec<u8> {
    let essence = crate::media::essence(media_type);
    if essence == "multipart/form-data" {
        return params::multipart::encode(value);
    }
    if essence == "application/x-www-form-urlencoded" {
        let mut out = params::form::encode(value);
        out.shrink_to_fit();
        return out.into_bytes();
    }
    if essence == "text/plain"
        && let Value::String(s) = value
    {
        return s.clone().into_bytes();
    }
    if essence == "text/plain" {
        return value.to_string().into_bytes();
    }
    serde_json::to_vec(value).unwrap_or_default()
}

/// One HTTP client per worker: blocking reqwest, no redirects followed, no proxy. For a plain
/// `http://` target no TLS roots are loaded (reading the system's costs ~35 ms per client).
pub fn client(timeout: Duration, plain_http: bool) -> Result<reqwest::blocking::Client, String> {
    let mut builder = reqwest::blocking::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if plain_http {
        builder = builder.tls_certs_only([]);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Sends a prepared request and reads at most `max_body` bytes of the answer (a larger body is
/// cut and marked `truncated`: a target answering a gigabyte must not exhaust the runner's
/// memory). `Err` says why no response came (timeout, connection refused or reset, an
/// unparseable response).
pub fn send(
    client: &reqwest::blocking::Client,
    request: &Prepared,
    max_body: u64,
) -> Result<Received, String> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|e| format!("method {}: {e}", request.method))?;
    let mut builder = client.request(method, &request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let started = Instant::now();
    let response = builder.send().map_err(describe_error)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(response, max_body.saturating_add(1)),
        &mut body,
    )
    .map_err(describe_read_error)?;
    let truncated = body.len() as u64 > max_body;
    body.truncate(usize::try_from(max_body).unwrap_or(usize::MAX));
    Ok(Received {
        status,
        headers,
        body,
        truncated,
        elapsed: started.elapsed(),
    })
}

/// A body read error: reqwest's error (timeout, reset) wrapped in an `io::Error`.
fn describe_read_error(e: std::io::Error) -> String {
    match e.into_inner() {
        Some(inner) => match inner.downcast::<reqwest::Error>() {
            Ok(e) => describe_error(*e),
            Err(other) => format!("the exchange failed: {other}"),
        },
        None => "the exchange failed while reading the body".to_string(),
    }
}

fn describe_error(e: reqwest::Error) -> String {
    use std::error::Error;
    let mut text = if e.is_timeout() {
        "no response before the timeout".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "the exchange failed".to_string()
    };
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl Prepared {
    pub fn record(&self) -> RequestRecord {
        RequestRecord {
            method: self.method.clone(),
            url: self.url.clone(),
            headers: self.headers.clone(),
            body: self
                .body
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            curl: self.curl(),
        }
    }

    /// A shell command that sends this request (POSIX quoting).
    pub fn curl(&self) -> String {
        let mut out = format!("curl -X {} {}", self.method, shell_quote(&self.url));
        for (n, v) in &self.headers {
            out.push_str(" -H ");
            out.push_str(&shell_quote(&format!("{n}: {v}")));
        }
        if let Some(body) = &self.body {
            out.push_str(" --data-binary ");
            out.push_str(&shell_quote(&String::from_utf8_lossy(body)));
        }
        out
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Header parameters OpenAPI 3 says to ignore: `Accept`, `Content-Type`, `Authorization`.
pub fn is_reserved_header(name: &str) -> bool {
    ["accept", "content-type", "authorization"]
        .iter()
        .any(|r| name.eq_ignore_ascii_case(r))
}

/// Whether text can travel as an HTTP header value (visible ASCII, spaces and tabs, no
/// leading or trailing whitespace, which would be trimmed).
pub fn is_header_text(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)) && s.trim() == s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_quotes_single_quotes() {
        let p = Prepared {
            method: "POST".into(),
            url: "http://127.0.0.1:1/a?b=c".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some(br#"{"name":"O'Brien"}"#.to_vec()),
        };
        assert_eq!(
            p.curl(),
            r#"curl -X POST 'http://127.0.0.1:1/a?b=c' -H 'Content-Type: application/json' --data-binary '{"name":"O'\''Brien"}'"#
        );
    }

    #[test]
    fn header_text() {
        assert!(is_header_text("Bearer abc"));
        assert!(!is_header_text("Zoë"));
        assert!(!is_header_text(" padded"));
    }
}
