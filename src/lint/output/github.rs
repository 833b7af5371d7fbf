//! GitHub Actions annotations: one workflow command per finding, which GitHub shows on the
//! pull request's diff. Values are escaped as the runner expects (`%`, CR, LF everywhere; also
//! `:` and `,` in properties). An error the baseline accepts is a notice.

use super::super::SpecReport;

pub(super) fn render(reports: &[SpecReport]) -> String {
    let mut out = String::new();
    for f in reports.iter().flat_map(|r| &r.findings) {
        let mut properties = format!("file={}", property(&f.place.file));
        if let Some(p) = f.place.position {
            properties.push_str(&format!(",line={},col={}", p.line, p.column));
        }
        properties.push_str(&format!(",title={}", property(f.rule)));
        let (command, accepted) = if f.baselined {
            ("notice", " (accepted by the baseline)")
        } else {
            (super::level(f.severity), "")
        };
        let message = format!("{} (#{}){accepted}", f.message, f.place.pointer);
        out.push_str(&format!("::{command} {properties}::{}\n", data(&message)));
    }
    out
}

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}
