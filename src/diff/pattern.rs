//! How a `pattern`'s language moved between two versions: the same, wider, narrower, or unknown.
//!
//! Inclusion between regular languages is decidable in general, but not cheaply (it needs
//! automata, and ECMA-262's look-arounds and backreferences are not regular at all). So this
//! only *proves* inclusion where a structural walk can, and answers `Unknown` otherwise
//! (`request-pattern-changed`: potentially breaking). A claimed inclusion is never a guess:
//!
//! - Both patterns are parsed with `regex-syntax` (nest limit, length cap). A pattern it
//!   refuses (look-arounds, backreferences), or that uses syntax ECMA-262 reads differently
//!   (inline flags, `[[:alpha:]]`, `[a&&b]`, `[]`, `\x{..}`, `\a`, word boundaries, anchors
//!   inside a sequence), is `Unknown`. `\d`, `\w`, `\s` and `.` are rewritten in the AST to
//!   ECMA-262's sets (`\d` is `[0-9]`, not Unicode digits; `.` also refuses `\r`, U+2028 and
//!   U+2029), so `\d` and `[0-9]` compare equal and `\p{Nd}` is wider. `\p{..}` and `\u{..}`
//!   are read as with the `u` flag, as validators do.
//! - A pattern is searched, not matched whole: `a` accepts `xay`. Each top-level alternative
//!   keeps whether `^`/`$` anchor it; an unanchored side may skip the other's leading or
//!   trailing items.
//! - Within an alternative, items are aligned left to right (memoized by position): a class
//!   within a class (set difference), `X{m,n}` within `Y{p,q}` when X is within Y and
//!   `[m,n]` within `[p,q]`, a run of items within one repetition (`aab` within `a+b`), an
//!   optional item of the wider side skipped. An alternation is within what each of its
//!   branches is; alternatives anchored alike are also tried as one (`^[ab]$` within `^a$|^b$`).
//! - A proven inclusion decides the level. Whether it is strict only changes the words, except
//!   for a narrowing, which breaks requests: "wider" and "narrower" need a witness, a string
//!   sampled from one pattern (its alternatives the other lacks first, with characters at the
//!   edges of the other's classes, and one longer than the other's longest match) that the
//!   `regex` crate, compiled from the same HIR, finds one accepts and the other refuses.
//!   Without a witness a proven narrowing is `NotWider`: safe for a response, potentially
//!   breaking for a request.
//! - A pattern added narrows and one removed widens even when it cannot be parsed (a
//!   look-ahead added to a password field breaks requests).
//!
//! Each direction's proof spends from its own step budget, and sampling from its own, so a
//! hostile pair costs bounded work; running out is "not proven".

use std::collections::{HashMap, HashSet};

use regex_syntax::ast::{
    self, AssertionKind, Ast, ClassBracketed, ClassPerl, ClassPerlKind, ClassSet, ClassSetItem,
    ClassSetRange, ClassSetUnion, GroupKind, HexLiteralKind, LiteralKind, RepetitionKind, Span,
    SpecialLiteralKind,
};
use regex_syntax::hir::{Class, ClassUnicode, Hir, HirKind, Look};

/// Patterns longer than this are not compared (`Unknown`).
const MAX_PATTERN_LEN: usize = 4_096;
/// Groups, classes and repetitions nested deeper than this are not parsed.
const NEST_LIMIT: u32 = 64;
/// Top-level alternatives read from one pattern, at most.
const MAX_ALTERNATIVES: usize = 4_096;
/// Steps one inclusion proof may take before giving up (not proven).
const STEPS: usize = 50_000;
/// Sample strings longer than this are not built (witness search).
const MAX_SAMPLE_CHARS: usize = 64;
/// Witnesses longer than the new pattern's longest match are tried up to this length.
const MAX_LONG_WITNESS: usize = 4_096;
/// Samples kept per node of the old pattern (witness search).
const MAX_SAMPLES: usize = 48;

/// How the new pattern's language relates to the old one's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Relation {
    /// The same strings match.
    Same,
    /// Every string the old pattern accepted is still accepted, and some new string (a
    /// witness was found) was refused before.
    Wider,
    /// Every string the old pattern accepted is still accepted; whether some are gained could
    /// not be shown.
    NotNarrower,
    /// Every string the new pattern accepts was accepted before, and some old string (a
    /// witness was found) is now refused.
    Narrower,
    /// Every string the new pattern accepts was accepted before; whether some are lost could
    /// not be shown.
    NotWider,
    /// Not decided.
    Unknown,
}

/// How `new` relates to `old`; `None` is no pattern (every string).
pub(super) fn relation(old: Option<&str>, new: Option<&str>) -> Relation {
    let (Some(o), Some(n)) = (Pattern::read(old), Pattern::read(new)) else {
        // A pattern removed widens and one added narrows, whatever it says.
        return match (old, new) {
            (_, None) => Relation::NotNarrower,
            (None, _) => Relation::Narrower,
            _ => Relation::Unknown,
        };
    };
    if o.hir == n.hir {
        return Relation::Same;
    }
    // No pattern takes everything, whatever shape the other has.
    let old_in_new = new.is_none() || within(&o, &n, &mut Budget(STEPS));
    let new_in_old = old.is_none() || within(&n, &o, &mut Budget(STEPS));
    match (old_in_new, new_in_old) {
        (true, true) => Relation::Same,
        (true, false) if witness(&n, &o).is_some() => Relation::Wider,
        (true, false) => Relation::NotNarrower,
        (false, true) if witness(&o, &n).is_some() => Relation::Narrower,
        (false, true) => Relation::NotWider,
        (false, false) => Relation::Unknown,
    }
}

/// A parsed pattern: its HIR (ECMA-262 semantics) and its top-level alternatives, when they
/// have a shape the walk reads.
struct Pattern {
    hir: Hir,
    alternatives: Option<Vec<Alternative>>,
}

/// One top-level alternative: whether `^`/`$` anchor it, and its items in order (concatenations
/// flattened, groups removed, literals split into characters).
struct Alternative {
    start: bool,
    end: bool,
    items: Vec<Hir>,
}

impl Alternative {
    /// The alternative as a pattern of its own.
    fn hir(&self) -> Hir {
        let start = self.start.then(|| Hir::look(Look::Start));
        let end = self.end.then(|| Hir::look(Look::End));
        Hir::concat(
            start
                .into_iter()
                .chain(self.items.clone())
                .chain(end)
                .collect(),
        )
    }

    /// The same for alternatives that are the same word for word.
    fn key(&self) -> String {
        self.hir().to_string()
    }
}

impl Pattern {
    /// `None` (no pattern) reads as the empty pattern, which every string matches.
    fn read(pattern: Option<&str>) -> Option<Pattern> {
        let hir = match pattern {
            None => Hir::empty(),
            Some(p) => parse(p)?,
        };
        let mut alternatives = Vec::new();
        let alternatives = split(&hir, false, false, &mut alternatives).map(|()| alternatives);
        Some(Pattern { hir, alternatives })
    }
}

/// The HIR of an ECMA-262 pattern, or `None` when it does not parse, is too large, or uses
/// syntax whose meaning differs between ECMA-262 and `regex-syntax`.
fn parse(pattern: &str) -> Option<Hir> {
    if pattern.len() > MAX_PATTERN_LEN {
        return None;
    }
    let mut ast = ast::parse::ParserBuilder::new()
        .nest_limit(NEST_LIMIT)
        .build()
        .parse(pattern)
        .ok()?;
    ecma(&mut ast, pattern)?;
    regex_syntax::hir::translate::TranslatorBuilder::new()
        .build()
        .translate(pattern, &ast)
        .ok()
}

/// ECMA-262 line terminators: what `.` does not match.
const LINE_TERMINATORS: &[(char, char)] = &[('\n', '\n'), ('\r', '\r'), ('\u{2028}', '\u{2029}')];
/// ECMA-262 `\s`: WhiteSpace and LineTerminator.
const SPACE: &[(char, char)] = &[
    ('\t', '\r'),
    (' ', ' '),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{feff}', '\u{feff}'),
];
const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];

/// Rewrites `ast` to ECMA-262's meaning (`\d`, `\w`, `\s`, `.`), or `None` when it uses syntax
/// ECMA-262 reads differently or not at all.
fn ecma(ast: &mut Ast, text: &str) -> Option<()> {
    let replacement = match ast {
        Ast::Empty(_) | Ast::ClassUnicode(_) => None,
        Ast::Flags(_) => return None,
        Ast::Literal(literal) => {
            literal_is_ecma(literal)?;
            None
        }
        Ast::Dot(span) => Some(Ast::class_bracketed(bracket(
            **span,
            true,
            LINE_TERMINATORS,
        ))),
        Ast::Assertion(assertion) => {
            matches!(
                assertion.kind,
                AssertionKind::StartLine | AssertionKind::EndLine
            )
            .then_some(())?;
            None
        }
        Ast::ClassPerl(perl) => Some(Ast::class_bracketed(perl_class(perl))),
        Ast::ClassBracketed(class) => {
            // `[]` and `[^]` are an empty and a full class in ECMA-262, a literal `]` here.
            let source = text.get(class.span.start.offset..class.span.end.offset)?;
            if source.starts_with("[]") || source.starts_with("[^]") {
                return None;
            }
            match &mut class.kind {
                ClassSet::Item(item) => class_item(item)?,
                ClassSet::BinaryOp(_) => return None,
            }
            None
        }
        Ast::Repetition(repetition) => {
            if let RepetitionKind::Range(_) = repetition.op.kind {
                // Only `{m}`, `{m,}`, `{m,n}` (and a lazy `?`): no spaces.
                let op =
                    text.get(repetition.op.span.start.offset..repetition.op.span.end.offset)?;
                op.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '{' | '}' | ',' | '?'))
                    .then_some(())?;
            }
            ecma(&mut repetition.ast, text)?;
            None
        }
        Ast::Group(group) => {
            if let GroupKind::NonCapturing(flags) = &group.kind
                && !flags.items.is_empty()
            {
                return None;
            }
            ecma(&mut group.ast, text)?;
            None
        }
        Ast::Alternation(alternation) => {
            for a in &mut alternation.asts {
                ecma(a, text)?;
            }
            None
        }
        Ast::Concat(concat) => {
            for a in &mut concat.asts {
                ecma(a, text)?;
            }
            None
        }
    };
    if let Some(replacement) = replacement {
        *ast = replacement;
    }
    Some(())
}

/// An item of a bracketed class, rewritten like [`ecma`]. Nested classes are refused: ECMA-262
/// has none, and reads `[a[b]]` as something else.
fn class_item(item: &mut ClassSetItem) -> Option<()> {
    let replacement = match item {
        ClassSetItem::Empty(_) | ClassSetItem::Unicode(_) => None,
        ClassSetItem::Literal(literal) => {
            literal_is_ecma(literal)?;
            None
        }
        ClassSetItem::Range(range) => {
            literal_is_ecma(&range.start)?;
            literal_is_ecma(&range.end)?;
            None
        }
        ClassSetItem::Ascii(_) | ClassSetItem::Bracketed(_) => return None,
        ClassSetItem::Perl(perl) => Some(if perl.negated {
            ClassSetItem::Bracketed(Box::new(perl_class(perl)))
        } else {
            ClassSetItem::Union(union(perl.span, ranges_of(&perl.kind)))
        }),
        ClassSetItem::Union(u) => {
            for i in &mut u.items {
                class_item(i)?;
            }
            None
        }
    };
    if let Some(replacement) = replacement {
        *item = replacement;
    }
    Some(())
}

/// Whether a literal means the same character in ECMA-262: not `\a`, `\x{..}`, `\U........`,
/// octal, or an escaped space.
fn literal_is_ecma(literal: &ast::Literal) -> Option<()> {
    let ok = match &literal.kind {
        LiteralKind::Verbatim | LiteralKind::Meta | LiteralKind::Superfluous => true,
        LiteralKind::Octal => false,
        LiteralKind::HexFixed(kind) => !matches!(kind, HexLiteralKind::UnicodeLong),
        LiteralKind::HexBrace(kind) => matches!(kind, HexLiteralKind::UnicodeShort),
        LiteralKind::Special(kind) => {
            !matches!(kind, SpecialLiteralKind::Bell | SpecialLiteralKind::Space)
        }
    };
    ok.then_some(())
}

fn ranges_of(kind: &ClassPerlKind) -> &'static [(char, char)] {
    match kind {
        ClassPerlKind::Digit => DIGIT,
        ClassPerlKind::Space => SPACE,
        ClassPerlKind::Word => WORD,
    }
}

/// `\d`, `\W`... as the bracketed class ECMA-262 means.
fn perl_class(perl: &ClassPerl) -> ClassBracketed {
    bracket(perl.span, perl.negated, ranges_of(&perl.kind))
}

fn bracket(span: Span, negated: bool, ranges: &[(char, char)]) -> ClassBracketed {
    ClassBracketed {
        span,
        negated,
        kind: ClassSet::union(union(span, ranges)),
    }
}

fn union(span: Span, ranges: &[(char, char)]) -> ClassSetUnion {
    let literal = |c: char| ast::Literal {
        span,
        kind: LiteralKind::Verbatim,
        c,
    };
    ClassSetUnion {
        span,
        items: ranges
            .iter()
            .map(|&(start, end)| {
                if start == end {
                    ClassSetItem::Literal(literal(start))
                } else {
                    ClassSetItem::Range(ClassSetRange {
                        span,
                        start: literal(start),
                        end: literal(end),
                    })
                }
            })
            .collect(),
    }
}

/// Splits `hir` into its top-level alternatives (`^(a|b)$` is `^a$` and `^b$`). `None` when
/// an assertion sits anywhere but at an alternative's ends.
fn split(hir: &Hir, start: bool, end: bool, out: &mut Vec<Alternative>) -> Option<()> {
    match hir.kind() {
        HirKind::Capture(capture) => return split(&capture.sub, start, end, out),
        HirKind::Alternation(branches) => {
            for branch in branches {
                split(branch, start, end, out)?;
            }
            return Some(());
        }
        _ => {}
    }
    let mut items = items(hir);
    let (mut start, mut end) = (start, end);
    while items.first().is_some_and(|h| is_look(h, Look::Start)) {
        items.remove(0);
        start = true;
    }
    while items.last().is_some_and(|h| is_look(h, Look::End)) {
        items.pop();
        end = true;
    }
    if let [only] = items.as_slice()
        && let HirKind::Alternation(_) = only.kind()
    {
        return split(only, start, end, out);
    }
    let anchored = |h: &Hir| !h.properties().look_set().is_empty();
    if let Some(at) = items.iter().position(anchored) {
        // `^x(?:0$|1$)` (regex-syntax lifts common prefixes out of alternations): each branch
        // with the items around it.
        let HirKind::Alternation(branches) = items[at].kind() else {
            return None;
        };
        if items[at + 1..].iter().any(anchored) {
            return None;
        }
        for branch in branches {
            if out.len() > MAX_ALTERNATIVES {
                return None;
            }
            let mut spelled = items[..at].to_vec();
            spelled.push(branch.clone());
            spelled.extend_from_slice(&items[at + 1..]);
            split(&Hir::concat(spelled), start, end, out)?;
        }
        return Some(());
    }
    out.push(Alternative { start, end, items });
    Some(())
}

fn is_look(hir: &Hir, look: Look) -> bool {
    matches!(hir.kind(), HirKind::Look(l) if *l == look)
}

/// A sequence's items: concatenations flattened, groups removed, literals one per character.
fn items(hir: &Hir) -> Vec<Hir> {
    let mut out = Vec::new();
    push_items(hir, &mut out);
    out
}

fn push_items(hir: &Hir, out: &mut Vec<Hir>) {
    match hir.kind() {
        HirKind::Empty => {}
        HirKind::Capture(capture) => push_items(&capture.sub, out),
        HirKind::Concat(subs) => subs.iter().for_each(|s| push_items(s, out)),
        HirKind::Literal(literal) => match std::str::from_utf8(&literal.0) {
            Ok(text) => out.extend(
                text.chars()
                    .map(|c| Hir::literal(c.encode_utf8(&mut [0; 4]).as_bytes())),
            ),
            Err(_) => out.push(hir.clone()),
        },
        _ => out.push(hir.clone()),
    }
}

/// Steps left before a comparison gives up.
struct Budget(usize);

impl Budget {
    fn spend(&mut self) -> bool {
        self.0 = self.0.saturating_sub(1);
        self.0 > 0
    }
}

/// Proven: every string `small` accepts, `big` accepts.
fn within(small: &Pattern, big: &Pattern, budget: &mut Budget) -> bool {
    let (Some(small), Some(big)) = (&small.alternatives, &big.alternatives) else {
        return false;
    };
    // Alternatives anchored alike, also as one: `^[ab]$` is within `^a$|^b$`.
    let mut merged = Vec::new();
    for (start, end) in [(false, false), (false, true), (true, false), (true, true)] {
        let alike: Vec<Hir> = big
            .iter()
            .filter(|b| (b.start, b.end) == (start, end))
            .map(|b| Hir::concat(b.items.clone()))
            .collect();
        if alike.len() > 1 {
            merged.push(Alternative {
                start,
                end,
                items: items(&Hir::alternation(alike)),
            });
        }
    }
    // An alternative the other side has word for word costs no walk (long lists of codes).
    let verbatim: HashSet<String> = big.iter().map(Alternative::key).collect();
    small.iter().all(|a| {
        verbatim.contains(&a.key())
            || big
                .iter()
                .chain(&merged)
                .any(|b| alternative_within(a, b, budget))
    })
}

/// Proven: what alternative `a` accepts (searched), `b` accepts.
fn alternative_within(a: &Alternative, b: &Alternative, budget: &mut Budget) -> bool {
    if !budget.spend() {
        return false;
    }
    if universal(b) {
        return true;
    }
    if (b.start && !a.start) || (b.end && !a.end) {
        return false;
    }
    // An unanchored `b` may find its match anywhere inside `a`'s: skip a prefix of `a`.
    let first_starts = if b.start { 0 } else { a.items.len() };
    let mut walk = Walk {
        a: &a.items,
        b: &b.items,
        open_end: !b.end,
        memo: HashMap::new(),
    };
    (0..=first_starts)
        .any(|i| walk.run(i, 0, budget) || (!b.start && walk.last_round(&a.items[i..], budget)))
}

/// Whether an alternative matches every string: all of its items optional and at most one
/// end anchored (`^a*`), or every item any run of characters (`^[\s\S]*$`).
fn universal(alternative: &Alternative) -> bool {
    let optional = alternative.items.iter().all(nullable);
    // Not vacuously: `^$` matches the empty string only.
    let everything = !alternative.items.is_empty()
        && alternative.items.iter().all(|h| {
            matches!(h.kind(), HirKind::Repetition(r)
            if r.min == 0 && r.max.is_none() && class_of(&r.sub).is_some_and(|c| full(&c)))
        });
    everything || (optional && !(alternative.start && alternative.end))
}

fn nullable(hir: &Hir) -> bool {
    hir.properties().minimum_len() == Some(0) && hir.properties().look_set().is_empty()
}

/// The set of characters a one-character item matches.
fn class_of(hir: &Hir) -> Option<ClassUnicode> {
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => Some(class.clone()),
        HirKind::Literal(literal) => {
            let text = std::str::from_utf8(&literal.0).ok()?;
            let mut chars = text.chars();
            let c = chars.next()?;
            chars
                .next()
                .is_none()
                .then(|| ClassUnicode::new([regex_syntax::hir::ClassUnicodeRange::new(c, c)]))
        }
        _ => None,
    }
}

fn full(class: &ClassUnicode) -> bool {
    let mut rest = ClassUnicode::new([regex_syntax::hir::ClassUnicodeRange::new('\0', char::MAX)]);
    rest.difference(class);
    rest.ranges().is_empty()
}

/// Item sequences `a` and `b` aligned left to right (see the module note), memoized by
/// position.
struct Walk<'a> {
    a: &'a [Hir],
    b: &'a [Hir],
    /// `b` is not anchored at its end: `a` may go on after `b` is used up.
    open_end: bool,
    memo: HashMap<(usize, usize), bool>,
}

impl Walk<'_> {
    /// Proven: `a[i..]` within `b[j..]`.
    fn run(&mut self, i: usize, j: usize, budget: &mut Budget) -> bool {
        if let Some(&known) = self.memo.get(&(i, j)) {
            return known;
        }
        let result = budget.spend() && self.step(i, j, budget);
        self.memo.insert((i, j), result);
        result
    }

    /// Proven: `a` within `self.b[j..]`, with the same open end.
    fn fork(&self, a: Vec<Hir>, j: usize, budget: &mut Budget) -> bool {
        Walk {
            a: &a,
            b: &self.b[j..],
            open_end: self.open_end,
            memo: HashMap::new(),
        }
        .run(0, 0, budget)
    }

    /// `a` starts with `x{m,n}` (m ≥ 1) whose earlier rounds an unanchored `b` skips: proven
    /// when its last round and the rest are within `b` (`[ab]+$` within `.$`).
    fn last_round(&self, a: &[Hir], budget: &mut Budget) -> bool {
        let Some(HirKind::Repetition(r)) = a.first().map(Hir::kind) else {
            return false;
        };
        let mut rest = items(&r.sub);
        rest.extend_from_slice(&a[1..]);
        r.min >= 1 && self.fork(rest, 0, budget)
    }

    /// `a[i]` (one character of `class`) against an alternation `b[j]` whose branches all
    /// start with one character: the class is cut by the branches' first characters, and each
    /// piece's rest of `a` must be within the rests of the branches that take it (`a[bc]`
    /// within `ab|ac`).
    fn derive(
        &self,
        class: ClassUnicode,
        branches: &[Hir],
        i: usize,
        j: usize,
        budget: &mut Budget,
    ) -> bool {
        let mut heads = Vec::with_capacity(branches.len());
        for branch in branches {
            let branch = items(branch);
            let Some(first) = branch.first().and_then(class_of) else {
                return false;
            };
            heads.push((first, branch[1..].to_vec()));
        }
        // (characters, the branches that start with every one of them)
        let mut pieces: Vec<(ClassUnicode, Vec<usize>)> = vec![(class, Vec::new())];
        for (k, (first, _)) in heads.iter().enumerate() {
            if !budget.spend() {
                return false;
            }
            let mut next = Vec::with_capacity(pieces.len() + 1);
            for (piece, takers) in pieces {
                let mut inside = piece.clone();
                inside.intersect(first);
                let mut outside = piece;
                outside.difference(first);
                if !inside.ranges().is_empty() {
                    let mut with = takers.clone();
                    with.push(k);
                    next.push((inside, with));
                }
                if !outside.ranges().is_empty() {
                    next.push((outside, takers));
                }
            }
            if next.len() > 64 {
                return false;
            }
            pieces = next;
        }
        pieces.iter().all(|(_, takers)| {
            if takers.is_empty() {
                return false;
            }
            let rests = takers
                .iter()
                .map(|&k| Hir::concat(heads[k].1.clone()))
                .collect();
            let mut b = items(&Hir::alternation(rests));
            b.extend_from_slice(&self.b[j + 1..]);
            Walk {
                a: &self.a[i + 1..],
                b: &b,
                open_end: self.open_end,
                memo: HashMap::new(),
            }
            .run(0, 0, budget)
        })
    }

    fn step(&mut self, i: usize, j: usize, budget: &mut Budget) -> bool {
        let (a, b) = (self.a, self.b);
        if j == b.len() {
            return i == a.len() || self.open_end;
        }
        if i == a.len() {
            return b[j..].iter().all(nullable);
        }
        if hir_within(&a[i], &b[j], budget, 0) && self.run(i + 1, j + 1, budget) {
            return true;
        }
        if nullable(&b[j]) && self.run(i, j + 1, budget) {
            return true;
        }
        match a[i].kind() {
            // `(x|y)z` is within what both `xz` and `yz` are within.
            HirKind::Alternation(branches) => {
                let proven = branches.iter().all(|branch| {
                    let mut rest = items(branch);
                    rest.extend_from_slice(&a[i + 1..]);
                    self.fork(rest, j, budget)
                });
                if proven {
                    return true;
                }
            }
            // With `b` open at its end, `x+...` is within what `x` alone is within.
            HirKind::Repetition(r)
                if self.open_end && r.min >= 1 && self.fork(items(&r.sub), j, budget) =>
            {
                return true;
            }
            _ => {}
        }
        if let HirKind::Alternation(branches) = b[j].kind()
            && let Some(class) = class_of(&a[i])
            && self.derive(class, branches, i, j, budget)
        {
            return true;
        }
        // A run of `a`'s items taken up by one repetition of `b`'s: `aa[ab]` within `[ab]{2,5}`.
        if let HirKind::Repetition(r) = b[j].kind() {
            let (mut lo, mut hi) = (0u64, Some(0u64));
            for (k, item) in a.iter().enumerate().skip(i) {
                let (m, n) = match item.kind() {
                    HirKind::Repetition(x) if hir_within(&x.sub, &r.sub, budget, 0) => {
                        (x.min, x.max)
                    }
                    _ if hir_within(item, &r.sub, budget, 0) => (1, Some(1)),
                    _ => break,
                };
                lo += u64::from(m);
                hi = hi.zip(n).map(|(h, n)| h + u64::from(n));
                if r.max.is_some_and(|q| hi.is_none_or(|h| h > u64::from(q))) {
                    break;
                }
                if lo >= u64::from(r.min) && self.run(k + 1, j + 1, budget) {
                    return true;
                }
            }
        }
        false
    }
}

/// Proven: every string `x` matches (whole), `y` matches (whole).
fn hir_within(x: &Hir, y: &Hir, budget: &mut Budget, depth: u32) -> bool {
    if x == y {
        return true;
    }
    if depth > 2 * NEST_LIMIT || !budget.spend() {
        return false;
    }
    let depth = depth + 1;
    match (x.kind(), y.kind()) {
        (HirKind::Capture(c), _) => return hir_within(&c.sub, y, budget, depth),
        (_, HirKind::Capture(c)) => return hir_within(x, &c.sub, budget, depth),
        (HirKind::Alternation(xs), _) => {
            return xs.iter().all(|x| hir_within(x, y, budget, depth));
        }
        (_, HirKind::Alternation(ys)) => {
            return ys.iter().any(|y| hir_within(x, y, budget, depth));
        }
        (HirKind::Repetition(rx), HirKind::Repetition(ry)) => {
            let counts = ry.min <= rx.min && ry.max.is_none_or(|q| rx.max.is_some_and(|n| n <= q));
            if counts && hir_within(&rx.sub, &ry.sub, budget, depth) {
                return true;
            }
        }
        _ => {}
    }
    let (xs, ys) = (items(x), items(y));
    match (xs.as_slice(), ys.as_slice()) {
        ([x], [y]) => atom_within(x, y, budget, depth),
        _ => Walk {
            a: &xs,
            b: &ys,
            open_end: false,
            memo: HashMap::new(),
        }
        .run(0, 0, budget),
    }
}

/// Single items that are neither groups, alternations nor sequences.
fn atom_within(x: &Hir, y: &Hir, budget: &mut Budget, depth: u32) -> bool {
    if let (Some(cx), Some(cy)) = (class_of(x), class_of(y)) {
        let mut rest = cx;
        rest.difference(&cy);
        return rest.ranges().is_empty();
    }
    match (x.kind(), y.kind()) {
        // `a` within `a+`.
        (HirKind::Repetition(_), _) | (HirKind::Look(_), _) | (_, HirKind::Look(_)) => false,
        (_, HirKind::Repetition(ry)) => {
            ry.min <= 1 && ry.max.is_none_or(|q| q >= 1) && hir_within(x, &ry.sub, budget, depth)
        }
        _ => false,
    }
}

/// A string `old` accepts and `new` refuses: samples of `old`, alone and with a character
/// before or after, checked with the `regex` crate.
fn witness(old: &Pattern, new: &Pattern) -> Option<String> {
    let compile = |hir: &Hir| {
        regex::RegexBuilder::new(&hir.to_string())
            .size_limit(1 << 20)
            .dfa_size_limit(1 << 20)
            .build()
            .ok()
    };
    let (old_re, new_re) = (compile(&old.hir)?, compile(&new.hir)?);
    let mut edges = Vec::new();
    class_edges(&new.hir, &mut edges);
    edges.sort_unstable();
    edges.dedup();
    // The old alternatives the new pattern lacks word for word first (a code dropped from a
    // long list), then the whole old pattern.
    let mut sources = Vec::new();
    if let (Some(olds), Some(news)) = (&old.alternatives, &new.alternatives) {
        let verbatim: HashSet<String> = news.iter().map(Alternative::key).collect();
        sources.extend(
            olds.iter()
                .filter(|a| !verbatim.contains(&a.key()))
                .take(16)
                .map(Alternative::hir),
        );
    }
    sources.push(old.hir.clone());
    let mut bases: Vec<String> = sources
        .iter()
        .flat_map(|source| samples(source, &edges, &mut (MAX_SAMPLES * MAX_SAMPLES)))
        .collect();
    // The new pattern's class edges alone (`#` for `^[^#]*$`).
    bases.extend(edges.iter().take(64).map(|&c| String::from(c)));
    // Longer than anything the new pattern matches (`^[a-z]{0,100}$` refuses 101 letters).
    if let Some(longest) = new.hir.properties().maximum_len()
        && longest < MAX_LONG_WITNESS
    {
        bases.extend(["a", "0", " "].map(|c| c.repeat(longest + 1)));
    }
    const AROUND: [&str; 6] = ["", "a", "0", " ", "\n", "-"];
    bases
        .iter()
        .flat_map(|s| {
            AROUND
                .iter()
                .map(move |c| format!("{c}{s}"))
                .chain(AROUND[1..].iter().map(move |c| format!("{s}{c}")))
        })
        .find(|s| old_re.is_match(s) && !new_re.is_match(s))
}

/// The characters at and just outside the ends of every class and literal in `hir`: where a
/// narrower class leaves a gap.
fn class_edges(hir: &Hir, out: &mut Vec<char>) {
    if out.len() > 256 {
        return;
    }
    let mut around = |c: char| {
        out.push(c);
        out.extend(char::from_u32(u32::from(c).wrapping_sub(1)));
        out.extend(char::from_u32(u32::from(c) + 1));
    };
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => {
            for r in class.ranges().iter().take(16) {
                around(r.start());
                around(r.end());
            }
        }
        HirKind::Literal(literal) => {
            std::str::from_utf8(&literal.0)
                .unwrap_or_default()
                .chars()
                .take(16)
                .for_each(around);
        }
        HirKind::Capture(capture) => class_edges(&capture.sub, out),
        HirKind::Repetition(r) => class_edges(&r.sub, out),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().for_each(|s| class_edges(s, out));
        }
        HirKind::Empty | HirKind::Look(_) | HirKind::Class(Class::Bytes(_)) => {}
    }
}

/// A few strings `hir` matches, built from its structure: each class's first and last
/// characters and the `edges` it holds, each repetition at its least counts and its greatest, each alternation's
/// branches, a sequence varied one position at a time. Bounded by `budget` and
/// [`MAX_SAMPLE_CHARS`].
fn samples(hir: &Hir, edges: &[char], budget: &mut usize) -> Vec<String> {
    if *budget == 0 {
        return Vec::new();
    }
    *budget -= 1;
    let mut out: Vec<String> = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(literal) => std::str::from_utf8(&literal.0)
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .take(6)
            .flat_map(|r| [r.start(), r.end()])
            .chain(
                edges
                    .iter()
                    .copied()
                    .filter(|&c| {
                        class
                            .ranges()
                            .iter()
                            .any(|r| r.start() <= c && c <= r.end())
                    })
                    .take(32),
            )
            .map(String::from)
            .collect(),
        HirKind::Class(Class::Bytes(_)) => Vec::new(),
        HirKind::Capture(capture) => samples(&capture.sub, edges, budget),
        HirKind::Alternation(branches) => branches
            .iter()
            .flat_map(|b| samples(b, edges, budget))
            .collect(),
        HirKind::Repetition(r) => {
            let subs = samples(&r.sub, edges, budget);
            let counts = [Some(r.min), r.min.checked_add(1), r.max];
            let mut out = Vec::new();
            for count in counts.into_iter().flatten() {
                if r.max.is_some_and(|m| count > m) || count as usize > MAX_SAMPLE_CHARS {
                    continue;
                }
                for s in subs.iter().take(4) {
                    if s.chars().count() * count as usize <= MAX_SAMPLE_CHARS {
                        out.push(s.repeat(count as usize));
                    }
                }
            }
            out
        }
        HirKind::Concat(parts) => {
            let options: Vec<Vec<String>> =
                parts.iter().map(|p| samples(p, edges, budget)).collect();
            if options.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            let base: Vec<&str> = options.iter().map(|o| o[0].as_str()).collect();
            let mut out = vec![base.concat()];
            // Round robin over the positions, so a truncated list still varies each one.
            let longest = options.iter().map(Vec::len).max().unwrap_or(0);
            for index in 1..longest {
                for (at, option) in options.iter().enumerate() {
                    if let Some(other) = option.get(index) {
                        let mut varied = base.clone();
                        varied[at] = other;
                        out.push(varied.concat());
                    }
                }
            }
            out
        }
    };
    let mut seen = HashSet::new();
    out.retain(|s| s.chars().count() <= MAX_SAMPLE_CHARS && seen.insert(s.clone()));
    out.truncate(MAX_SAMPLES);
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Relation::{self, *};
    use super::{Pattern, relation, witness};

    fn rel(old: &str, new: &str) -> Relation {
        relation(Some(old), Some(new))
    }

    #[test]
    fn decided_cases() {
        let cases: &[(&str, &str, Relation)] = &[
            // The same after normalization.
            (r"^\d+$", "^[0-9]+$", Same),
            ("^(?:ab|cd)$", "^(cd|ab)$", Same),
            (r"^\w+$", "^[A-Za-z0-9_]+$", Same),
            ("^a$|^b$", "^(a|b)$", Same),
            ("^ab$|^ac$", "^a[bc]$", Same),
            ("^x(ab|cd)$", "^xab$|^xcd$", Same),
            (".*abc", "abc", Same),
            // Unicode digits are not ECMA-262's `\d`.
            (r"^\d+$", r"^\p{Nd}+$", Wider),
            (r"^\p{Nd}+$", r"^\d+$", Narrower),
            // `.*` and anchors.
            ("^[a-z]+$", ".*", Wider),
            ("abc", "^abc$", Narrower),
            ("^abc$", "abc", Wider),
            ("^abc", "abc", Wider),
            ("^.*abc", "abc", Wider),
            ("^abc", "^ab", Wider),
            // Alternatives.
            ("^(ab|cd)$", "^(ab|cd|ef)$", Wider),
            ("^ab$|^cd$", "^ab$", Narrower),
            // Classes and repetitions.
            ("^[a-z]+$", "^[a-z0-9]+$", Wider),
            ("^[a-z0-9]+$", "^[a-z]+$", Narrower),
            ("^[a-z]{1,5}$", "^[a-z]{1,10}$", Wider),
            ("^[a-z]{1,10}$", "^[a-z]{1,5}$", Narrower),
            ("^[A-Z]+$", "^[A-Z]{3}$", Narrower),
            ("^a{2}b$", "^a+b$", Wider),
            ("^aab$", "^a+b$", Wider),
            ("^ab$", "^ax?b$", Wider),
            ("^x-[0-9]{3}$", "^x-[0-9]{3,}$", Wider),
            // Not decided.
            ("^[A-Z]+$", "^[A-Z0-9]{3}$", Unknown),
            ("^[A-Z]+$", "^[a-z]+$", Unknown),
            ("^(a|b)+$", "^(ab)+$", Unknown),
            (r"^\bx", "^x", Unknown),
            ("(?i)abc", "abc", Unknown),
            ("^[[:alpha:]]$", "^a$", Unknown),
            ("^a$", "^(?=a)a$", Unknown),
            ("(", "a", Unknown),
        ];
        for &(old, new, expected) in cases {
            assert_eq!(rel(old, new), expected, "{old} → {new}");
        }
    }

    #[test]
    fn added_and_removed() {
        assert_eq!(relation(None, Some(".*")), Same);
        assert_eq!(relation(None, Some("a?")), Same);
        assert_eq!(relation(None, Some(r"^[\s\S]*$")), Same);
        // `.` does not match line terminators.
        assert_eq!(relation(None, Some("^.*$")), Narrower);
        assert_eq!(relation(None, Some("^[a-z]+$")), Narrower);
        assert_eq!(relation(None, Some("^$|^[a-z]{2,4}$")), Narrower);
        assert_eq!(relation(None, Some("^$|a?")), Same);
        assert_eq!(relation(None, Some("^[^#]*$")), Narrower);
        assert_eq!(relation(None, Some(r"^[\s\S]{0,100}$")), Narrower);
        assert_eq!(relation(Some("^[a-z]+$"), None), Wider);
        assert_eq!(relation(Some(".*"), None), Same);
        // Whatever a pattern regex-syntax refuses says, adding it narrows, removing it widens.
        assert_eq!(relation(None, Some("^(?=.*[A-Z]).{8,}$")), Narrower);
        assert_eq!(relation(Some("^(?=.*[A-Z]).{8,}$"), None), NotNarrower);
    }

    /// Pieces whose meaning is the same for ECMA-262 and the `regex` crate on the strings of
    /// [`universe`] (ASCII, no `\r`), so the crate is an independent judge.
    const ATOMS: &[&str] = &[
        "a",
        "b",
        "c",
        "1",
        "[ab]",
        "[a-c]",
        "[^a]",
        r"\d",
        ".",
        "a?",
        "b*",
        "[ab]+",
        "a{1,2}",
        "c{0,2}",
        "(a|bc)",
        "(?:b|1)",
        "(ab|ac)",
        "(?:ba|bc|c)",
    ];

    /// Every string of up to four characters from `a`, `b`, `c`, `1` and a line feed.
    fn universe() -> Vec<String> {
        let alphabet = ['a', 'b', 'c', '1', '\n'];
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    /// Up to three alternatives of up to three atoms, each alternative anchored or not.
    fn pattern() -> impl Strategy<Value = String> {
        let branch = (
            any::<bool>(),
            proptest::collection::vec(proptest::sample::select(ATOMS), 0..=3),
            any::<bool>(),
        )
            .prop_map(|(start, atoms, end)| {
                format!(
                    "{}{}{}",
                    if start { "^" } else { "" },
                    atoms.concat(),
                    if end { "$" } else { "" }
                )
            });
        proptest::collection::vec(branch, 1..=3).prop_map(|b| b.join("|"))
    }

    /// A pattern that tends to be related to `old`: an alternative added or dropped, an atom
    /// swapped, an anchor toggled.
    fn variant(old: &str, edit: u8, atom: &str) -> String {
        match edit % 5 {
            0 => format!("{old}|{atom}"),
            1 => old
                .rsplit_once('|')
                .map_or(old.to_string(), |(a, _)| a.to_string()),
            2 => old.replacen('a', atom, 1),
            3 => old.trim_start_matches('^').to_string(),
            _ => format!("^(?:{old})$"),
        }
    }

    /// `small`'s matches among `strings` are all `big`'s.
    fn included(small: &regex::Regex, big: &regex::Regex, strings: &[String]) -> Option<String> {
        strings
            .iter()
            .find(|s| small.is_match(s) && !big.is_match(s))
            .cloned()
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Whatever the walk proves holds on every short string, and a narrowing's witness is
        /// a real string the old pattern accepts and the new one refuses.
        #[test]
        fn decided_relations_agree_with_matching(
            old in pattern(),
            edit in any::<u8>(),
            atom in proptest::sample::select(ATOMS),
            unrelated in pattern(),
        ) {
            let new = if edit >= 200 { unrelated } else { variant(&old, edit, atom) };
            // An edit may cut a group in two: nothing to judge then.
            let (Ok(o), Ok(n)) = (regex::Regex::new(&old), regex::Regex::new(&new)) else {
                prop_assert_eq!(rel(&old, &new), Unknown);
                return Ok(());
            };
            let strings = universe();
            let r = rel(&old, &new);
            if matches!(r, Same | Wider | NotNarrower) {
                prop_assert_eq!(included(&o, &n, &strings), None, "{} → {}: {:?}", old, new, r);
            }
            if matches!(r, Same | NotWider | Narrower) {
                prop_assert_eq!(included(&n, &o, &strings), None, "{} → {}: {:?}", old, new, r);
            }
            let (po, pn) = (Pattern::read(Some(&old)), Pattern::read(Some(&new)));
            if r == Narrower {
                let w = witness(po.as_ref().unwrap(), pn.as_ref().unwrap()).unwrap();
                prop_assert!(o.is_match(&w) && !n.is_match(&w), "{} → {}: {:?}", old, new, w);
            }
            if r == Wider {
                let w = witness(pn.as_ref().unwrap(), po.as_ref().unwrap()).unwrap();
                prop_assert!(n.is_match(&w) && !o.is_match(&w), "{} → {}: {:?}", old, new, w);
            }
            // Added: the same only when every string matches.
            if relation(None, Some(&new)) == Same {
                prop_assert!(strings.iter().all(|s| n.is_match(s)), "{} added", new);
            }
        }
    }

    /// The walk decides most of the edits the property test makes (else it proves little).
    #[test]
    fn most_simple_edits_are_decided() {
        let olds = [
            "^ab$",
            "^(a|bc)$",
            "a[ab]+",
            "^[a-c]{1,2}$|^1$",
            r"^\d+$",
            "^b*c$",
        ];
        let (mut decided, mut all) = (0, 0);
        for old in olds {
            for edit in 0..5 {
                for atom in ["b", "[ab]", "a?", "[a-c]"] {
                    let new = variant(old, edit, atom);
                    if new != old {
                        all += 1;
                        decided += usize::from(rel(old, &new) != Unknown);
                    }
                }
            }
        }
        assert!(decided * 4 >= all * 3, "{decided} of {all} decided");
    }

    #[test]
    fn hostile_patterns_are_unknown_and_quick() {
        let deep = format!("{}a{}", "(".repeat(500), ")".repeat(500));
        assert_eq!(rel(&deep, "a"), Unknown);
        let long = "a".repeat(10_000);
        assert_eq!(rel(&long, "a"), Unknown);
        let started = std::time::Instant::now();
        let wide = format!("^{}$", "[ab]?".repeat(300));
        let _ = rel(&wide, &format!("^{}$", "[abc]?".repeat(299)));
        let _ = rel("((a{1000}){1000}){1000}", "((a{999}){1000}){1000}");
        // About as deep as the nest limit allows, alternations and repetitions at every level.
        let nested =
            |leaf: &str| (0..20).fold(leaf.to_string(), |inner, i| format!("(?:{inner}|x{i})+"));
        assert_eq!(rel(&nested("a"), &nested("[ab]")), Wider);
        assert_eq!(rel(&nested("[ab]"), &nested("a")), Narrower);
        let many = |n: usize| {
            (0..n)
                .map(|i| format!("^x{i}$"))
                .collect::<Vec<_>>()
                .join("|")
        };
        assert_eq!(rel(&many(400), &many(399)), Narrower);
        assert_eq!(rel(&many(399), &many(400)), Wider);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }
}
