"""Benchmark and cross-check of `gliofuse slides tile` against a Python tiler built the way
Steyaert's 1_WSI2Patches.py works (OpenSlide + scikit-image + SciPy), on the same slides.

The Python side re-states the published algorithm (our own code, not upstream's): mask on the
lowest level, dilation x3 + erosion x3, non-overlapping 224 px grid at level 0, top-left mask
test, per-patch mask dilated x3 > 20 % and not is_low_contrast. Like gliofuse it skips the
partial squares at the right/bottom edges and writes no PNG (upstream saves each patch).
Both sides examine every square (the cap, 2000, is above the 81 squares of a 2048 px slide),
so the sets of accepted squares must be identical; the script fails if they are not.

Rerun (single thread both sides; needs libopenslide0, openslide-python, scikit-image, scipy):

    cargo build --release
    target/release/gliofuse synth --out /tmp/tb --patients 8 --max-slides 1 --genes 0 --mri-size 0,0,0 --roi-size 64
    python bench/tiling_openslide.py /tmp/tb target/release/gliofuse 5
"""
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import openslide
import scipy
import skimage
from scipy.ndimage import binary_dilation, binary_erosion
from skimage.color import rgb2hsv
from skimage.exposure import is_low_contrast
from skimage.filters import threshold_otsu


def tissue(img):
    hsv = rgb2hsv(img)
    glass = np.ones(img.shape[:2], bool)
    for c in range(3):
        glass &= img[:, :, c] > threshold_otsu(img[:, :, c])
    sat = hsv[:, :, 1] > threshold_otsu(hsv[:, :, 1])
    return ~glass & sat & (img > 50).all(axis=2)


def tile(path, size=224, max_patches=2000):
    s = openslide.OpenSlide(path)
    last = s.level_count - 1
    thumb = np.array(s.read_region((0, 0), last, s.level_dimensions[last]).convert("RGB"))
    mask = binary_erosion(binary_dilation(tissue(thumb), iterations=3), iterations=3)
    w0, h0 = s.level_dimensions[0]
    rx, ry = w0 / s.level_dimensions[last][0], h0 / s.level_dimensions[last][1]
    kept = []
    for y in range(0, h0 - size + 1, size):
        for x in range(0, w0 - size + 1, size):
            if not mask[int(y / ry), int(x / rx)]:
                continue
            patch = np.array(s.read_region((x, y), 0, (size, size)).convert("RGB"))
            frac = binary_dilation(tissue(patch), iterations=3).mean()
            if frac > 0.2 and not is_low_contrast(patch):
                kept.append((x, y))
                if len(kept) >= max_patches:
                    return kept
    return kept


def main(cohort, exe, repeats):
    with open(os.path.join(cohort, "slides.csv")) as f:
        slides = [(r["slide_id"], os.path.join(cohort, r["path"])) for r in csv.DictReader(f)]
    # Wall and CPU (user + sys) seconds; CPU is the stable figure on a loaded shared machine.
    py_times, py_cpu, py_sets = [], [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        sets = {sid: sorted(tile(p)) for sid, p in slides}
        py_times.append(time.perf_counter() - t)
        py_cpu.append(time.process_time() - c)
        py_sets = sets
    rs_times, rs_cpu = [], []
    out = "/tmp/tiling_bench_out"
    for _ in range(repeats):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([exe, "slides", "tile", "--cohort", cohort, "--out", out, "--threads", "1"], check=True, capture_output=True)
        rs_times.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        rs_cpu.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    total, squares = 0, 0
    for sid, _ in slides:
        with open(os.path.join(out, sid + ".csv")) as f:
            rs = sorted((int(r["x"]), int(r["y"])) for r in csv.DictReader(f))
        assert rs == py_sets[sid], f"{sid}: accepted squares differ: gliofuse {len(rs)}, python {len(py_sets[sid])}"
        total += len(rs)
        with open(os.path.join(out, sid + ".json")) as f:
            squares += json.load(f)["examined"]
    py, rs = statistics.median(py_times), statistics.median(rs_times)
    print(f"openslide-python {openslide.__version__} (OpenSlide {openslide.__library_version__}), "
          f"scikit-image {skimage.__version__}, scipy {scipy.__version__}, numpy {np.__version__}")
    print(f"{len(slides)} slides, {squares} grid squares, {total} patches accepted (identical sets)")
    print(f"python   median of {repeats}: {py:.3f} s  ({total / py:.0f} patches/s, {squares / py:.0f} squares/s)")
    print(f"gliofuse median of {repeats}: {rs:.3f} s  ({total / rs:.0f} patches/s, {squares / rs:.0f} squares/s)")
    print(f"ratio gliofuse / python (wall): {rs / py:.3f}")
    pc, rc = statistics.median(py_cpu), statistics.median(rs_cpu)
    print(f"CPU: python {pc:.3f} s ({squares / pc:.0f} squares/s), gliofuse {rc:.3f} s ({squares / rc:.0f} squares/s, "
          f"{total / rc:.0f} patches/s), ratio {rc / pc:.3f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
