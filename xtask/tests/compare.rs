//! `cargo xtask compare` as a CI gate (issue 15, item 4): `--fail-on slower:5%` fails on a
//! constructed regression and passes on a rerun of the same data; `--json` and the Markdown
//! table; pyperf files (ours, rewritten by real pyperf) and real hyperfine exports.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use whichpy_stats::export::pyperf::PyperfExporter;
use whichpy_stats::export::Exporter;
use whichpy_wire::summary::Verdict;
use xtask::compare::{load, rows, Compare};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn summary_path() -> PathBuf {
    repo().join("results/summary.json")
}

fn gate(a: &Path, b: &Path, fail_on: &str, markdown: Option<PathBuf>) -> anyhow::Result<()> {
    Compare {
        a: a.to_owned(),
        b: b.to_owned(),
        json: true,
        fail_on: Some(xtask::compare::parse_fail_on(fail_on).unwrap()),
        markdown,
    }
    .run(&xshell::Shell::new().unwrap())
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
    // The same data again: every ratio is 1.
    gate(&a, &a, "slower:5%", None).expect("a rerun of the same data passes");

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
    let err = gate(&a, &b, "slower:5%", Some(md.clone()))
        .expect_err("a 30% slowdown fails the gate")
        .to_string();
    assert!(
        err.contains("1 cell significantly slower by more than 5%"),
        "{err}"
    );
    assert!(err.contains(&name), "{err}");
    let table = std::fs::read_to_string(&md).unwrap();
    assert!(table.contains("| cell | metric |"), "{table}");
    assert!(table.contains("1 of "), "{table}");
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
    let err = gate(&theirs, &slow, "slower:5%", None)
        .expect_err("30% slower fails")
        .to_string();
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
    assert_eq!(r[0].metric, "startup");
    // Every time 10 ms longer (a command that starts this slowly is a clear regression,
    // whatever the noise of a 1 ms `true`).
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
    for t in v["results"][0]["times"].as_array_mut().unwrap() {
        *t = Value::from(t.as_f64().unwrap() + 0.010);
    }
    let b = dir.path().join("b.json");
    std::fs::write(&b, serde_json::to_vec(&v).unwrap()).unwrap();
    let err = gate(&a, &b, "slower:5%", None)
        .expect_err("10 ms slower fails")
        .to_string();
    assert!(err.contains("true (startup"), "{err}");
}
