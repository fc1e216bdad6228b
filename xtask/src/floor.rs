//! `cargo xtask floor`: the smallest memory each workload completes in, per interpreter.
//!
//! Each cell is a binary search (`floor_search`) whose probes are one process execution in a
//! fresh sandboxed container: MicroPython under `-X heapsize=` (its GC heap), CPython and PyPy
//! (and any other family) under the container's memory limit with swap off. Every finished
//! cell is written to `results/floor.json` at once, so an interrupted search keeps what it
//! found, and a rerun skips the cells already there (same machine, same image, same probe
//! parameters) unless `--redo`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use whichpy_wire::floor::{
    FloorCell, FloorFile, FloorMethod, FloorProbe, FloorResult, ProbeOutcome, FLOOR_SCHEMA,
};
use whichpy_wire::{CellSpec, ExecRecord, Family, InterpInfo, InterpSpec, Outcome, SizeName};
use xshell::Shell;

use crate::backend::Backend;
use crate::bench::say;
use crate::catalogue::{Catalogue, Interpreter};
use crate::docker::DockerBackend;
use crate::floor_search::{Bounds, Found, Search, Step};
use crate::project;

/// Where the floor is written (committed, like the summary).
pub const FLOOR: &str = "results/floor.json";

/// MicroPython's heap: from 1 KiB to 64 MiB, in 1 KiB steps by default.
pub const HEAP_LOWER_KIB: u64 = 1;
pub const HEAP_UPPER_KIB: u64 = 64 * 1024;
/// A container's memory: from the engine's minimum (6 MiB) to the docker backend's default
/// limit (2 GiB), in 1 MiB steps by default.
pub const CONTAINER_LOWER_KIB: u64 = 6 * 1024;
pub const CONTAINER_UPPER_KIB: u64 = 2 * 1024 * 1024;

/// Find each workload's memory floor on each interpreter (docker only).
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "What is searched:\n  \
    MicroPython: the GC heap (`-X heapsize=NK`), 1 KiB .. 64 MiB, step --heap-step (1 KiB)\n  \
    others:      the container's memory limit, swap off, 6 MiB .. 2 GiB, step --memory-step (1024 KiB);\n               \
    it covers the whole container (interpreter, bench-runner, shell)\n\
A probe is one process execution of --iterations iterations; it fits when it completes with the\n\
right checksum. Out-of-memory (OOM kill, MemoryError) is told apart from other failures in\n\
every probe, and a failure of any kind counts as not fitting. Results go to results/floor.json\n\
after each cell; a rerun skips finished cells (--redo runs them again). A rerun with other \
--iterations or --timeout, or on another machine, is refused while the file has cells, unless \
--redo (then the file starts anew).\n\n\
Examples:\n  \
    cargo xtask floor --size quick                     # every default interpreter and workload\n  \
    cargo xtask floor --interp micropython-1.25 --workload nbody\n  \
    cargo xtask floor --workload startup --redo")]
pub struct Floor {
    /// Interpreter ids or sets; repeatable [default: the `default` set]
    #[arg(long = "interp", value_name = "ID|SET")]
    pub interps: Vec<String>,
    /// Workload names; repeatable [default: every workload]
    #[arg(long = "workload", value_name = "NAME")]
    pub workloads: Vec<String>,
    /// Which of the workload's sizes to run
    #[arg(long, value_enum, default_value = "default")]
    pub size: SizeArg,
    /// In-process iterations per probe
    #[arg(long, default_value_t = 3)]
    pub iterations: u32,
    /// Wall-clock limit of a probe's process execution (`2m`, `120s`, or seconds; a timeout
    /// does not fit)
    #[arg(long, default_value = "2m", value_name = "DURATION", value_parser = crate::duration::parse_seconds)]
    pub timeout: f64,
    /// Resolution of MicroPython's heap search, KiB
    #[arg(long, default_value_t = 1, value_name = "KIB")]
    pub heap_step: u64,
    /// Resolution of the container memory search, KiB
    #[arg(long, default_value_t = 1024, value_name = "KIB")]
    pub memory_step: u64,
    /// Run cells again even if the file already has them
    #[arg(long)]
    pub redo: bool,
    /// The file to write
    #[arg(long, default_value = FLOOR)]
    pub out: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SizeArg {
    Quick,
    Default,
}

impl SizeArg {
    fn name(self) -> SizeName {
        match self {
            SizeArg::Quick => SizeName::Quick,
            SizeArg::Default => SizeName::Default,
        }
    }
}

/// The method and bounds of a family's search.
pub fn method_of(family: Family, heap_step: u64, memory_step: u64) -> (FloorMethod, Bounds) {
    match family {
        Family::Micropython => (
            FloorMethod::Heap,
            Bounds {
                lower: HEAP_LOWER_KIB,
                upper: HEAP_UPPER_KIB,
                step: heap_step,
            },
        ),
        _ => (
            FloorMethod::ContainerMemory,
            Bounds {
                lower: CONTAINER_LOWER_KIB,
                upper: CONTAINER_UPPER_KIB,
                step: memory_step,
            },
        ),
    }
}

/// A probe's outcome from its record (or from the container's failure).
pub fn classify(rec: Option<&ExecRecord>, container_error: Option<&str>) -> ProbeOutcome {
    let last_line = |s: &str| s.trim().lines().last().unwrap_or("").to_owned();
    match (rec, container_error) {
        (Some(r), _) => match &r.outcome {
            Outcome::Ok => ProbeOutcome::Fits,
            Outcome::OutOfMemory => ProbeOutcome::OomKilled,
            _ if says_memory_error(&r.stderr_tail) => ProbeOutcome::MemoryError,
            o => ProbeOutcome::Failed {
                label: o.label().to_owned(),
                detail: last_line(&r.stderr_tail),
            },
        },
        (None, Some(e)) if e.contains("hit its memory limit") => ProbeOutcome::OomKilled,
        (None, Some(e)) => ProbeOutcome::Failed {
            label: "container failed".into(),
            detail: last_line(e),
        },
        (None, None) => ProbeOutcome::Failed {
            label: "no record".into(),
            detail: String::new(),
        },
    }
}

/// The interpreter said it ran out of memory (CPython and PyPy `MemoryError`, MicroPython's
/// "memory allocation failed", a C allocator's "Cannot allocate memory").
fn says_memory_error(stderr: &str) -> bool {
    [
        "MemoryError",
        "memory allocation failed",
        "Cannot allocate memory",
        "out of memory",
    ]
    .iter()
    .any(|m| stderr.contains(m))
}

impl Floor {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let catalogue = Catalogue::load(&root)?;
        let suite = project::load_suite(&root)?;
        for (step, what) in [
            (self.heap_step, "--heap-step"),
            (self.memory_step, "--memory-step"),
        ] {
            if step == 0 {
                bail!("{what} must be at least 1 KiB");
            }
        }
        let size = self.size.name();
        let wanted = if self.interps.is_empty() {
            vec!["default".to_owned()]
        } else {
            self.interps.clone()
        };
        let selected = catalogue.select(&wanted)?;
        let workloads: Vec<_> = if self.workloads.is_empty() {
            suite.workloads.clone()
        } else {
            self.workloads
                .iter()
                .map(|w| {
                    suite.get(w).cloned().with_context(|| {
                        let names: Vec<&str> =
                            suite.workloads.iter().map(|w| w.name.as_str()).collect();
                        format!("no workload named `{w}` (workloads: {})", names.join(", "))
                    })
                })
                .collect::<anyhow::Result<_>>()?
        };

        let mut backend = DockerBackend::connect(sh, &root).context(
            "the memory floor limits containers, so it needs the Docker engine (`cargo xtask doctor`)",
        )?;
        let mut interps: Vec<(&Interpreter, InterpInfo)> = Vec::new();
        for interp in selected {
            if interp.is_host() {
                crate::output::warning(
                    None,
                    format!("skipping {}: a host interpreter has no image", interp.id),
                );
                continue;
            }
            match backend.prepare(interp) {
                Ok(info) => interps.push((interp, info)),
                Err(e) => crate::output::warning(None, format!("missing {}: {e:#}", interp.id)),
            }
        }
        if interps.is_empty() {
            bail!("none of the selected interpreters is available");
        }

        let out = root.join(&self.out);
        let machine = crate::machine::probe();
        let mut file = self.start_file(sh, &out, machine, &interps)?;
        let cancel = crate::bench::install_cancel()?;

        let todo: Vec<_> = workloads
            .iter()
            .flat_map(|w| interps.iter().map(move |(i, info)| (w, *i, info)))
            .filter(|(w, i, _)| self.redo || file.cell(&i.id, &w.name, size).is_none())
            .collect();
        let skipped = workloads.len() * interps.len() - todo.len();
        if skipped > 0 {
            crate::output::info(format!(
                "{skipped} cell(s) already in {} (--redo runs them again)",
                self.out.display()
            ));
        }
        let pb = ProgressBar::new(todo.len() as u64);
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} cells  {wide_msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        pb.enable_steady_tick(std::time::Duration::from_millis(250));
        let (harness, workloads_dir) = backend.runner_paths();
        for (workload, interp, _) in todo {
            if cancel.load(Ordering::SeqCst) {
                break;
            }
            let (method, bounds) = method_of(interp.family, self.heap_step, self.memory_step);
            let start = crate::backend::monotonic_s();
            let mut cell = FloorCell {
                interp: interp.id.clone(),
                workload: workload.name.clone(),
                size,
                method,
                lower_kib: bounds.lower,
                upper_kib: bounds.upper,
                step_kib: bounds.step,
                result: FloorResult::AtOrBelowLower {
                    lower_kib: bounds.lower,
                },
                probes: Vec::new(),
                wall_s: 0.0,
            };
            if let Some(reason) = workload.unsupported.get(&interp.family) {
                cell.result = FloorResult::Unsupported {
                    reason: reason.clone(),
                };
            } else {
                let base = CellSpec {
                    interp: InterpSpec {
                        id: interp.id.clone(),
                        family: interp.family,
                        executable: interp.executable.clone(),
                        flags: interp.flags.clone(),
                        board: None,
                    },
                    workload: workload.clone(),
                    size,
                    processes: 1,
                    first_process: 0,
                    iterations: self.iterations,
                    loops: 1,
                    pilot_s: None,
                    timeout_s: self.timeout,
                    harness: harness.clone(),
                    workloads_dir: workloads_dir.clone(),
                };
                let mut search = Search::new(bounds);
                let found = loop {
                    match search.next() {
                        Step::Done(found) => break Some(found),
                        Step::Probe(limit) => {
                            if cancel.load(Ordering::SeqCst) {
                                break None;
                            }
                            pb.set_message(format!(
                                "{} × {}: probe {} at {limit} KiB",
                                interp.id,
                                workload.name,
                                search.probes() + 1
                            ));
                            let probe =
                                run_probe(&mut backend, interp, &base, method, limit, &cancel);
                            search.record(limit, probe.outcome.is_ok());
                            cell.probes.push(probe);
                        }
                    }
                };
                let Some(found) = found else { break };
                cell.result = result_of(found, &cell.probes);
            }
            backend.config_mut().sandbox.memory_bytes = crate::docker::DEFAULT_MEMORY_BYTES;
            cell.wall_s = crate::backend::monotonic_s() - start;
            say(&pb, format!("  {}", describe(&cell)));
            file.cells.retain(|c| {
                !(c.interp == cell.interp && c.workload == cell.workload && c.size == size)
            });
            file.cells.push(cell);
            file.cells.sort_by(|a, b| {
                (&a.workload, &a.interp, a.size).cmp(&(&b.workload, &b.interp, b.size))
            });
            file.updated_at = jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            write_file(&out, &file)?;
            pb.inc(1);
        }
        pb.finish_and_clear();
        if cancel.load(Ordering::SeqCst) {
            crate::output::info(format!(
                "interrupted: finished cells are in {}; rerun the same command to go on",
                self.out.display()
            ));
        } else {
            crate::output::outcome(format!("wrote {}", self.out.display()));
        }
        Ok(())
    }

    /// The file to add to: the existing one when it comes from this machine with the same
    /// probe parameters (its cells of changed images dropped), else a new one.
    fn start_file(
        &self,
        sh: &Shell,
        out: &Path,
        machine: whichpy_wire::Machine,
        interps: &[(&Interpreter, InterpInfo)],
    ) -> anyhow::Result<FloorFile> {
        let (git_rev, _) = project::git_revision(sh);
        let command = std::iter::once("cargo xtask".to_owned())
            .chain(std::env::args().skip(1))
            .collect::<Vec<_>>()
            .join(" ");
        let fresh = FloorFile {
            schema: FLOOR_SCHEMA,
            command: command.clone(),
            updated_at: String::new(),
            git_rev: git_rev.clone(),
            machine: machine.clone(),
            iterations: self.iterations,
            timeout_s: self.timeout,
            interpreters: interps.iter().map(|(_, i)| i.clone()).collect(),
            cells: Vec::new(),
        };
        if !out.exists() {
            return Ok(fresh);
        }
        let mut old = FloorFile::read(out)?;
        if let Some(why) = incompatible(&old, &machine.fingerprint, self.iterations, self.timeout) {
            anyhow::ensure!(
                self.redo || old.cells.is_empty(),
                "{}: {why}; its {} finished cell(s) would be lost. Rerun with those \
                 parameters to add to it, or add --redo to start it anew with these",
                out.display(),
                old.cells.len()
            );
            crate::output::info(format!(
                "{}: {why}; --redo: starting anew ({} cell(s) replaced)",
                out.display(),
                old.cells.len()
            ));
            return Ok(fresh);
        }
        for (_, info) in interps {
            let same_image = |o: &InterpInfo| {
                o.image.as_ref().map(|i| &i.inputs_hash)
                    == info.image.as_ref().map(|i| &i.inputs_hash)
                    && o.flags == info.flags
            };
            if let Some(o) = old.interpreters.iter().find(|o| o.id == info.id) {
                if !same_image(o) {
                    crate::output::info(format!(
                        "{}: its image changed; its cells are run again",
                        info.id
                    ));
                    old.cells.retain(|c| c.interp != info.id);
                }
            }
            old.interpreters.retain(|o| o.id != info.id);
            old.interpreters.push(info.clone());
        }
        old.interpreters.sort_by(|a, b| a.id.cmp(&b.id));
        old.command = command;
        old.git_rev = git_rev;
        Ok(old)
    }
}

/// Why the cells of `old` cannot be added to by a run on `fingerprint` with these probe
/// parameters (their floors would not be comparable), or `None`.
pub fn incompatible(
    old: &FloorFile,
    fingerprint: &str,
    iterations: u32,
    timeout_s: f64,
) -> Option<String> {
    if old.machine.fingerprint != fingerprint {
        Some(format!(
            "its cells come from machine {}, this is {fingerprint}",
            old.machine.fingerprint
        ))
    } else if old.iterations != iterations || old.timeout_s != timeout_s {
        Some(format!(
            "its cells were probed with --iterations {} --timeout {}, this run asks for \
             --iterations {iterations} --timeout {timeout_s}",
            old.iterations, old.timeout_s
        ))
    } else {
        None
    }
}

/// `results/floor.json` for `analyse` to attach to the summary: `None` (saying why) when it is
/// absent or from another machine; an error when it is unreadable.
pub fn attach(
    root: &Path,
    summary: &whichpy_wire::summary::Summary,
) -> anyhow::Result<Option<FloorFile>> {
    let path = root.join(FLOOR);
    if !path.exists() {
        return Ok(None);
    }
    let file = FloorFile::read(&path)?;
    if file.machine.fingerprint != summary.environment.machine.fingerprint {
        crate::output::info(format!(
            "note: {FLOOR} comes from machine {} and the runs from {}; the floor is left out \
             of the summary (rerun `cargo xtask floor` here)",
            file.machine.fingerprint, summary.environment.machine.fingerprint
        ));
        return Ok(None);
    }
    crate::output::info(format!(
        "{FLOOR}: {} cell(s) attached to the summary",
        file.cells.len()
    ));
    Ok(Some(file))
}

/// One probe: one process execution under `limit_kib`.
fn run_probe(
    backend: &mut DockerBackend,
    interp: &Interpreter,
    base: &CellSpec,
    method: FloorMethod,
    limit_kib: u64,
    cancel: &AtomicBool,
) -> FloorProbe {
    let mut spec = base.clone();
    match method {
        FloorMethod::Heap => {
            spec.interp.flags.push("-X".into());
            spec.interp.flags.push(format!("heapsize={limit_kib}K"));
            backend.config_mut().sandbox.memory_bytes = crate::docker::DEFAULT_MEMORY_BYTES;
        }
        FloorMethod::ContainerMemory => {
            backend.config_mut().sandbox.memory_bytes = (limit_kib * 1024) as i64;
        }
    }
    let mut rec: Option<ExecRecord> = None;
    let ran = backend.run_cell(interp, &spec, cancel, &mut |r| {
        rec.get_or_insert(r);
        Ok(())
    });
    let err = ran.err().map(|e| format!("{e:#}"));
    FloorProbe {
        limit_kib,
        outcome: classify(rec.as_ref(), err.as_deref()),
        max_rss_kib: rec.as_ref().map_or(0, |r| r.max_rss_kib),
    }
}

/// The file's result from the search's answer, with how the last failure failed.
fn result_of(found: Found, probes: &[FloorProbe]) -> FloorResult {
    let failure_at = |limit: u64| {
        probes
            .iter()
            .rev()
            .find(|p| p.limit_kib == limit && !p.outcome.is_ok())
            .map(|p| p.outcome.clone())
            .unwrap_or(ProbeOutcome::Failed {
                label: "unknown".into(),
                detail: String::new(),
            })
    };
    match found {
        Found::Floor { fits, fails } => FloorResult::Floor {
            fits_kib: fits,
            fails_kib: fails,
            failure: failure_at(fails),
        },
        Found::AtOrBelowLower { lower } => FloorResult::AtOrBelowLower { lower_kib: lower },
        Found::AboveUpper { upper } => FloorResult::AboveUpper {
            upper_kib: upper,
            failure: failure_at(upper),
        },
    }
}

/// One line per finished cell.
fn describe(cell: &FloorCell) -> String {
    let what = match cell.method {
        FloorMethod::Heap => "heap",
        FloorMethod::ContainerMemory => "container memory",
    };
    let head = format!("{} × {} ({}):", cell.interp, cell.workload, cell.size);
    let tail = format!("[{} probes, {:.0} s]", cell.probes.len(), cell.wall_s);
    match &cell.result {
        FloorResult::Floor {
            fits_kib,
            fails_kib,
            failure,
        } => format!(
            "{head} runs in {fits_kib} KiB of {what} (step {} KiB); at {fails_kib} KiB: {} {tail}",
            cell.step_kib,
            failure.label()
        ),
        FloorResult::AtOrBelowLower { lower_kib } => {
            format!("{head} runs even in {lower_kib} KiB of {what}, the lower bound {tail}")
        }
        FloorResult::AboveUpper { upper_kib, failure } => format!(
            "{head} does not run in {upper_kib} KiB of {what}: {} {tail}",
            failure.label()
        ),
        FloorResult::Unsupported { reason } => format!("{head} unsupported: {reason}"),
    }
}

fn write_file(out: &Path, file: &FloorFile) -> anyhow::Result<()> {
    crate::project::write_json_atomic(out, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_memory_is_told_apart_from_other_failures() {
        let rec = |outcome: Outcome, stderr: &str| ExecRecord {
            schema: whichpy_wire::SCHEMA,
            interp: "micropython-1.25".into(),
            workload: "nbody".into(),
            size: SizeName::Quick,
            process: 0,
            outcome,
            iterations_ns: Vec::new(),
            wall_ns: 1,
            user_ns: 0,
            sys_ns: 0,
            max_rss_kib: 0,
            checksum: None,
            clock: None,
            implementation: None,
            stderr_tail: stderr.into(),
            loops: 1,
            noise: None,
            load: Vec::new(),
            mcu: None,
            probes_ns: Vec::new(),
        };
        assert_eq!(
            classify(Some(&rec(Outcome::Ok, "")), None),
            ProbeOutcome::Fits
        );
        assert_eq!(
            classify(Some(&rec(Outcome::OutOfMemory, "")), None),
            ProbeOutcome::OomKilled
        );
        let crashed = Outcome::Crashed {
            exit_code: Some(1),
            signal: None,
        };
        assert_eq!(
            classify(
                Some(&rec(
                    crashed.clone(),
                    "MemoryError: memory allocation failed, allocating 1024 bytes"
                )),
                None
            ),
            ProbeOutcome::MemoryError
        );
        assert!(matches!(
            classify(Some(&rec(crashed, "ValueError: x")), None),
            ProbeOutcome::Failed { .. }
        ));
        assert_eq!(
            classify(
                None,
                Some("bench-runner exited with 137 (the container hit its memory limit)")
            ),
            ProbeOutcome::OomKilled
        );
    }

    /// `floor` with these probe parameters, writing `out`.
    fn floor(timeout: f64, redo: bool, out: &Path) -> Floor {
        Floor {
            interps: vec![],
            workloads: vec![],
            size: SizeArg::Default,
            iterations: 3,
            timeout,
            heap_step: 1,
            memory_step: 1024,
            redo,
            out: out.to_owned(),
        }
    }

    #[test]
    fn a_rerun_with_another_timeout_keeps_the_finished_cells_or_says_how_to_replace_them() {
        // Issue 29: rerunning with another --timeout silently dropped every finished cell.
        let root = project::root();
        let committed = FloorFile::read(&root.join(FLOOR)).unwrap();
        assert!(!committed.cells.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("floor.json");
        std::fs::copy(root.join(FLOOR), &out).unwrap();
        let sh = Shell::new().unwrap();
        let machine = committed.machine.clone();
        let other = committed.timeout_s + 60.0;

        let e = floor(other, false, &out)
            .start_file(&sh, &out, machine.clone(), &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("--timeout {}", committed.timeout_s)),
            "{e}"
        );
        assert!(
            e.contains(&format!(
                "{} finished cell(s) would be lost",
                committed.cells.len()
            )),
            "{e}"
        );
        assert!(e.contains("add --redo"), "{e}");
        // The file is untouched.
        assert_eq!(FloorFile::read(&out).unwrap(), committed);

        // Same parameters: the cells are kept to be added to.
        let kept = floor(committed.timeout_s, false, &out)
            .start_file(&sh, &out, machine.clone(), &[])
            .unwrap();
        assert_eq!(kept.cells, committed.cells);
        // --redo with other parameters: explicitly anew.
        let anew = floor(other, true, &out)
            .start_file(&sh, &out, machine.clone(), &[])
            .unwrap();
        assert!(anew.cells.is_empty() && anew.timeout_s == other);
        // Another machine is refused alike.
        let mut elsewhere = machine;
        elsewhere.fingerprint = "0123456789ab".into();
        let e = floor(committed.timeout_s, false, &out)
            .start_file(&sh, &out, elsewhere, &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("come from machine"), "{e}");
    }
}
