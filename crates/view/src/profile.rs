//! Profiles as a reader sees them: the `cargo xtask profile` commands the article shows, and
//! each profiled cell's top table and figures for the site's "Profiles" page.

use serde::Serialize;
use whichpy_wire::profile::Profile;
use whichpy_wire::{Family, SizeName};

use crate::command::profile_command;
use crate::format::{int, sig3, time};

/// The profile commands of the article: one per family that can be profiled, on the article's
/// example workload at the article's size.
#[derive(Clone, Debug, Serialize)]
pub struct ProfileCommands {
    pub workload: String,
    /// cProfile and py-spy.
    pub cpython: String,
    /// cProfile and the timer sampler.
    pub pypy: String,
}

/// `ids`: interpreter id per family (as the article's view has them).
pub fn commands(
    ids: &std::collections::BTreeMap<String, String>,
    workload: &str,
    size: SizeName,
) -> ProfileCommands {
    let id = |f: Family| {
        ids.get(f.as_str())
            .cloned()
            .unwrap_or_else(|| f.as_str().into())
    };
    ProfileCommands {
        workload: workload.to_string(),
        cpython: profile_command(&id(Family::Cpython), workload, size),
        pypy: profile_command(&id(Family::Pypy), workload, size),
    }
}

/// One row of a top table, formatted.
#[derive(Clone, Debug, Serialize)]
pub struct TopRowView {
    /// `12` or `12/3` (calls/primitive calls), as pstats writes it.
    pub ncalls: String,
    pub tottime: String,
    pub cumtime: String,
    pub function: String,
}

/// One profiled cell, ready for a page.
#[derive(Clone, Debug, Serialize)]
pub struct ProfileView {
    /// `cpython-3.13--nbody--default`: the anchor and the chart's file stem.
    pub key: String,
    pub interpreter: String,
    pub label: String,
    pub workload: String,
    pub size: String,
    pub n: String,
    pub command: String,
    pub created: String,
    pub wall: String,
    pub seconds: String,
    pub top_command: Option<String>,
    /// "80,324 function calls in 511 ms, 4 calls of run".
    pub top_summary: Option<String>,
    pub top: Vec<TopRowView>,
    pub sampler: Option<String>,
    pub sampler_command: Option<String>,
    pub samples: Option<String>,
}

/// At most this many rows of a top table are shown.
pub const TOP_ROWS: usize = 15;

pub fn profile_view(p: &Profile) -> ProfileView {
    // pstats prints milliseconds (three decimals of a second): 0 means under half of one.
    let secs = |s: f64| {
        if s > 0.0 {
            time(s * 1e9)
        } else {
            "< 0.5 ms".to_string()
        }
    };
    let top = p.cprofile.as_ref();
    ProfileView {
        key: format!("{}--{}--{}", p.interpreter, p.workload, p.size),
        interpreter: p.interpreter.clone(),
        label: p.label.clone(),
        workload: p.workload.clone(),
        size: p.size.to_string(),
        n: int(p.n),
        command: p.command.clone(),
        created: p.created.get(..10).unwrap_or(&p.created).to_string(),
        wall: format!("{} s", sig3(p.wall_s)),
        seconds: format!("{} s", sig3(p.seconds)),
        top_command: top.map(|t| t.tool_command.clone()),
        top_summary: top.map(|t| {
            format!(
                "{} function calls ({} primitive) in {}, over {} calls of run",
                int(t.function_calls),
                int(t.primitive_calls),
                secs(t.total_s),
                int(t.calls_of_run)
            )
        }),
        top: top
            .map(|t| {
                t.rows
                    .iter()
                    .take(TOP_ROWS)
                    .map(|r| TopRowView {
                        ncalls: if r.ncalls == r.primitive_calls {
                            int(r.ncalls)
                        } else {
                            format!("{}/{}", int(r.ncalls), int(r.primitive_calls))
                        },
                        tottime: secs(r.tottime_s),
                        cumtime: secs(r.cumtime_s),
                        function: r.function.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        sampler: p.sampled.as_ref().map(|s| s.tool.as_str().to_string()),
        sampler_command: p.sampled.as_ref().map(|s| s.tool_command.clone()),
        samples: p.sampled.as_ref().map(|s| int(s.samples())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_article_commands_are_the_profile_commands_of_the_chosen_interpreters() {
        let ids = [("cpython", "cpython-3.13"), ("pypy", "pypy-7.3")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let c = commands(&ids, "nbody", SizeName::Default);
        assert_eq!(
            c.cpython,
            "cargo xtask profile --interp cpython-3.13 --workload nbody"
        );
        assert_eq!(
            c.pypy,
            "cargo xtask profile --interp pypy-7.3 --workload nbody"
        );
    }
}
