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
            board: None,
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
            assert!(r.noise.is_some(), "{family}: /proc/stat is readable here");
        }
        // LOOPS calls per timed iteration, on every interpreter (the protocol pipe and the
        // nonce too: an `ok` record needs both).
        let mut s = spec(family, &exe, "ok_sum", 1, 2, 60.0);
        s.loops = 3;
        let r = &run(&s)[0];
        assert_eq!(r.outcome, Outcome::Ok, "{family}: {}", r.stderr_tail);
        assert_eq!((r.loops, r.iterations_ns.len()), (3, 2), "{family}");
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

/// Run the bench-runner binary on a spec, as xtask does: its records, and the peak RSS of it
/// and its descendants (`wait4`).
fn run_binary(spec: &CellSpec) -> (Vec<ExecRecord>, u64, std::time::Duration) {
    use std::process::{Command, Stdio};
    let start = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bench-runner"))
        .args(["cell", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("bench-runner starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(spec).unwrap().as_bytes())
        .unwrap();
    let out = std::io::read_to_string(child.stdout.take().unwrap()).unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data; waiting for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: status and ru are valid out-pointers; pid is our own child.
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut ru) }, pid);
    std::mem::forget(child);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "status {status}"
    );
    let recs = out
        .lines()
        .map(|l| match serde_json::from_str(l).expect("an exec line") {
            whichpy_wire::RawLine::Exec(r) => r,
            other => panic!("{other:?}"),
        })
        .collect();
    (recs, ru.ru_maxrss as u64, start.elapsed())
}

#[test]
fn a_setsid_grandchild_holding_stdout_is_killed_at_the_timeout_and_recorded_timed_out() {
    // Before: bench-runner waited for the pipes' EOF, so the cell took the grandchild's 90 s
    // (forever, had it slept forever), and the record said `ok` with a wall time of 0.06 s.
    let s = spec(Family::Cpython, "python3", "escape", 1, 1, 3.0);
    let start = std::time::Instant::now();
    let recs = run(&s);
    assert_eq!(recs[0].outcome, Outcome::TimedOut { after_s: 3.0 });
    assert!(
        start.elapsed().as_secs_f64() < 30.0,
        "the cell did not wait for the grandchild: {:?}",
        start.elapsed()
    );
    // The binary, which owns all its children, does the same.
    let (recs, _, took) = run_binary(&s);
    assert_eq!(recs[0].outcome, Outcome::TimedOut { after_s: 3.0 });
    assert!(took.as_secs_f64() < 30.0, "{took:?}");
}

#[test]
fn a_grandchild_that_closes_the_pipes_and_lingers_is_killed_when_its_parent_exits() {
    let recs = run(&spec(Family::Cpython, "python3", "linger", 1, 1, 60.0));
    let r = &recs[0];
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.stderr_tail);
    let pid: u32 = r
        .stderr_tail
        .trim()
        .strip_prefix("linger pid ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{}", r.stderr_tail));
    // Killed and reaped: no such process (or, if it was not ours to reap, a zombie).
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        state.is_empty() || state.contains(") Z "),
        "pid {pid} lives on: {state}"
    );
}

#[test]
fn a_workload_that_writes_1_gib_to_stdout_is_bad_output_and_bench_runner_stays_small() {
    // Before: bench-runner kept all of stdout (1.4 GiB got it OOM-killed, 0 records).
    let (recs, max_rss_kib, _) =
        run_binary(&spec(Family::Cpython, "python3", "chatty", 1, 1, 120.0));
    match &recs[0].outcome {
        Outcome::BadOutput { reason } => {
            assert!(reason.contains("wrote 1024 MiB to stdout"), "{reason}");
            assert!(reason.contains("chatty workload output"), "{reason}");
        }
        o => panic!("expected bad output, got {o:?}"),
    }
    assert!(
        max_rss_kib < 64 * 1024,
        "bench-runner (or its child) peaked at {max_rss_kib} KiB"
    );
}

#[test]
fn a_fake_transcript_on_stdout_is_not_ok() {
    let recs = run(&spec(
        Family::Cpython,
        "python3",
        "forge_stdout",
        1,
        2,
        60.0,
    ));
    match &recs[0].outcome {
        Outcome::BadOutput { reason } => {
            assert!(reason.contains("expected 2 iteration"), "{reason}")
        }
        o => panic!("a forged transcript was accepted: {o:?}"),
    }
}

#[test]
fn a_fake_transcript_on_the_protocol_pipe_is_bad_output() {
    let recs = run(&spec(Family::Cpython, "python3", "forge_fd", 1, 2, 60.0));
    match &recs[0].outcome {
        Outcome::BadOutput { reason } => assert!(reason.contains("wrong nonce"), "{reason}"),
        o => panic!("a forged transcript was accepted: {o:?}"),
    }
}

#[test]
fn the_whole_result_is_compared_not_its_first_line() {
    let recs = run(&spec(Family::Cpython, "python3", "multiline", 1, 1, 60.0));
    assert_eq!(
        recs[0].outcome,
        Outcome::WrongChecksum {
            expected: "42".into(),
            got: "42\nand something else".into()
        }
    );
}

#[test]
fn loops_calls_run_several_times_per_iteration_and_records_the_time_per_call() {
    let mut s = spec(Family::Cpython, "python3", "sleepy", 1, 1, 60.0);
    s.loops = 3;
    let r = &run(&s)[0];
    // The checksum is the last call's result: the third call returns 3 (the first, 1).
    assert_eq!(r.outcome, Outcome::Ok, "{}", r.stderr_tail);
    assert_eq!(r.loops, 3);
    assert_eq!(r.checksum.as_deref(), Some("3"));
    let per_call = r.iterations_ns[0];
    assert!(per_call >= 20_000_000, "each call sleeps 20 ms: {per_call}");
    assert!(
        per_call * 3 <= r.wall_ns,
        "iterations_ns is per call (3 calls fit in the wall time): {per_call} × 3 > {}",
        r.wall_ns
    );
}

#[test]
fn describe_names_the_workload_and_field_when_meta_lacks_a_checksum() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nochk.py"),
        "META = {'category': 't', 'description': 'd', 'sizes': {'quick': {'n': 1}, 'default': {'n': 1, 'checksum': 1}}}\n",
    )
    .unwrap();
    let out = std::process::Command::new("python3")
        .arg(harness())
        .arg("--describe")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("workload nochk (nochk.py): META['sizes']['quick'] has no 'checksum'"),
        "{err}"
    );
    assert!(!err.contains("KeyError"), "{err}");
}

#[test]
fn without_a_pidfd_the_wait4_polling_path_measures_and_times_out_alike() {
    // Process-wide switch: the tests in this binary that run meanwhile take the same path,
    // which they must survive too.
    bench_runner::child::NO_PIDFD.store(true, std::sync::atomic::Ordering::SeqCst);
    let ok = run(&spec(Family::Cpython, "python3", "ok_sum", 1, 3, 60.0));
    let hang = run(&spec(Family::Cpython, "python3", "hang", 1, 1, 0.5));
    let escape = run(&spec(Family::Cpython, "python3", "escape", 1, 1, 2.0));
    bench_runner::child::NO_PIDFD.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(ok[0].outcome, Outcome::Ok, "{}", ok[0].stderr_tail);
    assert!(ok[0].wall_ns > ok[0].iterations_ns.iter().sum::<u64>());
    assert_eq!(hang[0].outcome, Outcome::TimedOut { after_s: 0.5 });
    assert_eq!(escape[0].outcome, Outcome::TimedOut { after_s: 2.0 });
}

#[test]
fn sigterm_to_bench_runner_kills_a_setsid_grandchild_too() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let s = spec(Family::Cpython, "python3", "escape", 1, 1, 60.0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_bench-runner"))
        .args(["cell", &serde_json::to_string(&s).unwrap()])
        .env("ESCAPE_PIDFILE", &pidfile)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !pidfile.exists() {
        assert!(start.elapsed().as_secs() < 30, "the fixture never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let grandchild: u32 = std::fs::read_to_string(&pidfile).unwrap().parse().unwrap();
    // SAFETY: a signal to the child we started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::into_raw(status) >> 8,
        128 + 15
    );
    // Gone, or a zombie (then reaped by whoever inherited it): not sleeping on. A SIGKILL
    // takes effect asynchronously, so the grandchild may still be on its way out ("R") for a
    // moment after bench-runner exits; it must be gone within seconds, not 60.
    let gone = |s: &str| s.is_empty() || s.contains(") Z ");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut state = String::new();
    while std::time::Instant::now() < deadline {
        state = std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
        if gone(&state) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        gone(&state),
        "the setsid grandchild {grandchild} outlived bench-runner: {state}"
    );
}

#[test]
fn the_workload_and_its_children_do_not_see_the_nonce() {
    let r = &run(&spec(Family::Cpython, "python3", "peek_env", 1, 1, 60.0))[0];
    assert_eq!(r.outcome, Outcome::Ok, "{:?} {}", r.checksum, r.stderr_tail);
}

/// The real `web_service` workload, described by the harness from the workloads folder, with
/// a short load so the test stays quick.
fn web_spec(family: Family, exe: &str) -> CellSpec {
    let workloads = root().join("bench-runner/workloads");
    let out = std::process::Command::new("python3")
        .arg(harness())
        .arg("--describe")
        .arg(&workloads)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let suite: Suite = serde_json::from_slice(&out.stdout).expect("a Suite");
    let mut workload = suite.get("web_service").expect("web_service").clone();
    let load = workload
        .sizes
        .quick
        .load
        .as_mut()
        .expect("a service has a load");
    load.rates = vec![50, 100, 200];
    load.seconds_per_rate = 0.5;
    load.warmup_s = 0.3;
    let mut s = spec(family, exe, "ok_sum", 1, 0, 60.0);
    s.workload = workload;
    s.workloads_dir = workloads;
    s
}

#[test]
fn the_web_service_answers_every_request_right_on_every_available_interpreter() {
    for (family, exe) in interpreters() {
        let recs = run(&web_spec(family, &exe));
        assert_eq!(recs.len(), 1, "{family}");
        let r = &recs[0];
        assert_eq!(
            r.outcome,
            Outcome::Ok,
            "{family}: {:?} {}",
            r.load,
            r.stderr_tail
        );
        // The warm-up, then the three rates, in order; everything answered and verified.
        let rates: Vec<(u32, bool)> = r.load.iter().map(|p| (p.rate, p.warmup)).collect();
        assert_eq!(
            rates,
            [(50, true), (50, false), (100, false), (200, false)],
            "{family}"
        );
        for p in &r.load {
            assert_eq!(
                (p.verified, p.errors, p.unsent),
                (p.scheduled, 0, 0),
                "{family}: {p:?}"
            );
            assert!(
                p.p50_ns > 0
                    && p.p50_ns <= p.p95_ns
                    && p.p95_ns <= p.p99_ns
                    && p.p99_ns <= p.max_ns
            );
        }
        // The server's own tally matched the client's (or the outcome would not be ok).
        let handled: u64 = r.load.iter().map(|p| p.verified).sum::<u64>() + 1;
        let tally = r.checksum.as_deref().unwrap_or("");
        assert!(
            tally.starts_with(&format!("{handled},")),
            "{family}: {tally}"
        );
    }
}

#[test]
fn process_cell_times_whole_processes_of_the_script_and_checks_its_stdout() {
    let workloads = root().join("bench-runner/workloads");
    let out = std::process::Command::new("python3")
        .arg(harness())
        .arg("--describe")
        .arg(&workloads)
        .output()
        .unwrap();
    let suite: Suite = serde_json::from_slice(&out.stdout).unwrap();
    let mut s = spec(Family::Cpython, "python3", "ok_sum", 3, 1, 60.0);
    s.workload = suite.get("cli_tool").unwrap().clone();
    assert_eq!(s.workload.kind, whichpy_wire::WorkloadKind::Process);
    s.workloads_dir = workloads.clone();
    let argv = bench_runner::command_line(&s);
    assert_eq!(
        argv[1..],
        [
            workloads.join("cli_tool.py").display().to_string(),
            s.workload.sizes.quick.n.to_string()
        ]
    );
    let recs = run(&s);
    assert_eq!(recs.len(), 3);
    for r in &recs {
        assert_eq!(r.outcome, Outcome::Ok, "{}", r.stderr_tail);
        assert!(r.iterations_ns.is_empty());
        assert_eq!(r.checksum.as_ref(), Some(&s.workload.sizes.quick.checksum));
        assert!(r.wall_ns > 1_000_000, "{}", r.wall_ns);
    }
    // Another output than the checksum is a wrong checksum, with what it printed.
    let expected = std::mem::replace(&mut s.workload.sizes.quick.checksum, "[]".into());
    s.processes = 1;
    let recs = run(&s);
    assert_eq!(
        recs[0].outcome,
        Outcome::WrongChecksum {
            expected: "[]".into(),
            got: expected
        }
    );
}
