//! The FAQ in the article and in `faq.jsonld`.

use super::{sentence_count, Ctx, Out, ANSWER_SENTENCES, FAQ_PAIRS, REQUIRED_QUESTIONS};
use crate::markdown::{BlockKind, Doc};
use crate::outputs::{ARTICLE, FAQ_JSONLD};
use crate::view::is_iso_date;

/// The FAQ section's pairs: each H3 a question, the prose below it the answer.
pub fn pairs(doc: &Doc) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for b in doc
        .blocks
        .iter()
        .filter(|b| b.section.as_deref() == Some("faq"))
    {
        match b.kind {
            BlockKind::Heading(3) => pairs.push((b.text.trim().to_string(), String::new())),
            BlockKind::Heading(_) => {}
            _ => {
                if let Some(p) = pairs.last_mut() {
                    p.1.push_str(&b.prose);
                    p.1.push(' ');
                }
            }
        }
    }
    pairs
}

pub fn faq_count(c: &Ctx, out: &mut Out) {
    if !c.h2_ids.iter().any(|id| id == "faq") {
        out.fail("faq-count", ARTICLE, "## FAQ", "no H2 \"FAQ\"");
    }
    if c.pairs.len() != FAQ_PAIRS {
        out.fail(
            "faq-count",
            ARTICLE,
            format!("{} questions", c.pairs.len()),
            "the FAQ needs exactly 10 pairs",
        );
    }
}

pub fn faq_answer_sentences(c: &Ctx, out: &mut Out) {
    for (q, ans) in &c.pairs {
        let n = sentence_count(ans);
        if !(ANSWER_SENTENCES.0..=ANSWER_SENTENCES.1).contains(&n) {
            out.fail(
                "faq-answer-sentences",
                ARTICLE,
                q,
                format!("the answer has {n} sentences, not 2–4"),
            );
        }
    }
}

pub fn faq_questions(c: &Ctx, out: &mut Out) {
    for q in REQUIRED_QUESTIONS {
        if !c.pairs.iter().any(|(x, _)| x == q) {
            out.fail(
                "faq-questions",
                ARTICLE,
                q,
                "a required question is missing",
            );
        }
    }
}

/// The items of a JSON-LD document: its `@graph`, its array, or itself.
pub fn items(v: &serde_json::Value) -> Vec<serde_json::Value> {
    match (v.get("@graph"), v.as_array()) {
        (Some(serde_json::Value::Array(g)), _) => g.clone(),
        (_, Some(arr)) => arr.clone(),
        _ => vec![v.clone()],
    }
}

pub fn json_ld(c: &Ctx, out: &mut Out) {
    let v = match serde_json::from_str::<serde_json::Value>(c.input.files.faq_jsonld) {
        Err(e) => {
            out.fail(
                "json-ld",
                FAQ_JSONLD,
                c.input.files.faq_jsonld.lines().next().unwrap_or(""),
                format!("not JSON: {e}"),
            );
            return;
        }
        Ok(v) => v,
    };
    let items = items(&v);
    let of_type = |t: &str| {
        items
            .iter()
            .find(|i| i.get("@type").and_then(|x| x.as_str()) == Some(t))
            .cloned()
    };
    match of_type("Article") {
        None => out.fail("json-ld", FAQ_JSONLD, "", "no Article"),
        Some(art) => article(&art, out),
    }
    match of_type("FAQPage") {
        None => out.fail("json-ld", FAQ_JSONLD, "", "no FAQPage"),
        Some(faq) => faq_page(c, &faq, out),
    }
}

fn article(art: &serde_json::Value, out: &mut Out) {
    for k in ["headline", "description", "datePublished", "dateModified"] {
        let s = art.get(k).and_then(|x| x.as_str()).unwrap_or("");
        if s.is_empty() {
            out.fail("json-ld", FAQ_JSONLD, k, format!("Article.{k} is missing"));
        } else if k.starts_with("date") && !is_iso_date(s.get(..10).unwrap_or(s)) {
            out.fail(
                "json-ld",
                FAQ_JSONLD,
                s,
                format!("Article.{k} is not a date"),
            );
        }
    }
    if art
        .pointer("/author/name")
        .and_then(|x| x.as_str())
        .is_none_or(|s| s.is_empty())
    {
        out.fail(
            "json-ld",
            FAQ_JSONLD,
            "author",
            "Article.author.name is missing",
        );
    }
    let img = art
        .get("image")
        .and_then(|i| i.get("url").or(Some(i)))
        .and_then(|x| x.as_str())
        .unwrap_or("");
    if img.is_empty() {
        out.fail("json-ld", FAQ_JSONLD, "image", "Article.image is missing");
    }
}

fn faq_page(c: &Ctx, faq: &serde_json::Value, out: &mut Out) {
    let qs = faq
        .get("mainEntity")
        .and_then(|m| m.as_array())
        .cloned()
        .unwrap_or_default();
    if qs.len() != FAQ_PAIRS {
        out.fail(
            "json-ld",
            FAQ_JSONLD,
            format!("{} questions", qs.len()),
            "FAQPage.mainEntity needs 10 questions",
        );
    }
    for (i, q) in qs.iter().enumerate() {
        let name = q.get("name").and_then(|x| x.as_str()).unwrap_or("");
        let ok = q.get("@type").and_then(|x| x.as_str()) == Some("Question")
            && !name.is_empty()
            && q.pointer("/acceptedAnswer/@type").and_then(|x| x.as_str()) == Some("Answer")
            && q.pointer("/acceptedAnswer/text")
                .and_then(|x| x.as_str())
                .is_some_and(|s| !s.is_empty());
        if !ok {
            out.fail(
                "json-ld",
                FAQ_JSONLD,
                name,
                format!("mainEntity[{i}] is not a Question with an acceptedAnswer"),
            );
        }
        if c.pairs.get(i).is_some_and(|(aq, _)| aq != name) {
            out.fail(
                "json-ld",
                FAQ_JSONLD,
                name,
                "the JSON-LD question differs from the article's FAQ",
            );
        }
    }
}
