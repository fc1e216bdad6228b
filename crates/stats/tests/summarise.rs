//! Whole summaries from synthetic raw files.

mod common;

use common::*;
use whichpy_stats::{summarise, Options};
use whichpy_wire::summary::*;
use whichpy_wire::*;

const MS: f64 = 1e6;

fn key(interp: &str, workload: &str) -> CellKey {
    CellKey {
        interp: interp.into(),
        workload: workload.into(),
        size: SizeName::Default,
    }
}

/// CPython flat at 100 ms; PyPy 400 ms for 3 iterations then 20 ms; MicroPython flat at 110 ms.
/// Startups 20, 40 and 2 ms. `decimal` crashes on PyPy and is unsupported on MicroPython;
/// `spectral` was only run on PyPy.
fn scenario() -> Vec<RawFile> {
    let mut recs = Vec::new();
    for p in 0..10u32 {
        let s = p as u64;
        let w = |ms: f64| (ms * MS * (1.0 + 0.02 * noise(s + 77))) as u64;
        recs.push(exec("cpython-3.13", "startup", p, vec![], w(20.0)));
        recs.push(exec("pypy-7.3", "startup", p, vec![], w(40.0)));
        recs.push(exec("micropython-1.25", "startup", p, vec![], w(2.0)));
    }
    recs.push(failed(
        "micropython-1.25",
        "decimal",
        0,
        Outcome::Unsupported {
            reason: "no decimal module (recorded)".into(),
        },
    ));
    for p in 0..5u32 {
        let s = p as u64;
        let wall = 3_000_000_000;
        recs.push(exec(
            "cpython-3.13",
            "nbody",
            p,
            series(s, 100.0 * MS, 0, 100.0 * MS, 20, 0.01),
            wall,
        ));
        recs.push(exec(
            "pypy-7.3",
            "nbody",
            p,
            series(s + 10, 400.0 * MS, 3, 20.0 * MS, 20, 0.01),
            wall,
        ));
        recs.push(exec(
            "micropython-1.25",
            "nbody",
            p,
            series(s + 20, 110.0 * MS, 0, 110.0 * MS, 20, 0.01),
            wall,
        ));
        recs.push(exec(
            "cpython-3.13",
            "decimal",
            p,
            series(s + 30, 50.0 * MS, 0, 50.0 * MS, 20, 0.01),
            wall,
        ));
        recs.push(failed(
            "pypy-7.3",
            "decimal",
            p,
            Outcome::Crashed {
                exit_code: Some(1),
                signal: None,
            },
        ));
        recs.push(exec(
            "pypy-7.3",
            "spectral",
            p,
            series(s + 40, 30.0 * MS, 0, 30.0 * MS, 20, 0.01),
            wall,
        ));
    }
    vec![raw("run-1", recs)]
}

fn opts() -> Options {
    Options {
        bootstrap_resamples: 1000,
        ..Options::default()
    }
}

fn comparison<'a>(s: &'a Summary, interp: &str, workload: &str, metric: Metric) -> &'a Comparison {
    s.comparisons
        .iter()
        .find(|c| c.interp == interp && c.workload == workload && c.metric == metric)
        .unwrap_or_else(|| panic!("no comparison {interp} {workload} {metric:?}"))
}

#[test]
fn same_input_gives_byte_identical_json() {
    let raws = scenario();
    let a = serde_json::to_string_pretty(&summarise(&raws, &suite(), &opts())).unwrap();
    let b = serde_json::to_string_pretty(&summarise(&raws, &suite(), &opts())).unwrap();
    assert_eq!(a, b);
    // And the schema reads back what it wrote.
    let back: Summary = serde_json::from_str(&a).unwrap();
    assert_eq!(serde_json::to_string_pretty(&back).unwrap(), a);
}

#[test]
fn the_seed_does_not_move_the_ratio_intervals() {
    // Ratio and geometric-mean intervals are closed forms (whichpy_stats::ratio): no draw.
    let raws = scenario();
    let a = summarise(&raws, &suite(), &opts());
    let b = summarise(&raws, &suite(), &Options { seed: 1, ..opts() });
    let (ca, cb) = (
        comparison(&a, "pypy-7.3", "nbody", Metric::Warm),
        comparison(&b, "pypy-7.3", "nbody", Metric::Warm),
    );
    assert_eq!(ca.ratio, cb.ratio);
    assert_eq!(ca.ci, cb.ci);
    assert_eq!(ca.verdict, cb.verdict);
}

#[test]
fn cells_warmup_cold_and_warm() {
    let s = summarise(&scenario(), &suite(), &opts());
    assert_eq!(s.schema, SUMMARY_SCHEMA);
    assert_eq!(s.analysis.baseline, "cpython-3.13");

    let pypy = s.cell(&key("pypy-7.3", "nbody")).unwrap();
    let w = pypy.warmup.as_ref().unwrap();
    assert_eq!(w.class, Some(WarmupClass::Warmup));
    assert_eq!(w.consistency, Consistency::Consistent);
    assert_eq!(w.iterations_before_steady.as_ref().unwrap().mean, 3.0);
    let warm = pypy.warm_ns.as_ref().unwrap();
    assert!((warm.mean / MS - 20.0).abs() < 0.5, "{warm:?}");
    let ci = warm.ci.unwrap();
    assert!(ci.low < warm.mean && warm.mean < ci.high);
    // Cold = first iteration + mean startup.
    let cold = pypy.cold_ns.as_ref().unwrap().mean;
    let first = pypy.first_iteration_ns.as_ref().unwrap().mean;
    let startup = pypy.startup_ns.as_ref().unwrap().mean;
    assert!((cold - first - startup).abs() < 1.0);
    assert!((startup / MS - 40.0).abs() < 1.0);
    assert_eq!(pypy.profile.as_ref().unwrap().mean_ns.len(), 20);
    assert_eq!(pypy.process_details.len(), 5);
    assert_eq!(pypy.process_details[0].changepoints, vec![3]);
    assert_eq!(pypy.memory.as_ref().unwrap().max_kib, 10_004);
    assert_eq!(pypy.memory.as_ref().unwrap().median_kib, 10_002.0);

    let cpy = s.cell(&key("cpython-3.13", "nbody")).unwrap();
    assert_eq!(cpy.warmup.as_ref().unwrap().class, Some(WarmupClass::Flat));

    let start = s.cell(&key("micropython-1.25", "startup")).unwrap();
    assert_eq!(start.kind, WorkloadKind::Startup);
    assert_eq!(start.processes_ok, 10);
    assert!(start.warmup.is_none());
    assert!((start.wall_ns.as_ref().unwrap().mean / MS - 2.0).abs() < 0.1);
}

#[test]
fn ratios_verdicts_geomeans_and_crossovers() {
    let s = summarise(&scenario(), &suite(), &opts());
    let warm = comparison(&s, "pypy-7.3", "nbody", Metric::Warm);
    assert_eq!(warm.verdict, Verdict::Faster);
    assert!((warm.ratio - 0.2).abs() < 0.01, "{warm:?}");
    assert!(warm.ci.contains(warm.ratio));
    assert_eq!(
        comparison(&s, "pypy-7.3", "nbody", Metric::Cold).verdict,
        Verdict::Slower
    );
    assert_eq!(
        comparison(&s, "micropython-1.25", "nbody", Metric::Warm).verdict,
        Verdict::Slower
    );
    assert_eq!(
        comparison(&s, "micropython-1.25", "nbody", Metric::Cold).verdict,
        Verdict::Faster
    );
    assert_eq!(
        comparison(&s, "micropython-1.25", "startup", Metric::Startup).verdict,
        Verdict::Faster
    );
    assert_eq!(
        comparison(&s, "pypy-7.3", "startup", Metric::Startup).verdict,
        Verdict::Slower
    );

    let g = s
        .geomeans
        .iter()
        .find(|g| g.interp == "pypy-7.3" && g.metric == Metric::Warm)
        .unwrap();
    assert_eq!(g.workloads, vec!["nbody".to_string()]);
    assert_eq!(g.verdict, Verdict::Faster);

    // PyPy: 1160 - 80k ms behind, ahead from k = 15 (noise allows a step either way).
    let c = s
        .crossovers
        .iter()
        .find(|c| c.interp == "pypy-7.3" && c.workload == "nbody")
        .unwrap();
    assert_eq!(c.direction, CrossDirection::InterpOvertakes);
    assert!((14..=16).contains(&c.iterations), "{c:?}");
    assert!(!c.extrapolated);
    let m = s
        .crossovers
        .iter()
        .find(|c| c.interp == "micropython-1.25")
        .unwrap();
    assert_eq!(m.direction, CrossDirection::BaselineOvertakes);
    assert_eq!(m.iterations, 2);
}

#[test]
fn failures_unsupported_and_missing_baseline() {
    let s = summarise(&scenario(), &suite(), &opts());
    let dec = s.cell(&key("pypy-7.3", "decimal")).unwrap();
    assert_eq!((dec.processes_ok, dec.processes_failed), (0, 5));
    assert_eq!(dec.failures[0].label, "crashed");
    assert!(dec.warm_ns.is_none() && dec.cold_ns.is_none());
    assert!(!s
        .comparisons
        .iter()
        .any(|c| c.workload == "decimal" && c.interp == "pypy-7.3"));

    let compat = |interp: &str, workload: &str| {
        s.compatibility
            .iter()
            .find(|e| e.interp == interp && e.workload == workload)
            .map(|e| e.status.clone())
    };
    assert_eq!(
        compat("cpython-3.13", "decimal"),
        Some(CompatStatus::Supported)
    );
    assert!(matches!(
        compat("pypy-7.3", "decimal"),
        Some(CompatStatus::Failed {
            failed: 5,
            ok: 0,
            ..
        })
    ));
    assert_eq!(
        compat("micropython-1.25", "decimal"),
        Some(CompatStatus::Unsupported {
            reason: "no decimal module (recorded)".into()
        })
    );

    let kinds: Vec<(&str, &WarningKind)> = s
        .warnings
        .iter()
        .map(|w| (w.cell.as_ref().map_or("", |c| c.workload.as_str()), &w.kind))
        .collect();
    assert!(kinds
        .iter()
        .any(|(w, k)| *w == "decimal" && matches!(k, WarningKind::AllFailed { .. })));
    assert!(kinds
        .iter()
        .any(|(w, k)| *w == "spectral" && matches!(k, WarningKind::NoBaseline { .. })));
    assert!(!s.warnings.iter().any(|w| w
        .cell
        .as_ref()
        .is_some_and(|c| c.interp == "micropython-1.25" && c.workload == "decimal")));
    for w in &s.warnings {
        assert!(
            !w.message.is_empty() && !w.message.ends_with('.'),
            "{}",
            w.message
        );
    }
}

#[test]
fn single_process_and_zero_variance() {
    let raws = vec![raw(
        "one",
        vec![
            exec("cpython-3.13", "nbody", 0, vec![1_000_000; 10], 20_000_000),
            exec("pypy-7.3", "nbody", 0, vec![2_000_000; 10], 30_000_000),
        ],
    )];
    let s = summarise(&raws, &suite(), &opts());
    let c = s.cell(&key("cpython-3.13", "nbody")).unwrap();
    let warm = c.warm_ns.as_ref().unwrap();
    assert_eq!((warm.n, warm.mean, warm.ci), (1, 1_000_000.0, None));
    assert_eq!(c.warmup.as_ref().unwrap().class, Some(WarmupClass::Flat));
    assert!(s
        .warnings
        .iter()
        .any(|w| matches!(w.kind, WarningKind::SingleProcess)));
    // One process execution per interpreter: no interval of the ratio exists (the process is
    // the unit of replication), so no comparison is claimed.
    assert!(s.comparisons.is_empty(), "{:?}", s.comparisons);
    // Two identical processes each: zero variance, the ratio is exactly 2 and so is its interval.
    let raws = vec![raw(
        "two",
        (0..2)
            .flat_map(|p| {
                [
                    exec("cpython-3.13", "nbody", p, vec![1_000_000; 10], 20_000_000),
                    exec("pypy-7.3", "nbody", p, vec![2_000_000; 10], 30_000_000),
                ]
            })
            .collect(),
    )];
    let s = summarise(&raws, &suite(), &opts());
    let r = comparison(&s, "pypy-7.3", "nbody", Metric::Warm);
    assert_eq!((r.ratio, r.ci.low, r.ci.high), (2.0, 2.0, 2.0));
    assert_eq!(r.verdict, Verdict::Slower);
}

#[test]
fn all_failed_and_empty_input() {
    let raws = vec![raw(
        "bad",
        vec![
            failed(
                "cpython-3.13",
                "nbody",
                0,
                Outcome::TimedOut { after_s: 60.0 },
            ),
            failed("cpython-3.13", "nbody", 1, Outcome::OutOfMemory),
            failed("cpython-3.13", "nbody", 2, Outcome::OutOfMemory),
        ],
    )];
    let s = summarise(&raws, &suite(), &opts());
    let c = &s.cells[0];
    assert_eq!((c.processes_ok, c.processes_failed), (0, 3));
    assert_eq!(c.failures.len(), 2);
    assert!(s.comparisons.is_empty() && s.geomeans.is_empty());
    let w = s
        .warnings
        .iter()
        .find(|w| matches!(w.kind, WarningKind::AllFailed { .. }))
        .unwrap();
    assert!(w.message.contains("out of memory"), "{}", w.message);

    let empty = summarise(&[], &suite(), &opts());
    assert!(empty.cells.is_empty());
    assert_eq!(empty.environment.data_date, "");
}

#[test]
fn other_machines_are_not_pooled() {
    let mut raws = scenario();
    let mut other = raw(
        "run-0",
        vec![exec("cpython-3.13", "nbody", 0, vec![5; 10], 5)],
    );
    other.meta.started_at = "2026-01-01T00:00:00Z".into();
    other.meta.machine.fingerprint = "fp-other".into();
    raws.push(other);
    let s = summarise(&raws, &suite(), &opts());
    assert_eq!(s.environment.runs.len(), 1);
    assert_eq!(
        s.cell(&key("cpython-3.13", "nbody")).unwrap().processes_ok,
        5
    );
    assert!(s
        .warnings
        .iter()
        .any(|w| matches!(&w.kind, WarningKind::OtherMachine { run_id, .. } if run_id == "run-0")));
}

#[test]
fn declared_unsupported_without_records_is_in_the_matrix() {
    let raws = vec![raw(
        "decl",
        vec![
            exec("cpython-3.13", "decimal", 0, vec![1_000_000; 5], 1),
            exec("cpython-3.13", "decimal", 1, vec![1_000_000; 5], 1),
        ],
    )];
    let s = summarise(&raws, &suite(), &opts());
    let e = s
        .compatibility
        .iter()
        .find(|e| e.interp == "micropython-1.25")
        .unwrap();
    assert_eq!(
        e.status,
        CompatStatus::Unsupported {
            reason: "MicroPython has no decimal module".into()
        }
    );
    // PyPy declared nothing and ran nothing: not in the matrix.
    assert!(!s.compatibility.iter().any(|e| e.interp == "pypy-7.3"));
}

#[test]
fn neighbours_cpu_time_is_summarised_and_warned() {
    let quiet = whichpy_wire::Noise {
        foreign_cpu_ns: 5_000_000,
        steal_ns: 0,
    };
    let busy = whichpy_wire::Noise {
        foreign_cpu_ns: 75_000_000,
        steal_ns: 5_000_000,
    };
    let recs: Vec<ExecRecord> = (0..4)
        .flat_map(|p| {
            let mut a = exec("cpython-3.13", "nbody", p, vec![1_000_000; 10], 100_000_000);
            a.noise = Some(quiet);
            let mut b = exec("pypy-7.3", "nbody", p, vec![2_000_000; 10], 100_000_000);
            b.noise = Some(busy);
            [a, b]
        })
        .collect();
    let s = summarise(&[raw("noisy", recs)], &suite(), &opts());
    let quiet_cell = s.cell(&key("cpython-3.13", "nbody")).unwrap();
    let n = quiet_cell.noise.as_ref().unwrap();
    assert_eq!((n.processes, n.foreign_share), (4, 0.05));
    let busy_cell = s.cell(&key("pypy-7.3", "nbody")).unwrap();
    assert!((busy_cell.noise.as_ref().unwrap().max_share - 0.8).abs() < 1e-12);
    let warned: Vec<_> = s
        .warnings
        .iter()
        .filter(|w| matches!(w.kind, WarningKind::Neighbours { .. }))
        .map(|w| w.cell.clone().unwrap().interp)
        .collect();
    assert_eq!(warned, vec!["pypy-7.3".to_string()]);
}
