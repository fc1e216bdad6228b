//! `cargo xtask compare A B`: two result files (two dates, two machines, a pull request against
//! its base), cell by cell, as a Markdown table, as JSON, and as a CI gate.
//!
//! A and B are both whichpy summaries (`results/summary.json`), both pyperf JSON files (what
//! `cargo xtask export --format pyperf` writes, and what pyperf itself writes), or both
//! hyperfine exports (`hyperfine --export-json`, startup timings). The format is read from
//! the file itself.
//!
//! The statistics are `whichpy_stats::compare`'s: the ratio B / A of two means with a
//! delta-method interval. For pyperf files a sample is a pyperf run (one process: the mean of
//! its values), for hyperfine files one timed command execution, as in whichpy's summaries a
//! process execution.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{json, Value};
use whichpy_stats::compare::{compare as compare_summaries, ratio_of_estimates};
use whichpy_stats::describe::estimate;
use whichpy_wire::summary::{Estimate, Interval, Summary, Verdict};
use xshell::Shell;

/// The version of `compare --json`'s output.
pub const COMPARE_JSON_SCHEMA: u32 = 1;

/// Compare two result files cell by cell, with 95% intervals and verdicts
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "The ratio is B / A: below 1, B is faster. Its interval comes from the two cells' \
means and spreads (delta method on the log scale, Welch degrees of freedom); \"faster\" and \"slower\" \
are said only where the interval excludes 1.\n\n\
A and B are two whichpy summaries, two pyperf JSON files, or two hyperfine JSON exports.\n\n\
Examples:\n  \
git show main~5:results/summary.json > /tmp/old.json && cargo xtask compare /tmp/old.json results/summary.json\n  \
cargo xtask compare base.json head.json --fail-on slower:5% --markdown \"$GITHUB_STEP_SUMMARY\"\n  \
cargo xtask compare a.json b.json --json > changes.json"
)]
pub struct Compare {
    /// The reference file
    pub a: PathBuf,
    /// The file compared with it
    pub b: PathBuf,
    /// Print the comparison as JSON on stdout instead of the table
    #[arg(long)]
    pub json: bool,
    /// Exit non-zero when a cell of B is significantly slower than in A (its interval excludes 1)
    /// by more than the given percentage: `slower` (any significant slowdown) or `slower:5%`
    #[arg(long, value_name = "slower[:X%]", value_parser = parse_fail_on)]
    pub fail_on: Option<f64>,
    /// Also append the Markdown table to this file (for example "$GITHUB_STEP_SUMMARY")
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

/// `slower` → 0, `slower:5%` / `slower:5` → 0.05.
pub fn parse_fail_on(s: &str) -> Result<f64, String> {
    let rest = s.strip_prefix("slower").ok_or_else(|| {
        format!("--fail-on takes `slower` or `slower:X%` (for example `slower:5%`), not `{s}`")
    })?;
    if rest.is_empty() {
        return Ok(0.0);
    }
    let pct = rest
        .strip_prefix(':')
        .ok_or_else(|| format!("--fail-on: write `slower:{}`, with a colon", rest))?;
    let number = pct.strip_suffix('%').unwrap_or(pct);
    let x: f64 = number
        .parse()
        .map_err(|_| format!("--fail-on: `{pct}` is not a percentage (write `slower:5%`)"))?;
    if !(x.is_finite() && x >= 0.0) {
        return Err(format!(
            "--fail-on: the percentage must be 0 or more, not {x}"
        ));
    }
    Ok(x / 100.0)
}

/// What a result file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Summary,
    Pyperf,
    Hyperfine,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Summary => "whichpy summary",
            Format::Pyperf => "pyperf",
            Format::Hyperfine => "hyperfine",
        }
    }
}

/// One cell of a result file: a name, what was timed, and the estimate of its time in ns.
#[derive(Clone, Debug)]
pub struct Entry {
    pub cell: String,
    pub metric: String,
    pub estimate: Estimate,
}

/// A result file, read.
#[derive(Clone, Debug)]
pub struct Side {
    pub format: Format,
    pub entries: Vec<Entry>,
    /// Whichpy summaries only.
    pub summary: Option<Box<Summary>>,
}

/// One row of the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub cell: String,
    pub metric: String,
    /// Mean times, ns.
    pub a: f64,
    pub b: f64,
    /// `b / a`.
    pub ratio: f64,
    pub ci: Option<Interval>,
    pub verdict: Option<Verdict>,
}

impl Row {
    /// Significantly slower by more than `threshold` (0.05 = 5%): the interval excludes 1 and
    /// B's mean is more than `1 + threshold` times A's.
    pub fn slower_than(&self, threshold: f64) -> bool {
        self.verdict == Some(Verdict::Slower) && self.ratio > 1.0 + threshold
    }
}

/// Read a whichpy summary, a pyperf file or a hyperfine export.
pub fn load(path: &Path) -> anyhow::Result<Side> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not JSON; compare reads whichpy summaries, pyperf JSON and hyperfine JSON exports",
            path.display()
        )
    })?;
    if v.get("schema").is_some() && v.get("cells").is_some() {
        let summary = crate::render::load_summary(path)?;
        return Ok(Side {
            format: Format::Summary,
            entries: Vec::new(),
            summary: Some(Box::new(summary)),
        });
    }
    if v.get("benchmarks").is_some() {
        return pyperf(path, &v);
    }
    if v.get("results").is_some_and(Value::is_array) {
        return hyperfine(path, &v);
    }
    anyhow::bail!(
        "{}: not a whichpy summary (no `schema` and `cells`), a pyperf file (no `benchmarks`) \
         or a hyperfine export (no `results`); make it with `cargo xtask analyse`, \
         `cargo xtask export --format pyperf`, pyperf, or `hyperfine --export-json`",
        path.display()
    )
}

const NS_PER_S: f64 = 1e9;

/// Positive finite numbers of a JSON array, seconds → ns; the field path names what is wrong.
fn seconds(path: &Path, at: &str, v: &Value) -> anyhow::Result<Vec<f64>> {
    let a = v
        .as_array()
        .with_context(|| format!("{}: {at} is not a list of numbers", path.display()))?;
    a.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map(|x| x * NS_PER_S)
                .with_context(|| {
                    format!(
                        "{}: {at}[{i}] is {x}, not a time in seconds",
                        path.display()
                    )
                })
        })
        .collect()
}

/// pyperf: `benchmarks[i].metadata.name` (or the file's `metadata.name`), one sample per run
/// with values (the mean of its values; calibration runs have none).
fn pyperf(path: &Path, v: &Value) -> anyhow::Result<Side> {
    let benchmarks = v["benchmarks"]
        .as_array()
        .with_context(|| format!("{}: benchmarks is not a list", path.display()))?;
    let mut entries = Vec::new();
    for (i, b) in benchmarks.iter().enumerate() {
        let name = b["metadata"]["name"]
            .as_str()
            .or_else(|| v["metadata"]["name"].as_str())
            .with_context(|| {
                format!(
                    "{}: benchmarks[{i}].metadata.name is missing: pyperf needs a name per benchmark",
                    path.display()
                )
            })?;
        let runs = b["runs"]
            .as_array()
            .with_context(|| format!("{}: benchmarks[{i}].runs is not a list", path.display()))?;
        let mut means = Vec::new();
        for (j, r) in runs.iter().enumerate() {
            let Some(values) = r.get("values") else {
                continue;
            };
            let xs = seconds(path, &format!("benchmarks[{i}].runs[{j}].values"), values)?;
            if !xs.is_empty() {
                means.push(xs.iter().sum::<f64>() / xs.len() as f64);
            }
        }
        if let Some(estimate) = estimate(&means) {
            entries.push(Entry {
                cell: name.to_string(),
                metric: "values".into(),
                estimate,
            });
        }
    }
    Ok(Side {
        format: Format::Pyperf,
        entries,
        summary: None,
    })
}

/// hyperfine: `results[i].command`, one sample per entry of `times`.
fn hyperfine(path: &Path, v: &Value) -> anyhow::Result<Side> {
    let mut entries = Vec::new();
    for (i, r) in v["results"].as_array().into_iter().flatten().enumerate() {
        let command = r["command"]
            .as_str()
            .with_context(|| format!("{}: results[{i}].command is missing", path.display()))?;
        let times = seconds(path, &format!("results[{i}].times"), &r["times"])?;
        if let Some(estimate) = estimate(&times) {
            entries.push(Entry {
                cell: command.to_string(),
                metric: "startup".into(),
                estimate,
            });
        }
    }
    Ok(Side {
        format: Format::Hyperfine,
        entries,
        summary: None,
    })
}

/// The rows of A against B, in A's order.
pub fn rows(a: &Side, b: &Side) -> anyhow::Result<Vec<Row>> {
    anyhow::ensure!(
        a.format == b.format,
        "A is a {} file and B a {} file: compare two files of the same kind",
        a.format.as_str(),
        b.format.as_str()
    );
    if let (Some(sa), Some(sb)) = (&a.summary, &b.summary) {
        return Ok(compare_summaries(sa, sb)
            .into_iter()
            .map(|c| Row {
                cell: c.key.to_string(),
                metric: c.metric.as_str().to_string(),
                a: c.a,
                b: c.b,
                ratio: c.ratio,
                ci: c.ci,
                verdict: c.verdict,
            })
            .collect());
    }
    let mut out = Vec::new();
    for ea in &a.entries {
        let eb = b
            .entries
            .iter()
            .find(|e| e.cell == ea.cell && e.metric == ea.metric);
        // Two hyperfine files of one command each compare that command, renamed or not.
        let eb = eb.or_else(|| {
            (a.format == Format::Hyperfine && a.entries.len() == 1 && b.entries.len() == 1)
                .then(|| &b.entries[0])
        });
        let Some(eb) = eb else { continue };
        let (ratio, ci) = ratio_of_estimates(&ea.estimate, &eb.estimate);
        out.push(Row {
            cell: ea.cell.clone(),
            metric: ea.metric.clone(),
            a: ea.estimate.mean,
            b: eb.estimate.mean,
            ratio,
            ci,
            verdict: ci.map(whichpy_stats::bootstrap::verdict),
        });
    }
    Ok(out)
}

fn verdict_words(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Faster) => "B faster",
        Some(Verdict::Slower) => "B slower",
        Some(Verdict::NoSignificantDifference) => "no significant difference",
        None => "one sample: no interval",
    }
}

/// A table cell's text: `|` and line breaks cannot break the table.
fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The Markdown table (GitHub's job summary renders it), with a line saying what failed.
pub fn markdown(rows: &[Row], fail_on: Option<f64>) -> String {
    let mut s = String::from(
        "| cell | metric | A (ms) | B (ms) | B / A [95% CI] | verdict |\n|---|---|---:|---:|---|---|\n",
    );
    for r in rows {
        let ci =
            r.ci.map(|i| format!(" [{:.3}, {:.3}]", i.low, i.high))
                .unwrap_or_default();
        let flag = match fail_on {
            Some(t) if r.slower_than(t) => " ❌",
            _ => "",
        };
        s.push_str(&format!(
            "| {} | {} | {:.3} | {:.3} | {:.3}{ci} | {}{flag} |\n",
            md_cell(&r.cell),
            md_cell(&r.metric),
            r.a / 1e6,
            r.b / 1e6,
            r.ratio,
            verdict_words(r.verdict)
        ));
    }
    if let Some(t) = fail_on {
        let n = rows.iter().filter(|r| r.slower_than(t)).count();
        s.push_str(&format!(
            "\n{n} of {} cells significantly slower by more than {}%.\n",
            rows.len(),
            t * 100.0
        ));
    }
    s
}

/// The comparison as JSON (`compare --json`), schema [`COMPARE_JSON_SCHEMA`].
pub fn to_json(a: &Path, b: &Path, format: Format, rows: &[Row], fail_on: Option<f64>) -> Value {
    json!({
        "schema": COMPARE_JSON_SCHEMA,
        "a": a.display().to_string(),
        "b": b.display().to_string(),
        "format": format.as_str(),
        "fail_on_slower": fail_on,
        "rows": rows.iter().map(|r| json!({
            "cell": r.cell,
            "metric": r.metric,
            "a_ns": r.a,
            "b_ns": r.b,
            "ratio": r.ratio,
            "ci": r.ci.map(|i| json!({ "low": i.low, "high": i.high })),
            "verdict": r.verdict.map(|v| v.as_str()),
            "failed": fail_on.is_some_and(|t| r.slower_than(t)),
        })).collect::<Vec<_>>(),
    })
}

/// GitHub Actions workflow commands for the rows that matter: an error per cell that fails the
/// gate, a warning per other significantly slower cell. Printed when `GITHUB_ACTIONS=true`, so
/// they show on the run's summary page and on the pull request.
pub fn annotations(rows: &[Row], fail_on: Option<f64>) -> Vec<String> {
    rows.iter()
        .filter(|r| r.verdict == Some(Verdict::Slower))
        .map(|r| {
            let level = match fail_on {
                Some(t) if r.slower_than(t) => "error",
                _ => "warning",
            };
            let ci =
                r.ci.map(|i| format!(" (95% CI {:.3}–{:.3})", i.low, i.high))
                    .unwrap_or_default();
            crate::output::workflow_command(
                level,
                None,
                "whichpy compare",
                &format!("{} {}: B is {:.3}× A{ci}", r.cell, r.metric, r.ratio),
            )
        })
        .collect()
}

impl Compare {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let a = load(&self.a)?;
        let b = load(&self.b)?;
        if let (Some(sa), Some(sb)) = (&a.summary, &b.summary) {
            if sa.environment.machine.fingerprint != sb.environment.machine.fingerprint {
                eprintln!(
                    "note: different machines ({} vs {}): differences include the hardware",
                    sa.environment.machine.cpu_model, sb.environment.machine.cpu_model
                );
            }
        }
        let rows = rows(&a, &b)?;
        anyhow::ensure!(
            !rows.is_empty(),
            "{} and {} have no cell in common (cells match by interpreter, workload and size; \
             pyperf benchmarks by name; hyperfine results by command)",
            self.a.display(),
            self.b.display()
        );
        let table = markdown(&rows, self.fail_on);
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&to_json(
                    &self.a,
                    &self.b,
                    a.format,
                    &rows,
                    self.fail_on
                ))?
            );
        } else {
            print!("{table}");
        }
        if let Some(file) = &self.markdown {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
                .with_context(|| format!("opening {} for the Markdown table", file.display()))?;
            writeln!(f, "### whichpy compare\n\n{table}")
                .with_context(|| format!("writing {}", file.display()))?;
        }
        if crate::output::in_github_actions() {
            for a in annotations(&rows, self.fail_on) {
                eprintln!("{a}");
            }
        }
        if let Some(t) = self.fail_on {
            let failed: Vec<String> = rows
                .iter()
                .filter(|r| r.slower_than(t))
                .map(|r| format!("{} ({}, ×{:.3})", r.cell, r.metric, r.ratio))
                .collect();
            anyhow::ensure!(
                failed.is_empty(),
                "{} cell{} significantly slower by more than {}% in B: {}",
                failed.len(),
                if failed.len() == 1 { "" } else { "s" },
                t * 100.0,
                failed.join("; ")
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_reads_a_percentage() {
        assert_eq!(parse_fail_on("slower"), Ok(0.0));
        assert_eq!(parse_fail_on("slower:5%"), Ok(0.05));
        assert_eq!(parse_fail_on("slower:12.5"), Ok(0.125));
        assert!(parse_fail_on("faster").unwrap_err().contains("slower:X%"));
        assert!(parse_fail_on("slower:x%").is_err());
        assert!(parse_fail_on("slower:-1%").is_err());
    }

    #[test]
    fn annotations_mark_the_gate_s_failures_as_errors() {
        let row = |cell: &str, ratio: f64, verdict| Row {
            cell: cell.into(),
            metric: "warm".into(),
            a: 1.0,
            b: ratio,
            ratio,
            ci: Some(Interval {
                low: ratio * 0.98,
                high: ratio * 1.02,
            }),
            verdict: Some(verdict),
        };
        let rows = [
            row("a\n%", 1.5, Verdict::Slower),
            row("b", 1.03, Verdict::Slower),
            row("c", 0.5, Verdict::Faster),
        ];
        let a = annotations(&rows, Some(0.05));
        assert_eq!(a.len(), 2);
        assert!(
            a[0].starts_with("::error title=whichpy compare::a%0A%25 warm"),
            "{}",
            a[0]
        );
        assert!(a[1].starts_with("::warning "), "{}", a[1]);
    }
}
