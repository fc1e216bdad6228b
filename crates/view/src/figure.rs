//! A measured value written for readers, with its interval and the footnote of its command;
//! and the one ratio convention: "N× faster" or "N× slower" than the baseline, with the
//! interval in the same direction, or "no significant difference" when the interval holds 1.

use serde::Serialize;
use whichpy_wire::summary::{CellSummary, Estimate, Verdict};

use crate::format::{int, sig3, TimeUnit};
use crate::words::{verdict_class, verdict_word};

/// A measured value, ready to print.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fig {
    pub value: String,
    pub low: String,
    pub high: String,
    pub unit: String,
    /// `7.42 ms (95% CI 5.23–9.61 ms)`.
    pub text: String,
    /// `7.42 ms (5.23–9.61 ms)`: the interval without its label, for prose that says once what
    /// brackets hold; a range keeps its label (`10.2 MiB (range 10.1–10.4 MiB)`).
    pub brief: String,
    /// `7.42 ms`.
    pub short: String,
    /// `7.42 (5.23–9.61)`, for tables whose header names the unit.
    pub cell: String,
    /// `95% CI 5.23–9.61 ms`, or `range 10.1–10.4 MiB`: the interval alone.
    pub interval: String,
    /// Number of samples.
    pub n: String,
    /// The value in base units (ns, KiB, 1/s), for sorting tables.
    pub sort: String,
    /// Footnote label of the reproduction command (`bench-nbody`), or empty.
    pub cite: String,
}

/// What a figure's interval is: a confidence interval at a level, or the range of the samples.
#[derive(Clone, Copy, Debug)]
pub enum Interval<'a> {
    /// Confidence level in percent (`95`).
    Ci(&'a str),
    Range,
}

/// A figure from its value and interval bounds, already written.
pub fn fig(
    (value, low, high): (String, String, String),
    unit: &str,
    n: u32,
    sort: f64,
    what: Interval,
    cite: &str,
) -> Fig {
    let (what, brief_what) = match what {
        Interval::Ci(level) => (format!("{level}% CI"), String::new()),
        Interval::Range => ("range".to_string(), "range ".to_string()),
    };
    let sep = if unit.is_empty() || unit.starts_with('/') {
        ""
    } else {
        " "
    };
    Fig {
        text: format!("{value}{sep}{unit} ({what} {low}–{high}{sep}{unit})"),
        brief: format!("{value}{sep}{unit} ({brief_what}{low}–{high}{sep}{unit})"),
        short: format!("{value}{sep}{unit}"),
        cell: format!("{value} ({low}–{high})"),
        interval: format!("{what} {low}–{high}{sep}{unit}"),
        value,
        low,
        high,
        unit: unit.to_string(),
        n: int(n as u64),
        sort: format!("{sort:.1}"),
        cite: cite.to_string(),
    }
}

/// A time estimate in ns, in the unit that suits its mean. The lower bound is shown as 0 when
/// the t interval of a small sample reaches below zero (a time cannot be negative).
pub fn time(e: &Estimate, level: &str, cite: &str) -> Fig {
    time_in(e, TimeUnit::for_ns(e.mean), level, cite)
}

/// A time estimate in a given unit (a table column's).
pub fn time_in(e: &Estimate, unit: TimeUnit, level: &str, cite: &str) -> Fig {
    let v = sig3(unit.scale(e.mean));
    let (low, high) = match e.ci {
        Some(ci) => (sig3(unit.scale(ci.low.max(0.0))), sig3(unit.scale(ci.high))),
        None => (v.clone(), v.clone()),
    };
    fig(
        (v, low, high),
        unit.symbol(),
        e.n,
        e.mean,
        Interval::Ci(level),
        cite,
    )
}

/// Iterations per second in the steady state, from the time per iteration.
pub fn throughput(e: &Estimate, level: &str, cite: &str) -> Fig {
    rate(e, 1.0, "iterations/s", level, cite)
}

/// A rate from a time per call: `per_call` units of work (bytes in MB, records, iterations)
/// per call, divided by the time per call; the interval is the time's, inverted.
pub fn rate(e: &Estimate, per_call: f64, unit: &str, level: &str, cite: &str) -> Fig {
    let of = |ns: f64| per_call * 1e9 / ns;
    let v = of(e.mean);
    let (low, high) = match e.ci {
        Some(ci) if ci.low > 0.0 => (sig3(of(ci.high)), sig3(of(ci.low))),
        Some(ci) => (sig3(of(ci.high)), "∞".to_string()),
        None => (sig3(v), sig3(v)),
    };
    fig(
        (sig3(v), low, high),
        unit,
        e.n,
        v,
        Interval::Ci(level),
        cite,
    )
}

/// Memory in MiB from KiB: `12.3 MiB`.
pub fn mib(kib: f64) -> String {
    format!("{} MiB", sig3(kib / 1024.0))
}

/// Peak RSS of a cell: the median, with the range across its process executions.
pub fn memory(c: &CellSummary, cite: &str) -> Option<Fig> {
    let m = c.memory.as_ref()?;
    let num = |kib: f64| sig3(kib / 1024.0);
    let rss: Vec<u64> = c.process_details.iter().map(|p| p.max_rss_kib).collect();
    let (low, high) = match (rss.iter().min(), rss.iter().max()) {
        (Some(lo), Some(hi)) => (num(*lo as f64), num(*hi as f64)),
        _ => (num(m.median_kib), num(m.max_kib as f64)),
    };
    let n = if rss.is_empty() {
        c.processes_ok
    } else {
        rss.len() as u32
    };
    Some(fig(
        (num(m.median_kib), low, high),
        "MiB",
        n,
        m.median_kib,
        Interval::Range,
        cite,
    ))
}

/// A ratio against the baseline with its verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RatioView {
    /// `faster`, `slower` or `no_significant_difference`.
    pub verdict: String,
    /// `faster`, `slower` or `no significant difference`.
    pub word: String,
    /// `faster`, `slower` or `same`, for styling.
    pub class: String,
    /// How many times faster or slower (`18.0×`); the ratio itself when not significant.
    pub factor: String,
    /// `18.0× faster`, `2.95× slower`, or `no significant difference`.
    pub short: String,
    /// The interval in the direction of `short`: `95% CI 14.4–25.3×`, or `ratio 0.85–1.10`
    /// when not significant.
    pub interval: String,
    /// `time(interp) / time(baseline)`.
    pub ratio: String,
    pub ratio_low: String,
    pub ratio_high: String,
    /// `18.0× faster (95% CI 14.4–25.3×)` or `no significant difference (ratio 0.97, 95% CI
    /// 0.85–1.10)`.
    pub text: String,
    /// The same without the interval's label: `18.0× faster (14.4–25.3×)`.
    pub brief: String,
    /// The time ratio, for sorting.
    pub sort: String,
    /// Footnote label of the reproduction command, or empty.
    pub cite: String,
    /// The interval is too wide to say anything ([`inconclusive`]): every text above then says
    /// "inconclusive" (with the process executions, [`RatioView::runs`]) instead of its bounds.
    pub inconclusive: bool,
}

/// How wide a ratio's interval may be and still mean something: at most this factor between
/// its bounds (two orders of magnitude). Wider, such as 0.000291–719 from two process
/// executions, it excludes nothing a reader could act on.
pub const INCONCLUSIVE_SPAN: f64 = 100.0;

/// Whether a ratio interval is too wide to mean anything: its high bound is more than
/// [`INCONCLUSIVE_SPAN`] times its low one, or the low bound is not positive (a time ratio
/// cannot be). The one rule; every ratio a reader sees goes through [`ratio`], which applies it.
pub fn inconclusive(low: f64, high: f64) -> bool {
    !(low > 0.0 && high.is_finite() && high / low <= INCONCLUSIVE_SPAN)
}

impl RatioView {
    /// Name the process executions behind an inconclusive ratio (`inconclusive (2 process
    /// executions)`), so the reader sees why: too few runs for this spread. A conclusive ratio
    /// is returned as it is.
    pub fn runs(mut self, processes: u32) -> Self {
        if self.inconclusive {
            let runs = format!(
                "{} process execution{}",
                int(u64::from(processes)),
                if processes == 1 { "" } else { "s" }
            );
            self.interval = format!("interval too wide, {runs}");
            self.text = format!("inconclusive (interval too wide from {runs})");
            self.brief = format!("inconclusive ({runs})");
        }
        self
    }
}

/// A time ratio `interp / baseline` with its interval and verdict, in the one convention.
pub fn ratio(
    ratio: f64,
    low: f64,
    high: f64,
    verdict: Verdict,
    level: &str,
    cite: &str,
) -> RatioView {
    // The interval's bounds, in the direction of the words.
    let (factor, short, bounds) = match verdict {
        Verdict::Faster => {
            let f = format!("{}×", sig3(1.0 / ratio));
            let b = format!("{}–{}×", sig3(1.0 / high), sig3(1.0 / low));
            (f.clone(), format!("{f} faster"), b)
        }
        Verdict::Slower => {
            let f = format!("{}×", sig3(ratio));
            let b = format!("{}–{}×", sig3(low), sig3(high));
            (f.clone(), format!("{f} slower"), b)
        }
        Verdict::NoSignificantDifference => (
            format!("{}×", sig3(ratio)),
            "no significant difference".to_string(),
            format!("{}–{}", sig3(low), sig3(high)),
        ),
    };
    let (interval, brief, text) = match verdict {
        Verdict::NoSignificantDifference => (
            format!("ratio {bounds}"),
            format!("{short} (ratio {}, {bounds})", sig3(ratio)),
            format!("{short} (ratio {}, {level}% CI {bounds})", sig3(ratio)),
        ),
        _ => (
            format!("{level}% CI {bounds}"),
            format!("{short} ({bounds})"),
            format!("{short} ({level}% CI {bounds})"),
        ),
    };
    if inconclusive(low, high) {
        return RatioView {
            verdict: verdict.as_str().to_string(),
            word: "inconclusive".to_string(),
            class: "same".to_string(),
            factor: format!("{}×", sig3(ratio)),
            short: "inconclusive".to_string(),
            interval: "interval too wide".to_string(),
            ratio: sig3(ratio),
            ratio_low: sig3(low),
            ratio_high: sig3(high),
            text: "inconclusive (interval too wide)".to_string(),
            brief: "inconclusive".to_string(),
            sort: format!("{ratio:.6}"),
            cite: cite.to_string(),
            inconclusive: true,
        };
    }
    RatioView {
        verdict: verdict.as_str().to_string(),
        word: verdict_word(verdict).to_string(),
        class: verdict_class(verdict).to_string(),
        factor,
        short,
        interval,
        ratio: sig3(ratio),
        ratio_low: sig3(low),
        ratio_high: sig3(high),
        text,
        brief,
        sort: format!("{ratio:.6}"),
        cite: cite.to_string(),
        inconclusive: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use whichpy_wire::summary::Interval as Ci;

    fn est(mean: f64, low: f64, high: f64) -> Estimate {
        Estimate {
            n: 5,
            mean,
            median: mean,
            std_dev: None,
            ci: Some(Ci { low, high }),
        }
    }

    #[test]
    fn one_ratio_convention() {
        let f = ratio(0.0582, 0.0444, 0.0735, Verdict::Faster, "95", "bench-nbody");
        assert_eq!(f.short, "17.2× faster");
        assert_eq!(f.text, "17.2× faster (95% CI 13.6–22.5×)");
        assert_eq!(f.brief, "17.2× faster (13.6–22.5×)");
        let s = ratio(2.95, 2.5, 3.4, Verdict::Slower, "95", "");
        assert_eq!(s.text, "2.95× slower (95% CI 2.50–3.40×)");
        let n = ratio(0.97, 0.85, 1.1, Verdict::NoSignificantDifference, "95", "");
        assert_eq!(n.short, "no significant difference");
        assert_eq!(
            n.text,
            "no significant difference (ratio 0.970, 95% CI 0.850–1.10)"
        );
    }

    #[test]
    fn an_interval_too_wide_is_inconclusive_with_its_runs() {
        // web.html once showed this: a p95 ratio from two executions.
        let r = ratio(
            0.46,
            0.000291,
            719.0,
            Verdict::NoSignificantDifference,
            "95",
            "",
        );
        assert!(r.inconclusive);
        assert_eq!(r.short, "inconclusive");
        assert!(!r.text.contains("719"), "{}", r.text);
        let r = r.runs(2);
        assert_eq!(r.interval, "interval too wide, 2 process executions");
        assert_eq!(
            r.text,
            "inconclusive (interval too wide from 2 process executions)"
        );
        // At the bound it still means something; a non-positive low bound never does.
        let edge = ratio(1.0, 0.1, 10.0, Verdict::NoSignificantDifference, "95", "");
        assert!(!edge.inconclusive);
        assert_eq!(edge.runs(2).interval, "ratio 0.100–10.0");
        assert!(inconclusive(0.0, 2.0));
        assert!(inconclusive(0.01, 1.5));
        assert!(!inconclusive(0.5, 2.0));
    }

    #[test]
    fn a_rate_inverts_the_time_interval() {
        // 2.5 MB per call in 0.5 s (0.4-0.625 s): 5 MB/s (4-6.25).
        let f = rate(
            &est(0.5e9, 0.4e9, 0.625e9),
            2.5,
            "MB/s",
            "95",
            "bench-pipeline",
        );
        assert_eq!(f.text, "5.00 MB/s (95% CI 4.00–6.25 MB/s)");
        assert_eq!(f.cite, "bench-pipeline");
        assert_eq!(
            throughput(&est(1e6, 0.5e6, 2e6), "95", "").short,
            "1,000 iterations/s"
        );
    }

    #[test]
    fn a_time_cannot_be_negative() {
        let f = time(&est(2.0e6, -1.0e6, 5.0e6), "95", "");
        assert_eq!(f.text, "2.00 ms (95% CI 0–5.00 ms)");
        assert_eq!(f.interval, "95% CI 0–5.00 ms");
        assert_eq!(f.brief, "2.00 ms (0–5.00 ms)");
    }
}
