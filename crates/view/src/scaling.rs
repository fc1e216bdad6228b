//! Scaling curves as readers see them (`cargo xtask scaling`, the summary's `scaling`
//! section): per interpreter and parallelism, the speed-up (fixed total work) and the
//! efficiency (fixed work per worker) at each worker count, with 95% intervals, and for the
//! article the speed-up at the most workers in words that follow the interval: "scaled" only
//! when the interval is above 1.

use serde::Serialize;
use whichpy_wire::scaling::{Parallelism, ScalingCurve, ScalingWork, Split};
use whichpy_wire::summary::Summary;

use crate::format::{int, sig3};

/// The parallelism of threads that each run their own compiled copy of the kernel.
pub const THREADS_OWN_CODE: &str = "threads, own code";

#[derive(Clone, Debug, Serialize)]
pub struct ScalingView {
    pub command: String,
    /// Cores the containers had (the most workers), as text.
    pub cores: String,
    pub cpuset: String,
    /// One row per interpreter × parallelism, interpreters by id: threads, threads with their
    /// own code, processes.
    pub rows: Vec<ScalingRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScalingRow {
    pub interp: String,
    /// The interpreter's label from the summary's environment (its id if absent).
    pub label: String,
    /// `threads`, [`THREADS_OWN_CODE`] (threads that each run their own copy of the kernel)
    /// or `processes`.
    pub parallelism: &'static str,
    /// Speed-up per worker count (fixed total): `1.96× (1.84–2.09)`.
    pub speedup: Vec<Point>,
    /// Efficiency per worker count (fixed work per worker).
    pub efficiency: Vec<Point>,
    /// The speed-up at the most workers, when it has an interval.
    pub top: Option<Point>,
    /// The top speed-up's interval lies above 1.
    pub scaled: bool,
    /// The top speed-up's interval lies above the ideal (k workers, k×): more than parallel
    /// workers can give for the same work, so the one-worker cell was slower per unit of work
    /// (seen on PyPy's threads; the cause is not established).
    pub above_ideal: bool,
    /// Not run, and why (MicroPython has no `os.fork`).
    pub unsupported: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub workers: String,
    pub ratio: String,
    pub low: String,
    pub high: String,
    /// `1.96× (95% CI 1.84–2.09)`.
    pub brief: String,
    /// For charts.
    #[serde(skip)]
    pub values: Option<(u32, f64, f64, f64)>,
}

fn points(curve: Option<&ScalingCurve>) -> Vec<Point> {
    let Some(c) = curve else { return Vec::new() };
    c.points
        .iter()
        .map(|p| match (p.ratio, &p.ci) {
            (Some(r), Some(ci)) => Point {
                workers: int(u64::from(p.workers)),
                ratio: format!("{}×", sig3(r)),
                low: sig3(ci.low),
                high: sig3(ci.high),
                brief: format!("{}× (95% CI {}–{})", sig3(r), sig3(ci.low), sig3(ci.high)),
                values: Some((p.workers, r, ci.low, ci.high)),
            },
            _ => Point {
                workers: int(u64::from(p.workers)),
                ratio: "n/a".into(),
                low: String::new(),
                high: String::new(),
                brief: "n/a".into(),
                values: None,
            },
        })
        .collect()
}

impl ScalingView {
    /// The scaling view of a summary, or `None` when it has no scaling section.
    pub fn build(summary: &Summary) -> Option<ScalingView> {
        let file = summary.scaling.as_ref()?;
        let mut ids: Vec<&str> = file.cells.iter().map(|c| c.interp.as_str()).collect();
        ids.sort();
        ids.dedup();
        let mut rows = Vec::new();
        for id in ids {
            let label = summary
                .environment
                .interpreters
                .iter()
                .chain(&file.interpreters)
                .find(|i| i.id == id)
                .map_or_else(|| id.to_owned(), |i| i.label.clone());
            for (parallelism, work) in [
                (Parallelism::Threads, ScalingWork::Cpu),
                (Parallelism::Threads, ScalingWork::CpuOwnCode),
                (Parallelism::Processes, ScalingWork::Cpu),
            ] {
                let curve = |split| {
                    file.curves.iter().find(|c| {
                        c.interp == id
                            && c.parallelism == parallelism
                            && c.split == split
                            && c.work == work
                    })
                };
                let unsupported = file
                    .cells
                    .iter()
                    .find(|c| c.interp == id && c.parallelism == parallelism && c.work == work)
                    .and_then(|c| c.unsupported.clone());
                let speedup = points(curve(Split::FixedTotal));
                if speedup.is_empty() && unsupported.is_none() {
                    continue;
                }
                let top = speedup.last().filter(|p| p.values.is_some()).cloned();
                let scaled = top
                    .as_ref()
                    .and_then(|p| p.values)
                    .is_some_and(|(w, _, low, _)| w > 1 && low > 1.0);
                let above_ideal = top
                    .as_ref()
                    .and_then(|p| p.values)
                    .is_some_and(|(w, _, low, _)| w > 1 && low > f64::from(w));
                rows.push(ScalingRow {
                    above_ideal,
                    interp: id.to_owned(),
                    label: label.clone(),
                    parallelism: match (parallelism, work) {
                        (Parallelism::Threads, ScalingWork::CpuOwnCode) => THREADS_OWN_CODE,
                        (Parallelism::Threads, _) => "threads",
                        (Parallelism::Processes, _) => "processes",
                    },
                    efficiency: points(curve(Split::FixedPerWorker)),
                    speedup,
                    top,
                    scaled,
                    unsupported,
                });
            }
        }
        Some(ScalingView {
            command: file.command.clone(),
            cores: int(u64::from(file.cores)),
            cpuset: file.cpuset.clone(),
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiled in: the view does no I/O, not even in its tests.
    const FIXTURE: &str = include_str!("../../render/tests/fixtures/pypy-faster.json");

    /// The fixture with a scaling section: two threads curves whose top speed-ups are given.
    fn summary(tops: &[(&str, f64, f64, f64)]) -> Summary {
        let mut v: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
        let curves: Vec<serde_json::Value> = tops
            .iter()
            .map(|(id, r, lo, hi)| {
                serde_json::json!({
                    "interp": id, "parallelism": "threads", "split": "fixed_total", "work": "cpu",
                    "points": [
                        {"workers": 1, "mean_ns": 1.0, "processes_ok": 6, "ratio": 1.0,
                         "ci": {"low": 0.9, "high": 1.1}},
                        {"workers": 2, "mean_ns": 1.0, "processes_ok": 6, "ratio": r,
                         "ci": {"low": lo, "high": hi}}
                    ]
                })
            })
            .collect();
        let cells: Vec<serde_json::Value> = tops
            .iter()
            .map(|(id, ..)| {
                serde_json::json!({"interp": id, "parallelism": "threads", "split": "fixed_total",
                    "work": "cpu", "workers": 2, "units": 100, "records": []})
            })
            .collect();
        v["scaling"] = serde_json::json!({
            "schema": 1, "command": "cargo xtask scaling", "updated_at": "", "git_rev": "",
            "machine": v["environment"]["machine"].clone(), "cores": 2, "cpuset": "0-1",
            "processes": 6, "iterations": 5, "units": 100, "interpreters": [],
            "cells": cells, "curves": curves
        });
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_speed_up_whose_interval_is_above_the_ideal_is_flagged() {
        // 2.75× (2.52–3.00) on two workers is more than two workers can give; 1.80×
        // (1.59–2.03) scaled within the ideal; 2.10× (1.90–2.30) may be the ideal itself.
        let s = summary(&[
            ("over", 2.75, 2.52, 3.0),
            ("within", 1.8, 1.59, 2.03),
            ("near", 2.1, 1.9, 2.3),
        ]);
        let view = ScalingView::build(&s).expect("a scaling section");
        let flags: Vec<(&str, bool, bool)> = view
            .rows
            .iter()
            .map(|r| (r.interp.as_str(), r.scaled, r.above_ideal))
            .collect();
        assert_eq!(
            flags,
            vec![
                ("near", true, false),
                ("over", true, true),
                ("within", true, false)
            ]
        );
    }
}
