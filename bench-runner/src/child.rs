//! One thread runs a child: a `poll(2)` loop over its stdout, stderr and protocol pipes and a
//! pidfd (or, where `pidfd_open` is refused, `wait4(WNOHANG)` every few milliseconds), against
//! one deadline.
//!
//! - Wall time runs from spawn to the child's exit (not to the pipes' EOF).
//! - At the deadline the child's process group and every descendant (see [`crate::reaper`])
//!   get SIGKILL, and the execution is timed out: also when the child itself had exited but a
//!   descendant still held a pipe open.
//! - After the child exits, descendants that closed the pipes and linger are killed at once.
//! - Memory is bounded whatever the child writes: the protocol pipe keeps at most
//!   [`PROTOCOL_MAX_BYTES`], stdout and stderr only a tail.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::reaper;

/// The most protocol bytes a process execution may write (a few hundred thousand iteration
/// lines); beyond it the record is `bad_output` and the rest is read and dropped.
pub const PROTOCOL_MAX_BYTES: usize = 1 << 20;
/// How much of a workload's own stdout is kept (it is never parsed).
pub const STDOUT_TAIL_BYTES: usize = 2000;
/// After a kill, how long the pipes may take to report EOF before we stop reading them.
const DRAIN_AFTER_KILL: Duration = Duration::from_secs(2);
/// Without a pidfd: how often to ask `wait4` whether the child has exited.
const WAIT_POLL: Duration = Duration::from_millis(2);

/// The bytes of a stream we keep, and how many there were.
#[derive(Debug, Default)]
pub struct Kept {
    pub bytes: Vec<u8>,
    pub total: u64,
    /// More arrived than a bounded stream may keep (protocol only).
    pub overflow: bool,
}

impl Kept {
    /// Keep the last `max` bytes (cut when twice that has piled up).
    fn push_tail(&mut self, data: &[u8], max: usize) {
        self.total += data.len() as u64;
        self.bytes.extend_from_slice(data);
        if self.bytes.len() > 2 * max {
            self.bytes.drain(..self.bytes.len() - max);
        }
    }

    /// Keep the first `max` bytes.
    fn push_head(&mut self, data: &[u8], max: usize) {
        self.total += data.len() as u64;
        let room = max.saturating_sub(self.bytes.len());
        if data.len() > room {
            self.overflow = true;
        }
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
    }
}

/// What happened to a child.
pub struct Finished {
    pub status: libc::c_int,
    pub rusage: libc::rusage,
    pub wall: Duration,
    pub timed_out: bool,
    pub protocol: Kept,
    pub stdout: Kept,
    pub stderr: Kept,
    /// The machine-state probes the child asked for, in order ([`crate::probe`]), ns.
    pub probes_ns: Vec<u64>,
    /// The child asked for more than [`MAX_PROBES`] probes (the rest were run, not kept).
    pub probes_overflow: bool,
}

/// How to start the child.
pub struct Launch<'a> {
    pub argv: &'a [String],
    pub timeout: Duration,
    /// `WHICHPY_PROTOCOL` is set to `"<fd> <nonce>"`.
    pub nonce: &'a str,
    /// Value of [`reaper::MARKER_ENV`] for this execution.
    pub marker: &'a str,
    /// Offer the machine-state probe: [`PROBE_ENV`] is set to `"<request fd> <reply fd>"`;
    /// each byte the child writes to the request pipe runs [`crate::probe::run`] once, on
    /// this core, while the child waits for the reply byte.
    pub probe: bool,
}

/// Environment variable through which the harness learns the probe's pipes.
pub const PROBE_ENV: &str = "WHICHPY_PROBE";
/// The fds on which the child finds the probe's request (it writes) and reply (it reads) pipes.
pub const PROBE_REQUEST_FD: RawFd = 4;
pub const PROBE_REPLY_FD: RawFd = 5;
/// Probes kept per process execution (one per iteration, plus one); more is `bad_output`.
pub const MAX_PROBES: usize = 1 << 18;

fn cvt(r: libc::c_int) -> std::io::Result<libc::c_int> {
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn pipe_cloexec() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 fills two fds, which we then own.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 succeeded, so both fds are open and owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn set_nonblocking(fd: RawFd) {
    // SAFETY: fcntl on an fd we own.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
}

/// Tests set this to exercise the path for kernels without `pidfd_open` (before 5.3) or
/// sandboxes that refuse it.
pub static NO_PIDFD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn pidfd_open(pid: libc::pid_t) -> Option<OwnedFd> {
    if NO_PIDFD.load(Ordering::SeqCst) {
        return None;
    }
    // SAFETY: pidfd_open(pid, 0) returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    // SAFETY: a non-negative fd from pidfd_open is new and ours.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `wait4` for our child, without blocking: `Some` once it has exited.
fn try_reap(pid: libc::pid_t, block: bool) -> Option<(libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; status and rusage are valid out-pointers.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let flags = if block { 0 } else { libc::WNOHANG };
        // SAFETY: status and rusage are valid out-pointers for wait4.
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut rusage) };
        if r == pid {
            return Some((status, rusage));
        }
        if r < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        return None;
    }
}

struct Stream {
    fd: Option<OwnedFd>,
    kept: Kept,
    head: bool,
    max: usize,
}

impl Stream {
    fn new(fd: OwnedFd, head: bool, max: usize) -> Stream {
        set_nonblocking(fd.as_raw_fd());
        Stream {
            fd: Some(fd),
            kept: Kept::default(),
            head,
            max,
        }
    }

    /// Read what is there; closes the stream at EOF or on an error.
    fn read(&mut self, buf: &mut [u8]) {
        let Some(fd) = &self.fd else { return };
        loop {
            // SAFETY: reading into a buffer we own from an fd we own.
            let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n > 0 {
                let data = &buf[..n as usize];
                if self.head {
                    self.kept.push_head(data, self.max);
                } else {
                    self.kept.push_tail(data, self.max);
                }
                if (n as usize) < buf.len() {
                    return;
                }
                continue;
            }
            if n < 0 {
                match std::io::Error::last_os_error().kind() {
                    std::io::ErrorKind::Interrupted => continue,
                    std::io::ErrorKind::WouldBlock => return,
                    _ => {}
                }
            }
            self.fd = None; // EOF (or an error: nothing more will come)
            return;
        }
    }
}

/// The fd on which the child finds the protocol pipe.
pub const PROTOCOL_FD: RawFd = 3;

/// Start `argv` with `posix_spawnp` (as std's `Command` does when it can, and as hyperfine
/// does: no `fork` of bench-runner's address space on the timed path): stdin `/dev/null`,
/// each of `pipes` on its fd (1, 2, [`PROTOCOL_FD`], and the probe's), in a process group of its own, SIGPIPE and the
/// signal mask back to their defaults.
fn spawn(
    argv: &[String],
    env: &[(std::ffi::OsString, std::ffi::OsString)],
    pipes: &[(&OwnedFd, RawFd)],
) -> std::io::Result<libc::pid_t> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let nul = |e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let args: Vec<CString> = argv
        .iter()
        .map(|a| CString::new(a.as_bytes()).map_err(nul))
        .collect::<Result<_, _>>()?;
    let vars: Vec<CString> = env
        .iter()
        .map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).map_err(nul)
        })
        .collect::<Result<_, _>>()?;
    let mut argp: Vec<*mut libc::c_char> = args.iter().map(|a| a.as_ptr() as *mut _).collect();
    argp.push(std::ptr::null_mut());
    let mut envp: Vec<*mut libc::c_char> = vars.iter().map(|v| v.as_ptr() as *mut _).collect();
    envp.push(std::ptr::null_mut());
    // Copies of the pipes' write ends at fds >= 10 (close-on-exec), so that no dup2 below
    // overwrites a source it has yet to copy.
    let high: Vec<OwnedFd> = pipes
        .iter()
        .map(|(fd, _)| {
            // SAFETY: duplicating an fd we own; the new fd is ours.
            cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) })
                .map(|n| unsafe { OwnedFd::from_raw_fd(n) })
        })
        .collect::<Result<_, _>>()?;
    let devnull = CString::new("/dev/null").expect("no NUL");
    let check = |r: libc::c_int| {
        if r == 0 {
            Ok(())
        } else {
            Err(std::io::Error::from_raw_os_error(r))
        }
    };
    // SAFETY: the attribute and file-action objects are initialised before use and destroyed
    // after; every pointer passed lives until posix_spawnp returns.
    unsafe {
        let mut fa: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
        check(libc::posix_spawn_file_actions_init(&mut fa))?;
        check(libc::posix_spawnattr_init(&mut attr))?;
        let result = (|| {
            check(libc::posix_spawn_file_actions_addopen(
                &mut fa,
                0,
                devnull.as_ptr(),
                libc::O_RDONLY,
                0,
            ))?;
            for (fd, target) in high.iter().zip(pipes.iter().map(|p| p.1)) {
                check(libc::posix_spawn_file_actions_adddup2(
                    &mut fa,
                    fd.as_raw_fd(),
                    target,
                ))?;
            }
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            let mut default: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut default);
            libc::sigaddset(&mut default, libc::SIGPIPE); // Rust ignores it; a child must not
            check(libc::posix_spawnattr_setsigmask(&mut attr, &none))?;
            check(libc::posix_spawnattr_setsigdefault(&mut attr, &default))?;
            check(libc::posix_spawnattr_setpgroup(&mut attr, 0))?;
            check(libc::posix_spawnattr_setflags(
                &mut attr,
                (libc::POSIX_SPAWN_SETPGROUP
                    | libc::POSIX_SPAWN_SETSIGMASK
                    | libc::POSIX_SPAWN_SETSIGDEF) as libc::c_short,
            ))?;
            let mut pid: libc::pid_t = 0;
            check(libc::posix_spawnp(
                &mut pid,
                argp[0],
                &fa,
                &attr,
                argp.as_ptr(),
                envp.as_ptr(),
            ))?;
            Ok(pid)
        })();
        libc::posix_spawn_file_actions_destroy(&mut fa);
        libc::posix_spawnattr_destroy(&mut attr);
        result
    }
}

/// Spawn `launch.argv` and run it to the end (see the module doc).
pub fn spawn_and_wait(launch: &Launch) -> std::io::Result<Finished> {
    let argv = launch.argv;
    reaper::become_subreaper();
    let (proto_r, proto_w) = pipe_cloexec()?;
    let (out_r, out_w) = pipe_cloexec()?;
    let (err_r, err_w) = pipe_cloexec()?;
    let mut env: Vec<(std::ffi::OsString, std::ffi::OsString)> = vec![
        // Reproducible hashing; no .pyc written next to the workloads (read-only in images).
        ("PYTHONHASHSEED".into(), "0".into()),
        ("PYTHONDONTWRITEBYTECODE".into(), "1".into()),
        (
            crate::protocol::PROTOCOL_ENV.into(),
            format!("{PROTOCOL_FD} {}", launch.nonce).into(),
        ),
        (reaper::MARKER_ENV.into(), launch.marker.into()),
    ];
    // The probe's pipes: the child writes a byte to ask, and reads one back when it is done.
    let probe_pipes = if launch.probe {
        crate::probe::prepare();
        env.push((
            PROBE_ENV.into(),
            format!("{PROBE_REQUEST_FD} {PROBE_REPLY_FD}").into(),
        ));
        Some((pipe_cloexec()?, pipe_cloexec()?))
    } else {
        None
    };
    for (k, v) in std::env::vars_os() {
        if !env.iter().any(|(key, _)| *key == k) {
            env.push((k, v));
        }
    }
    let start = Instant::now();
    let mut targets = vec![(&out_w, 1), (&err_w, 2), (&proto_w, PROTOCOL_FD)];
    if let Some(((_, req_w), (rep_r, _))) = &probe_pipes {
        targets.push((req_w, PROBE_REQUEST_FD));
        targets.push((rep_r, PROBE_REPLY_FD));
    }
    let pid = spawn(argv, &env, &targets)?;
    drop(targets);
    crate::CURRENT_PGID.store(pid, Ordering::SeqCst);
    drop((proto_w, out_w, err_w));
    // Our ends of the probe's pipes: the request's read end, the reply's write end.
    let mut probe = probe_pipes.map(|((req_r, _), (_, rep_w))| {
        set_nonblocking(req_r.as_raw_fd());
        // Never block on a child that stopped reading its replies.
        set_nonblocking(rep_w.as_raw_fd());
        (Some(req_r), rep_w)
    });
    let mut probes_ns: Vec<u64> = Vec::new();
    let mut probes_overflow = false;
    let pidfd = pidfd_open(pid);

    let mut streams = [
        Stream::new(proto_r, true, PROTOCOL_MAX_BYTES),
        Stream::new(out_r, false, STDOUT_TAIL_BYTES),
        Stream::new(err_r, false, crate::STDERR_TAIL_BYTES),
    ];

    let deadline = start + launch.timeout;
    let mut exited: Option<(libc::c_int, libc::rusage, Duration)> = None;
    let mut killed_at: Option<Instant> = None;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let open = streams.iter().any(|s| s.fd.is_some());
        if exited.is_some() && !open {
            break;
        }
        let now = Instant::now();
        if now >= deadline && killed_at.is_none() {
            // SAFETY: plain syscall on a process group we created.
            unsafe { libc::killpg(pid, libc::SIGKILL) };
            reaper::kill_descendants(launch.marker, pid);
            killed_at = Some(now);
        }
        if let Some(k) = killed_at {
            if now >= k + DRAIN_AFTER_KILL {
                // Something we may not kill holds a pipe: stop reading it. A child not yet
                // reaped has had SIGKILL and is reaped (blocking) below.
                break;
            }
        }
        let mut fds: Vec<libc::pollfd> = streams
            .iter()
            .filter_map(|s| s.fd.as_ref())
            .map(|fd| libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let probe_at = fds.len();
        let watch_probe = killed_at.is_none() && probe.as_ref().is_some_and(|(r, _)| r.is_some());
        if watch_probe {
            let (r, _) = probe.as_ref().expect("checked");
            fds.push(libc::pollfd {
                fd: r.as_ref().expect("checked").as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let watch_pidfd = exited.is_none() && pidfd.is_some();
        if watch_pidfd {
            fds.push(libc::pollfd {
                fd: pidfd.as_ref().expect("checked").as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let until = match killed_at {
            Some(k) => k + DRAIN_AFTER_KILL,
            None => deadline,
        };
        let mut wait = until.saturating_duration_since(now);
        if exited.is_none() && pidfd.is_none() {
            wait = wait.min(WAIT_POLL);
        }
        let ms = wait.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int;
        // SAFETY: fds is a valid array of pollfd.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let sig = crate::INTERRUPTED.load(Ordering::SeqCst);
        if sig != 0 {
            // Interrupted (see `install_signal_handlers`): the group has had SIGKILL; the
            // descendants that left it go too, then bench-runner exits as the signal asks.
            reaper::kill_descendants(launch.marker, pid);
            std::process::exit(128 + sig);
        }
        if exited.is_none() {
            let ready = !watch_pidfd || fds.last().is_some_and(|p| p.revents != 0);
            if ready {
                if let Some((status, rusage)) = try_reap(pid, false) {
                    exited = Some((status, rusage, start.elapsed()));
                    // What the workload left in its group (helpers, orphans) goes too.
                    // SAFETY: killpg takes plain integers; the group is the child's own.
                    unsafe { libc::killpg(pid, libc::SIGKILL) };
                }
            }
        }
        if watch_probe && fds[probe_at].revents != 0 {
            if let Some((req, rep)) = probe.as_mut() {
                serve_probes(req, rep, &mut probes_ns, &mut probes_overflow);
            }
        }
        for s in streams.iter_mut() {
            s.read(&mut buf);
        }
        if exited.is_some() && !streams.iter().any(|s| s.fd.is_some()) && killed_at.is_none() {
            // The pipes are closed: descendants that linger are killed now, not at the deadline.
            reaper::kill_descendants(launch.marker, pid);
        }
    }
    let (status, rusage, wall) = match exited {
        Some(e) => e,
        None => {
            let (s, r) = try_reap(pid, true).ok_or_else(std::io::Error::last_os_error)?;
            (s, r, start.elapsed())
        }
    };
    crate::CURRENT_PGID.store(0, Ordering::SeqCst);
    let [protocol, stdout, stderr] = streams.map(|s| s.kept);
    Ok(Finished {
        status,
        rusage,
        wall,
        timed_out: killed_at.is_some(),
        protocol,
        stdout,
        stderr,
        probes_ns,
        probes_overflow,
    })
}

/// Answer the probe requests waiting on `req`: one probe and one reply byte each. Closes `req`
/// at EOF or on an error (the child is gone or stopped asking).
fn serve_probes(
    req: &mut Option<OwnedFd>,
    rep: &OwnedFd,
    probes_ns: &mut Vec<u64>,
    overflow: &mut bool,
) {
    let Some(fd) = req.as_ref() else { return };
    let mut asks = [0u8; 64];
    // SAFETY: reading into a buffer we own from an fd we own.
    let n = unsafe { libc::read(fd.as_raw_fd(), asks.as_mut_ptr().cast(), asks.len()) };
    if n == 0 {
        *req = None;
        return;
    }
    if n < 0 {
        match std::io::Error::last_os_error().kind() {
            std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock => {}
            _ => *req = None,
        }
        return;
    }
    for _ in 0..n {
        let ns = crate::probe::run();
        if probes_ns.len() < MAX_PROBES {
            probes_ns.push(ns);
        } else {
            *overflow = true;
        }
        // SAFETY: writing one byte we own to an fd we own. A child that is gone makes this
        // fail (EPIPE; SIGPIPE is ignored in bench-runner), which is harmless.
        let _ = unsafe { libc::write(rep.as_raw_fd(), b"p".as_ptr().cast(), 1) };
    }
}
