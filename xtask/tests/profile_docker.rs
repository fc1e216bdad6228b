//! `cargo xtask profile` end to end in the images: CPython (cProfile + py-spy under
//! `SYS_PTRACE`) and PyPy (cProfile + the timer sampler) on nbody at the quick size, and
//! MicroPython refused with the reason. The container runs need a Docker engine and py-spy in
//! `.cache/py-spy/` (`cargo xtask doctor --install`); without them the test says `SKIPPED` on
//! stderr and passes.

use std::path::Path;
use std::process::Command;

use whichpy_wire::profile::{Profile, SamplerTool};
use whichpy_wire::SizeName;

fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\nSKIPPED: {test}: {why}\n");
}

fn profile(interp: &str, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "profile",
            "--interp",
            interp,
            "--workload",
            "nbody",
            "--size",
            "quick",
        ])
        .args(["--seconds", "0.5", "--out"])
        .arg(out)
        .current_dir(xtask::project::root())
        .output()
        .unwrap()
}

#[test]
fn micropython_is_refused_with_the_reason_not_a_trace() {
    let out = tempfile::tempdir().unwrap();
    let o = profile("micropython-1.25", out.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(stderr.contains("no sys.settrace"), "{stderr}");
    assert!(stderr.contains("no sys._getframe"), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(out.path()).unwrap().next().is_none(),
        "no file written"
    );
}

#[test]
fn cpython_and_pypy_profiles_run_in_the_sandbox() {
    let test = "cpython_and_pypy_profiles_run_in_the_sandbox";
    if let Err(e) = xtask::docker::Engine::connect() {
        skipped(test, &format!("{e:#}"));
        return;
    }
    let root = xtask::project::root();
    let out = tempfile::tempdir().unwrap();
    let mut wanted = vec![("pypy-7.3", SamplerTool::Timer)];
    if root.join(xtask::profile::PY_SPY).is_file() {
        wanted.insert(0, ("cpython-3.13", SamplerTool::PySpy));
    } else {
        skipped(
            "cpython part of cpython_and_pypy_profiles_run_in_the_sandbox",
            "py-spy is not in .cache/py-spy (cargo xtask doctor --install)",
        );
    }
    for (interp, tool) in wanted {
        let o = profile(interp, out.path());
        assert!(
            o.status.success(),
            "{interp}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let path = out
            .path()
            .join(Profile::file_name(interp, "nbody", SizeName::Quick));
        let p = Profile::read(&path).unwrap();
        assert_eq!(p.interpreter, interp);
        assert_eq!(
            p.command,
            format!("cargo xtask profile --interp {interp} --workload nbody --size quick")
        );
        let top = p.cprofile.as_ref().expect("a cProfile table");
        assert!(top.calls_of_run >= 1, "{interp}");
        assert!(
            top.rows.iter().any(|r| r.function.ends_with("(_advance)")),
            "{interp}: {:?}",
            top.rows
        );
        let s = p.sampled.as_ref().expect("stacks");
        assert_eq!(s.tool, tool);
        assert!(s.samples() >= 10, "{interp}: {} samples", s.samples());
        let hot: u64 = s
            .stacks
            .iter()
            .filter(|st| st.frames.contains(";_advance ("))
            .map(|st| st.count)
            .sum();
        assert!(
            hot * 3 >= s.samples(),
            "{interp}: _advance in {hot} of {} samples",
            s.samples()
        );
        eprintln!(
            "{interp}: {} samples, {} s of wall time",
            s.samples(),
            p.wall_s
        );
    }
}
