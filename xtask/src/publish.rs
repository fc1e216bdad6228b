//! `cargo xtask publish`: analyse the raw results, render the article and its assets, build
//! the site, and check everything. Fails on any broken rule.

use std::path::{Path, PathBuf};

use anyhow::Context;

use clap::Parser;
use xshell::Shell;

use crate::analyse::Analyse;
use crate::check::{check_dist, format_report};
use crate::project::{self, SUMMARY};
use crate::render::{claim_output, render_to, CONTENT, DIST};

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
        let summary = root.join(SUMMARY);
        let content = root.join(CONTENT);
        let dist: PathBuf = root.join(DIST);
        let report = publish_to(&summary, &content, &dist, |staging| {
            eprintln!("== site");
            build_site(sh, staging)
        })?;
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

/// The folder a publish into `dist` stages its files in: a sibling, so the swap is a rename.
fn staging_of(dist: &Path) -> PathBuf {
    let name = dist
        .file_name()
        .map_or_else(|| "dist".into(), |n| n.to_string_lossy().into_owned());
    dist.with_file_name(format!(".{name}.publishing-{}", std::process::id()))
}

/// Render, build the site (`site`) and check into a staging folder beside `dist`, then swap it
/// in with one rename: `dist` is always a whole publish, its article with its `audit.md`. A
/// publish killed or failed before the swap leaves the previous `dist` as it was (the next
/// publish removes the stale staging folder). The check's report is returned whatever rules
/// it found broken (its `audit.md` is in `dist` then too).
pub fn publish_to(
    summary: &Path,
    content: &Path,
    dist: &Path,
    site: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<whichpy_render::audit::Report> {
    // `dist` must be render's own (or new): it is replaced whole.
    claim_output(dist)?;
    if let (Some(parent), Some(name)) = (dist.parent(), dist.file_name()) {
        let prefix = format!(".{}.publishing-", name.to_string_lossy());
        for e in std::fs::read_dir(parent)
            .with_context(|| format!("reading {}", parent.display()))?
            .flatten()
        {
            let stale = e.file_name().to_string_lossy().starts_with(&prefix);
            if stale && e.path() != staging_of(dist) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let staging = staging_of(dist);
    let _ = std::fs::remove_dir_all(&staging);
    let staged = (|| {
        eprintln!("== render");
        render_to(summary, content, &staging)?;
        site(&staging)?;
        eprintln!("== check");
        check_dist(summary, content, &staging)
    })();
    let report = match staged {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e.context(format!("{} was left as it was", dist.display())));
        }
    };
    swap(&staging, dist)?;
    let _ = std::fs::remove_dir_all(&staging);
    Ok(report)
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
