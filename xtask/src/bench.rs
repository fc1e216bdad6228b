//! `cargo xtask bench`: run the matrix (interpreters × workloads) and append every process
//! execution to `results/raw/<run-id>.jsonl` as soon as it finishes.
//!
//! A run is a plan (cells, in workload-major order so that an interrupted run still compares
//! interpreters on the workloads it reached) and a file. The file is the only state: `--resume`
//! re-reads it, counts each cell's finished process executions and runs only what is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use indicatif::ProgressBar;
use whichpy_wire::{
    AaTwin, BackendKind, CellKey, CellSpec, ExecRecord, InterpInfo, InterpSpec, Outcome, RunMeta,
    RunParams, SizeName, Suite, WorkloadKind, WorkloadMeta, SCHEMA,
};
use xshell::Shell;

use crate::backend::Backend;
use crate::catalogue::{Catalogue, Interpreter};
use crate::project::{self, RAW_DIR};
use crate::runfile::{RunFile, RunLock};

/// Which engine runs the interpreters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// Docker when an engine answers, native otherwise
    Auto,
    /// Pinned images through the Docker engine
    Docker,
    /// Interpreters installed on this machine
    Native,
    /// A test instrument: records drawn from a seeded model (`--fake-model`), not measured
    #[value(hide = true)]
    Fake,
    /// An emulated microcontroller under QEMU (catalogue entries with a `machine`, the `mcu`
    /// set): chosen by itself when every `--interp` is one; always the `tiny` size
    Mcu,
}

/// Run the benchmark matrix and record every process execution.
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cargo xtask bench --quick                      # a few minutes: every workload, small sizes\n  \
    cargo xtask bench --interp cpython-3.13 --interp pypy-7.3 --workload nbody\n  \
    cargo xtask bench --backend native --interp host\n  \
    cargo xtask bench --interp microbit --quick    # MicroPython on an emulated micro:bit (tiny sizes)\n  \
    cargo xtask bench --resume                     # finish the latest interrupted run")]
pub struct Bench {
    /// Where the interpreters run
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: BackendChoice,
    /// Small sizes and few repetitions (minutes instead of hours)
    #[arg(long)]
    pub quick: bool,
    /// Interpreter ids or sets (default, latest, variants, history, freethreaded, host; `all`: the five container sets); repeatable.
    /// Default: the `default` set with docker, the `host` set with native
    #[arg(long = "interp", value_name = "ID|SET")]
    pub interps: Vec<String>,
    /// Workload names; repeatable. Default: all of bench-runner/workloads but `scaling_cpu`
    /// (that one is `cargo xtask scaling`'s)
    #[arg(long = "workload", value_name = "NAME")]
    pub workloads: Vec<String>,
    /// Process executions per cell [default: 3 quick, 5 otherwise]
    #[arg(long)]
    pub processes: Option<u32>,
    /// In-process iterations per process execution [default: 10 quick, 20 otherwise]
    #[arg(long)]
    pub iterations: Option<u32>,
    /// Process executions per startup cell (the empty program) and per process cell (a script
    /// run as a command-line tool) [default: 20 quick, 50 otherwise]
    #[arg(long)]
    pub startup_processes: Option<u32>,
    /// Wall-clock limit per process execution (`90s`, `10m`, or seconds) [default: 120 s
    /// quick, 600 s otherwise]
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse_seconds)]
    pub timeout: Option<f64>,
    /// Adaptive runs: keep adding process executions to a cell until its 95% interval is
    /// within this fraction of the mean (`2%` or `0.02`), or its budget is spent
    #[arg(long, value_name = "PCT", value_parser = parse_fraction)]
    pub target_ci: Option<f64>,
    /// Adaptive runs: at most this many process executions per cell
    #[arg(long, default_value_t = 40, value_name = "N")]
    pub max_processes: u32,
    /// Adaptive runs: machine time one cell may take (`5m`, `300s`, or seconds)
    #[arg(long, default_value = "5m", value_name = "DURATION", value_parser = crate::duration::parse_seconds)]
    pub cell_budget: f64,
    /// Planned run: the machine time the whole run may take (`15m`, `900s`, `1h`). A pilot
    /// per cell measures its costs and noise; the planner then chooses each cell's process
    /// executions and iterations, and runs them in seeded rounds: each round is one
    /// container per interpreter holding one process of each open workload, shuffled, so the
    /// same cell never runs twice in a row and a slow spell of the machine falls on every
    /// interpreter alike. The budget is split so that the worst 95% half-width of the
    /// fast-state estimates is as small as it allows: cheap cells (startup, short iterations)
    /// first get what brings them to ±2%; then, when the run spans the `latest` set and
    /// others (`--interp all`), the `latest` set (the article's headline) is planned to half
    /// the half-width of the breadth sets (history, variants, free-threaded); the baseline is
    /// measured twice (an A/A pair, see --no-aa), its twin planned like it.
    /// [default: 15m for a full run without --processes/--iterations/--target-ci]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub budget: Option<f64>,
    /// Planned runs: seed of the shuffled order of rounds [default: from the start time]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Planned runs: leave out the A/A pair (the baseline measured a second time, in the same
    /// rounds, under `<baseline>.aa`), which measures the noise floor below which no
    /// difference is called faster or slower. It costs the baseline's share of the budget once
    /// more; without it the summary has no noise floor
    #[arg(long)]
    pub no_aa: bool,
    /// Finish an interrupted run: the latest one, or the given run id or file
    #[arg(long, value_name = "RUN", num_args = 0..=1, default_missing_value = "latest")]
    pub resume: Option<String>,
    /// Folder for raw results
    #[arg(long, default_value = RAW_DIR)]
    pub out: PathBuf,
    /// The model of `--backend fake`, a test instrument (xtask/src/backend/fake.rs)
    #[arg(long, hide = true, value_name = "FILE")]
    pub fake_model: Option<PathBuf>,
}

/// One cell to run, with how many process executions it still needs.
#[derive(Clone, Debug)]
pub struct PlannedCell {
    pub interp: Interpreter,
    pub workload: WorkloadMeta,
    pub first_process: u32,
    pub processes: u32,
}

impl Bench {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let catalogue = Catalogue::load(&root)?;
        let suite = project::load_suite(&root)?;
        let chosen = self.mcu_choice(&catalogue)?;
        // Names first, so that a typo fails before bench-runner is built (`new_run` checks
        // them again in context).
        if self.resume.is_none() {
            if !self.interps.is_empty() {
                catalogue.select(&self.interps)?;
            }
            if let Some(w) = self.workloads.iter().find(|w| suite.get(w).is_none()) {
                let names: Vec<&str> = suite.workloads.iter().map(|w| w.name.as_str()).collect();
                bail!("no workload named `{w}` (workloads: {})", names.join(", "));
            }
        }
        // An emulated board's runs live apart (`results/mcu`), so that `analyse`'s latest run
        // and the article's numbers are never the emulator's.
        let out_dir = if chosen == BackendChoice::Mcu && self.out == Path::new(RAW_DIR) {
            root.join(project::MCU_RAW_DIR)
        } else {
            root.join(&self.out)
        };
        if self.backend == BackendChoice::Fake && out_dir.starts_with(root.join("results")) {
            // Its records are drawn, not measured: they must never reach `analyse`'s default
            // input or the published summary.
            bail!(
                "--backend fake is a test instrument; give it an --out folder outside results/                  (a temporary one)"
            );
        }
        std::fs::create_dir_all(&out_dir)
            .with_context(|| format!("creating {}", self.out.display()))?;

        // One run per folder: the lock is held until this function returns (or the process
        // ends), and taken before anything slow so that a second run fails at once.
        let resume_path = match &self.resume {
            Some(which) => Some(find_run(&out_dir, which)?),
            None => None,
        };
        let lock_dir = match resume_path.as_deref().and_then(Path::parent) {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => out_dir.clone(),
        };
        let mut lock = RunLock::acquire(&lock_dir)?;
        let resumed = match &resume_path {
            Some(p) => Some(RunFile::resume(p)?),
            None => None,
        };
        let kind = match &resumed {
            Some((_, f)) => match f.meta.backend {
                BackendKind::Docker => BackendChoice::Docker,
                BackendKind::Native => BackendChoice::Native,
                BackendKind::Fake => BackendChoice::Fake,
                BackendKind::Mcu => BackendChoice::Mcu,
            },
            None => chosen,
        };
        let mut backend: Box<dyn crate::backend::Backend> = match (kind, self.backend) {
            // Boards run where `--backend` says: in their image, or on this host.
            (BackendChoice::Mcu, inner @ (BackendChoice::Docker | BackendChoice::Native)) => {
                Box::new(crate::backend::mcu::Mcu::over(crate::backend::connect(
                    sh, &root, inner, None,
                )?))
            }
            _ => crate::backend::connect(sh, &root, kind, self.fake_model.as_deref())?,
        };

        let mut metrics = BTreeMap::new();
        let prior: Vec<ExecRecord> = resumed
            .as_ref()
            .map(|(_, f)| f.records.clone())
            .unwrap_or_default();
        let (meta, mut run_file, done) = match resumed {
            Some((run_file, file)) => {
                lock.set_run(&file.meta.run_id)?;
                crate::output::info(format!(
                    "resuming {} ({} records so far)",
                    file.path.display(),
                    file.records.len()
                ));
                let done = finished_processes(&file.records);
                for r in &file.records {
                    if let Some(m) = adaptive_metric(r) {
                        metrics.entry(r.key()).or_insert_with(Vec::new).push(m);
                    }
                }
                check_interpreters_unchanged(&catalogue, backend.as_mut(), &file.meta)?;
                (file.meta, run_file, done)
            }
            None => {
                let meta = self.new_run(sh, &catalogue, &suite, backend.as_mut())?;
                lock.set_run(&meta.run_id)?;
                let run_file = RunFile::create(&out_dir, &meta)?;
                (meta, run_file, BTreeMap::new())
            }
        };
        if meta.params.budget_s.is_some() {
            let cells = planned_cells(&catalogue, &suite, &meta.params)?;
            let result = execute_planned(backend.as_mut(), &meta, cells, &prior, &mut run_file);
            drop(lock);
            return result;
        }
        let plan = plan(&catalogue, &suite, &meta.params, &done)?;
        let result = execute(backend.as_mut(), &meta, &plan, &mut run_file, metrics);
        drop(lock);
        result
    }

    fn new_run(
        &self,
        sh: &Shell,
        catalogue: &Catalogue,
        suite: &Suite,
        backend: &mut dyn Backend,
    ) -> anyhow::Result<RunMeta> {
        let size = if backend.kind() == BackendKind::Mcu {
            SizeName::Tiny
        } else if self.quick {
            SizeName::Quick
        } else {
            SizeName::Default
        };
        let wanted = if self.interps.is_empty() {
            vec![match backend.kind() {
                BackendKind::Docker | BackendKind::Fake => "default".to_owned(),
                BackendKind::Native => "host".to_owned(),
                BackendKind::Mcu => "mcu".to_owned(),
            }]
        } else {
            self.interps.clone()
        };
        let selected = catalogue.select(&wanted)?;
        let workloads: Vec<String> = if self.workloads.is_empty() {
            // `scaling` workloads take their worker count from `cargo xtask scaling`.
            suite
                .workloads
                .iter()
                .filter(|w| w.category != crate::scaling::CATEGORY)
                .map(|w| w.name.clone())
                .collect()
        } else {
            for w in &self.workloads {
                if suite.get(w).is_none() {
                    let names: Vec<&str> =
                        suite.workloads.iter().map(|w| w.name.as_str()).collect();
                    bail!("no workload named `{w}` (workloads: {})", names.join(", "));
                }
            }
            self.workloads.clone()
        };

        let mut interpreters: Vec<InterpInfo> = Vec::new();
        for interp in selected {
            if (backend.kind() == BackendKind::Mcu) != interp.is_mcu() {
                crate::output::warning(
                    None,
                    format!(
                        "skipping {}: {}",
                        interp.id,
                        if interp.is_mcu() {
                            "an emulated board runs only on the mcu backend (`--interp` it alone)"
                        } else {
                            "the mcu backend runs only emulated boards"
                        }
                    ),
                );
                continue;
            }
            if backend.kind() == BackendKind::Docker && interp.is_host() {
                crate::output::info(format!(
                    "skipping {}: a host interpreter runs only with --backend native",
                    interp.id
                ));
                continue;
            }
            match backend.prepare(interp) {
                Ok(info) => {
                    crate::output::info(format!(
                        "  {:<26} {}",
                        interp.id,
                        info.implementation.sys_version.lines().next().unwrap_or("")
                    ));
                    interpreters.push(info)
                }
                Err(e) => {
                    let hint = interp
                        .install
                        .as_deref()
                        .map(|c| format!(" (install: {c})"))
                        .unwrap_or_default();
                    crate::output::warning(None, format!("missing {}: {e:#}{hint}", interp.id));
                }
            }
        }
        if interpreters.is_empty() {
            bail!("none of the selected interpreters is available; `cargo xtask doctor` says what to install");
        }
        let (git_rev, git_dirty) = project::git_revision(sh);
        let now = jiff::Timestamp::now();
        // A board's clock is deterministic: fixed counts, never a planned run.
        let budget = if backend.kind() == BackendKind::Mcu {
            self.budget
        } else {
            self.planned_budget()
        };
        if self.quick {
            let counts = match budget {
                Some(b) => format!("a {b:.0} s budget"),
                None => format!(
                    "{} processes × {} iterations",
                    self.processes.unwrap_or(3),
                    self.iterations.unwrap_or(10)
                ),
            };
            crate::output::info(format!(
                "note: --quick is a smoke run (small sizes, {counts}): its intervals are wide, \
                 and it is not what the article publishes (that is `cargo xtask bench --budget 15m`)"
            ));
        }
        // Where the interpreters run: this host, or the engine's machine (a remote DOCKER_HOST).
        let machine = backend
            .machine()
            .context("probing the machine the interpreters run on")?;
        crate::output::detail(format!(
            "machine {}: {}, {} cores, {} MiB, kernel {}, {}",
            machine.fingerprint,
            machine.cpu_model,
            machine.cores,
            machine.memory_kib / 1024,
            machine.kernel,
            machine.os
        ));
        let run_id = crate::runfile::new_run_id(now, backend.kind());
        // A planned run measures its baseline twice (the A/A pair of the noise floor): the
        // first catalogue baseline among the interpreters, again under `<id>.aa`.
        let aa_twin = budget
            .filter(|_| backend.kind() != BackendKind::Mcu && !self.no_aa)
            .and_then(|_| {
                catalogue
                    .interpreters
                    .iter()
                    .filter(|i| i.baseline)
                    .find(|i| interpreters.iter().any(|p| p.id == i.id))
            })
            .map(|b| AaTwin {
                of: b.id.clone(),
                id: format!("{}.aa", b.id),
            });
        Ok(RunMeta {
            schema: SCHEMA,
            run_id,
            started_at: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            git_rev,
            git_dirty,
            backend: backend.kind(),
            machine,
            params: RunParams {
                size,
                processes: self.processes.unwrap_or(if self.quick { 3 } else { 5 }),
                iterations: self.iterations.unwrap_or(if self.quick { 10 } else { 20 }),
                startup_processes: self.startup_processes.unwrap_or(if self.quick {
                    20
                } else {
                    50
                }),
                timeout_s: self.timeout.unwrap_or(if self.quick || budget.is_some() {
                    120.0
                } else {
                    600.0
                }),
                interps: interpreters.iter().map(|i| i.id.clone()).collect(),
                workloads,
                target_ci: self.target_ci,
                max_processes: self.target_ci.map(|_| self.max_processes),
                cell_budget_s: self.target_ci.map(|_| self.cell_budget),
                budget_s: budget,
                seed: budget.map(|_| self.seed.unwrap_or(now.as_second() as u64)),
                pilot_s: budget.map(|_| crate::planner::PILOT_SECONDS),
                aa_twin,
            },
            interpreters,
            cpus: backend.cpus(),
        })
    }
}

impl Bench {
    /// The backend: `--backend`, except that only emulated boards named in `--interp`
    /// (`microbit`, the `mcu` set) is the mcu backend, which runs them where `--backend` says
    /// (`docker`: in the board's image; `native`: QEMU on this host; `auto`: the image when
    /// the engine answers).
    fn mcu_choice(&self, catalogue: &Catalogue) -> anyhow::Result<BackendChoice> {
        if self.backend == BackendChoice::Fake || self.interps.is_empty() {
            return Ok(self.backend);
        }
        let selected = catalogue.select(&self.interps)?;
        if selected.iter().all(|i| i.is_mcu()) {
            crate::output::info(
                "every interpreter asked for is an emulated board: the mcu backend",
            );
            return Ok(BackendChoice::Mcu);
        }
        if selected.iter().any(|i| i.is_mcu()) {
            bail!(
                "an emulated board is measured in a run of its own (its clock is the \
                 emulator's): `cargo xtask bench --interp microbit`"
            );
        }
        Ok(self.backend)
    }

    /// The budget of a planned run: `--budget`, or 15 minutes for a full run that names no
    /// fixed counts.
    fn planned_budget(&self) -> Option<f64> {
        if self.budget.is_some() {
            return self.budget;
        }
        let fixed = self.quick
            || self.processes.is_some()
            || self.iterations.is_some()
            || self.target_ci.is_some();
        (!fixed).then_some(DEFAULT_BUDGET_S)
    }
}

/// The budget of a full run when none is given: 15 minutes.
pub const DEFAULT_BUDGET_S: f64 = 900.0;

/// `15m`, `900s`, `900`, `1h30m` → seconds.
pub fn parse_duration(s: &str) -> Result<f64, String> {
    // The one duration syntax of every time flag (crate::duration).
    let total = crate::duration::parse_seconds(s)?;
    if total < 10.0 {
        return Err(format!("`{s}`: a budget must be at least 10 s"));
    }
    Ok(total)
}

/// `2%` or `0.02` → 0.02.
fn parse_fraction(s: &str) -> Result<f64, String> {
    let (num, scale) = match s.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (s, 1.0),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a percentage like 2% or 0.02"))?;
    let v = v / scale;
    if !(v > 0.0 && v < 1.0) {
        return Err(format!("`{s}` must be between 0% and 100%"));
    }
    Ok(v)
}

/// The raw file to resume: `latest`, a run id, or a path.
fn find_run(dir: &Path, which: &str) -> anyhow::Result<PathBuf> {
    if which != "latest" {
        let as_path = PathBuf::from(which);
        if as_path.is_file() {
            return Ok(as_path);
        }
        let in_dir = dir.join(format!("{which}.jsonl"));
        if in_dir.is_file() {
            return Ok(in_dir);
        }
        bail!(
            "no run `{which}` in {} (ls {} to see the runs)",
            dir.display(),
            dir.display()
        );
    }
    let mut runs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    runs.sort();
    runs.pop()
        .with_context(|| format!("no run to resume in {}", dir.display()))
}

/// Process executions already recorded, per cell: the highest index + 1 and whether the cell
/// was closed by an `unsupported` record.
fn finished_processes(records: &[ExecRecord]) -> BTreeMap<CellKey, (u32, bool)> {
    let mut done: BTreeMap<CellKey, (u32, bool)> = BTreeMap::new();
    for r in records {
        let e = done.entry(r.key()).or_default();
        e.0 = e.0.max(r.process.saturating_add(1));
        e.1 |= matches!(r.outcome, Outcome::Unsupported { .. });
    }
    done
}

/// A resumed run must measure the same interpreters it started with.
fn check_interpreters_unchanged(
    catalogue: &Catalogue,
    backend: &mut dyn Backend,
    meta: &RunMeta,
) -> anyhow::Result<()> {
    for recorded in &meta.interpreters {
        let interp = catalogue.get(&recorded.id).with_context(|| {
            format!(
                "interpreter `{}` of this run is no longer in the catalogue",
                recorded.id
            )
        })?;
        let now = backend.prepare(interp)?;
        if now.implementation != recorded.implementation {
            bail!(
                "`{}` changed since the run started ({} then, {} now); start a new run instead of resuming",
                recorded.id,
                recorded.implementation.sys_version,
                now.implementation.sys_version
            );
        }
    }
    Ok(())
}

/// Cells still to run, workload-major.
pub fn plan(
    catalogue: &Catalogue,
    suite: &Suite,
    params: &RunParams,
    done: &BTreeMap<CellKey, (u32, bool)>,
) -> anyhow::Result<Vec<PlannedCell>> {
    let mut cells = Vec::new();
    for (interp, workload) in planned_cells(catalogue, suite, params)? {
        let wanted = match workload.kind {
            // A script run as a tool is sampled like startup: one figure per process.
            WorkloadKind::Startup | WorkloadKind::Process => params.startup_processes,
            // A service cell is planned by process executions, like an iteration cell.
            WorkloadKind::Iterations | WorkloadKind::Service => params.processes,
        };
        let key = CellKey {
            interp: interp.id.clone(),
            workload: workload.name.clone(),
            size: params.size,
        };
        let (have, closed) = done.get(&key).copied().unwrap_or((0, false));
        if closed || have >= wanted {
            continue;
        }
        cells.push(PlannedCell {
            interp,
            workload,
            first_process: have,
            processes: wanted - have,
        });
    }
    Ok(cells)
}

/// Every cell of a run, workload-major (a planned run's scheduler shuffles them).
fn planned_cells(
    catalogue: &Catalogue,
    suite: &Suite,
    params: &RunParams,
) -> anyhow::Result<Vec<(Interpreter, WorkloadMeta)>> {
    let mut cells = Vec::new();
    for name in &params.workloads {
        let workload = suite
            .get(name)
            .with_context(|| format!("workload `{name}` of this run is no longer in the suite"))?;
        for id in &params.interps {
            let interp = catalogue
                .get(id)
                .with_context(|| format!("interpreter `{id}` is not in the catalogue"))?;
            cells.push((interp.clone(), workload.clone()));
        }
    }
    Ok(cells)
}

/// Ctrl-C stops the run at the next record; a second one exits at once.
pub(crate) fn install_cancel() -> anyhow::Result<Arc<AtomicBool>> {
    let cancel = Arc::new(AtomicBool::new(false));
    let c = cancel.clone();
    ctrlc::set_handler(move || {
        if c.swap(true, Ordering::SeqCst) {
            crate::output::info("\nsecond interrupt: exiting now; finished records are on disk");
            std::process::exit(130);
        }
        crate::output::info("\ninterrupted: stopping; every finished record is already on disk");
    })
    .context("installing the Ctrl-C handler")?;
    Ok(cancel)
}

/// A planned run (`--budget`): pilot, plan, rounds; see `schedule`.
fn execute_planned(
    backend: &mut dyn Backend,
    meta: &RunMeta,
    cells: Vec<(Interpreter, WorkloadMeta)>,
    prior: &[ExecRecord],
    run_file: &mut RunFile,
) -> anyhow::Result<()> {
    let cancel = install_cancel()?;
    let pb = crate::output::progress_bar(
        meta.params.budget_s.unwrap_or(900.0) as u64,
        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} s of the budget  {wide_msg}",
    );
    crate::output::info(format!(
        "planned run: budget {:.0} s, {} cells, seed {}",
        meta.params.budget_s.unwrap_or(0.0),
        cells.len(),
        meta.params.seed.unwrap_or(0)
    ));
    let report = crate::schedule::run(backend, meta, cells, prior, run_file, &cancel, &pb);
    pb.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            if let Some(f) = run_file.failure() {
                bail!("{f}");
            }
            return Err(e);
        }
    };
    run_file.sync()?;
    crate::output::outcome(format!(
        "{} records written to {} in {} rounds after the pilot ({} failed process executions recorded)",
        report.written,
        crate::runfile::shown(run_file.path()),
        report.rounds,
        report.failures
    ));
    finish(&cancel, &report.infra_errors, run_file)
}

/// The closing lines of a run: how to resume it, or what to do next.
fn finish(cancel: &AtomicBool, infra_errors: &[String], run_file: &RunFile) -> anyhow::Result<()> {
    if cancel.load(Ordering::SeqCst) {
        crate::output::warning(
            None,
            format!(
                "interrupted; finish this run with: {}",
                run_file.resume_command()
            ),
        );
        std::process::exit(130);
    }
    if !infra_errors.is_empty() {
        bail!(
            "{} cells did not finish ({}); rerun them with: {}",
            infra_errors.len(),
            infra_errors.join("; "),
            run_file.resume_command()
        );
    }
    crate::output::info("next: cargo xtask analyse");
    Ok(())
}

/// Run the plan, appending each record to `path` as it arrives.
fn execute(
    backend: &mut dyn Backend,
    meta: &RunMeta,
    plan: &[PlannedCell],
    run_file: &mut RunFile,
    mut metrics: BTreeMap<CellKey, Vec<f64>>,
) -> anyhow::Result<()> {
    let cancel = install_cancel()?;
    let total: u64 = plan.iter().map(|c| c.processes as u64).sum();
    let pb = crate::output::progress_bar(
        total,
        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs, ETA {eta}  {wide_msg}",
    );
    let (harness, workloads_dir) = backend.runner_paths();
    let mut failures = 0u64;
    let mut written = 0u64;
    let mut infra_errors = Vec::new();

    for cell in plan {
        if cancel.load(Ordering::SeqCst) {
            break;
        }
        let mut spec = CellSpec {
            interp: InterpSpec {
                id: cell.interp.id.clone(),
                family: cell.interp.family,
                executable: cell.interp.executable.clone(),
                flags: cell.interp.flags.clone(),
                board: cell.interp.board_spec(),
            },
            workload: cell.workload.clone(),
            size: meta.params.size,
            processes: cell.processes,
            first_process: cell.first_process,
            iterations: meta.params.iterations,
            loops: 1,
            pilot_s: None,
            timeout_s: bench_runner::service::timeout_s(
                &cell.workload,
                meta.params.size,
                meta.params.timeout_s,
            ),
            harness: harness.clone(),
            workloads_dir: workloads_dir.clone(),
        };
        let key = spec.key();
        pb.set_message(key.to_string());
        let cell_start = backend.clock_s();
        let closed = std::cell::Cell::new(false);
        let mut batch = |spec: &CellSpec,
                         backend: &mut dyn Backend,
                         metrics: &mut Vec<f64>|
         -> anyhow::Result<()> {
            let mut seen = 0u32;
            let ran = backend.run_cell(&cell.interp, spec, &cancel, &mut |rec| {
                // One write per line; a failed write is cut back and stops the run.
                run_file.append(&rec)?;
                written += 1;
                metrics.extend(adaptive_metric(&rec));
                match &rec.outcome {
                    Outcome::Ok => pb.inc(1),
                    Outcome::Unsupported { reason } => {
                        // One record closes the cell: count all its planned executions as
                        // done, once.
                        if !closed.get() {
                            pb.inc(spec.processes.saturating_sub(seen) as u64);
                            say(&pb, format!("  – {}: not run: {reason}", rec.key()));
                        }
                        closed.set(true);
                    }
                    _ => {
                        failures += 1;
                        pb.inc(1);
                        say(&pb, describe_failure(&rec));
                    }
                }
                seen += 1;
                Ok(())
            });
            // Cell and batch boundaries are where the records become durable.
            let synced = run_file.sync();
            ran.and(synced)
        };
        let cell_metrics = metrics.entry(key.clone()).or_default();
        let mut result = if spec.processes > 0 {
            batch(&spec, backend, cell_metrics)
        } else {
            Ok(())
        };

        // Adaptive runs: one more process execution at a time until the interval is narrow
        // enough or the cell's budget is spent.
        if let (Some(target), Ok(())) = (meta.params.target_ci, &result) {
            let max = meta.params.max_processes.unwrap_or(u32::MAX);
            let budget = meta.params.cell_budget_s.unwrap_or(f64::INFINITY);
            let mut next = spec.first_process + spec.processes;
            loop {
                let hw = whichpy_stats::relative_half_width(cell_metrics);
                let reached = hw.is_some_and(|h| h <= target);
                let spent = backend.clock_s() - cell_start;
                let stop = if reached {
                    Some("reached")
                } else if closed.get() || cell_metrics.is_empty() {
                    Some("no successful samples")
                } else if next >= max {
                    Some("process budget spent")
                } else if spent >= budget {
                    Some("time budget spent")
                } else {
                    None
                };
                if let Some(why) = stop {
                    let hw = hw
                        .map(|h| format!("±{:.1}%", h * 100.0))
                        .unwrap_or_else(|| "no interval".into());
                    say(
                        &pb,
                        format!(
                            "  {key}: {hw} after {next} process executions, {spent:.1} s ({why})"
                        ),
                    );
                    break;
                }
                if cancel.load(Ordering::SeqCst) {
                    break;
                }
                // Ask for what the current spread says is missing, at most ADAPTIVE_BATCH at a
                // time: one container (or runner) per batch, and a fresh estimate after each.
                let needed = whichpy_stats::describe::processes_needed(cell_metrics, target)
                    .unwrap_or(next + 1);
                let step = needed
                    .saturating_sub(next)
                    .clamp(1, ADAPTIVE_BATCH)
                    .min(max - next);
                spec.first_process = next;
                spec.processes = step;
                pb.inc_length(step as u64);
                let before = cell_metrics.len();
                result = batch(&spec, backend, cell_metrics);
                if result.is_err() {
                    break;
                }
                next += step;
                if cell_metrics.len() == before {
                    break; // the batch produced no successful sample: more would not either
                }
            }
        }
        if run_file.failure().is_some() {
            break; // the disk refused a record: start nothing more
        }
        if let Err(e) = result {
            if cancel.load(Ordering::SeqCst) {
                break;
            }
            say(&pb, format!("error in {key}: {e:#}"));
            infra_errors.push(key.to_string());
        } else {
            // Without a terminal to draw the bar on (CI, a pipe), or with -v: a line per
            // finished cell.
            let hw = whichpy_stats::relative_half_width(cell_metrics)
                .map_or("no interval".to_owned(), |h| format!("±{:.2}%", h * 100.0));
            crate::output::cell_line(
                &pb,
                format!(
                    "[{}/{}] {key}: {} process executions, {hw}, {:.1} s",
                    pb.position(),
                    pb.length().unwrap_or(0),
                    cell_metrics.len(),
                    backend.clock_s() - cell_start
                ),
            );
        }
    }
    pb.finish_and_clear();
    if let Some(f) = run_file.failure() {
        crate::output::warning(
            None,
            format!("{written} records written before the write error"),
        );
        bail!("{f}");
    }
    run_file.sync()?;
    crate::output::outcome(format!(
        "{written} records written to {} ({failures} failed process executions recorded)",
        crate::runfile::shown(run_file.path())
    ));
    finish(&cancel, &infra_errors, run_file)
}

/// Adaptive runs add at most this many process executions before re-estimating.
const ADAPTIVE_BATCH: u32 = 8;

/// Print above the progress bar, or plainly when there is no terminal to draw it on.
pub(crate) fn say(pb: &ProgressBar, msg: impl AsRef<str>) {
    if pb.is_hidden() {
        crate::output::info(msg);
    } else {
        pb.println(msg);
    }
}

/// The per-process figure an adaptive run tightens: the steady-state mean of an iteration
/// cell (as `analyse` computes it), the wall time of a startup cell.
pub(crate) fn adaptive_metric(rec: &ExecRecord) -> Option<f64> {
    if !rec.outcome.is_ok() {
        return None;
    }
    if let Some(first) = rec.load.iter().find(|p| !p.warmup) {
        // A service: the p95 latency at its first steady rate (every execution has it).
        return Some(first.p95_ns as f64);
    }
    if let Some(m) = rec.mcu.as_ref().filter(|m| !m.instructions.is_empty()) {
        // An emulated board: its own clock, in instructions.
        return Some(m.instructions.iter().sum::<u64>() as f64 / m.instructions.len() as f64);
    }
    if rec.iterations_ns.is_empty() {
        return Some(rec.wall_ns as f64);
    }
    let xs: Vec<f64> = rec.iterations_ns.iter().map(|&x| x as f64).collect();
    let resolution = rec.clock.as_ref().map_or(1.0, |c| c.resolution_ns as f64);
    Some(whichpy_stats::warmup::classify(&xs, resolution).steady_mean)
}

pub(crate) fn describe_failure(rec: &ExecRecord) -> String {
    let detail = match &rec.outcome {
        Outcome::Crashed {
            exit_code: Some(c), ..
        } => format!("crashed (exit {c})"),
        Outcome::Crashed {
            signal: Some(s), ..
        } => format!("crashed (signal {s})"),
        Outcome::TimedOut { after_s } => format!("timed out after {after_s} s"),
        Outcome::WrongChecksum { expected, got } => {
            format!("wrong checksum: expected {expected}, got {got}")
        }
        Outcome::BadOutput { reason } => format!("bad output: {reason}"),
        Outcome::SpawnFailed { reason } => format!("could not start: {reason}"),
        o => o.label().to_owned(),
    };
    let last = rec.stderr_tail.trim().lines().last().unwrap_or("");
    let last = if last.is_empty() {
        String::new()
    } else {
        format!(" — {last}")
    };
    format!("  ✗ {} #{}: {detail}{last}", rec.key(), rec.process)
}
