#!/usr/bin/env python3
"""How strong (and how trivial) the IDH / grade signals of a synthetic cohort are.

Run by hand (pandas, scikit-learn); CI does not run it. Three sub-commands:

  cases COHORT_DIR > cases.csv
      Write a `gliofuse radiomics batch` cases file (Image, Mask, patient_id, modality, idh):
      one row per patient and MRI modality, IDH from the cohort's truth.csv. Paths are
      absolute, so the CSV can live anywhere.

  mri FEATURES.csv
      FEATURES.csv is either the demo's radiomics_features.csv (patient_id, idh,
      <modality>_<feature>...) or the output of `gliofuse radiomics batch` on the cases file
      above (one row per patient and modality; pivoted here, diagnostics_* dropped).
      Prints, for IDH (positive class = mutant, AUC symmetrised as max(AUC, 1 - AUC) per
      feature): the median and best single-feature ROC AUC, how many features have
      Mann-Whitney p < 0.05, and the patient-level 5-fold cross-validated AUC of an L2
      logistic regression (standardised features, stratified folds, seeds 0-4) on all
      four modalities and on each modality alone, C = 0.01 (and C = 1, sklearn's default, for
      all modalities: with 428 features and ~200 patients it overfits).

  rna COHORT_DIR
      Cross-validated L2 logistic regression AUC for IDH and for grade IV vs II-III from
      log2(counts + 1) of rna.csv (labels from truth.csv), same protocol; also the best
      single-gene AUC.

Example (200 patients, as in docs/synthetic-cohort.md):
  gliofuse synth --out /tmp/c200 --patients 200 --slide-size 0 --genes 0 --max-rois 1 --roi-size 64
  python tools/reference/check_synth_signal.py cases /tmp/c200 > /tmp/c200/cases.csv
  gliofuse radiomics batch /tmp/c200/cases.csv --jobs 2 --out /tmp/c200/radiomics.csv
  python tools/reference/check_synth_signal.py mri /tmp/c200/radiomics.csv
"""
import os
import sys

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

MODALITIES = ["t1", "t1ce", "t2", "flair"]


def cases(cohort):
    cohort = os.path.abspath(cohort)
    truth = pd.read_csv(os.path.join(cohort, "truth.csv")).set_index("patient_id")
    mri = pd.read_csv(os.path.join(cohort, "mri.csv"))
    rows = []
    for _, r in mri.iterrows():
        for m in MODALITIES:
            rows.append({
                "Image": os.path.join(cohort, r[m]),
                "Mask": os.path.join(cohort, r["mask"]),
                "patient_id": r["patient_id"],
                "modality": m,
                "idh": int(truth.loc[r["patient_id"], "idh"]),
            })
    pd.DataFrame(rows).to_csv(sys.stdout, index=False)


def load_features(path):
    # Read as text and convert with Python's float(): pandas 2.3's number parser crashes
    # (segfault) on some values of the batch output.
    df = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=lambda c: not c.startswith("diagnostics_"))
    for col in df.columns:
        if col not in ("Image", "Mask", "patient_id", "modality"):
            df[col] = [float(v) if v not in ("", "nan") else np.nan for v in df[col]]
    if "Image" in df.columns:  # radiomics batch output: pivot modality rows into columns
        feats = [c for c in df.columns if c.startswith("original_")]
        parts = []
        for m in MODALITIES:
            d = df[df["modality"] == m].set_index("patient_id")
            parts.append(d[feats].add_prefix(m + "_"))
        idh = df.drop_duplicates("patient_id").set_index("patient_id")["idh"]
        X = pd.concat(parts, axis=1)
        df = pd.concat([idh, X], axis=1).reset_index()
    y = df["idh"].astype(int).to_numpy()
    X = df.drop(columns=["patient_id", "idh"]).apply(pd.to_numeric, errors="coerce")
    X = X.loc[:, X.notna().all() & (X.std() > 0)]
    return X, y


def model(tuned):
    """L2 logistic regression on standardised features: C = 0.01 (strong L2, fixed a priori:
    an inner CV over C in 1e-4..1 picked 0.003-0.03 on these cohorts but takes minutes), or
    C = 1 (sklearn's default), which overfits with 428 features and ~200 patients."""
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.01 if tuned else 1.0, max_iter=5000))


def cv_auc(X, y, seeds=range(5), tuned=True):
    """Mean over seeds of the pooled out-of-fold AUC (one row per patient, so folds are by patient)."""
    aucs = []
    for s in seeds:
        p = np.zeros(len(y))
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=s).split(X, y):
            m = model(tuned)
            m.fit(X[tr], y[tr])
            p[te] = m.predict_proba(X[te])[:, 1]
        aucs.append(roc_auc_score(y, p))
    return float(np.mean(aucs)), float(np.std(aucs))


def single_aucs(X, y):
    a = np.array([roc_auc_score(y, X[:, j]) for j in range(X.shape[1])])
    return np.maximum(a, 1 - a)


def mri(path):
    X, y = load_features(path)
    names = list(X.columns)
    Xv = X.to_numpy(float)
    a = single_aucs(Xv, y)
    p = np.array([mannwhitneyu(Xv[y == 1, j], Xv[y == 0, j]).pvalue for j in range(Xv.shape[1])])
    order = np.argsort(-a)
    print(f"patients {len(y)} (IDH-mutant {int(y.sum())}), features {len(names)}")
    print(f"single-feature AUC: median {np.median(a):.3f}, 90th percentile {np.percentile(a, 90):.3f}, best {a[order[0]]:.3f}")
    print(f"Mann-Whitney p < 0.05: {int((p < 0.05).sum())} of {len(p)}")
    print("top features:")
    for j in order[:8]:
        print(f"  {names[j]:60s} AUC {a[j]:.3f}")
    m1, s1 = cv_auc(Xv, y, tuned=False)
    m, s = cv_auc(Xv, y)
    print(f"L2 logistic regression, 5-fold CV x 5 seeds, all modalities: AUC {m:.3f} (sd {s:.3f}) with C = 0.01; {m1:.3f} (sd {s1:.3f}) with C = 1")
    for mod in MODALITIES:
        cols = [i for i, n in enumerate(names) if n.startswith(mod + "_")]
        m, s = cv_auc(Xv[:, cols], y)
        am = a[cols]
        print(f"  {mod:6s} alone ({len(cols)} features): CV AUC {m:.3f} (sd {s:.3f}); single-feature median {np.median(am):.3f}, best {am.max():.3f}")


def rna(cohort):
    r = pd.read_csv(os.path.join(cohort, "rna.csv")).set_index("patient_id")
    truth = pd.read_csv(os.path.join(cohort, "truth.csv")).set_index("patient_id").loc[r.index]
    X = np.log2(r.to_numpy(float) + 1.0)
    X = X[:, X.std(axis=0) > 0]
    print(f"RNA: {X.shape[0]} patients, {X.shape[1]} genes, log2(counts + 1)")
    for name, y in [("IDH-mutant", truth["idh"].to_numpy(int)), ("grade IV vs II-III", (truth["grade"] == 4).to_numpy(int))]:
        a = single_aucs(X, y)
        m, s = cv_auc(X, y)
        print(f"  {name:20s} CV AUC {m:.3f} (sd {s:.3f}); single-gene best {a.max():.3f}, median {np.median(a):.3f}")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if len(sys.argv) != 3 or sys.argv[1] not in ("cases", "mri", "rna"):
        sys.exit(__doc__)
    {"cases": cases, "mri": mri, "rna": rna}[sys.argv[1]](sys.argv[2])
