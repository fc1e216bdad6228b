//! One typed context per page, from the summary, and the pages rendered from them.
//!
//! Numbers are written by `whichpy_render::format` (three significant digits, the same unit
//! rule as the article). Every context holds `page` (what the layout needs: paths, head tags,
//! navigation, footer) and `data` (what the page shows).

use serde::Serialize;
use sha2::{Digest, Sha256};
use whichpy_charts as charts;
use whichpy_render::Rendered;
use whichpy_view::figure::{self, Fig, RatioView};
use whichpy_view::format::{int, sig3};
use whichpy_view::words::{class_word, compat_text, outcome_text, warmup_text};
use whichpy_view::Lookup;
use whichpy_wire::summary::{
    CellSummary, CrossDirection, Estimate, Metric, Summary, WarmupClass, WarmupSummary,
};
use whichpy_wire::{SizeName, WorkloadKind};

use crate::images::{Charts, Figure, WorkloadCharts};
use crate::{context, Error, Input, Renderer, Site};

// ---------------------------------------------------------------------------------------------
// The layout's context
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize)]
struct Nav {
    href: String,
    label: String,
    current: bool,
}

#[derive(Clone, Debug, Serialize)]
struct Footer {
    data_date: String,
    git_rev: String,
    git_dirty: bool,
    machine: String,
    fingerprint: String,
}

#[derive(Clone, Debug, Serialize)]
struct Page {
    /// Prefix from this page to the site root: "" or "../".
    root: String,
    path: String,
    title: String,
    description: String,
    /// Absolute, only when a site URL is configured; `None` in a local build.
    canonical: Option<String>,
    og_image: String,
    og_image_alt: String,
    lang: String,
    site_name: String,
    nav: Vec<NavGroup>,
    footer: Footer,
    /// The article's head from render (title, description, canonical, Open Graph, Twitter,
    /// JSON-LD); other pages get theirs from the layout.
    head_html: Option<String>,
    /// Add Twitter card tags to `head_html` (render's head has none).
    twitter: bool,
    /// Inline the stylesheet (the 404 page, which may be served at any depth).
    inline_css: Option<String>,
    /// The Content-Security-Policy of the page ([`csp`]), set when the page is emitted.
    csp: String,
}

/// The Content-Security-Policy every page carries, as a `<meta http-equiv>`: nothing loads from
/// another origin, no inline script runs (the site's one script is the same-origin file
/// `assets/site.js`), and the only inline style is the page's own stylesheet, by its sha256.
/// `default-src 'none'` covers what is not listed (frames, objects, media, workers).
fn csp(inline_css: Option<&str>) -> String {
    use base64::Engine as _;
    let style = match inline_css {
        Some(css) => format!(
            "'self' 'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css.as_bytes()))
        ),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src {style}; img-src 'self'; \
         font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; \
         form-action 'none'"
    )
}

/// The site's navigation: the article alone, then three groups (a reader on a phone sees one
/// row of four entries, each group opening to its pages), every page in exactly one.
const NAV: [(&str, &[(&str, &str)]); 4] = [
    ("Article", &[("index.html", "Article")]),
    (
        "Results",
        &[
            ("results.html", "Results"),
            ("startup.html", "Startup"),
            ("memory-scaling.html", "Memory and scaling"),
            ("profiles.html", "Profiles"),
            ("history.html", "History"),
        ],
    ),
    (
        "Uses",
        &[
            ("web.html", "Web service"),
            ("apps.html", "Applications"),
            ("microbit.html", "micro:bit (emulated)"),
        ],
    ),
    (
        "Method",
        &[
            ("methodology.html", "Methodology"),
            ("reproduce.html", "Reproduce"),
        ],
    ),
];

/// One of the article's internal links, from the link plan in `content/site.toml`.
#[derive(Clone, Debug, Serialize)]
struct ArticleLink {
    href: String,
    text: String,
    about: String,
}

/// The article's links from the content's plan: each names a page of the navigation, and
/// every page of the navigation but the article itself is named, once.
fn article_links(plan: &[whichpy_render::content::PageLink]) -> Result<Vec<ArticleLink>, Error> {
    let pages: Vec<&str> = NAV
        .iter()
        .flat_map(|(_, pages)| pages.iter().map(|(href, _)| *href))
        .filter(|href| *href != "index.html")
        .collect();
    let mut seen = Vec::new();
    for l in plan {
        if !pages.contains(&l.page.as_str()) {
            return Err(Error::Content(format!(
                "content/site.toml: [[links]] page = {:?} is not a page of the site; use one of {}",
                l.page,
                pages.join(", ")
            )));
        }
        if seen.contains(&l.page.as_str()) {
            return Err(Error::Content(format!(
                "content/site.toml: [[links]] names {:?} twice; keep one",
                l.page
            )));
        }
        seen.push(l.page.as_str());
    }
    let missing: Vec<&str> = pages.into_iter().filter(|p| !seen.contains(p)).collect();
    if !missing.is_empty() {
        return Err(Error::Content(format!(
            "content/site.toml: the article links none of {}; add a [[links]] entry (page, text, \
             about) for each, so a reader of the article can reach every page",
            missing.join(", ")
        )));
    }
    Ok(plan
        .iter()
        .map(|l| ArticleLink {
            href: l.page.clone(),
            text: l.text.clone(),
            about: l.about.clone(),
        })
        .collect())
}

/// One entry of the navigation: a single page is a link; a group lists its pages.
#[derive(Clone, Debug, Serialize)]
struct NavGroup {
    label: String,
    /// The group holds the current page.
    current: bool,
    items: Vec<Nav>,
}

fn nav(root: &str, path: &str) -> Vec<NavGroup> {
    NAV.iter()
        .map(|(label, pages)| {
            let items: Vec<Nav> = pages
                .iter()
                .map(|(href, label)| Nav {
                    href: format!("{root}{href}"),
                    label: label.to_string(),
                    current: *href == path,
                })
                .collect();
            NavGroup {
                label: label.to_string(),
                current: items.iter().any(|i| i.current),
                items,
            }
        })
        .collect()
}

struct Layout<'a> {
    input: &'a Input<'a>,
    /// The configured site URL with a trailing `/`; `None`: a local build.
    base: Option<String>,
    og: (String, String),
    footer: Footer,
}

impl Layout<'_> {
    fn page(&self, path: &str, title: &str, description: String) -> Page {
        let depth = path.matches('/').count();
        let root = "../".repeat(depth);
        Page {
            root: root.clone(),
            path: path.to_string(),
            title: title.to_string(),
            description,
            canonical: self.base.as_ref().map(|base| page_url(base, path)),
            // Absolute under the site URL; from this page's folder in a local build.
            og_image: match &self.base {
                Some(base) => format!("{base}{}", self.og.0),
                None => format!("{root}{}", self.og.0),
            },
            og_image_alt: self.og.1.clone(),
            lang: self.input.content.site.language.clone(),
            site_name: self.input.content.site.site_name.clone(),
            nav: nav(&root, path),
            footer: self.footer.clone(),
            head_html: None,
            twitter: false,
            inline_css: None,
            csp: String::new(),
        }
    }
}

/// A page's absolute address under the site's base (`…/`): the article is the site's index,
/// so `index.html` is the base itself.
fn page_url(base: &str, path: &str) -> String {
    if path == "index.html" {
        base.to_string()
    } else {
        format!("{base}{path}")
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers: every one from the presentation model (`whichpy-view`)
// ---------------------------------------------------------------------------------------------

/// A time figure as a table cell shows it (no footnote on the site: each page links its command).
fn time_num(look: &Lookup, e: Option<&Estimate>) -> Option<Fig> {
    e.map(|e| figure::time(e, &look.level(), ""))
}

fn comparison_ratio(
    look: &Lookup,
    interp: &str,
    workload: &str,
    metric: Metric,
) -> Option<RatioView> {
    look.ratio_view(interp, workload, metric, &look.level(), "")
}

fn workload_href(root: &str, name: &str) -> String {
    format!("{root}workloads/{}.html", charts::slug(name))
}

// ---------------------------------------------------------------------------------------------
// Page data
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct InterpHead {
    id: String,
    label: String,
    color: String,
}

#[derive(Serialize)]
struct CellRow {
    workload: String,
    workload_href: String,
    interp: String,
    /// What the explorer filters on (`data-*` attributes of the row).
    interp_id: String,
    category: String,
    /// The warm-up class key as in the CSV (`flat`, `warmup`, `slowdown`, `no_steady_state`,
    /// or `inconsistent` when processes disagree), or
    /// empty when the cell has none.
    warmup_class: String,
    status: String,
    status_text: String,
    warm: Option<Fig>,
    cold: Option<Fig>,
    warmup: String,
    warm_ratio: Option<RatioView>,
    cold_ratio: Option<RatioView>,
    memory: Option<Fig>,
    processes: String,
}

#[derive(Serialize)]
struct CompatCell {
    status: String,
    text: String,
}

#[derive(Serialize)]
struct CompatRow {
    workload: String,
    href: String,
    cells: Vec<CompatCell>,
}

#[derive(Serialize)]
struct GeoRow {
    interp: String,
    metric: String,
    ratio: RatioView,
    workloads: String,
}

#[derive(Serialize)]
struct CrossRow {
    workload: String,
    href: String,
    text: String,
}

#[derive(Serialize)]
struct WarnRow {
    about: String,
    /// The message cut at its backticks; the template sets the `code` parts in `<code>`.
    message: Vec<TextPart>,
}

/// A run of text, shown as code or as prose; escaped by the template like any other data.
#[derive(Clone, Debug, PartialEq, Serialize)]
struct TextPart {
    text: String,
    code: bool,
}

/// Split text written with Markdown code spans (`` `--iterations` ``) into prose and code runs.
/// An unpaired backtick stays text. Nothing is interpreted as markup: the parts are data that
/// the `.html` auto-escaping escapes.
fn code_spans(text: &str) -> Vec<TextPart> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else {
            break;
        };
        if open > 0 {
            parts.push(TextPart {
                text: rest[..open].to_string(),
                code: false,
            });
        }
        parts.push(TextPart {
            text: rest[open + 1..open + 1 + len].to_string(),
            code: true,
        });
        rest = &rest[open + 2 + len..];
    }
    if !rest.is_empty() {
        parts.push(TextPart {
            text: rest.to_string(),
            code: false,
        });
    }
    parts
}

#[derive(Serialize)]
struct ResultsData {
    size: String,
    baseline: String,
    interps: Vec<InterpHead>,
    overview_warm: Option<Figure>,
    overview_cold: Option<Figure>,
    rows: Vec<CellRow>,
    compat: Vec<CompatRow>,
    geomeans: Vec<GeoRow>,
    /// The summary's method for geometric means, as it records it.
    geomean_method: Option<String>,
    crossovers: Vec<CrossRow>,
    warnings: Vec<WarnRow>,
    workloads: Vec<Nav>,
    explorer: Explorer,
}

/// One choice of a filter: the value the rows carry, and its words.
#[derive(Clone, Debug, PartialEq, Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// The results explorer: the choices of each filter (only values some row has) and the CSV
/// download of the table.
#[derive(Serialize)]
struct Explorer {
    interps: Vec<Choice>,
    workloads: Vec<Choice>,
    categories: Vec<Choice>,
    warmups: Vec<Choice>,
    /// `data/results.csv`, when the table has a measured cell.
    csv: Option<Download>,
    /// Rows of the CSV (one per measured cell; rows not run are not in it).
    csv_rows: usize,
}

/// Where the results table's CSV is written, from the site root.
pub(crate) const RESULTS_CSV: &str = "data/results.csv";

/// The key the explorer filters a cell's warm-up class by.
fn warmup_key(w: Option<&WarmupSummary>) -> String {
    match w {
        None => String::new(),
        Some(w) => w
            .class
            .map_or("inconsistent", WarmupClass::as_str)
            .to_string(),
    }
}

/// The words of a warm-up key.
fn warmup_key_words(key: &str) -> String {
    WarmupClass::ALL
        .iter()
        .find(|c| c.as_str() == key)
        .map(|c| class_word(*c).to_string())
        .unwrap_or_else(|| "inconsistent (processes disagree)".into())
}

/// Distinct values in first-seen order.
fn choices(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Choice> {
    let mut out: Vec<Choice> = Vec::new();
    for (value, label) in pairs {
        if !value.is_empty() && !out.iter().any(|c| c.value == value) {
            out.push(Choice { value, label });
        }
    }
    out
}

/// The CSV of the results table: the stats crate's CSV export of the cells the table shows
/// (iteration workloads at the table's size), so the file and `cargo xtask export` agree.
fn results_csv(s: &Summary, workloads: &[String], size: SizeName) -> Option<(Vec<u8>, usize)> {
    use whichpy_stats::export::Exporter as _;
    let mut table = s.clone();
    table.cells.retain(|c| {
        c.kind == WorkloadKind::Iterations
            && c.key.size == size
            && workloads.contains(&c.key.workload)
    });
    let rows = table.cells.len();
    let bytes = whichpy_stats::export::csv::CsvExporter
        .export(&table, &[])
        .ok()?;
    Some((bytes, rows))
}

/// The explorer's filters over the table's rows, and the CSV (added to the site).
fn explorer(
    s: &Summary,
    rows: &[CellRow],
    workloads: &[String],
    size: SizeName,
    site: &mut Site,
) -> Explorer {
    let csv = results_csv(s, workloads, size);
    let download = csv.as_ref().map(|(bytes, _)| Download {
        href: RESULTS_CSV.into(),
        name: "results.csv".into(),
        bytes: int(bytes.len() as u64),
        sha256: sha256_hex(bytes),
    });
    let csv_rows = csv.as_ref().map_or(0, |(_, n)| *n);
    if let Some((bytes, _)) = csv {
        site.add(RESULTS_CSV, bytes);
    }
    Explorer {
        interps: choices(rows.iter().map(|r| (r.interp_id.clone(), r.interp.clone()))),
        workloads: choices(
            rows.iter()
                .map(|r| (r.workload.clone(), r.workload.clone())),
        ),
        categories: choices(
            rows.iter()
                .map(|r| (r.category.clone(), r.category.clone())),
        ),
        warmups: choices(
            rows.iter()
                .map(|r| (r.warmup_class.clone(), warmup_key_words(&r.warmup_class))),
        ),
        csv: download,
        csv_rows,
    }
}

#[derive(Serialize)]
struct InterpRow {
    interp: String,
    status: String,
    status_text: String,
    warm: Option<Fig>,
    cold: Option<Fig>,
    first: Option<Fig>,
    startup: Option<Fig>,
    all_iterations: Option<Fig>,
    memory: Option<Fig>,
    warmup: String,
    steady_after: String,
    processes: String,
    iterations: String,
    warm_ratio: Option<RatioView>,
    cold_ratio: Option<RatioView>,
}

#[derive(Serialize)]
struct FailureRow {
    interp: String,
    label: String,
    count: String,
    detail: String,
    stderr: String,
}

#[derive(Serialize)]
struct WorkloadData {
    name: String,
    description: String,
    category: String,
    n: String,
    size: String,
    baseline: String,
    charts: WorkloadCharts,
    rows: Vec<InterpRow>,
    crossovers: Vec<CrossRow>,
    failures: Vec<FailureRow>,
    warnings: Vec<WarnRow>,
    command: Option<String>,
}

#[derive(Serialize)]
struct StartupRow {
    interp: String,
    wall: Option<Fig>,
    memory: Option<Fig>,
    ratio: Option<RatioView>,
    processes: String,
}

#[derive(Serialize)]
struct WebData {
    /// `None`: no web service cell in the data.
    web: Option<whichpy_view::web::WebView>,
    baseline: String,
    command: Option<String>,
}

#[derive(Serialize)]
struct StartupData {
    size: String,
    baseline: String,
    chart: Option<Figure>,
    memory_chart: Option<Figure>,
    rows: Vec<StartupRow>,
    command: Option<String>,
}

#[derive(Serialize)]
struct FloorScalingData<'a> {
    floor: Option<&'a whichpy_view::floor::FloorView>,
    scaling: Option<&'a whichpy_view::scaling::ScalingView>,
    /// The speed-up chart of `scaling`.
    scaling_chart: Option<&'a crate::images::Figure>,
    /// The machine's cores, for "more cores need a bigger machine".
    machine_cores: String,
}

#[derive(Serialize)]
struct AppsData<'a> {
    size: String,
    baseline: String,
    apps: &'a whichpy_view::apps::AppsView,
    pipeline_command: Option<String>,
    cli_command: Option<String>,
}

#[derive(Serialize)]
struct McuData {
    /// `None` until the summary has an emulated board's run.
    mcu: Option<whichpy_view::mcu::McuView>,
    command: String,
}

#[derive(Serialize)]
struct MethodRow {
    what: String,
    method: String,
}

#[derive(Serialize)]
struct ProfilesData {
    profiles: Vec<ProfileEntry>,
    /// The command that profiles the article's example workload on CPython (for an empty page).
    example: Option<String>,
}

#[derive(Serialize)]
struct ProfileEntry {
    #[serde(flatten)]
    view: whichpy_view::profile::ProfileView,
    flame: Option<Figure>,
}

#[derive(Serialize)]
struct MethodologyData {
    confidence: String,
    target_ci: String,
    /// The summary's methods for ratios and geometric means, as it records them.
    ratio_method: Option<String>,
    geomean_method: Option<String>,
    baseline: String,
    methods: Vec<MethodRow>,
    processes: String,
    iterations: String,
    startup_processes: String,
}

#[derive(Serialize)]
struct Download {
    href: String,
    name: String,
    bytes: String,
    sha256: String,
}

#[derive(Serialize)]
struct RunRow {
    run_id: String,
    started_at: String,
    git_rev: String,
    git_dirty: bool,
    backend: String,
    params: String,
    command: String,
}

#[derive(Serialize)]
struct PackageRow {
    name: String,
    version: String,
}

#[derive(Serialize)]
struct ImageRow {
    id: String,
    content_digest: String,
    inputs_hash: String,
    /// How many packages the manifest lists, as the page says it.
    package_count: String,
    packages: Vec<PackageRow>,
}

#[derive(Serialize)]
struct InterpInfoRow {
    id: String,
    label: String,
    family: String,
    version: String,
    python: String,
    sys_version: String,
    executable: String,
    flags: String,
    caveat: Option<String>,
    image: Option<ImageRow>,
}

#[derive(Serialize)]
struct MachineRow {
    what: String,
    value: String,
}

#[derive(Serialize)]
struct CommandRow {
    label: String,
    command: String,
}

#[derive(Serialize)]
struct ReproduceData {
    runs: Vec<RunRow>,
    interps: Vec<InterpInfoRow>,
    machine: Vec<MachineRow>,
    downloads: Vec<Download>,
    commands: Vec<CommandRow>,
}

#[derive(Serialize)]
struct ArticleData {
    html: String,
    links: Vec<ArticleLink>,
}

#[derive(Serialize)]
struct SitemapUrl {
    loc: String,
    lastmod: String,
}

#[derive(Serialize)]
struct Ctx<'a, D: Serialize> {
    page: &'a Page,
    data: &'a D,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The command that measures again what run `r` measured (the one builder, in render).
fn bench_command(r: &whichpy_wire::summary::RunInfo) -> String {
    let p = &r.params;
    let interps: Vec<&str> = p.interps.iter().map(String::as_str).collect();
    let workloads: Vec<&str> = p.workloads.iter().map(String::as_str).collect();
    whichpy_view::command::bench_command(r.backend, p, &interps, &workloads, None)
}

/// The command render's view gives for a workload (its footnote), if any.
fn workload_command(rendered: &Rendered, workload: &str) -> Option<String> {
    rendered
        .view
        .footnotes
        .iter()
        .find(|f| f.workload == workload)
        .map(|f| f.command.clone())
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// What every page is made from: the inputs, the layout, and the values the pages share.
struct Pages<'a> {
    input: &'a Input<'a>,
    rendered: &'a Rendered,
    charts: &'a Charts,
    render: &'a Renderer<'a>,
    s: &'a Summary,
    size: SizeName,
    layout: Layout<'a>,
    interps: Vec<charts::Interp>,
    baseline: String,
    look: Lookup<'a>,
    level: String,
    workloads: Vec<String>,
}

/// Every page of the site, one function each.
pub(crate) fn render_pages(
    input: &Input,
    rendered: &Rendered,
    charts_: &Charts,
    render: &Renderer,
    site: &mut Site,
) -> Result<(), Error> {
    let pages = Pages::new(input, rendered, charts_, render);
    pages.article(site)?;
    pages.results(site)?;
    for w in &pages.workloads {
        pages.workload(site, w)?;
    }
    pages.startup(site)?;
    pages.floor_scaling(site)?;
    pages.web(site)?;
    pages.apps(site)?;
    pages.microbit(site)?;
    pages.history(site)?;
    pages.methodology(site)?;
    pages.reproduce(site)?;
    pages.profiles(site)?;
    pages.not_found_and_sitemap(site)
}

impl<'a> Pages<'a> {
    fn new(
        input: &'a Input<'a>,
        rendered: &'a Rendered,
        charts_: &'a Charts,
        render: &'a Renderer<'a>,
    ) -> Pages<'a> {
        let s = input.summary;
        let size = charts_.size;
        let m = &s.environment.machine;
        let last_run = s.environment.runs.last();
        let layout = Layout {
            input,
            base: input.content.site.base_url(),
            og: charts_.og.clone(),
            footer: Footer {
                data_date: s.environment.data_date.get(..10).unwrap_or("").to_string(),
                git_rev: last_run
                    .map(|r| r.git_rev.chars().take(12).collect())
                    .unwrap_or_default(),
                git_dirty: last_run.is_some_and(|r| r.git_dirty),
                machine: format!("{}, {} cores", m.cpu_model, m.cores),
                fingerprint: m.fingerprint.clone(),
            },
        };
        let interps = charts::interpreters(s);
        let baseline = interps
            .iter()
            .find(|i| i.id == s.analysis.baseline)
            .map(|i| i.label.clone())
            .unwrap_or_else(|| s.analysis.baseline.clone());
        let look = Lookup::at(s, size);
        let level = look.level();
        let workloads = look.iteration_workloads();
        Pages {
            input,
            rendered,
            charts: charts_,
            render,
            s,
            size,
            layout,
            interps,
            baseline,
            look,
            level,
            workloads,
        }
    }

    /// Render a page's template with its context and add it to the site, with its CSP.
    fn emit(
        &self,
        site: &mut Site,
        page: &Page,
        template: &str,
        data: &dyn ErasedData,
    ) -> Result<(), Error> {
        let page = &Page {
            csp: csp(page.inline_css.as_deref()),
            ..page.clone()
        };
        let html = (self.render)(template, &data.ctx(page))?;
        site.add(page.path.clone(), html);
        Ok(())
    }

    /// The article: its Markdown rendered, the matrix image as a link, workloads linked to their pages.
    fn article(&self, site: &mut Site) -> Result<(), Error> {
        let rendered = self.rendered;
        let layout = &self.layout;
        let workloads = &self.workloads;
        {
            let mut page = layout.page("index.html", &rendered.title, rendered.description.clone());
            page.head_html = rendered.files.get(whichpy_render::outputs::HEAD).cloned();
            page.twitter = !page
                .head_html
                .as_deref()
                .unwrap_or("")
                .contains("twitter:card");
            let md = rendered
                .files
                .get(whichpy_render::outputs::ARTICLE)
                .cloned()
                .unwrap_or_default();
            let links = whichpy_render::SiteLinks {
                code_links: workloads
                    .iter()
                    .map(|w| (w.clone(), workload_href("", w)))
                    .collect(),
                image_links: rendered
                    .images
                    .iter()
                    .filter(|im| im.id == "matrix")
                    .map(|im| {
                        (
                            im.path.clone(),
                            format!("{} as an image, for sharing", im.title),
                        )
                    })
                    .collect(),
                see_also: Some(SEE_ALSO.into()),
            };
            let html = whichpy_render::markdown_to_html_linked(&md, &links);
            let data = ArticleData {
                html,
                links: article_links(&self.input.content.site.links)?,
            };
            self.emit(site, &page, "article.html.j2", &data)?;
        }
        Ok(())
    }

    /// Every measured cell, the explorer, the compatibility matrix, geometric means, crossovers, warnings.
    fn results(&self, site: &mut Site) -> Result<(), Error> {
        let charts_ = self.charts;
        let s = self.s;
        let size = self.size;
        let layout = &self.layout;
        let interps = &self.interps;
        let baseline = &self.baseline;
        let look = &self.look;
        let level = &self.level;
        let workloads = &self.workloads;
        {
            let root = "";
            let mut rows = Vec::new();
            for w in workloads {
                for i in interps {
                    let c = look.cell(&i.id, w);
                    let (status, status_text) = compat_text(s, &i.id, w, size);
                    if c.is_none() && status == "missing" {
                        continue;
                    }
                    rows.push(CellRow {
                        workload: w.clone(),
                        workload_href: workload_href(root, w),
                        interp: i.label.clone(),
                        interp_id: i.id.clone(),
                        category: s
                            .workloads
                            .iter()
                            .find(|m| &m.name == w)
                            .map(|m| m.category.clone())
                            .unwrap_or_default(),
                        warmup_class: warmup_key(c.and_then(|c| c.warmup.as_ref())),
                        status,
                        status_text,
                        warm: time_num(look, c.and_then(|c| c.warm_ns.as_ref())),
                        cold: time_num(look, c.and_then(|c| c.cold_ns.as_ref())),
                        warmup: warmup_text(c.and_then(|c| c.warmup.as_ref())),
                        warm_ratio: comparison_ratio(look, &i.id, w, Metric::Warm),
                        cold_ratio: comparison_ratio(look, &i.id, w, Metric::Cold),
                        memory: c.and_then(|c| figure::memory(c, "")),
                        processes: c
                            .map(|c| {
                                format!("{} ok, {} failed", c.processes_ok, c.processes_failed)
                            })
                            .unwrap_or_else(|| "none run".into()),
                    });
                }
            }
            let mut compat_workloads: Vec<String> =
                s.workloads.iter().map(|w| w.name.clone()).collect();
            for c in &s.compatibility {
                if c.size == size && !compat_workloads.contains(&c.workload) {
                    compat_workloads.push(c.workload.clone());
                }
            }
            let compat = compat_workloads
                .iter()
                .filter(|w| {
                    s.compatibility
                        .iter()
                        .any(|c| &c.workload == *w && c.size == size)
                })
                .map(|w| CompatRow {
                    workload: w.clone(),
                    href: if workloads.contains(w) {
                        workload_href(root, w)
                    } else {
                        format!("{root}startup.html")
                    },
                    cells: interps
                        .iter()
                        .map(|i| {
                            let (status, text) = compat_text(s, &i.id, w, size);
                            CompatCell { status, text }
                        })
                        .collect(),
                })
                .collect();
            let geomeans = s
                .geomeans
                .iter()
                .filter(|g| g.size == size)
                .map(|g| GeoRow {
                    interp: interps
                        .iter()
                        .find(|i| i.id == g.interp)
                        .map(|i| i.label.clone())
                        .unwrap_or_else(|| g.interp.clone()),
                    metric: g.metric.as_str().into(),
                    ratio: figure::ratio(g.ratio, g.ci.low, g.ci.high, g.verdict, level, ""),
                    workloads: g.workloads.join(", "),
                })
                .collect();
            let explorer = explorer(s, &rows, workloads, size, site);
            let data = ResultsData {
                explorer,
                geomean_method: s.analysis.methods.get("geomean").cloned(),
                size: size.to_string(),
                baseline: baseline.clone(),
                interps: interps
                    .iter()
                    .map(|i| InterpHead {
                        id: i.id.clone(),
                        label: i.label.clone(),
                        color: charts::color_hex(i.index),
                    })
                    .collect(),
                overview_warm: charts_.overview_warm.clone(),
                overview_cold: charts_.overview_cold.clone(),
                rows,
                compat,
                geomeans,
                crossovers: crossovers(s, size, interps, root, None),
                warnings: warnings(s, None),
                workloads: workloads
                    .iter()
                    .map(|w| Nav {
                        href: workload_href(root, w),
                        label: w.clone(),
                        current: false,
                    })
                    .collect(),
            };
            let page = layout.page(
                "results.html",
                "Results: every measured cell, with intervals",
                format!(
                    "Every cell whichpy measured on {}: warm and cold times with 95% intervals, \
                     warm-up classes, memory, ratios to {baseline} and the compatibility matrix.",
                    layout.footer.machine
                ),
            );
            self.emit(site, &page, "results.html.j2", &data)?;
        }
        Ok(())
    }

    /// One workload: its charts, every interpreter's figures, crossovers, failures, warnings, its command.
    fn workload(&self, site: &mut Site, w: &str) -> Result<(), Error> {
        let rendered = self.rendered;
        let charts_ = self.charts;
        let s = self.s;
        let size = self.size;
        let layout = &self.layout;
        let interps = &self.interps;
        let baseline = &self.baseline;
        let look = &self.look;
        {
            let path = format!("workloads/{}.html", charts::slug(w));
            let root = "../";
            let meta = s.workloads.iter().find(|m| m.name == w);
            let rows = interps
                .iter()
                .filter_map(|i| {
                    let c = look.cell(&i.id, w);
                    let (status, status_text) = compat_text(s, &i.id, w, size);
                    if c.is_none() && status == "missing" {
                        return None;
                    }
                    Some(InterpRow {
                        interp: i.label.clone(),
                        status,
                        status_text,
                        warm: time_num(look, c.and_then(|c| c.warm_ns.as_ref())),
                        cold: time_num(look, c.and_then(|c| c.cold_ns.as_ref())),
                        first: time_num(look, c.and_then(|c| c.first_iteration_ns.as_ref())),
                        startup: time_num(look, c.and_then(|c| c.startup_ns.as_ref())),
                        all_iterations: time_num(
                            look,
                            c.and_then(|c| c.iteration_mean_ns.as_ref()),
                        ),
                        memory: c.and_then(|c| figure::memory(c, "")),
                        warmup: warmup_text(c.and_then(|c| c.warmup.as_ref())),
                        steady_after: c
                            .and_then(|c| c.warmup.as_ref())
                            .and_then(|w| w.iterations_before_steady.as_ref())
                            .map(|e| format!("{} iterations", sig3(e.mean)))
                            .unwrap_or_else(|| "–".into()),
                        processes: c
                            .map(|c| {
                                format!("{} ok, {} failed", c.processes_ok, c.processes_failed)
                            })
                            .unwrap_or_else(|| "none run".into()),
                        iterations: c.map(|c| int(c.iterations as u64)).unwrap_or_default(),
                        warm_ratio: comparison_ratio(look, &i.id, w, Metric::Warm),
                        cold_ratio: comparison_ratio(look, &i.id, w, Metric::Cold),
                    })
                })
                .collect();
            let failures = interps
                .iter()
                .filter_map(|i| look.cell(&i.id, w).map(|c| (i, c)))
                .flat_map(|(i, c)| {
                    c.failures.iter().map(move |f| FailureRow {
                        interp: i.label.clone(),
                        label: f.label.clone(),
                        count: int(f.count as u64),
                        detail: outcome_text(&f.example),
                        stderr: f.stderr_tail.clone(),
                    })
                })
                .collect();
            let data = WorkloadData {
                name: w.to_string(),
                description: meta.map(|m| m.description.clone()).unwrap_or_default(),
                category: meta.map(|m| m.category.clone()).unwrap_or_default(),
                n: meta
                    .and_then(|m| m.sizes.get(size))
                    .map(|s| int(s.n))
                    .unwrap_or_default(),
                size: size.to_string(),
                baseline: baseline.clone(),
                charts: charts_.workloads.get(w).cloned().unwrap_or_default(),
                rows,
                crossovers: crossovers(s, size, interps, root, Some(w)),
                failures,
                warnings: warnings(s, Some(w)),
                command: workload_command(rendered, w),
            };
            let page = layout.page(
                &path,
                &format!("{w}: warm-up, cold and warm times, memory"),
                format!(
                    "The {w} workload on CPython, PyPy and MicroPython: per-iteration warm-up curves, \
                     cold and warm times with 95% intervals, and peak memory, as measured by whichpy."
                ),
            );
            self.emit(site, &page, "workload.html.j2", &data)?;
        }
        Ok(())
    }

    /// Startup: the empty program on every interpreter.
    fn startup(&self, site: &mut Site) -> Result<(), Error> {
        let rendered = self.rendered;
        let charts_ = self.charts;
        let s = self.s;
        let size = self.size;
        let layout = &self.layout;
        let interps = &self.interps;
        let baseline = &self.baseline;
        let look = &self.look;
        {
            let startup_cells: Vec<&CellSummary> = s
                .cells
                .iter()
                .filter(|c| c.kind == WorkloadKind::Startup && c.key.size == size)
                .collect();
            let rows = interps
                .iter()
                .filter_map(|i| {
                    let c = startup_cells.iter().find(|c| c.key.interp == i.id)?;
                    Some(StartupRow {
                        interp: i.label.clone(),
                        wall: time_num(look, c.wall_ns.as_ref()),
                        memory: figure::memory(c, ""),
                        ratio: comparison_ratio(look, &i.id, &c.key.workload, Metric::Startup),
                        processes: format!("{} ok, {} failed", c.processes_ok, c.processes_failed),
                    })
                })
                .collect();
            let data = StartupData {
                size: size.to_string(),
                baseline: baseline.clone(),
                chart: charts_.startup.clone(),
                memory_chart: charts_.startup_memory.clone(),
                rows,
                command: startup_cells
                    .first()
                    .and_then(|c| workload_command(rendered, &c.key.workload)),
            };
            let page = layout.page(
                "startup.html",
                "Startup: how long an empty program takes",
                "How long CPython, PyPy and MicroPython take to start and run an empty program, \
                 measured over many fresh processes, with 95% intervals and peak memory."
                    .into(),
            );
            self.emit(site, &page, "startup.html.j2", &data)?;
        }
        Ok(())
    }

    /// The memory floor (`cargo xtask floor`) and the scaling curves (`cargo xtask scaling`).
    fn floor_scaling(&self, site: &mut Site) -> Result<(), Error> {
        let view = &self.rendered.view;
        let data = FloorScalingData {
            floor: view.floor.as_ref(),
            scaling: view.scaling.as_ref(),
            scaling_chart: self.charts.scaling.as_ref(),
            machine_cores: self.s.environment.machine.cores.to_string(),
        };
        let page = self.layout.page(
            "memory-scaling.html",
            "Memory floor and scaling over threads and processes",
            "The smallest memory each workload runs in on CPython, PyPy and MicroPython, and the \
             speed-up of the same CPU-bound work over threads and processes, with 95% intervals."
                .into(),
        );
        self.emit(site, &page, "memory-scaling.html.j2", &data)
    }

    /// Web service latency: p50/p95/p99 by request rate per interpreter.
    fn web(&self, site: &mut Site) -> Result<(), Error> {
        // The view's web section: the same interpreters and figures the article's matrix quotes.
        let data = WebData {
            web: self.rendered.view.web.clone(),
            baseline: self.baseline.clone(),
            command: workload_command(self.rendered, whichpy_view::web::WEB_WORKLOAD),
        };
        let page = self.layout.page(
            "web.html",
            "Web service latency",
            "The p50, p95 and p99 latency of a small JSON API on CPython, PyPy and MicroPython \
             under open-loop load at fixed request rates, with 95% intervals."
                .into(),
        );
        self.emit(site, &page, "web.html.j2", &data)
    }

    /// Application classes: the data pipeline's throughput and the CLI tool's process time,
    /// from the view's `apps` (the figures the article's matrix quotes).
    fn apps(&self, site: &mut Site) -> Result<(), Error> {
        let apps = &self.rendered.view.apps;
        let command = |w: Option<&String>| w.and_then(|w| workload_command(self.rendered, w));
        let data = AppsData {
            size: self.size.to_string(),
            baseline: self.baseline.clone(),
            pipeline_command: command(apps.pipeline.as_ref().map(|p| &p.workload)),
            cli_command: command(apps.cli.as_ref().map(|c| &c.workload)),
            apps,
        };
        let page = self.layout.page(
            "apps.html",
            "Application classes: a data pipeline and a command-line tool",
            "A CSV data pipeline's throughput in MB/s and records/s, cold and warm, and a \
             command-line tool's whole-process time (p50, p95, mean) on CPython, PyPy and \
             MicroPython."
                .into(),
        );
        self.emit(site, &page, "apps.html.j2", &data)
    }

    /// MicroPython on an emulated micro:bit: which workloads fit, heap, instructions, ms.
    fn microbit(&self, site: &mut Site) -> Result<(), Error> {
        let data = McuData {
            mcu: whichpy_view::mcu::build(self.s),
            command: whichpy_view::mcu::COMMAND.to_string(),
        };
        let page = self.layout.page(
            "microbit.html",
            "MicroPython on a micro:bit (emulated)",
            "Which whichpy workloads fit the 16 KB of RAM of a BBC micro:bit emulated by QEMU, \
             the heap they leave, and their emulated instructions and time at 16 MHz."
                .into(),
        );
        self.emit(site, &page, "microbit.html.j2", &data)
    }

    /// Each interpreter across Debian releases, and the variants (`whichpy_view::history`).
    fn history(&self, site: &mut Site) -> Result<(), Error> {
        let page = self.layout.page(
            "history.html",
            "History and variants: interpreters across Debian releases",
            "How CPython, PyPy and MicroPython moved between Debian 12, 13 and unstable, and what \
             PyPy without its JIT, MicroPython's native emitter and a free-threaded CPython \
             change, against one baseline with 95% intervals."
                .into(),
        );
        self.emit(site, &page, "history.html.j2", &self.rendered.view.history)
    }

    /// How every figure was measured.
    fn methodology(&self, site: &mut Site) -> Result<(), Error> {
        let s = self.s;
        let layout = &self.layout;
        let baseline = &self.baseline;
        let last_run = self.s.environment.runs.last();
        {
            let a = &s.analysis;
            let p = last_run.map(|r| &r.params);
            let data = MethodologyData {
                confidence: format!("{}%", sig3(a.confidence * 100.0)),
                ratio_method: a.methods.get("ratio").cloned(),
                geomean_method: a.methods.get("geomean").cloned(),
                target_ci: format!("±{}%", sig3(a.target_ci * 100.0)),
                baseline: baseline.clone(),
                methods: a
                    .methods
                    .iter()
                    .map(|(what, method)| MethodRow {
                        what: what.clone(),
                        method: method.clone(),
                    })
                    .collect(),
                processes: p.map(|p| int(p.processes as u64)).unwrap_or_default(),
                iterations: p.map(|p| int(p.iterations as u64)).unwrap_or_default(),
                startup_processes: p
                    .map(|p| int(p.startup_processes as u64))
                    .unwrap_or_default(),
            };
            let page = layout.page(
                "methodology.html",
                "Methodology: how every figure was measured",
                "How whichpy measures CPython, PyPy and MicroPython: process executions and \
                 in-process iterations, warm-up classes, intervals as the analysis records them."
                    .into(),
            );
            self.emit(site, &page, "methodology.html.j2", &data)?;
        }
        Ok(())
    }

    /// The commands, images, machine and downloads that reproduce the data.
    fn reproduce(&self, site: &mut Site) -> Result<(), Error> {
        let input = self.input;
        let s = self.s;
        let layout = &self.layout;
        let m = &self.s.environment.machine;
        {
            let mut downloads = vec![Download {
                href: "data/summary.json".into(),
                name: "summary.json".into(),
                bytes: int(input.summary_json.len() as u64),
                sha256: sha256_hex(input.summary_json),
            }];
            if let Some(bytes) = site.files.get(RESULTS_CSV) {
                downloads.push(Download {
                    href: RESULTS_CSV.into(),
                    name: "results.csv".into(),
                    bytes: int(bytes.len() as u64),
                    sha256: sha256_hex(bytes),
                });
            }
            for (name, bytes) in input.raw {
                downloads.push(Download {
                    href: format!("data/raw/{name}"),
                    name: name.clone(),
                    bytes: int(bytes.len() as u64),
                    sha256: sha256_hex(bytes),
                });
            }
            let runs: Vec<RunRow> = s
                .environment
                .runs
                .iter()
                .map(|r| RunRow {
                    run_id: r.run_id.clone(),
                    started_at: r.started_at.clone(),
                    git_rev: r.git_rev.clone(),
                    git_dirty: r.git_dirty,
                    backend: r.backend.to_string(),
                    params: format!(
                        "{} size, {} processes × {} iterations, {} startup processes, timeout {} s",
                        r.params.size,
                        r.params.processes,
                        r.params.iterations,
                        r.params.startup_processes,
                        sig3(r.params.timeout_s)
                    ),
                    command: bench_command(r),
                })
                .collect();
            let mut commands = vec![CommandRow {
                label: "Check the machine and install what is missing".into(),
                command: "cargo xtask doctor --install".into(),
            }];
            for r in &runs {
                commands.push(CommandRow {
                    label: format!("Measure again as run {} did", r.run_id),
                    command: r.command.clone(),
                });
            }
            commands.push(CommandRow {
                label: "Analyse the raw files into results/summary.json".into(),
                command: "cargo xtask analyse".into(),
            });
            commands.push(CommandRow {
                label: "Render the article and this site into dist/".into(),
                command: "cargo xtask publish".into(),
            });
            let interp_rows = s
                .environment
                .interpreters
                .iter()
                .map(|i| InterpInfoRow {
                    id: i.id.clone(),
                    label: i.label.clone(),
                    family: i.family.to_string(),
                    version: i.implementation.version.clone(),
                    python: i.implementation.python.clone(),
                    sys_version: i.implementation.sys_version.clone(),
                    executable: i.executable.clone(),
                    flags: i.flags.join(" "),
                    caveat: i.caveat.clone(),
                    image: i.image.as_ref().map(|im| ImageRow {
                        id: im.id.clone(),
                        content_digest: im.content_digest.clone(),
                        inputs_hash: im.inputs_hash.clone(),
                        package_count: int(im.packages.len() as u64),
                        packages: im
                            .packages
                            .iter()
                            .map(|p| PackageRow {
                                name: p.name.clone(),
                                version: p.version.clone(),
                            })
                            .collect(),
                    }),
                })
                .collect();
            let machine = vec![
                MachineRow {
                    what: "CPU".into(),
                    value: m.cpu_model.clone(),
                },
                MachineRow {
                    what: "Cores".into(),
                    value: m.cores.to_string(),
                },
                MachineRow {
                    what: "Memory".into(),
                    value: format!("{} GiB", sig3(m.memory_kib as f64 / 1024.0 / 1024.0)),
                },
                MachineRow {
                    what: "Operating system".into(),
                    value: m.os.clone(),
                },
                MachineRow {
                    what: "Kernel".into(),
                    value: m.kernel.clone(),
                },
                MachineRow {
                    what: "Frequency governor".into(),
                    value: m.governor.clone().unwrap_or_else(|| "not readable".into()),
                },
                MachineRow {
                    what: "Fingerprint".into(),
                    value: m.fingerprint.clone(),
                },
            ];
            let data = ReproduceData {
                runs,
                interps: interp_rows,
                machine,
                downloads,
                commands,
            };
            let page = layout.page(
                "reproduce.html",
                "Reproduce: commands, images, machine and raw data",
                "Everything needed to reproduce whichpy's figures: the commands, interpreter images \
                 and package manifests, the machine fingerprint, and the raw and summary data."
                    .into(),
            );
            self.emit(site, &page, "reproduce.html.j2", &data)?;
        }
        Ok(())
    }

    /// The 404 page, and the sitemap and robots.txt (a local build has no sitemap).
    /// Each profiled cell's flamegraph (an `<img>` of inferno's SVG without its script, which
    /// the CSP would block) and cProfile's top table.
    fn profiles(&self, site: &mut Site) -> Result<(), Error> {
        let mut profiles = Vec::new();
        for p in self.input.profiles {
            let flame = match charts::flamegraph(p)? {
                Some(chart) => {
                    site.add(format!("charts/{}", chart.file), chart.svg.as_bytes());
                    Some(Figure::of("charts", &chart))
                }
                None => None,
            };
            profiles.push(ProfileEntry {
                view: whichpy_view::profile::profile_view(p),
                flame,
            });
        }
        let data = ProfilesData {
            profiles,
            example: self
                .rendered
                .view
                .profile
                .as_ref()
                .map(|c| c.cpython.clone()),
        };
        let page = self.layout.page(
            "profiles.html",
            "Profiles: where CPython and PyPy spend their time",
            "cProfile's top functions and a sampler's flamegraph for each profiled workload, on \
             CPython (py-spy) and PyPy (a timer sampler), from `cargo xtask profile`."
                .into(),
        );
        self.emit(site, &page, "profiles.html.j2", &data)
    }

    fn not_found_and_sitemap(&self, site: &mut Site) -> Result<(), Error> {
        let render = self.render;
        let layout = &self.layout;
        {
            let mut page = layout.page(
                "404.html",
                "Page not found",
                "This page does not exist; the article, results and reproduction pages are linked below."
                    .into(),
            );
            page.inline_css = Some(
                crate::ASSETS
                    .iter()
                    .find(|(n, _)| *n == "site.css")
                    .map(|(_, css)| css.to_string())
                    .unwrap_or_default(),
            );
            self.emit(site, &page, "404.html.j2", &())?;
        }
        // A sitemap lists absolute addresses: a local build has none, so it writes no sitemap and
        // robots.txt names none.
        if let Some(base) = &layout.base {
            let lastmod = layout.footer.data_date.clone();
            let mut urls: Vec<SitemapUrl> = site
                .pages()
                .filter(|p| *p != "404.html")
                .map(|p| SitemapUrl {
                    loc: page_url(base, p),
                    lastmod: lastmod.clone(),
                })
                .collect();
            urls.sort_by(|a, b| a.loc.cmp(&b.loc));
            let ctx = serde_json::json!({ "urls": urls, "base": base });
            site.add("sitemap.xml", render("sitemap.xml.j2", &ctx)?);
            site.add("robots.txt", render("robots.txt.j2", &ctx)?);
        } else {
            let ctx = serde_json::json!({ "base": serde_json::Value::Null });
            site.add("robots.txt", render("robots.txt.j2", &ctx)?);
        }
        Ok(())
    }
}

/// The paragraph the article's page adds at the end of the section that first links a
/// workload to its page (inline Markdown).
const SEE_ALSO: &str =
    "Every measured cell, with its interval, warm-up class and ratio, is on the \
[results page](results.html); each workload has a page of its own with its warm-up curves.";

/// A page's data, made into the template context with the layout's `page`.
trait ErasedData {
    fn ctx(&self, page: &Page) -> serde_json::Value;
}

impl<D: Serialize> ErasedData for D {
    fn ctx(&self, page: &Page) -> serde_json::Value {
        context(&Ctx { page, data: self })
    }
}

fn crossovers(
    s: &Summary,
    size: SizeName,
    interps: &[charts::Interp],
    root: &str,
    only: Option<&str>,
) -> Vec<CrossRow> {
    let label = |id: &str| {
        interps
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.label.clone())
            .unwrap_or_else(|| id.to_string())
    };
    s.crossovers
        .iter()
        .filter(|c| c.size == size && only.is_none_or(|w| w == c.workload))
        .map(|c| {
            let (over, other) = match c.direction {
                CrossDirection::InterpOvertakes => (label(&c.interp), label(&c.baseline)),
                CrossDirection::BaselineOvertakes => (label(&c.baseline), label(&c.interp)),
            };
            CrossRow {
                workload: c.workload.clone(),
                href: workload_href(root, &c.workload),
                text: format!(
                    "{over} is slower at first and catches up with {other} after {} iterations \
                     ({} in total, startup included){}",
                    int(c.iterations),
                    whichpy_view::format::time(c.time_ns),
                    if c.extrapolated {
                        "; extrapolated from the warm means, beyond the measured iterations"
                    } else {
                        ""
                    }
                ),
            }
        })
        .collect()
}

fn warnings(s: &Summary, only: Option<&str>) -> Vec<WarnRow> {
    s.warnings
        .iter()
        .filter(|w| match only {
            Some(name) => w.cell.as_ref().is_some_and(|c| c.workload == name),
            None => true,
        })
        .map(|w| WarnRow {
            about: w
                .cell
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_else(|| "the whole summary".into()),
            message: code_spans(&w.message),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts as `text` and `[code]` strings.
    fn parts(text: &str) -> Vec<String> {
        code_spans(text)
            .into_iter()
            .map(|p| {
                if p.code {
                    format!("[{}]", p.text)
                } else {
                    p.text
                }
            })
            .collect()
    }

    #[test]
    fn code_spans_cut_at_backtick_pairs() {
        assert_eq!(
            parts("run more (`--iterations`) now"),
            ["run more (", "[--iterations]", ") now"]
        );
        assert_eq!(parts("`a` and `b`"), ["[a]", " and ", "[b]"]);
        assert_eq!(parts("no code"), ["no code"]);
        assert_eq!(parts("one ` tick"), ["one ` tick"]);
        assert_eq!(parts("<b>`<i>`"), ["<b>", "[<i>]"]);
    }
}
