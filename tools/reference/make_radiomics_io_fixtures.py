#!/usr/bin/env python3
"""Small NRRD/NIfTI files and the geometry/voxels/hash SimpleITK reads from them.

Run by hand with the venv that has SimpleITK (e.g. /work/venv-rad):
    /work/venv-rad/bin/python tools/reference/make_radiomics_io_fixtures.py
Writes crates/radiomics/tests/data/io/*.{nrrd,nhdr,raw.gz,nii,nii.gz} and expected.json.
Each file is read back with sitk.ReadImage; expected.json holds what SimpleITK returns
(size, spacing, origin, direction, pixel type, sitk.Hash, voxel values in x-fastest order).
"""
import gzip
import json
import math
import os
import struct
import sys

import numpy as np
import SimpleITK as sitk

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "radiomics", "tests", "data", "io")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(7)


def rot(ax, ay, az):
    cx, sx, cy, sy, cz, sz = math.cos(ax), math.sin(ax), math.cos(ay), math.sin(ay), math.cos(az), math.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def nrrd_header(fields):
    return ("NRRD0004\n" + "".join(f"{k}: {v}\n" for k, v in fields)).encode()


def vec(v):
    return "(" + ",".join(repr(float(x)) for x in v) + ")"


cases = {}

# 1. gzip little-endian int16 attached, via SimpleITK writer, oblique direction.
a = rng.integers(-500, 3000, size=(3, 4, 5)).astype(np.int16)  # (z, y, x)
im = sitk.GetImageFromArray(a)
im.SetSpacing((0.7, 0.8, 2.5))
im.SetOrigin((-10.5, 20.25, 3.0))
im.SetDirection(tuple(rot(0.1, -0.2, 0.3).flatten()))
sitk.WriteImage(im, os.path.join(OUT, "sitk_int16_gzip.nrrd"), True)

# 2. raw big-endian float32 in RAS space, hand-written.
a = rng.normal(size=(2, 3, 4)).astype(">f4")
sp = np.array([1.5, 0.5, 3.0])
R = rot(0.0, 0.0, 0.5)
dirs = " ".join(vec(R[:, j] * sp[j]) for j in range(3))
hdr = nrrd_header([("type", "float"), ("dimension", 3), ("space", "right-anterior-superior"), ("sizes", "4 3 2"),
                   ("space directions", dirs), ("kinds", "domain domain domain"), ("endian", "big"),
                   ("encoding", "raw"), ("space origin", vec([1.0, 2.0, 3.0]))]) + b"\n"
open(os.path.join(OUT, "ras_float_be_raw.nrrd"), "wb").write(hdr + a.tobytes())

# 3. detached header with gzip data file, uint8, spacings instead of space directions.
a = rng.integers(0, 255, size=(2, 2, 3)).astype(np.uint8)
hdr = nrrd_header([("type", "uchar"), ("dimension", 3), ("sizes", "3 2 2"), ("spacings", "0.5 0.25 2"),
                   ("encoding", "gzip"), ("data file", "detached_uint8.raw.gz")])
open(os.path.join(OUT, "detached_uint8.nhdr"), "wb").write(hdr)
open(os.path.join(OUT, "detached_uint8.raw.gz"), "wb").write(gzip.compress(a.tobytes()))

# 4. ascii double.
a = rng.normal(size=(2, 2, 2)).astype(np.float64)
hdr = nrrd_header([("type", "double"), ("dimension", 3), ("space", "left-posterior-superior"), ("sizes", "2 2 2"),
                   ("space directions", "(1,0,0) (0,1,0) (0,0,1)"), ("encoding", "ascii"),
                   ("space origin", "(0,0,0)")]) + b"\n"
open(os.path.join(OUT, "ascii_double.nrrd"), "wb").write(hdr + " ".join(repr(float(x)) for x in a.flatten()).encode() + b"\n")

# 5. NIfTI-1 via SimpleITK (qform + sform), int32, improper rotation (qfac -1).
a = rng.integers(-1000, 1000, size=(3, 4, 5)).astype(np.int32)
im = sitk.GetImageFromArray(a)
im.SetSpacing((1.25, 0.9, 3.3))
im.SetOrigin((5.0, -7.5, 12.0))
D = rot(0.2, 0.1, -0.4) @ np.diag([1, 1, -1])
im.SetDirection(tuple(D.flatten()))
sitk.WriteImage(im, os.path.join(OUT, "sitk_int32.nii"))

# 6. NIfTI-1 gzip float64 via SimpleITK.
a = rng.normal(size=(4, 3, 2))
im = sitk.GetImageFromArray(a)
im.SetSpacing((2.0, 1.0, 0.5))
im.SetOrigin((-1.0, 2.0, -3.0))
im.SetDirection(tuple(rot(-0.3, 0.25, 0.1).flatten()))
sitk.WriteImage(im, os.path.join(OUT, "sitk_float64.nii.gz"))


def nifti1(dims, datatype, bitpix, pixdim, qcode, scode, quat, qoff, srow, slope, inter, data, be=False):
    e = ">" if be else "<"
    h = bytearray(352)
    struct.pack_into(e + "i", h, 0, 348)
    struct.pack_into(e + "8h", h, 40, len(dims), *dims, *([1] * (7 - len(dims))))
    struct.pack_into(e + "hh", h, 70, datatype, bitpix)
    struct.pack_into(e + "8f", h, 76, *pixdim)
    struct.pack_into(e + "fff", h, 108, 352.0, slope, inter)
    h[123] = 10
    struct.pack_into(e + "hh", h, 252, qcode, scode)
    struct.pack_into(e + "6f", h, 256, *quat, *qoff)
    struct.pack_into(e + "12f", h, 280, *np.asarray(srow).flatten())
    h[344:348] = b"n+1\0"
    return bytes(h) + data


# 7. hand-made NIfTI-1, big endian, uint16, qform only, with scl_slope/inter.
a = rng.integers(0, 4000, size=(2, 3, 4)).astype(">u2")
open(os.path.join(OUT, "qform_only_be_uint16_scaled.nii"), "wb").write(
    nifti1([4, 3, 2], 512, 16, [1, 0.9, 1.1, 2.2, 1, 1, 1, 1], 1, 0, [0.1, -0.2, 0.3], [10.0, -20.0, 5.0],
           np.zeros((3, 4)), 0.5, -3.0, a.tobytes(), be=True))

# 8. hand-made NIfTI-2, little endian, float32, sform only (oblique, scaled columns).
def nifti2(dims, datatype, bitpix, pixdim, qcode, scode, quat, qoff, srow, data):
    h = bytearray(544)
    struct.pack_into("<i", h, 0, 540)
    h[4:12] = b"n+2\0\r\n\x1a\n"
    struct.pack_into("<hh", h, 12, datatype, bitpix)
    struct.pack_into("<8q", h, 16, len(dims), *dims, *([1] * (7 - len(dims))))
    struct.pack_into("<8d", h, 104, *pixdim)
    struct.pack_into("<q", h, 168, 544)
    struct.pack_into("<dd", h, 176, 1.0, 0.0)
    struct.pack_into("<ii", h, 344, qcode, scode)
    struct.pack_into("<6d", h, 352, *quat, *qoff)
    struct.pack_into("<12d", h, 400, *np.asarray(srow).flatten())
    struct.pack_into("<i", h, 500, 10)
    return bytes(h) + data


R = rot(0.3, -0.1, 0.2)
sp = [0.8, 1.2, 2.0]
S = np.zeros((3, 4))
S[:, :3] = R * np.array(sp)[None, :]
S[:, 3] = [-30.0, 15.0, 7.5]
a = rng.normal(size=(3, 2, 4)).astype("<f4")
open(os.path.join(OUT, "nifti2_sform_float32.nii"), "wb").write(
    nifti2([4, 2, 3], 16, 32, [1, *sp, 1, 1, 1, 1], 0, 2, [0, 0, 0], [0, 0, 0], S, a.tobytes()))
# SimpleITK 2.5 refuses this NIfTI-2 file ("bad datatype"), so its expected values are those
# SimpleITK reads from the same header written as NIfTI-1 (float32 srow; the geometry agrees to
# float32 precision).
open(os.path.join(OUT, "nifti1_sform_float32.nii"), "wb").write(
    nifti1([4, 2, 3], 16, 32, [1, *sp, 1, 1, 1, 1], 0, 2, [0, 0, 0], [0, 0, 0], S, 1.0, 0.0, a.tobytes()))

# 9. NIfTI-1 with qform_code = sform_code = 0 (Analyze-style geometry), int16.
a = rng.integers(-50, 50, size=(2, 2, 3)).astype("<i2")
open(os.path.join(OUT, "no_xform_int16.nii"), "wb").write(
    nifti1([3, 2, 2], 4, 16, [1, 1.5, 2.5, 3.5, 1, 1, 1, 1], 0, 0, [0, 0, 0], [0, 0, 0], np.zeros((3, 4)), 1.0, 0.0,
           a.tobytes()))

# 10. NIfTI-1 with a sheared sform (not representable by ITK) and a valid qform: qform is used.
S = np.array([[1.0, 0.3, 0.0, 5.0], [0.0, 1.0, 0.0, 6.0], [0.0, 0.0, 2.0, 7.0]])
a = rng.integers(0, 100, size=(2, 2, 3)).astype("<u1")
open(os.path.join(OUT, "sheared_sform_uint8.nii"), "wb").write(
    nifti1([3, 2, 2], 2, 8, [1, 1.0, 1.0, 2.0, 1, 1, 1, 1], 1, 1, [0.0, 0.0, 0.0], [1.0, 2.0, 3.0], S, 1.0, 0.0,
           a.tobytes()))

expected = {"generator": "tools/reference/make_radiomics_io_fixtures.py", "SimpleITK": sitk.Version_VersionString(),
            "numpy": np.__version__, "files": {}}
for name in sorted(os.listdir(OUT)):
    if name.endswith((".json", ".raw.gz", ".md")) or name.startswith("nifti2"):
        continue
    im = sitk.ReadImage(os.path.join(OUT, name))
    arr = sitk.GetArrayFromImage(im)
    expected["files"][name] = {
        "size": list(im.GetSize()), "spacing": list(im.GetSpacing()), "origin": list(im.GetOrigin()),
        "direction": list(im.GetDirection()), "pixel_type": str(arr.dtype), "hash": sitk.Hash(im),
        "values": [float(x) for x in arr.flatten()],
    }
expected["files"]["nifti2_sform_float32.nii"] = dict(expected["files"]["nifti1_sform_float32.nii"])
json.dump(expected, open(os.path.join(OUT, "expected.json"), "w"), indent=1)
print("wrote", len(expected["files"]), "files to", OUT)
