//! Scalars: integers, numbers and strings within their bounds, formats, `const` and `enum`.
//!
//! Apart from the compiler because each is a pure function of one schema object's keywords.

use super::*;

pub(super) fn integer(m: &Map<String, Value>) -> Gen {
    let mut lo = i128::from(i64::MIN);
    let mut hi = i128::from(i64::MAX);
    if let Some(v) = m.get("minimum") {
        lo = lo.max(int_bound(v, f64::ceil));
    }
    if let Some(v) = m.get("exclusiveMinimum").filter(|v| v.is_number()) {
        lo = lo.max(int_bound(v, f64::floor) + 1);
    }
    if let Some(v) = m.get("maximum") {
        hi = hi.min(int_bound(v, f64::floor));
    }
    if let Some(v) = m.get("exclusiveMaximum").filter(|v| v.is_number()) {
        hi = hi.min(int_bound(v, f64::ceil) - 1);
    }
    let (step, exact) = match f64_kw(m, "multipleOf").filter(|x| *x > 0.0 && x.is_finite()) {
        None => (1, true),
        Some(x) if x.fract() == 0.0 => (x.min(1e30) as i128, true),
        Some(x) => match (1..=1000).find(|q| ((x * f64::from(*q)).fract()).abs() < 1e-9) {
            Some(q) => (((x * f64::from(q)).round() as i128).max(1), true),
            None => (1, false),
        },
    };
    let kmin = div_ceil(lo, step);
    let kmax = div_floor(hi, step);
    if kmin > kmax {
        return never();
    }
    let (a, b) = window(kmin, kmax, INT_WINDOW);
    let s = (clamp_i64(a)..=clamp_i64(b))
        .prop_map(move |k| json!(clamp_i64(i128::from(k) * step)))
        .boxed();
    Gen { s, exact, size: 1 }
}

pub(super) fn number(m: &Map<String, Value>) -> Gen {
    let mut lo = f64::NEG_INFINITY;
    let mut lo_open = false;
    let mut hi = f64::INFINITY;
    let mut hi_open = false;
    if let Some(x) = f64_kw(m, "minimum") {
        lo = x;
    }
    if let Some(x) = f64_kw(m, "exclusiveMinimum")
        && x >= lo
    {
        lo = x;
        lo_open = true;
    }
    if let Some(x) = f64_kw(m, "maximum") {
        hi = x;
    }
    if let Some(x) = f64_kw(m, "exclusiveMaximum")
        && x <= hi
    {
        hi = x;
        hi_open = true;
    }
    let in_bounds = move |v: f64| {
        (if lo_open { v > lo } else { v >= lo }) && (if hi_open { v < hi } else { v <= hi })
    };
    let (step, decimals) = match f64_kw(m, "multipleOf").filter(|x| *x > 0.0 && x.is_finite()) {
        Some(x) => (x, decimals_of(x)),
        None => (0.01, 2),
    };
    let scaled = |v: f64, round: fn(f64) -> f64| -> i128 {
        if v.is_finite() {
            round(v / step).clamp(-1e15, 1e15) as i128
        } else if v > 0.0 {
            i128::MAX / 4
        } else {
            i128::MIN / 4
        }
    };
    let kmin = scaled(lo, f64::ceil);
    let kmax = scaled(hi, f64::floor);
    let width = if step == 0.01 {
        HUNDREDTHS_WINDOW
    } else {
        INT_WINDOW
    };
    let value = move |k: i64| -> f64 { round_to(k as f64 * step, decimals) };
    let candidates = if kmin <= kmax {
        let (a, b) = window(kmin, kmax, width);
        Some((clamp_i64(a), clamp_i64(b)))
    } else {
        None
    };
    let multiple = m.contains_key("multipleOf");
    match candidates {
        Some((a, b)) => {
            let s = (a..=b)
                .prop_map(value)
                .prop_filter("bounds", move |v| in_bounds(*v))
                .prop_map(number_value)
                .boxed();
            Gen::exact(s)
        }
        None if !multiple && lo.is_finite() && hi.is_finite() => {
            // A range narrower than a hundredth.
            let mid = lo + (hi - lo) / 2.0;
            if in_bounds(mid) {
                Gen::exact(Just(number_value(mid)).boxed())
            } else {
                never()
            }
        }
        None => never(),
    }
}

/// A JSON number: an integer when `v` is a small whole number.
pub(super) fn number_value(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

pub(super) fn round_to(v: f64, decimals: i32) -> f64 {
    if decimals <= 0 {
        return v.round();
    }
    let scale = 10f64.powi(decimals);
    let r = (v * scale).round() / scale;
    // Parse the shortest decimal form, so that 0.30000000000000004 reads 0.3.
    format!("{r:.prec$}", prec = decimals as usize)
        .parse()
        .unwrap_or(r)
}

/// Decimal places of `x` as written (capped at 12).
pub(super) fn decimals_of(x: f64) -> i32 {
    let text = format!("{x}");
    match text.split_once('.') {
        Some((_, frac)) if !text.contains('e') => (frac.len() as i32).min(12),
        _ if text.contains("e-") => 12,
        _ => 0,
    }
}

/// `[a, b]`, narrowed to `width` near zero when wider.
pub(super) fn window(a: i128, b: i128, width: i128) -> (i128, i128) {
    if b - a <= width {
        return (a, b);
    }
    let anchor = 0i128.clamp(a, b);
    if anchor + width <= b {
        (anchor, anchor + width)
    } else {
        (b - width, b)
    }
}

pub(super) fn int_bound(v: &Value, round: fn(f64) -> f64) -> i128 {
    if let Some(i) = v.as_i64() {
        return i128::from(i);
    }
    if let Some(u) = v.as_u64() {
        return i128::from(u);
    }
    let f = v.as_f64().unwrap_or(0.0);
    round(f).clamp(-1e30, 1e30) as i128
}

pub(super) fn clamp_i64(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

pub(super) fn div_floor(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

pub(super) fn div_ceil(a: i128, b: i128) -> i128 {
    -div_floor(-a, b)
}

/// Strings of `[a-zA-Z0-9]`, `lo..=hi` chars.
pub(super) fn plain_string(lo: usize, hi: usize) -> BoxedStrategy<String> {
    vec(
        proptest::char::ranges(vec!['a'..='z', 'A'..='Z', '0'..='9'].into()),
        lo..=hi,
    )
    .prop_map(|chars| chars.into_iter().collect())
    .boxed()
}

/// Strings in a format the validator asserts (or that APIs commonly mean), or `None` for
/// formats that are plain strings here (`binary`, `password`, unknown ones).
pub(super) fn format_strategy(format: &str) -> Option<BoxedStrategy<String>> {
    let re = regex_strategy;
    let date = (2000u32..2031, 1u32..=12, 1u32..=28);
    let time = (0u32..24, 0u32..60, 0u32..60);
    match format {
        "date-time" => Some(
            (date, time)
                .prop_map(|((y, mo, d), (h, mi, s))| {
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
                })
                .boxed(),
        ),
        "date" => Some(
            date.prop_map(|(y, mo, d)| format!("{y:04}-{mo:02}-{d:02}"))
                .boxed(),
        ),
        "time" => Some(
            time.prop_map(|(h, mi, s)| format!("{h:02}:{mi:02}:{s:02}Z"))
                .boxed(),
        ),
        "email" | "idn-email" => re(r"[a-z]{1,10}(\.[a-z]{1,8})?@example\.(com|org|net)"),
        "uuid" => re(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        "uri" | "iri" | "url" => re(r"https://example\.com(/[a-z0-9]{1,8}){0,3}"),
        "uri-reference" | "iri-reference" => re(r"(/[a-z0-9]{1,8}){1,3}"),
        "uri-template" => re(r"https://example\.com/[a-z]{1,8}(/\{[a-z]{1,6}\})?"),
        "hostname" | "idn-hostname" => re(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8}){0,2}"),
        "ipv4" => Some(
            any::<[u8; 4]>()
                .prop_map(|[a, b, c, d]| format!("{a}.{b}.{c}.{d}"))
                .boxed(),
        ),
        "ipv6" => Some(
            any::<[u16; 8]>()
                .prop_map(|g| {
                    g.iter()
                        .map(|x| format!("{x:x}"))
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .boxed(),
        ),
        "byte" => Some(vec(any::<u8>(), 0..=24).prop_map(|b| base64(&b)).boxed()),
        "json-pointer" => re(r"(/[a-z0-9]{1,6}){0,3}"),
        "relative-json-pointer" => re(r"[0-9](/[a-z]{1,5}){0,2}"),
        "duration" => re(r"P([1-9]Y([1-9]M([1-9]D)?)?|[1-9]M([1-9]D)?|[1-9]D|T[1-9]H([1-9]M)?)"),
        "regex" => re(r"[a-z]{1,8}"),
        "int32" | "int64" => re(r"0|-?[1-9][0-9]{0,8}"),
        _ => None,
    }
}

/// Formats [`format_strategy`] generates that only strings have.
pub(super) const STRING_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "email",
    "idn-email",
    "uuid",
    "uri",
    "iri",
    "url",
    "uri-reference",
    "iri-reference",
    "uri-template",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "byte",
    "json-pointer",
    "relative-json-pointer",
    "duration",
    "regex",
];

/// Most regexes [`regex_strategy`] keeps per thread.
pub(super) const REGEX_CACHE: usize = 4_096;

thread_local! {
    static REGEXES: std::cell::RefCell<HashMap<String, Option<BoxedStrategy<String>>>> =
        std::cell::RefCell::new(HashMap::new());
}

/// `string_regex(regex)`, parsed once per thread (parsing dominated compiling big specs).
pub(super) fn regex_strategy(regex: &str) -> Option<BoxedStrategy<String>> {
    REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(s) = cache.get(regex) {
            return s.clone();
        }
        if cache.len() >= REGEX_CACHE {
            cache.clear();
        }
        let s = string_regex(regex).ok().map(Strategy::boxed);
        cache.insert(regex.to_string(), s.clone());
        s
    })
}

/// Standard, padded base64.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// OpenAPI's `format: byte`, as `crate::schema::validate` checks it.
pub(super) fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    pad <= 2
        && b[..b.len() - pad]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}
