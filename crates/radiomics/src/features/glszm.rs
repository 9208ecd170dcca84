//! Gray Level Size Zone Matrix (GLSZM) features, as pyradiomics 3.1.0 computes them
//! (AIM-Harvard/pyradiomics:radiomics/glszm.py, matrix from radiomics/src/cmatrices.c).
//!
//! A zone is a set of connected ROI voxels of the same gray level: 26-connected in 3D,
//! 8-connected in the plane with `force2D` (the neighbours are pyradiomics' bidirectional
//! distance-1 angles; `distances` is ignored). `P(i,j)` counts the zones of gray level `i` and
//! size `j` voxels. `N_z = Σ P(i,j)` is the number of zones, `N_p = Σ_j j p_s(j)` the number of
//! ROI voxels, `p(i,j) = P(i,j)/N_z`, `p_g(i) = Σ_j P(i,j)`, `p_s(j) = Σ_i P(i,j)`, `i` the real
//! gray level, ε = 2.2e-16.

use super::neighbourhood::{self, EPS};
use super::{DiscretizedRoi, TextureSettings};
use crate::RadiomicsError;

/// pyradiomics' enabled-by-default GLSZM features, in pyradiomics' output order.
pub const FEATURE_NAMES: [&str; 16] = [
    "GrayLevelNonUniformity",
    "GrayLevelNonUniformityNormalized",
    "GrayLevelVariance",
    "HighGrayLevelZoneEmphasis",
    "LargeAreaEmphasis",
    "LargeAreaHighGrayLevelEmphasis",
    "LargeAreaLowGrayLevelEmphasis",
    "LowGrayLevelZoneEmphasis",
    "SizeZoneNonUniformity",
    "SizeZoneNonUniformityNormalized",
    "SmallAreaEmphasis",
    "SmallAreaHighGrayLevelEmphasis",
    "SmallAreaLowGrayLevelEmphasis",
    "ZoneEntropy",
    "ZonePercentage",
    "ZoneVariance",
];

/// The GLSZM, stored sparsely: the distinct zone sizes and, per gray level and size, the zone
/// count.
#[derive(Debug, Clone)]
pub struct Glszm {
    /// Gray levels present in the ROI (real bin indices), ascending.
    pub levels: Vec<f64>,
    /// Distinct zone sizes, ascending (pyradiomics' `jvector` after empty sizes are deleted).
    pub sizes: Vec<f64>,
    /// Counts, row-major `levels x sizes`.
    pub p: Vec<f64>,
    nz: f64,
    np: f64,
    pg: Vec<f64>,
    ps: Vec<f64>,
}

impl Glszm {
    /// Number of zones `N_z`.
    pub fn n_zones(&self) -> f64 {
        self.nz
    }

    fn weighted(&self, w: impl Fn(f64, f64) -> f64) -> f64 {
        let m = self.sizes.len();
        let mut s = 0.0;
        for (li, &gi) in self.levels.iter().enumerate() {
            for (k, &v) in self.p[li * m..(li + 1) * m].iter().enumerate() {
                if v != 0.0 {
                    s += v * w(gi, self.sizes[k]);
                }
            }
        }
        s / self.nz
    }

    fn size_sum(&self, w: impl Fn(f64) -> f64) -> f64 {
        self.ps
            .iter()
            .zip(&self.sizes)
            .map(|(&v, &j)| v * w(j))
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

/// Finds the zones (flood fill over the ROI) and builds the GLSZM.
pub fn glszm(roi: &DiscretizedRoi, settings: &TextureSettings) -> Result<Glszm, RadiomicsError> {
    let prep = neighbourhood::prepare(roi, "glszm", 1)?;
    // The mono-directional half of the neighbourhood: every adjacent pair is seen once, from
    // the voxel for which the offset points forward.
    let offsets = neighbourhood::angles(
        prep.size_zyx,
        &[1],
        neighbourhood::force_dim(settings),
        false,
    )?;
    let n = prep.n_levels();
    let deltas: Vec<isize> = offsets.iter().map(|&o| prep.delta(o)).collect();
    let c = &prep.compact;
    // Zones as the connected components of same-level neighbours, by union-find over the padded
    // indices (the same partition as pyradiomics' stack-based region growing). The padding is
    // OUTSIDE, which never equals a level, so no bounds checks.
    let mut parent = vec![0u32; c.len()];
    for &i in &prep.roi {
        parent[i as usize] = i;
    }
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    for &i in &prep.roi {
        let gl = c[i as usize];
        for &d in &deltas {
            let j = (i as isize + d) as usize;
            if c[j] == gl {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j as u32));
                if a != b {
                    // Link the later root under the earlier one.
                    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                    parent[hi as usize] = lo;
                }
            }
        }
    }
    let mut count = vec![0u32; c.len()];
    for &i in &prep.roi {
        let r = find(&mut parent, i);
        count[r as usize] += 1;
    }
    // (compact level, zone size)
    let zones: Vec<(u32, u32)> = prep
        .roi
        .iter()
        .filter(|&&i| parent[i as usize] == i)
        .map(|&i| (c[i as usize], count[i as usize]))
        .collect();
    let mut sizes: Vec<u32> = zones.iter().map(|z| z.1).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let m = sizes.len();
    let mut p = vec![0.0; n * m];
    for &(gl, s) in &zones {
        let k = sizes.binary_search(&s).unwrap_or(0);
        p[gl as usize * m + k] += 1.0;
    }
    let mut pg = vec![0.0; n];
    let mut ps = vec![0.0; m];
    for g in 0..n {
        for k in 0..m {
            pg[g] += p[g * m + k];
            ps[k] += p[g * m + k];
        }
    }
    let sizes: Vec<f64> = sizes.into_iter().map(f64::from).collect();
    let nz = ps.iter().sum::<f64>();
    let np = ps.iter().zip(&sizes).map(|(v, j)| v * j).sum::<f64>();
    Ok(Glszm {
        levels: prep.levels.iter().map(|&g| g as f64).collect(),
        sizes,
        p,
        nz: if nz == 0.0 { 1.0 } else { nz },
        np: if np == 0.0 { 1.0 } else { np },
        pg,
        ps,
    })
}

/// SAE = Σ_i Σ_j P(i,j) / j^2 / N_z
pub fn small_area_emphasis(g: &Glszm) -> f64 {
    g.size_sum(|j| 1.0 / (j * j)) / g.nz
}

/// LAE = Σ_i Σ_j P(i,j) j^2 / N_z
pub fn large_area_emphasis(g: &Glszm) -> f64 {
    g.size_sum(|j| j * j) / g.nz
}

/// GLN = Σ_i (Σ_j P(i,j))^2 / N_z
pub fn gray_level_non_uniformity(g: &Glszm) -> f64 {
    g.pg.iter().map(|v| v * v).sum::<f64>() / g.nz
}

/// GLNN = Σ_i (Σ_j P(i,j))^2 / N_z^2
pub fn gray_level_non_uniformity_normalized(g: &Glszm) -> f64 {
    g.pg.iter().map(|v| v * v).sum::<f64>() / (g.nz * g.nz)
}

/// SZN = Σ_j (Σ_i P(i,j))^2 / N_z
pub fn size_zone_non_uniformity(g: &Glszm) -> f64 {
    g.ps.iter().map(|v| v * v).sum::<f64>() / g.nz
}

/// SZNN = Σ_j (Σ_i P(i,j))^2 / N_z^2
pub fn size_zone_non_uniformity_normalized(g: &Glszm) -> f64 {
    g.ps.iter().map(|v| v * v).sum::<f64>() / (g.nz * g.nz)
}

/// ZP = N_z / N_p
pub fn zone_percentage(g: &Glszm) -> f64 {
    g.nz / g.np
}

/// GLV = Σ_i Σ_j p(i,j) (i − μ)^2, μ = Σ_i Σ_j p(i,j) i
pub fn gray_level_variance(g: &Glszm) -> f64 {
    let u = g.gray_sum(|i| i) / g.nz;
    g.gray_sum(|i| (i - u).powi(2)) / g.nz
}

/// ZV = Σ_i Σ_j p(i,j) (j − μ)^2, μ = Σ_i Σ_j p(i,j) j
pub fn zone_variance(g: &Glszm) -> f64 {
    let u = g.size_sum(|j| j) / g.nz;
    g.size_sum(|j| (j - u).powi(2)) / g.nz
}

/// ZE = −Σ_i Σ_j p(i,j) log2(p(i,j) + ε)
pub fn zone_entropy(g: &Glszm) -> f64 {
    -g.p.iter()
        .filter(|v| **v != 0.0)
        .map(|&v| {
            let p = v / g.nz;
            p * (p + EPS).log2()
        })
        .sum::<f64>()
}

/// LGLZE = Σ_i Σ_j P(i,j) / i^2 / N_z
pub fn low_gray_level_zone_emphasis(g: &Glszm) -> f64 {
    g.gray_sum(|i| 1.0 / (i * i)) / g.nz
}

/// HGLZE = Σ_i Σ_j P(i,j) i^2 / N_z
pub fn high_gray_level_zone_emphasis(g: &Glszm) -> f64 {
    g.gray_sum(|i| i * i) / g.nz
}

/// SALGLE = Σ_i Σ_j P(i,j) / (i^2 j^2) / N_z
pub fn small_area_low_gray_level_emphasis(g: &Glszm) -> f64 {
    g.weighted(|i, j| 1.0 / (i * i * (j * j)))
}

/// SAHGLE = Σ_i Σ_j P(i,j) i^2 / j^2 / N_z
pub fn small_area_high_gray_level_emphasis(g: &Glszm) -> f64 {
    g.weighted(|i, j| i * i / (j * j))
}

/// LALGLE = Σ_i Σ_j P(i,j) j^2 / i^2 / N_z
pub fn large_area_low_gray_level_emphasis(g: &Glszm) -> f64 {
    g.weighted(|i, j| j * j / (i * i))
}

/// LAHGLE = Σ_i Σ_j P(i,j) i^2 j^2 / N_z
pub fn large_area_high_gray_level_emphasis(g: &Glszm) -> f64 {
    g.weighted(|i, j| i * i * (j * j))
}

/// All enabled-by-default GLSZM features, in pyradiomics' order ([`FEATURE_NAMES`]).
pub fn features(
    roi: &DiscretizedRoi,
    settings: &TextureSettings,
) -> Result<Vec<(String, f64)>, RadiomicsError> {
    let g = glszm(roi, settings)?;
    let values = [
        gray_level_non_uniformity(&g),
        gray_level_non_uniformity_normalized(&g),
        gray_level_variance(&g),
        high_gray_level_zone_emphasis(&g),
        large_area_emphasis(&g),
        large_area_high_gray_level_emphasis(&g),
        large_area_low_gray_level_emphasis(&g),
        low_gray_level_zone_emphasis(&g),
        size_zone_non_uniformity(&g),
        size_zone_non_uniformity_normalized(&g),
        small_area_emphasis(&g),
        small_area_high_gray_level_emphasis(&g),
        small_area_low_gray_level_emphasis(&g),
        zone_entropy(&g),
        zone_percentage(&g),
        zone_variance(&g),
    ];
    Ok(FEATURE_NAMES
        .iter()
        .map(|s| s.to_string())
        .zip(values)
        .collect())
}
