# SHA-256 with hashlib: the time goes to the C implementation behind the module (OpenSSL in
# CPython and PyPy, C code compiled into MicroPython), not to the interpreter.
#
# A 64 KiB pseudo-random buffer is hashed n times in a chain (each digest is fed into the next
# hash together with the buffer), then n small messages are hashed, which weighs the per-call
# overhead. MicroPython's hash objects have no hexdigest() and are final after digest(), so only
# update() and digest() are used.
import hashlib

META = {
    "category": "c_library",
    "description": "SHA-256 a 64 KiB buffer n times in a chain with hashlib, then 20n short messages.",
    "sizes": {
        "quick": {"n": 200, "checksum": "df4fd3bbc65300510fc318fa06c2ccaa9bca3a2eef70efed002ca038312470c8:dd41a929724494d625d84db7c6abe6684e047e425766cf9d2683d5314d2e4547"},
        "default": {"n": 300, "checksum": "3af5847c9c0c5db177d79b72ccd96ef1581f7c6fd2d2e068e5f4c1123d874ab2:b5dcce367efab6ee0a61d4453a477d58c505abf99edface0544d7ea31b186fac"},
    },
}

BUFFER_SIZE = 65536


def _buffer():
    data = bytearray(BUFFER_SIZE)
    x = 1
    for i in range(BUFFER_SIZE):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        data[i] = (x >> 16) & 0xFF
    return bytes(data)


def _hex(digest):
    return "".join(["%02x" % b for b in digest])


def setup(n):
    return (n, _buffer())


def run(state):
    n, buffer = state
    digest = b""
    for _ in range(n):
        h = hashlib.sha256()
        h.update(digest)
        h.update(buffer)
        digest = h.digest()
    small = b"whichpy"
    for i in range(n * 20):
        small = hashlib.sha256(small).digest()
    return _hex(digest) + ":" + _hex(small)
