//! The site in a real browser: Debian's `chromium`, headless, driven over the DevTools
//! protocol, over every page of a site built from the fixture summary and served on 127.0.0.1.
//!
//! Asserts: no console error, no uncaught exception, no failed request and no request to
//! another origin; the article's JSON-LD parses with Article and FAQPage and their required
//! properties; every internal link and fragment resolves and every image loads; the sortable
//! table sorts. Saves the article at phone (390 px) and desktop (1280 px) widths to
//! `target/screenshots/`. A second site, whose workload name and interpreter label carry
//! `<script>` markup, must open no dialog and log no error. Two more carry Markdown in the names
//! (`[click me](javascript:alert(3))`, `![px](http://127.0.0.1:9/p.png)`, a newline and `# H1`):
//! no live `javascript:` link, no remote request, one H1 per page. Every page carries the
//! Content-Security-Policy, the browser enforces it (an injected inline script does not run),
//! our own script breaks none of it, and the tables still sort under it.
//!
//! Without chromium the test says `SKIPPED` on stderr and passes.

use std::io::Write;
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::cdp::{find_chromium, Browser, PageLoad};
use common::{fixture, serve};
use serde_json::Value;

/// Load every lazy image now, and wait for all of them.
const LOAD_IMAGES: &str = r#"Promise.all(Array.from(document.images).map(i => {
  i.loading = 'eager';
  return i.complete ? true : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); });
})).then(() => document.images.length)"#;

/// What a page holds, read in the browser.
const PAGE_FACTS: &str = r#"(() => ({
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  images: Array.from(document.images).map(i => ({ src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0, alt: i.getAttribute('alt') })),
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
  jsonld: Array.from(document.querySelectorAll('script[type="application/ld+json"]')).map(s => s.textContent),
  h1: document.querySelectorAll('h1').length,
  csp: Array.from(document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]')).map(m => m.content),
  csp_first: document.head.firstElementChild && document.head.querySelector('meta[http-equiv]') === document.head.children[1],
  hrefs: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
  tablesWithoutTh: Array.from(document.querySelectorAll('table')).filter(t => !t.querySelector('th')).length,
  width: document.documentElement.scrollWidth,
  absolute: Array.from(document.querySelectorAll('[href], [src], [content]'))
    .flatMap(e => ['href', 'src', 'content'].map(a => e.getAttribute(a)))
    .filter(v => v && /^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim())),
}))()"#;

/// Every `<text>` of every SVG image on the page, as the browser sets it at the image's
/// rendered size: the SVG is parsed, put in a box of the image's rendered content size, and
/// each text's computed font size is multiplied by the scale of its screen CTM. Returns, per
/// image, the smallest size and how many texts were measured.
const CHART_TEXT: &str = r#"(async () => {
  const out = [];
  for (const img of Array.from(document.images).filter(i => /\.svg$/.test(i.getAttribute('src')))) {
    const w = img.clientWidth, h = img.clientHeight;
    const text = await (await fetch(img.currentSrc || img.src)).text();
    const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
    const box = document.createElement('div');
    box.style.position = 'absolute';
    box.style.left = '0px';
    box.style.top = '0px';
    box.style.width = w + 'px';
    box.style.height = h + 'px';
    const node = document.importNode(svg, true);
    node.setAttribute('width', w);
    node.setAttribute('height', h);
    box.appendChild(node);
    document.body.appendChild(box);
    let min = Infinity, n = 0;
    for (const t of node.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const m = t.getScreenCTM();
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      min = Math.min(min, px);
      n++;
    }
    box.remove();
    out.push({ src: img.getAttribute('src'), width: w, min: n ? min : null, texts: n });
  }
  return out;
})()"#;

/// At the current width: elements that reach past the screen's edges without a scrolling frame
/// (`overflow-x: auto|scroll`) around them, and elements that cut their own text (overflow
/// hidden or an ellipsis, with more text than room). A visually hidden label (1 px) and the
/// skip link (off-screen until focused) are meant to be so.
const LAYOUT: &str = r#"(() => {
  const vw = document.documentElement.clientWidth;
  const inScroller = e => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  const outside = [], clipped = [];
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('.skip')) continue;
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    const cs = getComputedStyle(e);
    if (cs.visibility === 'hidden') continue;
    if ((r.right > vw + 1 || r.left < -1) && !inScroller(e)) {
      outside.push(name(e) + ' [' + Math.round(r.left) + ', ' + Math.round(r.right) + ']: ' + e.textContent.trim().slice(0, 60));
    }
    const cuts = cs.overflowX === 'hidden' || cs.overflowX === 'clip' || cs.textOverflow === 'ellipsis';
    if (cuts && e.scrollWidth > e.clientWidth + 1 && e.textContent.trim()) {
      clipped.push(name(e) + ': ' + e.textContent.trim().slice(0, 80));
    }
  }
  return { vw, width: document.documentElement.scrollWidth, outside: outside.slice(0, 12), clipped: clipped.slice(0, 12) };
})()"#;

/// Opened as a document of its own (as an `<img>` draws it: its own `<style>` applies, which
/// the page's Content-Security-Policy would block if it were put into the page), every
/// `<text>` of an SVG that reaches past the SVG's edges. A label cut at the edge ("CPython
/// 3.13, free-threaded (built from Deb…") is what this catches.
const CHART_CLIP: &str = r#"(() => {
  const svg = document.documentElement;
  const frame = svg.getBoundingClientRect();
  const out = [];
  for (const t of svg.querySelectorAll('text')) {
    if (!t.textContent.trim()) continue;
    const r = t.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1 || r.bottom > frame.bottom + 1) {
      out.push('"' + t.textContent.trim() + '" at x ' + Math.round(r.left - frame.left) + '–' +
        Math.round(r.right - frame.left) + ', y ' + Math.round(r.top - frame.top) + '–' + Math.round(r.bottom - frame.top) +
        ' of ' + Math.round(frame.width) + '×' + Math.round(frame.height));
    }
  }
  return out;
})()"#;

/// Every page at `width`: nothing sideways outside a scrolling frame, no text cut by its box.
/// Returns the SVG images the pages show.
fn check_layout(
    browser: &mut Browser,
    origin: &str,
    pages: &[String],
    width: u32,
    mobile: bool,
) -> BTreeSet<String> {
    browser.set_width(width, 900, mobile);
    let mut svgs = BTreeSet::new();
    for page in pages {
        let mut load = browser.open(&format!("{origin}/{page}"));
        browser.eval(LOAD_IMAGES);
        browser.settle(&mut load);
        let l = browser.eval(LAYOUT);
        assert!(
            l["width"].as_u64().unwrap() <= u64::from(width),
            "{page} at {width} px is {} px wide: {l}",
            l["width"]
        );
        assert_eq!(
            l["outside"],
            serde_json::json!([]),
            "{page} at {width} px: elements past the screen outside a scrolling frame"
        );
        assert_eq!(
            l["clipped"],
            serde_json::json!([]),
            "{page} at {width} px: text cut by its box"
        );
        let imgs = browser.eval(
            r"Array.from(document.images).map(i => i.currentSrc || i.src).filter(s => /\.svg$/.test(s))",
        );
        svgs.extend(
            imgs.as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string),
        );
    }
    svgs
}

/// No text of any chart reaches past its chart's edges (the SVG drawn alone, as an image is).
fn check_chart_clip(browser: &mut Browser, svgs: &BTreeSet<String>) {
    assert!(svgs.len() > 5, "only {} charts: {svgs:?}", svgs.len());
    for url in svgs {
        let mut load = browser.open(url);
        browser.settle(&mut load);
        let c = browser.eval(CHART_CLIP);
        assert_eq!(c, serde_json::json!([]), "{url}: chart text past its edge");
    }
}

fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn html_pages(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(
                    p.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

fn assert_clean(page: &str, load: &PageLoad, origin: &str) {
    assert!(
        load.console_errors.is_empty(),
        "{page}: console errors {:?}",
        load.console_errors
    );
    assert!(
        load.exceptions.is_empty(),
        "{page}: exceptions {:?}",
        load.exceptions
    );
    assert!(
        load.log_errors.is_empty(),
        "{page}: browser log errors {:?}",
        load.log_errors
    );
    assert!(
        load.dialogs.is_empty(),
        "{page}: dialogs opened {:?}",
        load.dialogs
    );
    let failed: Vec<_> = load
        .failed_requests
        .iter()
        // The 404 page is served with status 404 on purpose.
        .filter(|(url, why)| !(url.ends_with("/404.html") && why == "HTTP 404"))
        .collect();
    assert!(failed.is_empty(), "{page}: failed requests {failed:?}");
    for url in &load.requested {
        assert!(
            url.starts_with(origin) || url.starts_with("data:") || url.starts_with("about:"),
            "{page}: a request left the page: {url}"
        );
    }
}

/// Check the article's JSON-LD: one block, an `@graph` with Article and FAQPage.
fn check_jsonld(blocks: &[Value]) {
    assert_eq!(blocks.len(), 1, "one JSON-LD block: {blocks:?}");
    let text = blocks[0].as_str().unwrap();
    let v: Value = serde_json::from_str(text).expect("the JSON-LD parses");
    let graph = v["@graph"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![v.clone()]);
    let of = |t: &str| {
        graph
            .iter()
            .find(|n| n["@type"] == t)
            .unwrap_or_else(|| panic!("no {t} in the JSON-LD: {v}"))
            .clone()
    };
    let article = of("Article");
    for key in [
        "headline",
        "description",
        "datePublished",
        "dateModified",
        "image",
    ] {
        assert!(
            !article[key].is_null() && article[key] != "",
            "Article.{key} missing: {article}"
        );
    }
    assert!(
        article["author"]["name"].is_string(),
        "Article.author.name: {article}"
    );
    let faq = of("FAQPage");
    let questions = faq["mainEntity"].as_array().expect("FAQPage.mainEntity");
    assert!(!questions.is_empty());
    for q in questions {
        assert_eq!(q["@type"], "Question", "{q}");
        assert!(q["name"].as_str().is_some_and(|s| !s.is_empty()), "{q}");
        assert_eq!(q["acceptedAnswer"]["@type"], "Answer", "{q}");
        assert!(
            q["acceptedAnswer"]["text"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{q}"
        );
    }
}

/// One CSP, before anything it governs, that allows nothing remote and no inline script; and
/// no link with a scheme other than https.
fn check_csp(page: &str, f: &Value) {
    let csp = f["csp"].as_array().unwrap();
    assert_eq!(csp.len(), 1, "{page}: one Content-Security-Policy: {csp:?}");
    let csp = csp[0].as_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "img-src 'self';",
        "connect-src 'self';",
        "base-uri 'none'",
    ] {
        assert!(
            csp.contains(directive),
            "{page}: CSP lacks {directive}: {csp}"
        );
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains("http"),
        "{page}: CSP too loose: {csp}"
    );
    assert_eq!(
        f["csp_first"], true,
        "{page}: the CSP meta comes right after the charset"
    );
    for href in f["hrefs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
    {
        let scheme = href.split(['/', '?', '#']).next().unwrap_or("");
        assert!(
            !scheme.contains(':') || href.starts_with("https://"),
            "{page}: a live link to {href}"
        );
    }
}

/// The sortable table of the results page sorts (under the CSP, and with no error logged).
fn check_sorting(browser: &mut Browser, origin: &str) {
    let mut load = browser.open(&format!("{origin}/results.html"));
    let sorted = browser.eval(
        r#"(() => {
          const t = document.querySelector('table[data-sortable]');
          const b = t.querySelector('thead button.sort');
          b.click();
          const first = t.tHead.rows[0].cells[0].getAttribute('aria-sort');
          b.click();
          return [first, t.tHead.rows[0].cells[0].getAttribute('aria-sort')];
        })()"#,
    );
    assert_eq!(sorted, serde_json::json!(["ascending", "descending"]));
    browser.settle(&mut load);
    assert_clean("results.html (sorted)", &load, origin);
}

/// The browser enforces the CSP: an inline script added to the page does not run, and is
/// reported as a violation of `script-src`.
fn check_csp_enforced(browser: &mut Browser, origin: &str) {
    browser.open(&format!("{origin}/results.html"));
    let r = browser.eval(
        r#"new Promise(resolve => {
          document.addEventListener('securitypolicyviolation', e => resolve([e.violatedDirective, window.__inline === undefined]));
          const s = document.createElement('script');
          s.textContent = 'window.__inline = 1';
          document.head.appendChild(s);
          setTimeout(() => resolve(['none', window.__inline === undefined]), 2000);
        })"#,
    );
    assert_eq!(
        r,
        serde_json::json!(["script-src-elem", true]),
        "an inline script is blocked by the CSP"
    );
}

/// Visit every page of the site in `root`; return the facts of each page.
fn crawl(browser: &mut Browser, root: &Path) -> (String, BTreeMap<String, Value>) {
    let server = serve::serve(root);
    let origin = server.origin.clone();
    let mut facts = BTreeMap::new();
    for page in html_pages(root) {
        let mut load = browser.open(&format!("{origin}/{page}"));
        browser.eval(LOAD_IMAGES);
        browser.settle(&mut load);
        assert_clean(&page, &load, &origin);
        let f = browser.eval(PAGE_FACTS);
        assert_eq!(f["h1"], 1, "{page}: one H1");
        check_csp(&page, &f);
        assert_eq!(
            f["tablesWithoutTh"], 0,
            "{page}: every table has header cells"
        );
        for img in f["images"].as_array().unwrap() {
            assert_eq!(img["ok"], true, "{page}: image did not load: {img}");
            assert!(
                img["alt"].as_str().is_some_and(|a| !a.is_empty()),
                "{page}: no alt: {img}"
            );
        }
        facts.insert(page, f);
    }
    // The server saw nothing fail either (the browser asks for the favicon on its own).
    let log = server.log.lock().unwrap().clone();
    let bad: Vec<_> = log
        .iter()
        .filter(|(p, s)| *s != 200 && p != "/404.html")
        .collect();
    assert!(bad.is_empty(), "server answered errors: {bad:?}");
    (origin, facts)
}

fn check_links(root: &Path, origin: &str, facts: &BTreeMap<String, Value>) {
    let ids: BTreeMap<&str, BTreeSet<&str>> = facts
        .iter()
        .map(|(p, f)| {
            let ids = f["ids"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            (p.as_str(), ids)
        })
        .collect();
    let mut checked = 0;
    for (page, f) in facts {
        for link in f["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
        {
            let Some(rest) = link.strip_prefix(origin) else {
                assert!(
                    link.starts_with("https://")
                        || link.starts_with("http://")
                        || link.starts_with("mailto:"),
                    "{page}: odd link {link}"
                );
                continue;
            };
            let (path, fragment) = match rest.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (rest, None),
            };
            let file = serve::resolve(root, path)
                .unwrap_or_else(|| panic!("{page}: link {link} resolves to no file"));
            if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                let target = file
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if let Some(target_ids) = ids.get(target.as_str()) {
                    let fragment = serve::percent_decode(fragment);
                    assert!(
                        target_ids.contains(fragment.as_str()),
                        "{page}: link {link}: no element with id `{fragment}` in {target}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} internal links checked");
}

/// At the current (phone) width, every chart's text on `page` is at least 11 CSS px.
fn check_chart_text(browser: &mut Browser, origin: &str, page: &str) -> usize {
    let mut load = browser.open(&format!("{origin}/{page}"));
    browser.eval(LOAD_IMAGES);
    browser.settle(&mut load);
    let charts = browser.eval(CHART_TEXT);
    let charts = charts.as_array().unwrap();
    assert!(!charts.is_empty(), "{page}: no SVG image measured");
    let mut texts = 0;
    for c in charts {
        let n = c["texts"].as_u64().unwrap();
        if n == 0 {
            continue;
        }
        let min = c["min"].as_f64().unwrap();
        assert!(
            min >= 11.0 - 1e-6,
            "{page}: {} shows text at {min:.2} CSS px (shown {} px wide); charts need 11 px or more",
            c["src"],
            c["width"]
        );
        texts += n as usize;
    }
    texts
}

/// At 390 px the results table's frame scrolls sideways, scrolling moves it, and the cue shows.
fn check_table_scroll(browser: &mut Browser, origin: &str) {
    let mut load = browser.open(&format!("{origin}/results.html"));
    browser.settle(&mut load);
    let r = browser.eval(
        r#"(async () => {
          const wrap = document.getElementById('cells-table').parentElement;
          const hint = wrap.previousElementSibling;
          const before = {
            scroll: wrap.scrollWidth, client: wrap.clientWidth,
            overflow: getComputedStyle(wrap).overflowX,
            hint: !!hint && hint.classList.contains('scroll-hint') && !hint.hidden && hint.offsetHeight > 0,
            mask: getComputedStyle(wrap).maskImage || getComputedStyle(wrap).webkitMaskImage,
          };
          wrap.scrollLeft = 120;
          await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
          const moved = wrap.scrollLeft;
          wrap.scrollLeft = wrap.scrollWidth;
          await new Promise(r => setTimeout(r, 100));
          return { ...before, moved, atEnd: wrap.classList.contains('at-end'),
                   maskAtEnd: getComputedStyle(wrap).maskImage || getComputedStyle(wrap).webkitMaskImage };
        })()"#,
    );
    assert_eq!(r["overflow"], "auto", "{r}");
    assert!(
        r["scroll"].as_f64().unwrap() > r["client"].as_f64().unwrap(),
        "the results table fits at 390 px, so the scroll is untested: {r}"
    );
    assert!(
        r["moved"].as_f64().unwrap() > 0.0,
        "scrolling did not move the table: {r}"
    );
    assert_eq!(r["hint"], true, "no visible scroll hint: {r}");
    assert!(
        r["mask"].as_str().is_some_and(|m| m.contains("gradient")),
        "no faded edge while more is to the right: {r}"
    );
    assert_eq!(r["atEnd"], true, "{r}");
    assert_eq!(
        r["maskAtEnd"], "none",
        "the faded edge stays at the end: {r}"
    );
    browser.settle(&mut load);
    assert_clean("results.html (scrolled)", &load, origin);
}

/// The explorer: filtering by an interpreter shows its rows, as many as the data has; the
/// filtered CSV holds those rows, and the full CSV link serves every measured cell.
fn check_explorer(browser: &mut Browser, origin: &str, summary: &whichpy_wire::summary::Summary) {
    let size = whichpy_charts::primary_size(summary);
    let workloads = whichpy_charts::iteration_workloads(summary, size);
    let interp = whichpy_charts::interpreters(summary)[1].id.clone();
    let has_cell = |i: &str, w: &str| {
        summary
            .cells
            .iter()
            .any(|c| c.key.interp == i && c.key.workload == w && c.key.size == size)
    };
    let has_row = |i: &str, w: &str| {
        has_cell(i, w)
            || summary
                .compatibility
                .iter()
                .any(|c| c.interp == i && c.workload == w && c.size == size)
    };
    let all_rows = whichpy_charts::interpreters(summary)
        .iter()
        .map(|i| workloads.iter().filter(|w| has_row(&i.id, w)).count())
        .sum::<usize>();
    let rows = workloads.iter().filter(|w| has_row(&interp, w)).count();
    let cells = workloads.iter().filter(|w| has_cell(&interp, w)).count();
    let all_cells = summary
        .cells
        .iter()
        .filter(|c| c.kind == whichpy_wire::WorkloadKind::Iterations && c.key.size == size)
        .count();
    let mut load = browser.open(&format!("{origin}/results.html"));
    browser.settle(&mut load);
    let r = browser.eval(&format!(
        r#"(async () => {{
          const form = document.querySelector('form.explorer');
          const visible = () => Array.from(document.querySelectorAll('#cells-table tbody tr'))
            .filter(r => !r.hidden && r.offsetParent !== null).length;
          const all = visible();
          const select = form.querySelector('select[name="interp"]');
          select.value = {interp:?};
          select.dispatchEvent(new Event('change', {{ bubbles: true }}));
          await new Promise(r => setTimeout(r, 300));
          const part = document.querySelector('a.filtered-csv');
          const partCsv = part.hidden ? null : decodeURIComponent(part.getAttribute('href').replace(/^data:text\/csv;charset=utf-8,/, ''));
          const full = document.querySelector('a.results-csv');
          const res = await fetch(full.getAttribute('href'));
          return {{ formShown: !form.hidden, all, shown: visible(), count: form.querySelector('.explorer-count').textContent,
                   partHref: part.getAttribute('href') || '', partCsv, download: full.hasAttribute('download'),
                   status: res.status, type: res.headers.get('content-type'), csv: await res.text() }};
        }})()"#
    ));
    let seen = serde_json::json!({ "all": r["all"], "shown": r["shown"], "count": r["count"] });
    assert_eq!(r["formShown"], true, "the explorer is shown with JS on");
    assert_eq!(
        r["all"], all_rows as u64,
        "every row is shown before filtering: {seen}"
    );
    assert_eq!(r["shown"], rows as u64, "rows of {interp} shown: {seen}");
    assert_eq!(
        r["count"],
        format!("{rows} of {all_rows} rows shown."),
        "{seen}"
    );
    assert!(
        r["partHref"].as_str().unwrap().starts_with("data:text/csv"),
        "{r}"
    );
    let part = r["partCsv"].as_str().expect("a filtered CSV");
    let lines: Vec<&str> = part.lines().collect();
    assert!(lines[0].starts_with("interp,workload,"), "{part}");
    assert_eq!(lines.len() - 1, cells, "{part}");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.starts_with(&format!("{interp},"))),
        "{part}"
    );
    assert_eq!(r["download"], true, "{r}");
    assert_eq!(r["status"], 200, "{r}");
    let csv = r["csv"].as_str().unwrap();
    assert!(csv.starts_with("interp,workload,size,kind,"), "{csv}");
    assert_eq!(csv.lines().count() - 1, all_cells, "{csv}");
    browser.settle(&mut load);
    assert_clean("results.html (filtered)", &load, origin);
}

/// A default build names no absolute address of its own: every absolute `href`, `src` and
/// `content` on every page is a source the article cites (content/constants.toml). Returns
/// the others, as "page: url".
fn own_addresses(facts: &BTreeMap<String, Value>) -> Vec<String> {
    let content = common::content();
    let sources: BTreeSet<&str> = content
        .constants
        .source
        .iter()
        .map(|s| s.url.as_str())
        .collect();
    let mut bad = Vec::new();
    for (page, f) in facts {
        for url in f["absolute"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
        {
            if !sources.contains(url.trim()) {
                bad.push(format!("{page}: {url}"));
            }
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

#[test]
fn every_page_in_chromium() {
    let Some(chromium) = find_chromium() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium is not installed, so the site was not checked in a browser \
             (install it with `apt-get install -y chromium` or `cargo xtask doctor --install`)"
        );
        return;
    };
    let site = common::build(&fixture::summary());
    let dir = common::write_temp(&site);
    let root = dir.path().join("site");
    let mut browser = Browser::launch(&chromium);
    let (origin, facts) = crawl(&mut browser, &root);
    assert!(facts.len() >= 9, "pages visited: {:?}", facts.keys());
    check_links(&root, &origin, &facts);

    // JSON-LD on the article, and none elsewhere.
    check_jsonld(facts["index.html"]["jsonld"].as_array().unwrap());

    // Asserted last, so that the checks below still run while content/site.toml carries
    // default addresses.
    let own = own_addresses(&facts);

    // The sortable table sorts (and the script logs no error doing it), under the CSP.
    check_sorting(&mut browser, &origin);
    check_csp_enforced(&mut browser, &origin);

    // Screenshots of the article, phone and desktop, for a person (and CI artifacts).
    let shots = screenshots_dir();
    for (name, width, mobile) in [
        ("article-phone-390.png", 390, true),
        ("article-desktop-1280.png", 1280, false),
    ] {
        browser.set_width(width, 900, mobile);
        let mut load = browser.open(&format!("{origin}/index.html"));
        browser.eval(LOAD_IMAGES);
        browser.settle(&mut load);
        assert_clean("index.html", &load, &origin);
        let w = browser.eval(PAGE_FACTS)["width"].as_u64().unwrap();
        assert!(
            w <= width as u64,
            "index.html is {w} px wide at {width} px: it scrolls sideways"
        );
        let png = browser.screenshot(12_000);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        std::fs::write(shots.join(name), png).unwrap();
        let top = browser.screenshot(1_600);
        std::fs::write(shots.join(name.replace(".png", "-top.png")), top).unwrap();
        // Two more views a person looks at: the first chart, and the decision matrix.
        for (part, selector) in [
            (
                "chart",
                "article img[src$='.svg']:not([src*='interpreters'])",
            ),
            ("table", "article table"),
        ] {
            let y = browser.eval(&format!(
                "(() => {{ const e = document.querySelector(\"{selector}\"); \
                 return e ? e.getBoundingClientRect().top + window.scrollY - 120 : -1; }})()"
            ));
            if let Some(y) = y.as_f64().filter(|y| *y >= 0.0) {
                let png = browser.screenshot_at(y, 1_400);
                std::fs::write(
                    shots.join(name.replace(".png", &format!("-{part}.png"))),
                    png,
                )
                .unwrap();
            }
        }
    }
    // Every page at a phone's and a desktop's width: nothing lost sideways, nothing cut.
    let pages = html_pages(&root);
    let mut svgs = check_layout(&mut browser, &origin, &pages, 390, true);
    svgs.extend(check_layout(&mut browser, &origin, &pages, 1280, false));
    check_chart_clip(&mut browser, &svgs);
    // The site's own charts keep their text at 11 px on a desktop too (two side by side only
    // where each gets 46rem).
    browser.set_width(1280, 900, false);
    for page in ["results.html", "workloads/nbody.html"] {
        check_chart_text(&mut browser, &origin, page);
    }
    browser.set_width(390, 900, true);
    // Chart text at a phone's width, the table's scroll and the explorer.
    let mut texts = 0;
    for page in ["results.html", "workloads/nbody.html", "index.html"] {
        texts += check_chart_text(&mut browser, &origin, page);
    }
    assert!(texts > 100, "only {texts} chart texts measured");
    check_table_scroll(&mut browser, &origin);
    check_explorer(&mut browser, &origin, &fixture::summary());
    for page in ["results.html", "workloads/nbody.html"] {
        let mut load = browser.open(&format!("{origin}/{page}"));
        browser.eval(LOAD_IMAGES);
        browser.settle(&mut load);
        assert_clean(page, &load, &origin);
        let w = browser.eval(PAGE_FACTS)["width"].as_u64().unwrap();
        assert!(
            w <= 390,
            "{page} is {w} px wide at 390 px: it scrolls sideways"
        );
        let name = format!("{}-phone-390", page.replace(['/', '.'], "-"));
        std::fs::write(shots.join(format!("{name}.png")), browser.screenshot(6_000)).unwrap();
        let y = browser.eval(
            "(() => { const t = document.querySelectorAll('table'); const e = t[t.length > 1 ? 1 : 0]; \
             return e ? e.getBoundingClientRect().top + window.scrollY - 200 : 0; })()",
        );
        let png = browser.screenshot_at(y.as_f64().unwrap_or(0.0), 1_400);
        std::fs::write(shots.join(format!("{name}-table.png")), png).unwrap();
    }
    eprintln!("screenshots in {}", shots.display());
    assert!(
        own.is_empty(),
        "absolute addresses that are not cited sources (a default build must invent none: \
         leave the site URL unset, or configure it):\n{}",
        own.join("\n")
    );
}

/// The layout checks over the site of the published data (`results/summary.json`): its long
/// labels, wide intervals and twelve interpreters are what the fixture lacks.
#[test]
fn the_published_data_fits_at_390_and_1280_px_in_chromium() {
    let Some(chromium) = find_chromium() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium is not installed, so the published site's layout was not checked"
        );
        return;
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results/summary.json");
    let summary: whichpy_wire::summary::Summary = serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let site = common::build(&summary);
    let dir = common::write_temp(&site);
    let root = dir.path().join("site");
    let mut browser = Browser::launch(&chromium);
    let (origin, _) = crawl(&mut browser, &root);
    let pages = html_pages(&root);
    let mut svgs = check_layout(&mut browser, &origin, &pages, 390, true);
    svgs.extend(check_layout(&mut browser, &origin, &pages, 1280, false));
    check_chart_clip(&mut browser, &svgs);
}

#[test]
fn injected_markup_stays_text_in_chromium() {
    let Some(chromium) = find_chromium() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium is not installed; the injection test ran without a browser only"
        );
        return;
    };
    let site = common::build(&common::injected_summary());
    let dir = common::write_temp(&site);
    let root = dir.path().join("site");
    let mut browser = Browser::launch(&chromium);
    // `crawl` fails on any dialog (alert), console error or exception.
    let (_, facts) = crawl(&mut browser, &root);
    let blocks = facts["index.html"]["jsonld"].as_array().unwrap().clone();
    check_jsonld(&blocks);
    // The label is text on the page.
    let server = serve::serve(&root);
    browser.open(&format!("{}/results.html", server.origin));
    let text = browser.eval("document.body.innerText");
    assert!(
        text.as_str().unwrap().contains("<script>alert(1)</script>"),
        "the injected label shows as text"
    );
    let scripts = browser.eval(
        "document.querySelectorAll('script:not([type]), script[type=\"text/javascript\"]').length",
    );
    assert_eq!(scripts, 1, "only the site's own script element");
}

#[test]
fn markdown_in_names_is_inert_under_the_csp_in_chromium() {
    let Some(chromium) = find_chromium() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium is not installed; the Markdown injection test ran without a browser"
        );
        return;
    };
    let mut browser = Browser::launch(&chromium);
    // Two sites cover each name as a workload and as a label: a link whose next line is a
    // heading, and a remote image.
    let link_then_heading = format!("{}{}", common::LINK_NAME, common::HEADING_NAME);
    for (workload, label) in [
        (link_then_heading.as_str(), common::IMAGE_NAME),
        (common::IMAGE_NAME, link_then_heading.as_str()),
    ] {
        let site = common::build(&common::named_summary(workload, label));
        let dir = common::write_temp(&site);
        let root = dir.path().join("site");
        // `crawl` fails on a dialog, a console or CSP error, a request to another origin (the
        // image at 127.0.0.1:9), more than one H1, or a live `javascript:` link.
        let (origin, facts) = crawl(&mut browser, &root);
        check_jsonld(facts["index.html"]["jsonld"].as_array().unwrap());
        check_sorting(&mut browser, &origin);
        // The names are on the pages as text.
        browser.open(&format!("{origin}/index.html"));
        let text = browser.eval("document.body.innerText");
        let text = text.as_str().unwrap().replace('\n', " ");
        for name in [workload, label] {
            let shown = name.replace('\n', " ");
            assert!(text.contains(&shown), "the article shows {name:?} as text");
        }
    }
}

/// What the Profiles page shows of each flamegraph image, and, opened as a document of its own,
/// what the SVG holds: its frames (a `<g>` with a `<title>` and a `<rect>` of a positive width),
/// and no script.
const FLAME_FACTS: &str = r#"(async () => {
  const out = [];
  for (const img of Array.from(document.querySelectorAll('section.profile img'))) {
    const text = await (await fetch(img.currentSrc || img.src)).text();
    const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
    const frames = Array.from(svg.querySelectorAll('g')).filter(g => g.querySelector('title') && g.querySelector('rect') && parseFloat(g.querySelector('rect').getAttribute('width')) > 0);
    out.push({
      src: img.getAttribute('src'),
      section: img.closest('section').id,
      loaded: img.complete && img.naturalWidth > 0,
      shown: img.clientWidth,
      frames: frames.length,
      titles: frames.map(g => g.querySelector('title').textContent),
      scripts: svg.querySelectorAll('script').length,
      handlers: Array.from(svg.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
    });
  }
  return out;
})()"#;

#[test]
fn flamegraphs_of_cpython_and_pypy_render_in_chromium() {
    let Some(chromium) = find_chromium() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium is not installed, so the flamegraphs were not checked in a browser"
        );
        return;
    };
    let site = common::build(&fixture::summary());
    let dir = common::write_temp(&site);
    let root = dir.path().join("site");
    let server = serve::serve(&root);
    let origin = server.origin.clone();
    let mut browser = Browser::launch(&chromium);
    browser.set_width(1280, 900, false);
    let mut load = browser.open(&format!("{origin}/profiles.html"));
    browser.eval(LOAD_IMAGES);
    browser.settle(&mut load);
    assert_clean("profiles.html", &load, &origin);
    let flames = browser.eval(FLAME_FACTS);
    let flames = flames.as_array().unwrap();
    let sections: Vec<&str> = flames
        .iter()
        .map(|f| f["section"].as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        ["cpython-3.13--nbody--quick", "pypy-7.3--nbody--quick"],
        "one flamegraph per profiled cell"
    );
    for f in flames {
        assert_eq!(f["loaded"], true, "{f}");
        assert!(f["shown"].as_u64().unwrap() > 300, "{f}");
        assert!(f["frames"].as_u64().unwrap() >= 5, "too few frames: {f}");
        assert_eq!(f["scripts"], 0, "the script is stripped: {f}");
        assert_eq!(f["handlers"], 0, "no event handler is left: {f}");
        let titles: Vec<&str> = f["titles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(
            titles.iter().any(|t| t.starts_with("_advance (")),
            "nbody's hot function is a frame: {titles:?}"
        );
    }
    // The top tables are there too, one row per function.
    let rows = browser.eval("document.querySelectorAll('section.profile tbody tr').length");
    assert!(rows.as_u64().unwrap() >= 20, "top table rows: {rows}");
    // And the flamegraph file itself, opened as a document, renders its frames.
    let src = flames[1]["src"].as_str().unwrap().to_string();
    let mut load = browser.open(&format!("{origin}/{src}"));
    browser.settle(&mut load);
    // (A bare SVG document has no favicon link, so the browser asks for /favicon.ico: not
    // the page's request, so only errors and exceptions of the document are checked.)
    assert!(
        load.console_errors.is_empty() && load.exceptions.is_empty(),
        "{src}: {:?} {:?}",
        load.console_errors,
        load.exceptions
    );
    let rects = browser.eval(
        "Array.from(document.querySelectorAll('g > rect')).filter(r => r.getBBox().width > 0).length",
    );
    assert!(
        rects.as_u64().unwrap() >= 5,
        "{src}: rendered frames {rects}"
    );
    std::fs::write(screenshots_dir().join("profiles-desktop-1280.png"), {
        let mut load = browser.open(&format!("{origin}/profiles.html"));
        browser.eval(LOAD_IMAGES);
        browser.settle(&mut load);
        browser.screenshot(3_000)
    })
    .unwrap();
}
