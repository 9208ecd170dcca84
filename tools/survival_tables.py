#!/usr/bin/env python3
"""Markdown table of `gliofuse survival train --seeds N` runs (docs/results.md).

Usage: python3 tools/survival_tables.py RUNS_DIR [MODEL ...]
Reads RUNS_DIR/<model>/metrics.json (default models: joint tanh scaled-dot rna-only
slide-only) and prints test-split mean +- population std over the seeds: C slide, C case,
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


def cell(v):
    if not v:
        return "-"
    return f"{v['mean']:.3f} ± {v['std']:.3f}"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = Path(sys.argv[1])
    models = sys.argv[2:] or list(NAMES)
    print("| model | C slide | C case | Uno's C case | log-rank p (median-risk split) | val C case | selected epochs | train s/seed |")
    print("|---|---|---|---|---|---|---|---|")
    for k in models:
        p = root / k / "metrics.json"
        if not p.exists():
            print(f"| {NAMES.get(k, k)} | (no {p}) |||||||")
            continue
        m = json.loads(p.read_text())
        per = m["per_seed"]
        slide = cell(m["c_index_test_slide"]) if k != "rna-only" else "-"
        epochs = ", ".join(str(s["selected_epoch"]) for s in per)
        secs = sorted(s["train_seconds"] for s in per)
        med = secs[len(secs) // 2]
        print(
            f"| {NAMES.get(k, k)} | {slide} | {cell(m['c_index_test_case'])} | {cell(m['uno_c_test_case'])} "
            f"| {cell(m['logrank_p_test_case'])} | {cell(m['c_index_val_case'])} | {epochs} | {med:.0f} |"
        )
    first = next((root / k / "metrics.json" for k in models if (root / k / "metrics.json").exists()), None)
    if first:
        m = json.loads(first.read_text())
        s = m["per_seed"][0]
        print(
            f"\n{m['patients']} patients; excluded {m['excluded_patients']}; seed {s['seed']} split: "
            f"train {s['train']['patients']} patients / {s['train']['slides']} slides, "
            f"val {s['val']['patients']} / {s['val']['slides']}, test {s['test']['patients']} / {s['test']['slides']}"
        )


if __name__ == "__main__":
    main()
