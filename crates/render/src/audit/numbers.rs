//! Traceability: every number from the summary or the constants; no placeholder anywhere.

use std::collections::BTreeSet;

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

/// Fail each number in `text` that is neither from the summary nor from the constants.
fn trace(c: &Ctx, constants: &BTreeSet<String>, out: &mut Out, file: &'static str, text: &str) {
    for t in number_tokens(text) {
        if c.input.ledger.contains(&t.text) || constants.contains(&t.text) {
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
        out.fail(
            "numbers-traceable",
            file,
            &text[start..end],
            format!(
                "{} is neither a figure from results/summary.json nor a constant in content/constants.toml",
                t.text
            ),
        );
    }
}

pub fn numbers_traceable(c: &Ctx, out: &mut Out) {
    let k = constant_numbers(c);
    trace(c, &k, out, META, &c.title);
    trace(c, &k, out, META, &c.description);
    for b in c
        .doc
        .blocks
        .iter()
        .filter(|b| !matches!(b.kind, BlockKind::CodeBlock | BlockKind::Html))
    {
        trace(c, &k, out, ARTICLE, &b.prose);
    }
    for im in &c.doc.images {
        trace(c, &k, out, ARTICLE, &im.alt);
    }
    let s = &c.social;
    for p in s.x.iter().chain([&s.linkedin, &s.pinterest]) {
        trace(c, &k, out, SOCIAL, p);
    }
}
