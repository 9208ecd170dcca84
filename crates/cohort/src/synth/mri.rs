//! MRI layer: four co-registered modalities (T1, T1CE, T2, FLAIR) and a tumour mask.
//!
//! Skull-stripped brain (as BraTS/TCIA preprocessed data): an ellipsoid filling most of the
//! field of view, grey/white matter from smooth 3-D noise, two lateral ventricles (CSF). A
//! tumour (irregular ellipsoid, radius 7-15 mm, larger with grade) sits in one hemisphere;
//! the mask is the tumour (label 1). Tissue intensities (arbitrary units) per modality:
//!
//! | tissue            | T1  | T1CE | T2   | FLAIR |
//! |-------------------|-----|------|------|-------|
//! | white matter      | 700 | 720  | 400  | 450   |
//! | grey matter       | 500 | 520  | 550  | 560   |
//! | CSF               | 200 | 200  | 1000 | 120   |
//! | oedema            | 520 | 530  | 800  | 760   |
//!
//! IDH-dependent tumour appearance (the signal the IDH pipeline should find):
//! - IDH-wildtype: ring enhancement on T1CE (rim 1.5-3 mm at 1150, stronger with grade 4),
//!   a necrotic core (T1 250, T2 950, FLAIR 520), heterogeneous texture (multiplicative
//!   small-scale noise, sd 0.15), wide oedema (FLAIR/T2 bright shell of 3-9 mm).
//! - IDH-mutant: homogeneous (sd 0.04) T2-bright tumour (T1 380, T2 900) without necrosis;
//!   T2-FLAIR mismatch (core FLAIR 480 under a bright 1-2 mm FLAIR rim at 780) in 70 % of
//!   non-codeleted and 15 % of codeleted tumours, otherwise FLAIR 760 throughout; enhancement
//!   only as faint patches (T1CE + 0-120) in 20 %; thin oedema (0-3 mm).
//! Each modality then gets a per-patient gain LogNormal(0, 0.1), a linear bias field
//! (+-10 %) and Gaussian noise (sd 12) inside the brain; outside the brain is 0.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use radiomics::Image;

use super::clinical::Truth;

/// Trilinear value noise on a coarse random lattice (cell `cell` voxels), values in [0, 1].
struct Noise3 {
    g: [usize; 3],
    cell: f64,
    v: Vec<f64>,
}

impl Noise3 {
    fn new(size: [usize; 3], cell: f64, rng: &mut ChaCha8Rng) -> Self {
        let g = [0, 1, 2].map(|k| (size[k] as f64 / cell) as usize + 2);
        let v = (0..g[0] * g[1] * g[2]).map(|_| rng.random::<f64>()).collect();
        Noise3 { g, cell, v }
    }
    fn at(&self, x: usize, y: usize, z: usize) -> f64 {
        let f = [x as f64 / self.cell, y as f64 / self.cell, z as f64 / self.cell];
        let i = f.map(|v| v as usize);
        let t = [f[0] - i[0] as f64, f[1] - i[1] as f64, f[2] - i[2] as f64];
        let idx = |a: usize, b: usize, c: usize| self.v[(a.min(self.g[0] - 1)) + self.g[0] * ((b.min(self.g[1] - 1)) + self.g[1] * c.min(self.g[2] - 1))];
        let mut s = 0.0;
        for dz in 0..2 {
            for dy in 0..2 {
                for dx in 0..2 {
                    let w = (if dx == 1 { t[0] } else { 1.0 - t[0] }) * (if dy == 1 { t[1] } else { 1.0 - t[1] }) * (if dz == 1 { t[2] } else { 1.0 - t[2] });
                    s += w * idx(i[0] + dx, i[1] + dy, i[2] + dz);
                }
            }
        }
        s
    }
}

/// The five volumes of one patient: t1, t1ce, t2, flair, mask.
pub struct MriVolumes {
    pub modalities: [Image; 4],
    pub mask: Image,
}

/// Geometry shared by all volumes: 1 mm spacing (or `spacing`), centred origin, identity direction.
pub fn geometry(size: [usize; 3], spacing: f64) -> Image {
    Image {
        data: Vec::new(),
        size,
        spacing: [spacing; 3],
        origin: [0, 1, 2].map(|k| -(size[k] as f64 - 1.0) * spacing / 2.0),
        direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        pixel_type: radiomics::image::PixelType::F64,
    }
}

pub fn render(t: &Truth, size: [usize; 3], spacing: f64, rng: &mut ChaCha8Rng) -> MriVolumes {
    let n = size[0] * size[1] * size[2];
    let std_n = Normal::<f64>::new(0.0, 1.0).unwrap_or_else(|_| unreachable!());
    let c = [0, 1, 2].map(|k| (size[k] as f64 - 1.0) / 2.0);
    // Brain semi-axes (voxels).
    let ax = [0.42 * size[0] as f64, 0.46 * size[1] as f64, 0.44 * size[2] as f64];
    let tissue = Noise3::new(size, 6.0, rng);
    let texture = Noise3::new(size, 2.0, rng);
    // Tumour: centre in one hemisphere, inside the brain.
    let side = if rng.random::<bool>() { 1.0 } else { -1.0 };
    let tc = [
        c[0] + side * ax[0] * (0.3 + 0.25 * rng.random::<f64>()),
        c[1] + ax[1] * (rng.random::<f64>() - 0.5) * 0.6,
        c[2] + ax[2] * (rng.random::<f64>() - 0.5) * 0.4,
    ];
    let base_r = (7.0 + 2.5 * (t.grade as f64 - 2.0) + 3.0 * rng.random::<f64>()) / spacing;
    let tr = [base_r * (0.85 + 0.3 * rng.random::<f64>()), base_r * (0.85 + 0.3 * rng.random::<f64>()), base_r * (0.7 + 0.2 * rng.random::<f64>())];
    let shape = Noise3::new(size, 5.0, rng);
    let wt = t.idh == 0;
    let rim = (1.5 + 1.5 * rng.random::<f64>()) / spacing;
    let oedema = if wt { 3.0 + 6.0 * rng.random::<f64>() } else { 3.0 * rng.random::<f64>() } / spacing;
    let mismatch = !wt && rng.random::<f64>() < if t.codel == 1 { 0.15 } else { 0.70 };
    let faint_enh = !wt && rng.random::<f64>() < 0.2;
    let enh_gain = if t.grade == 4 { 1.0 } else { 0.7 };
    let hetero = if wt { 0.15 } else { 0.04 };
    let gains: [f64; 4] = [0, 1, 2, 3].map(|_| (0.1 * std_n.sample(rng) as f64).exp());
    let bias: [[f64; 3]; 4] = [0, 1, 2, 3].map(|_| [0, 1, 2].map(|_| 0.1 * (2.0 * rng.random::<f64>() - 1.0)));

    let mut vols: [Vec<f64>; 4] = [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]];
    let mut mask = vec![0.0; n];
    for z in 0..size[2] {
        for y in 0..size[1] {
            for x in 0..size[0] {
                let i = x + size[0] * (y + size[1] * z);
                let p = [x as f64, y as f64, z as f64];
                let b = ((p[0] - c[0]) / ax[0]).powi(2) + ((p[1] - c[1]) / ax[1]).powi(2) + ((p[2] - c[2]) / ax[2]).powi(2);
                if b >= 1.0 {
                    continue;
                }
                // Normal tissue: white matter inside, grey matter at the cortex and in noisy patches.
                let tn = tissue.at(x, y, z);
                let wm = (1.0 - b.sqrt() * 1.1 + 0.5 * (tn - 0.5)).clamp(0.0, 1.0).powf(0.5);
                let vent = [-1.0, 1.0].iter().any(|&s| {
                    ((p[0] - c[0] - s * 0.12 * ax[0]) / (0.08 * ax[0])).powi(2)
                        + ((p[1] - c[1] + 0.05 * ax[1]) / (0.35 * ax[1])).powi(2)
                        + ((p[2] - c[2] - 0.1 * ax[2]) / (0.25 * ax[2])).powi(2)
                        < 1.0
                });
                let mut v = if vent {
                    [200.0, 200.0, 1000.0, 120.0]
                } else {
                    [500.0 + 200.0 * wm, 520.0 + 200.0 * wm, 550.0 - 150.0 * wm, 560.0 - 110.0 * wm]
                };
                // Tumour geometry: normalised radius with a lumpy boundary.
                let d = (((p[0] - tc[0]) / tr[0]).powi(2) + ((p[1] - tc[1]) / tr[1]).powi(2) + ((p[2] - tc[2]) / tr[2]).powi(2)).sqrt();
                let lump = 1.0 + 0.35 * (shape.at(x, y, z) - 0.5);
                let dt = d / lump; // < 1 inside the tumour
                let depth = (1.0 - dt) * base_r; // voxels from the boundary, inside
                let out = (dt - 1.0) * base_r; // voxels beyond the boundary
                if dt < 1.0 {
                    mask[i] = 1.0;
                    let tx = 1.0 + hetero * 4.0 * (texture.at(x, y, z) - 0.5);
                    if wt {
                        let core = depth > rim;
                        v = if core {
                            [250.0 * tx, 260.0 * tx, 950.0 * tx, 520.0 * tx]
                        } else {
                            [420.0 * tx, (420.0 + 730.0 * enh_gain) * tx, 820.0 * tx, 800.0 * tx]
                        };
                    } else {
                        let fl = if mismatch { if depth < 1.5 { 780.0 } else { 480.0 } } else { 760.0 };
                        let enh = if faint_enh && texture.at(x, y, z) > 0.7 { 120.0 } else { 0.0 };
                        v = [380.0 * tx, (390.0 + enh) * tx, 900.0 * tx, fl * tx];
                    }
                } else if out < oedema && !vent {
                    let f = 1.0 - out / oedema.max(1e-9) * 0.5;
                    v = [v[0] + (520.0 - v[0]) * f, v[1] + (530.0 - v[1]) * f, v[2] + (800.0 - v[2]) * f, v[3] + (760.0 - v[3]) * f];
                }
                for m in 0..4 {
                    let bf = 1.0 + bias[m][0] * (p[0] - c[0]) / ax[0] + bias[m][1] * (p[1] - c[1]) / ax[1] + bias[m][2] * (p[2] - c[2]) / ax[2];
                    vols[m][i] = (v[m] * gains[m] * bf + 12.0 * std_n.sample(rng)).max(1.0).round();
                }
            }
        }
    }
    let geo = geometry(size, spacing);
    let mk = |data: Vec<f64>| Image { data, ..geo.clone() };
    let [a, b, cc, d] = vols;
    MriVolumes { modalities: [mk(a), mk(b), mk(cc), mk(d)], mask: mk(mask) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn truth(idh: u8, grade: u8) -> Truth {
        Truth { patient_id: "X".into(), grade, idh, codel: 0, cnv: [0; 4], age: 50.0, risk: 0.0, eta: 0.0, time: 1.0, event: 0 }
    }

    /// (mean T1CE / mean T1, coefficient of variation of T2) inside the mask.
    fn stats(v: &MriVolumes) -> (f64, f64) {
        let inside: Vec<usize> = (0..v.mask.data.len()).filter(|&i| v.mask.data[i] > 0.0).collect();
        let m = |k: usize| inside.iter().map(|&i| v.modalities[k].data[i]).sum::<f64>() / inside.len() as f64;
        let t2m = m(2);
        let t2sd = (inside.iter().map(|&i| (v.modalities[2].data[i] - t2m).powi(2)).sum::<f64>() / inside.len() as f64).sqrt();
        (m(1) / m(0), t2sd / t2m)
    }

    #[test]
    fn idh_wildtype_enhances_and_is_heterogeneous() {
        let size = [48, 48, 32];
        for seed in 0..4 {
            let wt = render(&truth(0, 4), size, 1.0, &mut ChaCha8Rng::seed_from_u64(seed));
            let mt = render(&truth(1, 2), size, 1.0, &mut ChaCha8Rng::seed_from_u64(seed));
            for v in [&wt, &mt] {
                assert!(v.mask.data.iter().filter(|&&x| x == 1.0).count() > 100);
                assert!(v.modalities.iter().all(|m| m.size == size && m.data.len() == 48 * 48 * 32));
                // Outside the brain ellipsoid (corner voxel) is 0.
                assert!(v.modalities.iter().all(|m| m.data[0] == 0.0));
            }
            let (enh_wt, cv_wt) = stats(&wt);
            let (enh_mt, cv_mt) = stats(&mt);
            assert!(enh_wt > enh_mt + 0.3, "seed {seed}: enhancement {enh_wt} vs {enh_mt}");
            assert!(cv_wt > cv_mt, "seed {seed}: T2 heterogeneity {cv_wt} vs {cv_mt}");
        }
        let g = geometry([96, 96, 48], 1.0);
        assert_eq!(g.origin, [-47.5, -47.5, -23.5]);
    }
}
