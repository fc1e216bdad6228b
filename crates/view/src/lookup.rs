//! Finding things in a summary: the size the figures come from, and the cell, comparison and
//! geometric mean of an interpreter at that size. One lookup for the article, site and charts.

use whichpy_wire::summary::{CellSummary, Comparison, GeoMean, Metric, Summary};
use whichpy_wire::{InterpInfo, SizeName, WorkloadKind};

use crate::figure::RatioView;
use crate::words::family_name;

/// The size the figures come from: `default` when the data has any, else `quick`.
pub fn figures_size(s: &Summary) -> SizeName {
    if s.cells.iter().any(|c| c.key.size == SizeName::Default) {
        SizeName::Default
    } else {
        SizeName::Quick
    }
}

/// The headline interpreter of each family, the one the article speaks of: the baseline, else
/// the newest plain release (no flags, not a variant, the latest Debian suite, the highest
/// version; the id breaks ties). Charts lead with these.
pub fn headline(s: &Summary) -> std::collections::BTreeMap<whichpy_wire::Family, &InterpInfo> {
    let baseline = &s.analysis.baseline;
    let mut chosen = std::collections::BTreeMap::new();
    for family in whichpy_wire::Family::ALL {
        let mut candidates: Vec<&InterpInfo> = s
            .environment
            .interpreters
            .iter()
            .filter(|i| i.family == family)
            .collect();
        candidates.sort_by_key(|i| {
            let release = i
                .suite
                .as_deref()
                .map_or(0, |s| crate::history::debian_release(s).1);
            (
                &i.id != baseline,
                !i.flags.is_empty(),
                i.variant_of.is_some(),
                std::cmp::Reverse(release),
                std::cmp::Reverse(crate::history::version_key(&i.implementation.version)),
                i.id.clone(),
            )
        });
        if let Some(i) = candidates.first() {
            chosen.insert(family, *i);
        }
    }
    chosen
}

/// A summary seen at one size.
#[derive(Clone, Copy, Debug)]
pub struct Lookup<'a> {
    pub s: &'a Summary,
    pub size: SizeName,
}

impl<'a> Lookup<'a> {
    /// The summary at the size its figures come from ([`figures_size`]).
    pub fn new(s: &'a Summary) -> Lookup<'a> {
        Lookup {
            s,
            size: figures_size(s),
        }
    }

    pub fn at(s: &'a Summary, size: SizeName) -> Lookup<'a> {
        Lookup { s, size }
    }

    /// The confidence level in percent, as figures print it (`95`).
    pub fn level(&self) -> String {
        format!("{}", (self.s.analysis.confidence * 100.0).round() as u32)
    }

    pub fn cell(&self, interp: &str, workload: &str) -> Option<&'a CellSummary> {
        self.s.cells.iter().find(|c| {
            c.key.interp == interp && c.key.workload == workload && c.key.size == self.size
        })
    }

    pub fn comparison(
        &self,
        interp: &str,
        workload: &str,
        metric: Metric,
    ) -> Option<&'a Comparison> {
        self.s.comparisons.iter().find(|c| {
            c.interp == interp
                && c.workload == workload
                && c.size == self.size
                && c.metric == metric
        })
    }

    /// The comparison of `interp` with the baseline on `workload`, as a reader sees it: one
    /// ratio convention ([`crate::figure::ratio`]), and when its interval is too wide to mean
    /// anything, "inconclusive" with the interpreter's process executions on that cell.
    pub fn ratio_view(
        &self,
        interp: &str,
        workload: &str,
        metric: Metric,
        level: &str,
        cite: &str,
    ) -> Option<RatioView> {
        let c = self.comparison(interp, workload, metric)?;
        let r = crate::figure::ratio(c.ratio, c.ci.low, c.ci.high, c.verdict, level, cite);
        Some(match self.cell(interp, workload) {
            Some(cell) => r.runs(cell.processes_ok),
            None => r,
        })
    }

    pub fn geomean(&self, interp: &str, metric: Metric) -> Option<&'a GeoMean> {
        self.s
            .geomeans
            .iter()
            .find(|g| g.interp == interp && g.size == self.size && g.metric == metric)
    }

    /// The startup workload (`INTERP -c pass`), if the suite has one.
    pub fn startup_workload(&self) -> Option<&'a str> {
        self.s
            .workloads
            .iter()
            .find(|w| w.kind == WorkloadKind::Startup)
            .map(|w| w.name.as_str())
    }

    pub fn interp(&self, id: &str) -> Option<&'a InterpInfo> {
        self.s.environment.interpreters.iter().find(|i| i.id == id)
    }

    /// The family name of an interpreter (`PyPy`), or its id when the environment lacks it.
    pub fn family_of(&self, id: &str) -> String {
        self.interp(id)
            .map_or(id.to_string(), |i| family_name(i.family).to_string())
    }

    /// Workloads timed by iterations (not startup), in suite order, that have a cell at this
    /// size (workloads found only in cells come last).
    pub fn iteration_workloads(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .s
            .workloads
            .iter()
            .filter(|w| w.kind == WorkloadKind::Iterations)
            .map(|w| w.name.clone())
            .collect();
        for c in &self.s.cells {
            if c.kind == WorkloadKind::Iterations && !names.contains(&c.key.workload) {
                names.push(c.key.workload.clone());
            }
        }
        names
            .into_iter()
            .filter(|n| {
                self.s
                    .cells
                    .iter()
                    .any(|c| c.key.workload == *n && c.key.size == self.size)
            })
            .collect()
    }
}
