//! Building blocks shared by the survival models: PyTorch-style initialisation from a seeded
//! `ChaCha8Rng`, dropout whose masks come from the training objective's RNG, the RNA MLP
//! (survival.md §3.2), and the padded bag batch.
//!
//! Dropout is done here rather than with `burn::nn::Dropout` because Burn draws its masks from
//! the process-global RNG, which the engine does not checkpoint: masks drawn from the
//! objective's `ChaCha8Rng` keep a resumed run bit-identical to an uninterrupted one.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::activation::relu;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A `Linear` initialised as PyTorch's `nn.Linear`: weight and bias uniform in
/// `±1/sqrt(d_in)` (Kaiming-uniform with a = sqrt(5)), drawn from `rng`.
pub fn linear(
    rng: &mut ChaCha8Rng,
    d_in: usize,
    d_out: usize,
    bias: bool,
    device: &Device,
) -> Linear {
    let bound = 1.0 / (d_in as f32).sqrt();
    let mut draw = |n: usize| -> Tensor<1> {
        let v: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound)).collect();
        Tensor::<1>::from_floats(v.as_slice(), device)
    };
    let weight = Param::from_tensor(draw(d_in * d_out).reshape([d_in, d_out]));
    let bias = bias.then(|| Param::from_tensor(draw(d_out)));
    Linear { weight, bias }
}

/// Inverted dropout with probability `p`: each element is zeroed with probability p and the
/// others are scaled by 1/(1−p). Identity when `rng` is `None` (evaluation) or p = 0.
pub fn dropout<const D: usize>(
    x: Tensor<D>,
    p: f64,
    rng: &mut Option<&mut ChaCha8Rng>,
) -> Tensor<D> {
    let Some(rng) = rng.as_deref_mut() else {
        return x;
    };
    if p <= 0.0 {
        return x;
    }
    let shape = x.shape();
    let n = shape.num_elements();
    let keep = 1.0 - p;
    let scale = (1.0 / keep) as f32;
    // threshold on 32 random bits: P(u < keep) = keep (to 2^-32)
    let thr = (keep * 4_294_967_296.0).min(u32::MAX as f64) as u32;
    let mask: Vec<f32> = (0..n)
        .map(|_| {
            if rng.random::<u32>() < thr {
                scale
            } else {
                0.0
            }
        })
        .collect();
    let m = Tensor::<D>::from_data(TensorData::new(mask, shape), &x.device());
    x * m
}

/// The RNA branch of every model (both upstream repositories):
/// `h = fc2( dropout( relu( fc1( dropout(r) ) ) ) )`, G → hidden → dim.
#[derive(Module, Debug)]
pub struct RnaMlp {
    pub fc1: Linear,
    pub fc2: Linear,
    pub dropout: f64,
}

impl RnaMlp {
    pub fn new(
        rng: &mut ChaCha8Rng,
        genes: usize,
        hidden: usize,
        dim: usize,
        dropout: f64,
        device: &Device,
    ) -> Self {
        Self {
            fc1: linear(rng, genes, hidden, true, device),
            fc2: linear(rng, hidden, dim, true, device),
            dropout,
        }
    }

    /// `[B, G]` → `[B, dim]`.
    pub fn forward(&self, r: Tensor<2>, rng: &mut Option<&mut ChaCha8Rng>) -> Tensor<2> {
        let x = dropout(r, self.dropout, rng);
        let x = relu(self.fc1.forward(x));
        let x = dropout(x, self.dropout, rng);
        self.fc2.forward(x)
    }
}

/// A batch of slides: patch features padded to the largest bag, a mask, and the patient's RNA.
#[derive(Debug, Clone)]
pub struct BagBatch {
    /// `[B, K, D]` patch features (padding rows are zero).
    pub features: Tensor<3>,
    /// `[B, K]`: 1 for a real patch, 0 for padding.
    pub mask: Tensor<2>,
    /// `[B, G]` transformed RNA.
    pub rna: Tensor<2>,
}

impl BagBatch {
    /// Build from per-slide bags (`features[b]` has `n_b * dim` values) and RNA rows.
    pub fn new(bags: &[(&[f32], usize)], dim: usize, rna: &[&[f32]], device: &Device) -> Self {
        let b = bags.len();
        let k = bags.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        let mut x = vec![0.0f32; b * k * dim];
        let mut m = vec![0.0f32; b * k];
        for (i, (f, n)) in bags.iter().enumerate() {
            x[i * k * dim..i * k * dim + n * dim].copy_from_slice(&f[..n * dim]);
            for j in 0..*n {
                m[i * k + j] = 1.0;
            }
        }
        // models without RNA get one zero column (Burn tensors cannot have a zero-size dim)
        let g = rna.first().map_or(0, |r| r.len());
        let flat: Vec<f32> = if g == 0 {
            vec![0.0; b]
        } else {
            rna.iter().flat_map(|r| r.iter().copied()).collect()
        };
        let g = g.max(1);
        Self {
            // TensorData::new takes the Vec: no copy of the (often 32 MiB) bag batch
            features: Tensor::<3>::from_data(TensorData::new(x, [b, k, dim]), device),
            mask: Tensor::<2>::from_data(TensorData::new(m, [b, k]), device),
            rna: Tensor::<2>::from_data(TensorData::new(flat, [b, g]), device),
        }
    }
}

/// Mean over the real patches: `[B, K, C]` with mask `[B, K]` → `[B, C]`.
pub fn masked_mean(x: Tensor<3>, mask: Tensor<2>) -> Tensor<2> {
    let m = mask.unsqueeze_dim::<3>(2); // [B, K, 1]
    let count = m.clone().sum_dim(1); // [B, 1, 1]
    (x * m).sum_dim(1).div(count).squeeze_dim::<2>(1)
}

/// Large negative logit for padded patches (softmax weight exactly 0 in f32).
pub const MASKED_LOGIT: f32 = -1e9;

/// Set the logits of padded patches (`mask == 0`) to [`MASKED_LOGIT`].
pub fn mask_logits<const D: usize>(logits: Tensor<D>, mask: Tensor<D>) -> Tensor<D> {
    logits.mask_fill(mask.lower_elem(0.5), MASKED_LOGIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn dropout_keeps_the_expected_fraction_and_scales() {
        let d = Device::flex();
        let x = Tensor::<2>::ones([100, 100], &d);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let y: Vec<f32> = dropout(x.clone(), 0.8, &mut Some(&mut rng))
            .try_into_vec_as::<f32>()
            .unwrap();
        let kept = y.iter().filter(|&&v| v != 0.0).count();
        assert!(
            (1700..2300).contains(&kept),
            "{kept} of 10000 kept at p = 0.8"
        );
        assert!(y.iter().all(|&v| v == 0.0 || (v - 5.0).abs() < 1e-5));
        // evaluation: identity
        let z: Vec<f32> = dropout(x, 0.8, &mut None).try_into_vec_as::<f32>().unwrap();
        assert!(z.iter().all(|&v| v == 1.0));
    }

    #[test]
    fn masked_mean_ignores_padding() {
        let d = Device::flex();
        let a = [1.0f32, 2.0, 3.0, 4.0]; // 2 patches of dim 2
        let b = [10.0f32, 20.0]; // 1 patch
        let batch = BagBatch::new(&[(&a, 2), (&b, 1)], 2, &[&[0.0], &[1.0]], &d);
        assert_eq!(batch.features.dims(), [2, 2, 2]);
        let m: Vec<f32> = masked_mean(batch.features, batch.mask)
            .try_into_vec_as::<f32>()
            .unwrap();
        assert_eq!(m, vec![2.0, 3.0, 10.0, 20.0]);
    }
}
