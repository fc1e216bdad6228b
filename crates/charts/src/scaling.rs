//! The scaling chart: speed-up against one worker over 1..N threads, over threads that each run
//! their own copy of the code, and over 1..N processes, per interpreter, with 95% interval
//! whiskers and the ideal line (k workers, k× faster).
//!
//! Its points are the presentation model's (`whichpy_view::scaling`): the same ratios and
//! intervals the page's table and the article quote.

use plotters::coord::Shift;
use plotters::prelude::*;
use whichpy_view::scaling::{ScalingRow, ScalingView, THREADS_OWN_CODE};
use whichpy_wire::summary::Summary;

use crate::{draw_markers, interpreters, legend, svg_chart, text, tick};
use crate::{Chart, Marker, Result, Swatch, INK, MUTED};

const WIDTH: u32 = 960;
/// Panel titles and the parallelism each shows.
const PANELS: [(&str, &str); 3] = [
    ("Threads", "threads"),
    ("Threads, own copy of the code", THREADS_OWN_CODE),
    ("Processes", "processes"),
];
const PANEL_H: u32 = 380;

/// A line of the chart: one interpreter, one kind of parallelism.
struct Series<'a> {
    row: &'a ScalingRow,
    color: RGBColor,
    marker: Marker,
    /// Horizontal offset in workers, so that whiskers at one worker count do not overlap.
    dx: f64,
}

/// The speed-up chart of a summary's scaling section, or `None` when no row has a point.
pub fn scaling(summary: &Summary, view: &ScalingView) -> Result<Option<Chart>> {
    // Colours and markers follow the other charts where the interpreter is in the summary.
    let known = interpreters(summary);
    let mut ids: Vec<&str> = Vec::new();
    for r in &view.rows {
        if !ids.contains(&r.interp.as_str()) {
            ids.push(&r.interp);
        }
    }
    let style = |id: &str| -> (RGBColor, Marker) {
        let index = known.iter().find(|i| i.id == id).map_or_else(
            || known.len() + ids.iter().position(|x| *x == id).unwrap_or(0),
            |i| i.index,
        );
        (crate::color(index), Marker::of(index))
    };
    let n = ids.len().max(1) as f64;
    let offset = |id: &str| {
        let k = ids.iter().position(|x| *x == id).unwrap_or(0) as f64;
        (k - (n - 1.0) / 2.0) * 0.05
    };
    let series = |parallelism: &str| -> Vec<Series> {
        view.rows
            .iter()
            .filter(|r| {
                r.parallelism == parallelism && r.speedup.iter().any(|p| p.values.is_some())
            })
            .map(|row| {
                let (color, marker) = style(&row.interp);
                Series {
                    row,
                    color,
                    marker,
                    dx: offset(&row.interp),
                }
            })
            .collect()
    };
    let panels: Vec<(&str, Vec<Series>)> = PANELS
        .iter()
        .map(|(title, p)| (*title, series(p)))
        .filter(|(title, ss)| !ss.is_empty() || *title != PANELS[1].0)
        .collect();
    if panels.iter().all(|(_, ss)| ss.is_empty()) {
        return Ok(None);
    }
    let max_workers = view
        .rows
        .iter()
        .flat_map(|r| &r.speedup)
        .filter_map(|p| p.values.map(|v| v.0))
        .max()
        .unwrap_or(1)
        .max(2);
    let y_max = view
        .rows
        .iter()
        .flat_map(|r| &r.speedup)
        .filter_map(|p| p.values.map(|v| v.3))
        .fold(max_workers as f64, f64::max)
        * 1.1;

    let mut legend_items: Vec<(Swatch, String)> = Vec::new();
    for id in &ids {
        let (color, marker) = style(id);
        let label = view
            .rows
            .iter()
            .find(|r| r.interp == *id)
            .map_or_else(|| (*id).to_string(), |r| r.label.clone());
        legend_items.push((Swatch::Series(color, 2, marker), label));
    }
    legend_items.push((Swatch::Line(MUTED, 1), "ideal: k workers, k× faster".into()));
    // Legend strips, filled greedily by the legend's own width estimate.
    let mut strips: Vec<Vec<(Swatch, String)>> = vec![Vec::new()];
    let mut used = 60;
    for item in legend_items {
        let w = 44 + (item.1.chars().count() as f64 * 6.9) as i32;
        if used + w > WIDTH as i32 && !strips.last().is_some_and(Vec::is_empty) {
            strips.push(Vec::new());
            used = 60;
        }
        used += w;
        strips.last_mut().expect("one strip").push(item);
    }

    let describe = |name: &str, ss: &[Series]| -> String {
        if ss.is_empty() {
            return format!("{name}: no figure");
        }
        let parts: Vec<String> = ss
            .iter()
            .map(|s| {
                let points: Vec<String> = s
                    .row
                    .speedup
                    .iter()
                    .map(|p| format!("{} workers {}", p.workers, p.brief))
                    .collect();
                format!("{}: {}", s.row.label, points.join(", "))
            })
            .collect();
        format!("{name}: {}", parts.join("; "))
    };
    let not_run: Vec<String> = view
        .rows
        .iter()
        .filter_map(|r| {
            r.unsupported
                .as_ref()
                .map(|why| format!("{} {} not run ({why})", r.label, r.parallelism))
        })
        .collect();
    let described: Vec<String> = panels
        .iter()
        .map(|(title, ss)| describe(title, ss))
        .collect();
    let mut desc = format!(
        "Speed-up of a fixed total of CPU-bound work against one worker, over 1 to {} workers, \
         with 95% interval whiskers and the ideal line. {}.",
        view.cores,
        described.join(". ")
    );
    if !not_run.is_empty() {
        desc.push_str(&format!(" {}.", not_run.join("; ")));
    }
    svg_chart(
        "scaling-speedup.svg".into(),
        format!(
            "Speed-up over threads and over processes ({} cores)",
            view.cores
        ),
        desc,
        (
            WIDTH,
            PANEL_H
                + strips
                    .iter()
                    .map(|items| crate::legend_height(WIDTH, 60, items))
                    .sum::<u32>(),
        ),
        |root| {
            let (main, mut foot) = root.split_vertically(PANEL_H);
            let areas = main.split_evenly((1, panels.len()));
            for (area, (title, ss)) in areas.iter().zip(&panels) {
                draw_panel(area, title, ss, max_workers, y_max)?;
            }
            for items in &strips {
                let (strip, rest) = foot.split_vertically(crate::legend_height(WIDTH, 60, items));
                legend(&strip, 60, items)?;
                foot = rest;
            }
            Ok(())
        },
    )
    .map(Some)
}

fn draw_panel(
    area: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    series: &[Series],
    max_workers: u32,
    y_max: f64,
) -> Result<()> {
    let x_max = max_workers as f64 + 0.4;
    let mut chart = ChartBuilder::on(area)
        .caption(title, text(17, &INK))
        .margin(12)
        .margin_right(20)
        .x_label_area_size(46)
        .y_label_area_size(56)
        .build_cartesian_2d(0.6f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_labels(max_workers as usize)
        .x_label_formatter(&|v| {
            if (v.fract()).abs() < 1e-9 && *v >= 1.0 {
                format!("{}", *v as u32)
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| format!("{}×", tick(*v)))
        .x_desc("Workers")
        .y_desc("Speed-up vs one worker")
        .label_style(text(13, &INK))
        .axis_desc_style(text(14, &INK))
        .axis_style(MUTED)
        .max_light_lines(0)
        .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
        .draw()?;
    // The ideal: k workers, k times faster.
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(1.0, 1.0), (max_workers as f64, max_workers as f64)],
        MUTED.stroke_width(1),
    )))?;
    if series.is_empty() {
        let style = text(14, &MUTED);
        chart.draw_series(std::iter::once(Text::new(
            "no figure".to_string(),
            (1.0, y_max / 2.0),
            style,
        )))?;
        return Ok(());
    }
    for s in series {
        let pts: Vec<(f64, f64, f64, f64)> = s
            .row
            .speedup
            .iter()
            .filter_map(|p| p.values)
            .map(|(w, r, lo, hi)| (w as f64 + s.dx, r, lo, hi))
            .collect();
        chart.draw_series(std::iter::once(PathElement::new(
            pts.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(),
            s.color.stroke_width(2),
        )))?;
        let whisker = s.color.stroke_width(2);
        for &(x, _, lo, hi) in &pts {
            chart.draw_series([
                PathElement::new(vec![(x, lo), (x, hi)], whisker),
                PathElement::new(vec![(x - 0.04, lo), (x + 0.04, lo)], whisker),
                PathElement::new(vec![(x - 0.04, hi), (x + 0.04, hi)], whisker),
            ])?;
        }
        draw_markers(
            &mut chart,
            pts.iter().map(|p| (p.0, p.1)),
            s.marker,
            4,
            s.color,
        )?;
    }
    Ok(())
}
