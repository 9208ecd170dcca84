//! Multi-view Cross-modal Alignment (MCA; Pan et al., BIBM 2024, Eq. 5): a supervised
//! contrastive loss per biomarker on the projected features of all three views of a batch.
//!
//! ```text
//! phi(a, b)  = exp( cos(a, b) / tau )
//! L^n        = -(1/M) sum_i (1/|P_i|) sum_{j in P_i} log( phi(h_i, h_j) / sum_{k != i} phi(h_i, h_k) )
//! P_i        = { j != i : y_j^n = y_i^n }
//! L_MCA      = sum_n L^n
//! ```
//!
//! over the M rows (views) whose label is known. Project decisions (fof.md section 7): the sum
//! over positives is divided by its count (standard SupCon, as upstream
//! peterlipan/FoF:utils/losses.py; Eq. 5 as printed leaves it out); an anchor without a positive
//! adds 0 but still counts in M (Eq. 5's 1/B, upstream's mean over rows); the biomarker terms
//! are summed (upstream averages them). Labels are discrete states (IDH 0/1, 1p/19q 0/1, CNV
//! -2..2); the global and positive views carry the sample's state, the negative view the normal
//! state 0 ([`mca_view_labels`]); a sample whose state is unknown is left out of that
//! biomarker's term with all three of its views, and stays in the others.

use burn::prelude::*;

/// Labels of the rows `[global views; positive views; negative views]` (3B) for the per-sample
/// states `sample` (B): the sample's state twice, then the normal state 0; `None` (unknown)
/// in all three places for a sample whose state is unknown.
pub fn mca_view_labels(sample: &[Option<i64>]) -> Vec<Option<i64>> {
    let mut out = Vec::with_capacity(3 * sample.len());
    out.extend_from_slice(sample);
    out.extend_from_slice(sample);
    out.extend(sample.iter().map(|s| s.map(|_| 0)));
    out
}

/// Rows `[M, d]` divided by their L2 norm (clamped at 1e-12).
pub fn l2_normalize(x: Tensor<2>) -> Tensor<2> {
    let n = x.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12);
    x / n
}

/// Eq. 5 for one biomarker: `features` `[R, d]` (normalised here; cosine similarity), `labels`
/// per row (`None`: left out). Returns `[1]`; 0 when fewer than two rows are labelled or no
/// row has a positive.
pub fn supcon_loss(features: Tensor<2>, labels: &[Option<i64>], tau: f64) -> Tensor<1> {
    let device = features.device();
    let [r, _] = features.dims();
    assert_eq!(r, labels.len(), "one label per feature row");
    let keep: Vec<usize> = (0..r).filter(|&i| labels[i].is_some()).collect();
    let m = keep.len();
    let lab: Vec<i64> = keep.iter().filter_map(|&i| labels[i]).collect();
    // positives, excluding the anchor itself; rows with none add 0
    let mut pos = vec![0f32; m * m];
    let mut any = false;
    for i in 0..m {
        let cnt = (0..m).filter(|&j| j != i && lab[j] == lab[i]).count();
        for j in 0..m {
            if j != i && lab[j] == lab[i] {
                pos[i * m + j] = 1.0 / cnt as f32;
                any = true;
            }
        }
    }
    if m < 2 || !any {
        // keep the result attached to the graph of `features` (a zero gradient)
        return features.sum().mul_scalar(0.0);
    }
    let z = if m == r {
        features
    } else {
        let idx: Vec<i64> = keep.iter().map(|&i| i as i64).collect();
        features.select(0, Tensor::<1, Int>::from_ints(idx.as_slice(), &device))
    };
    let z = l2_normalize(z);
    let sim = z.clone().matmul(z.transpose()) / tau; // [m, m]
    // leave the anchor out of its own denominator
    let eye: Vec<f32> = (0..m * m)
        .map(|k| if k / m == k % m { -1e9 } else { 0.0 })
        .collect();
    let eye = Tensor::<1>::from_floats(eye.as_slice(), &device).reshape([m, m]);
    let masked = sim.clone() + eye;
    let max = masked.clone().max_dim(1).detach();
    let lse = (masked - max.clone()).exp().sum_dim(1).log() + max; // [m, 1]
    let log_prob = sim - lse;
    let w = Tensor::<1>::from_floats(pos.as_slice(), &device).reshape([m, m]);
    (log_prob * w).sum().neg().div_scalar(m as f64)
}
