//! The SEO audit as code: every rule of ARTICLE.md's "Checks", run on the rendered files.
//!
//! Pure: the caller reads `dist/` and says which relative paths exist. Each failure names the
//! rule, the file and the offending text. The report also carries what is only reported: a
//! readability score, where the secondary keywords are, and freshness.
//!
//! # Definitions
//! - **Word**: a whitespace-separated token with at least one letter or digit. A code span counts
//!   as one word, whatever it holds.
//! - **Body**: the article from the line after the H1 to the end of the section whose H2 id is
//!   `conclusion`, headings (H2 and lower) included, less tables, code blocks, HTML, images and
//!   footnote definitions. The back matter after the conclusion (FAQ, environment, sources,
//!   author) is not body. Target: 1,400 ± 50 words.
//! - **Introduction**: body words before the first H2 (300–500). **Conclusion**: words of the
//!   `conclusion` section below its heading (200–300).
//! - **Sentence**: a run of prose ending in `.`, `?` or `!` followed by a space or the end.
//! - **Number**: see [`crate::format::number_tokens`]. Numbers are checked everywhere in the
//!   article's text (headings, paragraphs, lists, tables, footnotes, alt text) except code, and
//!   in the title, the meta description and the social posts. Each must be a number the view
//!   model made from the summary ([`Ledger`]), a constant's value or a source's year in
//!   `content/constants.toml`.

use std::collections::BTreeSet;

use crate::content::{Constants, SiteConfig};
use crate::format::number_tokens;
use crate::markdown::{BlockKind, Doc, CODE_MARK};
use crate::outputs::{ARTICLE, FAQ_JSONLD, IMAGES, META, SOCIAL};
use crate::view::{is_iso_date, Ledger};

/// The questions ARTICLE.md requires in the FAQ.
pub const REQUIRED_QUESTIONS: [&str; 3] = [
    "Which Python interpreter is fastest?",
    "Can I run PyPy on AWS Lambda?",
    "Is MicroPython suitable for sensors?",
];

pub const TITLE_CHARS: (usize, usize) = (55, 60);
pub const DESCRIPTION_CHARS: (usize, usize) = (148, 155);
pub const BODY_WORDS: (usize, usize) = (1350, 1450);
pub const INTRO_WORDS: (usize, usize) = (300, 500);
pub const CONCLUSION_WORDS: (usize, usize) = (200, 300);
pub const FAQ_PAIRS: usize = 10;
pub const ANSWER_SENTENCES: (usize, usize) = (2, 4);
pub const X_POSTS: usize = 4;
pub const X_CHARS: usize = 280;
pub const LINKEDIN_WORDS: (usize, usize) = (150, 200);
pub const PINTEREST_WORDS: (usize, usize) = (80, 100);
pub const IMAGES_PLANNED: usize = 6;
pub const CAPTIONS: usize = 2;
pub const OG_SIZE: (u64, u64) = (1200, 630);
pub const CHECKLIST_STEPS: usize = 6;
pub const PROFILING_STEPS: usize = 5;
/// The image plan's source for charts the site step draws from the data.
pub const GENERATED_CHART: &str = "generated chart";

/// The rendered files, as read from `dist/`.
pub struct Files<'a> {
    pub article: &'a str,
    pub faq_jsonld: &'a str,
    pub meta_json: &'a str,
    pub social: &'a str,
    pub images: &'a str,
}

pub struct Input<'a> {
    pub files: Files<'a>,
    pub site: &'a SiteConfig,
    pub constants: &'a Constants,
    /// The numbers the view model made from the summary.
    pub ledger: &'a Ledger,
    /// Whether a path relative to the article exists.
    pub exists: &'a dyn Fn(&str) -> bool,
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub file: &'static str,
    /// The offending text (or the measured value).
    pub text: String,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {}: {} — {:?}",
            self.rule, self.file, self.message, self.text
        )
    }
}

/// Where a secondary keyword was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeywordPlacement {
    pub keyword: String,
    /// `title`, `description`, `heading`, `body`, `faq`; empty when absent.
    pub places: Vec<&'static str>,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Not failures: what is pending elsewhere (charts the site step draws).
    pub notes: Vec<String>,
    pub title_chars: usize,
    pub description_chars: usize,
    pub body_words: usize,
    pub intro_words: usize,
    pub conclusion_words: usize,
    pub faq_pairs: usize,
    /// Flesch reading ease of the body (higher is easier; 50–60 is "fairly difficult").
    pub readability: f64,
    pub keywords: Vec<KeywordPlacement>,
    pub data_date: String,
    /// `id version (Python x.y.z)`.
    pub interpreters: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// The rules that failed, each once, in order.
    pub fn failed_rules(&self) -> Vec<&'static str> {
        let mut seen = BTreeSet::new();
        self.findings
            .iter()
            .filter(|f| seen.insert(f.rule))
            .map(|f| f.rule)
            .collect()
    }
}

/// Number of words in `text` (see the module docs).
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphanumeric()))
        .count()
}

/// Number of sentences in prose (see the module docs).
pub fn sentence_count(prose: &str) -> usize {
    let chars: Vec<char> = prose.trim().chars().collect();
    let mut n = 0;
    for i in 0..chars.len() {
        if matches!(chars[i], '.' | '?' | '!') {
            let next = chars.get(i + 1);
            let next_ok = match next {
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

fn syllables(word: &str) -> usize {
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

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

fn clip(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s.to_string()
    }
}

struct Audit<'a> {
    input: &'a Input<'a>,
    report: Report,
}

impl<'a> Audit<'a> {
    fn fail(
        &mut self,
        rule: &'static str,
        file: &'static str,
        text: impl AsRef<str>,
        msg: impl Into<String>,
    ) {
        self.report.findings.push(Finding {
            rule,
            file,
            text: clip(text.as_ref()),
            message: msg.into(),
        });
    }

    fn range(
        &mut self,
        rule: &'static str,
        file: &'static str,
        text: &str,
        n: usize,
        (lo, hi): (usize, usize),
        what: &str,
    ) {
        if n < lo || n > hi {
            self.fail(
                rule,
                file,
                text,
                format!("{what} is {n}, not within {lo}–{hi}"),
            );
        }
    }

    /// Numbers in `text` that are neither from the summary nor from the constants.
    fn trace(&mut self, file: &'static str, text: &str) {
        for t in number_tokens(text) {
            if self.input.ledger.contains(&t.text) || self.constant_numbers().contains(&t.text) {
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
            self.fail(
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

    fn constant_numbers(&self) -> BTreeSet<String> {
        let c = self.input.constants;
        let mut out: BTreeSet<String> = c
            .constant
            .iter()
            .flat_map(|k| number_tokens(&k.value).into_iter().map(|t| t.text))
            .collect();
        out.extend(
            c.source
                .iter()
                .filter_map(|s| s.year.map(|y| y.to_string())),
        );
        out
    }
}

/// Run every rule.
pub fn audit(input: &Input) -> Report {
    let mut a = Audit {
        input,
        report: Report::default(),
    };
    let site = input.site;
    let kw = site.primary_keyword.as_str();
    let doc = Doc::parse(input.files.article);

    // --- placeholders anywhere ---------------------------------------------------------------
    for (file, text) in [
        (ARTICLE, input.files.article),
        (FAQ_JSONLD, input.files.faq_jsonld),
        (META, input.files.meta_json),
        (SOCIAL, input.files.social),
        (IMAGES, input.files.images),
    ] {
        for bad in [
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
        ] {
            if file == FAQ_JSONLD || file == META {
                if bad == "null" {
                    if let Some(line) = text
                        .lines()
                        .find(|l| l.trim_end().ends_with("null") || l.contains(": null"))
                    {
                        a.fail("no-placeholder", file, line, "a value is missing (null)");
                    }
                }
                continue;
            }
            if bad == "null" || bad == "undefined" {
                continue;
            }
            if let Some(pos) = text.find(bad) {
                let line = text[pos..].lines().next().unwrap_or("");
                a.fail(
                    "no-placeholder",
                    file,
                    line,
                    format!("placeholder or missing value `{bad}`"),
                );
            }
        }
    }

    // --- meta.json: title, description, Open Graph -------------------------------------------
    let meta: Option<serde_json::Value> = match serde_json::from_str(input.files.meta_json) {
        Ok(v) => Some(v),
        Err(e) => {
            a.fail(
                "meta-parses",
                META,
                input.files.meta_json.lines().next().unwrap_or(""),
                format!("not JSON: {e}"),
            );
            None
        }
    };
    let get = |v: &serde_json::Value, k: &str| {
        v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string()
    };
    let (title, description) = meta
        .as_ref()
        .map(|m| (get(m, "title"), get(m, "description")))
        .unwrap_or_default();
    a.report.title_chars = title.chars().count();
    a.report.description_chars = description.chars().count();
    a.range(
        "title-length",
        META,
        &title,
        a.report.title_chars,
        TITLE_CHARS,
        "title length (characters)",
    );
    a.range(
        "description-length",
        META,
        &description,
        a.report.description_chars,
        DESCRIPTION_CHARS,
        "meta description length (characters)",
    );
    if !contains_ci(&title, kw) {
        a.fail(
            "keyword-title",
            META,
            &title,
            format!("the title lacks the primary keyword {kw:?}"),
        );
    }
    if !contains_ci(&description, kw) {
        a.fail(
            "keyword-description",
            META,
            &description,
            format!("the meta description lacks {kw:?}"),
        );
    }
    a.trace(META, &title);
    a.trace(META, &description);
    if let Some(m) = &meta {
        let og = m.get("og").cloned().unwrap_or_default();
        for k in [
            "og:title",
            "og:description",
            "og:image",
            "og:url",
            "og:type",
        ] {
            if og
                .get(k)
                .and_then(|v| v.as_str())
                .is_none_or(|s| s.is_empty())
            {
                a.fail(
                    "open-graph",
                    META,
                    k,
                    format!("Open Graph property {k} is missing"),
                );
            }
        }
        let img = og.get("og:image").and_then(|v| v.as_str()).unwrap_or("");
        if !img.ends_with(".png") {
            a.fail("open-graph", META, img, "og:image must be a PNG");
        }
        let w = og.get("og:image:width").and_then(|v| v.as_u64());
        let h = og.get("og:image:height").and_then(|v| v.as_u64());
        if (w, h) != (Some(OG_SIZE.0), Some(OG_SIZE.1)) {
            a.fail(
                "open-graph",
                META,
                format!("{w:?}×{h:?}"),
                "og:image must be 1200×630",
            );
        }
        a.report.data_date = m
            .pointer("/freshness/data_date")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        a.report.interpreters = m
            .pointer("/freshness/interpreters")
            .and_then(|v| v.as_array())
            .map(|xs| {
                xs.iter()
                    .map(|x| {
                        format!(
                            "{} {} (Python {})",
                            get(x, "id"),
                            get(x, "version"),
                            get(x, "python")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
    }

    // --- headings ----------------------------------------------------------------------------
    let h1: Vec<_> = doc.headings.iter().filter(|h| h.level == 1).collect();
    if h1.len() != 1 {
        a.fail(
            "one-h1",
            ARTICLE,
            h1.iter()
                .map(|h| h.text.as_str())
                .collect::<Vec<_>>()
                .join(" | "),
            format!("{} H1 headings; the article needs exactly one", h1.len()),
        );
    }
    let mut prev = 0u8;
    for h in &doc.headings {
        if (prev == 0 && h.level != 1) || h.level > prev + 1 && prev != 0 {
            a.fail(
                "heading-levels",
                ARTICLE,
                &h.text,
                format!("H{} follows H{}: a level is skipped", h.level, prev),
            );
        }
        prev = h.level;
    }
    if !doc
        .headings
        .iter()
        .any(|h| h.level == 2 && contains_ci(&h.text, kw))
    {
        a.fail("keyword-h2", ARTICLE, "", format!("no H2 contains {kw:?}"));
    }

    // --- body, introduction, conclusion -----------------------------------------------------
    let h2_ids: Vec<&str> = doc
        .headings
        .iter()
        .filter(|h| h.level == 2)
        .map(|h| h.id.as_str())
        .collect();
    let conclusion_at = h2_ids.iter().position(|id| *id == "conclusion");
    if conclusion_at.is_none() {
        a.fail(
            "required-sections",
            ARTICLE,
            "## Conclusion",
            "no Conclusion section (H2 id `conclusion`)",
        );
    }
    let body_sections: BTreeSet<&str> = match conclusion_at {
        Some(i) => h2_ids[..=i].iter().copied().collect(),
        None => h2_ids.iter().copied().collect(),
    };
    let is_body = |b: &crate::markdown::Block| {
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
    let body: Vec<&crate::markdown::Block> = doc.blocks.iter().filter(|b| is_body(b)).collect();
    let body_prose: String = body
        .iter()
        .map(|b| b.prose.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    a.report.body_words = word_count(&body_prose);
    let intro: String = body
        .iter()
        .filter(|b| b.section.is_none())
        .map(|b| b.prose.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    a.report.intro_words = word_count(&intro);
    let conclusion: String = body
        .iter()
        .filter(|b| {
            b.section.as_deref() == Some("conclusion") && !matches!(b.kind, BlockKind::Heading(_))
        })
        .map(|b| b.prose.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    a.report.conclusion_words = word_count(&conclusion);
    let first_words = |s: &str| s.split_whitespace().take(40).collect::<Vec<_>>().join(" ");
    a.range(
        "body-words",
        ARTICLE,
        &first_words(&body_prose),
        a.report.body_words,
        BODY_WORDS,
        "body word count",
    );
    a.range(
        "intro-words",
        ARTICLE,
        &first_words(&intro),
        a.report.intro_words,
        INTRO_WORDS,
        "introduction word count",
    );
    a.range(
        "conclusion-words",
        ARTICLE,
        &first_words(&conclusion),
        a.report.conclusion_words,
        CONCLUSION_WORDS,
        "conclusion word count",
    );
    let first100: String = intro
        .split_whitespace()
        .take(100)
        .collect::<Vec<_>>()
        .join(" ");
    if !contains_ci(&first100, kw) {
        a.fail(
            "keyword-first-100-words",
            ARTICLE,
            &first100,
            format!("{kw:?} is not in the first 100 words"),
        );
    }
    a.report.readability = flesch(&body_prose);

    // --- required blocks ---------------------------------------------------------------------
    let data_table = doc.tables.iter().any(|t| {
        t.rows.len() == 4
            && t.rows[0].iter().any(|c| contains_ci(c, "startup"))
            && t.rows[0].iter().any(|c| contains_ci(c, "memory"))
            && t.rows[0].iter().any(|c| contains_ci(c, "throughput"))
    });
    if !data_table {
        a.fail(
            "data-table",
            ARTICLE,
            "",
            "no 3-line table with startup, memory and throughput columns",
        );
    }
    let matrix = doc.tables.iter().any(|t| {
        t.rows.len() == 4
            && t.rows.iter().all(|r| r.len() == 4)
            && ["CPython", "PyPy", "MicroPython"]
                .iter()
                .all(|n| t.rows[0].iter().any(|c| c.contains(n)))
    });
    if !matrix {
        a.fail(
            "decision-matrix",
            ARTICLE,
            "",
            "no 3×3 decision matrix (app class × CPython, PyPy, MicroPython)",
        );
    }
    let list_in = |section: &str, n: usize| {
        doc.lists.iter().any(|l| {
            l.ordered && l.items == n && l.section.as_deref().is_some_and(|s| s.contains(section))
        })
    };
    if !list_in("checklist", CHECKLIST_STEPS) {
        a.fail(
            "checklist",
            ARTICLE,
            "",
            "no 6-step ordered list in a section whose id contains `checklist`",
        );
    }
    if !list_in("profil", PROFILING_STEPS) {
        a.fail(
            "profiling-steps",
            ARTICLE,
            "",
            "no 5-step ordered list in the profiling section",
        );
    }
    let pillar_in = |section: Option<&str>| {
        doc.links.iter().any(|l| {
            l.url == site.pillar.url && (section.is_none() || l.section.as_deref() == section)
        })
    };
    if !pillar_in(None) || !pillar_in(Some("conclusion")) {
        a.fail(
            "pillar-link",
            ARTICLE,
            &site.pillar.url,
            "the pillar article must be linked in the body and in the conclusion",
        );
    }
    for s in &input.constants.source {
        if !doc.links.iter().any(|l| l.url == s.url) {
            a.fail(
                "sources-cited",
                ARTICLE,
                &s.url,
                format!("source {:?} is not linked", s.id),
            );
        }
    }
    if !input.files.article.contains(&site.author.name) {
        a.fail(
            "author",
            ARTICLE,
            &site.author.name,
            "the author is not named",
        );
    }

    // --- FAQ in the article -------------------------------------------------------------------
    if !h2_ids.contains(&"faq") {
        a.fail("faq-count", ARTICLE, "## FAQ", "no H2 \"FAQ\"");
    }
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
    a.report.faq_pairs = pairs.len();
    if pairs.len() != FAQ_PAIRS {
        a.fail(
            "faq-count",
            ARTICLE,
            format!("{} questions", pairs.len()),
            "the FAQ needs exactly 10 pairs",
        );
    }
    for (q, ans) in &pairs {
        let n = sentence_count(ans);
        if !(ANSWER_SENTENCES.0..=ANSWER_SENTENCES.1).contains(&n) {
            a.fail(
                "faq-answer-sentences",
                ARTICLE,
                q,
                format!("the answer has {n} sentences, not 2–4"),
            );
        }
    }
    for q in REQUIRED_QUESTIONS {
        if !pairs.iter().any(|(x, _)| x == q) {
            a.fail(
                "faq-questions",
                ARTICLE,
                q,
                "a required question is missing",
            );
        }
    }

    // --- JSON-LD ------------------------------------------------------------------------------
    match serde_json::from_str::<serde_json::Value>(input.files.faq_jsonld) {
        Err(e) => a.fail(
            "json-ld",
            FAQ_JSONLD,
            input.files.faq_jsonld.lines().next().unwrap_or(""),
            format!("not JSON: {e}"),
        ),
        Ok(v) => {
            let items: Vec<serde_json::Value> = match (v.get("@graph"), v.as_array()) {
                (Some(serde_json::Value::Array(g)), _) => g.clone(),
                (_, Some(arr)) => arr.clone(),
                _ => vec![v.clone()],
            };
            let of_type = |t: &str| {
                items
                    .iter()
                    .find(|i| i.get("@type").and_then(|x| x.as_str()) == Some(t))
                    .cloned()
            };
            match of_type("Article") {
                None => a.fail("json-ld", FAQ_JSONLD, "", "no Article"),
                Some(art) => {
                    for k in ["headline", "description", "datePublished", "dateModified"] {
                        let s = art.get(k).and_then(|x| x.as_str()).unwrap_or("");
                        if s.is_empty() {
                            a.fail("json-ld", FAQ_JSONLD, k, format!("Article.{k} is missing"));
                        } else if k.starts_with("date") && !is_iso_date(s.get(..10).unwrap_or(s)) {
                            a.fail(
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
                        a.fail(
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
                        a.fail("json-ld", FAQ_JSONLD, "image", "Article.image is missing");
                    }
                }
            }
            match of_type("FAQPage") {
                None => a.fail("json-ld", FAQ_JSONLD, "", "no FAQPage"),
                Some(faq) => {
                    let qs = faq
                        .get("mainEntity")
                        .and_then(|m| m.as_array())
                        .cloned()
                        .unwrap_or_default();
                    if qs.len() != FAQ_PAIRS {
                        a.fail(
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
                            && q.pointer("/acceptedAnswer/@type").and_then(|x| x.as_str())
                                == Some("Answer")
                            && q.pointer("/acceptedAnswer/text")
                                .and_then(|x| x.as_str())
                                .is_some_and(|s| !s.is_empty());
                        if !ok {
                            a.fail(
                                "json-ld",
                                FAQ_JSONLD,
                                name,
                                format!("mainEntity[{i}] is not a Question with an acceptedAnswer"),
                            );
                        }
                        if pairs.get(i).is_some_and(|(aq, _)| aq != name) {
                            a.fail(
                                "json-ld",
                                FAQ_JSONLD,
                                name,
                                "the JSON-LD question differs from the article's FAQ",
                            );
                        }
                    }
                }
            }
        }
    }

    // --- images in the article and the plan ---------------------------------------------------
    for im in &doc.images {
        if im.alt.trim().is_empty() {
            a.fail("alt-text", ARTICLE, &im.url, "an image has no alt text");
        } else if !contains_ci(&im.alt, kw) {
            a.fail(
                "alt-text",
                ARTICLE,
                &im.alt,
                format!("the alt text lacks {kw:?}"),
            );
        }
    }
    let plan = parse_image_plan(input.files.images);
    if plan.images.len() != IMAGES_PLANNED {
        a.fail(
            "image-plan",
            IMAGES,
            format!("{} images", plan.images.len()),
            "the plan needs six images",
        );
    }
    let captions = plan
        .images
        .iter()
        .filter(|i| i.field("Caption").is_some())
        .count();
    if captions != CAPTIONS {
        a.fail(
            "image-plan",
            IMAGES,
            format!("{captions} captions"),
            "exactly two images get captions",
        );
    }
    if plan.accessibility.trim().is_empty() {
        a.fail(
            "image-plan",
            IMAGES,
            "## Accessibility notes",
            "the accessibility notes are missing",
        );
    }
    let mut generated: BTreeSet<String> = BTreeSet::new();
    for im in &plan.images {
        for f in [
            "Description",
            "Placement",
            "Alt text",
            "Type",
            "Source",
            "File",
            "Dimensions",
        ] {
            if im.field(f).is_none_or(|v| v.trim().is_empty()) {
                a.fail("image-plan", IMAGES, &im.title, format!("{f} is missing"));
            }
        }
        let alt = im.field("Alt text").unwrap_or("");
        if !contains_ci(alt, kw) {
            a.fail(
                "alt-text",
                IMAGES,
                alt,
                format!("the alt text of {:?} lacks {kw:?}", im.title),
            );
        }
        let file = im.field("File").unwrap_or("").trim_matches('`').to_string();
        if im
            .field("Source")
            .is_some_and(|s| s.trim() == GENERATED_CHART)
        {
            generated.insert(file.clone());
        }
        if file.ends_with("og.png")
            && im.field("Dimensions").map(|d| d.replace(' ', "")) != Some("1200×630".into())
        {
            a.fail(
                "image-plan",
                IMAGES,
                &file,
                "the Open Graph image must be 1200×630",
            );
        }
    }

    // --- links ---------------------------------------------------------------------------------
    let anchors = doc.anchors();
    let targets = doc
        .links
        .iter()
        .map(|l| (l.url.clone(), l.text.clone()))
        .chain(doc.images.iter().map(|i| (i.url.clone(), i.alt.clone())));
    for (url, text) in targets {
        if let Some(frag) = url.strip_prefix('#') {
            if !anchors.contains(frag) {
                a.fail(
                    "internal-links",
                    ARTICLE,
                    &url,
                    format!("no heading or footnote has the id {frag:?} ({text})"),
                );
            }
        } else if !url.contains("://") && !url.starts_with("mailto:") {
            let path = url.split('#').next().unwrap_or("");
            if !(input.exists)(path) {
                if generated.contains(path) {
                    a.report.notes.push(format!(
                        "{path}: a generated chart the site step draws, not there yet"
                    ));
                } else {
                    a.fail("internal-links", ARTICLE, &url, "the file does not exist");
                }
            }
        }
    }
    for r in &doc.footnote_refs {
        if !doc.footnote_defs.contains(r) {
            a.fail(
                "internal-links",
                ARTICLE,
                format!("[^{r}]"),
                "the footnote has no definition",
            );
        }
    }
    for b in &doc.blocks {
        if let Some(pos) = b.text.find("[^") {
            a.fail(
                "internal-links",
                ARTICLE,
                &b.text[pos..],
                "a footnote reference has no definition",
            );
        }
    }

    // --- numbers ------------------------------------------------------------------------------
    for b in doc
        .blocks
        .iter()
        .filter(|b| !matches!(b.kind, BlockKind::CodeBlock | BlockKind::Html))
    {
        a.trace(ARTICLE, &b.prose);
    }
    for im in &doc.images {
        a.trace(ARTICLE, &im.alt);
    }

    // --- social --------------------------------------------------------------------------------
    let social = parse_social(input.files.social);
    if social.x.len() != X_POSTS {
        a.fail(
            "social-x",
            SOCIAL,
            format!("{} posts", social.x.len()),
            "the X thread needs an opener and 3 follow-ups",
        );
    }
    for p in &social.x {
        let n = p.chars().count();
        if n > X_CHARS {
            a.fail(
                "social-x",
                SOCIAL,
                p,
                format!("{n} characters, more than 280"),
            );
        }
    }
    a.range(
        "social-linkedin",
        SOCIAL,
        &social.linkedin,
        word_count(&social.linkedin),
        LINKEDIN_WORDS,
        "LinkedIn word count",
    );
    a.range(
        "social-pinterest",
        SOCIAL,
        &social.pinterest,
        word_count(&social.pinterest),
        PINTEREST_WORDS,
        "Pinterest word count",
    );
    let all_posts: Vec<&String> = social
        .x
        .iter()
        .chain([&social.linkedin, &social.pinterest])
        .collect();
    if !all_posts.iter().any(|p| p.contains(&site.article_title)) {
        a.fail(
            "social-title",
            SOCIAL,
            &site.article_title,
            "no post quotes the article title verbatim",
        );
    }
    for p in all_posts {
        a.trace(SOCIAL, p);
    }

    // --- reported only: secondary keywords ------------------------------------------------------
    let headings: String = doc
        .headings
        .iter()
        .map(|h| h.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let faq_text: String = pairs
        .iter()
        .map(|(q, a)| format!("{q} {a}"))
        .collect::<Vec<_>>()
        .join("\n");
    a.report.keywords = site
        .secondary_keywords
        .iter()
        .map(|k| {
            let mut places = Vec::new();
            for (place, text) in [
                ("title", title.as_str()),
                ("description", description.as_str()),
                ("heading", headings.as_str()),
                ("body", body_prose.as_str()),
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
        .collect();
    a.report
}

/// One image of `images.md`: its H2 title and its `- **Field:** value` lines.
#[derive(Clone, Debug, Default)]
pub struct PlannedImage {
    pub title: String,
    pub fields: Vec<(String, String)>,
}

impl PlannedImage {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug, Default)]
pub struct ImagePlanDoc {
    pub images: Vec<PlannedImage>,
    pub accessibility: String,
}

/// Read `images.md`: each H2 is an image, except "Accessibility notes".
pub fn parse_image_plan(md: &str) -> ImagePlanDoc {
    let mut out = ImagePlanDoc::default();
    let mut in_access = false;
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            in_access = h.trim().eq_ignore_ascii_case("Accessibility notes");
            if !in_access {
                out.images.push(PlannedImage {
                    title: h.trim().to_string(),
                    fields: Vec::new(),
                });
            }
        } else if in_access {
            out.accessibility.push_str(line);
            out.accessibility.push('\n');
        } else if let Some(item) = line.strip_prefix("- **") {
            if let (Some(im), Some((k, v))) = (out.images.last_mut(), item.split_once(":**")) {
                im.fields.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    out
}

#[derive(Clone, Debug, Default)]
pub struct SocialDoc {
    pub x: Vec<String>,
    pub linkedin: String,
    pub pinterest: String,
}

/// Read `social.md`: H2 `X thread` (each H3 a post), `LinkedIn`, `Pinterest`.
pub fn parse_social(md: &str) -> SocialDoc {
    let mut out = SocialDoc::default();
    let mut section = String::new();
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_lowercase();
            continue;
        }
        if line.starts_with("### ") {
            if section == "x thread" {
                out.x.push(String::new());
            }
            continue;
        }
        if line.starts_with("# ") || line.trim().is_empty() {
            continue;
        }
        let target = match section.as_str() {
            "x thread" => out.x.last_mut(),
            "linkedin" => Some(&mut out.linkedin),
            "pinterest" => Some(&mut out.pinterest),
            _ => None,
        };
        if let Some(t) = target {
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str(line.trim_end());
        }
    }
    out
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

    #[test]
    fn social_and_plan_parse() {
        let s = parse_social("# S\n\n## X thread\n\n### Opener\n\nOne.\n\n### Follow-up\n\nTwo.\n\n## LinkedIn\n\nL.\n\n## Pinterest\n\nP.\n");
        assert_eq!(s.x, ["One.", "Two."]);
        assert_eq!(s.linkedin, "L.");
        let p = parse_image_plan("# P\n\n## A\n\n- **File:** `a.svg`\n- **Caption:** c\n\n## Accessibility notes\n\nNotes.\n");
        assert_eq!(p.images.len(), 1);
        assert_eq!(p.images[0].field("File"), Some("`a.svg`"));
        assert!(p.accessibility.contains("Notes."));
    }
}
