//! What machine a run happens on (recorded in every raw file, shown beside every figure).

use sha2::{Digest, Sha256};
use whichpy_wire::Machine;

/// Read the machine's facts from /proc and /sys. Unreadable facts become "unknown".
pub fn probe() -> Machine {
    let cpu_model = cpu_model(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1);
    let kernel = read_trim("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into());
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_owned())
            })
        })
        .unwrap_or_else(|| "unknown".into());
    let memory_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0);
    let governor = read_trim(GOVERNOR);
    assemble(cpu_model, cores, kernel, os, memory_kib, governor)
}

/// Where the frequency governor of the first CPU is read (absent on many VMs).
pub const GOVERNOR: &str = "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor";

/// The CPU model of a `/proc/cpuinfo` text (its first `model name`), or "unknown".
pub fn cpu_model(cpuinfo: &str) -> String {
    cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// A machine from its facts, wherever they were read (this host's `/proc`, or an engine's
/// `docker info` and a container's `/proc/cpuinfo`): the fingerprint is the same function of
/// them, so one machine gets one fingerprint whichever way it was probed.
pub fn assemble(
    cpu_model: String,
    cores: u32,
    kernel: String,
    os: String,
    memory_kib: u64,
    governor: Option<String>,
) -> Machine {
    let fingerprint = fingerprint(&cpu_model, cores, memory_kib, &kernel);
    Machine {
        cpu_model,
        cores,
        kernel,
        os,
        memory_kib,
        governor,
        fingerprint,
    }
}

/// Short hash identifying a machine class. Memory is rounded to GiB so that a few MiB of
/// reserved memory do not split one machine in two.
pub fn fingerprint(cpu_model: &str, cores: u32, memory_kib: u64, kernel: &str) -> String {
    let gib = (memory_kib + (1 << 19)) >> 20;
    let digest = Sha256::digest(format!("{cpu_model}|{cores}|{gib}|{kernel}"));
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn read_trim(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}
