//! Property tests of the ratio intervals (log-scale t intervals over process means, through the
//! whole summary): identical data gives an interval containing 1, data slowed down 2× an interval
//! containing 2.

mod common;

use common::*;
use proptest::prelude::*;
use whichpy_stats::{summarise, Options};
use whichpy_wire::summary::{Metric, Summary, Verdict};
use whichpy_wire::{ExecRecord, RawFile};

/// Process executions × iterations of positive timings (ns), with a warm-up step sometimes.
fn cell() -> impl Strategy<Value = Vec<Vec<u64>>> {
    prop::collection::vec(
        (
            1usize..5,
            1_000_000u64..50_000_000,
            prop::collection::vec(0.8f64..1.25, 2..25),
        ),
        // Two or more: one process execution gives no interval of a ratio (the process is the
        // unit of replication, see whichpy_stats::ratio), so no comparison at all.
        2..7,
    )
    .prop_map(|procs| {
        procs
            .into_iter()
            .map(|(slow, level, factors)| {
                factors
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let warm = if i < slow { 3.0 } else { 1.0 };
                        (level as f64 * f * warm) as u64
                    })
                    .collect()
            })
            .collect()
    })
}

fn raws(base: &[Vec<u64>], other: &[Vec<u64>], startup: &[u64]) -> Vec<RawFile> {
    let mut recs: Vec<ExecRecord> = Vec::new();
    for (p, it) in base.iter().enumerate() {
        recs.push(exec("cpython-3.13", "nbody", p as u32, it.clone(), 1));
    }
    for (p, it) in other.iter().enumerate() {
        recs.push(exec("pypy-7.3", "nbody", p as u32, it.clone(), 1));
    }
    for (p, &w) in startup.iter().enumerate() {
        recs.push(exec("cpython-3.13", "startup", p as u32, vec![], w));
        recs.push(exec("pypy-7.3", "startup", p as u32, vec![], w));
    }
    vec![raw("prop", recs)]
}

fn run(raws: &[RawFile]) -> Summary {
    let opts = Options {
        bootstrap_resamples: 400,
        ..Options::default()
    };
    summarise(raws, &suite(), &opts)
}

fn startups() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(10_000_000u64..30_000_000, 2..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn identical_inputs_contain_one(base in cell(), startup in startups()) {
        let s = run(&raws(&base, &base, &startup));
        for metric in [Metric::Warm, Metric::Cold, Metric::Startup] {
            let c = s.comparisons.iter().find(|c| c.metric == metric).unwrap();
            prop_assert_eq!(c.ratio, 1.0);
            prop_assert!(c.ci.contains(1.0), "{:?}", c);
            prop_assert_eq!(c.verdict, Verdict::NoSignificantDifference);
        }
        let g = s.geomeans.iter().find(|g| g.metric == Metric::Warm).unwrap();
        prop_assert!(g.ci.contains(1.0), "{:?}", g);
    }

    #[test]
    fn a_2x_slowdown_contains_two(base in cell(), startup in startups()) {
        let slow: Vec<Vec<u64>> = base.iter().map(|p| p.iter().map(|x| 2 * x).collect()).collect();
        let s = run(&raws(&base, &slow, &startup));
        let c = s.comparisons.iter().find(|c| c.metric == Metric::Warm).unwrap();
        prop_assert!((c.ratio - 2.0).abs() < 1e-9, "{:?}", c);
        prop_assert!(c.ci.contains(2.0), "{:?}", c);
        let g = s.geomeans.iter().find(|g| g.metric == Metric::Warm).unwrap();
        prop_assert!(g.ci.contains(2.0), "{:?}", g);
    }

    #[test]
    fn summaries_are_deterministic(base in cell(), other in cell(), startup in startups()) {
        let r = raws(&base, &other, &startup);
        let a = serde_json::to_string_pretty(&run(&r)).unwrap();
        let b = serde_json::to_string_pretty(&run(&r)).unwrap();
        prop_assert_eq!(a, b);
    }
}
