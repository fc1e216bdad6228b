# whichpy profile driver: runs one workload's `run` under a profiler, for `cargo xtask profile`.
#
# It lives beside harness.py so that it is in every image (/opt/whichpy/profile_driver.py).
# It runs on CPython and PyPy; MicroPython has neither sys.settrace nor sys._getframe, so it
# cannot be profiled this way (xtask says so before starting a container).
#
#   profile_driver.py MODE WORKLOADS_DIR NAME N SECONDS [TOP [RATE_HZ]]
#     setup(N), then call run(state) until SECONDS of wall time have passed (at least once).
#     MODE  cprofile  under cProfile; prints pstats' table, sorted by cumulative time, TOP rows
#           sample    a timer sampler: SIGPROF every 1/RATE_HZ s of CPU time, the interrupted
#                     frame's stack is walked (true frames, also on PyPy, whose JIT rebuilds
#                     them on demand); prints collapsed stacks, root first
#           plain     no profiler (the target of an outside sampler such as py-spy)
#
# Output, on stdout, between marker lines that xtask parses (NONCE: the environment's
# WHICHPY_PROFILE_NONCE, fresh per profile, removed from the environment before the workload
# is imported, so a line the workload prints does not carry it):
#   @profile NONCE begin cprofile|stacks
#   ... pstats text, or collapsed stacks "frame;frame;frame COUNT" ...
#   @profile NONCE end
#   @profile NONCE calls CALLS SECONDS
# A frame is written "function (file)", as `py-spy record -f raw --nolineno` writes it.
import os
import sys
import time

MARK = "@profile"


def _load(workloads_dir, name, n):
    sys.path.insert(0, workloads_dir)
    mod = __import__(name)
    return mod, mod.setup(n)


def _loop(mod, state, seconds):
    work = mod.run
    calls = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        work(state)
        calls += 1
        if time.perf_counter() >= deadline:
            break
    return calls, time.perf_counter() - t0


def _frame_name(code):
    return "%s (%s)" % (code.co_name, code.co_filename)


def _sample(mod, state, seconds, rate_hz, mark):
    import signal

    counts = {}

    def on_tick(signum, frame):
        names = []
        while frame is not None:
            names.append(_frame_name(frame.f_code))
            frame = frame.f_back
        names.reverse()
        key = ";".join(names)
        counts[key] = counts.get(key, 0) + 1

    signal.signal(signal.SIGPROF, on_tick)
    interval = 1.0 / rate_hz
    signal.setitimer(signal.ITIMER_PROF, interval, interval)
    try:
        calls, spent = _loop(mod, state, seconds)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_DFL)
    print(mark, "begin", "stacks")
    for key in sorted(counts):
        print(key, counts[key])
    print(mark, "end")
    return calls, spent


def _cprofile(mod, state, seconds, top, mark):
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    calls, spent = _loop(mod, state, seconds)
    prof.disable()
    print(mark, "begin", "cprofile")
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    print(mark, "end")
    return calls, spent


USAGE = "usage: profile_driver.py cprofile|sample|plain WORKLOADS_DIR NAME N SECONDS [TOP [RATE_HZ]]"


def main(argv):
    if len(argv) not in (6, 7, 8) or argv[1] not in ("cprofile", "sample", "plain"):
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    mode, workloads_dir, name = argv[1], argv[2], argv[3]
    n, seconds = int(argv[4]), float(argv[5])
    top = int(argv[6]) if len(argv) >= 7 else 25
    rate_hz = float(argv[7]) if len(argv) >= 8 else 200.0
    nonce = os.environ.pop("WHICHPY_PROFILE_NONCE", "")
    if not nonce:
        print("profile_driver.py: WHICHPY_PROFILE_NONCE is not set (cargo xtask profile sets it)",
              file=sys.stderr)
        sys.exit(2)
    mark = MARK + " " + nonce
    del nonce
    mod, state = _load(workloads_dir, name, n)
    if mode == "cprofile":
        calls, spent = _cprofile(mod, state, seconds, top, mark)
    elif mode == "sample":
        calls, spent = _sample(mod, state, seconds, rate_hz, mark)
    else:
        calls, spent = _loop(mod, state, seconds)
    teardown = getattr(mod, "teardown", None)
    if teardown is not None:
        teardown(state)
    print(mark, "calls", calls, "%.6f" % spent)
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv)
