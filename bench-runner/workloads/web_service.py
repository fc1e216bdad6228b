# Web service: a small HTTP/1.1 JSON API over sockets, driven by bench-runner's open-loop
# load generator at fixed request rates (the samples are request latencies, not iterations).
#
# One thread, one poll() loop over the listening socket and every keep-alive connection, as a
# small event-driven server does it. Each request is routed (three routes), its JSON body
# parsed, and a little work done before a JSON answer with Content-Length:
#   POST /orders      validate the order (customer, 1-20 lines, known SKUs, qty 1..99), price
#                     each line from the catalogue (a dict lookup), render a summary from a
#                     template; 422 with the reason when invalid
#   GET /items/SKU    look the SKU up; 404 when unknown
#   POST /shutdown    answer, then stop: serve() returns the tally
# bench-runner checks every answer field by field (bench-runner/src/web.rs holds the client's
# half of this contract) and compares the tally "handled,orders,lookups,rejected" with the
# answers it verified.
#
# harness.py --serve imports this module and calls serve(port) on 127.0.0.1 (the loopback
# interface exists in the containers, which have no network). The same code runs on CPython,
# PyPy and MicroPython's Unix port: select.poll() reports the registered object on
# MicroPython and its fd elsewhere, so connections are found under both keys.
import json
import socket

try:
    import select
except ImportError:  # older MicroPython
    import uselect as select

META = {
    "category": "web_service",
    "description": "A JSON API over HTTP/1.1 keep-alive (route, parse, validate, look up, render) under open-loop load at fixed request rates; latency from each request's intended send time.",
    "kind": "service",
    "sizes": {
        "quick": {
            "n": 0,
            "checksum": "",
            "load": {"rates": [100, 200, 400], "seconds_per_rate": 2.0, "warmup_s": 1.0, "connections": 4, "bound_ms": 10.0},
        },
        "default": {
            "n": 0,
            "checksum": "",
            "load": {"rates": [250, 500, 1000, 2000], "seconds_per_rate": 4.0, "warmup_s": 2.0, "connections": 8, "bound_ms": 10.0},
        },
    },
}

SKUS = 50
CATALOGUE = {}
for _i in range(SKUS):
    CATALOGUE["SKU-%02d" % _i] = ("Item %d" % _i, 199 + (_i * 733) % 5000)

SUMMARY = "Order %d for %s: %d lines, %d.%02d EUR"

REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 422: "Unprocessable Entity"}


class Reject(Exception):
    pass


def _order(body, tally):
    order = json.loads(body)
    if not isinstance(order, dict):
        raise Reject("an order is a JSON object")
    seq = order.get("seq")
    customer = order.get("customer")
    items = order.get("items")
    if not isinstance(customer, str) or not customer:
        raise Reject("customer must be a non-empty string")
    if not isinstance(items, list) or not 1 <= len(items) <= 20:
        raise Reject("items must be a list of 1..20 lines")
    total = 0
    for item in items:
        sku = item.get("sku")
        qty = item.get("qty")
        entry = CATALOGUE.get(sku)
        if entry is None:
            raise Reject("unknown sku: %s" % sku)
        if not isinstance(qty, int) or not 1 <= qty <= 99:
            tally[3] += 1
            return 422, {"seq": seq, "error": "qty must be 1..99"}
        total += qty * entry[1]
    tally[1] += 1
    summary = SUMMARY % (seq, customer, len(items), total // 100, total % 100)
    return 200, {"seq": seq, "customer": customer, "lines": len(items), "total_cents": total, "summary": summary}


def _route(method, path, body, tally):
    """(status, answer dict, stop?) for one request."""
    tally[0] += 1
    if method == "POST" and path == "/orders":
        try:
            status, answer = _order(body, tally)
        except (Reject, ValueError, AttributeError) as e:
            tally[3] += 1
            return 400, {"error": str(e)}, False
        return status, answer, False
    if method == "GET" and path.startswith("/items/"):
        sku = path[7:]
        entry = CATALOGUE.get(sku)
        if entry is None:
            tally[3] += 1
            return 404, {"error": "no such item: %s" % sku}, False
        tally[2] += 1
        return 200, {"sku": sku, "name": entry[0], "price_cents": entry[1]}, False
    if method == "POST" and path == "/shutdown":
        return 200, {"bye": True}, True
    tally[3] += 1
    return 404, {"error": "no route for %s %s" % (method, path)}, False


def _answer(status, obj):
    body = json.dumps(obj).encode()
    head = "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n" % (
        status,
        REASONS.get(status, "Error"),
        len(body),
    )
    return head.encode() + body


def _send_all(sock, data):
    sent = 0
    while sent < len(data):
        sent += sock.send(data[sent:])


def _requests(buf):
    """Split complete requests off buf: ([(method, path, body)], rest)."""
    out = []
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return out, buf
        lines = buf[:end].decode().split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise ValueError("bad request line")
        length = 0
        for line in lines[1:]:
            colon = line.find(":")
            if colon > 0 and line[:colon].strip().lower() == "content-length":
                length = int(line[colon + 1 :].strip())
        if len(buf) < end + 4 + length:
            return out, buf
        out.append((parts[0], parts[1], buf[end + 4 : end + 4 + length]))
        buf = buf[end + 4 + length :]


def _nodelay(sock):
    if hasattr(socket, "IPPROTO_TCP") and hasattr(socket, "TCP_NODELAY"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def serve(port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if hasattr(socket, "SO_REUSEADDR"):
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    listener.listen(64)
    poller = select.poll()
    poller.register(listener, select.POLLIN)
    conns = {}  # key (fd and/or socket object) -> [socket, buffer]
    tally = [0, 0, 0, 0]  # handled, orders, lookups, rejected
    running = True
    while running:
        for event in poller.poll(1000):
            key = event[0]
            if key is listener or (hasattr(listener, "fileno") and key == listener.fileno()):
                sock = listener.accept()[0]
                _nodelay(sock)
                entry = [sock, b""]
                conns[sock] = entry
                if hasattr(sock, "fileno"):
                    conns[sock.fileno()] = entry
                poller.register(sock, select.POLLIN)
                continue
            entry = conns.get(key)
            if entry is None:
                continue
            sock = entry[0]
            data = sock.recv(16384) if event[1] & select.POLLIN else b""
            if not data:
                poller.unregister(sock)
                conns.pop(sock, None)
                if hasattr(sock, "fileno"):
                    conns.pop(sock.fileno(), None)
                sock.close()
                continue
            try:
                reqs, entry[1] = _requests(entry[1] + data)
            except ValueError:
                _send_all(sock, _answer(400, {"error": "bad request"}))
                entry[1] = b""
                continue
            out = []
            for method, path, body in reqs:
                status, answer, stop = _route(method, path, body, tally)
                out.append(_answer(status, answer))
                if stop:
                    running = False
            if out:
                _send_all(sock, b"".join(out))
    for entry in list(conns.values()):
        try:
            entry[0].close()
        except OSError:
            pass
    listener.close()
    return "%d,%d,%d,%d" % (tally[0], tally[1], tally[2], tally[3])
