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

/// Every message of the commands goes through `output.rs`, so that `-q` and `-v` hold for every
/// command (issue 27): no `eprintln!` elsewhere in xtask, except `main`'s last word on an error.
#[test]
fn every_message_goes_through_the_output_layer() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    assert!(files.len() > 20, "{} files", files.len());
    let mut found = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().to_string();
        if rel == "output.rs" || rel == "main.rs" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            if line.contains("eprintln!(") || line.contains("eprint!(") {
                found.push(format!("xtask/src/{rel}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "print through crate::output (info, detail, warning, error) instead:\n{}",
        found.join("\n")
    );
}
