//! A scaling cell on a workload whose speed-up is known by construction: `scaling_cpu`'s sleep
//! mode, where k workers each sleep 1/k of a fixed total, so the speed-up is about k for
//! threads and processes alike (sleeping releases the GIL and needs no core). In docker when
//! an engine answers, else on the host's python3 through the native backend.

use std::sync::atomic::AtomicBool;

use whichpy_wire::scaling::{Parallelism, ScalingFile, ScalingWork, Split, SCALING_SCHEMA};
use xtask::backend::Backend;
use xtask::catalogue::Catalogue;

fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\nSKIPPED: {test}: {why}\n");
}

#[test]
fn sleeping_workers_scale_by_their_count() {
    let root = xtask::project::root();
    let sh = xshell::Shell::new().unwrap();
    let catalogue = Catalogue::load(&root).unwrap();
    let suite = xtask::project::load_suite(&root).unwrap();
    let (mut backend, interp): (Box<dyn Backend>, &str) =
        match xtask::docker::DockerBackend::connect(&sh, &root) {
            Ok(mut b) => {
                let all = xtask::backend::cpuset_list(&xtask::backend::allowed_cpus());
                b.config_mut().sandbox.cpuset = all;
                (Box::new(b), "cpython-3.13")
            }
            Err(e) => {
                skipped(
                    "docker",
                    &format!("{e:#}; running natively on host python3"),
                );
                let runner = xtask::project::build_runner(&sh, &root).unwrap();
                (
                    Box::new(xtask::backend::native::Native::new(&root, runner)),
                    "cpython-host",
                )
            }
        };
    let Some(entry) = catalogue.get(interp) else {
        skipped(
            "sleeping_workers_scale_by_their_count",
            &format!("no {interp} in the catalogue"),
        );
        return;
    };
    let info = match backend.prepare(entry) {
        Ok(i) => i,
        Err(e) => {
            skipped(
                "sleeping_workers_scale_by_their_count",
                &format!("{interp}: {e:#}"),
            );
            return;
        }
    };
    // Two workers whatever the machine: a sleep needs no core.
    let units = 200;
    let mut cells = xtask::scaling::plan(&[interp.to_owned()], 2, units, ScalingWork::Sleep);
    cells.retain(|c| c.split == Split::FixedTotal);
    let mut file = ScalingFile {
        schema: SCALING_SCHEMA,
        command: "test".into(),
        updated_at: String::new(),
        git_rev: String::new(),
        machine: xtask::machine::probe(),
        cores: 2,
        cpuset: backend.cpus().unwrap_or_default(),
        processes: 3,
        iterations: 3,
        units,
        interpreters: vec![info],
        cells,
        curves: Vec::new(),
    };
    let pb = indicatif::ProgressBar::hidden();
    xtask::scaling::run_cells(
        backend.as_mut(),
        &catalogue,
        &suite,
        &mut file,
        60.0,
        None,
        &AtomicBool::new(false),
        &pb,
    )
    .unwrap();
    for parallelism in [Parallelism::Threads, Parallelism::Processes] {
        let curve = file
            .curves
            .iter()
            .find(|c| c.parallelism == parallelism && c.split == Split::FixedTotal)
            .unwrap_or_else(|| panic!("no {parallelism:?} curve: {:#?}", file.cells));
        let two = curve.points.iter().find(|p| p.workers == 2).unwrap();
        let ratio = two.ratio.expect("a ratio from three processes");
        let ci = two.ci.as_ref().unwrap();
        // 200 ms against 100 ms plus the cost of starting workers: about 2.
        assert!(
            (1.6..=2.2).contains(&ratio),
            "{parallelism:?}: speed-up {ratio} [{}, {}]",
            ci.low,
            ci.high
        );
        assert!(ci.low <= ratio && ratio <= ci.high);
    }
}
