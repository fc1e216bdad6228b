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

/// Issue 12: the article headlines each family's newest plain release. Given a PyPy from
/// Debian 12, one from unstable, and a JIT-off variant of the newest, the view picks the
/// unstable one, and says its Debian release.
#[test]
fn each_family_is_headlined_by_its_newest_plain_release() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../render/tests/fixtures/pypy-faster.json");
    let mut summary: Summary =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let env = &mut summary.environment.interpreters;
    let pypy = env.iter_mut().find(|i| i.id == "pypy-host").unwrap();
    pypy.suite = Some("bookworm".into());
    let mut newest = pypy.clone();
    newest.id = "pypy-sid".into();
    newest.suite = Some("sid".into());
    newest.implementation.version = "8.0.1".into();
    let mut nojit = newest.clone();
    nojit.id = "pypy-sid-nojit".into();
    nojit.flags = vec!["--jit".into(), "off".into()];
    nojit.variant_of = Some("pypy-sid".into());
    // Listed before the others: the order of the environment must not decide.
    env.insert(0, nojit);
    env.insert(0, newest);
    let workloads = [vec![], vec![], vec![]];
    let ed = Editorial {
        example_workload: "nbody",
        date_published: "first-run",
        classes: classes(&workloads),
    };
    let view = View::build(&summary, &ed).unwrap();
    let pypy = view.pypy.as_ref().expect("a PyPy is chosen");
    assert_eq!(pypy.id, "pypy-sid");
    assert_eq!(pypy.debian.as_deref(), Some("Debian unstable"));
    // The baseline stays the baseline, whatever its release.
    assert_eq!(view.cpython.as_ref().unwrap().id, summary.analysis.baseline);
}
