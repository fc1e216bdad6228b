//! `cargo xtask merge FILES…`: the raw files of one refresh's shards → one summary.
//!
//! The rules and the statistics are `whichpy_stats::merge`'s (pure); this command reads the
//! files, picks the baseline as `analyse` does, writes the summary and says how the machines
//! were combined.

use std::path::{Path, PathBuf};

use anyhow::Context;
use whichpy_stats::merge::Waivers;
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
Fails on shards from different commits or uncommitted trees (unless --allow-mixed-source, which \
the summary records), built from different pins or image inputs, whose machine fingerprint is \
not the one its machine fields give, with a process longer than its run allowed, on a cell \
measured by two shards (startup excepted: every shard times it for its own cold times) and on a \
shard without the baseline.\n\n\
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
    /// Accept shards from different commits or from trees with uncommitted changes (recorded
    /// in the summary's `merge.waived`)
    #[arg(long)]
    pub allow_mixed_source: bool,
}

/// A shard's machine fingerprint must be the one its own machine fields give, and made of the
/// fingerprint's alphabet: shards are grouped by it, and it names cells and files.
fn check_fingerprint(name: &str, raw: &RawFile) -> anyhow::Result<()> {
    let m = &raw.meta.machine;
    let fp = &m.fingerprint;
    anyhow::ensure!(
        fp.len() == 12
            && fp
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{name}: machine fingerprint {fp:?} is not 12 hex digits; the shard's metadata was \
         edited or is not a run's"
    );
    let derived = crate::machine::fingerprint(&m.cpu_model, m.cores, m.memory_kib, &m.kernel);
    anyhow::ensure!(
        *fp == derived,
        "{name}: machine fingerprint {fp} is not the one its machine fields give ({derived}, \
         from cpu {:?}, {} cores, {} KiB, kernel {:?}); the shard's metadata was edited",
        m.cpu_model,
        m.cores,
        m.memory_kib,
        m.kernel
    );
    Ok(())
}

/// Read and merge shards (pure apart from reading), every rule enforced.
pub fn merge_files(
    root: &Path,
    files: &[PathBuf],
    baseline: Option<String>,
) -> anyhow::Result<Summary> {
    merge_files_with(root, files, baseline, Waivers::default())
}

/// [`merge_files`] with some rules waived (recorded in the summary).
pub fn merge_files_with(
    root: &Path,
    files: &[PathBuf],
    baseline: Option<String>,
    waivers: Waivers,
) -> anyhow::Result<Summary> {
    let shards = files
        .iter()
        .map(|f| Ok((f.display().to_string(), RawFile::read(f)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (name, raw) in &shards {
        check_fingerprint(name, raw)?;
    }
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
    Ok(whichpy_stats::merge::merge(
        &shards, &suite, &opts, waivers,
    )?)
}

impl Merge {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let files: Vec<PathBuf> = self.files.iter().map(|f| root.join(f)).collect();
        let waivers = Waivers {
            mixed_source: self.allow_mixed_source,
        };
        let summary = merge_files_with(&root, &files, self.baseline, waivers)?;
        let out = root.join(&self.out);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&out, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("writing {}", out.display()))?;
        let info = summary.merge.as_ref().expect("merge sets it");
        crate::output::info(format!(
            "{} cells from {} shards on {} machine{} → {}",
            summary.cells.len(),
            files.len(),
            info.machines.len(),
            if info.machines.len() == 1 { "" } else { "s" },
            self.out.display()
        ));
        for m in &info.machines {
            crate::output::info(format!(
                "  {} ({}, kernel {}): {}",
                m.machine.fingerprint,
                m.machine.cpu_model,
                m.machine.kernel,
                m.workloads.join(", ")
            ));
        }
        crate::output::info(&info.method);
        for k in info.kernel_only.iter().chain(&info.waived) {
            crate::output::warning(None, k);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The latest committed raw file: a real run's metadata.
    fn real() -> RawFile {
        let dir = project::root().join("results/raw");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        RawFile::read(files.last().unwrap()).unwrap()
    }

    #[test]
    fn a_fingerprint_must_be_the_one_its_machine_fields_give_in_its_alphabet() {
        let honest = real();
        check_fingerprint("a.jsonl", &honest).unwrap();
        // Issue 29, item 8: a shard claiming another's fingerprint with a forged machine.
        let mut forged = real();
        forged.meta.machine.cpu_model = "Forged Xeon 9999".into();
        forged.meta.machine.cores = 128;
        let e = check_fingerprint("b.jsonl", &forged)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("b.jsonl: machine fingerprint"), "{e}");
        assert!(e.contains("\"Forged Xeon 9999\", 128 cores"), "{e}");
        let mut path = real();
        path.meta.machine.fingerprint = "../../../../tmp/x".into();
        let e = check_fingerprint("c.jsonl", &path).unwrap_err().to_string();
        assert!(e.contains("is not 12 hex digits"), "{e}");
    }
}
