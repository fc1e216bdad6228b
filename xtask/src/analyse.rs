//! `cargo xtask analyse`: raw files → `results/summary.json`.
//!
//! All the statistics live in `whichpy-stats` and do no I/O; this command only finds and reads
//! the files, calls `summarise`, writes the result and prints what deserves attention.

use std::path::{Path, PathBuf};

use anyhow::Context;
use whichpy_wire::summary::Summary;
use whichpy_wire::RawFile;
use xshell::Shell;

use crate::project::{self, RAW_DIR, SUMMARY};

/// Analyse raw results into results/summary.json (warm-up, cold/warm times, intervals, ratios)
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "The same raw files always give a byte-identical summary: the bootstrap uses a fixed seed.\n\
Runs from a machine other than the latest run's are left out (numbers from different machines are never pooled)."
)]
pub struct Analyse {
    /// Raw files to analyse [default: every results/raw/*.jsonl]
    pub files: Vec<PathBuf>,
    /// Interpreter every ratio is taken against [default: the catalogue's baseline in the data]
    #[arg(long)]
    pub baseline: Option<String>,
    /// Where to write the summary
    #[arg(long, default_value = SUMMARY)]
    pub out: PathBuf,
}

/// Every raw file in a folder, sorted by name (run ids sort by time).
pub fn raw_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    Ok(files)
}

/// Read raw files and summarise them (pure apart from reading).
pub fn summarise_files(
    root: &Path,
    files: &[PathBuf],
    baseline: Option<String>,
) -> anyhow::Result<Summary> {
    anyhow::ensure!(
        !files.is_empty(),
        "no raw results to analyse; run `cargo xtask bench --quick` first"
    );
    let raws = files
        .iter()
        .map(|f| RawFile::read(f))
        .collect::<Result<Vec<_>, _>>()?;
    let suite = project::load_suite(root)?;
    let catalogue = crate::catalogue::Catalogue::load(root)?;
    // The catalogue names the baseline; the first baseline interpreter present in the data wins.
    let baseline = baseline.or_else(|| {
        catalogue
            .interpreters
            .iter()
            .filter(|i| i.baseline)
            .find(|i| raws.iter().any(|r| r.meta.params.interps.contains(&i.id)))
            .map(|i| i.id.clone())
    });
    let opts = whichpy_stats::Options {
        baseline,
        ..Default::default()
    };
    Ok(whichpy_stats::summarise(&raws, &suite, &opts))
}

impl Analyse {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let files = if self.files.is_empty() {
            raw_files(&root.join(RAW_DIR))?
        } else {
            self.files.clone()
        };
        let summary = summarise_files(&root, &files, self.baseline)?;
        let out = root.join(&self.out);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&out, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("writing {}", out.display()))?;
        eprintln!(
            "{} cells from {} runs ({} on {}) → {}",
            summary.cells.len(),
            summary.environment.runs.len(),
            summary.environment.data_date,
            summary.environment.machine.cpu_model,
            self.out.display()
        );
        for w in &summary.warnings {
            match &w.cell {
                Some(cell) => eprintln!("warning: {cell}: {}", w.message),
                None => eprintln!("warning: {}", w.message),
            }
        }
        Ok(())
    }
}
