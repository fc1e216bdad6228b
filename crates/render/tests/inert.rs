//! Names from the data are inert in the article (issue 16, item 4): a workload name or an
//! interpreter label that holds Markdown starts no link, image or heading, and a name that holds
//! shell syntax is one quoted argument in the reproduce command.

mod common;

use whichpy_render::markdown::{markdown_to_html, Doc};
use whichpy_render::outputs::{ARTICLE, SOCIAL};
use whichpy_render::{render_all, Rendered};
use whichpy_wire::summary::Summary;

const LINK: &str = "[click me](javascript:alert(3))";
const IMAGE: &str = "![px](http://127.0.0.1:9/p.png)";
const HEADING: &str = "nbody\n# H1 injected";

/// The `pypy-faster` fixture with the workload `nbody` renamed and PyPy's label replaced.
fn renamed(workload: &str, pypy_label: &str) -> Summary {
    let path = common::root().join("crates/render/tests/fixtures/pypy-faster.json");
    let text = std::fs::read_to_string(path).unwrap();
    let text = text
        .replace("\"nbody\"", &serde_json::to_string(workload).unwrap())
        .replace(
            "\"PyPy (host)\"",
            &serde_json::to_string(pypy_label).unwrap(),
        );
    serde_json::from_str(&text).expect("the renamed fixture parses")
}

fn render(workload: &str, pypy_label: &str) -> Rendered {
    render_all(&renamed(workload, pypy_label), &common::content()).expect("renders")
}

/// No link other than to a fragment, a relative file or https; no image but a relative one;
/// one H1.
fn assert_inert(name: &str, md: &str) {
    let doc = Doc::parse(md);
    let h1: Vec<_> = doc.headings.iter().filter(|h| h.level == 1).collect();
    assert!(h1.len() <= 1, "{name}: more than one H1: {h1:?}");
    for l in &doc.links {
        assert!(
            l.url.starts_with('#') || l.url.starts_with("https://") || !l.url.contains(':'),
            "{name}: a link from the data: {l:?}"
        );
    }
    for i in &doc.images {
        assert!(!i.url.contains(':'), "{name}: a remote image: {i:?}");
    }
    let html = markdown_to_html(md);
    for bad in [
        "href=\"javascript:",
        "src=\"http:",
        "<h1>H1 injected",
        "<h1 id=\"h1-injected",
    ] {
        assert!(!html.contains(bad), "{name}: `{bad}` in the HTML");
    }
}

#[test]
fn markdown_in_a_workload_name_or_label_stays_text() {
    for (workload, label) in [(LINK, IMAGE), (HEADING, LINK), (IMAGE, HEADING)] {
        let r = render(workload, label);
        for file in [ARTICLE, SOCIAL] {
            assert_inert(file, &r.files[file]);
        }
        // The text is still there for a reader, as text.
        let text: String = Doc::parse(&r.files[ARTICLE])
            .blocks
            .iter()
            .map(|b| b.text.clone() + "\n")
            .collect();
        let flat = |s: &str| s.replace('\n', " ");
        assert!(
            text.contains(&flat(workload)),
            "the workload name shows as text: {workload:?}"
        );
        assert!(
            text.contains(&flat(label)),
            "the label shows as text: {label:?}"
        );
    }
}

#[test]
fn the_reproduce_command_quotes_a_name_for_the_shell() {
    let r = render("a;rm -rf ~", "PyPy (host)");
    let f = r
        .view
        .footnotes
        .iter()
        .find(|f| f.workload == "a;rm -rf ~")
        .expect("a footnote for the workload");
    assert!(
        f.command.contains("--workload 'a;rm -rf ~'"),
        "{}",
        f.command
    );
    assert!(
        f.label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{}",
        f.label
    );
    let article = &r.files[ARTICLE];
    assert!(
        article.contains("--workload 'a;rm -rf ~'"),
        "the article shows the quoted command"
    );
}

#[test]
fn only_relative_fragment_and_https_links_are_live() {
    let html = markdown_to_html(
        "[a](results.html) [b](#faq) [c](https://example.org/x) [d](javascript:alert(3)) \
         [e](JavaScript:alert(3)) [f](data:text/html,x) [g](http://example.org) \
         [h](//example.org/x) [i](java&#x09;script:alert(1)) [j](mailto:a@b) [k](/\\example.org)\n",
    );
    for live in [
        "href=\"results.html\"",
        "href=\"#faq\"",
        "href=\"https://example.org/x\"",
    ] {
        assert!(html.contains(live), "{live} in {html}");
    }
    assert_eq!(html.matches("<a ").count(), 3, "{html}");
    for text in ["d", "e", "f", "g", "h", "i", "j", "k"] {
        assert!(
            html.contains(&format!(" {text} "))
                || html.contains(&format!(" {text}\n"))
                || html.contains(&format!(" {text}<")),
            "{text} as text: {html}"
        );
    }
}

#[test]
fn only_relative_images_load() {
    let html = markdown_to_html(
        "![ok](images/a.svg) ![up](../b.png) ![px](http://127.0.0.1:9/p.png) \
         ![s](https://example.org/p.png) ![d](data:image/png;base64,AAAA) ![r](//example.org/p.png)\n",
    );
    assert!(
        html.contains("<img src=\"images/a.svg\" alt=\"ok\""),
        "{html}"
    );
    assert!(html.contains("<img src=\"../b.png\" alt=\"up\""), "{html}");
    assert_eq!(html.matches("<img").count(), 2, "{html}");
    for alt in ["px", "s", "d", "r"] {
        assert!(html.contains(alt), "alt text {alt} stays: {html}");
    }
}
