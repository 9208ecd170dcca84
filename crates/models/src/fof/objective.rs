//! The FoF training objective (Pan et al., BIBM 2024, Eq. 6; fof.md section 7):
//!
//! ```text
//! L = L_CLS + lambda1 L_FRL + lambda2 sum_n L_MCA^n
//! ```
//!
//! One step: augmentation as the baseline; a Grad-CAM pass of the ground-truth grade logit on
//! the configured block (no weight gradients, result detached: [`crate::grad_cam`] runs the
//! model without autodiff up to the block and differentiates only the rest with respect to the
//! block's tokens); the token mask (Eq. 2); the three views forwarded as one batch of 3B; the
//! losses; one backward (by the engine). The positive view is built from the same colour
//! augmentation as the global view (upstream draws a second colour augmentation for it; fof.md
//! section 8 leaves the choice open).

use std::collections::BTreeMap;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::prelude::*;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::classification::classification_loss;
use super::config::FofConfig;
use super::frl::{frl_consistency, token_mask};
use super::mca::{l2_normalize, mca_view_labels, supcon_loss};
use super::model::{FofModel, ViewBatching};
use crate::train::TrainError;
use crate::train::config::{AugmentationConfig, Normalize};
use crate::train::data::{Dataset, ImageItem};
use crate::train::objective::{ImageClassification, Objective, augment_batch};
use crate::train::parallel::split_items;

/// Set this environment variable to print one line per training step (or micro-batch) to stderr
/// with what FRL did: the share of tokens with M = 1, each sample's count of M = 1 tokens and
/// grade, the cross entropy of each view, and how often each view's argmax is the background.
/// A diagnostic (docs/results.md, "FoF at demo size"); training is unchanged.
pub const TRACE_ENV: &str = "GLIOFUSE_FOF_TRACE";

/// A training ROI with its biomarker states, in the order of the config's `biomarkers`
/// (`None`: unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct FofItem {
    pub image: ImageItem,
    pub biomarkers: Vec<Option<i64>>,
}

/// The parts of one step's loss (for tests and the benchmark).
#[derive(Debug, Clone)]
pub struct FofLosses {
    pub total: Tensor<1>,
    pub cls: Tensor<1>,
    pub frl: Option<Tensor<1>>,
    pub mca: Option<Tensor<1>>,
    /// Fraction of tokens with M = 1 in the batch (None without FRL).
    pub mask_fraction: Option<f64>,
}

/// See the module documentation. `num_grades` is K (the head has K + 1 outputs).
#[derive(Debug, Clone)]
pub struct FofObjective {
    pub augmentation: AugmentationConfig,
    pub normalize: Normalize,
    pub fof: FofConfig,
    pub num_grades: usize,
    /// How the three views are batched (a speed setting; the result is the same).
    pub view_batching: ViewBatching,
}

/// The per-item part of one batch's loss and the features MCA needs (see
/// [`FofObjective::losses`]).
struct ViewLosses {
    cls: Tensor<1>,
    frl: Option<Tensor<1>>,
    /// Pooled features `[views * B, D]`, views stacked as global, positive, negative.
    feats: Tensor<2>,
    views: usize,
    mask_fraction: Option<f64>,
}

impl FofObjective {
    /// The losses of one batch of already augmented items.
    pub fn losses(
        &self,
        model: &FofModel,
        items: &[FofItem],
        device: &Device,
    ) -> Result<FofLosses, TrainError> {
        let nb = self.check(model, items)?;
        let v = self.view_losses(model, items, device)?;
        let labels = biomarker_labels(items, nb);
        let mca = self.mca_loss(model, v.feats, &labels, v.views);
        let mut total = v.cls.clone();
        if let Some(f) = &v.frl {
            total = total + f.clone().mul_scalar(self.fof.lambda1);
        }
        if let Some(m) = &mca {
            total = total + m.clone().mul_scalar(self.fof.lambda2);
        }
        Ok(FofLosses {
            total,
            cls: v.cls,
            frl: v.frl,
            mca,
            mask_fraction: v.mask_fraction,
        })
    }

    /// Validates the model and the items against the config; returns the number of biomarkers
    /// MCA uses (0 without MCA).
    fn check(&self, model: &FofModel, items: &[FofItem]) -> Result<usize, TrainError> {
        let k = self.num_grades;
        if model.vit.num_classes() != k + 1 {
            return Err(TrainError::Data(format!(
                "the FoF model has {} outputs; it needs {k} grades + 1 background",
                model.vit.num_classes()
            )));
        }
        if let Some(bad) = items.iter().find(|i| i.image.label >= k) {
            return Err(TrainError::Data(format!(
                "label {} of group `{}` is out of range for {k} classes",
                bad.image.label, bad.image.group
            )));
        }
        let nb = if self.fof.mca {
            self.fof.biomarkers.len()
        } else {
            0
        };
        if nb > model.mca_heads.len() {
            return Err(TrainError::Data(format!(
                "{nb} biomarkers configured, the model has {} MCA heads",
                model.mca_heads.len()
            )));
        }
        if let Some(bad) = items.iter().find(|i| i.biomarkers.len() < nb) {
            return Err(TrainError::Data(format!(
                "group `{}` has {} biomarker values, the config lists {nb}",
                bad.image.group,
                bad.biomarkers.len()
            )));
        }
        Ok(nb)
    }

    /// Eq. 3 (or the plain CE without FRL) and Eq. 4 of a batch: every term is a mean over
    /// items. Also returns the pooled features of the views for MCA.
    fn view_losses(
        &self,
        model: &FofModel,
        items: &[FofItem],
        device: &Device,
    ) -> Result<ViewLosses, TrainError> {
        let k = self.num_grades;
        let images: Vec<ImageItem> = items.iter().map(|i| i.image.clone()).collect();
        let base = ImageClassification {
            augmentation: AugmentationConfig::none(),
            normalize: self.normalize,
        };
        let (x, y) = base.batch(&images, device)?;
        model.vit.check_input(x.dims())?;
        let b = items.len();
        let classes: Vec<usize> = items.iter().map(|i| i.image.label).collect();

        let (cls, frl, feats, views, mask_fraction) = if self.fof.frl {
            let block = self.fof.block(model.vit.depth());
            let cam = crate::grad_cam::grad_cam(&model.vit, x.clone(), &classes, block)?;
            let mask = token_mask(cam, model.vit.patch_size, self.fof.theta);
            let m: Vec<f32> = mask
                .try_into_vec_as::<f32>()
                .map_err(|e| TrainError::Data(format!("reading the token mask: {e:?}")))?;
            let frac = m.iter().map(|&v| f64::from(v)).sum::<f64>() / m.len().max(1) as f64;
            let n = m.len() / b;
            let mask = Tensor::<1>::from_floats(m.as_slice(), device).reshape([b, n]);
            let (logits, feats) = model.forward_views(x, Some(mask.clone()), self.view_batching);
            let mut l = logits.chunk(3, 0).into_iter();
            let (lg, lp, ln) = match (l.next(), l.next(), l.next()) {
                (Some(a), Some(p), Some(n)) => (a, p, n),
                _ => return Err(TrainError::Data("internal: three views expected".into())),
            };
            if std::env::var_os(TRACE_ENV).is_some() {
                trace_views(&lg, &lp, &ln, &y, &mask, &classes, k, frac);
            }
            let cls = classification_loss(lg, lp, ln, y, k);
            let z = model.projector.forward(feats.clone());
            let mut zs = z.chunk(3, 0).into_iter();
            let frl = match (zs.next(), zs.next(), zs.next()) {
                (Some(g), Some(p), Some(n)) => frl_consistency(g, p, n, self.fof.tau),
                _ => return Err(TrainError::Data("internal: three views expected".into())),
            };
            (cls, Some(frl), feats, 3usize, Some(frac))
        } else {
            let (logits, feats) = model.forward_views(x, None, self.view_batching);
            let cls = CrossEntropyLossConfig::new()
                .init(device)
                .forward(logits, y);
            (cls, None, feats, 1usize, None)
        };

        Ok(ViewLosses {
            cls,
            frl,
            feats,
            views,
            mask_fraction,
        })
    }

    /// Eq. 5 summed over the biomarkers (None without MCA): `feats` are the pooled features of
    /// `views` views of a batch (`[views * B, D]`, view-major), `labels[n]` the batch's states
    /// of biomarker n in item order.
    fn mca_loss(
        &self,
        model: &FofModel,
        feats: Tensor<2>,
        labels: &[Vec<Option<i64>>],
        views: usize,
    ) -> Option<Tensor<1>> {
        let mut total: Option<Tensor<1>> = None;
        for (head, sample) in model.mca_heads.iter().zip(labels) {
            let labels = if views == 3 {
                mca_view_labels(sample)
            } else {
                sample.clone()
            };
            let h = l2_normalize(head.forward(feats.clone()));
            let term = supcon_loss(h, &labels, self.fof.tau);
            total = Some(match total {
                None => term,
                Some(t) => t + term,
            });
        }
        total
    }

    /// The gradients of the batch loss (Eq. 6) with the batch split into `parts` micro-batches
    /// that run at the same time (`crate::train::parallel`), although MCA couples the items:
    ///
    /// 1. per part, on a fork of the model: CAM, views, Eq. 3 and Eq. 4 (weighted by the part's
    ///    share of the batch), keeping the part's autodiff graph and its pooled features;
    /// 2. MCA on the features of all parts gathered into one batch in item order, as detached
    ///    leaves, on another fork: its backward gives the heads' gradients and
    ///    `G_i = λ2 ∂L_MCA / ∂feats_i` for every part;
    /// 3. per part, in parallel: the backward of `local_i + Σ feats_i ⊙ G_i`, which sends the
    ///    MCA gradient through the part's graph (the chain rule, split at the features).
    ///
    /// The gradients are summed by parameter id in part order, so the result equals the one-pass
    /// step up to float rounding whatever the thread count. Returns the loss value and the
    /// gradients.
    pub fn parallel_grads(
        &self,
        model: &FofModel,
        items: Vec<FofItem>,
        parts: usize,
        device: &Device,
    ) -> Result<(f32, GradientsParams), TrainError> {
        let nb = self.check(model, &items)?;
        let n = items.len();
        if n == 0 {
            return Err(TrainError::Data("empty batch".into()));
        }
        let labels = biomarker_labels(&items, nb);
        let parts = split_items(items, parts);
        let sizes: Vec<usize> = parts.iter().map(Vec::len).collect();
        // 1. per-item terms per part
        let stage: Vec<(FofModel, Tensor<1>, Tensor<2>, usize)> = parts
            .into_par_iter()
            .map(|part| -> Result<_, TrainError> {
                let m = model.clone().fork(device);
                let v = self.view_losses(&m, &part, device)?;
                let mut local = v.cls;
                if let Some(f) = v.frl {
                    local = local + f.mul_scalar(self.fof.lambda1);
                }
                let local = local.mul_scalar(part.len() as f64 / n as f64);
                Ok((m, local, v.feats, v.views))
            })
            .collect::<Result<_, _>>()?;
        let views = stage.first().map_or(1, |s| s.3);
        // 2. MCA on the gathered features
        let leaves: Vec<Tensor<2>> = stage
            .iter()
            .map(|s| s.2.clone().detach().require_grad())
            .collect();
        let mut rows = Vec::with_capacity(views * leaves.len());
        for v in 0..views {
            for (leaf, &b) in leaves.iter().zip(&sizes) {
                rows.push(leaf.clone().narrow(0, v * b, b));
            }
        }
        let heads = model.clone().fork(device);
        let mut acc = GradientsAccumulator::new();
        let mut value = 0.0f32;
        let mut feat_grads: Vec<Option<Tensor<2>>> = vec![None; leaves.len()];
        if let Some(mca) = self.mca_loss(&heads, Tensor::cat(rows, 0), &labels, views) {
            let mca = mca.mul_scalar(self.fof.lambda2);
            let grads = mca.backward();
            for (g, leaf) in feat_grads.iter_mut().zip(&leaves) {
                *g = leaf
                    .grad(&grads)
                    .map(|t| Tensor::<2>::from_data(t.into_data(), device));
            }
            value += mca.into_scalar::<f32>();
            acc.accumulate(model, GradientsParams::from_grads(grads, &heads));
        }
        // 3. each part's backward, with the MCA gradient of its features
        let results = stage
            .into_par_iter()
            .zip(feat_grads)
            .map(|((m, local, feats, _), g)| -> (f32, GradientsParams) {
                let l: f32 = local.clone().into_scalar();
                let surrogate = match g {
                    Some(g) => local + (feats * g).sum().reshape([1]),
                    None => local,
                };
                (l, GradientsParams::from_grads(surrogate.backward(), &m))
            })
            .collect::<Vec<_>>();
        for (l, g) in results {
            value += l;
            acc.accumulate(model, g);
        }
        Ok((value, acc.grads()))
    }
}

/// The batch's states of each of the first `nb` biomarkers, in item order.
fn biomarker_labels(items: &[FofItem], nb: usize) -> Vec<Vec<Option<i64>>> {
    (0..nb)
        .map(|n| items.iter().map(|i| i.biomarkers[n]).collect())
        .collect()
}

/// One [`TRACE_ENV`] line (see there).
#[allow(clippy::too_many_arguments)]
fn trace_views(
    global: &Tensor<2>,
    positive: &Tensor<2>,
    negative: &Tensor<2>,
    labels: &Tensor<1, Int>,
    mask: &Tensor<2>,
    classes: &[usize],
    k: usize,
    frac: f64,
) {
    let device = global.device();
    let [b, _] = global.dims();
    let ce = CrossEntropyLossConfig::new().init(&device);
    let bg = Tensor::<1, Int>::full([b], k as i64, &device);
    let ce_of = |logits: &Tensor<2>, y: Tensor<1, Int>| -> f32 {
        ce.forward(logits.clone(), y).into_scalar()
    };
    let argmax = |logits: &Tensor<2>| -> Vec<i64> {
        logits
            .clone()
            .argmax(1)
            .try_into_vec_as::<i64>()
            .unwrap_or_default()
    };
    let tokens: Vec<f32> = mask
        .clone()
        .sum_dim(1)
        .try_into_vec_as::<f32>()
        .unwrap_or_default();
    let grade_pred = argmax(&global.clone().slice([0..b, 0..k]));
    let correct = grade_pred
        .iter()
        .zip(classes)
        .filter(|(p, c)| **p == **c as i64)
        .count();
    let to_bg = |v: Vec<i64>| v.iter().filter(|&&a| a == k as i64).count();
    eprintln!(
        "fof-trace mask_share {frac:.3} m1_tokens {tokens:?} grades {classes:?} ce_global {:.3} ce_pos {:.3} ce_neg {:.3} global_correct {correct}/{b} pos_to_background {} neg_to_background {}",
        ce_of(global, labels.clone()),
        ce_of(positive, labels.clone()),
        ce_of(negative, bg),
        to_bg(argmax(positive)),
        to_bg(argmax(negative)),
    );
}

impl Objective for FofObjective {
    type Model = FofModel;
    type Item = FofItem;

    fn batch_loss(
        &self,
        model: &FofModel,
        mut items: Vec<FofItem>,
        rng: &mut ChaCha8Rng,
        device: &Device,
    ) -> Result<Tensor<1>, TrainError> {
        self.prepare(&mut items, rng);
        self.prepared_loss(model, items, device)
    }

    /// Without MCA every term is a mean over items (the CAM, the views, Eq. 3 and Eq. 4 are per
    /// item), so a batch may be split into parallel micro-batches; MCA's supervised contrastive
    /// loss couples the items of a batch, so with MCA the engine takes
    /// [`Objective::coupled_parallel_grads`] instead.
    fn separable(&self) -> bool {
        !self.fof.mca || self.fof.biomarkers.is_empty()
    }

    /// With MCA and FRL: the per-item work in parallel parts, MCA on the gathered features
    /// ([`FofObjective::parallel_grads`]). MCA without FRL (the ablation's w/o FRL) keeps one
    /// pass: in that mode the two-stage step made Burn's autodiff graph registry grow
    /// (`burn_autodiff::runtime::graph::GraphCleaner::cleanup_orphaned_entries` went from 6 % of
    /// a tiny model's step after 300 steps to 68 % of ViT-Tiny's after ~1,200, the epoch from
    /// 15 s to 60 s), while with FRL, whose CAM pass runs a backward inside each part, it stayed
    /// under 1 % over 8,700 steps. The cause inside Burn is not found yet.
    fn coupled_parallel(&self) -> bool {
        !self.separable() && self.fof.frl
    }

    fn coupled_parallel_grads(
        &self,
        model: &FofModel,
        items: Vec<FofItem>,
        parts: usize,
        device: &Device,
    ) -> Result<(f32, GradientsParams), TrainError> {
        self.parallel_grads(model, items, parts, device)
    }

    fn prepare(&self, items: &mut [FofItem], rng: &mut ChaCha8Rng) {
        // the baseline's draws, so both see the same augmentations
        augment_batch(items, |it| &mut it.image, &self.augmentation, rng);
    }

    fn prepared_loss(
        &self,
        model: &FofModel,
        items: Vec<FofItem>,
        device: &Device,
    ) -> Result<Tensor<1>, TrainError> {
        Ok(self.losses(model, &items, device)?.total)
    }

    /// Grading on the global view as at inference: cross entropy and accuracy of the softmax
    /// over the K grade logits (the background logit left out).
    fn evaluate(
        &self,
        model: &FofModel,
        data: &dyn Dataset<Item = FofItem>,
        batch_size: usize,
        device: &Device,
    ) -> Result<BTreeMap<String, f64>, TrainError> {
        let k = self.num_grades;
        let base = ImageClassification {
            augmentation: AugmentationConfig::none(),
            normalize: self.normalize,
        };
        let ce = CrossEntropyLossConfig::new().init(device);
        let n = data.len();
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for start in (0..n).step_by(batch_size.max(1)) {
            let items = (start..(start + batch_size).min(n))
                .map(|i| data.get(i).map(|it| it.image))
                .collect::<Result<Vec<_>, _>>()?;
            let (x, y) = base.batch(&items, device)?;
            let logits = model.vit.forward(x);
            let [b, _] = logits.dims();
            let logits = logits.slice([0..b, 0..k]);
            let pred: Vec<i64> = logits
                .clone()
                .argmax(1)
                .try_into_vec_as::<i64>()
                .map_err(|e| TrainError::Data(format!("{e:?}")))?;
            correct += pred
                .iter()
                .zip(&items)
                .filter(|(p, it)| **p == it.label as i64)
                .count();
            let l: f32 = ce.forward(logits, y).into_scalar();
            loss_sum += f64::from(l) * items.len() as f64;
        }
        let mut m = BTreeMap::new();
        if n > 0 {
            m.insert("loss".into(), loss_sum / n as f64);
            m.insert("accuracy".into(), correct as f64 / n as f64);
        }
        Ok(m)
    }
}
