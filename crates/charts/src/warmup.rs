//! Warm-up curves: time per in-process iteration for one cell, across process executions.
//!
//! The line is the mean at each iteration index, the band spans the minimum and maximum
//! (both from [`IterationProfile`]), and the thin grey steps are each process execution's
//! segments as the changepoint search split them (from [`ProcessSummary`]). When the slowest
//! iteration is more than 20 times the fastest, the time axis is logarithmic, so that a JIT's
//! first iterations do not flatten the steady state into a line.
//!
//! [`IterationProfile`]: whichpy_wire::summary::IterationProfile
//! [`ProcessSummary`]: whichpy_wire::summary::ProcessSummary

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use whichpy_wire::summary::{CellSummary, Summary, WarmupClass};
use whichpy_wire::SizeName;

use crate::{format_ns, interpreters, sig3, slug, svg_chart, text, tick};
use crate::{legend, Chart, Interp, Result, Swatch, TimeUnit, INK, LEGEND_H, MUTED};

const WIDTH: u32 = 800;
const HEIGHT: u32 = 420;
/// Above this max/min ratio the time axis is logarithmic.
const LOG_RATIO: f64 = 20.0;

fn class_words(c: WarmupClass) -> &'static str {
    match c {
        WarmupClass::Flat => "flat",
        WarmupClass::Warmup => "warm-up",
        WarmupClass::Slowdown => "slowdown",
        WarmupClass::NoSteadyState => "no steady state",
    }
}

/// The warm-up curve of one cell, or `None` when it has no iteration profile (startup cells,
/// cells whose every process failed).
pub fn warmup(summary: &Summary, cell: &CellSummary) -> Result<Option<Chart>> {
    let Some(profile) = cell.profile.as_ref().filter(|p| !p.mean_ns.is_empty()) else {
        return Ok(None);
    };
    let interp = interpreters(summary)
        .into_iter()
        .find(|i| i.id == cell.key.interp)
        .expect("interpreters() lists every interpreter of the cells");
    let workload = &cell.key.workload;
    let size = cell.key.size;
    let n = profile.mean_ns.len();
    let hi = profile
        .max_ns
        .iter()
        .map(|&v| v as f64)
        .chain(profile.mean_ns.iter().copied())
        .fold(0.0, f64::max);
    let lo = profile
        .min_ns
        .iter()
        .map(|&v| v as f64)
        .chain(profile.mean_ns.iter().copied())
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let unit = TimeUnit::for_max(hi);
    let log = lo.is_finite() && hi / lo > LOG_RATIO;

    let class = cell.warmup.as_ref().map(|w| {
        let counts = WarmupClass::ALL
            .iter()
            .filter_map(|c| {
                let k = w.counts.get(c).copied().unwrap_or(0);
                (k > 0).then(|| format!("{} {}", k, class_words(*c)))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let before = w
            .iterations_before_steady
            .as_ref()
            .map(|e| {
                format!(
                    "; steady state after {} iterations on average",
                    sig3(e.mean)
                )
            })
            .unwrap_or_default();
        format!("Warm-up classes of the process executions: {counts}{before}.")
    });
    let title = format!(
        "{workload} on {}: time per iteration ({size} size)",
        interp.label
    );
    let desc = format!(
        "Line chart of the time of each of {n} in-process iterations of {workload} on {}, \
         the mean across {} process executions with a band from the fastest to the slowest{}: \
         iteration 1 took {} on average, iteration {n} took {}. {}",
        interp.label,
        cell.processes_ok,
        if log {
            ", on a logarithmic time axis"
        } else {
            ""
        },
        format_ns(profile.mean_ns[0]),
        format_ns(profile.mean_ns[n - 1]),
        class.unwrap_or_default()
    );
    let file = format!(
        "warmup-{}-{}-{size}.svg",
        slug(workload),
        slug(&cell.key.interp)
    );
    svg_chart(
        file,
        title.clone(),
        desc,
        (WIDTH, HEIGHT + LEGEND_H),
        |root| {
            let (main, foot) = root.split_vertically(HEIGHT);
            let caption = format!("{workload} on {}", interp.label);
            let c = interp.color();
            if log {
                let y = (unit.of(lo) / 1.15)..(unit.of(hi) * 1.15);
                draw(
                    &main,
                    &caption,
                    cell,
                    unit,
                    y.log_scale().base(2.0),
                    true,
                    (c, interp.marker()),
                )?;
            } else {
                let y = 0.0..unit.of(hi) * 1.08;
                draw(&main, &caption, cell, unit, y, false, (c, interp.marker()))?;
            }
            legend(
                &foot,
                90,
                &[
                    (
                        Swatch::Series(c, 3, interp.marker()),
                        "mean across processes".into(),
                    ),
                    (Swatch::Band(c), "fastest to slowest process".into()),
                    (
                        Swatch::Line(RGBColor(0x66, 0x66, 0x66), 1),
                        "segment means of each process".into(),
                    ),
                ],
            )
        },
    )
    .map(Some)
}

/// The axes every warm-up chart shares: iteration index across, time per iteration up.
fn iteration_axes<'a, 'b, Y>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: &str,
    n: usize,
    y: Y,
    unit: TimeUnit,
    log: bool,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, Y::CoordDescType>>>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .caption(caption, text(17, &INK))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(46)
        .y_label_area_size(70)
        .build_cartesian_2d(0.5f64..n as f64 + 0.5, y)?;
    let y_desc = format!(
        "Time per iteration ({}{})",
        unit.name,
        if log { ", log scale" } else { "" }
    );
    chart
        .configure_mesh()
        .x_desc("Iteration (in one process)")
        .y_desc(y_desc.as_str())
        .x_labels(n.min(10))
        .y_labels(12)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| tick(*v))
        .label_style(text(13, &INK))
        .axis_desc_style(text(14, &INK))
        .axis_style(MUTED)
        .max_light_lines(0)
        .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
        .draw()?;
    Ok(chart)
}

fn draw<Y>(
    root: &DrawingArea<SVGBackend, Shift>,
    caption: &str,
    cell: &CellSummary,
    unit: TimeUnit,
    y: Y,
    log: bool,
    (color, marker): (RGBColor, crate::Marker),
) -> Result<()>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let profile = cell.profile.as_ref().expect("checked by the caller");
    let n = profile.mean_ns.len();
    let mut chart = iteration_axes(root, caption, n, y, unit, log)?;

    let x = |i: usize| (i + 1) as f64;
    let band: Vec<(f64, f64)> = (0..n)
        .map(|i| (x(i), unit.of(profile.max_ns[i] as f64)))
        .chain(
            (0..n)
                .rev()
                .map(|i| (x(i), unit.of(profile.min_ns[i] as f64))),
        )
        .collect();
    let band_style = color.mix(0.22).filled();
    chart.draw_series(std::iter::once(Polygon::new(band, band_style)))?;

    let step = RGBColor(0x66, 0x66, 0x66).stroke_width(1);
    for p in &cell.process_details {
        let mut bounds = vec![0u32];
        bounds.extend(p.changepoints.iter().copied());
        bounds.push(p.iterations);
        let mut pts = Vec::new();
        for (s, mean) in p.segment_means_ns.iter().enumerate() {
            let (a, b) = (bounds[s] as f64 + 0.5, bounds[s + 1] as f64 + 0.5);
            pts.push((a, unit.of(*mean)));
            pts.push((b, unit.of(*mean)));
        }
        if pts.is_empty() {
            continue;
        }
        chart.draw_series(std::iter::once(PathElement::new(pts, step)))?;
    }

    let line = color.stroke_width(3);
    chart.draw_series(LineSeries::new(
        (0..n).map(|i| (x(i), unit.of(profile.mean_ns[i]))),
        line,
    ))?;
    crate::draw_markers(
        &mut chart,
        (0..n).map(|i| (x(i), unit.of(profile.mean_ns[i]))),
        marker,
        3,
        color,
    )?;

    Ok(())
}

/// Every interpreter's mean warm-up curve for one workload, as small multiples: one panel per
/// family, each with its own iteration and time axes (so that CPython's few iterations are not
/// a smear at the left edge of PyPy's many), each curve with its fastest-to-slowest band; a
/// panel's time axis is logarithmic when its values span more than 20×. Every series has its
/// own colour and marker.
pub fn warmup_compare(summary: &Summary, workload: &str, size: SizeName) -> Result<Option<Chart>> {
    let series: Vec<(Interp, &CellSummary)> = interpreters(summary)
        .into_iter()
        .filter_map(|i| {
            let c = crate::cell(summary, &i.id, workload, size)?;
            c.profile.as_ref().filter(|p| !p.mean_ns.is_empty())?;
            Some((i, c))
        })
        .collect();
    if series.is_empty() {
        return Ok(None);
    }
    // Families in display order (the baseline's first), each with its interpreters.
    let mut groups: Vec<(String, Vec<(Interp, &CellSummary)>)> = Vec::new();
    for (i, c) in &series {
        let family = i.info.as_ref().map_or_else(
            || "Other".to_string(),
            |info| whichpy_view::words::family_name(info.family).to_string(),
        );
        match groups.iter_mut().find(|(f, _)| *f == family) {
            Some((_, g)) => g.push((i.clone(), *c)),
            None => groups.push((family, vec![(i.clone(), *c)])),
        }
    }
    let list = series
        .iter()
        .map(|(i, c)| {
            let p = c.profile.as_ref().expect("filtered");
            format!(
                "{} from {} at iteration 1 to {} at iteration {}",
                i.label,
                format_ns(p.mean_ns[0]),
                format_ns(p.mean_ns[p.mean_ns.len() - 1]),
                p.mean_ns.len()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let families = groups
        .iter()
        .map(|(f, _)| f.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let title = format!("{workload}: warm-up curves of every interpreter ({size} size)");
    let desc = format!(
        "Line charts of the mean time per in-process iteration of {workload}, one panel per \
         family ({families}), each interpreter with a band from the fastest to the slowest \
         process execution; a panel whose times span more than 20× has a logarithmic time \
         axis: {list}."
    );
    let height = PANEL_H * groups.len() as u32;
    let items: Vec<(Swatch, String)> = series
        .iter()
        .map(|(i, _)| (Swatch::Series(i.color(), 3, i.marker()), i.label.clone()))
        .chain([(
            Swatch::Band(RGBColor(0x88, 0x88, 0x88)),
            "fastest to slowest process".into(),
        )])
        .collect();
    let legend_h = crate::legend_height(WIDTH, 90, &items);
    svg_chart(
        format!("warmup-{}-{size}.svg", slug(workload)),
        title,
        desc,
        (WIDTH, height + legend_h),
        |root| {
            let (main, foot) = root.split_vertically(height);
            let panels = main.split_evenly((groups.len(), 1));
            for ((family, group), area) in groups.iter().zip(panels.iter()) {
                draw_family(area, &format!("{workload}: {family}"), group)?;
            }
            legend(&foot, 90, &items)
        },
    )
    .map(Some)
}

/// Height of one family's panel in [`warmup_compare`].
const PANEL_H: u32 = 300;

/// One family's panel: its own iteration count, time unit and (linear or log) time axis.
fn draw_family(
    area: &DrawingArea<SVGBackend, Shift>,
    caption: &str,
    series: &[(Interp, &CellSummary)],
) -> Result<()> {
    let profiles = || {
        series
            .iter()
            .map(|(_, c)| c.profile.as_ref().expect("filtered"))
    };
    let n = profiles().map(|p| p.mean_ns.len()).max().unwrap_or(1);
    let hi = profiles()
        .flat_map(|p| {
            p.max_ns
                .iter()
                .map(|&v| v as f64)
                .chain(p.mean_ns.iter().copied())
        })
        .fold(0.0, f64::max);
    let lo = profiles()
        .flat_map(|p| {
            p.min_ns
                .iter()
                .map(|&v| v as f64)
                .chain(p.mean_ns.iter().copied())
        })
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let unit = TimeUnit::for_max(hi);
    if lo.is_finite() && hi / lo > LOG_RATIO {
        let y = (unit.of(lo) / 1.15)..(unit.of(hi) * 1.15);
        draw_compare(
            area,
            caption,
            series,
            n,
            unit,
            y.log_scale().base(2.0),
            true,
        )
    } else {
        draw_compare(
            area,
            caption,
            series,
            n,
            unit,
            0.0..unit.of(hi) * 1.08,
            false,
        )
    }
}

fn draw_compare<Y>(
    root: &DrawingArea<SVGBackend, Shift>,
    caption: &str,
    series: &[(Interp, &CellSummary)],
    n: usize,
    unit: TimeUnit,
    y: Y,
    log: bool,
) -> Result<()>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = iteration_axes(root, caption, n, y, unit, log)?;
    for (interp, cell) in series {
        let p = cell.profile.as_ref().expect("filtered");
        let m = p.mean_ns.len();
        let x = |i: usize| (i + 1) as f64;
        let color = interp.color();
        let band: Vec<(f64, f64)> = (0..m)
            .map(|i| (x(i), unit.of(p.max_ns[i] as f64)))
            .chain((0..m).rev().map(|i| (x(i), unit.of(p.min_ns[i] as f64))))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            color.mix(0.18).filled(),
        )))?;
        let line = color.stroke_width(3);
        chart.draw_series(LineSeries::new(
            (0..m).map(|i| (x(i), unit.of(p.mean_ns[i]))),
            line,
        ))?;
        crate::draw_markers(
            &mut chart,
            (0..m).map(|i| (x(i), unit.of(p.mean_ns[i]))),
            interp.marker(),
            3,
            color,
        )?;
    }
    Ok(())
}
