mod lint;
mod mock;
mod test;

pub(crate) use mock::{
    CLOCK_TICKS, Proc, ROOT, TempDir, baseline_server, build_stipula, cpu_ticks, display, entry,
    loadavg, median, progress, run, run_bounded,
};
