//! `cargo xtask suite`: regenerate `bench-runner/workloads/suite.json` from the workload files.
//!
//! The workload files are the source of truth (their `META` dicts); suite.json is generated
//! by the harness itself so both Rust sides can read it without Python. A test fails when the
//! committed file is out of date.
//!
//! `harness.py --describe` imports every workload, which runs its top-level code: that is
//! never done on the host unconfined. When the Docker engine answers, it runs in a sandboxed
//! container of the baseline interpreter's image (no network, read-only root, no
//! capabilities, an unprivileged user). Otherwise it runs natively under [`Limits`]: CPU
//! seconds, address space, file size, no core files, a wall-clock timeout that kills its
//! process group, an empty environment and a temporary working folder. The output says which.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use xshell::Shell;

use crate::project::{self, HARNESS, SUITE, WORKLOADS};

/// Where `harness.py --describe` may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Sandbox {
    /// In the image when the Docker engine answers, natively under limits otherwise
    Auto,
    /// In a sandboxed container of the baseline interpreter's image
    Image,
    /// The host's python3 under resource limits, in a temporary folder
    Native,
}

/// Regenerate bench-runner/workloads/suite.json from the workloads' META dicts
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "The workloads are imported in a sandbox: a container of the baseline image when the \
Docker engine answers, otherwise the host's python3 under limits (CPU, memory, file size, no core \
files, a timeout, a temporary folder). The output says which."
)]
pub struct SuiteCmd {
    /// Only check that the committed file is up to date
    #[arg(long)]
    pub check: bool,
    /// Where the workloads are imported
    #[arg(long, value_enum, default_value = "auto")]
    pub sandbox: Sandbox,
}

/// Resource limits of a native `--describe`.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    pub cpu_s: u64,
    pub address_space_bytes: u64,
    pub file_size_bytes: u64,
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            cpu_s: 30,
            address_space_bytes: 1 << 30,
            file_size_bytes: 1 << 20,
            timeout: Duration::from_secs(60),
        }
    }
}

impl std::fmt::Display for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CPU {} s, address space {} MiB, files up to {} KiB, no core files, {} s timeout, \
             empty environment, a temporary working folder",
            self.cpu_s,
            self.address_space_bytes >> 20,
            self.file_size_bytes >> 10,
            self.timeout.as_secs()
        )
    }
}

/// What `harness.py --describe` prints for the workloads folder, checked against the typed
/// suite and pretty-printed, and a sentence saying where it ran.
pub fn describe(sh: &Shell, sandbox: Sandbox) -> anyhow::Result<(String, String)> {
    let root = project::root();
    let (out, how) = match sandbox {
        Sandbox::Native => (
            describe_native(
                &root.join(HARNESS),
                &root.join(WORKLOADS),
                &Limits::default(),
            )?,
            format!("natively under limits ({})", Limits::default()),
        ),
        Sandbox::Image => describe_in_image(sh, &root)?,
        Sandbox::Auto => match describe_in_image(sh, &root) {
            Ok(r) => r,
            Err(e) => (
                describe_native(
                    &root.join(HARNESS),
                    &root.join(WORKLOADS),
                    &Limits::default(),
                )?,
                format!(
                    "natively under limits ({}), because the image could not be used: {e:#}",
                    Limits::default()
                ),
            ),
        },
    };
    // Validate (schema, names) before anyone reads it.
    let suite = project::parse_suite(Path::new("harness.py --describe output"), out.as_bytes())?;
    Ok((serde_json::to_string_pretty(&suite)? + "\n", how))
}

/// `--describe` in a sandboxed container of the baseline interpreter's image (built or
/// reused from the current workloads).
fn describe_in_image(sh: &Shell, root: &Path) -> anyhow::Result<(String, String)> {
    use crate::docker::{DockerBackend, HARNESS_IN_IMAGE, WORKLOADS_IN_IMAGE};
    let catalogue = crate::catalogue::Catalogue::load(root)?;
    let interp = catalogue
        .interpreters
        .iter()
        .find(|i| i.baseline && !i.is_host())
        .or_else(|| catalogue.interpreters.iter().find(|i| !i.is_host()))
        .context("the catalogue has no image interpreter to run harness.py --describe in")?
        .clone();
    let mut backend = DockerBackend::connect(sh, root)?;
    let cmd = vec![
        interp.executable.clone(),
        HARNESS_IN_IMAGE.to_owned(),
        "--describe".to_owned(),
        WORKLOADS_IN_IMAGE.to_owned(),
    ];
    let (out, end) = backend.run_probe(&interp, cmd)?;
    if end.exit_code != 0 {
        bail!(
            "harness.py --describe in the image of {} failed (exit {}): {}",
            interp.id,
            end.exit_code,
            end.stderr_tail.trim()
        );
    }
    let image = backend.image(&interp)?.name;
    Ok((
        out,
        format!(
            "in a sandboxed container of {image} ({}: no network, read-only root, no capabilities, user 65534)",
            interp.id
        ),
    ))
}

/// `python3 HARNESS --describe WORKLOADS` on the host, confined by `limits`.
pub fn describe_native(
    harness: &Path,
    workloads: &Path,
    limits: &Limits,
) -> anyhow::Result<String> {
    let tmp = TempDir::new()?;
    // Every process of the sandbox inherits this tag, so one that escaped the process group
    // (setsid) is still found and killed.
    let tag = format!("{}", tmp.0.display());
    // The workloads never see the repository: they are imported from a copy (read-only to
    // them), and work in a folder of their own. As root, the import runs as nobody (65534),
    // so a workload's top-level code cannot write the checkout, the cache or any file of
    // root's; only the folder given to it and the world-writable ones (/tmp) remain.
    let inputs = tmp.0.join("in");
    let work = tmp.0.join("work");
    let copied_workloads = inputs.join("workloads");
    std::fs::create_dir_all(&copied_workloads)
        .with_context(|| format!("creating {}", copied_workloads.display()))?;
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let copied_harness = inputs.join("harness.py");
    std::fs::copy(harness, &copied_harness)
        .with_context(|| format!("copying {} into the sandbox", harness.display()))?;
    for e in
        std::fs::read_dir(workloads).with_context(|| format!("reading {}", workloads.display()))?
    {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "py") && p.is_file() {
            std::fs::copy(
                &p,
                copied_workloads.join(p.file_name().expect("a file name")),
            )
            .with_context(|| format!("copying {} into the sandbox", p.display()))?;
        }
    }
    // SAFETY: geteuid has no preconditions.
    let nobody = (unsafe { libc::geteuid() } == 0).then_some(NOBODY);
    if let Some(id) = nobody {
        std::os::unix::fs::chown(&work, Some(id), Some(id))
            .with_context(|| format!("giving {} to uid {id}", work.display()))?;
    }
    let mut cmd = Command::new("python3");
    cmd.arg(&copied_harness)
        .arg("--describe")
        .arg(&copied_workloads)
        .current_dir(&work)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", &work)
        .env("TMPDIR", &work)
        .env("LANG", "C.UTF-8")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env(SANDBOX_TAG, &tag)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let rl = limits.clone();
    // SAFETY: only setrlimit, setgroups, setgid and setuid (async-signal-safe) between fork
    // and exec.
    unsafe {
        cmd.pre_exec(move || {
            let set = |res, v: u64| {
                // CPU: the soft limit sends SIGXCPU, the hard one (a second later) SIGKILL.
                let hard = if res == libc::RLIMIT_CPU { v + 1 } else { v };
                let lim = libc::rlimit {
                    rlim_cur: v as libc::rlim_t,
                    rlim_max: hard as libc::rlim_t,
                };
                if libc::setrlimit(res, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            };
            set(libc::RLIMIT_CPU, rl.cpu_s)?;
            set(libc::RLIMIT_AS, rl.address_space_bytes)?;
            set(libc::RLIMIT_FSIZE, rl.file_size_bytes)?;
            set(libc::RLIMIT_CORE, 0)?;
            if let Some(id) = nobody {
                // No supplementary groups, then the group, then the user (after which no
                // way back): the workload's code runs unprivileged.
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(id) != 0
                    || libc::setuid(id) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .context("running harness.py --describe (is python3 installed?)")?;
    let pgid = child.id() as i32;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    const CAP: u64 = 16 << 20;
    let (out_tx, out_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = (&mut stdout).take(CAP).read_to_end(&mut v);
        let _ = out_tx.send(v);
        std::io::copy(&mut stdout, &mut std::io::sink()).ok();
    });
    let (err_tx, err_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = (&mut stderr).take(64 << 10).read_to_end(&mut v);
        let _ = err_tx.send(v);
        std::io::copy(&mut stderr, &mut std::io::sink()).ok();
    });
    let deadline = Instant::now() + limits.timeout;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break Some(st);
        }
        if Instant::now() >= deadline {
            // SAFETY: kill the process group we created for the child.
            unsafe { libc::killpg(pgid, libc::SIGKILL) };
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The group, or a process that left it, may keep the pipes open: end them all before
    // reading; the pipes are read against a short deadline whatever happens.
    // SAFETY: as above; ESRCH when the group is already gone is fine.
    unsafe { libc::killpg(pgid, libc::SIGKILL) };
    let escaped = kill_tagged(&tag);
    let grace = Duration::from_secs(2);
    let out = out_rx.recv_timeout(grace).unwrap_or_default();
    let err = err_rx.recv_timeout(grace).unwrap_or_default();
    let err = String::from_utf8_lossy(&err);
    let tail: Vec<&str> = err.trim().lines().rev().take(5).collect::<Vec<_>>();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    if escaped > 0 {
        crate::output::warning(
            None,
            format!("suite: killed {escaped} process(es) a workload left running after --describe"),
        );
    }
    let Some(status) = status else {
        bail!(
            "harness.py --describe did not finish within {} s (a workload that never returns from import?); stderr: {tail}",
            limits.timeout.as_secs()
        );
    };
    if !status.success() {
        use std::os::unix::process::ExitStatusExt;
        let why = match status.signal() {
            Some(libc::SIGXCPU) => format!(" (killed: the CPU limit of {} s)", limits.cpu_s),
            Some(libc::SIGKILL) => format!(
                " (killed: the CPU limit of {} s or the memory limit)",
                limits.cpu_s
            ),
            Some(libc::SIGXFSZ) => format!(
                " (killed: a file larger than {} KiB)",
                limits.file_size_bytes >> 10
            ),
            Some(s) => format!(" (signal {s})"),
            None => String::new(),
        };
        bail!("harness.py --describe failed ({status}){why}: {tail}");
    }
    String::from_utf8(out).context("harness.py --describe printed something that is not UTF-8")
}

/// The uid and gid a native `--describe` runs as when xtask runs as root.
const NOBODY: u32 = 65534;

/// Environment variable that tags every process of a native `--describe`.
const SANDBOX_TAG: &str = "WHICHPY_DESCRIBE_SANDBOX";

/// SIGKILL every process whose environment carries the tag; returns how many were found.
fn kill_tagged(tag: &str) -> usize {
    let needle = format!("{SANDBOX_TAG}={tag}\0");
    let mut killed = 0;
    for _ in 0..3 {
        let mut found = 0;
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return killed;
        };
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<i32>().ok()) else {
                continue;
            };
            let Ok(env) = std::fs::read(e.path().join("environ")) else {
                continue;
            };
            if env.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                // SAFETY: signalling a process that carries our sandbox's tag.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                found += 1;
            }
        }
        killed += found;
        if found == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    killed
}

/// A temporary folder removed on drop (tempfile is only a dev-dependency).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> anyhow::Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let p =
            std::env::temp_dir().join(format!("whichpy-describe-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&p).with_context(|| format!("creating {}", p.display()))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl SuiteCmd {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let path = project::root().join(SUITE);
        let (fresh, how) = describe(sh, self.sandbox)?;
        crate::output::info(format!("suite: imported the workloads {how}"));
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if self.check {
            anyhow::ensure!(
                current == fresh,
                "{SUITE} is out of date: run `cargo xtask suite`"
            );
            crate::output::info(format!("{SUITE} is up to date"));
        } else if current != fresh {
            std::fs::write(&path, fresh)?;
            crate::output::outcome(format!("wrote {SUITE}"));
        } else {
            crate::output::info(format!("{SUITE} is up to date"));
        }
        Ok(())
    }
}
