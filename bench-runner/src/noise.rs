//! What else the machine did during a process execution, from `/proc/stat`.
//!
//! The first line of `/proc/stat` is host-wide, also inside a container: jiffies (`USER_HZ`)
//! of user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice. Over one
//! process execution, the machine's non-idle time (user + nice + system + irq + softirq;
//! guest time is already inside user) minus the child's CPU time (from `wait4`) and
//! bench-runner's own is what other processes took: a neighbour. Steal is kept apart: it is
//! time the hypervisor gave to another guest.

use whichpy_wire::Noise;

/// One reading of the machine-wide CPU counters, in jiffies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuTimes {
    pub busy: u64,
    pub steal: u64,
}

/// Read `/proc/stat`, or `None` where it is not readable.
pub fn read() -> Option<CpuTimes> {
    parse(&std::fs::read_to_string("/proc/stat").ok()?)
}

pub fn parse(text: &str) -> Option<CpuTimes> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    Some(CpuTimes {
        busy: at(0) + at(1) + at(2) + at(5) + at(6),
        steal: at(7),
    })
}

fn jiffy_ns() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    1_000_000_000 / if hz > 0 { hz as u64 } else { 100 }
}

/// CPU time (user + sys) this thread has used so far, ns: bench-runner's own share.
pub fn own_cpu_ns() -> u64 {
    // SAFETY: rusage is plain old data; getrusage fills it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: ru is a valid out-pointer for getrusage.
    if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) } != 0 {
        return 0;
    }
    crate::timeval_ns(ru.ru_utime) + crate::timeval_ns(ru.ru_stime)
}

/// The noise between two readings, given the child's and our own CPU time over the interval.
pub fn between(before: CpuTimes, after: CpuTimes, child_cpu_ns: u64, own_ns: u64) -> Noise {
    let j = jiffy_ns();
    let busy = after.busy.saturating_sub(before.busy) * j;
    Noise {
        foreign_cpu_ns: busy.saturating_sub(child_cpu_ns).saturating_sub(own_ns),
        steal_ns: after.steal.saturating_sub(before.steal) * j,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cpu_line_and_floors_at_zero() {
        let a = parse("cpu  100 5 50 1000 7 3 2 4 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n").unwrap();
        assert_eq!(
            a,
            CpuTimes {
                busy: 160,
                steal: 4
            }
        );
        let b = CpuTimes {
            busy: 260,
            steal: 6,
        };
        let j = jiffy_ns();
        let n = between(a, b, 30 * j, 10 * j);
        assert_eq!(n.foreign_cpu_ns, 60 * j);
        assert_eq!(n.steal_ns, 2 * j);
        // The child's CPU time can exceed the machine's busy delta by rounding: never negative.
        assert_eq!(between(a, b, 500 * j, 0).foreign_cpu_ns, 0);
        assert_eq!(parse("intr 1 2\n"), None);
    }
}
