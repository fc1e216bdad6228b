//! `cargo xtask analyse`: raw files → `results/summary.json`.
//!
//! All the statistics live in `whichpy-stats` and do no I/O; this command only finds and reads
//! the files, calls `summarise`, writes the result and prints what deserves attention.
//!
//! Reading is lenient unless `--strict`: a file that cannot be read (I/O, a bad metadata
//! line) is skipped with an error naming it and the others are analysed; a rejected record
//! (malformed, implausible, a duplicate, unknown to its run's metadata) or a torn last line
//! is left out with a warning naming file, line and field. A second file of the same run id
//! (a copy) is left out whole, so no process execution is counted twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use whichpy_wire::summary::Summary;
use whichpy_wire::{RawFile, RawRead};
use xshell::Shell;

use crate::output;
use crate::project::{self, MCU_RAW_DIR, RAW_DIR, SUMMARY};

/// How many cells of each kind of warning the table names.
const WORST: usize = 3;

/// Analyse raw results into results/summary.json (warm-up, cold/warm times, intervals, ratios)
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "The same raw files always give a byte-identical summary (every interval is a closed form; nothing is drawn at random).\n\
By default only the latest run is analysed: a planned run is a whole experiment, and a run committed earlier is never pooled with yours by accident. \
With --all, every run of the latest run's machine is pooled; runs from other machines are left out (numbers from different machines are never pooled)."
)]
pub struct Analyse {
    /// Raw files to analyse [default: the latest results/raw/*.jsonl; every one with --all]
    pub files: Vec<PathBuf>,
    /// Pool every run in results/raw (of the latest run's machine), not only the latest
    #[arg(long)]
    pub all: bool,
    /// Interpreter every ratio is taken against [default: the catalogue's baseline in the data]
    #[arg(long)]
    pub baseline: Option<String>,
    /// Where to write the summary, relative to the current directory [default: the
    /// workspace's results/summary.json]
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where to write every warning, one per line [default: the workspace's
    /// target/analyse-warnings.txt]; the terminal gets them grouped by kind
    #[arg(long, value_name = "FILE")]
    pub warnings: Option<PathBuf>,
    /// Fail on the first unreadable file, rejected record or torn line instead of leaving it
    /// out with a warning
    #[arg(long)]
    pub strict: bool,
}

/// What reading the raw files left out, one message per problem (each names file and line).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeftOut {
    /// Files skipped whole: unreadable, or a copy of a run already read.
    pub files: Vec<String>,
    /// Records and torn lines left out of files that were read (each with its file and line).
    pub lines: Vec<whichpy_wire::ParseError>,
}

/// Read raw files for analysis. Lenient: what cannot be used is left out and listed (an `ok`
/// record whose checksum is not the suite's too). `strict`: the first problem is the error.
pub fn read_raw_files(
    files: &[PathBuf],
    suite: &whichpy_wire::Suite,
    strict: bool,
) -> anyhow::Result<(Vec<RawFile>, LeftOut)> {
    let mut raws: Vec<RawFile> = Vec::new();
    let mut left = LeftOut::default();
    let mut runs: BTreeMap<String, PathBuf> = BTreeMap::new();
    for f in files {
        let mut read = match RawRead::load(f) {
            Ok(r) => r,
            Err(e) if strict => anyhow::bail!("{e} (--strict)"),
            Err(e) => {
                left.files.push(format!("{e}; this file is skipped"));
                continue;
            }
        };
        if let Some(first) = runs.get(&read.file.meta.run_id) {
            let msg = format!(
                "{}:1: field `run_id`: run `{}` is also in {}; a run is counted once, so this                  copy is left out",
                f.display(),
                read.file.meta.run_id,
                first.display()
            );
            anyhow::ensure!(!strict, "{msg} (--strict)");
            left.files.push(msg);
            continue;
        }
        read.check_suite(suite);
        let problems = read.problems();
        if strict {
            if let Some(e) = problems.first() {
                anyhow::bail!("{e} (--strict; {} problem(s) in this file)", problems.len());
            }
        }
        left.lines.extend(problems);
        runs.insert(read.file.meta.run_id.clone(), f.clone());
        raws.push(read.file);
    }
    Ok((raws, left))
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
    strict: bool,
) -> anyhow::Result<Summary> {
    anyhow::ensure!(
        !files.is_empty(),
        "no raw results to analyse; run `cargo xtask bench --quick` first"
    );
    let suite = project::load_suite(root)?;
    let (raws, left) = read_raw_files(files, &suite, strict)?;
    // An emulated board's runs are summarised apart (`mcu_section`), never pooled.
    let (mcu, raws): (Vec<RawFile>, Vec<RawFile>) = raws
        .into_iter()
        .partition(|r| r.meta.backend == whichpy_wire::BackendKind::Mcu);
    if !mcu.is_empty() {
        output::info(format!(
            "note: {} emulated-board run(s) left out of the cells; `analyse` summarises the \
             latest run in {MCU_RAW_DIR} apart",
            mcu.len()
        ));
    }
    for f in &left.files {
        output::error(None, f);
    }
    for l in &left.lines {
        crate::output::warning(Some((&l.path, l.line)), format!("{l}; left out"));
    }
    if !left.files.is_empty() || !left.lines.is_empty() {
        output::warning(
            None,
            format!(
                "{} file(s) skipped and {} line(s) left out; `--strict` makes each an error",
                left.files.len(),
                left.lines.len()
            ),
        );
    }
    anyhow::ensure!(
        !raws.is_empty(),
        "none of the {} raw file(s) could be read (the errors above say why)",
        files.len()
    );
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

/// The summary of the latest emulated-board run in `results/mcu`, if there is one.
pub fn mcu_section(
    root: &Path,
    strict: bool,
) -> anyhow::Result<Option<whichpy_wire::summary::McuSummary>> {
    let dir = root.join(MCU_RAW_DIR);
    if !dir.is_dir() {
        return Ok(None);
    }
    let Some(latest) = raw_files(&dir)?.pop() else {
        return Ok(None);
    };
    let suite = project::load_suite(root)?;
    let (raws, left) = read_raw_files(std::slice::from_ref(&latest), &suite, strict)?;
    for f in &left.files {
        output::warning(None, f);
    }
    for l in &left.lines {
        output::warning(Some((&l.path, l.line)), l.to_string());
    }
    let Some(raw) = raws.first() else {
        return Ok(None);
    };
    let section = whichpy_stats::mcu::summarise(raw, &suite);
    if let Some(s) = &section {
        output::info(format!(
            "emulated board: {} ({} workloads, {} fit) from {}",
            s.label,
            s.workloads.len(),
            s.workloads.iter().filter(|w| w.fits).count(),
            crate::runfile::shown(&latest)
        ));
    }
    Ok(section)
}

impl Analyse {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let files = if self.files.is_empty() {
            let mut all = raw_files(&root.join(RAW_DIR))?;
            if !self.all && all.len() > 1 {
                let latest = all.pop().expect("more than one");
                output::info(format!(
                    "analysing the latest run, {} ({} older run(s) in {RAW_DIR} left out; --all pools them)",
                    crate::runfile::shown(&latest),
                    all.len()
                ));
                all = vec![latest];
            }
            all
        } else {
            self.files.clone()
        };
        let mut summary = summarise_files(&root, &files, self.baseline, self.strict)?;
        // The results folder's side files (the emulated board's latest run, the memory floor,
        // the scaling curves) belong to its own runs: a summary of raw files named on the
        // command line (a test's, a shard's) never takes them in.
        if self.files.is_empty() {
            summary.mcu = mcu_section(&root, self.strict)?;
            summary.floor = crate::floor::attach(&root, &summary)?;
            summary.scaling = crate::scaling::attach(&root, &summary)?;
        }
        // A path given on the command line is the user's (relative to the current directory);
        // the defaults are the workspace's.
        let out = self.out.unwrap_or_else(|| root.join(SUMMARY));
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&out, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("writing {}", out.display()))?;
        let warnings_file = self
            .warnings
            .unwrap_or_else(|| root.join("target/analyse-warnings.txt"));
        write_warnings(&warnings_file, &summary)?;
        for w in &summary.warnings {
            match &w.cell {
                Some(cell) => output::detail(format!("warning: {cell}: {}", w.message)),
                None => output::detail(format!("warning: {}", w.message)),
            }
        }
        output::info(
            report(
                &summary,
                &crate::runfile::shown(&out),
                &crate::runfile::shown(&warnings_file),
            )
            .trim_end(),
        );
        // Under Actions: one annotation per kind of warning, not one per cell.
        for g in whichpy_stats::warnings::group(&summary.warnings, WORST) {
            output::annotation(
                "warning",
                "whichpy analyse",
                format!(
                    "{} × {}: {}",
                    g.count,
                    g.kind,
                    g.worst
                        .iter()
                        .map(|(c, _)| c.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            );
        }
        Ok(())
    }
}

/// Every warning, one per line (`cell: message`), to `path`.
pub fn write_warnings(path: &Path, summary: &Summary) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating {} for the warnings", dir.display()))?;
    }
    let mut text = String::new();
    for w in &summary.warnings {
        match &w.cell {
            Some(c) => text.push_str(&format!("{c}: {}\n", w.message)),
            None => text.push_str(&format!("{}\n", w.message)),
        }
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// The short table `analyse` prints: what was analysed, the precision reached, and the
/// warnings grouped by kind with counts and the worst few cells.
pub fn report(summary: &Summary, out: &str, warnings_file: &str) -> String {
    let env = &summary.environment;
    let mut s = format!(
        "{} cells from {} run(s) ({} on {}) → {out}\n",
        summary.cells.len(),
        env.runs.len(),
        env.data_date,
        env.machine.cpu_model,
    );
    if let Some(p) = &summary.precision {
        s.push_str(&format!(
            "precision (95% interval, ± of the mean): median ±{:.1}%, widest ±{:.1}% ({}); \
             {} of {} cells within ±2%, {} within ±5%; {} to {} process executions per cell\n",
            p.median_rel_half_width * 100.0,
            p.worst_rel_half_width * 100.0,
            p.worst_cell,
            p.within_2pct,
            p.cells,
            p.within_5pct,
            p.processes_min,
            p.processes_max
        ));
    }
    let groups = whichpy_stats::warnings::group(&summary.warnings, WORST);
    if groups.is_empty() {
        s.push_str("no warnings\n");
        return s;
    }
    s.push_str(&format!(
        "{} warnings (every one in {warnings_file}; -v prints them here):\n",
        summary.warnings.len()
    ));
    let width = groups
        .iter()
        .map(|g| g.kind.chars().count())
        .max()
        .unwrap_or(0);
    for g in &groups {
        let worst: Vec<&str> = g.worst.iter().map(|(c, _)| c.as_str()).collect();
        s.push_str(&format!(
            "  {:>5}  {:<width$}  {}{}\n",
            g.count,
            g.kind,
            worst.join(", "),
            if g.count > worst.len() { ", …" } else { "" }
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_groups_the_committed_summary_s_warnings() {
        let root = project::root();
        let summary = crate::render::load_summary(&root.join(SUMMARY)).unwrap();
        let r = report(&summary, "results/summary.json", "target/w.txt");
        assert!(r.contains("cells from"), "{r}");
        assert!(r.contains("precision (95% interval"), "{r}");
        let groups = whichpy_stats::warnings::group(&summary.warnings, WORST);
        // One line per kind, not per warning.
        assert!(r.lines().count() <= 3 + groups.len(), "{r}");
        if !summary.warnings.is_empty() {
            assert!(
                r.contains(&format!("{} warnings", summary.warnings.len())),
                "{r}"
            );
        }
    }
}
