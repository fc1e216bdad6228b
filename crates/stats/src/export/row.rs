//! One flat row per cell: the view the CSV and Markdown exports share.

use serde::Serialize;
use whichpy_wire::summary::{Comparison, Estimate, Metric, Summary};

/// A cell with its figures and its ratios against the baseline. Times in nanoseconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub interp: String,
    pub workload: String,
    pub size: String,
    pub kind: String,
    pub processes_ok: u32,
    pub processes_failed: u32,
    pub warmup_class: Option<String>,
    pub warmup_consistent: Option<bool>,
    pub iterations_before_steady: Option<f64>,
    pub startup_ns: Option<f64>,
    pub cold_ns: Option<f64>,
    pub cold_ci_low_ns: Option<f64>,
    pub cold_ci_high_ns: Option<f64>,
    pub warm_ns: Option<f64>,
    pub warm_ci_low_ns: Option<f64>,
    pub warm_ci_high_ns: Option<f64>,
    pub wall_ns: Option<f64>,
    pub baseline: String,
    pub ratio_metric: Option<String>,
    pub ratio: Option<f64>,
    pub ratio_ci_low: Option<f64>,
    pub ratio_ci_high: Option<f64>,
    pub verdict: Option<String>,
    pub cold_ratio: Option<f64>,
    pub cold_ratio_ci_low: Option<f64>,
    pub cold_ratio_ci_high: Option<f64>,
    pub cold_verdict: Option<String>,
    pub rss_median_kib: Option<f64>,
    pub rss_max_kib: Option<u64>,
}

fn parts(e: &Option<Estimate>) -> (Option<f64>, Option<f64>, Option<f64>) {
    match e {
        Some(e) => (Some(e.mean), e.ci.map(|c| c.low), e.ci.map(|c| c.high)),
        None => (None, None, None),
    }
}

/// Rows in the summary's cell order. The main ratio is warm time, or wall time for startup
/// cells; the cold ratio is filled for iteration workloads.
pub fn rows(s: &Summary) -> Vec<Row> {
    s.cells
        .iter()
        .map(|c| {
            let find = |m: Metric| -> Option<&Comparison> {
                s.comparisons.iter().find(|x| {
                    x.interp == c.key.interp
                        && x.workload == c.key.workload
                        && x.size == c.key.size
                        && x.metric == m
                })
            };
            let main = find(Metric::Warm)
                .or_else(|| find(Metric::Startup))
                .or_else(|| find(Metric::Process));
            let cold = find(Metric::Cold);
            let (cold_ns, cold_lo, cold_hi) = parts(&c.cold_ns);
            let (warm_ns, warm_lo, warm_hi) = parts(&c.warm_ns);
            Row {
                interp: c.key.interp.clone(),
                workload: c.key.workload.clone(),
                size: c.key.size.as_str().to_string(),
                kind: format!("{:?}", c.kind).to_lowercase(),
                processes_ok: c.processes_ok,
                processes_failed: c.processes_failed,
                warmup_class: c.warmup.as_ref().map(|w| match w.class {
                    Some(k) => k.as_str().to_string(),
                    None => "inconsistent".to_string(),
                }),
                warmup_consistent: c.warmup.as_ref().map(|w| w.class.is_some()),
                iterations_before_steady: c
                    .warmup
                    .as_ref()
                    .and_then(|w| w.iterations_before_steady.as_ref().map(|e| e.mean)),
                startup_ns: c.startup_ns.as_ref().map(|e| e.mean),
                cold_ns,
                cold_ci_low_ns: cold_lo,
                cold_ci_high_ns: cold_hi,
                warm_ns,
                warm_ci_low_ns: warm_lo,
                warm_ci_high_ns: warm_hi,
                wall_ns: c.wall_ns.as_ref().map(|e| e.mean),
                baseline: s.analysis.baseline.clone(),
                ratio_metric: main.map(|m| m.metric.as_str().to_string()),
                ratio: main.map(|m| m.ratio),
                ratio_ci_low: main.map(|m| m.ci.low),
                ratio_ci_high: main.map(|m| m.ci.high),
                verdict: main.map(|m| m.verdict.as_str().to_string()),
                cold_ratio: cold.map(|m| m.ratio),
                cold_ratio_ci_low: cold.map(|m| m.ci.low),
                cold_ratio_ci_high: cold.map(|m| m.ci.high),
                cold_verdict: cold.map(|m| m.verdict.as_str().to_string()),
                rss_median_kib: c.memory.as_ref().map(|m| m.median_kib),
                rss_max_kib: c.memory.as_ref().map(|m| m.max_kib),
            }
        })
        .collect()
}
