//! `cargo xtask publish` is one pipeline: the publication model (`whichpy_render::view_of`) is
//! built once, and the render, the site and the audit all use it (issue 24). On the committed
//! data every rule passes, the article's length included (issue 26).

use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn publish_builds_the_publication_model_once_and_passes_on_the_committed_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let before = whichpy_render::view_builds();
    let report = xtask::publish::publish_from(
        &repo().join("results/summary.json"),
        &repo().join("content"),
        &repo().join("results/raw"),
        &dist,
    )
    .expect("publish runs");
    assert_eq!(
        whichpy_render::view_builds() - before,
        1,
        "publish built the publication model more than once"
    );
    assert!(
        report.failed_rules().is_empty(),
        "publish on the committed data broke {:?}",
        report.failed_rules()
    );
    for f in ["article.md", "audit.md", "site/index.html", "images.md"] {
        assert!(dist.join(f).is_file(), "{f} not written");
    }
}
