//! Synthetic raw files for the summary tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use whichpy_wire::*;

pub fn machine(fingerprint: &str) -> Machine {
    Machine {
        cpu_model: "Test CPU".into(),
        cores: 2,
        kernel: "6.1.0".into(),
        os: "Debian GNU/Linux 12".into(),
        memory_kib: 8 << 20,
        governor: Some("performance".into()),
        fingerprint: fingerprint.into(),
    }
}

pub fn interp(id: &str, family: Family) -> InterpInfo {
    InterpInfo {
        id: id.into(),
        family,
        label: id.into(),
        executable: family.as_str().into(),
        flags: vec![],
        implementation: ImplInfo {
            name: family.as_str().into(),
            version: "1.0.0".into(),
            python: "3.11.0".into(),
            sys_version: "3.11.0 (test)".into(),
        },
        caveat: None,
        suite: None,
        variant_of: None,
        image: None,
    }
}

pub fn interps() -> Vec<InterpInfo> {
    vec![
        interp("cpython-3.13", Family::Cpython),
        interp("micropython-1.25", Family::Micropython),
        interp("pypy-7.3", Family::Pypy),
    ]
}

pub fn meta(run_id: &str, started_at: &str, fingerprint: &str) -> RunMeta {
    RunMeta {
        schema: SCHEMA,
        run_id: run_id.into(),
        started_at: started_at.into(),
        git_rev: "0123456789abcdef".into(),
        git_dirty: false,
        backend: BackendKind::Native,
        machine: machine(fingerprint),
        // Through JSON, so that fields added later with `#[serde(default)]` need no change here.
        params: serde_json::from_value::<RunParams>(serde_json::json!({
            "size": "default",
            "processes": 5,
            "iterations": 20,
            "startup_processes": 10,
            "timeout_s": 60.0,
            "interps": interps().into_iter().map(|i| i.id).collect::<Vec<_>>(),
            "workloads": ["nbody", "startup"],
            "target_ci": null,
        }))
        .expect("RunParams from JSON"),
        interpreters: interps(),
        cpus: None,
    }
}

pub fn exec(
    interp: &str,
    workload: &str,
    process: u32,
    iters: Vec<u64>,
    wall_ns: u64,
) -> ExecRecord {
    ExecRecord {
        schema: SCHEMA,
        interp: interp.into(),
        workload: workload.into(),
        size: SizeName::Default,
        process,
        outcome: Outcome::Ok,
        iterations_ns: iters,
        wall_ns,
        user_ns: wall_ns,
        sys_ns: 0,
        max_rss_kib: 10_000 + process as u64,
        checksum: Some("42".into()),
        clock: Some(ClockInfo {
            name: "perf_counter_ns".into(),
            resolution_ns: 1,
        }),
        implementation: None,
        stderr_tail: String::new(),
        loops: 1,
        noise: None,
        load: Vec::new(),
        mcu: None,
        probes_ns: Vec::new(),
    }
}

pub fn failed(interp: &str, workload: &str, process: u32, outcome: Outcome) -> ExecRecord {
    ExecRecord {
        outcome,
        iterations_ns: vec![],
        stderr_tail: "Traceback: boom".into(),
        ..exec(interp, workload, process, vec![], 1_000)
    }
}

pub fn raw(run_id: &str, records: Vec<ExecRecord>) -> RawFile {
    RawFile {
        path: PathBuf::from(format!("results/raw/{run_id}.jsonl")),
        meta: meta(run_id, "2026-11-23T10:00:00Z", "fp-test"),
        records,
    }
}

fn workload(name: &str, kind: WorkloadKind, unsupported: &[(Family, &str)]) -> WorkloadMeta {
    let spec = SizeSpec {
        n: 10,
        checksum: "42".into(),
        load: None,
        bytes: None,
        records: None,
    };
    WorkloadMeta {
        name: name.into(),
        category: name.into(),
        description: format!("{name} workload"),
        kind,
        sizes: Sizes {
            quick: spec.clone(),
            default: spec,
            tiny: None,
        },
        unsupported: unsupported
            .iter()
            .map(|(f, r)| (*f, r.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

pub fn suite() -> Suite {
    Suite {
        schema: SCHEMA,
        workloads: vec![
            workload("startup", WorkloadKind::Startup, &[]),
            workload("nbody", WorkloadKind::Iterations, &[]),
            workload("cli", WorkloadKind::Process, &[]),
            workload("spectral", WorkloadKind::Iterations, &[]),
            workload(
                "decimal",
                WorkloadKind::Iterations,
                &[(Family::Micropython, "MicroPython has no decimal module")],
            ),
        ],
    }
}

/// Deterministic pseudo-noise in [-1, 1].
pub fn noise(i: u64) -> f64 {
    let x = (i as f64 * 12.9898 + 78.233).sin() * 43758.5453;
    2.0 * (x - x.floor()) - 1.0
}

/// A series: `warm_len` iterations at `warm`, preceded by `slow` iterations at `cold`, with
/// relative noise `amp`.
pub fn series(seed: u64, cold: f64, slow: usize, warm: f64, n: usize, amp: f64) -> Vec<u64> {
    (0..n)
        .map(|i| {
            let level = if i < slow { cold } else { warm };
            (level * (1.0 + amp * noise(seed * 1000 + i as u64))) as u64
        })
        .collect()
}
