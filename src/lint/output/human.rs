//! The human format: grep- and editor-friendly first lines (`file:line:column`), then the
//! source line with a caret under the column, rustc-style. A small renderer rather than
//! annotate-snippets, whose layout moves `file:line:column` to a second line. An error the
//! baseline accepts keeps its first line, marked, without the snippet; the summary counts it
//! apart, as `stipula test` does ("2 more accepted by the baseline").

use super::super::{Finding, SpecReport};

pub(super) fn render(reports: &[SpecReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for finding in &report.findings {
            finding_text(finding, &mut out);
        }
        let name = report.path.display();
        let accepted = match report.baselined() {
            0 => String::new(),
            n => format!(" ({n} more accepted by the baseline)"),
        };
        match &report.summary {
            Some(s) => out.push_str(&format!(
                "{name}: {}, {}, base path {}, {}, {} checked ({} skipped): {}, {}{accepted}\n",
                s.version,
                count(s.operations, "operation"),
                s.base_path,
                count(s.schemas, "schema"),
                count(s.examples.checked, "example"),
                s.examples.skipped,
                count(report.errors(), "error"),
                count(report.warnings(), "warning")
            )),
            None => out.push_str(&format!(
                "{name}: cannot be loaded: {}, {}{accepted}\n",
                count(report.errors(), "error"),
                count(report.warnings(), "warning")
            )),
        }
    }
    out
}

/// "1 error", "2 errors".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn finding_text(f: &Finding, out: &mut String) {
    out.push_str(&f.to_string());
    if f.baselined {
        out.push_str(" (accepted by the baseline)\n");
        return;
    }
    out.push('\n');
    if let Some(s) = &f.snippet {
        let gutter = " ".repeat(s.line.to_string().len());
        let indent: String = s
            .text
            .chars()
            .take(s.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!(
            "{gutter} |\n{} | {}\n{gutter} | {indent}^\n",
            s.line, s.text
        ));
    }
}
