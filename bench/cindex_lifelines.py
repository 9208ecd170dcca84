#!/usr/bin/env python3
"""Harrell's C for n = 100,000: lifelines vs gliofuse's `stats::concordance::harrell_c`.

    python bench/cindex_lifelines.py            # needs numpy + lifelines, and cargo

Builds the same data as crates/stats/benches/cindex.rs (a splitmix64 stream), times
`lifelines.utils.concordance_index(time, -risk, event)`, runs the Rust bench binary in the same
session (`cargo bench -p stats --bench cindex -- --json`), checks that both C values agree and
prints both medians and their ratio.
"""
import json
import statistics
import subprocess
import sys
import time

import numpy as np
import lifelines
from lifelines.utils import concordance_index

MASK = (1 << 64) - 1


def data(n):
    state = 20260521

    def nxt():
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    t = np.empty(n)
    e = np.empty(n, dtype=bool)
    r = np.empty(n)
    for i in range(n):
        tm = 1 + nxt() % 1000
        ev = nxt() % 10 < 7
        k = nxt() % 4000 + (1000 - tm)
        t[i], e[i], r[i] = tm, ev, k / 1000.0
    return t, e, r


def main():
    n, repeats = 100_000, 7
    t, e, r = data(n)
    c = concordance_index(t, -r, e)
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        concordance_index(t, -r, e)
        runs.append(time.perf_counter() - start)
    py_median = statistics.median(runs)
    print(f"lifelines {lifelines.__version__}: median {py_median * 1e3:.1f} ms, min {min(runs) * 1e3:.1f} ms over {repeats} runs; C = {c:.15f}")
    out = subprocess.run(["cargo", "bench", "-q", "-p", "stats", "--bench", "cindex", "--", "--json"],
                         check=True, capture_output=True, text=True).stdout
    rs = json.loads(out.strip().splitlines()[-1])
    print(f"gliofuse stats::harrell_c: median {rs['median_s'] * 1e3:.3f} ms, min {rs['min_s'] * 1e3:.3f} ms over {rs['repeats']} runs; C = {rs['c_index']:.15f}")
    if abs(rs["c_index"] - c) > 1e-12:
        sys.exit(f"C values differ: {rs['c_index']} vs {c}")
    print(f"ratio gliofuse / lifelines = {rs['median_s'] / py_median:.4f} (target < 0.5); speed-up x{py_median / rs['median_s']:.0f}")


if __name__ == "__main__":
    main()
