//! The open-loop load generator against fake servers of known behaviour (test instruments):
//! a server that answers after a fixed delay is measured within the generator's stated error,
//! and a server that stalls once shows the stall in the open-loop tail, where a closed-loop
//! measurement of the same run would not.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bench_runner::load::{run_phase, Exchange, Phase, PhaseError, PhaseResult, Timing};

/// Requests `GET /<seq>`; the answer's body must be `<seq>`.
struct Echo;

impl Exchange for Echo {
    fn request(&self, seq: u64) -> Vec<u8> {
        format!("GET /{seq} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes()
    }
    fn verify(&self, seq: u64, status: u16, body: &[u8]) -> Result<(), String> {
        if status == 200 && body == seq.to_string().as_bytes() {
            Ok(())
        } else {
            Err(format!("wrong body {:?}", String::from_utf8_lossy(body)))
        }
    }
}

/// How the fake server behaves for its `n`th request (counted across connections).
#[derive(Clone, Copy)]
struct Behaviour {
    delay: Duration,
    /// `(n, extra)`: request `n` waits `extra` more (a one-off stall: GC, a lock, a page-in).
    stall: Option<(u64, Duration)>,
    /// Answer every request with a wrong body.
    lie: bool,
}

/// A loopback HTTP server, one thread per connection, that answers `GET /<seq>` with `<seq>`
/// after `delay`. Requests on one connection are answered in order (HTTP/1.1).
fn fake_server(b: Behaviour) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicU64::new(0));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let count = Arc::clone(&count);
            std::thread::spawn(move || serve(conn, b, &count));
        }
    });
    addr
}

fn serve(mut conn: TcpStream, b: Behaviour, count: &AtomicU64) {
    conn.set_nodelay(true).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            let seq = head
                .split(' ')
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_owned();
            let n = count.fetch_add(1, Ordering::SeqCst);
            let mut wait = b.delay;
            if let Some((at, extra)) = b.stall {
                if n == at {
                    wait += extra;
                }
            }
            std::thread::sleep(wait);
            let body = if b.lie { format!("{seq}x") } else { seq };
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if conn.write_all(answer.as_bytes()).is_err() {
                return;
            }
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn phase(rate: f64, secs: f64, connections: u32, timing: Timing) -> Phase {
    Phase {
        rate,
        duration: Duration::from_secs_f64(secs),
        connections,
        grace: Duration::from_secs(1),
        timing,
        first_seq: 1000,
    }
}

const MS: u64 = 1_000_000;

fn summary(r: &PhaseResult) -> String {
    format!(
        "scheduled {} verified {} errors {} unsent {} p50 {:.2} ms p99 {:.2} ms max {:.2} ms",
        r.scheduled,
        r.verified,
        r.errors,
        r.unsent,
        r.quantile_ns(0.5) as f64 / 1e6,
        r.quantile_ns(0.99) as f64 / 1e6,
        r.hist.max() as f64 / 1e6
    )
}

#[test]
fn a_server_of_known_latency_is_measured_within_the_stated_error() {
    // 5 ms per answer, 100 requests/s over 2 connections: no request ever waits for another,
    // so every latency is the delay plus the generator's and the loopback's overhead. The
    // stated error: never below the delay, the median within 2 ms above it.
    let delay = Duration::from_millis(5);
    let addr = fake_server(Behaviour {
        delay,
        stall: None,
        lie: false,
    });
    let r = run_phase(addr, &phase(100.0, 2.0, 2, Timing::Open), &Echo).unwrap();
    let s = summary(&r);
    assert_eq!(
        (r.scheduled, r.verified, r.errors, r.unsent),
        (200, 200, 0, 0),
        "{s}"
    );
    let p50 = r.quantile_ns(0.5);
    assert!(r.hist.min() >= 5 * MS - 5 * MS / 1000, "{s}"); // HDR rounds within 0.1 %
    assert!(p50 <= 7 * MS, "{s}");
    // The achieved rate is the asked one.
    assert!(
        (r.achieved_rps() - 100.0).abs() < 10.0,
        "{s}: {}",
        r.achieved_rps()
    );
}

#[test]
fn open_loop_timing_counts_the_queueing_a_closed_loop_client_misses() {
    // 1 ms per answer at 500/s on one connection (half busy), but request 100 stalls 200 ms.
    // The ~100 requests due during the stall queue behind it. Open loop measures each from
    // its intended time, so about a tenth of the latencies are tens to 200 ms and the p99
    // shows the stall; closed loop measures from the actual send, so only the one stalled
    // request is slow and its p99 stays near the service time.
    let run = |timing| {
        let addr = fake_server(Behaviour {
            delay: Duration::from_millis(1),
            stall: Some((100, Duration::from_millis(200))),
            lie: false,
        });
        run_phase(addr, &phase(500.0, 2.0, 1, timing), &Echo).unwrap()
    };
    let open = run(Timing::Open);
    let closed = run(Timing::Closed);
    let (so, sc) = (summary(&open), summary(&closed));
    assert_eq!(open.verified, 1000, "{so}");
    assert_eq!(closed.verified, 1000, "{sc}");
    // Both saw the stalled request itself.
    assert!(open.hist.max() >= 200 * MS, "{so}");
    assert!(closed.hist.max() >= 200 * MS, "{sc}");
    // Only open loop counts the queue behind it.
    assert!(open.quantile_ns(0.99) >= 100 * MS, "open: {so}");
    assert!(open.quantile_ns(0.95) >= 20 * MS, "open: {so}");
    assert!(closed.quantile_ns(0.99) <= 20 * MS, "closed: {sc}");
}

#[test]
fn wrong_answers_are_errors_not_latencies() {
    let addr = fake_server(Behaviour {
        delay: Duration::ZERO,
        stall: None,
        lie: true,
    });
    let r = run_phase(addr, &phase(50.0, 0.4, 1, Timing::Open), &Echo).unwrap();
    assert_eq!((r.verified, r.errors), (0, 20), "{}", summary(&r));
    assert!(r.hist.is_empty());
    assert!(r.first_error.unwrap().contains("wrong body"));
}

#[test]
fn a_server_slower_than_the_rate_leaves_requests_unsent() {
    // 20 ms per answer can serve 50/s on one connection; 200/s for 1 s cannot finish even
    // with a second of grace: the rest are unsent, and the latencies grow with the queue.
    let addr = fake_server(Behaviour {
        delay: Duration::from_millis(20),
        stall: None,
        lie: false,
    });
    let r = run_phase(addr, &phase(200.0, 1.0, 1, Timing::Open), &Echo).unwrap();
    let s = summary(&r);
    assert!(r.unsent > 0 && r.verified + r.unsent == r.scheduled, "{s}");
    assert!(r.quantile_ns(0.99) >= 500 * MS, "{s}");
}

/// A hostile loopback server: to every request head it writes `head`, then, when `flood`,
/// body bytes until the client hangs up (a server announcing 1 GiB and sending it).
fn hostile_server(head: &'static str, flood: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                if conn.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let block = vec![b'x'; 1 << 16];
                while flood && conn.write_all(&block).is_ok() {}
                // Hold the connection open (as a slow server would) until the client leaves.
                let _ = conn.read(&mut chunk);
            });
        }
    });
    addr
}

fn hostile_phase() -> Phase {
    Phase {
        grace: Duration::from_millis(500),
        ..phase(10.0, 0.2, 1, Timing::Open)
    }
}

#[test]
fn a_server_announcing_a_1_gib_body_is_an_error_not_an_allocation() {
    // Before: the generator read the whole announced body into memory (OOM kill, exit 137,
    // the cell lost). Now the announced length is refused from the head, before any body.
    let addr = hostile_server(
        "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n",
        true,
    );
    let r = run_phase(addr, &hostile_phase(), &Echo).unwrap();
    let s = summary(&r);
    assert_eq!((r.verified, r.errors), (0, 1), "{s}");
    let e = r.first_error.unwrap();
    assert!(
        e.contains("Content-Length 1073741824 exceeds the 1024 KiB bound"),
        "{e}"
    );
}

#[test]
fn a_content_length_of_u64_max_is_an_error_not_a_panic() {
    // Before: `head_end + 4 + length` wrapped and slicing panicked ("slice index starts at 57
    // but ends at 56").
    let addr = hostile_server(
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n",
        false,
    );
    let r = run_phase(addr, &hostile_phase(), &Echo).unwrap();
    assert_eq!((r.verified, r.errors), (0, 1), "{}", summary(&r));
    let e = r.first_error.unwrap();
    assert!(
        e.contains("Content-Length 18446744073709551615 exceeds"),
        "{e}"
    );
}

#[test]
fn malformed_heads_are_errors_with_the_reason() {
    for (head, want) in [
        (
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "bad Content-Length",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
            "two different Content-Length",
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            "Content-Length bodies only",
        ),
        ("HTTP/1.1 200 OK\r\n\r\n", "without Content-Length"),
        ("SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x answer"),
    ] {
        let addr = hostile_server(head, false);
        let r = run_phase(addr, &hostile_phase(), &Echo).unwrap();
        let e = r.first_error.clone().unwrap_or_default();
        assert!(r.errors == 1 && e.contains(want), "{head:?}: {e}");
    }
}

/// An exchange whose check panics (a bug in a checker, or in the generator).
struct Panicky;

impl Exchange for Panicky {
    fn request(&self, seq: u64) -> Vec<u8> {
        Echo.request(seq)
    }
    fn verify(&self, seq: u64, _: u16, _: &[u8]) -> Result<(), String> {
        panic!("checker bug at request {seq}")
    }
}

#[test]
fn a_panic_in_a_load_thread_is_returned_with_its_reason() {
    // Before: `join().expect("a load thread panicked")` took bench-runner down with the
    // cell. Now the reason comes back, and the service cell records it as bad_output.
    let addr = fake_server(Behaviour {
        delay: Duration::ZERO,
        stall: None,
        lie: false,
    });
    match run_phase(addr, &phase(50.0, 0.2, 2, Timing::Open), &Panicky) {
        Err(PhaseError::Panicked(why)) => assert!(why.contains("checker bug at request"), "{why}"),
        Err(e) => panic!("another error: {e}"),
        Ok(r) => panic!("no error: {}", summary(&r)),
    }
}
