//! The data side of the training engine: a small random-access dataset trait that any cohort
//! (pathology ROIs, slide bags, MRI features) implements, and the image item used by the ViT
//! experiments.

use std::path::PathBuf;

/// Errors while reading an item.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: {reason}")]
    Item { path: PathBuf, reason: String },
    #[error("item {index} is out of range (the dataset has {len} items)")]
    OutOfRange { index: usize, len: usize },
    #[error("{0}")]
    Other(String),
}

/// Random-access dataset. `get` may do I/O (decoding an image); the engine calls it from
/// several threads, so it takes `&self`.
pub trait Dataset: Send + Sync {
    type Item: Send;
    /// Number of items.
    fn len(&self) -> usize;
    /// Item `index` (`0..len()`).
    fn get(&self, index: usize) -> Result<Self::Item, DataError>;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One image with its class, e.g. a pathology ROI and its grade index.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageItem {
    /// Pixels, channel-major `[C, H, W]`, values in [0, 1] (before normalisation).
    pub pixels: Vec<f32>,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// Class index `0..K`.
    pub label: usize,
    /// Grouping key (patient id): splits keep a group on one side.
    pub group: String,
}

/// A dataset held in memory (tests, small cohorts, precomputed features).
#[derive(Debug, Clone, Default)]
pub struct VecDataset<T> {
    pub items: Vec<T>,
}

impl<T> VecDataset<T> {
    pub fn new(items: Vec<T>) -> Self {
        Self { items }
    }
}

impl<T: Clone + Send + Sync> Dataset for VecDataset<T> {
    type Item = T;
    fn len(&self) -> usize {
        self.items.len()
    }
    fn get(&self, index: usize) -> Result<T, DataError> {
        self.items.get(index).cloned().ok_or(DataError::OutOfRange {
            index,
            len: self.items.len(),
        })
    }
}

/// A view of `indices` of another dataset (a fold's train or test part).
pub struct Subset<'a, D: Dataset + ?Sized> {
    pub inner: &'a D,
    pub indices: Vec<usize>,
}

impl<D: Dataset + ?Sized> Dataset for Subset<'_, D> {
    type Item = D::Item;
    fn len(&self) -> usize {
        self.indices.len()
    }
    fn get(&self, index: usize) -> Result<D::Item, DataError> {
        let i = *self.indices.get(index).ok_or(DataError::OutOfRange {
            index,
            len: self.indices.len(),
        })?;
        self.inner.get(i)
    }
}
