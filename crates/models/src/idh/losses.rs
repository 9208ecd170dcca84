//! The losses of Model 4, invariant/specific-constraint fusion (idh.md §8.2-8.4 and the
//! project's Decisions), one function per loss. All take Burn tensors and return a scalar
//! tensor `[1]`, so they are differentiable.
//!
//! * [`task_loss`]: cross-entropy of the 2-class logits (mean over the batch).
//! * [`sim_loss`] (Eq. 3): KL(p(h_s) || p(h_t)) of the softmax-normalised shared codes, mean
//!   over the batch, averaged over stream pairs s < t.
//! * [`diff_loss`] (Eq. 4 as the paper's text intends, MISA's orthogonality loss,
//!   `declare-lab/MISA:src/utils/functions.py` `DiffLoss`): for codes A, B `[n, d]`, centre each
//!   over the batch, divide every row by its L2 norm (norm detached) + 1e-6, and take
//!   `mean((A^T B)^2)` over the d x d entries; summed over (shared_s, specific_s) for every
//!   stream and (specific_s, specific_t) for every stream pair.
//! * [`recon_loss`] (Eq. 5): MSE between the reconstruction and the projected input (target not
//!   detached, as MISA), averaged over streams.
//! * [`total_loss`] (Eq. 6): `L_task + alpha L_sim + beta L_diff + gamma L_recon`.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

/// Cross-entropy of `logits` `[n, 2]` against `labels` `[n]` (0/1), mean over the batch.
pub fn task_loss(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let n = labels.dims()[0];
    let logp = log_softmax(logits, 1);
    let picked = logp.gather(1, labels.reshape([n, 1]));
    picked.mean().neg()
}

/// KL(p(a) || p(b)) with p = softmax over the code components, mean over the batch.
pub fn kl_softmax(a: Tensor<2>, b: Tensor<2>) -> Tensor<1> {
    let la = log_softmax(a, 1);
    let lb = log_softmax(b, 1);
    let pa = la.clone().exp();
    (pa * (la - lb)).sum_dim(1).mean()
}

/// L_sim: [`kl_softmax`] averaged over stream pairs s < t (zero with fewer than two streams).
pub fn sim_loss(shared: &[Tensor<2>]) -> Tensor<1> {
    let mut total: Option<Tensor<1>> = None;
    let mut pairs = 0usize;
    for s in 0..shared.len() {
        for t in s + 1..shared.len() {
            let kl = kl_softmax(shared[s].clone(), shared[t].clone());
            total = Some(match total {
                Some(acc) => acc + kl,
                None => kl,
            });
            pairs += 1;
        }
    }
    match total {
        Some(t) => t.div_scalar(pairs as f64),
        None => zero_like(shared.first()),
    }
}

/// How [`diff_loss`] scales MISA's `D` (`[fusion] diff_scale` in idh.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffScale {
    /// `mean((Â^T B̂ / n)^2)`: the cross-products averaged over the batch, so every entry is in
    /// [-1, 1] and the loss in [0, 1] whatever the batch size n and code width d.
    #[default]
    Batch,
    /// MISA as coded (`mean((Â^T B̂)^2)`, a sum over the batch): grows with n^2 / d^2 for unit
    /// rows, which is negligible at MISA's d = 128 but swamps L_task at the paper's d = 2.
    Misa,
}

/// MISA's `D(A, B)`: centre over the batch, rows divided by their (detached) L2 norm + 1e-6,
/// `mean((Â^T B̂)^2)`.
pub fn orthogonality(a: Tensor<2>, b: Tensor<2>) -> Tensor<1> {
    orthogonality_scaled(a, b, DiffScale::Misa)
}

/// [`orthogonality`] with the cross-product matrix `Â^T B̂` divided by the batch size n when
/// `scale` is [`DiffScale::Batch`] (the loss is then `D / n^2`).
pub fn orthogonality_scaled(a: Tensor<2>, b: Tensor<2>, scale: DiffScale) -> Tensor<1> {
    let n = a.dims()[0].max(1);
    let unit = |x: Tensor<2>| {
        let x = x.clone() - x.mean_dim(0);
        let norm = x.clone().powi_scalar(2).sum_dim(1).sqrt().detach();
        x / (norm + 1e-6)
    };
    let a = unit(a);
    let b = unit(b);
    let m = a.transpose().matmul(b);
    let m = match scale {
        DiffScale::Misa => m,
        DiffScale::Batch => m.div_scalar(n as f64),
    };
    m.powi_scalar(2).mean()
}

/// L_diff: sum of [`orthogonality_scaled`] over (shared_s, specific_s) for each stream and over
/// (specific_s, specific_t) for each stream pair s < t.
pub fn diff_loss(shared: &[Tensor<2>], specific: &[Tensor<2>], scale: DiffScale) -> Tensor<1> {
    let mut terms = Vec::new();
    for (h, p) in shared.iter().zip(specific) {
        terms.push(orthogonality_scaled(h.clone(), p.clone(), scale));
    }
    for s in 0..specific.len() {
        for t in s + 1..specific.len() {
            terms.push(orthogonality_scaled(
                specific[s].clone(),
                specific[t].clone(),
                scale,
            ));
        }
    }
    sum_or_zero(terms, shared.first())
}

/// L_recon: mean over streams of the MSE (mean over all entries) between `recon[s]` and
/// `target[s]`.
pub fn recon_loss(recon: &[Tensor<2>], target: &[Tensor<2>]) -> Tensor<1> {
    let terms: Vec<Tensor<1>> = recon
        .iter()
        .zip(target)
        .map(|(r, u)| (r.clone() - u.clone()).powi_scalar(2).mean())
        .collect();
    let k = terms.len().max(1);
    sum_or_zero(terms, recon.first()).div_scalar(k as f64)
}

/// The four terms and their weighted sum.
#[derive(Debug, Clone)]
pub struct LossTerms {
    pub task: Tensor<1>,
    pub sim: Tensor<1>,
    pub diff: Tensor<1>,
    pub recon: Tensor<1>,
    pub total: Tensor<1>,
}

/// Eq. 6: `L_task + alpha L_sim + beta L_diff + gamma L_recon`.
pub fn total_loss(
    task: Tensor<1>,
    sim: Tensor<1>,
    diff: Tensor<1>,
    recon: Tensor<1>,
    alpha: f64,
    beta: f64,
    gamma: f64,
) -> LossTerms {
    let total = task.clone()
        + sim.clone().mul_scalar(alpha)
        + diff.clone().mul_scalar(beta)
        + recon.clone().mul_scalar(gamma);
    LossTerms {
        task,
        sim,
        diff,
        recon,
        total,
    }
}

fn zero_like(t: Option<&Tensor<2>>) -> Tensor<1> {
    let device = t.map(|t| t.device()).unwrap_or_else(Device::flex);
    Tensor::zeros([1], &device)
}

fn sum_or_zero(terms: Vec<Tensor<1>>, like: Option<&Tensor<2>>) -> Tensor<1> {
    let mut it = terms.into_iter();
    match it.next() {
        Some(first) => it.fold(first, |acc, t| acc + t),
        None => zero_like(like),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t2(rows: &[&[f32]]) -> Tensor<2> {
        let d = rows[0].len();
        let v: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Tensor::from_data(TensorData::new(v, [rows.len(), d]), &Device::flex())
    }

    fn val(t: Tensor<1>) -> f64 {
        f64::from(t.into_scalar::<f32>())
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }

    #[test]
    fn task_loss_by_hand() {
        let labels = |v: Vec<i64>| {
            let n = v.len();
            Tensor::<1, Int>::from_data(TensorData::new(v, [n]), &Device::flex())
        };
        close(
            val(task_loss(t2(&[&[0.0, 0.0]]), labels(vec![0]))),
            2f64.ln(),
        );
        // [1, 2] with label 1: ln(1 + e^-1); [3, 0] with label 0: ln(1 + e^-3)
        let want = ((1.0 + (-1f64).exp()).ln() + (1.0 + (-3f64).exp()).ln()) / 2.0;
        close(
            val(task_loss(
                t2(&[&[1.0, 2.0], &[3.0, 0.0]]),
                labels(vec![1, 0]),
            )),
            want,
        );
    }

    #[test]
    fn sim_loss_by_hand() {
        // p(a) = (1/2, 1/2), p(b) = (3/4, 1/4): KL = 1/2 ln(2/3) + 1/2 ln 2 = 1/2 ln(4/3)
        let a = t2(&[&[0.0, 0.0]]);
        let b = t2(&[&[3f32.ln(), 0.0]]);
        close(
            val(kl_softmax(a.clone(), b.clone())),
            0.5 * (4f64 / 3.0).ln(),
        );
        // reverse direction: 3/4 ln(3/2) + 1/4 ln(1/2)
        close(
            val(kl_softmax(b.clone(), a.clone())),
            0.75 * 1.5f64.ln() + 0.25 * 0.5f64.ln(),
        );
        // three streams: mean over the pairs (a,b), (a,a'), (b,a')
        let three = val(sim_loss(&[a.clone(), b.clone(), a.clone()]));
        let want =
            (0.5 * (4f64 / 3.0).ln() + 0.0 + (0.75 * 1.5f64.ln() + 0.25 * 0.5f64.ln())) / 3.0;
        close(three, want);
        // identical codes and a single stream: exactly zero
        assert_eq!(val(sim_loss(&[b.clone(), b.clone()])), 0.0);
        assert_eq!(val(sim_loss(&[b])), 0.0);
    }

    #[test]
    fn orthogonality_by_hand() {
        let eps = 1.0 / (1.0 + 1e-6f64).powi(4);
        let a = t2(&[&[1.0, 0.0], &[-1.0, 0.0]]);
        let b = t2(&[&[0.0, 1.0], &[0.0, -1.0]]);
        // Â^T B̂ = [[0, 2], [0, 0]] -> mean of squares = 4 / 4
        close(val(orthogonality(a.clone(), b.clone())), eps);
        close(val(orthogonality(a.clone(), a.clone())), eps);
        // centring: a code constant over the batch carries nothing
        let c = t2(&[&[0.3, 1.0], &[0.3, 1.0]]);
        assert_eq!(val(orthogonality(a.clone(), c)), 0.0);
        // zero vectors: no NaN, zero
        let z = t2(&[&[0.0, 0.0], &[0.0, 0.0]]);
        assert_eq!(val(orthogonality(z.clone(), z.clone())), 0.0);
        // the rows are unit-normalised: scaling does not matter (up to the 1e-6)
        let a3 = t2(&[&[3.0, 0.0], &[-3.0, 0.0]]);
        let want = 2.0 * 3.0 / (3.0 + 1e-6) * 1.0 / (1.0 + 1e-6);
        close(val(orthogonality(a3, b.clone())), want * want / 4.0);
        // L_diff over two streams: (a, b) + (a, b) + (b, b)
        let total = val(diff_loss(
            &[a.clone(), a.clone()],
            &[b.clone(), b.clone()],
            DiffScale::Misa,
        ));
        close(total, 3.0 * eps);
        // batch scaling: Â^T B̂ / n = [[0, 1], [0, 0]] -> 1 / 4 per pair, D_misa / n^2
        close(
            val(orthogonality_scaled(a.clone(), b.clone(), DiffScale::Batch)),
            eps / 4.0,
        );
        let total = val(diff_loss(
            &[a.clone(), a.clone()],
            &[b.clone(), b.clone()],
            DiffScale::Batch,
        ));
        close(total, 3.0 * eps / 4.0);
    }

    #[test]
    fn recon_and_total_by_hand() {
        let r = t2(&[&[1.0, 2.0]]);
        let u = t2(&[&[0.0, 0.0]]);
        // stream 1: mean(1, 4) = 2.5; stream 2: 0; averaged: 1.25
        close(
            val(recon_loss(&[r.clone(), u.clone()], &[u.clone(), u.clone()])),
            1.25,
        );
        let s = |v: f32| Tensor::<1>::from_data(TensorData::new(vec![v], [1]), &Device::flex());
        let t = total_loss(s(1.0), s(2.0), s(3.0), s(4.0), 0.7, 0.7, 0.7);
        close(val(t.total), 1.0 + 0.7 * 9.0);
        let t = total_loss(s(1.0), s(2.0), s(3.0), s(4.0), 0.1, 0.2, 0.3);
        close(val(t.total), 1.0 + 0.2 + 0.6 + 1.2);
    }
}
