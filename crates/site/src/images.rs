//! Every image of the site, drawn from the data by `whichpy-charts`.
//!
//! - The article's images come from render's image plan: a planned image whose source is a
//!   generated chart is drawn by its id (see [`planned_chart`]) into the plan's path; a diagram
//!   is copied from `content/images/`. A `.png` file name gets the chart rasterised.
//! - The site's own charts go to `charts/`: the ratio overviews, startup, and per workload the
//!   warm-up curves (all interpreters, then one per interpreter with each process's segments),
//!   cold/warm bars with intervals, and memory.

use std::collections::BTreeMap;

use serde::Serialize;
use whichpy_charts as charts;
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
    fn of(dir: &str, c: &charts::Chart) -> Figure {
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
    pub workloads: BTreeMap<String, WorkloadCharts>,
    /// The og:image (path from the site root) and its alt text.
    pub og: (String, String),
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

/// The chart a planned image id stands for. Ids are matched by the words they contain, so
/// `startup`, `startup-bars` and `fig-startup` all draw the startup chart.
fn planned_chart(
    summary: &Summary,
    rendered: &Rendered,
    im: &ImageView,
    size: SizeName,
) -> Result<Option<charts::Chart>, Error> {
    let id = im.id.to_lowercase();
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
    let has = |words: &[&str]| words.iter().any(|w| id.contains(w));
    let chart = if has(&["matrix", "decision"]) {
        Some(charts::decision_matrix(&matrix(rendered))?)
    } else if has(&["startup"]) {
        charts::startup(summary, size)?
    } else if has(&["warmup", "warm-up", "warm_up"]) {
        charts::warmup_compare(summary, &example, size)?
    } else if has(&["memory", "rss"]) {
        // The example workload and, when measured, an empty program.
        let startup = summary
            .cells
            .iter()
            .find(|c| c.kind == whichpy_wire::WorkloadKind::Startup && c.key.size == size)
            .map(|c| c.key.workload.clone());
        let mut names = vec![example.as_str()];
        names.extend(startup.as_deref());
        charts::memory_panels(summary, &names, size)?
    } else if has(&["overview", "ratio", "results", "speed"]) {
        charts::overview(summary, size, Metric::Warm)?
    } else if has(&["gil", "thread"]) {
        charts::times(summary, whichpy_render::view::THREADS_WORKLOAD, size)?
    } else if has(&["cold", "times", "bars"]) {
        charts::times(summary, &example, size)?
    } else {
        return Err(Error::Image(format!(
            "image `{}` is a generated chart, but no chart is known for its id; \
             use an id containing one of: og, startup, warmup, memory, overview, cold, gil, matrix",
            im.id
        )));
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

pub(crate) fn draw(input: &Input, rendered: &Rendered, site: &mut Site) -> Result<Charts, Error> {
    let summary = input.summary;
    let size = charts::primary_size(summary);
    let headline = &input.content.site.primary_keyword;

    // The article's planned images.
    let mut og = None;
    for im in &rendered.images {
        let path = safe_path(im)?;
        let png = im.file.ends_with(".png");
        if im.id == "og" {
            site.add(path.clone(), charts::og_image(summary, headline)?);
            og = Some((path, im.alt.clone()));
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
        workloads: BTreeMap::new(),
        og,
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
