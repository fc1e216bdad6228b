//! `cargo xtask export`: the summary (and its raw files) in other tools' formats.

use std::path::PathBuf;

use anyhow::Context;
use whichpy_stats::export::{
    csv::CsvExporter, markdown::MarkdownExporter, pyperf::PyperfExporter, Exporter,
};
use whichpy_wire::RawFile;
use xshell::Shell;

use crate::project::{self, RAW_DIR, SUMMARY};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// pyperf's JSON, one file per interpreter (`python3 -m pyperf stats`, `compare_to`)
    Pyperf,
    /// One row per cell
    Csv,
    /// The same rows as a Markdown table
    Markdown,
}

/// Write results/summary.json in pyperf JSON, CSV or Markdown
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cargo xtask export --format pyperf && python3 -m pyperf compare_to dist/export/pyperf-cpython-3.13.json dist/export/pyperf-pypy-7.3.json\n  \
    cargo xtask export --format csv --format markdown")]
pub struct Export {
    /// Formats to write; repeatable [default: all]
    #[arg(long = "format", value_enum)]
    pub formats: Vec<Format>,
    /// The summary to export
    #[arg(long, default_value = SUMMARY)]
    pub summary: PathBuf,
    /// Output folder
    #[arg(long, default_value = "dist/export")]
    pub out: PathBuf,
}

impl Export {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let summary = crate::render::load_summary(&root.join(&self.summary))?;
        let formats = if self.formats.is_empty() {
            vec![Format::Pyperf, Format::Csv, Format::Markdown]
        } else {
            self.formats
        };
        // pyperf needs every iteration: read the raw files the summary was made from.
        let raws = if formats.contains(&Format::Pyperf) {
            summary
                .environment
                .runs
                .iter()
                .map(|r| {
                    let path = root.join(RAW_DIR).join(format!("{}.jsonl", r.run_id));
                    RawFile::read(&path).with_context(|| {
                        format!(
                            "the summary was made from run {}, whose raw file is missing",
                            r.run_id
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let out = root.join(&self.out);
        std::fs::create_dir_all(&out)?;
        let mut jobs: Vec<(String, Box<dyn Exporter>)> = Vec::new();
        for f in formats {
            match f {
                Format::Csv => jobs.push(("whichpy".into(), Box::new(CsvExporter))),
                Format::Markdown => jobs.push(("whichpy".into(), Box::new(MarkdownExporter))),
                Format::Pyperf => {
                    for i in &summary.environment.interpreters {
                        jobs.push((
                            format!("pyperf-{}", i.id),
                            Box::new(PyperfExporter {
                                interp: i.id.clone(),
                            }),
                        ));
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
                Err(e) => eprintln!("skipped {}: {e}", path.display()),
            }
        }
        Ok(())
    }
}
