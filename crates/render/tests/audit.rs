//! The audit on good output, then on output broken on purpose, one rule at a time: each case
//! edits one rendered file and expects exactly one rule to fail. The good output is the
//! article of the committed data (`results/summary.json`): what `publish` checks. The word
//! and footnote rules are also broken on small built inputs (`article_rules`).

mod common;

use serde_json::Value;
use whichpy_render::outputs::{ARTICLE, FAQ_JSONLD, HEAD, IMAGES, META, SOCIAL};
use whichpy_render::Rendered;

fn rendered() -> Rendered {
    common::render_committed()
}

/// The rules the unedited output fails.
fn baseline() -> Vec<&'static str> {
    common::audit_with(&rendered(), |_, _| None).failed_rules()
}

/// Edit one file of the rendered output and return the rules that fail, less the baseline's.
fn failing(file: &'static str, edit: impl Fn(&str) -> String) -> Vec<&'static str> {
    let r = rendered();
    let base = baseline();
    let report = common::audit_with(&r, |name, text| (name == file).then(|| edit(text)));
    report
        .failed_rules()
        .into_iter()
        .filter(|r| !base.contains(r))
        .collect()
}

/// The rules that fail when the article is replaced by `md` (the other files unedited).
fn article_rules(md: &str) -> Vec<&'static str> {
    let r = rendered();
    common::audit_with(&r, |name, _| (name == ARTICLE).then(|| md.to_string())).failed_rules()
}

/// A small article: an H1, `intro` words of introduction, a conclusion, a FAQ.
fn small_article(body_words: usize, extra: &str) -> String {
    let intro = "word ".repeat(body_words.saturating_sub(3));
    format!("# Title\n\n{intro}\n\n{extra}## Conclusion\n\nThe end.\n\n## FAQ\n\n### Not counted?\n\nThese words are back matter and stay out of the body.\n")
}

fn edit_json(text: &str, f: impl Fn(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    f(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

fn pad(s: &str, n: usize) -> String {
    let mut s = s.to_string();
    while s.chars().count() < n {
        s.push_str(" more");
    }
    s.chars().take(n).collect::<String>().trim_end().to_string() + "."
}

/// Replace exactly one occurrence, or fail the test (a silent no-op would pass for nothing).
fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the output no longer contains {from:?}"
    );
    text.replacen(from, to, 1)
}

fn remove_line(text: &str, starts: &str) -> String {
    let mut found = false;
    let out: Vec<&str> = text
        .lines()
        .filter(|l| {
            let hit = !found && l.starts_with(starts);
            found |= hit;
            !hit
        })
        .collect();
    assert!(found, "no line starts with {starts:?}");
    out.join("\n") + "\n"
}

#[test]
fn good_output_passes() {
    let r = rendered();
    let report = common::audit_with(&r, |_, _| None);
    assert!(report.passed(), "{:#?}", report.findings);
    assert_eq!(report.faq_pairs, 10);
    assert!(
        (1350..=1450).contains(&report.body_words),
        "{} body words",
        report.body_words
    );
    assert!(report.readability > 0.0);
    assert!(
        report.keywords.iter().all(|k| !k.places.is_empty()),
        "{:?}",
        report.keywords
    );
    let s = common::committed();
    assert_eq!(report.data_date, s.environment.data_date);
    assert_eq!(report.interpreters.len(), s.environment.interpreters.len());
}

type Edit = Box<dyn Fn(&str) -> String>;

#[test]
fn each_rule_fails_alone() {
    let kw = "CPython vs PyPy vs MicroPython";
    let cases: Vec<(&str, &'static str, Edit)> = vec![
        (
            "title-length",
            META,
            Box::new(move |t| edit_json(t, |v| v["title"] = format!("{kw}: short").into())),
        ),
        (
            "description-length",
            META,
            Box::new(move |t| edit_json(t, |v| v["description"] = pad(kw, 120).into())),
        ),
        (
            "keyword-title",
            META,
            Box::new(|t| {
                edit_json(t, |v| {
                    v["title"] = pad("Python interpreters compared", 57).into()
                })
            }),
        ),
        (
            "keyword-description",
            META,
            Box::new(|t| {
                edit_json(t, |v| {
                    v["description"] = pad("Python interpreters compared", 150).into()
                })
            }),
        ),
        (
            "keyword-first-100-words",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "This Python runtime comparison, CPython vs PyPy vs MicroPython, replaces",
                    "This Python runtime comparison of three runtimes replaces",
                )
            }),
        ),
        (
            "keyword-h2",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "## Decision criteria for CPython vs PyPy vs MicroPython",
                    "## Decision criteria",
                )
            }),
        ),
        (
            "one-h1",
            ARTICLE,
            Box::new(|t| replace(t, "\n## FAQ\n", "\n# A second title\n\n## FAQ\n")),
        ),
        (
            "heading-levels",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "### CPython: a bytecode VM",
                    "#### CPython: a bytecode VM",
                )
            }),
        ),
        (
            "intro-words",
            ARTICLE,
            Box::new(|t| {
                let list = "You will learn:\n\n- how each interpreter runs your code, and where it wins;\n- cold and warm figures for startup, steady state and memory;\n- a profiling workflow with exact commands;\n- a decision matrix and checklist.\n";
                let t = replace(t, list, "");
                replace(
                    &t,
                    "## How each interpreter works\n",
                    &format!("{list}\n## How each interpreter works\n"),
                )
            }),
        ),
        (
            "conclusion-words",
            ARTICLE,
            Box::new(|t| {
                let s = "Startup, memory, threads and C extensions each changed the picture in our runs, so measure the one that dominates your app.\n";
                let t = replace(t, s, "");
                replace(&t, "## Conclusion\n", &format!("{s}\n## Conclusion\n"))
            }),
        ),
        (
            "data-table",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "| Interpreter | Startup, ms",
                    "| Interpreter | Launch, ms",
                )
            }),
        ),
        (
            "decision-matrix",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "| App class | CPython | PyPy | MicroPython |",
                    "| App class | A | B | C |",
                )
            }),
        ),
        (
            "checklist",
            ARTICLE,
            Box::new(|t| remove_line(t, "6. Rerun")),
        ),
        (
            "profiling-steps",
            ARTICLE,
            Box::new(|t| remove_line(t, "5. Benchmark it")),
        ),
        (
            "pillar-link",
            ARTICLE,
            // No pillar url is configured: the title must be named in the conclusion.
            Box::new(|t| {
                replace(
                    t,
                    "For the theory behind these trade-offs, read Python Performance Fundamentals",
                    "For the theory behind these trade-offs, read Python Fundamentals",
                )
            }),
        ),
        (
            "sources-cited",
            ARTICLE,
            Box::new(|t| t.replace("](https://vmprof.readthedocs.io/en/latest/)", "]")),
        ),
        (
            "author",
            ARTICLE,
            Box::new(|t| t.replace("The whichpy maintainers", "Someone")),
        ),
        (
            "faq-count",
            ARTICLE,
            Box::new(|t| {
                let start = t.find("### How can I reproduce these benchmarks?").unwrap();
                let end = t.find("## Environment and method").unwrap();
                format!("{}{}", &t[..start], &t[end..])
            }),
        ),
        (
            "faq-answer-sentences",
            ARTICLE,
            Box::new(|t| {
                replace(t, "Prefer libraries built on cffi where you have the choice.", "Prefer libraries built on cffi where you have the choice. One more. And another.")
            }),
        ),
        (
            "json-ld",
            FAQ_JSONLD,
            Box::new(|t| {
                edit_json(t, |v| {
                    v["@graph"][0]
                        .as_object_mut()
                        .unwrap()
                        .remove("dateModified");
                })
            }),
        ),
        (
            "open-graph",
            META,
            Box::new(|t| edit_json(t, |v| v["og"]["og:image:width"] = 600.into())),
        ),
        (
            "alt-text",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "![CPython vs PyPy vs MicroPython peak memory",
                    "![Peak memory",
                )
            }),
        ),
        (
            "image-plan",
            IMAGES,
            Box::new(|t| remove_line(t, "- **Caption:**")),
        ),
        (
            "internal-links",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "## About the author\n",
                    "## About the author\n\nSee [the method](#nowhere).\n",
                )
            }),
        ),
        (
            "numbers-traceable",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "## About the author\n",
                    "## About the author\n\nIt took 123.45 ms.\n",
                )
            }),
        ),
        (
            "methods-recorded",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "## About the author\n",
                    "## About the author\n\nRatios get a bootstrap interval.\n",
                )
            }),
        ),
        (
            "no-placeholder",
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "## About the author\n",
                    "## About the author\n\nTODO write this.\n",
                )
            }),
        ),
        (
            "social-x",
            SOCIAL,
            Box::new(|t| {
                replace(
                    t,
                    "### Follow-up three\n\n",
                    &format!("### Follow-up three\n\n{}", "padding ".repeat(40)),
                )
            }),
        ),
        (
            "social-linkedin",
            SOCIAL,
            Box::new(|t| {
                let start = t.find("## LinkedIn\n").unwrap();
                let end = t.find("## Pinterest\n").unwrap();
                format!("{}## LinkedIn\n\nToo short.\n\n{}", &t[..start], &t[end..])
            }),
        ),
        (
            "social-pinterest",
            SOCIAL,
            Box::new(|t| {
                let start = t.find("## Pinterest\n").unwrap();
                format!("{}## Pinterest\n\nToo short.\n", &t[..start])
            }),
        ),
        (
            "social-title",
            SOCIAL,
            Box::new(|t| t.replace("which interpreter matters for your app?", "which one?")),
        ),
    ];
    let mut wrong = Vec::new();
    for (rule, file, edit) in &cases {
        let got = failing(file, |t| edit(t));
        if got != [*rule] {
            wrong.push(format!("{rule}: expected only [{rule}], got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn faq_questions_must_include_the_required_ones() {
    let r = rendered();
    let q = "Can I run PyPy on AWS Lambda?";
    let report = common::audit_with(&r, |name, text| match name {
        n if n == ARTICLE || n == FAQ_JSONLD => Some(text.replace(q, "Can PyPy run on Lambda?")),
        _ => None,
    });
    let base = baseline();
    let new: Vec<_> = report
        .failed_rules()
        .into_iter()
        .filter(|r| !base.contains(r))
        .collect();
    assert_eq!(new, ["faq-questions"]);
}

#[test]
fn body_words_follow_the_standard_count() {
    let has = |md: &str| article_rules(md).contains(&"body-words");
    // The heading "Conclusion" and "The end." are body words: 3 of the total.
    assert!(!has(&small_article(1400, "")));
    assert!(!has(&small_article(1350, "")));
    assert!(has(&small_article(1349, "")));
    assert!(has(&small_article(1451, "")));
    // A table and a code block count: 1,400 words of prose plus 60 in a table is too many.
    let table = format!("| {} |\n|---|\n| x |\n\n", "cell ".repeat(59));
    assert!(has(&small_article(1400, &table)));
    let code = format!("```\n{}\n```\n\n", "cargo ".repeat(60));
    assert!(has(&small_article(1400, &code)));
    // A code span is split on whitespace: `a b c` is three words.
    let span = format!("`{}`\n\n", "x ".repeat(60).trim());
    assert!(has(&small_article(1400, &span)));
    // Footnote definitions and the FAQ are not body.
    let note = format!("Text[^n].\n\n[^n]: {}\n\n", "note ".repeat(100));
    assert!(!has(&small_article(1399, &note)));
}

/// The footnote rules that fail on a small article `md`, with these footnotes' workloads.
fn footnote_rules(md: &str, workloads: &[(&str, &str)]) -> Vec<&'static str> {
    let map = workloads
        .iter()
        .map(|(l, w)| (l.to_string(), w.to_string()))
        .collect();
    let r = rendered();
    common::audit_with_footnotes(&r, &map, |name, _| {
        (name == ARTICLE).then(|| md.to_string())
    })
    .failed_rules()
    .into_iter()
    .filter(|r| r.starts_with("footnote-"))
    .collect()
}

#[test]
fn footnotes_are_the_commands_of_their_own_figures() {
    let w = [
        ("bench-nbody", "nbody"),
        ("bench-dicts-sets", "dicts_sets"),
        ("bench-threads-cpu", "threads_cpu"),
        ("bench-processes-cpu", "processes_cpu"),
    ];
    let defs = "[^bench-nbody]: Reproduce with `a`.\n\n[^bench-dicts-sets]: Reproduce with `b`.\n\n\
                [^bench-suite]: Reproduce with `c`.\n\n[^bench-threads-cpu]: Reproduce with `d`.\n\n\
                [^bench-processes-cpu]: Reproduce with `e`.\n";
    let good = format!(
        "# T\n\nOn `nbody`, PyPy was faster[^bench-nbody]. On `dicts_sets` it was slower[^bench-dicts-sets].\n\n\
         Across the suite, PyPy's geometric mean was faster[^bench-suite].\n\n\
         | Workload | Threads |\n|---|---|\n| `threads_cpu` | 1.2 s[^bench-threads-cpu] |\n\n\
         The same work took 2.0 s forked on `processes_cpu`[^bench-processes-cpu].\n\n{defs}"
    );
    assert_eq!(footnote_rules(&good, &w), Vec::<&str>::new());

    // Today's two defects: the suite geometric mean cites a workload's footnote, and the
    // forked timings (processes_cpu) cite threads_cpu's.
    let geomean = good.replace(
        "geometric mean was faster[^bench-suite]",
        "geometric mean was faster[^bench-dicts-sets]",
    );
    assert_eq!(
        footnote_rules(&geomean, &w),
        ["footnote-referenced", "footnote-figure"]
    );
    let forked = good.replace(
        "forked on `processes_cpu`[^bench-processes-cpu]",
        "forked on `processes_cpu`[^bench-threads-cpu]",
    );
    assert_eq!(
        footnote_rules(&forked, &w),
        ["footnote-referenced", "footnote-figure"]
    );
    // A sentence that names no workload cannot cite one.
    let unnamed = good.replace(
        "On `nbody`, PyPy was faster[^bench-nbody].",
        "On `nbody`, PyPy was fast. Then it was faster[^bench-nbody].",
    );
    assert_eq!(footnote_rules(&unnamed, &w), ["footnote-figure"]);
    // An orphan: a definition no figure cites.
    let orphan = format!("{good}\n[^bench-orphan]: Reproduce with `z`.\n");
    assert_eq!(footnote_rules(&orphan, &w), ["footnote-referenced"]);
    // A reference without a definition.
    let undefined = good.replace("[^bench-nbody]: Reproduce with `a`.\n", "");
    assert!(footnote_rules(&undefined, &w).contains(&"footnote-defined"));
    // A bench- label of no workload.
    let unknown = good.replace("[^bench-nbody]", "[^bench-nbody-2]");
    assert_eq!(footnote_rules(&unknown, &w), ["footnote-figure"]);
}

/// The absolute addresses of every rendered file that are not a source's.
fn own_addresses(r: &Rendered) -> Vec<String> {
    let content = common::content();
    let mut out = Vec::new();
    for text in r.files.values() {
        let text = whichpy_render::audit::addresses::unescape(text);
        for url in whichpy_render::audit::addresses::absolute_addresses(&text) {
            let source = content
                .constants
                .source
                .iter()
                .any(|s| url.starts_with(&s.url));
            let vocabulary = whichpy_render::audit::addresses::VOCABULARIES.contains(&url);
            if !source && !vocabulary {
                out.push(url.to_string());
            }
        }
    }
    out
}

#[test]
fn a_default_build_has_no_address_of_its_own() {
    let r = rendered();
    assert_eq!(own_addresses(&r), Vec::<String>::new());
    assert!(!baseline().contains(&"addresses-configured"));
    let meta: Value = serde_json::from_str(&r.files[META]).unwrap();
    assert!(meta.get("canonical").is_none(), "{meta}");
    assert!(meta["og"].get("og:url").is_none(), "{meta}");
    assert_eq!(meta["og"]["og:image"], "images/og.png");
    assert_eq!(meta["og"]["og:site_name"], "whichpy");
    assert_eq!(meta["local_build"], true);
    let ld: Value = serde_json::from_str(&r.files[FAQ_JSONLD]).unwrap();
    assert_eq!(ld["@graph"][0]["@id"], "#article");
    assert_eq!(ld["@graph"][1]["@id"], "#faq");
    assert!(ld["@graph"][0].get("mainEntityOfPage").is_none());
    assert_eq!(ld["@graph"][0]["author"]["@type"], "Organization");
    assert!(ld["@graph"][0]["author"].get("url").is_none());
    assert!(!r.files[HEAD].contains("rel=\"canonical\""));
    assert!(r.files[HEAD].contains("og:site_name"));
    // No clone command without a repository address, and the article says so.
    assert!(!r.files[ARTICLE].contains("git clone"));
    assert!(
        r.files[ARTICLE].contains("No public address of the benchmark repository is configured")
    );
}

#[test]
fn a_configured_site_url_makes_absolute_addresses_under_it() {
    let mut content = common::content();
    let site = "https://example.org/whichpy/";
    content.site.site_url = Some(site.into());
    content.site.repository.url = Some("https://github.com/example/whichpy".into());
    content.site.author.url = Some("https://example.org/about/".into());
    let r = whichpy_render::render_all(&common::fixture("pypy-faster.json"), &content).unwrap();
    let meta: Value = serde_json::from_str(&r.files[META]).unwrap();
    assert_eq!(meta["canonical"], site);
    assert_eq!(meta["og"]["og:url"], site);
    assert_eq!(
        meta["og"]["og:image"],
        "https://example.org/whichpy/images/og.png"
    );
    let ld: Value = serde_json::from_str(&r.files[FAQ_JSONLD]).unwrap();
    assert_eq!(
        ld["@graph"][0]["@id"],
        "https://example.org/whichpy/#article"
    );
    assert_eq!(ld["@graph"][1]["@id"], "https://example.org/whichpy/#faq");
    assert_eq!(ld["@graph"][0]["mainEntityOfPage"], site);
    assert_eq!(
        ld["@graph"][0]["author"]["url"],
        "https://example.org/about/"
    );
    let head = whichpy_render::audit::addresses::unescape(&r.files[HEAD]);
    assert!(
        head.contains(&format!("<link rel=\"canonical\" href=\"{site}\">")),
        "{head}"
    );
    assert!(r.files[ARTICLE].contains("`git clone https://github.com/example/whichpy`"));
    let map = whichpy_render::audit::footnotes::footnote_workloads(&r.view);
    let report = common::audit_content(&r, &content, &map, |_, _| None);
    assert!(
        !report.failed_rules().contains(&"addresses-configured"),
        "{:#?}",
        report.findings
    );
    // The same output audited without the configuration: its own addresses are unconfigured.
    let report = common::audit_with(&r, |_, _| None);
    assert!(report.failed_rules().contains(&"addresses-configured"));
}

#[test]
fn an_address_nobody_configured_fails() {
    let cases: Vec<(&'static str, Edit)> = vec![
        (
            ARTICLE,
            Box::new(|t| {
                replace(
                    t,
                    "## About the author\n",
                    "## About the author\n\nSee [us](https://whichpy.dev/about/).\n",
                )
            }),
        ),
        (
            FAQ_JSONLD,
            Box::new(|t| {
                edit_json(t, |v| {
                    v["@graph"][0]["author"]["url"] = "https://whichpy.dev/about/".into()
                })
            }),
        ),
        (
            META,
            Box::new(|t| {
                edit_json(t, |v| {
                    v["og"]["og:image"] = "https://whichpy.dev/images/og.png".into()
                })
            }),
        ),
        (
            HEAD,
            Box::new(|t| {
                format!("<link rel=\"canonical\" href=\"https://whichpy.dev/cpython-vs-pypy-vs-micropython/\">\n{t}")
            }),
        ),
    ];
    for (file, edit) in &cases {
        assert_eq!(
            failing(file, |t| edit(t)),
            ["addresses-configured"],
            "{file}"
        );
    }
}

#[test]
fn broken_meta_and_a_missing_conclusion_are_caught() {
    let r = rendered();
    let meta = common::audit_with(&r, |name, _| {
        (name == META).then(|| "{ not json".to_string())
    });
    assert!(
        meta.failed_rules().contains(&"meta-parses"),
        "{:?}",
        meta.failed_rules()
    );
    let article = common::audit_with(&r, |name, t| {
        (name == ARTICLE).then(|| replace(t, "\n## Conclusion\n", "\n## Closing words\n"))
    });
    assert!(
        article.failed_rules().contains(&"required-sections"),
        "{:?}",
        article.failed_rules()
    );
}

/// Every rule of the table is broken on purpose by one of the tests above: a new rule without
/// a test fails here.
#[test]
fn every_rule_is_broken_by_a_test() {
    let src = include_str!("audit.rs");
    let missing: Vec<&str> = whichpy_render::audit::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !src.contains(&format!("\"{id}\"")))
        .collect();
    assert!(missing.is_empty(), "no test breaks {missing:?}");
}
