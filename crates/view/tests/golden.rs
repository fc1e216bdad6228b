//! Golden files of the presentation model: the whole view of each render fixture, as JSON.
//! A change to any word, number format, interval, lookup or command a reader sees shows up
//! here first, once, for the article, the site and the charts alike.

use std::path::Path;

use whichpy_view::article::{ClassSpec, Editorial};
use whichpy_view::View;
use whichpy_wire::summary::Summary;

fn classes(workloads: &[Vec<String>; 3]) -> Vec<ClassSpec<'_>> {
    vec![
        ClassSpec {
            id: "web",
            name: "Web services",
            workloads: &workloads[0],
            embedded: false,
            app: None,
        },
        ClassSpec {
            id: "data",
            name: "Data pipelines",
            workloads: &workloads[1],
            embedded: false,
            app: None,
        },
        ClassSpec {
            id: "embedded",
            name: "Embedded devices",
            workloads: &workloads[2],
            embedded: true,
            app: None,
        },
    ]
}

#[test]
fn views_of_the_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../render/tests/fixtures");
    let workloads = [
        vec!["json_roundtrip".to_string(), "dicts_sets".to_string()],
        vec!["sorting".to_string(), "strings".to_string()],
        vec![],
    ];
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "fixtures in {}", dir.display());
    for path in names {
        let summary: Summary =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let ed = Editorial {
            example_workload: "nbody",
            date_published: "first-run",
            classes: classes(&workloads),
        };
        let view = View::build(&summary, &ed).expect("the view builds");
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_json_snapshot!(name, view);
    }
}

#[test]
fn a_bad_publication_date_is_refused_with_its_setting() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../render/tests/fixtures");
    let summary: Summary =
        serde_json::from_str(&std::fs::read_to_string(dir.join("pypy-faster.json")).unwrap())
            .unwrap();
    let ed = Editorial {
        example_workload: "nbody",
        date_published: "soon",
        classes: Vec::new(),
    };
    let e = View::build(&summary, &ed).unwrap_err();
    assert!(e.0.contains("date_published"), "{e}");
}
