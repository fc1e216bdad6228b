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
use plotters::coord::Shift;
use plotters::prelude::*;
use whichpy_wire::summary::{CellSummary, Summary, WarmupClass};

use crate::{format_ns, interpreters, sig3, slug, svg_chart, text, tick};
use crate::{Chart, Result, TimeUnit, INK, MUTED};

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
    svg_chart(file, title.clone(), desc, (WIDTH, HEIGHT), |root| {
        let caption = format!("{workload} on {}", interp.label);
        if log {
            let y = (unit.of(lo) / 1.15)..(unit.of(hi) * 1.15);
            draw(
                root,
                &caption,
                cell,
                unit,
                y.log_scale(),
                true,
                interp.color(),
            )
        } else {
            let y = 0.0..unit.of(hi) * 1.08;
            draw(root, &caption, cell, unit, y, false, interp.color())
        }
    })
    .map(Some)
}

fn draw<Y>(
    root: &DrawingArea<SVGBackend, Shift>,
    caption: &str,
    cell: &CellSummary,
    unit: TimeUnit,
    y: Y,
    log: bool,
    color: RGBColor,
) -> Result<()>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let profile = cell.profile.as_ref().expect("checked by the caller");
    let n = profile.mean_ns.len();
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
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| tick(*v))
        .label_style(text(13, &INK))
        .axis_desc_style(text(14, &INK))
        .axis_style(MUTED)
        .max_light_lines(0)
        .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
        .draw()?;

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
    chart
        .draw_series(std::iter::once(Polygon::new(band, band_style)))?
        .label("fastest to slowest process")
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], band_style));

    let step = RGBColor(0x66, 0x66, 0x66).stroke_width(1);
    let mut labelled = false;
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
        let anno = chart.draw_series(std::iter::once(PathElement::new(pts, step)))?;
        if !labelled {
            anno.label("segment means of each process")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], step));
            labelled = true;
        }
    }

    let line = color.stroke_width(3);
    chart
        .draw_series(LineSeries::new(
            (0..n).map(|i| (x(i), unit.of(profile.mean_ns[i]))),
            line,
        ))?
        .label("mean across processes")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], line));
    chart.draw_series(
        (0..n).map(|i| Circle::new((x(i), unit.of(profile.mean_ns[i])), 3, color.filled())),
    )?;

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(text(13, &INK))
        .background_style(WHITE.mix(0.9))
        .border_style(MUTED)
        .draw()?;
    Ok(())
}
