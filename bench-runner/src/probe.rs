//! The machine-state probe: a fixed, allocation-free piece of native code whose time tells
//! whether the core is in its fast or its slow state.
//!
//! Why: on the shared virtual machines whichpy runs on, the pinned vCPU has a *slow state*,
//! 30–60% slower for spells of a second to tens of seconds, that no `/proc` counter shows.
//! A workload's own slow iterations (a major GC, a JIT recompile) belong to the interpreter and
//! must stay in its estimate; the machine's must not. So the machine's state is measured apart
//! from the workload: between timed iterations the harness asks bench-runner (through a pipe
//! pair, see [`crate::child`]) to run this probe on the same core, and for startup and process
//! cells bench-runner runs it right before and after each process. The times go in the record
//! (`ExecRecord::probes_ns`), and `analyse` classes each iteration from them
//! (`whichpy_stats::state`).
//!
//! The probe is the same code for every interpreter and workload (it is bench-runner's, not
//! the interpreter's: no JIT warms it up, no GC interrupts it). Each run is [`CHUNKS`] chunks
//! of integer arithmetic and a dependent walk over a 4 MiB buffer (larger than the L2 cache of
//! the machines seen, since the slow state may hit memory harder than arithmetic); the probe's
//! time is its fastest chunk times [`CHUNKS`], so that an interrupt or the cold cache the
//! workload leaves behind (it evicts the buffer) does not read as a slow machine, while a slow
//! state, which lasts far longer than a probe, slows every chunk.

use std::sync::OnceLock;
use std::time::Instant;

/// Chunks per probe; the probe's time is the fastest chunk × `CHUNKS`.
pub const CHUNKS: u32 = 6;
/// Entries of the walk's buffer (`u32`): 4 MiB.
const WALK_ENTRIES: usize = 1 << 20;
/// Dependent loads per chunk.
const WALK_STEPS: u32 = 300;
/// Arithmetic rounds per chunk.
const ARITH_ROUNDS: u32 = 6_000;

/// The walk: a single cycle through the buffer in a fixed pseudo-random order, so each load
/// depends on the one before and the prefetcher cannot guess the next.
fn walk() -> &'static [u32] {
    static WALK: OnceLock<Vec<u32>> = OnceLock::new();
    WALK.get_or_init(|| {
        // Sattolo's algorithm on a fixed xorshift stream: one cycle through every entry.
        let mut order: Vec<u32> = (0..WALK_ENTRIES as u32).collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in (1..WALK_ENTRIES).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let j = (x % i as u64) as usize;
            order.swap(i, j);
        }
        let mut next = vec![0u32; WALK_ENTRIES];
        for w in 0..WALK_ENTRIES {
            next[order[w] as usize] = order[(w + 1) % WALK_ENTRIES];
        }
        next
    })
}

/// Build the walk's buffer now (a few milliseconds), so the first probe does not pay for it.
pub fn prepare() {
    let _ = walk();
}

/// One chunk of work; returns a value that depends on all of it.
#[inline(never)]
fn chunk(walk: &[u32], start: u32) -> u64 {
    let mut a: u64 = u64::from(start) | 1;
    for i in 0..ARITH_ROUNDS {
        a = a
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(u64::from(i));
        a ^= a >> 29;
    }
    let mut p = start as usize % walk.len();
    for _ in 0..WALK_STEPS {
        p = walk[p] as usize;
    }
    a ^ p as u64
}

/// Run the probe once: its time in nanoseconds (the fastest chunk × [`CHUNKS`]).
pub fn run() -> u64 {
    let walk = walk();
    let mut best = u64::MAX;
    let mut sink = 0u64;
    for c in 0..CHUNKS {
        let t0 = Instant::now();
        sink ^= std::hint::black_box(chunk(walk, std::hint::black_box(c * 7919)));
        let ns = t0.elapsed().as_nanos() as u64;
        best = best.min(ns);
    }
    std::hint::black_box(sink);
    best.saturating_mul(u64::from(CHUNKS)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_is_one_cycle_through_every_entry() {
        let w = walk();
        let mut seen = vec![false; w.len()];
        let mut p = 0usize;
        for _ in 0..w.len() {
            assert!(
                !seen[p],
                "entry {p} visited twice: the walk is not one cycle"
            );
            seen[p] = true;
            p = w[p] as usize;
        }
        assert_eq!(p, 0, "the walk does not come back to its start");
    }

    #[test]
    fn a_probe_takes_time_and_reports_it() {
        prepare();
        let ns = run();
        assert!(ns > 0);
    }
}
