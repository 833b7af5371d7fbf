//! The outputs of `stipula diff`, each an independent consumer of the same `Change`s: human
//! (terminal), Markdown (a pull-request comment), JSON (stable, documented in docs/commands.md),
//! a changelog (Markdown grouped by operation, for release notes), GitHub Actions annotations
//! and JUnit XML (a test case per change; those at or above `--fail-on` fail).
//!
//! A change the `--baseline` file accepts (`Change::baselined`) is still listed, marked "accepted
//! by the baseline", as `stipula test` and `stipula lint` mark theirs: human and Markdown say so
//! and count them, JSON has `"baselined": true` (and every change its `fingerprint`), GitHub
//! makes it a notice and JUnit a passing case. The changelog is release notes, not a CI verdict:
//! it lists every change as it is.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Value, json};

use super::{Change, Level, counts};
use crate::spec::{Place, Spec};

/// How to print the changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    #[default]
    Human,
    Markdown,
    Json,
    /// Markdown grouped by operation (release notes).
    Changelog,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
    /// JUnit XML.
    Junit,
}

/// The report for `changes` between `old` and `new`, ending with a newline (JUnit failing on
/// breaking changes).
pub fn render(format: Format, old: &Spec, new: &Spec, changes: &[Change]) -> String {
    render_failing_on(format, old, new, changes, Level::Breaking)
}

/// [`render`], with the level from which a change fails (JUnit's failures, GitHub's errors
/// stay tied to levels).
pub fn render_failing_on(
    format: Format,
    old: &Spec,
    new: &Spec,
    changes: &[Change],
    fail_on: Level,
) -> String {
    match format {
        Format::Human => human(old, new, changes),
        Format::Markdown => markdown(old, new, changes),
        Format::Changelog => changelog(old, new, changes),
        Format::Github => github(changes),
        Format::Junit => junit(old, new, changes, fail_on),
        Format::Json => {
            let mut text =
                serde_json::to_string_pretty(&json_report(old, new, changes)).unwrap_or_default();
            text.push('\n');
            text
        }
    }
}

fn summary(changes: &[Change]) -> String {
    let [(_, breaking), (_, potentially), (_, safe)] = counts(changes);
    format!("{breaking} breaking, {potentially} potentially breaking, {safe} safe")
}

/// How many changes the baseline accepts.
fn baselined(changes: &[Change]) -> usize {
    changes.iter().filter(|c| c.baselined).count()
}

const ACCEPTED: &str = "accepted by the baseline";

fn human(old: &Spec, new: &Spec, changes: &[Change]) -> String {
    let mut out = format!(
        "{} ({} {}) → {} ({} {})\n",
        old.name(),
        old.info.title,
        old.info.version,
        new.name(),
        new.info.title,
        new.info.version
    );
    for level in Level::ALL {
        for c in changes.iter().filter(|c| c.level() == level) {
            out.push_str(&format!("{level}: {}", c.rule));
            if let Some(op) = &c.operation {
                out.push_str(&format!(" {op}"));
            }
            out.push_str(&format!(": {}", c.message));
            if c.baselined {
                out.push_str(&format!(" ({ACCEPTED})"));
            }
            out.push('\n');
            if let Some(p) = &c.old {
                out.push_str(&format!("    old: {p}\n"));
            }
            if let Some(p) = &c.new {
                out.push_str(&format!("    new: {p}\n"));
            }
        }
    }
    if changes.is_empty() {
        out.push_str("no changes\n");
    } else {
        let accepted = match baselined(changes) {
            0 => String::new(),
            n => format!(" ({n} {ACCEPTED})"),
        };
        out.push_str(&format!(
            "{} changes: {}{accepted}\n",
            changes.len(),
            summary(changes)
        ));
    }
    out
}

/// A place as `file:line:column`.
fn short(place: &Option<Place>) -> String {
    match place {
        Some(Place {
            file,
            position: Some(p),
            ..
        }) => format!("{file}:{}:{}", p.line, p.column),
        Some(Place { file, .. }) => file.clone(),
        None => String::new(),
    }
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn markdown(old: &Spec, new: &Spec, changes: &[Change]) -> String {
    let mut out = format!(
        "## API changes: {} {} → {}\n\n",
        cell(&new.info.title),
        cell(&old.info.version),
        cell(&new.info.version)
    );
    if changes.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    out.push_str("| Level | Changes |\n| --- | ---: |\n");
    for (level, n) in counts(changes) {
        out.push_str(&format!("| {} | {n} |\n", level.title()));
    }
    match baselined(changes) {
        0 => {}
        n => out.push_str(&format!("| of which {ACCEPTED} | {n} |\n")),
    }
    for level in Level::ALL {
        let these: Vec<&Change> = changes.iter().filter(|c| c.level() == level).collect();
        if these.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n### {} ({})\n\n| Rule | Operation | Change | Old | New |\n| --- | --- | --- | --- | --- |\n",
            level.title(),
            these.len()
        ));
        for c in these {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                c.rule,
                cell(c.operation.as_deref().unwrap_or("")),
                if c.baselined {
                    format!("{} *({ACCEPTED})*", cell(&c.message))
                } else {
                    cell(&c.message)
                },
                cell(&short(&c.old)),
                cell(&short(&c.new))
            ));
        }
    }
    out
}

fn changelog(old: &Spec, new: &Spec, changes: &[Change]) -> String {
    let mut out = format!(
        "# {}: {} → {}\n",
        new.info.title, old.info.version, new.info.version
    );
    if changes.is_empty() {
        out.push_str("\nNo changes.\n");
        return out;
    }
    out.push_str(&format!("\n{}.\n", summary(changes)));
    // Operations in the order they first appear; API-wide changes first.
    let mut groups: Vec<(Option<&str>, Vec<&Change>)> = Vec::new();
    let mut index: std::collections::HashMap<Option<&str>, usize> = Default::default();
    if changes.iter().any(|c| c.operation.is_none()) {
        index.insert(None, 0);
        groups.push((None, Vec::new()));
    }
    for c in changes {
        let key = c.operation.as_deref();
        let i = *index.entry(key).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(c);
    }
    for (operation, mut these) in groups {
        these.sort_by_key(|c| std::cmp::Reverse(c.level()));
        out.push_str(&format!(
            "\n## {}\n\n",
            operation.map_or("API-wide".to_string(), |o| format!("`{o}`"))
        ));
        for c in these {
            out.push_str(&format!(
                "- **{}** `{}`: {}\n",
                c.level().title(),
                c.rule,
                c.message.replace('\n', " ")
            ));
        }
    }
    out
}

/// One workflow command per change, on the new version's place (the old one's for a change
/// the new version has no place for): breaking as errors, potentially breaking as warnings,
/// safe and accepted ones as notices.
fn github(changes: &[Change]) -> String {
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for c in changes {
        let command = match c.level() {
            _ if c.baselined => "notice",
            Level::Breaking => "error",
            Level::PotentiallyBreaking => "warning",
            Level::Safe => "notice",
        };
        let mut properties = Vec::new();
        if let Some(place) = c.new.as_ref().or(c.old.as_ref()) {
            properties.push(format!("file={}", property(&place.file)));
            if let Some(p) = place.position {
                properties.push(format!("line={},col={}", p.line, p.column));
            }
        }
        properties.push(format!("title={}", property(c.rule.id())));
        let mut message = match &c.operation {
            Some(op) => format!("{op}: {}", c.message),
            None => c.message.clone(),
        };
        if c.baselined {
            message.push_str(&format!(" ({ACCEPTED})"));
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            data(&message)
        ));
    }
    out
}

/// A test suite per operation (API-wide changes in their own), a test case per change:
/// failing at or above `fail_on` unless the baseline accepts it, passing (the message in its
/// system-out) otherwise; one passing `diff` case when nothing fails, so dashboards count a
/// clean comparison too.
fn junit(old: &Spec, new: &Spec, changes: &[Change], fail_on: Level) -> String {
    let mut report = Report::new(format!("stipula diff {} → {}", old.name(), new.name()));
    let mut suites: Vec<TestSuite> = Vec::new();
    for c in changes {
        let name = c.operation.clone().unwrap_or_else(|| "API-wide".into());
        let i = match suites.iter().position(|s| s.name.as_str() == name) {
            Some(i) => i,
            None => {
                suites.push(TestSuite::new(name));
                suites.len() - 1
            }
        };
        let place = c
            .new
            .as_ref()
            .or(c.old.as_ref())
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        let title = format!("{}: {}{place}", c.rule, c.message);
        let fails = |c: &Change| c.level() >= fail_on && !c.baselined;
        let mut case = if fails(c) {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(format!("{}: {}", c.level(), c.message))
                .set_type(c.rule.id());
            TestCase::new(title, status)
        } else {
            let mut case = TestCase::new(title, TestCaseStatus::success());
            let accepted = if c.baselined {
                format!("{ACCEPTED}: ")
            } else {
                String::new()
            };
            case.set_system_out(format!("{accepted}{}: {}", c.level(), c.message));
            case
        };
        case.set_classname(c.rule.id());
        suites[i].add_test_case(case);
    }
    if !changes.iter().any(|c| c.level() >= fail_on && !c.baselined) {
        let mut suite = TestSuite::new("diff");
        suite.add_test_case(TestCase::new("diff", TestCaseStatus::success()));
        suites.push(suite);
    }
    report.add_test_suites(suites);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot write JUnit XML: {e} -->\n"))
}

fn place_json(place: &Option<Place>) -> Value {
    match place {
        None => Value::Null,
        Some(p) => json!({
            "file": p.file,
            "line": p.position.map(|p| p.line),
            "column": p.position.map(|p| p.column),
            "pointer": p.pointer,
        }),
    }
}

fn spec_json(spec: &Spec) -> Value {
    json!({
        "file": spec.name(),
        "title": spec.info.title,
        "version": spec.info.version,
    })
}

/// The JSON report: `{old, new, summary, changes}` (shape documented in docs/commands.md).
pub fn json_report(old: &Spec, new: &Spec, changes: &[Change]) -> Value {
    let summary: serde_json::Map<String, Value> = counts(changes)
        .into_iter()
        .map(|(level, n)| (level.id().to_string(), json!(n)))
        .collect();
    json!({
        "old": spec_json(old),
        "new": spec_json(new),
        "summary": summary,
        "baselined": baselined(changes),
        "changes": changes.iter().map(|c| {
            let mut v = json!({
                "rule": c.rule.id(),
                "level": c.level().id(),
                "operation": c.operation,
                "message": c.message,
                "old": place_json(&c.old),
                "new": place_json(&c.new),
                "fingerprint": super::baseline::fingerprint(c),
            });
            if c.baselined {
                v["baselined"] = json!(true);
            }
            v
        }).collect::<Vec<_>>(),
    })
}
