//! The web service's view and the matrix row that quotes it, on a render fixture with a
//! synthetic `web` section (test data, not a measurement).

use std::path::Path;

use whichpy_view::article::{ClassSpec, Editorial};
use whichpy_view::View;
use whichpy_wire::summary::{Estimate, Interval, LatencyRatio, RateLatency, Summary, WebCell};
use whichpy_wire::{CellKey, Family, SizeName};

fn est(ms: f64, half: f64) -> Estimate {
    Estimate {
        n: 3,
        mean: ms * 1e6,
        median: ms * 1e6,
        std_dev: Some(half * 1e6),
        ci: Some(Interval {
            low: (ms - half) * 1e6,
            high: (ms + half) * 1e6,
        }),
    }
}

fn rate(rate: u32, p95_ms: f64, ratio: Option<(f64, f64, f64)>) -> RateLatency {
    RateLatency {
        rate,
        executions: 3,
        sustained_by: if p95_ms <= 10.0 { 3 } else { 0 },
        p50_ns: est(p95_ms / 4.0, 0.1),
        p95_ns: est(p95_ms, 0.5),
        p99_ns: est(p95_ms * 2.0, 1.0),
        max_ns: p95_ms * 3e6,
        achieved_rps: f64::from(rate),
        errors: 0,
        unsent: 0,
        p95_ratio: ratio.map(|(r, low, high)| LatencyRatio {
            ratio: r,
            ci: Interval { low, high },
        }),
    }
}

fn with_web(mut s: Summary) -> Summary {
    let id = |f: Family| {
        s.environment
            .interpreters
            .iter()
            .find(|i| i.family == f)
            .map(|i| i.id.clone())
            .expect("fixture has the family")
    };
    let cell = |interp: String, rates: Vec<RateLatency>, sustained: Option<u32>| WebCell {
        key: CellKey {
            interp,
            workload: "web_service".into(),
            size: SizeName::Quick,
        },
        processes: 3,
        bound_ms: 10.0,
        warmup: Some(rate(100, 30.0, None)),
        rates,
        sustained_rps: sustained,
        sustained: None,
    };
    s.web = vec![
        cell(
            id(Family::Cpython),
            vec![rate(100, 2.0, None), rate(200, 3.0, None)],
            Some(200),
        ),
        cell(
            id(Family::Pypy),
            vec![
                rate(100, 4.0, Some((2.0, 1.5, 2.6))),
                rate(200, 12.0, Some((4.0, 3.0, 5.0))),
            ],
            Some(100),
        ),
    ];
    s
}

#[test]
fn the_matrix_quotes_p95_at_a_stated_rate_and_the_sustained_rate() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../render/tests/fixtures/pypy-faster.json");
    let summary: Summary = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let workloads = vec!["json_roundtrip".to_string()];
    let ed = Editorial {
        example_workload: "nbody",
        date_published: "first-run",
        classes: vec![ClassSpec {
            id: "web",
            name: "Web services",
            workloads: &workloads,
            embedded: false,
            app: None,
        }],
    };
    let before = View::build(&summary, &ed).unwrap();
    assert!(before.web.is_none());
    let view = View::build(&with_web(summary), &ed).unwrap();
    let web = view.web.as_ref().expect("a web section");
    assert_eq!(web.rate, "200 requests/s");
    assert_eq!(web.bound, "10.0 ms");
    let pypy = web.interps.iter().find(|i| i.family == "pypy").unwrap();
    assert_eq!(pypy.rows.len(), 2);
    assert_eq!(pypy.rows[1].p95.short, "12.0 ms");
    assert_eq!(pypy.warmup.as_ref().unwrap().p95.short, "30.0 ms");
    assert_eq!(pypy.sustained, "100 requests/s");
    let row = &view.matrix[0];
    let cell = |f: &str| row.cells.iter().find(|c| c.family == f).unwrap();
    assert_eq!(cell("pypy").fit, "Unlikely");
    assert_eq!(
        cell("pypy").evidence,
        "p95 12.0 ms (11.5–12.5 ms) at 200 requests/s; sustains 100 requests/s"
    );
    assert_eq!(cell("cpython").fit, "Baseline");
    assert!(cell("cpython").evidence.starts_with("p95 3.00 ms"));
    // MicroPython has no web cell here: today's microbenchmark text.
    let before_mp = before.matrix[0]
        .cells
        .iter()
        .find(|c| c.family == "micropython")
        .unwrap();
    assert_eq!(cell("micropython").evidence, before_mp.evidence);
}
