//! FoF's classification loss (Pan et al., BIBM 2024, Eq. 3) with the project's single K+1-way
//! head (fof.md section 7: K grades plus a background class at index K):
//!
//! ```text
//! sigma(x, y) = CE( f(g(x)), y )
//! L_CLS       = (1/B) sum_i [ sigma(x_glb^i, y^i) + sigma(x_pos^i, y^i) + sigma(x_neg^i, K) ]
//! ```
//!
//! The global and positive views are trained toward the grade, the negative view (the
//! high-contribution tokens replaced) toward the background class. Upstream FoF uses a separate
//! 13-way local head for the masked views (peterlipan/FoF:models/encoder.py); here one head
//! serves all three views and inference takes the softmax over the K grade logits only.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;

/// Eq. 3 on the logits `[B, K + 1]` of the three views; `labels` are the grades `0..K` and
/// `background` is the background index K. Returns `[1]`.
pub fn classification_loss(
    global: Tensor<2>,
    positive: Tensor<2>,
    negative: Tensor<2>,
    labels: Tensor<1, Int>,
    background: usize,
) -> Tensor<1> {
    let device = global.device();
    let ce = CrossEntropyLossConfig::new().init(&device);
    let [b, _] = negative.dims();
    let bg = Tensor::<1, Int>::full([b], background as i64, &device);
    ce.forward(global, labels.clone()) + ce.forward(positive, labels) + ce.forward(negative, bg)
}
