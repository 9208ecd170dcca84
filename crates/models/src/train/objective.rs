//! What the engine optimises: an [`Objective`] turns a batch of dataset items into a scalar loss
//! for a model, and optionally evaluates a model on a dataset. The engine owns everything else
//! (order, schedule, optimiser, checkpoints). [`ImageClassification`] is the ViT baseline:
//! augmentation, normalisation, cross-entropy.

use std::collections::BTreeMap;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::train::TrainError;
use crate::train::augment::augment;
use crate::train::config::{AugmentationConfig, Normalize};
use crate::train::data::{Dataset, ImageItem};
use crate::vit::Vit;

/// A training objective over items of type `Item` for a model of type `Model`.
pub trait Objective: Sync {
    type Model: Module;
    type Item: Send;

    /// Mean loss of one batch (shape `[1]`), on `device` (an autodiff device). All randomness
    /// (augmentation, sampling) must come from `rng`, which the engine checkpoints.
    fn batch_loss(
        &self,
        model: &Self::Model,
        items: Vec<Self::Item>,
        rng: &mut ChaCha8Rng,
        device: &Device,
    ) -> Result<Tensor<1>, TrainError>;

    /// Whether the batch loss is the mean of per-item losses, so that the engine may split a
    /// batch into micro-batches run in parallel (`[schedule] micro_batches`,
    /// [`crate::train::parallel`]). Such objectives implement [`Objective::prepare`] and
    /// [`Objective::prepared_loss`] so that `batch_loss = prepare + prepared_loss`. Default: no.
    fn separable(&self) -> bool {
        false
    }

    /// Draws everything random about a batch (augmentation) from `rng`, as `batch_loss` does.
    /// Called only when [`Objective::separable`] is true.
    fn prepare(&self, _items: &mut [Self::Item], _rng: &mut ChaCha8Rng) {}

    /// Mean loss of items already prepared (no randomness left). Called only when
    /// [`Objective::separable`] is true; the default is an error.
    fn prepared_loss(
        &self,
        _model: &Self::Model,
        _items: Vec<Self::Item>,
        _device: &Device,
    ) -> Result<Tensor<1>, TrainError> {
        Err(TrainError::Data(
            "internal: this objective does not split batches (separable() is false)".into(),
        ))
    }

    /// Whether the objective can split a batch into parallel micro-batches although its loss
    /// couples the items (FoF's MCA): it implements [`Objective::coupled_parallel_grads`] and
    /// [`Objective::prepare`]. Default: no.
    fn coupled_parallel(&self) -> bool {
        false
    }

    /// The loss value and gradients of a batch of prepared items, computed in `parts`
    /// micro-batches run in parallel. Called only when [`Objective::coupled_parallel`] is true;
    /// the default is an error.
    fn coupled_parallel_grads(
        &self,
        _model: &Self::Model,
        _items: Vec<Self::Item>,
        _parts: usize,
        _device: &Device,
    ) -> Result<(f32, GradientsParams), TrainError> {
        Err(TrainError::Data(
            "internal: this objective does not split coupled batches".into(),
        ))
    }

    /// Metrics of `model` (already without autodiff) on `data`, written per epoch with a
    /// `valid_` prefix. The default reports nothing.
    fn evaluate(
        &self,
        _model: &Self::Model,
        _data: &dyn Dataset<Item = Self::Item>,
        _batch_size: usize,
        _device: &Device,
    ) -> Result<BTreeMap<String, f64>, TrainError> {
        Ok(BTreeMap::new())
    }
}

/// Augments the image of every item in parallel, each with its own seed drawn from `rng` in item
/// order, so the result does not depend on the thread count and objectives that draw the same
/// way (the baseline and FoF) see the same augmentations.
pub(crate) fn augment_batch<T: Send>(
    items: &mut [T],
    image: fn(&mut T) -> &mut ImageItem,
    augmentation: &AugmentationConfig,
    rng: &mut ChaCha8Rng,
) {
    let seeds: Vec<u64> = items.iter().map(|_| rng.random()).collect();
    items
        .par_iter_mut()
        .zip(seeds)
        .for_each(|(it, s)| augment(image(it), augmentation, &mut ChaCha8Rng::seed_from_u64(s)));
}

/// ImageNet channel statistics (pixels in [0, 1]).
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Cross-entropy classification of images with a [`Vit`].
#[derive(Debug, Clone)]
pub struct ImageClassification {
    pub augmentation: AugmentationConfig,
    pub normalize: Normalize,
}

impl ImageClassification {
    /// Stack items into `[B, C, H, W]` (normalised) and labels `[B]`, checking every shape.
    pub fn batch(
        &self,
        items: &[ImageItem],
        device: &Device,
    ) -> Result<(Tensor<4>, Tensor<1, Int>), TrainError> {
        let first = items
            .first()
            .ok_or_else(|| TrainError::Data("empty batch".into()))?;
        let (c, h, w) = (first.channels, first.height, first.width);
        let mut flat = Vec::with_capacity(items.len() * c * h * w);
        for it in items {
            if (it.channels, it.height, it.width) != (c, h, w) || it.pixels.len() != c * h * w {
                return Err(TrainError::Data(format!(
                    "image of group `{}` is {}x{}x{} ({} values), the batch is {c}x{h}x{w}; resize all images to the model's image_size",
                    it.group,
                    it.channels,
                    it.height,
                    it.width,
                    it.pixels.len()
                )));
            }
            match self.normalize {
                Normalize::Imagenet if c == 3 => {
                    for (ch, plane) in it.pixels.chunks_exact(h * w).enumerate() {
                        let (m, s) = (IMAGENET_MEAN[ch], IMAGENET_STD[ch]);
                        flat.extend(plane.iter().map(|p| (p - m) / s));
                    }
                }
                Normalize::Imagenet => {
                    return Err(TrainError::Data(format!(
                        "ImageNet normalisation needs 3 channels, found {c}; set [data] normalize = \"none\""
                    )));
                }
                Normalize::None => flat.extend_from_slice(&it.pixels),
            }
        }
        let labels: Vec<i64> = items.iter().map(|i| i.label as i64).collect();
        let x = Tensor::<1>::from_floats(flat.as_slice(), device).reshape([items.len(), c, h, w]);
        let y = Tensor::<1, Int>::from_ints(labels.as_slice(), device);
        Ok((x, y))
    }
}

impl Objective for ImageClassification {
    type Model = Vit;
    type Item = ImageItem;

    fn batch_loss(
        &self,
        model: &Vit,
        mut items: Vec<ImageItem>,
        rng: &mut ChaCha8Rng,
        device: &Device,
    ) -> Result<Tensor<1>, TrainError> {
        self.prepare(&mut items, rng);
        self.prepared_loss(model, items, device)
    }

    fn separable(&self) -> bool {
        true
    }

    fn prepare(&self, items: &mut [ImageItem], rng: &mut ChaCha8Rng) {
        augment_batch(items, |it| it, &self.augmentation, rng);
    }

    fn prepared_loss(
        &self,
        model: &Vit,
        items: Vec<ImageItem>,
        device: &Device,
    ) -> Result<Tensor<1>, TrainError> {
        let k = model.num_classes();
        if let Some(bad) = items.iter().find(|i| i.label >= k) {
            return Err(TrainError::Data(format!(
                "label {} of group `{}` is out of range for {k} classes",
                bad.label, bad.group
            )));
        }
        let (x, y) = self.batch(&items, device)?;
        model.check_input(x.dims())?;
        let logits = model.forward(x);
        Ok(CrossEntropyLossConfig::new()
            .init(device)
            .forward(logits, y))
    }

    fn evaluate(
        &self,
        model: &Vit,
        data: &dyn Dataset<Item = ImageItem>,
        batch_size: usize,
        device: &Device,
    ) -> Result<BTreeMap<String, f64>, TrainError> {
        let n = data.len();
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        let ce = CrossEntropyLossConfig::new().init(device);
        for start in (0..n).step_by(batch_size.max(1)) {
            let items = (start..(start + batch_size).min(n))
                .map(|i| data.get(i))
                .collect::<Result<Vec<_>, _>>()?;
            let (x, y) = self.batch(&items, device)?;
            let logits = model.forward(x);
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
            loss_sum += l as f64 * items.len() as f64;
        }
        let mut m = BTreeMap::new();
        if n > 0 {
            m.insert("loss".into(), loss_sum / n as f64);
            m.insert("accuracy".into(), correct as f64 / n as f64);
        }
        Ok(m)
    }
}
