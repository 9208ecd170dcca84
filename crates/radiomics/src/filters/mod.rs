//! pyradiomics' image filters ("image types"), each on the full, uncropped image as pyradiomics
//! applies them, returning images with the input geometry:
//!
//! | module | pyradiomics image type | reference implementation |
//! |---|---|---|
//! | [`wavelet`] | Wavelet (`wavelet-LLH`, ...) | PyWavelets `swtn`, level 1 per level |
//! | [`log`] | LoG (`log-sigma-1-0-mm-3D`, ...) | SimpleITK `LaplacianRecursiveGaussian` |
//! | [`gradient`] | Gradient | SimpleITK `GradientMagnitude` |
//! | [`point`] | Square, SquareRoot, Logarithm, Exponential | numpy, with pyradiomics' rescaling |

pub mod gradient;
pub mod log;
pub mod point;
pub mod wavelet;
mod wavelet_table;

pub use wavelet_table::PYWAVELETS_VERSION;

use crate::image::Image;

/// One derived image: pyradiomics' image type name (`wavelet-LLH`, `log-sigma-1-0-mm-3D`, ...)
/// and its voxels.
#[derive(Debug, Clone)]
pub struct DerivedImage {
    pub name: String,
    pub image: Image,
}

impl Image {
    /// An image with no voxels and this image's size and geometry (for filters to fill).
    pub(crate) fn clone_geometry(&self) -> Image {
        Image {
            data: Vec::new(),
            size: self.size,
            spacing: self.spacing,
            origin: self.origin,
            direction: self.direction,
            pixel_type: self.pixel_type,
        }
    }
}

/// Check that the voxel count matches the size and is not zero.
pub(crate) fn check_image(image: &Image, filter: &str) -> Result<(), crate::RadiomicsError> {
    if image.data.is_empty() || image.data.len() != image.size.iter().product::<usize>() {
        return Err(crate::RadiomicsError::InvalidInput(format!(
            "{filter} filter: image of size {:?} holds {} voxels",
            image.size,
            image.data.len()
        )));
    }
    Ok(())
}
