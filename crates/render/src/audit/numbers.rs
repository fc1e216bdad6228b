//! Traceability: every number from the summary or the constants; no placeholder anywhere.

use std::collections::BTreeSet;

use super::addresses::PAGES;
use super::{Ctx, Out};
use crate::format::number_tokens;
use crate::markdown::BlockKind;
use crate::outputs::{ARTICLE, FAQ_JSONLD, IMAGES, META, SOCIAL};

const PLACEHOLDERS: [&str; 11] = [
    "{{",
    "}}",
    "{%",
    "%}",
    "TODO",
    "TBD",
    "lorem ipsum",
    "NaN",
    "n/a",
    "undefined",
    "null",
];

pub fn no_placeholder(c: &Ctx, out: &mut Out) {
    let f = &c.input.files;
    for (file, text) in [
        (ARTICLE, f.article),
        (FAQ_JSONLD, f.faq_jsonld),
        (META, f.meta_json),
        (SOCIAL, f.social),
        (IMAGES, f.images),
    ] {
        if file == FAQ_JSONLD || file == META {
            // JSON: only a missing value counts (text fields may say "null" as a word).
            if let Some(line) = text
                .lines()
                .find(|l| l.trim_end().ends_with("null") || l.contains(": null"))
            {
                out.fail("no-placeholder", file, line, "a value is missing (null)");
            }
            continue;
        }
        for bad in PLACEHOLDERS {
            if bad == "null" || bad == "undefined" {
                continue;
            }
            if let Some(pos) = text.find(bad) {
                let line = text[pos..].lines().next().unwrap_or("");
                out.fail(
                    "no-placeholder",
                    file,
                    line,
                    format!("placeholder or missing value `{bad}`"),
                );
            }
        }
    }
}

/// The numbers of `content/constants.toml`: values and source years.
fn constant_numbers(c: &Ctx) -> BTreeSet<String> {
    let k = c.input.constants;
    let mut out: BTreeSet<String> = k
        .constant
        .iter()
        .flat_map(|k| number_tokens(&k.value).into_iter().map(|t| t.text))
        .collect();
    out.extend(
        k.source
            .iter()
            .filter_map(|s| s.year.map(|y| y.to_string())),
    );
    out
}

/// Fail each number in `text` that is neither from the summary nor from the constants (a
/// site page's: nor from the site's page contexts). `page` is the page's path, or "".
fn trace(
    c: &Ctx,
    constants: &BTreeSet<String>,
    out: &mut Out,
    (file, page): (&'static str, &str),
    text: &str,
) {
    for t in number_tokens(text) {
        if c.input.ledger.contains(&t.text)
            || constants.contains(&t.text)
            || (!page.is_empty() && c.input.site_ledger.contains(&t.text))
        {
            continue;
        }
        let start = text[..t.offset]
            .char_indices()
            .rev()
            .nth(40)
            .map(|(i, _)| i)
            .unwrap_or(0);
        let end = (t.offset + t.text.len() + 40).min(text.len());
        let end = (end..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        let shown = if page.is_empty() {
            text[start..end].to_string()
        } else {
            format!("{page}: {}", &text[start..end])
        };
        out.fail(
            "numbers-traceable",
            file,
            shown,
            format!(
                "{} is neither a figure from results/summary.json nor a constant in content/constants.toml",
                t.text
            ),
        );
    }
}

pub fn numbers_traceable(c: &Ctx, out: &mut Out) {
    let k = constant_numbers(c);
    trace(c, &k, out, (META, ""), &c.title);
    trace(c, &k, out, (META, ""), &c.description);
    for b in c
        .doc
        .blocks
        .iter()
        .filter(|b| !matches!(b.kind, BlockKind::CodeBlock | BlockKind::Html))
    {
        trace(c, &k, out, (ARTICLE, ""), &b.prose);
    }
    for im in &c.doc.images {
        trace(c, &k, out, (ARTICLE, ""), &im.alt);
    }
    let s = &c.social;
    for p in s.x.iter().chain([&s.linkedin, &s.pinterest]) {
        trace(c, &k, out, (SOCIAL, ""), p);
    }
    for (path, html) in site_pages(c) {
        trace(c, &k, out, (PAGES, path), &visible_text(html));
    }
}

/// The site's HTML pages among [`super::Input::pages`] (not the page head render wrote).
fn site_pages<'c>(c: &'c Ctx) -> impl Iterator<Item = (&'c str, &'c str)> {
    c.input
        .pages
        .iter()
        .filter(|(p, _)| p.ends_with(".html") && p.as_str() != crate::outputs::HEAD)
        .map(|(p, t)| (p.as_str(), t.as_str()))
}

/// The text a reader sees on an HTML page: tags, comments, `<script>` and `<style>` left out
/// (each a word break), the character references minijinja and the templates write undone.
/// Attributes are not text: an image's dimensions or a chart's id are no figure. Code
/// (`<code>`, `<pre>`: commands, flags) is left out too, as the article's code is.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while i < html.len() {
        let rest = &lower[i..];
        if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
        } else if let Some(close) = ["script", "style", "code", "pre"].iter().find_map(|t| {
            let open = format!("<{t}");
            let after = rest.strip_prefix(open.as_str())?;
            matches!(after.chars().next(), Some('>' | ' ' | '\n' | '\t')).then(|| format!("</{t}>"))
        }) {
            i += rest.find(&close).map_or(rest.len(), |e| e + close.len());
        } else if rest.starts_with('<') {
            i += rest.find('>').map_or(rest.len(), |e| e + 1);
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            out.push_str(&html[i..i + end]);
            i += end;
            out.push(' ');
            continue;
        }
        out.push(' ');
    }
    unescape_html(&out)
}

fn unescape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &tail[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let n = name.strip_prefix('#')?;
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok()?,
                        None => n.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Names of statistical methods a reader could be told were used. A text that names one must
/// find it in the summary's `analysis.methods` (the analysis that made the figures).
pub const METHOD_TERMS: &[&str] = &[
    "bootstrap",
    "percentile interval",
    "delta method",
    "Student's t",
    "Welch",
    "PELT",
    "Mann-Whitney",
    "Wilcoxon",
    "random-effects",
    "jackknife",
];

/// Fail each method term of [`METHOD_TERMS`] in the article body or in a site page's text that
/// the summary's methods do not name.
pub fn methods_recorded(c: &Ctx, out: &mut Out) {
    let recorded = c
        .input
        .methods
        .values()
        .map(|m| m.to_lowercase().replace('\u{2019}', "'"))
        .collect::<Vec<_>>()
        .join("\n");
    let body = c
        .doc
        .blocks
        .iter()
        .map(|b| b.prose.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let texts = std::iter::once((ARTICLE, String::new(), body))
        .chain(site_pages(c).map(|(p, html)| (PAGES, p.to_string(), visible_text(html))));
    for (file, page, text) in texts {
        let lower = text.to_lowercase().replace('\u{2019}', "'");
        for term in METHOD_TERMS {
            let t = term.to_lowercase();
            if lower.contains(&t) && !recorded.contains(&t) {
                let at = lower.find(&t).unwrap_or(0);
                let snippet: String = text.get(at..).unwrap_or("").chars().take(80).collect();
                let shown = if page.is_empty() {
                    snippet
                } else {
                    format!("{page}: {snippet}")
                };
                out.fail(
                    "methods-recorded",
                    file,
                    shown,
                    format!(
                        "names the method \"{term}\", which the summary's analysis.methods does not record: say what `cargo xtask analyse` used (the summary's methods) instead"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::visible_text;

    #[test]
    fn a_page_s_visible_text_leaves_out_tags_attributes_code_and_scripts() {
        let html = "<p class=\"x\" data-sort=\"5.6\">5.63 MB&#x2f;s&nbsp;<span>(95%)</span></p>\
                    <!-- 17 --><script>var n = 42;</script><style>p{width:390px}</style>\
                    <pre>cargo xtask bench --processes 3</pre><code>--budget 30m</code>\
                    <codex>7</codex><img width=\"1200\" alt=\"a\">&amp; 8";
        let t = visible_text(html);
        let words: Vec<&str> = t.split_whitespace().collect();
        assert_eq!(words, ["5.63", "MB/s", "(95%)", "7", "&", "8"], "{t:?}");
    }
}
