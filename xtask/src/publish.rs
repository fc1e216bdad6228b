//! `cargo xtask publish`: analyse the raw results, render the article and its assets, build
//! the site, and check everything. Fails on any broken rule.
//!
//! One pipeline: summary + content → the publication model (`whichpy_render::view_of`, built
//! once) → the rendered outputs → the site built from them → the audit against the same model.

use std::path::{Path, PathBuf};

use clap::Parser;
use xshell::Shell;

use crate::analyse::Analyse;
use crate::check::{check_view, format_report, refuse_simulated};
use crate::project::{self, RAW_DIR, SUMMARY};
use crate::render::{write_rendered, CONTENT, DIST};
use crate::site::{write_publication_site, SiteInputs};
use whichpy_render::audit::Report;

/// Analyse, render and check: what content authors run before publishing
#[derive(Clone, Debug, clap::Args)]
pub struct Publish {
    /// Render from the existing results/summary.json instead of analysing results/raw/
    #[arg(long)]
    pub skip_analyse: bool,
}

/// `cargo xtask analyse` with its defaults.
#[derive(Parser)]
struct AnalyseDefaults {
    #[command(flatten)]
    analyse: Analyse,
}

/// Render, build the site and check, from `summary`, `content` and the raw files in `raw`, into
/// `dist`: the publication model is built once and every step uses it. Returns the audit's
/// report (also written to `dist/audit.md`); a fake run's summary is refused before anything
/// is written.
pub fn publish_from(
    summary: &Path,
    content: &Path,
    raw: &Path,
    dist: &Path,
) -> anyhow::Result<Report> {
    let inputs = SiteInputs::read(summary, content, raw)?;
    refuse_simulated(&inputs.summary, summary)?;
    eprintln!("== render");
    let rendered = whichpy_render::render_all(&inputs.summary, &inputs.content)?;
    write_rendered(&rendered, &inputs.content, dist)?;
    // The site step after render and before check, so that check finds the generated charts
    // the article links to.
    eprintln!("== site");
    let site = inputs.build_from(&rendered)?;
    write_publication_site(&site, &inputs.content, dist)?;
    eprintln!("== check");
    check_view(&rendered.view, &site.ledger, &inputs.content, dist)
}

impl Publish {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        if !self.skip_analyse {
            eprintln!("== analyse");
            AnalyseDefaults::try_parse_from(["analyse"])?
                .analyse
                .run(sh)?;
        }
        let dist: PathBuf = root.join(DIST);
        let report = publish_from(
            &root.join(SUMMARY),
            &root.join(CONTENT),
            &root.join(RAW_DIR),
            &dist,
        )?;
        print!("{}", format_report(&report));
        let failed = report.failed_rules();
        anyhow::ensure!(
            failed.is_empty(),
            "publish stopped: {} broken rule{}: {}",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            failed.join(", ")
        );
        eprintln!("published to {DIST}/");
        Ok(())
    }
}
