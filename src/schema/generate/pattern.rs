//! ECMA-262 patterns rewritten for proptest's regex generator (`translate_pattern`).
//!
//! A translation may only narrow: anchors dropped, `\d`/`\w`/`.` as ASCII classes, and
//! look-arounds, backreferences and word boundaries dropped with the node marked inexact.

use super::*;

/// An ECMA-262 pattern rewritten for proptest's regex generator.
#[derive(Debug, PartialEq)]
pub(super) struct Translated {
    pub(super) regex: String,
    /// `$` appears nowhere: a full match stays a match when characters are appended.
    pub(super) extendable: bool,
    /// Something was dropped (look-arounds, backreferences, word boundaries): generated strings
    /// may not match.
    pub(super) lossy: bool,
}

/// Strings for `pattern`, at least `lo` chars when the pattern allows appending; whether they
/// all match. `None` when proptest can't generate from it.
pub(super) fn pattern_strategy(
    pattern: &str,
    lo: usize,
    cap: bool,
) -> Option<(BoxedStrategy<String>, bool)> {
    let t = translate_pattern(pattern, cap);
    let s = regex_strategy(&t.regex)?;
    let lossless = !t.lossy;
    if lo == 0 || !t.extendable {
        return Some((s.boxed(), lossless));
    }
    let padding = vec(proptest::char::range('a', 'z'), lo..=lo);
    let s = (s, padding)
        .prop_map(move |(mut s, pad)| {
            let n = s.chars().count();
            s.extend(pad.into_iter().take(lo.saturating_sub(n)));
            s
        })
        .boxed();
    Some((s, lossless))
}

/// An upper bound on the length of the strings the generator produces for `pattern`
/// (translated with `cap`), in characters: the longest match, or for an unbounded pattern its
/// shortest match plus proptest's allowance for open repetitions. `None` when the bound is
/// past counting (`((a{1000}){1000}){1000}` overflows nothing but is a billion characters;
/// nested counts can overflow `usize`). A pattern the regex parser refuses is not generated
/// from at all, so it is bounded by its fallback: `Some(0)`.
pub(super) fn pattern_max_len(pattern: &str, cap: bool) -> Option<usize> {
    let t = translate_pattern(pattern, cap);
    let Ok(hir) = regex_syntax::parse(&t.regex) else {
        return Some(0);
    };
    let properties = hir.properties();
    match properties.maximum_len() {
        Some(n) => Some(n),
        None => properties
            .minimum_len()
            .map(|n| n.saturating_add(OPEN_REPETITION_ALLOWANCE)),
    }
}

/// What an open repetition (`*`, `+`, `{n,}`) may add to a generated string, roughly.
const OPEN_REPETITION_ALLOWANCE: usize = 1_024;

/// See [`Translated`]. `cap` bounds unbounded repetitions to 8 and wide ones to 16 more than
/// their minimum (still matches: a repetition count inside the allowed range).
pub(super) fn translate_pattern(pattern: &str, cap: bool) -> Translated {
    let c: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut lossy = false;
    let mut extendable = true;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        match ch {
            '\\' => {
                i += 1;
                let Some(&e) = c.get(i) else {
                    lossy = true;
                    break;
                };
                match e {
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[a-zA-Z]"),
                    'w' => out.push_str("[A-Za-z0-9_]"),
                    'W' => out.push_str("[ .,]"),
                    's' => out.push_str("[ ]"),
                    'S' => out.push_str("[a-zA-Z0-9]"),
                    'b' | 'B' => lossy = true,
                    '1'..='9' => {
                        while c.get(i + 1).is_some_and(char::is_ascii_digit) {
                            i += 1;
                        }
                        lossy = true;
                    }
                    'k' if c.get(i + 1) == Some(&'<') => {
                        while i < c.len() && c[i] != '>' {
                            i += 1;
                        }
                        lossy = true;
                    }
                    _ => out.push_str(&escape_literal(&c, &mut i)),
                }
            }
            '[' => {
                i += 1;
                let negated = c.get(i) == Some(&'^');
                if negated {
                    i += 1;
                }
                let mut body = String::new();
                let mut simple = true;
                let mut closed = false;
                while i < c.len() {
                    let ch = c[i];
                    if ch == ']' {
                        closed = true;
                        break;
                    }
                    match ch {
                        '\\' => {
                            i += 1;
                            match c.get(i) {
                                Some('d') if !negated => body.push_str("0-9"),
                                Some('D') if !negated => body.push_str("a-zA-Z"),
                                Some('w') if !negated => body.push_str("A-Za-z0-9_"),
                                Some('W') if !negated => body.push_str(" .,"),
                                Some('s') if !negated => body.push(' '),
                                Some('S') if !negated => body.push_str("a-zA-Z0-9"),
                                Some(&e @ ('d' | 's')) => {
                                    body.push('\\');
                                    body.push(e);
                                }
                                Some(&e @ ('D' | 'w' | 'W' | 'S' | 'p' | 'P')) => {
                                    simple = false;
                                    body.push('\\');
                                    body.push(e);
                                    if matches!(e, 'p' | 'P') {
                                        while i + 1 < c.len() && c[i] != '}' {
                                            i += 1;
                                            body.push(c[i]);
                                        }
                                    }
                                }
                                Some('b') => body.push_str("\\x08"),
                                Some(_) => body.push_str(&escape_literal(&c, &mut i)),
                                None => lossy = true,
                            }
                        }
                        '[' | '&' | '~' => {
                            body.push('\\');
                            body.push(ch);
                        }
                        '-' if c.get(i + 1) == Some(&'-') => body.push_str("\\-"),
                        '-' if !body.is_empty() && c.get(i + 1) != Some(&']') => {
                            simple = false;
                            body.push('-');
                        }
                        '-' => body.push_str("\\-"),
                        _ => {
                            if !ch.is_ascii() {
                                simple = false;
                            }
                            body.push(ch);
                        }
                    }
                    i += 1;
                }
                if !closed {
                    lossy = true;
                    break;
                }
                match (body.is_empty(), negated) {
                    // `[^]` matches any character; `[]` none.
                    (true, true) => out.push_str("[ -~]"),
                    (true, false) => {
                        lossy = true;
                        out.push_str("[a]");
                    }
                    (false, true) if simple => {
                        out.push_str("[[ -~]&&[^");
                        out.push_str(&body);
                        out.push_str("]]");
                    }
                    (false, true) => {
                        out.push_str("[^");
                        out.push_str(&body);
                        out.push(']');
                    }
                    (false, false) => {
                        out.push('[');
                        out.push_str(&body);
                        out.push(']');
                    }
                }
            }
            '(' => {
                if c.get(i + 1) == Some(&'?') {
                    match (c.get(i + 2), c.get(i + 3)) {
                        (Some(':'), _) => {
                            out.push_str("(?:");
                            i += 2;
                        }
                        (Some('=' | '!'), _) | (Some('<'), Some('=' | '!')) => {
                            // A look-around: dropped, with a quantifier on it.
                            i = skip_group(&c, i);
                            while c.get(i + 1).is_some_and(|q| matches!(q, '*' | '+' | '?')) {
                                i += 1;
                            }
                            lossy = true;
                        }
                        (Some('<'), _) => {
                            // A named group: only backreferences (dropped) need the name.
                            while i < c.len() && c[i] != '>' {
                                i += 1;
                            }
                            out.push_str("(?:");
                        }
                        _ => {
                            lossy = true;
                            out.push('(');
                        }
                    }
                } else {
                    out.push('(');
                }
            }
            '.' => out.push_str("[ -~]"),
            '^' => {}
            '$' => extendable = false,
            '*' => out.push_str(if cap { "{0,8}" } else { "*" }),
            '+' => out.push_str(if cap { "{1,8}" } else { "+" }),
            '{' => match parse_counted(&c, i) {
                Some((min, max, end)) => {
                    let max = match max {
                        None if cap => Some(min + 8),
                        Some(max) if cap && max > min + 16 => Some(min + 16),
                        other => other,
                    };
                    match max {
                        Some(max) if max == min => out.push_str(&format!("{{{min}}}")),
                        Some(max) => out.push_str(&format!("{{{min},{max}}}")),
                        None => out.push_str(&format!("{{{min},}}")),
                    }
                    i = end;
                }
                None => out.push_str("\\{"),
            },
            '}' => out.push_str("\\}"),
            ']' => out.push_str("\\]"),
            '|' | ')' | '?' => out.push(ch),
            _ => push_literal(&mut out, ch),
        }
        i += 1;
    }
    Translated {
        regex: out,
        extendable,
        lossy,
    }
}

/// `{m}`, `{m,}` or `{m,n}` at `c[i]`: (m, n, index of `}`).
pub(super) fn parse_counted(c: &[char], i: usize) -> Option<(u32, Option<u32>, usize)> {
    let close = (i + 1..c.len()).find(|&j| c[j] == '}')?;
    let inner: String = c[i + 1..close].iter().collect();
    let (min, max) = match inner.split_once(',') {
        Some((a, "")) => (a.parse().ok()?, None),
        Some((a, b)) => (a.parse().ok()?, Some(b.parse().ok()?)),
        None => {
            let n = inner.parse().ok()?;
            (n, Some(n))
        }
    };
    if max.is_some_and(|m| m < min) || min > 1_000 {
        return None;
    }
    Some((min, max, close))
}

/// The index of the `)` closing the group opened at `c[i]`.
pub(super) fn skip_group(c: &[char], mut i: usize) -> usize {
    let mut level = 0;
    let mut in_class = false;
    while i < c.len() {
        match c[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => level += 1,
            ')' if !in_class => {
                level -= 1;
                if level == 0 {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    c.len()
}

/// The Rust form of the escape at `c[*i]` (the char after `\`): one literal or property class.
pub(super) fn escape_literal(c: &[char], i: &mut usize) -> String {
    let e = c[*i];
    let hex = |from: usize, n: usize| -> Option<char> {
        let digits: String = c.get(from..from + n)?.iter().collect();
        char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
    };
    let literal = match e {
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'f' => '\x0C',
        'v' => '\x0B',
        '0' => '\0',
        'x' => match hex(*i + 1, 2) {
            Some(ch) => {
                *i += 2;
                ch
            }
            None => 'x',
        },
        'u' if c.get(*i + 1) == Some(&'{') => {
            let close = (*i + 2..c.len()).find(|&j| c[j] == '}');
            match close.and_then(|j| hex(*i + 2, j - *i - 2).map(|ch| (ch, j))) {
                Some((ch, j)) => {
                    *i = j;
                    ch
                }
                None => 'u',
            }
        }
        'u' => match hex(*i + 1, 4) {
            Some(ch) => {
                *i += 4;
                ch
            }
            None => 'u',
        },
        'c' => match c.get(*i + 1) {
            Some(l) if l.is_ascii_alphabetic() => {
                *i += 1;
                char::from(*l as u8 % 32)
            }
            _ => 'c',
        },
        'p' | 'P' if c.get(*i + 1) == Some(&'{') => {
            let mut class = format!("\\{e}");
            while *i + 1 < c.len() && c[*i] != '}' {
                *i += 1;
                class.push(c[*i]);
            }
            return class;
        }
        other => other,
    };
    let mut s = String::new();
    push_literal(&mut s, literal);
    s
}

/// `ch` as a literal in Rust regex syntax (inside or outside a class).
pub(super) fn push_literal(out: &mut String, ch: char) {
    if ch.is_ascii_punctuation() && ch != '/' && ch != '_' && ch != '\'' && ch != '"' {
        out.push('\\');
        out.push(ch);
    } else if ch.is_control() || ch == ' ' {
        out.push_str(&format!("\\x{{{:x}}}", ch as u32));
    } else {
        out.push(ch);
    }
}
