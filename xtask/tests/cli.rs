//! Command-line conventions (issue 27, item 4): `cargo xtask` in the usage line, `--version`,
//! one duration syntax for the time flags, names checked before anything is built.

use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn usage_says_cargo_xtask_and_version_answers() {
    let o = xtask(&["--help"]);
    assert!(
        text(&o).contains("Usage: cargo xtask [OPTIONS] <COMMAND>"),
        "{}",
        text(&o)
    );
    let o = xtask(&["compare", "--help"]);
    assert!(
        text(&o).contains("Usage: cargo xtask compare"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("3 the gate failed"), "{}", text(&o));
    let o = xtask(&["--version"]);
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("cargo xtask {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn time_flags_share_one_syntax() {
    // A bad duration is a usage error naming the syntax, for every time flag.
    for flag in ["--timeout", "--cell-budget", "--budget"] {
        let o = xtask(&["bench", flag, "soon"]);
        assert_eq!(o.status.code(), Some(2), "{flag}: {}", text(&o));
        assert!(text(&o).contains("90s, 2m, 1h30m"), "{flag}: {}", text(&o));
    }
    for cmd in ["floor", "scaling"] {
        let o = xtask(&[cmd, "--timeout", "soon"]);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", text(&o));
    }
}

#[test]
fn a_misspelt_name_fails_before_anything_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("raw");
    let o = xtask(&[
        "bench",
        "--quick",
        "--workload",
        "nbodyy",
        "--timeout",
        "90s",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("no workload named `nbodyy`"),
        "{}",
        text(&o)
    );
    // Nothing was started: not even the run's folder and lock.
    assert!(!out.exists());
    assert!(!text(&o).contains("Compiling"), "{}", text(&o));
    let o = xtask(&[
        "bench",
        "--quick",
        "--interp",
        "cpythn-3.13",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("cpythn-3.13"), "{}", text(&o));
    assert!(!out.exists());
}
