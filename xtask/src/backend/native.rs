//! `--backend native`: interpreters installed on this machine.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context};
use whichpy_wire::{BackendKind, CellSpec, ExecRecord, InterpInfo};

use super::Backend;
use crate::catalogue::{host_executable, Interpreter};
use crate::project::{HARNESS, WORKLOADS};

pub struct Native {
    root: PathBuf,
    runner: PathBuf,
}

impl Native {
    /// `runner`: the host build of bench-runner.
    pub fn new(root: &Path, runner: PathBuf) -> Native {
        Native {
            root: root.to_owned(),
            runner,
        }
    }

    fn executable(&self, interp: &Interpreter) -> String {
        host_executable(&self.root, &interp.executable)
            .display()
            .to_string()
    }
}

impl Backend for Native {
    fn kind(&self) -> BackendKind {
        BackendKind::Native
    }

    fn prepare(&mut self, interp: &Interpreter) -> anyhow::Result<InterpInfo> {
        let exe = self.executable(interp);
        let implementation = bench_runner::identify(&exe, &interp.flags, &self.root.join(HARNESS))?;
        super::interp_info(interp, exe.clone(), implementation, None, &exe)
    }

    fn runner_paths(&self) -> (PathBuf, PathBuf) {
        (self.root.join(HARNESS), self.root.join(WORKLOADS))
    }

    fn run_cell(
        &mut self,
        interp: &Interpreter,
        spec: &CellSpec,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut spec = spec.clone();
        spec.interp.executable = self.executable(interp);
        let mut child = Command::new(&self.runner)
            .args(["cell", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", self.runner.display()))?;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(serde_json::to_string(&spec)?.as_bytes())?;
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let read = super::read_records("bench-runner stdout", stdout, on_record);
        let out = child.wait_with_output()?;
        read?;
        if !out.status.success() && !cancel.load(Ordering::SeqCst) {
            bail!(
                "bench-runner failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }
}
