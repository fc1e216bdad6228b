//! A Markdown table of the cells, readable as it stands (times in ms, ratios with their
//! interval and the honest word).

use std::fmt::Write;

use whichpy_wire::RawFile;

use super::row::rows;
use super::{ExportError, Exporter};
use crate::Summary;

#[derive(Clone, Debug, Default)]
pub struct MarkdownExporter;

fn ms(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{:.3}", v / 1e6))
}

fn ms_ci(mean: Option<f64>, low: Option<f64>, high: Option<f64>) -> String {
    match (mean, low, high) {
        (Some(m), Some(l), Some(h)) => format!("{:.3} [{:.3}, {:.3}]", m / 1e6, l / 1e6, h / 1e6),
        (m, _, _) => ms(m),
    }
}

fn ratio(r: Option<f64>, low: Option<f64>, high: Option<f64>, verdict: &Option<String>) -> String {
    match (r, low, high) {
        (Some(r), Some(l), Some(h)) => format!(
            "{r:.3}× [{l:.3}, {h:.3}] {}",
            verdict.as_deref().unwrap_or("").replace('_', " ")
        ),
        _ => "–".into(),
    }
}

impl Exporter for MarkdownExporter {
    fn export(&self, summary: &Summary, _raws: &[RawFile]) -> Result<Vec<u8>, ExportError> {
        let rows = rows(summary);
        if rows.is_empty() {
            return Err(ExportError::Empty("the summary has no cells".into()));
        }
        let mut out = String::new();
        let base = &summary.analysis.baseline;
        out.push_str(&format!(
            "| Interpreter | Workload | Size | OK / failed | Warm-up | Cold (ms) | Warm (ms) | \
             Wall (ms) | Ratio vs {base} | Cold ratio | Peak RSS median (KiB) |\n"
        ));
        out.push_str("|---|---|---|---|---|---:|---:|---:|---|---|---:|\n");
        for r in &rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} / {} | {} | {} | {} | {} | {} | {} | {} |",
                r.interp,
                r.workload,
                r.size,
                r.processes_ok,
                r.processes_failed,
                r.warmup_class.as_deref().unwrap_or("–").replace('_', " "),
                ms_ci(r.cold_ns, r.cold_ci_low_ns, r.cold_ci_high_ns),
                ms_ci(r.warm_ns, r.warm_ci_low_ns, r.warm_ci_high_ns),
                ms(r.wall_ns),
                ratio(r.ratio, r.ratio_ci_low, r.ratio_ci_high, &r.verdict),
                ratio(
                    r.cold_ratio,
                    r.cold_ratio_ci_low,
                    r.cold_ratio_ci_high,
                    &r.cold_verdict
                ),
                r.rss_median_kib.map_or("–".into(), |v| format!("{v:.0}")),
            );
        }
        Ok(out.into_bytes())
    }

    fn extension(&self) -> &'static str {
        "md"
    }
}
