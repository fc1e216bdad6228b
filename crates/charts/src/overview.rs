//! The results overview: every workload's time ratio against the baseline interpreter, with
//! its bootstrap 95% interval, on a logarithmic axis (0.5 and 2 are equally far from 1), and
//! the geometric mean over workloads at the bottom.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use whichpy_wire::summary::{Interval, Metric, Summary, Verdict};
use whichpy_wire::SizeName;

use crate::bars::missing_note;
use whichpy_view::figure::{self, RatioView};
use whichpy_view::Lookup;

use crate::{interpreters, svg_chart, text, tick};
use crate::{legend, Chart, Interp, Result, Swatch, INK, MUTED};

const WIDTH: u32 = 800;
const ROW: u32 = 26;
const GROUP_GAP: f64 = 0.6;

struct Row {
    interp: Interp,
    ratio: Option<(f64, Interval, Verdict)>,
    note: String,
}

struct Group {
    label: String,
    rows: Vec<Row>,
}

/// The ratio as the article words it ("17.2× faster"), and its long text for the description.
fn words(ratio: f64, ci: Interval, v: Verdict, level: &str) -> RatioView {
    figure::ratio(ratio, ci.low, ci.high, v, level, "")
}

/// An axis tick in the article's convention: `4× faster`, `1×`, `2× slower`.
fn convention_tick(v: f64) -> String {
    if (v - 1.0).abs() < 1e-9 {
        "1×".into()
    } else if v < 1.0 {
        format!("{}× faster", tick(1.0 / v))
    } else {
        format!("{}× slower", tick(v))
    }
}

/// Ratios `time(interp) / time(baseline)` of every workload for `metric` (`Warm` or `Cold`),
/// or `None` when the data has no comparison (a single interpreter, or no baseline).
pub fn overview(summary: &Summary, size: SizeName, metric: Metric) -> Result<Option<Chart>> {
    let baseline = summary.analysis.baseline.clone();
    let all = interpreters(summary);
    let base_label = all
        .iter()
        .find(|i| i.id == baseline)
        .map(|i| i.label.clone())
        .unwrap_or_else(|| baseline.clone());
    let others: Vec<Interp> = all.into_iter().filter(|i| i.id != baseline).collect();
    let comps: Vec<_> = summary
        .comparisons
        .iter()
        .filter(|c| c.size == size && c.metric == metric)
        .collect();
    if comps.is_empty() || others.is_empty() {
        return Ok(None);
    }
    let look = Lookup::at(summary, size);
    let level = look.level();
    let mut groups = Vec::new();
    for w in look.iteration_workloads() {
        let rows: Vec<Row> = others
            .iter()
            .map(|i| {
                let c = comps.iter().find(|c| c.workload == w && c.interp == i.id);
                Row {
                    interp: i.clone(),
                    ratio: c.map(|c| (c.ratio, c.ci, c.verdict)),
                    note: match c {
                        Some(c) => words(c.ratio, c.ci, c.verdict, &level).short,
                        None => missing_note(summary, &i.id, &w, size),
                    },
                }
            })
            .collect();
        if rows.iter().any(|r| r.ratio.is_some()) {
            groups.push(Group { label: w, rows });
        }
    }
    let geo_rows: Vec<Row> = others
        .iter()
        .filter_map(|i| {
            let g = summary
                .geomeans
                .iter()
                .find(|g| g.size == size && g.metric == metric && g.interp == i.id)?;
            Some(Row {
                interp: i.clone(),
                ratio: Some((g.ratio, g.ci, g.verdict)),
                note: words(g.ratio, g.ci, g.verdict, &level).short,
            })
        })
        .collect();
    if !geo_rows.is_empty() {
        groups.push(Group {
            label: "geometric mean".into(),
            rows: geo_rows,
        });
    }
    if groups.is_empty() {
        return Ok(None);
    }

    let (mut lo, mut hi) = (1.0f64, 1.0f64);
    for r in groups.iter().flat_map(|g| &g.rows) {
        if let Some((ratio, ci, _)) = r.ratio {
            lo = lo.min(ci.low).min(ratio);
            hi = hi.max(ci.high).max(ratio);
        }
    }
    let (lo, hi) = (lo.max(1e-6) / 1.5, hi * 1.5);

    let rows_total: usize = groups.iter().map(|g| g.rows.len()).sum();
    let height_units = rows_total as f64 + GROUP_GAP * groups.len() as f64;
    let legend_items: Vec<(String, RGBColor, crate::Marker)> = others
        .iter()
        .map(|i| (i.label.clone(), i.color(), i.marker()))
        .collect();
    let items: Vec<(Swatch, String)> = legend_items
        .iter()
        .map(|(l, c, m)| (Swatch::Dot(*c, *m), l.clone()))
        .collect();
    let legend_h = crate::legend_height(WIDTH, 160, &items);
    let height = 150 + legend_h + (ROW as f64 * height_units) as u32;
    let what = match metric {
        Metric::Warm => "steady-state (warm) time per iteration",
        Metric::Cold => "cold time (first iteration plus startup)",
        Metric::Startup => "startup time",
        Metric::Process => "process time",
    };
    let desc_items = groups
        .iter()
        .map(|g| {
            let rows = g
                .rows
                .iter()
                .map(|r| match r.ratio {
                    Some((ratio, ci, v)) => {
                        format!("{} {}", r.interp.label, words(ratio, ci, v, &level).text)
                    }
                    None => format!("{} {}", r.interp.label, r.note),
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("{}: {rows}", g.label)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let title = format!(
        "Ratio of {} to {base_label}, per workload ({size} size)",
        match metric {
            Metric::Warm => "warm time",
            Metric::Cold => "cold time",
            Metric::Startup => "startup time",
            Metric::Process => "process time",
        }
    );
    let desc = format!(
        "Dot plot on a logarithmic axis of each interpreter's {what} divided by {base_label}'s, \
         with 95% interval whiskers; left of 1× is faster than {base_label}. {desc_items}."
    );
    let caption = title.clone();
    svg_chart(
        format!("overview-{}-{size}.svg", metric.as_str()),
        title,
        desc,
        (WIDTH, height),
        move |root| {
            let (main, foot) = root.split_vertically(height - legend_h);
            let mut chart = ChartBuilder::on(&main)
                .caption(&caption, text(16, &INK))
                .margin(12)
                .margin_right(24)
                .x_label_area_size(62)
                .y_label_area_size(150)
                .build_cartesian_2d((lo..hi).log_scale().base(2.0), 0f64..height_units)?;
            let x_desc =
                format!("Time relative to {base_label} (log scale; whiskers: 95% interval)");
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(8)
                .x_label_formatter(&|v| convention_tick(*v))
                .x_desc(x_desc.as_str())
                .label_style(text(13, &INK))
                .axis_desc_style(text(13, &INK))
                .axis_style(MUTED)
                .max_light_lines(0)
                .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
                .draw()?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(1.0, 0.0), (1.0, height_units)],
                INK.stroke_width(1),
            )))?;
            let label_style = text(14, &INK).pos(Pos::new(HPos::Right, VPos::Center));
            let note_style = text(12, &INK).pos(Pos::new(HPos::Left, VPos::Center));
            let mut y = height_units;
            for g in &groups {
                y -= GROUP_GAP / 2.0;
                let top = y;
                for r in &g.rows {
                    let yc = y - 0.5;
                    match r.ratio {
                        Some((ratio, ci, _)) => {
                            let c = r.interp.color();
                            let w = c.stroke_width(2);
                            chart.draw_series([
                                PathElement::new(vec![(ci.low, yc), (ci.high, yc)], w),
                                PathElement::new(vec![(ci.low, yc - 0.2), (ci.low, yc + 0.2)], w),
                                PathElement::new(vec![(ci.high, yc - 0.2), (ci.high, yc + 0.2)], w),
                            ])?;
                            crate::draw_markers(
                                &mut chart,
                                [(ratio, yc)],
                                r.interp.marker(),
                                5,
                                c,
                            )?;
                            // Right of the whisker, or left of it when the note would
                            // reach past the chart's right edge.
                            let right = ci.high.max(ratio);
                            let at = chart.backend_coord(&(right, yc)).0;
                            let room = main.dim_in_pixel().0 as i32 - 24 - at;
                            if room >= 12 + (r.note.chars().count() as f64 * 7.5) as i32 {
                                chart.draw_series(std::iter::once(
                                    EmptyElement::at((right, yc))
                                        + Text::new(r.note.clone(), (8, 0), note_style.clone()),
                                ))?;
                            } else {
                                chart.draw_series(std::iter::once(
                                    EmptyElement::at((ci.low.min(ratio), yc))
                                        + Text::new(
                                            r.note.clone(),
                                            (-8, 0),
                                            text(12, &INK).pos(Pos::new(HPos::Right, VPos::Center)),
                                        ),
                                ))?;
                            }
                        }
                        None => {
                            chart.draw_series(std::iter::once(
                                EmptyElement::at((lo, yc))
                                    + Text::new(
                                        r.note.clone(),
                                        (6, 0),
                                        text(12, &MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
                                    ),
                            ))?;
                        }
                    }
                    y -= 1.0;
                }
                let mid = (top + y) / 2.0;
                chart.draw_series(std::iter::once(
                    EmptyElement::at((lo, mid))
                        + Text::new(g.label.clone(), (-10, 0), label_style.clone()),
                ))?;
                y -= GROUP_GAP / 2.0;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(lo, y), (hi, y)],
                    RGBColor(0xDD, 0xDD, 0xDD).stroke_width(1),
                )))?;
            }
            legend(&foot, 160, &items)?;
            Ok(())
        },
    )
    .map(Some)
}
