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

/// A kind of warning in a few words, for the grouped table (`analyse`, annotations).
pub fn kind_name(kind: &WarningKind) -> &'static str {
    match kind {
        WarningKind::HighVariation { .. } => "process means vary more than 10%",
        WarningKind::TooFewSamples { .. } => "interval wider than the target",
        WarningKind::SingleProcess => "one process execution: no interval",
        WarningKind::Outliers { .. } => "outlying process executions",
        WarningKind::InconsistentWarmup { .. } => "processes disagree on warm-up",
        WarningKind::NoSteadyState { .. } => "no steady state reached",
        WarningKind::ShortIterations { .. } => "iterations shorter than 1 ms",
        WarningKind::Failures { .. } => "some process executions failed",
        WarningKind::AllFailed { .. } => "every process execution failed",
        WarningKind::NoBaseline { .. } => "no baseline to take a ratio against",
        WarningKind::OtherMachine { .. } => "run from another machine left out",
        WarningKind::Neighbours { .. } => "other processes took CPU time",
    }
}

/// How bad one warning of its kind is, to name the worst few: the interval's width, the
/// variation, the share of processes affected, the shortness of the iterations.
fn severity(kind: &WarningKind) -> f64 {
    match kind {
        WarningKind::HighVariation { cv, .. } => *cv,
        WarningKind::TooFewSamples { half_width, .. } => *half_width,
        WarningKind::Outliers { count, of } | WarningKind::NoSteadyState { count, of, .. } => {
            *count as f64 / (*of).max(1) as f64
        }
        WarningKind::Failures { failed, of, .. } => *failed as f64 / (*of).max(1) as f64,
        WarningKind::ShortIterations { min_ns, .. } => -min_ns,
        WarningKind::Neighbours { share, .. } => *share,
        WarningKind::AllFailed { of, .. } => *of as f64,
        WarningKind::SingleProcess
        | WarningKind::InconsistentWarmup { .. }
        | WarningKind::NoBaseline { .. }
        | WarningKind::OtherMachine { .. } => 0.0,
    }
}

/// The warnings of one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct WarningGroup {
    pub kind: &'static str,
    pub count: usize,
    /// The worst few, worst first: the cell (or "the summary") and the warning's message.
    pub worst: Vec<(String, String)>,
}

/// Warnings grouped by kind, the most frequent kind first, each with its `worst` worst
/// warnings named.
pub fn group(warnings: &[Warning], worst: usize) -> Vec<WarningGroup> {
    let mut by_kind: Vec<(&'static str, Vec<&Warning>)> = Vec::new();
    for w in warnings {
        let k = kind_name(&w.kind);
        match by_kind.iter_mut().find(|(n, _)| *n == k) {
            Some((_, v)) => v.push(w),
            None => by_kind.push((k, vec![w])),
        }
    }
    let mut out: Vec<WarningGroup> = by_kind
        .into_iter()
        .map(|(kind, mut ws)| {
            ws.sort_by(|a, b| severity(&b.kind).total_cmp(&severity(&a.kind)));
            WarningGroup {
                kind,
                count: ws.len(),
                worst: ws
                    .iter()
                    .take(worst)
                    .map(|w| {
                        (
                            w.cell
                                .as_ref()
                                .map_or_else(|| "the summary".to_string(), |c| c.to_string()),
                            w.message.clone(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.kind.cmp(b.kind)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use whichpy_wire::SizeName;

    fn key(w: &str) -> CellKey {
        CellKey {
            interp: "pypy-7.3".into(),
            workload: w.into(),
            size: SizeName::Default,
        }
    }

    #[test]
    fn warnings_group_by_kind_with_the_worst_named_first() {
        let wide = |w: &str, h: f64| {
            warning(
                Some(&key(w)),
                WarningKind::TooFewSamples {
                    half_width: h,
                    target: 0.02,
                    processes: 3,
                    needed: 100,
                },
            )
        };
        let ws = vec![
            wide("a", 0.05),
            warning(Some(&key("b")), WarningKind::SingleProcess),
            wide("c", 0.40),
            wide("d", 0.10),
        ];
        let g = group(&ws, 2);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].kind, "interval wider than the target");
        assert_eq!(g[0].count, 3);
        let named: Vec<&str> = g[0].worst.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            named,
            vec!["pypy-7.3 × c (default)", "pypy-7.3 × d (default)"]
        );
        assert_eq!(g[1].count, 1);
    }
}
