//! `results/summary.json`: what `analyse` hands to the renderer of the article and the site.
//!
//! Boundary: `whichpy-stats::summarise` (pure) -> this file -> templates and charts. The
//! renderer needs nothing else: every figure, interval, verdict, warning and the environment
//! the numbers were measured in are here. [`SUMMARY_SCHEMA`] is bumped on any incompatible
//! change; a reader rejects a version it does not know.
//!
//! Conventions:
//! - times are nanoseconds as `f64` (`*_ns`), memory is KiB (`*_kib`);
//! - a ratio is `time(interp) / time(baseline)`: below 1 means the interpreter is faster;
//! - every interval is a 95% interval; `ci: None` means it could not be computed (one sample);
//! - every collection is a `Vec` in a documented order or a `BTreeMap`, so the same data gives
//!   byte-identical JSON.
//!
//! Iteration series: the full per-process series stay in the raw files. The summary keeps, per
//! cell, the mean, minimum and maximum across process executions at each iteration index
//! ([`IterationProfile`], enough for a warm-up chart with a band), and per process execution its
//! changepoints and segment means ([`ProcessSummary`], enough to draw each execution's
//! step line). That keeps the summary small whatever `--target-ci` adds.
//!
//! Service cells (`kind: service`, the web service) have no times to compare: their figures
//! are latencies per request rate, in [`Summary::web`] ([`WebCell`]): per rate the p50, p95
//! and p99 of each process execution, then a Student-t interval over executions, the p95's
//! ratio against the baseline at the same rate, and the highest rate sustained under the
//! load's latency bound. A summary written before service cells existed has no `web` and
//! reads as one without service cells.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{BackendKind, CellKey, Family, InterpInfo, Machine, Outcome, RunParams, SizeName};
use crate::{WorkloadKind, WorkloadMeta};

/// Version of the summary format. Bump on any incompatible change.
pub const SUMMARY_SCHEMA: u32 = 1;

/// The whole analysis of one machine's raw data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub schema: u32,
    /// The parameters the analysis ran with.
    pub analysis: AnalysisParams,
    pub environment: Environment,
    /// The workloads of the suite that appear in the data, in suite order.
    pub workloads: Vec<WorkloadMeta>,
    /// One per (interp, workload, size) present in the data, sorted by [`CellKey`].
    pub cells: Vec<CellSummary>,
    /// Every non-baseline interpreter against the baseline, per workload, size and metric.
    /// Sorted by (workload, size, metric, interp).
    pub comparisons: Vec<Comparison>,
    /// Geometric mean of the ratios over workloads, per interpreter, size and metric.
    pub geomeans: Vec<GeoMean>,
    /// Where the cumulative-time curves of an interpreter and the baseline cross.
    /// Only pairs that cross (one is faster cold, the other faster warm) are listed.
    pub crossovers: Vec<Crossover>,
    /// Which interpreter runs which workload: supported, failed (how) or unsupported (why).
    pub compatibility: Vec<CompatEntry>,
    /// Quality warnings, in the spirit of `pyperf check`; each says what to do next.
    pub warnings: Vec<Warning>,
    /// How precise the figures came out, over the cells that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// Set by `cargo xtask merge`: which machines the shards ran on and how their numbers were
    /// combined. Absent from a summary made by `analyse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeInfo>,
    /// The memory floor (`results/floor.json`, from `cargo xtask floor`), attached by
    /// `analyse` when it comes from the same machine. Absent when it was never measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<crate::floor::FloorFile>,
    /// The scaling curves (`results/scaling.json`, from `cargo xtask scaling`), attached by
    /// `analyse` when it comes from the same machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<crate::scaling::ScalingFile>,
    /// Service cells' latencies per rate, sorted by [`CellKey`] (empty without service cells).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub web: Vec<WebCell>,
    /// MicroPython on an emulated microcontroller (`bench --interp microbit`), from its own
    /// run in `results/mcu`: emulated instructions, never pooled with the cells above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcu: Option<McuSummary>,
    /// The machine's state over the run, from the probe beside every iteration
    /// (`ExecRecord::probes_ns`): the fast levels and the share of time spent slow. Absent for
    /// data recorded before the probe existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_state: Option<MachineState>,
    /// The noise floor: the baseline measured against itself (an A/A pair of cells in the same
    /// rounds). No verdict calls a difference smaller than `floor` faster or slower. Absent when
    /// the run had no A/A pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_floor: Option<NoiseFloor>,
}

/// What the machine-state probe saw over the analysed runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MachineState {
    /// The fast level learned per run and interpreter, ns.
    pub levels: Vec<ProbeLevel>,
    /// A probe at most this many times its level is fast.
    pub fast_factor: f64,
    /// Share of the iteration (and whole-process) time that ran in the slow state, over every
    /// cell with probes.
    pub slow_share: f64,
    /// Cells whose figures are fast-state estimates, and cells that fell back to every
    /// iteration (fewer than two process executions with enough fast-state iterations).
    pub fast_cells: u32,
    pub fallback_cells: u32,
}

/// Process executions with enough fast-state iterations that the planner gives a cell before
/// its interval counts (a cell with two to four keeps a fast-state estimate with a wide
/// interval; with fewer, its figures come from every iteration: `CellState::basis`).
pub const MIN_FAST_PROCESSES: u32 = 5;

/// One fast level of the machine-state probe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeLevel {
    pub run_id: String,
    pub interp: String,
    pub level_ns: f64,
    /// Probes it was learned from.
    pub probes: u32,
}

/// Where a cell's figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateBasis {
    /// Fast-state iterations (and fast-state processes for whole-process cells).
    Fast,
    /// Every iteration: fewer than two process executions had enough fast-state iterations.
    AllIterations,
}

/// A cell's view of the machine's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellState {
    pub basis: StateBasis,
    /// Share of the cell's iteration time (whole-process cells: process time) in the slow state.
    pub slow_share: f64,
    /// Process executions with enough fast-state iterations (whole-process cells: fast
    /// processes).
    pub fast_processes: u32,
    /// The loaded-machine figure: the warm mean over every steady iteration (whole-process
    /// cells: every process's wall time), fast and slow alike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded_ns: Option<Estimate>,
}

/// The baseline against itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoiseFloor {
    pub baseline: String,
    /// The twin's interpreter id in the raw files (the baseline under another id).
    pub twin: String,
    /// Per workload and metric: twin / baseline.
    pub ratios: Vec<AaRatio>,
    /// Per metric, the relative difference under which no verdict is faster or slower
    /// (0.02 = 2%): `exp(max |ln r|) - 1` over that metric's A/A ratios `r`.
    pub floors: BTreeMap<Metric, f64>,
}

impl NoiseFloor {
    /// Whether a ratio of `metric` is within the floor (too small a difference to call).
    pub fn within(&self, metric: Metric, ratio: f64) -> bool {
        self.floors
            .get(&metric)
            .is_some_and(|f| ratio.ln().abs() <= (1.0 + f).ln())
    }
}

/// One A/A ratio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AaRatio {
    pub workload: String,
    pub size: SizeName,
    pub metric: Metric,
    pub ratio: f64,
    pub ci: Interval,
}

/// A service cell's latencies (see the module doc), from its `ok` process executions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebCell {
    pub key: CellKey,
    /// Process executions behind the figures.
    pub processes: u32,
    /// The latency bound of "sustained": p95 at most this many ms (from the load).
    pub bound_ms: f64,
    /// The first seconds of each process execution (a warm-up phase at the lowest rate),
    /// reported apart from the steady state; `None` when the load had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<RateLatency>,
    /// The steady-state rates, ascending.
    pub rates: Vec<RateLatency>,
    /// The highest rate that every process execution sustained; `None` when not even the
    /// lowest was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sustained_rps: Option<u32>,
    /// Each process execution's highest sustained rate (0 for none), requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sustained: Option<Estimate>,
}

/// Latency at one request rate, over process executions: each estimate's samples are one
/// per execution (that execution's quantile from its HDR histogram), in ns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateLatency {
    /// Requests per second asked for.
    pub rate: u32,
    /// Process executions that ran this rate (escalation stops after an overloaded rate).
    pub executions: u32,
    /// Of them, how many sustained it (p95 within the bound, every request answered right).
    pub sustained_by: u32,
    pub p50_ns: Estimate,
    pub p95_ns: Estimate,
    pub p99_ns: Estimate,
    /// The largest latency any execution saw.
    pub max_ns: f64,
    /// Mean answers per second achieved.
    pub achieved_rps: f64,
    /// Wrong answers and requests left unsent or unanswered, summed over executions.
    pub errors: u64,
    pub unsent: u64,
    /// This p95 over the baseline's p95 at the same rate (above 1: slower), with its 95%
    /// interval; `None` for the baseline, or when either side lacks two executions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_ratio: Option<LatencyRatio>,
}

/// A ratio of two latencies with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyRatio {
    pub ratio: f64,
    pub ci: Interval,
}

/// One emulated board's run: which workloads fit, the heap they leave, their instructions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct McuSummary {
    pub run_id: String,
    /// Interpreter id (`microbit`) and label (it says "emulated").
    pub interp: String,
    pub label: String,
    /// The firmware's MicroPython version and its banner.
    pub version: String,
    pub sys_version: String,
    /// QEMU machine, `-icount shift`, and the board clock the ms figures assume.
    pub machine: String,
    pub icount_shift: u32,
    pub clock_hz: u64,
    /// `gc.mem_free() + gc.mem_alloc()` on a fresh board, bytes.
    #[serde(default)]
    pub heap_total: Option<u64>,
    /// Data date (UTC day of the run).
    pub date: String,
    /// One per workload of the run, in suite order.
    pub workloads: Vec<McuWorkload>,
}

/// What one workload did on the emulated board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct McuWorkload {
    pub workload: String,
    /// The `tiny` size's n, if the workload has one.
    #[serde(default)]
    pub n: Option<u64>,
    /// It ran to the end within the heap (its result may still differ: see `outcome`).
    pub fits: bool,
    /// The outcome of the process executions (the first that was not `ok`, else `ok`).
    pub outcome: Outcome,
    /// The board's last error line for a failure (`RuntimeError: maximum recursion depth
    /// exceeded`), if it printed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Process executions that ran.
    pub processes: u32,
    /// Emulated instructions per iteration over every iteration of the `ok` executions: mean,
    /// least and most.
    #[serde(default)]
    pub instructions_mean: Option<f64>,
    #[serde(default)]
    pub instructions_min: Option<u64>,
    #[serde(default)]
    pub instructions_max: Option<u64>,
    /// `instructions_mean` in ms at `clock_hz`, one instruction per cycle.
    #[serde(default)]
    pub ms_at_clock: Option<f64>,
    /// Least `gc.mem_free()` before `setup` and after the last iteration, bytes.
    #[serde(default)]
    pub heap_free_before: Option<u64>,
    #[serde(default)]
    pub heap_free_after: Option<u64>,
}

/// The precision a run reached: the relative 95% half-width of each cell's headline figure
/// (warm time of an iteration cell, wall time of a startup cell).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Precision {
    /// Cells with an interval.
    pub cells: u32,
    pub median_rel_half_width: f64,
    pub worst_rel_half_width: f64,
    pub worst_cell: CellKey,
    pub within_2pct: u32,
    pub within_5pct: u32,
    /// Cells whose process executions mostly reached no steady state: their warm figure is
    /// the last window of a series still changing, and is marked so.
    pub no_steady_state: Vec<CellKey>,
    /// Process executions behind the figures, and the range per cell.
    pub processes: u32,
    pub processes_min: u32,
    pub processes_max: u32,
}

/// How `cargo xtask merge` joined shards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergeInfo {
    /// One entry per machine fingerprint, in the order the shards were given.
    pub machines: Vec<MergedMachine>,
    /// How absolute times and ratios were combined, in words.
    pub method: String,
    /// Pairs of machines whose fingerprints differ only by the kernel build, in words.
    pub kernel_only: Vec<String>,
    /// Rules of the merge the caller waived and what they let through (`--allow-mixed-source`:
    /// shards from several commits or uncommitted trees), in words. Absent in older summaries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<String>,
}

/// One machine of a merge and what it measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergedMachine {
    pub machine: Machine,
    /// The runs (shards) measured on it.
    pub runs: Vec<String>,
    /// The workloads whose cells come from it, in suite order.
    pub workloads: Vec<String>,
}

/// The knobs of the analysis, copied so a reader knows how the numbers were made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisParams {
    /// Interpreter id every ratio is taken against.
    pub baseline: String,
    /// Seed of the bootstrap's random number generator.
    pub seed: u64,
    pub bootstrap_resamples: u32,
    /// Confidence level of every interval (0.95).
    pub confidence: f64,
    /// Target relative half-width of a cell's interval, for the "too few samples" warning.
    pub target_ci: f64,
    /// Methods, named for readers (e.g. "Student's t", "PELT (L2 cost)").
    pub methods: BTreeMap<String, String>,
}

/// Where and when the data was measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// The machine every pooled run shares (runs from other machines are left out and warned).
    pub machine: Machine,
    /// The runs pooled into this summary, sorted by start time.
    pub runs: Vec<RunInfo>,
    /// Interpreters with versions and images, from the latest run that used each, sorted by id.
    pub interpreters: Vec<InterpInfo>,
    /// Start time of the latest pooled run (RFC 3339): the date of the data.
    pub data_date: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run_id: String,
    pub started_at: String,
    pub git_rev: String,
    pub git_dirty: bool,
    pub backend: BackendKind,
    pub params: RunParams,
}

/// A closed interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// A mean across process executions with its Student's t 95% interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Number of samples (process executions, unless stated otherwise).
    pub n: u32,
    pub mean: f64,
    pub median: f64,
    /// Sample standard deviation (n - 1); `None` for one sample.
    pub std_dev: Option<f64>,
    /// 95% interval of the mean; `None` for one sample.
    pub ci: Option<Interval>,
}

impl Estimate {
    /// Half-width of the interval relative to the mean (0.02 = ±2%).
    pub fn relative_half_width(&self) -> Option<f64> {
        let ci = self.ci?;
        if self.mean == 0.0 {
            return None;
        }
        Some((ci.high - ci.low) / 2.0 / self.mean.abs())
    }
}

/// Barrett et al.'s classes of one process execution's iteration series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarmupClass {
    /// Every segment is equivalent to the last: no change worth the name.
    Flat,
    /// The steady state is faster than everything before it.
    Warmup,
    /// Something before the steady state was faster than it.
    Slowdown,
    /// The last segment is too short to be called a steady state.
    NoSteadyState,
}

impl WarmupClass {
    pub const ALL: [WarmupClass; 4] = [
        WarmupClass::Flat,
        WarmupClass::Warmup,
        WarmupClass::Slowdown,
        WarmupClass::NoSteadyState,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WarmupClass::Flat => "flat",
            WarmupClass::Warmup => "warmup",
            WarmupClass::Slowdown => "slowdown",
            WarmupClass::NoSteadyState => "no_steady_state",
        }
    }
}

/// Whether the process executions of a cell agree on their warm-up class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consistency {
    /// Every process execution has the same class.
    Consistent,
    /// Classes differ. Barrett et al. call a mix of only `flat` and `warmup` "good
    /// inconsistent": every execution still reaches a steady state no slower than its start.
    Inconsistent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WarmupSummary {
    /// The class shared by every process execution, if they agree.
    pub class: Option<WarmupClass>,
    pub consistency: Consistency,
    /// Only `flat` and `warmup` occur (Barrett et al.'s "good inconsistent").
    pub good: bool,
    /// Process executions per class (every class present, zero counts included).
    pub counts: BTreeMap<WarmupClass, u32>,
    /// Iterations before the steady state, across process executions that reach one.
    pub iterations_before_steady: Option<Estimate>,
    /// Time spent before the steady state (ns), across process executions that reach one.
    pub time_before_steady_ns: Option<Estimate>,
    /// Calls of `run` before the steady state (iterations × loops), across process executions
    /// that reach one: iterations of different `loops` are not comparable, calls are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls_before_steady: Option<Estimate>,
}

/// One process execution, as the warm-up analysis saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessSummary {
    pub process: u32,
    pub run_id: String,
    pub class: WarmupClass,
    /// Indices where a new segment starts (never 0).
    pub changepoints: Vec<u32>,
    /// Mean of each segment (ns), one more than `changepoints`.
    pub segment_means_ns: Vec<f64>,
    /// First iteration of the steady state; for `no_steady_state`, of the window used instead.
    pub steady_start: u32,
    /// Mean of the steady state (ns); for `no_steady_state`, of the last iterations.
    pub steady_mean_ns: f64,
    pub first_iteration_ns: u64,
    pub iterations: u32,
    /// Isolated spikes left out of the changepoint search (still in every mean).
    pub outliers: Vec<u32>,
    pub wall_ns: u64,
    pub max_rss_kib: u64,
}

/// Per iteration index, across the successful process executions of a cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IterationProfile {
    pub mean_ns: Vec<f64>,
    pub min_ns: Vec<u64>,
    pub max_ns: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// Over successful process executions, of `ru_maxrss`.
    pub median_kib: f64,
    pub max_kib: u64,
}

/// Failures of one kind in a cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailureCount {
    /// [`Outcome::label`].
    pub label: String,
    pub count: u32,
    /// The first such outcome (lowest process index), with its details.
    pub example: Outcome,
    /// Its stderr tail.
    pub stderr_tail: String,
}

/// Everything measured in one cell (interp × workload × size).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellSummary {
    pub key: CellKey,
    pub family: Family,
    pub kind: WorkloadKind,
    pub processes_ok: u32,
    pub processes_failed: u32,
    /// Failures grouped by kind, sorted by label.
    pub failures: Vec<FailureCount>,
    /// Iterations per successful process execution (the smallest, if they differ).
    pub iterations: u32,
    /// Whole-process wall time: the figure of a startup cell and of a process cell.
    pub wall_ns: Option<Estimate>,
    /// Percentiles of the whole-process wall times (what a user of a command-line tool waits
    /// for): set for process cells only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_percentiles: Option<WallPercentiles>,
    /// Mean startup time of this interpreter (its startup cell), added to cold time.
    pub startup_ns: Option<Estimate>,
    /// First iteration of each process execution.
    pub first_iteration_ns: Option<Estimate>,
    /// First iteration plus the interpreter's mean startup (the first iteration alone when no
    /// startup cell was measured: `startup_ns` is then `None`). The interval is over process
    /// executions, with the startup mean as a constant; the cold ratios' intervals count the
    /// startup's own uncertainty too (`whichpy_stats::ratio`).
    pub cold_ns: Option<Estimate>,
    /// Steady-state mean of each process execution.
    pub warm_ns: Option<Estimate>,
    /// Mean of all iterations of each process execution, warm-up included.
    pub iteration_mean_ns: Option<Estimate>,
    pub warmup: Option<WarmupSummary>,
    pub memory: Option<Memory>,
    pub profile: Option<IterationProfile>,
    /// Successful process executions, by run then process index.
    pub process_details: Vec<ProcessSummary>,
    /// Relative 95% half-width of the headline figure (warm time, or wall time for startup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel_half_width: Option<f64>,
    /// CPU time that other processes (and the hypervisor) took while this cell ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<NoiseSummary>,
    /// The machine fingerprint the cell's times come from, when a merge joined shards from
    /// several machines (`None`: the summary's one machine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// The machine's state during the cell and where its figures come from (absent without
    /// probes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<CellState>,
}

/// Percentiles of a cell's process wall times (ns), over its successful process executions
/// (linear interpolation between order statistics).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WallPercentiles {
    pub p50_ns: f64,
    pub p95_ns: f64,
    /// Process executions they are taken over.
    pub n: u32,
}

/// The machine's load that was not ours during a cell, from the records' `noise`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoiseSummary {
    /// Others' CPU time over wall time, summed over the process executions (1.0 = one CPU's
    /// worth); a ratio of sums because `/proc/stat` counts in 10 ms jiffies.
    pub foreign_share: f64,
    /// Steal time over wall time, likewise.
    pub steal_share: f64,
    /// The largest (others' CPU + steal) / wall of one process execution of at least 50 ms.
    pub max_share: f64,
    /// Process executions with a `noise` record.
    pub processes: u32,
}

/// What a ratio compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Steady-state time per iteration.
    Warm,
    /// First iteration plus startup.
    Cold,
    /// Whole-process wall time of a startup cell.
    Startup,
    /// Whole-process wall time of a process cell (a script run as a command-line tool).
    Process,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Warm => "warm",
            Metric::Cold => "cold",
            Metric::Startup => "startup",
            Metric::Process => "process",
        }
    }
}

/// The honest word for a ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole interval of `time(interp) / time(baseline)` is below 1.
    Faster,
    /// The whole interval is above 1.
    Slower,
    /// The interval contains 1.
    NoSignificantDifference,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Faster => "faster",
            Verdict::Slower => "slower",
            Verdict::NoSignificantDifference => "no_significant_difference",
        }
    }
}

/// `time(interp) / time(baseline)` for one workload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub interp: String,
    pub baseline: String,
    pub workload: String,
    pub size: SizeName,
    pub metric: Metric,
    /// Ratio of the point estimates.
    pub ratio: f64,
    /// Bootstrap 95% percentile interval (both levels resampled).
    pub ci: Interval,
    pub verdict: Verdict,
}

/// Geometric mean of the ratios over workloads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoMean {
    pub interp: String,
    pub baseline: String,
    pub size: SizeName,
    pub metric: Metric,
    /// The workloads included (both interpreters have data), sorted.
    pub workloads: Vec<String>,
    pub ratio: f64,
    pub ci: Interval,
    pub verdict: Verdict,
}

/// Which curve ends up below the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrossDirection {
    /// The interpreter is slower cold, faster warm: it overtakes the baseline.
    InterpOvertakes,
    /// The interpreter is faster cold, slower warm: the baseline overtakes it.
    BaselineOvertakes,
}

/// Where the cumulative-time curves (startup + iterations 1..k) of two interpreters cross.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Crossover {
    pub interp: String,
    pub baseline: String,
    pub workload: String,
    pub size: SizeName,
    pub direction: CrossDirection,
    /// The first number of iterations k after which the overtaker's total is the smaller.
    pub iterations: u64,
    /// The overtaker's total time (startup + k iterations) at that point, ns.
    pub time_ns: f64,
    /// `true` when k lies beyond the measured iterations and comes from the warm means.
    pub extrapolated: bool,
    /// The crossover of the curves at the ends of their 95% intervals (startup and warm time
    /// each at its bound): the earliest and the latest `k` the data allows. `high` is `None`
    /// when at the unfavourable ends the curves do not cross. Absent in older summaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations_bounds: Option<CrossBounds>,
}

/// The range of a crossover's iteration count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossBounds {
    pub low: u64,
    pub high: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CompatStatus {
    /// Every process execution succeeded.
    Supported,
    /// At least one process execution failed; `outcome` is the most frequent failure.
    Failed {
        outcome: Outcome,
        failed: u32,
        ok: u32,
    },
    /// The workload declares that this family cannot run it.
    Unsupported { reason: String },
}

/// One entry of the compatibility matrix; sorted by (workload, size, interp).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompatEntry {
    pub interp: String,
    pub workload: String,
    pub size: SizeName,
    #[serde(flatten)]
    pub status: CompatStatus,
}

/// What a warning is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WarningKind {
    /// The process means vary a lot (pyperf warns above 10%).
    HighVariation { cv: f64, limit: f64 },
    /// The interval is wider than the target; `needed` estimates the process executions that
    /// would reach it.
    TooFewSamples {
        half_width: f64,
        target: f64,
        processes: u32,
        needed: u32,
    },
    /// Only one successful process execution: no interval at all.
    SingleProcess,
    /// Process means far from the others (modified z-score, Iglewicz & Hoaglin).
    Outliers { count: u32, of: u32 },
    /// Process executions disagree on their warm-up class.
    InconsistentWarmup { counts: BTreeMap<WarmupClass, u32> },
    /// Some process executions never reach a steady state.
    NoSteadyState {
        count: u32,
        of: u32,
        iterations: u32,
    },
    /// Iterations shorter than the clock can time well.
    ShortIterations { mean_ns: f64, min_ns: f64 },
    /// Some process executions failed (kept out of every mean).
    Failures { failed: u32, of: u32, label: String },
    /// Every process execution failed.
    AllFailed { of: u32, label: String },
    /// No baseline data for this workload: no ratio.
    NoBaseline { baseline: String },
    /// Runs from another machine were left out (numbers are never pooled across machines).
    OtherMachine { run_id: String, fingerprint: String },
    /// Other processes on the machine took CPU time while this cell ran.
    Neighbours {
        /// (Others' CPU time + steal) / wall time, summed over the process executions.
        share: f64,
        /// Process executions of at least 50 ms during which others took more than the limit.
        disturbed: u32,
        of: u32,
    },
}

/// A quality warning. `message` is the same text for every reader: what is wrong and what to
/// do next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// The cell it is about; `None` for the whole summary.
    pub cell: Option<CellKey>,
    #[serde(flatten)]
    pub kind: WarningKind,
    pub message: String,
}

impl Summary {
    pub fn cell(&self, key: &CellKey) -> Option<&CellSummary> {
        self.cells.iter().find(|c| &c.key == key)
    }
}

/// The largest value any floating-point figure of a summary may hold. Times are ns and the raw
/// reader refuses a wall time over a week (6.05e14 ns); no ratio, share, size or rate comes
/// near it. A larger value (`1e300`) is a corrupted or forged file, not a measurement.
pub const MAX_FIGURE: f64 = 1e15;

/// Read a summary from `bytes` and refuse what no analysis writes: a negative, non-finite or
/// absurdly large figure, an interval whose `low` is above its `high`, a mean, median or ratio
/// outside its own interval, a cell (or comparison, geometric mean, web cell, compatibility
/// entry) that appears twice. The error names the file and the field.
pub fn parse_summary(path: &std::path::Path, bytes: &[u8]) -> Result<Summary, crate::ParseError> {
    let summary: Summary = crate::parse::parse_json_bytes(path, bytes)?;
    summary
        .check()
        .map_err(|(field, message)| crate::ParseError {
            path: path.to_owned(),
            line: None,
            field: Some(field),
            message,
        })?;
    Ok(summary)
}

impl Summary {
    /// The checks of [`parse_summary`]: `Err((field path, what is wrong))`.
    pub fn check(&self) -> Result<(), (String, String)> {
        let value = serde_json::to_value(self)
            .map_err(|e| (String::new(), format!("cannot be re-encoded: {e}")))?;
        check_figures(&value, &mut String::new())?;
        fn unique<T: Ord>(
            list: &str,
            keys: impl Iterator<Item = T>,
        ) -> Result<(), (String, String)> {
            let mut seen = std::collections::BTreeMap::new();
            for (i, k) in keys.enumerate() {
                if let Some(first) = seen.insert(k, i) {
                    return Err((
                        format!("{list}[{i}]"),
                        format!("repeats {list}[{first}] (the same key twice)"),
                    ));
                }
            }
            Ok(())
        }
        unique("cells", self.cells.iter().map(|c| &c.key))?;
        unique(
            "comparisons",
            self.comparisons
                .iter()
                .map(|c| (&c.interp, &c.baseline, &c.workload, c.size, c.metric)),
        )?;
        unique(
            "geomeans",
            self.geomeans
                .iter()
                .map(|g| (&g.interp, &g.baseline, g.size, g.metric)),
        )?;
        unique("web", self.web.iter().map(|w| &w.key))?;
        unique(
            "compatibility",
            self.compatibility
                .iter()
                .map(|c| (&c.interp, &c.workload, c.size)),
        )?;
        unique("workloads", self.workloads.iter().map(|w| &w.name))?;
        Ok(())
    }
}

/// Walk the summary's JSON: every float finite, non-negative and at most [`MAX_FIGURE`]; every
/// `{low, high}` ordered; every `mean`/`median`/`ratio` beside a `ci` inside it.
fn check_figures(v: &serde_json::Value, path: &mut String) -> Result<(), (String, String)> {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if !x.is_finite() || !(0.0..=MAX_FIGURE).contains(&x) {
                return Err((
                    path.clone(),
                    format!("{x} is not a figure an analysis writes (finite, 0 to {MAX_FIGURE:e})"),
                ));
            }
        }
        Value::Number(n) if n.as_i64().is_some_and(|i| i < 0) => {
            return Err((path.clone(), format!("{n} is negative")));
        }
        Value::Object(map) => {
            let num = |k: &str| map.get(k).and_then(Value::as_f64);
            if let (Some(low), Some(high)) = (num("low"), num("high")) {
                if low > high {
                    return Err((
                        path.clone(),
                        format!("an inverted interval: low {low} is above high {high}"),
                    ));
                }
            }
            if let Some(ci) = map.get("ci").filter(|c| c.is_object()) {
                let (low, high) = (
                    ci.get("low").and_then(Value::as_f64),
                    ci.get("high").and_then(Value::as_f64),
                );
                if let (Some(low), Some(high)) = (low, high) {
                    if low > high {
                        return Err((
                            format!("{path}.ci"),
                            format!("an inverted interval: low {low} is above high {high}"),
                        ));
                    }
                }
                for k in ["mean", "ratio"] {
                    if let (Some(x), Some(low), Some(high)) = (num(k), low, high) {
                        if x < low || x > high {
                            return Err((
                                format!("{path}.{k}"),
                                format!("{x} lies outside its own interval [{low}, {high}]"),
                            ));
                        }
                    }
                }
            }
            for (k, x) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                check_figures(x, path)?;
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_figures(x, path)?;
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}
