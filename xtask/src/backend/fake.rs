//! `--backend fake`: a test instrument, not a way to measure. It answers `prepare` and
//! `run_cell` from a seeded model of each cell (startup time, warm-up curve, steady-state
//! mean, between- and within-process noise, failures), so that whole runs, the planner and
//! `--resume` are tested in milliseconds without an engine or interpreters, as hyperfine
//! tests its runs with a fake executor. The real proof stays the native and docker tests.
//!
//! - Its records take bench-runner's path: each is serialised as an `exec` line and read back
//!   through [`super::read_records`], the parser of bench-runner's stdout.
//! - Its clock is simulated: a process execution advances it by its wall time, a batch by the
//!   model's `batch_overhead_s` (a container start). Nothing sleeps, and a planned run spends
//!   its budget on this clock ([`Backend::clock_s`]), so a 15-minute plan runs in well under a
//!   second.
//! - Deterministic: a record is a function of the model's seed, the cell, the process index
//!   and the spec (iterations, loops, pilot), never of the order cells run in, so a resumed
//!   run gets the records an uninterrupted one gets.
//! - Its runs say what they are: the metadata's backend and the run id end in `fake`.
//!
//! The model is a TOML file (`--fake-model FILE`), for example:
//!
//! ```toml
//! seed = 1
//! batch_overhead_s = 0.3        # simulated start of a container, per batch
//! # interrupt_after = 7         # stop the run (as Ctrl-C does) after 7 records
//!
//! [[interpreter]]
//! id = "cpython-3.13"           # a catalogue id
//! version = "3.13.5"
//! python = "3.13.5"
//!
//! [[cell]]
//! interp = "cpython-3.13"
//! workload = "nbody"
//! startup_ms = 20.0             # spawn to first iteration (a startup cell's whole time)
//! first_ms = 30.0               # the first 10 calls of `run` take 30 ms,
//! warmup_calls = 10             # the later ones steady_ms
//! steady_ms = 12.0
//! between_cv = 0.03             # spread of process means
//! within_cv = 0.01              # spread of iterations within a process
//! failure = { outcome = "crashed", processes = [2] }   # optional; no processes: all fail
//! slow_penalty = 1.5            # this cell's factor while the machine is slow [default 1]
//!
//! [machine]                     # optional: the machine's slow state, as measured on these VMs
//! slow_share = 0.4              # share of time in the slow state
//! stay_min_s = 0.3              # a stay lasts log-uniformly between these
//! stay_max_s = 15.0
//! drift = 0.005                 # the fast level drifts by ±0.5%…
//! drift_period_s = 300.0        # …over this period
//! probe_us = 200.0              # the probe's time in the fast state
//! probe_penalty = 1.4           # and its factor in the slow state
//! probe_cv = 0.01
//! ```
//!
//! With a `[machine]`, each record also depends on when it ran (the regime is a function of
//! the simulated clock, drawn once from the seed), as on the real machine; without one, a
//! record depends only on the seed, the cell and the process, and carries no probes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Deserialize;
use whichpy_wire::{
    to_jsonl, BackendKind, CellSpec, ClockInfo, ExecRecord, Family, ImplInfo, InterpInfo, Noise,
    Outcome, RawLine, WorkloadKind, PILOT_MIN_ITERATIONS,
};

use super::Backend;
use crate::catalogue::Interpreter;

/// The model a fake backend draws its records from (the module doc shows the file).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Seed of every random draw.
    pub seed: u64,
    /// Simulated seconds each batch costs beyond its process executions.
    #[serde(default = "default_overhead")]
    pub batch_overhead_s: f64,
    /// Stop the run, as a Ctrl-C does, after this many records.
    #[serde(default)]
    pub interrupt_after: Option<u64>,
    #[serde(rename = "interpreter", default)]
    pub interpreters: Vec<ModelInterp>,
    #[serde(rename = "cell", default)]
    pub cells: Vec<ModelCell>,
    #[serde(default)]
    pub machine: Option<MachineModel>,
}

/// The machine's two states (see the module doc).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineModel {
    pub slow_share: f64,
    pub stay_min_s: f64,
    pub stay_max_s: f64,
    #[serde(default)]
    pub drift: f64,
    #[serde(default = "default_drift_period")]
    pub drift_period_s: f64,
    pub probe_us: f64,
    pub probe_penalty: f64,
    #[serde(default)]
    pub probe_cv: f64,
}

fn default_drift_period() -> f64 {
    300.0
}

/// The regime on the simulated clock: alternating stays, drawn from the model's seed as the
/// clock reaches them, so that the state at a time does not depend on who asks first.
#[derive(Clone, Debug)]
struct Regime {
    rng: ChaCha8Rng,
    /// The drift's phase at time 0, radians (drawn from the seed: a run does not start at a
    /// fixed point of the machine's drift).
    phase: f64,
    /// Ends of the stays so far; stay `k` is slow when `k` is odd.
    ends: Vec<f64>,
}

impl Regime {
    fn new(seed: u64) -> Regime {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_51A7);
        let phase = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * std::f64::consts::TAU;
        Regime {
            rng,
            phase,
            ends: Vec::new(),
        }
    }

    fn slow_at(&mut self, m: &MachineModel, t: f64) -> bool {
        while self.ends.last().is_none_or(|&e| e <= t) {
            let k = self.ends.len();
            let u = ((self.rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            let stay = m.stay_min_s * (m.stay_max_s / m.stay_min_s).powf(u);
            let share = m.slow_share.clamp(1e-6, 1.0 - 1e-6);
            let len = if k % 2 == 1 {
                stay
            } else {
                stay * (1.0 - share) / share
            };
            let start = self.ends.last().copied().unwrap_or(0.0);
            self.ends.push(start + len);
        }
        let k = self.ends.partition_point(|&e| e <= t);
        k % 2 == 1
    }
}

/// The machine's factor at `t` for a cell: the drift of the fast level, times the cell's
/// penalty when slow.
fn machine_factor(m: &MachineModel, regime: &mut Regime, penalty: f64, t: f64) -> f64 {
    let drift = 1.0 + m.drift * (std::f64::consts::TAU * t / m.drift_period_s + regime.phase).sin();
    if regime.slow_at(m, t) {
        drift * penalty
    } else {
        drift
    }
}

fn default_overhead() -> f64 {
    0.3
}

/// What a modelled interpreter says it is.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInterp {
    pub id: String,
    pub version: String,
    pub python: String,
}

/// One modelled cell (interpreter × workload, at every size).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCell {
    pub interp: String,
    pub workload: String,
    /// Spawn to the first iteration, ms; a startup cell's whole wall time.
    pub startup_ms: f64,
    /// Steady-state time of one call of `run`, ms (iteration cells).
    #[serde(default)]
    pub steady_ms: f64,
    /// Time of a call during the warm-up, ms [default: steady_ms, no warm-up].
    #[serde(default)]
    pub first_ms: Option<f64>,
    /// Calls that take `first_ms`; the later ones take `steady_ms`.
    #[serde(default)]
    pub warmup_calls: u32,
    /// Coefficient of variation of process means (the process's own speed).
    #[serde(default)]
    pub between_cv: f64,
    /// Coefficient of variation of one call within a process.
    #[serde(default)]
    pub within_cv: f64,
    #[serde(default = "default_rss")]
    pub rss_kib: u64,
    #[serde(default)]
    pub failure: Option<FailureModel>,
    /// Factor on this cell's times while the machine is slow (a `[machine]` model).
    #[serde(default = "default_penalty")]
    pub slow_penalty: f64,
}

fn default_penalty() -> f64 {
    1.0
}

fn default_rss() -> u64 {
    10_000
}

/// Which process executions of a cell fail, and how.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureModel {
    pub outcome: FailKind,
    /// Process indices that fail; empty: every one.
    #[serde(default)]
    pub processes: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailKind {
    Crashed,
    TimedOut,
    WrongChecksum,
    BadOutput,
    OutOfMemory,
    SpawnFailed,
}

impl Model {
    pub fn load(path: &Path) -> anyhow::Result<Model> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the fake model {}", path.display()))?;
        let model: Model = toml::from_str(&text).with_context(|| {
            format!(
                "{}: not a fake model (see xtask/src/backend/fake.rs)",
                path.display()
            )
        })?;
        Ok(model)
    }

    fn cell(&self, interp: &str, workload: &str) -> Option<&ModelCell> {
        self.cells
            .iter()
            .find(|c| c.interp == interp && c.workload == workload)
    }
}

/// The fake backend: a [`Model`] and a simulated clock.
pub struct Fake {
    model: Model,
    path: PathBuf,
    /// Simulated seconds since the backend was opened.
    clock_s: f64,
    /// Records handed out so far (for `interrupt_after`).
    delivered: u64,
    /// The machine's regime (a `[machine]` model only).
    regime: Regime,
}

impl Fake {
    pub fn new(model: Model, path: &Path) -> Fake {
        Fake {
            path: path.to_owned(),
            clock_s: 0.0,
            delivered: 0,
            regime: Regime::new(model.seed),
            model,
        }
    }

    pub fn open(path: &Path) -> anyhow::Result<Fake> {
        Ok(Fake::new(Model::load(path)?, path))
    }
}

impl Backend for Fake {
    fn kind(&self) -> BackendKind {
        BackendKind::Fake
    }

    fn prepare(&mut self, interp: &Interpreter) -> anyhow::Result<InterpInfo> {
        let Some(m) = self.model.interpreters.iter().find(|m| m.id == interp.id) else {
            bail!(
                "`{}` is not in the fake model {} (add an [[interpreter]] with id = \"{}\")",
                interp.id,
                self.path.display(),
                interp.id
            );
        };
        let implementation = ImplInfo {
            name: interp.family.as_str().to_owned(),
            version: m.version.clone(),
            python: m.python.clone(),
            sys_version: format!("{} (a fake interpreter: --backend fake)", m.python),
        };
        super::interp_info(
            interp,
            format!("fake:{}", interp.id),
            implementation,
            None,
            "the fake model",
        )
    }

    fn runner_paths(&self) -> (PathBuf, PathBuf) {
        (
            PathBuf::from("fake/harness.py"),
            PathBuf::from("fake/workloads"),
        )
    }

    fn cpus(&self) -> Option<String> {
        None
    }

    fn clock_s(&self) -> f64 {
        self.clock_s
    }

    fn run_cell(
        &mut self,
        interp: &Interpreter,
        spec: &CellSpec,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.clock_s += self.model.batch_overhead_s;
        self.run_processes(interp, spec, cancel, on_record)
    }

    /// One container for the whole group, as the docker backend does: one start-up.
    fn run_group(
        &mut self,
        interp: &Interpreter,
        group: &whichpy_wire::CellGroup,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.clock_s += self.model.batch_overhead_s;
        let mut next: Vec<u32> = group.cells.iter().map(|c| c.first_process).collect();
        let mut closed = vec![false; group.cells.len()];
        for &i in &group.order {
            if cancel.load(Ordering::SeqCst) {
                return Ok(());
            }
            let i = i as usize;
            if closed[i] {
                continue;
            }
            let mut spec = group.cells[i].clone();
            spec.first_process = next[i];
            spec.processes = 1;
            next[i] += 1;
            // An unsupported cell answers once, as bench-runner's group does.
            closed[i] = spec.workload.unsupported.contains_key(&spec.interp.family);
            self.run_processes(interp, &spec, cancel, on_record)?;
        }
        Ok(())
    }
}

impl Fake {
    /// The process executions of `spec`, drawn from the model (no start-up cost).
    fn run_processes(
        &mut self,
        interp: &Interpreter,
        spec: &CellSpec,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let source = format!("fake backend ({})", self.path.display());
        let mut deliver = |rec: ExecRecord| {
            super::read_records(&source, to_jsonl(&RawLine::Exec(rec)).as_bytes(), on_record)
        };
        if let Some(reason) = spec.workload.unsupported.get(&spec.interp.family) {
            // As bench-runner does: one record closes the cell, nothing runs.
            let mut rec = bench_runner::blank_record(spec, spec.first_process, Outcome::Ok);
            rec.outcome = Outcome::Unsupported {
                reason: reason.clone(),
            };
            return deliver(rec);
        }
        // The catalogue entry's id: an A/A twin (`spec.interp.id` = `<baseline>.aa`) draws
        // from its baseline's model, with its own stream.
        let Some(cell) = self.model.cell(&interp.id, &spec.workload.name) else {
            bail!(
                "no [[cell]] for {} in the fake model {}",
                spec.key(),
                self.path.display()
            );
        };
        let cell = cell.clone();
        for process in spec.first_process..spec.first_process + spec.processes {
            if cancel.load(Ordering::SeqCst) {
                return Ok(());
            }
            let machine = self
                .model
                .machine
                .as_ref()
                .map(|m| (m, &mut self.regime, self.clock_s));
            let rec = record(self.model.seed, &cell, spec, process, machine);
            self.clock_s += rec.wall_ns as f64 / 1e9;
            deliver(rec)?;
            self.delivered += 1;
            if self.model.interrupt_after == Some(self.delivered) {
                cancel.store(true, Ordering::SeqCst);
                return Ok(());
            }
        }
        Ok(())
    }
}

/// The stream of draws of one process execution: the same for the same seed, cell, size and
/// process, whatever ran before it.
fn stream(seed: u64, spec: &CellSpec, process: u32) -> ChaCha8Rng {
    use sha2::Digest;
    let key = format!(
        "{seed}\0{}\0{}\0{}\0{process}",
        spec.interp.id, spec.workload.name, spec.size
    );
    ChaCha8Rng::from_seed(sha2::Sha256::digest(key).into())
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let uniform =
        |rng: &mut ChaCha8Rng| ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let (u1, u2) = (uniform(rng), uniform(rng));
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A factor of mean 1 and coefficient of variation about `cv` (log-normal, never negative).
fn factor(rng: &mut ChaCha8Rng, cv: f64) -> f64 {
    let sigma = (1.0 + cv * cv).ln().sqrt();
    (sigma * normal(rng) - sigma * sigma / 2.0).exp()
}

/// Time of call `call` of `run` in a process of average speed, ns: the warm-up curve, a step
/// from `first_ms` to `steady_ms` after `warmup_calls` calls (a JIT's compiled code taking
/// over), so that the model's steady state is exactly known.
fn curve_ns(cell: &ModelCell, call: f64) -> f64 {
    let steady = cell.steady_ms * 1e6;
    match cell.first_ms {
        Some(first) if call < f64::from(cell.warmup_calls) => first * 1e6,
        _ => steady,
    }
}

/// One process execution of `cell`, drawn from the model.
fn record(
    seed: u64,
    cell: &ModelCell,
    spec: &CellSpec,
    process: u32,
    mut machine: Option<(&MachineModel, &mut Regime, f64)>,
) -> ExecRecord {
    let mut rng = stream(seed, spec, process);
    // The machine's state where the process is at `t` (seconds into the simulated clock),
    // and the probe bench-runner would run there.
    let start_s = machine.as_ref().map_or(0.0, |(_, _, s)| *s);
    let probe = machine
        .as_ref()
        .map(|(m, _, _)| (m.probe_us * 1e3, m.probe_penalty, m.probe_cv));
    let mut factor_at = |t: f64, penalty: f64| match machine.as_mut() {
        Some((m, regime, _)) => machine_factor(m, regime, penalty, t),
        None => 1.0,
    };
    let mut rec = bench_runner::blank_record(spec, process, Outcome::Ok);
    let speed = factor(&mut rng, cell.between_cv);
    let startup_ns = cell.startup_ms * 1e6 * factor(&mut rng, cell.within_cv);
    let failure = cell
        .failure
        .as_ref()
        .filter(|f| f.processes.is_empty() || f.processes.contains(&process))
        .map(|f| f.outcome);
    if failure == Some(FailKind::SpawnFailed) {
        rec.outcome = Outcome::SpawnFailed {
            reason: format!(
                "fake:{}: the model says this process cannot start",
                spec.interp.id
            ),
        };
        return rec;
    }
    let mut wall_ns = startup_ns * speed;
    let mut probes: Vec<u64> = Vec::new();
    let mut probe_at =
        |t: f64, rng: &mut ChaCha8Rng, factor_at: &mut dyn FnMut(f64, f64) -> f64| {
            if let Some((base, penalty, cv)) = probe {
                let ns = base * factor_at(t, penalty) * factor(rng, cv);
                probes.push(ns.round().max(1.0) as u64);
                ns
            } else {
                0.0
            }
        };
    if spec.workload.kind != WorkloadKind::Iterations {
        let before = probe_at(start_s, &mut rng, &mut factor_at);
        wall_ns *= factor_at(start_s + before / 1e9, cell.slow_penalty);
        probe_at(start_s + (before + wall_ns) / 1e9, &mut rng, &mut factor_at);
    }
    if spec.workload.kind == WorkloadKind::Iterations {
        let resolution: u64 = if spec.interp.family == Family::Micropython {
            1_000
        } else {
            1
        };
        let loops = spec.loops.max(1);
        let within = cell.within_cv / f64::from(loops).sqrt();
        let pilot_ns = spec.pilot_s.map(|s| s * 1e9);
        let mut spent_ns = 0.0;
        let mut probe_ns = 0.0;
        for i in 0..spec.iterations {
            let now = start_s + (wall_ns + spent_ns + probe_ns) / 1e9;
            probe_ns += probe_at(now, &mut rng, &mut factor_at);
            let now = start_s + (wall_ns + spent_ns + probe_ns) / 1e9;
            let middle = f64::from(i) * f64::from(loops) + f64::from(loops) / 2.0;
            let per_call = curve_ns(cell, middle)
                * speed
                * factor(&mut rng, within)
                * factor_at(now, cell.slow_penalty);
            let per_call = ((per_call / resolution as f64).round() as u64).max(1) * resolution;
            rec.iterations_ns.push(per_call);
            spent_ns += (per_call * u64::from(loops)) as f64;
            if pilot_ns.is_some_and(|p| spent_ns >= p) && i + 1 >= PILOT_MIN_ITERATIONS {
                break;
            }
        }
        if probe.is_some() {
            let now = start_s + (wall_ns + spent_ns + probe_ns) / 1e9;
            probe_ns += probe_at(now, &mut rng, &mut factor_at);
        }
        wall_ns += spent_ns + probe_ns;
        rec.clock = Some(ClockInfo {
            name: if resolution == 1 {
                "perf_counter_ns"
            } else {
                "ticks_us"
            }
            .to_owned(),
            resolution_ns: resolution,
        });
        rec.checksum = spec
            .workload
            .sizes
            .get(spec.size)
            .map(|s| s.checksum.clone());
    }
    rec.wall_ns = wall_ns.round().max(1.0) as u64;
    rec.probes_ns = probes;
    rec.user_ns = rec.wall_ns / 100 * 95;
    rec.sys_ns = rec.wall_ns / 100 * 4;
    rec.max_rss_kib = cell.rss_kib;
    rec.noise = Some(Noise {
        foreign_cpu_ns: 0,
        steal_ns: 0,
    });
    let tail = |what: &str| format!("fake model: process {process} {what}");
    if let Some(kind) = failure {
        rec.outcome = match kind {
            FailKind::Crashed => Outcome::Crashed {
                exit_code: Some(1),
                signal: None,
            },
            FailKind::TimedOut => Outcome::TimedOut {
                after_s: spec.timeout_s,
            },
            FailKind::WrongChecksum => Outcome::WrongChecksum {
                expected: spec
                    .workload
                    .sizes
                    .get(spec.size)
                    .map(|s| s.checksum.clone())
                    .unwrap_or_default(),
                got: "fake-wrong".to_owned(),
            },
            FailKind::BadOutput => Outcome::BadOutput {
                reason: "fake model: no protocol output".to_owned(),
            },
            FailKind::OutOfMemory => Outcome::OutOfMemory,
            FailKind::SpawnFailed => unreachable!("handled above"),
        };
        match kind {
            FailKind::WrongChecksum => rec.checksum = Some("fake-wrong".to_owned()),
            FailKind::TimedOut => {
                // Killed at the deadline: no result, whatever iterations fitted.
                rec.wall_ns = (spec.timeout_s * 1e9) as u64;
                let mut left = rec.wall_ns;
                rec.iterations_ns.retain(|&ns| {
                    let cost = ns * u64::from(spec.loops.max(1));
                    let keep = cost <= left;
                    left = left.saturating_sub(cost);
                    keep
                });
                rec.checksum = None;
            }
            _ => {
                // Died half-way: half the iterations, no result.
                let half = rec.iterations_ns.len() / 2;
                rec.iterations_ns.truncate(half);
                rec.checksum = None;
            }
        }
        rec.stderr_tail = tail(rec.outcome.label());
    }
    rec
}
