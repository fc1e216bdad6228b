//! The mcu backend against a real emulated micro:bit (qemu-system-arm and Debian's
//! firmware-microbit-micropython; `cargo xtask doctor --install` installs both). Each test says
//! SKIPPED loudly when they are missing.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use whichpy_wire::{CellSpec, ExecRecord, InterpSpec, Outcome, SizeName};
use xtask::backend::mcu::{Board, Mcu};
use xtask::backend::Backend;
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

fn cell(interp: &Interpreter, workload: &str, processes: u32, iterations: u32) -> CellSpec {
    let root = xtask::project::root();
    let suite = xtask::project::load_suite(&root).unwrap();
    CellSpec {
        interp: InterpSpec {
            id: interp.id.clone(),
            family: interp.family,
            executable: interp.executable.clone(),
            flags: vec![],
        },
        workload: suite.get(workload).unwrap().clone(),
        size: SizeName::Tiny,
        processes,
        first_process: 0,
        iterations,
        loops: 1,
        pilot_s: None,
        timeout_s: 120.0,
        harness: root.join(xtask::project::HARNESS),
        workloads_dir: root.join(xtask::project::WORKLOADS),
    }
}

fn run(interp: &Interpreter, spec: &CellSpec) -> Vec<ExecRecord> {
    let mut backend = Mcu::new(&xtask::project::root());
    let mut out = Vec::new();
    backend
        .run_cell(interp, spec, &AtomicBool::new(false), &mut |r| {
            out.push(r);
            Ok(())
        })
        .expect("a cell on the board is never an error of the tool");
    out
}

#[test]
fn the_serial_driver_runs_a_known_snippet_and_reads_its_output() {
    let Some(interp) = microbit("the_serial_driver_runs_a_known_snippet…") else {
        return;
    };
    let board = |code: &str| {
        Board::run(
            &interp.executable,
            interp.machine.as_deref().unwrap(),
            Path::new(interp.firmware.as_deref().unwrap()),
            code,
            Instant::now() + Duration::from_secs(20),
        )
        .unwrap()
    };
    let snippet =
        "total = 0\nfor k in range(10):\n    total += k * k\nprint('sum', total)\nprint(6 * 7)\n";
    let boot = board(snippet);
    assert!(boot.banner.starts_with("MicroPython v1.9.2"), "{boot:?}");
    assert_eq!((boot.out.as_str(), boot.err.as_str()), ("sum 285\n42\n", ""));
    // A traceback comes back as error output, apart from what was printed before it.
    let boot = board("print(1)\nraise ValueError('x')\n");
    assert_eq!(boot.out, "1\n");
    assert!(boot.err.contains("ValueError: x"), "{boot:?}");
    // And the backend identifies the firmware.
    let info = Mcu::new(&xtask::project::root()).prepare(&interp).unwrap();
    assert_eq!(info.implementation.name, "micropython");
    assert_eq!(info.implementation.version, "1.9.2");
}

#[test]
fn the_emulated_clock_gives_the_same_count_on_two_runs() {
    let Some(interp) = microbit("the_emulated_clock_gives_the_same_count…") else {
        return;
    };
    let recs = run(&interp, &cell(&interp, "int_arith", 2, 2));
    assert_eq!(recs.len(), 2);
    let counts: Vec<Vec<u64>> = recs
        .iter()
        .map(|r| {
            assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
            assert_eq!(r.checksum.as_deref(), Some("95,21536,6488,133,417,3675"));
            let m = r.mcu.as_ref().unwrap();
            assert!(m.heap_free_before.unwrap() < m.heap_total.unwrap());
            m.instructions.clone()
        })
        .collect();
    // Two boots of the board: the same count, to the instruction's clock tick. Nothing reaches
    // the board after reset, so the emulation is the same on both.
    assert_eq!(counts[0], counts[1]);
    assert!(counts[0][0] > 1_000_000, "{counts:?}");
}

#[test]
fn a_workload_too_big_for_16_kb_is_recorded_as_out_of_memory() {
    let Some(interp) = microbit("a_workload_too_big_for_16_kb…") else {
        return;
    };
    // dicts_sets works on a fixed pool of 2,000 keys: it cannot shrink below that.
    let recs = run(&interp, &cell(&interp, "dicts_sets", 1, 1));
    assert_eq!(recs.len(), 1);
    match &recs[0].outcome {
        Outcome::MemoryError { message } => assert!(message.starts_with("MemoryError")),
        other => panic!("expected a MemoryError record, got {other:?}"),
    }
    assert!(recs[0].stderr_tail.contains("MemoryError"));
    // A workload with no tiny size is a record too, with its reason.
    let recs = run(&interp, &cell(&interp, "io_wait", 1, 1));
    assert!(
        matches!(&recs[0].outcome, Outcome::Unsupported { reason } if reason.contains("tiny")),
        "{:?}",
        recs[0].outcome
    );
}
