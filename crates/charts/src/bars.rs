//! Horizontal bar charts with 95% interval whiskers: cold and warm times per workload, peak
//! memory per workload, and startup.
//!
//! Bars are horizontal so that interpreter labels of any length stay readable; one row per
//! interpreter, the baseline on top. A cell with no figure (unsupported, every process failed)
//! keeps its row and says why in words.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use whichpy_wire::summary::{CompatStatus, Estimate, Summary};
use whichpy_wire::{SizeName, WorkloadKind};

use crate::{cell, format_kib, format_ns, interpreters, slug, svg_chart, text, tick};
use crate::{Chart, Interp, Result, TimeUnit, INK, MUTED};

/// One row of a bar chart.
pub(crate) struct Bar {
    pub label: String,
    pub color: RGBColor,
    /// The interpreter's marker, drawn in white at the base of its bar, as in the line charts.
    pub shape: crate::Marker,
    /// Length of the bar, in the panel's unit; `None` draws `note` instead.
    pub value: Option<f64>,
    /// Whisker (low, high), in the panel's unit.
    pub interval: Option<(f64, f64)>,
    /// A hollow circle (e.g. the maximum), in the panel's unit.
    pub marker: Option<f64>,
    /// Text after the bar (its value) or in place of it.
    pub note: String,
}

pub(crate) struct Panel {
    pub title: String,
    pub x_desc: String,
    pub bars: Vec<Bar>,
}

pub(crate) const ROW: u32 = 34;
const PANEL_CHROME: u32 = 100;
pub(crate) const WIDTH: u32 = 800;

pub(crate) fn panel_height(rows: usize) -> u32 {
    PANEL_CHROME + ROW * rows.max(1) as u32
}

/// A label longer than this many characters is set on two lines.
const LABEL_CHARS: usize = 28;

/// A row's label in one line, or two when it is long ("CPython 3.13, free-threaded" /
/// "(built from Debian's source)"): split at the space nearest the middle, a space before a
/// parenthesis preferred, so that no label is cut at the chart's left edge.
fn label_lines(label: &str) -> Vec<String> {
    let n = label.chars().count();
    if n <= LABEL_CHARS {
        return vec![label.to_string()];
    }
    let middle = n / 2;
    let spaces = label
        .char_indices()
        .enumerate()
        .filter(|(_, (_, c))| *c == ' ')
        .map(|(at, (byte, _))| (at, byte));
    let cost = |at: usize, byte: usize| {
        let paren = label[byte + 1..].starts_with('(');
        at.abs_diff(middle) * 2 + if paren { 0 } else { 6 }
    };
    match spaces.min_by_key(|&(at, byte)| cost(at, byte)) {
        Some((_, byte)) => vec![label[..byte].to_string(), label[byte + 1..].to_string()],
        None => vec![label.to_string()],
    }
}

/// `text` in lines of at most `chars` characters, broken at spaces, at most `max` lines: the
/// last line kept ends in "…" when words were left out.
fn fit_lines(text: &str, chars: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= chars => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    if lines.len() > max {
        lines.truncate(max);
        let last = lines.last_mut().expect("max > 0");
        while last.chars().count() + 1 > chars {
            match last.rfind(' ') {
                Some(at) => last.truncate(at),
                None => break,
            }
        }
        last.push('…');
    }
    lines
}

fn label_width(bars: &[Bar]) -> u32 {
    let chars = bars
        .iter()
        .flat_map(|b| label_lines(&b.label))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(4);
    (chars as u32 * 8 + 20).clamp(80, 300)
}

/// Draw one panel of horizontal bars into `area`.
pub(crate) fn draw_panel(area: &DrawingArea<SVGBackend, Shift>, panel: &Panel) -> Result<()> {
    let n = panel.bars.len().max(1);
    let x_max = panel
        .bars
        .iter()
        .flat_map(|b| [b.value, b.interval.map(|i| i.1), b.marker])
        .flatten()
        .fold(0.0f64, f64::max);
    // Room on the right for the value labels.
    let x_max = if x_max > 0.0 { x_max * 1.3 } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, text(17, &INK))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(46)
        .y_label_area_size(label_width(&panel.bars))
        .build_cartesian_2d(0f64..x_max, 0f64..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(6)
        .x_label_formatter(&|v| tick(*v))
        .x_desc(panel.x_desc.as_str())
        .label_style(text(13, &INK))
        .axis_desc_style(text(14, &INK))
        .axis_style(MUTED)
        .max_light_lines(0)
        .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
        .draw()?;

    // Characters of 13 px text that fit right of the labels (7.5 px each, wider than DejaVu
    // Sans's average, so an estimate errs on the short side).
    let note_chars =
        ((area.dim_in_pixel().0 as f64 - f64::from(label_width(&panel.bars)) - 12.0 - 24.0 - 12.0)
            / 7.5)
            .max(12.0) as usize;
    let label_style = text(14, &INK).pos(Pos::new(HPos::Right, VPos::Center));
    let note_style = text(13, &INK).pos(Pos::new(HPos::Left, VPos::Center));
    let muted_style = text(13, &MUTED).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, bar) in panel.bars.iter().enumerate() {
        let y0 = (n - 1 - i) as f64;
        let yc = y0 + 0.5;
        let lines = label_lines(&bar.label);
        let first = -8 * (lines.len() as i32 - 1);
        for (k, line) in lines.into_iter().enumerate() {
            chart.draw_series(std::iter::once(
                EmptyElement::at((0.0, yc))
                    + Text::new(line, (-10, first + 16 * k as i32), label_style.clone()),
            ))?;
        }
        let Some(v) = bar.value else {
            // In the row's room, on two lines at most: the full reason is in the site's tables.
            let lines = fit_lines(&bar.note, note_chars, 2);
            let first = -8 * (lines.len() as i32 - 1);
            for (k, line) in lines.into_iter().enumerate() {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((0.0, yc))
                        + Text::new(line, (6, first + 16 * k as i32), muted_style.clone()),
                ))?;
            }
            continue;
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y0 + 0.22), (v, y0 + 0.78)],
            bar.color.filled(),
        )))?;
        crate::draw_markers_at(&mut chart, (0.0, yc), (10, 0), bar.shape, 4, WHITE)?;
        let mut right = v;
        if let Some((lo, hi)) = bar.interval {
            let whisker = INK.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(lo, yc), (hi, yc)], whisker),
                PathElement::new(vec![(lo, yc - 0.18), (lo, yc + 0.18)], whisker),
                PathElement::new(vec![(hi, yc - 0.18), (hi, yc + 0.18)], whisker),
            ])?;
            right = right.max(hi);
        }
        if let Some(m) = bar.marker {
            chart.draw_series(std::iter::once(Circle::new(
                (m, yc),
                5,
                INK.stroke_width(2),
            )))?;
            right = right.max(m);
        }
        chart.draw_series(std::iter::once(
            EmptyElement::at((right, yc)) + Text::new(bar.note.clone(), (8, 0), note_style.clone()),
        ))?;
    }
    Ok(())
}

/// Why an interpreter has no figure for a workload, in a few words.
pub(crate) fn missing_note(
    summary: &Summary,
    interp: &str,
    workload: &str,
    size: SizeName,
) -> String {
    let entry = summary
        .compatibility
        .iter()
        .find(|c| c.interp == interp && c.workload == workload && c.size == size);
    match entry.map(|e| &e.status) {
        Some(CompatStatus::Unsupported { reason }) => format!("not run: {reason}"),
        Some(CompatStatus::Failed {
            outcome,
            failed,
            ok,
        }) => {
            format!(
                "{failed} of {} runs failed ({})",
                failed + ok,
                outcome.label()
            )
        }
        Some(CompatStatus::Supported) | None => "no data".into(),
    }
}

fn est_bar(
    interp: &Interp,
    est: Option<&Estimate>,
    unit: TimeUnit,
    missing: impl FnOnce() -> String,
) -> Bar {
    match est {
        Some(e) => Bar {
            label: interp.label.clone(),
            color: interp.color(),
            shape: interp.marker(),
            value: Some(unit.of(e.mean)),
            interval: e.ci.map(|ci| (unit.of(ci.low), unit.of(ci.high))),
            marker: None,
            note: if e.ci.is_some() {
                format_ns(e.mean)
            } else {
                format!("{} (n = 1)", format_ns(e.mean))
            },
        },
        None => Bar {
            label: interp.label.clone(),
            color: interp.color(),
            shape: interp.marker(),
            value: None,
            interval: None,
            marker: None,
            note: missing(),
        },
    }
}

fn est_max(e: &Estimate) -> f64 {
    e.ci.map(|c| c.high).unwrap_or(e.mean).max(e.mean)
}

/// Each estimate as the article writes it: `CPython 7.42 ms (95% CI 5.23–9.61 ms)`.
fn describe_estimates(level: &str, items: &[(String, Option<&Estimate>)]) -> String {
    items
        .iter()
        .map(|(label, e)| match e {
            Some(e) if e.ci.is_some() => {
                format!("{label} {}", whichpy_view::figure::time(e, level, "").text)
            }
            Some(e) => format!("{label} {} (one sample)", format_ns(e.mean)),
            None => format!("{label} no figure"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The interpreters a workload's chart shows: those with a cell, and those the compatibility
/// matrix names (a chart says "not run: <reason>" for them).
fn interpreters_of(summary: &Summary, workload: &str, size: SizeName) -> Vec<Interp> {
    interpreters(summary)
        .into_iter()
        .filter(|i| {
            cell(summary, &i.id, workload, size).is_some()
                || summary
                    .compatibility
                    .iter()
                    .any(|c| c.interp == i.id && c.workload == workload && c.size == size)
        })
        .collect()
}

/// Cold time (first iteration plus startup) and warm time (steady-state iteration) of one
/// workload per interpreter, each with its 95% interval: two panels, one above the other.
pub fn times(summary: &Summary, workload: &str, size: SizeName) -> Result<Option<Chart>> {
    let interps = interpreters_of(summary, workload, size);
    let cells: Vec<_> = interps
        .iter()
        .map(|i| cell(summary, &i.id, workload, size))
        .collect();
    if cells
        .iter()
        .all(|c| c.is_none_or(|c| c.warm_ns.is_none() && c.cold_ns.is_none()))
    {
        return Ok(None);
    }
    let panel =
        |title: &str,
         what: &str,
         get: &dyn Fn(&whichpy_wire::summary::CellSummary) -> Option<&Estimate>| {
            let max = cells
                .iter()
                .flatten()
                .filter_map(|c| get(c))
                .map(est_max)
                .fold(0.0, f64::max);
            let unit = TimeUnit::for_max(max);
            let bars = interps
                .iter()
                .zip(&cells)
                .map(|(i, c)| {
                    est_bar(i, c.and_then(get), unit, || {
                        missing_note(summary, &i.id, workload, size)
                    })
                })
                .collect();
            let desc = describe_estimates(
                &whichpy_view::Lookup::at(summary, size).level(),
                &interps
                    .iter()
                    .zip(&cells)
                    .map(|(i, c)| (i.label.clone(), c.and_then(get)))
                    .collect::<Vec<_>>(),
            );
            (
                Panel {
                    title: title.into(),
                    x_desc: format!("{what} ({}; whiskers: 95% interval)", unit.name),
                    bars,
                },
                desc,
            )
        };
    let (cold, cold_desc) = panel(
        "Cold: first iteration plus interpreter startup",
        "Cold time",
        &|c| c.cold_ns.as_ref(),
    );
    let (warm, warm_desc) = panel(
        "Warm: one steady-state iteration",
        "Warm time per iteration",
        &|c| c.warm_ns.as_ref(),
    );
    let h = panel_height(interps.len());
    let title = format!("{workload}: cold and warm time per interpreter ({size} size)");
    let desc = format!(
        "Horizontal bars of the mean time of {workload} across process executions, with 95% interval whiskers. \
         Cold (first iteration plus the interpreter's mean startup): {cold_desc}. \
         Warm (steady-state time per iteration): {warm_desc}."
    );
    svg_chart(
        format!("times-{}-{size}.svg", slug(workload)),
        title,
        desc,
        (WIDTH, 2 * h),
        |root| {
            let (top, bottom) = root.split_vertically(h);
            draw_panel(&top, &cold)?;
            draw_panel(&bottom, &warm)
        },
    )
    .map(Some)
}

/// Peak resident memory of one workload per interpreter: the median over process executions
/// as a bar, the maximum as a circle.
pub fn memory(summary: &Summary, workload: &str, size: SizeName) -> Result<Option<Chart>> {
    memory_panels(summary, &[workload], size)
}

/// One memory panel and the words that describe it, or `None` without any figure.
fn memory_panel(summary: &Summary, workload: &str, size: SizeName) -> Option<(Panel, String)> {
    let interps = interpreters_of(summary, workload, size);
    let mems: Vec<_> = interps
        .iter()
        .map(|i| cell(summary, &i.id, workload, size).and_then(|c| c.memory.as_ref()))
        .collect();
    if mems.iter().all(Option::is_none) {
        return None;
    }
    let bars = interps
        .iter()
        .zip(&mems)
        .map(|(i, m)| match m {
            Some(m) => Bar {
                label: i.label.clone(),
                color: i.color(),
                shape: i.marker(),
                value: Some(m.median_kib / 1024.0),
                interval: None,
                marker: Some(m.max_kib as f64 / 1024.0),
                note: format_kib(m.median_kib),
            },
            None => Bar {
                label: i.label.clone(),
                color: i.color(),
                shape: i.marker(),
                value: None,
                interval: None,
                marker: None,
                note: missing_note(summary, &i.id, workload, size),
            },
        })
        .collect();
    let list = interps
        .iter()
        .zip(&mems)
        .map(|(i, m)| match m {
            Some(m) => format!(
                "{} median {}, maximum {}",
                i.label,
                format_kib(m.median_kib),
                format_kib(m.max_kib as f64)
            ),
            None => format!("{} no figure", i.label),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let startup = summary
        .workloads
        .iter()
        .any(|w| w.name == workload && w.kind == WorkloadKind::Startup)
        || summary
            .cells
            .iter()
            .any(|c| c.key.workload == workload && c.kind == WorkloadKind::Startup);
    let what = if startup {
        "an empty program (startup)".to_string()
    } else {
        workload.to_string()
    };
    let panel = Panel {
        title: format!("Peak memory: {what}"),
        x_desc: "Peak resident set size (MiB; bar: median, circle: maximum)".into(),
        bars,
    };
    Some((panel, format!("{what}: {list}")))
}

/// Peak memory of several workloads, one panel each, one above the other (e.g. the example
/// workload and an empty program).
pub fn memory_panels(
    summary: &Summary,
    workloads: &[&str],
    size: SizeName,
) -> Result<Option<Chart>> {
    let panels: Vec<(Panel, String)> = workloads
        .iter()
        .filter_map(|w| memory_panel(summary, w, size))
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let names = workloads
        .iter()
        .map(|w| slug(w))
        .collect::<Vec<_>>()
        .join("-");
    let heights: Vec<u32> = panels
        .iter()
        .map(|(p, _)| panel_height(p.bars.len()))
        .collect();
    let desc = panels
        .iter()
        .map(|(_, d)| d.as_str())
        .collect::<Vec<_>>()
        .join(". ");
    let title = format!(
        "{}: peak memory per interpreter ({size} size)",
        workloads.join(" and ")
    );
    svg_chart(
        format!("memory-{names}-{size}.svg"),
        title,
        format!(
            "Horizontal bars of the median peak resident memory (ru_maxrss) across process executions, \
             with the maximum as a circle. {desc}."
        ),
        (WIDTH, heights.iter().sum()),
        |root| {
            let mut rest = root.clone();
            for ((panel, _), h) in panels.iter().zip(&heights) {
                let (top, bottom) = rest.split_vertically(*h);
                draw_panel(&top, panel)?;
                rest = bottom;
            }
            Ok(())
        },
    )
    .map(Some)
}

/// Startup time per interpreter: the wall time of a process running an empty program, with
/// its 95% interval.
pub fn startup(summary: &Summary, size: SizeName) -> Result<Option<Chart>> {
    let startup_cells: Vec<_> = summary
        .cells
        .iter()
        .filter(|c| c.kind == WorkloadKind::Startup && c.key.size == size)
        .collect();
    let Some(workload) = startup_cells.first().map(|c| c.key.workload.clone()) else {
        return Ok(None);
    };
    let interps: Vec<Interp> = interpreters(summary)
        .into_iter()
        .filter(|i| startup_cells.iter().any(|c| c.key.interp == i.id))
        .collect();
    let ests: Vec<Option<&Estimate>> = interps
        .iter()
        .map(|i| {
            startup_cells
                .iter()
                .find(|c| c.key.interp == i.id && c.key.workload == workload)
                .and_then(|c| c.wall_ns.as_ref())
        })
        .collect();
    if ests.iter().all(Option::is_none) {
        return Ok(None);
    }
    let unit = TimeUnit::for_max(
        ests.iter()
            .flatten()
            .map(|e| est_max(e))
            .fold(0.0, f64::max),
    );
    let bars = interps
        .iter()
        .zip(&ests)
        .map(|(i, e)| {
            est_bar(i, *e, unit, || {
                missing_note(summary, &i.id, &workload, size)
            })
        })
        .collect();
    let desc = describe_estimates(
        &whichpy_view::Lookup::at(summary, size).level(),
        &interps
            .iter()
            .zip(&ests)
            .map(|(i, e)| (i.label.clone(), *e))
            .collect::<Vec<_>>(),
    );
    let panel = Panel {
        title: "Startup: wall time of an empty program".into(),
        x_desc: format!("Process wall time ({}; whiskers: 95% interval)", unit.name),
        bars,
    };
    svg_chart(
        format!("startup-{size}.svg"),
        format!("Startup time per interpreter ({size} size)"),
        format!(
            "Horizontal bars of the mean wall time of a process that runs an empty program, \
             across process executions, with 95% interval whiskers: {desc}."
        ),
        (WIDTH, panel_height(interps.len())),
        |root| draw_panel(root, &panel),
    )
    .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_label_takes_two_lines_and_a_short_one_stays() {
        assert_eq!(
            label_lines("CPython 3.13, free-threaded (built from Debian's source)"),
            [
                "CPython 3.13, free-threaded",
                "(built from Debian's source)"
            ]
        );
        assert_eq!(
            label_lines("CPython 3.11 (Debian 12)"),
            ["CPython 3.11 (Debian 12)"]
        );
        // No parenthesis: the space nearest the middle.
        assert_eq!(
            label_lines("MicroPython native emitter with a long name"),
            ["MicroPython native", "emitter with a long name"]
        );
        let note = "not run: MicroPython has no multiprocessing module and its os module has no \
                    fork, pipe or waitpid.";
        let lines = fit_lines(note, 40, 2);
        assert_eq!(
            lines,
            [
                "not run: MicroPython has no",
                "multiprocessing module and its os…"
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 40));
        assert_eq!(fit_lines(note, 200, 2), [note]);
        for l in label_lines("CPython 3.13, free-threaded (built from Debian's source)") {
            assert!(l.chars().count() <= LABEL_CHARS, "{l}");
        }
    }
}
