//! Seeded two-level bootstrap of means, ratios and geometric means.
//!
//! Method: Kalibera & Jones, "Rigorous Benchmarking in Reasonable Time" (ISMM 2013) and
//! "Quantifying Performance Changes with Effect Size Confidence Intervals" (2012): the
//! interval of a ratio of two means is a percentile bootstrap that resamples at every level of
//! the experiment. One replicate draws process executions with replacement, then, inside each
//! drawn process, its iterations with replacement, and takes the mean of the process means.
//! The ratio's replicates pair independent replicates of numerator and denominator; the 95%
//! interval is their 2.5th and 97.5th percentiles (type 7). A geometric mean over workloads
//! takes the same replicate index across workloads.
//!
//! Determinism: every sample gets its own ChaCha8 stream, seeded from the user's seed and a
//! stable FNV-1a hash of a label naming the cell and metric, so adding a cell does not shift
//! the numbers of the others. Integers are drawn by Lemire's multiply-and-reject method, which
//! does not depend on any `rand` version.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use whichpy_wire::summary::{Interval, Verdict};

use crate::describe::{mean, quantile_sorted, sorted, CONFIDENCE};

/// A measured quantity as a two-level sample: for each process execution, its values (one
/// value for a per-process quantity such as a first iteration), plus an optional independent
/// sample added to it (the interpreter's startup, for cold time).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TwoLevel {
    pub processes: Vec<Vec<f64>>,
    pub plus: Option<Vec<Vec<f64>>>,
}

impl TwoLevel {
    /// Point estimate: mean of the process means (plus the mean of `plus`).
    pub fn estimate(&self) -> f64 {
        let main = mean_of_means(&self.processes);
        match &self.plus {
            Some(p) => main + mean_of_means(p),
            None => main,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.processes.iter().all(|p| p.is_empty())
    }

    /// `resamples` bootstrap replicates of [`TwoLevel::estimate`], from the stream named
    /// `label`.
    pub fn replicates(&self, seed: u64, label: &str, resamples: u32) -> Vec<f64> {
        let mut rng = stream(seed, label);
        let main = non_empty(&self.processes);
        let plus = self.plus.as_deref().map(non_empty);
        (0..resamples)
            .map(|_| {
                let m = resample(&main, &mut rng);
                match &plus {
                    Some(p) => m + resample(p, &mut rng),
                    None => m,
                }
            })
            .collect()
    }
}

fn mean_of_means(procs: &[Vec<f64>]) -> f64 {
    let means: Vec<f64> = procs
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| mean(p))
        .collect();
    mean(&means)
}

fn non_empty(procs: &[Vec<f64>]) -> Vec<&[f64]> {
    procs
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.as_slice())
        .collect()
}

/// One two-level replicate: processes with replacement, then values within each.
fn resample(procs: &[&[f64]], rng: &mut ChaCha8Rng) -> f64 {
    if procs.is_empty() {
        return f64::NAN;
    }
    let mut total = 0.0;
    for _ in 0..procs.len() {
        let p = procs[below(rng, procs.len())];
        let mut s = 0.0;
        for _ in 0..p.len() {
            s += p[below(rng, p.len())];
        }
        total += s / p.len() as f64;
    }
    total / procs.len() as f64
}

/// The random stream for `label` under `seed`.
pub fn stream(seed: u64, label: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(fnv1a(label.as_bytes()));
    rng
}

/// FNV-1a, 64 bits: a hash that never changes between Rust versions (unlike `DefaultHasher`).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ b as u64).wrapping_mul(PRIME))
}

/// Uniform integer in `0..n` (Lemire, "Fast Random Integer Generation in an Interval", 2019),
/// from one 32-bit word (`n` below 2³², always true of process and iteration counts).
pub fn below(rng: &mut impl RngCore, n: usize) -> usize {
    debug_assert!(n > 0 && n <= u32::MAX as usize);
    let n = n as u32;
    let threshold = n.wrapping_neg() % n;
    loop {
        let m = (rng.next_u32() as u64) * (n as u64);
        if (m as u32) >= threshold {
            return (m >> 32) as usize;
        }
    }
}

/// Percentile interval at [`CONFIDENCE`] of bootstrap replicates (non-finite ones dropped).
pub fn percentile_interval(replicates: &[f64]) -> Option<Interval> {
    let finite: Vec<f64> = replicates
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    if finite.is_empty() {
        return None;
    }
    let s = sorted(&finite);
    let alpha = 1.0 - CONFIDENCE;
    Some(Interval {
        low: quantile_sorted(&s, alpha / 2.0),
        high: quantile_sorted(&s, 1.0 - alpha / 2.0),
    })
}

/// Replicates of `num / den`, pairing replicate `i` of each.
pub fn ratio_replicates(num: &[f64], den: &[f64]) -> Vec<f64> {
    num.iter().zip(den).map(|(a, b)| a / b).collect()
}

/// Replicates of the geometric mean of several ratios, taking replicate `i` of each.
pub fn geomean_replicates(ratios: &[Vec<f64>]) -> Vec<f64> {
    let b = ratios.iter().map(Vec::len).min().unwrap_or(0);
    (0..b)
        .map(|i| {
            let logs: f64 = ratios.iter().map(|r| r[i].ln()).sum();
            (logs / ratios.len() as f64).exp()
        })
        .collect()
}

/// "Faster" or "slower" only when the interval of `time(interp) / time(baseline)` excludes 1.
pub fn verdict(ci: Interval) -> Verdict {
    if ci.high < 1.0 {
        Verdict::Faster
    } else if ci.low > 1.0 {
        Verdict::Slower
    } else {
        Verdict::NoSignificantDifference
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let s = TwoLevel {
            processes: vec![vec![1.0, 2.0, 3.0], vec![2.0, 2.5], vec![4.0]],
            plus: None,
        };
        assert_eq!(s.replicates(7, "a", 100), s.replicates(7, "a", 100));
        assert_ne!(s.replicates(7, "a", 100), s.replicates(7, "b", 100));
        assert_ne!(s.replicates(7, "a", 100), s.replicates(8, "a", 100));
    }

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut rng = stream(1, "x");
        let mut seen = [false; 7];
        for _ in 0..1000 {
            seen[below(&mut rng, 7)] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn zero_variance_gives_a_point() {
        let s = TwoLevel {
            processes: vec![vec![2.0; 5]; 4],
            plus: Some(vec![vec![1.0]; 3]),
        };
        assert_eq!(s.estimate(), 3.0);
        let ci = percentile_interval(&s.replicates(0, "z", 200)).unwrap();
        assert_eq!((ci.low, ci.high), (3.0, 3.0));
    }

    #[test]
    fn verdicts() {
        let v = |low, high| verdict(Interval { low, high });
        assert_eq!(v(0.4, 0.9), Verdict::Faster);
        assert_eq!(v(1.1, 2.0), Verdict::Slower);
        assert_eq!(v(0.9, 1.1), Verdict::NoSignificantDifference);
        assert_eq!(v(1.0, 1.0), Verdict::NoSignificantDifference);
    }

    #[test]
    fn fnv_is_stable() {
        // Published FNV-1a test vector.
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }
}
