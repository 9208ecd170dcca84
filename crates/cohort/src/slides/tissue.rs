//! Tissue detection as in Steyaert et al. (2023): Otsu thresholds, the tissue mask of a
//! thumbnail or patch, binary morphology, and scikit-image's low-contrast test.
//!
//! Upstream (read, not copied): `gevaertlab/MultiModalBrainSurvival:1_HistoPathology/1_WSI2Patches.py`
//! lines 37-63 (`get_mask_image`) and 65-133 (patch acceptance).
//!
//! **Which channel.** The mask is not a single grey-level Otsu: it is Steyaert's rule, which
//! combines per-channel RGB Otsu (glass is bright in all three channels) with an Otsu threshold
//! on the HSV saturation (stained tissue is coloured, glass and pen-free background are grey):
//!
//! ```text
//! tissue = NOT(R > otsu(R) AND G > otsu(G) AND B > otsu(B))
//!          AND S > otsu(S) AND R > 50 AND G > 50 AND B > 50
//! ```
//!
//! Saturation alone would keep coloured debris and grey alone keeps dark shadows and folds; the
//! `> 50` floor drops black pen marks and out-of-slide regions. Keeping the upstream rule means a
//! reviewer can compare our masks with theirs pixel for pixel.
//!
//! Otsu follows `skimage.filters.threshold_otsu` exactly: integer images get one histogram bin
//! per integer value between the minimum and the maximum; float images 256 equal bins over
//! `[min, max]` (NumPy's `histogram` binning); the threshold is the centre of the bin that
//! maximises the between-class variance, first one on ties; a constant image returns its value.
//! Morphology follows `scipy.ndimage.binary_dilation/erosion(mask, iterations=3)` with the default
//! 4-connected cross and `border_value = 0`.

use image::RgbImage;

/// `skimage.filters.threshold_otsu` on 8-bit values (bincount histogram, one bin per integer).
/// Returns the threshold `t`; foreground is `v > t`.
pub fn otsu_u8(values: &[u8]) -> u8 {
    let Some(&first) = values.first() else { return 0 };
    if values.iter().all(|&v| v == first) {
        return first;
    }
    let mut hist = [0f64; 256];
    for &v in values {
        hist[v as usize] += 1.0;
    }
    let lo = values.iter().copied().min().unwrap_or(0) as usize;
    let hi = values.iter().copied().max().unwrap_or(255) as usize;
    let centers: Vec<f64> = (lo..=hi).map(|v| v as f64).collect();
    let idx = otsu_index(&hist[lo..=hi], &centers);
    (lo + idx) as u8
}

/// `skimage.filters.threshold_otsu` on float values with `nbins` equal bins over `[min, max]`.
pub fn otsu_f64(values: &[f64], nbins: usize) -> f64 {
    let Some(&first) = values.first() else { return 0.0 };
    if values.iter().all(|&v| v == first) {
        return first;
    }
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    // np.linspace(min, max, nbins + 1) and np.histogram's index computation with its corrections.
    let step = (max - min) / nbins as f64;
    let edges: Vec<f64> = (0..=nbins).map(|i| if i == nbins { max } else { min + i as f64 * step }).collect();
    let norm = nbins as f64 / (max - min);
    let mut hist = vec![0f64; nbins];
    for &v in values {
        let mut i = ((v - min) * norm) as usize;
        if i >= nbins {
            i = nbins - 1;
        }
        if i > 0 && v < edges[i] {
            i -= 1;
        }
        if i + 1 < nbins && v >= edges[i + 1] {
            i += 1;
        }
        hist[i] += 1.0;
    }
    let centers: Vec<f64> = (0..nbins).map(|i| (edges[i] + edges[i + 1]) / 2.0).collect();
    centers[otsu_index(&hist, &centers)]
}

/// Index of the bin maximising `w1[k] w2[k+1] (m1[k] - m2[k+1])^2` (skimage's formulation).
fn otsu_index(counts: &[f64], centers: &[f64]) -> usize {
    let n = counts.len();
    if n < 2 {
        return 0;
    }
    let mut w1 = vec![0f64; n];
    let mut s1 = vec![0f64; n];
    let (mut w, mut s) = (0.0, 0.0);
    for k in 0..n {
        w += counts[k];
        s += counts[k] * centers[k];
        w1[k] = w;
        s1[k] = s;
    }
    let mut w2 = vec![0f64; n];
    let mut s2 = vec![0f64; n];
    let (mut w, mut s) = (0.0, 0.0);
    for k in (0..n).rev() {
        w += counts[k];
        s += counts[k] * centers[k];
        w2[k] = w;
        s2[k] = s;
    }
    let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
    for k in 0..n - 1 {
        // NaN (an empty class) never wins, as in np.argmax over a finite maximum.
        let m1 = s1[k] / w1[k];
        let m2 = s2[k + 1] / w2[k + 1];
        let v = w1[k] * w2[k + 1] * (m1 - m2) * (m1 - m2);
        if v > best {
            best = v;
            arg = k;
        }
    }
    arg
}

/// HSV saturation as `skimage.color.rgb2hsv` computes it: `(max - min) / max` on `v / 255`, 0 for grey.
pub fn saturation(p: [u8; 3]) -> f64 {
    let f = |v: u8| v as f64 / 255.0;
    let mx = f(p[0]).max(f(p[1])).max(f(p[2]));
    let mn = f(p[0]).min(f(p[1])).min(f(p[2]));
    let delta = mx - mn;
    if delta == 0.0 { 0.0 } else { delta / mx }
}

/// A row-major boolean mask.
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    pub width: usize,
    pub height: usize,
    pub data: Vec<bool>,
}

impl Mask {
    pub fn get(&self, x: usize, y: usize) -> bool {
        self.data[y * self.width + x]
    }
    pub fn count(&self) -> usize {
        self.data.iter().filter(|&&b| b).count()
    }
    pub fn fraction(&self) -> f64 {
        if self.data.is_empty() { 0.0 } else { self.count() as f64 / self.data.len() as f64 }
    }
}

/// The thresholds behind one tissue mask (for the JSON summary).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Thresholds {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub s: f64,
}

/// Steyaert's tissue rule (module comment) with Otsu thresholds computed on `img` itself.
pub fn tissue_mask(img: &RgbImage, rgb_min: u8) -> (Mask, Thresholds) {
    let n = (img.width() * img.height()) as usize;
    let mut ch = [Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n)];
    let mut sat = Vec::with_capacity(n);
    for p in img.pixels() {
        for (c, v) in ch.iter_mut().zip(p.0) {
            c.push(v);
        }
        sat.push(saturation(p.0));
    }
    let t = Thresholds { r: otsu_u8(&ch[0]), g: otsu_u8(&ch[1]), b: otsu_u8(&ch[2]), s: otsu_f64(&sat, 256) };
    let data = (0..n)
        .map(|i| {
            let (r, g, b) = (ch[0][i], ch[1][i], ch[2][i]);
            let background = r > t.r && g > t.g && b > t.b;
            !background && sat[i] > t.s && r > rgb_min && g > rgb_min && b > rgb_min
        })
        .collect();
    (Mask { width: img.width() as usize, height: img.height() as usize, data }, t)
}

/// `scipy.ndimage.binary_dilation(mask, iterations=k)` with the 4-connected cross.
pub fn dilate(mask: &Mask, iterations: usize) -> Mask {
    morph(mask, iterations, true)
}

/// `scipy.ndimage.binary_erosion(mask, iterations=k)`: cross, pixels outside the image count as 0.
pub fn erode(mask: &Mask, iterations: usize) -> Mask {
    morph(mask, iterations, false)
}

fn morph(mask: &Mask, iterations: usize, dilation: bool) -> Mask {
    let (w, h) = (mask.width, mask.height);
    let mut cur = mask.data.clone();
    for _ in 0..iterations {
        let mut next = cur.clone();
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let nb = [
                    (x > 0).then(|| cur[i - 1]),
                    (x + 1 < w).then(|| cur[i + 1]),
                    (y > 0).then(|| cur[i - w]),
                    (y + 1 < h).then(|| cur[i + w]),
                ];
                next[i] = if dilation {
                    cur[i] || nb.contains(&Some(true))
                } else {
                    // A missing neighbour (border) is 0, so border pixels erode.
                    cur[i] && nb.iter().all(|v| *v == Some(true))
                };
            }
        }
        cur = next;
    }
    Mask { width: w, height: h, data: cur }
}

/// Luminance `0.2125 R + 0.7154 G + 0.0721 B` on `v / 255` (`skimage.color.rgb2gray`).
pub fn gray(p: [u8; 3]) -> f64 {
    let f = |v: u8| v as f64 / 255.0;
    f(p[0]) * 0.2125 + f(p[1]) * 0.7154 + f(p[2]) * 0.0721
}

/// `np.percentile(values, q)` with linear interpolation; `sorted` must be ascending and non-empty.
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// Contrast ratio of `skimage.exposure.is_low_contrast` on an 8-bit RGB patch:
/// `(p99 - p1) / 2` of the `rgb2gray` luminance (float image, so the dtype range is [-1, 1]).
pub fn contrast_ratio(img: &RgbImage) -> f64 {
    let mut g: Vec<f64> = img.pixels().map(|p| gray(p.0)).collect();
    if g.is_empty() {
        return 0.0;
    }
    (percentile_select(&mut g, 99.0) - percentile_select(&mut g, 1.0)) / 2.0
}

/// [`percentile_sorted`] without a full sort: two order statistics by selection, O(n).
pub fn percentile_select(values: &mut [f64], q: f64) -> f64 {
    let n = values.len();
    let pos = q / 100.0 * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let frac = pos - lo as f64;
    let (_, &mut a, rest) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let b = if lo + 1 < n { rest.iter().copied().fold(f64::INFINITY, f64::min) } else { a };
    a + (b - a) * frac
}

/// `skimage.exposure.is_low_contrast(patch)` with its defaults (fraction 0.05, percentiles 1 and 99).
///
/// Steyaert calls it on the RGB patch. Because `rgb2gray` returns floats whose nominal range is
/// [-1, 1], a patch is low-contrast when its 1st-99th percentile luminance span is below 0.1 of
/// full scale (about 25 grey levels), e.g. blank glass or uniformly pale smears.
pub fn is_low_contrast(img: &RgbImage, fraction_threshold: f64) -> bool {
    contrast_ratio(img) < fraction_threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otsu_bimodal_hand_values() {
        // Two clusters {10, 12} and {200, 202}: any threshold in [12, 199] separates them; skimage
        // returns the first maximiser, the upper edge of the low cluster.
        let v = [10u8, 12, 10, 12, 200, 202, 200, 202];
        assert_eq!(otsu_u8(&v), 12);
        assert_eq!(otsu_u8(&[7, 7, 7]), 7);
        let f: Vec<f64> = v.iter().map(|&x| x as f64 / 255.0).collect();
        // Float input: 256 bins over [10/255, 202/255]; the threshold is the centre of the bin
        // holding 12/255 (skimage 0.26 gives 0.04656862745098039, checked by hand), so 12/255
        // itself lies above it: the bin centre, not the data value, is returned.
        let t = otsu_f64(&f, 256);
        assert!((t - 0.046_568_627_450_980_39).abs() < 1e-15, "{t}");
        assert_eq!(otsu_u8(&[0, 0, 0, 0, 1, 10, 10, 10, 10]), 1);
    }

    #[test]
    fn percentile_by_selection_equals_sorted() {
        let mut v: Vec<f64> = (0..1001).map(|i| ((i * 7919) % 1009) as f64 / 3.0).collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        for q in [0.0, 1.0, 37.5, 99.0, 100.0] {
            assert_eq!(percentile_select(&mut v, q), percentile_sorted(&sorted, q), "q = {q}");
        }
        assert_eq!(percentile_select(&mut [4.0], 99.0), 4.0);
    }

    #[test]
    fn morphology_cross() {
        let mut m = Mask { width: 7, height: 7, data: vec![false; 49] };
        m.data[3 * 7 + 3] = true;
        let d = dilate(&m, 2);
        // Diamond of L1 radius 2: 13 pixels.
        assert_eq!(d.count(), 13);
        assert!(d.get(3, 1) && d.get(5, 3) && d.get(4, 4) && !d.get(5, 5));
        // Erosion undoes it; a full image erodes from the border (border_value 0).
        assert_eq!(erode(&d, 2), m);
        let full = Mask { width: 7, height: 7, data: vec![true; 49] };
        let e = erode(&full, 3);
        assert_eq!(e.count(), 1);
        assert!(e.get(3, 3));
    }

    #[test]
    fn tissue_fraction_and_contrast_hand_made() {
        // Left 3/10 columns pink stained tissue, the rest white glass.
        let img = RgbImage::from_fn(10, 4, |x, _| if x < 3 { image::Rgb([200, 120, 170]) } else { image::Rgb([245, 245, 245]) });
        let (m, t) = tissue_mask(&img, 50);
        assert_eq!(m.count(), 12);
        assert!((m.fraction() - 0.3).abs() < 1e-12);
        // Two-valued channels: Otsu picks the lower value; saturation of glass is 0.
        assert_eq!((t.r, t.g, t.b), (200, 120, 170));
        assert!((t.s - 0.4 / 512.0).abs() < 1e-12, "{}", t.s); // centre of the first of 256 bins over [0, 0.4]
        // Dark (< 50) pixels are never tissue even when saturated.
        let dark = RgbImage::from_fn(4, 1, |x, _| if x < 2 { image::Rgb([40, 10, 30]) } else { image::Rgb([250, 250, 250]) });
        assert_eq!(tissue_mask(&dark, 50).0.count(), 0);
        // Contrast: half black, half white -> p1 = 0, p99 = 1 -> ratio 0.5; flat grey -> 0.
        let bw = RgbImage::from_fn(10, 10, |x, _| if x < 5 { image::Rgb([0, 0, 0]) } else { image::Rgb([255, 255, 255]) });
        assert!((contrast_ratio(&bw) - 0.5).abs() < 1e-12);
        assert!(!is_low_contrast(&bw, 0.05));
        let flat = RgbImage::from_pixel(8, 8, image::Rgb([230, 230, 230]));
        assert!(is_low_contrast(&flat, 0.05));
        // A ramp of 20 grey levels spans 19/255 < 0.1 -> low contrast; 30 levels -> not.
        let ramp = |n: u32| RgbImage::from_fn(n, 1, |x, _| image::Rgb([(200 + x) as u8; 3]));
        assert!(is_low_contrast(&ramp(20), 0.05));
        assert!(!is_low_contrast(&ramp(30), 0.05));
    }
}
