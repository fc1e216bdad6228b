//! The article's length does not depend on the data's luck (issue 26): rendered from many
//! generated summaries — wins and losses swapped, verdicts turned insignificant, sections and a
//! family present or absent, short and long numbers — every article's body before the FAQ is
//! 1,400 ± 50 words by the audit's standard count, and its introduction and conclusion are
//! within their bounds too. The summaries start from the committed data and the fixtures.

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use whichpy_render::audit::{BODY_WORDS, CONCLUSION_WORDS, INTRO_WORDS};
use whichpy_render::fit::Counts;
use whichpy_render::outputs::render_with_extras;
use whichpy_render::outputs::ARTICLE;
use whichpy_render::{render_all, Content};
use whichpy_wire::summary::{Estimate, Interval, Summary, Verdict};
use whichpy_wire::Family;

fn bases() -> &'static [Summary] {
    static BASES: OnceLock<Vec<Summary>> = OnceLock::new();
    BASES.get_or_init(|| {
        let mut v = vec![common::committed()];
        for f in [
            "pypy-faster.json",
            "pypy-slower.json",
            "no-significant-difference.json",
            "micropython-missing.json",
        ] {
            v.push(common::fixture(f));
        }
        v
    })
}

fn content() -> &'static Content {
    static CONTENT: OnceLock<Content> = OnceLock::new();
    CONTENT.get_or_init(common::content)
}

/// How one summary is changed from its base.
#[derive(Clone, Debug)]
struct Edit {
    base: usize,
    /// Per comparison and geometric mean, cycled: 0 keep, 1 swap win and loss, 2 make the
    /// interval include 1.
    verdicts: Vec<u8>,
    /// Ratios raised to this power (½: short, 2: long).
    ratio_power: f64,
    /// Every time multiplied by 10^this.
    time_scale: i32,
    drop_floor: bool,
    drop_scaling: bool,
    drop_mcu: bool,
    drop_web: bool,
    drop_crossovers: bool,
    drop_precision: bool,
    drop_family: Option<Family>,
}

fn edits() -> impl Strategy<Value = Edit> {
    (
        0..5usize,
        prop::collection::vec(0..3u8, 1..8),
        prop::sample::select(vec![0.5, 1.0, 2.0, 3.0]),
        -3..4i32,
        prop::array::uniform6(any::<bool>()),
        prop::option::weighted(
            0.25,
            prop::sample::select(vec![Family::Pypy, Family::Micropython]),
        ),
    )
        .prop_map(
            |(base, verdicts, ratio_power, time_scale, d, drop_family)| Edit {
                base,
                verdicts,
                ratio_power,
                time_scale,
                drop_floor: d[0],
                drop_scaling: d[1],
                drop_mcu: d[2],
                drop_web: d[3],
                drop_crossovers: d[4],
                drop_precision: d[5],
                drop_family,
            },
        )
}

/// A ratio, its interval and verdict after `code` (see [`Edit::verdicts`]) and `power`.
fn edit_ratio(ratio: &mut f64, ci: &mut Interval, verdict: &mut Verdict, code: u8, power: f64) {
    let (mut r, mut lo, mut hi) = (ratio.powf(power), ci.low.powf(power), ci.high.powf(power));
    match code {
        1 => (r, lo, hi) = (1.0 / r, 1.0 / hi, 1.0 / lo),
        2 => (lo, hi) = (lo.min(1.0) * 0.8, hi.max(1.0) * 1.25),
        _ => {}
    }
    *verdict = if hi < 1.0 {
        Verdict::Faster
    } else if lo > 1.0 {
        Verdict::Slower
    } else {
        Verdict::NoSignificantDifference
    };
    (*ratio, ci.low, ci.high) = (r, lo, hi);
}

fn scale(e: &mut Option<Estimate>, k: f64) {
    if let Some(e) = e {
        e.mean *= k;
        e.median *= k;
        e.std_dev = e.std_dev.map(|s| s * k);
        if let Some(ci) = &mut e.ci {
            ci.low *= k;
            ci.high *= k;
        }
    }
}

fn apply(edit: &Edit) -> Summary {
    let mut s = bases()[edit.base].clone();
    let code = |i: usize| edit.verdicts[i % edit.verdicts.len()];
    for (i, c) in s.comparisons.iter_mut().enumerate() {
        edit_ratio(
            &mut c.ratio,
            &mut c.ci,
            &mut c.verdict,
            code(i),
            edit.ratio_power,
        );
    }
    for (i, g) in s.geomeans.iter_mut().enumerate() {
        edit_ratio(
            &mut g.ratio,
            &mut g.ci,
            &mut g.verdict,
            code(i + 1),
            edit.ratio_power,
        );
    }
    let k = 10f64.powi(edit.time_scale);
    for c in &mut s.cells {
        for e in [
            &mut c.wall_ns,
            &mut c.startup_ns,
            &mut c.first_iteration_ns,
            &mut c.cold_ns,
            &mut c.warm_ns,
            &mut c.iteration_mean_ns,
        ] {
            scale(e, k);
        }
    }
    if edit.drop_floor {
        s.floor = None;
    }
    if edit.drop_scaling {
        s.scaling = None;
    }
    if edit.drop_mcu {
        s.mcu = None;
    }
    if edit.drop_web {
        s.web.clear();
    }
    if edit.drop_crossovers {
        s.crossovers.clear();
    }
    if edit.drop_precision {
        s.precision = None;
    }
    if let Some(family) = edit.drop_family {
        let gone: Vec<String> = s
            .environment
            .interpreters
            .iter()
            .filter(|i| i.family == family)
            .map(|i| i.id.clone())
            .collect();
        let kept = |id: &String| !gone.contains(id);
        s.environment.interpreters.retain(|i| kept(&i.id));
        s.cells.retain(|c| kept(&c.key.interp));
        s.comparisons.retain(|c| kept(&c.interp));
        s.geomeans.retain(|g| kept(&g.interp));
        s.crossovers.retain(|c| kept(&c.interp));
        s.compatibility.retain(|c| kept(&c.interp));
        s.web.retain(|w| kept(&w.key.interp));
        if family == Family::Micropython {
            s.mcu = None;
        }
    }
    s
}

fn within(n: usize, (lo, hi): (usize, usize)) -> bool {
    (lo..=hi).contains(&n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_article_is_within_its_length_bounds(edit in edits()) {
        let summary = apply(&edit);
        let r = render_all(&summary, content()).expect("renders");
        let c = Counts::of(&r.files[ARTICLE]);
        prop_assert!(within(c.body, BODY_WORDS), "body {} words, bounds {:?}", c.body, BODY_WORDS);
        prop_assert!(within(c.intro, INTRO_WORDS), "intro {} words, bounds {:?}", c.intro, INTRO_WORDS);
        prop_assert!(
            within(c.conclusion, CONCLUSION_WORDS),
            "conclusion {} words, bounds {:?}", c.conclusion, CONCLUSION_WORDS
        );
    }
}

/// Every optional paragraph of `content/length.toml` is used by the article: shown alone on
/// the committed data, it changes the article (a misspelt id would change nothing).
#[test]
fn every_optional_paragraph_is_in_the_article() {
    let summary = &bases()[0];
    let l = &content().length;
    let plain = render_with_extras(summary, content(), &[]).unwrap().files[ARTICLE].clone();
    for id in l.intro.iter().chain(&l.conclusion).chain(&l.body) {
        let with = render_with_extras(summary, content(), std::slice::from_ref(id)).unwrap();
        assert_ne!(
            with.files[ARTICLE], plain,
            "`{id}` changes nothing in the article"
        );
    }
}

/// The committed data's article holds the paragraphs `fit` chose: within every bound, and
/// the next body paragraph not taken would have put the body above the middle of its bound.
#[test]
fn the_committed_article_takes_paragraphs_up_to_the_middle_of_its_bound() {
    let summary = &bases()[0];
    let r = render_all(summary, content()).unwrap();
    let c = Counts::of(&r.files[ARTICLE]);
    assert!(c.within_bounds(), "{c:?}");
    let middle = (BODY_WORDS.0 + BODY_WORDS.1) / 2;
    if let Some(next) = content()
        .length
        .body
        .iter()
        .find(|id| !r.extras.contains(id))
    {
        let mut more = r.extras.clone();
        more.push(next.clone());
        let longer = render_with_extras(summary, content(), &more).unwrap();
        let l = Counts::of(&longer.files[ARTICLE]);
        assert!(l.body > middle, "`{next}` would have fitted: {l:?}");
    }
}
