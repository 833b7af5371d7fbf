//! Hand-written request checks the emulators share: JSON fields by presence, type, format,
//! range and enum; path segments; query strings; the JSON Content-Type; plus the ids and
//! timestamps the emulators mint.
//!
//! Each check mirrors one JSON Schema rule the way the spec's dialect means it, and errs on the
//! strict side where the two could differ: an integer may be written `18.0` (JSON Schema counts
//! it as an integer), a uuid is 8-4-4-4-12 hex digits of either case (what jsonschema's `uuid`
//! format accepts), `null` is refused unless the field is nullable. A check records a
//! [`Problem`] (field path, rule, message) and returns `None`; each API turns the first problem
//! into its own documented error body.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::Req;

/// The rule a request broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Missing,
    Type,
    Format,
    Enum,
    Range,
    Malformed,
}

#[derive(Clone, Debug)]
pub struct Problem {
    /// `consent.name`, `[3].productName`, `` for the whole body.
    pub field: String,
    pub rule: Rule,
    pub message: String,
}

#[derive(Default, Debug)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn add(&mut self, field: &str, rule: Rule, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.to_string(),
            rule,
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn first(&self) -> Option<&Problem> {
        self.0.first()
    }
}

/// Whether a field must be there, and whether `null` is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
    /// Optional, and `null` allowed.
    Nullable,
}

pub const INT32: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);
pub const INT64: (i64, i64) = (i64::MIN, i64::MAX);

/// `path.name` (or `name` at the top).
pub fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// `path[i]`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A JSON object being checked, with its path.
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: String,
}

/// `v` as an object, or a `Type` problem.
pub fn object<'a>(v: &'a Value, path: &str, p: &mut Problems) -> Option<Obj<'a>> {
    match v {
        Value::Object(map) => Some(Obj {
            map,
            path: path.to_string(),
        }),
        _ => {
            p.add(
                path,
                Rule::Type,
                format!("{} must be an object", name_of(path)),
            );
            None
        }
    }
}

fn name_of(path: &str) -> &str {
    if path.is_empty() { "the body" } else { path }
}

impl<'a> Obj<'a> {
    pub fn path_of(&self, name: &str) -> String {
        join(&self.path, name)
    }

    /// The field's value when it is there and not `null`; a problem when a required field is
    /// missing or a non-nullable one is `null`.
    pub fn field(&self, name: &str, need: Need, p: &mut Problems) -> Option<&'a Value> {
        let path = self.path_of(name);
        match self.map.get(name) {
            None => {
                if need == Need::Required {
                    p.add(&path, Rule::Missing, format!("{path} is required"));
                }
                None
            }
            Some(Value::Null) => {
                if matches!(need, Need::Required | Need::Optional) {
                    p.add(&path, Rule::Type, format!("{path} must not be null"));
                }
                None
            }
            Some(v) => Some(v),
        }
    }

    pub fn string(&self, name: &str, need: Need, p: &mut Problems) -> Option<&'a str> {
        let v = self.field(name, need, p)?;
        string(v, &self.path_of(name), p)
    }

    pub fn uuid(&self, name: &str, need: Need, p: &mut Problems) -> Option<&'a str> {
        let v = self.field(name, need, p)?;
        uuid(v, &self.path_of(name), p)
    }

    pub fn boolean(&self, name: &str, need: Need, p: &mut Problems) -> Option<bool> {
        let v = self.field(name, need, p)?;
        match v {
            Value::Bool(b) => Some(*b),
            _ => {
                let path = self.path_of(name);
                p.add(&path, Rule::Type, format!("{path} must be a boolean"));
                None
            }
        }
    }

    pub fn integer(
        &self,
        name: &str,
        need: Need,
        range: (i64, i64),
        p: &mut Problems,
    ) -> Option<i64> {
        let v = self.field(name, need, p)?;
        integer(v, &self.path_of(name), range, p)
    }

    pub fn one_of(
        &self,
        name: &str,
        need: Need,
        allowed: &[&str],
        p: &mut Problems,
    ) -> Option<&'a str> {
        let v = self.field(name, need, p)?;
        one_of(v, &self.path_of(name), allowed, p)
    }

    pub fn array(&self, name: &str, need: Need, p: &mut Problems) -> Option<&'a [Value]> {
        let v = self.field(name, need, p)?;
        match v {
            Value::Array(items) => Some(items),
            _ => {
                let path = self.path_of(name);
                p.add(&path, Rule::Type, format!("{path} must be an array"));
                None
            }
        }
    }

    /// An array of strings.
    pub fn strings(&self, name: &str, need: Need, p: &mut Problems) -> Option<Vec<&'a str>> {
        let items = self.array(name, need, p)?;
        let path = self.path_of(name);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(string(item, &index(&path, i), p)?);
        }
        Some(out)
    }

    pub fn object(&self, name: &str, need: Need, p: &mut Problems) -> Option<Obj<'a>> {
        let v = self.field(name, need, p)?;
        object(v, &self.path_of(name), p)
    }
}

pub fn string<'a>(v: &'a Value, path: &str, p: &mut Problems) -> Option<&'a str> {
    match v {
        Value::String(s) => Some(s),
        _ => {
            p.add(path, Rule::Type, format!("{path} must be a string"));
            None
        }
    }
}

pub fn uuid<'a>(v: &'a Value, path: &str, p: &mut Problems) -> Option<&'a str> {
    let s = string(v, path, p)?;
    if is_uuid(s) {
        Some(s)
    } else {
        p.add(path, Rule::Format, format!("{path} must be a uuid"));
        None
    }
}

pub fn one_of<'a>(v: &'a Value, path: &str, allowed: &[&str], p: &mut Problems) -> Option<&'a str> {
    let s = string(v, path, p)?;
    if allowed.contains(&s) {
        Some(s)
    } else {
        p.add(
            path,
            Rule::Enum,
            format!("{path} must be one of {}", allowed.join(", ")),
        );
        None
    }
}

/// A JSON Schema integer (`3` or `3.0`) within `range`.
pub fn integer(v: &Value, path: &str, (lo, hi): (i64, i64), p: &mut Problems) -> Option<i64> {
    let Value::Number(n) = v else {
        p.add(path, Rule::Type, format!("{path} must be an integer"));
        return None;
    };
    let wide: Option<i128> = if let Some(i) = n.as_i64() {
        Some(i.into())
    } else if let Some(u) = n.as_u64() {
        Some(u.into())
    } else {
        let f = n.as_f64().unwrap_or(f64::NAN);
        if f.fract() != 0.0 || !f.is_finite() {
            p.add(path, Rule::Type, format!("{path} must be an integer"));
            return None;
        }
        // Beyond ±2^100 it is out of every range we check anyway.
        Some(f.clamp(-1e30, 1e30) as i128)
    };
    match wide {
        Some(w) if w >= lo.into() && w <= hi.into() => Some(w as i64),
        _ => {
            p.add(
                path,
                Rule::Range,
                format!("{path} must be between {lo} and {hi}"),
            );
            None
        }
    }
}

/// 8-4-4-4-12 hex digits, either case.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// RFC 3339 `date-time`, checked no more loosely than jsonschema's `date-time` format: a real
/// calendar date, `T`, hours 00-23, minutes and seconds 00-59 (no leap second), an optional
/// fraction, and `Z` or a `±hh:mm` offset.
pub fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (Some(y), Some(mo), Some(d)) = (digits(0, 4), digits(5, 2), digits(8, 2)) else {
        return false;
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't'))
    {
        return false;
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo) || d == 0 || d > month_days[mo as usize - 1] {
        return false;
    }
    let (Some(h), Some(mi), Some(sec)) = (digits(11, 2), digits(14, 2), digits(17, 2)) else {
        return false;
    };
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') || h > 23 || mi > 59 || sec > 59 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let (Some(oh), Some(om)) = (digits(i + 1, 2), digits(i + 4, 2)) else {
                return false;
            };
            b.get(i + 3) == Some(&b':') && oh <= 23 && om <= 59 && i + 6 == b.len()
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Transport

/// The path's segments, percent-decoded (`None` for bad percent-encoding or invalid UTF-8).
/// `/api/consent/x` gives `["api", "consent", "x"]`.
pub fn segments(path: &str) -> Option<Vec<String>> {
    path.strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(|s| decode(s, false))
        .collect()
}

fn decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let well_formed = b
        .iter()
        .enumerate()
        .all(|(i, &c)| c != b'%' || (hex_at(b, i + 1) && hex_at(b, i + 2)));
    if !well_formed {
        return None;
    }
    let text = if plus_is_space {
        s.replace('+', " ")
    } else {
        s.to_string()
    };
    percent_decode_str(&text)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

fn hex_at(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_hexdigit)
}

/// Query pairs, decoded (`+` is a space, as form encoding says); `Err` for malformed
/// percent-encoding or invalid UTF-8.
pub fn query_pairs(req: &Req) -> Result<Vec<(String, String)>, String> {
    let Some(query) = &req.query else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = decode(k, true).ok_or_else(|| format!("malformed query parameter name `{k}`"))?;
        let v =
            decode(v, true).ok_or_else(|| format!("malformed value of query parameter `{k}`"))?;
        out.push((k, v));
    }
    Ok(out)
}

/// The first value of a query parameter.
pub fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Whether the request carries `Authorization: Bearer <token>` (the scheme in any case, as
/// RFC 9110 says) with the token of `credential` (`"Bearer <token>"`).
pub fn has_bearer(req: &Req, credential: &str) -> bool {
    let token = credential.strip_prefix("Bearer ").unwrap_or(credential);
    req.header("authorization")
        .and_then(|v| v.trim().split_once(' '))
        .is_some_and(|(scheme, given)| {
            scheme.eq_ignore_ascii_case("bearer") && given.trim() == token
        })
}

/// Why a JSON body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// No body (or an empty one).
    Absent,
    /// A Content-Type other than `application/json` (parameters allowed), or none.
    NotJson,
    /// Not parseable JSON (or not UTF-8).
    Malformed,
}

/// Whether the request says its body is `application/json`.
pub fn is_json_content_type(req: &Req) -> bool {
    req.header("content-type").is_some_and(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    })
}

/// The request's JSON body.
pub fn json_body(req: &Req) -> Result<Value, BodyError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::Absent);
    }
    if !is_json_content_type(req) {
        return Err(BodyError::NotJson);
    }
    serde_json::from_slice(&req.body).map_err(|_| BodyError::Malformed)
}

// ---------------------------------------------------------------------------------------------
// What the emulators mint

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// An RFC 3339 timestamp in UTC with milliseconds (`2026-11-23T18:45:00.123Z`).
pub fn rfc3339(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A fresh random-looking version-4 uuid (unique within the process).
pub fn new_uuid() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let hi = mix(n ^ 0x5eed_0fe1_u64.rotate_left(17) ^ now_millis() as u64);
    let lo = mix(hi ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let hex = format!("{hi:016x}{lo:016x}");
    format!(
        "{}-{}-4{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        ["8", "9", "a", "b"][(lo >> 60) as usize & 3],
        &hex[17..20],
        &hex[20..32]
    )
}

/// splitmix64's finalizer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
