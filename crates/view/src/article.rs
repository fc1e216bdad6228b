//! The view model: what the article (and the site) shows, built from `results/summary.json`.
//!
//! Every figure is already written for readers: a value with its unit, its 95% interval, and a
//! footnote reference (`[^bench-nbody]`) whose definition is the command that reproduces it.
//! Verdict words come from the summary's verdicts, which follow the intervals: a ratio is
//! "faster" or "slower" only when its interval excludes 1. Where an interpreter or a workload is
//! missing from the data, the field is `None` (templates say so instead of failing).
//!
//! Architecture invariant: no number enters the view except from the summary. The numbers the
//! view holds are the [`Ledger`] the traceability check compares the output against.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use whichpy_wire::summary::{
    CellSummary, Comparison, CompatStatus, CrossDirection, Estimate, Metric, Summary, Verdict,
};
use whichpy_wire::{Family, InterpInfo, SizeName, WorkloadKind};

use crate::figure::{self, Fig, RatioView};
use crate::format::{int, number_tokens, sig3};
use crate::lookup::Lookup;
use crate::words::{cell_class_word, family_name};

/// What the article's editorial settings decide about the view (from `content/*.toml`).
#[derive(Clone, Debug)]
pub struct Editorial<'a> {
    /// The workload of the 3-line table and of most examples.
    pub example_workload: &'a str,
    /// `first-run` or `YYYY-MM-DD`.
    pub date_published: &'a str,
    /// The rows of the decision matrix.
    pub classes: Vec<ClassSpec<'a>>,
}

/// One application class of the decision matrix.
#[derive(Clone, Debug)]
pub struct ClassSpec<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// The measured workloads that stand for this class.
    pub workloads: &'a [String],
    /// Microcontroller class: judged on memory and hardware, not on speed ratios.
    pub embedded: bool,
    /// The application workload that stands for this class (the data pipeline, say): when
    /// the data has it, a cell quotes its figure and its ratio instead of counting the
    /// microbenchmarks' verdicts.
    pub app: Option<&'a str>,
}

/// A setting the view cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The footnote label of suite-wide figures (geometric means, the plan).
pub const SUITE_FOOTNOTE: &str = "bench-suite";

/// Category of the workload whose time is spent blocked on I/O (a loopback socket).
pub const IO_CATEGORY: &str = "io_wait";
/// Category of the workload that calls into C through a foreign-function interface.
pub const C_EXTENSION_CATEGORY: &str = "ffi";
/// The same CPU-bound work on threads and on processes (the GIL).
pub const THREADS_WORKLOAD: &str = "threads_cpu";
pub const PROCESSES_WORKLOAD: &str = "processes_cpu";

/// The article's data, ready to print.
#[derive(Clone, Debug, Serialize)]
pub struct View {
    pub data: DataInfo,
    /// The interpreter every ratio is taken against.
    pub baseline: Option<InterpView>,
    /// One interpreter per family: the baseline, else its newest plain release (no flags, not a
    /// variant, the latest Debian suite, the highest version).
    pub cpython: Option<InterpView>,
    pub pypy: Option<InterpView>,
    pub micropython: Option<InterpView>,
    /// Display names of the families with no interpreter in the data.
    pub missing: Vec<String>,
    /// Interpreter id per family (`cpython` → `cpython-3.13`), for commands; the family name
    /// when the family is not in the data.
    pub ids: BTreeMap<String, String>,
    /// Every interpreter in the data, sorted by id.
    pub interps: Vec<InterpLine>,
    /// The workload of the 3-line table.
    pub example: Option<ExampleView>,
    /// The 3-line table: one row per family (CPython, PyPy, MicroPython), always three.
    pub table: Vec<TableRow>,
    /// Every iteration workload, in suite order.
    pub workloads: Vec<WorkloadView>,
    /// The I/O-bound workload, if measured.
    pub io: Option<WorkloadView>,
    /// The C-extension workload, if measured.
    pub c_ext: Option<WorkloadView>,
    /// Threads against processes, if both workloads were measured.
    pub gil: Option<GilView>,
    /// App class × family.
    pub matrix: Vec<MatrixRow>,
    /// The application classes measured whole: pipeline throughput, CLI process time.
    pub apps: crate::apps::AppsView,
    /// Workloads an interpreter could not run, and why.
    pub unsupported: Vec<Unsupported>,
    pub warnings: WarningsView,
    /// Each interpreter across Debian releases, and the variants (`history.rs`).
    pub history: crate::history::HistoryView,
    /// The reproduction commands the `cite` fields point at.
    pub footnotes: Vec<Footnote>,
    /// The `cargo xtask profile` commands of the profiling section (on the example workload).
    pub profile: Option<crate::profile::ProfileCommands>,
    /// The memory floor (`cargo xtask floor`), when the summary has it; set by the renderer,
    /// which holds the budgets' constants. Absent from the serialised view otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<crate::floor::FloorView>,
    /// Speed-up and efficiency over threads and processes (`cargo xtask scaling`), when the
    /// summary has them. Absent from the serialised view otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling: Option<crate::scaling::ScalingView>,
    /// The web service's latency by rate, if measured ([`crate::web`]).
    pub web: Option<crate::web::WebView>,
    /// MicroPython on an emulated micro:bit, if the summary has its run (never pooled).
    pub mcu: Option<crate::mcu::McuView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DataInfo {
    /// Date of the data (start of the latest pooled run), `YYYY-MM-DD`.
    pub date: String,
    /// The same, RFC 3339 as in the summary.
    pub datetime: String,
    pub year: String,
    /// `datePublished`, by the site's policy.
    pub published: String,
    /// `dateModified`: the data date.
    pub modified: String,
    pub cpu: String,
    pub cores: String,
    pub memory_gib: String,
    pub os: String,
    pub kernel: String,
    pub governor: Option<String>,
    /// `native`, `docker`, or `docker and native` when the pooled runs used both.
    pub backend: String,
    /// `quick` or `default`: the size the article's figures use.
    pub size: String,
    pub processes: String,
    pub iterations: String,
    pub startup_processes: String,
    pub runs: String,
    pub git_rev: String,
    pub git_dirty: bool,
    /// Confidence level in percent (`95`).
    pub confidence: String,
    pub resamples: String,
    /// Methods by name, as the summary states them.
    pub methods: BTreeMap<String, String>,
    /// A planned run's budget and the precision it reached (`None` for fixed counts).
    pub plan: Option<PlanView>,
    /// What the machine-state probe saw, and the A/A noise floor (`None` for data without
    /// probes).
    pub state: Option<StateView>,
}

/// The machine's state over the run (`Summary::machine_state`) and the noise floor
/// (`Summary::noise_floor`), as the article states them.
#[derive(Clone, Debug, Serialize)]
pub struct StateView {
    /// Share of iteration time spent in the slow state, percent.
    pub slow_pct: String,
    /// A probe is fast at most this many times its run's fast level.
    pub factor: String,
    /// Cells estimated from fast-state iterations, and all cells with a state.
    pub fast_cells: String,
    pub cells: String,
    /// The A/A pair, when the run had one: the baseline's label and the floor per metric,
    /// percent.
    pub aa: Option<AaView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AaView {
    pub baseline: String,
    pub pairs: String,
    pub warm_pct: Option<String>,
    pub cold_pct: Option<String>,
    pub startup_pct: Option<String>,
}

/// How a planned run spent its budget, and what precision it bought.
#[derive(Clone, Debug, Serialize)]
pub struct PlanView {
    /// The budget as `--budget` takes it (`15m`).
    pub budget: String,
    /// Budget in minutes.
    pub minutes: String,
    pub cells: String,
    /// Process executions per cell: fewest and most, and all of them.
    pub processes_min: String,
    pub processes_max: String,
    pub processes: String,
    /// Iterations per process execution of the iteration cells: fewest and most.
    pub iterations_min: String,
    pub iterations_max: String,
    /// Relative 95% half-widths, in percent.
    pub median_pct: String,
    pub worst_pct: String,
    pub worst_cell: String,
    pub within_2pct: String,
    pub within_5pct: String,
    /// Cells classed "no steady state".
    pub no_steady_state: Vec<String>,
}

/// One interpreter, for the environment list.
#[derive(Clone, Debug, Serialize)]
pub struct InterpLine {
    pub id: String,
    pub name: String,
    pub label: String,
    pub version: String,
    pub python: String,
    pub flags: String,
    pub caveat: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GeoView {
    #[serde(flatten)]
    pub ratio: RatioView,
    /// Number of workloads in the geometric mean.
    pub count: usize,
    pub workloads: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CrossView {
    pub workload: String,
    /// Display name of the interpreter that ends up ahead.
    pub overtaker: String,
    pub other: String,
    /// `interp_overtakes` or `baseline_overtakes`.
    pub direction: String,
    pub iterations: String,
    /// The range of `iterations` the intervals of startup and warm time allow: `2–3`, `2 or
    /// more` when at their unfavourable ends the curves do not cross; empty in older summaries.
    pub range: String,
    /// Total time of the overtaker at that point, startup included.
    pub time: String,
    pub extrapolated: bool,
    /// Footnote label of the reproduction command, or empty.
    pub cite: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct WarmupView {
    /// `flat`, `warm-up`, `slowdown`, `no steady state`, or `mixed` when executions disagree.
    pub class: String,
    pub consistent: bool,
    /// Iterations before the steady state, mean across executions.
    pub iterations_before_steady: Option<String>,
    /// The same with its interval: `247 iterations (95% CI 120–374 iterations)`.
    pub steady_after: Option<Fig>,
    pub time_before_steady: Option<Fig>,
}

/// One interpreter on one workload.
#[derive(Clone, Debug, Serialize)]
pub struct CellView {
    pub workload: String,
    pub processes: String,
    pub iterations: String,
    pub failed: String,
    /// Steady-state time per iteration.
    pub warm: Option<Fig>,
    /// First iteration plus startup.
    pub cold: Option<Fig>,
    pub first: Option<Fig>,
    /// Iterations per second in the steady state (the reciprocal of `warm`).
    pub throughput: Option<Fig>,
    /// Peak RSS: median, with the range across process executions.
    pub memory: Option<Fig>,
    pub warmup: Option<WarmupView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InterpView {
    pub id: String,
    /// `cpython`, `pypy`, `micropython`.
    pub family: String,
    /// `CPython`, `PyPy`, `MicroPython`.
    pub name: String,
    pub label: String,
    /// Implementation version (`7.3.11`).
    pub version: String,
    /// Language level (`3.9.16`).
    pub python: String,
    /// Language level as major.minor (`3.9`).
    pub language: String,
    /// The Debian release of its image (`Debian unstable`), when it has one.
    pub debian: Option<String>,
    pub caveat: Option<String>,
    pub is_baseline: bool,
    /// Whole-process time of the empty program.
    pub startup: Option<Fig>,
    /// Peak RSS of the empty program.
    pub startup_memory: Option<Fig>,
    pub startup_vs: Option<RatioView>,
    /// On the example workload.
    pub example: Option<CellView>,
    pub example_warm_vs: Option<RatioView>,
    pub example_cold_vs: Option<RatioView>,
    /// Over every workload both interpreters ran.
    pub geomean_warm: Option<GeoView>,
    pub geomean_cold: Option<GeoView>,
    /// Where its cumulative time crosses the baseline's (example workload first).
    pub crossover: Option<CrossView>,
    /// Its largest significant steady-state win and loss against the baseline, by workload.
    pub largest_win: Option<Extreme>,
    pub largest_loss: Option<Extreme>,
}

/// A workload where an interpreter's steady-state ratio is the most extreme of the suite.
#[derive(Clone, Debug, Serialize)]
pub struct Extreme {
    pub workload: String,
    pub category: String,
    pub ratio: RatioView,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExampleView {
    pub workload: String,
    pub description: String,
    pub category: String,
    /// The workload's size parameter at the article's size.
    pub n: String,
    /// Footnote label of the reproduction command, or empty.
    pub cite: String,
}

/// One row of the 3-line table. Units are fixed by the column: startup in ms, memory in MiB,
/// throughput in iterations per second.
#[derive(Clone, Debug, Serialize)]
pub struct TableRow {
    pub family: String,
    pub name: String,
    pub startup: String,
    pub memory: String,
    pub throughput: String,
    pub caveat: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct WorkloadView {
    pub name: String,
    pub category: String,
    pub description: String,
    /// Footnote label of the reproduction command, or empty.
    pub cite: String,
    pub cpython: Option<CellView>,
    pub pypy: Option<CellView>,
    pub micropython: Option<CellView>,
    pub pypy_warm: Option<RatioView>,
    pub pypy_cold: Option<RatioView>,
    pub micropython_warm: Option<RatioView>,
    pub micropython_cold: Option<RatioView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GilRow {
    pub name: String,
    pub threads: Fig,
    pub processes: Fig,
}

#[derive(Clone, Debug, Serialize)]
pub struct GilView {
    pub rows: Vec<GilRow>,
    /// Why an interpreter could not run the processes variant, if it could not.
    pub unsupported: Vec<Unsupported>,
    /// Footnote label of the reproduction command, or empty.
    pub cite: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MatrixCell {
    pub family: String,
    pub name: String,
    /// One or two words: `Baseline`, `Promising`, `Mixed`, `Unlikely`, `Untested`,
    /// `Not a fit`, `Built for it`.
    pub fit: String,
    /// The measured reason.
    pub evidence: String,
    /// The top two tests to run (filled by the renderer from `content/decision.toml`).
    pub tests: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MatrixRow {
    pub id: String,
    pub name: String,
    pub cells: Vec<MatrixCell>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Unsupported {
    pub name: String,
    pub workload: String,
    /// The declared reason, or the failure label.
    pub reason: String,
    /// `unsupported` or `failed`.
    pub status: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct WarningsView {
    pub count: String,
    /// Some interval is wider than the target.
    pub too_few_samples: bool,
    /// Some cell's process means vary more than pyperf's limit.
    pub high_variation: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Footnote {
    /// A footnote label: `bench-`, then lower-case ASCII letters, digits and `-` only.
    pub label: String,
    /// The workload whose figures cite it.
    pub workload: String,
    /// The command, every argument quoted for a POSIX shell.
    pub command: String,
    pub run: String,
}

/// The numbers a view holds, as readers see them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger(pub BTreeSet<String>);

impl Ledger {
    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    /// Every number token in every string and every integer of a serialised value.
    pub fn of(value: &serde_json::Value) -> Ledger {
        fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
            match v {
                serde_json::Value::String(s) => {
                    out.extend(number_tokens(s).into_iter().map(|t| t.text))
                }
                serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => {
                    out.insert(n.to_string());
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let mut out = BTreeSet::new();
        walk(value, &mut out);
        Ledger(out)
    }
}

impl View {
    /// Build the view of a summary. Fails only on a bad `date_published` setting.
    pub fn build(summary: &Summary, ed: &Editorial) -> Result<View, ConfigError> {
        Builder::new(summary, ed).build()
    }

    /// The numbers this view shows: what the traceability check accepts from the data.
    pub fn ledger(&self) -> Ledger {
        Ledger::of(&serde_json::to_value(self).expect("the view serialises"))
    }
}

struct Builder<'a> {
    s: &'a Summary,
    ed: &'a Editorial<'a>,
    look: Lookup<'a>,
    size: SizeName,
    confidence: String,
    /// The chosen interpreter of each family.
    chosen: BTreeMap<Family, &'a InterpInfo>,
    /// Footnote label per workload.
    cites: BTreeMap<String, String>,
    footnotes: Vec<Footnote>,
}

impl<'a> Builder<'a> {
    fn new(s: &'a Summary, ed: &'a Editorial<'a>) -> Builder<'a> {
        let look = Lookup::new(s);
        let size = look.size;
        let chosen = crate::lookup::headline(s);
        let mut b = Builder {
            s,
            ed,
            look,
            size,
            confidence: look.level(),
            chosen,
            cites: BTreeMap::new(),
            footnotes: Vec::new(),
        };
        b.make_footnotes();
        b
    }

    fn state_view(&self) -> Option<StateView> {
        let m = self.s.machine_state.as_ref()?;
        let aa = self.s.noise_floor.as_ref().map(|f| {
            let pct = |metric: whichpy_wire::summary::Metric| {
                f.floors.get(&metric).map(|x| sig3(x * 100.0))
            };
            AaView {
                baseline: self
                    .s
                    .environment
                    .interpreters
                    .iter()
                    .find(|i| i.id == f.baseline)
                    .map_or(f.baseline.clone(), |i| i.label.clone()),
                pairs: int(f.ratios.len() as u64),
                warm_pct: pct(whichpy_wire::summary::Metric::Warm),
                cold_pct: pct(whichpy_wire::summary::Metric::Cold),
                startup_pct: pct(whichpy_wire::summary::Metric::Startup),
            }
        });
        Some(StateView {
            slow_pct: sig3(m.slow_share * 100.0),
            factor: sig3(m.fast_factor),
            fast_cells: int(u64::from(m.fast_cells)),
            cells: int(u64::from(m.fast_cells + m.fallback_cells)),
            aa,
        })
    }

    fn plan_view(&self, latest: Option<&whichpy_wire::summary::RunInfo>) -> Option<PlanView> {
        let budget = latest?.params.budget_s?;
        let p = self.s.precision.as_ref()?;
        let iters: Vec<u32> = self
            .s
            .cells
            .iter()
            .filter(|c| c.key.size == self.size && c.kind == WorkloadKind::Iterations)
            .filter(|c| c.processes_ok > 0)
            .map(|c| c.iterations)
            .collect();
        let name = |k: &whichpy_wire::CellKey| {
            let label = self
                .s
                .environment
                .interpreters
                .iter()
                .find(|i| i.id == k.interp)
                .map_or(k.interp.clone(), |i| family_name(i.family).to_string());
            format!("{label} {}", k.workload)
        };
        Some(PlanView {
            budget: crate::command::duration(budget),
            minutes: if (budget / 60.0).fract() == 0.0 {
                int((budget / 60.0) as u64)
            } else {
                sig3(budget / 60.0)
            },
            cells: int(p.cells as u64),
            processes_min: int(p.processes_min as u64),
            processes_max: int(p.processes_max as u64),
            processes: int(p.processes as u64),
            iterations_min: int(iters.iter().copied().min().unwrap_or(0) as u64),
            iterations_max: int(iters.iter().copied().max().unwrap_or(0) as u64),
            median_pct: sig3(p.median_rel_half_width * 100.0),
            worst_pct: sig3(p.worst_rel_half_width * 100.0),
            worst_cell: name(&p.worst_cell),
            within_2pct: int(p.within_2pct as u64),
            within_5pct: int(p.within_5pct as u64),
            no_steady_state: p.no_steady_state.iter().map(name).collect(),
        })
    }

    fn make_footnotes(&mut self) {
        let chosen_ids: BTreeSet<&str> = self.chosen.values().map(|i| i.id.as_str()).collect();
        // Suite-wide figures (geometric means) come from the whole latest run.
        let suite_figures = self.s.geomeans.iter().any(|g| g.size == self.size);
        if let Some(run) = self
            .s
            .environment
            .runs
            .iter()
            .rev()
            .find(|r| suite_figures && r.params.size == self.size)
        {
            let interps: Vec<&str> = chosen_ids.iter().copied().collect();
            let cmd = crate::command::bench_command(run.backend, &run.params, &interps, &[], None);
            self.footnotes.push(Footnote {
                label: SUITE_FOOTNOTE.to_string(),
                workload: String::new(),
                command: format!("{cmd} && cargo xtask analyse"),
                run: run.run_id.clone(),
            });
        }
        for w in &self.s.workloads {
            let mut interps: Vec<&str> = self
                .s
                .cells
                .iter()
                .filter(|c| c.key.workload == w.name && c.key.size == self.size)
                .map(|c| c.key.interp.as_str())
                .filter(|id| chosen_ids.contains(id))
                .collect();
            interps.dedup();
            if interps.is_empty() {
                continue;
            }
            // The latest run that measured this workload at this size gives the parameters.
            let Some(run) = self.s.environment.runs.iter().rev().find(|r| {
                r.params.size == self.size && r.params.workloads.iter().any(|x| x == &w.name)
            }) else {
                continue;
            };
            let cmd = crate::command::bench_command(
                run.backend,
                &run.params,
                &interps,
                &[w.name.as_str()],
                Some(w.kind),
            );
            let label = self.footnote_label(&w.name);
            self.cites.insert(w.name.clone(), label.clone());
            self.footnotes.push(Footnote {
                label,
                workload: w.name.clone(),
                command: format!("{cmd} && cargo xtask analyse"),
                run: run.run_id.clone(),
            });
        }
    }

    /// `bench-` and the workload name with every character other than a lower-case ASCII letter
    /// or digit made `-` (`json_roundtrip` → `bench-json-roundtrip`), made unique by `-2`, `-3`…:
    /// a footnote label can carry no Markdown, whatever the name.
    fn footnote_label(&self, workload: &str) -> String {
        let slug: String = workload
            .chars()
            .map(|c| {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_lowercase() || c.is_ascii_digit() {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let base = format!("bench-{slug}");
        let taken = |l: &str| self.footnotes.iter().any(|f| f.label == l);
        let mut label = base.clone();
        let mut n = 1;
        while taken(&label) {
            n += 1;
            label = format!("{base}-{n}");
        }
        label
    }

    fn cite(&self, workload: &str) -> String {
        self.cites.get(workload).cloned().unwrap_or_default()
    }

    fn cell(&self, interp: &str, workload: &str) -> Option<&'a CellSummary> {
        self.look.cell(interp, workload)
    }

    fn comparison(&self, interp: &str, workload: &str, metric: Metric) -> Option<&'a Comparison> {
        self.look.comparison(interp, workload, metric)
    }

    fn startup_workload(&self) -> Option<&'a str> {
        self.look.startup_workload()
    }

    fn time_fig(&self, e: &Estimate, cite: &str) -> Fig {
        figure::time(e, &self.confidence, cite)
    }

    fn ratio(&self, ratio: f64, low: f64, high: f64, verdict: Verdict, cite: &str) -> RatioView {
        figure::ratio(ratio, low, high, verdict, &self.confidence, cite)
    }

    fn comparison_view(&self, interp: &str, workload: &str, metric: Metric) -> Option<RatioView> {
        self.look.ratio_view(
            interp,
            workload,
            metric,
            &self.confidence,
            &self.cite(workload),
        )
    }

    /// The significant warm comparison furthest from 1 in the direction of `verdict`.
    fn extreme(&self, interp: &str, verdict: Verdict) -> Option<Extreme> {
        let c = self
            .s
            .comparisons
            .iter()
            .filter(|c| {
                c.interp == interp
                    && c.size == self.size
                    && c.metric == Metric::Warm
                    && c.verdict == verdict
            })
            .min_by(|a, b| {
                let key = |r: f64| if verdict == Verdict::Faster { r } else { -r };
                key(a.ratio).total_cmp(&key(b.ratio))
            })?;
        let category = self
            .s
            .workloads
            .iter()
            .find(|w| w.name == c.workload)
            .map(|w| w.category.clone())
            .unwrap_or_default();
        Some(Extreme {
            workload: c.workload.clone(),
            category,
            ratio: self.ratio(
                c.ratio,
                c.ci.low,
                c.ci.high,
                c.verdict,
                &self.cite(&c.workload),
            ),
        })
    }

    fn geo_view(&self, interp: &str, metric: Metric) -> Option<GeoView> {
        let g = self.look.geomean(interp, metric)?;
        let cite = if self.footnotes.iter().any(|f| f.label == SUITE_FOOTNOTE) {
            SUITE_FOOTNOTE
        } else {
            ""
        };
        Some(GeoView {
            ratio: self.ratio(g.ratio, g.ci.low, g.ci.high, g.verdict, cite),
            count: g.workloads.len(),
            workloads: g.workloads.clone(),
        })
    }

    fn cell_view(&self, interp: &str, workload: &str) -> Option<CellView> {
        let c = self.cell(interp, workload)?;
        let cite = self.cite(workload);
        let warmup = c.warmup.as_ref().map(|w| WarmupView {
            class: cell_class_word(w).to_string(),
            consistent: w.class.is_some(),
            iterations_before_steady: w.iterations_before_steady.as_ref().map(|e| sig3(e.mean)),
            // Warm-up in calls of `run` where the summary counts them (iterations of
            // different `loops` are not comparable), else in iterations (older summaries).
            steady_after: w
                .calls_before_steady
                .as_ref()
                .map(|e| (e, "calls"))
                .or_else(|| {
                    w.iterations_before_steady
                        .as_ref()
                        .map(|e| (e, "iterations"))
                })
                .map(|(e, unit)| {
                    let (lo, hi) =
                        e.ci.map_or((e.mean, e.mean), |ci| (ci.low.max(0.0), ci.high));
                    figure::fig(
                        (sig3(e.mean), sig3(lo), sig3(hi)),
                        unit,
                        e.n,
                        e.mean,
                        figure::Interval::Ci(&self.confidence),
                        &cite,
                    )
                }),
            time_before_steady: w
                .time_before_steady_ns
                .as_ref()
                .filter(|e| e.mean > 0.0)
                .map(|e| self.time_fig(e, &cite)),
        });
        Some(CellView {
            workload: workload.to_string(),
            processes: int(c.processes_ok as u64),
            iterations: int(c.iterations as u64),
            failed: int(c.processes_failed as u64),
            warm: c.warm_ns.as_ref().map(|e| self.time_fig(e, &cite)),
            cold: c.cold_ns.as_ref().map(|e| self.time_fig(e, &cite)),
            first: c
                .first_iteration_ns
                .as_ref()
                .map(|e| self.time_fig(e, &cite)),
            throughput: c
                .warm_ns
                .as_ref()
                .filter(|e| e.mean > 0.0)
                .map(|e| figure::throughput(e, &self.confidence, &cite)),
            memory: figure::memory(c, &cite),
            warmup,
        })
    }

    fn example_workload(&self) -> Option<&'a str> {
        let wanted = self.ed.example_workload;
        let iteration_workloads = self
            .s
            .workloads
            .iter()
            .filter(|w| w.kind == WorkloadKind::Iterations);
        let ran_by_all = |name: &str| {
            self.chosen
                .values()
                .all(|i| self.cell(&i.id, name).is_some_and(|c| c.warm_ns.is_some()))
        };
        iteration_workloads
            .clone()
            .find(|w| {
                w.name == wanted
                    && self
                        .chosen
                        .values()
                        .any(|i| self.cell(&i.id, &w.name).is_some())
            })
            .or_else(|| iteration_workloads.clone().find(|w| ran_by_all(&w.name)))
            .or_else(|| iteration_workloads.clone().next())
            .map(|w| w.name.as_str())
    }

    fn interp_view(&self, info: &InterpInfo, example: Option<&str>) -> InterpView {
        let base = &self.s.analysis.baseline;
        let is_baseline = &info.id == base;
        let startup_w = self.startup_workload();
        let startup_cell = startup_w.and_then(|w| self.cell(&info.id, w));
        let startup_cite = startup_w.map(|w| self.cite(w)).unwrap_or_default();
        let crossover = {
            let mut xs: Vec<_> = self
                .s
                .crossovers
                .iter()
                .filter(|x| x.interp == info.id && x.size == self.size)
                .collect();
            xs.sort_by_key(|x| Some(x.workload.as_str()) != example);
            xs.first().map(|x| {
                let me = family_name(info.family).to_string();
                let other = self
                    .s
                    .environment
                    .interpreters
                    .iter()
                    .find(|i| i.id == x.baseline)
                    .map(|i| family_name(i.family).to_string())
                    .unwrap_or_else(|| x.baseline.clone());
                let (overtaker, other) = match x.direction {
                    CrossDirection::InterpOvertakes => (me, other),
                    CrossDirection::BaselineOvertakes => (other, me),
                };
                CrossView {
                    workload: x.workload.clone(),
                    overtaker,
                    other,
                    direction: match x.direction {
                        CrossDirection::InterpOvertakes => "interp_overtakes",
                        CrossDirection::BaselineOvertakes => "baseline_overtakes",
                    }
                    .to_string(),
                    iterations: int(x.iterations),
                    range: match &x.iterations_bounds {
                        Some(b) => match b.high {
                            Some(h) if h == b.low => int(h),
                            Some(h) => format!("{}–{}", int(b.low), int(h)),
                            None => format!("{} or more", int(b.low)),
                        },
                        None => String::new(),
                    },
                    time: crate::format::time(x.time_ns),
                    extrapolated: x.extrapolated,
                    cite: self.cite(&x.workload),
                }
            })
        };
        let language = info
            .implementation
            .python
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        InterpView {
            id: info.id.clone(),
            family: info.family.as_str().to_string(),
            name: family_name(info.family).to_string(),
            label: info.label.clone(),
            version: info.implementation.version.clone(),
            python: info.implementation.python.clone(),
            language,
            debian: info
                .suite
                .as_deref()
                .map(|s| crate::history::debian_release(s).0),
            caveat: info.caveat.clone(),
            is_baseline,
            startup: startup_cell
                .and_then(|c| c.wall_ns.as_ref())
                .map(|e| self.time_fig(e, &startup_cite)),
            startup_memory: startup_cell.and_then(|c| figure::memory(c, &startup_cite)),
            startup_vs: startup_w.and_then(|w| self.comparison_view(&info.id, w, Metric::Startup)),
            example: example.and_then(|w| self.cell_view(&info.id, w)),
            example_warm_vs: example.and_then(|w| self.comparison_view(&info.id, w, Metric::Warm)),
            example_cold_vs: example.and_then(|w| self.comparison_view(&info.id, w, Metric::Cold)),
            largest_win: self.extreme(&info.id, Verdict::Faster),
            largest_loss: self.extreme(&info.id, Verdict::Slower),
            geomean_warm: self.geo_view(&info.id, Metric::Warm),
            geomean_cold: self.geo_view(&info.id, Metric::Cold),
            crossover,
        }
    }

    fn workload_view(&self, name: &str) -> Option<WorkloadView> {
        let meta = self.s.workloads.iter().find(|w| w.name == name)?;
        let id = |f: Family| self.chosen.get(&f).map(|i| i.id.as_str());
        let cell = |f: Family| id(f).and_then(|i| self.cell_view(i, name));
        let cmp = |f: Family, m: Metric| id(f).and_then(|i| self.comparison_view(i, name, m));
        Some(WorkloadView {
            name: name.to_string(),
            category: meta.category.clone(),
            description: meta.description.clone(),
            cite: self.cite(name),
            cpython: cell(Family::Cpython),
            pypy: cell(Family::Pypy),
            micropython: cell(Family::Micropython),
            pypy_warm: cmp(Family::Pypy, Metric::Warm),
            pypy_cold: cmp(Family::Pypy, Metric::Cold),
            micropython_warm: cmp(Family::Micropython, Metric::Warm),
            micropython_cold: cmp(Family::Micropython, Metric::Cold),
        })
    }

    fn unsupported(&self) -> Vec<Unsupported> {
        let chosen_ids: BTreeSet<&str> = self.chosen.values().map(|i| i.id.as_str()).collect();
        self.s
            .compatibility
            .iter()
            .filter(|e| e.size == self.size && chosen_ids.contains(e.interp.as_str()))
            .filter_map(|e| {
                let name = self
                    .s
                    .environment
                    .interpreters
                    .iter()
                    .find(|i| i.id == e.interp)
                    .map(|i| family_name(i.family))?;
                let (status, reason) = match &e.status {
                    CompatStatus::Supported => return None,
                    CompatStatus::Unsupported { reason } => ("unsupported", reason.clone()),
                    CompatStatus::Failed { outcome, .. } => ("failed", outcome.label().to_string()),
                };
                Some(Unsupported {
                    name: name.to_string(),
                    workload: e.workload.clone(),
                    reason,
                    status: status.to_string(),
                })
            })
            .collect()
    }

    fn gil(&self, unsupported: &[Unsupported]) -> Option<GilView> {
        let mut rows = Vec::new();
        for (f, info) in &self.chosen {
            let t = self.cell_view(&info.id, THREADS_WORKLOAD);
            let p = self.cell_view(&info.id, PROCESSES_WORKLOAD);
            if let (Some(t), Some(p)) = (t, p) {
                if let (Some(tw), Some(pw)) = (t.warm, p.warm) {
                    rows.push(GilRow {
                        name: family_name(*f).to_string(),
                        threads: tw,
                        processes: pw,
                    });
                }
            }
        }
        if rows.is_empty() {
            return None;
        }
        Some(GilView {
            rows,
            unsupported: unsupported
                .iter()
                .filter(|u| u.workload == PROCESSES_WORKLOAD || u.workload == THREADS_WORKLOAD)
                .cloned()
                .collect(),
            cite: self.cite(THREADS_WORKLOAD),
        })
    }

    fn apps(&self) -> crate::apps::AppsView {
        crate::apps::Apps {
            s: self.s,
            look: self.look,
            size: self.size,
            level: self.confidence.clone(),
            chosen: &self.chosen,
            cites: &self.cites,
        }
        .build()
    }

    fn matrix_cell(
        &self,
        class: &ClassSpec,
        family: Family,
        view: Option<&InterpView>,
        unsupported: &[Unsupported],
        web: Option<&crate::web::WebView>,
        apps: &crate::apps::AppsView,
    ) -> MatrixCell {
        let name = family_name(family).to_string();
        let cell = |fit: &str, evidence: String| MatrixCell {
            family: family.as_str().to_string(),
            name: name.clone(),
            fit: fit.to_string(),
            evidence,
            tests: Vec::new(),
        };
        let Some(v) = view else {
            return cell("Untested", format!("{name} is not in this data"));
        };
        if class.embedded {
            return match family {
                Family::Micropython => {
                    let total = self
                        .s
                        .compatibility
                        .iter()
                        .filter(|e| e.interp == v.id && e.size == self.size)
                        .count();
                    let ok = self
                        .s
                        .compatibility
                        .iter()
                        .filter(|e| {
                            e.interp == v.id
                                && e.size == self.size
                                && matches!(e.status, CompatStatus::Supported)
                        })
                        .count();
                    let mut evidence =
                        format!("ran {} of {} workloads", int(ok as u64), int(total as u64));
                    if let Some(m) = crate::mcu::build(self.s) {
                        evidence.push_str(&format!(
                            "; {} of {} fit an emulated micro:bit's 16 KB",
                            m.fit, m.tried
                        ));
                    }
                    cell("Built for it", evidence)
                }
                _ => match &v.startup_memory {
                    Some(m) => cell("Not a fit", format!("needs an OS; {} at startup", m.short)),
                    None => cell("Not a fit", "needs an operating system".to_string()),
                },
            };
        }
        // The web row quotes the web service's own latency when the data has it.
        let measured_web = web
            .filter(|_| class.id == crate::web::CLASS)
            .and_then(|w| w.interps.iter().find(|i| i.id == v.id));
        if let Some(w) = measured_web {
            if v.is_baseline {
                return cell("Baseline", w.evidence.clone());
            }
            if let Some(r) = &w.ratio_at_rate {
                return cell(crate::web::fit_of(r), w.evidence.clone());
            }
        }
        if let Some(e) = class.app.and_then(|w| apps.evidence(w, family)) {
            return cell(e.fit, e.evidence);
        }
        if v.is_baseline {
            return cell("Baseline", "the reference".to_string());
        }
        let mut faster = 0;
        let mut slower = 0;
        let mut same = 0;
        let mut measured = Vec::new();
        for w in class.workloads {
            if let Some(c) = self.comparison(&v.id, w, Metric::Warm) {
                measured.push(w.as_str());
                match c.verdict {
                    Verdict::Faster => faster += 1,
                    Verdict::Slower => slower += 1,
                    Verdict::NoSignificantDifference => same += 1,
                }
            }
        }
        let blocked: Vec<&str> = unsupported
            .iter()
            .filter(|u| u.name == name && class.workloads.contains(&u.workload))
            .map(|u| u.workload.as_str())
            .collect();
        let total = measured.len();
        if total == 0 {
            let mut e = "no workload of this class in the data".to_string();
            if !blocked.is_empty() {
                e = format!("cannot run {}", blocked.join(", "));
            }
            return cell("Untested", e);
        }
        let fit = if faster == total {
            "Promising"
        } else if slower == total {
            "Unlikely"
        } else if faster == 0 && slower == 0 {
            "No gain"
        } else {
            "Mixed"
        };
        let counts: Vec<String> = [
            ("faster", faster),
            ("slower", slower),
            ("no significant difference", same),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(w, n)| format!("{w} on {}", int(*n as u64)))
        .collect();
        let mut evidence = format!("{} of {}", counts.join(", "), int(total as u64));
        if !blocked.is_empty() {
            evidence.push_str(&format!("; cannot run {}", blocked.join(", ")));
        }
        cell(fit, evidence)
    }

    fn build(self) -> Result<View, ConfigError> {
        let s = self.s;
        let env = &s.environment;
        let date = env
            .data_date
            .get(..10)
            .unwrap_or(&env.data_date)
            .to_string();
        let first_run = env
            .runs
            .iter()
            .map(|r| r.started_at.as_str())
            .min()
            .unwrap_or(&env.data_date);
        let policy = self.ed.date_published;
        let published = if policy == "first-run" {
            first_run.get(..10).unwrap_or(first_run).to_string()
        } else if is_iso_date(policy) {
            policy.to_string()
        } else {
            return Err(ConfigError(format!(
                "date_published must be \"first-run\" or YYYY-MM-DD, not {policy:?}"
            )));
        };
        let latest = env.runs.last();
        let data = DataInfo {
            year: date.get(..4).unwrap_or("").to_string(),
            date: date.clone(),
            datetime: env.data_date.clone(),
            published,
            modified: date.clone(),
            cpu: env.machine.cpu_model.clone(),
            cores: int(env.machine.cores as u64),
            memory_gib: sig3(env.machine.memory_kib as f64 / 1024.0 / 1024.0),
            os: env.machine.os.clone(),
            kernel: env.machine.kernel.clone(),
            governor: env.machine.governor.clone(),
            backend: {
                let mut b: Vec<String> = env.runs.iter().map(|r| r.backend.to_string()).collect();
                b.sort();
                b.dedup();
                b.join(" and ")
            },
            size: self.size.as_str().to_string(),
            processes: latest
                .map(|r| int(r.params.processes as u64))
                .unwrap_or_default(),
            iterations: latest
                .map(|r| int(r.params.iterations as u64))
                .unwrap_or_default(),
            startup_processes: latest
                .map(|r| int(r.params.startup_processes as u64))
                .unwrap_or_default(),
            runs: int(env.runs.len() as u64),
            git_rev: latest
                .map(|r| r.git_rev.chars().take(7).collect())
                .unwrap_or_default(),
            git_dirty: latest.is_some_and(|r| r.git_dirty),
            confidence: self.confidence.clone(),
            resamples: int(s.analysis.bootstrap_resamples as u64),
            methods: s.analysis.methods.clone(),
            plan: self.plan_view(latest),
            state: self.state_view(),
        };

        let example = self.example_workload();
        let views: BTreeMap<Family, InterpView> = self
            .chosen
            .iter()
            .map(|(f, i)| (*f, self.interp_view(i, example)))
            .collect();
        let baseline = env
            .interpreters
            .iter()
            .find(|i| i.id == s.analysis.baseline)
            .map(|i| match views.get(&i.family) {
                Some(v) if v.id == i.id => v.clone(),
                _ => self.interp_view(i, example),
            });
        let missing = Family::ALL
            .iter()
            .filter(|f| !views.contains_key(f))
            .map(|f| family_name(*f).to_string())
            .collect();
        let example_view = example.and_then(|w| {
            let meta = s.workloads.iter().find(|m| m.name == w)?;
            Some(ExampleView {
                workload: w.to_string(),
                description: meta.description.clone(),
                category: meta.category.clone(),
                n: int(meta.sizes.get(self.size)?.n),
                cite: self.cite(w),
            })
        });
        let not_measured = || "not measured".to_string();
        let startup_w = self.startup_workload();
        let table = Family::ALL
            .iter()
            .map(|f| {
                let v = views.get(f);
                let ex = v.and_then(|v| v.example.as_ref());
                let startup_ms = v
                    .and_then(|v| startup_w.and_then(|w| self.cell(&v.id, w)))
                    .and_then(|c| c.wall_ns.as_ref())
                    .map(|e| {
                        let (lo, hi) =
                            e.ci.map_or((e.mean, e.mean), |ci| (ci.low.max(0.0), ci.high));
                        format!(
                            "{} ({}–{})",
                            sig3(e.mean / 1e6),
                            sig3(lo / 1e6),
                            sig3(hi / 1e6)
                        )
                    });
                TableRow {
                    family: f.as_str().to_string(),
                    name: v
                        .map(|v| format!("{} {}", v.name, v.version))
                        .unwrap_or_else(|| family_name(*f).to_string()),
                    startup: startup_ms.unwrap_or_else(not_measured),
                    memory: ex
                        .and_then(|e| e.memory.as_ref())
                        .map(|x| x.cell.clone())
                        .unwrap_or_else(not_measured),
                    throughput: ex
                        .and_then(|e| e.throughput.as_ref())
                        .map(|x| x.cell.clone())
                        .unwrap_or_else(not_measured),
                    caveat: v.and_then(|v| v.caveat.clone()),
                }
            })
            .collect();
        let workloads: Vec<WorkloadView> = s
            .workloads
            .iter()
            .filter(|w| w.kind == WorkloadKind::Iterations)
            .filter_map(|w| self.workload_view(&w.name))
            .collect();
        let by_category = |cat: &str| workloads.iter().find(|w| w.category == cat).cloned();
        let unsupported = self.unsupported();
        let gil = self.gil(&unsupported);
        let web_ids: BTreeMap<Family, String> = self
            .chosen
            .iter()
            .map(|(f, i)| (*f, i.id.clone()))
            .collect();
        let web = crate::web::web_view(s, self.size, &web_ids);
        let apps = self.apps();
        let matrix = self
            .ed
            .classes
            .iter()
            .map(|class| MatrixRow {
                id: class.id.to_string(),
                name: class.name.to_string(),
                cells: Family::ALL
                    .iter()
                    .map(|f| {
                        self.matrix_cell(class, *f, views.get(f), &unsupported, web.as_ref(), &apps)
                    })
                    .collect(),
            })
            .collect();
        let warnings = WarningsView {
            count: int(s.warnings.len() as u64),
            too_few_samples: s.warnings.iter().any(|w| {
                matches!(
                    w.kind,
                    whichpy_wire::summary::WarningKind::TooFewSamples { .. }
                )
            }),
            high_variation: s.warnings.iter().any(|w| {
                matches!(
                    w.kind,
                    whichpy_wire::summary::WarningKind::HighVariation { .. }
                )
            }),
        };
        let interps = env
            .interpreters
            .iter()
            .map(|i| InterpLine {
                id: i.id.clone(),
                name: family_name(i.family).to_string(),
                label: i.label.clone(),
                version: i.implementation.version.clone(),
                python: i.implementation.python.clone(),
                flags: i.flags.join(" "),
                caveat: i.caveat.clone(),
            })
            .collect();
        let ids = Family::ALL
            .iter()
            .map(|f| {
                let id = self
                    .chosen
                    .get(f)
                    .map_or(f.as_str().to_string(), |i| i.id.clone());
                (f.as_str().to_string(), id)
            })
            .collect();
        let mut views = views;
        // `cargo xtask profile` runs in the images: data measured on host interpreters
        // (native) gets no profile commands.
        let in_images = [Family::Cpython, Family::Pypy]
            .iter()
            .all(|f| self.chosen.get(f).is_some_and(|i| i.image.is_some()));
        let profile = example_view
            .as_ref()
            .filter(|_| in_images)
            .map(|e| crate::profile::commands(&ids, &e.workload, self.size));
        let suite_cite = if self.footnotes.iter().any(|f| f.label == SUITE_FOOTNOTE) {
            SUITE_FOOTNOTE
        } else {
            ""
        };
        let history =
            crate::history::build(self.look, &self.confidence, &|w| self.cite(w), suite_cite);
        Ok(View {
            profile,
            data,
            ids,
            baseline,
            cpython: views.remove(&Family::Cpython),
            pypy: views.remove(&Family::Pypy),
            micropython: views.remove(&Family::Micropython),
            missing,
            interps,
            example: example_view,
            table,
            io: by_category(IO_CATEGORY),
            c_ext: by_category(C_EXTENSION_CATEGORY),
            workloads,
            gil,
            matrix,
            apps,
            unsupported,
            warnings,
            history,
            footnotes: self.footnotes,
            floor: None,
            scaling: crate::scaling::ScalingView::build(self.s),
            web,
            mcu: crate::mcu::build(s),
        })
    }
}

/// `YYYY-MM-DD` with plausible month and day.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(|c| c.is_ascii_digit());
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}
