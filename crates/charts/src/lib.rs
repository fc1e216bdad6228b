//! whichpy's charts: deterministic, accessible SVG charts from `results/summary.json`, and the
//! PNG og:image.
//!
//! Every chart is a pure function of the [`Summary`] (or, for the decision matrix, of the
//! editorial data handed in): the same input gives byte-identical bytes. Charts are drawn with
//! plotters' SVG backend, which needs no font (text stays `<text>` for the browser to set), and
//! each SVG carries a `<title>` and a `<desc>` that say in words what the chart shows, labelled
//! axes and units. The og:image is the one raster: an SVG rendered by resvg with DejaVu Sans,
//! embedded in this crate so that the PNG is byte-stable on every machine.
//!
//! Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision
//! deficiencies); text is dark grey on white.

use std::fmt;

use plotters::prelude::*;
use whichpy_wire::summary::{CellSummary, Summary};
use whichpy_wire::{Family, InterpInfo, SizeName};

mod bars;
mod flame;
mod matrix;
mod og;
mod overview;
mod scaling;
mod warmup;

pub use bars::{memory, memory_panels, startup, times};
pub use flame::{flamegraph, flamegraph_svg, strip_script};
pub use matrix::{decision_matrix, Matrix, MatrixCell, MatrixRow};
pub use og::{og_image, og_svg, svg_to_png, OG_HEIGHT, OG_WIDTH};
pub use overview::overview;
pub use scaling::scaling;
pub use warmup::{warmup, warmup_compare};

use plotters::coord::CoordTranslate;

/// One chart, ready to be written as `charts/<file>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// File name (no folder): lowercase ASCII, digits, `_`, `-` and `.` only.
    pub file: String,
    /// Short title, also the SVG `<title>`.
    pub title: String,
    /// What the chart shows, in one or two sentences: the SVG `<desc>` and the `alt` text.
    pub desc: String,
    pub width: u32,
    pub height: u32,
    /// The SVG document.
    pub svg: String,
}

/// A chart could not be drawn (plotters refused the layout).
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "chart: {}", self.0)
    }
}

impl std::error::Error for Error {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for Error {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        Error(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

// ---------------------------------------------------------------------------------------------
// Shared look
// ---------------------------------------------------------------------------------------------

/// Okabe–Ito without yellow (too light on white for lines and text), then five of Paul Tol's
/// muted and dark colours: twelve, so that up to twelve interpreters (the published data has
/// twelve) each get a colour of their own in every chart, and with the five markers a pair of
/// their own up to sixty.
const PALETTE: [RGBColor; 12] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0x99, 0x99, 0x33), // olive
    RGBColor(0x44, 0xAA, 0x99), // teal
    RGBColor(0x77, 0x77, 0x77), // grey
];

/// Text colour: #222 on white is 15.9:1.
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text and axes: #555 on white is 7.5:1.
pub(crate) const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
pub(crate) const FONT: &str = "sans-serif";

/// The smallest font size a chart asks plotters for. Its SVG backend writes `size / 1.24` px,
/// so 15 is 12.1 px in the SVG: at least 11 CSS px whenever a chart is shown at 91% of its
/// width or more (the site never shows one narrower, see `site.css`).
pub const MIN_FONT: u32 = 15;

pub(crate) fn text(size: u32, color: &RGBColor) -> TextStyle<'static> {
    TextStyle {
        color: color.to_backend_color(),
        ..TextStyle::from((FONT, size.max(MIN_FONT)).into_font())
    }
}

/// The mark of a series: every interpreter has its own shape as well as its own colour, so
/// that series are told apart in greyscale and by readers who do not see the colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
    TriangleDown,
}

impl Marker {
    pub const ALL: [Marker; 5] = [
        Marker::Circle,
        Marker::Triangle,
        Marker::Square,
        Marker::Diamond,
        Marker::TriangleDown,
    ];

    /// The marker of the i-th interpreter in [`interpreters`] order.
    pub fn of(index: usize) -> Marker {
        Marker::ALL[index % Marker::ALL.len()]
    }

    /// The outline as pixel offsets from the centre (`None` for the circle), for a marker of
    /// about `r` pixels' radius. Shapes of equal area look equally heavy, so the polygons are
    /// a little larger than the circle.
    fn outline(self, r: i32) -> Option<Vec<(i32, i32)>> {
        let t = r + r / 3 + 1;
        match self {
            Marker::Circle => None,
            Marker::Triangle => Some(vec![(0, -t), (t, t * 3 / 4), (-t, t * 3 / 4)]),
            Marker::TriangleDown => Some(vec![(0, t), (t, -t * 3 / 4), (-t, -t * 3 / 4)]),
            Marker::Square => Some(vec![(-r, -r), (r, -r), (r, r), (-r, r)]),
            Marker::Diamond => Some(vec![(0, -t), (t, 0), (0, t), (-t, 0)]),
        }
    }
}

/// Draw `marker` at each point of a chart, filled with `color`.
pub(crate) fn draw_markers<'a, CT>(
    chart: &mut ChartContext<'a, SVGBackend<'_>, CT>,
    points: impl IntoIterator<Item = (f64, f64)>,
    marker: Marker,
    r: i32,
    color: RGBColor,
) -> Result<()>
where
    CT: CoordTranslate<From = (f64, f64)>,
{
    let style = color.filled();
    match marker.outline(r) {
        None => {
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| EmptyElement::at(p) + Circle::new((0, 0), r, style)),
            )?;
        }
        Some(outline) => {
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| EmptyElement::at(p) + Polygon::new(outline.clone(), style)),
            )?;
        }
    }
    Ok(())
}

/// Draw `marker` once, `offset` pixels from the point `at` of a chart.
pub(crate) fn draw_markers_at<'a, CT>(
    chart: &mut ChartContext<'a, SVGBackend<'_>, CT>,
    at: (f64, f64),
    offset: (i32, i32),
    marker: Marker,
    r: i32,
    color: RGBColor,
) -> Result<()>
where
    CT: CoordTranslate<From = (f64, f64)>,
{
    let style = color.filled();
    let (dx, dy) = offset;
    match marker.outline(r) {
        None => {
            chart.draw_series(std::iter::once(
                EmptyElement::at(at) + Circle::new(offset, r, style),
            ))?;
        }
        Some(outline) => {
            let moved: Vec<(i32, i32)> =
                outline.into_iter().map(|(x, y)| (x + dx, y + dy)).collect();
            chart.draw_series(std::iter::once(
                EmptyElement::at(at) + Polygon::new(moved, style),
            ))?;
        }
    }
    Ok(())
}

/// Draw `marker` at one pixel position of a drawing area.
fn area_marker(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    at: (i32, i32),
    marker: Marker,
    r: i32,
    color: RGBColor,
) -> Result<()> {
    let style = color.filled();
    match marker.outline(r) {
        None => area.draw(&Circle::new(at, r, style))?,
        Some(outline) => area.draw(&Polygon::new(
            outline
                .into_iter()
                .map(|(x, y)| (at.0 + x, at.1 + y))
                .collect::<Vec<_>>(),
            style,
        ))?,
    }
    Ok(())
}

/// The colour of the i-th interpreter in [`interpreters`] order.
pub fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// The colour of an interpreter as a CSS hex string, for legends drawn in HTML.
pub fn color_hex(index: usize) -> String {
    let RGBColor(r, g, b) = color(index);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Interpreters in display order: the baseline first, then the other headline interpreters
/// ([`whichpy_view::lookup::headline`]), then the rest; each part by family (CPython, PyPy,
/// MicroPython) and id. Every chart uses this order, so an interpreter keeps its colour.
/// Interpreters that appear only in cells (not in the environment) get a bare entry.
pub fn interpreters(summary: &Summary) -> Vec<Interp> {
    let mut ids: Vec<String> = summary
        .environment
        .interpreters
        .iter()
        .map(|i| i.id.clone())
        .collect();
    for c in &summary.cells {
        if !ids.contains(&c.key.interp) {
            ids.push(c.key.interp.clone());
        }
    }
    for c in &summary.compatibility {
        if !ids.contains(&c.interp) {
            ids.push(c.interp.clone());
        }
    }
    // The article's interpreters lead every chart (the memory chart of twelve interpreters
    // starts with the three the article is about).
    let headline: std::collections::BTreeSet<&str> = whichpy_view::lookup::headline(summary)
        .values()
        .map(|i| i.id.as_str())
        .collect();
    let rank = |id: &String| {
        let family = summary
            .environment
            .interpreters
            .iter()
            .find(|i| &i.id == id)
            .map(|i| i.family);
        let family = family.map_or(Family::ALL.len(), |f| {
            Family::ALL.iter().position(|g| *g == f).unwrap_or(0)
        });
        (
            *id != summary.analysis.baseline,
            !headline.contains(id.as_str()),
            family,
            id.clone(),
        )
    };
    ids.sort_by_key(rank);
    ids.dedup();
    ids.into_iter()
        .enumerate()
        .map(|(index, id)| {
            let info = summary.environment.interpreters.iter().find(|i| i.id == id);
            Interp {
                label: info.map(|i| i.label.clone()).unwrap_or_else(|| id.clone()),
                info: info.cloned(),
                id,
                index,
            }
        })
        .collect()
}

/// An interpreter as the charts show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Interp {
    pub id: String,
    pub label: String,
    /// Position in display order; also picks the colour.
    pub index: usize,
    pub info: Option<InterpInfo>,
}

impl Interp {
    pub fn color(&self) -> RGBColor {
        color(self.index)
    }

    pub fn marker(&self) -> Marker {
        Marker::of(self.index)
    }
}

/// The size the figures come from (the presentation model decides).
pub use whichpy_view::figures_size as primary_size;

/// The cell of an interpreter, workload and size.
pub(crate) fn cell<'a>(
    summary: &'a Summary,
    interp: &str,
    workload: &str,
    size: SizeName,
) -> Option<&'a CellSummary> {
    whichpy_view::Lookup::at(summary, size).cell(interp, workload)
}

/// Workloads timed by iterations (not startup), in suite order, that have a cell of `size`.
pub fn iteration_workloads(summary: &Summary, size: SizeName) -> Vec<String> {
    whichpy_view::Lookup::at(summary, size).iteration_workloads()
}

/// A legend entry's mark.
#[derive(Clone, Copy)]
pub(crate) enum Swatch {
    Line(RGBColor, u32),
    /// A series: its line with its marker on it.
    Series(RGBColor, u32, Marker),
    Band(RGBColor),
    Dot(RGBColor, Marker),
}

/// Height of a legend strip under a chart.
pub(crate) const LEGEND_H: u32 = 34;

/// Where each entry of a legend goes at `width`: `(x, row)`, a new row when the next entry would
/// reach past the right edge (12 interpreters do not fit one row of an 800 px chart).
fn legend_places(width: u32, x0: i32, items: &[(Swatch, String)]) -> Vec<(i32, u32)> {
    let mut out = Vec::with_capacity(items.len());
    let (mut x, mut row) = (x0, 0);
    for (_, label) in items {
        // About 0.55 em per character of a sans-serif face at 12.1 px, and the swatch.
        let w = 44 + (label.chars().count() as f64 * 6.9) as i32;
        if x > x0 && x + w - 16 > width as i32 {
            x = x0;
            row += 1;
        }
        out.push((x, row));
        x += w;
    }
    out
}

/// Height of the legend of `items` under a chart `width` wide, starting at `x0`: one
/// [`LEGEND_H`] strip per row.
pub(crate) fn legend_height(width: u32, x0: i32, items: &[(Swatch, String)]) -> u32 {
    let rows = legend_places(width, x0, items)
        .last()
        .map_or(1, |(_, row)| row + 1);
    rows * LEGEND_H
}

/// A legend, drawn in its own strip under the chart so it never hides data: one row, or as
/// many as [`legend_height`] gives the strip.
pub(crate) fn legend(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    x0: i32,
    items: &[(Swatch, String)],
) -> Result<()> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let places = legend_places(area.dim_in_pixel().0, x0, items);
    for ((swatch, label), (x, row)) in items.iter().zip(places) {
        let y = (LEGEND_H / 2 + row * LEGEND_H) as i32;
        match *swatch {
            Swatch::Line(c, w) => area.draw(&PathElement::new(
                vec![(x - 4, y), (x + 16, y)],
                c.stroke_width(w),
            ))?,
            Swatch::Band(c) => area.draw(&Rectangle::new(
                [(x - 4, y - 6), (x + 16, y + 6)],
                c.mix(0.22).filled(),
            ))?,
            Swatch::Series(c, w, m) => {
                area.draw(&PathElement::new(
                    vec![(x - 4, y), (x + 16, y)],
                    c.stroke_width(w),
                ))?;
                area_marker(area, (x + 6, y), m, 3, c)?;
            }
            Swatch::Dot(c, m) => area_marker(area, (x + 6, y), m, 5, c)?,
        }
        area.draw(&Text::new(
            label.clone(),
            (x + 22, y),
            text(MIN_FONT, &INK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Units and numbers
// ---------------------------------------------------------------------------------------------

/// A time unit chosen so that the largest value of a chart reads well.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeUnit {
    pub name: &'static str,
    pub ns: f64,
}

impl TimeUnit {
    pub fn for_max(max_ns: f64) -> TimeUnit {
        let (name, ns) = if max_ns >= 10e9 {
            ("s", 1e9)
        } else if max_ns >= 10e6 {
            ("ms", 1e6)
        } else if max_ns >= 10e3 {
            ("µs", 1e3)
        } else {
            ("ns", 1.0)
        };
        TimeUnit { name, ns }
    }

    pub fn of(&self, ns: f64) -> f64 {
        ns / self.ns
    }
}

/// Numbers are written by the presentation model: three significant digits, thousands
/// separated (`1,230`).
pub use whichpy_view::format::sig3;

/// An axis tick: at most three significant digits, no trailing zeros (0.25, 20, 1500).
pub(crate) fn tick(x: f64) -> String {
    let s = sig3(x);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A duration in the unit that suits it: "12.3 ms", "1.50 s" (the presentation model's rule).
pub use whichpy_view::format::time as format_ns;

/// Memory in MiB from KiB: "12.3 MiB".
pub use whichpy_view::figure::mib as format_kib;

/// A file-name-safe slug: lowercase ASCII letters, digits, `_`, `.` and `-`; runs of anything
/// else become one `-`. When the slug is not the name itself, a short hash of the name keeps two names
/// apart that slug alike.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric()
            || c == '_'
            || (c == '.' || c == '-') && !s.is_empty() && !s.ends_with(['-', '.'])
        {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    while s.ends_with('-') || s.ends_with('.') {
        s.pop();
    }
    if s.is_empty() {
        s.push('x');
    }
    if s != name {
        s.push_str(&format!("-{:08x}", fnv1a(name.as_bytes()) as u32));
    }
    s
}

/// FNV-1a, 64 bits: a stable hash for file names (std's hasher is not stable across releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

// ---------------------------------------------------------------------------------------------
// SVG documents
// ---------------------------------------------------------------------------------------------

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Draw into an SVG string of `width`×`height` and make it a [`Chart`]: the `<svg>` element
/// gets `role="img"`, an accessible name and description, and `<title>`/`<desc>` children.
pub(crate) fn svg_chart(
    file: String,
    title: String,
    desc: String,
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<()>,
) -> Result<Chart> {
    let mut raw = String::new();
    {
        let root = SVGBackend::with_string(&mut raw, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    let head_end = raw
        .find('>')
        .ok_or_else(|| Error("plotters wrote no <svg> element".into()))?;
    let svg = format!(
        "{} role=\"img\" aria-labelledby=\"chart-title chart-desc\">\n<title id=\"chart-title\">{}</title>\n<desc id=\"chart-desc\">{}</desc>{}",
        &raw[..head_end],
        xml_escape(&title),
        xml_escape(&desc),
        &raw[head_end + 1..]
    );
    Ok(Chart {
        file,
        title,
        desc,
        width,
        height,
        svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_write_numbers_as_the_article_does() {
        // One rule (whichpy-view): three significant digits, thousands separated.
        assert_eq!(sig3(1234.6), "1,230");
        assert_eq!(format_ns(12_340_000.0), "12.3 ms");
        assert_eq!(tick(20.0), "20");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(0.125), "0.125");
    }

    #[test]
    fn slugs_are_file_safe_and_keep_names_apart() {
        assert_eq!(slug("nbody"), "nbody");
        assert_eq!(slug("pypy-7.3"), "pypy-7.3");
        let a = slug("<script>alert(1)</script>");
        assert!(a.starts_with("script-alert-1-script-"), "{a}");
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert_eq!(slug("decimal_math"), "decimal_math");
        assert_ne!(slug("a b"), slug("a_b"));
        assert_ne!(slug("A"), "a");
    }
}
