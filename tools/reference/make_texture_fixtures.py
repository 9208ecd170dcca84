#!/usr/bin/env python3
"""Texture-class parity fixtures for the `radiomics` crate, made with pyradiomics 3.1.0.

For brain1 and brain2 (pyradiomics' own test images) and a set of settings variants, this dumps
what pyradiomics' texture classes (glcm, glrlm, glszm, gldm, ngtdm) receive -- the image cropped
to the ROI bounding box and discretised (`featureClass.imageArray` after `_applyBinning`), the mask
and the spacing -- together with every enabled-by-default feature value of the five classes. The
Rust tests rebuild a `DiscretizedRoi` from each dump and compare their features with these values,
so they test the texture classes without depending on the readers or the discretisation.

Two families of cases:
* `<case>_<variant>`: pyradiomics 3.1.0 run with its extractor defaults plus one change (binCount
  64, force2D, each weightingNorm, distances [1, 2], gldm_a 1, symmetricalGLCM false, ...). The
  `default` case is checked here against shared/data/pyradiomics/reference/brain1_default.csv
  (the full extractor's output), which must agree exactly.
* `synthetic_<name>`: small hand-made arrays (a 3x3 image checked by hand in the Rust tests,
  flat regions, ROIs without neighbour pairs, gaps between gray levels, a random 6x5x4 volume
  with several settings, a single voxel that pyradiomics refuses); for some of them the
  processed matrices (P_glcm, P_glrlm, P_glszm, P_gldm, P_ngtdm) are dumped as well.
* `baseline_<column>`: every brain1/brain2 column of pyradiomics' official baseline CSVs
  (data/baseline/baseline_<class>.csv), loaded exactly as pyradiomics' tests/testUtils.py does
  (loadImage with the column's settings, checkMask, resegmentation, crop without padding).

Run by hand (CI has no Python), from the repository root, in a venv with pyradiomics 3.1.0 built
from the v3.1.0 tag (the PyPI sdist lacks radiomics/src/cmatrices.h and cshape.h):

    python tools/reference/make_texture_fixtures.py \
        --data crates/radiomics/tests/data/pyradiomics \
        --out crates/radiomics/tests/fixtures/texture_pyradiomics.json

Array encoding (keeps the fixture small): `bins_rle` walks the cropped box x fastest, then y, then
z; a positive entry is the gray level of one ROI voxel, a negative entry -n stands for n voxels
outside the ROI. Feature values are Python floats written with repr (round-trip exact); NaN is
written as null.
"""

import argparse
import ast
import csv
import hashlib
import json
import logging
import os
import platform
import sys
import warnings

import numpy
import SimpleITK as sitk

import radiomics
from radiomics import featureextractor, glcm, gldm, glrlm, glszm, imageoperations, ngtdm

CLASSES = {
    'glcm': glcm.RadiomicsGLCM,
    'glrlm': glrlm.RadiomicsGLRLM,
    'glszm': glszm.RadiomicsGLSZM,
    'gldm': gldm.RadiomicsGLDM,
    'ngtdm': ngtdm.RadiomicsNGTDM,
}

# Variants of the extractor defaults (pyradiomics' own defaults, binWidth 25, label 1).
VARIANTS = {
    'default': {},
    'bincount64': {'binCount': 64},
    'binwidth10': {'binWidth': 10},
    'force2d': {'force2D': True, 'force2Ddimension': 0},
    'force2d_dim1': {'force2D': True, 'force2Ddimension': 1},
    'force2d_dim2': {'force2D': True, 'force2Ddimension': 2},
    'manhattan': {'weightingNorm': 'manhattan'},
    'euclidean': {'weightingNorm': 'euclidean'},
    'infinity': {'weightingNorm': 'infinity'},
    'no_weighting': {'weightingNorm': 'no_weighting'},
    'distances12': {'distances': [1, 2]},
    'distances2': {'distances': [2]},
    'gldm_a1': {'gldm_a': 1},
    'asymmetric': {'symmetricalGLCM': False},
}



def data_file(data_dir, sub, name):
    """A pyradiomics data file: flat in the repo's copy (crates/radiomics/tests/data/pyradiomics),
    or under images/, baseline/, reference/ in pyradiomics' own layout."""
    nested = os.path.join(data_dir, sub, name)
    return nested if os.path.exists(nested) else os.path.join(data_dir, name)

def synthetic_cases():
    """Small hand-made arrays (numpy z, y, x) for checks by hand and degenerate cases.

    binWidth 1 with the smallest ROI value 1 makes the gray levels equal to the values.
    """
    rng = numpy.random.RandomState(20261121)
    out = []

    def case(name, values, mask=None, spacing=(1.0, 1.0, 1.0), **extra):
        values = numpy.asarray(values, dtype=numpy.float64)
        if values.ndim == 2:
            values = values[None, :, :]
        if mask is None:
            mask = numpy.ones(values.shape, dtype=numpy.uint8)
        mask = numpy.asarray(mask, dtype=numpy.uint8).reshape(values.shape)
        settings = {'binWidth': 1}
        settings.update(extra)
        out.append((name, values, mask, spacing, settings))

    hand = [[1, 2, 1], [2, 2, 3], [1, 3, 3]]
    case('hand3x3', hand)
    case('hand3x3_euclidean', hand, spacing=(0.5, 2.0, 3.0), weightingNorm='euclidean')
    case('hand3x3_manhattan', hand, spacing=(0.5, 2.0, 3.0), weightingNorm='manhattan')
    case('hand3x3_asymmetric', hand, symmetricalGLCM=False)
    case('checker4x4', [[1 + (x + y) % 2 for x in range(4)] for y in range(4)])
    case('flat4x3x2', numpy.full((2, 3, 4), 7.0))
    flat_mask = numpy.ones((2, 3, 4), dtype=numpy.uint8)
    flat_mask[0, 1, 1:3] = 0
    flat_mask[1, 0, 0] = 0
    case('flat4x3x2_holes', numpy.full((2, 3, 4), 7.0), mask=flat_mask)
    case('flat_weighted', numpy.full((2, 3, 4), 7.0), weightingNorm='infinity')
    case('line_no_pairs', [[1, 5, 2]], mask=[[1, 0, 1]])
    case('two_voxels_flat', [[4, 4]])
    case('two_voxels_diagonal', [[1, 9], [9, 2]], mask=[[1, 0], [0, 1]])
    # Two slices whose ROI parts do not overlap in-plane: every z-moving line crosses at most
    # one ROI voxel, so pyradiomics empties those GLRLM angles (and they have no GLCM pair).
    off_vals = numpy.array([[[1, 5, 5], [1, 5, 5], [2, 5, 5]], [[5, 5, 2], [5, 5, 2], [5, 5, 1]]], dtype=float)
    off_mask = numpy.zeros((2, 3, 3), dtype=numpy.uint8)
    off_mask[0, :, 0] = 1
    off_mask[1, :, 2] = 1
    case('offset_slices', off_vals, mask=off_mask)
    gaps = rng.choice([1.0, 3.0, 7.0], size=(3, 4, 4))
    gaps_mask = (rng.rand(3, 4, 4) < 0.8).astype(numpy.uint8)
    gaps_mask[0, 0, 0] = 1
    gaps[0, 0, 0] = 1.0
    case('gaps_1_3_7', gaps, mask=gaps_mask)
    rnd = rng.randint(1, 9, size=(4, 5, 6)).astype(numpy.float64)
    rnd_mask = (rng.rand(4, 5, 6) < 0.7).astype(numpy.uint8)
    rnd[rnd_mask == 1] = numpy.maximum(rnd[rnd_mask == 1], 1)
    rnd.flat[numpy.flatnonzero(rnd_mask)[0]] = 1.0  # smallest ROI value 1
    sp = (0.7, 0.9, 2.5)
    case('random6x5x4', rnd, mask=rnd_mask, spacing=sp)
    case('random6x5x4_d12', rnd, mask=rnd_mask, spacing=sp, distances=[1, 2])
    case('random6x5x4_d3', rnd, mask=rnd_mask, spacing=sp, distances=[3])
    case('random6x5x4_manhattan', rnd, mask=rnd_mask, spacing=sp, weightingNorm='manhattan')
    case('random6x5x4_asym', rnd, mask=rnd_mask, spacing=sp, symmetricalGLCM=False)
    case('random6x5x4_a1', rnd, mask=rnd_mask, spacing=sp, gldm_a=1)
    case('random6x5x4_2d_y', rnd, mask=rnd_mask, spacing=sp, force2D=True, force2Ddimension=1)
    case('one_voxel', [[5]])
    return out


def load_case(data_dir, case, settings):
    """Image and mask as pyradiomics' tests/testUtils.py prepares them, cropped (no padding)."""
    image = sitk.ReadImage(data_file(data_dir, 'images', '%s_image.nrrd' % case))
    mask = sitk.ReadImage(data_file(data_dir, 'images', '%s_label.nrrd' % case), sitk.sitkUInt32)
    image, mask = featureextractor.RadiomicsFeatureExtractor.loadImage(image, mask, **settings)
    bb, corrected = imageoperations.checkMask(image, mask, **settings)
    if corrected is not None:
        mask = corrected
    if settings.get('resegmentRange') is not None:
        reseg = imageoperations.resegmentMask(image, mask, **settings)
        bb, corrected = imageoperations.checkMask(image, reseg, **settings)
        if corrected is not None:
            reseg = corrected
        mask = reseg
    assert bb is not None, 'mask checks failed for %s' % case
    return imageoperations.cropToTumorMask(image, mask, bb)


def rle(bins, mask):
    out = []
    run = 0
    for b, m in zip(bins, mask):
        if m:
            if run:
                out.append(-run)
                run = 0
            assert b >= 1
            out.append(int(b))
        else:
            run += 1
    if run:
        out.append(-run)
    return out


# Synthetic cases whose processed matrices are dumped too (small: a few levels).
MATRIX_CASES = {'hand3x3', 'offset_slices', 'gaps_1_3_7', 'random6x5x4', 'random6x5x4_manhattan', 'random6x5x4_asym',
                'random6x5x4_2d_y'}


def matrices_of(name, fc):
    """pyradiomics' processed matrix of one class (the state its features are computed from)."""
    if name == 'glcm':  # (1, Ng, Ng, Na) normalised -> [angle][i][j]
        return {'p': numpy.transpose(fc.P_glcm[0], (2, 0, 1)).tolist()}
    if name == 'glrlm':  # (1, Ng, Nr, Na) counts -> [angle][i][j], with the run lengths kept
        return {'p': numpy.transpose(fc.P_glrlm[0], (2, 0, 1)).tolist(),
                'j': fc.coefficients['jvector'].tolist()}
    if name == 'glszm':  # (1, Ng, Ns) counts, with the zone sizes kept
        return {'p': fc.P_glszm[0].tolist(), 'j': fc.coefficients['jvector'].tolist()}
    if name == 'gldm':  # (1, Ng, Nd) counts, with the dependence sizes kept
        return {'p': fc.P_gldm[0].tolist(), 'j': fc.coefficients['jvector'].tolist()}
    if name == 'ngtdm':  # (1, Ng, 3): n_i, s_i, gray level
        return {'p': fc.P_ngtdm[0].tolist()}
    raise KeyError(name)


def run_classes(image, mask, settings, with_matrices=False):
    """Discretised array (numpy z, y, x), mask, the features of the five classes and optionally
    their processed matrices."""
    values = {}
    matrices = {}
    binned = None
    roi_mask = None
    for name, cls in CLASSES.items():
        fc = cls(image, mask, **settings)
        arr = numpy.where(fc.maskArray, fc.imageArray, 0).astype(numpy.int64)
        if binned is None:
            binned, roi_mask = arr, fc.maskArray.copy()
        else:
            assert numpy.array_equal(binned, arr) and numpy.array_equal(roi_mask, fc.maskArray)
        fc.execute()
        values[name] = {k: (None if numpy.isnan(float(v)) else float(v)) for k, v in fc.featureValues.items()}
        if with_matrices:
            matrices[name] = matrices_of(name, fc)
    return binned, roi_mask, values, matrices


def texture_settings(settings):
    return {
        'distances': [int(d) for d in settings.get('distances', [1])],
        'symmetricalGLCM': bool(settings.get('symmetricalGLCM', True)),
        'weightingNorm': settings.get('weightingNorm'),
        'gldm_a': int(settings.get('gldm_a', 0)),
        'force2D': bool(settings.get('force2D', False)),
        'force2Ddimension': int(settings.get('force2Ddimension', 0)),
    }


def read_baseline_columns(data_dir):
    """{column: settings dict} for every brain1/brain2 column of the five texture baselines."""
    cols = {}
    for cls in CLASSES:
        with open(data_file(data_dir, 'baseline', 'baseline_%s.csv' % cls)) as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        by_name = {r[0]: r for r in rows[1:]}
        for k, col in enumerate(header[1:], start=1):
            settings = ast.literal_eval(by_name['diagnostics_Configuration_Settings'][k])
            case = by_name['diagnostics_Configuration_TestCase'][k]
            if col in cols:
                assert cols[col][1] == settings
            cols[col] = (case, settings)
    return cols


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', default='crates/radiomics/tests/data/pyradiomics')
    ap.add_argument('--out', default='crates/radiomics/tests/fixtures/texture_pyradiomics.json')
    args = ap.parse_args()
    logging.getLogger('radiomics').setLevel(logging.CRITICAL)
    numpy.seterr(all='ignore')
    warnings.simplefilter('ignore')

    rois = {}
    cases = []

    def add(name, case, settings, baseline_column=None, images=None, with_matrices=False):
        image, mask = images if images else load_case(args.data, case, settings)
        matrices = None
        try:
            binned, roi_mask, values, matrices = run_classes(image, mask, settings, with_matrices)
            error = None
        except Exception as e:  # pyradiomics refuses the input: record what it says
            error = '%s: %s' % (type(e).__name__, e)
            fc = CLASSES['glcm'](image, mask, **settings)
            binned = numpy.where(fc.maskArray, fc.imageArray, 0).astype(numpy.int64)
            roi_mask, values = fc.maskArray.copy(), {}
        z, y, x = binned.shape
        flat_bins = binned.ravel(order='C')  # C order over (z, y, x) = x fastest
        flat_mask = roi_mask.ravel(order='C')
        enc = rle(flat_bins, flat_mask)
        key = hashlib.sha1(json.dumps([x, y, z, list(image.GetSpacing()), enc]).encode()).hexdigest()[:12]
        roi_name = '%s_%s' % (case, key)
        if roi_name not in rois:
            rois[roi_name] = {
                'size': [x, y, z],
                'spacing': list(image.GetSpacing()),
                'n_voxels': int(flat_mask.sum()),
                'n_levels': int(len(numpy.unique(flat_bins[flat_mask]))),
                'max_level': int(flat_bins[flat_mask].max()),
                'bins_rle': enc,
            }
        cases.append({
            'name': name,
            'case': case,
            'roi': roi_name,
            'baseline_column': baseline_column,
            'pyradiomics_settings': {k: v for k, v in settings.items()},
            'settings': texture_settings(settings),
            'features': values,
            'error': error,
            'matrices': matrices or None,
        })
        print('%-36s roi %s  %d voxels  %d levels' % (name, roi_name, rois[roi_name]['n_voxels'],
                                                    rois[roi_name]['n_levels']), file=sys.stderr)
        return values

    for case in ('brain1', 'brain2'):
        for variant, extra in VARIANTS.items():
            settings = dict(featureextractor.RadiomicsFeatureExtractor().settings)
            settings.update(extra)
            values = add('%s_%s' % (case, variant), case, settings)
            if case == 'brain1' and variant == 'default':
                check_against_reference(args.data, values)

    for column, (case, settings) in sorted(read_baseline_columns(args.data).items()):
        add('baseline_%s' % column, case, settings, baseline_column=column)

    for name, values, mask, spacing, settings in synthetic_cases():
        image = sitk.GetImageFromArray(values)
        image.SetSpacing(spacing)
        label = sitk.GetImageFromArray(mask.astype(numpy.uint32))
        label.SetSpacing(spacing)
        add('synthetic_%s' % name, 'synthetic', settings, images=(image, label),
            with_matrices=name in MATRIX_CASES)

    doc = {
        'description': 'pyradiomics texture-class inputs (discretised, cropped ROI) and outputs; '
                       'see tools/reference/make_texture_fixtures.py',
        'generator': 'tools/reference/make_texture_fixtures.py',
        'source_data': 'pyradiomics test data brain1/brain2 (BSD-3, Copyright 2017 Harvard Medical School)',
        'versions': {
            'pyradiomics': radiomics.__version__,
            'numpy': numpy.__version__,
            'SimpleITK': sitk.Version.VersionString(),
            'python': platform.python_version(),
        },
        'encoding': 'bins_rle: x fastest, then y, then z; n>0 = gray level of one ROI voxel, '
                    '-n = n voxels outside the ROI; spacing and size in x, y, z; null = NaN',
        'rois': rois,
        'cases': cases,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as fh:
        json.dump(doc, fh, indent=None, separators=(',', ':'))
        fh.write('\n')
    print('wrote %s (%d rois, %d cases)' % (args.out, len(rois), len(cases)), file=sys.stderr)


def check_against_reference(data_dir, values):
    """The brain1 default case must equal the full extractor's reference output exactly."""
    ref = {}
    with open(data_file(data_dir, 'reference', 'brain1_default.csv')) as fh:
        for row in csv.DictReader(fh):
            ref[row['feature']] = float(row['value'])
    n = 0
    for cls, feats in values.items():
        for name, v in feats.items():
            r = ref['original_%s_%s' % (cls, name)]
            assert v == r, (cls, name, v, r)
            n += 1
    assert n == 75, n
    print('brain1_default: all 75 texture values equal reference/brain1_default.csv', file=sys.stderr)


if __name__ == '__main__':
    main()
