//! `cargo xtask doctor`: what this machine has, what is missing, and the command that adds it.

use std::path::Path;

use xshell::{cmd, Shell};

use crate::catalogue::{host_executable, Catalogue};
use crate::project::{self, HARNESS};

/// Say what this machine has for whichpy (engine, tools, interpreters) and what is missing
#[derive(Clone, Debug, clap::Args)]
#[command(
    after_help = "With --install, missing Debian packages are installed with apt-get (as root) \
the hosted MicroPython goes into .cache/mp-venv, and py-spy's static binary is taken from its PyPI wheel into .cache/py-spy. Nothing is downloaded from elsewhere."
)]
pub struct Doctor {
    /// Install what is missing (apt-get and pip; needs root for apt-get)
    #[arg(long)]
    pub install: bool,
}

/// One thing whichpy may use.
struct Check {
    what: String,
    found: Result<String, String>,
    /// Debian packages that provide it.
    apt: Vec<String>,
    /// Any other command that provides it.
    other: Option<String>,
    /// Needed by the quick benchmark or the tests (otherwise only by some commands).
    required: bool,
}

fn version_of(sh: &Shell, program: &str, args: &[&str]) -> Result<String, String> {
    match cmd!(sh, "{program} {args...}")
        .quiet()
        .ignore_stderr()
        .read()
    {
        Ok(v) => Ok(v.lines().next().unwrap_or("").trim().to_owned()),
        Err(_) => Err("not found".into()),
    }
}

/// py-spy is not in Debian: its PyPI wheel holds a static binary, taken out with Python's
/// zipfile (no pip install, nothing runs from the wheel). pip comes from the stats venv above.
fn py_spy_install() -> String {
    let v = crate::profile::PY_SPY_VERSION;
    let bin = crate::profile::PY_SPY;
    format!(
        "mkdir -p .cache/py-spy && .cache/stats-venv/bin/pip download --quiet --no-deps \
         --only-binary=:all: --dest .cache/py-spy py-spy=={v} && python3 -c \
         'import glob, os, zipfile; w = sorted(glob.glob(\".cache/py-spy/py_spy-{v}-*.whl\"))[-1]; \
         open(\"{bin}\", \"wb\").write(zipfile.ZipFile(w).read(\"py_spy-{v}.data/scripts/py-spy\")); \
         os.chmod(\"{bin}\", 0o755)'"
    )
}

fn checks(sh: &Shell, root: &Path) -> anyhow::Result<Vec<Check>> {
    let mut out = vec![
        Check {
            what: "Docker engine".into(),
            found: crate::docker::engine_version().map_err(|e| format!("{e:#}")),
            apt: vec!["docker.io".into()],
            other: None,
            required: false,
        },
        Check {
            what: "mmdebstrap (builds the image root file systems)".into(),
            found: version_of(sh, "mmdebstrap", &["--version"]),
            apt: vec!["mmdebstrap".into()],
            other: None,
            required: true,
        },
        Check {
            what: "python3 (generates the workload suite, runs the tests)".into(),
            found: version_of(sh, "python3", &["--version"]),
            apt: vec!["python3".into(), "python3-venv".into()],
            other: None,
            required: true,
        },
        Check {
            what: "chromium (drives the site's browser test)".into(),
            found: version_of(sh, "chromium", &["--version"]),
            apt: vec!["chromium".into()],
            other: None,
            required: true,
        },
        Check {
            what: "fonts-dejavu-core (text in the PNG og:image)".into(),
            found: std::fs::metadata("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
                .map(|_| "DejaVuSans.ttf".to_owned())
                .map_err(|_| "not found".to_owned()),
            apt: vec!["fonts-dejavu-core".into()],
            other: None,
            required: true,
        },
        Check {
            what: "pyperf in .cache/stats-venv (the test that pyperf reads our export)".into(),
            found: version_of(
                sh,
                ".cache/stats-venv/bin/python",
                &["-c", "import pyperf; print('pyperf', pyperf.__version__)"],
            ),
            apt: vec![],
            other: Some(
                "python3 -m venv .cache/stats-venv && .cache/stats-venv/bin/pip install pyperf"
                    .into(),
            ),
            required: true,
        },
        Check {
            what: "py-spy in .cache/py-spy (flamegraphs of `cargo xtask profile` on CPython)"
                .into(),
            found: version_of(sh, crate::profile::PY_SPY, &["--version"]),
            apt: vec![],
            other: Some(py_spy_install()),
            required: false,
        },
        Check {
            what: "hyperfine (reference timings for startup)".into(),
            found: version_of(sh, "hyperfine", &["--version"]),
            apt: vec!["hyperfine".into()],
            other: None,
            required: false,
        },
    ];
    let catalogue = Catalogue::load(root)?;
    let harness = root.join(HARNESS);
    for interp in catalogue.in_set("host") {
        let exe = host_executable(root, &interp.executable);
        let found = bench_runner::identify(&exe.display().to_string(), &interp.flags, &harness)
            .map(|i| format!("{} {} (Python {})", i.name, i.version, i.python))
            .map_err(|e| format!("{e:#}"));
        let install = interp.install.clone().unwrap_or_default();
        let (apt, other) = match install.strip_prefix("apt-get install -y ") {
            Some(pkgs) => (pkgs.split_whitespace().map(str::to_owned).collect(), None),
            None => (vec![], Some(install)),
        };
        out.push(Check {
            what: format!("{} ({})", interp.id, interp.executable),
            found,
            apt,
            other,
            required: true,
        });
    }
    // Emulated boards (`bench --interp microbit`): QEMU and the firmware, both from Debian.
    for interp in catalogue.interpreters.iter().filter(|i| i.is_mcu()) {
        let firmware = interp.firmware.clone().unwrap_or_default();
        let found = version_of(sh, &interp.executable, &["--version"]).and_then(|v| {
            if Path::new(&firmware).is_file() {
                Ok(format!("{v}; {firmware}"))
            } else {
                Err(format!("{firmware} is missing"))
            }
        });
        let install = interp.install.clone().unwrap_or_default();
        out.push(Check {
            what: format!(
                "{} (emulated board: {} + firmware)",
                interp.id, interp.executable
            ),
            found,
            apt: install
                .strip_prefix("apt-get install -y ")
                .map(|p| p.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            other: None,
            required: false,
        });
    }
    // Interpreters compiled in a build stage: cached, or how long a cold build takes.
    let lock = crate::lock::Lock::load(root).ok();
    for interp in catalogue.interpreters.iter().filter(|i| i.build.is_some()) {
        let Some(lock) = lock.clone() else { break };
        let inputs = crate::images::Inputs {
            root: root.to_owned(),
            runner: Default::default(),
            harness: root.join(HARNESS),
            workloads: root.join(crate::project::WORKLOADS),
            dockerfile: root.join(crate::images::DOCKERFILE),
            rootfs_cache: crate::images::rootfs_cache(root),
            lock,
        };
        let Some(key) = crate::images::ImageKey::of(interp) else {
            continue;
        };
        let found = match crate::images::build_stage_record(&inputs, &key) {
            Ok(Some(r)) => Ok(format!(
                "build stage cached; its cold build took {:.0} min on the machine that built it",
                r.seconds / 60.0
            )),
            Ok(None) => Err(format!(
                "not compiled yet: a cold build is the slow step (see README, \"Free-threaded \
                 CPython\"): `cargo xtask images --interp {}`",
                interp.id
            )),
            Err(e) => Err(format!("{e:#}")),
        };
        out.push(Check {
            what: format!("{} (compiled from Debian's source)", interp.id),
            found,
            apt: vec![],
            other: Some(format!("cargo xtask images --interp {}", interp.id)),
            required: false,
        });
    }
    Ok(out)
}

impl Doctor {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        sh.change_dir(&root);
        let mut list = checks(sh, &root)?;
        if self.install {
            let apt: Vec<String> = list
                .iter()
                .filter(|c| c.found.is_err())
                .flat_map(|c| c.apt.iter().cloned())
                .collect();
            if !apt.is_empty() {
                crate::output::info(format!("installing with apt-get: {}", apt.join(" ")));
                cmd!(sh, "apt-get update -qq").run()?;
                cmd!(
                    sh,
                    "apt-get install -y -qq --no-install-recommends {apt...}"
                )
                .env("DEBIAN_FRONTEND", "noninteractive")
                .run()?;
            }
            for c in list.iter().filter(|c| c.found.is_err()) {
                if let Some(other) = &c.other {
                    crate::output::info(format!("installing {}: {other}", c.what));
                    cmd!(sh, "sh -c {other}").run()?;
                }
            }
            list = checks(sh, &root)?;
        }
        let mut missing_required = 0;
        for c in &list {
            match &c.found {
                Ok(v) => println!("ok       {:<55} {v}", c.what),
                Err(e) => {
                    let how = if !c.apt.is_empty() {
                        format!("apt-get install -y {}", c.apt.join(" "))
                    } else {
                        c.other.clone().unwrap_or_default()
                    };
                    println!("missing  {:<55} {e}\n         install: {how}", c.what);
                    missing_required += c.required as usize;
                }
            }
        }
        if missing_required > 0 {
            println!("\n{missing_required} required item(s) missing: `cargo xtask doctor --install` installs them");
        }
        Ok(())
    }
}
