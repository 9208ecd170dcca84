#!/usr/bin/env bash
# The survival table of docs/results.md ("Survival: slides + RNA, end to end"), from a fresh
# clone: synthetic cohort with whole-slide images -> `slides tile` -> `slides embed` (ResNet-50,
# 2048-d) -> `survival train --seeds 5` for the five model families with the shipped configs.
#
# Usage (from the repository root):
#     tools/survival_synthetic_e2e.sh [OUT]            (default OUT = runs/surv-e2e)
# Environment:
#     GLIOFUSE    the binary (default target/release/gliofuse, built if missing)
#     PYTHON      a Python with torch + torchvision + safetensors, used once to write the
#                 encoder weights (default python3)
#     WEIGHTS     a torchvision ResNet-50 state_dict in SafeTensors
#                 (tools/export_torchvision_resnet50.py). Default: the untrained torchvision
#                 initialisation under torch.manual_seed(0), exported offline with
#                 `--random-init 0` -- ImageNet weights cannot be downloaded on the machine the
#                 recorded run used; pass WEIGHTS=imagenet.safetensors where they can.
#     PATIENTS    cohort size (default 200); TILE_MAX patches kept by the tiling (default 16);
#     MAX_PATCHES patches embedded per slide, the first of the shuffled tiles (default 8: the
#                 CPU budget of the recorded run; ResNet-50 on a loaded 2-core machine ran at
#                 ~1 patch/s);
#     SLIDE_SIZE  slide side in pixels (default 2048); SEEDS (default 5); MODELS (default
#                 "joint tanh scaled-dot rna-only slide-only"); BATCH (default 32, see below).
#     NICE        prefix for the long stages (default "nice -n 19"); PARALLEL=1 trains the
#                 models as concurrent processes, PARALLEL=seeds every (model, seed).
#
# The one change to configs/survival/*.toml: [schedule] batch_size 128 -> $BATCH. With 200
# patients a 70 % training split has ~130 patients (~190 slides), so batch 128 would give two
# optimiser steps per epoch (one of them a remainder) -- 16 steps in all for `joint`'s 8 epochs.
# Every other value (widths 4096/2048, dropouts, bag sizes, lr, weight decay, epochs, ties) is
# as shipped. Set BATCH=128 to run the configs unchanged.
#
# Each stage writes a timing line to OUT/timings.tsv (stage, seconds).
set -euo pipefail

OUT=${1:-runs/surv-e2e}
GLIOFUSE=${GLIOFUSE:-target/release/gliofuse}
PYTHON=${PYTHON:-python3}
PATIENTS=${PATIENTS:-200}
TILE_MAX=${TILE_MAX:-16}
MAX_PATCHES=${MAX_PATCHES:-8}
SLIDE_SIZE=${SLIDE_SIZE:-2048}
SEEDS=${SEEDS:-5}
MODELS=${MODELS:-"joint tanh scaled-dot rna-only slide-only"}
BATCH=${BATCH:-32}
NICE=${NICE:-nice -n 19}

if [ ! -x "$GLIOFUSE" ]; then
    cargo build --release -p gliofuse
fi
mkdir -p "$OUT"
TIMINGS="$OUT/timings.tsv"
: > "$TIMINGS"
stage() { # stage NAME command...
    local name=$1; shift
    local t0; t0=$(date +%s.%N)
    echo "== $name: $*" >&2
    "$@"
    local t1; t1=$(date +%s.%N)
    printf '%s\t%.1f\n' "$name" "$(echo "$t1 - $t0" | bc)" >> "$TIMINGS"
}

# 1. cohort: pyramidal TIFF slides (1-2 per patient), 2,000 genes of raw counts, no MRI.
stage synth $NICE "$GLIOFUSE" synth --out "$OUT/cohort" --patients "$PATIENTS" --seed 7 \
    --roi-size 64 --max-rois 1 --slide-size "$SLIDE_SIZE" --slide-format tiff \
    --genes 2000 --mri-size 0,0,0

# 2. encoder weights
if [ -z "${WEIGHTS:-}" ]; then
    WEIGHTS="$OUT/resnet50-random0.safetensors"
    [ -f "$WEIGHTS" ] || "$PYTHON" tools/export_torchvision_resnet50.py --random-init 0 --out "$WEIGHTS"
fi

# 3. tiling (Steyaert rules, seeded shuffle) and 4. embedding (first MAX_PATCHES of the
#    shuffled patches of each slide)
stage tile $NICE "$GLIOFUSE" slides tile --cohort "$OUT/cohort" --out "$OUT/tiles" \
    --max-patches "$TILE_MAX"
stage embed $NICE "$GLIOFUSE" slides embed --cohort "$OUT/cohort" --tiles "$OUT/tiles" \
    --out "$OUT/bags" --encoder resnet50 --weights "$WEIGHTS" --max-patches "$MAX_PATCHES"

# 5. the five model families, same patients and splits (seeds 42..42+SEEDS-1). PARALLEL=1 runs
#    the models as concurrent processes, PARALLEL=seeds every (model, seed) as its own process
#    writing OUT/<model>-s<seed> (a seed's result does not depend on the other seeds, so the
#    numbers are the same; tools/survival_tables.py reads either layout).
mkdir -p "$OUT/configs"
train_model() { # train_model MODEL [SEED]
    local k=$1 cfg="$OUT/configs/$1.toml" out="$OUT/$1" n=$SEEDS name="train-$1"
    local seed_edit="s/^seed = 42$/seed = 42/"
    if [ -n "${2:-}" ]; then
        cfg="$OUT/configs/$k-s$2.toml"; out="$OUT/$k-s$2"; n=1; name="train-$k-s$2"
        seed_edit="s/^seed = .*/seed = $2/"
    fi
    sed -e "s/^batch_size = .*/batch_size = $BATCH/" -e "$seed_edit" "configs/survival/$k.toml" > "$cfg"
    stage "$name" $NICE "$GLIOFUSE" survival train --config "$cfg" \
        --cohort "$OUT/cohort" --bags "$OUT/bags" --out "$out" --seeds "$n" --quiet \
        > "$OUT/$name.log" 2>&1
}
case "${PARALLEL:-0}" in
    1) for k in $MODELS; do train_model "$k" & done; wait ;;
    seeds) for k in $MODELS; do for i in $(seq 0 $((SEEDS - 1))); do
               train_model "$k" $((42 + i)) &
           done; done; wait ;;
    *) for k in $MODELS; do train_model "$k"; done ;;
esac

cat "$TIMINGS"
"${PYTHON_TABLES:-python3}" tools/survival_tables.py "$OUT" $MODELS
