//! Intervals of ratios and geometric means that hold their coverage with few processes.
//!
//! Why not the bootstrap: a percentile bootstrap that resamples three process executions
//! draws from at most ten distinct process sets, and its spread is that of the sample (a
//! factor `√((n−1)/n)` narrower than the mean's sampling spread), with no Student correction.
//! On this machine, where each process execution is worth about one sample (the spread of
//! process means is several times what iteration noise predicts), that gave 95% ratio
//! intervals narrower than the intervals of the two means they divide, and the coverage
//! simulation (`tests/coverage.rs`) measured it well below 93% at three processes.
//!
//! Method: the unit of replication is the process execution (Kalibera & Jones 2013: the
//! highest level with variance dominates). A quantity's estimate is the mean of its process
//! means, with the standard error `s / √n` and `n − 1` degrees of freedom; cold time adds the
//! interpreter's startup, an independent sample, so its standard errors add and its degrees of
//! freedom come from Welch–Satterthwaite. The ratio is taken on the log scale with the delta
//! method, `Var(ln a/b) ≈ (SEₐ/a)² + (SE_b/b)²`, with the smaller of the two degrees of
//! freedom (Hsu's conservative Welch), and the interval is `exp(ln(a/b) ± t · √Var)`. A geometric mean over workloads
//! averages the log ratios; the workloads are independent cells, so the variances add (over
//! `W²`) and the degrees of freedom pool the same way. The interval of a ratio is therefore
//! never narrower, on the log scale, than either of the two means' own relative intervals.
//!
//! Everything here is a closed form: no random numbers, so the same data gives the same bits.

use whichpy_wire::summary::Interval;

use crate::bootstrap::TwoLevel;
use crate::describe::{mean, std_dev, t_quantile, CONFIDENCE};

/// An estimate with its squared standard error and degrees of freedom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanSe {
    pub mean: f64,
    /// Squared standard error of `mean`.
    pub se2: f64,
    /// Welch–Satterthwaite degrees of freedom (`n − 1` for one sample; infinite when `se2` is 0).
    pub df: f64,
}

/// A log ratio with its variance and degrees of freedom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogRatio {
    pub log: f64,
    pub var: f64,
    pub df: f64,
}

/// Satterthwaite's degrees of freedom of a sum of independent variance terms `(v, df)`.
/// Terms of zero variance carry no uncertainty and drop out; all zero gives infinity.
fn satterthwaite(terms: &[(f64, f64)]) -> f64 {
    let total: f64 = terms.iter().map(|t| t.0).sum();
    let denom: f64 = terms
        .iter()
        .filter(|t| t.0 > 0.0)
        .map(|&(v, df)| v * v / df)
        .sum();
    if total <= 0.0 || denom <= 0.0 {
        f64::INFINITY
    } else {
        total * total / denom
    }
}

/// Mean of process means and its standard error; `None` below two processes.
pub fn one_level(process_means: &[f64]) -> Option<MeanSe> {
    let n = process_means.len();
    let s = std_dev(process_means)?;
    let se2 = s * s / n as f64;
    Some(MeanSe {
        mean: mean(process_means),
        se2,
        df: if se2 > 0.0 {
            (n - 1) as f64
        } else {
            f64::INFINITY
        },
    })
}

/// The estimate of a [`TwoLevel`] quantity with its standard error (processes as the unit;
/// `plus` an independent sample added to it). `None` when either part has fewer than two
/// process executions.
pub fn mean_se(sample: &TwoLevel) -> Option<MeanSe> {
    let means = |procs: &[Vec<f64>]| -> Vec<f64> {
        procs
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| mean(p))
            .collect()
    };
    let main = one_level(&means(&sample.processes))?;
    match &sample.plus {
        None => Some(main),
        Some(plus) => {
            let p = one_level(&means(plus))?;
            Some(MeanSe {
                mean: main.mean + p.mean,
                se2: main.se2 + p.se2,
                df: satterthwaite(&[(main.se2, main.df), (p.se2, p.df)]),
            })
        }
    }
}

/// `ln(num / den)` by the delta method. `None` for a non-positive mean.
pub fn log_ratio(num: &MeanSe, den: &MeanSe) -> Option<LogRatio> {
    if !(num.mean > 0.0 && den.mean > 0.0) {
        return None;
    }
    let va = num.se2 / (num.mean * num.mean);
    let vb = den.se2 / (den.mean * den.mean);
    Some(LogRatio {
        log: (num.mean / den.mean).ln(),
        var: va + vb,
        // Hsu's conservative choice, min(dfₐ, df_b), rather than Welch–Satterthwaite: with it
        // the ratio's interval is never narrower than either mean's own (t can only grow,
        // and so can the variance).
        df: match (va > 0.0, vb > 0.0) {
            (true, true) => num.df.min(den.df),
            (true, false) => num.df,
            (false, true) => den.df,
            (false, false) => f64::INFINITY,
        },
    })
}

/// The log-mean of several independent log ratios (a geometric mean of ratios).
pub fn log_geomean(parts: &[LogRatio]) -> Option<LogRatio> {
    if parts.is_empty() {
        return None;
    }
    let w = parts.len() as f64;
    let terms: Vec<(f64, f64)> = parts.iter().map(|p| (p.var / (w * w), p.df)).collect();
    Some(LogRatio {
        log: parts.iter().map(|p| p.log).sum::<f64>() / w,
        var: terms.iter().map(|t| t.0).sum(),
        df: satterthwaite(&terms),
    })
}

/// The 95% interval of `exp(log)`.
pub fn interval(lr: &LogRatio) -> Interval {
    let centre = lr.log.exp();
    if lr.var <= 0.0 {
        return Interval {
            low: centre,
            high: centre,
        };
    }
    let t = t_quantile(CONFIDENCE, lr.df.max(1.0));
    let h = t * lr.var.sqrt();
    Interval {
        low: (lr.log - h).exp(),
        high: (lr.log + h).exp(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 95% interval of a mean (Student's t on process means), for comparisons with ratios.
    fn mean_interval(m: &MeanSe) -> Interval {
        if m.se2 <= 0.0 {
            return Interval {
                low: m.mean,
                high: m.mean,
            };
        }
        let h = t_quantile(CONFIDENCE, m.df.max(1.0)) * m.se2.sqrt();
        Interval {
            low: m.mean - h,
            high: m.mean + h,
        }
    }

    fn tl(procs: &[&[f64]]) -> TwoLevel {
        TwoLevel {
            processes: procs.iter().map(|p| p.to_vec()).collect(),
            plus: None,
        }
    }

    #[test]
    fn identical_samples_give_one() {
        let a = mean_se(&tl(&[&[10.0, 11.0], &[12.0], &[9.0, 9.5]])).unwrap();
        let ci = interval(&log_ratio(&a, &a).unwrap());
        assert!(ci.low < 1.0 && ci.high > 1.0, "{ci:?}");
    }

    #[test]
    fn zero_variance_is_a_point() {
        let a = mean_se(&tl(&[&[2.0], &[2.0], &[2.0]])).unwrap();
        let b = mean_se(&tl(&[&[1.0], &[1.0]])).unwrap();
        let ci = interval(&log_ratio(&a, &b).unwrap());
        assert_eq!((ci.low, ci.high), (2.0, 2.0));
    }

    #[test]
    fn one_process_has_no_interval() {
        assert!(mean_se(&tl(&[&[1.0, 2.0]])).is_none());
    }

    /// The defect the bootstrap had: with three processes the ratio's interval must not be
    /// narrower, on the log scale, than the relative interval of either mean.
    #[test]
    fn ratio_is_never_narrower_than_its_parts() {
        let a = mean_se(&tl(&[&[28.3], &[44.5], &[39.9]])).unwrap();
        let b = mean_se(&tl(&[&[1.0], &[1.1], &[0.95]])).unwrap();
        let ci = interval(&log_ratio(&a, &b).unwrap());
        for m in [a, b] {
            let part = mean_interval(&m);
            let rel = (part.high - part.low) / 2.0 / m.mean;
            let log_half = (ci.high.ln() - ci.low.ln()) / 2.0;
            assert!(log_half >= rel * 0.99, "{log_half} < {rel}");
        }
    }

    #[test]
    fn geomean_of_one_is_the_ratio() {
        let lr = LogRatio {
            log: 0.5,
            var: 0.01,
            df: 4.0,
        };
        assert_eq!(log_geomean(&[lr]).unwrap(), lr);
    }

    #[test]
    fn satterthwaite_matches_welch_for_two_equal_parts() {
        // Two equal variances with 4 df each: (2v)² / (2 v²/4) = 8.
        assert!((satterthwaite(&[(1.0, 4.0), (1.0, 4.0)]) - 8.0).abs() < 1e-12);
    }
}
