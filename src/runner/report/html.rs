//! `--html FILE`: the report as one self-contained HTML page: the verdict, coverage overall and
//! per operation (with the documented items no case exercised), then every failure with its
//! request, response and curl command, the warnings and the notices.
//!
//! One file, no external asset and no script (it opens from a CI artifact, offline). Everything
//! that comes from the server or the spec (bodies, headers, messages, operation names) passes
//! through [`escape`], and a Content-Security-Policy that allows no script is the second line
//! of defence: a response body holding `<script>` shows as text and runs nowhere (a test checks
//! it in headless Chromium). Rendered from the `Report` in `Finished`, like every other output.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Reporter, with_path};
use crate::runner::event::{
    CoverageKind, CoverageSummary, Event, Finding, Ratio, Report, RequestRecord, Severity,
    format_percent,
};

/// The page's title (tests check that nothing in the page changed it).
pub const TITLE: &str = "stipula test report";

pub struct HtmlReporter {
    path: PathBuf,
    file: Option<File>,
}

impl HtmlReporter {
    /// Creates (truncates) the file now, so that a path that cannot be written fails before
    /// the run; the page is written at `Finished`.
    pub fn create(path: impl Into<PathBuf>) -> std::io::Result<HtmlReporter> {
        let path = path.into();
        let file = File::create(&path).map_err(|e| with_path(&path, e))?;
        Ok(HtmlReporter {
            path,
            file: Some(file),
        })
    }
}

impl Reporter for HtmlReporter {
    fn event(&mut self, event: &Event) -> std::io::Result<()> {
        if let Event::Finished { report } = event {
            let mut file = match self.file.take() {
                Some(f) => f,
                None => File::create(&self.path).map_err(|e| with_path(&self.path, e))?,
            };
            file.write_all(render(report).as_bytes())
                .and_then(|()| file.flush())
                .map_err(|e| with_path(&self.path, e))?;
        }
        Ok(())
    }
}

/// Writes `report` as HTML to `path` (what `stipula report merge --html` would use).
pub fn write_html(report: &Report, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, render(report)).map_err(|e| with_path(path, e))
}

/// Text as HTML: `& < > " '` as entities, control characters (but newline and tab) as `\u{..}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:80em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.fail{color:#b00020;font-weight:bold}.pass{color:#146c2e;font-weight:bold}.warn{color:#8a5300}
.low{background:#fdecea}.full{background:#eaf6ec}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
section.finding{border-left:4px solid #b00020;padding-left:1em;margin:1.5em 0}
section.finding.warning{border-color:#8a5300}section.finding.baselined{border-color:#999}
";

/// The whole page.
pub fn render(report: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{TITLE}</title><style>{STYLE}</style></head><body>\n<h1>{TITLE}</h1>\n"
    );
    render_runs(&mut h, report);
    render_verdict(&mut h, report);
    render_coverage(&mut h, report);
    let failures: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Failure && !f.baselined)
        .collect();
    let _ = writeln!(h, "<h2 id=\"failures\">Failures ({})</h2>", failures.len());
    if failures.is_empty() {
        h.push_str("<p>None.</p>\n");
    }
    for f in failures {
        render_finding(&mut h, f, "failure");
    }
    let accepted: Vec<&Finding> = report.findings.iter().filter(|f| f.baselined).collect();
    if !accepted.is_empty() {
        let _ = writeln!(
            h,
            "<h2 id=\"baselined\">Accepted by the baseline ({})</h2>",
            accepted.len()
        );
        for f in accepted {
            render_finding(&mut h, f, "baselined");
        }
    }
    let warnings: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect();
    if !warnings.is_empty() {
        let _ = writeln!(
            h,
            "<h2 id=\"warnings\">Warnings ({})</h2><details><summary>Show the warnings (they never fail a run)</summary>",
            warnings.len()
        );
        for f in warnings {
            render_finding(&mut h, f, "warning");
        }
        h.push_str("</details>\n");
    }
    if !report.notices.is_empty() {
        h.push_str("<h2 id=\"notices\">Notices</h2><ul>\n");
        for n in &report.notices {
            let _ = writeln!(h, "<li>{}</li>", escape(n));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body></html>\n");
    h
}

fn render_runs(h: &mut String, report: &Report) {
    h.push_str("<table id=\"runs\"><tr><th>spec</th><th>base URL</th><th>seed</th><th>shard</th><th>operations</th></tr>\n");
    for run in &report.runs {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            escape(&run.spec),
            escape(&run.base_url),
            run.seed,
            run.shard
                .map(|(k, n)| format!("{k}/{n}"))
                .unwrap_or_default(),
            run.operations.len()
        );
    }
    h.push_str("</table>\n");
}

fn render_verdict(h: &mut String, report: &Report) {
    let failures = report.failures();
    let (class, text) = if failures > 0 {
        (
            "fail",
            format!("FAILED: {failures} violation(s) of the contract"),
        )
    } else {
        ("pass", "PASSED".to_string())
    };
    let _ = writeln!(
        h,
        "<p id=\"verdict\" class=\"{class}\">{}</p>\n<p>{} cases in {:.2} s; {} failure(s), {} warning(s), {} accepted by the baseline, {} notice(s).</p>",
        escape(&text),
        report.cases(),
        report.elapsed_seconds,
        failures,
        report.warnings(),
        report.baselined(),
        report.notices.len()
    );
}

fn ratio_cell(r: Ratio) -> String {
    if r.documented == 0 {
        "<td class=\"num\">-</td>".to_string()
    } else {
        let class = if r.covered == r.documented {
            "num full"
        } else if r.percent() < 50.0 {
            "num low"
        } else {
            "num"
        };
        format!(
            "<td class=\"{class}\">{}% ({}/{})</td>",
            format_percent(r.percent()),
            r.covered,
            r.documented
        )
    }
}

fn summary_cells(h: &mut String, s: &CoverageSummary) {
    for kind in CoverageKind::ALL {
        h.push_str(&ratio_cell(s.get(kind)));
    }
    h.push_str(&ratio_cell(s.overall()));
}

fn render_coverage(h: &mut String, report: &Report) {
    h.push_str("<h2 id=\"coverage\">Coverage</h2>\n");
    if report.coverage.is_empty() {
        h.push_str("<p>This report has no coverage data.</p>\n");
        return;
    }
    let header: String = CoverageKind::ALL
        .iter()
        .map(|k| format!("<th>{}</th>", escape(k.label())))
        .collect();
    let _ = writeln!(
        h,
        "<table id=\"coverage-table\"><thead><tr><th>operation</th>{header}<th>overall</th><th>not exercised</th></tr></thead><tbody>"
    );
    h.push_str("<tr class=\"total\"><th>all operations</th>");
    summary_cells(h, &report.coverage_summary());
    h.push_str("<td></td></tr>\n");
    for (op, c) in &report.coverage {
        let _ = write!(h, "<tr class=\"operation\"><td>{}</td>", escape(op));
        summary_cells(h, &c.summary());
        let missed: Vec<String> = c
            .missed()
            .map(|i| format!("<li>{}: {}</li>", escape(i.kind.label()), escape(&i.name)))
            .collect();
        let undocumented: Vec<String> = c
            .statuses
            .keys()
            .filter(|code| {
                !c.items.iter().any(|i| {
                    i.kind == CoverageKind::Status
                        && crate::spec::StatusKey::parse(&i.name).is_some_and(|k| k.matches(**code))
                })
            })
            .map(|code| code.to_string())
            .collect();
        h.push_str("<td>");
        if !missed.is_empty() {
            let _ = write!(
                h,
                "<details><summary>{} item(s)</summary><ul>{}</ul></details>",
                missed.len(),
                missed.concat()
            );
        }
        if !undocumented.is_empty() {
            let _ = write!(
                h,
                "<p>statuses seen but not documented: {}</p>",
                escape(&undocumented.join(", "))
            );
        }
        h.push_str("</td></tr>\n");
    }
    h.push_str("</tbody></table>\n<p>How each figure is computed: docs/coverage.md.</p>\n");
}

fn render_request(h: &mut String, label: &str, r: &RequestRecord) {
    let mut text = format!("{} {}\n", r.method, r.url);
    for (n, v) in &r.headers {
        let _ = writeln!(text, "{n}: {v}");
    }
    if let Some(body) = &r.body {
        text.push('\n');
        text.push_str(body);
    }
    let _ = writeln!(
        h,
        "<p>{label}</p><pre class=\"request\">{}</pre>",
        escape(&text)
    );
}

fn render_finding(h: &mut String, f: &Finding, class: &str) {
    let _ = writeln!(
        h,
        "<section class=\"finding {class}\"><h3>{} <code>{}</code> {} <small>({} {})</small></h3>",
        match class {
            "failure" => "<span class=\"fail\">FAIL</span>",
            "warning" => "<span class=\"warn\">WARN</span>",
            _ => "<span>ACCEPTED</span>",
        },
        escape(f.check.id()),
        escape(&f.operation),
        escape(&f.method),
        escape(&f.path)
    );
    let mut facts = vec![format!("{} phase", f.phase)];
    if f.shrunk {
        facts.push("shrunk to a minimal request".into());
    }
    if f.occurrences > 1 {
        facts.push(format!("seen in {} cases", f.occurrences));
    }
    facts.push(format!("fingerprint {}", f.fingerprint));
    let _ = writeln!(
        h,
        "<p class=\"message\">{}</p><p><small>{}</small></p>",
        escape(&f.message),
        escape(&facts.join(", "))
    );
    if !f.violations.is_empty() {
        h.push_str("<ul class=\"violations\">");
        for v in &f.violations {
            let at = if v.instance_path.is_empty() {
                "(whole body)"
            } else {
                &v.instance_path
            };
            let _ = write!(
                h,
                "<li><code>{}</code> {}: {}{}</li>",
                escape(at),
                escape(&v.keyword),
                escape(&v.message),
                if v.schema_location.is_empty() {
                    String::new()
                } else {
                    format!(" <small>at {}</small>", escape(&v.schema_location))
                }
            );
        }
        h.push_str("</ul>\n");
    }
    for (i, step) in f.steps.iter().enumerate() {
        render_request(h, &format!("step {}", i + 1), step);
    }
    render_request(h, "request", &f.request);
    match &f.response {
        Some(r) => {
            let mut text = format!("{} ({:.1} ms)\n", r.status, r.elapsed_ms);
            for (n, v) in &r.headers {
                let _ = writeln!(text, "{n}: {v}");
            }
            text.push('\n');
            text.push_str(&r.body);
            let _ = writeln!(
                h,
                "<p>response</p><pre class=\"response\">{}</pre>",
                escape(&text)
            );
        }
        None => h.push_str("<p>response: none</p>\n"),
    }
    let mut curl = String::new();
    for step in &f.steps {
        curl.push_str(&step.curl);
        curl.push('\n');
    }
    curl.push_str(&f.request.curl);
    let _ = writeln!(
        h,
        "<p>reproduce</p><pre class=\"curl\">{}</pre></section>",
        escape(&curl)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("<script>a&'\"</script>\u{1b}[31m"),
            "&lt;script&gt;a&amp;&#39;&quot;&lt;/script&gt;\\u{1b}[31m"
        );
    }
}
