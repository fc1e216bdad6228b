//! `--backend docker`: each cell runs in a fresh sandboxed container of its interpreter's
//! image, with bench-runner inside doing all the timing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{bail, Context};
use whichpy_wire::{BackendKind, CellGroup, CellSpec, ExecRecord, ImplInfo, InterpInfo};

use super::{Engine, RunEnd, RunRequest, Sandbox};
use crate::backend::Backend;
use crate::catalogue::Interpreter;
use crate::images::{self, Built, ImageKey, Inputs};

pub const RUNNER_IN_IMAGE: &str = "/opt/whichpy/bench-runner";
pub const HARNESS_IN_IMAGE: &str = "/opt/whichpy/harness.py";
pub const WORKLOADS_IN_IMAGE: &str = "/opt/whichpy/workloads";

/// `sh -c` script of a cell container: `$1` is the spec, the rest the interpreter and its
/// flags. The spec stays a shell variable (not exported): the environment the interpreter
/// sees is the same as on the host, apart from the image's ENV.
const PRIME_THEN_RUN: &str = "spec=$1; shift; /opt/whichpy/bench-runner identify \
    --harness /opt/whichpy/harness.py -- \"$@\" >/dev/null 2>&1 </dev/null; \
    exec /opt/whichpy/bench-runner cell \"$spec\"";

/// What a cell container may take beyond its process executions' timeouts: the untimed
/// priming run, container start-up and bench-runner's own work.
pub const CELL_MARGIN: Duration = Duration::from_secs(120);
/// The longest an identify or probe container may run.
pub const PROBE_DEADLINE: Duration = Duration::from_secs(300);

/// The deadline of a cell's container, enforced from xtask: bench-runner kills each process
/// execution at its timeout, so the whole container needs at most processes × timeout (for
/// startup cells, the startup count is `processes`) plus [`CELL_MARGIN`].
pub fn cell_deadline(spec: &CellSpec) -> Duration {
    Duration::from_secs_f64(spec.timeout_s.max(0.0) * f64::from(spec.processes.max(1)))
        + CELL_MARGIN
}

/// The deadline of a group's container: every slot's timeout plus [`CELL_MARGIN`].
pub fn group_deadline(group: &CellGroup) -> Duration {
    let slots: f64 = group
        .order
        .iter()
        .filter_map(|&i| group.cells.get(i as usize))
        .map(|c| c.timeout_s.max(0.0))
        .sum();
    Duration::from_secs_f64(slots) + CELL_MARGIN
}

/// Default memory limit of a container (swap is off: `memory_swap = memory`).
pub const DEFAULT_MEMORY_BYTES: i64 = 2 << 30;
pub const DEFAULT_PIDS_LIMIT: i64 = 256;

/// What the docker backend builds from and how it confines containers.
#[derive(Clone, Debug)]
pub struct DockerConfig {
    pub inputs: Inputs,
    pub sandbox: Sandbox,
}

impl DockerConfig {
    /// The repository's inputs and the default sandbox: 2 GiB, 256 pids, pinned to one core
    /// (the highest-numbered this process may run on) when it may run on two or more.
    pub fn new(inputs: Inputs) -> DockerConfig {
        DockerConfig {
            inputs,
            sandbox: Sandbox {
                memory_bytes: DEFAULT_MEMORY_BYTES,
                pids_limit: DEFAULT_PIDS_LIMIT,
                cpuset: bench_cpuset(),
                tmp_size: "512m".into(),
                user: "65534:65534".into(),
            },
        }
    }
}

pub struct DockerBackend {
    engine: Engine,
    config: DockerConfig,
    /// Images already ensured in this process, by suite and packages.
    images: HashMap<ImageKey, Built>,
    /// The first interpreter prepared: the machine is read in a container of its image.
    prepared: Option<Interpreter>,
}

/// `sh -c` script of the machine probe: the CPU model and governor are not in `docker info`,
/// so a container reads them from the engine's host (a container shares its kernel's `/proc`
/// and `/sys`). The governor's line is marked, because it may be absent (most VMs).
const MACHINE_PROBE: &str = "cat /proc/cpuinfo; \
    g=$(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null) \
    && echo \"whichpy-governor: $g\"; true";

/// The machine from the engine's `docker info` and the probe container's output.
pub fn engine_machine(system: &super::EngineSystem, probe_out: &str) -> whichpy_wire::Machine {
    let governor = probe_out
        .lines()
        .find_map(|l| l.strip_prefix("whichpy-governor: "))
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty());
    crate::machine::assemble(
        crate::machine::cpu_model(probe_out),
        system.cores,
        system.kernel.clone(),
        system.os.clone(),
        system.memory_kib,
        governor,
    )
}

impl DockerBackend {
    /// Connect to the engine (a clear error when there is none) and build bench-runner for
    /// the images.
    pub fn connect(sh: &xshell::Shell, root: &Path) -> anyhow::Result<DockerBackend> {
        let engine = Engine::connect()?;
        match engine.sweep_orphans() {
            Ok(0) => {}
            Ok(n) => crate::output::info(format!(
                "removed {n} container(s) left behind by an interrupted run"
            )),
            Err(e) => crate::output::warning(None, format!("{e:#}")),
        }
        let runner = crate::project::build_runner(sh, root)?;
        let inputs = Inputs::for_repo(root, runner)?;
        let mut config = DockerConfig::new(inputs);
        if engine.is_remote() {
            // This process's affinity says nothing of the engine's machine: pin to its cores.
            let system = engine.system()?;
            let all: Vec<usize> = (0..system.cores as usize).collect();
            config.sandbox.cpuset = crate::backend::cpuset_list(&crate::backend::bench_cpus(&all));
            crate::output::info(format!(
                "engine at {} ({}, {} cores): containers pinned to CPU {}",
                engine.host(),
                system.os,
                system.cores,
                config.sandbox.cpuset
            ));
        }
        Ok(DockerBackend::new(engine, config))
    }

    pub fn new(engine: Engine, config: DockerConfig) -> DockerBackend {
        DockerBackend {
            engine,
            config,
            images: HashMap::new(),
            prepared: None,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn config_mut(&mut self) -> &mut DockerConfig {
        &mut self.config
    }

    /// The image of an interpreter, built or reused.
    pub fn image(&mut self, interp: &Interpreter) -> anyhow::Result<Built> {
        let key = ImageKey::of(interp).with_context(|| {
            format!(
                "{} is a host interpreter; it runs only with --backend native",
                interp.id
            )
        })?;
        if let Some(b) = self.images.get(&key) {
            return Ok(b.clone());
        }
        let built = images::ensure(&self.engine, &self.config.inputs, &key)?;
        if built.reused {
            crate::output::info(format!("  image {} reused (inputs unchanged)", built.name));
        }
        for (volume, _) in usr_volumes(&built) {
            self.engine.ensure_volume(&volume, "usr")?;
        }
        self.images.insert(key, built.clone());
        Ok(built)
    }

    /// Run `cmd` in a sandboxed container of `interp`'s image; returns its stdout and how it
    /// ended. Used to identify interpreters, and by tests to probe the sandbox.
    pub fn run_probe(
        &mut self,
        interp: &Interpreter,
        cmd: Vec<String>,
    ) -> anyhow::Result<(String, RunEnd)> {
        let image = self.image(interp)?;
        let req = RunRequest {
            image: image.name.clone(),
            cmd,
            role: "probe".into(),
            sandbox: self.config.sandbox.clone(),
            volumes: usr_volumes(&image),
            cap_add: Vec::new(),
            deadline: Some(PROBE_DEADLINE),
        };
        let mut out = String::new();
        let end = self
            .engine
            .run(&req, &AtomicBool::new(false), &mut |line| {
                out.push_str(line);
                out.push('\n');
                Ok(())
            })?;
        Ok((out, end))
    }
}

impl DockerBackend {
    /// Run a profile container of `interp`'s image: the cell sandbox (no network, read-only
    /// root, non-root user, limits, one core), plus the host files in `binds` mounted
    /// read-only and the capabilities in `cap_add` (a profile with py-spy needs `SYS_PTRACE`;
    /// no other container gets any). Returns stdout and how it ended.
    pub fn run_profile(
        &mut self,
        interp: &Interpreter,
        cmd: Vec<String>,
        binds: Vec<(String, String)>,
        cap_add: Vec<String>,
        deadline: Duration,
        cancel: &AtomicBool,
    ) -> anyhow::Result<(String, RunEnd, String)> {
        let image = self.image(interp)?;
        let mut volumes = usr_volumes(&image);
        volumes.extend(binds);
        let req = RunRequest {
            image: image.name.clone(),
            cmd,
            role: "profile".into(),
            sandbox: self.config.sandbox.clone(),
            volumes,
            cap_add,
            deadline: Some(deadline),
        };
        let mut out = String::new();
        let end = self.engine.run(&req, cancel, &mut |line| {
            out.push_str(line);
            out.push('\n');
            Ok(())
        })?;
        Ok((out, end, image.name))
    }
}

impl Backend for DockerBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Docker
    }

    fn prepare(&mut self, interp: &Interpreter) -> anyhow::Result<InterpInfo> {
        let image = self.image(interp)?;
        let mut cmd = vec![
            RUNNER_IN_IMAGE.to_owned(),
            "identify".into(),
            "--harness".into(),
            HARNESS_IN_IMAGE.into(),
        ];
        if let Some(board) = interp.board_spec() {
            // An emulated board: bench-runner boots its firmware in QEMU.
            cmd.extend([
                "--machine".into(),
                board.machine,
                "--firmware".into(),
                board.firmware,
            ]);
        }
        cmd.push("--".into());
        cmd.push(interp.executable.clone());
        cmd.extend(interp.flags.iter().cloned());
        let (out, end) = self.run_probe(interp, cmd)?;
        if self.prepared.is_none() && end.exit_code == 0 {
            self.prepared = Some(interp.clone());
        }
        if end.exit_code != 0 {
            bail!(
                "identifying {} in {} failed (exit {}): {}",
                interp.executable,
                image.name,
                end.exit_code,
                end.stderr_tail.trim()
            );
        }
        let implementation: ImplInfo = serde_json::from_str(out.trim()).with_context(|| {
            format!("bench-runner identify printed something else than JSON: {out}")
        })?;
        let where_ = format!("{} in {}", interp.executable, image.name);
        crate::backend::interp_info(
            interp,
            interp.executable.clone(),
            implementation,
            Some(image.info),
            &where_,
        )
    }

    /// The engine's machine, not this host's: `docker info` (cores, memory, kernel, OS) and
    /// `/proc/cpuinfo` read in a container. On the local engine it is this host, with the
    /// same fingerprint as the native backend's probe; with `DOCKER_HOST=tcp://…`/`ssh://…`
    /// it is the remote machine's.
    fn machine(&mut self) -> anyhow::Result<whichpy_wire::Machine> {
        let system = self.engine.system()?;
        let interp = self.prepared.clone().context(
            "no interpreter image is ready, and the machine is read in a container of one",
        )?;
        let cmd = vec!["/bin/sh".to_owned(), "-c".into(), MACHINE_PROBE.into()];
        let (out, end) = self.run_probe(&interp, cmd)?;
        if end.exit_code != 0 {
            bail!(
                "reading /proc/cpuinfo in a container of {} on the engine at {} failed (exit {}): {}",
                interp.id,
                self.engine.host(),
                end.exit_code,
                end.stderr_tail.trim()
            );
        }
        Ok(engine_machine(&system, &out))
    }

    fn runner_paths(&self) -> (PathBuf, PathBuf) {
        (
            PathBuf::from(HARNESS_IN_IMAGE),
            PathBuf::from(WORKLOADS_IN_IMAGE),
        )
    }

    fn cpus(&self) -> Option<String> {
        Some(self.config.sandbox.cpuset.clone())
    }

    fn run_cell(
        &mut self,
        interp: &Interpreter,
        spec: &CellSpec,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let what = format!(
            "cell {} ({} process executions × {} s timeout",
            spec.key(),
            spec.processes,
            spec.timeout_s
        );
        self.run_runner(
            interp,
            spec,
            serde_json::to_string(spec)?,
            cell_deadline(spec),
            &what,
            cancel,
            on_record,
        )
    }

    fn run_group(
        &mut self,
        interp: &Interpreter,
        group: &CellGroup,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let Some(first) = group.cells.first() else {
            return Ok(());
        };
        let what = format!(
            "a round of {} cells of {} ({} process executions, their timeouts summed",
            group.cells.len(),
            interp.id,
            group.order.len()
        );
        self.run_runner(
            interp,
            first,
            serde_json::to_string(group)?,
            group_deadline(group),
            &what,
            cancel,
            on_record,
        )
    }
}

impl DockerBackend {
    /// One container of `interp`'s image running bench-runner on `json` (a cell or a group);
    /// `spec` stands for them when priming the cache. `what` names the work in errors.
    #[allow(clippy::too_many_arguments)]
    fn run_runner(
        &mut self,
        interp: &Interpreter,
        spec: &CellSpec,
        spec_json: String,
        deadline: Duration,
        what: &str,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let image = self.image(interp)?;
        // Each container starts with a cold page cache (a fresh overlay mount), which would
        // make the first process execution of every cell slow for reasons that have nothing
        // to do with the interpreter. One untimed run of bench-runner and the interpreter
        // primes the cache, as a warm host cache does for the native backend; then
        // bench-runner measures.
        let cmd = if spec.interp.board.is_some() {
            // A board reads nothing from the file system after QEMU starts: no cache to prime.
            vec![RUNNER_IN_IMAGE.to_owned(), "cell".into(), spec_json]
        } else {
            let mut cmd = vec![
                "/bin/sh".to_owned(),
                "-c".into(),
                PRIME_THEN_RUN.into(),
                "whichpy-cell".into(),
                spec_json,
                spec.interp.executable.clone(),
            ];
            cmd.extend(spec.interp.flags.iter().cloned());
            cmd
        };
        let req = RunRequest {
            image: image.name.clone(),
            cmd,
            role: "cell".into(),
            sandbox: self.config.sandbox.clone(),
            volumes: usr_volumes(&image),
            cap_add: Vec::new(),
            deadline: Some(deadline),
        };
        let mut records = 0u32;
        let end = self
            .engine
            .run(&req, cancel, &mut |line| {
                records += 1;
                crate::backend::read_records("container stdout", line.as_bytes(), on_record)
            })
            .with_context(|| {
                format!(
                    "{what} + {} s margin) in {}: deadline {} s; {records} record(s) were written",
                    CELL_MARGIN.as_secs(),
                    image.name,
                    deadline.as_secs(),
                )
            })?;
        if end.cancelled {
            return Ok(());
        }
        if end.exit_code != 0 {
            let why = if end.oom_killed {
                " (the container hit its memory limit)"
            } else {
                ""
            };
            bail!(
                "bench-runner in {} exited with {}{why} after {records} record(s): {}",
                image.name,
                end.exit_code,
                end.stderr_tail.trim()
            );
        }
        Ok(())
    }
}

/// Volumes that hold copies of an image's `/usr/bin` and `/usr/lib` (the interpreters and
/// their libraries; the root file systems are merged-/usr, so `/bin` and `/lib` point there),
/// mounted read-only over them.
///
/// Why: with a FUSE storage driver (fuse-overlayfs, as on the machines this was built on),
/// every file lookup in the image goes through a user-space daemon; an interpreter's startup
/// does hundreds, which made startup 2-3 times slower than native and very noisy under load.
/// A volume is a plain host directory. Volumes are keyed by the root file system's digest,
/// so every image built on the same packages shares them, and the engine fills them from the
/// image the first time a container mounts them. (`/usr/sbin` stays in the image: the
/// engine's init is mounted there.)
pub fn usr_volumes(image: &Built) -> Vec<(String, String)> {
    let hex = image
        .info
        .content_digest
        .trim_start_matches("sha256:")
        .get(..16)
        .unwrap_or("unknown")
        .to_owned();
    ["bin", "lib"]
        .iter()
        .map(|d| (format!("whichpy-usr{d}-{hex}"), format!("/usr/{d}")))
        .collect()
}

/// The cpuset of every container: see [`crate::backend::bench_cpus`].
fn bench_cpuset() -> String {
    let cpus = crate::backend::bench_cpus(&crate::backend::allowed_cpus());
    if cpus.is_empty() {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        return format!("{}", n - 1);
    }
    crate::backend::cpuset_list(&cpus)
}
