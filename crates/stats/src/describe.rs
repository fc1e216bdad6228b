//! Descriptive statistics and Student's t intervals of a mean.
//!
//! Means across process executions are the unit of inference (Kalibera & Jones, "Rigorous
//! Benchmarking in Reasonable Time", ISMM 2013): iterations inside one process are not
//! independent, processes are. So an interval of a cell's mean is taken over its process
//! means, with Student's t at `n - 1` degrees of freedom.

use statrs::distribution::{ContinuousCDF, StudentsT};
use whichpy_wire::summary::{Estimate, Interval};

/// Confidence level of every interval whichpy reports.
pub const CONFIDENCE: f64 = 0.95;

/// Arithmetic mean; `NaN` for an empty slice.
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (Bessel's correction, `n - 1`); `None` below two samples.
pub fn std_dev(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let m = mean(xs);
    let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    Some((ss / (xs.len() - 1) as f64).sqrt())
}

/// Sorted copy (total order; whichpy never feeds `NaN`).
pub fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Quantile `q` in `[0, 1]` by linear interpolation between order statistics: Hyndman & Fan's
/// type 7, numpy's default (`numpy.quantile(.., method="linear")`). Note that statrs uses
/// type 8, so this one is written out. `NaN` for an empty slice.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Quantile of unsorted data (type 7, as [`quantile_sorted`]).
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    quantile_sorted(&sorted(xs), q)
}

/// Median (mean of the two middle values for an even count).
pub fn median(xs: &[f64]) -> f64 {
    quantile(xs, 0.5)
}

/// Two-sided Student's t critical value: the `(1 + confidence) / 2` quantile of the t
/// distribution with `df` degrees of freedom (2.776 for df = 4 at 95%).
///
/// Degrees of freedom above [`MAX_DF`] (infinite ones included) are taken at `MAX_DF`: t equals
/// the normal quantile to 4 digits there, and statrs' inverse CDF takes minutes at df = 1e8.
pub fn t_quantile(confidence: f64, df: f64) -> f64 {
    let t = StudentsT::new(0.0, 1.0, df.min(MAX_DF)).expect("df > 0");
    t.inverse_cdf((1.0 + confidence) / 2.0)
}

/// Half-width of the Student's t interval of the mean: `t(n-1) * s / sqrt(n)`.
/// `None` below two samples. Zero variance gives zero.
pub fn t_half_width(xs: &[f64], confidence: f64) -> Option<f64> {
    let s = std_dev(xs)?;
    let n = xs.len() as f64;
    Some(t_quantile(confidence, n - 1.0) * s / n.sqrt())
}

/// Student's t 95% interval of the mean of independent samples (process-level means).
pub fn t_interval(xs: &[f64]) -> Option<Interval> {
    let m = mean(xs);
    let h = t_half_width(xs, CONFIDENCE)?;
    Some(Interval {
        low: m - h,
        high: m + h,
    })
}

/// Relative 95% half-width of a cell's mean, given its process-level means: the quantity the
/// adaptive bench loop drives under `--target-ci`. `None` below two processes or for a zero
/// mean.
pub fn relative_half_width(process_means: &[f64]) -> Option<f64> {
    let m = mean(process_means);
    if m == 0.0 || !m.is_finite() {
        return None;
    }
    Some(t_half_width(process_means, CONFIDENCE)? / m.abs())
}

/// Process executions needed for a relative half-width `target`, from the current sample's
/// coefficient of variation (the usual `n = (t * cv / target)^2`, iterated because t depends
/// on n). `None` below two processes.
pub fn processes_needed(process_means: &[f64], target: f64) -> Option<u32> {
    let m = mean(process_means);
    let cv = std_dev(process_means)? / m.abs();
    if !cv.is_finite() || target <= 0.0 {
        return None;
    }
    let mut n = process_means.len().max(2) as f64;
    for _ in 0..MAX_NEEDED_ITERATIONS {
        let t = t_quantile(CONFIDENCE, n - 1.0);
        let next = ((t * cv / target).powi(2)).ceil().max(2.0);
        if next == n {
            break;
        }
        n = next;
    }
    Some(n.min(u32::MAX as f64) as u32)
}

/// Degrees of freedom above which [`t_quantile`] takes t at this value.
pub const MAX_DF: f64 = 10_000.0;

/// Fixed-point steps for [`processes_needed`]; it converges in a few.
const MAX_NEEDED_ITERATIONS: usize = 50;

/// Mean, median, standard deviation and Student's t 95% interval of independent samples.
/// `None` for no samples.
///
/// Everything whichpy estimates (times, counts, memory) is non-negative, so when every sample
/// is, the interval's lower end is clipped at 0 rather than reporting "-2 iterations".
pub fn estimate(xs: &[f64]) -> Option<Estimate> {
    if xs.is_empty() {
        return None;
    }
    let non_negative = xs.iter().all(|&x| x >= 0.0);
    Some(Estimate {
        n: xs.len() as u32,
        mean: mean(xs),
        median: median(xs),
        std_dev: std_dev(xs),
        ci: t_interval(xs).map(|ci| Interval {
            // Not `max(0.0)`: it may return either zero for -0.0, and the output must not
            // depend on the build profile.
            low: if non_negative && ci.low <= 0.0 {
                0.0
            } else {
                ci.low
            },
            high: ci.high,
        }),
    })
}

/// Geometric mean of positive values.
pub fn geometric_mean(xs: &[f64]) -> f64 {
    (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp()
}

/// Modified z-scores, `0.6745 (x - median) / MAD` (Iglewicz & Hoaglin, "How to Detect and
/// Handle Outliers", 1993). With a zero MAD, every value off the median is an outlier (score
/// infinite) and the others score 0.
pub fn modified_z_scores(xs: &[f64]) -> Vec<f64> {
    let med = median(xs);
    let deviations: Vec<f64> = xs.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&deviations);
    xs.iter()
        .map(|x| {
            let d = x - med;
            if mad == 0.0 {
                if d == 0.0 {
                    0.0
                } else {
                    f64::INFINITY.copysign(d)
                }
            } else {
                MAD_TO_Z * d / mad
            }
        })
        .collect()
}

/// `Φ⁻¹(0.75)`: the factor that makes the MAD estimate a normal standard deviation.
pub const MAD_TO_Z: f64 = 0.6745;

/// Iglewicz & Hoaglin's cut-off for a modified z-score (as hyperfine uses).
pub const OUTLIER_Z: f64 = 3.5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type7() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&xs, 0.5), 2.5);
        assert_eq!(quantile(&xs, 0.25), 1.75);
        assert_eq!(quantile(&[7.0], 0.9), 7.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn single_sample_has_no_interval() {
        let e = estimate(&[3.0]).unwrap();
        assert_eq!(e.mean, 3.0);
        assert_eq!(e.ci, None);
        assert_eq!(e.std_dev, None);
        assert_eq!(relative_half_width(&[3.0]), None);
        assert!(estimate(&[]).is_none());
    }

    #[test]
    fn zero_variance_gives_a_point_interval() {
        let e = estimate(&[5.0; 4]).unwrap();
        assert_eq!(
            e.ci,
            Some(Interval {
                low: 5.0,
                high: 5.0
            })
        );
        assert_eq!(relative_half_width(&[5.0; 4]), Some(0.0));
    }

    #[test]
    fn non_negative_data_gets_a_non_negative_interval() {
        let e = estimate(&[0.0, 0.0, 4.0]).unwrap();
        assert_eq!(e.ci.unwrap().low, 0.0);
        assert!(t_interval(&[0.0, 0.0, 4.0]).unwrap().low < 0.0);
    }

    #[test]
    fn mad_zero_marks_every_different_value() {
        let z = modified_z_scores(&[1.0, 1.0, 1.0, 9.0]);
        assert_eq!(z[0], 0.0);
        assert!(z[3].is_infinite());
    }

    #[test]
    fn needed_processes_reach_the_target() {
        let xs = [100.0, 104.0, 96.0, 102.0, 98.0];
        let n = processes_needed(&xs, 0.01).unwrap();
        // cv = 0.0316; (1.96 * 0.0316 / 0.01)^2 ~ 38.4, a bit more with t.
        assert!((39..=45).contains(&n), "{n}");
    }
}

#[cfg(test)]
mod needed_tests {
    #[test]
    fn processes_needed_is_quick_for_unreachable_targets() {
        // A target far below the noise asks for ~10^8 processes; it must answer at once.
        let n = super::processes_needed(&[1.0, 1.1, 0.9, 1.05], 1e-5).unwrap();
        assert!(n > 10_000_000, "{n}");
    }
}
