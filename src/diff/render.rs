//! The outputs of `stipula diff`, each an independent consumer of the same `Change`s: human
//! (terminal), Markdown (a pull-request comment), JSON (stable, documented in docs/commands.md),
//! a changelog (Markdown grouped by operation, for release notes), GitHub Actions annotations
//! and JUnit XML (a test case per change; those at or above `--fail-on` fail).

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
            out.push_str(&format!(": {}\n", c.message));
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
        out.push_str(&format!(
            "{} changes: {}\n",
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
                cell(&c.message),
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
/// safe as notices.
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
        let message = match &c.operation {
            Some(op) => format!("{op}: {}", c.message),
            None => c.message.clone(),
        };
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            data(&message)
        ));
    }
    out
}

/// A test suite per operation (API-wide changes in their own), a test case per change:
/// failing at or above `fail_on`, passing (the message in its system-out) below; one passing
/// `diff` case when nothing fails, so dashboards count a clean comparison too.
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
        let mut case = if c.level() >= fail_on {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(format!("{}: {}", c.level(), c.message))
                .set_type(c.rule.id());
            TestCase::new(title, status)
        } else {
            let mut case = TestCase::new(title, TestCaseStatus::success());
            case.set_system_out(format!("{}: {}", c.level(), c.message));
            case
        };
        case.set_classname(c.rule.id());
        suites[i].add_test_case(case);
    }
    if !changes.iter().any(|c| c.level() >= fail_on) {
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
        "changes": changes.iter().map(|c| json!({
            "rule": c.rule.id(),
            "level": c.level().id(),
            "operation": c.operation,
            "message": c.message,
            "old": place_json(&c.old),
            "new": place_json(&c.new),
        })).collect::<Vec<_>>(),
    })
}
