# Data pipeline: parse a CSV file of n sales records, filter, aggregate by key, write a report.
#
# setup() writes the input once to the container's tmpfs /tmp (about 2.2 MB at the default
# size); each run() reads it in 64 KiB blocks, splits lines and fields (str.split: MicroPython
# has no csv module, so no interpreter uses one), keeps the shipped orders with a positive
# quantity, sums quantity and revenue per (region, product), and writes the groups, sorted, as
# a CSV report to /tmp. Reading in blocks keeps the live data far below MicroPython's 2 MB heap
# whatever the file size. The checksum counts records, kept records, groups and output bytes,
# with an order-independent fold of the report.
#
# META's "bytes" and "records" per size are the input one run() processes; the view turns time
# per run into MB/s and records/s from them.
import os

META = {
    "category": "pipeline",
    "description": "Parse a CSV file of n sales records in /tmp, filter, aggregate by region and product, write a sorted report.",
    "sizes": {
        "quick": {
            "n": 10000,
            "checksum": "10000,5107,400,9654,27792,138088827,1848930638",
            "bytes": 423221,
            "records": 10000,
        },
        "default": {
            "n": 50000,
            "checksum": "50000,25788,400,10491,141182,703239272,2028907624",
            "bytes": 2160352,
            "records": 50000,
        },
    },
}

REGIONS = ["north", "south", "east", "west", "central", "coast", "hills", "plains"]
STATUSES = ["shipped", "shipped", "shipped", "pending", "returned", "shipped"]
PRODUCTS = 50
BLOCK = 65536
HEADER = "id,day,region,product,status,quantity,unit_cents\n"


def _tag():
    # A name no other process uses, so that runs can happen side by side.
    if hasattr(os, "getpid"):
        return "%d" % os.getpid()
    return "".join(["%02x" % b for b in os.urandom(6)])


def _write_input(path, n):
    seed = 20261201
    f = open(path, "w")
    f.write(HEADER)
    lines = []
    for i in range(n):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        r = seed >> 8
        quantity = (r % 13) - 2  # -2..10: zero and negative rows are corrections, filtered out
        lines.append(
            "%d,2026-%02d-%02d,%s,p%03d,%s,%d,%d\n"
            % (
                i,
                1 + (r >> 4) % 12,
                1 + (r >> 8) % 28,
                REGIONS[(r >> 12) % len(REGIONS)],
                (r >> 15) % PRODUCTS,
                STATUSES[(r >> 3) % len(STATUSES)],
                quantity,
                100 + (r >> 6) % 9900,
            )
        )
        if len(lines) == 500:
            f.write("".join(lines))
            lines = []
    f.write("".join(lines))
    f.close()


def setup(n):
    tag = _tag()
    state = {
        "n": n,
        "input": "/tmp/whichpy-pipeline-%s.csv" % tag,
        "output": "/tmp/whichpy-pipeline-%s.out" % tag,
    }
    _write_input(state["input"], n)
    return state


def _lines(path):
    # Complete lines of the file, read in blocks.
    f = open(path, "r")
    rest = ""
    while True:
        block = f.read(BLOCK)
        if not block:
            break
        parts = (rest + block).split("\n")
        rest = parts.pop()
        for line in parts:
            yield line
    f.close()
    if rest:
        yield rest


def run(state):
    records = 0
    kept = 0
    groups = {}
    first = True
    for line in _lines(state["input"]):
        if first:  # the header
            first = False
            continue
        records += 1
        fields = line.split(",")
        if fields[4] != "shipped":
            continue
        quantity = int(fields[5])
        if quantity <= 0:
            continue
        kept += 1
        key = fields[2] + "/" + fields[3]
        g = groups.get(key)
        if g is None:
            g = [0, 0, 0]
            groups[key] = g
        g[0] += 1
        g[1] += quantity
        g[2] += quantity * int(fields[6])

    # The report, sorted by key (unique keys: MicroPython's sort is not stable).
    keys = sorted(groups)
    out = ["region,product,orders,quantity,revenue_cents\n"]
    for key in keys:
        g = groups[key]
        region, product = key.split("/")
        out.append("%s,%s,%d,%d,%d\n" % (region, product, g[0], g[1], g[2]))
    text = "".join(out)
    f = open(state["output"], "w")
    f.write(text)
    f.close()

    quantity = 0
    revenue = 0
    fold = 0
    for i in range(len(keys)):
        g = groups[keys[i]]
        quantity += g[1]
        revenue += g[2]
        fold = (fold * 31 + g[0] * 7 + g[1] + (i + 1) * (g[2] % 1000003)) & 0x7FFFFFFF
    return "%d,%d,%d,%d,%d,%d,%d" % (records, kept, len(keys), len(text), quantity, revenue, fold)


def teardown(state):
    for path in (state["input"], state["output"]):
        try:
            os.remove(path)
        except OSError:
            pass
