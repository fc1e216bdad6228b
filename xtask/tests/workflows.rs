//! The workflows' safety rules (issue 27, item 5), read job by job from the YAML text: the
//! shell lint runs in `.ci/run`; jobs that run repository code hold a read-only token that is
//! not left in the checkout; the refresh's deploy job checks nothing out; cargo's and the root
//! file systems' caches are keyed apart with restore-keys; the pull-request gate exists.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The jobs of a workflow: name → its lines without comments (a job starts at two spaces of
/// indentation under `jobs:`).
fn jobs(text: &str) -> Vec<(String, String)> {
    let body = text.split_once("\njobs:\n").expect("a jobs: section").1;
    let mut out: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let is_job =
            line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':');
        if is_job {
            out.push((line.trim().trim_end_matches(':').to_string(), String::new()));
        } else if let Some((_, b)) = out.last_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    out
}

/// A job runs the repository's code: a step calls cargo or the repository's scripts (a
/// command in a quoted string, such as a commit message, does not count).
fn runs_code(job: &str) -> bool {
    job.lines().any(|l| {
        let t = l.trim_start().trim_start_matches("run: ");
        t.starts_with("cargo ")
            || t.starts_with("bash .ci/run")
            || t.starts_with("scripts/")
            || (t.contains(" cargo ") && !t.contains('"'))
    })
}

#[test]
fn ci_lints_shell_with_shellcheck_before_actionlint() {
    let ci = read(".ci/run");
    let run = |needle: &str| {
        ci.lines()
            .position(|l| l.trim_start().starts_with(needle))
            .unwrap_or_else(|| panic!(".ci/run does not run `{needle}`"))
    };
    run("shellcheck scripts/*.sh .ci/run");
    run("apt-get install -y -q shellcheck");
    // shellcheck is installed before actionlint runs, so actionlint checks the run: blocks.
    let body = ci.split_once("actionlint() {").unwrap().1;
    let body = &body[..body.find("\n}").unwrap()];
    let installed = body
        .find("shellcheck_installed")
        .expect("actionlint installs shellcheck");
    assert!(installed < body.rfind("\"$venv/bin/actionlint\"").unwrap());
}

#[test]
fn jobs_that_run_repository_code_hold_no_write_token_in_their_checkout() {
    for wf in ["ci.yml", "refresh.yml", "perf-gate.yml"] {
        let text = read(&format!(".github/workflows/{wf}"));
        for (name, job) in jobs(&text) {
            let runs_code = runs_code(&job);
            let writes = job.contains(": write");
            if runs_code {
                assert!(
                    !writes,
                    "{wf}: job {name} runs repository code with a write token"
                );
            }
            if runs_code && job.contains("actions/checkout") {
                assert!(
                    job.contains("persist-credentials: false"),
                    "{wf}: job {name} leaves the token in its checkout"
                );
            }
        }
    }
    let refresh = read(".github/workflows/refresh.yml");
    let jobs = jobs(&refresh);
    let job = |n: &str| &jobs.iter().find(|(name, _)| name == n).unwrap().1;
    assert!(
        !job("deploy").contains("actions/checkout"),
        "deploy checks nothing out"
    );
    assert!(job("deploy").contains("pages: write"));
    assert!(!job("build").contains(": write"), "build is read-only");
    assert!(job("build").contains("actions/upload-pages-artifact@v4"));
    assert!(!runs_code(job("commit")), "commit runs only git");
    assert!(runs_code(job("build")));
    assert!(!refresh.contains("upload-pages-artifact@v3"));
    // lock-refresh re-pins without the whole doctor, and starts CI on its pull request.
    assert!(!job("lock-refresh").contains("doctor --install"));
    assert!(job("lock-refresh").contains("cargo xtask lock --refresh"));
    assert!(job("lock-pull-request").contains("gh workflow run ci.yml"));
    assert!(runs_code(job("lock-refresh")));
    assert!(!runs_code(job("lock-pull-request")));
    assert!(read(".github/workflows/ci.yml").contains("workflow_dispatch:"));
}

#[test]
fn cargo_and_rootfs_caches_are_keyed_apart_with_restore_keys() {
    for wf in ["ci.yml", "refresh.yml", "perf-gate.yml"] {
        let text = read(&format!(".github/workflows/{wf}"));
        for block in text.split("uses: actions/cache@").skip(1) {
            let block = &block[..block.find("\n      - ").unwrap_or(block.len())];
            assert!(
                block.contains("restore-keys:"),
                "{wf}: a cache without restore-keys"
            );
            let cargo = block.contains("target") || block.contains(".cargo");
            let rootfs = block.contains(".cache/whichpy/rootfs");
            assert!(
                cargo != rootfs,
                "{wf}: one cache holds cargo and the rootfs:\n{block}"
            );
        }
    }
}

#[test]
fn pull_requests_that_change_the_summary_run_the_gate_against_the_base() {
    let gate = read(".github/workflows/perf-gate.yml");
    assert!(gate.contains("pull_request:"));
    assert!(gate.contains("results/summary.json"));
    assert!(gate.contains("github.event.pull_request.base.sha"));
    assert!(gate.contains("cargo xtask compare"));
    assert!(gate.contains("--fail-on slower:5%"));
}
