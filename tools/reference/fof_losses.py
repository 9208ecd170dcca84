"""Reference values of FoF's losses (Pan et al., BIBM 2024; shared/reference/fof.md section 7)
computed in PyTorch float64 on fixed small tensors, for crates/models/tests/fof_losses.rs.

    /work/venv-torch/bin/python tools/reference/fof_losses.py
        -> crates/models/tests/fixtures/fof_losses.json

Written from the paper's equations (not from upstream code, whose region loss pairs the wrong
views, fof.md 3.6):

* token mask (Eq. 2): M = avg_pool2d(A, p) > theta, flattened row-major;
* classification (Eq. 3): CE(glb, y) + CE(pos, y) + CE(neg, K), each a batch mean;
* FRL consistency (Eq. 4): -mean_i log psi_i, psi = phi(g,p) / (phi(g,p) + phi(g,n) + phi(p,n)),
  phi = exp(cos / tau);
* MCA (Eq. 5, SupCon averaged over each anchor's positives): over the rows with a label,
  L = -(1/M) sum_i (1/|P_i|) sum_{j in P_i} log( phi(i,j) / sum_{k != i} phi(i,k) ), where M is
  the number of labelled rows and anchors without a positive add 0 (they still count in M).
  Rows whose label is missing are removed before anything else.
* MCA labels of the three views: global and positive views carry the sample's label, the
  negative view the normal state 0; a sample whose label is missing is removed with all its views.

Every input is drawn from a seeded generator and rounded to 6 decimals, so the Rust test reads
exactly the values the reference used.
"""

import json
import math
import platform
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT = Path(__file__).resolve().parents[2] / "crates/models/tests/fixtures/fof_losses.json"
rng = np.random.default_rng(20241109)


def rnd(*shape, lo=-2.0, hi=2.0):
    return np.round(rng.uniform(lo, hi, size=shape), 6)


def token_mask(cam, patch, theta):
    pooled = F.avg_pool2d(torch.tensor(cam)[:, None], patch)  # [B, 1, g, g]
    return (pooled.flatten(1) > theta).double().numpy()


def classification(glb, pos, neg, y, background):
    glb, pos, neg = map(torch.tensor, (glb, pos, neg))
    y = torch.tensor(y)
    bg = torch.full_like(y, background)
    parts = [F.cross_entropy(glb, y), F.cross_entropy(pos, y), F.cross_entropy(neg, bg)]
    return float(sum(parts)), [float(p) for p in parts]


def frl(zg, zp, zn, tau):
    zg, zp, zn = map(torch.tensor, (zg, zp, zn))
    s_gp = F.cosine_similarity(zg, zp, dim=1) / tau
    s_gn = F.cosine_similarity(zg, zn, dim=1) / tau
    s_pn = F.cosine_similarity(zp, zn, dim=1) / tau
    phi = torch.exp
    psi = phi(s_gp) / (phi(s_gp) + phi(s_gn) + phi(s_pn))
    return float(-torch.log(psi).mean())


def supcon(feats, labels, tau):
    """Plain loops over anchors, from Eq. 5 (SupCon normalised by the positives' count)."""
    keep = [i for i, l in enumerate(labels) if l is not None]
    z = F.normalize(torch.tensor(feats)[keep], dim=1)
    lab = [labels[i] for i in keep]
    m = len(keep)
    if m == 0:
        return 0.0
    sim = z @ z.T / tau
    total = 0.0
    for i in range(m):
        others = [k for k in range(m) if k != i]
        if not others:
            continue
        log_den = torch.logsumexp(sim[i, others], dim=0)
        pos = [j for j in others if lab[j] == lab[i]]
        if not pos:
            continue
        total += float(sum(sim[i, j] - log_den for j in pos)) / len(pos)
    return -total / m


def mca_labels(sample_labels):
    b = len(sample_labels)
    out = list(sample_labels) + list(sample_labels)
    out += [0 if l is not None else None for l in sample_labels]
    assert len(out) == 3 * b
    return out


def main():
    cases = {}

    # --- token masks -------------------------------------------------------------------
    masks = []
    cam = rnd(2, 8, 8, lo=0.0, hi=1.0)
    masks.append({"name": "random", "cam": cam.tolist(), "patch": 4, "theta": 0.5,
                  "mask": token_mask(cam, 4, 0.5).tolist()})
    cam = np.round(0.6 + 0.4 * rnd(1, 8, 8, lo=0.0, hi=1.0), 6)
    masks.append({"name": "all_above", "cam": cam.tolist(), "patch": 2, "theta": 0.5,
                  "mask": token_mask(cam, 2, 0.5).tolist()})
    cam = np.round(0.45 * rnd(1, 8, 8, lo=0.0, hi=1.0), 6)
    masks.append({"name": "none_above", "cam": cam.tolist(), "patch": 2, "theta": 0.5,
                  "mask": token_mask(cam, 2, 0.5).tolist()})
    cam = np.zeros((1, 8, 8))
    masks.append({"name": "constant_zero", "cam": cam.tolist(), "patch": 4, "theta": 0.5,
                  "mask": token_mask(cam, 4, 0.5).tolist()})
    cases["token_mask"] = masks

    # --- Eq. 3 -------------------------------------------------------------------------
    b, k = 5, 3
    glb, pos, neg = rnd(b, k + 1), rnd(b, k + 1), rnd(b, k + 1)
    y = [0, 2, 1, 1, 0]
    total, parts = classification(glb, pos, neg, y, k)
    cases["classification"] = {"glb": glb.tolist(), "pos": pos.tolist(), "neg": neg.tolist(),
                                "y": y, "background": k, "loss": total, "parts": parts}

    # --- Eq. 4 -------------------------------------------------------------------------
    fr = []
    zg, zp, zn = rnd(4, 6), rnd(4, 6), rnd(4, 6)
    fr.append({"name": "random", "glb": zg.tolist(), "pos": zp.tolist(), "neg": zn.tolist(),
               "tau": 0.07, "loss": frl(zg, zp, zn, 0.07)})
    # the positive equals the global view, the negative is its opposite: near the minimum
    zg = rnd(3, 6)
    zn = -zg
    fr.append({"name": "aligned", "glb": zg.tolist(), "pos": zg.tolist(), "neg": zn.tolist(),
               "tau": 0.07, "loss": frl(zg, zg, zn, 0.07)})
    zg, zp, zn = rnd(3, 5), rnd(3, 5), rnd(3, 5)
    fr.append({"name": "tau_0.5", "glb": zg.tolist(), "pos": zp.tolist(), "neg": zn.tolist(),
               "tau": 0.5, "loss": frl(zg, zp, zn, 0.5)})
    cases["frl"] = fr

    # --- Eq. 5 -------------------------------------------------------------------------
    sc = []
    b = 4
    lab = [1, 0, 1, None]
    feats = rnd(3 * b, 8)
    labels = mca_labels(lab)
    sc.append({"name": "three_views_with_missing", "sample_labels": lab, "labels": labels,
               "features": feats.tolist(), "tau": 0.07, "loss": supcon(feats, labels, 0.07)})
    lab = [-1, 2, 0, 1, -2]
    feats = rnd(3 * 5, 6)
    labels = mca_labels(lab)
    sc.append({"name": "cnv_levels", "sample_labels": lab, "labels": labels,
               "features": feats.tolist(), "tau": 0.07, "loss": supcon(feats, labels, 0.07)})
    # no two rows share a label: every anchor lacks a positive, the loss is 0
    labels = [3, 1, 2, -1]
    feats = rnd(4, 6)
    sc.append({"name": "no_shared_label", "sample_labels": None, "labels": labels,
               "features": feats.tolist(), "tau": 0.07, "loss": supcon(feats, labels, 0.07)})
    # a batch whose samples all have distinct non-zero states: only the negative views (all
    # state 0) and each sample's own global/positive pair are positives
    lab = [1, 2, -1]
    feats = rnd(9, 6)
    labels = mca_labels(lab)
    sc.append({"name": "distinct_samples_three_views", "sample_labels": lab, "labels": labels,
               "features": feats.tolist(), "tau": 0.07, "loss": supcon(feats, labels, 0.07)})
    # all labels missing: empty term, 0
    lab = [None, None]
    feats = rnd(6, 4)
    labels = mca_labels(lab)
    sc.append({"name": "all_missing", "sample_labels": lab, "labels": labels,
               "features": feats.tolist(), "tau": 0.07, "loss": supcon(feats, labels, 0.07)})
    cases["supcon"] = sc

    cases["versions"] = {"torch": torch.__version__, "numpy": np.__version__,
                         "python": platform.python_version()}
    OUT.write_text(json.dumps(cases, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    for c in sc:
        print(c["name"], c["loss"])
    for c in fr:
        print(c["name"], c["loss"])
    print("classification", total, parts)


if __name__ == "__main__":
    main()
