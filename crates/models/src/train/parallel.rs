//! Data-parallel training step on the CPU: a batch split into micro-batches that run forward and
//! backward at the same time on rayon's threads, their gradients summed.
//!
//! ```text
//! L(batch) = Σ_i (n_i / n) L(part_i)        (L a mean of per-item losses)
//! ∇L       = Σ_i (n_i / n) ∇L(part_i)
//! ```
//!
//! Why: Burn 0.22's Flex backend runs matrix products on rayon's pool but every element-wise
//! operation (adds, scalings, softmax, copies, LayerNorm's reductions) on the calling thread. In
//! the ViT-Tiny step those are about a third of the CPU time, so with two threads the step ran at
//! ~1.25x its one-thread speed (docs/benchmarks.md, issue 6). Running two micro-batches at once
//! puts each one's element-wise work on its own thread, as PyTorch's intra-op threads would.
//!
//! How: each part runs on `model.fork(device)` — the same parameter values and ids under new
//! autodiff leaves — so the parts build separate autodiff graphs (Burn locks one mutex per graph;
//! graphs that share leaf nodes are merged and their backward passes would serialise). Each part's
//! gradients are taken by parameter id and summed in part order, so the result does not depend on
//! the thread count: the same bytes with 1 or N threads for a given number of parts. It equals
//! the one-pass step up to float rounding (the order of the sums over the batch changes).
//!
//! Only for objectives whose loss is a mean of per-item losses (cross-entropy, FoF without MCA):
//! not for losses that couple the items of a batch (contrastive MCA, Cox partial likelihood),
//! nor for models with batch statistics (BatchNorm) or global-RNG dropout.

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::prelude::*;
use rayon::prelude::*;

use crate::train::TrainError;

/// Splits `items` into `parts` contiguous micro-batches whose sizes differ by at most one (fewer
/// when there are fewer items than parts; none for no items).
pub fn split_items<T>(items: Vec<T>, parts: usize) -> Vec<Vec<T>> {
    let n = items.len();
    let parts = parts.clamp(1, n.max(1));
    let mut out = Vec::with_capacity(parts);
    let mut it = items.into_iter();
    for p in 0..parts {
        let len = n / parts + usize::from(p < n % parts);
        if len > 0 {
            out.push(it.by_ref().take(len).collect());
        }
    }
    out
}

/// The mean loss of a batch given as micro-batches `parts` (`part_loss(model, part)` must return
/// the mean loss over the part's items), and its gradients with respect to `model`'s parameters,
/// with the parts run in parallel on forked copies of the model (see the module documentation).
/// Returns the loss value and the gradients, ready for `optimizer.step`.
pub fn data_parallel_grads<M, T, F>(
    model: &M,
    parts: Vec<Vec<T>>,
    device: &Device,
    part_loss: F,
) -> Result<(f32, GradientsParams), TrainError>
where
    M: Module,
    T: Send,
    F: Fn(&M, Vec<T>) -> Result<Tensor<1>, TrainError> + Sync,
{
    let n: usize = parts.iter().map(Vec::len).sum();
    if n == 0 {
        return Err(TrainError::Data("empty batch".into()));
    }
    let jobs: Vec<(M, Vec<T>)> = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| (model.clone().fork(device), p))
        .collect();
    let results = jobs
        .into_par_iter()
        .map(|(m, part)| -> Result<(f32, GradientsParams), TrainError> {
            let w = part.len() as f32 / n as f32;
            let loss = part_loss(&m, part)?.mul_scalar(w);
            let grads = GradientsParams::from_grads(loss.backward(), &m);
            Ok((loss.into_scalar(), grads))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut acc = GradientsAccumulator::new();
    let mut total = 0.0f32;
    for (l, g) in results {
        total += l;
        acc.accumulate(model, g);
    }
    Ok((total, acc.grads()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::{Linear, LinearConfig};
    use burn::tensor::TensorData;

    #[test]
    fn split_sizes() {
        let sizes = |n: usize, p: usize| -> Vec<usize> {
            split_items((0..n).collect::<Vec<_>>(), p)
                .iter()
                .map(Vec::len)
                .collect()
        };
        assert_eq!(sizes(4, 2), vec![2, 2]);
        assert_eq!(sizes(5, 2), vec![3, 2]);
        assert_eq!(sizes(7, 3), vec![3, 2, 2]);
        assert_eq!(sizes(1, 2), vec![1]);
        assert_eq!(sizes(3, 1), vec![3]);
        assert_eq!(sizes(0, 2), Vec::<usize>::new());
        // order is kept
        assert_eq!(
            split_items(vec![1, 2, 3, 4, 5], 2),
            vec![vec![1, 2, 3], vec![4, 5]]
        );
    }

    /// The split step gives the one-pass loss and gradients (to float rounding), with any part
    /// count including uneven parts, and the same bytes whatever the thread count.
    #[test]
    fn parts_sum_to_the_whole_batch() {
        let device = crate::parse_device("cpu").map(|d| d.autodiff());
        let device = match device {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        device.seed(3);
        let model: Linear = LinearConfig::new(6, 3).init(&device);
        let rows: Vec<Vec<f32>> = (0..5)
            .map(|i| {
                (0..6)
                    .map(|j| ((i * 7 + j * 3) % 11) as f32 / 5.0 - 1.0)
                    .collect()
            })
            .collect();
        let mean_sq = |m: &Linear, rows: Vec<Vec<f32>>| -> Result<Tensor<1>, TrainError> {
            let b = rows.len();
            let flat: Vec<f32> = rows.into_iter().flatten().collect();
            let x = Tensor::<2>::from_data(TensorData::new(flat, [b, 6]), &device);
            let y = m.forward(x);
            Ok(y.clone().mul(y).sum_dim(1).mean().reshape([1]))
        };
        let whole = match mean_sq(&model, rows.clone()) {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        };
        let whole_l: f32 = whole.clone().into_scalar();
        let g_whole = GradientsParams::from_grads(whole.backward(), &model);
        let w_whole: Vec<f32> = g_whole
            .get::<2>(model.weight.id)
            .map(|t| t.try_into_vec_as::<f32>().unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(w_whole.len(), 18);
        for parts in [1, 2, 3, 5] {
            let (l, g) = match data_parallel_grads(
                &model,
                split_items(rows.clone(), parts),
                &device,
                mean_sq,
            ) {
                Ok(r) => r,
                Err(e) => panic!("{e}"),
            };
            assert!(
                (l - whole_l).abs() < 1e-5 * whole_l.abs().max(1.0),
                "{parts}: {l} vs {whole_l}"
            );
            let w: Vec<f32> = g
                .get::<2>(model.weight.id)
                .map(|t| t.try_into_vec_as::<f32>().unwrap_or_default())
                .unwrap_or_default();
            assert_eq!(w.len(), 18);
            for (a, b) in w.iter().zip(&w_whole) {
                assert!(
                    (a - b).abs() < 1e-5 * b.abs().max(1.0),
                    "{parts}: {a} vs {b}"
                );
            }
            if let Some(b) = &model.bias {
                assert!(g.get::<1>(b.id).is_some(), "{parts}: bias gradient missing");
            }
        }
        // the same bytes on one thread as on the default pool
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build();
        let one = match one {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        let run = || -> Vec<f32> {
            let (_, g) =
                match data_parallel_grads(&model, split_items(rows.clone(), 2), &device, mean_sq) {
                    Ok(r) => r,
                    Err(e) => panic!("{e}"),
                };
            g.get::<2>(model.weight.id)
                .map(|t| t.try_into_vec_as::<f32>().unwrap_or_default())
                .unwrap_or_default()
        };
        let a = one.install(run);
        let b = run();
        assert_eq!(a, b);
    }
}
