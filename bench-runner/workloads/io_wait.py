# I/O wait: request/response round trips over a TCP connection on the loopback interface,
# to a peer that sleeps a fixed DELAY_US before it answers each request.
#
# The peer is a thread of the same process (threading where it exists, else MicroPython's
# _thread), started in setup() with its connection, so an iteration times only the round
# trips: send a 64-byte request, block in recv until the 16-byte answer arrives. Nearly all
# of that time is the peer's sleep, during which the measured thread is blocked in the
# kernel; what is left is the interpreter's socket calls, thread wake-ups and a little
# arithmetic. This is what "I/O-bound" means for a program waiting on a database or another
# service: the interpreter's speed matters only for the small part that is not waiting.
#
# The sandbox runs containers with no network, which still has the loopback interface.
# TCP_NODELAY is set where the socket module has it (each side writes one segment and then
# waits for the other, so Nagle's algorithm would not hold a segment back anyway).
import socket
import time

try:
    import threading
except ImportError:
    threading = None
    import _thread

META = {
    "category": "io_wait",
    "description": "n request/response round trips on a loopback TCP socket; the peer sleeps 250 us before each answer, so most of the time is spent blocked in recv.",
    "sizes": {
        "quick": {"n": 4, "checksum": "4,64,256,2140713"},
        "default": {"n": 16, "checksum": "16,256,1024,7305971"},
    },
}

DELAY_US = 250
REQUEST = 64  # bytes: 8-digit sequence number, 8-digit value, padding
REPLY = 16  # bytes: 16-digit answer
QUIT = b"q" * REQUEST
PADDING = b"." * (REQUEST - 16)

if hasattr(time, "sleep_us"):  # MicroPython

    def _delay():
        time.sleep_us(DELAY_US)

else:
    _DELAY_S = DELAY_US / 1000000

    def _delay():
        time.sleep(_DELAY_S)


def _send_all(sock, data):
    sent = 0
    while sent < len(data):
        sent += sock.send(data[sent:])


def _recv_exactly(sock, size):
    """Block until size bytes arrived; b"" if the other side closed first."""
    chunks = []
    got = 0
    while got < size:
        chunk = sock.recv(size - got)
        if not chunk:
            return b""
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _nodelay(sock):
    if hasattr(socket, "IPPROTO_TCP") and hasattr(socket, "TCP_NODELAY"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _serve(listener, done):
    # The peer: accept the one connection, answer each request after the delay.
    conn = listener.accept()[0]
    _nodelay(conn)
    try:
        while True:
            request = _recv_exactly(conn, REQUEST)
            if not request or request == QUIT:
                break
            seq = int(request[:8])
            value = int(request[8:16])
            _delay()
            _send_all(conn, b"%016d" % (value * 7 + seq * 13 + 1))
    finally:
        conn.close()
        listener.close()
        if done is not None:
            done.release()


def _listen():
    # Port 0: the kernel picks a free port, so processes can run side by side. MicroPython's
    # socket objects have no getsockname(), so there a port is tried from a range.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if hasattr(listener, "getsockname"):
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        return listener, listener.getsockname()[1]
    base = 20000 + (int.from_bytes(_urandom(2), "little") % 20000)
    for k in range(200):
        port = base + k
        try:
            listener.bind(socket.getaddrinfo("127.0.0.1", port)[0][-1])
        except OSError:
            continue
        listener.listen(1)
        return listener, port
    raise OSError("io_wait: no free loopback port in %d-%d" % (base, base + 199))


def _urandom(k):
    import os

    return os.urandom(k)


def setup(n):
    listener, port = _listen()
    if threading is not None:
        peer = threading.Thread(target=_serve, args=(listener, None))
        peer.daemon = True
        peer.start()
        done = peer
    else:
        done = _thread.allocate_lock()
        done.acquire()
        _thread.start_new_thread(_serve, (listener, done))
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    _nodelay(client)
    return {"n": n, "client": client, "done": done}


def run(state):
    n = state["n"]
    client = state["client"]
    value = 12345
    total = 0
    received = 0
    for seq in range(n):
        value = (value * 48271) % 99999989
        _send_all(client, b"%08d%08d" % (seq, value) + PADDING)
        reply = _recv_exactly(client, REPLY)
        received += len(reply)
        total += int(reply) % 1000003
    return "%d,%d,%d,%d" % (n, received, n * REQUEST, total)


def teardown(state):
    client = state["client"]
    _send_all(client, QUIT)
    done = state["done"]
    if threading is not None:
        done.join()
    else:
        done.acquire()  # released by the peer once it has closed its sockets
    client.close()
