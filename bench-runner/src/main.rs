//! `bench-runner`: measure one cell and print one JSON line per process execution.
//!
//! xtask starts it, on the host (`--backend native`) or inside an image (`--backend docker`);
//! its stdout lines are exactly the lines of `results/raw/<run>.jsonl`.
// Its stdout is its output: the records (and `--identify`).
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::{Parser, Subcommand};
use whichpy_wire::{to_jsonl, CellGroup, CellSpec, RawLine};

#[derive(Parser)]
#[command(
    version,
    about,
    long_about = "Measures one benchmark cell (interpreter × workload × size).\n\n\
It spawns each interpreter process itself, takes wall time from a monotonic clock and CPU time \
and peak RSS from wait4, kills the process group and every descendant at the timeout, reads \
the harness protocol from a pipe of its own, checks the checksum, and \
prints one JSON record per process execution on stdout as soon as it finishes. Failed \
executions are printed too, with their stderr tail."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a cell described by a JSON `CellSpec`, or several cells of one interpreter
    /// interleaved as a JSON `CellGroup` (see crates/wire)
    Cell {
        /// The spec or group as JSON, `@FILE` to read it from a file, or `-` for stdin
        spec: String,
    },
    /// Print what an interpreter is (`sys.implementation`, version) as JSON
    Identify {
        /// Path of harness.py
        #[arg(long)]
        harness: PathBuf,
        /// An emulated board: QEMU's machine (`microbit`); the command is QEMU
        #[arg(long, requires = "firmware")]
        machine: Option<String>,
        /// The firmware QEMU boots on `--machine`
        #[arg(long, requires = "machine")]
        firmware: Option<String>,
        /// The interpreter and its flags
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Cell { spec } => {
            let text = match spec.as_str() {
                "-" => std::io::read_to_string(std::io::stdin())
                    .context("reading the spec from stdin")?,
                s if s.starts_with('@') => std::fs::read_to_string(&s[1..])
                    .with_context(|| format!("reading {}", &s[1..]))?,
                s => s.to_owned(),
            };
            // A group (an object with `cells` and `order`), else one cell.
            let group: Option<CellGroup> = serde_json::from_str(&text).ok();
            let spec: Option<CellSpec> = match &group {
                Some(_) => None,
                None => Some(
                    serde_json::from_str(&text)
                        .context("the cell spec is not valid JSON for this bench-runner version")?,
                ),
            };
            if let Some(why) = group.as_ref().and_then(CellGroup::check) {
                anyhow::bail!("the cell group is malformed: {why}");
            }
            // Not dumpable: a process of the same uid (the workload: in a container both run
            // as 65534) can neither ptrace this measurer nor open its /proc/<pid>/mem or
            // /proc/<pid>/fd (its stdout carries the records). The interpreters it spawns are
            // dumpable again (execve resets the flag), so py-spy and core dumps still work.
            // SAFETY: prctl with integer arguments only changes this process's flag.
            if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
                anyhow::bail!(
                    "prctl(PR_SET_DUMPABLE, 0) failed: {}; bench-runner does not measure \
                     where the workload could reach it",
                    std::io::Error::last_os_error()
                );
            }
            bench_runner::install_signal_handlers();
            // Every child of this process is a process execution's, or an orphan of one.
            bench_runner::reaper::set_owns_all_children(true);
            bench_runner::reaper::become_subreaper();
            let cancel = AtomicBool::new(false);
            let stdout = std::io::stdout();
            let emit = |rec| {
                let mut out = stdout.lock();
                // One write per record, then flush: a reader never sees half a line from us.
                let _ = out.write_all(to_jsonl(&RawLine::Exec(rec)).as_bytes());
                let _ = out.flush();
            };
            match (&group, &spec) {
                (Some(g), _) => bench_runner::run_group(g, &cancel, emit),
                (None, Some(s)) => bench_runner::run_cell(s, &cancel, emit),
                (None, None) => unreachable!("one of the two parsed"),
            }
        }
        Cmd::Identify {
            harness,
            machine,
            firmware,
            command,
        } => {
            let info = match (machine, firmware) {
                (Some(machine), Some(firmware)) => bench_runner::mcu::identify(
                    &command[0],
                    &whichpy_wire::BoardSpec { machine, firmware },
                )?,
                _ => bench_runner::identify(&command[0], &command[1..], &harness)?,
            };
            println!("{}", serde_json::to_string(&info)?);
        }
    }
    Ok(())
}
