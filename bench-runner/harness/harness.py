# whichpy harness: runs one workload inside one interpreter process.
#
# The same file runs unchanged on CPython >= 3.9, PyPy 3 and MicroPython >= 1.22, so it only
# uses what all three have. bench-runner starts it; people rarely need to.
#
#   harness.py WORKLOADS_DIR NAME N ITERATIONS [LOOPS [PILOT_NS]]
#                                                run NAME: setup(N), then ITERATIONS x run();
#                                                each timed iteration calls run() LOOPS times;
#                                                with PILOT_NS, stop once that many ns of
#                                                iterations have run (at least 20 iterations)
#   harness.py --identify                        print what this interpreter is
#   harness.py --describe WORKLOADS_DIR          print the suite (every workload's META) as JSON
#
# Protocol (stdout). Lines that start with "@whichpy " belong to the harness; anything else a
# workload prints is ignored by bench-runner.
#   @whichpy impl {"name": ..., "version": ..., "python": ..., "sys_version": ...}
#   @whichpy clock NAME RESOLUTION_NS
#   @whichpy iter I NANOSECONDS                   one line per in-process iteration, in order
#   @whichpy result CHECKSUM                      str() of run()'s return value; printed again
#                                                 for any iteration whose result differed
#   @whichpy done
import sys
import time

PREFIX = "@whichpy"


def _ver(v):
    return "%d.%d.%d" % (v[0], v[1], v[2])


def _impl():
    impl = sys.implementation
    return {
        "name": impl.name,
        "version": _ver(impl.version),
        "python": _ver(sys.version_info),
        "sys_version": sys.version,
    }


def _clock():
    """The best monotonic clock this interpreter has: (name, resolution_ns, now, diff_ns)."""
    if hasattr(time, "perf_counter_ns"):
        return "perf_counter_ns", 1, time.perf_counter_ns, None
    # MicroPython: microsecond ticks that wrap around; ticks_diff undoes one wrap.
    return "ticks_us", 1000, time.ticks_us, time.ticks_diff


def _json():
    import json

    return json


def identify():
    print(PREFIX, "impl", _json().dumps(_impl()))


def describe(workloads_dir):
    import os

    sys.path.insert(0, workloads_dir)
    names = sorted(f[:-3] for f in os.listdir(workloads_dir) if f.endswith(".py") and not f.startswith("_"))
    suite = []
    for name in names:
        mod = __import__(name)
        meta = getattr(mod, "META", None)
        if meta is None:
            raise SystemExit("%s.py has no META dict" % name)
        entry = {
            "name": name,
            "category": meta["category"],
            "description": meta["description"],
            "kind": meta.get("kind", "iterations"),
            "sizes": {
                "quick": {"n": meta["sizes"]["quick"]["n"], "checksum": str(meta["sizes"]["quick"]["checksum"])},
                "default": {"n": meta["sizes"]["default"]["n"], "checksum": str(meta["sizes"]["default"]["checksum"])},
            },
            "unsupported": dict(sorted(meta.get("unsupported", {}).items())),
        }
        suite.append(entry)
    print(_json().dumps({"schema": 1, "workloads": suite}, indent=2, sort_keys=True))


PILOT_MIN_ITERATIONS = 20


def run(workloads_dir, name, n, iterations, loops=1, pilot_ns=0):
    identify()
    clock_name, resolution, now, ticks_diff = _clock()
    print(PREFIX, "clock", clock_name, resolution)
    sys.path.insert(0, workloads_dir)
    mod = __import__(name)
    state = mod.setup(n)
    work = mod.run
    first = None
    others = []
    spent = 0
    for i in range(iterations):
        t0 = now()
        for _ in range(loops):
            result = work(state)
        t1 = now()
        if ticks_diff is None:
            ns = t1 - t0
        else:
            ns = ticks_diff(t1, t0) * 1000
        print(PREFIX, "iter", i, ns)
        spent += ns
        text = str(result)
        if i == 0:
            first = text
        elif text != first:
            others.append(text)
        if pilot_ns and spent >= pilot_ns and i + 1 >= PILOT_MIN_ITERATIONS:
            break
    print(PREFIX, "result", first)
    for text in others:
        print(PREFIX, "result", text)
    teardown = getattr(mod, "teardown", None)
    if teardown is not None:
        teardown(state)
    print(PREFIX, "done")


def main(argv):
    if len(argv) >= 2 and argv[1] == "--identify":
        identify()
    elif len(argv) == 3 and argv[1] == "--describe":
        describe(argv[2])
    elif 5 <= len(argv) <= 7:
        extra = [int(a) for a in argv[5:]]
        run(argv[1], argv[2], int(argv[3]), int(argv[4]), *extra)
    else:
        print("usage: harness.py WORKLOADS_DIR NAME N ITERATIONS [LOOPS [PILOT_NS]] | --identify | --describe WORKLOADS_DIR")
        sys.exit(2)


# Guarded so that a child process that re-imports the main module (multiprocessing's spawn
# and forkserver start methods) does not run the benchmark again.
if __name__ == "__main__":
    main(sys.argv)
