# Sorting: list.sort and sorted() over n records with key functions, plain ints and strings.
#
# MicroPython's sort is not stable (CPython's and PyPy's are), so every key used here is unique
# (ties broken by the record id) and the result is the same everywhere. Inputs are always in
# pseudo-random order: MicroPython's quicksort is quadratic on presorted lists.
# Note for readers of MicroPython's numbers: its sort calls the key function at every
# comparison, not once per element, and (measured on 1.25) a loop whose only allocation is a
# 3-tuple runs tens of times slower than one that also allocates a small list, apparently in the
# allocator's search for free blocks; so the (city, -score, ident) sort takes most of its time.

META = {
    "category": "sorting",
    "description": "Sort records by several key functions, and ints and strings, with list.sort and sorted(); n records in rounds of 1000.",
    "sizes": {
        "quick": {"n": 1000, "checksum": "249024835,250179576,254224063,250115790,8398259,625405,43"},
        "default": {"n": 1000, "checksum": "249024835,250179576,254224063,250115790,8398259,625405,43"},
        "tiny": {"n": 1000, "checksum": "249024835,250179576,254224063,250115790,8398259,625405,43"},
    },
}

_CITIES = ["Oslo", "Lima", "Pune", "Kyiv", "Doha", "Bern", "Riga", "Baku", "Cali", "Nice"]


class Record(object):
    def __init__(self, ident, name, city, age, score):
        self.ident = ident
        self.name = name
        self.city = city
        self.age = age
        self.score = score


def _records(n):
    # Fields come from the high bits of a linear congruential generator (its low bits have
    # short periods, and patterned input is exactly what a quicksort is slow on).
    seed = 2024
    out = []
    for i in range(n):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        r = seed >> 8
        name = "n%05x" % (r & 0xFFFFF)
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        r = seed >> 8
        city = _CITIES[r % len(_CITIES)]
        r = r // len(_CITIES)
        age = 18 + r % 60
        r = r // 60
        score = r % 1000
        out.append(Record(i, name, city, age, score))
    return out


def _by_age(r):
    return (r.age, r.ident)


def _fold(records):
    # Position-weighted sum of ids: any difference in order changes it.
    total = 0
    weight = 1
    for r in records:
        total = (total + weight * r.ident) % 1000000007
        weight += 1
    return total


RECORDS = 1000  # records per round; rounds keep the live data small (MicroPython's heap is 2 MB)


def setup(n):
    records = _records(RECORDS)
    ints = [(r.score * 7919 + r.ident * 104729) % 1000003 for r in records]
    strings = ["%s-%s-%d" % (r.city, r.name, r.ident) for r in records]
    return (n, records, ints, strings)


def _round(records, ints, strings):
    out = []

    work = list(records)
    work.sort(key=_by_age)
    out.append(_fold(work))

    work = list(records)
    work.sort(key=lambda r: (r.city, -r.score, r.ident))
    out.append(_fold(work))

    work = sorted(records, key=lambda r: (r.name, r.ident), reverse=True)
    out.append(_fold(work))

    work = sorted(records, key=lambda r: r.score * 100000 + r.ident)
    out.append(_fold(work))

    numbers = list(ints)
    numbers.sort()
    out.append(numbers[0] + numbers[len(numbers) // 2] * 3 + numbers[-1] * 7)
    numbers = sorted(ints, reverse=True)
    out.append(numbers[len(numbers) // 3])

    words = sorted(strings)
    out.append(len(words[0]) + len(words[-1]) + len(words[len(words) // 2]))
    return out


def run(state):
    n, records, ints, strings = state
    totals = [0] * 7
    for _ in range(max(1, n // RECORDS)):
        result = _round(records, ints, strings)
        for i in range(len(totals)):
            totals[i] += result[i]
    return ",".join([str(t) for t in totals])
