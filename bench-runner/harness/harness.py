# whichpy harness: runs one workload inside one interpreter process.
#
# The same file runs unchanged on CPython >= 3.9, PyPy 3 and MicroPython >= 1.22, so it only
# uses what all three have. bench-runner starts it; people rarely need to.
#
#   harness.py WORKLOADS_DIR NAME N ITERATIONS [LOOPS [PILOT_NS]]
#                                run NAME: setup(N), then ITERATIONS timed iterations, each of
#                                which calls run(state) LOOPS times (default 1); with PILOT_NS
#                                (a planner's pilot), stop once that many ns of iterations have
#                                run, after at least PILOT_MIN_ITERATIONS
#   harness.py --serve WORKLOADS_DIR NAME PORT
#                                a service workload: serve(PORT) on 127.0.0.1 until a client
#                                asks it to stop, then report what it returned as the result
#                                (no iter lines: bench-runner measures the requests)
#   harness.py --identify        print what this interpreter is
#   harness.py --describe WORKLOADS_DIR   print the suite (every workload's META) as JSON
#
# Protocol. bench-runner sets WHICHPY_PROTOCOL="FD NONCE" in the environment: the harness
# writes its lines to file descriptor FD (a pipe only bench-runner reads, fd 3), each one
# carrying NONCE, a random token bench-runner draws for each process execution. The harness
# reads the variable before it imports the workload and deletes it from the environment (so
# neither the workload's os.environ nor its child processes see it), and marks FD not
# inheritable where the interpreter can. A workload's stdout is not the protocol: what it
# prints there is not parsed at all (bench-runner keeps only its last bytes), so a fake
# transcript on fd 1 followed by os._exit(0) records "bad_output" (no protocol), never "ok".
# On FD, a line that starts with "@whichpy " but carries another nonce is a forgery: the
# record is "bad_output" (decided so: a workload that writes to our fd is never measured).
# Without WHICHPY_PROTOCOL (someone running the harness by hand, or --identify) the lines go
# to stdout without a nonce.
#   @whichpy NONCE impl {"name": ..., "version": ..., "python": ..., "sys_version": ...}
#   @whichpy NONCE clock NAME RESOLUTION_NS
#   @whichpy NONCE iter I NANOSECONDS     one line per timed iteration, in order; the time
#                                         of the whole block of LOOPS calls (bench-runner
#                                         divides by LOOPS)
#   @whichpy NONCE result JSON_STRING     str() of the last call's return value, as a JSON
#                                         string (so newlines are kept and compared);
#                                         printed again for any iteration whose result
#                                         differed from the first
#   @whichpy NONCE done
#
# Machine-state probe. With WHICHPY_PROBE="REQ REP" in the environment (read and deleted like
# WHICHPY_PROTOCOL), the harness writes one byte to fd REQ before each timed iteration and once
# after the last, and waits for one byte back on fd REP: meanwhile bench-runner runs its fixed
# native probe loop on the same core and records how long it took, which tells the machine's
# fast state from its slow one (bench-runner/src/probe.rs). The wait is outside the timed
# iteration. Without the variable there is no probe.
import sys
import time

PREFIX = "@whichpy"
PROTOCOL_ENV = "WHICHPY_PROTOCOL"
PROBE_ENV = "WHICHPY_PROBE"

# Where protocol lines go and the nonce they carry; set by _open_protocol().
_emit = None


def _take_env(name):
    """Read an environment variable and delete it from the environment, or None."""
    import os

    environ = getattr(os, "environ", None)
    if environ is not None:  # CPython, PyPy: pop() also unsets it in the C environment
        return environ.pop(name, None)
    value = os.getenv(name)  # MicroPython: no os.environ
    if value is not None and hasattr(os, "unsetenv"):
        os.unsetenv(name)
    return value


def _take_protocol_env():
    """Read WHICHPY_PROTOCOL and delete it from the environment: ("FD NONCE") or None."""
    return _take_env(PROTOCOL_ENV)


def _open_probe():
    """A function that runs bench-runner's machine-state probe and waits for it, or None."""
    spec = _take_env(PROBE_ENV)
    if not spec:
        return None
    req_text, rep_text = spec.split(" ", 1)
    import os

    req_fd = int(req_text)
    rep_fd = int(rep_text)
    if hasattr(os, "write") and hasattr(os, "read"):
        if hasattr(os, "set_inheritable"):
            os.set_inheritable(req_fd, False)
            os.set_inheritable(rep_fd, False)
        write = os.write
        read = os.read

        def probe():
            write(req_fd, b"p")
            read(rep_fd, 1)

        return probe
    # MicroPython: no os.read/os.write; /dev/fd reopens the pipes (unbuffered files).
    req = open("/dev/fd/%d" % req_fd, "wb")
    rep = open("/dev/fd/%d" % rep_fd, "rb")

    def probe():
        req.write(b"p")
        rep.read(1)

    return probe


def _open_protocol():
    """Set _emit: write one protocol line to the protocol fd (or stdout by hand)."""
    global _emit
    spec = _take_protocol_env()
    if not spec:
        def emit(*words):
            print(PREFIX, *words)

        _emit = emit
        return
    fd_text, nonce = spec.split(" ", 1)
    fd = int(fd_text)
    import os

    if hasattr(os, "fdopen"):
        out = os.fdopen(fd, "w")
        flush = out.flush
        if hasattr(os, "set_inheritable"):
            os.set_inheritable(fd, False)  # a workload's subprocesses do not get it
    else:
        # MicroPython: no fdopen, but /dev/fd reopens the pipe. Its files are unbuffered, and
        # its flush() is fsync(), which a pipe refuses (EINVAL): never call it.
        out = open("/dev/fd/%d" % fd, "w")
        flush = None

    def emit(*words):
        out.write(" ".join([PREFIX, nonce] + [str(w) for w in words]) + "\n")
        if flush is not None:
            flush()

    _emit = emit


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
    if _emit is None:
        _open_protocol()
    _emit("impl", _json().dumps(_impl()))


def _field(name, value, *path):
    """value[path[0]][path[1]]..., or an error naming the workload and the missing field."""
    where = "META"
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise SystemExit(
                "workload %s (%s.py): %s has no %r; every workload's META needs "
                "category, description and sizes.quick/default with n and checksum"
                % (name, name, where, key)
            )
        value = value[key]
        where = "%s[%r]" % (where, key)
    return value


def _size(name, meta, size):
    out = {
        "n": _field(name, meta, "sizes", size, "n"),
        "checksum": str(_field(name, meta, "sizes", size, "checksum")),
    }
    load = _field(name, meta, "sizes", size).get("load")
    if load is not None:
        out["load"] = load
    # Optional: the input one call of run() processes, for throughput figures.
    for key in ("bytes", "records"):
        if key in meta["sizes"][size]:
            out[key] = _field(name, meta, "sizes", size, key)
    return out


def describe(workloads_dir):
    import os

    sys.path.insert(0, workloads_dir)
    names = sorted(f[:-3] for f in os.listdir(workloads_dir) if f.endswith(".py") and not f.startswith("_"))
    suite = []
    for name in names:
        mod = __import__(name)
        meta = getattr(mod, "META", None)
        if meta is None:
            raise SystemExit("workload %s (%s.py) has no META dict" % (name, name))
        entry = {
            "name": name,
            "category": _field(name, meta, "category"),
            "description": _field(name, meta, "description"),
            "kind": meta.get("kind", "iterations"),
            "sizes": {
                "quick": _size(name, meta, "quick"),
                "default": _size(name, meta, "default"),
            },
            "unsupported": dict(sorted(meta.get("unsupported", {}).items())),
        }
        if "tiny" in meta["sizes"]:
            # A size for a 16 KB microcontroller (the mcu backend's), where the algorithm
            # allows one.
            entry["sizes"]["tiny"] = _size(name, meta, "tiny")
        suite.append(entry)
    print(_json().dumps({"schema": 1, "workloads": suite}, indent=2, sort_keys=True))


PILOT_MIN_ITERATIONS = 20


def run(workloads_dir, name, n, iterations, loops, pilot_ns=0):
    _open_protocol()
    probe = _open_probe()
    emit = _emit
    identify()
    clock_name, resolution, now, ticks_diff = _clock()
    emit("clock", clock_name, resolution)
    dumps = _json().dumps
    sys.path.insert(0, workloads_dir)
    mod = __import__(name)
    state = mod.setup(n)
    work = mod.run
    first = None
    others = []
    calls = range(loops)
    spent = 0
    for i in range(iterations):
        if probe is not None:
            probe()
        if loops == 1:
            t0 = now()
            result = work(state)
            t1 = now()
        else:
            t0 = now()
            for _ in calls:
                result = work(state)
            t1 = now()
        if ticks_diff is None:
            ns = t1 - t0
        else:
            ns = ticks_diff(t1, t0) * 1000
        emit("iter", i, ns)
        spent += ns
        text = str(result)
        if i == 0:
            first = text
        elif text != first:
            others.append(text)
        if pilot_ns and spent >= pilot_ns and i + 1 >= PILOT_MIN_ITERATIONS:
            break
    if probe is not None:
        probe()
    emit("result", dumps(first))
    for text in others:
        emit("result", dumps(text))
    teardown = getattr(mod, "teardown", None)
    if teardown is not None:
        teardown(state)
    emit("done")


def serve(workloads_dir, name, port):
    _open_protocol()
    identify()
    clock_name, resolution, _, _ = _clock()
    _emit("clock", clock_name, resolution)
    sys.path.insert(0, workloads_dir)
    mod = __import__(name)
    result = mod.serve(port)
    _emit("result", _json().dumps(str(result)))
    _emit("done")


USAGE = "usage: harness.py WORKLOADS_DIR NAME N ITERATIONS [LOOPS [PILOT_NS]] | --serve WORKLOADS_DIR NAME PORT | --identify | --describe WORKLOADS_DIR"


def main(argv):
    if len(argv) >= 2 and argv[1] == "--identify":
        identify()
    elif len(argv) == 3 and argv[1] == "--describe":
        describe(argv[2])
    elif len(argv) == 5 and argv[1] == "--serve":
        serve(argv[2], argv[3], int(argv[4]))
    elif len(argv) in (5, 6, 7):
        loops = int(argv[5]) if len(argv) >= 6 else 1
        if loops < 1:
            raise SystemExit("LOOPS must be at least 1, got %d" % loops)
        pilot_ns = int(argv[6]) if len(argv) == 7 else 0
        run(argv[1], argv[2], int(argv[3]), int(argv[4]), loops, pilot_ns)
    else:
        print(USAGE)
        sys.exit(2)


# Guarded so that a child process that re-imports the main module (multiprocessing's spawn
# and forkserver start methods) does not run the benchmark again.
if __name__ == "__main__":
    main(sys.argv)
