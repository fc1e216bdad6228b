#!/usr/bin/env bash
# Run every workload through the harness on every interpreter found, and compare what run()
# returns with the checksum recorded in bench-runner/workloads/suite.json.
#
#   scripts/verify-workloads.sh                      quick size, interpreters found on PATH
#   scripts/verify-workloads.sh --default            default size (slow on MicroPython)
#   scripts/verify-workloads.sh --tiny               the micro:bit's size (workloads that have one)
#   scripts/verify-workloads.sh python3.13 pypy3     only these interpreters
#   WORKLOADS="nbody richards" scripts/verify-workloads.sh
#
# Interpreters searched when none are given: python3, pypy3, micropython on PATH, and
# .cache/mp-venv/bin/micropython. A workload that declares an interpreter family unsupported
# is run anyway and must fail there (the reason is published, so it has to be true).
# Reads suite.json with $PYTHON, else the first of python3, python3.13, ..., pypy3 found.
# Exit status 1 if anything did not match.
set -u
cd "$(dirname "$0")/.." || exit 1

SIZE=quick
ITERATIONS=${ITERATIONS:-2}
interps=()
for arg in "$@"; do
    case "$arg" in
        --default) SIZE=default ;;
        --quick) SIZE=quick ;;
        --tiny) SIZE=tiny ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) interps+=("$arg") ;;
    esac
done
if [ ${#interps[@]} -eq 0 ]; then
    for name in python3 pypy3 micropython; do
        if command -v "$name" >/dev/null 2>&1; then interps+=("$(command -v "$name")"); fi
    done
    if [ -x .cache/mp-venv/bin/micropython ]; then interps+=(.cache/mp-venv/bin/micropython); fi
fi

PY=${PYTHON:-}
if [ -z "$PY" ]; then
    for name in python3 python3.14 python3.13 python3.12 python3.11 python3.10 python3.9 pypy3; do
        if command -v "$name" >/dev/null 2>&1; then PY=$name; break; fi
    done
fi

HARNESS=bench-runner/harness/harness.py
DIR=bench-runner/workloads
SUITE=$DIR/suite.json

# One line per workload and family: NAME N CHECKSUM UNSUPPORTED_FAMILIES(comma-separated or -)
plan=$("$PY" - "$SUITE" "$SIZE" <<'EOF'
import json, sys
suite = json.load(open(sys.argv[1]))
for w in suite["workloads"]:
    if w["kind"] != "iterations":
        continue
    s = w["sizes"].get(sys.argv[2])
    if s is None:
        continue
    print(w["name"], s["n"], s["checksum"] or "-", ",".join(sorted(w.get("unsupported", {}))) or "-")
EOF
) || { echo "cannot read $SUITE"; exit 1; }

failures=0
for interp in "${interps[@]}"; do
    family=$("$interp" "$HARNESS" --identify 2>/dev/null | sed -n 's/.*"name": "\([a-z]*\)".*/\1/p')
    if [ -z "$family" ]; then
        echo "?? $interp: cannot run the harness"; failures=$((failures + 1)); continue
    fi
    echo "== $interp ($family, $SIZE size)"
    while read -r name n checksum unsupported; do
        if [ -n "${WORKLOADS:-}" ] && [[ " $WORKLOADS " != *" $name "* ]]; then continue; fi
        out=$("$interp" "$HARNESS" "$DIR" "$name" "$n" "$ITERATIONS" 2>&1)
        status=$?
        # The harness prints each result as a JSON string; checksums hold no quote or
        # backslash, so dropping the surrounding quotes decodes it.
        results=$(printf '%s\n' "$out" | sed -n 's/^@whichpy result "\(.*\)"$/\1/p')
        ms=$(printf '%s\n' "$out" | awk '/^@whichpy iter/ {printf "%s%.1f", sep, $4 / 1e6; sep = " "}')
        if [[ ",$unsupported," == *",$family,"* ]]; then
            if [ $status -ne 0 ] || [ -z "$results" ]; then
                printf '   %-16s unsupported, fails as declared: %s\n' "$name" \
                    "$(printf '%s\n' "$out" | grep -v '^@whichpy' | tail -1)"
            else
                printf 'XX %-16s declared unsupported but ran: %s\n' "$name" "$results"
                failures=$((failures + 1))
            fi
        elif [ $status -eq 0 ] && [ "$results" = "$checksum" ]; then
            printf 'ok %-16s n=%-7s ms/iteration: %s\n' "$name" "$n" "$ms"
        else
            printf 'XX %-16s n=%-7s exit %s, expected %s\n' "$name" "$n" "$status" "$checksum"
            printf '%s\n' "$out" | grep -v '^@whichpy i' | tail -4 | sed 's/^/      /'
            failures=$((failures + 1))
        fi
    done <<< "$plan"
done
if [ $failures -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all checksums match"
