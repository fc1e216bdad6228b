//! Addresses from configuration, never invented.
//!
//! **addresses-configured**: every absolute address (`http://` or `https://`) in the outputs —
//! the article, the FAQ JSON-LD, `meta.json`, the social posts, the image plan, and the other
//! files the caller passes ([`Input::pages`]: the page head and the site's HTML) — is one of:
//! - a source's address in `content/constants.toml` (or a page under it, or with a fragment);
//! - under an address configured in `content/site.toml` (site, author, pillar, repository) or
//!   given by the environment (the repository on GitHub Actions);
//! - a vocabulary or namespace identifier ([`VOCABULARIES`]), which names a format, not a page.
//!
//! Anything else is an address of the project's own that nobody configured (the old
//! `whichpy.dev` defaults were such) and fails with the file and the address.

use super::{Ctx, Input, Out};
use crate::outputs::{ARTICLE, FAQ_JSONLD, IMAGES, META, SOCIAL};

/// Identifiers of formats written into the outputs: JSON-LD's context, the sitemap and SVG
/// namespaces. They are never fetched.
pub const VOCABULARIES: &[&str] = &[
    "https://schema.org",
    "http://www.sitemaps.org/schemas/sitemap/0.9",
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
];

/// The file name findings on [`Input::pages`] carry; the text starts with the page's path.
pub const PAGES: &str = "dist";

/// `text` with the escapes an address may hide behind undone: HTML character references
/// (minijinja writes `/` as `&#x2f;` in HTML) and JSON's `\/` and `\u002f`.
pub fn unescape(text: &str) -> String {
    let mut s = text.to_string();
    for (from, to) in [
        ("&#x2f;", "/"),
        ("&#x2F;", "/"),
        ("&#47;", "/"),
        ("&#x3a;", ":"),
        ("&#x3A;", ":"),
        ("&#58;", ":"),
        ("&colon;", ":"),
        ("&sol;", "/"),
        ("\\/", "/"),
        ("\\u002f", "/"),
        ("\\u002F", "/"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&#39;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ] {
        s = s.replace(from, to);
    }
    s
}

/// Every absolute address in `text`: from `http://` or `https://` to the first space, quote,
/// bracket, `<`, `>` or backtick, less trailing punctuation.
pub fn absolute_addresses(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("http") {
        let tail = &rest[i..];
        if tail.starts_with("http://") || tail.starts_with("https://") {
            let end = tail
                .find(|c: char| c.is_whitespace() || "\"'<>()[]{}`\\|".contains(c) || c == '\u{0}')
                .unwrap_or(tail.len());
            let url = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_']);
            out.push(url);
            rest = &tail[end.max(1)..];
        } else {
            rest = &tail[4..];
        }
    }
    out
}

/// Whether `url` is allowed (see the module docs).
pub fn allowed(input: &Input, url: &str) -> bool {
    let under = |base: &str| {
        let base = base.trim_end_matches('/');
        url == base
            || url
                .strip_prefix(base)
                .is_some_and(|r| r.starts_with(['/', '#', '?']))
    };
    VOCABULARIES.contains(&url)
        || input.constants.source.iter().any(|s| under(&s.url))
        || input.site.configured_urls().into_iter().any(under)
}

pub fn addresses_configured(c: &Ctx, out: &mut Out) {
    let f = &c.input.files;
    let files = [
        (ARTICLE, "", f.article),
        (FAQ_JSONLD, "", f.faq_jsonld),
        (META, "", f.meta_json),
        (SOCIAL, "", f.social),
        (IMAGES, "", f.images),
    ];
    let pages = c
        .input
        .pages
        .iter()
        .map(|(p, t)| (PAGES, p.as_str(), t.as_str()));
    for (file, path, text) in files.into_iter().chain(pages) {
        let mut seen = std::collections::BTreeSet::new();
        let text = unescape(text);
        for url in absolute_addresses(&text) {
            if allowed(c.input, url) || !seen.insert(url) {
                continue;
            }
            let shown = if path.is_empty() {
                url.to_string()
            } else {
                format!("{path}: {url}")
            };
            out.fail(
                "addresses-configured",
                file,
                shown,
                "an absolute address that is neither a source in content/constants.toml nor under an address configured in content/site.toml: configure it (site_url, author, pillar or repository url) or remove it",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_found_in_markdown_html_and_json() {
        let t = "See [x](https://a.org/b). <a href=\"http://c.org/d?e=1\">c</a>, \"url\": \"https://f.org/#g\", `https://h.org`. https://i.org/j.";
        assert_eq!(
            absolute_addresses(t),
            [
                "https://a.org/b",
                "http://c.org/d?e=1",
                "https://f.org/#g",
                "https://h.org",
                "https://i.org/j"
            ]
        );
        assert!(absolute_addresses("no address, httpd and http:/ x").is_empty());
        assert_eq!(
            absolute_addresses(&unescape(
                "href=\"https:&#x2f;&#x2f;a.org&#x2f;b\" \"https:\\/\\/c.org\""
            )),
            ["https://a.org/b", "https://c.org"]
        );
    }
}
