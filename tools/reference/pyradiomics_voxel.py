#!/usr/bin/env python3
"""Voxel-based (feature map) parity fixtures for the radiomics crate (issue 5): pyradiomics 3.1.0
`RadiomicsFeatureExtractor.execute(..., voxelBased=True)` on a small crop of brain1.

The case: brain1 (pyradiomics' test data) cropped to a 16 x 14 x 9 box, with the label kept only in
an inner 10 x 8 x 3 box (95 ROI voxels, including the tumour's edge), so that pyradiomics' voxel
mode runs in seconds. Both are written as NRRD next to the fixture (image int16, mask uint8), and
the fixture is computed from those files, so the Rust test reads exactly what pyradiomics read.

For each configuration (kernelRadius 1 and 2, maskedKernel true and false, a non-zero initValue,
voxelBatch, binCount, and the Gradient and Square image types) the fixture records the parameter
file, every feature map's geometry (size, origin, spacing, as SimpleITK reports it), the map's
voxels at the ROI (flat index, x fastest) and, to check the rest of the map, how many voxels are
outside the ROI and that pyradiomics set all of them to initValue.

Run by hand from the repository root (CI has no Python; about a minute):
    /work/venv-rad/bin/python tools/reference/pyradiomics_voxel.py
Writes crates/radiomics/tests/fixtures/voxel/{brain1_crop_image.nrrd, brain1_crop_label.nrrd,
voxel_reference.json.gz}.
"""
import gzip
import json
import math
import os
import platform
import time

import numpy
import radiomics
import SimpleITK as sitk
import yaml
from radiomics import featureextractor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
DATA = os.path.join(ROOT, "crates", "radiomics", "tests", "data", "pyradiomics")
OUT = os.path.join(ROOT, "crates", "radiomics", "tests", "fixtures", "voxel")
radiomics.setVerbosity(60)

# numpy (z, y, x) slices of brain1: the image crop, and the label box inside it.
IMAGE_BOX = (slice(10, 19), slice(81, 95), slice(173, 189))
LABEL_BOX = (slice(13, 16), slice(84, 92), slice(176, 186))

CONFIGS = {
    "r1_masked_all": {
        "voxelSetting": {"kernelRadius": 1},
        "featureClass": {"firstorder": [], "glcm": [], "glrlm": [], "glszm": [], "gldm": [], "ngtdm": []},
    },
    "r2_masked": {
        "voxelSetting": {"kernelRadius": 2},
        "featureClass": {"firstorder": [], "glcm": [], "glszm": [], "ngtdm": []},
    },
    "r1_unmasked_init": {
        "voxelSetting": {"kernelRadius": 1, "maskedKernel": False, "initValue": -1.5},
        "featureClass": {"firstorder": [], "glcm": [], "glrlm": [], "gldm": []},
    },
    "r2_unmasked_bincount": {
        "setting": {"binCount": 16},
        "voxelSetting": {"kernelRadius": 2, "maskedKernel": False},
        "featureClass": {"glcm": [], "glszm": [], "ngtdm": []},
    },
    "r1_bincount_batch": {
        "setting": {"binCount": 16},
        "voxelSetting": {"kernelRadius": 1, "voxelBatch": 20},
        "featureClass": {"glcm": [], "gldm": []},
    },
    # The synthetic case: kernels with a single gray level (MCC 0), and a ROI whose second slice
    # only partly covers the first, so that some kernels have no pair along the z angles while
    # others do: pyradiomics' MCC then fails on a NaN matrix for the whole voxel batch (the map
    # keeps initValue there).
    "synthetic_r1_batch_all": {
        "case": "synthetic",
        "voxelSetting": {"kernelRadius": 1, "initValue": 7},
        "featureClass": {"firstorder": [], "glcm": [], "glrlm": [], "glszm": [], "gldm": [], "ngtdm": []},
    },
    "synthetic_r1_batch_10": {
        "case": "synthetic",
        "setting": {"binWidth": 5},
        "voxelSetting": {"kernelRadius": 1, "voxelBatch": 10},
        "featureClass": {"glcm": []},
    },
    "synthetic_r2_unmasked": {
        "case": "synthetic",
        "voxelSetting": {"kernelRadius": 2, "maskedKernel": False},
        "featureClass": {"firstorder": [], "glcm": [], "glszm": [], "ngtdm": []},
    },
    "r1_filters": {
        "setting": {"binWidth": 10},
        "voxelSetting": {"kernelRadius": 1},
        "imageType": {"Gradient": {}, "Square": {}},
        "featureClass": {"firstorder": [], "glcm": [], "glrlm": []},
    },
}


def write_case():
    os.makedirs(OUT, exist_ok=True)
    img = sitk.ReadImage(os.path.join(DATA, "brain1_image.nrrd"))
    lab = sitk.ReadImage(os.path.join(DATA, "brain1_label.nrrd"))
    a = sitk.GetArrayFromImage(img)
    m = sitk.GetArrayFromImage(lab)
    sub = a[IMAGE_BOX].copy()
    keep = numpy.zeros(m.shape, dtype=bool)
    keep[LABEL_BOX] = True
    msub = ((m == 1) & keep)[IMAGE_BOX].astype(numpy.uint8)
    start = [IMAGE_BOX[2].start, IMAGE_BOX[1].start, IMAGE_BOX[0].start]  # x, y, z
    origin = img.TransformIndexToPhysicalPoint(start)
    out = []
    for arr, name in ((sub, "brain1_crop_image.nrrd"), (msub, "brain1_crop_label.nrrd")):
        im = sitk.GetImageFromArray(arr)
        im.SetSpacing(img.GetSpacing())
        im.SetDirection(img.GetDirection())
        im.SetOrigin(origin)
        path = os.path.join(OUT, name)
        sitk.WriteImage(im, path, True)
        out.append(path)
    return out


def write_synthetic():
    """A 12 x 10 x 4 volume of random gray values (seeded) with a flat 4 x 4 patch; the ROI is a
    rectangle on slice 1 and a smaller one on slice 2 overlapping part of it."""
    rng = numpy.random.default_rng(20261121)
    a = rng.integers(0, 120, size=(4, 10, 12)).astype(numpy.int16)
    a[1, 5:9, 7:11] = 60  # flat patch (one gray level) inside the ROI
    m = numpy.zeros(a.shape, dtype=numpy.uint8)
    m[1, 1:9, 1:11] = 1
    m[2, 1:5, 1:6] = 1
    out = []
    for arr, name in ((a, "synthetic_image.nrrd"), (m, "synthetic_label.nrrd")):
        im = sitk.GetImageFromArray(arr)
        im.SetSpacing((0.8, 0.9, 2.5))
        im.SetOrigin((-4.0, 2.0, 10.0))
        path = os.path.join(OUT, name)
        sitk.WriteImage(im, path, True)
        out.append(path)
    return out


def num(v):
    # 10 significant digits (relative rounding <= 5e-11, far below the 1e-6 the tests ask for)
    # keep the fixture small.
    v = float(v)
    return None if math.isnan(v) else float("%.10g" % v)


def main():
    image_path, mask_path = write_case()
    cases = {"brain1_crop": (image_path, mask_path), "synthetic": write_synthetic()}
    mask = sitk.GetArrayFromImage(sitk.ReadImage(mask_path))
    fixture = {
        "versions": {
            "pyradiomics": radiomics.__version__,
            "SimpleITK": sitk.Version_VersionString(),
            "numpy": numpy.__version__,
            "python": platform.python_version(),
        },
        "source": "brain1 (pyradiomics test data, BSD 3-Clause) cropped, and a seeded synthetic volume; see tools/reference/pyradiomics_voxel.py",
        "configs": {},
    }
    for name, params in CONFIGS.items():
        params = dict(params)
        case = params.pop("case", "brain1_crop")
        image_path, mask_path = cases[case]
        mask = sitk.GetArrayFromImage(sitk.ReadImage(mask_path))
        text = yaml.safe_dump(params, sort_keys=False)
        ex = featureextractor.RadiomicsFeatureExtractor(params)
        t = time.perf_counter()
        res = ex.execute(image_path, mask_path, voxelBased=True)
        dt = time.perf_counter() - t
        init = params["voxelSetting"].get("initValue", 0)
        maps = {}
        geometry = None
        roi_index = None
        for k, v in res.items():
            if not isinstance(v, sitk.Image):
                continue
            arr = sitk.GetArrayFromImage(v)  # (z, y, x)
            g = {"size": list(v.GetSize()), "origin": list(v.GetOrigin()), "spacing": list(v.GetSpacing()),
                 "pixel_type": v.GetPixelIDTypeAsString()}
            # The ROI in the map's grid: the map is the image cropped to the ROI box padded by
            # kernelRadius, so the ROI is where the cropped mask is 1.
            if geometry is None:
                geometry = g
                off = [int(round(c)) for c in numpy.array(v.TransformPhysicalPointToIndex(v.GetOrigin()))]
                assert off == [0, 0, 0]
                # position of the map's first voxel in the fixture image
                idx0 = sitk.ReadImage(image_path).TransformPhysicalPointToIndex(v.GetOrigin())
                sl = tuple(slice(idx0[2 - d], idx0[2 - d] + arr.shape[d]) for d in range(3))
                roi = mask[sl] == 1
                roi_index = [int(i) for i in numpy.flatnonzero(roi.ravel())]
                outside = ~roi
            assert g == geometry, (k, g, geometry)
            out_vals = arr[outside]
            assert numpy.all(out_vals == init), (name, k)
            maps[k] = [num(x) for x in arr.ravel()[roi_index]]
        fixture["configs"][name] = {
            "image": os.path.basename(image_path),
            "mask": os.path.basename(mask_path),
            "roi_voxels": int(mask.sum()),
            "params": text,
            "geometry": geometry,
            "outside_voxels": int(outside.sum()),
            "outside_all_init": True,
            "roi_index": roi_index,
            "pyradiomics_seconds": dt,
            "maps": maps,
        }
        print(f"{name}: {len(maps)} maps, {dt:.2f} s")
    # gzip: about 670 KB of JSON text, 4x smaller compressed (mtime 0: same input, same bytes).
    path = os.path.join(OUT, "voxel_reference.json.gz")
    text = json.dumps(fixture, separators=(",", ":")) + "\n"
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(text.encode())
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
