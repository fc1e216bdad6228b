//! Service cells: one process execution starts the server (`harness.py --serve`, through the
//! same spawn and wait path as every cell), waits until it listens on a loopback port, drives
//! it with the open-loop generator ([`crate::load`]) — a warm-up phase, then each rate of the
//! size's [`LoadSpec`] in ascending order — asks it to stop, and records one [`RatePhase`]
//! per phase. Escalation stops after the first rate the server could not keep (requests left
//! unsent or unanswered by the deadline): higher rates would only measure the same backlog.
//!
//! The outcome is `ok` when the process exited 0 through the harness protocol and every
//! answer verified; a wrong answer makes it `wrong_checksum` (expected: every answer
//! verified). When every scheduled request was answered, the server's own tally must equal
//! the one the client computes from the answers it verified.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use whichpy_wire::{CellSpec, ExecRecord, LoadSpec, Outcome, RatePhase};

use crate::load::{self, Exchange, Phase, PhaseResult, Timing};
use crate::web::{self, WebService};

/// How long the server may take to start listening (PyPy imports, a cold page cache).
const LISTEN_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause between phases, so the next starts on an idle server.
const SETTLE: Duration = Duration::from_millis(200);

/// The load of the cell's size (a service workload without one gets a clear error).
fn load_of(spec: &CellSpec) -> Result<&LoadSpec, String> {
    let load = spec
        .workload
        .sizes
        .get(spec.size)
        .and_then(|z| z.load.as_ref())
        .ok_or_else(|| {
            format!(
                "workload {} is a service but its META has no sizes.{}.load (rates, \
             seconds_per_rate, warmup_s, connections, bound_ms)",
                spec.workload.name, spec.size
            )
        })?;
    if load.rates.is_empty() || load.rates.contains(&0) || load.seconds_per_rate <= 0.0 {
        return Err(format!(
            "workload {}: sizes.{}.load needs non-zero rates and seconds_per_rate > 0",
            spec.workload.name, spec.size
        ));
    }
    Ok(load)
}

/// Seconds a whole process execution of `load` may take at most (phases, their grace, the
/// server's start): xtask sets the timeout from it.
pub fn max_seconds(load: &LoadSpec) -> f64 {
    let phases = load.rates.len() as f64;
    LISTEN_TIMEOUT.as_secs_f64()
        + load.warmup_s
        + grace(load.warmup_s).as_secs_f64()
        + phases * (load.seconds_per_rate + grace(load.seconds_per_rate).as_secs_f64())
        + phases * SETTLE.as_secs_f64()
        + 10.0
}

/// The timeout of one process execution of `workload` at `size`: `timeout_s`, or for a
/// service the longest its load can take (its phases cannot be cut short by the run's
/// timeout, which was chosen for iteration cells).
pub fn timeout_s(
    workload: &whichpy_wire::WorkloadMeta,
    size: whichpy_wire::SizeName,
    timeout_s: f64,
) -> f64 {
    match workload.sizes.get(size).and_then(|z| z.load.as_ref()) {
        Some(load) if workload.kind == whichpy_wire::WorkloadKind::Service => {
            timeout_s.max(max_seconds(load))
        }
        _ => timeout_s,
    }
}

fn grace(seconds: f64) -> Duration {
    Duration::from_secs_f64(0.5 + seconds / 2.0)
}

fn phase_record(rate: u32, warmup: bool, r: &PhaseResult) -> RatePhase {
    RatePhase {
        rate,
        warmup,
        scheduled: r.scheduled,
        verified: r.verified,
        errors: r.errors,
        unsent: r.unsent,
        achieved_rps: r.achieved_rps(),
        p50_ns: r.quantile_ns(0.50),
        p95_ns: r.quantile_ns(0.95),
        p99_ns: r.quantile_ns(0.99),
        max_ns: r.hist.max(),
        first_error: r.first_error.clone(),
    }
}

/// What driving the server gave.
struct Driven {
    phases: Vec<RatePhase>,
    /// The server's tally the answers imply (`None` when some request went unanswered).
    expected_tally: Option<String>,
    /// Why the load could not be put (the server never listened, the shutdown failed).
    error: Option<String>,
}

/// Drive a server on `addr` through the phases of `load` and stop it.
fn drive(addr: SocketAddr, load: &LoadSpec, ex: &dyn Exchange, exited: &AtomicBool) -> Driven {
    let mut out = Driven {
        phases: Vec::new(),
        expected_tally: None,
        error: None,
    };
    if let Err(e) = load::wait_listening(addr, LISTEN_TIMEOUT, || exited.load(Ordering::SeqCst)) {
        out.error = Some(e);
        return out;
    }
    let mut plan: Vec<(u32, bool, f64)> = Vec::new();
    if load.warmup_s > 0.0 {
        plan.push((load.rates[0], true, load.warmup_s));
    }
    plan.extend(
        load.rates
            .iter()
            .map(|&r| (r, false, load.seconds_per_rate)),
    );
    let mut answered = Vec::new();
    let mut complete = true;
    let mut first_seq = 0;
    for (rate, warmup, seconds) in plan {
        let phase = Phase {
            rate: f64::from(rate),
            duration: Duration::from_secs_f64(seconds),
            connections: load.connections,
            grace: grace(seconds),
            timing: Timing::Open,
            first_seq,
        };
        let r = match load::run_phase(addr, &phase, ex) {
            Ok(r) => r,
            Err(e) => {
                out.error = Some(format!("the {rate}/s phase: {e}"));
                return out;
            }
        };
        first_seq += r.scheduled;
        answered.extend_from_slice(&r.answered);
        let overloaded = r.unsent > 0;
        complete &= r.unsent == 0 && r.errors == 0;
        out.phases.push(phase_record(rate, warmup, &r));
        if overloaded && !warmup {
            break;
        }
        std::thread::sleep(SETTLE);
    }
    // The shutdown waits behind any backlog of an overloaded server.
    match load::one_request(addr, web::SHUTDOWN, LISTEN_TIMEOUT) {
        Ok((200, _)) => {}
        Ok((status, body)) => {
            out.error = Some(format!(
                "the shutdown request got status {status}: {}",
                crate::tail(&body, 200)
            ))
        }
        Err(e) => out.error = Some(format!("the shutdown request failed: {e}")),
    }
    if complete {
        out.expected_tally = Some(web::tally(&answered));
    }
    out
}

/// Kill the running server's process group (when driving it failed).
fn kill_server() {
    let pgid = crate::CURRENT_PGID.load(Ordering::SeqCst);
    if pgid > 0 {
        // SAFETY: killpg takes plain integers; the group is the child's own.
        unsafe { libc::killpg(pgid, libc::SIGKILL) };
    }
}

/// One process execution of a service cell.
pub fn run_process(spec: &CellSpec, process: u32) -> ExecRecord {
    let load = match load_of(spec) {
        Ok(l) => l,
        Err(reason) => {
            return crate::blank_record(spec, process, Outcome::BadOutput { reason });
        }
    };
    let port = match load::free_port() {
        Ok(p) => p,
        Err(e) => {
            return crate::blank_record(
                spec,
                process,
                Outcome::SpawnFailed {
                    reason: format!("no free loopback port: {e}"),
                },
            )
        }
    };
    let mut argv = crate::command_line(spec);
    if let Some(last) = argv.last_mut() {
        *last = port.to_string();
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let (mut rec, ran, driven) = crate::execute(spec, process, &argv, |exited| {
        let d = drive(addr, load, &WebService, exited);
        if d.error.is_some() {
            kill_server();
        }
        d
    });
    rec.load = driven.phases;
    let Some((fin, parsed)) = ran else {
        return rec;
    };
    let errors: u64 = rec.load.iter().map(|p| p.errors).sum();
    rec.outcome = if let Some(o) =
        crate::exit_outcome(spec, &fin, &rec.outcome).filter(|_| driven.error.is_none())
    {
        o
    } else if let Some(reason) = driven.error {
        Outcome::BadOutput {
            reason: format!("{reason}; {}", rec.stderr_tail.trim_end()),
        }
    } else if let Some(reason) = &parsed.error {
        Outcome::BadOutput {
            reason: reason.clone(),
        }
    } else if parsed.implementation.is_none() || !parsed.done || parsed.results.is_empty() {
        Outcome::BadOutput {
            reason: "the server stopped without the harness's impl, result and done lines".into(),
        }
    } else if errors > 0 {
        let first = rec.load.iter().find_map(|p| p.first_error.clone());
        Outcome::WrongChecksum {
            expected: "every answer verified".into(),
            got: format!("{errors} wrong: {}", first.unwrap_or_default()),
        }
    } else {
        match (&driven.expected_tally, &rec.checksum) {
            (Some(want), Some(got)) if want != got => Outcome::WrongChecksum {
                expected: format!("server tally {want}"),
                got: got.clone(),
            },
            _ => Outcome::Ok,
        }
    };
    rec
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A checker that panics: a bug of the generator's side, which must cost a record's
    /// reason, not bench-runner and the cell.
    struct Panicky;

    impl Exchange for Panicky {
        fn request(&self, seq: u64) -> Vec<u8> {
            format!("GET /{seq} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes()
        }
        fn verify(&self, seq: u64, _: u16, _: &[u8]) -> Result<(), String> {
            panic!("checker bug at request {seq}")
        }
    }

    #[test]
    fn a_panic_in_a_load_thread_is_the_drive_error_that_becomes_bad_output() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            buf.drain(..end + 4);
                            let _ =
                                conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
                        }
                        match conn.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                });
            }
        });
        let load = LoadSpec {
            rates: vec![20],
            seconds_per_rate: 0.2,
            warmup_s: 0.0,
            connections: 1,
            bound_ms: 1000.0,
        };
        let d = drive(addr, &load, &Panicky, &AtomicBool::new(false));
        let e = d.error.expect("the panic is the drive's error");
        assert!(
            e.contains("the 20/s phase: a load thread panicked: checker bug at request 0"),
            "{e}"
        );
    }
}
