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
        "publish on the committed data broke {:?}:\n{}",
        report.failed_rules(),
        report
            .findings
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for f in ["article.md", "audit.md", "site/index.html", "images.md"] {
        assert!(dist.join(f).is_file(), "{f} not written");
    }
}

/// `check` audits the site like the article: a number planted in a site page that is not in
/// the data fails `numbers-traceable`, naming the page; a method the summary does not record
/// ("bootstrap") planted in another fails `methods-recorded`. The unedited site passes both.
#[test]
fn check_fails_on_a_site_page_whose_number_or_method_is_not_in_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let (summary, content) = (repo().join("results/summary.json"), repo().join("content"));
    xtask::publish::publish_from(&summary, &content, &repo().join("results/raw"), &dist)
        .expect("publish runs");
    let check = || xtask::check::check_dist(&summary, &content, &dist).expect("check runs");
    let clean = check();
    assert!(
        !clean.failed_rules().contains(&"numbers-traceable")
            && !clean.failed_rules().contains(&"methods-recorded"),
        "{:?}",
        clean.findings
    );

    let plant = |page: &str, html: &str| {
        let path = dist.join("site").join(page);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("</main>").count(), 1, "{page} has one <main>");
        std::fs::write(&path, text.replace("</main>", &format!("{html}</main>"))).unwrap();
    };
    plant(
        "results.html",
        "<p>PyPy served 12,345.6 requests per second.</p>",
    );
    let r = check();
    let found: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "numbers-traceable")
        .collect();
    assert_eq!(found.len(), 1, "{:?}", r.findings);
    assert!(
        found[0].text.starts_with("site/results.html") && found[0].message.starts_with("12,345.6 "),
        "{:?}",
        found[0]
    );
    assert!(!r.failed_rules().contains(&"methods-recorded"));

    plant(
        "methodology.html",
        "<p>Ratios get a bootstrap percentile interval.</p>",
    );
    let r = check();
    let found: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "methods-recorded")
        .collect();
    assert_eq!(found.len(), 2, "{:?}", r.findings);
    assert!(found
        .iter()
        .all(|f| f.text.starts_with("site/methodology.html")));
}
