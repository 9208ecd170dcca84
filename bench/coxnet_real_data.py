#!/usr/bin/env python3
"""Reference run for `gliofuse survival table --model coxnet` on real data (issue 8).

Same split (the split.csv written by gliofuse), same preprocessing (z-score with the training
mean and population std), scikit-survival `CoxnetSurvivalAnalysis` with its defaults
(l1_ratio 0.5 unless given, 100 alphas, alpha_min_ratio "auto", tol 1e-7) fitted on the training
patients; the alpha with the highest validation Harrell C (lifelines
`concordance_index(time, -risk, event)`; the largest alpha on ties) is evaluated on the test
patients. Prints one JSON object; with --gliofuse-metrics it also compares with gliofuse's
metrics.json (exit 1 when the test C-indices differ by more than 0.01).

    python bench/coxnet_real_data.py --data DLBCL.csv --split OUT/split.csv \
        --gliofuse-metrics OUT/metrics.json [--repeats 5]

Timing: median over --repeats of the fit alone (the path), to compare with gliofuse's
`fit_seconds` (also the path alone; see docs/benchmarks.md).
"""
import argparse
import json
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd
import sksurv
from lifelines.utils import concordance_index
from sksurv.linear_model import CoxnetSurvivalAnalysis
from sksurv.util import Surv

warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", required=True)
    ap.add_argument("--l1-ratio", type=float, default=0.5)
    ap.add_argument("--gliofuse-metrics")
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()

    df = pd.read_csv(a.data)
    sp = pd.read_csv(a.split)
    side = df["pid"].astype(str).map(dict(zip(sp["pid"].astype(str), sp["split"])))
    assert side.notna().all(), "every pid must be in the split file"
    feats = [c for c in df.columns if c not in ("pid", "time", "event")]
    X = df[feats].to_numpy(float)
    t = df["time"].to_numpy(float)
    e = df["event"].to_numpy(int).astype(bool)
    tr, va, te = (side == "train").to_numpy(), (side == "val").to_numpy(), (side == "test").to_numpy()
    mean = X[tr].mean(0)
    sd = X[tr].std(0)
    sd[sd <= 1e-12 * np.maximum(np.abs(mean), 1.0)] = np.inf  # constant on train -> 0
    Z = (X - mean) / sd

    times = []
    for _ in range(max(1, a.repeats)):
        t0 = time.perf_counter()
        m = CoxnetSurvivalAnalysis(l1_ratio=a.l1_ratio).fit(Z[tr], Surv.from_arrays(e[tr], t[tr]))
        times.append(time.perf_counter() - t0)
    risk = Z @ m.coef_  # n x n_alphas
    cval = [concordance_index(t[va], -risk[va, k], e[va]) for k in range(len(m.alphas_))]
    k = int(np.argmax(cval))
    out = {
        "scikit-survival": sksurv.__version__,
        "n_train": int(tr.sum()), "n_val": int(va.sum()), "n_test": int(te.sum()),
        "alphas_fitted": len(m.alphas_),
        "alpha": float(m.alphas_[k]), "alpha_index": k,
        "n_nonzero": int(np.count_nonzero(m.coef_[:, k])),
        "c_index_val": cval[k],
        "c_index_test": concordance_index(t[te], -risk[te, k], e[te]),
        "c_index_train": concordance_index(t[tr], -risk[tr, k], e[tr]),
        "fit_seconds_median": statistics.median(times),
        "fit_seconds_all": times,
    }
    status = 0
    if a.gliofuse_metrics:
        g = json.load(open(a.gliofuse_metrics))
        out["gliofuse"] = {
            "alpha": g["hyperparameters"]["alpha"], "alpha_index": g["hyperparameters"]["alpha_index"],
            "n_nonzero": g["n_nonzero"], "c_index_val": g["c_index_val"], "c_index_test": g["c_index_test"],
            "fit_seconds": g["fit_seconds"],
        }
        out["abs_diff_c_index_test"] = abs(g["c_index_test"] - out["c_index_test"])
        coef_csv = a.gliofuse_metrics.replace("metrics.json", "coefficients.csv")
        gc = pd.read_csv(coef_csv)
        if list(gc["feature"]) == feats and g["hyperparameters"]["alpha_index"] == k:
            # same features (no one-hot) and same alpha: compare the coefficient vectors
            out["max_abs_coef_diff"] = float(np.max(np.abs(gc["coefficient"].to_numpy() - m.coef_[:, k])))
        status = 0 if out["abs_diff_c_index_test"] <= 0.01 else 1
    print(json.dumps(out, indent=1))
    sys.exit(status)


if __name__ == "__main__":
    main()
