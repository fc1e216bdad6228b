//! The words a reader sees for the summary's enums: one spelling each, for the article, the
//! site and the charts.

use whichpy_wire::summary::{CompatStatus, Summary, Verdict, WarmupClass, WarmupSummary};
use whichpy_wire::{Family, Outcome, SizeName};

use crate::format::sig3;

/// Display name of a family.
pub fn family_name(f: Family) -> &'static str {
    match f {
        Family::Cpython => "CPython",
        Family::Pypy => "PyPy",
        Family::Micropython => "MicroPython",
    }
}

/// `faster`, `slower` or `no significant difference`.
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Faster => "faster",
        Verdict::Slower => "slower",
        Verdict::NoSignificantDifference => "no significant difference",
    }
}

/// A CSS-friendly class for a verdict: `faster`, `slower`, `same`.
pub fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Faster => "faster",
        Verdict::Slower => "slower",
        Verdict::NoSignificantDifference => "same",
    }
}

/// `flat`, `warm-up`, `slowdown`, `no steady state`.
pub fn class_word(c: WarmupClass) -> &'static str {
    match c {
        WarmupClass::Flat => "flat",
        WarmupClass::Warmup => "warm-up",
        WarmupClass::Slowdown => "slowdown",
        WarmupClass::NoSteadyState => "no steady state",
    }
}

/// A cell's warm-up class: its class when the executions agree, else `mixed`.
pub fn cell_class_word(w: &WarmupSummary) -> &'static str {
    w.class.map_or("mixed", class_word)
}

/// A cell's warm-up classes with their counts: `flat (5 of 5)`, or
/// `inconsistent: 3 flat, 2 warm-up` when the process executions disagree.
pub fn warmup_text(w: Option<&WarmupSummary>) -> String {
    let Some(w) = w else {
        return "–".into();
    };
    let total: u32 = w.counts.values().sum();
    match w.class {
        Some(c) => format!("{} ({total} of {total})", class_word(c)),
        None => {
            let parts = WarmupClass::ALL
                .iter()
                .filter_map(|c| {
                    let n = w.counts.get(c).copied().unwrap_or(0);
                    (n > 0).then(|| format!("{n} {}", class_word(*c)))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let good = if w.good {
                "good inconsistent"
            } else {
                "inconsistent"
            };
            format!("{good}: {parts}")
        }
    }
}

/// What happened to a process execution, in a few words.
pub fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Ok => "ok".into(),
        Outcome::Crashed { exit_code, signal } => match (exit_code, signal) {
            (_, Some(s)) => format!("killed by signal {s}"),
            (Some(c), None) => format!("exit code {c}"),
            (None, None) => "crashed".into(),
        },
        Outcome::TimedOut { after_s } => format!("timed out after {} s", sig3(*after_s)),
        Outcome::WrongChecksum { expected, got } => {
            format!("wrong checksum: expected {expected}, got {got}")
        }
        Outcome::BadOutput { reason } => format!("bad output: {reason}"),
        Outcome::OutOfMemory => "out of memory (container limit)".into(),
        Outcome::MemoryError { .. } => "MemoryError (does not fit the heap)".into(),
        Outcome::Unsupported { reason } => format!("unsupported: {reason}"),
        Outcome::SpawnFailed { reason } => format!("could not start: {reason}"),
    }
}

/// Whether an interpreter runs a workload: a status word (`supported`, `failed`,
/// `unsupported`, `missing`) and the reason a reader is given.
pub fn compat_text(s: &Summary, interp: &str, workload: &str, size: SizeName) -> (String, String) {
    let e = s
        .compatibility
        .iter()
        .find(|c| c.interp == interp && c.workload == workload && c.size == size);
    match e.map(|e| &e.status) {
        Some(CompatStatus::Supported) => ("supported".into(), "runs".into()),
        Some(CompatStatus::Failed {
            outcome,
            failed,
            ok,
        }) => (
            "failed".into(),
            format!(
                "{failed} of {} process executions failed: {}",
                failed + ok,
                outcome_text(outcome)
            ),
        ),
        Some(CompatStatus::Unsupported { reason }) => ("unsupported".into(), reason.clone()),
        None => ("missing".into(), "not measured".into()),
    }
}
