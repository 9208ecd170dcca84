"""Check that the synthetic slides (tiled pyramidal TIFF) open in OpenSlide and tifffile and hold
exactly the pixels of the PNG rendering. Run by hand (CI has no Python):

    python -m venv /tmp/venv && /tmp/venv/bin/pip install openslide-bin openslide-python tifffile numpy pillow
    cargo run --release -p cohort --example slide_timing     # writes /tmp/slide.tiff and /tmp/slide.png
    /tmp/venv/bin/python tools/reference/check_slide_tiff.py /tmp/slide.tiff /tmp/slide.png

Last run (2026-11-21): openslide-python 1.4.7, OpenSlide 4.0.1, tifffile: vendor generic-tiff,
4 levels (2048, 1024, 512, 256), every page tiled ADOBE_DEFLATE + horizontal predictor,
level 0 identical to the PNG.
"""
import sys

import numpy as np
import openslide
import tifffile
from PIL import Image

tiff_path, png_path = sys.argv[1], sys.argv[2]
png = np.array(Image.open(png_path).convert("RGB"))
s = openslide.OpenSlide(tiff_path)
print("openslide", openslide.__version__, openslide.__library_version__)
print("vendor", s.properties.get("openslide.vendor"), "levels", s.level_count, s.level_dimensions)
assert s.properties.get("openslide.vendor") == "generic-tiff"
w, h = s.level_dimensions[0]
region = np.array(s.read_region((0, 0), 0, (w, h)).convert("RGB"))
assert (region == png).all(), "OpenSlide level 0 differs from the PNG"
with tifffile.TiffFile(tiff_path) as t:
    for p in t.pages:
        print(p.shape, p.is_tiled, p.compression.name, p.predictor)
        assert p.is_tiled
    assert (t.pages[0].asarray() == png).all(), "tifffile level 0 differs from the PNG"
print("ok")
