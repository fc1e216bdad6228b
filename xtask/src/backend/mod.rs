//! Where interpreters run. The native and docker backends start the same bench-runner with
//! the same [`CellSpec`]; they differ only in where the interpreter comes from. The fake
//! backend ([`fake`]) is a test instrument: it draws records from a seeded model, on a
//! simulated clock.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use whichpy_wire::{BackendKind, CellGroup, CellSpec, ExecRecord, InterpInfo, Machine};

use crate::catalogue::Interpreter;

pub mod fake;
pub mod mcu;
pub mod native;

/// Something that runs a cell: bench-runner on the host or in an image, or the fake
/// backend's model.
pub trait Backend {
    fn kind(&self) -> BackendKind;

    /// Make an interpreter ready to run (find it, or build its image) and ask it what it is.
    /// An error means the interpreter is unavailable here; the run goes on without it.
    fn prepare(&mut self, interp: &Interpreter) -> anyhow::Result<InterpInfo>;

    /// Paths of `harness.py` and the workloads folder as bench-runner sees them.
    fn runner_paths(&self) -> (PathBuf, PathBuf);

    /// The CPUs bench-runner and the interpreters are pinned to (`cpuset` syntax), recorded
    /// in the run's metadata: native, this process's affinity for the child; docker, the
    /// containers' cpuset.
    fn cpus(&self) -> Option<String>;

    /// The machine the interpreters run on, recorded in the run's metadata. This host by
    /// default; the docker backend asks its engine, which may be another machine's
    /// (`DOCKER_HOST=tcp://…` or `ssh://…`).
    fn machine(&mut self) -> anyhow::Result<Machine> {
        Ok(crate::machine::probe())
    }

    /// Seconds, from a fixed origin, on the clock a run's budgets are spent on: the monotonic
    /// clock, except for the fake backend, whose clock is simulated.
    fn clock_s(&self) -> f64 {
        monotonic_s()
    }

    /// Run one cell. Each record is handed to `on_record` as soon as bench-runner prints it,
    /// so an interrupted cell keeps its finished process executions. Returns early, without
    /// error, when `cancel` is set.
    fn run_cell(
        &mut self,
        interp: &Interpreter,
        spec: &CellSpec,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;

    /// Run a round of one interpreter's cells, interleaved slot by slot as `group.order` says
    /// (one bench-runner, one container). By default each slot is a one-process cell of its
    /// own; the docker and native backends hand the whole group to one bench-runner.
    fn run_group(
        &mut self,
        interp: &Interpreter,
        group: &CellGroup,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut next: Vec<u32> = group.cells.iter().map(|c| c.first_process).collect();
        for &i in &group.order {
            if cancel.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(());
            }
            let i = i as usize;
            let mut spec = group.cells[i].clone();
            spec.first_process = next[i];
            spec.processes = 1;
            next[i] += 1;
            self.run_cell(interp, &spec, cancel, on_record)?;
        }
        Ok(())
    }
}

/// Seconds on the monotonic clock since this process first asked.
pub fn monotonic_s() -> f64 {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}

/// The CPUs this process may run on (its affinity), in order; empty if unknown.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it for this process.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let ok =
        // SAFETY: set is a valid cpu_set_t of the size passed.
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) }
            == 0;
    if !ok {
        return Vec::new();
    }
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: CPU_ISSET reads the set filled above, with c < CPU_SETSIZE.
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect()
}

/// The cores a cell runs on: of `allowed`, the highest-numbered one when there are two or
/// more (core 0 and the rest stay for the engine, xtask and the machine), else all of them.
pub fn bench_cpus(allowed: &[usize]) -> Vec<usize> {
    match allowed {
        [] => Vec::new(),
        [only] => vec![*only],
        [.., last] => vec![*last],
    }
}

/// A cpuset list (`0-1,3`) of sorted CPU numbers.
pub fn cpuset_list(cpus: &[usize]) -> String {
    let mut ranges: Vec<String> = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let start = cpus[i];
        let mut end = start;
        while i + 1 < cpus.len() && cpus[i + 1] == end + 1 {
            i += 1;
            end = cpus[i];
        }
        ranges.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    ranges.join(",")
}

/// What a backend records about an interpreter it prepared, after checking that the
/// interpreter is the family the catalogue says (`where_` names it in the error).
pub fn interp_info(
    interp: &Interpreter,
    executable: String,
    implementation: whichpy_wire::ImplInfo,
    image: Option<whichpy_wire::ImageInfo>,
    where_: &str,
) -> anyhow::Result<InterpInfo> {
    if implementation.name != interp.family.as_str() {
        anyhow::bail!(
            "{where_} says it is {}, but the catalogue says {}",
            implementation.name,
            interp.family
        );
    }
    Ok(InterpInfo {
        id: interp.id.clone(),
        family: interp.family,
        label: interp.label.clone(),
        executable,
        flags: interp.flags.clone(),
        implementation,
        caveat: interp.caveat.clone(),
        image,
        suite: interp.suite.clone(),
        variant_of: interp.variant_of.clone(),
    })
}

/// Read bench-runner's stdout: each line must be an `exec` record.
pub fn read_records(
    source: &str,
    reader: impl std::io::BufRead,
    on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let path = std::path::Path::new(source);
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = whichpy_wire::parse::parse_jsonl_tagged(path, &line, |l, v| {
            whichpy_wire::parse::from_value::<ExecRecord>(path, l + i, v)
        })?;
        for (_, rec) in parsed {
            if rec.schema != whichpy_wire::SCHEMA {
                anyhow::bail!(
                    "{source}: record schema {} is not supported (this build reads {}); \
                     rebuild bench-runner and the images (`cargo xtask images`)",
                    rec.schema,
                    whichpy_wire::SCHEMA
                );
            }
            on_record(rec)?;
        }
    }
    Ok(())
}

/// Open the backend the user asked for. `auto` falls back to native, saying why. The fake
/// backend needs its model file (`fake_model`).
pub fn connect(
    sh: &xshell::Shell,
    root: &std::path::Path,
    choice: crate::bench::BackendChoice,
    fake_model: Option<&std::path::Path>,
) -> anyhow::Result<Box<dyn Backend>> {
    use crate::bench::BackendChoice;
    let native = |sh: &xshell::Shell| -> anyhow::Result<Box<dyn Backend>> {
        Ok(Box::new(native::Native::new(
            root,
            crate::project::build_runner(sh, root)?,
        )))
    };
    match choice {
        BackendChoice::Native => native(sh),
        BackendChoice::Fake => {
            let Some(model) = fake_model else {
                anyhow::bail!(
                    "--backend fake needs --fake-model FILE (see xtask/src/backend/fake.rs)"
                );
            };
            crate::output::info(format!(
                "backend: fake (records drawn from {}, not measured)",
                model.display()
            ));
            Ok(Box::new(fake::Fake::open(model)?))
        }
        BackendChoice::Docker => Ok(Box::new(crate::docker::DockerBackend::connect(sh, root)?)),
        // Boards in their image when the engine answers, else on this host.
        BackendChoice::Mcu => Ok(Box::new(mcu::Mcu::over(connect(
            sh,
            root,
            BackendChoice::Auto,
            None,
        )?))),
        BackendChoice::Auto => match crate::docker::DockerBackend::connect(sh, root) {
            Ok(b) => {
                crate::output::info("backend: docker (the engine answered)");
                Ok(Box::new(b))
            }
            Err(e) => {
                crate::output::warning(
                    None,
                    format!("backend: native, because the Docker engine is not usable: {e:#}"),
                );
                native(sh)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_gets_the_highest_core_when_there_are_two_or_more() {
        assert_eq!(bench_cpus(&[0, 1]), vec![1]);
        assert_eq!(bench_cpus(&[0, 2, 5]), vec![5]);
        assert_eq!(bench_cpus(&[3]), vec![3]);
        assert_eq!(bench_cpus(&[]), Vec::<usize>::new());
        assert_eq!(cpuset_list(&[0, 1, 2, 4, 6, 7]), "0-2,4,6-7");
        assert_eq!(cpuset_list(&[1]), "1");
    }
}
