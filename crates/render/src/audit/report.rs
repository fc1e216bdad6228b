//! `dist/audit.md`: the editorial audit as a file.
//!
//! Sections: the rules' result; keyword placement; E-E-A-T gaps; readability; heading
//! hierarchy; freshness; and up to five prioritised suggestions. Every suggestion is derived from
//! a finding or a figure of the [`Report`] and names it; none is canned advice. Priority: broken
//! rules (in the order of [`RULES`]), then E-E-A-T gaps, then secondary keywords that stand
//! in the body only, then readability below 50, then stale data. When fewer than five follow
//! from the data, fewer are listed.

use std::fmt::Write;

use super::{Report, RULES};
use crate::content::{Constants, SiteConfig};

/// Data older than this many days is called stale.
pub const STALE_DAYS: i64 = 90;
/// A Flesch reading ease below this is "difficult" or worse.
pub const READABLE_FLESCH: f64 = 50.0;
/// How many suggestions the report gives at most.
pub const SUGGESTIONS: usize = 5;

/// What the report needs besides the audit's [`Report`].
pub struct Context<'a> {
    pub site: &'a SiteConfig,
    pub constants: &'a Constants,
    /// Today, `YYYY-MM-DD` (the caller reads the clock).
    pub today: &'a str,
    /// Days from the data date to today, when the data date parses.
    pub age_days: Option<i64>,
}

/// What an E-E-A-T reader would miss, from the configuration and the sources.
pub fn eeat_gaps(site: &SiteConfig, constants: &Constants) -> Vec<String> {
    let mut gaps = Vec::new();
    if site.author.url.is_none() {
        gaps.push(format!(
            "The author ({}) has no url: set `[author] url` in content/site.toml to a page that says who they are.",
            site.author.name
        ));
    }
    if site.repository.url.is_none() {
        gaps.push("No repository address: readers cannot clone the benchmark or run a footnote's command. Set `[repository] url` (on GitHub Actions it comes from GITHUB_REPOSITORY).".to_string());
    }
    if site.site_url.is_none() {
        gaps.push("No site address (`site_url`): a local build, with no canonical URL, og:url or absolute JSON-LD ids.".to_string());
    }
    if site.pillar.url.is_none() {
        gaps.push(format!(
            "The pillar article \"{}\" has no url: it is named but not linked.",
            site.pillar.title
        ));
    }
    let undated: Vec<&str> = constants
        .source
        .iter()
        .filter(|s| s.year.is_none())
        .map(|s| s.id.as_str())
        .collect();
    if !undated.is_empty() {
        gaps.push(format!(
            "{} of {} sources carry no year: {}.",
            undated.len(),
            constants.source.len(),
            undated.join(", ")
        ));
    }
    gaps
}

/// Flesch reading ease, in words.
pub fn ease(score: f64) -> &'static str {
    match score {
        s if s >= 70.0 => "easy",
        s if s >= 60.0 => "plain English",
        s if s >= 50.0 => "fairly difficult",
        s if s >= 30.0 => "difficult",
        _ => "very difficult",
    }
}

/// The prioritised suggestions (see the module docs), at most [`SUGGESTIONS`].
pub fn suggestions(r: &Report, cx: &Context) -> Vec<String> {
    let mut out = Vec::new();
    for rule in RULES {
        let found: Vec<_> = r.findings.iter().filter(|f| f.rule == rule.id).collect();
        let Some(first) = found.first() else { continue };
        out.push(format!(
            "Fix `{}` ({} finding{}): {} — in {}: \"{}\".",
            rule.id,
            found.len(),
            if found.len() == 1 { "" } else { "s" },
            first.message,
            first.file,
            first.text
        ));
    }
    for gap in eeat_gaps(cx.site, cx.constants) {
        out.push(format!("E-E-A-T: {gap}"));
    }
    for k in &r.keywords {
        if k.places.is_empty() {
            out.push(format!(
                "Place the secondary keyword \"{}\": it is nowhere in the title, description, headings, body or FAQ.",
                k.keyword
            ));
        } else if k.places == ["body"] {
            out.push(format!(
                "Give \"{}\" a heading or an FAQ answer: today it stands in the body only.",
                k.keyword
            ));
        }
    }
    if r.readability < READABLE_FLESCH {
        out.push(format!(
            "Shorten sentences: the body's Flesch reading ease is {:.1} ({}), {:.1} words per sentence.",
            r.readability,
            ease(r.readability),
            r.words_per_sentence
        ));
    }
    if let Some(age) = cx.age_days.filter(|a| *a > STALE_DAYS) {
        out.push(format!(
            "Refresh the data: it is {age} days old (from {}), more than {STALE_DAYS}.",
            r.data_date
        ));
    }
    out.truncate(SUGGESTIONS);
    out
}

/// `dist/audit.md`.
pub fn audit_markdown(r: &Report, cx: &Context) -> String {
    let mut md = String::new();
    let w = &mut md;
    let failed = r.failed_rules();
    let _ = writeln!(w, "# Editorial audit\n");
    let _ = writeln!(
        w,
        "Written by `cargo xtask check` on {}. {} of {} rules passed{}.\n",
        cx.today,
        RULES.len() - failed.len(),
        RULES.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!("; broken: {}", failed.join(", "))
        }
    );

    let _ = writeln!(w, "## Suggestions, most important first\n");
    let s = suggestions(r, cx);
    if s.is_empty() {
        let _ = writeln!(w, "No rule is broken and no gap was found.\n");
    } else {
        if s.len() < SUGGESTIONS {
            let _ = writeln!(
                w,
                "Only {} follow from the findings and the data.\n",
                s.len()
            );
        }
        for (i, line) in s.iter().enumerate() {
            let _ = writeln!(w, "{}. {line}", i + 1);
        }
        let _ = writeln!(w);
    }

    let _ = writeln!(w, "## Keyword placement\n");
    let _ = writeln!(
        w,
        "Primary keyword \"{}\": {}.\n",
        cx.site.primary_keyword,
        primary_places(r)
    );
    let _ = writeln!(w, "| Secondary keyword | Where |\n|---|---|");
    for k in &r.keywords {
        let places = if k.places.is_empty() {
            "nowhere".to_string()
        } else {
            k.places.join(", ")
        };
        let _ = writeln!(w, "| {} | {places} |", k.keyword);
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## E-E-A-T gaps\n");
    let gaps = eeat_gaps(cx.site, cx.constants);
    if gaps.is_empty() {
        let _ = writeln!(w, "None found.\n");
    } else {
        for g in gaps {
            let _ = writeln!(w, "- {g}");
        }
        let _ = writeln!(w);
    }

    let _ = writeln!(w, "## Readability\n");
    let _ = writeln!(
        w,
        "Flesch reading ease of the body's prose: {:.1} ({}), {:.1} words per sentence. \
         Body {} words by the standard count (target {}–{}); introduction {}, conclusion {}.\n",
        r.readability,
        ease(r.readability),
        r.words_per_sentence,
        r.body_words,
        super::BODY_WORDS.0,
        super::BODY_WORDS.1,
        r.intro_words,
        r.conclusion_words
    );

    let _ = writeln!(w, "## Heading hierarchy\n");
    for (level, text) in &r.headings {
        let indent = "  ".repeat(usize::from(level.saturating_sub(1)));
        let _ = writeln!(w, "{indent}- H{level} {text}");
    }
    let skipped = r
        .findings
        .iter()
        .filter(|f| f.rule == "heading-levels" || f.rule == "one-h1")
        .count();
    let _ = writeln!(
        w,
        "\n{}\n",
        if skipped == 0 {
            "One H1, and no level is skipped.".to_string()
        } else {
            format!("{skipped} heading findings (see the suggestions).")
        }
    );

    let _ = writeln!(w, "## Freshness\n");
    let _ = writeln!(
        w,
        "Data from {}{}.\n",
        r.data_date,
        cx.age_days
            .map(|d| format!(", {d} days before {}", cx.today))
            .unwrap_or_default()
    );
    for i in &r.interpreters {
        let _ = writeln!(w, "- {i}");
    }
    md.trim_end().to_string() + "\n"
}

/// Where the primary keyword is, from the rules that require it.
fn primary_places(r: &Report) -> String {
    let places = [
        ("keyword-title", "the title"),
        ("keyword-description", "the meta description"),
        ("keyword-first-100-words", "the first 100 words"),
        ("keyword-h2", "an H2"),
    ];
    let (ok, missing): (Vec<_>, Vec<_>) = places
        .iter()
        .partition(|(id, _)| !r.findings.iter().any(|f| f.rule == *id));
    let ok: Vec<&str> = ok.iter().map(|(_, p)| *p).collect();
    let missing: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
    let mut s = format!(
        "in {}",
        if ok.is_empty() {
            "none of its places".to_string()
        } else {
            ok.join(", ")
        }
    );
    if !missing.is_empty() {
        s.push_str(&format!("; missing from {}", missing.join(", ")));
    }
    s
}
