//! Joining shards (`cargo xtask merge`): raw files of one refresh, each from one runner, into
//! one summary.
//!
//! Rules, checked before anything is computed:
//! - every shard was measured from the same commit, on a clean tree, unless the caller waives
//!   it ([`Waivers::mixed_source`], `merge --allow-mixed-source`; recorded in
//!   [`MergeInfo::waived`]);
//! - every shard used the same pins: an interpreter id has one implementation version, one
//!   image content digest and one image `inputs_hash` (bench-runner, harness, workloads)
//!   across shards;
//! - no record is a process execution longer than its run could have allowed (its timeout,
//!   or a service's load, plus a margin);
//! - no cell (interpreter × workload × size) is measured by two shards, except startup cells:
//!   every shard times startup, because its cold times need the startup of its own machine;
//! - every shard measured the baseline, because its ratios are taken on its own machine.
//!
//! Then shards are grouped by machine fingerprint and each group is summarised alone
//! ([`summarise`]): absolute times are pooled only within one machine. With one machine that is
//! the whole summary, the same as `analyse` of the unsplit data. With several, the groups'
//! cells, comparisons (each against its own machine's baseline), crossovers and compatibility
//! entries are joined; each cell is tagged with its machine; a startup cell measured on several
//! machines is taken from the first; the geometric means are recomputed over the joined ratios
//! with an interval by the delta method on the log ratios (each ratio's interval read as a
//! normal one on the log scale, the ratios independent). [`Summary::merge`] records all this.

use std::collections::{BTreeMap, BTreeSet};

use whichpy_wire::summary::{GeoMean, Interval, MergeInfo, MergedMachine, Summary};
use whichpy_wire::{CellKey, Machine, RawFile, Suite, WorkloadKind};

use crate::bootstrap::verdict;
use crate::{summarise, Options};

/// Why shards cannot be joined. Each names the files involved and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("no shard to merge: give the raw files of one refresh (shard-*/…jsonl)")]
    Empty,
    #[error(
        "different pins: {interp} is {a_what} in {a} but {b_what} in {b}; \
         every shard must be built from the same commit (containers/interpreters.lock)"
    )]
    DifferentPins {
        interp: String,
        a: String,
        a_what: String,
        b: String,
        b_what: String,
    },
    #[error(
        "{b} was measured from commit {b_rev} but {a} from {a_rev}: the shards of one refresh \
         come from one commit (rerun that shard, or pass --allow-mixed-source, which the \
         summary records)"
    )]
    DifferentCommits {
        a: String,
        a_rev: String,
        b: String,
        b_rev: String,
    },
    #[error(
        "{file} was measured from a tree with uncommitted changes (git_dirty) at {rev}: commit \
         and rerun that shard, or pass --allow-mixed-source, which the summary records"
    )]
    DirtyTree { file: String, rev: String },
    #[error(
        "{file}: {cell} process {process} took {wall_s} s, more than its run allowed \
         ({limit_s} s): not a record of this run"
    )]
    ImplausibleProcess {
        file: String,
        cell: String,
        process: u32,
        wall_s: u64,
        limit_s: u64,
    },
    #[error(
        "overlapping cells: {cell} was measured by {a} and by {b}; give each workload to one \
         shard only (startup is the one workload every shard measures)"
    )]
    Overlap { cell: String, a: String, b: String },
    #[error(
        "{file} has no successful record of the baseline {baseline}: every shard must run the \
         baseline, since its ratios are taken against the baseline on its own machine \
         (add `--interp {baseline}` to that shard's bench)"
    )]
    NoBaseline { file: String, baseline: String },
}

/// The identity of an interpreter's build: version, language level, image content and inputs
/// (the inputs hash covers bench-runner, the harness and the workloads in the image).
fn pin(i: &whichpy_wire::InterpInfo) -> String {
    let mut s = format!(
        "{} {} (Python {})",
        i.implementation.name, i.implementation.version, i.implementation.python
    );
    if let Some(img) = &i.image {
        s.push_str(&format!(
            ", image {} inputs {}",
            img.content_digest, img.inputs_hash
        ));
    }
    s
}

/// Rules a caller may waive, each recorded in the summary when used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Waivers {
    /// Shards from different commits or from trees with uncommitted changes.
    pub mixed_source: bool,
}

/// The longest a process execution of `workload` may take in a run with `timeout_s`: the
/// timeout (a service's grows to fit its load) and a margin for the kill and the clock.
fn max_wall_s(suite: &Suite, workload: &str, size: whichpy_wire::SizeName, timeout_s: f64) -> f64 {
    let load = suite
        .get(workload)
        .filter(|w| w.kind == WorkloadKind::Service)
        .and_then(|w| w.sizes.get(size))
        .and_then(|z| z.load.as_ref());
    let service = load.map_or(0.0, |l| {
        // bench-runner's bound: start-up, warm-up and each rate with its grace and pause.
        let phase = |s: f64| s + 0.5 + s / 2.0 + 0.2;
        40.0 + phase(l.warmup_s) + l.rates.len() as f64 * phase(l.seconds_per_rate)
    });
    timeout_s.max(service) + 60.0
}

/// What `waivers` let through, in words, for [`MergeInfo::waived`] (empty when nothing was).
fn waived(shards: &[(String, RawFile)], waivers: Waivers) -> Vec<String> {
    let mut out = Vec::new();
    if waivers.mixed_source {
        let revs: BTreeSet<&str> = shards
            .iter()
            .map(|(_, r)| r.meta.git_rev.as_str())
            .collect();
        let dirty: Vec<&str> = shards
            .iter()
            .filter(|(_, r)| r.meta.git_dirty)
            .map(|(n, _)| n.as_str())
            .collect();
        if revs.len() > 1 {
            out.push(format!(
                "--allow-mixed-source: shards from {} commits ({})",
                revs.len(),
                revs.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        if !dirty.is_empty() {
            out.push(format!(
                "--allow-mixed-source: shards from trees with uncommitted changes ({})",
                dirty.join(", ")
            ));
        }
    }
    out
}

/// Whether two machines differ only by their kernel build.
pub fn differ_only_by_kernel(a: &Machine, b: &Machine) -> bool {
    a.fingerprint != b.fingerprint
        && a.kernel != b.kernel
        && a.cpu_model == b.cpu_model
        && a.cores == b.cores
        && a.memory_kib == b.memory_kib
        && a.os == b.os
        && a.governor == b.governor
}

/// Check the shards against the rules of the module doc. `shards` pairs a name (the file) with
/// its raw file; `baseline` is the interpreter every ratio is taken against.
pub fn check(
    shards: &[(String, RawFile)],
    suite: &Suite,
    baseline: &str,
    waivers: Waivers,
) -> Result<(), MergeError> {
    if shards.is_empty() {
        return Err(MergeError::Empty);
    }
    if !waivers.mixed_source {
        let (first, first_raw) = &shards[0];
        for (name, raw) in shards {
            if raw.meta.git_rev != first_raw.meta.git_rev {
                return Err(MergeError::DifferentCommits {
                    a: first.clone(),
                    a_rev: first_raw.meta.git_rev.clone(),
                    b: name.clone(),
                    b_rev: raw.meta.git_rev.clone(),
                });
            }
            if raw.meta.git_dirty {
                return Err(MergeError::DirtyTree {
                    file: name.clone(),
                    rev: raw.meta.git_rev.clone(),
                });
            }
        }
    }
    for (name, raw) in shards {
        for r in &raw.records {
            let limit_s = max_wall_s(suite, &r.workload, r.size, raw.meta.params.timeout_s);
            if r.wall_ns as f64 / 1e9 > limit_s {
                return Err(MergeError::ImplausibleProcess {
                    file: name.clone(),
                    cell: r.key().to_string(),
                    process: r.process,
                    wall_s: r.wall_ns / 1_000_000_000,
                    limit_s: limit_s.ceil() as u64,
                });
            }
        }
    }
    let mut pins: BTreeMap<&str, (&str, String)> = BTreeMap::new();
    for (name, raw) in shards {
        for i in &raw.meta.interpreters {
            let p = pin(i);
            match pins.get(i.id.as_str()) {
                Some((first, q)) if *q != p => {
                    return Err(MergeError::DifferentPins {
                        interp: i.id.clone(),
                        a: first.to_string(),
                        a_what: q.clone(),
                        b: name.clone(),
                        b_what: p,
                    })
                }
                Some(_) => {}
                None => {
                    pins.insert(&i.id, (name, p));
                }
            }
        }
    }
    let mut owner: BTreeMap<CellKey, &str> = BTreeMap::new();
    for (name, raw) in shards {
        let mut mine = BTreeSet::new();
        for r in &raw.records {
            mine.insert(r.key());
        }
        for key in mine {
            if suite
                .get(&key.workload)
                .is_some_and(|w| w.kind == WorkloadKind::Startup)
            {
                continue;
            }
            if let Some(first) = owner.get(&key) {
                return Err(MergeError::Overlap {
                    cell: key.to_string(),
                    a: first.to_string(),
                    b: name.clone(),
                });
            }
            owner.insert(key, name);
        }
        if !raw
            .records
            .iter()
            .any(|r| r.interp == baseline && r.outcome.is_ok())
        {
            return Err(MergeError::NoBaseline {
                file: name.clone(),
                baseline: baseline.to_string(),
            });
        }
    }
    Ok(())
}

/// Merge shards (see the module doc). `opts.baseline` must be set.
pub fn merge(
    shards: &[(String, RawFile)],
    suite: &Suite,
    opts: &Options,
    waivers: Waivers,
) -> Result<Summary, MergeError> {
    let baseline = opts.baseline.clone().unwrap_or_default();
    check(shards, suite, &baseline, waivers)?;
    let waived = waived(shards, waivers);

    // Groups by fingerprint, in the order the shards came.
    let mut groups: Vec<(Machine, Vec<&(String, RawFile)>)> = Vec::new();
    for s in shards {
        let m = &s.1.meta.machine;
        match groups
            .iter_mut()
            .find(|(g, _)| g.fingerprint == m.fingerprint)
        {
            Some((_, v)) => v.push(s),
            None => groups.push((m.clone(), vec![s])),
        }
    }
    let mut kernel_only = Vec::new();
    for (i, (a, _)) in groups.iter().enumerate() {
        for (b, _) in &groups[i + 1..] {
            if differ_only_by_kernel(a, b) {
                kernel_only.push(format!(
                    "{} and {} differ only by the kernel build ({} vs {}): same CPU, cores, \
                     memory and OS, yet their absolute times are kept apart",
                    a.fingerprint, b.fingerprint, a.kernel, b.kernel
                ));
            }
        }
    }
    let summaries: Vec<(Machine, Vec<String>, Summary)> = groups
        .iter()
        .map(|(m, v)| {
            let raws: Vec<RawFile> = v.iter().map(|s| s.1.clone()).collect();
            let runs = v.iter().map(|s| s.1.meta.run_id.clone()).collect();
            (m.clone(), runs, summarise(&raws, suite, opts))
        })
        .collect();
    let suite_order = |names: &BTreeSet<String>| -> Vec<String> {
        let mut out: Vec<String> = suite
            .workloads
            .iter()
            .filter(|w| names.contains(&w.name))
            .map(|w| w.name.clone())
            .collect();
        out.extend(names.iter().filter(|n| suite.get(n).is_none()).cloned());
        out
    };
    let machines: Vec<MergedMachine> = summaries
        .iter()
        .map(|(m, runs, s)| MergedMachine {
            machine: m.clone(),
            runs: runs.clone(),
            workloads: suite_order(&s.cells.iter().map(|c| c.key.workload.clone()).collect()),
        })
        .collect();

    if summaries.len() == 1 {
        let (_, _, mut s) = summaries.into_iter().next().expect("one group");
        s.merge = Some(MergeInfo {
            machines,
            method: "one machine: every shard pooled as `analyse` pools runs".into(),
            kernel_only,
            waived,
        });
        return Ok(s);
    }

    let mut it = summaries.into_iter();
    let (_, _, mut out) = it.next().expect("groups");
    let first_fp = out.environment.machine.fingerprint.clone();
    for c in &mut out.cells {
        c.machine = Some(first_fp.clone());
    }
    for (m, _, s) in it {
        let have: BTreeSet<CellKey> = out.cells.iter().map(|c| c.key.clone()).collect();
        for mut c in s.cells {
            if have.contains(&c.key) {
                continue; // startup, measured on an earlier machine too
            }
            c.machine = Some(m.fingerprint.clone());
            out.cells.push(c);
        }
        let key = |c: &whichpy_wire::summary::Comparison| {
            (c.workload.clone(), c.size, c.metric, c.interp.clone())
        };
        let have: BTreeSet<_> = out.comparisons.iter().map(key).collect();
        out.comparisons.extend(
            s.comparisons
                .into_iter()
                .filter(|c| !have.contains(&key(c))),
        );
        for x in s.crossovers {
            if !out.crossovers.contains(&x) {
                out.crossovers.push(x);
            }
        }
        for e in s.compatibility {
            if !out
                .compatibility
                .iter()
                .any(|f| f.interp == e.interp && f.workload == e.workload && f.size == e.size)
            {
                out.compatibility.push(e);
            }
        }
        for w in s.warnings {
            if !out.warnings.contains(&w) {
                out.warnings.push(w);
            }
        }
        for w in s.workloads {
            if !out.workloads.iter().any(|x| x.name == w.name) {
                out.workloads.push(w);
            }
        }
        out.environment.runs.extend(s.environment.runs);
        for i in s.environment.interpreters {
            if !out.environment.interpreters.iter().any(|x| x.id == i.id) {
                out.environment.interpreters.push(i);
            }
        }
        if s.environment.data_date > out.environment.data_date {
            out.environment.data_date = s.environment.data_date;
        }
    }
    out.cells.sort_by(|a, b| a.key.cmp(&b.key));
    out.comparisons.sort_by(|a, b| {
        (&a.workload, a.size, a.metric.as_str(), &a.interp).cmp(&(
            &b.workload,
            b.size,
            b.metric.as_str(),
            &b.interp,
        ))
    });
    let order: BTreeMap<&str, usize> = suite
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| (w.name.as_str(), i))
        .collect();
    out.workloads
        .sort_by_key(|w| order.get(w.name.as_str()).copied().unwrap_or(usize::MAX));
    out.environment
        .runs
        .sort_by(|a, b| (&a.started_at, &a.run_id).cmp(&(&b.started_at, &b.run_id)));
    out.environment.interpreters.sort_by(|a, b| a.id.cmp(&b.id));
    out.geomeans = geomeans(&out);
    out.merge = Some(MergeInfo {
        machines,
        method: "several machines: absolute times are never pooled across machines (each \
                 cell's `machine` names the one its times come from; `environment.machine` is \
                 the first shard's); each ratio is against the baseline on its own machine; \
                 geometric means combine those ratios, with an interval by the delta method on \
                 the log ratios; a startup cell measured on several machines is the first's"
            .into(),
        kernel_only,
        waived,
    });
    Ok(out)
}

/// z of a two-sided 95% normal interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Geometric means of the ratios per (interp, baseline, size, metric), over the workloads that
/// have a comparison other than startup; the interval from the log ratios' intervals.
fn geomeans(s: &Summary) -> Vec<GeoMean> {
    let startup: BTreeSet<&str> = s
        .workloads
        .iter()
        .filter(|w| w.kind == WorkloadKind::Startup)
        .map(|w| w.name.as_str())
        .collect();
    let mut groups: BTreeMap<(String, String, _, &str), Vec<&whichpy_wire::summary::Comparison>> =
        BTreeMap::new();
    for c in &s.comparisons {
        if startup.contains(c.workload.as_str()) {
            continue;
        }
        groups
            .entry((
                c.interp.clone(),
                c.baseline.clone(),
                c.size,
                c.metric.as_str(),
            ))
            .or_default()
            .push(c);
    }
    let mut out = Vec::new();
    for ((interp, baseline, size, _), cs) in groups {
        let cs: Vec<_> = cs
            .into_iter()
            .filter(|c| c.ratio > 0.0 && c.ci.low > 0.0 && c.ci.high > 0.0)
            .collect();
        if cs.is_empty() {
            continue;
        }
        let k = cs.len() as f64;
        let mean_log = cs.iter().map(|c| c.ratio.ln()).sum::<f64>() / k;
        let var = cs
            .iter()
            .map(|c| ((c.ci.high.ln() - c.ci.low.ln()) / (2.0 * Z95)).powi(2))
            .sum::<f64>()
            / (k * k);
        let se = var.sqrt();
        let ci = Interval {
            low: (mean_log - Z95 * se).exp(),
            high: (mean_log + Z95 * se).exp(),
        };
        let mut workloads: Vec<String> = cs.iter().map(|c| c.workload.clone()).collect();
        workloads.sort();
        out.push(GeoMean {
            interp,
            baseline,
            size,
            metric: cs[0].metric,
            workloads,
            ratio: mean_log.exp(),
            ci,
            verdict: verdict(ci),
        });
    }
    out
}
