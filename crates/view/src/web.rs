//! The web service's figures for readers: latency by request rate per interpreter (the site's
//! "Web service latency" page) and the two figures the decision matrix quotes, the p95 at a
//! stated rate and the highest rate sustained under the latency bound, with intervals.
//!
//! All from the summary's `web` section (`whichpy_stats::web`); absent when the data has no
//! service cell, and then nothing that reads this view says anything about it.

use std::collections::BTreeMap;

use serde::Serialize;
use whichpy_wire::summary::{RateLatency, Summary, Verdict, WebCell};
use whichpy_wire::{Family, SizeName};

use crate::figure::{fig, ratio, time_in, Fig, Interval, RatioView};
use crate::format::{int, sig3, TimeUnit};
use crate::words::family_name;

/// The service workload the view reads.
pub const WEB_WORKLOAD: &str = "web_service";
/// The decision matrix's row (`content/decision.toml` id) that quotes it.
pub const CLASS: &str = "web";

/// The web service section.
#[derive(Clone, Debug, Serialize)]
pub struct WebView {
    /// `10 ms`: a rate is sustained when its p95 is within this.
    pub bound: String,
    /// The rate the matrix quotes the p95 at (`200 requests/s`): the highest rate every
    /// interpreter in the section ran in every process execution.
    pub rate: String,
    /// Per family present, CPython, PyPy, MicroPython order.
    pub interps: Vec<WebInterp>,
}

/// One interpreter's latencies.
#[derive(Clone, Debug, Serialize)]
pub struct WebInterp {
    pub id: String,
    pub family: String,
    pub name: String,
    /// Process executions behind the figures.
    pub processes: String,
    /// The first seconds (warm-up phase), apart from the steady rates.
    pub warmup: Option<WebRow>,
    pub rows: Vec<WebRow>,
    /// `400 requests/s`, or `no rate` when not even the lowest was sustained.
    pub sustained: String,
    /// Each execution's highest sustained rate, mean with its interval.
    pub sustained_fig: Option<Fig>,
    /// The p95 at the view's stated rate.
    pub p95_at_rate: Option<Fig>,
    /// That p95 against the baseline's (`None` for the baseline or without an interval).
    pub ratio_at_rate: Option<RatioView>,
    /// What the decision matrix's Web service cell says.
    pub evidence: String,
}

/// One rate of one interpreter.
#[derive(Clone, Debug, Serialize)]
pub struct WebRow {
    /// `200 requests/s`.
    pub rate: String,
    pub p50: Fig,
    pub p95: Fig,
    pub p99: Fig,
    /// The largest latency seen, `31.2 ms`.
    pub max: String,
    /// `2 of 2`: executions that sustained this rate, of those that ran it.
    pub sustained_by: String,
    pub ratio: Option<RatioView>,
}

fn rate_words(rate: u32) -> String {
    format!("{} requests/s", int(u64::from(rate)))
}

fn verdict_of(low: f64, high: f64) -> Verdict {
    if high < 1.0 {
        Verdict::Faster
    } else if low > 1.0 {
        Verdict::Slower
    } else {
        Verdict::NoSignificantDifference
    }
}

fn row(r: &RateLatency) -> WebRow {
    let ms = TimeUnit::for_ns(1e6);
    WebRow {
        rate: rate_words(r.rate),
        p50: time_in(&r.p50_ns, ms, "95", ""),
        p95: time_in(&r.p95_ns, ms, "95", ""),
        p99: time_in(&r.p99_ns, ms, "95", ""),
        max: format!("{} {}", sig3(ms.scale(r.max_ns)), ms.symbol()),
        sustained_by: format!(
            "{} of {}",
            int(u64::from(r.sustained_by)),
            int(u64::from(r.executions))
        ),
        ratio: r.p95_ratio.map(|x| {
            ratio(
                x.ratio,
                x.ci.low,
                x.ci.high,
                verdict_of(x.ci.low, x.ci.high),
                "95",
                "",
            )
            .runs(r.executions)
        }),
    }
}

fn interp(c: &WebCell, family: Family, rate: Option<u32>) -> WebInterp {
    let name = family_name(family).to_string();
    let at = rate.and_then(|r| c.rates.iter().find(|x| x.rate == r));
    let p95_at_rate = at.map(|r| time_in(&r.p95_ns, TimeUnit::for_ns(1e6), "95", ""));
    let ratio_at_rate = at.and_then(|r| row(r).ratio);
    let sustained = c
        .sustained_rps
        .map_or_else(|| "no rate".to_string(), rate_words);
    let sustained_fig = c.sustained.as_ref().map(|e| {
        let (lo, hi) =
            e.ci.map_or((e.mean, e.mean), |ci| (ci.low.max(0.0), ci.high));
        fig(
            (sig3(e.mean), sig3(lo), sig3(hi)),
            "requests/s",
            e.n,
            e.mean,
            Interval::Ci("95"),
            "",
        )
    });
    let evidence = match (&p95_at_rate, rate) {
        // The stated rate is the highest every cell ran: when this one held it too, one word.
        (Some(p), Some(r)) if c.sustained_rps == Some(r) => {
            format!("p95 {} at {}, sustained", p.brief, rate_words(r))
        }
        (Some(p), Some(r)) => format!("p95 {} at {}; sustains {sustained}", p.brief, rate_words(r)),
        _ => format!("sustains {sustained}"),
    };
    WebInterp {
        id: c.key.interp.clone(),
        family: family.as_str().to_string(),
        name,
        processes: int(u64::from(c.processes)),
        warmup: c.warmup.as_ref().map(row),
        rows: c.rates.iter().map(row).collect(),
        sustained,
        sustained_fig,
        p95_at_rate,
        ratio_at_rate,
        evidence,
    }
}

/// The section for the chosen interpreter of each family, at `size`; `None` without data.
pub fn web_view(s: &Summary, size: SizeName, chosen: &BTreeMap<Family, String>) -> Option<WebView> {
    // The figures' size if the web service was measured there, else the other.
    let at = |size: SizeName| -> Vec<(Family, &WebCell)> {
        Family::ALL
            .iter()
            .filter_map(|f| {
                let id = chosen.get(f)?;
                let c = s.web.iter().find(|c| {
                    c.key.interp == *id && c.key.workload == WEB_WORKLOAD && c.key.size == size
                })?;
                Some((*f, c))
            })
            .collect()
    };
    let mut cells = at(size);
    if cells.is_empty() {
        cells = at(match size {
            SizeName::Quick | SizeName::Tiny => SizeName::Default,
            SizeName::Default => SizeName::Quick,
        });
    }
    let first = cells.first()?.1;
    // The highest rate every cell ran in all its executions.
    let rate = first
        .rates
        .iter()
        .map(|r| r.rate)
        .filter(|&r| {
            cells.iter().all(|(_, c)| {
                c.rates
                    .iter()
                    .any(|x| x.rate == r && x.executions == c.processes)
            })
        })
        .max();
    Some(WebView {
        bound: format!("{} ms", sig3(first.bound_ms)),
        rate: rate.map(rate_words).unwrap_or_default(),
        interps: cells.iter().map(|(f, c)| interp(c, *f, rate)).collect(),
    })
}

/// The matrix's fit word from a p95 ratio against the baseline.
pub fn fit_of(r: &RatioView) -> &'static str {
    match r.verdict.as_str() {
        "faster" => "Promising",
        "slower" => "Unlikely",
        _ => "No gain",
    }
}
