# Integer arithmetic on machine-sized integers: a sieve of Eratosthenes, Collatz chain lengths
# and Euclid's gcd, all below n.
#
# Every value stays far below 2**62, so no interpreter needs big integers here; the time goes
# to the interpreter loop, comparisons, //, % and list indexing.

META = {
    "category": "integers",
    "description": "Sieve the primes below n, then sum Collatz chain lengths and gcds over the same range.",
    "sizes": {
        "quick": {"n": 5000, "checksum": "669,1548136,96839,201,4233,64689"},
        "default": {"n": 7500, "checksum": "950,3298037,153585,212,6569,96573"},
        "tiny": {"n": 500, "checksum": "95,21536,6488,133,417,3675"},
    },
}


def _sieve(limit):
    # A bytearray, not a list: one byte per number keeps MicroPython's 2 MB heap free.
    flags = bytearray(limit)
    for k in range(2, limit):
        flags[k] = 1
    i = 2
    while i * i < limit:
        if flags[i]:
            j = i * i
            while j < limit:
                flags[j] = 0
                j += i
        i += 1
    count = 0
    total = 0
    for k in range(limit):
        if flags[k]:
            count += 1
            total += k
    return count, total


def _collatz_steps(start):
    steps = 0
    x = start
    while x != 1:
        if x & 1:
            x = 3 * x + 1
        else:
            x = x >> 1
        steps += 1
    return steps


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def setup(n):
    return n


def run(n):
    count, total = _sieve(n)
    longest = 0
    longest_at = 1
    steps_sum = 0
    # Collatz over every 4th number keeps the three parts of similar weight.
    for start in range(1, n, 4):
        s = _collatz_steps(start)
        steps_sum += s
        if s > longest:
            longest = s
            longest_at = start
    gcd_sum = 0
    a = 1
    for b in range(1, n):
        # a walks a fixed pseudo-random path so the pairs are not all coprime neighbours.
        a = (a * 1103 + 12345) % 65536 + 1
        gcd_sum += _gcd(a * 3, b * 6)
    return "%d,%d,%d,%d,%d,%d" % (count, total, steps_sum, longest, longest_at, gcd_sum)
