//! Focus-oriented Representation Learning (FRL; Pan et al., BIBM 2024, Eqs. 2 and 4).
//!
//! Token mask from the contribution map (Eq. 2, with the project's mask-token views, fof.md
//! section 7):
//!
//! ```text
//! M_ij = [ (1/p^2) sum_{m,n < p} A_{pi+m, pj+n} > theta ]        theta = 0.5
//! ```
//!
//! `A` is the Grad-CAM map of the ground-truth grade ([`crate::grad_cam`], min-max scaled to
//! [0, 1] at the image size). M = 1 marks a high-contribution patch; the positive view replaces
//! the tokens with M = 0 by the learnable mask token, the negative view those with M = 1
//! ([`crate::fof::FofModel::forward_views`]). Upstream stores the inverse mask
//! (`pooled < 0.5`, peterlipan/FoF:utils/cam_helper.py `cam2mask`); ties at exactly theta are
//! low-contribution in both.
//!
//! Consistency of the three views (Eq. 4), on the projected features, each sample's
//! denominator holding only its own three views:
//!
//! ```text
//! phi(a, b) = exp( cos(a, b) / tau )
//! psi       = phi(v_glb, v_pos) / ( phi(v_glb, v_pos) + phi(v_glb, v_neg) + phi(v_pos, v_neg) )
//! L_FRL     = -(1/B) sum_i log psi_i
//! ```
//!
//! Computed as `logsumexp(s_gp, s_gn, s_pn) - s_gp` with `s = cos / tau`, which is exact and
//! does not overflow at tau = 0.07. Upstream's region loss pairs the anchor with the negative
//! view and scrambles its negatives (fof.md 3.6); that is not reproduced.

use burn::prelude::*;

/// Eq. 2: the token mask `[B, N]` (1.0 = high contribution, N = (H/p)(W/p) row-major) of the
/// maps `cam` `[B, H, W]`, averaged over `patch x patch` pixels and compared with `theta`.
pub fn token_mask(cam: Tensor<3>, patch: usize, theta: f64) -> Tensor<2> {
    let [b, h, w] = cam.dims();
    let (gh, gw) = (h / patch, w / patch);
    let pooled = cam
        .slice([0..b, 0..gh * patch, 0..gw * patch])
        .reshape([b, gh, patch, gw, patch])
        .mean_dim(4)
        .mean_dim(2)
        .reshape([b, gh * gw]);
    pooled.greater_elem(theta).float()
}

/// Row-wise cosine similarity of `[B, D]` tensors, `[B]`; norms clamped at 1e-8 (PyTorch's
/// `cosine_similarity`).
pub fn cosine(a: Tensor<2>, b: Tensor<2>) -> Tensor<1> {
    let na = a.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-8);
    let nb = b.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-8);
    ((a * b).sum_dim(1) / (na * nb)).squeeze_dim::<1>(1)
}

/// Eq. 4 on projected features `[B, d]` of the global, positive and negative views. Returns `[1]`.
pub fn frl_consistency(
    global: Tensor<2>,
    positive: Tensor<2>,
    negative: Tensor<2>,
    tau: f64,
) -> Tensor<1> {
    let s_gp = cosine(global.clone(), positive.clone()) / tau;
    let s_gn = cosine(global, negative.clone()) / tau;
    let s_pn = cosine(positive, negative) / tau;
    let s = Tensor::stack::<2>(vec![s_gp.clone(), s_gn, s_pn], 1); // [B, 3]
    let max = s.clone().max_dim(1).detach(); // [B, 1]
    let lse = (s - max.clone()).exp().sum_dim(1).log() + max; // [B, 1]
    (lse.squeeze_dim::<1>(1) - s_gp).mean()
}
