//! Typed errors of the models crate. Every message names the file, key or field at fault and
//! says what to do.

use std::path::PathBuf;

/// Errors from building, importing and running models.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("invalid model setting `{field}`: {reason}")]
    InvalidConfig { field: String, reason: String },
    #[error(
        "input has shape {found}, the model expects {expected}; resize the images to the configured image_size"
    )]
    InputShape { expected: String, found: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Checkpoint { path: PathBuf, reason: String },
    #[error("class {class} is out of range: the model has {num_classes} outputs")]
    ClassOutOfRange { class: usize, num_classes: usize },
    #[error("device `{0}`: {1}")]
    Device(String, String),
}
