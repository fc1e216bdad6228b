//! Telling the OOM killer apart from any other SIGKILL.
//!
//! Inside a container the memory cgroup counts its OOM kills: `memory.events` (cgroup v2) or
//! `memory.oom_control` (cgroup v1, kernel >= 4.13). A SIGKILL while that counter moved is the
//! memory limit, not a crash.

/// The cgroup's OOM-kill counter, or 0 where none is readable (e.g. on some hosts).
pub fn kill_count() -> u64 {
    const FILES: [&str; 2] = [
        "/sys/fs/cgroup/memory.events",
        "/sys/fs/cgroup/memory/memory.oom_control",
    ];
    FILES
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .find_map(|text| parse_oom_kill(&text))
        .unwrap_or(0)
}

fn parse_oom_kill(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("oom_kill "))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_both_cgroup_formats() {
        assert_eq!(
            super::parse_oom_kill("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"),
            Some(1)
        );
        assert_eq!(
            super::parse_oom_kill("oom_kill_disable 0\nunder_oom 0\noom_kill 7\n"),
            Some(7)
        );
        assert_eq!(super::parse_oom_kill("oom_kill_disable 0\n"), None);
    }
}
