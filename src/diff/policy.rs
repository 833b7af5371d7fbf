//! The deprecation policy, as oasdiff has it: an operation is deprecated (`deprecated: true`,
//! reported as safe) before it is removed; removing one that was not deprecated is breaking,
//! and so is removing one before its `x-sunset` date. A deprecation announces its sunset far
//! enough ahead for the operation's `x-stability-level` (`--deprecation-days-beta`,
//! `--deprecation-days-stable`); `draft` and `alpha` operations promise nothing, so changes
//! to them are not reported, except that their stability never decreases unnoticed.
//!
//! Dates are whole days (UTC), counted from 1970-01-01, so "today" is one number the tests can
//! pin (`Options::today`).

use crate::spec::Operation;

/// What the policy needs to know that the specs do not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Today, in days since 1970-01-01 (UTC).
    pub today: i64,
    /// Days of notice a deprecated `beta` operation gets before its sunset.
    pub deprecation_days_beta: u32,
    /// Days of notice a deprecated `stable` operation (the default level) gets.
    pub deprecation_days_stable: u32,
}

impl Default for Options {
    fn default() -> Options {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Options {
            today: (seconds / 86_400) as i64,
            deprecation_days_beta: 31,
            deprecation_days_stable: 180,
        }
    }
}

impl Options {
    /// Days of notice an operation at this level gets.
    pub(super) fn notice(&self, level: Stability) -> i64 {
        match level {
            Stability::Draft | Stability::Alpha => 0,
            Stability::Beta => i64::from(self.deprecation_days_beta),
            Stability::Stable => i64::from(self.deprecation_days_stable),
        }
    }
}

/// `x-stability-level`, least stable first; `stable` when absent or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Stability {
    Draft,
    Alpha,
    Beta,
    Stable,
}

impl Stability {
    pub(super) fn name(self) -> &'static str {
        match self {
            Stability::Draft => "draft",
            Stability::Alpha => "alpha",
            Stability::Beta => "beta",
            Stability::Stable => "stable",
        }
    }

    /// Whether changes at this level are reported at all.
    pub(super) fn promises(self) -> bool {
        self >= Stability::Beta
    }
}

pub(super) fn stability(op: &Operation) -> Stability {
    match op
        .extensions
        .get("x-stability-level")
        .and_then(|v| v.as_str())
    {
        Some("draft") => Stability::Draft,
        Some("alpha") => Stability::Alpha,
        Some("beta") => Stability::Beta,
        _ => Stability::Stable,
    }
}

/// The operation's `x-sunset` date: (day, as written).
pub(super) fn sunset(op: &Operation) -> Option<(i64, String)> {
    let text = op.extensions.get("x-sunset")?.as_str()?;
    parse_date(text).map(|day| (day, text.to_string()))
}

/// `2031-01-01`, `2031-01-01T00:00:00Z` or an HTTP date (`Wed, 01 Jan 2031 00:00:00 GMT`, the
/// `Sunset` header's form) as days since 1970-01-01.
pub fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Some(day) = text.get(..10).and_then(iso_date) {
        return Some(day);
    }
    // HTTP date: weekday, day month year ...
    let mut words = text.split_whitespace().skip(1);
    let day: u32 = words.next()?.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| Some(*m) == words.clone().next())? as u32
        + 1;
    words.next();
    let year: i64 = words.next()?.parse().ok()?;
    valid(year, month, day).then(|| days_from_civil(year, month, day))
}

fn iso_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i64 = text[..4].parse().ok()?;
    let month: u32 = text[5..7].parse().ok()?;
    let day: u32 = text[8..10].parse().ok()?;
    valid(year, month, day).then(|| days_from_civil(year, month, day))
}

fn valid(year: i64, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = [
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
    (1..=12).contains(&month) && day >= 1 && day <= days[month as usize - 1]
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_written_form() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2031-01-01T12:00:00Z"), parse_date("2031-01-01"));
        assert_eq!(
            parse_date("Wed, 01 Jan 2031 00:00:00 GMT"),
            parse_date("2031-01-01")
        );
        assert_eq!(parse_date("2031-02-30"), None);
        assert_eq!(parse_date("soon"), None);
    }
}
