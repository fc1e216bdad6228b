//! The template environment, shared by the article and the site.

use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::{default_auto_escape_callback, path_loader, Environment, UndefinedBehavior, Value};

use crate::markdown::{markdown_to_html, plain_text, slugify};

/// A minijinja environment over the templates in `dir`:
/// - templates load by path from `dir` (`article.md.j2`, `partials/x.md.j2`);
/// - undefined values are errors (printing, iterating or testing one fails the render);
/// - auto-escaping follows the extension, a trailing `.j2` ignored: `.html` escapes HTML,
///   `.json` and `.js` serialise to JSON, `.md` and `.txt` are left alone;
/// - `{% %}` lines leave no blank line behind (`trim_blocks`, `lstrip_blocks`), and a file's
///   final newline is kept;
/// - filters: `tojson` (built in), `markdown` (HTML, marked safe), `plain` (Markdown to plain
///   text), `slug` (the heading id of a text).
pub fn environment(dir: &Path) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_loader(path_loader(dir));
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(default_auto_escape_callback);
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
        assert_eq!(md, "</script><b>\"&");
    }
}
