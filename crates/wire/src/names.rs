//! What a name may look like. Names travel into file names, shell commands a reader pastes,
//! Markdown and HTML; checking them where they are read (the catalogue, the suite, a raw
//! file's metadata) keeps every later stage safe from a name that is really markup.
//!
//! - **Ids** (interpreter ids, set names, workload names, categories): a conservative
//!   alphabet, `[a-z0-9][a-z0-9._-]*`, at most [`MAX_ID`] characters.
//! - **Run ids**: the same, plus upper case (`20261201T074549Z-3f9a1c-docker`).
//! - **Labels and other free text** (labels, caveats, descriptions, reasons): anything but
//!   control characters (newlines included), at most [`MAX_TEXT`] characters. They are still
//!   escaped wherever they are rendered.

/// Longest id.
pub const MAX_ID: usize = 64;
/// Longest label or one-line text.
pub const MAX_TEXT: usize = 500;

/// `Err(why)` unless `s` is an id: `[a-z0-9][a-z0-9._-]*`, at most 64 characters.
pub fn check_id(s: &str) -> Result<(), String> {
    check_ascii(s, false)
}

/// Like [`check_id`], but upper case letters are allowed too.
pub fn check_run_id(s: &str) -> Result<(), String> {
    check_ascii(s, true)
}

fn check_ascii(s: &str, upper: bool) -> Result<(), String> {
    let ok_first =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || (upper && c.is_ascii_uppercase());
    let ok = |c: char| ok_first(c) || matches!(c, '.' | '_' | '-');
    let alphabet = if upper {
        "[A-Za-z0-9][A-Za-z0-9._-]*"
    } else {
        "[a-z0-9][a-z0-9._-]*"
    };
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.chars().count() > MAX_ID {
        return Err(format!("is longer than {MAX_ID} characters"));
    }
    if let Some((i, c)) = s
        .chars()
        .enumerate()
        .find(|&(i, c)| if i == 0 { !ok_first(c) } else { !ok(c) })
    {
        return Err(format!(
            "`{}` has {:?} at position {}: use only {alphabet}",
            s.escape_debug(),
            c,
            i + 1
        ));
    }
    Ok(())
}

/// `Err(why)` if `s` holds a control character (a newline, say) or is too long.
pub fn check_text(s: &str) -> Result<(), String> {
    if s.chars().count() > MAX_TEXT {
        return Err(format!("is longer than {MAX_TEXT} characters"));
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(format!(
            "`{}` holds the control character {c:?}: keep it to one line of text",
            s.escape_debug()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for ok in ["cpython-3.13", "int_arith", "pypy-7.3-jit-off", "a", "0"] {
            check_id(ok).unwrap();
        }
        for bad in [
            "",
            "[click me](javascript:alert(3))",
            "a\nb",
            "A",
            "-a",
            ".hidden",
            "a b",
            "a/b",
            "$(x)",
            &"a".repeat(65),
        ] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
        check_run_id("20261201T074549Z-3f9a1c-docker").unwrap();
        assert!(check_run_id("../x").is_err());
    }

    #[test]
    fn text() {
        check_text("CPython 3.13 (PyPy's \"JIT\" off) — ünïcode").unwrap();
        assert!(check_text("a\n# H1").is_err());
        assert!(check_text("a\u{1b}[31m").is_err());
    }
}
