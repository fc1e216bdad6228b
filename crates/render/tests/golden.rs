//! Golden files: every output of each fixture summary (see tests/fixtures/README.md). Together
//! the fixtures show the wording and the tables flipping with the data. Review changes with
//! `cargo insta review`.

mod common;

use whichpy_render::outputs::{ARTICLE, FAQ_JSONLD, HEAD, IMAGES, META, SOCIAL};

#[test]
fn golden_outputs() {
    insta::glob!("fixtures/*.json", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let r = common::render(name);
        for file in [ARTICLE, FAQ_JSONLD, META, SOCIAL, IMAGES, HEAD] {
            insta::assert_snapshot!(file, r.files[file]);
        }
    });
}

#[test]
fn wording_follows_the_verdicts() {
    let faster = &common::render("pypy-faster.json").files[ARTICLE];
    let slower = &common::render("pypy-slower.json").files[ARTICLE];
    let same = &common::render("no-significant-difference.json").files[ARTICLE];
    let missing = &common::render("micropython-missing.json").files[ARTICLE];

    let steady = "On the `nbody` workload, PyPy";
    let line = |a: &str| {
        a.lines()
            .find(|l| l.starts_with(steady))
            .unwrap()
            .to_string()
    };
    assert!(
        line(faster).contains("PyPy's steady state was 18.0× faster"),
        "{}",
        line(faster)
    );
    assert!(
        line(slower).contains("PyPy's steady state was 1.62× slower"),
        "{}",
        line(slower)
    );
    assert!(
        line(same).contains("PyPy's steady state and CPython's showed no significant difference"),
        "{}",
        line(same)
    );
    for text in [faster, slower, same] {
        assert_eq!(text.matches("| **Data pipeline** |").count(), 1);
    }
    let pipeline = |a: &str| {
        a.lines()
            .find(|l| l.starts_with("| **Data pipeline** |"))
            .unwrap()
            .to_string()
    };
    assert!(pipeline(faster).contains("**Promising**: faster on 1 of 1"));
    assert!(pipeline(slower).contains("**Unlikely**: slower on 1 of 1"));
    assert!(pipeline(same).contains("**No gain**: no significant difference on 1 of 1"));
    assert!(faster.contains("PyPy overtook CPython after 8 iterations"));
    assert!(slower.contains("did not cross within the iterations we measured"));
    assert!(missing.contains("MicroPython is not in this data"));
    assert!(missing.contains("| MicroPython | not measured | not measured | not measured |"));
}

#[test]
fn output_is_deterministic() {
    let a = common::render("pypy-faster.json");
    let b = common::render("pypy-faster.json");
    assert_eq!(a.files, b.files);
}

#[test]
fn json_outputs_parse_and_match_the_faq() {
    let r = common::render("pypy-faster.json");
    let ld: serde_json::Value = serde_json::from_str(&r.files[FAQ_JSONLD]).unwrap();
    assert_eq!(ld["@graph"][1]["mainEntity"].as_array().unwrap().len(), 10);
    assert_eq!(
        ld["@graph"][1]["mainEntity"][0]["name"],
        r.faq[0].question.as_str()
    );
    let meta: serde_json::Value = serde_json::from_str(&r.files[META]).unwrap();
    assert_eq!(meta["og"]["og:image:width"], 1200);
    // The page head carries the JSON-LD escaped for a <script> element.
    assert!(r.files[HEAD].contains("<script type=\"application/ld+json\">"));
    assert!(!r.files[HEAD].contains("</script><"), "tojson escapes </");
}

#[test]
fn every_fixture_passes_the_audit() {
    for name in [
        "pypy-faster.json",
        "pypy-slower.json",
        "no-significant-difference.json",
        "micropython-missing.json",
    ] {
        let r = common::render(name);
        let report = common::audit_with(&r, |_, _| None);
        // A fixture holds two workloads, so its article is shorter than one of the whole
        // suite: the length rules are held on the committed data (`audit::good_output_passes`).
        let length = ["body-words", "intro-words", "conclusion-words"];
        let failed: Vec<_> = report
            .failed_rules()
            .into_iter()
            .filter(|r| !length.contains(r))
            .collect();
        assert!(
            failed.is_empty(),
            "{name}:\n{}",
            report
                .findings
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
