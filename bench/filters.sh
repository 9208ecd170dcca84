#!/usr/bin/env bash
# Filters (wavelet, LoG, gradient, point filters) on the full brain1 image: the Rust crate vs
# pyradiomics 3.1.0 (PyWavelets / SimpleITK / numpy), same run, single thread, medians. The Rust
# side runs twice: whole image (same work as pyradiomics) and ROI bounding box only (--box).
#   PYTHON=/work/venv-rad/bin/python REPS=5 bash bench/filters.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
REPS=${REPS:-5}
cargo build --release -q -p radiomics --example filters_bench
for r in $(seq "$REPS"); do
  echo "== run $r"
  target/release/examples/filters_bench --reps 5
  target/release/examples/filters_bench --reps 5 --box
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$PYTHON" bench/filters_pyradiomics.py --reps 5
done
