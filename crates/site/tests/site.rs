//! The site from the fixture summary: every page there, deterministic, names and labels kept
//! as text in HTML and in the JSON-LD.

mod common;

use common::fixture;

/// With no interpreter in two Debian releases and no variant, the history page says so and
/// gives the command that measures them, instead of an empty table.
#[test]
fn the_history_page_says_what_the_data_lacks() {
    let site = common::build(&fixture::summary());
    let page = site.files.get("history.html").expect("history.html");
    let text = String::from_utf8_lossy(page.as_ref());
    assert!(
        text.contains("no interpreter in two Debian releases"),
        "{text}"
    );
    assert!(text.contains("--interp history --interp latest"), "{text}");
    let index = String::from_utf8_lossy(site.files["index.html"].as_ref()).to_string();
    assert!(
        index.contains("history.html"),
        "no nav link to the history page"
    );
}

#[test]
fn every_page_and_file_is_there() {
    let site = common::build(&fixture::summary());
    for path in [
        "index.html",
        "results.html",
        "startup.html",
        "memory-scaling.html",
        "web.html",
        "microbit.html",
        "history.html",
        "methodology.html",
        "reproduce.html",
        "404.html",
        "workloads/nbody.html",
        "workloads/decimal_math.html",
        "workloads/threads.html",
        "robots.txt",
        "assets/site.css",
        "assets/site.js",
        "data/summary.json",
        "data/raw/20261123T100000Z-native.jsonl",
        "charts/startup-default.svg",
        "charts/warmup-nbody-default.svg",
        "charts/warmup-nbody-pypy-7.3-default.svg",
        "charts/times-nbody-default.svg",
        "charts/memory-nbody-default.svg",
    ] {
        assert!(
            site.files.contains_key(path),
            "{path} missing; have {:?}",
            site.files.keys()
        );
    }
    let og = site
        .files
        .iter()
        .find(|(p, _)| p.starts_with("images/") && p.ends_with(".png"))
        .expect("an og:image PNG");
    assert_eq!(u32::from_be_bytes(og.1[16..20].try_into().unwrap()), 1200);
    assert_eq!(u32::from_be_bytes(og.1[20..24].try_into().unwrap()), 630);

    // A local build (no site_url in content/site.toml): no sitemap, no canonical address.
    assert!(!site.files.contains_key("sitemap.xml"));
    let robots = String::from_utf8(site.files["robots.txt"].clone()).unwrap();
    assert!(!robots.contains("Sitemap:"), "{robots}");

    for page in site.pages() {
        let html = String::from_utf8(site.files[page].clone()).unwrap();
        assert_eq!(html.matches("<h1").count(), 1, "{page}: one H1");
        assert!(html.contains("<meta name=\"viewport\""), "{page}");
        assert!(!html.contains("<link rel=\"canonical\""), "{page}");
        assert!(!html.contains("og:url"), "{page}");
        assert!(html.contains("og:site_name"), "{page}");
        assert!(
            html.contains("Local build: no site address is configured."),
            "{page}"
        );
        assert!(html.contains("og:image"), "{page}");
        // Every image has alt text.
        for img in html.split("<img ").skip(1) {
            let tag = &img[..img.find('>').unwrap()];
            assert!(
                tag.contains("alt=\"") && !tag.contains("alt=\"\""),
                "{page}: {tag}"
            );
        }
        // No request may leave the page: nothing but links points elsewhere.
        for attr in ["src=\"http", "href=\"//", "url(http", "@import"] {
            assert!(
                !html.contains(attr),
                "{page} loads something external: {attr}"
            );
        }
    }
    let article = String::from_utf8(site.files["index.html"].clone()).unwrap();
    assert!(
        article.contains("application/ld+json"),
        "the article carries JSON-LD"
    );
    assert!(
        article.contains("twitter:card"),
        "the article carries Twitter tags"
    );
}

#[test]
fn same_summary_same_bytes() {
    let a = common::build(&fixture::summary());
    let b = common::build(&fixture::summary());
    assert_eq!(
        a.files.keys().collect::<Vec<_>>(),
        b.files.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &a.files {
        assert!(bytes == &b.files[path], "{path} differs between two builds");
    }
    // And once written, the folders are identical too.
    let (da, db) = (common::write_temp(&a), common::write_temp(&b));
    for path in a.files.keys() {
        let x = std::fs::read(da.path().join("site").join(path)).unwrap();
        let y = std::fs::read(db.path().join("site").join(path)).unwrap();
        assert_eq!(x, y, "{path}");
    }
}

/// The JSON-LD blocks of a page: the text between each opening tag and the next `</script`.
fn jsonld_blocks(html: &str) -> Vec<&str> {
    html.split("<script type=\"application/ld+json\">")
        .skip(1)
        .map(|rest| &rest[..rest.find("</script").expect("a closed script")])
        .collect()
}

#[test]
fn injected_names_and_labels_stay_text() {
    let summary = common::injected_summary();
    let site = common::build(&summary);
    let mut seen_in_html = false;
    let mut seen_in_jsonld = false;
    for page in site.pages() {
        let html = String::from_utf8(site.files[page].clone()).unwrap();
        assert!(
            !html.contains("<script>alert"),
            "{page}: an injected script tag survived"
        );
        assert!(
            !html.contains("</script><script>"),
            "{page}: an injected script tag survived"
        );
        let scripts = html.matches("<script").count();
        let expected = html
            .matches("<script type=\"application/ld+json\">")
            .count()
            + html.matches("<script src=").count();
        assert_eq!(scripts, expected, "{page}: an unexpected <script> element");
        if html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") {
            seen_in_html = true;
        }
        for block in jsonld_blocks(&html) {
            let v: serde_json::Value = serde_json::from_str(block)
                .unwrap_or_else(|e| panic!("{page}: JSON-LD does not parse ({e}): {block}"));
            if v.to_string().contains("<script>alert(1)</script>") {
                seen_in_jsonld = true;
            }
        }
    }
    assert!(
        seen_in_html,
        "the injected name appears, escaped, in some page"
    );
    // The JSON-LD names the interpreters only where the FAQ text does; when it does, the name
    // decoded from the JSON is the original string (checked above by parsing).
    if !seen_in_jsonld {
        eprintln!("note: the fixture's FAQ text does not mention the injected label");
    }
    // The workload page of the injected name has a safe file name, and the results page links
    // to it (minijinja writes `/` in attributes as `&#x2f;`, which browsers decode).
    let results = String::from_utf8(site.files["results.html"].clone())
        .unwrap()
        .replace("&#x2f;", "/");
    let page = site
        .pages()
        .find(|p| p.starts_with("workloads/nbody-script"))
        .expect("the injected workload's page");
    assert!(
        page.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)),
        "{page}"
    );
    assert!(
        results.contains(&format!("href=\"{page}\"")),
        "no link to {page}"
    );
}

#[test]
fn write_refuses_a_folder_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    let site = common::build(&fixture::summary());
    let err = whichpy_site::write(&site, dir.path()).unwrap_err();
    assert!(err.to_string().contains("not written by"), "{err}");
    assert!(dir.path().join("precious.txt").is_file());
    // A folder it wrote is replaced.
    let out = dir.path().join("site");
    whichpy_site::write(&site, &out).unwrap();
    std::fs::write(out.join("stale.html"), "old").unwrap();
    whichpy_site::write(&site, &out).unwrap();
    assert!(!out.join("stale.html").exists());
}

/// Width and height of a PNG (IHDR) or an SVG (`viewBox`), read here independently of the
/// site's own reader.
fn file_size(bytes: &[u8]) -> (u32, u32) {
    if bytes.starts_with(b"\x89PNG") {
        let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
        return (be(16), be(20));
    }
    let text = std::str::from_utf8(bytes).unwrap();
    let vb = text
        .split("viewBox=\"")
        .nth(1)
        .expect("an SVG with a viewBox");
    let v: Vec<u32> = vb
        .split('"')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse::<f64>().unwrap() as u32)
        .collect();
    (v[2], v[3])
}

#[test]
fn the_image_plan_gives_the_size_of_each_file() {
    let site = common::build(&fixture::summary());
    let plan = &site.image_plan;
    let mut checked = 0;
    for section in plan.split("\n## ").skip(1) {
        let field = |name: &str| {
            section
                .lines()
                .find_map(|l| l.strip_prefix(&format!("- **{name}:** ")))
                .unwrap_or_else(|| panic!("no {name} in {section}"))
        };
        if section.starts_with("Accessibility") {
            continue;
        }
        let file = field("File").trim_matches('`');
        let bytes = site
            .files
            .get(file)
            .unwrap_or_else(|| panic!("{file} of the plan is not in the site"));
        let (w, h) = file_size(bytes);
        assert_eq!(
            field("Dimensions"),
            format!("{w}×{h}"),
            "{file}: the plan's dimensions are not the file's"
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} images checked in {plan}");
}

fn page(site: &whichpy_site::Site, path: &str) -> String {
    String::from_utf8(site.files[path].clone()).unwrap()
}

#[test]
fn the_article_page_links_into_the_site_and_shows_the_matrix_once() {
    let summary = fixture::summary();
    let site = common::build(&summary);
    let html = page(&site, "index.html");
    let article = html
        .split("<article class=\"article\">")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    assert!(article.contains("href=\"results.html\""), "{article}");
    assert!(
        article.contains("<a href=\"workloads/nbody.html\"><code>nbody</code></a>"),
        "{article}"
    );
    // The decision matrix: its table, and its image only as a link.
    assert_eq!(
        article.matches("<th>App class</th>").count(),
        1,
        "{article}"
    );
    assert!(
        !article.contains("<img src=\"images/decision-matrix.svg\""),
        "{article}"
    );
    assert!(
        article.contains("<a href=\"images/decision-matrix.svg\">"),
        "{article}"
    );
    // The standalone article keeps no site-relative link.
    let rendered = whichpy_render::render_all(&summary, &common::content()).unwrap();
    let md = &rendered.files[whichpy_render::outputs::ARTICLE];
    assert!(
        !md.contains("](results.html") && !md.contains("](workloads/"),
        "{md}"
    );
}

/// The article's "Look closer" list follows the link plan in `content/site.toml`: it reaches
/// the web, apps, micro:bit and memory pages; a plan that leaves a page out, or names one the
/// site does not write, fails the build and says what to add.
#[test]
fn the_article_links_every_page_by_the_content_link_plan() {
    let summary = fixture::summary();
    let html = page(&common::build(&summary), "index.html");
    let more = html.split("class=\"article-more\"").nth(1).unwrap();
    for href in [
        "web.html",
        "apps.html",
        "microbit.html",
        "memory-scaling.html",
        "results.html",
    ] {
        assert!(
            more.contains(&format!("<a href=\"{href}\">")),
            "{href}: {more}"
        );
    }
    let mut content = common::content();
    content.site.links.retain(|l| l.page != "web.html");
    let err = common::try_build_with(&summary, &content)
        .expect_err("a plan without web.html is refused")
        .to_string();
    assert!(
        err.contains("web.html") && err.contains("[[links]]"),
        "{err}"
    );
    let mut content = common::content();
    content.site.links[0].page = "nowhere.html".into();
    let err = common::try_build_with(&summary, &content)
        .expect_err("a plan naming no page is refused")
        .to_string();
    assert!(err.contains("nowhere.html"), "{err}");
}

#[test]
fn warnings_show_code_not_backticks() {
    let summary = fixture::summary();
    assert!(
        summary.warnings.iter().any(|w| w.message.contains('`')),
        "the fixture has a warning with a code span"
    );
    let site = common::build(&summary);
    for path in site
        .pages()
        .filter(|p| p.starts_with("workloads/") || *p == "results.html")
    {
        let html = page(&site, path);
        let Some(list) = html.split("<ul class=\"warnings\">").nth(1) else {
            continue;
        };
        let list = list.split("</ul>").next().unwrap();
        assert!(!list.contains('`'), "{path}: raw backticks in {list}");
        if path == "results.html" {
            assert!(list.contains("<code>"), "{path}: no code in {list}");
        }
    }
}

#[test]
fn the_results_table_has_its_csv_and_filters() {
    let summary = fixture::summary();
    let site = common::build(&summary);
    let csv = String::from_utf8(site.files["data/results.csv"].clone()).unwrap();
    let html = page(&site, "results.html");
    let size = whichpy_charts::primary_size(&summary);
    let measured = summary
        .cells
        .iter()
        .filter(|c| c.kind == whichpy_wire::WorkloadKind::Iterations && c.key.size == size)
        .count();
    let rows = html.matches("<tr class=\"status-").count();
    assert!(
        rows >= measured,
        "{rows} rows in the table, {measured} cells"
    );
    assert!(csv.starts_with("interp,workload,size,"), "{csv}");
    assert_eq!(
        csv.lines().count() - 1,
        measured,
        "one CSV row per measured cell:\n{csv}"
    );
    assert!(
        html.contains("href=\"data&#x2f;results.csv\" download"),
        "{html}"
    );
    for filter in ["interp", "workload", "category", "warmup"] {
        assert!(
            html.contains(&format!("<select name=\"{filter}\">")),
            "{filter}"
        );
        assert!(html.contains(&format!(" data-{filter}=\"")), "{filter}");
    }
}

/// One presentation model: PyPy's warm ratio on `nbody`, as `whichpy-view` writes it, is the
/// same string in the article, on the results page and in the overview chart, and the time
/// ratio itself ("0.0582×") is written nowhere a reader sees it as a factor.
#[test]
fn one_figure_reads_the_same_in_article_site_and_chart() {
    use whichpy_wire::summary::{Metric, Verdict};
    let summary = fixture::summary();
    let look = whichpy_view::Lookup::new(&summary);
    let c = summary
        .comparisons
        .iter()
        .find(|c| {
            c.workload == "nbody"
                && c.metric == Metric::Warm
                && c.size == look.size
                && c.verdict != Verdict::NoSignificantDifference
        })
        .expect("the fixture has a significant warm ratio on nbody");
    let words =
        whichpy_view::figure::ratio(c.ratio, c.ci.low, c.ci.high, c.verdict, &look.level(), "");
    let site = common::build(&summary);
    let page = |p: &str| String::from_utf8(site.files[p].clone()).unwrap();
    let chart = format!("charts/overview-warm-{}.svg", look.size);
    for (what, text, needle) in [
        ("article", page("index.html"), words.text.clone()),
        ("results page", page("results.html"), words.short.clone()),
        ("overview chart", page(&chart), words.short.clone()),
    ] {
        assert!(text.contains(&needle), "{what} lacks {needle:?}");
    }
    let raw_factor = format!("{}×", whichpy_view::format::sig3(c.ratio));
    if c.verdict == Verdict::Faster {
        for p in ["results.html", chart.as_str()] {
            assert!(
                !page(p).contains(&format!(">{raw_factor}<")),
                "{p} prints the time ratio {raw_factor} as a factor"
            );
        }
    }
}

#[test]
fn a_configured_site_url_gives_canonical_addresses_and_a_sitemap() {
    let mut content = common::content();
    content.site.site_url = Some("https://example.org/whichpy".into());
    let site = common::build_with(&fixture::summary(), &content);
    let unescape = whichpy_render::audit::addresses::unescape;
    let sitemap = unescape(&String::from_utf8(site.files["sitemap.xml"].clone()).unwrap());
    assert!(
        sitemap.contains("<loc>https://example.org/whichpy/results.html</loc>"),
        "{sitemap}"
    );
    assert!(
        sitemap.contains("<loc>https://example.org/whichpy/</loc>"),
        "{sitemap}"
    );
    assert!(!sitemap.contains("404.html"), "{sitemap}");
    let robots = unescape(&String::from_utf8(site.files["robots.txt"].clone()).unwrap());
    assert!(
        robots.contains("Sitemap: https://example.org/whichpy/sitemap.xml"),
        "{robots}"
    );
    for page in site.pages() {
        let html = String::from_utf8(site.files[page].clone()).unwrap();
        let html = unescape(&html);
        assert!(
            html.contains("<link rel=\"canonical\" href=\"https://example.org/whichpy/"),
            "{page}"
        );
        assert!(html.contains("og:site_name"), "{page}");
        assert!(!html.contains("Local build"), "{page}");
    }
}

#[test]
fn the_web_page_tables_latency_by_rate_per_interpreter_when_the_data_has_it() {
    use whichpy_wire::summary::{Estimate, Interval, LatencyRatio, RateLatency, WebCell};
    let mut summary = fixture::summary();
    let html = page(&common::build(&summary), "web.html");
    assert!(
        html.contains("No web service cell in the data yet"),
        "{html}"
    );
    let est = |ms: f64| Estimate {
        n: 2,
        mean: ms * 1e6,
        median: ms * 1e6,
        std_dev: Some(1e5),
        ci: Some(Interval {
            low: (ms - 0.5) * 1e6,
            high: (ms + 0.5) * 1e6,
        }),
    };
    let rate = |r: u32, ms: f64| RateLatency {
        rate: r,
        executions: 2,
        sustained_by: 2,
        p50_ns: est(ms / 2.0),
        p95_ns: est(ms),
        p99_ns: est(ms * 2.0),
        max_ns: ms * 3e6,
        achieved_rps: f64::from(r),
        errors: 0,
        unsent: 0,
        // At 500 requests/s an interval too wide to mean anything (two executions, as
        // web.html once showed it); at 1,000 one that says "slower".
        p95_ratio: match r {
            500 => Some(LatencyRatio {
                ratio: 0.46,
                ci: Interval {
                    low: 0.000291,
                    high: 719.0,
                },
            }),
            1000 => Some(LatencyRatio {
                ratio: 1.5,
                ci: Interval {
                    low: 1.2,
                    high: 1.9,
                },
            }),
            _ => None,
        },
    };
    let ids: Vec<String> = summary
        .environment
        .interpreters
        .iter()
        .map(|i| i.id.clone())
        .collect();
    summary.web = ids
        .into_iter()
        .map(|interp| WebCell {
            key: whichpy_wire::CellKey {
                interp,
                workload: "web_service".into(),
                size: whichpy_wire::SizeName::Default,
            },
            processes: 2,
            bound_ms: 10.0,
            warmup: Some(rate(250, 40.0)),
            rates: vec![rate(250, 3.0), rate(500, 4.0), rate(1000, 6.0)],
            sustained_rps: Some(1000),
            sustained: None,
        })
        .collect();
    let html = page(&common::build(&summary), "web.html");
    assert!(html.contains("<h1>Web service latency</h1>"));
    assert!(html.contains("Sustains 1,000 requests&#x2f;s"), "{html}");
    assert!(
        html.contains("250 requests&#x2f;s (first seconds)"),
        "{html}"
    );
    assert!(html.contains(">4.00 ms<"), "{html}");
    assert!(html.contains("href=\"web.html\""), "nav link: {html}");
    // The wide interval is "inconclusive" with its executions, never its bounds.
    assert!(
        html.contains(
            "inconclusive<span class=\"ci\">interval too wide, 2 process executions</span>"
        ),
        "{html}"
    );
    assert!(!html.contains("719"), "{html}");
    assert!(!html.contains("0.000291"), "{html}");
    assert!(html.contains("1.50× slower"), "{html}");
}

/// A planned chart is drawn by its typed kind, never by its id: the image with id `startup`
/// set to `chart = "overview"` is the ratio overview the site draws for its results page, no
/// longer the startup chart; a generated image with no kind is an error that says what to set.
#[test]
fn planned_charts_are_drawn_by_their_kind_not_their_id() {
    use whichpy_render::content::ChartKind;
    let summary = fixture::summary();
    let plain = common::build(&summary);
    let mut content = common::content();
    let startup = content
        .images
        .image
        .iter_mut()
        .find(|i| i.id == "startup")
        .expect("the plan has a startup image");
    assert_eq!(startup.chart, Some(ChartKind::Startup));
    let path = format!("images/{}", startup.file);
    startup.chart = Some(ChartKind::Overview);
    let site = common::build_with(&summary, &content);
    assert_ne!(site.files[&path], plain.files[&path]);
    assert!(
        plain
            .files
            .iter()
            .any(|(p, b)| p.starts_with("charts/") && *b == site.files[&path]),
        "{path} is not the site's overview chart"
    );

    let im = content
        .images
        .image
        .iter_mut()
        .find(|i| i.id == "startup")
        .unwrap();
    im.chart = None;
    let err = whichpy_render::render_all(&summary, &content)
        .expect_err("a generated chart without a kind fails")
        .to_string();
    assert!(
        err.contains("startup") && err.contains("set `chart`"),
        "{err}"
    );
}
