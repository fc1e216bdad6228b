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

/// A summary mutated into nonsense no analysis writes (issue 29: render accepted 38 such).
#[derive(Clone, Debug)]
enum Nonsense {
    /// The `n`th floating-point figure made negative.
    Negative(Index),
    /// The `n`th floating-point figure replaced by an absurd magnitude.
    Huge(Index, f64),
    /// The `n`th interval with `low < high` swapped.
    Inverted(Index),
    /// The `n`th cell repeated `k` more times.
    Repeated(Index, usize),
}

fn nonsense() -> impl Strategy<Value = Nonsense> {
    prop_oneof![
        any::<Index>().prop_map(Nonsense::Negative),
        (
            any::<Index>(),
            prop::sample::select(vec![1e300, 1e16, f64::MAX])
        )
            .prop_map(|(i, x)| Nonsense::Huge(i, x)),
        any::<Index>().prop_map(Nonsense::Inverted),
        (any::<Index>(), 1usize..50).prop_map(|(i, k)| Nonsense::Repeated(i, k)),
    ]
}

/// Every float of `v` (by JSON path order), or every `{low, high}` object with low < high.
fn collect<'a>(v: &'a mut serde_json::Value, floats: &mut Vec<&'a mut serde_json::Value>) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => floats.push(v),
        serde_json::Value::Object(m) => m.values_mut().for_each(|x| collect(x, floats)),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| collect(x, floats)),
        _ => {}
    }
}

fn intervals<'a>(v: &'a mut serde_json::Value, out: &mut Vec<&'a mut serde_json::Value>) {
    let num = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_f64);
    let proper = matches!((num(v, "low"), num(v, "high")), (Some(l), Some(h)) if l < h);
    if proper {
        out.push(v);
        return;
    }
    match v {
        serde_json::Value::Object(m) => m.values_mut().for_each(|x| intervals(x, out)),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| intervals(x, out)),
        _ => {}
    }
}

fn real_summary_value() -> serde_json::Value {
    static V: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    V.get_or_init(|| serde_json::from_slice(&real_summary()).unwrap())
        .clone()
}

#[test]
fn the_committed_summary_passes_the_checks() {
    let path = Path::new("results/summary.json");
    whichpy_wire::summary::parse_summary(path, &real_summary()).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// Negative, absurd, inverted and repeated values: 0 accepted, and each refusal names the
    /// file and the field.
    #[test]
    fn a_summary_mutated_into_nonsense_is_refused_naming_file_and_field(n in nonsense()) {
        let mut v = real_summary_value();
        match &n {
            Nonsense::Negative(i) => {
                let mut floats = Vec::new();
                collect(&mut v, &mut floats);
                let k = i.index(floats.len());
                let x = floats[k].as_f64().unwrap();
                *floats[k] = serde_json::json!(-x - 1.0);
            }
            Nonsense::Huge(i, x) => {
                let mut floats = Vec::new();
                collect(&mut v, &mut floats);
                let k = i.index(floats.len());
                *floats[k] = serde_json::json!(*x);
            }
            Nonsense::Inverted(i) => {
                let mut all = Vec::new();
                intervals(&mut v, &mut all);
                let k = i.index(all.len());
                let (low, high) = (all[k]["low"].clone(), all[k]["high"].clone());
                all[k]["low"] = high;
                all[k]["high"] = low;
            }
            Nonsense::Repeated(i, times) => {
                let cells = v["cells"].as_array_mut().unwrap();
                let k = i.index(cells.len());
                let cell = cells[k].clone();
                for _ in 0..*times {
                    cells.push(cell.clone());
                }
            }
        }
        let bytes = serde_json::to_vec(&v).unwrap();
        let path = Path::new("results/summary.json");
        match whichpy_wire::summary::parse_summary(path, &bytes) {
            Ok(_) => prop_assert!(false, "{n:?} was accepted"),
            Err(e) => {
                prop_assert_eq!(&e.path, path);
                // A repeated or out-of-range value is named by its field; a value the typed
                // reader already refuses (a negative count) by its line and field.
                prop_assert!(e.field.is_some(), "{}", e);
                prop_assert!(e.to_string().starts_with("results/summary.json"), "{}", e);
            }
        }
    }
}
