//! Repository checks, as ordinary tests.

/// suite.json is generated from the workload files; a stale copy would let the runner check
/// a checksum the workload no longer produces.
#[test]
fn suite_json_is_up_to_date() {
    let sh = xshell::Shell::new().unwrap();
    // Natively under limits: this test needs no engine.
    let (fresh, _) = xtask::suite::describe(&sh, xtask::suite::Sandbox::Native)
        .expect("harness --describe runs");
    let path = xtask::project::root().join(xtask::project::SUITE);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date: run `cargo xtask suite`",
        path.display()
    );
}
