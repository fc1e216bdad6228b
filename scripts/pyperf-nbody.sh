#!/usr/bin/env bash
# pyperf, with its defaults, on a workload inside whichpy's own images: the reference that
# whichpy's figures are checked against (issue "Trustworthy numbers in a fixed time").
#
#   scripts/pyperf-nbody.sh OUT_DIR [WORKLOAD] [N]
#
# For each of the default set's CPython and PyPy images it runs `python -m pyperf` in the same
# sandbox as a whichpy cell (no network, read-only root, user 65534, no capabilities, the same
# /usr volumes), timing WORKLOAD's run() at size N (default: nbody at its default size), and
# writes OUT_DIR/<interp>.json plus OUT_DIR/<interp>.seconds (machine time of the pyperf run).
# pyperf comes from the venv `cargo xtask doctor --install` makes (.cache/stats-venv).
# Compare with: python3 scripts/pyperf-compare.py OUT_DIR results/summary.json
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/pyperf-nbody.sh OUT_DIR [WORKLOAD] [N]}
workload=${2:-nbody}
n=${3:-$(python3 -c "import json;print([w for w in json.load(open('bench-runner/workloads/suite.json'))['workloads'] if w['name']=='$workload'][0]['sizes']['default']['n'])")}
pyperf_dir=$(find .cache/stats-venv/lib -maxdepth 3 -type d -path '*/site-packages/pyperf' 2>/dev/null | sort | head -n1)
[ -d "$pyperf_dir" ] || { echo "no pyperf in .cache/stats-venv: run cargo xtask doctor --install" >&2; exit 1; }
mkdir -p "$out"; chmod 777 "$out"; out=$(cd "$out" && pwd)
cat > "$out/bench_$workload.py" <<PY
import sys
sys.path.insert(0, "/workloads")
import pyperf
import $workload as w
runner = pyperf.Runner()
state = w.setup($n)
runner.bench_func("$workload", w.run, state)
PY
cpus=$(nproc); cpu=$((cpus - 1))
for image_exe in "whichpy-trixie-python3.13 python3.13 cpython-3.13" "whichpy-trixie-pypy3 pypy3 pypy-7.3"; do
    read -r repo exe id <<<"$image_exe"
    image=$(docker images --format '{{.Repository}}:{{.Tag}}' "$repo" | head -1)
    [ -n "$image" ] || { echo "no image $repo: run cargo xtask images" >&2; exit 1; }
    digest=$(docker image inspect --format '{{index .RootFS.Layers 0}}' "$image" | sed 's/sha256://' | cut -c1-16)
    vols=()
    for d in bin lib; do
        v=whichpy-usr$d-$digest
        if docker volume inspect "$v" >/dev/null 2>&1; then vols+=(-v "$v:/usr/$d:ro"); fi
    done
    start=$(date +%s.%N)
    docker run --rm --network none --read-only --tmpfs /tmp:rw,nosuid,nodev \
        --user 65534:65534 --cap-drop ALL --security-opt no-new-privileges \
        --cpuset-cpus "$cpu" --memory 2g --memory-swap 2g --pids-limit 256 "${vols[@]}" \
        -v "$PWD/$pyperf_dir:/pyperf/pyperf:ro" -v "$PWD/bench-runner/workloads:/workloads:ro" \
        -v "$out:/out" -e PYTHONPATH=/pyperf -e PYTHONHASHSEED=0 -w /tmp "$image" \
        "$exe" "/out/bench_$workload.py" --quiet -o "/out/$id.json"
    end=$(date +%s.%N)
    python3 -c "print($end - $start)" > "$out/$id.seconds"
    echo "$id: $(cat "$out/$id.seconds") s"
done
