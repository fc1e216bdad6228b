# FFI into libc: calls that cross from Python into C through the interpreter's foreign
# function interface, and calls from C back into Python.
#
# CPython and PyPy use ctypes: CPython's is a C extension over libffi, PyPy's is its own,
# written in Python over its _rawffi layer, so this measures each interpreter's FFI, not a
# module it implements natively (as hashlib is on PyPy). MicroPython uses the `ffi` module of
# its Unix port (also libffi). Each iteration:
#   1. n times: strtol() parses one of 64 numerals (bases 2 to 36, signs, leading blanks,
#      trailing junk), then labs() takes its absolute value: two foreign calls that convert
#      bytes, None (NULL) and ints on the way in and a C long on the way out;
#   2. memcpy() restores an array of n // 5 distinct 32-bit ints in shuffled order, and
#      qsort() sorts it with a comparison function written in Python, which C calls about
#      m log2 m times (each call turns two C pointers into Python ints and back);
#   3. the sorted array is read back and folded, so the checksum proves the sort happened.
# How many comparisons qsort makes depends on the C library's version, so that count is not
# in the checksum; the sorted order is (the keys are distinct).

try:
    import ctypes
except ImportError:  # MicroPython: the Unix port's ffi module, if the build has it
    ctypes = None
    try:
        import ffi
    except ImportError:
        raise ImportError(
            "ffi_libc: this MicroPython has no ffi module. The Unix port has it when built "
            "with libffi, as Debian's micropython package is; run it with that build."
        )

META = {
    "category": "ffi",
    "description": "n strtol and labs calls into libc through the FFI (ctypes; ffi on MicroPython), then qsort of n/5 ints with a Python comparison function that C calls back.",
    "sizes": {
        "quick": {"n": 2000, "checksum": "41506249706,85863294410,400,800658834"},
        "default": {"n": 3000, "checksum": "62498666981,128700102867,600,759144178"},
    },
}

LIBC = "libc.so.6"
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
MODULUS = 1000000007


def _numerals():
    # 64 (text, base) pairs from a fixed LCG: varied bases and signs, then junk strtol stops at.
    out = []
    x = 7
    for i in range(64):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        base = (2, 8, 10, 16, 36)[(x >> 16) % 5]
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        value = (x >> 4) % 100000000
        text = ""
        v = value
        while True:
            text = DIGITS[v % base] + text
            v //= base
            if v == 0:
                break
        sign = "-" if i % 3 == 0 else ""
        blanks = " " * (i % 4)
        out.append(((blanks + sign + text + " !").encode(), base))
    return out


def _keys(m):
    # m distinct keys below 2**30 in a shuffled order (an LCG's high bits, made distinct).
    keys = []
    x = 11
    for i in range(m):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        keys.append(((x >> 8) % 1000000) * 1024 + i)
    return keys


def _packed(keys):
    return b"".join([k.to_bytes(4, "little") for k in keys])


def _fold(values):
    total = 0
    for i in range(len(values)):
        total = (total * 31 + values[i] * (i + 1)) % MODULUS
    return total


def _setup_ctypes(state):
    libc = ctypes.CDLL(LIBC)
    strtol = libc.strtol
    strtol.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    strtol.restype = ctypes.c_long
    labs = libc.labs
    labs.argtypes = [ctypes.c_long]
    labs.restype = ctypes.c_long
    memcpy = libc.memcpy
    memcpy.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    memcpy.restype = ctypes.c_void_p
    qsort = libc.qsort
    compare_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32))
    qsort.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, compare_type]
    qsort.restype = None

    def compare(pa, pb):
        a = pa[0]
        b = pb[0]
        return (a > b) - (a < b)

    m = state["m"]
    array = (ctypes.c_int32 * m)()
    # The callback object must stay alive as long as C may call it: keep it in the state.
    callback = compare_type(compare)
    state["strtol"] = strtol
    state["labs"] = labs
    state["callback"] = callback

    def sort():
        memcpy(array, state["template"], m * 4)
        qsort(array, m, 4, callback)
        return array[:]

    state["sort"] = sort


def _setup_ffi(state):
    libc = ffi.open(LIBC)
    state["strtol"] = libc.func("l", "strtol", "PPi")
    state["labs"] = libc.func("l", "labs", "l")
    memcpy = libc.func("p", "memcpy", "pPL")
    qsort = libc.func("v", "qsort", "pLLC")
    as_bytearray = ffi.as_bytearray

    def compare(pa, pb):
        a = int.from_bytes(as_bytearray(pa, 4), "little")
        b = int.from_bytes(as_bytearray(pb, 4), "little")
        return (a > b) - (a < b)

    m = state["m"]
    array = bytearray(m * 4)
    callback = ffi.callback("i", compare, "PP")
    state["callback"] = callback

    def sort():
        memcpy(array, state["template"], m * 4)
        qsort(array, m, 4, callback)
        return [int.from_bytes(array[4 * i : 4 * i + 4], "little") for i in range(m)]

    state["sort"] = sort


def setup(n):
    m = n // 5
    state = {"n": n, "m": m, "numerals": _numerals(), "template": _packed(_keys(m))}
    if ctypes is not None:
        _setup_ctypes(state)
    else:
        _setup_ffi(state)
    return state


def run(state):
    n = state["n"]
    strtol = state["strtol"]
    labs = state["labs"]
    numerals = state["numerals"]
    parsed = 0
    absolute = 0
    for i in range(n):
        text, base = numerals[i & 63]
        v = strtol(text, None, base)
        parsed += v
        absolute += labs(v)
    ordered = state["sort"]()
    return "%d,%d,%d,%d" % (parsed, absolute, len(ordered), _fold(ordered))
