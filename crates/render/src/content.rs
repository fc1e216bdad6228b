//! The editorial data in `content/`: site configuration, the constants that are not measured,
//! the FAQ, the image plan, the social posts and the decision matrix. Text fields marked
//! "template" are minijinja templates rendered over the same context as the article.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;

pub const SITE: &str = "site.toml";
pub const CONSTANTS: &str = "constants.toml";
pub const FAQ: &str = "faq.toml";
pub const IMAGES: &str = "images.toml";
pub const SOCIAL: &str = "social.toml";
pub const DECISION: &str = "decision.toml";
pub const LENGTH: &str = "length.toml";

/// Everything in `content/` except the templates themselves.
#[derive(Clone, Debug, Serialize)]
pub struct Content {
    /// The folder the templates are loaded from.
    #[serde(skip)]
    pub dir: PathBuf,
    pub site: SiteConfig,
    pub constants: Constants,
    pub faq: Vec<FaqEntry>,
    pub images: ImagePlan,
    pub social: Social,
    pub decision: Decision,
    /// The article's optional paragraphs, in the order the renderer adds them.
    pub length: Length,
}

impl Content {
    pub fn load(dir: &Path) -> Result<Content, Error> {
        let faq: FaqFile = read_toml(dir, FAQ)?;
        Ok(Content {
            dir: dir.to_owned(),
            site: read_toml(dir, SITE)?,
            constants: read_toml(dir, CONSTANTS)?,
            faq: faq.faq,
            images: read_toml(dir, IMAGES)?,
            social: read_toml(dir, SOCIAL)?,
            decision: read_toml(dir, DECISION)?,
            length: Length::load(dir)?,
        })
    }
}

/// `content/length.toml`: the article's optional paragraphs by region, each list in the order
/// the renderer adds them ([`crate::fit`]).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Length {
    pub intro: Vec<String>,
    pub conclusion: Vec<String>,
    pub body: Vec<String>,
}

impl Length {
    fn load(dir: &Path) -> Result<Length, Error> {
        let length: Length = read_toml(dir, LENGTH)?;
        let mut seen = std::collections::BTreeSet::new();
        for id in length
            .intro
            .iter()
            .chain(&length.conclusion)
            .chain(&length.body)
        {
            if !seen.insert(id) {
                return Err(Error::Content(
                    dir.join(LENGTH),
                    format!("paragraph `{id}` is listed twice; list each optional paragraph once"),
                ));
            }
        }
        Ok(length)
    }
}

fn read_toml<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<T, Error> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Io(path.clone(), e))?;
    toml::from_str(&text).map_err(|e| Error::Content(path, e.to_string()))
}

/// `content/site.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The address the site is published at (the article is its index page). Canonical links,
    /// og:url, absolute og:image and JSON-LD `@id`s are made from it. `None`: a local build,
    /// whose links are relative and which writes no canonical address.
    #[serde(default)]
    pub site_url: Option<String>,
    /// `og:site_name` on every page.
    pub site_name: String,
    /// The H1 of the article, and the headline the social posts quote verbatim.
    pub article_title: String,
    pub language: String,
    pub primary_keyword: String,
    pub secondary_keywords: Vec<String>,
    pub author: Author,
    /// The pillar article the article links to.
    pub pillar: NamedLink,
    /// The benchmark repository readers are offered.
    pub repository: NamedLink,
    /// The workload of the 3-line data table (falls back to the first iteration workload that
    /// every interpreter ran when it is not in the data).
    pub example_workload: String,
    /// Folder of images relative to the article (`images`).
    pub images_dir: String,
    /// `datePublished`: `"first-run"` (the start of the earliest pooled run) or a fixed
    /// `YYYY-MM-DD` once the article is out. `dateModified` is always the data date.
    pub date_published: String,
    /// The article's internal links: one per site page that details one of its sections, in
    /// the order the article's "Look closer" list shows them. The site refuses a plan that
    /// names a page it does not write or leaves one of its pages out.
    #[serde(default)]
    pub links: Vec<PageLink>,
}

/// One internal link of the article: `[text](page)` and what the reader finds there.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageLink {
    /// The page, relative to the site's root (`web.html`).
    pub page: String,
    /// The link's words (`Web service latency`).
    pub text: String,
    /// The rest of the sentence after the link, ending with its full stop.
    pub about: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Author {
    pub name: String,
    pub bio: String,
    /// The author's page; `None` until there is one (the audit reports the gap).
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedLink {
    pub title: String,
    /// `None` until there is a public address: the article then names it without a link.
    #[serde(default)]
    pub url: Option<String>,
}

impl SiteConfig {
    /// The site's address with one trailing `/`, when one is configured.
    pub fn base_url(&self) -> Option<String> {
        self.site_url
            .as_deref()
            .map(|u| format!("{}/", u.trim_end_matches('/')))
    }

    /// Every address of the project's own that is configured: the site, the author, the pillar
    /// article and the repository. An absolute address in the output must start with one of
    /// these or be a source's.
    pub fn configured_urls(&self) -> Vec<&str> {
        [
            self.site_url.as_deref(),
            self.author.url.as_deref(),
            self.pillar.url.as_deref(),
            self.repository.url.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The repository's address on GitHub Actions, from `GITHUB_SERVER_URL` and
/// `GITHUB_REPOSITORY` (xtask reads the environment and passes them here).
pub fn actions_repository_url(server: Option<&str>, repository: Option<&str>) -> Option<String> {
    let (server, repository) = (server?.trim(), repository?.trim());
    (!server.is_empty() && !repository.is_empty())
        .then(|| format!("{}/{}", server.trim_end_matches('/'), repository))
}

/// `content/constants.toml`: the only figures the article may show that whichpy did not
/// measure, each with its source, and the sources the article cites.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constants {
    pub constant: Vec<Constant>,
    pub source: Vec<Source>,
}

impl Constants {
    pub fn get(&self, id: &str) -> Option<&Constant> {
        self.constant.iter().find(|c| c.id == id)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constant {
    pub id: String,
    /// As readers see it (`16`, `1.76`).
    pub value: String,
    pub unit: String,
    /// What the figure is, in one phrase.
    pub meaning: String,
    /// Id of a [`Source`].
    pub source: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub authors: Option<String>,
    #[serde(default)]
    pub year: Option<u32>,
    #[serde(default)]
    pub venue: Option<String>,
    pub url: String,
    /// What the article uses it for.
    pub used_for: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqFile {
    faq: Vec<FaqEntry>,
}

/// One FAQ pair; `answer` is a template (Markdown, 2–4 sentences once rendered).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    pub question: String,
    pub answer: String,
}

/// `content/images.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagePlan {
    /// Accessibility notes shown under the plan (template).
    pub accessibility: String,
    pub image: Vec<ImageSpec>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    pub id: String,
    pub title: String,
    /// One sentence (template).
    pub description: String,
    /// Heading or paragraph it goes under, or `head` for the Open Graph image.
    pub placement: String,
    /// Template; must contain the primary keyword.
    pub alt: String,
    /// chart, diagram or screenshot.
    #[serde(rename = "type")]
    pub kind: String,
    /// "generated chart" (drawn from the data by the site step) or "diagram" (a file in
    /// `content/images/`).
    pub source: String,
    /// File name (template, e.g. `warmup-{{ example.workload }}.svg`).
    pub file: String,
    pub width: u32,
    pub height: u32,
    /// Template; two of the six images have one.
    #[serde(default)]
    pub caption: Option<String>,
    /// What the site draws for a generated chart (required when `source` is a generated
    /// chart; none for a diagram).
    #[serde(default)]
    pub chart: Option<ChartKind>,
}

/// The chart a generated image is: the site draws it by this kind, never by its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChartKind {
    /// The 1200×630 Open Graph card (PNG).
    Og,
    /// The decision matrix of the article's view, as an image.
    DecisionMatrix,
    /// Startup time of an empty program per interpreter, bars with intervals.
    Startup,
    /// Per-iteration times of the example workload across iterations.
    Warmup,
    /// Peak memory on the example workload and at startup.
    Memory,
    /// Every interpreter's warm ratio to the baseline over the workloads.
    Overview,
    /// Threads against processes (`threads_cpu`).
    Gil,
    /// Cold and warm times of the example workload, bars with intervals.
    Times,
}

impl ChartKind {
    /// Every kind, as `content/images.toml` spells it.
    pub const NAMES: &'static str =
        "og, decision-matrix, startup, warmup, memory, overview, gil, times";
}

/// `content/social.toml`: every post is a template.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Social {
    /// The opener then the follow-ups.
    pub x: Vec<String>,
    pub linkedin: String,
    pub pinterest: String,
}

/// `content/decision.toml`: the rows of the decision matrix.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub class: Vec<AppClass>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppClass {
    pub id: String,
    pub name: String,
    /// The measured workloads that stand for this class.
    pub workloads: Vec<String>,
    /// Microcontroller class: judged on memory and hardware, not on speed ratios.
    #[serde(default)]
    pub embedded: bool,
    /// The application workload measured whole for this class (`pipeline`): when the data has
    /// it, the cells quote its figure instead of counting microbenchmark verdicts.
    #[serde(default)]
    pub app: Option<String>,
    /// The top two tests to run, per family (templates).
    pub tests: FamilyTests,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyTests {
    pub cpython: [String; 2],
    pub pypy: [String; 2],
    pub micropython: [String; 2],
}

#[cfg(test)]
mod tests {
    use super::actions_repository_url;

    #[test]
    fn the_repository_address_on_actions() {
        assert_eq!(
            actions_repository_url(Some("https://github.com/"), Some("owner/whichpy")).as_deref(),
            Some("https://github.com/owner/whichpy")
        );
        assert_eq!(actions_repository_url(None, Some("owner/whichpy")), None);
        assert_eq!(
            actions_repository_url(Some("https://github.com"), Some("")),
            None
        );
    }
}
