#!/usr/bin/env bash
# Voxel-based radiomics benchmark (issue 5): feature maps of pyradiomics' brain1 (whole ROI, 4,137
# voxels; default extractor: Original image, firstorder + the five texture classes = 93 maps,
# kernelRadius 1), gliofuse vs pyradiomics 3.1.0 in the same run:
# - whole process, both command lines writing NRRD maps to a folder (hyperfine medians):
#   `gliofuse radiomics IMG MSK --voxel --out DIR` with 1 and 2 threads, and
#   `pyradiomics IMG MSK --mode voxel --out-dir DIR`;
# - peak memory (max RSS, GNU time) of both;
# - the maps of both compared voxel for voxel (same names, geometry, pixel type; largest relative
#   difference), so the timings are of the same work.
#
#   PY=/work/venv-rad/bin/python bench/radiomics_voxel.sh [GLIOFUSE_RUNS] [PY_RUNS]
#
# PY must be a Python with pyradiomics 3.1.0 (pyradiomics' voxel mode takes about 2 minutes per
# run here). Needs hyperfine and GNU time (/usr/bin/time). The machine is noisy: compare medians
# of the same run only, and record the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
GRUNS=${1:-10}
PRUNS=${2:-3}
PY=${PY:-/work/venv-rad/bin/python}
PYRAD=${PYRAD:-$(dirname "$PY")/pyradiomics}
D=$PWD/crates/radiomics/tests/data/pyradiomics
IMG=$D/brain1_image.nrrd
MSK=$D/brain1_label.nrrd
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

BIN=${BIN:-$PWD/target/release/gliofuse}
[ -x "$BIN" ] || cargo build --release -q -p gliofuse
echo "load average: $(cut -d" " -f1-3 /proc/loadavg), $(nproc --all) cores, $(date -u +%FT%TZ)"

echo "## whole process (hyperfine; gliofuse $GRUNS runs, pyradiomics $PRUNS runs)"
RAYON_NUM_THREADS=1 hyperfine -N --warmup 1 --runs "$GRUNS" --export-json "$TMP/g1.json" \
  -n "gliofuse --voxel, 1 thread" "$BIN radiomics $IMG $MSK --voxel --out $TMP/g" 2>&1 | grep -v '^ *$'
RAYON_NUM_THREADS=2 hyperfine -N --warmup 1 --runs "$GRUNS" --export-json "$TMP/g2.json" \
  -n "gliofuse --voxel, 2 threads" "$BIN radiomics $IMG $MSK --voxel --out $TMP/g" 2>&1 | grep -v '^ *$'
hyperfine -N --runs "$PRUNS" --export-json "$TMP/p.json" \
  -n "pyradiomics --mode voxel" "$PYRAD $IMG $MSK --mode voxel --out-dir $TMP/p -o $TMP/p.csv -f csv" 2>&1 | grep -v '^ *$'

median() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$1"; }
G1=$(median "$TMP/g1.json"); G2=$(median "$TMP/g2.json"); P=$(median "$TMP/p.json")
"$PY" - "$G1" "$G2" "$P" <<'PYEOF'
import sys
g1, g2, p = map(float, sys.argv[1:])
print(f"medians: gliofuse 1 thread {g1:.3f} s, 2 threads {g2:.3f} s, pyradiomics {p:.1f} s")
print(f"ratio (pyradiomics / gliofuse): 1 thread {p / g1:.0f}x, 2 threads {p / g2:.0f}x")
PYEOF

echo "## peak memory (max RSS)"
/usr/bin/time -f "gliofuse 2 threads: %M KB, %e s" env RAYON_NUM_THREADS=2 "$BIN" radiomics "$IMG" "$MSK" --voxel --out "$TMP/g" 2>&1 | grep KB
/usr/bin/time -f "pyradiomics: %M KB, %e s" "$PYRAD" "$IMG" "$MSK" --mode voxel --out-dir "$TMP/p" -o "$TMP/p.csv" -f csv 2>&1 | grep KB

echo "## same work: the maps of both"
"$PY" - "$TMP/g" "$TMP/p" <<'PYEOF'
import os, sys
import numpy, SimpleITK as sitk
g, p = sys.argv[1:]
names = sorted(os.listdir(p))
assert names == sorted(os.listdir(g)), "map names differ"
worst = {}
for n in names:
    a, b = sitk.ReadImage(os.path.join(p, n)), sitk.ReadImage(os.path.join(g, n))
    assert a.GetSize() == b.GetSize() and a.GetPixelIDValue() == b.GetPixelIDValue(), n
    assert numpy.allclose(a.GetOrigin(), b.GetOrigin()) and numpy.allclose(a.GetSpacing(), b.GetSpacing()), n
    x, y = sitk.GetArrayFromImage(a), sitk.GetArrayFromImage(b)
    nan_x, nan_y = numpy.isnan(x), numpy.isnan(y)
    if (nan_x != nan_y).any():
        m = float("inf")  # NaN on one side only
    else:
        # relative, with a floor of 1e-9 x the map's largest |value| for values that are 0 up
        # to rounding (e.g. ClusterShade 2e-14 against 0)
        xs, ys = x[~nan_x], y[~nan_x]
        scale = numpy.abs(xs).max() if xs.size else 0.0
        d = numpy.abs(xs - ys) / numpy.maximum(numpy.abs(xs), 1e-9 * scale + 1e-300)
        m = float(d.max()) if d.size else 0.0
    cls = n.split("_")[2]
    if m >= worst.get(cls, (-1.0, ""))[0]:
        worst[cls] = (m, n)
print(f"{len(names)} maps, same names, geometry and pixel type")
for cls, (m, n) in sorted(worst.items()):
    print(f"  {cls}: largest relative difference {m:.2e} ({n})")
PYEOF
