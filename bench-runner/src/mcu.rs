//! Cells on an emulated microcontroller: a spec whose interpreter has a `board`
//! ([`whichpy_wire::BoardSpec`]) is QEMU booting MicroPython firmware, not a process that runs
//! the harness. bench-runner runs it where it runs every other cell (in the board's image, or
//! on the host with `--backend native`).
//!
//! Each process execution boots the firmware in a fresh `qemu-system-arm -M <machine>` (a
//! fresh 16 KB part) with the workload (comments and `META` stripped) and a small driver in
//! the board's flash, where the firmware runs a script at reset ([`SCRIPT_ADDR`]), and reads
//! one result line back from the emulated UART. Time is the board's own `time.ticks_us()`
//! under `-icount shift=N`: the clock advances 2^N ns per emulated instruction, so a
//! difference of ticks is a count of instructions, independent of how fast the host
//! emulates; and since nothing reaches the board after reset, two boots count the same.
//!
//! A workload that does not fit raises `MemoryError` on the board; that is a record
//! ([`Outcome::MemoryError`]), never an error of the tool.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use whichpy_wire::{BoardSpec, CellSpec, ClockInfo, ExecRecord, ImplInfo, McuMeasure, Outcome};

/// `-icount shift=6`: 64 ns per instruction, about the micro:bit's 16 MHz.
pub const ICOUNT_SHIFT: u32 = 6;
/// The nRF51822's clock; ms figures assume one instruction per cycle.
pub const CLOCK_HZ: u64 = 16_000_000;
/// How long the firmware may take to identify itself.
const BOOT_TIMEOUT: Duration = Duration::from_secs(20);

/// The micro:bit side of a cell: appended to the workload's source. It collects garbage,
/// reads the heap, runs `setup`, then times each `run` with the board's `ticks_us`; before each
/// timed iteration it collects and sleeps to the board's next timer tick, so an iteration
/// starts in the same state whatever the host did meanwhile. One line comes back:
/// `WPY <free before> <heap total> <free after> <us,us,...> <checksum>` (see
/// [`parse_result`]).
pub const DRIVER: &str = include_str!("../harness/mcu_driver.py");

/// Where the firmware looks for a script at boot: the micro:bit's "appended script" area, the
/// last 8 KB of its 256 KB of flash. A script there starts with `MP` and its length (16 bits,
/// little-endian); MicroPython for the micro:bit runs it at reset, before its REPL, as uFlash
/// and the Mu editor flash it.
pub const SCRIPT_ADDR: u32 = 0x3e000;
/// The longest script the area holds (8 KB less the 4-byte header).
pub const SCRIPT_MAX: usize = 8 * 1024 - 4;

/// `code` as the bytes of the appended-script area.
pub fn script_area(code: &str) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(
        code.len() <= SCRIPT_MAX,
        "the script is {} bytes; the micro:bit's script area holds {SCRIPT_MAX}",
        code.len()
    );
    let mut area = Vec::with_capacity(code.len() + 4);
    area.extend_from_slice(b"MP");
    area.extend_from_slice(&(code.len() as u16).to_le_bytes());
    area.extend_from_slice(code.as_bytes());
    Ok(area)
}

/// What one boot of the board printed.
#[derive(Debug)]
pub struct Boot {
    /// The script's output, `\r\n` made `\n`, without its traceback.
    pub out: String,
    /// The traceback the script ended with; empty when it finished.
    pub err: String,
    /// The firmware's banner, printed when the script has ended and the REPL starts.
    pub banner: String,
}

/// One emulated board, booted with a script in its flash.
///
/// The script goes into flash with the firmware (a second `-device loader` at
/// [`SCRIPT_ADDR`]), not over the serial line: the UART is output only. Nothing reaches the
/// board from the host after reset, so under `-icount` the whole run, timer interrupts
/// included, is a function of the firmware and the script: two boots count the same
/// instructions. (Code sent over the serial line arrived at host-dependent moments, which
/// moved the phase of the board's timer interrupt and made two boots differ by about 10 ppm.)
pub struct Board {
    child: Child,
    rx: Receiver<Vec<u8>>,
    /// Bytes received and not yet consumed.
    pending: Vec<u8>,
    /// Holds the script's flash image while QEMU runs.
    _dir: tempfile::TempDir,
}

impl Board {
    /// Boot `firmware` on QEMU's `machine` with `code` as the appended script, and read what
    /// it prints until the REPL's prompt. An error if QEMU cannot start, exits, or the prompt
    /// does not come before `deadline`.
    pub fn run(
        qemu: &str,
        machine: &str,
        firmware: &Path,
        code: &str,
        deadline: Instant,
    ) -> anyhow::Result<Boot> {
        let mut board = Board::boot(qemu, machine, firmware, code)?;
        let printed = board
            .read_until(b">>> ", deadline)
            .context("the firmware printed no REPL prompt")?;
        let text = String::from_utf8_lossy(&printed)
            .replace("\r\n", "\n")
            .trim_start_matches('\0')
            .to_owned();
        let text = text.trim_end_matches(">>> ");
        // The banner starts the last paragraph: `MicroPython v1.9.2-… on …; micro:bit …`.
        let (before, banner) = match text.rfind("MicroPython v") {
            Some(at) => (&text[..at], text[at..].trim().to_owned()),
            None => (text, String::new()),
        };
        let (out, err) = match before.find("Traceback (most recent call last):") {
            Some(at) => (before[..at].to_owned(), before[at..].to_owned()),
            None => (before.to_owned(), String::new()),
        };
        Ok(Boot { out, err, banner })
    }

    fn boot(qemu: &str, machine: &str, firmware: &Path, code: &str) -> anyhow::Result<Board> {
        if !firmware.is_file() {
            bail!(
                "firmware {} not found (`cargo xtask doctor --install` installs it)",
                firmware.display()
            );
        }
        let dir = tempfile::Builder::new().prefix("whichpy-mcu").tempdir()?;
        let script = dir.path().join("script.bin");
        std::fs::write(&script, script_area(code)?)?;
        let mut child = Command::new(qemu)
            .args(["-M", machine, "-device"])
            .arg(format!("loader,file={}", firmware.display()))
            .arg("-device")
            .arg(format!(
                "loader,file={},addr={SCRIPT_ADDR:#x},force-raw=on",
                script.display()
            ))
            .args(["-nographic", "-serial", "stdio", "-monitor", "none"])
            .args(["-icount", &format!("shift={ICOUNT_SHIFT},sleep=off")])
            // The emulated random number generator draws from a seed, not from the host.
            .args(["-seed", "1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| {
                format!("starting {qemu} (`cargo xtask doctor --install` installs qemu-system-arm)")
            })?;
        let mut out = child.stdout.take().expect("piped");
        let mut errs = child.stderr.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        let tx_err = tx.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        // QEMU's own complaints (an unknown option, a missing machine) are shown as output:
        // they say why no prompt came.
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = errs.read_to_string(&mut text);
            if !text.trim().is_empty() {
                let _ = tx_err.send(format!("\n[qemu] {}", text.trim()).into_bytes());
            }
        });
        Ok(Board {
            child,
            rx,
            pending: Vec::new(),
            _dir: dir,
        })
    }

    fn receive(&mut self, deadline: Instant, what: &str) -> anyhow::Result<()> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(left) {
            Ok(bytes) => {
                self.pending.extend_from_slice(&bytes);
                Ok(())
            }
            Err(RecvTimeoutError::Timeout) => bail!(
                "timed out waiting for {what} (received {:?})",
                String::from_utf8_lossy(&self.pending)
            ),
            Err(RecvTimeoutError::Disconnected) => bail!(
                "QEMU exited (received {:?})",
                String::from_utf8_lossy(&self.pending)
            ),
        }
    }

    /// Bytes up to and including `pattern`; an error past `deadline` or when QEMU exits.
    fn read_until(&mut self, pattern: &[u8], deadline: Instant) -> anyhow::Result<Vec<u8>> {
        loop {
            if let Some(at) = find(&self.pending, pattern) {
                let rest = self.pending.split_off(at + pattern.len());
                return Ok(std::mem::replace(&mut self.pending, rest));
            }
            self.receive(deadline, &format!("{:?}", String::from_utf8_lossy(pattern)))?;
        }
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The workload's source as sent to the board: without comment lines, blank lines and the
/// `META` dict (the board has no use for them and its heap holds the whole text).
pub fn board_source(source: &str) -> String {
    let mut out = String::new();
    let mut in_meta = false;
    for line in source.lines() {
        if line.starts_with("META = {") {
            in_meta = !line.trim_end().ends_with('}');
            continue;
        }
        if in_meta {
            in_meta = line != "}";
            continue;
        }
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// What the driver's result line says.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverResult {
    pub free_before: u64,
    pub heap_total: u64,
    pub free_after: u64,
    pub iterations_us: Vec<u64>,
    pub checksum: String,
}

/// Parse the driver's result line out of what the script printed before the firmware's
/// banner: `WPY <free before> <total> <free after> <us,...> <checksum>`.
///
/// The line must be the last the script printed (the driver's last act), there must be
/// exactly one, and its iterations must be the `iterations` asked for: a result line a
/// workload prints from `setup` or `run` makes the boot `bad_output`. (No nonce: its value
/// moves the board's instruction count by tens, which would break "two boots count the same";
/// a workload that prints a whole forged ending, line, banner and prompt, and then never
/// returns is not caught.) `Err` says what was wrong.
pub fn parse_result(out: &str, iterations: usize) -> Result<DriverResult, String> {
    let mut found = None;
    for line in out.lines() {
        let Some(fields) = line.strip_prefix("WPY ") else {
            continue;
        };
        if found.is_some() {
            return Err("two result lines (a workload printed one)".into());
        }
        found = Some(fields);
    }
    let fields = found.ok_or("no result line")?;
    let last = out
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if !last.ends_with(fields) || !last.starts_with("WPY ") {
        return Err(format!(
            "the result line is not the last the script printed (then {:?})",
            tail(last)
        ));
    }
    let mut f = fields.splitn(5, ' ');
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<u64>().ok());
    let bad = || format!("a malformed result line {:?}", tail(fields));
    let free_before = num(f.next()).ok_or_else(bad)?;
    let heap_total = num(f.next()).ok_or_else(bad)?;
    let free_after = num(f.next()).ok_or_else(bad)?;
    let iterations_us = f
        .next()
        .ok_or_else(bad)?
        .split(',')
        .map(|t| t.parse::<u64>().ok())
        .collect::<Option<Vec<_>>>()
        .ok_or_else(bad)?;
    let checksum = f.next().ok_or_else(bad)?.trim_end().to_owned();
    if iterations_us.len() != iterations {
        return Err(format!(
            "{} iterations in the result line, {iterations} asked for",
            iterations_us.len()
        ));
    }
    Ok(DriverResult {
        free_before,
        heap_total,
        free_after,
        iterations_us,
        checksum,
    })
}

/// Emulated instructions in `us` microseconds of the `-icount shift` clock.
pub fn instructions(us: u64) -> u64 {
    (us * 1000) >> ICOUNT_SHIFT
}

/// Whether the last line of `text` is an exception (`MemoryError: ...`).
fn is_exception_line(text: &str) -> bool {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| l.split(':').next())
        .is_some_and(|name| name.ends_with("Error") && !name.contains(' '))
}

/// How a traceback on the board is recorded.
pub fn outcome_of_error(err: &str) -> Outcome {
    let last = err
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_owned();
    if last.starts_with("MemoryError") {
        Outcome::MemoryError { message: last }
    } else if last.starts_with("SyntaxError") || last.starts_with("ImportError") {
        Outcome::Unsupported {
            reason: format!("the board's MicroPython cannot run it: {last}"),
        }
    } else {
        Outcome::Crashed {
            exit_code: None,
            signal: None,
        }
    }
}

/// One process execution: boot, run, read. Failures of the workload are outcomes; an error
/// only when the workload's file cannot be read.
fn run_process(spec: &CellSpec, board: &BoardSpec, process: u32) -> anyhow::Result<ExecRecord> {
    let mut rec = crate::blank_record(spec, process, Outcome::Ok);
    rec.loops = 1;
    let size = spec
        .workload
        .sizes
        .get(spec.size)
        .expect("checked by run_cell");
    let file = spec
        .workloads_dir
        .join(format!("{}.py", spec.workload.name));
    let source =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;

    let iterations = spec.iterations.max(1);
    let code = format!(
        "{}{}",
        board_source(&source),
        DRIVER
            .replace("__N__", &size.n.to_string())
            .replace("__ITERATIONS__", &iterations.to_string())
    );
    if code.len() > SCRIPT_MAX {
        rec.outcome = Outcome::Unsupported {
            reason: format!(
                "its source and driver are {} bytes; the micro:bit's script area holds {SCRIPT_MAX}",
                code.len()
            ),
        };
        return Ok(rec);
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(spec.timeout_s);
    let result = Board::run(
        &spec.interp.executable,
        &board.machine,
        Path::new(&board.firmware),
        &code,
        deadline,
    );
    rec.wall_ns = start.elapsed().as_nanos().max(1) as u64;
    let (out, err) = match result {
        // The banner is printed by the firmware when the script has ended: a prompt without
        // it was printed by the workload.
        Ok(b) if b.banner.is_empty() => {
            rec.outcome = Outcome::BadOutput {
                reason: format!(
                    "a REPL prompt without the firmware's banner before it (printed by the \
                     workload?) after {:?}",
                    tail(&b.out)
                ),
            };
            return Ok(rec);
        }
        Ok(b) => (b.out, b.err),
        Err(e) if Instant::now() >= deadline => {
            rec.outcome = Outcome::TimedOut {
                after_s: spec.timeout_s,
            };
            rec.stderr_tail = tail(&format!("{e:#}"));
            return Ok(rec);
        }
        Err(e) => {
            rec.outcome = Outcome::BadOutput {
                reason: format!("{e:#}").chars().take(300).collect(),
            };
            return Ok(rec);
        }
    };
    let measure = |r: Option<&DriverResult>| McuMeasure {
        machine: board.machine.clone(),
        icount_shift: ICOUNT_SHIFT,
        clock_hz: CLOCK_HZ,
        instructions: r.map_or(Vec::new(), |r| {
            r.iterations_us.iter().map(|&u| instructions(u)).collect()
        }),
        heap_free_before: r.map(|r| r.free_before),
        heap_free_after: r.map(|r| r.free_after),
        heap_total: r.map(|r| r.heap_total),
    };
    if !err.trim().is_empty() {
        rec.outcome = outcome_of_error(&err);
        rec.stderr_tail = tail(&err);
        rec.mcu = Some(measure(None));
        return Ok(rec);
    }
    let parsed = parse_result(&out, iterations as usize);
    if parsed.is_err() && is_exception_line(&out) {
        // Raised while compiling (the compiled code alone filled the heap): no traceback.
        rec.outcome = match outcome_of_error(&out) {
            Outcome::MemoryError { message } => Outcome::MemoryError {
                message: format!(
                    "{} (while compiling: the compiled code alone fills the heap)",
                    message.trim_end_matches(':')
                ),
            },
            other => other,
        };
        rec.stderr_tail = tail(&out);
        rec.mcu = Some(measure(None));
        return Ok(rec);
    }
    let r = match parsed {
        Ok(r) => r,
        Err(why) => {
            rec.outcome = Outcome::BadOutput {
                reason: format!("{why}; the board printed {:?}", tail(&out)),
            };
            return Ok(rec);
        }
    };
    if r.checksum != size.checksum {
        rec.outcome = Outcome::WrongChecksum {
            expected: size.checksum.clone(),
            got: r.checksum.clone(),
        };
    }
    rec.checksum = Some(r.checksum.clone());
    rec.clock = Some(ClockInfo {
        name: format!("ticks_us under -icount shift={ICOUNT_SHIFT}"),
        resolution_ns: 1000,
    });
    rec.mcu = Some(measure(Some(&r)));
    Ok(rec)
}

/// Run a cell whose interpreter is a board (from [`crate::run_cell`], which has already closed
/// the cells the workload does not support): one boot per process execution, each handed to
/// `emit` as soon as it ends. Returns early when `cancel` is set.
pub(crate) fn run_cell(
    spec: &CellSpec,
    board: &BoardSpec,
    cancel: &AtomicBool,
    emit: &mut dyn FnMut(ExecRecord),
) {
    // The family's unsupported workloads and a missing size are closed by `crate::run_cell`.
    if spec.workload.kind == whichpy_wire::WorkloadKind::Startup {
        let reason = "a board boots once; there is no process to start".to_owned();
        emit(crate::blank_record(
            spec,
            spec.first_process,
            Outcome::Unsupported { reason },
        ));
        return;
    }
    for process in spec.first_process..spec.first_process + spec.processes {
        if cancel.load(Ordering::SeqCst) {
            return;
        }
        match run_process(spec, board, process) {
            Ok(rec) => {
                // What the firmware cannot compile or import, it cannot on the next boot.
                let closes = matches!(rec.outcome, Outcome::Unsupported { .. });
                emit(rec);
                if closes {
                    return;
                }
            }
            Err(e) => {
                let mut rec = crate::blank_record(
                    spec,
                    process,
                    Outcome::BadOutput {
                        reason: format!("{e:#}").chars().take(300).collect(),
                    },
                );
                rec.loops = 1;
                emit(rec);
            }
        }
    }
}

/// What the firmware is: `sys.implementation` and `sys.version` from a boot, and the version
/// from its banner (`MicroPython v1.9.2-34-gd64154c73 on 2017-09-01; …`).
pub fn identify(qemu: &str, board: &BoardSpec) -> anyhow::Result<ImplInfo> {
    let boot = Board::run(
        qemu,
        &board.machine,
        Path::new(&board.firmware),
        "import sys\nprint(sys.implementation.name)\nprint('%d.%d.%d' % sys.version_info[:3])\nprint(sys.version)\n",
        Instant::now() + BOOT_TIMEOUT,
    )?;
    if !boot.err.trim().is_empty() {
        bail!("the board could not identify itself: {}", boot.err.trim());
    }
    let lines: Vec<&str> = boot.out.lines().map(str::trim).collect();
    let [name, python, sys_version, ..] = lines[..] else {
        bail!("the board answered {:?} to its identification", boot.out);
    };
    Ok(ImplInfo {
        name: name.to_owned(),
        version: banner_version(&boot.banner).unwrap_or_else(|| "unknown".into()),
        python: python.to_owned(),
        sys_version: format!(
            "{sys_version}; {}",
            boot.banner.lines().next().unwrap_or("")
        ),
    })
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(5)..].join("\n")
}

/// `MicroPython v1.9.2-34-gd64154c73 on 2017-09-01; ...` → `1.9.2`.
fn banner_version(banner: &str) -> Option<String> {
    let v = banner.split("MicroPython v").nth(1)?;
    let v: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_board_source_drops_comments_blank_lines_and_meta() {
        let src = "# a comment\nMETA = {\n    \"sizes\": {},\n}\n\n\ndef run(n):\n    # inside\n    return n  # kept\n";
        assert_eq!(board_source(src), "def run(n):\n    return n  # kept\n");
        assert_eq!(board_source("META = {\"a\": 1}\nx = 1\n"), "x = 1\n");
    }

    #[test]
    fn a_script_is_flashed_with_its_header_and_a_long_one_is_refused() {
        assert_eq!(script_area("x=1\n").unwrap(), b"MP\x04\x00x=1\n");
        let long = "#".repeat(SCRIPT_MAX + 1);
        assert!(script_area(&long).unwrap_err().to_string().contains("8188"));
        assert_eq!(script_area(&long[1..]).unwrap().len(), 8 * 1024);
    }

    #[test]
    fn a_result_line_parses_and_a_traceback_becomes_an_outcome() {
        let r = parse_result("noise\nWPY 5616 9360 1648 732542,732868 95,21536 x\n", 2).unwrap();
        assert_eq!(r.iterations_us, vec![732542, 732868]);
        assert_eq!(r.checksum, "95,21536 x");
        assert_eq!(
            (r.free_before, r.heap_total, r.free_after),
            (5616, 9360, 1648)
        );
        assert!(parse_result("WPY 1 2\n", 2).is_err());
        let mem = "Traceback (most recent call last):\n  File \"<stdin>\", line 3, in <module>\nMemoryError: memory allocation failed, allocating 4096 bytes\n";
        assert_eq!(
            outcome_of_error(mem),
            Outcome::MemoryError {
                message: "MemoryError: memory allocation failed, allocating 4096 bytes".into()
            }
        );
        assert!(matches!(
            outcome_of_error("SyntaxError: invalid syntax\n"),
            Outcome::Unsupported { .. }
        ));
        assert_eq!(instructions(64), 1000);
        assert_eq!(
            banner_version("MicroPython v1.9.2-34-gd64154c73 on 2017-09-01; micro:bit"),
            Some("1.9.2".into())
        );
    }

    #[test]
    fn a_forged_result_line_is_refused() {
        let real = "WPY 5616 9360 1648 10,11 42";
        // Issue 29: a workload printed `WPY 9999 9999 9999 1,…,1 1` from `setup`; it was read
        // as the result, with 10 iterations where 2 were asked for.
        let forged = "WPY 9999 9999 9999 1,1,1,1,1,1,1,1,1,1 1";
        let e = parse_result(&format!("{forged}\n{real}\n"), 2).unwrap_err();
        assert!(e.contains("two result lines"), "{e}");
        let e = parse_result(&format!("{forged}\n"), 2).unwrap_err();
        assert!(
            e.contains("10 iterations in the result line, 2 asked for"),
            "{e}"
        );
        // Output after the driver's line: the driver's line is its last act.
        let e = parse_result(&format!("{real}\nmore\n"), 2).unwrap_err();
        assert!(e.contains("not the last"), "{e}");
        assert_eq!(parse_result(real, 2).unwrap().checksum, "42");
    }
}
