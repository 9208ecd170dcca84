"""Reference values for the slide tissue rules (crates/cohort/src/slides/tissue.rs), from the
libraries Steyaert's tiling script uses: skimage.filters.threshold_otsu, skimage.color.rgb2hsv,
skimage.exposure.is_low_contrast, scipy.ndimage.binary_dilation/binary_erosion.

Run by hand (CI has no Python):

    python -m venv /tmp/venv && /tmp/venv/bin/pip install numpy scipy scikit-image
    /tmp/venv/bin/python tools/reference/make_tissue_fixtures.py crates/cohort/tests/fixtures/tissue_reference.json

Small fixed images (drawn from a seeded NumPy generator, stored in the fixture with their pixels):
H&E-like pink/purple tissue on white glass with noise, a nearly flat pale patch, a two-level
image, and a dark pen mark. For each: Otsu of R, G, B (uint8: one bin per integer), Otsu of the
HSV saturation (float: 256 bins), the Steyaert tissue mask (get_mask_image, RGB_min 50), the
mask after dilation x3 + erosion x3 and after dilation x3 alone, and is_low_contrast's ratio.
"""
import json
import sys

import numpy as np
import scipy
import skimage
from scipy.ndimage import binary_dilation, binary_erosion
from skimage.color import rgb2gray, rgb2hsv
from skimage.exposure import is_low_contrast
from skimage.filters import threshold_otsu


def steyaert_mask(img, rgb_min=50):
    # The rule of gevaertlab/MultiModalBrainSurvival:1_HistoPathology/1_WSI2Patches.py (get_mask_image).
    hsv = rgb2hsv(img)
    bg = (img[:, :, 0] > threshold_otsu(img[:, :, 0])) & (img[:, :, 1] > threshold_otsu(img[:, :, 1])) & (
        img[:, :, 2] > threshold_otsu(img[:, :, 2]))
    s = hsv[:, :, 1] > threshold_otsu(hsv[:, :, 1])
    return (~bg) & s & (img[:, :, 0] > rgb_min) & (img[:, :, 1] > rgb_min) & (img[:, :, 2] > rgb_min)


def images():
    rng = np.random.default_rng(20261121)
    h, w = 24, 32
    yy, xx = np.mgrid[0:h, 0:w]
    out = {}
    # 1. pink tissue blob + purple nuclei on glass, with noise.
    img = np.full((h, w, 3), 242.0)
    blob = (xx - 12) ** 2 / 100 + (yy - 12) ** 2 / 49 < 1
    img[blob] = [214, 140, 190]
    nuclei = blob & (rng.random((h, w)) < 0.15)
    img[nuclei] = [110, 70, 150]
    img += rng.normal(0, 6, img.shape)
    out["he_blob"] = np.clip(np.round(img), 0, 255).astype(np.uint8)
    # 2. nearly flat pale patch (low contrast).
    img = np.full((h, w, 3), 225.0) + rng.normal(0, 3, (h, w, 3))
    out["pale_flat"] = np.clip(np.round(img), 0, 255).astype(np.uint8)
    # 3. two flat levels.
    img = np.where((xx < 10)[:, :, None], np.array([200, 120, 170]), np.array([245, 245, 245]))
    out["two_level"] = img.astype(np.uint8)
    # 4. tissue band with a dark pen stroke and a grey shadow.
    img = np.full((h, w, 3), 238.0)
    img[:, 8:22] = [190, 110, 175]
    img[5:8, :] = [30, 40, 90]
    img[18:21, 20:30] = [120, 120, 120]
    img += rng.normal(0, 10, img.shape)
    out["pen_and_shadow"] = np.clip(np.round(img), 0, 255).astype(np.uint8)
    # 5. full-range random colours.
    out["random"] = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return out


def main(path):
    cases = []
    for name, img in images().items():
        hsv = rgb2hsv(img)
        mask = steyaert_mask(img)
        gray = rgb2gray(img)
        lo, hi = np.percentile(gray, [1, 99])
        cases.append({
            "name": name,
            "height": int(img.shape[0]),
            "width": int(img.shape[1]),
            "pixels": img.reshape(-1).tolist(),
            "otsu_rgb": [int(threshold_otsu(img[:, :, c])) for c in range(3)],
            "otsu_s": float(threshold_otsu(hsv[:, :, 1])),
            "mask": mask.astype(int).reshape(-1).tolist(),
            "mask_closed": binary_erosion(binary_dilation(mask, iterations=3), iterations=3).astype(int).reshape(-1).tolist(),
            "mask_dilated": binary_dilation(mask, iterations=3).astype(int).reshape(-1).tolist(),
            "contrast_ratio": float((hi - lo) / 2.0),
            "is_low_contrast": bool(is_low_contrast(img)),
        })
    doc = {
        "source": "tools/reference/make_tissue_fixtures.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-image": skimage.__version__},
        "cases": cases,
    }
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
