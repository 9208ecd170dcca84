#!/usr/bin/env python3
"""Generate the Cox partial-likelihood and coxnet parity fixtures of the `stats` crate.

Run by hand (CI has no Python):

    python -m venv venv && venv/bin/pip install numpy pandas lifelines scikit-survival
    venv/bin/python tools/reference/make_cox_fixtures.py

Writes crates/stats/tests/fixtures/cox.json and coxnet.json (library versions recorded).

cox.json: per case the times, events and log-risks eta, and the event-averaged negative partial
log-likelihood  L = -loglik / E  with Breslow and Efron ties, plus its gradient d L / d eta.
- Efron: lifelines `SemiParametricPHFitter._get_efron_values_single` (the routine CoxPHFitter fits
  with, `CoxPHFitter(baseline_estimation_method="breslow")` delegates to it)
  on the design X = I_n at beta = eta, so that X beta = eta and the gradient with respect to
  beta is the gradient with respect to eta.
- Breslow (and Efron again, as a cross-check): scikit-survival `CoxPHOptimizer` on the same
  design (`nlog_likelihood` is -loglik / n, `update` gives its gradient).
The script asserts that the two libraries agree on Efron before writing.
These values are meant for the Burn Cox loss too (risk vectors, times, events, both tie methods).

coxnet.json: scikit-survival `CoxnetSurvivalAnalysis` paths on small random data sets (ties in
time). Features are z-scored (population std) before fitting and the coefficients divided by
the std, i.e. the path is on the original scale, as `stats::coxnet` reports it with
`standardize = true`. A tight tolerance (1e-14) makes both solvers reach the exact optimum of
each alpha, so the comparison measures the optimum, not the stopping rule.
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import lifelines
import sksurv
from lifelines.fitters.coxph_fitter import SemiParametricPHFitter
from sksurv.linear_model import CoxnetSurvivalAnalysis
from sksurv.linear_model.coxph import CoxPHOptimizer
from sksurv.util import Surv

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "stats", "tests", "fixtures")
RNG = np.random.default_rng(20261121)
VERSIONS = {
    "python": sys.version.split()[0],
    "numpy": np.__version__,
    "pandas": pd.__version__,
    "lifelines": lifelines.__version__,
    "scikit-survival": sksurv.__version__,
}


def fl(a):
    return [float(v) for v in np.asarray(a).ravel()]


def write(name, payload):
    payload = {"generator": "tools/reference/make_cox_fixtures.py", "versions": VERSIONS, **payload}
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
    print(f"{path}: {os.path.getsize(path)} bytes")


# ---------------------------------------------------------------- Cox partial likelihood
def lifelines_efron(time, event, eta):
    n = len(time)
    o = np.argsort(time, kind="mergesort")
    X = pd.DataFrame(np.eye(n)[o])
    T = pd.Series(time[o])
    E = pd.Series(event[o].astype(int))
    W = pd.Series(np.ones(n))
    _, grad, loglik = SemiParametricPHFitter()._get_efron_values_single(X, T, E, W, None, eta)
    return float(loglik), np.asarray(grad, dtype=float)  # gradient of loglik w.r.t. eta


def sksurv_cox(time, event, eta, ties):
    n = len(time)
    opt = CoxPHOptimizer(np.eye(n), event.astype(bool), time, np.zeros(n), ties)
    nll = opt.nlog_likelihood(eta)  # -loglik / n
    opt.update(eta)
    grad = np.asarray(opt.gradient, dtype=float).ravel()  # d(-loglik / n)/d eta
    return -nll * n, -grad * n


def cox_case(n, t_decimals, p_event, eta_scale, eta_shift=0.0):
    time = np.round(RNG.exponential(3.0, n), t_decimals) + 0.1
    event = RNG.random(n) < p_event
    if not event.any():
        event[0] = True
    eta = np.round(RNG.normal(0, eta_scale, n), 3) + eta_shift
    ll_e, g_e = lifelines_efron(time, event, eta)
    ll_e2, g_e2 = sksurv_cox(time, event, eta, "efron")
    ll_b, g_b = sksurv_cox(time, event, eta, "breslow")
    assert abs(ll_e - ll_e2) < 1e-9 * max(1, abs(ll_e)), (ll_e, ll_e2)
    assert np.allclose(g_e, g_e2, atol=1e-9), (g_e, g_e2)
    n_ev = int(event.sum())
    return {
        "time": fl(time),
        "event": [bool(v) for v in event],
        "eta": fl(eta),
        "n_events": n_ev,
        "loss_breslow": -ll_b / n_ev,
        "loss_efron": -ll_e / n_ev,
        "grad_breslow": fl(-g_b / n_ev),
        "grad_efron": fl(-g_e / n_ev),
        "loglik_breslow": ll_b,
        "loglik_efron": ll_e,
    }


def make_cox():
    cases = []
    for n in [2, 3, 5, 8, 12, 20, 35, 50]:
        for t_dec in [0, 1]:
            cases.append(cox_case(n, t_dec, 0.6, 1.0))
    cases.append(cox_case(30, 0, 0.9, 0.5))  # heavy ties
    cases.append(cox_case(30, 0, 0.3, 2.0))
    cases.append(cox_case(25, 1, 0.7, 1.0, eta_shift=50.0))  # large log-risks: needs the max shift
    write(
        "cox.json",
        {
            "description": "event-averaged negative Cox partial log-likelihood L = -loglik/E and dL/deta; Efron from lifelines, Breslow from scikit-survival",
            "cases": cases,
        },
    )


# ---------------------------------------------------------------- coxnet
def coxnet_case(n, p, l1_ratio, t_decimals, n_alphas=30, alpha_min_ratio=None, standardize=True):
    X = np.round(RNG.normal(0, 1, (n, p)) * RNG.uniform(0.5, 3.0, p) + RNG.normal(0, 2, p), 3)
    beta = np.zeros(p)
    beta[: min(3, p)] = [1.0, -0.8, 0.5][: min(3, p)]
    haz = np.exp((X - X.mean(0)) / X.std(0) @ beta)
    t_ev = RNG.exponential(1.0 / haz)
    t_cens = RNG.exponential(1.5, n)
    time = np.round(np.minimum(t_ev, t_cens) * 10, t_decimals) + 0.1
    event = t_ev <= t_cens
    if standardize:
        mean, sd = X.mean(0), X.std(0)
        Xs = (X - mean) / sd
    else:
        sd = np.ones(p)
        Xs = X
    kw = dict(l1_ratio=l1_ratio, n_alphas=n_alphas, tol=1e-14, max_iter=10_000_000)
    if alpha_min_ratio is not None:
        kw["alpha_min_ratio"] = alpha_min_ratio
    m = CoxnetSurvivalAnalysis(**kw).fit(Xs, Surv.from_arrays(event, time))
    coef = (m.coef_ / sd[:, None]).T  # n_alphas x p, original scale
    return {
        "n": n,
        "p": p,
        "x": fl(X),
        "time": fl(time),
        "event": [bool(v) for v in event],
        "l1_ratio": l1_ratio,
        "n_alphas": n_alphas,
        "alpha_min_ratio": None if alpha_min_ratio is None else alpha_min_ratio,
        "alpha_min_ratio_used": float(m.alpha_min_ratio_),
        "standardize": standardize,
        "alphas": fl(m.alphas_),
        "coef": [fl(c) for c in coef],
        "deviance_ratio": fl(m.deviance_ratio_),
    }


def make_coxnet():
    cases = [
        coxnet_case(60, 5, 0.5, 1),
        coxnet_case(60, 5, 1.0, 0),
        coxnet_case(40, 60, 0.5, 1),  # p > n: alpha_min_ratio auto = 0.01
        coxnet_case(40, 60, 0.9, 0),
        coxnet_case(80, 12, 0.2, 0, n_alphas=50, alpha_min_ratio=0.001),
        coxnet_case(50, 8, 0.7, 1, standardize=False),
    ]
    write(
        "coxnet.json",
        {
            "description": "scikit-survival CoxnetSurvivalAnalysis (tol 1e-14) paths on z-scored X, coefficients on the original scale",
            "cases": cases,
        },
    )


# ---------------------------------------------------------------- `gliofuse survival table`
def make_table():
    """A small feature table + split and what scikit-survival + lifelines choose on it, for the
    CLI test (crates/gliofuse/tests/fixtures/survival_table/). Same protocol as
    bench/coxnet_real_data.py: z-score with training statistics, CoxnetSurvivalAnalysis with its
    defaults (l1_ratio 0.5), alpha with the best validation Harrell C (lifelines), test C."""
    from lifelines.utils import concordance_index

    out_dir = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "gliofuse", "tests", "fixtures", "survival_table")
    os.makedirs(out_dir, exist_ok=True)
    n, p = 150, 30
    X = np.round(RNG.normal(0, 1, (n, p)) * RNG.uniform(0.5, 3, p) + RNG.normal(0, 1, p), 3)
    beta = np.zeros(p)
    beta[:4] = [0.8, -0.6, 0.4, 0.3]
    z = (X - X.mean(0)) / X.std(0)
    t_ev = RNG.exponential(1.0 / np.exp(z @ beta))
    t_c = RNG.exponential(1.5, n)
    time = np.round(np.minimum(t_ev, t_c) * 10, 2) + 0.01
    event = (t_ev <= t_c).astype(int)
    pids = [f"S{i:03d}" for i in range(n)]
    side = np.array(["train"] * 105 + ["val"] * 15 + ["test"] * 30)
    RNG.shuffle(side)
    feats = [f"f{j}" for j in range(p)]
    with open(os.path.join(out_dir, "data.csv"), "w") as f:
        f.write(",".join(["pid", "time", "event"] + feats) + "\n")
        for i in range(n):
            f.write(",".join([pids[i], repr(float(time[i])), str(event[i])] + [repr(float(v)) for v in X[i]]) + "\n")
    with open(os.path.join(out_dir, "split.csv"), "w") as f:
        f.write("pid,split\n")
        for i in range(n):
            f.write(f"{pids[i]},{side[i]}\n")
    tr, va, te = side == "train", side == "val", side == "test"
    mean, sd = X[tr].mean(0), X[tr].std(0)
    Z = (X - mean) / sd
    m = CoxnetSurvivalAnalysis(l1_ratio=0.5).fit(Z[tr], Surv.from_arrays(event[tr].astype(bool), time[tr]))
    risk = Z @ m.coef_
    cval = [concordance_index(time[va], -risk[va, k], event[va]) for k in range(len(m.alphas_))]
    k = int(np.argmax(cval))
    expected = {
        "generator": "tools/reference/make_cox_fixtures.py",
        "versions": VERSIONS,
        "description": "scikit-survival CoxnetSurvivalAnalysis(l1_ratio=0.5) on z-scored training features; alpha by best validation lifelines concordance_index",
        "alphas_fitted": len(m.alphas_),
        "alpha": float(m.alphas_[k]),
        "alpha_index": k,
        "c_index_val": float(cval[k]),
        "c_index_test": float(concordance_index(time[te], -risk[te, k], event[te])),
        "c_index_train": float(concordance_index(time[tr], -risk[tr, k], event[tr])),
        "coefficients": {feats[j]: float(m.coef_[j, k]) for j in range(p) if m.coef_[j, k] != 0.0},
    }
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print(out_dir, k, expected["c_index_val"], expected["c_index_test"])


if __name__ == "__main__":
    make_cox()
    make_coxnet()
    make_table()
