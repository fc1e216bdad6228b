//! A Docker engine lost in the middle of a cell: the error names the engine's socket and the
//! stream that failed, and says what to do next; the records streamed before it are kept and
//! no container is left behind.
//!
//! The engine is "lost" through a proxy on a unix socket of the test's own: it forwards every
//! connection to the real engine, and cuts the one that carries the container's log stream a
//! moment after it opens. Its own test binary, because it sets `DOCKER_HOST` for the process.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use whichpy_wire::{CellSpec, InterpSpec, SizeName};
use xtask::backend::Backend;
use xtask::catalogue::Catalogue;
use xtask::docker::{DockerBackend, LABEL_PID};

const ENGINE: &str = "/var/run/docker.sock";

/// Forward `client` to the engine; cut both ways `cut_after` once a logs request went by.
fn forward(client: UnixStream, cut_after: Duration) {
    let Ok(upstream) = UnixStream::connect(ENGINE) else {
        return;
    };
    let (mut c_read, mut u_write) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (mut u_read, mut c_write) = (upstream.try_clone().unwrap(), client.try_clone().unwrap());
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        while let Ok(n) = u_read.read(&mut buf) {
            if n == 0 || c_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = c_write.shutdown(std::net::Shutdown::Both);
    });
    let mut buf = [0u8; 16384];
    while let Ok(n) = c_read.read(&mut buf) {
        if n == 0 || u_write.write_all(&buf[..n]).is_err() {
            break;
        }
        let text = String::from_utf8_lossy(&buf[..n]);
        if text.starts_with("GET ") && text.contains("/logs?") {
            std::thread::sleep(cut_after);
            let _ = client.shutdown(std::net::Shutdown::Both);
            let _ = upstream.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

fn skipped(why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED: a_lost_engine_names_its_socket_and_stream: {why}\n"
    );
}

#[test]
fn a_lost_engine_names_its_socket_and_stream() {
    if !Path::new(ENGINE).exists() {
        skipped("no Docker engine at /var/run/docker.sock");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("engine.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || forward(conn, Duration::from_millis(1500)));
        }
    });
    let host = format!("unix://{}", sock.display());
    std::env::set_var("DOCKER_HOST", &host);

    let root = xtask::project::root();
    let sh = xshell::Shell::new().unwrap();
    let mut backend = match DockerBackend::connect(&sh, &root) {
        Ok(b) => b,
        Err(e) => {
            skipped(&format!("{e:#}"));
            return;
        }
    };
    let interp = Catalogue::load(&root)
        .unwrap()
        .get("cpython-3.13")
        .unwrap()
        .clone();
    backend
        .prepare(&interp)
        .expect("the image builds through the proxy");
    let suite = xtask::project::load_suite(&root).unwrap();
    let (harness, workloads_dir) = backend.runner_paths();
    // A startup cell of many processes: a few seconds of streaming records.
    let spec = CellSpec {
        interp: InterpSpec {
            id: interp.id.clone(),
            family: interp.family,
            executable: interp.executable.clone(),
            flags: interp.flags.clone(),
            board: None,
        },
        workload: suite.get("startup").unwrap().clone(),
        size: SizeName::Quick,
        processes: 400,
        first_process: 0,
        iterations: 0,
        loops: 1,
        pilot_s: None,
        timeout_s: 30.0,
        harness,
        workloads_dir,
    };
    let mut records = 0u32;
    let err = backend
        .run_cell(&interp, &spec, &AtomicBool::new(false), &mut |_| {
            records += 1;
            Ok(())
        })
        .expect_err("the cut log stream is an error");
    let msg = format!("{err:#}");
    assert!(msg.contains(&host), "{msg}");
    assert!(msg.contains("logs stream"), "{msg}");
    assert!(
        msg.contains("docker info") && msg.contains("--resume"),
        "{msg}"
    );
    assert!(records < 400, "the stream was cut before the cell finished");
    // The container is gone (removed through a fresh connection).
    let left = backend
        .engine()
        .list_labelled_containers(Some(&format!("{LABEL_PID}={}", std::process::id())))
        .unwrap();
    assert!(left.is_empty(), "containers left behind: {}", left.len());
}
