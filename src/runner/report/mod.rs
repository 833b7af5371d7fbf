//! TEMPORARY stand-in until the reporters branch merges.
use std::path::PathBuf;

use super::event::Event;

pub struct Reporters;

pub fn for_test_run(_junit: Option<PathBuf>, json: Option<PathBuf>) -> Result<Reporters, String> {
    let _ = json;
    Ok(Reporters)
}

impl Reporters {
    pub fn event(&mut self, event: &Event) -> std::io::Result<()> {
        match event {
            Event::Found(f) => eprintln!(
                "{:?} {} [{}] {}\n  {:?}\n  {}\n  -> {:?}",
                f.severity,
                f.operation,
                f.check,
                f.message,
                f.violations,
                f.request.curl,
                f.response.as_ref().map(|r| (r.status, &r.body))
            ),
            Event::Notice { operation, message } => eprintln!("notice {operation}: {message}"),
            Event::Finished { report } => eprintln!(
                "cases {} by phase {:?}; failures {} warnings {}; {:.2}s; tally {:?}",
                report.cases(),
                report.cases_by_phase,
                report.failures(),
                report.warnings(),
                report.elapsed_seconds,
                report.tally
            ),
            _ => {}
        }
        Ok(())
    }
}
