//! Vision Transformer (Dosovitskiy et al., "An Image is Worth 16x16 Words", ICLR 2021) as
//! used by FoF for glioma grading: pre-LN blocks, exact (erf) GELU, **no CLS token**, mean
//! pooling over all patch tokens after the final LayerNorm.
//!
//! ```text
//! z_0     = [x_1 E; ...; x_N E] + E_pos                  (patch embedding, position table)
//! z'_l    = MSA(LN(z_{l-1})) + z_{l-1}                   l = 1..L
//! z_l     = MLP(LN(z'_l)) + z'_l
//! y       = Head( mean_i LN(z_L)_i )                     (no CLS token: mean over all N tokens)
//! ```
//!
//! The forward is split so that later code can work on the tokens:
//! [`Vit::patch_embed`] -> (optional token replacement, e.g. FoF's mask token) ->
//! [`Vit::add_position`] -> [`Vit::run_blocks`] (any range, so Grad-CAM can cut the network
//! after a chosen block) -> [`Vit::head`]. [`Vit::forward`] chains them.
//!
//! The layer layout follows HuggingFace `transformers`' `ViTModel` (query/key/value with bias,
//! separate output projection, MLP `intermediate` -> GELU -> `output`), so that its
//! checkpoints import one to one (see [`crate::hf_vit`]).

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::gelu::gelu;
use crate::linear::linear_rows;

/// Hyper-parameters of a [`Vit`]. Defaults are ViT-Tiny/16 at 224 px with 3 outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VitConfig {
    /// Input height and width in pixels (square images). Must be a multiple of `patch_size`.
    pub image_size: usize,
    /// Side of a square patch in pixels.
    pub patch_size: usize,
    /// Number of input channels (3 for RGB).
    pub channels: usize,
    /// Token width D.
    pub dim: usize,
    /// Number of transformer blocks L.
    pub depth: usize,
    /// Number of attention heads; must divide `dim`.
    pub heads: usize,
    /// MLP hidden width = `mlp_ratio * dim` (rounded).
    pub mlp_ratio: f64,
    /// LayerNorm epsilon. 1e-12 is the HuggingFace `ViTConfig` default (fof.md section 7).
    pub layer_norm_eps: f64,
    /// Number of classifier outputs (K grades, or K + 1 with FoF's background class).
    pub num_classes: usize,
}

impl Default for VitConfig {
    fn default() -> Self {
        Self::tiny(224, 3)
    }
}

impl VitConfig {
    /// ViT-Tiny/16: dim 192, depth 12, 3 heads, MLP 768.
    pub fn tiny(image_size: usize, num_classes: usize) -> Self {
        Self {
            image_size,
            patch_size: 16,
            channels: 3,
            dim: 192,
            depth: 12,
            heads: 3,
            mlp_ratio: 4.0,
            layer_norm_eps: 1e-12,
            num_classes,
        }
    }

    /// Patches per side.
    pub fn grid(&self) -> usize {
        self.image_size / self.patch_size
    }

    /// Number of tokens N (no CLS token).
    pub fn num_tokens(&self) -> usize {
        self.grid() * self.grid()
    }

    /// MLP hidden width.
    pub fn mlp_dim(&self) -> usize {
        (self.mlp_ratio * self.dim as f64).round() as usize
    }

    /// Check the hyper-parameters; every error names the offending field.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bad = |field: &str, why: String| {
            Err(ModelError::InvalidConfig {
                field: field.to_string(),
                reason: why,
            })
        };
        if self.patch_size == 0 {
            return bad("patch_size", "must be positive".into());
        }
        if self.image_size == 0 || !self.image_size.is_multiple_of(self.patch_size) {
            return bad(
                "image_size",
                format!(
                    "{} is not a positive multiple of patch_size {}",
                    self.image_size, self.patch_size
                ),
            );
        }
        if self.channels == 0 {
            return bad("channels", "must be positive".into());
        }
        if self.dim == 0 || self.heads == 0 || !self.dim.is_multiple_of(self.heads) {
            return bad(
                "heads",
                format!("{} heads must divide dim {}", self.heads, self.dim),
            );
        }
        if self.depth == 0 {
            return bad("depth", "must be at least 1".into());
        }
        if !(self.mlp_ratio.is_finite() && self.mlp_ratio > 0.0) || self.mlp_dim() == 0 {
            return bad(
                "mlp_ratio",
                format!("{} gives an empty MLP", self.mlp_ratio),
            );
        }
        if !(self.layer_norm_eps.is_finite() && self.layer_norm_eps > 0.0) {
            return bad("layer_norm_eps", "must be positive".into());
        }
        if self.num_classes == 0 {
            return bad("num_classes", "must be at least 1".into());
        }
        Ok(())
    }

    /// Build a randomly initialised model: weights N(0, 0.02), biases 0, LayerNorm 1/0 (as
    /// HuggingFace's `_init_weights`, without the truncation). The values are drawn from a
    /// `ChaCha8Rng` seeded with `seed`, not from Burn's process-global RNG, so the same seed gives
    /// the same weights whatever other threads do.
    pub fn init(&self, device: &Device, seed: u64) -> Result<Vit, ModelError> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let rng = &mut rng;
        let normal = |rng: &mut ChaCha8Rng, n: usize| -> Tensor<1> {
            let dist = Normal::new(0.0f32, 0.02).unwrap_or_else(|_| unreachable!("valid std"));
            let v: Vec<f32> = (0..n).map(|_| dist.sample(rng)).collect();
            Tensor::<1>::from_floats(v.as_slice(), device)
        };
        let zeros = |n: usize| Param::from_tensor(Tensor::<1>::zeros([n], device));
        let linear = |rng: &mut ChaCha8Rng, i: usize, o: usize| Linear {
            // Burn's layout: [d_in, d_out]
            weight: Param::from_tensor(normal(rng, i * o).reshape([i, o])),
            bias: Some(zeros(o)),
        };
        let ln = || {
            LayerNormConfig::new(self.dim)
                .with_epsilon(self.layer_norm_eps)
                .init(device)
        };
        let (p, d, c, m) = (self.patch_size, self.dim, self.channels, self.mlp_dim());
        // Conv2dConfig::init creates lazy (not yet drawn) parameters; they are replaced here
        let mut patch = Conv2dConfig::new([c, d], [p, p])
            .with_stride([p, p])
            .init(device);
        patch.weight = Param::from_tensor(normal(rng, d * c * p * p).reshape([d, c, p, p]));
        patch.bias = Some(zeros(d));
        let pos = Param::from_tensor(normal(rng, self.num_tokens() * d).reshape([
            1,
            self.num_tokens(),
            d,
        ]));
        let mut blocks = Vec::with_capacity(self.depth);
        for _ in 0..self.depth {
            blocks.push(Block {
                norm1: ln(),
                attn: Attention {
                    query: linear(rng, d, d),
                    key: linear(rng, d, d),
                    value: linear(rng, d, d),
                    proj: linear(rng, d, d),
                    heads: self.heads,
                },
                norm2: ln(),
                mlp: Mlp {
                    fc1: linear(rng, d, m),
                    fc2: linear(rng, m, d),
                },
            });
        }
        let classifier = linear(rng, d, self.num_classes);
        Ok(Vit {
            patch,
            pos,
            blocks,
            norm: ln(),
            classifier,
            patch_size: self.patch_size,
            image_size: self.image_size,
            channels: self.channels,
        })
    }
}

/// Multi-head self-attention with separate query/key/value projections (HF layout).
#[derive(Module, Debug)]
pub struct Attention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub proj: Linear,
    pub heads: usize,
}

impl Attention {
    /// `softmax(Q K^T / sqrt(d_h)) V` per head, then the output projection.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, n, d] = x.dims();
        let h = self.heads;
        let split = |t: Tensor<3>| t.reshape([b, n, h, d / h]).swap_dims(1, 2); // [b, h, n, d_h]
        let tracked = x.is_tracked();
        let q = split(linear_rows(&self.query, x.clone()));
        let k = split(linear_rows(&self.key, x.clone()));
        let v = split(linear_rows(&self.value, x));
        let ctx = if tracked {
            // Under autodiff Burn 0.22 records `attention` as its generic fallback, whose
            // softmax differentiates through the row maximum and two clamps (a scatter and
            // extra full-size passes in the backward). Written out, the maximum is a detached
            // shift (`activation::softmax`) and the 1/sqrt(d_h) scale multiplies q (n x d_h)
            // instead of the scores (n x n): the same function with fewer and smaller ops.
            let scale = 1.0 / ((d / h) as f64).sqrt();
            let scores = q.mul_scalar(scale).matmul(k.swap_dims(2, 3)); // [b, h, n, n]
            softmax(scores, 3).matmul(v)
        } else {
            // without autodiff Flex runs its fused attention kernel
            attention(q, k, v, None, None, AttentionModuleOptions::default())
        };
        linear_rows(&self.proj, ctx.swap_dims(1, 2).reshape([b, n, d]))
    }
}

/// Position-wise MLP: Linear -> exact GELU ([`crate::gelu::gelu`]) -> Linear.
#[derive(Module, Debug)]
pub struct Mlp {
    pub fc1: Linear,
    pub fc2: Linear,
}

impl Mlp {
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        linear_rows(&self.fc2, gelu(linear_rows(&self.fc1, x)))
    }
}

/// Pre-LN transformer block.
#[derive(Module, Debug)]
pub struct Block {
    pub norm1: LayerNorm,
    pub attn: Attention,
    pub norm2: LayerNorm,
    pub mlp: Mlp,
}

impl Block {
    /// `z' = z + MSA(LN(z)); z'' = z' + MLP(LN(z'))`.
    pub fn forward(&self, z: Tensor<3>) -> Tensor<3> {
        let z = z.clone() + self.attn.forward(self.norm1.forward(z));
        z.clone() + self.mlp.forward(self.norm2.forward(z))
    }
}

/// ViT without CLS token; see the module documentation.
#[derive(Module, Debug)]
pub struct Vit {
    /// Patch embedding E: a `patch x patch` convolution with stride `patch`.
    pub patch: Conv2d,
    /// Learned position table E_pos, `[1, N, D]`, row-major over the patch grid.
    pub pos: Param<Tensor<3>>,
    pub blocks: Vec<Block>,
    /// Final LayerNorm applied to every token before pooling.
    pub norm: LayerNorm,
    pub classifier: Linear,
    pub patch_size: usize,
    pub image_size: usize,
    pub channels: usize,
}

impl Vit {
    /// Number of transformer blocks.
    pub fn depth(&self) -> usize {
        self.blocks.len()
    }

    /// Patches per side.
    pub fn grid(&self) -> usize {
        self.image_size / self.patch_size
    }

    /// Token width D.
    pub fn dim(&self) -> usize {
        self.norm.gamma.dims()[0]
    }

    /// Number of classifier outputs.
    pub fn num_classes(&self) -> usize {
        self.classifier.weight.dims()[1]
    }

    /// Images `[B, C, H, W]` -> patch tokens `[B, N, D]` (row-major over the grid), before the
    /// position table. Token replacement (FoF's mask token) goes between this and
    /// [`Self::add_position`].
    pub fn patch_embed(&self, images: Tensor<4>) -> Tensor<3> {
        let t = self.patch.forward(images); // [B, D, g, g]
        let [b, d, gh, gw] = t.dims();
        t.reshape([b, d, gh * gw]).swap_dims(1, 2)
    }

    /// Add the position table: `z_0 = tokens + E_pos`.
    pub fn add_position(&self, tokens: Tensor<3>) -> Tensor<3> {
        tokens + self.pos.val()
    }

    /// `patch_embed` then `add_position`: the input of block 0.
    pub fn embed(&self, images: Tensor<4>) -> Tensor<3> {
        self.add_position(self.patch_embed(images))
    }

    /// Run blocks `range` (0-based, end exclusive) on `tokens`. `run_blocks(z, 0..k+1)` gives
    /// the output of block `k`.
    pub fn run_blocks(&self, mut tokens: Tensor<3>, range: std::ops::Range<usize>) -> Tensor<3> {
        for block in &self.blocks[range] {
            tokens = block.forward(tokens);
        }
        tokens
    }

    /// Final LayerNorm of every token, then the mean over all N tokens: `[B, N, D] -> [B, D]`.
    pub fn pool(&self, tokens: Tensor<3>) -> Tensor<2> {
        self.norm.forward(tokens).mean_dim(1).squeeze_dim::<2>(1)
    }

    /// Tokens after the last block -> logits `[B, K]`.
    pub fn head(&self, tokens: Tensor<3>) -> Tensor<2> {
        self.classifier.forward(self.pool(tokens))
    }

    /// Pooled features `[B, D]` (the encoder g of FoF).
    pub fn features(&self, images: Tensor<4>) -> Tensor<2> {
        let z = self.run_blocks(self.embed(images), 0..self.depth());
        self.pool(z)
    }

    /// Images `[B, C, H, W]` -> logits `[B, K]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let z0 = self.embed(images);
        let z_l = self.run_blocks(z0, 0..self.depth());
        self.head(z_l)
    }

    /// Logits plus the token outputs `[B, N, D]` of block `block` (0-based).
    pub fn forward_with_tokens(
        &self,
        images: Tensor<4>,
        block: usize,
    ) -> Result<(Tensor<2>, Tensor<3>), ModelError> {
        self.check_block(block)?;
        let z = self.run_blocks(self.embed(images), 0..block + 1);
        let logits = self.head(self.run_blocks(z.clone(), block + 1..self.depth()));
        Ok((logits, z))
    }

    pub(crate) fn check_block(&self, block: usize) -> Result<(), ModelError> {
        if block >= self.depth() {
            return Err(ModelError::InvalidConfig {
                field: "block".into(),
                reason: format!(
                    "block {block} does not exist; the model has {} blocks (0..{})",
                    self.depth(),
                    self.depth()
                ),
            });
        }
        Ok(())
    }

    /// Check that `images` has the shape this model takes.
    pub fn check_input(&self, dims: [usize; 4]) -> Result<(), ModelError> {
        let [_, c, h, w] = dims;
        if c != self.channels || h != self.image_size || w != self.image_size {
            return Err(ModelError::InputShape {
                expected: format!(
                    "[B, {}, {}, {}]",
                    self.channels, self.image_size, self.image_size
                ),
                found: format!("{dims:?}"),
            });
        }
        Ok(())
    }
}
