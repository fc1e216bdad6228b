//! Render a summary into a folder and print the audit: `cargo run -p whichpy-render --example dev -- SUMMARY OUT`.
#![allow(clippy::print_stdout)] // an example prints the audit
use std::path::Path;

use whichpy_render::audit::{audit, Files, Input};
use whichpy_render::outputs::{ARTICLE, FAQ_JSONLD, IMAGES, META, SOCIAL};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let summary: whichpy_wire::summary::Summary =
        whichpy_wire::parse_json_file(Path::new(&args[1])).unwrap();
    let content = whichpy_render::Content::load(Path::new("content")).unwrap();
    let r = match whichpy_render::render_all(&summary, &content) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    };
    let out = Path::new(&args[2]);
    std::fs::create_dir_all(out).unwrap();
    for (k, v) in &r.files {
        std::fs::write(out.join(k), v).unwrap();
    }
    let ledger = r.ledger();
    let exists = |p: &str| Path::new("content").join(p).exists();
    let footnote_workloads = whichpy_render::audit::footnotes::footnote_workloads(&r.view);
    let rep = audit(&Input {
        files: Files {
            article: &r.files[ARTICLE],
            faq_jsonld: &r.files[FAQ_JSONLD],
            meta_json: &r.files[META],
            social: &r.files[SOCIAL],
            images: &r.files[IMAGES],
        },
        site: &content.site,
        constants: &content.constants,
        ledger: &ledger,
        exists: &exists,
        footnote_workloads: &footnote_workloads,
        pages: &[],
        site_ledger: &Default::default(),
        methods: &r.view.data.methods,
    });
    for f in &rep.findings {
        println!("{f}");
    }
    println!(
        "title {} desc {} body {} intro {} concl {} faq {} flesch {:.1}",
        rep.title_chars,
        rep.description_chars,
        rep.body_words,
        rep.intro_words,
        rep.conclusion_words,
        rep.faq_pairs,
        rep.readability
    );
    for k in &rep.keywords {
        println!("{}: {:?}", k.keyword, k.places);
    }
    for n in &rep.notes {
        println!("note: {n}");
    }
}
