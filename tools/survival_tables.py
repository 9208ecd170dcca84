#!/usr/bin/env python3
"""Markdown table of `gliofuse survival train --seeds N` runs (docs/results.md).

Usage: python3 tools/survival_tables.py RUNS_DIR [MODEL ...]
Reads RUNS_DIR/<model>/metrics.json, or, for a model trained one seed per process,
RUNS_DIR/<model>-s<seed>/metrics.json (default models: joint tanh scaled-dot rna-only
slide-only), and prints test-split mean +- population std over the seeds: C slide, C case,
Uno's C (case), log-rank p (median-risk split of the test cases), validation C (case), the
selected epochs and the training seconds per seed. Standard library only.
"""
import json
import sys
from pathlib import Path

NAMES = {
    "joint": "joint (Steyaert)",
    "tanh": "cross-attention `tanh`",
    "scaled-dot": "cross-attention `scaled-dot`",
    "rna-only": "RNA only",
    "slide-only": "slide only",
}


def stat(values):
    v = [x for x in values if x is not None]
    if not v:
        return None
    m = sum(v) / len(v)
    return {"mean": m, "std": (sum((x - m) ** 2 for x in v) / len(v)) ** 0.5, "n": len(v)}


def cell(v):
    if not v:
        return "-"
    return f"{v['mean']:.3f} ± {v['std']:.3f}"


def load(root, k):
    """(per-seed list, one metrics.json) of model k, from K/ or from K-s*/ run directories."""
    p = root / k / "metrics.json"
    files = [p] if p.exists() else sorted(root.glob(f"{k}-s*/metrics.json"))
    if not files:
        return None, None
    ms = [json.loads(f.read_text()) for f in files]
    per = sorted((s for m in ms for s in m["per_seed"]), key=lambda s: s["seed"])
    return per, ms[0]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = Path(sys.argv[1])
    models = sys.argv[2:] or list(NAMES)
    print("| model | C slide | C case | Uno's C case | log-rank p (median-risk split) | val C case | selected epochs | train s/seed |")
    print("|---|---|---|---|---|---|---|---|")
    first = None
    for k in models:
        per, m = load(root, k)
        if per is None:
            print(f"| {NAMES.get(k, k)} | (no metrics under {root}) |||||||")
            continue
        first = first or m
        lr = [s["logrank_test_case"]["p_value"] if s.get("logrank_test_case") else None for s in per]
        slide = cell(stat([s["test"]["c_index_slide"] for s in per])) if k != "rna-only" else "-"
        epochs = ", ".join(str(s["selected_epoch"]) for s in per)
        secs = sorted(s["train_seconds"] for s in per)
        med = secs[len(secs) // 2]
        print(
            f"| {NAMES.get(k, k)} | {slide} | {cell(stat([s['test']['c_index_case'] for s in per]))} "
            f"| {cell(stat([s['uno_c_test_case'] for s in per]))} | {cell(stat(lr))} "
            f"| {cell(stat([s['val']['c_index_case'] for s in per]))} | {epochs} | {med:.0f} |"
            + ("" if len(per) == 5 else f" ({len(per)} seeds)")
        )
    if first:
        s = first["per_seed"][0]
        print(
            f"\n{first['patients']} patients; excluded {first['excluded_patients']}; seed {s['seed']} split: "
            f"train {s['train']['patients']} patients / {s['train']['slides']} slides, "
            f"val {s['val']['patients']} / {s['val']['slides']}, test {s['test']['patients']} / {s['test']['slides']}"
        )


if __name__ == "__main__":
    main()
