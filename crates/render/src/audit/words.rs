//! Word counts: the body, the introduction and the conclusion; and readability.
//!
//! # The standard word count
//! Words are counted on the article **as rendered**: its Markdown is read with the parser
//! options of [`crate::markdown::markdown_to_html`] (the same pulldown-cmark events the site
//! turns into HTML), and the text a reader sees is split on whitespace.
//! - **Word**: a whitespace-separated token of the rendered text with at least one letter or
//!   digit (a lone `—` or `±` is not a word). Blocks, table cells and line breaks separate words.
//! - **In**: headings (H2 and lower), paragraphs, list items, table cells (the header row too),
//!   image captions (the italic line under an image is a paragraph), code spans and code blocks
//!   (each split on whitespace, so `cargo xtask bench --quick` is four words), link text, and
//!   raw HTML (the site writes it as text).
//! - **Out**: the H1; footnote definitions (the reproduce commands) and footnote reference
//!   marks; image alt text and titles (attributes, not text on the page); and everything from the
//!   H2 "FAQ" on (FAQ, environment, sources, author).
//! - **Body**: everything in, from after the H1 up to the H2 whose id is `faq` (to the end when
//!   there is none). Target: 1,400 ± 50 words.
//! - **Introduction**: the body before the first H2 (300–500). **Conclusion**: the section whose
//!   H2 id is `conclusion`, below its heading (200–300).
//!
//! Readability (Flesch) and the secondary keywords' places read the body's *prose* instead:
//! paragraphs, list items and headings, code spans as one placeholder, no tables or code blocks.

use std::collections::BTreeSet;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::{Ctx, Out, BODY_WORDS, CONCLUSION_WORDS, INTRO_WORDS};
use crate::markdown::{parser_options, Block, BlockKind, Doc, CODE_MARK};
use crate::outputs::ARTICLE;

/// The standard word count in one paragraph, for `check --help` and `dist/audit.md`.
pub const WORD_RULE: &str = "Words are counted on the rendered article: the body runs from after the H1 to the H2 \"FAQ\"; \
headings, paragraphs, lists, table cells, captions, code spans and code blocks are in, each split on whitespace; \
the H1, footnote definitions and marks, image alt text and everything from the FAQ on are out. \
A word is a token with at least one letter or digit.";

/// The texts the word rules count.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    /// Rendered text of the body (see the module docs).
    pub body: String,
    pub intro: String,
    pub conclusion: String,
    /// The body's prose, code spans as [`CODE_MARK`]: for readability and keyword places.
    pub body_prose: String,
}

/// The rendered text of an article: before the first H2, then per H2 section (its id from
/// `doc`, its heading text, the text below the heading).
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub intro: String,
    pub sections: Vec<(String, String, String)>,
}

/// The text a reader sees, per section (see the module docs for what is in and out).
pub fn rendered_text(md: &str, doc: &Doc) -> Rendered {
    let mut ids = doc
        .headings
        .iter()
        .filter(|h| h.level == 2)
        .map(|h| h.id.clone());
    let mut out = Rendered::default();
    let (mut h1, mut h2, mut footnote, mut image) = (false, false, 0usize, 0usize);
    for e in Parser::new_ext(md, parser_options()) {
        let target: &mut String = match out.sections.last_mut() {
            Some(s) if h2 => &mut s.1,
            Some(s) => &mut s.2,
            None => &mut out.intro,
        };
        match e {
            Event::Start(Tag::Heading { level, .. }) => match level {
                pulldown_cmark::HeadingLevel::H1 => h1 = true,
                pulldown_cmark::HeadingLevel::H2 => {
                    h2 = true;
                    let id = ids.next().unwrap_or_default();
                    out.sections.push((id, String::new(), String::new()));
                }
                _ => target.push(' '),
            },
            Event::End(TagEnd::Heading(_)) => {
                h1 = false;
                h2 = false;
                target.push(' ');
            }
            Event::Start(Tag::FootnoteDefinition(_)) => footnote += 1,
            Event::End(TagEnd::FootnoteDefinition) => footnote -= 1,
            Event::Start(Tag::Image { .. }) => image += 1,
            Event::End(TagEnd::Image) => image -= 1,
            _ if h1 || footnote > 0 || image > 0 => {}
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                target.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule => target.push(' '),
            Event::Start(_) | Event::End(_) => target.push(' '),
            _ => {}
        }
    }
    out
}

impl Texts {
    pub fn of(article: &str, doc: &Doc) -> Texts {
        let r = rendered_text(article, doc);
        let mut body = r.intro.clone();
        for (id, heading, text) in &r.sections {
            if id == "faq" {
                break;
            }
            body.push_str(&format!(" {heading} {text}"));
        }
        let conclusion = r
            .sections
            .iter()
            .find(|s| s.0 == "conclusion")
            .map(|s| s.2.clone())
            .unwrap_or_default();
        Texts {
            body,
            intro: r.intro,
            conclusion,
            body_prose: body_prose(doc),
        }
    }
}

/// The body's prose as before: blocks up to the end of the conclusion, less tables, code and
/// footnotes (readability is a property of sentences).
fn body_prose(doc: &Doc) -> String {
    let h2_ids: Vec<&str> = doc
        .headings
        .iter()
        .filter(|h| h.level == 2)
        .map(|h| h.id.as_str())
        .collect();
    let body_sections: BTreeSet<&str> = match h2_ids.iter().position(|id| *id == "faq") {
        Some(i) => h2_ids[..i].iter().copied().collect(),
        None => h2_ids.iter().copied().collect(),
    };
    doc.blocks
        .iter()
        .filter(|b: &&Block| {
            !b.in_footnote
                && !b.in_table
                && !matches!(
                    b.kind,
                    BlockKind::CodeBlock | BlockKind::Html | BlockKind::Heading(1)
                )
                && b.section
                    .as_deref()
                    .is_none_or(|s| body_sections.contains(s))
        })
        .map(|b| b.prose.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Number of words in `text` (see the module docs).
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphanumeric()))
        .count()
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(40).collect::<Vec<_>>().join(" ")
}

pub fn body_words(c: &Ctx, out: &mut Out) {
    let t = &c.texts.body;
    out.range(
        "body-words",
        ARTICLE,
        &first_words(t),
        word_count(t),
        BODY_WORDS,
        "body word count",
    );
}

pub fn intro_words(c: &Ctx, out: &mut Out) {
    let t = &c.texts.intro;
    out.range(
        "intro-words",
        ARTICLE,
        &first_words(t),
        word_count(t),
        INTRO_WORDS,
        "introduction word count",
    );
}

pub fn conclusion_words(c: &Ctx, out: &mut Out) {
    let t = &c.texts.conclusion;
    out.range(
        "conclusion-words",
        ARTICLE,
        &first_words(t),
        word_count(t),
        CONCLUSION_WORDS,
        "conclusion word count",
    );
}

/// Number of sentences in prose (see the module docs).
pub fn sentence_count(prose: &str) -> usize {
    let chars: Vec<char> = prose.trim().chars().collect();
    let mut n = 0;
    for i in 0..chars.len() {
        if matches!(chars[i], '.' | '?' | '!') {
            let next_ok = match chars.get(i + 1) {
                None => true,
                Some(c) => c.is_whitespace(),
            };
            if next_ok {
                n += 1;
            }
        }
    }
    if n == 0 && !prose.trim().is_empty() {
        1
    } else {
        n
    }
}

pub(crate) fn syllables(word: &str) -> usize {
    let w: Vec<char> = word
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(|c| c.to_lowercase())
        .collect();
    if w.is_empty() {
        return 0;
    }
    let vowel = |c: char| "aeiouy".contains(c);
    let mut count = 0;
    let mut prev = false;
    for &c in &w {
        let v = vowel(c);
        if v && !prev {
            count += 1;
        }
        prev = v;
    }
    if w.len() > 2 && w.ends_with(&['e']) && !w.ends_with(&['l', 'e']) && count > 1 {
        count -= 1;
    }
    count.max(1)
}

/// Mean words per sentence of prose (the Flesch formula's first term).
pub fn words_per_sentence(prose: &str) -> f64 {
    let words = prose
        .split_whitespace()
        .filter(|w| *w != CODE_MARK && w.chars().any(|c| c.is_alphabetic()))
        .count();
    words as f64 / sentence_count(prose).max(1) as f64
}

/// Flesch reading ease of prose.
pub fn flesch(prose: &str) -> f64 {
    let words: Vec<&str> = prose
        .split_whitespace()
        .filter(|w| *w != CODE_MARK && w.chars().any(|c| c.is_alphabetic()))
        .collect();
    if words.is_empty() {
        return 0.0;
    }
    let sentences = sentence_count(prose).max(1) as f64;
    let syl: usize = words.iter().map(|w| syllables(w)).sum();
    let n = words.len() as f64;
    206.835 - 1.015 * (n / sentences) - 84.6 * (syl as f64 / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting() {
        assert_eq!(word_count("PyPy was 18.0× faster — see ⟨code⟩ ."), 6);
        assert_eq!(
            sentence_count("It took 7.42 ms. Then (95% CI 5.23–9.61). Why? Done!"),
            4
        );
        assert_eq!(sentence_count("No final stop"), 1);
        assert_eq!(syllables("interpreter"), 4);
        assert_eq!(syllables("the"), 1);
    }

    fn texts(md: &str) -> Texts {
        Texts::of(md, &Doc::parse(md))
    }

    #[test]
    fn the_standard_count_keeps_tables_code_and_captions() {
        let md = "# Title words here\n\nOne `cargo xtask bench` two — three.\n\n\
                  ## Results\n\n| Interpreter | Startup, ms |\n|---|---|\n| PyPy | 55.9 |\n\n\
                  ![alt words not counted](a.svg)\n\n*A caption here.*\n\n\
                  ```\ncargo xtask analyse\n```\n\nText[^n].\n\n\
                  ## Conclusion\n\nEnd of it.\n\n## FAQ\n\n### Asked?\n\nNot counted.\n\n\
                  [^n]: A footnote not counted.\n";
        let t = texts(md);
        // intro: One cargo xtask bench two three (the dash is no word)
        assert_eq!(word_count(&t.intro), 6, "{:?}", t.intro);
        // Results; Interpreter Startup, ms PyPy 55.9; A caption here.; cargo xtask analyse; Text.
        assert_eq!(word_count(&t.conclusion), 3, "{:?}", t.conclusion);
        assert_eq!(
            word_count(&t.body),
            6 + 1 + 5 + 3 + 3 + 1 + 1 + 3,
            "{:?}",
            t.body
        );
        assert!(!t.body.contains("alt"), "{:?}", t.body);
        assert!(!t.body.contains("footnote"), "{:?}", t.body);
        assert!(!t.body.contains("Asked"), "{:?}", t.body);
    }
}
