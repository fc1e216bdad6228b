//! `cargo xtask profile`: where one cell spends its time, in a sandboxed container of its
//! interpreter's image.
//!
//! - **CPython**: cProfile's top table, then `py-spy record -f raw` (collapsed stacks) over a
//!   second process. py-spy is the static binary of its PyPI wheel (`doctor --install` puts it
//!   in `.cache/py-spy/`); it is bind-mounted read-only into the profile container rather than
//!   baked into the image, so the bench images stay exactly what they were (their input hash
//!   does not depend on a downloaded tool) and only a profile container ever holds it. That
//!   container alone gets `SYS_PTRACE`.
//! - **PyPy**: cProfile's table, then the driver's timer sampler (`signal.setitimer` and a walk
//!   of the interrupted frame: the true Python stack, which PyPy rebuilds for JIT-compiled
//!   code). py-spy reads CPython's memory layout only; vmprof's `_vmprof` writes a binary
//!   format that would need a parser of its own for the same stacks.
//! - **MicroPython** has no `sys.settrace` and no `sys._getframe`: no profiler can run in it,
//!   and the command says so.
//!
//! The driver is `bench-runner/harness/profile_driver.py` (in every image). The result is a
//! [`whichpy_wire::profile::Profile`] in `results/profiles/`, which the site's "Profiles" page
//! shows (top table and flamegraph).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use whichpy_view::command::{profile_command, shell_quote};
use whichpy_wire::profile::{
    parse_collapsed, parse_pstats, DriverOutput, Profile, Sampled, SamplerTool, TopTable,
    PROFILES_DIR, PROFILE_SCHEMA,
};
use whichpy_wire::{Family, SizeName, WorkloadKind};
use xshell::Shell;

use crate::catalogue::{Catalogue, Interpreter};
use crate::docker::{DockerBackend, WORKLOADS_IN_IMAGE};
use crate::project;

/// Where `doctor --install` puts py-spy's binary, relative to the repository.
pub const PY_SPY: &str = ".cache/py-spy/py-spy";
/// The py-spy release the wheel is pinned to.
pub const PY_SPY_VERSION: &str = "0.4.3";
/// Where the binary appears inside a profile container.
const PY_SPY_IN_CONTAINER: &str = "/opt/whichpy-tools/py-spy";
const DRIVER_IN_IMAGE: &str = "/opt/whichpy/profile_driver.py";
/// Where py-spy writes its stacks inside the container (the tmpfs).
const STACKS_IN_CONTAINER: &str = "/tmp/whichpy-stacks.txt";

/// Profile one cell: cProfile's top table and a sampler's flamegraph, in its interpreter's image
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "What runs, in a sandboxed container of the interpreter's image (network off, \
read-only root, non-root user, one core):\n  \
CPython  cProfile's top table, then `py-spy record -f raw` (collapsed stacks). py-spy comes from \
its PyPI wheel (`cargo xtask doctor --install` puts it in .cache/py-spy/); only this container \
gets the SYS_PTRACE capability it needs.\n  \
PyPy     cProfile's top table, then a timer sampler (signal.setitimer + a walk of the \
interrupted frame), since py-spy reads only CPython.\n  \
MicroPython cannot be profiled this way: it has no sys.settrace and no sys._getframe.\n\n\
The profile goes to results/profiles/<interp>--<workload>--<size>.json; `cargo xtask site` \
draws its flamegraph and shows its table on the Profiles page.\n\
Example: cargo xtask profile --interp cpython-3.13 --workload nbody"
)]
pub struct ProfileCmd {
    /// Interpreter id from containers/interpreters.toml (a CPython or PyPy one)
    #[arg(long)]
    pub interp: String,
    /// Workload name (a file in bench-runner/workloads/)
    #[arg(long)]
    pub workload: String,
    /// Workload size: `default` (the article's) or `quick`
    #[arg(long, default_value = "default", value_parser = parse_size)]
    pub size: SizeName,
    /// Seconds of calls to `run` under each profiler
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Rows of cProfile's table to keep
    #[arg(long, default_value_t = 25)]
    pub top: u32,
    /// Sampling rate of py-spy and of the timer sampler, per second
    #[arg(long, default_value_t = 200)]
    pub rate: u32,
    /// Folder the profile is written to
    #[arg(long, default_value = PROFILES_DIR)]
    pub out: PathBuf,
    /// Also write the container's stdout (the tools' own text) to this file
    #[arg(long, hide = true)]
    pub raw_out: Option<PathBuf>,
}

fn parse_size(s: &str) -> Result<SizeName, String> {
    match s {
        "default" => Ok(SizeName::Default),
        "quick" => Ok(SizeName::Quick),
        other => Err(format!("`{other}` is not a size: use `default` or `quick`")),
    }
}

/// Why an interpreter family cannot be profiled by this command, or `None` when it can.
pub fn unprofilable(family: Family) -> Option<&'static str> {
    match family {
        Family::Micropython => Some(
            "MicroPython cannot be profiled this way: it has no sys.settrace (so no cProfile) \
             and no sys._getframe (so no sampler can walk its frames), and py-spy reads only \
             CPython's memory. Time sections by hand with time.ticks_us() and \
             time.ticks_diff() instead",
        ),
        Family::Cpython | Family::Pypy => None,
    }
}

/// The interpreter command line inside the image.
fn interp_argv(interp: &Interpreter) -> Vec<String> {
    let mut v = vec![interp.executable.clone()];
    v.extend(interp.flags.iter().cloned());
    v
}

fn driver_argv(
    interp: &Interpreter,
    mode: &str,
    workload: &str,
    n: u64,
    c: &ProfileCmd,
) -> Vec<String> {
    let mut v = interp_argv(interp);
    v.extend([
        DRIVER_IN_IMAGE.to_string(),
        mode.to_string(),
        WORKLOADS_IN_IMAGE.to_string(),
        workload.to_string(),
        n.to_string(),
        format!("{}", c.seconds),
        c.top.to_string(),
        c.rate.to_string(),
    ]);
    v
}

fn join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The container's commands: what runs, and the two tool commands recorded in the profile.
struct Plan {
    script: String,
    cprofile_cmd: String,
    sampler_cmd: String,
    sampler: SamplerTool,
}

/// A fresh token for the driver's markers (see `profile_driver.py`): 16 hex digits from the
/// kernel, so a workload's printed lines cannot pass for the driver's.
fn marker_nonce() -> anyhow::Result<String> {
    use std::io::Read;
    let mut b = [0u8; 8];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .context("reading /dev/urandom for the profile driver's nonce")?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn plan(interp: &Interpreter, workload: &str, n: u64, c: &ProfileCmd, nonce: &str) -> Plan {
    // The driver takes the nonce from its environment and removes it before the workload is
    // imported; the recorded commands stay without it.
    let env = format!("export WHICHPY_PROFILE_NONCE={nonce}; ");
    let cprofile = join(&driver_argv(interp, "cprofile", workload, n, c));
    match interp.family {
        Family::Cpython => {
            let mut spy = vec![
                PY_SPY_IN_CONTAINER.to_string(),
                "record".into(),
                "--format".into(),
                "raw".into(),
                "--nolineno".into(),
                "--rate".into(),
                c.rate.to_string(),
                "--output".into(),
                STACKS_IN_CONTAINER.into(),
                "--".into(),
            ];
            spy.extend(driver_argv(interp, "plain", workload, n, c));
            let spy = join(&spy);
            Plan {
                // py-spy's own messages and the plain run's output go to stderr; its stacks
                // are printed between the driver's markers.
                script: format!(
                    "{env}set -e; {cprofile}; {spy} >&2; echo '@profile {nonce} begin stacks'; \
                     cat {STACKS_IN_CONTAINER}; echo '@profile {nonce} end'"
                ),
                cprofile_cmd: cprofile,
                sampler_cmd: spy,
                sampler: SamplerTool::PySpy,
            }
        }
        _ => {
            let sample = join(&driver_argv(interp, "sample", workload, n, c));
            Plan {
                script: format!("{env}set -e; {cprofile}; {sample}"),
                cprofile_cmd: cprofile,
                sampler_cmd: sample,
                sampler: SamplerTool::Timer,
            }
        }
    }
}

/// Parse the container's stdout into the profile's two parts.
/// Only marker lines with `nonce` count (a workload's forged markers are ignored).
pub fn parse_output(
    stdout: &str,
    nonce: &str,
    cprofile_cmd: &str,
    sampler: SamplerTool,
    sampler_cmd: &str,
    rate_hz: f64,
) -> anyhow::Result<(TopTable, Sampled)> {
    let out =
        DriverOutput::parse_marked(stdout, nonce).context("reading the profile driver's output")?;
    let text = out
        .section("cprofile")
        .context("the profile printed no cProfile table")?;
    let mut top = parse_pstats(text).context("reading cProfile's table")?;
    top.tool_command = cprofile_cmd.to_string();
    // The first `calls` line is the cProfile run's (py-spy's plain run prints to stderr).
    let first_calls = out.all_calls.first().map(|c| c.0);
    top.calls_of_run = first_calls.or(out.calls.map(|c| c.0)).unwrap_or(0);
    let stacks = out
        .section("stacks")
        .context("the profile printed no stacks")?;
    let stacks = parse_collapsed(stacks).context("reading the sampler's stacks")?;
    Ok((
        top,
        Sampled {
            tool: sampler,
            tool_command: sampler_cmd.to_string(),
            rate_hz,
            stacks,
        },
    ))
}

impl ProfileCmd {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let catalogue = Catalogue::load(&root)?;
        let interp = catalogue.get(&self.interp).with_context(|| {
            let ids: Vec<&str> = catalogue
                .interpreters
                .iter()
                .map(|i| i.id.as_str())
                .collect();
            format!(
                "no interpreter `{}` in containers/interpreters.toml (ids: {})",
                self.interp,
                ids.join(", ")
            )
        })?;
        if let Some(why) = unprofilable(interp.family) {
            bail!("{}: {why}", interp.id);
        }
        if interp.is_host() {
            bail!(
                "{} is a host interpreter; profiles run in an image: choose a catalogue entry with a Debian suite (cpython-3.13, pypy-7.3)",
                interp.id
            );
        }
        let suite = project::load_suite(&root)?;
        let meta = suite.get(&self.workload).with_context(|| {
            let names: Vec<&str> = suite.workloads.iter().map(|w| w.name.as_str()).collect();
            format!(
                "no workload `{}` in the suite (workloads: {})",
                self.workload,
                names.join(", ")
            )
        })?;
        if meta.kind == WorkloadKind::Startup {
            bail!(
                "`{}` is measured as whole processes (startup), with no `run` to profile; choose an iteration workload",
                meta.name
            );
        }
        if let Some(why) = meta.unsupported.get(&interp.family) {
            bail!("{} cannot run `{}`: {why}", interp.id, meta.name);
        }
        anyhow::ensure!(
            self.seconds > 0.0 && self.seconds <= 600.0,
            "--seconds must be in (0, 600], got {}",
            self.seconds
        );
        anyhow::ensure!(
            (1..=10_000).contains(&self.rate),
            "--rate must be 1 to 10000 samples per second, got {}",
            self.rate
        );
        let n = meta
            .sizes
            .get(self.size)
            .with_context(|| format!("{} has no {} size", meta.name, self.size))?
            .n;
        let mut binds = Vec::new();
        let mut cap_add = Vec::new();
        if interp.family == Family::Cpython {
            let spy = root.join(PY_SPY);
            if !spy.is_file() {
                bail!(
                    "py-spy is missing: {} does not exist; `cargo xtask doctor --install` fetches \
                     py-spy {PY_SPY_VERSION} from its PyPI wheel",
                    spy.display()
                );
            }
            binds.push((spy.display().to_string(), PY_SPY_IN_CONTAINER.to_string()));
            cap_add.push("SYS_PTRACE".to_string());
        }
        let nonce = marker_nonce()?;
        let plan = plan(interp, &meta.name, n, &self, &nonce);
        let mut backend = DockerBackend::connect(sh, &root)?;
        crate::output::info(format!(
            "profiling {} on {} (n = {n}): cProfile, then the {} — about {} s",
            interp.id,
            meta.name,
            plan.sampler.as_str(),
            (2.0 * self.seconds).ceil()
        ));
        let deadline = Duration::from_secs_f64(4.0 * self.seconds) + Duration::from_secs(120);
        let started = Instant::now();
        let (stdout, end, image) = backend.run_profile(
            interp,
            vec!["/bin/sh".into(), "-c".into(), plan.script.clone()],
            binds,
            cap_add,
            deadline,
            &AtomicBool::new(false),
        )?;
        let wall_s = started.elapsed().as_secs_f64();
        if let Some(raw) = &self.raw_out {
            std::fs::write(raw, &stdout).with_context(|| format!("writing {}", raw.display()))?;
        }
        if end.exit_code != 0 {
            let why = if end.oom_killed {
                " (the container hit its memory limit)"
            } else {
                ""
            };
            bail!(
                "the profile of {} on {} failed (exit {}{why}): {}",
                interp.id,
                meta.name,
                end.exit_code,
                end.stderr_tail.trim()
            );
        }
        let (top, sampled) = parse_output(
            &stdout,
            &nonce,
            &plan.cprofile_cmd,
            plan.sampler,
            &plan.sampler_cmd,
            f64::from(self.rate),
        )
        .with_context(|| {
            format!(
                "profile of {} on {}; its stderr: {}",
                interp.id,
                meta.name,
                end.stderr_tail.trim()
            )
        })?;
        let profile = Profile {
            schema: PROFILE_SCHEMA,
            interpreter: interp.id.clone(),
            label: interp.label.clone(),
            workload: meta.name.clone(),
            size: self.size,
            n,
            command: profile_command(&interp.id, &meta.name, self.size),
            created: jiff::Timestamp::now()
                .round(jiff::Unit::Second)?
                .to_string(),
            image,
            seconds: self.seconds,
            wall_s,
            cprofile: Some(top),
            sampled: Some(sampled),
        };
        let path = write_profile(&root.join(&self.out), &profile)?;
        print_summary(&profile, &path);
        Ok(())
    }
}

/// Every profile (`*.json`) in `dir`, sorted by file name; a missing folder holds none.
pub fn read_all(dir: &Path) -> anyhow::Result<Vec<Profile>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    Ok(paths
        .iter()
        .map(|p| Profile::read(p))
        .collect::<Result<_, _>>()?)
}

/// Write a profile as pretty JSON; returns its path.
pub fn write_profile(dir: &Path, p: &Profile) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(Profile::file_name(&p.interpreter, &p.workload, p.size));
    let mut text = serde_json::to_string_pretty(p)?;
    text.push('\n');
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn print_summary(p: &Profile, path: &Path) {
    let v = whichpy_view::profile::profile_view(p);
    println!(
        "{} on {} (n = {}), {} of wall time",
        v.label, v.workload, v.n, v.wall
    );
    if let Some(s) = &v.top_summary {
        println!("cProfile: {s}");
    }
    println!(
        "{:>12} {:>10} {:>10}  function",
        "ncalls", "tottime", "cumtime"
    );
    for r in v.top.iter().take(12) {
        println!(
            "{:>12} {:>10} {:>10}  {}",
            r.ncalls, r.tottime, r.cumtime, r.function
        );
    }
    if let (Some(tool), Some(n)) = (&v.sampler, &v.samples) {
        println!("{tool}: {n} samples");
    }
    println!("wrote {}", path.display());
}
