//! pyperf's JSON format (version "1.0"), read by `python3 -m pyperf stats FILE` and
//! `python3 -m pyperf compare_to A B`.
//!
//! The format, from pyperf's `_bench.py` and `_metadata.py`: a suite
//! `{"version": "1.0", "metadata": {..}, "benchmarks": [..]}`; a benchmark
//! `{"metadata": {"name": ..}, "runs": [..]}`; a run `{"metadata": {..}, "warmups": [[loops,
//! value], ..], "values": [..]}` with values in seconds, every value > 0, metadata strings
//! non-empty and without newlines.
//!
//! Mapping: one file per interpreter (`compare_to` matches benchmarks by name across files);
//! one benchmark per cell, named after the workload (`-quick` appended for the quick size); one
//! pyperf run per process execution; whichpy's iterations before the steady state are pyperf's
//! warmups, the steady-state iterations its values (startup cells: the process wall time). A
//! zero iteration (below a coarse clock's resolution) cannot be a pyperf value and is left out.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use whichpy_wire::{CellKey, ExecRecord, RawFile, SizeName, WorkloadKind};

use super::{ExportError, Exporter};
use crate::Summary;

/// Exports one interpreter's cells.
#[derive(Clone, Debug)]
pub struct PyperfExporter {
    pub interp: String,
}

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

impl Exporter for PyperfExporter {
    fn export(&self, summary: &Summary, raws: &[RawFile]) -> Result<Vec<u8>, ExportError> {
        let mut records: BTreeMap<(&str, &CellKey, u32), &ExecRecord> = BTreeMap::new();
        let keys: Vec<(String, CellKey, u32, &ExecRecord)> = raws
            .iter()
            .flat_map(|r| {
                r.records
                    .iter()
                    .filter(|x| x.outcome.is_ok())
                    .map(move |x| (r.meta.run_id.clone(), x.key(), x.process, x))
            })
            .collect();
        for (run, key, p, rec) in &keys {
            records.insert((run.as_str(), key, *p), rec);
        }

        let mut benchmarks = Vec::new();
        for cell in summary.cells.iter().filter(|c| c.key.interp == self.interp) {
            let mut runs = Vec::new();
            for p in &cell.process_details {
                let Some(rec) = records.get(&(p.run_id.as_str(), &cell.key, p.process)) else {
                    continue;
                };
                let secs = |ns: &u64| *ns as f64 / NS_PER_S;
                let (warmups, values): (Vec<Value>, Vec<f64>) = match cell.kind {
                    WorkloadKind::Startup | WorkloadKind::Process => {
                        (vec![], vec![secs(&rec.wall_ns)])
                    }
                    // Latencies per rate are no pyperf values (the summary's `web` has them).
                    WorkloadKind::Service => (vec![], vec![]),
                    WorkloadKind::Iterations => {
                        let start = (p.steady_start as usize).min(rec.iterations_ns.len());
                        (
                            rec.iterations_ns[..start]
                                .iter()
                                .map(|ns| json!([1, secs(ns)]))
                                .collect(),
                            rec.iterations_ns[start..].iter().map(secs).collect(),
                        )
                    }
                };
                let values: Vec<f64> = values.into_iter().filter(|v| *v > 0.0).collect();
                if values.is_empty() && warmups.is_empty() {
                    continue;
                }
                let mut run = Map::new();
                let mut meta = Map::new();
                if rec.max_rss_kib > 0 {
                    meta.insert("mem_max_rss".into(), json!(rec.max_rss_kib * 1024));
                }
                meta.insert("whichpy_process".into(), json!(p.process));
                meta.insert("whichpy_run".into(), json!(p.run_id));
                meta.insert("whichpy_warmup_class".into(), json!(p.class.as_str()));
                run.insert("metadata".into(), Value::Object(meta));
                if !warmups.is_empty() {
                    run.insert("warmups".into(), Value::Array(warmups));
                }
                if !values.is_empty() {
                    run.insert("values".into(), json!(values));
                }
                runs.push(Value::Object(run));
            }
            if runs.is_empty() {
                continue;
            }
            benchmarks.push(json!({
                "metadata": {"name": benchmark_name(&cell.key.workload, cell.key.size)},
                "runs": runs,
            }));
        }
        if benchmarks.is_empty() {
            return Err(ExportError::Empty(format!(
                "no successful process execution of `{}`",
                self.interp
            )));
        }

        let env = &summary.environment;
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
        put(
            "platform",
            &format!("{} {}", env.machine.os, env.machine.kernel),
        );
        put("whichpy_interp", &self.interp);
        put("whichpy_data_date", &env.data_date);
        if let Some(i) = env.interpreters.iter().find(|i| i.id == self.interp) {
            put("python_implementation", &i.implementation.name);
            put("python_version", &i.implementation.python);
            put("python_executable", &i.executable);
            put("whichpy_implementation_version", &i.implementation.version);
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
