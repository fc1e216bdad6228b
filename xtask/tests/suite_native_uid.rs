//! Issue 29, item 9: `suite --sandbox native` (the tidy test's) ran a workload's top-level
//! code as uid 0 and let it write outside its folder. Now, as root, the import runs as nobody,
//! from a copy of the workloads, in a folder of its own.

use std::path::Path;

use xtask::suite::{describe_native, Limits};

#[test]
fn a_workload_imported_natively_is_not_root_and_cannot_write_the_checkout() {
    let root = xtask::project::root();
    let w = tempfile::tempdir().unwrap();
    let canary = w.path().join("canary.txt");
    std::fs::write(&canary, "intact").unwrap();
    let body = format!(
        "import os\n\
         def attempt(path):\n\
         \x20   try:\n\
         \x20       open(path, 'a').write('x')\n\
         \x20       return 'wrote'\n\
         \x20   except OSError as e:\n\
         \x20       return 'errno%d' % e.errno\n\
         r = [str(os.getuid()), str(os.getgid()),\n\
         \x20    attempt({canary:?}), attempt({repo:?}), attempt('here.txt'),\n\
         \x20    attempt(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'x.py'))]\n\
         META = {{'category': 'startup', 'description': '|'.join(r),\n\
         \x20       'kind': 'startup', 'sizes': {{'quick': {{'n': 0, 'checksum': ''}}, 'default': {{'n': 0, 'checksum': ''}}}}}}\n",
        canary = canary.display().to_string(),
        repo = root.join("written-by-a-workload.txt").display().to_string(),
    );
    std::fs::write(w.path().join("evil.py"), body).unwrap();
    let out = describe_native(
        &root.join(xtask::project::HARNESS),
        w.path(),
        &Limits::default(),
    )
    .unwrap();
    let suite: whichpy_wire::Suite = serde_json::from_str(&out).unwrap();
    let d = suite.workloads[0].description.clone();
    let f: Vec<&str> = d.split('|').collect();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Before: "0|0|wrote|wrote|wrote|wrote".
        assert_eq!(f[..2], ["65534", "65534"], "{d}");
        assert_eq!(f[2], "errno13", "the workloads folder: {d}");
        assert_eq!(f[3], "errno13", "the checkout: {d}");
    } else {
        eprintln!("not root: the import runs as this user ({d})");
    }
    // Its own folder is writable; its source is a read-only copy, not the workloads folder.
    assert_eq!(f[4], "wrote", "{d}");
    assert_eq!(std::fs::read_to_string(&canary).unwrap(), "intact");
    assert!(!root.join("written-by-a-workload.txt").exists());
    assert!(!w.path().join("here.txt").exists());
    assert!(!Path::new(&w.path().join("x.py")).exists());
}
