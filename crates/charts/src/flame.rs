//! Flamegraphs of a profile's collapsed stacks, drawn with inferno.
//!
//! inferno's SVG carries an inline `<script>` (zoom and search) and an `onload` handler. The
//! site's Content-Security-Policy forbids inline script, and the SVG is shown as an `<img>`
//! (where no script runs anyway), so both are stripped here, with the "Reset Zoom" and
//! "Search" labels that only the script makes work: what is left is a static picture whose
//! frames keep their `<title>` tooltips (function, samples, share) for a reader who opens
//! the file itself.

use whichpy_wire::profile::{Profile, Sampled};

use crate::{Chart, Error};

/// Width inferno draws at, in pixels.
const WIDTH: usize = 1200;

/// The flamegraph of a profile's sampled stacks, or `None` when it has none. The file is
/// `profile-<interp>--<workload>--<size>.svg`.
pub fn flamegraph(p: &Profile) -> Result<Option<Chart>, Error> {
    let Some(sampled) = &p.sampled else {
        return Ok(None);
    };
    if sampled.stacks.is_empty() {
        return Ok(None);
    }
    let title = format!("{} on {} ({} size)", p.label, p.workload, p.size);
    let desc = format!(
        "Flamegraph of {} samples of {} on the {} workload, taken by the {}: each box is a \
         function, its width the share of samples in which it was on the stack, its callers \
         below it.",
        sampled.samples(),
        p.label,
        p.workload,
        sampled.tool.as_str()
    );
    let svg = flamegraph_svg(sampled, &title)?;
    let height = svg_height(&svg).unwrap_or(0);
    Ok(Some(Chart {
        file: format!("profile-{}--{}--{}.svg", p.interpreter, p.workload, p.size),
        title,
        desc,
        width: WIDTH as u32,
        height,
        svg,
    }))
}

/// inferno's SVG of the stacks, without its script.
pub fn flamegraph_svg(sampled: &Sampled, title: &str) -> Result<String, Error> {
    let mut opt = inferno::flamegraph::Options::default();
    opt.title = title.to_string();
    opt.subtitle = Some(format!(
        "{} samples by the {}, asked for {} a second",
        sampled.samples(),
        sampled.tool.as_str(),
        sampled.rate_hz
    ));
    opt.count_name = "samples".into();
    // Colours from a hash of the function name: the same stacks give the same bytes.
    opt.hash = true;
    opt.deterministic = true;
    opt.image_width = Some(WIDTH);
    opt.font_type = "DejaVu Sans, Verdana, sans-serif".into();
    let lines: Vec<String> = sampled
        .stacks
        .iter()
        .map(|s| format!("{} {}", s.frames, s.count))
        .collect();
    let mut out = Vec::new();
    inferno::flamegraph::from_lines(&mut opt, lines.iter().map(String::as_str), &mut out)
        .map_err(|e| Error(format!("flamegraph: {e}")))?;
    let svg = String::from_utf8(out).map_err(|e| Error(format!("flamegraph: {e}")))?;
    Ok(strip_script(&svg))
}

/// Remove `<script>…</script>`, `on…="…"` attributes and the script-only controls.
pub fn strip_script(svg: &str) -> String {
    let mut s = svg.to_string();
    while let Some(start) = s.find("<script") {
        let Some(end) = s[start..].find("</script>") else {
            s.truncate(start);
            break;
        };
        s.replace_range(start..start + end + "</script>".len(), "");
    }
    for id in ["unzoom", "search", "matched"] {
        let open = format!("<text id=\"{id}\"");
        if let Some(start) = s.find(&open) {
            if let Some(end) = s[start..].find("</text>") {
                s.replace_range(start..start + end + "</text>".len(), "");
            }
        }
    }
    remove_event_attributes(&s)
}

/// Drop every ` onXXX="…"` attribute.
fn remove_event_attributes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(" on") {
        let after = &rest[i + 3..];
        let name_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let tail = &after[name_len..];
        if name_len > 0 && tail.starts_with("=\"") {
            if let Some(close) = tail[2..].find('"') {
                out.push_str(&rest[..i]);
                rest = &tail[2 + close + 1..];
                continue;
            }
        }
        out.push_str(&rest[..i + 3]);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The `height="N"` of the root `<svg>`.
fn svg_height(svg: &str) -> Option<u32> {
    let start = svg.find("<svg")?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    let h = tag.split(" height=\"").nth(1)?;
    h[..h.find('"')?].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let svg = r#"<svg onload="init(evt)" height="10"><script type="text/ecmascript"><![CDATA[x]]></script><g onmouseover="s(this)" class="func_g"><title>a</title></g><text id="unzoom" class="hide">Reset Zoom</text></svg>"#;
        let out = strip_script(svg);
        assert_eq!(
            out,
            r#"<svg height="10"><g class="func_g"><title>a</title></g></svg>"#
        );
    }
}
