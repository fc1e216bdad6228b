//! Where things are in the repository, and facts about its revision.

use std::path::{Path, PathBuf};

use anyhow::Context;
use whichpy_wire::{ParseError, Suite};
use xshell::{cmd, Shell};

/// The repository root (the workspace that contains xtask).
pub fn root() -> PathBuf {
    // `cargo run` (and so `cargo xtask`) sets CARGO_MANIFEST_DIR at run time: prefer it, so a
    // binary built from another checkout sharing CARGO_TARGET_DIR still works on this one.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .filter(|d| d.join("Cargo.toml").is_file() && d.ends_with("xtask"))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

pub const HARNESS: &str = "bench-runner/harness/harness.py";
pub const WORKLOADS: &str = "bench-runner/workloads";
pub const SUITE: &str = "bench-runner/workloads/suite.json";
pub const RAW_DIR: &str = "results/raw";
pub const SUMMARY: &str = "results/summary.json";

/// The workload suite, generated from the workload files (see `cargo xtask suite`).
pub fn load_suite(root: &Path) -> Result<Suite, ParseError> {
    let path = root.join(SUITE);
    let suite: Suite = whichpy_wire::parse_json_file(&path)?;
    if suite.schema != whichpy_wire::SCHEMA {
        return Err(ParseError::at(
            &path,
            1,
            "schema",
            format!("schema {} is not supported", suite.schema),
        ));
    }
    Ok(suite)
}

/// The git revision and whether the work tree differs from it.
pub fn git_revision(sh: &Shell) -> (String, bool) {
    let rev = cmd!(sh, "git rev-parse HEAD")
        .quiet()
        .ignore_stderr()
        .read()
        .unwrap_or_else(|_| "unknown".into());
    let dirty = cmd!(sh, "git status --porcelain --untracked-files=no")
        .quiet()
        .ignore_stderr()
        .read()
        .map(|s| !s.trim().is_empty())
        .unwrap_or(false);
    (rev, dirty)
}

/// Build bench-runner for the host in release mode and return its path.
pub fn build_runner(sh: &Shell, root: &Path) -> anyhow::Result<PathBuf> {
    cmd!(sh, "cargo build --quiet --release --package bench-runner")
        .run()
        .context("building bench-runner")?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release/bench-runner"))
}
