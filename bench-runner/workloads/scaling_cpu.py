# Scaling: the same CPU-bound work split over 1, 2, ... N threads or forked processes.
#
# Run by `cargo xtask scaling`, which encodes what to do in n (and knows the checksum):
#   n = mode * 10**12 + workers * 10**9 + units
# mode 1: threads, 2: forked processes (the CPU kernel of threads_cpu.py on `units` indices,
# split by stride, so any worker count does exactly the same total work);
# mode 3 and 4: the same with a sleep of one millisecond per unit instead of the kernel (a test
# instrument whose speed-up is known: N workers each sleeping T/N finish in about T/N);
# mode 5: threads as mode 1, but each thread runs its own compiled copy of the kernel. Threads
# of a free-threaded CPython that share one function share its objects' reference counts; modes
# 1 and 5 side by side show whether that costs anything. With a GIL both modes take turns alike.
# The result is the sum over all workers, the same for every split. `bench` leaves this
# workload out unless named (category `scaling`): its default size is one worker.
try:
    import threading
except ImportError:
    threading = None
    import _thread
import time

try:
    import os

    _fork = getattr(os, "fork", None)
except ImportError:
    _fork = None

META = {
    "category": "scaling",
    "description": "CPU-bound integer work split over a chosen number of threads or processes (cargo xtask scaling).",
    "sizes": {
        "quick": {"n": 1001000001000, "checksum": "16360814"},
        "default": {"n": 1001000003000, "checksum": "49148401"},
    },
}


# The kernel of threads_cpu.py and processes_cpu.py, as source so that mode 5 can compile a
# copy per thread; every mode runs this one text.
_KERNEL = """
def kernel(first, stop, step):
    total = 0
    for i in range(first, stop, step):
        x = i
        for _ in range(40):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        total += x >> 16
    return total
"""


def _compile_kernel():
    ns = {}
    exec(_KERNEL, ns)
    return ns["kernel"]


_kernel = _compile_kernel()


def _sleep(first, stop, step):
    units = len(range(first, stop, step))
    time.sleep(units / 1000)
    return units


def setup(n):
    mode = n // 10**12
    workers = (n // 10**9) % 1000
    units = n % 10**9
    if mode not in (1, 2, 3, 4, 5) or workers < 1:
        raise ValueError("bad scaling parameter %d" % n)
    if mode == 5:
        work = [_compile_kernel() for _ in range(workers)]
    else:
        work = [_kernel if mode in (1, 2) else _sleep] * workers
    return (mode in (2, 4), work, workers, units)


def _threads(work, workers, units):
    results = [0] * workers

    def one(k):
        results[k] = work[k](k, units, workers)

    if threading is not None:
        ts = [threading.Thread(target=one, args=(k,)) for k in range(workers)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    else:
        locks = []

        def one_then_release(k, lock):
            try:
                one(k)
            finally:
                lock.release()

        for k in range(workers):
            lock = _thread.allocate_lock()
            lock.acquire()
            locks.append(lock)
            _thread.start_new_thread(one_then_release, (k, lock))
        for lock in locks:
            lock.acquire()
    return sum(results)


def _processes(work, workers, units):
    if _fork is None:
        raise RuntimeError("this interpreter has no os.fork")
    children = []
    for k in range(workers):
        read_end, write_end = os.pipe()
        pid = _fork()
        if pid == 0:
            code = 1
            try:
                os.close(read_end)
                os.write(write_end, str(work[k](k, units, workers)).encode())
                os.close(write_end)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        children.append((pid, read_end))
    total = 0
    for pid, read_end in children:
        chunks = []
        while True:
            chunk = os.read(read_end, 4096)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        if status != 0 or not chunks:
            raise RuntimeError("worker process %d failed (status %d)" % (pid, status))
        total += int(b"".join(chunks))
    return total


def run(state):
    forked, work, workers, units = state
    if forked:
        return _processes(work, workers, units)
    return _threads(work, workers, units)
