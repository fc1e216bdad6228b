//! Issue 29, items 3 and 6: results a workload forges are not recorded as measurements. On a
//! real emulated micro:bit (qemu-system-arm and Debian's firmware; SKIPPED loudly when
//! missing): a workload that prints a result line from `setup`, and one that prints a result
//! line, a banner and a prompt and then loops forever.

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
            assert!(reason.contains("without this boot's nonce"), "{reason}")
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

#[test]
fn a_forged_line_and_prompt_then_an_endless_loop_is_not_ok() {
    let Some(interp) = microbit("a_forged_line_and_prompt_then_an_endless_loop…") else {
        return;
    };
    // Before: `ok` in 0.07 s: the reader stopped at the forged prompt.
    let r = run_on_board(
        &interp,
        "def setup(n):\n    print('WPY 1 2 1 5,5 1')\n\
         \x20   print('MicroPython v1.9.2-34-gd64154c73 on 2017-09-01; micro:bit v1.0.1 with nRF51822')\n\
         \x20   print('Type \"help()\" for more information.')\n\
         \x20   print('>>> ')\n    while True:\n        pass\n\
         def run(n):\n    return n\n",
        20.0,
    );
    match &r.outcome {
        Outcome::BadOutput { reason } => {
            assert!(reason.contains("without this boot's nonce"), "{reason}")
        }
        o => panic!("{o:?}: {r:?}"),
    }
}
