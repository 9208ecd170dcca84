//! Errors of the cohort crate. Every message names the file and, where there is one, the row
//! (the 1-based line number in the file, the header being line 1) and the column, then says what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    /// A file could not be opened, read or written.
    #[error("{}: {err}", path.display())]
    Io { path: PathBuf, err: std::io::Error },
    /// `cohort.toml` is malformed.
    #[error("{}: {msg}", path.display())]
    Manifest { path: PathBuf, msg: String },
    /// A table lacks a required column.
    #[error("{}: missing column `{column}`; add it to the header", path.display())]
    MissingColumn { path: PathBuf, column: String },
    /// A cell is wrong: bad number, out of range, unknown or duplicate id, unreadable image, ...
    #[error("{}: line {row}, column `{column}`: {msg}", path.display())]
    Cell { path: PathBuf, row: usize, column: String, msg: String },
    /// A row that cannot be parsed as CSV at all.
    #[error("{}: line {row}: {msg}", path.display())]
    Row { path: PathBuf, row: usize, msg: String },
    /// An image that cannot be decoded.
    #[error("{}: cannot decode image: {msg}", path.display())]
    Image { path: PathBuf, msg: String },
    /// A whole-slide image that cannot be opened or read (format, reader, region).
    #[error("{}: {msg}", path.display())]
    Slide { path: PathBuf, msg: String },
    /// Invalid parameters given to a function (augmentation, generator).
    #[error("{0}")]
    InvalidInput(String),
}

impl CohortError {
    pub(crate) fn io(path: impl Into<PathBuf>, err: std::io::Error) -> Self {
        CohortError::Io { path: path.into(), err }
    }
    pub(crate) fn slide(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        CohortError::Slide { path: path.into(), msg: msg.into() }
    }
    pub(crate) fn cell(path: impl Into<PathBuf>, row: usize, column: &str, msg: impl Into<String>) -> Self {
        CohortError::Cell { path: path.into(), row, column: column.to_string(), msg: msg.into() }
    }
}

pub type Result<T> = std::result::Result<T, CohortError>;
