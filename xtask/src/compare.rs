//! `cargo xtask compare A B`: two summaries (two dates, two machines), cell by cell.

use std::path::PathBuf;

use whichpy_wire::summary::{Summary, Verdict};
use xshell::Shell;

/// Compare two summaries cell by cell, with 95% intervals and verdicts
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "The ratio is B / A: below 1, B is faster. Its interval comes from the two cells' \
means and spreads (delta method on the log scale, Welch degrees of freedom); \"faster\" and \"slower\" \
are said only where the interval excludes 1.\n\nExample:\n  \
git show main~5:results/summary.json > /tmp/old.json && cargo xtask compare /tmp/old.json results/summary.json"
)]
pub struct Compare {
    /// The reference summary
    pub a: PathBuf,
    /// The summary compared with it
    pub b: PathBuf,
}

impl Compare {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let a: Summary = whichpy_wire::parse_json_file(&self.a)?;
        let b: Summary = whichpy_wire::parse_json_file(&self.b)?;
        if a.environment.machine.fingerprint != b.environment.machine.fingerprint {
            eprintln!(
                "note: different machines ({} vs {}): differences include the hardware",
                a.environment.machine.cpu_model, b.environment.machine.cpu_model
            );
        }
        let changes = whichpy_stats::compare::compare(&a, &b);
        anyhow::ensure!(
            !changes.is_empty(),
            "the two summaries have no cell in common"
        );
        println!("| cell | metric | A (ms) | B (ms) | B / A [95% CI] | verdict |");
        println!("|---|---|---:|---:|---|---|");
        for c in &changes {
            let ci =
                c.ci.map(|i| format!(" [{:.3}, {:.3}]", i.low, i.high))
                    .unwrap_or_default();
            let verdict = match c.verdict {
                Some(Verdict::Faster) => "B faster",
                Some(Verdict::Slower) => "B slower",
                Some(Verdict::NoSignificantDifference) => "no significant difference",
                None => "one sample: no interval",
            };
            println!(
                "| {} | {} | {:.3} | {:.3} | {:.3}{ci} | {verdict} |",
                c.key,
                c.metric.as_str(),
                c.a / 1e6,
                c.b / 1e6,
                c.ratio
            );
        }
        Ok(())
    }
}
