//! Fetching remote (`http://`, `https://`) references, when the user allows them.
//!
//! Blocking on purpose: specs are loaded before any async runtime starts (the mock and the runner
//! load first, then serve), and the loader is synchronous throughout.

use std::time::Duration;

/// Largest remote document accepted, in bytes.
pub const MAX_REMOTE_BYTES: u64 = 64 * 1024 * 1024;

/// Fetches a document; any failure is a message for the user.
pub fn fetch(url: &str) -> Result<String, String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot start an HTTP client: {e}"))?;
    let response = client
        .get(url)
        .send()
        .map_err(|e| format!("cannot fetch {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("fetching {url} answered {}", response.status()));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_REMOTE_BYTES)
    {
        return Err(format!("{url} is larger than {MAX_REMOTE_BYTES} bytes"));
    }
    response
        .text()
        .map_err(|e| format!("cannot read {url}: {e}"))
}
