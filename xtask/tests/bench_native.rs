//! `cargo xtask bench --backend native` end to end: Ctrl-C keeps every finished record, and
//! `--resume` finishes the run without losing or duplicating one.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use whichpy_wire::summary::Summary;
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
    // SAFETY: killpg takes plain integers; the group is the xtask we started.
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

fn bench_cmd(out: &Path, args: &[&str]) -> Command {
    let mut c = xtask();
    c.args([
        "bench",
        "--backend",
        "native",
        "--interp",
        "cpython-host",
        "--quick",
    ])
    .args(args)
    .arg("--out")
    .arg(out);
    c
}

/// `cargo xtask analyse FILES --out DIR/summary.json`, and the summary it wrote.
fn analyse(files: &[&Path], dir: &Path, extra: &[&str]) -> (std::process::Output, Option<Summary>) {
    let summary = dir.join("summary.json");
    let out = xtask()
        .arg("analyse")
        .args(files)
        .args(extra)
        .arg("--out")
        .arg(&summary)
        .output()
        .unwrap();
    let s = std::fs::read_to_string(&summary)
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    (out, s)
}

fn processes_ok(s: &Summary, workload: &str) -> u32 {
    s.cells
        .iter()
        .find(|c| c.key.workload == workload)
        .map(|c| c.processes_ok)
        .unwrap_or(0)
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn two_runs_at_once_in_one_folder_the_second_fails_and_the_first_is_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("raw");
    let args = ["--workload", "startup", "--startup-processes", "8"];
    let spawn = || {
        bench_cmd(&out, &args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let (won, lost) = match (a.status.success(), b.status.success()) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ => panic!(
            "exactly one run must fail:\n{}\n---\n{}",
            text(&a),
            text(&b)
        ),
    };
    let msg = text(&lost);
    assert!(
        msg.contains("another bench run (run id ")
            && msg.contains(", pid ")
            && msg.contains(") is writing to ")
            && msg.contains("; wait for it, or pass --out DIR"),
        "{msg}"
    );
    let files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}\n{}", text(&won));
    let file = RawFile::read(&files[0]).expect("the winner's file is intact");
    let procs: Vec<u32> = file.records.iter().map(|r| r.process).collect();
    assert_eq!(procs, (0..8).collect::<Vec<_>>());
    let (done, summary) = analyse(&[files[0].as_path()], tmp.path(), &[]);
    assert!(done.status.success(), "{}", text(&done));
    assert_eq!(processes_ok(&summary.unwrap(), "startup"), 8);
}

/// A tmpfs of `size` at `dir`, unmounted on drop; `None` (and a loud message) when mounting
/// is refused (not root, no CAP_SYS_ADMIN).
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str, test: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::piped())
            .output();
        match ok {
            Ok(o) if o.status.success() => Some(Tmpfs(dir.to_owned())),
            other => {
                eprintln!(
                    "\n!!! SKIPPED {test}: cannot mount a tmpfs ({:?})\n",
                    other.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                );
                None
            }
        }
    }

    fn resize(&self, size: &str) {
        let st = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(st.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_stops_the_run_leaves_no_torn_line_and_resume_finishes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("small");
    let Some(fs) = Tmpfs::mount(&dir, "16k", "a_full_disk_stops_the_run") else {
        return;
    };
    let args = [
        "--workload",
        "startup",
        "--workload",
        "int_arith",
        "--startup-processes",
        "100",
        "--processes",
        "2",
        "--iterations",
        "3",
    ];
    let full = bench_cmd(&dir, &args).output().unwrap();
    let msg = text(&full);
    assert!(!full.status.success(), "{msg}");
    let (path, before) = lines(&dir).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let run_id = name.trim_end_matches(".jsonl");
    assert!(before.ends_with('\n'), "no torn line is left");
    // A strict read: no torn tail, no rejected line.
    let n = RawFile::read(&path).unwrap().records.len();
    assert!(n > 0 && n < 100, "{n} records");
    let expected = format!(
        "writing {}: No space left on device (os error 28); the {n} records before it are intact; \
         free space, then: cargo xtask bench --resume {run_id} --out {}",
        path.display(),
        dir.display()
    );
    assert!(msg.contains(&expected), "expected `{expected}` in:\n{msg}");
    assert!(
        !msg.contains("int_arith"),
        "no cell is started after the write error:\n{msg}"
    );

    fs.resize("1m");
    let resumed = xtask()
        .args(["bench", "--resume", run_id, "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(resumed.status.success(), "{}", text(&resumed));
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.starts_with(&before));
    let file = RawFile::read(&path).unwrap();
    let count = |w: &str| file.records.iter().filter(|r| r.workload == w).count();
    assert_eq!((count("startup"), count("int_arith")), (100, 2));
    let (done, summary) = analyse(&[path.as_path()], tmp.path(), &["--strict"]);
    assert!(done.status.success(), "{}", text(&done));
    assert_eq!(processes_ok(&summary.unwrap(), "startup"), 100);
}

#[test]
fn a_torn_tail_is_left_out_by_analyse_and_cut_off_by_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bench_host(tmp.path(), "startup", &["--startup-processes", "3"]);
    assert!(out.status.success(), "{}", text(&out));
    let (path, whole) = lines(tmp.path()).unwrap();
    // A crash mid-write: the last record lost its end (and the file its newline).
    let cut = whole.trim_end().len() - 40;
    std::fs::write(&path, &whole[..cut]).unwrap();

    let (done, summary) = analyse(&[path.as_path()], tmp.path(), &[]);
    let msg = text(&done);
    assert!(done.status.success(), "{msg}");
    assert!(
        msg.contains(&format!(
            "warning: {}:4: the last line is cut short",
            path.display()
        )),
        "{msg}"
    );
    assert_eq!(processes_ok(&summary.unwrap(), "startup"), 2);
    let (strict, _) = analyse(&[path.as_path()], tmp.path(), &["--strict"]);
    assert!(!strict.status.success());
    assert!(text(&strict).contains(&format!("{}:4: ", path.display())));

    let resumed = xtask()
        .args(["bench", "--resume", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let msg = text(&resumed);
    assert!(resumed.status.success(), "{msg}");
    assert!(msg.contains("cut off a torn last line"), "{msg}");
    let file = RawFile::read(&path).expect("whole again");
    let procs: Vec<u32> = file.records.iter().map(|r| r.process).collect();
    assert_eq!(procs, vec![0, 1, 2]);
}

#[test]
fn resume_rejects_a_huge_process_index_without_panicking() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bench_host(tmp.path(), "startup", &["--startup-processes", "2"]);
    assert!(out.status.success());
    let (path, text_) = lines(tmp.path()).unwrap();
    std::fs::write(
        &path,
        text_.replacen("\"process\":1,", "\"process\":4294967295,", 1),
    )
    .unwrap();
    let resumed = xtask()
        .args(["bench", "--resume", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let msg = text(&resumed);
    assert_eq!(resumed.status.code(), Some(1), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(
        msg.contains(&format!("{}:3: field `process`", path.display())),
        "{msg}"
    );
}

#[test]
fn analyse_skips_an_unreadable_file_and_goes_on_unless_strict() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bench_host(tmp.path(), "startup", &["--startup-processes", "2"]);
    assert!(out.status.success());
    let (good, _) = lines(tmp.path()).unwrap();
    let bad = tmp.path().join("broken.jsonl");
    std::fs::write(&bad, b"{\"type\":\"run\",\"schema\":1,\xff\n").unwrap();
    let copy = tmp.path().join("copy.jsonl");
    std::fs::copy(&good, &copy).unwrap();
    let (done, summary) = analyse(
        &[bad.as_path(), good.as_path(), copy.as_path()],
        tmp.path(),
        &[],
    );
    let msg = text(&done);
    assert!(done.status.success(), "{msg}");
    assert!(
        msg.contains(&format!("error: {}:1: invalid UTF-8", bad.display())),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("error: {}:1: field `run_id`", copy.display())),
        "a copy of a run is not counted twice: {msg}"
    );
    assert_eq!(processes_ok(&summary.unwrap(), "startup"), 2);
    let (strict, _) = analyse(&[bad.as_path(), good.as_path()], tmp.path(), &["--strict"]);
    assert!(!strict.status.success());
    assert!(text(&strict).contains(&format!("{}:1: ", bad.display())));
}
