//! The machine's state: which iterations and process executions ran while the core was in its
//! fast state, read from the probe times bench-runner records beside them
//! (`ExecRecord::probes_ns`, see `bench-runner/src/probe.rs`).
//!
//! The rule (stated in the summary's `methods.state`):
//! - the *fast level* of a run and interpreter is the [`LEVEL_QUANTILE`] quantile of every
//!   probe time recorded in that run's records of that interpreter;
//! - a probe is *fast* when it is at most [`FAST_FACTOR`] × the fast level;
//! - an iteration is fast-state when the probes right before and right after it are both fast
//!   (a spell that starts or ends inside it makes it slow); a whole-process execution (startup,
//!   process cells) likewise from the probes before and after it.
//!
//! Records without probes (written before the probe existed, or service and board cells) have
//! no state: every iteration counts as fast-state, which is the old estimator.

use std::collections::BTreeMap;

use whichpy_wire::ExecRecord;

use crate::describe::quantile;

/// Quantile of a run's probe times taken as its fast level.
pub const LEVEL_QUANTILE: f64 = 0.10;
/// A probe at most this many times the fast level is fast.
pub const FAST_FACTOR: f64 = 1.15;
/// Probes needed to learn a level; with fewer, the records have no state.
pub const MIN_LEVEL_PROBES: usize = 20;

/// Fast levels per (run id, interpreter id), ns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Levels {
    levels: BTreeMap<(String, String), f64>,
}

impl Levels {
    /// Learn the levels from every record of each run (`(run id, record)` pairs).
    pub fn learn<'a>(records: impl IntoIterator<Item = (&'a str, &'a ExecRecord)>) -> Levels {
        let mut probes: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
        for (run, rec) in records {
            if rec.probes_ns.is_empty() {
                continue;
            }
            probes
                .entry((run.to_owned(), rec.interp.clone()))
                .or_default()
                .extend(rec.probes_ns.iter().map(|&p| p as f64));
        }
        Levels {
            levels: probes
                .into_iter()
                .filter(|(_, p)| p.len() >= MIN_LEVEL_PROBES)
                .map(|(k, p)| (k, quantile(&p, LEVEL_QUANTILE)))
                .collect(),
        }
    }

    /// The fast level of a run and interpreter, ns.
    pub fn level(&self, run: &str, interp: &str) -> Option<f64> {
        self.levels
            .get(&(run.to_owned(), interp.to_owned()))
            .copied()
    }

    /// Every level, for the summary: ((run id, interpreter), ns).
    pub fn iter(&self) -> impl Iterator<Item = (&(String, String), &f64)> {
        self.levels.iter()
    }

    /// Which of a record's iterations ran in the fast state; `None` when the record has no
    /// usable probes (every iteration then counts as fast-state).
    pub fn fast_iterations(&self, run: &str, rec: &ExecRecord) -> Option<Vec<bool>> {
        let level = self.level(run, &rec.interp)?;
        let p = &rec.probes_ns;
        if rec.iterations_ns.is_empty() || p.len() != rec.iterations_ns.len() + 1 {
            return None;
        }
        let fast = |ns: u64| ns as f64 <= FAST_FACTOR * level;
        Some(p.windows(2).map(|w| fast(w[0]) && fast(w[1])).collect())
    }

    /// Whether a whole-process execution (two probes, before and after) ran in the fast
    /// state; `None` without usable probes.
    pub fn fast_process(&self, run: &str, rec: &ExecRecord) -> Option<bool> {
        let level = self.level(run, &rec.interp)?;
        match rec.probes_ns.as_slice() {
            [before, after] => {
                Some(*before as f64 <= FAST_FACTOR * level && *after as f64 <= FAST_FACTOR * level)
            }
            _ => None,
        }
    }
}

/// Fast-state iterations of a steady state a process needs to count in a fast-state estimate.
pub const MIN_FAST_STEADY: usize = 3;

/// [`crate::warmup::classify`] on the fast-state iterations of a series, with every index
/// (changepoints, steady start, outliers) mapped back to the whole series, and the steady mean
/// over the fast-state iterations of the steady state. Slow spells are not phases of the
/// interpreter, so they are left out before the changepoint search. `None` when fewer than
/// [`MIN_FAST_STEADY`] fast-state iterations remain in the steady state.
pub fn classify_fast(
    iters: &[f64],
    fast: &[bool],
    resolution: f64,
) -> Option<(crate::warmup::Classified, Vec<f64>)> {
    let idx: Vec<usize> = (0..iters.len()).filter(|&i| fast[i]).collect();
    let ys: Vec<f64> = idx.iter().map(|&i| iters[i]).collect();
    if ys.len() < MIN_FAST_STEADY {
        return None;
    }
    let mut c = crate::warmup::classify(&ys, resolution);
    let steady: Vec<f64> = ys[c.steady_start..].to_vec();
    if steady.len() < MIN_FAST_STEADY {
        return None;
    }
    let start = idx[c.steady_start];
    c.changepoints = c.changepoints.iter().map(|&k| idx[k]).collect();
    c.outliers = c.outliers.iter().map(|&k| idx[k]).collect();
    c.steady_start = start;
    c.iterations_before_steady = c.iterations_before_steady.map(|_| start);
    c.time_before_steady = c.time_before_steady.map(|_| iters[..start].iter().sum());
    Some((c, steady))
}

/// The process-level figures of one cell's successful records, as `analyse` takes them: for
/// an iteration cell, each process's mean of its steady fast-state iterations when at least
/// [`whichpy_wire::summary::MIN_FAST_PROCESSES`] processes have [`MIN_FAST_STEADY`] of them, else each process's
/// steady mean over every iteration; for a whole-process cell, the wall times of the
/// fast-state processes when there are at least [`whichpy_wire::summary::MIN_FAST_PROCESSES`], else every wall time.
/// The planner spends its budget on these, so that it aims at the figure that is published;
/// it passes `min_fast` 1, so that a cell with probes counts only its fast-state processes
/// and is given more until it has enough (`analyse` passes [`whichpy_wire::summary::MIN_FAST_PROCESSES`]).
/// With `warmup_calls` (the planner's, from the pilot), the steady state is every iteration
/// after that many calls of `run`, with no changepoint search: the planner re-reads every
/// record each round, and PELT on a 2,000-iteration pilot costs more than the round can spare.
pub fn process_figures(
    levels: &Levels,
    run: &str,
    recs: &[&ExecRecord],
    min_fast: u32,
    warmup_calls: Option<usize>,
) -> Vec<f64> {
    let ok: Vec<&ExecRecord> = recs.iter().copied().filter(|r| r.outcome.is_ok()).collect();
    let min = min_fast.max(1) as usize;
    let probed = ok.iter().any(|r| !r.probes_ns.is_empty());
    if ok.iter().all(|r| r.iterations_ns.is_empty()) {
        let fast: Vec<f64> = ok
            .iter()
            .filter(|r| levels.fast_process(run, r) == Some(true))
            .map(|r| r.wall_ns as f64)
            .collect();
        if fast.len() >= min || (probed && min_fast <= 1) {
            return fast;
        }
        return ok.iter().map(|r| r.wall_ns as f64).collect();
    }
    let series: Vec<(Vec<f64>, f64, Option<Vec<bool>>)> = ok
        .iter()
        .filter(|r| !r.iterations_ns.is_empty())
        .map(|r| {
            let xs: Vec<f64> = r.iterations_ns.iter().map(|&x| x as f64).collect();
            let res = r.clock.as_ref().map_or(1.0, |c| c.resolution_ns as f64);
            (xs, res, levels.fast_iterations(run, r))
        })
        .collect();
    let loops: Vec<usize> = ok
        .iter()
        .filter(|r| !r.iterations_ns.is_empty())
        .map(|r| r.loops.max(1) as usize)
        .collect();
    // The first iteration past the warm-up, keeping at least MIN_FAST_STEADY iterations.
    let skip = |xs: &[f64], loops: usize| -> usize {
        warmup_calls.map_or(0, |k| {
            k.div_ceil(loops)
                .min(xs.len().saturating_sub(MIN_FAST_STEADY))
        })
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let fast: Vec<f64> = series
        .iter()
        .zip(&loops)
        .filter_map(|((xs, res, f), &loops)| {
            let f = f.as_ref()?;
            if warmup_calls.is_none() {
                let (_, steady) = classify_fast(xs, f, *res)?;
                return Some(mean(&steady));
            }
            let from = skip(xs, loops);
            let steady: Vec<f64> = (from..xs.len()).filter(|&i| f[i]).map(|i| xs[i]).collect();
            (steady.len() >= MIN_FAST_STEADY).then(|| mean(&steady))
        })
        .collect();
    if fast.len() >= min || (probed && min_fast <= 1) {
        return fast;
    }
    series
        .iter()
        .zip(&loops)
        .map(|((xs, res, _), &loops)| match warmup_calls {
            Some(_) => mean(&xs[skip(xs, loops)..]),
            None => crate::warmup::classify(xs, *res).steady_mean,
        })
        .collect()
}

/// The rule, in words, for the summary's `methods`.
pub fn method() -> String {
    format!(
        "machine-state probe (a fixed native loop, arithmetic and a dependent walk over 4 MiB, \
         run by bench-runner on the same core before each iteration and after the last, and \
         before and after each whole-process execution); fast level = the {:.0}th percentile \
         of a run's probe times per interpreter; an iteration is fast-state when the probes \
         before and after it are both at most {:.2} x the fast level",
        LEVEL_QUANTILE * 100.0,
        FAST_FACTOR
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use whichpy_wire::{Outcome, SizeName, SCHEMA};

    pub(crate) fn rec(interp: &str, iters: Vec<u64>, probes: Vec<u64>) -> ExecRecord {
        ExecRecord {
            schema: SCHEMA,
            interp: interp.into(),
            workload: "w".into(),
            size: SizeName::Default,
            process: 0,
            outcome: Outcome::Ok,
            iterations_ns: iters,
            wall_ns: 1,
            user_ns: 0,
            sys_ns: 0,
            max_rss_kib: 0,
            checksum: None,
            clock: None,
            implementation: None,
            stderr_tail: String::new(),
            loops: 1,
            noise: None,
            load: Vec::new(),
            mcu: None,
            probes_ns: probes,
        }
    }

    #[test]
    fn an_iteration_is_slow_when_either_neighbouring_probe_is() {
        let mut probes = vec![100; 30];
        probes[10] = 150; // slow probe between iterations 9 and 10
        let r = rec("a", vec![1000; 29], probes);
        let levels = Levels::learn([("run", &r)]);
        assert_eq!(levels.level("run", "a"), Some(100.0));
        let fast = levels.fast_iterations("run", &r).unwrap();
        assert_eq!(fast.len(), 29);
        assert!(!fast[9] && !fast[10]);
        assert_eq!(fast.iter().filter(|f| !**f).count(), 2);
    }

    #[test]
    fn records_without_probes_or_with_the_wrong_count_have_no_state() {
        let a = rec("a", vec![1000; 29], vec![100; 30]);
        let old = rec("a", vec![1000; 29], vec![]);
        let torn = rec("a", vec![1000; 29], vec![100; 29]);
        let levels = Levels::learn([("run", &a), ("run", &old), ("run", &torn)]);
        assert!(levels.fast_iterations("run", &old).is_none());
        assert!(levels.fast_iterations("run", &torn).is_none());
        assert!(levels.fast_iterations("other-run", &a).is_none());
    }
}

#[cfg(test)]
mod every_eighth {
    //! A workload whose every 8th iteration does twice the work (a major GC, say) keeps those
    //! iterations in its fast-state estimate, because the machine's state is read from the
    //! probe, not from the iteration's own time; the same workload under an injected slow state
    //! (probes that read slow around those iterations) loses them.
    use super::*;
    use whichpy_wire::summary::MIN_FAST_PROCESSES;

    /// One process of 80 iterations of 1 ms, every 8th doing twice the work (2 ms).
    fn record(process: u32, probes: Vec<u64>) -> ExecRecord {
        let iters: Vec<u64> = (0..80)
            .map(|i| if i % 8 == 7 { 2_000_000 } else { 1_000_000 })
            .collect();
        ExecRecord {
            process,
            wall_ns: 200_000_000,
            ..super::tests::rec("cpython", iters, probes)
        }
    }

    fn mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    #[test]
    fn the_interpreters_own_slow_iterations_stay_in_and_the_machines_go() {
        // A quiet machine: every probe at its level.
        let quiet: Vec<ExecRecord> = (0..6).map(|p| record(p, vec![200_000; 81])).collect();
        let refs: Vec<&ExecRecord> = quiet.iter().collect();
        let levels = Levels::learn(refs.iter().map(|r| ("run", *r)));
        let figures = process_figures(&levels, "run", &refs, MIN_FAST_PROCESSES, None);
        assert_eq!(figures.len(), 6);
        for f in &figures {
            // 7 iterations of 1 ms and one of 2 ms: 1.125 ms.
            assert!((f / 1.125e6 - 1.0).abs() < 1e-9, "{f}");
        }
        // The machine slow around every 8th iteration (the probe after it and before it).
        let slow: Vec<ExecRecord> = (0..6)
            .map(|p| {
                let probes = (0..81)
                    .map(|k| {
                        if k % 8 == 7 || k % 8 == 0 && k > 0 {
                            300_000
                        } else {
                            200_000
                        }
                    })
                    .collect();
                record(p, probes)
            })
            .collect();
        let refs: Vec<&ExecRecord> = slow.iter().collect();
        let levels = Levels::learn(refs.iter().map(|r| ("run", *r)));
        let figures = process_figures(&levels, "run", &refs, MIN_FAST_PROCESSES, None);
        assert_eq!(figures.len(), 6);
        assert!((mean(&figures) / 1.0e6 - 1.0).abs() < 1e-9, "{figures:?}");
    }
}
