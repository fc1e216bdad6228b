//! `cargo xtask images`: one image per interpreter package set, built from Debian packages
//! alone (no registry is needed).
//!
//! 1. **Root file system.** `mmdebstrap` writes a tarball of a minimal Debian (`essential`
//!    variant) with the pinned interpreter packages (`containers/interpreters.lock`). It is
//!    reproducible (`SOURCE_DATE_EPOCH`, no resolv.conf or hostname) and kept under
//!    `~/.cache/whichpy/rootfs/<hash of its inputs>/` (see `rootfs_cache`), with its sha256 and its package manifest
//!    (`dpkg-query`), so a later Debian point release that drops a pinned version does not
//!    break a machine that built it once.
//! 2. **Import.** The tarball becomes the image `whichpy-rootfs:<suite>-<hash>`.
//! 3. **Thin image.** `containers/Dockerfile`, the bench-runner binary, the harness and the
//!    workloads go into an in-memory tar context, built on top of the rootfs.
//!
//! The image is named after its suite and first package (`whichpy-trixie-python3.13`) and
//! tagged with the hash of every input; its labels carry that hash, the tarball's sha256 (the
//! identity that is stable across machines) and the package manifest. Catalogue entries with
//! the same suite and packages (variants that differ only in flags) share one image. When
//! nothing changed, the image is reused after hashing the inputs and one inspect call.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use whichpy_wire::{ImageInfo, Package};
use xshell::Shell;

use crate::catalogue::{Catalogue, Interpreter, SourceBuild};
use crate::docker::{Engine, LABEL};
use crate::lock::{Lock, MIRROR};
use crate::project::{self, HARNESS, WORKLOADS};

pub const DOCKERFILE: &str = "containers/Dockerfile";
pub const ROOTFS_CACHE: &str = ".cache/rootfs";

/// Where root file system tarballs are kept: `$WHICHPY_CACHE/rootfs`, else
/// `$XDG_CACHE_HOME/whichpy/rootfs` or `~/.cache/whichpy/rootfs`, shared by every checkout on
/// the machine (a fresh clone, CI) so a Debian point release cannot break a machine that built
/// the pins once; `ROOTFS_CACHE` in the project when no home is known.
pub fn rootfs_cache(root: &Path) -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("WHICHPY_CACHE")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("whichpy")))
        .or_else(|| env("HOME").map(|h| h.join(".cache/whichpy")))
        .map(|d| d.join("rootfs"))
        .unwrap_or_else(|| root.join(ROOTFS_CACHE))
}
/// Timestamp of every file in a rootfs tarball (2025-01-01): any constant makes it reproducible.
const SOURCE_DATE_EPOCH: &str = "1735689600";
/// Bump when the way a rootfs is made changes (options, hooks), so cached tarballs are not reused.
const ROOTFS_RECIPE: &str = "whichpy-rootfs-v1 mmdebstrap --variant=essential --mode=root";
const IMAGE_RECIPE: &str = "whichpy-image-v1";
/// Bump when the build stage changes (its options, hooks, make flags).
const BUILD_RECIPE: &str =
    "whichpy-build-v1 mmdebstrap --variant=apt --mode=root; apt-get source; \
     ./configure; make -j2; make install";
/// How the build stage compiles: lean on purpose, on a shared 2-core machine.
const MAKE_JOBS: &str = "-j2";
const BUILD_NOTES: &str = "plain ./configure and make -j2 of Debian's patched source (not \
     debian/rules): no PGO (--enable-optimizations), no LTO, test suite not run";

/// Label of a thin image: [`Provenance`] as JSON (one label: each is a build step).
pub const LABEL_PROVENANCE: &str = "whichpy.image";
/// Label of an imported root file system: the tarball's sha256.
pub const LABEL_CONTENT: &str = "whichpy.content-digest";

/// What an image's label says about it: [`ImageInfo`] without the engine-local id.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    pub inputs_hash: String,
    pub content_digest: String,
    pub suite: String,
    pub packages: Vec<Package>,
    /// Set when the interpreter was compiled from source in a build stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildRecord>,
}

/// What a build stage did: from which source, with which flags, on which tools, how long.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BuildRecord {
    /// Debian source package and version (`python3.14 3.14.10-1`).
    pub source: String,
    pub version: String,
    pub configure: Vec<String>,
    pub make: String,
    pub notes: String,
    /// The build stage's packages (compiler, -dev libraries) as installed that day.
    pub build_packages: Vec<Package>,
    /// Wall time of the build stage on the machine that built it.
    pub seconds: f64,
}

/// Everything an image is made from. Tests point `workloads` at a temporary copy.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub root: PathBuf,
    pub runner: PathBuf,
    pub harness: PathBuf,
    pub workloads: PathBuf,
    pub dockerfile: PathBuf,
    pub rootfs_cache: PathBuf,
    pub lock: Lock,
}

impl Inputs {
    /// The repository's own inputs. `runner`: the host release build of bench-runner.
    pub fn for_repo(root: &Path, runner: PathBuf) -> anyhow::Result<Inputs> {
        Ok(Inputs {
            root: root.to_owned(),
            runner,
            harness: root.join(HARNESS),
            workloads: root.join(WORKLOADS),
            dockerfile: root.join(DOCKERFILE),
            rootfs_cache: rootfs_cache(root),
            lock: Lock::load(root)?,
        })
    }
}

/// What makes images differ: the Debian suite and the packages.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageKey {
    pub suite: String,
    pub packages: Vec<String>,
    /// Compiled from source in a build stage (see [`SourceBuild`]).
    pub build: Option<SourceBuild>,
}

impl ImageKey {
    /// `None` for host interpreters, which have no image.
    pub fn of(interp: &Interpreter) -> Option<ImageKey> {
        Some(ImageKey {
            suite: interp.suite.clone()?,
            packages: interp.packages.clone(),
            build: interp.build.clone(),
        })
    }

    /// `whichpy-trixie-python3.13`; a built interpreter is named after its install folder
    /// (`whichpy-sid-python3.14t`).
    pub fn repo(&self) -> String {
        let what = self
            .build
            .as_ref()
            .and_then(|b| b.prefix())
            .and_then(|p| p.rsplit('/').find(|s| !s.is_empty()))
            .unwrap_or(&self.packages[0]);
        // Docker repository names allow [a-z0-9._-]; Debian names may also hold `+`.
        format!("whichpy-{}-{}", self.suite, what)
            .to_lowercase()
            .replace(
                |c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)),
                "-",
            )
    }
}

/// An image ready to run.
#[derive(Clone, Debug)]
pub struct Built {
    /// `repo:tag`, the name to start containers from.
    pub name: String,
    pub info: ImageInfo,
    /// The build stage's record, for an interpreter compiled from source.
    pub build: Option<BuildRecord>,
    pub reused: bool,
}

/// Build the image for `key`, or reuse it when every input is unchanged.
pub fn ensure(engine: &Engine, inputs: &Inputs, key: &ImageKey) -> anyhow::Result<Built> {
    let pins = inputs.lock.pins(&key.suite, &key.packages)?;
    let build = match &key.build {
        Some(b) => {
            let version = inputs
                .lock
                .pins(&key.suite, std::slice::from_ref(&b.source))?
                .remove(0)
                .1;
            Some((b, version))
        }
        None => None,
    };
    let build_hash = build.as_ref().map(|(b, v)| build_hash(&key.suite, b, v));
    let rootfs_hash = rootfs_hash(&key.suite, &pins, build_hash.as_deref());
    let context = context_files(inputs)?;
    let inputs_hash = {
        let mut h = Sha256::new();
        h.update(IMAGE_RECIPE);
        h.update(b"\0");
        h.update(&rootfs_hash);
        for f in &context {
            h.update(b"\0");
            h.update(&f.name);
            h.update(b"\0");
            h.update(f.mode.to_string());
            h.update(b"\0");
            h.update((f.bytes.len() as u64).to_le_bytes());
            h.update(&f.bytes);
        }
        hex(&h.finalize())
    };
    let repo = key.repo();
    let name = format!("{repo}:{}", &inputs_hash[..16]);
    if let Some(img) = engine.inspect_image(&name)? {
        let label: Option<Provenance> = img
            .labels
            .get(LABEL_PROVENANCE)
            .and_then(|l| serde_json::from_str(l).ok());
        if let Some(p) = label.filter(|p| p.inputs_hash == inputs_hash) {
            return Ok(Built {
                info: ImageInfo {
                    id: img.id,
                    content_digest: p.content_digest,
                    inputs_hash: p.inputs_hash,
                    packages: p.packages,
                },
                name,
                build: p.build,
                reused: true,
            });
        }
    }

    let stage = match (&build, &build_hash) {
        (Some((b, version)), Some(hash)) => {
            Some(ensure_build(inputs, &key.suite, b, version, hash)?)
        }
        _ => None,
    };
    let rootfs = ensure_rootfs(
        inputs,
        &key.suite,
        &pins,
        &rootfs_hash,
        stage.as_ref().map(|s| s.tarball.as_path()),
    )?;
    let base = format!("whichpy-rootfs:{}-{}", key.suite, &rootfs_hash[..16]);
    if engine.inspect_image(&base)?.is_none() {
        let t = Instant::now();
        let tar = std::fs::read(&rootfs.tarball)
            .with_context(|| format!("reading {}", rootfs.tarball.display()))?;
        crate::output::info(format!(
            "  {repo}: importing the root file system ({} MB) as {base}…",
            tar.len() / 1_000_000
        ));
        let labels = vec![
            (LABEL.to_owned(), "rootfs".to_owned()),
            (LABEL_CONTENT.to_owned(), rootfs.sha256.clone()),
        ];
        engine.import_rootfs(tar, &base, &labels, &mut |_| {})?;
        crate::output::info(format!(
            "  {repo}: imported in {:.1} s",
            t.elapsed().as_secs_f64()
        ));
    }
    let imported = engine
        .inspect_image(&base)?
        .with_context(|| format!("{base} vanished after the import"))?;
    if imported.layers.first() != Some(&rootfs.sha256) {
        // The engine's copy is not the verified tarball (imported from a damaged one, or
        // changed): never label an image with a digest its layer does not have.
        let removed = engine.remove_image(&base);
        bail!(
            "{base} has layer {}, not the sha256 of the cached tarball {} ({}); {}; run the \
             command again to import the tarball anew",
            imported.layers.first().map_or("(none)", String::as_str),
            rootfs.tarball.display(),
            rootfs.sha256,
            match removed {
                Ok(()) => format!("{base} was removed"),
                Err(e) => format!("removing it failed ({e:#}): `docker rmi {base}`"),
            }
        );
    }

    let provenance = Provenance {
        inputs_hash: inputs_hash.clone(),
        content_digest: rootfs.sha256.clone(),
        suite: key.suite.clone(),
        packages: rootfs.packages.clone(),
        build: stage.as_ref().map(|s| s.record.clone()),
    };
    let labels = HashMap::from([
        (LABEL.to_owned(), "image".to_owned()),
        (
            LABEL_PROVENANCE.to_owned(),
            serde_json::to_string(&provenance)?,
        ),
    ]);
    let build_args = HashMap::from([("ROOTFS".to_owned(), base.clone())]);
    let t = Instant::now();
    crate::output::info(format!("  {repo}: building {name}"));
    let tar = context_tar(&context)?;
    let id = engine.build_image(tar, &name, &build_args, &labels, &mut |line| {
        if line.starts_with("Step ") {
            let short: String = line.chars().take(100).collect();
            crate::output::info(format!(
                "    {short}{}",
                if short.len() < line.len() { "…" } else { "" }
            ));
        }
    })?;
    crate::output::info(format!(
        "  {repo}: built in {:.1} s",
        t.elapsed().as_secs_f64()
    ));
    Ok(Built {
        name,
        info: ImageInfo {
            id,
            content_digest: rootfs.sha256,
            inputs_hash,
            packages: rootfs.packages,
        },
        build: provenance.build,
        reused: false,
    })
}

/// Whether `key`'s build stage (if it has one) is already in the cache, so that building its
/// image takes seconds, not the tens of minutes of a compile.
pub fn build_cached(inputs: &Inputs, key: &ImageKey) -> anyhow::Result<bool> {
    if key.build.is_none() {
        return Ok(true);
    }
    Ok(build_stage_record(inputs, key)?.is_some())
}

/// The cached build stage's record of `key`, if it has been compiled on this machine.
pub fn build_stage_record(inputs: &Inputs, key: &ImageKey) -> anyhow::Result<Option<BuildRecord>> {
    let Some(b) = &key.build else {
        return Ok(None);
    };
    let version = inputs
        .lock
        .pins(&key.suite, std::slice::from_ref(&b.source))?
        .remove(0)
        .1;
    let path = inputs
        .rootfs_cache
        .join(build_hash(&key.suite, b, &version))
        .join("build.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(
            serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?,
        )),
        Err(_) => Ok(None),
    }
}

/// One file of the build context.
struct ContextFile {
    name: String,
    mode: u32,
    bytes: Vec<u8>,
}

/// The build context, in a fixed order: Dockerfile, then what goes to /opt/whichpy
/// (bench-runner, harness.py, workloads/*).
fn context_files(inputs: &Inputs) -> anyhow::Result<Vec<ContextFile>> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let mut files = vec![
        ContextFile {
            name: "Dockerfile".into(),
            mode: 0o644,
            bytes: read(&inputs.dockerfile)?,
        },
        ContextFile {
            name: "opt/whichpy/bench-runner".into(),
            mode: 0o755,
            bytes: read(&inputs.runner)?,
        },
        ContextFile {
            name: "opt/whichpy/harness.py".into(),
            mode: 0o644,
            bytes: read(&inputs.harness)?,
        },
    ];
    // The other Python files beside the harness (the profile driver of `cargo xtask
    // profile`), so that every image can be profiled.
    if let Some(dir) = inputs.harness.parent() {
        let mut extra: Vec<String> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| {
                n.ends_with(".py")
                    && Some(n.as_str()) != inputs.harness.file_name().and_then(|f| f.to_str())
            })
            .collect();
        extra.sort();
        for n in extra {
            files.push(ContextFile {
                bytes: read(&dir.join(&n))?,
                name: format!("opt/whichpy/{n}"),
                mode: 0o644,
            });
        }
    }
    let mut names: Vec<String> = std::fs::read_dir(&inputs.workloads)
        .with_context(|| format!("reading {}", inputs.workloads.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".py") || n.ends_with(".json"))
        .collect();
    names.sort();
    for n in names {
        files.push(ContextFile {
            bytes: read(&inputs.workloads.join(&n))?,
            name: format!("opt/whichpy/workloads/{n}"),
            mode: 0o644,
        });
    }
    Ok(files)
}

fn context_tar(files: &[ContextFile]) -> anyhow::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    for dir in ["opt/", "opt/whichpy/", "opt/whichpy/workloads/"] {
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_mode(0o755);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Directory);
        b.append_data(&mut h, dir, std::io::empty())?;
    }
    for f in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(f.bytes.len() as u64);
        h.set_mode(f.mode);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, &f.name, f.bytes.as_slice())?;
    }
    Ok(b.into_inner()?)
}

/// Hash of everything a build stage's output is made from.
fn build_hash(suite: &str, build: &SourceBuild, version: &str) -> String {
    let mut h = Sha256::new();
    for part in [BUILD_RECIPE, MAKE_JOBS, MIRROR, suite, SOURCE_DATE_EPOCH] {
        h.update(part);
        h.update(b"\0");
    }
    h.update(format!("{}={version}\0", build.source));
    for d in &build.build_depends {
        h.update(format!("dep {d}\0"));
    }
    for a in &build.configure {
        h.update(format!("configure {a}\0"));
    }
    hex(&h.finalize())
}

/// Hash of everything a rootfs tarball is made from (and the build stage's, if any).
fn rootfs_hash(suite: &str, pins: &[(String, String)], build: Option<&str>) -> String {
    let mut sorted = pins.to_vec();
    sorted.sort();
    let mut h = Sha256::new();
    for part in [ROOTFS_RECIPE, MIRROR, suite, SOURCE_DATE_EPOCH] {
        h.update(part);
        h.update(b"\0");
    }
    for (p, v) in sorted {
        h.update(format!("{p}={v}\0"));
    }
    if let Some(b) = build {
        h.update(format!("build {b}\0"));
    }
    hex(&h.finalize())
}

/// A root file system tarball in the cache.
#[derive(Debug)]
pub struct Rootfs {
    pub tarball: PathBuf,
    /// `sha256:<hex>` of the tarball.
    pub sha256: String,
    pub packages: Vec<Package>,
}

/// The cached tarball for these pins, or a new one from mmdebstrap.
fn ensure_rootfs(
    inputs: &Inputs,
    suite: &str,
    pins: &[(String, String)],
    hash: &str,
    built: Option<&Path>,
) -> anyhow::Result<Rootfs> {
    let dir = inputs.rootfs_cache.join(hash);
    let damaged = match cached_rootfs(&dir) {
        Cached::Verified(r) => return Ok(r),
        Cached::Missing => None,
        Cached::Damaged(why) => {
            crate::output::warning(None, &why);
            Some(why)
        }
    };
    if which("mmdebstrap").is_none() {
        bail!(
            "{}mmdebstrap is missing; it writes the images' root file systems: \
             apt-get install -y mmdebstrap (or `cargo xtask doctor --install`)",
            damaged.map_or(String::new(), |w| format!("{w}; "))
        );
    }
    let tmp = inputs
        .rootfs_cache
        .join(format!("tmp-{}-{}", &hash[..16], std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let include = pins
        .iter()
        .map(|(p, v)| format!("{p}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let manifest = tmp.join("packages.tsv");
    let t = Instant::now();
    crate::output::info(format!("  mmdebstrap {suite} --include={include}"));
    // A build stage's output is unpacked into the root file system before the manifest is taken.
    let unpack = built.map(|t| format!("--customize-hook=tar -C \"$1\" -xf '{}'", t.display()));
    let mut child = Command::new("mmdebstrap")
        .args(unpack.iter())
        .args([
            "--variant=essential",
            "--mode=root",
            "--format=tar",
            // The mirror this machine reaches can lag behind the clock, and unstable's Release
            // file is valid for a week only: apt would refuse it as expired. The signature is
            // still checked, and the pins are exact versions, so this changes nothing that is
            // installed (hence not part of ROOTFS_RECIPE).
            "--aptopt=Acquire::Check-Valid-Until \"false\"",
            &format!("--include={include}"),
            "--customize-hook=rm -f \"$1/etc/resolv.conf\" \"$1/etc/hostname\"",
            &format!(
                "--customize-hook=chroot \"$1\" dpkg-query -W -f='${{Package}}\\t${{Version}}\\n' > '{}'",
                manifest.display()
            ),
            suite,
            &tmp.join("rootfs.tar").display().to_string(),
            MIRROR,
        ])
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting mmdebstrap")?;
    let mut log: Vec<String> = Vec::new();
    for line in BufReader::new(child.stderr.take().expect("piped")).lines() {
        let line = line?;
        crate::output::info(format!("    {line}"));
        log.push(line);
    }
    let status = child.wait()?;
    if !status.success() {
        let _ = std::fs::remove_dir_all(&tmp);
        let text = log.join("\n");
        if let Some(e) = gone_pin_error(suite, &text) {
            return Err(e);
        }
        let last: Vec<&String> = log.iter().rev().take(8).rev().collect();
        bail!(
            "mmdebstrap failed ({status}) for {suite}:\n{}",
            last.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let sha256 = sha256_file(&tmp.join("rootfs.tar"))?;
    std::fs::write(tmp.join("sha256"), format!("{sha256}\n"))?;
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => {}
        // Another process finished the same tarball first: keep theirs.
        Err(_) if dir.join("sha256").is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Err(e) => return Err(e).with_context(|| format!("moving {} into place", tmp.display())),
    }
    crate::output::info(format!(
        "  root file system for {suite} written in {:.1} s ({sha256})",
        t.elapsed().as_secs_f64()
    ));
    match cached_rootfs(&dir) {
        Cached::Verified(r) => Ok(r),
        Cached::Missing => bail!("{} vanished after it was written", dir.display()),
        Cached::Damaged(why) => bail!("{why} (just after mmdebstrap wrote it)"),
    }
}

/// A root file system's cache entry, checked.
#[derive(Debug)]
pub enum Cached {
    /// Its tarball hashes to the sha256 recorded beside it.
    Verified(Rootfs),
    /// No entry (or an unfinished one without its `sha256`).
    Missing,
    /// The entry was damaged (a cut or changed tarball, a missing file): what was wrong, with
    /// its path. The entry has been removed, so that it is built again.
    Damaged(String),
}

/// Read the cache entry `dir` and hash its tarball now: the recorded `sha256` is what the
/// tarball hashed to when mmdebstrap wrote it, never trusted on its own. A damaged entry is
/// removed (it would otherwise fail, or import a partial root file system under the good
/// digest, on every run).
pub fn cached_rootfs(dir: &Path) -> Cached {
    if !dir.join("sha256").is_file() {
        return Cached::Missing;
    }
    let check = || -> anyhow::Result<Rootfs> {
        let recorded = std::fs::read_to_string(dir.join("sha256"))
            .context("reading its sha256")?
            .trim()
            .to_owned();
        let manifest =
            std::fs::read_to_string(dir.join("packages.tsv")).context("reading packages.tsv")?;
        let tarball = dir.join("rootfs.tar");
        let actual = sha256_file(&tarball)?;
        if actual != recorded {
            let len = std::fs::metadata(&tarball).map_or(0, |m| m.len());
            bail!(
                "rootfs.tar ({len} bytes) hashes to {actual}, not the {recorded} recorded when \
                 it was written: cut or changed"
            );
        }
        Ok(Rootfs {
            tarball,
            sha256: recorded,
            packages: parse_manifest(&manifest),
        })
    };
    match check() {
        Ok(r) => Cached::Verified(r),
        Err(e) => {
            let removed = match std::fs::remove_dir_all(dir) {
                Ok(()) => "removed, and built again".to_owned(),
                Err(r) => format!("removing it failed ({r}): delete it by hand"),
            };
            Cached::Damaged(format!(
                "the cached root file system {} is damaged: {e:#}; {removed}",
                dir.display()
            ))
        }
    }
}

/// A build stage's output in the cache.
pub struct Stage {
    /// A tarball of the install folder, relative to `/`.
    pub tarball: PathBuf,
    pub record: BuildRecord,
}

/// The build stage: compile `build.source` at `version` from Debian's source package, or reuse
/// the cached result. A throw-away Debian root (`mmdebstrap --variant=apt`, to `/dev/null`)
/// gets build-essential, dpkg-dev and the build's `-dev` packages; in it, `apt-get source`
/// fetches and patches the source from the suite's deb-src, then `./configure`, `make -j2`
/// and `make install` put the interpreter in its `--prefix`, which a hook tars out to
/// `<cache>/<hash>/build.tar` with a `build.json` record. The compiler output goes to
/// `build.log` next to it.
pub fn ensure_build(
    inputs: &Inputs,
    suite: &str,
    build: &SourceBuild,
    version: &str,
    hash: &str,
) -> anyhow::Result<Stage> {
    let dir = inputs.rootfs_cache.join(hash);
    let load = |dir: &Path| -> anyhow::Result<Stage> {
        let record = std::fs::read_to_string(dir.join("build.json"))?;
        Ok(Stage {
            tarball: dir.join("build.tar"),
            record: serde_json::from_str(&record)
                .with_context(|| format!("reading {}", dir.join("build.json").display()))?,
        })
    };
    if dir.join("build.json").is_file() {
        return load(&dir);
    }
    if which("mmdebstrap").is_none() {
        bail!("mmdebstrap is missing; the build stage needs it: apt-get install -y mmdebstrap");
    }
    let prefix = build
        .prefix()
        .context("the build's configure has no --prefix=")?
        .trim_start_matches('/')
        .to_owned();
    let tmp = inputs
        .rootfs_cache
        .join(format!("tmp-build-{}-{}", &hash[..16], std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let log_path = tmp.join("build.log");
    let q = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    let configure: Vec<String> = build.configure.iter().map(|a| q(a)).collect();
    let source = format!("{}={version}", build.source);
    // Each step runs in the chroot; its output goes to the log on the host.
    let step = |script: String| {
        format!(
            "--customize-hook=chroot \"$1\" sh -ec {} >> '{}' 2>&1",
            q(&script),
            log_path.display()
        )
    };
    let include = ["build-essential", "dpkg-dev"]
        .into_iter()
        .map(str::to_owned)
        .chain(build.build_depends.iter().cloned())
        .collect::<Vec<_>>()
        .join(",");
    let args = vec![
        "--variant=apt".to_owned(),
        "--mode=root".to_owned(),
        "--aptopt=Acquire::Check-Valid-Until \"false\"".to_owned(),
        format!("--include={include}"),
        step(format!(
            "mkdir -p /src && cd /src && apt-get source --only-source {}",
            q(&source)
        )),
        step(format!(
            "cd /src/{}-*/ && ./configure {} && make {MAKE_JOBS} && make install",
            build.source,
            configure.join(" ")
        )),
        format!(
            "--customize-hook=chroot \"$1\" dpkg-query -W -f='${{Package}}\\t${{Version}}\\n' > '{}'",
            tmp.join("build-packages.tsv").display()
        ),
        format!(
            "--customize-hook=tar -C \"$1\" --sort=name --mtime=@{SOURCE_DATE_EPOCH} --owner=0 \
             --group=0 --numeric-owner -cf '{}' {}",
            tmp.join("build.tar").display(),
            q(&prefix)
        ),
        suite.to_owned(),
        "/dev/null".to_owned(),
        format!("deb {MIRROR} {suite} main"),
        format!("deb-src {MIRROR} {suite} main"),
    ];
    let t = Instant::now();
    crate::output::info(format!(
        "  build stage: {source} with ./configure {} (make {MAKE_JOBS}; a cold build takes tens \
         of minutes on 2 cores; compiler output in {})",
        build.configure.join(" "),
        log_path.display()
    ));
    let mut child = Command::new("mmdebstrap")
        .args(&args)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting mmdebstrap for the build stage")?;
    let mut log: Vec<String> = Vec::new();
    for line in BufReader::new(child.stderr.take().expect("piped")).lines() {
        let line = line?;
        if !line.starts_with("I: ") || line.contains("hook") {
            crate::output::info(format!("    {line}"));
        }
        log.push(line);
    }
    let status = child.wait()?;
    if !status.success() {
        let text = log.join("\n");
        let build_log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = build_log.lines().rev().take(15).collect();
        if let Some(e) = gone_pin_error(suite, &format!("{text}\n{build_log}")) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        bail!(
            "the build stage failed ({status}) for {source} in {suite}; the last lines of {}:\n{}",
            log_path.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let record = BuildRecord {
        source: build.source.clone(),
        version: version.to_owned(),
        configure: build.configure.clone(),
        make: format!("make {MAKE_JOBS}"),
        notes: BUILD_NOTES.to_owned(),
        build_packages: parse_manifest(
            &std::fs::read_to_string(tmp.join("build-packages.tsv")).unwrap_or_default(),
        ),
        seconds: t.elapsed().as_secs_f64(),
    };
    std::fs::write(
        tmp.join("build.json"),
        serde_json::to_string_pretty(&record)?,
    )?;
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => {}
        Err(_) if dir.join("build.json").is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Err(e) => return Err(e).with_context(|| format!("moving {} into place", tmp.display())),
    }
    crate::output::info(format!(
        "  build stage for {source} done in {:.0} s",
        record.seconds
    ));
    load(&dir)
}

/// The error for an mmdebstrap log that says a pin has gone from the mirror: it names the pin
/// and the refresh command.
fn gone_pin_error(suite: &str, log: &str) -> Option<anyhow::Error> {
    let (package, pinned) = missing_pin(log)?;
    let gone = crate::lock::Stale {
        suite: suite.to_owned(),
        package,
        pinned,
        served: None,
    };
    crate::lock::stale_error(&[gone])
}

/// `(package, version)` from apt's "Version 'V' for 'P' was not found".
fn missing_pin(log: &str) -> Option<(String, String)> {
    let i = log.find("Version '")?;
    let rest = &log[i + "Version '".len()..];
    let (ver, rest) = rest.split_once("' for '")?;
    let (pkg, _) = rest.split_once('\'')?;
    Some((pkg.to_owned(), ver.to_owned()))
}

fn parse_manifest(text: &str) -> Vec<Package> {
    let mut out: Vec<Package> = text
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(n, v)| Package {
            name: n.trim().to_owned(),
            version: v.trim().to_owned(),
        })
        .collect();
    out.sort();
    out
}

fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(format!("sha256:{}", hex(&h.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

/// Build the interpreter images, or reuse them when nothing changed
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cargo xtask images                          # the default set (trixie: CPython, PyPy, MicroPython)\n  \
    cargo xtask images --interp variants --interp history\n\n\
Needs a Docker engine and mmdebstrap (apt-get install -y mmdebstrap). Pins come from \
containers/interpreters.lock; root file systems are kept in ~/.cache/whichpy/rootfs/.")]
pub struct Images {
    /// Interpreter ids or sets (default, latest, variants, history, freethreaded; `all`: those five); repeatable [default: default]
    #[arg(long = "interp", value_name = "ID|SET")]
    pub interps: Vec<String>,
}

impl Images {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let start = Instant::now();
        let root = project::root();
        let engine = Engine::connect()?;
        let catalogue = Catalogue::load(&root)?;
        let wanted = if self.interps.is_empty() {
            vec!["default".to_owned()]
        } else {
            self.interps
        };
        let selected = catalogue.select(&wanted)?;
        let runner = project::build_runner(sh, &root)?;
        let inputs = Inputs::for_repo(&root, runner)?;
        let mut keys: Vec<(ImageKey, Vec<String>)> = Vec::new();
        for interp in selected {
            let Some(key) = ImageKey::of(interp) else {
                crate::output::warning(
                    None,
                    format!("skipping {}: a host interpreter has no image", interp.id),
                );
                continue;
            };
            match keys.iter_mut().find(|(k, _)| *k == key) {
                Some((_, ids)) => ids.push(interp.id.clone()),
                None => keys.push((key, vec![interp.id.clone()])),
            }
        }
        for (key, ids) in &keys {
            let t = Instant::now();
            let built = ensure(&engine, &inputs, key)?;
            println!(
                "{:<38} {} {} in {:.1} s (for {})",
                built.name,
                &built.info.id[..built.info.id.len().min(19)],
                if built.reused {
                    "reused, inputs unchanged"
                } else {
                    "built"
                },
                t.elapsed().as_secs_f64(),
                ids.join(", ")
            );
        }
        crate::output::info(format!(
            "images ready in {:.1} s",
            start.elapsed().as_secs_f64()
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_missing_version_names_the_pin() {
        let log = "E: Version '3.13.5-2+deb13u4' for 'python3.13' was not found\nE: apt-get failed";
        assert_eq!(
            missing_pin(log),
            Some(("python3.13".into(), "3.13.5-2+deb13u4".into()))
        );
        let err = gone_pin_error("trixie", log).unwrap().to_string();
        assert!(
            err.contains("trixie python3.13=3.13.5-2+deb13u4 (not served)"),
            "{err}"
        );
        assert!(err.contains("cargo xtask lock --refresh"), "{err}");
        assert!(gone_pin_error("trixie", "E: unrelated").is_none());
    }

    #[test]
    fn rootfs_hash_ignores_pin_order_but_not_versions() {
        let a = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
        ];
        let b = vec![
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "1".to_owned()),
        ];
        let c = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "3".to_owned()),
        ];
        let h = |s, p| rootfs_hash(s, p, None);
        assert_eq!(h("trixie", &a), h("trixie", &b));
        assert_ne!(h("trixie", &a), h("trixie", &c));
        assert_ne!(h("trixie", &a), h("bookworm", &a));
        assert_ne!(h("trixie", &a), rootfs_hash("trixie", &a, Some("x")));
    }
}
