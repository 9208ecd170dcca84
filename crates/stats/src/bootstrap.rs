//! Seeded percentile bootstrap confidence intervals for any metric.
//!
//! The metric is a closure over resampled row indices, so any function of the data works
//! (`|idx| roc_auc(&pick(&y, idx), &pick(&s, idx))`). Resamples where the metric fails
//! (e.g. a single class drawn, AUC undefined) or is not finite are skipped and counted.
//! Percentiles use numpy's default linear interpolation.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{Result, StatsError};

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BootstrapConfig {
    pub n_resamples: usize,
    /// Two-sided coverage, e.g. 0.95.
    pub confidence: f64,
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            n_resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

/// Point estimate on all rows and the percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ConfidenceInterval {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    /// Resamples that gave a finite value.
    pub n_valid: usize,
    /// Resamples where the metric failed or was not finite.
    pub n_failed: usize,
}

/// Linear-interpolated percentile `q` in [0, 1] of sorted values (numpy `percentile`);
/// NaN for an empty slice.
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn interval(
    estimate: f64,
    mut vals: Vec<f64>,
    failed: usize,
    config: &BootstrapConfig,
) -> Result<ConfidenceInterval> {
    if vals.len() < 2 {
        return Err(StatsError::TooFew(format!(
            "only {} of {} bootstrap resamples gave a value",
            vals.len(),
            config.n_resamples
        )));
    }
    vals.sort_by(f64::total_cmp);
    let a = (1.0 - config.confidence) / 2.0;
    Ok(ConfidenceInterval {
        estimate,
        lower: percentile_sorted(&vals, a),
        upper: percentile_sorted(&vals, 1.0 - a),
        n_valid: vals.len(),
        n_failed: failed,
    })
}

fn check_config(config: &BootstrapConfig) -> Result<()> {
    if !(config.confidence > 0.0 && config.confidence < 1.0) || config.n_resamples < 2 {
        return Err(StatsError::InvalidParameter(format!(
            "bootstrap needs 0 < confidence < 1 and >= 2 resamples, got {} and {}",
            config.confidence, config.n_resamples
        )));
    }
    Ok(())
}

/// Resample the `n` rows with replacement `n_resamples` times.
pub fn bootstrap_ci<F>(
    n: usize,
    config: BootstrapConfig,
    mut metric: F,
) -> Result<ConfidenceInterval>
where
    F: FnMut(&[usize]) -> Result<f64>,
{
    check_config(&config)?;
    if n == 0 {
        return Err(StatsError::Empty("bootstrap sample"));
    }
    let all: Vec<usize> = (0..n).collect();
    let estimate = metric(&all)?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut vals = Vec::with_capacity(config.n_resamples);
    let mut failed = 0;
    let mut idx = vec![0; n];
    for _ in 0..config.n_resamples {
        for v in idx.iter_mut() {
            *v = rng.random_range(0..n);
        }
        match metric(&idx) {
            Ok(v) if v.is_finite() => vals.push(v),
            _ => failed += 1,
        }
    }
    interval(estimate, vals, failed, &config)
}

/// Cluster bootstrap: resample whole groups (patients) with replacement; the metric receives
/// the rows of the drawn groups.
pub fn bootstrap_ci_grouped<G: Ord, F>(
    groups: &[G],
    config: BootstrapConfig,
    mut metric: F,
) -> Result<ConfidenceInterval>
where
    F: FnMut(&[usize]) -> Result<f64>,
{
    check_config(&config)?;
    let mut m: std::collections::BTreeMap<&G, Vec<usize>> = std::collections::BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        m.entry(g).or_default().push(i);
    }
    let g: Vec<Vec<usize>> = m.into_values().collect();
    if g.is_empty() {
        return Err(StatsError::Empty("bootstrap sample"));
    }
    let all: Vec<usize> = (0..groups.len()).collect();
    let estimate = metric(&all)?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut vals = Vec::with_capacity(config.n_resamples);
    let mut failed = 0;
    let mut idx = Vec::with_capacity(groups.len());
    for _ in 0..config.n_resamples {
        idx.clear();
        for _ in 0..g.len() {
            idx.extend_from_slice(&g[rng.random_range(0..g.len())]);
        }
        match metric(&idx) {
            Ok(v) if v.is_finite() => vals.push(v),
            _ => failed += 1,
        }
    }
    interval(estimate, vals, failed, &config)
}
