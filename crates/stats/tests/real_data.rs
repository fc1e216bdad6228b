//! Invariants on the real raw files in results/raw, when there are any.

use std::io::Write;
use std::path::PathBuf;

use whichpy_stats::{summarise, Options};
use whichpy_wire::{parse_json_file, RawFile, Suite, SCHEMA};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn real_runs_summarise_consistently() {
    let dir = root().join("results/raw");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "jsonl"));
    files.sort();
    if files.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "\n!!! SKIPPED real_runs_summarise_consistently: no {}/*.jsonl\n",
            dir.display()
        );
        return;
    }
    let suite_path = root().join("bench-runner/workloads/suite.json");
    let suite: Suite = parse_json_file(&suite_path).unwrap_or(Suite {
        schema: SCHEMA,
        workloads: vec![],
    });
    let opts = Options {
        bootstrap_resamples: 500,
        ..Options::default()
    };
    for f in &files {
        let Ok(raw) = RawFile::read(f) else {
            eprintln!("skipping {} (another schema)", f.display());
            continue;
        };
        let raws = [raw];
        let s = summarise(&raws, &suite, &opts);
        let again = summarise(&raws, &suite, &opts);
        assert_eq!(
            serde_json::to_string_pretty(&s).unwrap(),
            serde_json::to_string_pretty(&again).unwrap(),
            "{}",
            f.display()
        );
        let records = raws[0].records.len() as u32;
        let counted: u32 = s
            .cells
            .iter()
            .map(|c| c.processes_ok + c.processes_failed)
            .sum();
        assert!(counted <= records, "{}", f.display());
        for c in &s.comparisons {
            assert!(
                c.ci.low <= c.ratio * 1.5 && c.ratio <= c.ci.high * 1.5,
                "{c:?}"
            );
            assert!(c.ratio > 0.0 && c.ci.low > 0.0, "{c:?}");
        }
        for c in &s.cells {
            if let (Some(w), Some(p)) = (&c.warmup, &c.profile) {
                // Every process the estimate uses is classed: all of them, or, for a fast-state
                // estimate, those with enough fast-state iterations.
                let n: u32 = w.counts.values().sum();
                let used = match &c.state {
                    Some(st) if st.basis == whichpy_wire::summary::StateBasis::Fast => {
                        st.fast_processes
                    }
                    _ => c.processes_ok,
                };
                assert_eq!(n, used, "{}", c.key);
                assert_eq!(p.mean_ns.len(), c.iterations as usize, "{}", c.key);
            }
        }
        eprintln!(
            "{}: {} cells, {} comparisons, {} crossovers, {} warnings",
            f.display(),
            s.cells.len(),
            s.comparisons.len(),
            s.crossovers.len(),
            s.warnings.len()
        );
    }
}
