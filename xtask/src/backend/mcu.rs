//! `--interp microbit`: MicroPython firmware on a microcontroller emulated by QEMU.
//!
//! bench-runner runs a board's cells (`bench_runner::mcu`: the firmware boots with the workload
//! in its flash, and the board's `ticks_us` under `-icount` counts instructions). Where it runs
//! them is the usual choice: in the board's image, which holds Debian's `qemu-system-arm` and
//! `firmware-microbit-micropython`, through the Docker engine; or on this host with
//! `--backend native`, with the same two packages installed by `doctor --install`. This
//! backend is that choice, under its own kind ([`BackendKind::Mcu`]): a board's records go to
//! `results/mcu/`, always at the `tiny` size, and are never pooled with measured time.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use whichpy_wire::{BackendKind, CellSpec, ExecRecord, InterpInfo, Machine};

use super::Backend;
use crate::catalogue::Interpreter;

/// The emulated-microcontroller backend: the docker or native backend, for boards.
pub struct Mcu {
    inner: Box<dyn Backend>,
}

impl Mcu {
    /// A board backend over the docker or native backend (`crate::backend::connect` picks it
    /// as `--backend` says).
    pub fn over(inner: Box<dyn Backend>) -> Mcu {
        Mcu { inner }
    }
}

impl Backend for Mcu {
    fn kind(&self) -> BackendKind {
        BackendKind::Mcu
    }

    fn prepare(&mut self, interp: &Interpreter) -> anyhow::Result<InterpInfo> {
        anyhow::ensure!(
            interp.is_mcu(),
            "{} is not an emulated board: the mcu backend runs only entries with a `machine`",
            interp.id
        );
        self.inner.prepare(interp)
    }

    fn runner_paths(&self) -> (PathBuf, PathBuf) {
        self.inner.runner_paths()
    }

    fn cpus(&self) -> Option<String> {
        self.inner.cpus()
    }

    fn machine(&mut self) -> anyhow::Result<Machine> {
        self.inner.machine()
    }

    fn run_cell(
        &mut self,
        interp: &Interpreter,
        spec: &CellSpec,
        cancel: &AtomicBool,
        on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.inner.run_cell(interp, spec, cancel, on_record)
    }
}
