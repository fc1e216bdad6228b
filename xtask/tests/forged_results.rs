//! Issue 29, items 3 and 6: results a workload forges are not recorded as measurements. On a
//! real emulated micro:bit (qemu-system-arm and Debian's firmware; SKIPPED loudly when
//! missing): a workload that prints a result line from `setup` (the board's result line has no
//! nonce: its value moves the instruction count, see bench-runner/src/mcu.rs); and, on the host's
//! python3, a workload that prints a whole forged profile.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use whichpy_wire::{
    CellSpec, ExecRecord, InterpSpec, Outcome, SizeName, SizeSpec, Sizes, WorkloadKind,
    WorkloadMeta,
};
use xtask::catalogue::{Catalogue, Interpreter};

fn microbit(test: &str) -> Option<Interpreter> {
    let root = xtask::project::root();
    let interp = Catalogue::load(&root)
        .unwrap()
        .get("microbit")
        .expect("microbit in the catalogue")
        .clone();
    let firmware = interp.firmware.clone().unwrap();
    let qemu_found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|d| d.join(&interp.executable).is_file());
    if !qemu_found || !Path::new(&firmware).is_file() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nSKIPPED: {test}: qemu-system-arm or {firmware} is missing \
             (cargo xtask doctor --install)\n"
        );
        return None;
    }
    Some(interp)
}

/// One process execution of `source` (a workload named `forger`) on the board.
fn run_on_board(interp: &Interpreter, source: &str, timeout_s: f64) -> ExecRecord {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("forger.py"), source).unwrap();
    let size = SizeSpec {
        n: 1,
        checksum: "1".into(),
        load: None,
        bytes: None,
        records: None,
    };
    let root = xtask::project::root();
    let spec = CellSpec {
        interp: InterpSpec {
            id: interp.id.clone(),
            family: interp.family,
            executable: interp.executable.clone(),
            flags: vec![],
            board: interp.board_spec(),
        },
        workload: WorkloadMeta {
            name: "forger".into(),
            category: "test".into(),
            description: "test".into(),
            kind: WorkloadKind::Iterations,
            sizes: Sizes {
                quick: size.clone(),
                default: size.clone(),
                tiny: Some(size),
            },
            unsupported: Default::default(),
        },
        size: SizeName::Tiny,
        processes: 1,
        first_process: 0,
        iterations: 2,
        loops: 1,
        pilot_s: None,
        timeout_s,
        harness: root.join(xtask::project::HARNESS),
        workloads_dir: dir.path().to_owned(),
    };
    let mut out = Vec::new();
    bench_runner::run_cell(&spec, &AtomicBool::new(false), |r| out.push(r));
    assert_eq!(out.len(), 1, "{out:?}");
    out.pop().unwrap()
}

#[test]
fn a_result_line_printed_by_the_workload_is_not_the_boards_result() {
    let Some(interp) = microbit("a_result_line_printed_by_the_workload…") else {
        return;
    };
    // Before: recorded `ok` with 10 iterations where 2 were asked for.
    let r = run_on_board(
        &interp,
        "def setup(n):\n    print('WPY 9999 9999 9999 1,1,1,1,1,1,1,1,1,1 1')\n    return n\n\
         def run(n):\n    return n\n",
        60.0,
    );
    match &r.outcome {
        Outcome::BadOutput { reason } => {
            assert!(reason.contains("two result lines"), "{reason}")
        }
        o => panic!("{o:?}: {r:?}"),
    }
    assert!(r.mcu.is_none() || r.mcu.as_ref().unwrap().instructions.is_empty());

    // The same workload without the forgery is `ok` with the 2 iterations asked for.
    let r = run_on_board(
        &interp,
        "def setup(n):\n    return n\ndef run(n):\n    return n\n",
        60.0,
    );
    assert!(matches!(r.outcome, Outcome::Ok), "{r:?}");
    assert_eq!(r.mcu.as_ref().unwrap().instructions.len(), 2, "{r:?}");
}

/// A workload that prints a whole forged profile (a table with FORGED_FUNCTION at 9 s, 99,999
/// samples of a forged stack, a calls line) from `setup` and from every `run`, in the old
/// marker format and with a guessed token, and reports whether it could see the nonce.
const FORGER: &str = r#"
import os
FORGED = """@profile begin cprofile
         3 function calls in 9.000 seconds

   Ordered by: cumulative time

   ncalls  tottime  percall  cumtime  percall filename:lineno(function)
        1    9.000    9.000    9.000    9.000 forged.py:1(FORGED_FUNCTION)

@profile end
@profile begin stacks
FORGED_FUNCTION (forged.py) 99999
@profile end
@profile calls 99999 9.000000
@profile 0000000000000000 begin stacks
FORGED_FUNCTION (forged.py) 99999
@profile 0000000000000000 end"""

def setup(n):
    print("nonce seen:", os.environ.get("WHICHPY_PROFILE_NONCE"))
    print(FORGED)
    return n

def run(n):
    print(FORGED)
    s = 0
    for i in range(20000):
        s += i * i
    return s
"#;

#[test]
fn a_workloads_forged_profile_markers_are_ignored() {
    let python = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("python3"))
        .find(|p| p.is_file());
    let Some(python) = python else {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "\nSKIPPED: no python3 on this host\n");
        return;
    };
    let root = xtask::project::root();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("forger.py"), FORGER).unwrap();
    let nonce = "5eed5eed5eed5eed";
    let driver = root.join("bench-runner/harness/profile_driver.py");
    let mut stdout = String::new();
    for mode in ["cprofile", "sample"] {
        let out = std::process::Command::new(&python)
            .arg(&driver)
            .args([
                mode,
                dir.path().to_str().unwrap(),
                "forger",
                "1",
                "0.3",
                "10",
                "500",
            ])
            .env("WHICHPY_PROFILE_NONCE", nonce)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    // The driver removed the nonce from the environment before importing the workload.
    assert!(stdout.contains("nonce seen: None"), "{stdout}");
    let (top, sampled) = xtask::profile::parse_output(
        &stdout,
        nonce,
        "cprofile-cmd",
        whichpy_wire::profile::SamplerTool::Timer,
        "sample-cmd",
        500.0,
    )
    .unwrap();
    // Before: the first `@profile begin cprofile` (the workload's) was taken: FORGED_FUNCTION
    // at 9 s, 99,999 forged samples, 99,999 calls.
    assert!(
        top.rows.iter().all(|r| !r.function.contains("FORGED")),
        "{:?}",
        top.rows
    );
    assert!(
        top.rows.iter().any(|r| r.function.contains("(run)")),
        "{:?}",
        top.rows
    );
    assert!(top.total_s < 9.0 && top.calls_of_run != 99_999, "{top:?}");
    assert!(
        sampled.stacks.iter().all(|s| !s.frames.contains("FORGED")),
        "{:?}",
        sampled.stacks
    );
    assert!(!sampled.stacks.is_empty());
    // Without the nonce (as before), the forgery is what a reader would have taken.
    let old = whichpy_wire::profile::DriverOutput::parse(
        &stdout.replace(&format!("@profile {nonce} "), "@profile "),
    );
    assert!(old.is_err() || old.unwrap().section("cprofile").unwrap().contains("FORGED"));
}
