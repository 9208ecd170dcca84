//! Neighbouring Gray Tone Difference Matrix (NGTDM) features, as pyradiomics 3.1.0 computes them
//! (AIM-Harvard/pyradiomics:radiomics/ngtdm.py, matrix from radiomics/src/cmatrices.c).
//!
//! For every ROI voxel of gray level `i`, `Ā` is the mean gray level of its neighbours
//! (pyradiomics' bidirectional angles at the given `distances`: 26 in 3D at distance 1) that lie
//! in the ROI. `n_i` counts the voxels of level `i` — a voxel with no neighbour in the ROI counts
//! too, with difference 0 (pyradiomics' convention, unlike IBSI) — and `s_i = Σ |i − Ā|` over
//! them. Levels with `n_i = 0` are dropped. `N_{v,p} = Σ n_i`, `p_i = n_i / N_{v,p}`,
//! `N_{g,p}` = the number of levels with `p_i ≠ 0`, `i` the real gray level.

use super::neighbourhood;
use super::{DiscretizedRoi, TextureSettings};
use crate::RadiomicsError;

/// pyradiomics' enabled-by-default NGTDM features, in pyradiomics' output order.
pub const FEATURE_NAMES: [&str; 5] = [
    "Busyness",
    "Coarseness",
    "Complexity",
    "Contrast",
    "Strength",
];

/// The NGTDM: per gray level present, `n_i`, `p_i` and `s_i`.
#[derive(Debug, Clone)]
pub struct Ngtdm {
    /// Gray levels present (real bin indices), ascending.
    pub levels: Vec<f64>,
    /// `n_i`: number of ROI voxels of each level.
    pub n: Vec<f64>,
    /// `s_i`: sum of |i − Ā| over the voxels of each level.
    pub s: Vec<f64>,
    /// `p_i = n_i / N_{v,p}`.
    pub p: Vec<f64>,
    /// `N_{v,p}`.
    pub nvp: f64,
}

/// Builds the NGTDM as pyradiomics does (see the module documentation).
pub fn ngtdm(roi: &DiscretizedRoi, settings: &TextureSettings) -> Result<Ngtdm, RadiomicsError> {
    let (prep, offsets) = neighbourhood::prepare_with_angles(roi, "ngtdm", settings, true)?;
    let nl = prep.n_levels();
    let c = &prep.compact;
    let lev: Vec<f64> = prep.levels.iter().map(|&g| g as f64).collect();
    let deltas: Vec<isize> = offsets.iter().map(|&o| prep.delta(o)).collect();
    // Gray levels in the padded box, 0 outside the ROI: the neighbour sums are integer sums
    // (exact, as pyradiomics' double sums of integers are) without branches.
    let mut level = vec![0u32; c.len()];
    for &i in &prep.roi {
        level[i as usize] = prep.levels[c[i as usize] as usize];
    }
    let mut n = vec![0.0; nl];
    let mut s = vec![0.0; nl];
    // ROI voxels in pyradiomics' (C) order, so that s_i is summed in the same order.
    for &i in &prep.roi {
        let g = c[i as usize] as usize;
        let (mut count, mut sum) = (0u32, 0u64);
        for &d in &deltas {
            let l = level[(i as isize + d) as usize];
            sum += u64::from(l);
            count += u32::from(l != 0);
        }
        let diff = if count == 0 {
            0.0
        } else {
            (lev[g] - sum as f64 / count as f64).abs()
        };
        n[g] += 1.0;
        s[g] += diff;
    }
    let nvp: f64 = n.iter().sum();
    let p = n.iter().map(|&v| v / nvp).collect();
    Ok(Ngtdm {
        levels: lev,
        n,
        s,
        p,
        nvp,
    })
}

/// Coarseness = 1 / Σ_i p_i s_i; 10^6 when Σ p_i s_i = 0 (homogeneous region).
pub fn coarseness(g: &Ngtdm) -> f64 {
    let v: f64 = g.p.iter().zip(&g.s).map(|(p, s)| p * s).sum();
    if v == 0.0 { 1e6 } else { 1.0 / v }
}

/// Contrast = (1 / (N_{g,p}(N_{g,p} − 1)) Σ_i Σ_j p_i p_j (i − j)^2) (1 / N_{v,p} Σ_i s_i);
/// 0 when N_{g,p} = 1.
pub fn contrast(g: &Ngtdm) -> f64 {
    let ngp = g.p.iter().filter(|&&p| p > 0.0).count() as f64;
    let div = ngp * (ngp - 1.0);
    if div == 0.0 {
        return 0.0;
    }
    let mut acc = 0.0;
    for (a, (&pi, &i)) in g.p.iter().zip(&g.levels).enumerate() {
        for (&pj, &j) in g.p.iter().zip(&g.levels).skip(a + 1) {
            acc += pi * pj * (i - j).powi(2);
        }
    }
    // The double sum counts each unordered pair twice.
    2.0 * acc * g.s.iter().sum::<f64>() / g.nvp / div
}

/// Busyness = Σ_i p_i s_i / Σ_i Σ_j |i p_i − j p_j| (p_i, p_j ≠ 0); 0 when the denominator is 0.
pub fn busyness(g: &Ngtdm) -> f64 {
    let num: f64 = g.p.iter().zip(&g.s).map(|(p, s)| p * s).sum();
    let ip: Vec<f64> = g.p.iter().zip(&g.levels).map(|(p, i)| p * i).collect();
    let mut den = 0.0;
    for (a, &x) in ip.iter().enumerate() {
        for &y in &ip[a + 1..] {
            den += (x - y).abs();
        }
    }
    let den = 2.0 * den;
    if den == 0.0 { 0.0 } else { num / den }
}

/// Complexity = 1 / N_{v,p} Σ_i Σ_j |i − j| (p_i s_i + p_j s_j) / (p_i + p_j) (p_i, p_j ≠ 0)
pub fn complexity(g: &Ngtdm) -> f64 {
    let ps: Vec<f64> = g.p.iter().zip(&g.s).map(|(p, s)| p * s).collect();
    let mut acc = 0.0;
    for a in 0..g.p.len() {
        for b in a + 1..g.p.len() {
            acc += (g.levels[a] - g.levels[b]).abs() * (ps[a] + ps[b]) / (g.p[a] + g.p[b]);
        }
    }
    2.0 * acc / g.nvp
}

/// Strength = Σ_i Σ_j (p_i + p_j)(i − j)^2 / Σ_i s_i (p_i, p_j ≠ 0); 0 when Σ s_i = 0.
pub fn strength(g: &Ngtdm) -> f64 {
    let ssum: f64 = g.s.iter().sum();
    if ssum == 0.0 {
        return 0.0;
    }
    let mut acc = 0.0;
    for a in 0..g.p.len() {
        for b in a + 1..g.p.len() {
            acc += (g.p[a] + g.p[b]) * (g.levels[a] - g.levels[b]).powi(2);
        }
    }
    2.0 * acc / ssum
}

/// All enabled-by-default NGTDM features, in pyradiomics' order ([`FEATURE_NAMES`]).
pub fn features(
    roi: &DiscretizedRoi,
    settings: &TextureSettings,
) -> Result<Vec<(String, f64)>, RadiomicsError> {
    let g = ngtdm(roi, settings)?;
    let values = [
        busyness(&g),
        coarseness(&g),
        complexity(&g),
        contrast(&g),
        strength(&g),
    ];
    Ok(FEATURE_NAMES
        .iter()
        .map(|s| s.to_string())
        .zip(values)
        .collect())
}
