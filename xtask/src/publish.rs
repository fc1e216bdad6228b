//! `cargo xtask publish`: analyse the raw results, render the article and its assets, build
//! the site, and check everything. Fails on any broken rule.
//!
//! One pipeline: summary + content → the publication model (`whichpy_render::view_of`, built
//! once) → the rendered outputs → the site built from them → the audit against the same model.

use std::path::{Path, PathBuf};

use anyhow::Context;

use clap::Parser;
use xshell::Shell;

use crate::analyse::Analyse;
use crate::check::{check_view, format_report, refuse_simulated};
use crate::project::{self, RAW_DIR, SUMMARY};
use crate::render::{claim_output, write_rendered, CONTENT, DIST};
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
/// is written. Staged: see [`publish_to`].
pub fn publish_from(
    summary: &Path,
    content: &Path,
    raw: &Path,
    dist: &Path,
) -> anyhow::Result<Report> {
    publish_staged(summary, content, raw, dist, |_| Ok(()))
}

/// [`publish_from`] with the raw files beside the summary (`raw/`), and `after_render` run on
/// the staging folder between render and the site (a test's stand-in for a kill there).
pub fn publish_to(
    summary: &Path,
    content: &Path,
    dist: &Path,
    after_render: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<Report> {
    let raw = summary
        .parent()
        .map_or_else(|| PathBuf::from("raw"), |p| p.join("raw"));
    publish_staged(summary, content, &raw, dist, after_render)
}

/// The folder a publish into `dist` stages its files in: a sibling, so the swap is a rename.
fn staging_of(dist: &Path) -> PathBuf {
    let name = dist
        .file_name()
        .map_or_else(|| "dist".into(), |n| n.to_string_lossy().into_owned());
    dist.with_file_name(format!(".{name}.publishing-{}", std::process::id()))
}

/// Render, build the site and check into a staging folder beside `dist`, then swap it in with
/// one rename: `dist` is always a whole publish, its article with its `audit.md`. A publish
/// killed or failed before the swap leaves the previous `dist` as it was (the next publish
/// removes the stale staging folder). The check's report is returned whatever rules it found
/// broken (its `audit.md` is in `dist` then too).
fn publish_staged(
    summary: &Path,
    content: &Path,
    raw: &Path,
    dist: &Path,
    after_render: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<Report> {
    // `dist` must be render's own (or new): it is replaced whole.
    claim_output(dist)?;
    if let (Some(parent), Some(name)) = (dist.parent(), dist.file_name()) {
        let prefix = format!(".{}.publishing-", name.to_string_lossy());
        if let Ok(entries) = std::fs::read_dir(parent) {
            for e in entries.flatten() {
                let stale = e.file_name().to_string_lossy().starts_with(&prefix);
                if stale && e.path() != staging_of(dist) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
    let staging = staging_of(dist);
    let _ = std::fs::remove_dir_all(&staging);
    let staged = (|| {
        let inputs = SiteInputs::read(summary, content, raw)?;
        refuse_simulated(&inputs.summary, summary)?;
        crate::output::info("== render");
        let rendered = whichpy_render::render_all(&inputs.summary, &inputs.content)?;
        write_rendered(&rendered, &inputs.content, &staging)?;
        after_render(&staging)?;
        // The site step after render and before check, so that check finds the generated
        // charts the article links to.
        crate::output::info("== site");
        let site = inputs.build_from(&rendered)?;
        write_publication_site(&site, &inputs.content, &staging)?;
        crate::output::info("== check");
        check_view(&rendered.view, &site.ledger, &inputs.content, &staging)
    })();
    let report = match staged {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e.context(format!("{} was left as it was", dist.display())));
        }
    };
    if dist.exists() {
        swap(&staging, dist)?;
        let _ = std::fs::remove_dir_all(&staging);
    } else {
        std::fs::rename(&staging, dist)
            .with_context(|| format!("moving {} to {}", staging.display(), dist.display()))?;
    }
    Ok(report)
}

impl Publish {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        if !self.skip_analyse {
            crate::output::info("== analyse");
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
        crate::output::outcome(format!("published to {DIST}/"));
        Ok(())
    }
}

/// Exchange two folders atomically (`renameat2(RENAME_EXCHANGE)`): afterwards `dist` holds
/// what `staging` held and `staging` the old `dist`.
fn swap(staging: &Path, dist: &Path) -> anyhow::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes());
    let (a, b) = (c(staging)?, c(dist)?);
    // SAFETY: two NUL-terminated paths that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    anyhow::bail!(
        "swapping {} into {} failed ({err}); the published files are in {}",
        staging.display(),
        dist.display(),
        staging.display()
    )
}
