//! JUnit XML (quick-junit): a test suite per spec; a failing test case per error finding, a
//! passing one (message in its system-out) per warning, and one passing `lint` case for a spec
//! without errors, so CI dashboards count clean specs too. An error the baseline accepts passes,
//! like a warning, as `stipula test`'s JUnit has it.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::super::SpecReport;
use crate::spec::Severity;

pub(super) fn render(reports: &[SpecReport]) -> String {
    let mut report = Report::new("stipula lint");
    for r in reports {
        let mut suite = TestSuite::new(r.path.display().to_string());
        for f in &r.findings {
            let name = format!("{} {}", f.rule, f.place);
            let case = match f.severity {
                Severity::Error if f.baselined => {
                    let mut case = TestCase::new(name, TestCaseStatus::success());
                    case.set_system_out(format!("accepted by the baseline: {}", f.message));
                    case
                }
                Severity::Error => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(f.message.clone()).set_type(f.rule);
                    TestCase::new(name, status)
                }
                Severity::Warning => {
                    let mut case = TestCase::new(name, TestCaseStatus::success());
                    case.set_system_out(format!("warning: {}", f.message));
                    case
                }
            };
            let mut case = case;
            case.set_classname(f.rule);
            suite.add_test_case(case);
        }
        if r.errors() == 0 {
            suite.add_test_case(TestCase::new("lint", TestCaseStatus::success()));
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot write JUnit XML: {e} -->\n"))
}
