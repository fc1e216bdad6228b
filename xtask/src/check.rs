//! `cargo xtask check`: the SEO audit as code, on the files in `dist/`; it writes the editorial
//! report `dist/audit.md` (`whichpy_render::audit::report`).
//!
//! Every rule of ARTICLE.md's "Checks" lives in `whichpy_render::audit` (pure, tested rule by
//! rule); this command reads `dist/`, rebuilds from the summary the set of numbers the article
//! may show, runs the audit and prints the report. Each failure names the rule, the file and the
//! offending text. The report also gives the readability score, where the secondary keywords
//! are, and freshness (the data date and the interpreter versions).
//!
//! Definitions (body, word, sentence, number) are documented in `whichpy_render::audit`; the
//! standard word count (the rendered body before the FAQ, tables, captions and code included,
//! split on whitespace) is printed by `check --help` from `audit::words::WORD_RULE`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use whichpy_render::audit::{self, Files, Input, Report};
use whichpy_render::outputs::{ARTICLE, FAQ_JSONLD, IMAGES, META, SOCIAL};
use xshell::Shell;

use crate::project::{self, SUMMARY};
use crate::render::{CONTENT, DIST};

/// Audit dist/ against the article rules (lengths, keywords, headings, FAQ, alt text, JSON-LD, links, numbers)
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = rules_help())]
pub struct Check {
    /// Summary the output was rendered from
    #[arg(long, default_value = SUMMARY)]
    pub summary: PathBuf,
    /// Folder of templates and editorial data
    #[arg(long, default_value = CONTENT)]
    pub content: PathBuf,
    /// Folder of rendered files
    #[arg(long, default_value = DIST)]
    pub dist: PathBuf,
}

/// The text after `check --help`: what a failure says, then every rule of the audit's table.
fn rules_help() -> String {
    let mut out = String::from(
        "Fails when any rule is broken; each failure names the rule, the file and the offending text.\n\
         Numbers are traced to the summary (the same one `render` used) or to content/constants.toml.\n\n\
         Rules (id, group: what it checks):\n",
    );
    let words = format!(
        "\nWord count (body-words, intro-words, conclusion-words): {}\n",
        audit::words::WORD_RULE
    );
    for r in audit::RULES {
        let bounds = r.bounds.to_string();
        out.push_str(&format!("  {:<26} {}: {}", r.id, r.group, r.checks));
        if !bounds.is_empty() {
            out.push_str(&format!(" ({bounds})"));
        }
        out.push('\n');
    }
    out.push_str(&words);
    out
}

/// The editorial report `check` and `publish` write beside the article.
pub const AUDIT_MD: &str = "audit.md";

/// Audit the files in `dist`, and write the report to `dist/audit.md`.
pub fn check_dist(summary: &Path, content: &Path, dist: &Path) -> anyhow::Result<Report> {
    // The site's pages are checked against the numbers of the site the summary makes, built
    // here in memory from the raw files beside it (`results/raw`: their sizes are on the
    // reproduce page), as `publish` builds it.
    let raw = summary
        .parent()
        .map(|d| d.join("raw"))
        .unwrap_or_else(|| PathBuf::from(crate::project::RAW_DIR));
    let inputs = crate::site::SiteInputs::read(summary, content, &raw)?;
    refuse_simulated(&inputs.summary, summary)?;
    let rendered = whichpy_render::render_all(&inputs.summary, &inputs.content)?;
    let site = inputs.build_from(&rendered)?;
    check_view(&rendered.view, &site.ledger, &inputs.content, dist)
}

/// A fake run's numbers are drawn from a model: nothing made from them may pass as published.
pub fn refuse_simulated(
    summary: &whichpy_wire::summary::Summary,
    path: &Path,
) -> anyhow::Result<()> {
    if let Some(run) = summary
        .environment
        .runs
        .iter()
        .find(|r| r.backend == whichpy_wire::BackendKind::Fake)
    {
        anyhow::bail!(
            "{} comes from the simulated run {} (`--backend fake`, a test instrument): its numbers \
             are not measurements and cannot be published. Measure with `cargo xtask bench` \
             (docker or native), then `cargo xtask publish`.",
            path.display(),
            run.run_id
        );
    }
    Ok(())
}

/// Audit the files in `dist` against the publication model `view` (built from the summary
/// they were rendered from, checked not to be a fake run: [`check_dist`], or `publish` with the
/// model it rendered from) and the numbers of the site's page contexts (`site_ledger`), and
/// write the report to `dist/audit.md`.
pub fn check_view(
    view: &whichpy_render::View,
    site_ledger: &whichpy_render::view::Ledger,
    content: &whichpy_render::Content,
    dist: &Path,
) -> anyhow::Result<Report> {
    let ledger = view.ledger();
    let footnote_workloads = audit::footnotes::footnote_workloads(view);
    let read = |name: &str| {
        let path = dist.join(name);
        std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}: run `cargo xtask render` first", path.display()))
    };
    let (article, faq, meta, social, images) = (
        read(ARTICLE)?,
        read(FAQ_JSONLD)?,
        read(META)?,
        read(SOCIAL)?,
        read(IMAGES)?,
    );
    let pages = pages(dist)?;
    // A relative link resolves next to the article, or in the site the site step writes.
    let exists = |p: &str| dist.join(p).exists() || dist.join("site").join(p).exists();
    let report = audit::audit(&Input {
        files: Files {
            article: &article,
            faq_jsonld: &faq,
            meta_json: &meta,
            social: &social,
            images: &images,
        },
        site: &content.site,
        constants: &content.constants,
        ledger: &ledger,
        exists: &exists,
        footnote_workloads: &footnote_workloads,
        pages: &pages,
        site_ledger,
        methods: &view.data.methods,
    });
    let now = jiff::Timestamp::now();
    let today = now.strftime("%Y-%m-%d").to_string();
    let age_days = report
        .data_date
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|ts| (now.as_second() - ts.as_second()) / 86_400);
    let md = audit::report::audit_markdown(
        &report,
        &audit::report::Context {
            site: &content.site,
            constants: &content.constants,
            today: &today,
            age_days,
        },
    );
    let path = dist.join(AUDIT_MD);
    std::fs::write(&path, md).with_context(|| format!("writing {}", path.display()))?;
    Ok(report)
}

/// The files only the address rule reads: the page head and every HTML page of the site,
/// as (path relative to `dist`, text), in path order.
fn pages(dist: &Path) -> anyhow::Result<Vec<(String, String)>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if p.is_dir() {
                walk(&p, out)?;
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    let head = dist.join(whichpy_render::outputs::HEAD);
    if head.is_file() {
        paths.push(head);
    }
    let site = dist.join("site");
    if site.is_dir() {
        walk(&site, &mut paths).with_context(|| format!("reading {}", site.display()))?;
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            let rel = p.strip_prefix(dist).unwrap_or(&p).display().to_string();
            Ok((rel, text))
        })
        .collect()
}

/// The report as text (stdout): figures first, then every failure.
pub fn format_report(r: &Report) -> String {
    let (t, d, b, i, c) = (
        audit::TITLE_CHARS,
        audit::DESCRIPTION_CHARS,
        audit::BODY_WORDS,
        audit::INTRO_WORDS,
        audit::CONCLUSION_WORDS,
    );
    let mut out = String::new();
    out.push_str(&format!(
        "title             {} characters ({}–{})\n",
        r.title_chars, t.0, t.1
    ));
    out.push_str(&format!(
        "meta description  {} characters ({}–{})\n",
        r.description_chars, d.0, d.1
    ));
    out.push_str(&format!(
        "body              {} words ({}–{}); introduction {} ({}–{}), conclusion {} ({}–{})\n",
        r.body_words, b.0, b.1, r.intro_words, i.0, i.1, r.conclusion_words, c.0, c.1
    ));
    out.push_str(&format!("FAQ               {} pairs\n", r.faq_pairs));
    out.push_str(&format!(
        "readability       Flesch reading ease {:.1} ({})\n",
        r.readability,
        whichpy_render::audit::report::ease(r.readability)
    ));
    out.push_str("secondary keywords\n");
    for k in &r.keywords {
        let places = if k.places.is_empty() {
            "not placed".to_string()
        } else {
            k.places.join(", ")
        };
        out.push_str(&format!("  {:<40} {}\n", k.keyword, places));
    }
    let age = r
        .data_date
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|ts| (jiff::Timestamp::now().as_second() - ts.as_second()) / 86_400);
    out.push_str(&format!(
        "freshness         data from {}{}\n",
        r.data_date,
        age.map(|d| format!(" ({d} days old)")).unwrap_or_default()
    ));
    for i in &r.interpreters {
        out.push_str(&format!("  {i}\n"));
    }
    for n in &r.notes {
        out.push_str(&format!("pending           {n}\n"));
    }
    for f in &r.findings {
        out.push_str(&format!("FAIL {f}\n"));
    }
    if r.passed() {
        out.push_str("every rule passed\n");
    }
    out
}

impl Check {
    pub fn run(self, _sh: &Shell) -> anyhow::Result<()> {
        let root = project::root();
        let report = check_dist(
            &root.join(&self.summary),
            &root.join(&self.content),
            &root.join(&self.dist),
        )?;
        print!("{}", format_report(&report));
        crate::output::outcome(format!("wrote {}", self.dist.join(AUDIT_MD).display()));
        let failed = report.failed_rules();
        anyhow::ensure!(
            failed.is_empty(),
            "{} broken rule{}: {}",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            failed.join(", ")
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn help_lists_every_rule_of_the_table() {
        let help = super::rules_help();
        for r in whichpy_render::audit::RULES {
            assert!(help.contains(r.id), "{} is not in `check --help`", r.id);
        }
    }
}
