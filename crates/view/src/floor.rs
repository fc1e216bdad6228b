//! The memory floor as readers see it: a "runs in N KiB" row per workload × interpreter,
//! beside its peak RSS, and which workloads fit the memory budgets the article names
//! (MicroPython's 16 KiB heap, a micro:bit's RAM, an ESP32's SRAM).
//!
//! The budgets are constants from `content/constants.toml` (the one documented constants
//! file), handed in by the renderer; the floors come from the summary's `floor` section
//! (`cargo xtask floor`). A budget compares MicroPython heap floors only: the heap a workload
//! needs is a lower bound of the RAM a board must have (the firmware takes its share too), so
//! "fits" here means "its heap floor is at most the budget". KB and KiB are both 1,024 bytes.

use std::collections::BTreeMap;

use serde::Serialize;
use whichpy_wire::floor::{FloorCell, FloorMethod, FloorResult, ProbeOutcome};
use whichpy_wire::summary::Summary;
use whichpy_wire::CellKey;

use crate::format::{int, sig3};

/// The constants (`content/constants.toml` ids) that are memory budgets, in KiB (or KB).
pub const BUDGET_CONSTANTS: &[&str] = &["micropython_min_ram", "microbit_ram", "esp32_sram"];

/// A memory budget from the constants file.
#[derive(Clone, Debug)]
pub struct Budget<'a> {
    /// The constant's id (`esp32_sram`).
    pub id: &'a str,
    pub kib: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FloorView {
    /// The command that measured it.
    pub command: String,
    /// Workload-major, interpreters by id.
    pub rows: Vec<FloorRow>,
    /// Per budget id: the MicroPython workloads whose heap floor fits it.
    pub budgets: BTreeMap<String, BudgetView>,
    /// MicroPython workloads with a heap floor (the denominator of every budget).
    pub micropython_measured: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct BudgetView {
    pub kib: String,
    /// Workload names, in row order.
    pub fits: Vec<String>,
    /// `fits.len()`, as text.
    pub count: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FloorRow {
    pub workload: String,
    pub interp: String,
    /// What was limited: `heap` or `container memory`.
    pub method: &'static str,
    /// `31 KiB`, `≤ 6,144 KiB` (the lower bound), `> 2,097,152 KiB`, or `unsupported`.
    pub runs_in: String,
    /// The search's resolution, `1 KiB`.
    pub step: String,
    /// How it failed one step below: `MemoryError at 30 KiB`; empty when nothing failed.
    pub below: String,
    /// Peak RSS: the summary's median at the same size, else the floor's unconstrained probe.
    pub peak_rss: String,
    /// The floor in KiB, when there is one (for charts and comparisons).
    #[serde(skip)]
    pub fits_kib: Option<u64>,
}

fn kib(n: u64) -> String {
    format!("{} KiB", int(n))
}

fn failure_words(o: &ProbeOutcome) -> String {
    match o {
        ProbeOutcome::Failed { label, .. } => label.clone(),
        o => o.label().to_owned(),
    }
}

fn row(cell: &FloorCell, summary: &Summary) -> FloorRow {
    let (runs_in, below, fits_kib) = match &cell.result {
        FloorResult::Floor {
            fits_kib,
            fails_kib,
            failure,
        } => (
            kib(*fits_kib),
            format!("{} at {}", failure_words(failure), kib(*fails_kib)),
            Some(*fits_kib),
        ),
        FloorResult::AtOrBelowLower { lower_kib } => (
            format!("≤ {}", kib(*lower_kib)),
            String::new(),
            Some(*lower_kib),
        ),
        FloorResult::AboveUpper { upper_kib, failure } => (
            format!("> {}", kib(*upper_kib)),
            format!("{} at {}", failure_words(failure), kib(*upper_kib)),
            None,
        ),
        FloorResult::Unsupported { .. } => ("unsupported".into(), String::new(), None),
    };
    let key = CellKey {
        interp: cell.interp.clone(),
        workload: cell.workload.clone(),
        size: cell.size,
    };
    let rss = summary
        .cell(&key)
        .and_then(|c| c.memory.as_ref())
        .map(|m| m.median_kib)
        .or_else(|| cell.unconstrained_rss_kib().map(|k| k as f64));
    FloorRow {
        workload: cell.workload.clone(),
        interp: cell.interp.clone(),
        method: match cell.method {
            FloorMethod::Heap => "heap",
            FloorMethod::ContainerMemory => "container memory",
        },
        runs_in,
        step: kib(cell.step_kib),
        below,
        peak_rss: rss.map_or_else(String::new, |k| format!("{} MiB", sig3(k / 1024.0))),
        fits_kib,
    }
}

impl FloorView {
    /// The floor view of a summary, or `None` when it has no floor section.
    pub fn build(summary: &Summary, budgets: &[Budget]) -> Option<FloorView> {
        let floor = summary.floor.as_ref()?;
        let mut cells: Vec<&FloorCell> = floor.cells.iter().collect();
        cells.sort_by(|a, b| (&a.workload, &a.interp).cmp(&(&b.workload, &b.interp)));
        let rows: Vec<FloorRow> = cells.iter().map(|c| row(c, summary)).collect();
        let heap: Vec<&FloorRow> = rows
            .iter()
            .filter(|r| r.method == "heap" && r.fits_kib.is_some())
            .collect();
        let budgets = budgets
            .iter()
            .map(|b| {
                let fits: Vec<String> = heap
                    .iter()
                    .filter(|r| r.fits_kib.is_some_and(|k| k <= b.kib))
                    .map(|r| r.workload.clone())
                    .collect();
                (
                    b.id.to_owned(),
                    BudgetView {
                        kib: int(b.kib),
                        count: fits.len().to_string(),
                        fits,
                    },
                )
            })
            .collect();
        Some(FloorView {
            command: floor.command.clone(),
            micropython_measured: heap.len(),
            rows,
            budgets,
        })
    }
}
