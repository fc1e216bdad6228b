//! Issue 29, item 2, on the real engine: a workload cannot touch its measurer. In a cell
//! container bench-runner is PID 1 (no engine init), not dumpable, and the seccomp profile
//! allows `ptrace`/`process_vm_*` only with `CAP_SYS_PTRACE`, which a cell never has. The
//! fixture `ptrace_probe.py` tries PTRACE_ATTACH of PID 1, PTRACE_SEIZE of its parent,
//! process_vm_readv/writev of it, its /proc/<pid>/mem read-write and its stdout through
//! /proc; each gets EPERM or EACCES, and the record is an intact `ok`.
//!
//! Where no engine answers (or mmdebstrap is missing), the test says so on stderr and returns.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use whichpy_wire::{
    CellSpec, ExecRecord, InterpSpec, Outcome, SizeName, SizeSpec, Sizes, WorkloadKind,
    WorkloadMeta,
};
use xtask::backend::Backend;
use xtask::catalogue::Catalogue;
use xtask::docker::{DockerBackend, DockerConfig, Engine};
use xtask::images::{self, Inputs};

fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\nSKIPPED: {test}: {why}\n");
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

#[test]
fn a_workload_cannot_ptrace_read_or_write_its_measurer_and_its_record_stays_intact() {
    let test = "a_workload_cannot_ptrace_read_or_write_its_measurer";
    let engine = match Engine::connect() {
        Ok(e) => e,
        Err(e) => return skipped(test, &format!("{e:#}")),
    };
    let root = xtask::project::root();
    if !images::rootfs_cache(&root).is_dir() && which("mmdebstrap").is_none() {
        return skipped(
            test,
            "mmdebstrap is missing (apt-get install -y mmdebstrap)",
        );
    }
    let sh = xshell::Shell::new().unwrap();
    let runner = xtask::project::build_runner(&sh, &root).expect("bench-runner builds");
    let workloads = tempfile::tempdir().unwrap();
    std::fs::copy(
        root.join("bench-runner/tests/fixtures/ptrace_probe.py"),
        workloads.path().join("ptrace_probe.py"),
    )
    .unwrap();
    let mut inputs = Inputs::for_repo(&root, runner).unwrap();
    inputs.workloads = workloads.path().to_owned();
    let mut config = DockerConfig::new(inputs);
    config.sandbox.memory_bytes = 512 << 20;
    let mut backend = DockerBackend::new(engine, config);
    let cpython = Catalogue::load(&root)
        .unwrap()
        .get("cpython-3.13")
        .expect("cpython-3.13 in the catalogue")
        .clone();
    backend.prepare(&cpython).expect("prepare cpython-3.13");

    let want = "attach1=1 seize=1 vm_read=1 vm_write=1 mem=13 stdout=13";
    let size = SizeSpec {
        n: 1,
        checksum: want.into(),
        load: None,
        bytes: None,
        records: None,
    };
    let (harness, workloads_dir) = backend.runner_paths();
    let spec = CellSpec {
        interp: InterpSpec {
            id: cpython.id.clone(),
            family: cpython.family,
            executable: cpython.executable.clone(),
            flags: cpython.flags.clone(),
            board: None,
        },
        workload: WorkloadMeta {
            name: "ptrace_probe".into(),
            category: "test".into(),
            description: "test".into(),
            kind: WorkloadKind::Iterations,
            sizes: Sizes {
                quick: size.clone(),
                default: size,
                tiny: None,
            },
            unsupported: Default::default(),
        },
        size: SizeName::Quick,
        processes: 1,
        first_process: 0,
        iterations: 3,
        loops: 1,
        pilot_s: None,
        timeout_s: 60.0,
        harness,
        workloads_dir,
    };
    let mut records: Vec<ExecRecord> = Vec::new();
    backend
        .run_cell(&cpython, &spec, &AtomicBool::new(false), &mut |r| {
            records.push(r);
            Ok(())
        })
        .expect("the cell runs");
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0];
    // Before: ptrace of PID 1 and of bench-runner succeeded (0) and /proc/<pid>/mem opened
    // read-write (0), so the checksum read "attach1=0 seize=0 … mem=0 stdout=0".
    assert!(
        matches!(r.outcome, Outcome::Ok),
        "{:?}; checksum {:?}; stderr {}",
        r.outcome,
        r.checksum,
        r.stderr_tail
    );
    assert_eq!(r.checksum.as_deref(), Some(want));
    assert_eq!(r.iterations_ns.len(), 3, "{r:?}");
    assert!(
        r.wall_ns > 0 && r.iterations_ns.iter().all(|&ns| ns > 0),
        "{r:?}"
    );
}
