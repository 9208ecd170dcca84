//! A 3-D scalar image with ITK/SimpleITK geometry (LPS physical space).

/// A 3-D image as SimpleITK holds it.
///
/// Voxels are stored x fastest, then y, then z (NRRD/ITK order); `data[x + nx*(y + ny*z)]`.
/// A numpy array from `sitk.GetArrayFromImage` is the same buffer viewed as (z, y, x).
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub data: Vec<f64>,
    /// Number of voxels along x, y, z.
    pub size: [usize; 3],
    /// Voxel spacing in mm along x, y, z.
    pub spacing: [f64; 3],
    /// Physical position of voxel (0,0,0), LPS.
    pub origin: [f64; 3],
    /// Direction cosines, row-major 3x3; column j is the direction of axis j (as ITK).
    pub direction: [f64; 9],
}

impl Image {
    /// Linear index of voxel (x, y, z).
    #[inline]
    pub fn index(&self, x: usize, y: usize, z: usize) -> usize {
        x + self.size[0] * (y + self.size[1] * z)
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}
