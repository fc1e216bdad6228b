//! whichpy's static site: `results/summary.json` → `dist/site/`.
//!
//! The pipeline, step by step:
//! 1. [`whichpy_render::render_all`] renders the article, its FAQ, JSON-LD, meta tags and image
//!    plan from the summary and `content/` (this crate writes no Markdown and no JSON-LD of its
//!    own: the article's `<head>` is render's `head.html`, its body is render's Markdown through
//!    [`whichpy_render::markdown_to_html`]). [`build_from`] takes outputs already rendered, so
//!    that `cargo xtask publish` builds the publication model once.
//! 2. [`images`] draws every chart with `whichpy-charts`: the article's planned images by id
//!    (into `images/`), and the site's own (into `charts/`), plus the og:image PNG.
//! 3. [`pages`] builds one typed context per page from the summary; numbers are written by
//!    `whichpy_render::format`, as in the article.
//! 4. The templates in `site/templates/` (embedded, rendered through render's minijinja
//!    environment: strict undefined, auto-escaped by extension) turn contexts into HTML,
//!    `sitemap.xml` and `robots.txt`; `site/assets/` is copied as is.
//! 5. The summary and raw files are copied into `data/` for download.
//!
//! [`build`] does no I/O and reads no clock: the same inputs give byte-identical files.
//! Every link is relative, so the site works from any folder of any static file server and
//! from `file://`; no page requests anything from another origin.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use whichpy_render::Content;
use whichpy_wire::summary::Summary;

mod images;
mod pages;

/// A template or asset embedded in the binary: (name, contents).
type Embedded = (&'static str, &'static str);

macro_rules! embed {
    ($dir:literal, $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../site/", $dir, "/", $name)))),*]
    };
}

/// `site/templates/`.
const TEMPLATES: &[Embedded] = embed!(
    "templates",
    "base.html.j2",
    "macros.html.j2",
    "article.html.j2",
    "results.html.j2",
    "workload.html.j2",
    "startup.html.j2",
    "web.html.j2",
    "apps.html.j2",
    "history.html.j2",
    "memory-scaling.html.j2",
    "microbit.html.j2",
    "methodology.html.j2",
    "reproduce.html.j2",
    "profiles.html.j2",
    "404.html.j2",
    "sitemap.xml.j2",
    "robots.txt.j2",
);

/// `site/assets/`, copied to `assets/`.
const ASSETS: &[Embedded] = embed!("assets", "site.css", "site.js", "favicon.svg");

/// Marks a folder as a site this crate wrote, so that [`write`] may replace it.
pub const MARKER: &str = ".whichpy-site";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Render(#[from] whichpy_render::Error),
    #[error(transparent)]
    Chart(#[from] whichpy_charts::Error),
    #[error("image plan: {0}")]
    Image(String),
    /// The content configuration asks for something the site cannot do (the message says
    /// which file and what to change).
    #[error("{0}")]
    Content(String),
    #[error("{path}: {source}", path = .0.display(), source = .1)]
    Io(PathBuf, std::io::Error),
    #[error("{} exists and was not written by `cargo xtask site` (no {MARKER} in it); remove it or choose another --out", .0.display())]
    NotASite(PathBuf),
}

/// Everything a site is built from.
pub struct Input<'a> {
    pub summary: &'a Summary,
    pub content: &'a Content,
    /// The bytes of `summary.json` as published (copied to `data/summary.json`).
    pub summary_json: &'a [u8],
    /// The raw results files, by file name (copied to `data/raw/`).
    pub raw: &'a [(String, Vec<u8>)],
    /// Extra files for `images/` that the image plan names as diagrams (from `content/images/`).
    pub diagrams: &'a [(String, Vec<u8>)],
    /// The profiles of `results/profiles/` (the "Profiles" page: top tables and flamegraphs).
    pub profiles: &'a [whichpy_wire::profile::Profile],
}

/// The built site: path relative to the site root → bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
    /// render's `images.md` with each image's dimensions read from the file the site wrote
    /// for it (`publish` writes it over `dist/images.md`): a chart's size follows the data.
    pub image_plan: String,
    /// Every number the pages' contexts hold (made from the summary): what `check` traces the
    /// numbers of the site's pages to, with the article's ledger and the constants.
    pub ledger: whichpy_render::view::Ledger,
}

impl Site {
    fn add(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into());
    }

    /// The HTML pages, by path.
    pub fn pages(&self) -> impl Iterator<Item = &str> {
        self.files
            .keys()
            .filter(|p| p.ends_with(".html"))
            .map(String::as_str)
    }
}

/// Renders one template with a context; made from render's environment in [`build`], so this
/// crate names no template engine type of its own.
pub(crate) type Renderer<'a> = dyn Fn(&str, &serde_json::Value) -> Result<String, Error> + 'a;

/// A context as the value templates see.
pub(crate) fn context<C: Serialize>(ctx: &C) -> serde_json::Value {
    serde_json::to_value(ctx).expect("page contexts serialise")
}

/// Build the whole site in memory, rendering the article and its model first.
pub fn build(input: &Input) -> Result<Site, Error> {
    let rendered = whichpy_render::render_all(input.summary, input.content)?;
    build_from(input, &rendered)
}

/// Build the whole site from outputs already rendered from `input`'s summary and content (what
/// `cargo xtask publish` does, so that the publication model is built once).
pub fn build_from(input: &Input, rendered: &whichpy_render::Rendered) -> Result<Site, Error> {
    let mut env = whichpy_render::env::embedded_environment();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| whichpy_render::Error::template(name, e))?;
    }
    let ledger = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let render = |name: &str, ctx: &serde_json::Value| -> Result<String, Error> {
        ledger
            .borrow_mut()
            .extend(whichpy_render::view::Ledger::of(ctx).0);
        env.get_template(name)
            .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(ctx))))
            .map_err(|e| Error::Render(whichpy_render::Error::template(name, e)))
    };
    let mut site = Site::default();
    let charts = images::draw(input, rendered, &mut site)?;
    site.image_plan =
        whichpy_render::outputs::image_plan(input.content, rendered, &charts.planned)?;
    pages::render_pages(input, rendered, &charts, &render, &mut site)?;
    site.ledger = whichpy_render::view::Ledger(ledger.into_inner());
    for (name, text) in ASSETS {
        site.add(format!("assets/{name}"), text.as_bytes());
    }
    site.add("data/summary.json", input.summary_json);
    for (name, bytes) in input.raw {
        site.add(format!("data/raw/{name}"), bytes.clone());
    }
    site.add(
        MARKER,
        "Written by `cargo xtask site`; the folder is replaced on the next build.\n",
    );
    Ok(site)
}

/// Write a site to `out`, replacing a site written there before. A folder that exists and is
/// not a site (no [`MARKER`]) is left alone and is an error.
pub fn write(site: &Site, out: &Path) -> Result<(), Error> {
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .map_err(|e| Error::Io(out.to_owned(), e))?
            .next()
            .is_none();
        if !empty && !out.join(MARKER).is_file() {
            return Err(Error::NotASite(out.to_owned()));
        }
        std::fs::remove_dir_all(out).map_err(|e| Error::Io(out.to_owned(), e))?;
    }
    for (path, bytes) in &site.files {
        let file = out.join(path);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_owned(), e))?;
        }
        std::fs::write(&file, bytes).map_err(|e| Error::Io(file.clone(), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every template of `site/templates/` is embedded: the site's environment has no loader,
    /// so a template left out would fail the build, and none is read from disk.
    #[test]
    fn every_site_template_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../site/templates");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = TEMPLATES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }
}
