//! Fetching remote (`http://`, `https://`) references, when the user allows them.
//!
//! Blocking on purpose: specs are loaded before any async runtime starts (the mock and the runner
//! load first, then serve), and the loader is synchronous throughout.
//!
//! The size cap is enforced on the stream, not on `Content-Length` (a chunked answer has none,
//! and a server may lie), and redirects are followed only on the same host and scheme: a
//! reference the user allowed to `api.example.com` must not end up reading another host.

use std::io::Read;
use std::time::Duration;

/// Largest remote document accepted, in bytes.
pub const MAX_REMOTE_BYTES: u64 = 64 * 1024 * 1024;

/// Most redirects followed for one remote reference.
const MAX_REDIRECTS: usize = 5;

/// Time for the whole exchange, body included.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Fetches a document; any failure is a message for the user.
pub fn fetch(url: &str) -> Result<String, String> {
    fetch_limited(url, MAX_REMOTE_BYTES)
}

fn fetch_limited(url: &str, max_bytes: u64) -> Result<String, String> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        let first = &attempt.previous()[0];
        let next = attempt.url();
        if next.scheme() != first.scheme()
            || next.host_str() != first.host_str()
            || next.port_or_known_default() != first.port_or_known_default()
        {
            let message = format!("redirected to another host or scheme ({next}); not followed");
            return attempt.error(message);
        }
        attempt.follow()
    });
    let client = reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .redirect(policy)
        .build()
        .map_err(|e| format!("cannot start an HTTP client: {e}"))?;
    let response = client.get(url).send().map_err(|e| describe(url, &e))?;
    if !response.status().is_success() {
        return Err(format!("fetching {url} answered {}", response.status()));
    }
    let too_large = || format!("{url} is larger than {max_bytes} bytes");
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    response
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {url}: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{url} is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The error and its causes (the redirect policy's message is a cause).
fn describe(url: &str, e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut text = format!("cannot fetch {url}");
    let mut source: Option<&dyn Error> = Some(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
