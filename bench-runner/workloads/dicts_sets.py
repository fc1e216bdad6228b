# Dicts and sets: insert, look up, update and delete integer and string keys.
#
# Hash tables are where interpreters differ most in layout (CPython's compact ordered dict,
# PyPy's strategies, MicroPython's open addressing). Iteration order differs between them, so
# the checksum only uses sums, counts and sorted contents.

META = {
    "category": "dicts_sets",
    "description": "Insert, look up, update and delete integer and string keys in dicts and sets, n keys in rounds of 2000.",
    "sizes": {
        "quick": {"n": 8000, "checksum": "8000,0,4000,8004000,828,8000,261968672,6000,1972,3004,2028,4052,1972,4000,8000,11032696,64035180"},
        "default": {"n": 12000, "checksum": "12000,0,6000,12006000,1242,12000,392953008,9000,2958,4506,3042,6078,2958,6000,12000,16549044,96052770"},
        "tiny": {"n": 2000, "checksum": "2000,0,1000,2001000,207,2000,65492168,1500,493,751,507,1013,493,1000,2000,2758174,16008795"},
    },
}


def _keys(n):
    # n distinct pseudo-random integers below 2**30 (a full-period LCG modulo 2**30).
    x = 7
    out = []
    for _ in range(n):
        x = (x * 1664525 + 1013904223) & 0x3FFFFFFF
        out.append(x)
    return out


POOL = 2000  # keys per round; rounds keep the live data small (MicroPython's heap is 2 MB)


def setup(n):
    ints = _keys(POOL)
    strs = ["k%x" % k for k in ints]
    return (n, ints, strs)


def run(state):
    n, pool, strs = state
    totals = None
    for r in range(max(1, n // POOL)):
        # Each round shifts the integer keys to a fresh range (the pool is below 2**30).
        offset = r << 30
        result = _round([k + offset for k in pool], strs)
        if totals is None:
            totals = result
        else:
            for i in range(len(totals)):
                totals[i] += result[i]
    return ",".join([str(t) for t in totals])


def _round(ints, strs):
    n = len(ints)

    # Integer keys: build, count hits and misses, update in place, delete half.
    table = {}
    for i in range(n):
        table[ints[i]] = i
    hits = 0
    total = 0
    for k in ints:
        if k in table:
            hits += 1
        v = table.get(k + 1)
        if v is not None:
            total += v
    for k in ints:
        table[k] = table[k] * 2 + 1
    for i in range(0, n, 2):
        del table[ints[i]]
    int_sum = 0
    for v in table.values():
        int_sum += v

    # String keys: counting words, setdefault, pop.
    counts = {}
    for s in strs:
        prefix = s[:3]
        counts[prefix] = counts.get(prefix, 0) + 1
    groups = {}
    for s in strs:
        groups.setdefault(s[-1], []).append(s)
    popped = 0
    for i in range(1, n, 3):
        if strs[i] in groups:
            popped += 1
        popped += len(groups.pop(strs[i][-1], ()))
    names = {}
    for i in range(n):
        names[strs[i]] = ints[i]
    name_sum = 0
    for s in strs:
        name_sum += names[s] & 0xFFFF
    for i in range(0, n, 4):
        names.pop(strs[i])
    str_len = len(names)

    # Sets: build, membership, algebra, discard.
    evens = set()
    for k in ints:
        if k & 1 == 0:
            evens.add(k)
    small = set([k for k in ints if k & 0x20000000])
    both = evens & small
    either = evens | small
    only = evens - small
    sym = evens ^ small
    member = 0
    for k in ints:
        if k in both:
            member += 1
        if (k + 2) in evens:
            member += 1
    for k in ints[: n // 2]:
        either.discard(k)
    word_set = set(strs)
    word_set.difference_update(strs[::2])

    return [
        hits,
        total,
        len(table),
        int_sum,
        len(counts),
        popped,
        name_sum,
        str_len,
        len(both),
        len(either),
        len(only),
        len(sym),
        member,
        len(word_set),
        sum(counts.values()),
        min(only) & 0xFFFFFF,
        max(sym) & 0xFFFFFF,
    ]
