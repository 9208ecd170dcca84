//! Elastic-net penalised Cox regression along a regularisation path (coxnet).
//!
//! Simon, Friedman, Hastie & Tibshirani, "Regularization paths for Cox's proportional hazards
//! model via coordinate descent", J. Stat. Softw. 39(5), 2011, with the conventions of
//! scikit-survival's `CoxnetSurvivalAnalysis` (the reference of the parity tests,
//! `tests/fixtures/coxnet.json`). For each α on the path the coefficients minimise
//!
//! `−(1/n) ℓ_Breslow(Xβ) + α ( r ‖β‖₁ + (1 − r)/2 ‖β‖₂² )`,   r = `l1_ratio`,
//!
//! on centred (and, with `standardize`, z-scored) features. The solver is coordinate descent on
//! the quadratic (IRLS) approximation of the partial likelihood with diagonal weights
//! ([`crate::cox::breslow_working_response`], scaled by 1/n):
//! `β_j ← S( Σ_i x_ij r_i + β_j Σ_i w_i x_ij², α r ) / ( Σ_i w_i x_ij² + α (1 − r) )`,
//! S the soft-threshold, with warm starts along the path, the sequential strong rule to pick the
//! candidate features and a KKT check of the others after convergence.
//!
//! The path: α_max = max_j |x_jᵀ r(0)| / r (the smallest α with β = 0), then `n_alphas` values
//! log-spaced down to `alpha_min_ratio · α_max` (default 1e-4 when n > p, else 1e-2). As in
//! scikit-survival, the path stops early once the deviance ratio improves by less than 0.1 %
//! over 5 steps. Convergence: every coordinate's `Σ w x² Δβ²` below `tol` times the null
//! deviance.
//!
//! Written by hand (no Rust crate fits penalised Cox models); the code follows the paper, not
//! the GPL sources of glmnet or scikit-survival.

// Index loops over features mirror the formulas; `!(x > 0)` also rejects NaN on purpose.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::cox::breslow_working_response;
use crate::{Matrix, Result, StatsError, check_finite, check_len};

/// Hyper-parameters of the coxnet path (defaults of scikit-survival's `CoxnetSurvivalAnalysis`,
/// except `standardize`, which glmnet turns on by default).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoxnetConfig {
    /// Mix of the L1 and L2 penalties, in (0, 1]; 1 is the lasso.
    pub l1_ratio: f64,
    /// Number of α values on the generated path.
    pub n_alphas: usize,
    /// α_min / α_max; `None` picks 1e-4 when n > p and 1e-2 otherwise.
    pub alpha_min_ratio: Option<f64>,
    /// Fit exactly these α values (in the given order) instead of generating a path.
    pub alphas: Option<Vec<f64>>,
    /// Divide the centred features by their standard deviation (population, ddof 0) before
    /// fitting; coefficients are always reported on the original scale.
    pub standardize: bool,
    /// Convergence tolerance, relative to the null deviance.
    pub tol: f64,
    /// Maximum number of coordinate-descent cycles over the whole path.
    pub max_iter: usize,
    /// Stop a generated path once the deviance ratio stalls (scikit-survival does).
    pub early_stop: bool,
}

impl Default for CoxnetConfig {
    fn default() -> Self {
        CoxnetConfig {
            l1_ratio: 0.5,
            n_alphas: 100,
            alpha_min_ratio: None,
            alphas: None,
            standardize: true,
            tol: 1e-7,
            max_iter: 100_000,
            early_stop: true,
        }
    }
}

/// A fitted coefficient path.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FittedCoxnet {
    /// The α values, largest first.
    pub alphas: Vec<f64>,
    /// Coefficients per α on the original feature scale (`coefs[k][j]`).
    pub coefs: Vec<Vec<f64>>,
    /// Fraction of the null deviance explained, per α.
    pub deviance_ratio: Vec<f64>,
    /// Training feature means (predictions are centred with them).
    pub means: Vec<f64>,
    /// Scales the features were divided by (1 without standardisation or for constant columns).
    pub scales: Vec<f64>,
    /// The ratio used to generate the path.
    pub alpha_min_ratio: f64,
    /// Coordinate-descent cycles used.
    pub n_iter: usize,
    /// False when `max_iter` was reached before convergence.
    pub converged: bool,
}

impl FittedCoxnet {
    /// Log-risk `Σ_j (x_ij − mean_j) β_j` of each row of `x` at path index `k`.
    pub fn predict(&self, x: &Matrix, k: usize) -> Result<Vec<f64>> {
        check_len("feature columns", x.n_cols(), self.means.len())?;
        let coef = self.coefs.get(k).ok_or_else(|| {
            StatsError::InvalidParameter(format!(
                "path index {k} is out of range (the path has {} alphas)",
                self.alphas.len()
            ))
        })?;
        Ok((0..x.n_rows())
            .map(|i| {
                x.row(i)
                    .iter()
                    .zip(&self.means)
                    .zip(coef)
                    .map(|((v, m), b)| (v - m) * b)
                    .sum()
            })
            .collect())
    }

    /// Indices of the non-zero coefficients at path index `k`.
    pub fn support(&self, k: usize) -> Vec<usize> {
        self.coefs
            .get(k)
            .map(|c| (0..c.len()).filter(|&j| c[j] != 0.0).collect())
            .unwrap_or_default()
    }
}

/// Dot product with four partial sums (lets the compiler vectorise; the hot loop of the
/// strong-rule and KKT checks).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(u, v)| u * v).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `Σ_i w_i a_i²`, with four partial sums like [`dot`].
fn weighted_sq(a: &[f64], w: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cw) = (a.chunks_exact(4), w.chunks_exact(4));
    let (ra, rw) = (ca.remainder(), cw.remainder());
    for (x, y) in ca.zip(cw) {
        for k in 0..4 {
            acc[k] += x[k] * x[k] * y[k];
        }
    }
    let tail: f64 = ra.iter().zip(rw).map(|(u, v)| u * u * v).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

fn soft_threshold(z: f64, g: f64) -> f64 {
    if z > g {
        z - g
    } else if z < -g {
        z + g
    } else {
        0.0
    }
}

impl CoxnetConfig {
    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(StatsError::InvalidParameter(m));
        if !(self.l1_ratio > 0.0 && self.l1_ratio <= 1.0) {
            return bad(format!("l1_ratio {} must be in (0, 1]", self.l1_ratio));
        }
        if let Some(a) = &self.alphas {
            if a.is_empty() || a.iter().any(|&v| !(v > 0.0 && v.is_finite())) {
                return bad("alphas must be a non-empty list of positive numbers".into());
            }
        } else if self.n_alphas < 2 {
            return bad(format!("n_alphas {} must be at least 2", self.n_alphas));
        }
        if let Some(r) = self.alpha_min_ratio
            && !(r > 0.0 && r < 1.0)
        {
            return bad(format!("alpha_min_ratio {r} must be in (0, 1)"));
        }
        if !(self.tol > 0.0) || self.max_iter == 0 {
            return bad("tol must be positive and max_iter at least 1".into());
        }
        Ok(())
    }

    /// Fit the path on features `x` (rows = subjects), follow-up `time` and `event` flags.
    pub fn fit(&self, x: &Matrix, time: &[f64], event: &[bool]) -> Result<FittedCoxnet> {
        self.validate()?;
        let (n, p) = (x.n_rows(), x.n_cols());
        if n < 2 {
            return Err(StatsError::TooFew(format!(
                "{n} samples; coxnet needs at least 2"
            )));
        }
        if p == 0 {
            return Err(StatsError::Empty("feature matrix"));
        }
        check_len("time", time.len(), n)?;
        check_len("event", event.len(), n)?;
        check_finite("time", time)?;
        check_finite("features", x.as_slice())?;
        let n_events = event.iter().filter(|&&e| e).count();
        if n_events == 0 {
            return Err(StatsError::NoEvents);
        }
        // Centred (and scaled) columns, column-major.
        let mut means = vec![0.0; p];
        let mut scales = vec![1.0; p];
        let mut cols = vec![0.0; n * p];
        for j in 0..p {
            let m = (0..n).map(|i| x.get(i, j)).sum::<f64>() / n as f64;
            means[j] = m;
            let c = &mut cols[j * n..(j + 1) * n];
            for (i, v) in c.iter_mut().enumerate() {
                *v = x.get(i, j) - m;
            }
            if self.standardize {
                let sd = (c.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
                if sd > 0.0 {
                    scales[j] = sd;
                    c.iter_mut().for_each(|v| *v /= sd);
                }
            }
        }
        let col = |j: usize| &cols[j * n..(j + 1) * n];
        let scale = 1.0 / n as f64;

        // Null deviance as scikit-survival defines it (risk-set sizes from the position in the
        // time-descending order), for the convergence threshold and the deviance ratio.
        let mut desc: Vec<usize> = (0..n).collect();
        desc.sort_by(|&a, &b| time[b].total_cmp(&time[a]));
        let loglik_null: f64 = desc
            .iter()
            .enumerate()
            .filter(|&(_, &i)| event[i])
            .map(|(pos, _)| -scale * ((pos + 1) as f64 * scale).ln())
            .sum();
        let loglik_sat = -(n_events as f64) * scale * scale.ln();
        let dev_null = loglik_sat - loglik_null;
        let eps = self.tol * dev_null;

        let mut eta = vec![0.0; n];
        let mut wr = breslow_working_response(time, event, &eta, scale)?;
        let r = self.l1_ratio;

        let alpha_min_ratio = self
            .alpha_min_ratio
            .unwrap_or(if n > p { 1e-4 } else { 1e-2 });
        let alphas: Vec<f64> = match &self.alphas {
            Some(a) => a.clone(),
            None => {
                let gmax = (0..p)
                    .map(|j| dot(col(j), &wr.residuals).abs())
                    .fold(0.0, f64::max);
                let amax = gmax / r;
                if !(amax > 0.0) {
                    return Err(StatsError::InvalidParameter(
                        "every feature is constant: the penalty path is empty".into(),
                    ));
                }
                let factor = alpha_min_ratio.powf(1.0 / (self.n_alphas as f64 - 1.0));
                (0..self.n_alphas)
                    .map(|k| amax * factor.powi(k as i32))
                    .collect()
            }
        };

        let mut beta = vec![0.0; p];
        let mut strong = vec![false; p];
        let mut active: Vec<usize> = Vec::new();
        let mut is_active = vec![false; p];
        let mut wx2 = vec![0.0; p];
        let mut n_iter = 0usize;
        let mut converged_all = true;
        let mut out_alphas = Vec::new();
        let mut coefs = Vec::new();
        let mut dev_ratio: Vec<f64> = Vec::new();
        let mut alpha_prev = alphas[0];

        for (k, &alpha) in alphas.iter().enumerate() {
            let (l1, l2) = (alpha * r, alpha * (1.0 - r));
            // Sequential strong rule.
            let thr = r * (2.0 * alpha - alpha_prev);
            for j in 0..p {
                if !strong[j] && dot(col(j), &wr.residuals).abs() > thr {
                    strong[j] = true;
                }
            }
            alpha_prev = alpha;
            'outer: loop {
                let beta_outer = beta.clone();
                for j in 0..p {
                    if strong[j] {
                        wx2[j] = weighted_sq(col(j), &wr.weights);
                    }
                }
                let update = |j: usize, beta: &mut [f64], res: &mut [f64], eta: &mut [f64]| {
                    let xj = col(j);
                    let z = dot(xj, res) + beta[j] * wx2[j];
                    let new = soft_threshold(z, l1) / (wx2[j] + l2);
                    let d = new - beta[j];
                    if d != 0.0 {
                        beta[j] = new;
                        let wts = &wr.weights[..];
                        for ((ri, ei), (&x, &w)) in
                            res.iter_mut().zip(eta.iter_mut()).zip(xj.iter().zip(wts))
                        {
                            *ri -= d * x * w;
                            *ei += d * x;
                        }
                    }
                    wx2[j] * d * d
                };
                let mut res = wr.residuals.clone();
                loop {
                    // Full cycle over the candidates.
                    n_iter += 1;
                    let mut max_up = 0.0f64;
                    for j in 0..p {
                        if strong[j] {
                            max_up = max_up.max(update(j, &mut beta, &mut res, &mut eta));
                            if beta[j] != 0.0 && !is_active[j] {
                                is_active[j] = true;
                                active.push(j);
                            }
                        }
                    }
                    if max_up < eps {
                        break;
                    }
                    // Cycles over the active set only.
                    loop {
                        n_iter += 1;
                        let mut max_up = 0.0f64;
                        for &j in &active {
                            max_up = max_up.max(update(j, &mut beta, &mut res, &mut eta));
                        }
                        if max_up < eps || n_iter > self.max_iter {
                            break;
                        }
                    }
                    if n_iter > self.max_iter {
                        converged_all = false;
                        wr = breslow_working_response(time, event, &eta, scale)?;
                        break 'outer;
                    }
                }
                // New quadratic approximation at the updated coefficients.
                wr = breslow_working_response(time, event, &eta, scale)?;
                let moved = active
                    .iter()
                    .any(|&j| wx2[j] * (beta[j] - beta_outer[j]).powi(2) >= eps);
                if moved {
                    continue;
                }
                // KKT check of the features outside the candidate set.
                let mut added = false;
                for j in 0..p {
                    if !strong[j] && dot(col(j), &wr.residuals).abs() > l1 {
                        strong[j] = true;
                        added = true;
                    }
                }
                if !added {
                    break;
                }
            }
            let loglik = scale * (wr.log_likelihood + n_events as f64 * (n as f64).ln());
            out_alphas.push(alpha);
            coefs.push(beta.iter().zip(&scales).map(|(b, s)| b / s).collect());
            dev_ratio.push(1.0 - (loglik_sat - loglik) / dev_null);
            if !converged_all {
                break;
            }
            const MIN_ALPHAS: usize = 5;
            if self.alphas.is_none()
                && self.early_stop
                && k >= MIN_ALPHAS
                && dev_ratio[k - MIN_ALPHAS + 1] / dev_ratio[k] > 0.999
            {
                break;
            }
        }
        Ok(FittedCoxnet {
            alphas: out_alphas,
            coefs,
            deviance_ratio: dev_ratio,
            means,
            scales,
            alpha_min_ratio,
            n_iter,
            converged: converged_all,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cox::{Ties, cox_nll};

    fn data() -> (Matrix, Vec<f64>, Vec<bool>) {
        // Small deterministic data set (splitmix-like generator).
        let mut s: u64 = 7;
        let mut next = || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        };
        let (n, p) = (40, 6);
        let x: Vec<f64> = (0..n * p).map(|_| next() * 2.0 - 1.0).collect();
        let time: Vec<f64> = (0..n)
            .map(|i| {
                ((-(next()).ln()) / (1.5 * x[i * p] - x[i * p + 1]).exp() * 10.0).round() + 1.0
            })
            .collect();
        let event: Vec<bool> = (0..n).map(|_| next() < 0.7).collect();
        (Matrix::new(n, p, x).unwrap(), time, event)
    }

    /// Objective of one α on the standardised scale.
    fn objective(fit: &FittedCoxnet, x: &Matrix, t: &[f64], e: &[bool], k: usize, r: f64) -> f64 {
        let eta = fit.predict(x, k).unwrap();
        let n_ev = e.iter().filter(|&&v| v).count() as f64;
        let nll = cox_nll(t, e, &eta, Ties::Breslow).unwrap().value * n_ev / t.len() as f64;
        let b: Vec<f64> = fit.coefs[k]
            .iter()
            .zip(&fit.scales)
            .map(|(c, s)| c * s)
            .collect();
        let a = fit.alphas[k];
        nll + a
            * (r * b.iter().map(|v| v.abs()).sum::<f64>()
                + (1.0 - r) / 2.0 * b.iter().map(|v| v * v).sum::<f64>())
    }

    #[test]
    fn first_alpha_is_all_zero_and_solutions_are_minima() {
        let (x, t, e) = data();
        let cfg = CoxnetConfig {
            tol: 1e-12,
            ..Default::default()
        };
        let fit = cfg.fit(&x, &t, &e).unwrap();
        assert!(fit.converged);
        assert!(fit.coefs[0].iter().all(|&c| c == 0.0));
        assert!(fit.coefs[1].iter().any(|&c| c != 0.0));
        // Perturbing any coefficient never lowers the objective.
        for &k in &[3, 10, fit.alphas.len() - 1] {
            let base = objective(&fit, &x, &t, &e, k, cfg.l1_ratio);
            for j in 0..x.n_cols() {
                for h in [1e-4, -1e-4] {
                    let mut f2 = fit.clone();
                    f2.coefs[k][j] += h / f2.scales[j];
                    assert!(objective(&f2, &x, &t, &e, k, cfg.l1_ratio) >= base - 1e-12);
                }
            }
        }
    }

    #[test]
    fn invalid_config_and_input_are_errors() {
        let (x, t, e) = data();
        let bad = CoxnetConfig {
            l1_ratio: 0.0,
            ..Default::default()
        };
        assert!(bad.fit(&x, &t, &e).is_err());
        let none = vec![false; t.len()];
        assert!(CoxnetConfig::default().fit(&x, &t, &none).is_err());
        assert!(CoxnetConfig::default().fit(&x, &t[1..], &e).is_err());
    }
}
