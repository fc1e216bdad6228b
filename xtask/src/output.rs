//! What the commands say on stderr, and how much: `-q` (warnings and errors only), the
//! default, `-v` (a line per finished cell even beside the progress bar, and details such as
//! the engine's machine). Warnings also become GitHub Actions annotations
//! (`::warning file=…,line=…::…`) when `GITHUB_ACTIONS=true`, so that they show on the run's
//! page and on the pull request, pointing at the raw file and line they are about.

use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How much the commands say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Warnings, errors and the commands' data (stdout) only: no progress bar, no per-cell lines.
    Quiet = 0,
    /// Progress bar on a terminal; a line per finished cell without one (CI, a pipe).
    Normal = 1,
    /// Also a line per finished cell beside the progress bar, and details.
    Verbose = 2,
}

static LEVEL: AtomicU8 = AtomicU8::new(Verbosity::Normal as u8);

/// Set once by `main` from `-q`/`-v`.
pub fn set_verbosity(v: Verbosity) {
    LEVEL.store(v as u8, Ordering::Relaxed);
}

pub fn verbosity() -> Verbosity {
    match LEVEL.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// From the flags: `-q` wins over `-v` (asking for silence is the safer reading).
pub fn from_flags(quiet: bool, verbose: u8) -> Verbosity {
    if quiet {
        Verbosity::Quiet
    } else if verbose > 0 {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    }
}

/// Running as a step of GitHub Actions (`GITHUB_ACTIONS=true`, set by the runner).
pub fn in_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// A progress line, printed unless `-q`.
pub fn info(msg: impl AsRef<str>) {
    if verbosity() >= Verbosity::Normal {
        eprintln!("{}", msg.as_ref());
    }
}

/// What a command made and where (`N records written to FILE`, `wrote FILE`): its result,
/// printed even with `-q`.
pub fn outcome(msg: impl AsRef<str>) {
    eprintln!("{}", msg.as_ref());
}

/// A detail, printed only with `-v`.
pub fn detail(msg: impl AsRef<str>) {
    if verbosity() >= Verbosity::Verbose {
        eprintln!("{}", msg.as_ref());
    }
}

/// A warning: always printed (`warning: …`), and in GitHub Actions also as an annotation on
/// the file and line it is about, when there is one.
pub fn warning(at: Option<(&Path, Option<usize>)>, msg: impl AsRef<str>) {
    let msg = msg.as_ref();
    eprintln!("warning: {msg}");
    if in_github_actions() {
        eprintln!("{}", workflow_command("warning", at, "whichpy", msg));
    }
}

/// An error that does not stop the command (a file skipped): always printed (`error: …`), and
/// in GitHub Actions also as an error annotation.
pub fn error(at: Option<(&Path, Option<usize>)>, msg: impl AsRef<str>) {
    let msg = msg.as_ref();
    eprintln!("error: {msg}");
    if in_github_actions() {
        eprintln!("{}", workflow_command("error", at, "whichpy", msg));
    }
}

/// A GitHub Actions annotation only (nothing on a terminal): for summaries of many findings
/// already printed as a table, so that Actions shows one annotation per kind, not per cell.
pub fn annotation(level: &str, title: &str, msg: impl AsRef<str>) {
    if in_github_actions() {
        eprintln!("{}", workflow_command(level, None, title, msg.as_ref()));
    }
}

/// A workflow command already made (`::warning …::…`), printed only under GitHub Actions.
pub fn workflow_line(line: &str) {
    if in_github_actions() {
        eprintln!("{line}");
    }
}

/// A GitHub Actions workflow command (`::warning file=F,line=N,title=T::message`).
/// Messages end at a newline and read `%`, `\r`, `\n` as escapes; property values also
/// read `:` and `,` as separators, so those are escaped too.
pub fn workflow_command(
    level: &str,
    at: Option<(&Path, Option<usize>)>,
    title: &str,
    msg: &str,
) -> String {
    let mut props = Vec::new();
    if let Some((file, line)) = at {
        props.push(format!(
            "file={}",
            escape_property(&file.display().to_string())
        ));
        if let Some(l) = line {
            props.push(format!("line={l}"));
        }
    }
    props.push(format!("title={}", escape_property(title)));
    format!("::{level} {}::{}", props.join(","), escape_data(msg))
}

/// Escape a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A progress bar on stderr with this template; hidden with `-q` (and by indicatif itself
/// when stderr is not a terminal).
pub fn progress_bar(len: u64, template: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    if verbosity() == Verbosity::Quiet {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_style(
        ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(250));
    pb
}

/// Print a line per finished cell (or batch): without a terminal (CI, a pipe) it replaces the
/// progress bar; with `-v` it is printed above the bar too; with `-q` never.
pub fn cell_line(pb: &ProgressBar, msg: impl AsRef<str>) {
    match verbosity() {
        Verbosity::Quiet => {}
        Verbosity::Normal if pb.is_hidden() => eprintln!("{}", msg.as_ref()),
        Verbosity::Normal => {}
        Verbosity::Verbose if pb.is_hidden() => eprintln!("{}", msg.as_ref()),
        Verbosity::Verbose => pb.println(msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_escape_what_the_runner_reads_as_syntax() {
        let c = workflow_command(
            "warning",
            Some((Path::new("results/raw/a,b:c.jsonl"), Some(7))),
            "whichpy",
            "50% of\nthe line",
        );
        assert_eq!(
            c,
            "::warning file=results/raw/a%2Cb%3Ac.jsonl,line=7,title=whichpy::50%25 of%0Athe line"
        );
        assert_eq!(
            workflow_command("error", None, "whichpy compare", "x: y"),
            "::error title=whichpy compare::x: y"
        );
    }

    #[test]
    fn quiet_wins_over_verbose() {
        assert_eq!(from_flags(true, 2), Verbosity::Quiet);
        assert_eq!(from_flags(false, 1), Verbosity::Verbose);
        assert_eq!(from_flags(false, 0), Verbosity::Normal);
    }
}
