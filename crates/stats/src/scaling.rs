//! Scaling curves: `t(1) / t(k)` per worker count, with the 95% interval of a ratio of means
//! over process executions (`ratio.rs`: delta method on the log scale, Student's t at the
//! smaller degrees of freedom). With a fixed total it is the speed-up (ideal `k`), with a fixed
//! amount per worker the efficiency (ideal 1).

use std::collections::BTreeMap;

use whichpy_wire::scaling::{ScalingCell, ScalingCurve, ScalingPoint};
use whichpy_wire::ExecRecord;

use crate::ratio::{interval, log_ratio, one_level};

/// A process execution's figure: its steady-state iteration mean (as `analyse` computes it),
/// `None` for a failure.
pub fn process_mean(rec: &ExecRecord) -> Option<f64> {
    if !rec.outcome.is_ok() || rec.iterations_ns.is_empty() {
        return None;
    }
    let xs: Vec<f64> = rec.iterations_ns.iter().map(|&x| x as f64).collect();
    let resolution = rec.clock.as_ref().map_or(1.0, |c| c.resolution_ns as f64);
    Some(crate::warmup::classify(&xs, resolution).steady_mean)
}

/// One curve from the process means of each worker count (`(workers, means)`, any order).
pub fn points(by_workers: &[(u32, Vec<f64>)]) -> Vec<ScalingPoint> {
    let mut sorted: Vec<&(u32, Vec<f64>)> = by_workers.iter().collect();
    sorted.sort_by_key(|p| p.0);
    let base = sorted
        .iter()
        .find(|p| p.0 == 1)
        .and_then(|p| one_level(&p.1));
    sorted
        .iter()
        .map(|(workers, means)| {
            let est = one_level(means);
            let lr = match (&base, &est) {
                (Some(b), Some(e)) => log_ratio(b, e),
                _ => None,
            };
            ScalingPoint {
                workers: *workers,
                mean_ns: if means.is_empty() {
                    f64::NAN
                } else {
                    means.iter().sum::<f64>() / means.len() as f64
                },
                processes_ok: means.len() as u32,
                ratio: lr.map(|l| l.log.exp()),
                ci: lr.map(|l| interval(&l)),
            }
        })
        .collect()
}

/// Every curve of a scaling file's cells, sorted by interpreter, parallelism, split, work.
pub fn curves(cells: &[ScalingCell]) -> Vec<ScalingCurve> {
    type Key = (
        String,
        whichpy_wire::scaling::Parallelism,
        whichpy_wire::scaling::Split,
        whichpy_wire::scaling::ScalingWork,
    );
    let mut groups: BTreeMap<Key, Vec<(u32, Vec<f64>)>> = BTreeMap::new();
    for c in cells.iter().filter(|c| c.unsupported.is_none()) {
        let means: Vec<f64> = c.records.iter().filter_map(process_mean).collect();
        groups
            .entry((c.interp.clone(), c.parallelism, c.split, c.work))
            .or_default()
            .push((c.workers, means));
    }
    groups
        .into_iter()
        .map(|((interp, parallelism, split, work), pts)| ScalingCurve {
            interp,
            parallelism,
            split,
            work,
            points: points(&pts),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_split_gives_a_speed_up_of_k_with_an_interval_around_it() {
        let pts = points(&[
            (2, vec![50.0, 51.0, 49.0, 50.5]),
            (1, vec![100.0, 101.0, 99.0, 100.5]),
        ]);
        assert_eq!(pts[0].workers, 1);
        assert!((pts[0].ratio.unwrap() - 1.0).abs() < 1e-12);
        let two = &pts[1];
        assert!((two.ratio.unwrap() - 2.0).abs() < 0.02, "{two:?}");
        let ci = two.ci.as_ref().unwrap();
        assert!(ci.low < 2.0 && 2.0 < ci.high, "{ci:?}");
    }

    #[test]
    fn one_process_gives_no_interval() {
        let pts = points(&[(1, vec![100.0]), (2, vec![50.0])]);
        assert!(pts.iter().all(|p| p.ratio.is_none() && p.ci.is_none()));
    }
}
