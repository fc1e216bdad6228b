//! Where an interpreter that is slower cold but faster warm overtakes another.
//!
//! Each interpreter's cost of doing `k` iterations of a workload in a fresh process is its
//! cumulative-time curve: `C(k) = startup + t_1 + ... + t_k`, where `t_i` is the mean over
//! process executions of iteration `i`. Past the measured iterations the curve goes on with the
//! warm (steady-state) mean per iteration. The crossover is the smallest `k` from which the
//! overtaker's curve stays below the other's for every measured `k` and beyond.

use whichpy_wire::summary::CrossDirection;

/// An interpreter's cumulative-time curve for one workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// Mean startup (0 if unknown).
    pub startup: f64,
    /// Mean per iteration index across process executions.
    pub profile: Vec<f64>,
    /// Steady-state time per iteration, used past the profile.
    pub warm: f64,
}

impl Curve {
    /// `C(k)`: total time of a process that runs `k` iterations.
    pub fn cumulative(&self, k: u64) -> f64 {
        let measured = (k as usize).min(self.profile.len());
        let head: f64 = self.profile[..measured].iter().sum();
        let rest = k.saturating_sub(measured as u64) as f64 * self.warm;
        self.startup + head + rest
    }
}

/// The crossing point of two curves.
#[derive(Clone, Debug, PartialEq)]
pub struct Cross {
    pub direction: CrossDirection,
    pub iterations: u64,
    /// The overtaker's total time at `iterations`.
    pub time: f64,
    pub extrapolated: bool,
}

/// Where `interp` and `baseline` cross, if one is slower at `k = 1` and faster warm.
pub fn crossover(interp: &Curve, baseline: &Curve) -> Option<Cross> {
    let d1 = interp.cumulative(1) - baseline.cumulative(1);
    let (direction, over, under) = if d1 > 0.0 && interp.warm < baseline.warm {
        (CrossDirection::InterpOvertakes, interp, baseline)
    } else if d1 < 0.0 && interp.warm > baseline.warm {
        (CrossDirection::BaselineOvertakes, baseline, interp)
    } else {
        return None;
    };
    // d(k) = C_over(k) - C_under(k): positive at k = 1, slope (over.warm - under.warm) < 0 past
    // the measured part.
    let d = |k: u64| over.cumulative(k) - under.cumulative(k);
    let n = over.profile.len().max(under.profile.len()) as u64;
    // The last measured k at which the overtaker is not ahead; it is ahead from the next one.
    let last_behind = (1..=n.max(1)).rev().find(|&k| d(k) >= 0.0).unwrap_or(0);
    let (iterations, extrapolated) = if last_behind < n {
        (last_behind + 1, false)
    } else {
        // Still behind at the end of the measurements: extrapolate with the warm means.
        let gain = under.warm - over.warm;
        let extra = (d(n) / gain).floor() as u64 + 1;
        (n + extra, true)
    };
    Some(Cross {
        direction,
        iterations,
        time: over.cumulative(iterations),
        extrapolated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(startup: f64, profile: &[f64], warm: f64) -> Curve {
        Curve {
            startup,
            profile: profile.to_vec(),
            warm,
        }
    }

    #[test]
    fn jit_overtakes_within_measurements() {
        // Baseline: 10 per iteration. JIT: 40 then 2, startup 20 more.
        let base = curve(10.0, &[10.0; 10], 10.0);
        let mut p = vec![40.0];
        p.extend([2.0; 9]);
        let jit = curve(30.0, &p, 2.0);
        let c = crossover(&jit, &base).unwrap();
        assert_eq!(c.direction, CrossDirection::InterpOvertakes);
        // d(k) = 20 + 40 + 2(k-1) - 10k = 58 - 8k < 0 from k = 8.
        assert_eq!(c.iterations, 8);
        assert!(!c.extrapolated);
        assert_eq!(c.time, 30.0 + 40.0 + 14.0);
    }

    #[test]
    fn extrapolates_past_the_measurements() {
        let base = curve(0.0, &[10.0; 3], 10.0);
        let jit = curve(1000.0, &[9.0; 3], 9.0);
        let c = crossover(&jit, &base).unwrap();
        // d(k) = 1000 - k < 0 from k = 1001.
        assert_eq!(c.iterations, 1001);
        assert!(c.extrapolated);
    }

    #[test]
    fn baseline_overtakes() {
        let slow_warm = curve(1.0, &[5.0; 4], 5.0);
        let base = curve(20.0, &[4.0; 4], 4.0);
        let c = crossover(&slow_warm, &base).unwrap();
        assert_eq!(c.direction, CrossDirection::BaselineOvertakes);
        // d(k) = 19 - k < 0 from k = 20.
        assert_eq!(c.iterations, 20);
    }

    #[test]
    fn none_when_one_is_always_faster() {
        let a = curve(1.0, &[1.0; 4], 1.0);
        let b = curve(2.0, &[2.0; 4], 2.0);
        assert_eq!(crossover(&a, &b), None);
        assert_eq!(crossover(&b, &a), None);
    }
}
