//! The memory floor's search, pure: which limit to try next, and what the tries so far say.
//!
//! A probe runs a workload under a memory limit (MicroPython's heap, or a container's memory
//! with swap off) and says whether it completed with the right checksum. Needing memory is
//! taken to be monotone: a workload that completes in `m` completes in anything above `m`.
//! The search first tries the upper bound (nothing fits: no floor within the bounds), then
//! the lower bound (everything fits: the floor is at most the lower bound), then halves the
//! gap between the largest limit that failed and the smallest that fitted until it is at most
//! one step. Limits are on the grid `lower + k × step` (and `upper`), so the answer is
//! "fits in `fits`, not in `fits − step`" and the floor lies within one step below `fits`.
//!
//! No I/O and no clock (`xtask/tests/architecture.rs` holds it): `cargo xtask floor` does the
//! probing; tests probe a fake workload of known need.

/// Bounds and resolution of a search, in one unit (KiB in whichpy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub lower: u64,
    pub upper: u64,
    /// The resolution: the search stops when the gap between a failed and a fitting limit is
    /// at most this.
    pub step: u64,
}

impl Bounds {
    /// Checked bounds: `0 < lower < upper`, `0 < step`.
    pub fn new(lower: u64, upper: u64, step: u64) -> Result<Bounds, String> {
        if lower == 0 || step == 0 || lower >= upper {
            return Err(format!(
                "bounds must satisfy 0 < lower < upper and step > 0 (got lower {lower}, upper {upper}, step {step})"
            ));
        }
        Ok(Bounds { lower, upper, step })
    }

    /// The most probes a search over these bounds takes: upper, lower, then one per halving.
    pub fn max_probes(&self) -> u32 {
        let mut gap = self.upper - self.lower;
        let mut n = 2;
        while gap > self.step {
            // The probe `next` makes, and the larger of the two gaps it can leave.
            let below = ((gap / self.step) / 2).max(1) * self.step;
            gap = below.max(gap - below);
            n += 1;
        }
        n
    }
}

/// What a finished search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// Fits in `fits` but not in `fits − resolution` (the last failure): the floor is in
    /// `(fits − resolution, fits]`.
    Floor { fits: u64, fails: u64 },
    /// Fits even at the lower bound: the floor is at most `lower`.
    AtOrBelowLower { lower: u64 },
    /// Fails even at the upper bound.
    AboveUpper { upper: u64 },
}

/// A search in progress: feed it each probe's result until [`Search::next`] says it is done.
#[derive(Clone, Debug)]
pub struct Search {
    bounds: Bounds,
    /// Smallest limit known to fit.
    fits: Option<u64>,
    /// Largest limit known to fail.
    fails: Option<u64>,
    probes: u32,
}

/// What to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Probe(u64),
    Done(Found),
}

impl Search {
    pub fn new(bounds: Bounds) -> Search {
        Search {
            bounds,
            fits: None,
            fails: None,
            probes: 0,
        }
    }

    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    pub fn probes(&self) -> u32 {
        self.probes
    }

    /// The next limit to try, or the answer.
    pub fn next(&self) -> Step {
        let b = self.bounds;
        match (self.fails, self.fits) {
            (None, None) => Step::Probe(b.upper),
            (Some(_), None) => Step::Done(Found::AboveUpper { upper: b.upper }),
            (None, Some(fits)) if fits <= b.lower => {
                Step::Done(Found::AtOrBelowLower { lower: b.lower })
            }
            (None, Some(_)) => Step::Probe(b.lower),
            (Some(fails), Some(fits)) => {
                if fits - fails <= b.step {
                    return Step::Done(Found::Floor { fits, fails });
                }
                // Halfway, on the grid above the failure, strictly between the two.
                let steps = ((fits - fails) / b.step / 2).max(1);
                Step::Probe(fails + steps * b.step)
            }
        }
    }

    /// Record that `limit`, the limit [`Search::next`] asked for, fitted (`true`) or failed.
    /// Every asked limit lies strictly between the largest failure and the smallest fit, so
    /// the gap shrinks at each probe and the search ends whatever the probes say (a flaky
    /// workload gives a wrong floor, never an endless search).
    pub fn record(&mut self, limit: u64, fitted: bool) {
        self.probes += 1;
        if fitted {
            self.fits = Some(self.fits.map_or(limit, |f| f.min(limit)));
        } else {
            self.fails = Some(self.fails.map_or(limit, |f| f.max(limit)));
        }
    }
}

/// Run a whole search with `probe` (true = fitted). Returns the answer and each probe, in
/// order.
pub fn search(bounds: Bounds, mut probe: impl FnMut(u64) -> bool) -> (Found, Vec<(u64, bool)>) {
    let mut s = Search::new(bounds);
    let mut tried = Vec::new();
    loop {
        match s.next() {
            Step::Done(found) => return (found, tried),
            Step::Probe(limit) => {
                let fitted = probe(limit);
                tried.push((limit, fitted));
                s.record(limit, fitted);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fake_workload_of_known_need_is_found_within_one_step() {
        // MicroPython-like bounds: 1 KiB to 64 MiB in 1 KiB steps; a need of 15,008 B ≈ 15 KiB.
        let b = Bounds::new(1, 65_536, 1).unwrap();
        for need in [2, 15, 16, 17, 1000, 65_535, 65_536] {
            let (found, tried) = search(b, |limit| limit >= need);
            assert_eq!(
                found,
                Found::Floor {
                    fits: need,
                    fails: need - 1
                },
                "need {need}"
            );
            assert!(
                tried.len() as u32 <= b.max_probes(),
                "{} probes",
                tried.len()
            );
        }
        // Container-like bounds: 6 MiB to 2 GiB in 1 MiB steps.
        let b = Bounds::new(6 * 1024, 2 << 20, 1024).unwrap();
        let need = 37 * 1024 + 300;
        let (found, _) = search(b, |limit| limit >= need);
        let Found::Floor { fits, fails } = found else {
            panic!("{found:?}")
        };
        assert!(fits >= need && fits - need < 1024 && fails < need);
    }

    #[test]
    fn outside_the_bounds_says_so() {
        let b = Bounds::new(10, 100, 5).unwrap();
        assert_eq!(search(b, |_| false).0, Found::AboveUpper { upper: 100 });
        assert_eq!(search(b, |l| l >= 3).0, Found::AtOrBelowLower { lower: 10 });
        assert_eq!(search(b, |_| false).1.len(), 1);
        assert_eq!(search(b, |_| true).1.len(), 2);
    }

    #[test]
    fn bad_bounds_are_refused() {
        assert!(Bounds::new(0, 10, 1).is_err());
        assert!(Bounds::new(10, 10, 1).is_err());
        assert!(Bounds::new(1, 10, 0).is_err());
    }

    #[test]
    fn a_non_monotone_probe_still_ends() {
        let b = Bounds::new(1, 1024, 1).unwrap();
        let mut n = 0u64;
        // Flaky: fits on every other probe whatever the limit.
        let (found, tried) = search(b, |_| {
            n += 1;
            n % 2 == 1
        });
        assert!(tried.len() as u32 <= b.max_probes(), "{found:?} {tried:?}");
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn finds_any_need_within_one_step(
                lower in 1u64..10_000,
                span in 1u64..5_000_000,
                step in 1u64..5_000,
                need in 0u64..6_000_000,
            ) {
                let upper = lower + span;
                let b = Bounds::new(lower, upper, step).unwrap();
                let (found, tried) = search(b, |limit| limit >= need);
                prop_assert!(tried.len() as u32 <= b.max_probes(),
                    "{} probes > {}", tried.len(), b.max_probes());
                if need > upper {
                    prop_assert_eq!(found, Found::AboveUpper { upper });
                } else if need <= lower {
                    prop_assert_eq!(found, Found::AtOrBelowLower { lower });
                } else {
                    let Found::Floor { fits, fails } = found else {
                        return Err(TestCaseError::fail(format!("{found:?}")));
                    };
                    prop_assert!(fits >= need, "fits {} < need {}", fits, need);
                    prop_assert!(fails < need, "fails {} >= need {}", fails, need);
                    prop_assert!(fits - fails <= step);
                    prop_assert!(fits - need < step);
                    prop_assert!(fits <= upper && fails >= lower);
                }
            }
        }
    }
}
