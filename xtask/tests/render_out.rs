//! `render --out` writes only into a folder it wrote before (issue 16, item 7): a non-empty
//! folder without its marker is refused, untouched, with a message saying what to do.

use std::path::Path;

use xtask::render::{render_to, MARKER};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn render(out: &Path) -> anyhow::Result<()> {
    let summary = repo().join("crates/render/tests/fixtures/pypy-faster.json");
    render_to(&summary, &repo().join("content"), out).map(|_| ())
}

#[test]
fn refuses_a_folder_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mine");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("article.md"), "my own notes\n").unwrap();
    let err = render(&out).unwrap_err().to_string();
    assert!(
        err.contains("was not written by `cargo xtask render`"),
        "{err}"
    );
    assert!(err.contains("choose another --out"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("article.md")).unwrap(),
        "my own notes\n",
        "the file is untouched"
    );
    assert!(!out.join(MARKER).exists());
}

#[test]
fn writes_a_new_or_empty_folder_and_again_over_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    render(&out).unwrap();
    assert!(out.join(MARKER).is_file());
    assert!(out.join("article.md").is_file());
    render(&out).expect("a folder render wrote is written again");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    render(&empty).expect("an empty folder is fine");
}
