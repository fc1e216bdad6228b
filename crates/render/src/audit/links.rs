//! Links: the pillar article, the sources, and every internal link and footnote.

use super::images::generated;
use super::{Ctx, Out};
use crate::outputs::ARTICLE;

/// With a configured address, the pillar article is linked in the body and in the conclusion;
/// without one it is named there (the missing address is an E-E-A-T gap in `audit.md`).
pub fn pillar_link(c: &Ctx, out: &mut Out) {
    let pillar = &c.site().pillar;
    let found = |section: Option<&str>| match &pillar.url {
        Some(url) => c
            .doc
            .links
            .iter()
            .any(|l| &l.url == url && (section.is_none() || l.section.as_deref() == section)),
        None => c.doc.blocks.iter().any(|b| {
            b.text.contains(pillar.title.as_str())
                && (section.is_none() || b.section.as_deref() == section)
        }),
    };
    if !found(None) || !found(Some("conclusion")) {
        out.fail(
            "pillar-link",
            ARTICLE,
            pillar.url.as_deref().unwrap_or(&pillar.title),
            if pillar.url.is_some() {
                "the pillar article must be linked in the body and in the conclusion"
            } else {
                "the pillar article (no url configured) must be named in the body and in the conclusion"
            },
        );
    }
}

pub fn sources_cited(c: &Ctx, out: &mut Out) {
    for s in &c.input.constants.source {
        if !c.doc.links.iter().any(|l| l.url == s.url) {
            out.fail(
                "sources-cited",
                ARTICLE,
                &s.url,
                format!("source {:?} is not linked", s.id),
            );
        }
    }
}

pub fn internal_links(c: &Ctx, out: &mut Out) {
    let doc = &c.doc;
    let anchors = doc.anchors();
    let generated = generated(&c.plan);
    let targets = doc
        .links
        .iter()
        .map(|l| (l.url.clone(), l.text.clone()))
        .chain(doc.images.iter().map(|i| (i.url.clone(), i.alt.clone())));
    for (url, text) in targets {
        if let Some(frag) = url.strip_prefix('#') {
            if !anchors.contains(frag) {
                out.fail(
                    "internal-links",
                    ARTICLE,
                    &url,
                    format!("no heading or footnote has the id {frag:?} ({text})"),
                );
            }
        } else if !url.contains("://") && !url.starts_with("mailto:") {
            let path = url.split('#').next().unwrap_or("");
            if !(c.input.exists)(path) {
                if generated.contains(path) {
                    out.notes.push(format!(
                        "{path}: a generated chart the site step draws, not there yet"
                    ));
                } else {
                    out.fail("internal-links", ARTICLE, &url, "the file does not exist");
                }
            }
        }
    }
}
