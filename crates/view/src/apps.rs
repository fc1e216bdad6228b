//! Application classes: the data pipeline's throughput and the command-line tool's process
//! time, per interpreter, derived once for the article, the decision matrix and the site.
//!
//! - The pipeline is an iteration workload (category [`PIPELINE_CATEGORY`]) whose sizes declare
//!   the input one call processes (`bytes`, `records`): MB/s and records/s are that input over
//!   the time per call, cold (first call plus startup) and warm (steady state), each interval
//!   the time's, inverted ([`figure::rate`]).
//! - The command-line tool is a `process` workload: whole processes of the script, so its
//!   figure is the process wall time (mean with its Student-t interval, p50, p95) and its ratio
//!   is the `process` metric against the baseline.
//!
//! A part is `None` when its workload is not in the data; a row is left out for a family with
//! no successful process execution of it.

use std::collections::BTreeMap;

use serde::Serialize;
use whichpy_wire::summary::{Comparison, Metric, Summary, Verdict};
use whichpy_wire::{Family, InterpInfo, SizeName, WorkloadKind, WorkloadMeta};

use crate::figure::{self, Fig, RatioView};
use crate::format::{int, sig3, TimeUnit};
use crate::lookup::Lookup;
use crate::words::family_name;

/// Category of the data pipeline workload.
pub const PIPELINE_CATEGORY: &str = "pipeline";

/// Bytes in a megabyte of the MB/s figures (decimal, as throughput is usually quoted).
const BYTES_PER_MB: f64 = 1e6;

#[derive(Clone, Debug, Default, Serialize)]
pub struct AppsView {
    pub pipeline: Option<PipelineView>,
    pub cli: Option<CliView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PipelineView {
    pub workload: String,
    pub description: String,
    /// The input of one call: `2.16 MB`, `50,000` records (empty when not declared).
    pub input_mb: String,
    pub records: String,
    /// One row per family with data, in family order.
    pub rows: Vec<PipelineRow>,
    pub cite: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PipelineRow {
    pub family: String,
    pub name: String,
    pub id: String,
    pub is_baseline: bool,
    pub warm_mbs: Option<Fig>,
    pub cold_mbs: Option<Fig>,
    pub warm_records: Option<Fig>,
    pub cold_records: Option<Fig>,
    /// Warm and cold time against the baseline (a faster time is a higher throughput).
    pub warm_vs: Option<RatioView>,
    pub cold_vs: Option<RatioView>,
    /// The warm ratio's verdict, for the matrix.
    #[serde(skip)]
    pub warm_verdict: Option<Verdict>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CliView {
    pub workload: String,
    pub description: String,
    /// The size argument the script was run with.
    pub n: String,
    pub rows: Vec<CliRow>,
    pub cite: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CliRow {
    pub family: String,
    pub name: String,
    pub id: String,
    pub is_baseline: bool,
    /// Mean process time with its interval.
    pub mean: Fig,
    /// Median and 95th percentile of the process times, in the mean's unit (`84.2 ms`).
    pub p50: String,
    pub p95: String,
    /// Process executions behind the figures.
    pub processes: String,
    /// Process time against the baseline.
    pub vs: Option<RatioView>,
    #[serde(skip)]
    pub verdict: Option<Verdict>,
}

/// What the decision matrix says for one family in a class whose application workload was
/// measured: its fit word and the measured reason.
pub struct AppEvidence {
    pub fit: &'static str,
    pub evidence: String,
}

/// The fit a ratio's verdict gives: the words the matrix uses for a class's workloads.
pub fn fit_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Faster => "Promising",
        Verdict::Slower => "Unlikely",
        Verdict::NoSignificantDifference => "No gain",
    }
}

/// Builds the [`AppsView`] from a summary and the interpreter chosen for each family.
pub struct Apps<'a, 'c> {
    pub s: &'a Summary,
    pub look: Lookup<'a>,
    pub size: SizeName,
    pub level: String,
    pub chosen: &'c BTreeMap<Family, &'a InterpInfo>,
    /// Footnote label per workload.
    pub cites: &'c BTreeMap<String, String>,
}

impl<'a> Apps<'a, '_> {
    fn cite(&self, workload: &str) -> String {
        self.cites.get(workload).cloned().unwrap_or_default()
    }

    fn comparison(&self, interp: &str, workload: &str, metric: Metric) -> Option<&'a Comparison> {
        self.look.comparison(interp, workload, metric)
    }

    fn ratio(&self, interp: &str, workload: &str, metric: Metric) -> Option<RatioView> {
        self.look
            .ratio_view(interp, workload, metric, &self.level, &self.cite(workload))
    }

    fn workload(&self, pick: impl Fn(&WorkloadMeta) -> bool) -> Option<&'a WorkloadMeta> {
        self.s.workloads.iter().find(|w| pick(w))
    }

    pub fn build(&self) -> AppsView {
        AppsView {
            pipeline: self.pipeline(),
            cli: self.cli(),
        }
    }

    fn pipeline(&self) -> Option<PipelineView> {
        let w = self
            .workload(|w| w.kind == WorkloadKind::Iterations && w.category == PIPELINE_CATEGORY)?;
        let spec = w.sizes.get(self.size)?;
        let cite = self.cite(&w.name);
        let baseline = &self.s.analysis.baseline;
        let rows: Vec<PipelineRow> = Family::ALL
            .iter()
            .filter_map(|f| {
                let i = self.chosen.get(f)?;
                let c = self.look.cell(&i.id, &w.name)?;
                c.warm_ns.as_ref()?;
                let rate = |e: Option<&whichpy_wire::summary::Estimate>,
                            per_call: Option<f64>,
                            unit: &str| {
                    Some(figure::rate(e?, per_call?, unit, &self.level, &cite))
                };
                let mb = spec.bytes.map(|b| b as f64 / BYTES_PER_MB);
                let recs = spec.records.map(|r| r as f64);
                Some(PipelineRow {
                    family: f.as_str().to_string(),
                    name: family_name(*f).to_string(),
                    id: i.id.clone(),
                    is_baseline: &i.id == baseline,
                    warm_mbs: rate(c.warm_ns.as_ref(), mb, "MB/s"),
                    cold_mbs: rate(c.cold_ns.as_ref(), mb, "MB/s"),
                    warm_records: rate(c.warm_ns.as_ref(), recs, "records/s"),
                    cold_records: rate(c.cold_ns.as_ref(), recs, "records/s"),
                    warm_vs: self.ratio(&i.id, &w.name, Metric::Warm),
                    cold_vs: self.ratio(&i.id, &w.name, Metric::Cold),
                    warm_verdict: self
                        .comparison(&i.id, &w.name, Metric::Warm)
                        .map(|c| c.verdict),
                })
            })
            .collect();
        if rows.is_empty() {
            return None;
        }
        Some(PipelineView {
            workload: w.name.clone(),
            description: w.description.clone(),
            input_mb: spec
                .bytes
                .map(|b| format!("{} MB", sig3(b as f64 / BYTES_PER_MB)))
                .unwrap_or_default(),
            records: spec.records.map(int).unwrap_or_default(),
            rows,
            cite,
        })
    }

    fn cli(&self) -> Option<CliView> {
        let w = self.workload(|w| w.kind == WorkloadKind::Process)?;
        let cite = self.cite(&w.name);
        let baseline = &self.s.analysis.baseline;
        let rows: Vec<CliRow> = Family::ALL
            .iter()
            .filter_map(|f| {
                let i = self.chosen.get(f)?;
                let c = self.look.cell(&i.id, &w.name)?;
                let e = c.wall_ns.as_ref()?;
                let unit = TimeUnit::for_ns(e.mean);
                let at = |ns: f64| format!("{} {}", sig3(unit.scale(ns)), unit.symbol());
                let (p50, p95) = c
                    .wall_percentiles
                    .as_ref()
                    .map_or((at(e.median), String::new()), |p| {
                        (at(p.p50_ns), at(p.p95_ns))
                    });
                Some(CliRow {
                    family: f.as_str().to_string(),
                    name: family_name(*f).to_string(),
                    id: i.id.clone(),
                    is_baseline: &i.id == baseline,
                    mean: figure::time_in(e, unit, &self.level, &cite),
                    p50,
                    p95,
                    processes: int(e.n as u64),
                    vs: self.ratio(&i.id, &w.name, Metric::Process),
                    verdict: self
                        .comparison(&i.id, &w.name, Metric::Process)
                        .map(|c| c.verdict),
                })
            })
            .collect();
        if rows.is_empty() {
            return None;
        }
        Some(CliView {
            workload: w.name.clone(),
            description: w.description.clone(),
            n: int(w.sizes.get(self.size).map_or(0, |z| z.n)),
            rows,
            cite,
        })
    }
}

impl AppsView {
    /// The matrix's fit and evidence for `family` from the application workload `workload`,
    /// when that workload is this view's pipeline or command-line tool and was measured on the
    /// family: the figure with its interval, and the ratio's words against the baseline.
    pub fn evidence(&self, workload: &str, family: Family) -> Option<AppEvidence> {
        let f = family.as_str();
        let (figure, vs, is_baseline) =
            if let Some(p) = self.pipeline.as_ref().filter(|p| p.workload == workload) {
                let r = p.rows.iter().find(|r| r.family == f)?;
                let vs = r.warm_vs.as_ref().zip(r.warm_verdict);
                (
                    format!("{} warm", r.warm_mbs.as_ref()?.brief),
                    vs,
                    r.is_baseline,
                )
            } else if let Some(c) = self.cli.as_ref().filter(|c| c.workload == workload) {
                let r = c.rows.iter().find(|r| r.family == f)?;
                let vs = r.vs.as_ref().zip(r.verdict);
                (format!("{} per run", r.mean.brief), vs, r.is_baseline)
            } else {
                return None;
            };
        if is_baseline {
            return Some(AppEvidence {
                fit: "Baseline",
                evidence: format!("the reference, {figure}"),
            });
        }
        let (vs, verdict) = vs?;
        Some(AppEvidence {
            fit: fit_word(verdict),
            evidence: format!("{figure}, {}", vs.short),
        })
    }
}
