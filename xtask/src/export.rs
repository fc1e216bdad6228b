//! `cargo xtask export`: the summary (and its raw files) in other tools' formats.

use std::path::PathBuf;

use anyhow::Context;
use whichpy_stats::export::{
    csv::CsvExporter,
    markdown::MarkdownExporter,
    pyperf::{PyperfExporter, METRICS},
    Exporter,
};
use xshell::Shell;

use crate::output;
use crate::project::{self, SUMMARY};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// pyperf's JSON, one file per interpreter and metric (`python3 -m pyperf stats`,
    /// `compare_to`), one value per process execution
    Pyperf,
    /// One row per cell
    Csv,
    /// The same rows as a Markdown table
    Markdown,
}

/// Write results/summary.json in pyperf JSON, CSV or Markdown
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "pyperf files are pyperf-<interpreter>-<metric>.json (metric: warm, cold, \
startup, process), so that `compare_to -G` averages one kind of time. A pyperf run is one process \
execution with one value (its steady-state mean, cold time or wall time). pyperf's t-test needs the \
same number of values on both sides, and a planned run gives cells different numbers of processes, \
so every interpreter's file holds the same number of runs for a benchmark: the fewest any \
interpreter has for that cell, chosen evenly over the cell's processes in the order they ran \
(`--all-runs` keeps every one; the benchmark's `whichpy_processes` metadata says how many there \
were). The metadata's platform is the container's Debian release.\n\n\
Examples:\n  \
    cargo xtask export --format pyperf && python3 -m pyperf compare_to dist/export/pyperf-cpython-3.13-warm.json dist/export/pyperf-pypy-7.3-warm.json --table -G\n  \
    cargo xtask export --format csv --format markdown"
)]
pub struct Export {
    /// Formats to write; repeatable [default: all]
    #[arg(long = "format", value_enum)]
    pub formats: Vec<Format>,
    /// The summary to export, relative to the current directory [default: the workspace's
    /// results/summary.json]
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Output folder, relative to the current directory [default: the workspace's dist/export]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// pyperf: every process execution of a cell, not the count common to every interpreter
    /// (pyperf's t-test then refuses the benchmarks whose counts differ)
    #[arg(long)]
    pub all_runs: bool,
}

impl Export {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        // A path given on the command line is the user's (relative to the current directory);
        // the defaults are the workspace's.
        let summary_path = self.summary.unwrap_or_else(|| root.join(SUMMARY));
        let summary = crate::render::load_summary(&summary_path)?;
        let formats = if self.formats.is_empty() {
            vec![Format::Pyperf, Format::Csv, Format::Markdown]
        } else {
            self.formats
        };
        // Every format reads the summary alone (a process's figures are in it).
        let raws = Vec::new();
        let out = self.out.unwrap_or_else(|| root.join("dist/export"));
        std::fs::create_dir_all(&out)
            .with_context(|| format!("creating the output folder {}", out.display()))?;
        let mut jobs: Vec<(String, Box<dyn Exporter>)> = Vec::new();
        for f in formats {
            match f {
                Format::Csv => jobs.push(("whichpy".into(), Box::new(CsvExporter))),
                Format::Markdown => jobs.push(("whichpy".into(), Box::new(MarkdownExporter))),
                Format::Pyperf => {
                    for i in &summary.environment.interpreters {
                        for metric in METRICS {
                            jobs.push((
                                format!("pyperf-{}-{}", i.id, metric.as_str()),
                                Box::new(PyperfExporter {
                                    interp: i.id.clone(),
                                    metric,
                                    all_runs: self.all_runs,
                                }),
                            ));
                        }
                    }
                }
            }
        }
        for (stem, exporter) in jobs {
            let path = out.join(format!("{stem}.{}", exporter.extension()));
            match exporter.export(&summary, &raws) {
                Ok(bytes) => {
                    std::fs::write(&path, bytes)
                        .with_context(|| format!("writing {}", path.display()))?;
                    println!("{}", path.strip_prefix(&root).unwrap_or(&path).display());
                }
                // An interpreter without process cells has no process file: not a problem.
                Err(e) => output::detail(format!("skipped {}: {e}", path.display())),
            }
        }
        Ok(())
    }
}
