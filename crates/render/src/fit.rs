//! The article's length, made independent of the data's luck.
//!
//! The data decides how long the article's sentences are (a section present or absent, a
//! verdict with or without its interval, a list of interpreters). The audit bounds the body
//! before the FAQ to 1,400 ± 50 words, the introduction to 300–500 and the conclusion to
//! 200–300, by the standard count ([`crate::audit::words`]). So the renderer counts: it renders
//! the article with no optional paragraph, then, region by region (introduction, conclusion,
//! then the rest of the body), adds the next optional paragraph of that region's list
//! (`content/length.toml`) until the region's count reaches its lower bound. Counts only grow
//! as paragraphs are added, and each paragraph is shorter than its bound's slack, so the first
//! count at the lower bound is within the upper one. The body then goes on taking the next
//! paragraph while that keeps it at or under the middle of its bound (1,400), so an article
//! whose data says little is not cut shorter than it needs to be. Deterministic: the same data
//! and content give the same paragraphs.
//!
//! `crates/render/tests/length.rs` renders many generated summaries and checks every bound.

use crate::audit::words::{word_count, Texts};
use crate::audit::{BODY_WORDS, CONCLUSION_WORDS, INTRO_WORDS};
use crate::content::Length;
use crate::markdown::Doc;
use crate::Error;

/// The standard word counts of an article.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub body: usize,
    pub intro: usize,
    pub conclusion: usize,
}

impl Counts {
    /// The audit's own counts of `article` (Markdown).
    pub fn of(article: &str) -> Counts {
        let t = Texts::of(article, &Doc::parse(article));
        Counts {
            body: word_count(&t.body),
            intro: word_count(&t.intro),
            conclusion: word_count(&t.conclusion),
        }
    }

    /// Whether every count is within the audit's bounds.
    pub fn within_bounds(&self) -> bool {
        let within = |n: usize, (lo, hi): (usize, usize)| (lo..=hi).contains(&n);
        within(self.body, BODY_WORDS)
            && within(self.intro, INTRO_WORDS)
            && within(self.conclusion, CONCLUSION_WORDS)
    }
}

/// The article that [`fit`] chose, with the optional paragraphs it holds, in order.
#[derive(Clone, Debug)]
pub struct Fitted {
    pub article: String,
    pub extras: Vec<String>,
    pub counts: Counts,
}

/// Render the article with optional paragraphs added, region by region, until each region
/// reaches its lower bound (see the module docs). `render` renders the article with the given
/// paragraph ids shown. When a list runs out first the article is returned as long as it got:
/// `check` then reports the count and the bound.
pub fn fit(
    length: &Length,
    render: impl Fn(&[String]) -> Result<String, Error>,
) -> Result<Fitted, Error> {
    let mut extras: Vec<String> = Vec::new();
    let mut article = render(&extras)?;
    let mut counts = Counts::of(&article);
    type Region<'a> = (&'a [String], fn(&Counts) -> usize, usize);
    let regions: [Region; 3] = [
        (&length.intro, |c| c.intro, INTRO_WORDS.0),
        (&length.conclusion, |c| c.conclusion, CONCLUSION_WORDS.0),
        (&length.body, |c| c.body, BODY_WORDS.0),
    ];
    for (list, count, low) in regions {
        for id in list {
            if count(&counts) >= low {
                break;
            }
            extras.push(id.clone());
            article = render(&extras)?;
            counts = Counts::of(&article);
        }
    }
    // Up to the middle of the body's bound, with the paragraphs not taken yet.
    let middle = (BODY_WORDS.0 + BODY_WORDS.1) / 2;
    let rest: Vec<&String> = length
        .body
        .iter()
        .filter(|id| !extras.contains(id))
        .collect();
    for id in rest {
        let mut more = extras.clone();
        more.push(id.clone());
        let longer = render(&more)?;
        let c = Counts::of(&longer);
        if c.body > middle {
            break;
        }
        (extras, article, counts) = (more, longer, c);
    }
    Ok(Fitted {
        article,
        extras,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake article: an intro, a body section and a conclusion of fixed sizes, each extra
    /// paragraph adding its number of words to its region.
    fn article(intro: usize, body: usize, conclusion: usize, extras: &[String]) -> String {
        let words = |n: usize| "word ".repeat(n);
        let add = |prefix: &str| -> usize {
            extras
                .iter()
                .filter(|e| e.starts_with(prefix))
                .map(|e| e.rsplit('-').next().unwrap().parse::<usize>().unwrap())
                .sum()
        };
        format!(
            "# T\n\n{}\n\n## Body\n\n{}\n\n## Conclusion\n\n{}\n\n## FAQ\n\nout\n",
            words(intro + add("intro")),
            words(body + add("body")),
            words(conclusion + add("conclusion")),
        )
    }

    fn length() -> Length {
        let ids = |p: &str, sizes: &[usize]| -> Vec<String> {
            sizes
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{p}{i}-{n}"))
                .collect()
        };
        Length {
            intro: ids("intro", &[30, 30]),
            conclusion: ids("conclusion", &[40]),
            body: ids("body", &[60, 60, 60, 60, 60]),
        }
    }

    #[test]
    fn adds_paragraphs_in_order_until_each_region_reaches_its_bound() {
        // intro 280 + 30 = 310; conclusion 190 + 40 = 230; body (1 heading word + …).
        let f = fit(&length(), |e| Ok(article(280, 800, 190, e))).unwrap();
        assert_eq!(f.extras[..2], ["intro0-30", "conclusion0-40"]);
        assert!(f.counts.within_bounds(), "{:?}", f.counts);
        assert!(f.extras.iter().skip(2).all(|e| e.starts_with("body")));
        // One paragraph more and the body would be above the middle of its bound.
        assert!(f.counts.body + 60 > 1400, "{:?}", f.counts);
    }

    #[test]
    fn adds_nothing_when_every_region_is_long_enough() {
        let f = fit(&length(), |e| Ok(article(320, 900, 220, e))).unwrap();
        assert!(f.extras.is_empty(), "{:?}", f.extras);
        assert_eq!(f.counts, Counts::of(&article(320, 900, 220, &[])));
    }

    #[test]
    fn a_list_that_runs_out_leaves_the_article_short_for_check_to_report() {
        let f = fit(&length(), |e| Ok(article(320, 100, 220, e))).unwrap();
        assert_eq!(f.extras.len(), 5);
        assert!(!f.counts.within_bounds());
    }
}
