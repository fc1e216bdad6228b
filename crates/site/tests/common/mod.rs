//! Helpers shared by the site's tests: the fixture summary, a site built from it, the static
//! file server and the DevTools client.
#![allow(dead_code)]

pub mod cdp;
pub mod serve;

#[path = "../../../charts/tests/common/fixture.rs"]
pub mod fixture;

use std::path::{Path, PathBuf};

use whichpy_render::Content;
use whichpy_wire::summary::Summary;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn content() -> Content {
    Content::load(&repo().join("content")).expect("content/ loads")
}

fn diagrams(content: &Content) -> Vec<(String, Vec<u8>)> {
    let dir = content.dir.join("images");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths.into_iter().filter(|p| p.is_file()) {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// Profiles made from the output `cargo xtask profile` captured in the images (the wire
/// crate's fixtures): CPython with py-spy, PyPy with the timer sampler, nbody at the quick size.
pub fn profiles() -> Vec<whichpy_wire::profile::Profile> {
    use whichpy_wire::profile::*;
    let dir = repo().join("crates/wire/tests/fixtures/profile");
    [
        (
            "cpython-3.13",
            "CPython 3.13",
            "cpython-nbody.txt",
            SamplerTool::PySpy,
        ),
        (
            "pypy-7.3",
            "PyPy 7.3 (Python 3.11)",
            "pypy-nbody.txt",
            SamplerTool::Timer,
        ),
    ]
    .into_iter()
    .map(|(id, label, file, tool)| {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let out = DriverOutput::parse(&text).unwrap();
        let mut top = parse_pstats(out.section("cprofile").unwrap()).unwrap();
        top.tool_command = "python profile_driver.py cprofile … nbody 2000 1".to_string();
        top.calls_of_run = 1;
        let stacks = parse_collapsed(out.section("stacks").unwrap()).unwrap();
        Profile {
            schema: PROFILE_SCHEMA,
            interpreter: id.into(),
            label: label.into(),
            workload: "nbody".into(),
            size: whichpy_wire::SizeName::Quick,
            n: 2000,
            command: whichpy_view::command::profile_command(
                id,
                "nbody",
                whichpy_wire::SizeName::Quick,
            ),
            created: "2026-12-01T15:00:00Z".into(),
            image: "whichpy-test".into(),
            seconds: 1.0,
            wall_s: 15.0,
            cprofile: Some(top),
            sampled: Some(Sampled {
                tool,
                tool_command: "sampler …".into(),
                rate_hz: 200.0,
                stacks,
            }),
        }
    })
    .collect()
}

/// The site of a summary, with the real `content/`, the summary itself and one raw file.
pub fn build(summary: &Summary) -> whichpy_site::Site {
    build_with(summary, &content())
}

/// [`build`] with a given content (a configured site URL, say).
pub fn build_with(summary: &Summary, content: &Content) -> whichpy_site::Site {
    try_build_with(summary, content).expect("the site builds")
}

/// [`build_with`], its error returned.
pub fn try_build_with(
    summary: &Summary,
    content: &Content,
) -> Result<whichpy_site::Site, whichpy_site::Error> {
    let summary_json = serde_json::to_vec_pretty(summary).unwrap();
    let raw = vec![(
        "20261123T100000Z-native.jsonl".to_string(),
        b"{\"type\":\"run\"}\n".to_vec(),
    )];
    whichpy_site::build(&whichpy_site::Input {
        summary,
        content,
        summary_json: &summary_json,
        raw: &raw,
        diagrams: &diagrams(content),
        profiles: &profiles(),
    })
}

/// The fixture's site written to a fresh temporary folder.
pub fn write_temp(site: &whichpy_site::Site) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    whichpy_site::write(site, &out).unwrap();
    dir
}

pub fn injected_summary() -> Summary {
    fixture::build(&fixture::Fixture {
        workload: format!("nbody{}", fixture::INJECTION),
        pypy_label: format!("PyPy {}", fixture::INJECTION),
    })
}

/// Names that are Markdown: a `javascript:` link, a remote image, a line that is a heading.
pub const LINK_NAME: &str = "[click me](javascript:alert(3))";
pub const IMAGE_NAME: &str = "![px](http://127.0.0.1:9/p.png)";
pub const HEADING_NAME: &str = "nbody\n# H1 injected";

/// The fixture with the warm-up workload called `workload` and PyPy labelled `label`.
pub fn named_summary(workload: &str, label: &str) -> Summary {
    fixture::build(&fixture::Fixture {
        workload: workload.to_string(),
        pypy_label: label.to_string(),
    })
}
