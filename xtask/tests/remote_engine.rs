//! The docker backend on an engine reached through `DOCKER_HOST=tcp://…` (issue 15, item 3),
//! and the machine it records: the engine's, read from `docker info` and a container's
//! `/proc/cpuinfo`, not the machine xtask runs on.
//!
//! No second machine is reachable from here, so the "remote" engine is this machine's own,
//! behind a TCP forwarder on 127.0.0.1 (a test instrument, living only as long as the test):
//! every API call then goes over TCP as it would to another machine, and the recorded machine
//! must be this one's, with the fingerprint the native probe gives. Where no engine answers,
//! the test says so and returns.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use xtask::docker::{engine_machine, EngineSystem};

const SOCKET: &str = "/var/run/docker.sock";

fn skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "\nSKIPPED: {test}: {why}\n");
}

/// Copy one direction of a connection until EOF, then pass the EOF on.
fn pump(mut from: impl Read, mut to: impl Write, close: impl FnOnce()) {
    let _ = std::io::copy(&mut from, &mut to);
    close();
}

/// Forward TCP connections on 127.0.0.1 (an ephemeral port) to the engine's unix socket.
/// Returns the port and a count of the connections forwarded.
fn forwarder() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let Ok(unix) = UnixStream::connect(SOCKET) else {
                continue;
            };
            seen.fetch_add(1, Ordering::SeqCst);
            let (tcp_r, unix_w) = (tcp.try_clone().unwrap(), unix.try_clone().unwrap());
            let (tcp_w, unix_r) = (tcp, unix);
            std::thread::spawn(move || {
                let closer = unix_w.try_clone().unwrap();
                pump(tcp_r, unix_w, move || {
                    let _ = closer.shutdown(Shutdown::Write);
                })
            });
            std::thread::spawn(move || {
                let closer: TcpStream = tcp_w.try_clone().unwrap();
                pump(unix_r, tcp_w, move || {
                    let _ = closer.shutdown(Shutdown::Write);
                })
            });
        }
    });
    (port, count)
}

fn raw_file(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("a raw file")
}

#[test]
fn a_tcp_docker_host_runs_the_docker_backend_and_records_the_engines_machine() {
    let test = "a_tcp_docker_host_runs_the_docker_backend_and_records_the_engines_machine";
    if UnixStream::connect(SOCKET).is_err() {
        skipped(test, &format!("no Docker engine at {SOCKET}"));
        return;
    }
    let (port, connections) = forwarder();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["bench", "--backend", "docker", "--quick"])
        .args(["--interp", "cpython-3.13", "--workload", "startup"])
        .args(["--startup-processes", "3"])
        .arg("--out")
        .arg(dir.path())
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench over tcp failed:\n{stderr}");
    assert!(
        connections.load(Ordering::SeqCst) > 0,
        "nothing went through the forwarder"
    );
    assert!(
        stderr.contains(&format!("engine at tcp://127.0.0.1:{port}")),
        "the run names the remote engine:\n{stderr}"
    );
    let raw = whichpy_wire::RawFile::read(&raw_file(dir.path())).unwrap();
    // The engine's machine is this one: the same facts and fingerprint as the native probe.
    let here = xtask::machine::probe();
    let m = &raw.meta.machine;
    assert_eq!(m.cpu_model, here.cpu_model);
    assert_eq!(m.kernel, here.kernel);
    assert_eq!(m.memory_kib, here.memory_kib);
    assert_eq!(m.os, here.os);
    assert_eq!(m.fingerprint, here.fingerprint, "{m:?} vs {here:?}");
    // Pinned to one of the engine's cores, as on a local engine.
    let cpus = raw.meta.cpus.as_deref().expect("the cpuset is recorded");
    assert!(!cpus.is_empty());
    assert!(raw.records.iter().all(|r| r.outcome.is_ok()), "{raw:?}");
}

#[test]
fn the_engines_machine_comes_from_its_info_and_cpuinfo() {
    let system = EngineSystem {
        cores: 64,
        memory_kib: 256 << 20,
        kernel: "6.12.0-remote".into(),
        os: "Debian GNU/Linux 13 (trixie)".into(),
    };
    let probe = "processor\t: 0\nmodel name\t: AMD EPYC 9654 96-Core Processor\n\
                 flags\t\t: fpu\n\nwhichpy-governor: performance\n";
    let m = engine_machine(&system, probe);
    assert_eq!(m.cpu_model, "AMD EPYC 9654 96-Core Processor");
    assert_eq!(m.cores, 64);
    assert_eq!(m.governor.as_deref(), Some("performance"));
    assert_eq!(
        m.fingerprint,
        xtask::machine::fingerprint(&m.cpu_model, 64, 256 << 20, "6.12.0-remote")
    );
    // No governor on most VMs: none recorded.
    let m = engine_machine(&system, "model name : X\n");
    assert_eq!(m.governor, None);
    // This host's fingerprint differs: the run records the engine's machine, not xtask's.
    assert_ne!(m.fingerprint, xtask::machine::probe().fingerprint);
}
