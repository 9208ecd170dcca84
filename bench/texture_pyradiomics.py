#!/usr/bin/env python3
"""Times pyradiomics 3.1.0's texture classes on brain1 (default settings), as the Rust bench
(crates/radiomics/examples/texture_bench.rs) times ours on the same discretised ROI.

Two figures per class, medians of --reps runs:
  execute: featureClass.execute() on an instantiated class = matrix + all enabled features (the
           same work as the Rust `features()` function, which gets an already discretised ROI);
  total:   instantiation (discretisation included) + execute().
Image loading, mask checks and cropping are done once, outside the timings.
"""
import argparse
import logging
import os
import time

import SimpleITK as sitk

from radiomics import featureextractor, glcm, gldm, glrlm, glszm, imageoperations, ngtdm

CLASSES = [('glcm', glcm.RadiomicsGLCM), ('glrlm', glrlm.RadiomicsGLRLM), ('glszm', glszm.RadiomicsGLSZM),
           ('gldm', gldm.RadiomicsGLDM), ('ngtdm', ngtdm.RadiomicsNGTDM)]



def data_file(data_dir, sub, name):
    """A pyradiomics data file: flat in the repo's copy (crates/radiomics/tests/data/pyradiomics),
    or under images/, baseline/, reference/ in pyradiomics' own layout."""
    nested = os.path.join(data_dir, sub, name)
    return nested if os.path.exists(nested) else os.path.join(data_dir, name)

def median(v):
    v = sorted(v)
    return v[len(v) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='crates/radiomics/tests/data/pyradiomics')
    ap.add_argument('--case', default='brain1')
    ap.add_argument('--reps', type=int, default=30)
    args = ap.parse_args()
    logging.getLogger('radiomics').setLevel(logging.CRITICAL)
    settings = dict(featureextractor.RadiomicsFeatureExtractor().settings)
    image = sitk.ReadImage(data_file(args.data, 'images', '%s_image.nrrd' % args.case))
    mask = sitk.ReadImage(data_file(args.data, 'images', '%s_label.nrrd' % args.case), sitk.sitkUInt32)
    image, mask = featureextractor.RadiomicsFeatureExtractor.loadImage(image, mask, **settings)
    bb, _ = imageoperations.checkMask(image, mask, **settings)
    image, mask = imageoperations.cropToTumorMask(image, mask, bb)
    tot_exec = tot_all = 0.0
    for name, cls in CLASSES:
        t_exec, t_all = [], []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            fc = cls(image, mask, **settings)
            t1 = time.perf_counter()
            fc.execute()
            t2 = time.perf_counter()
            t_exec.append((t2 - t1) * 1e3)
            t_all.append((t2 - t0) * 1e3)
        e, a = median(t_exec), median(t_all)
        tot_exec += e
        tot_all += a
        print('pyradiomics %-6s execute %8.3f  total %8.3f' % (name, e, a))
    print('pyradiomics total  execute %8.3f  total %8.3f' % (tot_exec, tot_all))


if __name__ == '__main__':
    main()
