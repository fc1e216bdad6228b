//! The raw results file of a run, written so that it cannot collide with another run's and
//! cannot tear.
//!
//! - **Run ids** are the UTC time plus a random suffix and the backend
//!   (`20261201T074549Z-3f9a1c-docker`): they sort by time, and two runs started in the same
//!   second still differ. The file is created with `O_EXCL`, so a clash fails instead of
//!   truncating another run's file.
//! - **The folder lock**: a run holds an exclusive `flock` on `<out>/.lock` from start to end,
//!   with its run id and pid written in it. A second `bench` on the same folder fails at once
//!   and says which run holds it. The kernel drops the lock when the process dies, so a stale
//!   `.lock` file is harmless (it is never deleted: deleting a lock file races).
//! - **Appends** are one `write` of one whole line. On any write error the file is cut back to
//!   its last complete line and the error names the file, the OS error, the records that are
//!   intact and the `--resume` command; the run then stops (no further cell is started).
//!   [`RunFile::sync`] (fsync) is called at cell and batch boundaries.
//! - **Resume** re-reads the file strictly (rejected records are an error naming file, line
//!   and field) and cuts off a torn last line before appending.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use whichpy_wire::{to_jsonl, ExecRecord, RawFile, RawLine, RawRead, RunMeta};

/// Name of the lock file in a results folder.
pub const LOCK_FILE: &str = ".lock";

/// A new run id: `YYYYMMDDTHHMMSSZ-xxxxxx-backend`.
pub fn new_run_id(now: jiff::Timestamp, backend: whichpy_wire::BackendKind) -> String {
    format!(
        "{}-{}-{backend}",
        now.strftime("%Y%m%dT%H%M%SZ"),
        random_suffix()
    )
}

/// Six hex digits from the kernel's random source (or, failing that, from the pid and the
/// clock: still unique across the processes of one machine).
fn random_suffix() -> String {
    let mut b = [0u8; 3];
    let from_kernel = File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    if from_kernel.is_err() {
        use sha2::Digest;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let h = sha2::Sha256::digest(format!("{}-{nanos}", std::process::id()));
        b.copy_from_slice(&h[..3]);
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A path as the user reads it: relative to the project root when inside it.
pub fn shown(path: &Path) -> String {
    let root = crate::project::root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The exclusive lock of a results folder, held for a whole run.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    dir: PathBuf,
}

/// Who holds a folder's lock, as written in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Holder {
    pub run_id: Option<String>,
    pub pid: Option<i32>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.run_id.as_deref().unwrap_or("not chosen yet");
        match self.pid {
            Some(pid) => write!(f, "run id {id}, pid {pid}"),
            None => write!(f, "run id {id}, pid unknown"),
        }
    }
}

impl RunLock {
    /// Lock `dir` for this process, or fail at once naming the run that holds it.
    pub fn acquire(dir: &Path) -> anyhow::Result<RunLock> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening the run lock {}", shown(&path)))?;
        if !try_flock(&file).with_context(|| format!("locking {}", shown(&path)))? {
            let holder = read_holder(&path);
            bail!(
                "another bench run ({holder}) is writing to {}; wait for it, or pass --out DIR",
                shown(dir)
            );
        }
        let mut lock = RunLock {
            file,
            dir: dir.to_owned(),
        };
        lock.write(None)?;
        Ok(lock)
    }

    /// Record the run id in the lock (once it is known).
    pub fn set_run(&mut self, run_id: &str) -> anyhow::Result<()> {
        self.write(Some(run_id))
    }

    fn write(&mut self, run_id: Option<&str>) -> anyhow::Result<()> {
        let text = format!(
            "run {}\npid {}\n",
            run_id.unwrap_or("-"),
            std::process::id()
        );
        let path = self.dir.join(LOCK_FILE);
        self.file
            .set_len(0)
            .and_then(|()| {
                use std::os::unix::fs::FileExt;
                self.file.write_all_at(text.as_bytes(), 0)
            })
            .with_context(|| format!("writing the run lock {}", shown(&path)))
    }

    /// The folder this lock holds.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// If a live run holds `dir`'s lock, who it is. `None` when the folder is free (or has no
/// lock file).
pub fn live_holder(dir: &Path) -> Option<Holder> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new().read(true).open(&path).ok()?;
    match try_flock(&file) {
        Ok(true) => None, // nobody holds it; closing the file releases ours
        Ok(false) => Some(read_holder(&path)),
        Err(_) => None,
    }
}

fn read_holder(path: &Path) -> Holder {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "-")
            .map(str::to_owned)
    };
    Holder {
        run_id: field("run"),
        pid: field("pid").and_then(|p| p.parse().ok()),
    }
}

/// `flock(LOCK_EX | LOCK_NB)`: `Ok(false)` when another open file holds it.
fn try_flock(file: &File) -> std::io::Result<bool> {
    // SAFETY: flock on a file descriptor we own; no memory is shared.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err)
    }
}

/// A raw results file open for appending.
#[derive(Debug)]
pub struct RunFile {
    file: File,
    path: PathBuf,
    run_id: String,
    /// Bytes of complete lines: where the file is cut back to after a failed write.
    len: u64,
    /// Records in the file.
    records: u64,
    /// The first write error; nothing is written after it.
    failed: Option<String>,
}

impl RunFile {
    /// Create `<dir>/<run id>.jsonl` (never over an existing file) and write the metadata.
    /// The caller holds the folder's [`RunLock`].
    pub fn create(dir: &Path, meta: &RunMeta) -> anyhow::Result<RunFile> {
        let path = dir.join(format!("{}.jsonl", meta.run_id));
        let mut file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .with_context(|| {
                format!(
                    "creating {} (a run file is never overwritten; start the run again for a new id)",
                    shown(&path)
                )
            })?;
        let line = to_jsonl(&RawLine::Run(meta.clone()));
        if let Err(e) = file
            .write_all(line.as_bytes())
            .and_then(|()| file.sync_all())
        {
            drop(file);
            let _ = std::fs::remove_file(&path);
            bail!(
                "writing {}: {e}; nothing was measured yet; free space, then start the run again",
                shown(&path)
            );
        }
        // The new name is durable too, not only the bytes.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(RunFile {
            file,
            path,
            run_id: meta.run_id.clone(),
            len: line.len() as u64,
            records: 0,
            failed: None,
        })
    }

    /// Open a run file to continue it: read it strictly (a rejected line is an error that
    /// names it), cut off a torn last line, and return the file ready to append and what it
    /// holds. The caller holds the folder's [`RunLock`].
    pub fn resume(path: &Path) -> anyhow::Result<(RunFile, RawFile)> {
        let read = RawRead::load(path)?;
        if !read.rejected.is_empty() {
            let list: Vec<String> = read
                .rejected
                .iter()
                .take(10)
                .map(|e| format!("  {e}"))
                .collect();
            let more = read.rejected.len().saturating_sub(10);
            bail!(
                "{} cannot be resumed: {} line(s) are malformed or implausible:\n{}{}\n\
                 fix or delete those lines (they are not a record this run made), or start a new run",
                shown(path),
                read.rejected.len(),
                list.join("\n"),
                if more > 0 { format!("\n  … and {more} more") } else { String::new() }
            );
        }
        let mut file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("opening {} to append", shown(path)))?;
        let mut len = read.complete_len;
        if let Some(t) = &read.torn_tail {
            file.set_len(read.complete_len)
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cutting the torn last line off {}", shown(path)))?;
            crate::output::warning(
                None,
                format!(
                    "{}:{}: cut off a torn last line ({} bytes, a write that did not finish); \
                 that process execution runs again",
                    shown(path),
                    t.line,
                    t.bytes
                ),
            );
        }
        if read.needs_newline {
            file.write_all(b"\n")
                .with_context(|| format!("writing {}", shown(path)))?;
            len += 1;
        }
        let records = read.file.records.len() as u64;
        let run_id = read.file.meta.run_id.clone();
        Ok((
            RunFile {
                file,
                path: path.to_owned(),
                run_id,
                len,
                records,
                failed: None,
            },
            read.file,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records in the file (those read on resume included).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The first write error, if one happened (the run must stop).
    pub fn failure(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// Append one record with one write. On error the file is cut back to its last complete
    /// line and the error says what is intact and how to continue; every later append fails
    /// with the same error.
    pub fn append(&mut self, rec: &ExecRecord) -> anyhow::Result<()> {
        if let Some(f) = &self.failed {
            bail!("{f}");
        }
        let line = to_jsonl(&RawLine::Exec(rec.clone()));
        match self.file.write_all(line.as_bytes()) {
            Ok(()) => {
                self.len += line.len() as u64;
                self.records += 1;
                Ok(())
            }
            Err(e) => {
                let cut = self.file.set_len(self.len);
                let cut = match cut {
                    Ok(()) => String::new(),
                    Err(c) => format!(
                        " (cutting the partial line off failed too: {c}; --resume removes it)"
                    ),
                };
                let msg = format!(
                    "writing {}: {e}; the {} records before it are intact{cut}; free space, then: {}",
                    shown(&self.path),
                    self.records,
                    self.resume_command()
                );
                self.failed = Some(msg.clone());
                bail!(msg)
            }
        }
    }

    /// fsync: everything appended so far survives a crash of the machine.
    pub fn sync(&mut self) -> anyhow::Result<()> {
        if self.failed.is_some() {
            return Ok(()); // the error is already reported; the file was cut back
        }
        self.file
            .sync_data()
            .with_context(|| format!("syncing {}", shown(&self.path)))
    }

    /// The command that continues this run.
    pub fn resume_command(&self) -> String {
        let default = crate::project::root().join(crate::project::RAW_DIR);
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        if same(dir, &default) {
            format!("cargo xtask bench --resume {}", self.run_id)
        } else {
            format!(
                "cargo xtask bench --resume {} --out {}",
                self.run_id,
                shown(dir)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_sort_by_time_and_differ_within_a_second() {
        let t: jiff::Timestamp = "2026-12-01T07:45:49Z".parse().unwrap();
        let a = new_run_id(t, whichpy_wire::BackendKind::Docker);
        let b = new_run_id(t, whichpy_wire::BackendKind::Docker);
        assert_ne!(a, b);
        assert!(
            a.starts_with("20261201T074549Z-") && a.ends_with("-docker"),
            "{a}"
        );
        assert_eq!(a.len(), "20261201T074549Z-3f9a1c-docker".len());
        let later = new_run_id(
            "2026-12-01T07:45:50Z".parse().unwrap(),
            whichpy_wire::BackendKind::Docker,
        );
        assert!(later > a && later > b);
    }

    #[test]
    fn a_second_lock_on_a_folder_fails_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = RunLock::acquire(dir.path()).unwrap();
        first.set_run("R1").unwrap();
        let err = RunLock::acquire(dir.path()).unwrap_err().to_string();
        let pid = std::process::id();
        assert!(
            err.starts_with(&format!(
                "another bench run (run id R1, pid {pid}) is writing to "
            )) && err.ends_with("; wait for it, or pass --out DIR"),
            "{err}"
        );
        assert_eq!(
            live_holder(dir.path()),
            Some(Holder {
                run_id: Some("R1".into()),
                pid: Some(pid as i32)
            })
        );
        drop(first);
        assert_eq!(live_holder(dir.path()), None);
        RunLock::acquire(dir.path()).unwrap();
    }
}
