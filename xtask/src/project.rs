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
/// Raw files of emulated microcontrollers (`bench --interp microbit`), kept apart.
pub const MCU_RAW_DIR: &str = "results/mcu";
pub const SUMMARY: &str = "results/summary.json";

/// The workload suite, generated from the workload files (see `cargo xtask suite`).
pub fn load_suite(root: &Path) -> Result<Suite, ParseError> {
    let path = root.join(SUITE);
    let bytes = std::fs::read(&path).map_err(|e| ParseError::io(&path, e))?;
    parse_suite(&path, &bytes)
}

/// Parse and check a suite: its schema, and its names (workload names and categories from
/// the id alphabet, descriptions and reasons one line of text), naming file, line and field.
pub fn parse_suite(path: &Path, bytes: &[u8]) -> Result<Suite, ParseError> {
    use whichpy_wire::names::{check_id, check_text};
    let suite: Suite = whichpy_wire::parse::parse_json_bytes(path, bytes)?;
    if suite.schema != whichpy_wire::SCHEMA {
        return Err(ParseError::at(
            path,
            1,
            "schema",
            format!("schema {} is not supported", suite.schema),
        ));
    }
    let text = String::from_utf8_lossy(bytes);
    let mut names = std::collections::BTreeMap::new();
    for (i, w) in suite.workloads.iter().enumerate() {
        // Every workload object has each of these keys once: the i-th occurrence is its own.
        let line = |key: &str| nth_key_line(&text, key, i);
        let err = |key: &str, why: String| {
            Err(ParseError::at(
                path,
                line(key),
                &format!("workloads[{i}].{key}"),
                format!("{key} {why}"),
            ))
        };
        if let Err(why) = check_id(&w.name) {
            return err("name", why);
        }
        if let Some(first) = names.insert(w.name.as_str(), line("name")) {
            return err(
                "name",
                format!("`{}` is a duplicate (first at line {first})", w.name),
            );
        }
        if let Err(why) = check_id(&w.category) {
            return err("category", why);
        }
        if let Err(why) = check_text(&w.description) {
            return err("description", why);
        }
        for (family, reason) in &w.unsupported {
            if let Err(why) = check_text(reason) {
                return Err(ParseError::at(
                    path,
                    line("unsupported"),
                    &format!("workloads[{i}].unsupported.{family}"),
                    format!("reason {why}"),
                ));
            }
        }
    }
    Ok(suite)
}

/// The 1-based line of the `n`-th (0-based) `"key":` in a pretty-printed JSON text, or 1.
fn nth_key_line(text: &str, key: &str, n: usize) -> usize {
    let needle = format!("\"{key}\":");
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(&needle))
        .nth(n)
        .map_or(1, |(i, _)| i + 1)
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
    let mut build = cmd!(sh, "cargo build --quiet --release --package bench-runner");
    build.set_quiet(crate::output::verbosity() == crate::output::Verbosity::Quiet);
    build.run().context("building bench-runner")?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release/bench-runner"))
}

/// Write `value` as pretty JSON (with a final newline) to `out`, creating its folder, through a
/// temporary file and a rename, so that an interrupted write never leaves a torn file (the
/// result files that `floor` and `scaling` rewrite after every cell).
pub fn write_json_atomic<T: serde::Serialize>(out: &Path, value: &T) -> anyhow::Result<()> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = out.with_extension("json.tmp");
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out)
        .with_context(|| format!("renaming {} to {}", tmp.display(), out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_suite_loads() {
        assert!(!load_suite(&root()).unwrap().workloads.is_empty());
    }

    #[test]
    fn names_are_checked_where_the_suite_is_read() {
        let path = root().join(SUITE);
        let text = std::fs::read_to_string(&path).unwrap();
        let suite: Suite = serde_json::from_str(&text).unwrap();
        let second = &suite.workloads[1];
        for (field, from, to) in [
            (
                "name",
                format!("\"name\": \"{}\"", second.name),
                "\"name\": \"[x](javascript:alert(3))\"".to_owned(),
            ),
            (
                "name",
                format!("\"name\": \"{}\"", second.name),
                format!("\"name\": \"{}\"", suite.workloads[0].name),
            ),
            (
                "description",
                format!(
                    "\"description\": {}",
                    serde_json::to_string(&second.description).unwrap()
                ),
                "\"description\": \"one\\n# two\"".to_owned(),
            ),
        ] {
            let bad = text.replacen(&from, &to, 1);
            assert_ne!(bad, text, "{from}");
            let err = parse_suite(&path, bad.as_bytes()).unwrap_err();
            let line = text.lines().position(|l| l.contains(&from)).unwrap() + 1;
            assert_eq!(err.line, Some(line), "{err}");
            assert_eq!(
                err.field.as_deref(),
                Some(format!("workloads[1].{field}").as_str()),
                "{err}"
            );
        }
    }
}
