//! Cells on a real emulated micro:bit (qemu-system-arm and Debian's
//! firmware-microbit-micropython): bench-runner's board driver on this host (`cargo xtask
//! doctor --install` installs both; each test says SKIPPED loudly when they are missing), and
//! the mcu backend in the board's image through the Docker engine.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use bench_runner::mcu::Board;
use whichpy_wire::{CellSpec, ExecRecord, InterpSpec, Outcome, SizeName};
use xtask::backend::mcu::Mcu;
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
            board: interp.board_spec(),
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

/// A cell through bench-runner on this host (its spec names the board).
fn run(spec: &CellSpec) -> Vec<ExecRecord> {
    let mut out = Vec::new();
    bench_runner::run_cell(spec, &AtomicBool::new(false), |r| out.push(r));
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
    assert_eq!(
        (boot.out.as_str(), boot.err.as_str()),
        ("sum 285\n42\n", "")
    );
    // A traceback comes back as error output, apart from what was printed before it.
    let boot = board("print(1)\nraise ValueError('x')\n");
    assert_eq!(boot.out, "1\n");
    assert!(boot.err.contains("ValueError: x"), "{boot:?}");
    // And the backend identifies the firmware.
    let info =
        bench_runner::mcu::identify(&interp.executable, &interp.board_spec().unwrap()).unwrap();
    assert_eq!(info.name, "micropython");
    assert_eq!(info.version, "1.9.2");
}

#[test]
fn the_emulated_clock_gives_the_same_count_on_two_runs() {
    let Some(interp) = microbit("the_emulated_clock_gives_the_same_count…") else {
        return;
    };
    let recs = run(&cell(&interp, "int_arith", 2, 2));
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
    let recs = run(&cell(&interp, "dicts_sets", 1, 1));
    assert_eq!(recs.len(), 1);
    match &recs[0].outcome {
        Outcome::MemoryError { message } => assert!(message.starts_with("MemoryError")),
        other => panic!("expected a MemoryError record, got {other:?}"),
    }
    assert!(recs[0].stderr_tail.contains("MemoryError"));
    // A workload with no tiny size is a record too, with its reason.
    let recs = run(&cell(&interp, "io_wait", 1, 1));
    assert!(
        matches!(&recs[0].outcome, Outcome::Unsupported { reason } if reason.contains("tiny")),
        "{:?}",
        recs[0].outcome
    );
}

/// The mcu backend as `bench` uses it: the board's image (Debian 12's qemu-system-arm and
/// firmware-microbit-micropython, built from the lock like every image), QEMU in a sandboxed
/// container, and the same count as a second container.
#[test]
fn the_board_runs_in_its_image_through_the_docker_engine() {
    let engine = match xtask::docker::Engine::connect() {
        Ok(e) => e,
        Err(e) => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\nSKIPPED: the board in its image: {e:#}\n"
            );
            return;
        }
    };
    let root = xtask::project::root();
    let sh = xshell::Shell::new().unwrap();
    let runner = xtask::project::build_runner(&sh, &root).expect("bench-runner builds");
    let inputs = xtask::images::Inputs::for_repo(&root, runner).unwrap();
    let docker =
        xtask::docker::DockerBackend::new(engine, xtask::docker::DockerConfig::new(inputs));
    let mut backend = Mcu::over(Box::new(docker));
    let interp = Catalogue::load(&root)
        .unwrap()
        .get("microbit")
        .unwrap()
        .clone();
    let info = backend
        .prepare(&interp)
        .expect("the board's image builds and identifies");
    assert_eq!(info.implementation.version, "1.9.2");
    assert!(info.image.is_some(), "{info:?}");
    let (_, workloads) = backend.runner_paths();
    let mut spec = cell(&interp, "int_arith", 1, 2);
    spec.workloads_dir = workloads;
    let mut counts = Vec::new();
    for _ in 0..2 {
        let mut recs = Vec::new();
        backend
            .run_cell(&interp, &spec, &AtomicBool::new(false), &mut |r| {
                recs.push(r);
                Ok(())
            })
            .expect("a cell in the board's container");
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].outcome, Outcome::Ok, "{:?}", recs[0]);
        counts.push(recs[0].mcu.as_ref().unwrap().instructions.clone());
    }
    assert_eq!(counts[0], counts[1]);
    // The container's board counts what the host's counts: the same QEMU and firmware.
    if let Some(host) = microbit("the board in its image, against the host") {
        let recs = run(&cell(&host, "int_arith", 1, 2));
        assert_eq!(recs[0].mcu.as_ref().unwrap().instructions, counts[0]);
    }
}
