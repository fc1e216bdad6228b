#!/usr/bin/env python3
"""Compare pyperf's figures (from scripts/pyperf-nbody.sh) with whichpy's on the same cells.

    python3 scripts/pyperf-compare.py PYPERF_DIR [SUMMARY] [RAW_DIR]

For each interpreter: pyperf's mean, its 95% half-width over process means (Student t, each
pyperf worker process being one sample, as whichpy counts them), the machine seconds the
pyperf run took, and the same for whichpy's cell (machine seconds = the cell's process wall
times in the raw files). Then pyperf's PyPy/CPython ratio and whichpy's interval of it.
Half-width per machine-second is given as hw * sqrt(seconds): the precision a second buys,
comparable between runs of different lengths (lower is better).
"""
import glob, json, math, os, statistics, sys

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021,
        60: 2.000, 120: 1.980}


def t975(df):
    keys = sorted(T975)
    for k in keys:
        if df <= k:
            return T975[k]
    return 1.96


def pyperf_cell(path):
    d = json.load(open(path))
    runs = [r for b in d["benchmarks"] for r in b["runs"] if r.get("values")]
    means = [statistics.fmean(r["values"]) for r in runs]
    m = statistics.fmean(means)
    hw = t975(len(means) - 1) * statistics.stdev(means) / math.sqrt(len(means)) / m
    return m, hw, len(means), len(runs[0]["values"])


def main():
    pdir = sys.argv[1]
    summary = json.load(open(sys.argv[2] if len(sys.argv) > 2 else "results/summary.json"))
    raw_dir = sys.argv[3] if len(sys.argv) > 3 else "results/raw"
    workload = "nbody"
    walls = {}
    for f in glob.glob(os.path.join(raw_dir, "*.jsonl")):
        for line in open(f):
            r = json.loads(line)
            if r.get("type") == "exec" and r["workload"] == workload:
                walls[r["interp"]] = walls.get(r["interp"], 0) + r["wall_ns"] / 1e9
    cells = {c["key"]["interp"]: c for c in summary["cells"] if c["key"]["workload"] == workload}
    print("| | pyperf mean | pyperf ±95% | pyperf s | pyperf hw·√s | whichpy mean | whichpy ±95% | whichpy s | whichpy hw·√s |")
    print("|---|---|---|---|---|---|---|---|---|")
    means = {}
    for interp in ["cpython-3.13", "pypy-7.3"]:
        m, hw, procs, vals = pyperf_cell(os.path.join(pdir, interp + ".json"))
        secs = float(open(os.path.join(pdir, interp + ".seconds")).read())
        means[interp] = m
        c = cells.get(interp)
        if c is None:
            continue
        wm = c["warm_ns"]["mean"] / 1e9
        whw = c.get("rel_half_width") or float("nan")
        ws = walls.get(interp, float("nan"))
        print(f"| {interp} | {m*1e3:.3f} ms ({procs} processes × {vals} values) | ±{hw*100:.2f}% | {secs:.1f} "
              f"| {hw*math.sqrt(secs)*100:.2f} | {wm*1e3:.3f} ms ({c['processes_ok']} processes) | ±{whw*100:.2f}% "
              f"| {ws:.1f} | {whw*math.sqrt(ws)*100:.2f} |")
    ratio = means["pypy-7.3"] / means["cpython-3.13"]
    comp = [c for c in summary["comparisons"] if c["workload"] == workload and c["interp"] == "pypy-7.3" and c["metric"] == "warm"]
    if comp:
        c = comp[0]
        inside = c["ci"]["low"] <= ratio <= c["ci"]["high"]
        print(f"\npyperf PyPy/CPython = {ratio:.4f} ({1/ratio:.2f}x faster); whichpy {c['ratio']:.4f} "
              f"[{c['ci']['low']:.4f}, {c['ci']['high']:.4f}]: pyperf's ratio is {'inside' if inside else 'OUTSIDE'} whichpy's interval")


main()
