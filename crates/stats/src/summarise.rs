//! From raw records to the [`Summary`]: the pipeline of `cargo xtask analyse`, without the I/O.
//!
//! Steps:
//! 1. Keep the runs of one machine: the machine of the latest run. Other runs are named in a
//!    warning, never pooled.
//! 2. Group successful and failed process executions per cell (interp × workload × size).
//! 3. Per process execution: classify its iteration series (warm-up, [`crate::warmup`]); its warm
//!    time is the steady-state mean, its cold time the first iteration plus the interpreter's
//!    mean startup (its startup cell).
//! 4. Per cell: Student's t intervals across process executions, memory, warm-up consistency,
//!    iteration profile, warnings.
//! 5. Per workload: ratios against the baseline with log-scale t intervals ([`crate::ratio`]) and verdicts;
//!    per interpreter the geometric mean; crossovers where cold and warm verdicts disagree.
//! 6. The compatibility matrix and the environment.

use std::collections::{BTreeMap, BTreeSet};

use whichpy_wire::summary::*;
use whichpy_wire::{
    CellKey, ExecRecord, Family, InterpInfo, Machine, Outcome, RawFile, SizeName, Suite,
    WorkloadKind,
};

use crate::bootstrap::verdict;
use crate::bootstrap::TwoLevel;
use crate::crossover::{crossover, Curve};
use crate::describe::{
    estimate, mean, median, modified_z_scores, processes_needed, quantile, relative_half_width,
    std_dev, CONFIDENCE, OUTLIER_Z,
};
use crate::ratio::{self, LogRatio};
use crate::state::Levels;
use crate::warmup::classify;
use crate::warnings::{warning, CV_LIMIT, NEIGHBOUR_SHARE, SHORT_ITERATION_NS};
use crate::Options;

/// Fewer process executions than this are not searched for outliers: with three, the MAD is
/// one of two deviations and any spread looks like an outlier.
const MIN_OUTLIER_SAMPLES: usize = 5;

/// Fast-state process executions a cell needs for a fast-state estimate (a t interval needs
/// two); below [`MIN_FAST_PROCESSES`] its interval is wide and `analyse` says so, but it is
/// still a figure of the quiet machine, where every iteration's mean would be biased by the
/// slow state. Below two, the cell falls back to every iteration (`StateBasis::AllIterations`).
const MIN_FAST_FOR_ESTIMATE: usize = 2;

/// Process executions shorter than this are not judged one by one for neighbours' CPU time:
/// `/proc/stat` counts in 10 ms jiffies.
const NOISE_MIN_WALL_NS: f64 = 50e6;

/// One successful process execution, analysed.
struct Proc<'a> {
    run_id: &'a str,
    rec: &'a ExecRecord,
    iters: Vec<f64>,
    /// The warm-up analysis of every iteration (the loaded-machine view).
    class: Option<crate::warmup::Classified>,
    /// Which iterations ran in the machine's fast state (`None`: no probes).
    fast: Option<Vec<bool>>,
    /// The warm-up analysis of the fast-state iterations and the fast-state iterations of its
    /// steady state (`None`: no probes, or too few fast-state iterations).
    fast_class: Option<(crate::warmup::Classified, Vec<f64>)>,
    /// A whole-process execution's state (`None`: no probes, or an iteration cell).
    fast_process: Option<bool>,
}

/// What a cell keeps for the cross-cell steps.
struct CellData {
    warm: TwoLevel,
    cold: TwoLevel,
    startup: TwoLevel,
    profile: Vec<f64>,
    warm_mean: Option<f64>,
    startup_mean: f64,
    /// Half-width of the 95% interval of `startup_mean` (0 when unknown).
    startup_half: f64,
}

/// Analyse raw files into a summary (pure: the same input gives byte-identical JSON).
pub fn summarise(raws: &[RawFile], suite: &Suite, opts: &Options) -> Summary {
    let mut warnings = Vec::new();

    // 1. One machine: the latest run's.
    let mut runs: Vec<&RawFile> = raws.iter().collect();
    runs.sort_by(|a, b| {
        (&a.meta.started_at, &a.meta.run_id).cmp(&(&b.meta.started_at, &b.meta.run_id))
    });
    let machine = runs
        .last()
        .map(|r| r.meta.machine.clone())
        .unwrap_or_else(empty_machine);
    let (runs, others): (Vec<&RawFile>, Vec<&RawFile>) = runs
        .into_iter()
        .partition(|r| r.meta.machine.fingerprint == machine.fingerprint);
    for r in others {
        warnings.push(warning(
            None,
            WarningKind::OtherMachine {
                run_id: r.meta.run_id.clone(),
                fingerprint: r.meta.machine.fingerprint.clone(),
            },
        ));
    }

    let mut interps: BTreeMap<String, InterpInfo> = BTreeMap::new();
    for r in &runs {
        for i in &r.meta.interpreters {
            interps.insert(i.id.clone(), i.clone());
        }
    }
    let twin_ids: BTreeSet<String> = runs
        .iter()
        .filter_map(|r| r.meta.params.aa_twin.as_ref().map(|t| t.id.clone()))
        .collect();
    let environment = Environment {
        machine,
        runs: runs
            .iter()
            .map(|r| RunInfo {
                run_id: r.meta.run_id.clone(),
                started_at: r.meta.started_at.clone(),
                git_rev: r.meta.git_rev.clone(),
                git_dirty: r.meta.git_dirty,
                backend: r.meta.backend,
                params: r.meta.params.clone(),
            })
            .collect(),
        interpreters: interps
            .values()
            .filter(|i| !twin_ids.contains(&i.id))
            .cloned()
            .collect(),
        data_date: runs
            .last()
            .map(|r| r.meta.started_at.clone())
            .unwrap_or_default(),
    };

    // 2. Records per cell, in run order then process order.
    let mut by_cell: BTreeMap<CellKey, Vec<(&str, &ExecRecord)>> = BTreeMap::new();
    for r in &runs {
        for rec in &r.records {
            by_cell
                .entry(rec.key())
                .or_default()
                .push((r.meta.run_id.as_str(), rec));
        }
    }
    for recs in by_cell.values_mut() {
        // Stable: keeps run order for equal process indices.
        recs.sort_by_key(|(_, rec)| rec.process);
    }
    // The A/A twin's cells (the baseline under another id, see `RunParams::aa_twin`) are set
    // apart: they measure the noise floor and are never an interpreter's cells.
    let twins: BTreeMap<String, String> = runs
        .iter()
        .filter_map(|r| r.meta.params.aa_twin.as_ref())
        .map(|t| (t.id.clone(), t.of.clone()))
        .collect();
    let twin_cells: BTreeMap<CellKey, Vec<(&str, &ExecRecord)>> = by_cell
        .iter()
        .filter(|(k, _)| twins.contains_key(&k.interp))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    by_cell.retain(|k, _| !twins.contains_key(&k.interp));
    interps.retain(|id, _| !twins.contains_key(id));
    let kind_of = |key: &CellKey, recs: &[(&str, &ExecRecord)]| -> WorkloadKind {
        suite.get(&key.workload).map(|w| w.kind).unwrap_or_else(|| {
            if recs.iter().any(|(_, r)| !r.load.is_empty()) {
                return WorkloadKind::Service;
            }
            let any_iters = recs.iter().any(|(_, r)| !r.iterations_ns.is_empty());
            if any_iters {
                WorkloadKind::Iterations
            } else {
                WorkloadKind::Startup
            }
        })
    };

    // The machine's fast level per run and interpreter, from every probe (`crate::state`).
    let levels = Levels::learn(runs.iter().flat_map(|r| {
        r.records
            .iter()
            .map(move |rec| (r.meta.run_id.as_str(), rec))
    }));

    // Startup wall times per (interp, size): the fast-state processes when there are enough.
    let mut startup: BTreeMap<(String, SizeName), Vec<f64>> = BTreeMap::new();
    for (key, recs) in &by_cell {
        if kind_of(key, recs) == WorkloadKind::Startup {
            let ok: Vec<&(&str, &ExecRecord)> =
                recs.iter().filter(|(_, r)| r.outcome.is_ok()).collect();
            let fast: Vec<f64> = ok
                .iter()
                .filter(|(run, r)| levels.fast_process(run, r) == Some(true))
                .map(|(_, r)| r.wall_ns as f64)
                .collect();
            let walls: Vec<f64> = if fast.len() >= MIN_FAST_FOR_ESTIMATE {
                fast
            } else {
                ok.iter().map(|(_, r)| r.wall_ns as f64).collect()
            };
            if !walls.is_empty() {
                startup
                    .entry((key.interp.clone(), key.size))
                    .or_default()
                    .extend(walls);
            }
        }
    }
    // The startup sample of an interpreter: same size if measured, else any size.
    let startup_of = |interp: &str, size: SizeName| -> Option<&Vec<f64>> {
        startup.get(&(interp.to_string(), size)).or_else(|| {
            startup
                .iter()
                .find(|((i, _), _)| i == interp)
                .map(|(_, v)| v)
        })
    };

    // 3-4. Cells.
    let mut cells = Vec::new();
    let mut data: BTreeMap<CellKey, CellData> = BTreeMap::new();
    for (key, recs) in &by_cell {
        let kind = kind_of(key, recs);
        let family = family_of(&key.interp, &interps, recs);
        let (cell, cell_data, mut w) = summarise_cell(
            key,
            kind,
            family,
            recs,
            startup_of(&key.interp, key.size),
            &levels,
            opts,
        );
        cells.push(cell);
        warnings.append(&mut w);
        if let Some(d) = cell_data {
            data.insert(key.clone(), d);
        }
    }

    // The noise floor: each twin cell against the cell it copies.
    let mut aa_ratios = Vec::new();
    for (key, recs) in &twin_cells {
        let Some(of) = twins.get(&key.interp) else {
            continue;
        };
        let kind = kind_of(key, recs);
        let family = family_of(of, &interps, recs);
        let (_, twin_data, _) = summarise_cell(
            key,
            kind,
            family,
            recs,
            startup_of(of, key.size),
            &levels,
            opts,
        );
        let base_key = CellKey {
            interp: of.clone(),
            ..key.clone()
        };
        let (Some(t), Some(b)) = (twin_data, data.get(&base_key)) else {
            continue;
        };
        let metrics: &[Metric] = match kind {
            WorkloadKind::Startup => &[Metric::Startup],
            WorkloadKind::Process => &[Metric::Process],
            WorkloadKind::Iterations => &[Metric::Warm, Metric::Cold],
            WorkloadKind::Service => &[],
        };
        for &metric in metrics {
            let Some(lr) = log_ratio_of(&t, b, metric) else {
                continue;
            };
            aa_ratios.push(AaRatio {
                workload: key.workload.clone(),
                size: key.size,
                metric,
                ratio: lr.log.exp(),
                ci: ratio::interval(&lr),
            });
        }
    }
    let noise_floor = twins.iter().next().map(|(twin, of)| {
        let mut floors: BTreeMap<Metric, f64> = BTreeMap::new();
        for r in &aa_ratios {
            let d = r.ratio.ln().abs().exp() - 1.0;
            let f = floors.entry(r.metric).or_insert(0.0);
            *f = f.max(d);
        }
        NoiseFloor {
            baseline: of.clone(),
            twin: twin.clone(),
            ratios: aa_ratios.clone(),
            floors,
        }
    });
    let machine_state = machine_state(&runs, &levels, &cells, &twins);

    // 5. Comparisons against the baseline.
    let baseline = opts.baseline.clone().unwrap_or_else(|| {
        interps
            .values()
            .find(|i| i.family == Family::Cpython)
            .map(|i| i.id.clone())
            .or_else(|| by_cell.keys().map(|k| k.interp.clone()).min())
            .unwrap_or_default()
    });
    let mut comparisons = Vec::new();
    // Replicates of each ratio, for the geometric means: (interp, size, metric) -> workload -> reps.
    let mut ratio_logs: BTreeMap<(String, SizeName, Metric), BTreeMap<String, LogRatio>> =
        BTreeMap::new();
    let mut crossovers = Vec::new();
    for (key, d) in &data {
        if key.interp == baseline {
            continue;
        }
        let base_key = CellKey {
            interp: baseline.clone(),
            ..key.clone()
        };
        let Some(b) = data.get(&base_key) else {
            warnings.push(warning(
                Some(key),
                WarningKind::NoBaseline {
                    baseline: baseline.clone(),
                },
            ));
            continue;
        };
        let kind = kind_of(key, &by_cell[key]);
        let metrics: &[Metric] = match kind {
            WorkloadKind::Startup => &[Metric::Startup],
            WorkloadKind::Process => &[Metric::Process],
            WorkloadKind::Iterations => &[Metric::Warm, Metric::Cold],
            // Compared per rate in the summary's `web` section, not as times.
            WorkloadKind::Service => &[],
        };
        let mut verdicts = BTreeMap::new();
        for &metric in metrics {
            let Some(lr) = log_ratio_of(d, b, metric) else {
                continue;
            };
            let ci = ratio::interval(&lr);
            let v = floored(verdict(ci), metric, lr.log.exp(), noise_floor.as_ref());
            verdicts.insert(metric, v);
            comparisons.push(Comparison {
                interp: key.interp.clone(),
                baseline: baseline.clone(),
                workload: key.workload.clone(),
                size: key.size,
                metric,
                ratio: lr.log.exp(),
                ci,
                verdict: v,
            });
            // Geometric means are over in-process figures only.
            if !matches!(metric, Metric::Startup | Metric::Process) {
                ratio_logs
                    .entry((key.interp.clone(), key.size, metric))
                    .or_default()
                    .insert(key.workload.clone(), lr);
            }
        }
        // A crossover only where both verdicts are significant and disagree.
        let (cold, warm) = (verdicts.get(&Metric::Cold), verdicts.get(&Metric::Warm));
        let disagree = matches!(
            (cold, warm),
            (Some(Verdict::Slower), Some(Verdict::Faster))
                | (Some(Verdict::Faster), Some(Verdict::Slower))
        );
        if let (true, Some(wi), Some(wb)) = (disagree, d.warm_mean, b.warm_mean) {
            let curve = |c: &CellData, warm: f64| Curve {
                startup: c.startup_mean,
                profile: c.profile.clone(),
                warm,
            };
            // The same curves at the ends of the 95% intervals of startup and warm time:
            // `sign` -1 is the favourable end for the overtaker, +1 the unfavourable one.
            let shifted = |c: &CellData, warm: f64, sign: f64| -> Option<Curve> {
                let h = |t: &TwoLevel| {
                    ratio::mean_se(t).map(|m| {
                        crate::describe::t_quantile(crate::describe::CONFIDENCE, m.df.max(1.0))
                            * m.se2.sqrt()
                    })
                };
                let hw = h(&c.warm)?;
                let hs = c.startup_half;
                let w = (warm + sign * hw).max(f64::MIN_POSITIVE);
                let scale = w / warm;
                Some(Curve {
                    startup: (c.startup_mean + sign * hs).max(0.0),
                    profile: c.profile.iter().map(|x| x * scale).collect(),
                    warm: w,
                })
            };
            let bounds = |c: &crate::crossover::Cross| {
                let (over, under) = match c.direction {
                    CrossDirection::InterpOvertakes => (d, b),
                    CrossDirection::BaselineOvertakes => (b, d),
                };
                let (wo, wu) = match c.direction {
                    CrossDirection::InterpOvertakes => (wi, wb),
                    CrossDirection::BaselineOvertakes => (wb, wi),
                };
                let at = |so: f64| -> Option<Option<u64>> {
                    let o = shifted(over, wo, so)?;
                    let u = shifted(under, wu, -so)?;
                    Some(
                        crossover(&o, &u)
                            .filter(|x| x.direction == CrossDirection::InterpOvertakes)
                            .map(|x| x.iterations),
                    )
                };
                let early = at(-1.0)?;
                let late = at(1.0)?;
                Some(CrossBounds {
                    low: early.unwrap_or(1).min(c.iterations),
                    high: late.map(|k| k.max(c.iterations)),
                })
            };
            if let Some(c) = crossover(&curve(d, wi), &curve(b, wb)) {
                crossovers.push(Crossover {
                    interp: key.interp.clone(),
                    baseline: baseline.clone(),
                    workload: key.workload.clone(),
                    size: key.size,
                    direction: c.direction,
                    iterations: c.iterations,
                    time_ns: c.time,
                    extrapolated: c.extrapolated,
                    iterations_bounds: bounds(&c),
                });
            }
        }
    }
    comparisons.sort_by(|a, b| {
        (&a.workload, a.size, a.metric, &a.interp).cmp(&(&b.workload, b.size, b.metric, &b.interp))
    });
    crossovers
        .sort_by(|a, b| (&a.workload, a.size, &a.interp).cmp(&(&b.workload, b.size, &b.interp)));

    let mut geomeans = Vec::new();
    for ((interp, size, metric), per_workload) in &ratio_logs {
        let workloads: Vec<String> = per_workload.keys().cloned().collect();
        let parts: Vec<LogRatio> = per_workload.values().copied().collect();
        let points: Vec<f64> = comparisons
            .iter()
            .filter(|c| &c.interp == interp && c.size == *size && c.metric == *metric)
            .map(|c| c.ratio)
            .collect();
        let Some(g) = ratio::log_geomean(&parts) else {
            continue;
        };
        let ci = ratio::interval(&g);
        geomeans.push(GeoMean {
            interp: interp.clone(),
            baseline: baseline.clone(),
            size: *size,
            metric: *metric,
            workloads,
            ratio: crate::describe::geometric_mean(&points),
            ci,
            verdict: floored(verdict(ci), *metric, g.log.exp(), noise_floor.as_ref()),
        });
    }

    // 6. Compatibility.
    let compatibility = compatibility(&cells, &by_cell, suite, &interps);

    let workloads = suite
        .workloads
        .iter()
        .filter(|w| by_cell.keys().any(|k| k.workload == w.name))
        .cloned()
        .collect();

    let precision = precision(&cells);
    let web_inputs: Vec<crate::web::WebInput> = by_cell
        .iter()
        .filter(|(key, recs)| kind_of(key, recs) == WorkloadKind::Service)
        .map(|(key, recs)| crate::web::WebInput {
            key: key.clone(),
            records: recs.iter().map(|(_, r)| *r).collect(),
            bound_ms: suite
                .get(&key.workload)
                .and_then(|w| w.sizes.get(key.size)?.load.as_ref())
                .map_or(f64::INFINITY, |l| l.bound_ms),
        })
        .collect();
    let web = crate::web::summarise_web(&web_inputs, &baseline);
    Summary {
        web,
        machine_state,
        noise_floor,
        merge: None,
        floor: None,
        scaling: None,
        mcu: None,
        schema: SUMMARY_SCHEMA,
        analysis: AnalysisParams {
            baseline,
            seed: opts.seed,
            bootstrap_resamples: opts.bootstrap_resamples,
            confidence: CONFIDENCE,
            target_ci: opts.target_ci,
            methods: methods(),
        },
        environment,
        workloads,
        cells,
        comparisons,
        geomeans,
        crossovers,
        compatibility,
        warnings,
        precision,
    }
}

/// `ln(num / den)` of one metric of two cells, by the delta method over process means.
fn log_ratio_of(num: &CellData, den: &CellData, metric: Metric) -> Option<LogRatio> {
    fn pick(c: &CellData, metric: Metric) -> &TwoLevel {
        match metric {
            Metric::Warm => &c.warm,
            Metric::Cold => &c.cold,
            // Both are whole-process wall times.
            Metric::Startup | Metric::Process => &c.startup,
        }
    }
    let (n, d) = (pick(num, metric), pick(den, metric));
    if n.is_empty() || d.is_empty() {
        return None;
    }
    ratio::log_ratio(&ratio::mean_se(n)?, &ratio::mean_se(d)?)
}

/// A verdict with the noise floor applied: a difference within the floor is not called.
fn floored(v: Verdict, metric: Metric, ratio: f64, floor: Option<&NoiseFloor>) -> Verdict {
    match floor {
        Some(f) if v != Verdict::NoSignificantDifference && f.within(metric, ratio) => {
            Verdict::NoSignificantDifference
        }
        _ => v,
    }
}

/// What the probe saw over the runs (`None` without probes).
fn machine_state(
    runs: &[&RawFile],
    levels: &Levels,
    cells: &[CellSummary],
    twins: &BTreeMap<String, String>,
) -> Option<MachineState> {
    let mut counts: BTreeMap<(String, String), u32> = BTreeMap::new();
    let (mut slow, mut total) = (0.0, 0.0);
    for r in runs {
        let run = r.meta.run_id.as_str();
        for rec in r.records.iter().filter(|rec| rec.outcome.is_ok()) {
            if rec.probes_ns.is_empty() {
                continue;
            }
            *counts
                .entry((run.to_owned(), rec.interp.clone()))
                .or_default() += rec.probes_ns.len() as u32;
            if let Some(f) = levels.fast_iterations(run, rec) {
                for (&x, fast) in rec.iterations_ns.iter().zip(f) {
                    total += x as f64;
                    if !fast {
                        slow += x as f64;
                    }
                }
            } else if let Some(fast) = levels.fast_process(run, rec) {
                total += rec.wall_ns as f64;
                if !fast {
                    slow += rec.wall_ns as f64;
                }
            }
        }
    }
    let level_list: Vec<ProbeLevel> = levels
        .iter()
        .map(|((run, interp), &level)| ProbeLevel {
            run_id: run.clone(),
            interp: interp.clone(),
            level_ns: level,
            probes: counts
                .get(&(run.clone(), interp.clone()))
                .copied()
                .unwrap_or(0),
        })
        .collect();
    if level_list.is_empty() {
        return None;
    }
    let with_state: Vec<&CellState> = cells
        .iter()
        .filter(|c| !twins.contains_key(&c.key.interp))
        .filter_map(|c| c.state.as_ref())
        .collect();
    Some(MachineState {
        levels: level_list,
        fast_factor: crate::state::FAST_FACTOR,
        slow_share: if total > 0.0 { slow / total } else { 0.0 },
        fast_cells: with_state
            .iter()
            .filter(|s| s.basis == StateBasis::Fast)
            .count() as u32,
        fallback_cells: with_state
            .iter()
            .filter(|s| s.basis == StateBasis::AllIterations)
            .count() as u32,
    })
}

/// The precision the cells reached (see [`Precision`]).
fn precision(cells: &[CellSummary]) -> Option<Precision> {
    let with: Vec<(&CellSummary, f64)> = cells
        .iter()
        .filter_map(|c| c.rel_half_width.map(|h| (c, h)))
        .collect();
    let (worst, worst_h) = with
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.key.cmp(&a.0.key)))?;
    let hs: Vec<f64> = with.iter().map(|(_, h)| *h).collect();
    let no_steady_state = cells
        .iter()
        .filter(|c| {
            c.warmup.as_ref().is_some_and(|w| {
                let total: u32 = w.counts.values().sum();
                2 * w.counts[&WarmupClass::NoSteadyState] > total
            })
        })
        .map(|c| c.key.clone())
        .collect();
    let procs: Vec<u32> = with.iter().map(|(c, _)| c.processes_ok).collect();
    Some(Precision {
        cells: with.len() as u32,
        median_rel_half_width: median(&hs),
        worst_rel_half_width: *worst_h,
        worst_cell: worst.key.clone(),
        within_2pct: hs.iter().filter(|&&h| h <= 0.02).count() as u32,
        within_5pct: hs.iter().filter(|&&h| h <= 0.05).count() as u32,
        no_steady_state,
        processes: procs.iter().sum(),
        processes_min: procs.iter().copied().min().unwrap_or(0),
        processes_max: procs.iter().copied().max().unwrap_or(0),
    })
}

fn methods() -> BTreeMap<String, String> {
    let state_method = crate::state::method();
    [
        (
            "interval",
            "Student's t 95% interval across process executions (the unit: one process's mean of its steady fast-state iterations)",
        ),
        ("state", &state_method),
        (
            "estimate",
            "per process, the mean of its steady-state iterations run in the machine's fast state (at least 3 of them); per cell, the mean over such process executions with a Student t interval (the planner aims at 5 or more; with 2 to 4 the interval is wide and analyse warns; with fewer than 2 the cell falls back to every steady iteration, and its state.basis says so); whole-process cells likewise from the processes whose probes before and after were fast; the loaded-machine figure (every steady iteration, fast and slow) is kept beside it as state.loaded_ns",
        ),
        (
            "noise_floor",
            "the baseline run again under another id in the same rounds (an A/A pair); per metric, the largest A/A ratio's distance from 1; no verdict calls a difference within it faster or slower",
        ),
        (
            "changepoints",
            "PELT, L2 cost, penalty 15 ln(n) noise variances (Killick et al. 2012), on the fast-state iterations",
        ),
        (
            "warmup",
            "flat / warmup / slowdown / no_steady_state (Barrett et al., OOPSLA 2017)",
        ),
        (
            "ratio",
            "delta method on the log ratio of process-level means, Student t at the smaller of the two degrees of freedom (processes as the unit, Kalibera & Jones 2013)",
        ),
        (
            "geomean",
            "mean of independent log ratios, variances added, Welch-Satterthwaite df",
        ),
        (
            "verdict",
            "faster or slower only when the ratio's 95% interval excludes 1 and the difference is larger than the noise floor",
        ),
        (
            "outliers",
            "modified z-score above 3.5 (Iglewicz & Hoaglin 1993)",
        ),
    ]
    .into_iter()
    .map(|(k, v): (&str, &str)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn empty_machine() -> Machine {
    Machine {
        cpu_model: String::new(),
        cores: 0,
        kernel: String::new(),
        os: String::new(),
        memory_kib: 0,
        governor: None,
        fingerprint: String::new(),
    }
}

fn family_of(
    interp: &str,
    interps: &BTreeMap<String, InterpInfo>,
    recs: &[(&str, &ExecRecord)],
) -> Family {
    if let Some(i) = interps.get(interp) {
        return i.family;
    }
    let name = recs
        .iter()
        .find_map(|(_, r)| r.implementation.as_ref().map(|i| i.name.clone()))
        .unwrap_or_else(|| interp.to_string());
    Family::ALL
        .into_iter()
        .find(|f| name.starts_with(f.as_str()))
        .unwrap_or(Family::Cpython)
}

fn summarise_cell(
    key: &CellKey,
    kind: WorkloadKind,
    family: Family,
    recs: &[(&str, &ExecRecord)],
    startup: Option<&Vec<f64>>,
    levels: &Levels,
    opts: &Options,
) -> (CellSummary, Option<CellData>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let ok: Vec<Proc> = recs
        .iter()
        .filter(|(_, r)| r.outcome.is_ok())
        .map(|&(run_id, rec)| {
            let iters: Vec<f64> = rec.iterations_ns.iter().map(|&x| x as f64).collect();
            let resolution = rec.clock.as_ref().map_or(0.0, |c| c.resolution_ns as f64);
            let class = (kind == WorkloadKind::Iterations && !iters.is_empty())
                .then(|| classify(&iters, resolution));
            let fast = class
                .as_ref()
                .and_then(|_| levels.fast_iterations(run_id, rec));
            let fast_class = fast
                .as_ref()
                .and_then(|f| crate::state::classify_fast(&iters, f, resolution));
            let fast_process = matches!(kind, WorkloadKind::Startup | WorkloadKind::Process)
                .then(|| levels.fast_process(run_id, rec))
                .flatten();
            Proc {
                run_id,
                rec,
                iters,
                class,
                fast,
                fast_class,
                fast_process,
            }
        })
        .collect();
    let failed: Vec<&ExecRecord> = recs
        .iter()
        .filter(|(_, r)| !r.outcome.is_ok() && !matches!(r.outcome, Outcome::Unsupported { .. }))
        .map(|(_, r)| *r)
        .collect();

    // Failures grouped by label; the example is the first by process index.
    let mut groups: BTreeMap<&str, Vec<&ExecRecord>> = BTreeMap::new();
    for r in &failed {
        groups.entry(r.outcome.label()).or_default().push(r);
    }
    let failures: Vec<FailureCount> = groups
        .iter()
        .map(|(label, rs)| FailureCount {
            label: label.to_string(),
            count: rs.len() as u32,
            example: rs[0].outcome.clone(),
            stderr_tail: rs[0].stderr_tail.clone(),
        })
        .collect();
    let most_frequent = failures
        .iter()
        .max_by(|a, b| a.count.cmp(&b.count).then(b.label.cmp(&a.label)))
        .map(|f| f.label.clone());
    let total = (ok.len() + failed.len()) as u32;
    if let Some(label) = most_frequent {
        let kind = if ok.is_empty() {
            WarningKind::AllFailed { of: total, label }
        } else {
            WarningKind::Failures {
                failed: failed.len() as u32,
                of: total,
                label,
            }
        };
        warnings.push(warning(Some(key), kind));
    }

    let all_walls: Vec<f64> = ok.iter().map(|p| p.rec.wall_ns as f64).collect();
    // Whole-process cells: the fast-state processes when there are enough (see `state`).
    let fast_walls: Vec<f64> = ok
        .iter()
        .filter(|p| p.fast_process == Some(true))
        .map(|p| p.rec.wall_ns as f64)
        .collect();
    let whole_fast = fast_walls.len() >= MIN_FAST_FOR_ESTIMATE;
    let walls: Vec<f64> = if whole_fast {
        fast_walls.clone()
    } else {
        all_walls.clone()
    };
    let rss: Vec<f64> = ok.iter().map(|p| p.rec.max_rss_kib as f64).collect();
    let memory = (!ok.is_empty()).then(|| Memory {
        median_kib: median(&rss),
        max_kib: ok.iter().map(|p| p.rec.max_rss_kib).max().unwrap_or(0),
    });
    let startup_est = startup.and_then(|s| estimate(s));
    let startup_mean = startup_est.as_ref().map_or(0.0, |e| e.mean);
    let startup_half = startup_est
        .as_ref()
        .and_then(|e| e.ci.map(|ci| (ci.high - e.mean).max(0.0)))
        .unwrap_or(0.0);

    let mut cell = CellSummary {
        machine: None,
        key: key.clone(),
        family,
        kind,
        processes_ok: ok.len() as u32,
        processes_failed: failed.len() as u32,
        failures,
        iterations: ok.iter().map(|p| p.iters.len() as u32).min().unwrap_or(0),
        wall_ns: estimate(&walls),
        wall_percentiles: (kind == WorkloadKind::Process && !walls.is_empty()).then(|| {
            WallPercentiles {
                p50_ns: quantile(&walls, 0.5),
                p95_ns: quantile(&walls, 0.95),
                n: walls.len() as u32,
            }
        }),
        startup_ns: startup_est,
        first_iteration_ns: None,
        cold_ns: None,
        warm_ns: None,
        iteration_mean_ns: None,
        warmup: None,
        memory,
        profile: None,
        process_details: Vec::new(),
        rel_half_width: None,
        noise: None,
        state: None,
    };
    if ok.iter().any(|p| p.fast_process.is_some()) {
        let (mut slow, mut total) = (0.0, 0.0);
        for p in &ok {
            if let Some(f) = p.fast_process {
                total += p.rec.wall_ns as f64;
                if !f {
                    slow += p.rec.wall_ns as f64;
                }
            }
        }
        cell.state = Some(CellState {
            basis: if whole_fast {
                StateBasis::Fast
            } else {
                StateBasis::AllIterations
            },
            slow_share: if total > 0.0 { slow / total } else { 0.0 },
            fast_processes: fast_walls.len() as u32,
            loaded_ns: estimate(&all_walls),
        });
    }
    // /proc/stat counts in jiffies (10 ms): one process execution of 2 ms reads 0 or 500%.
    // So the cell's shares are ratios of sums over its executions, and only executions of at
    // least NOISE_MIN_WALL_NS count as disturbed one by one.
    let with_noise: Vec<(&whichpy_wire::Noise, f64)> = ok
        .iter()
        .filter(|p| p.rec.wall_ns > 0)
        .filter_map(|p| Some((p.rec.noise.as_ref()?, p.rec.wall_ns as f64)))
        .collect();
    if !with_noise.is_empty() {
        let wall: f64 = with_noise.iter().map(|(_, w)| w).sum();
        let foreign: f64 = with_noise
            .iter()
            .map(|(n, _)| n.foreign_cpu_ns as f64)
            .sum();
        let steal: f64 = with_noise.iter().map(|(n, _)| n.steal_ns as f64).sum();
        let long: Vec<f64> = with_noise
            .iter()
            .filter(|(_, w)| *w >= NOISE_MIN_WALL_NS)
            .map(|(n, w)| (n.foreign_cpu_ns + n.steal_ns) as f64 / w)
            .collect();
        let noise = NoiseSummary {
            foreign_share: foreign / wall,
            steal_share: steal / wall,
            max_share: long.iter().copied().fold(0.0, f64::max),
            processes: with_noise.len() as u32,
        };
        let disturbed = long.iter().filter(|&&t| t > NEIGHBOUR_SHARE).count() as u32;
        let share = noise.foreign_share + noise.steal_share;
        if share > NEIGHBOUR_SHARE || (!long.is_empty() && disturbed * 4 > long.len() as u32) {
            warnings.push(warning(
                Some(key),
                WarningKind::Neighbours {
                    share,
                    disturbed,
                    of: with_noise.len() as u32,
                },
            ));
        }
        cell.noise = Some(noise);
    }
    if ok.is_empty() {
        return (cell, None, warnings);
    }

    // The figure the quality warnings judge: warm time, or wall time for startup cells.
    let headline: Vec<f64>;
    let with_iters: Vec<&Proc> = ok.iter().filter(|p| p.class.is_some()).collect();
    let startup_level: Vec<Vec<f64>> = startup
        .map(|s| s.iter().map(|&x| vec![x]).collect())
        .unwrap_or_default();
    let mut data = CellData {
        warm: TwoLevel::default(),
        cold: TwoLevel::default(),
        startup: TwoLevel {
            processes: walls.iter().map(|&w| vec![w]).collect(),
            plus: None,
        },
        profile: Vec::new(),
        warm_mean: None,
        startup_mean,
        startup_half,
    };

    if with_iters.is_empty() {
        headline = walls.clone();
    } else {
        // Fast-state estimates when enough process executions have enough fast-state
        // iterations in their steady state (`state`); else every iteration, as before.
        let qualifying = with_iters.iter().filter(|p| p.fast_class.is_some()).count();
        let use_fast = qualifying >= MIN_FAST_FOR_ESTIMATE;
        let used: Vec<&Proc> = if use_fast {
            with_iters
                .iter()
                .copied()
                .filter(|p| p.fast_class.is_some())
                .collect()
        } else {
            with_iters.clone()
        };
        let classes: Vec<&crate::warmup::Classified> = used
            .iter()
            .map(|p| match (&p.fast_class, use_fast) {
                (Some((c, _)), true) => c,
                _ => p.class.as_ref().unwrap(),
            })
            .collect();
        let steady: Vec<Vec<f64>> = used
            .iter()
            .zip(&classes)
            .map(|(p, c)| match (&p.fast_class, use_fast) {
                (Some((_, fast_steady)), true) => fast_steady.clone(),
                _ => p.iters[c.steady_start..].to_vec(),
            })
            .collect();
        // Cold: the first iteration of processes whose first iteration ran fast, when enough.
        let fast_firsts: Vec<f64> = with_iters
            .iter()
            .filter(|p| p.fast.as_ref().is_some_and(|f| f[0]))
            .map(|p| p.iters[0])
            .collect();
        let firsts: Vec<f64> = if use_fast && fast_firsts.len() >= MIN_FAST_FOR_ESTIMATE {
            fast_firsts
        } else {
            with_iters.iter().map(|p| p.iters[0]).collect()
        };
        let warm: Vec<f64> = steady.iter().map(|s| mean(s)).collect();
        let cold: Vec<f64> = firsts.iter().map(|f| f + startup_mean).collect();
        let all_means: Vec<f64> = with_iters.iter().map(|p| mean(&p.iters)).collect();
        // The loaded-machine figure: every steady iteration, fast and slow.
        let loaded: Vec<f64> = with_iters
            .iter()
            .map(|p| p.class.as_ref().unwrap().steady_mean)
            .collect();
        if with_iters.iter().any(|p| p.fast.is_some()) {
            let (mut slow, mut total) = (0.0, 0.0);
            for p in &with_iters {
                if let Some(f) = &p.fast {
                    for (x, fast) in p.iters.iter().zip(f) {
                        total += x;
                        if !fast {
                            slow += x;
                        }
                    }
                }
            }
            cell.state = Some(CellState {
                basis: if use_fast {
                    StateBasis::Fast
                } else {
                    StateBasis::AllIterations
                },
                slow_share: if total > 0.0 { slow / total } else { 0.0 },
                fast_processes: qualifying as u32,
                loaded_ns: estimate(&loaded),
            });
        }
        cell.first_iteration_ns = estimate(&firsts);
        cell.cold_ns = estimate(&cold);
        cell.warm_ns = estimate(&warm);
        cell.iteration_mean_ns = estimate(&all_means);
        data.warm_mean = Some(mean(&warm));
        data.warm = TwoLevel {
            processes: steady,
            plus: None,
        };
        data.cold = TwoLevel {
            processes: firsts.iter().map(|&f| vec![f]).collect(),
            plus: (!startup_level.is_empty()).then(|| startup_level.clone()),
        };

        // Warm-up summary.
        let mut counts: BTreeMap<WarmupClass, u32> =
            WarmupClass::ALL.iter().map(|&c| (c, 0)).collect();
        for c in &classes {
            *counts.get_mut(&c.class).unwrap() += 1;
        }
        let present: Vec<WarmupClass> = counts
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(&c, _)| c)
            .collect();
        let consistent = present.len() == 1;
        let before: Vec<f64> = classes
            .iter()
            .filter_map(|c| c.iterations_before_steady.map(|k| k as f64))
            .collect();
        let before_t: Vec<f64> = classes
            .iter()
            .filter_map(|c| c.time_before_steady)
            .collect();
        let before_calls: Vec<f64> = classes
            .iter()
            .zip(&used)
            .filter_map(|(c, p)| {
                c.iterations_before_steady
                    .map(|k| k as f64 * f64::from(p.rec.loops.max(1)))
            })
            .collect();
        cell.warmup = Some(WarmupSummary {
            class: consistent.then(|| present[0]),
            consistency: if consistent {
                Consistency::Consistent
            } else {
                Consistency::Inconsistent
            },
            good: present
                .iter()
                .all(|c| matches!(c, WarmupClass::Flat | WarmupClass::Warmup)),
            counts: counts.clone(),
            iterations_before_steady: estimate(&before),
            time_before_steady_ns: estimate(&before_t),
            calls_before_steady: estimate(&before_calls),
        });
        if !consistent {
            warnings.push(warning(
                Some(key),
                WarningKind::InconsistentWarmup {
                    counts: counts.clone(),
                },
            ));
        }
        let nss = counts[&WarmupClass::NoSteadyState];
        if nss > 0 {
            warnings.push(warning(
                Some(key),
                WarningKind::NoSteadyState {
                    count: nss,
                    of: classes.len() as u32,
                    iterations: cell.iterations,
                },
            ));
        }

        // Profile over the iterations every process has.
        let len = with_iters.iter().map(|p| p.iters.len()).min().unwrap_or(0);
        let mut profile = IterationProfile {
            mean_ns: Vec::with_capacity(len),
            min_ns: Vec::with_capacity(len),
            max_ns: Vec::with_capacity(len),
        };
        for i in 0..len {
            let col: Vec<u64> = with_iters.iter().map(|p| p.rec.iterations_ns[i]).collect();
            let colf: Vec<f64> = col.iter().map(|&x| x as f64).collect();
            profile.mean_ns.push(mean(&colf));
            profile.min_ns.push(*col.iter().min().unwrap());
            profile.max_ns.push(*col.iter().max().unwrap());
        }
        data.profile = profile.mean_ns.clone();
        cell.profile = Some(profile);

        let min_iter = with_iters
            .iter()
            .flat_map(|p| p.iters.iter().copied())
            .fold(f64::INFINITY, f64::min);
        let warm_mean = mean(&warm);
        if min_iter < SHORT_ITERATION_NS {
            warnings.push(warning(
                Some(key),
                WarningKind::ShortIterations {
                    mean_ns: warm_mean,
                    min_ns: min_iter,
                },
            ));
        }
        headline = warm;
    }

    let cell_fast = cell
        .state
        .as_ref()
        .is_some_and(|s| s.basis == StateBasis::Fast);
    cell.process_details = ok
        .iter()
        .map(|p| {
            let c = match (&p.fast_class, cell_fast) {
                (Some((c, _)), true) => c.clone(),
                _ => p.class.clone().unwrap_or_else(|| classify(&[], 0.0)),
            };
            ProcessSummary {
                process: p.rec.process,
                run_id: p.run_id.to_string(),
                class: c.class,
                changepoints: c.changepoints.iter().map(|&i| i as u32).collect(),
                segment_means_ns: c.segment_means.clone(),
                steady_start: c.steady_start as u32,
                steady_mean_ns: if p.iters.is_empty() {
                    p.rec.wall_ns as f64
                } else {
                    c.steady_mean
                },
                first_iteration_ns: p.rec.iterations_ns.first().copied().unwrap_or(0),
                iterations: p.iters.len() as u32,
                outliers: c.outliers.iter().map(|&i| i as u32).collect(),
                wall_ns: p.rec.wall_ns,
                max_rss_kib: p.rec.max_rss_kib,
            }
        })
        .collect();

    // Quality of the headline figure.
    if headline.len() == 1 {
        warnings.push(warning(Some(key), WarningKind::SingleProcess));
    } else {
        let m = mean(&headline);
        if let Some(sd) = std_dev(&headline) {
            let cv = sd / m;
            if cv > CV_LIMIT {
                warnings.push(warning(
                    Some(key),
                    WarningKind::HighVariation {
                        cv,
                        limit: CV_LIMIT,
                    },
                ));
            }
        }
        if let Some(hw) = relative_half_width(&headline) {
            cell.rel_half_width = Some(hw);
            if hw > opts.target_ci {
                warnings.push(warning(
                    Some(key),
                    WarningKind::TooFewSamples {
                        half_width: hw,
                        target: opts.target_ci,
                        processes: headline.len() as u32,
                        needed: processes_needed(&headline, opts.target_ci).unwrap_or(0),
                    },
                ));
            }
        }
        let outliers = if headline.len() >= MIN_OUTLIER_SAMPLES {
            modified_z_scores(&headline)
                .iter()
                .filter(|z| z.abs() > OUTLIER_Z)
                .count()
        } else {
            0
        };
        if outliers > 0 {
            warnings.push(warning(
                Some(key),
                WarningKind::Outliers {
                    count: outliers as u32,
                    of: headline.len() as u32,
                },
            ));
        }
    }
    (cell, Some(data), warnings)
}

fn compatibility(
    cells: &[CellSummary],
    by_cell: &BTreeMap<CellKey, Vec<(&str, &ExecRecord)>>,
    suite: &Suite,
    interps: &BTreeMap<String, InterpInfo>,
) -> Vec<CompatEntry> {
    let mut out = Vec::new();
    let mut seen: BTreeSet<(String, SizeName, String)> = BTreeSet::new();
    for c in cells {
        seen.insert((c.key.workload.clone(), c.key.size, c.key.interp.clone()));
        let declared = suite
            .get(&c.key.workload)
            .and_then(|w| w.unsupported.get(&c.family));
        let recorded = by_cell.get(&c.key).and_then(|recs| {
            recs.iter().find_map(|(_, r)| match &r.outcome {
                Outcome::Unsupported { reason } => Some(reason.clone()),
                _ => None,
            })
        });
        let status = if c.processes_ok == 0 && c.processes_failed == 0 {
            CompatStatus::Unsupported {
                reason: recorded.or_else(|| declared.cloned()).unwrap_or_default(),
            }
        } else if c.processes_failed > 0 {
            let top = c
                .failures
                .iter()
                .max_by(|a, b| a.count.cmp(&b.count).then(b.label.cmp(&a.label)))
                .expect("failed > 0");
            CompatStatus::Failed {
                outcome: top.example.clone(),
                failed: c.processes_failed,
                ok: c.processes_ok,
            }
        } else {
            CompatStatus::Supported
        };
        out.push(CompatEntry {
            interp: c.key.interp.clone(),
            workload: c.key.workload.clone(),
            size: c.key.size,
            status,
        });
    }
    // Declared unsupported, with no record at all: still part of the matrix.
    let pairs: BTreeSet<(String, SizeName)> =
        seen.iter().map(|(w, s, _)| (w.clone(), *s)).collect();
    for (workload, size) in pairs {
        let Some(meta) = suite.get(&workload) else {
            continue;
        };
        for i in interps.values() {
            if seen.contains(&(workload.clone(), size, i.id.clone())) {
                continue;
            }
            if let Some(reason) = meta.unsupported.get(&i.family) {
                out.push(CompatEntry {
                    interp: i.id.clone(),
                    workload: workload.clone(),
                    size,
                    status: CompatStatus::Unsupported {
                        reason: reason.clone(),
                    },
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.workload, a.size, &a.interp).cmp(&(&b.workload, b.size, &b.interp)));
    out
}
