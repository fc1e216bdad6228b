"""Reference values for whichpy-stats, computed independently with scipy, numpy and ruptures.

How the values were made
------------------------
Run from the repository root:

    python3 -m venv .cache/stats-venv
    .cache/stats-venv/bin/pip install scipy numpy ruptures
    .cache/stats-venv/bin/python crates/stats/tests/reference/make_reference.py

It writes ``crates/stats/tests/reference/reference.json`` (committed), which the Rust test
``tests/reference.rs`` compares against. Every input is generated here from fixed numpy seeds
and written into the JSON, so the Rust side never regenerates data: it reads the inputs and
compares its outputs with the values below.

- ``t_quantiles``: ``scipy.stats.t.ppf(0.975, df)``, the two-sided 95% Student's t critical
  value.
- ``samples``: for each sample, ``numpy.mean``, ``numpy.std(ddof=1)``, ``numpy.median``,
  ``numpy.quantile(method="linear")`` (Hyndman & Fan type 7) at a few levels,
  ``scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=scipy.stats.sem(x))`` and the relative
  half-width of that interval, and ``scipy.stats.gmean``.
- ``pelt``: changepoints of constructed series by ``ruptures.Pelt(model="l2", min_size=m,
  jump=1)`` with a given penalty. ruptures returns segment ends with ``n`` last; we drop it.
  Exact PELT optimises the same objective, so the total penalised cost is what is compared
  (the changepoints too, where the optimum is unique).
- ``warmup``: constructed series (a level per segment plus Gaussian noise of 1% of the level)
  with the class they were built to have: flat, a step down (warmup), a step up (slowdown),
  a series still moving at its end (no_steady_state), and stationary two-mode noise with and
  without a warm-up in front. The expected class is the construction, not a library's
  output.
- ``bootstrap``: a two-level percentile bootstrap (Kalibera & Jones) of the ratio of two
  cells' means, written here with numpy's generator and 20,000 replicates. Random streams
  differ from the Rust ChaCha streams, so the Rust test allows a tolerance.
"""

import json
import os

import numpy as np
import ruptures
import scipy
import scipy.stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference.json")


def t_quantiles():
    return [{"df": df, "q975": float(scipy.stats.t.ppf(0.975, df))}
            for df in [1, 2, 3, 4, 5, 9, 19, 29, 99]]


def describe(name, x):
    x = np.asarray(x, dtype=float)
    n = len(x)
    mean = float(np.mean(x))
    sd = float(np.std(x, ddof=1))
    low, high = scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=scipy.stats.sem(x))
    return {
        "name": name,
        "x": x.tolist(),
        "mean": mean,
        "std_dev": sd,
        "median": float(np.median(x)),
        "quantiles": {str(q): float(np.quantile(x, q, method="linear"))
                      for q in (0.1, 0.25, 0.75, 0.9)},
        "t_low": float(low),
        "t_high": float(high),
        "relative_half_width": float((high - low) / 2 / abs(mean)),
        "gmean": float(scipy.stats.gmean(x)),
    }


def samples():
    rng = np.random.default_rng(20170101)
    return [
        describe("five_small", [10.1, 9.8, 10.4, 10.0, 9.9]),
        describe("two", [3.0, 5.0]),
        describe("normal_20", rng.normal(100.0, 5.0, 20)),
        describe("lognormal_12", rng.lognormal(3.0, 0.4, 12)),
        describe("timings_ns_8", np.round(rng.normal(7.0e6, 4.0e5, 8))),
    ]


def pelt_cases():
    rng = np.random.default_rng(4)
    cases = []
    specs = [
        ("one_step", [(15, 10.0), (25, 5.0)], 0.5, 4.0, 1),
        ("two_steps", [(5, 30.0), (20, 10.0), (15, 14.0)], 1.0, 10.0, 1),
        ("first_point", [(1, 50.0), (19, 10.0)], 0.5, 3.0, 1),
        ("noisy_flat", [(40, 10.0)], 1.0, 15.0 * np.log(40), 1),
        ("min_size_2", [(6, 8.0), (3, 2.0), (11, 8.0)], 0.3, 2.0, 2),
        ("many", [(10, 1.0), (10, 3.0), (10, 2.0), (10, 6.0), (10, 5.0)], 0.4, 2.0, 1),
    ]
    for name, levels, sd, pen, min_size in specs:
        x = np.concatenate([lvl + sd * rng.standard_normal(k) for k, lvl in levels])
        algo = ruptures.Pelt(model="l2", min_size=min_size, jump=1).fit(x)
        bkps = algo.predict(pen=pen)[:-1]
        cost = ruptures.costs.CostL2().fit(x)
        total = sum(cost.error(a, b) for a, b in zip([0] + bkps, bkps + [len(x)]))
        cases.append({
            "name": name,
            "x": x.tolist(),
            "penalty": float(pen),
            "min_size": min_size,
            "changepoints": [int(b) for b in bkps],
            "penalised_cost": float(total + pen * len(bkps)),
        })
    return cases


def warmup_cases():
    rng = np.random.default_rng(2017)

    def build(levels):
        return np.concatenate([lvl * (1 + 0.01 * rng.standard_normal(k)) for k, lvl in levels])

    specs = [
        ("flat", [(30, 1.0e7)], "flat", 0),
        ("step_down", [(4, 4.0e7), (26, 1.0e7)], "warmup", 4),
        ("first_iteration_only", [(1, 9.0e7), (29, 1.0e7)], "warmup", 1),
        ("step_up", [(15, 1.0e7), (15, 1.6e7)], "slowdown", 15),
        ("down_then_up", [(3, 3.0e7), (10, 1.0e7), (17, 1.5e7)], "slowdown", 13),
        ("still_moving", [(8, 5.0e7), (8, 4.0e7), (8, 3.0e7), (6, 2.0e7), (2, 1.0e7)],
         "no_steady_state", None),
    ]
    cases = [{"name": name, "x": np.round(build(levels)).tolist(), "class": cls,
              "steady_start": start}
             for name, levels, cls, start in specs]

    # A busy machine: each iteration independently at 7 ms (70%) or 11 ms (30%).
    def bimodal(k):
        modes = np.where(rng.random(k) < 0.3, 1.1e7, 0.7e7)
        return modes * (1 + 0.01 * rng.standard_normal(k))

    cases.append({"name": "bimodal_noise", "x": np.round(bimodal(40)).tolist(),
                  "class": "flat", "steady_start": 0})
    cases.append({"name": "warmup_in_bimodal_noise",
                  "x": np.round(np.concatenate([[4.0e7, 3.5e7, 3.0e7], bimodal(37)])).tolist(),
                  "class": "warmup", "steady_start": 3})
    return cases


def two_level(rng, procs, b):
    reps = np.empty(b)
    p = len(procs)
    for i in range(b):
        pick = rng.integers(0, p, p)
        total = 0.0
        for j in pick:
            xs = procs[j]
            total += xs[rng.integers(0, len(xs), len(xs))].mean()
        reps[i] = total / p
    return reps


def bootstrap_cases():
    rng = np.random.default_rng(13)
    b = 20000
    cases = []
    for name, num_level, den_level in [("half", 50.0, 100.0), ("same", 100.0, 100.0)]:
        num = [num_level * (1 + 0.05 * rng.standard_normal()) * (1 + 0.03 * rng.standard_normal(15))
               for _ in range(6)]
        den = [den_level * (1 + 0.05 * rng.standard_normal()) * (1 + 0.03 * rng.standard_normal(15))
               for _ in range(6)]
        ratio = two_level(rng, num, b) / two_level(rng, den, b)
        low, high = np.quantile(ratio, [0.025, 0.975], method="linear")
        cases.append({
            "name": name,
            "num": [x.tolist() for x in num],
            "den": [x.tolist() for x in den],
            "ratio": float(np.mean([x.mean() for x in num]) / np.mean([x.mean() for x in den])),
            "low": float(low),
            "high": float(high),
            "resamples": b,
        })
    return cases


def main():
    ref = {
        "generated_by": "crates/stats/tests/reference/make_reference.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                     "ruptures": ruptures.__version__},
        "t_quantiles": t_quantiles(),
        "samples": samples(),
        "pelt": pelt_cases(),
        "warmup": warmup_cases(),
        "bootstrap": bootstrap_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
