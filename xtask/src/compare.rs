//! `cargo xtask compare A B`: two result files (two dates, two machines, a pull request against
//! its base), cell by cell, as a table, as JSON, and as a CI gate that cannot pass by accident.
//!
//! A and B are both whichpy summaries (`results/summary.json`), both pyperf JSON files (what
//! `cargo xtask export --format pyperf` writes, and what pyperf itself writes), or both
//! hyperfine exports (`hyperfine --export-json`). The format is read from the file itself.
//!
//! The statistics are `whichpy_stats::compare`'s: the ratio B / A of two means with a
//! delta-method interval, the gate's three answers (pass, slower, inconclusive) and the
//! geometric mean per metric. For pyperf files a sample is a pyperf run (one process: the mean
//! of its values), for hyperfine files one timed command execution, as in whichpy's summaries
//! a process execution.
//!
//! With `--fail-on`, the gate fails (exit code [`GATE_EXIT_CODE`], distinct from 1 for an
//! unreadable input and 2 for a usage error) on a significant slowdown beyond the threshold, on
//! a figure of A that B lacks (cell missing, or failed in every process of B), on a cell whose
//! failures grew, on an inconclusive cell (unless `--accept-inconclusive`), and on a geometric
//! mean that is slower or inconclusive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{json, Value};
use whichpy_stats::compare::{
    compare_all, gate, geometric_mean, ratio_of_estimates, GateVerdict, Lost,
};
use whichpy_stats::describe::estimate;
use whichpy_wire::summary::{Estimate, Interval, Summary, Verdict};
use xshell::Shell;

use crate::output;

/// The version of `compare --json`'s output. 2: rows carry the gate's verdict, and the lost
/// figures, grown failures, geometric means and the gate's result are listed.
pub const COMPARE_JSON_SCHEMA: u32 = 2;

/// The exit code of a failed gate (`--fail-on`); 1 is an error (an unreadable file), 2 a usage
/// error (clap's).
pub const GATE_EXIT_CODE: i32 = 3;

/// How many cells a message or an annotation names before it says "and N more".
const NAMED: usize = 8;

/// Compare two result files cell by cell, with 95% intervals and verdicts
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "The ratio is B / A: below 1, B is faster. Its interval comes from the two cells' \
means and spreads (delta method on the log scale, Welch degrees of freedom); \"faster\" and \"slower\" \
are said only where the interval excludes 1. The geometric mean of the ratios is given per metric \
(warm, cold, startup, process) with a conservative interval.\n\n\
The gate (--fail-on slower:X%) gives each row one of three answers: slower (the interval excludes 1 \
and B / A is above 1 + X%), pass (the interval's upper end is within 1 + X%, or the interval is \
narrow enough to have seen such a slowdown and B / A is within it), or inconclusive (one sample, or \
an interval too wide to tell). It fails on a slower row, on an inconclusive row unless \
--accept-inconclusive, on a figure of A that B lacks (a cell missing from B unless --accept-missing, \
or failed in every process of B), on a cell whose process failures grew in B, and on a geometric \
mean that is slower or inconclusive. With plain `slower` (0%) a row passes only when its whole \
interval is below 1.\n\n\
Exit codes: 0 the comparison ran and the gate (if any) passed; 1 an input could not be read or \
compared; 2 a usage error; 3 the gate failed.\n\n\
A and B are two whichpy summaries, two pyperf JSON files, or two hyperfine JSON exports. Relative \
paths are relative to the current directory.\n\n\
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
    /// Gate: exit 3 when B is significantly slower than A by more than the percentage
    /// (`slower` = any slowdown, `slower:5%`), or when the comparison cannot tell (see below)
    #[arg(long, value_name = "slower[:X%]", value_parser = parse_fail_on)]
    pub fail_on: Option<f64>,
    /// Let the gate pass rows whose interval is too wide to tell (they are still listed)
    #[arg(long, requires = "fail_on")]
    pub accept_inconclusive: bool,
    /// Let the gate pass cells that B does not have at all (a smaller suite); cells that
    /// failed in B still fail it
    #[arg(long, requires = "fail_on")]
    pub accept_missing: bool,
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

/// One cell of a result file: a name, what was timed, and the estimate of its time in ns
/// (`None`: the benchmark or command is there but has no successful sample).
#[derive(Clone, Debug)]
pub struct Entry {
    pub cell: String,
    pub metric: String,
    pub estimate: Option<Estimate>,
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
    /// B's name when it differs from A's (two hyperfine exports of one command each).
    pub cell_b: Option<String>,
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
    /// The gate's verdict on this row for `threshold` (0.05 = 5%).
    pub fn gate(&self, threshold: f64) -> GateVerdict {
        gate(self.ratio, self.ci, threshold)
    }

    /// Significantly slower by more than `threshold`: the interval excludes 1 and B's mean is
    /// more than `1 + threshold` times A's.
    pub fn slower_than(&self, threshold: f64) -> bool {
        self.gate(threshold) == GateVerdict::Slower
    }

    fn name(&self) -> String {
        match &self.cell_b {
            Some(b) => format!("{} → {}", self.cell, b),
            None => self.cell.clone(),
        }
    }
}

/// A figure A has and B lacks.
#[derive(Clone, Debug, PartialEq)]
pub struct LostRow {
    pub cell: String,
    pub metric: String,
    /// Failed in B (present without a sample), rather than missing from it.
    pub failed: bool,
    /// What B says of it.
    pub why: String,
}

/// A geometric mean of one metric's ratios.
#[derive(Clone, Debug, PartialEq)]
pub struct GeoMean {
    pub metric: String,
    pub rows: usize,
    pub ratio: f64,
    pub ci: Option<Interval>,
}

impl GeoMean {
    pub fn gate(&self, threshold: f64) -> GateVerdict {
        gate(self.ratio, self.ci, threshold)
    }
}

/// A compared with B.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub rows: Vec<Row>,
    pub lost: Vec<LostRow>,
    /// Cells still measured in B whose process failures grew (summaries only), as sentences.
    pub new_failures: Vec<String>,
    pub only_in_b: usize,
    /// Per metric, in first-seen order.
    pub geometric_means: Vec<GeoMean>,
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
fn seconds(path: &Path, at: impl Fn() -> String, v: &Value) -> anyhow::Result<Vec<f64>> {
    let a = v
        .as_array()
        .with_context(|| format!("{}: {} is not a list of numbers", path.display(), at()))?;
    a.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map(|x| x * NS_PER_S)
                .with_context(|| {
                    format!(
                        "{}: {}[{i}] is {x}, not a time in seconds",
                        path.display(),
                        at()
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
    let mut entries = Vec::with_capacity(benchmarks.len());
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
        let mut means = Vec::with_capacity(runs.len());
        for (j, r) in runs.iter().enumerate() {
            let Some(values) = r.get("values") else {
                continue;
            };
            let xs = seconds(path, || format!("benchmarks[{i}].runs[{j}].values"), values)?;
            if !xs.is_empty() {
                means.push(xs.iter().sum::<f64>() / xs.len() as f64);
            }
        }
        entries.push(Entry {
            cell: name.to_string(),
            metric: "values".into(),
            estimate: estimate(&means),
        });
    }
    Ok(Side {
        format: Format::Pyperf,
        entries,
        summary: None,
    })
}

/// hyperfine: `results[i].command`, one sample per entry of `times` (whole command executions,
/// hence the metric "command"). A result whose `exit_codes` hold a non-zero code failed.
fn hyperfine(path: &Path, v: &Value) -> anyhow::Result<Side> {
    let results = v["results"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let mut entries = Vec::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        let command = r["command"]
            .as_str()
            .with_context(|| format!("{}: results[{i}].command is missing", path.display()))?;
        let times = seconds(path, || format!("results[{i}].times"), &r["times"])?;
        let failed = r["exit_codes"]
            .as_array()
            .is_some_and(|c| c.iter().any(|x| x.as_i64().is_some_and(|x| x != 0)));
        entries.push(Entry {
            cell: command.to_string(),
            metric: "command".into(),
            estimate: if failed { None } else { estimate(&times) },
        });
    }
    Ok(Side {
        format: Format::Hyperfine,
        entries,
        summary: None,
    })
}

/// The rows of A against B, in A's order (see [`report`] for what B lacks).
pub fn rows(a: &Side, b: &Side) -> anyhow::Result<Vec<Row>> {
    Ok(report(a, b)?.rows)
}

/// A against B: the rows in A's order, what B lacks, and the geometric mean per metric.
/// Linear in the files' sizes (B is indexed by name once).
pub fn report(a: &Side, b: &Side) -> anyhow::Result<Report> {
    anyhow::ensure!(
        a.format == b.format,
        "A is a {} file and B a {} file: compare two files of the same kind",
        a.format.as_str(),
        b.format.as_str()
    );
    let mut out = Report::default();
    if let (Some(sa), Some(sb)) = (&a.summary, &b.summary) {
        let c = compare_all(sa, sb);
        out.rows = c
            .changes
            .into_iter()
            .map(|c| Row {
                cell: c.key.to_string(),
                cell_b: None,
                metric: c.metric.as_str().to_string(),
                a: c.a,
                b: c.b,
                ratio: c.ratio,
                ci: c.ci,
                verdict: c.verdict,
            })
            .collect();
        out.lost = c
            .lost
            .into_iter()
            .map(|l| LostRow {
                cell: l.key.to_string(),
                metric: l.metric.as_str().to_string(),
                failed: matches!(l.lost, Lost::Failed { .. }),
                why: match l.lost {
                    Lost::Missing => "missing from B".into(),
                    Lost::Failed { processes_failed } => format!(
                        "failed in B: no successful process execution ({processes_failed} failed)"
                    ),
                },
            })
            .collect();
        out.new_failures = c
            .new_failures
            .into_iter()
            .map(|f| {
                format!(
                    "{}: {} failed process executions in B ({} succeeded), {} in A",
                    f.key, f.failed_b, f.ok_b, f.failed_a
                )
            })
            .collect();
        out.only_in_b = c.only_in_b;
    } else {
        let index: HashMap<(&str, &str), &Entry> = b
            .entries
            .iter()
            .map(|e| ((e.cell.as_str(), e.metric.as_str()), e))
            .collect();
        let in_a: std::collections::HashSet<(&str, &str)> = a
            .entries
            .iter()
            .map(|e| (e.cell.as_str(), e.metric.as_str()))
            .collect();
        // Two hyperfine files of one command each compare that command, renamed or not.
        let single = a.format == Format::Hyperfine && a.entries.len() == 1 && b.entries.len() == 1;
        for ea in &a.entries {
            let eb = index
                .get(&(ea.cell.as_str(), ea.metric.as_str()))
                .copied()
                .or_else(|| single.then(|| &b.entries[0]));
            let Some(ea_est) = &ea.estimate else { continue };
            let Some(eb) = eb else {
                out.lost.push(LostRow {
                    cell: ea.cell.clone(),
                    metric: ea.metric.clone(),
                    failed: false,
                    why: "missing from B".into(),
                });
                continue;
            };
            let Some(eb_est) = &eb.estimate else {
                out.lost.push(LostRow {
                    cell: ea.cell.clone(),
                    metric: ea.metric.clone(),
                    failed: true,
                    why: "failed in B: no successful sample".into(),
                });
                continue;
            };
            let (ratio, ci) = ratio_of_estimates(ea_est, eb_est);
            out.rows.push(Row {
                cell: ea.cell.clone(),
                cell_b: (eb.cell != ea.cell).then(|| eb.cell.clone()),
                metric: ea.metric.clone(),
                a: ea_est.mean,
                b: eb_est.mean,
                ratio,
                ci,
                verdict: ci.map(whichpy_stats::bootstrap::verdict),
            });
        }
        out.only_in_b = if single {
            0
        } else {
            b.entries
                .iter()
                .filter(|e| !in_a.contains(&(e.cell.as_str(), e.metric.as_str())))
                .count()
        };
    }
    let mut metrics: Vec<&str> = Vec::new();
    for r in &out.rows {
        if !metrics.contains(&r.metric.as_str()) {
            metrics.push(&r.metric);
        }
    }
    out.geometric_means = metrics
        .iter()
        .filter_map(|m| {
            let xs: Vec<(f64, Option<Interval>)> = out
                .rows
                .iter()
                .filter(|r| r.metric == *m)
                .map(|r| (r.ratio, r.ci))
                .collect();
            let (ratio, ci) = geometric_mean(&xs)?;
            Some(GeoMean {
                metric: m.to_string(),
                rows: xs.len(),
                ratio,
                ci,
            })
        })
        .collect();
    Ok(out)
}

/// What the gate found.
#[derive(Clone, Debug, PartialEq)]
pub struct GateResult {
    pub threshold: f64,
    pub slower: Vec<String>,
    pub inconclusive: Vec<String>,
    pub missing: Vec<String>,
    pub failed: Vec<String>,
    pub new_failures: Vec<String>,
    pub geometric_means: Vec<String>,
    pub accept_inconclusive: bool,
    pub accept_missing: bool,
}

impl GateResult {
    pub fn judge(
        r: &Report,
        threshold: f64,
        accept_inconclusive: bool,
        accept_missing: bool,
    ) -> Self {
        let mut g = GateResult {
            threshold,
            slower: Vec::new(),
            inconclusive: Vec::new(),
            missing: Vec::new(),
            failed: Vec::new(),
            new_failures: r.new_failures.clone(),
            geometric_means: Vec::new(),
            accept_inconclusive,
            accept_missing,
        };
        for row in &r.rows {
            let name = format!("{} ({}, ×{:.3})", row.name(), row.metric, row.ratio);
            match row.gate(threshold) {
                GateVerdict::Slower => g.slower.push(name),
                GateVerdict::Inconclusive => g.inconclusive.push(name),
                GateVerdict::Pass => {}
            }
        }
        for l in &r.lost {
            let name = format!("{} ({})", l.cell, l.metric);
            if l.failed {
                g.failed.push(name);
            } else {
                g.missing.push(name);
            }
        }
        for m in &r.geometric_means {
            let v = m.gate(threshold);
            if v == GateVerdict::Slower || (v == GateVerdict::Inconclusive && !accept_inconclusive)
            {
                g.geometric_means.push(format!(
                    "geometric mean of {} ×{:.3} ({})",
                    m.metric,
                    m.ratio,
                    v.as_str()
                ));
            }
        }
        g
    }

    /// The reasons the gate fails, one sentence each (empty: it passes).
    pub fn failures(&self) -> Vec<String> {
        let pct = self.threshold * 100.0;
        let mut out = Vec::new();
        let mut say = |what: String, names: &[String]| {
            if !names.is_empty() {
                out.push(format!("{}: {}", what, name_some(names)));
            }
        };
        say(
            format!(
                "{} significantly slower by more than {pct}% in B",
                cells(self.slower.len())
            ),
            &self.slower,
        );
        say(
            format!(
                "{} failed in B (no successful process execution)",
                cells(self.failed.len())
            ),
            &self.failed,
        );
        say(
            format!(
                "{} with more failed process executions in B",
                cells(self.new_failures.len())
            ),
            &self.new_failures,
        );
        if !self.accept_missing {
            say(
                format!(
                    "{} of A missing from B (--accept-missing lets a smaller suite pass)",
                    cells(self.missing.len())
                ),
                &self.missing,
            );
        }
        if !self.accept_inconclusive {
            say(
                format!(
                    "{} inconclusive: the 95% interval is too wide to rule out a slowdown of {pct}% \
                     (measure more processes, raise the threshold, or pass --accept-inconclusive)",
                    cells(self.inconclusive.len())
                ),
                &self.inconclusive,
            );
        }
        say(
            "the suite's geometric mean fails the gate".to_string(),
            &self.geometric_means,
        );
        out
    }
}

fn cells(n: usize) -> String {
    format!("{n} cell{}", if n == 1 { "" } else { "s" })
}

/// The first few names, and how many more.
fn name_some(names: &[String]) -> String {
    let mut s = names
        .iter()
        .take(NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if names.len() > NAMED {
        s.push_str(&format!("; and {} more", names.len() - NAMED));
    }
    s
}

/// The gate failed: `main` exits with [`GATE_EXIT_CODE`].
#[derive(Debug)]
pub struct GateFailed(pub Vec<String>);

impl std::fmt::Display for GateFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the gate failed: {}", self.0.join("\n  "))
    }
}

impl std::error::Error for GateFailed {}

/// A time in the unit that suits it, three significant digits, like pyperf (`12.3 ms`).
pub fn format_time(ns: f64) -> String {
    format_in(ns, unit_for(ns))
}

fn unit_for(ns: f64) -> (f64, &'static str) {
    let a = ns.abs();
    if a >= 1e9 {
        (1e9, "s")
    } else if a >= 1e6 {
        (1e6, "ms")
    } else if a >= 1e3 {
        (1e3, "us")
    } else {
        (1.0, "ns")
    }
}

fn format_in(ns: f64, (scale, unit): (f64, &str)) -> String {
    let x = ns / scale;
    let digits = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.digits$} {unit}")
}

/// `1.30x slower`, `2.00x faster`, like pyperf's `compare_to`.
fn change_words(ratio: f64) -> String {
    if ratio >= 1.0 {
        format!("{ratio:.2}x slower")
    } else {
        format!("{:.2}x faster", 1.0 / ratio)
    }
}

fn verdict_words(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Faster) => "faster",
        Some(Verdict::Slower) => "slower",
        Some(Verdict::NoSignificantDifference) => "not significant",
        None => "one sample: no interval",
    }
}

/// A table cell's text: `|` and line breaks cannot break the table.
fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The table (Markdown: GitHub's job summary renders it, and it reads as it is in a terminal),
/// sorted from the most slowed row to the most sped up, each time in the unit that suits it
/// (as pyperf prints them); then what B lacks, the counts, the geometric means and the gate's result.
pub fn markdown(report: &Report, gate: Option<&GateResult>) -> String {
    let mut rows: Vec<&Row> = report.rows.iter().collect();
    rows.sort_by(|x, y| {
        y.ratio
            .total_cmp(&x.ratio)
            .then_with(|| x.cell.cmp(&y.cell))
    });
    let mut s = String::from(
        "| cell | metric | A | B | B / A [95% CI] | verdict |\n|---|---|---:|---:|---|---|\n",
    );
    for r in rows {
        let ci =
            r.ci.map(|i| format!(" [{:.3}, {:.3}]", i.low, i.high))
                .unwrap_or_default();
        let mark = match gate.map(|g| r.gate(g.threshold)) {
            Some(GateVerdict::Slower) => " ❌",
            Some(GateVerdict::Inconclusive) => " ❔ inconclusive",
            _ => "",
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {:.3}{ci}: {} | {}{mark} |\n",
            md_cell(&r.name()),
            md_cell(&r.metric),
            format_time(r.a),
            format_time(r.b),
            r.ratio,
            change_words(r.ratio),
            verdict_words(r.verdict),
        ));
    }
    if !report.lost.is_empty() {
        s.push_str("\n| cell of A | metric | in B |\n|---|---|---|\n");
        for l in &report.lost {
            s.push_str(&format!(
                "| {} | {} | {} |\n",
                md_cell(&l.cell),
                md_cell(&l.metric),
                md_cell(&l.why)
            ));
        }
    }
    let count = |v: Option<Verdict>| report.rows.iter().filter(|r| r.verdict == v).count();
    s.push_str(&format!(
        "\n{} rows: {} faster, {} slower, {} not significant, {} without an interval; \
         {} figures of A missing or failed in B; {} cells only in B.\n",
        report.rows.len(),
        count(Some(Verdict::Faster)),
        count(Some(Verdict::Slower)),
        count(Some(Verdict::NoSignificantDifference)),
        count(None),
        report.lost.len(),
        report.only_in_b,
    ));
    for m in &report.geometric_means {
        let ci =
            m.ci.map(|i| format!(" [{:.3}, {:.3}]", i.low, i.high))
                .unwrap_or_else(|| " (no interval: a row has one sample)".into());
        s.push_str(&format!(
            "Geometric mean ({}, {} rows): {:.3}{ci}: {}.\n",
            m.metric,
            m.rows,
            m.ratio,
            change_words(m.ratio)
        ));
    }
    if let Some(g) = gate {
        let failures = g.failures();
        if failures.is_empty() {
            s.push_str(&format!(
                "\nGate (slower:{}%): passed.\n",
                g.threshold * 100.0
            ));
        } else {
            s.push_str(&format!(
                "\nGate (slower:{}%): FAILED\n",
                g.threshold * 100.0
            ));
            for f in failures {
                s.push_str(&format!("- {}\n", md_cell(&f)));
            }
        }
    }
    s
}

/// The comparison as JSON (`compare --json`), schema [`COMPARE_JSON_SCHEMA`].
pub fn to_json(
    a: &Path,
    b: &Path,
    format: Format,
    report: &Report,
    gate: Option<&GateResult>,
) -> Value {
    let interval = |i: Option<Interval>| i.map(|i| json!({ "low": i.low, "high": i.high }));
    json!({
        "schema": COMPARE_JSON_SCHEMA,
        "a": a.display().to_string(),
        "b": b.display().to_string(),
        "format": format.as_str(),
        "fail_on_slower": gate.map(|g| g.threshold),
        "rows": report.rows.iter().map(|r| json!({
            "cell": r.cell,
            "cell_b": r.cell_b,
            "metric": r.metric,
            "a_ns": r.a,
            "b_ns": r.b,
            "ratio": r.ratio,
            "ci": interval(r.ci),
            "verdict": r.verdict.map(|v| v.as_str()),
            "gate": gate.map(|g| r.gate(g.threshold).as_str()),
            "failed": gate.is_some_and(|g| r.slower_than(g.threshold)),
        })).collect::<Vec<_>>(),
        "lost": report.lost.iter().map(|l| json!({
            "cell": l.cell, "metric": l.metric, "failed_in_b": l.failed, "why": l.why,
        })).collect::<Vec<_>>(),
        "new_failures": report.new_failures,
        "only_in_b": report.only_in_b,
        "geometric_means": report.geometric_means.iter().map(|m| json!({
            "metric": m.metric,
            "rows": m.rows,
            "ratio": m.ratio,
            "ci": interval(m.ci),
            "gate": gate.map(|g| m.gate(g.threshold).as_str()),
        })).collect::<Vec<_>>(),
        "gate": gate.map(|g| json!({
            "passed": g.failures().is_empty(),
            "failures": g.failures(),
            "accept_inconclusive": g.accept_inconclusive,
            "accept_missing": g.accept_missing,
        })),
    })
}

/// GitHub Actions workflow commands, grouped: one error per reason the gate fails (naming the
/// first few cells), and one warning for significantly slower rows that do not fail it.
/// Printed when `GITHUB_ACTIONS=true`, so they show on the run's page and the pull request.
pub fn annotations(report: &Report, gate: Option<&GateResult>) -> Vec<String> {
    let mut out: Vec<String> = gate
        .map(|g| g.failures())
        .unwrap_or_default()
        .iter()
        .map(|f| output::workflow_command("error", None, "whichpy compare", f))
        .collect();
    let quiet_slow: Vec<String> = report
        .rows
        .iter()
        .filter(|r| r.verdict == Some(Verdict::Slower))
        .filter(|r| gate.is_none_or(|g| !r.slower_than(g.threshold)))
        .map(|r| format!("{} ({}, ×{:.3})", r.name(), r.metric, r.ratio))
        .collect();
    if !quiet_slow.is_empty() {
        out.push(output::workflow_command(
            "warning",
            None,
            "whichpy compare",
            &format!(
                "{} significantly slower in B: {}",
                cells(quiet_slow.len()),
                name_some(&quiet_slow)
            ),
        ));
    }
    out
}

impl Compare {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let a = load(&self.a)?;
        let b = load(&self.b)?;
        if let (Some(sa), Some(sb)) = (&a.summary, &b.summary) {
            if sa.environment.machine.fingerprint != sb.environment.machine.fingerprint {
                output::info(format!(
                    "note: different machines ({} vs {}): differences include the hardware",
                    sa.environment.machine.cpu_model, sb.environment.machine.cpu_model
                ));
            }
        }
        let report = report(&a, &b)?;
        if report.rows.is_empty() && report.lost.is_empty() {
            anyhow::bail!(
                "{} and {} have no cell in common (cells match by interpreter, workload and size; \
                 pyperf benchmarks by name; hyperfine results by command)",
                self.a.display(),
                self.b.display()
            );
        }
        let gate = self
            .fail_on
            .map(|t| GateResult::judge(&report, t, self.accept_inconclusive, self.accept_missing));
        let table = markdown(&report, gate.as_ref());
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&to_json(
                    &self.a,
                    &self.b,
                    a.format,
                    &report,
                    gate.as_ref()
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
        if output::in_github_actions() {
            for a in annotations(&report, gate.as_ref()) {
                output::workflow_line(&a);
            }
        }
        if let Some(g) = gate {
            let failures = g.failures();
            if !failures.is_empty() {
                return Err(GateFailed(failures).into());
            }
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
    fn times_are_scaled_per_value() {
        assert_eq!(format_time(850.0), "850 ns");
        assert_eq!(format_time(1_234.0), "1.23 us");
        assert_eq!(format_time(12_345_678.0), "12.3 ms");
        assert_eq!(format_time(2.5e9), "2.50 s");
        assert_eq!(change_words(1.3), "1.30x slower");
        assert_eq!(change_words(0.5), "2.00x faster");
    }

    fn row(cell: &str, ratio: f64, half: f64) -> Row {
        let ci = Interval {
            low: ratio / half,
            high: ratio * half,
        };
        Row {
            cell: cell.into(),
            cell_b: None,
            metric: "warm".into(),
            a: 1e6,
            b: ratio * 1e6,
            ratio,
            ci: Some(ci),
            verdict: Some(whichpy_stats::bootstrap::verdict(ci)),
        }
    }

    #[test]
    fn annotations_are_grouped_by_reason() {
        let mut rows: Vec<Row> = (0..50)
            .map(|i| row(&format!("slow{i}"), 1.5, 1.02))
            .collect();
        rows.push(row("b", 1.03, 1.01));
        rows.push(row("c", 0.5, 1.02));
        rows.push(row("wide\n%", 1.0, 1.5));
        let report = Report {
            rows,
            ..Report::default()
        };
        let g = GateResult::judge(&report, 0.05, false, false);
        let a = annotations(&report, Some(&g));
        // One error for the slower cells, one for the inconclusive; one warning for "b".
        assert_eq!(a.len(), 3, "{a:#?}");
        assert!(a[0].starts_with("::error title=whichpy compare::50 cells significantly slower"));
        assert!(a[0].contains("and 42 more"), "{}", a[0]);
        assert!(a[1].contains("wide%0A%25"), "{}", a[1]);
        assert!(a[2].starts_with("::warning "), "{}", a[2]);
        assert!(
            a[2].contains("1 cell significantly slower in B: b (warm"),
            "{}",
            a[2]
        );
    }

    #[test]
    fn the_table_is_sorted_and_counted() {
        let report = Report {
            rows: vec![
                row("fast", 0.5, 1.02),
                row("slow", 1.5, 1.02),
                row("same", 1.0, 1.01),
            ],
            ..Report::default()
        };
        let t = markdown(&report, None);
        let slow = t.find("| slow").unwrap();
        let same = t.find("| same").unwrap();
        let fast = t.find("| fast").unwrap();
        assert!(slow < same && same < fast, "{t}");
        assert!(t.contains("1.00 ms | 1.50 ms"), "{t}");
        let wide = Report {
            rows: vec![Row {
                a: 17e6,
                b: 0.887e6,
                ..row("x", 0.052, 1.1)
            }],
            ..Report::default()
        };
        assert!(markdown(&wide, None).contains("| 17.0 ms | 887 us |"));
        assert!(
            t.contains("3 rows: 1 faster, 1 slower, 1 not significant"),
            "{t}"
        );
    }
}
