//! `meta.json`: it parses, the title and description lengths, Open Graph; and freshness.

use super::{Ctx, Out, Report, DESCRIPTION_CHARS, OG_SIZE, TITLE_CHARS};
use crate::outputs::META;

pub fn meta_parses(c: &Ctx, out: &mut Out) {
    if let Err(e) = &c.meta {
        out.fail(
            "meta-parses",
            META,
            c.input.files.meta_json.lines().next().unwrap_or(""),
            format!("not JSON: {e}"),
        );
    }
}

pub fn title_length(c: &Ctx, out: &mut Out) {
    out.range(
        "title-length",
        META,
        &c.title,
        c.title.chars().count(),
        TITLE_CHARS,
        "title length (characters)",
    );
}

pub fn description_length(c: &Ctx, out: &mut Out) {
    out.range(
        "description-length",
        META,
        &c.description,
        c.description.chars().count(),
        DESCRIPTION_CHARS,
        "meta description length (characters)",
    );
}

pub fn open_graph(c: &Ctx, out: &mut Out) {
    let Ok(m) = &c.meta else { return };
    let og = m.get("og").cloned().unwrap_or_default();
    // og:url is the site's address: required when one is configured, absent in a local build.
    let local = c.site().site_url.is_none();
    for k in [
        "og:title",
        "og:description",
        "og:image",
        "og:url",
        "og:type",
        "og:site_name",
    ] {
        if k == "og:url" && local {
            if og.get(k).is_some() {
                out.fail(
                    "open-graph",
                    META,
                    k,
                    "og:url is set, but no site_url is configured",
                );
            }
            continue;
        }
        if og
            .get(k)
            .and_then(|v| v.as_str())
            .is_none_or(|s| s.is_empty())
        {
            out.fail(
                "open-graph",
                META,
                k,
                format!("Open Graph property {k} is missing"),
            );
        }
    }
    let img = og.get("og:image").and_then(|v| v.as_str()).unwrap_or("");
    if !img.ends_with(".png") {
        out.fail("open-graph", META, img, "og:image must be a PNG");
    }
    let w = og.get("og:image:width").and_then(|v| v.as_u64());
    let h = og.get("og:image:height").and_then(|v| v.as_u64());
    if (w, h) != (Some(OG_SIZE.0), Some(OG_SIZE.1)) {
        out.fail(
            "open-graph",
            META,
            format!("{w:?}×{h:?}"),
            "og:image must be 1200×630",
        );
    }
}

/// The data date and the interpreter versions, from `meta.json`.
pub fn freshness(c: &Ctx, report: &mut Report) {
    let Ok(m) = &c.meta else { return };
    let get = |v: &serde_json::Value, k: &str| {
        v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string()
    };
    report.data_date = m
        .pointer("/freshness/data_date")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    report.interpreters = m
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
