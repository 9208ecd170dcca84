#!/usr/bin/env bash
# Texture classes (glcm, glrlm, glszm, gldm, ngtdm) on brain1, default settings: the Rust crate vs
# pyradiomics 3.1.0, same discretised ROI, same run, single thread, medians.
#   PYTHON=/path/to/venv/bin/python bash bench/textures.sh
# PYTHON must have pyradiomics 3.1.0 (see tools/reference/make_texture_fixtures.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
DATA=${DATA:-crates/radiomics/tests/data/pyradiomics}
REPS=${REPS:-5}
cargo build --release -q -p radiomics --example texture_bench
for r in $(seq "$REPS"); do
  echo "== run $r"
  target/release/examples/texture_bench --reps 300
  "$PYTHON" bench/texture_pyradiomics.py --data "$DATA" --reps 30
done
