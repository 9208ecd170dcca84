//! Gray Level Co-occurrence Matrix (GLCM) features, as pyradiomics 3.1.0 computes them
//! (AIM-Harvard/pyradiomics:radiomics/glcm.py, matrix from radiomics/src/cmatrices.c).
//!
//! `P(i,j|δ,θ)` counts how often a voxel of gray level `i` has a neighbour of level `j` at offset
//! θ (one of the 13 mono-directional angles in 3D, 4 in 2D, for each distance δ in `distances`).
//! Both voxels must lie in the ROI. The matrix is built once, in one pass per angle, on compact
//! gray-level indices, which equals pyradiomics' deletion of levels absent from the ROI; the
//! weights `i`, `j` below are the real bin indices. Then, as pyradiomics does:
//! 1. symmetrise (`P + Pᵀ`) when `symmetricalGLCM`;
//! 2. with `weightingNorm`, sum the angles weighted by `exp(-‖θ·spacing‖²)` into one matrix;
//! 3. delete angles with no pair (when more than one angle is left), normalise each angle to
//!    `p(i,j) = P(i,j) / ΣP`;
//! 4. compute every feature per angle and take the mean over the angles (`nanmean`).
//!
//! Notation: `p_x(i) = Σ_j p(i,j)`, `p_y(j) = Σ_i p(i,j)`, `μ_x = Σ i p(i,j)`, `μ_y = Σ j p(i,j)`,
//! `p_{x+y}(k) = Σ_{i+j=k} p(i,j)` for `k = 2..2N_g`, `p_{x-y}(k) = Σ_{|i-j|=k} p(i,j)` for
//! `k = 0..N_g-1`, `HXY = -Σ p(i,j) log2(p(i,j)+ε)`, ε = 2.2e-16 (numpy.spacing(1)), and
//! `N_g` = the largest gray level present in the ROI.

use super::neighbourhood::{self, EPS, Norm, nanmean};
use super::{DiscretizedRoi, TextureSettings};
use crate::RadiomicsError;

/// pyradiomics' enabled-by-default GLCM features, in pyradiomics' output order.
pub const FEATURE_NAMES: [&str; 24] = [
    "Autocorrelation",
    "ClusterProminence",
    "ClusterShade",
    "ClusterTendency",
    "Contrast",
    "Correlation",
    "DifferenceAverage",
    "DifferenceEntropy",
    "DifferenceVariance",
    "Id",
    "Idm",
    "Idmn",
    "Idn",
    "Imc1",
    "Imc2",
    "InverseVariance",
    "JointAverage",
    "JointEnergy",
    "JointEntropy",
    "MCC",
    "MaximumProbability",
    "SumAverage",
    "SumEntropy",
    "SumSquares",
];

/// The processed GLCM: one normalised matrix per remaining angle, with the per-angle marginals
/// and sums every feature needs.
#[derive(Debug, Clone)]
pub struct Glcm {
    /// Gray levels present in the ROI (the real bin indices `i`, `j`), ascending.
    pub levels: Vec<f64>,
    /// `N_g`: the largest gray level present.
    pub ng: f64,
    /// Offsets (numpy z, y, x order) of the angles kept; empty when a weighting norm merged them.
    pub offsets: Vec<[i32; 3]>,
    /// Whether the matrices were symmetrised (`symmetricalGLCM`).
    pub symmetrical: bool,
    angles: Vec<Angle>,
}

#[derive(Debug, Clone)]
struct Angle {
    /// Normalised matrix, row-major `n x n` (NaN everywhere when the angle has no pair and could
    /// not be deleted, as pyradiomics leaves it).
    p: Vec<f64>,
    px: Vec<f64>,
    py: Vec<f64>,
    ux: f64,
    uy: f64,
    /// `p_{x+y}(k)`, index `k - 2`, `k = 2..=2N_g`.
    p_sum: Vec<f64>,
    /// `p_{x-y}(k)`, index `k`, `k = 0..N_g-1`.
    p_diff: Vec<f64>,
    hxy: f64,
    /// `HXY1 = −Σ p(i,j) log2(p_x(i) p_y(j) + ε)`.
    hxy1: f64,
    /// `HXY2 = −Σ p_x(i) p_y(j) log2(p_x(i) p_y(j) + ε)`.
    hxy2: f64,
}

impl Glcm {
    /// Number of gray levels present (matrix size).
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// Number of angles the features are averaged over.
    pub fn n_angles(&self) -> usize {
        self.angles.len()
    }

    /// The normalised matrix of angle `a`, row-major `n_levels x n_levels`.
    pub fn matrix(&self, a: usize) -> Option<&[f64]> {
        self.angles.get(a).map(|x| x.p.as_slice())
    }

    fn mean(&self, f: impl Fn(&Angle) -> f64) -> f64 {
        nanmean(self.angles.iter().map(f))
    }

    fn n(&self) -> usize {
        self.levels.len()
    }
}

/// Gray levels present, angle offsets (numpy z, y, x order) and per-angle counts.
pub type RawCounts = (Vec<u32>, Vec<[i32; 3]>, Vec<Vec<f64>>);

/// Raw co-occurrence counts per angle (before symmetrisation), `counts[a][i * n + j]`, on compact
/// gray-level indices. Exposed for tests and for matrix-level comparisons.
pub fn raw_counts(
    roi: &DiscretizedRoi,
    settings: &TextureSettings,
) -> Result<RawCounts, RadiomicsError> {
    let (prep, offsets) = neighbourhood::prepare_with_angles(roi, "glcm", settings, false)?;
    let n = prep.n_levels();
    let counts = count(&prep, &offsets, n);
    Ok((prep.levels, offsets, counts))
}

fn count(prep: &neighbourhood::PreparedRoi, offsets: &[[i32; 3]], n: usize) -> Vec<Vec<f64>> {
    let c = &prep.compact;
    offsets
        .iter()
        .map(|&off| {
            let mut m = vec![0u32; n * n];
            neighbourhood::for_each_pair(prep, off, |i, j| {
                m[c[i] as usize * n + c[j] as usize] += 1;
            });
            m.into_iter().map(f64::from).collect()
        })
        .collect()
}

/// Builds the processed GLCM as pyradiomics does (see the module documentation).
pub fn glcm(roi: &DiscretizedRoi, settings: &TextureSettings) -> Result<Glcm, RadiomicsError> {
    let norm = neighbourhood::parse_norm(settings.weighting_norm.as_deref())?;
    let (prep, offsets) = neighbourhood::prepare_with_angles(roi, "glcm", settings, false)?;
    let n = prep.n_levels();
    if (prep.ng_max as u128).pow(2) * offsets.len() as u128 > i32::MAX as u128 {
        return Err(neighbourhood::invalid(
            "glcm",
            "the matrix would have more than 2^31 elements (pyradiomics refuses it too); \
             increase binWidth or decrease the number of angles"
                .to_string(),
        ));
    }
    let mut mats = count(&prep, &offsets, n);
    if settings.symmetrical_glcm {
        for m in &mut mats {
            for i in 0..n {
                for j in i..n {
                    let s = m[i * n + j] + m[j * n + i];
                    m[i * n + j] = s;
                    m[j * n + i] = s;
                }
            }
        }
    }
    let mut kept_offsets = offsets.clone();
    if let Some(norm) = norm {
        let sp = neighbourhood::PreparedRoi::spacing_zyx(roi);
        let mut merged = vec![0.0; n * n];
        for (m, &off) in mats.iter().zip(&offsets) {
            let w = weight(norm, off, sp);
            for (acc, &v) in merged.iter_mut().zip(m) {
                *acc += v * w;
            }
        }
        mats = vec![merged];
        kept_offsets.clear();
    }
    if mats.len() > 1 {
        let keep: Vec<bool> = mats.iter().map(|m| m.iter().sum::<f64>() != 0.0).collect();
        let mut k = keep.iter();
        mats.retain(|_| *k.next().unwrap_or(&false));
        if !kept_offsets.is_empty() {
            let mut k = keep.iter();
            kept_offsets.retain(|_| *k.next().unwrap_or(&false));
        }
    }
    let levels: Vec<f64> = prep.levels.iter().map(|&g| g as f64).collect();
    let ng = prep.ng_max as usize;
    let angles = mats
        .into_iter()
        .map(|mut p| {
            let s: f64 = p.iter().sum();
            let s = if s == 0.0 { f64::NAN } else { s };
            for v in &mut p {
                *v /= s;
            }
            angle_coefficients(p, &levels, ng)
        })
        .collect();
    Ok(Glcm {
        levels,
        ng: ng as f64,
        offsets: kept_offsets,
        symmetrical: settings.symmetrical_glcm,
        angles,
    })
}

/// pyradiomics' GLCM angle weight: `exp(-‖θ·spacing‖²)` under the chosen norm (1 for
/// no_weighting).
fn weight(norm: Norm, off: [i32; 3], spacing_zyx: [f64; 3]) -> f64 {
    match norm {
        Norm::NoWeighting => 1.0,
        Norm::Euclidean => {
            // pyradiomics sums the squares directly (sqrt then square left out).
            let v: f64 = (0..3)
                .map(|d| ((off[d] as f64).abs() * spacing_zyx[d]).powi(2))
                .sum();
            (-v).exp()
        }
        _ => (-neighbourhood::norm_length(norm, off, spacing_zyx).powi(2)).exp(),
    }
}

fn angle_coefficients(p: Vec<f64>, levels: &[f64], ng: usize) -> Angle {
    let n = levels.len();
    let mut px = vec![0.0; n];
    let mut py = vec![0.0; n];
    let mut p_sum = vec![0.0; 2 * ng.max(1) - 1];
    let mut p_diff = vec![0.0; ng.max(1)];
    let (mut ux, mut uy, mut hxy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let gi = levels[i];
        for j in 0..n {
            let v = p[i * n + j];
            if v == 0.0 {
                // Adds nothing (0 · log2(ε) = 0): skipping saves the logarithm.
                continue;
            }
            let gj = levels[j];
            px[i] += v;
            py[j] += v;
            ux += gi * v;
            uy += gj * v;
            p_sum[(gi + gj) as usize - 2] += v;
            p_diff[(gi - gj).abs() as usize] += v;
            hxy -= v * (v + EPS).log2();
        }
    }
    // HXY1 and HXY2 share the table log2(p_x(i) p_y(j) + ε); with p_x = p_y (symmetrical GLCM)
    // it is symmetric, so half of it is enough. Terms with p_x(i) p_y(j) = 0 add nothing to
    // HXY2 and have p(i,j) = 0, so they add nothing to HXY1 either.
    let (mut hxy1, mut hxy2) = (0.0, 0.0);
    let symmetric = px == py;
    for i in 0..n {
        if px[i] == 0.0 && !px[i].is_nan() {
            continue;
        }
        let j0 = if symmetric { i } else { 0 };
        for j in j0..n {
            let q = px[i] * py[j];
            if q == 0.0 {
                continue;
            }
            let l = (q + EPS).log2();
            if symmetric && j != i {
                hxy1 -= (p[i * n + j] + p[j * n + i]) * l;
                hxy2 -= 2.0 * q * l;
            } else {
                hxy1 -= p[i * n + j] * l;
                hxy2 -= q * l;
            }
        }
    }
    Angle {
        p,
        px,
        py,
        ux,
        uy,
        p_sum,
        p_diff,
        hxy,
        hxy1,
        hxy2,
    }
}

/// Sum over the matrix of `p(i,j) · w(i, j)` with the real gray levels.
fn sum_w(g: &Glcm, a: &Angle, w: impl Fn(f64, f64) -> f64) -> f64 {
    let n = g.n();
    let mut s = 0.0;
    for i in 0..n {
        let gi = g.levels[i];
        let row = &a.p[i * n..(i + 1) * n];
        for (j, &v) in row.iter().enumerate() {
            s += v * w(gi, g.levels[j]);
        }
    }
    s
}

/// Autocorrelation = Σ_i Σ_j p(i,j) i j
pub fn autocorrelation(g: &Glcm) -> f64 {
    g.mean(|a| sum_w(g, a, |i, j| i * j))
}

/// Joint Average = μ_x = Σ_i Σ_j p(i,j) i (pyradiomics takes the plain mean over angles)
pub fn joint_average(g: &Glcm) -> f64 {
    if g.angles.is_empty() {
        return f64::NAN;
    }
    g.angles.iter().map(|a| a.ux).sum::<f64>() / g.angles.len() as f64
}

/// Cluster Prominence = Σ_i Σ_j (i + j − μ_x − μ_y)^4 p(i,j)
pub fn cluster_prominence(g: &Glcm) -> f64 {
    g.mean(|a| sum_w(g, a, |i, j| (i + j - a.ux - a.uy).powi(4)))
}

/// Cluster Shade = Σ_i Σ_j (i + j − μ_x − μ_y)^3 p(i,j)
pub fn cluster_shade(g: &Glcm) -> f64 {
    g.mean(|a| sum_w(g, a, |i, j| (i + j - a.ux - a.uy).powi(3)))
}

/// Cluster Tendency = Σ_i Σ_j (i + j − μ_x − μ_y)^2 p(i,j)
pub fn cluster_tendency(g: &Glcm) -> f64 {
    g.mean(|a| sum_w(g, a, |i, j| (i + j - a.ux - a.uy).powi(2)))
}

/// Contrast = Σ_i Σ_j (i − j)^2 p(i,j)
pub fn contrast(g: &Glcm) -> f64 {
    g.mean(|a| sum_w(g, a, |i, j| (i - j).powi(2)))
}

/// Correlation = (Σ_i Σ_j p(i,j) i j − μ_x μ_y) / (σ_x σ_y), computed as
/// Σ p(i,j)(i − μ_x)(j − μ_y) / (σ_x σ_y + ε) with σ_x² = Σ p(i,j)(i − μ_x)², σ_y² likewise;
/// 1 for an angle where σ_x σ_y = 0 (flat region).
pub fn correlation(g: &Glcm) -> f64 {
    g.mean(|a| {
        let sx = sum_w(g, a, |i, _| (i - a.ux).powi(2)).sqrt();
        let sy = sum_w(g, a, |_, j| (j - a.uy).powi(2)).sqrt();
        let corm = sum_w(g, a, |i, j| (i - a.ux) * (j - a.uy));
        if sx * sy == 0.0 {
            1.0
        } else {
            corm / (sx * sy + EPS)
        }
    })
}

fn diff_sum(a: &Angle, w: impl Fn(f64) -> f64) -> f64 {
    a.p_diff
        .iter()
        .enumerate()
        .map(|(k, &v)| v * w(k as f64))
        .sum()
}

/// Difference Average = Σ_{k=0}^{N_g−1} k p_{x−y}(k)
pub fn difference_average(g: &Glcm) -> f64 {
    g.mean(|a| diff_sum(a, |k| k))
}

/// Difference Entropy = −Σ_{k=0}^{N_g−1} p_{x−y}(k) log2(p_{x−y}(k) + ε)
pub fn difference_entropy(g: &Glcm) -> f64 {
    g.mean(|a| -a.p_diff.iter().map(|&v| v * (v + EPS).log2()).sum::<f64>())
}

/// Difference Variance = Σ_{k=0}^{N_g−1} (k − DA)^2 p_{x−y}(k), DA = Difference Average
pub fn difference_variance(g: &Glcm) -> f64 {
    g.mean(|a| {
        let da = diff_sum(a, |k| k);
        diff_sum(a, |k| (k - da).powi(2))
    })
}

/// Joint Energy = Σ_i Σ_j p(i,j)^2
pub fn joint_energy(g: &Glcm) -> f64 {
    g.mean(|a| a.p.iter().map(|v| v * v).sum())
}

/// Joint Entropy = HXY = −Σ_i Σ_j p(i,j) log2(p(i,j) + ε)
pub fn joint_entropy(g: &Glcm) -> f64 {
    g.mean(|a| a.hxy)
}

fn entropy(v: &[f64]) -> f64 {
    -v.iter().map(|&x| x * (x + EPS).log2()).sum::<f64>()
}

/// IMC1 = (HXY − HXY1) / max(HX, HY), with HX = −Σ p_x log2(p_x + ε), HY likewise,
/// HXY1 = −Σ_i Σ_j p(i,j) log2(p_x(i) p_y(j) + ε); 0 for an angle where max(HX, HY) = 0.
pub fn imc1(g: &Glcm) -> f64 {
    g.mean(|a| {
        let (hx, hy) = (entropy(&a.px), entropy(&a.py));
        // numpy.fmax: NaN only when both are NaN.
        let div = if hx.is_nan() {
            hy
        } else if hy.is_nan() {
            hx
        } else {
            hx.max(hy)
        };
        if div == 0.0 {
            0.0
        } else {
            (a.hxy - a.hxy1) / div
        }
    })
}

/// IMC2 = sqrt(1 − e^{−2(HXY2 − HXY)}), HXY2 = −Σ_i Σ_j p_x(i) p_y(j) log2(p_x(i) p_y(j) + ε);
/// 0 for an angle where HXY2 = HXY.
pub fn imc2(g: &Glcm) -> f64 {
    g.mean(|a| {
        if a.hxy2 == a.hxy {
            0.0
        } else {
            // A negative radicand gives NaN (numpy), which the mean over angles skips.
            (1.0 - std::f64::consts::E.powf(-2.0 * (a.hxy2 - a.hxy))).sqrt()
        }
    })
}

/// IDM = Σ_{k=0}^{N_g−1} p_{x−y}(k) / (1 + k^2)
pub fn idm(g: &Glcm) -> f64 {
    g.mean(|a| diff_sum(a, |k| 1.0 / (1.0 + k * k)))
}

/// MCC = sqrt(second largest eigenvalue of Q),
/// Q(i,j) = Σ_k p(i,k) p(j,k) / (p_x(i) p_y(k) + ε); 1 for a flat region (one gray level).
///
/// pyradiomics hands the non-symmetric Q to numpy's general `eigvals` (LAPACK dgeev). Without
/// ε, Q = D⁻¹S with D = diag(p_x) and S(i,j) = Σ_k p(i,k) p(j,k) / p_y(k) symmetric, so its
/// eigenvalues are those of the symmetric M = D^{-1/2} S D^{-1/2} (levels with p_x(i) = 0 give
/// zero rows and columns, i.e. zero eigenvalues, and are left out). We solve M with a symmetric
/// eigensolver (much cheaper than a general one), and add ε's effect to first order:
/// with v the unit eigenvector of λ₂, right/left eigenvectors of Q are D^{-1/2}v and D^{1/2}v, so
/// δλ = −ε Σ_k (1/p_y(k)) [Σ_i v_i p(i,k) / (√p_x(i) (p_x(i) p_y(k) + ε))] [Σ_j v_j p(j,k) / √p_x(j)].
/// The neglected second-order term is (ε / min p_x p_y)² relative, below 1e-15 for brain1 and
/// below 1e-7 even for a million co-occurrences. A second eigenvalue that is negative by
/// rounding (pyradiomics' result is then a rounding artefact) counts as 0.
pub fn mcc(g: &Glcm) -> f64 {
    let n = g.n();
    if g.angles.is_empty() {
        return if n < 2 { 1.0 } else { f64::NAN };
    }
    if g.angles.iter().any(|a| a.p.iter().any(|v| !v.is_finite())) {
        // numpy.linalg.eigvals refuses NaN: pyradiomics reports the feature as NaN.
        return f64::NAN;
    }
    if n < 2 {
        return 1.0;
    }
    nanmean(g.angles.iter().map(|a| mcc_angle(a, n, g.symmetrical)))
}

fn mcc_angle(a: &Angle, n: usize, symmetric: bool) -> f64 {
    let act: Vec<usize> = (0..n).filter(|&i| a.px[i] > 0.0).collect();
    let m = act.len();
    if m < 2 {
        return 0.0;
    }
    let sqrt_px: Vec<f64> = act.iter().map(|&i| a.px[i].sqrt()).collect();
    // A symmetric matrix whose eigenvalues, transformed by `square`, are those of
    // M = D^{-1/2} S D^{-1/2}, with the same eigenvectors.
    let mut mat = vec![0.0; m * m];
    let square = if symmetric {
        // p_x = p_y and P = Pᵀ: M = W² with W = D^{-1/2} P D^{-1/2} symmetric, so M's
        // eigenpairs are W's with the values squared (no need to form M).
        for (r, &i) in act.iter().enumerate() {
            for (q, &j) in act.iter().enumerate().take(r + 1) {
                let v = a.p[i * n + j] / (sqrt_px[r] * sqrt_px[q]);
                mat[r * m + q] = v;
                mat[q * m + r] = v;
            }
        }
        true
    } else {
        let cols: Vec<usize> = (0..n).filter(|&k| a.py[k] > 0.0).collect();
        let nc = cols.len();
        // W(r,k) = p(i,k) / sqrt(p_x(i) p_y(k)), M = W Wᵀ.
        let mut w = vec![0.0; m * nc];
        for (r, &i) in act.iter().enumerate() {
            for (c, &k) in cols.iter().enumerate() {
                w[r * nc + c] = a.p[i * n + k] / (sqrt_px[r] * a.py[k].sqrt());
            }
        }
        for r in 0..m {
            let wr = &w[r * nc..(r + 1) * nc];
            for q in 0..=r {
                let wq = &w[q * nc..(q + 1) * nc];
                let v: f64 = wr.iter().zip(wq).map(|(x, y)| x * y).sum();
                mat[r * m + q] = v;
                mat[q * m + r] = v;
            }
        }
        false
    };
    let Some(tri) = symeig::Tridiagonal::new(mat, m) else {
        return f64::NAN;
    };
    // λ₂ of M: for M = W², the larger square of W's second largest and smallest eigenvalues
    // (the largest is 1); otherwise M's second largest eigenvalue.
    let (mu, lambda) = if square {
        let [second, smallest] = tri.kth_eigenvalues([m - 2, 0]);
        if smallest * smallest > second * second {
            (smallest, smallest * smallest)
        } else {
            (second, second * second)
        }
    } else {
        let second = tri.kth_eigenvalue(m - 2);
        (second, second)
    };
    let v = tri.eigenvector(mu);
    // First-order effect of ε (see [`mcc`]).
    let mut delta = 0.0;
    for k in 0..n {
        let pyk = a.py[k];
        if pyk <= 0.0 {
            continue;
        }
        let (mut left, mut right) = (0.0, 0.0);
        for (r, &i) in act.iter().enumerate() {
            let pik = a.p[i * n + k];
            if pik != 0.0 {
                left += v[r] * pik / (sqrt_px[r] * (a.px[i] * pyk + EPS));
                right += v[r] * pik / sqrt_px[r];
            }
        }
        delta -= EPS * left * right / pyk;
    }
    (lambda + delta).max(0.0).sqrt()
}

/// Symmetric eigenproblem for MCC, written out because only two eigenvalues and ONE eigenvector
/// are needed: Householder tridiagonalisation (Golub & Van Loan, alg. 8.3.1), the eigenvalues by
/// Sturm-count bisection (as LAPACK dstebz), the eigenvector by inverse iteration on the
/// tridiagonal matrix (as LAPACK dstein) transformed back. This costs ~4/3 m³ instead of the
/// ~6 m³ of a full eigendecomposition (nalgebra's `SymmetricEigen` took a third of all texture
/// time).
mod symeig {
    /// A symmetric matrix reduced to tridiagonal form T = Qᵀ A Q, Q a product of reflections.
    pub struct Tridiagonal {
        m: usize,
        /// Diagonal of T.
        d: Vec<f64>,
        /// Off-diagonal of T: `e[i]` couples rows i and i + 1.
        e: Vec<f64>,
        /// Householder vectors (row k holds v_k for positions k+1..m) and their β.
        v: Vec<f64>,
        beta: Vec<f64>,
        norm: f64,
    }

    /// Dot product with four partial sums, so that it vectorises.
    fn dot(x: &[f64], y: &[f64]) -> f64 {
        let mut acc = [0.0f64; 4];
        let (xc, xr) = x.split_at(x.len() / 4 * 4);
        let (yc, yr) = y.split_at(xc.len());
        for (a, b) in xc.chunks_exact(4).zip(yc.chunks_exact(4)) {
            for l in 0..4 {
                acc[l] += a[l] * b[l];
            }
        }
        let tail: f64 = xr.iter().zip(yr).map(|(a, b)| a * b).sum();
        (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
    }

    impl Tridiagonal {
        /// Reduces the row-major symmetric `m x m` matrix `a`. None if it holds NaN.
        pub fn new(mut a: Vec<f64>, m: usize) -> Option<Self> {
            if a.iter().any(|x| !x.is_finite()) {
                return None;
            }
            let norm = a.iter().map(|x| x.abs()).fold(0.0, f64::max);
            let mut v = vec![0.0; m * m];
            let mut beta = vec![0.0; m];
            let mut p = vec![0.0; m];
            let mut d = vec![0.0; m];
            let mut e = vec![0.0; m];
            for k in 0..m.saturating_sub(2) {
                // Householder vector for x = A[k+1.., k].
                let xnorm = (k + 1..m).map(|i| a[i * m + k].powi(2)).sum::<f64>().sqrt();
                let x0 = a[(k + 1) * m + k];
                let alpha = if x0 >= 0.0 { -xnorm } else { xnorm };
                let vk = &mut v[k * m..(k + 1) * m];
                for i in k + 1..m {
                    vk[i] = a[i * m + k];
                }
                vk[k + 1] -= alpha;
                let vtv: f64 = (k + 1..m).map(|i| vk[i] * vk[i]).sum();
                d[k] = a[k * m + k];
                if vtv == 0.0 {
                    e[k] = x0;
                    beta[k] = 0.0;
                    continue;
                }
                let b = 2.0 / vtv;
                beta[k] = b;
                e[k] = alpha;
                // p = β A22 v, w = p − (β pᵀv / 2) v, A22 −= v wᵀ + w vᵀ (slices, so that the
                // loops vectorise).
                let vt = &vk[k + 1..m];
                for i in k + 1..m {
                    p[i] = b * dot(&a[i * m + k + 1..(i + 1) * m], vt);
                }
                let ptv: f64 = (k + 1..m).map(|i| p[i] * vk[i]).sum();
                let c = b * ptv / 2.0;
                for i in k + 1..m {
                    p[i] -= c * vk[i];
                }
                let pt = &p[k + 1..m];
                for i in k + 1..m {
                    let (vi, pi) = (vk[i], p[i]);
                    let row = &mut a[i * m + k + 1..(i + 1) * m];
                    for ((x, &vj), &pj) in row.iter_mut().zip(vt).zip(pt) {
                        *x -= vi * pj + pi * vj;
                    }
                }
            }
            if m >= 2 {
                d[m - 2] = a[(m - 2) * m + m - 2];
                e[m - 2] = a[(m - 1) * m + m - 2];
            }
            d[m - 1] = a[(m - 1) * m + m - 1];
            e[m - 1] = 0.0;
            Some(Self {
                m,
                d,
                e,
                v,
                beta,
                norm,
            })
        }

        /// The `k`-th smallest eigenvalue (k = 0 is the smallest), by bisection on the Sturm
        /// count of T (LAPACK dlaebz), to full double precision. Only two eigenvalues are ever
        /// needed, so this beats computing all of them.
        pub fn kth_eigenvalue(&self, k: usize) -> f64 {
            self.kth_eigenvalues([k])[0]
        }

        /// Several eigenvalues by bisection at once: the Sturm recurrences of the N midpoints
        /// are independent, so running them in one loop hides the division latency.
        pub fn kth_eigenvalues<const N: usize>(&self, ks: [usize; N]) -> [f64; N] {
            let m = self.m;
            let e2: Vec<f64> = self.e[..m - 1].iter().map(|x| x * x).collect();
            let pivmin = f64::MIN_POSITIVE * e2.iter().copied().fold(1.0, f64::max);
            // Gershgorin interval.
            let (mut glo, mut ghi) = (f64::INFINITY, f64::NEG_INFINITY);
            for i in 0..m {
                let r = if i > 0 { self.e[i - 1].abs() } else { 0.0 }
                    + if i + 1 < m { self.e[i].abs() } else { 0.0 };
                glo = glo.min(self.d[i] - r);
                ghi = ghi.max(self.d[i] + r);
            }
            let span = (ghi - glo).max(ghi.abs()).max(glo.abs());
            glo -= 2.0 * f64::EPSILON * span + pivmin;
            ghi += 2.0 * f64::EPSILON * span + pivmin;
            let mut lo = [glo; N];
            let mut hi = [ghi; N];
            let mut done = [false; N];
            for _ in 0..200 {
                let mut mid = [0.0; N];
                for t in 0..N {
                    mid[t] = 0.5 * (lo[t] + hi[t]);
                    done[t] = done[t]
                        || hi[t] - lo[t]
                            <= 2.0 * f64::EPSILON * lo[t].abs().max(hi[t].abs()) + pivmin
                        || mid[t] <= lo[t]
                        || mid[t] >= hi[t];
                }
                if done.iter().all(|&d| d) {
                    break;
                }
                // Number of eigenvalues below each midpoint.
                let mut q = [0.0; N];
                let mut c = [0usize; N];
                for t in 0..N {
                    q[t] = self.d[0] - mid[t];
                    if q[t].abs() < pivmin {
                        q[t] = -pivmin;
                    }
                    c[t] = usize::from(q[t] < 0.0);
                }
                for i in 1..m {
                    for t in 0..N {
                        q[t] = self.d[i] - mid[t] - e2[i - 1] / q[t];
                        if q[t].abs() < pivmin {
                            q[t] = -pivmin;
                        }
                        c[t] += usize::from(q[t] < 0.0);
                    }
                }
                for t in 0..N {
                    if done[t] {
                        continue;
                    }
                    if c[t] > ks[t] {
                        hi[t] = mid[t];
                    } else {
                        lo[t] = mid[t];
                    }
                }
            }
            std::array::from_fn(|t| 0.5 * (lo[t] + hi[t]))
        }

        /// Unit eigenvector of A for its eigenvalue `mu`: inverse iteration on T − μI (LU with
        /// partial pivoting, zero pivots perturbed), then multiplied by Q.
        pub fn eigenvector(&self, mu: f64) -> Vec<f64> {
            let m = self.m;
            let tiny = f64::EPSILON * self.norm.max(f64::MIN_POSITIVE);
            // LU of T − μI (LAPACK dgttrf layout).
            let mut dl: Vec<f64> = self.e[..m - 1].to_vec();
            let mut dd: Vec<f64> = self.d.iter().map(|x| x - mu).collect();
            let mut du: Vec<f64> = self.e[..m - 1].to_vec();
            let mut du2 = vec![0.0; m.saturating_sub(2)];
            let mut piv = vec![false; m.saturating_sub(1)];
            for i in 0..m - 1 {
                if dd[i].abs() >= dl[i].abs() {
                    if dd[i] != 0.0 {
                        let f = dl[i] / dd[i];
                        dl[i] = f;
                        dd[i + 1] -= f * du[i];
                    } else {
                        dl[i] = 0.0;
                    }
                } else {
                    let f = dd[i] / dl[i];
                    dd[i] = dl[i];
                    dl[i] = f;
                    let t = du[i];
                    du[i] = dd[i + 1];
                    dd[i + 1] = t - f * dd[i + 1];
                    if i + 2 < m {
                        du2[i] = du[i + 1];
                        du[i + 1] *= -f;
                    }
                    piv[i] = true;
                }
            }
            for x in &mut dd {
                if x.abs() < tiny {
                    *x = if *x < 0.0 { -tiny } else { tiny };
                }
            }
            let mut y: Vec<f64> = (0..m)
                .map(|i| 1.0 + 0.1 * ((i * 7919) % 13) as f64)
                .collect();
            for _ in 0..3 {
                for i in 0..m - 1 {
                    if piv[i] {
                        let t = y[i];
                        y[i] = y[i + 1];
                        y[i + 1] = t - dl[i] * y[i];
                    } else {
                        y[i + 1] -= dl[i] * y[i];
                    }
                }
                y[m - 1] /= dd[m - 1];
                if m >= 2 {
                    y[m - 2] = (y[m - 2] - du[m - 2] * y[m - 1]) / dd[m - 2];
                }
                for i in (0..m.saturating_sub(2)).rev() {
                    y[i] = (y[i] - du[i] * y[i + 1] - du2[i] * y[i + 2]) / dd[i];
                }
                let norm = y.iter().map(|x| x * x).sum::<f64>().sqrt();
                if !(norm.is_finite() && norm > 0.0) {
                    return vec![0.0; m];
                }
                for x in &mut y {
                    *x /= norm;
                }
            }
            // x = H_0 H_1 … H_{m-3} y.
            for k in (0..m.saturating_sub(2)).rev() {
                let b = self.beta[k];
                if b == 0.0 {
                    continue;
                }
                let vk = &self.v[k * m..(k + 1) * m];
                let dot: f64 = (k + 1..m).map(|i| vk[i] * y[i]).sum();
                for i in k + 1..m {
                    y[i] -= b * dot * vk[i];
                }
            }
            y
        }
    }

    #[cfg(test)]
    mod tests {
        use super::Tridiagonal;

        fn check(a: &[f64], m: usize) {
            let t = Tridiagonal::new(a.to_vec(), m).unwrap();
            let ev: Vec<f64> = (0..m).map(|k| t.kth_eigenvalue(k)).collect();
            assert!(ev.windows(2).all(|w| w[0] <= w[1]), "ascending");
            // The interleaved bisection gives the same values.
            let pair = t.kth_eigenvalues([m - 1, 0]);
            assert_eq!(pair, [ev[m - 1], ev[0]]);
            // Σλ = trace, Σλ² = ‖A‖_F², and every (λ, v) has a small residual.
            let trace: f64 = (0..m).map(|i| a[i * m + i]).sum();
            let fro: f64 = a.iter().map(|x| x * x).sum();
            assert!((ev.iter().sum::<f64>() - trace).abs() < 1e-12 * fro.sqrt().max(1.0));
            assert!((ev.iter().map(|x| x * x).sum::<f64>() - fro).abs() < 1e-12 * fro.max(1.0));
            let mut sorted = ev.clone();
            sorted.sort_by(f64::total_cmp);
            let distinct = sorted.windows(2).all(|w| w[1] - w[0] > 1e-6);
            for &mu in &ev {
                let v = t.eigenvector(mu);
                let nv: f64 = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                assert!((nv - 1.0).abs() < 1e-12);
                if distinct {
                    for i in 0..m {
                        let av: f64 = (0..m).map(|j| a[i * m + j] * v[j]).sum();
                        assert!(
                            (av - mu * v[i]).abs() < 1e-10,
                            "residual {}",
                            av - mu * v[i]
                        );
                    }
                }
            }
        }

        #[test]
        fn known_and_random_matrices() {
            // [[2,1],[1,2]]: 1 and 3.
            let t = Tridiagonal::new(vec![2.0, 1.0, 1.0, 2.0], 2).unwrap();
            let ev = [t.kth_eigenvalue(0), t.kth_eigenvalue(1)];
            assert!((ev[0] - 1.0).abs() < 1e-15 && (ev[1] - 3.0).abs() < 1e-15);
            let v = t.eigenvector(3.0);
            assert!((v[0].abs() - 0.5f64.sqrt()).abs() < 1e-12 && (v[0] - v[1]).abs() < 1e-12);
            // Diagonal (already tridiagonal, zero Householder vectors) and random symmetric.
            check(&[3.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 2.0], 3);
            let mut seed = 12345u64;
            let mut rnd = || {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((seed >> 11) as f64 / (1u64 << 53) as f64) - 0.5
            };
            for m in [2usize, 3, 5, 8, 17, 40] {
                let mut a = vec![0.0; m * m];
                for i in 0..m {
                    for j in 0..=i {
                        let x = rnd();
                        a[i * m + j] = x;
                        a[j * m + i] = x;
                    }
                }
                check(&a, m);
            }
        }
    }
}

/// IDMN = Σ_{k=0}^{N_g−1} p_{x−y}(k) / (1 + k^2 / N_g^2)
pub fn idmn(g: &Glcm) -> f64 {
    let ng2 = g.ng * g.ng;
    g.mean(|a| diff_sum(a, |k| 1.0 / (1.0 + (k * k) / ng2)))
}

/// ID = Σ_{k=0}^{N_g−1} p_{x−y}(k) / (1 + k)
pub fn id(g: &Glcm) -> f64 {
    g.mean(|a| diff_sum(a, |k| 1.0 / (1.0 + k)))
}

/// IDN = Σ_{k=0}^{N_g−1} p_{x−y}(k) / (1 + k / N_g)
pub fn idn(g: &Glcm) -> f64 {
    g.mean(|a| diff_sum(a, |k| 1.0 / (1.0 + k / g.ng)))
}

/// Inverse Variance = Σ_{k=1}^{N_g−1} p_{x−y}(k) / k^2 (k = 0 skipped)
pub fn inverse_variance(g: &Glcm) -> f64 {
    g.mean(|a| {
        a.p_diff
            .iter()
            .enumerate()
            .skip(1)
            .map(|(k, &v)| v / (k * k) as f64)
            .sum()
    })
}

/// Maximum Probability = max p(i,j)
pub fn maximum_probability(g: &Glcm) -> f64 {
    // numpy.amax propagates NaN.
    g.mean(|a| {
        a.p.iter().copied().fold(
            f64::NEG_INFINITY,
            |m, v| if v.is_nan() { v } else { m.max(v) },
        )
    })
}

/// Sum Average = Σ_{k=2}^{2N_g} k p_{x+y}(k)
pub fn sum_average(g: &Glcm) -> f64 {
    g.mean(|a| {
        a.p_sum
            .iter()
            .enumerate()
            .map(|(k, &v)| v * (k + 2) as f64)
            .sum()
    })
}

/// Sum Entropy = −Σ_{k=2}^{2N_g} p_{x+y}(k) log2(p_{x+y}(k) + ε)
pub fn sum_entropy(g: &Glcm) -> f64 {
    g.mean(|a| entropy(&a.p_sum))
}

/// Sum of Squares = Σ_i Σ_j (i − μ_x)^2 p(i,j)
pub fn sum_squares(g: &Glcm) -> f64 {
    g.mean(|a| sum_w(g, a, |i, _| (i - a.ux).powi(2)))
}

/// All enabled-by-default GLCM features, in pyradiomics' order ([`FEATURE_NAMES`]).
pub fn features(
    roi: &DiscretizedRoi,
    settings: &TextureSettings,
) -> Result<Vec<(String, f64)>, RadiomicsError> {
    let g = glcm(roi, settings)?;
    let values = [
        autocorrelation(&g),
        cluster_prominence(&g),
        cluster_shade(&g),
        cluster_tendency(&g),
        contrast(&g),
        correlation(&g),
        difference_average(&g),
        difference_entropy(&g),
        difference_variance(&g),
        id(&g),
        idm(&g),
        idmn(&g),
        idn(&g),
        imc1(&g),
        imc2(&g),
        inverse_variance(&g),
        joint_average(&g),
        joint_energy(&g),
        joint_entropy(&g),
        mcc(&g),
        maximum_probability(&g),
        sum_average(&g),
        sum_entropy(&g),
        sum_squares(&g),
    ];
    Ok(FEATURE_NAMES
        .iter()
        .map(|s| s.to_string())
        .zip(values)
        .collect())
}
