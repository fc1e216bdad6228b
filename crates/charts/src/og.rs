//! The og:image: a 1200×630 PNG made from the data (startup times, and the steady-state
//! geometric mean against the baseline), for link previews.
//!
//! It is drawn as SVG like every other chart, then rasterised by resvg with DejaVu Sans,
//! whose TTF is embedded in this crate: resvg loads no font by default (text would silently
//! vanish), and a system font would tie the PNG's bytes to the machine.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use whichpy_wire::summary::{Metric, Summary};

use crate::bars::{draw_panel, Bar, Panel};
use crate::{format_ns, interpreters, primary_size, svg_chart, text};
use crate::{Chart, Error, Result, TimeUnit, INK, MUTED};

pub const OG_WIDTH: u32 = 1200;
pub const OG_HEIGHT: u32 = 630;

/// DejaVu Sans 2.37 (Bitstream Vera licence, see `fonts/LICENSE-DejaVu.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// The og:image as SVG (also useful on its own).
pub fn og_svg(summary: &Summary, headline: &str) -> Result<Chart> {
    let size = primary_size(summary);
    let level = whichpy_view::Lookup::at(summary, size).level();
    let interps = interpreters(summary);
    let baseline = &summary.analysis.baseline;
    let base_label = interps
        .iter()
        .find(|i| &i.id == baseline)
        .map(|i| i.label.clone())
        .unwrap_or_else(|| baseline.clone());

    let startup: Vec<(_, _)> = interps
        .iter()
        .filter_map(|i| {
            let c = summary.cells.iter().find(|c| {
                c.key.interp == i.id
                    && c.key.size == size
                    && c.kind == whichpy_wire::WorkloadKind::Startup
            })?;
            Some((i, c.wall_ns.as_ref()?))
        })
        .collect();
    let unit = TimeUnit::for_max(
        startup
            .iter()
            .map(|(_, e)| e.ci.map_or(e.mean, |c| c.high))
            .fold(0.0, f64::max),
    );
    let startup_panel = Panel {
        title: "Startup (empty program)".into(),
        x_desc: format!("Wall time ({}; whiskers: 95% interval)", unit.name),
        bars: startup
            .iter()
            .map(|(i, e)| Bar {
                label: i.label.clone(),
                color: i.color(),
                shape: i.marker(),
                value: Some(unit.of(e.mean)),
                interval: e.ci.map(|c| (unit.of(c.low), unit.of(c.high))),
                marker: None,
                note: format_ns(e.mean),
            })
            .collect(),
    };

    let geo: Vec<_> = interps
        .iter()
        .filter_map(|i| {
            if &i.id == baseline {
                return Some((
                    i,
                    1.0,
                    None::<(whichpy_wire::summary::Interval, String)>,
                    0usize,
                ));
            }
            let g = summary
                .geomeans
                .iter()
                .find(|g| g.interp == i.id && g.size == size && g.metric == Metric::Warm)?;
            let words =
                whichpy_view::figure::ratio(g.ratio, g.ci.low, g.ci.high, g.verdict, &level, "");
            Some((i, g.ratio, Some((g.ci, words.short)), g.workloads.len()))
        })
        .collect();
    let workloads = geo.iter().map(|g| g.3).max().unwrap_or(0);
    let warm_panel = Panel {
        title: format!(
            "Steady state vs {base_label} (geometric mean, {workloads} workload{})",
            if workloads == 1 { "" } else { "s" }
        ),
        x_desc: "Time relative to the baseline (below 1 = faster)".into(),
        bars: if geo.len() > 1 {
            geo.iter()
                .map(|(i, r, ci, _)| Bar {
                    label: i.label.clone(),
                    color: i.color(),
                    shape: i.marker(),
                    value: Some(*r),
                    interval: ci.as_ref().map(|(c, _)| (c.low, c.high)),
                    marker: None,
                    note: ci
                        .as_ref()
                        .map_or("baseline".to_string(), |(_, w)| w.clone()),
                })
                .collect()
        } else {
            Vec::new()
        },
    };

    let date = summary.environment.data_date.get(..10).unwrap_or("");
    let subtitle = format!(
        "Measured {date} on {} ({} cores) · 95% intervals · reproduce: cargo xtask bench",
        summary.environment.machine.cpu_model, summary.environment.machine.cores
    );
    let desc = format!(
        "{headline}. Startup: {}. Steady-state time relative to {base_label}: {}.",
        startup
            .iter()
            .map(|(i, e)| format!("{} {}", i.label, format_ns(e.mean)))
            .collect::<Vec<_>>()
            .join(", "),
        geo.iter()
            .map(|(i, _, ci, _)| {
                let w = ci.as_ref().map_or("baseline", |(_, w)| w.as_str());
                format!("{} {w}", i.label)
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    svg_chart(
        "og-image.svg".into(),
        headline.to_string(),
        desc,
        (OG_WIDTH, OG_HEIGHT),
        |root| {
            let left = Pos::new(HPos::Left, VPos::Center);
            root.draw(&Rectangle::new(
                [(0, 0), (OG_WIDTH as i32, 10)],
                crate::color(0).filled(),
            ))?;
            root.draw(&Text::new(
                headline.to_string(),
                (40, 62),
                TextStyle {
                    color: INK.to_backend_color(),
                    ..TextStyle::from((crate::FONT, 46, FontStyle::Bold).into_font())
                }
                .pos(left),
            ))?;
            root.draw(&Text::new(
                subtitle.clone(),
                (40, 112),
                text(22, &MUTED).pos(left),
            ))?;
            let body = root.margin(140, 40, 10, 10);
            let (l, r) = body.split_horizontally(OG_WIDTH / 2 - 10);
            if !startup_panel.bars.is_empty() {
                draw_panel(&l, &startup_panel)?;
            }
            if !warm_panel.bars.is_empty() {
                draw_panel(&r, &warm_panel)?;
            }
            root.draw(&Text::new(
                "whichpy · every number measured, none typed".to_string(),
                (40, OG_HEIGHT as i32 - 26),
                text(20, &INK).pos(left),
            ))?;
            Ok(())
        },
    )
}

/// The og:image as PNG bytes, exactly [`OG_WIDTH`]×[`OG_HEIGHT`].
pub fn og_image(summary: &Summary, headline: &str) -> Result<Vec<u8>> {
    let chart = og_svg(summary, headline)?;
    svg_to_png(&chart.svg)
}

/// Rasterise an SVG with DejaVu Sans as the only font (every family maps to it).
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>> {
    use resvg::usvg;
    let mut opt = usvg::Options {
        font_family: "DejaVu Sans".into(),
        ..Default::default()
    };
    {
        let db = opt.fontdb_mut();
        db.load_font_data(DEJAVU_SANS.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        db.set_monospace_family("DejaVu Sans");
    }
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| Error(format!("og:image SVG: {e}")))?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| Error("og:image has zero size".into()))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error(format!("og:image PNG: {e}")))
}
