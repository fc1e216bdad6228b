# CLI tool: a short-lived process, timed whole, as a user waits for a command-line tool.
#
# bench-runner runs this file as a script (`INTERPRETER cli_tool.py N`), many times; the sample
# is the whole process's wall time (start, imports, work, exit) and the checksum is what it
# prints. It does what a small log tool does: parse its arguments, write N access-log lines to
# a file in /tmp, read them back, match each with a regular expression, count requests per
# status and bytes per path, and print the summary as JSON.
#
# Imports: argparse, json, re and pathlib on CPython and PyPy. MicroPython's Unix port (as
# Debian ships it) has json and re but no argparse and no pathlib (they live in micropython-lib,
# which is not installed): there the arguments are read from sys.argv and the file through
# open(), so MicroPython imports less, which is part of what a user of it waits for.
import sys
import json
import re

try:
    import argparse
except ImportError:
    argparse = None
try:
    import pathlib
except ImportError:
    pathlib = None
import os

META = {
    "category": "cli",
    "description": "A command-line tool run as a whole process: parse arguments, write n log lines to /tmp, match them with a regular expression, print a JSON summary. It imports argparse, json, re and pathlib; MicroPython has no argparse or pathlib, so there it reads sys.argv and uses open().",
    "kind": "process",
    "sizes": {
        "quick": {"n": 1000, "checksum": "[[\"lines\",1000],[\"unparsed\",0],[\"status\",[[200,502],[201,125],[304,124],[404,137],[500,112]]],[\"top_paths\",[[\"/api/items\",1404121],[\"/cart\",1268287],[\"/login\",1215119]]]]"},
        "default": {"n": 2000, "checksum": "[[\"lines\",2000],[\"unparsed\",0],[\"status\",[[200,996],[201,251],[304,254],[404,266],[500,233]]],[\"top_paths\",[[\"/api/items\",2670718],[\"/cart\",2588235],[\"/api/items/42\",2406560]]]]"},
    },
}

PATHS = ["/", "/login", "/api/items", "/api/items/42", "/static/app.js", "/search", "/cart"]
METHODS = ["GET", "GET", "GET", "POST", "GET", "PUT"]
STATUSES = [200, 200, 200, 200, 304, 404, 500, 201]
LINE = re.compile(r"^(\d+) ([A-Z]+) (/\S*) (\d+) (\d+)$")


def _arguments(argv):
    # -> (lines, top)
    if argparse is not None:
        p = argparse.ArgumentParser(prog="cli_tool", description="Summarise an access log.")
        p.add_argument("lines", type=int, help="log lines to generate and summarise")
        p.add_argument("--top", type=int, default=3, help="paths to list by bytes")
        a = p.parse_args(argv)
        return a.lines, a.top
    lines = None
    top = 3
    i = 0
    while i < len(argv):
        if argv[i] == "--top":
            top = int(argv[i + 1])
            i += 1
        else:
            lines = int(argv[i])
        i += 1
    if lines is None:
        raise SystemExit("usage: cli_tool LINES [--top K]")
    return lines, top


def _log(n):
    seed = 4242
    out = []
    for i in range(n):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        r = seed >> 7
        out.append(
            "%d %s %s %d %d\n"
            % (
                1764547200 + i,
                METHODS[r % len(METHODS)],
                PATHS[(r >> 3) % len(PATHS)],
                STATUSES[(r >> 6) % len(STATUSES)],
                (r >> 9) % 20000,
            )
        )
    return "".join(out)


def _write_read(path, text):
    if pathlib is not None:
        p = pathlib.Path(path)
        p.write_text(text)
        back = p.read_text()
        p.unlink()
        return back
    f = open(path, "w")
    f.write(text)
    f.close()
    f = open(path, "r")
    back = f.read()
    f.close()
    os.remove(path)
    return back


def main(argv):
    lines, top = _arguments(argv)
    tag = "%d" % os.getpid() if hasattr(os, "getpid") else "x"
    text = _write_read("/tmp/whichpy-cli_tool-%s.log" % tag, _log(lines))
    statuses = {}
    paths = {}
    bad = 0
    for line in text.split("\n"):
        if not line:
            continue
        m = LINE.match(line)
        if m is None:
            bad += 1
            continue
        status = int(m.group(4))
        statuses[status] = statuses.get(status, 0) + 1
        path = m.group(3)
        paths[path] = paths.get(path, 0) + int(m.group(5))
    # Sorted, as lists: dict order (and json.dumps's key order) differs between interpreters.
    by_status = [[s, statuses[s]] for s in sorted(statuses)]
    ranked = sorted([[-b, p] for p, b in paths.items()])[:top]
    summary = [
        ["lines", lines],
        ["unparsed", bad],
        ["status", by_status],
        ["top_paths", [[p, -b] for b, p in ranked]],
    ]
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main(sys.argv[1:])
