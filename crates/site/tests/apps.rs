//! The "Application classes" page: the pipeline's MB/s and records/s cold and warm and the CLI
//! tool's p50/p95/mean per interpreter, the same strings as the view's (no number formatted in
//! the page), and a page that says what to run when the data has neither.

mod common;

use std::path::Path;

use whichpy_wire::summary::Summary;

fn apps_fixture() -> Summary {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../view/tests/fixtures/apps.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// As minijinja's HTML escaping writes a value (`/` included).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

fn page(summary: &Summary) -> String {
    let site = common::build(summary);
    String::from_utf8(site.files["apps.html"].clone()).expect("apps.html is there")
}

#[test]
fn the_page_shows_the_view_figures() {
    let summary = apps_fixture();
    let html = page(&summary);
    let content = common::content();
    let view = whichpy_render::view_of(&summary, &content).unwrap();
    let p = view.apps.pipeline.as_ref().unwrap();
    let c = view.apps.cli.as_ref().unwrap();
    for r in &p.rows {
        for f in [&r.warm_mbs, &r.cold_mbs, &r.warm_records, &r.cold_records] {
            let f = f.as_ref().unwrap();
            assert!(html.contains(&esc(&f.short)), "{} missing", f.short);
        }
    }
    for r in &c.rows {
        for s in [&r.p50, &r.p95, &r.mean.short] {
            assert!(html.contains(&esc(s)), "{s} missing");
        }
    }
    assert!(html.contains("1.63× slower"));
    assert!(html.contains("href=\"apps.html\""), "a nav link");
}

#[test]
fn without_the_workloads_the_page_says_what_to_run() {
    let html = page(&common::fixture::summary());
    assert!(html.contains("cargo xtask bench --workload pipeline"));
    assert!(html.contains("cargo xtask bench --workload cli_tool"));
}
