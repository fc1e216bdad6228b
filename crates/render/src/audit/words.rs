//! Word counts: the body, the introduction and the conclusion; and readability.
//!
//! - **Word**: a whitespace-separated token with at least one letter or digit. A code span counts
//!   as one word, whatever it holds.
//! - **Body**: the article from the line after the H1 to the end of the section whose H2 id is
//!   `conclusion`, headings (H2 and lower) included, less tables, code blocks, HTML, images and
//!   footnote definitions. The back matter after the conclusion (FAQ, environment, sources,
//!   author) is not body.
//! - **Introduction**: body words before the first H2. **Conclusion**: words of the
//!   `conclusion` section below its heading.

use std::collections::BTreeSet;

use super::{Ctx, Out, BODY_WORDS, CONCLUSION_WORDS, INTRO_WORDS};
use crate::markdown::{Block, BlockKind, Doc, CODE_MARK};
use crate::outputs::ARTICLE;

/// The texts the word rules count.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    pub body: String,
    pub intro: String,
    pub conclusion: String,
    /// The body's prose, code spans as [`CODE_MARK`]: for readability and keyword places.
    pub body_prose: String,
}

impl Texts {
    pub fn of(_article: &str, doc: &Doc) -> Texts {
        let h2_ids: Vec<&str> = doc
            .headings
            .iter()
            .filter(|h| h.level == 2)
            .map(|h| h.id.as_str())
            .collect();
        let conclusion_at = h2_ids.iter().position(|id| *id == "conclusion");
        let body_sections: BTreeSet<&str> = match conclusion_at {
            Some(i) => h2_ids[..=i].iter().copied().collect(),
            None => h2_ids.iter().copied().collect(),
        };
        let is_body = |b: &Block| {
            !b.in_footnote
                && !b.in_table
                && !matches!(
                    b.kind,
                    BlockKind::CodeBlock | BlockKind::Html | BlockKind::Heading(1)
                )
                && b.section
                    .as_deref()
                    .is_none_or(|s| body_sections.contains(s))
        };
        let body: Vec<&Block> = doc.blocks.iter().filter(|b| is_body(b)).collect();
        let join = |f: &dyn Fn(&Block) -> bool| {
            body.iter()
                .filter(|b| f(b))
                .map(|b| b.prose.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let body_prose = join(&|_| true);
        Texts {
            body: body_prose.clone(),
            intro: join(&|b| b.section.is_none()),
            conclusion: join(&|b| {
                b.section.as_deref() == Some("conclusion")
                    && !matches!(b.kind, BlockKind::Heading(_))
            }),
            body_prose,
        }
    }
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
}
