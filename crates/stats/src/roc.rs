//! ROC curve and ROC AUC with scikit-learn semantics (`sklearn.metrics.roc_curve`,
//! `roc_auc_score`): binary with tied scores, and multiclass one-vs-rest (macro, micro).
//!
//! The curve is built from the distinct score thresholds in decreasing order; tied scores form
//! one threshold, so a tie between a positive and a negative adds a diagonal segment, i.e. counts
//! 1/2 in the area. The AUC is the trapezoidal area under (fpr, tpr), as scikit-learn computes it.

use crate::{Average, Result, StatsError, check_finite, check_len, check_nonempty};

/// Points of a ROC curve (scikit-learn `roc_curve(..., drop_intermediate=True)`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RocCurve {
    pub fpr: Vec<f64>,
    pub tpr: Vec<f64>,
    /// Decreasing thresholds; the first is `+inf` (nothing predicted positive).
    pub thresholds: Vec<f64>,
}

/// Cumulative false and true positive counts at each distinct threshold, scores decreasing
/// (scikit-learn `_binary_clf_curve`). Returns (fps, tps, thresholds).
pub(crate) fn binary_clf_curve(
    y_true: &[bool],
    score: &[f64],
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    check_nonempty("scores", score.len())?;
    check_len("scores", score.len(), y_true.len())?;
    check_finite("scores", score)?;
    let mut idx: Vec<usize> = (0..score.len()).collect();
    // Decreasing score; ties keep no particular order (they are merged below).
    idx.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let (mut fps, mut tps, mut thr) = (Vec::new(), Vec::new(), Vec::new());
    let mut tp = 0.0;
    for (k, &i) in idx.iter().enumerate() {
        if y_true[i] {
            tp += 1.0;
        }
        let last = k + 1 == idx.len();
        if last || score[idx[k + 1]] != score[i] {
            tps.push(tp);
            fps.push((k + 1) as f64 - tp);
            thr.push(score[i]);
        }
    }
    Ok((fps, tps, thr))
}

fn both_classes(metric: &'static str, y_true: &[bool]) -> Result<()> {
    let pos = y_true.iter().filter(|&&y| y).count();
    if pos == 0 || pos == y_true.len() {
        let present = if pos == 0 {
            "only negatives"
        } else {
            "only positives"
        };
        return Err(StatsError::SingleClass {
            metric,
            present: present.to_string(),
        });
    }
    Ok(())
}

/// ROC curve of a binary problem (positive = `true`), scikit-learn `roc_curve` with
/// `drop_intermediate=True`: collinear points are dropped.
pub fn roc_curve(y_true: &[bool], score: &[f64]) -> Result<RocCurve> {
    check_len("labels", y_true.len(), score.len())?;
    both_classes("ROC AUC", y_true)?;
    let (mut fps, mut tps, mut thr) = binary_clf_curve(y_true, score)?;
    if fps.len() > 2 {
        // Keep the end points and every point where the curve bends.
        let m = fps.len();
        let keep: Vec<usize> = (0..m)
            .filter(|&i| {
                i == 0 || i == m - 1 || {
                    let d2f = fps[i + 1] - 2.0 * fps[i] + fps[i - 1];
                    let d2t = tps[i + 1] - 2.0 * tps[i] + tps[i - 1];
                    d2f != 0.0 || d2t != 0.0
                }
            })
            .collect();
        fps = keep.iter().map(|&i| fps[i]).collect();
        tps = keep.iter().map(|&i| tps[i]).collect();
        thr = keep.iter().map(|&i| thr[i]).collect();
    }
    let (fmax, tmax) = (fps[fps.len() - 1], tps[tps.len() - 1]);
    let fpr = std::iter::once(0.0)
        .chain(fps.iter().map(|f| f / fmax))
        .collect();
    let tpr = std::iter::once(0.0)
        .chain(tps.iter().map(|t| t / tmax))
        .collect();
    let thresholds = std::iter::once(f64::INFINITY).chain(thr).collect();
    Ok(RocCurve {
        fpr,
        tpr,
        thresholds,
    })
}

/// Trapezoidal area under a curve given by increasing `x` (`sklearn.metrics.auc`).
pub fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() {
        s += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2.0;
    }
    s
}

/// Binary ROC AUC (`roc_auc_score(y_true, score)`); tied scores count 1/2.
///
/// AUC = ∫ tpr d(fpr) = P(score⁺ > score⁻) + ½ P(score⁺ = score⁻).
pub fn roc_auc(y_true: &[bool], score: &[f64]) -> Result<f64> {
    let c = roc_curve(y_true, score)?;
    Ok(trapezoid(&c.fpr, &c.tpr))
}

/// Validate class labels in `0..n_classes` and an `n x n_classes` probability matrix.
pub(crate) fn check_multiclass(labels: &[usize], probs: &[Vec<f64>]) -> Result<usize> {
    check_nonempty("labels", labels.len())?;
    check_len("probability rows", probs.len(), labels.len())?;
    let k = probs[0].len();
    if k < 2 {
        return Err(StatsError::InvalidParameter(format!(
            "{k} probability columns; at least 2 are needed"
        )));
    }
    for (i, row) in probs.iter().enumerate() {
        check_len("probability row", row.len(), k)?;
        if let Some(_j) = row.iter().position(|v| !v.is_finite()) {
            return Err(StatsError::NonFinite {
                what: "probabilities",
                index: i,
            });
        }
    }
    for (index, &label) in labels.iter().enumerate() {
        if label >= k {
            return Err(StatsError::LabelOutOfRange {
                label,
                index,
                n_classes: k,
            });
        }
    }
    Ok(k)
}

/// One-vs-rest binary problems: for each class, (is this class, its probability column).
pub(crate) fn ovr_columns(
    labels: &[usize],
    probs: &[Vec<f64>],
    k: usize,
) -> Vec<(Vec<bool>, Vec<f64>)> {
    (0..k)
        .map(|c| {
            (
                labels.iter().map(|&l| l == c).collect(),
                probs.iter().map(|r| r[c]).collect(),
            )
        })
        .collect()
}

/// Flattened (micro) binary problem: the one-hot labels and the probabilities, row by row.
pub(crate) fn micro_problem(
    labels: &[usize],
    probs: &[Vec<f64>],
    k: usize,
) -> (Vec<bool>, Vec<f64>) {
    let y = labels
        .iter()
        .flat_map(|&l| (0..k).map(move |c| l == c))
        .collect();
    let s = probs.iter().flat_map(|r| r.iter().copied()).collect();
    (y, s)
}

/// Multiclass ROC AUC, one-vs-rest (`roc_auc_score(y, P, multi_class="ovr", average=...)`).
///
/// `labels[i]` in `0..K`, `probs[i]` the K class probabilities of sample i (rows must sum to 1,
/// as scikit-learn requires). Macro = mean of the K binary AUCs of column k vs `y == k` (every
/// class must occur); micro = binary AUC of the flattened one-hot labels vs probabilities.
pub fn roc_auc_ovr(labels: &[usize], probs: &[Vec<f64>], average: Average) -> Result<f64> {
    let k = check_multiclass(labels, probs)?;
    for (index, row) in probs.iter().enumerate() {
        let sum: f64 = row.iter().sum();
        // numpy.allclose(1, sum): |sum - 1| <= 1e-8 + 1e-5 * |sum|
        if (sum - 1.0).abs() > 1e-8 + 1e-5 * sum.abs() {
            return Err(StatsError::NotProbabilities { index, sum });
        }
    }
    match average {
        Average::Macro => {
            let mut s = 0.0;
            for (c, (y, p)) in ovr_columns(labels, probs, k).into_iter().enumerate() {
                if !y.iter().any(|&b| b) {
                    return Err(StatsError::MissingClass {
                        metric: "one-vs-rest AUC",
                        class: c,
                    });
                }
                s += roc_auc(&y, &p)?;
            }
            Ok(s / k as f64)
        }
        Average::Micro => {
            let (y, s) = micro_problem(labels, probs, k);
            roc_auc(&y, &s)
        }
    }
}
