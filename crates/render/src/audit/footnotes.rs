//! Footnotes: each is the command of its own figure.
//!
//! - **footnote-defined**: every reference `[^label]` has a definition, and no `[^` is left as
//!   text (a reference the parser did not take).
//! - **footnote-referenced**: every definition is referenced somewhere in the article (an
//!   orphan is a command no figure points to).
//! - **footnote-figure**: a workload's footnote `[^bench-<workload>]` stands only in a sentence
//!   (or table row) that names that workload as the view prints it (its name, in a code span or
//!   not, any case). Suite-wide figures (geometric means, the plan) cite [`SUITE_LABEL`], which
//!   may stand anywhere. A `bench-` label that is neither a workload's nor the suite's fails too.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::{Ctx, Out};
use crate::markdown::parser_options;
use crate::outputs::ARTICLE;

/// The footnote of suite-wide figures.
pub const SUITE_LABEL: &str = "bench-suite";
/// The prefix of the footnotes the view writes, one per workload.
pub const BENCH_PREFIX: &str = "bench-";

/// Label → workload of every footnote the view wrote.
pub fn footnote_workloads(view: &crate::view::View) -> std::collections::BTreeMap<String, String> {
    view.footnotes
        .iter()
        .map(|f| (f.label.clone(), f.workload.clone()))
        .collect()
}

pub fn footnote_defined(c: &Ctx, out: &mut Out) {
    let doc = &c.doc;
    for r in &doc.footnote_refs {
        if !doc.footnote_defs.contains(r) {
            out.fail(
                "footnote-defined",
                ARTICLE,
                format!("[^{r}]"),
                "the footnote has no definition",
            );
        }
    }
    for b in &doc.blocks {
        if let Some(pos) = b.text.find("[^") {
            out.fail(
                "footnote-defined",
                ARTICLE,
                &b.text[pos..],
                "a footnote reference has no definition",
            );
        }
    }
}

pub fn footnote_referenced(c: &Ctx, out: &mut Out) {
    for d in &c.doc.footnote_defs {
        if !c.doc.footnote_refs.contains(d) {
            out.fail(
                "footnote-referenced",
                ARTICLE,
                format!("[^{d}]:"),
                "no figure cites this footnote: cite it where its figure stands, or drop it",
            );
        }
    }
}

/// A footnote reference and the sentence (or table row) it stands in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    pub label: String,
    /// The visible text of the sentence, code spans as their text, without the reference.
    pub sentence: String,
}

/// Every footnote reference outside footnote definitions, with its sentence or table row.
pub fn citations(md: &str) -> Vec<Citation> {
    const MARK: char = '\u{1}';
    let mut out = Vec::new();
    let mut text = String::new();
    let mut labels: Vec<String> = Vec::new();
    let mut footnote = 0usize;
    let flush = |text: &mut String, labels: &mut Vec<String>, out: &mut Vec<Citation>| {
        if !labels.is_empty() {
            let mut marks = text.match_indices(MARK).map(|(i, _)| i);
            for label in labels.drain(..) {
                let at = marks.next().unwrap_or(text.len());
                out.push(Citation {
                    label,
                    sentence: sentence_around(text, at).replace(MARK, ""),
                });
            }
        }
        text.clear();
    };
    for e in Parser::new_ext(md, parser_options()) {
        match e {
            Event::Start(Tag::FootnoteDefinition(_)) => footnote += 1,
            Event::End(TagEnd::FootnoteDefinition) => footnote -= 1,
            _ if footnote > 0 => {}
            Event::FootnoteReference(l) => {
                text.push(MARK);
                labels.push(l.to_string());
            }
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            // A table row is one unit; its cells are separated.
            Event::End(TagEnd::TableCell) => text.push_str(" | "),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::CodeBlock,
            ) => flush(&mut text, &mut labels, &mut out),
            Event::Start(Tag::Item | Tag::List(_)) => flush(&mut text, &mut labels, &mut out),
            _ => {}
        }
    }
    flush(&mut text, &mut labels, &mut out);
    out
}

/// The sentence of `text` around byte offset `at`: from after the last `.`, `?` or `!` followed
/// by whitespace before it, to the first one at or after it.
fn sentence_around(text: &str, at: usize) -> String {
    let ends: Vec<usize> = text
        .char_indices()
        .filter(|&(i, ch)| {
            matches!(ch, '.' | '?' | '!')
                && text[i + ch.len_utf8()..]
                    .chars()
                    .next()
                    .is_none_or(|n| n.is_whitespace())
        })
        .map(|(i, _)| i)
        .collect();
    let start = ends
        .iter()
        .rev()
        .find(|&&e| e < at)
        .map(|e| e + 1)
        .unwrap_or(0);
    let end = ends
        .iter()
        .find(|&&e| e >= at)
        .map(|e| e + 1)
        .unwrap_or(text.len());
    text[start..end].trim().to_string()
}

/// Whether `text` names `name` as a whole word (letters, digits and `_` around it do not).
pub fn names(text: &str, name: &str) -> bool {
    let (hay, needle) = (text.to_lowercase(), name.to_lowercase());
    if needle.is_empty() {
        return false;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    hay.match_indices(&needle).any(|(i, _)| {
        !word(hay[..i].chars().next_back()) && !word(hay[i + needle.len()..].chars().next())
    })
}

pub fn footnote_figure(c: &Ctx, out: &mut Out) {
    for cite in citations(c.input.files.article) {
        if !cite.label.starts_with(BENCH_PREFIX) || cite.label == SUITE_LABEL {
            continue;
        }
        match c.input.footnote_workloads.get(&cite.label) {
            None => out.fail(
                "footnote-figure",
                ARTICLE,
                format!("[^{}] in: {}", cite.label, cite.sentence),
                format!(
                    "[^{}] is neither a workload's footnote nor the suite's [^{SUITE_LABEL}]",
                    cite.label
                ),
            ),
            Some(w) if !names(&cite.sentence, w) => out.fail(
                "footnote-figure",
                ARTICLE,
                &cite.sentence,
                format!(
                    "[^{}] reproduces `{w}`, but its sentence does not name `{w}`: cite the footnote of the workload the figure comes from, or [^{SUITE_LABEL}] for a suite-wide figure",
                    cite.label
                ),
            ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_know_their_sentence_or_row() {
        let md = "First `nbody` ran fast[^bench-nbody]. Then 1.5 ms elsewhere[^bench-x].\n\n\
                  | Interpreter | Startup |\n|---|---|\n| PyPy[^caveat-pypy] | 55.9 |\n\n\
                  [^bench-nbody]: `cmd --workload other`[^bench-x]\n\n[^bench-x]: x\n\n[^caveat-pypy]: y\n";
        let c = citations(md);
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!(c[0].sentence, "First nbody ran fast.");
        assert_eq!(c[1].sentence, "Then 1.5 ms elsewhere.");
        assert_eq!(c[2].sentence, "PyPy | 55.9 |");
        assert!(names("On nbody, PyPy", "nbody"));
        assert!(names("PyPy's Startup was", "startup"));
        assert!(!names("threads_cpu_big", "threads_cpu"));
        assert!(!names("processes_cpu", "threads_cpu"));
    }
}
