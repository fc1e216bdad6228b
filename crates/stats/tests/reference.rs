//! Compare with values computed independently by scipy, numpy and ruptures
//! (tests/reference/make_reference.py says how).

use serde_json::Value;
use whichpy_stats::bootstrap::{percentile_interval, ratio_replicates, TwoLevel};
use whichpy_stats::changepoint::{l2_cost, pelt_l2};
use whichpy_stats::describe::*;
use whichpy_stats::warmup::classify;

fn reference() -> Value {
    let text = include_str!("reference/reference.json");
    serde_json::from_str(text).expect("reference.json parses")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[track_caller]
fn close(got: f64, want: f64, rel: f64, what: &str) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        err <= rel,
        "{what}: got {got}, scipy/numpy {want} (rel err {err:e})"
    );
}

#[test]
fn t_quantiles_match_scipy() {
    for case in reference()["t_quantiles"].as_array().unwrap() {
        let df = f(&case["df"]);
        close(
            t_quantile(0.95, df),
            f(&case["q975"]),
            1e-9,
            &format!("t(0.975, {df})"),
        );
    }
    // The value FACTS.md quotes.
    close(t_quantile(0.95, 4.0), 2.776445105, 1e-9, "t(0.975, 4)");
}

#[test]
fn means_medians_quantiles_intervals_match_numpy_and_scipy() {
    for s in reference()["samples"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let x = floats(&s["x"]);
        close(mean(&x), f(&s["mean"]), 1e-12, &format!("{name} mean"));
        close(
            std_dev(&x).unwrap(),
            f(&s["std_dev"]),
            1e-12,
            &format!("{name} sd"),
        );
        close(
            median(&x),
            f(&s["median"]),
            1e-12,
            &format!("{name} median"),
        );
        for (q, want) in s["quantiles"].as_object().unwrap() {
            let q: f64 = q.parse().unwrap();
            close(quantile(&x, q), f(want), 1e-12, &format!("{name} q{q}"));
        }
        let ci = t_interval(&x).unwrap();
        close(ci.low, f(&s["t_low"]), 1e-9, &format!("{name} t low"));
        close(ci.high, f(&s["t_high"]), 1e-9, &format!("{name} t high"));
        // `estimate` is the same interval, its lower end clipped at 0 for positive data.
        let e = estimate(&x).unwrap().ci.unwrap();
        assert_eq!((e.low, e.high), (ci.low.max(0.0), ci.high));
        close(
            relative_half_width(&x).unwrap(),
            f(&s["relative_half_width"]),
            1e-9,
            &format!("{name} relative half-width"),
        );
        close(
            geometric_mean(&x),
            f(&s["gmean"]),
            1e-12,
            &format!("{name} gmean"),
        );
    }
}

#[test]
fn pelt_matches_ruptures() {
    for c in reference()["pelt"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let x = floats(&c["x"]);
        let pen = f(&c["penalty"]);
        let min_size = c["min_size"].as_u64().unwrap() as usize;
        let cps = pelt_l2(&x, pen, min_size);
        let ours = l2_cost(&x, &cps) + pen * cps.len() as f64;
        // Exact PELT never does worse than ruptures on the same objective.
        assert!(
            ours <= f(&c["penalised_cost"]) * (1.0 + 1e-9),
            "{name}: cost {ours} > ruptures {}",
            c["penalised_cost"]
        );
        let want: Vec<usize> = c["changepoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(cps, want, "{name}");
    }
}

#[test]
fn constructed_series_get_their_class() {
    for c in reference()["warmup"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let got = classify(&floats(&c["x"]), 1.0);
        assert_eq!(
            got.class.as_str(),
            c["class"].as_str().unwrap(),
            "{name}: {got:?}"
        );
        if let Some(start) = c["steady_start"].as_u64() {
            assert_eq!(got.steady_start, start as usize, "{name}");
            assert_eq!(got.iterations_before_steady, Some(start as usize), "{name}");
        } else {
            assert_eq!(got.iterations_before_steady, None, "{name}");
        }
    }
}

#[test]
fn two_level_bootstrap_agrees_with_numpy() {
    for c in reference()["bootstrap"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let level = |v: &Value| TwoLevel {
            processes: v.as_array().unwrap().iter().map(floats).collect(),
            plus: None,
        };
        let (num, den) = (level(&c["num"]), level(&c["den"]));
        close(
            num.estimate() / den.estimate(),
            f(&c["ratio"]),
            1e-12,
            &format!("{name} ratio"),
        );
        let b = c["resamples"].as_u64().unwrap() as u32;
        let reps = ratio_replicates(&num.replicates(1, "num", b), &den.replicates(1, "den", b));
        let ci = percentile_interval(&reps).unwrap();
        // Different random streams: agreement within Monte Carlo error.
        close(ci.low, f(&c["low"]), 0.01, &format!("{name} low"));
        close(ci.high, f(&c["high"]), 0.01, &format!("{name} high"));
    }
}
