//! MicroPython on an emulated microcontroller (`summary.mcu`): which workloads fit, the heap
//! they leave, their emulated instructions and the ms those take at the board's clock. Every
//! word says "emulated"; nothing here is compared with the Unix ports' times.

use serde::Serialize;
use whichpy_wire::summary::{McuSummary, McuWorkload, Summary};
use whichpy_wire::Outcome;

use crate::format::{int, sig3};

/// The reproduce command of the emulated board's figures.
pub const COMMAND: &str = "cargo xtask bench --interp microbit --quick";

#[derive(Clone, Debug, Serialize)]
pub struct McuView {
    /// `MicroPython 1.9.2 on a micro:bit (emulated)`.
    pub label: String,
    pub version: String,
    /// The QEMU machine (`microbit`).
    pub machine: String,
    /// The board clock the ms figures assume, MHz (`16`).
    pub clock_mhz: String,
    /// `-icount shift=N` and the ns per instruction it gives (`6`, `64`).
    pub icount_shift: String,
    pub ns_per_instruction: String,
    /// The heap of a fresh board, bytes (`10,048`) and KiB (`9.81`).
    pub heap_total: Option<String>,
    pub heap_total_kib: Option<String>,
    pub date: String,
    pub run_id: String,
    /// Workloads with a `tiny` size that ran to the end within the heap, and how many were
    /// tried (as words, and their names).
    pub fit: String,
    pub tried: String,
    pub fit_names: Vec<String>,
    /// One row per workload with a `tiny` size, in suite order.
    pub rows: Vec<McuRow>,
    /// Workloads with no `tiny` size (not sent to the board).
    pub no_tiny: Vec<String>,
    /// The row quoted in the article: the first that fits with a correct result.
    pub quote: Option<McuRow>,
    pub command: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct McuRow {
    pub workload: String,
    pub n: String,
    pub fits: bool,
    /// `yes`, `no` (the heap or stack ran out, or it cannot compile there).
    pub fits_word: String,
    /// What happened, in words: `ok`, the MemoryError, the compile error, the wrong result.
    pub result: String,
    /// Mean emulated instructions per iteration (`11,600,000`), and its range.
    pub instructions: String,
    pub instructions_range: String,
    /// The same at the board's clock, ms (`725`).
    pub ms: String,
    /// Least heap free before `setup` and after the last iteration, bytes.
    pub heap_free_before: String,
    pub heap_free_after: String,
}

const DASH: &str = "–";

fn row(w: &McuWorkload) -> McuRow {
    let bytes = |b: Option<u64>| b.map_or(DASH.to_string(), int);
    let result = match (&w.outcome, &w.error) {
        (Outcome::Ok, _) => "ok".to_string(),
        (Outcome::MemoryError { message }, _) => message.trim_end_matches(':').to_string(),
        (Outcome::WrongChecksum { expected, got }, _) => {
            format!("wrong result: {got}, expected {expected}")
        }
        (Outcome::Unsupported { reason }, _) => reason.clone(),
        (_, Some(e)) => e.clone(),
        (o, None) => crate::words::outcome_text(o),
    };
    McuRow {
        workload: w.workload.clone(),
        n: w.n.map_or(DASH.to_string(), int),
        fits: w.fits,
        fits_word: if w.fits { "yes" } else { "no" }.to_string(),
        result,
        instructions: w
            .instructions_mean
            .map_or(DASH.to_string(), |m| int(m.round() as u64)),
        instructions_range: match (w.instructions_min, w.instructions_max) {
            (Some(a), Some(b)) => format!("{}–{}", int(a), int(b)),
            _ => DASH.to_string(),
        },
        ms: w.ms_at_clock.map_or(DASH.to_string(), sig3),
        heap_free_before: bytes(w.heap_free_before),
        heap_free_after: bytes(w.heap_free_after),
    }
}

/// The view of the emulated board's run, or `None` when the summary has none.
pub fn build(s: &Summary) -> Option<McuView> {
    s.mcu.as_ref().map(view)
}

fn view(m: &McuSummary) -> McuView {
    let tried: Vec<&McuWorkload> = m.workloads.iter().filter(|w| w.n.is_some()).collect();
    let rows: Vec<McuRow> = tried.iter().map(|w| row(w)).collect();
    let fit_names: Vec<String> = tried
        .iter()
        .filter(|w| w.fits)
        .map(|w| w.workload.clone())
        .collect();
    McuView {
        label: m.label.clone(),
        version: m.version.clone(),
        machine: m.machine.clone(),
        clock_mhz: sig3(m.clock_hz as f64 / 1e6),
        icount_shift: m.icount_shift.to_string(),
        ns_per_instruction: int(1u64 << m.icount_shift.min(40)),
        heap_total: m.heap_total.map(int),
        heap_total_kib: m.heap_total.map(|b| sig3(b as f64 / 1024.0)),
        date: m.date.clone(),
        run_id: m.run_id.clone(),
        fit: int(fit_names.len() as u64),
        tried: int(tried.len() as u64),
        fit_names,
        quote: rows.iter().find(|r| r.fits && r.result == "ok").cloned(),
        rows,
        no_tiny: m
            .workloads
            .iter()
            .filter(|w| w.n.is_none())
            .map(|w| w.workload.clone())
            .collect(),
        command: COMMAND.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(name: &str, n: Option<u64>, outcome: Outcome, fits: bool) -> McuWorkload {
        McuWorkload {
            workload: name.into(),
            n,
            fits,
            outcome,
            error: None,
            processes: 3,
            instructions_mean: fits.then_some(11_590_165.7),
            instructions_min: fits.then_some(11_588_546),
            instructions_max: fits.then_some(11_596_015),
            ms_at_clock: fits.then_some(724.385),
            heap_free_before: fits.then_some(5184),
            heap_free_after: fits.then_some(3152),
        }
    }

    #[test]
    fn rows_say_what_fits_and_the_quote_is_a_correct_fit() {
        let m = McuSummary {
            run_id: "r".into(),
            interp: "microbit".into(),
            label: "MicroPython 1.9.2 on a micro:bit (emulated)".into(),
            version: "1.9.2".into(),
            sys_version: String::new(),
            machine: "microbit".into(),
            icount_shift: 6,
            clock_hz: 16_000_000,
            heap_total: Some(10_048),
            date: "2026-12-01".into(),
            workloads: vec![
                workload(
                    "dicts_sets",
                    Some(2000),
                    Outcome::MemoryError {
                        message: "MemoryError: memory allocation failed, allocating 256 bytes"
                            .into(),
                    },
                    false,
                ),
                workload("int_arith", Some(500), Outcome::Ok, true),
                workload(
                    "io_wait",
                    None,
                    Outcome::Unsupported { reason: "x".into() },
                    false,
                ),
            ],
        };
        let v = view(&m);
        assert_eq!((v.fit.as_str(), v.tried.as_str()), ("1", "2"));
        assert_eq!(v.no_tiny, vec!["io_wait"]);
        assert_eq!(v.rows[0].fits_word, "no");
        assert!(v.rows[0].result.starts_with("MemoryError"));
        let q = v.quote.unwrap();
        assert_eq!(
            (q.workload.as_str(), q.instructions.as_str(), q.ms.as_str()),
            ("int_arith", "11,590,166", "724")
        );
        assert_eq!(q.heap_free_after, "3,152");
        assert_eq!(v.heap_total_kib.as_deref(), Some("9.81"));
        assert_eq!(
            (v.clock_mhz.as_str(), v.ns_per_instruction.as_str()),
            ("16.0", "64")
        );
        assert!(v.label.contains("emulated"));
    }
}
