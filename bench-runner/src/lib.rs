//! bench-runner: measures one cell (interpreter × workload × size).
//!
//! It runs inside the container images (or on the host with `--backend native`) and does all
//! the timing, so that the cost of starting a container never enters a figure. For each process
//! execution it:
//! 1. spawns the interpreter in a process group of its own (the harness for iteration cells,
//!    `-c pass` for startup cells);
//! 2. takes wall time from a monotonic clock, and user/system CPU and peak RSS from `wait4`;
//! 3. kills the whole process group when the timeout expires;
//! 4. parses the harness protocol (see `harness.py`) and checks the checksum;
//! 5. emits one [`ExecRecord`], whatever happened: a failure is a result, never dropped.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use whichpy_wire::{CellSpec, ExecRecord, ImplInfo, Outcome, WorkloadKind, SCHEMA};

mod oom;
pub mod protocol;

/// How much of stderr a record keeps.
pub const STDERR_TAIL_BYTES: usize = 2000;

/// Process group of the interpreter currently running, so a signal handler can kill it.
static CURRENT_PGID: AtomicI32 = AtomicI32::new(0);

/// On SIGINT/SIGTERM, kill the running interpreter's process group and exit. Records already
/// printed are the caller's; the interrupted process execution is simply not reported.
pub fn install_signal_handlers() {
    extern "C" fn on_signal(sig: libc::c_int) {
        let pgid = CURRENT_PGID.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: killpg and _exit are async-signal-safe.
            unsafe { libc::killpg(pgid, libc::SIGKILL) };
        }
        unsafe { libc::_exit(128 + sig) };
    }
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installing a handler that only calls async-signal-safe functions.
        unsafe { libc::signal(sig, on_signal as *const () as libc::sighandler_t) };
    }
}

/// Run every process execution of a cell, handing each record to `emit` as soon as it exists.
/// Stops early (without a record for the unfinished execution) when `cancel` is set.
pub fn run_cell(spec: &CellSpec, cancel: &AtomicBool, mut emit: impl FnMut(ExecRecord)) {
    if let Some(reason) = spec.workload.unsupported.get(&spec.interp.family) {
        emit(blank_record(
            spec,
            spec.first_process,
            Outcome::Unsupported {
                reason: reason.clone(),
            },
        ));
        return;
    }
    for process in spec.first_process..spec.first_process + spec.processes {
        if cancel.load(Ordering::SeqCst) {
            return;
        }
        emit(run_process(spec, process));
    }
}

fn blank_record(spec: &CellSpec, process: u32, outcome: Outcome) -> ExecRecord {
    ExecRecord {
        schema: SCHEMA,
        interp: spec.interp.id.clone(),
        workload: spec.workload.name.clone(),
        size: spec.size,
        process,
        outcome,
        iterations_ns: Vec::new(),
        wall_ns: 0,
        user_ns: 0,
        sys_ns: 0,
        max_rss_kib: 0,
        checksum: None,
        clock: None,
        implementation: None,
        stderr_tail: String::new(),
    }
}

/// The command line of one process execution.
pub fn command_line(spec: &CellSpec) -> Vec<String> {
    let mut argv = vec![spec.interp.executable.clone()];
    argv.extend(spec.interp.flags.iter().cloned());
    match spec.workload.kind {
        WorkloadKind::Startup => argv.extend(["-c".to_owned(), "pass".to_owned()]),
        WorkloadKind::Iterations => {
            let n = spec.workload.sizes.get(spec.size).n;
            argv.push(spec.harness.display().to_string());
            argv.push(spec.workloads_dir.display().to_string());
            argv.push(spec.workload.name.clone());
            argv.push(n.to_string());
            argv.push(spec.iterations.to_string());
            if spec.loops > 1 || spec.pilot_s.is_some() {
                argv.push(spec.loops.max(1).to_string());
            }
            if let Some(p) = spec.pilot_s {
                argv.push(((p * 1e9) as u64).to_string());
            }
        }
    }
    argv
}

/// Result of running a child to completion.
struct Finished {
    status: libc::c_int,
    rusage: libc::rusage,
    wall: Duration,
    timed_out: bool,
    stdout: String,
    stderr: Vec<u8>,
}

/// Run one process execution and turn what happened into a record.
pub fn run_process(spec: &CellSpec, process: u32) -> ExecRecord {
    let argv = command_line(spec);
    let mut rec = blank_record(spec, process, Outcome::Ok);
    let oom_before = oom::kill_count();
    let fin = match spawn_and_wait(&argv, Duration::from_secs_f64(spec.timeout_s)) {
        Ok(f) => f,
        Err(e) => {
            rec.outcome = Outcome::SpawnFailed {
                reason: format!("{}: {e}", argv[0]),
            };
            return rec;
        }
    };
    rec.wall_ns = fin.wall.as_nanos() as u64;
    rec.user_ns = timeval_ns(fin.rusage.ru_utime);
    rec.sys_ns = timeval_ns(fin.rusage.ru_stime);
    rec.max_rss_kib = fin.rusage.ru_maxrss.max(0) as u64;
    rec.stderr_tail = tail(&fin.stderr, STDERR_TAIL_BYTES);

    let expected = &spec.workload.sizes.get(spec.size).checksum;
    let parsed = protocol::parse(&fin.stdout);
    rec.implementation = parsed.implementation.clone();
    rec.clock = parsed.clock.clone();
    // Iteration times are recorded per call of `run`, whatever the loops.
    let loops = spec.loops.max(1) as u64;
    rec.iterations_ns = parsed
        .iterations_ns
        .iter()
        .map(|&ns| (ns + loops / 2) / loops)
        .collect();
    rec.checksum = parsed.results.first().cloned();

    rec.outcome = if fin.timed_out {
        Outcome::TimedOut {
            after_s: spec.timeout_s,
        }
    } else if libc::WIFSIGNALED(fin.status) {
        let sig = libc::WTERMSIG(fin.status);
        if sig == libc::SIGKILL && oom::kill_count() > oom_before {
            Outcome::OutOfMemory
        } else {
            Outcome::Crashed {
                exit_code: None,
                signal: Some(sig),
            }
        }
    } else if libc::WEXITSTATUS(fin.status) != 0 {
        Outcome::Crashed {
            exit_code: Some(libc::WEXITSTATUS(fin.status)),
            signal: None,
        }
    } else {
        match spec.workload.kind {
            WorkloadKind::Startup => Outcome::Ok,
            WorkloadKind::Iterations => {
                judge_output(&parsed, spec.iterations, spec.pilot_s.is_some(), expected)
            }
        }
    };
    rec
}

/// Check a harness transcript of a process that exited 0.
fn judge_output(p: &protocol::Transcript, iterations: u32, pilot: bool, expected: &str) -> Outcome {
    if let Some(reason) = &p.error {
        return Outcome::BadOutput {
            reason: reason.clone(),
        };
    }
    if p.implementation.is_none() {
        return Outcome::BadOutput {
            reason: "no `@whichpy impl` line".into(),
        };
    }
    // A pilot stops on time: any count from the minimum up to `iterations`.
    let count_ok = if pilot {
        let min = whichpy_wire::PILOT_MIN_ITERATIONS.min(iterations) as usize;
        (min..=iterations as usize).contains(&p.iterations_ns.len())
    } else {
        p.iterations_ns.len() == iterations as usize
    };
    if !count_ok {
        return Outcome::BadOutput {
            reason: format!(
                "expected {iterations} iteration lines, got {}",
                p.iterations_ns.len()
            ),
        };
    }
    if !p.done {
        return Outcome::BadOutput {
            reason: "no `@whichpy done` line".into(),
        };
    }
    match p.results.iter().find(|r| r.as_str() != expected) {
        _ if p.results.is_empty() => Outcome::BadOutput {
            reason: "no `@whichpy result` line".into(),
        },
        Some(got) => Outcome::WrongChecksum {
            expected: expected.to_owned(),
            got: got.clone(),
        },
        None => Outcome::Ok,
    }
}

fn timeval_ns(tv: libc::timeval) -> u64 {
    (tv.tv_sec as u64) * 1_000_000_000 + (tv.tv_usec as u64) * 1_000
}

/// Last `max` bytes of `bytes`, cut at a line start where possible, as lossy UTF-8.
pub fn tail(bytes: &[u8], max: usize) -> String {
    let start = bytes.len().saturating_sub(max);
    let mut slice = &bytes[start..];
    if start > 0 {
        if let Some(nl) = slice.iter().position(|&b| b == b'\n') {
            slice = &slice[nl + 1..];
        }
    }
    String::from_utf8_lossy(slice).into_owned()
}

fn spawn_and_wait(argv: &[String], timeout: Duration) -> std::io::Result<Finished> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Reproducible hashing; no .pyc written next to the workloads (read-only in images).
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    CURRENT_PGID.store(pid, Ordering::SeqCst);

    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = BufReader::new(&mut out).read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let err_reader = std::thread::spawn(move || {
        // Keep only a bounded tail of stderr, however much a workload writes.
        let mut keep: Vec<u8> = Vec::new();
        let mut r = BufReader::new(&mut err);
        loop {
            let buf = match r.fill_buf() {
                Ok([]) | Err(_) => break,
                Ok(b) => b,
            };
            keep.extend_from_slice(buf);
            let n = buf.len();
            r.consume(n);
            if keep.len() > 4 * STDERR_TAIL_BYTES {
                keep.drain(..keep.len() - STDERR_TAIL_BYTES);
            }
        }
        keep
    });

    let timed_out = std::sync::Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let killer = {
        let timed_out = timed_out.clone();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                timed_out.store(true, Ordering::SeqCst);
                // SAFETY: plain syscall on a process group we created.
                unsafe { libc::killpg(pid, libc::SIGKILL) };
            }
        })
    };

    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waiting for our own child; status and rusage are valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut rusage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let wall = start.elapsed();
    let _ = done_tx.send(());
    let _ = killer.join();
    // Anything the workload left behind in its group (daemon threads' helpers, orphans) goes too.
    unsafe { libc::killpg(pid, libc::SIGKILL) };
    CURRENT_PGID.store(0, Ordering::SeqCst);
    // The child is reaped by wait4 already; tell std not to wait again.
    std::mem::forget(child);
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Finished {
        status,
        rusage,
        wall,
        timed_out: timed_out.load(Ordering::SeqCst),
        stdout,
        stderr,
    })
}

/// Ask an interpreter what it is, through the harness's `--identify`.
pub fn identify(
    executable: &str,
    flags: &[String],
    harness: &std::path::Path,
) -> anyhow::Result<ImplInfo> {
    let out = Command::new(executable)
        .args(flags)
        .arg(harness)
        .arg("--identify")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| anyhow::anyhow!("cannot start {executable}: {e}"))?;
    if !out.status.success() {
        anyhow::bail!(
            "{executable} --identify failed ({}): {}",
            out.status,
            tail(&out.stderr, 500).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    protocol::parse(&text).implementation.ok_or_else(|| {
        anyhow::anyhow!(
            "{executable} printed no `@whichpy impl` line: {}",
            text.trim()
        )
    })
}
