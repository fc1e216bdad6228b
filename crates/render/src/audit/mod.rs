//! The SEO audit as code: every rule of ARTICLE.md's "Checks", run on the rendered files.
//!
//! Pure: the caller reads `dist/` and says which relative paths exist. Each failure names the
//! rule, the file and the offending text. The report also carries what is only reported: a
//! readability score, where the secondary keywords are, and freshness.
//!
//! The rules are listed once, in [`RULES`]: id, group, what each checks, its bounds and the
//! function that checks it. One file per group holds the functions. [`audit`] parses the files
//! once ([`Ctx`]) and runs every rule of the table in order.
//!
//! # Definitions
//! - **Word**: see [`words`].
//! - **Sentence**: a run of prose ending in `.`, `?` or `!` followed by a space or the end.
//! - **Number**: see [`crate::format::number_tokens`]. Numbers are checked everywhere in the
//!   article's text (headings, paragraphs, lists, tables, footnotes, alt text) except code, and
//!   in the title, the meta description and the social posts. Each must be a number the view
//!   model made from the summary ([`Ledger`]), a constant's value or a source's year in
//!   `content/constants.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::content::{Constants, SiteConfig};
use crate::markdown::Doc;
use crate::view::Ledger;

pub mod addresses;
pub mod faq;
pub mod footnotes;
pub mod images;
pub mod keywords;
pub mod links;
pub mod meta;
pub mod numbers;
pub mod report;
pub mod social;
pub mod structure;
pub mod words;

pub use images::{parse_image_plan, ImagePlanDoc, PlannedImage};
pub use social::{parse_social, SocialDoc};
pub use words::{flesch, sentence_count, word_count};

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
    /// The workload of each footnote label the view wrote (`bench-nbody` → `nbody`).
    pub footnote_workloads: &'a BTreeMap<String, String>,
    /// Other files of `dist/`: (path, text) of the page head and of the site's HTML pages. The
    /// address rule reads them whole; the numbers and method rules read their visible text.
    pub pages: &'a [(String, String)],
    /// The numbers the site's page contexts made from the summary (`whichpy_site::Site::ledger`):
    /// a page's number traces to it, to [`Input::ledger`] or to the constants.
    pub site_ledger: &'a Ledger,
    /// The summary's `analysis.methods` (what → method): the only methods a page may name.
    pub methods: &'a BTreeMap<String, String>,
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

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
    /// Mean words per sentence of the body's prose.
    pub words_per_sentence: f64,
    /// Every heading of the article: (level, text).
    pub headings: Vec<(u8, String)>,
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

/// What a rule's bounds are, for `check --help` and the report.
#[derive(Clone, Copy, Debug)]
pub enum Bounds {
    /// A pass/fail property.
    None,
    /// `lo`–`hi` of a unit.
    Range(usize, usize, &'static str),
    /// Exactly `n` of a unit.
    Exactly(usize, &'static str),
    /// At most `n` of a unit.
    AtMost(usize, &'static str),
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bounds::None => Ok(()),
            Bounds::Range(lo, hi, unit) => write!(f, "{lo}–{hi} {unit}"),
            Bounds::Exactly(n, unit) => write!(f, "exactly {n} {unit}"),
            Bounds::AtMost(n, unit) => write!(f, "at most {n} {unit}"),
        }
    }
}

/// One rule of the audit.
pub struct Rule {
    pub id: &'static str,
    /// The file of this module that holds it.
    pub group: &'static str,
    /// What it checks, in one line.
    pub checks: &'static str,
    pub bounds: Bounds,
    pub run: fn(&Ctx, &mut Out),
}

/// Every rule, in the order they run and report.
pub const RULES: &[Rule] = &[
    Rule {
        id: "no-placeholder",
        group: "numbers",
        checks: "no template syntax, TODO, TBD, lorem ipsum, NaN or n/a in any file; no null in the JSON",
        bounds: Bounds::None,
        run: numbers::no_placeholder,
    },
    Rule {
        id: "meta-parses",
        group: "meta",
        checks: "meta.json is JSON",
        bounds: Bounds::None,
        run: meta::meta_parses,
    },
    Rule {
        id: "title-length",
        group: "meta",
        checks: "the title's length in characters",
        bounds: Bounds::Range(TITLE_CHARS.0, TITLE_CHARS.1, "characters"),
        run: meta::title_length,
    },
    Rule {
        id: "description-length",
        group: "meta",
        checks: "the meta description's length in characters",
        bounds: Bounds::Range(DESCRIPTION_CHARS.0, DESCRIPTION_CHARS.1, "characters"),
        run: meta::description_length,
    },
    Rule {
        id: "keyword-title",
        group: "keywords",
        checks: "the primary keyword is in the title",
        bounds: Bounds::None,
        run: keywords::keyword_title,
    },
    Rule {
        id: "keyword-description",
        group: "keywords",
        checks: "the primary keyword is in the meta description",
        bounds: Bounds::None,
        run: keywords::keyword_description,
    },
    Rule {
        id: "open-graph",
        group: "meta",
        checks: "og:title, og:description, og:site_name, og:type and og:image (a PNG of 1200×630) are set; og:url exactly when site_url is",
        bounds: Bounds::None,
        run: meta::open_graph,
    },
    Rule {
        id: "one-h1",
        group: "structure",
        checks: "the article has exactly one H1",
        bounds: Bounds::Exactly(1, "H1"),
        run: structure::one_h1,
    },
    Rule {
        id: "heading-levels",
        group: "structure",
        checks: "no heading skips a level",
        bounds: Bounds::None,
        run: structure::heading_levels,
    },
    Rule {
        id: "keyword-h2",
        group: "keywords",
        checks: "an H2 holds the primary keyword",
        bounds: Bounds::None,
        run: keywords::keyword_h2,
    },
    Rule {
        id: "required-sections",
        group: "structure",
        checks: "the article has a Conclusion (H2 id `conclusion`)",
        bounds: Bounds::None,
        run: structure::required_sections,
    },
    Rule {
        id: "body-words",
        group: "words",
        checks: "the body's word count: the rendered text from the H1 to the FAQ (see below)",
        bounds: Bounds::Range(BODY_WORDS.0, BODY_WORDS.1, "words"),
        run: words::body_words,
    },
    Rule {
        id: "intro-words",
        group: "words",
        checks: "the introduction's word count (before the first H2)",
        bounds: Bounds::Range(INTRO_WORDS.0, INTRO_WORDS.1, "words"),
        run: words::intro_words,
    },
    Rule {
        id: "conclusion-words",
        group: "words",
        checks: "the conclusion's word count (below its heading)",
        bounds: Bounds::Range(CONCLUSION_WORDS.0, CONCLUSION_WORDS.1, "words"),
        run: words::conclusion_words,
    },
    Rule {
        id: "keyword-first-100-words",
        group: "keywords",
        checks: "the primary keyword is in the first 100 words",
        bounds: Bounds::None,
        run: keywords::keyword_first_100_words,
    },
    Rule {
        id: "data-table",
        group: "structure",
        checks: "a 3-line table with startup, memory and throughput columns",
        bounds: Bounds::None,
        run: structure::data_table,
    },
    Rule {
        id: "decision-matrix",
        group: "structure",
        checks: "a 3×3 decision matrix (app class × CPython, PyPy, MicroPython)",
        bounds: Bounds::None,
        run: structure::decision_matrix,
    },
    Rule {
        id: "checklist",
        group: "structure",
        checks: "an ordered list in a section whose id contains `checklist`",
        bounds: Bounds::Exactly(CHECKLIST_STEPS, "steps"),
        run: structure::checklist,
    },
    Rule {
        id: "profiling-steps",
        group: "structure",
        checks: "an ordered list in the profiling section",
        bounds: Bounds::Exactly(PROFILING_STEPS, "steps"),
        run: structure::profiling_steps,
    },
    Rule {
        id: "pillar-link",
        group: "links",
        checks: "the pillar article is linked in the body and in the conclusion",
        bounds: Bounds::None,
        run: links::pillar_link,
    },
    Rule {
        id: "sources-cited",
        group: "links",
        checks: "every source of content/constants.toml is linked",
        bounds: Bounds::None,
        run: links::sources_cited,
    },
    Rule {
        id: "author",
        group: "structure",
        checks: "the author is named",
        bounds: Bounds::None,
        run: structure::author,
    },
    Rule {
        id: "faq-count",
        group: "faq",
        checks: "an H2 \"FAQ\" with its question-and-answer pairs",
        bounds: Bounds::Exactly(FAQ_PAIRS, "pairs"),
        run: faq::faq_count,
    },
    Rule {
        id: "faq-answer-sentences",
        group: "faq",
        checks: "each FAQ answer's sentence count",
        bounds: Bounds::Range(ANSWER_SENTENCES.0, ANSWER_SENTENCES.1, "sentences"),
        run: faq::faq_answer_sentences,
    },
    Rule {
        id: "faq-questions",
        group: "faq",
        checks: "the FAQ asks the questions ARTICLE.md requires",
        bounds: Bounds::None,
        run: faq::faq_questions,
    },
    Rule {
        id: "json-ld",
        group: "faq",
        checks: "faq.jsonld holds an Article (headline, description, dates, author, image) and a FAQPage matching the article",
        bounds: Bounds::None,
        run: faq::json_ld,
    },
    Rule {
        id: "alt-text",
        group: "images",
        checks: "every image has alt text holding the primary keyword",
        bounds: Bounds::None,
        run: images::alt_text,
    },
    Rule {
        id: "image-plan",
        group: "images",
        checks: "images.md plans six images, two with captions, every field set, og image 1200×630, accessibility notes",
        bounds: Bounds::Exactly(IMAGES_PLANNED, "images"),
        run: images::image_plan,
    },
    Rule {
        id: "internal-links",
        group: "links",
        checks: "every `#` link names a heading or footnote, every relative link a file",
        bounds: Bounds::None,
        run: links::internal_links,
    },
    Rule {
        id: "footnote-defined",
        group: "footnotes",
        checks: "every footnote reference has a definition",
        bounds: Bounds::None,
        run: footnotes::footnote_defined,
    },
    Rule {
        id: "footnote-referenced",
        group: "footnotes",
        checks: "every footnote definition is referenced (no orphan)",
        bounds: Bounds::None,
        run: footnotes::footnote_referenced,
    },
    Rule {
        id: "footnote-figure",
        group: "footnotes",
        checks: "a workload's footnote stands in a sentence or table row naming that workload; suite-wide figures cite [^bench-suite]",
        bounds: Bounds::None,
        run: footnotes::footnote_figure,
    },
    Rule {
        id: "addresses-configured",
        group: "addresses",
        checks: "every absolute address is a source's (constants.toml) or under a configured site, author, pillar or repository url",
        bounds: Bounds::None,
        run: addresses::addresses_configured,
    },
    Rule {
        id: "numbers-traceable",
        group: "numbers",
        checks: "every number of the article, its meta and social copy and every site page comes from results/summary.json or content/constants.toml",
        bounds: Bounds::None,
        run: numbers::numbers_traceable,
    },
    Rule {
        id: "methods-recorded",
        group: "numbers",
        checks: "every statistical method the article or a site page names is one the summary's `analysis.methods` records",
        bounds: Bounds::None,
        run: numbers::methods_recorded,
    },
    Rule {
        id: "social-x",
        group: "social",
        checks: "an X thread of an opener and 3 follow-ups, each at most 280 characters",
        bounds: Bounds::Exactly(X_POSTS, "posts"),
        run: social::social_x,
    },
    Rule {
        id: "social-linkedin",
        group: "social",
        checks: "the LinkedIn post's word count",
        bounds: Bounds::Range(LINKEDIN_WORDS.0, LINKEDIN_WORDS.1, "words"),
        run: social::social_linkedin,
    },
    Rule {
        id: "social-pinterest",
        group: "social",
        checks: "the Pinterest description's word count",
        bounds: Bounds::Range(PINTEREST_WORDS.0, PINTEREST_WORDS.1, "words"),
        run: social::social_pinterest,
    },
    Rule {
        id: "social-title",
        group: "social",
        checks: "a post quotes the article title verbatim",
        bounds: Bounds::None,
        run: social::social_title,
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The files, parsed once for every rule.
pub struct Ctx<'a> {
    pub input: &'a Input<'a>,
    pub doc: Doc,
    /// `meta.json`, or why it does not parse.
    pub meta: Result<serde_json::Value, String>,
    pub title: String,
    pub description: String,
    pub texts: words::Texts,
    /// The ids of the H2 headings, in order.
    pub h2_ids: Vec<String>,
    /// The FAQ as the article shows it: (question, answer prose).
    pub pairs: Vec<(String, String)>,
    pub plan: ImagePlanDoc,
    pub social: SocialDoc,
}

impl<'a> Ctx<'a> {
    pub fn new(input: &'a Input<'a>) -> Ctx<'a> {
        let doc = Doc::parse(input.files.article);
        let meta: Result<serde_json::Value, String> =
            serde_json::from_str(input.files.meta_json).map_err(|e| e.to_string());
        let get = |k: &str| {
            meta.as_ref()
                .ok()
                .and_then(|m| m.get(k))
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_string()
        };
        let (title, description) = (get("title"), get("description"));
        let h2_ids = doc
            .headings
            .iter()
            .filter(|h| h.level == 2)
            .map(|h| h.id.clone())
            .collect();
        let texts = words::Texts::of(input.files.article, &doc);
        let pairs = faq::pairs(&doc);
        Ctx {
            input,
            title,
            description,
            texts,
            h2_ids,
            pairs,
            plan: parse_image_plan(input.files.images),
            social: parse_social(input.files.social),
            meta,
            doc,
        }
    }

    pub fn site(&self) -> &SiteConfig {
        self.input.site
    }

    /// The primary keyword.
    pub fn kw(&self) -> &str {
        &self.input.site.primary_keyword
    }
}

/// What the rules find.
#[derive(Default)]
pub struct Out {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

impl Out {
    pub fn fail(
        &mut self,
        rule: &'static str,
        file: &'static str,
        text: impl AsRef<str>,
        msg: impl Into<String>,
    ) {
        self.findings.push(Finding {
            rule,
            file,
            text: clip(text.as_ref()),
            message: msg.into(),
        });
    }

    /// Fail unless `lo <= n <= hi`.
    pub fn range(
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
}

pub(crate) fn contains_ci(hay: &str, needle: &str) -> bool {
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

/// Run every rule of [`RULES`].
pub fn audit(input: &Input) -> Report {
    let ctx = Ctx::new(input);
    let mut out = Out::default();
    for r in RULES {
        (r.run)(&ctx, &mut out);
    }
    let mut report = Report {
        findings: out.findings,
        notes: out.notes,
        title_chars: ctx.title.chars().count(),
        description_chars: ctx.description.chars().count(),
        body_words: word_count(&ctx.texts.body),
        intro_words: word_count(&ctx.texts.intro),
        conclusion_words: word_count(&ctx.texts.conclusion),
        faq_pairs: ctx.pairs.len(),
        readability: flesch(&ctx.texts.body_prose),
        keywords: keywords::placements(&ctx),
        words_per_sentence: words::words_per_sentence(&ctx.texts.body_prose),
        headings: ctx
            .doc
            .headings
            .iter()
            .map(|h| (h.level, h.text.clone()))
            .collect(),
        ..Report::default()
    };
    meta::freshness(&ctx, &mut report);
    report
}
