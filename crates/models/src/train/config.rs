//! Experiment configuration: one TOML file per experiment.
//!
//! ```toml
//! seed = 42
//! device = "cpu"               # cpu | gpu | gpu:N
//!
//! [model]                      # the model section is experiment-specific (generic `M`)
//! num_classes = 3
//!
//! [data]
//! cohort = "data/cohort"       # optional here; the CLI's --cohort overrides it
//! normalize = "imagenet"       # imagenet | none
//!
//! [optimizer]                  # AdamW; these are the defaults (FoF paper)
//! lr = 1e-4
//! beta1 = 0.9
//! beta2 = 0.999
//! weight_decay = 0.01
//! epsilon = 1e-8
//! # grad_clip_norm = 1.0
//!
//! [schedule]
//! epochs = 70
//! batch_size = 4
//! warmup_epochs = 0            # linear warmup, then cosine decay to min_lr (0)
//! min_lr = 0.0
//! keep_checkpoints = 2         # a checkpoint is written every epoch; older ones are pruned
//! micro_batches = 2            # parts of a batch run in parallel, gradients summed (1: off)
//!
//! [augmentation]               # defaults shown
//! hflip = 0.5
//! vflip = 0.5
//! rot90 = 0.5
//! crop = 1.0                   # random crop of side in [crop, 1] x image, resized back (1: off)
//! brightness = 0.2
//! contrast = 0.2
//! saturation = 0.2
//! distort = 0.0                # probability of a grid distortion (off)
//! distort_steps = 5
//! distort_limit = 0.3
//! ```
//!
//! Unknown keys are rejected and missing required keys (`seed`, `[schedule] epochs`,
//! `batch_size`, and whatever the model section requires) are reported by name with the line of
//! the table, so that a typo does not silently fall back to a default.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::train::TrainError;
use crate::vit::VitConfig;

/// A whole experiment. `M` is the model section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig<M = VitModelConfig> {
    /// Seed of every random choice (initialisation, shuffling, augmentation).
    pub seed: u64,
    /// `cpu`, `gpu` or `gpu:N`.
    #[serde(default = "default_device")]
    pub device: String,
    pub model: M,
    #[serde(default)]
    pub data: DataConfig,
    #[serde(default)]
    pub optimizer: OptimizerConfig,
    pub schedule: ScheduleConfig,
    #[serde(default)]
    pub augmentation: AugmentationConfig,
}

fn default_device() -> String {
    "cpu".into()
}

impl<M: Serialize + DeserializeOwned> ExperimentConfig<M> {
    /// Parse TOML text; `origin` names the file in error messages.
    pub fn from_toml_str(text: &str, origin: &Path) -> Result<Self, TrainError> {
        let cfg: Self = toml::from_str(text).map_err(|e| TrainError::Config {
            path: origin.to_path_buf(),
            message: one_line_toml_error(&e, text),
        })?;
        cfg.validate(origin)?;
        Ok(cfg)
    }

    /// Read and parse a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, TrainError> {
        let text = std::fs::read_to_string(path).map_err(|source| TrainError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, path)
    }

    /// The resolved configuration (every default filled in) as TOML.
    pub fn to_toml(&self) -> Result<String, TrainError> {
        toml::to_string(self).map_err(|e| TrainError::Config {
            path: PathBuf::from("<resolved config>"),
            message: e.to_string(),
        })
    }

    fn validate(&self, origin: &Path) -> Result<(), TrainError> {
        let bad = |key: &str, why: &str| {
            Err(TrainError::Config {
                path: origin.to_path_buf(),
                message: format!("key `{key}`: {why}"),
            })
        };
        let o = &self.optimizer;
        if !(o.lr > 0.0 && o.lr.is_finite()) {
            return bad("optimizer.lr", "must be a positive number");
        }
        if !(0.0..1.0).contains(&o.beta1) {
            return bad("optimizer.beta1", "must be in [0, 1)");
        }
        if !(0.0..1.0).contains(&o.beta2) {
            return bad("optimizer.beta2", "must be in [0, 1)");
        }
        if !(o.weight_decay.is_finite() && o.weight_decay >= 0.0) {
            return bad("optimizer.weight_decay", "must be >= 0");
        }
        if !(o.epsilon.is_finite() && o.epsilon > 0.0) {
            return bad("optimizer.epsilon", "must be > 0");
        }
        if let Some(c) = o.grad_clip_norm
            && !(c.is_finite() && c > 0.0)
        {
            return bad("optimizer.grad_clip_norm", "must be > 0 (or left out)");
        }
        let s = &self.schedule;
        if s.epochs == 0 {
            return bad("schedule.epochs", "must be at least 1");
        }
        if s.batch_size == 0 {
            return bad("schedule.batch_size", "must be at least 1");
        }
        if s.warmup_epochs > s.epochs {
            return bad("schedule.warmup_epochs", "must not exceed schedule.epochs");
        }
        if !(s.min_lr >= 0.0 && s.min_lr <= o.lr) {
            return bad("schedule.min_lr", "must be in [0, optimizer.lr]");
        }
        if s.keep_checkpoints == 0 {
            return bad(
                "schedule.keep_checkpoints",
                "must be at least 1 (resume needs the last checkpoint)",
            );
        }
        if s.micro_batches == 0 {
            return bad(
                "schedule.micro_batches",
                "must be at least 1 (1 = the whole batch in one pass)",
            );
        }
        let a = &self.augmentation;
        for (key, p) in [
            ("augmentation.hflip", a.hflip),
            ("augmentation.vflip", a.vflip),
            ("augmentation.rot90", a.rot90),
            ("augmentation.distort", a.distort),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return bad(key, "is a probability and must be in [0, 1]");
            }
        }
        if !(a.crop > 0.0 && a.crop <= 1.0) {
            return bad(
                "augmentation.crop",
                "is the smallest kept fraction of the side and must be in (0, 1]",
            );
        }
        for (key, j) in [
            ("augmentation.brightness", a.brightness),
            ("augmentation.contrast", a.contrast),
            ("augmentation.saturation", a.saturation),
        ] {
            if !(0.0..1.0).contains(&j) {
                return bad(key, "is a jitter strength and must be in [0, 1)");
            }
        }
        if a.distort_steps == 0 {
            return bad("augmentation.distort_steps", "must be at least 1");
        }
        if !(0.0..1.0).contains(&a.distort_limit) {
            return bad(
                "augmentation.distort_limit",
                "is the largest relative change of a grid cell and must be in [0, 1)",
            );
        }
        if let Err(e) = crate::device::DeviceSpec::parse(&self.device) {
            return bad("device", &e.to_string());
        }
        Ok(())
    }
}

/// A TOML error on one line: ``line L, column C (`source line`): message`` (toml's own `Display` spans several
/// lines with a source excerpt, and the CLI reports errors on one line).
fn one_line_toml_error(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    let msg = msg.trim_end_matches('.');
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            let hint = if msg.starts_with("missing field") {
                " (in the table that starts here); add the key"
            } else {
                ""
            };
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let source = text[start..].lines().next().unwrap_or("").trim();
            format!("line {line}, column {column} (`{source}`): {msg}{hint}")
        }
        None => msg.to_string(),
    }
}

/// `[model]` for the ViT experiments: [`VitConfig`]'s fields (defaults: ViT-Tiny/16 at 224 px),
/// `num_classes` required, plus an optional HuggingFace checkpoint to start from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VitModelConfig {
    #[serde(default = "d_image")]
    pub image_size: usize,
    #[serde(default = "d_patch")]
    pub patch_size: usize,
    #[serde(default = "d_channels")]
    pub channels: usize,
    #[serde(default = "d_dim")]
    pub dim: usize,
    #[serde(default = "d_depth")]
    pub depth: usize,
    #[serde(default = "d_heads")]
    pub heads: usize,
    #[serde(default = "d_mlp")]
    pub mlp_ratio: f64,
    #[serde(default = "d_eps")]
    pub layer_norm_eps: f64,
    pub num_classes: usize,
    /// HuggingFace ViT SafeTensors checkpoint to initialise from (see [`crate::hf_vit`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretrained: Option<PathBuf>,
    /// `[model.fof]`: train with FoF's FRL and MCA ([`crate::fof::FofConfig`]); the head then has
    /// `num_classes + 1` outputs (background last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fof: Option<crate::fof::FofConfig>,
}

fn d_image() -> usize {
    224
}
fn d_patch() -> usize {
    16
}
fn d_channels() -> usize {
    3
}
fn d_dim() -> usize {
    192
}
fn d_depth() -> usize {
    12
}
fn d_heads() -> usize {
    3
}
fn d_mlp() -> f64 {
    4.0
}
fn d_eps() -> f64 {
    1e-12
}

impl VitModelConfig {
    /// The architecture part.
    pub fn vit(&self) -> VitConfig {
        VitConfig {
            image_size: self.image_size,
            patch_size: self.patch_size,
            channels: self.channels,
            dim: self.dim,
            depth: self.depth,
            heads: self.heads,
            mlp_ratio: self.mlp_ratio,
            layer_norm_eps: self.layer_norm_eps,
            num_classes: self.outputs(),
        }
    }

    /// Check `[model.fof]` (if any): `Err((key, reason))`.
    pub fn validate_fof(&self) -> Result<(), (String, String)> {
        match &self.fof {
            Some(f) => f.validate(self.depth),
            None => Ok(()),
        }
    }

    /// Classifier outputs: `num_classes`, plus FoF's background class with `[model.fof]`.
    pub fn outputs(&self) -> usize {
        self.num_classes + usize::from(self.fof.is_some())
    }
}

/// Pixel normalisation applied after augmentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Normalize {
    /// `(x - mean) / std` per channel with ImageNet's mean (0.485, 0.456, 0.406) and std
    /// (0.229, 0.224, 0.225), as FoF (pixels in [0, 1]).
    #[default]
    Imagenet,
    /// Pixels as given.
    None,
}

/// `[data]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// Cohort directory (the CLI's `--cohort` overrides it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<PathBuf>,
    #[serde(default)]
    pub normalize: Normalize,
}

/// `[optimizer]`: AdamW with decoupled weight decay (Loshchilov & Hutter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimizerConfig {
    /// Peak learning rate.
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub weight_decay: f64,
    pub epsilon: f64,
    /// Clip the global gradient L2 norm to this value (off when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_clip_norm: Option<f64>,
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        Self {
            lr: 1e-4,
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.01,
            epsilon: 1e-8,
            grad_clip_norm: None,
        }
    }
}

/// `[schedule]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    pub epochs: usize,
    pub batch_size: usize,
    /// Epochs of linear warmup from 0 to the peak lr (upstream FoF: 15 of 70).
    #[serde(default)]
    pub warmup_epochs: usize,
    /// Learning rate at the end of the cosine decay.
    #[serde(default)]
    pub min_lr: f64,
    /// How many per-epoch checkpoints to keep (oldest pruned first).
    #[serde(default = "d_keep")]
    pub keep_checkpoints: usize,
    /// Micro-batches per batch, run forward and backward in parallel on the CPU threads with
    /// their gradients summed (`models::train::parallel`): the same step as one pass up to float
    /// rounding, and the same bytes whatever the thread count. Used only by objectives whose loss
    /// is a mean over items (the ViT baseline, FoF without MCA); 1 = one pass. Default 2 (left
    /// out of the resolved config when 2).
    #[serde(default = "d_micro", skip_serializing_if = "is_d_micro")]
    pub micro_batches: usize,
}

fn d_keep() -> usize {
    2
}

fn d_micro() -> usize {
    2
}

fn is_d_micro(v: &usize) -> bool {
    *v == d_micro()
}

/// `[augmentation]`: spatial flips/rotations and colour jitter, drawn from the run's seeded RNG.
/// A jitter strength `j` draws a factor uniformly from `[1 - j, 1 + j]` (torchvision's
/// `ColorJitter` convention).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AugmentationConfig {
    /// Probability of a horizontal flip.
    pub hflip: f64,
    /// Probability of a vertical flip.
    pub vflip: f64,
    /// Probability of a rotation by a random multiple of 90 degrees (1, 2 or 3 quarter turns).
    pub rot90: f64,
    /// Random crop: keep a square of side `u * min(H, W)` with `u` uniform in `[crop, 1]` at a
    /// random position and resize it back bilinearly to the input size. 1 switches it off.
    pub crop: f64,
    pub brightness: f64,
    pub contrast: f64,
    pub saturation: f64,
    /// Probability of a grid distortion (FoF's "distortion"; albumentations' `GridDistortion`):
    /// the image is cut into `distort_steps` columns and rows whose widths and heights are
    /// scaled by `1 + d`, `d` uniform in `[-distort_limit, distort_limit]`
    /// ([`cohort::augment::grid_distort`]). 0 (the default) switches it off; the keys are left
    /// out of the resolved config while they have their default values.
    #[serde(skip_serializing_if = "is_zero")]
    pub distort: f64,
    #[serde(skip_serializing_if = "is_default_steps")]
    pub distort_steps: usize,
    #[serde(skip_serializing_if = "is_default_limit")]
    pub distort_limit: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}
fn is_default_steps(x: &usize) -> bool {
    *x == 5
}
fn is_default_limit(x: &f64) -> bool {
    *x == 0.3
}

impl Default for AugmentationConfig {
    fn default() -> Self {
        Self {
            hflip: 0.5,
            vflip: 0.5,
            rot90: 0.5,
            crop: 1.0,
            brightness: 0.2,
            contrast: 0.2,
            saturation: 0.2,
            distort: 0.0,
            distort_steps: 5,
            distort_limit: 0.3,
        }
    }
}

impl AugmentationConfig {
    /// No augmentation at all (evaluation, tests).
    pub fn none() -> Self {
        Self {
            hflip: 0.0,
            vflip: 0.0,
            rot90: 0.0,
            crop: 1.0,
            brightness: 0.0,
            contrast: 0.0,
            saturation: 0.0,
            distort: 0.0,
            distort_steps: 5,
            distort_limit: 0.3,
        }
    }
}
