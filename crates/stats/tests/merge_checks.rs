//! Issue 29, items 5 and 11: `merge` checks what it pools. Hostile shards (another commit, a
//! dirty tree, another image's inputs, a 6-day process) are refused, each naming the file and
//! what to do; `--allow-mixed-source` lets the source through and the summary records it.

mod common;

use common::*;
use whichpy_stats::merge::{check, merge, MergeError, Waivers};
use whichpy_stats::Options;
use whichpy_wire::{ImageInfo, RawFile};

/// Two shards of one machine: A measures nbody, B startup; both measure the baseline.
fn shards() -> Vec<(String, RawFile)> {
    let nb = |i: &str, p| exec(i, "nbody", p, vec![1_000_000; 20], 100_000_000);
    let st = |i: &str, p| exec(i, "startup", p, vec![], 20_000_000);
    let a = raw(
        "20261201T000000Z-aaaaaa-native",
        (0..3)
            .flat_map(|p| [nb("cpython-3.13", p), nb("pypy-7.3", p)])
            .collect(),
    );
    let b = raw(
        "20261201T010000Z-bbbbbb-native",
        (0..3)
            .flat_map(|p| [st("cpython-3.13", p), st("pypy-7.3", p)])
            .collect(),
    );
    vec![("a.jsonl".into(), a), ("b.jsonl".into(), b)]
}

fn refused(shards: &[(String, RawFile)]) -> MergeError {
    check(shards, &suite(), "cpython-3.13", Waivers::default()).unwrap_err()
}

#[test]
fn honest_shards_pass() {
    check(&shards(), &suite(), "cpython-3.13", Waivers::default()).unwrap();
}

#[test]
fn a_shard_from_another_commit_or_a_dirty_tree_is_refused_unless_waived_and_recorded() {
    let mut s = shards();
    s[1].1.meta.git_rev = "fedcba9876543210".into();
    let e = refused(&s).to_string();
    assert!(
        e.contains(
            "b.jsonl was measured from commit fedcba9876543210 but a.jsonl from 0123456789abcdef"
        ),
        "{e}"
    );
    assert!(e.contains("--allow-mixed-source"), "{e}");

    let mut d = shards();
    d[0].1.meta.git_dirty = true;
    let e = refused(&d).to_string();
    assert!(
        e.contains("a.jsonl was measured from a tree with uncommitted changes"),
        "{e}"
    );

    // Waived: merged, and the summary says what was let through.
    s[0].1.meta.git_dirty = true;
    let opts = Options {
        baseline: Some("cpython-3.13".into()),
        ..Default::default()
    };
    let merged = merge(&s, &suite(), &opts, Waivers { mixed_source: true }).unwrap();
    let waived = &merged.merge.unwrap().waived;
    assert_eq!(waived.len(), 2, "{waived:?}");
    assert!(waived[0].contains("2 commits"), "{waived:?}");
    assert!(
        waived[1].contains("uncommitted changes (a.jsonl)"),
        "{waived:?}"
    );
    // Nothing waived, nothing recorded (and older summaries read without the field).
    let merged = merge(&shards(), &suite(), &opts, Waivers::default()).unwrap();
    assert!(merged.merge.unwrap().waived.is_empty());
}

#[test]
fn a_shard_from_an_image_with_other_inputs_is_refused() {
    let image = |inputs: &str| ImageInfo {
        id: "sha256:local".into(),
        content_digest: "sha256:same-rootfs".into(),
        inputs_hash: inputs.into(),
        packages: vec![],
    };
    let mut s = shards();
    for i in &mut s[0].1.meta.interpreters {
        i.image = Some(image("aaaa"));
    }
    for i in &mut s[1].1.meta.interpreters {
        i.image = Some(image("bbbb"));
    }
    let e = refused(&s).to_string();
    assert!(e.contains("different pins"), "{e}");
    assert!(
        e.contains("inputs aaaa") && e.contains("inputs bbbb"),
        "{e}"
    );
}

#[test]
fn a_process_of_six_days_is_refused() {
    let mut s = shards();
    s[0].1.records[2].wall_ns = 6 * 86_400 * 1_000_000_000;
    match refused(&s) {
        MergeError::ImplausibleProcess { file, limit_s, .. } => {
            assert_eq!(file, "a.jsonl");
            assert_eq!(limit_s, 120); // the run's 60 s timeout + 60 s
        }
        e => panic!("{e}"),
    }
    let e = refused(&s).to_string();
    assert!(
        e.contains("took 518400 s, more than its run allowed (120 s)"),
        "{e}"
    );
}
