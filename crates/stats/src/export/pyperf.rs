//! pyperf's JSON format (version "1.0"), read by `python3 -m pyperf stats FILE` and
//! `python3 -m pyperf compare_to A B`.
//!
//! The format, from pyperf's `_bench.py` and `_metadata.py`: a suite
//! `{"version": "1.0", "metadata": {..}, "benchmarks": [..]}`; a benchmark
//! `{"metadata": {"name": ..}, "runs": [..]}`; a run `{"metadata": {..}, "values": [..]}` with
//! values in seconds, every value > 0, metadata strings non-empty and without newlines.
//!
//! Mapping, so that pyperf can test what it reads:
//! - **one file per interpreter and metric** (warm, cold, startup, process): `compare_to`
//!   matches benchmarks by name across files, and its `--table -G` geometric mean is then a
//!   mean of one kind of time, never warm times mixed with startups;
//! - one benchmark per cell, named after the workload (`-quick`/`-tiny` appended for the other
//!   sizes);
//! - **one pyperf run per process execution with one value**: that process's figure (warm: the
//!   mean of its steady-state iterations; cold: its first iteration plus the interpreter's mean
//!   startup; startup and process: its wall time). whichpy's sample is a process execution;
//! - **every interpreter's file holds the same number of runs for a benchmark**: the fewest
//!   process executions any interpreter of the summary has for that cell and metric, chosen
//!   evenly over the cell's processes in the order they ran. `compare_to`'s t-test refuses two
//!   samples of different sizes ("ERROR when testing if values are significant"), and a planned
//!   run gives cells different numbers of processes (it spends more where the interval is
//!   widest). The benchmark's metadata says how many the cell had (`whichpy_processes`), and
//!   [`PyperfExporter::all_runs`] keeps every one instead;
//! - the metadata's `platform` is the container's (its Debian suite and image, on the host's
//!   kernel), not the host's.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use whichpy_wire::summary::{CellSummary, Metric};
use whichpy_wire::{RawFile, SizeName, WorkloadKind};

use super::{ExportError, Exporter};
use crate::Summary;

/// Exports one interpreter's cells, one metric.
#[derive(Clone, Debug)]
pub struct PyperfExporter {
    pub interp: String,
    pub metric: Metric,
    /// Every process execution, not the count common to every interpreter (pyperf's t-test
    /// then refuses the benchmarks whose counts differ).
    pub all_runs: bool,
}

/// The number of runs every interpreter's file holds for each cell `(workload, size)`: the
/// fewest values any interpreter of the summary has for it.
fn common_counts(summary: &Summary, metric: Metric) -> BTreeMap<(&str, SizeName), usize> {
    let mut out: BTreeMap<(&str, SizeName), usize> = BTreeMap::new();
    for c in &summary.cells {
        let n = values(c, metric).len();
        if n > 0 {
            let e = out
                .entry((c.key.workload.as_str(), c.key.size))
                .or_insert(n);
            *e = (*e).min(n);
        }
    }
    out
}

/// `n` of `len` indices spread evenly from first to last (all of them when `n >= len`).
fn spread(len: usize, n: usize) -> Vec<usize> {
    if n >= len {
        return (0..len).collect();
    }
    // The centre of each of n equal slices of 0..len: deterministic, in order, no repeats.
    (0..n).map(|i| (2 * i + 1) * len / (2 * n)).collect()
}

/// Every metric an export can hold, in the order files are written.
pub const METRICS: [Metric; 4] = [Metric::Warm, Metric::Cold, Metric::Startup, Metric::Process];

/// pyperf's benchmark name for a cell.
pub fn benchmark_name(workload: &str, size: SizeName) -> String {
    match size {
        SizeName::Default => workload.to_string(),
        SizeName::Quick => format!("{workload}-quick"),
        SizeName::Tiny => format!("{workload}-tiny"),
    }
}

/// A metadata string pyperf accepts: one line, not empty.
fn clean(s: &str) -> Option<Value> {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!one_line.is_empty()).then_some(Value::String(one_line))
}

const NS_PER_S: f64 = 1e9;

/// The Debian release of a suite name, for the platform string.
fn debian_release(suite: &str) -> String {
    match suite {
        "bookworm" => "Debian 12 (bookworm)".into(),
        "trixie" => "Debian 13 (trixie)".into(),
        "sid" | "unstable" => "Debian unstable (sid)".into(),
        other => format!("Debian {other}"),
    }
}

/// The values of one cell for `metric`, one per successful process execution (ns), with the
/// process's index and run.
fn values(
    cell: &CellSummary,
    metric: Metric,
) -> Vec<(f64, &whichpy_wire::summary::ProcessSummary)> {
    let wanted = matches!(
        (metric, cell.kind),
        (Metric::Warm | Metric::Cold, WorkloadKind::Iterations)
            | (Metric::Startup, WorkloadKind::Startup)
            | (Metric::Process, WorkloadKind::Process)
    );
    if !wanted {
        return Vec::new();
    }
    let startup = cell.startup_ns.as_ref().map_or(0.0, |e| e.mean);
    cell.process_details
        .iter()
        .map(|p| {
            let ns = match metric {
                Metric::Warm => p.steady_mean_ns,
                Metric::Cold => p.first_iteration_ns as f64 + startup,
                Metric::Startup | Metric::Process => p.wall_ns as f64,
            };
            (ns, p)
        })
        .filter(|(ns, _)| ns.is_finite() && *ns > 0.0)
        .collect()
}

impl Exporter for PyperfExporter {
    /// The summary alone is enough (each process's figures are in it); `raws` are not read.
    fn export(&self, summary: &Summary, _raws: &[RawFile]) -> Result<Vec<u8>, ExportError> {
        let mut benchmarks = Vec::new();
        let common = common_counts(summary, self.metric);
        for cell in summary.cells.iter().filter(|c| c.key.interp == self.interp) {
            let all = values(cell, self.metric);
            let total = all.len();
            let keep = if self.all_runs {
                total
            } else {
                common
                    .get(&(cell.key.workload.as_str(), cell.key.size))
                    .copied()
                    .unwrap_or(0)
            };
            let chosen = spread(total, keep);
            let runs: Vec<Value> = chosen
                .into_iter()
                .map(|i| all[i])
                .map(|(ns, p)| {
                    let mut meta = Map::new();
                    if p.max_rss_kib > 0 {
                        meta.insert("mem_max_rss".into(), json!(p.max_rss_kib * 1024));
                    }
                    meta.insert("whichpy_process".into(), json!(p.process));
                    meta.insert("whichpy_run".into(), json!(p.run_id));
                    if self.metric == Metric::Warm {
                        meta.insert("whichpy_warmup_class".into(), json!(p.class.as_str()));
                        meta.insert(
                            "whichpy_steady_iterations".into(),
                            json!(p.iterations.saturating_sub(p.steady_start)),
                        );
                    }
                    json!({ "metadata": meta, "values": [ns / NS_PER_S] })
                })
                .collect();
            if runs.is_empty() {
                continue;
            }
            benchmarks.push(json!({
                "metadata": {
                    "name": benchmark_name(&cell.key.workload, cell.key.size),
                    "whichpy_processes": total,
                },
                "runs": runs,
            }));
        }
        if benchmarks.is_empty() {
            return Err(ExportError::Empty(format!(
                "no {} time of `{}` in the summary",
                self.metric.as_str(),
                self.interp
            )));
        }

        let env = &summary.environment;
        let interp = env.interpreters.iter().find(|i| i.id == self.interp);
        let mut meta = Map::new();
        meta.insert("unit".into(), json!("second"));
        meta.insert("loops".into(), json!(1));
        meta.insert("inner_loops".into(), json!(1));
        if env.machine.cores > 0 {
            meta.insert("cpu_count".into(), json!(env.machine.cores));
        }
        let mut put = |k: &str, v: &str| {
            if let Some(v) = clean(v) {
                meta.insert(k.into(), v);
            }
        };
        put("cpu_model_name", &env.machine.cpu_model);
        // The interpreter ran in a container: its platform is the image's Debian release on
        // the host's kernel (host interpreters: the host's system).
        let platform = match interp.and_then(|i| i.suite.as_deref()) {
            Some(suite) => format!(
                "Linux-{} {} container",
                env.machine.kernel,
                debian_release(suite)
            ),
            None => format!("Linux-{} {}", env.machine.kernel, env.machine.os),
        };
        put("platform", &platform);
        put("whichpy_host_os", &env.machine.os);
        put("whichpy_interp", &self.interp);
        put("whichpy_metric", self.metric.as_str());
        put("whichpy_data_date", &env.data_date);
        if let Some(i) = interp {
            put("python_implementation", &i.implementation.name);
            put("python_version", &i.implementation.python);
            put("python_executable", &i.executable);
            put("whichpy_implementation_version", &i.implementation.version);
            if let Some(image) = &i.image {
                put("whichpy_image_content_digest", &image.content_digest);
            }
        }
        let doc = json!({
            "version": "1.0",
            "metadata": Value::Object(meta),
            "benchmarks": benchmarks,
        });
        let mut out = serde_json::to_vec_pretty(&doc)?;
        out.push(b'\n');
        Ok(out)
    }

    fn extension(&self) -> &'static str {
        "json"
    }
}
