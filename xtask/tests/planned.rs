//! `cargo xtask bench --budget` end to end on the native backend: a pilot per cell, planned
//! iterations, batches interleaved across cells, the seed recorded, the budget kept, and
//! `--resume` continuing a planned run. Behaviour, not speed: the budget is a bound the
//! scheduler must respect, checked with a generous margin.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use whichpy_wire::{RawFile, PILOT_MIN_ITERATIONS};

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

fn planned(out: &Path, budget: &str, extra: &[&str]) -> std::process::Output {
    xtask()
        .args(["bench", "--backend", "native", "--interp", "cpython-host"])
        .args([
            "--quick",
            "--workload",
            "int_arith",
            "--workload",
            "startup",
        ])
        .args(["--budget", budget, "--seed", "7"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn the_file(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("a raw file")
}

#[test]
fn a_planned_run_pilots_plans_interleaves_and_keeps_its_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("raw");
    let start = Instant::now();
    let o = planned(&out, "20s", &[]);
    let took = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("planned run: budget 20 s"), "{stderr}");
    assert!(stderr.contains("smoke run"), "{stderr}");
    let raw = RawFile::read(&the_file(&out)).unwrap();
    assert_eq!(raw.meta.params.budget_s, Some(20.0));
    assert_eq!(raw.meta.params.seed, Some(7));

    let iter_recs: Vec<_> = raw
        .records
        .iter()
        // The baseline's own cell (its A/A twin, `<id>.aa`, is a cell of its own).
        .filter(|r| r.workload == "int_arith" && !r.interp.ends_with(".aa"))
        .collect();
    assert!(iter_recs.len() >= 5, "{} records", iter_recs.len());
    assert!(iter_recs.iter().all(|r| r.outcome.is_ok()));
    // The pilots (processes 0 and 1, in different rounds) iterate on time (at least the
    // minimum); planned processes share one count.
    for pilot in &iter_recs[..2] {
        assert!(pilot.process < 2);
        assert!(pilot.iterations_ns.len() >= PILOT_MIN_ITERATIONS as usize);
    }
    let planned: BTreeSet<usize> = iter_recs
        .iter()
        .filter(|r| r.process >= 2)
        .map(|r| r.iterations_ns.len())
        .collect();
    assert_eq!(planned.len(), 1, "planned iteration counts {planned:?}");
    // Process indices are 0..n exactly once per cell.
    for w in ["int_arith", "startup"] {
        let idx: Vec<u32> = raw
            .records
            .iter()
            .filter(|r| r.workload == w && !r.interp.ends_with(".aa"))
            .map(|r| r.process)
            .collect();
        let mut sorted = idx.clone();
        sorted.sort();
        assert_eq!(sorted, (0..idx.len() as u32).collect::<Vec<_>>(), "{w}");
    }
    // Interleaved: the cells alternate, rather than one running to the end before the other.
    let switches = raw
        .records
        .windows(2)
        .filter(|w| w[0].workload != w[1].workload)
        .count();
    assert!(switches >= 3, "only {switches} switches between cells");
    // The budget holds (with room for building and starting the command itself).
    assert!(took < 20.0 * 1.1 + 30.0, "took {took:.1} s");
}

#[test]
fn a_planned_run_resumes_where_it_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("raw");
    let o = planned(&out, "12s", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let path = the_file(&out);
    let before = RawFile::read(&path).unwrap();
    // Resuming a finished planned run spends what is left of its budget (little or nothing)
    // and never duplicates a process index.
    let o = xtask()
        .args(["bench", "--resume"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = RawFile::read(&path).unwrap();
    assert!(after.records.len() >= before.records.len());
    assert_eq!(after.records[..before.records.len()], before.records[..]);
    let mut seen = BTreeSet::new();
    for r in &after.records {
        assert!(
            // The A/A twin (`<baseline>.aa`) has cells of its own: a cell is interp × workload.
            seen.insert((r.interp.clone(), r.workload.clone(), r.process)),
            "duplicate {r:?}"
        );
    }
}

/// Without a terminal (CI, a pipe) the progress bar is hidden: a fixed-count run prints one
/// line per finished cell instead, so a log shows progress.
#[test]
fn without_a_terminal_each_finished_cell_prints_a_line() {
    let tmp = tempfile::tempdir().unwrap();
    let o = xtask()
        .args(["bench", "--backend", "native", "--interp", "cpython-host"])
        .args([
            "--quick",
            "--workload",
            "int_arith",
            "--workload",
            "startup",
        ])
        .args([
            "--processes",
            "2",
            "--iterations",
            "3",
            "--startup-processes",
            "3",
        ])
        .arg("--out")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    for cell in [
        "cpython-host × int_arith (quick): 2 process executions",
        "cpython-host × startup (quick): 3 process executions",
    ] {
        assert!(stderr.contains(cell), "no line for {cell}: {stderr}");
    }
}

#[test]
fn a_planned_run_plans_a_process_cell_as_a_startup_cell() {
    // cli_tool is a `process` workload: whole processes of the script, one sample each,
    // piloted in one batch of ten and then given more processes within the budget.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("raw");
    let o = xtask()
        .args(["bench", "--backend", "native", "--interp", "cpython-host"])
        .args(["--quick", "--workload", "cli_tool"])
        .args(["--budget", "12s", "--seed", "7", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let raw = RawFile::read(&the_file(&out)).unwrap();
    let recs: Vec<_> = raw
        .records
        .iter()
        .filter(|r| r.workload == "cli_tool" && !r.interp.ends_with(".aa"))
        .collect();
    assert!(recs.len() > 10, "{} records: {stderr}", recs.len());
    assert!(
        recs.iter()
            .all(|r| r.outcome.is_ok() && r.iterations_ns.is_empty()),
        "{recs:?}"
    );
    let mut idx: Vec<u32> = recs.iter().map(|r| r.process).collect();
    idx.sort();
    assert_eq!(idx, (0..recs.len() as u32).collect::<Vec<_>>());
}
