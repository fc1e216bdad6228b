//! The raw file reader against the faults of issue 16: torn tails, invalid UTF-8, duplicates,
//! implausible records, records the run's metadata does not know, huge series.

use std::path::{Path, PathBuf};

use whichpy_wire::*;

fn meta() -> RunMeta {
    RunMeta {
        schema: SCHEMA,
        run_id: "20261201T074549Z-3f9a1c-native".into(),
        started_at: "2026-12-01T07:45:49Z".into(),
        git_rev: "abc".into(),
        git_dirty: false,
        backend: BackendKind::Native,
        machine: Machine {
            cpu_model: "cpu".into(),
            cores: 2,
            kernel: "6".into(),
            os: "debian".into(),
            memory_kib: 1,
            governor: None,
            fingerprint: "f".into(),
        },
        params: RunParams {
            size: SizeName::Quick,
            processes: 3,
            iterations: 3,
            startup_processes: 1,
            timeout_s: 1.0,
            interps: vec!["cpython-host".into()],
            workloads: vec!["nbody".into()],
            target_ci: None,
            max_processes: None,
            cell_budget_s: None,
            budget_s: None,
            aa_twin: None,
            seed: None,
            pilot_s: None,
        },
        interpreters: vec![],
        cpus: None,
    }
}

fn exec(process: u32) -> ExecRecord {
    ExecRecord {
        schema: SCHEMA,
        interp: "cpython-host".into(),
        workload: "nbody".into(),
        size: SizeName::Quick,
        process,
        outcome: Outcome::Ok,
        iterations_ns: vec![1_000, 2_000, 3_000],
        wall_ns: 50_000_000,
        user_ns: 5,
        sys_ns: 1,
        max_rss_kib: 100,
        checksum: Some("42".into()),
        clock: Some(ClockInfo {
            name: "perf_counter_ns".into(),
            resolution_ns: 1,
        }),
        implementation: None,
        stderr_tail: String::new(),
        loops: 1,
        noise: None,
        load: Vec::new(),
        mcu: None,
        probes_ns: Vec::new(),
    }
}

fn file_of(records: &[ExecRecord]) -> String {
    let mut text = to_jsonl(&RawLine::Run(meta()));
    for r in records {
        text.push_str(&to_jsonl(&RawLine::Exec(r.clone())));
    }
    text
}

const PATH: &str = "results/raw/x.jsonl";

fn load(text: &[u8]) -> RawRead {
    RawRead::parse(Path::new(PATH), text).expect("the metadata is fine")
}

/// Every rejection names the file and a line.
fn assert_named(e: &ParseError, line: usize, field: &str) {
    assert_eq!(e.path, PathBuf::from(PATH), "{e}");
    assert_eq!(e.line, Some(line), "{e}");
    assert_eq!(e.field.as_deref(), Some(field), "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("{PATH}:{line}: field `{field}`")),
        "{e}"
    );
}

#[test]
fn a_torn_last_line_is_dropped_with_a_warning() {
    let mut text = file_of(&[exec(0), exec(1)]);
    let whole = text.len();
    let third = to_jsonl(&RawLine::Exec(exec(2)));
    text.push_str(&third[..251.min(third.len() - 2)]);
    let read = load(text.as_bytes());
    assert_eq!(read.file.records.len(), 2);
    assert!(read.rejected.is_empty(), "{:?}", read.rejected);
    let torn = read.torn_tail.clone().expect("a torn tail");
    assert_eq!((torn.line, torn.offset), (4, whole as u64));
    assert_eq!(read.complete_len, whole as u64);
    let w = read.torn_warning().unwrap().to_string();
    assert!(
        w.starts_with(&format!("{PATH}:4: ")) && w.contains("--resume"),
        "{w}"
    );
    // Strict reading refuses it, naming the line.
    assert_eq!(read.strict().unwrap_err().line, Some(4));
}

#[test]
fn a_complete_last_line_without_newline_is_kept() {
    let text = file_of(&[exec(0), exec(1)]);
    let text = text.trim_end();
    let read = load(text.as_bytes());
    assert_eq!(read.file.records.len(), 2);
    assert!(read.torn_tail.is_none());
    assert!(read.needs_newline);
    assert_eq!(read.complete_len, text.len() as u64);
}

#[test]
fn a_torn_line_that_is_not_last_is_rejected_not_dropped_silently() {
    let mut text = file_of(&[exec(0)]);
    let r1 = to_jsonl(&RawLine::Exec(exec(1)));
    text.push_str(&r1[..r1.len() / 2]);
    text.push('\n');
    text.push_str(&to_jsonl(&RawLine::Exec(exec(2))));
    let read = load(text.as_bytes());
    assert_eq!(read.file.records.len(), 2);
    assert_eq!(read.rejected.len(), 1);
    assert_eq!(read.rejected[0].line, Some(3));
}

#[test]
fn invalid_utf8_gets_a_line_number() {
    let mut bytes = file_of(&[exec(0)]).into_bytes();
    let mut bad = to_jsonl(&RawLine::Exec(exec(1))).into_bytes();
    let at = bad.iter().position(|&b| b == b'4').unwrap(); // inside the checksum string
    bad[at] = 0xff;
    bytes.extend(bad);
    bytes.extend(to_jsonl(&RawLine::Exec(exec(2))).into_bytes());
    let read = load(&bytes);
    assert_eq!(read.file.records.len(), 2);
    assert_eq!(read.rejected[0].line, Some(3), "{}", read.rejected[0]);
    assert!(
        read.rejected[0].message.contains("UTF-8"),
        "{}",
        read.rejected[0]
    );

    // In the metadata line: the file is unreadable, and the error says where.
    let mut bytes = file_of(&[exec(0)]).into_bytes();
    bytes[20] = 0xc3;
    let e = RawRead::parse(Path::new(PATH), &bytes).unwrap_err();
    assert_eq!(e.line, Some(1), "{e}");

    // The summary reader too.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("summary.json");
    std::fs::write(&p, b"{\n  \"schema\": 1,\n  \"x\": \"\xff\"\n}\n").unwrap();
    let e = parse_json_file::<summary::Summary>(&p).unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    assert!(
        e.message.contains("UTF-8") && e.message.contains("column 9"),
        "{e}"
    );
}

#[test]
fn a_duplicate_record_is_rejected_at_its_line() {
    let text = file_of(&[exec(0), exec(1), exec(1)]);
    let read = load(text.as_bytes());
    assert_eq!(read.file.records.len(), 2);
    assert_eq!(read.lines, vec![2, 3]);
    let e = &read.rejected[0];
    assert_named(e, 4, "process");
    assert!(
        e.message.contains("duplicate") && e.message.contains("line 3"),
        "{e}"
    );
}

#[test]
fn a_process_index_near_u32_max_is_rejected() {
    let text = file_of(&[exec(0), exec(u32::MAX)]);
    let read = load(text.as_bytes());
    assert_eq!(read.file.records.len(), 1);
    assert_named(&read.rejected[0], 3, "process");
}

#[test]
fn records_the_metadata_does_not_know_are_rejected() {
    let mut a = exec(1);
    a.interp = "cpython-9".into();
    let mut b = exec(2);
    b.workload = "fake".into();
    let mut c = exec(3);
    c.size = SizeName::Default;
    let read = load(file_of(&[exec(0), a, b, c]).as_bytes());
    assert_eq!(read.file.records.len(), 1);
    assert_named(&read.rejected[0], 3, "interp");
    assert_named(&read.rejected[1], 4, "workload");
    assert_named(&read.rejected[2], 5, "size");
    assert!(read.rejected[0].message.contains("cpython-9"));
}

#[test]
fn implausible_times_are_rejected() {
    let mut huge = exec(1);
    huge.iterations_ns[1] = 18_000_000_000_000_000_000; // 1.8e19 ns: 570 years
    huge.wall_ns = u64::MAX / 2;
    let mut zeros = exec(2);
    zeros.iterations_ns = vec![0, 0, 0];
    let mut zero_fine_clock = exec(3);
    zero_fine_clock.iterations_ns = vec![500, 0, 500];
    let mut longer_than_wall = exec(4);
    longer_than_wall.iterations_ns = vec![30_000_000, 30_000_000];
    let mut zero_wall = exec(5);
    zero_wall.wall_ns = 0;
    zero_wall.iterations_ns = vec![];
    let read = load(
        file_of(&[
            exec(0),
            huge,
            zeros,
            zero_fine_clock,
            longer_than_wall,
            zero_wall,
        ])
        .as_bytes(),
    );
    assert_eq!(read.file.records.len(), 1, "{:?}", read.rejected);
    let fields: Vec<_> = read
        .rejected
        .iter()
        .map(|e| (e.line.unwrap(), e.field.clone().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![
            (3, "wall_ns".to_owned()),
            (4, "iterations_ns".to_owned()),
            (5, "iterations_ns[1]".to_owned()),
            (6, "iterations_ns".to_owned()),
            (7, "wall_ns".to_owned()),
        ]
    );
    // The huge iteration alone, with a wall time that is not absurd by itself.
    let mut huge = exec(1);
    huge.iterations_ns[1] = 18_000_000_000_000_000_000;
    let read = load(file_of(&[huge]).as_bytes());
    assert_named(&read.rejected[0], 2, "iterations_ns[1]");
}

#[test]
fn a_zero_iteration_is_fine_on_a_coarse_clock_and_failures_keep_their_times() {
    let mut coarse = exec(0);
    coarse.clock = Some(ClockInfo {
        name: "ticks_us".into(),
        resolution_ns: 1_000,
    });
    coarse.iterations_ns = vec![1_000, 0, 1_000];
    let mut crashed = exec(1);
    crashed.outcome = Outcome::Crashed {
        exit_code: Some(1),
        signal: None,
    };
    crashed.iterations_ns = vec![0];
    let read = load(file_of(&[coarse, crashed]).as_bytes());
    assert!(read.rejected.is_empty(), "{:?}", read.rejected);
    assert_eq!(read.file.records.len(), 2);
}

#[test]
fn two_million_iterations_are_read() {
    let mut big = exec(0);
    big.iterations_ns = vec![1_000; 2_000_000];
    big.wall_ns = 3_000_000_000;
    let read = load(file_of(&[big]).as_bytes());
    assert!(read.rejected.is_empty(), "{:?}", read.rejected);
    assert_eq!(read.file.records[0].iterations_ns.len(), 2_000_000);
}

#[test]
fn the_committed_raw_files_read_strictly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results/raw");
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "jsonl") {
            let f = RawFile::read(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(!f.records.is_empty());
        }
    }
}

#[test]
fn names_in_the_metadata_are_checked() {
    let mut m = meta();
    m.params.workloads = vec!["[click me](javascript:alert(3))".into()];
    let text = to_jsonl(&RawLine::Run(m));
    let e = RawRead::parse(Path::new(PATH), text.as_bytes()).unwrap_err();
    assert_named(&e, 1, "params.workloads[0]");
    let mut m = meta();
    m.run_id = "../../etc/x".into();
    let e = RawRead::parse(Path::new(PATH), to_jsonl(&RawLine::Run(m)).as_bytes()).unwrap_err();
    assert_named(&e, 1, "run_id");
}

fn real_suite() -> Suite {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench-runner/workloads/suite.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn an_ok_record_that_timed_nothing_is_rejected() {
    // Issue 29: `analyse` kept an `ok` record with `iterations_ns: [1, 2]`.
    let mut tiny = exec(1);
    tiny.iterations_ns = vec![1, 2];
    // Iterations each plausible, but 400 ns of a 5 s process: not what was timed.
    let mut negligible = exec(2);
    negligible.iterations_ns = vec![200, 200];
    negligible.wall_ns = 5_000_000_000;
    // The same shapes on a failed record keep their times (they are not used as samples).
    let mut crashed = exec(3);
    crashed.iterations_ns = vec![1, 2];
    crashed.outcome = Outcome::Crashed {
        exit_code: Some(1),
        signal: None,
    };
    let read = load(file_of(&[exec(0), tiny, negligible, crashed]).as_bytes());
    assert_eq!(read.file.records.len(), 2, "{:?}", read.rejected);
    assert_named(&read.rejected[0], 3, "iterations_ns[0]");
    assert!(read.rejected[0].message.contains("an iteration of 1 ns"));
    assert_named(&read.rejected[1], 4, "iterations_ns");
    assert!(read.rejected[1].message.contains("less than a millionth"));
}

#[test]
fn an_ok_record_whose_checksum_is_not_the_suites_is_rejected() {
    // Issue 29: `analyse` accepted an `ok` record whose checksum contradicts the suite.
    let suite = real_suite();
    let want = suite.get("nbody").unwrap().sizes.quick.checksum.clone();
    let mut good = exec(0);
    good.checksum = Some(want.clone());
    let mut forged = exec(1);
    forged.checksum = Some(format!("{want}0"));
    let mut none = exec(2);
    none.checksum = None;
    // A failed record's checksum is what it printed: not checked.
    let mut wrong = exec(3);
    wrong.checksum = Some("x".into());
    wrong.outcome = Outcome::WrongChecksum {
        expected: want.clone(),
        got: "x".into(),
    };
    let mut read = load(file_of(&[good, forged, none, wrong]).as_bytes());
    assert!(read.rejected.is_empty(), "{:?}", read.rejected);
    read.check_suite(&suite);
    assert_eq!(read.file.records.len(), 2);
    assert_eq!(read.lines, vec![2, 5]);
    assert_named(&read.rejected[0], 3, "checksum");
    assert!(read.rejected[0]
        .message
        .contains("bench-runner would have recorded"));
    assert_named(&read.rejected[1], 4, "checksum");
}

#[test]
fn the_committed_raw_files_agree_with_the_suite() {
    let suite = real_suite();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results");
    for dir in ["raw", "mcu"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "jsonl") {
                let mut read = RawRead::load(&p).unwrap();
                read.check_suite(&suite);
                assert!(
                    read.rejected.is_empty(),
                    "{}: {:?}",
                    p.display(),
                    read.rejected
                );
            }
        }
    }
}
