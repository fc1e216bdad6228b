//! What a CI log shows (issue 15, item 5): without a terminal a line per finished cell
//! replaces the progress bar, `-q` keeps only warnings and errors, and with
//! `GITHUB_ACTIONS=true` warnings and errors are also workflow commands (annotations) that
//! point at the raw file and line they are about. Runs on the fake backend (a test
//! instrument: records from a seeded model, in milliseconds); stderr is a pipe here, as in CI.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MODEL: &str = r#"
seed = 3
batch_overhead_s = 0.1

[[interpreter]]
id = "cpython-3.13"
version = "3.13.5"
python = "3.13.5"

[[interpreter]]
id = "pypy-7.3"
version = "7.3.19"
python = "3.11.11"

[[cell]]
interp = "cpython-3.13"
workload = "int_arith"
startup_ms = 20.0
steady_ms = 300.0
between_cv = 0.02
within_cv = 0.01

[[cell]]
interp = "pypy-7.3"
workload = "int_arith"
startup_ms = 60.0
steady_ms = 100.0
between_cv = 0.02
within_cv = 0.01
"#;

const ARGS: &[&str] = &[
    "--quick",
    "--processes",
    "3",
    "--iterations",
    "10",
    "--interp",
    "cpython-3.13",
    "--interp",
    "pypy-7.3",
    "--workload",
    "int_arith",
];

fn xtask(args: &[&str], github: bool) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xtask"));
    c.args(args);
    if github {
        c.env("GITHUB_ACTIONS", "true");
    } else {
        c.env_remove("GITHUB_ACTIONS");
    }
    c.output().unwrap()
}

/// `[global flags] bench --backend fake …` into a new folder; returns the run's output and file.
fn bench(dir: &Path, global: &[&str]) -> (Output, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let model = dir.join("model.toml");
    std::fs::write(&model, MODEL).unwrap();
    let out = dir.join("raw");
    let mut args: Vec<&str> = global.to_vec();
    args.extend(["bench", "--backend", "fake", "--fake-model"]);
    args.push(model.to_str().unwrap());
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(ARGS);
    let o = xtask(&args, false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .unwrap();
    (o, file)
}

fn cell_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with('[') && l.contains(" × int_arith"))
        .collect()
}

#[test]
fn without_a_terminal_each_finished_cell_gets_a_line_and_quiet_drops_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, _) = bench(&tmp.path().join("normal"), &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let lines = cell_lines(&stderr);
    assert_eq!(lines.len(), 2, "one line per cell:\n{stderr}");
    assert!(lines[0].starts_with("[3/6] "), "{stderr}");
    assert!(lines[1].starts_with("[6/6] "), "{stderr}");
    assert!(lines.iter().all(|l| l.contains("3 process executions")));

    let (o, _) = bench(&tmp.path().join("quiet"), &["-q"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(cell_lines(&stderr).is_empty(), "-q:\n{stderr}");
    assert!(!stderr.contains("note: --quick"), "-q:\n{stderr}");
    assert!(
        stderr.contains("records written"),
        "-q keeps the result:\n{stderr}"
    );

    let (o, _) = bench(&tmp.path().join("verbose"), &["-v"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(cell_lines(&stderr).len(), 2, "-v:\n{stderr}");
    let here = xtask::machine::probe();
    assert!(
        stderr.contains(&format!("machine {}: ", here.fingerprint)),
        "-v names the machine the run records:\n{stderr}"
    );
}

#[test]
fn in_github_actions_warnings_are_annotations_on_their_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, file) = bench(tmp.path(), &[]);
    // A line the reader rejects: analyse leaves it out with a warning naming file and line.
    let mut text = std::fs::read_to_string(&file).unwrap();
    let line = text.lines().count() + 1;
    text.push_str("{\"type\":\"exec\",\"bad\":1}\n");
    std::fs::write(&file, text).unwrap();
    let summary = tmp.path().join("summary.json");
    let args = [
        "analyse",
        file.to_str().unwrap(),
        "--out",
        summary.to_str().unwrap(),
    ];

    let o = xtask(&args, true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let want = format!(
        "::warning file={},line={line},title=whichpy::",
        file.display()
    );
    assert!(
        stderr.lines().any(|l| l.starts_with(&want)),
        "an annotation starting {want}:\n{stderr}"
    );
    assert!(stderr.contains("warning: "), "the plain warning too");

    // Outside Actions: the plain warning only.
    let o = xtask(&args, false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("::warning"), "{stderr}");
    assert!(stderr.contains("left out"), "{stderr}");

    // A failing command is an error annotation.
    let o = xtask(&["analyse", "/nonexistent/none.jsonl", "--strict"], true);
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("::error title=whichpy::")),
        "{stderr}"
    );
}
