//! `cargo xtask merge` (issue 15, item 2) on a real quick native run, split into shards:
//! shards from one machine merge into the summary of the unsplit run; shards from two
//! machines keep their absolute times apart (and a kernel-only difference is reported);
//! a shard without the baseline, overlapping cells and different pins fail clearly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use whichpy_wire::summary::Summary;
use xtask::merge::merge_files;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One quick native run of the host interpreters (a few seconds), shared by the tests.
fn run() -> &'static (Vec<String>, PathBuf) {
    static RUN: OnceLock<(Vec<String>, PathBuf)> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["bench", "--backend", "native", "--quick"])
            .args(["--interp", "cpython-host", "--interp", "pypy-host"])
            .args(["--workload", "int_arith", "--workload", "recursion"])
            .args(["--workload", "startup"])
            .args([
                "--processes",
                "3",
                "--iterations",
                "3",
                "--startup-processes",
                "4",
            ])
            .arg("--out")
            .arg(dir.join("raw"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the native bench failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = std::fs::read_dir(dir.join("raw"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .unwrap();
        let lines = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        (lines, file)
    })
}

/// Write a shard: the run's metadata line (edited by `meta`) and its records whose workload
/// and interpreter `keep` accepts.
fn shard(
    dir: &Path,
    name: &str,
    keep: impl Fn(&str, &str) -> bool,
    meta: impl Fn(&mut Value),
) -> PathBuf {
    let (lines, _) = run();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let mut v: Value = serde_json::from_str(line).unwrap();
        if i == 0 {
            // The bench ran from this checkout, maybe with uncommitted edits: a refresh's shards
            // come from a clean commit (`merge` checks it; tests/merge_checks.rs in stats).
            v["git_dirty"] = Value::Bool(false);
            meta(&mut v);
        } else {
            let w = v["workload"].as_str().unwrap_or_default();
            let interp = v["interp"].as_str().unwrap_or_default();
            if !keep(w, interp) {
                continue;
            }
        }
        out.push_str(&serde_json::to_string(&v).unwrap());
        out.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

fn analyse(files: &[PathBuf]) -> Summary {
    xtask::analyse::summarise_files(&repo(), files, None, true).unwrap()
}

/// A summary without what names runs and files: the run list, and the merge's own record.
fn comparable(s: &Summary) -> Value {
    let mut v = serde_json::to_value(s).unwrap();
    v.as_object_mut().unwrap().remove("merge");
    v["environment"]["runs"] = Value::Null;
    v
}

#[test]
fn shards_of_one_machine_merge_into_the_unsplit_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (_, whole) = run();
    let a = shard(dir.path(), "a.jsonl", |w, _| w != "recursion", |_| {});
    let b = shard(dir.path(), "b.jsonl", |w, _| w == "recursion", |_| {});
    let merged = merge_files(&repo(), &[a, b], None).unwrap();
    let unsplit = analyse(std::slice::from_ref(whole));
    assert_eq!(comparable(&merged), comparable(&unsplit));
    let info = merged.merge.as_ref().unwrap();
    assert_eq!(info.machines.len(), 1);
    assert!(info.kernel_only.is_empty());
    assert!(merged.cells.iter().all(|c| c.machine.is_none()));
}

/// Shard B on "another machine" that differs only by its kernel build (its fingerprint is
/// the one those fields give: `merge` re-derives it).
fn other_machine(v: &mut Value) {
    v["machine"]["kernel"] = Value::from("6.1.0-99-amd64");
    v["machine"]["fingerprint"] = Value::from(another_fingerprint(&v["machine"]));
}

fn another_fingerprint(m: &Value) -> String {
    xtask::machine::fingerprint(
        m["cpu_model"].as_str().unwrap(),
        m["cores"].as_u64().unwrap() as u32,
        m["memory_kib"].as_u64().unwrap(),
        "6.1.0-99-amd64",
    )
}

#[test]
fn shards_of_two_machines_keep_absolute_times_apart() {
    let dir = tempfile::tempdir().unwrap();
    let a = shard(dir.path(), "a.jsonl", |w, _| w != "recursion", |_| {});
    let b = shard(
        dir.path(),
        "b.jsonl",
        |w, _| w == "recursion",
        other_machine,
    );
    let merged = merge_files(&repo(), &[a.clone(), b.clone()], None).unwrap();
    let info = merged.merge.as_ref().unwrap();
    assert_eq!(info.machines.len(), 2, "{info:?}");
    assert_eq!(info.kernel_only.len(), 1, "{info:?}");
    assert!(info.kernel_only[0].contains("differ only by the kernel build"));
    assert!(info.method.contains("never pooled across machines"));
    let fp_a = info.machines[0].machine.fingerprint.clone();
    // Each machine's cells are its own shard's, alone: nothing pooled across machines.
    let alone_a = analyse(&[a]);
    let alone_b = analyse(&[b]);
    for c in &merged.cells {
        let fp_b = info.machines[1].machine.fingerprint.clone();
        let (alone, fp) = if c.key.workload == "recursion" {
            (&alone_b, fp_b.as_str())
        } else {
            (&alone_a, fp_a.as_str())
        };
        assert_eq!(c.machine.as_deref(), Some(fp), "{}", c.key);
        let own = alone.cell(&c.key).expect("the cell in its shard");
        assert_eq!(c.warm_ns, own.warm_ns, "{}", c.key);
        assert_eq!(c.wall_ns, own.wall_ns, "{}", c.key);
    }
    // Ratios from both machines, each against its own baseline.
    for w in ["int_arith", "recursion"] {
        assert!(
            merged.comparisons.iter().any(|c| c.workload == w),
            "a ratio for {w}"
        );
    }
    let g = merged
        .geomeans
        .iter()
        .find(|g| g.metric == whichpy_wire::summary::Metric::Warm)
        .expect("a warm geometric mean");
    assert_eq!(g.workloads, ["int_arith", "recursion"]);
    // The article renders from a merged summary.
    let content = whichpy_render::Content::load(&repo().join("content")).unwrap();
    whichpy_render::render_all(&merged, &content).expect("a merged summary renders");
}

#[test]
fn a_shard_without_the_baseline_fails() {
    let dir = tempfile::tempdir().unwrap();
    let a = shard(dir.path(), "a.jsonl", |w, _| w != "recursion", |_| {});
    let b = shard(
        dir.path(),
        "b.jsonl",
        |w, i| w == "recursion" && i != "cpython-host",
        |_| {},
    );
    let err = merge_files(&repo(), &[a, b.clone()], None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("b.jsonl"), "{err}");
    assert!(
        err.contains("no successful record of the baseline cpython-host"),
        "{err}"
    );
}

#[test]
fn overlapping_cells_and_different_pins_fail() {
    let dir = tempfile::tempdir().unwrap();
    let a = shard(dir.path(), "a.jsonl", |_, _| true, |_| {});
    let b = shard(dir.path(), "b.jsonl", |w, _| w != "startup", |_| {});
    let err = merge_files(&repo(), &[a.clone(), b], None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("overlapping cells"), "{err}");
    assert!(err.contains("a.jsonl") && err.contains("b.jsonl"), "{err}");

    let c = shard(
        dir.path(),
        "c.jsonl",
        |w, _| w == "startup",
        |v| {
            for i in v["interpreters"].as_array_mut().unwrap() {
                if i["id"] == "pypy-host" {
                    i["implementation"]["version"] = Value::from("7.3.99");
                }
            }
        },
    );
    let err = merge_files(&repo(), &[a, c], None).unwrap_err().to_string();
    assert!(err.contains("different pins: pypy-host"), "{err}");
    assert!(err.contains("7.3.99"), "{err}");
}
