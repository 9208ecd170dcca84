//! Seeded, deterministic augmentation of pathology ROIs: random crop, horizontal / vertical
//! flip, 90-degree rotation, colour jitter (brightness, contrast, saturation, hue) and grid
//! distortion (albumentations' `GridDistortion`).
//!
//! Every op has a deterministic core taking explicit parameters (unit-tested on small images
//! with hand-computed outputs) and [`Augment::apply`] draws those parameters from a
//! `ChaCha8Rng`, so the same seed always gives the same image.
//!
//! Colour jitter follows torchvision's definitions (`adjust_brightness`, `adjust_contrast`,
//! `adjust_saturation`, `adjust_hue`) but applies them in a fixed order (brightness, contrast,
//! saturation, hue) instead of a random permutation.

use image::{Rgb, RgbImage};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{CohortError, Result};

/// Crop a `w x h` window whose top-left corner is `(x, y)`.
pub fn crop(img: &RgbImage, x: u32, y: u32, w: u32, h: u32) -> Result<RgbImage> {
    if x + w > img.width() || y + h > img.height() || w == 0 || h == 0 {
        return Err(CohortError::InvalidInput(format!(
            "crop {w}x{h} at ({x},{y}) does not fit a {}x{} image; use a crop size no larger than the image",
            img.width(),
            img.height()
        )));
    }
    Ok(image::imageops::crop_imm(img, x, y, w, h).to_image())
}

/// A `w x h` crop at a uniformly drawn position.
pub fn random_crop(img: &RgbImage, w: u32, h: u32, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
    if w > img.width() || h > img.height() {
        return crop(img, 0, 0, w, h);
    }
    let x = rng.random_range(0..=img.width() - w);
    let y = rng.random_range(0..=img.height() - h);
    crop(img, x, y, w, h)
}

/// Mirror left-right.
pub fn hflip(img: &RgbImage) -> RgbImage {
    image::imageops::flip_horizontal(img)
}

/// Mirror top-bottom.
pub fn vflip(img: &RgbImage) -> RgbImage {
    image::imageops::flip_vertical(img)
}

/// Rotate by `k` quarter turns clockwise.
pub fn rot90(img: &RgbImage, k: u32) -> RgbImage {
    match k % 4 {
        0 => img.clone(),
        1 => image::imageops::rotate90(img),
        2 => image::imageops::rotate180(img),
        _ => image::imageops::rotate270(img),
    }
}

fn to_u8(v: f32) -> u8 {
    (v * 255.0).round().clamp(0.0, 255.0) as u8
}

fn gray(p: [f32; 3]) -> f32 {
    0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
}

/// Parameters of one colour-jitter draw: factors (1 = unchanged) and a hue shift in turns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterParams {
    pub brightness: f32,
    pub contrast: f32,
    pub saturation: f32,
    /// In [-0.5, 0.5] turns of the hue circle.
    pub hue: f32,
}

/// Apply brightness, contrast, saturation, hue in that order (torchvision formulas):
/// brightness `v * b`; contrast `(v - m) * c + m` with `m` the mean grey level of the image;
/// saturation `g + s * (v - g)` with `g` the pixel's grey level (0.299 R + 0.587 G + 0.114 B);
/// hue: rotate H in HSV by `hue` turns. Values are clamped to [0, 1] after each step.
pub fn color_jitter(img: &RgbImage, p: JitterParams) -> RgbImage {
    let mut px: Vec<[f32; 3]> =
        img.pixels().map(|q| [q.0[0] as f32 / 255.0, q.0[1] as f32 / 255.0, q.0[2] as f32 / 255.0]).collect();
    if p.brightness != 1.0 {
        for v in px.iter_mut().flatten() {
            *v = (*v * p.brightness).clamp(0.0, 1.0);
        }
    }
    if p.contrast != 1.0 {
        let m = px.iter().map(|&q| gray(q)).sum::<f32>() / px.len().max(1) as f32;
        for v in px.iter_mut().flatten() {
            *v = ((*v - m) * p.contrast + m).clamp(0.0, 1.0);
        }
    }
    if p.saturation != 1.0 {
        for q in px.iter_mut() {
            let g = gray(*q);
            for v in q.iter_mut() {
                *v = (g + p.saturation * (*v - g)).clamp(0.0, 1.0);
            }
        }
    }
    if p.hue != 0.0 {
        for q in px.iter_mut() {
            let (h, s, v) = rgb_to_hsv(*q);
            *q = hsv_to_rgb((h + p.hue).rem_euclid(1.0), s, v);
        }
    }
    let mut out = RgbImage::new(img.width(), img.height());
    for (o, q) in out.pixels_mut().zip(px) {
        *o = Rgb([to_u8(q[0]), to_u8(q[1]), to_u8(q[2])]);
    }
    out
}

fn rgb_to_hsv([r, g, b]: [f32; 3]) -> (f32, f32, f32) {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    let h = if d == 0.0 {
        0.0
    } else if max == r {
        ((g - b) / d).rem_euclid(6.0) / 6.0
    } else if max == g {
        ((b - r) / d + 2.0) / 6.0
    } else {
        ((r - g) / d + 4.0) / 6.0
    };
    let s = if max == 0.0 { 0.0 } else { d / max };
    (h, s, max)
}

fn hsv_to_rgb(h: f32, s: f32, v: f32) -> [f32; 3] {
    let h6 = h * 6.0;
    let i = h6.floor();
    let f = h6 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    match (i as i32).rem_euclid(6) {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

/// Grid distortion: the image is cut into `n` columns and `n` rows; column `k`'s width is
/// scaled by `1 + dx[k]` and row `k`'s height by `1 + dy[k]` (then renormalised to the image
/// size). Output pixel (x, y) samples the input bilinearly at the piecewise-linear source
/// position, so a uniform grid (all zeros) is the identity.
pub fn grid_distort(img: &RgbImage, dx: &[f32], dy: &[f32]) -> RgbImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mx = axis_map(w, dx);
    let my = axis_map(h, dy);
    let mut out = RgbImage::new(w as u32, h as u32);
    for y in 0..h {
        let sy = my[y];
        let y0 = (sy.floor() as usize).min(h - 1);
        let y1 = (y0 + 1).min(h - 1);
        let fy = sy - y0 as f32;
        for x in 0..w {
            let sx = mx[x];
            let x0 = (sx.floor() as usize).min(w - 1);
            let x1 = (x0 + 1).min(w - 1);
            let fx = sx - x0 as f32;
            let mut o = [0u8; 3];
            for (c, oc) in o.iter_mut().enumerate() {
                let g = |xx: usize, yy: usize| img.get_pixel(xx as u32, yy as u32).0[c] as f32;
                let v = (1.0 - fy) * ((1.0 - fx) * g(x0, y0) + fx * g(x1, y0)) + fy * ((1.0 - fx) * g(x0, y1) + fx * g(x1, y1));
                *oc = v.round().clamp(0.0, 255.0) as u8;
            }
            out.put_pixel(x as u32, y as u32, Rgb(o));
        }
    }
    out
}

/// Source coordinate of every output coordinate 0..len along one axis.
fn axis_map(len: usize, d: &[f32]) -> Vec<f32> {
    let last = (len.max(1) - 1) as f32;
    if d.is_empty() || len < 2 {
        return (0..len).map(|i| i as f32).collect();
    }
    let n = d.len();
    // Node k of the output grid sits at k * last / n; its source position is the cumulative
    // sum of the scaled cell widths, renormalised so the last node maps to `last`.
    let mut src = vec![0f32; n + 1];
    for k in 0..n {
        src[k + 1] = src[k] + (1.0 + d[k]).max(0.05);
    }
    let total = src[n];
    for s in src.iter_mut() {
        *s *= last / total;
    }
    (0..len)
        .map(|i| {
            let t = i as f32 * n as f32 / last;
            let k = (t.floor() as usize).min(n - 1);
            let f = t - k as f32;
            (src[k] + f * (src[k + 1] - src[k])).clamp(0.0, last)
        })
        .collect()
}

/// The augmentation pipeline for ROIs (FoF: random crop, colour jitter, flips, distortion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Augment {
    /// Output crop size (square); `None` keeps the full image.
    pub crop: Option<u32>,
    pub p_hflip: f32,
    pub p_vflip: f32,
    pub p_rot90: f32,
    /// Probability of colour jitter; factors are drawn in [1 - x, 1 + x], hue in [-hue, hue].
    pub p_jitter: f32,
    pub brightness: f32,
    pub contrast: f32,
    pub saturation: f32,
    pub hue: f32,
    /// Probability of grid distortion with `grid_steps` cells and limit `distort_limit`.
    pub p_distort: f32,
    pub grid_steps: usize,
    pub distort_limit: f32,
}

impl Default for Augment {
    fn default() -> Self {
        Augment {
            crop: None,
            p_hflip: 0.5,
            p_vflip: 0.5,
            p_rot90: 0.5,
            p_jitter: 0.5,
            brightness: 0.2,
            contrast: 0.2,
            saturation: 0.2,
            hue: 0.05,
            p_distort: 0.5,
            grid_steps: 5,
            distort_limit: 0.3,
        }
    }
}

impl Augment {
    /// Draw parameters from `rng` and apply crop, flips, rotation, jitter and distortion in
    /// that order. The number of draws does not depend on the image, only on the config.
    pub fn apply(&self, img: &RgbImage, rng: &mut ChaCha8Rng) -> Result<RgbImage> {
        let mut out = match self.crop {
            Some(s) => random_crop(img, s, s, rng)?,
            None => img.clone(),
        };
        if rng.random::<f32>() < self.p_hflip {
            out = hflip(&out);
        }
        if rng.random::<f32>() < self.p_vflip {
            out = vflip(&out);
        }
        if rng.random::<f32>() < self.p_rot90 {
            out = rot90(&out, rng.random_range(1..4));
        }
        if rng.random::<f32>() < self.p_jitter {
            let mut f = |x: f32| if x > 0.0 { rng.random_range(1.0 - x..=1.0 + x).max(0.0) } else { 1.0 };
            let p = JitterParams { brightness: f(self.brightness), contrast: f(self.contrast), saturation: f(self.saturation), hue: 0.0 };
            let hue = if self.hue > 0.0 { rng.random_range(-self.hue..=self.hue) } else { 0.0 };
            out = color_jitter(&out, JitterParams { hue, ..p });
        }
        if rng.random::<f32>() < self.p_distort && self.grid_steps > 0 {
            let l = self.distort_limit;
            let mut draw = || -> Vec<f32> { (0..self.grid_steps).map(|_| if l > 0.0 { rng.random_range(-l..=l) } else { 0.0 }).collect() };
            let (dx, dy) = (draw(), draw());
            out = grid_distort(&out, &dx, &dy);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// 3x2 image, pixel (x, y) = (10x + y, 100 + x, 200 - y).
    fn small() -> RgbImage {
        RgbImage::from_fn(3, 2, |x, y| Rgb([(10 * x + y) as u8, (100 + x) as u8, (200 - y) as u8]))
    }

    fn px(img: &RgbImage) -> Vec<[u8; 3]> {
        img.pixels().map(|p| p.0).collect()
    }

    #[test]
    fn crop_known_output_and_bounds() {
        let c = crop(&small(), 1, 1, 2, 1).unwrap();
        assert_eq!(px(&c), vec![[11, 101, 199], [21, 102, 199]]);
        assert!(crop(&small(), 2, 0, 2, 1).is_err());
    }

    #[test]
    fn random_crop_is_seeded_and_inside() {
        let img = RgbImage::from_fn(10, 10, |x, y| Rgb([x as u8, y as u8, 0]));
        let a = random_crop(&img, 4, 4, &mut ChaCha8Rng::seed_from_u64(7)).unwrap();
        let b = random_crop(&img, 4, 4, &mut ChaCha8Rng::seed_from_u64(7)).unwrap();
        assert_eq!(a, b);
        // The crop is a contiguous window: pixel (i, j) of the crop is (x0 + i, y0 + j).
        let (x0, y0) = (a.get_pixel(0, 0).0[0], a.get_pixel(0, 0).0[1]);
        assert!(x0 <= 6 && y0 <= 6);
        assert_eq!(a.get_pixel(3, 2).0, [x0 + 3, y0 + 2, 0]);
        // Over seeds, every offset 0..=6 is reachable.
        let xs: std::collections::BTreeSet<u8> =
            (0..200).map(|s| random_crop(&img, 4, 4, &mut ChaCha8Rng::seed_from_u64(s)).unwrap().get_pixel(0, 0).0[0]).collect();
        assert_eq!(xs.into_iter().collect::<Vec<_>>(), (0..=6).collect::<Vec<_>>());
    }

    #[test]
    fn flips_and_rotation_known_output() {
        let img = small();
        assert_eq!(px(&hflip(&img))[0], [20, 102, 200]);
        assert_eq!(px(&vflip(&img))[0], [1, 100, 199]);
        let r = rot90(&img, 1);
        assert_eq!((r.width(), r.height()), (2, 3));
        // Clockwise: the bottom-left pixel (0, 1) moves to the top-left.
        assert_eq!(r.get_pixel(0, 0).0, [1, 100, 199]);
        assert_eq!(rot90(&img, 4), img);
    }

    #[test]
    fn color_jitter_known_outputs() {
        let one = |p: [u8; 3], j: JitterParams| px(&color_jitter(&RgbImage::from_pixel(1, 1, Rgb(p)), j))[0];
        let id = JitterParams { brightness: 1.0, contrast: 1.0, saturation: 1.0, hue: 0.0 };
        assert_eq!(one([100, 50, 200], JitterParams { brightness: 1.5, ..id }), [150, 75, 255]);
        // Saturation 0 gives the grey level 0.299*100 + 0.587*50 + 0.114*200 = 82.15.
        assert_eq!(one([100, 50, 200], JitterParams { saturation: 0.0, ..id }), [82, 82, 82]);
        // Hue + 1/3 turn: red -> green, green -> blue.
        assert_eq!(one([255, 0, 0], JitterParams { hue: 1.0 / 3.0, ..id }), [0, 255, 0]);
        assert_eq!(one([0, 255, 0], JitterParams { hue: 1.0 / 3.0, ..id }), [0, 0, 255]);
        // Contrast 0 maps every pixel to the image's mean grey level: (0 + 255) / 2.
        let two = RgbImage::from_fn(2, 1, |x, _| if x == 0 { Rgb([0, 0, 0]) } else { Rgb([255, 255, 255]) });
        assert_eq!(px(&color_jitter(&two, JitterParams { contrast: 0.0, ..id })), vec![[128, 128, 128]; 2]);
        // Contrast 2 around the mean grey 128: 100 -> 2*100 - 128 = 72, 156 -> 184.
        let g = RgbImage::from_fn(2, 1, |x, _| if x == 0 { Rgb([100, 100, 100]) } else { Rgb([156, 156, 156]) });
        assert_eq!(px(&color_jitter(&g, JitterParams { contrast: 2.0, ..id })), vec![[72, 72, 72], [184, 184, 184]]);
    }

    #[test]
    fn grid_distortion_known_output() {
        // On a horizontal ramp v = 10 x, bilinear sampling returns 10 * source x exactly.
        let ramp = RgbImage::from_fn(9, 1, |x, _| Rgb([(10 * x) as u8, 0, 0]));
        assert_eq!(grid_distort(&ramp, &[0.0, 0.0], &[]), ramp);
        // Two cells, the first twice as wide as the second in the source: nodes 0, 4, 8 map to
        // source 0, 16/3, 8; so x = 2 -> 8/3 (26.7 -> 27) and x = 6 -> 16/3 + 4/3 = 20/3 (67).
        let d = grid_distort(&ramp, &[0.5, -0.25], &[]);
        let got: Vec<u8> = d.pixels().map(|p| p.0[0]).collect();
        assert_eq!(got, vec![0, 13, 27, 40, 53, 60, 67, 73, 80]);
    }

    #[test]
    fn pipeline_same_seed_same_image() {
        let img = RgbImage::from_fn(16, 16, |x, y| Rgb([(x * 13 % 256) as u8, (y * 7) as u8, ((x + y) * 5) as u8]));
        let aug = Augment { crop: Some(12), p_hflip: 0.5, p_vflip: 0.5, p_rot90: 0.5, p_jitter: 1.0, p_distort: 1.0, ..Augment::default() };
        let a = aug.apply(&img, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        let b = aug.apply(&img, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        let c = aug.apply(&img, &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!((a.width(), a.height()), (12, 12));
    }
}
