//! Every image of the site, drawn from the data by `whichpy-charts`.
//!
//! - The article's images come from render's image plan: a planned image whose source is a
//!   generated chart is drawn by its typed `chart` kind (see [`planned_chart`]) into the plan's path; a diagram
//!   is copied from `content/images/`. A `.png` file name gets the chart rasterised.
//! - The site's own charts go to `charts/`: the ratio overviews, startup, and per workload the
//!   warm-up curves (all interpreters, then one per interpreter with each process's segments),
//!   cold/warm bars with intervals, and memory.

use std::collections::BTreeMap;

use serde::Serialize;
use whichpy_charts as charts;
use whichpy_render::content::ChartKind;
use whichpy_render::outputs::ImageView;
use whichpy_render::Rendered;
use whichpy_wire::summary::{Metric, Summary};
use whichpy_wire::SizeName;

use crate::{Error, Input, Site};

/// An image as a page shows it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Figure {
    /// Path from the site root.
    pub src: String,
    pub title: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

impl Figure {
    pub(crate) fn of(dir: &str, c: &charts::Chart) -> Figure {
        Figure {
            src: format!("{dir}/{}", c.file),
            title: c.title.clone(),
            alt: c.desc.clone(),
            width: c.width,
            height: c.height,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct WorkloadCharts {
    pub compare: Option<Figure>,
    pub per_interp: Vec<Figure>,
    pub times: Option<Figure>,
    pub memory: Option<Figure>,
}

/// The site's charts, for the pages.
#[derive(Clone, Debug)]
pub(crate) struct Charts {
    pub size: SizeName,
    pub startup: Option<Figure>,
    pub startup_memory: Option<Figure>,
    pub overview_warm: Option<Figure>,
    pub overview_cold: Option<Figure>,
    /// Speed-up over threads and processes (`cargo xtask scaling`).
    pub scaling: Option<Figure>,
    pub workloads: BTreeMap<String, WorkloadCharts>,
    /// The og:image (path from the site root) and its alt text.
    pub og: (String, String),
    /// Each planned image's id and the width and height of the file written for it.
    pub planned: BTreeMap<String, (u32, u32)>,
}

/// The width and height of an image file: a PNG's IHDR, or an SVG's `viewBox` (its
/// `width`/`height` when it has none). `None` for anything else.
pub(crate) fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        return Some((be(16), be(20)));
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let start = text.find("<svg")?;
    let tag = &text[start..start + text[start..].find('>')?];
    let attr = |name: &str| {
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(&tag[at..at + tag[at..].find('"')?])
    };
    let number = |s: &str| s.trim().trim_end_matches("px").parse::<f64>().ok();
    if let Some(vb) = attr("viewBox") {
        let v: Vec<f64> = vb
            .split([' ', ','])
            .filter(|p| !p.is_empty())
            .filter_map(number)
            .collect();
        if let [_, _, w, h] = v[..] {
            return Some((w.round() as u32, h.round() as u32));
        }
    }
    Some((
        number(attr("width")?)?.round() as u32,
        number(attr("height")?)?.round() as u32,
    ))
}

const OG_DEFAULT: &str = "images/og-image.png";

fn add_chart(site: &mut Site, dir: &str, c: &charts::Chart) -> Figure {
    site.add(format!("{dir}/{}", c.file), c.svg.as_bytes());
    Figure::of(dir, c)
}

/// The decision matrix of the article's view, as a chart input.
fn matrix(rendered: &Rendered) -> charts::Matrix {
    let rows = &rendered.view.matrix;
    charts::Matrix {
        title: "Decision matrix: the tests to run first".into(),
        corner: "App class".into(),
        columns: rows
            .first()
            .map(|r| r.cells.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default(),
        rows: rows
            .iter()
            .map(|r| charts::MatrixRow {
                label: r.name.clone(),
                cells: r
                    .cells
                    .iter()
                    .map(|c| charts::MatrixCell {
                        verdict: Some(c.fit.clone()),
                        // The tests are Markdown (code spans); the image shows their text.
                        items: c
                            .tests
                            .iter()
                            .map(|t| whichpy_render::markdown::plain_text(t))
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The chart a planned image is, by its typed kind (`chart` in `content/images.toml`).
fn planned_chart(
    summary: &Summary,
    rendered: &Rendered,
    im: &ImageView,
    size: SizeName,
) -> Result<Option<charts::Chart>, Error> {
    let example = rendered
        .view
        .example
        .as_ref()
        .map(|e| e.workload.clone())
        .or_else(|| {
            charts::iteration_workloads(summary, size)
                .into_iter()
                .next()
        })
        .unwrap_or_default();
    let Some(kind) = im.chart else {
        return Err(Error::Image(format!(
            "image `{}` is a generated chart but names no chart: set `chart` in \
             content/images.toml to one of: {}",
            im.id,
            ChartKind::NAMES
        )));
    };
    let chart = match kind {
        ChartKind::DecisionMatrix => Some(charts::decision_matrix(&matrix(rendered))?),
        ChartKind::Startup => charts::startup(summary, size)?,
        ChartKind::Warmup => charts::warmup_compare(summary, &example, size)?,
        ChartKind::Memory => {
            // The example workload and, when measured, an empty program.
            let startup = summary
                .cells
                .iter()
                .find(|c| c.kind == whichpy_wire::WorkloadKind::Startup && c.key.size == size)
                .map(|c| c.key.workload.clone());
            let mut names = vec![example.as_str()];
            names.extend(startup.as_deref());
            charts::memory_panels(summary, &names, size)?
        }
        ChartKind::Overview => charts::overview(summary, size, Metric::Warm)?,
        ChartKind::Gil => charts::times(summary, whichpy_render::view::THREADS_WORKLOAD, size)?,
        ChartKind::Times => charts::times(summary, &example, size)?,
        // `draw` makes the Open Graph card apart (a PNG with the headline) and never asks here.
        ChartKind::Og => {
            return Err(Error::Image(format!(
                "image `{}`: the Open Graph card is drawn as the page's og:image, not as a planned chart",
                im.id
            )))
        }
    };
    Ok(chart)
}

/// A chart that has no data (e.g. no startup cell) is still an image the article links to:
/// it says so in words rather than leaving a broken link.
fn no_data_chart(im: &ImageView) -> Result<charts::Chart, Error> {
    Ok(charts::decision_matrix(&charts::Matrix {
        title: format!("{}: no data yet", im.title),
        corner: "".into(),
        columns: vec!["Run `cargo xtask bench`, then `cargo xtask publish`".into()],
        rows: vec![],
    })?)
}

/// A planned image's path, checked to stay inside the site: relative, no `..`, no empty or
/// `.` component. (Its file name comes from a template over the data.)
fn safe_path(im: &ImageView) -> Result<String, Error> {
    let p = im.path.as_str();
    let ok = !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
    if ok {
        Ok(p.to_string())
    } else {
        Err(Error::Image(format!(
            "image `{}`: its path `{p}` leaves the site folder; make the file name in \
             content/images.toml a plain name (the `slug` filter makes one)",
            im.id
        )))
    }
}

fn plan_size(im: &ImageView, bytes: &[u8]) -> Option<(String, (u32, u32))> {
    image_size(bytes).map(|s| (im.id.clone(), s))
}

pub(crate) fn draw(input: &Input, rendered: &Rendered, site: &mut Site) -> Result<Charts, Error> {
    let summary = input.summary;
    let size = charts::primary_size(summary);
    let headline = &input.content.site.primary_keyword;

    // The article's planned images.
    let mut og = None;
    let mut planned = BTreeMap::new();
    for im in &rendered.images {
        let path = safe_path(im)?;
        let png = im.file.ends_with(".png");
        if im.chart == Some(ChartKind::Og) {
            site.add(path.clone(), charts::og_image(summary, headline)?);
            og = Some((path.clone(), im.alt.clone()));
            planned.extend(plan_size(im, &site.files[&path]));
            continue;
        }
        if !im.source.contains("generated") {
            let bytes = input
                .diagrams
                .iter()
                .find(|(name, _)| *name == im.file)
                .map(|(_, b)| b.clone())
                .ok_or_else(|| {
                    Error::Image(format!(
                        "image `{}` is a {} in content/images/{}, which does not exist",
                        im.id, im.source, im.file
                    ))
                })?;
            planned.extend(plan_size(im, &bytes));
            site.add(path, bytes);
            continue;
        }
        let chart = match planned_chart(summary, rendered, im, size)? {
            Some(c) => c,
            None => no_data_chart(im)?,
        };
        let bytes = if png {
            charts::svg_to_png(&chart.svg)?
        } else {
            chart.svg.into_bytes()
        };
        planned.extend(plan_size(im, &bytes));
        site.add(path, bytes);
    }
    let og = match og {
        Some(og) => og,
        None => {
            site.add(OG_DEFAULT, charts::og_image(summary, headline)?);
            let alt = charts::og_svg(summary, headline)?.desc;
            (OG_DEFAULT.to_string(), alt)
        }
    };

    // The site's own charts.
    let mut out = Charts {
        size,
        startup: None,
        startup_memory: None,
        overview_warm: None,
        overview_cold: None,
        scaling: None,
        workloads: BTreeMap::new(),
        og,
        planned,
    };
    out.startup = charts::startup(summary, size)?.map(|c| add_chart(site, "charts", &c));
    if let Some(w) = summary
        .cells
        .iter()
        .find(|c| c.kind == whichpy_wire::WorkloadKind::Startup && c.key.size == size)
    {
        out.startup_memory =
            charts::memory(summary, &w.key.workload, size)?.map(|c| add_chart(site, "charts", &c));
    }
    out.overview_warm =
        charts::overview(summary, size, Metric::Warm)?.map(|c| add_chart(site, "charts", &c));
    out.overview_cold =
        charts::overview(summary, size, Metric::Cold)?.map(|c| add_chart(site, "charts", &c));
    if let Some(view) = &rendered.view.scaling {
        out.scaling = charts::scaling(summary, view)?.map(|c| add_chart(site, "charts", &c));
    }
    for w in charts::iteration_workloads(summary, size) {
        let mut wc = WorkloadCharts {
            compare: charts::warmup_compare(summary, &w, size)?
                .map(|c| add_chart(site, "charts", &c)),
            times: charts::times(summary, &w, size)?.map(|c| add_chart(site, "charts", &c)),
            memory: charts::memory(summary, &w, size)?.map(|c| add_chart(site, "charts", &c)),
            per_interp: Vec::new(),
        };
        for i in charts::interpreters(summary) {
            let Some(cell) = summary
                .cells
                .iter()
                .find(|c| c.key.interp == i.id && c.key.workload == w && c.key.size == size)
            else {
                continue;
            };
            if let Some(c) = charts::warmup(summary, cell)? {
                wc.per_interp.push(add_chart(site, "charts", &c));
            }
        }
        out.workloads.insert(w, wc);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_come_from_the_file() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(1200u32.to_be_bytes());
        png.extend(630u32.to_be_bytes());
        assert_eq!(image_size(&png), Some((1200, 630)));
        let svg = br#"<svg width="100%" viewBox="0 0 800 454" xmlns="http://www.w3.org/2000/svg">"#;
        assert_eq!(image_size(svg), Some((800, 454)));
        let svg = br#"<?xml version="1.0"?><svg xmlns="x" width="960px" height="431">"#;
        assert_eq!(image_size(svg), Some((960, 431)));
        assert_eq!(image_size(b"GIF89a"), None);
    }
}
