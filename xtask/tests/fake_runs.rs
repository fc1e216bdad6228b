//! Whole `cargo xtask bench` runs on the fake backend (`--backend fake`, a test instrument:
//! records drawn from a seeded model on a simulated clock; see xtask/src/backend/fake.rs).
//! They test the run loop, the planner and `--resume` in milliseconds, without an engine or
//! interpreters, as hyperfine tests its runs with a fake executor. The native and docker tests
//! stay the proof that real runs work.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use whichpy_wire::summary::{Metric, Summary};
use whichpy_wire::{BackendKind, ExecRecord, Outcome, RawFile};

/// Three interpreters of the catalogue, and the cells the tests use. cpython's nbody and
/// int_arith cost the same per process; int_arith's process means spread 4×, nbody's 1%.
const MODEL: &str = r#"
seed = 11
batch_overhead_s = 0.3

[[interpreter]]
id = "cpython-3.13"
version = "3.13.5"
python = "3.13.5"

[[interpreter]]
id = "pypy-7.3"
version = "7.3.19"
python = "3.11.11"

[[interpreter]]
id = "micropython-1.25"
version = "1.25.0"
python = "3.4.0"

[[cell]]
interp = "cpython-3.13"
workload = "nbody"
startup_ms = 20.0
steady_ms = 300.0
between_cv = 0.01
within_cv = 0.01

[[cell]]
interp = "pypy-7.3"
workload = "nbody"
startup_ms = 60.0
first_ms = 900.0
warmup_calls = 3
steady_ms = 100.0
between_cv = 0.10
within_cv = 0.02

[[cell]]
interp = "cpython-3.13"
workload = "int_arith"
startup_ms = 20.0
steady_ms = 300.0
between_cv = 0.04
within_cv = 0.01

[[cell]]
interp = "pypy-7.3"
workload = "int_arith"
startup_ms = 60.0
steady_ms = 100.0
between_cv = 0.01
within_cv = 0.01

[[cell]]
interp = "micropython-1.25"
workload = "nbody"
startup_ms = 3.0
steady_ms = 900.0
between_cv = 0.05
within_cv = 0.01

[[cell]]
interp = "cpython-3.13"
workload = "processes_cpu"
startup_ms = 20.0
steady_ms = 15.0
between_cv = 0.02
within_cv = 0.02

[[cell]]
interp = "cpython-3.13"
workload = "startup"
startup_ms = 18.0
between_cv = 0.02

[[cell]]
interp = "pypy-7.3"
workload = "startup"
startup_ms = 55.0
between_cv = 0.03

[[cell]]
interp = "micropython-1.25"
workload = "startup"
startup_ms = 2.5
between_cv = 0.05
"#;

/// Write the model, with `extra` (TOML) inserted before the first table.
fn model(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let path = dir.join(name);
    let text = MODEL.replacen(
        "\n[[interpreter]]",
        &format!("{extra}\n\n[[interpreter]]"),
        1,
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap()
}

/// `bench --backend fake` into `out` with `model`, plus `args`.
fn bench(out: &Path, model: &Path, args: &[&str]) -> Output {
    let mut all = vec!["bench", "--backend", "fake"];
    let (out, model) = (out.to_str().unwrap(), model.to_str().unwrap());
    all.extend(["--fake-model", model, "--out", out]);
    all.extend(args);
    xtask(&all)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn the_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// Records by (interpreter, workload, process).
fn by_process(records: &[ExecRecord]) -> BTreeMap<(String, String, u32), ExecRecord> {
    let mut map = BTreeMap::new();
    for r in records {
        let old = map.insert((r.interp.clone(), r.workload.clone(), r.process), r.clone());
        assert!(old.is_none(), "{} #{} recorded twice", r.key(), r.process);
    }
    map
}

/// Process executions per cell.
fn counts(records: &[ExecRecord]) -> BTreeMap<(String, String), u32> {
    let mut n = BTreeMap::new();
    for r in records {
        *n.entry((r.interp.clone(), r.workload.clone())).or_default() += 1;
    }
    n
}

/// Each cell's process indices are 0..n, each once.
fn assert_contiguous(records: &[ExecRecord]) {
    let mut per: BTreeMap<(String, String), Vec<u32>> = BTreeMap::new();
    for r in records {
        per.entry((r.interp.clone(), r.workload.clone()))
            .or_default()
            .push(r.process);
    }
    for (cell, mut idx) in per {
        idx.sort();
        assert_eq!(idx, (0..idx.len() as u32).collect::<Vec<_>>(), "{cell:?}");
    }
}

/// The machine time a run's records took, seconds (without the batches' start-up).
fn walls_s(records: &[ExecRecord]) -> f64 {
    records.iter().map(|r| r.wall_ns as f64 / 1e9).sum()
}

const FIXED: &[&str] = &[
    "--quick",
    "--processes",
    "3",
    "--iterations",
    "10",
    "--startup-processes",
    "5",
    "--interp",
    "cpython-3.13",
    "--interp",
    "micropython-1.25",
    "--workload",
    "nbody",
    "--workload",
    "processes_cpu",
    "--workload",
    "startup",
];

#[test]
fn a_fixed_run_records_every_process_execution_it_planned() {
    let tmp = tempfile::tempdir().unwrap();
    let m = model(tmp.path(), "model.toml", "");
    let out = tmp.path().join("raw");
    let o = bench(&out, &m, FIXED);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = the_file(&out);
    assert!(
        file.to_str().unwrap().ends_with("-fake.jsonl"),
        "{}",
        file.display()
    );
    let raw = RawFile::read(&file).unwrap();
    assert_eq!(raw.meta.backend, BackendKind::Fake);
    let n = counts(&raw.records);
    let expected: BTreeMap<(String, String), u32> = [
        ("cpython-3.13", "nbody", 3),
        ("micropython-1.25", "nbody", 3),
        ("cpython-3.13", "processes_cpu", 3),
        // The suite says MicroPython cannot run it: one record closes the cell.
        ("micropython-1.25", "processes_cpu", 1),
        ("cpython-3.13", "startup", 5),
        ("micropython-1.25", "startup", 5),
    ]
    .into_iter()
    .map(|(i, w, n)| ((i.to_owned(), w.to_owned()), n))
    .collect();
    assert_eq!(n, expected);
    assert_contiguous(&raw.records);
    for r in &raw.records {
        match (r.workload.as_str(), r.interp.as_str()) {
            ("processes_cpu", "micropython-1.25") => {
                assert!(matches!(r.outcome, Outcome::Unsupported { .. }), "{r:?}")
            }
            ("startup", _) => {
                assert!(r.outcome.is_ok() && r.iterations_ns.is_empty() && r.wall_ns > 0)
            }
            _ => {
                assert!(r.outcome.is_ok(), "{r:?}");
                assert_eq!(r.iterations_ns.len(), 10, "{r:?}");
            }
        }
    }
    // Workload-major: every interpreter on nbody before any on processes_cpu.
    let first_other = raw.records.iter().position(|r| r.workload != "nbody");
    let last_nbody = raw.records.iter().rposition(|r| r.workload == "nbody");
    assert!(last_nbody < first_other);
}

#[test]
fn resume_continues_an_interrupted_run_to_the_records_of_an_uninterrupted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let cut = tmp.path().join("cut");
    let m = model(tmp.path(), "model.toml", "");
    let m_interrupted = model(tmp.path(), "interrupted.toml", "interrupt_after = 7");

    let o = bench(&whole, &m, FIXED);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = bench(&cut, &m_interrupted, FIXED);
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("finish this run with"),
        "{}",
        stderr(&o)
    );
    let file = the_file(&cut);
    assert_eq!(RawFile::read(&file).unwrap().records.len(), 7);

    let o = bench(&cut, &m, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("resuming"), "{}", stderr(&o));
    assert_eq!(the_file(&cut), file, "resume appends to the same file");
    let resumed = RawFile::read(&file).unwrap();
    let uninterrupted = RawFile::read(&the_file(&whole)).unwrap();
    assert_eq!(
        by_process(&resumed.records),
        by_process(&uninterrupted.records)
    );
}

#[test]
fn a_failed_cell_is_recorded_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let m = model(tmp.path(), "model.toml", "");
    // cpython nbody: process 1 crashes; micropython nbody: every process times out.
    let text = std::fs::read_to_string(&m).unwrap();
    let text = text.replacen(
        "steady_ms = 300.0\n",
        "steady_ms = 300.0\nfailure = { outcome = \"crashed\", processes = [1] }\n",
        1,
    );
    let text = text.replacen(
        "steady_ms = 900.0\n",
        "steady_ms = 900.0\nfailure = { outcome = \"timed_out\" }\n",
        1,
    );
    std::fs::write(&m, text).unwrap();
    let out = tmp.path().join("raw");
    let o = bench(&out, &m, FIXED);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("(4 failed process executions recorded)"),
        "{}",
        stderr(&o)
    );
    let raw = RawFile::read(&the_file(&out)).unwrap();
    let recs = by_process(&raw.records);
    let get = |i: &str, w: &str, p: u32| &recs[&(i.to_owned(), w.to_owned(), p)];
    let crashed = get("cpython-3.13", "nbody", 1);
    assert!(
        matches!(
            crashed.outcome,
            Outcome::Crashed {
                exit_code: Some(1),
                ..
            }
        ),
        "{crashed:?}"
    );
    assert!(crashed.stderr_tail.contains("crashed"), "{crashed:?}");
    assert!(get("cpython-3.13", "nbody", 2).outcome.is_ok());
    for p in 0..3 {
        let r = get("micropython-1.25", "nbody", p);
        assert!(matches!(r.outcome, Outcome::TimedOut { .. }), "{r:?}");
    }
    // The run went on to the later workloads.
    assert_eq!(
        counts(&raw.records)[&("cpython-3.13".into(), "startup".into())],
        5
    );

    // A planned run closes a cell whose pilot failed and spends the budget elsewhere.
    let only_timeouts = model(tmp.path(), "timeouts.toml", "");
    let text = std::fs::read_to_string(&only_timeouts).unwrap().replacen(
        "steady_ms = 900.0\n",
        "steady_ms = 900.0\nfailure = { outcome = \"timed_out\" }\n",
        1,
    );
    std::fs::write(&only_timeouts, text).unwrap();
    let planned_out = tmp.path().join("planned");
    let o = bench(
        &planned_out,
        &only_timeouts,
        &[
            "--budget",
            "5m",
            "--seed",
            "3",
            "--interp",
            "cpython-3.13",
            "--interp",
            "micropython-1.25",
            "--workload",
            "nbody",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let raw = RawFile::read(&the_file(&planned_out)).unwrap();
    let n = counts(&raw.records);
    assert_eq!(n[&("micropython-1.25".into(), "nbody".into())], 1, "{n:?}");
    assert!(n[&("cpython-3.13".into(), "nbody".into())] > 5, "{n:?}");
}

/// One crash in a cell's first pilot process (a batch of one) does not close the cell for the
/// whole run; a workload that always crashes is closed after two process executions.
#[test]
fn a_flaky_crash_in_the_pilot_does_not_close_the_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let flaky = model(tmp.path(), "flaky.toml", "");
    let text = std::fs::read_to_string(&flaky).unwrap();
    // cpython nbody: process 0 crashes; micropython nbody: every process crashes.
    let text = text
        .replacen(
            "steady_ms = 300.0\n",
            "steady_ms = 300.0\nfailure = { outcome = \"crashed\", processes = [0] }\n",
            1,
        )
        .replacen(
            "steady_ms = 900.0\n",
            "steady_ms = 900.0\nfailure = { outcome = \"crashed\" }\n",
            1,
        );
    assert_eq!(text.matches("failure =").count(), 2, "the model changed");
    std::fs::write(&flaky, text).unwrap();
    let out = tmp.path().join("planned");
    let o = bench(
        &out,
        &flaky,
        &[
            "--budget",
            "5m",
            "--seed",
            "3",
            "--interp",
            "cpython-3.13",
            "--interp",
            "micropython-1.25",
            "--workload",
            "nbody",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let raw = RawFile::read(&the_file(&out)).unwrap();
    let n = counts(&raw.records);
    assert_eq!(n[&("micropython-1.25".into(), "nbody".into())], 2, "{n:?}");
    assert!(n[&("cpython-3.13".into(), "nbody".into())] > 5, "{n:?}");
}

const PLANNED: &[&str] = &[
    "--seed",
    "5",
    "--interp",
    "cpython-3.13",
    "--interp",
    "pypy-7.3",
    "--workload",
    "nbody",
    "--workload",
    "int_arith",
    "--workload",
    "startup",
];

#[test]
fn a_planned_run_spends_its_budget_on_the_noisier_cells_in_well_under_a_second() {
    let tmp = tempfile::tempdir().unwrap();
    let m = model(tmp.path(), "model.toml", "");
    let out = tmp.path().join("raw");
    let start = Instant::now();
    let mut args = vec!["--budget", "15m"];
    args.extend(PLANNED);
    let o = bench(&out, &m, &args);
    let took = start.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}", stderr(&o));
    let raw = RawFile::read(&the_file(&out)).unwrap();
    assert_eq!(raw.meta.params.budget_s, Some(900.0));
    assert_contiguous(&raw.records);
    assert!(raw.records.iter().all(|r| r.outcome.is_ok()));
    // The budget is spent (batch start-ups are the rest), and not overspent.
    let spent = walls_s(&raw.records);
    assert!(spent <= 900.0 && spent > 0.9 * 900.0, "{spent:.0} s of 900");
    // Of two cells of one cost, the noisier gets more processes (as many as its share of the
    // budget allows: planner::MAX_CELL_SHARE).
    let n = counts(&raw.records);
    let noisy = n[&("cpython-3.13".into(), "int_arith".into())];
    let quiet = n[&("cpython-3.13".into(), "nbody".into())];
    assert!(noisy as f64 > 1.3 * quiet as f64, "{n:?}");
    // Simulated time: the whole command (start-up and file syncs included) is quick.
    eprintln!("a 15-minute plan took {took:.2} s");
    assert!(took < 10.0, "took {took:.1} s");
}

#[test]
fn resume_finishes_an_interrupted_planned_run_within_its_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let m = model(tmp.path(), "model.toml", "");
    let m_interrupted = model(tmp.path(), "interrupted.toml", "interrupt_after = 40");
    let out = tmp.path().join("raw");
    let mut args = vec!["--budget", "5m"];
    args.extend(PLANNED);
    let o = bench(&out, &m_interrupted, &args);
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let file = the_file(&out);
    assert_eq!(RawFile::read(&file).unwrap().records.len(), 40);
    let o = bench(&out, &m, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let raw = RawFile::read(&file).unwrap();
    assert!(raw.records.len() > 40);
    assert_contiguous(&raw.records);
    let spent = walls_s(&raw.records);
    assert!(spent <= 300.0 && spent > 0.5 * 300.0, "{spent:.0} s of 300");
}

#[test]
fn analyse_of_a_fake_run_recovers_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let m = model(tmp.path(), "model.toml", "");
    let out = tmp.path().join("raw");
    let mut args = vec!["--budget", "10m"];
    args.extend(PLANNED);
    let o = bench(&out, &m, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary_path = tmp.path().join("summary.json");
    let file = the_file(&out);
    let o = xtask(&[
        "analyse",
        file.to_str().unwrap(),
        "--out",
        summary_path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: Summary = whichpy_wire::parse_json_file(&summary_path).unwrap();
    assert_eq!(summary.environment.runs[0].backend, BackendKind::Fake);
    let cell = |i: &str, w: &str| {
        summary
            .cells
            .iter()
            .find(|c| c.key.interp == i && c.key.workload == w)
            .unwrap_or_else(|| panic!("no cell {i} × {w}"))
    };
    // The steady state the model says, within its noise.
    let warm = |i: &str, w: &str| cell(i, w).warm_ns.as_ref().expect("a warm time").mean;
    let close = |got: f64, want: f64, tol: f64| (got / want - 1.0).abs() < tol;
    assert!(close(warm("cpython-3.13", "nbody"), 300e6, 0.02));
    assert!(close(warm("pypy-7.3", "nbody"), 100e6, 0.06));
    assert!(close(warm("pypy-7.3", "int_arith"), 100e6, 0.02));
    let startup = cell("pypy-7.3", "startup").wall_ns.as_ref().unwrap().mean;
    assert!(close(startup, 55e6, 0.03), "{startup}");
    // pypy's warm-up (3 slow calls) is found where the model put it.
    let pypy = cell("pypy-7.3", "nbody").warmup.as_ref().unwrap();
    let before = pypy.iterations_before_steady.as_ref().map(|e| e.mean);
    assert_eq!(before, Some(3.0), "{pypy:?}");
    // The warm ratio against the baseline: 100 ms / 300 ms.
    let ratio = summary
        .comparisons
        .iter()
        .find(|c| c.interp == "pypy-7.3" && c.workload == "nbody" && c.metric == Metric::Warm)
        .expect("a warm comparison");
    assert!(close(ratio.ratio, 1.0 / 3.0, 0.06), "{ratio:?}");
    assert!(
        ratio.ci.low < 1.0 / 3.0 * 1.02 && ratio.ci.high > 1.0 / 3.0 * 0.98,
        "{ratio:?}"
    );

    // Its numbers render (for looking at), but `check`, the last step of `publish`, refuses them.
    let dist = tmp.path().join("dist");
    let (s, d) = (summary_path.to_str().unwrap(), dist.to_str().unwrap());
    let o = xtask(&["render", "--summary", s, "--out", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = xtask(&["check", "--summary", s, "--dist", d]);
    assert!(!o.status.success(), "check passed a fake run's summary");
    assert!(
        stderr(&o).contains("simulated run") && stderr(&o).contains("cargo xtask bench"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_fake_run_never_writes_into_results() {
    let tmp = tempfile::tempdir().unwrap();
    let m = model(tmp.path(), "model.toml", "");
    let o = xtask(&[
        "bench",
        "--backend",
        "fake",
        "--fake-model",
        m.to_str().unwrap(),
        "--quick",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("outside results/"), "{}", stderr(&o));
}

#[test]
fn the_fake_backend_is_hidden_from_help() {
    let o = xtask(&["bench", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(help.contains("--backend"), "{help}");
    assert!(!help.contains("fake"), "{help}");
}
