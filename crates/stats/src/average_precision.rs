//! Precision-recall curve and average precision with scikit-learn semantics
//! (`precision_recall_curve`, `average_precision_score`): the step-wise, non-interpolated
//! AP = Σ_k (R_k − R_{k−1}) P_k over the distinct thresholds in decreasing order.

use crate::roc::{binary_clf_curve, check_multiclass, micro_problem, ovr_columns};
use crate::{Average, Result, StatsError};

/// Points of a precision-recall curve, as scikit-learn returns them: recall decreasing to 0,
/// with a final point (precision 1, recall 0) that has no threshold.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PrCurve {
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    /// Increasing thresholds, one fewer than the points.
    pub thresholds: Vec<f64>,
}

/// Precision-recall curve of a binary problem (positive = `true`).
pub fn precision_recall_curve(y_true: &[bool], score: &[f64]) -> Result<PrCurve> {
    let (fps, tps, thr) = binary_clf_curve(y_true, score)?;
    let total_pos = tps[tps.len() - 1];
    if total_pos == 0.0 {
        return Err(StatsError::SingleClass {
            metric: "average precision",
            present: "only negatives".to_string(),
        });
    }
    let mut precision: Vec<f64> = fps
        .iter()
        .zip(&tps)
        .map(|(f, t)| if t + f != 0.0 { t / (t + f) } else { 0.0 })
        .collect();
    let mut recall: Vec<f64> = tps.iter().map(|t| t / total_pos).collect();
    precision.reverse();
    recall.reverse();
    precision.push(1.0);
    recall.push(0.0);
    let thresholds = thr.into_iter().rev().collect();
    Ok(PrCurve {
        precision,
        recall,
        thresholds,
    })
}

/// Binary average precision (`average_precision_score(y_true, score)`).
pub fn average_precision(y_true: &[bool], score: &[f64]) -> Result<f64> {
    let c = precision_recall_curve(y_true, score)?;
    // -Σ diff(recall) * precision[:-1]  (recall runs from 1 down to 0)
    let mut s = 0.0;
    for i in 0..c.recall.len() - 1 {
        s += (c.recall[i + 1] - c.recall[i]) * c.precision[i];
    }
    Ok(-s)
}

/// Multiclass average precision (`average_precision_score(y, P, average=...)` with the labels
/// binarised one-vs-rest). Macro = mean of the per-class APs (every class must occur);
/// micro = AP of the flattened one-hot labels vs probabilities.
pub fn average_precision_multiclass(
    labels: &[usize],
    probs: &[Vec<f64>],
    average: Average,
) -> Result<f64> {
    let k = check_multiclass(labels, probs)?;
    match average {
        Average::Macro => {
            let mut s = 0.0;
            for (c, (y, p)) in ovr_columns(labels, probs, k).into_iter().enumerate() {
                if !y.iter().any(|&b| b) {
                    return Err(StatsError::MissingClass {
                        metric: "average precision",
                        class: c,
                    });
                }
                s += average_precision(&y, &p)?;
            }
            Ok(s / k as f64)
        }
        Average::Micro => {
            let (y, s) = micro_problem(labels, probs, k);
            average_precision(&y, &s)
        }
    }
}
