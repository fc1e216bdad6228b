//! Changepoints by PELT with an L2 (least squares) cost.
//!
//! Method: Killick, Fearnhead & Eckley, "Optimal Detection of Changepoints With a Linear
//! Computational Cost", JASA 107(500), 2012. PELT finds the segmentation of a series that
//! minimises `sum(cost(segment)) + penalty * (number of segments)` exactly, pruning start points
//! that can never be optimal again. The cost of a segment is its sum of squared deviations from
//! its mean, computed in O(1) from prefix sums.
//!
//! Why written here and not the `pelt` crate (0.3.4): that crate ports `ruptures` with its
//! `jump` sub-sampling, needs Rust 1.95 / edition 2024 (the workspace promises 1.80), pulls in
//! ndarray and rayon and builds a cdylib. PELT with an L2 cost is forty lines; it is tested on
//! constructed series here and against `ruptures.Pelt(model="l2", jump=1)` in the reference
//! fixture (tests/reference).

/// Changepoints of `xs` (indices where a new segment starts, ascending, never 0).
///
/// `penalty` is the cost of one extra segment, in the units of the L2 cost (squared values);
/// `min_size` is the shortest segment allowed (at least 1).
pub fn pelt_l2(xs: &[f64], penalty: f64, min_size: usize) -> Vec<usize> {
    let n = xs.len();
    let min_size = min_size.max(1);
    if n < 2 * min_size {
        return Vec::new();
    }
    // Prefix sums of x and x² (shifted by the series mean for numerical stability).
    let shift = xs.iter().sum::<f64>() / n as f64;
    let mut s1 = vec![0.0; n + 1];
    let mut s2 = vec![0.0; n + 1];
    for (i, x) in xs.iter().enumerate() {
        let y = x - shift;
        s1[i + 1] = s1[i] + y;
        s2[i + 1] = s2[i] + y * y;
    }
    let cost = |a: usize, b: usize| -> f64 {
        let len = (b - a) as f64;
        let s = s1[b] - s1[a];
        (s2[b] - s2[a] - s * s / len).max(0.0)
    };

    // f[t]: optimal cost of xs[..t]; last[t]: start of the last segment in that optimum.
    let mut f = vec![f64::INFINITY; n + 1];
    let mut last = vec![0usize; n + 1];
    f[0] = -penalty;
    let mut candidates: Vec<usize> = vec![0];
    for t in min_size..=n {
        // Start points at least min_size before t become admissible (segments [s, t)).
        if t >= 2 * min_size {
            candidates.push(t - min_size);
        }
        let mut best = f64::INFINITY;
        let mut best_s = 0;
        let mut totals = Vec::with_capacity(candidates.len());
        for &s in &candidates {
            let total = if t - s >= min_size && f[s].is_finite() {
                f[s] + cost(s, t) + penalty
            } else {
                f64::INFINITY
            };
            totals.push(total);
            // Ties go to the earliest start, which keeps results deterministic.
            if total < best {
                best = total;
                best_s = s;
            }
        }
        f[t] = best;
        last[t] = best_s;
        // Prune: a start whose cost already exceeds the optimum (plus one penalty) can never win.
        let keep: Vec<usize> = candidates
            .iter()
            .zip(&totals)
            .filter(|(&s, &total)| t - s < min_size || total - penalty <= best)
            .map(|(&s, _)| s)
            .collect();
        candidates = keep;
    }

    let mut cps = Vec::new();
    let mut t = n;
    while t > 0 {
        let s = last[t];
        if s > 0 {
            cps.push(s);
        }
        t = s;
    }
    cps.reverse();
    cps
}

/// Total L2 cost of a segmentation (for tests and diagnostics).
pub fn l2_cost(xs: &[f64], changepoints: &[usize]) -> f64 {
    segments(xs.len(), changepoints)
        .map(|(a, b)| {
            let seg = &xs[a..b];
            let m = seg.iter().sum::<f64>() / seg.len() as f64;
            seg.iter().map(|x| (x - m) * (x - m)).sum::<f64>()
        })
        .sum()
}

/// The `[start, end)` ranges that `changepoints` cut `0..n` into.
pub fn segments(n: usize, changepoints: &[usize]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let starts = std::iter::once(0).chain(changepoints.iter().copied());
    let ends = changepoints.iter().copied().chain(std::iter::once(n));
    starts.zip(ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exhaustive optimum over all segmentations, for small n.
    fn brute_force(xs: &[f64], penalty: f64, min_size: usize) -> f64 {
        let n = xs.len();
        let mut best = f64::INFINITY;
        for mask in 0u32..(1 << (n - 1)) {
            let cps: Vec<usize> = (1..n).filter(|i| mask & (1 << (i - 1)) != 0).collect();
            if segments(n, &cps).any(|(a, b)| b - a < min_size) {
                continue;
            }
            let total = l2_cost(xs, &cps) + penalty * cps.len() as f64;
            best = best.min(total);
        }
        best
    }

    #[test]
    fn finds_one_step() {
        let mut xs = vec![10.0; 20];
        xs.extend(vec![5.0; 30]);
        assert_eq!(pelt_l2(&xs, 1.0, 1), vec![20]);
    }

    #[test]
    fn flat_series_has_none() {
        assert!(pelt_l2(&[3.0; 40], 1.0, 1).is_empty());
        assert!(pelt_l2(&[], 1.0, 1).is_empty());
        assert!(pelt_l2(&[1.0], 1.0, 1).is_empty());
    }

    #[test]
    fn a_single_first_point_is_a_segment() {
        let mut xs = vec![100.0];
        xs.extend(vec![1.0; 10]);
        assert_eq!(pelt_l2(&xs, 1.0, 1), vec![1]);
    }

    #[test]
    fn exact_against_brute_force() {
        // A deterministic wiggly series with a few shifts.
        let xs: Vec<f64> = (0..12)
            .map(|i| {
                let base = if i < 3 {
                    9.0
                } else if i < 8 {
                    4.0
                } else {
                    6.0
                };
                base + ((i * 7 % 5) as f64 - 2.0) * 0.4
            })
            .collect();
        for &pen in &[0.1, 1.0, 3.0, 10.0, 100.0] {
            for min_size in 1..=3 {
                let cps = pelt_l2(&xs, pen, min_size);
                let got = l2_cost(&xs, &cps) + pen * cps.len() as f64;
                let want = brute_force(&xs, pen, min_size);
                assert!(
                    (got - want).abs() < 1e-9,
                    "pen {pen} min {min_size}: {got} vs {want}"
                );
            }
        }
    }
}
