//! The primary keyword's required places, and where the secondary keywords are (reported only).

use super::{contains_ci, Ctx, KeywordPlacement, Out};
use crate::outputs::{ARTICLE, META};

pub fn keyword_title(c: &Ctx, out: &mut Out) {
    let kw = c.kw();
    if !contains_ci(&c.title, kw) {
        out.fail(
            "keyword-title",
            META,
            &c.title,
            format!("the title lacks the primary keyword {kw:?}"),
        );
    }
}

pub fn keyword_description(c: &Ctx, out: &mut Out) {
    let kw = c.kw();
    if !contains_ci(&c.description, kw) {
        out.fail(
            "keyword-description",
            META,
            &c.description,
            format!("the meta description lacks {kw:?}"),
        );
    }
}

pub fn keyword_h2(c: &Ctx, out: &mut Out) {
    let kw = c.kw();
    if !c
        .doc
        .headings
        .iter()
        .any(|h| h.level == 2 && contains_ci(&h.text, kw))
    {
        out.fail("keyword-h2", ARTICLE, "", format!("no H2 contains {kw:?}"));
    }
}

/// The first 100 words of the introduction.
pub fn first_100(c: &Ctx) -> String {
    c.texts
        .intro
        .split_whitespace()
        .take(100)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn keyword_first_100_words(c: &Ctx, out: &mut Out) {
    let kw = c.kw();
    let first100 = first_100(c);
    if !contains_ci(&first100, kw) {
        out.fail(
            "keyword-first-100-words",
            ARTICLE,
            &first100,
            format!("{kw:?} is not in the first 100 words"),
        );
    }
}

/// Where each secondary keyword is: title, description, heading, body, faq.
pub fn placements(c: &Ctx) -> Vec<KeywordPlacement> {
    let headings: String = c
        .doc
        .headings
        .iter()
        .map(|h| h.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let faq_text: String = c
        .pairs
        .iter()
        .map(|(q, a)| format!("{q} {a}"))
        .collect::<Vec<_>>()
        .join("\n");
    c.site()
        .secondary_keywords
        .iter()
        .map(|k| {
            let mut places = Vec::new();
            for (place, text) in [
                ("title", c.title.as_str()),
                ("description", c.description.as_str()),
                ("heading", headings.as_str()),
                ("body", c.texts.body_prose.as_str()),
                ("faq", faq_text.as_str()),
            ] {
                if contains_ci(text, k) {
                    places.push(place);
                }
            }
            KeywordPlacement {
                keyword: k.clone(),
                places,
            }
        })
        .collect()
}
