//! Volume I/O for the cohort crate: one place that reads and writes MRI volumes.
//!
//! Reading and writing currently go through the private NIfTI-1 module [`crate::nifti`];
//! they will switch to `radiomics::io` (the owner of NIfTI/NRRD I/O) once it lands, so that
//! the two crates share one reader.

use std::path::Path;

use radiomics::Image;

use crate::error::{CohortError, Result};

/// What a volume holds (decides the voxel type on disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeKind {
    /// MR intensities: int16.
    Intensity,
    /// Label mask: uint8.
    Mask,
}

/// Read a NIfTI volume (`.nii`, `.nii.gz`). NRRD comes with `radiomics::io`.
pub fn read_volume(path: &Path) -> Result<Image> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".nii") || name.ends_with(".nii.gz") {
        crate::nifti::read(path)
    } else {
        Err(CohortError::Image {
            path: path.into(),
            msg: "unsupported volume format; use NIfTI (.nii or .nii.gz)".into(),
        })
    }
}

/// Write a volume atomically as NIfTI (`.nii.gz` compressed, `.nii` plain).
pub fn write_volume(path: &Path, img: &Image, kind: VolumeKind) -> Result<()> {
    let gz = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
    let ty = match kind {
        VolumeKind::Intensity => crate::nifti::VoxelType::I16,
        VolumeKind::Mask => crate::nifti::VoxelType::U8,
    };
    crate::io::write_atomic(path, &crate::nifti::encode(img, ty, gz))
}
