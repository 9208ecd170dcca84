//! The FoF model: the grading ViT with a K+1-way head (K grades + background), a learnable mask
//! token, the FRL projector and one MCA projection head per biomarker. Only the ViT is used at
//! inference (softmax over the K grade logits), so a FoF model grades an image at the cost of
//! the baseline.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::relu;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::ModelError;
use crate::vit::{Vit, VitConfig};

/// `Linear(D, D, no bias) -> ReLU -> Linear(D, d, no bias)`: the FRL projector (192 -> 192 -> 64
/// for ViT-Tiny, fof.md section 7) and the MCA heads (L2-normalised by the loss).
#[derive(Module, Debug)]
pub struct Projector {
    pub fc1: Linear,
    pub fc2: Linear,
}

impl Projector {
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.fc2.forward(relu(self.fc1.forward(x)))
    }
}

/// How [`FofModel::forward_views`] runs the three views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViewBatching {
    /// One batch of 3B while it holds at most [`AUTO_JOINT_TOKENS`] tokens, otherwise one view
    /// after the other.
    #[default]
    Auto,
    /// Always one batch of 3B.
    Joint,
    /// Always one view (batch B) after the other.
    Separate,
}

/// Token count (3 B N) up to which [`ViewBatching::Auto`] runs the views as one batch. Measured
/// with `benches/fof_step.rs` on Burn's Flex CPU backend (docs/benchmarks.md): at 224 px
/// (B N = 4 x 196) a baseline step on 12 images costs 6.8x one on 4 (superlinear), so three
/// batches of 4 are faster there; at 96 px (4 x 36) one batch of 12 is the faster.
pub const AUTO_JOINT_TOKENS: usize = 1024;

/// See the module documentation.
#[derive(Module, Debug)]
pub struct FofModel {
    /// The encoder g and classifier f; its head has K + 1 outputs (background last).
    pub vit: Vit,
    /// Replaces masked tokens after the patch embedding, before the position table: `[1, 1, D]`,
    /// initialised to zeros (upstream).
    pub mask_token: Param<Tensor<3>>,
    pub projector: Projector,
    /// One head per configured biomarker, in config order.
    pub mca_heads: Vec<Projector>,
}

/// Build a FoF model: `vit` must have K + 1 outputs. The heads' weights are drawn from a
/// `ChaCha8Rng` seeded with `seed` (PyTorch's `Linear` default, uniform in +-1/sqrt(fan_in)).
pub fn init_fof(
    vit_config: &VitConfig,
    projection_dim: usize,
    biomarkers: usize,
    device: &Device,
    seed: u64,
) -> Result<FofModel, ModelError> {
    let vit = vit_config.init(device, seed)?;
    Ok(wrap_vit(vit, projection_dim, biomarkers, device, seed))
}

/// Add FoF's mask token and heads to an existing ViT (e.g. one with imported weights).
pub fn wrap_vit(
    vit: Vit,
    projection_dim: usize,
    biomarkers: usize,
    device: &Device,
    seed: u64,
) -> FofModel {
    let d = vit.dim();
    // a stream apart from the ViT's own initialisation
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x464f_465f_6865_6164);
    let mut linear = |i: usize, o: usize| {
        let bound = 1.0 / (i as f32).sqrt();
        let w: Vec<f32> = (0..i * o)
            .map(|_| rng.random_range(-bound..bound))
            .collect();
        Linear {
            weight: Param::from_tensor(
                Tensor::<1>::from_floats(w.as_slice(), device).reshape([i, o]),
            ),
            bias: None,
        }
    };
    let projector = Projector {
        fc1: linear(d, d),
        fc2: linear(d, projection_dim),
    };
    let mca_heads = (0..biomarkers)
        .map(|_| Projector {
            fc1: linear(d, d),
            fc2: linear(d, projection_dim),
        })
        .collect();
    FofModel {
        vit,
        mask_token: Param::from_tensor(Tensor::<3>::zeros([1, 1, d], device)),
        projector,
        mca_heads,
    }
}

impl FofModel {
    /// Logits `[V B, K + 1]` and pooled features `[V B, D]` of the views of `images` `[B, C, H, W]`:
    /// with `mask` `[B, N]` (1 = high contribution) the rows are `[global; positive; negative]`
    /// (V = 3; positive: tokens with M = 0 replaced by the mask token, negative: tokens with
    /// M = 1); without it the global view alone (V = 1). The views are run as one batch of
    /// V B or one after the other as `batching` says ([`ViewBatching::Auto`]: see there); the
    /// result is the same.
    pub fn forward_views(
        &self,
        images: Tensor<4>,
        mask: Option<Tensor<2>>,
        batching: ViewBatching,
    ) -> (Tensor<2>, Tensor<2>) {
        let e = self.vit.patch_embed(images); // [B, N, D]
        let views = match mask {
            None => vec![e],
            Some(m) => {
                let m = m.unsqueeze_dim::<3>(2); // [B, N, 1]
                let keep_low = m.clone().neg().add_scalar(1.0);
                let t = self.mask_token.val(); // [1, 1, D]
                let pos = e.clone() * m.clone() + t.clone() * keep_low.clone();
                let neg = e.clone() * keep_low + t * m;
                vec![e, pos, neg]
            }
        };
        let [b, n, _] = views[0].dims();
        let joint = match batching {
            ViewBatching::Joint => true,
            ViewBatching::Separate => false,
            ViewBatching::Auto => b * n * views.len() <= AUTO_JOINT_TOKENS,
        };
        if joint || views.len() == 1 {
            return self.encode(Tensor::cat(views, 0));
        }
        let (logits, feats): (Vec<_>, Vec<_>) = views.into_iter().map(|v| self.encode(v)).unzip();
        (Tensor::cat(logits, 0), Tensor::cat(feats, 0))
    }

    /// Patch tokens (before the position table) -> (logits, pooled features).
    fn encode(&self, tokens: Tensor<3>) -> (Tensor<2>, Tensor<2>) {
        let z = self
            .vit
            .run_blocks(self.vit.add_position(tokens), 0..self.vit.depth());
        let pooled = self.vit.pool(z);
        (self.vit.classifier.forward(pooled.clone()), pooled)
    }
}
