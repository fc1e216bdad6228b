//! The article's shape: one H1, heading levels, required sections and blocks, the author.

use super::{contains_ci, Ctx, Out, CHECKLIST_STEPS, PROFILING_STEPS};
use crate::outputs::ARTICLE;

pub fn one_h1(c: &Ctx, out: &mut Out) {
    let h1: Vec<_> = c.doc.headings.iter().filter(|h| h.level == 1).collect();
    if h1.len() != 1 {
        out.fail(
            "one-h1",
            ARTICLE,
            h1.iter()
                .map(|h| h.text.as_str())
                .collect::<Vec<_>>()
                .join(" | "),
            format!("{} H1 headings; the article needs exactly one", h1.len()),
        );
    }
}

pub fn heading_levels(c: &Ctx, out: &mut Out) {
    let mut prev = 0u8;
    for h in &c.doc.headings {
        if (prev == 0 && h.level != 1) || h.level > prev + 1 && prev != 0 {
            out.fail(
                "heading-levels",
                ARTICLE,
                &h.text,
                format!("H{} follows H{}: a level is skipped", h.level, prev),
            );
        }
        prev = h.level;
    }
}

pub fn required_sections(c: &Ctx, out: &mut Out) {
    if !c.h2_ids.iter().any(|id| id == "conclusion") {
        out.fail(
            "required-sections",
            ARTICLE,
            "## Conclusion",
            "no Conclusion section (H2 id `conclusion`)",
        );
    }
}

pub fn data_table(c: &Ctx, out: &mut Out) {
    let ok = c.doc.tables.iter().any(|t| {
        t.rows.len() == 4
            && t.rows[0].iter().any(|c| contains_ci(c, "startup"))
            && t.rows[0].iter().any(|c| contains_ci(c, "memory"))
            && t.rows[0].iter().any(|c| contains_ci(c, "throughput"))
    });
    if !ok {
        out.fail(
            "data-table",
            ARTICLE,
            "",
            "no 3-line table with startup, memory and throughput columns",
        );
    }
}

pub fn decision_matrix(c: &Ctx, out: &mut Out) {
    let ok = c.doc.tables.iter().any(|t| {
        t.rows.len() == 4
            && t.rows.iter().all(|r| r.len() == 4)
            && ["CPython", "PyPy", "MicroPython"]
                .iter()
                .all(|n| t.rows[0].iter().any(|c| c.contains(n)))
    });
    if !ok {
        out.fail(
            "decision-matrix",
            ARTICLE,
            "",
            "no 3×3 decision matrix (app class × CPython, PyPy, MicroPython)",
        );
    }
}

fn list_in(c: &Ctx, section: &str, n: usize) -> bool {
    c.doc.lists.iter().any(|l| {
        l.ordered && l.items == n && l.section.as_deref().is_some_and(|s| s.contains(section))
    })
}

pub fn checklist(c: &Ctx, out: &mut Out) {
    if !list_in(c, "checklist", CHECKLIST_STEPS) {
        out.fail(
            "checklist",
            ARTICLE,
            "",
            "no 6-step ordered list in a section whose id contains `checklist`",
        );
    }
}

pub fn profiling_steps(c: &Ctx, out: &mut Out) {
    if !list_in(c, "profil", PROFILING_STEPS) {
        out.fail(
            "profiling-steps",
            ARTICLE,
            "",
            "no 5-step ordered list in the profiling section",
        );
    }
}

pub fn author(c: &Ctx, out: &mut Out) {
    let name = &c.site().author.name;
    if !c.input.files.article.contains(name.as_str()) {
        out.fail("author", ARTICLE, name, "the author is not named");
    }
}
