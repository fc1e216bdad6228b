#!/usr/bin/env python3
"""What a precision goal would cost on the machine a summary was measured on.

For each cell of a summary (default results/summary.json), the coefficient of variation of
its process means is recovered from its relative 95% half-width and process count
(cv = h * sqrt(n) / t(n-1)); the processes that would reach the goal (default ±2%) follow from
n = (t * cv / goal)^2, and their cost from the cell's mean wall time per process execution.
Prints the median cv, the median process count needed and the machine time it would take,
against what the run spent. Usage: scripts/precision-budget.py [SUMMARY] [GOAL]
"""
import json
import math
import sys
from statistics import median


def t975(df):
    """Student's t 0.975 quantile (Cornish-Fisher; within 0.1% for df >= 3)."""
    z = 1.959963985
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


path = sys.argv[1] if len(sys.argv) > 1 else "results/summary.json"
goal = float(sys.argv[2]) if len(sys.argv) > 2 else 0.02
summary = json.load(open(path))
rows = []
for c in summary["cells"]:
    n, h = c["processes_ok"], c.get("rel_half_width")
    if not h or n < 2 or not c.get("wall_ns"):
        continue
    cv = h * math.sqrt(n) / t975(n - 1)
    need = max(n, math.ceil((t975(max(n, 30) - 1) * cv / goal) ** 2))
    cost = c["wall_ns"]["mean"] / 1e9
    rows.append((n, h, cv, need, cost))
within = sum(1 for r in rows if r[1] <= goal)
print(f"{len(rows)} cells, {within} within ±{goal:.0%}; median half-width ±{median(r[1] for r in rows):.2%}")
print(f"cv of process means: median {median(r[2] for r in rows):.3f} (min {min(r[2] for r in rows):.3f}, max {max(r[2] for r in rows):.3f})")
need_s = sum(r[3] * r[4] for r in rows)
have_s = sum(r[0] * r[4] for r in rows)
print(f"processes for ±{goal:.0%}: median {median(r[3] for r in rows):.0f} per cell, {need_s / 60:.0f} min of process executions;")
print(f"the run had {sum(r[0] for r in rows)} processes taking {have_s / 60:.1f} min")
