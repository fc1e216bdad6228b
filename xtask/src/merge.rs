//! `cargo xtask merge FILES…`: the raw files of one refresh's shards → one summary.
//!
//! The rules and the statistics are `whichpy_stats::merge`'s (pure); this command reads the
//! files, picks the baseline as `analyse` does, writes the summary and says how the machines
//! were combined.

use std::path::{Path, PathBuf};

use anyhow::Context;
use whichpy_wire::summary::Summary;
use whichpy_wire::RawFile;
use xshell::Shell;

use crate::project::{self, SUMMARY};

/// Join the raw files of one refresh's shards into one summary, machine by machine
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "Give exactly the shards of one refresh: older runs are not picked up.\n\
Absolute times are pooled only within one machine fingerprint; across machines only ratios are \
combined, each against the baseline on its own machine, and the summary's `merge` field says so.\n\
Fails on shards built from different pins, on a cell measured by two shards (startup excepted: \
every shard times it for its own cold times) and on a shard without the baseline.\n\n\
Example:\n  cargo xtask merge shard-*/*.jsonl --out results/summary.json"
)]
pub struct Merge {
    /// The shards' raw files
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Interpreter every ratio is taken against [default: the catalogue's baseline in the data]
    #[arg(long)]
    pub baseline: Option<String>,
    /// Where to write the summary
    #[arg(long, default_value = SUMMARY)]
    pub out: PathBuf,
}

/// Read and merge shards (pure apart from reading).
pub fn merge_files(
    root: &Path,
    files: &[PathBuf],
    baseline: Option<String>,
) -> anyhow::Result<Summary> {
    let shards = files
        .iter()
        .map(|f| Ok((f.display().to_string(), RawFile::read(f)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let suite = project::load_suite(root)?;
    let catalogue = crate::catalogue::Catalogue::load(root)?;
    let baseline = baseline
        .or_else(|| {
            catalogue
                .interpreters
                .iter()
                .filter(|i| i.baseline)
                .find(|i| {
                    shards
                        .iter()
                        .any(|(_, r)| r.meta.params.interps.contains(&i.id))
                })
                .map(|i| i.id.clone())
        })
        .context(
            "no baseline interpreter of the catalogue is in these shards; \
             run the baseline in every shard or name one with --baseline",
        )?;
    let opts = whichpy_stats::Options {
        baseline: Some(baseline),
        ..Default::default()
    };
    Ok(whichpy_stats::merge::merge(&shards, &suite, &opts)?)
}

impl Merge {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let files: Vec<PathBuf> = self.files.iter().map(|f| root.join(f)).collect();
        let summary = merge_files(&root, &files, self.baseline)?;
        let out = root.join(&self.out);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&out, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("writing {}", out.display()))?;
        let info = summary.merge.as_ref().expect("merge sets it");
        eprintln!(
            "{} cells from {} shards on {} machine{} → {}",
            summary.cells.len(),
            files.len(),
            info.machines.len(),
            if info.machines.len() == 1 { "" } else { "s" },
            self.out.display()
        );
        for m in &info.machines {
            eprintln!(
                "  {} ({}, kernel {}): {}",
                m.machine.fingerprint,
                m.machine.cpu_model,
                m.machine.kernel,
                m.workloads.join(", ")
            );
        }
        eprintln!("{}", info.method);
        for k in &info.kernel_only {
            crate::output::warning(None, k);
        }
        Ok(())
    }
}
