#!/usr/bin/env python3
"""Generate the parity fixtures of the `stats` crate from the reference libraries.

Run by hand (CI has no Python):

    python -m venv venv && venv/bin/pip install numpy scipy scikit-learn lifelines scikit-survival
    venv/bin/python tools/reference/make_stats_fixtures.py

Writes crates/stats/tests/fixtures/{classification,survival,tests,lasso}.json. Each file records
the library versions it was made with. Inputs are rounded to few decimals so that the files stay
small and that ties (in scores, risks and times) are common.
"""
import json
import os
import sys
import warnings

import numpy as np
import scipy
import sklearn
import lifelines
import sksurv
from scipy import stats
from sklearn import metrics
from sklearn.linear_model import LassoCV
from lifelines import KaplanMeierFitter
from lifelines.utils import concordance_index
from lifelines.statistics import logrank_test
from sksurv.metrics import concordance_index_ipcw
from sksurv.nonparametric import kaplan_meier_estimator
from sksurv.util import Surv

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "stats", "tests", "fixtures")
RNG = np.random.default_rng(20260521)
VERSIONS = {
    "python": sys.version.split()[0],
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "scikit-learn": sklearn.__version__,
    "lifelines": lifelines.__version__,
    "scikit-survival": sksurv.__version__,
}


def fl(a):
    return [float(v) for v in np.asarray(a).ravel()]


def write(name, payload):
    payload = {"generator": "tools/reference/make_stats_fixtures.py", "versions": VERSIONS, **payload}
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
    print(f"{path}: {os.path.getsize(path)} bytes")


# ---------------------------------------------------------------- classification
def binary_case(n, decimals, prevalence):
    while True:
        y = (RNG.random(n) < prevalence).astype(int)
        if 0 < y.sum() < n:
            break
    s = np.round(np.clip(0.5 + 0.25 * (y - 0.5) + 0.3 * RNG.standard_normal(n), 0, 1), decimals)
    pred = (s >= 0.5).astype(int)
    fpr, tpr, thr = metrics.roc_curve(y, s)
    prec, rec, pthr = metrics.precision_recall_curve(y, s)
    p, r, f, _ = metrics.precision_recall_fscore_support(y, pred, average="binary", pos_label=1, zero_division=0)
    return {
        "label": fl(y), "score": fl(s),
        "auc": metrics.roc_auc_score(y, s),
        "ap": metrics.average_precision_score(y, s),
        "roc_fpr": fl(fpr), "roc_tpr": fl(tpr), "roc_thresholds_after_inf": fl(thr[1:]),
        "pr_precision": fl(prec), "pr_recall": fl(rec), "pr_thresholds": fl(pthr),
        "accuracy": metrics.accuracy_score(y, pred),
        "kappa": metrics.cohen_kappa_score(y, pred),
        "kappa_linear": metrics.cohen_kappa_score(y, pred, weights="linear"),
        "kappa_quadratic": metrics.cohen_kappa_score(y, pred, weights="quadratic"),
        "precision": p, "recall": r, "f1": f,
    }


def multiclass_case(n, k, decimals):
    while True:
        y = RNG.integers(0, k, n)
        if len(np.unique(y)) == k:
            break
    logits = 1.2 * np.eye(k)[y] + RNG.standard_normal((n, k))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    # probabilities on a grid of 10^-decimals (ties), rows summing to 1
    scale = 10 ** decimals
    counts = np.floor(p * scale)
    counts[:, -1] = scale - counts[:, :-1].sum(1)
    p = counts / scale
    pred = p.argmax(1)
    pm, rm, fm, _ = metrics.precision_recall_fscore_support(y, pred, average="macro", zero_division=0)
    return {
        "label": fl(y), "n_classes": k, "probs": fl(p), "pred": fl(pred),
        "auc_macro": metrics.roc_auc_score(y, p, multi_class="ovr", average="macro"),
        "auc_micro": metrics.roc_auc_score(y, p, multi_class="ovr", average="micro"),
        "ap_macro": metrics.average_precision_score(y, p, average="macro"),
        "ap_micro": metrics.average_precision_score(np.eye(k)[y], p, average="micro"),
        "accuracy": metrics.accuracy_score(y, pred),
        "kappa": metrics.cohen_kappa_score(y, pred),
        "kappa_linear": metrics.cohen_kappa_score(y, pred, weights="linear"),
        "kappa_quadratic": metrics.cohen_kappa_score(y, pred, weights="quadratic"),
        "precision_macro": pm, "recall_macro": rm, "f1_macro": fm,
        "confusion": fl(metrics.confusion_matrix(y, pred)),
    }


def kappa_case(n, k):
    a = RNG.integers(0, k, n)
    b = np.where(RNG.random(n) < 0.6, a, RNG.integers(0, k, n))
    return {
        "a": fl(a), "b": fl(b),
        "kappa": metrics.cohen_kappa_score(a, b),
        "kappa_linear": metrics.cohen_kappa_score(a, b, weights="linear"),
        "kappa_quadratic": metrics.cohen_kappa_score(a, b, weights="quadratic"),
    }


def classification():
    binary = []
    for n in [2, 3, 4, 5, 7, 10, 20, 50, 120, 400, 2000]:
        for decimals in [1, 2, 4] if n < 1000 else [2]:
            c = binary_case(n, decimals, 0.4 if n > 3 else 0.5)
            if n > 200:  # keep the file small: scalars only for the large cases
                for key in [k for k in c if k.startswith(("roc_", "pr_"))]:
                    del c[key]
            binary.append(c)
    multi = []
    for n in [6, 10, 30, 80, 300, 1000]:
        for k in [3, 4]:
            for decimals in [1, 3] if n < 1000 else [2]:
                multi.append(multiclass_case(n, k, decimals))
    kappa = [kappa_case(n, k) for n in [5, 20, 100] for k in [2, 3, 5]]
    write("classification.json", {"binary": binary, "multiclass": multi, "kappa": kappa})


# ---------------------------------------------------------------- survival
def survival_case(n, time_decimals, risk_decimals, censor_rate):
    risk = np.round(RNG.standard_normal(n), risk_decimals)
    t_event = RNG.exponential(np.exp(-0.7 * risk)) * 10
    t_cens = RNG.exponential(10 / max(censor_rate, 1e-9) * (1 - censor_rate + 0.05), n)
    time = np.round(np.minimum(t_event, t_cens), time_decimals) + 10 ** (-time_decimals)
    event = t_event <= t_cens
    if not event.any():
        event[0] = True
    return time, event, risk


def survival():
    cases = []
    for n in [3, 5, 8, 15, 40, 100, 400, 1500]:
        for time_decimals in [0, 2] if n < 400 else [0]:
            for risk_decimals in [1, 3] if n < 400 else [1]:
                for censor in [0.0, 0.3, 0.6]:
                    time, event, risk = survival_case(n, time_decimals, risk_decimals, censor)
                    case = {"time": fl(time), "event": [bool(e) for e in event], "risk": fl(risk)}
                    try:
                        case["harrell"] = concordance_index(time, -risk, event)
                    except ZeroDivisionError:
                        case["harrell"] = None
                    y = Surv.from_arrays(event, time)
                    try:
                        case["uno"] = float(concordance_index_ipcw(y, y, risk)[0])
                        if not np.isfinite(case["uno"]):
                            case["uno"] = None
                    except Exception:
                        case["uno"] = None
                    # Uno with tau = 70th percentile of the times
                    tau = float(np.quantile(time, 0.7))
                    try:
                        case["uno_tau"] = tau
                        case["uno_tau_value"] = float(concordance_index_ipcw(y, y, risk, tau=tau)[0])
                        if not np.isfinite(case["uno_tau_value"]):
                            case["uno_tau_value"] = None
                    except Exception:
                        case["uno_tau_value"] = None
                    km_t, km_s = kaplan_meier_estimator(event, time)
                    if n <= 100:
                        case["km_times"], case["km_survival"] = fl(km_t), fl(km_s)
                        med = KaplanMeierFitter().fit(time, event).median_survival_time_
                        case["km_median"] = float(med) if np.isfinite(med) else None
                    high = risk > np.median(risk)
                    if high.any() and (~high).any():
                        lr = logrank_test(time[high], time[~high], event[high], event[~high])
                        case["logrank_stat"], case["logrank_p"] = float(lr.test_statistic), float(lr.p_value)
                    else:
                        case["logrank_stat"] = case["logrank_p"] = None
                    cases.append(case)
    # Uno's C with a separate training set
    train_test = []
    for n in [30, 200]:
        for censor in [0.2, 0.5]:
            tt, te, _ = survival_case(n, 2, 2, censor)
            st, se, sr = survival_case(n // 2, 2, 2, censor)
            # keep test times inside the training range (scikit-survival refuses others)
            st = np.minimum(st, tt.max())
            ytr, yte = Surv.from_arrays(te, tt), Surv.from_arrays(se, st)
            try:
                uno = float(concordance_index_ipcw(ytr, yte, sr)[0])
            except Exception:
                continue
            train_test.append({"train_time": fl(tt), "train_event": [bool(e) for e in te],
                               "time": fl(st), "event": [bool(e) for e in se], "risk": fl(sr), "uno": uno})
    write("survival.json", {"cases": cases, "uno_train_test": train_test})


# ---------------------------------------------------------------- tests
def tests():
    mwu = []
    for n1, n2, decimals in [(3, 4, 6), (5, 5, 6), (8, 8, 6), (8, 20, 6), (2, 30, 6), (8, 60, 6), (4, 9, 6),
                             (9, 9, 6), (20, 25, 6), (5, 7, 1), (8, 8, 1), (30, 40, 1), (100, 80, 2), (500, 400, 1)]:
        for shift in [0.0, 0.8]:
            x = np.round(RNG.standard_normal(n1) + shift, decimals)
            y = np.round(RNG.standard_normal(n2), decimals)
            r = stats.mannwhitneyu(x, y, alternative="two-sided")
            ties = len(np.unique(np.r_[x, y])) < n1 + n2
            method = "asymptotic" if (n1 > 8 and n2 > 8) or ties else "exact"
            mwu.append({"x": fl(x), "y": fl(y), "u1": float(r.statistic), "p": float(r.pvalue), "method": method})
    pearson = []
    for n in [3, 4, 5, 10, 30, 100, 1000]:
        for rho in [0.0, 0.3, 0.9, -0.6]:
            x = np.round(RNG.standard_normal(n), 4)
            y = np.round(rho * x + np.sqrt(1 - rho ** 2) * RNG.standard_normal(n), 4)
            r = stats.pearsonr(x, y)
            pearson.append({"x": fl(x), "y": fl(y), "r": float(r.statistic), "p": float(r.pvalue)})
    write("tests.json", {"mann_whitney": mwu, "pearson": pearson})


# ---------------------------------------------------------------- lasso
def lasso():
    cases = []
    for n, p, k, cv in [(60, 8, 3, 5), (100, 20, 5, 10), (40, 15, 4, 5), (30, 40, 5, 5), (80, 6, 2, 10), (50, 12, 0, 5)]:
        X = np.round(RNG.standard_normal((n, p)) * RNG.uniform(0.5, 3, p) + RNG.uniform(-2, 2, p), 4)
        beta = np.zeros(p)
        beta[:k] = RNG.uniform(0.5, 2, k) * RNG.choice([-1, 1], k)
        y = np.round(X @ beta + 1.5 + RNG.standard_normal(n), 4)
        m = LassoCV(cv=cv).fit(X, y)
        cases.append({
            "n": n, "p": p, "cv": cv, "x": fl(X), "y": fl(y),
            "alpha": float(m.alpha_), "alphas": fl(m.alphas_), "mse_path": fl(m.mse_path_),
            "coef": fl(m.coef_), "intercept": float(m.intercept_),
        })
    # a 0/1 target on standardised features, as the IDH selection uses it
    n, p = 90, 10
    X = RNG.standard_normal((n, p))
    yb = (X[:, 0] - 0.8 * X[:, 1] + RNG.standard_normal(n) > 0).astype(float)
    X = np.round(X, 4)
    m = LassoCV(cv=10).fit(X, yb)
    cases.append({"n": n, "p": p, "cv": 10, "x": fl(X), "y": fl(yb), "alpha": float(m.alpha_),
                  "alphas": fl(m.alphas_), "mse_path": fl(m.mse_path_), "coef": fl(m.coef_),
                  "intercept": float(m.intercept_)})
    write("lasso.json", {"cases": cases})


# ---------------------------------------------------------------- CLI (`gliofuse evaluate`)
CLI_OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "gliofuse", "tests", "fixtures")


def cls_figures(y, P, binary):
    if binary:
        s = P[:, 1]
        pred = (s >= 0.5).astype(int)
        p, r, f, _ = metrics.precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
        extra = {"auc": metrics.roc_auc_score(y, s), "ap": metrics.average_precision_score(y, s),
                 "precision": p, "recall": r, "f1": f}
    else:
        pred = P.argmax(1)
        k = P.shape[1]
        extra = {"auc_macro": metrics.roc_auc_score(y, P, multi_class="ovr", average="macro"),
                 "auc_micro": metrics.roc_auc_score(y, P, multi_class="ovr", average="micro"),
                 "ap_macro": metrics.average_precision_score(np.eye(k)[y], P, average="macro"),
                 "ap_micro": metrics.average_precision_score(np.eye(k)[y], P, average="micro"),
                 "f1_macro": metrics.f1_score(y, pred, average="macro", zero_division=0)}
    base = {"n": int(len(y)), "accuracy": metrics.accuracy_score(y, pred),
            "kappa": metrics.cohen_kappa_score(y, pred),
            "kappa_linear": metrics.cohen_kappa_score(y, pred, weights="linear"),
            "kappa_quadratic": metrics.cohen_kappa_score(y, pred, weights="quadratic")}
    return {**base, **{k: float(v) for k, v in extra.items()}}


def surv_figures(time, event, risk):
    y = Surv.from_arrays(event, time)
    high = risk > np.median(risk)
    lr = logrank_test(time[high], time[~high], event[high], event[~high])
    return {"n": int(len(time)), "events": int(event.sum()),
            "c_index": concordance_index(time, -risk, event),
            "c_index_uno": float(concordance_index_ipcw(y, y, risk)[0]),
            "logrank_p": float(lr.p_value)}


def cli():
    import pandas as pd
    os.makedirs(CLI_OUT, exist_ok=True)

    def mean(v):  # sum in row order, then divide (as the CLI; pandas' Kahan mean may differ in the last bit)
        return float(np.sum(v.to_numpy())) / len(v)
    expected = {}
    # binary, 3 ROIs per patient on average
    n_pat = 40
    pat = np.repeat([f"P{i:02d}" for i in range(n_pat)], RNG.integers(1, 5, n_pat))
    ylab = {p: int(RNG.random() < 0.4) for p in np.unique(pat)}
    y = np.array([ylab[p] for p in pat])
    s = np.round(np.clip(0.5 + 0.3 * (y - 0.5) + 0.3 * RNG.standard_normal(len(y)), 0, 1), 2)
    df = pd.DataFrame({"id": [f"roi{i}" for i in range(len(y))], "patient": pat, "label": y, "score": s})
    df.to_csv(os.path.join(CLI_OUT, "binary.csv"), index=False)
    g = df.groupby("patient").agg(label=("label", "first"), score=("score", mean))
    expected["binary"] = {
        "roi": cls_figures(y, np.c_[1 - s, s], True),
        "patient": cls_figures(g["label"].to_numpy(), np.c_[1 - g["score"], g["score"]], True)}
    # three grades
    classes = ["II", "III", "IV"]
    pat = np.repeat([f"P{i:02d}" for i in range(n_pat)], RNG.integers(1, 5, n_pat))
    ylab = {p: int(RNG.integers(0, 3)) for p in np.unique(pat)}
    y = np.array([ylab[p] for p in pat])
    logits = 1.5 * np.eye(3)[y] + RNG.standard_normal((len(y), 3))
    P = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    counts = np.floor(P * 100)
    counts[:, -1] = 100 - counts[:, :-1].sum(1)
    P = counts / 100
    df = pd.DataFrame({"id": [f"roi{i}" for i in range(len(y))], "patient": pat,
                       "label": [classes[v] for v in y],
                       **{f"prob_{c}": P[:, j] for j, c in enumerate(classes)}})
    df.to_csv(os.path.join(CLI_OUT, "grades.csv"), index=False)
    df["y"] = y
    g = df.groupby("patient").agg(y=("y", "first"), **{f"prob_{c}": (f"prob_{c}", mean) for c in classes})
    expected["grades"] = {
        "roi": cls_figures(y, P, False),
        "patient": cls_figures(g["y"].to_numpy(), g[[f"prob_{c}" for c in classes]].to_numpy(), False)}
    # survival, 1-3 slides per case
    n_case = 60
    case = np.repeat([f"C{i:02d}" for i in range(n_case)], RNG.integers(1, 4, n_case))
    ct, ce, _ = survival_case(n_case, 0, 2, 0.3)
    idx = np.array([int(c[1:]) for c in case])
    risk = np.round(RNG.standard_normal(len(case)) - 0.05 * ct[idx], 3)
    df = pd.DataFrame({"id": [f"slide{i}" for i in range(len(case))], "case": case,
                       "time": ct[idx], "event": ce[idx].astype(int), "risk": risk})
    df.to_csv(os.path.join(CLI_OUT, "survival.csv"), index=False)
    g = df.groupby("case").agg(time=("time", "first"), event=("event", "first"), risk=("risk", mean))
    expected["survival"] = {
        "row": surv_figures(df["time"].to_numpy(), df["event"].to_numpy().astype(bool), risk),
        "case": surv_figures(g["time"].to_numpy(), g["event"].to_numpy().astype(bool), g["risk"].to_numpy())}
    path = os.path.join(CLI_OUT, "expected.json")
    with open(path, "w") as f:
        json.dump({"generator": "tools/reference/make_stats_fixtures.py", "versions": VERSIONS, **expected}, f, indent=1)
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    cli()
    classification()
    survival()
    tests()
    lasso()
