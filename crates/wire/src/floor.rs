//! `results/floor.json`: the memory floor of each workload on each interpreter, written by
//! `cargo xtask floor`, read by `render` and `site` (through the view).
//!
//! The floor is the smallest memory in which a workload completed with the right checksum,
//! found by a binary search (`xtask/src/floor_search.rs`): on MicroPython the heap
//! (`-X heapsize=`), on CPython and PyPy the container's memory limit with swap off. A cell
//! keeps every probe, so a reader sees what failed just below the floor (an OOM kill, a
//! `MemoryError`, or something else). Memory is KiB throughout.
//!
//! Schema [`FLOOR_SCHEMA`]; a reader refuses another. New fields get serde defaults.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{InterpInfo, Machine, ParseError, SizeName};

/// Version of `floor.json`. Bump on any incompatible change.
pub const FLOOR_SCHEMA: u32 = 1;

/// The whole file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloorFile {
    pub schema: u32,
    /// The command that wrote the latest cells, as typed (`cargo xtask floor ...`).
    pub command: String,
    /// RFC 3339, UTC: when the latest cell was written.
    pub updated_at: String,
    pub git_rev: String,
    pub machine: Machine,
    /// Process executions run per probe: one, of this many iterations.
    pub iterations: u32,
    /// Wall-clock limit of a probe's process execution, seconds: a probe that is slower
    /// under a tight limit (a GC that runs all the time) and times out did not fit.
    pub timeout_s: f64,
    /// The interpreters of the cells, with their images.
    pub interpreters: Vec<InterpInfo>,
    pub cells: Vec<FloorCell>,
}

/// What the search limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloorMethod {
    /// MicroPython's `-X heapsize=` (the GC heap alone, not the process).
    Heap,
    /// The container's memory limit with swap off: the whole cgroup, so the interpreter's
    /// process plus bench-runner and the shell that starts it.
    ContainerMemory,
}

/// One interpreter × workload × size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloorCell {
    pub interp: String,
    pub workload: String,
    pub size: SizeName,
    pub method: FloorMethod,
    pub lower_kib: u64,
    pub upper_kib: u64,
    /// The search's resolution: the floor lies within one step below `fits_kib`.
    pub step_kib: u64,
    pub result: FloorResult,
    /// Every probe, in the order run.
    pub probes: Vec<FloorProbe>,
    /// Wall time of the whole search, seconds.
    pub wall_s: f64,
}

impl FloorCell {
    /// Peak RSS of the probe at the upper bound (the least constrained run), KiB.
    pub fn unconstrained_rss_kib(&self) -> Option<u64> {
        self.probes
            .iter()
            .filter(|p| p.limit_kib == self.upper_kib && p.outcome.is_ok())
            .map(|p| p.max_rss_kib)
            .next()
    }
}

/// What the search found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FloorResult {
    /// Runs in `fits_kib`, not in `fails_kib` (at most one step less), which failed as
    /// `failure` says.
    Floor {
        fits_kib: u64,
        fails_kib: u64,
        failure: ProbeOutcome,
    },
    /// Runs even at the lower bound: the floor is at most `lower_kib`.
    AtOrBelowLower { lower_kib: u64 },
    /// Fails even at the upper bound.
    AboveUpper {
        upper_kib: u64,
        failure: ProbeOutcome,
    },
    /// The workload declares that this family cannot run it; nothing was run.
    Unsupported { reason: String },
}

/// One run under one limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloorProbe {
    pub limit_kib: u64,
    pub outcome: ProbeOutcome,
    /// Peak RSS of the interpreter's process (`wait4`), KiB; 0 when it never ran.
    #[serde(default)]
    pub max_rss_kib: u64,
}

/// How a probe ended, with out-of-memory told apart from other failures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// Completed with the right checksum.
    Fits,
    /// The kernel's OOM killer ended it (the container's limit).
    OomKilled,
    /// The interpreter raised `MemoryError` (or said it could not allocate).
    MemoryError,
    /// Any other failure: crash, timeout, wrong checksum... (`label` is the record's outcome
    /// label, `detail` the last line of stderr).
    Failed { label: String, detail: String },
}

impl ProbeOutcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, ProbeOutcome::Fits)
    }

    /// Short words for tables and logs.
    pub fn label(&self) -> &str {
        match self {
            ProbeOutcome::Fits => "fits",
            ProbeOutcome::OomKilled => "OOM-killed",
            ProbeOutcome::MemoryError => "MemoryError",
            ProbeOutcome::Failed { label, .. } => label,
        }
    }
}

impl FloorFile {
    /// Read and check the schema; errors name the file, line and field.
    pub fn read(path: &Path) -> Result<FloorFile, ParseError> {
        let bytes = std::fs::read(path).map_err(|e| ParseError::io(path, e))?;
        FloorFile::parse(path, &bytes)
    }

    pub fn parse(path: &Path, bytes: &[u8]) -> Result<FloorFile, ParseError> {
        #[derive(Deserialize)]
        struct Head {
            schema: u32,
        }
        let head: Head = crate::parse::parse_json_bytes(path, bytes)?;
        if head.schema != FLOOR_SCHEMA {
            return Err(ParseError::at(
                path,
                1,
                "schema",
                format!(
                    "floor schema {} is not supported (this build reads {FLOOR_SCHEMA}); rerun `cargo xtask floor`",
                    head.schema
                ),
            ));
        }
        crate::parse::parse_json_bytes(path, bytes)
    }

    pub fn cell(&self, interp: &str, workload: &str, size: SizeName) -> Option<&FloorCell> {
        self.cells
            .iter()
            .find(|c| c.interp == interp && c.workload == workload && c.size == size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_round_trips_and_another_schema_is_refused() {
        let r = FloorResult::Floor {
            fits_kib: 16,
            fails_kib: 15,
            failure: ProbeOutcome::MemoryError,
        };
        let s = serde_json::to_string(&r).unwrap();
        assert_eq!(
            s,
            r#"{"status":"floor","fits_kib":16,"fails_kib":15,"failure":{"kind":"memory_error"}}"#
        );
        assert_eq!(serde_json::from_str::<FloorResult>(&s).unwrap(), r);
        let e = FloorFile::parse(Path::new("floor.json"), br#"{"schema": 99}"#).unwrap_err();
        assert!(e.to_string().contains("floor schema 99"), "{e}");
        let e = FloorFile::parse(Path::new("floor.json"), br#"{"schema": 1, "command": 3}"#)
            .unwrap_err();
        assert!(e.to_string().contains("floor.json:1"), "{e}");
    }
}
