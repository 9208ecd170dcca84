#!/usr/bin/env python3
"""Times pyradiomics 3.1.0's filter functions on the full brain1 image (same work as
crates/radiomics/examples/filters_bench.rs): wavelet coif1 level 1, LoG sigma 1..5 mm, gradient,
square, squareroot, logarithm, exponential. Each generator is run to the end (all images made).
SimpleITK is limited to one thread. Prints the median of --reps runs per filter in ms."""
import argparse
import os
import statistics
import time

import SimpleITK as sitk
from radiomics import imageoperations as io

p = argparse.ArgumentParser()
p.add_argument('--data', default='crates/radiomics/tests/data/pyradiomics')
p.add_argument('--reps', type=int, default=11)
a = p.parse_args()
sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
image = sitk.ReadImage(os.path.join(a.data, 'brain1_image.nrrd'))
mask = sitk.ReadImage(os.path.join(a.data, 'brain1_label.nrrd'))
jobs = [
    ('wavelet coif1 (8 bands)', lambda: io.getWaveletImage(image, mask)),
    ('LoG sigma 1..5 (5 images)', lambda: io.getLoGImage(image, mask, sigma=[1.0, 2.0, 3.0, 4.0, 5.0])),
    ('gradient', lambda: io.getGradientImage(image, mask)),
    ('square', lambda: io.getSquareImage(image, mask)),
    ('squareroot', lambda: io.getSquareRootImage(image, mask)),
    ('logarithm', lambda: io.getLogarithmImage(image, mask)),
    ('exponential', lambda: io.getExponentialImage(image, mask)),
]
total = 0.0
for name, job in jobs:
    ts = []
    for _ in range(a.reps):
        t = time.perf_counter()
        n = len(list(job()))
        ts.append((time.perf_counter() - t) * 1e3)
    med = statistics.median(ts)
    total += med
    print('pyradiomics\t%s\t%.2f' % (name, med))
print('pyradiomics\tall filters\t%.2f' % total)
