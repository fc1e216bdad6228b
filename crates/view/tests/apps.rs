//! The application classes in the view: the pipeline's MB/s and records/s from the declared
//! input, the CLI tool's process times, and the decision matrix quoting them with words that
//! follow the data. The fixture (`fixtures/apps.json`) is a render fixture with pipeline and
//! cli_tool cells from a quick docker run, PyPy's warm pipeline ratio set to a significant
//! slowdown (1.63×, 1.21–2.19).

use std::path::Path;

use whichpy_view::article::{ClassSpec, Editorial};
use whichpy_view::View;
use whichpy_wire::summary::Summary;

fn fixture() -> Summary {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apps.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn view(s: &Summary, app: Option<&'static str>) -> View {
    let workloads = vec!["nbody".to_string()];
    let ed = Editorial {
        example_workload: "nbody",
        date_published: "first-run",
        classes: vec![ClassSpec {
            id: "data",
            name: "Data pipeline",
            workloads: &workloads,
            embedded: false,
            app,
        }],
    };
    View::build(s, &ed).unwrap()
}

#[test]
fn pipeline_throughput_comes_from_the_declared_input_and_the_time() {
    let s = fixture();
    let v = view(&s, Some("pipeline"));
    let p = v
        .apps
        .pipeline
        .as_ref()
        .expect("the pipeline is in the data");
    assert_eq!(p.input_mb, "0.423 MB");
    assert_eq!(p.records, "10,000");
    let cp = p.rows.iter().find(|r| r.family == "cpython").unwrap();
    let cell = s
        .cells
        .iter()
        .find(|c| c.key.interp == "cpython-host" && c.key.workload == "pipeline")
        .unwrap();
    let warm = cell.warm_ns.as_ref().unwrap();
    let mbs: f64 = 0.423221 * 1e9 / warm.mean;
    let shown: f64 = cp.warm_mbs.as_ref().unwrap().value.parse().unwrap();
    assert!((shown - mbs).abs() / mbs < 0.005, "{shown} vs {mbs}");
    // A higher bound of the rate is the lower bound of the time.
    // A higher bound of the rate is the lower bound of the time (unbounded when the time's
    // interval reaches zero, as this quick run's ±134% does).
    let ci = warm.ci.unwrap();
    let high = &cp.warm_mbs.as_ref().unwrap().high;
    if ci.low > 0.0 {
        let expect_high = 0.423221 * 1e9 / ci.low;
        let high: f64 = high.parse().unwrap();
        assert!((high - expect_high).abs() / expect_high < 0.005);
    } else {
        assert_eq!(high, "∞");
    }
    let low: f64 = cp.warm_mbs.as_ref().unwrap().low.parse().unwrap();
    let expect_low = 0.423221 * 1e9 / ci.high;
    assert!(
        (low - expect_low).abs() / expect_low < 0.005,
        "{low} vs {expect_low}"
    );
    assert!(cp.warm_records.as_ref().unwrap().unit == "records/s");
    assert!(cp.cold_mbs.is_some() && cp.cold_records.is_some());
    assert!(cp.is_baseline && cp.warm_vs.is_none());
    let pp = p.rows.iter().find(|r| r.family == "pypy").unwrap();
    assert_eq!(pp.warm_vs.as_ref().unwrap().short, "1.63× slower");
}

#[test]
fn cli_rows_give_mean_p50_p95_and_the_process_ratio() {
    let v = view(&fixture(), None);
    let c = v.apps.cli.as_ref().expect("the CLI tool is in the data");
    assert_eq!(c.workload, "cli_tool");
    assert_eq!(c.rows.len(), 3);
    for r in &c.rows {
        assert!(r.mean.unit == "ms", "{:?}", r.mean);
        assert!(r.p50.ends_with(" ms") && r.p95.ends_with(" ms"), "{r:?}");
        assert_eq!(r.processes, "20");
        assert_eq!(r.vs.is_none(), r.is_baseline);
    }
    let pp = c.rows.iter().find(|r| r.family == "pypy").unwrap();
    assert!(pp.vs.as_ref().unwrap().short.ends_with("slower"));
    let mp = c.rows.iter().find(|r| r.family == "micropython").unwrap();
    assert!(mp.vs.as_ref().unwrap().short.ends_with("faster"));
}

#[test]
fn the_matrix_quotes_the_pipeline_and_says_pypy_is_slower() {
    let v = view(&fixture(), Some("pipeline"));
    let row = &v.matrix[0];
    let cell = |f: &str| row.cells.iter().find(|c| c.family == f).unwrap();
    let p = v.apps.pipeline.as_ref().unwrap();
    let fig = |f: &str| {
        p.rows
            .iter()
            .find(|r| r.family == f)
            .unwrap()
            .warm_mbs
            .clone()
            .unwrap()
    };
    assert_eq!(cell("cpython").fit, "Baseline");
    assert_eq!(
        cell("cpython").evidence,
        format!("the reference, {} warm", fig("cpython").brief)
    );
    assert_eq!(cell("pypy").fit, "Unlikely");
    assert_eq!(
        cell("pypy").evidence,
        format!("{} warm, 1.63× slower", fig("pypy").brief)
    );
    assert!(fig("pypy").brief.contains("MB/s"));
}

#[test]
fn without_the_pipeline_the_matrix_counts_microbenchmarks() {
    let mut s = fixture();
    s.cells.retain(|c| c.key.workload != "pipeline");
    s.comparisons.retain(|c| c.workload != "pipeline");
    s.workloads.retain(|w| w.name != "pipeline");
    let v = view(&s, Some("pipeline"));
    assert!(v.apps.pipeline.is_none());
    let row = &v.matrix[0];
    assert_eq!(row.cells[0].evidence, "the reference");
    assert!(row.cells[1].evidence.contains("of 1"), "{:?}", row.cells[1]);
}
