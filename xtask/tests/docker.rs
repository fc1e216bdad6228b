//! The docker backend against the real engine: the sandbox holds, images are reused and
//! rebuilt when they should be, a memory kill is recorded as such, and no container is left
//! behind. Where no engine answers (or mmdebstrap is missing), each test says so on stderr
//! and returns.
//!
//! The tests share one lock (they run one at a time) and build the CPython image (one test also
//! the PyPy and MicroPython images), with a temporary copy of the workloads plus the `hog.py`
//! fixture; the rootfs cache in `.cache/rootfs/` makes the first build about 20 s and later
//! ones a few seconds.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use whichpy_wire::{
    CellSpec, ExecRecord, Family, InterpSpec, Outcome, SizeName, SizeSpec, Sizes, WorkloadKind,
    WorkloadMeta,
};
use xtask::backend::Backend;
use xtask::catalogue::{Catalogue, Interpreter};
use xtask::docker::{DockerBackend, DockerConfig, Engine, LABEL_PID};
use xtask::images::{self, ImageKey, Inputs};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

struct Env {
    _lock: MutexGuard<'static, ()>,
    backend: DockerBackend,
    cpython: Interpreter,
    workloads: tempfile::TempDir,
}

fn root() -> PathBuf {
    xtask::project::root()
}

/// The backend over a temporary copy of the workloads (plus hog.py), or `None` (and a loud
/// message) when this machine cannot run the tests.
fn env(test: &str) -> Option<Env> {
    let lock = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let engine = match Engine::connect() {
        Ok(e) => e,
        Err(e) => {
            skipped(test, &format!("{e:#}"));
            return None;
        }
    };
    let root = root();
    if !images::rootfs_cache(&root).is_dir() && which("mmdebstrap").is_none() {
        skipped(
            test,
            "mmdebstrap is missing (apt-get install -y mmdebstrap)",
        );
        return None;
    }
    let sh = xshell::Shell::new().unwrap();
    let runner = xtask::project::build_runner(&sh, &root).expect("bench-runner builds");
    let workloads = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root.join(xtask::project::WORKLOADS)).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, workloads.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    for fixture in ["hog.py", "escape.py"] {
        std::fs::copy(
            root.join("bench-runner/tests/fixtures").join(fixture),
            workloads.path().join(fixture),
        )
        .unwrap();
    }
    let mut inputs = Inputs::for_repo(&root, runner).unwrap();
    inputs.workloads = workloads.path().to_owned();
    let mut config = DockerConfig::new(inputs);
    config.sandbox.memory_bytes = 512 << 20;
    let backend = DockerBackend::new(engine, config);
    let cpython = Catalogue::load(&root)
        .unwrap()
        .get("cpython-3.13")
        .expect("cpython-3.13 in the catalogue")
        .clone();
    Some(Env {
        _lock: lock,
        backend,
        cpython,
        workloads,
    })
}

/// Say loudly that a test did not run. Written to the stderr handle itself, which the test
/// harness does not capture, so it shows without `--nocapture`.
fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\nSKIPPED: {test}: {why}\n");
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Containers this test process created that still exist.
fn leftovers(engine: &Engine) -> Vec<String> {
    engine
        .list_labelled_containers(Some(&format!("{LABEL_PID}={}", std::process::id())))
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect()
}

fn assert_nothing_left(engine: &Engine) {
    assert_eq!(
        leftovers(engine),
        Vec::<String>::new(),
        "containers left behind"
    );
}

fn workload(name: &str, kind: WorkloadKind, n: u64, checksum: &str) -> WorkloadMeta {
    let size = SizeSpec {
        n,
        checksum: checksum.into(),
        load: None,
        bytes: None,
        records: None,
    };
    WorkloadMeta {
        name: name.into(),
        category: "test".into(),
        description: "test".into(),
        kind,
        sizes: Sizes {
            quick: size.clone(),
            default: size,
            tiny: None,
        },
        unsupported: Default::default(),
    }
}

fn spec(
    backend: &DockerBackend,
    interp: &Interpreter,
    w: WorkloadMeta,
    processes: u32,
) -> CellSpec {
    let (harness, workloads_dir) = backend.runner_paths();
    CellSpec {
        interp: InterpSpec {
            id: interp.id.clone(),
            family: interp.family,
            executable: interp.executable.clone(),
            flags: interp.flags.clone(),
            board: None,
        },
        workload: w,
        size: SizeName::Quick,
        processes,
        first_process: 0,
        iterations: 2,
        loops: 1,
        pilot_s: None,
        timeout_s: 60.0,
        harness,
        workloads_dir,
    }
}

const PROBE: &str = r#"
import os, socket
print("uid", os.getuid(), os.getgid())
for path in ["/probe", "/etc/probe", "/opt/whichpy/probe", "/usr/probe"]:
    try:
        open(path, "w").write("x")
        print("wrote", path)
    except OSError as e:
        print("denied", path, e.errno)
for path in ["/dev/shm/probe"]:
    try:
        open(path, "w").write("x")
        print("wrote", path)
    except OSError as e:
        print("denied", path, e.errno)
open("/tmp/probe", "w").write("x")
print("tmp ok", open("/tmp/probe").read())
print("interfaces", sorted(n for _, n in socket.if_nameindex()))
try:
    s = socket.create_connection(("1.1.1.1", 53), timeout=2)
    print("connected")
except OSError as e:
    print("no route", e.errno)
for line in open("/proc/self/status"):
    if line.startswith(("CapEff", "NoNewPrivs")):
        print(line.strip().replace(":", ""))
"#;

#[test]
fn sandbox_has_no_network_no_writes_outside_tmp_and_no_root() {
    let Some(mut env) = env("sandbox_has_no_network_no_writes_outside_tmp_and_no_root") else {
        return;
    };
    let cpython = env.cpython.clone();
    let info = env.backend.prepare(&cpython).expect("prepare cpython-3.13");
    assert_eq!(info.implementation.name, "cpython");
    assert!(info.implementation.python.starts_with("3.13."), "{info:?}");
    let image = info.image.as_ref().expect("docker provenance");
    assert!(image.content_digest.starts_with("sha256:"), "{image:?}");
    assert!(
        image.packages.iter().any(|p| p.name == "python3.13"),
        "manifest: {:?}",
        image.packages
    );

    let (out, end) = env
        .backend
        .run_probe(
            &cpython,
            vec!["/usr/bin/python3.13".into(), "-c".into(), PROBE.into()],
        )
        .unwrap();
    eprintln!("{out}{}", end.stderr_tail);
    assert_eq!(end.exit_code, 0, "{}", end.stderr_tail);
    assert!(out.contains("uid 65534 65534"), "{out}");
    for p in ["/probe", "/etc/probe", "/opt/whichpy/probe", "/usr/probe"] {
        assert!(
            out.contains(&format!("denied {p} 30")),
            "{p} writable: {out}"
        ); // EROFS
    }
    assert!(out.contains("tmp ok x"), "{out}");
    // Before: the engine's default /dev/shm, a writable 64 MiB tmpfs.
    assert!(out.contains("denied /dev/shm/probe 30"), "{out}"); // EROFS
    assert!(out.contains("interfaces ['lo']"), "{out}");
    assert!(out.contains("no route 101"), "{out}"); // ENETUNREACH
    assert!(out.contains("CapEff\t0000000000000000"), "{out}");
    assert!(out.contains("NoNewPrivs\t1"), "{out}");
    assert_nothing_left(env.backend.engine());
}

#[test]
fn image_is_reused_when_nothing_changed_and_rebuilt_when_a_workload_changed() {
    let Some(env) = env("image_is_reused_when_nothing_changed_and_rebuilt_when_a_workload_changed")
    else {
        return;
    };
    let engine = env.backend.engine();
    let key = ImageKey::of(&env.cpython).unwrap();
    let mut inputs = Inputs::for_repo(&root(), PathBuf::new()).unwrap();
    inputs.runner = {
        let sh = xshell::Shell::new().unwrap();
        xtask::project::build_runner(&sh, &root()).unwrap()
    };
    inputs.workloads = env.workloads.path().to_owned();

    let first = images::ensure(engine, &inputs, &key).unwrap();
    let t = Instant::now();
    let again = images::ensure(engine, &inputs, &key).unwrap();
    let reuse_time = t.elapsed();
    assert!(again.reused, "nothing changed, yet the image was rebuilt");
    assert_eq!(again.info.id, first.info.id);
    assert!(
        reuse_time < Duration::from_secs(2),
        "reuse took {reuse_time:?}"
    );

    // A changed workload file (in the temporary copy) makes a new image.
    let nbody = env.workloads.path().join("nbody.py");
    let mut text = std::fs::read_to_string(&nbody).unwrap();
    text.push_str("\n# changed by a test\n");
    std::fs::write(&nbody, text).unwrap();
    let changed = images::ensure(engine, &inputs, &key).unwrap();
    assert!(
        !changed.reused,
        "a workload changed, yet the image was reused"
    );
    assert_ne!(changed.info.inputs_hash, first.info.inputs_hash);
    assert_ne!(changed.info.id, first.info.id);
    // Same packages, same root file system: the content identity does not move.
    assert_eq!(changed.info.content_digest, first.info.content_digest);
    engine.remove_image(&changed.name).unwrap();
    assert_nothing_left(engine);
}

#[test]
fn a_container_killed_for_memory_is_recorded_as_out_of_memory() {
    let Some(mut env) = env("a_container_killed_for_memory_is_recorded_as_out_of_memory") else {
        return;
    };
    env.backend.config_mut().sandbox.memory_bytes = 128 << 20;
    let cpython = env.cpython.clone();
    let hog = workload("hog", WorkloadKind::Iterations, 1, "1");
    let spec = spec(&env.backend, &cpython, hog, 1);
    let mut records: Vec<ExecRecord> = Vec::new();
    env.backend
        .run_cell(&cpython, &spec, &AtomicBool::new(false), &mut |r| {
            records.push(r);
            Ok(())
        })
        .unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].outcome, Outcome::OutOfMemory, "{:?}", records[0]);
    assert_nothing_left(env.backend.engine());
}

#[test]
fn records_stream_while_the_container_runs_and_no_container_is_left_on_any_path() {
    let Some(mut env) =
        env("records_stream_while_the_container_runs_and_no_container_is_left_on_any_path")
    else {
        return;
    };
    let cpython = env.cpython.clone();
    let startup = workload("startup", WorkloadKind::Startup, 0, "");

    // Success: each record arrives while its container still runs.
    let spec5 = spec(&env.backend, &cpython, startup.clone(), 5);
    let pid_label = format!("{LABEL_PID}={}", std::process::id());
    let mut seen = Vec::new();
    let mut running_at_record = Vec::new();
    let probe = Engine::connect().unwrap();
    env.backend
        .run_cell(&cpython, &spec5, &AtomicBool::new(false), &mut |r| {
            running_at_record.push(!probe.list_labelled_containers(Some(&pid_label))?.is_empty());
            seen.push(r);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|r| r.outcome.is_ok()), "{seen:?}");
    assert_eq!(seen[0].interp, "cpython-3.13");
    assert!(
        running_at_record[0],
        "the first record arrived only after the container was gone"
    );
    assert_nothing_left(env.backend.engine());

    // Error: the consumer fails on the first record; the error comes back, the container goes.
    let err = env
        .backend
        .run_cell(&cpython, &spec5, &AtomicBool::new(false), &mut |_| {
            anyhow::bail!("disk full (simulated)")
        })
        .unwrap_err();
    assert!(format!("{err:#}").contains("disk full"), "{err:#}");
    assert_nothing_left(env.backend.engine());

    // Cancel (Ctrl-C): set after the first record; the cell ends early without error.
    let cancel = AtomicBool::new(false);
    let many = spec(&env.backend, &cpython, startup, 200);
    let mut n = 0;
    env.backend
        .run_cell(&cpython, &many, &cancel, &mut |_| {
            n += 1;
            cancel.store(true, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
    assert!(n < 200, "cancel did not stop the cell");
    assert_nothing_left(env.backend.engine());

    // A panic in the consumer (a failing test, say): the guard removes the container.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        env.backend
            .run_cell(&cpython, &spec5, &AtomicBool::new(false), &mut |_| {
                panic!("a test assertion failed while the container ran")
            })
    }));
    assert!(panicked.is_err());
    assert_nothing_left(env.backend.engine());

    // An interpreter that cannot start is a record (spawn failed), and the container goes.
    let mut bad = spec(
        &env.backend,
        &cpython,
        workload("nbody", WorkloadKind::Iterations, 1, "x"),
        1,
    );
    bad.interp.family = Family::Pypy;
    bad.interp.executable = "/nonexistent/python".into();
    let mut got = Vec::new();
    env.backend
        .run_cell(&cpython, &bad, &AtomicBool::new(false), &mut |r| {
            got.push(r);
            Ok(())
        })
        .unwrap();
    assert!(
        matches!(got[0].outcome, Outcome::SpawnFailed { .. }),
        "{got:?}"
    );
    assert_nothing_left(env.backend.engine());
}

/// Needs the Debian mirror and takes ~25 s (mmdebstrap resolves, then fails):
/// `cargo test -p xtask --test docker -- --ignored`.
#[test]
#[ignore]
fn a_pin_debian_no_longer_serves_names_the_pin_and_the_refresh_command() {
    let Some(env) = env("a_pin_debian_no_longer_serves_names_the_pin_and_the_refresh_command")
    else {
        return;
    };
    if which("mmdebstrap").is_none() {
        skipped("a_pin_debian_no_longer_serves…", "mmdebstrap is missing");
        return;
    }
    let micropython = Catalogue::load(&root())
        .unwrap()
        .get("micropython-1.25")
        .unwrap()
        .clone();
    let mut inputs = Inputs::for_repo(&root(), PathBuf::from("/bin/true")).unwrap();
    inputs.workloads = env.workloads.path().to_owned();
    let cache = tempfile::tempdir().unwrap();
    inputs.rootfs_cache = cache.path().to_owned();
    inputs
        .lock
        .suites
        .get_mut("trixie")
        .unwrap()
        .insert("micropython".into(), "1.25.0+ds-0whichpy-gone".into());
    let key = ImageKey::of(&micropython).unwrap();
    let err = images::ensure(env.backend.engine(), &inputs, &key).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("micropython=1.25.0+ds-0whichpy-gone"), "{msg}");
    assert!(msg.contains("cargo xtask lock --refresh"), "{msg}");
    assert_nothing_left(env.backend.engine());
}

#[test]
fn a_setsid_grandchild_in_a_container_is_timed_out_and_the_cell_does_not_hang() {
    let Some(mut env) =
        env("a_setsid_grandchild_in_a_container_is_timed_out_and_the_cell_does_not_hang")
    else {
        return;
    };
    let cpython = env.cpython.clone();
    let escape = workload("escape", WorkloadKind::Iterations, 90, "1");
    let mut spec = spec(&env.backend, &cpython, escape, 1);
    spec.iterations = 1;
    spec.timeout_s = 3.0;
    let start = Instant::now();
    let mut records: Vec<ExecRecord> = Vec::new();
    env.backend
        .run_cell(&cpython, &spec, &AtomicBool::new(false), &mut |r| {
            records.push(r);
            Ok(())
        })
        .unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].outcome, Outcome::TimedOut { after_s: 3.0 });
    // Not a speed goal: the grandchild sleeps 90 s, and the cell did not wait for it.
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert_nothing_left(env.backend.engine());
}

#[test]
fn a_container_past_its_deadline_is_killed_with_an_error_naming_the_deadline() {
    let Some(mut env) =
        env("a_container_past_its_deadline_is_killed_with_an_error_naming_the_deadline")
    else {
        return;
    };
    let cpython = env.cpython.clone();
    let image = env.backend.image(&cpython).unwrap();
    let req = xtask::docker::RunRequest {
        image: image.name.clone(),
        cmd: vec!["/bin/sleep".into(), "600".into()],
        role: "probe".into(),
        sandbox: env.backend.config_mut().sandbox.clone(),
        volumes: xtask::docker::usr_volumes(&image),
        cap_add: Vec::new(),
        deadline: Some(Duration::from_secs(2)),
    };
    let start = Instant::now();
    let err = env
        .backend
        .engine()
        .run(&req, &AtomicBool::new(false), &mut |_| Ok(()))
        .expect_err("the deadline passed");
    let msg = format!("{err:#}");
    assert!(msg.contains("past its deadline of 2 s"), "{msg}");
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert_nothing_left(env.backend.engine());
}

#[test]
fn a_cells_deadline_is_processes_times_timeout_plus_the_margin() {
    let w = workload("startup", WorkloadKind::Startup, 0, "");
    let spec = CellSpec {
        interp: InterpSpec {
            id: "x".into(),
            family: Family::Cpython,
            executable: "python3".into(),
            flags: vec![],
            board: None,
        },
        workload: w,
        size: SizeName::Quick,
        processes: 50,
        first_process: 0,
        iterations: 1,
        timeout_s: 10.0,
        harness: "h".into(),
        workloads_dir: "w".into(),
        loops: 1,
        pilot_s: None,
    };
    assert_eq!(
        xtask::docker::cell_deadline(&spec),
        Duration::from_secs(500) + xtask::docker::CELL_MARGIN
    );
}

#[test]
fn clean_spares_the_containers_of_a_live_run() {
    let Some(mut env) = env("clean_spares_the_containers_of_a_live_run") else {
        return;
    };
    let cpython = env.cpython.clone();
    let many = spec(
        &env.backend,
        &cpython,
        workload("startup", WorkloadKind::Startup, 0, ""),
        200,
    );
    let cancel = AtomicBool::new(false);
    let probe = Engine::connect().unwrap();
    let mut clean_said = None;
    let mut still_there = false;
    // This test process is the live run: while its cell runs, another process cleans.
    env.backend
        .run_cell(&cpython, &many, &cancel, &mut |_| {
            if clean_said.is_none() {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
                    .arg("clean")
                    .output()
                    .unwrap();
                clean_said = Some(String::from_utf8_lossy(&out.stdout).into_owned());
                still_there = !leftovers(&probe).is_empty();
                cancel.store(true, Ordering::SeqCst);
            }
            Ok(())
        })
        .unwrap();
    let said = clean_said.expect("a record arrived");
    assert!(still_there, "clean removed a live run's container:\n{said}");
    let me = format!("(pid {}) is still running", std::process::id());
    assert!(
        said.contains("kept container") && said.contains(&me),
        "{said}"
    );
    assert_nothing_left(env.backend.engine());
}

#[test]
fn suite_imports_the_workloads_in_the_image_when_the_engine_answers() {
    let _lock = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let test = "suite_imports_the_workloads_in_the_image_when_the_engine_answers";
    if let Err(e) = Engine::connect() {
        skipped(test, &format!("{e:#}"));
        return;
    }
    if !images::rootfs_cache(&root()).is_dir() && which("mmdebstrap").is_none() {
        skipped(
            test,
            "mmdebstrap is missing (apt-get install -y mmdebstrap)",
        );
        return;
    }
    let sh = xshell::Shell::new().unwrap();
    let (fresh, how) = xtask::suite::describe(&sh, xtask::suite::Sandbox::Auto).unwrap();
    assert!(how.starts_with("in a sandboxed container of "), "{how}");
    let committed = std::fs::read_to_string(root().join(xtask::project::SUITE)).unwrap();
    assert_eq!(fresh, committed, "the image and the committed suite agree");
}

/// The two workloads that need more than the interpreter, run from the committed suite with
/// its checksums inside the real sandbox, on each interpreter of the default set: `io_wait`
/// needs the loopback interface (network "none" keeps it) and a second thread, `ffi_libc`
/// needs libffi to call into libc and to build callable closures for its Python comparison
/// (executable memory under no-new-privileges and a read-only root). A sandbox option that
/// took either away would turn these records into failures.
#[test]
fn io_wait_and_ffi_libc_run_in_the_sandbox_on_every_default_interpreter() {
    let Some(mut env) = env("io_wait_and_ffi_libc_run_in_the_sandbox_on_every_default_interpreter")
    else {
        return;
    };
    let suite: whichpy_wire::Suite =
        serde_json::from_str(&std::fs::read_to_string(root().join(xtask::project::SUITE)).unwrap())
            .unwrap();
    let catalogue = Catalogue::load(&root()).unwrap();
    for id in ["cpython-3.13", "pypy-7.3", "micropython-1.25"] {
        let interp = catalogue.get(id).expect("in the catalogue").clone();
        env.backend
            .prepare(&interp)
            .unwrap_or_else(|e| panic!("prepare {id}: {e:#}"));
        for name in ["io_wait", "ffi_libc"] {
            let meta = suite.get(name).expect("in suite.json").clone();
            let expected = meta.sizes.quick.checksum.clone();
            let cell = spec(&env.backend, &interp, meta, 1);
            let mut records: Vec<ExecRecord> = Vec::new();
            env.backend
                .run_cell(&interp, &cell, &AtomicBool::new(false), &mut |r| {
                    records.push(r);
                    Ok(())
                })
                .unwrap();
            assert_eq!(records.len(), 1, "{id} × {name}: {records:?}");
            let r = &records[0];
            assert_eq!(r.outcome, Outcome::Ok, "{id} × {name}: {}", r.stderr_tail);
            assert_eq!(
                r.checksum.as_deref(),
                Some(expected.as_str()),
                "{id} × {name}"
            );
            assert_eq!(r.iterations_ns.len(), 2, "{id} × {name}: {r:?}");
        }
    }
    assert_nothing_left(env.backend.engine());
}

#[test]
fn web_service_quick_answers_every_request_right_in_the_sandbox_on_every_default_interpreter() {
    let Some(mut env) = env(
        "web_service_quick_answers_every_request_right_in_the_sandbox_on_every_default_interpreter",
    ) else {
        return;
    };
    let suite: whichpy_wire::Suite =
        serde_json::from_str(&std::fs::read_to_string(root().join(xtask::project::SUITE)).unwrap())
            .unwrap();
    let catalogue = Catalogue::load(&root()).unwrap();
    let meta = suite.get("web_service").expect("in suite.json").clone();
    let load = meta.sizes.quick.load.clone().expect("a service has a load");
    assert!(load.rates.len() >= 3, "three or more rates: {load:?}");
    for id in ["cpython-3.13", "pypy-7.3", "micropython-1.25"] {
        let interp = catalogue.get(id).expect("in the catalogue").clone();
        env.backend
            .prepare(&interp)
            .unwrap_or_else(|e| panic!("prepare {id}: {e:#}"));
        let mut cell = spec(&env.backend, &interp, meta.clone(), 1);
        cell.timeout_s = bench_runner::service::timeout_s(&meta, SizeName::Quick, 60.0);
        let mut records: Vec<ExecRecord> = Vec::new();
        env.backend
            .run_cell(&interp, &cell, &AtomicBool::new(false), &mut |r| {
                records.push(r);
                Ok(())
            })
            .unwrap();
        assert_eq!(records.len(), 1, "{id}: {records:?}");
        let r = &records[0];
        // Ok means: the server ran through the harness, every answer verified, and its own
        // tally matched the answers (see bench-runner/src/service.rs).
        assert_eq!(
            r.outcome,
            Outcome::Ok,
            "{id}: {:?} {}",
            r.load,
            r.stderr_tail
        );
        let steady: Vec<u32> = r
            .load
            .iter()
            .filter(|p| !p.warmup)
            .map(|p| p.rate)
            .collect();
        assert!(
            r.load[0].warmup,
            "{id}: the first seconds are reported apart"
        );
        // Every rate ran unless the server fell behind (then escalation stops there).
        let behind = r.load.iter().any(|p| p.unsent > 0);
        if !behind {
            assert_eq!(steady, load.rates, "{id}");
        }
        for p in &r.load {
            assert_eq!(p.errors, 0, "{id}: {p:?}");
            assert_eq!(p.verified + p.unsent, p.scheduled, "{id}: {p:?}");
        }
    }
    assert_nothing_left(env.backend.engine());
}

#[test]
fn pipeline_and_cli_tool_checksums_agree_on_every_default_interpreter_at_both_sizes() {
    let Some(mut env) =
        env("pipeline_and_cli_tool_checksums_agree_on_every_default_interpreter_at_both_sizes")
    else {
        return;
    };
    let suite: whichpy_wire::Suite =
        serde_json::from_str(&std::fs::read_to_string(root().join(xtask::project::SUITE)).unwrap())
            .unwrap();
    let catalogue = Catalogue::load(&root()).unwrap();
    for id in ["cpython-3.13", "pypy-7.3", "micropython-1.25"] {
        let interp = catalogue.get(id).expect("in the catalogue").clone();
        env.backend
            .prepare(&interp)
            .unwrap_or_else(|e| panic!("prepare {id}: {e:#}"));
        for name in ["pipeline", "cli_tool"] {
            let meta = suite.get(name).expect("in suite.json").clone();
            for size in [SizeName::Quick, SizeName::Default] {
                let expected = meta.sizes.get(size).expect("the size").checksum.clone();
                let mut cell = spec(&env.backend, &interp, meta.clone(), 2);
                cell.size = size;
                let mut records: Vec<ExecRecord> = Vec::new();
                env.backend
                    .run_cell(&interp, &cell, &AtomicBool::new(false), &mut |r| {
                        records.push(r);
                        Ok(())
                    })
                    .unwrap();
                assert_eq!(records.len(), 2, "{id} × {name} ({size}): {records:?}");
                for r in &records {
                    assert_eq!(
                        r.outcome,
                        Outcome::Ok,
                        "{id} × {name} ({size}): {}",
                        r.stderr_tail
                    );
                    assert_eq!(
                        r.checksum.as_deref(),
                        Some(expected.as_str()),
                        "{id} × {name} ({size})"
                    );
                    // A process workload is timed whole; an iteration one per call.
                    let iterations = if meta.kind == WorkloadKind::Process {
                        0
                    } else {
                        2
                    };
                    assert_eq!(r.iterations_ns.len(), iterations, "{id} × {name}: {r:?}");
                }
            }
        }
    }
    assert_nothing_left(env.backend.engine());
}
