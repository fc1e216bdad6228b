//! Markdown: the one place that owns pulldown-cmark's options, the HTML conversion and the
//! structural reading of a document that the audit uses.
//!
//! The HTML pipeline, step by step (as mdBook does it):
//! 1. parse with [`parser_options`] (tables, footnotes, heading attributes, strikethrough);
//! 2. give every heading without an explicit `{#id}` an id made by [`slugify`] from its text,
//!    made unique in the document by `-1`, `-2`... suffixes, like mdBook;
//! 3. write HTML with `pulldown_cmark::html::push_html`, raw HTML written as text (it can only
//!    come from the data);
//! 4. links other than relative, `#fragment` and `https:` ones ([`safe_link`]), and images other
//!    than relative paths ([`safe_image`]), are written as their text: no `javascript:` link and
//!    no remote load can come out, whatever the Markdown says.
//!
//! Data put into Markdown goes through [`escape`] (text) or [`code_span`] (a code span); the
//! template environment does that for every `{{ value }}` of a `.md` template.
//!
//! [`Doc::parse`] reads the same events into blocks (headings, paragraphs, list items, table
//! cells, code, footnote definitions), images, links and anchors, so the audit counts words and
//! resolves links on exactly what a reader sees.

use std::collections::{BTreeMap, BTreeSet};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The parser options every Markdown in whichpy is read with.
pub fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH
}

/// mdBook's id rule: lower-case letters, digits, `_` and `-` are kept, whitespace becomes `-`,
/// everything else is dropped. `"CPython vs PyPy: 3.13?"` → `"cpython-vs-pypy-313"`.
pub fn slugify(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// Hands out unique ids: the first `faq` is `faq`, the next `faq-1`.
#[derive(Default)]
struct IdCounter(BTreeMap<String, usize>);

impl IdCounter {
    fn unique(&mut self, id: String) -> String {
        let n = self.0.entry(id.clone()).or_insert(0);
        let out = if *n == 0 { id } else { format!("{id}-{n}") };
        *n += 1;
        out
    }
}

/// Markdown text that is already safe to print into a Markdown template (a rendered template, a
/// footnote reference made by the view). It serialises as a plain string, and as a safe string
/// for minijinja, so the `.md` auto-escaping leaves it alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Markdown(pub String);

impl Markdown {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Markdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Markdown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if minijinja::value::serializing_for_value() {
            minijinja::Value::from_safe_string(self.0.clone()).serialize(serializer)
        } else {
            self.0.serialize(serializer)
        }
    }
}

/// Data as inert Markdown text: it reads the same once rendered, and can start no markup.
/// - line breaks become spaces, so no line of the data can become a heading, list or table;
/// - `\`, `` ` ``, `*`, `[`, `]`, `<`, `>`, `|`, `~`, `&`, `#`, `{`, `}` and `!` get a backslash, and
///   so does `_` unless letters or digits stand on both sides (`json_roundtrip` stays as it is:
///   an underscore inside a word can neither open nor close emphasis);
/// - a leading `-`, `+`, `=` or `1.`/`1)` gets a backslash, in case the value starts a line.
pub fn escape(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if is_line_break(c) { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(text.len() + 8);
    // A list marker or setext underline at the start.
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let ordered_marker = digits > 0
        && matches!(chars.get(digits), Some('.') | Some(')'))
        && chars.get(digits + 1).is_none_or(|c| c.is_whitespace());
    for (i, &c) in chars.iter().enumerate() {
        let escape_here = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '{' | '}' | '!' => true,
            // Only where an entity could start (`&amp;`, `&#60;`).
            '&' => chars
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '#'),
            '_' => {
                let alnum = |j: Option<&char>| j.is_some_and(|c| c.is_alphanumeric());
                !(i > 0 && alnum(chars.get(i - 1)) && alnum(chars.get(i + 1)))
            }
            '-' | '+' | '=' => i == 0,
            '.' | ')' => ordered_marker && i == digits,
            _ => false,
        };
        if escape_here {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Data as one inline code span: line breaks become spaces, and the fence is one backtick longer
/// than the longest run of backticks inside, so nothing in the data can close it early.
pub fn code_span(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if is_line_break(c) { ' ' } else { c })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    // A space on each side when the content touches a backtick or is all spaces (CommonMark
    // strips exactly one space from each side of such a span).
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty());
    if text.is_empty() {
        return "` `".to_string();
    }
    if pad {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// The scheme of a URL (`https`, `javascript`), if it has one. A colon before any `/`, `?` or
/// `#` counts, whatever comes before it, as a browser would read it.
fn scheme(url: &str) -> Option<&str> {
    let end = url.find(['/', '?', '#']).unwrap_or(url.len());
    url[..end].find(':').map(|i| &url[..i])
}

/// Whether a URL has nothing a browser could reinterpret: no whitespace or control characters
/// (browsers drop tabs and newlines inside a scheme), no backslash (`/\host` is another host).
fn plain_url(url: &str) -> bool {
    !url.is_empty()
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
}

/// A link the site may carry: relative (`results.html`, `../x.html`), a `#fragment`, or
/// `https:`. Not `javascript:`, `data:`, `http:`, `mailto:` nor a protocol-relative `//host`.
pub fn safe_link(url: &str) -> bool {
    plain_url(url)
        && match scheme(url) {
            Some(s) => s.eq_ignore_ascii_case("https") && url[s.len() + 1..].starts_with("//"),
            None => !url.starts_with("//"),
        }
}

/// An image the site may load: a relative path only, so the site works offline and tells no
/// other server who reads it.
pub fn safe_image(url: &str) -> bool {
    plain_url(url) && scheme(url).is_none() && !url.starts_with("//") && !url.starts_with('#')
}

/// Markdown to HTML, with an id on every heading.
pub fn markdown_to_html(md: &str) -> String {
    write_html(with_heading_ids(safe_events(md)), md.len())
}

/// Links the site adds to the article, made on the Markdown's events (never by searching the
/// finished HTML), so that the standalone `article.md` keeps only the article's own links.
#[derive(Clone, Debug, Default)]
pub struct SiteLinks {
    /// `(text, href)`: the first code span whose text is `text`, outside a link or heading,
    /// becomes a link to `href` (a workload's name to its page).
    pub code_links: Vec<(String, String)>,
    /// `(src, label)`: an image alone in its paragraph whose source is `src` becomes a link to
    /// it reading `label`, in a paragraph of class `share` (the decision matrix is a table in
    /// the article and, for sharing, an image of the same table: the page shows it once).
    pub image_links: Vec<(String, String)>,
    /// Inline Markdown put in a paragraph of class `see-also` at the end of the section that
    /// holds the first of the code links (before the next level-2 heading).
    pub see_also: Option<String>,
}

/// [`markdown_to_html`] with the site's links added (see [`SiteLinks`]).
pub fn markdown_to_html_linked(md: &str, links: &SiteLinks) -> String {
    write_html(
        with_heading_ids(add_site_links(safe_events(md), links)),
        md.len(),
    )
}

/// The document's events with raw HTML as text and unsafe links dropped.
fn safe_events(md: &str) -> Vec<Event<'_>> {
    drop_unsafe_links(
        Parser::new_ext(md, parser_options())
            .map(raw_html_as_text)
            .collect(),
    )
}

fn write_html(events: Vec<Event<'_>>, size_hint: usize) -> String {
    let mut html = String::with_capacity(size_hint * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Every heading gets an id: its explicit `{#id}`, or the slug of its text, unique in the
/// document.
fn with_heading_ids(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut ids = IdCounter::default();
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) = &events[i]
        {
            let end = (i..events.len())
                .find(|&j| matches!(events[j], Event::End(TagEnd::Heading(_))))
                .unwrap_or(events.len() - 1);
            let text = inline_text(&events[i + 1..end]);
            let id = match id {
                Some(id) => ids.unique(id.to_string()),
                None => ids.unique(slugify(&text)),
            };
            out.push(Event::Start(Tag::Heading {
                level: *level,
                id: Some(CowStr::from(id)),
                classes: classes.clone(),
                attrs: attrs.clone(),
            }));
            out.extend_from_slice(&events[i + 1..=end]);
            i = end + 1;
        } else {
            out.push(events[i].clone());
            i += 1;
        }
    }
    out
}

/// A link's opening tag to `href`, with no title.
fn link_to(href: &str) -> Event<'static> {
    Event::Start(Tag::Link {
        link_type: pulldown_cmark::LinkType::Inline,
        dest_url: CowStr::from(href.to_string()),
        title: CowStr::from(""),
        id: CowStr::from(""),
    })
}

/// A paragraph of `class` around `inner`. The class is the code's own markup, never the data's
/// (raw HTML from the Markdown was made text in [`safe_events`]).
fn classed_paragraph<'a>(class: &str, inner: Vec<Event<'a>>) -> Vec<Event<'a>> {
    let mut out = vec![Event::Html(CowStr::from(format!("<p class=\"{class}\">")))];
    out.extend(inner);
    out.push(Event::Html(CowStr::from("</p>\n")));
    out
}

/// The inline events of a line of Markdown (its paragraph's tags left out), made safe like a
/// document's.
fn inline_events(md: &str) -> Vec<Event<'static>> {
    safe_events(md)
        .into_iter()
        .filter(|e| {
            !matches!(
                e,
                Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph)
            )
        })
        .map(Event::into_static)
        .collect()
}

fn add_site_links<'a>(events: Vec<Event<'a>>, links: &SiteLinks) -> Vec<Event<'a>> {
    let see_also = || {
        links
            .see_also
            .as_deref()
            .map(|md| classed_paragraph("see-also", inline_events(md)))
            .unwrap_or_default()
    };
    let mut out = Vec::with_capacity(events.len() + 16);
    let mut linked: BTreeSet<&str> = BTreeSet::new();
    let (mut in_link, mut in_heading) = (0usize, 0usize);
    // None: no code link yet; Some(false): one made, its section still open; Some(true): the
    // see-also paragraph is written.
    let mut see_also_at: Option<bool> = None;
    let mut i = 0;
    while i < events.len() {
        // An image alone in its paragraph: Start(Paragraph), Start(Image), alt text,
        // End(Image), End(Paragraph).
        if let (Event::Start(Tag::Paragraph), Some(Event::Start(Tag::Image { dest_url, .. }))) =
            (&events[i], events.get(i + 1))
        {
            let end_image =
                (i + 2..events.len()).find(|&j| matches!(events[j], Event::End(TagEnd::Image)));
            let alone = end_image
                .is_some_and(|j| matches!(events.get(j + 1), Some(Event::End(TagEnd::Paragraph))));
            let found = links
                .image_links
                .iter()
                .find(|(src, _)| src.as_str() == dest_url.as_ref());
            if let (Some(j), true, Some((src, label))) = (end_image, alone, found) {
                out.extend(classed_paragraph(
                    "share",
                    vec![
                        link_to(src),
                        Event::Text(CowStr::from(label.clone())),
                        Event::End(TagEnd::Link),
                    ],
                ));
                i = j + 2;
                continue;
            }
        }
        let e = &events[i];
        match e {
            Event::Start(Tag::Link { .. }) => in_link += 1,
            Event::End(TagEnd::Link) => in_link = in_link.saturating_sub(1),
            Event::Start(Tag::Heading { level, .. }) => {
                if *level == HeadingLevel::H2 && see_also_at == Some(false) {
                    out.extend(see_also());
                    see_also_at = Some(true);
                }
                in_heading += 1;
            }
            Event::End(TagEnd::Heading(_)) => in_heading = in_heading.saturating_sub(1),
            Event::Code(text) if in_link == 0 && in_heading == 0 => {
                let target = links
                    .code_links
                    .iter()
                    .find(|(t, _)| t.as_str() == text.as_ref() && !linked.contains(t.as_str()));
                if let Some((t, href)) = target {
                    linked.insert(t.as_str());
                    out.extend([link_to(href), e.clone(), Event::End(TagEnd::Link)]);
                    see_also_at.get_or_insert(false);
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        out.push(e.clone());
        i += 1;
    }
    if see_also_at == Some(false) {
        out.extend(see_also());
    }
    out
}

/// whichpy's Markdown is generated, and its templates write no raw HTML: any that appears came
/// from the data (a workload name, an interpreter label) and is shown as text, never as markup.
fn raw_html_as_text(e: Event<'_>) -> Event<'_> {
    match e {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        e => e,
    }
}

/// Links and images that fail [`safe_link`] / [`safe_image`] lose their tags and keep their
/// text (an image's text is its alt text).
fn drop_unsafe_links(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    // For each open link or image: whether its tags were dropped.
    let mut open: Vec<bool> = Vec::new();
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        match &e {
            Event::Start(Tag::Link { dest_url, .. }) => {
                let drop = !safe_link(dest_url);
                open.push(drop);
                if drop {
                    continue;
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                let drop = !safe_image(dest_url);
                open.push(drop);
                if drop {
                    continue;
                }
            }
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) if open.pop().unwrap_or(false) => {
                continue;
            }
            _ => {}
        }
        out.push(e);
    }
    out
}

/// The visible text of inline events (code spans included, images' alt text left out).
fn inline_text(events: &[Event]) -> String {
    let mut s = String::new();
    let mut in_image = 0;
    for e in events {
        match e {
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image -= 1,
            Event::Text(t) | Event::Code(t) if in_image == 0 => s.push_str(t),
            Event::SoftBreak | Event::HardBreak if in_image == 0 => s.push(' '),
            _ => {}
        }
    }
    s
}

/// Markdown to plain text: code spans keep their text, links keep their text, footnote
/// references, footnote definitions and images disappear, blocks are separated by a space.
/// For JSON-LD answers and meta tags.
pub fn plain_text(md: &str) -> String {
    // A footnote reference whose definition lives elsewhere (an FAQ answer cites the article's
    // footnotes) would otherwise stay as literal `[^label]` text.
    let md = strip_footnote_refs(md);
    let doc = Doc::parse(&md);
    let parts: Vec<&str> = doc
        .blocks
        .iter()
        .filter(|b| !b.in_footnote)
        .map(|b| b.text.trim())
        .filter(|t| !t.is_empty())
        .collect();
    parts.join(" ")
}

/// `text[^label] more` → `text more`: drops footnote references (`[^` + label without spaces + `]`).
fn strip_footnote_refs(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut rest = md;
    while let Some(i) = rest.find("[^") {
        let after = &rest[i + 2..];
        match after.find(']') {
            // `[^label]:` starts a definition: keep it.
            Some(j)
                if j > 0
                    && !after[..j].contains(char::is_whitespace)
                    && !after[j + 1..].starts_with(':') =>
            {
                out.push_str(&rest[..i]);
                rest = &after[j + 1..];
            }
            _ => {
                out.push_str(&rest[..i + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod footnote_ref_tests {
    #[test]
    fn plain_text_drops_footnote_references() {
        assert_eq!(
            super::plain_text("PyPy was 11.5× faster[^bench-nbody], really [^ not a ref]."),
            "PyPy was 11.5× faster, really [^ not a ref]."
        );
    }
}

/// What kind of block a piece of text sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    Heading(u8),
    Paragraph,
    /// Text directly inside a list item (tight lists have no paragraph).
    ListItem,
    TableCell,
    CodeBlock,
    Html,
}

/// One leaf block of text.
#[derive(Clone, Debug)]
pub struct Block {
    pub kind: BlockKind,
    /// Every visible character, code spans included.
    pub text: String,
    /// The text with each code span replaced by [`CODE_MARK`]: prose only.
    pub prose: String,
    /// Id of the H2 section the block is in (`None` before the first H2).
    pub section: Option<String>,
    /// Inside a footnote definition.
    pub in_footnote: bool,
    /// Inside a table.
    pub in_table: bool,
    /// Inside an ordered or bullet list.
    pub in_list: bool,
}

/// What stands for a code span in [`Block::prose`]: one word, no digits.
pub const CODE_MARK: &str = "⟨code⟩";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub alt: String,
    pub url: String,
    pub title: String,
    pub section: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub text: String,
    pub section: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub section: Option<String>,
    /// Header row included.
    pub rows: Vec<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List {
    pub section: Option<String>,
    pub ordered: bool,
    /// Direct items only.
    pub items: usize,
}

/// A Markdown document as the audit sees it.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    pub headings: Vec<Heading>,
    pub blocks: Vec<Block>,
    pub images: Vec<Image>,
    pub links: Vec<Link>,
    pub tables: Vec<Table>,
    pub lists: Vec<List>,
    pub footnote_refs: Vec<String>,
    pub footnote_defs: BTreeSet<String>,
}

impl Doc {
    pub fn parse(md: &str) -> Doc {
        let mut doc = Doc::default();
        let mut ids = IdCounter::default();
        let mut section: Option<String> = None;
        // Open containers.
        let mut in_footnote = 0usize;
        let mut in_table = 0usize;
        let mut lists: Vec<(usize, bool, usize)> = Vec::new(); // (index in doc.lists, ordered, items)
        let mut image: Option<(String, String, String)> = None; // url, title, alt
        let mut link: Option<(String, String)> = None; // url, text
        let mut heading: Option<(u8, Option<String>)> = None;
        let mut table_rows: Vec<Vec<String>> = Vec::new();
        let mut row: Vec<String> = Vec::new();
        let mut kind_stack: Vec<BlockKind> = Vec::new();
        let mut text = String::new();
        let mut prose = String::new();

        let flush = |doc: &mut Doc,
                     kind: BlockKind,
                     text: &mut String,
                     prose: &mut String,
                     section: &Option<String>,
                     in_footnote: bool,
                     in_table: bool,
                     in_list: bool| {
            if !text.trim().is_empty() {
                doc.blocks.push(Block {
                    kind,
                    text: std::mem::take(text),
                    prose: std::mem::take(prose),
                    section: section.clone(),
                    in_footnote,
                    in_table,
                    in_list,
                });
            }
            text.clear();
            prose.clear();
        };

        for event in Parser::new_ext(md, parser_options()) {
            let current = kind_stack.last().copied().unwrap_or(BlockKind::Paragraph);
            match &event {
                Event::Start(tag) if is_block(tag) => {
                    flush(
                        &mut doc,
                        current,
                        &mut text,
                        &mut prose,
                        &section,
                        in_footnote > 0,
                        in_table > 0,
                        !lists.is_empty(),
                    );
                    match tag {
                        Tag::Heading { level, id, .. } => {
                            heading =
                                Some((heading_level(*level), id.as_ref().map(|s| s.to_string())));
                            kind_stack.push(BlockKind::Heading(heading_level(*level)));
                        }
                        Tag::Paragraph => kind_stack.push(BlockKind::Paragraph),
                        Tag::Item => {
                            if let Some(l) = lists.last_mut() {
                                l.2 += 1;
                            }
                            kind_stack.push(BlockKind::ListItem)
                        }
                        Tag::List(start) => {
                            doc.lists.push(List {
                                section: section.clone(),
                                ordered: start.is_some(),
                                items: 0,
                            });
                            lists.push((doc.lists.len() - 1, start.is_some(), 0));
                            kind_stack.push(BlockKind::ListItem);
                        }
                        Tag::TableCell => kind_stack.push(BlockKind::TableCell),
                        Tag::Table(_) => {
                            in_table += 1;
                            table_rows.clear();
                            kind_stack.push(BlockKind::TableCell);
                        }
                        Tag::TableHead | Tag::TableRow => {
                            row.clear();
                            kind_stack.push(BlockKind::TableCell);
                        }
                        Tag::CodeBlock(_) => kind_stack.push(BlockKind::CodeBlock),
                        Tag::HtmlBlock => kind_stack.push(BlockKind::Html),
                        Tag::FootnoteDefinition(label) => {
                            in_footnote += 1;
                            doc.footnote_defs.insert(label.to_string());
                            kind_stack.push(BlockKind::Paragraph);
                        }
                        _ => kind_stack.push(BlockKind::Paragraph),
                    }
                }
                Event::End(end) if is_block_end(end) => {
                    if let TagEnd::Heading(_) = end {
                        let (level, id) = heading.take().unwrap_or((1, None));
                        let id = match id {
                            Some(id) => ids.unique(id),
                            None => ids.unique(slugify(&text)),
                        };
                        if level == 2 {
                            section = Some(id.clone());
                        }
                        doc.headings.push(Heading {
                            level,
                            text: text.trim().to_string(),
                            id,
                        });
                    }
                    if let TagEnd::TableCell = end {
                        row.push(text.trim().to_string());
                    }
                    flush(
                        &mut doc,
                        current,
                        &mut text,
                        &mut prose,
                        &section,
                        in_footnote > 0,
                        in_table > 0,
                        !lists.is_empty(),
                    );
                    match end {
                        TagEnd::TableHead | TagEnd::TableRow => {
                            table_rows.push(std::mem::take(&mut row));
                        }
                        TagEnd::Table => {
                            in_table -= 1;
                            doc.tables.push(Table {
                                section: section.clone(),
                                rows: std::mem::take(&mut table_rows),
                            });
                        }
                        TagEnd::FootnoteDefinition => in_footnote -= 1,
                        TagEnd::List(_) => {
                            if let Some((idx, _, items)) = lists.pop() {
                                doc.lists[idx].items = items;
                            }
                        }
                        _ => {}
                    }
                    kind_stack.pop();
                }
                Event::Start(Tag::Image {
                    dest_url, title, ..
                }) => image = Some((dest_url.to_string(), title.to_string(), String::new())),
                Event::End(TagEnd::Image) => {
                    if let Some((url, title, alt)) = image.take() {
                        doc.images.push(Image {
                            alt,
                            url,
                            title,
                            section: section.clone(),
                        });
                    }
                }
                Event::Start(Tag::Link { dest_url, .. }) => {
                    link = Some((dest_url.to_string(), String::new()))
                }
                Event::End(TagEnd::Link) => {
                    if let Some((url, text)) = link.take() {
                        doc.links.push(Link {
                            url,
                            text,
                            section: section.clone(),
                        });
                    }
                }
                Event::Text(t) | Event::Code(t) if image.is_some() => {
                    if let Some(img) = image.as_mut() {
                        img.2.push_str(t);
                    }
                }
                Event::Text(t) => {
                    text.push_str(t);
                    prose.push_str(t);
                    if let Some(l) = link.as_mut() {
                        l.1.push_str(t);
                    }
                }
                Event::Code(t) => {
                    text.push_str(t);
                    prose.push_str(CODE_MARK);
                    if let Some(l) = link.as_mut() {
                        l.1.push_str(t);
                    }
                }
                Event::Html(t) | Event::InlineHtml(t) => {
                    text.push_str(t);
                }
                Event::SoftBreak | Event::HardBreak => {
                    text.push(' ');
                    prose.push(' ');
                }
                Event::FootnoteReference(label) => doc.footnote_refs.push(label.to_string()),
                _ => {}
            }
        }
        doc
    }

    /// The anchors a `#fragment` link may point at: heading ids and footnote labels.
    pub fn anchors(&self) -> BTreeSet<String> {
        let mut a: BTreeSet<String> = self.headings.iter().map(|h| h.id.clone()).collect();
        a.extend(self.footnote_defs.iter().cloned());
        a
    }
}

fn is_block(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::HtmlBlock
            | Tag::List(_)
            | Tag::Item
            | Tag::FootnoteDefinition(_)
            | Tag::Table(_)
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
    )
}

fn is_block_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::FootnoteDefinition
            | TagEnd::Table
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::TableCell
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
    )
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_like_mdbook() {
        assert_eq!(slugify("CPython vs PyPy: 3.13?"), "cpython-vs-pypy-313");
        assert_eq!(slugify("FAQ"), "faq");
        assert_eq!(slugify("I/O-bound work"), "io-bound-work");
    }

    #[test]
    fn html_has_unique_heading_ids() {
        let html = markdown_to_html("# Title\n\n## FAQ\n\n## FAQ\n\n## Custom {#here}\n");
        assert!(html.contains(r#"<h1 id="title">Title</h1>"#), "{html}");
        assert!(html.contains(r#"<h2 id="faq">FAQ</h2>"#), "{html}");
        assert!(html.contains(r#"<h2 id="faq-1">FAQ</h2>"#), "{html}");
        assert!(html.contains(r#"<h2 id="here">Custom</h2>"#), "{html}");
    }

    #[test]
    fn raw_html_from_the_data_stays_text() {
        let md = "## nbody<script>alert(1)</script>\n\nPyPy </script><script>x</script> ran.\n\n<div>block</div>\n";
        let html = markdown_to_html(md);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;/script&gt;&lt;script&gt;x"), "{html}");
    }

    #[test]
    fn html_has_tables_and_footnotes() {
        let html =
            markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^x].\n\n[^x]: Note.\n");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("footnote-definition"), "{html}");
    }

    #[test]
    fn doc_reads_blocks_tables_lists_images_and_footnotes() {
        let md = "# T\n\nIntro `code 1` text[^n].\n\n## Two\n\n![alt text](a.svg \"t\")\n\n\
                  1. one\n2. two\n\n| h | k |\n|---|---|\n| 1 | 2 |\n\n[link](#two)\n\n[^n]: `cmd`\n";
        let doc = Doc::parse(md);
        assert_eq!(doc.headings.len(), 2);
        assert_eq!(doc.headings[1].id, "two");
        assert_eq!(doc.images[0].alt, "alt text");
        assert_eq!(doc.lists[0].items, 2);
        assert!(doc.lists[0].ordered);
        assert_eq!(doc.tables[0].rows, vec![vec!["h", "k"], vec!["1", "2"]]);
        assert_eq!(doc.footnote_refs, ["n"]);
        assert!(doc.footnote_defs.contains("n"));
        assert_eq!(doc.links[0].url, "#two");
        let intro = &doc.blocks[1];
        assert_eq!(intro.text, "Intro code 1 text.");
        assert_eq!(intro.prose, format!("Intro {CODE_MARK} text."));
        assert!(doc.blocks.iter().any(|b| b.in_footnote && b.text == "cmd"));
        assert_eq!(plain_text("A `b` [c](#d)[^n].\n\n[^n]: x\n"), "A b c.");
    }

    fn site_links() -> SiteLinks {
        SiteLinks {
            code_links: vec![
                ("nbody".into(), "workloads/nbody.html".into()),
                ("sorting".into(), "workloads/sorting.html".into()),
            ],
            image_links: vec![("images/m.svg".into(), "M & co".into())],
            see_also: Some("All on the [results page](results.html).".into()),
        }
    }

    #[test]
    fn the_first_mention_of_a_workload_links_to_its_page() {
        let md = "## On `nbody`\n\n[`nbody`](#x) and `nbody`, `nbody`.\n\n```\nsorting\n```\n\n\
                  ## B\n\n`<b>`\n";
        let out = markdown_to_html_linked(md, &site_links());
        // Not in a heading, not in a link: the third mention, once.
        assert_eq!(
            out.matches("href=\"workloads/nbody.html\"").count(),
            1,
            "{out}"
        );
        assert!(
            out.contains(
                "and <a href=\"workloads/nbody.html\"><code>nbody</code></a>, <code>nbody</code>."
            ),
            "{out}"
        );
        assert!(
            out.contains("<h2 id=\"on-nbody\">On <code>nbody</code></h2>"),
            "{out}"
        );
        // A code block is not a code span.
        assert!(!out.contains("workloads/sorting.html"), "{out}");
        // The see-also paragraph ends the first link's section, before the next h2.
        let see = out
            .find(
                "<p class=\"see-also\">All on the <a href=\"results.html\">results page</a>.</p>\n",
            )
            .expect(&out);
        assert!(see > out.find("workloads/nbody.html").unwrap(), "{out}");
        assert!(see < out.find("<h2 id=\"b\"").unwrap(), "{out}");
        // Without the links, the same Markdown is the plain conversion.
        assert_eq!(
            markdown_to_html_linked(md, &SiteLinks::default()),
            markdown_to_html(md)
        );
    }

    #[test]
    fn no_code_link_no_see_also_and_data_stays_text() {
        let out = markdown_to_html_linked("Plain `<i>` text.\n", &site_links());
        assert!(!out.contains("see-also"), "{out}");
        assert!(out.contains("<code>&lt;i&gt;</code>"), "{out}");
        // The last section holds the first link: the paragraph ends the document.
        let out = markdown_to_html_linked("# T\n\nOn `sorting`.\n", &site_links());
        assert!(out.ends_with("results page</a>.</p>\n"), "{out}");
    }

    #[test]
    fn the_matrix_image_becomes_a_link() {
        let md = "| a |\n|---|\n| 1 |\n\n![a](images/m.svg \"t\")\n\n## x\n";
        let out = markdown_to_html_linked(md, &site_links());
        assert!(
            out.contains(
                "</table>\n<p class=\"share\"><a href=\"images/m.svg\">M &amp; co</a></p>\n<h2"
            ),
            "{out}"
        );
        assert!(!out.contains("<img"), "{out}");
        // An image inside prose is left alone.
        let prose = "![a](images/m.svg) and *text*\n";
        assert_eq!(
            markdown_to_html_linked(prose, &site_links()),
            markdown_to_html(prose)
        );
    }
}
