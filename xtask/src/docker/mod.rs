//! The only module that talks to the Docker engine (through bollard).
//!
//! Issue 3 builds the images and the container backend here.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::bail;
use whichpy_wire::{BackendKind, CellSpec, ExecRecord, InterpInfo};

use crate::backend::Backend;
use crate::catalogue::Interpreter;

pub struct DockerBackend {
    _root: PathBuf,
}

impl DockerBackend {
    pub fn connect(_sh: &xshell::Shell, root: &Path) -> anyhow::Result<DockerBackend> {
        let _ = root;
        bail!("the docker backend is not built yet; use --backend native")
    }
}

impl Backend for DockerBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Docker
    }
    fn prepare(&mut self, _interp: &Interpreter) -> anyhow::Result<InterpInfo> {
        bail!("the docker backend is not built yet")
    }
    fn runner_paths(&self) -> (PathBuf, PathBuf) {
        (
            PathBuf::from("/opt/whichpy/harness.py"),
            PathBuf::from("/opt/whichpy/workloads"),
        )
    }
    fn run_cell(
        &mut self,
        _interp: &Interpreter,
        _spec: &CellSpec,
        _cancel: &AtomicBool,
        _on_record: &mut dyn FnMut(ExecRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        bail!("the docker backend is not built yet")
    }
}

/// The engine's version, or why it cannot be reached.
pub fn engine_version() -> anyhow::Result<String> {
    bail!("the docker backend is not built yet")
}
