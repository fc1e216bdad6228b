//! The only module that talks to the Docker engine (through bollard).
//!
//! [`Engine`] owns the client and a small tokio runtime; the rest of xtask is synchronous and
//! calls it with plain types. Every bollard error is wrapped with the operation it came from,
//! because bollard's own messages rarely say what was being done.
//!
//! Everything whichpy creates in the engine carries the label [`LABEL`] (value: what it is),
//! so `cargo xtask clean` can find and remove it, and every container is removed on every path
//! (success, error, Ctrl-C, panic: see [`ContainerGuard`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use bollard::errors::Error as BollardError;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    BuildImageOptionsBuilder, CreateContainerOptionsBuilder, CreateImageOptionsBuilder,
    ListContainersOptionsBuilder, ListImagesOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, RemoveImageOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;

mod backend;

pub use backend::{
    cell_deadline, engine_machine, usr_volumes, DockerBackend, DockerConfig, CELL_MARGIN,
    DEFAULT_MEMORY_BYTES, HARNESS_IN_IMAGE, PROBE_DEADLINE, RUNNER_IN_IMAGE, WORKLOADS_IN_IMAGE,
};

/// Label key on every container and image whichpy creates. Its value says what the object is:
/// `rootfs` and `image` for images, `cell`, `identify` or `probe` for containers.
pub const LABEL: &str = "whichpy";
/// Label with the id of the process that created a container (tests use it to find theirs).
pub const LABEL_PID: &str = "whichpy.pid";

/// How long the engine gets to answer a ping before we call it "not answering".
const PING_TIMEOUT: Duration = Duration::from_secs(3);
/// Importing a rootfs sends the response headers only at the end: give it time.
const IMPORT_TIMEOUT_S: u64 = 900;
/// A build copies a ~10 MB context and runs no commands; this covers slow disks.
const BUILD_TIMEOUT_S: u64 = 600;

/// A connection to the Docker engine.
pub struct Engine {
    rt: tokio::runtime::Runtime,
    docker: Docker,
    host: String,
}

/// An image as the engine describes it.
#[derive(Clone, Debug)]
pub struct ImageDetails {
    pub id: String,
    pub labels: HashMap<String, String>,
    /// Layer digests (`RootFS.Layers`), bottom first.
    pub layers: Vec<String>,
}

/// A labelled object found by [`Engine::list_labelled_containers`] or
/// [`Engine::list_labelled_images`].
#[derive(Clone, Debug)]
pub struct Labelled {
    pub id: String,
    pub names: Vec<String>,
    pub labels: HashMap<String, String>,
}

/// The engine's default seccomp profile (moby 20.10's `profiles/seccomp/default.json`, as
/// Debian's docker.io 20.10.24 ships it; Apache-2.0) with one change: `ptrace` is allowed only
/// with `CAP_SYS_PTRACE`, like `process_vm_readv`/`process_vm_writev`, `kcmp` and
/// `pidfd_getfd` already are. The default allows `ptrace` to everyone on kernels ≥ 4.8, so a
/// workload could attach to its measurer (same uid); every whichpy container drops all
/// capabilities, and only a profile container adds `SYS_PTRACE` back for py-spy.
pub fn seccomp_profile() -> &'static str {
    static PROFILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PROFILE.get_or_init(|| {
        let mut p: serde_json::Value =
            serde_json::from_str(include_str!("seccomp-moby-20.10.json"))
                .expect("the committed seccomp profile is JSON");
        let rules = p["syscalls"]
            .as_array_mut()
            .expect("a seccomp profile has syscalls");
        for rule in rules.iter_mut() {
            let gated = rule["includes"]["caps"]
                .as_array()
                .is_some_and(|c| !c.is_empty());
            if !gated {
                if let Some(names) = rule["names"].as_array_mut() {
                    names.retain(|n| n != "ptrace");
                }
            }
        }
        rules.retain(|r| r["names"].as_array().is_some_and(|n| !n.is_empty()));
        p.to_string()
    })
}

/// Limits and isolation of a container. Every container whichpy starts runs with all of them:
/// no network, a read-only root with a tmpfs `/tmp`, a read-only `/dev/shm`, a non-root user,
/// no capabilities, no-new-privileges, and pids, memory (no swap) and CPU limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Sandbox {
    /// Memory limit in bytes; swap is set to the same value, so the container cannot swap.
    pub memory_bytes: i64,
    pub pids_limit: i64,
    /// CPUs the container may run on (`cpuset` syntax, e.g. `0-1` or `1`).
    pub cpuset: String,
    /// Size of the tmpfs mounted on `/tmp` (counts against the memory limit).
    pub tmp_size: String,
    /// `uid:gid` the process runs as.
    pub user: String,
}

/// One container to run to completion.
#[derive(Clone, Debug)]
pub struct RunRequest {
    pub image: String,
    pub cmd: Vec<String>,
    /// Value of the [`LABEL`] label (`cell`, `identify`, `probe`).
    pub role: String,
    pub sandbox: Sandbox,
    /// Named volumes (or absolute host paths) mounted read-only: (source, path in the
    /// container).
    pub volumes: Vec<(String, String)>,
    /// Capabilities added back after dropping all: empty for every container but a profile's
    /// (`SYS_PTRACE`, which py-spy needs to read the interpreter's memory).
    pub cap_add: Vec<String>,
    /// The longest the container may run, from its start. Past it, the container is killed
    /// and [`Engine::run`] returns an error saying so (the caller adds which cell it was).
    pub deadline: Option<Duration>,
}

/// The machine an engine runs on, as `docker info` describes it (the CPU model is not there:
/// the docker backend reads it from `/proc/cpuinfo` inside a container).
#[derive(Clone, Debug, PartialEq)]
pub struct EngineSystem {
    /// CPUs the engine may use (`NCPU`).
    pub cores: u32,
    /// `MemTotal`, in KiB as `/proc/meminfo` gives it.
    pub memory_kib: u64,
    /// `KernelVersion` (the release, as `/proc/sys/kernel/osrelease`).
    pub kernel: String,
    /// `OperatingSystem` (the host's `PRETTY_NAME`).
    pub os: String,
}

/// How a container ended.
#[derive(Clone, Debug, Default)]
pub struct RunEnd {
    pub exit_code: i64,
    /// The kernel killed a process of the container for memory.
    pub oom_killed: bool,
    /// Stopped because the cancel flag was set; the container was killed.
    pub cancelled: bool,
    /// The last few KiB of the container's stderr.
    pub stderr_tail: String,
}

/// What the log-reading task sends to the caller's thread.
enum Event {
    Line(String),
    Stderr(Vec<u8>),
    Done(anyhow::Result<i64>),
}

impl Engine {
    /// Connect and ping. The error says whether there is no engine at all or one that does
    /// not answer, and offers `--backend native`.
    pub fn connect() -> anyhow::Result<Engine> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("whichpy-docker")
            .enable_all()
            .build()
            .context("starting the tokio runtime for the Docker client")?;
        let host = std::env::var("DOCKER_HOST")
            .unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned());
        let docker = {
            // bollard's unix client spawns on the current runtime, so build it inside one.
            let _enter = rt.enter();
            match Docker::connect_with_defaults() {
                Ok(d) => d,
                Err(BollardError::SocketNotFoundError(path)) => bail!(
                    "no Docker engine: the socket {path} does not exist (install and start one: \
                     `apt-get install docker.io`, or set DOCKER_HOST); or use --backend native"
                ),
                Err(e) => {
                    bail!("cannot set up a Docker client for {host}: {e}; use --backend native")
                }
            }
        };
        let docker = rt
            .block_on(async {
                tokio::time::timeout(PING_TIMEOUT, async {
                    docker.ping().await?;
                    // The engine may be older than bollard's default API version (1.41 here).
                    docker.negotiate_version().await
                })
                .await
            })
            .map_err(|_| {
                anyhow!(
                    "the Docker engine at {host} is not answering (no reply to a ping within {} s); \
                     check it with `docker info`, or use --backend native",
                    PING_TIMEOUT.as_secs()
                )
            })?
            .map_err(|e| {
                let what_to_do = if host.starts_with("unix://") {
                    "start it (`service docker start`)".to_owned()
                } else {
                    // Another machine's engine (DOCKER_HOST): nothing to start here.
                    format!(
                        "check that it answers from here (`DOCKER_HOST={host} docker info`; for \
                         ssh://, that `ssh` logs in without a prompt)"
                    )
                };
                anyhow!(
                    "the Docker engine at {host} is not answering: {e}; {what_to_do}, \
                     or use --backend native"
                )
            })?;
        Ok(Engine { rt, docker, host })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// The engine runs on another machine (or at least is reached over the network):
    /// `DOCKER_HOST` is `tcp://`, `ssh://`, `http(s)://`, not a local socket. Then this
    /// machine's `/proc` says nothing about where the containers run.
    pub fn is_remote(&self) -> bool {
        !(self.host.starts_with("unix://") || self.host.starts_with("npipe://"))
    }

    /// What the engine says of the machine it runs on (`docker info`).
    pub fn system(&self) -> anyhow::Result<EngineSystem> {
        let info = self
            .rt
            .block_on(self.docker.info())
            .with_context(|| format!("asking the engine at {} about its machine", self.host))?;
        Ok(EngineSystem {
            cores: info.ncpu.and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
            memory_kib: info
                .mem_total
                .and_then(|b| u64::try_from(b).ok())
                .map_or(0, |b| b / 1024),
            kernel: info.kernel_version.unwrap_or_else(|| "unknown".into()),
            os: info.operating_system.unwrap_or_else(|| "unknown".into()),
        })
    }

    /// `Docker 20.10.24 (API 1.41)`.
    pub fn version(&self) -> anyhow::Result<String> {
        let v = self
            .rt
            .block_on(self.docker.version())
            .with_context(|| format!("asking the engine at {} for its version", self.host))?;
        Ok(format!(
            "Docker {} (API {})",
            v.version.unwrap_or_else(|| "?".into()),
            v.api_version.unwrap_or_else(|| "?".into())
        ))
    }

    /// The image with this name or id, or `None` when the engine has no such image.
    pub fn inspect_image(&self, name: &str) -> anyhow::Result<Option<ImageDetails>> {
        match self.rt.block_on(self.docker.inspect_image(name)) {
            Ok(img) => Ok(Some(ImageDetails {
                id: img.id.unwrap_or_default(),
                labels: img.config.and_then(|c| c.labels).unwrap_or_default(),
                layers: img.root_fs.and_then(|r| r.layers).unwrap_or_default(),
            })),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("inspecting image {name}")),
        }
    }

    /// Import a root file system tarball as image `tag` (`docker import`), with labels.
    /// `on_status` sees the engine's progress messages.
    pub fn import_rootfs(
        &self,
        tarball: Vec<u8>,
        tag: &str,
        labels: &[(String, String)],
        on_status: &mut dyn FnMut(&str),
    ) -> anyhow::Result<String> {
        let (repo, version) = tag.split_once(':').unwrap_or((tag, "latest"));
        let changes: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("LABEL {k}={}", serde_json::to_string(v).expect("a string")))
            .collect();
        let options = CreateImageOptionsBuilder::default()
            .from_src("-")
            .repo(repo)
            .tag(version)
            .changes(changes)
            .build();
        let docker = self
            .docker
            .clone()
            .with_timeout(Duration::from_secs(IMPORT_TIMEOUT_S));
        let body = bollard::body_full(bytes::Bytes::from(tarball));
        self.rt
            .block_on(async {
                let mut stream = docker.create_image(Some(options), Some(body), None);
                while let Some(item) = stream.next().await {
                    let info = item?;
                    if let Some(s) = info.status {
                        on_status(&s);
                    }
                }
                Ok::<_, BollardError>(())
            })
            .with_context(|| format!("importing the root file system as {tag}"))?;
        let img = self
            .inspect_image(tag)?
            .with_context(|| format!("the engine imported {tag} but does not know it"))?;
        Ok(img.id)
    }

    /// Build image `tag` from an in-memory tar context. `on_line` sees each line of build
    /// output; a failure names the step that failed.
    pub fn build_image(
        &self,
        context: Vec<u8>,
        tag: &str,
        build_args: &HashMap<String, String>,
        labels: &HashMap<String, String>,
        on_line: &mut dyn FnMut(&str),
    ) -> anyhow::Result<String> {
        let options = BuildImageOptionsBuilder::default()
            .dockerfile("Dockerfile")
            .t(tag)
            .rm(true)
            .forcerm(true)
            .buildargs(build_args)
            .labels(labels)
            .build();
        let docker = self
            .docker
            .clone()
            .with_timeout(Duration::from_secs(BUILD_TIMEOUT_S));
        let body = bollard::body_full(bytes::Bytes::from(context));
        let mut step = String::from("(before the first step)");
        let mut image_id: Option<String> = None;
        let result = self.rt.block_on(async {
            let mut stream = docker.build_image(options, None, Some(body));
            while let Some(item) = stream.next().await {
                let info = item?;
                if let Some(s) = info.stream.as_deref() {
                    for line in s.lines().filter(|l| !l.trim().is_empty()) {
                        if line.starts_with("Step ") {
                            step = line.to_owned();
                        }
                        on_line(line);
                    }
                }
                if let Some(id) = info.aux.and_then(|a| a.id) {
                    image_id = Some(id);
                }
            }
            Ok::<_, BollardError>(())
        });
        if let Err(e) = result {
            let detail = match e {
                BollardError::DockerStreamError { error } => error,
                other => other.to_string(),
            };
            bail!("building {tag} failed at `{step}`: {}", detail.trim());
        }
        match image_id {
            Some(id) => Ok(id),
            None => Ok(self
                .inspect_image(tag)?
                .with_context(|| format!("the build of {tag} reported no image"))?
                .id),
        }
    }

    /// Remove an image (and untag it). Missing images are not an error.
    pub fn remove_image(&self, name: &str) -> anyhow::Result<()> {
        let options = RemoveImageOptionsBuilder::default().force(true).build();
        match self
            .rt
            .block_on(self.docker.remove_image(name, Some(options), None))
        {
            Ok(_) => Ok(()),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing image {name}")),
        }
    }

    /// Create a named volume unless it exists. An empty volume mounted where the image has
    /// files is filled with them by the engine when the first container starts.
    pub fn ensure_volume(&self, name: &str, role: &str) -> anyhow::Result<()> {
        let request = bollard::models::VolumeCreateRequest {
            name: Some(name.to_owned()),
            labels: Some(HashMap::from([(LABEL.to_owned(), role.to_owned())])),
            ..Default::default()
        };
        self.rt
            .block_on(self.docker.create_volume(request))
            .with_context(|| format!("creating volume {name}"))?;
        Ok(())
    }

    /// Names of the volumes that carry the [`LABEL`] label.
    pub fn list_labelled_volumes(&self) -> anyhow::Result<Vec<String>> {
        let filters = HashMap::from([("label".to_owned(), vec![LABEL.to_owned()])]);
        let options = bollard::query_parameters::ListVolumesOptionsBuilder::default()
            .filters(&filters)
            .build();
        let list = self
            .rt
            .block_on(self.docker.list_volumes(Some(options)))
            .context("listing whichpy's volumes")?;
        Ok(list
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.name)
            .collect())
    }

    pub fn remove_volume(&self, name: &str) -> anyhow::Result<()> {
        match self.rt.block_on(
            self.docker
                .remove_volume(name, None::<bollard::query_parameters::RemoveVolumeOptions>),
        ) {
            Ok(()) => Ok(()),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing volume {name}")),
        }
    }

    /// Containers (running or not) that carry the [`LABEL`] label, optionally also `extra`
    /// (`key=value`).
    pub fn list_labelled_containers(&self, extra: Option<&str>) -> anyhow::Result<Vec<Labelled>> {
        let mut label = vec![LABEL.to_owned()];
        label.extend(extra.map(str::to_owned));
        let filters = HashMap::from([("label".to_owned(), label)]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let list = self
            .rt
            .block_on(self.docker.list_containers(Some(options)))
            .context("listing whichpy's containers")?;
        Ok(list
            .into_iter()
            .map(|c| Labelled {
                id: c.id.unwrap_or_default(),
                names: c.names.unwrap_or_default(),
                labels: c.labels.unwrap_or_default(),
            })
            .collect())
    }

    /// Images that carry the [`LABEL`] label.
    pub fn list_labelled_images(&self) -> anyhow::Result<Vec<Labelled>> {
        let filters = HashMap::from([("label".to_owned(), vec![LABEL.to_owned()])]);
        let options = ListImagesOptionsBuilder::default()
            .all(false)
            .filters(&filters)
            .build();
        let list = self
            .rt
            .block_on(self.docker.list_images(Some(options)))
            .context("listing whichpy's images")?;
        Ok(list
            .into_iter()
            .map(|i| Labelled {
                id: i.id,
                names: i.repo_tags,
                labels: i.labels,
            })
            .collect())
    }

    /// Remove a container, killing it first if it runs. Missing containers are not an error.
    pub fn remove_container(&self, id: &str) -> anyhow::Result<()> {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match self
            .rt
            .block_on(self.docker.remove_container(id, Some(options)))
        {
            Ok(()) => Ok(()),
            Err(BollardError::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            // Already being removed by a concurrent call (e.g. `clean` during a run).
            Err(BollardError::DockerResponseServerError {
                status_code: 409, ..
            }) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing container {}", short(id))),
        }
    }

    /// Remove containers left by a whichpy process that no longer exists (a run killed by a
    /// second Ctrl-C, say). Containers of live processes (a concurrent run) are left alone.
    pub fn sweep_orphans(&self) -> anyhow::Result<usize> {
        let mut removed = 0;
        for c in self.list_labelled_containers(None)? {
            let Some(pid) = c.labels.get(LABEL_PID).and_then(|p| p.parse::<i32>().ok()) else {
                continue;
            };
            if !process_alive(pid) {
                self.remove_container(&c.id)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Run a container to completion in the sandbox, handing each stdout line to `on_line` as
    /// soon as the container prints it. The container is removed before this returns, on
    /// every path. When `cancel` is set, the container is killed and the run ends with
    /// `cancelled`. An error from `on_line` stops the run and is returned.
    pub fn run(
        &self,
        req: &RunRequest,
        cancel: &AtomicBool,
        on_line: &mut dyn FnMut(&str) -> anyhow::Result<()>,
    ) -> anyhow::Result<RunEnd> {
        let id = self.create_container(req)?;
        let guard = ContainerGuard {
            engine: self,
            id: id.clone(),
            removed: false,
        };
        let result = self.follow(&id, req.deadline, cancel, on_line);
        guard.remove()?;
        result
    }

    fn create_container(&self, req: &RunRequest) -> anyhow::Result<String> {
        let sb = &req.sandbox;
        let labels = HashMap::from([
            (LABEL.to_owned(), req.role.clone()),
            (LABEL_PID.to_owned(), std::process::id().to_string()),
        ]);
        let host_config = HostConfig {
            network_mode: Some("none".into()),
            readonly_rootfs: Some(true),
            tmpfs: Some(HashMap::from([
                (
                    "/tmp".to_owned(),
                    format!("rw,nosuid,nodev,size={}", sb.tmp_size),
                ),
                // The engine's default /dev/shm is a writable 64 MiB tmpfs: a second place to
                // write besides /tmp. Nothing in the suite needs POSIX shared memory.
                (
                    "/dev/shm".to_owned(),
                    "ro,nosuid,nodev,noexec,size=64k".to_owned(),
                ),
            ])),
            cap_drop: Some(vec!["ALL".into()]),
            cap_add: (!req.cap_add.is_empty()).then(|| req.cap_add.clone()),
            security_opt: Some(vec![
                "no-new-privileges".into(),
                format!("seccomp={}", seccomp_profile()),
            ]),
            pids_limit: Some(sb.pids_limit),
            memory: Some(sb.memory_bytes),
            memory_swap: Some(sb.memory_bytes),
            cpuset_cpus: Some(sb.cpuset.clone()),
            // A tiny init as PID 1 reaps orphans and forwards signals. Not in a cell's
            // container: there bench-runner is PID 1 (it reaps every orphan as a subreaper
            // already), so no process of the workload's uid that the workload could open
            // through /proc (`/proc/1/fd/1` is the records' stdout) stays dumpable.
            init: Some(req.role != "cell"),
            binds: Some(
                req.volumes
                    .iter()
                    .map(|(v, path)| format!("{v}:{path}:ro"))
                    .collect(),
            ),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(req.image.clone()),
            cmd: Some(req.cmd.clone()),
            user: Some(sb.user.clone()),
            working_dir: Some("/tmp".into()),
            labels: Some(labels),
            network_disabled: Some(true),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            host_config: Some(host_config),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default().build();
        let created = self
            .rt
            .block_on(self.docker.create_container(Some(options), body))
            .with_context(|| format!("creating a container from {}", req.image))?;
        for w in created.warnings {
            crate::output::warning(None, format!("docker: {w}"));
        }
        Ok(created.id)
    }

    /// Start the container and stream its output until it exits, `cancel` is set or the
    /// deadline passes (then the container is killed and this is an error).
    fn follow(
        &self,
        id: &str,
        deadline: Option<Duration>,
        cancel: &AtomicBool,
        on_line: &mut dyn FnMut(&str) -> anyhow::Result<()>,
    ) -> anyhow::Result<RunEnd> {
        let host = self.host.clone();
        self.rt
            .block_on(self.docker.start_container(id, None))
            .map_err(|e| lost(&host, "start", id, e))?;
        let started = std::time::Instant::now();
        let (tx, rx) = mpsc::channel::<Event>();
        let docker = self.docker.clone();
        let cid = id.to_owned();
        // The reader runs on the runtime; `on_line` runs here, outside it, so it may block or
        // call the engine itself.
        let task = self.rt.spawn(async move {
            let options = LogsOptionsBuilder::default()
                .follow(true)
                .stdout(true)
                .stderr(true)
                .build();
            let mut logs = docker.logs(&cid, Some(options));
            let mut pending: Vec<u8> = Vec::new();
            let read: Result<(), BollardError> = async {
                while let Some(item) = logs.next().await {
                    match item? {
                        bollard::container::LogOutput::StdOut { message } => {
                            pending.extend_from_slice(&message);
                            while let Some(nl) = pending.iter().position(|&b| b == b'\n') {
                                let line: Vec<u8> = pending.drain(..=nl).collect();
                                let line = String::from_utf8_lossy(&line[..line.len() - 1]);
                                let _ = tx.send(Event::Line(line.into_owned()));
                            }
                        }
                        bollard::container::LogOutput::StdErr { message } => {
                            let _ = tx.send(Event::Stderr(message.to_vec()));
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
            .await;
            if !pending.is_empty() {
                let _ = tx.send(Event::Line(String::from_utf8_lossy(&pending).into_owned()));
            }
            let done = match read {
                Err(e) => Err(lost(&host, "logs", &cid, e)),
                Ok(()) => {
                    let mut wait = docker.wait_container(&cid, None);
                    match wait.next().await {
                        Some(Ok(r)) => Ok(r.status_code),
                        Some(Err(BollardError::DockerContainerWaitError { code, .. })) => Ok(code),
                        Some(Err(e)) => Err(lost(&host, "wait", &cid, e)),
                        None => Err(anyhow!(
                            "the Docker engine at {host} ended the wait stream of container {} \
                             without an exit status; check the engine (`docker info`), then \
                             rerun with --resume",
                            short(&cid)
                        )),
                    }
                }
            };
            let _ = tx.send(Event::Done(done));
        });
        let mut end = RunEnd::default();
        let mut stderr: Vec<u8> = Vec::new();
        let outcome = loop {
            if cancel.load(Ordering::SeqCst) {
                end.cancelled = true;
                break Ok(());
            }
            if let Some(d) = deadline {
                if started.elapsed() > d {
                    // The guard in `run` removes (kills) the container.
                    break Err(anyhow!(
                        "container {} was still running {} s after it started, past its \
                         deadline of {} s; it was killed",
                        short(id),
                        started.elapsed().as_secs(),
                        d.as_secs()
                    ));
                }
            }
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(Event::Line(line)) => {
                    if let Err(e) = on_line(&line) {
                        break Err(e);
                    }
                }
                Ok(Event::Stderr(bytes)) => {
                    stderr.extend_from_slice(&bytes);
                    if stderr.len() > 16 * 1024 {
                        stderr.drain(..stderr.len() - 8 * 1024);
                    }
                }
                Ok(Event::Done(code)) => match code {
                    Ok(code) => {
                        end.exit_code = code;
                        break Ok(());
                    }
                    Err(e) => break Err(e),
                },
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break Err(anyhow!(
                        "the log reader of container {} on the Docker engine at {} stopped \
                         without a result",
                        short(id),
                        self.host
                    ))
                }
            }
        };
        task.abort();
        end.stderr_tail = bench_runner::tail(&stderr, 4000);
        if outcome.is_ok() && !end.cancelled {
            if let Ok(c) = self.rt.block_on(self.docker.inspect_container(id, None)) {
                end.oom_killed = c.state.and_then(|s| s.oom_killed).unwrap_or(false);
            }
        }
        outcome.map(|()| end)
    }
}

/// Removes its container when dropped, unless [`ContainerGuard::remove`] did already: a
/// panic or an early return never leaves a container behind.
pub struct ContainerGuard<'a> {
    engine: &'a Engine,
    id: String,
    removed: bool,
}

impl ContainerGuard<'_> {
    pub fn remove(mut self) -> anyhow::Result<()> {
        self.removed = true;
        self.engine.remove_container(&self.id)
    }
}

impl Drop for ContainerGuard<'_> {
    fn drop(&mut self) {
        if !self.removed {
            if let Err(e) = self.engine.remove_container(&self.id) {
                crate::output::warning(None, format!("{e:#}; `cargo xtask clean` removes it"));
            }
        }
    }
}

fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    pid > 0
        && (unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
}

/// The error of a lost engine: which socket, which stream of which container, and what next.
fn lost(host: &str, stream: &str, id: &str, e: BollardError) -> anyhow::Error {
    anyhow!(
        "the Docker engine at {host} failed on the {stream} stream of container {}: {e}; \
         check the engine (`docker info`), then rerun with --resume",
        short(id)
    )
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// The engine's version, or why it cannot be reached.
pub fn engine_version() -> anyhow::Result<String> {
    let engine = Engine::connect()?;
    let v = engine.version()?;
    Ok(format!("{v} at {}", engine.host()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules that allow `name` to a container without capabilities, and with some.
    fn rules_for(name: &str) -> (usize, usize) {
        let p: serde_json::Value = serde_json::from_str(seccomp_profile()).unwrap();
        let (mut free, mut gated) = (0, 0);
        for r in p["syscalls"].as_array().unwrap() {
            if !r["names"].as_array().unwrap().iter().any(|n| n == name) {
                continue;
            }
            assert_eq!(r["action"], "SCMP_ACT_ALLOW");
            if r["includes"]["caps"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
            {
                gated += 1;
            } else {
                free += 1;
            }
        }
        (free, gated)
    }

    #[test]
    fn the_profile_allows_ptrace_and_process_vm_only_with_cap_sys_ptrace() {
        // Before: the engine's default allowed ptrace to every process on kernels >= 4.8.
        for name in [
            "ptrace",
            "process_vm_readv",
            "process_vm_writev",
            "pidfd_getfd",
        ] {
            assert_eq!(rules_for(name), (0, 1), "{name}");
        }
        // The rest of the default is kept: the default denies, ordinary calls are allowed.
        let p: serde_json::Value = serde_json::from_str(seccomp_profile()).unwrap();
        assert_eq!(p["defaultAction"], "SCMP_ACT_ERRNO");
        for name in ["read", "clone", "wait4", "pidfd_open", "perf_event_open"] {
            assert!(rules_for(name).0 + rules_for(name).1 >= 1, "{name}");
        }
        assert_eq!(rules_for("read"), (1, 0));
    }
}
