//! Gray Level Run Length Matrix (GLRLM) features, as pyradiomics 3.1.0 computes them
//! (AIM-Harvard/pyradiomics:radiomics/glrlm.py, matrix from radiomics/src/cmatrices.c).
//!
//! `P(i,j|θ)` counts the runs of `j` consecutive ROI voxels of gray level `i` along angle θ (the
//! 13 mono-directional angles in 3D, 4 in 2D; `distances` is ignored, always 1). Runs are walked
//! from the faces of the cropped box; a run ends at a change of level or at a voxel outside the
//! ROI. An angle along which no line holds more than one ROI voxel is emptied (pyradiomics'
//! "segmentation is 2D for this angle"). Then, as pyradiomics does: with `weightingNorm`, the
//! angles are summed, weighted by the length of θ·spacing under the norm; empty angles are
//! deleted (when more than one is left); every feature is computed per angle and averaged
//! (`nanmean`). `N_r(θ) = Σ P(i,j|θ)` is the number of runs, `p(i,j|θ) = P(i,j|θ)/N_r(θ)`,
//! `p_g(i) = Σ_j P(i,j|θ)`, `p_r(j) = Σ_i P(i,j|θ)`, `i` the real gray level, `j` the run length,
//! ε = 2.2e-16.

use super::neighbourhood::{self, EPS, OUTSIDE, nanmean};
use super::{DiscretizedRoi, TextureSettings};
use crate::RadiomicsError;

/// pyradiomics' enabled-by-default GLRLM features, in pyradiomics' output order.
pub const FEATURE_NAMES: [&str; 16] = [
    "GrayLevelNonUniformity",
    "GrayLevelNonUniformityNormalized",
    "GrayLevelVariance",
    "HighGrayLevelRunEmphasis",
    "LongRunEmphasis",
    "LongRunHighGrayLevelEmphasis",
    "LongRunLowGrayLevelEmphasis",
    "LowGrayLevelRunEmphasis",
    "RunEntropy",
    "RunLengthNonUniformity",
    "RunLengthNonUniformityNormalized",
    "RunPercentage",
    "RunVariance",
    "ShortRunEmphasis",
    "ShortRunHighGrayLevelEmphasis",
    "ShortRunLowGrayLevelEmphasis",
];

/// The processed GLRLM: one matrix (gray levels x run lengths) per remaining angle.
#[derive(Debug, Clone)]
pub struct Glrlm {
    /// Gray levels present in the ROI (real bin indices), ascending.
    pub levels: Vec<f64>,
    /// The run lengths `j` that occur (pyradiomics' `jvector` after empty run lengths are
    /// deleted), ascending; one matrix column each.
    pub run_lengths: Vec<f64>,
    angles: Vec<Angle>,
}

#[derive(Debug, Clone)]
struct Angle {
    /// Counts, row-major `levels x run_lengths`.
    p: Vec<f64>,
    /// `N_r(θ)` (NaN when the angle is empty and was not deleted).
    nr: f64,
    pg: Vec<f64>,
    pr: Vec<f64>,
}

impl Glrlm {
    /// Number of angles the features are averaged over.
    pub fn n_angles(&self) -> usize {
        self.angles.len()
    }

    /// The run-length counts of angle `a`, row-major `levels x run_lengths`.
    pub fn matrix(&self, a: usize) -> Option<&[f64]> {
        self.angles.get(a).map(|x| x.p.as_slice())
    }

    fn mean(&self, f: impl Fn(&Angle) -> f64) -> f64 {
        nanmean(self.angles.iter().map(f))
    }

    /// Σ_i Σ_j P(i,j) w(i, j) / N_r for one angle.
    fn weighted(&self, a: &Angle, w: impl Fn(f64, f64) -> f64) -> f64 {
        let m = self.run_lengths.len();
        let mut s = 0.0;
        for (li, &gi) in self.levels.iter().enumerate() {
            for (&v, &j) in a.p[li * m..(li + 1) * m].iter().zip(&self.run_lengths) {
                if v != 0.0 {
                    s += v * w(gi, j);
                }
            }
        }
        s / a.nr
    }
}

/// Builds the processed GLRLM as pyradiomics does (see the module documentation).
pub fn glrlm(roi: &DiscretizedRoi, settings: &TextureSettings) -> Result<Glrlm, RadiomicsError> {
    let norm = neighbourhood::parse_norm(settings.weighting_norm.as_deref())?;
    let prep = neighbourhood::prepare(roi, "glrlm", 1)?;
    let offsets = neighbourhood::angles(
        prep.size_zyx,
        &[1],
        neighbourhood::force_dim(settings),
        false,
    )?;
    let n = prep.n_levels();
    let [sz, sy, sx] = prep.size_zyx;
    let max_run = sz.max(sy).max(sx);
    if (prep.ng_max as u128) * max_run as u128 * offsets.len() as u128 > i32::MAX as u128 {
        return Err(neighbourhood::invalid(
            "glrlm",
            "the matrix would have more than 2^31 elements; increase binWidth".to_string(),
        ));
    }
    let c = &prep.compact;
    let mut raw: Vec<Vec<u32>> = Vec::with_capacity(offsets.len());
    for &off in &offsets {
        let mut m = vec![0u32; n * max_run];
        let delta = prep.delta(off);
        let mut multi = false;
        // A run starts at a ROI voxel whose predecessor along θ is not a ROI voxel of the same
        // level (the padding is OUTSIDE); it extends while the level stays the same.
        for &i in &prep.roi {
            let g = c[i as usize];
            if c[(i as isize - delta) as usize] == g {
                continue;
            }
            let mut len = 1usize;
            let mut j = (i as isize + delta) as usize;
            while c[j] == g {
                len += 1;
                j = (j as isize + delta) as usize;
            }
            m[g as usize * max_run + len - 1] += 1;
            if len > 1 {
                multi = true;
            }
        }
        if !multi && !line_with_two_voxels(&prep, off) {
            // No line along θ crosses more than one ROI voxel: pyradiomics empties the angle.
            for g in 0..n {
                m[g * max_run] = 0;
            }
        }
        raw.push(m);
    }
    // Keep only the run lengths that occur (pyradiomics deletes the empty columns; their
    // contribution to every feature is 0 anyway).
    let used: Vec<usize> = (0..max_run)
        .filter(|&j| raw.iter().any(|m| (0..n).any(|g| m[g * max_run + j] != 0)))
        .collect();
    let nj = used.len();
    let mut mats: Vec<Vec<f64>> = raw
        .iter()
        .map(|m| {
            let mut p = vec![0.0; n * nj];
            for g in 0..n {
                for (c, &j) in used.iter().enumerate() {
                    p[g * nj + c] = f64::from(m[g * max_run + j]);
                }
            }
            p
        })
        .collect();
    if let Some(norm) = norm {
        let sp = neighbourhood::PreparedRoi::spacing_zyx(roi);
        let mut merged = vec![0.0; n * nj];
        for (m, &off) in mats.iter().zip(&offsets) {
            let w = neighbourhood::norm_length(norm, off, sp);
            for (acc, &v) in merged.iter_mut().zip(m) {
                *acc += v * w;
            }
        }
        mats = vec![merged];
    }
    if mats.len() > 1 {
        mats.retain(|m| m.iter().sum::<f64>() != 0.0);
    }
    let angles = mats
        .into_iter()
        .map(|p| {
            let mut pg = vec![0.0; n];
            let mut pr = vec![0.0; nj];
            for g in 0..n {
                for j in 0..nj {
                    let v = p[g * nj + j];
                    pg[g] += v;
                    pr[j] += v;
                }
            }
            let nr: f64 = pg.iter().sum();
            let nr = if nr == 0.0 { f64::NAN } else { nr };
            Angle { p, nr, pg, pr }
        })
        .collect();
    let levels = prep.levels.iter().map(|&g| g as f64).collect();
    Ok(Glrlm {
        levels,
        run_lengths: used.iter().map(|&j| (j + 1) as f64).collect(),
        angles,
    })
}

/// Whether some line along `off` holds two or more ROI voxels (not necessarily adjacent), as
/// pyradiomics' `multiElement` check counts them. Only called when every run has length 1.
fn line_with_two_voxels(prep: &neighbourhood::PreparedRoi, off: [i32; 3]) -> bool {
    let size = prep.size_zyx;
    let delta = prep.delta(off);
    prep.roi.iter().any(|&i| {
        let mut pos = prep.coords(i as usize).map(|v| v as i64);
        let mut j = i as isize;
        loop {
            for d in 0..3 {
                pos[d] += off[d] as i64;
            }
            if (0..3).any(|d| pos[d] < 0 || pos[d] >= size[d] as i64) {
                return false;
            }
            j += delta;
            if prep.compact[j as usize] != OUTSIDE {
                return true;
            }
        }
    })
}

fn run_sum(g: &Glrlm, a: &Angle, w: impl Fn(f64) -> f64) -> f64 {
    a.pr.iter()
        .zip(&g.run_lengths)
        .map(|(&v, &j)| v * w(j))
        .sum()
}

fn gray_sum(g: &Glrlm, a: &Angle, w: impl Fn(f64) -> f64) -> f64 {
    a.pg.iter().zip(&g.levels).map(|(&v, &i)| v * w(i)).sum()
}

/// SRE = Σ_i Σ_j P(i,j|θ) / j^2 / N_r(θ)
pub fn short_run_emphasis(g: &Glrlm) -> f64 {
    g.mean(|a| run_sum(g, a, |j| 1.0 / (j * j)) / a.nr)
}

/// LRE = Σ_i Σ_j P(i,j|θ) j^2 / N_r(θ)
pub fn long_run_emphasis(g: &Glrlm) -> f64 {
    g.mean(|a| run_sum(g, a, |j| j * j) / a.nr)
}

/// GLN = Σ_i (Σ_j P(i,j|θ))^2 / N_r(θ)
pub fn gray_level_non_uniformity(g: &Glrlm) -> f64 {
    g.mean(|a| a.pg.iter().map(|v| v * v).sum::<f64>() / a.nr)
}

/// GLNN = Σ_i (Σ_j P(i,j|θ))^2 / N_r(θ)^2
pub fn gray_level_non_uniformity_normalized(g: &Glrlm) -> f64 {
    g.mean(|a| a.pg.iter().map(|v| v * v).sum::<f64>() / (a.nr * a.nr))
}

/// RLN = Σ_j (Σ_i P(i,j|θ))^2 / N_r(θ)
pub fn run_length_non_uniformity(g: &Glrlm) -> f64 {
    g.mean(|a| a.pr.iter().map(|v| v * v).sum::<f64>() / a.nr)
}

/// RLNN = Σ_j (Σ_i P(i,j|θ))^2 / N_r(θ)^2
pub fn run_length_non_uniformity_normalized(g: &Glrlm) -> f64 {
    g.mean(|a| a.pr.iter().map(|v| v * v).sum::<f64>() / (a.nr * a.nr))
}

/// RP = N_r(θ) / N_p(θ), N_p(θ) = Σ_j p_r(j) j (the voxel count, weighted like N_r when a
/// weighting norm merged the angles)
pub fn run_percentage(g: &Glrlm) -> f64 {
    g.mean(|a| a.nr / run_sum(g, a, |j| j))
}

/// GLV = Σ_i Σ_j p(i,j|θ) (i − μ)^2, μ = Σ_i Σ_j p(i,j|θ) i
pub fn gray_level_variance(g: &Glrlm) -> f64 {
    g.mean(|a| {
        let u = gray_sum(g, a, |i| i) / a.nr;
        gray_sum(g, a, |i| (i - u).powi(2)) / a.nr
    })
}

/// RV = Σ_i Σ_j p(i,j|θ) (j − μ)^2, μ = Σ_i Σ_j p(i,j|θ) j
pub fn run_variance(g: &Glrlm) -> f64 {
    g.mean(|a| {
        let u = run_sum(g, a, |j| j) / a.nr;
        run_sum(g, a, |j| (j - u).powi(2)) / a.nr
    })
}

/// RE = −Σ_i Σ_j p(i,j|θ) log2(p(i,j|θ) + ε)
pub fn run_entropy(g: &Glrlm) -> f64 {
    g.mean(|a| {
        -a.p.iter()
            .filter(|v| **v != 0.0)
            .map(|&v| {
                let p = v / a.nr;
                p * (p + EPS).log2()
            })
            .sum::<f64>()
    })
}

/// LGLRE = Σ_i Σ_j P(i,j|θ) / i^2 / N_r(θ)
pub fn low_gray_level_run_emphasis(g: &Glrlm) -> f64 {
    g.mean(|a| gray_sum(g, a, |i| 1.0 / (i * i)) / a.nr)
}

/// HGLRE = Σ_i Σ_j P(i,j|θ) i^2 / N_r(θ)
pub fn high_gray_level_run_emphasis(g: &Glrlm) -> f64 {
    g.mean(|a| gray_sum(g, a, |i| i * i) / a.nr)
}

/// SRLGLE = Σ_i Σ_j P(i,j|θ) / (i^2 j^2) / N_r(θ)
pub fn short_run_low_gray_level_emphasis(g: &Glrlm) -> f64 {
    g.mean(|a| g.weighted(a, |i, j| 1.0 / (i * i * (j * j))))
}

/// SRHGLE = Σ_i Σ_j P(i,j|θ) i^2 / j^2 / N_r(θ)
pub fn short_run_high_gray_level_emphasis(g: &Glrlm) -> f64 {
    g.mean(|a| g.weighted(a, |i, j| i * i / (j * j)))
}

/// LRLGLE = Σ_i Σ_j P(i,j|θ) j^2 / i^2 / N_r(θ)
pub fn long_run_low_gray_level_emphasis(g: &Glrlm) -> f64 {
    g.mean(|a| g.weighted(a, |i, j| j * j / (i * i)))
}

/// LRHGLE = Σ_i Σ_j P(i,j|θ) i^2 j^2 / N_r(θ)
pub fn long_run_high_gray_level_emphasis(g: &Glrlm) -> f64 {
    g.mean(|a| g.weighted(a, |i, j| j * j * (i * i)))
}

/// All enabled-by-default GLRLM features, in pyradiomics' order ([`FEATURE_NAMES`]).
pub fn features(
    roi: &DiscretizedRoi,
    settings: &TextureSettings,
) -> Result<Vec<(String, f64)>, RadiomicsError> {
    let g = glrlm(roi, settings)?;
    let values = [
        gray_level_non_uniformity(&g),
        gray_level_non_uniformity_normalized(&g),
        gray_level_variance(&g),
        high_gray_level_run_emphasis(&g),
        long_run_emphasis(&g),
        long_run_high_gray_level_emphasis(&g),
        long_run_low_gray_level_emphasis(&g),
        low_gray_level_run_emphasis(&g),
        run_entropy(&g),
        run_length_non_uniformity(&g),
        run_length_non_uniformity_normalized(&g),
        run_percentage(&g),
        run_variance(&g),
        short_run_emphasis(&g),
        short_run_high_gray_level_emphasis(&g),
        short_run_low_gray_level_emphasis(&g),
    ];
    Ok(FEATURE_NAMES
        .iter()
        .map(|s| s.to_string())
        .zip(values)
        .collect())
}
