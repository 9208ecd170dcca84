//! LASSO by cyclic coordinate descent, and `LassoCV` (the alpha path with K-fold
//! cross-validation), equal to scikit-learn's `Lasso` / `LassoCV` (`fit_intercept=True`).
//!
//! Objective (per alpha): (1 / 2n) ‖y − Xw − b‖² + α ‖w‖₁.
//!
//! Written by hand because no Rust crate reproduces scikit-learn's solver step for step, and the
//! selected alpha and coefficients only match when the iterations do. We follow
//! `sklearn/linear_model/_cd_fast.pyx` (v1.9) in behaviour: X and y are centred (so b = ȳ − x̄·w),
//! the L1 weight is α·n, coordinates are visited cyclically, and after a sweep whose largest
//! update is ≤ tol · (largest |w_j|) the duality gap is computed; the solver stops when the gap
//! is ≤ tol·‖y‖². Gap-safe screening drops coordinates that are provably zero. `LassoCV` uses
//! the Gram-matrix variant on folds with more samples than features (scikit-learn's
//! `precompute="auto"`) and the plain variant for the final refit (as scikit-learn does).

use crate::splits::kfold;
use crate::{Matrix, Result, StatsError, check_finite, check_len};

/// Hyper-parameters of a single LASSO fit (scikit-learn `Lasso` defaults).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LassoConfig {
    pub alpha: f64,
    pub max_iter: usize,
    pub tol: f64,
}

impl Default for LassoConfig {
    fn default() -> Self {
        LassoConfig {
            alpha: 1.0,
            max_iter: 1000,
            tol: 1e-4,
        }
    }
}

/// A fitted linear model `y ≈ X w + b`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FittedLasso {
    pub coef: Vec<f64>,
    pub intercept: f64,
    /// Duality gap at the end (scaled as in scikit-learn's `dual_gap_` times n).
    pub dual_gap: f64,
    pub n_iter: usize,
    /// False when `max_iter` sweeps ended before the gap fell below the tolerance.
    pub converged: bool,
}

impl FittedLasso {
    /// Predictions `X w + b`.
    pub fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        check_len("features", x.n_cols(), self.coef.len())?;
        Ok((0..x.n_rows())
            .map(|i| {
                x.row(i)
                    .iter()
                    .zip(&self.coef)
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    + self.intercept
            })
            .collect())
    }

    /// Indices of the non-zero coefficients.
    pub fn support(&self) -> Vec<usize> {
        (0..self.coef.len())
            .filter(|&j| self.coef[j] != 0.0)
            .collect()
    }
}

/// Centred data: columns (column-major), the centred target and the offsets.
struct Centred {
    cols: Vec<Vec<f64>>,
    y: Vec<f64>,
    x_offset: Vec<f64>,
    y_offset: f64,
}

fn centre(x: &Matrix, y: &[f64], rows: &[usize]) -> Centred {
    let n = rows.len() as f64;
    let y_offset = rows.iter().map(|&i| y[i]).sum::<f64>() / n;
    let mut cols = Vec::with_capacity(x.n_cols());
    let mut x_offset = Vec::with_capacity(x.n_cols());
    for j in 0..x.n_cols() {
        let m = rows.iter().map(|&i| x.get(i, j)).sum::<f64>() / n;
        cols.push(rows.iter().map(|&i| x.get(i, j) - m).collect());
        x_offset.push(m);
    }
    Centred {
        cols,
        y: rows.iter().map(|&i| y[i] - y_offset).collect(),
        x_offset,
        y_offset,
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn soft(tmp: f64, alpha: f64, denom: f64) -> f64 {
    let s = if tmp == 0.0 { 0.0 } else { tmp.signum() };
    s * (tmp.abs() - alpha).max(0.0) / denom
}

/// Duality gap, formulation A (beta = 0).
fn gap_a(alpha: f64, w_l1: f64, r_norm2: f64, ry: f64, dual_norm: f64) -> f64 {
    let primal = 0.5 * r_norm2 + alpha * w_l1;
    let scale = if dual_norm > alpha {
        alpha / dual_norm
    } else {
        1.0
    };
    let dual = -0.5 * (scale * scale) * r_norm2 + scale * ry;
    primal - dual
}

struct CdOut {
    gap: f64,
    n_iter: usize,
    converged: bool,
}

/// Plain coordinate descent on centred columns (`enet_coordinate_descent`, beta = 0).
fn cd_dense(
    w: &mut [f64],
    alpha: f64,
    cols: &[Vec<f64>],
    y: &[f64],
    max_iter: usize,
    tol0: f64,
) -> CdOut {
    let p = cols.len();
    let norm2: Vec<f64> = cols.iter().map(|c| dot(c, c)).collect();
    let mut r: Vec<f64> = y.to_vec();
    for j in 0..p {
        if w[j] != 0.0 {
            for (ri, xi) in r.iter_mut().zip(&cols[j]) {
                *ri -= w[j] * xi;
            }
        }
    }
    let tol = tol0 * dot(y, y);
    let d_w_tol = tol0;
    let mut xta = vec![0.0; p];
    let gap_fn = |w: &[f64], r: &[f64], xta: &mut [f64]| -> (f64, f64) {
        for j in 0..p {
            xta[j] = dot(&cols[j], r);
        }
        let dual_norm = xta.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let w_l1: f64 = w.iter().map(|v| v.abs()).sum();
        (
            gap_a(alpha, w_l1, dot(r, r), dot(r, y), dual_norm),
            dual_norm,
        )
    };
    let (mut gap, mut dual_norm) = gap_fn(w, &r, &mut xta);
    if gap <= tol {
        return CdOut {
            gap,
            n_iter: 0,
            converged: true,
        };
    }
    let screening = alpha != 0.0;
    let mut excluded = vec![false; p];
    let mut active: Vec<usize> = (0..p).collect();
    let screen = |w: &mut [f64],
                  r: &mut [f64],
                  excluded: &mut [bool],
                  active: &mut Vec<usize>,
                  xta: &[f64],
                  dual_norm: f64,
                  gap: f64,
                  first: bool| {
        active.clear();
        for j in 0..p {
            if first && norm2[j] == 0.0 {
                w[j] = 0.0;
                excluded[j] = true;
                continue;
            }
            if !first && excluded[j] {
                continue;
            }
            let xj_theta = xta[j] / alpha.max(dual_norm);
            let d_j = (1.0 - xj_theta.abs()) / norm2[j].sqrt();
            if d_j <= (2.0 * gap).sqrt() / alpha {
                active.push(j);
                excluded[j] = false;
            } else {
                if w[j] != 0.0 {
                    for (ri, xi) in r.iter_mut().zip(&cols[j]) {
                        *ri += w[j] * xi;
                    }
                    w[j] = 0.0;
                }
                excluded[j] = true;
            }
        }
    };
    if screening {
        screen(
            w,
            &mut r,
            &mut excluded,
            &mut active,
            &xta,
            dual_norm,
            gap,
            true,
        );
    }
    for n_iter in 0..max_iter {
        let (mut w_max, mut d_w_max) = (0.0f64, 0.0f64);
        for &j in &active {
            if norm2[j] == 0.0 {
                continue;
            }
            let w_j = w[j];
            let tmp = dot(&cols[j], &r) + w_j * norm2[j];
            w[j] = soft(tmp, alpha, norm2[j]);
            if w[j] != w_j {
                let d = w_j - w[j];
                for (ri, xi) in r.iter_mut().zip(&cols[j]) {
                    *ri += d * xi;
                }
            }
            d_w_max = d_w_max.max((w[j] - w_j).abs());
            w_max = w_max.max(w[j].abs());
        }
        if w_max == 0.0 || d_w_max / w_max <= d_w_tol || n_iter == max_iter - 1 {
            (gap, dual_norm) = gap_fn(w, &r, &mut xta);
            if gap <= tol {
                return CdOut {
                    gap,
                    n_iter: n_iter + 1,
                    converged: true,
                };
            }
            if screening {
                screen(
                    w,
                    &mut r,
                    &mut excluded,
                    &mut active,
                    &xta,
                    dual_norm,
                    gap,
                    false,
                );
            }
        }
    }
    CdOut {
        gap,
        n_iter: max_iter,
        converged: false,
    }
}

/// Coordinate descent on the Gram matrix Q = XᵀX, q = Xᵀy (`enet_coordinate_descent_gram`).
fn cd_gram(
    w: &mut [f64],
    alpha: f64,
    qm: &[Vec<f64>],
    q: &[f64],
    y_norm2: f64,
    max_iter: usize,
    tol0: f64,
) -> CdOut {
    let p = q.len();
    let mut qw: Vec<f64> = (0..p).map(|j| dot(&qm[j], w)).collect();
    let tol = tol0 * y_norm2;
    let d_w_tol = tol0;
    let mut xta = vec![0.0; p];
    let gap_fn = |w: &[f64], qw: &[f64], xta: &mut [f64]| -> (f64, f64) {
        let q_dot_w = dot(w, q);
        let wqw = dot(w, qw);
        let r_norm2 = y_norm2 + wqw - 2.0 * q_dot_w;
        let ry = y_norm2 - q_dot_w;
        for j in 0..p {
            xta[j] = q[j] - qw[j];
        }
        let dual_norm = xta.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let w_l1: f64 = w.iter().map(|v| v.abs()).sum();
        (gap_a(alpha, w_l1, r_norm2, ry, dual_norm), dual_norm)
    };
    let (mut gap, mut dual_norm) = gap_fn(w, &qw, &mut xta);
    if (0.0..=tol).contains(&gap) {
        return CdOut {
            gap,
            n_iter: 0,
            converged: true,
        };
    }
    let screening = alpha != 0.0;
    let mut excluded = vec![false; p];
    let mut active: Vec<usize> = (0..p).collect();
    let screen = |w: &mut [f64],
                  qw: &mut [f64],
                  excluded: &mut [bool],
                  active: &mut Vec<usize>,
                  xta: &[f64],
                  dual_norm: f64,
                  gap: f64,
                  first: bool| {
        let radius = (2.0 * gap.abs()).sqrt() / alpha;
        active.clear();
        for j in 0..p {
            if first && qm[j][j] == 0.0 {
                w[j] = 0.0;
                excluded[j] = true;
                continue;
            }
            if !first && excluded[j] {
                continue;
            }
            let xj_theta = xta[j] / alpha.max(dual_norm);
            let d_j = (1.0 - xj_theta.abs()) / qm[j][j].sqrt();
            if d_j <= radius {
                active.push(j);
                excluded[j] = false;
            } else {
                if w[j] != 0.0 {
                    for k in 0..p {
                        qw[k] -= w[j] * qm[j][k];
                    }
                    w[j] = 0.0;
                }
                excluded[j] = true;
            }
        }
    };
    if screening {
        screen(
            w,
            &mut qw,
            &mut excluded,
            &mut active,
            &xta,
            dual_norm,
            gap,
            true,
        );
    }
    for n_iter in 0..max_iter {
        let (mut w_max, mut d_w_max) = (0.0f64, 0.0f64);
        for &j in &active {
            if qm[j][j] == 0.0 {
                continue;
            }
            let w_j = w[j];
            let tmp = q[j] - qw[j] + w_j * qm[j][j];
            w[j] = soft(tmp, alpha, qm[j][j]);
            if w[j] != w_j {
                let d = w[j] - w_j;
                for k in 0..p {
                    qw[k] += d * qm[j][k];
                }
            }
            d_w_max = d_w_max.max((w[j] - w_j).abs());
            w_max = w_max.max(w[j].abs());
        }
        if w_max == 0.0 || d_w_max / w_max <= d_w_tol || n_iter == max_iter - 1 {
            (gap, dual_norm) = gap_fn(w, &qw, &mut xta);
            if gap <= tol {
                return CdOut {
                    gap,
                    n_iter: n_iter + 1,
                    converged: true,
                };
            }
            if screening {
                screen(
                    w,
                    &mut qw,
                    &mut excluded,
                    &mut active,
                    &xta,
                    dual_norm,
                    gap,
                    false,
                );
            }
        }
    }
    CdOut {
        gap,
        n_iter: max_iter,
        converged: false,
    }
}

fn check_xy(x: &Matrix, y: &[f64]) -> Result<()> {
    check_len("targets", y.len(), x.n_rows())?;
    if x.n_rows() < 2 || x.n_cols() == 0 {
        return Err(StatsError::TooFew(format!(
            "{} samples x {} features for a LASSO fit",
            x.n_rows(),
            x.n_cols()
        )));
    }
    check_finite("features", x.as_slice())?;
    check_finite("targets", y)
}

impl LassoConfig {
    /// Fit on all rows (scikit-learn `Lasso(alpha).fit(X, y)`, `precompute=False`).
    pub fn fit(&self, x: &Matrix, y: &[f64]) -> Result<FittedLasso> {
        check_xy(x, y)?;
        if self.alpha.is_nan() || self.alpha <= 0.0 {
            return Err(StatsError::InvalidParameter(format!(
                "alpha must be > 0, got {}",
                self.alpha
            )));
        }
        let rows: Vec<usize> = (0..x.n_rows()).collect();
        let c = centre(x, y, &rows);
        let mut w = vec![0.0; x.n_cols()];
        let out = cd_dense(
            &mut w,
            self.alpha * x.n_rows() as f64,
            &c.cols,
            &c.y,
            self.max_iter,
            self.tol,
        );
        let intercept = c.y_offset - dot(&c.x_offset, &w);
        Ok(FittedLasso {
            coef: w,
            intercept,
            dual_gap: out.gap,
            n_iter: out.n_iter,
            converged: out.converged,
        })
    }
}

/// Hyper-parameters of `LassoCV` (scikit-learn defaults, except the number of folds which
/// scikit-learn sets with `cv=`; the folds are `KFold(n_folds)` without shuffling).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LassoCvConfig {
    pub n_alphas: usize,
    pub eps: f64,
    pub n_folds: usize,
    pub max_iter: usize,
    pub tol: f64,
}

impl Default for LassoCvConfig {
    fn default() -> Self {
        LassoCvConfig {
            n_alphas: 100,
            eps: 1e-3,
            n_folds: 5,
            max_iter: 1000,
            tol: 1e-4,
        }
    }
}

/// Result of `LassoCV`: the chosen alpha, the path and the model refitted on all rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FittedLassoCv {
    pub alpha: f64,
    /// Decreasing alphas.
    pub alphas: Vec<f64>,
    /// Mean squared error on the held-out fold, `mse_path[a][f]` for alpha a and fold f.
    pub mse_path: Vec<Vec<f64>>,
    pub model: FittedLasso,
}

impl FittedLassoCv {
    pub fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        self.model.predict(x)
    }
}

/// scikit-learn's `_alpha_grid`: α_max = max_j |x_jᵀ(y − ȳ)| / n, then `n_alphas` values
/// log-spaced from α_max down to eps·α_max (`numpy.geomspace`).
pub fn alpha_grid(x: &Matrix, y: &[f64], n_alphas: usize, eps: f64) -> Result<Vec<f64>> {
    check_xy(x, y)?;
    let rows: Vec<usize> = (0..x.n_rows()).collect();
    let c = centre(x, y, &rows);
    let max_sq = c
        .cols
        .iter()
        .map(|col| dot(col, &c.y).powi(2))
        .fold(0.0f64, f64::max);
    let alpha_max = max_sq.sqrt() / x.n_rows() as f64;
    let resolution = 1e-15;
    if alpha_max <= resolution {
        return Ok(vec![resolution; n_alphas]);
    }
    let (ls, le) = (alpha_max.log10(), (alpha_max * eps).log10());
    let step = if n_alphas > 1 {
        (le - ls) / (n_alphas - 1) as f64
    } else {
        0.0
    };
    let mut a: Vec<f64> = (0..n_alphas)
        .map(|k| 10f64.powf(k as f64 * step + ls))
        .collect();
    a[0] = alpha_max;
    if n_alphas > 1 {
        a[n_alphas - 1] = alpha_max * eps;
    }
    Ok(a)
}

impl LassoCvConfig {
    /// Cross-validate the alpha path and refit at the alpha with the lowest mean fold MSE.
    pub fn fit(&self, x: &Matrix, y: &[f64]) -> Result<FittedLassoCv> {
        check_xy(x, y)?;
        let n = x.n_rows();
        if self.n_folds < 2 || self.n_folds > n {
            return Err(StatsError::InvalidParameter(format!(
                "{} folds for {n} samples",
                self.n_folds
            )));
        }
        let alphas = alpha_grid(x, y, self.n_alphas, self.eps)?;
        let p = x.n_cols();
        let folds = kfold(n, self.n_folds)?;
        let mut mse_path = vec![vec![0.0; folds.len()]; alphas.len()];
        for (f, fold) in folds.iter().enumerate() {
            let c = centre(x, y, &fold.train);
            let n_train = fold.train.len() as f64;
            let gram = fold.train.len() > p;
            let (qm, q, y_norm2) = if gram {
                let qm: Vec<Vec<f64>> = (0..p)
                    .map(|a| (0..p).map(|b| dot(&c.cols[a], &c.cols[b])).collect())
                    .collect();
                let q: Vec<f64> = c.cols.iter().map(|col| dot(col, &c.y)).collect();
                (qm, q, dot(&c.y, &c.y))
            } else {
                (Vec::new(), Vec::new(), 0.0)
            };
            let mut w = vec![0.0; p];
            for (a, &alpha) in alphas.iter().enumerate() {
                let l1 = alpha * n_train;
                if gram {
                    cd_gram(&mut w, l1, &qm, &q, y_norm2, self.max_iter, self.tol);
                } else {
                    cd_dense(&mut w, l1, &c.cols, &c.y, self.max_iter, self.tol);
                }
                let intercept = c.y_offset - dot(&c.x_offset, &w);
                let mut sse = 0.0;
                for &i in &fold.test {
                    let mut res = dot(x.row(i), &w) - y[i];
                    res += intercept;
                    sse += res * res;
                }
                mse_path[a][f] = sse / fold.test.len() as f64;
            }
        }
        let mean: Vec<f64> = mse_path
            .iter()
            .map(|r| r.iter().sum::<f64>() / r.len() as f64)
            .collect();
        let mut best = 0;
        for a in 1..mean.len() {
            if mean[a] < mean[best] {
                best = a;
            }
        }
        let alpha = alphas[best];
        let model = LassoConfig {
            alpha,
            max_iter: self.max_iter,
            tol: self.tol,
        }
        .fit(x, y)?;
        Ok(FittedLassoCv {
            alpha,
            alphas,
            mse_path,
            model,
        })
    }
}
