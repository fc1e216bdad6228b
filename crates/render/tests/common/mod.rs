//! Shared by the tests: the content folder, the fixtures and an audit of rendered files.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use whichpy_render::audit::{audit, Files, Input, Report};
use whichpy_render::outputs::{ARTICLE, FAQ_JSONLD, HEAD, IMAGES, META, SOCIAL};
use whichpy_render::{render_all, Content, Rendered};
use whichpy_wire::summary::Summary;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn content() -> Content {
    Content::load(&root().join("content")).expect("content/ loads")
}

pub fn fixture(name: &str) -> Summary {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    whichpy_wire::parse_json_file(&path).expect("fixture parses")
}

/// The committed data the article is published from.
pub fn committed() -> Summary {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results/summary.json");
    whichpy_wire::parse_json_file(&path).expect("results/summary.json parses")
}

pub fn render_committed() -> Rendered {
    render_all(&committed(), &content()).expect("renders")
}

pub fn render(name: &str) -> Rendered {
    render_all(&fixture(name), &content()).expect("renders")
}

/// Audit rendered files, with `edit` applied to one of them first. Paths exist when the
/// content folder has them (diagrams); generated charts are pending.
pub fn audit_with(r: &Rendered, edit: impl Fn(&str, &str) -> Option<String>) -> Report {
    let footnote_workloads = whichpy_render::audit::footnotes::footnote_workloads(&r.view);
    audit_with_footnotes(r, &footnote_workloads, edit)
}

/// [`audit_with`], with the label → workload map of the footnotes given.
pub fn audit_with_footnotes(
    r: &Rendered,
    footnote_workloads: &BTreeMap<String, String>,
    edit: impl Fn(&str, &str) -> Option<String>,
) -> Report {
    audit_content(r, &content(), footnote_workloads, edit)
}

/// [`audit_with_footnotes`] against a given content (a configured site URL, say).
pub fn audit_content(
    r: &Rendered,
    content: &Content,
    footnote_workloads: &BTreeMap<String, String>,
    edit: impl Fn(&str, &str) -> Option<String>,
) -> Report {
    let get = |name: &str| edit(name, &r.files[name]).unwrap_or_else(|| r.files[name].clone());
    let pages = vec![(HEAD.to_string(), get(HEAD))];
    let (article, faq, meta, social, images) = (
        get(ARTICLE),
        get(FAQ_JSONLD),
        get(META),
        get(SOCIAL),
        get(IMAGES),
    );
    let ledger = r.ledger();
    let content_dir = root().join("content");
    let exists = move |p: &str| content_dir.join(p).exists();
    let site_ledger = Default::default();
    let input = Input {
        files: Files {
            article: &article,
            faq_jsonld: &faq,
            meta_json: &meta,
            social: &social,
            images: &images,
        },
        site: &content.site,
        constants: &content.constants,
        ledger: &ledger,
        exists: &exists,
        footnote_workloads,
        pages: &pages,
        site_ledger: &site_ledger,
        methods: &r.view.data.methods,
    };
    audit(&input)
}
