//! Two summaries side by side (two dates, two machines): the statistics of `cargo xtask
//! compare A B`.
//!
//! A summary keeps per cell the mean, standard deviation and count of the process means, not
//! the raw iterations, so the bootstrap cannot be rerun here. The ratio `B / A` of two cell
//! means gets a 95% interval by the delta method on the log scale: `se(ln r)² = cv_A² / n_A +
//! cv_B² / n_B`, with Student's t at the Welch–Satterthwaite degrees of freedom (Welch 1947),
//! and the interval `r · exp(±t · se)`. The verdict follows the same rule as everywhere: faster
//! or slower only when the interval excludes 1.

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

    #[test]
    fn single_process_has_no_interval() {
        let a = estimate(&[10.0]).unwrap();
        let b = estimate(&[5.0, 5.1]).unwrap();
        assert_eq!(ratio_of_estimates(&a, &b).1, None);
    }
}
