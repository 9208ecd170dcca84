//! Grad-CAM on ViT tokens, as FoF's contribution map (Pan et al., BIBM 2024, Eq. 1;
//! Selvaraju et al., ICCV 2017):
//!
//! ```text
//! v^k      = token outputs of block b, channel k                  [N tokens on a g x g grid]
//! alpha_k  = (1/N) sum_i d s_c / d v^k_i                          (spatial mean of the gradient)
//! A        = Upsilon( ReLU( sum_k alpha_k v^k ), [H, W] )
//! A        = (A - min A) / (max(A - min A) + 1e-7)                (per image, to [0, 1])
//! ```
//!
//! `s_c` is the pre-softmax logit of the chosen class (FoF: the ground-truth grade); Upsilon
//! reshapes the N token values row-major to `g x g` (token t at row t / g, column t % g) and
//! upsamples bilinearly with `align_corners = false` (half-pixel centres, as OpenCV's
//! `INTER_LINEAR` and PyTorch's default). The paper sums the gradients instead of averaging;
//! the factor 1/N vanishes in the min-max scaling. Upstream FoF uses EigenGradCAM, whose SVD sign
//! is arbitrary; plain Grad-CAM is the project decision (fof.md section 7).
//!
//! The pass needs no gradient for the weights: blocks `0..=b` run on the model without autodiff,
//! their output becomes a fresh autodiff leaf, and only blocks `b+1..` and the head are
//! differentiated. The result is a plain tensor (no graph), ready for FoF's token masks.

use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};

use crate::error::ModelError;
use crate::vit::Vit;

/// Raw (un-normalised, non-upsampled) Grad-CAM on the token grid: `ReLU(sum_k alpha_k v^k)`,
/// shape `[B, g, g]`. `classes[b]` is the class whose logit is explained for image `b`.
pub fn grad_cam_tokens(
    model: &Vit,
    images: Tensor<4>,
    classes: &[usize],
    block: usize,
) -> Result<Tensor<3>, ModelError> {
    model.check_block(block)?;
    model.check_input(images.dims())?;
    let [b, _, _, _] = images.dims();
    if classes.len() != b {
        return Err(ModelError::InvalidConfig {
            field: "classes".into(),
            reason: format!("{} classes given for a batch of {b} images", classes.len()),
        });
    }
    let k = model.num_classes();
    if let Some(&c) = classes.iter().find(|&&c| c >= k) {
        return Err(ModelError::ClassOutOfRange {
            class: c,
            num_classes: k,
        });
    }
    let frozen = model.valid();

    // part 1, no graph: tokens after block `block`
    let images = images.without_autodiff();
    let device = images.device();
    let tokens = frozen.run_blocks(frozen.embed(images), 0..block + 1);

    // part 2: a fresh autodiff leaf; the (plain) weights act as constants, so only the leaf
    // gets a gradient
    let v = tokens.clone().autodiff().require_grad();
    let logits = frozen.head(frozen.run_blocks(v.clone(), block + 1..model.depth()));
    let idx: Vec<i64> = classes.iter().map(|&c| c as i64).collect();
    let idx = Tensor::<1, Int>::from_ints(idx.as_slice(), &device)
        .reshape([b, 1])
        .autodiff();
    let score = logits.gather(1, idx).sum();
    let grads = score.backward();
    let grad = v
        .grad(&grads)
        .ok_or_else(|| ModelError::InvalidConfig {
            field: "block".into(),
            reason: "no gradient reached the tokens".into(),
        })?
        .without_autodiff();

    let alpha = grad.mean_dim(1); // [B, 1, D]
    let cam = relu((tokens * alpha).sum_dim(2)); // [B, N, 1]
    let g = model.grid();
    Ok(cam.reshape([b, g, g]))
}

/// Grad-CAM map per image, `[B, H, W]` in [0, 1] (see the module documentation).
pub fn grad_cam(
    model: &Vit,
    images: Tensor<4>,
    classes: &[usize],
    block: usize,
) -> Result<Tensor<3>, ModelError> {
    let [_, _, h, w] = images.dims();
    let cam = grad_cam_tokens(model, images, classes, block)?;
    let [b, g, _] = cam.dims();
    let up = interpolate(
        cam.reshape([b, 1, g, g]),
        InterpolateOptions::new(InterpolateMode::Bilinear)
            .with_align_corners(false)
            .with_output_size([h, w]),
    )
    .reshape([b, h, w]);
    Ok(min_max(up))
}

/// Per-image `(x - min) / (max(x - min) + 1e-7)` over the last two dims.
pub fn min_max(x: Tensor<3>) -> Tensor<3> {
    let [b, h, w] = x.dims();
    let flat = x.reshape([b, h * w]);
    let shifted = flat.clone() - flat.min_dim(1);
    let max = shifted.clone().max_dim(1);
    (shifted / (max + 1e-7)).reshape([b, h, w])
}
