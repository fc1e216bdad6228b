//! `cargo xtask publish`: analyse the raw results, render the article and its assets, build
//! the site, and check everything. Fails on any broken rule.

use std::path::PathBuf;

use clap::Parser;
use xshell::Shell;

use crate::analyse::Analyse;
use crate::check::{check_dist, format_report};
use crate::project::{self, SUMMARY};
use crate::render::{render_to, CONTENT, DIST};

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

/// The site step (crates/site): pages, charts and the og:image into `dist/`. Called after
/// render and before check, so that check finds the generated charts the article links to.
/// The site's owner fills this in.
pub fn build_site(_sh: &Shell, dist: &std::path::Path) -> anyhow::Result<()> {
    crate::site::publish_site(dist)
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
        eprintln!("== render");
        let summary = root.join(SUMMARY);
        let content = root.join(CONTENT);
        let dist: PathBuf = root.join(DIST);
        render_to(&summary, &content, &dist)?;
        eprintln!("== site");
        build_site(sh, &dist)?;
        eprintln!("== check");
        let report = check_dist(&summary, &content, &dist)?;
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
