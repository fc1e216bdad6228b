//! `cargo xtask site`: `results/summary.json` → `dist/site/`, through `whichpy-site`.
//!
//! This command only reads the inputs (the summary, `content/`, the raw files the summary
//! pooled) and writes the files; building the site is pure and deterministic.

use std::path::{Path, PathBuf};

use anyhow::Context;
use whichpy_render::Content;
use xshell::Shell;

use crate::project::{RAW_DIR, SUMMARY};
use crate::render::{load_summary, CONTENT};

/// Where the site goes by default.
pub const SITE_DIR: &str = "dist/site";

/// Build the static site (article, results, workloads, startup, methodology, reproduce) into dist/site/
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "The site is self-contained: open dist/site/index.html, or serve the folder with any static file server.\n\
The same summary gives byte-identical files."
)]
pub struct SiteCmd {
    /// Summary to build from
    #[arg(long, default_value = SUMMARY)]
    pub summary: PathBuf,
    /// Folder of templates and editorial data (the article's)
    #[arg(long, default_value = CONTENT)]
    pub content: PathBuf,
    /// Folder of the raw files offered for download (those the summary pooled)
    #[arg(long, default_value = RAW_DIR)]
    pub raw: PathBuf,
    /// Output folder (replaced if it holds a site built before)
    #[arg(long, default_value = SITE_DIR)]
    pub out: PathBuf,
}

/// Everything a site is built from, read from disk.
pub struct SiteInputs {
    pub summary: whichpy_wire::summary::Summary,
    pub summary_json: Vec<u8>,
    pub content: Content,
    pub raw: Vec<(String, Vec<u8>)>,
    pub diagrams: Vec<(String, Vec<u8>)>,
    pub profiles: Vec<whichpy_wire::profile::Profile>,
}

impl SiteInputs {
    pub fn read(summary: &Path, content: &Path, raw_dir: &Path) -> anyhow::Result<SiteInputs> {
        let summary_json =
            std::fs::read(summary).with_context(|| format!("reading {}", summary.display()))?;
        let parsed = load_summary(summary)?;
        let content = crate::render::load_content(content)?;
        // The raw files of the runs the summary pooled, in run order.
        let mut raw = Vec::new();
        for run in &parsed.environment.runs {
            let name = format!("{}.jsonl", run.run_id);
            let path = raw_dir.join(&name);
            match std::fs::read(&path) {
                Ok(bytes) => raw.push((name, bytes)),
                Err(e) => crate::output::warning(
                    None,
                    format!(
                        "{}: {e}; the site will not offer this run's raw file",
                        path.display()
                    ),
                ),
            }
        }
        let mut diagrams = Vec::new();
        let images = content.dir.join("images");
        if images.is_dir() {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(&images)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            paths.sort();
            for p in paths {
                let name = p
                    .file_name()
                    .expect("a file name")
                    .to_string_lossy()
                    .into_owned();
                diagrams.push((name, std::fs::read(&p)?));
            }
        }
        // `results/profiles/` beside the summary's `results/`.
        let profiles_dir = summary
            .parent()
            .map(|d| d.join("profiles"))
            .unwrap_or_else(|| PathBuf::from(whichpy_wire::profile::PROFILES_DIR));
        let profiles = crate::profile::read_all(&profiles_dir)?;
        Ok(SiteInputs {
            profiles,
            summary: parsed,
            summary_json,
            content,
            raw,
            diagrams,
        })
    }

    fn input(&self) -> whichpy_site::Input<'_> {
        whichpy_site::Input {
            summary: &self.summary,
            content: &self.content,
            summary_json: &self.summary_json,
            raw: &self.raw,
            diagrams: &self.diagrams,
            profiles: &self.profiles,
        }
    }

    pub fn build(&self) -> anyhow::Result<whichpy_site::Site> {
        Ok(whichpy_site::build(&self.input())?)
    }

    /// The site from outputs already rendered from these inputs (`publish`: one model).
    pub fn build_from(
        &self,
        rendered: &whichpy_render::Rendered,
    ) -> anyhow::Result<whichpy_site::Site> {
        Ok(whichpy_site::build_from(&self.input(), rendered)?)
    }
}

impl SiteCmd {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let inputs = SiteInputs::read(&self.summary, &self.content, &self.raw)?;
        let site = inputs.build()?;
        whichpy_site::write(&site, &self.out)?;
        crate::output::info(format!(
            "site: {} pages, {} files in {}/",
            site.pages().count(),
            site.files.len(),
            self.out.display()
        ));
        Ok(())
    }
}

/// Write a built site into `dist/site/`, its image plan over `dist/images.md` and its generated
/// images beside `dist/article.md`.
pub fn write_publication_site(
    site: &whichpy_site::Site,
    content: &Content,
    dist: &Path,
) -> anyhow::Result<()> {
    let out = dist.join("site");
    whichpy_site::write(site, &out)?;
    // The image plan with the sizes of the files just drawn.
    let plan = dist.join(whichpy_render::outputs::IMAGES);
    std::fs::write(&plan, &site.image_plan)
        .with_context(|| format!("writing {}", plan.display()))?;
    let prefix = format!("{}/", content.site.images_dir.trim_end_matches('/'));
    for (path, bytes) in site.files.iter().filter(|(p, _)| p.starts_with(&prefix)) {
        let to = dist.join(path);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&to, bytes).with_context(|| format!("writing {}", to.display()))?;
    }
    crate::output::info(format!(
        "site: {} pages, {} files in {}/",
        site.pages().count(),
        site.files.len(),
        out.display()
    ));
    Ok(())
}
