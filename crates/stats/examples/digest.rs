//! Summarise raw files and print a digest: `cargo run -p whichpy-stats --example digest --
//! results/raw/*.jsonl [--suite bench-runner/workloads/suite.json] [--json OUT]`.
//!
//! A developer's look at real data; `cargo xtask analyse` is the real command.
#![allow(clippy::print_stdout)] // an example prints its digest

use std::path::PathBuf;

use whichpy_stats::{summarise, Options};
use whichpy_wire::{parse_json_file, RawFile, Suite, SCHEMA};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    let mut suite_path = PathBuf::from("bench-runner/workloads/suite.json");
    let mut json_out = None;
    let mut pyperf_dir: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--suite" => suite_path = args.next().ok_or("--suite needs a path")?.into(),
            "--json" => json_out = Some(PathBuf::from(args.next().ok_or("--json needs a path")?)),
            "--pyperf-dir" => {
                pyperf_dir = Some(PathBuf::from(
                    args.next().ok_or("--pyperf-dir needs a path")?,
                ))
            }
            _ => files.push(PathBuf::from(a)),
        }
    }
    let suite: Suite = if suite_path.exists() {
        parse_json_file(&suite_path)?
    } else {
        eprintln!(
            "no {}: workload kinds inferred from the data",
            suite_path.display()
        );
        Suite {
            schema: SCHEMA,
            workloads: vec![],
        }
    };
    let raws = files
        .iter()
        .map(|f| RawFile::read(f))
        .collect::<Result<Vec<_>, _>>()?;
    let s = summarise(&raws, &suite, &Options::default());
    if let Some(dir) = &pyperf_dir {
        use whichpy_stats::export::{pyperf::PyperfExporter, Exporter};
        std::fs::create_dir_all(dir)?;
        for i in &s.environment.interpreters {
            for metric in whichpy_stats::export::pyperf::METRICS {
                let e = PyperfExporter {
                    interp: i.id.clone(),
                    metric,
                    all_runs: false,
                };
                if let Ok(bytes) = e.export(&s, &raws) {
                    std::fs::write(
                        dir.join(format!("{}-{}.json", i.id, metric.as_str())),
                        bytes,
                    )?;
                }
            }
        }
    }
    if let Some(out) = json_out {
        std::fs::write(out, serde_json::to_string_pretty(&s)?)?;
    }
    println!(
        "baseline {} · machine {} · data {}",
        s.analysis.baseline, s.environment.machine.cpu_model, s.environment.data_date
    );
    let ms = |x: f64| x / 1e6;
    for c in &s.cells {
        let est = |e: &Option<whichpy_wire::summary::Estimate>| match e {
            Some(e) => match e.ci {
                Some(ci) => format!("{:.3} [{:.3}, {:.3}]", ms(e.mean), ms(ci.low), ms(ci.high)),
                None => format!("{:.3}", ms(e.mean)),
            },
            None => "-".into(),
        };
        let class = c.warmup.as_ref().map_or("-".to_string(), |w| {
            let counts: Vec<String> = w
                .counts
                .iter()
                .filter(|(_, &n)| n > 0)
                .map(|(k, n)| format!("{n} {}", k.as_str()))
                .collect();
            format!("{:?}: {}", w.consistency, counts.join(", "))
        });
        println!(
            "{} | ok {} failed {} | warm-up {} | cold ms {} | warm ms {} | wall ms {} | rss median {:?} KiB",
            c.key, c.processes_ok, c.processes_failed, class, est(&c.cold_ns), est(&c.warm_ns), est(&c.wall_ns),
            c.memory.as_ref().map(|m| m.median_kib)
        );
        for p in &c.process_details {
            if !p.changepoints.is_empty() || p.iterations > 0 {
                println!(
                    "    p{} {:?} cps {:?} steady_start {} outliers {:?}",
                    p.process, p.class, p.changepoints, p.steady_start, p.outliers
                );
            }
        }
    }
    for c in &s.comparisons {
        println!(
            "{} vs {} {} {:?}: {:.3} [{:.3}, {:.3}] {:?}",
            c.interp, c.baseline, c.workload, c.metric, c.ratio, c.ci.low, c.ci.high, c.verdict
        );
    }
    for g in &s.geomeans {
        println!(
            "geomean {} {:?} over {:?}: {:.3} [{:.3}, {:.3}] {:?}",
            g.interp, g.metric, g.workloads, g.ratio, g.ci.low, g.ci.high, g.verdict
        );
    }
    for c in &s.crossovers {
        println!(
            "crossover {} vs {} {}: {:?} after {} iterations ({:.1} ms){}",
            c.interp,
            c.baseline,
            c.workload,
            c.direction,
            c.iterations,
            ms(c.time_ns),
            if c.extrapolated { " extrapolated" } else { "" }
        );
    }
    for w in &s.warnings {
        println!(
            "warning {}: {}",
            w.cell.as_ref().map_or("-".to_string(), |c| c.to_string()),
            w.message
        );
    }
    Ok(())
}
