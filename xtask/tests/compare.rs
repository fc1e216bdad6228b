//! `cargo xtask compare` as a CI gate (issue 15, item 4; issue 27, item 1): `--fail-on
//! slower:5%` fails on a constructed regression and passes on a rerun of the same data; it
//! cannot pass by accident (cells missing from B, a single cell kept, a cell failed in every
//! process, a uniform slowdown hidden in wide intervals), and fails with its own exit code;
//! `--json` and the Markdown table; pyperf files (ours, rewritten by real pyperf) and real
//! hyperfine exports.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use whichpy_stats::compare::GateVerdict;
use whichpy_stats::export::pyperf::PyperfExporter;
use whichpy_stats::export::Exporter;
use whichpy_wire::summary::Verdict;
use xtask::compare::{load, report, rows, Compare, GateFailed, GATE_EXIT_CODE};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn summary_path() -> PathBuf {
    repo().join("results/summary.json")
}

fn gate(a: &Path, b: &Path, fail_on: &str, markdown: Option<PathBuf>) -> anyhow::Result<()> {
    gate_with(a, b, fail_on, markdown, true)
}

fn gate_with(
    a: &Path,
    b: &Path,
    fail_on: &str,
    markdown: Option<PathBuf>,
    accept_inconclusive: bool,
) -> anyhow::Result<()> {
    Compare {
        a: a.to_owned(),
        b: b.to_owned(),
        json: true,
        fail_on: Some(xtask::compare::parse_fail_on(fail_on).unwrap()),
        accept_inconclusive,
        accept_missing: false,
        markdown,
    }
    .run(&xshell::Shell::new().unwrap())
}

/// The gate's failure, checked to be the gate's (not an input error), as its message.
fn gate_failure(r: anyhow::Result<()>, what: &str) -> String {
    let e = r.expect_err(what);
    assert!(
        e.downcast_ref::<GateFailed>().is_some(),
        "{what}: not the gate's failure but {e:#}"
    );
    e.to_string()
}

fn committed() -> Value {
    serde_json::from_str(&std::fs::read_to_string(summary_path()).unwrap()).unwrap()
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p
}

/// The real binary's exit code and stderr.
fn xtask_compare(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("compare")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Multiply every time of one estimate by `k`.
fn scale_estimate(e: &mut Value, k: f64) {
    for f in ["mean", "median", "std_dev"] {
        if let Some(x) = e[f].as_f64() {
            e[f] = Value::from(x * k);
        }
    }
    if e["ci"].is_object() {
        for f in ["low", "high"] {
            e["ci"][f] = Value::from(e["ci"][f].as_f64().unwrap() * k);
        }
    }
}

#[test]
fn a_rerun_passes_and_a_regression_fails() {
    let dir = tempfile::tempdir().unwrap();
    let a = summary_path();
    // The same data again: every ratio is 1, and every precise enough row passes.
    gate(&a, &a, "slower:5%", None).expect("a rerun of the same data passes");
    // Without --accept-inconclusive, the committed n = 3 cells too wide to see 5% fail it,
    // as inconclusive, never as slower.
    let err = gate_failure(
        gate_with(&a, &a, "slower:5%", None, false),
        "wide intervals are inconclusive",
    );
    assert!(err.contains("inconclusive"), "{err}");
    assert!(!err.contains("significantly slower"), "{err}");

    // One cell 30% slower in B, with the same relative spread: the committed cell with the
    // narrowest warm interval, so that 30% is a significant change whatever the data's spread.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
    let spread = |c: &Value| {
        let w = &c["warm_ns"];
        (w["ci"]["high"].as_f64().unwrap() - w["ci"]["low"].as_f64().unwrap())
            / w["mean"].as_f64().unwrap()
    };
    let cell = v["cells"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .filter(|c| c["warm_ns"]["ci"].is_object() && c["warm_ns"]["n"].as_u64() > Some(1))
        .min_by(|x, y| spread(x).total_cmp(&spread(y)))
        .expect("a cell with a warm time");
    let name = format!(
        "{} × {}",
        cell["key"]["interp"].as_str().unwrap(),
        cell["key"]["workload"].as_str().unwrap()
    );
    scale_estimate(&mut cell["warm_ns"], 1.3);
    let b = dir.path().join("slower.json");
    std::fs::write(&b, serde_json::to_vec(&v).unwrap()).unwrap();

    let md = dir.path().join("summary.md");
    let err = gate_failure(
        gate(&a, &b, "slower:5%", Some(md.clone())),
        "a 30% slowdown fails the gate",
    );
    assert!(
        err.contains("1 cell significantly slower by more than 5%"),
        "{err}"
    );
    assert!(err.contains(&name), "{err}");
    let table = std::fs::read_to_string(&md).unwrap();
    assert!(table.contains("| cell | metric |"), "{table}");
    assert!(table.contains("Gate (slower:5%): FAILED"), "{table}");
    assert!(table.contains("1.30x slower"), "{table}");
    // A looser gate lets it through.
    gate(&a, &b, "slower:40%", None).expect("30% is within a 40% gate");

    // The rows say the same as JSON would.
    let r = rows(&load(&a).unwrap(), &load(&b).unwrap()).unwrap();
    let slow: Vec<_> = r.iter().filter(|r| r.slower_than(0.05)).collect();
    assert_eq!(slow.len(), 1);
    assert_eq!(slow[0].verdict, Some(Verdict::Slower));
    assert!((slow[0].ratio - 1.3).abs() < 1e-9);
}

#[test]
fn a_file_compare_cannot_read_says_what_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.json");
    std::fs::write(&p, "{\"foo\": 1}").unwrap();
    let err = load(&p).unwrap_err().to_string();
    assert!(err.contains("not a whichpy summary"), "{err}");
    assert!(err.contains("hyperfine --export-json"), "{err}");
}

/// The Python that has pyperf: `WHICHPY_PYTHON`, or the venv `doctor --install` makes.
fn pyperf_python() -> Option<PathBuf> {
    [
        std::env::var_os("WHICHPY_PYTHON").map(PathBuf::from),
        Some(repo().join(".cache/stats-venv/bin/python")),
    ]
    .into_iter()
    .flatten()
    .find(|p| {
        Command::new(p)
            .args(["-c", "import pyperf"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn reads_pyperf_files_written_by_pyperf() {
    let Some(python) = pyperf_python() else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED reads_pyperf_files_written_by_pyperf: no Python with pyperf \
             (run `cargo xtask doctor --install`, or set WHICHPY_PYTHON)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let summary: whichpy_wire::summary::Summary =
        whichpy_wire::parse_json_file(&summary_path()).unwrap();
    let raws: Vec<_> = std::fs::read_dir(repo().join("results/raw"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .map(|p| whichpy_wire::RawFile::read(&p).unwrap())
        .collect();
    let ours = dir.path().join("ours.json");
    let bytes = PyperfExporter {
        interp: summary.analysis.baseline.clone(),
        metric: whichpy_wire::summary::Metric::Warm,
        all_runs: false,
    }
    .export(&summary, &raws)
    .unwrap();
    std::fs::write(&ours, bytes).unwrap();
    // pyperf reads our file and writes it again in its own hand.
    let theirs = dir.path().join("theirs.json");
    let out = Command::new(&python)
        .args(["-m", "pyperf", "convert", "--indent", "-o"])
        .arg(&theirs)
        .arg(&ours)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyperf convert: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = rows(&load(&ours).unwrap(), &load(&theirs).unwrap()).unwrap();
    assert!(!r.is_empty());
    assert!(r.iter().all(|r| (r.ratio - 1.0).abs() < 1e-9), "{r:?}");
    gate(&ours, &theirs, "slower:5%", None).expect("the same runs pass");

    // Every value of pyperf's file 30% slower: every benchmark with an interval fails.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&theirs).unwrap()).unwrap();
    for b in v["benchmarks"].as_array_mut().unwrap() {
        for run in b["runs"].as_array_mut().unwrap() {
            if let Some(values) = run.get_mut("values").and_then(Value::as_array_mut) {
                for x in values {
                    *x = Value::from(x.as_f64().unwrap() * 1.3);
                }
            }
        }
    }
    let slow = dir.path().join("slow.json");
    std::fs::write(&slow, serde_json::to_vec(&v).unwrap()).unwrap();
    let err = gate_failure(gate(&theirs, &slow, "slower:5%", None), "30% slower fails");
    assert!(
        err.contains("significantly slower by more than 5%"),
        "{err}"
    );
}

#[test]
fn reads_hyperfine_exports() {
    if Command::new("hyperfine").arg("--version").output().is_err() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED reads_hyperfine_exports: hyperfine is not installed (apt-get install hyperfine)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let out = Command::new("hyperfine")
        .args(["-N", "--runs", "20", "--style", "none", "--export-json"])
        .arg(&a)
        .arg("true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hyperfine: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    gate(&a, &a, "slower:5%", None).expect("the same export passes");
    let r = rows(&load(&a).unwrap(), &load(&a).unwrap()).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].metric, "command");
    // Every time 10 ms longer (a command that starts this slowly is a clear regression,
    // whatever the noise of a 1 ms `true`).
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
    for t in v["results"][0]["times"].as_array_mut().unwrap() {
        *t = Value::from(t.as_f64().unwrap() + 0.010);
    }
    let b = dir.path().join("b.json");
    std::fs::write(&b, serde_json::to_vec(&v).unwrap()).unwrap();
    // Slower, or inconclusive when the machine's load made `true`'s times spread: either way
    // the gate fails (inconclusive is not accepted here).
    let err = gate_failure(
        gate_with(&a, &b, "slower:5%", None, false),
        "10 ms slower fails",
    );
    assert!(err.contains("true (command"), "{err}");
}

/// The first accidental pass: every nbody cell missing from B (`0 of 438`).
#[test]
fn cells_missing_from_b_fail_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = committed();
    let cells = v["cells"].as_array_mut().unwrap();
    let before = cells.len();
    cells.retain(|c| c["key"]["workload"] != "nbody");
    assert!(
        cells.len() < before,
        "the committed summary has nbody cells"
    );
    let b = write(dir.path(), "no-nbody.json", &v);
    let err = gate_failure(
        gate(&summary_path(), &b, "slower:5%", None),
        "cells missing from B fail",
    );
    assert!(err.contains("missing from B"), "{err}");
    assert!(err.contains("nbody"), "{err}");
    // A smaller suite on purpose passes with --accept-missing.
    Compare {
        a: summary_path(),
        b: b.clone(),
        json: true,
        fail_on: Some(0.05),
        accept_inconclusive: true,
        accept_missing: true,
        markdown: None,
    }
    .run(&xshell::Shell::new().unwrap())
    .expect("--accept-missing lets a smaller suite through");
    // The real command exits with the gate's code, not 1 (an input error).
    let (code, stderr) = xtask_compare(&[
        summary_path().as_os_str(),
        b.as_os_str(),
        "--fail-on".as_ref(),
        "slower:5%".as_ref(),
        "--accept-inconclusive".as_ref(),
    ]);
    assert_eq!(code, Some(GATE_EXIT_CODE), "{stderr}");
    assert!(stderr.contains("missing from B"), "{stderr}");
    // A missing file is an input error: 1.
    let (code, _) = xtask_compare(&[
        summary_path().as_os_str(),
        dir.path().join("absent.json").as_os_str(),
        "--fail-on".as_ref(),
        "slower:5%".as_ref(),
    ]);
    assert_eq!(code, Some(1));
    // A usage error: clap's 2.
    let (code, _) = xtask_compare(&[
        summary_path().as_os_str(),
        "--fail-on".as_ref(),
        "x".as_ref(),
    ]);
    assert_eq!(code, Some(2));
}

/// The second: B keeps a single cell (`0 of 1`).
#[test]
fn a_single_cell_kept_in_b_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = committed();
    let cells = v["cells"].as_array_mut().unwrap();
    let total = cells.len();
    cells.truncate(1);
    let b = write(dir.path(), "one.json", &v);
    let err = gate_failure(
        gate(&summary_path(), &b, "slower:5%", None),
        "a single cell kept fails",
    );
    assert!(err.contains("missing from B"), "{err}");
    let r = report(&load(&summary_path()).unwrap(), &load(&b).unwrap()).unwrap();
    assert!(r.rows.len() <= 2, "{}", r.rows.len());
    assert!(r.lost.len() > total, "{} figures lost", r.lost.len());
}

/// The third: one cell failed in every process of B (`0 of 460`).
#[test]
fn a_cell_failed_in_every_process_of_b_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = committed();
    let cell = v["cells"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["warm_ns"].is_object())
        .unwrap();
    let name = format!(
        "{} × {}",
        cell["key"]["interp"].as_str().unwrap(),
        cell["key"]["workload"].as_str().unwrap()
    );
    let n = cell["processes_ok"].as_u64().unwrap();
    cell["processes_failed"] = Value::from(n);
    cell["processes_ok"] = Value::from(0);
    // (The failure list itself, with its example outcome, is not what the gate reads.)
    for f in [
        "wall_ns",
        "wall_percentiles",
        "first_iteration_ns",
        "cold_ns",
        "warm_ns",
        "iteration_mean_ns",
        "warmup",
        "memory",
        "profile",
        "rel_half_width",
        "noise",
    ] {
        cell[f] = Value::Null;
    }
    cell["process_details"] = serde_json::json!([]);
    let b = write(dir.path(), "failed.json", &v);
    let err = gate_failure(
        gate(&summary_path(), &b, "slower:5%", None),
        "a cell failed in B fails",
    );
    assert!(err.contains("failed in B"), "{err}");
    assert!(err.contains(&name), "{err}");
    // --accept-missing does not excuse a failure.
    let r = Compare {
        a: summary_path(),
        b,
        json: true,
        fail_on: Some(0.05),
        accept_inconclusive: true,
        accept_missing: true,
        markdown: None,
    }
    .run(&xshell::Shell::new().unwrap());
    gate_failure(r, "a failed cell fails even with --accept-missing");
}

/// Every time of every estimate `k` times larger.
fn scale_all(v: &mut Value, k: f64) {
    for c in v["cells"].as_array_mut().unwrap() {
        for f in [
            "wall_ns",
            "startup_ns",
            "first_iteration_ns",
            "cold_ns",
            "warm_ns",
            "iteration_mean_ns",
        ] {
            if c[f].is_object() {
                scale_estimate(&mut c[f], k);
            }
        }
    }
}

/// A uniform 30% slowdown on the committed summary (n = 3 per warm cell, intervals as wide as
/// the issue's [0.526, 1.902]): every row is flagged or inconclusive, none passes, and the
/// gate fails as "slower" even when inconclusive rows are accepted (the geometric means).
#[test]
fn a_uniform_slowdown_is_never_passed() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = committed();
    scale_all(&mut v, 1.3);
    let b = write(dir.path(), "slow.json", &v);
    let r = report(&load(&summary_path()).unwrap(), &load(&b).unwrap()).unwrap();
    assert!(r.rows.len() > 400, "{} rows", r.rows.len());
    assert!(r.lost.is_empty());
    let passed: Vec<_> = r
        .rows
        .iter()
        .filter(|r| r.gate(0.05) == GateVerdict::Pass)
        .collect();
    assert!(
        passed.is_empty(),
        "{} rows passed: {:?}",
        passed.len(),
        passed.first()
    );
    let slower = r.rows.iter().filter(|r| r.slower_than(0.05)).count();
    assert!(slower > 0 && slower < r.rows.len(), "{slower}");
    for m in &r.geometric_means {
        assert_ne!(m.gate(0.05), GateVerdict::Pass, "{m:?}");
    }
    let err = gate_failure(
        gate(&summary_path(), &b, "slower:5%", None),
        "30% slower everywhere fails",
    );
    assert!(
        err.contains("significantly slower by more than 5%"),
        "{err}"
    );
    assert!(err.contains("geometric mean of warm"), "{err}");
}

/// Issue 29, item 7: reading and pairing is linear (B is indexed once). 80 000 hyperfine
/// commands, one renamed in B: every other one is paired by name, the renamed one is missing.
#[test]
fn large_hyperfine_files_pair_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let results = |rename: bool| -> Value {
        Value::from(
            (0..80_000)
                .map(|i| {
                    let name = if rename && i == 5 {
                        "renamed".to_string()
                    } else {
                        format!("cmd {i}")
                    };
                    serde_json::json!({
                        "command": name,
                        "times": [0.010, 0.011, 0.0105],
                        "exit_codes": [0, 0, 0],
                    })
                })
                .collect::<Vec<_>>(),
        )
    };
    let a = write(
        dir.path(),
        "a.json",
        &serde_json::json!({ "results": results(false) }),
    );
    let b = write(
        dir.path(),
        "b.json",
        &serde_json::json!({ "results": results(true) }),
    );
    let r = report(&load(&a).unwrap(), &load(&b).unwrap()).unwrap();
    assert_eq!(r.rows.len(), 79_999);
    assert_eq!(r.lost.len(), 1);
    assert_eq!(r.lost[0].cell, "cmd 5");
    assert_eq!(r.only_in_b, 1);
    assert!(r.rows.iter().all(|r| r.cell_b.is_none() && r.ratio == 1.0));
}
