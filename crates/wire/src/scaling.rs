//! `results/scaling.json`: the same CPU-bound work on 1, 2, ... N threads and processes,
//! written by `cargo xtask scaling`, attached to the summary by `analyse`.
//!
//! Two splits per interpreter and parallelism: a fixed total (the speed-up against one
//! worker, `t(1) / t(k)`, ideally `k`) and a fixed amount per worker (the efficiency,
//! `t(1) / t(k)` again, ideally 1). A scaling cell runs on every core the machine allows
//! (`cpuset`), unlike the bench's cells, which are pinned to one; `cores` is that count and
//! the largest worker count. Every process execution's record is kept; the curves are
//! computed from them by `whichpy-stats` (ratios of means over process executions).
//!
//! Schema [`SCALING_SCHEMA`]; a reader refuses another.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::summary::Interval;
use crate::{ExecRecord, InterpInfo, Machine, ParseError};

pub const SCALING_SCHEMA: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalingFile {
    pub schema: u32,
    pub command: String,
    pub updated_at: String,
    pub git_rev: String,
    pub machine: Machine,
    /// Cores the containers ran on (the count of `cpuset`), and the most workers.
    pub cores: u32,
    /// The containers' cpuset (`0-1`).
    pub cpuset: String,
    pub processes: u32,
    pub iterations: u32,
    /// Units of work of the fixed total, and of one worker in the fixed-per-worker split.
    pub units: u64,
    pub interpreters: Vec<InterpInfo>,
    pub cells: Vec<ScalingCell>,
    /// One curve per interpreter × parallelism × split × work, computed from `cells`.
    #[serde(default)]
    pub curves: Vec<ScalingCurve>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parallelism {
    Threads,
    Processes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// The same total work for every worker count: `t(1)/t(k)` is the speed-up.
    FixedTotal,
    /// The same work per worker: `t(1)/t(k)` is the efficiency.
    FixedPerWorker,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingWork {
    /// The integer kernel of `threads_cpu`/`processes_cpu`.
    Cpu,
    /// The same kernel, each thread running its own compiled copy (threads only): beside `Cpu`
    /// it shows whether sharing one function costs threads that run in parallel (on a
    /// free-threaded CPython they share its objects' reference counts).
    CpuOwnCode,
    /// One millisecond of sleep per unit: a test instrument whose speed-up is known.
    Sleep,
}

/// One interpreter × parallelism × split × work × worker count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalingCell {
    pub interp: String,
    pub parallelism: Parallelism,
    pub split: Split,
    pub work: ScalingWork,
    pub workers: u32,
    /// Total units of work of this cell.
    pub units: u64,
    /// Why it was not run (MicroPython has no `os.fork`), if it was not.
    #[serde(default)]
    pub unsupported: Option<String>,
    pub records: Vec<ExecRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalingCurve {
    pub interp: String,
    pub parallelism: Parallelism,
    pub split: Split,
    pub work: ScalingWork,
    pub points: Vec<ScalingPoint>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalingPoint {
    pub workers: u32,
    /// Mean over process executions of each one's steady-state iteration mean, ns.
    pub mean_ns: f64,
    pub processes_ok: u32,
    /// `t(1) / t(workers)`: speed-up (fixed total) or efficiency (fixed per worker).
    pub ratio: Option<f64>,
    /// Its 95% interval (delta method over process means, `whichpy_stats::ratio`).
    pub ci: Option<Interval>,
}

impl ScalingFile {
    pub fn read(path: &Path) -> Result<ScalingFile, ParseError> {
        let bytes = std::fs::read(path).map_err(|e| ParseError::io(path, e))?;
        #[derive(Deserialize)]
        struct Head {
            schema: u32,
        }
        let head: Head = crate::parse::parse_json_bytes(path, &bytes)?;
        if head.schema != SCALING_SCHEMA {
            return Err(ParseError::at(
                path,
                1,
                "schema",
                format!(
                    "scaling schema {} is not supported (this build reads {SCALING_SCHEMA}); rerun `cargo xtask scaling`",
                    head.schema
                ),
            ));
        }
        crate::parse::parse_json_bytes(path, &bytes)
    }
}
