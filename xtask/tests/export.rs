//! `cargo xtask export --format pyperf` on the committed summary, read and tested by real pyperf
//! (issue 27, item 2): one file per interpreter and metric, `compare_to` runs its t-test on
//! every benchmark (no "ERROR when testing if values are significant"), and the metadata's
//! platform is the container's.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Python with pyperf that `cargo xtask doctor --install` makes (or `WHICHPY_PYTHON`).
/// Missing in CI is a failure, elsewhere a skip that says how to get it.
fn pyperf_python() -> Option<PathBuf> {
    let found = [
        std::env::var_os("WHICHPY_PYTHON").map(PathBuf::from),
        Some(repo().join(".cache/stats-venv/bin/python")),
    ]
    .into_iter()
    .flatten()
    .find(|p| {
        Command::new(p)
            .args(["-c", "import pyperf"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no Python with pyperf: run `cargo xtask doctor --install`"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: no Python with pyperf (run `cargo xtask doctor --install`, or set WHICHPY_PYTHON)"
        );
    }
    found
}

#[test]
fn pyperf_compare_to_tests_every_benchmark_of_two_exports() {
    let Some(python) = pyperf_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["-q", "export", "--format", "pyperf", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file =
        |interp: &str, metric: &str| dir.path().join(format!("pyperf-{interp}-{metric}.json"));
    let pyperf = |args: &[&OsStr]| -> String {
        let o = Command::new(&python)
            .args(["-m", "pyperf"])
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.status.success(), "pyperf {args:?}: {text}");
        text
    };
    let mut compared = 0;
    for metric in ["warm", "cold", "startup", "process"] {
        let (a, b) = (file("cpython-3.13", metric), file("pypy-7.3", metric));
        assert!(a.is_file() && b.is_file(), "{metric}: files missing");
        let text = pyperf(&[
            "compare_to".as_ref(),
            "-v".as_ref(),
            a.as_os_str(),
            b.as_os_str(),
        ]);
        assert!(!text.contains("ERROR"), "{metric}:\n{text}");
        compared += text.matches("Mean +- std dev").count();
        // Significance was tested, not skipped.
        assert!(
            text.contains("Significant (t=") || text.contains("Not significant"),
            "{text}"
        );
    }
    assert!(compared > 20, "{compared} benchmarks compared");
    // The container's platform, not the host's Debian 12: pypy-7.3 comes from trixie.
    let meta = pyperf(&["metadata".as_ref(), file("pypy-7.3", "warm").as_os_str()]);
    assert!(
        meta.contains("platform: Linux-") && meta.contains("Debian 13 (trixie) container"),
        "{meta}"
    );
}
