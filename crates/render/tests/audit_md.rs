//! `dist/audit.md` on the committed fixture, golden (review with `cargo insta review`): the
//! suggestions name the findings and figures they come from.

mod common;

use whichpy_render::audit::report::{audit_markdown, suggestions, Context, SUGGESTIONS};

#[test]
fn audit_md_of_the_fixture() {
    let r = common::render("pypy-faster.json");
    let report = common::audit_with(&r, |_, _| None);
    let content = common::content();
    let cx = Context {
        site: &content.site,
        constants: &content.constants,
        today: "2026-12-01",
        age_days: Some(8),
    };
    insta::assert_snapshot!("audit.md", audit_markdown(&report, &cx));
}

#[test]
fn suggestions_follow_the_findings_and_the_data() {
    let r = common::render("pypy-faster.json");
    let mut content = common::content();
    let report = common::audit_with(&r, |_, _| None);
    let cx = |content: &whichpy_render::Content, age| {
        suggestions(
            &report,
            &Context {
                site: &content.site,
                constants: &content.constants,
                today: "2026-12-01",
                age_days: Some(age),
            },
        )
    };
    let s = cx(&content, 8);
    assert_eq!(s.len(), SUGGESTIONS);
    // Broken rules come first, each named.
    for (i, rule) in report.failed_rules().iter().enumerate() {
        assert!(s[i].contains(&format!("`{rule}`")), "{}", s[i]);
    }
    assert!(s
        .iter()
        .any(|l| l.contains("The author (The whichpy maintainers) has no url")));
    // With every address configured and no broken rule, old data is what is left to say.
    content.site.site_url = Some("https://example.org/".into());
    content.site.author.url = Some("https://example.org/about/".into());
    content.site.pillar.url = Some("https://example.org/pillar/".into());
    content.site.repository.url = Some("https://example.org/repo/".into());
    content
        .constants
        .source
        .iter_mut()
        .for_each(|s| s.year = s.year.or(Some(2026)));
    let clean = whichpy_render::audit::Report {
        findings: Vec::new(),
        ..report.clone()
    };
    let s = suggestions(
        &clean,
        &Context {
            site: &content.site,
            constants: &content.constants,
            today: "2027-06-01",
            age_days: Some(190),
        },
    );
    assert!(s.iter().any(|l| l.contains("it is 190 days old")), "{s:#?}");
    assert!(
        s.iter()
            .all(|l| !l.starts_with("Fix") && !l.starts_with("E-E-A-T")),
        "{s:#?}"
    );
}
