//! What `cargo xtask analyse` prints on the committed raw files (issue 27, item 3): a short
//! table (precision, warnings grouped by kind with counts and the worst cells), every warning
//! in a file, nothing but errors with `-q`, and under GitHub Actions one annotation per kind
//! of warning rather than one per cell.

use std::process::{Command, Output};

fn analyse(flags: &[&str], github: bool) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_xtask"));
    c.args(flags)
        .arg("analyse")
        .arg("--out")
        .arg(dir.path().join("summary.json"))
        .arg("--warnings")
        .arg(dir.path().join("warnings.txt"));
    if github {
        c.env("GITHUB_ACTIONS", "true");
    } else {
        c.env_remove("GITHUB_ACTIONS");
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (o, dir)
}

fn warnings_in(dir: &tempfile::TempDir) -> usize {
    let s: whichpy_wire::summary::Summary =
        whichpy_wire::parse_json_file(&dir.path().join("summary.json")).unwrap();
    s.warnings.len()
}

#[test]
fn quiet_analyse_prints_nothing_but_errors() {
    let (o, dir) = analyse(&["-q"], false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.is_empty(), "-q printed:\n{stderr}");
    assert!(o.stdout.is_empty());
    // The warnings are not lost: every one is in the file.
    let n = warnings_in(&dir);
    assert!(n > 0, "the committed data has warnings");
    let text = std::fs::read_to_string(dir.path().join("warnings.txt")).unwrap();
    assert_eq!(text.lines().count(), n);
}

#[test]
fn analyse_prints_a_short_table_and_writes_every_warning_to_a_file() {
    let (o, dir) = analyse(&[], false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let n = warnings_in(&dir);
    assert!(stderr.contains("precision (95% interval"), "{stderr}");
    assert!(
        stderr.contains(&format!("{n} warnings (every one in")),
        "{stderr}"
    );
    assert!(
        stderr.contains("interval wider than the target"),
        "{stderr}"
    );
    // Short: a line per kind, not per warning.
    assert!(stderr.lines().count() < 25, "{stderr}");
    assert!(!stderr.contains("warning: "), "{stderr}");
    // -v prints every warning too.
    let (o, _) = analyse(&["-v"], false);
    let verbose = String::from_utf8_lossy(&o.stderr);
    assert_eq!(verbose.matches("warning: ").count(), n, "{verbose}");
}

#[test]
fn under_actions_warnings_are_one_annotation_per_kind() {
    let (o, dir) = analyse(&["-q"], true);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let annotations: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("::warning"))
        .collect();
    assert!(!annotations.is_empty(), "{stderr}");
    assert!(annotations.len() <= 12, "{} annotations", annotations.len());
    assert!(annotations.len() < warnings_in(&dir));
    assert!(
        annotations
            .iter()
            .all(|a| a.contains("title=whichpy analyse::")),
        "{stderr}"
    );
}
