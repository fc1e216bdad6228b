//! `--backend native`: interpreters installed on this machine.

use std::io::{BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context};
use whichpy_wire::{BackendKind, CellGroup, CellSpec, ExecRecord, InterpInfo};

use super::Backend;
use crate::catalogue::{host_executable, Interpreter};
use crate::project::{HARNESS, WORKLOADS};

pub struct Native {
    root: PathBuf,
    runner: PathBuf,
    /// Cores bench-runner (and so every interpreter it starts) is pinned to.
    cpus: Vec<usize>,
}

impl Native {
    /// `runner`: the host build of bench-runner.
    pub fn new(root: &Path, runner: PathBuf) -> Native {
        Native {
            root: root.to_owned(),
            runner,
            cpus: super::bench_cpus(&super::allowed_cpus()),
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
        if let Some(board) = interp.board_spec() {
            let implementation = bench_runner::mcu::identify(&exe, &board)?;
            let exe = format!("{exe} -M {}", board.machine);
            return super::interp_info(interp, exe.clone(), implementation, None, &exe);
        }
        let implementation = bench_runner::identify(&exe, &interp.flags, &self.root.join(HARNESS))?;
        super::interp_info(interp, exe.clone(), implementation, None, &exe)
    }

    fn runner_paths(&self) -> (PathBuf, PathBuf) {
        (self.root.join(HARNESS), self.root.join(WORKLOADS))
    }

    fn cpus(&self) -> Option<String> {
        (!self.cpus.is_empty()).then(|| super::cpuset_list(&self.cpus))
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
        self.run_runner(serde_json::to_string(&spec)?, cancel, on_record)
    }

    fn run_group(
        &mut self,
        interp: &Interpreter,
        group: &CellGroup,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut group = group.clone();
        let executable = self.executable(interp);
        for c in &mut group.cells {
            c.interp.executable = executable.clone();
        }
        self.run_runner(serde_json::to_string(&group)?, cancel, on_record)
    }
}

impl Native {
    /// bench-runner on this host, pinned like a docker cell, on `json` (a cell or a group).
    fn run_runner(
        &mut self,
        json: String,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut cmd = Command::new(&self.runner);
        if !self.cpus.is_empty() {
            // The same pinning as a docker cell's cpuset: bench-runner and everything it
            // starts run on the chosen core (affinity is inherited across fork and exec).
            // SAFETY: cpu_set_t is plain data, built before the fork.
            let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
            for &c in &self.cpus {
                // SAFETY: CPU_SET writes into a set we own; c comes from the affinity mask.
                unsafe { libc::CPU_SET(c, &mut set) };
            }
            // SAFETY: sched_setaffinity is async-signal-safe.
            unsafe {
                cmd.pre_exec(move || {
                    if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = cmd
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
            .write_all(json.as_bytes())?;
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
