//! Reading raw results files (`results/raw/<run>.jsonl`) so that nothing bad gets in quietly.
//!
//! A raw file is the run metadata on its first line, then one `exec` record per line. Reading
//! it sorts every line into one of three kinds:
//! - **accepted**: a complete record that parses and passes [`check_record`];
//! - **rejected**: a complete line that does not parse, or a record that is implausible, a
//!   duplicate, or names an interpreter or workload the run's metadata does not have. It is
//!   listed in [`RawRead::rejected`] with file, line and field, and left out;
//! - **torn tail**: the last line when it has no newline and is not valid JSON (a write cut
//!   short by a full disk or a crash). It is dropped with a warning ([`RawRead::torn_tail`]);
//!   a complete line is never dropped that way.
//!
//! A bad metadata line makes the whole file unreadable (an `Err`): without it no record can
//! be checked. [`RawRead::strict`] turns any rejection or torn tail into an error; that is
//! what `RawFile::read` does and what `--strict` asks for.
//!
//! The reader is linear in the size of the file: each line is scanned twice (once for its
//! `type`, skipping everything else, once into its typed record), never through an untyped
//! JSON tree.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::parse::{parse_json_str, utf8_error, ParseError};
use crate::{ExecRecord, Outcome, RawFile, RunMeta, SizeName, SCHEMA};

/// Process indices at or above this are rejected: no run has that many process executions in
/// one cell, and `index + 1` must not overflow in anything that counts them.
pub const MAX_PROCESSES: u32 = 100_000;
/// One iteration longer than a day is not a measurement.
pub const MAX_ITERATION_NS: u64 = 86_400 * 1_000_000_000;
/// One process execution longer than a week is not a measurement (timeouts are far shorter).
pub const MAX_WALL_NS: u64 = 7 * 86_400 * 1_000_000_000;
/// A clock resolution at or above this is coarse: an iteration may read 0 on it.
pub const COARSE_CLOCK_NS: u64 = 1_000;
/// On a fine clock, no call of a workload's `run` in any interpreter takes less than this
/// (a Python call and two clock reads alone take longer): an `ok` record with a shorter
/// iteration did not time the workload.
pub const MIN_CALL_NS: u64 = 100;
/// An `ok` record whose iterations add up to less than this fraction of its process's wall
/// time timed nothing it says it timed (a real process spends at least a few percent of its
/// wall time in `run`, even a quick size under a slow start-up).
pub const MIN_ITERATION_SHARE: f64 = 1e-6;

/// The last line of a file, cut short (no newline, not valid JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct TornTail {
    /// Its 1-based line number.
    pub line: usize,
    /// Byte offset where it starts (the length of the file without it).
    pub offset: u64,
    /// Its length in bytes.
    pub bytes: usize,
}

/// A raw file read leniently: the accepted records, and what was left out and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRead {
    /// The metadata and the accepted records, in file order.
    pub file: RawFile,
    /// The 1-based line of each accepted record (parallel to `file.records`).
    pub lines: Vec<usize>,
    /// Length in bytes of the file up to the end of its last complete line: where an append
    /// continues after the torn tail is cut off.
    pub complete_len: u64,
    /// The last complete line has no newline (an append must write one first).
    pub needs_newline: bool,
    pub torn_tail: Option<TornTail>,
    /// Lines left out, each naming file, line and field, in line order.
    pub rejected: Vec<ParseError>,
}

impl RawRead {
    /// Read a file leniently. `Err` only when the file cannot be read at all or its run
    /// metadata is missing or malformed.
    pub fn load(path: &Path) -> Result<RawRead, ParseError> {
        let bytes = std::fs::read(path).map_err(|e| ParseError::io(path, e))?;
        Self::parse(path, &bytes)
    }

    /// [`RawRead::load`] on bytes already in memory.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<RawRead, ParseError> {
        let mut meta: Option<RunMeta> = None;
        let mut records = Vec::new();
        let mut lines = Vec::new();
        let mut rejected = Vec::new();
        let mut torn_tail = None;
        let mut complete_len = 0u64;
        let mut needs_newline = false;
        let mut seen: HashMap<(String, String, SizeName, u32), usize> = HashMap::new();

        let mut pos = 0usize;
        let mut line = 0usize;
        while pos < bytes.len() {
            line += 1;
            let start = pos;
            let (raw, terminated) = match bytes[pos..].iter().position(|&b| b == b'\n') {
                Some(i) => {
                    pos += i + 1;
                    (&bytes[start..start + i], true)
                }
                None => {
                    pos = bytes.len();
                    (&bytes[start..], false)
                }
            };
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let text = match std::str::from_utf8(raw) {
                Ok(t) => Some(t),
                Err(_) if !terminated => None,
                Err(e) => {
                    let err = utf8_error(path, raw, line, e);
                    if meta.is_none() {
                        return Err(err);
                    }
                    rejected.push(err);
                    complete_len = pos as u64;
                    continue;
                }
            };
            if let Some(t) = text {
                if t.trim().is_empty() {
                    if terminated {
                        complete_len = pos as u64;
                    }
                    continue;
                }
            }
            // A last line with no newline is torn unless it is a whole JSON document.
            let torn = !terminated
                && match text {
                    None => true,
                    Some(t) => serde_json::from_str::<serde::de::IgnoredAny>(t).is_err(),
                };
            if torn {
                if meta.is_none() {
                    return Err(ParseError::at(
                        path,
                        line,
                        "",
                        format!(
                            "the run metadata line is cut short ({} bytes, no newline): \
                             the run wrote nothing else; delete the file",
                            raw.len()
                        ),
                    ));
                }
                torn_tail = Some(TornTail {
                    line,
                    offset: start as u64,
                    bytes: bytes.len() - start,
                });
                break;
            }
            let text = text.expect("a line that is not torn is UTF-8");
            complete_len = pos as u64;
            needs_newline = !terminated;

            let kind = match parse_json_str::<Tag>(path, line, text) {
                Ok(tag) => tag.kind,
                Err(e) => {
                    if meta.is_none() {
                        return Err(e);
                    }
                    rejected.push(e);
                    continue;
                }
            };
            let Some(m) = &meta else {
                meta = Some(parse_meta(path, line, kind.as_deref(), text)?);
                continue;
            };
            match parse_exec(path, line, kind.as_deref(), text).and_then(|r| {
                check_record(m, &r)
                    .map_err(|(field, msg)| ParseError::at(path, line, &field, msg))?;
                let key = (r.interp.clone(), r.workload.clone(), r.size, r.process);
                if let Some(first) = seen.get(&key) {
                    return Err(ParseError::at(
                        path,
                        line,
                        "process",
                        format!(
                            "duplicate record of {} process {} (first at line {first}): \
                             a run records each process execution once",
                            r.key(),
                            r.process
                        ),
                    ));
                }
                seen.insert(key, line);
                Ok(r)
            }) {
                Ok(r) => {
                    records.push(r);
                    lines.push(line);
                }
                Err(e) => rejected.push(e),
            }
        }
        let meta = meta.ok_or_else(|| ParseError::at(path, 1, "type", "the file is empty"))?;
        Ok(RawRead {
            file: RawFile {
                path: path.to_owned(),
                meta,
                records,
            },
            lines,
            complete_len,
            needs_newline,
            torn_tail,
            rejected,
        })
    }

    /// Leave out the `ok` records whose checksum is not the suite's for their workload and
    /// size (an iteration or process cell; a startup cell has none, a service cell's is the
    /// server's tally): bench-runner compared it, so a record that disagrees was not written by
    /// a run of this suite. Each is added to [`RawRead::rejected`] with its line and field.
    pub fn check_suite(&mut self, suite: &crate::Suite) {
        let mut kept = Vec::with_capacity(self.file.records.len());
        let mut lines = Vec::with_capacity(self.lines.len());
        for (r, line) in std::mem::take(&mut self.file.records)
            .into_iter()
            .zip(std::mem::take(&mut self.lines))
        {
            match check_against_suite(&r, suite) {
                Ok(()) => {
                    kept.push(r);
                    lines.push(line);
                }
                Err((field, msg)) => {
                    self.rejected
                        .push(ParseError::at(&self.file.path, line, &field, msg))
                }
            }
        }
        self.file.records = kept;
        self.lines = lines;
        self.rejected.sort_by_key(|e| e.line);
    }

    /// The warning for a torn tail.
    pub fn torn_warning(&self) -> Option<ParseError> {
        self.torn_tail.as_ref().map(|t| {
            ParseError::at(
                &self.file.path,
                t.line,
                "",
                format!(
                    "the last line is cut short ({} bytes, no newline: a write that did not \
                     finish); it is left out, and `cargo xtask bench --resume {}` removes it \
                     and runs that process execution again",
                    t.bytes, self.file.meta.run_id
                ),
            )
        })
    }

    /// Everything that was left out, in line order: rejected lines, then a torn tail.
    pub fn problems(&self) -> Vec<ParseError> {
        let mut out = self.rejected.clone();
        out.extend(self.torn_warning());
        out
    }

    /// The file if nothing was left out; otherwise the first problem as the error.
    pub fn strict(self) -> Result<RawFile, ParseError> {
        match self.problems().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(self.file),
        }
    }
}

/// Just the `type` of a line; everything else is skipped without being kept.
#[derive(Deserialize)]
struct Tag {
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

/// A line's `schema` must be the one this build reads.
fn check_schema(path: &Path, line: usize, schema: u32) -> Result<(), ParseError> {
    if schema == SCHEMA {
        return Ok(());
    }
    Err(ParseError::at(
        path,
        line,
        "schema",
        format!("schema {schema} is not supported (this build reads {SCHEMA})"),
    ))
}

fn parse_meta(
    path: &Path,
    line: usize,
    kind: Option<&str>,
    text: &str,
) -> Result<RunMeta, ParseError> {
    match kind {
        Some("run") => {}
        Some("exec") => {
            return Err(ParseError::at(
                path,
                line,
                "type",
                "the first line must be the run metadata (\"type\": \"run\")",
            ))
        }
        other => return Err(unknown_type(path, line, other)),
    }
    let meta: RunMeta = parse_json_str(path, line, text)?;
    check_schema(path, line, meta.schema)?;
    check_meta_names(&meta).map_err(|(field, why)| ParseError::at(path, line, &field, why))?;
    Ok(meta)
}

/// The names in a run's metadata: ids from the id alphabet, labels one line of text.
fn check_meta_names(m: &RunMeta) -> Result<(), (String, String)> {
    use crate::names::{check_id, check_run_id, check_text};
    let at = |field: String| move |why: String| (field, why);
    check_run_id(&m.run_id).map_err(at("run_id".into()))?;
    for (i, interp) in m.interpreters.iter().enumerate() {
        check_id(&interp.id).map_err(at(format!("interpreters[{i}].id")))?;
        check_text(&interp.label).map_err(at(format!("interpreters[{i}].label")))?;
        if let Some(c) = &interp.caveat {
            check_text(c).map_err(at(format!("interpreters[{i}].caveat")))?;
        }
    }
    for (i, id) in m.params.interps.iter().enumerate() {
        check_id(id).map_err(at(format!("params.interps[{i}]")))?;
    }
    for (i, w) in m.params.workloads.iter().enumerate() {
        check_id(w).map_err(at(format!("params.workloads[{i}]")))?;
    }
    if let Some(t) = &m.params.aa_twin {
        check_id(&t.id).map_err(at("params.aa_twin.id".into()))?;
        check_id(&t.of).map_err(at("params.aa_twin.of".into()))?;
    }
    Ok(())
}

fn parse_exec(
    path: &Path,
    line: usize,
    kind: Option<&str>,
    text: &str,
) -> Result<ExecRecord, ParseError> {
    match kind {
        Some("exec") => {}
        Some("run") => {
            return Err(ParseError::at(
                path,
                line,
                "type",
                "a second run metadata line; only the first line may be \"run\"",
            ))
        }
        other => return Err(unknown_type(path, line, other)),
    }
    let r: ExecRecord = parse_json_str(path, line, text)?;
    check_schema(path, line, r.schema)?;
    Ok(r)
}

fn unknown_type(path: &Path, line: usize, kind: Option<&str>) -> ParseError {
    match kind {
        Some(other) => ParseError::at(
            path,
            line,
            "type",
            format!("unknown record type `{other}` (expected `run` or `exec`)"),
        ),
        None => ParseError::at(path, line, "type", "missing record type (`run` or `exec`)"),
    }
}

/// An `ok` record's checksum against the suite (see [`RawRead::check_suite`]).
pub fn check_against_suite(r: &ExecRecord, suite: &crate::Suite) -> Result<(), (String, String)> {
    use crate::WorkloadKind;
    if !matches!(r.outcome, Outcome::Ok) {
        return Ok(());
    }
    let Some(w) = suite.get(&r.workload) else {
        return Err((
            "workload".into(),
            format!("workload `{}` is not in the suite", r.workload),
        ));
    };
    if !matches!(w.kind, WorkloadKind::Iterations | WorkloadKind::Process) {
        return Ok(());
    }
    let Some(spec) = w.sizes.get(r.size) else {
        return Err((
            "size".into(),
            format!(
                "workload `{}` has no size `{}` in the suite",
                r.workload, r.size
            ),
        ));
    };
    if r.checksum.as_deref() != Some(spec.checksum.as_str()) {
        return Err((
            "checksum".into(),
            format!(
                "an `ok` record with checksum {:?}, but the suite's for {} ({}) is {:?}: \
                 bench-runner would have recorded wrong_checksum",
                r.checksum.as_deref().unwrap_or("(none)"),
                r.workload,
                r.size,
                spec.checksum
            ),
        ));
    }
    Ok(())
}

/// Is this record something a run could have measured? `Err((field, why))` when not.
///
/// The rules (each a fault seen in a real or fuzzed file):
/// - its interpreter, workload and size are the run's (from its metadata);
/// - its process index is below [`MAX_PROCESSES`];
/// - no iteration is longer than [`MAX_ITERATION_NS`], no wall time longer than
///   [`MAX_WALL_NS`];
/// - the iterations sum to no more than the process's wall time, plus a slack for the two
///   clocks (1 ms, 1% of the wall time, and one clock resolution per iteration): the
///   iterations run inside the process that the wall time covers;
/// - an `ok` record: a wall time above 0; iterations not all 0; and no iteration of 0 unless
///   the clock is coarse (a resolution of [`COARSE_CLOCK_NS`] or more, MicroPython's
///   `ticks_us`), where a fast iteration can read 0. With a 1 ns clock even an empty loop
///   takes tens of nanoseconds, so 0 means the clock did not run; on such a clock no
///   iteration under [`MIN_CALL_NS`], and the iterations at least [`MIN_ITERATION_SHARE`] of
///   the wall time (`iterations_ns: [1, 2]` timed nothing).
pub fn check_record(meta: &RunMeta, r: &ExecRecord) -> Result<(), (String, String)> {
    let bad = |field: &str, msg: String| Err((field.to_owned(), msg));
    let known = meta.interpreters.iter().any(|i| i.id == r.interp)
        || meta.params.interps.contains(&r.interp)
        // The A/A twin: the baseline again under its own id (`RunParams::aa_twin`).
        || meta.params.aa_twin.as_ref().is_some_and(|t| t.id == r.interp);
    if !known {
        return bad(
            "interp",
            format!(
                "interpreter `{}` is not in this run's metadata (it ran: {})",
                r.interp,
                meta.params.interps.join(", ")
            ),
        );
    }
    if !meta.params.workloads.contains(&r.workload) {
        return bad(
            "workload",
            format!(
                "workload `{}` is not in this run's metadata (it ran: {})",
                r.workload,
                meta.params.workloads.join(", ")
            ),
        );
    }
    if r.size != meta.params.size {
        return bad(
            "size",
            format!(
                "size `{}`, but this run measured size `{}`",
                r.size, meta.params.size
            ),
        );
    }
    if r.process >= MAX_PROCESSES {
        return bad(
            "process",
            format!(
                "process index {} is beyond any run (at most {MAX_PROCESSES} per cell)",
                r.process
            ),
        );
    }
    if r.wall_ns > MAX_WALL_NS {
        return bad(
            "wall_ns",
            format!(
                "{} ns is more than a week for one process execution",
                r.wall_ns
            ),
        );
    }
    let resolution = r.clock.as_ref().map_or(1, |c| c.resolution_ns.max(1));
    let mut sum: u128 = 0;
    for (i, &ns) in r.iterations_ns.iter().enumerate() {
        if ns > MAX_ITERATION_NS {
            return bad(
                &format!("iterations_ns[{i}]"),
                format!("{ns} ns is more than a day for one iteration: not a measurement"),
            );
        }
        sum += ns as u128;
    }
    let n = r.iterations_ns.len() as u128;
    let slack = 1_000_000 + r.wall_ns as u128 / 100 + n * resolution as u128;
    if sum > r.wall_ns as u128 + slack {
        return bad(
            "iterations_ns",
            format!(
                "the iterations sum to {sum} ns, more than the process's wall time of {} ns \
                 (they run inside it)",
                r.wall_ns
            ),
        );
    }
    if matches!(r.outcome, Outcome::Ok) {
        if r.wall_ns == 0 {
            return bad(
                "wall_ns",
                "a wall time of 0 ns for a process that ran".into(),
            );
        }
        if !r.iterations_ns.is_empty() && sum == 0 {
            return bad(
                "iterations_ns",
                "every iteration is 0 ns: the clock did not advance".into(),
            );
        }
        if resolution < COARSE_CLOCK_NS {
            if let Some(i) = r.iterations_ns.iter().position(|&ns| ns == 0) {
                return bad(
                    &format!("iterations_ns[{i}]"),
                    format!(
                        "an iteration of 0 ns with a {resolution} ns clock: only a coarse \
                         clock (≥ {COARSE_CLOCK_NS} ns) can read 0"
                    ),
                );
            }
            if let Some(i) = r
                .iterations_ns
                .iter()
                .position(|&ns| ns > 0 && ns < MIN_CALL_NS)
            {
                return bad(
                    &format!("iterations_ns[{i}]"),
                    format!(
                        "an iteration of {} ns: no call of a workload's run is under \
                         {MIN_CALL_NS} ns",
                        r.iterations_ns[i]
                    ),
                );
            }
        }
        if !r.iterations_ns.is_empty() && (sum as f64) < r.wall_ns as f64 * MIN_ITERATION_SHARE {
            return bad(
                "iterations_ns",
                format!(
                    "the iterations sum to {sum} ns of a {} ns process: less than a \
                     millionth of it, not a timed workload",
                    r.wall_ns
                ),
            );
        }
    }
    Ok(())
}
