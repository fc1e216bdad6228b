//! `cargo xtask render`: `results/summary.json` → `dist/` (article, FAQ JSON-LD, meta, social
//! copy, image plan, page head), through `whichpy-render`.
//!
//! The rendering is pure and deterministic (the same summary and content give byte-identical
//! files); this command only reads the inputs, writes the outputs and copies the diagrams of
//! `content/images/` next to the article.

use std::path::{Path, PathBuf};

use anyhow::Context;
use whichpy_render::{render_all, Content, Rendered};
use whichpy_wire::summary::{Summary, SUMMARY_SCHEMA};
use xshell::Shell;

use crate::project::{self, SUMMARY};

/// Where the rendered files go.
pub const DIST: &str = "dist";
/// Templates and editorial data.
pub const CONTENT: &str = "content";

/// Render the article, FAQ JSON-LD, meta tags, social posts and image plan into dist/
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "Every number comes from the summary (with its interval and the command that reproduces it) or from content/constants.toml.\n\
Then run `cargo xtask check` to audit the output against the article rules."
)]
pub struct Render {
    /// Summary to render from
    #[arg(long, default_value = SUMMARY)]
    pub summary: PathBuf,
    /// Folder of templates and editorial data
    #[arg(long, default_value = CONTENT)]
    pub content: PathBuf,
    /// Output folder
    #[arg(long, default_value = DIST)]
    pub out: PathBuf,
}

/// Load `content/`; on GitHub Actions the repository's address comes from
/// `GITHUB_SERVER_URL`/`GITHUB_REPOSITORY` when `content/site.toml` sets none. The environment
/// is read here, never in the pure crates.
pub fn load_content(dir: &Path) -> anyhow::Result<Content> {
    let mut content = Content::load(dir)?;
    if content.site.repository.url.is_none() {
        let var = |k: &str| std::env::var(k).ok();
        content.site.repository.url = whichpy_render::content::actions_repository_url(
            var("GITHUB_SERVER_URL").as_deref(),
            var("GITHUB_REPOSITORY").as_deref(),
        );
    }
    Ok(content)
}

/// Read and version-check a summary.
pub fn load_summary(path: &Path) -> anyhow::Result<Summary> {
    let bytes = std::fs::read(path).map_err(|e| whichpy_wire::ParseError::io(path, e))?;
    // Parsed and checked: no negative or absurd figure, no inverted interval, no repeated cell.
    let summary = whichpy_wire::summary::parse_summary(path, &bytes)?;
    anyhow::ensure!(
        summary.schema == SUMMARY_SCHEMA,
        "{}: summary schema {} is not supported (this build reads {SUMMARY_SCHEMA}); rerun `cargo xtask analyse`",
        path.display(),
        summary.schema
    );
    Ok(summary)
}

/// Marks a folder as one `render` wrote, so that the next render may write into it again.
pub const MARKER: &str = ".whichpy-output";

/// Make `out` a folder render may write into: a missing or empty folder, or one holding
/// [`MARKER`]. A non-empty folder without it (someone's files) is left alone and is an error.
pub fn claim_output(out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        anyhow::ensure!(
            out.is_dir(),
            "{} is not a folder; choose another --out",
            out.display()
        );
        let empty = std::fs::read_dir(out)
            .with_context(|| format!("reading {}", out.display()))?
            .next()
            .is_none();
        anyhow::ensure!(
            empty || out.join(MARKER).is_file(),
            "{} is not empty and was not written by `cargo xtask render` (no {MARKER} in it); \
             nothing was written. Remove the folder or choose another --out",
            out.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let marker = out.join(MARKER);
    std::fs::write(
        &marker,
        "Written by `cargo xtask render`; the next render writes into this folder again.\n",
    )
    .with_context(|| format!("writing {}", marker.display()))
}

/// Render `summary` with `content` into `out`, and copy the content's images beside it.
/// `out` must be missing, empty, or a folder render wrote before ([`claim_output`]).
pub fn render_to(summary: &Path, content: &Path, out: &Path) -> anyhow::Result<Rendered> {
    let summary = load_summary(summary)?;
    let content = load_content(content)?;
    let rendered = render_all(&summary, &content)?;
    write_rendered(&rendered, &content, out)?;
    Ok(rendered)
}

/// Write rendered outputs into `out` ([`claim_output`]), and copy the content's images beside
/// them.
pub fn write_rendered(rendered: &Rendered, content: &Content, out: &Path) -> anyhow::Result<()> {
    claim_output(out)?;
    for (name, text) in &rendered.files {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let images = content.dir.join("images");
    if images.is_dir() {
        let dest = out.join(&content.site.images_dir);
        std::fs::create_dir_all(&dest)?;
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&images)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for p in entries {
            let to = dest.join(p.file_name().expect("a file name"));
            std::fs::copy(&p, &to)
                .with_context(|| format!("copying {} to {}", p.display(), to.display()))?;
        }
    }
    Ok(())
}

impl Render {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let out = root.join(&self.out);
        let rendered = render_to(&root.join(&self.summary), &root.join(&self.content), &out)?;
        for name in rendered.files.keys() {
            crate::output::outcome(format!("wrote {}", self.out.join(name).display()));
        }
        crate::output::info(format!(
            "title: {} | data from {} | next: `cargo xtask check`",
            rendered.title, rendered.view.data.date
        ));
        Ok(())
    }
}
