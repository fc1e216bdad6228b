//! The image plan with the sizes of the files the site drew: rendered again from the image
//! views (issue 24: no Markdown search-and-replace in the site), the same as render's own plan
//! when no size changes.

mod common;

use std::collections::BTreeMap;

use common::*;
use whichpy_render::outputs::{image_plan, IMAGES};

#[test]
fn the_plan_takes_the_drawn_sizes_and_nothing_else_changes() {
    let content = content();
    let r = render("pypy-faster.json");
    let plan = &r.files[IMAGES];
    assert_eq!(&image_plan(&content, &r, &BTreeMap::new()).unwrap(), plan);

    let first = &r.images[0];
    let second = &r.images[1];
    let sizes = BTreeMap::from([(first.id.clone(), (801, 457))]);
    let redrawn = image_plan(&content, &r, &sizes).unwrap();
    // The first image's section says the new size; the second keeps its own.
    let section = |text: &str, title: &str| -> String {
        let start = text.find(&format!("## {title}\n")).expect(title);
        let rest = &text[start + 3..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
    };
    assert!(
        section(&redrawn, &first.title).contains("- **Dimensions:** 801×457"),
        "{redrawn}"
    );
    assert_eq!(
        section(&redrawn, &second.title),
        section(plan, &second.title)
    );
    // Only that line differs.
    let changed: Vec<_> = plan
        .lines()
        .zip(redrawn.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(plan.lines().count(), redrawn.lines().count());
}
