//! `stipula test`: the property-based conformance runner.

pub mod event;
pub mod report;
