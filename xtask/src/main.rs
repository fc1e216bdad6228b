//! `cargo xtask`: whichpy's commands. This file only parses flags and dispatches.

use clap::{Parser, Subcommand};
use xtask::{
    analyse, bench, check, clean, compare, doctor, export, floor, images, lock, merge, output,
    profile, project, publish, render, scaling, site, suite,
};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about = "whichpy: CPython, PyPy or MicroPython — which interpreter matters for your app? Measured, not guessed.",
    long_about = None,
    after_help = "The pipeline: images → bench → analyse → render. Each stage reads only the files of the one before:\n  \
        containers/ + bench-runner/  →  results/raw/<run>.jsonl  →  results/summary.json  →  dist/\n\
        Start with `cargo xtask doctor`, then `cargo xtask bench --quick`.\n\n\
        Time flags (--timeout, --cell-budget, --budget) take 90s, 2m, 1h30m or plain seconds. Paths \
        given on the command line are relative to the current directory.\n\n\
        Exit codes: 0 success, 1 an error, 2 a usage error, 3 `compare --fail-on`'s gate failed.\n\n\
        Output: logs go to stderr, data to stdout. Without a terminal (CI, a pipe) a line per finished \
        cell replaces the progress bar; -q keeps only warnings and errors, -v adds detail. With \
        GITHUB_ACTIONS=true, warnings and errors are also GitHub annotations (::warning file=…::)."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Say less: warnings, errors and the command's data only (no progress bar, no per-cell lines)
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Say more: a line per finished cell even beside the progress bar, and details such as
    /// the engine's machine
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Subcommand)]
enum Cmd {
    Bench(bench::Bench),
    Floor(floor::Floor),
    Scaling(scaling::Scaling),
    Analyse(analyse::Analyse),
    Merge(merge::Merge),
    Export(export::Export),
    Compare(compare::Compare),
    Doctor(doctor::Doctor),
    Images(images::Images),
    Lock(lock::LockCmd),
    Clean(clean::Clean),
    Suite(suite::SuiteCmd),
    Profile(profile::ProfileCmd),
    Render(render::Render),
    Check(check::Check),
    Publish(publish::Publish),
    Site(site::SiteCmd),
}

fn main() {
    let cli = Cli::parse();
    output::set_verbosity(output::from_flags(cli.quiet, cli.verbose));
    let sh = xshell::Shell::new().expect("a shell");
    sh.change_dir(project::root());
    let result = match cli.cmd {
        Cmd::Bench(c) => c.run(&sh),
        Cmd::Floor(c) => c.run(&sh),
        Cmd::Scaling(c) => c.run(&sh),
        Cmd::Analyse(c) => c.run(&sh),
        Cmd::Merge(c) => c.run(&sh),
        Cmd::Export(c) => c.run(&sh),
        Cmd::Compare(c) => c.run(&sh),
        Cmd::Doctor(c) => c.run(&sh),
        Cmd::Images(c) => c.run(&sh),
        Cmd::Lock(c) => c.run(&sh),
        Cmd::Clean(c) => c.run(&sh),
        Cmd::Suite(c) => c.run(&sh),
        Cmd::Profile(c) => c.run(&sh),
        Cmd::Render(c) => c.run(&sh),
        Cmd::Check(c) => c.run(&sh),
        Cmd::Publish(c) => c.run(&sh),
        Cmd::Site(c) => c.run(&sh),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        if output::in_github_actions() {
            eprintln!(
                "{}",
                output::workflow_command("error", None, "whichpy", &format!("{e:#}"))
            );
        }
        // A failed gate has its own code, so that CI can tell a regression from a broken input.
        if e.downcast_ref::<compare::GateFailed>().is_some() {
            std::process::exit(compare::GATE_EXIT_CODE);
        }
        std::process::exit(1);
    }
}
