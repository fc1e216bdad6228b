#!/usr/bin/env bash
# Startup as whichpy measures it against hyperfine, finely interleaved (issue "Trustworthy
# numbers in a fixed time", item 2).
#
#   scripts/startup-vs-hyperfine.sh [ROUNDS] [PER_ROUND]
#
# Each round runs PER_ROUND process executions of `INTERP -c pass` through whichpy's native
# backend (bench-runner, pinned to one core as in every run) and then PER_ROUND runs of
# `hyperfine -N` on the same command line, with the same environment (PYTHONHASHSEED=0,
# PYTHONDONTWRITEBYTECODE=1) and the same core (taskset). It alternates which goes first, for
# CPython and PyPy on the host. It prints each tool's mean and median over all rounds and
# their ratio. Run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
per=${2:-10}
tmp=$(mktemp -d)
cpu=$(( $(nproc) - 1 ))
cargo build -q --release -p bench-runner
runner=target/release/bench-runner
harness=$PWD/bench-runner/harness/harness.py
workloads=$PWD/bench-runner/workloads
startup_meta=$(python3 -c "import json;print(json.dumps([w for w in json.load(open('bench-runner/workloads/suite.json'))['workloads'] if w['name']=='startup'][0]))")
for id_exe_family in "cpython-host /usr/bin/python3 cpython" "pypy-host /usr/bin/pypy3 pypy"; do
    read -r id exe family <<<"$id_exe_family"
    : > "$tmp/$id.whichpy"; : > "$tmp/$id.hyperfine"
    for r in $(seq 1 "$rounds"); do
        spec="{\"interp\":{\"id\":\"$id\",\"family\":\"$family\",\"executable\":\"$exe\",\"flags\":[]},\"workload\":$startup_meta,\"size\":\"default\",\"processes\":$per,\"first_process\":0,\"iterations\":0,\"timeout_s\":60,\"harness\":\"$harness\",\"workloads_dir\":\"$workloads\"}"
        w() { taskset -c "$cpu" "$runner" cell "$spec" > "$tmp/w.jsonl"
              python3 -c "import json;[print(json.loads(l)['wall_ns']/1e6) for l in open('$tmp/w.jsonl') if l.strip()]" >> "$tmp/$id.whichpy"; }
        h() { PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 taskset -c "$cpu" hyperfine -N --style none --runs "$per" --export-json "$tmp/h.json" "$exe -c pass" > /dev/null
              python3 -c "import json;[print(t*1e3) for t in json.load(open('$tmp/h.json'))['results'][0]['times']]" >> "$tmp/$id.hyperfine"; }
        if [ $((r % 2)) -eq 0 ]; then w; h; else h; w; fi
    done
    python3 - "$tmp/$id.whichpy" "$tmp/$id.hyperfine" "$id" <<'PY'
import statistics, sys
w = [float(x) for x in open(sys.argv[1])]
h = [float(x) for x in open(sys.argv[2])]
print(f"{sys.argv[3]}: whichpy mean {statistics.fmean(w):.2f} ms, median {statistics.median(w):.2f} ms (n={len(w)}); "
      f"hyperfine mean {statistics.fmean(h):.2f} ms, median {statistics.median(h):.2f} ms (n={len(h)}); "
      f"ratio of means {statistics.fmean(w)/statistics.fmean(h):.3f}, of medians {statistics.median(w)/statistics.median(h):.3f}")
PY
done
rm -rf "$tmp"
