//! Exports: CSV and Markdown shapes, and pyperf's JSON read by real pyperf when available.

mod common;

use std::io::Write;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use whichpy_stats::export::csv::CsvExporter;
use whichpy_stats::export::markdown::MarkdownExporter;
use whichpy_stats::export::pyperf::{PyperfExporter, METRICS};
use whichpy_stats::export::Exporter;
use whichpy_stats::{summarise, Options};
use whichpy_wire::summary::Metric;
use whichpy_wire::{Outcome, RawFile};

const MS: f64 = 1e6;

fn data() -> Vec<RawFile> {
    let mut recs = Vec::new();
    for p in 0..6u32 {
        let s = p as u64;
        let w = |ms: f64| (ms * MS * (1.0 + 0.02 * noise(s + 5))) as u64;
        recs.push(exec("cpython-3.13", "startup", p, vec![], w(20.0)));
        recs.push(exec("pypy-7.3", "startup", p, vec![], w(40.0)));
    }
    for p in 0..4u32 {
        let s = p as u64;
        recs.push(exec(
            "cpython-3.13",
            "nbody",
            p,
            series(s, 100.0 * MS, 0, 100.0 * MS, 15, 0.01),
            2_000_000_000,
        ));
        recs.push(exec(
            "pypy-7.3",
            "nbody",
            p,
            series(s + 9, 300.0 * MS, 2, 20.0 * MS, 15, 0.01),
            1_000_000_000,
        ));
        recs.push(exec(
            "cpython-3.13",
            "spectral",
            p,
            series(s + 3, 50.0 * MS, 0, 50.0 * MS, 15, 0.01),
            1_000_000_000,
        ));
        recs.push(exec(
            "pypy-7.3",
            "spectral",
            p,
            series(s + 4, 60.0 * MS, 0, 60.0 * MS, 15, 0.01),
            1_000_000_000,
        ));
    }
    // A planned run gives cells different numbers of processes: pypy's spectral ran six.
    for p in 4..6u32 {
        recs.push(exec(
            "pypy-7.3",
            "spectral",
            p,
            series(p as u64 + 4, 60.0 * MS, 0, 60.0 * MS, 15, 0.01),
            1_000_000_000,
        ));
    }
    recs.push(failed("pypy-7.3", "decimal", 0, Outcome::OutOfMemory));
    vec![raw("run-x", recs)]
}

fn summary(raws: &[RawFile]) -> whichpy_stats::Summary {
    summarise(
        raws,
        &suite(),
        &Options {
            bootstrap_resamples: 500,
            ..Options::default()
        },
    )
}

#[test]
fn csv_has_a_header_and_a_row_per_cell() {
    let raws = data();
    let s = summary(&raws);
    let text = String::from_utf8(CsvExporter.export(&s, &raws).unwrap()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("interp,workload,size,kind,processes_ok"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + s.cells.len());
    let pypy = lines
        .iter()
        .find(|l| l.starts_with("pypy-7.3,nbody,"))
        .unwrap();
    assert!(pypy.contains(",warmup,true,2.0,"), "{pypy}");
    assert!(
        pypy.contains(",warm,") && pypy.contains(",faster,"),
        "{pypy}"
    );
    let dec = lines
        .iter()
        .find(|l| l.starts_with("pypy-7.3,decimal,"))
        .unwrap();
    assert!(dec.contains(",0,1,"), "{dec}");
}

#[test]
fn markdown_is_a_table() {
    let raws = data();
    let s = summary(&raws);
    let text = String::from_utf8(MarkdownExporter.export(&s, &raws).unwrap()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("| Interpreter |"));
    assert!(lines[1].starts_with("|---"));
    assert_eq!(lines.len(), 2 + s.cells.len());
    assert!(lines.iter().all(|l| l.matches('|').count() == 12), "{text}");
    assert!(text.contains("× ["), "{text}");
    assert!(text.contains("faster"));
}

#[test]
fn pyperf_json_shape() {
    let raws = data();
    let s = summary(&raws);
    let export = |interp: &str, metric| -> serde_json::Value {
        let bytes = PyperfExporter {
            interp: interp.into(),
            metric,
            all_runs: false,
        }
        .export(&s, &raws)
        .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["benchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    // One metric per file: warm and cold times of the iteration cells, the startup cell alone.
    let warm = export("pypy-7.3", Metric::Warm);
    assert_eq!(warm["version"], "1.0");
    assert_eq!(warm["metadata"]["unit"], "second");
    assert_eq!(warm["metadata"]["whichpy_metric"], "warm");
    assert_eq!(names(&warm), vec!["nbody", "spectral"]);
    assert_eq!(
        names(&export("pypy-7.3", Metric::Cold)),
        vec!["nbody", "spectral"]
    );
    let startup = export("pypy-7.3", Metric::Startup);
    assert_eq!(names(&startup), vec!["startup"]);
    // One run per process execution, each with one value: equal counts in every run.
    let runs = warm["benchmarks"][0]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    assert!(runs
        .iter()
        .all(|r| r["values"].as_array().unwrap().len() == 1 && r.get("warmups").is_none()));
    // The value is that process's steady-state mean: pypy's nbody settles at 20 ms.
    let v = runs[0]["values"][0].as_f64().unwrap();
    assert!((v - 0.020).abs() < 0.002, "{v}");
    assert_eq!(
        startup["benchmarks"][0]["runs"].as_array().unwrap().len(),
        6
    );
    // Unequal counts: pypy's spectral ran six processes, cpython's four; both files hold four
    // runs, spread over pypy's six in the order they ran, and the metadata says six.
    let spectral = &warm["benchmarks"][1];
    assert_eq!(spectral["metadata"]["name"], "spectral");
    assert_eq!(spectral["metadata"]["whichpy_processes"], 6);
    let processes: Vec<u64> = spectral["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["metadata"]["whichpy_process"].as_u64().unwrap())
        .collect();
    assert_eq!(processes, vec![0, 2, 3, 5]);
    let all = PyperfExporter {
        interp: "pypy-7.3".into(),
        metric: Metric::Warm,
        all_runs: true,
    }
    .export(&s, &raws)
    .unwrap();
    let all: serde_json::Value = serde_json::from_slice(&all).unwrap();
    assert_eq!(all["benchmarks"][1]["runs"].as_array().unwrap().len(), 6);
    // No process cells, unknown interpreter: nothing to export, said so.
    assert!(PyperfExporter {
        interp: "pypy-7.3".into(),
        metric: Metric::Process,
        all_runs: false,
    }
    .export(&s, &raws)
    .is_err());
    assert!(PyperfExporter {
        interp: "nobody".into(),
        metric: Metric::Warm,
        all_runs: false,
    }
    .export(&s, &raws)
    .is_err());
}

/// The Python that has pyperf: the venv of tests/reference, or `WHICHPY_PYTHON`.
fn pyperf_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("WHICHPY_PYTHON").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/stats-venv/bin/python")),
    ];
    candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import pyperf"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn real_pyperf_reads_the_export() {
    let Some(python) = pyperf_python() else {
        // In CI (`.ci/run` installs it with `doctor --install`) a missing pyperf is a failure,
        // not a skip: the test would otherwise pass without testing anything.
        assert!(
            std::env::var_os("CI").is_none(),
            "no Python with pyperf: run `cargo xtask doctor --install`"
        );
        // Straight to fd 2: the test harness captures eprintln! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!! SKIPPED real_pyperf_reads_the_export: no Python with pyperf.\n!!! Run \
             `python3 -m venv .cache/stats-venv && .cache/stats-venv/bin/pip install pyperf` \
             or set WHICHPY_PYTHON.\n"
        );
        return;
    };
    let raws = data();
    let s = summary(&raws);
    let dir = std::env::temp_dir().join(format!("whichpy-pyperf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |interp: &str, metric: Metric| {
        let path = dir.join(format!("{interp}-{}.json", metric.as_str()));
        let bytes = PyperfExporter {
            interp: interp.into(),
            metric,
            all_runs: false,
        }
        .export(&s, &raws)
        .unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let (a, b) = (
        write("cpython-3.13", Metric::Warm),
        write("pypy-7.3", Metric::Warm),
    );
    let run = |args: &[&std::ffi::OsStr]| {
        let out = Command::new(&python)
            .arg("-m")
            .arg("pyperf")
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            out.status.success(),
            "pyperf {args:?} failed:\n{text}\n{err}"
        );
        text
    };
    let stats = run(&["stats".as_ref(), b.as_os_str()]);
    assert!(
        stats.contains("nbody") && stats.contains("Mean +- std dev"),
        "{stats}"
    );
    // pyperf's t-test runs on every benchmark (same number of values on both sides): no ERROR,
    // and the expected significance: pypy's nbody (20 ms against 100 ms) is significantly
    // faster, its spectral (60 ms against 50 ms) significantly slower.
    let cmp = run(&[
        "compare_to".as_ref(),
        "-v".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
    ]);
    assert!(!cmp.contains("ERROR"), "{cmp}");
    let block = |name: &str| -> String {
        let start = cmp
            .find(&format!("{name}\n"))
            .unwrap_or_else(|| panic!("{name}: {cmp}"));
        cmp[start..].lines().take(5).collect::<Vec<_>>().join("\n")
    };
    let nbody = block("nbody");
    assert!(
        nbody.contains("faster") && nbody.contains("Significant"),
        "{nbody}"
    );
    let spectral = block("spectral");
    assert!(
        spectral.contains("slower") && spectral.contains("Significant"),
        "{spectral}"
    );
    // Every metric of both interpreters: still no ERROR, and pyperf's geometric mean is one
    // kind of time.
    for metric in METRICS {
        if metric == Metric::Process {
            continue;
        }
        let (a, b) = (write("cpython-3.13", metric), write("pypy-7.3", metric));
        let t = run(&[
            "compare_to".as_ref(),
            "--table".as_ref(),
            "-G".as_ref(),
            a.as_os_str(),
            b.as_os_str(),
        ]);
        assert!(!t.contains("ERROR"), "{metric:?}: {t}");
    }
    let meta = run(&["metadata".as_ref(), b.as_os_str()]);
    assert!(meta.contains("platform:"), "{meta}");
    eprintln!("pyperf stats:\n{stats}\npyperf compare_to:\n{cmp}");
    std::fs::remove_dir_all(&dir).ok();
}
