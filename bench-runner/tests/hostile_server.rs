//! Issue 29, item 1, end to end: a service workload whose server answers with a huge or
//! overflowing Content-Length, run through bench-runner's service path with the host's
//! python3. Before: OOM-killed (exit 137, "after 0 record(s)") or a panic at load.rs:169,
//! the cell lost. Now: one record, `bad_output`, with the reason.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use whichpy_wire::{
    CellSpec, ExecRecord, Family, InterpSpec, LoadSpec, Outcome, SizeName, SizeSpec, Sizes,
    WorkloadKind, WorkloadMeta,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A server that answers every request head with `head`, then (`flood`) body bytes until the
/// client hangs up.
fn hostile(head: &str, flood: bool) -> String {
    format!(
        r#"
import socket, threading

def _conn(c):
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            buf = buf.split(b"\r\n\r\n", 1)[1]
            c.sendall({head:?}.encode())
            if {flood}:
                block = b"x" * 65536
                while True:
                    c.sendall(block)
    except OSError:
        pass
    finally:
        c.close()

def serve(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=_conn, args=(c,), daemon=True).start()
"#,
        flood = if flood { "True" } else { "False" },
    )
}

/// bench-runner's cell state (the current process group, the reaper) is per process: one
/// cell at a time.
static ONE_CELL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run_hostile(source: &str) -> Vec<ExecRecord> {
    let _one = ONE_CELL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hostile_web.py"), source).unwrap();
    let size = SizeSpec {
        n: 1,
        checksum: String::new(),
        load: Some(LoadSpec {
            rates: vec![20],
            seconds_per_rate: 0.3,
            warmup_s: 0.0,
            connections: 1,
            bound_ms: 100.0,
        }),
        bytes: None,
        records: None,
    };
    let spec = CellSpec {
        interp: InterpSpec {
            id: "cpython-host".into(),
            family: Family::Cpython,
            executable: "python3".into(),
            flags: vec![],
            board: None,
        },
        workload: WorkloadMeta {
            name: "hostile_web".into(),
            category: "test".into(),
            description: "test".into(),
            kind: WorkloadKind::Service,
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
        iterations: 1,
        loops: 1,
        pilot_s: None,
        timeout_s: 60.0,
        harness: root().join("bench-runner/harness/harness.py"),
        workloads_dir: dir.path().to_owned(),
    };
    let mut out = Vec::new();
    bench_runner::run_cell(&spec, &AtomicBool::new(false), |r| out.push(r));
    out
}

fn reason(r: &ExecRecord) -> String {
    match &r.outcome {
        Outcome::BadOutput { reason } => reason.clone(),
        o => panic!("not bad_output: {o:?}; {:?}", r.load),
    }
}

#[test]
fn a_server_sending_a_1_gib_body_costs_a_bad_output_record_not_the_cell() {
    let recs = run_hostile(&hostile(
        "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n",
        true,
    ));
    assert_eq!(recs.len(), 1, "{recs:?}");
    let why = reason(&recs[0]);
    assert!(why.contains("the shutdown request failed"), "{why}");
    assert!(why.contains("exceeds the 1024 KiB bound"), "{why}");
    // The phase's own error is on its record too.
    let first = recs[0].load[0].first_error.clone().unwrap_or_default();
    assert!(
        first.contains("Content-Length 1073741824 exceeds"),
        "{first}"
    );
    // bench-runner stayed small: it never held the body.
    assert!(recs[0].load[0].errors >= 1);
}

#[test]
fn a_content_length_of_u64_max_costs_a_bad_output_record_not_a_panic() {
    let recs = run_hostile(&hostile(
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n",
        false,
    ));
    assert_eq!(recs.len(), 1, "{recs:?}");
    let why = reason(&recs[0]);
    assert!(
        why.contains("Content-Length 18446744073709551615 exceeds"),
        "{why}"
    );
}
