# Strings: build a small text from words, then take it apart and put it together again.
#
# Formatting with %, str.format and f-strings, joining, splitting, find/count/replace, case
# changes, stripping and prefix tests, over ASCII text only (str methods are the part measured,
# not Unicode tables). The checksum folds lengths, counts and positions, never hash values.

META = {
    "category": "strings",
    "description": "Format, join, split, search, replace and re-case n lines of text, in blocks of 250.",
    "sizes": {
        "quick": {"n": 3000, "checksum": "107828,10517,20720,4498500,1712,34855,91983,103540,1772,10539,85498"},
        "default": {"n": 4500, "checksum": "161699,15756,31080,10122750,2576,50237,138686,155275,2666,15809,128250"},
        "tiny": {"n": 250, "checksum": "9024,877,1772,31125,141,3155,8204,8665,146,883,7205"},
    },
}

_SYLLABLES = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "ve", "zu", "an", "el", "or"]


def _words(count):
    # Deterministic pseudo-random words of 2 to 5 syllables from a linear congruential generator.
    seed = 12345
    words = []
    for _ in range(count):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        parts = 2 + (seed >> 16) % 4
        word = ""
        s = seed
        for _ in range(parts):
            word += _SYLLABLES[s % len(_SYLLABLES)]
            s = s // len(_SYLLABLES)
        words.append(word)
    return words


BLOCK = 250  # lines per block; blocks keep the live data small (MicroPython's heap is 2 MB)


def setup(n):
    # One block's worth of words; every block reuses them with different line numbers.
    return {"n": n, "words": _words(BLOCK * 4)}


def _block(words, base):
    # Build: one line per record, three formatting styles.
    lines = []
    for k in range(BLOCK):
        i = base + k
        a = words[4 * k]
        b = words[4 * k + 1]
        c = words[4 * k + 2]
        d = words[(4 * k + 3 + base) % len(words)]
        if i % 3 == 0:
            line = "%05d %s %s;%d" % (i, a, b.upper(), len(c))
        elif i % 3 == 1:
            line = "{:05d} {} {};{}".format(i, c, a.upper(), len(d))
        else:
            line = f"{i:05d} {d} {c.upper()};{len(a)}"
        lines.append("  " + line + " " + d + "  ")
    text = "\n".join(lines)

    # Take apart: split into lines and fields, strip, partition.
    fields = 0
    upper_len = 0
    numbers = 0
    for raw in text.split("\n"):
        line = raw.strip()
        head, _, tail = line.partition(";")
        parts = head.split(" ")
        fields += len(parts)
        numbers += int(parts[0])
        upper_len += len(parts[2])
        if tail.endswith(parts[1]) or tail.startswith("4"):
            fields += 1

    # Search and replace over the whole block.
    replaced = text.replace("ka", "KAA").replace("  ", " ")
    lowered = replaced.lower()

    # Join back: the distinct words, sorted, joined with commas.
    distinct = sorted(set(text.lower().split()))
    joined = ",".join(distinct)

    return [
        len(text),
        fields,
        upper_len,
        numbers,
        text.count("ka"),
        text.find("zuzu"),
        text.rfind("orka"),
        len(replaced),
        lowered.count("kaa"),
        len(distinct),
        len(joined),
    ]


def run(state):
    n = state["n"]
    words = state["words"]
    totals = [0] * 11
    for base in range(0, n, BLOCK):
        result = _block(words, base)
        for k in range(len(totals)):
            totals[k] += result[k]
    return ",".join([str(t) for t in totals])
