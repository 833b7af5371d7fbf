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
    /// API keys sent as query parameters (config `auth`), with the given credentials only.
    pub query: Vec<(String, String)>,
    /// API keys sent as cookies (`name=value`), with the given credentials only.
    pub cookies: Vec<String>,
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
    /// Whether the request's URL names this status as a path segment or query value
    /// (`/status/503`, `?code=503`): an API that answers the status it is asked for.
    pub asked_status: bool,
    /// The request's path (to tell a redirect elsewhere from one to the same place).
    pub path: String,
    /// The status line's code as sent, when the client could not read it (`-474`, `187`):
    /// the answer was read again over a raw connection, and has no headers or body.
    pub raw_status: Option<String>,
    /// Names lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// At most the run's `--max-response-bytes`; see `truncated`.
    pub body: Vec<u8>,
    /// The server sent more than the limit: `body` is its first part, the rest was not read.
    pub truncated: bool,
    pub elapsed: Duration,
}

impl Received {
    /// An answer whose status line the client refused (`raw_status`: the code as sent), with
    /// no headers or body.
    fn unreadable_status(
        status: u16,
        raw_status: String,
        asked_status: bool,
        path: String,
        elapsed: Duration,
    ) -> Received {
        Received {
            status,
            asked_status,
            raw_status: Some(raw_status),
            path,
            headers: Vec::new(),
            body: Vec::new(),
            truncated: false,
            elapsed,
        }
    }

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
    if draft.credentials == Credentials::Given {
        for (name, value) in &auth.query {
            const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
                .remove(b'-')
                .remove(b'.')
                .remove(b'_')
                .remove(b'~');
            let encode = |t: &str| percent_encoding::utf8_percent_encode(t, UNRESERVED).to_string();
            query.push((encode(name), encode(value)));
        }
        cookies.extend(auth.cookies.iter().cloned());
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
            // Multipart parts are labelled as the media type's `encoding` says.
            let encoding = op
                .request_body
                .iter()
                .flat_map(|b| &b.content)
                .find(|m| &m.media_type == media_type)
                .map_or(&[][..], |m| &m.encoding);
            if crate::media::essence(media_type) == "multipart/form-data" {
                params::multipart::encode_with(value, encoding)
            } else {
                body_bytes(media_type, value)
            }
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

/// Why an exchange has no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoResponseKind {
    /// Nothing before the client's timeout.
    Timeout,
    /// The connection could not be made.
    Connect,
    /// The exchange broke: reset, cut short, or an answer the client cannot read.
    Broken,
    /// The request was held back (the run's time budget, an operation that keeps timing
    /// out): nothing to judge.
    NotSent,
}

/// No response, and why.
#[derive(Debug, Clone)]
pub struct NoResponse {
    pub kind: NoResponseKind,
    pub message: String,
}

impl std::fmt::Display for NoResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Sends a prepared request. `Err` says why no response came (timeout, connection refused or
/// reset, an unparseable response). An answer the client cannot read whose status line is
/// still there (a 1xx as the final status, a status of `0`) is read again over a raw
/// connection (plain HTTP only; the request is sent a second time) and returned with that
/// status and nothing else, so the checks can say what it is.
///
/// At most `max_body` bytes of the answer are read (a larger body is cut and marked
/// `truncated`: a target answering a gigabyte must not exhaust the runner's memory).
pub fn send(
    client: &reqwest::blocking::Client,
    request: &Prepared,
    max_body: u64,
    timeout: Duration,
) -> Result<Received, NoResponse> {
    let method =
        reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| NoResponse {
            kind: NoResponseKind::Broken,
            message: format!("method {}: {e}", request.method),
        })?;
    let mut builder = client.request(method, &request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let started = Instant::now();
    let path = url_path(&request.url);
    let response = match builder.send() {
        Ok(r) => r,
        Err(e) => {
            let error = describe_error(e);
            if error.kind == NoResponseKind::Broken
                && let Some(code) = raw_status(request)
                && !code.parse::<u16>().is_ok_and(|s| (200..=599).contains(&s))
            {
                let (status, asked) = (code.parse().unwrap_or(0), asks_for(&request.url, &code));
                return Ok(Received::unreadable_status(
                    status,
                    code,
                    asked,
                    path,
                    started.elapsed(),
                ));
            }
            // The client refused the status line, and the URL asks for a code that is no
            // HTTP status (`/status/-236,263`: the server picks one at random, so the raw
            // read above may have seen the other).
            if error.message.contains("invalid HTTP status-code")
                && let Some(code) = asked_codes(&request.url)
                    .into_iter()
                    .find(|c| !c.parse::<u16>().is_ok_and(|s| (100..=999).contains(&s)))
            {
                return Ok(Received::unreadable_status(
                    0,
                    code,
                    true,
                    path,
                    started.elapsed(),
                ));
            }
            return Err(error);
        }
    };
    let status = response.status().as_u16();
    let headers = header_pairs(response.headers());
    let mut body = read_body(response, max_body, started, timeout)?;
    let truncated = body.len() as u64 > max_body;
    body.truncate(usize::try_from(max_body).unwrap_or(usize::MAX));
    Ok(Received {
        status,
        asked_status: asks_for(&request.url, &status.to_string()),
        raw_status: None,
        path,
        headers,
        body,
        truncated,
        elapsed: started.elapsed(),
    })
}

/// A body read error: reqwest's error (timeout, reset) wrapped in an `io::Error`.
/// The body, up to one byte past `max_body`, read before `timeout` from `started` runs out.
/// reqwest's blocking client times each read, not the whole body: a server dripping a byte
/// every second (httpbin's `/drip`) kept a request going for minutes, past `--timeout` and
/// `--max-duration`. A read still blocks up to `timeout`, so an exchange ends within twice it.
fn read_body(
    response: reqwest::blocking::Response,
    max_body: u64,
    started: Instant,
    timeout: Duration,
) -> Result<Vec<u8>, NoResponse> {
    use std::io::Read;
    let mut reader = response.take(max_body.saturating_add(1));
    let mut body = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if started.elapsed() > timeout {
            return Err(NoResponse {
                kind: NoResponseKind::Timeout,
                message: format!(
                    "no response before the timeout: the body was still arriving after {} s ({} bytes so far)",
                    timeout.as_secs_f64(),
                    body.len()
                ),
            });
        }
        match reader.read(&mut chunk) {
            Ok(0) => return Ok(body),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(describe_read_error(e)),
        }
    }
}

fn describe_read_error(e: std::io::Error) -> NoResponse {
    match e.into_inner() {
        Some(inner) => match inner.downcast::<reqwest::Error>() {
            Ok(e) => describe_error(*e),
            Err(other) => NoResponse {
                kind: NoResponseKind::Broken,
                message: format!("the exchange failed: {other}"),
            },
        },
        None => NoResponse {
            kind: NoResponseKind::Broken,
            message: "the exchange failed while reading the body".to_string(),
        },
    }
}

fn describe_error(e: reqwest::Error) -> NoResponse {
    use std::error::Error;
    let kind = if e.is_timeout() {
        NoResponseKind::Timeout
    } else if e.is_connect() {
        NoResponseKind::Connect
    } else {
        NoResponseKind::Broken
    };
    let mut text = match kind {
        NoResponseKind::Timeout => "no response before the timeout".to_string(),
        NoResponseKind::Connect => "could not connect".to_string(),
        NoResponseKind::Broken | NoResponseKind::NotSent => "the exchange failed".to_string(),
    };
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    NoResponse {
        kind,
        message: text,
    }
}

/// The path of a URL (`/` when it has none).
fn url_path(url: &str) -> String {
    reqwest::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| "/".into())
}

/// Whether the URL asks for the status `code`: a path segment right after one named like a
/// status (`/status/503`, `/status/200,503`) or a query value of a parameter named so
/// (`?code=503`). A `?limit=500` asks for nothing.
fn asks_for(url: &str, code: &str) -> bool {
    // As numbers where both are (`/status/07` asks for the `7` the server sends back).
    let number = |c: &str| c.trim().parse::<i128>().ok();
    asked_codes(url)
        .iter()
        .any(|c| c == code || number(c).is_some_and(|n| number(code) == Some(n)))
}

/// The status codes a URL asks for (see [`asks_for`]), as written.
fn asked_codes(url: &str) -> Vec<String> {
    let Ok(url) = reqwest::Url::parse(url) else {
        return Vec::new();
    };
    let about_status = |name: &str| {
        let n = name.to_ascii_lowercase();
        n.contains("status") || n.contains("code")
    };
    let tokens = |text: &str| -> Vec<String> {
        text.split([',', '|', ' '])
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let mut out = Vec::new();
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| {
            s.map(|x| params::percent_decode(x, false).unwrap_or_else(|_| x.to_string()))
                .collect()
        })
        .unwrap_or_default();
    for w in segments.windows(2) {
        if about_status(&w[0]) {
            out.extend(tokens(&w[1]));
        }
    }
    for (k, v) in url.query_pairs() {
        if about_status(&k) {
            out.extend(tokens(&v));
        }
    }
    out
}

/// The status line's code as text, read over a raw HTTP/1.1 connection (plain `http://`
/// only): for answers the client refuses to parse. `None` when there is no status line to
/// read, or its code is not a (possibly negative) number.
fn raw_status(request: &Prepared) -> Option<String> {
    use std::io::{Read, Write};
    let url = reqwest::Url::parse(&request.url).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let addr = url.socket_addrs(|| None).ok()?.into_iter().next()?;
    let timeout = Duration::from_secs(2);
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream.set_write_timeout(Some(timeout)).ok()?;
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str()?),
        None => url.host_str()?.to_string(),
    };
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n",
        request.method
    );
    for (n, v) in &request.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    let body = request.body.as_deref().unwrap_or_default();
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < 256 && !line.ends_with(b"\n") {
        match stream.read(&mut byte) {
            Ok(1) => line.push(byte[0]),
            _ => break,
        }
    }
    let line = String::from_utf8_lossy(&line);
    let mut parts = line.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    let code = parts.next()?;
    let digits = code.strip_prefix('-').unwrap_or(code);
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(code.to_string())
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
        let body = self.body.as_ref().map(|b| String::from_utf8_lossy(b));
        curl_command(&self.method, &self.url, &self.headers, body.as_deref())
    }
}

/// A shell command that sends a request (POSIX quoting).
pub fn curl_command(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> String {
    let mut out = format!("curl -X {} {}", method, shell_quote(url));
    for (n, v) in headers {
        out.push_str(" -H ");
        out.push_str(&shell_quote(&format!("{n}: {v}")));
    }
    if let Some(body) = body {
        out.push_str(" --data-binary ");
        out.push_str(&shell_quote(body));
    }
    out
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

/// A response's headers as (name, value) pairs in the order received; names are lower case
/// (as `http` keeps them), values read lossily as UTF-8.
pub fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
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
    fn statuses_asked_for() {
        assert!(asks_for("http://h/status/503", "503"));
        assert!(asks_for("http://h/status/200,503", "503"));
        assert!(asks_for("http://h/drip?code=-1", "-1"));
        assert!(!asks_for("http://h/items?limit=500", "500"));
        assert!(!asks_for("http://h/items/500", "500"));
        // httpbin answers `/status/07` with the status line `7`.
        assert!(asks_for("http://h/status/07", "7"));
        assert!(!asks_for("http://h/status/07", "70"));
    }

    #[test]
    fn header_text() {
        assert!(is_header_text("Bearer abc"));
        assert!(!is_header_text("Zoë"));
        assert!(!is_header_text(" padded"));
    }
}
