//! Reading the harness's protocol (documented at the top of `harness.py`).
//!
//! In a measured process execution the protocol arrives on its own pipe (not stdout), each
//! line carrying the execution's nonce: `@whichpy NONCE word args`. `--identify` prints to
//! stdout without a nonce: `@whichpy word args`.

use whichpy_wire::{ClockInfo, ImplInfo};

/// The harness's own prefix.
pub const PREFIX: &str = "@whichpy ";
/// Environment variable through which bench-runner tells the harness `"FD NONCE"`.
pub const PROTOCOL_ENV: &str = "WHICHPY_PROTOCOL";

/// What a harness process said.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Transcript {
    pub implementation: Option<ImplInfo>,
    pub clock: Option<ClockInfo>,
    pub iterations_ns: Vec<u64>,
    /// The first result, then any that differed from it (decoded from their JSON strings).
    pub results: Vec<String>,
    pub done: bool,
    /// Protocol lines read (lines with the prefix and the right nonce).
    pub lines: usize,
    /// The first protocol line that could not be read.
    pub error: Option<String>,
}

/// Parse a transcript. With `nonce`, only lines `@whichpy NONCE ...` count, and a line with
/// the prefix but another nonce is an error (a forgery); without, lines `@whichpy ...`.
/// Lines without the prefix are ignored. Never fails: problems are reported in `error`.
pub fn parse(text: &str, nonce: Option<&str>) -> Transcript {
    let mut t = Transcript::default();
    for (lineno, line) in text.lines().enumerate() {
        let Some(mut rest) = line.strip_prefix(PREFIX) else {
            continue;
        };
        if let Some(n) = nonce {
            let (got, after) = rest.split_once(' ').unwrap_or((rest, ""));
            if got != n {
                t.error.get_or_insert_with(|| {
                    format!(
                        "protocol line {} carries a wrong nonce (not written by the harness): {:?}",
                        lineno + 1,
                        crate::tail(line.as_bytes(), 200)
                    )
                });
                continue;
            }
            rest = after;
        }
        t.lines += 1;
        if let Err(e) = parse_line(&mut t, rest) {
            t.error
                .get_or_insert_with(|| format!("protocol line {}: {e}: {line:?}", lineno + 1));
        }
    }
    t
}

fn parse_line(t: &mut Transcript, rest: &str) -> Result<(), String> {
    let (word, args) = rest.split_once(' ').unwrap_or((rest, ""));
    match word {
        "impl" => {
            let info: ImplInfo =
                serde_json::from_str(args).map_err(|e| format!("bad impl JSON ({e})"))?;
            t.implementation = Some(info);
        }
        "clock" => {
            let (name, res) = args
                .split_once(' ')
                .ok_or("clock needs a name and a resolution")?;
            let resolution_ns = res
                .trim()
                .parse()
                .map_err(|_| "clock resolution is not an integer")?;
            t.clock = Some(ClockInfo {
                name: name.to_owned(),
                resolution_ns,
            });
        }
        "iter" => {
            let (i, ns) = args
                .split_once(' ')
                .ok_or("iter needs an index and nanoseconds")?;
            let i: usize = i.parse().map_err(|_| "iteration index is not an integer")?;
            if i != t.iterations_ns.len() {
                return Err(format!(
                    "iteration {i} out of order (expected {})",
                    t.iterations_ns.len()
                ));
            }
            let ns: i64 = ns
                .trim()
                .parse()
                .map_err(|_| "iteration time is not an integer")?;
            if ns < 0 {
                return Err("negative iteration time (clock went backwards)".into());
            }
            t.iterations_ns.push(ns as u64);
        }
        "result" => {
            let text: String = serde_json::from_str(args)
                .map_err(|e| format!("result is not a JSON string ({e})"))?;
            t.results.push(text);
        }
        "done" => t.done = true,
        other => return Err(format!("unknown harness line `{other}`")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_full_transcript_and_ignores_workload_output() {
        let t = parse(
            concat!(
            "@whichpy impl {\"name\":\"cpython\",\"version\":\"3.11.2\",\"python\":\"3.11.2\",\"sys_version\":\"3.11.2 (main)\"}\n",
            "@whichpy clock perf_counter_ns 1\n",
            "hello from the workload\n",
            "@whichpy iter 0 1500\n",
            "@whichpy iter 1 1200\n",
            "@whichpy result \"42\"\n",
            "@whichpy done\n",
            ),
            None,
        );
        assert_eq!(t.error, None);
        assert_eq!(t.implementation.unwrap().name, "cpython");
        assert_eq!(t.clock.unwrap().resolution_ns, 1);
        assert_eq!(t.iterations_ns, vec![1500, 1200]);
        assert_eq!(t.results, vec!["42".to_owned()]);
        assert!(t.done);
    }

    #[test]
    fn garbage_protocol_lines_are_reported_with_their_line() {
        let t = parse("@whichpy iter 0 fast\n", None);
        assert!(t
            .error
            .unwrap()
            .starts_with("protocol line 1: iteration time is not an integer"));
        let t = parse("x\n@whichpy iter 1 5\n", None);
        assert!(t.error.unwrap().contains("out of order"));
        let t = parse("@whichpy teleport\n", None);
        assert!(t.error.unwrap().contains("unknown harness line"));
    }

    #[test]
    fn empty_result_is_a_result() {
        // A checksum may legitimately be the empty string.
        assert_eq!(
            parse("@whichpy result \"\"\n", None).results,
            vec![String::new()]
        );
    }

    #[test]
    fn the_whole_result_is_kept_newlines_included() {
        let t = parse("@whichpy result \"42\\nand more\"\n", None);
        assert_eq!(t.results, vec!["42\nand more".to_owned()]);
        assert!(parse("@whichpy result 42\n", None)
            .error
            .unwrap()
            .contains("not a JSON string"));
    }

    #[test]
    fn only_lines_with_the_nonce_count_and_a_wrong_nonce_is_an_error() {
        let t = parse(
            "@whichpy n1 iter 0 5\nnot protocol\n@whichpy n1 done\n",
            Some("n1"),
        );
        assert_eq!(
            (t.iterations_ns.clone(), t.done, t.lines),
            (vec![5], true, 2)
        );
        assert_eq!(t.error, None);
        let t = parse("@whichpy n1 iter 0 5\n@whichpy forged done\n", Some("n1"));
        assert!(!t.done);
        assert!(t.error.unwrap().contains("wrong nonce"));
        // A transcript without nonces, under a nonce, is all forgery.
        let t = parse("@whichpy done\n", Some("n1"));
        assert!(!t.done && t.error.is_some());
    }
}
