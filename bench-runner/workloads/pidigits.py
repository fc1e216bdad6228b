# Pi digits: stream the first n decimal digits of pi with an unbounded spigot.
#
# The state is a 2x2 matrix of integers (a linear fractional transformation) that is composed
# with one term of a series for pi at a time; whenever the integer part of the transformation
# is the same at x = 3 and x = 4, that part is the next digit and is shifted out. The integers
# grow to thousands of digits, so the time goes to big-integer multiply and divide.

META = {
    "category": "bigint",
    "description": "Compute the first n decimal digits of pi with a streaming big-integer spigot.",
    "sizes": {
        "quick": {"n": 500, "checksum": "3141592653..1830119491:2212"},
        "default": {"n": 600, "checksum": "3141592653..6766940513:2668"},
        "tiny": {"n": 20, "checksum": "3141592653..5897932384:97"},
    },
}


def _digits(count):
    # Transformation x -> (q*x + r) / (t) kept as (q, r, t); the series term k contributes
    # (k, 4k+2, 2k+1).
    q, r, t = 1, 0, 1
    k = 0
    out = []
    while len(out) < count:
        k += 1
        b = 2 * k + 1
        r = (2 * q + r) * b
        q = q * k
        t = t * b
        d3 = (3 * q + r) // t
        d4 = (4 * q + r) // t
        if d3 != d4:
            continue
        out.append(d3)
        r = 10 * (r - d3 * t)
        q = 10 * q
    return out


def setup(n):
    return n


def run(n):
    digits = _digits(n)
    text = "".join([str(d) for d in digits])
    total = 0
    for d in digits:
        total += d
    return "%s..%s:%d" % (text[:10], text[-10:], total)
