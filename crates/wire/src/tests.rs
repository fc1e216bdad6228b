use super::*;

fn meta() -> RunMeta {
    RunMeta {
        schema: SCHEMA,
        run_id: "r1".into(),
        started_at: "2026-11-23T00:00:00Z".into(),
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
            processes: 1,
            iterations: 1,
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

fn exec(status: Outcome) -> ExecRecord {
    ExecRecord {
        schema: SCHEMA,
        interp: "cpython-host".into(),
        workload: "nbody".into(),
        size: SizeName::Quick,
        process: 0,
        outcome: status,
        iterations_ns: vec![1_000, 2_000, 3_000],
        wall_ns: 10_000,
        user_ns: 5,
        sys_ns: 1,
        max_rss_kib: 100,
        checksum: Some("42".into()),
        clock: None,
        implementation: None,
        stderr_tail: String::new(),
        loops: 1,
        noise: None,
        load: Vec::new(),
        mcu: None,
        probes_ns: Vec::new(),
    }
}

#[test]
fn raw_file_round_trips() {
    let mut text = to_jsonl(&RawLine::Run(meta()));
    for (i, o) in [
        Outcome::Ok,
        Outcome::OutOfMemory,
        Outcome::TimedOut { after_s: 2.0 },
    ]
    .into_iter()
    .enumerate()
    {
        let mut r = exec(o);
        r.process = i as u32;
        text.push_str(&to_jsonl(&RawLine::Exec(r)));
    }
    let f = RawFile::parse(Path::new("r.jsonl"), &text).unwrap();
    assert_eq!(f.meta, meta());
    assert_eq!(f.records.len(), 3);
    assert_eq!(f.records[2].outcome, Outcome::TimedOut { after_s: 2.0 });
}

#[test]
fn malformed_line_names_file_line_and_field() {
    let mut text = to_jsonl(&RawLine::Run(meta()));
    text.push_str(&to_jsonl(&RawLine::Exec(exec(Outcome::Ok))));
    let bad = to_jsonl(&RawLine::Exec(exec(Outcome::Ok)))
        .replace("\"process\":0", "\"process\":1")
        .replace("\"wall_ns\":10000", "\"wall_ns\":\"ten\"");
    text.push_str(&bad);
    let err = RawFile::parse(Path::new("results/raw/x.jsonl"), &text).unwrap_err();
    assert_eq!(err.line, Some(3));
    assert_eq!(err.field.as_deref(), Some("wall_ns"));
    let shown = err.to_string();
    assert!(
        shown.starts_with("results/raw/x.jsonl:3: field `wall_ns`: "),
        "{shown}"
    );
}

#[test]
fn nested_field_and_unknown_status_are_named() {
    let mut text = to_jsonl(&RawLine::Run(meta()));
    text.push_str(
        &to_jsonl(&RawLine::Exec(exec(Outcome::Ok)))
            .replace("\"status\":\"ok\"", "\"status\":\"exploded\""),
    );
    let err = RawFile::parse(Path::new("x.jsonl"), &text).unwrap_err();
    assert_eq!(err.line, Some(2));
    assert_eq!(err.field.as_deref(), Some("outcome.status"), "{err}");
    assert!(err.message.contains("exploded"), "{err}");
}

#[test]
fn first_line_must_be_run_meta() {
    let text = to_jsonl(&RawLine::Exec(exec(Outcome::Ok)));
    let err = RawFile::parse(Path::new("x.jsonl"), &text).unwrap_err();
    assert_eq!((err.line, err.field.as_deref()), (Some(1), Some("type")));
}

#[test]
fn truncated_last_line_is_an_error_with_its_line() {
    let mut text = to_jsonl(&RawLine::Run(meta()));
    let rec = to_jsonl(&RawLine::Exec(exec(Outcome::Ok)));
    text.push_str(&rec[..rec.len() / 2]);
    let err = RawFile::parse(Path::new("x.jsonl"), &text).unwrap_err();
    assert_eq!(err.line, Some(2));
}

#[test]
fn unknown_schema_is_rejected() {
    let mut m = meta();
    m.schema = 99;
    let err = RawFile::parse(Path::new("x.jsonl"), &to_jsonl(&RawLine::Run(m))).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("schema"));
}

#[test]
fn files_written_before_loops_noise_and_cpus_still_parse() {
    let strip = |line: String, keys: &[&str]| {
        let mut v: serde_json::Value = serde_json::from_str(&line).unwrap();
        for k in keys {
            assert!(v.as_object_mut().unwrap().remove(*k).is_some(), "{k}");
        }
        let mut s = v.to_string();
        s.push('\n');
        s
    };
    let mut text = strip(to_jsonl(&RawLine::Run(meta())), &["cpus"]);
    text.push_str(&strip(
        to_jsonl(&RawLine::Exec(exec(Outcome::Ok))),
        &["loops", "noise"],
    ));
    let f = RawFile::parse(Path::new("old.jsonl"), &text).unwrap();
    assert_eq!(f.meta.cpus, None);
    assert_eq!((f.records[0].loops, f.records[0].noise), (1, None));
}

#[test]
fn a_cell_spec_without_loops_means_one_call_per_iteration() {
    let json = serde_json::json!({
        "interp": {"id": "cpython-host", "family": "cpython", "executable": "python3"},
        "workload": {
            "name": "nbody", "category": "float", "description": "d", "kind": "iterations",
            "sizes": {"quick": {"n": 1, "checksum": "1"}, "default": {"n": 2, "checksum": "2"}}
        },
        "size": "quick", "processes": 1, "iterations": 1, "timeout_s": 1.0,
        "harness": "h.py", "workloads_dir": "w"
    });
    let spec: CellSpec = serde_json::from_value(json).unwrap();
    assert_eq!(spec.loops, 1);
}
