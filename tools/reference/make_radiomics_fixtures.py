#!/usr/bin/env python3
"""Reference feature values from pyradiomics 3.1.0 for the radiomics crate's parity tests.

Run by hand (CI has no Python) with a venv holding pyradiomics 3.1.0 built from the sdist plus
the two headers of tag v3.1.0 (see crates/radiomics/tests/data/README.md):
    /work/venv-rad/bin/python tools/reference/make_radiomics_fixtures.py
Writes crates/radiomics/tests/data/pyradiomics/pyradiomics_reference.json:
  {"versions": {...}, "cases": {name: {"image", "mask", "params" (YAML text or null for the
   no-argument extractor), "features": {name: float}, "diagnostics": {name: str}}}}
Feature values are stored as floats (JSON round-trips float64 exactly) and the extraction is
deterministic; each case is run twice and must give identical values.
"""
import json
import os
import sys

import numpy
import pywt
import radiomics
import SimpleITK as sitk
import yaml
from radiomics import featureextractor

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "crates", "radiomics", "tests", "data", "pyradiomics")
radiomics.setVerbosity(60)

# A 2-D mask for shape2D: slice z=14 of brain1's label (one slice thick).
lab = sitk.ReadImage(os.path.join(DATA, "brain1_label.nrrd"))
arr = sitk.GetArrayFromImage(lab)
arr2 = numpy.zeros_like(arr)
arr2[14] = arr[14]
lab2 = sitk.GetImageFromArray(arr2)
lab2.CopyInformation(lab)
sitk.WriteImage(lab2, os.path.join(DATA, "brain1_label_slice14.nrrd"), True)


def y(d):
    return yaml.safe_dump(d, sort_keys=False)


ALL = {"firstorder": [], "shape": []}
VARIANTS = {
    # name: params (None = RadiomicsFeatureExtractor() with no arguments)
    "default": None,
    "baseline_plain": y({"setting": {"binWidth": 25, "minimumROIDimensions": 1, "voxelArrayShift": 2000},
                         "featureClass": ALL}),
    "bincount64": y({"setting": {"binCount": 64}, "featureClass": {"firstorder": [], "glcm": [], "glrlm": [],
                                                                      "glszm": [], "gldm": [], "ngtdm": []}}),
    "binwidth10_distances12": y({"setting": {"binWidth": 10, "distances": [1, 2]},
                                 "featureClass": {"firstorder": [], "glcm": [], "gldm": [], "ngtdm": []}}),
    "weighting_manhattan": y({"setting": {"weightingNorm": "manhattan"}, "featureClass": {"glcm": [], "glrlm": []}}),
    "force2d": y({"setting": {"force2D": True, "force2Ddimension": 0},
                  "featureClass": {"glcm": [], "glrlm": [], "glszm": [], "gldm": [], "ngtdm": []}}),
    "gldm_a2": y({"setting": {"gldm_a": 2}, "featureClass": {"gldm": []}}),
    "deprecated_by_name": y({"featureClass": {"firstorder": ["Mean", "StandardDeviation"],
                                              "shape": ["Compactness1", "Compactness2", "SphericalDisproportion",
                                                        "MeshVolume"]}}),
}
CASES = []
for case in ["brain1", "brain2"]:
    for v in VARIANTS:
        CASES.append((f"{case}_{v}", f"{case}_image.nrrd", f"{case}_label.nrrd", VARIANTS[v]))
CASES.append(("brain1_shape2D", "brain1_image.nrrd", "brain1_label_slice14.nrrd",
              y({"setting": {"force2D": True, "force2Ddimension": 0},
                 "featureClass": {"shape2D": ["Elongation", "MajorAxisLength", "MaximumDiameter", "MeshSurface",
                                              "MinorAxisLength", "Perimeter", "PerimeterSurfaceRatio",
                                              "PixelSurface", "Sphericity", "SphericalDisproportion"],
                                  "firstorder": []}})))


def run(params, img, msk):
    if params is None:
        ex = featureextractor.RadiomicsFeatureExtractor()
    else:
        ex = featureextractor.RadiomicsFeatureExtractor(yaml.safe_load(params))
    r = ex.execute(os.path.join(DATA, img), os.path.join(DATA, msk))
    feats = {k: float(v) for k, v in r.items() if not k.startswith("diagnostics_")}
    diags = {k: str(v) for k, v in r.items() if k.startswith("diagnostics_")}
    return feats, diags


out = {"generator": "tools/reference/make_radiomics_fixtures.py",
       "versions": {"pyradiomics": radiomics.__version__, "numpy": numpy.__version__,
                    "SimpleITK": sitk.Version_VersionString(), "PyWavelets": pywt.__version__,
                    "python": sys.version.split()[0]},
       "cases": {}}
for name, img, msk, params in CASES:
    f1, d1 = run(params, img, msk)
    f2, _ = run(params, img, msk)
    assert f1 == f2, name
    out["cases"][name] = {"image": img, "mask": msk, "params": params, "features": f1, "diagnostics": d1}
    print(name, len(f1))
with open(os.path.join(DATA, "pyradiomics_reference.json"), "w") as fh:
    json.dump(out, fh, indent=1)
