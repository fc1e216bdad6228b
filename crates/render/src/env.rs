//! The template environment, shared by the article and the site.

use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::{
    default_auto_escape_callback, escape_formatter, path_loader, AutoEscape, Environment,
    UndefinedBehavior, Value,
};

use crate::markdown::{code_span, escape, markdown_to_html, plain_text, slugify};

/// The name of the Markdown auto-escaping.
const MARKDOWN: &str = "markdown";

/// How a template's output is escaped, by its name (a trailing `.j2` ignored): `.md` and
/// templates given as strings (the editorial pieces of `content/*.toml`, all Markdown) escape
/// Markdown; the rest as minijinja's default (`.html` HTML, `.json`/`.js` JSON, else none).
fn auto_escape(name: &str) -> AutoEscape {
    let name = name.strip_suffix(".j2").unwrap_or(name);
    if name.ends_with(".md") || name == "<string>" {
        AutoEscape::Custom(MARKDOWN.into())
    } else {
        default_auto_escape_callback(name)
    }
}

/// A minijinja environment over the templates in `dir`:
/// - templates load by path from `dir` (`article.md.j2`, `partials/x.md.j2`);
/// - undefined values are errors (printing, iterating or testing one fails the render);
/// - auto-escaping follows the extension, a trailing `.j2` ignored: `.html` escapes HTML,
///   `.json` and `.js` serialise to JSON, `.md` (and templates rendered from a string) escape
///   Markdown with [`escape`], `.txt` is left alone. A value that is Markdown already (a
///   [`Markdown`](crate::markdown::Markdown), a macro's output, `|safe`) is printed as it is;
/// - `{% %}` lines leave no blank line behind (`trim_blocks`, `lstrip_blocks`), and a file's
///   final newline is kept;
/// - filters: `tojson` (built in), `markdown` (HTML, marked safe), `plain` (Markdown to plain
///   text), `slug` (the heading id of a text), `code` (data as one inline code span, safe:
///   [`code_span`]), `sh` (one argument quoted for a POSIX shell), `url` (a relative path
///   percent-encoded for a Markdown link destination, safe).
pub fn environment(dir: &Path) -> Environment<'static> {
    let mut env = embedded_environment();
    env.set_loader(path_loader(dir));
    env
}

/// [`environment`] with no loader: only the templates added to it exist (the site embeds
/// every one of its templates, so it reads none from disk).
pub fn embedded_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(auto_escape);
    env.set_formatter(|out, state, value| match state.auto_escape() {
        AutoEscape::Custom(name) if name == MARKDOWN => {
            if value.is_safe() || value.is_undefined() || value.is_none() {
                escape_formatter(out, state, &Value::from_safe_string(value.to_string()))
            } else if let Some(s) = value.as_str() {
                out.write_str(&escape(s)).map_err(minijinja::Error::from)
            } else {
                out.write_str(&escape(&value.to_string()))
                    .map_err(minijinja::Error::from)
            }
        }
        _ => escape_formatter(out, state, value),
    });
    env.add_filter("code", |s: &str| Value::from_safe_string(code_span(s)));
    env.add_filter("sh", |s: &str| crate::command::shell_quote(s));
    // A figure's footnote label (`bench-nbody`) as its Markdown reference; nothing for none.
    env.add_filter("footnote", |label: &str| {
        let ok = label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        match (label.is_empty(), ok) {
            (true, _) => Ok(Value::from_safe_string(String::new())),
            (false, true) => Ok(Value::from_safe_string(format!("[^{label}]"))),
            (false, false) => Err(minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("not a footnote label: {label:?}"),
            )),
        }
    });
    env.add_filter("url", |s: &str| Value::from_safe_string(url_path(s)));
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("valid syntax config"),
    );
    env.add_filter("markdown", |s: &str| {
        Value::from_safe_string(markdown_to_html(s))
    });
    env.add_filter("plain", |s: &str| plain_text(s));
    env.add_filter("slug", |s: &str| slugify(s));
    env
}

/// A relative path for a link destination: every byte other than an unreserved character or
/// `/` is percent-encoded, so no space, parenthesis or `<` can end the destination early.
fn url_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(files: &[(&str, &str)]) -> (tempdir::Dir, Environment<'static>) {
        let dir = tempdir::Dir::new();
        for (name, text) in files {
            std::fs::write(dir.0.join(name), text).unwrap();
        }
        let env = environment(&dir.0);
        (dir, env)
    }

    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static N: AtomicUsize = AtomicUsize::new(0);
                let p = std::env::temp_dir().join(format!(
                    "whichpy-render-env-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::SeqCst)
                ));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn strict_undefined_fails() {
        let (_d, env) = env_with(&[
            ("a.md.j2", "{{ missing }}"),
            ("b.md.j2", "{% if missing %}x{% endif %}"),
        ]);
        assert!(env.get_template("a.md.j2").unwrap().render(()).is_err());
        assert!(env.get_template("b.md.j2").unwrap().render(()).is_err());
    }

    #[test]
    fn escaping_follows_the_extension() {
        let (_d, env) = env_with(&[
            ("p.html.j2", "<p>{{ x }}</p><script>{{ x|tojson }}</script>"),
            ("p.md.j2", "{{ x }}"),
        ]);
        let ctx = minijinja::context! { x => "</script><b>\"&" };
        let html = env.get_template("p.html.j2").unwrap().render(&ctx).unwrap();
        assert!(!html.contains("</script><b>"), "{html}");
        assert!(html.contains("<p>&lt;"), "{html}");
        assert!(html.contains(r#"<script>"\u003c/script"#), "{html}");
        let md = env.get_template("p.md.j2").unwrap().render(&ctx).unwrap();
        // Markdown escapes the data: it reads the same, and starts no markup.
        assert_eq!(md, "\\</script\\>\\<b\\>\"&");
        assert_eq!(
            crate::markdown::markdown_to_html(&md),
            "<p>&lt;/script&gt;&lt;b&gt;\"&amp;</p>\n"
        );
    }
}
