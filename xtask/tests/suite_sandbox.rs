//! `cargo xtask suite` imports the workloads in a sandbox: natively, under limits that stop
//! a workload that spins, sleeps or writes files at import time.

use std::path::Path;
use std::time::Duration;

use xtask::suite::{describe_native, Limits};

fn harness() -> std::path::PathBuf {
    xtask::project::root().join(xtask::project::HARNESS)
}

fn workloads(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("evil.py"), body).unwrap();
    dir
}

fn small() -> Limits {
    Limits {
        cpu_s: 1,
        timeout: Duration::from_secs(5),
        ..Limits::default()
    }
}

#[test]
fn a_workload_that_spins_at_import_is_stopped_by_the_cpu_limit() {
    let w = workloads("while True:\n    pass\n");
    let err = describe_native(&harness(), w.path(), &small()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("CPU limit of 1 s"), "{msg}");
}

#[test]
fn a_workload_that_sleeps_at_import_is_stopped_by_the_timeout() {
    // It forks a child that keeps the pipes open, too: the whole group goes.
    let w = workloads("import os, time\nif os.fork() == 0:\n    os.setsid()\ntime.sleep(3600)\n");
    let limits = Limits {
        timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let err = describe_native(&harness(), w.path(), &limits).unwrap_err();
    assert!(
        format!("{err:#}").contains("did not finish within 2 s"),
        "{err:#}"
    );
}

#[test]
fn a_workload_runs_in_a_temporary_folder_with_an_empty_environment() {
    let w = workloads(
        "import os\n\
         open('written-at-import.txt', 'w').write('x')\n\
         META = {'category': 'startup', 'description': os.getcwd() + '|' + os.environ.get('CARGO', 'none'),\n\
                 'kind': 'startup', 'sizes': {'quick': {'n': 0, 'checksum': ''}, 'default': {'n': 0, 'checksum': ''}}}\n",
    );
    let out = describe_native(&harness(), w.path(), &Limits::default()).unwrap();
    let suite: whichpy_wire::Suite = serde_json::from_str(&out).unwrap();
    let (cwd, cargo) = suite.workloads[0].description.split_once('|').unwrap();
    assert!(
        !Path::new(cwd).exists(),
        "the temporary folder {cwd} is removed"
    );
    assert!(cwd.contains("whichpy-describe-"), "{cwd}");
    assert_eq!(cargo, "none", "the environment is not passed on");
    assert!(!w.path().join("written-at-import.txt").exists());
    assert!(!xtask::project::root()
        .join("written-at-import.txt")
        .exists());
}

#[test]
fn a_big_file_written_at_import_is_stopped() {
    let w = workloads("open('big', 'wb').write(b'x' * (8 << 20))\n");
    let err = describe_native(&harness(), w.path(), &small()).unwrap_err();
    // Python ignores SIGXFSZ: the write fails with EFBIG instead.
    assert!(format!("{err:#}").contains("File too large"), "{err:#}");
}
