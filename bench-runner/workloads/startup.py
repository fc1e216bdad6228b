# Startup: the cost of starting the interpreter and running nothing.
#
# bench-runner does not import this module to measure startup: it times whole processes of
# `INTERPRETER -c pass`, many of them. This file only carries the metadata, like every workload.
META = {
    "category": "startup",
    "description": "Start the interpreter, run an empty program, exit.",
    "kind": "startup",
    "sizes": {"quick": {"n": 0, "checksum": ""}, "default": {"n": 0, "checksum": ""}},
}


def setup(n):
    return None


def run(state):
    return ""
