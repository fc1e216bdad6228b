//! Two summaries side by side (two dates, two machines): the statistics of `cargo xtask
//! compare A B`.
//!
//! A summary keeps per cell the mean, standard deviation and count of the process means, not
//! the raw iterations, so the bootstrap cannot be rerun here. The ratio `B / A` of two cell
//! means gets a 95% interval by the delta method on the log scale: `se(ln r)² = cv_A² / n_A +
//! cv_B² / n_B`, with Student's t at the Welch–Satterthwaite degrees of freedom (Welch 1947),
//! and the interval `r · exp(±t · se)`. The verdict follows the same rule as everywhere: faster
//! or slower only when the interval excludes 1.
//!
//! The gate ([`gate`]) answers "is B slower than A by more than the threshold?" with three
//! answers, so that it cannot pass by accident: *slower* (the interval excludes 1 and the ratio
//! is beyond the threshold), *pass* (the interval's upper end is within the threshold, or the
//! interval is narrow enough that a slowdown beyond the threshold would have been seen), and
//! *inconclusive* (no interval, or one too wide to tell). Cells of A that B lacks or that
//! failed in B are reported by [`compare_all`]; [`geometric_mean`] is the suite-level figure.

use whichpy_wire::summary::{Estimate, Interval, Metric, Summary, Verdict};
use whichpy_wire::CellKey;

use crate::bootstrap::verdict;
use crate::describe::{t_quantile, CONFIDENCE};

/// One cell's change from summary A to summary B.
#[derive(Clone, Debug, PartialEq)]
pub struct CellChange {
    pub key: CellKey,
    pub metric: Metric,
    pub a: f64,
    pub b: f64,
    /// `b / a`: below 1, B is faster.
    pub ratio: f64,
    /// `None` when either side has a single process execution.
    pub ci: Option<Interval>,
    pub verdict: Option<Verdict>,
}

/// Ratio `b / a` of two estimates with its delta-method interval.
pub fn ratio_of_estimates(a: &Estimate, b: &Estimate) -> (f64, Option<Interval>) {
    let ratio = b.mean / a.mean;
    let (Some(sa), Some(sb)) = (a.std_dev, b.std_dev) else {
        return (ratio, None);
    };
    let (na, nb) = (a.n as f64, b.n as f64);
    let va = (sa / a.mean).powi(2) / na;
    let vb = (sb / b.mean).powi(2) / nb;
    let se = (va + vb).sqrt();
    if se == 0.0 {
        return (
            ratio,
            Some(Interval {
                low: ratio,
                high: ratio,
            }),
        );
    }
    // Welch–Satterthwaite degrees of freedom.
    let df = (va + vb).powi(2) / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    let t = t_quantile(CONFIDENCE, df);
    (
        ratio,
        Some(Interval {
            low: ratio * (-t * se).exp(),
            high: ratio * (t * se).exp(),
        }),
    )
}

/// Why a figure of A has no counterpart in B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lost {
    /// B has no such cell (not measured, or dropped from the suite).
    Missing,
    /// B has the cell but not this figure: every process execution of it failed.
    Failed { processes_failed: u32 },
}

/// A figure A has and B lacks.
#[derive(Clone, Debug, PartialEq)]
pub struct LostCell {
    pub key: CellKey,
    pub metric: Metric,
    pub lost: Lost,
}

/// A cell that still has its figures in B but whose process executions failed there more often
/// than in A (an interpreter that now crashes sometimes).
#[derive(Clone, Debug, PartialEq)]
pub struct NewFailures {
    pub key: CellKey,
    pub failed_a: u32,
    pub failed_b: u32,
    pub ok_b: u32,
}

/// Summary A against summary B: the changes of the figures both have, and what B lost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    pub changes: Vec<CellChange>,
    pub lost: Vec<LostCell>,
    pub new_failures: Vec<NewFailures>,
    /// Cells of B that A does not have (not gated: nothing to compare them with).
    pub only_in_b: usize,
}

/// The figures of a cell that the comparison looks at: warm time, cold time, and whole-process
/// time when there is no warm time (startup and process cells).
fn figures(c: &whichpy_wire::summary::CellSummary) -> [(Metric, Option<&Estimate>); 3] {
    let wall = if c.kind == whichpy_wire::WorkloadKind::Process {
        Metric::Process
    } else {
        Metric::Startup
    };
    [
        (Metric::Warm, c.warm_ns.as_ref()),
        (Metric::Cold, c.cold_ns.as_ref()),
        (wall, c.wall_ns.as_ref().filter(|_| c.warm_ns.is_none())),
    ]
}

/// Every figure of A against B's: the changes, the figures B lost (cell missing, or failed in
/// every process execution), the cells whose failures grew, and the count of cells only B has.
pub fn compare_all(a: &Summary, b: &Summary) -> Comparison {
    let mut out = Comparison {
        changes: compare(a, b),
        ..Comparison::default()
    };
    let in_a: std::collections::HashSet<&CellKey> = a.cells.iter().map(|c| &c.key).collect();
    out.only_in_b = b.cells.iter().filter(|c| !in_a.contains(&c.key)).count();
    for ca in &a.cells {
        let cb = b.cell(&ca.key);
        if let Some(cb) = cb {
            if cb.processes_failed > ca.processes_failed && cb.processes_ok > 0 {
                out.new_failures.push(NewFailures {
                    key: ca.key.clone(),
                    failed_a: ca.processes_failed,
                    failed_b: cb.processes_failed,
                    ok_b: cb.processes_ok,
                });
            }
        }
        let fb = cb.map(figures);
        for (i, (metric, ea)) in figures(ca).into_iter().enumerate() {
            if ea.is_none() {
                continue;
            }
            let lost = match (cb, &fb) {
                (None, _) => Lost::Missing,
                (Some(cb), Some(fb)) if fb[i].1.is_none() => Lost::Failed {
                    processes_failed: cb.processes_failed,
                },
                _ => continue,
            };
            out.lost.push(LostCell {
                key: ca.key.clone(),
                metric,
                lost,
            });
        }
    }
    out
}

/// What the gate says of one ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GateVerdict {
    /// No slowdown beyond the threshold: the interval's upper end is within it, or the interval
    /// is narrow enough (its upper half-width within the threshold) that one would have been
    /// seen and the ratio itself is within it.
    Pass,
    /// Significantly slower (the interval excludes 1) by more than the threshold.
    Slower,
    /// Cannot tell: no interval (one sample), or an interval so wide that a slowdown beyond
    /// the threshold might hide in it.
    Inconclusive,
}

impl GateVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            GateVerdict::Pass => "pass",
            GateVerdict::Slower => "slower",
            GateVerdict::Inconclusive => "inconclusive",
        }
    }
}

/// The gate's verdict on `ratio` (B / A) with its 95% interval, for a threshold of
/// `threshold` (0.05 = fail beyond 5% slower).
///
/// A uniform slowdown by a factor `k > 1 + threshold` never passes: to pass, either the upper
/// end is at most `1 + threshold` (below `k`, so the ratio was not `k`), or the upper
/// half-width is at most the threshold, and then the interval's lower end `k / (1 + threshold)`
/// is above 1 (the interval is symmetric on the log scale), so the ratio is significantly
/// beyond the threshold.
pub fn gate(ratio: f64, ci: Option<Interval>, threshold: f64) -> GateVerdict {
    let Some(ci) = ci else {
        return GateVerdict::Inconclusive;
    };
    let limit = 1.0 + threshold;
    if verdict(ci) == Verdict::Slower && ratio > limit {
        return GateVerdict::Slower;
    }
    if ci.high <= limit {
        return GateVerdict::Pass;
    }
    // The interval's upper half-width, relative to the ratio (exp of the log-scale half-width).
    let precise = ratio > 0.0 && ci.high / ratio <= limit;
    if precise && ratio <= limit {
        GateVerdict::Pass
    } else {
        GateVerdict::Inconclusive
    }
}

/// The geometric mean of ratios with a 95% interval: the mean of the log ratios, with a
/// half-width combining the rows' log-scale half-widths as independent errors,
/// `sqrt(Σ hᵢ²) / k`. Each `hᵢ` is a t-quantile (≥ 1.96) times a standard error, so treating
/// it as 1.96 standard errors overstates the spread: the interval is conservative. `None`
/// without a row; no interval when a row has none.
pub fn geometric_mean(rows: &[(f64, Option<Interval>)]) -> Option<(f64, Option<Interval>)> {
    if rows.is_empty() || rows.iter().any(|(r, _)| !(r.is_finite() && *r > 0.0)) {
        return None;
    }
    let k = rows.len() as f64;
    let mean_log = rows.iter().map(|(r, _)| r.ln()).sum::<f64>() / k;
    let g = mean_log.exp();
    let mut sum_h2 = 0.0;
    for (_, ci) in rows {
        let Some(ci) = ci else {
            return Some((g, None));
        };
        if !(ci.low > 0.0 && ci.high > 0.0) {
            return Some((g, None));
        }
        let h = (ci.high / ci.low).ln() / 2.0;
        sum_h2 += h * h;
    }
    let h = sum_h2.sqrt() / k;
    Some((
        g,
        Some(Interval {
            low: (mean_log - h).exp(),
            high: (mean_log + h).exp(),
        }),
    ))
}

/// Every cell present in both summaries, warm time (wall time for startup cells) and cold time,
/// in A's cell order.
pub fn compare(a: &Summary, b: &Summary) -> Vec<CellChange> {
    let mut out = Vec::new();
    for ca in &a.cells {
        let Some(cb) = b.cell(&ca.key) else { continue };
        // Whole-process time is a process cell's figure, a startup cell's otherwise.
        let wall = if ca.kind == whichpy_wire::WorkloadKind::Process {
            Metric::Process
        } else {
            Metric::Startup
        };
        let pairs = [
            (Metric::Warm, &ca.warm_ns, &cb.warm_ns),
            (Metric::Cold, &ca.cold_ns, &cb.cold_ns),
            (wall, &ca.wall_ns, &cb.wall_ns),
        ];
        for (metric, ea, eb) in pairs {
            if metric == wall && ca.warm_ns.is_some() {
                continue;
            }
            let (Some(ea), Some(eb)) = (ea, eb) else {
                continue;
            };
            let (ratio, ci) = ratio_of_estimates(ea, eb);
            out.push(CellChange {
                key: ca.key.clone(),
                metric,
                a: ea.mean,
                b: eb.mean,
                ratio,
                ci,
                verdict: ci.map(verdict),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::estimate;

    #[test]
    fn same_estimates_contain_one() {
        let e = estimate(&[10.0, 11.0, 9.5, 10.2]).unwrap();
        let (r, ci) = ratio_of_estimates(&e, &e);
        assert_eq!(r, 1.0);
        assert!(ci.unwrap().contains(1.0));
        assert_eq!(verdict(ci.unwrap()), Verdict::NoSignificantDifference);
    }

    #[test]
    fn clear_speedup_is_faster() {
        let a = estimate(&[10.0, 11.0, 9.5, 10.2]).unwrap();
        let b = estimate(&[5.0, 5.1, 4.9, 5.2]).unwrap();
        let (r, ci) = ratio_of_estimates(&a, &b);
        assert!((r - 0.5).abs() < 0.02);
        assert_eq!(verdict(ci.unwrap()), Verdict::Faster);
    }

    fn ci(low: f64, high: f64) -> Option<Interval> {
        Some(Interval { low, high })
    }

    #[test]
    fn the_gate_has_three_answers() {
        // The same data, measured precisely: pass.
        assert_eq!(gate(1.0, ci(0.98, 1.02), 0.05), GateVerdict::Pass);
        // Significantly faster: pass.
        assert_eq!(gate(0.5, ci(0.4, 0.6), 0.05), GateVerdict::Pass);
        // Significantly slower beyond 5%.
        assert_eq!(gate(1.3, ci(1.2, 1.4), 0.05), GateVerdict::Slower);
        // Significantly slower but within 5%, precisely measured: pass.
        assert_eq!(gate(1.03, ci(1.02, 1.04), 0.05), GateVerdict::Pass);
        // The interval: 30% slower hidden in [0.526, 1.902].
        assert_eq!(gate(1.0, ci(0.526, 1.902), 0.05), GateVerdict::Inconclusive);
        assert_eq!(gate(1.3, ci(0.526, 1.902), 0.05), GateVerdict::Inconclusive);
        // No interval: cannot tell.
        assert_eq!(gate(1.0, None, 0.05), GateVerdict::Inconclusive);
        // `slower` (0%): an interval that reaches above 1 cannot rule a slowdown out.
        assert_eq!(gate(1.0, ci(0.98, 1.02), 0.0), GateVerdict::Inconclusive);
        assert_eq!(gate(0.9, ci(0.85, 0.95), 0.0), GateVerdict::Pass);
    }

    #[test]
    fn a_uniform_slowdown_beyond_the_threshold_never_passes() {
        // Log-symmetric intervals of every width around k.
        for k in [1.06, 1.1, 1.3, 2.0] {
            for i in 0..400 {
                let h = (i as f64 * 0.005).exp();
                let v = gate(k, ci(k / h, k * h), 0.05);
                assert_ne!(v, GateVerdict::Pass, "k {k}, half-width factor {h}");
            }
        }
    }

    #[test]
    fn geometric_mean_and_its_interval() {
        let (g, i) = geometric_mean(&[(2.0, ci(1.8, 2.2)), (0.5, ci(0.45, 0.55))]).unwrap();
        assert!((g - 1.0).abs() < 1e-12);
        let i = i.unwrap();
        assert!(i.low < 1.0 && i.high > 1.0);
        // Narrower than either row's interval on the log scale.
        assert!((i.high / i.low).ln() < (2.2f64 / 1.8).ln());
        let (g, i) = geometric_mean(&[(1.3, ci(1.0, 1.69)); 100]).unwrap();
        assert!((g - 1.3).abs() < 1e-12);
        assert_eq!(verdict(i.unwrap()), Verdict::Slower);
        assert_eq!(geometric_mean(&[(1.0, None)]).unwrap().1, None);
        assert_eq!(geometric_mean(&[]), None);
    }

    #[test]
    fn single_process_has_no_interval() {
        let a = estimate(&[10.0]).unwrap();
        let b = estimate(&[5.0, 5.1]).unwrap();
        assert_eq!(ratio_of_estimates(&a, &b).1, None);
    }
}
