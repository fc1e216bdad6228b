//! Warm-up classification of one process execution's iteration series.
//!
//! Method: Barrett, Bolz-Tereick, Killick, Mount & Tratt, "Virtual Machine Warmup Blows Hot
//! and Cold", OOPSLA 2017, and their `warmup_stats` tool, adapted to whichpy's shorter series:
//!
//! 1. Isolated spikes (a GC pause, an interrupt) are left out of the changepoint search, as
//!    Barrett et al. remove outliers first. A spike is a single iteration above both neighbours
//!    by more than [`SPIKE_SIGMAS`] noise units. The first iteration is never a spike: it is
//!    the cold iteration. Spikes stay in every mean.
//! 2. The series is split by PELT ([`crate::changepoint`]) with Barrett et al.'s penalty
//!    `15 ln n` in units of the noise variance (their `cpt.meanvar` penalty, translated to an L2
//!    cost). The noise σ comes from successive differences, so the steps themselves barely
//!    inflate it, and sees mode-switching noise too ([`noise_sigma`]).
//! 3. Two segments are *equivalent* when their means differ by less than
//!    max([`EQUIVALENCE_REL`] × the last segment's mean, [`EQUIVALENCE_SIGMAS`] σ, clock
//!    resolution). The steady state is the longest run of final segments equivalent to the last.
//! 4. Classes, in order: `flat` when the steady state is the whole series; `no_steady_state`
//!    when it is shorter than the steady window (Krun's rule that a steady state must be reached
//!    before the last 500 of 2000 iterations, i.e. [`STEADY_WINDOW_FRACTION`] of the series, at
//!    least [`MIN_STEADY_ITERATIONS`]); `warmup` when every earlier segment is slower than the
//!    steady state; `slowdown` when some earlier segment was faster.

use whichpy_wire::summary::WarmupClass;

use crate::changepoint::{pelt_l2, segments};
use crate::describe::{mean, median};

/// Barrett et al.'s changepoint penalty factor: `15 ln n`.
pub const PENALTY_FACTOR: f64 = 15.0;
/// Segments equivalent within this fraction of the steady-state mean.
pub const EQUIVALENCE_REL: f64 = 0.01;
/// ... or within this many noise standard deviations.
pub const EQUIVALENCE_SIGMAS: f64 = 3.0;
/// A steady state must cover at least this fraction of the series (Krun: 500 of 2000).
pub const STEADY_WINDOW_FRACTION: f64 = 0.25;
/// ... and at least this many iterations.
pub const MIN_STEADY_ITERATIONS: usize = 3;
/// A spike exceeds both neighbours by this many noise standard deviations.
pub const SPIKE_SIGMAS: f64 = 10.0;
/// Floor of the noise σ, relative to the series median, so that a perfectly constant series
/// (a coarse clock) still gets a positive penalty.
pub const SIGMA_FLOOR_REL: f64 = 1e-3;
/// Shortest segment PELT may cut. One, so that a single slow first iteration is a segment.
pub const MIN_SEGMENT: usize = 1;

/// The warm-up analysis of one series.
#[derive(Clone, Debug, PartialEq)]
pub struct Classified {
    pub class: WarmupClass,
    /// Indices where a segment starts (never 0).
    pub changepoints: Vec<usize>,
    pub segment_means: Vec<f64>,
    /// First index of the steady state. For `no_steady_state`, the first index of the last
    /// steady window, which stands in for it in warm means.
    pub steady_start: usize,
    /// Mean of `xs[steady_start..]`.
    pub steady_mean: f64,
    /// Iterations before the steady state (`None` without one).
    pub iterations_before_steady: Option<usize>,
    /// Sum of the iterations before the steady state (`None` without one).
    pub time_before_steady: Option<f64>,
    /// Indices left out of the changepoint search as isolated spikes.
    pub outliers: Vec<usize>,
    /// Robust noise σ used for the penalty and equivalence.
    pub sigma: f64,
}

/// Noise σ from successive differences, which a change of level barely affects (one large
/// difference per changepoint): the larger of
/// - `median(|Δx|) / (0.6745 √2)`, robust for Gaussian noise;
/// - the root mean square of `Δx / √2` once the largest [`TRIM_DIFFS`] of them (at least one)
///   are set aside as candidate changepoints. This one sees noise that switches between modes
///   (a busy machine: most iterations at 7 ms, a third at 11 ms), which the median misses and
///   PELT would otherwise cut into many short "changes";
///
/// floored at [`SIGMA_FLOOR_REL`] × median and at `resolution`.
pub fn noise_sigma(xs: &[f64], resolution: f64) -> f64 {
    let floor = (SIGMA_FLOOR_REL * median(xs).abs()).max(resolution);
    if xs.len() < 2 {
        return floor.max(f64::MIN_POSITIVE);
    }
    let mut diffs: Vec<f64> = xs.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let robust = median(&diffs) / (0.6745 * std::f64::consts::SQRT_2);
    diffs.sort_by(f64::total_cmp);
    let drop = ((diffs.len() as f64 * TRIM_DIFFS).ceil() as usize).max(1);
    let kept = &diffs[..diffs.len().saturating_sub(drop)];
    let rms = if kept.is_empty() {
        0.0
    } else {
        (kept.iter().map(|d| d * d).sum::<f64>() / kept.len() as f64 / 2.0).sqrt()
    };
    robust.max(rms).max(floor).max(f64::MIN_POSITIVE)
}

/// Share of the largest successive differences set aside as candidate changepoints when
/// estimating noise: a series with more changes than this is not one to call steady anyway.
pub const TRIM_DIFFS: f64 = 0.1;

/// Indices of isolated single-iteration spikes (never index 0).
pub fn spikes(xs: &[f64], sigma: f64) -> Vec<usize> {
    let n = xs.len();
    (1..n)
        .filter(|&i| {
            let left = xs[i - 1];
            let right = if i + 1 < n { xs[i + 1] } else { left };
            xs[i] - left.max(right) > SPIKE_SIGMAS * sigma
        })
        .collect()
}

/// The steady window: iterations a steady state must cover in a series of `n`.
pub fn steady_window(n: usize) -> usize {
    ((n as f64 * STEADY_WINDOW_FRACTION).ceil() as usize)
        .max(MIN_STEADY_ITERATIONS)
        .min(n)
}

/// Classify one process execution's iteration series (any time unit; `resolution` is the
/// clock's granularity in that unit, 0 if unknown). An empty series is `flat` with no data.
pub fn classify(xs: &[f64], resolution: f64) -> Classified {
    let n = xs.len();
    if n == 0 {
        return Classified {
            class: WarmupClass::Flat,
            changepoints: vec![],
            segment_means: vec![],
            steady_start: 0,
            steady_mean: f64::NAN,
            iterations_before_steady: Some(0),
            time_before_steady: Some(0.0),
            outliers: vec![],
            sigma: 0.0,
        };
    }
    if n > MAX_POINTS {
        return classify_long(xs, resolution);
    }
    let sigma = noise_sigma(xs, resolution);
    let outliers = spikes(xs, sigma);

    // Changepoints on the series without spikes, mapped back to original indices.
    // A mask, not `outliers.contains`: linear in the series however many spikes it has.
    let mut is_spike = vec![false; n];
    for &i in &outliers {
        is_spike[i] = true;
    }
    let kept: Vec<usize> = (0..n).filter(|&i| !is_spike[i]).collect();
    let ys: Vec<f64> = kept.iter().map(|&i| xs[i]).collect();
    let penalty = PENALTY_FACTOR * (ys.len().max(2) as f64).ln() * sigma * sigma;
    let changepoints: Vec<usize> = pelt_l2(&ys, penalty, MIN_SEGMENT)
        .into_iter()
        .map(|k| kept[k])
        .collect();

    let ranges: Vec<(usize, usize)> = segments(n, &changepoints).collect();
    // Segment means over the kept points (a spike does not make its segment look slower).
    let segment_means: Vec<f64> = ranges
        .iter()
        .map(|&(a, b)| {
            let pts: Vec<f64> = (a..b).filter(|&i| !is_spike[i]).map(|i| xs[i]).collect();
            if pts.is_empty() {
                mean(&xs[a..b])
            } else {
                mean(&pts)
            }
        })
        .collect();

    let last_mean = *segment_means.last().expect("at least one segment");
    let tol = (EQUIVALENCE_REL * last_mean.abs())
        .max(EQUIVALENCE_SIGMAS * sigma)
        .max(resolution);
    let equivalent = |m: f64| (m - last_mean).abs() <= tol;

    // The steady state: the final run of segments equivalent to the last one.
    let mut first_steady_seg = ranges.len() - 1;
    while first_steady_seg > 0 && equivalent(segment_means[first_steady_seg - 1]) {
        first_steady_seg -= 1;
    }
    let steady_start = ranges[first_steady_seg].0;
    let window = steady_window(n);

    let (class, steady_start) = if steady_start == 0 {
        (WarmupClass::Flat, 0)
    } else if n - steady_start < window {
        (WarmupClass::NoSteadyState, n - window)
    } else if segment_means[..first_steady_seg]
        .iter()
        .all(|&m| m > last_mean || equivalent(m))
    {
        (WarmupClass::Warmup, steady_start)
    } else {
        (WarmupClass::Slowdown, steady_start)
    };
    let has_steady = class != WarmupClass::NoSteadyState;
    Classified {
        class,
        steady_mean: mean(&xs[steady_start..]),
        iterations_before_steady: has_steady.then_some(steady_start),
        time_before_steady: has_steady.then(|| xs[..steady_start].iter().sum()),
        changepoints,
        segment_means,
        steady_start,
        outliers,
        sigma,
    }
}

/// Longest series classified point by point. PELT's pruning keeps every candidate of a flat
/// series, so its cost grows with the square of the length; a longer series is classified on
/// [`MAX_POINTS`] block means instead, which keeps `analyse` linear in iterations.
pub const MAX_POINTS: usize = 4096;

/// [`classify`] on block means of a long series, indices mapped back to iterations.
fn classify_long(xs: &[f64], resolution: f64) -> Classified {
    let n = xs.len();
    let block = n.div_ceil(MAX_POINTS);
    let means: Vec<f64> = xs.chunks(block).map(mean).collect();
    let c = classify(&means, resolution / block as f64);
    let map = |i: usize| (i * block).min(n);
    let steady_start = map(c.steady_start);
    let has_steady = c.class != WarmupClass::NoSteadyState;
    Classified {
        class: c.class,
        changepoints: c.changepoints.iter().map(|&i| map(i)).collect(),
        segment_means: c.segment_means,
        steady_start,
        steady_mean: mean(&xs[steady_start..]),
        iterations_before_steady: has_steady.then_some(steady_start),
        time_before_steady: has_steady.then(|| xs[..steady_start].iter().sum()),
        outliers: Vec::new(),
        sigma: c.sigma,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-noise in [-1, 1].
    fn noise(i: usize) -> f64 {
        let x = (i as f64 * 12.9898).sin() * 43758.5453;
        2.0 * (x - x.floor()) - 1.0
    }

    fn series(levels: &[(usize, f64)], amp: f64) -> Vec<f64> {
        let mut out = Vec::new();
        for &(len, level) in levels {
            for _ in 0..len {
                let i = out.len();
                out.push(level + amp * noise(i));
            }
        }
        out
    }

    #[test]
    fn flat() {
        let c = classify(&series(&[(40, 100.0)], 1.0), 0.0);
        assert_eq!(c.class, WarmupClass::Flat);
        assert_eq!(c.steady_start, 0);
        assert_eq!(c.iterations_before_steady, Some(0));
    }

    #[test]
    fn step_down_is_warmup() {
        let xs = series(&[(5, 300.0), (35, 100.0)], 1.0);
        let c = classify(&xs, 0.0);
        assert_eq!(c.class, WarmupClass::Warmup);
        assert_eq!(c.steady_start, 5);
        assert_eq!(c.iterations_before_steady, Some(5));
        let before: f64 = xs[..5].iter().sum();
        assert_eq!(c.time_before_steady, Some(before));
    }

    #[test]
    fn single_slow_first_iteration_is_warmup() {
        let c = classify(&series(&[(1, 900.0), (19, 100.0)], 1.0), 0.0);
        assert_eq!(c.class, WarmupClass::Warmup);
        assert_eq!(c.steady_start, 1);
    }

    #[test]
    fn step_up_is_slowdown() {
        let c = classify(&series(&[(20, 100.0), (20, 150.0)], 1.0), 0.0);
        assert_eq!(c.class, WarmupClass::Slowdown);
        assert_eq!(c.steady_start, 20);
    }

    #[test]
    fn late_change_is_no_steady_state() {
        // Keeps drifting down until the end: the last segment is too short.
        let c = classify(
            &series(&[(10, 400.0), (10, 300.0), (10, 200.0), (3, 100.0)], 1.0),
            0.0,
        );
        assert_eq!(c.class, WarmupClass::NoSteadyState);
        assert_eq!(c.iterations_before_steady, None);
        assert_eq!(c.steady_start, 33 - steady_window(33));
    }

    /// PyPy 7.3.19 nbody on this machine: about 18 ms in iteration 0, 9 ms for 1–15, a 12 ms
    /// bump at 16, and 6 ms from 17 on. The steady state is the late plateau, not the first.
    #[test]
    fn late_second_drop_is_the_steady_state() {
        let xs = series(&[(1, 18.0), (15, 9.0), (1, 12.0), (40, 6.0)], 0.05);
        let c = classify(&xs, 0.0);
        assert_eq!(c.class, WarmupClass::Warmup, "{c:?}");
        assert_eq!(c.steady_start, 17, "{c:?}");
        assert!((c.steady_mean - 6.0).abs() < 0.05, "{c:?}");
        // Cut off before the late plateau is long enough, the series has no steady state: the
        // 9 ms plateau is never published as steady.
        let short = &xs[..20];
        assert_eq!(classify(short, 0.0).class, WarmupClass::NoSteadyState);
    }

    #[test]
    fn a_long_series_is_classified_on_block_means() {
        // 2 M iterations: quadratic before; block means now (a test of behaviour, not speed).
        let mut xs = series(&[(1000, 300.0)], 1.0);
        xs.extend(series(&[(2_000_000, 100.0)], 1.0));
        let c = classify(&xs, 0.0);
        assert_eq!(c.class, WarmupClass::Warmup);
        assert!(c.steady_start >= 1000 && c.steady_start <= 1000 + 2 * xs.len() / MAX_POINTS);
        assert!((c.steady_mean - 100.0).abs() < 0.1);
    }

    #[test]
    fn isolated_spike_does_not_break_flat() {
        let mut xs = series(&[(30, 100.0)], 1.0);
        xs[20] = 500.0;
        let c = classify(&xs, 0.0);
        assert_eq!(c.class, WarmupClass::Flat);
        assert_eq!(c.outliers, vec![20]);
    }

    #[test]
    fn zero_variance_is_flat() {
        let c = classify(&[1000.0; 10], 1000.0);
        assert_eq!(c.class, WarmupClass::Flat);
        assert_eq!(c.steady_mean, 1000.0);
    }

    #[test]
    fn small_equivalent_shift_is_flat() {
        // 0.5% shift: within EQUIVALENCE_REL.
        let c = classify(&series(&[(20, 100.0), (20, 99.5)], 0.05), 0.0);
        assert_eq!(c.class, WarmupClass::Flat, "{c:?}");
    }

    #[test]
    fn tiny_series() {
        assert_eq!(classify(&[5.0], 0.0).class, WarmupClass::Flat);
        assert_eq!(classify(&[], 0.0).class, WarmupClass::Flat);
    }
}
