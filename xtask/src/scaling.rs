//! `cargo xtask scaling`: the same CPU-bound work on 1, 2, ... N threads and processes, where
//! N is the number of cores this process may use; every cell's container gets all of them.
//!
//! Cells run the `scaling_cpu` workload with the worker count, the parallelism and the units
//! of work encoded in its size parameter (see the top of `bench-runner/workloads/
//! scaling_cpu.py`); the checksum is computed here. Two splits: a fixed total (speed-up) and a
//! fixed amount per worker (efficiency). Each finished cell is written to
//! `results/scaling.json` with the curves recomputed, so an interrupted run keeps what it
//! measured and a rerun goes on from there.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use whichpy_wire::scaling::{
    Parallelism, ScalingCell, ScalingFile, ScalingWork, Split, SCALING_SCHEMA,
};
use whichpy_wire::{
    CellSpec, ExecRecord, Family, InterpInfo, InterpSpec, SizeName, SizeSpec, Sizes, Suite,
};
use xshell::Shell;

use crate::backend::Backend;
use crate::bench::say;
use crate::catalogue::{Catalogue, Interpreter};
use crate::docker::DockerBackend;
use crate::project;

/// The category of workloads whose worker count this command sets (`bench` leaves them out).
pub const CATEGORY: &str = "scaling";
/// The workload it runs.
pub const WORKLOAD: &str = "scaling_cpu";
pub const SCALING: &str = "results/scaling.json";

/// Measure speed-up and efficiency over 1..N threads and processes (docker, all cores)
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "Each cell runs in a container on every core this process may use (N of them, recorded with\n\
the cpuset), unlike `bench`, which pins a cell to one core. N = the machine's cores: more workers\n\
need a bigger machine.\n  \
fixed total:      `--units` of work split over k workers → speed-up t(1)/t(k), ideally k\n  \
fixed per worker: `--units` per worker, k workers     → efficiency t(1)/t(k), ideally 1\n\
Intervals: 95%, ratio of means over process executions.\n\n\
Examples:\n  \
    cargo xtask scaling                                # default interpreters, threads and processes\n  \
    cargo xtask scaling --interp pypy-7.3 --processes 3"
)]
pub struct Scaling {
    /// Interpreter ids or sets; repeatable [default: the `default` set]. Any catalogue
    /// interpreter with an image works (a free-threaded CPython included)
    #[arg(long = "interp", value_name = "ID|SET")]
    pub interps: Vec<String>,
    /// Process executions per cell
    #[arg(long, default_value_t = 5)]
    pub processes: u32,
    /// In-process iterations per process execution
    #[arg(long, default_value_t = 5)]
    pub iterations: u32,
    /// Units of work (one unit: 40 rounds of an integer LCG) of the fixed total, and per worker
    #[arg(long, default_value_t = 6000)]
    pub units: u64,
    /// Wall-clock limit per process execution (`5m`, `300s`, or seconds)
    #[arg(long, default_value = "5m", value_name = "DURATION", value_parser = crate::duration::parse_seconds)]
    pub timeout: f64,
    /// Sleep one millisecond per unit instead of computing: a test instrument whose speed-up
    /// is known (N sleeping workers finish N times sooner)
    #[arg(long, hide = true)]
    pub sleep: bool,
    /// Run cells again even if the file already has them
    #[arg(long)]
    pub redo: bool,
    /// The file to write
    #[arg(long, default_value = SCALING)]
    pub out: PathBuf,
}

/// The integer kernel of the workload, summed over `0..units`: the checksum of any split.
pub fn kernel_sum(units: u64) -> u64 {
    (0..units)
        .map(|i| {
            let mut x = i;
            for _ in 0..40 {
                x = (x * 1_103_515_245 + 12_345) & 0x7FFF_FFFF;
            }
            x >> 16
        })
        .sum()
}

/// How a line of output names the own-code threads.
fn own_code(work: ScalingWork) -> &'static str {
    match work {
        ScalingWork::CpuOwnCode => " (own code)",
        ScalingWork::Cpu | ScalingWork::Sleep => "",
    }
}

/// The workload's size parameter: `mode × 10¹² + workers × 10⁹ + units`.
pub fn encode(parallelism: Parallelism, work: ScalingWork, workers: u32, units: u64) -> u64 {
    let mode = match (parallelism, work) {
        (Parallelism::Threads, ScalingWork::Cpu) => 1,
        (Parallelism::Processes, ScalingWork::Cpu) => 2,
        (Parallelism::Threads, ScalingWork::Sleep) => 3,
        (Parallelism::Processes, ScalingWork::Sleep) => 4,
        // Forked workers have their own copy of everything already: the same as mode 2.
        (Parallelism::Threads, ScalingWork::CpuOwnCode) => 5,
        (Parallelism::Processes, ScalingWork::CpuOwnCode) => 2,
    };
    mode * 1_000_000_000_000 + u64::from(workers) * 1_000_000_000 + units
}

/// Every cell of a run: interpreter × parallelism × split × 1..=cores workers. The CPU work
/// also runs on threads that each have their own copy of the kernel (`CpuOwnCode`).
pub fn plan(interps: &[String], cores: u32, units: u64, work: ScalingWork) -> Vec<ScalingCell> {
    let mut kinds = vec![(Parallelism::Threads, work), (Parallelism::Processes, work)];
    if work == ScalingWork::Cpu {
        kinds.insert(1, (Parallelism::Threads, ScalingWork::CpuOwnCode));
    }
    let mut cells = Vec::new();
    for interp in interps {
        for (parallelism, work) in kinds.iter().copied() {
            for split in [Split::FixedTotal, Split::FixedPerWorker] {
                for workers in 1..=cores.max(1) {
                    cells.push(ScalingCell {
                        interp: interp.clone(),
                        parallelism,
                        split,
                        work,
                        workers,
                        units: match split {
                            Split::FixedTotal => units,
                            Split::FixedPerWorker => units * u64::from(workers),
                        },
                        unsupported: None,
                        records: Vec::new(),
                    });
                }
            }
        }
    }
    cells
}

fn same_cell(a: &ScalingCell, b: &ScalingCell) -> bool {
    (
        a.interp.as_str(),
        a.parallelism,
        a.split,
        a.work,
        a.workers,
        a.units,
    ) == (
        b.interp.as_str(),
        b.parallelism,
        b.split,
        b.work,
        b.workers,
        b.units,
    )
}

/// The spec of one cell.
pub fn spec_of(
    interp: &Interpreter,
    suite: &Suite,
    cell: &ScalingCell,
    processes: u32,
    iterations: u32,
    timeout_s: f64,
    paths: (PathBuf, PathBuf),
) -> anyhow::Result<CellSpec> {
    let mut workload = suite
        .get(WORKLOAD)
        .cloned()
        .with_context(|| format!("the suite has no `{WORKLOAD}` workload (`cargo xtask suite`)"))?;
    let checksum = match cell.work {
        ScalingWork::Cpu | ScalingWork::CpuOwnCode => kernel_sum(cell.units),
        ScalingWork::Sleep => cell.units,
    };
    let size = SizeSpec {
        n: encode(cell.parallelism, cell.work, cell.workers, cell.units),
        checksum: checksum.to_string(),
        load: None,
        bytes: None,
        records: None,
    };
    workload.sizes = Sizes {
        quick: size.clone(),
        default: size,
        tiny: None,
    };
    Ok(CellSpec {
        interp: InterpSpec {
            id: interp.id.clone(),
            family: interp.family,
            executable: interp.executable.clone(),
            flags: interp.flags.clone(),
            board: None,
        },
        workload,
        size: SizeName::Default,
        processes,
        first_process: 0,
        iterations,
        loops: 1,
        pilot_s: None,
        timeout_s,
        harness: paths.0,
        workloads_dir: paths.1,
    })
}

/// Run the cells of `file` that have no records yet, writing the file after each. Used by the
/// command and by its test.
#[allow(clippy::too_many_arguments)]
pub fn run_cells(
    backend: &mut dyn Backend,
    catalogue: &Catalogue,
    suite: &Suite,
    file: &mut ScalingFile,
    timeout_s: f64,
    out: Option<&Path>,
    cancel: &AtomicBool,
    pb: &ProgressBar,
) -> anyhow::Result<()> {
    let no_fork = suite
        .get("processes_cpu")
        .and_then(|w| w.unsupported.get(&Family::Micropython))
        .cloned()
        .unwrap_or_else(|| "this interpreter has no os.fork".into());
    for i in 0..file.cells.len() {
        if cancel.load(Ordering::SeqCst) {
            break;
        }
        let cell = file.cells[i].clone();
        if !cell.records.is_empty() || cell.unsupported.is_some() {
            continue;
        }
        let interp = catalogue
            .get(&cell.interp)
            .with_context(|| format!("interpreter `{}` is not in the catalogue", cell.interp))?;
        let what = format!(
            "{} {:?}{} {:?} × {} worker(s)",
            cell.interp,
            cell.parallelism,
            own_code(cell.work),
            cell.split,
            cell.workers
        );
        pb.set_message(what.clone());
        if cell.parallelism == Parallelism::Processes && interp.family == Family::Micropython {
            file.cells[i].unsupported = Some(no_fork.clone());
        } else {
            let spec = spec_of(
                interp,
                suite,
                &cell,
                file.processes,
                file.iterations,
                timeout_s,
                backend.runner_paths(),
            )?;
            let mut records: Vec<ExecRecord> = Vec::new();
            backend
                .run_cell(interp, &spec, cancel, &mut |r| {
                    records.push(r);
                    Ok(())
                })
                .with_context(|| format!("scaling cell {what}"))?;
            if cancel.load(Ordering::SeqCst) && records.len() < file.processes as usize {
                break;
            }
            let ok = records.iter().filter(|r| r.outcome.is_ok()).count();
            let means: Vec<f64> = records
                .iter()
                .filter_map(whichpy_stats::scaling::process_mean)
                .collect();
            let mean = means.iter().sum::<f64>() / means.len().max(1) as f64;
            say(
                pb,
                format!(
                    "  {what}: {ok}/{} ok, {:.1} ms per iteration",
                    records.len(),
                    mean / 1e6
                ),
            );
            for r in records.iter().filter(|r| !r.outcome.is_ok()) {
                say(pb, crate::bench::describe_failure(r));
            }
            file.cells[i].records = records;
        }
        file.curves = whichpy_stats::scaling::curves(&file.cells);
        file.updated_at = jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        if let Some(out) = out {
            write_file(out, file)?;
        }
        pb.inc(1);
    }
    Ok(())
}

impl Scaling {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let catalogue = Catalogue::load(&root)?;
        let suite = project::load_suite(&root)?;
        if self.units == 0 || self.units >= 1_000_000_000 {
            bail!("--units must be between 1 and 999,999,999");
        }
        let wanted = if self.interps.is_empty() {
            vec!["default".to_owned()]
        } else {
            self.interps.clone()
        };
        let selected = catalogue.select(&wanted)?;
        let mut backend = DockerBackend::connect(sh, &root).context(
            "scaling runs containers on all cores, so it needs the Docker engine (`cargo xtask doctor`)",
        )?;
        let allowed = crate::backend::allowed_cpus();
        let cores = allowed.len().max(1) as u32;
        let cpuset = crate::backend::cpuset_list(&allowed);
        backend.config_mut().sandbox.cpuset = cpuset.clone();
        crate::output::info(format!(
            "scaling: {cores} core(s) (cpuset {cpuset}); each cell's container gets all of them"
        ));
        let mut infos: Vec<InterpInfo> = Vec::new();
        for interp in selected {
            if interp.is_host() {
                crate::output::warning(
                    None,
                    format!("skipping {}: a host interpreter has no image", interp.id),
                );
                continue;
            }
            match backend.prepare(interp) {
                Ok(info) => infos.push(info),
                Err(e) => crate::output::warning(None, format!("missing {}: {e:#}", interp.id)),
            }
        }
        if infos.is_empty() {
            bail!("none of the selected interpreters is available");
        }
        let work = if self.sleep {
            ScalingWork::Sleep
        } else {
            ScalingWork::Cpu
        };
        let ids: Vec<String> = infos.iter().map(|i| i.id.clone()).collect();
        let (git_rev, _) = project::git_revision(sh);
        let command = std::iter::once("cargo xtask".to_owned())
            .chain(std::env::args().skip(1))
            .collect::<Vec<_>>()
            .join(" ");
        let machine = crate::machine::probe();
        let out = root.join(&self.out);
        let mut file = ScalingFile {
            schema: SCALING_SCHEMA,
            command,
            updated_at: String::new(),
            git_rev,
            machine,
            cores,
            cpuset,
            processes: self.processes,
            iterations: self.iterations,
            units: self.units,
            interpreters: infos.clone(),
            cells: plan(&ids, cores, self.units, work),
            curves: Vec::new(),
        };
        if out.exists() && !self.redo {
            let old = ScalingFile::read(&out)?;
            let same = old.machine.fingerprint == file.machine.fingerprint
                && old.cpuset == file.cpuset
                && (old.processes, old.iterations, old.units)
                    == (file.processes, file.iterations, file.units);
            if same {
                // Keep finished cells of unchanged images, and other interpreters' cells.
                let changed = |id: &str| {
                    let now = infos.iter().find(|i| i.id == id);
                    let then = old.interpreters.iter().find(|i| i.id == id);
                    matches!((now, then), (Some(a), Some(b)) if a.image.as_ref().map(|x| &x.inputs_hash) != b.image.as_ref().map(|x| &x.inputs_hash))
                };
                for c in old.cells.iter().filter(|c| !changed(&c.interp)) {
                    match file.cells.iter_mut().find(|n| same_cell(n, c)) {
                        Some(n) => *n = c.clone(),
                        None => file.cells.push(c.clone()),
                    }
                }
                for i in old.interpreters {
                    if !file.interpreters.iter().any(|n| n.id == i.id) {
                        file.interpreters.push(i);
                    }
                }
            } else {
                crate::output::info(format!(
                    "{}: from another machine or other parameters; starting anew",
                    self.out.display()
                ));
            }
        }
        let todo = file
            .cells
            .iter()
            .filter(|c| c.records.is_empty() && c.unsupported.is_none())
            .count();
        crate::output::info(format!(
            "{todo} cell(s) to run, {} process execution(s) each",
            self.processes
        ));
        let cancel = crate::bench::install_cancel()?;
        let pb = ProgressBar::new(todo as u64);
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} cells, ETA {eta}  {wide_msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        pb.enable_steady_tick(std::time::Duration::from_millis(250));
        let ran = run_cells(
            &mut backend,
            &catalogue,
            &suite,
            &mut file,
            self.timeout,
            Some(&out),
            &cancel,
            &pb,
        );
        pb.finish_and_clear();
        ran?;
        file.curves = whichpy_stats::scaling::curves(&file.cells);
        write_file(&out, &file)?;
        for c in &file.curves {
            let pts: Vec<String> = c
                .points
                .iter()
                .map(|p| match (&p.ratio, &p.ci) {
                    (Some(r), Some(ci)) => {
                        format!("{}: {r:.2} [{:.2}, {:.2}]", p.workers, ci.low, ci.high)
                    }
                    _ => format!("{}: n/a", p.workers),
                })
                .collect();
            println!(
                "{} {:?}{} {:?}: {}",
                c.interp,
                c.parallelism,
                own_code(c.work),
                c.split,
                pts.join("  ")
            );
        }
        crate::output::outcome(format!("wrote {}", self.out.display()));
        Ok(())
    }
}

/// `results/scaling.json` for `analyse`: `None` when absent or from another machine.
pub fn attach(
    root: &Path,
    summary: &whichpy_wire::summary::Summary,
) -> anyhow::Result<Option<ScalingFile>> {
    let path = root.join(SCALING);
    if !path.exists() {
        return Ok(None);
    }
    let file = ScalingFile::read(&path)?;
    if file.machine.fingerprint != summary.environment.machine.fingerprint {
        crate::output::info(format!(
            "note: {SCALING} comes from machine {} and the runs from {}; it is left out of \
             the summary (rerun `cargo xtask scaling` here)",
            file.machine.fingerprint, summary.environment.machine.fingerprint
        ));
        return Ok(None);
    }
    Ok(Some(file))
}

pub fn write_file(out: &Path, file: &ScalingFile) -> anyhow::Result<()> {
    crate::project::write_json_atomic(out, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_and_the_encoding_match_the_workload() {
        // `python3 -c` over the workload's kernel: the sums of 1,000 and 3,000 units.
        assert_eq!(kernel_sum(1000), 16_360_814);
        assert_eq!(kernel_sum(3000), 49_148_401);
        assert_eq!(
            encode(Parallelism::Processes, ScalingWork::Cpu, 2, 3000),
            2_002_000_003_000
        );
        assert_eq!(
            encode(Parallelism::Threads, ScalingWork::CpuOwnCode, 2, 3000),
            5_002_000_003_000
        );
        // Threads, threads with a copy of the code each, processes; two splits; 1 and 2 workers.
        let cells = plan(&["a".into()], 2, 100, ScalingWork::Cpu);
        assert_eq!(cells.len(), 12);
        assert_eq!(
            cells
                .iter()
                .filter(|c| c.work == ScalingWork::CpuOwnCode)
                .map(|c| c.parallelism)
                .collect::<Vec<_>>(),
            vec![Parallelism::Threads; 4]
        );
        assert_eq!(plan(&["a".into()], 2, 100, ScalingWork::Sleep).len(), 8);
        assert!(cells
            .iter()
            .any(|c| c.split == Split::FixedPerWorker && c.workers == 2 && c.units == 200));
    }
}
