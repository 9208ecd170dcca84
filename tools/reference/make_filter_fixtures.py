#!/usr/bin/env python3
"""Filter parity fixtures for the `radiomics` crate (crates/radiomics/src/filters/).

Runs pyradiomics 3.1.0's own filter functions (radiomics.imageoperations.getWaveletImage,
getLoGImage, getGradientImage, getSquareImage, ...), which call PyWavelets and SimpleITK, on:

* `brain1`: the full, uncropped brain1 image (pyradiomics' test data, copied into
  crates/radiomics/tests/data/pyradiomics/); outputs are stored at the ROI voxels only (label 1,
  4,137 voxels, C order over (z, y, x)) for pyradiomics' all-filters configuration (coif1 level 1,
  LoG sigma 1..5 mm, gradient);
* `brain1_sub`: the full brain1 image with other wavelets, start_level and level, other LoG
  sigmas, and the point filters; outputs at every 16th ROI voxel;
* `synth_*`: small random volumes with odd sizes and anisotropic spacing, stored whole (the input
  too), for many wavelets, levels, force2D, and LoG/gradient.

Output: crates/radiomics/tests/fixtures/filters/filters.json (manifest: cases, arrays, dtypes,
byte offsets, library versions) and filters.bin (little-endian arrays, float64 for float64
outputs, float32 for SimpleITK's float32 outputs, so every stored value is exact).

Run by hand from the repository root:
    /work/venv-rad/bin/python tools/reference/make_filter_fixtures.py
"""
import json
import os
import platform

import numpy as np
import pywt
import SimpleITK as sitk
import radiomics
from radiomics import imageoperations as io

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
DATA = os.path.join(ROOT, 'crates', 'radiomics', 'tests', 'data', 'pyradiomics')
OUT = os.path.join(ROOT, 'crates', 'radiomics', 'tests', 'fixtures', 'filters')

blob = bytearray()
cases = []


def add_array(arr, dtype):
    arr = np.ascontiguousarray(arr, dtype=dtype)
    off = len(blob)
    blob.extend(arr.astype('<' + arr.dtype.str[1:]).tobytes())
    return {'dtype': np.dtype(dtype).name, 'offset': off, 'len': int(arr.size)}


def store(outputs, sel):
    """outputs: list of (name, sitk image) -> list of array records at selection `sel`."""
    recs = []
    for img, name, _ in outputs:
        arr = sitk.GetArrayFromImage(img)
        dt = arr.dtype
        if dt not in (np.float32, np.float64):
            raise SystemExit('unexpected dtype %s for %s' % (dt, name))
        vals = arr.reshape(-1)[sel] if sel is not None else arr.reshape(-1)
        rec = add_array(vals, dt)
        rec['name'] = name
        recs.append(rec)
    return recs


def run_filters(image, mask, spec):
    kind = spec['filter']
    kw = dict(spec.get('settings', {}))
    if kind == 'wavelet':
        return list(io.getWaveletImage(image, mask, **kw))
    if kind == 'log':
        return list(io.getLoGImage(image, mask, **kw))
    if kind == 'gradient':
        return list(io.getGradientImage(image, mask, **kw))
    fn = {'square': io.getSquareImage, 'squareroot': io.getSquareRootImage,
          'logarithm': io.getLogarithmImage, 'exponential': io.getExponentialImage}[kind]
    return list(fn(image, mask, **kw))


# --- brain1, full image, ROI voxels ---------------------------------------------------------
image = sitk.ReadImage(os.path.join(DATA, 'brain1_image.nrrd'))
mask = sitk.ReadImage(os.path.join(DATA, 'brain1_label.nrrd'))
roi = np.flatnonzero(sitk.GetArrayFromImage(mask).reshape(-1) == 1)
sub = roi[::16]
brain_specs = [
    ('brain1', roi, {'filter': 'wavelet', 'settings': {}}),
    ('brain1', roi, {'filter': 'log', 'settings': {'sigma': [1.0, 2.0, 3.0, 4.0, 5.0]}}),
    ('brain1', roi, {'filter': 'gradient', 'settings': {}}),
    ('brain1_sub', sub, {'filter': 'square'}),
    ('brain1_sub', sub, {'filter': 'squareroot'}),
    ('brain1_sub', sub, {'filter': 'logarithm'}),
    ('brain1_sub', sub, {'filter': 'exponential'}),
]
for w in ['haar', 'db2', 'sym4', 'bior1.3', 'rbio2.2', 'dmey']:
    brain_specs.append(('brain1_sub', sub, {'filter': 'wavelet', 'settings': {'wavelet': w}}))
brain_specs.append(('brain1_sub', sub, {'filter': 'wavelet',
                                        'settings': {'wavelet': 'db2', 'start_level': 1, 'level': 2}}))
brain_specs.append(('brain1_sub', sub, {'filter': 'log', 'settings': {'sigma': [0.5, 1.5, 2.5]}}))
brain_specs.append(('brain1_sub', sub, {'filter': 'gradient', 'settings': {'gradientUseSpacing': False}}))
voxel_recs = {'brain1': add_array(roi, np.uint32), 'brain1_sub': add_array(sub, np.uint32)}
for case, sel, spec in brain_specs:
    outs = run_filters(image, mask, spec)
    cases.append({'case': case, 'input': 'brain1_image.nrrd', 'voxels': voxel_recs[case],
                  'filter': spec['filter'], 'settings': spec.get('settings', {}),
                  'outputs': store(outs, sel)})

# --- synthetic volumes ----------------------------------------------------------------------
rng = np.random.default_rng(20261121)
synth = {
    'synth_odd': ((5, 7, 9), (0.7, 1.1, 2.3)),      # numpy shape (z, y, x); spacing (x, y, z)
    'synth_even': ((6, 8, 10), (1.0, 1.0, 1.0)),
    'synth_small': ((3, 2, 5), (0.5, 0.5, 3.0)),      # axes shorter than the filters
}
synth_specs = {
    'synth_odd': [{'filter': 'wavelet', 'settings': {'wavelet': w}}
                  for w in ['haar', 'db2', 'coif1', 'sym4', 'bior1.3', 'rbio3.1', 'dmey', 'coif5']]
    + [{'filter': 'wavelet', 'settings': {'wavelet': 'coif1', 'start_level': 1, 'level': 2}},
       {'filter': 'wavelet', 'settings': {'wavelet': 'haar', 'start_level': 2, 'level': 3}},
       {'filter': 'wavelet', 'settings': {'wavelet': 'db2', 'force2D': True, 'force2Ddimension': 0}},
       {'filter': 'wavelet', 'settings': {'wavelet': 'sym4', 'force2D': True, 'force2Ddimension': 2}},
       {'filter': 'log', 'settings': {'sigma': [1.0, 2.0, 3.0, 4.0, 5.0]}},
       {'filter': 'gradient', 'settings': {}},
       {'filter': 'square'}, {'filter': 'squareroot'}, {'filter': 'logarithm'},
       {'filter': 'exponential'}],
    'synth_even': [{'filter': 'wavelet', 'settings': {'wavelet': 'db3', 'level': 2}},
                   {'filter': 'log', 'settings': {'sigma': [0.5, 1.0, 3.0]}}],
    'synth_small': [{'filter': 'wavelet', 'settings': {'wavelet': 'dmey'}},
                    {'filter': 'gradient', 'settings': {}}],
}
for name, (shape, spacing) in synth.items():
    arr = rng.normal(100.0, 40.0, size=shape)
    arr[0, 0, 0] = -250.0  # negative values for the point filters
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing(spacing)
    msk = sitk.GetImageFromArray(np.ones(shape, dtype=np.uint8))
    msk.CopyInformation(img)
    inp = add_array(arr, np.float64)
    for spec in synth_specs[name]:
        outs = run_filters(img, msk, spec)
        cases.append({'case': name, 'input': inp, 'size_xyz': list(shape[::-1]),
                      'spacing': list(spacing), 'filter': spec['filter'],
                      'settings': spec.get('settings', {}), 'outputs': store(outs, None)})

versions = {'pyradiomics': radiomics.__version__, 'PyWavelets': pywt.__version__,
            'SimpleITK': sitk.Version_VersionString(), 'numpy': np.__version__,
            'python': platform.python_version()}
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, 'filters.bin'), 'wb') as f:
    f.write(bytes(blob))
with open(os.path.join(OUT, 'filters.json'), 'w') as f:
    json.dump({'generator': 'tools/reference/make_filter_fixtures.py', 'versions': versions,
               'cases': cases}, f, indent=1)
print('cases', len(cases), 'bytes', len(blob))
