//! Gradient image type: SimpleITK's `GradientMagnitudeImageFilter`, as pyradiomics'
//! `getGradientImage` applies it (`gradientUseSpacing`, default true).
//!
//! ITK (`Modules/Filtering/ImageGradient/include/itkGradientMagnitudeImageFilter.hxx`,
//! `itkDerivativeOperator.hxx`): per axis the first-derivative operator `[0.5, 0, −0.5]`, each
//! coefficient scaled by `1 / spacing` when spacing is used, applied with zero-flux Neumann
//! boundaries (the edge voxel is repeated); the squares are summed in double over x, y, z and the
//! square root is stored as float32.

use super::{DerivedImage, Region};
use crate::error::RadiomicsError;
use crate::image::{Image, PixelType};

/// Gradient magnitude, float32 values held as f64.
pub fn gradient_magnitude(image: &Image, use_spacing: bool) -> Result<Image, RadiomicsError> {
    gradient_magnitude_in_region(image, use_spacing, &Region::whole(image))
}

/// [`gradient_magnitude`] at the voxels of `region` only (an image of the region's size whose
/// origin is its first voxel, equal to the crop of the whole-image result).
pub fn gradient_magnitude_in_region(image: &Image, use_spacing: bool, region: &Region) -> Result<Image, RadiomicsError> {
    super::check_image(image, "gradient")?;
    region.check(image)?;
    if use_spacing && image.spacing.iter().any(|&s| s == 0.0 || !s.is_finite()) {
        return Err(RadiomicsError::InvalidInput(format!(
            "gradient filter: image spacing {:?} must be finite and non-zero",
            image.spacing
        )));
    }
    let [nx, ny, _] = image.size;
    // ITK scales the operator coefficients: c = 0.5 * (1 / spacing).
    let coef: [f64; 3] = std::array::from_fn(|i| if use_spacing { 0.5 * (1.0 / image.spacing[i]) } else { 0.5 });
    let strides = [1, nx, nx * ny];
    let d = &image.data;
    let mut out = Vec::with_capacity(d.len());
    let r = region;
    for z in r.start[2]..r.start[2] + r.size[2] {
        for y in r.start[1]..r.start[1] + r.size[1] {
            for x in r.start[0]..r.start[0] + r.size[0] {
                let i = image.index(x, y, z);
                let pos = [x, y, z];
                let mut a = 0.0f64;
                for ax in 0..3 {
                    let n = image.size[ax];
                    let lo = if pos[ax] > 0 { i - strides[ax] } else { i };
                    let hi = if pos[ax] + 1 < n { i + strides[ax] } else { i };
                    // NeighborhoodInnerProduct: c*x[-1] + 0*x[0] + (-c)*x[+1].
                    let g = coef[ax] * d[lo] + 0.0 * d[i] + (-coef[ax]) * d[hi];
                    a += g * g;
                }
                out.push(a.sqrt() as f32 as f64);
            }
        }
    }
    Ok(region.image_like(image, out, PixelType::F32))
}

/// pyradiomics' `getGradientImage`: the single image `gradient`.
pub fn gradient_images(image: &Image, use_spacing: bool) -> Result<Vec<DerivedImage>, RadiomicsError> {
    Ok(vec![DerivedImage { name: "gradient".into(), image: gradient_magnitude(image, use_spacing)? }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ramp() {
        // f = 3x + 2y - z (voxel units), spacing (0.5, 2, 1): interior gradient (6, 1, -1) per mm.
        let size = [5, 4, 3];
        let mut data = Vec::new();
        for z in 0..3 {
            for y in 0..4 {
                for x in 0..5 {
                    data.push(3.0 * x as f64 + 2.0 * y as f64 - z as f64);
                }
            }
        }
        let img = Image::new(data, size, [0.5, 2.0, 1.0]);
        let g = gradient_magnitude(&img, true).unwrap();
        let v = g.data[img.index(2, 1, 1)];
        assert!((v - (36.0f64 + 1.0 + 1.0).sqrt()).abs() < 1e-5, "{v}");
        // At x = 0 the one-sided difference is halved: 3 / 2 / 0.5 = 3.
        let v = g.data[img.index(0, 1, 1)];
        assert!((v - (9.0f64 + 1.0 + 1.0).sqrt()).abs() < 1e-5, "{v}");
        let g = gradient_magnitude(&img, false).unwrap();
        let v = g.data[img.index(2, 1, 1)];
        assert!((v - (9.0f64 + 4.0 + 1.0).sqrt()).abs() < 1e-5, "{v}");
    }
}
