//! An emulated board's run (`bench --interp microbit`) summarised on its own: which workloads
//! fit, the heap they leave, and their emulated instructions. Never pooled with the cells of
//! the Unix ports: its clock is the emulator's instruction count.

use whichpy_wire::summary::{McuSummary, McuWorkload};
use whichpy_wire::{Outcome, RawFile, SizeName, Suite};

/// The summary of one mcu run, or `None` if it has no interpreter.
pub fn summarise(raw: &RawFile, suite: &Suite) -> Option<McuSummary> {
    let interp = raw.meta.interpreters.first()?;
    let mut first_measure = raw.records.iter().filter_map(|r| r.mcu.as_ref());
    let m = first_measure.next();
    let heap_total = raw
        .records
        .iter()
        .filter_map(|r| r.mcu.as_ref()?.heap_total)
        .max();
    let (machine, icount_shift, clock_hz) = m.map_or((String::new(), 0, 0), |m| {
        (m.machine.clone(), m.icount_shift, m.clock_hz)
    });
    let mut workloads = Vec::new();
    for name in &raw.meta.params.workloads {
        let recs: Vec<_> = raw.records.iter().filter(|r| &r.workload == name).collect();
        if recs.is_empty() {
            continue;
        }
        let outcome = recs
            .iter()
            .map(|r| &r.outcome)
            .find(|o| !o.is_ok())
            .unwrap_or(&Outcome::Ok)
            .clone();
        let ok: Vec<_> = recs.iter().filter(|r| r.outcome.is_ok()).collect();
        let counts: Vec<u64> = ok
            .iter()
            .filter_map(|r| r.mcu.as_ref())
            .flat_map(|m| m.instructions.iter().copied())
            .collect();
        let mean = (!counts.is_empty())
            .then(|| counts.iter().map(|&c| c as f64).sum::<f64>() / counts.len() as f64);
        let ran: Vec<_> = recs
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Ok | Outcome::WrongChecksum { .. }))
            .filter_map(|r| r.mcu.as_ref())
            .collect();
        workloads.push(McuWorkload {
            workload: name.clone(),
            n: suite
                .get(name)
                .and_then(|w| w.sizes.get(SizeName::Tiny))
                .map(|s| s.n),
            fits: !ran.is_empty(),
            error: recs
                .iter()
                .find(|r| !r.outcome.is_ok())
                .and_then(|r| r.stderr_tail.lines().rev().find(|l| !l.trim().is_empty()))
                .map(|l| l.trim().to_owned()),
            outcome,
            processes: recs
                .iter()
                .filter(|r| !matches!(r.outcome, Outcome::Unsupported { .. }))
                .count() as u32,
            instructions_mean: mean,
            instructions_min: counts.iter().copied().min(),
            instructions_max: counts.iter().copied().max(),
            ms_at_clock: mean
                .filter(|_| clock_hz > 0)
                .map(|c| c / clock_hz as f64 * 1000.0),
            heap_free_before: ran.iter().filter_map(|m| m.heap_free_before).min(),
            heap_free_after: ran.iter().filter_map(|m| m.heap_free_after).min(),
        });
    }
    // Suite order.
    workloads.sort_by_key(|w| {
        suite
            .workloads
            .iter()
            .position(|s| s.name == w.workload)
            .unwrap_or(usize::MAX)
    });
    Some(McuSummary {
        run_id: raw.meta.run_id.clone(),
        interp: interp.id.clone(),
        label: interp.label.clone(),
        version: interp.implementation.version.clone(),
        sys_version: interp.implementation.sys_version.clone(),
        machine,
        icount_shift,
        clock_hz,
        heap_total,
        date: raw.meta.started_at.chars().take(10).collect(),
        workloads,
    })
}
