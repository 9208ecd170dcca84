//! Feature selection filters of the IDH pipeline (shared/reference idh.md §II.D):
//! a Mann–Whitney U filter, a Pearson |r| > threshold filter with a seeded choice of which
//! feature of a pair to drop, and LASSO-CV selection on standardised features.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::lasso::LassoCvConfig;
use crate::mann_whitney::mann_whitney_u;
use crate::pearson::pearson_r;
use crate::{Matrix, Result, StatsError, check_len};

/// Keep the columns whose two-sided Mann–Whitney p-value between the positive and negative
/// rows is `< p_threshold`. Constant columns (p undefined) are dropped.
pub fn mann_whitney_filter(x: &Matrix, positive: &[bool], p_threshold: f64) -> Result<Vec<usize>> {
    check_len("labels", positive.len(), x.n_rows())?;
    let mut keep = Vec::new();
    for j in 0..x.n_cols() {
        let col = x.column(j);
        let a: Vec<f64> = col
            .iter()
            .zip(positive)
            .filter(|(_, p)| **p)
            .map(|(v, _)| *v)
            .collect();
        let b: Vec<f64> = col
            .iter()
            .zip(positive)
            .filter(|(_, p)| !**p)
            .map(|(v, _)| *v)
            .collect();
        if a.is_empty() || b.is_empty() {
            return Err(StatsError::SingleClass {
                metric: "the Mann-Whitney filter",
                present: "one label only".into(),
            });
        }
        match mann_whitney_u(&a, &b) {
            Ok(r) if r.p_value < p_threshold => keep.push(j),
            Ok(_) | Err(StatsError::Constant(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(keep)
}

/// Among `features`, visit every pair with |r| > `threshold` in a seeded random order; if both
/// features are still kept, drop one of the two by a seeded coin. Pairs involving a constant
/// column are skipped. Returns the kept features in their input order.
pub fn correlation_filter(
    x: &Matrix,
    features: &[usize],
    threshold: f64,
    seed: u64,
) -> Result<Vec<usize>> {
    let cols: Vec<Vec<f64>> = features.iter().map(|&j| x.column(j)).collect();
    let mut pairs = Vec::new();
    for a in 0..features.len() {
        for b in a + 1..features.len() {
            match pearson_r(&cols[a], &cols[b]) {
                Ok(r) if r.abs() > threshold => pairs.push((a, b)),
                Ok(_) | Err(StatsError::Constant(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    pairs.shuffle(&mut rng);
    let mut kept = vec![true; features.len()];
    for (a, b) in pairs {
        if kept[a] && kept[b] {
            if rng.random_bool(0.5) {
                kept[a] = false
            } else {
                kept[b] = false
            }
        }
    }
    Ok(features
        .iter()
        .zip(&kept)
        .filter(|(_, k)| **k)
        .map(|(f, _)| *f)
        .collect())
}

/// Standardise `features` (mean 0, population standard deviation 1, as scikit-learn's
/// `StandardScaler`; zero-variance columns are only centred), fit `LassoCV` and keep the
/// features with non-zero coefficients.
pub fn lasso_select(
    x: &Matrix,
    y: &[f64],
    features: &[usize],
    config: LassoCvConfig,
) -> Result<Vec<usize>> {
    if features.is_empty() {
        return Ok(Vec::new());
    }
    let sub = x.select_cols(features);
    let n = sub.n_rows() as f64;
    let mut data = sub.as_slice().to_vec();
    let p = sub.n_cols();
    for j in 0..p {
        let m = (0..sub.n_rows()).map(|i| sub.get(i, j)).sum::<f64>() / n;
        let sd = ((0..sub.n_rows())
            .map(|i| (sub.get(i, j) - m).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        let scale = if sd == 0.0 { 1.0 } else { sd };
        for i in 0..sub.n_rows() {
            data[i * p + j] = (sub.get(i, j) - m) / scale;
        }
    }
    let z = Matrix::new(sub.n_rows(), p, data)?;
    let fit = config.fit(&z, y)?;
    Ok(fit
        .model
        .support()
        .into_iter()
        .map(|j| features[j])
        .collect())
}
