# File I/O: write, read, seek and append a file of n fixed-width records in /tmp.
#
# Text writes line by line, text reads by iterating lines, binary reads of whole blocks and of
# single records after seek(), and an append. The file lives in the page cache, so this
# measures the interpreter's file objects and system calls, not the disk. MicroPython's files
# are unbuffered, which is part of what is measured.
import os

META = {
    "category": "file_io",
    "description": "Write n fixed-width records to a file in /tmp, read them back, seek to records, append.",
    "sizes": {
        "quick": {"n": 2000, "checksum": "2000,2166434687928,64000,2000,2959902,1999,64000,70400"},
        "default": {"n": 3000, "checksum": "3000,3252082691532,96000,3000,5919413,2999,96000,105600"},
    },
}

RECORD = 32  # bytes per line, newline included


def _path():
    # A name no other process uses, so that runs can happen side by side.
    if hasattr(os, "getpid"):
        tag = "%d" % os.getpid()
    else:
        tag = "".join(["%02x" % b for b in os.urandom(6)])
    return "/tmp/whichpy-file_io-%s.dat" % tag


def _line(i, value):
    # 31 characters + newline: "%08d %010d " then padding letters.
    head = "%08d %010d " % (i, value)
    return head + "abcdefghijklmnopqrstuvwxyz"[: RECORD - 1 - len(head)] + "\n"


def setup(n):
    return {"n": n, "path": _path()}


def run(state):
    n = state["n"]
    path = state["path"]

    # Write text, one line at a time.
    value = 17
    f = open(path, "w")
    for i in range(n):
        value = (value * 48271) % 2147483647
        f.write(_line(i, value))
    f.close()

    # Read text back line by line.
    text_sum = 0
    lines = 0
    f = open(path, "r")
    for line in f:
        text_sum += int(line[9:19])
        lines += 1
    f.close()

    # Read binary in blocks of 4 KiB, count newlines.
    newlines = 0
    size = 0
    f = open(path, "rb")
    while True:
        block = f.read(4096)
        if not block:
            break
        size += len(block)
        newlines += block.count(b"\n")
    f.close()

    # Random access: seek to pseudo-random records and read each.
    picked = 0
    f = open(path, "rb")
    k = 1
    for _ in range(n):
        k = (k * 1103515245 + 12345) & 0x7FFFFFFF
        index = k % n
        f.seek(index * RECORD)
        record = f.read(RECORD)
        picked += int(record[:8]) + int(record[9:19]) % 1000
    f.seek(-RECORD, 2)
    last = f.read(RECORD)
    position = f.tell()
    f.close()

    # Append and check the size.
    f = open(path, "ab")
    for i in range(n // 10):
        f.write(b"appended %022d\n" % i)
    f.close()
    final_size = os.stat(path)[6]

    return "%d,%d,%d,%d,%d,%d,%d,%d" % (
        lines,
        text_sum,
        size,
        newlines,
        picked,
        int(last[:8]),
        position,
        final_size,
    )


def teardown(state):
    try:
        os.remove(state["path"])
    except OSError:
        pass
