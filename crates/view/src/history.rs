//! How each interpreter moved between Debian releases, and what its variants change.
//!
//! Every figure is a ratio against the run's one baseline (the summary's
//! `analysis.baseline`), from the same summary: the releases of a family (Debian 12, 13,
//! unstable; the suite of each interpreter's image) and the variants (an interpreter with
//! `variant_of`: PyPy with its JIT off, MicroPython's native emitter, a free-threaded CPython)
//! are only ever compared within one summary, so nothing is pooled across machines beyond what
//! the summary itself pooled. Where the data lacks them, the lists are empty and `present` is
//! false; pages and the article say so.

use serde::Serialize;
use whichpy_wire::summary::Metric;
use whichpy_wire::{Family, InterpInfo};

use crate::figure::{self, RatioView};
use crate::lookup::Lookup;
use crate::words::family_name;

/// The workload the history follows besides the suite's geometric mean.
pub const HISTORY_WORKLOAD: &str = "nbody";

#[derive(Clone, Debug, Serialize)]
pub struct HistoryView {
    /// Label of the interpreter every ratio is taken against.
    pub baseline: String,
    /// `nbody`, when measured.
    pub workload: Option<String>,
    /// Families with at least two releases in the data, in family order.
    pub families: Vec<FamilyHistory>,
    /// Every variant whose plain interpreter is in the data too.
    pub variants: Vec<VariantRow>,
    /// At least one family has two releases.
    pub present: bool,
    /// Each family's oldest release, where it has a suite figure and is not the baseline (the
    /// article's sentence on older releases), in family order.
    pub oldest: Vec<Oldest>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Oldest {
    pub family: String,
    pub release: Release,
}

#[derive(Clone, Debug, Serialize)]
pub struct FamilyHistory {
    /// `PyPy`.
    pub family: String,
    /// Oldest Debian release first.
    pub releases: Vec<Release>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Release {
    pub id: String,
    pub label: String,
    /// What the interpreter reported (`3.13.5`, `7.3.19`).
    pub version: String,
    /// `Debian 12`, `Debian 13`, `Debian unstable`, or the suite's name.
    pub debian: String,
    pub baseline: bool,
    /// Warm steady state of [`HISTORY_WORKLOAD`] against the baseline.
    pub workload: Option<RatioView>,
    /// Geometric mean of the warm ratios over the suite.
    pub geomean: Option<RatioView>,
    /// Workloads in the geometric mean.
    pub geomean_count: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct VariantRow {
    pub id: String,
    pub label: String,
    /// The interpreter it is a variant of.
    pub of_id: String,
    pub of_label: String,
    /// `--jit off`, or empty for a variant that differs by its build.
    pub flags: String,
    pub caveat: Option<String>,
    pub workload: Option<RatioView>,
    pub of_workload: Option<RatioView>,
    pub geomean: Option<RatioView>,
    pub of_geomean: Option<RatioView>,
    /// Peak memory of an empty program (the startup workload), of the variant and of its plain
    /// interpreter: what a build such as a free-threaded CPython costs in memory.
    pub startup_memory: Option<figure::Fig>,
    pub of_startup_memory: Option<figure::Fig>,
}

/// A version's place in Debian's version order (dpkg's: epoch first, `~` before anything, so
/// `3.14.0~rc1` before `3.14.0`, and numbers compared as numbers, so `3.9` before `3.13`),
/// by the debversion crate. A string Debian cannot read sorts before every version it can,
/// among such strings by text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum VersionKey {
    Unreadable(String),
    Debian(debversion::Version),
}

/// The [`VersionKey`] of a version string.
pub fn version_key(v: &str) -> VersionKey {
    v.trim().parse::<debversion::Version>().map_or_else(
        |_| VersionKey::Unreadable(v.to_string()),
        VersionKey::Debian,
    )
}

/// Debian's name for a suite, and its order (oldest first).
pub fn debian_release(suite: &str) -> (String, u32) {
    match suite {
        "bullseye" => ("Debian 11".into(), 11),
        "bookworm" => ("Debian 12".into(), 12),
        "trixie" => ("Debian 13".into(), 13),
        "forky" => ("Debian 14".into(), 14),
        "sid" | "unstable" => ("Debian unstable".into(), 99),
        other => (other.to_string(), 98),
    }
}

/// The history and variants of a summary. `cite` gives a workload's footnote label, `suite_cite`
/// the geometric mean's.
pub fn build(
    look: Lookup,
    level: &str,
    cite: &dyn Fn(&str) -> String,
    suite_cite: &str,
) -> HistoryView {
    let s = look.s;
    let baseline = s.analysis.baseline.clone();
    let workload = look
        .iteration_workloads()
        .into_iter()
        .find(|w| w == HISTORY_WORKLOAD);
    let ratio_of = |id: &str| -> Option<RatioView> {
        let w = workload.as_deref()?;
        look.ratio_view(id, w, Metric::Warm, level, &cite(w))
    };
    let geo_of = |id: &str| -> (Option<RatioView>, usize) {
        match look.geomean(id, Metric::Warm) {
            Some(g) => (
                Some(figure::ratio(
                    g.ratio, g.ci.low, g.ci.high, g.verdict, level, suite_cite,
                )),
                g.workloads.len(),
            ),
            None => (None, 0),
        }
    };
    let release = |i: &InterpInfo, suite: &str| -> Release {
        let (geomean, geomean_count) = geo_of(&i.id);
        Release {
            id: i.id.clone(),
            label: i.label.clone(),
            version: i.implementation.version.clone(),
            debian: debian_release(suite).0,
            baseline: i.id == baseline,
            workload: ratio_of(&i.id),
            geomean,
            geomean_count,
        }
    };
    let interps = &s.environment.interpreters;
    let mut families = Vec::new();
    for family in [Family::Cpython, Family::Pypy, Family::Micropython] {
        let mut rels: Vec<(&InterpInfo, &str)> = interps
            .iter()
            .filter(|i| i.family == family && i.variant_of.is_none() && i.flags.is_empty())
            .filter_map(|i| Some((i, i.suite.as_deref()?)))
            .collect();
        rels.sort_by_key(|(i, suite)| {
            (
                debian_release(suite).1,
                version_key(&i.implementation.version),
            )
        });
        if rels.len() >= 2 {
            families.push(FamilyHistory {
                family: family_name(family).to_string(),
                releases: rels.iter().map(|(i, s)| release(i, s)).collect(),
            });
        }
    }
    let startup_memory = |id: &str| -> Option<figure::Fig> {
        let w = look.startup_workload()?;
        figure::memory(look.cell(id, w)?, &cite(w))
    };
    let variants = interps
        .iter()
        .filter_map(|v| {
            let of = look.interp(v.variant_of.as_deref()?)?;
            Some(VariantRow {
                id: v.id.clone(),
                label: v.label.clone(),
                of_id: of.id.clone(),
                of_label: of.label.clone(),
                flags: v.flags.join(" "),
                caveat: v.caveat.clone(),
                workload: ratio_of(&v.id),
                of_workload: ratio_of(&of.id),
                geomean: geo_of(&v.id).0,
                of_geomean: geo_of(&of.id).0,
                startup_memory: startup_memory(&v.id),
                of_startup_memory: startup_memory(&of.id),
            })
        })
        .collect();
    let oldest = families
        .iter()
        .filter_map(|f| {
            let r = f.releases.first()?;
            (r.geomean.is_some() && !r.baseline).then(|| Oldest {
                family: f.family.clone(),
                release: r.clone(),
            })
        })
        .collect();
    HistoryView {
        oldest,
        baseline: look
            .interp(&baseline)
            .map_or(baseline.clone(), |i| i.label.clone()),
        workload,
        present: !families.is_empty(),
        families,
        variants,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use whichpy_wire::summary::Summary;

    #[test]
    fn versions_sort_in_debian_s_order() {
        let mut v = vec![
            "3.13.5",
            "3.9.16",
            "1:2.0",
            "3.14.0",
            "3.14.0~rc1",
            "7.3.19",
            "7.3.11",
            "3.13.5-2",
        ];
        v.sort_by_key(|x| version_key(x));
        assert_eq!(
            v,
            vec![
                "3.9.16",
                "3.13.5",
                "3.13.5-2",
                "3.14.0~rc1",
                "3.14.0",
                "7.3.11",
                "7.3.19",
                "1:2.0"
            ]
        );
        assert!(version_key("not a version!") < version_key("0.1"));
    }

    /// Compiled in: the view does no I/O, not even in its tests.
    const FIXTURE: &str = include_str!("../../render/tests/fixtures/pypy-faster.json");

    /// The pypy-faster fixture, with its PyPy moved to Debian 13 and a copy of it, renamed, as
    /// a Debian 12 release and as a JIT-off variant.
    fn summary() -> Summary {
        let mut s: Summary = serde_json::from_str(FIXTURE).unwrap();
        let env = &mut s.environment.interpreters;
        let pypy = env.iter_mut().find(|i| i.id == "pypy-host").unwrap();
        pypy.suite = Some("trixie".into());
        let mut old = pypy.clone();
        old.id = "pypy-old".into();
        old.suite = Some("bookworm".into());
        old.implementation.version = "7.3.11".into();
        let mut nojit = pypy.clone();
        nojit.id = "pypy-nojit".into();
        nojit.flags = vec!["--jit".into(), "off".into()];
        nojit.variant_of = Some("pypy-host".into());
        env.push(old);
        env.push(nojit);
        for id in ["pypy-old", "pypy-nojit"] {
            let mut g = s
                .geomeans
                .iter()
                .find(|g| g.interp == "pypy-host" && g.metric == Metric::Warm)
                .unwrap()
                .clone();
            g.interp = id.into();
            g.ratio *= 2.0;
            g.ci.low *= 2.0;
            g.ci.high *= 2.0;
            s.geomeans.push(g);
        }
        s
    }

    #[test]
    fn releases_are_ordered_by_debian_and_variants_face_their_plain_interpreter() {
        let s = summary();
        let h = build(
            Lookup::new(&s),
            "95",
            &|w| format!("bench-{w}"),
            "bench-suite",
        );
        assert!(h.present);
        assert_eq!(h.baseline, "CPython (host)");
        let pypy = &h.families[0];
        assert_eq!(pypy.family, "PyPy");
        let order: Vec<(&str, &str)> = pypy
            .releases
            .iter()
            .map(|r| (r.id.as_str(), r.debian.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![("pypy-old", "Debian 12"), ("pypy-host", "Debian 13")]
        );
        let old = pypy.releases[0].geomean.as_ref().unwrap();
        let new = pypy.releases[1].geomean.as_ref().unwrap();
        assert_eq!(old.cite, "bench-suite");
        assert!(old.sort.parse::<f64>().unwrap() > new.sort.parse::<f64>().unwrap());
        // The old release has no nbody comparison in the data: none is made up.
        assert!(pypy.releases[0].workload.is_none());
        assert_eq!(
            pypy.releases[1].workload.as_ref().unwrap().cite,
            "bench-nbody"
        );
        assert_eq!(h.oldest.len(), 1);
        assert_eq!(h.oldest[0].release.id, "pypy-old");
        let ends = (
            pypy.releases.first().unwrap().id.as_str(),
            pypy.releases.last().unwrap().id.as_str(),
        );
        assert_eq!(ends, ("pypy-old", "pypy-host"));
        assert_eq!(h.variants.len(), 1);
        let v = &h.variants[0];
        assert_eq!(
            (v.id.as_str(), v.of_id.as_str()),
            ("pypy-nojit", "pypy-host")
        );
        assert_eq!(v.flags, "--jit off");
        assert!(v.geomean.is_some() && v.of_geomean.is_some());
        // Memory of an empty program: the plain interpreter's cell is in the data, the
        // variant's is not, and none is made up for it.
        assert!(v.of_startup_memory.is_some());
        assert!(v.startup_memory.is_none());
        // A variant is never listed as a release.
        assert!(pypy.releases.iter().all(|r| r.id != "pypy-nojit"));
    }

    #[test]
    fn without_releases_or_variants_the_view_says_absent() {
        let s: Summary = serde_json::from_str(FIXTURE).unwrap();
        let h = build(Lookup::new(&s), "95", &|_| String::new(), "");
        assert!(!h.present && h.oldest.is_empty());
        assert!(h.families.is_empty() && h.variants.is_empty());
    }
}
