//! Every output file, rendered from a summary and the content folder.
//!
//! Order of work: build the [`View`], render the matrix tests, FAQ answers, image plan and
//! social posts (each a template over the same context), then the article, title and meta
//! description from their templates. JSON (JSON-LD and `meta.json`) is built as
//! `serde_json::Value` here and serialised, never joined from strings.

use std::collections::BTreeMap;

use minijinja::value::Serde;
use minijinja::{Environment, Value};
use serde::Serialize;
use serde_json::json;
use whichpy_wire::summary::Summary;

use crate::content::{Constant, Content, SiteConfig, Source};
use crate::env::environment;
use crate::markdown::plain_text;
use crate::view::{Ledger, View};
use crate::Error;

pub const ARTICLE: &str = "article.md";
pub const FAQ_JSONLD: &str = "faq.jsonld";
pub const META: &str = "meta.json";
pub const SOCIAL: &str = "social.md";
pub const IMAGES: &str = "images.md";
/// The page head (title, description, canonical, Open Graph, JSON-LD) for the site to include.
pub const HEAD: &str = "head.html";

pub const ARTICLE_TEMPLATE: &str = "article.md.j2";
pub const TITLE_TEMPLATE: &str = "title.txt.j2";
pub const DESCRIPTION_TEMPLATE: &str = "description.txt.j2";
pub const SOCIAL_TEMPLATE: &str = "social.md.j2";
pub const IMAGES_TEMPLATE: &str = "images.md.j2";
pub const HEAD_TEMPLATE: &str = "head.html.j2";

/// One FAQ pair, rendered.
#[derive(Clone, Debug, Serialize)]
pub struct FaqItem {
    pub question: String,
    /// Markdown.
    pub answer: String,
    /// Plain text (for JSON-LD).
    pub text: String,
}

/// One image of the plan, rendered.
#[derive(Clone, Debug, Serialize)]
pub struct ImageView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub placement: String,
    pub alt: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
    pub file: String,
    /// Relative to the article (`images/startup.svg`).
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub caption: Option<String>,
    /// What the site draws for it, when it is a generated chart.
    pub chart: Option<crate::content::ChartKind>,
}

/// The social posts, rendered.
#[derive(Clone, Debug, Serialize)]
pub struct SocialPosts {
    pub x: Vec<String>,
    pub linkedin: String,
    pub pinterest: String,
}

/// Everything rendered, plus what the site and the audit need again.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// File name in `dist/` → contents.
    pub files: BTreeMap<&'static str, String>,
    pub view: View,
    pub title: String,
    pub description: String,
    pub faq: Vec<FaqItem>,
    pub images: Vec<ImageView>,
    pub jsonld: serde_json::Value,
    pub meta: serde_json::Value,
    /// The optional paragraphs the article shows, in the order they were added.
    pub extras: Vec<String>,
    /// The image plan's accessibility notes, rendered (for [`image_plan`]).
    pub accessibility: String,
}

impl Rendered {
    /// The numbers the outputs may show that come from the data.
    pub fn ledger(&self) -> Ledger {
        self.view.ledger()
    }
}

#[derive(Serialize)]
struct Context<'a> {
    site: &'a SiteConfig,
    /// Constants by id.
    constants: BTreeMap<&'a str, &'a Constant>,
    /// Sources by id, and in file order.
    source: BTreeMap<&'a str, &'a Source>,
    sources: &'a [Source],
    /// The images by id (in file order they are `image_list`).
    images: BTreeMap<&'a str, &'a ImageView>,
    #[serde(flatten)]
    parts: Parts<'a>,
}

/// What a template context holds beyond the content.
#[derive(Serialize)]
struct Parts<'a> {
    #[serde(flatten)]
    view: &'a View,
    faq: &'a [FaqItem],
    #[serde(rename = "image_list")]
    images: &'a [ImageView],
    title: &'a str,
    description: &'a str,
    social: Option<&'a SocialPosts>,
    /// The image plan's accessibility notes, rendered.
    accessibility: &'a str,
    /// The optional paragraphs the article shows (`content/length.toml`, chosen by
    /// [`crate::fit`]); empty for every other template.
    extras: &'a [String],
}

fn render_str(env: &Environment, what: &str, source: &str, ctx: &Value) -> Result<String, Error> {
    env.render_str(source, ctx)
        .map_err(|e| Error::template(what, e))
}

fn render_file(env: &Environment, name: &str, ctx: &Value) -> Result<String, Error> {
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| Error::template(name, e))
}

/// Collapse a one-line template's output: trim, single spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Tidy Markdown output: no trailing spaces, at most one blank line in a row, one final newline.
pub fn tidy_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The article without the definitions of footnotes no figure cites: the view offers a
/// reproduce command for every workload, the article keeps those its figures use.
pub fn drop_orphan_footnotes(md: &str) -> String {
    let label_of = |line: &str| -> Option<String> {
        let rest = line.strip_prefix("[^")?;
        let end = rest.find("]:")?;
        Some(rest[..end].to_string())
    };
    let body: String = md
        .lines()
        .filter(|l| label_of(l).is_none())
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = String::with_capacity(md.len());
    for line in md.split_inclusive('\n') {
        if let Some(label) = label_of(line) {
            if !body.contains(&format!("[^{label}]")) {
                continue;
            }
        }
        out.push_str(line);
    }
    out
}

/// Render every output of a summary, the article with the optional paragraphs that bring it
/// within its length bounds ([`crate::fit`]).
pub fn render_all(summary: &Summary, content: &Content) -> Result<Rendered, Error> {
    render(summary, content, None)
}

/// [`render_all`] with the article's optional paragraphs given instead of fitted (for tests and
/// for editors trying a paragraph).
pub fn render_with_extras(
    summary: &Summary,
    content: &Content,
    extras: &[String],
) -> Result<Rendered, Error> {
    render(summary, content, Some(extras))
}

/// The one template context of every output.
fn context_value(content: &Content, p: Parts<'_>) -> Value {
    let constants: BTreeMap<&str, &Constant> = content
        .constants
        .constant
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    let source: BTreeMap<&str, &Source> = content
        .constants
        .source
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    Value::from(Serde(Context {
        site: &content.site,
        constants,
        source,
        sources: &content.constants.source,
        images: p.images.iter().map(|i| (i.id.as_str(), i)).collect(),
        parts: p,
    }))
}

/// The image plan (`images.md`) of `rendered`, with the width and height of each image named in
/// `sizes` (by id) in place of `content/images.toml`'s: the site draws the charts, and a chart's
/// size follows the data. The same template and context as [`render_all`]'s plan, so with no
/// sizes it is `rendered.files[IMAGES]`.
pub fn image_plan(
    content: &Content,
    rendered: &Rendered,
    sizes: &BTreeMap<String, (u32, u32)>,
) -> Result<String, Error> {
    let mut images = rendered.images.clone();
    for im in &mut images {
        if let Some(&(w, h)) = sizes.get(&im.id) {
            (im.width, im.height) = (w, h);
        }
    }
    let env = environment(&content.dir);
    let ctx = context_value(
        content,
        Parts {
            view: &rendered.view,
            faq: &rendered.faq,
            images: &images,
            title: &rendered.title,
            description: &rendered.description,
            social: None,
            accessibility: &rendered.accessibility,
            extras: &[],
        },
    );
    Ok(tidy_markdown(&render_file(&env, IMAGES_TEMPLATE, &ctx)?))
}

fn render(
    summary: &Summary,
    content: &Content,
    fixed_extras: Option<&[String]>,
) -> Result<Rendered, Error> {
    let mut view = crate::view_of(summary, content)?;
    let env = environment(&content.dir);
    let context = |view: &View,
                   faq: &[FaqItem],
                   images: &[ImageView],
                   title: &str,
                   description: &str,
                   social: Option<&SocialPosts>,
                   accessibility: &str,
                   extras: &[String]|
     -> Value {
        context_value(
            content,
            Parts {
                view,
                faq,
                images,
                title,
                description,
                social,
                accessibility,
                extras,
            },
        )
    };

    // The tests of the decision matrix, per class and family.
    let ctx = context(&view, &[], &[], "", "", None, "", &[]);
    let mut tests: Vec<Vec<Vec<String>>> = Vec::new();
    for (row, class) in view.matrix.iter().zip(&content.decision.class) {
        let mut per_row = Vec::new();
        for cell in &row.cells {
            let templates = match cell.family.as_str() {
                "cpython" => &class.tests.cpython,
                "pypy" => &class.tests.pypy,
                _ => &class.tests.micropython,
            };
            let what = format!(
                "{} ({} × {})",
                crate::content::DECISION,
                class.id,
                cell.family
            );
            per_row.push(
                templates
                    .iter()
                    .map(|t| render_str(&env, &what, t, &ctx).map(|s| one_line(&s)))
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        tests.push(per_row);
    }
    for (row, t) in view.matrix.iter_mut().zip(tests) {
        for (cell, t) in row.cells.iter_mut().zip(t) {
            cell.tests = t;
        }
    }

    // FAQ answers and the image plan.
    let ctx = context(&view, &[], &[], "", "", None, "", &[]);
    let faq = content
        .faq
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let what = format!("{} (question {})", crate::content::FAQ, i + 1);
            let answer = one_line(&render_str(&env, &what, &f.answer, &ctx)?);
            Ok(FaqItem {
                question: f.question.clone(),
                text: plain_text(&answer),
                answer,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let images = content
        .images
        .image
        .iter()
        .map(|im| {
            let what = format!("{} ({})", crate::content::IMAGES, im.id);
            if im.source.contains("generated") && im.chart.is_none() {
                return Err(Error::Content(
                    crate::content::IMAGES.into(),
                    format!(
                        "image `{}` is a generated chart but names no chart: set `chart` to one of: {}",
                        im.id,
                        crate::content::ChartKind::NAMES
                    ),
                ));
            }
            // A file name, not Markdown: rendered without escaping (`url` quotes it in links).
            let file = one_line(
                &env.render_named_str(&format!("{what}.txt"), &im.file, &ctx)
                    .map_err(|e| Error::template(&what, e))?,
            );
            Ok(ImageView {
                id: im.id.clone(),
                title: im.title.clone(),
                description: one_line(&render_str(&env, &what, &im.description, &ctx)?),
                placement: im.placement.clone(),
                alt: one_line(&render_str(&env, &what, &im.alt, &ctx)?),
                kind: im.kind.clone(),
                source: im.source.clone(),
                path: format!("{}/{}", content.site.images_dir, file),
                file,
                width: im.width,
                height: im.height,
                caption: im
                    .caption
                    .as_ref()
                    .map(|c| render_str(&env, &what, c, &ctx).map(|s| one_line(&s)))
                    .transpose()?,
                chart: im.chart,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;

    // Title and description, then the article.
    let ctx = context(&view, &faq, &images, "", "", None, "", &[]);
    let title = one_line(&render_file(&env, TITLE_TEMPLATE, &ctx)?);
    let description = one_line(&render_file(&env, DESCRIPTION_TEMPLATE, &ctx)?);
    // The article, with the optional paragraphs that bring it within its length bounds.
    let article_with = |extras: &[String]| {
        let ctx = context(&view, &faq, &images, &title, &description, None, "", extras);
        Ok(drop_orphan_footnotes(&tidy_markdown(&render_file(
            &env,
            ARTICLE_TEMPLATE,
            &ctx,
        )?)))
    };
    let (article, extras) = match fixed_extras {
        Some(extras) => (article_with(extras)?, extras.to_vec()),
        None => {
            let fitted = crate::fit::fit(&content.length, article_with)?;
            (fitted.article, fitted.extras)
        }
    };
    let ctx = context(&view, &faq, &images, &title, &description, None, "", &[]);

    // Social posts.
    let social = SocialPosts {
        x: content
            .social
            .x
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let what = format!("{} (x post {})", crate::content::SOCIAL, i + 1);
                render_str(&env, &what, t, &ctx).map(|s| one_line(&s))
            })
            .collect::<Result<Vec<_>, _>>()?,
        linkedin: one_line(&render_str(
            &env,
            "social.toml (linkedin)",
            &content.social.linkedin,
            &ctx,
        )?),
        pinterest: one_line(&render_str(
            &env,
            "social.toml (pinterest)",
            &content.social.pinterest,
            &ctx,
        )?),
    };

    // Structured data, built as values.
    let site = &content.site;
    let og = images
        .iter()
        .find(|i| i.chart == Some(crate::content::ChartKind::Og));
    let jsonld = json_ld(site, &view, &description, og, &faq);
    let meta = meta_json(site, &view, &title, &description, og);

    let accessibility = render_str(
        &env,
        "images.toml (accessibility)",
        &content.images.accessibility,
        &ctx,
    )?;
    let ctx = context(
        &view,
        &faq,
        &images,
        &title,
        &description,
        Some(&social),
        accessibility.trim(),
        &[],
    );
    let social_md = tidy_markdown(&render_file(&env, SOCIAL_TEMPLATE, &ctx)?);
    let images_md = tidy_markdown(&render_file(&env, IMAGES_TEMPLATE, &ctx)?);
    let head_ctx = minijinja::context! { meta => Value::from(Serde(&meta)), jsonld => Value::from(Serde(&jsonld)) };
    let head = render_file(&env, HEAD_TEMPLATE, &head_ctx)?;

    let mut files = BTreeMap::new();
    files.insert(ARTICLE, article);
    files.insert(FAQ_JSONLD, script_safe(&pretty(&jsonld)));
    files.insert(META, pretty(&meta));
    files.insert(SOCIAL, social_md);
    files.insert(IMAGES, images_md);
    files.insert(HEAD, head);
    Ok(Rendered {
        files,
        view,
        title,
        description,
        faq,
        images,
        jsonld,
        meta,
        extras,
        accessibility: accessibility.trim().to_string(),
    })
}

/// An address on the site: absolute under the configured site URL, else the relative path (a
/// local build works from its folder).
pub fn site_address(site: &SiteConfig, path: &str) -> String {
    match &site.site_url {
        Some(base) => absolute(base, path),
        None => path.to_string(),
    }
}

/// Insert `key: value` into a JSON object when the value is there: JSON outputs hold no null.
fn put(obj: &mut serde_json::Value, key: &str, value: Option<impl Serialize>) {
    if let (Some(map), Some(v)) = (obj.as_object_mut(), value) {
        map.insert(
            key.to_string(),
            serde_json::to_value(v).expect("JSON values serialise"),
        );
    }
}

/// Article + FAQPage. `@id`s are absolute under the site URL, or fragments (`#article`) in a
/// local build; the author is an Organization (a group), with its url only when configured.
fn json_ld(
    site: &SiteConfig,
    view: &View,
    description: &str,
    og: Option<&ImageView>,
    faq: &[FaqItem],
) -> serde_json::Value {
    let base = site.base_url();
    let id = |frag: &str| format!("{}#{frag}", base.as_deref().unwrap_or(""));
    let mut author = json!({
        "@type": "Organization",
        "name": site.author.name,
        "description": site.author.bio,
    });
    put(&mut author, "url", site.author.url.as_deref());
    let mut article = json!({
        "@type": "Article",
        "@id": id("article"),
        "headline": site.article_title,
        "description": description,
        "author": author,
        "datePublished": view.data.published,
        "dateModified": view.data.modified,
        "inLanguage": site.language,
        "keywords": std::iter::once(&site.primary_keyword)
            .chain(&site.secondary_keywords)
            .collect::<Vec<_>>(),
    });
    put(
        &mut article,
        "image",
        og.map(|i| {
            json!({
                "@type": "ImageObject",
                "url": site_address(site, &i.path),
                "width": i.width,
                "height": i.height,
            })
        }),
    );
    put(&mut article, "mainEntityOfPage", base.as_deref());
    json!({
        "@context": "https://schema.org",
        "@graph": [
            article,
            {
                "@type": "FAQPage",
                "@id": id("faq"),
                "mainEntity": faq.iter().map(|f| json!({
                    "@type": "Question",
                    "name": f.question,
                    "acceptedAnswer": { "@type": "Answer", "text": f.text },
                })).collect::<Vec<_>>(),
            }
        ]
    })
}

/// `meta.json`: title, description, Open Graph and freshness. `canonical` and `og:url` only
/// when a site URL is configured; `local_build` says when none is.
fn meta_json(
    site: &SiteConfig,
    view: &View,
    title: &str,
    description: &str,
    og: Option<&ImageView>,
) -> serde_json::Value {
    let mut author = json!({ "name": site.author.name, "bio": site.author.bio });
    put(&mut author, "url", site.author.url.as_deref());
    let mut og_tags = json!({
        "og:type": "article",
        "og:site_name": site.site_name,
        "og:title": title,
        "og:description": description,
        "og:image:type": "image/png",
    });
    let base = site.base_url();
    put(&mut og_tags, "og:url", base.as_deref());
    put(
        &mut og_tags,
        "og:image",
        og.map(|i| site_address(site, &i.path)),
    );
    put(&mut og_tags, "og:image:width", og.map(|i| i.width));
    put(&mut og_tags, "og:image:height", og.map(|i| i.height));
    put(&mut og_tags, "og:image:alt", og.map(|i| &i.alt));
    let mut meta = json!({
        "title": title,
        "description": description,
        "local_build": site.site_url.is_none(),
        "language": site.language,
        "headline": site.article_title,
        "author": author,
        "keywords": { "primary": site.primary_keyword, "secondary": site.secondary_keywords },
        "date_published": view.data.published,
        "date_modified": view.data.modified,
        "og": og_tags,
        "freshness": {
            "data_date": view.data.datetime,
            "interpreters": view.interps.iter().map(|i| json!({
                "id": i.id, "version": i.version, "python": i.python,
            })).collect::<Vec<_>>(),
        },
    });
    put(&mut meta, "canonical", base.as_deref());
    meta
}

/// JSON text that can be pasted into a `<script>` element as it is (as `head.html`'s `tojson`
/// does): `</` and `<!--` occur only inside strings, where `<\/` and `\u003c!--` read the same.
fn script_safe(json: &str) -> String {
    json.replace("</", "<\\/").replace("<!--", "\\u003c!--")
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON values serialise") + "\n"
}

/// `base` + a relative path, with exactly one `/` between.
pub fn absolute(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}
