"""The CAM figure of docs/results.md ("Grading: FoF ablation"): for a few held-out ROIs, the ROI,
its grade-evidence mask from the synthetic cohort's truth (tinted green), and the Grad-CAM
overlays that `gliofuse grade ablation` wrote for each variant (OUT/<variant>/cams/<roi>.png:
the ground-truth grade's CAM on the second-to-last block, jet over the image).

    python tools/figures/fof_cam_figure.py COHORT OUT docs/results/fof-cams.png \
        SYN-0001_1 SYN-0013_1 SYN-0041_1 SYN-0005_1 [--variants baseline,fof] [--scale 2]

Needs Pillow (pip install pillow). Writes one PNG.
"""
import argparse
import csv
import os

from PIL import Image, ImageDraw

LABELS = {"baseline": "baseline (ViT)", "no_frl": "FoF w/o FRL", "no_mca": "FoF w/o MCA", "fof": "FoF"}
GRADES = {"2": "II", "3": "III", "4": "IV"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cohort")
    ap.add_argument("out")
    ap.add_argument("png")
    ap.add_argument("rois", nargs="+")
    ap.add_argument("--variants", default="baseline,fof")
    ap.add_argument("--scale", type=int, default=2)
    a = ap.parse_args()
    variants = a.variants.split(",")
    patient_grade = {}
    with open(os.path.join(a.cohort, "patients.csv")) as f:
        for r in csv.DictReader(f):
            patient_grade[r["patient_id"]] = r["grade"]
    grade = {}
    with open(os.path.join(a.cohort, "rois.csv")) as f:
        for r in csv.DictReader(f):
            grade[r["roi_id"]] = patient_grade.get(r["patient_id"], "?")
    truth = {}
    with open(os.path.join(a.cohort, "truth", "rois.csv")) as f:
        for r in csv.DictReader(f):
            truth[r["roi_id"]] = r["evidence_mask"]

    def tile(img):
        return img.resize((img.width * a.scale, img.height * a.scale), Image.NEAREST)

    rows = []
    for roi in a.rois:
        im = Image.open(os.path.join(a.cohort, "rois", roi + ".png")).convert("RGB")
        mask = Image.open(os.path.join(a.cohort, truth[roi])).convert("L")
        green = Image.new("RGB", im.size, (0, 200, 0))
        tinted = Image.composite(Image.blend(im, green, 0.5), im, mask.point(lambda v: 255 if v > 127 else 0))
        cams = [Image.open(os.path.join(a.out, v, "cams", roi + ".png")).convert("RGB") for v in variants]
        rows.append((roi, [tile(x) for x in [im, tinted] + cams]))
    w = rows[0][1][0].width
    head, label, pad = 18, 110, 4
    cols = 2 + len(variants)
    canvas = Image.new("RGB", (label + cols * (w + pad), head + len(rows) * (w + pad)), "white")
    d = ImageDraw.Draw(canvas)
    for j, t in enumerate(["ROI", "grade evidence"] + [LABELS.get(v, v) for v in variants]):
        d.text((label + j * (w + pad) + 2, 3), t, fill="black")
    for i, (roi, tiles) in enumerate(rows):
        y = head + i * (w + pad)
        d.text((4, y + w // 2 - 12), roi, fill="black")
        d.text((4, y + w // 2 + 2), "grade " + GRADES.get(grade[roi], grade[roi]), fill="black")
        for j, t in enumerate(tiles):
            canvas.paste(t, (label + j * (w + pad), y))
    # an adaptive 256-colour palette keeps the committed PNG small (~100 KB)
    canvas.convert("P", palette=Image.ADAPTIVE, colors=256).save(a.png, optimize=True)
    print(f"wrote {a.png} ({canvas.width} x {canvas.height})")


if __name__ == "__main__":
    main()
