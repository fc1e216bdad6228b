//! Issue 29, item 11: a publish stopped part-way (killed, or a step failing after render) left
//! `dist/` with a new article and no `audit.md`. Now it stages everything beside `dist` and
//! swaps it in whole at the end: `dist` is always one publish's article with its audit.

use std::path::Path;

use xtask::check::AUDIT_MD;
use xtask::publish::publish_to;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn a_publish_stopped_after_render_leaves_the_previous_dist_whole() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    let summary = repo().join("crates/render/tests/fixtures/pypy-faster.json");
    let content = repo().join("content");

    // A first publish (no site step here): article and audit together.
    publish_to(&summary, &content, &dist, |_| Ok(())).unwrap();
    let article = std::fs::read_to_string(dist.join("article.md")).unwrap();
    let audit = std::fs::read_to_string(dist.join(AUDIT_MD)).unwrap();

    // A second publish stops after render (as a kill there would): before, dist/ had the new
    // article and no audit.md. Now dist/ is the first publish, untouched.
    std::fs::write(dist.join("article.md"), format!("{article}<!-- first -->")).unwrap();
    let e = publish_to(&summary, &content, &dist, |staging| {
        assert!(staging.join("article.md").is_file());
        assert!(!staging.join(AUDIT_MD).exists());
        anyhow::bail!("stopped here")
    })
    .unwrap_err();
    assert!(format!("{e:#}").contains("was left as it was"), "{e:#}");
    assert_eq!(
        std::fs::read_to_string(dist.join("article.md")).unwrap(),
        format!("{article}<!-- first -->")
    );
    assert_eq!(std::fs::read_to_string(dist.join(AUDIT_MD)).unwrap(), audit);
    // No staging folder is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["dist"]);

    // A stale staging folder (a killed publish's) is removed by the next one, which swaps in.
    std::fs::create_dir(dir.path().join(".dist.publishing-1")).unwrap();
    publish_to(&summary, &content, &dist, |_| Ok(())).unwrap();
    assert_eq!(
        std::fs::read_to_string(dist.join("article.md")).unwrap(),
        article
    );
    assert!(dist.join(AUDIT_MD).is_file());
    assert!(!dir.path().join(".dist.publishing-1").exists());

    // Someone's own folder is still refused, untouched.
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.md"), "mine").unwrap();
    assert!(publish_to(&summary, &content, &mine, |_| Ok(())).is_err());
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.md")).unwrap(),
        "mine"
    );
}
