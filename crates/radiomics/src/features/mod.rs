//! Feature classes, one module each, named as pyradiomics names them.
//!
//! Texture classes (glcm, glrlm, glszm, gldm, ngtdm) take a [`DiscretizedRoi`] (the image cropped
//! to the mask's bounding box, already discretised) and [`TextureSettings`], and return
//! `(feature name, value)` pairs in pyradiomics' order, for the enabled-by-default features.

pub mod firstorder;
pub mod glcm;
pub mod gldm;
pub mod glrlm;
pub mod glszm;
mod neighbourhood;
pub mod names;
pub mod ngtdm;
pub mod registry;
pub mod shape;
pub mod shape2d;

pub use names::{all_feature_names, default_feature_names};
pub use neighbourhood::angles;

/// The ROI after cropping to its bounding box and discretisation, as pyradiomics hands it to a
/// feature class (`self.imageArray` after `_applyBinning`, `self.maskArray`).
#[derive(Debug, Clone)]
pub struct DiscretizedRoi {
    /// Gray level (bin index, 1-based as `numpy.digitize` gives it) per voxel of the cropped box,
    /// x fastest, then y, then z. Meaningful only where `mask` is true.
    pub bins: Vec<u32>,
    /// ROI membership per voxel of the cropped box.
    pub mask: Vec<bool>,
    /// Size of the cropped box along x, y, z.
    pub size: [usize; 3],
    /// Voxel spacing in mm along x, y, z (used by weightingNorm).
    pub spacing: [f64; 3],
}

/// Settings the texture classes read (pyradiomics names in the doc comments).
#[derive(Debug, Clone, PartialEq)]
pub struct TextureSettings {
    /// `distances` (default [1]).
    pub distances: Vec<usize>,
    /// `symmetricalGLCM` (default true).
    pub symmetrical_glcm: bool,
    /// `weightingNorm`: None, "manhattan", "euclidean", "infinity" or "no_weighting".
    pub weighting_norm: Option<String>,
    /// `gldm_a` (default 0).
    pub gldm_a: f64,
    /// `force2D` (default false).
    pub force_2d: bool,
    /// `force2Ddimension` (default 0): the axis (in pyradiomics' z, y, x array order) that is
    /// left out of the angles.
    pub force_2d_dimension: usize,
}

impl Default for TextureSettings {
    fn default() -> Self {
        Self {
            distances: vec![1],
            symmetrical_glcm: true,
            weighting_norm: None,
            gldm_a: 0.0,
            force_2d: false,
            force_2d_dimension: 0,
        }
    }
}
