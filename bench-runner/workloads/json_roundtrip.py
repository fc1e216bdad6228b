# JSON: serialise a nested structure with json.dumps and parse it back with json.loads.
#
# The document holds n records (dicts of ints, ASCII strings, booleans, null, lists and a nested
# dict); no floats, because interpreters print floats differently. Dict key order differs
# between interpreters, so the checksum is the length of the text (the same whatever the key
# order), a comparison of the parsed data with the original and an order-independent sum.
import json

META = {
    "category": "json",
    "description": "Round-trip documents of 100 nested records through json.dumps and json.loads, n records in all.",
    "sizes": {
        "quick": {"n": 1000, "checksum": "157200,178540,577640,True"},
        "default": {"n": 1500, "checksum": "235800,267810,866460,True"},
        "tiny": {"n": 100, "checksum": "15720,17854,57764,True"},
    },
}

_TAGS = ["red", "green", "blue", "amber", "teal", "coral", "ivory", "slate"]


def _document(n):
    seed = 99
    records = []
    for i in range(n):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        tags = []
        for t in range(seed % 5):
            tags.append(_TAGS[(seed >> (3 * t + 4)) % len(_TAGS)])
        records.append(
            {
                "id": i,
                "name": "user %d" % (seed % 100000),
                "active": seed % 3 == 0,
                "parent": None if i == 0 else (seed >> 7) % i,
                "tags": tags,
                "scores": [(seed >> s) % 1000 for s in (2, 5, 9, 13)],
                "address": {"street": "%d Main St" % (seed % 997), "zip": "%05d" % (seed % 99991)},
            }
        )
    return {"version": 3, "title": "whichpy json workload", "records": records}


def _fold(records):
    # Order-independent: plain sums over the parsed records.
    total = 0
    for r in records:
        total += r["id"] + r["scores"][0] + len(r["tags"]) + len(r["address"]["zip"])
        if r["active"]:
            total += 1
    return total


RECORDS = 100  # records per document; rounds keep the live data small (MicroPython's heap is 2 MB)


def setup(n):
    return (n, _document(RECORDS))


def run(state):
    n, doc = state
    totals = [0, 0, 0]
    same = True
    for _ in range(max(1, n // RECORDS)):
        text = json.dumps(doc, separators=(",", ":"))
        back = json.loads(text)
        spaced = json.dumps(back)
        again = json.loads(spaced)
        # Equality with the original compares every value, in any key order.
        same = same and back == doc and again == doc
        totals[0] += len(text)
        totals[1] += len(spaced)
        totals[2] += _fold(again["records"])
    return "%d,%d,%d,%s" % (totals[0], totals[1], totals[2], same)
