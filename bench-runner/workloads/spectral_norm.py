# Spectral norm: the largest singular value of the infinite matrix A(i, j) = 1 / ((i+j)(i+j+1)/2
# + i + 1), truncated to n x n, by ten rounds of the power method on A^T A.
#
# Float work dominated by nested loops over lists and a small function call per element. Sums
# run in a fixed order and use only +, *, / and sqrt, so every interpreter gets the same bits.
import math

META = {
    "category": "float",
    "description": "Estimate the spectral norm of an n x n matrix with the power method.",
    "sizes": {
        "quick": {"n": 40, "checksum": "1274167288"},
        "default": {"n": 49, "checksum": "1274192053"},
        "tiny": {"n": 10, "checksum": "1271844019"},
    },
}


def _entry(i, j):
    s = i + j
    return 1.0 / (s * (s + 1) // 2 + i + 1)


def _times(v, n):
    # u = A v
    u = []
    for i in range(n):
        total = 0.0
        for j in range(n):
            total += _entry(i, j) * v[j]
        u.append(total)
    return u


def _times_transposed(v, n):
    # u = A^T v
    u = []
    for i in range(n):
        total = 0.0
        for j in range(n):
            total += _entry(j, i) * v[j]
        u.append(total)
    return u


def _times_ata(v, n):
    return _times_transposed(_times(v, n), n)


def setup(n):
    return n


def run(n):
    u = [1.0] * n
    v = u
    for _ in range(10):
        v = _times_ata(u, n)
        u = _times_ata(v, n)
    vbv = 0.0
    vv = 0.0
    for i in range(n):
        vbv += u[i] * v[i]
        vv += v[i] * v[i]
    return int(round(math.sqrt(vbv / vv) * 1e9))
