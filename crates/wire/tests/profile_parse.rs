//! The parsers of the profile tools' output, on real output captured from `cargo xtask profile`
//! (`--raw-out`) in the images: CPython 3.13 (cProfile + py-spy 0.4.3) and PyPy 7.3.19
//! (cProfile + the driver's timer sampler), nbody at the quick size.

use whichpy_wire::profile::{
    parse_collapsed, parse_pstats, DriverOutput, Profile, NO_PYTHON_FRAME, PROFILE_SCHEMA,
};

const CPYTHON: &str = include_str!("fixtures/profile/cpython-nbody.txt");
const PYPY: &str = include_str!("fixtures/profile/pypy-nbody.txt");

#[test]
fn cprofile_tables_of_both_interpreters_parse_row_by_row() {
    for (name, text, calls) in [("cpython", CPYTHON, 441_764), ("pypy", PYPY, 3_634_484)] {
        let out = DriverOutput::parse(text).unwrap();
        let table = parse_pstats(out.section("cprofile").unwrap()).unwrap();
        assert_eq!(table.function_calls, calls, "{name}");
        assert_eq!(table.primitive_calls, calls, "{name}");
        assert!(
            table.total_s > 0.9 && table.total_s < 1.2,
            "{name}: {}",
            table.total_s
        );
        assert!(table.rows.len() >= 10, "{name}");
        // Sorted by cumulative time: the driver's loop, then the workload's run.
        assert!(
            table.rows[0]
                .function
                .ends_with("profile_driver.py:33(_loop)"),
            "{name}"
        );
        assert!(
            table.rows[1].function.ends_with("nbody.py:145(run)"),
            "{name}"
        );
        let advance = table
            .rows
            .iter()
            .find(|r| r.function.ends_with("(_advance)"))
            .unwrap();
        assert!(
            advance.tottime_s > 0.5,
            "{name}: most of the time is in _advance"
        );
        assert!(table
            .rows
            .windows(2)
            .all(|w| w[0].cumtime_s >= w[1].cumtime_s));
        let sqrt = table
            .rows
            .iter()
            .find(|r| r.function.contains("math.sqrt"))
            .unwrap();
        assert!(
            sqrt.function.starts_with('{'),
            "built-ins keep their braces"
        );
    }
}

#[test]
fn recursive_calls_and_the_primitive_count_are_read() {
    let text = "         85 function calls (70 primitive calls) in 0.002 seconds\n\n   Ordered by: cumulative time\n\n   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n     16/1    0.001    0.000    0.002    0.002 fib.py:1(fib)\n";
    let t = parse_pstats(text).unwrap();
    assert_eq!((t.function_calls, t.primitive_calls), (85, 70));
    assert_eq!((t.rows[0].ncalls, t.rows[0].primitive_calls), (16, 1));
    assert_eq!(t.rows[0].function, "fib.py:1(fib)");
}

#[test]
fn a_damaged_table_names_its_line() {
    let text = "   10 function calls in 0.1 seconds\n\n   ncalls  tottime  percall  cumtime  percall filename:lineno(function)\n   ten    0.1  0.1  0.1  0.1 f.py:1(f)\n";
    let e = parse_pstats(text).unwrap_err();
    assert_eq!(e.line, 4);
    assert!(e.to_string().contains("line 4"), "{e}");
    assert!(parse_pstats("nothing here\n").is_err());
}

#[test]
fn py_spy_raw_stacks_parse_with_samples_outside_python_named() {
    let out = DriverOutput::parse(CPYTHON).unwrap();
    let stacks = parse_collapsed(out.section("stacks").unwrap()).unwrap();
    let total: u64 = stacks.iter().map(|s| s.count).sum();
    assert!(total > 150, "py-spy took {total} samples");
    assert!(
        stacks.windows(2).all(|w| w[0].frames < w[1].frames),
        "sorted, merged"
    );
    // Frames are "function (file)", root first (py-spy shortens the file names).
    assert!(stacks.iter().any(|s| s.frames
        == "<module> (profile_driver.py);main (profile_driver.py);_loop (profile_driver.py);run (nbody.py);_advance (nbody.py)"));
    let hot: u64 = stacks
        .iter()
        .filter(|s| s.frames.ends_with(";_advance (nbody.py)"))
        .map(|s| s.count)
        .sum();
    assert!(
        hot * 2 > total,
        "most samples are in _advance: {hot} of {total}"
    );
    // py-spy writes a sample with no Python frame as a bare count.
    assert!(stacks.iter().any(|s| s.frames == NO_PYTHON_FRAME));
}

#[test]
fn the_pypy_timer_sampler_sees_the_same_true_stack() {
    let out = DriverOutput::parse(PYPY).unwrap();
    let stacks = parse_collapsed(out.section("stacks").unwrap()).unwrap();
    assert!(!stacks.is_empty());
    assert!(stacks.iter().any(|s| s
        .frames
        .ends_with(";_loop (/opt/whichpy/profile_driver.py);run (/opt/whichpy/workloads/nbody.py);_advance (/opt/whichpy/workloads/nbody.py)")));
    // The last `calls` line is the sampled run's (the first was cProfile's: 181 calls).
    assert!(out.calls.is_some_and(|(n, s)| n > 0 && s > 0.9));
}

#[test]
fn collapsed_lines_sum_and_bad_counts_are_refused() {
    let s = parse_collapsed("a;b 2\na;b 3\na 1\n\n").unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].frames.as_str(), s[0].count), ("a", 1));
    assert_eq!((s[1].frames.as_str(), s[1].count), ("a;b", 5));
    let e = parse_collapsed("a;b 2\na;b x\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(parse_collapsed("nospace\n").is_err());
}

#[test]
fn driver_output_without_its_end_marker_is_an_error() {
    let e = DriverOutput::parse("@profile begin stacks\na 1\n").unwrap_err();
    assert!(e.message.contains("no `@profile end`"), "{e}");
    assert!(DriverOutput::parse("@profile bogus\n").is_err());
    // A workload's own prints outside the sections are ignored.
    let ok = DriverOutput::parse("hello\n@profile begin stacks\na 1\n@profile end\n").unwrap();
    assert_eq!(ok.section("stacks"), Some("a 1\n"));
}

#[test]
fn profile_files_are_checked_for_their_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.json");
    let body = |schema: u32| {
        format!(
            r#"{{"schema":{schema},"interpreter":"cpython-3.13","label":"CPython","workload":"nbody","size":"quick","n":2000,"command":"cargo xtask profile --interp cpython-3.13 --workload nbody --size quick","created":"2026-12-01T15:00:00Z","image":"i","seconds":1.0,"wall_s":2.0,"cprofile":null,"sampled":null}}"#
        )
    };
    std::fs::write(&path, body(PROFILE_SCHEMA)).unwrap();
    assert_eq!(Profile::read(&path).unwrap().n, 2000);
    std::fs::write(&path, body(99)).unwrap();
    let e = Profile::read(&path).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("schema"));
}
