//! MRI layer: four co-registered modalities (T1, T1CE, T2, FLAIR) and a tumour mask.
//!
//! Skull-stripped brain (as BraTS/TCIA preprocessed data): an ellipsoid filling most of the
//! field of view, grey/white matter from smooth 3-D noise, two lateral ventricles (CSF). A
//! tumour (irregular lumpy ellipsoid) sits in one hemisphere. Tissue intensities (arbitrary
//! units) per modality before the scanner nuisance below:
//!
//! | tissue            | T1  | T1CE | T2   | FLAIR |
//! |-------------------|-----|------|------|-------|
//! | white matter      | 700 | 720  | 400  | 450   |
//! | grey matter       | 500 | 520  | 550  | 560   |
//! | CSF               | 200 | 200  | 1000 | 120   |
//! | oedema            | 520 | 530  | 800  | 760   |
//! | solid tumour      | 380 | 390  | 900  | 760   |  (each x LogNormal(0, 0.08) per patient; T2 x the `t2` tendency)
//! | necrosis          | 250 | 260  | 950  | 520   |
//!
//! IDH status changes the *probabilities and means* of a few radiological traits, never a
//! trait deterministically (real IDH-mutant vs -wildtype differences are tendencies with large
//! overlap). Per (grade, IDH, codel) group, [`tendency`] gives: P(necrotic core), P(contrast
//! enhancement), P(T2-FLAIR mismatch), mean texture heterogeneity, mean oedema width, mean
//! tumour radius and the relative T2 brightness of the solid tumour. With `effect` e (`SynthParams::mri_idh_effect`), a patient's tendencies are
//! `avg + e * (group - avg)`, `avg` being the population mean over the cohort's (grade, IDH,
//! codel) mixture: e = 0 makes the MRI independent of IDH and grade, e = 1 is the calibrated
//! default (docs/synthetic-cohort.md gives the AUCs it produces), e > 1 exaggerates.
//!
//! Per patient, from those tendencies: radius = mean x LogNormal(0, 0.25) (clamped 5..20 mm),
//! lumpiness 0.15..0.5; a necrotic core of 35-75 % of the radius; enhancement of strength
//! 150..600 as a 1.5-4 mm ring around necrosis, or as nodular patches in a solid tumour;
//! T2-FLAIR mismatch as a core FLAIR of 0.5-0.65 x the tumour's under a 1-2 mm bright rim;
//! texture heterogeneity = mean x LogNormal(0, 0.35); oedema width = mean x U(0.3, 1.7).
//!
//! Nuisance that affects every feature (no intensity normalisation across patients, as with
//! raw multi-scanner data): a global gain LogNormal(0, 0.2) shared by the four modalities
//! times a per-modality LogNormal(0, 0.05), an offset N(0, 20); a smooth multiplicative bias
//! field per modality (coarse 3-D noise of amplitude 8-20 % plus a linear ramp of +-8 %);
//! Rician noise with a per-patient sigma U(6, 30) (x LogNormal(0, 0.2) per modality); partial
//! volume at the tumour boundary (linear blend over 1-2 voxels); and a mask that is an imperfect
//! segmentation (its boundary is the tumour's, perturbed by a smooth noise of +-6 % of the
//! radius and a global dilation/erosion N(0, 6 %)). Outside the brain is 0.

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

/// Population tendencies of one (grade, IDH, codel) group; see the module comment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tendency {
    /// P(necrotic core).
    pub necrosis: f64,
    /// P(contrast enhancement).
    pub enhance: f64,
    /// P(T2-FLAIR mismatch).
    pub mismatch: f64,
    /// Mean texture heterogeneity (relative amplitude of the small-scale texture).
    pub hetero: f64,
    /// Mean oedema width (mm).
    pub oedema: f64,
    /// Mean tumour radius (mm).
    pub radius: f64,
    /// Relative T2 brightness of the solid tumour (IDH-mutant tumours are more T2-hyperintense).
    pub t2: f64,
}

impl Tendency {
    fn lerp(a: Tendency, b: Tendency, e: f64) -> Tendency {
        let f = |x: f64, y: f64| x + e * (y - x);
        let p = |x: f64, y: f64| f(x, y).clamp(0.0, 1.0);
        Tendency {
            necrosis: p(a.necrosis, b.necrosis),
            enhance: p(a.enhance, b.enhance),
            mismatch: p(a.mismatch, b.mismatch),
            hetero: f(a.hetero, b.hetero).max(0.01),
            oedema: f(a.oedema, b.oedema).max(0.0),
            radius: f(a.radius, b.radius).max(5.0),
            t2: f(a.t2, b.t2).max(0.5),
        }
    }
}

/// Tendencies of the (grade, IDH, codel) group, before scaling by the effect.
/// IDH-wildtype: mostly necrotic, enhancing, heterogeneous, wide oedema (more so in grade 4);
/// IDH-mutant: T2-FLAIR mismatch in 50 % of non-codeleted (10 % of codeleted) tumours, rarely
/// necrotic, enhancement in some grade 3 (and most grade 4) tumours.
pub fn tendency(grade: u8, idh: u8, codel: u8) -> Tendency {
    let t = |necrosis, enhance, mismatch, hetero, oedema, radius, t2| Tendency { necrosis, enhance, mismatch, hetero, oedema, radius, t2 };
    match (idh, grade) {
        (0, 4) => t(0.70, 0.80, 0.02, 0.11, 6.0, 12.0, 0.92),
        (0, 3) => t(0.25, 0.55, 0.03, 0.09, 4.5, 11.0, 0.96),
        (0, _) => t(0.15, 0.45, 0.03, 0.09, 4.0, 10.5, 0.96),
        (_, 4) => t(0.45, 0.65, 0.05, 0.10, 5.0, 11.5, 0.99),
        (_, 3) => t(0.15, 0.45, if codel == 1 { 0.10 } else { 0.50 }, 0.08, 3.0, 11.0, 1.06),
        (_, _) => t(0.08, 0.20, if codel == 1 { 0.10 } else { 0.50 }, 0.07, 2.5, 10.5, 1.08),
    }
}

/// Population mean of the tendencies over the clinical mixture (grade 182/205/350, P(IDH-mutant
/// | grade) = 0.85/0.70/0.10, P(codel | IDH-mutant, grade) = 0.45/0.35/0), see `clinical`.
pub fn population_tendency() -> Tendency {
    let pg = [182.0 / 737.0, 205.0 / 737.0, 350.0 / 737.0];
    let pidh = [0.85, 0.70, 0.10];
    let pcodel = [0.45, 0.35, 0.0];
    let mut acc = Tendency { necrosis: 0.0, enhance: 0.0, mismatch: 0.0, hetero: 0.0, oedema: 0.0, radius: 0.0, t2: 0.0 };
    for g in 0..3 {
        for (idh, codel, w) in [
            (0u8, 0u8, 1.0 - pidh[g]),
            (1, 0, pidh[g] * (1.0 - pcodel[g])),
            (1, 1, pidh[g] * pcodel[g]),
        ] {
            let t = tendency(g as u8 + 2, idh, codel);
            let w = w * pg[g];
            acc.necrosis += w * t.necrosis;
            acc.enhance += w * t.enhance;
            acc.mismatch += w * t.mismatch;
            acc.hetero += w * t.hetero;
            acc.oedema += w * t.oedema;
            acc.radius += w * t.radius;
            acc.t2 += w * t.t2;
        }
    }
    acc
}

/// One patient's tendencies for IDH effect `effect` (0 = none, 1 = calibrated default).
pub fn patient_tendency(t: &Truth, effect: f64) -> Tendency {
    Tendency::lerp(population_tendency(), tendency(t.grade, t.idh, t.codel), effect)
}

pub fn render(t: &Truth, size: [usize; 3], spacing: f64, effect: f64, rng: &mut ChaCha8Rng) -> MriVolumes {
    let n = size[0] * size[1] * size[2];
    let std_n = Normal::<f64>::new(0.0, 1.0).unwrap_or_else(|_| unreachable!());
    let c = [0, 1, 2].map(|k| (size[k] as f64 - 1.0) / 2.0);
    let ln = |sd: f64, rng: &mut ChaCha8Rng| (sd * std_n.sample(rng)).exp();
    let uni = |a: f64, b: f64, rng: &mut ChaCha8Rng| a + (b - a) * rng.random::<f64>();
    // Brain semi-axes (voxels).
    let ax = [0.42 * size[0] as f64, 0.46 * size[1] as f64, 0.44 * size[2] as f64];
    let tissue = Noise3::new(size, 6.0, rng);
    let texture = Noise3::new(size, 2.0, rng);
    let shape = Noise3::new(size, 5.0, rng);
    let seg = Noise3::new(size, 4.0, rng);
    let tend = patient_tendency(t, effect);
    // Tumour: centre in one hemisphere, inside the brain.
    let side = if rng.random::<bool>() { 1.0 } else { -1.0 };
    let tc = [
        c[0] + side * ax[0] * uni(0.25, 0.55, rng),
        c[1] + ax[1] * uni(-0.35, 0.35, rng),
        c[2] + ax[2] * uni(-0.25, 0.25, rng),
    ];
    let base_r = (tend.radius * ln(0.25, rng)).clamp(5.0, 20.0) / spacing;
    let tr = [base_r * uni(0.8, 1.2, rng), base_r * uni(0.8, 1.2, rng), base_r * uni(0.65, 0.95, rng)];
    let lumpiness = uni(0.15, 0.5, rng);
    let necrotic = rng.random::<f64>() < tend.necrosis;
    let necro_frac = uni(0.35, 0.75, rng);
    let enhancing = rng.random::<f64>() < tend.enhance;
    let enh = uni(150.0, 600.0, rng);
    let rim = uni(1.5, 4.0, rng) / spacing;
    let mismatch = rng.random::<f64>() < tend.mismatch;
    let mm_core = uni(0.5, 0.65, rng);
    let mm_rim = uni(1.0, 2.0, rng) / spacing;
    let hetero = tend.hetero * ln(0.35, rng);
    let oedema = tend.oedema * uni(0.3, 1.7, rng) / spacing;
    let solid = [380.0 * ln(0.08, rng), 0.0, 900.0 * tend.t2 * ln(0.08, rng), 760.0 * ln(0.08, rng)];
    let solid = [solid[0], solid[0] + 10.0, solid[2], solid[3]];
    let pv = uni(1.0, 2.0, rng); // partial-volume width (voxels)
    let seg_bias = 0.06 * std_n.sample(rng);
    // Scanner nuisance.
    let g0 = ln(0.2, rng);
    let gains: [f64; 4] = [0, 1, 2, 3].map(|_| g0 * ln(0.05, rng));
    let offset = 20.0 * std_n.sample(rng);
    let sigma0 = uni(6.0, 30.0, rng);
    let sigmas: [f64; 4] = [0, 1, 2, 3].map(|_| sigma0 * ln(0.2, rng));
    let ramps: [[f64; 3]; 4] = [0, 1, 2, 3].map(|_| [0, 1, 2].map(|_| uni(-0.08, 0.08, rng)));
    let bias_amp: [f64; 4] = [0, 1, 2, 3].map(|_| uni(0.08, 0.2, rng));
    let bias_noise: Vec<Noise3> = (0..4).map(|_| Noise3::new(size, 24.0, rng)).collect();

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
                let lump = 1.0 + lumpiness * (shape.at(x, y, z) - 0.5);
                let dt = d / lump; // < 1 inside the tumour
                let depth = (1.0 - dt) * base_r; // voxels from the boundary, inside
                let out = (dt - 1.0) * base_r; // voxels beyond the boundary
                // Imperfect segmentation: the mask boundary wobbles around the tumour's.
                if dt * (1.0 + 0.12 * (seg.at(x, y, z) - 0.5)) < 1.0 + seg_bias {
                    mask[i] = 1.0;
                }
                if out < oedema && !vent && out > -0.5 * pv {
                    let f = 1.0 - out.max(0.0) / oedema.max(1e-9) * 0.5;
                    v = [v[0] + (520.0 - v[0]) * f, v[1] + (530.0 - v[1]) * f, v[2] + (800.0 - v[2]) * f, v[3] + (760.0 - v[3]) * f];
                }
                // Partial volume: tumour fraction of the voxel, linear over `pv` voxels.
                let w = (depth / pv + 0.5).clamp(0.0, 1.0);
                if w > 0.0 {
                    let tx = 1.0 + hetero * 4.0 * (texture.at(x, y, z) - 0.5);
                    let mut tv = solid;
                    if necrotic && dt < necro_frac {
                        tv = [250.0, 260.0, 950.0, 520.0];
                    } else if enhancing {
                        let ring = necrotic && (dt - necro_frac) * base_r < rim;
                        let nodular = !necrotic && texture.at(x, y, z) > 0.6;
                        if ring || nodular {
                            tv[1] += enh;
                        }
                    }
                    if mismatch && !(necrotic && dt < necro_frac) {
                        tv[3] = if depth < mm_rim { solid[3] * 1.03 } else { solid[3] * mm_core };
                    }
                    for m in 0..4 {
                        v[m] = w * tv[m] * tx + (1.0 - w) * v[m];
                    }
                }
                for m in 0..4 {
                    let bf = 1.0
                        + ramps[m][0] * (p[0] - c[0]) / ax[0]
                        + ramps[m][1] * (p[1] - c[1]) / ax[1]
                        + ramps[m][2] * (p[2] - c[2]) / ax[2]
                        + bias_amp[m] * (2.0 * bias_noise[m].at(x, y, z) - 1.0);
                    let s = v[m] * gains[m] * bf + offset;
                    // Rician magnitude noise.
                    let re = s + sigmas[m] * std_n.sample(rng);
                    let im = sigmas[m] * std_n.sample(rng);
                    vols[m][i] = (re * re + im * im).sqrt().max(1.0).round();
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
    use crate::synth::clinical::draw_truth;
    use rand::SeedableRng;

    fn truth(idh: u8, grade: u8) -> Truth {
        Truth { patient_id: "X".into(), grade, idh, codel: 0, cnv: [0; 4], age: 50.0, risk: 0.0, eta: 0.0, time: 1.0, event: 0 }
    }

    /// (mean T1CE / mean T1, fraction of dark (necrotic-like) T1 voxels) inside the mask.
    fn stats(v: &MriVolumes) -> (f64, f64) {
        let inside: Vec<usize> = (0..v.mask.data.len()).filter(|&i| v.mask.data[i] > 0.0).collect();
        let m = |k: usize| inside.iter().map(|&i| v.modalities[k].data[i]).sum::<f64>() / inside.len() as f64;
        let mut t1: Vec<f64> = inside.iter().map(|&i| v.modalities[0].data[i]).collect();
        t1.sort_by(f64::total_cmp);
        let q90 = t1[t1.len() * 9 / 10];
        let dark = t1.iter().filter(|&&x| x < 0.75 * q90).count() as f64 / t1.len() as f64;
        (m(1) / m(0), dark)
    }

    /// ROC AUC of `pos` vs `neg` (probability that a positive exceeds a negative).
    fn auc(pos: &[f64], neg: &[f64]) -> f64 {
        let mut s = 0.0;
        for &a in pos {
            for &b in neg {
                s += if a > b { 1.0 } else if a == b { 0.5 } else { 0.0 };
            }
        }
        s / (pos.len() * neg.len()) as f64
    }

    #[test]
    fn volumes_have_the_declared_geometry() {
        let size = [40, 40, 24];
        for (idh, grade) in [(0, 4), (1, 2)] {
            let v = render(&truth(idh, grade), size, 1.0, 1.0, &mut ChaCha8Rng::seed_from_u64(3));
            assert!(v.mask.data.iter().filter(|&&x| x == 1.0).count() > 100);
            assert!(v.mask.data.iter().all(|&x| x == 0.0 || x == 1.0));
            assert!(v.modalities.iter().all(|m| m.size == size && m.data.len() == 40 * 40 * 24));
            // Outside the brain ellipsoid (corner voxel) is 0; inside intensities are whole and positive.
            assert!(v.modalities.iter().all(|m| m.data[0] == 0.0));
            let centre = 20 + 40 * (20 + 40 * 12);
            assert!(v.modalities.iter().all(|m| m.data[centre] >= 1.0 && m.data[centre].fract() == 0.0));
        }
        let g = geometry([96, 96, 48], 1.0);
        assert_eq!(g.origin, [-47.5, -47.5, -23.5]);
    }

    /// IDH-wildtype grade 4 tumours enhance more and are more often necrotic than IDH-mutant
    /// grade 2 ones *as a population*, with overlap (neither trait separates the groups).
    #[test]
    fn idh_wildtype_tends_to_enhance_and_necrose_with_overlap() {
        let size = [40, 40, 24];
        let n = 24;
        let draw = |idh: u8, grade: u8, effect: f64, seed0: u64| -> Vec<(f64, f64)> {
            (0..n).map(|s| stats(&render(&truth(idh, grade), size, 1.0, effect, &mut ChaCha8Rng::seed_from_u64(seed0 + s)))).collect()
        };
        let wt = draw(0, 4, 1.0, 100);
        let mt = draw(1, 2, 1.0, 200);
        let col = |v: &[(f64, f64)], k: usize| v.iter().map(|x| if k == 0 { x.0 } else { x.1 }).collect::<Vec<f64>>();
        let enh = auc(&col(&wt, 0), &col(&mt, 0));
        let nec = auc(&col(&wt, 1), &col(&mt, 1));
        assert!(enh > 0.7 && enh < 1.0, "enhancement AUC {enh}");
        assert!(nec > 0.6 && nec < 1.0, "necrosis AUC {nec}");
        // With no IDH effect, both groups have the population tendencies: no difference beyond chance.
        assert_eq!(patient_tendency(&truth(0, 4), 0.0), patient_tendency(&truth(1, 2), 0.0));
        let wt0 = draw(0, 4, 0.0, 100);
        let mt0 = draw(1, 2, 0.0, 200);
        let enh0 = auc(&col(&wt0, 0), &col(&mt0, 0));
        assert!((enh0 - 0.5).abs() < 0.2, "enhancement AUC with effect 0: {enh0}");
    }

    /// The population tendency is the mean of the group tendencies over the clinical mixture.
    #[test]
    fn population_tendency_matches_the_clinical_mixture() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let n = 20_000;
        let (mut nec, mut enh, mut mm, mut rad) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..n {
            let t = tendency_of(&draw_truth(&mut rng, format!("P{i}")));
            nec += t.necrosis;
            enh += t.enhance;
            mm += t.mismatch;
            rad += t.radius;
        }
        let p = population_tendency();
        let nf = n as f64;
        assert!((nec / nf - p.necrosis).abs() < 0.01, "{} vs {}", nec / nf, p.necrosis);
        assert!((enh / nf - p.enhance).abs() < 0.01);
        assert!((mm / nf - p.mismatch).abs() < 0.01);
        assert!((rad / nf - p.radius).abs() < 0.05);
        // T2-FLAIR mismatch is highly specific: (almost) only in IDH-mutant, non-codeleted tumours.
        assert!(tendency(2, 1, 0).mismatch > 10.0 * tendency(4, 0, 0).mismatch);
    }

    fn tendency_of(t: &Truth) -> Tendency {
        tendency(t.grade, t.idh, t.codel)
    }
}
