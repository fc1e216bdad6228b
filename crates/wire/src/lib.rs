//! The records that cross whichpy's stage boundaries, typed once.
//!
//! Architecture invariant: if a type is serialisable, it is part of a boundary, and it lives
//! here. `bench-runner` (inside a container or on the host) and `xtask` both depend on this
//! crate, so a field added on one side exists on the other. Every file format carries
//! [`SCHEMA`]; a reader rejects a version it does not know instead of guessing.
//!
//! Boundaries:
//! - [`CellSpec`]: xtask -> bench-runner (one cell to measure, passed as JSON).
//! - [`RawLine`]: bench-runner -> `results/raw/<run>.jsonl` (one line per process execution,
//!   the first line of a file is the [`RunMeta`]).
//! - [`Suite`]: `bench-runner/workloads/suite.json`, generated from the workload files by the
//!   harness (`harness.py --describe`), read by both sides.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod floor;
pub mod names;
pub mod parse;
pub mod profile;
pub mod raw;
pub mod scaling;
pub mod summary;

pub use parse::{parse_json_file, parse_jsonl, ParseError};
pub use raw::{RawRead, TornTail};

/// Version of every format in this crate. Bump on any incompatible change.
pub const SCHEMA: u32 = 1;

/// Interpreter family: what `sys.implementation.name` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Cpython,
    Pypy,
    Micropython,
}

impl Family {
    pub const ALL: [Family; 3] = [Family::Cpython, Family::Pypy, Family::Micropython];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Cpython => "cpython",
            Family::Pypy => "pypy",
            Family::Micropython => "micropython",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of a workload's two sizes a cell uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SizeName {
    /// Small enough for tests and `--quick`.
    Quick,
    /// The size the article's figures come from.
    Default,
    /// Small enough for a 16 KB microcontroller (the `mcu` backend's size); only some
    /// workloads have it.
    Tiny,
}

impl SizeName {
    pub fn as_str(self) -> &'static str {
        match self {
            SizeName::Quick => "quick",
            SizeName::Default => "default",
            SizeName::Tiny => "tiny",
        }
    }
}

impl fmt::Display for SizeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a workload is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    /// Many process executions of an empty program; the sample is the process wall time.
    Startup,
    /// Process executions x in-process iterations through the harness.
    Iterations,
    /// A server (`serve(port)` through `harness.py --serve`) that bench-runner drives with an
    /// open-loop load at fixed request rates ([`LoadSpec`]); the samples are latencies
    /// ([`RatePhase`] per rate per process execution). Planned by process executions only.
    Service,
    /// Many process executions of the workload file run as a script (`INTERP NAME.py N`), as a
    /// command-line tool is run; the sample is the process wall time, and the checksum is
    /// compared with what the process printed on stdout.
    Process,
}

// ---------------------------------------------------------------------------------------------
// The workload suite (bench-runner/workloads/suite.json)
// ---------------------------------------------------------------------------------------------

/// The workload suite, generated from the `META` dict of each workload file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub schema: u32,
    pub workloads: Vec<WorkloadMeta>,
}

impl Suite {
    pub fn get(&self, name: &str) -> Option<&WorkloadMeta> {
        self.workloads.iter().find(|w| w.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadMeta {
    /// Module name, also the file stem (`nbody` for `nbody.py`).
    pub name: String,
    /// One of the article's categories (`float`, `startup`, `concurrency`, ...).
    pub category: String,
    /// One sentence for readers.
    pub description: String,
    pub kind: WorkloadKind,
    /// The size parameter passed to `setup(n)` and the expected checksum, per size.
    pub sizes: Sizes,
    /// Families that cannot run this workload, with the reason (data for the compatibility
    /// matrix, e.g. `micropython: "MicroPython has no decimal module"`).
    #[serde(default)]
    pub unsupported: BTreeMap<Family, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sizes {
    pub quick: SizeSpec,
    pub default: SizeSpec,
    /// A size that fits a 16 KB microcontroller, where the algorithm allows one; its
    /// checksum is verified on the Unix ports too. Absent in older suites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiny: Option<SizeSpec>,
}

impl Sizes {
    /// The spec of a size; `None` for `tiny` when the workload has none.
    pub fn get(&self, size: SizeName) -> Option<&SizeSpec> {
        match size {
            SizeName::Quick => Some(&self.quick),
            SizeName::Default => Some(&self.default),
            SizeName::Tiny => self.tiny.as_ref(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeSpec {
    /// The argument of `setup(n)`.
    pub n: u64,
    /// `str()` of what `run(state)` returns, identical on every interpreter (for a `process`
    /// workload: what the script prints on stdout, trailing newline removed).
    pub checksum: String,
    /// Bytes of input one call of `run` processes, when the workload declares it (the view
    /// derives throughput in MB/s from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Records of input one call of `run` processes, when declared (records/s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// How a service workload is driven at this size (`None` for every other kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadSpec>,
}

/// The open-loop load bench-runner puts on a service workload (wrk2's model: request `j` of a
/// phase is due at `start + j / rate`, and its latency runs from that intended time, so time
/// spent queued behind a slow answer is counted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSpec {
    /// Request rates in requests per second, ascending; each is one phase.
    pub rates: Vec<u32>,
    /// Seconds of load per rate.
    pub seconds_per_rate: f64,
    /// A first phase of this many seconds at `rates[0]`, reported apart from the steady
    /// state (a JIT's warm-up shows there); 0 for none.
    pub warmup_s: f64,
    /// Keep-alive connections the requests are spread over (round robin).
    pub connections: u32,
    /// A rate is sustained when its p95 latency is at most this (ms), every request was sent
    /// and answered in time, and every answer verified.
    pub bound_ms: f64,
}

// ---------------------------------------------------------------------------------------------
// xtask -> bench-runner
// ---------------------------------------------------------------------------------------------

/// How to start one interpreter (catalogue entry, resolved for one backend).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterpSpec {
    /// Catalogue id, e.g. `cpython-3.13`.
    pub id: String,
    pub family: Family,
    /// Program to execute (absolute path, or a name looked up on PATH).
    pub executable: String,
    /// Arguments placed before the script (e.g. `--jit off`, `-X emit=native`).
    #[serde(default)]
    pub flags: Vec<String>,
    /// An emulated microcontroller: `executable` is QEMU, which boots this board's firmware
    /// (bench-runner's `mcu` module). Absent for every interpreter that runs as a process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board: Option<BoardSpec>,
}

/// The board QEMU emulates and the firmware it boots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardSpec {
    /// QEMU's `-M` machine, e.g. `microbit`.
    pub machine: String,
    /// The firmware image (Intel HEX), where bench-runner runs.
    pub firmware: String,
}

/// One cell (interpreter x workload x size) for bench-runner to measure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellSpec {
    pub interp: InterpSpec,
    pub workload: WorkloadMeta,
    pub size: SizeName,
    /// Process executions to run, numbered `first_process..first_process + processes`.
    pub processes: u32,
    /// Index of the first process execution (non-zero when `--resume` completes a cell).
    #[serde(default)]
    pub first_process: u32,
    /// In-process iterations per process execution (ignored for startup cells). With
    /// `pilot_s`, the most iterations the pilot may run.
    pub iterations: u32,
    /// Calls of the workload's `run` per timed iteration (the planner raises it so that no
    /// iteration is too short to time well). Iteration times are recorded per call.
    #[serde(default = "one")]
    pub loops: u32,
    /// Pilot runs: stop iterating once this many seconds of iterations have run (and at least
    /// [`PILOT_MIN_ITERATIONS`]), so that a late JIT change shows up however short an
    /// iteration is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pilot_s: Option<f64>,
    /// Wall-clock limit per process execution; the process group is killed after it.
    pub timeout_s: f64,
    /// Path of `harness.py` as bench-runner sees it.
    pub harness: PathBuf,
    /// Folder holding the workload files as bench-runner sees it.
    pub workloads_dir: PathBuf,
}

/// Several cells of one interpreter, run by one bench-runner (one container): `order` lists,
/// slot by slot, the index in `cells` of the cell that runs its next process execution, so
/// that rounds interleave the workloads instead of running one cell's processes back to back.
/// Cell `i` appears `cells[i].processes` times; its process indices count up from
/// `cells[i].first_process` in the order its slots come.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellGroup {
    pub cells: Vec<CellSpec>,
    pub order: Vec<u32>,
}

impl CellGroup {
    /// Why the group is malformed (a slot naming no cell, a cell whose slot count is not its
    /// `processes`), or `None`.
    pub fn check(&self) -> Option<String> {
        let mut counts = vec![0u32; self.cells.len()];
        for &i in &self.order {
            match counts.get_mut(i as usize) {
                Some(c) => *c += 1,
                None => {
                    return Some(format!(
                        "slot names cell {i}; the group has {} cells",
                        self.cells.len()
                    ))
                }
            }
        }
        self.cells.iter().zip(&counts).find_map(|(c, &n)| {
            (c.processes != n).then(|| {
                format!(
                    "cell {} has {} processes but {n} slots",
                    c.key(),
                    c.processes
                )
            })
        })
    }
}

/// A pilot process execution runs at least this many iterations.
pub const PILOT_MIN_ITERATIONS: u32 = 20;

fn one() -> u32 {
    1
}

impl CellSpec {
    pub fn key(&self) -> CellKey {
        CellKey {
            interp: self.interp.id.clone(),
            workload: self.workload.name.clone(),
            size: self.size,
        }
    }
}

/// Identity of a cell across files.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CellKey {
    pub interp: String,
    pub workload: String,
    pub size: SizeName,
}

impl fmt::Display for CellKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} × {} ({})", self.interp, self.workload, self.size)
    }
}

// ---------------------------------------------------------------------------------------------
// bench-runner -> results/raw/<run>.jsonl
// ---------------------------------------------------------------------------------------------

/// One line of a raw results file. The first line of a file is `Run`, the others `Exec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum RawLine {
    Run(RunMeta),
    Exec(ExecRecord),
}

/// What happened to one process execution. Failures are kept, never dropped or averaged in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Exited 0, the output parsed, the checksum matched.
    Ok,
    /// Non-zero exit or killed by a signal (other than our timeout or the OOM killer).
    Crashed {
        exit_code: Option<i32>,
        signal: Option<i32>,
    },
    /// Killed by bench-runner after `timeout_s`.
    TimedOut { after_s: f64 },
    /// Ran to the end but `run()` returned something else than the suite expects.
    WrongChecksum { expected: String, got: String },
    /// Exited 0, but the harness protocol could not be read.
    BadOutput { reason: String },
    /// Killed by the kernel's OOM killer (container memory limit).
    OutOfMemory,
    /// The interpreter raised `MemoryError`: the workload does not fit its heap (the
    /// `mcu` backend's "does not fit"). `message` is the exception's last line.
    MemoryError { message: String },
    /// The workload declares that this family cannot run it; nothing was executed.
    Unsupported { reason: String },
    /// The interpreter could not be started at all.
    SpawnFailed { reason: String },
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// Short name for tables and logs.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Crashed { .. } => "crashed",
            Outcome::TimedOut { .. } => "timed out",
            Outcome::WrongChecksum { .. } => "wrong checksum",
            Outcome::BadOutput { .. } => "bad output",
            Outcome::OutOfMemory => "out of memory",
            Outcome::MemoryError { .. } => "memory error",
            Outcome::Unsupported { .. } => "unsupported",
            Outcome::SpawnFailed { .. } => "spawn failed",
        }
    }
}

/// The clock the harness used for iterations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClockInfo {
    /// `perf_counter_ns` or `ticks_us`.
    pub name: String,
    /// Granularity of the reported values in nanoseconds (1000 for `ticks_us`).
    pub resolution_ns: u64,
}

/// What the interpreter says it is (printed by the harness).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImplInfo {
    /// `sys.implementation.name`.
    pub name: String,
    /// `sys.implementation.version` as `major.minor.micro`.
    pub version: String,
    /// Language level: `sys.version_info` as `major.minor.micro`.
    pub python: String,
    /// `sys.version`, verbatim.
    pub sys_version: String,
}

/// One process execution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecRecord {
    pub schema: u32,
    pub interp: String,
    pub workload: String,
    pub size: SizeName,
    /// Index of this process execution within its cell.
    pub process: u32,
    pub outcome: Outcome,
    /// Per-iteration times in nanoseconds, in order (empty for startup cells).
    #[serde(default)]
    pub iterations_ns: Vec<u64>,
    /// Wall time of the whole process, from a monotonic clock in bench-runner.
    pub wall_ns: u64,
    /// CPU time from `wait4`.
    pub user_ns: u64,
    pub sys_ns: u64,
    /// Peak resident set size from `wait4` (`ru_maxrss`), KiB.
    pub max_rss_kib: u64,
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default)]
    pub clock: Option<ClockInfo>,
    #[serde(default)]
    pub implementation: Option<ImplInfo>,
    /// Last lines of stderr (always kept for failures, kept short).
    #[serde(default)]
    pub stderr_tail: String,
    /// Calls of `run(state)` per timed iteration; `iterations_ns` holds the time per call
    /// (the block's time / loops, rounded). 1 in files written before loops existed.
    #[serde(default = "one")]
    pub loops: u32,
    /// What else the machine did during this process execution (`/proc/stat` deltas);
    /// `None` where `/proc/stat` is unreadable and in files written before it existed.
    #[serde(default)]
    pub noise: Option<Noise>,
    /// Service cells: the latency of each load phase, in the order run (empty for other
    /// kinds and in files written before service cells existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load: Vec<RatePhase>,
    /// Set by the `mcu` backend only: what the emulated board's clock and heap said. Its
    /// `iterations_ns` stay empty (emulated time is not host time and is never pooled with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcu: Option<McuMeasure>,
    /// The machine-state probe's times, ns (bench-runner's fixed native loop, run on the same
    /// core; see `bench-runner/src/probe.rs`): for iteration cells one before each iteration
    /// and one after the last (`iterations_ns.len() + 1`), for startup and process cells one
    /// right before and one right after the process. Empty for service and board cells and in
    /// files written before the probe existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes_ns: Vec<u64>,
}

/// One load phase of a service cell's process execution: what the open-loop generator saw
/// at one request rate. Latencies are from each request's intended send time to the end of
/// its verified answer, from an HDR histogram (3 significant digits).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatePhase {
    /// Requests per second asked for.
    pub rate: u32,
    /// The first seconds of the process (a warm-up phase), not a steady-state rate.
    #[serde(default)]
    pub warmup: bool,
    /// Requests scheduled in the phase.
    pub scheduled: u64,
    /// Requests whose answer arrived and verified.
    pub verified: u64,
    /// Answers that arrived but were wrong (status, body), or a broken connection.
    pub errors: u64,
    /// Requests not sent or not answered before the phase's deadline (overload).
    pub unsent: u64,
    /// Answers per second achieved over the phase.
    pub achieved_rps: f64,
    pub p50_ns: u64,
    pub p95_ns: u64,
    pub p99_ns: u64,
    pub max_ns: u64,
    /// The first error's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

impl RatePhase {
    /// Whether this phase sustained its rate under `bound_ms` (see [`LoadSpec::bound_ms`]).
    pub fn sustained(&self, bound_ms: f64) -> bool {
        !self.warmup
            && self.errors == 0
            && self.unsent == 0
            && self.verified == self.scheduled
            && (self.p95_ns as f64) <= bound_ms * 1e6
    }
}

/// One process execution on an emulated microcontroller (QEMU with `-icount`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McuMeasure {
    /// QEMU machine (`microbit`).
    pub machine: String,
    /// `-icount shift=N`: each emulated instruction advances the clock by 2^N ns.
    pub icount_shift: u32,
    /// The board's clock, Hz, that `ms_at_clock` figures assume (one instruction per cycle).
    pub clock_hz: u64,
    /// Emulated instructions per timed iteration (the board's `ticks_us` difference, times
    /// 1000 / 2^shift), in order.
    #[serde(default)]
    pub instructions: Vec<u64>,
    /// `gc.mem_free()` after a collection, before `setup`, bytes.
    #[serde(default)]
    pub heap_free_before: Option<u64>,
    /// `gc.mem_free()` after the last iteration (no collection), bytes.
    #[serde(default)]
    pub heap_free_after: Option<u64>,
    /// `gc.mem_free() + gc.mem_alloc()` at the start, bytes.
    #[serde(default)]
    pub heap_total: Option<u64>,
}

/// The machine's CPU time during one process execution that was not ours, from `/proc/stat`
/// (host-wide, also inside a container), at its resolution (`USER_HZ`, 10 ms usually).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Noise {
    /// Non-idle CPU time of the whole machine (user, nice, system, irq, softirq) minus the
    /// child's user+sys (from `wait4`) and bench-runner's own, floored at 0.
    pub foreign_cpu_ns: u64,
    /// Time the hypervisor ran something else while this VM's CPUs wanted to run.
    pub steal_ns: u64,
}

impl ExecRecord {
    pub fn key(&self) -> CellKey {
        CellKey {
            interp: self.interp.clone(),
            workload: self.workload.clone(),
            size: self.size,
        }
    }
}

/// Where the interpreters ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Native,
    Docker,
    /// xtask's test instrument (`bench --backend fake`): records drawn from a seeded model,
    /// not measured. Named in the metadata and the run id so that its files are never taken
    /// for measurements.
    Fake,
    /// MicroPython firmware on a microcontroller emulated by QEMU (`--interp microbit`): its
    /// clock is the emulator's instruction count, so its records are kept apart.
    Mcu,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::Native => "native",
            BackendKind::Docker => "docker",
            BackendKind::Fake => "fake",
            BackendKind::Mcu => "mcu",
        })
    }
}

/// The machine a run happened on. Numbers from different fingerprints are never pooled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cpu_model: String,
    pub cores: u32,
    pub kernel: String,
    pub os: String,
    pub memory_kib: u64,
    #[serde(default)]
    pub governor: Option<String>,
    /// Short hash of the fields above.
    pub fingerprint: String,
}

/// A Debian package as installed in an image (`dpkg-query` output).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
}

/// Provenance of a container image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// Engine image id (changes at every import, machine-local).
    pub id: String,
    /// Stable identity across machines: sha256 of the reproducible rootfs tarball.
    pub content_digest: String,
    /// Hash of every input of the image (rootfs pins, Dockerfile, runner, harness, workloads).
    pub inputs_hash: String,
    pub packages: Vec<Package>,
}

/// One interpreter as used in a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InterpInfo {
    pub id: String,
    pub family: Family,
    pub label: String,
    pub executable: String,
    #[serde(default)]
    pub flags: Vec<String>,
    /// What the interpreter said it is, probed before the run.
    pub implementation: ImplInfo,
    /// A caveat printed next to every figure (e.g. "hosted inside a CPython process").
    #[serde(default)]
    pub caveat: Option<String>,
    #[serde(default)]
    pub image: Option<ImageInfo>,
    /// The Debian suite of its image (`bookworm`, `trixie`, `sid`): the release it comes from,
    /// which the history page orders by. Absent for host interpreters and older raw files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// The interpreter this one is a variant of (same image, other flags or build): PyPy with
    /// its JIT off, MicroPython's native emitter, a free-threaded CPython.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_of: Option<String>,
}

/// Parameters a run was started with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunParams {
    pub size: SizeName,
    pub processes: u32,
    pub iterations: u32,
    pub startup_processes: u32,
    pub timeout_s: f64,
    pub interps: Vec<String>,
    pub workloads: Vec<String>,
    /// Adaptive runs: target 95% half-width relative to the mean, if set.
    #[serde(default)]
    pub target_ci: Option<f64>,
    /// Adaptive runs: at most this many process executions per cell.
    #[serde(default)]
    pub max_processes: Option<u32>,
    /// Adaptive runs: machine time one cell may take, seconds.
    #[serde(default)]
    pub cell_budget_s: Option<f64>,
    /// Planned runs (`--budget`): the machine time the whole run may take, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_s: Option<f64>,
    /// Planned runs: the seed of the shuffled round-robin order of batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Planned runs: the pilot's iteration time per cell, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pilot_s: Option<f64>,
    /// The A/A twin of a planned run: this interpreter id is the baseline run again under
    /// another id, in the same rounds, so that `analyse` can measure the noise floor (the
    /// baseline against itself). Its cells are never shown as an interpreter's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aa_twin: Option<AaTwin>,
}

/// The baseline, measured twice (see [`RunParams::aa_twin`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AaTwin {
    /// The interpreter measured twice.
    pub of: String,
    /// The id its second copy carries in the raw file.
    pub id: String,
}

/// First line of every raw results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub schema: u32,
    pub run_id: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub git_rev: String,
    pub git_dirty: bool,
    pub backend: BackendKind,
    pub machine: Machine,
    pub params: RunParams,
    pub interpreters: Vec<InterpInfo>,
    /// The CPUs the interpreters were pinned to (`cpuset` syntax, e.g. `1`): the
    /// highest-numbered allowed core when there are two or more. `None` in older files.
    #[serde(default)]
    pub cpus: Option<String>,
}

/// A raw results file, read back (only its accepted records; see [`raw::RawRead`] for what
/// a lenient read left out).
#[derive(Clone, Debug, PartialEq)]
pub struct RawFile {
    pub path: PathBuf,
    pub meta: RunMeta,
    pub records: Vec<ExecRecord>,
}

impl RawFile {
    /// Read a raw results file strictly: a torn last line, a malformed or implausible record
    /// is an error. Errors name the file, the line and the field.
    pub fn read(path: &Path) -> Result<RawFile, ParseError> {
        RawRead::load(path)?.strict()
    }

    /// [`RawFile::read`] on text already in memory.
    pub fn parse(path: &Path, text: &str) -> Result<RawFile, ParseError> {
        RawRead::parse(path, text.as_bytes())?.strict()
    }
}

/// Serialise one line for a JSONL file (no newline inside, newline at the end).
pub fn to_jsonl<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string(value).expect("wire types always serialise");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests;
