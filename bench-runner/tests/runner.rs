//! bench-runner against real interpreters, with fixture workloads that misbehave on purpose.
//! Each failure must become a record, and the cell must go on to its next process execution.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use whichpy_wire::{CellSpec, ExecRecord, Family, InterpSpec, Outcome, SizeName, Suite};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn harness() -> PathBuf {
    root().join("bench-runner/harness/harness.py")
}

fn fixtures() -> PathBuf {
    root().join("bench-runner/tests/fixtures")
}

/// The fixtures' suite, described by the harness itself (so `--describe` is exercised too).
fn fixture_suite() -> Suite {
    let out = std::process::Command::new("python3")
        .arg(harness())
        .arg("--describe")
        .arg(fixtures())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("describe output is a Suite")
}

/// Interpreters on this machine: (family, executable). CPython is required; the others are
/// used when present and reported loudly when not.
fn interpreters() -> Vec<(Family, String)> {
    let mut found = vec![(Family::Cpython, "python3".to_owned())];
    let candidates = [
        (
            Family::Pypy,
            std::env::var("WHICHPY_PYPY").unwrap_or_else(|_| "pypy3".into()),
        ),
        (
            Family::Micropython,
            std::env::var("WHICHPY_MICROPYTHON").unwrap_or_else(|_| {
                root()
                    .join(".cache/mp-venv/bin/micropython")
                    .display()
                    .to_string()
            }),
        ),
    ];
    for (family, exe) in candidates {
        let ok = std::process::Command::new(&exe)
            .arg("-c")
            .arg("pass")
            .output()
            .map(|o| o.status.success());
        if let Ok(true) = ok {
            found.push((family, exe));
        } else {
            // Straight to fd 2: the test harness captures eprintln! of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {family} not found at `{exe}` (install it with `cargo xtask doctor --install`)"
            );
        }
    }
    found
}

fn spec(
    family: Family,
    exe: &str,
    workload: &str,
    processes: u32,
    iterations: u32,
    timeout_s: f64,
) -> CellSpec {
    let suite = fixture_suite();
    CellSpec {
        interp: InterpSpec {
            id: format!("{family}-test"),
            family,
            executable: exe.into(),
            flags: vec![],
        },
        workload: suite
            .get(workload)
            .unwrap_or_else(|| panic!("fixture {workload}"))
            .clone(),
        size: SizeName::Quick,
        processes,
        first_process: 0,
        iterations,
        loops: 1,
        pilot_s: None,
        timeout_s,
        harness: harness(),
        workloads_dir: fixtures(),
    }
}

fn run(spec: &CellSpec) -> Vec<ExecRecord> {
    let mut recs = Vec::new();
    bench_runner::run_cell(spec, &AtomicBool::new(false), |r| recs.push(r));
    recs
}

#[test]
fn harness_runs_on_every_available_interpreter() {
    for (family, exe) in interpreters() {
        let recs = run(&spec(family, &exe, "ok_sum", 2, 5, 60.0));
        assert_eq!(recs.len(), 2, "{family}");
        for (i, r) in recs.iter().enumerate() {
            assert_eq!(r.outcome, Outcome::Ok, "{family}: {}", r.stderr_tail);
            assert_eq!(r.process, i as u32);
            assert_eq!(r.iterations_ns.len(), 5);
            assert!(
                r.iterations_ns.iter().all(|&ns| ns > 0),
                "{family}: {:?}",
                r.iterations_ns
            );
            assert_eq!(r.checksum.as_deref(), Some("499500"));
            assert!(
                r.wall_ns > r.iterations_ns.iter().sum::<u64>(),
                "wall time covers the iterations"
            );
            assert!(
                r.max_rss_kib > 1000,
                "{family}: peak RSS {} KiB",
                r.max_rss_kib
            );
            let imp = r.implementation.as_ref().expect("identity reported");
            assert_eq!(imp.name, family.as_str());
            let clock = r.clock.as_ref().unwrap();
            let expected_clock = if family == Family::Micropython {
                "ticks_us"
            } else {
                "perf_counter_ns"
            };
            assert_eq!(clock.name, expected_clock);
        }
    }
}

#[test]
fn crash_is_recorded_with_stderr_and_the_cell_goes_on() {
    let recs = run(&spec(Family::Cpython, "python3", "crash", 3, 3, 60.0));
    assert_eq!(recs.len(), 3, "every process execution is recorded");
    for r in &recs {
        assert_eq!(
            r.outcome,
            Outcome::Crashed {
                exit_code: Some(1),
                signal: None
            }
        );
        assert!(
            r.stderr_tail.contains("RuntimeError: fixture crash"),
            "{}",
            r.stderr_tail
        );
        assert_eq!(
            r.iterations_ns.len(),
            1,
            "the iteration before the crash is kept"
        );
    }
}

#[test]
fn timeout_kills_the_process_group_and_is_recorded() {
    let start = std::time::Instant::now();
    let recs = run(&spec(Family::Cpython, "python3", "hang", 2, 1, 0.5));
    assert_eq!(recs.len(), 2);
    for r in &recs {
        assert_eq!(r.outcome, Outcome::TimedOut { after_s: 0.5 });
    }
    assert!(
        start.elapsed().as_secs_f64() < 10.0,
        "the timeout was enforced"
    );
}

#[test]
fn wrong_checksum_is_recorded() {
    let recs = run(&spec(Family::Cpython, "python3", "wrong", 2, 2, 60.0));
    assert_eq!(recs.len(), 2);
    for r in &recs {
        assert_eq!(
            r.outcome,
            Outcome::WrongChecksum {
                expected: "1".into(),
                got: "2".into()
            }
        );
    }
}

#[test]
fn nondeterministic_result_is_a_wrong_checksum() {
    let recs = run(&spec(Family::Cpython, "python3", "nondet", 1, 3, 60.0));
    assert!(
        matches!(&recs[0].outcome, Outcome::WrongChecksum { got, .. } if got == "2"),
        "{:?}",
        recs[0].outcome
    );
}

#[test]
fn garbage_output_is_recorded_as_bad_output() {
    let recs = run(&spec(Family::Cpython, "python3", "garbage", 2, 2, 60.0));
    assert_eq!(recs.len(), 2);
    for r in &recs {
        match &r.outcome {
            Outcome::BadOutput { reason } => assert!(reason.contains("iter"), "{reason}"),
            o => panic!("expected bad output, got {o:?}"),
        }
    }
}

#[test]
fn missing_interpreter_is_a_spawn_failure() {
    let recs = run(&spec(
        Family::Cpython,
        "/nonexistent/python9",
        "ok_sum",
        2,
        1,
        5.0,
    ));
    assert_eq!(recs.len(), 2);
    assert!(
        matches!(&recs[0].outcome, Outcome::SpawnFailed { reason } if reason.contains("/nonexistent/python9"))
    );
}

#[test]
fn unsupported_family_is_recorded_without_running() {
    let mut s = spec(
        Family::Micropython,
        "/nonexistent/micropython",
        "ok_sum",
        3,
        1,
        5.0,
    );
    s.workload
        .unsupported
        .insert(Family::Micropython, "fixture says no".into());
    let recs = run(&s);
    assert_eq!(recs.len(), 1, "one record carries the reason");
    assert_eq!(
        recs[0].outcome,
        Outcome::Unsupported {
            reason: "fixture says no".into()
        }
    );
}

#[test]
fn resume_numbers_process_executions_from_first_process() {
    let mut s = spec(Family::Cpython, "python3", "ok_sum", 2, 1, 60.0);
    s.first_process = 3;
    let recs = run(&s);
    assert_eq!(
        recs.iter().map(|r| r.process).collect::<Vec<_>>(),
        vec![3, 4]
    );
}

#[test]
fn startup_cell_times_whole_processes_of_an_empty_program() {
    let workloads = root().join("bench-runner/workloads");
    let out = std::process::Command::new("python3")
        .arg(harness())
        .arg("--describe")
        .arg(&workloads)
        .output()
        .unwrap();
    let suite: Suite = serde_json::from_slice(&out.stdout).unwrap();
    let mut s = spec(Family::Cpython, "python3", "ok_sum", 5, 1, 60.0);
    s.workload = suite.get("startup").unwrap().clone();
    s.workloads_dir = workloads;
    let recs = run(&s);
    assert_eq!(recs.len(), 5);
    for r in &recs {
        assert_eq!(r.outcome, Outcome::Ok, "{}", r.stderr_tail);
        assert!(r.iterations_ns.is_empty());
        assert!(
            r.wall_ns > 1_000_000,
            "a CPython start takes more than 1 ms: {}",
            r.wall_ns
        );
    }
}
