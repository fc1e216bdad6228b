//! Alt text in the article and the image plan (`images.md`).

use std::collections::BTreeSet;

use super::{contains_ci, Ctx, Out, CAPTIONS, GENERATED_CHART, IMAGES_PLANNED};
use crate::outputs::{ARTICLE, IMAGES};

pub fn alt_text(c: &Ctx, out: &mut Out) {
    let kw = c.kw();
    for im in &c.doc.images {
        if im.alt.trim().is_empty() {
            out.fail("alt-text", ARTICLE, &im.url, "an image has no alt text");
        } else if !contains_ci(&im.alt, kw) {
            out.fail(
                "alt-text",
                ARTICLE,
                &im.alt,
                format!("the alt text lacks {kw:?}"),
            );
        }
    }
    for im in &c.plan.images {
        let alt = im.field("Alt text").unwrap_or("");
        if !contains_ci(alt, kw) {
            out.fail(
                "alt-text",
                IMAGES,
                alt,
                format!("the alt text of {:?} lacks {kw:?}", im.title),
            );
        }
    }
}

pub fn image_plan(c: &Ctx, out: &mut Out) {
    let plan = &c.plan;
    if plan.images.len() != IMAGES_PLANNED {
        out.fail(
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
        out.fail(
            "image-plan",
            IMAGES,
            format!("{captions} captions"),
            "exactly two images get captions",
        );
    }
    if plan.accessibility.trim().is_empty() {
        out.fail(
            "image-plan",
            IMAGES,
            "## Accessibility notes",
            "the accessibility notes are missing",
        );
    }
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
                out.fail("image-plan", IMAGES, &im.title, format!("{f} is missing"));
            }
        }
        let file = im.field("File").unwrap_or("").trim_matches('`');
        if file.ends_with("og.png")
            && im.field("Dimensions").map(|d| d.replace(' ', "")) != Some("1200×630".into())
        {
            out.fail(
                "image-plan",
                IMAGES,
                file,
                "the Open Graph image must be 1200×630",
            );
        }
    }
}

/// The files of the plan that the site step draws from the data.
pub fn generated(plan: &ImagePlanDoc) -> BTreeSet<String> {
    plan.images
        .iter()
        .filter(|im| {
            im.field("Source")
                .is_some_and(|s| s.trim() == GENERATED_CHART)
        })
        .map(|im| im.field("File").unwrap_or("").trim_matches('`').to_string())
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_parses() {
        let p = parse_image_plan("# P\n\n## A\n\n- **File:** `a.svg`\n- **Caption:** c\n\n## Accessibility notes\n\nNotes.\n");
        assert_eq!(p.images.len(), 1);
        assert_eq!(p.images[0].field("File"), Some("`a.svg`"));
        assert!(p.accessibility.contains("Notes."));
    }
}
