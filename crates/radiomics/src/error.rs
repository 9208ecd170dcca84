//! Errors of the radiomics crate. Each message says what is wrong and what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RadiomicsError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    InvalidInput(String),
    /// A file that could be opened but not decoded (bad header, truncated data, ...).
    #[error("{path}: {msg}")]
    Format { path: PathBuf, msg: String },
}

impl RadiomicsError {
    pub(crate) fn format(path: &std::path::Path, msg: impl Into<String>) -> RadiomicsError {
        RadiomicsError::Format { path: path.to_path_buf(), msg: msg.into() }
    }
}
