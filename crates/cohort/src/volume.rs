//! Volume I/O for the cohort crate, through `radiomics::io` (the owner of NIfTI/NRRD reading
//! and writing), so the two crates share one reader with ITK's geometry rules.

use std::path::Path;

use radiomics::Image;
use radiomics::image::PixelType;

use crate::error::{CohortError, Result};

/// What a volume holds (decides the voxel type on disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeKind {
    /// MR intensities: int16.
    Intensity,
    /// Label mask: uint8.
    Mask,
}

fn from_radiomics(path: &Path, e: radiomics::RadiomicsError) -> CohortError {
    match e {
        radiomics::RadiomicsError::Io { source, .. } => CohortError::io(path, source),
        radiomics::RadiomicsError::Format { msg, .. } => CohortError::Image { path: path.into(), msg },
        other => CohortError::Image { path: path.into(), msg: other.to_string() },
    }
}

/// Read a volume (`.nii`, `.nii.gz`, `.nrrd`, `.nhdr`) with SimpleITK's geometry.
pub fn read_volume(path: &Path) -> Result<Image> {
    radiomics::io::read_image(path).map_err(|e| from_radiomics(path, e))
}

/// Write a volume atomically, format from the extension (`.nii.gz` is gzip-compressed).
/// Intensities are rounded to int16, masks to uint8.
pub fn write_volume(path: &Path, img: &Image, kind: VolumeKind) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CohortError::io(dir, e))?;
    }
    let ty = match kind {
        VolumeKind::Intensity => PixelType::I16,
        VolumeKind::Mask => PixelType::U8,
    };
    let mut rounded = img.clone();
    for v in rounded.data.iter_mut() {
        *v = match kind {
            VolumeKind::Intensity => v.round().clamp(-32768.0, 32767.0),
            VolumeKind::Mask => v.round().clamp(0.0, 255.0),
        };
    }
    radiomics::io::write_image(path, &rounded, ty).map_err(|e| from_radiomics(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nifti_round_trip_through_radiomics_io() {
        let img = Image {
            data: (0..24).map(|v| v as f64 * 1.6 - 5.0).collect(),
            size: [2, 3, 4],
            spacing: [1.0, 0.5, 2.0],
            origin: [10.0, -20.0, 30.0],
            direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            pixel_type: PixelType::F64,
        };
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("a.nii.gz");
        write_volume(&p, &img, VolumeKind::Intensity).unwrap();
        let back = read_volume(&p).unwrap();
        assert_eq!((back.size, back.spacing, back.origin, back.direction), (img.size, img.spacing, img.origin, img.direction));
        assert_eq!(back.pixel_type, PixelType::I16);
        // Rounded to int16: -5.0, -3.4 -> -3, -1.8 -> -2, ...
        assert_eq!(&back.data[..4], &[-5.0, -3.0, -2.0, 0.0]);
        let e = read_volume(&dir.path().join("missing.nii")).unwrap_err().to_string();
        assert!(e.contains("missing.nii"), "{e}");
    }
}
