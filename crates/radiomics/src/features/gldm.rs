//! Gray Level Dependence Matrix (GLDM) features, as pyradiomics 3.1.0 computes them
//! (AIM-Harvard/pyradiomics:radiomics/gldm.py, matrix from radiomics/src/cmatrices.c).
//!
//! For every ROI voxel, its dependence is the number of neighbours (pyradiomics' bidirectional
//! angles at the given `distances`: 26 in 3D, 8 in 2D at distance 1) that lie in the ROI and whose
//! gray level differs by at most α (`gldm_a`). `P(i,j)` counts the voxels of gray level `i` with
//! `j − 1` dependent neighbours (`j` = dependence + 1, as pyradiomics numbers its columns).
//! `N_z = Σ P(i,j)` is the number of ROI voxels, `p(i,j) = P(i,j)/N_z`, `p_g(i) = Σ_j P(i,j)`,
//! `p_d(j) = Σ_i P(i,j)`, `i` the real gray level, ε = 2.2e-16.

use super::neighbourhood::{self, EPS};
use super::{DiscretizedRoi, TextureSettings};
use crate::RadiomicsError;

/// pyradiomics' enabled-by-default GLDM features, in pyradiomics' output order.
pub const FEATURE_NAMES: [&str; 14] = [
    "DependenceEntropy",
    "DependenceNonUniformity",
    "DependenceNonUniformityNormalized",
    "DependenceVariance",
    "GrayLevelNonUniformity",
    "GrayLevelVariance",
    "HighGrayLevelEmphasis",
    "LargeDependenceEmphasis",
    "LargeDependenceHighGrayLevelEmphasis",
    "LargeDependenceLowGrayLevelEmphasis",
    "LowGrayLevelEmphasis",
    "SmallDependenceEmphasis",
    "SmallDependenceHighGrayLevelEmphasis",
    "SmallDependenceLowGrayLevelEmphasis",
];

/// The GLDM: gray levels x dependence sizes (`j = 1..=n_angles + 1`).
#[derive(Debug, Clone)]
pub struct Gldm {
    /// Gray levels present in the ROI (real bin indices), ascending.
    pub levels: Vec<f64>,
    /// Number of columns: dependence sizes `j = 1..=cols`.
    pub cols: usize,
    /// Counts, row-major `levels x cols`; column `k` is `j = k + 1`.
    pub p: Vec<f64>,
    nz: f64,
    pg: Vec<f64>,
    pd: Vec<f64>,
}

impl Gldm {
    fn weighted(&self, w: impl Fn(f64, f64) -> f64) -> f64 {
        let m = self.cols;
        let mut s = 0.0;
        for (li, &gi) in self.levels.iter().enumerate() {
            for (k, &v) in self.p[li * m..(li + 1) * m].iter().enumerate() {
                if v != 0.0 {
                    s += v * w(gi, (k + 1) as f64);
                }
            }
        }
        s / self.nz
    }

    fn dep_sum(&self, w: impl Fn(f64) -> f64) -> f64 {
        self.pd
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(k, &v)| v * w((k + 1) as f64))
            .sum()
    }

    fn gray_sum(&self, w: impl Fn(f64) -> f64) -> f64 {
        self.pg
            .iter()
            .zip(&self.levels)
            .map(|(&v, &i)| v * w(i))
            .sum()
    }
}

/// Builds the GLDM as pyradiomics does (see the module documentation).
pub fn gldm(roi: &DiscretizedRoi, settings: &TextureSettings) -> Result<Gldm, RadiomicsError> {
    let alpha = settings.gldm_a;
    if !(alpha.is_finite() && alpha >= 0.0 && alpha.fract() == 0.0 && alpha <= i32::MAX as f64) {
        return Err(RadiomicsError::InvalidInput(format!(
            "gldm_a {alpha} is invalid; pyradiomics takes a whole number >= 0"
        )));
    }
    let (prep, offsets) = neighbourhood::prepare_with_angles(roi, "gldm", settings, true)?;
    let n = prep.n_levels();
    let c = &prep.compact;
    let lev: Vec<i64> = prep.levels.iter().map(|&g| g as i64).collect();
    let deltas: Vec<isize> = offsets.iter().map(|&o| prep.delta(o)).collect();
    let a = alpha as i64;
    let cols = 2 * offsets.len() + 1;
    let mut p = vec![0.0; n * cols];
    for &i in &prep.roi {
        let gi = c[i as usize];
        let mut dep = 0usize;
        if a == 0 {
            // α = 0 (the default): dependent means the same level; OUTSIDE never matches.
            for &d in &deltas {
                dep += usize::from(c[(i as isize + d) as usize] == gi);
            }
        } else {
            let li = lev[gi as usize];
            for &d in &deltas {
                let cj = c[(i as isize + d) as usize];
                if cj != neighbourhood::OUTSIDE && (li - lev[cj as usize]).abs() <= a {
                    dep += 1;
                }
            }
        }
        p[gi as usize * cols + dep] += 1.0;
    }
    let mut pg = vec![0.0; n];
    let mut pd = vec![0.0; cols];
    for g in 0..n {
        for k in 0..cols {
            pg[g] += p[g * cols + k];
            pd[k] += p[g * cols + k];
        }
    }
    let nz: f64 = pd.iter().sum();
    Ok(Gldm {
        levels: lev.iter().map(|&g| g as f64).collect(),
        cols,
        p,
        nz: if nz == 0.0 { 1.0 } else { nz },
        pg,
        pd,
    })
}

/// SDE = Σ_i Σ_j P(i,j) / j^2 / N_z
pub fn small_dependence_emphasis(g: &Gldm) -> f64 {
    g.dep_sum(|j| 1.0 / (j * j)) / g.nz
}

/// LDE = Σ_i Σ_j P(i,j) j^2 / N_z
pub fn large_dependence_emphasis(g: &Gldm) -> f64 {
    g.dep_sum(|j| j * j) / g.nz
}

/// GLN = Σ_i (Σ_j P(i,j))^2 / N_z
pub fn gray_level_non_uniformity(g: &Gldm) -> f64 {
    g.pg.iter().map(|v| v * v).sum::<f64>() / g.nz
}

/// DN = Σ_j (Σ_i P(i,j))^2 / N_z
pub fn dependence_non_uniformity(g: &Gldm) -> f64 {
    g.pd.iter().map(|v| v * v).sum::<f64>() / g.nz
}

/// DNN = Σ_j (Σ_i P(i,j))^2 / N_z^2
pub fn dependence_non_uniformity_normalized(g: &Gldm) -> f64 {
    g.pd.iter().map(|v| v * v).sum::<f64>() / (g.nz * g.nz)
}

/// GLV = Σ_i Σ_j p(i,j) (i − μ)^2, μ = Σ_i Σ_j p(i,j) i
pub fn gray_level_variance(g: &Gldm) -> f64 {
    let u = g.gray_sum(|i| i) / g.nz;
    g.gray_sum(|i| (i - u).powi(2)) / g.nz
}

/// DV = Σ_i Σ_j p(i,j) (j − μ)^2, μ = Σ_i Σ_j p(i,j) j
pub fn dependence_variance(g: &Gldm) -> f64 {
    let u = g.dep_sum(|j| j) / g.nz;
    g.dep_sum(|j| (j - u).powi(2)) / g.nz
}

/// DE = −Σ_i Σ_j p(i,j) log2(p(i,j) + ε)
pub fn dependence_entropy(g: &Gldm) -> f64 {
    -g.p.iter()
        .filter(|v| **v != 0.0)
        .map(|&v| {
            let p = v / g.nz;
            p * (p + EPS).log2()
        })
        .sum::<f64>()
}

/// LGLE = Σ_i Σ_j P(i,j) / i^2 / N_z
pub fn low_gray_level_emphasis(g: &Gldm) -> f64 {
    g.gray_sum(|i| 1.0 / (i * i)) / g.nz
}

/// HGLE = Σ_i Σ_j P(i,j) i^2 / N_z
pub fn high_gray_level_emphasis(g: &Gldm) -> f64 {
    g.gray_sum(|i| i * i) / g.nz
}

/// SDLGLE = Σ_i Σ_j P(i,j) / (i^2 j^2) / N_z
pub fn small_dependence_low_gray_level_emphasis(g: &Gldm) -> f64 {
    g.weighted(|i, j| 1.0 / (i * i * (j * j)))
}

/// SDHGLE = Σ_i Σ_j P(i,j) i^2 / j^2 / N_z
pub fn small_dependence_high_gray_level_emphasis(g: &Gldm) -> f64 {
    g.weighted(|i, j| i * i / (j * j))
}

/// LDLGLE = Σ_i Σ_j P(i,j) j^2 / i^2 / N_z
pub fn large_dependence_low_gray_level_emphasis(g: &Gldm) -> f64 {
    g.weighted(|i, j| j * j / (i * i))
}

/// LDHGLE = Σ_i Σ_j P(i,j) i^2 j^2 / N_z
pub fn large_dependence_high_gray_level_emphasis(g: &Gldm) -> f64 {
    g.weighted(|i, j| j * j * (i * i))
}

/// All enabled-by-default GLDM features, in pyradiomics' order ([`FEATURE_NAMES`]).
pub fn features(
    roi: &DiscretizedRoi,
    settings: &TextureSettings,
) -> Result<Vec<(String, f64)>, RadiomicsError> {
    let g = gldm(roi, settings)?;
    let values = [
        dependence_entropy(&g),
        dependence_non_uniformity(&g),
        dependence_non_uniformity_normalized(&g),
        dependence_variance(&g),
        gray_level_non_uniformity(&g),
        gray_level_variance(&g),
        high_gray_level_emphasis(&g),
        large_dependence_emphasis(&g),
        large_dependence_high_gray_level_emphasis(&g),
        large_dependence_low_gray_level_emphasis(&g),
        low_gray_level_emphasis(&g),
        small_dependence_emphasis(&g),
        small_dependence_high_gray_level_emphasis(&g),
        small_dependence_low_gray_level_emphasis(&g),
    ];
    Ok(FEATURE_NAMES
        .iter()
        .map(|s| s.to_string())
        .zip(values)
        .collect())
}
