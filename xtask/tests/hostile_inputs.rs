//! Issue 29: the readers of the last stages refuse what no earlier stage writes, naming the
//! file and the field: `render` and `check` with a summary whose figures are negative,
//! absurd, inverted or repeated.

use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The committed summary with `edit` applied, written into `dir`.
fn mutated(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo().join("results/summary.json")).unwrap())
            .unwrap();
    edit(&mut v);
    let path = dir.join("summary.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    path
}

/// A change to the committed summary.
type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;

#[test]
fn render_and_check_refuse_a_nonsense_summary_naming_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "negative mean",
            Box::new(|v| v["cells"][0]["wall_ns"]["mean"] = serde_json::json!(-5.0)),
            "field `cells[0].wall_ns.mean`",
        ),
        (
            "1e300 bound",
            Box::new(|v| v["comparisons"][0]["ci"]["high"] = serde_json::json!(1e300)),
            "field `comparisons[0].ci.high`",
        ),
        (
            "inverted interval",
            Box::new(|v| {
                let ci = &mut v["comparisons"][1]["ci"];
                let (l, h) = (ci["low"].clone(), ci["high"].clone());
                ci["low"] = h;
                ci["high"] = l;
            }),
            "field `comparisons[1].ci`: an inverted interval",
        ),
        (
            "every cell repeated",
            Box::new(|v| {
                let cells = v["cells"].as_array().unwrap().clone();
                let arr = v["cells"].as_array_mut().unwrap();
                for _ in 0..49 {
                    arr.extend(cells.iter().cloned());
                }
            }),
            "repeats cells[0]",
        ),
    ];
    for (what, edit, want) in cases {
        let path = mutated(dir.path(), edit);
        let shown = path.display().to_string();
        let e = xtask::render::render_to(&path, &repo().join("content"), &dir.path().join("out"))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(&shown) && e.contains(want), "{what}: {e}");
        let e = xtask::check::check_dist(&path, &repo().join("content"), &dir.path().join("out"))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&shown) && e.contains(want),
            "{what} (check): {e}"
        );
    }
}
