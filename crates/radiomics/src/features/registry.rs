//! Where the extractor finds the texture classes (glcm, glrlm, glszm, gldm, ngtdm).
//!
//! Each texture class module exposes
//! `pub fn features(roi: &DiscretizedRoi, settings: &TextureSettings) -> Result<Vec<(String, f64)>, RadiomicsError>`
//! returning its enabled-by-default features in pyradiomics' order. The modules are written on
//! their own branch; when they are merged, add `pub mod <class>;` in `features/mod.rs` and the
//! match arm below (`"glcm" => Some(super::glcm::features)`, ...). Until then a class missing here
//! is reported by the extractor as not available, and its features are left out.

use super::{DiscretizedRoi, TextureSettings};
use crate::error::RadiomicsError;

/// Signature shared by the texture class modules.
pub type TextureFn = fn(&DiscretizedRoi, &TextureSettings) -> Result<Vec<(String, f64)>, RadiomicsError>;

/// The texture classes, in pyradiomics' default order.
pub const TEXTURE_CLASSES: &[&str] = &["glcm", "gldm", "glrlm", "glszm", "ngtdm"];

/// The `features` function of a texture class, if this build has it.
#[allow(clippy::match_single_binding)]
pub fn texture_class(name: &str) -> Option<TextureFn> {
    match name {
        "glcm" => Some(super::glcm::features),
        "gldm" => Some(super::gldm::features),
        "glrlm" => Some(super::glrlm::features),
        "glszm" => Some(super::glszm::features),
        "ngtdm" => Some(super::ngtdm::features),
        _ => None,
    }
}
