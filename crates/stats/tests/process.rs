//! Process cells (`WorkloadKind::Process`: a script timed as whole processes, as a user waits
//! for a command-line tool): the sample is the process wall time, summarised as startup is
//! (Student-t mean over processes) with p50/p95, compared on their own metric, and kept out of
//! the startup sample that cold times add and out of the geometric means.

mod common;

use common::*;
use whichpy_stats::describe::{estimate, quantile};
use whichpy_stats::{summarise, Options};
use whichpy_wire::summary::*;
use whichpy_wire::*;

const MS: u64 = 1_000_000;

/// CPython's tool runs 60 + p ms, PyPy's twice that; one PyPy process printed a wrong result.
/// Startups 20 and 40 ms; nbody flat at 100 and 50 ms.
fn raws() -> Vec<RawFile> {
    let mut recs = Vec::new();
    for p in 0..20u32 {
        recs.push(exec("cpython-3.13", "cli", p, vec![], (60 + p as u64) * MS));
        recs.push(exec(
            "pypy-7.3",
            "cli",
            p,
            vec![],
            (120 + 2 * p as u64) * MS,
        ));
        recs.push(exec(
            "cpython-3.13",
            "startup",
            p,
            vec![],
            20 * MS + p as u64,
        ));
        recs.push(exec("pypy-7.3", "startup", p, vec![], 40 * MS + p as u64));
    }
    recs.push(failed(
        "pypy-7.3",
        "cli",
        20,
        Outcome::WrongChecksum {
            expected: "42".into(),
            got: "41".into(),
        },
    ));
    for p in 0..5u32 {
        let s = p as u64;
        let flat = |ms: f64| series(s, ms * 1e6, 0, ms * 1e6, 20, 0.01);
        recs.push(exec("cpython-3.13", "nbody", p, flat(100.0), 3_000 * MS));
        recs.push(exec("pypy-7.3", "nbody", p, flat(50.0), 2_000 * MS));
    }
    vec![raw("r1", recs)]
}

fn cell<'a>(s: &'a Summary, interp: &str, workload: &str) -> &'a CellSummary {
    s.cells
        .iter()
        .find(|c| c.key.interp == interp && c.key.workload == workload)
        .unwrap()
}

#[test]
fn a_process_cell_is_its_wall_times_with_percentiles() {
    let s = summarise(&raws(), &suite(), &Options::default());
    let c = cell(&s, "cpython-3.13", "cli");
    assert_eq!(c.kind, WorkloadKind::Process);
    let walls: Vec<f64> = (0..20).map(|p| ((60 + p) * MS) as f64).collect();
    assert_eq!(c.wall_ns, estimate(&walls));
    let wall = c.wall_ns.as_ref().unwrap();
    assert!((wall.mean - 69.5e6).abs() < 1.0);
    assert!(wall.ci.unwrap().contains(69.5e6) && wall.ci.unwrap().low > 65e6);
    let p = c
        .wall_percentiles
        .as_ref()
        .expect("percentiles of a process cell");
    assert_eq!(p.n, 20);
    assert_eq!(p.p50_ns, quantile(&walls, 0.5));
    assert!((p.p95_ns - 78.05e6).abs() < 1.0, "{}", p.p95_ns);
    // No iterations: no warm, cold or warm-up figures.
    assert!(c.warm_ns.is_none() && c.cold_ns.is_none() && c.warmup.is_none());
    // Startup and iteration cells carry no percentiles.
    assert!(cell(&s, "cpython-3.13", "startup")
        .wall_percentiles
        .is_none());
    assert!(cell(&s, "cpython-3.13", "nbody").wall_percentiles.is_none());
}

#[test]
fn a_wrong_output_is_a_failure_not_a_sample() {
    let s = summarise(&raws(), &suite(), &Options::default());
    let c = cell(&s, "pypy-7.3", "cli");
    assert_eq!((c.processes_ok, c.processes_failed), (20, 1));
    assert_eq!(c.failures[0].label, "wrong checksum");
    assert_eq!(c.wall_percentiles.as_ref().unwrap().n, 20);
}

#[test]
fn process_time_is_compared_on_its_own_metric_and_stays_out_of_startup_and_geomeans() {
    let s = summarise(&raws(), &suite(), &Options::default());
    let cmp: Vec<&Comparison> = s
        .comparisons
        .iter()
        .filter(|c| c.workload == "cli")
        .collect();
    assert_eq!(cmp.len(), 1);
    assert_eq!(cmp[0].metric, Metric::Process);
    assert!((cmp[0].ratio - 2.0).abs() < 1e-9, "{}", cmp[0].ratio);
    assert_eq!(cmp[0].verdict, Verdict::Slower);
    assert!(cmp[0].ci.contains(2.0));
    // The startup that cold time adds is the empty program's, not the tool's.
    let nbody = cell(&s, "pypy-7.3", "nbody");
    assert!((nbody.startup_ns.as_ref().unwrap().mean - 40e6).abs() < 100.0);
    // Geometric means are over in-process figures only.
    assert!(s.geomeans.iter().all(|g| g.metric != Metric::Process));
    assert!(s
        .geomeans
        .iter()
        .all(|g| !g.workloads.iter().any(|w| w == "cli")));
}
