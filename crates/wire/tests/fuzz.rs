//! Mutated real files never panic a reader, and every error names a file and a line.
//!
//! The inputs are the committed `results/raw/*.jsonl` and `results/summary.json`; the
//! mutations are the faults seen in the wild or in issue 16: byte flips, truncation,
//! duplicated and swapped lines, huge numbers, invalid UTF-8. Bounded (256 cases each) so
//! it runs in CI in seconds.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use whichpy_wire::parse::parse_json_bytes;
use whichpy_wire::summary::Summary;
use whichpy_wire::{ParseError, RawRead};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The first lines of the latest committed raw file (the metadata and enough records of
/// every kind; the whole file only makes each case slower).
fn real_raw() -> Vec<u8> {
    static RAW: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    RAW.get_or_init(read_real_raw).clone()
}

fn read_real_raw() -> Vec<u8> {
    let dir = root().join("results/raw");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let bytes = std::fs::read(files.last().expect("a committed raw file")).unwrap();
    let end = line_spans(&bytes).get(80).map_or(bytes.len(), |s| s.1);
    bytes[..end].to_vec()
}

fn real_summary() -> Vec<u8> {
    static SUMMARY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SUMMARY
        .get_or_init(|| std::fs::read(root().join("results/summary.json")).unwrap())
        .clone()
}

#[derive(Clone, Debug)]
enum Op {
    FlipBit(Index, u8),
    Truncate(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    DeleteLine(Index),
    /// Replace the number at (or after) a position by an extreme one.
    HugeNumber(Index, &'static str),
    /// Insert bytes that are not UTF-8.
    InvalidUtf8(Index, &'static [u8]),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Op::FlipBit(i, b)),
        any::<Index>().prop_map(Op::Truncate),
        any::<Index>().prop_map(Op::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Op::SwapLines(a, b)),
        any::<Index>().prop_map(Op::DeleteLine),
        (
            any::<Index>(),
            prop::sample::select(vec![
                "18446744073709551616",
                "18000000000000000000",
                "4294967295",
                "-1",
                "1e400",
                "0",
                "99999999999999999999999999999999999999",
            ])
        )
            .prop_map(|(i, n)| Op::HugeNumber(i, n)),
        (
            any::<Index>(),
            prop::sample::select(vec![
                &b"\xff"[..],
                &b"\xc3"[..],
                &b"\xed\xa0\x80"[..],
                &b"\xf0\x9f"[..]
            ])
        )
            .prop_map(|(i, b)| Op::InvalidUtf8(i, b)),
    ]
}

fn line_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < bytes.len() {
        out.push((start, bytes.len()));
    }
    out
}

fn apply(bytes: &mut Vec<u8>, op: &Op) {
    if bytes.is_empty() {
        return;
    }
    match op {
        Op::FlipBit(i, b) => {
            let i = i.index(bytes.len());
            bytes[i] ^= 1 << b;
        }
        Op::Truncate(i) => bytes.truncate(i.index(bytes.len())),
        Op::DuplicateLine(i) => {
            let spans = line_spans(bytes);
            let (s, e) = spans[i.index(spans.len())];
            let line = bytes[s..e].to_vec();
            bytes.splice(e..e, line);
        }
        Op::SwapLines(a, b) => {
            let spans = line_spans(bytes);
            let (a, b) = (a.index(spans.len()), b.index(spans.len()));
            let (a, b) = (a.min(b), a.max(b));
            if a != b {
                let (sa, ea) = spans[a];
                let (sb, eb) = spans[b];
                let mut out = bytes[..sa].to_vec();
                out.extend_from_slice(&bytes[sb..eb]);
                out.extend_from_slice(&bytes[ea..sb]);
                out.extend_from_slice(&bytes[sa..ea]);
                out.extend_from_slice(&bytes[eb..]);
                *bytes = out;
            }
        }
        Op::DeleteLine(i) => {
            let spans = line_spans(bytes);
            let (s, e) = spans[i.index(spans.len())];
            bytes.drain(s..e);
        }
        Op::HugeNumber(i, n) => {
            let from = i.index(bytes.len());
            if let Some(s) = bytes[from..].iter().position(u8::is_ascii_digit) {
                let s = from + s;
                let e = s + bytes[s..].iter().take_while(|b| b.is_ascii_digit()).count();
                bytes.splice(s..e, n.bytes());
            }
        }
        Op::InvalidUtf8(i, b) => {
            let i = i.index(bytes.len());
            bytes.splice(i..i, b.iter().copied());
        }
    }
}

fn names_file_and_line(e: &ParseError, path: &Path) {
    assert_eq!(e.path, path, "{e}");
    assert!(e.line.is_some(), "no line in: {e}");
    assert!(
        e.to_string()
            .starts_with(&format!("{}:{}", path.display(), e.line.unwrap())),
        "{e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_raw_file_never_panics_and_every_error_names_file_and_line(
        ops in prop::collection::vec(op(), 1..4)
    ) {
        let mut bytes = real_raw();
        for o in &ops {
            apply(&mut bytes, o);
        }
        let path = Path::new("results/raw/mutated.jsonl");
        match RawRead::parse(path, &bytes) {
            Err(e) => names_file_and_line(&e, path),
            Ok(read) => {
                for e in read.problems() {
                    names_file_and_line(&e, path);
                }
                prop_assert_eq!(read.lines.len(), read.file.records.len());
            }
        }
    }

    /// A file cut at any byte keeps every complete line and drops only the torn one.
    #[test]
    fn a_cut_file_keeps_every_complete_line(cut in any::<Index>()) {
        let whole = real_raw();
        let spans = line_spans(&whole);
        let first = spans[0].1;
        let at = first + cut.index(whole.len() - first);
        let read = RawRead::parse(Path::new("r.jsonl"), &whole[..at]).unwrap();
        let complete = spans.iter().filter(|(_, e)| *e <= at).count() - 1;
        // A cut just before a newline leaves a whole line without its newline: kept.
        let whole_but_newline = spans.iter().any(|(_, e)| *e == at + 1);
        let kept = complete + usize::from(whole_but_newline);
        prop_assert_eq!(read.file.records.len(), kept);
        prop_assert!(read.rejected.is_empty());
        prop_assert_eq!(read.torn_tail.is_some(), !whole_but_newline && spans.iter().all(|(_, e)| *e != at));
        prop_assert!(kept < spans.len());
    }
}

proptest! {
    // The summary is a 0.5 MB file: fewer cases keep the test at a few seconds.
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_summary_never_panics_and_every_error_names_file_and_line(
        ops in prop::collection::vec(op(), 1..3)
    ) {
        let mut bytes = real_summary();
        for o in &ops {
            apply(&mut bytes, o);
        }
        let path = Path::new("results/summary.json");
        if let Err(e) = parse_json_bytes::<Summary>(path, &bytes) {
            names_file_and_line(&e, path);
        }
    }
}
