//! Pearson correlation with a two-sided p-value (`scipy.stats.pearsonr(x, y)`).
//!
//! r = Σ (x − x̄)(y − ȳ) / (‖x − x̄‖ ‖y − ȳ‖), clipped to [−1, 1]. Under independence
//! (r + 1)/2 ~ Beta(n/2 − 1, n/2 − 1), so p = 2 I_{(1−|r|)/2}(n/2 − 1, n/2 − 1).

use crate::special::beta_inc;
use crate::{Result, StatsError, check_finite, check_len};

/// Correlation and p-value.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Pearson {
    pub r: f64,
    pub p_value: f64,
}

/// The correlation coefficient alone (no p-value); errors on constant input.
pub fn pearson_r(x: &[f64], y: &[f64]) -> Result<f64> {
    check_len("second sample", y.len(), x.len())?;
    if x.len() < 2 {
        return Err(StatsError::TooFew(format!(
            "{} paired values; Pearson's r needs at least 2",
            x.len()
        )));
    }
    check_finite("first sample", x)?;
    check_finite("second sample", y)?;
    let n = x.len() as f64;
    let xm = x.iter().sum::<f64>() / n;
    let ym = y.iter().sum::<f64>() / n;
    let dx: Vec<f64> = x.iter().map(|v| v - xm).collect();
    let dy: Vec<f64> = y.iter().map(|v| v - ym).collect();
    // Scale by the largest deviation before squaring, as SciPy does, to avoid overflow.
    let xmax = dx.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let ymax = dy.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if xmax == 0.0 {
        return Err(StatsError::Constant("the first sample"));
    }
    if ymax == 0.0 {
        return Err(StatsError::Constant("the second sample"));
    }
    let nx = xmax * dx.iter().map(|v| (v / xmax).powi(2)).sum::<f64>().sqrt();
    let ny = ymax * dy.iter().map(|v| (v / ymax).powi(2)).sum::<f64>().sqrt();
    let r: f64 = dx.iter().zip(&dy).map(|(a, b)| (a / nx) * (b / ny)).sum();
    Ok(r.clamp(-1.0, 1.0))
}

/// Pearson's r with the two-sided p-value.
pub fn pearson(x: &[f64], y: &[f64]) -> Result<Pearson> {
    let r = pearson_r(x, y)?;
    if x.len() == 2 {
        return Ok(Pearson {
            r: r.round(),
            p_value: 1.0,
        });
    }
    let ab = x.len() as f64 / 2.0 - 1.0;
    let p = 2.0 * beta_inc(ab, ab, (1.0 - r.abs()) / 2.0);
    Ok(Pearson {
        r,
        p_value: p.min(1.0),
    })
}
