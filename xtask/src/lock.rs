//! `cargo xtask lock`: the exact Debian package versions the images are built from.
//!
//! `containers/interpreters.lock` pins every package named in `containers/interpreters.toml`,
//! per Debian suite. Images read their pins from it, so two machines build the same
//! interpreters. The Debian mirror keeps only the current version of a package, so a point
//! release eventually breaks a pin: `--refresh` asks the mirror what it serves now (through
//! apt-get with a private, temporary state folder; the host's apt setup is not touched) and
//! rewrites the pins, saying what changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use xshell::{cmd, Shell};

use crate::catalogue::{parse_toml, Catalogue};
use crate::project;

pub const LOCK: &str = "containers/interpreters.lock";
/// The Debian mirror the images and the lock are resolved against.
pub const MIRROR: &str = "http://deb.debian.org/debian";
pub const KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

/// Pins per suite: suite -> package -> version.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lock {
    pub suites: BTreeMap<String, BTreeMap<String, String>>,
}

impl Lock {
    pub fn load(root: &Path) -> anyhow::Result<Lock> {
        let path = root.join(LOCK);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (create it with `cargo xtask lock --refresh`)",
                path.display()
            )
        })?;
        Ok(Lock {
            suites: parse_toml(&path, &text)?,
        })
    }

    /// `package=version` for each package, in the order given.
    pub fn pins(&self, suite: &str, packages: &[String]) -> anyhow::Result<Vec<(String, String)>> {
        packages
            .iter()
            .map(|p| {
                self.suites
                    .get(suite)
                    .and_then(|s| s.get(p))
                    .map(|v| (p.clone(), v.clone()))
                    .with_context(|| {
                        format!("{LOCK} has no pin for `{p}` in {suite}; run `cargo xtask lock --refresh`")
                    })
            })
            .collect()
    }

    /// The lock file's text: sorted, commented, stable.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# Exact Debian package versions for containers/interpreters.toml, per suite.\n\
             # Written by `cargo xtask lock --refresh` (which asks the Debian mirror what it serves\n\
             # now); `cargo xtask images` builds from these pins. Do not edit by hand.\n",
        );
        for (suite, pins) in &self.suites {
            out.push_str(&format!("\n[{suite}]\n"));
            for (p, v) in pins {
                out.push_str(&format!("{} = {}\n", quote(p), quote(v)));
            }
        }
        out
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("a string")
}

/// Show the pins, or resolve them again from the Debian mirror
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cargo xtask lock              # check that every catalogue package is pinned\n  \
    cargo xtask lock --check      # does the mirror still serve every pin? (needs the network)\n  \
    cargo xtask lock --refresh    # pin the versions Debian serves now (needs apt-get and the network)")]
pub struct LockCmd {
    /// Ask the Debian mirror for the versions it serves now and rewrite the lock
    #[arg(long)]
    pub refresh: bool,
    /// Ask the Debian mirror whether it still serves every pin; fails naming the gone ones
    /// and the refresh command (unstable's pins go within weeks)
    #[arg(long, conflicts_with = "refresh")]
    pub check: bool,
}

/// Packages the catalogue needs, per suite.
pub fn wanted(catalogue: &Catalogue) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in &catalogue.interpreters {
        if let Some(suite) = &i.suite {
            out.entry(suite.clone())
                .or_default()
                .extend(i.packages.iter().cloned());
        }
    }
    out
}

impl LockCmd {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let catalogue = Catalogue::load(&root)?;
        let wanted = wanted(&catalogue);
        if self.check {
            let lock = Lock::load(&root)?;
            let mut gone = Vec::new();
            for (suite, packages) in &wanted {
                crate::output::info(format!("asking {MIRROR} for {suite}…"));
                let served = resolve(sh, suite, packages)?;
                gone.extend(stale_pins(&lock, suite, packages, &served));
            }
            return match stale_error(&gone) {
                Some(e) => Err(e),
                None => {
                    println!("{LOCK}: the mirror still serves every pin");
                    Ok(())
                }
            };
        }
        if !self.refresh {
            let lock = Lock::load(&root)?;
            let mut missing = 0;
            for (suite, packages) in &wanted {
                for p in packages {
                    match lock.suites.get(suite).and_then(|s| s.get(p)) {
                        Some(v) => println!("{suite:<10} {p:<28} {v}"),
                        None => {
                            println!("{suite:<10} {p:<28} (not pinned)");
                            missing += 1;
                        }
                    }
                }
            }
            if missing > 0 {
                bail!("{missing} package(s) are not pinned; run `cargo xtask lock --refresh`");
            }
            return Ok(());
        }
        let old = Lock::load(&root).unwrap_or_default();
        let mut new = Lock::default();
        for (suite, packages) in &wanted {
            crate::output::info(format!("asking {MIRROR} for {suite}…"));
            let served = resolve(sh, suite, packages)?;
            check_families(suite, &served)?;
            new.suites.insert(
                suite.clone(),
                served
                    .iter()
                    .map(|(p, s)| (p.clone(), s.version.clone()))
                    .collect(),
            );
        }
        let mut changes = 0;
        for (suite, pins) in &new.suites {
            for (p, v) in pins {
                match old.suites.get(suite).and_then(|s| s.get(p)) {
                    Some(was) if was == v => {}
                    Some(was) => {
                        println!("{suite:<10} {p:<28} {was} -> {v}");
                        changes += 1;
                    }
                    None => {
                        println!("{suite:<10} {p:<28} (new) {v}");
                        changes += 1;
                    }
                }
            }
        }
        for (suite, pins) in &old.suites {
            for p in pins.keys() {
                if new.suites.get(suite).is_none_or(|s| !s.contains_key(p)) {
                    println!("{suite:<10} {p:<28} (dropped: no longer in the catalogue)");
                    changes += 1;
                }
            }
        }
        let path = root.join(LOCK);
        std::fs::write(&path, new.render())
            .with_context(|| format!("writing {}", path.display()))?;
        if changes == 0 {
            println!("{LOCK}: unchanged, every pin is what Debian serves now");
        } else {
            println!("{LOCK}: {changes} change(s) written; `cargo xtask images` rebuilds what they touch");
        }
        Ok(())
    }
}

/// A pin the mirror no longer serves: the version locked and the one served now, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Stale {
    pub suite: String,
    pub package: String,
    pub pinned: String,
    pub served: Option<String>,
}

/// The pins of `packages` in `suite` that `served` (what the mirror's index lists now, see
/// [`parse_show`]) does not hold. The Debian mirror keeps one version per package, so a pin that
/// differs from it cannot be installed any more.
pub fn stale_pins(
    lock: &Lock,
    suite: &str,
    packages: &BTreeSet<String>,
    served: &BTreeMap<String, Served>,
) -> Vec<Stale> {
    packages
        .iter()
        .filter_map(|p| {
            let pinned = lock.suites.get(suite)?.get(p)?;
            let now = served.get(p).map(|s| s.version.clone());
            (now.as_ref() != Some(pinned)).then(|| Stale {
                suite: suite.to_owned(),
                package: p.clone(),
                pinned: pinned.clone(),
                served: now,
            })
        })
        .collect()
}

/// The error for pins that have gone: each named, and the command that fixes them.
pub fn stale_error(gone: &[Stale]) -> Option<anyhow::Error> {
    if gone.is_empty() {
        return None;
    }
    let lines: Vec<String> = gone
        .iter()
        .map(|g| {
            let now = match &g.served {
                Some(v) => format!("the mirror serves {v}"),
                None => "not served".to_owned(),
            };
            format!("  {} {}={} ({now})", g.suite, g.package, g.pinned)
        })
        .collect();
    Some(anyhow::anyhow!(
        "{} pin(s) in {LOCK} are no longer served by {MIRROR}:\n{}\n\
         run `cargo xtask lock --refresh` to pin the versions it serves now \
         (images already built from the old pins stay cached in ~/.cache/whichpy/rootfs)",
        gone.len(),
        lines.join("\n")
    ))
}

/// A package as the mirror describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Served {
    pub version: String,
    /// `Depends` and `Pre-Depends`, verbatim.
    pub depends: String,
}

/// Ask the mirror which version of each package `suite` serves now.
pub fn resolve(
    sh: &Shell,
    suite: &str,
    packages: &BTreeSet<String>,
) -> anyhow::Result<BTreeMap<String, Served>> {
    if !Path::new(KEYRING).exists() {
        bail!("{KEYRING} is missing: apt-get install -y debian-archive-keyring");
    }
    let dir = tempdir_for_apt(suite)?;
    let d = dir.display().to_string();
    std::fs::write(
        dir.join("etc/apt/sources.list"),
        format!("deb [signed-by={KEYRING}] {MIRROR} {suite} main\n"),
    )?;
    let opts: Vec<String> = [
        format!("Dir={d}/"),
        format!("Dir::State::status={d}/var/lib/dpkg/status"),
        "Dir::Etc::trusted=/dev/null".into(),
        "Dir::Etc::TrustedParts=/etc/apt/trusted.gpg.d".into(),
        "APT::Architecture=amd64".into(),
        // As in the images: unstable's Release file expires within a week, and the mirror
        // may lag behind the clock; the signature is still checked.
        "Acquire::Check-Valid-Until=false".into(),
        "Debug::NoLocking=1".into(),
        "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false".into(),
        "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false".into(),
        "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false".into(),
        "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false".into(),
        "Acquire::IndexTargets::deb::CNF::DefaultEnabled=false".into(),
    ]
    .into_iter()
    .flat_map(|o| ["-o".to_owned(), o])
    .collect();
    let result = (|| {
        let o = &opts;
        cmd!(sh, "apt-get {o...} update -qq")
            .quiet()
            .ignore_stdout()
            .run()
            .with_context(|| format!("apt-get update for {suite} from {MIRROR}"))?;
        let names: Vec<&String> = packages.iter().collect();
        let out = cmd!(sh, "apt-cache {o...} show --no-all-versions {names...}")
            .quiet()
            .ignore_status()
            .ignore_stderr()
            .read()?;
        Ok::<_, anyhow::Error>(parse_show(&out))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    let served = result?;
    let missing: Vec<&String> = packages
        .iter()
        .filter(|p| !served.contains_key(*p))
        .collect();
    if !missing.is_empty() {
        bail!(
            "Debian {suite} serves no package named {}; fix the `packages` of containers/interpreters.toml",
            missing.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(served
        .into_iter()
        .filter(|(p, _)| packages.contains(p))
        .collect())
}

fn tempdir_for_apt(suite: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("whichpy-apt-{suite}-{}", std::process::id()));
    for sub in [
        "etc/apt/sources.list.d",
        "etc/apt/apt.conf.d",
        "etc/apt/preferences.d",
        "var/lib/apt/lists/partial",
        "var/cache/apt/archives/partial",
        "var/lib/dpkg",
    ] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    std::fs::write(dir.join("var/lib/dpkg/status"), "")?;
    Ok(dir)
}

/// Parse `apt-cache show` stanzas into package -> (version, depends).
pub fn parse_show(text: &str) -> BTreeMap<String, Served> {
    let mut out = BTreeMap::new();
    for stanza in text.split("\n\n") {
        let mut name = None;
        let mut version = None;
        let mut depends = Vec::new();
        for line in stanza.lines() {
            if let Some(v) = line.strip_prefix("Package: ") {
                name = Some(v.trim().to_owned());
            } else if let Some(v) = line.strip_prefix("Version: ") {
                version = Some(v.trim().to_owned());
            } else if let Some(v) = line
                .strip_prefix("Depends: ")
                .or_else(|| line.strip_prefix("Pre-Depends: "))
            {
                depends.push(v.trim().to_owned());
            }
        }
        if let (Some(n), Some(v)) = (name, version) {
            out.entry(n).or_insert(Served {
                version: v,
                depends: depends.join(", "),
            });
        }
    }
    out
}

/// Packages whose dependencies are locked to each other (`python3.13` needs
/// `libpython3.13-stdlib (= same version)`) must be pinned to matching versions, and a package
/// that such a dependency names should be pinned too (else the image gets whatever the mirror
/// has that day, and a mismatch fails the build).
pub fn check_families(suite: &str, served: &BTreeMap<String, Served>) -> anyhow::Result<()> {
    for (p, s) in served {
        for (dep, version) in exact_depends(&s.depends) {
            match served.get(&dep) {
                Some(d) if d.version == version => {}
                Some(d) => bail!(
                    "{suite}: {p} {} needs {dep} (= {version}) but the mirror serves {dep} {}; \
                     the mirror is probably mid-update, try again later",
                    s.version,
                    d.version
                ),
                None => crate::output::warning(
                    None,
                    format!(
                        "{suite}: {p} needs exactly {dep} (= {version}); add `{dep}` to its \
                         `packages` in containers/interpreters.toml to pin it with {p}"
                    ),
                ),
            }
        }
    }
    Ok(())
}

/// `name (= version)` dependencies (the first alternative of each).
fn exact_depends(depends: &str) -> Vec<(String, String)> {
    depends
        .split(',')
        .filter_map(|d| {
            let first = d.split('|').next()?.trim();
            let (name, rest) = first.split_once(' ')?;
            let v = rest.trim().strip_prefix("(=")?.strip_suffix(')')?.trim();
            Some((name.split(':').next()?.to_owned(), v.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_apt_cache_show_and_checks_families() {
        let text = "Package: python3.13\nVersion: 3.13.5-2+deb13u5\nDepends: python3.13-minimal (= 3.13.5-2+deb13u5), libpython3.13-stdlib (= 3.13.5-2+deb13u5), media-types | mime-support, tzdata\n\n\
                    Package: python3.13-minimal\nVersion: 3.13.5-2+deb13u5\nPre-Depends: libc6 (>= 2.38)\n\n\
                    Package: libpython3.13-stdlib\nVersion: 3.13.5-2+deb13u4\n";
        let served = parse_show(text);
        assert_eq!(served["python3.13"].version, "3.13.5-2+deb13u5");
        assert_eq!(
            exact_depends(&served["python3.13"].depends),
            vec![
                (
                    "python3.13-minimal".to_owned(),
                    "3.13.5-2+deb13u5".to_owned()
                ),
                (
                    "libpython3.13-stdlib".to_owned(),
                    "3.13.5-2+deb13u5".to_owned()
                )
            ]
        );
        let err = check_families("trixie", &served).unwrap_err().to_string();
        assert!(
            err.contains("libpython3.13-stdlib (= 3.13.5-2+deb13u5)"),
            "{err}"
        );
    }

    /// A pin of unstable that the mirror replaced: `lock --check` fails naming it and the
    /// refresh command. Fed a package index (what `apt-cache show` prints), so no network.
    #[test]
    fn a_pin_the_mirror_no_longer_serves_fails_with_the_refresh_command() {
        let mut lock = Lock::default();
        lock.suites.insert(
            "sid".into(),
            BTreeMap::from([
                ("pypy3".to_owned(), "8.0.1+dfsg-1".to_owned()),
                ("python3.15".to_owned(), "3.15.2-1".to_owned()),
            ]),
        );
        let index = "Package: python3.15\nVersion: 3.15.3-1\nDepends: tzdata\n\n\
                     Package: pypy3\nVersion: 8.0.1+dfsg-1\n";
        let served = parse_show(index);
        let wanted = BTreeSet::from(["pypy3".to_owned(), "python3.15".to_owned()]);
        let gone = stale_pins(&lock, "sid", &wanted, &served);
        assert_eq!(
            gone,
            vec![Stale {
                suite: "sid".into(),
                package: "python3.15".into(),
                pinned: "3.15.2-1".into(),
                served: Some("3.15.3-1".into()),
            }]
        );
        let err = stale_error(&gone).unwrap().to_string();
        assert!(err.contains("sid python3.15=3.15.2-1"), "{err}");
        assert!(err.contains("the mirror serves 3.15.3-1"), "{err}");
        assert!(err.contains("cargo xtask lock --refresh"), "{err}");
        // A package dropped from the suite altogether is gone too.
        let gone = stale_pins(&lock, "sid", &wanted, &parse_show(""));
        assert_eq!(gone.len(), 2);
        assert!(stale_error(&gone)
            .unwrap()
            .to_string()
            .contains("=8.0.1+dfsg-1 (not served)"));
        // Every pin served: no error.
        let all = parse_show(
            "Package: python3.15\nVersion: 3.15.2-1\n\nPackage: pypy3\nVersion: 8.0.1+dfsg-1\n",
        );
        assert!(stale_error(&stale_pins(&lock, "sid", &wanted, &all)).is_none());
    }

    #[test]
    fn lock_renders_and_reads_back() {
        let mut lock = Lock::default();
        lock.suites.insert(
            "trixie".into(),
            BTreeMap::from([("python3.13".to_owned(), "3.13.5-2+deb13u5".to_owned())]),
        );
        let text = lock.render();
        let back: BTreeMap<String, BTreeMap<String, String>> =
            parse_toml(Path::new("x.lock"), &text).unwrap();
        assert_eq!(back, lock.suites);
        let err = lock
            .pins("trixie", &["pypy3".to_owned()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cargo xtask lock --refresh"), "{err}");
    }

    #[test]
    fn the_committed_lock_pins_every_catalogue_package() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let lock = Lock::load(root).unwrap();
        let cat = Catalogue::load(root).unwrap();
        for i in cat.interpreters.iter().filter(|i| !i.is_host()) {
            lock.pins(i.suite.as_deref().unwrap(), &i.packages).unwrap();
        }
    }
}
