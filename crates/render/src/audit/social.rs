//! The social posts (`social.md`).

use super::{word_count, Ctx, Out, LINKEDIN_WORDS, PINTEREST_WORDS, X_CHARS, X_POSTS};
use crate::outputs::SOCIAL;

pub fn social_x(c: &Ctx, out: &mut Out) {
    let x = &c.social.x;
    if x.len() != X_POSTS {
        out.fail(
            "social-x",
            SOCIAL,
            format!("{} posts", x.len()),
            "the X thread needs an opener and 3 follow-ups",
        );
    }
    for p in x {
        let n = p.chars().count();
        if n > X_CHARS {
            out.fail(
                "social-x",
                SOCIAL,
                p,
                format!("{n} characters, more than 280"),
            );
        }
    }
}

pub fn social_linkedin(c: &Ctx, out: &mut Out) {
    let t = &c.social.linkedin;
    out.range(
        "social-linkedin",
        SOCIAL,
        t,
        word_count(t),
        LINKEDIN_WORDS,
        "LinkedIn word count",
    );
}

pub fn social_pinterest(c: &Ctx, out: &mut Out) {
    let t = &c.social.pinterest;
    out.range(
        "social-pinterest",
        SOCIAL,
        t,
        word_count(t),
        PINTEREST_WORDS,
        "Pinterest word count",
    );
}

pub fn social_title(c: &Ctx, out: &mut Out) {
    let s = &c.social;
    let title = &c.site().article_title;
    if !s
        .x
        .iter()
        .chain([&s.linkedin, &s.pinterest])
        .any(|p| p.contains(title.as_str()))
    {
        out.fail(
            "social-title",
            SOCIAL,
            title,
            "no post quotes the article title verbatim",
        );
    }
}

#[derive(Clone, Debug, Default)]
pub struct SocialDoc {
    pub x: Vec<String>,
    pub linkedin: String,
    pub pinterest: String,
}

/// Read `social.md`: H2 `X thread` (each H3 a post), `LinkedIn`, `Pinterest`.
pub fn parse_social(md: &str) -> SocialDoc {
    let mut out = SocialDoc::default();
    let mut section = String::new();
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_lowercase();
            continue;
        }
        if line.starts_with("### ") {
            if section == "x thread" {
                out.x.push(String::new());
            }
            continue;
        }
        if line.starts_with("# ") || line.trim().is_empty() {
            continue;
        }
        let target = match section.as_str() {
            "x thread" => out.x.last_mut(),
            "linkedin" => Some(&mut out.linkedin),
            "pinterest" => Some(&mut out.pinterest),
            _ => None,
        };
        if let Some(t) = target {
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str(line.trim_end());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn social_parses() {
        let s = parse_social("# S\n\n## X thread\n\n### Opener\n\nOne.\n\n### Follow-up\n\nTwo.\n\n## LinkedIn\n\nL.\n\n## Pinterest\n\nP.\n");
        assert_eq!(s.x, ["One.", "Two."]);
        assert_eq!(s.linkedin, "L.");
    }
}
