# Processes: CPU-bound pure-Python work split over 2 processes.
#
# The same kernel and the same total work as threads_cpu.py, so the two can be compared: each
# process has its own interpreter (and its own GIL), so 2 processes can use two cores. Each
# iteration forks its workers with os.fork, reads each result from a pipe and reaps the
# children, so process start-up is part of the cost, as it is for a program that parallelises
# one task. (os.fork rather than multiprocessing: no pickling, no helper processes, and no
# dependence on the default start method, which is changing across CPython versions.)
import os

META = {
    "category": "concurrency",
    "description": "Split n units of CPU-bound integer work over 2 forked processes and collect the results.",
    "sizes": {
        "quick": {"n": 2000, "checksum": "16372304,16404077"},
        "default": {"n": 3000, "checksum": "24583139,24565262"},
    },
    "unsupported": {
        "micropython": "MicroPython has no multiprocessing module and its os module has no fork, pipe or waitpid.",
    },
}

WORKERS = 2


# The kernel; keep it identical to the one in threads_cpu.py.
def _kernel(first, stop, step):
    total = 0
    for i in range(first, stop, step):
        x = i
        for _ in range(40):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        total += x >> 16
    return total


def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def setup(n):
    return n


def run(n):
    children = []
    for k in range(WORKERS):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            # Child: compute, send the result, leave without running any cleanup of the parent.
            code = 1
            try:
                os.close(read_end)
                os.write(write_end, str(_kernel(k, n, WORKERS)).encode())
                os.close(write_end)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        children.append((pid, read_end))
    results = []
    for pid, read_end in children:
        text = _read_all(read_end)
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        if status != 0 or not text:
            raise RuntimeError("worker process %d failed (status %d)" % (pid, status))
        results.append(int(text))
    return "%d,%d" % (results[0], results[1])
