//! A synthetic but complete summary for the chart and site tests: three interpreters, a startup
//! cell, a workload with a JIT-like warm-up, one that MicroPython cannot run, and one where PyPy
//! crashes. Built through `whichpy_stats::summarise`, so it always has the current schema.
//! Shared with `crates/site/tests` through `#[path]`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use whichpy_wire::summary::Summary;
use whichpy_wire::*;

/// What a test may change in the fixture.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// Name of the workload with the warm-up (`nbody` by default).
    pub workload: String,
    /// Label of the PyPy interpreter.
    pub pypy_label: String,
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture {
            workload: "nbody".into(),
            pypy_label: "PyPy 7.3".into(),
        }
    }
}

/// The markup that must stay text wherever a name or label is shown.
pub const INJECTION: &str = "<script>alert(1)</script></script><script>alert(2)</script>";

pub fn summary() -> Summary {
    build(&Fixture::default())
}

fn noise(i: u64) -> f64 {
    // A small LCG: deterministic on every platform.
    let x = i
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((x >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
}

fn interp(id: &str, family: Family, label: &str, version: &str, python: &str) -> InterpInfo {
    InterpInfo {
        id: id.into(),
        family,
        label: label.into(),
        executable: format!("/usr/bin/{}", family.as_str()),
        flags: vec![],
        implementation: ImplInfo {
            name: family.as_str().into(),
            version: version.into(),
            python: python.into(),
            sys_version: format!("{python} (fixture)"),
        },
        caveat: None,
        suite: None,
        variant_of: None,
        image: Some(ImageInfo {
            id: format!("sha256:{}", "ab".repeat(32)),
            content_digest: format!("sha256:{}", "cd".repeat(32)),
            inputs_hash: "0123456789abcdef".into(),
            packages: vec![Package {
                name: family.as_str().into(),
                version: version.into(),
            }],
        }),
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
        category: if kind == WorkloadKind::Startup {
            "startup".into()
        } else {
            "float".into()
        },
        description: format!("The {name} fixture workload."),
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

fn exec(
    interp: &str,
    workload: &str,
    process: u32,
    iters: Vec<u64>,
    wall_ns: u64,
    rss: u64,
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
        max_rss_kib: rss,
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

pub fn build(f: &Fixture) -> Summary {
    let interps = vec![
        interp(
            "cpython-3.13",
            Family::Cpython,
            "CPython 3.13",
            "3.13.5",
            "3.13.5",
        ),
        interp(
            "micropython-1.25",
            Family::Micropython,
            "MicroPython 1.25",
            "1.25.0",
            "3.4.0",
        ),
        interp("pypy-7.3", Family::Pypy, &f.pypy_label, "7.3.19", "3.11.11"),
    ];
    let suite = Suite {
        schema: SCHEMA,
        workloads: vec![
            workload("startup", WorkloadKind::Startup, &[]),
            workload(&f.workload, WorkloadKind::Iterations, &[]),
            workload(
                "decimal_math",
                WorkloadKind::Iterations,
                &[(Family::Micropython, "MicroPython has no decimal module")],
            ),
            workload("threads", WorkloadKind::Iterations, &[]),
        ],
    };
    // (interp, startup ns, per-iteration ns, cold factor, warm-up iterations, rss KiB)
    let profiles = [
        ("cpython-3.13", 18e6, 40e6, 1.05, 0usize, 9_000u64),
        ("micropython-1.25", 4e6, 90e6, 1.0, 0, 2_500),
        ("pypy-7.3", 45e6, 6e6, 12.0, 4, 60_000),
    ];
    let mut records = Vec::new();
    let mut seed = 1u64;
    let mut next = || {
        seed += 1;
        noise(seed)
    };
    for (id, startup, iter, cold, warm_iters, rss) in profiles {
        for p in 0..10 {
            let wall = (startup * (1.0 + 0.03 * next())) as u64;
            records.push(exec(id, "startup", p, vec![], wall, rss / 2));
        }
        for (w, scale) in [
            (f.workload.as_str(), 1.0),
            ("decimal_math", 0.5),
            ("threads", 2.0),
        ] {
            for p in 0..5u32 {
                if w == "decimal_math" && id == "micropython-1.25" {
                    let mut r = exec(id, w, p, vec![], 0, 0);
                    r.outcome = Outcome::Unsupported {
                        reason: "MicroPython has no decimal module".into(),
                    };
                    r.checksum = None;
                    records.push(r);
                    continue;
                }
                if w == "threads" && id == "pypy-7.3" && p >= 3 {
                    let mut r = exec(id, w, p, vec![], 1_000_000, rss);
                    r.outcome = Outcome::Crashed {
                        exit_code: Some(1),
                        signal: None,
                    };
                    r.checksum = None;
                    r.stderr_tail = "RuntimeError: fixture crash".into();
                    records.push(r);
                    continue;
                }
                let iters: Vec<u64> = (0..20)
                    .map(|i| {
                        let decay = if i < warm_iters {
                            cold * (1.0 - i as f64 / warm_iters as f64) + 1.0
                        } else if i == 0 {
                            cold
                        } else {
                            1.0
                        };
                        (iter * scale * decay * (1.0 + 0.02 * next())) as u64
                    })
                    .collect();
                let total: u64 = iters.iter().sum();
                records.push(exec(
                    id,
                    w,
                    p,
                    iters,
                    total + startup as u64,
                    rss + 100 * p as u64,
                ));
            }
        }
    }
    let meta = RunMeta {
        schema: SCHEMA,
        run_id: "20261123T100000Z-native".into(),
        started_at: "2026-11-23T10:00:00Z".into(),
        git_rev: "0123456789abcdef0123456789abcdef01234567".into(),
        git_dirty: false,
        backend: BackendKind::Native,
        machine: Machine {
            cpu_model: "Fixture CPU @ 2.0GHz".into(),
            cores: 2,
            kernel: "6.1.0".into(),
            os: "Debian GNU/Linux 12 (bookworm)".into(),
            memory_kib: 8 << 20,
            governor: Some("performance".into()),
            fingerprint: "fixture00001".into(),
        },
        // From JSON, so that optional fields added to the wire type later default.
        params: serde_json::from_value(serde_json::json!({
            "size": "default",
            "processes": 5,
            "iterations": 20,
            "startup_processes": 10,
            "timeout_s": 60.0,
            "interps": interps.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
            "workloads": suite.workloads.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
        }))
        .expect("run parameters"),
        interpreters: interps,
        cpus: None,
    };
    let raw = RawFile {
        path: PathBuf::from("results/raw/20261123T100000Z-native.jsonl"),
        meta,
        records,
    };
    let opts = whichpy_stats::Options {
        baseline: Some("cpython-3.13".into()),
        bootstrap_resamples: 400,
        ..Default::default()
    };
    whichpy_stats::summarise(&[raw], &suite, &opts)
}
