//! The training engine shared by every gliofuse model.
//!
//! * [`config`]: the TOML experiment file (model, data, optimiser, schedule, augmentation, seed,
//!   device), with errors that name the missing or malformed key.
//! * [`data`]: the [`Dataset`](data::Dataset) trait a cohort implements.
//! * [`objective`]: the [`Objective`](objective::Objective) trait (batch -> loss, evaluation)
//!   and the ViT image classifier.
//! * [`engine`]: the loop: seeded shuffling, AdamW, warmup + cosine learning rate, progress bar,
//!   per-epoch metrics (CSV + JSON) and checkpoints, exact resume.
//! * [`run`]: the run directory layout and checkpoint state.

pub mod augment;
pub mod config;
pub mod data;
pub mod engine;
pub mod objective;
pub mod parallel;
pub mod run;
pub mod schedule;

use std::path::PathBuf;

pub use config::{
    AugmentationConfig, DataConfig, ExperimentConfig, Normalize, OptimizerConfig, ScheduleConfig,
    VitModelConfig,
};
pub use data::{DataError, Dataset, ImageItem, Subset, VecDataset};
pub use engine::{EpochMetrics, TrainOptions, TrainOutcome, load_trained_vit, train, train_vit};
pub use objective::{ImageClassification, Objective};
pub use run::RunDir;
pub use schedule::CosineSchedule;

/// Errors of the training engine.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Model(#[from] crate::error::ModelError),
    #[error("data: {0}")]
    Data(String),
    #[error(transparent)]
    Dataset(#[from] DataError),
    #[error("{path}: {reason}")]
    Run { path: PathBuf, reason: String },
    #[error(
        "the loss became {value} at epoch {epoch}, step {step}; lower [optimizer] lr or check the data"
    )]
    NonFinite {
        value: f32,
        epoch: usize,
        step: usize,
    },
}
