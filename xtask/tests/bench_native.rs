//! `cargo xtask bench --backend native` end to end: Ctrl-C keeps every finished record, and
//! `--resume` finishes the run without losing or duplicating one.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use whichpy_wire::{Outcome, RawFile};

/// `cargo xtask bench --backend native --interp cpython-host --quick --workload W ARGS --out DIR`.
fn bench_host(out: &Path, workload: &str, args: &[&str]) -> std::process::Output {
    xtask()
        .args([
            "bench",
            "--backend",
            "native",
            "--interp",
            "cpython-host",
            "--quick",
        ])
        .args(["--workload", workload])
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

fn lines(dir: &Path) -> Option<(std::path::PathBuf, String)> {
    let entry = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .find(|e| e.path().extension().is_some_and(|x| x == "jsonl"))?;
    let text = std::fs::read_to_string(entry.path()).ok()?;
    Some((entry.path(), text))
}

#[test]
fn interrupt_then_resume_loses_nothing_and_duplicates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("raw");
    let child = xtask()
        .args([
            "bench",
            "--backend",
            "native",
            "--interp",
            "cpython-host",
            "--quick",
        ])
        .args(["--workload", "int_arith", "--workload", "startup"])
        .args([
            "--processes",
            "6",
            "--iterations",
            "3",
            "--startup-processes",
            "4",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // Its own process group, like a shell job: Ctrl-C reaches xtask and bench-runner.
        .process_group(0)
        .spawn()
        .unwrap();
    let pgid = child.id() as i32;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some((_, text)) = lines(&out) {
            if text.lines().count() >= 3 {
                break; // the run metadata and two records
            }
        }
        assert!(Instant::now() < deadline, "no records appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe { libc::killpg(pgid, libc::SIGINT) };
    let interrupted = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&interrupted.stderr);
    assert_eq!(interrupted.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("--resume"),
        "the user is told how to continue: {stderr}"
    );

    let (path, before) = lines(&out).unwrap();
    let partial = RawFile::read(&path).expect("an interrupted file is still valid");
    let total = 6 + 4;
    assert!(
        partial.records.len() < total,
        "the run was really interrupted ({} records)",
        partial.records.len()
    );

    let resumed = xtask()
        .args(["bench", "--resume", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );

    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.starts_with(&before),
        "records written before the interrupt are kept as they were"
    );
    let file = RawFile::read(&path).unwrap();
    let mut per_cell: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for r in &file.records {
        assert_eq!(r.outcome, Outcome::Ok, "{}", r.stderr_tail);
        per_cell
            .entry(r.workload.clone())
            .or_default()
            .push(r.process);
    }
    assert_eq!(per_cell["int_arith"], (0..6).collect::<Vec<_>>());
    assert_eq!(per_cell["startup"], (0..4).collect::<Vec<_>>());

    // Resuming a finished run does nothing.
    let again = xtask()
        .args(["bench", "--resume", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
}

#[test]
fn missing_interpreter_is_reported_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    // The trixie interpreters are not installed on a Debian 12 host: native reports them and
    // runs the ones it has.
    let out = xtask()
        .args([
            "bench",
            "--backend",
            "native",
            "--interp",
            "cpython-3.13",
            "--interp",
            "cpython-host",
        ])
        .args([
            "--quick",
            "--workload",
            "startup",
            "--startup-processes",
            "2",
            "--out",
        ])
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("missing cpython-3.13"), "{stderr}");
    let (path, _) = lines(tmp.path()).unwrap();
    let file = RawFile::read(&path).unwrap();
    assert_eq!(file.meta.params.interps, vec!["cpython-host".to_owned()]);
    assert_eq!(file.records.len(), 2);
}

#[test]
fn malformed_results_file_is_rejected_with_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bench_host(tmp.path(), "startup", &["--startup-processes", "2"]);
    assert!(out.status.success());
    let (path, text) = lines(tmp.path()).unwrap();
    std::fs::write(
        &path,
        text.replacen("\"max_rss_kib\":", "\"max_rss_kib\":\"lots\",\"x\":", 1),
    )
    .unwrap();
    let resumed = xtask()
        .args(["bench", "--resume", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(!resumed.status.success());
    let expected = format!("{}:2: field `max_rss_kib`", path.display());
    assert!(
        stderr.contains(&expected),
        "expected `{expected}` in: {stderr}"
    );
}

#[test]
fn target_ci_adds_process_executions_until_the_budget() {
    let tmp = tempfile::tempdir().unwrap();
    // An unreachable target: the cell grows from 3 to --max-processes and says why it stopped.
    let out = bench_host(
        tmp.path(),
        "int_arith",
        &[
            "--processes",
            "3",
            "--iterations",
            "3",
            "--target-ci",
            "0.001%",
            "--max-processes",
            "5",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("after 5 process executions") && stderr.contains("process budget spent"),
        "{stderr}"
    );
    let (path, _) = lines(tmp.path()).unwrap();
    let file = RawFile::read(&path).unwrap();
    assert_eq!(
        file.records.iter().map(|r| r.process).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    assert_eq!(file.meta.params.target_ci, Some(0.00001));

    // A target any data meets: no execution beyond the fixed count.
    let tmp = tempfile::tempdir().unwrap();
    let out = bench_host(
        tmp.path(),
        "int_arith",
        &[
            "--processes",
            "5",
            "--iterations",
            "5",
            "--target-ci",
            "99%",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("(reached)"), "{stderr}");
    let (path, _) = lines(tmp.path()).unwrap();
    assert_eq!(RawFile::read(&path).unwrap().records.len(), 5, "{stderr}");
}
