//! A profile of one cell (interpreter × workload × size): `results/profiles/<interp>--<workload>--<size>.json`,
//! written by `cargo xtask profile`, read by the site.
//!
//! What it holds: the command that made it, the cProfile top table (CPython and PyPy), and the
//! collapsed stacks of a sampler (py-spy on CPython, the driver's timer sampler on PyPy), from
//! which the site draws the flamegraph. The parsers of the tools' text output live here too,
//! so the format of what crosses the container boundary is defined once:
//! - [`parse_pstats`]: the table `pstats.Stats.print_stats` writes;
//! - [`parse_collapsed`]: collapsed stacks, `frame;frame;frame COUNT` per line (py-spy's
//!   `record -f raw`, inferno's and Brendan Gregg's format);
//! - [`DriverOutput::parse`]: the marker lines of `bench-runner/harness/profile_driver.py`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{ParseError, SizeName};

/// Version of the profile format. Bump on any incompatible change.
pub const PROFILE_SCHEMA: u32 = 1;

/// Where profiles live, relative to the repository.
pub const PROFILES_DIR: &str = "results/profiles";

/// One profiled cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub schema: u32,
    /// Catalogue id (`cpython-3.13`).
    pub interpreter: String,
    /// The interpreter as a reader names it (`CPython 3.13.5`).
    pub label: String,
    pub workload: String,
    pub size: SizeName,
    /// The workload's size parameter at that size.
    pub n: u64,
    /// The `cargo xtask profile …` command that wrote this file.
    pub command: String,
    /// When it was made (UTC, RFC 3339).
    pub created: String,
    /// The image it ran in.
    pub image: String,
    /// Seconds of calls to `run` each profiler was given.
    pub seconds: f64,
    /// Wall time of the whole profile container, seconds.
    pub wall_s: f64,
    /// cProfile's table, sorted by cumulative time.
    pub cprofile: Option<TopTable>,
    /// A sampler's stacks.
    pub sampled: Option<Sampled>,
}

/// The top of cProfile's table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopTable {
    /// The command run inside the container (`python3.13 profile_driver.py cprofile …`).
    pub tool_command: String,
    /// "N function calls (M primitive calls) in S seconds".
    pub function_calls: u64,
    pub primitive_calls: u64,
    pub total_s: f64,
    /// How many times `run` was called under the profiler.
    pub calls_of_run: u64,
    pub rows: Vec<TopRow>,
}

/// One row of cProfile's table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopRow {
    /// Calls, and primitive (non-recursive) calls: pstats writes `12/3`, or `12` when equal.
    pub ncalls: u64,
    pub primitive_calls: u64,
    /// Time in the function itself, seconds.
    pub tottime_s: f64,
    /// Time in the function and everything it called, seconds.
    pub cumtime_s: f64,
    /// `file:line(function)`, or `{built-in method …}`.
    pub function: String,
}

/// Which sampler produced the stacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SamplerTool {
    /// `py-spy record -f raw` (CPython only: it reads the interpreter's memory).
    PySpy,
    /// The driver's `signal.setitimer` + frame walk (CPython and PyPy).
    Timer,
}

impl SamplerTool {
    pub fn as_str(self) -> &'static str {
        match self {
            SamplerTool::PySpy => "py-spy",
            SamplerTool::Timer => "timer sampler",
        }
    }
}

/// A sampler's collapsed stacks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sampled {
    pub tool: SamplerTool,
    pub tool_command: String,
    pub rate_hz: f64,
    /// Sorted by frames.
    pub stacks: Vec<Stack>,
}

impl Sampled {
    pub fn samples(&self) -> u64 {
        self.stacks.iter().map(|s| s.count).sum()
    }
}

/// One distinct stack and how many samples landed in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stack {
    /// Root first, `;`-separated: `<module> (driver.py);run (nbody.py);_advance (nbody.py)`.
    pub frames: String,
    pub count: u64,
}

impl Profile {
    /// The file name of a cell's profile: `cpython-3.13--nbody--quick.json`.
    pub fn file_name(interpreter: &str, workload: &str, size: SizeName) -> String {
        format!("{interpreter}--{workload}--{size}.json")
    }

    /// Read and check one profile file.
    pub fn read(path: &Path) -> Result<Profile, ParseError> {
        let p: Profile = crate::parse_json_file(path)?;
        if p.schema != PROFILE_SCHEMA {
            return Err(ParseError::at(
                path,
                1,
                "schema",
                format!(
                    "profile schema {} is not supported (this build reads {PROFILE_SCHEMA}); \
                     rerun `cargo xtask profile`",
                    p.schema
                ),
            ));
        }
        crate::names::check_id(&p.interpreter)
            .map_err(|e| ParseError::at(path, 1, "interpreter", e))?;
        crate::names::check_id(&p.workload).map_err(|e| ParseError::at(path, 1, "workload", e))?;
        Ok(p)
    }
}

/// A parse failure of a tool's text output: the line (1-based, in the text given) and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("line {line}: {message}: `{text}`")]
pub struct ToolOutputError {
    pub line: usize,
    pub message: String,
    pub text: String,
}

fn bad(line: usize, text: &str, message: impl Into<String>) -> ToolOutputError {
    ToolOutputError {
        line,
        message: message.into(),
        text: text.chars().take(200).collect(),
    }
}

/// Parse `pstats.Stats.print_stats` output: the header line with the call counts, then the
/// rows under `ncalls  tottime  percall  cumtime  percall filename:lineno(function)`.
/// Returns the table without `tool_command` and `calls_of_run` (set by the caller).
pub fn parse_pstats(text: &str) -> Result<TopTable, ToolOutputError> {
    let mut header: Option<(u64, u64, f64)> = None;
    let mut rows = Vec::new();
    let mut in_rows = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if header.is_none() && line.contains("function calls") {
            header = Some(parse_pstats_header(line).ok_or_else(|| {
                bad(
                    line_no,
                    raw,
                    "expected `N function calls [(M primitive calls)] in S seconds`",
                )
            })?);
            continue;
        }
        if line.starts_with("ncalls") {
            in_rows = true;
            continue;
        }
        if !in_rows {
            continue; // "Ordered by: …", "List reduced from …"
        }
        rows.push(parse_pstats_row(line).ok_or_else(|| {
            bad(
                line_no,
                raw,
                "expected `ncalls tottime percall cumtime percall function`",
            )
        })?);
    }
    let (function_calls, primitive_calls, total_s) =
        header.ok_or_else(|| bad(1, "", "no `N function calls … in S seconds` line"))?;
    if !in_rows {
        return Err(bad(1, "", "no `ncalls  tottime …` header line"));
    }
    Ok(TopTable {
        tool_command: String::new(),
        function_calls,
        primitive_calls,
        total_s,
        calls_of_run: 0,
        rows,
    })
}

/// `80324 function calls in 0.511 seconds` or `85 function calls (70 primitive calls) in 0.1 seconds`.
fn parse_pstats_header(line: &str) -> Option<(u64, u64, f64)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let calls: u64 = words.first()?.parse().ok()?;
    let primitive = match line.find('(') {
        Some(i) => line[i + 1..].split_whitespace().next()?.parse().ok()?,
        None => calls,
    };
    let in_at = words.iter().rposition(|w| *w == "in")?;
    let seconds: f64 = words.get(in_at + 1)?.parse().ok()?;
    (words.get(in_at + 2) == Some(&"seconds")).then_some((calls, primitive, seconds))
}

fn parse_pstats_row(line: &str) -> Option<TopRow> {
    let mut rest = line;
    let mut fields = Vec::with_capacity(5);
    for _ in 0..5 {
        let t = rest.trim_start();
        let end = t.find(char::is_whitespace)?;
        fields.push(&t[..end]);
        rest = &t[end..];
    }
    let function = rest.trim();
    if function.is_empty() {
        return None;
    }
    let (ncalls, primitive) = match fields[0].split_once('/') {
        Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
        None => {
            let n = fields[0].parse().ok()?;
            (n, n)
        }
    };
    let num = |s: &str| s.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0);
    Some(TopRow {
        ncalls,
        primitive_calls: primitive,
        tottime_s: num(fields[1])?,
        cumtime_s: num(fields[3])?,
        function: function.to_owned(),
    })
}

/// The frame of a sample with no Python frame on the stack.
pub const NO_PYTHON_FRAME: &str = "(no Python frame)";

/// Parse collapsed stacks: each non-empty line is `FRAMES COUNT`, the count after the last
/// space. Equal stacks are summed; the result is sorted by frames.
pub fn parse_collapsed(text: &str) -> Result<Vec<Stack>, ToolOutputError> {
    let mut out: std::collections::BTreeMap<String, u64> = Default::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        let (frames, count) = line
            .rsplit_once(' ')
            .ok_or_else(|| bad(i + 1, raw, "expected `frame;frame COUNT`"))?;
        let count: u64 = count.parse().map_err(|_| {
            bad(
                i + 1,
                raw,
                "the sample count after the last space is not a number",
            )
        })?;
        // py-spy writes a sample taken while no Python frame was on the stack (interpreter
        // start-up or exit) with no frame at all.
        let frames = match frames.trim() {
            "" => NO_PYTHON_FRAME,
            f => f,
        };
        *out.entry(frames.to_owned()).or_default() += count;
    }
    Ok(out
        .into_iter()
        .map(|(frames, count)| Stack { frames, count })
        .collect())
}

/// What the profile driver printed: its sections by name, and the calls lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DriverOutput {
    /// `(section, text)` in order: `cprofile`, `stacks`; each name at most once.
    pub sections: Vec<(String, String)>,
    /// `@profile calls CALLS SECONDS`: (calls, seconds), the last one printed.
    pub calls: Option<(u64, f64)>,
    /// Every calls line, in order (one per driver run: cProfile's first).
    pub all_calls: Vec<(u64, f64)>,
}

impl DriverOutput {
    /// [`DriverOutput::parse_marked`] with the markers of a driver run without a nonce
    /// (`@profile begin NAME`): only for saved outputs and tests, never a fresh profile.
    pub fn parse(text: &str) -> Result<DriverOutput, ToolOutputError> {
        Self::parse_marked(text, "")
    }

    /// Split the driver's stdout at its `@profile NONCE begin NAME` / `@profile NONCE end`
    /// markers. Only lines with this profile's nonce are markers: a workload's own prints,
    /// forged markers included, are ignored outside a section and are body text inside one
    /// (the driver prints its sections after the workload has run). A section that appears
    /// twice is an error, as is one left open.
    pub fn parse_marked(text: &str, nonce: &str) -> Result<DriverOutput, ToolOutputError> {
        let prefix = if nonce.is_empty() {
            "@profile ".to_owned()
        } else {
            format!("@profile {nonce} ")
        };
        let mut out = DriverOutput::default();
        let mut open: Option<(String, String)> = None;
        for (i, line) in text.lines().enumerate() {
            if let Some(rest) = line.strip_prefix(&prefix) {
                let words: Vec<&str> = rest.split_whitespace().collect();
                match words.as_slice() {
                    ["begin", name] if open.is_none() => {
                        if out.sections.iter().any(|(n, _)| n == name) {
                            return Err(bad(
                                i + 1,
                                line,
                                format!("a second `{name}` section: only the first run prints one"),
                            ));
                        }
                        open = Some((name.to_string(), String::new()))
                    }
                    ["end"] if open.is_some() => out.sections.push(open.take().expect("open")),
                    ["calls", n, s] if open.is_none() => {
                        let n = n
                            .parse()
                            .map_err(|_| bad(i + 1, line, "calls is not a number"))?;
                        let s = s
                            .parse()
                            .map_err(|_| bad(i + 1, line, "seconds is not a number"))?;
                        out.calls = Some((n, s));
                        out.all_calls.push((n, s));
                    }
                    _ => return Err(bad(i + 1, line, "unexpected marker line")),
                }
                continue;
            }
            if let Some((_, body)) = open.as_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        if let Some((name, _)) = open {
            return Err(bad(
                text.lines().count(),
                "",
                format!("section `{name}` has no `@profile end`: the driver stopped early"),
            ));
        }
        Ok(out)
    }

    pub fn section(&self, name: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }
}

#[cfg(test)]
mod marker_tests {
    use super::DriverOutput;

    #[test]
    fn only_marker_lines_with_the_nonce_count_and_a_section_appears_once() {
        let text = "@profile begin stacks\nforged 99999\n@profile end\n\
                    @profile n1 begin stacks\nreal 3\n@profile n1 end\n@profile n1 calls 4 0.5\n";
        let out = DriverOutput::parse_marked(text, "n1").unwrap();
        assert_eq!(out.section("stacks"), Some("real 3\n"));
        assert_eq!(out.all_calls, vec![(4, 0.5)]);
        let twice = "@profile n1 begin stacks\na 1\n@profile n1 end\n\
                     @profile n1 begin stacks\nb 1\n@profile n1 end\n";
        let e = DriverOutput::parse_marked(twice, "n1").unwrap_err();
        assert!(e.to_string().contains("a second `stacks` section"), "{e}");
    }
}
