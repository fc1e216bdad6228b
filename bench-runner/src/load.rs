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

    /// Read one whole answer: `(status, body)`. The head is bounded by [`MAX_HEAD`] and the
    /// body by [`MAX_BODY`] before anything past them is read, and every length is checked
    /// arithmetic: a server cannot make the generator allocate or index what it announces.
    fn answer(&mut self, deadline: Instant) -> Result<(u16, Vec<u8>), ReadErr> {
        let (head_len, status, length) = loop {
            if let Some(parsed) = parse_head(&self.buf).map_err(ReadErr::Broken)? {
                break parsed;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReadErr::Broken(format!(
                    "an answer's head exceeds {} KiB",
                    MAX_HEAD / 1024
                )));
            }
            self.fill(deadline)?;
        };
        let total = head_len
            .checked_add(length)
            .ok_or_else(|| ReadErr::Broken(format!("Content-Length {length} overflows")))?;
        while self.buf.len() < total {
            self.fill(deadline)?;
        }
        let body = self.buf[head_len..total].to_vec();
        self.buf.drain(..total);
        Ok((status, body))
    }
}

/// The longest answer head read.
pub const MAX_HEAD: usize = 64 * 1024;
/// The longest answer body read: the web service's answers are a few hundred bytes, so a
/// server that announces more is wrong, and is not given the memory to prove it.
pub const MAX_BODY: usize = 1024 * 1024;

/// Parse an answer's head (httparse): `Some((head length, status, Content-Length))` once the
/// head is complete, `None` while it is not; an error for a malformed head, a missing,
/// conflicting or unparsable Content-Length, a chunked body, or a body over [`MAX_BODY`].
pub fn parse_head(buf: &[u8]) -> Result<Option<(usize, u16, usize)>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut res = httparse::Response::new(&mut headers);
    let head_len = match res.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => {
            let line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
            return Err(format!(
                "not an HTTP/1.x answer ({e}): {:?}",
                String::from_utf8_lossy(&line[..line.len().min(120)])
            ));
        }
    };
    let status = res.code.ok_or("an answer without a status code")?;
    let mut length: Option<usize> = None;
    for h in res.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(format!(
                "a {:?} body: the generator reads Content-Length bodies only",
                String::from_utf8_lossy(h.value)
            ));
        }
        if !h.name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let value = String::from_utf8_lossy(h.value);
        let n: u64 = value
            .trim()
            .parse()
            .map_err(|_| format!("bad Content-Length {value:?}"))?;
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n <= MAX_BODY)
            .ok_or_else(|| {
                format!(
                    "Content-Length {n} exceeds the {} KiB bound of an answer",
                    MAX_BODY / 1024
                )
            })?;
        if length.is_some_and(|l| l != n) {
            return Err("two different Content-Length headers".into());
        }
        length = Some(n);
    }
    let length = length.ok_or("an answer without Content-Length")?;
    Ok(Some((head_len, status, length)))
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

/// Why a phase measured nothing.
#[derive(Debug)]
pub enum PhaseError {
    /// A connection could not be opened before the clock started.
    Connect(std::io::Error),
    /// A load thread panicked (a bug of the generator or of the [`Exchange`]); its reason.
    Panicked(String),
}

impl std::fmt::Display for PhaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhaseError::Connect(e) => write!(f, "cannot connect: {e}"),
            PhaseError::Panicked(why) => write!(f, "a load thread panicked: {why}"),
        }
    }
}

/// The message of a panic's payload.
fn panic_reason(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Run one phase against `addr`. Connections are opened before the clock starts. A panic in
/// a connection's thread is caught at its join and returned as [`PhaseError::Panicked`], so
/// the caller records it instead of losing the cell.
pub fn run_phase(
    addr: SocketAddr,
    phase: &Phase,
    ex: &dyn Exchange,
) -> Result<PhaseResult, PhaseError> {
    let conns = phase.connections.max(1) as u64;
    let scheduled = (phase.rate * phase.duration.as_secs_f64()).round().max(1.0) as u64;
    let interval_ns = 1e9 / phase.rate;
    let mut opened = Vec::new();
    for _ in 0..conns {
        opened.push(Conn::open(addr).map_err(PhaseError::Connect)?);
    }
    // A short margin so every thread is waiting when the first request is due.
    let start = Instant::now() + Duration::from_millis(5);
    let deadline = start + phase.duration + phase.grace;
    let joined: Vec<Result<ConnResult, String>> = std::thread::scope(|s| {
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
            .map(|h| h.join().map_err(|p| panic_reason(&*p)))
            .collect()
    });
    let results = joined
        .into_iter()
        .collect::<Result<Vec<ConnResult>, String>>()
        .map_err(PhaseError::Panicked)?;
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
