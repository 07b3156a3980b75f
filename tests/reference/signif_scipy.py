#!/usr/bin/python3
"""Writes tests/fixtures/signif_scipy.csv: inputs and SciPy 1.10's answers for eval/signif.c.

Run with Debian's python3-scipy (`/usr/bin/python3 tests/reference/signif_scipy.py`). Each line:
  name;kind;x;y;statistic;p        kind: ttest | wilcoxon   (x, y: comma-separated)
  name;spread;x;;mean,sd;ci95      mean, sample sd and the 95% CI half-width t(.975,n-1)*sd/sqrt(n)
Values are written with repr(), so they read back exactly.
"""
import os
import numpy as np
from scipy import stats

rng = np.random.RandomState(20261201)
rows = []


def vec(a):
    return ",".join(repr(float(v)) for v in a)


def rr_like(n, p_hit, shift):
    """Reciprocal ranks as an evaluation writes them: 0 (miss) or 1/rank, rank 1..20."""
    hit = rng.rand(n) < p_hit
    rank = np.minimum(20, 1 + rng.geometric(0.35 + shift, n) - 1 + 0)
    return np.where(hit, 1.0 / np.maximum(rank, 1), 0.0)


def add_pair(name, x, y):
    t = stats.ttest_rel(x, y)
    rows.append(f"{name};ttest;{vec(x)};{vec(y)};{t.statistic!r};{t.pvalue!r}")
    w = stats.wilcoxon(x, y)  # zero_method="wilcox", correction=False, method="auto"
    rows.append(f"{name};wilcoxon;{vec(x)};{vec(y)};{float(w.statistic)!r};{float(w.pvalue)!r}")


# Continuous, small: Wilcoxon's exact table (no zeros, no ties, n <= 50).
for n in (6, 12, 25, 50):
    x = rng.normal(0.30, 0.1, n)
    y = x - rng.normal(0.02, 0.05, n)
    add_pair(f"normal-{n}", x, y)
# Continuous, large: the normal approximation.
x = rng.normal(0.3, 0.1, 300)
add_pair("normal-300", x, x - rng.normal(0.005, 0.05, 300))
# Per-session reciprocal ranks of two algorithms on the same predictions: many zeros and ties.
for n, shift in ((60, 0.0), (800, 0.05), (4000, 0.02)):
    a = rr_like(n, 0.55, 0.0)
    b = np.where(rng.rand(n) < 0.7, a, rr_like(n, 0.5, shift))
    add_pair(f"rr-{n}", a, b)
# Hit@20 indicators (0/1): ties everywhere.
a = (rng.rand(1000) < 0.6).astype(float)
b = np.where(rng.rand(1000) < 0.8, a, (rng.rand(1000) < 0.5).astype(float))
add_pair("hit-1000", a, b)

# Spread over slices.
for n in (2, 3, 5, 10):
    x = rng.normal(0.35, 0.02, n)
    sd = np.std(x, ddof=1)
    ci = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
    rows.append(f"slices-{n};spread;{vec(x)};;{float(np.mean(x))!r},{float(sd)!r};{float(ci)!r}")

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "signif_scipy.csv")
with open(out, "w") as f:
    f.write("# written by tests/reference/signif_scipy.py with SciPy %s; do not edit\n" % __import__("scipy").__version__)
    for r in rows:
        f.write(r + "\n")
print(f"{len(rows)} cases -> {os.path.normpath(out)}")
