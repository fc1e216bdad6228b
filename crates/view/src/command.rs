//! The commands shown to readers: one place builds `cargo xtask bench …`, and every argument in
//! it is quoted for a POSIX shell, so a name like `a;rm -rf ~` is pasted as one argument.

use whichpy_wire::{BackendKind, RunParams, SizeName, WorkloadKind};

use crate::format::sig3;

/// One argument for a POSIX shell, quoted by shlex (the quoting Python's `shlex.quote` users
/// know): as it is when no shell treats any of its characters specially, else quoted so that
/// `a;rm -rf ~` or `$(id)` is pasted as one literal argument. A NUL byte cannot be part of a
/// process argument at all, so it is dropped rather than quoted.
pub fn shell_quote(arg: &str) -> String {
    match shlex::try_quote(arg) {
        Ok(q) => q.into_owned(),
        Err(_) => shlex::try_quote(&arg.replace('\0', ""))
            .map(|q| q.into_owned())
            .unwrap_or_default(),
    }
}

/// The default timeout of a run, as `cargo xtask bench` sets it.
fn default_timeout_s(p: &RunParams) -> f64 {
    match (p.size, p.budget_s) {
        (_, Some(_)) | (SizeName::Quick | SizeName::Tiny, None) => 120.0,
        (SizeName::Default, None) => 600.0,
    }
}

/// A budget in the form `--budget` takes: `15m` for whole minutes, else seconds.
pub fn duration(seconds: f64) -> String {
    if seconds >= 60.0 && (seconds / 60.0).fract() == 0.0 {
        format!("{}m", seconds / 60.0)
    } else {
        format!("{seconds}s")
    }
}

/// `cargo xtask bench` with every flag a run used, for the given interpreters and workloads.
/// `kind` narrows the repetition flags to the ones a workload of that kind reads (startup cells
/// and process cells read `--startup-processes`, iteration cells `--processes` and
/// `--iterations`); `None` gives
/// all three. The timeout is written when it is not the size's default; the adaptive flags
/// when the run was adaptive.
pub fn bench_command(
    backend: BackendKind,
    p: &RunParams,
    interps: &[&str],
    workloads: &[&str],
    kind: Option<WorkloadKind>,
) -> String {
    let mut args: Vec<String> = vec![
        "cargo".into(),
        "xtask".into(),
        "bench".into(),
        "--backend".into(),
        backend.to_string(),
    ];
    if p.size == SizeName::Quick {
        args.push("--quick".into());
    }
    for i in interps {
        args.push("--interp".into());
        args.push(i.to_string());
    }
    for w in workloads {
        args.push("--workload".into());
        args.push(w.to_string());
    }
    if let Some(b) = p.budget_s {
        // A planned run: the planner chose the counts; the budget and the seed reproduce it.
        args.extend(["--budget".into(), duration(b)]);
        if let Some(seed) = p.seed {
            args.extend(["--seed".into(), seed.to_string()]);
        }
    } else if !matches!(kind, Some(WorkloadKind::Startup | WorkloadKind::Process)) {
        args.extend([
            "--processes".into(),
            p.processes.to_string(),
            "--iterations".into(),
            p.iterations.to_string(),
        ]);
    }
    if p.budget_s.is_none() && kind != Some(WorkloadKind::Iterations) {
        args.extend([
            "--startup-processes".into(),
            p.startup_processes.to_string(),
        ]);
    }
    if p.timeout_s != default_timeout_s(p) {
        args.extend(["--timeout".into(), format!("{}", p.timeout_s)]);
    }
    if let Some(t) = p.target_ci {
        args.extend(["--target-ci".into(), format!("{}%", sig3(t * 100.0))]);
        if let Some(m) = p.max_processes {
            args.extend(["--max-processes".into(), m.to_string()]);
        }
        if let Some(b) = p.cell_budget_s {
            args.extend(["--cell-budget".into(), format!("{b}")]);
        }
    }
    args.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `cargo xtask profile` for one cell: the command that writes its profile, and the one the
/// article and the site show beside it. `--size` is written only when it is not the default.
pub fn profile_command(interp: &str, workload: &str, size: SizeName) -> String {
    let mut args = vec![
        "cargo",
        "xtask",
        "profile",
        "--interp",
        interp,
        "--workload",
        workload,
    ];
    if size != SizeName::Default {
        args.extend(["--size", size.as_str()]);
    }
    args.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_a_shell_would_read() {
        assert_eq!(shell_quote("nbody"), "nbody");
        assert_eq!(shell_quote("cpython-3.13"), "cpython-3.13");
        assert_eq!(shell_quote(""), "''");
        // A real shell reads each quoted argument back as one word, unchanged.
        for arg in [
            "a;rm -rf ~",
            "it's",
            "$(id)",
            "a\nb",
            "`x` \"y\" \\z",
            "*",
            "a b",
            "",
        ] {
            let q = shell_quote(arg);
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("set -- {q}; printf '%s:%s' \"$#\" \"$1\""))
                .output()
                .expect("a POSIX sh");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                format!("1:{arg}"),
                "{q}"
            );
        }
        // No NUL can be in an argument: it is dropped.
        assert_eq!(shell_quote("a\0b"), "ab");
    }

    #[test]
    fn budgets_read_as_bench_takes_them() {
        assert_eq!(duration(900.0), "15m");
        assert_eq!(duration(90.0), "90s");
    }

    #[test]
    fn profile_commands_name_the_cell() {
        assert_eq!(
            profile_command("cpython-3.13", "nbody", SizeName::Default),
            "cargo xtask profile --interp cpython-3.13 --workload nbody"
        );
        assert_eq!(
            profile_command("pypy-7.3", "a b", SizeName::Quick),
            "cargo xtask profile --interp pypy-7.3 --workload 'a b' --size quick"
        );
    }
}
