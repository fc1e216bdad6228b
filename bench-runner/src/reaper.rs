//! Nothing a process execution starts outlives it.
//!
//! bench-runner is a child subreaper (`PR_SET_CHILD_SUBREAPER`): a grandchild that calls
//! `setsid()` and whose parent exits is re-parented to bench-runner instead of to init, so it
//! can still be found (in `/proc/self/task/*/children`) and killed. A process execution's
//! descendants are recognised by the marker variable bench-runner puts in its environment
//! (`WHICHPY_EXEC=<pid>.<seq>`), which `fork` and `exec` pass on; the bench-runner binary owns
//! every child it has, so there [`set_owns_all_children`] makes every descendant a target,
//! marker or not (a workload that clears its environment does not escape).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Environment variable that marks the descendants of one process execution.
pub const MARKER_ENV: &str = "WHICHPY_EXEC";

static OWNS_ALL: AtomicBool = AtomicBool::new(false);

/// Every child of this process belongs to a process execution (true in the bench-runner
/// binary; false in a test binary, whose other tests have children of their own).
pub fn set_owns_all_children(yes: bool) {
    OWNS_ALL.store(yes, Ordering::SeqCst);
}

/// Become a child subreaper, once. Returns false where the kernel refuses (then a `setsid`
/// grandchild is re-parented to init, and only the pipe deadline still holds it).
pub fn become_subreaper() -> bool {
    static DONE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    // SAFETY: prctl with an integer argument.
    *DONE.get_or_init(|| unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == 0)
}

fn children_of(pid: &str) -> Vec<libc::pid_t> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            out.extend(
                text.split_whitespace()
                    .filter_map(|p| p.parse::<libc::pid_t>().ok()),
            );
        }
    }
    out
}

fn carries_marker(pid: libc::pid_t, marker: &str) -> bool {
    let want = format!("{MARKER_ENV}={marker}");
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|env| env.split(|&b| b == 0).any(|kv| kv == want.as_bytes()))
        .unwrap_or(false)
}

/// Descendants of this process that belong to the process execution marked `marker`: our
/// children that carry the marker (or all of them, see [`set_owns_all_children`]), and all of
/// their descendants.
pub fn descendants(marker: &str) -> Vec<libc::pid_t> {
    let owns_all = OWNS_ALL.load(Ordering::SeqCst);
    let mut found: Vec<libc::pid_t> = children_of("self")
        .into_iter()
        .filter(|&p| owns_all || carries_marker(p, marker))
        .collect();
    let mut i = 0;
    while i < found.len() {
        for c in children_of(&found[i].to_string()) {
            if !found.contains(&c) {
                found.push(c);
            }
        }
        i += 1;
    }
    found
}

/// SIGKILL every descendant of the process execution `marker` (repeating while new ones
/// appear, up to a few rounds, since a process may fork while we look), then reap those that
/// were our children, except `child` (the execution's own process, which the caller reaps
/// with `wait4` for its rusage). Returns how many processes were killed.
pub fn kill_descendants(marker: &str, child: libc::pid_t) -> usize {
    let mut killed: Vec<libc::pid_t> = Vec::new();
    for _ in 0..5 {
        let found: Vec<_> = descendants(marker)
            .into_iter()
            .filter(|p| !killed.contains(p))
            .collect();
        if found.is_empty() {
            break;
        }
        for &p in &found {
            // SAFETY: a plain signal to a process found among our descendants.
            unsafe { libc::kill(p, libc::SIGKILL) };
        }
        killed.extend(found);
    }
    let n = killed.len();
    killed.retain(|&p| p != child);
    reap(&killed);
    n
}

/// Reap the zombies among `pids` that are our children, waiting at most a moment for each.
fn reap(pids: &[libc::pid_t]) {
    let until = Instant::now() + Duration::from_millis(500);
    let mut left: Vec<libc::pid_t> = pids.to_vec();
    while !left.is_empty() {
        left.retain(|&p| {
            let mut status = 0;
            // SAFETY: waitpid on a specific pid; ECHILD (not our child) ends the wait.
            let r = unsafe { libc::waitpid(p, &mut status, libc::WNOHANG) };
            r == 0
        });
        if left.is_empty() || Instant::now() >= until {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
