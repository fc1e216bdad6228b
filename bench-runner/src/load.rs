//! An open-loop HTTP/1.1 load generator (wrk2's model) for service cells.
//!
//! A phase at `rate` requests per second schedules request `j` at `start + j / rate`, spread
//! round robin over keep-alive connections (one thread each, blocking sockets). A connection
//! sends request `j` at its intended time or, if the answer to its previous request came
//! later, as soon as that answer has arrived, and the latency is measured **from the intended
//! time** to the end of the answer. So a server that stalls makes every request due during
//! the stall late, and each of them counts the time it queued: the coordinated omission of a
//! closed-loop client (which measures from the actual send, and so sends less while the
//! server is slow) does not hide it. [`Timing::Closed`] is that closed-loop measurement, kept
//! only so the tests can show the difference.
//!
//! Every answer is checked by the phase's [`Exchange`] (status and body per request); a wrong
//! one is an error, counted, never a latency. Requests not sent or not answered by the
//! phase's deadline (`duration` + `grace`) are `unsent`: the server could not keep the rate.
//!
//! Error of the measurement: latencies are recorded in nanoseconds into an HDR histogram with
//! 3 significant digits (quantiles within 0.1 %); the sender wakes from `thread::sleep`, whose
//! overshoot (tens of microseconds on an idle Linux machine, up to a scheduler tick on a busy
//! one) is counted in the latency, as it would be for a real client. The tests check a server
//! that answers after a fixed delay is measured within 2 ms of it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// What a load phase sends and how it checks the answers.
pub trait Exchange: Sync {
    /// The complete HTTP request `seq` (request line, headers, body).
    fn request(&self, seq: u64) -> Vec<u8>;
    /// Check the answer to request `seq`: its status and body.
    fn verify(&self, seq: u64, status: u16, body: &[u8]) -> Result<(), String>;
}

/// Where a request's latency is measured from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// From its intended send time on the fixed schedule (what bench-runner records).
    Open,
    /// From its actual send time (a closed-loop client's view; tests only).
    Closed,
}

/// One phase of load.
#[derive(Clone, Debug)]
pub struct Phase {
    pub rate: f64,
    pub duration: Duration,
    pub connections: u32,
    /// After `duration`, how long late answers are still waited for.
    pub grace: Duration,
    pub timing: Timing,
    /// Sequence number of the phase's first request (so phases send different requests).
    pub first_seq: u64,
}

/// What a phase measured.
pub struct PhaseResult {
    /// Latencies of verified answers, in ns.
    pub hist: Histogram<u64>,
    pub scheduled: u64,
    pub verified: u64,
    pub errors: u64,
    pub unsent: u64,
    pub first_error: Option<String>,
    /// From the phase's start to its last answer.
    pub elapsed: Duration,
    /// Sequence numbers of the verified answers (to tally what the server should have done).
    pub answered: Vec<u64>,
}

impl PhaseResult {
    /// `q` in 0..=1, in ns (0 when nothing was recorded).
    pub fn quantile_ns(&self, q: f64) -> u64 {
        if self.hist.is_empty() {
            0
        } else {
            self.hist.value_at_quantile(q)
        }
    }

    pub fn achieved_rps(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.verified as f64 / s
        } else {
            0.0
        }
    }
}

fn new_hist() -> Histogram<u64> {
    // 1 µs .. 1 h, 3 significant digits.
    Histogram::new_with_bounds(1_000, 3_600_000_000_000, 3).expect("valid histogram bounds")
}

/// An HTTP/1.1 client connection that reads one answer at a time.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// How reading an answer failed.
enum ReadErr {
    /// The deadline passed first.
    Late,
    /// The answer or the connection was broken.
    Broken(String),
}

impl Conn {
    fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(8192),
        })
    }

    fn fill(&mut self, deadline: Instant) -> Result<(), ReadErr> {
        let now = Instant::now();
        if now >= deadline {
            return Err(ReadErr::Late);
        }
        let wait = (deadline - now).max(Duration::from_millis(1));
        self.stream
            .set_read_timeout(Some(wait))
            .map_err(|e| ReadErr::Broken(e.to_string()))?;
        let mut chunk = [0u8; 16384];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(ReadErr::Broken("the server closed the connection".into())),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Err(ReadErr::Late)
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(ReadErr::Broken(e.to_string())),
        }
    }

    /// Read one whole answer: `(status, body)`.
    fn answer(&mut self, deadline: Instant) -> Result<(u16, Vec<u8>), ReadErr> {
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            if self.buf.len() > 64 * 1024 {
                return Err(ReadErr::Broken("an answer's head exceeds 64 KiB".into()));
            }
            self.fill(deadline)?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let (status, length) = parse_head(&head).map_err(ReadErr::Broken)?;
        let total = head_end + 4 + length;
        while self.buf.len() < total {
            self.fill(deadline)?;
        }
        let body = self.buf[head_end + 4..total].to_vec();
        self.buf.drain(..total);
        Ok((status, body))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Status and Content-Length of an answer's head.
fn parse_head(head: &str) -> Result<(u16, usize), String> {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1.x status line: {status_line:?}"));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status code in {status_line:?}"))?;
    let mut length = None;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                length = Some(
                    v.trim()
                        .parse::<usize>()
                        .map_err(|_| format!("bad Content-Length {v:?}"))?,
                );
            }
        }
    }
    let length = length.ok_or("an answer without Content-Length")?;
    Ok((status, length))
}

/// What one connection's thread measured.
struct ConnResult {
    hist: Histogram<u64>,
    verified: u64,
    errors: u64,
    unsent: u64,
    first_error: Option<String>,
    last_answer: Option<Instant>,
    answered: Vec<u64>,
}

/// Run one phase against `addr`. Connections are opened before the clock starts.
pub fn run_phase(
    addr: SocketAddr,
    phase: &Phase,
    ex: &dyn Exchange,
) -> std::io::Result<PhaseResult> {
    let conns = phase.connections.max(1) as u64;
    let scheduled = (phase.rate * phase.duration.as_secs_f64()).round().max(1.0) as u64;
    let interval_ns = 1e9 / phase.rate;
    let mut opened = Vec::new();
    for _ in 0..conns {
        opened.push(Conn::open(addr)?);
    }
    // A short margin so every thread is waiting when the first request is due.
    let start = Instant::now() + Duration::from_millis(5);
    let deadline = start + phase.duration + phase.grace;
    let results: Vec<ConnResult> = std::thread::scope(|s| {
        let handles: Vec<_> = opened
            .into_iter()
            .enumerate()
            .map(|(k, mut conn)| {
                s.spawn(move || {
                    let mut r = ConnResult {
                        hist: new_hist(),
                        verified: 0,
                        errors: 0,
                        unsent: 0,
                        first_error: None,
                        last_answer: None,
                        answered: Vec::new(),
                    };
                    let mine: Vec<u64> = (k as u64..scheduled).step_by(conns as usize).collect();
                    let mut broken = false;
                    for (i, &j) in mine.iter().enumerate() {
                        let intended =
                            start + Duration::from_nanos((j as f64 * interval_ns) as u64);
                        let now = Instant::now();
                        if broken || now >= deadline {
                            r.unsent += (mine.len() - i) as u64;
                            break;
                        }
                        if intended > now {
                            std::thread::sleep(intended - now);
                        }
                        let seq = phase.first_seq + j;
                        let sent_at = Instant::now();
                        if let Err(e) = conn.stream.write_all(&ex.request(seq)) {
                            r.errors += 1;
                            r.first_error
                                .get_or_insert_with(|| format!("request {seq}: send: {e}"));
                            r.unsent += (mine.len() - i - 1) as u64;
                            break;
                        }
                        match conn.answer(deadline) {
                            Ok((status, body)) => {
                                let done = Instant::now();
                                match ex.verify(seq, status, &body) {
                                    Ok(()) => {
                                        let from = match phase.timing {
                                            Timing::Open => intended,
                                            Timing::Closed => sent_at,
                                        };
                                        let ns =
                                            done.saturating_duration_since(from).as_nanos() as u64;
                                        r.hist.saturating_record(ns.max(1_000));
                                        r.verified += 1;
                                        r.answered.push(seq);
                                        r.last_answer = Some(done);
                                    }
                                    Err(e) => {
                                        r.errors += 1;
                                        r.first_error.get_or_insert_with(|| {
                                            format!(
                                                "request {seq}: status {status}: {e}; body {:?}",
                                                crate::tail(&body, 200)
                                            )
                                        });
                                    }
                                }
                            }
                            Err(ReadErr::Late) => {
                                r.unsent += (mine.len() - i) as u64;
                                break;
                            }
                            Err(ReadErr::Broken(e)) => {
                                r.errors += 1;
                                r.first_error
                                    .get_or_insert_with(|| format!("request {seq}: {e}"));
                                broken = true;
                            }
                        }
                    }
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a load thread panicked"))
            .collect()
    });
    let mut hist = new_hist();
    let mut out = PhaseResult {
        hist: new_hist(),
        scheduled,
        verified: 0,
        errors: 0,
        unsent: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        answered: Vec::new(),
    };
    let mut last = start;
    for r in results {
        hist.add(&r.hist).expect("same bounds");
        out.verified += r.verified;
        out.errors += r.errors;
        out.unsent += r.unsent;
        if out.first_error.is_none() {
            out.first_error = r.first_error;
        }
        if let Some(t) = r.last_answer {
            last = last.max(t);
        }
        out.answered.extend(r.answered);
    }
    out.answered.sort_unstable();
    out.hist = hist;
    // The phase lasts its schedule at least, however early the last answer came.
    out.elapsed = (last - start).max(phase.duration);
    Ok(out)
}

/// Wait until something accepts connections on `addr`, or `give_up` says stop.
pub fn wait_listening(
    addr: SocketAddr,
    timeout: Duration,
    give_up: impl Fn() -> bool,
) -> Result<(), String> {
    let until = Instant::now() + timeout;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if give_up() {
            return Err("the server exited before it listened".into());
        }
        if Instant::now() >= until {
            return Err(format!(
                "nothing listened on {addr} within {:.0} s",
                timeout.as_secs_f64()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Send one request on a fresh connection and read its answer (e.g. a shutdown request).
pub fn one_request(
    addr: SocketAddr,
    request: &[u8],
    timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let mut conn = Conn::open(addr).map_err(|e| e.to_string())?;
    conn.stream.write_all(request).map_err(|e| e.to_string())?;
    match conn.answer(Instant::now() + timeout) {
        Ok(a) => Ok(a),
        Err(ReadErr::Late) => Err(format!("no answer within {:.0} s", timeout.as_secs_f64())),
        Err(ReadErr::Broken(e)) => Err(e),
    }
}

/// A free loopback port (bound, read, released: the server binds it next).
pub fn free_port() -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}
