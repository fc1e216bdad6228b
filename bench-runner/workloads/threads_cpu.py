# Threads: CPU-bound pure-Python work split over 2 threads.
#
# The same kernel and the same total work as processes_cpu.py, so the two can be compared: with
# a global interpreter lock (CPython, PyPy) the threads take turns and 2 threads are no faster
# than 1; with processes, or without a GIL, they can use two cores. Each iteration starts and
# joins its threads, as a program that parallelises one task would.
# Uses `threading` where it exists, else MicroPython's low-level `_thread` module, joined with
# one lock per worker that the worker releases when it is done.
try:
    import threading
except ImportError:
    threading = None
    import _thread

META = {
    "category": "concurrency",
    "description": "Split n units of CPU-bound integer work over 2 threads and wait for both.",
    "sizes": {
        "quick": {"n": 2000, "checksum": "16372304,16404077"},
        "default": {"n": 3000, "checksum": "24583139,24565262"},
    },
}

WORKERS = 2


# The kernel; keep it identical to the one in processes_cpu.py.
def _kernel(first, stop, step):
    total = 0
    for i in range(first, stop, step):
        x = i
        for _ in range(40):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        total += x >> 16
    return total


def _worker(index, n, results):
    results[index] = _kernel(index, n, WORKERS)


def _worker_then_release(index, n, results, lock):
    try:
        _worker(index, n, results)
    finally:
        lock.release()


def setup(n):
    return n


def run(n):
    results = [None] * WORKERS
    if threading is not None:
        threads = []
        for k in range(WORKERS):
            threads.append(threading.Thread(target=_worker, args=(k, n, results)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        locks = []
        for k in range(WORKERS):
            lock = _thread.allocate_lock()
            lock.acquire()
            locks.append(lock)
            _thread.start_new_thread(_worker_then_release, (k, n, results, lock))
        for lock in locks:
            # Blocks until the worker releases the lock it was given.
            lock.acquire()
    return "%d,%d" % (results[0], results[1])
