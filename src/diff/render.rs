//! The outputs of `stipula diff`, each an independent consumer of the same `Change`s: human
//! (terminal), Markdown (a pull-request comment) and JSON (stable, documented in docs/commands.md).

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
}

/// The report for `changes` between `old` and `new`, ending with a newline.
pub fn render(format: Format, old: &Spec, new: &Spec, changes: &[Change]) -> String {
    match format {
        Format::Human => human(old, new, changes),
        Format::Markdown => markdown(old, new, changes),
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
