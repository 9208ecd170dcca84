//! FoF (Pan et al., "Focus on Focus", IEEE BIBM 2024; shared/reference/fof.md): glioma grading
//! from pathology ROIs, trained with pathology and genomic biomarkers, inferred from the image
//! alone.
//!
//! * [`classification`]: Eq. 3, CE of the three views with the background class.
//! * [`frl`]: Eq. 2's token mask from the Grad-CAM map and Eq. 4's view consistency.
//! * [`mca`]: Eq. 5, supervised contrastive loss per biomarker over all views.
//! * [`model`]: ViT + mask token + FRL projector + MCA heads.
//! * [`objective`]: the training step (CAM pass, three views, Eq. 6) for the engine.
//! * [`config`]: `[model.fof]`.
//! * [`train`](train_fof): training and loading a FoF run.

pub mod classification;
pub mod config;
pub mod frl;
pub mod mca;
pub mod model;
pub mod objective;

pub use classification::classification_loss;
pub use config::{FofConfig, KNOWN_BIOMARKERS};
pub use frl::{frl_consistency, token_mask};
pub use mca::{mca_view_labels, supcon_loss};
pub use model::{AUTO_JOINT_TOKENS, FofModel, Projector, ViewBatching, init_fof, wrap_vit};
pub use objective::{FofItem, FofLosses, FofObjective};

use crate::train::config::{ExperimentConfig, VitModelConfig};
use crate::train::data::Dataset;
use crate::train::engine::{TrainOptions, TrainOutcome, train};
use crate::train::{RunDir, TrainError};

/// Train a FoF model from an experiment whose `[model]` has a `[model.fof]` section.
pub fn train_fof(
    config: &ExperimentConfig<VitModelConfig>,
    train_set: &dyn Dataset<Item = FofItem>,
    valid: Option<&dyn Dataset<Item = FofItem>>,
    run: &RunDir,
    resume: bool,
    progress: bool,
) -> Result<TrainOutcome<FofModel>, TrainError> {
    let fof = config.model.fof.clone().ok_or_else(|| TrainError::Config {
        path: run.config_path(),
        message: "key `model.fof`: missing; a FoF run needs a [model.fof] section".into(),
    })?;
    config
        .model
        .validate_fof()
        .map_err(|(key, why)| TrainError::Config {
            path: run.config_path(),
            message: format!("key `{key}`: {why}"),
        })?;
    let opts = TrainOptions {
        seed: config.seed,
        device: crate::device::parse_device(&config.device)?,
        optimizer: config.optimizer.clone(),
        schedule: config.schedule.clone(),
        progress,
        stop_after_epochs: None,
    };
    let objective = FofObjective {
        augmentation: config.augmentation.clone(),
        normalize: config.data.normalize,
        fof: fof.clone(),
        num_grades: config.model.num_classes,
        view_batching: ViewBatching::Auto,
    };
    let vit_cfg = config.model.vit();
    let pretrained = config.model.pretrained.clone();
    let heads = fof.heads();
    let dim = fof.projection_dim;
    let init = move |device: &Device, seed: u64| -> Result<FofModel, TrainError> {
        let vit = match &pretrained {
            Some(path) => crate::hf_vit::load_hf_vit(path, &vit_cfg, device, seed)?.0,
            None => vit_cfg.init(device, seed)?,
        };
        Ok(wrap_vit(vit, dim, heads, device, seed))
    };
    train(
        &opts,
        &objective,
        init,
        train_set,
        valid,
        run,
        &config.to_toml()?,
        resume,
    )
}

use burn::prelude::Device;
