//! Cohen's kappa, unweighted and linear/quadratic weighted (`cohen_kappa_score`).
//!
//! κ = 1 − Σ w_ij O_ij / Σ w_ij E_ij, with O the confusion matrix over the sorted union of the
//! labels, E = outer(column sums, row sums) / N, and w_ij = 1[i≠j] (unweighted), |i−j| (linear)
//! or (i−j)² (quadratic), i and j being positions in the label list, as in scikit-learn.

use crate::Result;
use crate::confusion::confusion_matrix;

/// Weighting of disagreements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KappaWeights {
    Unweighted,
    Linear,
    Quadratic,
}

/// Cohen's kappa between true and predicted labels. With a single label present in both,
/// the expected disagreement is zero and the result is NaN, as in scikit-learn.
pub fn cohen_kappa(y_true: &[usize], y_pred: &[usize], weights: KappaWeights) -> Result<f64> {
    let (_labels, c) = confusion_matrix(y_true, y_pred)?;
    let k = c.len();
    let rows: Vec<f64> = c.iter().map(|r| r.iter().sum::<u64>() as f64).collect();
    let cols: Vec<f64> = (0..k)
        .map(|j| c.iter().map(|r| r[j]).sum::<u64>() as f64)
        .collect();
    let n: f64 = cols.iter().sum();
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let d = (i as f64 - j as f64).abs();
            let w = match weights {
                KappaWeights::Unweighted => (i != j) as u8 as f64,
                KappaWeights::Linear => d,
                KappaWeights::Quadratic => d * d,
            };
            num += w * c[i][j] as f64;
            // numpy: expected = outer(sum0, sum1) / N, sum0 = column sums, sum1 = row sums.
            den += w * (cols[i] * rows[j] / n);
        }
    }
    Ok(1.0 - num / den)
}
