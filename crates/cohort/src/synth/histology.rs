//! H&E-like texture model for pathology ROIs and whole slides.
//!
//! An image is built in stain space and converted to RGB by Beer-Lambert:
//! `RGB_c = I0 * exp(-(H * h_c + E * e_c + R * r_c))`, with haematoxylin H (nuclei, purple),
//! eosin E (stroma / neuropil, pink) and an erythrocyte channel R (red blood cells); the stain
//! vectors start from Macenko et al.'s reference H&E vectors (H = 0.563, 0.720, 0.406;
//! E = 0.216, 0.801, 0.558) and are perturbed per image.
//!
//! Layers, in drawing order:
//! 1. Region map. Tissue background, then distractor regions (tears: near-white holes; oedema:
//!    pale loose tissue), then grade evidence that overrides them: dense atypical patches
//!    (grades 3, 4), necrosis with a palisading rim (grade 4) and microvascular proliferation
//!    (grade 4). Evidence covers a minority of an ROI (about 5-20 % of its area).
//! 2. Background texture: fibrillary neuropil from two octaves of value noise.
//! 3. Nuclei: a thinned Poisson process whose density and nuclear shape depend on the region:
//!    background (density rising slightly with grade), dense patches (4-5x denser, larger,
//!    pleomorphic, hyperchromatic, occasional mitoses), palisades (elongated, radially
//!    oriented, very dense), necrosis (karyorrhectic debris only).
//! 4. Vessels: microvascular proliferation is drawn as glomeruloid clusters of 2-4 lumens, each
//!    ringed by two layers of plump endothelial nuclei; normal thin-walled vessels (one layer of
//!    flat nuclei) appear at every grade as a distractor.
//! 5. Biomarker trace (weak and separate from grade): perinuclear halos ("fried-egg" cells) on
//!    about 25 % of nuclei when 1p/19q is co-deleted (3 % otherwise, +4 % if IDH-mutant),
//!    microcysts in IDH-mutant non-codeleted tumours, more elongated nuclei in IDH-wildtype and
//!    smaller nuclei with EGFR amplification.
//! 6. Distractors at all grades: haemorrhage (red-cell clusters), tissue folds (a band of double
//!    thickness), out-of-focus blur patches, stain variation (per-image stain vectors and
//!    concentrations) and sensor noise.
//!
//! Sizes are in pixels at a fixed magnification (nuclear radius about 3 px); an ROI of side S
//! scales its large regions with S / 256 so the evidence fraction does not depend on S.

use image::{Rgb, RgbImage};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

/// The phenotype the texture depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pheno {
    pub grade: u8,
    pub idh: u8,
    pub codel: u8,
    pub egfr_amp: bool,
}

// Region labels.
const WHITE: u8 = 0;
const BG: u8 = 1;
const DENSE: u8 = 2;
const NECROSIS: u8 = 3;
const PALISADE: u8 = 4;
const TEAR: u8 = 5;
const EDEMA: u8 = 6;
const MVP: u8 = 7;

/// Whether a label is grade evidence.
fn is_evidence(l: u8) -> bool {
    matches!(l, DENSE | NECROSIS | PALISADE | MVP)
}

/// A rendered image with its grade-evidence mask (1 = evidence pixel).
pub struct Rendered {
    pub rgb: RgbImage,
    pub evidence: Vec<u8>,
}

impl Rendered {
    pub fn evidence_fraction(&self) -> f64 {
        self.evidence.iter().map(|&v| v as f64).sum::<f64>() / self.evidence.len().max(1) as f64
    }
}

#[inline]
fn hash(x: u32, y: u32, seed: u32) -> u32 {
    let mut h = x.wrapping_mul(0x27d4_eb2d) ^ y.wrapping_mul(0x1656_67b1) ^ seed.wrapping_mul(0x9e37_79b9);
    h ^= h >> 15;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[inline]
fn hashf(x: u32, y: u32, seed: u32) -> f32 {
    (hash(x, y, seed) >> 8) as f32 / (1u32 << 24) as f32
}

/// Value noise on a lattice of `cell` pixels, smoothstep-interpolated, values in [0, 1].
struct VNoise {
    gw: usize,
    inv: f32,
    vals: Vec<f32>,
}

impl VNoise {
    fn new(w: usize, h: usize, cell: f32, seed: u32) -> Self {
        let gw = (w as f32 / cell) as usize + 3;
        let gh = (h as f32 / cell) as usize + 3;
        let vals = (0..gw * gh).map(|i| hashf((i % gw) as u32, (i / gw) as u32, seed)).collect();
        VNoise { gw, inv: 1.0 / cell, vals }
    }
    #[inline]
    fn at(&self, x: usize, y: usize) -> f32 {
        let fx = x as f32 * self.inv;
        let fy = y as f32 * self.inv;
        let (ix, iy) = (fx as usize, fy as usize);
        let (tx, ty) = (fx - ix as f32, fy - iy as f32);
        let (sx, sy) = (tx * tx * (3.0 - 2.0 * tx), ty * ty * (3.0 - 2.0 * ty));
        let i = iy * self.gw + ix;
        let (a, b, c, d) = (self.vals[i], self.vals[i + 1], self.vals[i + self.gw], self.vals[i + self.gw + 1]);
        let top = a + sx * (b - a);
        let bot = c + sx * (d - c);
        top + sy * (bot - top)
    }
}

const RADIUS_STEPS: usize = 720;

/// atan2 to within 0.005 rad (polynomial on the octant), far cheaper than libm's.
#[inline]
fn fast_atan2(y: f32, x: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, PI};
    let (ax, ay) = (x.abs(), y.abs());
    if ax == 0.0 && ay == 0.0 {
        return 0.0;
    }
    let (t, swap) = if ay > ax { (ax / ay, true) } else { (ay / ax, false) };
    let t2 = t * t;
    let mut a = t * (0.999_866 + t2 * (-0.330_299_5 + t2 * (0.180_141 + t2 * (-0.085_133 + t2 * 0.020_835_1))));
    if swap {
        a = FRAC_PI_2 - a;
    }
    if x < 0.0 {
        a = PI - a;
    }
    if y < 0.0 { -a } else { a }
}

/// An irregular blob: radius r (1 + sum_k a_k sin(f_k theta + phi_k)).
#[derive(Clone, Copy)]
struct Blob {
    cx: f32,
    cy: f32,
    r: f32,
    harm: [(f32, f32, f32); 3],
}

impl Blob {
    fn random(rng: &mut ChaCha8Rng, cx: f32, cy: f32, r: f32, irregular: f32) -> Self {
        let mut harm = [(0.0, 0.0, 0.0); 3];
        for (k, hm) in harm.iter_mut().enumerate() {
            *hm = (irregular * rng.random::<f32>() / (k as f32 + 1.0), (k + 2) as f32, rng.random::<f32>() * std::f32::consts::TAU);
        }
        Blob { cx, cy, r, harm }
    }
    #[inline]
    fn radius(&self, theta: f32) -> f32 {
        let mut s = 1.0;
        for &(a, f, p) in &self.harm {
            s += a * (f * theta + p).sin();
        }
        self.r * s
    }

    /// Radii at `RADIUS_STEPS` angles from -pi to pi (nearest-angle lookup in `paint`).
    fn radius_table(&self) -> Vec<f32> {
        (0..=RADIUS_STEPS).map(|k| self.radius(-std::f32::consts::PI + std::f32::consts::TAU * k as f32 / RADIUS_STEPS as f32)).collect()
    }
    fn reach(&self) -> f32 {
        self.r * (1.0 + self.harm.iter().map(|h| h.0).sum::<f32>())
    }
}

struct Canvas {
    w: usize,
    h: usize,
    hem: Vec<f32>,
    eos: Vec<f32>,
    rbc: Vec<f32>,
    label: Vec<u8>,
    /// For palisade pixels: index into `centres` of the necrosis they surround.
    owner: Vec<u16>,
    centres: Vec<(f32, f32)>,
}

impl Canvas {
    fn new(w: usize, h: usize, fill: u8) -> Self {
        let n = w * h;
        Canvas { w, h, hem: vec![0.0; n], eos: vec![0.0; n], rbc: vec![0.0; n], label: vec![fill; n], owner: vec![0; n], centres: Vec::new() }
    }

    fn bbox(&self, cx: f32, cy: f32, r: f32) -> (usize, usize, usize, usize) {
        let x0 = (cx - r).floor().max(0.0) as usize;
        let y0 = (cy - r).floor().max(0.0) as usize;
        let x1 = ((cx + r).ceil().max(0.0) as usize).min(self.w);
        let y1 = ((cy + r).ceil().max(0.0) as usize).min(self.h);
        (x0, y0, x1, y1)
    }

    /// Paint `label` inside the blob (and `ring` in a band of width `ring_w` outside it) over
    /// pixels whose current label is in `over`.
    fn paint(&mut self, b: &Blob, label: u8, ring: Option<(u8, f32)>, over: &[u8]) {
        let rw = ring.map(|r| r.1).unwrap_or(0.0);
        let (x0, y0, x1, y1) = self.bbox(b.cx, b.cy, b.reach() + rw + 1.0);
        let table = b.radius_table();
        let inner = table.iter().cloned().fold(f32::MAX, f32::min) - 0.01;
        let inner2 = if inner > 0.0 { inner * inner } else { 0.0 };
        let owner = if ring.is_some() {
            self.centres.push((b.cx, b.cy));
            self.centres.len() as u16
        } else {
            0
        };
        for y in y0..y1 {
            for x in x0..x1 {
                let i = y * self.w + x;
                if !over.contains(&self.label[i]) {
                    continue;
                }
                let (dx, dy) = (x as f32 + 0.5 - b.cx, y as f32 + 0.5 - b.cy);
                let d2 = dx * dx + dy * dy;
                if d2 < inner2 {
                    // Inside the smallest radius: no angle needed.
                    self.label[i] = label;
                    continue;
                }
                let d = d2.sqrt();
                let k = ((fast_atan2(dy, dx) + std::f32::consts::PI) * (RADIUS_STEPS as f32 / std::f32::consts::TAU) + 0.5) as usize;
                let rad = table[k.min(RADIUS_STEPS)];
                if d < rad {
                    self.label[i] = label;
                } else if let Some((rl, w)) = ring {
                    if d < rad + w {
                        self.label[i] = rl;
                        self.owner[i] = owner;
                    }
                }
            }
        }
    }

    /// An elliptic nucleus; `halo` clears a perinuclear ring (fried-egg cell).
    #[allow(clippy::too_many_arguments)]
    fn nucleus(&mut self, cx: f32, cy: f32, a: f32, b: f32, theta: f32, dark: f32, halo: bool, seed: u32) {
        let reach = a.max(b) * if halo { 1.6 } else { 1.0 } + 1.5;
        let (x0, y0, x1, y1) = self.bbox(cx, cy, reach);
        let (c, s) = (theta.cos(), theta.sin());
        let (ia2, ib2) = (1.0 / (a * a), 1.0 / (b * b));
        for y in y0..y1 {
            for x in x0..x1 {
                let i = y * self.w + x;
                if self.label[i] == WHITE {
                    continue;
                }
                let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                let (u, v) = (dx * c + dy * s, -dx * s + dy * c);
                let q = u * u * ia2 + v * v * ib2;
                if q < 1.0 {
                    let wgt = ((1.0 - q) * 2.5).min(1.0);
                    let chrom = 0.7 + 0.6 * hashf(x as u32, y as u32, seed);
                    self.hem[i] = (self.hem[i] + dark * wgt * chrom).min(3.0);
                    self.eos[i] *= 1.0 - 0.5 * wgt;
                } else if halo && q < 2.4 {
                    self.eos[i] *= 0.35;
                    self.hem[i] *= 0.5;
                }
            }
        }
    }

    /// A clear round space (lumen, microcyst) with soft edges.
    fn clear_disc(&mut self, cx: f32, cy: f32, r: f32, keep: f32) {
        let (x0, y0, x1, y1) = self.bbox(cx, cy, r + 1.0);
        for y in y0..y1 {
            for x in x0..x1 {
                let i = y * self.w + x;
                if self.label[i] == WHITE {
                    continue;
                }
                let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
                if d < r {
                    let t = ((r - d) * 1.5).min(1.0);
                    let f = 1.0 - t * (1.0 - keep);
                    self.eos[i] *= f;
                    self.hem[i] *= f;
                }
            }
        }
    }

    /// A red blood cell: a disc, paler in the centre (biconcave).
    fn red_cell(&mut self, cx: f32, cy: f32, r: f32) {
        let (x0, y0, x1, y1) = self.bbox(cx, cy, r + 1.0);
        for y in y0..y1 {
            for x in x0..x1 {
                let i = y * self.w + x;
                if self.label[i] == WHITE {
                    continue;
                }
                let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt() / r;
                if d < 1.0 {
                    self.rbc[i] = self.rbc[i].max(1.0 + 0.5 * d);
                    self.eos[i] *= 0.5;
                }
            }
        }
    }
}

fn n01(rng: &mut ChaCha8Rng) -> f32 {
    Normal::new(0.0f32, 1.0).map(|n| n.sample(rng)).unwrap_or(0.0)
}

fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map(|p| p.sample(rng) as usize).unwrap_or(0)
}

/// Density (nuclei per pixel) of each label for a phenotype.
fn density(label: u8, ph: &Pheno, cellularity: f32) -> f32 {
    match label {
        BG => cellularity * [1.0 / 240.0, 1.0 / 225.0, 1.0 / 210.0][(ph.grade.clamp(2, 4) - 2) as usize],
        DENSE => 1.0 / 55.0,
        PALISADE => 1.0 / 26.0,
        NECROSIS => 1.0 / 90.0,
        EDEMA => cellularity / 700.0,
        MVP => 1.0 / 70.0,
        _ => 0.0,
    }
}

/// A point inside tissue (or anywhere when no tissue pixel is hit after a few tries).
fn tissue_point(c: &Canvas, rng: &mut ChaCha8Rng) -> (f32, f32) {
    let mut p = (0.0, 0.0);
    for _ in 0..50 {
        p = (rng.random::<f32>() * c.w as f32, rng.random::<f32>() * c.h as f32);
        let i = (p.1 as usize).min(c.h - 1) * c.w + (p.0 as usize).min(c.w - 1);
        if c.label[i] != WHITE {
            return p;
        }
    }
    p
}

/// How many of each structure to draw.
struct Plan {
    dense: usize,
    necrosis: usize,
    mvp: usize,
    /// Radius scale of the large regions (S / 256 for ROIs, 1 for slides).
    scale: f32,
    units: f64,
}

fn render(c: &mut Canvas, ph: &Pheno, plan: &Plan, rng: &mut ChaCha8Rng) -> Rendered {
    let (w, h) = (c.w, c.h);
    let sc = plan.scale;
    let units = plan.units;
    let seed: u32 = rng.random();
    let tissue = [BG];
    // 1. Distractor regions, then evidence.
    for _ in 0..poisson(rng, 0.4 * units) {
        let (x, y) = tissue_point(c, rng);
        let r = sc * (8.0 + 22.0 * rng.random::<f32>());
        let b = Blob::random(rng, x, y, r, 0.35);
        c.paint(&b, TEAR, None, &tissue);
    }
    for _ in 0..poisson(rng, 0.5 * units) {
        let (x, y) = tissue_point(c, rng);
        let r = sc * (20.0 + 25.0 * rng.random::<f32>());
        let b = Blob::random(rng, x, y, r, 0.3);
        c.paint(&b, EDEMA, None, &tissue);
    }
    let over = [BG, TEAR, EDEMA];
    for _ in 0..plan.necrosis {
        let (x, y) = tissue_point(c, rng);
        let r = sc * (24.0 + 18.0 * rng.random::<f32>());
        let b = Blob::random(rng, x, y, r, 0.25);
        c.paint(&b, NECROSIS, Some((PALISADE, 7.0 + 5.0 * rng.random::<f32>())), &over);
    }
    for _ in 0..plan.dense {
        let (x, y) = tissue_point(c, rng);
        let r = sc * (26.0 + 20.0 * rng.random::<f32>());
        let b = Blob::random(rng, x, y, r, 0.3);
        c.paint(&b, DENSE, None, &over);
    }
    let mut clusters = Vec::new();
    for _ in 0..plan.mvp {
        let (x, y) = tissue_point(c, rng);
        let r = 13.0 + 8.0 * rng.random::<f32>();
        c.paint(&Blob::random(rng, x, y, r + 4.0, 0.1), MVP, None, &[BG, TEAR, EDEMA, DENSE]);
        clusters.push((x, y, r));
    }

    // 2. Background texture.
    let n1 = VNoise::new(w, h, 9.0, seed ^ 1);
    let n2 = VNoise::new(w, h, 2.5, seed ^ 2);
    let e0 = 0.42 + 0.08 * n01(rng);
    let h0 = 0.08;
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if c.label[i] == WHITE {
                continue;
            }
            let (a, b) = (n1.at(x, y), n2.at(x, y));
            let (he, eo) = match c.label[i] {
                NECROSIS => (0.07 + 0.1 * b, e0 * (0.42 + 0.3 * b)),
                TEAR => (0.01, 0.03 + 0.04 * a),
                EDEMA => (0.5 * h0, e0 * (0.35 + 0.25 * a + 0.15 * b)),
                _ => (h0 * (0.8 + 0.4 * a), e0 * (0.7 + 0.35 * a + 0.25 * (b - 0.5))),
            };
            c.hem[i] = he;
            c.eos[i] = eo;
        }
    }

    // 3. Nuclei by thinning a Poisson process.
    let lmax = 1.0 / 26.0;
    // Cellularity varies between images at every grade (infiltration density, section
    // thickness), which hides the small grade shift of the background density.
    let cellularity = (0.3 * n01(rng)).exp().min(4.0);
    let nuc_scale = 1.0 + 0.08 * n01(rng);
    let n_cand = poisson(rng, lmax as f64 * (w * h) as f64);
    let r_bg = nuc_scale * if ph.egfr_amp { 2.75 } else { 3.05 };
    let elong_bg = if ph.idh == 0 { 0.28 } else { 0.15 };
    let p_halo = 0.03 + 0.22 * ph.codel as f32 + 0.04 * ph.idh as f32;
    for _ in 0..n_cand {
        let x = rng.random::<f32>() * w as f32;
        let y = rng.random::<f32>() * h as f32;
        let u: f32 = rng.random();
        let i = (y as usize).min(h - 1) * w + (x as usize).min(w - 1);
        let l = c.label[i];
        if u * lmax >= density(l, ph, cellularity) {
            continue;
        }
        let theta = rng.random::<f32>() * std::f32::consts::PI;
        match l {
            NECROSIS => {
                let r = 0.8 + 0.6 * rng.random::<f32>();
                c.nucleus(x, y, r, r, 0.0, 1.9, false, seed);
            }
            PALISADE => {
                let (ox, oy) = c.centres[(c.owner[i] as usize).max(1) - 1];
                let radial = (y - oy).atan2(x - ox);
                let a = 4.2 + 0.8 * n01(rng).abs();
                c.nucleus(x, y, a, 1.9, radial + 0.15 * n01(rng), 1.45, false, seed);
            }
            DENSE => {
                if rng.random::<f32>() < 0.04 {
                    // Mitotic figure: a dark irregular clump.
                    for _ in 0..4 {
                        c.nucleus(x + 2.0 * n01(rng), y + 2.0 * n01(rng), 1.6, 1.0, theta, 2.2, false, seed);
                    }
                    continue;
                }
                let r = 3.7 * (1.0 + 0.3 * n01(rng).abs());
                let e = 1.0 + 0.45 * n01(rng).abs();
                let halo = rng.random::<f32>() < p_halo;
                let e = if halo { 1.0 } else { e };
                c.nucleus(x, y, r * e.sqrt(), r / e.sqrt(), theta, 1.5 * (1.0 + 0.15 * n01(rng)), halo, seed);
            }
            _ => {
                let r = r_bg * (1.0 + 0.12 * n01(rng));
                let halo = rng.random::<f32>() < p_halo;
                let e = if halo { 1.0 } else { 1.0 + elong_bg * n01(rng).abs() };
                c.nucleus(x, y, r * e.sqrt(), r / e.sqrt(), theta, 1.0 * (1.0 + 0.1 * n01(rng)), halo, seed);
            }
        }
    }

    // 4. Vessels: microvascular proliferation (evidence) and normal vessels (distractor).
    for &(x, y, r) in &clusters {
        let k = 2 + rng.random_range(0..3);
        for _ in 0..k {
            let (lx, ly) = (x + 0.45 * r * n01(rng), y + 0.45 * r * n01(rng));
            let lr = 2.5 + 2.5 * rng.random::<f32>();
            c.clear_disc(lx, ly, lr, 0.1);
            for _ in 0..rng.random_range(1..4) {
                c.red_cell(lx + 0.5 * lr * n01(rng), ly + 0.5 * lr * n01(rng), 2.4);
            }
            for layer in 0..2 {
                let rr = lr + 2.8 + 3.4 * layer as f32;
                let n = ((std::f32::consts::TAU * rr) / 4.8).round() as usize;
                let phase = rng.random::<f32>();
                for j in 0..n {
                    let a = std::f32::consts::TAU * (j as f32 + phase) / n as f32;
                    c.nucleus(lx + rr * a.cos(), ly + rr * a.sin(), 3.1, 2.1, a + std::f32::consts::FRAC_PI_2, 1.5, false, seed);
                }
            }
        }
    }
    for _ in 0..poisson(rng, 0.8 * units) {
        let (x, y) = tissue_point(c, rng);
        let lr = 3.0 + 3.0 * rng.random::<f32>();
        c.clear_disc(x, y, lr, 0.1);
        for _ in 0..rng.random_range(1..4) {
            c.red_cell(x + 0.5 * lr * n01(rng), y + 0.5 * lr * n01(rng), 2.4);
        }
        let n = 3 + rng.random_range(0..4);
        let phase = rng.random::<f32>();
        for j in 0..n {
            let a = std::f32::consts::TAU * (j as f32 + phase) / n as f32;
            c.nucleus(x + (lr + 1.2) * a.cos(), y + (lr + 1.2) * a.sin(), 3.6, 1.2, a + std::f32::consts::FRAC_PI_2, 1.1, false, seed);
        }
    }

    // 5. Biomarker trace: microcysts in IDH-mutant, non-codeleted tumours.
    let cysts = 0.4 + 2.5 * (ph.idh as f64) * (1.0 - ph.codel as f64);
    for _ in 0..poisson(rng, cysts * units) {
        let (x, y) = tissue_point(c, rng);
        c.clear_disc(x, y, 3.0 + 5.0 * rng.random::<f32>(), 0.15);
    }

    // 6. Distractors: haemorrhage, fold.
    for _ in 0..poisson(rng, 0.3 * units) {
        let (x, y) = tissue_point(c, rng);
        let r = 8.0 + 17.0 * rng.random::<f32>();
        for _ in 0..(15 + rng.random_range(0..45)) {
            c.red_cell(x + 0.5 * r * n01(rng), y + 0.5 * r * n01(rng), 2.3 + 0.4 * rng.random::<f32>());
        }
    }
    let n_fold = poisson(rng, 0.2 * units.sqrt());
    for _ in 0..n_fold {
        let (px, py) = tissue_point(c, rng);
        let ang = rng.random::<f32>() * std::f32::consts::PI;
        let (nx, ny) = (-ang.sin(), ang.cos());
        let half = 3.0 + 6.0 * rng.random::<f32>();
        for y in 0..h {
            for x in 0..w {
                let d = ((x as f32 - px) * nx + (y as f32 - py) * ny).abs();
                if d < half + 2.0 {
                    let f = 1.0 + 0.85 * ((half + 2.0 - d) / 2.0).min(1.0);
                    let i = y * w + x;
                    c.hem[i] *= f;
                    c.eos[i] *= f;
                    c.rbc[i] *= f;
                }
            }
        }
    }

    // Stain variation and Beer-Lambert.
    let mut vec3 = |base: [f32; 3]| {
        let v = [base[0] + 0.05 * n01(rng), base[1] + 0.05 * n01(rng), base[2] + 0.05 * n01(rng)];
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        [v[0].abs() / n, v[1].abs() / n, v[2].abs() / n]
    };
    let hv = vec3([0.5626, 0.7201, 0.4062]);
    let ev = vec3([0.2159, 0.8012, 0.5581]);
    let rv = vec3([0.09, 0.72, 0.69]);
    let hs = (0.2 * n01(rng)).exp() * 1.05;
    let es = (0.2 * n01(rng)).exp();
    let i0 = 243.0 + 10.0 * rng.random::<f32>();
    let mut rgb = RgbImage::new(w as u32, h as u32);
    {
        let buf: &mut [u8] = &mut rgb;
        let glass = (i0 + 0.5).min(255.0) as u8;
        for i in 0..w * h {
            if c.label[i] == WHITE {
                // Clean glass: constant, so slide backgrounds compress to almost nothing.
                buf[3 * i..3 * i + 3].copy_from_slice(&[glass; 3]);
                continue;
            }
            let (he, eo, rb) = (c.hem[i] * hs, c.eos[i] * es, c.rbc[i]);
            let noise = hashf(i as u32, 7, seed) * 4.0 - 2.0;
            for ch in 0..3 {
                let od = he * hv[ch] + eo * ev[ch] + rb * rv[ch];
                buf[3 * i + ch] = (i0 * (-od).exp() + noise + 0.5).clamp(0.0, 255.0) as u8;
            }
        }
    }
    // Out-of-focus patches.
    for _ in 0..poisson(rng, 0.25 * units) {
        let (x, y) = tissue_point(c, rng);
        let r = sc * (20.0 + 30.0 * rng.random::<f32>());
        let b = Blob::random(rng, x, y, r, 0.3);
        blur_blob(&mut rgb, &b, 2);
    }
    let evidence = c.label.iter().map(|&l| u8::from(is_evidence(l))).collect();
    Rendered { rgb, evidence }
}

/// Box blur (radius `r`, two passes) inside a blob.
fn blur_blob(img: &mut RgbImage, b: &Blob, r: i64) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let reach = b.reach() as i64 + 2 * r + 1;
    let (x0, y0) = ((b.cx as i64 - reach).max(0), (b.cy as i64 - reach).max(0));
    let (x1, y1) = ((b.cx as i64 + reach).min(w), (b.cy as i64 + reach).min(h));
    if x1 <= x0 || y1 <= y0 {
        return;
    }
    let (bw, bh) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let mut buf: Vec<[f32; 3]> = Vec::with_capacity(bw * bh);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x as u32, y as u32).0;
            buf.push([p[0] as f32, p[1] as f32, p[2] as f32]);
        }
    }
    for _ in 0..2 {
        let src = buf.clone();
        for y in 0..bh {
            for x in 0..bw {
                let mut s = [0.0f32; 3];
                let mut n = 0.0;
                for dy in -r..=r {
                    for dx in -r..=r {
                        let (xx, yy) = (x as i64 + dx, y as i64 + dy);
                        if xx >= 0 && yy >= 0 && (xx as usize) < bw && (yy as usize) < bh {
                            let q = src[yy as usize * bw + xx as usize];
                            s[0] += q[0];
                            s[1] += q[1];
                            s[2] += q[2];
                            n += 1.0;
                        }
                    }
                }
                buf[y * bw + x] = [s[0] / n, s[1] / n, s[2] / n];
            }
        }
    }
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (x as f32 + 0.5 - b.cx, y as f32 + 0.5 - b.cy);
            if (dx * dx + dy * dy).sqrt() < b.radius(dy.atan2(dx)) {
                let q = buf[(y - y0) as usize * bw + (x - x0) as usize];
                img.put_pixel(x as u32, y as u32, Rgb([q[0].round() as u8, q[1].round() as u8, q[2].round() as u8]));
            }
        }
    }
}

/// One pathology ROI of `size x size` pixels. ROIs are chosen, as a pathologist would, to
/// show the tumour's diagnostic features, so grade evidence is almost always present.
pub fn render_roi(size: usize, ph: &Pheno, rng: &mut ChaCha8Rng) -> Rendered {
    let mut c = Canvas::new(size, size, BG);
    let units = (size * size) as f64 / 65536.0;
    let scale = size as f32 / 256.0;
    let (mut necrosis, mut mvp) = (0, 0);
    let dense;
    match ph.grade {
        3 => dense = 1 + usize::from(rng.random::<f64>() < 0.4),
        4 => {
            necrosis = usize::from(rng.random::<f64>() < 0.75);
            mvp = usize::from(rng.random::<f64>() < 0.75) * (1 + poisson(rng, 0.5 * units));
            if necrosis + mvp == 0 {
                mvp = 1;
            }
            dense = usize::from(rng.random::<f64>() < 0.35);
        }
        _ => dense = usize::from(rng.random::<f64>() < 0.05),
    }
    render(&mut c, ph, &Plan { dense, necrosis, mvp, scale, units }, rng)
}

/// A whole slide of `size x size` pixels: one to three tissue fragments on white glass, the
/// same texture model with structures in proportion to the tissue area.
pub fn render_slide(size: usize, ph: &Pheno, rng: &mut ChaCha8Rng) -> Rendered {
    let mut c = Canvas::new(size, size, WHITE);
    let s = size as f32;
    let n_frag = 1 + rng.random_range(0..3);
    for k in 0..n_frag {
        let r = s * if k == 0 { 0.30 + 0.08 * rng.random::<f32>() } else { 0.10 + 0.08 * rng.random::<f32>() };
        let (cx, cy) = if k == 0 {
            (s * (0.45 + 0.1 * rng.random::<f32>()), s * (0.45 + 0.1 * rng.random::<f32>()))
        } else {
            (s * (0.15 + 0.7 * rng.random::<f32>()), s * (0.15 + 0.7 * rng.random::<f32>()))
        };
        let b = Blob::random(rng, cx, cy, r, 0.35);
        c.paint(&b, BG, None, &[WHITE]);
    }
    let tissue_px = c.label.iter().filter(|&&l| l != WHITE).count();
    let units = tissue_px as f64 / 65536.0;
    let (dense, necrosis, mvp) = match ph.grade {
        3 => (1 + poisson(rng, 0.3 * units), 0, 0),
        4 => (poisson(rng, 0.15 * units), 1 + poisson(rng, 0.2 * units), 1 + poisson(rng, 0.4 * units)),
        _ => (poisson(rng, 0.01 * units), 0, 0),
    };
    render(&mut c, ph, &Plan { dense, necrosis, mvp, scale: 1.0, units }, rng)
}
