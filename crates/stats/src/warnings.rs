//! Quality warnings, in the spirit of `pyperf check`, each saying what to do next.

use whichpy_wire::summary::{Warning, WarningKind};
use whichpy_wire::CellKey;

/// pyperf check warns when the standard deviation exceeds 10% of the mean.
pub const CV_LIMIT: f64 = 0.10;
/// pyperf check warns when the shortest value is under 1 ms: the clock and the timer loop
/// weigh too much below it.
pub const SHORT_ITERATION_NS: f64 = 1_000_000.0;
/// Others' CPU time (plus steal) above this share of a process execution's wall time counts
/// as a disturbance: a quarter of a CPU, well above what xtask and the engine take while they
/// stream a cell's records.
pub const NEIGHBOUR_SHARE: f64 = 0.25;

/// A warning with its text.
pub fn warning(cell: Option<&CellKey>, kind: WarningKind) -> Warning {
    Warning {
        cell: cell.cloned(),
        message: message(&kind),
        kind,
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// What is wrong and what to do about it.
pub fn message(kind: &WarningKind) -> String {
    match kind {
        WarningKind::HighVariation { cv, limit } => format!(
            "process means vary by {} of their mean (more than {}): run on an idle machine with a \
             fixed CPU frequency governor, or add process executions with `cargo xtask bench \
             --target-ci 2%`",
            pct(*cv),
            pct(*limit)
        ),
        WarningKind::TooFewSamples {
            half_width,
            target,
            processes,
            needed,
        } => format!(
            "the 95% interval is ±{} of the mean, wider than the ±{} target; about {needed} \
             process executions (now {processes}) would reach it: run `cargo xtask bench \
             --target-ci {}`",
            pct(*half_width),
            pct(*target),
            pct(*target).replace(".0%", "%")
        ),
        WarningKind::SingleProcess => "only one successful process execution, so no interval: \
             run at least two (more with `cargo xtask bench --target-ci 2%`)"
            .to_string(),
        WarningKind::Outliers { count, of } => format!(
            "{count} of {of} process executions lie far from the others (modified z-score above \
             3.5); they stay in the means: look for background load or thermal throttling and \
             re-run the cell"
        ),
        WarningKind::InconsistentWarmup { counts } => {
            let parts: Vec<String> = counts
                .iter()
                .filter(|(_, &n)| n > 0)
                .map(|(c, n)| format!("{n} {}", c.as_str()))
                .collect();
            format!(
                "process executions disagree on warm-up ({}): look at the warm-up chart; more \
                 iterations per process (`--iterations`) often settle it",
                parts.join(", ")
            )
        }
        WarningKind::NoSteadyState {
            count,
            of,
            iterations,
        } => format!(
            "{count} of {of} process executions reach no steady state within {iterations} \
             iterations (their warm time is the mean of the last quarter): run more iterations \
             per process (`--iterations`)"
        ),
        WarningKind::ShortIterations { mean_ns, min_ns } => format!(
            "iterations are short (mean {:.3} ms, shortest {:.3} ms; pyperf wants at least 1 ms): \
             the clock and the harness weigh on them; make one iteration last longer (the default size \
             rather than `--quick`, or a larger `n` in the workload)",
            mean_ns / 1e6,
            min_ns / 1e6
        ),
        WarningKind::Failures { failed, of, label } => format!(
            "{failed} of {of} process executions failed (most often: {label}); they are kept out \
             of every mean: read `stderr_tail` in the raw file before trusting the others"
        ),
        WarningKind::AllFailed { of, label } => format!(
            "all {of} process executions failed ({label}): no figures for this cell; read \
             `stderr_tail` in the raw file, or declare the workload unsupported for this family"
        ),
        WarningKind::NoBaseline { baseline } => format!(
            "no successful data for the baseline `{baseline}` in this workload, so no ratio: run \
             the baseline too, or choose another with `--baseline`"
        ),
        WarningKind::OtherMachine {
            run_id,
            fingerprint,
        } => format!(
            "run `{run_id}` comes from another machine (fingerprint {fingerprint}) and was left \
             out: numbers from different machines are never pooled; analyse it on its own"
        ),
        WarningKind::Neighbours {
            share,
            disturbed,
            of,
        } => format!(
            "other processes took CPU time while this cell ran ({} of a CPU on average; {disturbed} \
             of {of} process executions above {}): stop other work on the machine (builds, \
             tests, browsers) and re-run the cell",
            pct(*share),
            pct(NEIGHBOUR_SHARE)
        ),
    }
}
