//! `cargo xtask suite`: regenerate `bench-runner/workloads/suite.json` from the workload files.
//!
//! The workload files are the source of truth (their `META` dicts); suite.json is generated
//! by the harness itself so both Rust sides can read it without Python. A test fails when the
//! committed file is out of date.

use anyhow::Context;
use xshell::{cmd, Shell};

use crate::project::{self, HARNESS, SUITE, WORKLOADS};

/// Regenerate bench-runner/workloads/suite.json from the workloads' META dicts
#[derive(Clone, Debug, clap::Args)]
pub struct SuiteCmd {
    /// Only check that the committed file is up to date
    #[arg(long)]
    pub check: bool,
}

/// What `harness.py --describe` prints for the workloads folder (needs a host `python3`).
pub fn describe(sh: &Shell) -> anyhow::Result<String> {
    let root = project::root();
    let (harness, workloads) = (root.join(HARNESS), root.join(WORKLOADS));
    let out = cmd!(sh, "python3 {harness} --describe {workloads}")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .read()
        .context("running harness.py --describe (is python3 installed?)")?;
    // Validate against the typed suite before anyone reads it.
    let suite: whichpy_wire::Suite =
        serde_json::from_str(&out).context("harness --describe printed an invalid suite")?;
    Ok(serde_json::to_string_pretty(&suite)? + "\n")
}

impl SuiteCmd {
    pub fn run(self, sh: &Shell) -> anyhow::Result<()> {
        let path = project::root().join(SUITE);
        let fresh = describe(sh)?;
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if self.check {
            anyhow::ensure!(
                current == fresh,
                "{SUITE} is out of date: run `cargo xtask suite`"
            );
            eprintln!("{SUITE} is up to date");
        } else if current != fresh {
            std::fs::write(&path, fresh)?;
            eprintln!("wrote {SUITE}");
        } else {
            eprintln!("{SUITE} is up to date");
        }
        Ok(())
    }
}
