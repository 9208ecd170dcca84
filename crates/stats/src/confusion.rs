//! Confusion matrix, accuracy, precision, recall and F1 with scikit-learn semantics
//! (`confusion_matrix`, `accuracy_score`, `precision_recall_fscore_support`; a zero
//! denominator gives 0, as scikit-learn's default `zero_division="warn"` does).

use crate::{Result, check_len, check_nonempty};

/// The sorted union of the labels in `y_true` and `y_pred` (scikit-learn `unique_labels`).
pub fn unique_labels(y_true: &[usize], y_pred: &[usize]) -> Vec<usize> {
    let mut l: Vec<usize> = y_true.iter().chain(y_pred).copied().collect();
    l.sort_unstable();
    l.dedup();
    l
}

/// Confusion matrix `C[i][j]` = number of samples with true label `labels[i]` and predicted
/// label `labels[j]`, over `labels` = the sorted union of both label sets.
pub fn confusion_matrix(y_true: &[usize], y_pred: &[usize]) -> Result<(Vec<usize>, Vec<Vec<u64>>)> {
    check_nonempty("labels", y_true.len())?;
    check_len("predicted labels", y_pred.len(), y_true.len())?;
    let labels = unique_labels(y_true, y_pred);
    let pos = |l: usize| labels.binary_search(&l).unwrap_or(0);
    let mut c = vec![vec![0u64; labels.len()]; labels.len()];
    for (&t, &p) in y_true.iter().zip(y_pred) {
        c[pos(t)][pos(p)] += 1;
    }
    Ok((labels, c))
}

/// Fraction of samples whose predicted label equals the true label.
pub fn accuracy(y_true: &[usize], y_pred: &[usize]) -> Result<f64> {
    check_nonempty("labels", y_true.len())?;
    check_len("predicted labels", y_pred.len(), y_true.len())?;
    let hit = y_true.iter().zip(y_pred).filter(|(a, b)| a == b).count();
    Ok(hit as f64 / y_true.len() as f64)
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn prf_of(tp: u64, fp: u64, fn_: u64) -> Prf {
    // F1 = 2 tp / (2 tp + fp + fn), as scikit-learn computes it.
    Prf {
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn_),
        f1: ratio(2 * tp, 2 * tp + fp + fn_),
    }
}

/// Precision, recall and F1 of the positive class `pos_label`
/// (`precision_recall_fscore_support(..., average="binary", pos_label=pos_label)`).
pub fn precision_recall_f1_binary(
    y_true: &[usize],
    y_pred: &[usize],
    pos_label: usize,
) -> Result<Prf> {
    check_nonempty("labels", y_true.len())?;
    check_len("predicted labels", y_pred.len(), y_true.len())?;
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for (&t, &p) in y_true.iter().zip(y_pred) {
        match (t == pos_label, p == pos_label) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            _ => {}
        }
    }
    Ok(prf_of(tp, fp, fn_))
}

/// Unweighted mean over the labels present in either input of the per-class precision,
/// recall and F1 (`average="macro"`).
pub fn precision_recall_f1_macro(y_true: &[usize], y_pred: &[usize]) -> Result<Prf> {
    check_nonempty("labels", y_true.len())?;
    let labels = unique_labels(y_true, y_pred);
    let mut acc = Prf {
        precision: 0.0,
        recall: 0.0,
        f1: 0.0,
    };
    for &l in &labels {
        let p = precision_recall_f1_binary(y_true, y_pred, l)?;
        acc.precision += p.precision;
        acc.recall += p.recall;
        acc.f1 += p.f1;
    }
    let k = labels.len() as f64;
    Ok(Prf {
        precision: acc.precision / k,
        recall: acc.recall / k,
        f1: acc.f1 / k,
    })
}
