#!/usr/bin/env bash
# Alternating runs of the training-step benchmarks (issues 6 and 8): each Burn bench binary given
# on the command line, then PyTorch, repeated, at 1 and 2 threads. Prints one JSON line per run
# (prefixed with the label) and, at the end, the median over runs of each program's per-run
# median wall and CPU time per step.
#
#   bench/train_steps_ab.sh vit|survival REPEATS STEPS LABEL=BINARY [LABEL=BINARY ...]
#
# BINARY is a built bench executable (cargo bench -p models -p gliofuse -p cohort --bench
# vit_step --no-run prints its path); keep copies of older builds to compare before/after.
# PYTHON defaults to /work/venv-torch/bin/python (torch 2.15 CPU); THREADS (default "1 2")
# chooses the thread counts.
set -euo pipefail
cd "$(dirname "$0")/.."
which_bench=$1; repeats=$2; steps=$3; shift 3
py=${PYTHON:-/work/venv-torch/bin/python}
case $which_bench in
  vit) script=bench/vit_step_torch.py; wall=train_step_median_s; cpu=train_step_cpu_median_s ;;
  survival) script=bench/survival_step_torch.py; wall=median_step_s; cpu=median_step_cpu_s ;;
  *) echo "first argument: vit or survival" >&2; exit 2 ;;
esac
out=$(mktemp)
for threads in ${THREADS:-1 2}; do
  for r in $(seq "$repeats"); do
    for spec in "$@"; do
      label=${spec%%=*}; bin=${spec#*=}
      line=$(RAYON_NUM_THREADS=$threads "$bin" --steps "$steps" | grep '^{')
      echo "$label t$threads $line" | tee -a "$out"
    done
    line=$("$py" "$script" --steps "$steps" --threads "$threads" | grep '^{')
    echo "torch t$threads $line" | tee -a "$out"
  done
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
python3 - "$out" "$wall" "$cpu" <<'EOF'
import json, statistics, sys
path, wall, cpu = sys.argv[1:4]
runs = {}
for line in open(path):
    label, threads, js = line.split(" ", 2)
    d = json.loads(js)
    runs.setdefault((label, threads), []).append((d[wall], d.get(cpu, float("nan"))))
print("label threads runs median_wall_s median_cpu_s (per-run medians: wall)")
for (label, threads), v in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    w = statistics.median(x for x, _ in v)
    c = statistics.median(y for _, y in v)
    print(f"{label} {threads} {len(v)} {w:.4f} {c:.4f} {[round(x, 3) for x, _ in v]}")
EOF
rm -f "$out"
