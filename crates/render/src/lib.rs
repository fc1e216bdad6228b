//! whichpy's renderer: `results/summary.json` → the article, its FAQ and JSON-LD, meta tags,
//! social copy and image plan, and the audit that checks them.
//!
//! This crate is the only one that uses minijinja and pulldown-cmark. The site (`crates/site`)
//! reuses its pieces:
//! - [`env::environment`]: a template environment over a folder (strict undefined, auto-escape
//!   by extension, `tojson`, `markdown`, `plain` and `slug` filters);
//! - [`markdown::markdown_to_html`]: the one Markdown → HTML conversion, with heading ids;
//! - [`view::View`] (from `whichpy-view`, the presentation model): the data the article
//!   shows, numbers already formatted with their intervals, verdict words and reproduction
//!   commands;
//! - [`outputs::render_all`]: every output file, and [`outputs::Rendered::jsonld`] /
//!   [`outputs::Rendered::meta`] for the page head.
//!
//! The pipeline is pure: it reads a [`Summary`](whichpy_wire::summary::Summary) and the
//! [`content::Content`] folder, and returns strings. Same inputs, byte-identical outputs.
//! [`audit`] checks the outputs against ARTICLE.md's rules, also without I/O.

use std::path::PathBuf;

pub mod audit;
pub mod content;
pub mod env;
pub mod fit;
pub mod markdown;
pub mod outputs;

/// The presentation model lives in `whichpy-view`; these paths are kept for the renderer's
/// users.
pub use whichpy_view::{article as view, command, format};

pub use content::Content;
pub use markdown::{markdown_to_html, markdown_to_html_linked, SiteLinks};
pub use outputs::{render_all, Rendered};
pub use whichpy_view::View;

thread_local! {
    static VIEW_BUILDS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many times this thread has built the publication model ([`view_of`], the one place that
/// builds it). `cargo xtask publish` builds it once; its test counts with this.
pub fn view_builds() -> usize {
    VIEW_BUILDS.with(|n| n.get())
}

/// The article's view of a summary, with the editorial settings of `content/`: the publication
/// model, built here and nowhere else.
pub fn view_of(summary: &whichpy_wire::summary::Summary, content: &Content) -> Result<View, Error> {
    VIEW_BUILDS.with(|n| n.set(n.get() + 1));
    let ed = view::Editorial {
        example_workload: &content.site.example_workload,
        date_published: &content.site.date_published,
        classes: content
            .decision
            .class
            .iter()
            .map(|c| view::ClassSpec {
                id: &c.id,
                name: &c.name,
                workloads: &c.workloads,
                embedded: c.embedded,
                app: c.app.as_deref(),
            })
            .collect(),
    };
    let mut view =
        View::build(summary, &ed).map_err(|e| Error::Content(content::SITE.into(), e.0))?;
    let mut budgets = Vec::new();
    for id in whichpy_view::floor::BUDGET_CONSTANTS {
        let c = content.constants.get(id).ok_or_else(|| {
            Error::Content(
                content::CONSTANTS.into(),
                format!("the memory floor needs the constant `{id}`"),
            )
        })?;
        let kib = c.value.parse().map_err(|_| {
            Error::Content(
                content::CONSTANTS.into(),
                format!(
                    "constant `{id}`: value `{}` is not a whole number of KiB",
                    c.value
                ),
            )
        })?;
        budgets.push(whichpy_view::floor::Budget { id, kib });
    }
    view.floor = whichpy_view::floor::FloorView::build(summary, &budgets);
    Ok(view)
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {path}: {source}", path = .0.display(), source = .1)]
    Io(PathBuf, std::io::Error),
    #[error("{path}: {message}", path = .0.display(), message = .1)]
    Content(PathBuf, String),
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
}

impl Error {
    /// A template error with its whole chain of causes (minijinja nests the useful part).
    pub fn template(name: &str, e: minijinja::Error) -> Error {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        Error::Template {
            name: name.to_string(),
            message,
        }
    }
}
