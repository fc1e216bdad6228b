//! bench-runner: measures one cell (interpreter × workload × size).
//!
//! It runs inside the container images (or on the host with `--backend native`) and does all
//! the timing, so that the cost of starting a container never enters a figure. For each process
//! execution it:
//! 1. spawns the interpreter in a process group of its own (the harness for iteration cells,
//!    `-c pass` for startup cells), with the harness protocol on a pipe of its own and a
//!    fresh nonce ([`protocol`]);
//! 2. waits for it from one thread ([`child`]): wall time from a monotonic clock, user/system
//!    CPU and peak RSS from `wait4`, all output read against the deadline, bounded in memory;
//! 3. at the timeout kills the process group and every descendant, `setsid` ones included
//!    ([`reaper`]: bench-runner is a child subreaper);
//! 4. parses the protocol and checks the whole checksum;
//! 5. records what else the machine did meanwhile ([`noise`]);
//! 6. emits one [`ExecRecord`], whatever happened: a failure is a result, never dropped.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::time::Duration;

use whichpy_wire::{CellGroup, CellSpec, ExecRecord, ImplInfo, Outcome, WorkloadKind, SCHEMA};

pub mod child;
pub mod load;
pub mod mcu;
pub mod noise;
mod oom;
pub mod probe;
pub mod protocol;
pub mod reaper;
pub mod service;
pub mod web;

/// The most bytes a workload may write to its stdout; beyond it the record is `bad_output`
/// (bench-runner keeps only the last [`child::STDOUT_TAIL_BYTES`] of it in any case).
pub const STDOUT_MAX_BYTES: u64 = 16 << 20;
/// Protocol lines allowed beyond one per iteration (impl, clock, results, done).
pub const PROTOCOL_SPARE_LINES: usize = 100;

/// How much of stderr a record keeps.
pub const STDERR_TAIL_BYTES: usize = 2000;

/// Process group of the interpreter currently running, so a signal handler can kill it.
pub(crate) static CURRENT_PGID: AtomicI32 = AtomicI32::new(0);

/// The signal that interrupted bench-runner while a child ran (0: none).
pub(crate) static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

/// On SIGINT/SIGTERM, kill the running interpreter's process group and exit. Records already
/// printed are the caller's; the interrupted process execution is simply not reported. While
/// a child runs, the handler only kills its group and notes the signal: the wait loop then
/// kills the rest of its descendants (a `setsid` one too, which no signal to the group
/// reaches) before it exits, since finding them is not async-signal-safe.
pub fn install_signal_handlers() {
    extern "C" fn on_signal(sig: libc::c_int) {
        let pgid = CURRENT_PGID.load(Ordering::SeqCst);
        if pgid > 0 {
            INTERRUPTED.store(sig, Ordering::SeqCst);
            // SAFETY: killpg is async-signal-safe.
            unsafe { libc::killpg(pgid, libc::SIGKILL) };
            return;
        }
        // SAFETY: _exit is async-signal-safe.
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
    if spec.workload.sizes.get(spec.size).is_none() {
        emit(blank_record(
            spec,
            spec.first_process,
            Outcome::Unsupported {
                reason: format!("the workload has no `{}` size", spec.size),
            },
        ));
        return;
    }
    if let Some(board) = &spec.interp.board {
        return mcu::run_cell(spec, board, cancel, &mut emit);
    }
    for process in spec.first_process..spec.first_process + spec.processes {
        if cancel.load(Ordering::SeqCst) {
            return;
        }
        emit(run_process(spec, process));
    }
}

/// Run a group's slots in order: each slot one process execution of its cell (see
/// [`CellGroup`]). A cell that cannot run here (unsupported by its family, no such size) gets
/// one `unsupported` record and its other slots are skipped; a board cell runs whole at its
/// first slot. Stops early when `cancel` is set.
pub fn run_group(group: &CellGroup, cancel: &AtomicBool, mut emit: impl FnMut(ExecRecord)) {
    let mut next: Vec<u32> = group.cells.iter().map(|c| c.first_process).collect();
    let mut done = vec![false; group.cells.len()];
    for &i in &group.order {
        if cancel.load(Ordering::SeqCst) {
            return;
        }
        let i = i as usize;
        let spec = &group.cells[i];
        if done[i] {
            continue;
        }
        let cannot_run = spec.workload.unsupported.contains_key(&spec.interp.family)
            || spec.workload.sizes.get(spec.size).is_none();
        if cannot_run || spec.interp.board.is_some() {
            done[i] = true;
            run_cell(spec, cancel, &mut emit);
            continue;
        }
        emit(run_process(spec, next[i]));
        next[i] += 1;
    }
}

/// A record of `process` with nothing measured yet (also the fake backend's starting point).
pub fn blank_record(spec: &CellSpec, process: u32, outcome: Outcome) -> ExecRecord {
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
        loops: spec.loops.max(1),
        noise: None,
        load: Vec::new(),
        mcu: None,
        probes_ns: Vec::new(),
    }
}

/// The command line of one process execution.
pub fn command_line(spec: &CellSpec) -> Vec<String> {
    let mut argv = vec![spec.interp.executable.clone()];
    argv.extend(spec.interp.flags.iter().cloned());
    match spec.workload.kind {
        WorkloadKind::Startup => argv.extend(["-c".to_owned(), "pass".to_owned()]),
        WorkloadKind::Service => {
            argv.push(spec.harness.display().to_string());
            argv.push("--serve".to_owned());
            argv.push(spec.workloads_dir.display().to_string());
            argv.push(spec.workload.name.clone());
            // The port is chosen per process execution (see `service`).
            argv.push("0".to_owned());
        }
        WorkloadKind::Process => {
            // The workload file run as a script, as a user runs a command-line tool.
            let n = spec.workload.sizes.get(spec.size).map_or(0, |s| s.n);
            let script = spec
                .workloads_dir
                .join(format!("{}.py", spec.workload.name));
            argv.push(script.display().to_string());
            argv.push(n.to_string());
        }
        WorkloadKind::Iterations => {
            let n = spec.workload.sizes.get(spec.size).map_or(0, |s| s.n);
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

/// A fresh random token (hex) for one process execution's protocol lines.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    // SAFETY: getrandom fills the buffer we own.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if n != bytes.len() as isize {
        // No getrandom: the time and pid still differ per execution.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (t ^ ((std::process::id() as u128) << 64)).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Run one process execution and turn what happened into a record.
pub fn run_process(spec: &CellSpec, process: u32) -> ExecRecord {
    if spec.workload.kind == WorkloadKind::Service {
        return service::run_process(spec, process);
    }
    let argv = command_line(spec);
    let (mut rec, ran, ()) = execute(spec, process, &argv, |_| ());
    let Some((fin, parsed)) = ran else {
        return rec;
    };
    let expected = spec
        .workload
        .sizes
        .get(spec.size)
        .map_or("", |s| s.checksum.as_str());
    rec.outcome =
        exit_outcome(spec, &fin, &rec.outcome).unwrap_or_else(|| match spec.workload.kind {
            WorkloadKind::Startup => Outcome::Ok,
            WorkloadKind::Process => judge_script(&fin, expected),
            WorkloadKind::Iterations | WorkloadKind::Service => judge_output(
                &parsed,
                &fin,
                spec.iterations,
                spec.pilot_s.is_some(),
                expected,
            ),
        });
    rec
}

/// Spawn `argv` as process execution `process` and wait for it (on a thread of its own)
/// while `drive` runs on this one; `drive` is told whether the child has exited yet. The
/// record has everything but the outcome of a process that ran (which is `Ok` until the
/// caller judges it); `None` when it could not be spawned (the record says why).
pub(crate) fn execute<T: Send>(
    spec: &CellSpec,
    process: u32,
    argv: &[String],
    drive: impl FnOnce(&AtomicBool) -> T + Send,
) -> (
    ExecRecord,
    Option<(child::Finished, protocol::Transcript)>,
    T,
) {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let mut rec = blank_record(spec, process, Outcome::Ok);
    let oom_before = oom::kill_count();
    let nonce = nonce();
    let marker = format!(
        "{}.{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    );
    let launch = child::Launch {
        argv,
        timeout: Duration::from_secs_f64(spec.timeout_s),
        nonce: &nonce,
        marker: &marker,
        probe: spec.workload.kind == WorkloadKind::Iterations,
    };
    // Whole-process cells have no iterations to probe between: the machine's state is read
    // right before and right after the process, on the same core.
    let whole = matches!(
        spec.workload.kind,
        WorkloadKind::Startup | WorkloadKind::Process
    );
    let probe_before = whole.then(|| {
        probe::prepare();
        probe::run()
    });
    let cpu_before = noise::read();
    let own_before = noise::own_cpu_ns();
    let exited = AtomicBool::new(false);
    let (waited, driven) = std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let r = child::spawn_and_wait(&launch);
            exited.store(true, Ordering::SeqCst);
            r
        });
        let driven = drive(&exited);
        (waiter.join().expect("the wait thread panicked"), driven)
    });
    let fin = match waited {
        Ok(f) => f,
        Err(e) => {
            rec.outcome = Outcome::SpawnFailed {
                reason: format!("{}: {e}", argv[0]),
            };
            return (rec, None, driven);
        }
    };
    rec.wall_ns = fin.wall.as_nanos() as u64;
    rec.probes_ns = match probe_before {
        Some(before) => vec![before, probe::run()],
        None => fin.probes_ns.clone(),
    };
    rec.user_ns = timeval_ns(fin.rusage.ru_utime);
    rec.sys_ns = timeval_ns(fin.rusage.ru_stime);
    rec.max_rss_kib = fin.rusage.ru_maxrss.max(0) as u64;
    rec.stderr_tail = tail(&fin.stderr.bytes, STDERR_TAIL_BYTES);
    if fin.stderr.bytes.is_empty() && !fin.stdout.bytes.is_empty() {
        // MicroPython prints an uncaught exception's traceback to stdout, not stderr.
        rec.stderr_tail = format!(
            "(stderr was empty; stdout ends:)\n{}",
            tail(&fin.stdout.bytes, STDERR_TAIL_BYTES)
        );
    }
    if let (Some(before), Some(after)) = (cpu_before, noise::read()) {
        let own = noise::own_cpu_ns().saturating_sub(own_before);
        rec.noise = Some(noise::between(before, after, rec.user_ns + rec.sys_ns, own));
    }

    let parsed = protocol::parse(&String::from_utf8_lossy(&fin.protocol.bytes), Some(&nonce));
    rec.implementation = parsed.implementation.clone();
    rec.clock = parsed.clock.clone();
    // Iteration times are recorded per call of `run`, whatever the loops.
    let loops = u64::from(rec.loops.max(1));
    rec.iterations_ns = parsed
        .iterations_ns
        .iter()
        .map(|&ns| (ns + loops / 2) / loops)
        .collect();
    rec.checksum = match spec.workload.kind {
        // A script's result is what it printed (its whole stdout, when it fits the tail).
        WorkloadKind::Process => Some(script_output(&fin)),
        _ => parsed.results.first().cloned(),
    };
    if fin.timed_out || libc::WIFSIGNALED(fin.status) {
        // The OOM killer's count is read now, while it is fresh.
        let sig = libc::WTERMSIG(fin.status);
        if !fin.timed_out && sig == libc::SIGKILL && oom::kill_count() > oom_before {
            rec.outcome = Outcome::OutOfMemory;
        }
    }
    (rec, Some((fin, parsed)), driven)
}

/// The outcome of a process that timed out, was killed or exited non-zero; `None` when it
/// exited 0 (its output is then judged by kind). An out-of-memory kill was noted by
/// [`execute`] already and is not overwritten here.
pub(crate) fn exit_outcome(
    spec: &CellSpec,
    fin: &child::Finished,
    noted: &Outcome,
) -> Option<Outcome> {
    if fin.timed_out {
        Some(Outcome::TimedOut {
            after_s: spec.timeout_s,
        })
    } else if matches!(noted, Outcome::OutOfMemory) {
        Some(Outcome::OutOfMemory)
    } else if libc::WIFSIGNALED(fin.status) {
        Some(Outcome::Crashed {
            exit_code: None,
            signal: Some(libc::WTERMSIG(fin.status)),
        })
    } else if libc::WEXITSTATUS(fin.status) != 0 {
        Some(Outcome::Crashed {
            exit_code: Some(libc::WEXITSTATUS(fin.status)),
            signal: None,
        })
    } else {
        None
    }
}

/// What a script printed on stdout, without its trailing newline.
fn script_output(fin: &child::Finished) -> String {
    let out = String::from_utf8_lossy(&fin.stdout.bytes);
    out.strip_suffix('\n').unwrap_or(&out).to_owned()
}

/// Check the stdout of a `process` workload that exited 0: all of it kept, and equal to the
/// checksum.
fn judge_script(fin: &child::Finished, expected: &str) -> Outcome {
    if fin.stdout.total > fin.stdout.bytes.len() as u64 {
        return Outcome::BadOutput {
            reason: format!(
                "the script wrote {} bytes to stdout; a process workload's whole output is its \
                 checksum, and bench-runner keeps only {} bytes",
                fin.stdout.total,
                child::STDOUT_TAIL_BYTES
            ),
        };
    }
    let got = script_output(fin);
    if got != expected {
        return Outcome::WrongChecksum {
            expected: expected.to_owned(),
            got,
        };
    }
    Outcome::Ok
}

/// Check a harness transcript of a process that exited 0.
fn judge_output(
    p: &protocol::Transcript,
    fin: &child::Finished,
    iterations: u32,
    pilot: bool,
    expected: &str,
) -> Outcome {
    if fin.stdout.total > STDOUT_MAX_BYTES {
        return Outcome::BadOutput {
            reason: format!(
                "workload wrote {} MiB to stdout (at most {} MiB allowed); bench-runner keeps \
                 only the harness protocol (on its own pipe) and the last {} bytes of stdout: {}",
                fin.stdout.total >> 20,
                STDOUT_MAX_BYTES >> 20,
                child::STDOUT_TAIL_BYTES,
                tail(&fin.stdout.bytes, 500).trim_end()
            ),
        };
    }
    let max_lines = iterations as usize + PROTOCOL_SPARE_LINES;
    if fin.protocol.overflow || p.lines > max_lines {
        return Outcome::BadOutput {
            reason: format!(
                "the protocol pipe carried {} bytes in {} lines; at most {} bytes and {max_lines} \
                 lines (iterations + {PROTOCOL_SPARE_LINES}) are read",
                fin.protocol.total,
                p.lines,
                child::PROTOCOL_MAX_BYTES
            ),
        };
    }
    if let Some(reason) = &p.error {
        return Outcome::BadOutput {
            reason: reason.clone(),
        };
    }
    if p.implementation.is_none() {
        return Outcome::BadOutput {
            reason: format!(
                "no `@whichpy impl` line on the protocol pipe (the harness did not start, or \
                 the process exited before it wrote anything); stdout ends: {:?}",
                tail(&fin.stdout.bytes, 300)
            ),
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
    // One probe before each iteration and one after the last (see `probe`).
    if fin.probes_overflow || fin.probes_ns.len() != p.iterations_ns.len() + 1 {
        return Outcome::BadOutput {
            reason: format!(
                "the harness asked for {} machine-state probes{}; {} iterations need {}",
                fin.probes_ns.len(),
                if fin.probes_overflow { " and more" } else { "" },
                p.iterations_ns.len(),
                p.iterations_ns.len() + 1
            ),
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

pub(crate) fn timeval_ns(tv: libc::timeval) -> u64 {
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
        .env_remove(protocol::PROTOCOL_ENV)
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
    protocol::parse(&text, None).implementation.ok_or_else(|| {
        anyhow::anyhow!(
            "{executable} printed no `@whichpy impl` line: {}",
            text.trim()
        )
    })
}
