//! How long the site step of `cargo xtask publish` takes from an existing summary: read the
//! summary, `content/` and the raw files, render the article, draw every chart and the PNG
//! og:image, render every page, write `dist/site/`. The target is under 1 s.
//!
//! Run: `cargo bench -p whichpy-site --bench publish`. It uses results/summary.json when the
//! repository has one, and the fixture summary otherwise (and always).

#[path = "../../charts/tests/common/fixture.rs"]
mod fixture_path_shim;

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use whichpy_render::Content;
use whichpy_wire::summary::Summary;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Everything `cargo xtask site` does, from files to files.
fn publish_site(summary_path: &Path, raw_dir: &Path, out: &Path) {
    let summary_json = std::fs::read(summary_path).unwrap();
    let summary: Summary = serde_json::from_slice(&summary_json).unwrap();
    let content = Content::load(&repo().join("content")).unwrap();
    let raw: Vec<(String, Vec<u8>)> = summary
        .environment
        .runs
        .iter()
        .filter_map(|r| {
            let name = format!("{}.jsonl", r.run_id);
            std::fs::read(raw_dir.join(&name)).ok().map(|b| (name, b))
        })
        .collect();
    let mut diagrams = Vec::new();
    if let Ok(entries) = std::fs::read_dir(content.dir.join("images")) {
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths.into_iter().filter(|p| p.is_file()) {
            diagrams.push((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
    let site = whichpy_site::build(&whichpy_site::Input {
        summary: &summary,
        content: &content,
        summary_json: &summary_json,
        raw: &raw,
        diagrams: &diagrams,
        profiles: &[],
    })
    .unwrap();
    whichpy_site::write(&site, out).unwrap();
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let fixture_summary = tmp.path().join("summary.json");
    std::fs::write(
        &fixture_summary,
        serde_json::to_vec_pretty(&fixture_path_shim::summary()).unwrap(),
    )
    .unwrap();
    let mut group = c.benchmark_group("publish-site");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let out = tmp.path().join("site");
    group.bench_function("fixture summary", |b| {
        b.iter(|| publish_site(&fixture_summary, tmp.path(), &out))
    });
    let real = repo().join("results/summary.json");
    if real.is_file() {
        group.bench_function("results/summary.json", |b| {
            b.iter(|| publish_site(&real, &repo().join("results/raw"), &out))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
