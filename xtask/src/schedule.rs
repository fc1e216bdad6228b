//! The scheduler of `cargo xtask bench --budget`: runs the [`crate::planner`]'s plan in
//! rounds of batches, in a seeded shuffled round-robin order, and re-plans after every round.
//!
//! Why rounds and a shuffle: noise on a shared machine is correlated in time (a neighbour's
//! build lasts minutes). Running one cell after another would put a slow spell on one
//! interpreter only, and it would not cancel in the ratios. Every round visits every open cell
//! once, in an order drawn from the run's seed and the round number, so a slow spell hits the
//! interpreters alike. The raw file keeps the records in the order they ran, and the run's
//! metadata keeps the seed.
//!
//! Time: the budget covers the whole run from the moment the plan starts. A batch is started
//! only when its predicted cost still fits; the predictions come from the pilot and then from
//! the measured batches (container start included).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::ProgressBar;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use whichpy_wire::{
    CellGroup, CellKey, CellSpec, ExecRecord, InterpSpec, Outcome, RunMeta, WorkloadKind,
    WorkloadMeta,
};

use crate::backend::Backend;
use crate::bench::say;
use crate::catalogue::Interpreter;
use crate::planner::{self, CellModel, Pilot, Shape};

/// Rounds after the pilot over which a deficit is spread (later rounds take what is left).
pub const ROUNDS: u32 = 4;

/// The catalogue set whose interpreters head the article (see `Cell::weight`).
pub const HEADLINE_SET: &str = "latest";
/// Marks a twin's copy of the baseline's catalogue entry inside the scheduler.
const TWIN_MARK: &str = "\u{0}aa-twin";

/// One cell of a planned run.
struct Cell {
    interp: Interpreter,
    workload: WorkloadMeta,
    key: CellKey,
    /// Process-level metric of every successful process execution (steady mean or wall).
    metrics: Vec<f64>,
    /// Wall times of the successful non-pilot process executions, ns.
    walls: Vec<f64>,
    next_process: u32,
    /// The pilots' readings (see [`Cell::pilot`]).
    pilots: Vec<Pilot>,
    shape: Option<Shape>,
    closed: Option<String>,
    /// Failed process executions (crashes, timeouts, wrong checksums…), and whether the
    /// latest one timed out (see [`Cell::should_close`]).
    failures: u32,
    last_timed_out: bool,
    /// The successful records so far (the probe's levels and the fast-state figures are
    /// computed from them, see [`refresh_metrics`]).
    records: Vec<ExecRecord>,
    /// The cell's target as a multiple of the headline cells' (`planner::CellModel::weight`).
    weight: f64,
}

impl Cell {
    fn kind(&self) -> WorkloadKind {
        self.workload.kind
    }
    /// The pilots as one (`planner::combine`).
    fn pilot(&self) -> Option<Pilot> {
        planner::combine(&self.pilots)
    }
    /// Whether the cell's pilot is still running: [`planner::PILOT_PROCESSES`] single-process
    /// batches for an iteration cell (in separate rounds), one batch for a startup cell.
    fn in_pilot(&self) -> bool {
        match self.kind() {
            // A service has no iterations to shape: its first process is its pilot.
            WorkloadKind::Startup | WorkloadKind::Process | WorkloadKind::Service => {
                self.next_process == 0
            }
            WorkloadKind::Iterations => self.next_process < planner::PILOT_PROCESSES,
        }
    }
    /// Whether a batch without a successful execution closes the cell. A timeout closes it at
    /// once (each costs the whole timeout); other failures close it once there are two and they
    /// outnumber the successes, so that one flaky crash (in a one-process pilot batch, say)
    /// does not cost the cell its whole run, while a workload that always crashes costs two
    /// process executions.
    fn should_close(&self) -> bool {
        self.last_timed_out || (self.failures >= 2 && self.failures as usize > self.metrics.len())
    }
    fn hw(&self) -> Option<f64> {
        whichpy_stats::relative_half_width(&self.metrics)
    }
    fn cv(&self) -> Option<f64> {
        let m = whichpy_stats::describe::mean(&self.metrics);
        whichpy_stats::describe::std_dev(&self.metrics).map(|s| s / m.abs())
    }
    /// Machine time of one more process execution, seconds.
    fn cost_s(&self) -> f64 {
        if !self.walls.is_empty() {
            return whichpy_stats::describe::mean(&self.walls) / 1e9;
        }
        match (self.pilot(), self.shape) {
            (Some(p), Some(s)) => planner::process_cost_ns(&p, s) / 1e9,
            _ => 1.0,
        }
    }
}

/// What a planned run did, for the closing lines.
pub struct Report {
    pub written: u64,
    pub failures: u64,
    pub infra_errors: Vec<String>,
    pub rounds: u32,
}

/// Run a planned run. `prior` holds the records of a resumed run; records leave this
/// function only through `file` (appended as they arrive, synced after every batch).
#[allow(clippy::too_many_arguments)]
pub fn run(
    backend: &mut dyn Backend,
    meta: &RunMeta,
    cells: Vec<(Interpreter, WorkloadMeta)>,
    prior: &[ExecRecord],
    file: &mut crate::runfile::RunFile,
    cancel: &AtomicBool,
    pb: &ProgressBar,
) -> anyhow::Result<Report> {
    // The backend's clock: monotonic, or the fake backend's simulated one.
    let start = backend.clock_s();
    let budget = meta.params.budget_s.unwrap_or(900.0);
    // A resumed run has spent about the wall time of what it recorded (plus container starts).
    let spent_before: f64 = prior.iter().map(|r| r.wall_ns as f64 / 1e9).sum::<f64>() * 1.1;
    let seed = meta.params.seed.unwrap_or(0);
    let pilot_s = meta.params.pilot_s.unwrap_or(planner::PILOT_SECONDS);
    let stop_at = meta.params.target_ci.unwrap_or(0.01);
    let (harness, workloads_dir) = backend.runner_paths();

    // The headline: when the run spans the `latest` set and others (`--interp all`), the
    // latest set's interpreters get the tight target and the rest BREADTH_WEIGHT times it.
    let in_latest = |i: &Interpreter| i.sets.iter().any(|s| s == HEADLINE_SET);
    let mixed = cells.iter().any(|(i, _)| in_latest(i)) && cells.iter().any(|(i, _)| !in_latest(i));
    // The A/A twin: the baseline's cells again, under the twin's id, in the same rounds.
    let mut cells = cells;
    if let Some(twin) = &meta.params.aa_twin {
        let copies: Vec<(Interpreter, WorkloadMeta)> = cells
            .iter()
            .filter(|(i, _)| i.id == twin.of)
            .cloned()
            .collect();
        cells.extend(copies.into_iter().map(|(mut i, w)| {
            // Only the key carries the twin's id: the backend runs the baseline's image.
            i.sets = vec![TWIN_MARK.to_owned()];
            (i, w)
        }));
    }
    let twin_id = meta.params.aa_twin.as_ref().map(|t| t.id.clone());
    let mut cells: Vec<Cell> = cells
        .into_iter()
        .map(|(interp, workload)| {
            let is_twin = interp.sets.iter().any(|s| s == TWIN_MARK);
            let key = CellKey {
                interp: match (&twin_id, is_twin) {
                    (Some(t), true) => t.clone(),
                    _ => interp.id.clone(),
                },
                workload: workload.name.clone(),
                size: meta.params.size,
            };
            // The twin is weighed as the baseline it copies.
            let weight = if !mixed || in_latest(&interp) || is_twin {
                1.0
            } else {
                planner::BREADTH_WEIGHT
            };
            Cell {
                interp,
                workload,
                key,
                metrics: Vec::new(),
                walls: Vec::new(),
                next_process: 0,
                pilots: Vec::new(),
                shape: None,
                closed: None,
                failures: 0,
                last_timed_out: false,
                records: Vec::new(),
                weight,
            }
        })
        .collect();
    let index: BTreeMap<CellKey, usize> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| (c.key.clone(), i))
        .collect();
    let mut report = Report {
        written: 0,
        failures: 0,
        infra_errors: Vec::new(),
        rounds: 0,
    };
    // Resumed records count as if they had just run.
    for r in prior {
        if let Some(&i) = index.get(&r.key()) {
            absorb(&mut cells[i], r);
        }
    }
    for c in cells.iter_mut() {
        fix_shape(c);
    }

    let elapsed = |now: f64| spent_before + now - start;
    pb.set_length(budget.ceil() as u64);
    let tick = |pb: &ProgressBar, now: f64| {
        pb.set_position(elapsed(now).min(budget) as u64);
    };
    // Container (or runner) start, per batch, seconds: measured as batches run.
    let mut overheads: Vec<f64> = Vec::new();
    let overhead = |o: &[f64]| {
        if o.is_empty() {
            0.5
        } else {
            whichpy_stats::describe::median(o)
        }
    };

    let mut round = 0u32;
    // Every pass (pilot rounds included) gets its own shuffle.
    let mut pass = 0u64;
    loop {
        pass += 1;
        if cancel.load(Ordering::SeqCst) {
            break;
        }
        // Who runs this round, and how many.
        let mut batches: Vec<(usize, u32)> = Vec::new();
        let pilots: Vec<usize> = (0..cells.len())
            .filter(|&i| cells[i].closed.is_none() && cells[i].in_pilot())
            .collect();
        let phase;
        if !pilots.is_empty() {
            phase = "pilot".to_owned();
            for i in pilots {
                let n = match cells[i].kind() {
                    WorkloadKind::Startup | WorkloadKind::Process => {
                        planner::PILOT_STARTUP_PROCESSES
                    }
                    WorkloadKind::Iterations | WorkloadKind::Service => 1,
                };
                batches.push((i, n));
            }
        } else {
            round += 1;
            phase = format!("round {round}");
            refresh_metrics(&mut cells);
            let remaining = budget - elapsed(backend.clock_s());
            let open: Vec<usize> = (0..cells.len())
                .filter(|&i| cells[i].closed.is_none())
                .collect();
            if open.is_empty() {
                break;
            }
            let worst = open
                .iter()
                .map(|&i| cells[i].hw().unwrap_or(f64::INFINITY))
                .fold(0.0, f64::max);
            if worst <= stop_at {
                say(
                    pb,
                    format!("every cell is within ±{:.1}%: done", stop_at * 100.0),
                );
                break;
            }
            let rounds_left = ROUNDS.saturating_sub(round - 1).max(1);
            // A round starts one container per interpreter with open cells (not one per cell):
            // that is the start-up cost to keep aside for each round left.
            let containers = open
                .iter()
                .map(|&i| cells[i].key.interp.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            let reserve = overhead(&overheads) * containers as f64 * rounds_left as f64;
            let models: Vec<CellModel> = cells
                .iter()
                .map(|c| CellModel {
                    kind: c.kind(),
                    have: c.metrics.len() as u32,
                    cv: c.cv(),
                    cost_s: c.cost_s(),
                    open: c.closed.is_none(),
                    weight: c.weight,
                })
                .collect();
            let (targets, h) = planner::allocate_with_floor(
                &models,
                (remaining - reserve).max(0.0),
                planner::FLOOR_TARGET,
            );
            let aim = planner::predicted_worst(&models, &targets)
                .unwrap_or(h)
                .max(h);
            let sizes = planner::round_sizes(&models, &targets, rounds_left);
            for (i, &n) in sizes.iter().enumerate() {
                if n > 0 {
                    batches.push((i, n));
                }
            }
            if batches.is_empty() {
                break;
            }
            say(
                pb,
                format!(
                    "[{:>4.0}s/{budget:.0}s] {phase}: {} cells, {} process executions, aiming at ±{:.2}%",
                    elapsed(backend.clock_s()),
                    batches.len(),
                    batches.iter().map(|b| b.1).sum::<u32>(),
                    aim * 100.0
                ),
            );
        }
        // The seeded shuffled order of this round: the interpreters' containers in a shuffled
        // order, and in each, the cells' process executions interleaved (see `interleave`).
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ pass.wrapping_mul(0x9E37_79B9));
        let mut groups: BTreeMap<String, Vec<(usize, u32)>> = BTreeMap::new();
        for (i, n) in batches {
            groups
                .entry(cells[i].key.interp.clone())
                .or_default()
                .push((i, n));
        }
        let mut groups: Vec<Vec<(usize, u32)>> = groups.into_values().collect();
        shuffle(&mut groups, &mut rng);
        let mut ran_any = false;
        for group in groups {
            if cancel.load(Ordering::SeqCst) {
                break;
            }
            // Slots that fit what is left of the budget (pilots always run: the plan needs them).
            let remaining = budget - elapsed(backend.clock_s()) - overhead(&overheads);
            let mut predicted = 0.0;
            let mut fitted: Vec<(usize, u32)> = Vec::new();
            for (i, n) in group {
                let c = &cells[i];
                let unit = c.cost_s();
                let mut take = n;
                if c.next_process > 0 {
                    let fits = ((remaining - predicted) / unit).floor().max(0.0) as u32;
                    take = take.min(fits);
                }
                if take > 0 {
                    predicted += unit * take as f64;
                    fitted.push((i, take));
                }
            }
            if fitted.is_empty() {
                continue;
            }
            let order = interleave(&fitted, &mut rng);
            let specs: Vec<CellSpec> = fitted
                .iter()
                .map(|&(i, n)| cell_spec(&cells[i], n, meta, pilot_s, &harness, &workloads_dir))
                .collect();
            let slot_of: Vec<usize> = fitted.iter().map(|&(i, _)| i).collect();
            let group = CellGroup {
                cells: specs,
                order: order.iter().map(|&k| k as u32).collect(),
            };
            let interp = cells[slot_of[0]].interp.clone();
            pb.set_message(format!(
                "{phase} {} ({} cells)",
                cells[slot_of[0]].key.interp,
                slot_of.len()
            ));
            let batch_start = backend.clock_s();
            let mut walls = 0.0;
            let mut got: Vec<ExecRecord> = Vec::new();
            let mut write_failed = false;
            let result = backend.run_group(&interp, &group, cancel, &mut |rec| {
                if let Err(e) = file.append(&rec) {
                    write_failed = true;
                    return Err(e);
                }
                walls += rec.wall_ns as f64 / 1e9;
                got.push(rec);
                Ok(())
            });
            let batch_s = backend.clock_s() - batch_start;
            if !write_failed {
                file.sync()?;
            }
            overheads.push((batch_s - walls).max(0.0));
            ran_any = true;
            // Records back to their cells, then each cell's own bookkeeping.
            let before: Vec<usize> = slot_of.iter().map(|&i| cells[i].metrics.len()).collect();
            let mut per_cell: Vec<Vec<&ExecRecord>> = vec![Vec::new(); slot_of.len()];
            for rec in &got {
                if let Some(k) = slot_of.iter().position(|&i| cells[i].key == rec.key()) {
                    per_cell[k].push(rec);
                }
            }
            for (k, &i) in slot_of.iter().enumerate() {
                let cell = &mut cells[i];
                let pilot = cell.in_pilot();
                for rec in &per_cell[k] {
                    report.written += 1;
                    match &rec.outcome {
                        Outcome::Ok | Outcome::Unsupported { .. } => {}
                        _ => {
                            report.failures += 1;
                            say(pb, crate::bench::describe_failure(rec));
                        }
                    }
                    absorb(cell, rec);
                }
                if pilot && !cell.in_pilot() {
                    fix_shape(cell);
                    if let (Some(s), Some(p)) = (cell.shape, cell.pilot()) {
                        say(
                            pb,
                            format!(
                                "  pilot {}: {} iterations × {} loops per process (warm-up {} calls{}), ~{:.2} s a process",
                                cell.key,
                                s.iterations,
                                s.loops,
                                p.warmup_calls,
                                if p.steady { "" } else { ", no steady state in the pilot" },
                                planner::process_cost_ns(&p, s) / 1e9
                            ),
                        );
                    }
                } else if !per_cell[k].is_empty() {
                    // Without a terminal to draw the bar on (CI, a pipe), or with -v: a line
                    // per cell and round.
                    let hw = cell
                        .hw()
                        .map_or("no interval".to_owned(), |h| format!("±{:.2}%", h * 100.0));
                    crate::output::cell_line(
                        pb,
                        format!(
                            "[{:>4.0}s/{budget:.0}s] {}: +{} → {} processes, {hw}",
                            elapsed(backend.clock_s()),
                            cell.key,
                            per_cell[k].len(),
                            cell.metrics.len()
                        ),
                    );
                }
                if cell.metrics.len() == before[k]
                    && !per_cell[k].is_empty()
                    && cell.closed.is_none()
                    && cell.should_close()
                {
                    cell.closed = Some(format!(
                        "no successful process execution in its last batch ({} failed in all)",
                        cell.failures
                    ));
                }
            }
            if let Err(e) = result {
                if cancel.load(Ordering::SeqCst) {
                    break;
                }
                if write_failed {
                    // The raw file cannot take more: stop, start no more containers.
                    return Err(e);
                }
                // The cell whose slot was running when the container failed is closed; the
                // others of the group keep their place in the next round.
                let k = order.get(got.len()).copied().unwrap_or(0);
                let cell = &mut cells[slot_of[k]];
                say(pb, format!("error in {}: {e:#}", cell.key));
                report.infra_errors.push(cell.key.to_string());
                cell.closed = Some(format!("{e:#}"));
            }
            tick(pb, backend.clock_s());
        }
        if !ran_any && round > 0 {
            break;
        }
    }
    report.rounds = round;
    Ok(report)
}

/// Take one record into a cell's state.
fn absorb(cell: &mut Cell, rec: &ExecRecord) {
    cell.next_process = cell.next_process.max(rec.process.saturating_add(1));
    match &rec.outcome {
        Outcome::Unsupported { reason } => cell.closed = Some(reason.clone()),
        Outcome::Ok => {
            cell.last_timed_out = false;
            cell.records.push(rec.clone());
            if let Some(m) = crate::bench::adaptive_metric(rec) {
                cell.metrics.push(m);
            }
            if rec.process < planner::PILOT_PROCESSES
                && cell.workload.kind == WorkloadKind::Iterations
            {
                cell.pilots.extend(planner::pilot_of(rec));
            } else {
                cell.walls.push(rec.wall_ns as f64);
            }
        }
        failed => {
            cell.failures += 1;
            cell.last_timed_out = matches!(failed, Outcome::TimedOut { .. });
        }
    }
}

/// Fix a cell's iterations and loops once its pilot is in.
fn fix_shape(cell: &mut Cell) {
    if cell.shape.is_some() || cell.in_pilot() {
        return;
    }
    cell.shape = match cell.workload.kind {
        WorkloadKind::Startup | WorkloadKind::Process | WorkloadKind::Service => Some(Shape {
            iterations: 0,
            loops: 1,
        }),
        WorkloadKind::Iterations => cell
            .pilot()
            .map(|p| planner::choose_iterations(&p, planner::PILOT_CV_BETWEEN)),
    };
}

/// Shuffle in place (Fisher–Yates on the run's ChaCha stream).
fn shuffle<T>(xs: &mut [T], rng: &mut ChaCha8Rng) {
    for k in (1..xs.len()).rev() {
        let j = (rng.next_u64() % (k as u64 + 1)) as usize;
        xs.swap(k, j);
    }
}

/// The order of one container's slots: each `(cell, n)` gives `n` slots, shuffled, and then
/// no slot is followed by one of the same cell where another cell can go between them (a
/// cell's processes are spread across the round, so a slow spell does not fall on one cell's
/// processes back to back). Returns indices into `batches`.
pub(crate) fn interleave(batches: &[(usize, u32)], rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut slots: Vec<usize> = batches
        .iter()
        .enumerate()
        .flat_map(|(k, &(_, n))| std::iter::repeat_n(k, n as usize))
        .collect();
    shuffle(&mut slots, rng);
    // Greedy repair: where two neighbours are the same cell, swap in the nearest later slot
    // of another cell; a tail left with one cell only cannot be helped.
    for a in 1..slots.len() {
        if slots[a] == slots[a - 1] {
            if let Some(b) = (a + 1..slots.len()).find(|&b| {
                slots[b] != slots[a - 1]
                    && (a + 1 >= slots.len() || slots[b] != slots[a + 1] || b == a + 1)
            }) {
                slots.swap(a, b);
            }
        }
    }
    slots
}

/// The spec of `n` process executions of a cell, pilot or planned.
fn cell_spec(
    c: &Cell,
    n: u32,
    meta: &RunMeta,
    pilot_s: f64,
    harness: &std::path::Path,
    workloads_dir: &std::path::Path,
) -> CellSpec {
    let pilot = c.in_pilot();
    let shape = c.shape.unwrap_or(Shape {
        iterations: planner::PILOT_MAX_ITERATIONS,
        loops: 1,
    });
    CellSpec {
        interp: InterpSpec {
            // The A/A twin runs the baseline's interpreter under its own id.
            id: c.key.interp.clone(),
            family: c.interp.family,
            executable: c.interp.executable.clone(),
            flags: c.interp.flags.clone(),
            board: None,
        },
        workload: c.workload.clone(),
        size: meta.params.size,
        processes: n,
        first_process: c.next_process,
        iterations: if pilot {
            planner::PILOT_MAX_ITERATIONS
        } else {
            shape.iterations
        },
        loops: if pilot { 1 } else { shape.loops },
        pilot_s: (pilot && c.kind() == WorkloadKind::Iterations).then_some(pilot_s),
        timeout_s: bench_runner::service::timeout_s(
            &c.workload,
            meta.params.size,
            meta.params.timeout_s,
        ),
        harness: harness.to_path_buf(),
        workloads_dir: workloads_dir.to_path_buf(),
    }
}

/// Every cell's process-level figures as `analyse` will take them (fast-state where the probe
/// allows, see `whichpy_stats::state::process_figures`), from the records so far, with the
/// machine's fast levels learned from every cell of each interpreter.
fn refresh_metrics(cells: &mut [Cell]) {
    let levels = whichpy_stats::state::Levels::learn(
        cells.iter().flat_map(|c| c.records.iter().map(|r| ("", r))),
    );
    for cell in cells.iter_mut() {
        let recs: Vec<&ExecRecord> = cell.records.iter().collect();
        if recs.is_empty() {
            continue;
        }
        let warmup = cell.pilot().map(|p| p.warmup_calls);
        cell.metrics = whichpy_stats::state::process_figures(&levels, "", &recs, 1, warmup);
    }
}
