//! Cross-attention fusion: the RNA forms a query over the patches of a slide; the pooled image
//! vector is concatenated with the RNA embedding and scored (survival.md §3.5-3.6).
//!
//! **`tanh`** (as coded upstream, `revacholiere/MultiModalBrainSurvival_coms672:5_JointFusion/models.py`,
//! attention module lines 31-43, fused model 122-142): no 1/√d scaling, no value projection,
//! one head.
//! ```text
//! q   = W_q u                      W_q: Q → D, no bias   (u = raw RNA r, or the MLP output h)
//! l_i = tanh(W_k x_i) · q          W_k: D → D, no bias
//! a   = softmax_i(l)               over the real patches of the bag
//! img = Σ_i a_i x_i                values are the raw patch features
//! ```
//!
//! **`scaled-dot`** (as the paper describes it): H heads of width d_h = d/H,
//! ```text
//! q_h = W_q^h u,  k_ih = W_k^h x_i,  v_ih = W_v^h x_i      (projections with bias)
//! a_ih = softmax_i( q_h · k_ih / √d_h ),   img = concat_h Σ_i a_ih v_ih  ∈ R^d
//! ```
//!
//! Both: `η = Linear(P+E → 1)( Dropout(p)( concat[img, h] ) )` with h = RnaMlp(r) ∈ R^E and P
//! the width of img (D for `tanh`, d for `scaled-dot`). The attention weights are returned as
//! `[B, H, K]` (H = 1 for `tanh`); padded patches get weight exactly 0.

use burn::module::Module;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::softmax;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::linear::linear_rows;

use super::layers::{BagBatch, RnaMlp, dropout, linear, mask_logits};
use super::model::SurvivalOutput;

/// Which attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttentionKind {
    Tanh,
    ScaledDot,
}

/// What forms the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuerySource {
    /// The transformed RNA vector r (upstream).
    #[default]
    Rna,
    /// The RNA-MLP output h.
    Embedding,
}

/// Hyper-parameters of [`CrossAttention`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CrossAttentionConfig {
    pub kind: AttentionKind,
    pub features: usize,
    pub genes: usize,
    pub rna_hidden: usize,
    pub rna_dim: usize,
    pub rna_dropout: f64,
    pub head_dropout: f64,
    pub query: QuerySource,
    /// `scaled-dot`: width d of the projections (a multiple of `heads`).
    pub attention_dim: usize,
    /// `scaled-dot`: number of heads H.
    pub heads: usize,
}

impl CrossAttentionConfig {
    pub fn init(&self, rng: &mut ChaCha8Rng, device: &Device) -> CrossAttention {
        let rna = RnaMlp::new(
            rng,
            self.genes,
            self.rna_hidden,
            self.rna_dim,
            self.rna_dropout,
            device,
        );
        let q_in = match self.query {
            QuerySource::Rna => self.genes,
            QuerySource::Embedding => self.rna_dim,
        };
        let (attention, pooled) = match self.kind {
            AttentionKind::Tanh => (
                BagAttention::Tanh(TanhAttention {
                    query: linear(rng, q_in, self.features, false, device),
                    key: linear(rng, self.features, self.features, false, device),
                }),
                self.features,
            ),
            AttentionKind::ScaledDot => (
                BagAttention::ScaledDot(ScaledDotAttention {
                    query: linear(rng, q_in, self.attention_dim, true, device),
                    key: linear(rng, self.features, self.attention_dim, true, device),
                    value: linear(rng, self.features, self.attention_dim, true, device),
                    heads: self.heads,
                }),
                self.attention_dim,
            ),
        };
        CrossAttention {
            rna,
            attention,
            head: linear(rng, pooled + self.rna_dim, 1, true, device),
            head_dropout: self.head_dropout,
            query_from_embedding: self.query == QuerySource::Embedding,
        }
    }
}

/// `tanh` attention (upstream code).
#[derive(Module, Debug)]
pub struct TanhAttention {
    pub query: Linear,
    pub key: Linear,
}

impl TanhAttention {
    /// Bag `[B, K, D]`, mask `[B, K]`, query input `[B, Q]` → pooled `[B, D]` and weights `[B, 1, K]`.
    pub fn forward(&self, x: Tensor<3>, mask: Tensor<2>, u: Tensor<2>) -> (Tensor<2>, Tensor<3>) {
        let q = self.query.forward(u).unsqueeze_dim::<3>(2); // [B, D, 1]
        let k = linear_rows(&self.key, x.clone()).tanh(); // [B, K, D]
        let logits = k.matmul(q).squeeze_dim::<2>(2); // [B, K]
        let a = softmax(mask_logits(logits, mask), 1).unsqueeze_dim::<3>(1); // [B, 1, K]
        let pooled = a.clone().matmul(x).squeeze_dim::<2>(1); // [B, D]
        (pooled, a)
    }
}

/// Multi-head scaled dot-product attention with a single (RNA) query.
#[derive(Module, Debug)]
pub struct ScaledDotAttention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub heads: usize,
}

impl ScaledDotAttention {
    /// Bag `[B, K, D]`, mask `[B, K]`, query input `[B, Q]` → pooled `[B, d]` and weights `[B, H, K]`.
    pub fn forward(&self, x: Tensor<3>, mask: Tensor<2>, u: Tensor<2>) -> (Tensor<2>, Tensor<3>) {
        let [b, k, _] = x.dims();
        let h = self.heads;
        let q = self.query.forward(u); // [B, d]
        let d = q.dims()[1];
        let dh = d / h;
        let q = q.reshape([b, h, 1, dh]);
        let split = |t: Tensor<3>| t.reshape([b, k, h, dh]).swap_dims(1, 2); // [B, H, K, dh]
        let keys = split(linear_rows(&self.key, x.clone()));
        let values = split(linear_rows(&self.value, x));
        let logits = q
            .matmul(keys.swap_dims(2, 3))
            .div_scalar((dh as f32).sqrt()); // [B, H, 1, K]
        let m = mask.reshape([b, 1, 1, k]).expand([b, h, 1, k]);
        let a = softmax(mask_logits(logits, m), 3); // [B, H, 1, K]
        let ctx = a.clone().matmul(values).reshape([b, d]); // heads concatenated
        (ctx, a.reshape([b, h, k]))
    }
}

/// The attention of a [`CrossAttention`] model.
#[derive(Module, Debug)]
pub enum BagAttention {
    Tanh(TanhAttention),
    ScaledDot(ScaledDotAttention),
}

#[derive(Module, Debug)]
pub struct CrossAttention {
    pub rna: RnaMlp,
    pub attention: BagAttention,
    pub head: Linear,
    pub head_dropout: f64,
    pub query_from_embedding: bool,
}

impl CrossAttention {
    pub fn forward(&self, batch: BagBatch, rng: &mut Option<&mut ChaCha8Rng>) -> SurvivalOutput {
        let h = self.rna.forward(batch.rna.clone(), rng);
        let u = if self.query_from_embedding {
            h.clone()
        } else {
            batch.rna
        };
        let (pooled, a) = match &self.attention {
            BagAttention::Tanh(t) => t.forward(batch.features, batch.mask, u),
            BagAttention::ScaledDot(s) => s.forward(batch.features, batch.mask, u),
        };
        let z = dropout(Tensor::cat(vec![pooled, h], 1), self.head_dropout, rng);
        let risk = self.head.forward(z).squeeze_dim::<1>(1);
        SurvivalOutput {
            risk,
            attention: Some(a),
            patch_risk: None,
        }
    }
}
