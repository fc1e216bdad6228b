//! Service cells: latency per request rate, over process executions.
//!
//! The unit of replication is the process execution, as everywhere in whichpy: each execution
//! gives one p50, one p95 and one p99 per rate (quantiles of its own HDR histogram, which
//! already pools thousands of requests), and a rate's estimate is the mean of those with a
//! Student-t 95% interval over executions. Pooling the requests of all executions into one
//! histogram instead would give a tight interval that ignores how much executions differ.
//! The p95's ratio against the baseline at the same rate is taken on the log scale by the
//! delta method ([`crate::ratio`]). A rate is sustained by an execution when its p95 is within
//! the load's bound and every request was answered, and answered right; the cell's sustained
//! rate is the highest that every execution sustained.

use std::collections::{BTreeMap, BTreeSet};

use whichpy_wire::summary::{LatencyRatio, RateLatency, WebCell};
use whichpy_wire::{CellKey, ExecRecord, RatePhase};

use crate::describe::{estimate, mean};
use crate::ratio;

/// One service cell's records (all outcomes; only `ok` ones count) and its latency bound.
pub struct WebInput<'a> {
    pub key: CellKey,
    pub records: Vec<&'a ExecRecord>,
    pub bound_ms: f64,
}

fn rate_latency(rate: u32, phases: &[&RatePhase], bound_ms: f64) -> Option<RateLatency> {
    let q = |f: fn(&RatePhase) -> u64| -> Vec<f64> { phases.iter().map(|p| f(p) as f64).collect() };
    Some(RateLatency {
        rate,
        executions: phases.len() as u32,
        sustained_by: phases.iter().filter(|p| p.sustained(bound_ms)).count() as u32,
        p50_ns: estimate(&q(|p| p.p50_ns))?,
        p95_ns: estimate(&q(|p| p.p95_ns))?,
        p99_ns: estimate(&q(|p| p.p99_ns))?,
        max_ns: phases.iter().map(|p| p.max_ns).max().unwrap_or(0) as f64,
        achieved_rps: mean(&phases.iter().map(|p| p.achieved_rps).collect::<Vec<_>>()),
        errors: phases.iter().map(|p| p.errors).sum(),
        unsent: phases.iter().map(|p| p.unsent).sum(),
        p95_ratio: None,
    })
}

fn one_cell(input: &WebInput) -> Option<(WebCell, BTreeMap<u32, Vec<f64>>)> {
    let ok: Vec<&ExecRecord> = input
        .records
        .iter()
        .copied()
        .filter(|r| r.outcome.is_ok() && !r.load.is_empty())
        .collect();
    if ok.is_empty() {
        return None;
    }
    let warm: Vec<&RatePhase> = ok
        .iter()
        .filter_map(|r| r.load.iter().find(|p| p.warmup))
        .collect();
    let rates: BTreeSet<u32> = ok
        .iter()
        .flat_map(|r| r.load.iter().filter(|p| !p.warmup).map(|p| p.rate))
        .collect();
    let mut p95s = BTreeMap::new();
    let mut out = Vec::new();
    for &rate in &rates {
        let phases: Vec<&RatePhase> = ok
            .iter()
            .filter_map(|r| r.load.iter().find(|p| !p.warmup && p.rate == rate))
            .collect();
        p95s.insert(rate, phases.iter().map(|p| p.p95_ns as f64).collect());
        out.extend(rate_latency(rate, &phases, input.bound_ms));
    }
    let n = ok.len() as u32;
    // Highest rate every execution ran and sustained (an execution that stopped escalating
    // before a rate did not sustain it).
    let sustained_rps = out
        .iter()
        .filter(|r| r.executions == n && r.sustained_by == n)
        .map(|r| r.rate)
        .max();
    let per_exec: Vec<f64> = ok
        .iter()
        .map(|r| {
            r.load
                .iter()
                .filter(|p| p.sustained(input.bound_ms))
                .map(|p| p.rate)
                .max()
                .unwrap_or(0) as f64
        })
        .collect();
    Some((
        WebCell {
            key: input.key.clone(),
            processes: n,
            bound_ms: input.bound_ms,
            warmup: warm
                .first()
                .and_then(|p| rate_latency(p.rate, &warm, input.bound_ms)),
            rates: out,
            sustained_rps,
            sustained: estimate(&per_exec),
        },
        p95s,
    ))
}

/// The `web` section of a summary: one [`WebCell`] per service cell with `ok` executions,
/// sorted by key, each rate's p95 compared with `baseline`'s cell of the same workload and
/// size.
pub fn summarise_web(inputs: &[WebInput], baseline: &str) -> Vec<WebCell> {
    let mut cells: Vec<(WebCell, BTreeMap<u32, Vec<f64>>)> =
        inputs.iter().filter_map(one_cell).collect();
    cells.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    let base: BTreeMap<(String, whichpy_wire::SizeName), BTreeMap<u32, Vec<f64>>> = cells
        .iter()
        .filter(|(c, _)| c.key.interp == baseline)
        .map(|(c, p)| ((c.key.workload.clone(), c.key.size), p.clone()))
        .collect();
    for (cell, p95s) in &mut cells {
        if cell.key.interp == baseline {
            continue;
        }
        let Some(b) = base.get(&(cell.key.workload.clone(), cell.key.size)) else {
            continue;
        };
        for r in &mut cell.rates {
            let (Some(num), Some(den)) = (p95s.get(&r.rate), b.get(&r.rate)) else {
                continue;
            };
            let (Some(n), Some(d)) = (ratio::one_level(num), ratio::one_level(den)) else {
                continue;
            };
            if let Some(lr) = ratio::log_ratio(&n, &d) {
                r.p95_ratio = Some(LatencyRatio {
                    ratio: lr.log.exp(),
                    ci: ratio::interval(&lr),
                });
            }
        }
    }
    cells.into_iter().map(|(c, _)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use whichpy_wire::{Outcome, SizeName, SCHEMA};

    fn phase(rate: u32, warmup: bool, p95_ms: f64) -> RatePhase {
        let ns = (p95_ms * 1e6) as u64;
        RatePhase {
            rate,
            warmup,
            scheduled: 100,
            verified: 100,
            errors: 0,
            unsent: 0,
            achieved_rps: f64::from(rate),
            p50_ns: ns / 2,
            p95_ns: ns,
            p99_ns: ns * 2,
            max_ns: ns * 3,
            first_error: None,
        }
    }

    fn rec(interp: &str, process: u32, load: Vec<RatePhase>) -> ExecRecord {
        ExecRecord {
            schema: SCHEMA,
            interp: interp.into(),
            workload: "web_service".into(),
            size: SizeName::Quick,
            process,
            outcome: Outcome::Ok,
            iterations_ns: vec![],
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
            load,
            mcu: None,
            probes_ns: Vec::new(),
        }
    }

    fn key(interp: &str) -> CellKey {
        CellKey {
            interp: interp.into(),
            workload: "web_service".into(),
            size: SizeName::Quick,
        }
    }

    #[test]
    fn p95_per_execution_then_an_interval_ratio_and_sustained_rate() {
        // CPython: p95 2, 4 ms at 100/s; 4, 6 ms at 200/s. PyPy: twice as slow, and its
        // second execution misses the 10 ms bound at 200/s.
        let cp = [
            rec(
                "cp",
                0,
                vec![
                    phase(100, true, 3.0),
                    phase(100, false, 2.0),
                    phase(200, false, 4.0),
                ],
            ),
            rec(
                "cp",
                1,
                vec![
                    phase(100, true, 3.0),
                    phase(100, false, 4.0),
                    phase(200, false, 6.0),
                ],
            ),
        ];
        let pp = [
            rec(
                "pp",
                0,
                vec![
                    phase(100, true, 30.0),
                    phase(100, false, 4.0),
                    phase(200, false, 8.0),
                ],
            ),
            rec(
                "pp",
                1,
                vec![
                    phase(100, true, 30.0),
                    phase(100, false, 8.0),
                    phase(200, false, 12.0),
                ],
            ),
        ];
        let inputs = vec![
            WebInput {
                key: key("pp"),
                records: pp.iter().collect(),
                bound_ms: 10.0,
            },
            WebInput {
                key: key("cp"),
                records: cp.iter().collect(),
                bound_ms: 10.0,
            },
        ];
        let web = summarise_web(&inputs, "cp");
        assert_eq!(web.len(), 2);
        let (c, p) = (&web[0], &web[1]);
        assert_eq!((c.key.interp.as_str(), p.key.interp.as_str()), ("cp", "pp"));
        assert_eq!(c.rates[0].p95_ns.mean, 3e6);
        let ci = c.rates[0].p95_ns.ci.unwrap();
        assert!(ci.low < 3e6 && ci.high > 3e6);
        assert_eq!(c.sustained_rps, Some(200));
        assert_eq!(p.sustained_rps, Some(100));
        assert_eq!(p.rates[1].sustained_by, 1);
        assert_eq!(p.warmup.as_ref().unwrap().p95_ns.mean, 30e6);
        let r = p.rates[0].p95_ratio.unwrap();
        assert!((r.ratio - 2.0).abs() < 1e-9 && r.ci.low < 2.0 && r.ci.high > 2.0);
        assert!(c.rates[0].p95_ratio.is_none());
    }
}
